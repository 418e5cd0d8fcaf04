/* check_result.c - unit tests for the result record (src/result.c).
 *
 * Records are compared as the compact JSON text the daemon writes (the flags
 * of proto_dump_line), so key order and number formatting are checked exactly.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "result.h"

/* The flags proto_dump_line writes records with. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(10))

#define FFFD "\xef\xbf\xbd"
#define EMPTY_SHA256 \
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* 2026-11-22T01:50:38Z */
#define FETCHED_SEC 1795312238

static const char *const record_keys[] = {
  "url",          "final_url",  "ok",           "status", "error",
  "content_type", "bytes",      "truncated",    "title",  "snippet",
  "sha256",       "redirects",  "http_version", "timing", "worker",
  "attempt",      "fetched_at", "utf8_repaired"
};
#define RECORD_KEY_COUNT (sizeof(record_keys) / sizeof(record_keys[0]))

static const struct {
  enum result_error code;
  const char *name;
} error_table[] = {
#define ERROR_ROW(name, text) { RESULT_ERR_##name, text },
  RESULT_ERRORS(ERROR_ROW)
#undef ERROR_ROW
};
#define ERROR_TABLE_COUNT (sizeof(error_table) / sizeof(error_table[0]))

/* A successful fetch with every field set. */
static void fill_success(struct result_record *record)
{
  static const char title[] = "Example Domain";
  static const char snippet[] = "This domain is for use in examples.";

  memset(record, 0, sizeof(*record));
  record->url = "https://example.org/a";
  record->final_url = "https://example.org/b";
  record->error = RESULT_OK;
  record->status = 200;
  record->content_type = "text/html; charset=utf-8";
  record->bytes = 12345;
  record->truncated = false;
  record->title = title;
  record->title_len = sizeof(title) - 1;
  record->snippet = snippet;
  record->snippet_len = sizeof(snippet) - 1;
  record->sha256 = EMPTY_SHA256;
  record->redirects = 1;
  record->http_version = "2";
  record->timing.dns_ms = 1.5;
  record->timing.connect_ms = 2.25;
  record->timing.tls_ms = 3.125;
  record->timing.ttfb_ms = 10.5;
  record->timing.total_ms = 20.75;
  record->has_worker = true;
  record->worker_kind = WORKER_THREAD;
  record->worker_id = 3;
  record->worker_pid = 4242;
  record->attempt = 1;
  record->fetched_at.tv_sec = FETCHED_SEC;
  record->fetched_at.tv_nsec = 123000000;
}

/* A DNS failure: no response, no worker. */
static void fill_error(struct result_record *record)
{
  memset(record, 0, sizeof(*record));
  record->url = "http://nx.invalid/";
  record->error = RESULT_ERR_DNS;
  record->error_message = "Could not resolve host: nx.invalid";
  record->has_worker = false;
  record->attempt = 2;
  record->fetched_at.tv_sec = 0;
  record->fetched_at.tv_nsec = 5000000;
}

static json_t *encode(const struct result_record *record)
{
  json_t *json = result_encode(record);

  ck_assert_ptr_nonnull(json);
  ck_assert(json_is_object(json));
  return json;
}

/* The compact text of json; malloc'd, caller frees. */
static char *dump(const json_t *json)
{
  char *text = json_dumps(json, DUMP_FLAGS);

  ck_assert_ptr_nonnull(text);
  return text;
}

static void assert_dump_eq(const json_t *json, const char *expected)
{
  char *text = dump(json);

  ck_assert_str_eq(text, expected);
  free(text);
}

static const char *string_member(const json_t *object, const char *key)
{
  json_t *value = json_object_get(object, key);

  ck_assert_msg(json_is_string(value), "\"%s\" is not a string", key);
  return json_string_value(value);
}

static void assert_repaired(const json_t *record, bool repaired)
{
  json_t *flag = json_object_get(record, "utf8_repaired");

  ck_assert(json_is_boolean(flag));
  ck_assert_int_eq(json_is_true(flag), repaired);
}

