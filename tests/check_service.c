/* check_service.c - crawld as a service, whole: job files dropped into its
 * spool, picked up, crawled and journaled; hostile files and names; kills
 * of the daemon and of its workers; reload, drain, logs and sd_notify.
 *
 * Each test is a test case of its own, with its own test server and
 * temporary directory (an unchecked fixture, so that a failed assertion
 * still stops every daemon and removes the directory). Deadlines are
 * generous (WAIT_S) and assert nothing about speed, except where a test
 * says so. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"

/* How long anything may take before the test fails. */
#define WAIT_S 30.0
#define JOB_ID_PATTERN "^[0-9]{8}T[0-9]{6}Z-[0-9]{6}-[0-9a-f]{4}$"
#define LOG_LINE_PATTERN "^<[0-7]>crawld(-worker)?\\[[0-9]+\\]: "
#define MAX_JOBS 16

static struct harness h;
static struct harness_service_paths paths;

static void setup(void)
{
  harness_start_service(&h);
  harness_service_paths(&h, &paths);
}

static void teardown(void)
{
  harness_stop_service(&h);
}

/* --- helpers --------------------------------------------------------------
 */

static bool exists(const char *path)
{
  struct stat st;

  return lstat(path, &st) == 0;
}

static void write_conf(const char *text)
{
  harness_service_conf(&h, text);
}

/* crawld --config DIR/crawld.conf --state-dir DIR/state --runtime-dir
 * DIR/run FLAGS..., logging to DIR/crawld.log. */
static pid_t start_daemon(const char *const flags[], const char *const env[])
{
  return harness_service_start(&h, &paths, flags, env);
}

static int count_in(const char *text, const char *needle)
{
  int count = 0;

  for(const char *at_ = strstr(text, needle); at_ != NULL;
      at_ = strstr(at_ + 1, needle))
    count++;
  return count;
}

/* Times needle occurs in crawld.log. */
static int log_count(const char *needle)
{
  char *text = harness_read_text(paths.log_path);
  int count = count_in(text, needle);

  free(text);
  return count;
}

/* True while the daemon runs; fails the test, with its log, once it has
 * exited. */
static bool alive(pid_t pid)
{
  return harness_service_alive(&h, &paths, pid);
}

/* Waits for the nth "ready:" in the log (the log keeps every start). */
static void wait_ready(pid_t pid, int nth)
{
  HARNESS_WAIT_UNTIL(alive(pid) && log_count("]: ready: ") >= nth, WAIT_S,
                     "crawld start %d to be ready", nth);
}

/* Stops the daemon with SIGTERM and checks it exits 0. */
static void stop_daemon(pid_t pid)
{
  harness_service_stop(&h, pid, WAIT_S);
}

static void drop_urls(const char *name, long long count, const char *path_fmt)
{
  size_t len;
  char *text = harness_url_lines(&h, count, path_fmt, &len);

  harness_drop_job(paths.state_dir, name, text, len);
  free(text);
}

static int compare_ids(const void *a, const void *b)
{
  return strcmp((const char *)a, (const char *)b);
}

/* The ids of the jobs that have an ID.meta in state/sub, sorted. */
static size_t list_ids(const char *sub, char ids[][64], size_t max)
{
  DIR *dir = opendir(harness_fmt("%s/%s", paths.state_dir, sub));
  struct dirent *entry;
  size_t count = 0;

  if(dir == NULL)
    return 0;
  while((entry = readdir(dir)) != NULL) {
    size_t len = strlen(entry->d_name);

    if(entry->d_name[0] == '.' || len <= 5 || len - 5 >= 64 ||
       strcmp(entry->d_name + len - 5, ".meta") != 0)
      continue;
    ck_assert_uint_lt(count, max);
    memcpy(ids[count], entry->d_name, len - 5);
    ids[count][len - 5] = '\0';
    count++;
  }
  closedir(dir);
  qsort(ids, count, sizeof(ids[0]), compare_ids);
  return count;
}

