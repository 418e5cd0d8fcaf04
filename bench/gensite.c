/* gensite.c - a static site whose pages look like real ones, for crawls and
 * parsers to be measured on.
 *
 *   gensite [--hostile] [--base http://HOST[:PORT]] DIR [PAGES [SEED]]
 *
 * Writes DIR/index.html and PAGES (default 20,000) pages as
 * DIR/s/DD/NNNNN.html, 200 to a directory, each 4-16 KiB: a head with
 * meta, stylesheet, script blocks with '<' and '>' in them, JSON-LD and
 * comments; a header with a nav, paragraphs with character references, a
 * footer. Each page has 10-30 links in a and area elements, written in
 * every form a crawler must get right: relative, ./ and ../, absolute
 * paths with dot segments, percent-encoded and entity-encoded spellings of
 * the same path, fragments, whitespace around the href, single, double
 * and no quotes, upper-case tags; and link rel=canonical/next/prev,
 * iframes and meta refresh on some pages, <base href> on some, and links
 * that lead nowhere a host-scoped crawl goes: rel=nofollow, other hosts
 * (http://127.0.0.9/, example.invalid), javascript:, mailto:, tel:, data:,
 * malformed URLs, hrefs over 8 KiB, links inside comments.
 *
 * With --base the pages also link to themselves by absolute URL (that
 * base, its scheme and host in upper case, ":80" when the port is the
 * default) and protocol-relative //HOST:PORT/ URLs; without it every
 * in-scope link is host-relative. Either way no link leads to another port
 * or scheme of the same host: crawld's host scope ignores both, so such a
 * link would be fetched, and fail.
 *
 * Every page is reachable from /index.html by followable links (neither
 * nofollow nor over 8 KiB, which a crawler may refuse), and each in-scope
 * followable link leads to a page of the site, so a correct host-scoped
 * crawl from /index.html fetches exactly PAGES+1 URLs; no link carries a
 * query on the site's host. DIR/expected.txt holds their paths, sorted,
 * one a line: computed by a breadth-first walk of the links the generator
 * wrote, which also gives the depth a crawl needs (printed on stderr with
 * the page count and sizes). The same SEED (default 1) gives the same
 * site.
 *
 * The default site leaves out the few constructs that stop the crawlers
 * crawld is compared with, so that each of them can fetch it whole;
 * --hostile puts them back. The paths, and so expected.txt, are the same
 * either way; the pages differ only in these bytes and in the random
 * draws their lengths move. Found with wget2 1.99.1 and Scrapy 2.8:
 *   - a '<' inside <style>: wget2 finds no link after it on the page
 *     (<style>p { content: "<" }</style><a href="/x"> gives it no link).
 *     The default style sheet has "|" there.
 *   - an unquoted href that starts with '/' (<a href=/x>): wget2 finds
 *     neither it nor any later link; one that starts with '.' or that the
 *     tag's '>' follows (<a href=./x>x y</a>): wget2 takes the '>' and the
 *     text up to the next space into the URL, fetches it and gets a 404.
 *     The default site quotes values that start with '/' or '.' and puts
 *     a space after the other unquoted ones.
 *   - character references in an href's path (/s&#x2F;01/00200&#46;html):
 *     wget2 decodes none and fetches the URL as written (a 404). The
 *     default site has them in fragments only (#a=1&amp;b=2).
 *   - a link to a port out of range (http://example.invalid:99999/x):
 *     Scrapy's default LinkExtractor raises "ValueError: Port out of range
 *     0-65535" on the page, and with no other page queued the crawl ends.
 *     The default site's link has port 65535.
 * crawld fetches either site whole. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define PER_DIR 200
#define PAGE_MIN 4096
#define PAGE_TARGET_MAX 13312 /* what is left of 16 KiB covers the footer */
#define LONG_HREF 9000        /* over crawld's 8 KiB (URLNORM_MAX_BYTES) */
#define HREF_MAX (LONG_HREF + 512)
#define ROOT_DIR (-1) /* the base directory of /index.html */

struct buf {
  char *data;
  size_t len;
  size_t cap;
};

struct site {
  const char *dir;
  unsigned pages; /* nodes 0..pages-1 are pages, node pages is the index */
  char base[256]; /* "http://127.0.0.1:8080", "" without --base */
  char base_upper[256];   /* "HTTP://127.0.0.1:8080" */
  char base_default[264]; /* the default port spelt out or left out; "" */
  char netloc[256];       /* "127.0.0.1:8080", for "//netloc/path" */
  bool hostile;           /* --hostile: the constructs that stop others */
  uint32_t *edges;        /* followable links, node by node */
  size_t edges_len;
  size_t edges_cap;
  size_t *first_edge; /* pages + 2 offsets into edges */
  size_t bytes;
  size_t smallest;
  size_t largest;
};

