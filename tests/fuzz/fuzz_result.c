/* fuzz_result.c - libFuzzer target for the result record (src/result.h)
 * on its whole way out: a worker encodes it (result_encode) and sends it
 * up the pipe (proto_result_encode), the supervisor decodes that line
 * (proto_result_decode) and adds job and seq to the record text it points
 * to (result_finish).
 *
 * Titles, snippets, URLs and headers come from other people's servers, so
 * the fields are arbitrary bytes. The input is split at 0xFF bytes, which
 * never occur in UTF-8, into url, final_url, content_type, title, snippet,
 * error message and job; a field missing from the end is NULL. An eighth
 * field, if present, supplies the numbers (zeros once it runs out); its
 * last byte of interest picks unusual numbers: any double bit pattern
 * (NaN, infinities, negative, huge) for the timings, negative and 32-bit
 * integers for redirects, worker id, pid and attempt.
 *
 * What is checked:
 * - result_encode's text is one line of valid UTF-8 that jansson parses
 *   (duplicates rejected) as an object with exactly the documented keys
 *   in the documented order, "utf8_repaired" last; every string is what
 *   utf8_sanitize() makes of its field (valid fields kept as they are,
 *   title and snippet cut to their character limits), every number and
 *   flag the record's, every timing a real equal to round(x * 1000) / 1000
 *   (0.0 for NaN and infinities, saturated past 2^53 microseconds as
 *   jsonw_ms documents, never "-0.0"); "utf8_repaired" is true exactly
 *   when a string had to be repaired, and at least when a field other
 *   than title and snippet (which are cut first) was invalid UTF-8.
 * - The text is byte for byte the one jansson writes for the same value
 *   (compact, reals at twelve digits) when every real fits twelve digits
 *   (below 10^9 ms); so are the pipe line and the final line.
 * - proto_result_encode writes one line that jansson parses as the
 *   documented envelope, and proto_result_decode gives back the id,
 *   error, status (0 for none), bytes, truncated and total_ms, and a
 *   record slice equal byte for byte to result_encode's text.
 * - result_finish makes of that slice and the fuzzed job name one line
 *   ending in '\n', valid UTF-8, which parses as an object with "job"
 *   first, "seq" second and then the record's members unchanged, but for
 *   "utf8_repaired", true when the record's was or the job name was not
 *   valid UTF-8. A record text that is not "{...}" is refused. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_check.h"
#include "jsonw.h"
#include "proto.h"
#include "result.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum field {
  F_URL,
  F_FINAL_URL,
  F_CONTENT_TYPE,
  F_TITLE,
  F_SNIPPET,
  F_ERROR_MESSAGE,
  F_JOB,
  F_NUMBERS,
  F_COUNT
};

struct field_text {
  char *text; /* NUL-terminated copy; NULL when the field is missing */
  size_t len; /* bytes before the separator, NULs included */
};

/* Takes bytes from the numbers field; zeros once it runs out, so that a
 * short field still gives a complete record. */
struct numbers {
  const uint8_t *data;
  size_t len;
  size_t pos;
};

static const char *const record_keys[] = {
  "url",          "final_url",  "ok",           "status", "error",
  "content_type", "bytes",      "truncated",    "title",  "snippet",
  "sha256",       "redirects",  "http_version", "timing", "worker",
  "attempt",      "fetched_at", "utf8_repaired"
};
#define RECORD_KEYS (sizeof(record_keys) / sizeof(record_keys[0]))

static const char *const envelope_keys[] = { "id",          "error",
                                             "status",      "bytes",
                                             "truncated",   "total_ms",
                                             "retry_after", "record" };

static const char *const timing_keys[] = { "dns_ms", "connect_ms", "tls_ms",
                                           "ttfb_ms", "total_ms" };

static uint64_t take(struct numbers *n, size_t bytes)
{
  uint64_t value = 0;

  for(size_t i = 0; i < bytes; i++) {
    value <<= 8;
    if(n->pos < n->len)
      value |= n->data[n->pos++];
  }
  return value;
}

