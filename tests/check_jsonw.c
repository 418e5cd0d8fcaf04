/* check_jsonw.c - unit tests for the hand-written JSON text (src/jsonw.c).
 *
 * The writer replaced jansson's dumps on the record path, so its output is
 * held to jansson's: strings read back to the same bytes, and milliseconds
 * print as jansson printed them (twelve significant digits). */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "jsonw.h"

static void assert_text(struct jsonw *w, const char *expected)
{
  ck_assert(!w->failed);
  ck_assert_msg(w->len == strlen(expected) &&
                    memcmp(w->text, expected, w->len) == 0,
                "got '%.*s', expected '%s'", (int)w->len, w->text, expected);
}

static void assert_ms(double ms, const char *expected)
{
  struct jsonw w = { 0 };

  jsonw_ms(&w, ms);
  assert_text(&w, expected);
  jsonw_free(&w);
}

START_TEST(test_string_escapes_quote_backslash_and_controls)
{
  struct jsonw w = { 0 };

  jsonw_string(&w, "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f", 14);
  assert_text(&w, "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\"");
  jsonw_free(&w);
}
END_TEST

START_TEST(test_string_keeps_nul_and_utf8)
{
  struct jsonw w = { 0 };

  jsonw_string(&w, "x\0y\xc3\xa9\xf0\x9f\x98\x80", 9);
  assert_text(&w, "\"x\\u0000y\xc3\xa9\xf0\x9f\x98\x80\"");
  jsonw_free(&w);
}
END_TEST

/* Every byte value reads back through jansson as itself. */
START_TEST(test_string_every_ascii_byte_round_trips)
{
  struct jsonw w = { 0 };
  char bytes[128];
  json_error_t error;
  json_t *value;

  for(int i = 0; i < 128; i++)
    bytes[i] = (char)i;
  jsonw_string(&w, bytes, sizeof(bytes));
  ck_assert(!w.failed);
  value = json_loadb(w.text, w.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
  ck_assert_msg(value != NULL, "%s", error.text);
  ck_assert_uint_eq(json_string_length(value), sizeof(bytes));
  ck_assert_int_eq(memcmp(json_string_value(value), bytes, sizeof(bytes)), 0);
  json_decref(value);
  jsonw_free(&w);
}
END_TEST

START_TEST(test_empty_string)
{
  struct jsonw w = { 0 };

  jsonw_string(&w, "", 0);
  assert_text(&w, "\"\"");
  jsonw_free(&w);
}
END_TEST

START_TEST(test_integers_at_their_limits)
{
  struct jsonw w = { 0 };

  jsonw_int(&w, LLONG_MIN);
  jsonw_lit(&w, ",");
  jsonw_int(&w, LLONG_MAX);
  jsonw_lit(&w, ",");
  jsonw_int(&w, 0);
  jsonw_lit(&w, ",");
  jsonw_int(&w, -1);
  jsonw_lit(&w, ",");
  jsonw_uint(&w, UINT64_MAX);
  jsonw_lit(&w, ",");
  jsonw_uint(&w, 10);
  assert_text(&w, "-9223372036854775808,9223372036854775807,0,-1,"
                  "18446744073709551615,10");
  jsonw_free(&w);
}
END_TEST

START_TEST(test_bool)
{
  struct jsonw w = { 0 };

  jsonw_bool(&w, true);
  jsonw_bool(&w, false);
  assert_text(&w, "truefalse");
  jsonw_free(&w);
}
END_TEST

START_TEST(test_ms_forms)
{
  assert_ms(0, "0.0");
  assert_ms(1.5, "1.5");
  assert_ms(2.25, "2.25");
  assert_ms(3.125, "3.125");
  assert_ms(10, "10.0");
  assert_ms(0.0004, "0.0");
  assert_ms(0.00051, "0.001");
  assert_ms(1.23456789, "1.235");
  assert_ms(12345.6789012, "12345.679");
  assert_ms(86400000, "86400000.0");
  assert_ms(-1.5, "-1.5");
  /* rounds to zero: no sign */
  assert_ms(-0.0001, "0.0");
}
END_TEST

START_TEST(test_ms_not_finite_is_zero)
{
  assert_ms(NAN, "0.0");
  assert_ms(INFINITY, "0.0");
  assert_ms(-INFINITY, "0.0");
}
END_TEST

START_TEST(test_ms_huge_is_capped)
{
  assert_ms(1e300, "9007199254740.992");
}
END_TEST

/* The text jansson gave the same value before the writer replaced it. */
START_TEST(test_ms_matches_jansson_twelve_digits)
{
  unsigned seed = 12345;

  for(int i = 0; i < 100000; i++) {
    struct jsonw w = { 0 };
    double ms;
    json_t *real;
    char *expected;

    seed = seed * 1103515245u + 12345u;
    /* microseconds up to about eleven days, the range twelve digits hold */
    ms = (double)(seed % 1000000000u) * (i % 3 == 0 ? 1.0 : 0.001);
    real = json_real(round(ms * 1000.0) / 1000.0);
    expected = json_dumps(real, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
    ck_assert_ptr_nonnull(expected);
    jsonw_ms(&w, ms);
    assert_text(&w, expected);
    free(expected);
    json_decref(real);
    jsonw_free(&w);
  }
}
END_TEST

START_TEST(test_grows_past_its_first_block_and_reset_keeps_memory)
{
  struct jsonw w = { 0 };
  char *grown;
  size_t size;

  for(int i = 0; i < 10000; i++)
    jsonw_lit(&w, "0123456789");
  ck_assert(!w.failed);
  ck_assert_uint_eq(w.len, 100000);
  for(size_t i = 0; i < w.len; i++)
    ck_assert_int_eq(w.text[i], '0' + (int)(i % 10));
  grown = w.text;
  size = w.size;
  jsonw_reset(&w);
  ck_assert_uint_eq(w.len, 0);
  jsonw_lit(&w, "x");
  ck_assert_ptr_eq(w.text, grown);
  ck_assert_uint_eq(w.size, size);
  assert_text(&w, "x");
  jsonw_free(&w);
  ck_assert_ptr_null(w.text);
  ck_assert_uint_eq(w.len, 0);
}
END_TEST

static Suite *jsonw_suite(void)
{
  Suite *suite = suite_create("jsonw");
  TCase *strings = tcase_create("strings");
  TCase *numbers = tcase_create("numbers");
  TCase *buffer = tcase_create("buffer");

  tcase_add_test(strings, test_string_escapes_quote_backslash_and_controls);
  tcase_add_test(strings, test_string_keeps_nul_and_utf8);
  tcase_add_test(strings, test_string_every_ascii_byte_round_trips);
  tcase_add_test(strings, test_empty_string);
  suite_add_tcase(suite, strings);
  tcase_add_test(numbers, test_integers_at_their_limits);
  tcase_add_test(numbers, test_bool);
  tcase_add_test(numbers, test_ms_forms);
  tcase_add_test(numbers, test_ms_not_finite_is_zero);
  tcase_add_test(numbers, test_ms_huge_is_capped);
  tcase_add_test(numbers, test_ms_matches_jansson_twelve_digits);
  suite_add_tcase(suite, numbers);
  tcase_add_test(buffer,
                 test_grows_past_its_first_block_and_reset_keeps_memory);
  suite_add_tcase(suite, buffer);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(jsonw_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