/* The keys of object, in iteration (= insertion = output) order. */
static void assert_keys(const json_t *object, const char *const *keys,
                        size_t count)
{
  const char *key;
  json_t *value;
  size_t i = 0;

  json_object_foreach((json_t *)object, key, value)
  {
    ck_assert_msg(i < count, "unexpected extra key \"%s\"", key);
    ck_assert_str_eq(key, keys[i]);
    i++;
  }
  ck_assert_uint_eq(i, count);
  ck_assert_uint_eq(json_object_size(object), count);
}

START_TEST(test_error_name_round_trips_every_code)
{
  for(size_t i = 0; i < ERROR_TABLE_COUNT; i++) {
    const char *name = result_error_name(error_table[i].code);

    ck_assert_ptr_nonnull(name);
    ck_assert_str_eq(name, error_table[i].name);
    ck_assert_int_eq(result_error_from_name(name), error_table[i].code);
  }
}
END_TEST

START_TEST(test_error_table_covers_every_enum_value)
{
  ck_assert_uint_eq(ERROR_TABLE_COUNT, RESULT_ERROR_COUNT - 1);
  ck_assert_uint_eq(ERROR_TABLE_COUNT, 19);
  for(int code = RESULT_OK + 1; code < RESULT_ERROR_COUNT; code++) {
    const char *name = result_error_name((enum result_error)code);

    ck_assert_ptr_nonnull(name);
    ck_assert_int_eq(result_error_from_name(name), code);
  }
}
END_TEST

START_TEST(test_error_names_are_exact)
{
  ck_assert_str_eq(result_error_name(RESULT_ERR_BAD_URL), "bad_url");
  ck_assert_str_eq(result_error_name(RESULT_ERR_TOO_MANY_REDIRECTS),
                   "too_many_redirects");
  ck_assert_str_eq(result_error_name(RESULT_ERR_WORKER_CRASH), "worker_crash");
  ck_assert_str_eq(result_error_name(RESULT_ERR_INTERNAL), "internal");
}
END_TEST

START_TEST(test_error_name_of_ok_and_out_of_range_is_null)
{
  ck_assert_ptr_null(result_error_name(RESULT_OK));
  ck_assert_ptr_null(result_error_name(RESULT_ERROR_COUNT));
}
END_TEST

START_TEST(test_error_from_unknown_name_is_ok)
{
  ck_assert_int_eq(result_error_from_name(""), RESULT_OK);
  ck_assert_int_eq(result_error_from_name("no_such_error"), RESULT_OK);
  ck_assert_int_eq(result_error_from_name("DNS"), RESULT_OK);
  ck_assert_int_eq(result_error_from_name("dns "), RESULT_OK);
  ck_assert_int_eq(result_error_from_name("time"), RESULT_OK);
  ck_assert_int_eq(result_error_from_name("ok"), RESULT_OK);
}
END_TEST

START_TEST(test_worker_kind_name)
{
  ck_assert_str_eq(worker_kind_name(WORKER_THREAD), "thread");
  ck_assert_str_eq(worker_kind_name(WORKER_PROCESS), "process");
}
END_TEST

START_TEST(test_format_time_epoch_with_milliseconds)
{
  struct timespec when = { 0, 5000000 };
  char buf[32];

  result_format_time(&when, buf, sizeof(buf));
  ck_assert_str_eq(buf, "1970-01-01T00:00:00.005Z");
}
END_TEST

START_TEST(test_format_time_2026_date)
{
  struct timespec when = { FETCHED_SEC, 123000000 };
  char buf[32];

  result_format_time(&when, buf, sizeof(buf));
  ck_assert_str_eq(buf, "2026-11-22T01:50:38.123Z");
}
END_TEST

START_TEST(test_format_time_truncates_sub_millisecond_digits)
{
  struct timespec when = { 1772323199, 999999999 };
  char buf[32];

  result_format_time(&when, buf, sizeof(buf));
  ck_assert_str_eq(buf, "2026-02-28T23:59:59.999Z");
}
END_TEST

