/* check_result.c - unit tests for the result record (src/result.c).
 *
 * Exact-line tests compare the text result_encode writes byte for byte, so
 * key order and number formatting are checked exactly; the others parse that
 * text with jansson and look at the values. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <jansson.h>

#include "result.h"
#include "sample_record.h"

/* How parts of a parsed record are shown for exact comparison. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(10))

#define FFFD "\xef\xbf\xbd"

static const char *const record_keys[] = {
  "url",          "final_url",  "ok",           "status", "error",
  "content_type", "bytes",      "truncated",    "title",  "snippet",
  "sha256",       "redirects",  "http_version", "timing", "worker",
  "attempt",      "fetched_at", "utf8_repaired"
};
#define RECORD_KEY_COUNT (sizeof(record_keys) / sizeof(record_keys[0]))

/* result_encode's text, NUL-terminated; malloc'd, caller frees. */
static char *encode_text(const struct result_record *record)
{
  struct jsonw out = { 0 };
  char *text;

  result_encode(record, &out);
  ck_assert(!out.failed);
  text = strndup(out.text, out.len);
  ck_assert_ptr_nonnull(text);
  jsonw_free(&out);
  return text;
}

/* Parses text as the one JSON object it must be, duplicate keys refused. */
static json_t *parse_object(const char *text, size_t len)
{
  json_error_t error;
  json_t *json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);

  ck_assert_msg(json != NULL, "not JSON (%s): %.*s", error.text, (int)len,
                text);
  ck_assert(json_is_object(json));
  return json;
}

static json_t *encode(const struct result_record *record)
{
  char *text = encode_text(record);
  json_t *json = parse_object(text, strlen(text));

  free(text);
  return json;
}

static void assert_encodes_to(const struct result_record *record,
                              const char *expected)
{
  char *text = encode_text(record);

  ck_assert_str_eq(text, expected);
  free(text);
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
  for(size_t i = 0; i < error_table_count; i++) {
    const char *name = result_error_name(error_table[i].code);

    ck_assert_ptr_nonnull(name);
    ck_assert_str_eq(name, error_table[i].name);
    ck_assert_int_eq(result_error_from_name(name), error_table[i].code);
  }
}
END_TEST

START_TEST(test_error_table_covers_every_enum_value)
{
  ck_assert_uint_eq(error_table_count, RESULT_ERROR_COUNT - 1);
  ck_assert_uint_eq(error_table_count, 20);
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

/* Milliseconds cut, not rounded; a year past 9999 keeps every digit. */
START_TEST(test_format_time_exact_text)
{
  static const struct {
    time_t sec;
    long nsec;
    const char *text;
  } cases[] = {
    { 0, 5000000, "1970-01-01T00:00:00.005Z" },
    { FETCHED_SEC, 123000000, "2026-11-22T01:50:38.123Z" },
    { 1772323199, 999999999, "2026-02-28T23:59:59.999Z" },
    { 253402300800, 7000000, "10000-01-01T00:00:00.007Z" },
  };

  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct timespec when = { cases[i].sec, cases[i].nsec };
    char buf[32];

    result_format_time(&when, buf, sizeof(buf));
    ck_assert_str_eq(buf, cases[i].text);
  }
}
END_TEST

START_TEST(test_encode_success_record_exact_line)
{
  struct result_record record;

  sample_success(&record);
  assert_encodes_to(&record, SAMPLE_SUCCESS_TEXT);
}
END_TEST

START_TEST(test_encode_success_record_keys_in_documented_order)
{
  static const char *const timing_keys[] = { "dns_ms", "connect_ms", "tls_ms",
                                             "ttfb_ms", "total_ms" };
  static const char *const worker_keys[] = { "kind", "id", "pid" };
  struct result_record record;
  json_t *json;

  sample_success(&record);
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

  sample_success(&record);
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

  sample_success(&record);
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

  sample_error(&record);
  assert_encodes_to(&record, SAMPLE_ERROR_TEXT);
}
END_TEST

START_TEST(test_encode_error_record_keys_in_documented_order)
{
  struct result_record record;
  json_t *json;

  sample_error(&record);
  json = encode(&record);
  assert_keys(json, record_keys, RECORD_KEY_COUNT);
  json_decref(json);
}
END_TEST