static double take_double(struct numbers *n)
{
  uint64_t bits = take(n, 8);
  double value;

  memcpy(&value, &bits, sizeof(value));
  return value;
}

static void split_fields(const uint8_t *data, size_t size,
                         struct field_text *fields)
{
  size_t start = 0;

  for(int f = 0; f < F_COUNT && start <= size; f++) {
    const uint8_t *end = memchr(data + start, 0xFF, size - start);
    size_t len = end != NULL ? (size_t)(end - (data + start)) : size - start;

    /* The last field takes the rest, separators included. */
    if(f == F_COUNT - 1)
      len = size - start;
    fields[f].text = malloc(len + 1);
    if(fields[f].text == NULL)
      abort();
    memcpy(fields[f].text, data + start, len);
    fields[f].text[len] = '\0';
    fields[f].len = len;
    start += len + 1;
  }
}

/* Whether a C string field reads as valid UTF-8 (NULL: nothing to
 * repair). */
static bool cstring_valid(const char *text)
{
  return text == NULL || utf8_valid(text, strlen(text));
}

static size_t count_chars(const char *s)
{
  size_t chars = 0;

  for(; *s != '\0'; s++)
    chars += ((unsigned char)*s & 0xC0) != 0x80;
  return chars;
}

/* What jsonw_ms must write for ms, as a double: milliseconds rounded to
 * the microsecond, 0 for what JSON cannot hold, saturated at 2^53 us. */
static double expected_ms(double ms)
{
  double us;

  if(!isfinite(ms))
    return 0.0;
  us = round(fabs(ms) * 1000.0);
  if(us > 9007199254740992.0)
    us = 9007199254740992.0;
  return ms < 0 ? -us / 1000.0 : us / 1000.0;
}

/* Whether jansson's twelve significant digits print ms exactly. */
static bool fits_twelve_digits(double ms)
{
  return fabs(expected_ms(ms)) < 1e9;
}

/* A real (never an integer) equal to expected_ms(ms), and never -0.0. */
static void check_ms(const json_t *value, double ms)
{
  double want = expected_ms(ms);

  CHECK(json_is_real(value));
  CHECK(json_real_value(value) == want);
  if(want == 0.0)
    CHECK(!signbit(json_real_value(value)));
}

/* Exactly these keys, in this order. */
static void check_keys(json_t *object, const char *const *keys, size_t count)
{
  void *iter = json_object_iter(object);

  CHECK(json_is_object(object));
  CHECK(json_object_size(object) == count);
  for(size_t i = 0; i < count; i++) {
    CHECK(iter != NULL);
    CHECK(strcmp(json_object_iter_key(iter), keys[i]) == 0);
    iter = json_object_iter_next(object, iter);
  }
  CHECK(iter == NULL);
}

/* value is what utf8_sanitize() makes of bytes (null for NULL); a repair
 * sets *repaired. */
static void check_string(const json_t *value, const char *bytes, size_t len,
                         size_t max_chars, bool *repaired)
{
  size_t clean_len = 0;
  char *clean;

  if(bytes == NULL) {
    CHECK(json_is_null(value));
    return;
  }
  clean = utf8_sanitize(bytes, len, max_chars, &clean_len, repaired);
  CHECK(clean != NULL);
  CHECK(json_is_string(value));
  CHECK(json_string_length(value) == clean_len);
  CHECK(memcmp(json_string_value(value), clean, clean_len) == 0);
  free(clean);
}

static void check_cstring(const json_t *value, const char *text,
                          bool *repaired)
{
  check_string(value, text, text == NULL ? 0 : strlen(text), 0, repaired);
  /* A valid field comes out exactly as it went in. */
  if(text != NULL && cstring_valid(text))
    CHECK(strcmp(json_string_value(value), text) == 0);
}

static void check_integer(const json_t *value, long long want)
{
  CHECK(json_is_integer(value));
  CHECK(json_integer_value(value) == want);
}

static void check_limit(const json_t *value, size_t chars)
{
  CHECK(json_is_null(value) ||
        (json_is_string(value) &&
         count_chars(json_string_value(value)) <= chars));
}

