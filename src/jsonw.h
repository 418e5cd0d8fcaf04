/* jsonw.h - JSON text written by hand into a growing buffer.
 *
 * Every URL makes three JSON lines (its task, the worker's answer, the final
 * record). Building them as jansson objects and dumping those was a third of
 * the CPU a static-page crawl spent (bench/RESULTS.md), for output whose shape
 * is fixed. The writer appends; an allocation failure sets `failed` and makes
 * every later call a no-op, so a caller checks once at the end. Strings must
 * already be valid UTF-8 (utf8_sanitize() makes them so): the writer only
 * escapes. */
#ifndef CRAWLD_JSONW_H
#define CRAWLD_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw {
  char *text; /* not NUL-terminated */
  size_t len;
  size_t size;
  bool failed;
};

/* Empties the buffer for the next line, keeping its memory. */
void jsonw_reset(struct jsonw *w);
void jsonw_free(struct jsonw *w);

void jsonw_raw(struct jsonw *w, const char *bytes, size_t len);
/* A string literal, its length known at compile time. */
#define jsonw_lit(w, literal) jsonw_raw((w), (literal), sizeof(literal) - 1)
/* A quoted string: '"', '\\' and control characters escaped, everything else
 * (UTF-8 included) copied as it is, as jansson writes it. */
void jsonw_string(struct jsonw *w, const char *utf8, size_t len);
void jsonw_int(struct jsonw *w, long long value);
void jsonw_uint(struct jsonw *w, uint64_t value);
void jsonw_bool(struct jsonw *w, bool value);
/* Milliseconds rounded to the microsecond, always with a fraction ("2.0",
 * "12.345"): the text jansson gives a real of at most 12 significant digits.
 * Not-a-number and infinities (which JSON cannot hold) are written as 0.0. */
void jsonw_ms(struct jsonw *w, double ms);

#endif
