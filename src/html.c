/*
 * Streaming extraction of a page's title and text snippet; see html.h.
 *
 * The tokenizer is a reduced form of the HTML5 one: it keeps the states that
 * decide what is text (tags, attribute quoting, comments, raw text) and
 * drops what only matters for building a tree. Text is sent to a sink, the
 * title or the snippet buffer, which collapses whitespace and enforces the
 * limits as the bytes arrive, so nothing is ever post-processed.
 */

#include "html.h"

#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define TAG_NAME_MAX 16 /* longer names match nothing we look for */
#define CHARREF_MAX 32  /* longest character reference we decode */
#define SNIPPET_MAX_BYTES (4 * HTML_SNIPPET_CHARS)

enum hx_state {
  HX_TEXT,         /* character data */
  HX_CHARREF,      /* after '&', in text or in the title */
  HX_TAG_OPEN,     /* after '<' */
  HX_END_TAG_OPEN, /* after "</" */
  HX_TAG_NAME,
  HX_ATTRS,      /* inside a tag, outside attribute values */
  HX_ATTR_VALUE, /* after '=', before the value */
  HX_ATTR_UNQUOTED,
  HX_ATTR_DQUOTED,
  HX_ATTR_SQUOTED,
  HX_MARKUP_OPEN,       /* after "<!" */
  HX_COMMENT_OPEN_DASH, /* after "<!-" */
  HX_COMMENT,
  HX_BOGUS_COMMENT, /* <!DOCTYPE>, <?...>, </3>: ends at the first '>' */
  HX_RAWTEXT        /* script, style or title content */
};

/* How much of a comment's end ("-->" or "--!>") has been seen. */
enum comment_end {
  COMMENT_BODY,
  COMMENT_DASH,
  COMMENT_DASH_DASH,
  COMMENT_DASH_DASH_BANG
};

enum title_state {
  TITLE_NONE, /* no <title> seen yet */
  TITLE_OPEN, /* collecting the first title */
  TITLE_CLOSED
};

/* An output buffer: the title or the snippet. */
struct text_buf {
  char *buf;  /* NUL-terminated at all times */
  size_t cap; /* bytes, not counting the NUL */
  size_t max_chars;
  size_t len;
  size_t chars;       /* bytes that are not continuation bytes */
  size_t last_start;  /* where the last character starts */
  size_t cont_left;   /* continuation bytes its lead byte still expects */
  bool space_pending; /* whitespace to write before any more text */
  bool full;
};

struct html_extract {
  enum hx_state state;
  enum hx_state charref_return; /* state to go back to after one */
  enum title_state title_state;
  enum comment_end comment_end;
  size_t hidden_depth; /* open noscript, template, svg */

  char name[TAG_NAME_MAX]; /* lowercased tag name */
  size_t name_len;         /* TAG_NAME_MAX + 1: too long */
  bool is_end_tag;
  bool self_closing;

  const char *raw_end; /* raw text element we are in, or NULL */
  size_t raw_end_len;
  char end_tag[2 + TAG_NAME_MAX]; /* the part of "</name" matched so far */
  size_t end_tag_len;

  char charref[CHARREF_MAX]; /* "&..." collected so far */
  size_t charref_len;

  struct text_buf title;
  struct text_buf snippet;
  char title_buf[HTML_TITLE_MAX_BYTES + 1];
  char snippet_buf[SNIPPET_MAX_BYTES + 1];
};

/* What a tag name means here; names not in tag_kinds mean nothing. */
enum tag_kind {
  TAG_BLOCK = 1,  /* separates words in the snippet */
  TAG_HIDDEN = 2, /* content is not text: noscript, svg, template */
  TAG_RAW = 4,    /* raw text up to its own end tag: script, style */
  TAG_TITLE = 8
};

/* Sorted by name (strcmp order): tag_index() searches it by halves. */
#define TAG(name, kind)          \
  {                              \
    name, sizeof(name) - 1, kind \
  }
