/* htmllinks.c - an HTML page's links through libxml2; see htmllinks.h. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "htmllinks.h"
#include "urlnorm.h"

struct htmllinks {
  htmlSAXHandler sax;
  htmlParserCtxtPtr context; /* the page's; NULL between pages */
  struct pagelinks *sink;
  size_t fed;    /* bytes of the page given to the parser */
  bool based;    /* a <base href> was taken */
  bool nofollow; /* meta robots said so */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* libxml2 wants its globals set up once, before threads use it. */
static void init_libxml(void)
{
  xmlInitParser();
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

static void add(struct htmllinks *parser, const char *href, bool nofollow)
{
  if(href != NULL)
    pagelinks_add(parser->sink, href, strlen(href), nofollow);
}

static void on_meta(struct htmllinks *parser, const xmlChar **atts)
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
    pagelinks_add(parser->sink, url, len, false);
  else if(name != NULL && strcasecmp(name, "robots") == 0 &&
          (has_token(content, "nofollow") || has_token(content, "none")))
    parser->nofollow = true;
}

static void on_start(void *arg, const xmlChar *tag, const xmlChar **atts)
{
  struct htmllinks *parser = arg;
  const char *name = (const char *)tag;
  const char *rel;

  /* libxml2 gives HTML tag names in lower case. */
  if(strcmp(name, "a") == 0 || strcmp(name, "area") == 0) {
    add(parser, attribute(atts, "href"),
        has_token(attribute(atts, "rel"), "nofollow"));
  }
  else if(strcmp(name, "link") == 0) {
    rel = attribute(atts, "rel");
    if(has_token(rel, "alternate") || has_token(rel, "next") ||
       has_token(rel, "prev") || has_token(rel, "canonical"))
      add(parser, attribute(atts, "href"), has_token(rel, "nofollow"));
  }
  else if(strcmp(name, "frame") == 0 || strcmp(name, "iframe") == 0) {
    add(parser, attribute(atts, "src"), false);
  }
  else if(strcmp(name, "meta") == 0) {
    on_meta(parser, atts);
  }
  else if(strcmp(name, "base") == 0 && !parser->based) {
    const char *href = attribute(atts, "href");

    if(href != NULL) {
      parser->based = true;
      pagelinks_base(parser->sink, href, strlen(href));
    }
  }
}

struct htmllinks *htmllinks_new(void)
{
  struct htmllinks *parser = calloc(1, sizeof(*parser));

  if(parser == NULL)
    return NULL;
  pthread_once(&init_once, init_libxml);
  /* Start tags only: no tree, no text, no error reports. */
  parser->sax.startElement = on_start;
  return parser;
}

int htmllinks_start(struct htmllinks *parser, struct pagelinks *sink)
{
  if(parser->context != NULL)
    htmlFreeParserCtxt(parser->context);
  parser->sink = sink;
  parser->fed = 0;
  parser->based = false;
  parser->nofollow = false;
  parser->context = htmlCreatePushParserCtxt(&parser->sax, parser, NULL, 0,
                                             NULL, XML_CHAR_ENCODING_NONE);
  if(parser->context == NULL)
    return -1;
  htmlCtxtUseOptions(parser->context, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                          HTML_PARSE_NOWARNING |
                                          HTML_PARSE_NONET |
                                          HTML_PARSE_COMPACT);
  return 0;
}

void htmllinks_feed(struct htmllinks *parser, const char *data, size_t len)
{
  if(len > HTMLLINKS_MAX_BYTES - parser->fed)
    len = HTMLLINKS_MAX_BYTES - parser->fed;
  parser->fed += len;
  /* libxml2 takes an int: a larger piece goes in parts. */
  while(parser->context != NULL && len > 0) {
    int piece = len > 1 << 20 ? 1 << 20 : (int)len;

    htmlParseChunk(parser->context, data, piece, 0);
    data += piece;
    len -= (size_t)piece;
  }
}

void htmllinks_finish(struct htmllinks *parser)
{
  if(parser->context == NULL)
    return;
  htmlParseChunk(parser->context, NULL, 0, 1);
  htmlFreeParserCtxt(parser->context);
  parser->context = NULL;
  if(parser->nofollow)
    pagelinks_forget_links(parser->sink);
}

void htmllinks_free(struct htmllinks *parser)
{
  if(parser == NULL)
    return;
  if(parser->context != NULL)
    htmlFreeParserCtxt(parser->context);
  free(parser);
}
