/* fuzz_check.c - check_canonical() of fuzz_check.h. */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "fuzz_check.h"

void check_canonical(const char *text, size_t len, const json_t *value)
{
  char *dumped = json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(12));
  size_t dumped_len;

  CHECK(dumped != NULL);
  dumped_len = strlen(dumped);
  if(dumped_len != len || memcmp(dumped, text, len) != 0) {
    fprintf(stderr, "jansson: %s\nwritten: %.*s\n", dumped, (int)len, text);
    CHECK(!"not the text jansson writes");
  }
  free(dumped);
}
