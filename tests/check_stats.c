/*
 * Unit tests for src/stats.c.
 *
 * With STATS_BENCH set in the environment, runs a micro-benchmark of
 * stats_record instead (10 million samples) and prints ns per record.
 */

#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"

/* Shorthands for samples and times. */
static struct stats_sample sample_ms(double total_ms)
{
  struct stats_sample s = { .ok = true, .status = 200, .attempt = 1 };

  s.total_ms = total_ms;
  return s;
}

static struct timespec at(time_t sec, long nsec)
{
  struct timespec t;

  t.tv_sec = sec;
  t.tv_nsec = nsec;
  return t;
}

/* The bucket one sample of `ms` lands in, from a fresh worker. */
static int bucket_of(double ms)
{
  static struct stats_worker w;
  struct stats_sample s = sample_ms(ms);
  struct timespec now = at(1000, 0);
  int found = -1;

  memset(&w, 0, sizeof(w));
  stats_record(&w, &s, &now);
  for(int b = 0; b < STATS_HISTOGRAM_BUCKETS; b++) {
    if(w.counters.latency[b]) {
      ck_assert_int_eq(found, -1);
      ck_assert_uint_eq(w.counters.latency[b], 1);
      found = b;
    }
  }
  ck_assert_int_ge(found, 0);
  return found;
}

/* The upper edge of bucket b as stats_percentile reports it: the p50 of one
 * sample in it. */
static double edge_of_sample(double ms)
{
  struct stats_counters c;

  memset(&c, 0, sizeof(c));
  c.latency[bucket_of(ms)] = 1;
  return stats_percentile(&c, 0.5);
}

static void assert_rel(double got, double want, double tol)
{
  ck_assert_msg(fabs(got - want) <= tol * fabs(want), "got %.17g, want %.17g",
                got, want);
}

/* ---- counters ---- */

START_TEST(test_counters_after_known_samples)
{
  static struct stats_worker w;
  struct timespec now = at(5000, 0);
  struct stats_sample s[6];

  memset(s, 0, sizeof(s));
  /* 200 ok, 1234 bytes, first attempt */
  s[0] = sample_ms(10);
  s[0].bytes = 1234;
  /* 404, http_error, second attempt */
  s[1].error = RESULT_ERR_HTTP_ERROR;
  s[1].status = 404;
  s[1].bytes = 10;
  s[1].attempt = 2;
  /* no response: dns error */
  s[2].error = RESULT_ERR_DNS;
  s[2].attempt = 1;
  /* 301 ok, truncated, third attempt */
  s[3] = sample_ms(3);
  s[3].status = 301;
  s[3].bytes = 100;
  s[3].truncated = true;
  s[3].attempt = 3;
  /* 503 http_error */
  s[4].error = RESULT_ERR_HTTP_ERROR;
  s[4].status = 503;
  s[4].attempt = 1;
  /* 101 ok */
  s[5] = sample_ms(1);
  s[5].status = 101;

  memset(&w, 0, sizeof(w));
  for(int i = 0; i < 6; i++)
    stats_record(&w, &s[i], &now);

  ck_assert_uint_eq(w.counters.records, 6);
  ck_assert_uint_eq(w.counters.ok, 3);
  ck_assert_uint_eq(w.counters.errors, 3);
  ck_assert_uint_eq(w.counters.bytes, 1344);
  ck_assert_uint_eq(w.counters.status_none, 1);
  ck_assert_uint_eq(w.counters.status_1xx, 1);
  ck_assert_uint_eq(w.counters.status_2xx, 1);
  ck_assert_uint_eq(w.counters.status_3xx, 1);
  ck_assert_uint_eq(w.counters.status_4xx, 1);
  ck_assert_uint_eq(w.counters.status_5xx, 1);
  ck_assert_uint_eq(w.counters.truncated, 1);
  ck_assert_uint_eq(w.counters.retried, 2);
  for(int e = 0; e < RESULT_ERROR_COUNT; e++) {
    uint64_t want = e == RESULT_ERR_HTTP_ERROR ? 2 : e == RESULT_ERR_DNS;

    ck_assert_uint_eq(w.counters.error_codes[e], want);
  }
}
END_TEST