/* Entries of a directory, dot-entries included ("." and ".." not). */
static size_t dir_size(const char *path)
{
  DIR *dir = opendir(path);
  struct dirent *entry;
  size_t count = 0;

  ck_assert_msg(dir != NULL, "%s: %s", path, strerror(errno));
  while((entry = readdir(dir)) != NULL) {
    if(strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
      count++;
  }
  closedir(dir);
  return count;
}

/* The ids of the claimed jobs (in processing/ or done/), sorted, each once.
 * A job can move from processing/ to done/ between two listings: done/,
 * processing/, done/ again sees it at least once whenever it moves, and the
 * duplicates go. */
static size_t claimed_ids(char ids[][64], size_t max)
{
  char seen[3 * MAX_JOBS][64];
  size_t listed;
  size_t count = 0;

  listed = list_ids("done", seen, MAX_JOBS);
  listed += list_ids("processing", seen + listed, MAX_JOBS);
  listed += list_ids("done", seen + listed, MAX_JOBS);
  qsort(seen, listed, sizeof(seen[0]), compare_ids);
  for(size_t i = 0; i < listed; i++) {
    if(count > 0 && strcmp(ids[count - 1], seen[i]) == 0)
      continue;
    ck_assert_uint_lt(count, max);
    memcpy(ids[count++], seen[i], sizeof(seen[i]));
  }
  return count;
}

static size_t claimed_count(void)
{
  char ids[3 * MAX_JOBS][64];

  return claimed_ids(ids, 3 * MAX_JOBS);
}

/* Waits until count jobs are claimed and puts their ids, sorted, in ids
 * (room for MAX_JOBS). */
static void wait_claimed(size_t count, char ids[][64])
{
  HARNESS_WAIT_UNTIL(claimed_count() >= count, WAIT_S, "%zu claimed jobs",
                     count);
  ck_assert_uint_eq(claimed_ids(ids, MAX_JOBS), count);
}

static bool is_done(const char *id)
{
  return exists(harness_fmt("%s/done/%s.jsonl", paths.state_dir, id));
}

static void wait_done(const char *id)
{
  HARNESS_WAIT_UNTIL(is_done(id), WAIT_S, "job %s to be done", id);
}

static json_t *read_json(const char *path)
{
  json_error_t error;
  json_t *value = json_load_file(path, 0, &error);

  ck_assert_msg(value != NULL, "%s: %s", path, error.text);
  return value;
}

static const char *str(json_t *object, const char *key)
{
  json_t *value = json_object_get(object, key);

  ck_assert_msg(json_is_string(value), "%s is not a string", key);
  return json_string_value(value);
}

static long long num(json_t *object, const char *key)
{
  json_t *value = json_object_get(object, key);

  ck_assert_msg(json_is_integer(value), "%s is not an integer", key);
  return json_integer_value(value);
}

static const char *error_code(json_t *record)
{
  json_t *error = json_object_get(record, "error");

  return json_is_object(error) ? str(error, "code") : NULL;
}

/* The final journal of a job: every line complete JSON. */
static json_t *done_records(const char *id)
{
  json_t *records = harness_read_journal(
      harness_fmt("%s/done/%s.jsonl", paths.state_dir, id), false);

  ck_assert_msg(records != NULL, "job %s has no journal in done/", id);
  return records;
}

/* Records per seq in a journal: how many seqs in [0, lines) have none
 * (lost) and how many records are extra (doubled). Every record must carry
 * job id and a seq in range. */
struct tally {
  long long records;
  long long lost;
  long long doubled;
};

static void tally(json_t *records, const char *id, long long lines,
                  struct tally *t)
{
  unsigned char *seen = calloc((size_t)lines, 1);
  size_t index;
  json_t *record;

  ck_assert_ptr_nonnull(seen);
  memset(t, 0, sizeof(*t));
  json_array_foreach(records, index, record)
  {
    long long seq = num(record, "seq");

    ck_assert_str_eq(str(record, "job"), id);
    ck_assert_msg(seq >= 0 && seq < lines, "seq %lld out of range", seq);
    if(seen[seq] > 0)
      t->doubled++;
    else
      seen[seq] = 1;
    t->records++;
  }
  for(long long seq = 0; seq < lines; seq++)
    t->lost += seen[seq] == 0;
  free(seen);
}

/* Exactly one record per line, each for the URL of its line (path_fmt as
 * in harness_url_lines). */
static void assert_one_per_line(json_t *records, const char *id,
                                long long lines, const char *path_fmt)
{
  struct tally t;
  size_t index;
  json_t *record;

  tally(records, id, lines, &t);
  ck_assert_msg(t.lost == 0 && t.doubled == 0 && t.records == lines,
                "job %s: %lld records for %lld lines, %lld lost, %lld doubled",
                id, t.records, lines, t.lost, t.doubled);
  json_array_foreach(records, index, record)
  {
    char path[256];
    char *url;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(path, sizeof(path), path_fmt, num(record, "seq"));
#pragma GCC diagnostic pop
    url = harness_url(&h, path);
    ck_assert_str_eq(str(record, "url"), url);
    free(url);
  }
}

/* Counts the complete lines of a growing file, reading only what is new. */
struct line_counter {
  char path[600];
  off_t offset;
  long long lines;
};

static void counter_init(struct line_counter *c, const char *path)
{
  memset(c, 0, sizeof(*c));
  snprintf(c->path, sizeof(c->path), "%s", path);
}

static long long counter_lines(struct line_counter *c)
{
  int fd = open(c->path, O_RDONLY | O_CLOEXEC);
  char chunk[65536];
  struct stat st;
  ssize_t got;

  if(fd < 0)
    return c->lines;
  ck_assert_int_eq(fstat(fd, &st), 0);
  if(st.st_size < c->offset) { /* cut at a restart: count again */
    c->offset = 0;
    c->lines = 0;
  }
  while((got = pread(fd, chunk, sizeof(chunk), c->offset)) > 0) {
    c->offset += got;
    for(ssize_t i = 0; i < got; i++)
      c->lines += chunk[i] == '\n';
  }
  close(fd);
  return c->lines;
}

/* Deterministic pseudo-random numbers (splitmix64). */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
  uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Uniform in [low, high). */
static double rng_between(double low, double high)
{
  return low + (high - low) * (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* --- pick-up ------------------------------------------------------------ */

START_TEST(test_renamed_file_is_claimed_within_1s_by_inotify_and_crawled)
{
  enum { URLS = 200, LINES = 203, COMMENT = 0, BLANK = 101, BAD = 150 };
  static const char name[] = "batch 1.txt";
  char *expected[LINES] = { NULL };
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  bool seen[LINES] = { false };
  char ids[MAX_JOBS][64];
  const char *id;
  json_t *records;
  json_t *meta;
  json_t *record;
  size_t index;
  char *urls;
  size_t urls_len;
  double dropped;
  double claimed_after;
  int url_index = 0;
  pid_t pid;

  for(int seq = 0; seq < LINES; seq++) {
    if(seq == COMMENT) {
      fprintf(out, "# %d URLs from the test\n", URLS);
    }
    else if(seq == BLANK) {
      fprintf(out, "\n");
    }
    else if(seq == BAD) {
      fprintf(out, "not a url\n");
    }
    else {
      expected[seq] = harness_url(&h, harness_fmt("/site/%d", url_index++));
      fprintf(out, "%s\n", expected[seq]);
    }
  }
  ck_assert_int_eq(fclose(out), 0);
  ck_assert_int_eq(url_index, URLS);
  /* Rescans are a minute apart: only inotify can be this quick. */
  write_conf("[spool]\nrescan_interval = 60\n");
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 1);

  dropped = harness_now();
  harness_drop_job(paths.state_dir, name, text, size);
  HARNESS_WAIT_UNTIL(
      !exists(harness_fmt("%s/incoming/%s", paths.state_dir, name)), WAIT_S,
      "%s to be claimed", name);
  claimed_after = harness_now() - dropped;
  ck_assert_msg(claimed_after <= 1.0, "claimed %.3f s after the rename",
                claimed_after);
  wait_claimed(1, ids);
  id = ids[0];
  ck_assert(harness_matches(id, JOB_ID_PATTERN));
  wait_done(id);

  records = done_records(id);
  ck_assert_uint_eq(json_array_size(records), URLS + 1);
  json_array_foreach(records, index, record)
  {
    long long seq = num(record, "seq");

    ck_assert_str_eq(str(record, "job"), id);
    ck_assert(seq >= 0 && seq < LINES);
    ck_assert_msg(!seen[seq], "seq %lld twice", seq);
    seen[seq] = true;
    ck_assert(seq != COMMENT && seq != BLANK);
    if(seq == BAD) {
      ck_assert_str_eq(error_code(record), "bad_url");
      ck_assert(json_is_false(json_object_get(record, "ok")));
      continue;
    }
    ck_assert_str_eq(str(record, "url"), expected[seq]);
    ck_assert(json_is_true(json_object_get(record, "ok")));
    ck_assert_int_eq(num(record, "status"), 200);
  }
  urls = harness_read_file(harness_fmt("%s/done/%s.urls", paths.state_dir, id),
                           &urls_len);
  ck_assert_ptr_nonnull(urls);
  ck_assert_uint_eq(urls_len, size);
  ck_assert(memcmp(urls, text, size) == 0);
  meta = read_json(harness_fmt("%s/done/%s.meta", paths.state_dir, id));
  ck_assert_str_eq(str(meta, "file_name"), name);
  ck_assert_str_eq(str(meta, "job"), id);
  ck_assert_int_eq(num(meta, "bytes"), (long long)size);
  ck_assert_uint_eq(dir_size(harness_fmt("%s/processing", paths.state_dir)),
                    0);
  stop_daemon(pid);

  json_decref(meta);
  json_decref(records);
  free(urls);
  free(text);
  for(int seq = 0; seq < LINES; seq++)
    free(expected[seq]);
}
END_TEST

START_TEST(test_file_present_before_start_is_claimed_by_the_start_up_scan)
{
  char ids[MAX_JOBS][64];
  json_t *records;
  char *log;
  pid_t pid;

  write_conf("[spool]\nrescan_interval = 60\n");
  drop_urls("early.txt", 20, "/site/%lld");
  pid = start_daemon(NULL, NULL);
  wait_claimed(1, ids);
  wait_done(ids[0]);
  records = done_records(ids[0]);
  assert_one_per_line(records, ids[0], 20, "/site/%lld");
  /* Claimed before the daemon said it was ready: the start-up scan. */
  log = harness_read_text(paths.log_path);
  ck_assert_ptr_nonnull(strstr(log, "incoming/early.txt as job"));
  ck_assert_ptr_nonnull(strstr(log, "]: ready: "));
  ck_assert(strstr(log, "incoming/early.txt as job") <
            strstr(log, "]: ready: "));
  stop_daemon(pid);
  free(log);
  json_decref(records);
}
END_TEST

/* link(2) makes a name appear with IN_CREATE only: no IN_MOVED_TO, no
 * IN_CLOSE_WRITE, which are what crawld watches for. */
static void link_in(const char *name)
{
  size_t len;
  char *text = harness_url_lines(&h, 10, "/site/%lld", &len);
  char *source = harness_write(&h, "linked-source.txt", text, len);

  ck_assert_int_eq(
      link(source, harness_fmt("%s/incoming/%s", paths.state_dir, name)), 0);
  ck_assert_int_eq(unlink(source), 0);
  free(source);
  free(text);
}

START_TEST(test_periodic_rescan_claims_a_file_inotify_does_not_report)
{
  char ids[MAX_JOBS][64];
  json_t *records;
  pid_t pid;

  /* The control: with rescans a minute apart, a linked-in file stays. */
  write_conf("[spool]\nrescan_interval = 60\n");
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 1);
  link_in("linked.txt");
  harness_sleep(0.5);
  ck_assert(exists(harness_fmt("%s/incoming/linked.txt", paths.state_dir)));
  ck_assert_uint_eq(claimed_count(), 0);
  ck_assert_int_eq(
      unlink(harness_fmt("%s/incoming/linked.txt", paths.state_dir)), 0);
  stop_daemon(pid);

  /* With rescans 0.2 s apart it is claimed and crawled. */
  write_conf("[spool]\nrescan_interval = 0.2\n");
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 2);
  link_in("linked.txt");
  wait_claimed(1, ids);
  wait_done(ids[0]);
  records = done_records(ids[0]);
  assert_one_per_line(records, ids[0], 10, "/site/%lld");
  stop_daemon(pid);
  json_decref(records);
}
END_TEST