START_TEST(test_encode_error_without_message_has_empty_message)
{
  struct result_record record;
  json_t *json;

  sample_error(&record);
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

  sample_success(&record);
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

  sample_success(&record);
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

  sample_success(&record);
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

  sample_success(&record);
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

  sample_success(&record);
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

  sample_error(&record);
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

  sample_success(&record);
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

  sample_success(&record);
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
  sample_success(&record);
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
  sample_success(&record);
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
  sample_success(&record);
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
  sample_success(&record);
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
  sample_success(&record);
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

  sample_success(&record);
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

/* result_finish's line for the record's text, NUL-terminated; malloc'd. */
static char *finish_text(const char *job, long long seq, const char *record)
{
  struct jsonw out = { 0 };
  char *text;

  ck_assert_int_eq(
      result_finish(job, seq, NULL, 0, record, strlen(record), &out), 0);
  ck_assert(!out.failed);
  ck_assert_uint_gt(out.len, 0);
  ck_assert_int_eq(out.text[out.len - 1], '\n');
  text = strndup(out.text, out.len);
  ck_assert_ptr_nonnull(text);
  jsonw_free(&out);
  return text;
}

START_TEST(test_finish_puts_job_and_seq_first)
{
  struct result_record record;
  const char *key;
  json_t *value;
  json_t *body;
  json_t *done;
  char *text;
  char *line;

  sample_success(&record);
  text = encode_text(&record);
  body = parse_object(text, strlen(text));
  line = finish_text("pages", 1234567890123LL, text);
  done = parse_object(line, strlen(line));
  assert_keys(done, finished_keys, FINISHED_KEY_COUNT);
  ck_assert_str_eq(string_member(done, "job"), "pages");
  ck_assert(json_is_integer(json_object_get(done, "seq")));
  ck_assert_int_eq(json_integer_value(json_object_get(done, "seq")),
                   1234567890123LL);
  json_object_foreach(body, key, value)
  {
    ck_assert_msg(json_equal(json_object_get(done, key), value),
                  "\"%s\" differs", key);
  }
  /* After the two new members comes the record's own text, unchanged but
   * for its '{', then the newline. */
  {
    static const char prefix[] = "{\"job\":\"pages\",\"seq\":1234567890123,";
    size_t rest = strlen(text) - 1;

    ck_assert_uint_eq(strlen(line), sizeof(prefix) - 1 + rest + 1);
    ck_assert_int_eq(strncmp(line, prefix, sizeof(prefix) - 1), 0);
    ck_assert_int_eq(memcmp(line + sizeof(prefix) - 1, text + 1, rest), 0);
  }
  json_decref(done);
  json_decref(body);
  free(line);
  free(text);
}
END_TEST

START_TEST(test_finish_exact_line)
{
  struct result_record record;
  char *text;
  char *line;

  sample_error(&record);
  text = encode_text(&record);
  line = finish_text("urls", 3, text);
  ck_assert_str_eq(
      line,
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
      "\"utf8_repaired\":false}\n");
  free(line);
  free(text);
}
END_TEST

START_TEST(test_finish_escapes_job_name)
{
  char *line = finish_text("a\"b\\c\n", -1, "{\"url\":\"http://a/\"}");

  ck_assert_str_eq(line, "{\"job\":\"a\\\"b\\\\c\\n\",\"seq\":-1,"
                         "\"url\":\"http://a/\"}\n");
  free(line);
}
END_TEST

START_TEST(test_finish_refuses_what_is_not_an_object)
{
  static const char *const texts[] = {
    "", "{", "}", "[1]", "{\"a\":1", "\"x\""
  };
  struct jsonw out = { 0 };

  for(size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    jsonw_reset(&out);
    ck_assert_msg(
        result_finish("j", 0, NULL, 0, texts[i], strlen(texts[i]), &out) == -1,
        "accepted '%s'", texts[i]);
  }
  jsonw_free(&out);
}
END_TEST

START_TEST(test_finish_sanitizes_invalid_utf8_job_name)
{
  struct result_record record;
  json_t *done;
  char *text;
  char *line;

  sample_success(&record);
  text = encode_text(&record);
  line = finish_text("crawl\xff"
                     "2026",
                     1, text);
  done = parse_object(line, strlen(line));
  ck_assert_str_eq(string_member(done, "job"), "crawl" FFFD "2026");
  assert_repaired(done, true);
  /* utf8_repaired keeps its place at the end. */
  assert_keys(done, finished_keys, FINISHED_KEY_COUNT);
  ck_assert_int_eq(
      strcmp(line + strlen(line) - strlen(",\"utf8_repaired\":true}\n"),
             ",\"utf8_repaired\":true}\n"),
      0);
  json_decref(done);
  free(line);
  free(text);
}
END_TEST

START_TEST(test_finish_valid_job_name_keeps_repaired_false)
{
  struct result_record record;
  json_t *done;
  char *text;
  char *line;

  sample_success(&record);
  text = encode_text(&record);
  line = finish_text("t\xc3\xa2"
                     "che",
                     1, text);
  done = parse_object(line, strlen(line));
  ck_assert_str_eq(string_member(done, "job"), "t\xc3\xa2"
                                               "che");
  assert_repaired(done, false);
  json_decref(done);
  free(line);
  free(text);
}
END_TEST

START_TEST(test_finish_keeps_repaired_true_from_body)
{
  struct result_record record;
  json_t *done;
  char *text;
  char *line;

  sample_success(&record);
  record.content_type = "text/\xfe";
  text = encode_text(&record);
  line = finish_text("pages", 1, text);
  done = parse_object(line, strlen(line));
  assert_repaired(done, true);
  json_decref(done);
  free(line);
  free(text);
  /* and with a repaired job name as well: still true, and still valid */
  text = encode_text(&record);
  line = finish_text("p\xff", 1, text);
  done = parse_object(line, strlen(line));
  assert_repaired(done, true);
  json_decref(done);
  free(line);
  free(text);
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

  tcase_add_test(time_case, test_format_time_exact_text);
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

  tcase_add_test(finish, test_finish_puts_job_and_seq_first);
  tcase_add_test(finish, test_finish_exact_line);
  tcase_add_test(finish, test_finish_escapes_job_name);
  tcase_add_test(finish, test_finish_refuses_what_is_not_an_object);
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
