/*
 * Unit tests for the result journal (src/journal.c).
 *
 * main() makes one directory under $TMPDIR (or /tmp) and every test gets a
 * fresh directory of its own inside it (a checked fixture), removed when the
 * test ends. main() removes the whole tree after the run, so a test that
 * fails (and exits before its teardown, as Check's forked tests do) leaves
 * nothing behind either.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "journal.h"
#include "log.h"
#include "proto.h"

#define NAME "j.jsonl"

static char root_dir[PATH_MAX / 2]; /* made by main() */
static char case_dir[PATH_MAX];     /* the running test's, inside root_dir */
static int dir_fd = -1;             /* case_dir */

/* Runs in teardowns and in main(), so it cannot use ck_assert. Makes every
 * directory writable first: a test may leave one read-only. */
static void remove_tree(const char *path)
{
  struct stat st;
  DIR *dir;
  struct dirent *entry;
  char sub[PATH_MAX];

  if(lstat(path, &st))
    return;
  if(!S_ISDIR(st.st_mode)) {
    unlink(path);
    return;
  }
  chmod(path, 0700);
  dir = opendir(path);
  if(dir) {
    for(entry = readdir(dir); entry; entry = readdir(dir)) {
      if(!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
        continue;
      snprintf(sub, sizeof(sub), "%s/%s", path, entry->d_name);
      remove_tree(sub);
    }
    closedir(dir);
  }
  rmdir(path);
}

static void case_setup(void)
{
  snprintf(case_dir, sizeof(case_dir), "%s/case.XXXXXX", root_dir);
  ck_assert_ptr_nonnull(mkdtemp(case_dir));
  dir_fd = open(case_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge(dir_fd, 0);
}

static void case_teardown(void)
{
  close(dir_fd);
  dir_fd = -1;
  remove_tree(case_dir);
}

/* A record line as the supervisor writes it. Lengths vary with seq, so
 * that cuts fall at different places in different records. */
static size_t record_line(char *buf, size_t size, long long seq)
{
  int len = snprintf(buf, size,
                     "{\"job\":\"j\",\"seq\":%lld,\"url\":\"http://x/%lld/"
                     "%.*s\",\"ok\":true}\n",
                     seq, seq, (int)(seq * 7 % 23), "abcdefghijklmnopqrstuvw");

  ck_assert_int_gt(len, 0);
  ck_assert_uint_lt((size_t)len, size);
  return (size_t)len;
}

/* A growable byte string for building file contents. */
struct text {
  char *bytes;
  size_t len;
};

static void text_add(struct text *text, const char *bytes, size_t len)
{
  text->bytes = realloc(text->bytes, text->len + len + 1);
  ck_assert_ptr_nonnull(text->bytes);
  memcpy(text->bytes + text->len, bytes, len);
  text->len += len;
  text->bytes[text->len] = '\0';
}

static void text_add_str(struct text *text, const char *str)
{
  text_add(text, str, strlen(str));
}

static void text_add_record(struct text *text, long long seq)
{
  char line[256];

  text_add(text, line, record_line(line, sizeof(line), seq));
}

static void write_file(const char *name, const char *bytes, size_t len)
{
  int fd =
      openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, bytes, len), (ssize_t)len);
  ck_assert_int_eq(close(fd), 0);
}

/* The whole file, NUL-terminated; *len gets its length. */
static char *read_file(const char *name, size_t *len)
{
  int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
  struct stat st;
  char *bytes;

  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(fstat(fd, &st), 0);
  bytes = malloc((size_t)st.st_size + 1);
  ck_assert_ptr_nonnull(bytes);
  ck_assert_int_eq(read(fd, bytes, (size_t)st.st_size), st.st_size);
  bytes[st.st_size] = '\0';
  ck_assert_int_eq(close(fd), 0);
  *len = (size_t)st.st_size;
  return bytes;
}

