/* check_proto.c - unit tests for the supervisor <-> worker line protocol
 * (src/proto.c).
 *
 * Encoded lines are not NUL-terminated (they carry their length), so they are
 * compared with memcmp against the expected text and its length. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>
#include <jansson.h>

#include "proto.h"

/* Checks that line[0..len) is exactly expected. */
static void assert_bytes_eq(const char *line, size_t len, const char *expected)
{
  size_t expected_len = strlen(expected);

  ck_assert_msg(len == expected_len && memcmp(line, expected, len) == 0,
                "got '%.*s' (%zu bytes), expected '%s' (%zu bytes)", (int)len,
                line, len, expected, expected_len);
}

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

static void assert_result_rejected(const char *line, const char *reason)
{
  char err[256];
  uint64_t id = 99;
  json_t *record;

  memset(err, 0, sizeof(err));
  record = proto_result_decode(line, strlen(line), &id, err, sizeof(err));
  ck_assert_ptr_null(record);
  ck_assert_msg(err[0] != '\0', "no reason for rejecting '%s'", line);
  if(reason != NULL)
    ck_assert_str_eq(err, reason);
  ck_assert_uint_eq(id, 99);
}

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
  size_t len = 0;
  char *line = proto_task_encode(17, "http://a/", 1, &len);

  ck_assert_ptr_nonnull(line);
  assert_bytes_eq(line, len,
                  "{\"v\":1,\"id\":17,\"url\":\"http://a/\",\"attempt\":1}\n");
  free(line);
}
END_TEST

