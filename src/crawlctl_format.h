/* crawlctl_format.h - how one value of a crawld reply reads in a table
 * cell or a line: numbers, counts, durations, sizes and percentages.
 *
 * Every function takes what the reply holds, which may be missing or of an
 * unexpected type, and never fails: what it cannot show is "-", since
 * crawld only ever adds keys and a table must still print. */
#ifndef CRAWLD_CRAWLCTL_FORMAT_H
#define CRAWLD_CRAWLCTL_FORMAT_H

#include <jansson.h>

/* Table cells are built in one of these, returned by value so a printf()
 * can take several at once. */
struct text {
  char s[80];
};

/* crawld's two worker kinds and their sum, in the order of every table
 * with a column per kind. */
extern const char *const fmt_kinds[3];

/* The value at a dotted path such as "urls.done" (borrowed), or NULL. */
json_t *fmt_at(json_t *root, const char *path);
/* A string value as it is (borrowed from value), anything else "-". */
const char *fmt_str(json_t *value);
/* Integers whole, reals with that many decimals, anything else "-". */
struct text fmt_number(json_t *value, int decimals);
/* A count that crawld reports as -1 when it does not know it. */
struct text fmt_count(json_t *value);
/* 45s, 3m05s, 2h03m, 1d02h; "-" for null (an ETA crawld cannot tell). */
struct text fmt_duration(json_t *value);
/* 512 B, 1.5 KiB ... PiB. */
struct text fmt_bytes(json_t *value);
/* done as a share of total, "12.5%"; "-" for a total not above 0. */
struct text fmt_percent(json_t *done, json_t *total);

#endif
