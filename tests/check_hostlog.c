/* check_hostlog.c - unit tests for the reader of testserver's request logs
 * (tests/hostlog.c), on logs written by hand: the politeness tests trust
 * its numbers, so each is asserted exactly. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "hostlog.h"

#define HOST_A "127.0.0.2:41503"
#define HOST_B "127.0.0.3:37901"

/* A hostlog of text, which must read */
static struct hostlog *read_log(const char *text)
{
  struct hostlog *log = hostlog_new();
  char *cause = NULL;

  ck_assert_msg(hostlog_read_text(log, "log", text, &cause) == 0, "%s", cause);
  return log;
}

/* Reads text into log and expects it refused with cause */
static void assert_refused(struct hostlog *log, const char *text,
                           const char *expected_cause)
{
  char *cause = NULL;

  ck_assert_int_eq(hostlog_read_text(log, "log", text, &cause), -1);
  ck_assert_str_eq(cause, expected_cause);
  free(cause);
}

START_TEST(test_concurrency_is_the_deepest_overlap)
{
  struct hostlog *log = read_log("S 100 " HOST_A " /a\n"
                                 "S 150 " HOST_A " /b\n"
                                 "S 160 " HOST_B " /a\n"
                                 "S 170 " HOST_A " /c\n"
                                 "E 200 " HOST_A " 200 /a\n"
                                 "E 300 " HOST_A " 200 /b\n"
                                 "X 310 " HOST_A " 200 /c\n"
                                 "E 400 " HOST_B " 503 /a\n");

  ck_assert_uint_eq(hostlog_max_concurrent(log, HOST_A), 3);
  ck_assert_uint_eq(hostlog_max_concurrent(log, HOST_B), 1);
  ck_assert_uint_eq(hostlog_max_concurrent(log, "127.0.0.4:1"), 0);
  hostlog_free(log);
}
END_TEST

START_TEST(test_end_and_start_in_one_microsecond_do_not_overlap)
{
  struct hostlog *log = read_log("S 100 " HOST_A " /a\n"
                                 "S 150 " HOST_A " /b\n"
                                 "E 200 " HOST_A " 200 /a\n"
                                 "S 200 " HOST_A " /c\n"
                                 "E 300 " HOST_A " 200 /b\n"
                                 "E 300 " HOST_A " 200 /c\n"
                                 "S 300 " HOST_A " /d\n"
                                 "E 350 " HOST_A " 200 /d\n");

  ck_assert_uint_eq(hostlog_max_concurrent(log, HOST_A), 2);
  hostlog_free(log);
}
END_TEST

START_TEST(test_request_without_end_lasts_forever)
{
  struct hostlog *log = read_log("S 10 " HOST_A " /robots.txt\n"
                                 "S 5000 " HOST_A " /a\n"
                                 "E 5001 " HOST_A " 200 /a\n"
                                 "S 9000 " HOST_A " /b\n"
                                 "E 9002 " HOST_A " 200 /b\n");

  ck_assert_uint_eq(hostlog_max_concurrent(log, HOST_A), 2);
  hostlog_free(log);
}
END_TEST

START_TEST(test_request_ended_in_its_own_microsecond_still_counts)
{
  struct hostlog *log = read_log("S 10 " HOST_A " /a\n"
                                 "S 50 " HOST_A " /b\n"
                                 "E 50 " HOST_A " 200 /b\n"
                                 "E 90 " HOST_A " 200 /a\n");

  ck_assert_uint_eq(hostlog_max_concurrent(log, HOST_A), 2);
  hostlog_free(log);
}
END_TEST

/* Two requests for one target: the first E ends the first S, so here one
   request runs from 100 to 200 and the next from 200 on, never two */
START_TEST(test_same_target_ends_the_earliest_open_request)
{
  struct hostlog *log = read_log("S 100 " HOST_A " /p\n"
                                 "S 200 " HOST_A " /p\n"
                                 "E 200 " HOST_A " 200 /p\n");

  ck_assert_uint_eq(hostlog_max_concurrent(log, HOST_A), 1);
  hostlog_free(log);
}
END_TEST