START_TEST(test_encode_success_record_exact_line)
{
  struct result_record record;
  json_t *json;

  fill_success(&record);
  json = encode(&record);
  assert_dump_eq(
      json,
      "{\"url\":\"https://example.org/a\",\"final_url\":\"https://example.org/"
      "b\","
      "\"ok\":true,\"status\":200,\"error\":null,"
      "\"content_type\":\"text/html; "
      "charset=utf-8\",\"bytes\":12345,\"truncated\":false,"
      "\"title\":\"Example Domain\",\"snippet\":\"This domain is for use in "
      "examples.\","
      "\"sha256\":\"" EMPTY_SHA256 "\",\"redirects\":1,\"http_version\":\"2\","
      "\"timing\":{\"dns_ms\":1.5,\"connect_ms\":2.25,\"tls_ms\":3.125,\"ttfb_"
      "ms\":10.5,"
      "\"total_ms\":20.75},"
      "\"worker\":{\"kind\":\"thread\",\"id\":3,\"pid\":4242},\"attempt\":1,"
      "\"fetched_at\":\"2026-11-22T01:50:38.123Z\",\"utf8_repaired\":false}");
  json_decref(json);
}
END_TEST

START_TEST(test_encode_success_record_keys_in_documented_order)
{
  static const char *const timing_keys[] = { "dns_ms", "connect_ms", "tls_ms",
                                             "ttfb_ms", "total_ms" };
  static const char *const worker_keys[] = { "kind", "id", "pid" };
  struct result_record record;
  json_t *json;

  fill_success(&record);
  json = encode(&record);
  assert_keys(json, record_keys, RECORD_KEY_COUNT);
  assert_keys(json_object_get(json, "timing"), timing_keys, 5);
  assert_keys(json_object_get(json, "worker"), worker_keys, 3);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_process_worker)
{
  struct result_record record;
  json_t *json;

  fill_success(&record);
  record.worker_kind = WORKER_PROCESS;
  record.worker_id = 7;
  record.worker_pid = 31337;
  json = encode(&record);
  assert_dump_eq(json_object_get(json, "worker"),
                 "{\"kind\":\"process\",\"id\":7,\"pid\":31337}");
  json_decref(json);
}
END_TEST

START_TEST(test_encode_large_byte_count_and_truncated)
{
  struct result_record record;
  json_t *json;

  fill_success(&record);
  record.bytes = 5000000000ULL;
  record.truncated = true;
  record.error = RESULT_ERR_TOO_LARGE;
  record.error_message = "body larger than 10485760 bytes";
  json = encode(&record);
  ck_assert_int_eq(json_integer_value(json_object_get(json, "bytes")),
                   5000000000LL);
  ck_assert(json_is_true(json_object_get(json, "truncated")));
  ck_assert(json_is_false(json_object_get(json, "ok")));
  ck_assert_int_eq(json_integer_value(json_object_get(json, "status")), 200);
  assert_dump_eq(json_object_get(json, "error"),
                 "{\"code\":\"too_large\",\"message\":\"body larger than "
                 "10485760 bytes\"}");
  json_decref(json);
}
END_TEST

START_TEST(test_encode_error_record_exact_line)
{
  struct result_record record;
  json_t *json;

  fill_error(&record);
  json = encode(&record);
  assert_dump_eq(
      json,
      "{\"url\":\"http://nx.invalid/"
      "\",\"final_url\":null,\"ok\":false,\"status\":null,"
      "\"error\":{\"code\":\"dns\",\"message\":\"Could not resolve host: "
      "nx.invalid\"},"
      "\"content_type\":null,\"bytes\":0,\"truncated\":false,\"title\":null,"
      "\"snippet\":null,\"sha256\":null,\"redirects\":0,\"http_version\":null,"
      "\"timing\":{\"dns_ms\":0.0,\"connect_ms\":0.0,\"tls_ms\":0.0,\"ttfb_"
      "ms\":0.0,"
      "\"total_ms\":0.0},"
      "\"worker\":null,\"attempt\":2,\"fetched_at\":\"1970-01-01T00:00:00."
      "005Z\","
      "\"utf8_repaired\":false}");
  json_decref(json);
}
END_TEST