static const struct {
  const char *name;
  size_t len;
  unsigned kind;
} tag_kinds[] = {
  TAG("address", TAG_BLOCK),
  TAG("article", TAG_BLOCK),
  TAG("aside", TAG_BLOCK),
  TAG("blockquote", TAG_BLOCK),
  TAG("body", TAG_BLOCK),
  TAG("br", TAG_BLOCK),
  TAG("caption", TAG_BLOCK),
  TAG("dd", TAG_BLOCK),
  TAG("details", TAG_BLOCK),
  TAG("div", TAG_BLOCK),
  TAG("dl", TAG_BLOCK),
  TAG("dt", TAG_BLOCK),
  TAG("fieldset", TAG_BLOCK),
  TAG("figcaption", TAG_BLOCK),
  TAG("figure", TAG_BLOCK),
  TAG("footer", TAG_BLOCK),
  TAG("form", TAG_BLOCK),
  TAG("h1", TAG_BLOCK),
  TAG("h2", TAG_BLOCK),
  TAG("h3", TAG_BLOCK),
  TAG("h4", TAG_BLOCK),
  TAG("h5", TAG_BLOCK),
  TAG("h6", TAG_BLOCK),
  TAG("head", TAG_BLOCK),
  TAG("header", TAG_BLOCK),
  TAG("hr", TAG_BLOCK),
  TAG("html", TAG_BLOCK),
  TAG("legend", TAG_BLOCK),
  TAG("li", TAG_BLOCK),
  TAG("main", TAG_BLOCK),
  TAG("nav", TAG_BLOCK),
  TAG("noscript", TAG_HIDDEN),
  TAG("ol", TAG_BLOCK),
  TAG("option", TAG_BLOCK),
  TAG("p", TAG_BLOCK),
  TAG("pre", TAG_BLOCK),
  TAG("script", TAG_RAW),
  TAG("section", TAG_BLOCK),
  TAG("style", TAG_RAW),
  TAG("summary", TAG_BLOCK),
  TAG("svg", TAG_HIDDEN),
  TAG("table", TAG_BLOCK),
  TAG("tbody", TAG_BLOCK),
  TAG("td", TAG_BLOCK),
  TAG("template", TAG_HIDDEN),
  TAG("tfoot", TAG_BLOCK),
  TAG("th", TAG_BLOCK),
  TAG("thead", TAG_BLOCK),
  TAG("title", TAG_BLOCK | TAG_TITLE),
  TAG("tr", TAG_BLOCK),
  TAG("ul", TAG_BLOCK),
};
#undef TAG

static const struct {
  const char *name;
  const char *text;
} named_refs[] = { { "amp", "&" }, { "apos", "'" },        { "gt", ">" },
                   { "lt", "<" },  { "nbsp", "\xC2\xA0" }, { "quot", "\"" } };

static void hx_step(struct html_extract *hx, unsigned char c);

/* ASCII-only classes: the page's encoding is unknown and <ctype.h> depends
   on the locale. */
