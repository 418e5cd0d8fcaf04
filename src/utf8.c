/*
 * UTF-8 validation and repair; see utf8.h.
 */

#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT_CHAR "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */
#define REPLACEMENT_LEN 3

/*
 * Examines the character starting at s[0], with len > 0 bytes available.
 *
 * Returns true when it is a well-formed character other than NUL, and sets
 * *seq_len to its length. Otherwise returns false and sets *seq_len to the
 * length of its maximal subpart: the bytes one U+FFFD replaces.
 *
 * Only the second byte's range depends on the lead byte, and that range is
 * what rules out overlongs (E0, F0), surrogates (ED) and code points above
 * U+10FFFF (F4). A byte outside the expected range is not consumed: it may
 * start the next character.
 */
static bool utf8_next(const unsigned char *s, size_t len, size_t *seq_len)
{
  unsigned char lead = s[0];
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  size_t tail;
  size_t i;

  *seq_len = 1;
  if(lead < 0x80)
    return lead != 0;

  if(lead >= 0xC2 && lead <= 0xDF)
    tail = 1;
  else if(lead >= 0xE0 && lead <= 0xEF)
    tail = 2;
  else if(lead >= 0xF0 && lead <= 0xF4)
    tail = 3;
  else
    return false; /* 80-BF continue, C0-C1 and F5-FF never appear */

  if(lead == 0xE0)
    lower = 0xA0;
  else if(lead == 0xED)
    upper = 0x9F;
  else if(lead == 0xF0)
    lower = 0x90;
  else if(lead == 0xF4)
    upper = 0x8F;

  for(i = 1; i <= tail; i++) {
    if(i == len || s[i] < lower || s[i] > upper) {
      *seq_len = i;
      return false;
    }
    lower = 0x80;
    upper = 0xBF;
  }
  *seq_len = tail + 1;
  return true;
}

char *utf8_sanitize(const char *src, size_t len, size_t max_chars,
                    size_t *out_len, bool *repaired)
{
  const unsigned char *s = (const unsigned char *)src;
  size_t pos = 0;
  size_t olen = 0;
  size_t chars = 0;
  char *out;
  char *shrunk;

  /* worst case: every byte becomes a U+FFFD */
  if(len > (SIZE_MAX - 1) / REPLACEMENT_LEN)
    return NULL;
  out = malloc(len * REPLACEMENT_LEN + 1);
  if(!out)
    return NULL;

  while(pos < len && (!max_chars || chars < max_chars)) {
    size_t n;

    if(utf8_next(s + pos, len - pos, &n)) {
      memcpy(out + olen, s + pos, n);
      olen += n;
    }
    else {
      memcpy(out + olen, REPLACEMENT_CHAR, REPLACEMENT_LEN);
      olen += REPLACEMENT_LEN;
      if(repaired)
        *repaired = true;
    }
    pos += n;
    chars++;
  }
  out[olen] = '\0';

  /* give back the worst-case reserve; keeping it is harmless if this fails */
  shrunk = realloc(out, olen + 1);
  if(shrunk)
    out = shrunk;

  if(out_len)
    *out_len = olen;
  return out;
}

size_t utf8_repair(const char *src, size_t len, char *dst, bool final,
                   size_t *consumed, bool *repaired)
{
  const unsigned char *s = (const unsigned char *)src;
  size_t pos = 0;
  size_t olen = 0;

  while(pos < len) {
    size_t n;

    /* ASCII without NUL, nearly all of a page, byte by byte */
    if(s[pos] - 1u < 0x7Fu) {
      dst[olen++] = (char)s[pos++];
      continue;
    }
    if(utf8_next(s + pos, len - pos, &n)) {
      memcpy(dst + olen, s + pos, n);
      olen += n;
    }
    else if(!final && pos + n == len && s[pos] >= 0xC2 && s[pos] <= 0xF4) {
      break; /* a lead byte and what came of its tail: the rest may follow */
    }
    else {
      memcpy(dst + olen, REPLACEMENT_CHAR, REPLACEMENT_LEN);
      olen += REPLACEMENT_LEN;
      if(repaired)
        *repaired = true;
    }
    pos += n;
  }
  if(consumed)
    *consumed = pos;
  return olen;
}

bool utf8_valid(const char *src, size_t len)
{
  const unsigned char *s = (const unsigned char *)src;
  size_t pos = 0;

  while(pos < len) {
    size_t n;

    /* ASCII without NUL, nearly all of what is checked, byte by byte */
    if(s[pos] - 1u < 0x7Fu) {
      pos++;
      continue;
    }
    if(!utf8_next(s + pos, len - pos, &n))
      return false;
    pos += n;
  }
  return true;
}