START_TEST(test_dot_files_directories_fifos_and_symlinks_are_left_alone)
{
  static const char hidden_text[] = "http://127.0.0.1:1/hidden\n";
  char ids[MAX_JOBS][64];
  char target[300];
  char link_text[300];
  char *hidden;
  json_t *records;
  struct stat st;
  ssize_t link_len;
  pid_t pid;

  free(harness_write(&h, "target.txt", "http://127.0.0.1:1/target\n", 26));
  snprintf(target, sizeof(target), "%s/target.txt", h.dir);
  harness_drop_job(paths.state_dir, ".hidden", hidden_text,
                   strlen(hidden_text));
  ck_assert_int_eq(
      mkdir(harness_fmt("%s/incoming/subdir", paths.state_dir), 0750), 0);
  free(harness_write(&h, "state/incoming/subdir/inner.txt",
                     "http://127.0.0.1:1/inner\n", 25));
  ck_assert_int_eq(
      mkfifo(harness_fmt("%s/incoming/fifo", paths.state_dir), 0640), 0);
  ck_assert_int_eq(
      symlink(target, harness_fmt("%s/incoming/link", paths.state_dir)), 0);
  ck_assert_int_eq(
      symlink("/nonexistent/x",
              harness_fmt("%s/incoming/dangling", paths.state_dir)),
      0);

  write_conf("[spool]\nrescan_interval = 0.2\n");
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 1);
  /* A rename makes crawld scan incoming/ again, all of it. */
  drop_urls("good.txt", 5, "/site/%lld");
  wait_claimed(1, ids);
  wait_done(ids[0]);
  records = done_records(ids[0]);
  assert_one_per_line(records, ids[0], 5, "/site/%lld");
  harness_sleep(0.5); /* and a few rescans */
  ck_assert_int_eq(alive(pid), true);

  hidden = harness_read_file(
      harness_fmt("%s/incoming/.hidden", paths.state_dir), NULL);
  ck_assert_ptr_nonnull(hidden);
  ck_assert_str_eq(hidden, hidden_text);
  ck_assert_int_eq(
      lstat(harness_fmt("%s/incoming/subdir", paths.state_dir), &st), 0);
  ck_assert(S_ISDIR(st.st_mode));
  ck_assert(
      exists(harness_fmt("%s/incoming/subdir/inner.txt", paths.state_dir)));
  ck_assert_int_eq(
      lstat(harness_fmt("%s/incoming/fifo", paths.state_dir), &st), 0);
  ck_assert(S_ISFIFO(st.st_mode));
  ck_assert_int_eq(
      lstat(harness_fmt("%s/incoming/link", paths.state_dir), &st), 0);
  ck_assert(S_ISLNK(st.st_mode));
  link_len = readlink(harness_fmt("%s/incoming/link", paths.state_dir),
                      link_text, sizeof(link_text) - 1);
  ck_assert_int_gt(link_len, 0);
  link_text[link_len] = '\0';
  ck_assert_str_eq(link_text, target);
  ck_assert(exists(target));
  ck_assert_int_eq(
      lstat(harness_fmt("%s/incoming/dangling", paths.state_dir), &st), 0);
  ck_assert(S_ISLNK(st.st_mode));
  /* .tmp, .hidden, subdir, fifo, link, dangling */
  ck_assert_uint_eq(dir_size(harness_fmt("%s/incoming", paths.state_dir)), 6);
  ck_assert_uint_eq(dir_size(harness_fmt("%s/failed", paths.state_dir)), 0);
  ck_assert_uint_eq(claimed_count(), 1);
  stop_daemon(pid);
  free(hidden);
  json_decref(records);
}
END_TEST

START_TEST(test_oversized_and_binary_files_go_to_failed_with_a_reason)
{
  unsigned char binary[1000]; /* under max_job_size: refused as binary */
  char failed[MAX_JOBS][64];
  char ids[MAX_JOBS][64];
  char *big;
  size_t big_len;
  json_t *records;
  pid_t pid;

  big = harness_url_lines(&h, 40, "/site/%lld", &big_len);
  ck_assert_uint_gt(big_len, 1024);
  rng_state = 4;
  for(size_t i = 0; i < sizeof(binary); i++)
    binary[i] = i % 4 == 0 ? 0 : (unsigned char)rng_next();
  write_conf("[spool]\nmax_job_size = 1K\n");
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 1);
  harness_drop_job(paths.state_dir, "big.txt", big, big_len);
  harness_drop_job(paths.state_dir, "blob.bin", binary, sizeof(binary));
  drop_urls("good.txt", 5, "/site/%lld");
  wait_claimed(1, ids);
  wait_done(ids[0]);
  records = done_records(ids[0]);
  assert_one_per_line(records, ids[0], 5, "/site/%lld");
  ck_assert_int_eq(alive(pid), true);

  ck_assert_uint_eq(list_ids("failed", failed, MAX_JOBS), 2);
  for(int i = 0; i < 2; i++) {
    const char *id = failed[i];
    json_t *meta =
        read_json(harness_fmt("%s/failed/%s.meta", paths.state_dir, id));
    char *reason = harness_read_file(
        harness_fmt("%s/failed/%s.reason", paths.state_dir, id), NULL);
    size_t kept_len;
    char *kept = harness_read_file(
        harness_fmt("%s/failed/%s.urls", paths.state_dir, id), &kept_len);
    const char *name = str(meta, "file_name");

    ck_assert(harness_matches(id, JOB_ID_PATTERN));
    ck_assert_ptr_nonnull(reason);
    ck_assert_ptr_nonnull(kept);
    ck_assert(!exists(harness_fmt("%s/failed/%s.jsonl", paths.state_dir, id)));
    if(strcmp(name, "big.txt") == 0) {
      ck_assert_str_eq(
          reason,
          harness_fmt("it is %zu bytes; max_job_size is 1024\n", big_len));
      ck_assert_uint_eq(kept_len, big_len);
      ck_assert(memcmp(kept, big, big_len) == 0);
    }
    else {
      ck_assert_str_eq(name, "blob.bin");
      ck_assert_msg(strncmp(reason, "not text: ", 10) == 0, "reason: %s",
                    reason);
      ck_assert_uint_eq(kept_len, sizeof(binary));
      ck_assert(memcmp(kept, binary, sizeof(binary)) == 0);
    }
    json_decref(meta);
    free(reason);
    free(kept);
  }
  /* Three files each: .urls .meta .reason, and nothing else. */
  ck_assert_uint_eq(dir_size(harness_fmt("%s/failed", paths.state_dir)), 6);
  stop_daemon(pid);
  json_decref(records);
  free(big);
}
END_TEST

/* NAME.options beside NAME: the job's options for producers without xattr
 * tools (crawld(8)); bad options refuse the job with the reason; an
 * options file alone is left for its URL file. */
START_TEST(test_an_options_file_gives_its_url_file_the_job_options)
{
  static const char good[] = "{\"depth\":1}";
  static const char bad[] = "{\"depth\":\"two\"}";
  static const char alone[] = "{\"robots\":false}";
  char failed[MAX_JOBS][64];
  char ids[MAX_JOBS][64];
  json_t *records, *record;
  size_t index;
  char *reason;
  pid_t pid;

  write_conf("");
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 1);
  harness_drop_job(paths.state_dir, "alone.txt.options", alone,
                   sizeof(alone) - 1);
  harness_drop_job(paths.state_dir, "bad.txt.options", bad, sizeof(bad) - 1);
  drop_urls("bad.txt", 1, "/site/%lld");
  harness_drop_job(paths.state_dir, "seed.txt.options", good,
                   sizeof(good) - 1);
  drop_urls("seed.txt", 1, "/site/%lld");
  wait_claimed(1, ids);
  wait_done(ids[0]);
  /* /site/0 links to /site/1 and /site/3: depth 1 fetches them too. */
  records = done_records(ids[0]);
  ck_assert_uint_eq(json_array_size(records), 3);
  json_array_foreach(records, index, record)
  {
    long long seq = num(record, "seq");
    const char *url = str(record, "url");
    char *site0 = harness_url(&h, "/site/0");
    char *site1 = harness_url(&h, "/site/1");
    char *site3 = harness_url(&h, "/site/3");

    ck_assert_int_eq(num(record, "depth"), seq == 0 ? 0 : 1);
    if(seq == 0)
      ck_assert_str_eq(url, site0);
    else
      ck_assert_msg(strcmp(url, site1) == 0 || strcmp(url, site3) == 0,
                    "seq %lld: %s", seq, url);
    free(site0);
    free(site1);
    free(site3);
  }
  json_decref(records);
  ck_assert(
      !exists(harness_fmt("%s/incoming/seed.txt.options", paths.state_dir)));

  ck_assert_uint_eq(list_ids("failed", failed, MAX_JOBS), 1);
  reason = harness_read_file(
      harness_fmt("%s/failed/%s.reason", paths.state_dir, failed[0]), NULL);
  ck_assert_str_eq(reason,
                   "bad.txt.options: depth: expected a JSON integer\n");
  free(reason);
  ck_assert(
      exists(harness_fmt("%s/failed/%s.options", paths.state_dir, failed[0])));
  ck_assert(
      exists(harness_fmt("%s/incoming/alone.txt.options", paths.state_dir)));
  ck_assert_uint_eq(claimed_count(), 1);
  stop_daemon(pid);
}
END_TEST

