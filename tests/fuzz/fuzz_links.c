/* fuzz_links.c - libFuzzer target for link finding (src/htmllinks.h),
 * keeping (src/pagelinks.h) and normalising (src/urlnorm.h).
 *
 * The input is a page body, fed once whole and once in pieces whose size
 * the first byte picks. On broken markup libxml2's push parser may recover
 * differently depending on where a piece ends (an attribute left open at
 * a cut, say), so the two need not find the same links; each must hold
 * only links that keep urlnorm's promises. Every kept link must be what
 * urlnorm promises (http or https, within the
 * size limit, nothing that needs escaping on its way up) and normalising it
 * again must change nothing. The input is also resolved as one href. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "htmllinks.h"
#include "pagelinks.h"
#include "urlnorm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGE "http://fuzz.example/dir/page.html?q=1"

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

/* Feeds body in pieces of chunk bytes (0: whole); the kept text, malloc'd. */
static char *links_of(const char *body, size_t len, size_t chunk,
                      long long *found, size_t *text_len)
{
  struct pagelinks *links = pagelinks_new();
  struct htmllinks *parser = htmllinks_new();
  const char *text;
  char *copy;

  CHECK(links != NULL && parser != NULL);
  pagelinks_reset(links, PAGE);
  CHECK(htmllinks_start(parser, links) == 0);
  for(size_t at = 0; at < len;) {
    size_t piece = chunk == 0 || len - at < chunk ? len - at : chunk;

    htmllinks_feed(parser, body + at, piece);
    at += piece;
  }
  htmllinks_finish(parser);
  text = pagelinks_urls(links, text_len);
  *found = pagelinks_found(links);
  CHECK(pagelinks_dropped(links) <= *found);
  copy = malloc(*text_len + 1);
  CHECK(copy != NULL);
  memcpy(copy, text, *text_len);
  copy[*text_len] = '\0';
  htmllinks_free(parser);
  pagelinks_free(links);
  return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *body = (const char *)data + 1;
  size_t body_len = size - 1;
  long long whole_found, pieces_found; /* checked in links_of */
  size_t whole_len, pieces_len, url_len;
  char *whole, *pieces;
  char url[URLNORM_MAX_BYTES + 1];
  struct urlnorm *norm;

  if(size < 1)
    return 0;
  whole = links_of(body, body_len, 0, &whole_found, &whole_len);
  pieces = links_of(body, body_len, (size_t)(data[0] % 64) + 1, &pieces_found,
                    &pieces_len);
  check_urls(whole, whole_len);
  check_urls(pieces, pieces_len);
  free(whole);
  free(pieces);

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
