/*
 * Unit tests for the seen-set (src/seen.c): a URL is new once and seen ever
 * after, none is lost while the shards grow, the count is exact, memory
 * follows the count, and a failed add (the limit standing in for running out
 * of memory) leaves the set as it was.
 *
 * False positives are possible by design (seen.h) but, at about n / 2^44,
 * none is expected among the few hundred thousand URLs here, so the tests
 * treat every "seen" of a URL never added as a failure; bench/seen_fp.c
 * measures the rate at 10 million.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seen.h"

/* Enough URLs that every shard grows several times (about 49 a shard). */
#define MANY 200000

static struct seen *seen;

static void setup(void)
{
  seen = seen_new();
  ck_assert_ptr_nonnull(seen);
}

static void teardown(void)
{
  seen_free(seen);
  seen = NULL;
}

/* The i-th URL of a family of distinct ones. */
static size_t url_of(char *url, size_t size, const char *family, long i)
{
  int len = snprintf(url, size, "https://host%ld.example/%s/page?id=%ld",
                     i % 997, family, i);

  ck_assert_int_gt(len, 0);
  ck_assert_uint_lt((size_t)len, size);
  return (size_t)len;
}

static int add_str(const char *url)
{
  return seen_add(seen, url, strlen(url));
}

static bool has_str(const char *url)
{
  return seen_has(seen, url, strlen(url));
}

START_TEST(test_add_is_new_once_then_seen)
{
  ck_assert(!has_str("https://example.com/"));
  ck_assert_int_eq(add_str("https://example.com/"), 1);
  ck_assert(has_str("https://example.com/"));
  ck_assert_int_eq(add_str("https://example.com/"), 0);
  ck_assert_int_eq(add_str("https://example.com/"), 0);
  ck_assert_int_eq(seen_count(seen), 1);
}
END_TEST

START_TEST(test_urls_differing_in_one_byte_are_distinct)
{
  ck_assert_int_eq(add_str("https://example.com/a"), 1);
  ck_assert_int_eq(add_str("https://example.com/b"), 1);
  ck_assert_int_eq(add_str("https://example.com/a/"), 1);
  ck_assert_int_eq(add_str("http://example.com/a"), 1);
  ck_assert_int_eq(add_str("https://Example.com/a"), 1);
  ck_assert_int_eq(seen_count(seen), 5);
}
END_TEST

/* The length is part of the digest: a URL and the same bytes with a NUL
 * after them are two URLs. */
START_TEST(test_length_counts_not_the_nul)
{
  const char url[] = "https://example.com/x\0";

  ck_assert_int_eq(seen_add(seen, url, sizeof(url) - 2), 1);
  ck_assert_int_eq(seen_add(seen, url, sizeof(url) - 1), 1);
  ck_assert(seen_has(seen, url, sizeof(url) - 2));
  ck_assert(seen_has(seen, url, sizeof(url) - 1));
  ck_assert(!seen_has(seen, url, sizeof(url) - 3));
}
END_TEST

START_TEST(test_empty_url_is_a_url)
{
  ck_assert(!seen_has(seen, "", 0));
  ck_assert_int_eq(seen_add(seen, "", 0), 1);
  ck_assert(seen_has(seen, "", 0));
  ck_assert_int_eq(seen_add(seen, "", 0), 0);
  ck_assert_int_eq(seen_count(seen), 1);
}
END_TEST

/* 8 KiB URLs that differ only in their last byte, or only in their first:
 * every byte counts, however long the URL. */
START_TEST(test_long_urls_count_every_byte)
{
  enum { LONG = 8192 };
  char *url = malloc(LONG);

  ck_assert_ptr_nonnull(url);
  memset(url, 'a', LONG);
  memcpy(url, "https://example.com/", 20);
  for(int last = 0; last < 64; last++) {
    url[LONG - 1] = (char)('0' + last);
    ck_assert_int_eq(seen_add(seen, url, LONG), 1);
  }
  url[0] = 'H';
  ck_assert(!seen_has(seen, url, LONG));
  ck_assert_int_eq(seen_add(seen, url, LONG), 1);
  ck_assert_int_eq(seen_add(seen, url, LONG), 0);
  ck_assert(!seen_has(seen, url, LONG - 1));
  ck_assert_int_eq(seen_count(seen), 65);
  free(url);
}
END_TEST

/* Every URL added stays seen through every growth of every shard, the count
 * is exact, and URLs never added are not seen. */