START_TEST(test_hostile_file_names_become_jobs_under_our_own_ids)
{
  enum { NAMES = 5 };
  char long_name[256];
  const char *names[NAMES] = { "line1\nline2",
                               "\xff\xfe"
                               "bytes",
                               long_name, "x..y", "-rf" };
  const char *shown[NAMES] = { "line1\nline2",
                               "\xef\xbf\xbd\xef\xbf\xbd"
                               "bytes",
                               long_name, "x..y", "-rf" };
  bool found[NAMES] = { false };
  char ids[MAX_JOBS][64];
  pid_t pid;

  memset(long_name, 'n', 255);
  long_name[255] = '\0';
  write_conf("");
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 1);
  for(int i = 0; i < NAMES; i++)
    drop_urls(names[i], 1, harness_fmt("/site/%d?n=%%lld", i));
  wait_claimed(NAMES, ids);
  for(int i = 0; i < NAMES; i++)
    wait_done(ids[i]);
  for(int i = 0; i < NAMES; i++) {
    const char *id = ids[i];
    json_t *meta =
        read_json(harness_fmt("%s/done/%s.meta", paths.state_dir, id));
    json_t *records = done_records(id);
    const char *name = str(meta, "file_name");
    int which = -1;

    /* jansson refuses invalid UTF-8, so the meta file parsed: it is valid. */
    ck_assert(harness_matches(id, JOB_ID_PATTERN));
    ck_assert_str_eq(str(meta, "job"), id);
    for(int n = 0; n < NAMES; n++) {
      if(strcmp(name, shown[n]) == 0)
        which = n;
    }
    ck_assert_msg(which >= 0, "unexpected file_name '%s'", name);
    ck_assert(!found[which]);
    found[which] = true;
    assert_one_per_line(records, id, 1,
                        harness_fmt("/site/%d?n=%%lld", which));
    json_decref(records);
    json_decref(meta);
  }
  stop_daemon(pid);
  /* Nothing anywhere but where it belongs: the test directory holds the
   * config, the log, the state and runtime directories (and the harness's
   * own list of daemons and the test server's site directory); the state
   * directory its own five entries. */
  ck_assert_uint_eq(dir_size(h.dir), 6);
  ck_assert(exists(paths.conf_path) && exists(paths.log_path) &&
            exists(paths.state_dir) && exists(paths.runtime_dir) &&
            exists(harness_fmt("%s/.daemons", h.dir)) &&
            exists(harness_fmt("%s/site", h.dir)));
  ck_assert_uint_eq(dir_size(paths.runtime_dir), 0);
  ck_assert_uint_eq(dir_size(paths.state_dir), 5);
  ck_assert(exists(harness_fmt("%s/crawld.lock", paths.state_dir)));
  ck_assert_uint_eq(dir_size(harness_fmt("%s/incoming", paths.state_dir)), 1);
  ck_assert_uint_eq(dir_size(harness_fmt("%s/incoming/.tmp", paths.state_dir)),
                    0);
  ck_assert_uint_eq(dir_size(harness_fmt("%s/processing", paths.state_dir)),
                    0);
  ck_assert_uint_eq(dir_size(harness_fmt("%s/failed", paths.state_dir)), 0);
  ck_assert_uint_eq(dir_size(harness_fmt("%s/done", paths.state_dir)),
                    3 * NAMES);
}
END_TEST

/* --- scheduling ---------------------------------------------------------- */

START_TEST(test_two_active_jobs_both_progress_before_either_is_done)
{
  enum { URLS = 300 };
  static const char path_fmt[] = "/delay?ms=20&n=%lld";
  const char *flags[] = { "-t", "1", "-p", "0", "-k", "2", NULL };
  struct line_counter counters[2];
  char ids[MAX_JOBS][64];
  long long lines[2] = { 0, 0 };
  bool shared = false;
  struct harness_deadline deadline;
  pid_t pid;

  write_conf("[spool]\nmax_active_jobs = 2\nsync_interval = 0.05\n");
  pid = start_daemon(flags, NULL);
  wait_ready(pid, 1);
  drop_urls("first.txt", URLS, path_fmt);
  drop_urls("second.txt", URLS, path_fmt);
  wait_claimed(2, ids);
  for(int i = 0; i < 2; i++)
    counter_init(&counters[i], harness_fmt("%s/processing/%s.jsonl",
                                           paths.state_dir, ids[i]));
  /* Fair sharing: both journals grow while both jobs run. Taking turns,
   * neither can finish before the other has records. */
  harness_deadline_start(&deadline, WAIT_S);
  while(!shared) {
    bool done[2] = { is_done(ids[0]), is_done(ids[1]) };

    for(int i = 0; i < 2; i++) {
      if(!done[i])
        lines[i] = counter_lines(&counters[i]);
    }
    ck_assert_msg(!(done[0] && lines[1] == 0) && !(done[1] && lines[0] == 0),
                  "one job finished before the other had a record");
    shared = !done[0] && !done[1] && lines[0] > 0 && lines[1] > 0;
    if(!shared)
      harness_deadline_tick(&deadline, "both jobs to have records");
  }
  for(int i = 0; i < 2; i++) {
    json_t *records;

    wait_done(ids[i]);
    records = done_records(ids[i]);
    assert_one_per_line(records, ids[i], URLS, path_fmt);
    json_decref(records);
  }
  stop_daemon(pid);
}
END_TEST

START_TEST(test_second_daemon_on_the_same_state_dir_exits_1)
{
  const char *args[] = {
    "--config",      paths.conf_path,   "--state-dir", paths.state_dir,
    "--runtime-dir", paths.runtime_dir, NULL
  };
  char ids[MAX_JOBS][64];
  char *second_log;
  char *lock;
  json_t *records;
  pid_t first;
  pid_t second;

  write_conf("");
  first = start_daemon(NULL, NULL);
  wait_ready(first, 1);
  second = harness_daemon_start(&h, "second.log", args, NULL);
  ck_assert_int_eq(harness_daemon_wait(&h, second, WAIT_S), 1);
  second_log = harness_read_text(harness_fmt("%s/second.log", h.dir));
  ck_assert_msg(strstr(second_log, "crawld.lock") != NULL, "its log: %s",
                second_log);
  ck_assert_ptr_nonnull(
      strstr(second_log, harness_fmt("(pid %ld)", (long)first)));
  ck_assert(harness_matches(second_log, LOG_LINE_PATTERN));
  lock = harness_read_text(harness_fmt("%s/crawld.lock", paths.state_dir));
  ck_assert_str_eq(lock, harness_fmt("%ld\n", (long)first));

  /* The first one goes on as if nothing happened. */
  ck_assert_int_eq(alive(first), true);
  drop_urls("after.txt", 10, "/site/%lld");
  wait_claimed(1, ids);
  wait_done(ids[0]);
  records = done_records(ids[0]);
  assert_one_per_line(records, ids[0], 10, "/site/%lld");
  stop_daemon(first);
  json_decref(records);
  free(lock);
  free(second_log);
}
END_TEST

/* --- crashes ------------------------------------------------------------- */

/* Adds the pids of process workers found in records to pids (no
 * duplicates). */
static void add_worker_pids(json_t *records, pid_t *pids, size_t *count,
                            size_t max)
{
  size_t index;
  json_t *record;

  json_array_foreach(records, index, record)
  {
    json_t *worker = json_object_get(record, "worker");
    pid_t pid;
    bool known = false;

    if(!json_is_object(worker) || strcmp(str(worker, "kind"), "process") != 0)
      continue;
    pid = (pid_t)num(worker, "pid");
    for(size_t i = 0; i < *count; i++)
      known = known || pids[i] == pid;
    if(!known && *count < max)
      pids[(*count)++] = pid;
  }
}

static bool none_running(const pid_t *pids, size_t count)
{
  for(size_t i = 0; i < count; i++) {
    if(harness_process_running(pids[i]))
      return false;
  }
  return true;
}