/* One page being written. */
struct page {
  struct site *site;
  uint32_t node;
  int base_dir; /* links resolve against this directory, or ROOT_DIR */
  uint64_t rng;
  struct buf out;
  unsigned links; /* a and area written so far */
};

static const char *const words[] = {
  "crawler", "archive", "network", "daemon",  "record",  "frontier",
  "robots",  "seed",    "queue",   "latency", "host",    "budget",
  "library", "parser",  "markup",  "anchor",  "window",  "journal",
  "spool",   "worker",  "process", "thread",  "socket",  "buffer",
  "table",   "column",  "river",   "garden",  "winter",  "market",
  "station", "harbour", "engine",  "signal",  "pattern", "surface",
};
#define WORDS (sizeof(words) / sizeof(words[0]))

/* Text with the references both libxml2 (HTML 4) and HTML5 know. */
static const char *const phrases[] = {
  "caf&eacute; &amp; bar",
  "&ldquo;quoted&rdquo;",
  "x &lt; y &gt; z",
  "&copy; 2024",
  "one&nbsp;word",
  "em &mdash; dash",
  "it&#8217;s",
  "&#x263A; smile",
  "na&iuml;ve r&eacute;sum&eacute;",
  "5 &times; 3 &divide; 2",
};
#define PHRASES (sizeof(phrases) / sizeof(phrases[0]))