START_TEST(test_status_outside_classes_counts_in_none_of_them)
{
  static struct stats_worker w;
  struct timespec now = at(5000, 0);
  struct stats_sample s = sample_ms(1);

  memset(&w, 0, sizeof(w));
  s.status = 99;
  stats_record(&w, &s, &now);
  s.status = 600;
  stats_record(&w, &s, &now);
  s.status = -1;
  stats_record(&w, &s, &now);
  ck_assert_uint_eq(w.counters.records, 3);
  ck_assert_uint_eq(w.counters.status_none, 1); /* only -1 */
  ck_assert_uint_eq(w.counters.status_1xx + w.counters.status_2xx +
                        w.counters.status_3xx + w.counters.status_4xx +
                        w.counters.status_5xx,
                    0);
}
END_TEST

START_TEST(test_unknown_error_code_counts_as_internal)
{
  static struct stats_worker w;
  struct timespec now = at(5000, 0);
  struct stats_sample s = sample_ms(1);

  memset(&w, 0, sizeof(w));
  s.ok = false;
  s.error = (enum result_error)(RESULT_ERROR_COUNT + 5);
  stats_record(&w, &s, &now);
  ck_assert_uint_eq(w.counters.errors, 1);
  ck_assert_uint_eq(w.counters.error_codes[RESULT_ERR_INTERNAL], 1);
}
END_TEST

START_TEST(test_add_sums_two_workers_exactly)
{
  static struct stats_worker a, b;
  struct stats_counters sum;
  struct timespec now = at(5000, 0);
  struct stats_sample s = sample_ms(5);

  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  memset(&sum, 0, sizeof(sum));
  s.bytes = 7;
  for(int i = 0; i < 3; i++)
    stats_record(&a, &s, &now);
  s.ok = false;
  s.error = RESULT_ERR_TIMEOUT;
  s.status = 0;
  s.total_ms = 30000;
  s.attempt = 2;
  s.truncated = true;
  for(int i = 0; i < 4; i++)
    stats_record(&b, &s, &now);

  stats_add(&sum, &a);
  stats_add(&sum, &b);
#define CHECK_SUM(name, text) \
  ck_assert_uint_eq(sum.name, a.counters.name + b.counters.name);
  STATS_COUNTERS(CHECK_SUM)
#undef CHECK_SUM
  for(int e = 0; e < RESULT_ERROR_COUNT; e++)
    ck_assert_uint_eq(sum.error_codes[e],
                      a.counters.error_codes[e] + b.counters.error_codes[e]);
  for(int i = 0; i < STATS_HISTOGRAM_BUCKETS; i++)
    ck_assert_uint_eq(sum.latency[i],
                      a.counters.latency[i] + b.counters.latency[i]);
  ck_assert_uint_eq(sum.records, 7);
  ck_assert_uint_eq(sum.ok, 3);
  ck_assert_uint_eq(sum.errors, 4);
  ck_assert_uint_eq(sum.bytes, 49);
  ck_assert_uint_eq(sum.status_2xx, 3);
  ck_assert_uint_eq(sum.status_none, 4);
  ck_assert_uint_eq(sum.truncated, 4);
  ck_assert_uint_eq(sum.retried, 4);
  ck_assert_uint_eq(sum.error_codes[RESULT_ERR_TIMEOUT], 4);
  ck_assert_uint_eq(sum.latency[bucket_of(5)], 3);
  ck_assert_uint_eq(sum.latency[bucket_of(30000)], 4);
}
END_TEST

/* ---- buckets ---- */

START_TEST(test_bucket_half_ms_is_bucket_0)
{
  ck_assert_int_eq(bucket_of(0.5), 0);
  ck_assert_int_eq(bucket_of(0.0), 0);
  ck_assert_int_eq(bucket_of(0.999999), 0);
}
END_TEST

START_TEST(test_bucket_nan_and_negative_are_bucket_0)
{
  ck_assert_int_eq(bucket_of(NAN), 0);
  ck_assert_int_eq(bucket_of(-5.0), 0);
  ck_assert_int_eq(bucket_of(-INFINITY), 0);
}
END_TEST