START_TEST(test_task_round_trip)
{
  static const char url[] = "https://example.org/caf\xc3\xa9?q=\"x\"&r=\\";
  struct proto_task task;
  char err[256] = "";
  size_t len = 0;
  char *line = proto_task_encode(123456789012ULL, url, 3, &len);

  ck_assert_ptr_nonnull(line);
  ck_assert_uint_gt(len, 1);
  ck_assert_int_eq(line[len - 1], '\n');
  ck_assert_int_eq(proto_task_decode(line, len - 1, &task, err, sizeof(err)),
                   0);
  ck_assert_uint_eq(task.id, 123456789012ULL);
  ck_assert_int_eq(task.attempt, 3);
  ck_assert_ptr_nonnull(task.url);
  ck_assert_str_eq(task.url, url);
  proto_task_clear(&task);
  ck_assert_ptr_null(task.url);
  free(line);
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
  struct proto_task task;
  char err[256] = "";
  size_t len = strlen(line) - strlen("garbage");

  ck_assert_int_eq(proto_task_decode(line, len, &task, err, sizeof(err)), 0);
  ck_assert_uint_eq(task.id, 4);
  ck_assert_str_eq(task.url, "http://c/");
  proto_task_clear(&task);
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

/* --- results
 * -------------------------------------------------------------------- */

START_TEST(test_result_encode_appends_id_and_newline)
{
  json_t *record = json_pack("{s:s, s:b}", "url", "http://a/", "ok", 1);
  size_t len = 0;
  char *line;

  ck_assert_ptr_nonnull(record);
  line = proto_result_encode(42, record, &len);
  ck_assert_ptr_nonnull(line);
  assert_bytes_eq(line, len,
                  "{\"url\":\"http://a/\",\"ok\":true,\"id\":42}\n");
  free(line);
  json_decref(record);
}
END_TEST

START_TEST(test_result_round_trip)
{
  json_t *record = json_pack("{s:s, s:n, s:{s:f}}", "url", "http://a/\xc3\xa9",
                             "status", "timing", "total_ms", 1.235);
  json_t *decoded;
  char err[256] = "";
  uint64_t id = 0;
  size_t len = 0;
  char *line;

  ck_assert_ptr_nonnull(record);
  line = proto_result_encode(9007199254740993ULL, record, &len);
  ck_assert_ptr_nonnull(line);
  ck_assert_int_eq(line[len - 1], '\n');
  decoded = proto_result_decode(line, len - 1, &id, err, sizeof(err));
  ck_assert_msg(decoded != NULL, "decode: %s", err);
  ck_assert_uint_eq(id, 9007199254740993ULL);
  ck_assert(json_equal(decoded, record));
  json_decref(decoded);
  free(line);
  json_decref(record);
}
END_TEST

START_TEST(test_result_decode_gets_id_zero)
{
  static const char line[] = "{\"id\":0,\"url\":\"http://a/\"}";
  char err[256] = "";
  uint64_t id = 99;
  json_t *record;

  record = proto_result_decode(line, strlen(line), &id, err, sizeof(err));
  ck_assert_ptr_nonnull(record);
  ck_assert_uint_eq(id, 0);
  ck_assert_str_eq(json_string_value(json_object_get(record, "url")),
                   "http://a/");
  json_decref(record);
}
END_TEST

START_TEST(test_result_decode_rejects_missing_id)
{
  assert_result_rejected("{\"url\":\"http://a/\"}", "result has no task id");
}
END_TEST

START_TEST(test_result_decode_rejects_negative_id)
{
  assert_result_rejected("{\"id\":-5}", "result has no task id");
}
END_TEST

START_TEST(test_result_decode_rejects_string_id)
{
  assert_result_rejected("{\"id\":\"5\"}", "result has no task id");
}
END_TEST

START_TEST(test_result_decode_rejects_real_id)
{
  assert_result_rejected("{\"id\":5.0}", "result has no task id");
}
END_TEST

START_TEST(test_result_decode_rejects_non_object)
{
  assert_result_rejected("[5]", "result has no task id");
}
END_TEST

START_TEST(test_result_decode_rejects_non_json)
{
  char err[256] = "";
  uint64_t id = 99;

  ck_assert_ptr_null(
      proto_result_decode("{\"id\":5", 6, &id, err, sizeof(err)));
  ck_assert_int_eq(strncmp(err, "result is not JSON: ", 20), 0);
  ck_assert_uint_gt(strlen(err), 20);
  ck_assert_uint_eq(id, 99);
}
END_TEST

START_TEST(test_result_decode_rejects_duplicate_keys)
{
  assert_result_rejected("{\"id\":5,\"id\":6}", NULL);
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
  char err[256] = "";
  char *encoded;
  char *line = NULL;
  size_t encoded_len = 0;
  size_t len = 0;

  encoded = proto_task_encode(5, "http://d/", 2, &encoded_len);
  ck_assert_ptr_nonnull(encoded);
  buffer = buffer_with(encoded, encoded_len);
  free(encoded);
  ck_assert_int_eq(proto_read_line(buffer, &line, &len), PROTO_LINE);
  ck_assert_int_eq(proto_task_decode(line, len, &task, err, sizeof(err)), 0);
  ck_assert_uint_eq(task.id, 5);
  ck_assert_int_eq(task.attempt, 2);
  ck_assert_str_eq(task.url, "http://d/");
  proto_task_clear(&task);
  free(line);
  evbuffer_free(buffer);
}
END_TEST

static Suite *proto_suite(void)
{
  Suite *suite = suite_create("proto");
  TCase *dump = tcase_create("dump");
  TCase *task = tcase_create("task");
  TCase *result = tcase_create("result");
  TCase *read_case = tcase_create("read_line");

  tcase_add_test(dump, test_dump_line_is_compact_and_ends_in_one_newline);
  tcase_add_test(dump, test_dump_line_escapes_newlines_inside_strings);
  tcase_add_test(dump, test_dump_line_prints_millisecond_reals_without_noise);
  tcase_add_test(dump, test_dump_line_keeps_microseconds_of_day_long_timing);
  suite_add_tcase(suite, dump);

  tcase_add_test(task, test_task_encode_exact_line);
  tcase_add_test(task, test_task_round_trip);
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

  tcase_add_test(result, test_result_encode_appends_id_and_newline);
  tcase_add_test(result, test_result_round_trip);
  tcase_add_test(result, test_result_decode_gets_id_zero);
  tcase_add_test(result, test_result_decode_rejects_missing_id);
  tcase_add_test(result, test_result_decode_rejects_negative_id);
  tcase_add_test(result, test_result_decode_rejects_string_id);
  tcase_add_test(result, test_result_decode_rejects_real_id);
  tcase_add_test(result, test_result_decode_rejects_non_object);
  tcase_add_test(result, test_result_decode_rejects_non_json);
  tcase_add_test(result, test_result_decode_rejects_duplicate_keys);
  suite_add_tcase(suite, result);

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