START_TEST(test_min_start_gap_is_per_host)
{
  struct hostlog *log = read_log("S 1000 " HOST_A " /robots.txt\n"
                                 "S 1010 " HOST_B " /a\n"
                                 "E 1020 " HOST_A " 200 /robots.txt\n"
                                 "S 1250 " HOST_A " /a\n"
                                 "E 1300 " HOST_A " 200 /a\n"
                                 "S 1600 " HOST_A " /b\n"
                                 "S 1700 " HOST_A " /c\n"
                                 "E 1800 " HOST_A " 200 /b\n"
                                 "E 1900 " HOST_A " 200 /c\n");

  ck_assert_int_eq(hostlog_min_start_gap_us(log, HOST_A), 100);
  ck_assert_int_eq(hostlog_min_start_gap_us(log, HOST_B), -1);
  ck_assert_int_eq(hostlog_min_start_gap_us(log, "127.0.0.4:1"), -1);
  hostlog_free(log);
}
END_TEST

START_TEST(test_count_matches_path_with_or_without_query)
{
  struct hostlog *log = read_log("S 1 " HOST_A " /robots.txt\n"
                                 "E 2 " HOST_A " 404 /robots.txt\n"
                                 "S 3 " HOST_A " /page/3?ms=50\n"
                                 "S 4 " HOST_A " /page/3\n"
                                 "S 5 " HOST_A " /page/30\n"
                                 "S 6 " HOST_A " /page/3?ms=60\n"
                                 "S 7 " HOST_B " /page/3\n");

  ck_assert_uint_eq(hostlog_count(log, HOST_A, "/page/3"), 3);
  ck_assert_uint_eq(hostlog_count(log, HOST_A, "/page/3?ms=50"), 1);
  ck_assert_uint_eq(hostlog_count(log, HOST_A, "/page/3?ms"), 0);
  ck_assert_uint_eq(hostlog_count(log, HOST_A, "/robots.txt"), 1);
  ck_assert_uint_eq(hostlog_count(log, HOST_A, NULL), 5);
  ck_assert_uint_eq(hostlog_count(log, HOST_B, "/page/3"), 1);
  ck_assert_uint_eq(hostlog_count(log, HOST_B, "/robots.txt"), 0);
  hostlog_free(log);
}
END_TEST

/* Two logs of one host (a server restarted on its port) merge in time */
START_TEST(test_start_times_are_sorted_across_logs)
{
  struct hostlog *log = read_log("S 500 " HOST_A " /flaky/k?times=2\n"
                                 "E 510 " HOST_A " 503 /flaky/k?times=2\n"
                                 "S 900 " HOST_A " /flaky/k?times=2\n"
                                 "S 950 " HOST_A " /other\n");
  char *cause = NULL;
  int64_t *times;
  size_t count;

  ck_assert_msg(hostlog_read_text(log, "second",
                                  "S 100 " HOST_A " /flaky/k?times=2\n"
                                  "E 120 " HOST_A " 503 /flaky/k?times=2\n",
                                  &cause) == 0,
                "%s", cause);
  times = hostlog_start_times(log, HOST_A, "/flaky/k", &count);
  ck_assert_uint_eq(count, 3);
  ck_assert_int_eq(times[0], 100);
  ck_assert_int_eq(times[1], 500);
  ck_assert_int_eq(times[2], 900);
  free(times);
  ck_assert_ptr_null(hostlog_start_times(log, HOST_B, NULL, &count));
  ck_assert_uint_eq(count, 0);
  ck_assert_int_eq(hostlog_min_start_gap_us(log, HOST_A), 50);
  hostlog_free(log);
}
END_TEST

START_TEST(test_last_line_without_newline_is_read)
{
  struct hostlog *log = read_log("S 1 " HOST_A " /a\n"
                                 "E 2 " HOST_A " 200 /a");

  ck_assert_uint_eq(hostlog_count(log, HOST_A, "/a"), 1);
  ck_assert_uint_eq(hostlog_max_concurrent(log, HOST_A), 1);
  hostlog_free(log);
}
END_TEST

START_TEST(test_refuses_what_is_not_an_event)
{
  struct hostlog *log = hostlog_new();

  assert_refused(log, "S 1 " HOST_A " /a\nQ 2 " HOST_A " /a\n",
                 "log:2: not an event");
  assert_refused(log, "S x " HOST_A " /a\n", "log:1: not an event");
  assert_refused(log, "S 1 " HOST_A " /a b\n", "log:1: not an event");
  assert_refused(log, "S 1 " HOST_A "\n", "log:1: not an event");
  assert_refused(log, "S 1 " HOST_A " /a\nE 2 " HOST_A " /a\n",
                 "log:2: not an event");
  assert_refused(log, "S 1 " HOST_A " /a\n\n", "log:2: not an event");
  /* nothing of a refused text stays */
  ck_assert_uint_eq(hostlog_count(log, HOST_A, NULL), 0);
  hostlog_free(log);
}
END_TEST

