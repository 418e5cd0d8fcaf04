/* fuzz_utf8.c - libFuzzer target for UTF-8 validation and repair
 * (src/utf8.h).
 *
 * Every string of a result record passes through utf8_sanitize(), and the
 * JSON writer trusts what it returns. The target checks utf8_valid()
 * against an independent validator written from RFC 3629's table, and
 * checks that utf8_sanitize() always returns valid text, keeps valid input
 * as it is, respects max_chars and is idempotent. The first byte of the
 * input picks max_chars. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the well-formed sequence at s (RFC 3629 section 4, with NUL
 * refused as utf8.h does), or 0 if there is none. */
static size_t reference_sequence(const uint8_t *s, size_t len)
{
  uint8_t lo = 0x80;
  uint8_t hi = 0xBF;
  size_t need;

  if(s[0] == 0)
    return 0;
  if(s[0] < 0x80)
    return 1;
  if(s[0] >= 0xC2 && s[0] <= 0xDF)
    need = 2;
  else if(s[0] >= 0xE0 && s[0] <= 0xEF)
    need = 3;
  else if(s[0] >= 0xF0 && s[0] <= 0xF4)
    need = 4;
  else
    return 0;
  /* The second byte's range is what excludes overlong forms, surrogates
   * and code points above U+10FFFF. */
  if(s[0] == 0xE0)
    lo = 0xA0;
  else if(s[0] == 0xED)
    hi = 0x9F;
  else if(s[0] == 0xF0)
    lo = 0x90;
  else if(s[0] == 0xF4)
    hi = 0x8F;
  if(len < need || s[1] < lo || s[1] > hi)
    return 0;
  for(size_t i = 2; i < need; i++) {
    if(s[i] < 0x80 || s[i] > 0xBF)
      return 0;
  }
  return need;
}

static bool reference_valid(const uint8_t *s, size_t len)
{
  size_t pos = 0;

  while(pos < len) {
    size_t n = reference_sequence(s + pos, len - pos);

    if(n == 0)
      return false;
    pos += n;
  }
  return true;
}

/* Code points in valid UTF-8: bytes that are not continuation bytes. */
static size_t count_chars(const char *s, size_t len)
{
  size_t chars = 0;

  for(size_t i = 0; i < len; i++)
    chars += ((unsigned char)s[i] & 0xC0) != 0x80;
  return chars;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *src;
  size_t len;
  size_t max_chars;
  bool valid;
  bool repaired = false;
  bool again_repaired = false;
  size_t out_len = 0;
  size_t again_len = 0;
  char *out;
  char *again;

  if(size < 1)
    return 0;
  /* Mostly no limit, as for URLs, else a small one, as for snippets. */
  max_chars = data[0] < 128 ? 0 : data[0] - 127;
  src = (const char *)data + 1;
  len = size - 1;

  valid = utf8_valid(src, len);
  CHECK(valid == reference_valid(data + 1, len));

  out = utf8_sanitize(src, len, max_chars, &out_len, &repaired);
  if(out == NULL)
    abort();
  CHECK(strlen(out) == out_len);
  CHECK(utf8_valid(out, out_len));
  CHECK(max_chars == 0 || count_chars(out, out_len) <= max_chars);
  if(valid) {
    CHECK(!repaired);
    /* Cut, never changed: a prefix of whole characters. */
    CHECK(out_len <= len && memcmp(out, src, out_len) == 0);
    CHECK(out_len == len || max_chars != 0);
    CHECK(out_len == len || count_chars(out, out_len) == max_chars);
  }
  if(!repaired)
    CHECK(out_len <= len && memcmp(out, src, out_len) == 0);
  if(max_chars == 0 && !valid)
    CHECK(repaired);

  /* Repairing repaired text changes nothing. */
  again = utf8_sanitize(out, out_len, 0, &again_len, &again_repaired);
  if(again == NULL)
    abort();
  CHECK(!again_repaired);
  CHECK(again_len == out_len && memcmp(again, out, out_len) == 0);

  free(again);
  free(out);
  return 0;
}
