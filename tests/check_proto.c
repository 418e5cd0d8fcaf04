/* check_proto.c - unit tests for the supervisor <-> worker line protocol
 * (src/proto.c).
 *
 * Encoded lines are not NUL-terminated (they carry their length), so they are
 * compared with memcmp against the expected text and its length. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>
#include <jansson.h>

#include "jsonw.h"
#include "proto.h"
#include "result.h"
#include "sample_record.h"

/* A result line of the shape proto_result_encode writes, cut into the
 * prefixes after which each field's value ends, so that a test can splice in
 * a bad value and name the byte where the scanner stops with AT(prefix). */
#define R_ID "{\"id\":5"
#define R_ERROR R_ID ",\"error\":null"
#define R_STATUS R_ERROR ",\"status\":200"
#define R_BYTES R_STATUS ",\"bytes\":10"
#define R_TRUNCATED R_BYTES ",\"truncated\":false"
#define R_TOTAL_MS R_TRUNCATED ",\"total_ms\":1.5"
#define R_RETRY_AFTER R_TOTAL_MS ",\"retry_after\":0"
#define R_RECORD R_RETRY_AFTER ",\"record\":"
#define R_LINE R_RECORD "{\"a\":1}}"
#define AT(prefix) (sizeof(prefix) - 1)
/* ... and into the tails that follow each field's value. */
#define T_RECORD ",\"record\":{\"a\":1}}"
#define T_RETRY_AFTER ",\"retry_after\":0" T_RECORD
#define T_TOTAL_MS ",\"total_ms\":1.5" T_RETRY_AFTER
#define T_TRUNCATED ",\"truncated\":false" T_TOTAL_MS
#define T_BYTES ",\"bytes\":10" T_TRUNCATED
#define T_STATUS ",\"status\":200" T_BYTES
#define T_ERROR ",\"error\":null" T_STATUS

/* Never a task id in these tests: decode must leave it alone on failure. */
#define ID_SENTINEL UINT64_C(0xdeadbeef)

/* Checks that line[0..len) is exactly expected. */
static void assert_bytes_eq(const char *line, size_t len, const char *expected)
{
  size_t expected_len = strlen(expected);

  ck_assert_msg(len == expected_len && memcmp(line, expected, len) == 0,
                "got '%.*s' (%zu bytes), expected '%s' (%zu bytes)", (int)len,
                line, len, expected, expected_len);
}

/* --- task helpers
 * --------------------------------------------------------------- */

/* Decodes a task line that must be rejected, and returns nothing: the reason
 * must be a non-empty string and the task must hold no URL. */
static void assert_task_rejected(const char *line, size_t len)
{
  struct proto_task task;
  char err[256];

  memset(err, 0, sizeof(err));
  ck_assert_int_eq(proto_task_decode(line, len, &task, err, sizeof(err)), -1);
  ck_assert_msg(err[0] != '\0', "no reason for rejecting '%.*s'", (int)len,
                line);
  ck_assert_ptr_null(task.url);
}

static void assert_task_text_rejected(const char *line)
{
  assert_task_rejected(line, strlen(line));
}

/* Decodes a task line that must be rejected with exactly reason. */
static void assert_task_rejected_with(const char *line, const char *reason)
{
  struct proto_task task;
  char err[256];

  memset(err, 0, sizeof(err));
  ck_assert_int_eq(
      proto_task_decode(line, strlen(line), &task, err, sizeof(err)), -1);
  ck_assert_str_eq(err, reason);
  ck_assert_ptr_null(task.url);
}

/* Decodes a task line that jansson cannot parse: the reason says so. */
static void assert_task_not_json(const char *line)
{
  struct proto_task task;
  char err[256];

  memset(err, 0, sizeof(err));
  ck_assert_int_eq(
      proto_task_decode(line, strlen(line), &task, err, sizeof(err)), -1);
  ck_assert_msg(strncmp(err, "task is not JSON: ", 18) == 0 &&
                    strlen(err) > 18,
                "'%s' rejected with '%s'", line, err);
  ck_assert_ptr_null(task.url);
}

/* Decodes line[0..len), which must be accepted with exactly these fields. */
static void assert_task_decodes(const char *line, size_t len, uint64_t id,
                                const char *url, int attempt)
{
  struct proto_task task;
  char err[256] = "";

  ck_assert_msg(proto_task_decode(line, len, &task, err, sizeof(err)) == 0,
                "'%.*s' rejected: %s", (int)len, line, err);
  ck_assert_uint_eq(task.id, id);
  ck_assert_int_eq(task.attempt, attempt);
  ck_assert_ptr_nonnull(task.url);
  ck_assert_str_eq(task.url, url);
  proto_task_clear(&task);
  ck_assert_ptr_null(task.url);
}

static void assert_task_text_decodes(const char *line, uint64_t id,
                                     const char *url, int attempt)
{
  assert_task_decodes(line, strlen(line), id, url, attempt);
}

/* What the jansson path alone makes of a task line: the rules of proto.h
 * written out again with jansson, for comparing the fast path against. */
static int reference_task_decode(const char *line, size_t len,
                                 struct proto_task *task)
{
  json_int_t version;
  json_int_t id;
  json_int_t attempt;
  const char *url;
  json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
  int rc = -1;

  memset(task, 0, sizeof(*task));
  if(root == NULL)
    return -1;
  if(json_unpack(root, "{s:I, s:I, s:s, s:I}", "v", &version, "id", &id, "url",
                 &url, "attempt", &attempt) == 0 &&
     version == 1 && id >= 0 && attempt >= 1 && attempt <= 1000) {
    task->id = (uint64_t)id;
    task->attempt = (int)attempt;
    task->url = strdup(url);
    ck_assert_ptr_nonnull(task->url);
    rc = 0;
  }
  json_decref(root);
  return rc;
}

/* --- result helpers
 * ------------------------------------------------------------- */

/* Fills summary with a pattern no decoder writes, so that a field it forgets
 * to set shows. */
static void scribble(struct result_summary *summary)
{
  memset(summary, 0xa5, sizeof(*summary));
}

/* Decodes line[0..len), which must be accepted. */
static void decode_result(const char *line, size_t len, uint64_t *id,
                          struct result_summary *summary)
{
  char err[256] = "";

  *id = ID_SENTINEL;
  scribble(summary);
  ck_assert_msg(
      proto_result_decode(line, len, id, summary, err, sizeof(err)) == 0,
      "'%.*s' rejected: %s", (int)len, line, err);
}

/* The fields a decoder does not read from the line are left zero for the
 * pool to fill. */
static void assert_no_worker_fields(const struct result_summary *summary)
{
  ck_assert(!summary->has_worker);
  ck_assert_int_eq(summary->worker_kind, 0);
  ck_assert_int_eq(summary->worker_id, 0);
  ck_assert_int_eq(summary->attempt, 0);
}

/* Decodes line[0..len), which must be rejected with exactly reason and leave
 * the id alone. */
static void assert_result_rejected_len(const char *line, size_t len,
                                       const char *reason)
{
  struct result_summary summary;
  char err[256];
  uint64_t id = ID_SENTINEL;

  memset(err, 0, sizeof(err));
  ck_assert_int_eq(
      proto_result_decode(line, len, &id, &summary, err, sizeof(err)), -1);
  ck_assert_msg(strcmp(err, reason) == 0,
                "'%.*s' rejected with '%s', expected '%s'", (int)len, line,
                err, reason);
  ck_assert_uint_eq(id, ID_SENTINEL);
}

static void assert_result_rejected(const char *line, const char *reason)
{
  assert_result_rejected_len(line, strlen(line), reason);
}

static void assert_no_task_id(const char *line)
{
  assert_result_rejected(line, "result has no task id");
}

/* Line (of task 5) must be rejected as malformed at byte at. */
static void assert_malformed_len(const char *line, size_t len, size_t at)
{
  char reason[64];

  snprintf(reason, sizeof(reason), "result 5 is malformed at byte %zu", at);
  assert_result_rejected_len(line, len, reason);
}

static void assert_malformed(const char *line, size_t at)
{
  assert_malformed_len(line, strlen(line), at);
}

/* The line proto_result_encode writes for record, as a malloc'd string
 * without its newline (checked to be there and to be the only one). */
static char *result_line(uint64_t id, const struct result_record *record,
                         size_t *len)
{
  struct jsonw w = { 0 };
  char *line;

  proto_result_encode(&w, id, record);
  ck_assert(!w.failed);
  ck_assert_uint_gt(w.len, 1);
  ck_assert_int_eq(w.text[w.len - 1], '\n');
  ck_assert_ptr_eq(memchr(w.text, '\n', w.len), w.text + w.len - 1);
  line = malloc(w.len);
  ck_assert_ptr_nonnull(line);
  memcpy(line, w.text, w.len - 1);
  line[w.len - 1] = '\0';
  *len = w.len - 1;
  jsonw_free(&w);
  return line;
}

/* What result_encode alone writes for record; malloc'd, NUL-terminated. */
static char *record_text(const struct result_record *record)
{
  struct jsonw w = { 0 };
  char *text;

  result_encode(record, &w);
  ck_assert(!w.failed);
  text = malloc(w.len + 1);
  ck_assert_ptr_nonnull(text);
  memcpy(text, w.text, w.len);
  text[w.len] = '\0';
  jsonw_free(&w);
  return text;
}

/* Encodes record as task id's result and decodes it again: the id, the
 * summary and the record text must all come back. */
