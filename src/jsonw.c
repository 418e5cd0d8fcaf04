/* jsonw.c - hand-written JSON text; see jsonw.h. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* The first allocation: a whole record line fits, so a reused writer stops
 * allocating after its first few lines. */
#define JSONW_FIRST_SIZE 2048

static bool reserve(struct jsonw *w, size_t more)
{
  size_t size;
  char *text;

  if(w->failed)
    return false;
  if(w->size - w->len >= more)
    return true;
  size = w->size > 0 ? w->size : JSONW_FIRST_SIZE;
  while(size - w->len < more) {
    if(size > SIZE_MAX / 2) {
      w->failed = true;
      return false;
    }
    size *= 2;
  }
  text = realloc(w->text, size);
  if(text == NULL) {
    w->failed = true;
    return false;
  }
  w->text = text;
  w->size = size;
  return true;
}

void jsonw_reset(struct jsonw *w)
{
  w->len = 0;
  w->failed = false;
}

void jsonw_free(struct jsonw *w)
{
  free(w->text);
  memset(w, 0, sizeof(*w));
}

void jsonw_raw(struct jsonw *w, const char *bytes, size_t len)
{
  if(!reserve(w, len))
    return;
  memcpy(w->text + w->len, bytes, len);
  w->len += len;
}

void jsonw_string(struct jsonw *w, const char *utf8, size_t len)
{
  static const char hex[] = "0123456789ABCDEF"; /* as jansson writes them */
  size_t start = 0;

  /* Worst case: every byte a six-byte \u00XX, plus the quotes. */
  if(len > (SIZE_MAX - 2) / 6 || !reserve(w, len * 6 + 2))
    return;
  w->text[w->len++] = '"';
  for(size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)utf8[i];
    char *out;

    if(c >= 0x20 && c != '"' && c != '\\')
      continue;
    memcpy(w->text + w->len, utf8 + start, i - start);
    w->len += i - start;
    start = i + 1;
    out = w->text + w->len;
    out[0] = '\\';
    switch(c) {
      case '"':
      case '\\':
        out[1] = (char)c;
        break;
      case '\b':
        out[1] = 'b';
        break;
      case '\f':
        out[1] = 'f';
        break;
      case '\n':
        out[1] = 'n';
        break;
      case '\r':
        out[1] = 'r';
        break;
      case '\t':
        out[1] = 't';
        break;
      default:
        memcpy(out + 1, "u00", 3);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 0xF];
        w->len += 4;
        break;
    }
    w->len += 2;
  }
  memcpy(w->text + w->len, utf8 + start, len - start);
  w->len += len - start;
  w->text[w->len++] = '"';
}

/* Digits of value, most significant first, into the end of digits. */
static size_t format_uint(uint64_t value, char digits[20])
{
  size_t n = 0;

  do {
    digits[19 - n++] = (char)('0' + value % 10);
    value /= 10;
  } while(value > 0);
  return n;
}

void jsonw_uint(struct jsonw *w, uint64_t value)
{
  char digits[20];
  size_t n = format_uint(value, digits);

  jsonw_raw(w, digits + 20 - n, n);
}

void jsonw_int(struct jsonw *w, long long value)
{
  if(value < 0) {
    jsonw_lit(w, "-");
    /* -(LLONG_MIN) overflows; its magnitude fits an unsigned 64-bit. */
    jsonw_uint(w, (uint64_t)0 - (uint64_t)value);
    return;
  }
  jsonw_uint(w, (uint64_t)value);
}

void jsonw_bool(struct jsonw *w, bool value)
{
  if(value)
    jsonw_lit(w, "true");
  else
    jsonw_lit(w, "false");
}

void jsonw_ms(struct jsonw *w, double ms)
{
  char fraction[4];
  double us = isfinite(ms) ? round(fabs(ms) * 1000.0) : 0.0;
  uint64_t whole;
  unsigned part;
  size_t n = 3;

  /* Past 2^53 microseconds (285 years) a double holds no fraction anyway. */
  if(us > 9007199254740992.0)
    us = 9007199254740992.0;
  whole = (uint64_t)us / 1000;
  part = (unsigned)((uint64_t)us % 1000);
  if(ms < 0 && us > 0)
    jsonw_lit(w, "-");
  jsonw_uint(w, whole);
  fraction[0] = '.';
  fraction[1] = (char)('0' + part / 100);
  fraction[2] = (char)('0' + part / 10 % 10);
  fraction[3] = (char)('0' + part % 10);
  while(n > 1 && fraction[n] == '0')
    n--;
  jsonw_raw(w, fraction, n + 1);
}
