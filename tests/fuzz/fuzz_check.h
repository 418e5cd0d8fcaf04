/* fuzz_check.h - what the fuzz targets share: an assertion that holds in
 * every build (assert() vanishes under NDEBUG) and aborts, which libFuzzer
 * reports as a crash with the input that caused it. */
#ifndef CRAWLD_FUZZ_CHECK_H
#define CRAWLD_FUZZ_CHECK_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                    \
  do {                                                                 \
    if(!(cond)) {                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                  \
      abort();                                                         \
    }                                                                  \
  } while(0)

#ifdef JANSSON_H
/* text (len bytes) must be the very text jansson writes for value: compact,
 * members in the order they were set, reals at twelve digits, \u escapes in
 * upper-case hex. Include jansson.h first to get it. */
void check_canonical(const char *text, size_t len, const json_t *value);
#endif

#endif