static void assert_result_round_trips(uint64_t id,
                                      const struct result_record *record,
                                      double total_ms)
{
  struct result_summary summary;
  uint64_t got_id;
  size_t len = 0;
  char *line = result_line(id, record, &len);
  char *record_alone = record_text(record);
  json_t *parsed;

  decode_result(line, len, &got_id, &summary);
  ck_assert_uint_eq(got_id, id);
  ck_assert_int_eq(summary.error, record->error);
  ck_assert_int_eq(summary.status, record->status > 0 ? record->status : 0);
  ck_assert_uint_eq(summary.bytes, record->bytes);
  ck_assert_int_eq(summary.truncated, record->truncated);
  ck_assert_double_eq(summary.total_ms, total_ms);
  assert_no_worker_fields(&summary);
  /* The record runs from its brace to the last byte but the envelope's. */
  ck_assert_ptr_nonnull(summary.record);
  ck_assert_ptr_eq(summary.record + summary.record_len, line + len - 1);
  assert_bytes_eq(summary.record, summary.record_len, record_alone);
  parsed = json_loadb(summary.record, summary.record_len, 0, NULL);
  ck_assert_ptr_nonnull(parsed);
  ck_assert(json_is_object(parsed));
  ck_assert_str_eq(json_string_value(json_object_get(parsed, "url")),
                   record->url);
  json_decref(parsed);
  free(record_alone);
  free(line);
}

/* --- line buffer helpers
 * -------------------------------------------------------------- */

static struct evbuffer *buffer_with(const char *bytes, size_t len)
{
  struct evbuffer *buffer = evbuffer_new();

  ck_assert_ptr_nonnull(buffer);
  ck_assert_int_eq(evbuffer_add(buffer, bytes, len), 0);
  return buffer;
}

/* Takes the next line, which must be exactly expected. */
static void assert_next_line(struct evbuffer *buffer, const char *expected)
{
  char *line = NULL;
  size_t len = 12345;

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_LINE);
  ck_assert_ptr_nonnull(line);
  ck_assert_uint_eq(len, strlen(expected));
  ck_assert_int_eq(memcmp(line, expected, len), 0);
  free(line);
}

/* A buffer of count bytes of 'a', optionally followed by a newline. */
static struct evbuffer *long_line_buffer(size_t count, bool newline)
{
  char *bytes = malloc(count + 1);
  struct evbuffer *buffer;

  ck_assert_ptr_nonnull(bytes);
  memset(bytes, 'a', count);
  bytes[count] = '\n';
  buffer = buffer_with(bytes, count + (newline ? 1 : 0));
  free(bytes);
  return buffer;
}

/* --- proto_dump_line
 * ------------------------------------------------------------ */

START_TEST(test_dump_line_is_compact_and_ends_in_one_newline)
{
  static const char expected[] =
      "{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":\"x y\",\"e\":true}\n";
  json_t *value = json_pack("{s:i, s:[i, i, {s:n}], s:s, s:b}", "a", 1, "b", 1,
                            2, "c", "d", "x y", "e", 1);
  size_t len = 0;
  char *line;

  ck_assert_ptr_nonnull(value);
  line = proto_dump_line(value, &len);
  ck_assert_ptr_nonnull(line);
  assert_bytes_eq(line, len, expected);
  ck_assert_ptr_eq(memchr(line, '\n', len), line + len - 1);
  free(line);
  json_decref(value);
}
END_TEST

START_TEST(test_dump_line_escapes_newlines_inside_strings)
{
  json_t *value = json_pack("{s:s}", "t", "one\ntwo\r\n");
  size_t len = 0;
  char *line;

  ck_assert_ptr_nonnull(value);
  line = proto_dump_line(value, &len);
  ck_assert_ptr_nonnull(line);
  assert_bytes_eq(line, len, "{\"t\":\"one\\ntwo\\r\\n\"}\n");
  ck_assert_ptr_eq(memchr(line, '\n', len), line + len - 1);
  free(line);
  json_decref(value);
}
END_TEST

START_TEST(test_dump_line_prints_millisecond_reals_without_noise)
{
  json_t *value = json_pack("{s:f, s:f, s:f, s:f}", "a", 1.235, "b", 0.1, "c",
                            0.0, "d", 12345.679);
  size_t len = 0;
  char *line;

  ck_assert_ptr_nonnull(value);
  line = proto_dump_line(value, &len);
  ck_assert_ptr_nonnull(line);
  assert_bytes_eq(line, len,
                  "{\"a\":1.235,\"b\":0.1,\"c\":0.0,\"d\":12345.679}\n");
  free(line);
  json_decref(value);
}
END_TEST

/* A transfer may last up to --timeout 86400 s, so total_ms goes up to
 * 86400000.000: the microseconds need 11 significant digits there. */
START_TEST(test_dump_line_keeps_microseconds_of_day_long_timing)
{
  json_t *value =
      json_pack("{s:f, s:f}", "a", 86399999.999, "b", 10000000.001);
  char text[64];
  size_t len = 0;
  char *line;

  ck_assert_ptr_nonnull(value);
  line = proto_dump_line(value, &len);
  json_decref(value);
  ck_assert_ptr_nonnull(line);
  /* Copied out first so that a failure leaks nothing. */
  ck_assert_uint_lt(len, sizeof(text));
  memcpy(text, line, len);
  free(line);
  assert_bytes_eq(text, len, "{\"a\":86399999.999,\"b\":10000000.001}\n");
}
END_TEST

/* --- tasks
 * ---------------------------------------------------------------------- */

START_TEST(test_task_encode_exact_line)
{
  struct jsonw w = { 0 };

  proto_task_encode(&w, 17, "http://a/", 1, false, false);
  ck_assert(!w.failed);
  assert_bytes_eq(w.text, w.len,
                  "{\"v\":1,\"id\":17,\"url\":\"http://a/\",\"attempt\":1}\n");
  jsonw_free(&w);
}
END_TEST

START_TEST(test_task_encode_appends_to_what_is_there)
{
  struct jsonw w = { 0 };

  jsonw_lit(&w, "x");
  proto_task_encode(&w, 0, "a", 1000, false, false);
  proto_task_encode(&w, 9223372036854775807ULL, "b", 2, false, false);
  ck_assert(!w.failed);
  assert_bytes_eq(w.text, w.len,
                  "x{\"v\":1,\"id\":0,\"url\":\"a\",\"attempt\":1000}\n"
                  "{\"v\":1,\"id\":9223372036854775807,\"url\":\"b\","
                  "\"attempt\":2}\n");
  jsonw_reset(&w);
  proto_task_encode(&w, 18446744073709551615ULL, "", -1, false, false);
  assert_bytes_eq(w.text, w.len,
                  "{\"v\":1,\"id\":18446744073709551615,\"url\":\"\","
                  "\"attempt\":-1}\n");
  jsonw_free(&w);
}
END_TEST

START_TEST(test_task_encode_escapes_url)
{
  static const char url[] = "h\"t\\t/\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9/";
  struct jsonw w = { 0 };

  proto_task_encode(&w, 3, url, 2, false, false);
  ck_assert(!w.failed);
  assert_bytes_eq(w.text, w.len,
                  "{\"v\":1,\"id\":3,\"url\":\"h\\\"t\\\\t/\\n\\r\\t\\b\\f"
                  "\\u0001\\u001F\x7f caf\xc3\xa9/\",\"attempt\":2}\n");
  /* And it comes back as it was (through jansson: it is not plain). */
  assert_task_decodes(w.text, w.len - 1, 3, url, 2);
  jsonw_free(&w);
}
END_TEST

START_TEST(test_task_round_trip)
{
  static const char url[] = "https://example.org/caf\xc3\xa9?q=\"x\"&r=\\";
  struct jsonw w = { 0 };

  proto_task_encode(&w, 123456789012ULL, url, 3, false, false);
  ck_assert(!w.failed);
  ck_assert_uint_gt(w.len, 1);
  ck_assert_int_eq(w.text[w.len - 1], '\n');
  assert_task_decodes(w.text, w.len - 1, 123456789012ULL, url, 3);
  jsonw_free(&w);
}
END_TEST

/* Plain URLs (the fast path), from the least to the most that path takes. */
START_TEST(test_task_round_trip_plain_urls)
{
  static const char *const urls[] = {
    "",   "http://a/", "a\"b",         "a\\b",
    "\\", "\"",        "x\\\"y\\\\\"", "!~http://example.org/p?q=1&r=%20#f"
  };
  struct jsonw w = { 0 };

  for(size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
    jsonw_reset(&w);
    proto_task_encode(&w, i, urls[i], (int)i + 1, false, false);
    ck_assert(!w.failed);
    assert_task_decodes(w.text, w.len - 1, i, urls[i], (int)i + 1);
  }
  jsonw_free(&w);
}
END_TEST

/* The same task as the encoder writes it (fast path) and in forms only
 * jansson reads: the answers must be identical. */
