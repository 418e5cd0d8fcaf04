/* result.c - encoding the result record; see result.h. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "utf8.h"

static const char *const error_names[RESULT_ERROR_COUNT] = {
  [RESULT_OK] = NULL,
#define RESULT_ERROR_NAME(name, text) [RESULT_ERR_##name] = text,
  RESULT_ERRORS(RESULT_ERROR_NAME)
#undef RESULT_ERROR_NAME
};

const char *result_error_name(enum result_error error)
{
  if(error <= RESULT_OK || error >= RESULT_ERROR_COUNT)
    return NULL;
  return error_names[error];
}

enum result_error result_error_from_name(const char *name)
{
  for(int error = RESULT_OK + 1; error < RESULT_ERROR_COUNT; error++) {
    if(strcmp(error_names[error], name) == 0)
      return (enum result_error)error;
  }
  return RESULT_OK;
}

const char *worker_kind_name(enum worker_kind kind)
{
  return kind == WORKER_PROCESS ? "process" : "thread";
}

void result_format_time(const struct timespec *when, char *buf, size_t size)
{
  struct tm utc;

  gmtime_r(&when->tv_sec, &utc);
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
           utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
           utc.tm_min, utc.tm_sec, when->tv_nsec / 1000000);
}

/* A JSON string of valid UTF-8 made from any bytes; JSON null for NULL.
 * Returns NULL only when memory runs out. */
static json_t *clean_string(const char *bytes, size_t len, size_t max_chars,
                            bool *repaired)
{
  json_t *string;
  size_t clean_len;
  char *clean;

  if(bytes == NULL)
    return json_null();
  clean = utf8_sanitize(bytes, len, max_chars, &clean_len, repaired);
  if(clean == NULL)
    return NULL;
  string = json_stringn_nocheck(clean, clean_len);
  free(clean);
  return string;
}

static json_t *clean_cstring(const char *text, bool *repaired)
{
  return clean_string(text, text == NULL ? 0 : strlen(text), 0, repaired);
}

/* Milliseconds to the microsecond: libcurl measures in microseconds, more is
 * noise. */
static json_t *milliseconds(double ms)
{
  return json_real(round(ms * 1000.0) / 1000.0);
}

static json_t *encode_error(const struct result_record *record, bool *repaired)
{
  if(record->error == RESULT_OK)
    return json_null();
  return json_pack(
      "{s:s, s:o}", "code", result_error_name(record->error), "message",
      clean_cstring(record->error_message != NULL ? record->error_message : "",
                    repaired));
}

static json_t *encode_timing(const struct result_timing *timing)
{
  return json_pack(
      "{s:o, s:o, s:o, s:o, s:o}", "dns_ms", milliseconds(timing->dns_ms),
      "connect_ms", milliseconds(timing->connect_ms), "tls_ms",
      milliseconds(timing->tls_ms), "ttfb_ms", milliseconds(timing->ttfb_ms),
      "total_ms", milliseconds(timing->total_ms));
}

static json_t *encode_worker(const struct result_record *record)
{
  if(!record->has_worker)
    return json_null();
  return json_pack("{s:s, s:i, s:I}", "kind",
                   worker_kind_name(record->worker_kind), "id",
                   record->worker_id, "pid", (json_int_t)record->worker_pid);
}

json_t *result_encode(const struct result_record *record)
{
  char fetched_at[32];
  bool repaired = false;
  json_t *object;

  result_format_time(&record->fetched_at, fetched_at, sizeof(fetched_at));
  /* "o" steals each reference and json_pack fails cleanly on a NULL one, so a
   * failed allocation anywhere gives NULL here without leaking the rest. */
  object = json_pack(
      "{s:o, s:o, s:b, s:o, s:o, s:o, s:I, s:b, s:o, s:o, s:o, s:i, s:o,"
      " s:o, s:o, s:i, s:s}",
      "url", clean_cstring(record->url, &repaired), "final_url",
      clean_cstring(record->final_url, &repaired), "ok",
      record->error == RESULT_OK, "status",
      record->status > 0 ? json_integer(record->status) : json_null(), "error",
      encode_error(record, &repaired), "content_type",
      clean_cstring(record->content_type, &repaired), "bytes",
      (json_int_t)record->bytes, "truncated", record->truncated, "title",
      clean_string(record->title, record->title_len, RESULT_TITLE_CHARS,
                   &repaired),
      "snippet",
      clean_string(record->snippet, record->snippet_len, RESULT_SNIPPET_CHARS,
                   &repaired),
      "sha256",
      record->sha256 != NULL ? json_string(record->sha256) : json_null(),
      "redirects", (int)record->redirects, "http_version",
      clean_cstring(record->http_version, &repaired), "timing",
      encode_timing(&record->timing), "worker", encode_worker(record),
      "attempt", record->attempt, "fetched_at", fetched_at);
  if(object == NULL)
    return NULL;
  if(json_object_set_new(object, "utf8_repaired", json_boolean(repaired)) <
     0) {
    json_decref(object);
    return NULL;
  }
  return object;
}

json_t *result_finish(const char *job, long long seq, json_t *body)
{
  bool repaired = false;
  const char *key;
  json_t *value;
  json_t *record;

  record = json_pack("{s:o, s:I}", "job", clean_cstring(job, &repaired), "seq",
                     (json_int_t)seq);
  if(record == NULL)
    return NULL;
  json_object_foreach(body, key, value)
  {
    if(strcmp(key, "id") == 0)
      continue;
    if(json_object_set(record, key, value) < 0) {
      json_decref(record);
      return NULL;
    }
  }
  if(repaired &&
     json_object_set_new(record, "utf8_repaired", json_true()) < 0) {
    json_decref(record);
    return NULL;
  }
  return record;
}