/* Parses text (not NUL-terminated) that must be JSON. */
static json_t *parse(const char *text, size_t len)
{
  json_error_t error;
  json_t *value = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);

  if(value == NULL)
    fprintf(stderr, "not JSON: %s: %.*s\n", error.text, (int)len, text);
  CHECK(value != NULL);
  return value;
}

/* The record as result_encode wrote it, member by member; returns its
 * utf8_repaired. */
static bool check_record(json_t *json, const struct result_record *record)
{
  const char *name = result_error_name(record->error);
  char fetched_at[32];
  json_t *value;
  bool repaired = false;
  bool must_repair;
  bool may_repair;

  check_keys(json, record_keys, RECORD_KEYS);
  check_cstring(json_object_get(json, "url"), record->url, &repaired);
  check_cstring(json_object_get(json, "final_url"), record->final_url,
                &repaired);
  value = json_object_get(json, "ok");
  CHECK(json_is_boolean(value));
  CHECK(json_is_true(value) == (record->error == RESULT_OK));
  value = json_object_get(json, "status");
  if(record->status > 0)
    check_integer(value, record->status);
  else
    CHECK(json_is_null(value));

  value = json_object_get(json, "error");
  if(name == NULL) {
    CHECK(json_is_null(value));
  }
  else {
    static const char *const error_keys[] = { "code", "message" };

    check_keys(value, error_keys, 2);
    CHECK(json_is_string(json_object_get(value, "code")));
    CHECK(strcmp(json_string_value(json_object_get(value, "code")), name) ==
          0);
    check_cstring(json_object_get(value, "message"),
                  record->error_message != NULL ? record->error_message : "",
                  &repaired);
  }

  check_cstring(json_object_get(json, "content_type"), record->content_type,
                &repaired);
  check_integer(json_object_get(json, "bytes"), (long long)record->bytes);
  value = json_object_get(json, "truncated");
  CHECK(json_is_boolean(value));
  CHECK(json_is_true(value) == record->truncated);
  check_string(json_object_get(json, "title"), record->title,
               record->title_len, RESULT_TITLE_CHARS, &repaired);
  check_limit(json_object_get(json, "title"), RESULT_TITLE_CHARS);
  check_string(json_object_get(json, "snippet"), record->snippet,
               record->snippet_len, RESULT_SNIPPET_CHARS, &repaired);
  check_limit(json_object_get(json, "snippet"), RESULT_SNIPPET_CHARS);
  check_cstring(json_object_get(json, "sha256"), record->sha256, &repaired);
  check_integer(json_object_get(json, "redirects"), record->redirects);
  check_cstring(json_object_get(json, "http_version"), record->http_version,
                &repaired);

  value = json_object_get(json, "timing");
  check_keys(value, timing_keys, 5);
  check_ms(json_object_get(value, "dns_ms"), record->timing.dns_ms);
  check_ms(json_object_get(value, "connect_ms"), record->timing.connect_ms);
  check_ms(json_object_get(value, "tls_ms"), record->timing.tls_ms);
  check_ms(json_object_get(value, "ttfb_ms"), record->timing.ttfb_ms);
  check_ms(json_object_get(value, "total_ms"), record->timing.total_ms);

  value = json_object_get(json, "worker");
  if(!record->has_worker) {
    CHECK(json_is_null(value));
  }
  else {
    static const char *const worker_keys[] = { "kind", "id", "pid" };

    check_keys(value, worker_keys, 3);
    CHECK(json_is_string(json_object_get(value, "kind")));
    CHECK(strcmp(json_string_value(json_object_get(value, "kind")),
                 record->worker_kind == WORKER_PROCESS ? "process"
                                                       : "thread") == 0);
    check_integer(json_object_get(value, "id"), record->worker_id);
    check_integer(json_object_get(value, "pid"), record->worker_pid);
  }

  check_integer(json_object_get(json, "attempt"), record->attempt);
  result_format_time(&record->fetched_at, fetched_at, sizeof(fetched_at));
  value = json_object_get(json, "fetched_at");
  CHECK(json_is_string(value));
  CHECK(strcmp(json_string_value(value), fetched_at) == 0);

  value = json_object_get(json, "utf8_repaired");
  CHECK(json_is_boolean(value));
  CHECK(json_is_true(value) == repaired);

  /* Title and snippet are cut before they are repaired, so bad bytes past
   * the cut may go unnoticed; any other bad field must be reported. */
  must_repair =
      !cstring_valid(record->url) || !cstring_valid(record->final_url) ||
      !cstring_valid(record->content_type) ||
      (record->error != RESULT_OK && !cstring_valid(record->error_message));
  may_repair = must_repair ||
               (record->title != NULL &&
                !utf8_valid(record->title, record->title_len)) ||
               (record->snippet != NULL &&
                !utf8_valid(record->snippet, record->snippet_len));
  CHECK(!must_repair || repaired);
  CHECK(may_repair || !repaired);
  return repaired;
}