START_TEST(test_bucket_exactly_1_ms_is_bucket_1)
{
  ck_assert_int_eq(bucket_of(1.0), 1);
  assert_rel(edge_of_sample(1.0), 1.189207115002721, 1e-15);
}
END_TEST

START_TEST(test_bucket_1_2_ms_is_bucket_2)
{
  /* 2^0.25 = 1.189 <= 1.2 < 2^0.5 = 1.414 */
  ck_assert_int_eq(bucket_of(1.2), 2);
  assert_rel(edge_of_sample(1.2), sqrt(2.0), 1e-15);
}
END_TEST

START_TEST(test_bucket_exactly_2_ms_is_bucket_5)
{
  ck_assert_int_eq(bucket_of(2.0), 5);
  ck_assert_int_eq(bucket_of(nextafter(2.0, 0.0)), 4);
  ck_assert(edge_of_sample(nextafter(2.0, 0.0)) == 2.0);
}
END_TEST

START_TEST(test_bucket_1000_ms_is_bucket_40)
{
  /* log2(1000) = 9.966, 4 * 9.966 = 39.86: [2^9.75, 2^10) = [861, 1024) */
  ck_assert_int_eq(bucket_of(1000.0), 40);
  ck_assert(edge_of_sample(1000.0) == 1024.0);
}
END_TEST

START_TEST(test_bucket_1e9_ms_is_bucket_120)
{
  /* 1e9 ms is 11.6 days: 4 * log2(1e9) = 119.59, not yet clamped */
  ck_assert_int_eq(bucket_of(1e9), 120);
  ck_assert(edge_of_sample(1e9) == 1073741824.0); /* 2^30 */
}
END_TEST

START_TEST(test_bucket_huge_is_clamped_to_last)
{
  ck_assert_int_eq(bucket_of(1e12), STATS_HISTOGRAM_BUCKETS - 1);
  ck_assert_int_eq(bucket_of(INFINITY), STATS_HISTOGRAM_BUCKETS - 1);
  ck_assert_int_eq(bucket_of(1e300), STATS_HISTOGRAM_BUCKETS - 1);
  /* the last bucket starts at 2^31.5 ms */
  ck_assert_int_eq(bucket_of(3037000500.0), STATS_HISTOGRAM_BUCKETS - 1);
  ck_assert_int_eq(bucket_of(3037000499.0), STATS_HISTOGRAM_BUCKETS - 2);
}
END_TEST

START_TEST(test_every_bucket_edge_is_2_to_the_b_over_4)
{
  for(int b = 1; b < STATS_HISTOGRAM_BUCKETS - 1; b++) {
    double lower = exp2((b - 1) / 4.0);
    double upper = exp2(b / 4.0);

    /* well inside: the bucket itself */
    ck_assert_int_eq(bucket_of(lower * 1.0001), b);
    ck_assert_int_eq(bucket_of(upper * 0.9999), b);
    /* the reported edge is 2^(b/4) */
    assert_rel(edge_of_sample(lower * 1.0001), upper, 1e-15);
    /* the edge itself belongs to the bucket above */
    ck_assert_int_eq(bucket_of(edge_of_sample(lower * 1.0001)), b + 1);
    /* at most 19% wide */
    ck_assert(upper / lower < 1.19);
  }
}
END_TEST

/* ---- percentiles ---- */

START_TEST(test_percentile_of_nothing_is_0)
{
  struct stats_counters c;

  memset(&c, 0, sizeof(c));
  ck_assert(stats_percentile(&c, 0.5) == 0.0);
  ck_assert(stats_percentile(&c, 0.99) == 0.0);
}
END_TEST

