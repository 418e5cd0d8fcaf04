/* fuzz_htmlpage.c - libFuzzer target for a page's title, snippet and links
 * (src/htmlpage.h), the links kept (src/pagelinks.h) and normalised
 * (src/urlnorm.h).
 *
 * A body arrives from the network in pieces of any size, so the input is
 * read once whole and once in pieces whose size the first byte picks. On
 * broken markup libxml2's push parser may recover differently depending on
 * where a piece ends (an attribute or a comment left open at a cut), so
 * the two reads need not agree; each must keep every promise: title and
 * snippet valid UTF-8 within their limits and whitespace rules, every kept
 * link what urlnorm promises (http or https, within the size limit,
 * nothing that needs escaping on its way up) and a fixed point of
 * urlnorm_url. The input is also resolved as one href. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "htmlpage.h"
#include "pagelinks.h"
#include "urlnorm.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGE "http://fuzz.example/dir/page.html?q=1"

/* Whitespace rules shared by title and snippet: runs collapse to one
 * space, none at either end, and the text is valid UTF-8. */
static void check_text(const char *text, size_t len)
{
  CHECK(text != NULL);
  CHECK(strlen(text) == len);
  CHECK(utf8_valid(text, len));
  if(len == 0)
    return;
  CHECK(text[0] != ' ');
  CHECK(text[len - 1] != ' ');
  for(size_t i = 0; i < len; i++) {
    CHECK(strchr("\t\n\r\f\v", text[i]) == NULL);
    CHECK(i == 0 || text[i] != ' ' || text[i - 1] != ' ');
  }
}

static size_t count_chars(const char *text, size_t len)
{
  size_t chars = 0;

  for(size_t i = 0; i < len; i++)
    chars += ((unsigned char)text[i] & 0xC0) != 0x80;
  return chars;
}

/* One normalised URL: its rules, and a fixed point of urlnorm_url. */
static void check_url(const char *url, size_t len)
{
  char again[URLNORM_MAX_BYTES + 1];
  size_t again_len = 0;

  CHECK(len <= URLNORM_MAX_BYTES);
  CHECK(strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0);
  CHECK(urlnorm_url(url, again, sizeof(again), &again_len) == URLNORM_OK);
  CHECK(again_len == len && memcmp(again, url, len) == 0);
}

/* The "u1","u2",... text of kept links. */
static void check_urls(const char *text, size_t len)
{
  const char *at = text, *end = text + len;

  while(at < end) {
    const char *close;
    char url[URLNORM_MAX_BYTES + 1];

    CHECK(*at == '"');
    close = memchr(at + 1, '"', (size_t)(end - at - 1));
    CHECK(close != NULL && (size_t)(close - at - 1) <= URLNORM_MAX_BYTES);
    for(const char *c = at + 1; c < close; c++)
      CHECK(*c > 0x20 && *c < 0x7f && *c != '\\');
    memcpy(url, at + 1, (size_t)(close - at - 1));
    url[close - at - 1] = '\0';
    check_url(url, (size_t)(close - at - 1));
    at = close + 1;
    if(at < end) {
      CHECK(*at == ',');
      at++;
    }
  }
}

/* Reads body in pieces of chunk bytes (0: whole) and checks what came. */
static void read_page(const char *body, size_t len, size_t chunk)
{
  struct pagelinks *links = pagelinks_new();
  struct htmlpage *page = htmlpage_new();
  const char *text;
  size_t text_len;

  CHECK(links != NULL && page != NULL);
  pagelinks_reset(links, PAGE);
  CHECK(htmlpage_start(page, links) == 0);
  for(size_t at = 0; at < len;) {
    size_t piece = chunk == 0 || len - at < chunk ? len - at : chunk;

    htmlpage_feed(page, body + at, piece);
    at += piece;
  }
  htmlpage_finish(page);

  text = htmlpage_title(page, &text_len);
  if(text == NULL)
    CHECK(text_len == 0);
  else {
    check_text(text, text_len);
    CHECK(text_len <= HTML_TITLE_MAX_BYTES);
  }
  text = htmlpage_snippet(page, &text_len);
  check_text(text, text_len);
  CHECK(count_chars(text, text_len) <= HTML_SNIPPET_CHARS);
  CHECK(text_len <= 4 * HTML_SNIPPET_CHARS);

  CHECK(pagelinks_dropped(links) <= pagelinks_found(links));
  text = pagelinks_urls(links, &text_len);
  check_urls(text, text_len);
  htmlpage_free(page);
  pagelinks_free(links);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *body = (const char *)data + 1;
  size_t body_len = size - 1;
  size_t url_len;
  char url[URLNORM_MAX_BYTES + 1];
  struct urlnorm *norm;

  if(size < 1)
    return 0;
  read_page(body, body_len, 0);
  /* 1 to 64 bytes covers every cut of a tag, a reference or a UTF-8
   * character. */
  read_page(body, body_len, (size_t)(data[0] % 64) + 1);

  norm = urlnorm_new();
  CHECK(norm != NULL);
  CHECK(urlnorm_set_base(norm, PAGE) == 0);
  if(urlnorm_resolve(norm, body, body_len, url, sizeof(url), &url_len) ==
     URLNORM_OK) {
    CHECK(strlen(url) == url_len);
    check_url(url, url_len);
  }
  urlnorm_free(norm);
  return 0;
}