START_TEST(test_task_fast_and_jansson_paths_agree_on_escapes)
{
  static const char *const lines[] = {
    "{\"v\":1,\"id\":17,\"url\":\"http://a/\\\"q\\\"\\\\x\",\"attempt\":2}",
    "{\"v\":1, \"id\":17, \"url\":\"http://a/\\\"q\\\"\\\\x\", \"attempt\":2}",
    " {\"v\":1,\"id\":17,\"url\":\"http://a/\\\"q\\\"\\\\x\",\"attempt\":2} ",
    "{\"v\":1,\"id\":17,\"url\":\"http://a/\\u0022q\\u0022\\u005cx\","
    "\"attempt\":2}",
    "{\"attempt\":2,\"url\":\"http://a/\\\"q\\\"\\\\x\",\"id\":17,\"v\":1}",
    "{\"v\":1,\"id\":17,\"url\":\"\\u0068ttp:\\/\\/a/\\\"q\\\"\\\\x\","
    "\"attempt\":2}"
  };

  for(size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
    assert_task_text_decodes(lines[i], 17, "http://a/\"q\"\\x", 2);
}
END_TEST

START_TEST(test_task_decode_unicode_escape_and_spaces)
{
  assert_task_text_decodes(
      "{\"v\":1,\"id\":4,\"url\":\"http://a/\\u0041\",\"attempt\":1}", 4,
      "http://a/A", 1);
  assert_task_text_decodes(
      "{\"v\":1,\"id\":4,\"url\":\"http://a/b c\",\"attempt\":1}", 4,
      "http://a/b c", 1);
  assert_task_text_decodes(
      "{\"v\": 1,\"id\":4,\"url\":\"http://a/\",\"attempt\":1}", 4,
      "http://a/", 1);
  assert_task_text_decodes(
      "{\"v\":1,\"id\":4,\"url\":\"http://a/\\t\\u00e9\",\"attempt\":1}", 4,
      "http://a/\t\xc3\xa9", 1);
  assert_task_text_decodes(
      "{\"v\":1,\"id\":4,\"url\":\"http://a/\x7f\",\"attempt\":1}", 4,
      "http://a/\x7f", 1);
}
END_TEST

START_TEST(test_task_decode_id_limits)
{
  assert_task_text_decodes(
      "{\"v\":1,\"id\":0,\"url\":\"http://a/\",\"attempt\":1}", 0, "http://a/",
      1);
  assert_task_text_decodes(
      "{\"v\":1,\"id\":9223372036854775807,\"url\":\"http://a/\","
      "\"attempt\":1}",
      9223372036854775807ULL, "http://a/", 1);
  assert_task_text_decodes(
      "{\"v\":1,\"id\": 9223372036854775807,\"url\":\"http://a/\","
      "\"attempt\":1}",
      9223372036854775807ULL, "http://a/", 1);
  assert_task_not_json("{\"v\":1,\"id\":9223372036854775808,\"url\":"
                       "\"http://a/\",\"attempt\":1}");
  assert_task_not_json("{\"v\":1,\"id\":18446744073709551616,\"url\":"
                       "\"http://a/\",\"attempt\":1}");
  assert_task_not_json(
      "{\"v\":1,\"id\":017,\"url\":\"http://a/\",\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_attempt_limits)
{
  assert_task_text_decodes(
      "{\"v\":1,\"id\":8,\"url\":\"http://a/\",\"attempt\":1000}", 8,
      "http://a/", 1000);
  assert_task_text_decodes(
      "{\"v\":1,\"id\":8,\"url\":\"http://a/\",\"attempt\": 1000}", 8,
      "http://a/", 1000);
  assert_task_rejected_with(
      "{\"v\":1,\"id\":8,\"url\":\"http://a/\",\"attempt\":1001}",
      "task has version 1, id 8, attempt 1001");
  assert_task_rejected_with(
      "{\"v\":1,\"id\":8,\"url\":\"http://a/\",\"attempt\":99999999999}",
      "task has version 1, id 8, attempt 99999999999");
  assert_task_not_json(
      "{\"v\":1,\"id\":8,\"url\":\"http://a/\",\"attempt\":01}");
}
END_TEST

/* Lines of (or close to) the encoder's shape: whatever proto_task_decode
 * makes of each must be what jansson alone makes of it. */
START_TEST(test_task_decode_agrees_with_jansson)
{
  static const char *const lines[] = {
    "{\"v\":1,\"id\":17,\"url\":\"http://a/\",\"attempt\":1}",
    "{\"v\":1,\"id\":0,\"url\":\"\",\"attempt\":1}",
    "{\"v\":1,\"id\":9223372036854775807,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":9223372036854775808,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":18446744073709551615,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":99999999999999999999,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":01,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":-1,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":-0,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":1.0,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":1e2,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":0}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":999}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":1000}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":1001}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":00}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":-1}",
    "{\"v\":01,\"id\":1,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":2,\"id\":1,\"url\":\"u\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"\\\"\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"\\\\\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"a\\\\\\\"b\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"\\/\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"\\q\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"\\u0041\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"\\u00\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"a b\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"a\tb\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"a\x7f\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"caf\xc3\xa9\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"bad\xff\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"u,\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"u\\\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":1} ",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":1}}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":1",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"attempt\":1,\"x\":2}",
    "{\"v\":1,\"id\":1,\"url\":\"u\",\"url\":\"w\",\"attempt\":1}",
    "{\"v\":1,\"id\":1,\"url\":\"u\"}",
    "{\"v\":1,\"id\":1,\"url\":null,\"attempt\":1}"
  };

  for(size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
    const char *line = lines[i];
    size_t len = strlen(line);
    struct proto_task expected;
    struct proto_task task;
    char err[256] = "";
    int expected_rc = reference_task_decode(line, len, &expected);
    int rc = proto_task_decode(line, len, &task, err, sizeof(err));

    ck_assert_msg(rc == expected_rc, "'%s': got %d (%s), jansson says %d",
                  line, rc, err, expected_rc);
    if(rc == 0) {
      ck_assert_uint_eq(task.id, expected.id);
      ck_assert_int_eq(task.attempt, expected.attempt);
      ck_assert_str_eq(task.url, expected.url);
    }
    else {
      ck_assert_ptr_null(task.url);
      ck_assert_msg(err[0] != '\0', "no reason for rejecting '%s'", line);
    }
    proto_task_clear(&task);
    proto_task_clear(&expected);
  }
}
END_TEST

START_TEST(test_task_decode_accepts_any_key_order)
{
  static const char line[] =
      "{\"attempt\":2,\"url\":\"http://b/\",\"id\":0,\"v\":1}";
  struct proto_task task;
  char err[256] = "";

  ck_assert_int_eq(
      proto_task_decode(line, strlen(line), &task, err, sizeof(err)), 0);
  ck_assert_uint_eq(task.id, 0);
  ck_assert_int_eq(task.attempt, 2);
  ck_assert_str_eq(task.url, "http://b/");
  proto_task_clear(&task);
}
END_TEST

START_TEST(test_task_decode_reads_only_len_bytes)
{
  static const char line[] =
      "{\"v\":1,\"id\":4,\"url\":\"http://c/\",\"attempt\":1}garbage";
  static const char cut[] =
      "{\"v\":1,\"id\":4,\"url\":\"http://c/\",\"attempt\":12}";
  struct proto_task task;
  char err[256] = "";
  size_t len = strlen(line) - strlen("garbage");

  ck_assert_int_eq(proto_task_decode(line, len, &task, err, sizeof(err)), 0);
  ck_assert_uint_eq(task.id, 4);
  ck_assert_str_eq(task.url, "http://c/");
  proto_task_clear(&task);
  /* Cut inside the URL and inside a number, which the fast path reads. */
  assert_task_rejected(line, strlen("{\"v\":1,\"id\":4,\"url\":\"http:"));
  assert_task_rejected(cut, strlen("{\"v\":1,\"id\":4,\"url\":\"http://c/\","
                                   "\"attempt\":1"));
  /* ... or just before the closing brace. */
  assert_task_rejected(cut, sizeof(cut) - 2);
}
END_TEST

START_TEST(test_task_decode_rejects_non_json)
{
  static const char line[] = "hello";
  struct proto_task task;
  char err[256] = "";

  ck_assert_int_eq(
      proto_task_decode(line, strlen(line), &task, err, sizeof(err)), -1);
  ck_assert_int_eq(strncmp(err, "task is not JSON: ", 18), 0);
  ck_assert_uint_gt(strlen(err), 18);
  ck_assert_ptr_null(task.url);
}
END_TEST

START_TEST(test_task_decode_rejects_empty_line)
{
  assert_task_rejected("", 0);
}
END_TEST

START_TEST(test_task_decode_rejects_truncated_json)
{
  assert_task_text_rejected("{\"v\":1,\"id\":17,\"url\":\"http://a/\",\"att");
}
END_TEST

START_TEST(test_task_decode_rejects_non_object)
{
  assert_task_text_rejected("[1,17,\"http://a/\",1]");
}
END_TEST