START_TEST(test_percentile_of_1_to_100_ms)
{
  static struct stats_worker w;
  struct timespec now = at(5000, 0);
  double p50, p90, p99;

  memset(&w, 0, sizeof(w));
  for(int ms = 1; ms <= 100; ms++) {
    struct stats_sample s = sample_ms(ms);

    stats_record(&w, &s, &now);
  }
  p50 = stats_percentile(&w.counters, 0.5);
  p90 = stats_percentile(&w.counters, 0.9);
  p99 = stats_percentile(&w.counters, 0.99);
  /* 50 is in bucket 23 [2^5.5, 2^5.75) = [45.25, 53.82) */
  assert_rel(p50, exp2(23 / 4.0), 1e-15);
  /* 90 is in bucket 26 [2^6.25, 2^6.5) = [76.11, 90.51) */
  assert_rel(p90, exp2(26 / 4.0), 1e-15);
  /* 99 is in bucket 27 [2^6.5, 2^6.75) = [90.51, 107.63) */
  assert_rel(p99, exp2(27 / 4.0), 1e-15);
  ck_assert(p50 <= p90 && p90 <= p99);
  ck_assert(p50 >= 50 && (p50 - 50) / 50 < 0.19);
  ck_assert(p90 >= 90 && (p90 - 90) / 90 < 0.19);
  ck_assert(p99 >= 99 && (p99 - 99) / 99 < 0.19);
}
END_TEST

START_TEST(test_percentile_all_under_1_ms_is_1)
{
  struct stats_counters c;

  memset(&c, 0, sizeof(c));
  c.latency[0] = 10;
  ck_assert(stats_percentile(&c, 0.5) == 1.0);
  ck_assert(stats_percentile(&c, 0.99) == 1.0);
}
END_TEST

START_TEST(test_percentile_rank_is_ceil_of_fraction)
{
  struct stats_counters c;

  /* 10 records: 9 in bucket 4 (<= 2 ms), 1 in bucket 40 (<= 1024 ms) */
  memset(&c, 0, sizeof(c));
  c.latency[4] = 9;
  c.latency[40] = 1;
  ck_assert(stats_percentile(&c, 0.9) == 2.0);     /* rank 9 */
  ck_assert(stats_percentile(&c, 0.91) == 1024.0); /* rank 10 */
  ck_assert(stats_percentile(&c, 0.0) == 2.0);     /* rank 1 */
  ck_assert(stats_percentile(&c, 2.0) == 1024.0);  /* rank n */
  ck_assert(stats_percentile(&c, NAN) == 2.0);     /* rank 1 */
}
END_TEST

/* ---- rates ---- */

START_TEST(test_rate_10_records_per_second_for_10_seconds)
{
  static struct stats_worker w;
  const struct stats_worker *workers[1] = { &w };
  struct stats_sample s = sample_ms(1);
  struct timespec now = at(1000, 500000000);

  memset(&w, 0, sizeof(w));
  /* seconds 991..1000: 10 records in each, at their half second */
  for(time_t sec = 991; sec <= 1000; sec++) {
    struct timespec t = at(sec, 500000000);

    for(int i = 0; i < 10; i++)
      stats_record(&w, &s, &t);
  }
  /* 100 records over 9.5 s */
  ck_assert(stats_rate(workers, 1, 10, &now) == 100.0 / 9.5);
}
END_TEST

START_TEST(test_rate_steady_10_per_second_is_exactly_10)
{
  static struct stats_worker w;
  const struct stats_worker *workers[1] = { &w };
  struct stats_sample s = sample_ms(1);
  struct timespec now = at(1000, 500000000);

  memset(&w, 0, sizeof(w));
  /* one record every 100 ms from 990.0 up to now, 1000.5 */
  for(long tick = 9900; tick <= 10004; tick++) {
    struct timespec t = at((time_t)(tick / 10), (tick % 10) * 100000000L);

    stats_record(&w, &s, &t);
  }
  /* window 991.0 .. 1000.5: 95 records in 9.5 s */
  ck_assert(stats_rate(workers, 1, 10, &now) == 10.0);
}
END_TEST

START_TEST(test_rate_ignores_records_older_than_the_window)
{
  static struct stats_worker w;
  const struct stats_worker *workers[1] = { &w };
  struct stats_sample s = sample_ms(1);
  struct timespec old = at(990, 0);
  struct timespec recent = at(995, 0);
  struct timespec now = at(1000, 0);

  memset(&w, 0, sizeof(w));
  for(int i = 0; i < 50; i++)
    stats_record(&w, &s, &old); /* second 990: outside (990, 1000] */
  for(int i = 0; i < 9; i++)
    stats_record(&w, &s, &recent);
  /* 9 records, window lasted 9 s */
  ck_assert(stats_rate(workers, 1, 10, &now) == 1.0);
  /* the minute window sees both: 59 records over 59 s */
  ck_assert(stats_rate(workers, 1, 60, &now) == 1.0);
}
END_TEST

