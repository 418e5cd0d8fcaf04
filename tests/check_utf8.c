/*
 * Unit tests for src/utf8.c.
 */

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define FFFD "\xEF\xBF\xBD"

/* Sanitizes in[0..in_len) and checks the exact output bytes and whether it
   reported a repair. */
static void check_sanitize(const char *in, size_t in_len, size_t max_chars,
                           const char *want, bool want_repaired)
{
  bool repaired = false;
  size_t out_len = 12345;
  char *out = utf8_sanitize(in, in_len, max_chars, &out_len, &repaired);

  ck_assert_ptr_nonnull(out);
  ck_assert_uint_eq(out_len, strlen(want));
  ck_assert_mem_eq(out, want, out_len + 1); /* including the NUL */
  ck_assert(repaired == want_repaired);
  ck_assert(utf8_valid(out, out_len));
  free(out);
}

START_TEST(test_ascii_passes_through)
{
  check_sanitize("Hello, world!", 13, 0, "Hello, world!", false);
}
END_TEST

START_TEST(test_multibyte_passes_through)
{
  /* "café € 😀" */
  const char *s = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";

  check_sanitize(s, strlen(s), 0, s, false);
}
END_TEST

START_TEST(test_range_boundaries_are_valid)
{
  const char *s = "\xC2\x80"          /* U+0080 */
                  "\xDF\xBF"          /* U+07FF */
                  "\xE0\xA0\x80"      /* U+0800 */
                  "\xED\x9F\xBF"      /* U+D7FF */
                  "\xEE\x80\x80"      /* U+E000 */
                  "\xEF\xBF\xBF"      /* U+FFFF */
                  "\xF0\x90\x80\x80"  /* U+10000 */
                  "\xF4\x8F\xBF\xBF"; /* U+10FFFF */

  check_sanitize(s, strlen(s), 0, s, false);
}
END_TEST

START_TEST(test_empty_input_gives_empty_string)
{
  check_sanitize("", 0, 0, "", false);
}
END_TEST

START_TEST(test_bad_continuation_replaces_lead_only)
{
  check_sanitize("\xC3\x28", 2, 0, FFFD "(", true);
}
END_TEST

START_TEST(test_truncated_mid_text_is_one_replacement)
{
  check_sanitize("a\xE2\x82z", 4, 0, "a" FFFD "z", true);
}
END_TEST

START_TEST(test_truncated_at_end_is_one_replacement)
{
  check_sanitize("\xF0\x9F\x98", 3, 0, FFFD, true);
}
END_TEST

START_TEST(test_surrogate_is_three_replacements)
{
  check_sanitize("\xED\xA0\x80", 3, 0, FFFD FFFD FFFD, true);
}
END_TEST

START_TEST(test_overlong_two_byte_is_two_replacements)
{
  check_sanitize("\xC0\xAF", 2, 0, FFFD FFFD, true);
}
END_TEST

START_TEST(test_overlong_three_byte_is_three_replacements)
{
  check_sanitize("\xE0\x80\xAF", 3, 0, FFFD FFFD FFFD, true);
}
END_TEST

START_TEST(test_overlong_four_byte_is_four_replacements)
{
  check_sanitize("\xF0\x80\x80\xAF", 4, 0, FFFD FFFD FFFD FFFD, true);
}
END_TEST

START_TEST(test_above_max_code_point_is_replaced_bytewise)
{
  check_sanitize("\xF4\x90\x80\x80", 4, 0, FFFD FFFD FFFD FFFD, true);
}
END_TEST

START_TEST(test_never_valid_lead_bytes_are_replaced)
{
  check_sanitize("\xF5\xFF\xFEx", 4, 0, FFFD FFFD FFFD "x", true);
}
END_TEST

START_TEST(test_lone_continuation_bytes_are_replaced_each)
{
  check_sanitize("\x80\xBF", 2, 0, FFFD FFFD, true);
}
END_TEST

START_TEST(test_nul_byte_is_replaced)
{
  check_sanitize("a\0b", 3, 0, "a" FFFD "b", true);
}
END_TEST

START_TEST(test_max_chars_cuts_between_characters)
{
  const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"; /* aé€😀z */

  check_sanitize(s, strlen(s), 1, "a", false);
  check_sanitize(s, strlen(s), 2, "a\xC3\xA9", false);
  check_sanitize(s, strlen(s), 3, "a\xC3\xA9\xE2\x82\xAC", false);
  check_sanitize(s, strlen(s), 4, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
                 false);
  check_sanitize(s, strlen(s), 5, s, false);
  check_sanitize(s, strlen(s), 99, s, false);
}
END_TEST

START_TEST(test_max_chars_counts_replacements)
{
  check_sanitize("\xFF\xFF"
                 "ab",
                 4, 2, FFFD FFFD, true);
}
END_TEST

START_TEST(test_max_chars_stops_before_later_damage)
{
  check_sanitize("ab\xFF", 3, 2, "ab", false);
}
END_TEST

START_TEST(test_repaired_flag_left_untouched_when_clean)
{
  bool repaired = true;
  char *out = utf8_sanitize("abc", 3, 0, NULL, &repaired);

  ck_assert_ptr_nonnull(out);
  ck_assert(repaired);
  free(out);

  repaired = false;
  out = utf8_sanitize("abc", 3, 0, NULL, &repaired);
  ck_assert_ptr_nonnull(out);
  ck_assert(!repaired);
  free(out);
}
END_TEST

START_TEST(test_optional_outputs_may_be_null)
{
  char *out = utf8_sanitize("\xFF", 1, 0, NULL, NULL);

  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out, FFFD);
  free(out);
}
END_TEST

