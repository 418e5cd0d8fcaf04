/*
 * Unit tests for src/html.c.
 */

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "html.h"

#define FFFD "\xEF\xBF\xBD"
#define RANDOM_BYTES (1024 * 1024)

/* Feeds doc[0..len) in chunks of chunk bytes, or all at once for 0. */
static struct html_extract *extract_chunked(const char *doc, size_t len,
                                            size_t chunk)
{
  struct html_extract *hx = html_extract_new();
  size_t pos = 0;

  ck_assert_ptr_nonnull(hx);
  if(!chunk)
    chunk = len;
  while(pos < len) {
    size_t n = len - pos < chunk ? len - pos : chunk;

    html_extract_feed(hx, doc + pos, n);
    pos += n;
  }
  return hx;
}

static struct html_extract *extract(const char *doc)
{
  return extract_chunked(doc, strlen(doc), 0);
}

static void assert_title(const struct html_extract *hx, const char *want)
{
  size_t len;
  const char *title = html_extract_title(hx, &len);

  if(!want) {
    ck_assert_ptr_null(title);
    ck_assert_uint_eq(len, 0);
    return;
  }
  ck_assert_ptr_nonnull(title);
  ck_assert_uint_eq(len, strlen(want));
  ck_assert_str_eq(title, want);
}

static void assert_snippet(const struct html_extract *hx, const char *want)
{
  size_t len;
  const char *snippet = html_extract_snippet(hx, &len);

  ck_assert_ptr_nonnull(snippet);
  ck_assert_uint_eq(len, strlen(want));
  ck_assert_str_eq(snippet, want);
}

/* Extracts doc whole and checks both outputs. */
static void check_doc(const char *doc, const char *want_title,
                      const char *want_snippet)
{
  struct html_extract *hx = extract(doc);

  assert_title(hx, want_title);
  assert_snippet(hx, want_snippet);
  html_extract_free(hx);
}

/* Characters as the snippet limit counts them. */
static size_t count_chars(const char *s, size_t len)
{
  size_t chars = 0;
  size_t i;

  for(i = 0; i < len; i++) {
    if(((unsigned char)s[i] & 0xC0) != 0x80)
      chars++;
  }
  return chars;
}

/* A string of n copies of unit. */
static char *repeat(const char *unit, size_t n)
{
  size_t len = strlen(unit);
  char *s = malloc(len * n + 1);
  size_t i;

  ck_assert_ptr_nonnull(s);
  for(i = 0; i < n; i++)
    memcpy(s + i * len, unit, len);
  s[len * n] = '\0';
  return s;
}

/* A document with the given title and body text. */
static char *page(const char *title, const char *body)
{
  const char *head = "<html><title>";
  const char *mid = "</title><body>";
  size_t len = strlen(head) + strlen(title) + strlen(mid) + strlen(body);
  char *s = malloc(len + 1);

  ck_assert_ptr_nonnull(s);
  strcpy(s, head);
  strcat(s, title);
  strcat(s, mid);
  strcat(s, body);
  return s;
}