START_TEST(test_encode_error_record_keys_in_documented_order)
{
  struct result_record record;
  json_t *json;

  fill_error(&record);
  json = encode(&record);
  assert_keys(json, record_keys, RECORD_KEY_COUNT);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_error_without_message_has_empty_message)
{
  struct result_record record;
  json_t *json;

  fill_error(&record);
  record.error = RESULT_ERR_WORKER_CRASH;
  record.error_message = NULL;
  json = encode(&record);
  assert_dump_eq(json_object_get(json, "error"),
                 "{\"code\":\"worker_crash\",\"message\":\"\"}");
  json_decref(json);
}
END_TEST

START_TEST(test_encode_replaces_invalid_utf8_in_title)
{
  static const char title[] = "Caf\xe9 menu";
  struct result_record record;
  json_t *json;

  fill_success(&record);
  record.title = title;
  record.title_len = sizeof(title) - 1;
  json = encode(&record);
  ck_assert_str_eq(string_member(json, "title"), "Caf" FFFD " menu");
  assert_repaired(json, true);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_replaces_invalid_utf8_in_snippet)
{
  static const char snippet[] = "\xc3\x28"
                                "abc";
  struct result_record record;
  json_t *json;

  fill_success(&record);
  record.snippet = snippet;
  record.snippet_len = sizeof(snippet) - 1;
  json = encode(&record);
  ck_assert_str_eq(string_member(json, "snippet"), FFFD "(abc");
  assert_repaired(json, true);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_replaces_invalid_utf8_in_content_type)
{
  struct result_record record;
  json_t *json;

  fill_success(&record);
  record.content_type = "text/html; charset=\xff";
  json = encode(&record);
  ck_assert_str_eq(string_member(json, "content_type"),
                   "text/html; charset=" FFFD);
  assert_repaired(json, true);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_replaces_invalid_utf8_in_url)
{
  struct result_record record;
  json_t *json;

  fill_success(&record);
  record.url = "http://a/\xc0\xaf";
  json = encode(&record);
  ck_assert_str_eq(string_member(json, "url"), "http://a/" FFFD FFFD);
  ck_assert_str_eq(string_member(json, "final_url"), "https://example.org/b");
  assert_repaired(json, true);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_replaces_invalid_utf8_in_final_url)
{
  struct result_record record;
  json_t *json;

  fill_success(&record);
  record.final_url = "http://b/\xf0\x9f\x98";
  json = encode(&record);
  ck_assert_str_eq(string_member(json, "final_url"), "http://b/" FFFD);
  assert_repaired(json, true);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_replaces_invalid_utf8_in_error_message)
{
  struct result_record record;
  json_t *json;

  fill_error(&record);
  record.error_message = "bad \xed\xa0\x80 header";
  json = encode(&record);
  ck_assert_str_eq(string_member(json_object_get(json, "error"), "message"),
                   "bad " FFFD FFFD FFFD " header");
  assert_repaired(json, true);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_valid_utf8_is_kept_and_not_repaired)
{
  static const char title[] = "\xc3\x9cn\xc3\xaf"
                              "c\xc3\xb8"
                              "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
                              "\xf0\x9f\x98\x80";
  struct result_record record;
  json_t *json;

  fill_success(&record);
  record.title = title;
  record.title_len = sizeof(title) - 1;
  record.snippet = title;
  record.snippet_len = sizeof(title) - 1;
  record.url = "https://example.org/\xc3\xa9t\xc3\xa9";
  json = encode(&record);
  ck_assert_str_eq(string_member(json, "title"), title);
  ck_assert_str_eq(string_member(json, "snippet"), title);
  ck_assert_str_eq(string_member(json, "url"),
                   "https://example.org/\xc3\xa9t\xc3\xa9");
  assert_repaired(json, false);
  json_decref(json);
}
END_TEST