START_TEST(test_valid_accepts_well_formed_text)
{
  const char *s = "caf\xC3\xA9 \xF4\x8F\xBF\xBF";

  ck_assert(utf8_valid("", 0));
  ck_assert(utf8_valid("plain", 5));
  ck_assert(utf8_valid(s, strlen(s)));
}
END_TEST

START_TEST(test_valid_rejects_each_ill_formed_class)
{
  ck_assert(!utf8_valid("\xC3\x28", 2));
  ck_assert(!utf8_valid("\xED\xA0\x80", 3));
  ck_assert(!utf8_valid("\xF0\x9F\x98", 3));
  ck_assert(!utf8_valid("\xC0\xAF", 2));
  ck_assert(!utf8_valid("\xF4\x90\x80\x80", 4));
  ck_assert(!utf8_valid("\x80", 1));
  ck_assert(!utf8_valid("\xFF", 1));
}
END_TEST

START_TEST(test_valid_rejects_nul)
{
  ck_assert(!utf8_valid("a\0b", 3));
}
END_TEST

/* The stream gives what utf8_sanitize gives the whole, wherever it is
 * cut: a character cut short waits for the next piece. */
START_TEST(test_repair_in_pieces_matches_sanitize)
{
  static const char in[] = "a\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\x28\xED\xA0"
                           "\x80\xC0\xAF\x80 \xE2\x82";
  size_t in_len = sizeof(in) - 1;
  bool whole_repaired = false;
  size_t want_len;
  char *want = utf8_sanitize(in, in_len, 0, &want_len, &whole_repaired);

  ck_assert_ptr_nonnull(want);
  for(size_t cut = 0; cut <= in_len; cut++) {
    char out[3 * sizeof(in) + 8];
    char rest[sizeof(in)];
    size_t consumed;
    size_t len;
    bool repaired = false;

    len = utf8_repair(in, cut, out, false, &consumed, &repaired);
    ck_assert_uint_ge(consumed + 3, cut); /* at most a lead and two more */
    memcpy(rest, in + consumed, in_len - consumed);
    len += utf8_repair(rest, in_len - consumed, out + len, true, &consumed,
                       &repaired);
    ck_assert_uint_eq(len, want_len);
    ck_assert_mem_eq(out, want, len);
    ck_assert(repaired == whole_repaired);
  }
  free(want);
}
END_TEST

START_TEST(test_repair_holds_only_a_character_that_may_go_on)
{
  char out[16];
  size_t consumed;
  bool repaired = false;

  /* A lead byte and one of its tail: it may go on. */
  ck_assert_uint_eq(
      utf8_repair("x\xE2\x82", 3, out, false, &consumed, &repaired), 1);
  ck_assert_uint_eq(consumed, 1);
  ck_assert(!repaired);
  /* A byte that never leads, and one that leads nothing valid here. */
  ck_assert_uint_eq(utf8_repair("x\xFF", 2, out, false, &consumed, &repaired),
                    4);
  ck_assert_uint_eq(consumed, 2);
  ck_assert(repaired);
  ck_assert_uint_eq(utf8_repair("\xC0", 1, out, false, &consumed, NULL), 3);
  ck_assert_uint_eq(consumed, 1);
  /* At the end, a character cut short is a repair. */
  ck_assert_uint_eq(utf8_repair("\xE2\x82", 2, out, true, &consumed, NULL), 3);
  ck_assert_mem_eq(out, "\xEF\xBF\xBD", 3);
  ck_assert_uint_eq(consumed, 2);
}
END_TEST

static Suite *utf8_suite(void)
{
  Suite *s = suite_create("utf8");
  TCase *sanitize = tcase_create("sanitize");
  TCase *valid = tcase_create("valid");

  tcase_add_test(sanitize, test_ascii_passes_through);
  tcase_add_test(sanitize, test_multibyte_passes_through);
  tcase_add_test(sanitize, test_range_boundaries_are_valid);
  tcase_add_test(sanitize, test_empty_input_gives_empty_string);
  tcase_add_test(sanitize, test_bad_continuation_replaces_lead_only);
  tcase_add_test(sanitize, test_truncated_mid_text_is_one_replacement);
  tcase_add_test(sanitize, test_truncated_at_end_is_one_replacement);
  tcase_add_test(sanitize, test_surrogate_is_three_replacements);
  tcase_add_test(sanitize, test_overlong_two_byte_is_two_replacements);
  tcase_add_test(sanitize, test_overlong_three_byte_is_three_replacements);
  tcase_add_test(sanitize, test_overlong_four_byte_is_four_replacements);
  tcase_add_test(sanitize, test_above_max_code_point_is_replaced_bytewise);
  tcase_add_test(sanitize, test_never_valid_lead_bytes_are_replaced);
  tcase_add_test(sanitize, test_lone_continuation_bytes_are_replaced_each);
  tcase_add_test(sanitize, test_nul_byte_is_replaced);
  tcase_add_test(sanitize, test_max_chars_cuts_between_characters);
  tcase_add_test(sanitize, test_max_chars_counts_replacements);
  tcase_add_test(sanitize, test_max_chars_stops_before_later_damage);
  tcase_add_test(sanitize, test_repaired_flag_left_untouched_when_clean);
  tcase_add_test(sanitize, test_optional_outputs_may_be_null);
  tcase_add_test(sanitize, test_repair_in_pieces_matches_sanitize);
  tcase_add_test(sanitize, test_repair_holds_only_a_character_that_may_go_on);
  suite_add_tcase(s, sanitize);

  tcase_add_test(valid, test_valid_accepts_well_formed_text);
  tcase_add_test(valid, test_valid_rejects_each_ill_formed_class);
  tcase_add_test(valid, test_valid_rejects_nul);
  suite_add_tcase(s, valid);

  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(utf8_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
