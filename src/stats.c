/* stats.c - live statistics; see stats.h. */
#include "config.h"

#include <math.h>

#include "stats.h"

/* 2^(q/4) for q = 0..3, to the nearest double: the edges of the four
 * buckets inside one doubling. */
static const double quarter_root[4] = {
  0x1p+0,               /* 1 */
  0x1.306fe0a31b715p+0, /* 2^0.25 */
  0x1.6a09e667f3bcdp+0, /* 2^0.5 */
  0x1.ae89f995ad3adp+0, /* 2^0.75 */
};

#define LAST_BUCKET (STATS_HISTOGRAM_BUCKETS - 1)

/* The upper edge of bucket b: 2^(b/4) ms (bucket 0: 1 ms). The last bucket
 * has no upper edge; its nominal one is reported. */
static double bucket_upper(int b)
{
  return ldexp(quarter_root[b % 4], b / 4);
}

/* The bucket of a latency: bucket 0 is [0, 1) ms (and NaN and negatives),
 * bucket b >= 1 is [2^((b-1)/4), 2^(b/4)) ms, the last bucket is open above.
 * No loop: the binary exponent gives the doubling, three comparisons of the
 * mantissa the quarter. The same constants make the edges, so a latency
 * equal to an edge always lands in the bucket above it. */
static int bucket_of(double ms)
{
  int exponent;
  double mantissa;
  int k, q;

  if(!(ms >= 1.0))
    return 0;
  if(ms >= bucket_upper(LAST_BUCKET - 1)) /* also +inf */
    return LAST_BUCKET;
  mantissa = 2.0 * frexp(ms, &exponent); /* ms = mantissa * 2^(exponent-1) */
  k = exponent - 1;                      /* 0 <= k <= 31 here */
  q = (mantissa >= quarter_root[1]) + (mantissa >= quarter_root[2]) +
      (mantissa >= quarter_root[3]);
  return 4 * k + q + 1;
}

/* The ring slot of a monotonic second (never negative in practice). */
static int slot_of(int64_t second)
{
  int64_t slot = second % STATS_RING_SECONDS;

  return (int)(slot < 0 ? slot + STATS_RING_SECONDS : slot);
}

void stats_record(struct stats_worker *worker,
                  const struct stats_sample *sample,
                  const struct timespec *now)
{
  struct stats_counters *c = &worker->counters;
  struct stats_second *slot;
  int64_t second = (int64_t)now->tv_sec;
  bool failed = sample->error != RESULT_OK;

  c->records++;
  if(sample->ok)
    c->ok++;
  if(failed) {
    unsigned int code = (unsigned int)sample->error;

    c->errors++;
    c->error_codes[code < RESULT_ERROR_COUNT ? code : RESULT_ERR_INTERNAL]++;
  }
  c->bytes += sample->bytes;
  if(sample->status <= 0)
    c->status_none++;
  else {
    switch(sample->status / 100) {
      case 1:
        c->status_1xx++;
        break;
      case 2:
        c->status_2xx++;
        break;
      case 3:
        c->status_3xx++;
        break;
      case 4:
        c->status_4xx++;
        break;
      case 5:
        c->status_5xx++;
        break;
      default: /* a response, but no class of ours */
        break;
    }
  }
  if(sample->truncated)
    c->truncated++;
  if(sample->attempt >= 2)
    c->retried++;
  c->latency[bucket_of(sample->total_ms)]++;

  slot = &worker->ring[slot_of(second)];
  if(slot->second != second) {
    slot->second = second;
    slot->records = 0;
    slot->bytes = 0;
    slot->errors = 0;
  }
  slot->records++;
  slot->bytes += sample->bytes;
  slot->errors += failed;
}

void stats_add(struct stats_counters *sum, const struct stats_worker *worker)
{
  const struct stats_counters *c = &worker->counters;

#define STATS_SUM(name, text) sum->name += c->name;
  STATS_COUNTERS(STATS_SUM)
#undef STATS_SUM
  for(int i = 0; i < RESULT_ERROR_COUNT; i++)
    sum->error_codes[i] += c->error_codes[i];
  for(int i = 0; i < STATS_HISTOGRAM_BUCKETS; i++)
    sum->latency[i] += c->latency[i];
}

double stats_rate(const struct stats_worker *const *workers, int count,
                  int seconds, const struct timespec *now)
{
  int64_t now_s = (int64_t)now->tv_sec;
  uint64_t records = 0;
  double span;

  if(seconds < 1)
    seconds = 1;
  if(seconds > STATS_RING_SECONDS)
    seconds = STATS_RING_SECONDS;
  for(int w = 0; w < count; w++) {
    if(!workers[w])
      continue;
    for(int64_t s = now_s - seconds + 1; s <= now_s; s++) {
      const struct stats_second *slot = &workers[w]->ring[slot_of(s)];

      if(slot->second == s)
        records += slot->records;
    }
  }
  span = (double)(seconds - 1) + (double)now->tv_nsec / 1e9;
  if(span < 1.0)
    span = 1.0;
  return (double)records / span;
}

double stats_percentile(const struct stats_counters *counters, double fraction)
{
  uint64_t total = 0, rank, seen = 0;
  double want;

  for(int b = 0; b < STATS_HISTOGRAM_BUCKETS; b++)
    total += counters->latency[b];
  if(total == 0)
    return 0.0;
  want = ceil(fraction * (double)total);
  if(!(want >= 1.0)) /* also NaN */
    rank = 1;
  else if(want >= (double)total)
    rank = total;
  else
    rank = (uint64_t)want;
  for(int b = 0; b < STATS_HISTOGRAM_BUCKETS; b++) {
    seen += counters->latency[b];
    if(seen >= rank)
      return bucket_upper(b);
  }
  return bucket_upper(LAST_BUCKET); /* not reached */
}

/* Sets key to value (a new reference, stolen even on failure); false on
 * failure. */
static bool set_new(json_t *object, const char *key, json_t *value)
{
  return value && json_object_set_new(object, key, value) == 0;
}

static json_t *count_new(uint64_t n)
{
  return json_integer(n > INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)n);
}

json_t *stats_to_json(const struct stats_counters *counters)
{
  json_t *out = json_object();
  json_t *codes = json_object();
  json_t *latency = json_object();
  bool ok = out && codes && latency;

#define STATS_JSON(name, text) \
  ok = ok && set_new(out, #name, count_new(counters->name));
  STATS_COUNTERS(STATS_JSON)
#undef STATS_JSON
  for(int e = RESULT_OK + 1; ok && e < RESULT_ERROR_COUNT; e++) {
    if(counters->error_codes[e])
      ok = set_new(codes, result_error_name((enum result_error)e),
                   count_new(counters->error_codes[e]));
  }
  ok = ok &&
       set_new(latency, "p50", json_real(stats_percentile(counters, 0.5))) &&
       set_new(latency, "p90", json_real(stats_percentile(counters, 0.9))) &&
       set_new(latency, "p99", json_real(stats_percentile(counters, 0.99)));
  if(ok) {
    ok = set_new(out, "errors_by_code", codes);
    codes = NULL;
  }
  if(ok) {
    ok = set_new(out, "latency_ms", latency);
    latency = NULL;
  }
  json_decref(codes);
  json_decref(latency);
  if(!ok) {
    json_decref(out);
    return NULL;
  }
  return out;
}