START_TEST(test_kill_9_ten_times_loses_and_doubles_no_record)
{
  enum { URLS = 20000, KILLS = 10, RESERVE = 2000 };
  static const char path_fmt[] = "/delay?ms=0&n=%lld";
  const char *flags[] = { "-t", "1", "-p", "1", "-k", "32", NULL };
  pid_t orphans[256];
  size_t orphan_count = 0;
  struct line_counter counter;
  char ids[MAX_JOBS][64];
  const char *id;
  char journal[600];
  json_t *records;
  struct tally t;
  int torn_tails = 0;
  pid_t pid;

  rng_state = 20261122;
  write_conf("[spool]\nsync_records = 100\n"
             "[workers]\nrespawn_backoff_min = 0.01\n");
  pid = start_daemon(flags, NULL);
  wait_ready(pid, 1);
  drop_urls("big.txt", URLS, path_fmt);
  wait_claimed(1, ids);
  id = ids[0];
  snprintf(journal, sizeof(journal), "%s/processing/%s.jsonl", paths.state_dir,
           id);
  counter_init(&counter, journal);
  for(int kill_no = 1; kill_no <= KILLS; kill_no++) {
    long long now = counter_lines(&counter);
    /* Somewhere in 1%..90% of what is left, keeping RESERVE URLs for the
     * last run so that no kill comes after the end. */
    long long left = URLS - RESERVE - now;
    long long target =
        now + (long long)((double)left * rng_between(0.01, 0.90));
    pid_t children[64];
    size_t child_count;
    size_t len;
    char *bytes;

    if(target <= now)
      target = now + 1;
    HARNESS_WAIT_UNTIL(
        alive(pid) && !is_done(id) && counter_lines(&counter) >= target,
        WAIT_S, "%lld journaled records before kill %d", target, kill_no);
    child_count = harness_children(pid, children, 64);
    for(size_t i = 0; i < child_count && orphan_count < 256; i++)
      orphans[orphan_count++] = children[i];
    ck_assert_int_eq(harness_daemon_kill(&h, pid), 128 + SIGKILL);

    bytes = harness_read_file(journal, &len);
    ck_assert_ptr_nonnull(bytes);
    torn_tails += len > 0 && bytes[len - 1] != '\n';
    free(bytes);
    records = harness_read_journal(journal, true);
    ck_assert_ptr_nonnull(records);
    tally(records, id, URLS, &t);
    ck_assert_msg(t.doubled == 0, "kill %d: %lld seqs have two records",
                  kill_no, t.doubled);
    add_worker_pids(records, orphans, &orphan_count, 256);
    json_decref(records);

    pid = start_daemon(flags, NULL);
    wait_ready(pid, kill_no + 1);
    /* The killed daemon's worker processes see their task pipe close and
     * exit by themselves. */
    HARNESS_WAIT_UNTIL(none_running(orphans, orphan_count), WAIT_S,
                       "the worker processes of killed daemons to exit");
  }
  wait_done(id);
  stop_daemon(pid);

  records = done_records(id);
  tally(records, id, URLS, &t);
  printf("kill -9 runs: %d, URLs: %d, lost: %lld, doubled: %lld\n", KILLS,
         URLS, t.lost, t.doubled);
  printf("kill -9: journals left with a torn last line: %d\n", torn_tails);
  fflush(stdout);
  assert_one_per_line(records, id, URLS, path_fmt);
  ck_assert_uint_gt(orphan_count, 0);
  json_decref(records);
}
END_TEST

/* A recursive crawl of the test server's 20,000-page /site/ from /site/0
 * (every page links to the next): kill -9 of the daemon ten times, and
 * still one record per page, none lost, none doubled, every seq once. */
START_TEST(
    test_kill_9_ten_times_during_a_recursive_crawl_records_each_page_once)
{
  enum { PAGES = 20000, KILLS = 10, RESERVE = 2000 };
  const char *flags[] = { "-t", "1", "-p", "1", "-k", "32", NULL };
  pid_t orphans[256];
  size_t orphan_count = 0;
  struct line_counter counter;
  char ids[MAX_JOBS][64];
  unsigned char *fetched;
  const char *id;
  char journal[600];
  char *seed = harness_url(&h, "/site/0");
  char *line = NULL;
  json_t *records, *record;
  struct tally t;
  size_t index;
  pid_t pid;

  rng_state = 20261207;
  write_conf("[spool]\nsync_records = 100\n"
             "[workers]\nrespawn_backoff_min = 0.01\n");
  pid = start_daemon(flags, NULL);
  wait_ready(pid, 1);
  ck_assert_int_ge(asprintf(&line, "%s\n", seed), 0);
  harness_drop_job_options(paths.state_dir, "seed.txt", line, strlen(line),
                           "{\"depth\":100000}");
  free(line);
  wait_claimed(1, ids);
  id = ids[0];
  snprintf(journal, sizeof(journal), "%s/processing/%s.jsonl", paths.state_dir,
           id);
  counter_init(&counter, journal);
  for(int kill_no = 1; kill_no <= KILLS; kill_no++) {
    long long now = counter_lines(&counter);
    long long left = PAGES - RESERVE - now;
    long long target =
        now + (long long)((double)left * rng_between(0.01, 0.90));
    pid_t children[64];
    size_t child_count;

    if(target <= now)
      target = now + 1;
    HARNESS_WAIT_UNTIL(
        alive(pid) && !is_done(id) && counter_lines(&counter) >= target,
        WAIT_S, "%lld journaled records before kill %d", target, kill_no);
    child_count = harness_children(pid, children, 64);
    for(size_t i = 0; i < child_count && orphan_count < 256; i++)
      orphans[orphan_count++] = children[i];
    ck_assert_int_eq(harness_daemon_kill(&h, pid), 128 + SIGKILL);
    records = harness_read_journal(journal, true);
    ck_assert_ptr_nonnull(records);
    tally(records, id, PAGES, &t);
    ck_assert_msg(t.doubled == 0, "kill %d: %lld seqs have two records",
                  kill_no, t.doubled);
    add_worker_pids(records, orphans, &orphan_count, 256);
    json_decref(records);
    pid = start_daemon(flags, NULL);
    wait_ready(pid, kill_no + 1);
    HARNESS_WAIT_UNTIL(none_running(orphans, orphan_count), WAIT_S,
                       "the worker processes of killed daemons to exit");
  }
  wait_done(id);
  stop_daemon(pid);

  records = done_records(id);
  tally(records, id, PAGES, &t);
  printf("recursive kill -9 runs: %d, pages: %d, records: %lld, lost: %lld, "
         "doubled: %lld\n",
         KILLS, PAGES, t.records, t.lost, t.doubled);
  fflush(stdout);
  ck_assert_msg(t.records == PAGES && t.lost == 0 && t.doubled == 0,
                "%lld records, %lld seqs lost, %lld doubled", t.records,
                t.lost, t.doubled);
  /* And the seqs are the pages: each /site/N once. */
  fetched = calloc(PAGES, 1);
  ck_assert_ptr_nonnull(fetched);
  json_array_foreach(records, index, record)
  {
    const char *url = str(record, "url");
    long long page;

    ck_assert_msg(strncmp(url, seed, strlen(seed) - 1) == 0, "%s", url);
    page = strtoll(url + strlen(seed) - 1, NULL, 10);
    ck_assert_msg(page >= 0 && page < PAGES && !fetched[page],
                  "%s: out of the site or twice", url);
    fetched[page] = 1;
  }
  free(fetched);
  free(seed);
  json_decref(records);
}
END_TEST

START_TEST(test_torn_last_journal_line_is_cut_at_start_up)
{
  enum { URLS = 3000 };
  static const char path_fmt[] = "/delay?ms=1&n=%lld";
  const char *flags[] = { "-t", "1", "-p", "0", "-k", "8", NULL };
  struct line_counter counter;
  char ids[MAX_JOBS][64];
  char journal[600];
  const char *id;
  json_t *records;
  char *bytes;
  size_t len;
  size_t cut;
  size_t complete;
  char *last;
  pid_t pid;

  write_conf("[spool]\nsync_interval = 0.05\n");
  pid = start_daemon(flags, NULL);
  wait_ready(pid, 1);
  drop_urls("torn.txt", URLS, path_fmt);
  wait_claimed(1, ids);
  id = ids[0];
  snprintf(journal, sizeof(journal), "%s/processing/%s.jsonl", paths.state_dir,
           id);
  counter_init(&counter, journal);
  HARNESS_WAIT_UNTIL(alive(pid) && counter_lines(&counter) >= 500, WAIT_S,
                     "500 journaled records");
  ck_assert(!is_done(id));
  ck_assert_int_eq(harness_daemon_kill(&h, pid), 128 + SIGKILL);

  /* Cut the journal 10 bytes short: in the middle of its last line. */
  bytes = harness_read_file(journal, &len);
  ck_assert_ptr_nonnull(bytes);
  ck_assert_uint_gt(len, 1000);
  cut = len - 10;
  last = memrchr(bytes, '\n', cut);
  ck_assert_ptr_nonnull(last);
  complete = (size_t)(last - bytes) + 1;
  ck_assert_uint_gt(cut - complete, 0);
  ck_assert_int_eq(truncate(journal, (off_t)cut), 0);
  free(bytes);

  pid = start_daemon(flags, NULL);
  wait_ready(pid, 2);
  ck_assert_int_eq(log_count(harness_fmt(
                       "torn last line (%zu bytes without a newline) cut off",
                       cut - complete)),
                   1);
  wait_done(id);
  stop_daemon(pid);
  records = done_records(id);
  assert_one_per_line(records, id, URLS, path_fmt);
  json_decref(records);
}
END_TEST

