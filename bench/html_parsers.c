/* html_parsers.c - libxml2's HTML push parser against gumbo, for what a
 * crawler takes from a page.
 *
 *   html_parsers site DIR BASE [RUNS]
 *   html_parsers malformed
 *
 * Both parsers look for the same things: a[href], area[href], link[href]
 * with rel alternate, next, prev or canonical, frame[src], iframe[src],
 * the URL of meta http-equiv=refresh, the first base[href], rel=nofollow;
 * the text of the first <title>, and the first 100 characters of visible
 * text (not in title, script, style, noscript or template; whitespace runs
 * as one space). libxml2 gets the page as crawld gives it, through
 * htmlCreatePushParserCtxt and htmlParseChunk in 16 KiB pieces with a SAX
 * handler (no tree) and crawld's options; gumbo gets the whole page
 * (gumbo_parse_with_options, error recording off) and its tree is walked.
 *
 * "site" reads the pages DIR/expected.txt lists (gensite's output; BASE is
 * the --base it was given, or any http://HOST:PORT without one) into
 * memory and prints, per parser, the median of RUNS (5) runs over all of
 * them in CPU time (CLOCK_PROCESS_CPUTIME_ID) as MB/s and pages/s; the
 * heap each parser asks for while it parses a page, at its peak (every
 * allocation of both goes through a counting allocator: xmlMemSetup, and
 * gumbo's allocator option); the pages where the two disagree on links,
 * base, title or text; and whether the followable links of each, resolved
 * and normalised as crawld does (urlnorm.h) and kept when on BASE's host,
 * give exactly the paths of expected.txt.
 *
 * "malformed" parses hostile pages, each in a child process bounded by a
 * 60 s alarm, and prints per parser the CPU time, peak heap, the rise of
 * the child's peak RSS, the links found and whether it crashed or timed
 * out; then the heap libxml2's push parser holds while a 10 MiB page
 * comes in 16 KiB pieces (and 1 MiB ones), through this program's handler
 * and through crawld's own (src/htmlpage.c, linked from libcrawld.a),
 * which reads only the first 2 MiB, and this program's handler fed the
 * same 2 MiB. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gumbo.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlmemory.h>

#include "htmlpage.h"
#include "pagelinks.h"
#include "urlnorm.h"

#define TEXT_CHARS 100
#define TITLE_MAX 2048
#define PIECE (16 * 1024)
#define RUNS_MAX 15

/* --- counting allocator ----------------------------------------------- */

/* Every block carries its size in front, so that free knows what it gives
 * back; 16 bytes keep the alignment malloc gives. */
#define HEADER 16

static size_t heap_now;
static size_t heap_peak;

static void *count_malloc(size_t size)
{
  unsigned char *block = malloc(size + HEADER);

  if(block == NULL)
    return NULL;
  memcpy(block, &size, sizeof(size));
  heap_now += size;
  if(heap_now > heap_peak)
    heap_peak = heap_now;
  return block + HEADER;
}

static void count_free(void *ptr)
{
  unsigned char *block;
  size_t size;

  if(ptr == NULL)
    return;
  block = (unsigned char *)ptr - HEADER;
  memcpy(&size, block, sizeof(size));
  heap_now -= size;
  free(block);
}

static void *count_realloc(void *ptr, size_t size)
{
  unsigned char *block;
  size_t old = 0;

  if(ptr == NULL)
    return count_malloc(size);
  block = (unsigned char *)ptr - HEADER;
  memcpy(&old, block, sizeof(old));
  block = realloc(block, size + HEADER);
  if(block == NULL)
    return NULL;
  memcpy(block, &size, sizeof(size));
  heap_now = heap_now - old + size;
  if(heap_now > heap_peak)
    heap_peak = heap_now;
  return block + HEADER;
}

static char *count_strdup(const char *text)
{
  size_t len = strlen(text) + 1;
  char *copy = count_malloc(len);

  if(copy != NULL)
    memcpy(copy, text, len);
  return copy;
}

static void *gumbo_alloc(void *userdata, size_t size)
{
  (void)userdata;
  return count_malloc(size);
}

static void gumbo_dealloc(void *userdata, void *ptr)
{
  (void)userdata;
  count_free(ptr);
}

/* --- what a parser found on a page ----------------------------------------
 */

enum link_kind { KIND_A, KIND_AREA, KIND_LINK, KIND_FRAME, KIND_REFRESH };

struct link {
  size_t offset; /* into hrefs */
  size_t len;
  enum link_kind kind;
  bool nofollow;
};

struct found {
  char *hrefs; /* every href, back to back */
  size_t hrefs_len;
  size_t hrefs_cap;
  struct link *links;
  size_t links_len;
  size_t links_cap;
  bool has_base;
  size_t base_offset;
  size_t base_len;
  bool title_seen;
  bool title_open;
  char title[TITLE_MAX + 1];
  size_t title_len;
  char text[4 * TEXT_CHARS + 1];
  size_t text_len;
  unsigned text_chars;
  bool text_space; /* whitespace waits to be written */
  unsigned hidden; /* open elements whose text is not visible */
};