/* xorshift64: a fixed seed makes the "random" tests reproducible. */
static uint64_t next_random(uint64_t *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

/* Checks the promises html.h makes about any output, whatever the input. */
static void assert_well_formed_output(const char *s, size_t len,
                                      size_t max_bytes)
{
  size_t i;

  ck_assert_uint_le(len, max_bytes);
  ck_assert_uint_eq(strlen(s), len); /* NUL-terminated, no NUL inside */
  if(!len)
    return;
  ck_assert_int_ne(s[0], ' ');
  ck_assert_int_ne(s[len - 1], ' ');
  for(i = 0; i < len; i++) {
    ck_assert(s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '\f' &&
              s[i] != '\v');
    ck_assert(!(s[i] == ' ' && i + 1 < len && s[i + 1] == ' '));
  }
}

static void assert_bounded(const struct html_extract *hx)
{
  size_t len;
  const char *title = html_extract_title(hx, &len);
  const char *snippet;

  if(title)
    assert_well_formed_output(title, len, HTML_TITLE_MAX_BYTES);
  snippet = html_extract_snippet(hx, &len);
  assert_well_formed_output(snippet, len, 4 * HTML_SNIPPET_CHARS);
  ck_assert_uint_le(count_chars(snippet, len), HTML_SNIPPET_CHARS);
}

static void assert_same_output(const struct html_extract *a,
                               const struct html_extract *b)
{
  size_t alen;
  size_t blen;
  const char *at = html_extract_title(a, &alen);
  const char *bt = html_extract_title(b, &blen);

  ck_assert((at == NULL) == (bt == NULL));
  ck_assert_uint_eq(alen, blen);
  if(at)
    ck_assert_mem_eq(at, bt, alen);
  at = html_extract_snippet(a, &alen);
  bt = html_extract_snippet(b, &blen);
  ck_assert_uint_eq(alen, blen);
  ck_assert_mem_eq(at, bt, alen);
  ck_assert(html_extract_done(a) == html_extract_done(b));
}

/*
 * Title.
 */

START_TEST(test_simple_title)
{
  check_doc("<html><head><title>Hello World</title></head></html>",
            "Hello World", "");
}
END_TEST

START_TEST(test_title_tag_name_is_case_insensitive)
{
  check_doc("<TITLE>Shout</TiTlE >", "Shout", "");
}
END_TEST

START_TEST(test_title_named_references)
{
  check_doc("<title>Fish &amp; Chips &lt;3 &gt; &quot;q&quot; &apos;a&apos;"
            "</title>",
            "Fish & Chips <3 > \"q\" 'a'", "");
}
END_TEST

START_TEST(test_title_numeric_references)
{
  check_doc("<title>&#65;&#x42;&#X43;&#233;&#x20AC;&#128512;</title>",
            "ABC\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "");
}
END_TEST

START_TEST(test_invalid_numeric_references_become_fffd)
{
  check_doc("<title>&#0;|&#xD800;|&#xDFFF;|&#x110000;|&#99999999999999;"
            "</title>",
            FFFD "|" FFFD "|" FFFD "|" FFFD "|" FFFD, "");
}
END_TEST

START_TEST(test_numeric_reference_without_semicolon)
{
  check_doc("<title>&#65B &#x41g &#66</title>", "AB Ag B", "");
}
END_TEST

START_TEST(test_unknown_reference_stays_literal)
{
  check_doc("<title>AT&T &foo; & &#; &#x; &AMP;</title>",
            "AT&T &foo; & &#; &#x; &AMP;", "");
}
END_TEST

START_TEST(test_named_reference_needs_semicolon)
{
  check_doc("<title>&amp x</title>", "&amp x", "");
}
END_TEST

START_TEST(test_overlong_reference_stays_literal)
{
  const char *ref = "&#0000000000000000000000000000000000000065;";
  char *doc = page(ref, "");
  struct html_extract *hx = extract(doc);

  assert_title(hx, ref);
  html_extract_free(hx);
  free(doc);
}
END_TEST

START_TEST(test_title_whitespace_collapsed_and_trimmed)
{
  check_doc("<title>\n\t  Hello \r\n  World \f\v </title>", "Hello World", "");
}
END_TEST

START_TEST(test_nbsp_is_whitespace)
{
  check_doc("<title>&nbsp;a&nbsp;&nbsp; \xC2\xA0"
            "b&#160;&#xa0;</title>",
            "a b", "");
}
END_TEST

START_TEST(test_tags_inside_title_are_text)
{
  check_doc("<title>a <b>bold</b> <!-- c --></title>",
            "a <b>bold</b> <!-- c -->", "");
}
END_TEST

START_TEST(test_title_end_needs_whole_name)
{
  check_doc("<title>a</titles>b</tit</title>", "a</titles>b</tit", "");
}
END_TEST

START_TEST(test_no_title_gives_null)
{
  check_doc("<html><body><p>text</p></body></html>", NULL, "text");
}
END_TEST

START_TEST(test_empty_title_gives_empty_string)
{
  check_doc("<title></title>", "", "");
  check_doc("<title> \n </title>", "", "");
}
END_TEST

START_TEST(test_first_title_wins)
{
  check_doc("<title>one</title><p>x</p><title>two</title>y", "one", "x y");
}
END_TEST

START_TEST(test_unclosed_title_keeps_collected_text)
{
  check_doc("<title>abc ", "abc", "");
}
END_TEST

START_TEST(test_title_in_svg_is_not_page_title)
{
  check_doc("<svg><title>icon</title></svg><title>page</title>", "page", "");
}
END_TEST

START_TEST(test_huge_title_cut_to_max_bytes)
{
  char *title = repeat("a", 5000);
  char *doc = page(title, "");
  struct html_extract *hx = extract(doc);
  size_t len;

  ck_assert_ptr_nonnull(html_extract_title(hx, &len));
  ck_assert_uint_eq(len, HTML_TITLE_MAX_BYTES);
  ck_assert_mem_eq(html_extract_title(hx, NULL), title, len);
  html_extract_free(hx);
  free(doc);
  free(title);
}
END_TEST

START_TEST(test_huge_title_cut_at_character_boundary)
{
  char *title = repeat("\xE2\x82\xAC", 1000); /* 3000 bytes of € */
  char *doc = page(title, "");
  struct html_extract *hx = extract(doc);
  size_t len;

  html_extract_title(hx, &len);
  ck_assert_uint_eq(len, HTML_TITLE_MAX_BYTES / 3 * 3);
  ck_assert_mem_eq(html_extract_title(hx, NULL), title, len);
  html_extract_free(hx);
  free(doc);
  free(title);
}
END_TEST

START_TEST(test_title_cut_drops_space_before_partial_character)
{
  char *title = repeat("a", HTML_TITLE_MAX_BYTES - 2);
  char *doc;
  struct html_extract *hx;
  size_t len;

  title = realloc(title, HTML_TITLE_MAX_BYTES + 8);
  ck_assert_ptr_nonnull(title);
  strcat(title, " \xE2\x82\xAC"); /* the € would straddle the limit */
  doc = page(title, "");
  hx = extract(doc);
  html_extract_title(hx, &len);
  ck_assert_uint_eq(len, HTML_TITLE_MAX_BYTES - 2);
  html_extract_free(hx);
  free(doc);
  free(title);
}
END_TEST

/* The C2 of a no-break space fills the title to its limit; the A0 that
   follows turns it back into whitespace, which leaves room for more text. */
START_TEST(test_nbsp_at_title_limit_is_whitespace)
{
  char *title = repeat("a", HTML_TITLE_MAX_BYTES - 2);
  char *want = repeat("a", HTML_TITLE_MAX_BYTES - 2);
  char *doc;
  struct html_extract *hx;

  title = realloc(title, HTML_TITLE_MAX_BYTES + 8);
  want = realloc(want, HTML_TITLE_MAX_BYTES + 8);
  ck_assert_ptr_nonnull(title);
  ck_assert_ptr_nonnull(want);
  strcat(title, " \xC2\xA0"
                "b");
  strcat(want, " b");
  doc = page(title, "");
  hx = extract(doc);
  assert_title(hx, want);
  html_extract_free(hx);
  free(doc);
  free(want);
  free(title);
}
END_TEST

START_TEST(test_split_nbsp_bytes_stay_raw)
{
  check_doc("\xC2 \xA0x", NULL, "\xC2 \xA0x");
}
END_TEST

START_TEST(test_invalid_utf8_passes_through_raw)
{
  check_doc("<title>\xFF\xFE a\xC3</title>\xC0\xAF \xED\xA0\x80",
            "\xFF\xFE a\xC3", "\xC0\xAF \xED\xA0\x80");
}
END_TEST

START_TEST(test_nul_bytes_dropped)
{
  static const char doc[] = "<title>a\0b</title>c\0d";
  struct html_extract *hx = extract_chunked(doc, sizeof(doc) - 1, 0);

  assert_title(hx, "ab");
  assert_snippet(hx, "cd");
  html_extract_free(hx);
}
END_TEST

/*
 * Snippet.
 */

START_TEST(test_title_text_not_in_snippet)
{
  check_doc("<title>T</title>Body", "T", "Body");
}
END_TEST

START_TEST(test_snippet_skips_script_and_style)
{
  check_doc("<script>var a = '<p>x</p>';</script><style>p { }</style>Hi", NULL,
            "Hi");
}
END_TEST

START_TEST(test_script_ends_only_at_its_own_end_tag)
{
  check_doc("<script>a</style>b</scriptx>c<!--d--></SCRIPT\n>e", NULL, "e");
}
END_TEST

START_TEST(test_comment_hides_end_tag_like_text)
{
  check_doc("<!-- </script> <title>x</title> -- > --!x -->A<!-->B<!--->C"
            "<!--x--!>D",
            NULL, "ABCD");
}
END_TEST

START_TEST(test_doctype_cdata_and_pi_hidden)
{
  check_doc("<!DOCTYPE html><?xml version=\"1.0\"?><![CDATA[x]]>Hi<!>!", NULL,
            "Hi!");
}
END_TEST

/* As in HTML5 (and browsers) outside SVG and MathML: the bogus comment that
   "<![CDATA[" starts ends at the first '>'. */
START_TEST(test_cdata_ends_at_first_gt)
{
  check_doc("<![CDATA[a>b]]>", NULL, "b]]>");
}
END_TEST

START_TEST(test_quoted_gt_inside_attribute)
{
  check_doc("<a title=\"x>y\" data-z='1>2' href=u>link</a>", NULL, "link");
}
END_TEST

START_TEST(test_lone_lt_is_text)
{
  check_doc("a < b <3 </> c", NULL, "a < b <3 c");
}
END_TEST

START_TEST(test_block_tags_separate_words)
{
  check_doc("<p>one</p><p>two</p>three<br>four<li>five<DIV>six", NULL,
            "one two three four five six");
}
END_TEST

/* Every block-level name, in either case, and names a letter away from
 * one, which are inline: the lookup must neither miss nor over-match. */
START_TEST(test_every_block_tag_and_no_near_miss_separates_words)
{
  static const char *const blocks[] = {
    "address",  "article",    "aside",   "blockquote", "body",  "br",
    "caption",  "dd",         "details", "div",        "dl",    "dt",
    "fieldset", "figcaption", "figure",  "footer",     "form",  "h1",
    "h2",       "h3",         "h4",      "h5",         "h6",    "head",
    "header",   "hr",         "html",    "legend",     "li",    "main",
    "nav",      "ol",         "option",  "p",          "pre",   "section",
    "summary",  "table",      "tbody",   "td",         "tfoot", "th",
    "thead",    "tr",         "ul"
  };
  static const char *const inline_names[] = {
    "a",   "addresss", "b",       "bod", "d",  "dz", "h",   "h0", "h7",
    "hea", "heade",    "headers", "htm", "l",  "ma", "n",   "o",  "pr",
    "q",   "sectio",   "t",       "tab", "tt", "u",  "ulx", "zz"
  };
  char doc[64];

  for(size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
    snprintf(doc, sizeof(doc), "one<%s>two", blocks[i]);
    check_doc(doc, NULL, "one two");
    for(char *c = doc; *c; c++)
      *c = (char)toupper((unsigned char)*c);
    check_doc(doc, NULL, "ONE TWO");
  }
  for(size_t i = 0; i < sizeof(inline_names) / sizeof(inline_names[0]); i++) {
    snprintf(doc, sizeof(doc), "one<%s>two", inline_names[i]);
    check_doc(doc, NULL, "onetwo");
  }
}
END_TEST

START_TEST(test_inline_tags_do_not_separate_words)
{
  check_doc("<b>Hel</b>lo <span>wor</span><i>ld</i><a href=x>!</a>", NULL,
            "Hello world!");
}
END_TEST

START_TEST(test_hidden_elements_skipped)
{
  check_doc("<noscript>ns</noscript><template>t<template>u</template>v"
            "</template><svg/>A<svg><text>s</text></svg>B",
            NULL, "AB");
}
END_TEST

START_TEST(test_snippet_whitespace_collapsed_and_trimmed)
{
  check_doc("<body>\n  <p> Hello,\t\n world </p>\n</body>\n", NULL,
            "Hello, world");
}
END_TEST

START_TEST(test_snippet_references_decoded)
{
  check_doc("<p>a &lt;b&gt; &#x26; &copy;</p>", NULL, "a <b> & &copy;");
}
END_TEST

START_TEST(test_snippet_exactly_100_multibyte_chars)
{
  char *text = repeat("\xC3\xA9", 150); /* é */
  char *want = repeat("\xC3\xA9", HTML_SNIPPET_CHARS);
  char *doc = page("t", text);
  struct html_extract *hx = extract(doc);

  assert_snippet(hx, want);
  html_extract_free(hx);
  free(doc);
  free(want);
  free(text);
}
END_TEST

START_TEST(test_snippet_four_byte_chars_fill_byte_limit)
{
  char *text = repeat("\xF0\x9F\x98\x80", 120); /* 😀 */
  char *want = repeat("\xF0\x9F\x98\x80", HTML_SNIPPET_CHARS);
  char *doc = page("t", text);
  struct html_extract *hx = extract(doc);

  assert_snippet(hx, want);
  html_extract_free(hx);
  free(doc);
  free(want);
  free(text);
}
END_TEST

START_TEST(test_snippet_cut_leaves_no_trailing_space)
{
  char *word = repeat("a", HTML_SNIPPET_CHARS - 1);
  char *doc;
  struct html_extract *hx;

  word = realloc(word, HTML_SNIPPET_CHARS + 8);
  ck_assert_ptr_nonnull(word);
  strcat(word, " bcd");
  doc = page("t", word);
  hx = extract(doc);
  word[HTML_SNIPPET_CHARS - 1] = '\0';
  assert_snippet(hx, word);
  html_extract_free(hx);
  free(doc);
  free(word);
}
END_TEST

START_TEST(test_empty_document)
{
  check_doc("", NULL, "");
}
END_TEST

/*
 * Streaming.
 */

static const char *const documents[] = {
  "<html><head><title>Hello World</title></head></html>",
  "<title>Fish &amp; Chips &#233;&#x20AC; &#65B &#0; &bogus; &</title>",
  "<title>a <b>bold</b></titles> x</TITLE >rest",
  "<!DOCTYPE html><!-- </script> -- > --><p>Hi<b>Hel</b>lo</p>",
  "<script>if(a<b)x='</scr'+'ipt>';</script><style>p{}</style>Text",
  "<a title=\"x>y\" b='1>2' c=d>link</a><br/>after &nbsp;\xC2\xA0 nbsp",
  "<svg><title>icon</title></svg><template>t</template><title>p</title>",
  "a < b &#x110000; &#xD800 \xFF\xC3 <![CDATA[z]]> <?pi?> end",
  "<title>\xE2\x82\xAC\xE2\x82\xAC</title>\xF0\x9F\x98\x80 \xC3\xA9",
  "<p>"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbb</p><title>late</title>",
};

START_TEST(test_byte_at_a_time_matches_whole_document)
{
  size_t i;

  for(i = 0; i < sizeof(documents) / sizeof(documents[0]); i++) {
    size_t len = strlen(documents[i]);
    struct html_extract *whole = extract_chunked(documents[i], len, 0);
    struct html_extract *bytes = extract_chunked(documents[i], len, 1);
    struct html_extract *sevens = extract_chunked(documents[i], len, 7);

    assert_same_output(whole, bytes);
    assert_same_output(whole, sevens);
    html_extract_free(whole);
    html_extract_free(bytes);
    html_extract_free(sevens);
  }
}
END_TEST

START_TEST(test_random_bytes_stay_bounded)
{
  uint64_t state = 0x9E3779B97F4A7C15u;
  char *data = malloc(RANDOM_BYTES);
  struct html_extract *whole;
  struct html_extract *chunked;
  size_t pos = 0;
  size_t i;

  ck_assert_ptr_nonnull(data);
  for(i = 0; i < RANDOM_BYTES; i++)
    data[i] = (char)(next_random(&state) >> 56);

  whole = extract_chunked(data, RANDOM_BYTES, 0);
  chunked = html_extract_new();
  ck_assert_ptr_nonnull(chunked);
  while(pos < RANDOM_BYTES) {
    size_t n = (size_t)(next_random(&state) % 4096) + 1;

    if(n > RANDOM_BYTES - pos)
      n = RANDOM_BYTES - pos;
    html_extract_feed(chunked, data + pos, n);
    pos += n;
  }
  assert_bounded(whole);
  assert_same_output(whole, chunked);
  html_extract_free(whole);
  html_extract_free(chunked);
  free(data);
}
END_TEST

/* Random bytes rarely form markup; a soup of markup fragments reaches the
   deeper states (titles, references, comments, raw text) much more often. */
START_TEST(test_random_markup_soup_stays_bounded)
{
  static const char *const pieces[] = { "<",     ">",
                                        "</",    "<!--",
                                        "-->",   "--!>",
                                        "<!",    "<?",
                                        "&",     "&#",
                                        "&#x",   ";",
                                        "amp",   "nbsp",
                                        "9",     "F",
                                        "\"",    "'",
                                        "=",     " ",
                                        "\n",    "/",
                                        "-",     "title",
                                        "TITLE", "script",
                                        "style", "svg",
                                        "p",     "b",
                                        "x",     "\xC2",
                                        "\xA0",  "\xE2\x82\xAC",
                                        "\x80",  "\xFF",
                                        "\0" };
  size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
  uint64_t state = 42;
  char *data = malloc(RANDOM_BYTES + 8);
  size_t len = 0;
  size_t round;

  ck_assert_ptr_nonnull(data);
  while(len < RANDOM_BYTES) {
    const char *piece = pieces[next_random(&state) % npieces];
    size_t n = *piece ? strlen(piece) : 1; /* "\0" is one NUL byte */

    memcpy(data + len, piece, n);
    len += n;
  }

  /* Many short documents, so that many titles and snippets get built. */
  for(round = 0; round < 256; round++) {
    size_t start = round * (len / 256);
    struct html_extract *whole = extract_chunked(data + start, len / 256, 0);
    struct html_extract *bytes = extract_chunked(data + start, len / 256, 1);

    assert_bounded(whole);
    assert_same_output(whole, bytes);
    html_extract_free(whole);
    html_extract_free(bytes);
  }
  free(data);
}
END_TEST

START_TEST(test_done_after_title_and_full_snippet)
{
  char *text = repeat("word ", 40);
  char *doc = page("T", text);
  struct html_extract *hx = html_extract_new();
  size_t len = strlen(doc);
  size_t i;

  ck_assert_ptr_nonnull(hx);
  for(i = 0; i < len && !html_extract_done(hx); i++)
    html_extract_feed(hx, doc + i, 1);
  ck_assert(html_extract_done(hx));
  ck_assert_uint_lt(i, len); /* done before the end of the text */
  html_extract_free(hx);
  free(doc);
  free(text);
}
END_TEST

START_TEST(test_not_done_without_title)
{
  char *text = repeat("word ", 40);
  struct html_extract *hx = extract(text);

  ck_assert(!html_extract_done(hx));
  html_extract_free(hx);
  free(text);
}
END_TEST

START_TEST(test_bytes_after_done_change_nothing)
{
  char *text = repeat("word ", 40);
  char *doc = page("T", text);
  struct html_extract *hx = extract(doc);
  struct html_extract *more = extract(doc);
  const char *tail = "<title>other</title><p>more text</p>";

  ck_assert(html_extract_done(more));
  html_extract_feed(more, tail, strlen(tail));
  assert_same_output(hx, more);
  html_extract_free(hx);
  html_extract_free(more);
  free(doc);
  free(text);
}
END_TEST

static Suite *html_suite(void)
{
  Suite *s = suite_create("html");
  TCase *title = tcase_create("title");
  TCase *snippet = tcase_create("snippet");
  TCase *streaming = tcase_create("streaming");

  tcase_add_test(title, test_simple_title);
  tcase_add_test(title, test_title_tag_name_is_case_insensitive);
  tcase_add_test(title, test_title_named_references);
  tcase_add_test(title, test_title_numeric_references);
  tcase_add_test(title, test_invalid_numeric_references_become_fffd);
  tcase_add_test(title, test_numeric_reference_without_semicolon);
  tcase_add_test(title, test_unknown_reference_stays_literal);
  tcase_add_test(title, test_named_reference_needs_semicolon);
  tcase_add_test(title, test_overlong_reference_stays_literal);
  tcase_add_test(title, test_title_whitespace_collapsed_and_trimmed);
  tcase_add_test(title, test_nbsp_is_whitespace);
  tcase_add_test(title, test_tags_inside_title_are_text);
  tcase_add_test(title, test_title_end_needs_whole_name);
  tcase_add_test(title, test_no_title_gives_null);
  tcase_add_test(title, test_empty_title_gives_empty_string);
  tcase_add_test(title, test_first_title_wins);
  tcase_add_test(title, test_unclosed_title_keeps_collected_text);
  tcase_add_test(title, test_title_in_svg_is_not_page_title);
  tcase_add_test(title, test_huge_title_cut_to_max_bytes);
  tcase_add_test(title, test_huge_title_cut_at_character_boundary);
  tcase_add_test(title, test_title_cut_drops_space_before_partial_character);
  tcase_add_test(title, test_nbsp_at_title_limit_is_whitespace);
  tcase_add_test(title, test_split_nbsp_bytes_stay_raw);
  tcase_add_test(title, test_invalid_utf8_passes_through_raw);
  tcase_add_test(title, test_nul_bytes_dropped);
  suite_add_tcase(s, title);

  tcase_add_test(snippet, test_title_text_not_in_snippet);
  tcase_add_test(snippet, test_snippet_skips_script_and_style);
  tcase_add_test(snippet, test_script_ends_only_at_its_own_end_tag);
  tcase_add_test(snippet, test_comment_hides_end_tag_like_text);
  tcase_add_test(snippet, test_doctype_cdata_and_pi_hidden);
  tcase_add_test(snippet, test_cdata_ends_at_first_gt);
  tcase_add_test(snippet, test_quoted_gt_inside_attribute);
  tcase_add_test(snippet, test_lone_lt_is_text);
  tcase_add_test(snippet, test_block_tags_separate_words);
  tcase_add_test(snippet,
                 test_every_block_tag_and_no_near_miss_separates_words);
  tcase_add_test(snippet, test_inline_tags_do_not_separate_words);
  tcase_add_test(snippet, test_hidden_elements_skipped);
  tcase_add_test(snippet, test_snippet_whitespace_collapsed_and_trimmed);
  tcase_add_test(snippet, test_snippet_references_decoded);
  tcase_add_test(snippet, test_snippet_exactly_100_multibyte_chars);
  tcase_add_test(snippet, test_snippet_four_byte_chars_fill_byte_limit);
  tcase_add_test(snippet, test_snippet_cut_leaves_no_trailing_space);
  tcase_add_test(snippet, test_empty_document);
  suite_add_tcase(s, snippet);

  tcase_add_test(streaming, test_byte_at_a_time_matches_whole_document);
  tcase_add_test(streaming, test_random_bytes_stay_bounded);
  tcase_add_test(streaming, test_random_markup_soup_stays_bounded);
  tcase_add_test(streaming, test_done_after_title_and_full_snippet);
  tcase_add_test(streaming, test_not_done_without_title);
  tcase_add_test(streaming, test_bytes_after_done_change_nothing);
  /* the random tests run slowly under sanitizers */
  tcase_set_timeout(streaming, 120);
  suite_add_tcase(s, streaming);

  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(html_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