START_TEST(
    test_encode_control_characters_and_nul_in_title_survive_json_round_trip)
{
  static const char title[] = "a\x01"
                              "b\x1b"
                              "c\td\ne\0f";
  struct result_record record;
  json_error_t error;
  json_t *parsed;
  json_t *json;
  char *text;

  fill_success(&record);
  record.title = title;
  record.title_len = sizeof(title) - 1;
  ck_assert_uint_eq(record.title_len, 11);
  json = encode(&record);
  /* The NUL byte cannot live in a C string: it becomes U+FFFD, a repair. */
  ck_assert_str_eq(string_member(json, "title"), "a\x01"
                                                 "b\x1b"
                                                 "c\td\ne" FFFD "f");
  ck_assert_uint_eq(json_string_length(json_object_get(json, "title")), 13);
  assert_repaired(json, true);

  text = dump(json);
  ck_assert_ptr_nonnull(
      strstr(text, "\"title\":\"a\\u0001b\\u001Bc\\td\\ne" FFFD "f\""));
  ck_assert_ptr_null(strchr(text, '\n'));
  ck_assert_ptr_null(strchr(text, '\x01'));
  parsed = json_loads(text, 0, &error);
  ck_assert_msg(parsed != NULL, "re-parse: %s", error.text);
  ck_assert_str_eq(string_member(parsed, "title"), "a\x01"
                                                   "b\x1b"
                                                   "c\td\ne" FFFD "f");
  ck_assert(json_equal(parsed, json));
  json_decref(parsed);
  free(text);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_cuts_huge_ascii_title_to_title_chars)
{
  enum { TITLE_BYTES = 100000 };
  struct result_record record;
  char *title = malloc(TITLE_BYTES);
  char expected[RESULT_TITLE_CHARS + 1];
  json_t *json;

  ck_assert_ptr_nonnull(title);
  memset(title, 'x', TITLE_BYTES);
  memset(expected, 'x', RESULT_TITLE_CHARS);
  expected[RESULT_TITLE_CHARS] = '\0';
  fill_success(&record);
  record.title = title;
  record.title_len = TITLE_BYTES;
  json = encode(&record);
  ck_assert_uint_eq(json_string_length(json_object_get(json, "title")), 512);
  ck_assert_str_eq(string_member(json, "title"), expected);
  assert_repaired(json, false);
  json_decref(json);
  free(title);
}
END_TEST

START_TEST(test_encode_cuts_huge_four_byte_title_to_title_chars)
{
  enum { COUNT = 25000 };
  static const char emoji[] = "\xf0\x9f\x98\x80";
  struct result_record record;
  char *title = malloc(COUNT * 4);
  const char *value;
  json_t *json;

  ck_assert_ptr_nonnull(title);
  for(size_t i = 0; i < COUNT; i++)
    memcpy(title + i * 4, emoji, 4);
  fill_success(&record);
  record.title = title;
  record.title_len = COUNT * 4;
  json = encode(&record);
  value = string_member(json, "title");
  ck_assert_uint_eq(json_string_length(json_object_get(json, "title")),
                    RESULT_TITLE_CHARS * 4);
  ck_assert_int_eq(memcmp(value, title, RESULT_TITLE_CHARS * 4), 0);
  assert_repaired(json, false);
  json_decref(json);
  free(title);
}
END_TEST