/* The daemon's running worker processes. */
static size_t running_workers(pid_t daemon, pid_t *pids, size_t max)
{
  pid_t children[64];
  size_t count = harness_children(daemon, children, 64);
  size_t running = 0;

  for(size_t i = 0; i < count && running < max; i++) {
    if(harness_process_running(children[i]))
      pids[running++] = children[i];
  }
  return running;
}

START_TEST(test_killed_worker_processes_restart_and_no_record_is_lost)
{
  enum { URLS = 20000, MAX_KILLS = 512 };
  static const char path_fmt[] = "/delay?ms=2&n=%lld";
  const char *flags[] = { "-t", "0", "-p", "2", "-k", "16", NULL };
  pid_t killed[MAX_KILLS];
  int kills = 0;
  char ids[MAX_JOBS][64];
  const char *id;
  json_t *records;
  struct tally t;
  size_t index;
  json_t *record;
  long long crash_records = 0;
  pid_t pid;

  rng_state = 10;
  write_conf("[workers]\nrespawn_backoff_min = 0.01\n"
             "respawn_backoff_max = 0.2\n");
  pid = start_daemon(flags, NULL);
  wait_ready(pid, 1);
  drop_urls("big.txt", URLS, path_fmt);
  wait_claimed(1, ids);
  id = ids[0];
  while(!is_done(id)) {
    double pause = rng_between(0.1, 0.3);
    pid_t workers[8];
    size_t count;

    ck_assert_int_lt(kills, MAX_KILLS);
    harness_sleep(pause);
    ck_assert_int_eq(alive(pid), true);
    count = running_workers(pid, workers, 8);
    if(count == 0 || is_done(id))
      continue;
    killed[kills] = workers[rng_next() % count];
    ck_assert_int_eq(kill(killed[kills], SIGKILL), 0);
    kills++;
  }
  /* Every kill was seen, said, and followed by a restart. */
  for(int i = 0; i < kills; i++) {
    HARNESS_WAIT_UNTIL(log_count(harness_fmt("(pid %ld) killed by signal 9",
                                             (long)killed[i])) == 1,
                       WAIT_S, "the log to say worker %ld was killed",
                       (long)killed[i]);
  }
  HARNESS_WAIT_UNTIL(
      log_count("]: restarting process worker ") +
              log_count(" keeps crashing: restarts throttled") ==
          kills,
      WAIT_S, "%d restarts in the log", kills);
  stop_daemon(pid);

  records = done_records(id);
  tally(records, id, URLS, &t);
  json_array_foreach(records, index, record)
  {
    /* A URL whose workers died max_attempts times is legitimately given
     * up on; count those, if any. */
    if(error_code(record) != NULL &&
       strcmp(error_code(record), "worker_crash") == 0)
      crash_records++;
    else
      ck_assert(json_is_true(json_object_get(record, "ok")));
  }
  printf("worker kills: %d, URLs: %d, lost: %lld, doubled: %lld\n", kills,
         URLS, t.lost, t.doubled);
  printf("worker kills: URLs given up as worker_crash: %lld\n", crash_records);
  fflush(stdout);
  assert_one_per_line(records, id, URLS, path_fmt);
  ck_assert_int_gt(kills, 0);
  json_decref(records);
}
END_TEST

START_TEST(test_poison_url_gets_worker_crash_on_its_third_attempt)
{
  enum { URLS = 51, POISON = 25 };
  const char *flags[] = { "-t", "0", "-p", "2", NULL };
  const char *env[] = { "CRAWLD_TEST_CRASH_MARKER=poison", NULL };
  char ids[MAX_JOBS][64];
  char *poison_url = harness_url(&h, "/delay?ms=0&n=25&poison=1");
  long long attempts[4] = { 0 };
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  json_t *records;
  json_t *record;
  size_t index;
  struct tally t;
  pid_t pid;

  for(int i = 0; i < URLS; i++) {
    char *url = i == POISON ? strdup(poison_url)
                            : harness_url(&h, harness_fmt("/site/%d", i));

    fprintf(out, "%s\n", url);
    free(url);
  }
  ck_assert_int_eq(fclose(out), 0);
  write_conf("[workers]\nrespawn_backoff_min = 0.01\n"
             "respawn_backoff_max = 0.1\nmax_attempts = 3\n");
  pid = start_daemon(flags, env);
  wait_ready(pid, 1);
  harness_drop_job(paths.state_dir, "poisoned.txt", text, size);
  wait_claimed(1, ids);
  wait_done(ids[0]);
  ck_assert_int_eq(alive(pid), true);
  stop_daemon(pid);

  records = done_records(ids[0]);
  tally(records, ids[0], URLS, &t);
  ck_assert_int_eq(t.records, URLS);
  ck_assert_int_eq(t.lost, 0);
  json_array_foreach(records, index, record)
  {
    long long attempt = num(record, "attempt");

    if(num(record, "seq") == POISON) {
      ck_assert_str_eq(str(record, "url"), poison_url);
      ck_assert_str_eq(error_code(record), "worker_crash");
      ck_assert_str_eq(str(json_object_get(record, "error"), "message"),
                       "the worker fetching it died 3 times");
      ck_assert(json_is_false(json_object_get(record, "ok")));
      ck_assert_int_eq(attempt, 3);
      continue;
    }
    /* An innocent URL may have shared a worker with the poison up to
     * twice (attempt 3, then run alone); it is never charged a crash. */
    ck_assert_msg(error_code(record) == NULL, "seq %lld: error %s",
                  num(record, "seq"), error_code(record));
    ck_assert(json_is_true(json_object_get(record, "ok")));
    ck_assert(attempt >= 1 && attempt <= 3);
    attempts[attempt]++;
  }
  printf("poison: innocent URLs by attempt: 1: %lld, 2: %lld, 3: %lld\n",
         attempts[1], attempts[2], attempts[3]);
  fflush(stdout);
  json_decref(records);
  free(text);
  free(poison_url);
}
END_TEST

START_TEST(test_crashing_worker_thread_kills_the_daemon_and_restart_completes)
{
  enum { URLS = 2000, POISON = 500 };
  const char *flags[] = { "-t", "1", "-p", "0", NULL };
  const char *env[] = { "CRAWLD_TEST_CRASH_MARKER=poison", NULL };
  char ids[MAX_JOBS][64];
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  json_t *records;
  pid_t pid;

  for(int i = 0; i < URLS; i++) {
    char *url =
        harness_url(&h, i == POISON ? "/delay?ms=0&n=500&poison=1"
                                    : harness_fmt("/delay?ms=0&n=%d", i));

    fprintf(out, "%s\n", url);
    free(url);
  }
  ck_assert_int_eq(fclose(out), 0);
  write_conf("");
  pid = start_daemon(flags, env);
  wait_ready(pid, 1);
  harness_drop_job(paths.state_dir, "deadly.txt", text, size);
  ck_assert_int_eq(harness_daemon_wait(&h, pid, WAIT_S), 128 + SIGKILL);
  wait_claimed(1, ids);
  ck_assert(!is_done(ids[0]));

  pid = start_daemon(flags, NULL);
  wait_ready(pid, 2);
  wait_done(ids[0]);
  stop_daemon(pid);
  records = done_records(ids[0]);
  /* Line 500 is fetched like any other once the marker is gone. */
  ck_assert_int_eq(json_array_size(records), URLS);
  {
    struct tally t;
    size_t index;
    json_t *record;

    tally(records, ids[0], URLS, &t);
    ck_assert_int_eq(t.lost, 0);
    ck_assert_int_eq(t.doubled, 0);
    json_array_foreach(records, index, record)
    {
      ck_assert(json_is_true(json_object_get(record, "ok")));
      if(num(record, "seq") == POISON)
        ck_assert_ptr_nonnull(strstr(str(record, "url"), "poison=1"));
    }
  }
  json_decref(records);
  free(text);
}
END_TEST

/* --- configuration ---------------------------------------------------------
 */

START_TEST(test_invalid_config_stops_start_up_with_status_2)
{
  char *log;
  pid_t pid;

  write_conf("[workers]\n"
             "threads = 2\n"
             "processes = lots\n"
             "[spool]\n"
             "sync_records = 10\n");
  pid = start_daemon(NULL, NULL);
  ck_assert_int_eq(harness_daemon_wait(&h, pid, WAIT_S), 2);
  log = harness_read_text(paths.log_path);
  ck_assert_msg(strstr(log, harness_fmt("%s:3: ", paths.conf_path)) != NULL,
                "its log: %s", log);
  ck_assert_ptr_nonnull(strstr(log, "processes"));
  /* Refused before anything was touched. */
  ck_assert(!exists(paths.state_dir));
  free(log);
}
END_TEST

