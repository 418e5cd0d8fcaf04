/*
 * Unit tests for the URL file reader (src/urlfile.c).
 *
 * Input files go into one directory made by main() under $TMPDIR (or
 * /tmp). Each test empties it when it ends, and main() removes it after
 * the run, so a failing test leaves nothing behind either.
 */

/* POSIX.1-2008 (mkdtemp, O_NONBLOCK) under -std=c11; a build that asks
   for more (_GNU_SOURCE) gets it anyway. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "urlfile.h"

static char test_dir[256];

/* Runs in tests and in main(), so it cannot use ck_assert. */
static void remove_test_files(void)
{
  DIR *dir = opendir(test_dir);
  struct dirent *entry;
  char path[PATH_MAX];

  if(!dir)
    return;
  for(entry = readdir(dir); entry; entry = readdir(dir)) {
    if(!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
      continue;
    snprintf(path, sizeof(path), "%s/%s", test_dir, entry->d_name);
    unlink(path);
  }
  closedir(dir);
}

static const char *test_path(const char *name)
{
  static char path[PATH_MAX];

  snprintf(path, sizeof(path), "%s/%s", test_dir, name);
  return path;
}

/* Writes len bytes (NUL bytes included) to a file in the test directory
   and returns its path. */
static const char *write_test_file(const char *name, const char *bytes,
                                   size_t len)
{
  const char *path = test_path(name);
  FILE *file = fopen(path, "wb");

  ck_assert_ptr_nonnull(file);
  ck_assert_uint_eq(fwrite(bytes, 1, len, file), len);
  ck_assert_int_eq(fclose(file), 0);
  return path;
}

static struct urlfile *open_test_file(const char *path)
{
  char *cause = NULL;
  struct urlfile *uf = urlfile_open(path, &cause);

  ck_assert_msg(uf != NULL, "urlfile_open: %s", cause);
  ck_assert_ptr_null(cause);
  return uf;
}

/* Reads the next line and checks its kind and seq. */
static void expect_kind(struct urlfile *uf, struct urlfile_line *line,
                        enum urlfile_kind kind, long long seq)
{
  ck_assert_int_eq(urlfile_next(uf, line), kind);
  ck_assert_int_eq(line->kind, kind);
  ck_assert_int_eq(line->seq, seq);
}

static void expect_url(struct urlfile *uf, long long seq, const char *url)
{
  struct urlfile_line line;

  expect_kind(uf, &line, URLFILE_URL, seq);
  ck_assert_str_eq(line.url, url);
  ck_assert_uint_eq(line.url_len, strlen(url));
  ck_assert_ptr_null(line.error_code);
  ck_assert_ptr_null(line.error_message);
}

static void expect_skip(struct urlfile *uf, long long seq)
{
  struct urlfile_line line;

  expect_kind(uf, &line, URLFILE_SKIP, seq);
  ck_assert_ptr_null(line.url);
  ck_assert_ptr_null(line.error_code);
}

static void expect_bad(struct urlfile *uf, long long seq,
                       const char *error_code, const char *error_message)
{
  struct urlfile_line line;

  expect_kind(uf, &line, URLFILE_BAD, seq);
  ck_assert_ptr_null(line.url);
  ck_assert_str_eq(line.error_code, error_code);
  ck_assert_str_eq(line.error_message, error_message);
}

static void expect_again(struct urlfile *uf, long long seq)
{
  struct urlfile_line line;

  expect_kind(uf, &line, URLFILE_AGAIN, seq);
}

static void expect_eof(struct urlfile *uf, long long seq)
{
  struct urlfile_line line;

  expect_kind(uf, &line, URLFILE_EOF, seq);
}

/* "line <number>: " followed by libcurl's text for code, which differs
   between libcurl versions. */
static const char *curl_message(int number, CURLUcode code)
{
  static char message[256];

  snprintf(message, sizeof(message), "line %d: %s", number,
           curl_url_strerror(code));
  return message;
}

/* A pipe whose read end does not block. */
static void make_nonblocking_pipe(int fds[2])
{
  ck_assert_int_eq(pipe(fds), 0);
  ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
}

static void write_all(int fd, const char *text)
{
  size_t len = strlen(text);

  ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
}

/* "http://example.com/" padded with 'a' to exactly len bytes. */
static char *make_long_url(size_t len)
{
  static const char prefix[] = "http://example.com/";
  char *url = malloc(len + 1);

  ck_assert_ptr_nonnull(url);
  memcpy(url, prefix, sizeof(prefix) - 1);
  memset(url + sizeof(prefix) - 1, 'a', len - (sizeof(prefix) - 1));
  url[len] = '\0';
  return url;
}

/* A file holding url followed by terminator and then "http://x/next\n". */
static const char *write_long_line_file(const char *url,
                                        const char *terminator)
{
  const char *path = test_path("long.txt");
  FILE *file = fopen(path, "wb");

  ck_assert_ptr_nonnull(file);
  ck_assert_int_ge(fprintf(file, "%s%shttp://x/next\n", url, terminator), 0);
  ck_assert_int_eq(fclose(file), 0);
  return path;
}

START_TEST(test_mixed_file_gives_each_line_its_kind_and_seq)
{
  static const char content[] = "\n"
                                "# comment\n"
                                "  \t# indented comment\n"
                                "  http://example.com/a \t \r\n"
                                "ftp://example.com/file\n"
                                "example.com/x\n"
                                "http://example.com/a b\n"
                                "http://exa\0mple.com/\n"
                                "http://example.com/caf\xc3\xa9\n"
                                " \t \r\n"
                                "HTTPS://example.org/b?c=d#frag\n";
  const char *path =
      write_test_file("mixed.txt", content, sizeof(content) - 1);
  struct urlfile *uf = open_test_file(path);

  expect_skip(uf, 0);
  expect_skip(uf, 1);
  expect_skip(uf, 2);
  expect_url(uf, 3, "http://example.com/a");
  expect_bad(uf, 4, "protocol_denied",
             "line 5: scheme 'ftp' is not allowed (http and https only)");
  expect_bad(uf, 5, "bad_url", curl_message(6, CURLUE_BAD_SCHEME));
  expect_bad(uf, 6, "bad_url",
             "line 7: URL contains a space, "
             "control character or non-ASCII byte");
  expect_bad(uf, 7, "bad_url", "line 8: line contains a NUL byte");
  expect_bad(uf, 8, "bad_url",
             "line 9: URL contains a space, "
             "control character or non-ASCII byte");
  expect_skip(uf, 9);
  expect_url(uf, 10, "HTTPS://example.org/b?c=d#frag");
  expect_eof(uf, 11);
  expect_eof(uf, 11);
  urlfile_close(uf);
}
END_TEST

START_TEST(test_url_is_not_resolved_against_previous_line)
{
  static const char content[] = "http://x/dir/\nother\n/root\n";
  const char *path =
      write_test_file("relative.txt", content, sizeof(content) - 1);
  struct urlfile *uf = open_test_file(path);

  expect_url(uf, 0, "http://x/dir/");
  expect_bad(uf, 1, "bad_url", curl_message(2, CURLUE_BAD_SCHEME));
  expect_bad(uf, 2, "bad_url", curl_message(3, CURLUE_BAD_SCHEME));
  urlfile_close(uf);
}
END_TEST

START_TEST(test_last_line_without_newline_counts)
{
  static const char content[] = "http://x/1\nhttp://x/2";
  const char *path = write_test_file("last.txt", content, sizeof(content) - 1);
  struct urlfile *uf = open_test_file(path);

  expect_url(uf, 0, "http://x/1");
  expect_url(uf, 1, "http://x/2");
  expect_eof(uf, 2);
  urlfile_close(uf);
}
END_TEST

START_TEST(test_last_line_cr_without_newline_is_kept)
{
  static const char content[] = "http://x/1\r";
  const char *path =
      write_test_file("last-cr.txt", content, sizeof(content) - 1);
  struct urlfile *uf = open_test_file(path);

  expect_bad(uf, 0, "bad_url",
             "line 1: URL contains a space, "
             "control character or non-ASCII byte");
  expect_eof(uf, 1);
  urlfile_close(uf);
}
END_TEST

START_TEST(test_empty_file_has_no_lines)
{
  const char *path = write_test_file("empty.txt", "", 0);
  struct urlfile *uf = open_test_file(path);

  expect_eof(uf, 0);
  urlfile_close(uf);
}
END_TEST

START_TEST(test_line_of_max_length_is_accepted)
{
  char *url = make_long_url(URLFILE_LINE_MAX);
  struct urlfile *uf = open_test_file(write_long_line_file(url, "\n"));

  expect_url(uf, 0, url);
  expect_url(uf, 1, "http://x/next");
  expect_eof(uf, 2);
  urlfile_close(uf);
  free(url);
}
END_TEST

START_TEST(test_line_of_max_length_with_crlf_is_accepted)
{
  char *url = make_long_url(URLFILE_LINE_MAX);
  struct urlfile *uf = open_test_file(write_long_line_file(url, "\r\n"));

  expect_url(uf, 0, url);
  expect_url(uf, 1, "http://x/next");
  urlfile_close(uf);
  free(url);
}
END_TEST

START_TEST(test_line_over_max_length_is_bad_and_next_line_is_read)
{
  char *url = make_long_url(URLFILE_LINE_MAX + 1);
  struct urlfile *uf = open_test_file(write_long_line_file(url, "\n"));

  expect_bad(uf, 0, "bad_url", "line 1: line is longer than 8192 bytes");
  expect_url(uf, 1, "http://x/next");
  expect_eof(uf, 2);
  urlfile_close(uf);
  free(url);
}
END_TEST

START_TEST(test_length_limit_counts_blanks_before_trimming)
{
  char *url = make_long_url(URLFILE_LINE_MAX);
  char *padded = malloc(URLFILE_LINE_MAX + 2);
  struct urlfile *uf;

  ck_assert_ptr_nonnull(padded);
  snprintf(padded, URLFILE_LINE_MAX + 2, " %s", url);
  uf = open_test_file(write_long_line_file(padded, "\n"));
  expect_bad(uf, 0, "bad_url", "line 1: line is longer than 8192 bytes");
  expect_url(uf, 1, "http://x/next");
  urlfile_close(uf);
  free(padded);
  free(url);
}
END_TEST

START_TEST(test_megabyte_line_is_discarded_and_next_line_is_read)
{
  char *url = make_long_url(1024 * 1024);
  struct urlfile *uf = open_test_file(write_long_line_file(url, "\n"));

  expect_bad(uf, 0, "bad_url", "line 1: line is longer than 8192 bytes");
  expect_url(uf, 1, "http://x/next");
  expect_eof(uf, 2);
  urlfile_close(uf);
  free(url);
}
END_TEST

START_TEST(test_lines_spanning_read_buffer_refills_are_whole)
{
  enum { URL_COUNT = 100000 };
  const char *path = test_path("many.txt");
  FILE *file = fopen(path, "wb");
  struct urlfile *uf;
  char url[64];
  int i;

  ck_assert_ptr_nonnull(file);
  for(i = 0; i < URL_COUNT; i++)
    fprintf(file, "http://example.com/page/%d\n", i);
  ck_assert_int_eq(fclose(file), 0);

  uf = open_test_file(path);
  for(i = 0; i < URL_COUNT; i++) {
    snprintf(url, sizeof(url), "http://example.com/page/%d", i);
    expect_url(uf, i, url);
  }
  expect_eof(uf, URL_COUNT);
  urlfile_close(uf);
}
END_TEST

START_TEST(test_partial_line_on_pipe_gives_again_then_url)
{
  int fds[2];
  struct urlfile *uf;

  make_nonblocking_pipe(fds);
  uf = urlfile_from_fd(fds[0]);
  ck_assert_ptr_nonnull(uf);
  ck_assert_int_eq(urlfile_fd(uf), fds[0]);

  write_all(fds[1], "http://exa");
  expect_again(uf, 0);
  write_all(fds[1], "mple.com/\n");
  expect_url(uf, 0, "http://example.com/");
  expect_again(uf, 1);

  urlfile_close(uf);
  close(fds[0]);
  close(fds[1]);
}
END_TEST

START_TEST(test_eof_after_again_on_empty_pipe)
{
  int fds[2];
  struct urlfile *uf;

  make_nonblocking_pipe(fds);
  uf = urlfile_from_fd(fds[0]);
  ck_assert_ptr_nonnull(uf);

  expect_again(uf, 0);
  close(fds[1]);
  expect_eof(uf, 0);

  urlfile_close(uf);
  close(fds[0]);
}
END_TEST

START_TEST(test_partial_line_on_pipe_is_completed_by_eof)
{
  int fds[2];
  struct urlfile *uf;

  make_nonblocking_pipe(fds);
  uf = urlfile_from_fd(fds[0]);
  ck_assert_ptr_nonnull(uf);

  write_all(fds[1], "# note\nhttp://x/1");
  expect_skip(uf, 0);
  expect_again(uf, 1);
  close(fds[1]);
  expect_url(uf, 1, "http://x/1");
  expect_eof(uf, 2);

  urlfile_close(uf);
  close(fds[0]);
}
END_TEST

START_TEST(test_open_missing_file_names_it_in_cause)
{
  const char *path = test_path("missing.txt");
  char *cause = NULL;
  char expected[PATH_MAX + 64];

  ck_assert_ptr_null(urlfile_open(path, &cause));
  snprintf(expected, sizeof(expected), "%s: %s", path, strerror(ENOENT));
  ck_assert_str_eq(cause, expected);
  free(cause);
}
END_TEST

START_TEST(test_read_failure_is_an_error_naming_the_line)
{
  struct urlfile *uf = open_test_file(test_dir);
  struct urlfile_line line;
  char expected[128];

  snprintf(expected, sizeof(expected), "line 1: read failed: %s",
           strerror(EISDIR));
  expect_kind(uf, &line, URLFILE_ERROR, 0);
  ck_assert_ptr_null(line.error_code);
  ck_assert_str_eq(line.error_message, expected);
  urlfile_close(uf);
}
END_TEST

START_TEST(test_dash_reads_standard_input_and_leaves_it_open)
{
  int fds[2];
  int saved_stdin = dup(STDIN_FILENO);
  struct urlfile *uf;

  ck_assert_int_ge(saved_stdin, 0);
  ck_assert_int_eq(pipe(fds), 0);
  write_all(fds[1], "http://x/stdin\n");
  close(fds[1]);
  ck_assert_int_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  close(fds[0]);

  uf = open_test_file("-");
  ck_assert_int_eq(urlfile_fd(uf), STDIN_FILENO);
  expect_url(uf, 0, "http://x/stdin");
  expect_eof(uf, 1);
  urlfile_close(uf);
  ck_assert_int_ne(fcntl(STDIN_FILENO, F_GETFD), -1);

  ck_assert_int_eq(dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
  close(saved_stdin);
}
END_TEST

START_TEST(test_from_fd_leaves_fd_open)
{
  const char *path = write_test_file("fd.txt", "http://x/1\n", 11);
  int fd = open(path, O_RDONLY);
  struct urlfile *uf;

  ck_assert_int_ge(fd, 0);
  uf = urlfile_from_fd(fd);
  ck_assert_ptr_nonnull(uf);
  expect_url(uf, 0, "http://x/1");
  urlfile_close(uf);
  ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
  close(fd);
}
END_TEST

/* Checks url with urlfile_check_url(); returns its error code and leaves
   its message in message. */
static const char *check(const char *url, char message[256])
{
  message[0] = '\0';
  return urlfile_check_url(url, strlen(url), message, 256);
}

START_TEST(test_check_url_accepts_http_with_port_and_query)
{
  char message[256];

  ck_assert_ptr_null(check("http://127.0.0.1:8080/a?b=c", message));
}
END_TEST

START_TEST(test_check_url_accepts_uppercase_https)
{
  char message[256];

  ck_assert_ptr_null(check("HTTPS://X", message));
}
END_TEST

START_TEST(test_check_url_denies_file_scheme)
{
  char message[256];

  ck_assert_str_eq(check("file:///etc/passwd", message), "protocol_denied");
  ck_assert_str_eq(message,
                   "scheme 'file' is not allowed (http and https only)");
}
END_TEST

START_TEST(test_check_url_denies_javascript_scheme)
{
  char message[256];

  ck_assert_str_eq(check("javascript:alert(1)", message), "protocol_denied");
  ck_assert_str_eq(message,
                   "scheme 'javascript' is not allowed (http and https only)");
}
END_TEST

START_TEST(test_check_url_rejects_missing_host)
{
  char message[256];

  ck_assert_str_eq(check("http://", message), "bad_url");
  ck_assert_str_eq(message, curl_url_strerror(CURLUE_NO_HOST));
}
END_TEST

START_TEST(test_check_url_does_not_trim)
{
  char message[256];

  ck_assert_str_eq(check(" http://x/", message), "bad_url");
  ck_assert_str_eq(message, "URL contains a space, control character "
                            "or non-ASCII byte");
}
END_TEST

START_TEST(test_check_url_reads_only_len_bytes)
{
  static const char text[] = "http://x/ftp://y";
  char message[256];

  ck_assert_ptr_null(urlfile_check_url(text, 9, message, sizeof(message)));
}
END_TEST

START_TEST(test_check_url_rejects_url_over_max_length)
{
  char *url = make_long_url(URLFILE_LINE_MAX + 1);
  char message[256];

  ck_assert_str_eq(check(url, message), "bad_url");
  ck_assert_str_eq(message, "URL is longer than 8192 bytes");
  free(url);
}
END_TEST

static Suite *urlfile_suite(void)
{
  Suite *suite = suite_create("urlfile");
  TCase *reader = tcase_create("reader");
  TCase *check_url = tcase_create("check_url");

  tcase_add_checked_fixture(reader, NULL, remove_test_files);
  tcase_set_timeout(reader, 30);
  tcase_add_test(reader, test_mixed_file_gives_each_line_its_kind_and_seq);
  tcase_add_test(reader, test_url_is_not_resolved_against_previous_line);
  tcase_add_test(reader, test_last_line_without_newline_counts);
  tcase_add_test(reader, test_last_line_cr_without_newline_is_kept);
  tcase_add_test(reader, test_empty_file_has_no_lines);
  tcase_add_test(reader, test_line_of_max_length_is_accepted);
  tcase_add_test(reader, test_line_of_max_length_with_crlf_is_accepted);
  tcase_add_test(reader,
                 test_line_over_max_length_is_bad_and_next_line_is_read);
  tcase_add_test(reader, test_length_limit_counts_blanks_before_trimming);
  tcase_add_test(reader,
                 test_megabyte_line_is_discarded_and_next_line_is_read);
  tcase_add_test(reader, test_lines_spanning_read_buffer_refills_are_whole);
  tcase_add_test(reader, test_partial_line_on_pipe_gives_again_then_url);
  tcase_add_test(reader, test_eof_after_again_on_empty_pipe);
  tcase_add_test(reader, test_partial_line_on_pipe_is_completed_by_eof);
  tcase_add_test(reader, test_open_missing_file_names_it_in_cause);
  tcase_add_test(reader, test_read_failure_is_an_error_naming_the_line);
  tcase_add_test(reader, test_dash_reads_standard_input_and_leaves_it_open);
  tcase_add_test(reader, test_from_fd_leaves_fd_open);
  suite_add_tcase(suite, reader);

  tcase_add_test(check_url, test_check_url_accepts_http_with_port_and_query);
  tcase_add_test(check_url, test_check_url_accepts_uppercase_https);
  tcase_add_test(check_url, test_check_url_denies_file_scheme);
  tcase_add_test(check_url, test_check_url_denies_javascript_scheme);
  tcase_add_test(check_url, test_check_url_rejects_missing_host);
  tcase_add_test(check_url, test_check_url_does_not_trim);
  tcase_add_test(check_url, test_check_url_reads_only_len_bytes);
  tcase_add_test(check_url, test_check_url_rejects_url_over_max_length);
  suite_add_tcase(suite, check_url);
  return suite;
}

static int make_test_dir(void)
{
  const char *tmp = getenv("TMPDIR");

  if(!tmp || !*tmp)
    tmp = "/tmp";
  snprintf(test_dir, sizeof(test_dir), "%s/check_urlfile.XXXXXX", tmp);
  if(!mkdtemp(test_dir)) {
    fprintf(stderr, "mkdtemp %s: %s\n", test_dir, strerror(errno));
    return -1;
  }
  return 0;
}

int main(void)
{
  SRunner *runner;
  int failed;

  if(curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return EXIT_FAILURE;
  if(make_test_dir())
    return EXIT_FAILURE;

  runner = srunner_create(urlfile_suite());
  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);

  remove_test_files();
  rmdir(test_dir);
  curl_global_cleanup();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