START_TEST(test_encode_cuts_long_snippet_to_100_two_byte_characters)
{
  enum { COUNT = 150 };
  struct result_record record;
  char snippet[COUNT * 2];
  char expected[RESULT_SNIPPET_CHARS * 2 + 1];
  json_t *json;

  for(size_t i = 0; i < COUNT; i++)
    memcpy(snippet + i * 2, "\xc3\xa9", 2);
  memcpy(expected, snippet, RESULT_SNIPPET_CHARS * 2);
  expected[RESULT_SNIPPET_CHARS * 2] = '\0';
  fill_success(&record);
  record.snippet = snippet;
  record.snippet_len = sizeof(snippet);
  json = encode(&record);
  ck_assert_uint_eq(json_string_length(json_object_get(json, "snippet")), 200);
  ck_assert_str_eq(string_member(json, "snippet"), expected);
  assert_repaired(json, false);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_cuts_snippet_after_whole_multibyte_character)
{
  /* 99 ASCII characters, then a 4-byte one as the 100th, then more. */
  struct result_record record;
  char snippet[99 + 4 + 3 + 10];
  char expected[99 + 4 + 1];
  json_t *json;

  memset(snippet, 'a', 99);
  memcpy(snippet + 99, "\xf0\x9f\x98\x80", 4);
  memcpy(snippet + 103, "\xe2\x82\xac", 3);
  memset(snippet + 106, 'b', 10);
  memcpy(expected, snippet, 103);
  expected[103] = '\0';
  fill_success(&record);
  record.snippet = snippet;
  record.snippet_len = sizeof(snippet);
  json = encode(&record);
  ck_assert_uint_eq(json_string_length(json_object_get(json, "snippet")), 103);
  ck_assert_str_eq(string_member(json, "snippet"), expected);
  assert_repaired(json, false);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_keeps_snippet_of_exactly_100_characters)
{
  struct result_record record;
  char snippet[RESULT_SNIPPET_CHARS * 3 + 1];
  json_t *json;

  for(size_t i = 0; i < RESULT_SNIPPET_CHARS; i++)
    memcpy(snippet + i * 3, "\xe2\x82\xac", 3);
  snippet[RESULT_SNIPPET_CHARS * 3] = '\0';
  fill_success(&record);
  record.snippet = snippet;
  record.snippet_len = RESULT_SNIPPET_CHARS * 3;
  json = encode(&record);
  ck_assert_str_eq(string_member(json, "snippet"), snippet);
  assert_repaired(json, false);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_rounds_timing_to_microseconds)
{
  struct result_record record;
  json_t *timing;
  json_t *json;

  fill_success(&record);
  record.timing.dns_ms = 1.23456789;
  record.timing.connect_ms = 0.0004;
  record.timing.tls_ms = 12345.6789012;
  record.timing.ttfb_ms = 0.00051;
  record.timing.total_ms = 2.5;
  json = encode(&record);
  timing = json_object_get(json, "timing");
  ck_assert(json_is_real(json_object_get(timing, "dns_ms")));
  ck_assert_double_eq(json_real_value(json_object_get(timing, "dns_ms")),
                      1.235);
  ck_assert_double_eq(json_real_value(json_object_get(timing, "connect_ms")),
                      0.0);
  ck_assert_double_eq(json_real_value(json_object_get(timing, "tls_ms")),
                      12345.679);
  ck_assert_double_eq(json_real_value(json_object_get(timing, "ttfb_ms")),
                      0.001);
  assert_dump_eq(timing,
                 "{\"dns_ms\":1.235,\"connect_ms\":0.0,\"tls_ms\":12345.679,"
                 "\"ttfb_ms\":0.001,\"total_ms\":2.5}");
  json_decref(json);
}
END_TEST

/* The keys of a finished record: job and seq, then the worker's record without
 * id. */
static const char *const finished_keys[] = {
  "job",    "seq",     "url",          "final_url",  "ok",
  "status", "error",   "content_type", "bytes",      "truncated",
  "title",  "snippet", "sha256",       "redirects",  "http_version",
  "timing", "worker",  "attempt",      "fetched_at", "utf8_repaired"
};
#define FINISHED_KEY_COUNT (sizeof(finished_keys) / sizeof(finished_keys[0]))