/* The pipe line: the envelope around the very text result_encode wrote,
 * and proto_result_decode giving back what the supervisor counts. */
static void check_pipe(const struct result_record *record, uint64_t task_id,
                       const struct jsonw *encoded, bool canonical)
{
  struct result_summary decoded;
  struct result_summary *summary = &decoded;
  struct jsonw pipe = { 0 };
  const char *name = result_error_name(record->error);
  uint64_t decoded_id = 0;
  char err[256];
  json_t *json;
  json_t *value;
  json_t *inner;

  proto_result_encode(&pipe, task_id, record);
  CHECK(!pipe.failed);
  CHECK(pipe.len > encoded->len + 2);
  CHECK(pipe.text[pipe.len - 1] == '\n');
  CHECK(memchr(pipe.text, '\n', pipe.len - 1) == NULL);
  CHECK(memcmp(pipe.text + pipe.len - 2 - encoded->len, encoded->text,
               encoded->len) == 0);
  CHECK(memcmp(pipe.text + pipe.len - 2, "}\n", 2) == 0);

  json = parse(pipe.text, pipe.len - 1);
  check_keys(json, envelope_keys, 8);
  check_integer(json_object_get(json, "id"), (long long)task_id);
  value = json_object_get(json, "error");
  if(name == NULL)
    CHECK(json_is_null(value));
  else
    CHECK(json_is_string(value) &&
          strcmp(json_string_value(value), name) == 0);
  check_integer(json_object_get(json, "status"),
                record->status > 0 ? record->status : 0);
  check_integer(json_object_get(json, "bytes"), (long long)record->bytes);
  CHECK(json_is_boolean(json_object_get(json, "truncated")));
  CHECK(json_is_true(json_object_get(json, "truncated")) == record->truncated);
  check_ms(json_object_get(json, "total_ms"), record->timing.total_ms);
  check_integer(json_object_get(json, "retry_after"),
                record->retry_after_s > 0 ? record->retry_after_s : 0);
  inner = parse(encoded->text, encoded->len);
  CHECK(json_equal(json_object_get(json, "record"), inner));
  json_decref(inner);
  if(canonical)
    check_canonical(pipe.text, pipe.len - 1, json);
  json_decref(json);

  err[0] = '\0';
  if(proto_result_decode(pipe.text, pipe.len - 1, &decoded_id, summary, err,
                         sizeof(err)) != 0) {
    fprintf(stderr, "decode: %s\n", err);
    CHECK(!"proto_result_decode refused proto_result_encode's line");
  }
  CHECK(decoded_id == task_id);
  CHECK(summary->error == record->error);
  CHECK(summary->status == (record->status > 0 ? record->status : 0));
  CHECK(summary->bytes == record->bytes);
  CHECK(summary->truncated == record->truncated);
  CHECK(summary->total_ms == expected_ms(record->timing.total_ms));
  CHECK(summary->retry_after_s ==
        (record->retry_after_s > 0 ? record->retry_after_s : 0));
  CHECK(summary->body == NULL);
  CHECK(!summary->has_worker);
  CHECK(summary->record >= pipe.text &&
        summary->record + summary->record_len <= pipe.text + pipe.len);
  CHECK(summary->record_len == encoded->len);
  CHECK(memcmp(summary->record, encoded->text, encoded->len) == 0);
  jsonw_free(&pipe);
}