static const char one_thread_conf[] = "[workers]\n"
                                      "threads = 1\n"
                                      "processes = 0\n"
                                      "inflight = 4\n"
                                      "[spool]\n"
                                      "sync_interval = 0.05\n";

/* The distinct worker ids of thread workers in records, as a bit set. */
static unsigned thread_ids(json_t *records)
{
  unsigned ids = 0;
  size_t index;
  json_t *record;

  json_array_foreach(records, index, record)
  {
    json_t *worker = json_object_get(record, "worker");

    ck_assert_str_eq(str(worker, "kind"), "thread");
    ck_assert(num(worker, "id") >= 0 && num(worker, "id") < 32);
    ids |= 1u << num(worker, "id");
  }
  return ids;
}

START_TEST(test_reload_of_a_bad_file_keeps_the_current_settings)
{
  char ids[MAX_JOBS][64];
  json_t *records;
  pid_t pid;

  write_conf(one_thread_conf);
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 1);
  /* threads = 2 comes before the bad line: it must not be half-applied. */
  write_conf("[workers]\nthreads = 2\nprocesses = 0\ninflight = nope\n");
  ck_assert_int_eq(kill(pid, SIGHUP), 0);
  HARNESS_WAIT_UNTIL(alive(pid) && log_count("keeping the current settings"),
                     WAIT_S, "the reload to be refused");
  ck_assert_int_eq(log_count(harness_fmt("reload: %s:4: ", paths.conf_path)),
                   1);
  ck_assert_int_eq(log_count("reloaded: "), 0);

  drop_urls("after.txt", 50, "/site/%lld");
  wait_claimed(1, ids);
  wait_done(ids[0]);
  records = done_records(ids[0]);
  assert_one_per_line(records, ids[0], 50, "/site/%lld");
  ck_assert_uint_eq(thread_ids(records), 1u); /* worker 0 alone */
  ck_assert_int_eq(alive(pid), true);
  stop_daemon(pid);
  json_decref(records);
}
END_TEST

START_TEST(test_reload_to_3_threads_applies_live_and_loses_no_record)
{
  enum { BIG = 3000, SMALL = 300 };
  static const char path_fmt[] = "/delay?ms=5&n=%lld";
  struct line_counter counter;
  char ids[MAX_JOBS][64];
  char big_id[64];
  json_t *before;
  json_t *records;
  unsigned new_ids;
  pid_t pid;

  write_conf(one_thread_conf);
  pid = start_daemon(NULL, NULL);
  wait_ready(pid, 1);
  drop_urls("big.txt", BIG, path_fmt);
  wait_claimed(1, ids);
  snprintf(big_id, sizeof(big_id), "%s", ids[0]);
  counter_init(&counter,
               harness_fmt("%s/processing/%s.jsonl", paths.state_dir, big_id));
  HARNESS_WAIT_UNTIL(alive(pid) && counter_lines(&counter) >= 300, WAIT_S,
                     "300 journaled records");

  write_conf("[workers]\n"
             "threads = 3\n"
             "processes = 0\n"
             "inflight = 4\n"
             "[spool]\n"
             "sync_interval = 0.05\n");
  ck_assert_int_eq(kill(pid, SIGHUP), 0);
  HARNESS_WAIT_UNTIL(alive(pid) && log_count("]: reloaded: 3 threads"), WAIT_S,
                     "the reload");
  /* The big job was in flight across the reload, and so far only worker 0
   * existed. */
  ck_assert(!is_done(big_id));
  before = harness_read_journal(
      harness_fmt("%s/processing/%s.jsonl", paths.state_dir, big_id), true);
  ck_assert_ptr_nonnull(before);
  ck_assert_uint_ge(json_array_size(before), 300);
  ck_assert_uint_eq(thread_ids(before), 1u);
  json_decref(before);

  drop_urls("small.txt", SMALL, path_fmt);
  wait_claimed(2, ids);
  for(int i = 0; i < 2; i++)
    wait_done(ids[i]);
  stop_daemon(pid);
  for(int i = 0; i < 2; i++) {
    bool big = strcmp(ids[i], big_id) == 0;

    records = done_records(ids[i]);
    assert_one_per_line(records, ids[i], big ? BIG : SMALL, path_fmt);
    new_ids = thread_ids(records);
    ck_assert_msg((new_ids & ~7u) == 0, "worker ids 0x%x", new_ids);
    if(!big)
      ck_assert_msg((new_ids & 6u) != 0,
                    "no record from worker 1 or 2 (ids 0x%x)", new_ids);
    json_decref(records);
  }
}
END_TEST

/* --- stopping, logs, systemd ----------------------------------------------
 */

START_TEST(test_sigterm_drains_and_restart_completes_the_job)
{
  enum { URLS = 5000 };
  static const char path_fmt[] = "/delay?ms=50&n=%lld";
  const char *slow[] = { "-t", "1", "-p", "0", "-k", "8", NULL };
  const char *fast[] = { "-t", "2", "-p", "0", "-k", "64", NULL };
  struct line_counter counter;
  char ids[MAX_JOBS][64];
  char journal[600];
  const char *id;
  json_t *records;
  struct tally t;
  double signalled;
  double took;
  int status;
  pid_t pid;

  write_conf(
      "[daemon]\nshutdown_timeout = 10\n[spool]\nsync_interval = 0.05\n");
  pid = start_daemon(slow, NULL);
  wait_ready(pid, 1);
  drop_urls("long.txt", URLS, path_fmt);
  wait_claimed(1, ids);
  id = ids[0];
  snprintf(journal, sizeof(journal), "%s/processing/%s.jsonl", paths.state_dir,
           id);
  counter_init(&counter, journal);
  HARNESS_WAIT_UNTIL(alive(pid) && counter_lines(&counter) >= 50, WAIT_S,
                     "50 journaled records");

  signalled = harness_now();
  ck_assert_int_eq(kill(pid, SIGTERM), 0);
  status = harness_daemon_wait(&h, pid, WAIT_S);
  took = harness_now() - signalled;
  ck_assert_msg(status == 0, "crawld exited %d on SIGTERM", status);
  ck_assert_msg(took < 10.0, "drained in %.1f s, over shutdown_timeout 10 s",
                took);
  ck_assert_int_eq(log_count("shutdown timeout"), 0);
  ck_assert_int_eq(log_count("]: stopped: "), 1);

  /* Left in processing/, its journal complete up to where it stopped. */
  ck_assert(exists(harness_fmt("%s/processing/%s.urls", paths.state_dir, id)));
  ck_assert(!is_done(id));
  records = harness_read_journal(journal, false);
  ck_assert_ptr_nonnull(records);
  tally(records, id, URLS, &t);
  ck_assert_int_eq(t.doubled, 0);
  ck_assert_int_ge(t.records, 50);
  ck_assert_int_lt(t.records, URLS);
  json_decref(records);

  pid = start_daemon(fast, NULL);
  wait_ready(pid, 2);
  ck_assert_int_eq(log_count(harness_fmt(
                       "job %s: resuming with %lld records already journaled",
                       id, t.records)),
                   1);
  wait_done(id);
  stop_daemon(pid);
  records = done_records(id);
  assert_one_per_line(records, id, URLS, path_fmt);
  json_decref(records);
}
END_TEST

START_TEST(test_every_log_line_carries_a_priority_prefix)
{
  unsigned char binary[1024];
  const char *flags[] = { "-t", "1", "-p", "1", NULL };
  char ids[MAX_JOBS][64];
  bool priorities[8] = { false };
  char *log;
  char *line;
  char *save = NULL;
  size_t len;
  int lines = 0;
  pid_t pid;

  memset(binary, 0, sizeof(binary));
  write_conf("");
  pid = start_daemon(flags, NULL);
  wait_ready(pid, 1);
  {
    size_t text_len;
    char *text = harness_url_lines(&h, 20, "/site/%lld", &text_len);
    char *with_bad = NULL;

    ck_assert_int_ge(asprintf(&with_bad, "%snot a url\n", text), 0);
    harness_drop_job(paths.state_dir, "odd\nname\x1b[31m.txt", with_bad,
                     strlen(with_bad));
    free(with_bad);
    free(text);
  }
  harness_drop_job(paths.state_dir, "zeros.bin", binary, sizeof(binary));
  wait_claimed(1, ids);
  wait_done(ids[0]);
  write_conf("[workers]\nthreads = x\n");
  ck_assert_int_eq(kill(pid, SIGHUP), 0);
  HARNESS_WAIT_UNTIL(alive(pid) && log_count("keeping the current settings"),
                     WAIT_S, "the reload to be refused");
  stop_daemon(pid);

  log = harness_read_file(paths.log_path, &len);
  ck_assert_ptr_nonnull(log);
  ck_assert_uint_gt(len, 0);
  ck_assert_msg(log[len - 1] == '\n', "the log ends in a partial line");
  ck_assert_uint_eq(strlen(log), len);
  for(line = strtok_r(log, "\n", &save); line != NULL;
      line = strtok_r(NULL, "\n", &save)) {
    ck_assert_msg(harness_matches(line, LOG_LINE_PATTERN), "log line '%s'",
                  line);
    priorities[line[1] - '0'] = true;
    lines++;
  }
  /* Errors, warnings and information all went through the one format. */
  ck_assert(priorities[3] && priorities[4] && priorities[6]);
  ck_assert_int_ge(lines, 8);
  free(log);
}
END_TEST