static uint64_t next_random(uint64_t *state)
{
  uint64_t x;

  *state += UINT64_C(0x9e3779b97f4a7c15);
  x = *state;
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

static unsigned below(struct page *page, unsigned bound)
{
  return (unsigned)(next_random(&page->rng) % bound);
}

static bool one_in(struct page *page, unsigned chances)
{
  return below(page, chances) == 0;
}

static void die(const char *what)
{
  fprintf(stderr, "gensite: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void put_len(struct buf *out, const char *text, size_t len)
{
  if(out->len + len + 1 > out->cap) {
    size_t cap = out->cap == 0 ? 32768 : out->cap;

    while(out->len + len + 1 > cap)
      cap *= 2;
    out->data = realloc(out->data, cap);
    if(out->data == NULL)
      die("realloc");
    out->cap = cap;
  }
  memcpy(out->data + out->len, text, len);
  out->len += len;
  out->data[out->len] = '\0';
}

static void put(struct page *page, const char *text)
{
  put_len(&page->out, text, strlen(text));
}

__attribute__((format(printf, 2, 3))) static void putf(struct page *page,
                                                       const char *format, ...)
{
  char line[HREF_MAX + 1024];
  va_list args;
  int len;

  va_start(args, format);
  len = vsnprintf(line, sizeof(line), format, args);
  va_end(args);
  if(len < 0 || (size_t)len >= sizeof(line)) {
    fprintf(stderr, "gensite: a line over %zu bytes\n", sizeof(line));
    exit(1);
  }
  put_len(&page->out, line, (size_t)len);
}

static int dir_of(const struct site *site, uint32_t node)
{
  return node == site->pages ? ROOT_DIR : (int)(node / PER_DIR);
}

/* The file name of a node within its directory. */
static void name_of(const struct site *site, uint32_t node, char *name,
                    size_t size)
{
  if(node == site->pages)
    snprintf(name, size, "index.html");
  else
    snprintf(name, size, "%05" PRIu32 ".html", node);
}

/* "/s/DD/NNNNN.html" or "/index.html". */
static void path_of(const struct site *site, uint32_t node, char *path,
                    size_t size)
{
  char name[32];

  name_of(site, node, name, sizeof(name));
  if(node == site->pages)
    snprintf(path, size, "/%s", name);
  else
    snprintf(path, size, "/s/%02d/%s", dir_of(site, node), name);
}

static void add_edge(struct site *site, uint32_t target)
{
  if(site->edges_len == site->edges_cap) {
    site->edges_cap = site->edges_cap == 0 ? 65536 : site->edges_cap * 2;
    site->edges = realloc(site->edges, site->edges_cap * sizeof(uint32_t));
    if(site->edges == NULL)
      die("realloc");
  }
  site->edges[site->edges_len++] = target;
}

/* The target's path relative to the page's base directory, as "up" (one
 * "../" per step) and "down" parts: from /s/03/ to /s/05/x.html is
 * "../05/x.html". */
static void relative_of(struct page *page, uint32_t target, char *rel,
                        size_t size, const char *here)
{
  const struct site *site = page->site;
  int to_dir = dir_of(site, target);
  char name[32];

  name_of(site, target, name, sizeof(name));
  if(to_dir == page->base_dir)
    snprintf(rel, size, "%s%s", here, name);
  else if(page->base_dir == ROOT_DIR)
    snprintf(rel, size, "%ss/%02d/%s", here, to_dir, name);
  else if(to_dir == ROOT_DIR)
    snprintf(rel, size, "%s../../%s", here, name);
  else
    snprintf(rel, size, "%s../%02d/%s", here, to_dir, name);
}

/* An href for target in one of the in-scope forms; every form resolves,
 * against the page's base, to the target's path. The result is written
 * into an attribute as it is: character references in it are meant. */
static void inscope_href(struct page *page, uint32_t target, char *href,
                         size_t size)
{
  const struct site *site = page->site;
  char path[64];
  int to_dir = dir_of(site, target);
  char name[32];

  path_of(site, target, path, sizeof(path));
  name_of(site, target, name, sizeof(name));
  for(;;) {
    switch(below(page, 16)) {
      case 0:
      case 1:
      case 2:
        snprintf(href, size, "%s", path);
        return;
      case 3:
      case 4:
        relative_of(page, target, href, size, "");
        return;
      case 5:
        relative_of(page, target, href, size, "./");
        return;
      case 6:
        /* One "../" too many from /s/DD/ goes above the root, where
         * RFC 3986 5.2.4 drops it. */
        snprintf(href, size, "%s..%s",
                 page->base_dir == ROOT_DIR ? "" : "../../", path);
        return;
      case 7:
        if(to_dir == ROOT_DIR)
          snprintf(href, size, "/./%s", name);
        else
          snprintf(href, size, "/s/%02d/../%02d/./%s", (to_dir + 1) % 100,
                   to_dir, name);
        return;
      case 8:
        /* Escapes of unreserved characters name the same path (RFC 3986
         * 6.2.2.2), in either case of hex digit. */
        if(to_dir == ROOT_DIR)
          snprintf(href, size, "/index%%2Ehtml");
        else if(to_dir < 100 && one_in(page, 2))
          snprintf(href, size, "/s/%%3%d%%3%d/%s", to_dir / 10 % 10,
                   to_dir % 10, name);
        else
          snprintf(href, size, "/%%73/%02d/%05" PRIu32 "%%2ehtml", to_dir,
                   target);
        return;
      case 9:
        /* Character references in the attribute, decoded by the parser.
         * wget2 decodes none in a URL (see the header): only --hostile
         * writes them in the path, the default site in the fragment. */
        if(to_dir == ROOT_DIR && site->hostile)
          snprintf(href, size, "&#47;index&#46;html");
        else if(to_dir != ROOT_DIR && one_in(page, 2) && site->hostile)
          snprintf(href, size, "/s&#x2F;%02d/%05" PRIu32 "&#46;html", to_dir,
                   target);
        else
          snprintf(href, size, "%s#a=1&amp;b=2", path);
        return;
      case 10:
        snprintf(href, size, "%s#section-%u", path, below(page, 9));
        return;
      case 11:
        snprintf(href, size, " %s\n", path);
        return;
      case 12:
        if(site->base[0] == '\0')
          break;
        snprintf(href, size, "%s%s", site->base, path);
        return;
      case 13:
        if(site->base[0] == '\0')
          break;
        snprintf(href, size, "%s%s", site->base_upper, path);
        return;
      case 14:
        if(site->base_default[0] == '\0')
          break;
        snprintf(href, size, "%s%s", site->base_default, path);
        return;
      case 15:
        if(site->base[0] == '\0')
          break;
        snprintf(href, size, "//%s%s", site->netloc, path);
        return;
    }
  }
}

/* An href a host-scoped crawl never fetches. */
static void outside_href(struct page *page, char *href, size_t size)
{
  unsigned word = below(page, WORDS);

  switch(below(page, 16)) {
    case 0:
      snprintf(href, size, "http://127.0.0.9/%s/%u.html", words[word],
               below(page, 1000));
      break;
    case 1:
      snprintf(href, size, "http://example.invalid/%s?id=%u&amp;ref=site",
               words[word], below(page, 1000));
      break;
    case 2:
      snprintf(href, size, "HTTPS://WWW.EXAMPLE.INVALID/%s/", words[word]);
      break;
    case 3:
      snprintf(href, size, "//cdn.example.invalid/%s.html", words[word]);
      break;
    case 4:
      snprintf(href, size, "javascript:void(0)");
      break;
    case 5:
      snprintf(href, size, "JavaScript:show('&lt;%s&gt;')", words[word]);
      break;
    case 6:
      snprintf(href, size, "mailto:%s@example.invalid?subject=Hi",
               words[word]);
      break;
    case 7:
      snprintf(href, size, "tel:+1-555-01%02u", below(page, 100));
      break;
    case 8:
      snprintf(href, size, "data:text/html,&lt;p&gt;%s", words[word]);
      break;
    case 9:
      snprintf(href, size, "ftp://example.invalid/pub/%s.tar.gz", words[word]);
      break;
    /* Malformed: no parser can make a fetchable URL of these. */
    case 10:
      snprintf(href, size, "http://[::1");
      break;
    case 11:
      /* A port out of range stops Scrapy's crawl (see the header): only
       * --hostile writes one; the default site has a valid odd port. */
      snprintf(href, size, "http://example.invalid:%s/%s",
               page->site->hostile ? "99999" : "65535", words[word]);
      break;
    case 12:
      snprintf(href, size, "http://exa mple.invalid/%s", words[word]);
      break;
    case 13:
      snprintf(href, size, "http://%%zz%%/%s", words[word]);
      break;
    case 14:
      snprintf(href, size, "http://127.0.0.9:8080/%s&amp;x", words[word]);
      break;
    default:
      snprintf(href, size, "https://127.0.0.9/%s#top", words[word]);
      break;
  }
}

/* Writes href as an attribute value: mostly double quotes, some single,
 * some none where the value allows it. wget2 misreads an unquoted value
 * that starts with '/' or '.', or that the tag's '>' follows (see the
 * header): the default site quotes the first and puts a space after the
 * second; --hostile writes both as they come. */
static void put_attr(struct page *page, const char *name, const char *value)
{
  unsigned style = below(page, 10);
  bool hostile = page->site->hostile;

  if(style < 7 || strpbrk(value, " \t\n\"'<>=`") != NULL ||
     (style == 9 && !hostile && (value[0] == '/' || value[0] == '.')))
    putf(page, "%s=\"%s\"", name, value);
  else if(style < 9)
    putf(page, "%s='%s'", name, value);
  else
    putf(page, "%s=%s%s", name, value, hostile ? "" : " ");
}

/* An a element to target, followable, as the last link of its kind in
 * the text. */
static void link_to(struct page *page, uint32_t target, const char *text)
{
  char href[HREF_MAX];

  inscope_href(page, target, href, sizeof(href));
  put(page, one_in(page, 12) ? "<A " : "<a ");
  if(one_in(page, 4))
    putf(page, "class=\"%s\" ", words[below(page, WORDS)]);
  put_attr(page, "href", href);
  putf(page, ">%s</a>", text);
  add_edge(page->site, target);
  page->links++;
}

/* A link no crawl follows: nofollow, elsewhere, malformed, over-long. */
static void dead_link(struct page *page, const char *text)
{
  char href[HREF_MAX];
  unsigned kind = below(page, 10);

  if(kind < 2) {
    inscope_href(page, below(page, page->site->pages), href, sizeof(href));
    put(page, "<a ");
    put_attr(page, "href", href);
    putf(page, " rel=\"%s\">%s</a>",
         one_in(page, 2) ? "nofollow" : "external nofollow", text);
  }
  else {
    outside_href(page, href, sizeof(href));
    put(page, "<a ");
    put_attr(page, "href", href);
    putf(page, ">%s</a>", text);
  }
  page->links++;
}

/* Over 8 KiB: a fragment to a real page, or a path on another host. */
static void long_link(struct page *page)
{
  char href[HREF_MAX];
  size_t len;

  if(one_in(page, 2)) {
    path_of(page->site, below(page, page->site->pages), href, sizeof(href));
    len = strlen(href);
    href[len++] = '#';
  }
  else {
    len = (size_t)snprintf(href, sizeof(href), "http://127.0.0.9/");
  }
  while(len < LONG_HREF)
    href[len++] = (char)('a' + below(page, 26));
  href[len] = '\0';
  putf(page, "<a href=\"%s\">long</a>", href);
  page->links++;
}

static void put_words(struct page *page, unsigned count)
{
  for(unsigned i = 0; i < count; i++) {
    if(i > 0)
      put(page, " ");
    if(one_in(page, 9))
      put(page, phrases[below(page, PHRASES)]);
    else
      put(page, words[below(page, WORDS)]);
  }
}

static uint32_t random_page(struct page *page)
{
  return (uint32_t)below(page, page->site->pages);
}

/* base_dir, when not the page's own directory, is written as <base href>
 * first in the head, before any URL, as HTML5 resolves even the URLs
 * before a <base> against it and crawld's parser does not. */
static void put_head(struct page *page, const char *title, uint32_t next,
                     uint32_t prev)
{
  const struct site *site = page->site;
  char href[HREF_MAX];
  char path[64];

  put(page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
            "<meta charset=\"utf-8\">\n");
  if(page->base_dir != dir_of(site, page->node))
    putf(page, "<base href=\"%s/s/%02d/\">\n", site->base, page->base_dir);
  put(page, "<meta name=\"viewport\" content=\"width=device-width, "
            "initial-scale=1\">\n");
  putf(page, "<meta name=\"description\" content=\"%s &amp; %s\">\n",
       words[below(page, WORDS)], words[below(page, WORDS)]);
  putf(page, "<title>%s</title>\n", title);
  put(page, "<link rel=\"stylesheet\" "
            "href=\"//cdn.example.invalid/css/site.css?v=3\">\n"
            "<link rel=\"icon\" href=\"http://127.0.0.9/favicon.ico\">\n"
            "<link rel=\"preconnect\" href=\"https://fonts.example.invalid\">"
            "\n");
  path_of(site, page->node, path, sizeof(path));
  putf(page, "<link rel=\"canonical\" href=\"%s%s\">\n", site->base, path);
  add_edge(page->site, page->node);
  if(next != UINT32_MAX) {
    inscope_href(page, next, href, sizeof(href));
    putf(page, "<link rel=\"next\" href=\"%s\">\n", href);
    add_edge(page->site, next);
  }
  if(prev != UINT32_MAX) {
    inscope_href(page, prev, href, sizeof(href));
    putf(page, "<link rel=\"prev\" href=\"%s\">\n", href);
    add_edge(page->site, prev);
  }
  if(one_in(page, 10)) {
    uint32_t target = random_page(page);

    inscope_href(page, target, href, sizeof(href));
    putf(page, "<meta http-equiv=\"refresh\" content=\"600; url=%s\">\n",
         href);
    add_edge(page->site, target);
  }
  put(page, "<script>\n"
            "  var items = [3, 1, 2];\n"
            "  for (var i = 0; i < items.length; i++) {\n"
            "    if (items[i] < 2 && i > 0) { items[i] = items[i] << 1; }\n"
            "  }\n"
            "  document.write('<div class=\"ad\"><a href=\"/ad/'"
            " + items[0] + '.html\">ad</a><\\/div>');\n"
            "  var html = \"<p>not a paragraph</p>\"; if (1 <2) {}\n"
            "</script>\n");
  putf(page,
       "<script type=\"application/ld+json\">{\"@context\": "
       "\"https://schema.org\", \"name\": \"%s <%u>\"}</script>\n",
       words[below(page, WORDS)], below(page, 100));
  /* A '<' in the style sheet leaves wget2 blind to every link after it
   * (see the header): only --hostile writes one. */
  putf(page,
       "<style>\n  nav > ul li a { color: #333 }\n"
       "  p:not(.x) > a::after { content: \"%s\" }\n</style>\n",
       page->site->hostile ? "<" : "|");
  put(page, "<!-- generated; the old menu was\n"
            "  <a href=\"/old/menu.html\">menu</a> -->\n");
}

static void put_nav(struct page *page)
{
  const struct site *site = page->site;
  uint32_t here = page->node == site->pages ? 0 : page->node;
  uint32_t first = here / PER_DIR * PER_DIR;

  put(page, "<header class=\"top\">\n");
  link_to(page, site->pages, "Home");
  put(page, "\n<nav id=\"menu\"><ul>\n<li>");
  link_to(page, first, "Section start");
  put(page, "</li>\n<li>");
  link_to(page, random_page(page), words[below(page, WORDS)]);
  put(page, "</li>\n<li>");
  dead_link(page, "Partner");
  put(page, "</li>\n</ul></nav>\n</header>\n");
}

static void put_footer(struct page *page)
{
  put(page, "<footer>\n<p>");
  link_to(page, random_page(page), "Sitemap");
  put(page, " | ");
  dead_link(page, "Contact");
  put(page, " | &copy; 2024 crawld &amp; friends</p>\n");
  if(one_in(page, 8)) {
    uint32_t target = random_page(page);
    char href[HREF_MAX];

    inscope_href(page, target, href, sizeof(href));
    putf(page, "<iframe src=\"%s\" title=\"embed\"></iframe>\n", href);
    add_edge(page->site, target);
  }
  put(page, "</footer>\n<script>window.onload = function () { "
            "if (document.links.length < 100) {} };</script>\n"
            "</body>\n</html>\n");
}

/* An image map with two areas, on some pages. */
static void put_map(struct page *page)
{
  char href[HREF_MAX];
  uint32_t target = random_page(page);

  put(page, "<map name=\"m\">");
  inscope_href(page, target, href, sizeof(href));
  putf(page, "<area shape=\"rect\" coords=\"0,0,10,10\" href=\"%s\">", href);
  add_edge(page->site, target);
  outside_href(page, href, sizeof(href));
  putf(page, "<area shape=\"rect\" coords=\"10,0,20,10\" href=\"%s\">", href);
  put(page, "</map>\n");
  page->links += 2;
}

static void write_file(struct site *site, uint32_t node, const struct buf *out)
{
  char path[4096];
  char rel[64];
  FILE *file;

  path_of(site, node, rel, sizeof(rel));
  snprintf(path, sizeof(path), "%s%s", site->dir, rel);
  file = fopen(path, "w");
  if(file == NULL)
    die(path);
  if(fwrite(out->data, 1, out->len, file) != out->len || fclose(file) != 0)
    die(path);
  site->bytes += out->len;
  if(site->smallest == 0 || out->len < site->smallest)
    site->smallest = out->len;
  if(out->len > site->largest)
    site->largest = out->len;
}

/* The children in the tree that makes every page reachable: page i links
 * to 2i+1 and 2i+2, so the deepest page is about log2(PAGES) links from
 * page 0. */
static void page_body(struct page *page)
{
  struct site *site = page->site;
  uint32_t node = page->node;
  size_t target_size = PAGE_MIN + below(page, PAGE_TARGET_MAX - PAGE_MIN);
  /* A 9 KB href leaves room for fewer links and words in 16 KiB. */
  bool long_href = one_in(page, 40);
  unsigned want_links = long_href ? 10 + below(page, 7) : 10 + below(page, 21);
  uint32_t children[2];
  unsigned child_count = 0;
  unsigned paragraph = 0;

  for(uint32_t c = 2 * node + 1; c <= 2 * node + 2; c++) {
    if(c < site->pages)
      children[child_count++] = c;
  }
  put_nav(page);
  putf(page, "<main>\n<h1>%s %s</h1>\n", words[below(page, WORDS)],
       phrases[below(page, PHRASES)]);
  if(long_href) {
    target_size = PAGE_MIN;
    put(page, "<p>");
    long_link(page);
    put(page, "</p>\n");
  }
  if(one_in(page, 6))
    put_map(page);
  /* Paragraphs until the page is big enough and has its links; footer
   * links count, two of them. */
  while(page->out.len < target_size || page->links + 2 < want_links ||
        child_count > 0) {
    put(page, paragraph % 7 == 3 ? "<p class=\"note\">" : "<p>");
    put_words(page, 20 + below(page, 60));
    for(unsigned in_paragraph = 1 + below(page, 3);
        in_paragraph > 0 && (page->links + 2 < want_links || child_count > 0);
        in_paragraph--) {
      put(page, " ");
      if(child_count > 0) {
        link_to(page, children[--child_count], words[below(page, WORDS)]);
      }
      else {
        switch(below(page, 4)) {
          case 0:
            dead_link(page, words[below(page, WORDS)]);
            break;
          default:
            link_to(page, random_page(page), words[below(page, WORDS)]);
            break;
        }
      }
      put(page, " ");
      put_words(page, 3 + below(page, 12));
    }
    if(one_in(page, 15))
      put(page, "<!-- <a href=\"/s/99/removed.html\">gone</a> -->");
    put(page, ".</p>\n");
    paragraph++;
  }
  put(page, "</main>\n");
  put_footer(page);
}

static void make_page(struct site *site, uint32_t node, uint64_t seed,
                      struct buf *out)
{
  struct page page = { .site = site, .node = node, .out = *out };
  char title[256];
  uint32_t next = node + 1 < site->pages ? node + 1 : UINT32_MAX;
  uint32_t prev = node > 0 ? node - 1 : UINT32_MAX;
  int own_dir = dir_of(site, node);

  page.rng = seed * UINT64_C(0x100000001b3) + node;
  page.out.len = 0;
  page.base_dir = own_dir;
  site->first_edge[node] = site->edges_len;
  snprintf(title, sizeof(title), "Page %05" PRIu32 " &ndash; %s &amp; %s",
           node, words[below(&page, WORDS)], words[below(&page, WORDS)]);
  /* Links resolve against another directory on some pages. */
  if(one_in(&page, 8))
    page.base_dir = (int)below(&page, (site->pages + PER_DIR - 1) / PER_DIR);
  put_head(&page, title, next, prev);
  put(&page, "</head>\n<body class=\"page\">\n");
  page_body(&page);
  write_file(site, node, &page.out);
  *out = page.out;
}

static void make_index(struct site *site, uint64_t seed, struct buf *out)
{
  struct page page = { .site = site, .node = site->pages, .out = *out };
  unsigned dirs = (site->pages + PER_DIR - 1) / PER_DIR;

  page.rng = seed * UINT64_C(0x100000001b3) + site->pages;
  page.out.len = 0;
  page.base_dir = ROOT_DIR;
  site->first_edge[site->pages] = site->edges_len;
  put_head(&page, "Home &ndash; crawld test site", 0, UINT32_MAX);
  put(&page, "</head>\n<body class=\"home\">\n");
  put_nav(&page);
  put(&page, "<main>\n<h1>Sections</h1>\n<ul>\n");
  for(unsigned d = 0; d < dirs; d++) {
    char text[32];

    snprintf(text, sizeof(text), "Section %02u", d);
    put(&page, "<li>");
    link_to(&page, d * PER_DIR, text);
    put(&page, "</li>\n");
  }
  put(&page, "</ul>\n");
  while(page.out.len < PAGE_MIN) {
    put(&page, "<p>");
    put_words(&page, 40);
    put(&page, "</p>\n");
  }
  put(&page, "</main>\n");
  put_footer(&page);
  write_file(site, site->pages, &page.out);
  *out = page.out;
}

static int compare_paths(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Breadth first from the index over the links written; writes the paths
 * reached to DIR/expected.txt and returns how many, *depth the most links
 * a page is from the index. */
static unsigned write_expected(struct site *site, unsigned *depth)
{
  uint32_t nodes = site->pages + 1;
  uint32_t *queue = malloc(nodes * sizeof(uint32_t));
  unsigned *level = malloc(nodes * sizeof(unsigned));
  char **paths = malloc(nodes * sizeof(char *));
  uint32_t head = 0, tail = 0;
  char file_path[4096];
  FILE *file;

  if(queue == NULL || level == NULL || paths == NULL)
    die("malloc");
  for(uint32_t i = 0; i < nodes; i++)
    level[i] = UINT32_MAX;
  level[site->pages] = 0;
  queue[tail++] = site->pages;
  *depth = 0;
  while(head < tail) {
    uint32_t node = queue[head++];

    for(size_t e = site->first_edge[node]; e < site->first_edge[node + 1];
        e++) {
      uint32_t to = site->edges[e];

      if(level[to] == UINT32_MAX) {
        level[to] = level[node] + 1;
        if(level[to] > *depth)
          *depth = level[to];
        queue[tail++] = to;
      }
    }
  }
  for(uint32_t i = 0; i < tail; i++) {
    paths[i] = malloc(64);
    if(paths[i] == NULL)
      die("malloc");
    path_of(site, queue[i], paths[i], 64);
  }
  qsort(paths, tail, sizeof(char *), compare_paths);
  snprintf(file_path, sizeof(file_path), "%s/expected.txt", site->dir);
  file = fopen(file_path, "w");
  if(file == NULL)
    die(file_path);
  for(uint32_t i = 0; i < tail; i++) {
    fprintf(file, "%s\n", paths[i]);
    free(paths[i]);
  }
  if(fclose(file) != 0)
    die(file_path);
  free(paths);
  free(level);
  free(queue);
  return tail;
}

static void make_dir(const char *path)
{
  if(mkdir(path, 0755) != 0 && errno != EEXIST)
    die(path);
}

/* --base http://HOST[:PORT]: the forms of the site's own absolute URL. */
static int set_base(struct site *site, const char *base)
{
  const char *netloc;
  const char *colon;
  size_t len = strlen(base);

  while(len > 0 && base[len - 1] == '/')
    len--;
  if(strncmp(base, "http://", 7) != 0 || len <= 7 || len >= 200 ||
     memchr(base + 7, '/', len - 7) != NULL)
    return -1;
  snprintf(site->base, sizeof(site->base), "%.*s", (int)len, base);
  netloc = site->base + 7;
  snprintf(site->netloc, sizeof(site->netloc), "%s", netloc);
  snprintf(site->base_upper, sizeof(site->base_upper), "HTTP://%s", netloc);
  for(char *c = site->base_upper; *c != '\0'; c++) {
    if(*c >= 'a' && *c <= 'z')
      *c = (char)(*c - 'a' + 'A');
  }
  colon = strrchr(netloc, ':');
  if(colon != NULL && strchr(colon, ']') != NULL)
    colon = NULL; /* inside an IPv6 literal */
  if(colon == NULL)
    snprintf(site->base_default, sizeof(site->base_default), "%s:80",
             site->base);
  else if(strcmp(colon, ":80") == 0)
    snprintf(site->base_default, sizeof(site->base_default), "http://%.*s",
             (int)(colon - netloc), netloc);
  return 0;
}

static void usage(void)
{
  fprintf(stderr,
          "usage: gensite [--hostile] [--base http://HOST[:PORT]] DIR "
          "[PAGES [SEED]]\n"
          "  --hostile  put back what the default site leaves out because "
          "it stops\n"
          "             wget2 or Scrapy: a '<' inside <style>, unquoted "
          "hrefs that\n"
          "             start with '/' or '.' or run into '>', character "
          "references\n"
          "             in href paths, a link to port 99999\n");
  exit(2);
}

int main(int argc, char **argv)
{
  struct site site = { .pages = 20000 };
  uint64_t seed = 1;
  struct buf out = { 0 };
  unsigned depth = 0;
  unsigned reached;
  int arg = 1;
  char path[4096];

  while(arg < argc && strncmp(argv[arg], "--", 2) == 0) {
    if(strcmp(argv[arg], "--hostile") == 0) {
      site.hostile = true;
      arg++;
    }
    else if(arg + 1 < argc && strcmp(argv[arg], "--base") == 0) {
      if(set_base(&site, argv[arg + 1]) != 0) {
        fprintf(stderr, "gensite: --base wants http://HOST[:PORT]\n");
        return 2;
      }
      arg += 2;
    }
    else {
      usage();
    }
  }
  if(arg >= argc || argc - arg > 3)
    usage();
  site.dir = argv[arg];
  if(argc - arg > 1) {
    char *end;
    unsigned long pages = strtoul(argv[arg + 1], &end, 10);

    if(*end != '\0' || pages == 0 || pages > 10000000)
      usage();
    site.pages = (unsigned)pages;
  }
  if(argc - arg > 2) {
    char *end;

    seed = strtoull(argv[arg + 2], &end, 10);
    if(*end != '\0')
      usage();
  }
  site.first_edge = calloc((size_t)site.pages + 2, sizeof(size_t));
  if(site.first_edge == NULL)
    die("calloc");
  make_dir(site.dir);
  snprintf(path, sizeof(path), "%s/s", site.dir);
  make_dir(path);
  for(unsigned d = 0; d * PER_DIR < site.pages; d++) {
    snprintf(path, sizeof(path), "%s/s/%02u", site.dir, d);
    make_dir(path);
  }
  for(uint32_t node = 0; node < site.pages; node++)
    make_page(&site, node, seed, &out);
  make_index(&site, seed, &out);
  site.first_edge[site.pages + 1] = site.edges_len;
  reached = write_expected(&site, &depth);
  fprintf(stderr,
          "gensite: %u pages + index%s, %.1f MiB, %zu-%zu bytes a page, "
          "%zu followable links, depth %u\n",
          site.pages, site.hostile ? " (hostile)" : "",
          (double)site.bytes / 1048576.0, site.smallest, site.largest,
          site.edges_len, depth);
  free(out.data);
  free(site.edges);
  free(site.first_edge);
  if(reached != site.pages + 1) {
    fprintf(stderr, "gensite: only %u of %u pages reachable\n", reached,
            site.pages + 1);
    return 1;
  }
  return 0;
}