START_TEST(test_finish_puts_job_and_seq_first_and_drops_id)
{
  struct result_record record;
  const char *key;
  json_t *value;
  json_t *body;
  json_t *done;

  fill_success(&record);
  body = encode(&record);
  ck_assert_int_eq(json_object_set_new(body, "id", json_integer(17)), 0);
  done = result_finish("pages", 1234567890123LL, body);
  ck_assert_ptr_nonnull(done);
  assert_keys(done, finished_keys, FINISHED_KEY_COUNT);
  ck_assert_str_eq(string_member(done, "job"), "pages");
  ck_assert(json_is_integer(json_object_get(done, "seq")));
  ck_assert_int_eq(json_integer_value(json_object_get(done, "seq")),
                   1234567890123LL);
  ck_assert_ptr_null(json_object_get(done, "id"));
  json_object_foreach(body, key, value)
  {
    if(strcmp(key, "id") == 0)
      continue;
    ck_assert_msg(json_equal(json_object_get(done, key), value),
                  "\"%s\" differs", key);
  }
  /* The body is borrowed, not stolen or changed. */
  ck_assert_uint_eq(json_object_size(body), RECORD_KEY_COUNT + 1);
  json_decref(done);
  json_decref(body);
}
END_TEST

START_TEST(test_finish_exact_line)
{
  struct result_record record;
  json_t *body;
  json_t *done;

  fill_error(&record);
  body = encode(&record);
  ck_assert_int_eq(json_object_set_new(body, "id", json_integer(5)), 0);
  done = result_finish("urls", 3, body);
  ck_assert_ptr_nonnull(done);
  assert_dump_eq(
      done,
      "{\"job\":\"urls\",\"seq\":3,"
      "\"url\":\"http://nx.invalid/"
      "\",\"final_url\":null,\"ok\":false,\"status\":null,"
      "\"error\":{\"code\":\"dns\",\"message\":\"Could not resolve host: "
      "nx.invalid\"},"
      "\"content_type\":null,\"bytes\":0,\"truncated\":false,\"title\":null,"
      "\"snippet\":null,\"sha256\":null,\"redirects\":0,\"http_version\":null,"
      "\"timing\":{\"dns_ms\":0.0,\"connect_ms\":0.0,\"tls_ms\":0.0,\"ttfb_"
      "ms\":0.0,"
      "\"total_ms\":0.0},"
      "\"worker\":null,\"attempt\":2,\"fetched_at\":\"1970-01-01T00:00:00."
      "005Z\","
      "\"utf8_repaired\":false}");
  json_decref(done);
  json_decref(body);
}
END_TEST

START_TEST(test_finish_drops_id_wherever_it_is)
{
  static const char *const keys[] = { "job", "seq", "url", "utf8_repaired" };
  json_t *body;
  json_t *done;

  body = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)9, "url", "http://a/",
                   "utf8_repaired", 0);
  ck_assert_ptr_nonnull(body);
  done = result_finish("j", 0, body);
  ck_assert_ptr_nonnull(done);
  assert_keys(done, keys, 4);
  assert_dump_eq(done, "{\"job\":\"j\",\"seq\":0,\"url\":\"http://a/"
                       "\",\"utf8_repaired\":false}");
  json_decref(done);
  json_decref(body);
}
END_TEST

START_TEST(test_finish_sanitizes_invalid_utf8_job_name)
{
  struct result_record record;
  json_t *body;
  json_t *done;

  fill_success(&record);
  body = encode(&record);
  assert_repaired(body, false);
  done = result_finish("crawl\xff"
                       "2026",
                       1, body);
  ck_assert_ptr_nonnull(done);
  ck_assert_str_eq(string_member(done, "job"), "crawl" FFFD "2026");
  assert_repaired(done, true);
  /* utf8_repaired keeps its place at the end. */
  assert_keys(done, finished_keys, FINISHED_KEY_COUNT);
  json_decref(done);
  json_decref(body);
}
END_TEST

START_TEST(test_finish_valid_job_name_keeps_repaired_false)
{
  struct result_record record;
  json_t *body;
  json_t *done;

  fill_success(&record);
  body = encode(&record);
  done = result_finish("t\xc3\xa2"
                       "che",
                       1, body);
  ck_assert_ptr_nonnull(done);
  ck_assert_str_eq(string_member(done, "job"), "t\xc3\xa2"
                                               "che");
  assert_repaired(done, false);
  json_decref(done);
  json_decref(body);
}
END_TEST