static bool is_space(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

static bool is_alpha(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

static bool is_hex_digit(unsigned char c)
{
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char to_lower(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool is_continuation(unsigned char c)
{
  return (c & 0xC0) == 0x80;
}

/* Continuation bytes announced by a lead byte. */
static size_t continuation_count(unsigned char c)
{
  if((c & 0xE0) == 0xC0)
    return 1;
  if((c & 0xF0) == 0xE0)
    return 2;
  if((c & 0xF8) == 0xF0)
    return 3;
  return 0;
}

/*
 * Text buffers.
 *
 * Invariant: a buffer never ends with a space. Whitespace only sets
 * space_pending, and the space is written together with the next byte of
 * text, so trailing whitespace never needs trimming.
 */

static void text_init(struct text_buf *t, char *buf, size_t cap,
                      size_t max_chars)
{
  t->buf = buf;
  t->cap = cap;
  t->max_chars = max_chars;
  t->buf[0] = '\0';
}

static void text_append(struct text_buf *t, unsigned char c)
{
  if(!is_continuation(c)) {
    t->chars++;
    t->last_start = t->len;
    t->cont_left = continuation_count(c);
  }
  else if(t->cont_left)
    t->cont_left--;
  t->buf[t->len++] = (char)c;
  t->buf[t->len] = '\0';
}

/* Removes the last byte, which is a character of its own. */
static void text_unappend(struct text_buf *t)
{
  t->len--;
  t->chars--;
  t->cont_left = 0;
  t->buf[t->len] = '\0';
}

static void text_space(struct text_buf *t)
{
  if(t->len)
    t->space_pending = true; /* leading whitespace is dropped */
}

/* A continuation byte does not fit: the character it belongs to is cut.
   Drop what we have of it, and the space in front of it, so that the text
   still ends cleanly. */
static void text_drop_partial(struct text_buf *t)
{
  t->len = t->last_start;
  t->chars--;
  t->cont_left = 0;
  t->buf[t->len] = '\0';
  if(t->len && t->buf[t->len - 1] == ' ')
    text_unappend(t);
}

/* Adds a byte of text that is neither whitespace nor NUL. */
static void text_put(struct text_buf *t, unsigned char c)
{
  size_t bytes = 1 + t->space_pending;
  size_t chars = !is_continuation(c) + t->space_pending;

  if(t->full)
    return;
  if(t->len + bytes > t->cap || t->chars + chars > t->max_chars) {
    if(is_continuation(c) && t->cont_left && !t->space_pending)
      text_drop_partial(t);
    t->full = true;
    return;
  }
  if(t->space_pending) {
    text_append(t, ' ');
    t->space_pending = false;
  }
  text_append(t, c);

  /* Full as soon as nothing more could be added, so that the caller learns
     it is done without feeding another byte. A character still open at the
     limit waits for its next byte: that may be the A0 of a no-break space,
     which takes the character back. */
  if(!t->cont_left && (t->len == t->cap || t->chars == t->max_chars))
    t->full = true;
}

/*
 * A UTF-8 no-break space (C2 A0) is whitespace, but its first byte is
 * already stored by the time the second arrives. Detect that case and take
 * the C2 back, along with the space written in front of it.
 */
static bool text_ends_with_c2(const struct text_buf *t)
{
  return !t->full && !t->space_pending && t->cont_left == 1 && t->len &&
         (unsigned char)t->buf[t->len - 1] == 0xC2;
}

static void text_nbsp(struct text_buf *t)
{
  text_unappend(t);
  if(t->len && t->buf[t->len - 1] == ' ')
    text_unappend(t);
  text_space(t);
}

/*
 * Text output.
 */

/* Where text goes now; NULL when it is not wanted. */
static struct text_buf *text_sink(struct html_extract *hx)
{
  if(hx->title_state == TITLE_OPEN) /* inside the first title */
    return &hx->title;
  if(hx->raw_end || hx->hidden_depth)
    return NULL; /* script, style, a later title, hidden content */
  return &hx->snippet;
}

static void emit(struct html_extract *hx, unsigned char c)
{
  struct text_buf *t = text_sink(hx);

  if(!t || c == '\0')
    return;
  if(is_space(c))
    text_space(t);
  else if(c == 0xA0 && text_ends_with_c2(t))
    text_nbsp(t);
  else
    text_put(t, c);
}

static void emit_bytes(struct html_extract *hx, const char *s, size_t len)
{
  size_t i;

  for(i = 0; i < len; i++)
    emit(hx, (unsigned char)s[i]);
}

static void emit_code_point(struct html_extract *hx, uint32_t cp)
{
  char utf8[4];
  size_t len;

  if(cp < 0x80) {
    utf8[0] = (char)cp;
    len = 1;
  }
  else if(cp < 0x800) {
    utf8[0] = (char)(0xC0 | (cp >> 6));
    utf8[1] = (char)(0x80 | (cp & 0x3F));
    len = 2;
  }
  else if(cp < 0x10000) {
    utf8[0] = (char)(0xE0 | (cp >> 12));
    utf8[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    utf8[2] = (char)(0x80 | (cp & 0x3F));
    len = 3;
  }
  else {
    utf8[0] = (char)(0xF0 | (cp >> 18));
    utf8[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    utf8[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    utf8[3] = (char)(0x80 | (cp & 0x3F));
    len = 4;
  }
  emit_bytes(hx, utf8, len);
}

/*
 * Character references. The bytes from '&' on are collected until one
 * cannot continue the reference; then they are decoded or, failing that,
 * emitted as they were.
 */

static void charref_start(struct html_extract *hx, enum hx_state back)
{
  hx->charref[0] = '&';
  hx->charref_len = 1;
  hx->charref_return = back;
  hx->state = HX_CHARREF;
}

static bool charref_is_numeric(const struct html_extract *hx)
{
  return hx->charref_len >= 2 && hx->charref[1] == '#';
}

static bool charref_is_hex(const struct html_extract *hx)
{
  return hx->charref_len >= 3 &&
         (hx->charref[2] == 'x' || hx->charref[2] == 'X');
}

static bool charref_continues(const struct html_extract *hx, unsigned char c)
{
  if(hx->charref_len == 1)
    return c == '#' || is_alpha(c) || is_digit(c);
  if(!charref_is_numeric(hx))
    return is_alpha(c) || is_digit(c);
  if(hx->charref_len == 2)
    return c == 'x' || c == 'X' || is_digit(c);
  if(charref_is_hex(hx))
    return is_hex_digit(c);
  return is_digit(c);
}

static bool charref_decode_numeric(struct html_extract *hx)
{
  size_t i = charref_is_hex(hx) ? 3 : 2;
  uint32_t base = charref_is_hex(hx) ? 16 : 10;
  uint32_t cp = 0;

  if(i == hx->charref_len)
    return false; /* "&#" or "&#x" with no digits */
  for(; i < hx->charref_len; i++) {
    unsigned char d = to_lower((unsigned char)hx->charref[i]);

    cp = cp * base + (uint32_t)(is_digit(d) ? d - '0' : d - 'a' + 10);
    if(cp > 0x10FFFF)
      cp = 0x110000; /* out of range already; stop growing */
  }
  if(!cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
  emit_code_point(hx, cp);
  return true;
}

static bool charref_decode_named(struct html_extract *hx)
{
  const char *name = hx->charref + 1;
  size_t len = hx->charref_len - 1;
  size_t i;

  for(i = 0; i < sizeof(named_refs) / sizeof(named_refs[0]); i++) {
    if(strlen(named_refs[i].name) == len &&
       !memcmp(named_refs[i].name, name, len)) {
      emit_bytes(hx, named_refs[i].text, strlen(named_refs[i].text));
      return true;
    }
  }
  return false;
}

/* Emits what the collected reference stands for, if it is one. */
static bool charref_decode(struct html_extract *hx, bool has_semicolon)
{
  if(charref_is_numeric(hx))
    return charref_decode_numeric(hx);
  return has_semicolon && charref_decode_named(hx);
}

static void charref_char(struct html_extract *hx, unsigned char c)
{
  bool continues = charref_continues(hx, c);

  if(continues && hx->charref_len < CHARREF_MAX) {
    hx->charref[hx->charref_len++] = (char)c;
    return;
  }
  hx->state = hx->charref_return;
  if(continues || !charref_decode(hx, c == ';'))
    emit_bytes(hx, hx->charref, hx->charref_len); /* too long, or text */
  else if(c == ';')
    return;       /* the ';' ended the reference */
  hx_step(hx, c); /* c is not part of it */
}

/*
 * Tags.
 */

/* strcmp() order of two names of known length, either of which may hold
 * a NUL byte. The names are short: a loop beats a call to memcmp(). */
static int name_order(const char *a, size_t a_len, const char *b, size_t b_len)
{
  size_t n = a_len < b_len ? a_len : b_len;

  for(size_t i = 0; i < n; i++) {
    if(a[i] != b[i])
      return (unsigned char)a[i] - (unsigned char)b[i];
  }
  return (a_len > b_len) - (a_len < b_len);
}

/* The entry of tag_kinds that names the current tag, or -1. */
static int tag_index(const struct html_extract *hx)
{
  size_t low = 0;
  size_t high = sizeof(tag_kinds) / sizeof(tag_kinds[0]);

  if(hx->name_len > TAG_NAME_MAX)
    return -1;
  while(low < high) {
    size_t mid = low + (high - low) / 2;
    int order = name_order(hx->name, hx->name_len, tag_kinds[mid].name,
                           tag_kinds[mid].len);

    if(order == 0)
      return (int)mid;
    if(order < 0)
      high = mid;
    else
      low = mid + 1;
  }
  return -1;
}

static void tag_start(struct html_extract *hx, bool is_end, unsigned char c)
{
  hx->state = HX_TAG_NAME;
  hx->is_end_tag = is_end;
  hx->self_closing = false;
  hx->name[0] = (char)to_lower(c);
  hx->name_len = 1;
}

static void tag_name_append(struct html_extract *hx, unsigned char c)
{
  if(hx->name_len < TAG_NAME_MAX)
    hx->name[hx->name_len] = (char)to_lower(c);
  if(hx->name_len <= TAG_NAME_MAX)
    hx->name_len++;
}

static void raw_start(struct html_extract *hx, int tag)
{
  hx->raw_end = tag_kinds[tag].name;
  hx->raw_end_len = tag_kinds[tag].len;
  hx->end_tag_len = 0;
  hx->state = HX_RAWTEXT;
}

static void start_tag(struct html_extract *hx, int tag)
{
  unsigned kind = tag < 0 ? 0 : tag_kinds[tag].kind;

  if(kind & TAG_HIDDEN) {
    if(!hx->self_closing)
      hx->hidden_depth++;
  }
  else if(kind & TAG_RAW)
    raw_start(hx, tag);
  else if((kind & TAG_TITLE) && !hx->hidden_depth) {
    if(hx->title_state == TITLE_NONE)
      hx->title_state = TITLE_OPEN;
    raw_start(hx, tag);
  }
}

static void end_tag(struct html_extract *hx, int tag)
{
  unsigned kind = tag < 0 ? 0 : tag_kinds[tag].kind;

  if((kind & TAG_TITLE) && hx->title_state == TITLE_OPEN)
    hx->title_state = TITLE_CLOSED;
  else if((kind & TAG_HIDDEN) && hx->hidden_depth)
    hx->hidden_depth--;
}

static void tag_complete(struct html_extract *hx)
{
  int tag = tag_index(hx);

  hx->state = HX_TEXT;
  if(tag >= 0 && (tag_kinds[tag].kind & TAG_BLOCK))
    text_space(&hx->snippet);
  if(hx->is_end_tag)
    end_tag(hx, tag);
  else
    start_tag(hx, tag);
}

/*
 * Raw text: script, style and title content runs up to "</" and the
 * element's own name followed by a byte that ends a tag name. Until then
 * every byte is text (for the title) or nothing (script, style); the bytes
 * of a near miss like "</titles" are text after all.
 */

static bool raw_expects(const struct html_extract *hx, unsigned char c)
{
  size_t n = hx->end_tag_len;

  if(n == 0)
    return c == '<';
  if(n == 1)
    return c == '/';
  return n - 2 < hx->raw_end_len && to_lower(c) == hx->raw_end[n - 2];
}

static void raw_end_tag(struct html_extract *hx, unsigned char c)
{
  hx->name_len = hx->raw_end_len;
  memcpy(hx->name, hx->raw_end, hx->name_len);
  hx->is_end_tag = true;
  hx->self_closing = false;
  hx->raw_end = NULL;
  hx->state = HX_ATTRS;
  hx_step(hx, c); /* whitespace, '/' or '>', as in any tag */
}

static void raw_char(struct html_extract *hx, unsigned char c)
{
  bool name_matched = hx->end_tag_len == 2 + hx->raw_end_len;

  if(raw_expects(hx, c)) {
    hx->end_tag[hx->end_tag_len++] = (char)c;
    return;
  }
  if(name_matched && (is_space(c) || c == '/' || c == '>')) {
    raw_end_tag(hx, c);
    return;
  }
  if(hx->end_tag_len) {
    emit_bytes(hx, hx->end_tag, hx->end_tag_len);
    hx->end_tag_len = 0;
    raw_char(hx, c); /* c may start another "</" */
  }
  else if(c == '&' && hx->title_state == TITLE_OPEN)
    charref_start(hx, HX_RAWTEXT);
  else
    emit(hx, c);
}

/*
 * The other states.
 */

static void data_char(struct html_extract *hx, unsigned char c)
{
  if(c == '<')
    hx->state = HX_TAG_OPEN;
  else if(c == '&')
    charref_start(hx, HX_TEXT);
  else
    emit(hx, c);
}

static void tag_open_char(struct html_extract *hx, unsigned char c)
{
  if(c == '!')
    hx->state = HX_MARKUP_OPEN;
  else if(c == '/')
    hx->state = HX_END_TAG_OPEN;
  else if(c == '?')
    hx->state = HX_BOGUS_COMMENT;
  else if(is_alpha(c))
    tag_start(hx, false, c);
  else {
    hx->state = HX_TEXT; /* "a < b": the '<' is text */
    emit(hx, '<');
    hx_step(hx, c);
  }
}

static void end_tag_open_char(struct html_extract *hx, unsigned char c)
{
  if(is_alpha(c))
    tag_start(hx, true, c);
  else if(c == '>')
    hx->state = HX_TEXT; /* "</>" is dropped */
  else
    hx->state = HX_BOGUS_COMMENT;
}

static void tag_name_char(struct html_extract *hx, unsigned char c)
{
  if(is_space(c))
    hx->state = HX_ATTRS;
  else if(c == '/') {
    hx->state = HX_ATTRS;
    hx->self_closing = true;
  }
  else if(c == '>')
    tag_complete(hx);
  else
    tag_name_append(hx, c);
}

/* Only a quote right after '=' opens a value; the '/' of "/>" counts only
   when it comes last. */
static void attrs_char(struct html_extract *hx, unsigned char c)
{
  if(c == '>')
    tag_complete(hx);
  else if(c == '/')
    hx->self_closing = true;
  else {
    hx->self_closing = false;
    if(c == '=')
      hx->state = HX_ATTR_VALUE;
  }
}

static void attr_value_char(struct html_extract *hx, unsigned char c)
{
  if(c == '"')
    hx->state = HX_ATTR_DQUOTED;
  else if(c == '\'')
    hx->state = HX_ATTR_SQUOTED;
  else if(c == '>')
    tag_complete(hx);
  else if(!is_space(c))
    hx->state = HX_ATTR_UNQUOTED;
}

static void attr_unquoted_char(struct html_extract *hx, unsigned char c)
{
  if(is_space(c))
    hx->state = HX_ATTRS;
  else if(c == '>')
    tag_complete(hx);
}

/* "<!x" or "<!-x" does not open a comment: all of it is a bogus comment,
   which may end at this very byte ("<!>"). */
static void bogus_comment(struct html_extract *hx, unsigned char c)
{
  hx->state = HX_BOGUS_COMMENT;
  hx_step(hx, c);
}

static void comment_open(struct html_extract *hx)
{
  hx->state = HX_COMMENT;
  /* As in HTML5, "<!-->" and "<!--->" are complete, empty comments: the
     opening dashes count towards the end. */
  hx->comment_end = COMMENT_DASH_DASH;
}

static void comment_char(struct html_extract *hx, unsigned char c)
{
  enum comment_end seen = hx->comment_end;

  if(c == '>' && seen >= COMMENT_DASH_DASH)
    hx->state = HX_TEXT;
  else if(c == '-')
    hx->comment_end = (seen == COMMENT_DASH || seen == COMMENT_DASH_DASH)
                          ? COMMENT_DASH_DASH
                          : COMMENT_DASH;
  else if(c == '!' && seen == COMMENT_DASH_DASH)
    hx->comment_end = COMMENT_DASH_DASH_BANG;
  else
    hx->comment_end = COMMENT_BODY;
}

static void hx_step(struct html_extract *hx, unsigned char c)
{
  switch(hx->state) {
    case HX_TEXT:
      data_char(hx, c);
      break;
    case HX_CHARREF:
      charref_char(hx, c);
      break;
    case HX_TAG_OPEN:
      tag_open_char(hx, c);
      break;
    case HX_END_TAG_OPEN:
      end_tag_open_char(hx, c);
      break;
    case HX_TAG_NAME:
      tag_name_char(hx, c);
      break;
    case HX_ATTRS:
      attrs_char(hx, c);
      break;
    case HX_ATTR_VALUE:
      attr_value_char(hx, c);
      break;
    case HX_ATTR_UNQUOTED:
      attr_unquoted_char(hx, c);
      break;
    case HX_ATTR_DQUOTED:
      if(c == '"')
        hx->state = HX_ATTRS;
      break;
    case HX_ATTR_SQUOTED:
      if(c == '\'')
        hx->state = HX_ATTRS;
      break;
    case HX_MARKUP_OPEN:
      if(c == '-')
        hx->state = HX_COMMENT_OPEN_DASH;
      else
        bogus_comment(hx, c);
      break;
    case HX_COMMENT_OPEN_DASH:
      if(c == '-')
        comment_open(hx);
      else
        bogus_comment(hx, c);
      break;
    case HX_COMMENT:
      comment_char(hx, c);
      break;
    case HX_BOGUS_COMMENT:
      if(c == '>')
        hx->state = HX_TEXT;
      break;
    case HX_RAWTEXT:
      raw_char(hx, c);
      break;
  }
}

/*
 * Public interface.
 */

struct html_extract *html_extract_new(void)
{
  struct html_extract *hx = malloc(sizeof(*hx));

  if(hx)
    html_extract_reset(hx);
  return hx;
}

void html_extract_reset(struct html_extract *hx)
{
  /* The text buffers need no clearing (text_init ends them at 0): leaving
   * their 2.5 KB alone is most of what reuse saves over a new extractor. */
  memset(hx, 0, offsetof(struct html_extract, title_buf));
  hx->state = HX_TEXT;
  hx->title_state = TITLE_NONE;
  text_init(&hx->title, hx->title_buf, HTML_TITLE_MAX_BYTES, SIZE_MAX);
  text_init(&hx->snippet, hx->snippet_buf, SNIPPET_MAX_BYTES,
            HTML_SNIPPET_CHARS);
}

/* The first of the len bytes at data that is one of the n bytes in stops,
 * or len. */
static size_t span_to(const char *data, size_t len, const char *stops,
                      size_t n)
{
  const char *stop;

  if(n == 1) {
    stop = memchr(data, stops[0], len);
    return stop != NULL ? (size_t)(stop - data) : len;
  }
  for(size_t i = 0; i < len; i++) {
    if(memchr(stops, data[i], n) != NULL)
      return i;
  }
  return len;
}

/* How many of the len bytes at data hx_step() would take without anything
 * to show for it: most of a page is markup and text that goes nowhere, and
 * stepping through it a byte at a time was most of the scanner's time. */
static size_t skippable(struct html_extract *hx, const char *data, size_t len)
{
  const struct text_buf *sink;
  size_t skip;

  switch(hx->state) {
    case HX_ATTR_DQUOTED:
      return span_to(data, len, "\"", 1);
    case HX_ATTR_SQUOTED:
      return span_to(data, len, "'", 1);
    case HX_BOGUS_COMMENT:
      return span_to(data, len, ">", 1);
    case HX_COMMENT:
      /* Only a dash can start the end; anything else leaves the body. */
      return hx->comment_end == COMMENT_BODY ? span_to(data, len, "-", 1) : 0;
    case HX_ATTRS:
      /* Any other byte only clears a '/' seen before it. */
      skip = span_to(data, len, "/=>", 3);
      if(skip > 0)
        hx->self_closing = false;
      return skip;
    case HX_TEXT:
    case HX_RAWTEXT:
      /* Text nobody keeps (hidden, script or style, or after a full
       * snippet) matters only where a tag may start. A raw text element
       * part way into its end tag still needs every byte. */
      sink = text_sink(hx);
      if((sink != NULL && !sink->full) ||
         (hx->state == HX_RAWTEXT && hx->end_tag_len > 0))
        return 0;
      return span_to(data, len, "<", 1);
    default:
      return 0;
  }
}

/* The bytes of a tag name, up to what ends it: tag_name_char() at each, in
 * one loop instead of a dispatch per byte. Returns how many it took. */
static size_t tag_name_run(struct html_extract *hx, const char *data,
                           size_t len)
{
  size_t i;

  for(i = 0; i < len; i++) {
    unsigned char c = (unsigned char)data[i];

    if(is_space(c) || c == '/' || c == '>')
      break;
    tag_name_append(hx, c);
  }
  return i;
}

/* Plain ASCII text going to a sink, up to a byte that needs the state
 * machine ('<', '&', NUL, or anything from 0x80 on, which may be part of a
 * no-break space): what data_char() and emit() do for each, in one loop.
 * Returns how many it took. */
static size_t text_run(struct html_extract *hx, const char *data, size_t len)
{
  struct text_buf *t = text_sink(hx);
  size_t i;

  if(t == NULL)
    return 0;
  for(i = 0; i < len; i++) {
    unsigned char c = (unsigned char)data[i];

    if(c == '<' || c == '&' || c == '\0' || c >= 0x80)
      break;
    if(is_space(c))
      text_space(t);
    else
      text_put(t, c);
  }
  return i;
}

void html_extract_feed(struct html_extract *hx, const char *data, size_t len)
{
  size_t i = 0;
  bool may_skip = true;

  while(i < len && !html_extract_done(hx)) {
    enum hx_state before = hx->state;

    /* Asking at every byte would cost more than it saves: ask when the
     * state changes, and in the two states whose answer changes within. */
    if(may_skip) {
      i += skippable(hx, data + i, len - i);
      if(i == len)
        break;
    }
    /* The two states most bytes of a page are read in run in loops of
     * their own; the byte that ends a run goes through hx_step(). */
    if(hx->state == HX_TAG_NAME)
      i += tag_name_run(hx, data + i, len - i);
    else if(hx->state == HX_TEXT)
      i += text_run(hx, data + i, len - i);
    if(i == len || html_extract_done(hx))
      break;
    hx_step(hx, (unsigned char)data[i++]);
    may_skip = hx->state != before || hx->state == HX_ATTRS ||
               hx->state == HX_COMMENT;
  }
}

bool html_extract_done(const struct html_extract *hx)
{
  bool title_done = hx->title_state == TITLE_CLOSED || hx->title.full;

  return title_done && hx->snippet.full;
}

const char *html_extract_title(const struct html_extract *hx, size_t *len)
{
  if(hx->title_state == TITLE_NONE) {
    if(len)
      *len = 0;
    return NULL;
  }
  if(len)
    *len = hx->title.len;
  return hx->title.buf;
}

const char *html_extract_snippet(const struct html_extract *hx, size_t *len)
{
  if(len)
    *len = hx->snippet.len;
  return hx->snippet.buf;
}

void html_extract_free(struct html_extract *hx)
{
  free(hx);
}
