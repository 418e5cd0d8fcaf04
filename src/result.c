/* result.c - encoding the result record; see result.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
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

/* value as width decimal digits at p, zero-padded; returns the end. */
static char *put_digits(char *p, long value, int width)
{
  for(int i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

void result_format_time(const struct timespec *when, char *buf, size_t size)
{
  struct tm utc;
  long year;
  char *p = buf;

  gmtime_r(&when->tv_sec, &utc);
  year = utc.tm_year + 1900L;
  if(year < 0 || year > 9999 || size < 25) {
    /* Not the fixed 24-character shape: leave the widths to snprintf. */
    snprintf(buf, size, "%04ld-%02d-%02dT%02d:%02d:%02d.%03ldZ", year,
             utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
             when->tv_nsec / 1000000);
    return;
  }
  /* Digit by digit: snprintf was a quarter of the cost of a record. */
  p = put_digits(p, year, 4);
  *p++ = '-';
  p = put_digits(p, utc.tm_mon + 1, 2);
  *p++ = '-';
  p = put_digits(p, utc.tm_mday, 2);
  *p++ = 'T';
  p = put_digits(p, utc.tm_hour, 2);
  *p++ = ':';
  p = put_digits(p, utc.tm_min, 2);
  *p++ = ':';
  p = put_digits(p, utc.tm_sec, 2);
  *p++ = '.';
  p = put_digits(p, when->tv_nsec / 1000000, 3);
  *p++ = 'Z';
  *p = '\0';
}

/* Any bytes as a JSON string of valid UTF-8; null for NULL. Text that is
 * valid already, as nearly all is, is written without a copy. */
static void clean_string(struct jsonw *out, const char *bytes, size_t len,
                         size_t max_chars, bool *repaired)
{
  size_t clean_len;
  char *clean;

  if(bytes == NULL) {
    jsonw_lit(out, "null");
    return;
  }
  /* len bytes are at most len characters, so such text needs no cut */
  if((max_chars == 0 || len <= max_chars) && utf8_valid(bytes, len)) {
    jsonw_string(out, bytes, len);
    return;
  }
  clean = utf8_sanitize(bytes, len, max_chars, &clean_len, repaired);
  if(clean == NULL) {
    out->failed = true;
    return;
  }
  jsonw_string(out, clean, clean_len);
  free(clean);
}

static void clean_cstring(struct jsonw *out, const char *text, bool *repaired)
{
  clean_string(out, text, text == NULL ? 0 : strlen(text), 0, repaired);
}

static void encode_error(struct jsonw *out, const struct result_record *record,
                         bool *repaired)
{
  const char *name = result_error_name(record->error);

  if(name == NULL) {
    jsonw_lit(out, "null");
    return;
  }
  jsonw_lit(out, "{\"code\":");
  jsonw_string(out, name, strlen(name));
  jsonw_lit(out, ",\"message\":");
  clean_cstring(out,
                record->error_message != NULL ? record->error_message : "",
                repaired);
  jsonw_lit(out, "}");
}

static void encode_timing(struct jsonw *out,
                          const struct result_timing *timing)
{
  jsonw_lit(out, "{\"dns_ms\":");
  jsonw_ms(out, timing->dns_ms);
  jsonw_lit(out, ",\"connect_ms\":");
  jsonw_ms(out, timing->connect_ms);
  jsonw_lit(out, ",\"tls_ms\":");
  jsonw_ms(out, timing->tls_ms);
  jsonw_lit(out, ",\"ttfb_ms\":");
  jsonw_ms(out, timing->ttfb_ms);
  jsonw_lit(out, ",\"total_ms\":");
  jsonw_ms(out, timing->total_ms);
  jsonw_lit(out, "}");
}

static void encode_worker(struct jsonw *out,
                          const struct result_record *record)
{
  const char *kind = worker_kind_name(record->worker_kind);

  if(!record->has_worker) {
    jsonw_lit(out, "null");
    return;
  }
  jsonw_lit(out, "{\"kind\":");
  jsonw_string(out, kind, strlen(kind));
  jsonw_lit(out, ",\"id\":");
  jsonw_int(out, record->worker_id);
  jsonw_lit(out, ",\"pid\":");
  jsonw_int(out, record->worker_pid);
  jsonw_lit(out, "}");
}

void result_encode(const struct result_record *record, struct jsonw *out)
{
  char fetched_at[32];
  bool repaired = false;

  jsonw_lit(out, "{\"url\":");
  clean_cstring(out, record->url, &repaired);
  jsonw_lit(out, ",\"final_url\":");
  clean_cstring(out, record->final_url, &repaired);
  jsonw_lit(out, ",\"ok\":");
  jsonw_bool(out, record->error == RESULT_OK);
  jsonw_lit(out, ",\"status\":");
  if(record->status > 0)
    jsonw_int(out, record->status);
  else
    jsonw_lit(out, "null");
  jsonw_lit(out, ",\"error\":");
  encode_error(out, record, &repaired);
  jsonw_lit(out, ",\"content_type\":");
  clean_cstring(out, record->content_type, &repaired);
  jsonw_lit(out, ",\"bytes\":");
  jsonw_uint(out, record->bytes);
  jsonw_lit(out, ",\"truncated\":");
  jsonw_bool(out, record->truncated);
  repaired = repaired || record->text_repaired;
  jsonw_lit(out, ",\"title\":");
  clean_string(out, record->title, record->title_len, RESULT_TITLE_CHARS,
               &repaired);
  jsonw_lit(out, ",\"snippet\":");
  clean_string(out, record->snippet, record->snippet_len, RESULT_SNIPPET_CHARS,
               &repaired);
  jsonw_lit(out, ",\"sha256\":");
  clean_cstring(out, record->sha256, &repaired);
  jsonw_lit(out, ",\"redirects\":");
  jsonw_int(out, record->redirects);
  jsonw_lit(out, ",\"http_version\":");
  clean_cstring(out, record->http_version, &repaired);
  jsonw_lit(out, ",\"timing\":");
  encode_timing(out, &record->timing);
  jsonw_lit(out, ",\"worker\":");
  encode_worker(out, record);
  jsonw_lit(out, ",\"attempt\":");
  jsonw_int(out, record->attempt);
  result_format_time(&record->fetched_at, fetched_at, sizeof(fetched_at));
  jsonw_lit(out, ",\"fetched_at\":");
  jsonw_string(out, fetched_at, strlen(fetched_at));
  jsonw_lit(out, RESULT_REPAIRED_KEY);
  jsonw_bool(out, repaired);
  jsonw_lit(out, "}");
}

int result_finish(const char *job, long long seq, const char *fields,
                  size_t fields_len, const char *record, size_t record_len,
                  struct jsonw *out)
{
  static const char said_not[] = "false}";
  bool repaired = false;
  size_t keep = record_len;

  if(record_len < 2 || record[0] != '{' || record[record_len - 1] != '}')
    return -1;
  jsonw_lit(out, "{\"job\":");
  clean_cstring(out, job, &repaired);
  jsonw_lit(out, ",\"seq\":");
  jsonw_int(out, seq);
  if(fields != NULL)
    jsonw_raw(out, fields, fields_len);
  jsonw_lit(out, ",");
  /* A repaired job name makes the record's last field true. */
  if(repaired && record_len >= sizeof(said_not) - 1 &&
     memcmp(record + record_len - (sizeof(said_not) - 1), said_not,
            sizeof(said_not) - 1) == 0)
    keep = record_len - (sizeof(said_not) - 1);
  jsonw_raw(out, record + 1, keep - 1);
  if(keep != record_len)
    jsonw_lit(out, "true}");
  jsonw_lit(out, "\n");
  return out->failed ? -1 : 0;
}

void result_supervisor_answer(const char *url, int attempt,
                              enum result_error error, const char *message,
                              struct jsonw *text,
                              struct result_summary *answer)
{
  struct result_record record = { 0 };

  record.url = url;
  record.attempt = attempt;
  record.error = error;
  record.error_message = message;
  clock_gettime(CLOCK_REALTIME, &record.fetched_at);
  result_encode(&record, text);
  memset(answer, 0, sizeof(*answer));
  answer->error = error;
  answer->attempt = attempt;
  answer->record = text->text;
  answer->record_len = text->failed ? 0 : text->len;
}