START_TEST(test_rate_slot_reused_after_300_s_is_reset)
{
  static struct stats_worker w;
  const struct stats_worker *workers[1] = { &w };
  struct stats_sample s = sample_ms(1);
  struct timespec first = at(1000, 0);
  struct timespec again = at(1300, 0);
  struct timespec now = at(1300, 0);
  int slot = 1000 % STATS_RING_SECONDS;

  ck_assert_int_eq(slot, 1300 % STATS_RING_SECONDS);
  memset(&w, 0, sizeof(w));
  s.bytes = 100;
  for(int i = 0; i < 40; i++)
    stats_record(&w, &s, &first);
  /* stale on read: second 1000 is not in (1000, 1300] */
  ck_assert(stats_rate(workers, 1, 300, &now) == 0.0);
  s.bytes = 3;
  stats_record(&w, &s, &again);
  ck_assert_int_eq(w.ring[slot].second, 1300);
  ck_assert_uint_eq(w.ring[slot].records, 1);
  ck_assert_uint_eq(w.ring[slot].bytes, 3);
  ck_assert_uint_eq(w.ring[slot].errors, 0);
  ck_assert(stats_rate(workers, 1, 300, &now) == 1.0 / 299.0);
  /* the totals still have everything */
  ck_assert_uint_eq(w.counters.records, 41);
}
END_TEST

START_TEST(test_rate_sums_workers)
{
  static struct stats_worker a, b;
  const struct stats_worker *workers[3] = { &a, NULL, &b };
  struct stats_sample s = sample_ms(1);
  struct timespec now = at(2000, 0);

  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  for(time_t sec = 1991; sec <= 2000; sec++) {
    struct timespec t = at(sec, 0);

    stats_record(&a, &s, &t);
    stats_record(&b, &s, &t);
    stats_record(&b, &s, &t);
  }
  /* 30 records in (1990, 2000], over 9 s */
  ck_assert(stats_rate(workers, 3, 10, &now) == 30.0 / 9.0);
  ck_assert(stats_rate(workers, 0, 10, &now) == 0.0);
}
END_TEST

START_TEST(test_rate_of_fresh_worker_is_0)
{
  static struct stats_worker w;
  const struct stats_worker *workers[1] = { &w };
  struct timespec now = at(0, 0);

  memset(&w, 0, sizeof(w));
  ck_assert(stats_rate(workers, 1, 10, &now) == 0.0);
  ck_assert(stats_rate(workers, 1, 300, &now) == 0.0);
  now = at(123456, 999999999);
  ck_assert(stats_rate(workers, 1, 60, &now) == 0.0);
}
END_TEST

/* ---- JSON ---- */

static const char *const counter_names[] = {
#define STATS_NAME(name, text) #name,
  STATS_COUNTERS(STATS_NAME)
#undef STATS_NAME
};
#define COUNTER_COUNT (sizeof(counter_names) / sizeof(counter_names[0]))

START_TEST(test_json_has_every_counter_by_name)
{
  struct stats_counters c;
  uint64_t next = 1000;
  json_t *j;

  memset(&c, 0, sizeof(c));
  /* every counter a distinct value, in X-macro order */
#define STATS_SET(name, text) c.name = next++;
  STATS_COUNTERS(STATS_SET)
#undef STATS_SET
  j = stats_to_json(&c);
  ck_assert_ptr_nonnull(j);
  ck_assert(json_is_object(j));
  /* the counters, errors_by_code and latency_ms: nothing else */
  ck_assert_uint_eq(json_object_size(j), COUNTER_COUNT + 2);
  for(size_t i = 0; i < COUNTER_COUNT; i++) {
    json_t *v = json_object_get(j, counter_names[i]);

    ck_assert_msg(json_is_integer(v), "missing %s", counter_names[i]);
    ck_assert_int_eq(json_integer_value(v), 1000 + (json_int_t)i);
  }
  ck_assert_int_eq(json_integer_value(json_object_get(j, "records")), 1000);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "retried")),
                   1000 + (json_int_t)COUNTER_COUNT - 1);
  json_decref(j);
}
END_TEST

