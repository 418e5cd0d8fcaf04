/* stats.h - live statistics, cheap enough to leave on.
 *
 * Every record the supervisor commits is counted once, for the worker that
 * fetched it: counters (listed once, below), a log-bucketed latency
 * histogram (constant memory) and per-second rings that give rates over the
 * last 10 s, 1 min and 5 min. Everything is kept per worker and summed on
 * read, per worker kind or in total, so threads and processes stand side by
 * side. Only the supervisor's thread touches it: no locks. There is no
 * global state: a zeroed struct stats_worker (static, calloc or = {0}) is
 * ready to use and needs no cleanup. */
#ifndef CRAWLD_STATS_H
#define CRAWLD_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "result.h"

/* The counters, each a uint64_t: name, then what it counts. Output keys are
 * these names, so clients can skip the ones they do not know. */
#define STATS_COUNTERS(X)                                 \
  X(records, "records committed (one per URL)")           \
  X(ok, "records with ok true")                           \
  X(errors, "records with an error")                      \
  X(bytes, "body bytes received")                         \
  X(status_none, "records without an HTTP response")      \
  X(status_1xx, "records with an HTTP status of 100-199") \
  X(status_2xx, "records with an HTTP status of 200-299") \
  X(status_3xx, "records with an HTTP status of 300-399") \
  X(status_4xx, "records with an HTTP status of 400-499") \
  X(status_5xx, "records with an HTTP status of 500-599") \
  X(truncated, "bodies cut at max_body")                  \
  X(retried, "records on a second or later attempt")

/* Latency buckets: four per doubling of total_ms. Bucket 0 holds everything
 * under 1 ms (and NaN and negatives), bucket b (b >= 1) holds
 * [2^((b-1)/4), 2^(b/4)) ms, so a latency equal to an edge counts in the
 * bucket above it (1 ms in bucket 1, 2 ms in bucket 5). The last bucket,
 * 127, starts at 2^31.5 ms (35 days) and is open above: larger latencies
 * are clamped into it. Every bucket but the last is at most 19% wide. */
#define STATS_HISTOGRAM_BUCKETS 128
/* Seconds kept for rates: the longest window. */
#define STATS_RING_SECONDS 300

struct stats_counters {
#define STATS_FIELD(name, text) uint64_t name;
  STATS_COUNTERS(STATS_FIELD)
#undef STATS_FIELD
  uint64_t error_codes[RESULT_ERROR_COUNT];
  uint64_t latency[STATS_HISTOGRAM_BUCKETS];
};

/* One second of a ring: records and bytes committed in it. */
struct stats_second {
  int64_t second; /* monotonic second it counts; stale when older */
  uint64_t records;
  uint64_t bytes;
  uint64_t errors;
};

struct stats_worker {
  struct stats_counters counters;
  struct stats_second ring[STATS_RING_SECONDS];
};

/* What one record adds. */
struct stats_sample {
  bool ok;
  enum result_error error;
  long status; /* 0: no response */
  uint64_t bytes;
  bool truncated;
  int attempt;
  double total_ms;
};

/* Counts one record for a worker at CLOCK_MONOTONIC time now (the caller
 * reads the clock): O(1), no allocation, no system call. "errors" and
 * "error_codes" count records whose error is not RESULT_OK (an unknown code
 * counts as RESULT_ERR_INTERNAL); "ok" counts sample->ok by itself. A
 * status <= 0 counts as status_none; one outside 100-599 in no status
 * class. "retried" counts attempt >= 2. The ring slot of now's second is
 * reset first if it still holds an older second. */
void stats_record(struct stats_worker *worker,
                  const struct stats_sample *sample,
                  const struct timespec *now);
/* Adds the worker's counters into sum. */
void stats_add(struct stats_counters *sum, const struct stats_worker *worker);
/* Records per second over the last `seconds` (10, 60 or 300; clamped to
 * 1..STATS_RING_SECONDS) before now, summed over the given workers (NULL
 * entries are skipped). The window is the ring seconds in
 * (now_s - seconds, now_s], the current partial second included, and the
 * count is divided by the time that window has really lasted:
 * (seconds - 1) + now's fraction of a second, but at least 1 s. So with
 * now = 1000.5 s, rate(10) counts seconds 991..1000 and divides by 9.5.
 * Seconds before a worker's first record count as zero. */
double stats_rate(const struct stats_worker *const *workers, int count,
                  int seconds, const struct timespec *now);
/* The latency (ms) below which `fraction` (0.5, 0.9, 0.99) of the counted
 * records fall, from the histogram; 0 when nothing was counted. The record
 * of rank ceil(fraction * n) (clamped to 1..n) is found by walking the
 * cumulative histogram, and the upper edge of its bucket is returned
 * (bucket 0: 1.0), so the answer is above the true value by less than 19%
 * (except in the clamped last bucket). */
double stats_percentile(const struct stats_counters *counters,
                        double fraction);
/* The counters as a JSON object: every counter by name (integers),
 * "errors_by_code" {code: n} for codes seen (n > 0) only, "latency_ms"
 * {p50, p90, p99} as reals (stats_percentile). New reference; NULL on
 * allocation failure. */
json_t *stats_to_json(const struct stats_counters *counters);

#endif
