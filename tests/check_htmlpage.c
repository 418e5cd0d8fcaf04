/*
 * Unit tests for src/htmlpage.c: a page's title, snippet and links as
 * libxml2 reads them, fed whole or in pieces of any size.
 */

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "htmlpage.h"
#include "pagelinks.h"

#define FFFD "\xEF\xBF\xBD"
#define RANDOM_BYTES (1024 * 1024)
#define PAGE_URL "http://h.test/d/page.html"

/* A page read: the parser and, when links were asked for, its links. */
struct read {
  struct htmlpage *page;
  struct pagelinks *links;
};

/* Feeds doc[0..len) in pieces of chunk bytes (0: whole) and finishes. */
static struct read read_chunked(const char *doc, size_t len, size_t chunk,
                                bool links)
{
  struct read r = { htmlpage_new(), links ? pagelinks_new() : NULL };
  size_t pos = 0;

  ck_assert_ptr_nonnull(r.page);
  if(links) {
    ck_assert_ptr_nonnull(r.links);
    pagelinks_reset(r.links, PAGE_URL);
  }
  ck_assert_int_eq(htmlpage_start(r.page, r.links), 0);
  if(!chunk)
    chunk = len;
  while(pos < len) {
    size_t n = len - pos < chunk ? len - pos : chunk;

    htmlpage_feed(r.page, doc + pos, n);
    pos += n;
  }
  htmlpage_finish(r.page);
  return r;
}

static struct read read_doc(const char *doc)
{
  return read_chunked(doc, strlen(doc), 0, true);
}

static void read_free(struct read *r)
{
  htmlpage_free(r->page);
  pagelinks_free(r->links);
}

static void assert_title(const struct htmlpage *page, const char *want)
{
  size_t len;
  const char *title = htmlpage_title(page, &len);

  if(!want) {
    ck_assert_ptr_null(title);
    ck_assert_uint_eq(len, 0);
    return;
  }
  ck_assert_ptr_nonnull(title);
  ck_assert_str_eq(title, want);
  ck_assert_uint_eq(len, strlen(want));
}

static void assert_snippet(const struct htmlpage *page, const char *want)
{
  size_t len;
  const char *snippet = htmlpage_snippet(page, &len);

  ck_assert_ptr_nonnull(snippet);
  ck_assert_str_eq(snippet, want);
  ck_assert_uint_eq(len, strlen(want));
}

/* The kept links as their "u1","u2" text. */
static void assert_links(const struct read *r, const char *want)
{
  size_t len;
  const char *urls = pagelinks_urls(r->links, &len);

  ck_assert_uint_eq(len, strlen(want));
  ck_assert_mem_eq(urls, want, len);
}

/* Reads doc whole and checks title and snippet. */
static void check_doc(const char *doc, const char *want_title,
                      const char *want_snippet)
{
  struct read r = read_doc(doc);

  assert_title(r.page, want_title);
  assert_snippet(r.page, want_snippet);
  read_free(&r);
}

/* Reads doc whole and checks its links. */
static void check_links(const char *doc, const char *want)
{
  struct read r = read_doc(doc);

  assert_links(&r, want);
  read_free(&r);
}