START_TEST(test_json_errors_by_code_has_only_seen_codes)
{
  static struct stats_worker w;
  struct timespec now = at(5000, 0);
  struct stats_sample s = sample_ms(1);
  json_t *j, *codes;

  memset(&w, 0, sizeof(w));
  s.ok = false;
  s.error = RESULT_ERR_TIMEOUT;
  stats_record(&w, &s, &now);
  stats_record(&w, &s, &now);
  s.error = RESULT_ERR_ROBOTS_DENIED;
  stats_record(&w, &s, &now);
  j = stats_to_json(&w.counters);
  ck_assert_ptr_nonnull(j);
  codes = json_object_get(j, "errors_by_code");
  ck_assert(json_is_object(codes));
  ck_assert_uint_eq(json_object_size(codes), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(codes, "timeout")), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(codes, "robots_denied")),
                   1);
  json_decref(j);
}
END_TEST

START_TEST(test_json_errors_by_code_empty_when_no_errors)
{
  struct stats_counters c;
  json_t *j;

  memset(&c, 0, sizeof(c));
  j = stats_to_json(&c);
  ck_assert_ptr_nonnull(j);
  ck_assert(json_is_object(json_object_get(j, "errors_by_code")));
  ck_assert_uint_eq(json_object_size(json_object_get(j, "errors_by_code")), 0);
  json_decref(j);
}
END_TEST

START_TEST(test_json_latency_percentiles_are_reals)
{
  struct stats_counters c;
  json_t *j, *lat;

  memset(&c, 0, sizeof(c));
  c.latency[4] = 9;  /* <= 2 ms */
  c.latency[40] = 1; /* <= 1024 ms */
  j = stats_to_json(&c);
  ck_assert_ptr_nonnull(j);
  lat = json_object_get(j, "latency_ms");
  ck_assert(json_is_object(lat));
  ck_assert_uint_eq(json_object_size(lat), 3);
  ck_assert(json_is_real(json_object_get(lat, "p50")));
  ck_assert(json_is_real(json_object_get(lat, "p90")));
  ck_assert(json_is_real(json_object_get(lat, "p99")));
  ck_assert(json_real_value(json_object_get(lat, "p50")) == 2.0);
  ck_assert(json_real_value(json_object_get(lat, "p90")) == 2.0);
  ck_assert(json_real_value(json_object_get(lat, "p99")) == 1024.0);
  json_decref(j);
}
END_TEST

/* ---- memory ---- */

START_TEST(test_worker_is_constant_and_small)
{
  static struct stats_worker w;
  struct stats_sample s = sample_ms(1);

  memset(&w, 0, sizeof(w));
  /* a million records spread over 20 minutes change nothing in the size:
   * it is a compile-time constant, and it is small */
  for(long i = 0; i < 1000000; i++) {
    struct timespec t = at((time_t)(i / 800), 0);

    s.total_ms = (double)(i % 5000);
    stats_record(&w, &s, &t);
  }
  ck_assert_uint_eq(w.counters.records, 1000000);
  ck_assert_uint_lt(sizeof(struct stats_worker), 16 * 1024);
}
END_TEST

/* ---- benchmark ---- */

#define BENCH_RECORDS 10000000L
#define BENCH_SAMPLES 1024