START_TEST(test_finish_keeps_repaired_true_from_body)
{
  struct result_record record;
  json_t *body;
  json_t *done;

  fill_success(&record);
  record.content_type = "text/\xfe";
  body = encode(&record);
  done = result_finish("pages", 1, body);
  ck_assert_ptr_nonnull(done);
  assert_repaired(done, true);
  json_decref(done);
  json_decref(body);
}
END_TEST

static Suite *result_suite(void)
{
  Suite *suite = suite_create("result");
  TCase *names = tcase_create("names");
  TCase *time_case = tcase_create("time");
  TCase *encode_case = tcase_create("encode");
  TCase *utf8 = tcase_create("utf8");
  TCase *finish = tcase_create("finish");

  tcase_add_test(names, test_error_name_round_trips_every_code);
  tcase_add_test(names, test_error_table_covers_every_enum_value);
  tcase_add_test(names, test_error_names_are_exact);
  tcase_add_test(names, test_error_name_of_ok_and_out_of_range_is_null);
  tcase_add_test(names, test_error_from_unknown_name_is_ok);
  tcase_add_test(names, test_worker_kind_name);
  suite_add_tcase(suite, names);

  tcase_add_test(time_case, test_format_time_epoch_with_milliseconds);
  tcase_add_test(time_case, test_format_time_2026_date);
  tcase_add_test(time_case, test_format_time_truncates_sub_millisecond_digits);
  suite_add_tcase(suite, time_case);

  tcase_add_test(encode_case, test_encode_success_record_exact_line);
  tcase_add_test(encode_case,
                 test_encode_success_record_keys_in_documented_order);
  tcase_add_test(encode_case, test_encode_process_worker);
  tcase_add_test(encode_case, test_encode_large_byte_count_and_truncated);
  tcase_add_test(encode_case, test_encode_error_record_exact_line);
  tcase_add_test(encode_case,
                 test_encode_error_record_keys_in_documented_order);
  tcase_add_test(encode_case,
                 test_encode_error_without_message_has_empty_message);
  tcase_add_test(encode_case, test_encode_rounds_timing_to_microseconds);
  suite_add_tcase(suite, encode_case);

  tcase_add_test(utf8, test_encode_replaces_invalid_utf8_in_title);
  tcase_add_test(utf8, test_encode_replaces_invalid_utf8_in_snippet);
  tcase_add_test(utf8, test_encode_replaces_invalid_utf8_in_content_type);
  tcase_add_test(utf8, test_encode_replaces_invalid_utf8_in_url);
  tcase_add_test(utf8, test_encode_replaces_invalid_utf8_in_final_url);
  tcase_add_test(utf8, test_encode_replaces_invalid_utf8_in_error_message);
  tcase_add_test(utf8, test_encode_valid_utf8_is_kept_and_not_repaired);
  tcase_add_test(
      utf8,
      test_encode_control_characters_and_nul_in_title_survive_json_round_trip);
  tcase_add_test(utf8, test_encode_cuts_huge_ascii_title_to_title_chars);
  tcase_add_test(utf8, test_encode_cuts_huge_four_byte_title_to_title_chars);
  tcase_add_test(utf8,
                 test_encode_cuts_long_snippet_to_100_two_byte_characters);
  tcase_add_test(utf8,
                 test_encode_cuts_snippet_after_whole_multibyte_character);
  tcase_add_test(utf8, test_encode_keeps_snippet_of_exactly_100_characters);
  suite_add_tcase(suite, utf8);

  tcase_add_test(finish, test_finish_puts_job_and_seq_first_and_drops_id);
  tcase_add_test(finish, test_finish_exact_line);
  tcase_add_test(finish, test_finish_drops_id_wherever_it_is);
  tcase_add_test(finish, test_finish_sanitizes_invalid_utf8_job_name);
  tcase_add_test(finish, test_finish_valid_job_name_keeps_repaired_false);
  tcase_add_test(finish, test_finish_keeps_repaired_true_from_body);
  suite_add_tcase(suite, finish);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(result_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