/* Characters as the snippet limit counts them. */
static size_t count_chars(const char *s, size_t len)
{
  size_t chars = 0;

  for(size_t i = 0; i < len; i++) {
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

  ck_assert_ptr_nonnull(s);
  for(size_t i = 0; i < n; i++)
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

/* What htmlpage.h promises of any output, whatever the input. */
static void assert_well_formed_output(const char *s, size_t len,
                                      size_t max_bytes)
{
  ck_assert_uint_le(len, max_bytes);
  ck_assert_uint_eq(strlen(s), len); /* NUL-terminated, no NUL inside */
  if(!len)
    return;
  ck_assert_int_ne(s[0], ' ');
  ck_assert_int_ne(s[len - 1], ' ');
  for(size_t i = 0; i < len; i++) {
    ck_assert(s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '\f' &&
              s[i] != '\v');
    ck_assert(!(s[i] == ' ' && i + 1 < len && s[i + 1] == ' '));
  }
}

static void assert_bounded(const struct htmlpage *page)
{
  size_t len;
  const char *title = htmlpage_title(page, &len);
  const char *snippet;

  if(title)
    assert_well_formed_output(title, len, HTML_TITLE_MAX_BYTES);
  snippet = htmlpage_snippet(page, &len);
  assert_well_formed_output(snippet, len, 4 * HTML_SNIPPET_CHARS);
  ck_assert_uint_le(count_chars(snippet, len), HTML_SNIPPET_CHARS);
}

static void assert_same_output(const struct read *a, const struct read *b)
{
  size_t alen;
  size_t blen;
  const char *at = htmlpage_title(a->page, &alen);
  const char *bt = htmlpage_title(b->page, &blen);

  ck_assert((at == NULL) == (bt == NULL));
  ck_assert_uint_eq(alen, blen);
  if(at)
    ck_assert_mem_eq(at, bt, alen);
  at = htmlpage_snippet(a->page, &alen);
  bt = htmlpage_snippet(b->page, &blen);
  ck_assert_uint_eq(alen, blen);
  ck_assert_mem_eq(at, bt, alen);
  ck_assert(htmlpage_repaired(a->page) == htmlpage_repaired(b->page));
  if(a->links != NULL && b->links != NULL) {
    at = pagelinks_urls(a->links, &alen);
    bt = pagelinks_urls(b->links, &blen);
    ck_assert_uint_eq(alen, blen);
    ck_assert_mem_eq(at, bt, alen);
    ck_assert_int_eq(pagelinks_found(a->links), pagelinks_found(b->links));
  }
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
  check_doc("<title>Fish &amp; Chips &lt;3 &gt; &quot;q&quot; &eacute;"
            "&copy;</title>",
            "Fish & Chips <3 > \"q\" \xC3\xA9\xC2\xA9", "");
}
END_TEST

START_TEST(test_title_numeric_references)
{
  check_doc("<title>&#65;&#x42;&#X43;&#233;&#x20AC;&#128512;</title>",
            "ABC\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "");
}
END_TEST

/* libxml2 drops a reference to no character at all. */
START_TEST(test_references_to_no_character_are_dropped)
{
  check_doc("<title>&#0;|&#xD800;|&#x110000;|&#99999999999999;</title>", "|||",
            "");
}
END_TEST

START_TEST(test_numeric_reference_without_semicolon)
{
  check_doc("<title>&#65B &#x41g &#66</title>", "AB Ag B", "");
}
END_TEST

START_TEST(test_unknown_reference_stays_literal)
{
  check_doc("<title>AT&T &foo; & &AMP; &amp x</title>",
            "AT&T &foo; & &AMP; &amp x", "");
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

/* Not RCDATA as in HTML5: libxml2 reads tags inside a title as markup. */
START_TEST(test_tags_inside_title_are_markup)
{
  check_doc("<title>a <b>bold</b> <!-- c --></title>", "a bold", "");
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
  struct read r = read_doc(doc);
  size_t len;

  ck_assert_ptr_nonnull(htmlpage_title(r.page, &len));
  ck_assert_uint_eq(len, HTML_TITLE_MAX_BYTES);
  ck_assert_mem_eq(htmlpage_title(r.page, NULL), title, len);
  read_free(&r);
  free(doc);
  free(title);
}
END_TEST

START_TEST(test_huge_title_cut_at_character_boundary)
{
  char *title = repeat("\xE2\x82\xAC", 1000); /* 3000 bytes of € */
  char *doc = page(title, "");
  struct read r = read_doc(doc);
  size_t len;

  htmlpage_title(r.page, &len);
  ck_assert_uint_eq(len, HTML_TITLE_MAX_BYTES / 3 * 3);
  ck_assert_mem_eq(htmlpage_title(r.page, NULL), title, len);
  read_free(&r);
  free(doc);
  free(title);
}
END_TEST

START_TEST(test_title_cut_drops_space_before_partial_character)
{
  char *title = repeat("a", HTML_TITLE_MAX_BYTES - 2);
  char *doc;
  struct read r;
  size_t len;

  title = realloc(title, HTML_TITLE_MAX_BYTES + 8);
  ck_assert_ptr_nonnull(title);
  strcat(title, " \xE2\x82\xAC"); /* the € would straddle the limit */
  doc = page(title, "");
  r = read_doc(doc);
  htmlpage_title(r.page, &len);
  ck_assert_uint_eq(len, HTML_TITLE_MAX_BYTES - 2);
  read_free(&r);
  free(doc);
  free(title);
}
END_TEST

/* A no-break space at the limit is whitespace, and a word still fits. */
START_TEST(test_nbsp_at_title_limit_is_whitespace)
{
  char *title = repeat("a", HTML_TITLE_MAX_BYTES - 2);
  char *want = repeat("a", HTML_TITLE_MAX_BYTES - 2);
  char *doc;
  struct read r;

  title = realloc(title, HTML_TITLE_MAX_BYTES + 8);
  want = realloc(want, HTML_TITLE_MAX_BYTES + 8);
  ck_assert_ptr_nonnull(title);
  ck_assert_ptr_nonnull(want);
  strcat(title, " \xC2\xA0"
                "b");
  strcat(want, " b");
  doc = page(title, "");
  r = read_doc(doc);
  assert_title(r.page, want);
  read_free(&r);
  free(doc);
  free(want);
  free(title);
}
END_TEST

/*
 * Encoding.
 */

/* Each maximal subpart becomes one U+FFFD, as utf8_sanitize() does, and
 * the valid UTF-8 after it stays UTF-8: libxml2 given the bytes itself
 * would read "caf\xC3\xA9" as Latin-1 from there on. */
START_TEST(test_invalid_utf8_becomes_fffd_and_says_so)
{
  struct read r = read_doc("<title>bad \xFF\xFE title \xC3\x28 end</title>"
                           "<p>caf\xC3\xA9 \xC0\xAF \xED\xA0\x80</p>");

  assert_title(r.page, "bad " FFFD FFFD " title " FFFD "( end");
  assert_snippet(r.page, "caf\xC3\xA9 " FFFD FFFD " " FFFD FFFD FFFD);
  ck_assert(htmlpage_repaired(r.page));
  read_free(&r);
}
END_TEST

START_TEST(test_bytes_of_one_character_apart_are_two_repairs)
{
  check_doc("\xC2 \xA0x", NULL, FFFD " " FFFD "x");
}
END_TEST

START_TEST(test_a_character_cut_between_pieces_is_whole)
{
  static const char doc[] = "<title>\xE2\x82\xAC\xF0\x9F\x98\x80</title>";

  for(size_t chunk = 1; chunk < sizeof(doc); chunk++) {
    struct read r = read_chunked(doc, sizeof(doc) - 1, chunk, false);

    assert_title(r.page, "\xE2\x82\xAC\xF0\x9F\x98\x80");
    ck_assert(!htmlpage_repaired(r.page));
    read_free(&r);
  }
}
END_TEST

START_TEST(test_a_character_cut_by_the_end_is_a_repair)
{
  struct read r = read_doc("<p>end \xE2\x82");

  assert_snippet(r.page, "end " FFFD);
  ck_assert(htmlpage_repaired(r.page));
  read_free(&r);
}
END_TEST

START_TEST(test_nul_bytes_become_fffd)
{
  static const char doc[] = "<title>a\0b</title>c\0d";
  struct read r = read_chunked(doc, sizeof(doc) - 1, 0, false);

  assert_title(r.page, "a" FFFD "b");
  assert_snippet(r.page, "c" FFFD "d");
  read_free(&r);
}
END_TEST

/* The bytes are read as UTF-8 whatever the page declares. */
START_TEST(test_a_charset_declaration_changes_nothing)
{
  check_doc("<meta charset=\"iso-8859-1\"><title>caf\xC3\xA9</title>",
            "caf\xC3\xA9", "");
  check_doc("<meta http-equiv=content-type content=\"text/html; "
            "charset=windows-1252\"><p>\xE2\x82\xAC",
            NULL, "\xE2\x82\xAC");
}
END_TEST

/* A U+FFFD the page wrote is no repair. */
START_TEST(test_a_replacement_character_written_is_not_a_repair)
{
  struct read r = read_doc("<title>" FFFD " &#xFFFD;</title>");

  assert_title(r.page, FFFD " " FFFD);
  ck_assert(!htmlpage_repaired(r.page));
  read_free(&r);
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

START_TEST(test_comments_are_hidden)
{
  check_doc("<!-- </script> <title>x</title> -- > -->A<!---->B", NULL, "AB");
}
END_TEST

START_TEST(test_doctype_and_processing_instruction_hidden)
{
  check_doc("<!DOCTYPE html><?xml version=\"1.0\"?>Hi", NULL, "Hi");
}
END_TEST

START_TEST(test_quoted_gt_inside_attribute)
{
  check_doc("<a title=\"x>y\" data-z='1>2' href=u>link</a>", NULL, "link");
}
END_TEST

START_TEST(test_lone_lt_is_text)
{
  check_doc("a < b <3 c", NULL, "a < b <3 c");
}
END_TEST

START_TEST(test_block_tags_separate_words)
{
  check_doc("<p>one</p><p>two</p>three<br>four<li>five<DIV>six", NULL,
            "one two three four five six");
}
END_TEST

/* Every block-level name that can stand in a body, in either case, and
 * names a letter away from one, which are inline. */
START_TEST(test_every_block_tag_and_no_near_miss_separates_words)
{
  static const char *const blocks[] = {
    "address",  "article",    "aside",   "blockquote", "body",    "br",
    "caption",  "dd",         "details", "div",        "dl",      "dt",
    "fieldset", "figcaption", "figure",  "footer",     "form",    "h1",
    "h2",       "h3",         "h4",      "h5",         "h6",      "header",
    "hr",       "legend",     "li",      "main",       "nav",     "ol",
    "option",   "p",          "pre",     "section",    "summary", "table",
    "tbody",    "td",         "tfoot",   "th",         "thead",   "tr",
    "ul"
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
  check_doc("<p>a &lt;b&gt; &#x26; &copy;</p>", NULL, "a <b> & \xC2\xA9");
}
END_TEST

/* A body of count copies of one character: the snippet is the first
 * HTML_SNIPPET_CHARS of them, whatever their bytes. */
static void check_snippet_of_repeats(const char *unit, size_t count)
{
  char *text = repeat(unit, count);
  char *want = repeat(unit, HTML_SNIPPET_CHARS);
  char *doc = page("t", text);
  struct read r = read_doc(doc);

  assert_snippet(r.page, want);
  read_free(&r);
  free(doc);
  free(want);
  free(text);
}

START_TEST(test_snippet_exactly_100_multibyte_chars)
{
  check_snippet_of_repeats("\xC3\xA9", 150); /* é */
}
END_TEST

START_TEST(test_snippet_four_byte_chars_fill_byte_limit)
{
  check_snippet_of_repeats("\xF0\x9F\x98\x80", 120); /* 😀 */
}
END_TEST

START_TEST(test_snippet_cut_leaves_no_trailing_space)
{
  char *word = repeat("a", HTML_SNIPPET_CHARS - 1);
  char *doc;
  struct read r;

  word = realloc(word, HTML_SNIPPET_CHARS + 8);
  ck_assert_ptr_nonnull(word);
  strcat(word, " bcd");
  doc = page("t", word);
  r = read_doc(doc);
  word[HTML_SNIPPET_CHARS - 1] = '\0';
  assert_snippet(r.page, word);
  read_free(&r);
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
 * Links.
 */

START_TEST(test_links_of_every_source)
{
  check_links("<a href=a1>x</a><area href=\"/a2\"><frame src=f1>"
              "<iframe src='f2'></iframe><a name=no-href>y</a>"
              "<meta http-equiv=Refresh content=\"5; url=m1\">",
              "\"http://h.test/d/a1\",\"http://h.test/a2\","
              "\"http://h.test/d/f1\",\"http://h.test/d/f2\","
              "\"http://h.test/d/m1\"");
}
END_TEST

START_TEST(test_link_elements_count_for_their_rel_only)
{
  check_links("<link rel=stylesheet href=s.css><link rel=icon href=i.png>"
              "<link rel=\"Alternate\" href=l1><link rel=next href=l2>"
              "<link rel=prev href=l3><link rel=canonical href=l4>"
              "<link href=l5>",
              "\"http://h.test/d/l1\",\"http://h.test/d/l2\","
              "\"http://h.test/d/l3\",\"http://h.test/d/l4\"");
}
END_TEST

START_TEST(test_first_base_resolves_what_follows)
{
  check_links("<a href=x1></a><base href=\"http://b.test/dir/\">"
              "<base href=\"http://c.test/\"><a href=x2></a>",
              "\"http://h.test/d/x1\",\"http://b.test/dir/x2\"");
}
END_TEST

START_TEST(test_references_in_hrefs_are_decoded)
{
  check_links("<a href=\"q?a=1&amp;b=2&#38;c=3\">x</a>",
              "\"http://h.test/d/q?a=1&b=2&c=3\"");
}
END_TEST

START_TEST(test_nofollow_links_are_found_not_kept)
{
  struct read r =
      read_doc("<a href=k1>x</a><a rel=\"ugc NoFollow\" "
               "href=n1>y</a><link rel=\"next nofollow\" href=n2>");

  assert_links(&r, "\"http://h.test/d/k1\"");
  ck_assert_int_eq(pagelinks_found(r.links), 3);
  read_free(&r);
}
END_TEST

START_TEST(test_meta_robots_nofollow_keeps_no_link)
{
  static const char *const contents[] = { "nofollow", "NONE",
                                          "noindex, nofollow" };

  for(size_t i = 0; i < sizeof(contents) / sizeof(contents[0]); i++) {
    char doc[256];
    struct read r;

    snprintf(doc, sizeof(doc),
             "<a href=k1>x</a><meta name=robots content=\"%s\">"
             "<a href=k2>y</a>",
             contents[i]);
    r = read_doc(doc);
    assert_links(&r, "");
    ck_assert_int_eq(pagelinks_found(r.links), 2);
    read_free(&r);
  }
  check_links("<meta name=robots content=noindex><a href=k1>x</a>",
              "\"http://h.test/d/k1\"");
}
END_TEST

START_TEST(test_links_in_comments_and_scripts_are_not_links)
{
  check_links("<!-- <a href=c1>x</a> --><script>'<a href=s1>'</script>"
              "<a href=k1>y</a>",
              "\"http://h.test/d/k1\"");
}
END_TEST

/* libxml2 2.9's push parser misses an end tag of script or style cut
 * between two pieces: every cut of this page must find what a whole read
 * does, which holds only because the tail from a '<' waits. */
START_TEST(test_every_cut_of_a_raw_text_end_tag_reads_the_same)
{
  static const char doc[] =
      "<html><head><style>p{}</style><script>if(a<b)x=1;</script>"
      "<title>T</title></head><body><p>after the script</p>"
      "<a href=after>x</a></body></html>";
  struct read whole = read_chunked(doc, sizeof(doc) - 1, 0, true);

  assert_title(whole.page, "T");
  assert_snippet(whole.page, "after the script x");
  assert_links(&whole, "\"http://h.test/d/after\"");
  for(size_t cut = 1; cut < sizeof(doc) - 1; cut++) {
    struct read r = { htmlpage_new(), pagelinks_new() };

    ck_assert_ptr_nonnull(r.page);
    ck_assert_ptr_nonnull(r.links);
    pagelinks_reset(r.links, PAGE_URL);
    ck_assert_int_eq(htmlpage_start(r.page, r.links), 0);
    htmlpage_feed(r.page, doc, cut);
    htmlpage_feed(r.page, doc + cut, sizeof(doc) - 1 - cut);
    htmlpage_finish(r.page);
    assert_same_output(&whole, &r);
    read_free(&r);
  }
  read_free(&whole);
}
END_TEST

/* A body cut inside a tag: the tag is dropped, short or long, whole or in
 * pieces, and what came before it stays. */
START_TEST(test_a_tag_cut_by_the_end_of_the_body_is_dropped)
{
  char *long_path = repeat("p", 500);
  char doc[700];

  snprintf(doc, sizeof(doc), "<a href=/ok>x</a> text <a href=\"/%s",
           long_path);
  for(size_t chunk = 0; chunk <= 64; chunk += 8) {
    struct read r = read_chunked(doc, strlen(doc), chunk, true);

    assert_links(&r, "\"http://h.test/ok\"");
    assert_snippet(r.page, "x text");
    read_free(&r);
  }
  check_links("<a href=/ok>x</a><a href=/cu", "\"http://h.test/ok\"");
  check_links("<a href=/ok>x</a><a href=/cut>y", "\"http://h.test/ok\","
                                                 "\"http://h.test/cut\"");
  free(long_path);
}
END_TEST

/* What libxml2 holds is bounded: the rest of a long page is not read. */
START_TEST(test_a_page_is_read_up_to_its_cap)
{
  char *filler = repeat("<p>filler text</p>\n", 4096); /* 80 KiB */
  size_t filler_len = strlen(filler);
  struct read r = { htmlpage_new(), pagelinks_new() };
  static const char first[] = "<title>T</title><a href=before>b</a>";
  static const char last[] = "<a href=after>a</a>";
  size_t fed = 0;

  ck_assert_ptr_nonnull(r.page);
  ck_assert_ptr_nonnull(r.links);
  pagelinks_reset(r.links, PAGE_URL);
  ck_assert_int_eq(htmlpage_start(r.page, r.links), 0);
  htmlpage_feed(r.page, first, sizeof(first) - 1);
  while(fed < HTMLPAGE_MAX_BYTES) {
    htmlpage_feed(r.page, filler, filler_len);
    fed += filler_len;
  }
  htmlpage_feed(r.page, last, sizeof(last) - 1);
  htmlpage_finish(r.page);
  assert_links(&r, "\"http://h.test/d/before\"");
  assert_title(r.page, "T");
  read_free(&r);
  free(filler);
}
END_TEST

/*
 * Streaming.
 */

static const char *const documents[] = {
  "<html><head><title>Hello World</title></head></html>",
  "<title>Fish &amp; Chips &#233;&#x20AC; &#65B &#0; &bogus; &</title>",
  "<title>a <b>bold</b></title> x rest",
  "<!DOCTYPE html><!-- </script> -- > --><p>Hi<b>Hel</b>lo</p>",
  "<script>if(a<b)x='</scr'+'ipt>';</script><style>p{}</style>Text",
  "<a title=\"x>y\" b='1>2' href=\"u?a&amp;b\">link</a><br/>after &nbsp;"
  "\xC2\xA0 nbsp",
  "<svg><title>icon</title></svg><template>t</template><title>p</title>",
  "a < b &#x110000; &#xD800 \xFF\xC3 <?pi?> end <base href=/b/><a href=c>",
  "<title>\xE2\x82\xAC\xE2\x82\xAC</title>\xF0\x9F\x98\x80 \xC3\xA9",
  "<p>"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbb</p><title>late</title>",
};

START_TEST(test_byte_at_a_time_matches_whole_document)
{
  for(size_t i = 0; i < sizeof(documents) / sizeof(documents[0]); i++) {
    size_t len = strlen(documents[i]);
    struct read whole = read_chunked(documents[i], len, 0, true);
    struct read bytes = read_chunked(documents[i], len, 1, true);
    struct read sevens = read_chunked(documents[i], len, 7, true);

    assert_same_output(&whole, &bytes);
    assert_same_output(&whole, &sevens);
    read_free(&whole);
    read_free(&bytes);
    read_free(&sevens);
  }
}
END_TEST

START_TEST(test_random_bytes_stay_bounded)
{
  uint64_t state = 0x9E3779B97F4A7C15u;
  char *data = malloc(RANDOM_BYTES);
  struct read whole;
  struct read chunked = { htmlpage_new(), NULL };
  size_t pos = 0;

  ck_assert_ptr_nonnull(data);
  for(size_t i = 0; i < RANDOM_BYTES; i++)
    data[i] = (char)(next_random(&state) >> 56);

  whole = read_chunked(data, RANDOM_BYTES, 0, false);
  ck_assert_ptr_nonnull(chunked.page);
  ck_assert_int_eq(htmlpage_start(chunked.page, NULL), 0);
  while(pos < RANDOM_BYTES) {
    size_t n = (size_t)(next_random(&state) % 4096) + 1;

    if(n > RANDOM_BYTES - pos)
      n = RANDOM_BYTES - pos;
    htmlpage_feed(chunked.page, data + pos, n);
    pos += n;
  }
  htmlpage_finish(chunked.page);
  assert_bounded(whole.page);
  assert_bounded(chunked.page);
  read_free(&whole);
  read_free(&chunked);
  free(data);
}
END_TEST

/* Random bytes rarely form markup; a soup of markup fragments reaches
 * titles, references, comments and raw text much more often. libxml2's
 * recovery from such soup may depend on where pieces end, so only the
 * promises about any output are checked. */
START_TEST(test_random_markup_soup_stays_bounded)
{
  static const char *const pieces[] = {
    "<",    ">",    "</",    "<!--",    "-->",    "--!>",  "<!",
    "<?",   "&",    "&#",    "&#x",     ";",      "amp",   "nbsp",
    "9",    "F",    "\"",    "'",       "=",      " ",     "\n",
    "/",    "-",    "title", "TITLE",   "script", "style", "svg",
    "p",    "b",    "x",     "a href=", "\xC2",   "\xA0",  "\xE2\x82\xAC",
    "\x80", "\xFF", "\0"
  };
  size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
  uint64_t state = 42;
  char *data = malloc(RANDOM_BYTES + 8);
  size_t len = 0;

  ck_assert_ptr_nonnull(data);
  while(len < RANDOM_BYTES) {
    const char *piece = pieces[next_random(&state) % npieces];
    size_t n = *piece ? strlen(piece) : 1; /* "\0" is one NUL byte */

    memcpy(data + len, piece, n);
    len += n;
  }

  /* Many short documents, so that many titles and snippets get built. */
  for(size_t round = 0; round < 256; round++) {
    size_t start = round * (len / 256);
    struct read whole = read_chunked(data + start, len / 256, 0, true);
    struct read bytes = read_chunked(data + start, len / 256, 1, true);

    assert_bounded(whole.page);
    assert_bounded(bytes.page);
    read_free(&whole);
    read_free(&bytes);
  }
  free(data);
}
END_TEST

START_TEST(test_done_after_title_and_full_snippet)
{
  char *text = repeat("<p>word</p>", 40);
  char *doc = page("T", text);
  struct htmlpage *page = htmlpage_new();
  size_t len = strlen(doc);
  size_t i;

  ck_assert_ptr_nonnull(page);
  ck_assert_int_eq(htmlpage_start(page, NULL), 0);
  for(i = 0; i < len && !htmlpage_done(page); i++)
    htmlpage_feed(page, doc + i, 1);
  ck_assert(htmlpage_done(page));
  ck_assert_uint_lt(i, len); /* done before the end of the text */
  htmlpage_free(page);
  free(doc);
  free(text);
}
END_TEST

START_TEST(test_never_done_while_links_are_wanted)
{
  char *text = repeat("<p>word</p>", 40);
  char *doc = page("T", text);
  struct htmlpage *page = htmlpage_new();
  struct pagelinks *links = pagelinks_new();

  ck_assert_ptr_nonnull(page);
  ck_assert_ptr_nonnull(links);
  pagelinks_reset(links, PAGE_URL);
  ck_assert_int_eq(htmlpage_start(page, links), 0);
  htmlpage_feed(page, doc, strlen(doc));
  ck_assert(!htmlpage_done(page));
  htmlpage_free(page);
  pagelinks_free(links);
  free(doc);
  free(text);
}
END_TEST

START_TEST(test_not_done_without_title)
{
  char *text = repeat("word ", 40);
  struct htmlpage *page = htmlpage_new();

  ck_assert_ptr_nonnull(page);
  ck_assert_int_eq(htmlpage_start(page, NULL), 0);
  htmlpage_feed(page, text, strlen(text));
  ck_assert(!htmlpage_done(page));
  htmlpage_free(page);
  free(text);
}
END_TEST

START_TEST(test_bytes_after_done_change_nothing)
{
  char *text = repeat("<p>word</p>", 40);
  char *doc = page("T", text);
  struct read plain = read_chunked(doc, strlen(doc), 0, false);
  struct read more = { htmlpage_new(), NULL };
  const char *tail = "<title>other</title><p>more text</p>";

  ck_assert_ptr_nonnull(more.page);
  ck_assert_int_eq(htmlpage_start(more.page, NULL), 0);
  htmlpage_feed(more.page, doc, strlen(doc));
  ck_assert(htmlpage_done(more.page));
  htmlpage_feed(more.page, tail, strlen(tail));
  htmlpage_finish(more.page);
  assert_same_output(&plain, &more);
  read_free(&plain);
  read_free(&more);
  free(doc);
  free(text);
}
END_TEST

/* A parser serves page after page: nothing of one is left in the next. */
START_TEST(test_a_new_page_forgets_the_last)
{
  struct htmlpage *page = htmlpage_new();
  static const char first[] = "<title>one \xFF</title><p>text<a href=x";

  ck_assert_ptr_nonnull(page);
  ck_assert_int_eq(htmlpage_start(page, NULL), 0);
  htmlpage_feed(page, first, sizeof(first) - 1);
  ck_assert_int_eq(htmlpage_start(page, NULL), 0);
  htmlpage_feed(page, "<p>second", 9);
  htmlpage_finish(page);
  assert_title(page, NULL);
  assert_snippet(page, "second");
  ck_assert(!htmlpage_repaired(page));
  htmlpage_free(page);
}
END_TEST

static Suite *htmlpage_suite(void)
{
  Suite *s = suite_create("htmlpage");
  TCase *title = tcase_create("title");
  TCase *encoding = tcase_create("encoding");
  TCase *snippet = tcase_create("snippet");
  TCase *links = tcase_create("links");
  TCase *streaming = tcase_create("streaming");

  tcase_add_test(title, test_simple_title);
  tcase_add_test(title, test_title_tag_name_is_case_insensitive);
  tcase_add_test(title, test_title_named_references);
  tcase_add_test(title, test_title_numeric_references);
  tcase_add_test(title, test_references_to_no_character_are_dropped);
  tcase_add_test(title, test_numeric_reference_without_semicolon);
  tcase_add_test(title, test_unknown_reference_stays_literal);
  tcase_add_test(title, test_title_whitespace_collapsed_and_trimmed);
  tcase_add_test(title, test_nbsp_is_whitespace);
  tcase_add_test(title, test_tags_inside_title_are_markup);
  tcase_add_test(title, test_no_title_gives_null);
  tcase_add_test(title, test_empty_title_gives_empty_string);
  tcase_add_test(title, test_first_title_wins);
  tcase_add_test(title, test_unclosed_title_keeps_collected_text);
  tcase_add_test(title, test_title_in_svg_is_not_page_title);
  tcase_add_test(title, test_huge_title_cut_to_max_bytes);
  tcase_add_test(title, test_huge_title_cut_at_character_boundary);
  tcase_add_test(title, test_title_cut_drops_space_before_partial_character);
  tcase_add_test(title, test_nbsp_at_title_limit_is_whitespace);
  suite_add_tcase(s, title);

  tcase_add_test(encoding, test_invalid_utf8_becomes_fffd_and_says_so);
  tcase_add_test(encoding, test_bytes_of_one_character_apart_are_two_repairs);
  tcase_add_test(encoding, test_a_character_cut_between_pieces_is_whole);
  tcase_add_test(encoding, test_a_character_cut_by_the_end_is_a_repair);
  tcase_add_test(encoding, test_nul_bytes_become_fffd);
  tcase_add_test(encoding, test_a_charset_declaration_changes_nothing);
  tcase_add_test(encoding,
                 test_a_replacement_character_written_is_not_a_repair);
  suite_add_tcase(s, encoding);

  tcase_add_test(snippet, test_title_text_not_in_snippet);
  tcase_add_test(snippet, test_snippet_skips_script_and_style);
  tcase_add_test(snippet, test_script_ends_only_at_its_own_end_tag);
  tcase_add_test(snippet, test_comments_are_hidden);
  tcase_add_test(snippet, test_doctype_and_processing_instruction_hidden);
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

  tcase_add_test(links, test_links_of_every_source);
  tcase_add_test(links, test_link_elements_count_for_their_rel_only);
  tcase_add_test(links, test_first_base_resolves_what_follows);
  tcase_add_test(links, test_references_in_hrefs_are_decoded);
  tcase_add_test(links, test_nofollow_links_are_found_not_kept);
  tcase_add_test(links, test_meta_robots_nofollow_keeps_no_link);
  tcase_add_test(links, test_links_in_comments_and_scripts_are_not_links);
  tcase_add_test(links, test_every_cut_of_a_raw_text_end_tag_reads_the_same);
  tcase_add_test(links, test_a_tag_cut_by_the_end_of_the_body_is_dropped);
  tcase_add_test(links, test_a_page_is_read_up_to_its_cap);
  suite_add_tcase(s, links);

  tcase_add_test(streaming, test_byte_at_a_time_matches_whole_document);
  tcase_add_test(streaming, test_random_bytes_stay_bounded);
  tcase_add_test(streaming, test_random_markup_soup_stays_bounded);
  tcase_add_test(streaming, test_done_after_title_and_full_snippet);
  tcase_add_test(streaming, test_never_done_while_links_are_wanted);
  tcase_add_test(streaming, test_not_done_without_title);
  tcase_add_test(streaming, test_bytes_after_done_change_nothing);
  tcase_add_test(streaming, test_a_new_page_forgets_the_last);
  /* the random tests run slowly under sanitizers */
  tcase_set_timeout(streaming, 240);
  suite_add_tcase(s, streaming);

  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(htmlpage_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
