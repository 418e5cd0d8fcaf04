/* fuzz_proto.c - libFuzzer target for the supervisor <-> worker line
 * protocol (src/proto.h).
 *
 * The input is a stream of pipe bytes. It is decoded whole as one task and
 * one result line, then fed to proto_read_line() through an evbuffer in
 * pieces of pseudo-random size, as a pipe delivers it: the lines that come
 * out must be exactly the input's lines, whatever the split, and each goes
 * through both decoders the way the worker and the supervisor use them.
 *
 * What is checked of every line, besides that nothing crashes:
 * - proto_task_decode accepts it exactly when a reference decoder built
 *   on jansson (json_loadb with JSON_REJECT_DUPLICATES, then the members
 *   "v" == 1, "id" >= 0, "url" a string and "attempt" in 1..1000, all
 *   integers but url, and "robots" a boolean if there) does, and then
 *   with the same id, url, attempt and robots:
 *   the hand-written fast path must never accept what jansson refuses nor
 *   read a task differently. An accepted task, encoded again with
 *   proto_task_encode, is byte for byte the text jansson writes for it
 *   (compact, its members in order) and decodes to the same task.
 * - When proto_result_decode accepts it, the id fits in 63 bits, the
 *   status in three digits, the record slice lies inside the line, runs
 *   from a '{' to the '}' before the line's last byte, and the envelope
 *   before it is byte for byte what proto_result_encode writes for the
 *   decoded id, error, status, bytes, truncated, total_ms and retry_after,
 *   with nothing after it but a robots.txt body that is base64 that
 *   decodes; result_finish
 *   takes the slice and copies it whole after "job" and "seq".
 * And of the stream's first line taken as a URL (up to a NUL): the task
 * proto_task_encode writes for it decodes to the same task exactly when
 * the URL is valid UTF-8, as jansson can read nothing else.
 *
 * The first byte seeds the piece sizes; when its top three bits are set,
 * the stream starts with enough NUL bytes to bring the first line near
 * PROTO_LINE_MAX, the second byte saying how near, so the limit is tested
 * without megabyte inputs. That is one input in eight, as such a line
 * costs a megabyte copy. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "fuzz_check.h"
#include "jsonw.h"
#include "proto.h"
#include "result.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes that bring a line close to the limit; added by reference, so
 * they are not copied in per input. NUL bytes make the decoders give up
 * at once on such a line instead of parsing a megabyte. */
static char filler[PROTO_LINE_MAX + 128];

/* The task as jansson reads the line: 1 with *task filled (url pointing
 * into *root, which the caller frees), 0 when it is not a task. */
static int reference_task(const char *line, size_t len, json_t **root,
                          struct proto_task *task)
{
  json_t *v;
  json_t *id;
  json_t *url;
  json_t *attempt;
  json_t *robots;

  *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
  if(*root == NULL || !json_is_object(*root))
    return 0;
  v = json_object_get(*root, "v");
  id = json_object_get(*root, "id");
  url = json_object_get(*root, "url");
  attempt = json_object_get(*root, "attempt");
  robots = json_object_get(*root, "robots");
  if((robots != NULL && !json_is_boolean(robots)) || !json_is_integer(v) ||
     json_integer_value(v) != PROTO_VERSION || !json_is_integer(id) ||
     json_integer_value(id) < 0 || !json_is_string(url) ||
     !json_is_integer(attempt) || json_integer_value(attempt) < 1 ||
     json_integer_value(attempt) > 1000)
    return 0;
  /* Without JSON_ALLOW_NUL jansson refuses "\u0000": the URL is all one
   * C string. */
  CHECK(strlen(json_string_value(url)) == json_string_length(url));
  task->id = (uint64_t)json_integer_value(id);
  task->attempt = (int)json_integer_value(attempt);
  task->url = (char *)json_string_value(url);
  task->robots = json_is_true(robots);
  return 1;
}

/* proto_task_encode's line for a task: one line, jansson's text for the
 * same members, and decoded back to the same task. */