static void die(const char *what)
{
  fprintf(stderr, "html_parsers: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void found_reset(struct found *found)
{
  found->hrefs_len = 0;
  found->links_len = 0;
  found->has_base = false;
  found->title_seen = false;
  found->title_open = false;
  found->title_len = 0;
  found->text_len = 0;
  found->text_chars = 0;
  found->text_space = false;
  found->hidden = 0;
}

static size_t keep_href(struct found *found, const char *href, size_t len)
{
  size_t offset = found->hrefs_len;

  if(found->hrefs_len + len > found->hrefs_cap) {
    size_t cap = found->hrefs_cap == 0 ? 65536 : found->hrefs_cap;

    while(found->hrefs_len + len > cap)
      cap *= 2;
    found->hrefs = realloc(found->hrefs, cap);
    if(found->hrefs == NULL)
      die("realloc");
    found->hrefs_cap = cap;
  }
  memcpy(found->hrefs + offset, href, len);
  found->hrefs_len += len;
  return offset;
}

static void add_link(struct found *found, const char *href, size_t len,
                     enum link_kind kind, bool nofollow)
{
  if(found->links_len == found->links_cap) {
    found->links_cap = found->links_cap == 0 ? 256 : found->links_cap * 2;
    found->links =
        realloc(found->links, found->links_cap * sizeof(struct link));
    if(found->links == NULL)
      die("realloc");
  }
  found->links[found->links_len++] = (struct link){
    .offset = keep_href(found, href, len),
    .len = len,
    .kind = kind,
    .nofollow = nofollow,
  };
}

static bool is_space(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void add_text(struct found *found, const char *text, size_t len)
{
  for(size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    bool lead = (c & 0xc0) != 0x80;

    if(is_space(c)) {
      found->text_space = found->text_len > 0;
      continue;
    }
    if(lead && found->text_chars + (found->text_space ? 1 : 0) >= TEXT_CHARS)
      return;
    if(found->text_len + 2 > sizeof(found->text) - 1)
      return;
    if(found->text_space) {
      found->text[found->text_len++] = ' ';
      found->text_chars++;
      found->text_space = false;
    }
    found->text[found->text_len++] = (char)c;
    if(lead)
      found->text_chars++;
  }
  found->text[found->text_len] = '\0';
}

static void add_title(struct found *found, const char *text, size_t len)
{
  for(size_t i = 0; i < len && found->title_len < TITLE_MAX; i++) {
    char c = is_space((unsigned char)text[i]) ? ' ' : text[i];

    if(c == ' ' &&
       (found->title_len == 0 || found->title[found->title_len - 1] == ' '))
      continue;
    found->title[found->title_len++] = c;
  }
}

static void finish_title(struct found *found)
{
  while(found->title_len > 0 && found->title[found->title_len - 1] == ' ')
    found->title_len--;
  found->title[found->title_len] = '\0';
}

/* Whether a space-separated list holds word, in any case. */
static bool has_token(const char *list, const char *word)
{
  size_t word_len = strlen(word);

  while(list != NULL && *list != '\0') {
    size_t len;

    list += strspn(list, " \t\n\r\f");
    len = strcspn(list, " \t\n\r\f");
    if(len == word_len && strncasecmp(list, word, len) == 0)
      return true;
    list += len;
  }
  return false;
}

static bool followed_rel(const char *rel)
{
  return has_token(rel, "alternate") || has_token(rel, "next") ||
         has_token(rel, "prev") || has_token(rel, "canonical");
}

static bool hides_text(const char *tag)
{
  return strcmp(tag, "title") == 0 || strcmp(tag, "script") == 0 ||
         strcmp(tag, "style") == 0 || strcmp(tag, "noscript") == 0 ||
         strcmp(tag, "template") == 0;
}

/* One start tag, whichever parser saw it; attr gives an attribute's value
 * or NULL. */
typedef const char *attr_fn(const void *attrs, const char *name);

static void on_tag(struct found *found, const char *tag, attr_fn *attr,
                   const void *attrs)
{
  const char *value;
  const char *rel = attr(attrs, "rel");

  if(strcmp(tag, "a") == 0 || strcmp(tag, "area") == 0) {
    value = attr(attrs, "href");
    if(value != NULL)
      add_link(found, value, strlen(value),
               tag[1] == '\0' ? KIND_A : KIND_AREA,
               has_token(rel, "nofollow"));
  }
  else if(strcmp(tag, "link") == 0) {
    value = attr(attrs, "href");
    if(value != NULL && followed_rel(rel))
      add_link(found, value, strlen(value), KIND_LINK,
               has_token(rel, "nofollow"));
  }
  else if(strcmp(tag, "frame") == 0 || strcmp(tag, "iframe") == 0) {
    value = attr(attrs, "src");
    if(value != NULL)
      add_link(found, value, strlen(value), KIND_FRAME, false);
  }
  else if(strcmp(tag, "meta") == 0) {
    const char *equiv = attr(attrs, "http-equiv");
    const char *content = attr(attrs, "content");
    const char *url;
    size_t len;

    if(equiv != NULL && content != NULL && strcasecmp(equiv, "refresh") == 0 &&
       urlnorm_refresh_url(content, strlen(content), &url, &len))
      add_link(found, url, len, KIND_REFRESH, false);
  }
  else if(strcmp(tag, "base") == 0 && !found->has_base) {
    value = attr(attrs, "href");
    if(value != NULL) {
      found->has_base = true;
      found->base_len = strlen(value);
      found->base_offset = keep_href(found, value, found->base_len);
    }
  }
  if(strcmp(tag, "title") == 0 && !found->title_seen) {
    found->title_seen = true;
    found->title_open = true;
  }
}

/* --- libxml2 ----------------------------------------------------------------
 */

static const char *xml_attr(const void *attrs, const char *name)
{
  const xmlChar **atts = (const xmlChar **)attrs;

  for(size_t i = 0; atts != NULL && atts[i] != NULL; i += 2) {
    if(strcasecmp((const char *)atts[i], name) == 0)
      return atts[i + 1] != NULL ? (const char *)atts[i + 1] : "";
  }
  return NULL;
}

static void xml_start(void *arg, const xmlChar *tag, const xmlChar **atts)
{
  struct found *found = arg;

  on_tag(found, (const char *)tag, xml_attr, atts);
  if(hides_text((const char *)tag))
    found->hidden++;
}

static void xml_end(void *arg, const xmlChar *tag)
{
  struct found *found = arg;

  if(hides_text((const char *)tag) && found->hidden > 0)
    found->hidden--;
  if(strcmp((const char *)tag, "title") == 0)
    found->title_open = false;
}

static void xml_text(void *arg, const xmlChar *text, int len)
{
  struct found *found = arg;

  if(found->title_open)
    add_title(found, (const char *)text, (size_t)len);
  else if(found->hidden == 0)
    add_text(found, (const char *)text, (size_t)len);
}

/* script and style content: neither title nor visible text. */
static void xml_raw(void *arg, const xmlChar *text, int len)
{
  (void)arg;
  (void)text;
  (void)len;
}

static htmlSAXHandler xml_sax = {
  .startElement = xml_start,
  .endElement = xml_end,
  .characters = xml_text,
  .cdataBlock = xml_raw,
};

/* crawld's options (src/htmlpage.c) but HTML_PARSE_IGNORE_ENC: these
 * pages are UTF-8 and say so. */
#define XML_OPTIONS                                                 \
  (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
   HTML_PARSE_NONET | HTML_PARSE_COMPACT)

/* Feeds page in pieces of piece bytes; after each, *held (if not NULL)
 * gets called with the bytes fed and the heap now. */
static void parse_libxml2(struct found *found, const char *page, size_t len,
                          size_t piece, void (*held)(size_t fed, size_t heap))
{
  htmlParserCtxtPtr context;
  size_t fed = 0;

  found_reset(found);
  context = htmlCreatePushParserCtxt(&xml_sax, found, NULL, 0, NULL,
                                     XML_CHAR_ENCODING_NONE);
  if(context == NULL)
    die("htmlCreatePushParserCtxt");
  htmlCtxtUseOptions(context, XML_OPTIONS);
  while(fed < len) {
    size_t now = len - fed < piece ? len - fed : piece;

    htmlParseChunk(context, page + fed, (int)now, 0);
    fed += now;
    if(held != NULL)
      held(fed, heap_now);
  }
  htmlParseChunk(context, NULL, 0, 1);
  htmlFreeParserCtxt(context);
  finish_title(found);
}

/* --- gumbo ------------------------------------------------------------------
 */

static const char *gumbo_attr(const void *attrs, const char *name)
{
  const GumboAttribute *attribute =
      gumbo_get_attribute((const GumboVector *)attrs, name);

  return attribute != NULL ? attribute->value : NULL;
}

static GumboVector *children_of(GumboNode *node)
{
  if(node->type == GUMBO_NODE_DOCUMENT)
    return &node->v.document.children;
  if(node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE)
    return &node->v.element.children;
  return NULL;
}

static bool is_element(const GumboNode *node)
{
  return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

static void open_gumbo(struct found *found, GumboNode *node)
{
  GumboElement *element = &node->v.element;
  const char *tag = gumbo_normalized_tagname(element->tag);
  char unknown[64];

  if(element->tag == GUMBO_TAG_UNKNOWN) {
    GumboStringPiece name = element->original_tag;

    gumbo_tag_from_original_text(&name);
    snprintf(unknown, sizeof(unknown), "%.*s",
             (int)(name.length < 63 ? name.length : 63), name.data);
    for(char *c = unknown; *c != '\0'; c++) {
      if(*c >= 'A' && *c <= 'Z')
        *c = (char)(*c - 'A' + 'a');
    }
    tag = unknown;
  }
  on_tag(found, tag, gumbo_attr, &element->attributes);
  if(hides_text(tag))
    found->hidden++;
}

static void close_gumbo(struct found *found, GumboNode *node)
{
  GumboTag tag = node->v.element.tag;

  if((tag == GUMBO_TAG_TITLE || tag == GUMBO_TAG_SCRIPT ||
      tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
      tag == GUMBO_TAG_TEMPLATE) &&
     found->hidden > 0)
    found->hidden--;
  if(tag == GUMBO_TAG_TITLE)
    found->title_open = false;
}

/* The tree in document order, without recursion (100,000 nested elements
 * would take the stack): down to the first child, else on to the next
 * sibling, else up, closing elements, until an ancestor has one. */
static void walk_gumbo(struct found *found, GumboNode *root)
{
  GumboNode *node = root;

  while(node != NULL) {
    GumboVector *children = children_of(node);

    if(is_element(node))
      open_gumbo(found, node);
    else if(node->type == GUMBO_NODE_TEXT ||
            node->type == GUMBO_NODE_WHITESPACE ||
            node->type == GUMBO_NODE_CDATA) {
      const char *text = node->v.text.text;

      if(found->title_open)
        add_title(found, text, strlen(text));
      else if(found->hidden == 0)
        add_text(found, text, strlen(text));
    }
    if(children != NULL && children->length > 0) {
      node = children->data[0];
      continue;
    }
    for(;;) {
      GumboNode *parent = node->parent;
      GumboVector *siblings;

      if(is_element(node))
        close_gumbo(found, node);
      if(node == root || parent == NULL) {
        node = NULL;
        break;
      }
      siblings = children_of(parent);
      if(node->index_within_parent + 1 < siblings->length) {
        node = siblings->data[node->index_within_parent + 1];
        break;
      }
      node = parent;
    }
  }
}

static void parse_gumbo(struct found *found, const char *page, size_t len)
{
  GumboOptions options = kGumboDefaultOptions;
  GumboOutput *output;

  options.allocator = gumbo_alloc;
  options.deallocator = gumbo_dealloc;
  /* Errors are recorded as a list by default, which costs memory and time
   * a crawler has no use for. */
  options.max_errors = 0;
  found_reset(found);
  output = gumbo_parse_with_options(&options, page, len);
  if(output == NULL)
    die("gumbo_parse_with_options");
  walk_gumbo(found, output->document);
  gumbo_destroy_output(&options, output);
  finish_title(found);
}

/* --- timing and statistics -------------------------------------------------
 */

static double cpu_seconds(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

static double median(double *values, size_t count)
{
  qsort(values, count, sizeof(double), compare_doubles);
  return count % 2 == 1 ? values[count / 2]
                        : (values[count / 2 - 1] + values[count / 2]) / 2;
}

static int compare_strings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --- site -------------------------------------------------------------------
 */

struct page {
  char *path;
  char *data;
  size_t len;
};

struct site {
  struct page *pages;
  size_t count;
  size_t bytes;
};

static char *read_file(const char *path, size_t *len)
{
  FILE *file = fopen(path, "rb");
  char *data;
  long size;

  if(file == NULL)
    die(path);
  if(fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
     fseek(file, 0, SEEK_SET) != 0)
    die(path);
  data = malloc((size_t)size + 1);
  if(data == NULL)
    die("malloc");
  if(fread(data, 1, (size_t)size, file) != (size_t)size)
    die(path);
  fclose(file);
  data[size] = '\0';
  *len = (size_t)size;
  return data;
}

static void load_site(struct site *site, const char *dir)
{
  char path[4096];
  char *list, *line, *save = NULL;
  size_t len, cap = 0;

  snprintf(path, sizeof(path), "%s/expected.txt", dir);
  list = read_file(path, &len);
  for(line = strtok_r(list, "\n", &save); line != NULL;
      line = strtok_r(NULL, "\n", &save)) {
    struct page *page;

    if(site->count == cap) {
      cap = cap == 0 ? 1024 : cap * 2;
      site->pages = realloc(site->pages, cap * sizeof(struct page));
      if(site->pages == NULL)
        die("realloc");
    }
    page = &site->pages[site->count++];
    page->path = strdup(line);
    snprintf(path, sizeof(path), "%s%s", dir, line);
    page->data = read_file(path, &page->len);
    site->bytes += page->len;
  }
  free(list);
}

static void parse_with(int parser, struct found *found, const struct page *p)
{
  if(parser == 0)
    parse_libxml2(found, p->data, p->len, PIECE, NULL);
  else
    parse_gumbo(found, p->data, p->len);
}

static const char *const parser_names[] = { "libxml2 push (SAX)",
                                            "gumbo (tree)" };

static void measure_speed(const struct site *site, int runs)
{
  double seconds[2][RUNS_MAX];
  struct found found = { 0 };

  for(int run = 0; run < runs; run++) {
    for(int parser = 0; parser < 2; parser++) {
      double start = cpu_seconds();

      for(size_t i = 0; i < site->count; i++)
        parse_with(parser, &found, &site->pages[i]);
      seconds[parser][run] = cpu_seconds() - start;
    }
  }
  printf("\n| parser | CPU s (median of %d) | MB/s | pages/s | runs (s) |\n"
         "| --- | --- | --- | --- | --- |\n",
         runs);
  for(int parser = 0; parser < 2; parser++) {
    char list[256] = "";
    size_t used = 0;
    double mid;

    for(int run = 0; run < runs; run++)
      used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%.2f",
                               run > 0 ? " " : "", seconds[parser][run]);
    mid = median(seconds[parser], (size_t)runs);
    printf("| %s | %.2f | %.1f | %.0f | %s |\n", parser_names[parser], mid,
           (double)site->bytes / 1e6 / mid, (double)site->count / mid, list);
  }
  free(found.hrefs);
  free(found.links);
}

static void measure_heap(const struct site *site)
{
  double *peaks = malloc(site->count * sizeof(double));
  struct found found = { 0 };

  if(peaks == NULL)
    die("malloc");
  printf("\n| parser | peak heap a page, median | 90th percentile | max | "
         "per page byte (median) |\n| --- | --- | --- | --- | --- |\n");
  for(int parser = 0; parser < 2; parser++) {
    double ratio = 0, mid;
    double *ratios = malloc(site->count * sizeof(double));

    if(ratios == NULL)
      die("malloc");
    for(size_t i = 0; i < site->count; i++) {
      size_t before = heap_now;

      heap_peak = heap_now;
      parse_with(parser, &found, &site->pages[i]);
      peaks[i] = (double)(heap_peak - before);
      ratios[i] = peaks[i] / (double)site->pages[i].len;
    }
    ratio = median(ratios, site->count);
    mid = median(peaks, site->count);
    printf("| %s | %.0f KiB | %.0f KiB | %.0f KiB | %.1f |\n",
           parser_names[parser], mid / 1024,
           peaks[site->count * 9 / 10] / 1024, peaks[site->count - 1] / 1024,
           ratio);
    free(ratios);
  }
  free(peaks);
  free(found.hrefs);
  free(found.links);
}

static bool same_links(const struct found *a, const struct found *b)
{
  if(a->links_len != b->links_len)
    return false;
  for(size_t i = 0; i < a->links_len; i++) {
    const struct link *x = &a->links[i], *y = &b->links[i];

    if(x->len != y->len || x->kind != y->kind || x->nofollow != y->nofollow ||
       memcmp(a->hrefs + x->offset, b->hrefs + y->offset, x->len) != 0)
      return false;
  }
  return true;
}

static bool same_base(const struct found *a, const struct found *b)
{
  if(a->has_base != b->has_base)
    return false;
  return !a->has_base || (a->base_len == b->base_len &&
                          memcmp(a->hrefs + a->base_offset,
                                 b->hrefs + b->base_offset, a->base_len) == 0);
}

/* The paths of found's followable links on base's host and port. */
struct paths {
  char **items;
  size_t len;
  size_t cap;
  long long links;      /* followable links */
  long long dropped;    /* refused by urlnorm */
  long long elsewhere;  /* other hosts */
  long long other_port; /* the site's host, another port or scheme */
};

static void add_path(struct paths *paths, const char *path)
{
  if(paths->len == paths->cap) {
    paths->cap = paths->cap == 0 ? 65536 : paths->cap * 2;
    paths->items = realloc(paths->items, paths->cap * sizeof(char *));
    if(paths->items == NULL)
      die("realloc");
  }
  paths->items[paths->len] = strdup(path);
  if(paths->items[paths->len] == NULL)
    die("strdup");
  paths->len++;
}

static void resolve_links(struct paths *paths, const struct found *found,
                          const char *base, const char *host,
                          const char *page_path)
{
  struct urlnorm *norm = urlnorm_new();
  char url[URLNORM_MAX_BYTES + 1];
  size_t url_len;
  size_t base_len = strlen(base);
  size_t host_len = strlen(host);

  if(norm == NULL)
    die("urlnorm_new");
  snprintf(url, sizeof(url), "%s%s", base, page_path);
  urlnorm_set_base(norm, url);
  if(found->has_base &&
     urlnorm_resolve(norm, found->hrefs + found->base_offset, found->base_len,
                     url, sizeof(url), &url_len) == URLNORM_OK)
    urlnorm_set_base(norm, url);
  for(size_t i = 0; i < found->links_len; i++) {
    const struct link *link = &found->links[i];
    const char *rest;

    if(link->nofollow)
      continue;
    paths->links++;
    if(urlnorm_resolve(norm, found->hrefs + link->offset, link->len, url,
                       sizeof(url), &url_len) != URLNORM_OK) {
      paths->dropped++;
      continue;
    }
    if(strncmp(url, base, base_len) == 0 && url[base_len] == '/') {
      add_path(paths, url + base_len);
      continue;
    }
    rest = strstr(url, "://");
    if(rest != NULL && strncmp(rest + 3, host, host_len) == 0 &&
       strchr(":/", rest[3 + host_len]) != NULL)
      paths->other_port++;
    else
      paths->elsewhere++;
  }
  urlnorm_free(norm);
}

/* Sorted and unique, against expected (sorted): what is missing, what is
 * extra. */
static void check_paths(const char *name, struct paths *paths,
                        const struct site *site)
{
  char **expected = malloc(site->count * sizeof(char *));
  size_t unique = 0, missing = 0, extra = 0, i = 0, j = 0;
  const char *first_missing = NULL, *first_extra = NULL;

  if(expected == NULL)
    die("malloc");
  for(size_t k = 0; k < site->count; k++)
    expected[k] = site->pages[k].path;
  qsort(expected, site->count, sizeof(char *), compare_strings);
  /* The seed, /index.html, is fetched whether linked or not. */
  add_path(paths, "/index.html");
  qsort(paths->items, paths->len, sizeof(char *), compare_strings);
  for(size_t k = 0; k < paths->len; k++) {
    if(unique == 0 || strcmp(paths->items[unique - 1], paths->items[k]) != 0)
      paths->items[unique++] = paths->items[k];
    else
      free(paths->items[k]);
  }
  while(i < unique || j < site->count) {
    int order = i == unique        ? 1
                : j == site->count ? -1
                                   : strcmp(paths->items[i], expected[j]);

    if(order == 0) {
      i++;
      j++;
    }
    else if(order < 0) {
      if(first_extra == NULL)
        first_extra = paths->items[i];
      extra++;
      i++;
    }
    else {
      if(first_missing == NULL)
        first_missing = expected[j];
      missing++;
      j++;
    }
  }
  printf("| %s | %lld | %lld | %lld | %lld | %zu | %zu%s%s | %zu%s%s | %s |\n",
         name, paths->links, paths->dropped, paths->elsewhere,
         paths->other_port, unique, missing, missing > 0 ? ", first " : "",
         first_missing != NULL ? first_missing : "", extra,
         extra > 0 ? ", first " : "", first_extra != NULL ? first_extra : "",
         missing == 0 && extra == 0 ? "yes" : "no");
  for(size_t k = 0; k < unique; k++)
    free(paths->items[k]);
  free(paths->items);
  free(expected);
}

static void compare_parsers(const struct site *site, const char *base)
{
  struct found x = { 0 }, g = { 0 };
  size_t links_differ = 0, base_differ = 0, title_differ = 0, text_differ = 0;
  long long links_x = 0, links_g = 0;
  struct paths paths_x = { 0 }, paths_g = { 0 };
  const char *host = strstr(base, "://") + 3;
  char host_only[256];
  int shown = 0;

  snprintf(host_only, sizeof(host_only), "%.*s", (int)strcspn(host, ":/"),
           host);
  for(size_t i = 0; i < site->count; i++) {
    const struct page *page = &site->pages[i];
    bool differ = false;

    parse_with(0, &x, page);
    parse_with(1, &g, page);
    links_x += (long long)x.links_len;
    links_g += (long long)g.links_len;
    if(!same_links(&x, &g)) {
      links_differ++;
      differ = true;
    }
    if(!same_base(&x, &g)) {
      base_differ++;
      differ = true;
    }
    if(x.title_seen != g.title_seen || strcmp(x.title, g.title) != 0) {
      title_differ++;
      differ = true;
    }
    if(strcmp(x.text, g.text) != 0) {
      text_differ++;
      differ = true;
    }
    if(differ && shown++ < 3)
      fprintf(stderr,
              "%s differs: links %zu/%zu\n  title [%s]\n        [%s]\n"
              "  text [%s]\n       [%s]\n",
              page->path, x.links_len, g.links_len, x.title, g.title, x.text,
              g.text);
    resolve_links(&paths_x, &x, base, host_only, page->path);
    resolve_links(&paths_g, &g, base, host_only, page->path);
  }
  printf("\nOn %zu pages: libxml2 found %lld links, gumbo %lld. Pages where "
         "they differ: links (href, kind, nofollow, in order) %zu, base %zu, "
         "title %zu, first %d characters of text %zu.\n",
         site->count, links_x, links_g, links_differ, base_differ,
         title_differ, TEXT_CHARS, text_differ);
  printf("\n| parser | followable links | dropped by urlnorm | other hosts | "
         "site's host, other port | distinct paths | missing from "
         "expected.txt | not in expected.txt | equal |\n"
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  check_paths(parser_names[0], &paths_x, site);
  check_paths(parser_names[1], &paths_g, site);
  printf("\nSample, %s: title \"%s\", text \"%s\"\n",
         site->pages[site->count - 1].path, x.title, x.text);
  free(x.hrefs);
  free(x.links);
  free(g.hrefs);
  free(g.links);
}

static int run_site(const char *dir, const char *base, int runs)
{
  struct site site = { 0 };

  load_site(&site, dir);
  printf("%zu pages, %.1f MB, from %s; links resolved against %s\n",
         site.count, (double)site.bytes / 1e6, dir, base);
  compare_parsers(&site, base);
  measure_speed(&site, runs);
  measure_heap(&site);
  for(size_t i = 0; i < site.count; i++) {
    free(site.pages[i].path);
    free(site.pages[i].data);
  }
  free(site.pages);
  return 0;
}

/* --- malformed pages -------------------------------------------------------
 */

struct buf {
  char *data;
  size_t len;
  size_t cap;
};

static void put_len(struct buf *out, const char *text, size_t len)
{
  if(out->len + len > out->cap) {
    size_t cap = out->cap == 0 ? 65536 : out->cap;

    while(out->len + len > cap)
      cap *= 2;
    out->data = realloc(out->data, cap);
    if(out->data == NULL)
      die("realloc");
    out->cap = cap;
  }
  memcpy(out->data + out->len, text, len);
  out->len += len;
}

static void put(struct buf *out, const char *text)
{
  put_len(out, text, strlen(text));
}

static void put_repeat(struct buf *out, const char *text, size_t times)
{
  for(size_t i = 0; i < times; i++)
    put(out, text);
}

__attribute__((format(printf, 2, 3))) static void putf(struct buf *out,
                                                       const char *format, ...)
{
  char line[1024];
  va_list args;
  int len;

  va_start(args, format);
  len = vsnprintf(line, sizeof(line), format, args);
  va_end(args);
  if(len > 0)
    put_len(out, line, (size_t)len < sizeof(line) ? (size_t)len : 0);
}

#define HEAD "<!DOCTYPE html><html><head><title>Hostile</title></head><body>"

/* Paragraphs with a link each up to size bytes. */
static void put_big(struct buf *out, size_t size)
{
  put(out, HEAD);
  for(unsigned i = 0; out->len < size; i++)
    putf(out,
         "<p>Paragraph %u with some words &amp; an entity, <a "
         "href=\"/big/%u.html\">link %u</a>, and more words after it.</p>\n",
         i, i, i);
}

static void make_unclosed(struct buf *out)
{
  put(out, HEAD);
  for(unsigned i = 0; i < 2000; i++)
    putf(out, "<div class=c%u><p><a href=\"/u/%u\">link %u<b><i><font>", i, i,
         i);
}

static void make_nested(struct buf *out)
{
  put(out, HEAD);
  put_repeat(out, "<div>", 100000);
  put(out, "<a href=\"/deep\">deep</a>");
  put_repeat(out, "</div>", 100000);
  put(out, "<a href=\"/after\">after</a></body></html>");
}

static void make_big(struct buf *out)
{
  put_big(out, 10 << 20);
  put(out, "</body></html>");
}

static void make_long_attribute(struct buf *out)
{
  put(out, HEAD "<a href=\"/before\">before</a><a href=\"/long\" title=\"");
  put_repeat(out, "aaaaaaaaaaaaaaaa", (1 << 20) / 16);
  put(out, "\">long</a><a href=\"/after\">after</a></body></html>");
}

static void make_nul(struct buf *out)
{
  static const char piece[] = "<p>te\0xt <a href=\"/n\0ul\">a</a> <a hr\0ef="
                              "/x>b</a> <a href=/ok>c</a>\0<a href=/ok2>d</a>"
                              "</p>\n";

  put(out, "<html><head><title>ti");
  put_len(out, "\0", 1);
  put(out, "tle</title></head><body>");
  for(unsigned i = 0; i < 100; i++)
    put_len(out, piece, sizeof(piece) - 1);
  put(out, "</body></html>");
}

static void make_bad_utf8(struct buf *out)
{
  put(out, "<html><head><meta charset=\"utf-8\"><title>caf\xc3 \xff\xfe"
           "</title></head><body>");
  for(unsigned i = 0; i < 100; i++)
    putf(out,
         "<p>\xc0\xaf \xed\xa0\x80 text \xf8\x88\x80\x80\x80 <a "
         "href=\"/\xff%u\">x</a> <a href=/ok%u>y</a></p>\n",
         i, i);
  put(out, "</body></html>");
}

static void make_lt_storm(struct buf *out)
{
  put(out, HEAD);
  put_repeat(out, "<", 512 * 1024);
  for(unsigned i = 0; i < 2000; i++)
    putf(out, "< <a <<a href=/s%u>x</a> </ <! <? <<< <<//> ", i);
  put(out, "<a href=\"/after\">after</a></body></html>");
}

static void make_cut(struct buf *out)
{
  put(out, HEAD "<p>Some text <a href=\"/c1\">one</a> and "
                "<a href=\"/c2\">two</a> then <a href=\"/s/01/000");
}

struct hostile {
  const char *name;
  void (*make)(struct buf *out);
};

static const struct hostile hostiles[] = {
  { "unclosed tags (2,000 x div p a b i font)", make_unclosed },
  { "100,000 nested div", make_nested },
  { "10 MiB page (paragraphs, a link each)", make_big },
  { "attribute 1 MiB long", make_long_attribute },
  { "NUL bytes in text, tags, attributes", make_nul },
  { "invalid UTF-8 in title, text, hrefs", make_bad_utf8 },
  { "'<' storm (512 KiB of '<', then '< <a <<a ...')", make_lt_storm },
  { "cut mid-tag (<a href=\"/s/01/000)", make_cut },
};
#define HOSTILES (sizeof(hostiles) / sizeof(hostiles[0]))

struct outcome {
  double cpu_ms;
  double heap_mib;
  double rss_mib;
  long links;
  long text_chars;
};

/* VmHWM from /proc/self/status, in KiB; -1 without. */
static long peak_rss_kib(void)
{
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;

  if(status == NULL)
    return -1;
  while(fgets(line, sizeof(line), status) != NULL) {
    if(sscanf(line, "VmHWM: %ld kB", &kib) == 1)
      break;
  }
  fclose(status);
  return kib;
}

/* Resets the peak RSS to what is resident now (clear_refs, Linux 4.0). */
static void reset_peak_rss(void)
{
  FILE *refs = fopen("/proc/self/clear_refs", "w");

  if(refs != NULL) {
    fputs("5", refs);
    fclose(refs);
  }
}

static void run_child(int parser, const struct buf *page, int fd)
{
  struct found found = { 0 };
  struct outcome outcome;
  long rss_before;
  double start;
  size_t before = heap_now;

  reset_peak_rss();
  rss_before = peak_rss_kib();
  heap_peak = heap_now;
  alarm(60);
  start = cpu_seconds();
  if(parser == 0)
    parse_libxml2(&found, page->data, page->len, PIECE, NULL);
  else
    parse_gumbo(&found, page->data, page->len);
  outcome.cpu_ms = (cpu_seconds() - start) * 1000;
  outcome.heap_mib = (double)(heap_peak - before) / 1048576.0;
  outcome.rss_mib = (double)(peak_rss_kib() - rss_before) / 1024.0;
  outcome.links = (long)found.links_len;
  outcome.text_chars = (long)found.text_chars;
  if(write(fd, &outcome, sizeof(outcome)) != (ssize_t)sizeof(outcome))
    _exit(3);
  _exit(0);
}

static void run_hostile(const struct hostile *hostile)
{
  struct buf page = { 0 };

  hostile->make(&page);
  for(int parser = 0; parser < 2; parser++) {
    struct outcome outcome;
    int fds[2], status;
    pid_t pid;
    ssize_t got;

    if(pipe(fds) != 0)
      die("pipe");
    fflush(stdout);
    pid = fork();
    if(pid < 0)
      die("fork");
    if(pid == 0) {
      close(fds[0]);
      run_child(parser, &page, fds[1]);
    }
    close(fds[1]);
    got = read(fds[0], &outcome, sizeof(outcome));
    close(fds[0]);
    if(waitpid(pid, &status, 0) != pid)
      die("waitpid");
    printf("| %s | %.2f MiB | %s | ", hostile->name,
           (double)page.len / 1048576.0, parser_names[parser]);
    if(got == (ssize_t)sizeof(outcome) && WIFEXITED(status) &&
       WEXITSTATUS(status) == 0)
      printf("%.1f | %.2f | %.1f | %ld | %ld | ok |\n", outcome.cpu_ms,
             outcome.heap_mib, outcome.rss_mib, outcome.links,
             outcome.text_chars);
    else if(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
      printf("- | - | - | - | - | timeout (60 s) |\n");
    else if(WIFSIGNALED(status))
      printf("- | - | - | - | - | crash (signal %d, %s) |\n", WTERMSIG(status),
             strsignal(WTERMSIG(status)));
    else
      printf("- | - | - | - | - | exit %d |\n", WEXITSTATUS(status));
  }
  free(page.data);
}

/* The heap libxml2 holds as a 10 MiB page comes in, sampled at each MiB. */
static size_t held_at[11];

static void on_held(size_t fed, size_t heap)
{
  if(fed % (1 << 20) < PIECE && fed / (1 << 20) <= 10)
    held_at[fed / (1 << 20)] = heap;
}

/* crawld's own page reader (src/htmlpage.c), fed like libxml2 above. */
static void parse_crawld(const char *page, size_t len, size_t piece,
                         void (*held)(size_t fed, size_t heap), size_t *links)
{
  struct htmlpage *parser = htmlpage_new();
  struct pagelinks *sink = pagelinks_new();
  size_t fed = 0;

  if(parser == NULL || sink == NULL)
    die("htmlpage_new");
  pagelinks_reset(sink, "http://127.0.0.1:8080/big.html");
  if(htmlpage_start(parser, sink) != 0)
    die("htmlpage_start");
  while(fed < len) {
    size_t now = len - fed < piece ? len - fed : piece;

    htmlpage_feed(parser, page + fed, now);
    fed += now;
    held(fed, heap_now);
  }
  htmlpage_finish(parser);
  *links = (size_t)pagelinks_found(sink);
  htmlpage_free(parser);
  pagelinks_free(sink);
}

/* The 10 MiB page in pieces, the first cap bytes of it, through this
 * program's handler or crawld's. */
static void measure_held(size_t piece, size_t cap, bool crawld)
{
  static const int marks[] = { 1, 2, 4, 6, 8, 10 };
  struct buf page = { 0 };
  struct found found = { 0 };
  size_t before = heap_now;
  size_t links;

  make_big(&page);
  if(page.len > cap)
    page.len = cap;
  memset(held_at, 0, sizeof(held_at));
  heap_peak = heap_now;
  if(crawld) {
    parse_crawld(page.data, page.len, piece, on_held, &links);
  }
  else {
    parse_libxml2(&found, page.data, page.len, piece, on_held);
    links = found.links_len;
  }
  printf("| %s | %zu KiB | %.2f MiB",
         crawld ? "crawld's htmlpage.c" : "this program's handler",
         piece / 1024, (double)page.len / 1048576.0);
  for(size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
    if(held_at[marks[i]] == 0)
      printf(" | -");
    else
      printf(" | %.2f", (double)(held_at[marks[i]] - before) / 1048576.0);
  }
  printf(" | %.2f | %zu |\n", (double)(heap_peak - before) / 1048576.0, links);
  free(found.hrefs);
  free(found.links);
  free(page.data);
}

static int run_malformed(void)
{
  printf("\n| page | size | parser | CPU ms | peak heap MiB | peak RSS rise "
         "MiB | links | text chars | outcome |\n"
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for(size_t i = 0; i < HOSTILES; i++)
    run_hostile(&hostiles[i]);
  printf("\nHeap libxml2's push parser holds (MiB) after this much of the "
         "10 MiB page was fed:\n\n"
         "| SAX handler | piece | fed | 1 MiB | 2 MiB | 4 MiB | 6 MiB | "
         "8 MiB | 10 MiB | peak | links |\n"
         "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
         "|\n");
  measure_held(PIECE, SIZE_MAX, false);
  measure_held(1 << 20, SIZE_MAX, false);
  measure_held(PIECE, SIZE_MAX, true);
  measure_held(PIECE, 2 << 20, false);
  return 0;
}

int main(int argc, char **argv)
{
  /* Before libxml2 allocates anything: all its memory is counted. */
  if(xmlMemSetup(count_free, count_malloc, count_realloc, count_strdup) != 0)
    die("xmlMemSetup");
  xmlInitParser();
  if(argc >= 4 && strcmp(argv[1], "site") == 0) {
    int runs = argc > 4 ? atoi(argv[4]) : 5;

    if(runs < 1 || runs > RUNS_MAX)
      runs = 5;
    return run_site(argv[2], argv[3], runs);
  }
  if(argc == 2 && strcmp(argv[1], "malformed") == 0)
    return run_malformed();
  fprintf(stderr, "usage: html_parsers site DIR BASE [RUNS]\n"
                  "       html_parsers malformed\n");
  return 2;
}
