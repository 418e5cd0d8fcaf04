/* fuzz_robots.c - libFuzzer target for robots.txt parsing and matching
 * (src/robots.h).
 *
 * The input after its first byte is a robots.txt body, parsed for the
 * product token the first byte picks. The paths matched are cut from the
 * input itself (each of its first lines, whole and after its first ':'),
 * so that they resemble the patterns, plus "", "/" and "/robots.txt".
 * For every path:
 *  - the verdict agrees with the rule text that decided it, which is
 *    printable ASCII in normal form, and whose pattern matches the path
 *    by the reference matcher below;
 *  - "/robots.txt" is allowed; robots_allow_all() allows the path and
 *    robots_disallow_all() refuses it with "Disallow: /";
 *  - the path spelt with every byte that may be percent-encoded encoded,
 *    in lower-case hex, gets the same verdict and rule.
 * The values of the first lines are also each made the only rule of a
 * file, and the verdict on every path must then be the reference's; the
 * paths include near misses of each such pattern: its bytes without
 * '*' and '$', whole and without the last byte. The first two values are
 * also made "Allow: first" and "Disallow: second" of one group, where the
 * longer match must win, allow on a tie.
 *
 * The reference normalises by decoding every "%XX" first and re-encoding
 * what robots.h says stays encoded, and matches with the textbook
 * quadratic table, so it shares no code or method with src/robots.c. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "robots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 6
#define SINGLE_RULES 3 /* values tried as the only rule of a file */
#define MAX_PATHS (2 * MAX_LINES + 3 + 2 * SINGLE_RULES)
#define PIECE_MAX 128 /* bytes of a line used as path or pattern */
/* The quadratic reference is skipped above this many table cells. */
#define REFERENCE_CELLS (1024 * 1024)

static const char *const tokens[] = { "crawld", "foobot", "barbot", "a", "" };

struct piece {
  const char *bytes;
  size_t len;
};

struct text {
  char bytes[3 * PIECE_MAX + 16];
  size_t len;
};

static struct robots *allow_all;
static struct robots *disallow_all;