static int bench(void)
{
  static struct stats_worker w;
  static struct stats_sample samples[BENCH_SAMPLES];
  struct timespec start, end, now = at(1000, 0);
  unsigned int seed = 12345;
  double ns;

  for(int i = 0; i < BENCH_SAMPLES; i++) {
    struct stats_sample *s = &samples[i];

    seed = seed * 1103515245u + 12345u;
    s->total_ms = exp2((double)(seed >> 8) / (double)(1u << 24) * 16.0);
    s->status = 100 + (long)(seed % 500);
    s->ok = s->status < 400;
    s->error = s->ok ? RESULT_OK : RESULT_ERR_HTTP_ERROR;
    s->bytes = seed % 100000;
    s->truncated = (seed & 0x1000) != 0;
    s->attempt = 1 + (int)((seed >> 4) % 3);
  }
  memset(&w, 0, sizeof(w));
  clock_gettime(CLOCK_MONOTONIC, &start);
  for(long i = 0; i < BENCH_RECORDS; i++) {
    /* 1000 records per simulated second: the ring moves on too */
    now.tv_sec = (time_t)(1000 + i / 1000);
    stats_record(&w, &samples[i % BENCH_SAMPLES], &now);
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  ns = (double)(end.tv_sec - start.tv_sec) * 1e9 +
       (double)(end.tv_nsec - start.tv_nsec);
  printf("stats_record: %ld records, %.2f ns/record (records=%llu, "
         "p50=%.3g ms)\n",
         BENCH_RECORDS, ns / (double)BENCH_RECORDS,
         (unsigned long long)w.counters.records,
         stats_percentile(&w.counters, 0.5));
  return w.counters.records == (uint64_t)BENCH_RECORDS ? EXIT_SUCCESS
                                                       : EXIT_FAILURE;
}

static Suite *stats_suite(void)
{
  Suite *suite = suite_create("stats");
  TCase *counters = tcase_create("counters");
  TCase *buckets = tcase_create("buckets");
  TCase *percentiles = tcase_create("percentiles");
  TCase *rates = tcase_create("rates");
  TCase *json = tcase_create("json");
  TCase *memory = tcase_create("memory");

  tcase_add_test(counters, test_counters_after_known_samples);
  tcase_add_test(counters, test_status_outside_classes_counts_in_none_of_them);
  tcase_add_test(counters, test_unknown_error_code_counts_as_internal);
  tcase_add_test(counters, test_add_sums_two_workers_exactly);
  suite_add_tcase(suite, counters);

  tcase_add_test(buckets, test_bucket_half_ms_is_bucket_0);
  tcase_add_test(buckets, test_bucket_nan_and_negative_are_bucket_0);
  tcase_add_test(buckets, test_bucket_exactly_1_ms_is_bucket_1);
  tcase_add_test(buckets, test_bucket_1_2_ms_is_bucket_2);
  tcase_add_test(buckets, test_bucket_exactly_2_ms_is_bucket_5);
  tcase_add_test(buckets, test_bucket_1000_ms_is_bucket_40);
  tcase_add_test(buckets, test_bucket_1e9_ms_is_bucket_120);
  tcase_add_test(buckets, test_bucket_huge_is_clamped_to_last);
  tcase_add_test(buckets, test_every_bucket_edge_is_2_to_the_b_over_4);
  suite_add_tcase(suite, buckets);

  tcase_add_test(percentiles, test_percentile_of_nothing_is_0);
  tcase_add_test(percentiles, test_percentile_of_1_to_100_ms);
  tcase_add_test(percentiles, test_percentile_all_under_1_ms_is_1);
  tcase_add_test(percentiles, test_percentile_rank_is_ceil_of_fraction);
  suite_add_tcase(suite, percentiles);

  tcase_add_test(rates, test_rate_10_records_per_second_for_10_seconds);
  tcase_add_test(rates, test_rate_steady_10_per_second_is_exactly_10);
  tcase_add_test(rates, test_rate_ignores_records_older_than_the_window);
  tcase_add_test(rates, test_rate_slot_reused_after_300_s_is_reset);
  tcase_add_test(rates, test_rate_sums_workers);
  tcase_add_test(rates, test_rate_of_fresh_worker_is_0);
  suite_add_tcase(suite, rates);

  tcase_add_test(json, test_json_has_every_counter_by_name);
  tcase_add_test(json, test_json_errors_by_code_has_only_seen_codes);
  tcase_add_test(json, test_json_errors_by_code_empty_when_no_errors);
  tcase_add_test(json, test_json_latency_percentiles_are_reals);
  suite_add_tcase(suite, json);

  tcase_add_test(memory, test_worker_is_constant_and_small);
  suite_add_tcase(suite, memory);
  return suite;
}

int main(void)
{
  SRunner *runner;
  int failed;

  if(getenv("STATS_BENCH"))
    return bench();
  runner = srunner_create(stats_suite());
  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