START_TEST(test_refuses_an_end_without_its_start)
{
  struct hostlog *log = hostlog_new();

  assert_refused(log, "S 1 " HOST_A " /a\nE 2 " HOST_A " 200 /b\n",
                 "log:2: ends no open request");
  assert_refused(log, "S 1 " HOST_A " /a\nE 2 " HOST_B " 200 /a\n",
                 "log:2: ends no open request");
  assert_refused(log, "S 5 " HOST_A " /a\nE 4 " HOST_A " 200 /a\n",
                 "log:2: ends before its request starts");
  ck_assert_uint_eq(hostlog_count(log, HOST_A, NULL), 0);
  hostlog_free(log);
}
END_TEST

/* A request of an earlier log cannot be ended by a later one */
START_TEST(test_each_log_ends_its_own_requests)
{
  struct hostlog *log = read_log("S 1 " HOST_A " /a\n");

  assert_refused(log, "E 2 " HOST_A " 200 /a\n",
                 "log:1: ends no open request");
  ck_assert_uint_eq(hostlog_count(log, HOST_A, NULL), 1);
  hostlog_free(log);
}
END_TEST

START_TEST(test_reads_a_file)
{
  static const char text[] = "S 100 " HOST_A " /robots.txt\n"
                             "E 180 " HOST_A " 200 /robots.txt\n"
                             "S 300 " HOST_A " /page/1?ms=50\n"
                             "E 360 " HOST_A " 200 /page/1?ms=50\n";
  const char *tmp = getenv("TMPDIR");
  char path[4096];
  struct hostlog *log = hostlog_new();
  char *cause = NULL;
  FILE *file;
  int fd;

  snprintf(path, sizeof(path), "%s/check_hostlog.XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  file = fdopen(fd, "w");
  ck_assert_ptr_nonnull(file);
  ck_assert_int_ge(fputs(text, file), 0);
  ck_assert_int_eq(fclose(file), 0);
  ck_assert_msg(hostlog_read_file(log, path, &cause) == 0, "%s", cause);
  unlink(path);
  ck_assert_uint_eq(hostlog_count(log, HOST_A, NULL), 2);
  ck_assert_int_eq(hostlog_min_start_gap_us(log, HOST_A), 200);

  ck_assert_int_eq(hostlog_read_file(log, path, &cause), -1);
  ck_assert_ptr_nonnull(strstr(cause, path));
  ck_assert_ptr_nonnull(strstr(cause, "No such file"));
  free(cause);
  hostlog_free(log);
}
END_TEST

static Suite *hostlog_suite(void)
{
  Suite *suite = suite_create("hostlog");
  TCase *concurrency = tcase_create("concurrency");
  TCase *starts = tcase_create("starts");
  TCase *reading = tcase_create("reading");

  tcase_add_test(concurrency, test_concurrency_is_the_deepest_overlap);
  tcase_add_test(concurrency,
                 test_end_and_start_in_one_microsecond_do_not_overlap);
  tcase_add_test(concurrency, test_request_without_end_lasts_forever);
  tcase_add_test(concurrency,
                 test_request_ended_in_its_own_microsecond_still_counts);
  tcase_add_test(concurrency, test_same_target_ends_the_earliest_open_request);
  suite_add_tcase(suite, concurrency);
  tcase_add_test(starts, test_min_start_gap_is_per_host);
  tcase_add_test(starts, test_count_matches_path_with_or_without_query);
  tcase_add_test(starts, test_start_times_are_sorted_across_logs);
  suite_add_tcase(suite, starts);
  tcase_add_test(reading, test_last_line_without_newline_is_read);
  tcase_add_test(reading, test_refuses_what_is_not_an_event);
  tcase_add_test(reading, test_refuses_an_end_without_its_start);
  tcase_add_test(reading, test_each_log_ends_its_own_requests);
  tcase_add_test(reading, test_reads_a_file);
  suite_add_tcase(suite, reading);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(hostlog_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