static bool is_unreserved(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

static int hex(unsigned char c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static void put(struct text *out, char c)
{
  CHECK(out->len < sizeof(out->bytes));
  out->bytes[out->len++] = c;
}

static void put_hex(struct text *out, unsigned char c, bool lower)
{
  const char *digits = lower ? "0123456789abcdef" : "0123456789ABCDEF";

  put(out, '%');
  put(out, digits[c >> 4]);
  put(out, digits[c & 15]);
}

/* The normal form of robots.h, by a different route: each "%XX" is
 * decoded to the byte it stands for, remembering that it was encoded,
 * and only then is it decided how the byte is written. */
static void reference_normal(const char *in, size_t len, bool pattern,
                             struct text *out)
{
  for(size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];
    bool encoded = false;

    if(c == '%' && i + 2 < len && hex((unsigned char)in[i + 1]) >= 0 &&
       hex((unsigned char)in[i + 2]) >= 0) {
      c = (unsigned char)(hex((unsigned char)in[i + 1]) * 16 +
                          hex((unsigned char)in[i + 2]));
      encoded = true;
      i += 2;
    }
    if(pattern && !encoded && c == '*') {
      if(out->len == 0 || out->bytes[out->len - 1] != '*')
        put(out, '*');
    }
    else if(is_unreserved(c) || (!encoded && c > 0x20 && c < 0x7F &&
                                 c != '%' && c != '*' && c != '$')) {
      put(out, (char)c);
    }
    else {
      put_hex(out, c, false);
    }
  }
}

static void reference_path(const struct piece *path, struct text *out)
{
  out->len = 0;
  if(path->len == 0 || path->bytes[0] != '/')
    put(out, '/');
  reference_normal(path->bytes, path->len, false, out);
}

/* The pattern of "Disallow: value" in normal form, '$' included; false
 * when the value makes no rule. */
static bool reference_pattern(const struct piece *value, struct text *out)
{
  const char *bytes = value->bytes;
  size_t len = value->len;
  const char *hash = memchr(bytes, '#', len);
  bool anchored;

  if(hash != NULL)
    len = (size_t)(hash - bytes);
  while(len > 0 && (bytes[0] == ' ' || bytes[0] == '\t')) {
    bytes++;
    len--;
  }
  while(len > 0 && (bytes[len - 1] == ' ' || bytes[len - 1] == '\t'))
    len--;
  if(len == 0)
    return false;
  anchored = bytes[len - 1] == '$';
  len -= anchored;
  out->len = 0;
  if(len == 0 || (bytes[0] != '/' && bytes[0] != '*'))
    put(out, '/');
  reference_normal(bytes, len, true, out);
  if(anchored)
    put(out, '$');
  return true;
}

/* Whether a pattern in normal form ('*' any run, a final '$' the end)
 * matches path (at most sizeof(struct text) bytes), also in normal form,
 * by the textbook table: row[j] says whether the pattern so far matches
 * the first j bytes of the path. */
static bool reference_match(const char *pattern, size_t pattern_len,
                            const char *path, size_t path_len)
{
  static bool row[sizeof(((struct text *)0)->bytes) + 1];
  static bool next[sizeof(row)];
  bool anchored = pattern_len > 0 && pattern[pattern_len - 1] == '$';
  bool result = false;

  CHECK(path_len < sizeof(row));
  pattern_len -= anchored;
  memset(row, 0, sizeof(row));
  row[0] = true;
  for(size_t i = 0; i < pattern_len; i++) {
    bool any = false;

    if(pattern[i] == '*') {
      next[0] = row[0];
      for(size_t j = 1; j <= path_len; j++)
        next[j] = row[j] || next[j - 1];
    }
    else {
      next[0] = false;
      for(size_t j = 1; j <= path_len; j++)
        next[j] = row[j - 1] && path[j - 1] == pattern[i];
    }
    for(size_t j = 0; j <= path_len; j++) {
      row[j] = next[j];
      any = any || row[j];
    }
    /* Nothing matches this much of the pattern: the rest cannot help. */
    if(!any)
      return false;
  }
  if(anchored)
    return row[path_len];
  for(size_t j = 0; j <= path_len; j++)
    result = result || row[j];
  return result;
}

/* The path spelt otherwise: every byte whose encoding means the same
 * written as lower-case "%xx", every "%XX" in lower case. */
static void respell(const struct piece *path, struct text *out)
{
  out->len = 0;
  for(size_t i = 0; i < path->len; i++) {
    unsigned char c = (unsigned char)path->bytes[i];

    if(c == '%' && i + 2 < path->len &&
       hex((unsigned char)path->bytes[i + 1]) >= 0 &&
       hex((unsigned char)path->bytes[i + 2]) >= 0) {
      put_hex(out,
              (unsigned char)(hex((unsigned char)path->bytes[i + 1]) * 16 +
                              hex((unsigned char)path->bytes[i + 2])),
              true);
      i += 2;
    }
    else if(c == '%' || c <= 0x20 || c >= 0x7F || c == '*' || c == '$' ||
            is_unreserved(c)) {
      put_hex(out, c, true);
    }
    else {
      put(out, (char)c);
    }
  }
}

static bool starts_with(const char *text, const char *prefix)
{
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

static bool is_robots_txt(const struct text *normal)
{
  return normal->len == strlen("/robots.txt") &&
         memcmp(normal->bytes, "/robots.txt", normal->len) == 0;
}

static void check_rule_text(const char *rule, const char *prefix,
                            const struct text *pattern)
{
  CHECK(starts_with(rule, prefix));
  CHECK(strlen(rule + strlen(prefix)) == pattern->len);
  CHECK(memcmp(rule + strlen(prefix), pattern->bytes, pattern->len) == 0);
}

/* One verdict, with everything robots.h promises about it, the deciding
 * rule's match by the reference too when match is true; returns it. */
static bool check_verdict(const struct robots *robots,
                          const struct piece *path, bool match,
                          const char **rule)
{
  struct text normal;
  const char *pattern;
  bool allowed = robots_allowed(robots, path->bytes, path->len, rule);

  CHECK(*rule != NULL);
  if((*rule)[0] == '\0') {
    CHECK(allowed);
    return allowed;
  }
  if(starts_with(*rule, "Allow: ")) {
    CHECK(allowed);
    pattern = *rule + strlen("Allow: ");
  }
  else {
    CHECK(starts_with(*rule, "Disallow: "));
    CHECK(!allowed);
    pattern = *rule + strlen("Disallow: ");
  }
  CHECK(pattern[0] == '/' || pattern[0] == '*');
  for(const char *p = pattern; *p != '\0'; p++)
    CHECK(*p > 0x20 && *p < 0x7F);
  /* The rule's own text is in normal form already. */
  {
    struct piece written = { pattern, strlen(pattern) };
    struct text again;

    if(written.len <= PIECE_MAX) {
      CHECK(reference_pattern(&written, &again));
      CHECK(again.len == written.len &&
            memcmp(again.bytes, pattern, written.len) == 0);
    }
  }
  reference_path(path, &normal);
  if(match && strlen(pattern) * normal.len <= REFERENCE_CELLS)
    CHECK(reference_match(pattern, strlen(pattern), normal.bytes, normal.len));
  return allowed;
}

static void check_path(const struct robots *robots, const struct piece *path)
{
  struct text spelt;
  struct piece other;
  const char *rule;
  const char *other_rule;
  bool allowed = check_verdict(robots, path, true, &rule);
  struct text normal;

  reference_path(path, &normal);
  if(is_robots_txt(&normal))
    CHECK(allowed && rule[0] == '\0');

  respell(path, &spelt);
  other.bytes = spelt.bytes;
  other.len = spelt.len;
  CHECK(check_verdict(robots, &other, false, &other_rule) == allowed);
  CHECK(strcmp(rule, other_rule) == 0);

  CHECK(check_verdict(allow_all, path, false, &rule));
  CHECK(rule[0] == '\0');
  if(check_verdict(disallow_all, path, false, &rule))
    CHECK(rule[0] == '\0');
  else
    CHECK(strcmp(rule, "Disallow: /") == 0);
}

/* value as the one rule of a file: the verdicts must be the reference's. */
static void check_single_rule(const struct piece *value,
                              const struct piece *paths, size_t path_count)
{
  static const char head[] = "User-agent: *\nDisallow: ";
  char body[sizeof(head) + PIECE_MAX + 1];
  struct text pattern;
  bool is_rule = reference_pattern(value, &pattern);
  struct robots *robots;

  memcpy(body, head, sizeof(head) - 1);
  memcpy(body + sizeof(head) - 1, value->bytes, value->len);
  body[sizeof(head) - 1 + value->len] = '\n';
  robots = robots_parse(body, sizeof(head) + value->len, "crawld");
  CHECK(robots != NULL);
  CHECK(robots_rule_count(robots) == (is_rule ? 1 : 0));
  for(size_t i = 0; i < path_count; i++) {
    struct text normal;
    const char *rule;
    bool allowed = check_verdict(robots, &paths[i], false, &rule);
    bool refuse;

    reference_path(&paths[i], &normal);
    refuse =
        is_rule && !is_robots_txt(&normal) &&
        reference_match(pattern.bytes, pattern.len, normal.bytes, normal.len);
    CHECK(allowed == !refuse);
    if(refuse)
      check_rule_text(rule, "Disallow: ", &pattern);
  }
  robots_free(robots);
}

/* "Allow: allow" and "Disallow: disallow" in one group: the longer
 * pattern in normal form wins, allow on a tie (2.2.2). */
static void check_rule_pair(const struct piece *allow,
                            const struct piece *disallow,
                            const struct piece *paths, size_t path_count)
{
  char body[64 + 2 * PIECE_MAX];
  struct text allow_pattern;
  struct text disallow_pattern;
  bool allow_rule = reference_pattern(allow, &allow_pattern);
  bool disallow_rule = reference_pattern(disallow, &disallow_pattern);
  struct robots *robots;
  size_t len;

  len = (size_t)snprintf(body, sizeof(body), "User-agent: *\nAllow: ");
  memcpy(body + len, allow->bytes, allow->len);
  len += allow->len;
  len += (size_t)snprintf(body + len, sizeof(body) - len, "\nDisallow: ");
  memcpy(body + len, disallow->bytes, disallow->len);
  len += disallow->len;
  body[len++] = '\n';
  robots = robots_parse(body, len, "crawld");
  CHECK(robots != NULL);
  CHECK(robots_rule_count(robots) ==
        (size_t)allow_rule + (size_t)disallow_rule);
  for(size_t i = 0; i < path_count; i++) {
    struct text normal;
    const char *rule;
    bool allowed = check_verdict(robots, &paths[i], false, &rule);
    bool allow_match;
    bool disallow_match;

    reference_path(&paths[i], &normal);
    allow_match =
        allow_rule && reference_match(allow_pattern.bytes, allow_pattern.len,
                                      normal.bytes, normal.len);
    disallow_match =
        disallow_rule &&
        reference_match(disallow_pattern.bytes, disallow_pattern.len,
                        normal.bytes, normal.len);
    if(is_robots_txt(&normal) || (!allow_match && !disallow_match)) {
      CHECK(allowed && rule[0] == '\0');
    }
    else if(allow_match &&
            (!disallow_match || allow_pattern.len >= disallow_pattern.len)) {
      CHECK(allowed);
      check_rule_text(rule, "Allow: ", &allow_pattern);
    }
    else {
      CHECK(!allowed);
      check_rule_text(rule, "Disallow: ", &disallow_pattern);
    }
  }
  robots_free(robots);
}

/* Cuts paths from the first lines of the body: each line, and what
 * follows its first ':'. values gets the latter alone. */
static size_t cut_pieces(const char *body, size_t len, struct piece *paths,
                         struct piece *values, size_t *value_count)
{
  size_t count = 0;
  size_t pos = 0;

  *value_count = 0;
  for(int line = 0; line < MAX_LINES && pos < len; line++) {
    size_t end = pos;
    const char *colon;

    while(end < len && body[end] != '\n' && body[end] != '\r')
      end++;
    paths[count].bytes = body + pos;
    paths[count].len = end - pos < PIECE_MAX ? end - pos : PIECE_MAX;
    count++;
    colon = memchr(body + pos, ':', end - pos);
    if(colon != NULL) {
      size_t start = (size_t)(colon + 1 - body);

      while(start < end && (body[start] == ' ' || body[start] == '\t'))
        start++;
      paths[count].bytes = body + start;
      paths[count].len = end - start < PIECE_MAX ? end - start : PIECE_MAX;
      values[(*value_count)++] = paths[count];
      count++;
    }
    pos = end + 1;
  }
  paths[count++] = (struct piece){ "", 0 };
  paths[count++] = (struct piece){ "/", 1 };
  paths[count++] = (struct piece){ "/robots.txt", 11 };
  return count;
}

/* Adds the near misses of the first values to paths. */
static size_t add_near_misses(const struct piece *values, size_t value_count,
                              struct piece *paths, size_t count)
{
  static char literal[SINGLE_RULES][PIECE_MAX];

  for(size_t i = 0; i < value_count && i < SINGLE_RULES; i++) {
    size_t len = 0;

    for(size_t j = 0; j < values[i].len; j++) {
      if(values[i].bytes[j] != '*' && values[i].bytes[j] != '$')
        literal[i][len++] = values[i].bytes[j];
    }
    paths[count++] = (struct piece){ literal[i], len };
    if(len > 0)
      paths[count++] = (struct piece){ literal[i], len - 1 };
  }
  return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct piece paths[MAX_PATHS];
  struct piece values[MAX_LINES];
  size_t path_count;
  size_t value_count;
  const char *body;
  size_t len;
  struct robots *robots;
  long delay;

  if(size < 1)
    return 0;
  if(allow_all == NULL) {
    allow_all = robots_allow_all();
    disallow_all = robots_disallow_all();
    CHECK(allow_all != NULL && disallow_all != NULL);
  }
  body = (const char *)data + 1;
  len = size - 1;
  robots = robots_parse(body, len, tokens[data[0] % 5]);
  CHECK(robots != NULL);

  delay = robots_crawl_delay_ms(robots);
  CHECK(delay >= -1 && delay <= ROBOTS_CRAWL_DELAY_MAX_MS);
  /* A rule takes a line, and a line takes at least one byte or is the
   * last. */
  CHECK(robots_rule_count(robots) <= len);
  CHECK(robots_sitemap_count(robots) <= len);
  for(size_t i = 0; i < robots_sitemap_count(robots); i++) {
    const char *sitemap = robots_sitemap(robots, i);

    CHECK(sitemap != NULL && sitemap[0] != '\0');
    for(const char *p = sitemap; *p != '\0'; p++)
      CHECK(*p > 0x20 && *p < 0x7F);
  }
  CHECK(robots_sitemap(robots, robots_sitemap_count(robots)) == NULL);

  path_count = cut_pieces(body, len, paths, values, &value_count);
  path_count = add_near_misses(values, value_count, paths, path_count);
  for(size_t i = 0; i < path_count; i++)
    check_path(robots, &paths[i]);
  robots_free(robots);

  for(size_t i = 0; i < value_count && i < SINGLE_RULES; i++)
    check_single_rule(&values[i], paths, path_count);
  if(value_count >= 2)
    check_rule_pair(&values[0], &values[1], paths, path_count);
  return 0;
}
