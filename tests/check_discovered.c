/*
 * Unit tests for a job's discovered-URL file (src/discovered.c): the URLs
 * it found, durable and in order, read back as its queue, and recovered
 * after a crash.
 *
 * main() makes one directory under $TMPDIR (or /tmp) for the run and
 * removes it at the end.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discovered.h"
#include "log.h"

#define NAME "job.found"

static char dir[PATH_MAX];
static int dir_fd = -1;

static void setup(void)
{
  const char *tmp = getenv("TMPDIR");

  snprintf(dir, sizeof(dir), "%s/check_discovered.XXXXXX",
           tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
  ck_assert_int_ge(dir_fd, 0);
}

static void teardown(void)
{
  DIR *listing = opendir(dir);
  struct dirent *entry;

  while(listing != NULL && (entry = readdir(listing)) != NULL) {
    if(entry->d_name[0] != '.')
      unlinkat(dir_fd, entry->d_name, 0);
  }
  if(listing != NULL)
    closedir(listing);
  close(dir_fd);
  rmdir(dir);
}

/* What recovery hands back, for the tests to look at. */
struct recovered {
  int count;
  long long seqs[16];
  char urls[16][64];
  int fail_at; /* return -1 at this entry; -1: never */
};

static int on_found(void *arg, const struct discovered_entry *entry)
{
  struct recovered *got = arg;

  if(got->count == got->fail_at)
    return -1;
  if(got->count < 16) {
    got->seqs[got->count] = entry->seq;
    snprintf(got->urls[got->count], sizeof(got->urls[0]), "%s", entry->url);
  }
  got->count++;
  return 0;
}

static struct discovered *open_found(const char *name, long long first,
                                     struct recovered *got)
{
  char *cause = NULL;
  struct discovered *found;

  memset(got, 0, sizeof(*got));
  got->fail_at = -1;
  found = discovered_open(dir_fd, name, first, on_found, got, &cause);
  ck_assert_msg(found != NULL, "%s", cause);
  return found;
}

static char *file_text(void)
{
  static char text[4096];
  int fd = openat(dir_fd, NAME, O_RDONLY);
  ssize_t n;

  ck_assert_int_ge(fd, 0);
  n = read(fd, text, sizeof(text) - 1);
  ck_assert_int_ge(n, 0);
  text[n] = '\0';
  close(fd);
  return text;
}

START_TEST(test_urls_get_seqs_after_the_file_and_come_back_in_order)
{
  struct recovered got;
  struct discovered *found = open_found(NAME, 100, &got);
  struct discovered_entry entry;

  ck_assert_int_eq(got.count, 0);
  ck_assert_int_eq(discovered_add(found, 1, "http://h/a", "http://h/"), 100);
  ck_assert_int_eq(discovered_add(found, 2, "http://h/b", "http://h/a"), 101);
  ck_assert_int_eq(discovered_count(found), 2);
  ck_assert_int_eq(discovered_unread(found), 2);
  /* Buffered URLs are part of the queue without a flush. */
  ck_assert(discovered_next(found, &entry));
  ck_assert_int_eq(entry.seq, 100);
  ck_assert_int_eq(entry.depth, 1);
  ck_assert_str_eq(entry.url, "http://h/a");
  ck_assert_str_eq(entry.via, "http://h/");
  ck_assert(discovered_next(found, &entry));
  ck_assert_int_eq(entry.seq, 101);
  ck_assert_str_eq(entry.via, "http://h/a");
  ck_assert(!discovered_next(found, &entry));
  ck_assert_int_eq(discovered_unread(found), 0);
  /* One added after the reader reached the end comes next. */
  ck_assert_int_eq(discovered_add(found, 3, "http://h/c", "http://h/b"), 102);
  ck_assert(discovered_next(found, &entry));
  ck_assert_str_eq(entry.url, "http://h/c");
  ck_assert_int_eq(discovered_flush(found, true), 0);
  ck_assert_str_eq(file_text(), "100 1 http://h/a http://h/\n"
                                "101 2 http://h/b http://h/a\n"
                                "102 3 http://h/c http://h/b\n");
  discovered_close(found);
}
END_TEST

START_TEST(test_reopening_hands_back_every_url_and_seqs_go_on)
{
  struct recovered got;
  struct discovered *found = open_found(NAME, 5, &got);
  struct discovered_entry entry;

  discovered_add(found, 1, "http://h/a", "http://h/");
  discovered_add(found, 1, "http://h/b", "http://h/");
  ck_assert_int_eq(discovered_flush(found, true), 0);
  discovered_close(found);

  found = open_found(NAME, 5, &got);
  ck_assert_int_eq(got.count, 2);
  ck_assert_int_eq(got.seqs[0], 5);
  ck_assert_str_eq(got.urls[1], "http://h/b");
  ck_assert_int_eq(discovered_next_seq(found), 7);
  ck_assert_int_eq(discovered_unread(found), 2);
  /* The queue starts at the top again: the job skips what has records. */
  ck_assert(discovered_next(found, &entry));
  ck_assert_int_eq(entry.seq, 5);
  ck_assert_int_eq(discovered_add(found, 2, "http://h/c", "http://h/a"), 7);
  discovered_close(found);
}
END_TEST

