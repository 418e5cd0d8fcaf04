/* fuzz_html.c - libFuzzer target for the title and snippet extractor
 * (src/html.h).
 *
 * A body arrives from the network in chunks of any size, so the input is
 * fed once whole and once in pieces whose size the first byte picks; the
 * two extractors must agree exactly, and both outputs must keep the limits
 * and whitespace rules that html.h promises. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whitespace rules shared by title and snippet: runs collapse to one
 * space, none at either end, and no NUL inside. */
static void check_text(const char *text, size_t len)
{
  CHECK(text != NULL);
  CHECK(strlen(text) == len);
  if(len == 0)
    return;
  CHECK(text[0] != ' ');
  CHECK(text[len - 1] != ' ');
  for(size_t i = 0; i < len; i++) {
    CHECK(strchr("\t\n\r\f\v", text[i]) == NULL);
    CHECK(i == 0 || text[i] != ' ' || text[i - 1] != ' ');
  }
}

/* Characters as html.h counts them: bytes that are not UTF-8
 * continuation bytes. */
static size_t count_chars(const char *text, size_t len)
{
  size_t chars = 0;

  for(size_t i = 0; i < len; i++)
    chars += ((unsigned char)text[i] & 0xC0) != 0x80;
  return chars;
}

static void check_output(const struct html_extract *hx)
{
  size_t title_len = 0;
  size_t snippet_len = 0;
  const char *title = html_extract_title(hx, &title_len);
  const char *snippet = html_extract_snippet(hx, &snippet_len);

  if(title == NULL)
    CHECK(title_len == 0);
  else {
    check_text(title, title_len);
    CHECK(title_len <= HTML_TITLE_MAX_BYTES);
  }
  check_text(snippet, snippet_len);
  CHECK(count_chars(snippet, snippet_len) <= HTML_SNIPPET_CHARS);
  CHECK(snippet_len <= 4 * HTML_SNIPPET_CHARS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct html_extract *whole;
  struct html_extract *pieces;
  const char *body;
  size_t body_len;
  size_t chunk;
  size_t whole_len;
  size_t pieces_len;
  const char *whole_text;
  const char *pieces_text;

  if(size < 1)
    return 0;
  /* 1 to 16 bytes covers every split of a tag name, reference or UTF-8
   * character; the larger sizes are the common network case. */
  chunk = data[0] < 128 ? (size_t)data[0] % 16 + 1 : (size_t)data[0] * 4;
  body = (const char *)data + 1;
  body_len = size - 1;

  whole = html_extract_new();
  pieces = html_extract_new();
  if(whole == NULL || pieces == NULL)
    abort();
  html_extract_feed(whole, body, body_len);
  for(size_t pos = 0; pos < body_len; pos += chunk) {
    size_t n = body_len - pos < chunk ? body_len - pos : chunk;

    /* Feeding past done must be harmless, so it is not avoided here. */
    html_extract_feed(pieces, body + pos, n);
  }

  check_output(whole);
  check_output(pieces);
  CHECK(html_extract_done(whole) == html_extract_done(pieces));

  whole_text = html_extract_title(whole, &whole_len);
  pieces_text = html_extract_title(pieces, &pieces_len);
  CHECK((whole_text == NULL) == (pieces_text == NULL));
  CHECK(whole_len == pieces_len);
  CHECK(whole_text == NULL || memcmp(whole_text, pieces_text, whole_len) == 0);

  whole_text = html_extract_snippet(whole, &whole_len);
  pieces_text = html_extract_snippet(pieces, &pieces_len);
  CHECK(whole_len == pieces_len);
  CHECK(memcmp(whole_text, pieces_text, whole_len) == 0);

  html_extract_free(whole);
  html_extract_free(pieces);
  return 0;
}