static void check_task_encoding(uint64_t id, const char *url, int attempt,
                                bool robots)
{
  struct jsonw line = { 0 };
  struct proto_task again;
  char err[256];
  json_t *expected;

  proto_task_encode(&line, id, url, attempt, robots, false);
  CHECK(!line.failed);
  CHECK(line.len > 0 && line.text[line.len - 1] == '\n');
  CHECK(memchr(line.text, '\n', line.len - 1) == NULL);
  expected = robots
                 ? json_pack("{s:i, s:I, s:s, s:i, s:b}", "v", PROTO_VERSION,
                             "id", (json_int_t)id, "url", url, "attempt",
                             attempt, "robots", 1)
                 : json_pack("{s:i, s:I, s:s, s:i}", "v", PROTO_VERSION, "id",
                             (json_int_t)id, "url", url, "attempt", attempt);
  CHECK(expected != NULL);
  check_canonical(line.text, line.len - 1, expected);
  json_decref(expected);
  err[0] = '\0';
  if(proto_task_decode(line.text, line.len - 1, &again, err, sizeof(err)) !=
     0) {
    fprintf(stderr, "decode: %s\n", err);
    CHECK(!"proto_task_decode refused proto_task_encode's line");
  }
  CHECK(again.id == id && again.attempt == attempt);
  CHECK(again.robots == robots);
  CHECK(strcmp(again.url, url) == 0);
  proto_task_clear(&again);
  CHECK(again.url == NULL);
  jsonw_free(&line);
}

static void check_task(const char *line, size_t len)
{
  struct proto_task task;
  struct proto_task want = { 0, 0, false, NULL };
  json_t *root = NULL;
  char err[256];
  int rc;
  int accept;

  err[0] = '\0';
  rc = proto_task_decode(line, len, &task, err, sizeof(err));
  accept = reference_task(line, len, &root, &want);
  if(rc != 0) {
    CHECK(rc == -1);
    CHECK(task.url == NULL);
    CHECK(err[0] != '\0');
    CHECK(!accept);
    json_decref(root);
    return;
  }
  CHECK(accept);
  CHECK(task.url != NULL);
  CHECK(task.id == want.id);
  CHECK(task.attempt == want.attempt);
  CHECK(strcmp(task.url, want.url) == 0);
  CHECK(task.id <= INT64_MAX);
  CHECK(task.attempt >= 1 && task.attempt <= 1000);
  json_decref(root);
  CHECK(task.robots == want.robots);
  check_task_encoding(task.id, task.url, task.attempt, task.robots);
  proto_task_clear(&task);
}

/* The stream's first line as a URL. jsonw_string escapes but does not
 * repair, so a URL that is not UTF-8 makes a line no one can read. */
static void check_url(const char *stream, size_t len, uint8_t pick)
{
  static const uint64_t ids[] = { 0, 1, 17, (uint64_t)INT64_MAX };
  const char *newline = memchr(stream, '\n', len);
  size_t url_len = newline != NULL ? (size_t)(newline - stream) : len;
  struct jsonw line = { 0 };
  struct proto_task task;
  uint64_t id = ids[pick % 4];
  int attempt = pick / 4 % 8 == 7 ? 1000 : pick / 4 % 8 + 1;
  char err[256];
  char *url = malloc(url_len + 1);

  CHECK(url != NULL);
  memcpy(url, stream, url_len);
  url[url_len] = '\0';
  url_len = strlen(url);
  if(utf8_valid(url, url_len)) {
    check_task_encoding(id, url, attempt, pick & 0x80);
  }
  else {
    proto_task_encode(&line, id, url, attempt, pick & 0x80, false);
    CHECK(!line.failed);
    CHECK(line.len > 0 && line.text[line.len - 1] == '\n');
    CHECK(proto_task_decode(line.text, line.len - 1, &task, err,
                            sizeof(err)) == -1);
    CHECK(task.url == NULL);
    jsonw_free(&line);
  }
  free(url);
}

/* Where key first occurs in text[0..len), or NULL. */
static const char *find(const char *text, size_t len, const char *key)
{
  size_t key_len = strlen(key);

  for(size_t i = 0; i + key_len <= len; i++) {
    if(memcmp(text + i, key, key_len) == 0)
      return text + i;
  }
  return NULL;
}

/* The parts of an envelope: the text before "error"'s value, that value,
 * the text from "status" to "total_ms"'s value, that value. */
struct envelope {
  const char *text;
  size_t error;  /* where the error's value starts */
  size_t status; /* where ,"status": starts */
  size_t ms;     /* where total_ms's value starts */
  size_t retry;  /* where ,"retry_after": starts */
  size_t body;   /* where retry_after's value ends: a body or the record */
  size_t end;    /* where ,"record": starts */
};

/* The fixed keys come in order, and only the error name holds bytes of
 * the line's choosing (no quote, so no key) before the record. */