START_TEST(test_a_torn_last_line_is_cut_off_at_open)
{
  struct recovered got;
  struct discovered *found;
  int fd = openat(dir_fd, NAME, O_WRONLY | O_CREAT | O_TRUNC, 0640);
  static const char text[] = "0 1 http://h/a http://h/\n1 1 http://h/b htt";

  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
  close(fd);
  found = open_found(NAME, 0, &got);
  ck_assert_int_eq(got.count, 1);
  ck_assert_int_eq(discovered_next_seq(found), 1);
  ck_assert_str_eq(file_text(), "0 1 http://h/a http://h/\n");
  /* The next URL takes the torn one's seq and a whole line of its own. */
  ck_assert_int_eq(discovered_add(found, 1, "http://h/c", "http://h/"), 1);
  ck_assert_int_eq(discovered_flush(found, false), 0);
  ck_assert_str_eq(file_text(), "0 1 http://h/a http://h/\n"
                                "1 1 http://h/c http://h/\n");
  discovered_close(found);
}
END_TEST

START_TEST(test_a_malformed_line_is_skipped_and_the_rest_kept)
{
  struct recovered got;
  struct discovered *found;
  struct discovered_entry entry;
  int fd = openat(dir_fd, NAME, O_WRONLY | O_CREAT | O_TRUNC, 0640);
  static const char text[] = "0 1 http://h/a http://h/\n"
                             "garbage\n"
                             "x 1 http://h/x http://h/\n"
                             "2 1 http://h/c http://h/ extra\n"
                             "3 1 http://h/d http://h/\n";

  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
  close(fd);
  found = open_found(NAME, 0, &got);
  ck_assert_int_eq(got.count, 2);
  ck_assert_str_eq(got.urls[0], "http://h/a");
  ck_assert_str_eq(got.urls[1], "http://h/d");
  ck_assert_int_eq(discovered_next_seq(found), 4);
  ck_assert(discovered_next(found, &entry));
  ck_assert(discovered_next(found, &entry));
  ck_assert_int_eq(entry.seq, 3);
  ck_assert(!discovered_next(found, &entry));
  discovered_close(found);
}
END_TEST

START_TEST(test_a_failing_callback_fails_the_open_with_a_cause)
{
  struct recovered got;
  struct discovered *found = open_found(NAME, 0, &got);
  char *cause = NULL;

  discovered_add(found, 1, "http://h/a", "http://h/");
  discovered_flush(found, false);
  discovered_close(found);
  got.count = 0;
  got.fail_at = 0;
  ck_assert_ptr_null(discovered_open(dir_fd, NAME, 0, on_found, &got, &cause));
  ck_assert_str_eq(cause, NAME ": out of memory");
  free(cause);
}
END_TEST

START_TEST(test_an_unnamed_file_leaves_nothing_in_its_directory)
{
  struct recovered got;
  struct discovered *found = open_found(NULL, 0, &got);
  struct discovered_entry entry;
  DIR *listing;
  struct dirent *item;
  int names = 0;

  for(int i = 0; i < 5000; i++) {
    char url[64];

    snprintf(url, sizeof(url), "http://h/%d", i);
    ck_assert_int_eq(discovered_add(found, 1, url, "http://h/"), i);
  }
  for(int i = 0; i < 5000; i++) {
    char url[64];

    snprintf(url, sizeof(url), "http://h/%d", i);
    ck_assert(discovered_next(found, &entry));
    ck_assert_int_eq(entry.seq, i);
    ck_assert_str_eq(entry.url, url);
  }
  ck_assert(!discovered_next(found, &entry));
  listing = opendir(dir);
  while((item = readdir(listing)) != NULL)
    names += item->d_name[0] != '.';
  closedir(listing);
  ck_assert_int_eq(names, 0);
  discovered_close(found);
}
END_TEST

static Suite *discovered_suite(void)
{
  Suite *suite = suite_create("discovered");
  TCase *tc = tcase_create("discovered");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_urls_get_seqs_after_the_file_and_come_back_in_order);
  tcase_add_test(tc, test_reopening_hands_back_every_url_and_seqs_go_on);
  tcase_add_test(tc, test_a_torn_last_line_is_cut_off_at_open);
  tcase_add_test(tc, test_a_malformed_line_is_skipped_and_the_rest_kept);
  tcase_add_test(tc, test_a_failing_callback_fails_the_open_with_a_cause);
  tcase_add_test(tc, test_an_unnamed_file_leaves_nothing_in_its_directory);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(discovered_suite());
  int failed;

  log_set_ident("check_discovered");
  log_set_level(LOG_ERR);
  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
