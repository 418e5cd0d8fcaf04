/* fuzz_result.c - libFuzzer target for the result record (src/result.h)
 * on its whole way out: a worker encodes it (result_encode) and sends it
 * up the pipe (proto_result_encode), the supervisor decodes it
 * (proto_result_decode), adds job and seq (result_finish) and writes the
 * line (proto_dump_line).
 *
 * Titles, snippets, URLs and headers come from other people's servers, so
 * the fields are arbitrary bytes. The input is split at 0xFF bytes, which
 * never occur in UTF-8, into url, final_url, content_type, title, snippet,
 * error message and job; a field missing from the end is NULL. An eighth
 * field, if present, supplies the numbers. The written line must be one
 * line of valid UTF-8 that parses back to the same record, with job and
 * seq first, no id, the length limits kept and utf8_repaired telling the
 * truth. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto.h"
#include "result.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
  do {                                                                 \
    if(!(cond)) {                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                  \
      abort();                                                         \
    }                                                                  \
  } while(0)

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

/* A valid C string field must come out exactly as it went in. */
static void check_kept(const json_t *record, const char *key, const char *text)
{
  const json_t *value = json_object_get(record, key);

  if(text == NULL)
    CHECK(json_is_null(value));
  else if(cstring_valid(text))
    CHECK(json_is_string(value) &&
          strcmp(json_string_value(value), text) == 0);
}

static void check_limit(const json_t *record, const char *key, size_t chars)
{
  const json_t *value = json_object_get(record, key);

  CHECK(json_is_null(value) ||
        (json_is_string(value) &&
         count_chars(json_string_value(value)) <= chars));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const versions[] = { NULL, "1.0", "1.1", "2", "3" };
  struct field_text fields[F_COUNT] = { { NULL, 0 } };
  struct numbers n = { NULL, 0, 0 };
  struct result_record record = { 0 };
  json_t *body;
  json_t *decoded;
  json_t *final;
  json_t *reparsed;
  json_error_t error;
  char err[256];
  char *pipe_line;
  char *line;
  size_t pipe_len = 0;
  size_t len = 0;
  uint64_t task_id;
  uint64_t decoded_id = 0;
  long long seq;
  bool repaired;
  bool must_repair;
  bool may_repair;

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
  record.status = (long)take(&n, 2);
  record.bytes = take(&n, 8);
  record.truncated = take(&n, 1) & 1;
  record.redirects = (long)take(&n, 1);
  record.http_version = versions[take(&n, 1) % 5];
  record.sha256 = take(&n, 1) & 1 ? "e3b0c44298fc1c149afbf4c8996fb924"
                                    "27ae41e4649b934ca495991b7852b855"
                                  : NULL;
  /* Timings in microseconds, as libcurl measures them, up to about 71
   * minutes: twelve significant digits print them exactly, so the line
   * must parse back to the very same numbers. */
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
  seq = (long long)(take(&n, 8) & INT64_MAX);

  body = result_encode(&record);
  CHECK(body != NULL);
  pipe_line = proto_result_encode(task_id, body, &pipe_len);
  CHECK(pipe_line != NULL);
  CHECK(pipe_len > 0 && pipe_line[pipe_len - 1] == '\n');
  CHECK(memchr(pipe_line, '\n', pipe_len - 1) == NULL);
  decoded = proto_result_decode(pipe_line, pipe_len - 1, &decoded_id, err,
                                sizeof(err));
  CHECK(decoded != NULL);
  CHECK(decoded_id == task_id);
  CHECK(json_equal(decoded, body));

  final = result_finish(fields[F_JOB].text, seq, decoded);
  CHECK(final != NULL);
  line = proto_dump_line(final, &len);
  CHECK(line != NULL);
  CHECK(len > 0 && line[len - 1] == '\n');
  CHECK(memchr(line, '\n', len - 1) == NULL);
  CHECK(utf8_valid(line, len - 1));
  CHECK(len > 8 && memcmp(line, "{\"job\":", 7) == 0);
  reparsed = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, &error);
  CHECK(reparsed != NULL);
  CHECK(json_equal(reparsed, final));

  CHECK(json_object_get(reparsed, "id") == NULL);
  CHECK(json_integer_value(json_object_get(reparsed, "seq")) == seq);
  check_kept(reparsed, "job", fields[F_JOB].text);
  check_kept(reparsed, "url", record.url);
  check_kept(reparsed, "final_url", record.final_url);
  check_kept(reparsed, "content_type", record.content_type);
  check_limit(reparsed, "title", RESULT_TITLE_CHARS);
  check_limit(reparsed, "snippet", RESULT_SNIPPET_CHARS);

  /* Title and snippet are cut before they are repaired, so bad bytes past
   * the cut may go unnoticed; any other bad field must be reported. */
  must_repair =
      !cstring_valid(record.url) || !cstring_valid(record.final_url) ||
      !cstring_valid(record.content_type) ||
      !cstring_valid(fields[F_JOB].text) ||
      (record.error != RESULT_OK && !cstring_valid(record.error_message));
  may_repair =
      must_repair ||
      (record.title != NULL && !utf8_valid(record.title, record.title_len)) ||
      (record.snippet != NULL &&
       !utf8_valid(record.snippet, record.snippet_len));
  repaired = json_is_true(json_object_get(reparsed, "utf8_repaired"));
  CHECK(!must_repair || repaired);
  CHECK(may_repair || !repaired);

  json_decref(reparsed);
  free(line);
  json_decref(final);
  json_decref(decoded);
  free(pipe_line);
  json_decref(body);
  for(int f = 0; f < F_COUNT; f++)
    free(fields[f].text);
  return 0;
}
