/* htmlpage.c - a page's title, snippet and links through libxml2; see
 * htmlpage.h. */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "htmlpage.h"
#include "urlnorm.h"
#include "utf8.h"

#define FFFD "\xEF\xBF\xBD"
/* An unfinished tag that waits for the next piece, at most. */
#define HOLD_MAX (16 * 1024)
/* Bytes read at a time when only title and snippet are wanted. */
#define TEXT_SLICE 1024
/* An incomplete UTF-8 character that waits, at most. */
#define PARTIAL_MAX 3

/* Text as it collects: whitespace collapsed, cut at a limit. */
struct text {
  char *bytes;
  size_t len;
  size_t max_bytes;
  size_t chars;
  size_t max_chars; /* 0: no limit but max_bytes */
  bool space;       /* whitespace seen since the last character kept */
  bool full;        /* a character did not fit: the rest is not kept */
};

struct htmlpage {
  htmlSAXHandler sax;
  htmlParserCtxtPtr context; /* the page's; NULL between pages */
  struct pagelinks *sink;    /* NULL: no links wanted */
  size_t taken;              /* bytes of the page taken, at most the cap */
  char partial[PARTIAL_MAX]; /* a character cut between two pieces */
  size_t partial_len;
  char *work;      /* what a piece becomes before libxml2 takes it; between
                     pieces it starts with the tag that waits */
  size_t held_len; /* bytes of that tag */
  size_t work_size;
  bool repaired; /* the page had bytes that became U+FFFD */
  bool based;    /* a <base href> was taken */
  bool nofollow; /* meta robots said so */
  int hidden;    /* depth inside elements whose text is not shown */
  int titles;    /* depth inside title elements */
  bool title_seen;
  bool title_closed;
  struct text title;
  struct text snippet;
  char title_bytes[HTML_TITLE_MAX_BYTES + 1];
  char snippet_bytes[4 * HTML_SNIPPET_CHARS + 1];
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* libxml2 wants its globals set up once, before threads use it. */
static void init_libxml(void)
{
  xmlInitParser();
}

/* What an element means here. */
enum role {
  ROLE_HIDDEN = 1 << 0, /* its text is not the page's */
  ROLE_BLOCK = 1 << 1,  /* it separates the words before and after it */
  ROLE_TITLE = 1 << 2,
  ROLE_HREF = 1 << 3, /* a link in href: a, area */
  ROLE_LINK = 1 << 4, /* link, whose rel says whether it is one */
  ROLE_SRC = 1 << 5,  /* a link in src: frame, iframe */
  ROLE_META = 1 << 6,
  ROLE_BASE = 1 << 7
};

struct element {
  const char *name; /* as libxml2 gives it: lower case */
  unsigned role;
};

/* Sorted by name, for bsearch. script and style content comes as CDATA,
 * dropped anyway; they are hidden for what libxml2 opens inside them in
 * a template or svg. */
static const struct element elements[] = {
  { "a", ROLE_HREF },           { "address", ROLE_BLOCK },
  { "area", ROLE_HREF },        { "article", ROLE_BLOCK },
  { "aside", ROLE_BLOCK },      { "base", ROLE_BASE },
  { "blockquote", ROLE_BLOCK }, { "body", ROLE_BLOCK },
  { "br", ROLE_BLOCK },         { "caption", ROLE_BLOCK },
  { "dd", ROLE_BLOCK },         { "details", ROLE_BLOCK },
  { "div", ROLE_BLOCK },        { "dl", ROLE_BLOCK },
  { "dt", ROLE_BLOCK },         { "fieldset", ROLE_BLOCK },
  { "figcaption", ROLE_BLOCK }, { "figure", ROLE_BLOCK },
  { "footer", ROLE_BLOCK },     { "form", ROLE_BLOCK },
  { "frame", ROLE_SRC },        { "h1", ROLE_BLOCK },
  { "h2", ROLE_BLOCK },         { "h3", ROLE_BLOCK },
  { "h4", ROLE_BLOCK },         { "h5", ROLE_BLOCK },
  { "h6", ROLE_BLOCK },         { "header", ROLE_BLOCK },
  { "hr", ROLE_BLOCK },         { "iframe", ROLE_SRC },
  { "legend", ROLE_BLOCK },     { "li", ROLE_BLOCK },
  { "link", ROLE_LINK },        { "main", ROLE_BLOCK },
  { "meta", ROLE_META },        { "nav", ROLE_BLOCK },
  { "noscript", ROLE_HIDDEN },  { "ol", ROLE_BLOCK },
  { "option", ROLE_BLOCK },     { "p", ROLE_BLOCK },
  { "pre", ROLE_BLOCK },        { "script", ROLE_HIDDEN },
  { "section", ROLE_BLOCK },    { "style", ROLE_HIDDEN },
  { "summary", ROLE_BLOCK },    { "svg", ROLE_HIDDEN },
  { "table", ROLE_BLOCK },      { "tbody", ROLE_BLOCK },
  { "td", ROLE_BLOCK },         { "template", ROLE_HIDDEN },
  { "tfoot", ROLE_BLOCK },      { "th", ROLE_BLOCK },
  { "thead", ROLE_BLOCK },      { "title", ROLE_TITLE | ROLE_BLOCK },
  { "tr", ROLE_BLOCK },         { "ul", ROLE_BLOCK },
};

static int compare_element(const void *key, const void *member)
{
  const char *name = key;
  const char *other = ((const struct element *)member)->name;

  /* Most steps of the search end at the first letter. */
  if(*name != *other)
    return (unsigned char)*name - (unsigned char)*other;
  return strcmp(name, other);
}

/* What name means here: 0 for most elements (span, img, ...). */
static unsigned role_of(const char *name)
{
  const struct element *element =
      bsearch(name, elements, sizeof(elements) / sizeof(elements[0]),
              sizeof(elements[0]), compare_element);

  return element != NULL ? element->role : 0;
}

static void text_reset(struct text *text, char *bytes, size_t max_bytes,
                       size_t max_chars)
{
  text->bytes = bytes;
  text->bytes[0] = '\0';
  text->len = 0;
  text->max_bytes = max_bytes;
  text->chars = 0;
  text->max_chars = max_chars;
  text->space = false;
  text->full = false;
}

/* Bytes of the UTF-8 character led by lead (valid: libxml2 gives UTF-8). */
static size_t char_len(unsigned char lead)
{
  if(lead < 0xC0)
    return 1;
  if(lead < 0xE0)
    return 2;
  return lead < 0xF0 ? 3 : 4;
}

static bool is_space(const char *s, size_t len)
{
  if(len == 2)
    return (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0;
  return len == 1 && strchr(" \t\n\r\f\v", s[0]) != NULL && s[0] != '\0';
}

static void text_add(struct text *text, const char *s, size_t len)
{
  size_t pos = 0;

  while(pos < len && !text->full) {
    size_t n = char_len((unsigned char)s[pos]);
    size_t gap;

    if(n > len - pos)
      n = len - pos;
    if(is_space(s + pos, n)) {
      text->space = text->len > 0;
      pos += n;
      continue;
    }
    gap = text->space ? 1 : 0;
    if(text->len + gap + n > text->max_bytes ||
       (text->max_chars > 0 && text->chars + 1 + gap > text->max_chars)) {
      text->full = true;
      break;
    }
    if(gap)
      text->bytes[text->len++] = ' ';
    memcpy(text->bytes + text->len, s + pos, n);
    text->len += n;
    text->bytes[text->len] = '\0';
    text->chars += 1 + gap;
    text->space = false;
    if(text->max_chars > 0 && text->chars == text->max_chars)
      text->full = true;
    pos += n;
  }
}

/* The value of attribute name in libxml2's NULL-terminated pairs. */
static const char *attribute(const xmlChar **atts, const char *name)
{
  for(size_t i = 0; atts != NULL && atts[i] != NULL; i += 2) {
    if(strcasecmp((const char *)atts[i], name) == 0)
      return atts[i + 1] != NULL ? (const char *)atts[i + 1] : "";
  }
  return NULL;
}

/* Whether a space-separated list (rel, robots content) holds word. */
static bool has_token(const char *list, const char *word)
{
  size_t word_len = strlen(word);

  while(list != NULL && *list != '\0') {
    size_t len;

    list += strspn(list, " \t\n\r\f,");
    len = strcspn(list, " \t\n\r\f,");
    if(len == word_len && strncasecmp(list, word, len) == 0)
      return true;
    list += len;
  }
  return false;
}

static void add_link(struct htmlpage *page, const char *href, bool nofollow)
{
  if(href != NULL)
    pagelinks_add(page->sink, href, strlen(href), nofollow);
}

static void on_meta(struct htmlpage *page, const xmlChar **atts)
{
  const char *equiv = attribute(atts, "http-equiv");
  const char *name = attribute(atts, "name");
  const char *content = attribute(atts, "content");
  const char *url;
  size_t len;

  if(content == NULL)
    return;
  if(equiv != NULL && strcasecmp(equiv, "refresh") == 0 &&
     urlnorm_refresh_url(content, strlen(content), &url, &len))
    pagelinks_add(page->sink, url, len, false);
  else if(name != NULL && strcasecmp(name, "robots") == 0 &&
          (has_token(content, "nofollow") || has_token(content, "none")))
    page->nofollow = true;
}

static void find_links(struct htmlpage *page, unsigned role,
                       const xmlChar **atts)
{
  const char *rel;
  const char *href;

  if(role & ROLE_HREF) {
    add_link(page, attribute(atts, "href"),
             has_token(attribute(atts, "rel"), "nofollow"));
  }
  else if(role & ROLE_LINK) {
    rel = attribute(atts, "rel");
    if(has_token(rel, "alternate") || has_token(rel, "next") ||
       has_token(rel, "prev") || has_token(rel, "canonical"))
      add_link(page, attribute(atts, "href"), has_token(rel, "nofollow"));
  }
  else if(role & ROLE_SRC) {
    add_link(page, attribute(atts, "src"), false);
  }
  else if(role & ROLE_META) {
    on_meta(page, atts);
  }
  else if((role & ROLE_BASE) && !page->based) {
    href = attribute(atts, "href");
    if(href != NULL) {
      page->based = true;
      pagelinks_base(page->sink, href, strlen(href));
    }
  }
}

static void on_start(void *arg, const xmlChar *tag, const xmlChar **atts)
{
  struct htmlpage *page = arg;
  unsigned role = role_of((const char *)tag);

  if(page->sink != NULL)
    find_links(page, role, atts);
  if(role & ROLE_HIDDEN)
    page->hidden++;
  if((role & ROLE_TITLE) && page->titles++ == 0 && page->hidden == 0)
    page->title_seen = true;
  if(role & ROLE_BLOCK)
    page->snippet.space = page->snippet.len > 0;
}

static void on_end(void *arg, const xmlChar *tag)
{
  struct htmlpage *page = arg;
  unsigned role = role_of((const char *)tag);

  if((role & ROLE_HIDDEN) && page->hidden > 0)
    page->hidden--;
  if((role & ROLE_TITLE) && page->titles > 0 && --page->titles == 0 &&
     page->title_seen)
    page->title_closed = true;
  if(role & ROLE_BLOCK)
    page->snippet.space = page->snippet.len > 0;
}

static void on_text(void *arg, const xmlChar *chars, int len)
{
  struct htmlpage *page = arg;

  if(page->hidden > 0 || len <= 0)
    return;
  if(page->titles > 0) {
    if(page->title_seen && !page->title_closed)
      text_add(&page->title, (const char *)chars, (size_t)len);
    return;
  }
  text_add(&page->snippet, (const char *)chars, (size_t)len);
}

/* script and style content: never text of the page. */
static void on_cdata(void *arg, const xmlChar *chars, int len)
{
  (void)arg;
  (void)chars;
  (void)len;
}

struct htmlpage *htmlpage_new(void)
{
  struct htmlpage *page = calloc(1, sizeof(*page));

  if(page == NULL)
    return NULL;
  pthread_once(&init_once, init_libxml);
  page->sax.startElement = on_start;
  page->sax.endElement = on_end;
  page->sax.characters = on_text;
  page->sax.cdataBlock = on_cdata;
  text_reset(&page->title, page->title_bytes, HTML_TITLE_MAX_BYTES, 0);
  text_reset(&page->snippet, page->snippet_bytes, 4 * HTML_SNIPPET_CHARS,
             HTML_SNIPPET_CHARS);
  return page;
}

int htmlpage_start(struct htmlpage *page, struct pagelinks *sink)
{
  if(page->context != NULL)
    htmlFreeParserCtxt(page->context);
  page->sink = sink;
  page->taken = 0;
  page->partial_len = 0;
  page->held_len = 0;
  page->repaired = false;
  page->based = false;
  page->nofollow = false;
  page->hidden = 0;
  page->titles = 0;
  page->title_seen = false;
  page->title_closed = false;
  text_reset(&page->title, page->title_bytes, HTML_TITLE_MAX_BYTES, 0);
  text_reset(&page->snippet, page->snippet_bytes, 4 * HTML_SNIPPET_CHARS,
             HTML_SNIPPET_CHARS);
  page->context = htmlCreatePushParserCtxt(&page->sax, page, NULL, 0, NULL,
                                           XML_CHAR_ENCODING_UTF8);
  if(page->context == NULL)
    return -1;
  htmlCtxtUseOptions(page->context, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                        HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET | HTML_PARSE_COMPACT |
                                        HTML_PARSE_IGNORE_ENC);
  return 0;
}

/* Gives libxml2 bytes[0..len), in parts: it takes an int. */
static void push(struct htmlpage *page, const char *bytes, size_t len,
                 bool last)
{
  while(len > 0) {
    int piece = len > 1 << 20 ? 1 << 20 : (int)len;

    htmlParseChunk(page->context, bytes, piece, 0);
    bytes += piece;
    len -= (size_t)piece;
  }
  if(last)
    htmlParseChunk(page->context, NULL, 0, 1);
}

/* Room in page->work for need bytes; false when memory runs out. */
static bool reserve(struct htmlpage *page, size_t need)
{
  char *grown;

  if(need <= page->work_size)
    return true;
  grown = realloc(page->work, need);
  if(grown == NULL)
    return false;
  page->work = grown;
  page->work_size = need;
  return true;
}

/* Appends data[0..len) (after what was partial) repaired to the tag that
 * waits in page->work: returns the length there, or 0 when memory ran
 * out. */
static size_t repair(struct htmlpage *page, const char *data, size_t len,
                     bool final)
{
  size_t in = page->partial_len + len;
  size_t out = page->held_len;
  size_t consumed;
  char *joined;

  /* The partial character is joined to the new piece in the room past the
   * worst-case output, so that one buffer serves both; never empty, so
   * that work is a buffer even for nothing. */
  if(!reserve(page, out + 3 * in + in + 1))
    return 0;
  joined = page->work + out + 3 * in;
  memcpy(joined, page->partial, page->partial_len);
  memcpy(joined + page->partial_len, data, len);
  out += utf8_repair(joined, in, page->work + out, final, &consumed,
                     &page->repaired);
  page->partial_len = in - consumed;
  memcpy(page->partial, joined + consumed, page->partial_len);
  page->held_len = 0;
  return out;
}

/* Where work[0..len) ends but for a tag it leaves unfinished: the last
 * '<' that opens a tag (a letter, '/', '!' or '?' after it, or nothing
 * yet) when no '>' follows it. "a < b" opens none. */
static size_t before_unfinished_tag(const char *work, size_t len)
{
  size_t end = len;
  const char *open;

  if(len == 0) /* work may be NULL then, after memory ran out */
    return 0;
  while((open = memrchr(work, '<', end)) != NULL) {
    size_t at = (size_t)(open - work);

    if(at + 1 == len || isalpha((unsigned char)open[1]) ||
       (open[1] != '\0' && strchr("/!?", open[1]) != NULL))
      return memchr(open, '>', len - at) != NULL ? len : at;
    end = at;
  }
  return len;
}

/* One piece of the page to libxml2, less an unfinished tag at its end,
 * which waits (see htmlpage.h) unless it is longer than any real one. */
static void feed_piece(struct htmlpage *page, const char *data, size_t len)
{
  size_t ready = repair(page, data, len, false);
  size_t cut = before_unfinished_tag(page->work, ready);

  if(ready - cut > HOLD_MAX)
    cut = ready;
  push(page, page->work, cut, false);
  page->held_len = ready - cut;
  memmove(page->work, page->work + cut, page->held_len);
}

void htmlpage_feed(struct htmlpage *page, const char *data, size_t len)
{
  if(page->context == NULL)
    return;
  if(len > HTMLPAGE_MAX_BYTES - page->taken)
    len = HTMLPAGE_MAX_BYTES - page->taken;
  page->taken += len;
  if(page->sink != NULL) {
    feed_piece(page, data, len);
    return;
  }
  /* Without links to find, reading stops once title and snippet are
   * complete, usually well before the end of a page: small slices let it
   * stop there rather than at the end of what libcurl handed over. */
  while(len > 0 && !htmlpage_done(page)) {
    size_t slice = len < TEXT_SLICE ? len : TEXT_SLICE;

    feed_piece(page, data, slice);
    data += slice;
    len -= slice;
  }
}

bool htmlpage_done(const struct htmlpage *page)
{
  return page->sink == NULL && page->snippet.full &&
         (page->title_closed || page->title.full);
}

void htmlpage_finish(struct htmlpage *page)
{
  size_t ready;

  if(page->context == NULL)
    return;
  /* A tag the body ends in is dropped, as HTML5 drops it: a link cut
   * short in a truncated body leads nowhere. */
  ready = repair(page, "", 0, true);
  push(page, page->work, before_unfinished_tag(page->work, ready), true);
  htmlFreeParserCtxt(page->context);
  page->context = NULL;
  if(page->nofollow && page->sink != NULL)
    pagelinks_forget_links(page->sink);
}

const char *htmlpage_title(const struct htmlpage *page, size_t *len)
{
  if(len != NULL)
    *len = page->title_seen ? page->title.len : 0;
  return page->title_seen ? page->title.bytes : NULL;
}

const char *htmlpage_snippet(const struct htmlpage *page, size_t *len)
{
  if(len != NULL)
    *len = page->snippet.len;
  return page->snippet.bytes;
}

bool htmlpage_repaired(const struct htmlpage *page)
{
  return page->repaired && (strstr(page->title.bytes, FFFD) != NULL ||
                            strstr(page->snippet.bytes, FFFD) != NULL);
}

void htmlpage_free(struct htmlpage *page)
{
  if(page == NULL)
    return;
  if(page->context != NULL)
    htmlFreeParserCtxt(page->context);
  free(page->work);
  free(page);
}