static void split_envelope(const char *text, size_t len, struct envelope *e)
{
  static const char error_key[] = ",\"error\":";
  static const char status_key[] = ",\"status\":";
  static const char ms_key[] = ",\"total_ms\":";
  static const char retry_key[] = ",\"retry_after\":";
  static const char record_key[] = ",\"record\":";
  const char *at;

  e->text = text;
  at = find(text, len, error_key);
  CHECK(at != NULL);
  e->error = (size_t)(at - text) + sizeof(error_key) - 1;
  at = find(text + e->error, len - e->error, status_key);
  CHECK(at != NULL);
  e->status = (size_t)(at - text);
  at = find(text + e->status, len - e->status, ms_key);
  CHECK(at != NULL);
  e->ms = (size_t)(at - text) + sizeof(ms_key) - 1;
  at = find(text + e->ms, len - e->ms, retry_key);
  CHECK(at != NULL);
  e->retry = (size_t)(at - text);
  e->body = e->retry + sizeof(retry_key) - 1;
  while(e->body < len && text[e->body] >= '0' && text[e->body] <= '9')
    e->body++;
  at = find(text + e->body, len - e->body, record_key);
  CHECK(at != NULL);
  e->end = (size_t)(at - text);
}

static bool same(const char *a, size_t a_len, const char *b, size_t b_len)
{
  return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* line[0..prefix) is the envelope proto_result_decode accepted, encoded
 * the text proto_result_encode writes for what it decoded: the same
 * bytes, so the decoder takes no spelling the encoder does not write (an
 * error name with a NUL byte in it, a total of "1.50" or "-0.0"). */
static void check_envelope(const char *line, size_t prefix,
                           const struct jsonw *encoded)
{
  struct envelope got;
  struct envelope want;
  const char *error;
  size_t error_len;
  const char *want_error;
  size_t want_error_len;
  const char *ms;
  size_t ms_len;
  const char *want_ms;
  size_t want_ms_len;

  split_envelope(line, prefix, &got);
  split_envelope(encoded->text, encoded->len, &want);
  CHECK(got.end + sizeof(",\"record\":") - 1 == prefix);
  error = line + got.error;
  error_len = got.status - got.error;
  want_error = encoded->text + want.error;
  want_error_len = want.status - want.error;
  ms = line + got.ms;
  ms_len = got.body - got.ms;
  want_ms = encoded->text + want.ms;
  want_ms_len = want.body - want.ms;
  if(!same(line, got.error, encoded->text, want.error) ||
     !same(line + got.status, got.ms - got.status, encoded->text + want.status,
           want.ms - want.status)) {
    fprintf(stderr, "decoded: %.*s\nencoded: %.*s\n", (int)prefix, line,
            (int)want.end, encoded->text);
    CHECK(!"the envelope does not encode back to the same bytes");
  }
  if(!same(error, error_len, want_error, want_error_len) ||
     !same(ms, ms_len, want_ms, want_ms_len)) {
    fprintf(stderr, "decoded: %.*s\nencoded: %.*s\n", (int)prefix, line,
            (int)want.end, encoded->text);
    CHECK(!"the envelope does not encode back to the same bytes");
  }
  /* Between retry_after and the record: nothing, or a robots.txt body,
   * which must be base64 that decodes. */
  if(got.end > got.body) {
    static const char body_key[] = ",\"body\":\"";
    size_t body_len = 0;
    char *body;

    CHECK(got.end - got.body >= sizeof(body_key));
    CHECK(memcmp(line + got.body, body_key, sizeof(body_key) - 1) == 0);
    CHECK(line[got.end - 1] == '"');
    body = proto_body_decode(line + got.body + sizeof(body_key) - 1,
                             got.end - 1 - got.body - (sizeof(body_key) - 1),
                             &body_len);
    CHECK(body != NULL);
    CHECK(body_len <= (got.end - got.body) / 4 * 3);
    free(body);
  }
  CHECK(want.end == want.body);
}

static void check_result(const char *line, size_t len)
{
  struct result_summary summary;
  struct result_record record = { 0 };
  struct jsonw again = { 0 };
  struct jsonw final = { 0 };
  size_t prefix;
  char err[256];
  uint64_t id = 0;
  int rc;

  err[0] = '\0';
  rc = proto_result_decode(line, len, &id, &summary, err, sizeof(err));
  if(rc != 0) {
    CHECK(rc == -1);
    CHECK(err[0] != '\0');
    return;
  }
  CHECK(id <= INT64_MAX);
  CHECK(summary.error >= RESULT_OK && summary.error < RESULT_ERROR_COUNT);
  CHECK(summary.status >= 0 && summary.status <= 999);
  CHECK(summary.record != NULL && summary.record > line);
  CHECK(summary.record_len >= 2);
  CHECK(summary.record + summary.record_len <= line + len);
  CHECK(summary.record[0] == '{');
  CHECK(summary.record[summary.record_len - 1] == '}');
  /* The record runs to the envelope's closing brace, the last byte. */
  CHECK(summary.record + summary.record_len == line + len - 1);
  CHECK(line[len - 1] == '}');
  CHECK(!summary.has_worker);

  /* The envelope again, from the decoded facts alone. */
  prefix = (size_t)(summary.record - line);
  record.error = summary.error;
  record.status = summary.status;
  record.bytes = summary.bytes;
  record.truncated = summary.truncated;
  record.timing.total_ms = summary.total_ms;
  record.retry_after_s = summary.retry_after_s;
  proto_result_encode(&again, id, &record);
  CHECK(!again.failed);
  CHECK(again.len > prefix);
  check_envelope(line, prefix, &again);

  /* The supervisor copies the record after job and seq. */
  CHECK(result_finish("j", 7, NULL, 0, summary.record, summary.record_len,
                      &final) == 0);
  CHECK(!final.failed);
  CHECK(final.len ==
        sizeof("{\"job\":\"j\",\"seq\":7,") - 1 + summary.record_len - 1 + 1);
  CHECK(memcmp(final.text, "{\"job\":\"j\",\"seq\":7,",
               sizeof("{\"job\":\"j\",\"seq\":7,") - 1) == 0);
  CHECK(memcmp(final.text + sizeof("{\"job\":\"j\",\"seq\":7,") - 1,
               summary.record + 1, summary.record_len - 1) == 0);
  CHECK(final.text[final.len - 1] == '\n');
  jsonw_free(&final);
  jsonw_free(&again);
}

/* xorshift32: piece sizes that vary within one input yet replay exactly. */
static uint32_t next_random(uint32_t *state)
{
  uint32_t x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct evbuffer *input;
  const char *stream;
  size_t stream_len;
  size_t prefix = 0;
  size_t expect_start; /* where the next expected line starts in stream */
  size_t fed = 0;
  uint32_t state;
  bool too_long = false;

  if(size < 2)
    return 0;
  state = 0x9E3779B9u ^ data[0];
  if((data[0] & 0xE0) == 0xE0)
    prefix = PROTO_LINE_MAX - 64 + data[1] % 128; /* fits filler */
  stream = (const char *)data + 2;
  stream_len = size - 2;

  check_task(stream, stream_len);
  check_result(stream, stream_len);
  check_url(stream, stream_len, data[1]);

  input = evbuffer_new();
  CHECK(input != NULL);
  if(prefix > 0)
    CHECK(evbuffer_add_reference(input, filler, prefix, NULL, NULL) == 0);
  expect_start = 0;
  while(!too_long && fed < stream_len) {
    size_t piece = next_random(&state) % 64 + 1;

    if(piece > stream_len - fed)
      piece = stream_len - fed;
    CHECK(evbuffer_add(input, stream + fed, piece) == 0);
    fed += piece;
    for(;;) {
      char *line = NULL;
      size_t len = 0;
      enum proto_read got = proto_read_line(input, &line, &len);
      const char *newline =
          memchr(stream + expect_start, '\n', fed - expect_start);
      size_t want = newline != NULL ? (size_t)(newline - stream) - expect_start
                                    : fed - expect_start;

      if(got == PROTO_NEED_MORE) {
        CHECK(newline == NULL);
        CHECK(prefix + want <= PROTO_LINE_MAX);
        break;
      }
      if(got == PROTO_TOO_LONG) {
        CHECK(prefix + want > PROTO_LINE_MAX);
        too_long = true;
        break;
      }
      CHECK(newline != NULL);
      CHECK(len == prefix + want);
      CHECK(prefix + want <= PROTO_LINE_MAX);
      CHECK(memcmp(line + prefix, stream + expect_start, want) == 0);
      CHECK(line[len] == '\0');
      check_task(line, len);
      check_result(line, len);
      free(line);
      prefix = 0;
      expect_start += want + 1;
    }
  }
  if(!too_long)
    CHECK(evbuffer_get_length(input) == prefix + stream_len - expect_start);
  evbuffer_free(input);
  return 0;
}