START_TEST(test_sd_notify_ready_status_watchdog_reload_and_stopping)
{
  enum { URLS = 2000 };
  static const char path_fmt[] = "/delay?ms=5&n=%lld";
  const char *flags[] = { "-t", "1", "-p", "0", "-k", "4", NULL };
  struct harness_notify notify;
  struct line_counter counter;
  char ids[MAX_JOBS][64];
  char socket_env[200];
  const char *env[3] = { socket_env, "WATCHDOG_USEC=200000", NULL };
  const char *id;
  json_t *records;
  long ready;
  long status_line;
  long reloading;
  long ready_again;
  long stopping;
  int watchdogs = 0;
  int status = -1;
  double since;
  pid_t pid;

  /* A previous run, killed in the middle of a job. */
  write_conf("[spool]\nsync_interval = 0.05\n");
  pid = start_daemon(flags, NULL);
  wait_ready(pid, 1);
  drop_urls("left.txt", URLS, path_fmt);
  wait_claimed(1, ids);
  id = ids[0];
  counter_init(&counter,
               harness_fmt("%s/processing/%s.jsonl", paths.state_dir, id));
  HARNESS_WAIT_UNTIL(alive(pid) && counter_lines(&counter) >= 100, WAIT_S,
                     "100 journaled records");
  ck_assert_int_eq(harness_daemon_kill(&h, pid), 128 + SIGKILL);

  harness_notify_open(&h, &notify);
  snprintf(socket_env, sizeof(socket_env), "NOTIFY_SOCKET=%s", notify.path);
  pid = start_daemon(flags, env);
  HARNESS_WAIT_UNTIL(alive(pid) &&
                         (harness_notify_poll(&notify),
                          harness_notify_find(&notify, 0, "READY=1") >= 0),
                     WAIT_S, "READY=1");
  ready = harness_notify_find(&notify, 0, "READY=1");
  /* READY=1 comes once the job left in processing/ is back in work. */
  ck_assert_int_eq(log_count("]: ready: "), 2);
  ck_assert_int_eq(log_count(", 1 jobs recovered"), 1);
  HARNESS_WAIT_UNTIL(
      (harness_notify_poll(&notify),
       harness_notify_find(&notify, (size_t)ready, "STATUS=") >= 0),
      WAIT_S, "STATUS=");
  status_line = harness_notify_find(&notify, (size_t)ready, "STATUS=");
  ck_assert_msg(strstr(notify.lines[status_line], "1 active") != NULL, "%s",
                notify.lines[status_line]);

  /* WATCHDOG_USEC=200000: a ping every 0.1 s. The socket is read all the
   * time: crawld's sd_notify() blocks once max_dgram_qlen datagrams wait. */
  since = harness_now();
  while(harness_now() - since < 1.0) {
    harness_notify_poll(&notify);
    harness_sleep(0.01);
  }
  harness_notify_poll(&notify);
  for(size_t i = (size_t)ready; i < notify.count; i++)
    watchdogs += strcmp(notify.lines[i], "WATCHDOG=1") == 0;
  ck_assert_msg(watchdogs >= 2, "%d WATCHDOG=1 in 1 s", watchdogs);

  ck_assert_int_eq(kill(pid, SIGHUP), 0);
  HARNESS_WAIT_UNTIL(
      (harness_notify_poll(&notify),
       (reloading = harness_notify_find(&notify, (size_t)ready + 1,
                                        "RELOADING=1")) >= 0 &&
           harness_notify_find(&notify, (size_t)reloading, "READY=1") >= 0),
      WAIT_S, "RELOADING=1, then READY=1");
  ready_again = harness_notify_find(&notify, (size_t)reloading, "READY=1");
  ck_assert_int_gt(ready_again, reloading);

  HARNESS_WAIT_UNTIL((harness_notify_poll(&notify), alive(pid) && is_done(id)),
                     WAIT_S, "the recovered job to be done");
  records = done_records(id);
  assert_one_per_line(records, id, URLS, path_fmt);
  json_decref(records);

  ck_assert_int_eq(kill(pid, SIGTERM), 0);
  HARNESS_WAIT_UNTIL((harness_notify_poll(&notify),
                      (status = harness_daemon_wait(&h, pid, 0)) >= 0),
                     WAIT_S, "crawld to stop");
  ck_assert_int_eq(status, 0);
  harness_notify_poll(&notify);
  stopping = harness_notify_find(&notify, (size_t)ready_again, "STOPPING=1");
  ck_assert_msg(stopping > ready_again, "no STOPPING=1 after the reload");
  harness_notify_close(&notify);
}
END_TEST

static void add(Suite *suite, const char *name, const TTest *test, int timeout)
{
  TCase *tcase = tcase_create(name);

  tcase_add_unchecked_fixture(tcase, setup, teardown);
  tcase_set_timeout(tcase, timeout);
  tcase_add_test(tcase, test);
  suite_add_tcase(suite, tcase);
}

static void setup_site(void)
{
  harness_start_service_pages(&h, 20000);
  harness_service_paths(&h, &paths);
}

/* A test case whose server has a /site/ of 20,000 pages. */
static void add_site(Suite *suite, const char *name, const TTest *test,
                     int timeout)
{
  TCase *tcase = tcase_create(name);

  tcase_add_unchecked_fixture(tcase, setup_site, teardown);
  tcase_set_timeout(tcase, timeout);
  tcase_add_test(tcase, test);
  suite_add_tcase(suite, tcase);
}

static Suite *service_suite(void)
{
  Suite *suite = suite_create("service");

  /* One test per test case: each gets its own server and directory. */
  add(suite, "pickup",
      test_renamed_file_is_claimed_within_1s_by_inotify_and_crawled, 60);
  add(suite, "startup_scan",
      test_file_present_before_start_is_claimed_by_the_start_up_scan, 60);
  add(suite, "rescan",
      test_periodic_rescan_claims_a_file_inotify_does_not_report, 60);
  add(suite, "not_files",
      test_dot_files_directories_fifos_and_symlinks_are_left_alone, 60);
  add(suite, "refused",
      test_oversized_and_binary_files_go_to_failed_with_a_reason, 60);
  add(suite, "names", test_hostile_file_names_become_jobs_under_our_own_ids,
      60);
  add(suite, "fairness",
      test_two_active_jobs_both_progress_before_either_is_done, 60);
  add(suite, "lock", test_second_daemon_on_the_same_state_dir_exits_1, 60);
  add(suite, "options_file",
      test_an_options_file_gives_its_url_file_the_job_options, 60);
  add(suite, "kill9", test_kill_9_ten_times_loses_and_doubles_no_record, 120);
  add_site(
      suite, "kill9_recursive",
      test_kill_9_ten_times_during_a_recursive_crawl_records_each_page_once,
      180);
  add(suite, "torn", test_torn_last_journal_line_is_cut_at_start_up, 60);
  add(suite, "worker_kills",
      test_killed_worker_processes_restart_and_no_record_is_lost, 120);
  add(suite, "poison", test_poison_url_gets_worker_crash_on_its_third_attempt,
      60);
  add(suite, "thread_crash",
      test_crashing_worker_thread_kills_the_daemon_and_restart_completes, 60);
  add(suite, "bad_config", test_invalid_config_stops_start_up_with_status_2,
      60);
  add(suite, "reload_bad",
      test_reload_of_a_bad_file_keeps_the_current_settings, 60);
  add(suite, "reload_threads",
      test_reload_to_3_threads_applies_live_and_loses_no_record, 60);
  add(suite, "sigterm", test_sigterm_drains_and_restart_completes_the_job, 60);
  add(suite, "log_prefix", test_every_log_line_carries_a_priority_prefix, 60);
  add(suite, "sd_notify",
      test_sd_notify_ready_status_watchdog_reload_and_stopping, 60);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(service_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