START_TEST(test_task_decode_rejects_missing_version)
{
  assert_task_text_rejected("{\"id\":17,\"url\":\"http://a/\",\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_rejects_missing_id)
{
  static const char line[] = "{\"v\":1,\"url\":\"http://a/\",\"attempt\":1}";
  struct proto_task task;
  char err[256] = "";

  ck_assert_int_eq(
      proto_task_decode(line, strlen(line), &task, err, sizeof(err)), -1);
  ck_assert_int_eq(strncmp(err, "task lacks a field: ", 20), 0);
  ck_assert_ptr_nonnull(strstr(err, "id"));
  ck_assert_ptr_null(task.url);
}
END_TEST

START_TEST(test_task_decode_rejects_missing_url)
{
  assert_task_text_rejected("{\"v\":1,\"id\":17,\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_rejects_missing_attempt)
{
  assert_task_text_rejected("{\"v\":1,\"id\":17,\"url\":\"http://a/\"}");
}
END_TEST

START_TEST(test_task_decode_rejects_wrong_version)
{
  static const char line[] =
      "{\"v\":2,\"id\":17,\"url\":\"http://a/\",\"attempt\":1}";
  struct proto_task task;
  char err[256] = "";

  ck_assert_int_eq(
      proto_task_decode(line, strlen(line), &task, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "task has version 2, id 17, attempt 1");
  ck_assert_ptr_null(task.url);
}
END_TEST

START_TEST(test_task_decode_rejects_version_zero)
{
  assert_task_text_rejected(
      "{\"v\":0,\"id\":17,\"url\":\"http://a/\",\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_rejects_string_version)
{
  assert_task_text_rejected(
      "{\"v\":\"1\",\"id\":17,\"url\":\"http://a/\",\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_rejects_negative_id)
{
  static const char line[] =
      "{\"v\":1,\"id\":-1,\"url\":\"http://a/\",\"attempt\":1}";
  struct proto_task task;
  char err[256] = "";

  ck_assert_int_eq(
      proto_task_decode(line, strlen(line), &task, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "task has version 1, id -1, attempt 1");
  ck_assert_ptr_null(task.url);
}
END_TEST

START_TEST(test_task_decode_rejects_fractional_id)
{
  assert_task_text_rejected(
      "{\"v\":1,\"id\":1.5,\"url\":\"http://a/\",\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_rejects_attempt_zero)
{
  static const char line[] =
      "{\"v\":1,\"id\":17,\"url\":\"http://a/\",\"attempt\":0}";
  struct proto_task task;
  char err[256] = "";

  ck_assert_int_eq(
      proto_task_decode(line, strlen(line), &task, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "task has version 1, id 17, attempt 0");
  ck_assert_ptr_null(task.url);
}
END_TEST

START_TEST(test_task_decode_rejects_negative_attempt)
{
  assert_task_text_rejected(
      "{\"v\":1,\"id\":17,\"url\":\"http://a/\",\"attempt\":-3}");
}
END_TEST

START_TEST(test_task_decode_rejects_number_url)
{
  assert_task_text_rejected("{\"v\":1,\"id\":17,\"url\":42,\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_rejects_null_url)
{
  assert_task_text_rejected("{\"v\":1,\"id\":17,\"url\":null,\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_rejects_duplicate_keys)
{
  assert_task_text_rejected("{\"v\":1,\"id\":17,\"url\":\"http://a/"
                            "\",\"url\":\"http://b/\",\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_rejects_nul_in_url)
{
  assert_task_text_rejected(
      "{\"v\":1,\"id\":17,\"url\":\"http://a/\\u0000x\",\"attempt\":1}");
}
END_TEST

START_TEST(test_task_decode_truncates_reason_to_err_size)
{
  static const char line[] =
      "{\"v\":2,\"id\":17,\"url\":\"http://a/\",\"attempt\":1}";
  struct proto_task task;
  char err[12];

  memset(err, 'z', sizeof(err));
  ck_assert_int_eq(proto_task_decode(line, strlen(line), &task, err, 8), -1);
  ck_assert_str_eq(err, "task ha");
  ck_assert_int_eq(err[8], 'z');
}
END_TEST

/* --- results: encoding
 * ---------------------------------------------------------- */

START_TEST(test_result_encode_exact_line_success)
{
  struct result_record record;
  struct jsonw w = { 0 };

  sample_success(&record);
  proto_result_encode(&w, 42, &record);
  ck_assert(!w.failed);
  assert_bytes_eq(w.text, w.len,
                  "{\"id\":42,\"error\":null,\"status\":200,\"bytes\":12345,"
                  "\"truncated\":false,\"total_ms\":20.75,\"retry_after\":0,"
                  "\"record\":" SAMPLE_SUCCESS_TEXT "}\n");
  jsonw_free(&w);
}
END_TEST

START_TEST(test_result_encode_exact_line_error)
{
  struct result_record record;
  struct jsonw w = { 0 };

  sample_error(&record);
  proto_result_encode(&w, 0, &record);
  ck_assert(!w.failed);
  assert_bytes_eq(w.text, w.len,
                  "{\"id\":0,\"error\":\"dns\",\"status\":0,\"bytes\":0,"
                  "\"truncated\":false,\"total_ms\":0.0,\"retry_after\":0,"
                  "\"record\":" SAMPLE_ERROR_TEXT "}\n");
  jsonw_free(&w);
}
END_TEST

/* The envelope's record is exactly what result_encode writes on its own. */
START_TEST(test_result_encode_record_is_result_encode_text)
{
  static const char envelope[] =
      "{\"id\":9223372036854775807,\"error\":\"http_error\","
      "\"status\":404,\"bytes\":18446744073709551615,"
      "\"truncated\":true,\"total_ms\":12.345,\"retry_after\":0,\"record\":";
  struct result_record record;
  struct jsonw w = { 0 };
  size_t head = sizeof(envelope) - 1;
  char *alone;

  sample_success(&record);
  record.truncated = true;
  record.bytes = 18446744073709551615ULL;
  record.status = 404;
  record.error = RESULT_ERR_HTTP_ERROR;
  record.error_message = "HTTP 404";
  record.timing.total_ms = 12.345;
  alone = record_text(&record);
  proto_result_encode(&w, 9223372036854775807ULL, &record);
  ck_assert(!w.failed);
  ck_assert_uint_eq(w.len, head + strlen(alone) + 2);
  assert_bytes_eq(w.text, head, envelope);
  assert_bytes_eq(w.text + head, strlen(alone), alone);
  assert_bytes_eq(w.text + w.len - 2, 2, "}\n");
  free(alone);
  jsonw_free(&w);
}
END_TEST

START_TEST(test_result_encode_appends_to_what_is_there)
{
  struct result_record ok;
  struct result_record failed;
  struct jsonw w = { 0 };

  sample_success(&ok);
  sample_error(&failed);
  jsonw_lit(&w, "x\n");
  proto_result_encode(&w, 1, &ok);
  proto_result_encode(&w, 2, &failed);
  ck_assert(!w.failed);
  assert_bytes_eq(w.text, w.len,
                  "x\n"
                  "{\"id\":1,\"error\":null,\"status\":200,\"bytes\":12345,"
                  "\"truncated\":false,\"total_ms\":20.75,\"retry_after\":0,"
                  "\"record\":" SAMPLE_SUCCESS_TEXT "}\n"
                  "{\"id\":2,\"error\":\"dns\",\"status\":0,\"bytes\":0,"
                  "\"truncated\":false,\"total_ms\":0.0,\"retry_after\":0,"
                  "\"record\":" SAMPLE_ERROR_TEXT "}\n");
  jsonw_free(&w);
}
END_TEST

/* A status below 1 is no response: 0 in the envelope, null in the record. */
START_TEST(test_result_encode_negative_status_is_zero)
{
  struct result_record record;
  struct result_summary summary;
  uint64_t id;
  size_t len = 0;
  char *line;

  sample_error(&record);
  record.status = -1;
  line = result_line(6, &record, &len);
  ck_assert_int_eq(
      strncmp(line, "{\"id\":6,\"error\":\"dns\",\"status\":0,", 33), 0);
  decode_result(line, len, &id, &summary);
  ck_assert_int_eq(summary.status, 0);
  ck_assert_ptr_nonnull(strstr(summary.record, "\"status\":null,"));
  free(line);
}
END_TEST

/* The total_ms the envelope carries, as jsonw_ms writes it, and what the
 * decoder reads back. */
START_TEST(test_result_total_ms_forms)
{
  static const struct {
    double ms;
    const char *text;
    double decoded;
  } cases[] = {
    { 0.0, "0.0", 0.0 },
    { 2.0, "2.0", 2.0 },
    { 20.75, "20.75", 20.75 },
    { 12.345, "12.345", 12.345 },
    { 12.3456, "12.346", 12.346 },
    { 0.001, "0.001", 0.001 },
    { 0.0004, "0.0", 0.0 },
    { -1.5, "-1.5", -1.5 },
    { -0.0004, "0.0", 0.0 },
    { 86399999.999, "86399999.999", 86399999.999 },
    { 1e300, "9007199254740.992", 9007199254740.992 },
  };

  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct result_record record;
    struct result_summary summary;
    char expected[128];
    uint64_t id;
    size_t len = 0;
    char *line;
    char *field;

    sample_success(&record);
    record.timing.total_ms = cases[i].ms;
    line = result_line(i, &record, &len);
    snprintf(expected, sizeof(expected),
             ",\"total_ms\":%s,\"retry_after\":0,\"record\":{", cases[i].text);
    field = strstr(line, ",\"total_ms\":");
    ck_assert_ptr_nonnull(field);
    ck_assert_msg(strncmp(field, expected, strlen(expected)) == 0,
                  "%g: got '%.40s', expected '%s'", cases[i].ms, field,
                  expected);
    decode_result(line, len, &id, &summary);
    ck_assert_uint_eq(id, i);
    ck_assert_msg(summary.total_ms == cases[i].decoded,
                  "%s: decoded %.17g, expected %.17g", cases[i].text,
                  summary.total_ms, cases[i].decoded);
    free(line);
  }
}
END_TEST

START_TEST(test_result_total_ms_not_finite_is_zero)
{
  const double values[] = { NAN, INFINITY, -INFINITY };

  for(size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    struct result_record record;
    struct result_summary summary;
    uint64_t id;
    size_t len = 0;
    char *line;

    sample_success(&record);
    record.timing.total_ms = values[i];
    line = result_line(3, &record, &len);
    ck_assert_ptr_nonnull(
        strstr(line, ",\"total_ms\":0.0,\"retry_after\":0,\"record\":{"));
    decode_result(line, len, &id, &summary);
    ck_assert_double_eq(summary.total_ms, 0.0);
    free(line);
  }
}
END_TEST

/* --- results: round trips
 * ------------------------------------------------------- */

START_TEST(test_result_round_trip_success)
{
  struct result_record record;

  sample_success(&record);
  assert_result_round_trips(42, &record, 20.75);
}
END_TEST

START_TEST(test_result_round_trip_error)
{
  struct result_record record;

  sample_error(&record);
  assert_result_round_trips(7, &record, 0.0);
}
END_TEST

START_TEST(test_result_round_trip_every_error_code)
{
  for(size_t i = 0; i < error_table_count; i++) {
    struct result_record record;
    char prefix[64];
    size_t len = 0;
    char *line;

    sample_error(&record);
    record.error = error_table[i].code;
    line = result_line(i, &record, &len);
    snprintf(prefix, sizeof(prefix), "{\"id\":%zu,\"error\":\"%s\",\"status\"",
             i, error_table[i].name);
    ck_assert_msg(strncmp(line, prefix, strlen(prefix)) == 0,
                  "'%s' does not start '%s'", line, prefix);
    free(line);
    assert_result_round_trips(i, &record, 0.0);
  }
}
END_TEST

START_TEST(test_result_round_trip_extremes)
{
  struct result_record record;

  sample_success(&record);
  record.truncated = true;
  /* The largest a record's bytes can be for jansson to read it back. */
  record.bytes = 9223372036854775807ULL;
  record.status = 999;
  record.timing.total_ms = -1.5;
  assert_result_round_trips(9223372036854775807ULL, &record, -1.5);
  assert_result_round_trips(0, &record, -1.5);
  record.bytes = 0;
  record.status = 100;
  record.truncated = false;
  assert_result_round_trips(1, &record, -1.5);
}
END_TEST

/* A record holding the envelope's own closing text and newlines (escaped) is
 * still cut at the right place. */
START_TEST(test_result_round_trip_awkward_record_strings)
{
  static const char title[] = "}}\n\"record\":{\"id\":1}}";
  struct result_record record;

  sample_success(&record);
  record.url = "http://a/}}";
  record.title = title;
  record.title_len = sizeof(title) - 1;
  record.error = RESULT_ERR_BAD_RESPONSE;
  record.error_message = "\"error\":null,\"status\":200}}\n";
  assert_result_round_trips(12, &record, 20.75);
}
END_TEST

START_TEST(test_result_id_above_int64_max_is_not_decoded)
{
  struct result_record record;
  size_t len = 0;
  char *line;

  sample_success(&record);
  line = result_line(9223372036854775808ULL, &record, &len);
  ck_assert_int_eq(strncmp(line, "{\"id\":9223372036854775808,", 26), 0);
  assert_result_rejected_len(line, len, "result has no task id");
  free(line);
}
END_TEST

/* --- results: decoding
 * ---------------------------------------------------------- */

START_TEST(test_result_decode_minimal_line)
{
  static const char line[] = R_LINE;
  struct result_summary summary;
  uint64_t id;

  ck_assert_str_eq(R_ID T_ERROR, R_LINE);
  decode_result(line, strlen(line), &id, &summary);
  ck_assert_uint_eq(id, 5);
  ck_assert_int_eq(summary.error, RESULT_OK);
  ck_assert_int_eq(summary.status, 200);
  ck_assert_uint_eq(summary.bytes, 10);
  ck_assert(!summary.truncated);
  ck_assert_double_eq(summary.total_ms, 1.5);
  ck_assert_ptr_eq(summary.record, line + AT(R_RECORD));
  ck_assert_uint_eq(summary.record_len, 7);
  assert_bytes_eq(summary.record, summary.record_len, "{\"a\":1}");
  assert_no_worker_fields(&summary);
}
END_TEST

START_TEST(test_result_decode_every_field_set)
{
  static const char line[] =
      "{\"id\":123,\"error\":\"too_many_redirects\",\"status\":999,"
      "\"bytes\":18446744073709551615,\"truncated\":true,"
      "\"total_ms\":12.345,\"retry_after\":0,\"record\":{}}";
  struct result_summary summary;
  uint64_t id;

  decode_result(line, strlen(line), &id, &summary);
  ck_assert_uint_eq(id, 123);
  ck_assert_int_eq(summary.error, RESULT_ERR_TOO_MANY_REDIRECTS);
  ck_assert_int_eq(summary.status, 999);
  ck_assert_uint_eq(summary.bytes, 18446744073709551615ULL);
  ck_assert(summary.truncated);
  ck_assert_double_eq(summary.total_ms, 12.345);
  assert_bytes_eq(summary.record, summary.record_len, "{}");
  ck_assert_ptr_eq(summary.record, line + strlen(line) - 3);
  assert_no_worker_fields(&summary);
}
END_TEST

/* A 429 or 503 brings its Retry-After up to the frontier, in seconds. */
START_TEST(test_result_retry_after_round_trip)
{
  struct result_record record = { 0 };
  struct result_summary summary;
  struct jsonw w = { 0 };
  uint64_t id;

  record.url = "http://127.0.0.1/x";
  record.status = 503;
  record.error = RESULT_ERR_HTTP_ERROR;
  record.retry_after_s = 120;
  proto_result_encode(&w, 7, &record);
  ck_assert_ptr_nonnull(
      strstr(w.text, ",\"total_ms\":0.0,\"retry_after\":120,\"record\":{"));
  decode_result(w.text, w.len - 1, &id, &summary);
  ck_assert_uint_eq(id, 7);
  ck_assert_int_eq(summary.status, 503);
  ck_assert_int_eq(summary.retry_after_s, 120);
  jsonw_free(&w);
}
END_TEST

/* Missing, negative or not a number: a broken worker. */
START_TEST(test_result_decode_rejects_bad_retry_after)
{
  assert_malformed(R_TOTAL_MS T_RECORD, AT(R_TOTAL_MS));
  assert_malformed(R_TOTAL_MS ",\"retry_after\":-1" T_RECORD,
                   AT(R_TOTAL_MS ",\"retry_after\":"));
  assert_malformed(R_TOTAL_MS ",\"retry_after\":\"5\"" T_RECORD,
                   AT(R_TOTAL_MS ",\"retry_after\":"));
  assert_malformed(R_TOTAL_MS ",\"retry_after\":01" T_RECORD,
                   AT(R_TOTAL_MS ",\"retry_after\":01"));
}
END_TEST

/* A robots.txt task says so, and its answer brings the body up in base64,
 * any bytes, NUL included. */
START_TEST(test_robots_task_and_body_round_trip)
{
  static const char body[] = "User-agent: *\0Disallow: /\xff";
  struct result_record record = { 0 };
  struct result_summary summary;
  struct proto_task task;
  struct jsonw w = { 0 };
  char err[256];
  uint64_t id;
  size_t len = 0;
  char *decoded;

  proto_task_encode(&w, 9, "http://a/robots.txt", 1, true, false);
  assert_bytes_eq(w.text, w.len,
                  "{\"v\":1,\"id\":9,\"url\":\"http://a/robots.txt\","
                  "\"attempt\":1,\"robots\":true}\n");
  ck_assert_int_eq(
      proto_task_decode(w.text, w.len - 1, &task, err, sizeof(err)), 0);
  ck_assert(task.robots);
  proto_task_clear(&task);
  jsonw_reset(&w);
  record.url = "http://a/robots.txt";
  record.status = 200;
  proto_result_encode_body(&w, 9, &record, body, sizeof(body) - 1);
  ck_assert_ptr_nonnull(strstr(w.text, ",\"retry_after\":0,\"body\":\""));
  decode_result(w.text, w.len - 1, &id, &summary);
  ck_assert_ptr_nonnull(summary.body);
  decoded = proto_body_decode(summary.body, summary.body_len, &len);
  ck_assert_ptr_nonnull(decoded);
  ck_assert_uint_eq(len, sizeof(body) - 1);
  ck_assert_mem_eq(decoded, body, len);
  free(decoded);
  jsonw_free(&w);
}
END_TEST

/* An ordinary answer has no body; a body that is not base64 is a broken
 * worker. */
START_TEST(test_result_body_must_be_base64)
{
  struct result_summary summary;
  uint64_t id;

  decode_result(R_LINE, strlen(R_LINE), &id, &summary);
  ck_assert_ptr_null(summary.body);
  assert_malformed(R_RETRY_AFTER ",\"body\":\"QUJ\"" T_RECORD,
                   AT(R_RETRY_AFTER ",\"body\":\"QUJ"));
  assert_malformed(R_RETRY_AFTER ",\"body\":\"QU=D\"" T_RECORD,
                   AT(R_RETRY_AFTER ",\"body\":\"QU="));
  assert_malformed(R_RETRY_AFTER ",\"body\":\"QUJD" T_RECORD,
                   AT(R_RETRY_AFTER ",\"body\":\"QUJD"));
  decode_result(R_RETRY_AFTER ",\"body\":\"QUJD\"" T_RECORD,
                strlen(R_RETRY_AFTER ",\"body\":\"QUJD\"" T_RECORD), &id,
                &summary);
  assert_bytes_eq(summary.body, summary.body_len, "QUJD");
}
END_TEST

START_TEST(test_result_decode_id_limits)
{
  static const char zero[] =
      "{\"id\":0,\"error\":null,\"status\":0,\"bytes\":0,\"truncated\":false,"
      "\"total_ms\":0.0,\"retry_after\":0,\"record\":{}}";
  static const char max[] =
      "{\"id\":9223372036854775807,\"error\":null,\"status\":0,\"bytes\":0,"
      "\"truncated\":false,\"total_ms\":0.0,\"retry_after\":0,\"record\":{}}";
  struct result_summary summary;
  uint64_t id;

  decode_result(zero, strlen(zero), &id, &summary);
  ck_assert_uint_eq(id, 0);
  ck_assert_int_eq(summary.status, 0);
  decode_result(max, strlen(max), &id, &summary);
  ck_assert_uint_eq(id, 9223372036854775807ULL);
  assert_no_task_id("{\"id\":9223372036854775808,\"error\":null,\"status\":"
                    "0,\"bytes\":0,\"truncated\":false,\"total_ms\":0.0,"
                    "\"retry_after\":0,\"record\":{}}");
  assert_no_task_id("{\"id\":18446744073709551615,\"error\":null}");
  assert_no_task_id("{\"id\":18446744073709551616,\"error\":null}");
  assert_no_task_id("{\"id\":99999999999999999999999,\"error\":null}");
}
END_TEST

START_TEST(test_result_decode_total_ms_forms)
{
  static const struct {
    const char *text;
    double ms;
  } cases[] = {
    { "0.0", 0.0 },
    { "12.345", 12.345 },
    { "-1.5", -1.5 },
    { "1.5", 1.5 },
    { "1.05", 1.05 },
    { "0.001", 0.001 },
    { "-0.25", -0.25 },
    { "86399999.999", 86399999.999 },
    { "9007199254740.992", 9007199254740.992 },
  };

  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct result_summary summary;
    char line[256];
    uint64_t id;

    snprintf(line, sizeof(line),
             R_TRUNCATED ",\"total_ms\":%s,\"retry_after\":0,\"record\":{}}",
             cases[i].text);
    decode_result(line, strlen(line), &id, &summary);
    ck_assert_msg(summary.total_ms == cases[i].ms,
                  "%s: decoded %.17g, expected %.17g", cases[i].text,
                  summary.total_ms, cases[i].ms);
    ck_assert_uint_eq(id, 5);
    assert_bytes_eq(summary.record, summary.record_len, "{}");
  }
}
END_TEST

START_TEST(test_result_decode_status_limits)
{
  static const char s0[] = R_ERROR ",\"status\":0" T_BYTES;
  static const char s999[] = R_ERROR ",\"status\":999" T_BYTES;
  struct result_summary summary;
  uint64_t id;

  decode_result(s0, strlen(s0), &id, &summary);
  ck_assert_int_eq(summary.status, 0);
  decode_result(s999, strlen(s999), &id, &summary);
  ck_assert_int_eq(summary.status, 999);
  /* The scanner stops at the digit that takes the number past 999. */
  assert_malformed(R_ERROR ",\"status\":1000" T_BYTES,
                   AT(R_ERROR ",\"status\":100"));
  assert_malformed(R_ERROR ",\"status\":99999" T_BYTES,
                   AT(R_ERROR ",\"status\":999"));
}
END_TEST

START_TEST(test_result_decode_reads_only_len_bytes)
{
  static const char line[] = R_LINE "garbage}}";
  struct result_summary summary;
  uint64_t id;

  decode_result(line, AT(R_LINE), &id, &summary);
  ck_assert_uint_eq(id, 5);
  assert_bytes_eq(summary.record, summary.record_len, "{\"a\":1}");
  /* One byte short is no line at all. */
  assert_malformed_len(line, AT(R_LINE) - 1, AT(R_RECORD "{"));
  assert_malformed_len(line, AT(R_ID), AT(R_ID));
  assert_result_rejected_len(line, AT("{\"id\":"), "result has no task id");
  assert_result_rejected_len(line, 0, "result has no task id");
}
END_TEST

START_TEST(test_result_decode_rejects_missing_id)
{
  assert_no_task_id("");
  assert_no_task_id("{");
  assert_no_task_id("{\"id\":");
  assert_no_task_id("{\"id\"");
  assert_no_task_id("{\"url\":\"http://a/\"}");
  assert_no_task_id("{\"error\":null,\"id\":5" T_STATUS);
  assert_no_task_id("{\"ID\":5" T_ERROR);
  assert_no_task_id("{\"id\":null" T_ERROR);
  assert_no_task_id("[5]");
  assert_no_task_id("5");
}
END_TEST

START_TEST(test_result_decode_rejects_bad_id)
{
  assert_no_task_id("{\"id\":-5" T_ERROR);
  assert_no_task_id("{\"id\":-0" T_ERROR);
  assert_no_task_id("{\"id\":+5" T_ERROR);
  assert_no_task_id("{\"id\":\"5\"" T_ERROR);
  assert_no_task_id("{\"id\":05" T_ERROR);
  assert_no_task_id("{\"id\":00" T_ERROR);
  assert_no_task_id("{\"id\":.5" T_ERROR);
  assert_no_task_id("{\"id\": 5" T_ERROR);
  assert_no_task_id("{ \"id\":5" T_ERROR);
  assert_no_task_id("{\"id\" :5" T_ERROR);
}
END_TEST

START_TEST(test_result_decode_rejects_what_follows_the_id)
{
  assert_malformed(R_ID, AT(R_ID));
  assert_malformed(R_ID "}", AT(R_ID));
  assert_malformed(R_ID ".0" T_ERROR, AT(R_ID));
  assert_malformed(R_ID "e0" T_ERROR, AT(R_ID));
  assert_malformed(R_ID ", \"error\":null" T_STATUS, AT(R_ID));
  assert_malformed(R_ID T_STATUS, AT(R_ID));
  /* Fields in another order. */
  assert_malformed(R_ID ",\"status\":200,\"error\":null" T_BYTES, AT(R_ID));
  assert_malformed(R_ID ",\"x\":1" T_ERROR, AT(R_ID));
}
END_TEST

START_TEST(test_result_decode_rejects_bad_error)
{
  assert_malformed(R_ID ",\"error\":\"nope\"" T_STATUS,
                   AT(R_ID ",\"error\":\"nope\""));
  assert_malformed(R_ID ",\"error\":\"\"" T_STATUS,
                   AT(R_ID ",\"error\":\"\""));
  assert_malformed(R_ID ",\"error\":\"null\"" T_STATUS,
                   AT(R_ID ",\"error\":\"null\""));
  assert_malformed(R_ID ",\"error\":\"DNS\"" T_STATUS,
                   AT(R_ID ",\"error\":\"DNS\""));
  assert_malformed(R_ID ",\"error\":\"dns \"" T_STATUS,
                   AT(R_ID ",\"error\":\"dns \""));
  assert_malformed(R_ID ",\"error\":\"d\\u006es\"" T_STATUS,
                   AT(R_ID ",\"error\":\"d\\u006es\""));
  /* A NUL would cut the name short for the table lookup. */
  assert_malformed_len(R_ID ",\"error\":\"timeout\0x\"" T_STATUS,
                       sizeof(R_ID ",\"error\":\"timeout\0x\"" T_STATUS) - 1,
                       AT(R_ID ",\"error\":\""));
  /* No closing quote, or a name longer than any code. */
  assert_malformed(R_ID ",\"error\":\"dns", AT(R_ID ",\"error\":\""));
  assert_malformed(
      R_ID ",\"error\":\"too_many_redirects_too_many_redirects\"" T_STATUS,
      AT(R_ID ",\"error\":\""));
  assert_malformed(R_ID ",\"error\":dns" T_STATUS, AT(R_ID ",\"error\":"));
  assert_malformed(R_ID ",\"error\":Null" T_STATUS, AT(R_ID ",\"error\":"));
  assert_malformed(R_ID ",\"error\": null" T_STATUS, AT(R_ID ",\"error\":"));
  assert_malformed(R_ID ",\"error\":false" T_STATUS, AT(R_ID ",\"error\":"));
  assert_malformed(R_ID ",\"error\":{\"code\":\"dns\"}" T_STATUS,
                   AT(R_ID ",\"error\":"));
  assert_malformed(R_ID ",\"error\":nullx" T_STATUS,
                   AT(R_ID ",\"error\":null"));
}
END_TEST

START_TEST(test_result_decode_rejects_bad_status)
{
  assert_malformed(R_ERROR ",\"status\":-1" T_BYTES,
                   AT(R_ERROR ",\"status\":"));
  assert_malformed(R_ERROR ",\"status\":\"200\"" T_BYTES,
                   AT(R_ERROR ",\"status\":"));
  assert_malformed(R_ERROR ",\"status\":null" T_BYTES,
                   AT(R_ERROR ",\"status\":"));
  assert_malformed(R_ERROR ",\"status\":" T_BYTES, AT(R_ERROR ",\"status\":"));
  /* A leading zero is seen once the digits are read. */
  assert_malformed(R_ERROR ",\"status\":0200" T_BYTES,
                   AT(R_ERROR ",\"status\":0200"));
  assert_malformed(R_ERROR ",\"status\":00" T_BYTES,
                   AT(R_ERROR ",\"status\":00"));
  assert_malformed(R_ERROR ",\"status\":200.0" T_BYTES, AT(R_STATUS));
  assert_malformed(R_ERROR T_BYTES, AT(R_ERROR));
}
END_TEST

START_TEST(test_result_decode_rejects_bad_bytes)
{
  assert_malformed(R_STATUS ",\"bytes\":18446744073709551616" T_TRUNCATED,
                   AT(R_STATUS ",\"bytes\":1844674407370955161"));
  assert_malformed(R_STATUS ",\"bytes\":-1" T_TRUNCATED,
                   AT(R_STATUS ",\"bytes\":"));
  assert_malformed(R_STATUS ",\"bytes\":010" T_TRUNCATED,
                   AT(R_STATUS ",\"bytes\":010"));
  assert_malformed(R_STATUS ",\"bytes\":10.0" T_TRUNCATED, AT(R_BYTES));
  assert_malformed(R_STATUS ",\"bytes\":1e3" T_TRUNCATED,
                   AT(R_STATUS ",\"bytes\":1"));
  assert_malformed(R_STATUS ",\"bytes\":null" T_TRUNCATED,
                   AT(R_STATUS ",\"bytes\":"));
  assert_malformed(R_STATUS T_TRUNCATED, AT(R_STATUS));
}
END_TEST

START_TEST(test_result_decode_rejects_bad_truncated)
{
  assert_malformed(R_BYTES ",\"truncated\":1" T_TOTAL_MS,
                   AT(R_BYTES ",\"truncated\":"));
  assert_malformed(R_BYTES ",\"truncated\":\"true\"" T_TOTAL_MS,
                   AT(R_BYTES ",\"truncated\":"));
  assert_malformed(R_BYTES ",\"truncated\":True" T_TOTAL_MS,
                   AT(R_BYTES ",\"truncated\":"));
  assert_malformed(R_BYTES ",\"truncated\":null" T_TOTAL_MS,
                   AT(R_BYTES ",\"truncated\":"));
  assert_malformed(R_BYTES ",\"truncated\":fals" T_TOTAL_MS,
                   AT(R_BYTES ",\"truncated\":"));
  assert_malformed(R_BYTES ",\"truncated\":truex" T_TOTAL_MS,
                   AT(R_BYTES ",\"truncated\":true"));
  assert_malformed(R_BYTES T_TOTAL_MS, AT(R_BYTES));
}
END_TEST

START_TEST(test_result_decode_rejects_bad_total_ms)
{
#define MS(text) R_TRUNCATED ",\"total_ms\":" text
  /* jsonw_ms always writes a fraction of one to three digits. */
  assert_malformed(MS("12") T_RECORD, AT(MS("12")));
  assert_malformed(MS("12.") T_RECORD, AT(MS("12.")));
  assert_malformed(MS("1.2345") T_RECORD, AT(MS("1.234")));
  assert_malformed(MS(".5") T_RECORD, AT(MS("")));
  assert_malformed(MS("+1.5") T_RECORD, AT(MS("")));
  assert_malformed(MS("-.5") T_RECORD, AT(MS("-")));
  assert_malformed(MS("--1.5") T_RECORD, AT(MS("-")));
  assert_malformed(MS("01.5") T_RECORD, AT(MS("01")));
  assert_malformed(MS("1e3") T_RECORD, AT(MS("1")));
  assert_malformed(MS("1.5e3") T_RECORD, AT(MS("1.5")));
  assert_malformed(MS("1.5 ") T_RECORD, AT(MS("1.5")));
  assert_malformed(MS("NaN") T_RECORD, AT(MS("")));
  assert_malformed(MS("null") T_RECORD, AT(MS("")));
  assert_malformed(MS("\"1.5\"") T_RECORD, AT(MS("")));
  assert_malformed(MS("") T_RECORD, AT(MS("")));
  /* Only jsonw_ms's own spelling: no trailing zero, no negative zero. */
  assert_malformed(MS("2.10") T_RECORD, AT(MS("2.10")));
  assert_malformed(MS("3.000") T_RECORD, AT(MS("3.000")));
  assert_malformed(MS("1.00") T_RECORD, AT(MS("1.00")));
  assert_malformed(MS("-0.0") T_RECORD, AT(MS("-0.0")));
  /* More than 2^53 microseconds, which jsonw_ms never writes. */
  assert_malformed(MS("9007199254740.993") T_RECORD,
                   AT(MS("9007199254740.993")));
  assert_malformed(MS("9007199254740993.0") T_RECORD, AT(MS("9007199254740")));
  assert_malformed(R_TRUNCATED T_RECORD, AT(R_TRUNCATED));
#undef MS
}
END_TEST

START_TEST(test_result_decode_rejects_bad_record)
{
  assert_malformed(R_TOTAL_MS ",\"record\":null}", AT(R_TOTAL_MS));
  assert_malformed(R_TOTAL_MS ",\"record\":[1]}", AT(R_TOTAL_MS));
  assert_malformed(R_TOTAL_MS ",\"record\":\"{}\"}", AT(R_TOTAL_MS));
  assert_malformed(R_TOTAL_MS ",\"record\" :{}}", AT(R_TOTAL_MS));
  assert_malformed(R_TOTAL_MS ",\"record\": {}}", AT(R_TOTAL_MS));
  assert_malformed(R_TOTAL_MS "}", AT(R_TOTAL_MS));
  assert_malformed(R_TOTAL_MS, AT(R_TOTAL_MS));
  assert_malformed(R_TOTAL_MS ",\"x\":1" T_RECORD, AT(R_TOTAL_MS));
  /* No envelope brace after the record's. */
  assert_malformed(R_RECORD "{\"a\":1}", AT(R_RECORD "{"));
  assert_malformed(R_RECORD "{}", AT(R_RECORD "{"));
  assert_malformed(R_RECORD "{", AT(R_RECORD "{"));
  assert_malformed(R_RECORD "{\"a\":1}}\n", AT(R_RECORD "{"));
  assert_malformed(R_RECORD "{\"a\":1}} ", AT(R_RECORD "{"));
  assert_malformed(R_RECORD "{\"a\":1},\"x\":1}", AT(R_RECORD "{"));
}
END_TEST

START_TEST(test_result_decode_names_the_task_it_rejects)
{
  assert_result_rejected("{\"id\":9223372036854775807}",
                         "result 9223372036854775807 is malformed at byte 25");
  assert_result_rejected("{\"id\":0,\"error\":\"x\"}",
                         "result 0 is malformed at byte 19");
}
END_TEST

START_TEST(test_result_decode_truncates_reason_to_err_size)
{
  struct result_summary summary;
  char err[12];
  uint64_t id = ID_SENTINEL;

  memset(err, 'z', sizeof(err));
  ck_assert_int_eq(
      proto_result_decode(R_ID "}", AT(R_ID "}"), &id, &summary, err, 8), -1);
  ck_assert_str_eq(err, "result ");
  ck_assert_int_eq(err[8], 'z');
  ck_assert_uint_eq(id, ID_SENTINEL);
  memset(err, 'z', sizeof(err));
  ck_assert_int_eq(proto_result_decode("x", 1, &id, &summary, err, 5), -1);
  ck_assert_str_eq(err, "resu");
  ck_assert_int_eq(err[5], 'z');
}
END_TEST

/* --- proto_read_line
 * ------------------------------------------------------------ */

START_TEST(test_read_line_two_lines_in_one_buffer)
{
  struct evbuffer *buffer = buffer_with("one\ntwo\n", 8);
  char *line = NULL;
  size_t len = 0;

  assert_next_line(buffer, "one");
  assert_next_line(buffer, "two");
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_NEED_MORE);
  ck_assert_uint_eq(evbuffer_get_length(buffer), 0);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_split_across_two_adds)
{
  static const char first[] = "{\"v\":1,\"id\":17,";
  static const char second[] = "\"url\":\"http://a/\",\"attempt\":1}\n";
  struct evbuffer *buffer = buffer_with(first, strlen(first));
  char *line = NULL;
  size_t len = 0;

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_NEED_MORE);
  ck_assert_ptr_null(line);
  ck_assert_uint_eq(evbuffer_get_length(buffer), strlen(first));
  ck_assert_int_eq(evbuffer_add(buffer, second, strlen(second)), 0);
  assert_next_line(buffer,
                   "{\"v\":1,\"id\":17,\"url\":\"http://a/\",\"attempt\":1}");
  ck_assert_uint_eq(evbuffer_get_length(buffer), 0);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_empty_line_has_length_zero)
{
  struct evbuffer *buffer = buffer_with("\nx\n", 3);

  assert_next_line(buffer, "");
  assert_next_line(buffer, "x");
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_torn_line_needs_more)
{
  struct evbuffer *buffer = buffer_with("{\"id\":1", 7);
  char *line = NULL;
  size_t len = 0;

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_NEED_MORE);
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_NEED_MORE);
  ck_assert_ptr_null(line);
  ck_assert_uint_eq(evbuffer_get_length(buffer), 7);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_torn_line_of_exactly_line_max_needs_more)
{
  struct evbuffer *buffer = long_line_buffer(PROTO_LINE_MAX, false);
  char *line = NULL;
  size_t len = 0;

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_NEED_MORE);
  ck_assert_ptr_null(line);
  ck_assert_uint_eq(evbuffer_get_length(buffer), PROTO_LINE_MAX);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_accepts_line_of_exactly_line_max)
{
  struct evbuffer *buffer = long_line_buffer(PROTO_LINE_MAX, true);
  char *line = NULL;
  size_t len = 0;

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_LINE);
  ck_assert_ptr_nonnull(line);
  ck_assert_uint_eq(len, PROTO_LINE_MAX);
  ck_assert_int_eq(line[0], 'a');
  ck_assert_int_eq(line[PROTO_LINE_MAX - 1], 'a');
  ck_assert_uint_eq(evbuffer_get_length(buffer), 0);
  free(line);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_too_long_without_newline)
{
  struct evbuffer *buffer = long_line_buffer(PROTO_LINE_MAX + 1, false);
  char *line = NULL;
  size_t len = 0;

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_TOO_LONG);
  ck_assert_ptr_null(line);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_too_long_with_late_newline)
{
  struct evbuffer *buffer = long_line_buffer(PROTO_LINE_MAX + 1, true);
  char *line = NULL;
  size_t len = 0;

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_TOO_LONG);
  ck_assert_ptr_null(line);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_too_long_after_earlier_lines)
{
  struct evbuffer *buffer = buffer_with("ok\n", 3);
  char *bytes = malloc(PROTO_LINE_MAX + 10);
  char *line = NULL;
  size_t len = 0;

  ck_assert_ptr_nonnull(bytes);
  memset(bytes, 'b', PROTO_LINE_MAX + 10);
  bytes[PROTO_LINE_MAX + 5] = '\n';
  ck_assert_int_eq(evbuffer_add(buffer, bytes, PROTO_LINE_MAX + 10), 0);
  free(bytes);
  assert_next_line(buffer, "ok");
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_TOO_LONG);
  ck_assert_ptr_null(line);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_keeps_bytes_after_the_newline)
{
  struct evbuffer *buffer = buffer_with("a\nbc", 4);
  char *line = NULL;
  size_t len = 0;

  assert_next_line(buffer, "a");
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_NEED_MORE);
  ck_assert_uint_eq(evbuffer_get_length(buffer), 2);
  ck_assert_int_eq(evbuffer_add(buffer, "\n", 1), 0);
  assert_next_line(buffer, "bc");
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_then_decode_task)
{
  struct proto_task task;
  struct evbuffer *buffer;
  struct jsonw w = { 0 };
  char err[256] = "";
  char *line = NULL;
  size_t len = 0;

  proto_task_encode(&w, 5, "http://d/", 2, false, false);
  proto_task_encode(&w, 6, "http://e/\"", 3, false, false);
  ck_assert(!w.failed);
  buffer = buffer_with(w.text, w.len);
  jsonw_free(&w);
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_LINE);
  ck_assert_int_eq(proto_task_decode(line, len, &task, err, sizeof(err)), 0);
  ck_assert_uint_eq(task.id, 5);
  ck_assert_int_eq(task.attempt, 2);
  ck_assert_str_eq(task.url, "http://d/");
  proto_task_clear(&task);
  free(line);
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_LINE);
  ck_assert_int_eq(proto_task_decode(line, len, &task, err, sizeof(err)), 0);
  ck_assert_uint_eq(task.id, 6);
  ck_assert_int_eq(task.attempt, 3);
  ck_assert_str_eq(task.url, "http://e/\"");
  proto_task_clear(&task);
  free(line);
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_NEED_MORE);
  evbuffer_free(buffer);
}
END_TEST

START_TEST(test_read_line_then_decode_results)
{
  struct result_record ok;
  struct result_record failed;
  struct result_summary summary;
  struct evbuffer *buffer;
  struct jsonw w = { 0 };
  uint64_t id;
  char *line = NULL;
  size_t len = 0;

  sample_success(&ok);
  sample_error(&failed);
  proto_result_encode(&w, 1, &ok);
  proto_result_encode(&w, 2, &failed);
  ck_assert(!w.failed);
  buffer = buffer_with(w.text, w.len);
  jsonw_free(&w);

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_LINE);
  decode_result(line, len, &id, &summary);
  ck_assert_uint_eq(id, 1);
  ck_assert_int_eq(summary.error, RESULT_OK);
  ck_assert_int_eq(summary.status, 200);
  ck_assert_uint_eq(summary.bytes, 12345);
  ck_assert_double_eq(summary.total_ms, 20.75);
  ck_assert_ptr_eq(summary.record,
                   line + len - 1 - strlen(SAMPLE_SUCCESS_TEXT));
  assert_bytes_eq(summary.record, summary.record_len, SAMPLE_SUCCESS_TEXT);
  free(line);

  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_LINE);
  decode_result(line, len, &id, &summary);
  ck_assert_uint_eq(id, 2);
  ck_assert_int_eq(summary.error, RESULT_ERR_DNS);
  ck_assert_int_eq(summary.status, 0);
  ck_assert_uint_eq(summary.bytes, 0);
  ck_assert(!summary.truncated);
  ck_assert_double_eq(summary.total_ms, 0.0);
  assert_bytes_eq(summary.record, summary.record_len, SAMPLE_ERROR_TEXT);
  free(line);
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_NEED_MORE);
  evbuffer_free(buffer);
}
END_TEST

static Suite *proto_suite(void)
{
  Suite *suite = suite_create("proto");
  TCase *dump = tcase_create("dump");
  TCase *task = tcase_create("task");
  TCase *encode = tcase_create("result_encode");
  TCase *round_trip = tcase_create("result_round_trip");
  TCase *decode = tcase_create("result_decode");
  TCase *read_case = tcase_create("read_line");

  tcase_add_test(dump, test_dump_line_is_compact_and_ends_in_one_newline);
  tcase_add_test(dump, test_dump_line_escapes_newlines_inside_strings);
  tcase_add_test(dump, test_dump_line_prints_millisecond_reals_without_noise);
  tcase_add_test(dump, test_dump_line_keeps_microseconds_of_day_long_timing);
  suite_add_tcase(suite, dump);

  tcase_add_test(task, test_task_encode_exact_line);
  tcase_add_test(task, test_task_encode_appends_to_what_is_there);
  tcase_add_test(task, test_task_encode_escapes_url);
  tcase_add_test(task, test_task_round_trip);
  tcase_add_test(task, test_task_round_trip_plain_urls);
  tcase_add_test(task, test_task_fast_and_jansson_paths_agree_on_escapes);
  tcase_add_test(task, test_task_decode_unicode_escape_and_spaces);
  tcase_add_test(task, test_task_decode_id_limits);
  tcase_add_test(task, test_task_decode_attempt_limits);
  tcase_add_test(task, test_task_decode_agrees_with_jansson);
  tcase_add_test(task, test_task_decode_accepts_any_key_order);
  tcase_add_test(task, test_task_decode_reads_only_len_bytes);
  tcase_add_test(task, test_task_decode_rejects_non_json);
  tcase_add_test(task, test_task_decode_rejects_empty_line);
  tcase_add_test(task, test_task_decode_rejects_truncated_json);
  tcase_add_test(task, test_task_decode_rejects_non_object);
  tcase_add_test(task, test_task_decode_rejects_missing_version);
  tcase_add_test(task, test_task_decode_rejects_missing_id);
  tcase_add_test(task, test_task_decode_rejects_missing_url);
  tcase_add_test(task, test_task_decode_rejects_missing_attempt);
  tcase_add_test(task, test_task_decode_rejects_wrong_version);
  tcase_add_test(task, test_task_decode_rejects_version_zero);
  tcase_add_test(task, test_task_decode_rejects_string_version);
  tcase_add_test(task, test_task_decode_rejects_negative_id);
  tcase_add_test(task, test_task_decode_rejects_fractional_id);
  tcase_add_test(task, test_task_decode_rejects_attempt_zero);
  tcase_add_test(task, test_task_decode_rejects_negative_attempt);
  tcase_add_test(task, test_task_decode_rejects_number_url);
  tcase_add_test(task, test_task_decode_rejects_null_url);
  tcase_add_test(task, test_task_decode_rejects_duplicate_keys);
  tcase_add_test(task, test_task_decode_rejects_nul_in_url);
  tcase_add_test(task, test_task_decode_truncates_reason_to_err_size);
  suite_add_tcase(suite, task);

  tcase_add_test(encode, test_result_encode_exact_line_success);
  tcase_add_test(encode, test_result_encode_exact_line_error);
  tcase_add_test(encode, test_result_encode_record_is_result_encode_text);
  tcase_add_test(encode, test_result_encode_appends_to_what_is_there);
  tcase_add_test(encode, test_result_encode_negative_status_is_zero);
  tcase_add_test(encode, test_result_total_ms_forms);
  tcase_add_test(encode, test_result_total_ms_not_finite_is_zero);
  suite_add_tcase(suite, encode);

  tcase_add_test(round_trip, test_result_round_trip_success);
  tcase_add_test(round_trip, test_result_round_trip_error);
  tcase_add_test(round_trip, test_result_round_trip_every_error_code);
  tcase_add_test(round_trip, test_result_round_trip_extremes);
  tcase_add_test(round_trip, test_result_round_trip_awkward_record_strings);
  tcase_add_test(round_trip, test_result_id_above_int64_max_is_not_decoded);
  suite_add_tcase(suite, round_trip);

  tcase_add_test(decode, test_result_decode_minimal_line);
  tcase_add_test(decode, test_result_decode_every_field_set);
  tcase_add_test(decode, test_result_decode_id_limits);
  tcase_add_test(decode, test_result_decode_total_ms_forms);
  tcase_add_test(decode, test_result_retry_after_round_trip);
  tcase_add_test(decode, test_result_decode_rejects_bad_retry_after);
  tcase_add_test(decode, test_robots_task_and_body_round_trip);
  tcase_add_test(decode, test_result_body_must_be_base64);
  tcase_add_test(decode, test_result_decode_status_limits);
  tcase_add_test(decode, test_result_decode_reads_only_len_bytes);
  tcase_add_test(decode, test_result_decode_rejects_missing_id);
  tcase_add_test(decode, test_result_decode_rejects_bad_id);
  tcase_add_test(decode, test_result_decode_rejects_what_follows_the_id);
  tcase_add_test(decode, test_result_decode_rejects_bad_error);
  tcase_add_test(decode, test_result_decode_rejects_bad_status);
  tcase_add_test(decode, test_result_decode_rejects_bad_bytes);
  tcase_add_test(decode, test_result_decode_rejects_bad_truncated);
  tcase_add_test(decode, test_result_decode_rejects_bad_total_ms);
  tcase_add_test(decode, test_result_decode_rejects_bad_record);
  tcase_add_test(decode, test_result_decode_names_the_task_it_rejects);
  tcase_add_test(decode, test_result_decode_truncates_reason_to_err_size);
  suite_add_tcase(suite, decode);

  tcase_add_test(read_case, test_read_line_two_lines_in_one_buffer);
  tcase_add_test(read_case, test_read_line_split_across_two_adds);
  tcase_add_test(read_case, test_read_line_empty_line_has_length_zero);
  tcase_add_test(read_case, test_read_line_torn_line_needs_more);
  tcase_add_test(read_case,
                 test_read_line_torn_line_of_exactly_line_max_needs_more);
  tcase_add_test(read_case, test_read_line_accepts_line_of_exactly_line_max);
  tcase_add_test(read_case, test_read_line_too_long_without_newline);
  tcase_add_test(read_case, test_read_line_too_long_with_late_newline);
  tcase_add_test(read_case, test_read_line_too_long_after_earlier_lines);
  tcase_add_test(read_case, test_read_line_keeps_bytes_after_the_newline);
  tcase_add_test(read_case, test_read_line_then_decode_task);
  tcase_add_test(read_case, test_read_line_then_decode_results);
  suite_add_tcase(suite, read_case);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(proto_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