START_TEST(test_no_url_is_lost_while_shards_grow)
{
  char url[128];

  for(long i = 0; i < MANY; i++) {
    size_t len = url_of(url, sizeof(url), "in", i);

    ck_assert_int_eq(seen_add(seen, url, len), 1);
    ck_assert_int_eq(seen_count(seen), i + 1);
  }
  for(long i = 0; i < MANY; i++) {
    size_t len = url_of(url, sizeof(url), "in", i);

    ck_assert_msg(seen_has(seen, url, len), "lost %s", url);
    ck_assert_int_eq(seen_add(seen, url, len), 0);
  }
  ck_assert_int_eq(seen_count(seen), MANY);
  for(long i = 0; i < MANY; i++) {
    size_t len = url_of(url, sizeof(url), "out", i);

    ck_assert_msg(!seen_has(seen, url, len), "never added: %s", url);
  }
}
END_TEST

START_TEST(test_memory_follows_the_count)
{
  char url[128];
  size_t empty = seen_bytes(seen);
  size_t last = empty;

  /* The shard headers only: no table before the first URL. */
  ck_assert_uint_le(empty, 64 * 1024 + 1024);
  for(long i = 0; i < 100; i++)
    ck_assert_int_eq(seen_add(seen, url, url_of(url, sizeof(url), "in", i)),
                     1);
  ck_assert_uint_gt(seen_bytes(seen), empty);
  ck_assert_uint_le(seen_bytes(seen), empty + 100 * 4 * 64);
  for(long i = 100; i < MANY; i++) {
    size_t bytes;

    ck_assert_int_eq(seen_add(seen, url, url_of(url, sizeof(url), "in", i)),
                     1);
    bytes = seen_bytes(seen);
    ck_assert_uint_ge(bytes, last);
    last = bytes;
  }
  /* Each shard's slots, at most (7/8) / (3/2) of them used after growing,
   * plus the slack at the end: about 10 bytes a URL at 49 a shard. */
  ck_assert_uint_le(last - empty, (size_t)MANY * 12);
  ck_assert_uint_ge(last - empty, (size_t)MANY * 4);
}
END_TEST

/* An add the limit refuses returns -1 and changes nothing: what was there
 * is still seen, the refused URL is not, and the count stays. */
START_TEST(test_failed_add_leaves_the_set_as_it_was)
{
  char url[128];
  size_t limit = seen_bytes(seen) + 64 * 1024;
  size_t bytes_before = 0;
  size_t len = 0;
  long added = 0;
  int rc = 1;

  seen_set_limit(seen, limit);
  while(added < MANY && rc == 1) {
    bytes_before = seen_bytes(seen);
    len = url_of(url, sizeof(url), "in", added);
    rc = seen_add(seen, url, len);
    if(rc == 1)
      added++;
  }
  ck_assert_int_eq(rc, -1);
  ck_assert_int_eq(seen_count(seen), added);
  ck_assert_uint_eq(seen_bytes(seen), bytes_before);
  ck_assert_uint_le(seen_bytes(seen), limit);
  ck_assert(!seen_has(seen, url, len));
  for(long i = 0; i < added; i++) {
    char other[128];

    ck_assert(seen_has(seen, other, url_of(other, sizeof(other), "in", i)));
  }

  /* Lifting the limit lets the refused URL in. */
  seen_set_limit(seen, 0);
  ck_assert_int_eq(seen_add(seen, url, len), 1);
  ck_assert_int_eq(seen_count(seen), added + 1);
}
END_TEST

START_TEST(test_free_takes_null)
{
  seen_free(NULL);
}
END_TEST

static Suite *seen_suite(void)
{
  Suite *suite = suite_create("seen");
  TCase *basics = tcase_create("basics");
  TCase *growth = tcase_create("growth");

  tcase_add_checked_fixture(basics, setup, teardown);
  tcase_add_test(basics, test_add_is_new_once_then_seen);
  tcase_add_test(basics, test_urls_differing_in_one_byte_are_distinct);
  tcase_add_test(basics, test_length_counts_not_the_nul);
  tcase_add_test(basics, test_empty_url_is_a_url);
  tcase_add_test(basics, test_long_urls_count_every_byte);
  tcase_add_test(basics, test_free_takes_null);
  suite_add_tcase(suite, basics);
  tcase_add_checked_fixture(growth, setup, teardown);
  tcase_set_timeout(growth, 60);
  tcase_add_test(growth, test_no_url_is_lost_while_shards_grow);
  tcase_add_test(growth, test_memory_follows_the_count);
  tcase_add_test(growth, test_failed_add_leaves_the_set_as_it_was);
  suite_add_tcase(suite, growth);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(seen_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