static long long file_size(const char *name)
{
  struct stat st;

  ck_assert_int_eq(fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
  return (long long)st.st_size;
}

static void assert_file_is(const char *name, const char *bytes, size_t len)
{
  size_t actual_len;
  char *actual = read_file(name, &actual_len);

  ck_assert_uint_eq(actual_len, len);
  ck_assert_msg(memcmp(actual, bytes, len) == 0, "%s is not as expected",
                name);
  free(actual);
}

static struct journal *open_journal(long long max_seq)
{
  char *cause = NULL;
  struct journal *journal = journal_open(dir_fd, NAME, max_seq, &cause);

  ck_assert_msg(journal != NULL, "journal_open: %s", cause);
  ck_assert_ptr_null(cause);
  return journal;
}

/* Opens the journal with fd 2 going to a file, and returns what was logged
 * (malloc'd). Warnings are shown for this call only, so the other tests'
 * output stays quiet. */
static struct journal *open_journal_logged(long long max_seq, char **logged)
{
  int saved = dup(STDERR_FILENO);
  int log_fd =
      openat(dir_fd, "log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int level = log_get_level();
  struct journal *journal;
  char *cause = NULL;
  size_t len;

  ck_assert_int_ge(saved, 0);
  ck_assert_int_ge(log_fd, 0);
  ck_assert_int_eq(dup2(log_fd, STDERR_FILENO), STDERR_FILENO);
  log_set_level(LOG_WARNING);
  journal = journal_open(dir_fd, NAME, max_seq, &cause);
  log_set_level(level);
  ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
  close(saved);
  close(log_fd);
  ck_assert_msg(journal != NULL, "journal_open: %s", cause);
  *logged = read_file("log", &len);
  return journal;
}

static void append_record(struct journal *journal, long long seq, int expect)
{
  char line[256];
  size_t len = record_line(line, sizeof(line), seq);

  ck_assert_int_eq(journal_append(journal, seq, line, len), expect);
}

/* Parses every line of the file (each must be a record) and counts how
 * many carry each seq in [0, nseq). Returns the number of lines. */
static size_t count_records(const char *name, int *counts, size_t nseq)
{
  size_t len;
  char *bytes = read_file(name, &len);
  size_t lines = 0;
  char *start = bytes;
  char *newline;

  memset(counts, 0, nseq * sizeof(*counts));
  while((newline = memchr(start, '\n', len - (size_t)(start - bytes)))) {
    json_error_t error;
    json_t *record = json_loadb(start, (size_t)(newline - start), 0, &error);
    json_int_t seq;

    ck_assert_msg(record != NULL, "line %zu: %s", lines + 1, error.text);
    seq = json_integer_value(json_object_get(record, "seq"));
    ck_assert_int_ge(seq, 0);
    ck_assert_int_lt(seq, (json_int_t)nseq);
    counts[seq]++;
    json_decref(record);
    lines++;
    start = newline + 1;
  }
  ck_assert_ptr_eq(start, bytes + len); /* ends in a '\n' */
  free(bytes);
  return lines;
}

START_TEST(test_new_journal_is_empty_file)
{
  struct journal *journal = open_journal(100);

  ck_assert_int_eq(journal_count(journal), 0);
  ck_assert_int_eq(journal_unsynced(journal), 0);
  for(long long seq = -1; seq <= 101; seq++)
    ck_assert(!journal_has(journal, seq));
  ck_assert_int_eq(file_size(NAME), 0);
  journal_close(journal);
}
END_TEST

START_TEST(test_new_journal_is_created_with_mode_0640)
{
  mode_t mask = umask(0);
  struct journal *journal = open_journal(100);
  struct stat st;

  umask(mask);
  ck_assert_int_eq(fstatat(dir_fd, NAME, &st, 0), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0640);
  journal_close(journal);
}
END_TEST

START_TEST(test_synced_records_are_lines_in_append_order)
{
  struct journal *journal = open_journal(100);
  struct text want = { NULL, 0 };

  append_record(journal, 5, 0);
  append_record(journal, 1, 0);
  append_record(journal, 9, 0);
  ck_assert_int_eq(journal_count(journal), 3);
  ck_assert(journal_has(journal, 5));
  ck_assert(journal_has(journal, 1));
  ck_assert(journal_has(journal, 9));
  ck_assert_int_eq(journal_sync(journal), 0);
  text_add_record(&want, 5);
  text_add_record(&want, 1);
  text_add_record(&want, 9);
  assert_file_is(NAME, want.bytes, want.len);
  ck_assert_int_eq(journal_count(journal), 3);
  journal_close(journal);
  free(want.bytes);
}
END_TEST

START_TEST(test_reopen_recovers_exactly_the_recorded_seqs)
{
  struct journal *journal = open_journal(100);

  append_record(journal, 5, 0);
  append_record(journal, 1, 0);
  append_record(journal, 9, 0);
  ck_assert_int_eq(journal_sync(journal), 0);
  journal_close(journal);

  journal = open_journal(100);
  ck_assert_int_eq(journal_count(journal), 3);
  ck_assert_int_eq(journal_unsynced(journal), 0);
  for(long long seq = -1; seq <= 101; seq++)
    ck_assert_msg(journal_has(journal, seq) ==
                      (seq == 1 || seq == 5 || seq == 9),
                  "seq %lld", seq);
  journal_close(journal);
}
END_TEST

START_TEST(test_append_of_recorded_seq_returns_1_and_writes_nothing)
{
  struct journal *journal = open_journal(100);
  struct text want = { NULL, 0 };

  append_record(journal, 3, 0);
  ck_assert_int_eq(journal_append(journal, 3, "{\"seq\":3}\n", 10), 1);
  ck_assert_int_eq(journal_count(journal), 1);
  ck_assert_int_eq(journal_unsynced(journal), 1);
  ck_assert_int_eq(journal_sync(journal), 0);
  ck_assert_int_eq(journal_append(journal, 3, "{\"seq\":3}\n", 10), 1);
  ck_assert_int_eq(journal_unsynced(journal), 0);
  ck_assert_int_eq(journal_sync(journal), 0);
  text_add_record(&want, 3);
  assert_file_is(NAME, want.bytes, want.len);
  journal_close(journal);
  free(want.bytes);
}
END_TEST

START_TEST(test_append_of_seq_recorded_before_reopen_returns_1)
{
  struct journal *journal = open_journal(100);
  struct text want = { NULL, 0 };

  append_record(journal, 3, 0);
  ck_assert_int_eq(journal_sync(journal), 0);
  journal_close(journal);

  journal = open_journal(100);
  append_record(journal, 3, 1);
  ck_assert_int_eq(journal_count(journal), 1);
  ck_assert_int_eq(journal_unsynced(journal), 0);
  ck_assert_int_eq(journal_sync(journal), 0);
  journal_close(journal);
  text_add_record(&want, 3);
  assert_file_is(NAME, want.bytes, want.len);
  free(want.bytes);
}
END_TEST

START_TEST(test_append_outside_0_to_max_seq_returns_minus_1)
{
  struct journal *journal = open_journal(100);
  struct text want = { NULL, 0 };

  errno = 0;
  ck_assert_int_eq(journal_append(journal, -1, "{\"seq\":-1}\n", 11), -1);
  ck_assert_int_eq(errno, ERANGE);
  ck_assert_int_eq(journal_append(journal, 101, "{\"seq\":101}\n", 12), -1);
  ck_assert_int_eq(journal_count(journal), 0);
  ck_assert_int_eq(journal_unsynced(journal), 0);
  ck_assert(!journal_has(journal, 101));
  append_record(journal, 0, 0);
  append_record(journal, 100, 0);
  ck_assert_int_eq(journal_sync(journal), 0);
  text_add_record(&want, 0);
  text_add_record(&want, 100);
  assert_file_is(NAME, want.bytes, want.len);
  journal_close(journal);
  free(want.bytes);
}
END_TEST

/* The durability requirement: a journal whose last line was torn (cut at
 * any byte of its last three records) is repaired at start-up with nothing
 * lost and nothing doubled. */
START_TEST(test_torn_last_line_at_any_byte_is_cut_and_refilled)
{
  enum { RECORDS = 20 };
  struct text full = { NULL, 0 };
  size_t line_end[RECORDS]; /* offset just past each record's '\n' */
  size_t cut;

  for(int i = 0; i < RECORDS; i++) {
    text_add_record(&full, i);
    line_end[i] = full.len;
  }
  for(cut = line_end[RECORDS - 4]; cut <= full.len; cut++) {
    struct journal *journal;
    int complete = 0;
    int counts[RECORDS];

    while(complete < RECORDS && line_end[complete] <= cut)
      complete++;
    write_file(NAME, full.bytes, cut);

    journal = open_journal(RECORDS - 1);
    ck_assert_int_eq(file_size(NAME),
                     complete ? (long long)line_end[complete - 1] : 0);
    ck_assert_int_eq(journal_count(journal), complete);
    for(int i = 0; i < RECORDS; i++)
      ck_assert_msg(journal_has(journal, i) == (i < complete),
                    "cut at %zu: seq %d", cut, i);
    for(int i = 0; i < RECORDS; i++)
      append_record(journal, i, i < complete ? 1 : 0);
    ck_assert_int_eq(journal_sync(journal), 0);
    journal_close(journal);

    ck_assert_uint_eq(count_records(NAME, counts, RECORDS), RECORDS);
    for(int i = 0; i < RECORDS; i++)
      ck_assert_msg(counts[i] == 1, "cut at %zu: seq %d has %d lines", cut, i,
                    counts[i]);
    assert_file_is(NAME, full.bytes, full.len);
  }
  free(full.bytes);
}
END_TEST

/* Writes a record for seq 0, the line bad, and records for seqs 1 and 2;
 * opening must mark exactly 0, 1 and 2, log line 2 and leave the file as
 * it is. */
static void assert_line_is_skipped(const char *bad, const char *reason)
{
  struct text content = { NULL, 0 };
  struct journal *journal;
  char *logged;
  char expect_log[256];

  text_add_record(&content, 0);
  text_add_str(&content, bad);
  text_add_record(&content, 1);
  text_add_record(&content, 2);
  write_file(NAME, content.bytes, content.len);

  journal = open_journal_logged(10, &logged);
  ck_assert_int_eq(journal_count(journal), 3);
  for(long long seq = 0; seq <= 10; seq++)
    ck_assert_msg(journal_has(journal, seq) == (seq <= 2), "seq %lld", seq);
  journal_close(journal);
  assert_file_is(NAME, content.bytes, content.len);
  snprintf(expect_log, sizeof(expect_log), NAME ":2: %s", reason);
  ck_assert_msg(strstr(logged, expect_log) != NULL, "log \"%s\" lacks \"%s\"",
                logged, expect_log);
  free(logged);
  free(content.bytes);
}

START_TEST(test_line_not_json_is_skipped_and_kept)
{
  assert_line_is_skipped("this is not json\n", "not JSON");
}
END_TEST

START_TEST(test_json_line_that_is_not_an_object_is_skipped_and_kept)
{
  assert_line_is_skipped("[5]\n", "no integer \"seq\"");
}
END_TEST

START_TEST(test_empty_line_is_skipped_and_kept)
{
  assert_line_is_skipped("\n", "not JSON");
}
END_TEST

START_TEST(test_line_without_seq_is_skipped_and_kept)
{
  assert_line_is_skipped("{\"job\":\"j\",\"url\":\"http://x/5\"}\n",
                         "no integer \"seq\"");
}
END_TEST

START_TEST(test_line_with_string_seq_is_skipped_and_kept)
{
  assert_line_is_skipped("{\"job\":\"j\",\"seq\":\"5\"}\n",
                         "no integer \"seq\"");
}
END_TEST

START_TEST(test_line_with_real_seq_is_skipped_and_kept)
{
  assert_line_is_skipped("{\"job\":\"j\",\"seq\":5.0}\n",
                         "no integer \"seq\"");
}
END_TEST

START_TEST(test_line_with_seq_above_max_seq_is_skipped_and_kept)
{
  assert_line_is_skipped("{\"job\":\"j\",\"seq\":11}\n",
                         "seq 11 is not in [0, 10]");
}
END_TEST

START_TEST(test_line_with_negative_seq_is_skipped_and_kept)
{
  assert_line_is_skipped("{\"job\":\"j\",\"seq\":-1}\n",
                         "seq -1 is not in [0, 10]");
}
END_TEST

START_TEST(test_line_with_seq_seen_before_is_skipped_and_kept)
{
  assert_line_is_skipped("{\"job\":\"j\",\"seq\":0,\"second\":true}\n",
                         "seq 0 already has a record");
}
END_TEST

START_TEST(test_skipped_line_stays_when_torn_tail_is_cut)
{
  struct text content = { NULL, 0 };
  struct journal *journal;
  size_t kept;

  text_add_record(&content, 0);
  text_add_str(&content, "garbage\n");
  text_add_record(&content, 1);
  kept = content.len;
  text_add_str(&content, "{\"job\":\"j\",\"seq\":2,\"u");
  write_file(NAME, content.bytes, content.len);

  journal = open_journal(10);
  ck_assert_int_eq(journal_count(journal), 2);
  ck_assert(!journal_has(journal, 2));
  journal_close(journal);
  assert_file_is(NAME, content.bytes, kept);
  free(content.bytes);
}
END_TEST

/* A record of exactly len bytes before its '\n', padded with a string. */
static void text_add_padded_record(struct text *text, long long seq,
                                   size_t len)
{
  char head[64];
  int head_len = snprintf(head, sizeof(head), "{\"seq\":%lld,\"pad\":\"", seq);
  char *line = malloc(len + 1);

  ck_assert_ptr_nonnull(line);
  ck_assert_uint_gt(len, (size_t)head_len + 2);
  memcpy(line, head, (size_t)head_len);
  memset(line + head_len, 'x', len - (size_t)head_len - 2);
  memcpy(line + len - 2, "\"}\n", 3);
  text_add(text, line, len + 1);
  free(line);
}

START_TEST(test_line_over_1_mib_is_skipped_and_later_records_recovered)
{
  struct text content = { NULL, 0 };
  struct journal *journal;
  char *logged;

  text_add_record(&content, 0);
  /* A valid record but for its length: the length alone rejects it. */
  text_add_padded_record(&content, 9, PROTO_LINE_MAX + 1);
  text_add_record(&content, 1);
  text_add_record(&content, 2);
  write_file(NAME, content.bytes, content.len);

  journal = open_journal_logged(10, &logged);
  ck_assert_int_eq(journal_count(journal), 3);
  for(long long seq = 0; seq <= 10; seq++)
    ck_assert_msg(journal_has(journal, seq) == (seq <= 2), "seq %lld", seq);
  journal_close(journal);
  assert_file_is(NAME, content.bytes, content.len);
  ck_assert_ptr_nonnull(strstr(logged, NAME ":2: longer than 1048576 bytes"));
  free(logged);
  free(content.bytes);
}
END_TEST

START_TEST(test_record_line_of_exactly_1_mib_is_recovered)
{
  struct text content = { NULL, 0 };
  struct journal *journal;

  text_add_record(&content, 0);
  text_add_padded_record(&content, 9, PROTO_LINE_MAX);
  text_add_record(&content, 1);
  write_file(NAME, content.bytes, content.len);

  journal = open_journal(10);
  ck_assert_int_eq(journal_count(journal), 3);
  ck_assert(journal_has(journal, 9));
  ck_assert(journal_has(journal, 1));
  journal_close(journal);
  free(content.bytes);
}
END_TEST

START_TEST(test_torn_line_over_1_mib_is_cut)
{
  struct text content = { NULL, 0 };
  struct journal *journal;
  size_t kept;

  text_add_record(&content, 0);
  kept = content.len;
  text_add_padded_record(&content, 9, PROTO_LINE_MAX + 100);
  content.len--; /* no '\n' */
  write_file(NAME, content.bytes, content.len);

  journal = open_journal(10);
  ck_assert_int_eq(journal_count(journal), 1);
  journal_close(journal);
  ck_assert_int_eq(file_size(NAME), (long long)kept);
  free(content.bytes);
}
END_TEST

START_TEST(test_queue_is_written_once_it_holds_write_bytes)
{
  struct journal *journal = open_journal(100000);
  size_t queued = 0;
  long long seq = 0;

  while(queued + 256 < JOURNAL_WRITE_BYTES) {
    char line[256];
    size_t len = record_line(line, sizeof(line), seq);

    ck_assert_int_eq(journal_append(journal, seq++, line, len), 0);
    queued += len;
  }
  ck_assert_int_eq(file_size(NAME), 0);
  while(queued < JOURNAL_WRITE_BYTES) {
    char line[256];
    size_t len = record_line(line, sizeof(line), seq);

    ck_assert_int_eq(journal_append(journal, seq++, line, len), 0);
    queued += len;
    ck_assert_int_eq(file_size(NAME),
                     queued >= JOURNAL_WRITE_BYTES ? (long long)queued : 0);
  }
  ck_assert_int_eq(journal_unsynced(journal), seq);
  append_record(journal, seq, 0);
  ck_assert_int_eq(file_size(NAME), (long long)queued);
  ck_assert_int_eq(journal_sync(journal), 0);
  ck_assert_int_eq(journal_unsynced(journal), 0);
  ck_assert_int_gt(file_size(NAME), (long long)queued);
  journal_close(journal);
}
END_TEST

START_TEST(test_unsynced_counts_appends_and_resets_on_sync)
{
  struct journal *journal = open_journal(100);

  append_record(journal, 1, 0);
  append_record(journal, 2, 0);
  append_record(journal, 2, 1);
  ck_assert_int_eq(journal_unsynced(journal), 2);
  ck_assert_int_eq(journal_sync(journal), 0);
  ck_assert_int_eq(journal_unsynced(journal), 0);
  append_record(journal, 3, 0);
  ck_assert_int_eq(journal_unsynced(journal), 1);
  ck_assert_int_eq(journal_sync(journal), 0);
  ck_assert_int_eq(journal_sync(journal), 0);
  ck_assert_int_eq(journal_unsynced(journal), 0);
  ck_assert_int_eq(journal_count(journal), 3);
  journal_close(journal);
}
END_TEST

START_TEST(test_close_discards_unsynced_records)
{
  struct journal *journal = open_journal(100);

  append_record(journal, 1, 0);
  journal_close(journal);
  ck_assert_int_eq(file_size(NAME), 0);
  journal = open_journal(100);
  ck_assert(!journal_has(journal, 1));
  journal_close(journal);
}
END_TEST

START_TEST(test_close_of_null_does_nothing)
{
  journal_close(NULL);
}
END_TEST

START_TEST(test_large_seqs_are_recorded_and_recovered)
{
  struct journal *journal = open_journal(20000000);

  append_record(journal, 0, 0);
  append_record(journal, 10000000, 0);
  ck_assert(journal_has(journal, 0));
  ck_assert(journal_has(journal, 10000000));
  ck_assert(!journal_has(journal, 5));
  ck_assert(!journal_has(journal, 9999999));
  ck_assert(!journal_has(journal, 10000001));
  ck_assert(!journal_has(journal, 20000000));
  append_record(journal, 20000000, 0);
  append_record(journal, 20000001, -1);
  ck_assert_int_eq(journal_sync(journal), 0);
  journal_close(journal);

  journal = open_journal(20000000);
  ck_assert_int_eq(journal_count(journal), 3);
  ck_assert(journal_has(journal, 10000000));
  ck_assert(journal_has(journal, 20000000));
  ck_assert(!journal_has(journal, 5));
  journal_close(journal);
}
END_TEST

START_TEST(test_open_on_symlink_fails_with_cause)
{
  char *cause = NULL;
  struct journal *journal;

  ck_assert_int_eq(symlinkat("target.jsonl", dir_fd, NAME), 0);
  journal = journal_open(dir_fd, NAME, 10, &cause);
  ck_assert_ptr_null(journal);
  ck_assert_ptr_nonnull(cause);
  ck_assert_msg(strstr(cause, NAME ": ") == cause, "cause: %s", cause);
  ck_assert_int_eq(faccessat(dir_fd, "target.jsonl", F_OK, 0), -1);
  free(cause);
}
END_TEST

START_TEST(test_open_on_fifo_fails_with_cause)
{
  char *cause = NULL;
  struct journal *journal;

  ck_assert_int_eq(mkfifoat(dir_fd, NAME, 0600), 0);
  journal = journal_open(dir_fd, NAME, 10, &cause);
  ck_assert_ptr_null(journal);
  ck_assert_str_eq(cause, NAME ": not a regular file");
  free(cause);
}
END_TEST

START_TEST(test_open_in_read_only_directory_fails_with_cause)
{
  char *cause = NULL;
  struct journal *journal;
  int ro_fd;

  /* Root creates files whatever the directory's mode says. */
  if(geteuid() == 0)
    return;
  ck_assert_int_eq(chmod(case_dir, 0500), 0);
  ro_fd = open(case_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge(ro_fd, 0);
  journal = journal_open(ro_fd, NAME, 10, &cause);
  close(ro_fd);
  ck_assert_ptr_null(journal);
  ck_assert_str_eq(cause, NAME ": Permission denied");
  free(cause);
}
END_TEST

/* RLIMIT_FSIZE makes write() stop at a size: a short write up to it, then
 * EFBIG, as on a full disk. The limit is lifted right after, like space
 * freed on that disk: the journal must still refuse to write, since its
 * file now ends in part of a line. */
START_TEST(test_failed_write_fails_every_later_append_and_sync)
{
  enum { LIMIT = 1000, RECORDS = 2000 };
  struct journal *journal = open_journal(RECORDS);
  struct text lines = { NULL, 0 };
  size_t line_start[RECORDS + 1];
  struct rlimit saved_limit;
  struct rlimit limit;
  void (*saved_handler)(int);
  int seq = 0;
  int rc;
  int append_errno = 0;
  int flushing = 0; /* the seq whose append fills the queue */
  int complete = 0; /* the records wholly below LIMIT */

  /* Every line is made before the limit is set: Check writes to a file of
   * its own in each assertion, and the limit would cut that one too. */
  for(int i = 0; i < RECORDS; i++) {
    line_start[i] = lines.len;
    text_add_record(&lines, i);
  }
  line_start[RECORDS] = lines.len;
  while(line_start[flushing + 1] < JOURNAL_WRITE_BYTES)
    flushing++;
  while(line_start[complete + 1] <= LIMIT)
    complete++;
  ck_assert_int_lt(flushing, RECORDS);

  ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved_limit), 0);
  limit = saved_limit;
  limit.rlim_cur = LIMIT;
  saved_handler = signal(SIGXFSZ, SIG_IGN);
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
  do {
    rc = journal_append(journal, seq, lines.bytes + line_start[seq],
                        line_start[seq + 1] - line_start[seq]);
    append_errno = errno;
    seq++;
  } while(rc == 0 && seq < RECORDS);
  /* Restored before any assertion, which may end the test. */
  setrlimit(RLIMIT_FSIZE, &saved_limit);
  signal(SIGXFSZ, saved_handler);

  ck_assert_int_eq(rc, -1);
  ck_assert_int_eq(append_errno, EFBIG);
  ck_assert_int_eq(seq - 1, flushing);
  ck_assert_int_eq(file_size(NAME), LIMIT);
  errno = 0;
  ck_assert_int_eq(journal_sync(journal), -1);
  ck_assert_int_eq(errno, EFBIG);
  errno = 0;
  ck_assert_int_eq(journal_append(journal, RECORDS, "{\"seq\":0}\n", 10), -1);
  ck_assert_int_eq(errno, EFBIG);
  journal_close(journal);
  ck_assert_int_eq(file_size(NAME), LIMIT);

  /* The next start-up cuts the partial line the failure left. */
  journal = open_journal(RECORDS);
  ck_assert_int_eq(journal_count(journal), complete);
  ck_assert(journal_has(journal, complete - 1));
  ck_assert(!journal_has(journal, complete));
  journal_close(journal);
  assert_file_is(NAME, lines.bytes, line_start[complete]);
  free(lines.bytes);
}
END_TEST

static Suite *journal_suite(void)
{
  Suite *suite = suite_create("journal");
  TCase *basics = tcase_create("basics");
  TCase *recovery = tcase_create("recovery");
  TCase *files = tcase_create("files");

  tcase_add_checked_fixture(basics, case_setup, case_teardown);
  tcase_add_test(basics, test_new_journal_is_empty_file);
  tcase_add_test(basics, test_new_journal_is_created_with_mode_0640);
  tcase_add_test(basics, test_synced_records_are_lines_in_append_order);
  tcase_add_test(basics, test_reopen_recovers_exactly_the_recorded_seqs);
  tcase_add_test(basics,
                 test_append_of_recorded_seq_returns_1_and_writes_nothing);
  tcase_add_test(basics, test_append_of_seq_recorded_before_reopen_returns_1);
  tcase_add_test(basics, test_append_outside_0_to_max_seq_returns_minus_1);
  tcase_add_test(basics, test_queue_is_written_once_it_holds_write_bytes);
  tcase_add_test(basics, test_unsynced_counts_appends_and_resets_on_sync);
  tcase_add_test(basics, test_close_discards_unsynced_records);
  tcase_add_test(basics, test_close_of_null_does_nothing);
  tcase_add_test(basics, test_large_seqs_are_recorded_and_recovered);
  suite_add_tcase(suite, basics);

  tcase_add_checked_fixture(recovery, case_setup, case_teardown);
  tcase_set_timeout(recovery, 60);
  tcase_add_test(recovery,
                 test_torn_last_line_at_any_byte_is_cut_and_refilled);
  tcase_add_test(recovery, test_line_not_json_is_skipped_and_kept);
  tcase_add_test(recovery,
                 test_json_line_that_is_not_an_object_is_skipped_and_kept);
  tcase_add_test(recovery, test_empty_line_is_skipped_and_kept);
  tcase_add_test(recovery, test_line_without_seq_is_skipped_and_kept);
  tcase_add_test(recovery, test_line_with_string_seq_is_skipped_and_kept);
  tcase_add_test(recovery, test_line_with_real_seq_is_skipped_and_kept);
  tcase_add_test(recovery,
                 test_line_with_seq_above_max_seq_is_skipped_and_kept);
  tcase_add_test(recovery, test_line_with_negative_seq_is_skipped_and_kept);
  tcase_add_test(recovery, test_line_with_seq_seen_before_is_skipped_and_kept);
  tcase_add_test(recovery, test_skipped_line_stays_when_torn_tail_is_cut);
  tcase_add_test(recovery,
                 test_line_over_1_mib_is_skipped_and_later_records_recovered);
  tcase_add_test(recovery, test_record_line_of_exactly_1_mib_is_recovered);
  tcase_add_test(recovery, test_torn_line_over_1_mib_is_cut);
  suite_add_tcase(suite, recovery);

  tcase_add_checked_fixture(files, case_setup, case_teardown);
  tcase_add_test(files, test_open_on_symlink_fails_with_cause);
  tcase_add_test(files, test_open_on_fifo_fails_with_cause);
  tcase_add_test(files, test_open_in_read_only_directory_fails_with_cause);
  tcase_add_test(files, test_failed_write_fails_every_later_append_and_sync);
  suite_add_tcase(suite, files);
  return suite;
}

int main(void)
{
  const char *tmp = getenv("TMPDIR");
  SRunner *runner;
  int failed;

  if(!tmp || !*tmp)
    tmp = "/tmp";
  snprintf(root_dir, sizeof(root_dir), "%s/check_journal.XXXXXX", tmp);
  if(!mkdtemp(root_dir)) {
    fprintf(stderr, "mkdtemp %s: %s\n", root_dir, strerror(errno));
    return EXIT_FAILURE;
  }
  /* Recovery warns about every bad line the tests plant; only the tests
   * that look at those warnings show them (to a file). */
  log_set_ident("check_journal");
  log_set_level(LOG_ERR);

  runner = srunner_create(journal_suite());
  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);

  remove_tree(root_dir);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