/* The final line from the record text and the job name. */
static void check_finish(const char *job, long long seq,
                         const struct jsonw *encoded, json_t *record_json,
                         bool record_repaired, bool canonical)
{
  struct jsonw line = { 0 };
  json_t *json;
  json_t *value;
  void *iter;
  bool job_repaired = false;
  size_t i;

  /* Not an object's text: refused. */
  CHECK(result_finish(job, seq, NULL, 0, encoded->text, encoded->len - 1,
                      &line) == -1);
  CHECK(result_finish(job, seq, NULL, 0, encoded->text + 1, encoded->len - 1,
                      &line) == -1);
  CHECK(result_finish(job, seq, NULL, 0, "{", 1, &line) == -1);
  CHECK(result_finish(job, seq, NULL, 0, "", 0, &line) == -1);
  jsonw_reset(&line);

  /* Appending after what the writer holds already. */
  jsonw_lit(&line, "x");
  CHECK(result_finish(job, seq, NULL, 0, encoded->text, encoded->len, &line) ==
        0);
  CHECK(!line.failed);
  CHECK(line.len > 2 && line.text[0] == 'x');
  CHECK(line.text[line.len - 1] == '\n');
  CHECK(memchr(line.text, '\n', line.len - 1) == NULL);
  CHECK(utf8_valid(line.text + 1, line.len - 2));
  CHECK(line.len > 8 && memcmp(line.text + 1, "{\"job\":", 7) == 0);

  json = parse(line.text + 1, line.len - 2);
  CHECK(json_object_size(json) == RECORD_KEYS + 2);
  iter = json_object_iter(json);
  CHECK(iter != NULL && strcmp(json_object_iter_key(iter), "job") == 0);
  check_cstring(json_object_iter_value(iter), job, &job_repaired);
  CHECK(job_repaired == !cstring_valid(job));
  iter = json_object_iter_next(json, iter);
  CHECK(iter != NULL && strcmp(json_object_iter_key(iter), "seq") == 0);
  check_integer(json_object_iter_value(iter), seq);
  iter = json_object_iter_next(json, iter);
  for(i = 0; i < RECORD_KEYS; i++) {
    CHECK(iter != NULL);
    CHECK(strcmp(json_object_iter_key(iter), record_keys[i]) == 0);
    value = json_object_iter_value(iter);
    if(strcmp(record_keys[i], "utf8_repaired") == 0) {
      CHECK(json_is_boolean(value));
      CHECK(json_is_true(value) == (record_repaired || job_repaired));
    }
    else {
      CHECK(json_equal(value, json_object_get(record_json, record_keys[i])));
    }
    iter = json_object_iter_next(json, iter);
  }
  CHECK(iter == NULL);
  CHECK(json_object_get(json, "id") == NULL);
  if(canonical)
    check_canonical(line.text + 1, line.len - 2, json);
  json_decref(json);
  jsonw_free(&line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const versions[] = { NULL, "1.0", "1.1", "2", "3" };
  struct field_text fields[F_COUNT] = { { NULL, 0 } };
  struct numbers n = { NULL, 0, 0 };
  struct result_record record = { 0 };
  struct jsonw encoded = { 0 };
  json_t *json;
  uint64_t task_id;
  uint64_t extra;
  long long seq;
  bool repaired;
  bool canonical;

  split_fields(data, size, fields);
  if(fields[F_NUMBERS].text != NULL) {
    n.data = (const uint8_t *)fields[F_NUMBERS].text;
    n.len = fields[F_NUMBERS].len;
  }

  record.url = fields[F_URL].text;
  record.final_url = fields[F_FINAL_URL].text;
  record.content_type = fields[F_CONTENT_TYPE].text;
  record.title = fields[F_TITLE].text;
  record.title_len = fields[F_TITLE].len;
  record.snippet = fields[F_SNIPPET].text;
  record.snippet_len = fields[F_SNIPPET].len;
  record.error_message = fields[F_ERROR_MESSAGE].text;
  record.error = (enum result_error)(take(&n, 1) % RESULT_ERROR_COUNT);
  /* Signed, so that negative statuses are tried too. libcurl reports a
   * three-digit status, and proto_result_decode takes no more than 999. */
  record.status = (long)(int16_t)take(&n, 2);
  if(record.status > 999)
    record.status %= 1000;
  /* jansson reads integers as signed 64-bit; bodies never come near. */
  record.bytes = take(&n, 8) & INT64_MAX;
  record.truncated = take(&n, 1) & 1;
  record.redirects = (long)take(&n, 1);
  record.http_version = versions[take(&n, 1) % 5];
  record.sha256 = take(&n, 1) & 1 ? "e3b0c44298fc1c149afbf4c8996fb924"
                                    "27ae41e4649b934ca495991b7852b855"
                                  : NULL;
  /* Timings in microseconds, as libcurl measures them, up to about 71
   * minutes. */
  record.timing.dns_ms = (double)take(&n, 4) / 1000.0;
  record.timing.connect_ms = (double)take(&n, 4) / 1000.0;
  record.timing.tls_ms = (double)take(&n, 4) / 1000.0;
  record.timing.ttfb_ms = (double)take(&n, 4) / 1000.0;
  record.timing.total_ms = (double)take(&n, 4) / 1000.0;
  record.has_worker = take(&n, 1) & 1;
  record.worker_kind = take(&n, 1) & 1 ? WORKER_PROCESS : WORKER_THREAD;
  record.worker_id = (int)take(&n, 2);
  record.worker_pid = (pid_t)(take(&n, 4) & 0x7FFFFFFF);
  record.attempt = (int)take(&n, 1);
  record.fetched_at.tv_sec = (time_t)take(&n, 5);
  record.fetched_at.tv_nsec = (long)(take(&n, 4) % 1000000000);
  task_id = take(&n, 8) & INT64_MAX;
  seq = (long long)take(&n, 8);
  /* Numbers no worker makes, but which the writer must still get right. */
  extra = take(&n, 1);
  if(extra & 1) {
    record.timing.dns_ms = take_double(&n);
    record.timing.connect_ms = take_double(&n);
    record.timing.tls_ms = take_double(&n);
    record.timing.ttfb_ms = take_double(&n);
    record.timing.total_ms = take_double(&n);
  }
  if(extra & 2) {
    record.redirects = (long)(int32_t)take(&n, 4);
    record.worker_id = (int)(int32_t)take(&n, 4);
    record.worker_pid = (pid_t)(int32_t)take(&n, 4);
    record.attempt = (int)(int32_t)take(&n, 4);
  }
  canonical = fits_twelve_digits(record.timing.dns_ms) &&
              fits_twelve_digits(record.timing.connect_ms) &&
              fits_twelve_digits(record.timing.tls_ms) &&
              fits_twelve_digits(record.timing.ttfb_ms) &&
              fits_twelve_digits(record.timing.total_ms);

  result_encode(&record, &encoded);
  CHECK(!encoded.failed);
  CHECK(encoded.len >= 2 && encoded.text[0] == '{' &&
        encoded.text[encoded.len - 1] == '}');
  CHECK(memchr(encoded.text, '\n', encoded.len) == NULL);
  CHECK(utf8_valid(encoded.text, encoded.len));
  json = parse(encoded.text, encoded.len);
  repaired = check_record(json, &record);
  if(canonical)
    check_canonical(encoded.text, encoded.len, json);
  /* The fixed tail result_finish relies on. */
  {
    const char *tail =
        repaired ? RESULT_REPAIRED_KEY "true}" : RESULT_REPAIRED_KEY "false}";
    size_t tail_len = strlen(tail);

    CHECK(encoded.len > tail_len);
    CHECK(memcmp(encoded.text + encoded.len - tail_len, tail, tail_len) == 0);
  }

  check_pipe(&record, task_id, &encoded, canonical);
  check_finish(fields[F_JOB].text, seq, &encoded, json, repaired, canonical);

  json_decref(json);
  jsonw_free(&encoded);
  for(int f = 0; f < F_COUNT; f++)
    free(fields[f].text);
  return 0;
}
