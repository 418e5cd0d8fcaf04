/*
 * Unit tests for the frontier (src/frontier.c): per-host limits and delays,
 * the hosts' and the jobs' turns, backoff and retries, and the spill that
 * keeps a huge host's URLs on disk.
 *
 * Every test writes its URL files into a directory of its own under $TMPDIR
 * (or /tmp), removed when it ends, and drives the frontier by hand, as the
 * pool would: frontier_next() for the next task, frontier_answered() with an
 * answer. Delays and backoffs are set far longer than a test runs (a minute,
 * an hour), so whether a host may start again never depends on timing.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "frontier.h"
#include "job.h"
#include "log.h"
#include "options.h"

#define MAX_JOBS 2

static char dir[256];
static struct event_base *base;
static struct frontier *frontier;
static struct crawl_options opts;
static struct job *jobs[MAX_JOBS];
static FILE *sink;
static int commits; /* records the frontier made itself */

static void on_commit(void *owner, struct task *task,
                      const struct result_summary *answer)
{
  (void)owner;
  commits++;
  ck_assert_int_eq(job_commit(task->job, task, answer), 0);
}

static void on_wake(void *owner)
{
  (void)owner;
}

static void setup(void)
{
  const char *tmp = getenv("TMPDIR");

  snprintf(dir, sizeof(dir), "%s/check_frontier.XXXXXX",
           tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  base = event_base_new();
  ck_assert_ptr_nonnull(base);
  sink = fopen("/dev/null", "we");
  ck_assert_ptr_nonnull(sink);
  options_defaults(&opts);
  commits = 0;
}

static void teardown(void)
{
  char path[512];

  frontier_free(frontier);
  frontier = NULL;
  for(int i = 0; i < MAX_JOBS; i++) {
    job_close(jobs[i]);
    jobs[i] = NULL;
    snprintf(path, sizeof(path), "%s/job%d.txt", dir, i);
    unlink(path);
  }
  fclose(sink);
  event_base_free(base);
  rmdir(dir);
}

/* Writes job number index's URL file from lines and opens it, then starts
 * the frontier with opts if it does not run yet and adds the job, obeying
 * robots.txt if robots. */
/* Job options add_job_robots applies, when not NULL. */
static const struct jobopts *job_options;

static void add_job_robots(int index, const char *lines, bool robots)
{
  static const struct frontier_calls calls = { on_commit, on_wake, NULL };
  char path[512];
  char name[16];
  char *cause = NULL;
  FILE *file;

  snprintf(path, sizeof(path), "%s/job%d.txt", dir, index);
  snprintf(name, sizeof(name), "job%d", index);
  file = fopen(path, "we");
  ck_assert_ptr_nonnull(file);
  fputs(lines, file);
  fclose(file);
  jobs[index] = job_open(name, path, sink, NULL, base, on_wake, NULL, &cause);
  ck_assert_msg(jobs[index] != NULL, "job_open: %s", cause);
  if(job_options != NULL) {
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY);

    ck_assert_int_ge(dir_fd, 0);
    ck_assert_msg(job_apply_options(jobs[index], job_options, path, dir_fd,
                                    NULL, &cause) == 0,
                  "job_apply_options: %s", cause);
    close(dir_fd);
  }
  if(frontier == NULL) {
    frontier = frontier_new(base, &opts, dir, &calls, &cause);
    ck_assert_msg(frontier != NULL, "frontier_new: %s", cause);
  }
  ck_assert_int_eq(frontier_add_job(frontier, jobs[index], robots), 0);
}

/* The same without robots.txt, for the tests of the other rules. */
static void add_job(int index, const char *lines)
{
  add_job_robots(index, lines, false);
}

/* "http://127.0.0.H:80/pN\n" for N in [first, first + count). */
static char *host_lines(int host, int first, int count)
{
  size_t size = (size_t)count * 40 + 1;
  char *text = malloc(size);
  size_t len = 0;

  ck_assert_ptr_nonnull(text);
  text[0] = '\0';
  for(int n = first; n < first + count; n++)
    len += (size_t)snprintf(text + len, size - len,
                            "http://127.0.0.%d:80/p%d\n", host, n);
  return text;
}

/* A worker's answer: status (0 for none) and error. */
static enum frontier_verdict answer(struct task *task, long status,
                                    enum result_error error,
                                    long retry_after_s)
{
  static const char record[] = "{\"url\":\"x\",\"utf8_repaired\":false}";
  struct result_summary summary = { 0 };
  enum frontier_verdict verdict;

  summary.status = status;
  summary.error = error;
  summary.retry_after_s = retry_after_s;
  summary.record = record;
  summary.record_len = sizeof(record) - 1;
  verdict = frontier_answered(frontier, task, &summary);
  if(verdict == FRONTIER_COMMIT)
    ck_assert_int_eq(job_commit(task->job, task, &summary), 0);
  return verdict;
}

static void answer_ok(struct task *task)
{
  ck_assert_int_eq(answer(task, 200, RESULT_OK, 0), FRONTIER_COMMIT);
}

static bool has_prefix(const struct task *task, const char *prefix)
{
  return strncmp(task->url, prefix, strlen(prefix)) == 0;
}

START_TEST(test_per_host_caps_fetches_in_flight)
{
  char *lines = host_lines(2, 0, 10);
  struct task *held[3];
  struct task *task;

  opts.per_host = 3;
  add_job(0, lines);
  for(int i = 0; i < 3; i++) {
    held[i] = frontier_next(frontier);
    ck_assert_ptr_nonnull(held[i]);
  }
  ck_assert_ptr_null(frontier_next(frontier));
  answer_ok(held[1]);
  task = frontier_next(frontier);
  ck_assert_ptr_nonnull(task);
  ck_assert_str_eq(task->url, "http://127.0.0.2:80/p3");
  ck_assert_ptr_null(frontier_next(frontier));
  answer_ok(task);
  answer_ok(held[0]);
  answer_ok(held[2]);
  free(lines);
}
END_TEST

START_TEST(test_host_delay_spaces_starts_but_other_hosts_go_on)
{
  char *a = host_lines(2, 0, 5);
  char *b = host_lines(3, 0, 5);
  char both[1024];
  struct task *first;
  struct task *task;
  int from_b = 0;

  opts.per_host = 10;
  opts.host_delay_ms = 60000;
  snprintf(both, sizeof(both), "%s%s", a, b);
  add_job(0, both);
  first = frontier_next(frontier);
  ck_assert_ptr_nonnull(first);
  task = frontier_next(frontier);
  ck_assert_ptr_nonnull(task);
  ck_assert(strcmp(first->url, "http://127.0.0.2:80/p0") == 0 ||
            strcmp(task->url, "http://127.0.0.2:80/p0") == 0);
  from_b = has_prefix(first, "http://127.0.0.3") +
           has_prefix(task, "http://127.0.0.3");
  ck_assert_int_eq(from_b, 1);
  /* Each host started one fetch: both now wait a minute. */
  ck_assert_ptr_null(frontier_next(frontier));
  answer_ok(first);
  answer_ok(task);
  ck_assert_ptr_null(frontier_next(frontier));
  free(a);
  free(b);
}
END_TEST

/* Hosts due at the same time take turns: A's hundred URLs ahead of B's in
 * the file do not make B wait. */
START_TEST(test_hosts_take_turns)
{
  char *a = host_lines(2, 0, 100);
  char *b = host_lines(3, 0, 3);
  char *both = malloc(strlen(a) + strlen(b) + 1);
  struct task *order[6];

  opts.per_host = 1000;
  strcpy(both, a);
  strcat(both, b);
  add_job(0, both);
  for(int i = 0; i < 6; i++) {
    order[i] = frontier_next(frontier);
    ck_assert_ptr_nonnull(order[i]);
  }
  for(int i = 1; i < 6; i++)
    ck_assert_msg(has_prefix(order[i], "http://127.0.0.2") !=
                      has_prefix(order[i - 1], "http://127.0.0.2"),
                  "%s after %s", order[i]->url, order[i - 1]->url);
  for(int i = 0; i < 6; i++)
    answer_ok(order[i]);
  free(a);
  free(b);
  free(both);
}
END_TEST

/* Two jobs on one host take turns at it. */
START_TEST(test_jobs_sharing_a_host_take_turns)
{
  char *first = host_lines(2, 0, 50);
  char *second = host_lines(2, 100, 50);
  struct task *order[6];

  opts.per_host = 1000;
  add_job(0, first);
  add_job(1, second);
  for(int i = 0; i < 6; i++) {
    order[i] = frontier_next(frontier);
    ck_assert_ptr_nonnull(order[i]);
  }
  for(int i = 1; i < 6; i++)
    ck_assert_ptr_ne(order[i]->job, order[i - 1]->job);
  for(int i = 0; i < 6; i++)
    answer_ok(order[i]);
  free(first);
  free(second);
}
END_TEST

/* 429 with Retry-After: the URL gets another attempt, and the whole host
 * waits; other hosts do not. */
START_TEST(test_429_backs_the_host_off_and_retries)
{
  static const char lines[] = "http://127.0.0.2:80/a\n"
                              "http://127.0.0.2:80/b\n"
                              "http://127.0.0.3:80/c\n";
  struct frontier_counts counts;
  struct task *a;
  struct task *next;

  opts.per_host = 1;
  add_job(0, lines);
  a = frontier_next(frontier);
  ck_assert_str_eq(a->url, "http://127.0.0.2:80/a");
  ck_assert_int_eq(answer(a, 429, RESULT_ERR_HTTP_ERROR, 3600), FRONTIER_KEPT);
  ck_assert_int_eq(a->attempt, 2);
  next = frontier_next(frontier);
  ck_assert_ptr_nonnull(next);
  ck_assert_str_eq(next->url, "http://127.0.0.3:80/c");
  ck_assert_ptr_null(frontier_next(frontier));
  frontier_counts(frontier, &counts);
  ck_assert_int_eq(counts.hosts_backed_off, 1);
  ck_assert_int_eq(counts.retries, 1);
  ck_assert_int_eq(counts.backoffs, 1);
  ck_assert_int_eq(counts.queued, 2);
  answer_ok(next);
}
END_TEST

/* Retry-After longer than max_retry_after_s is cut to it: the backoff
 * still holds for the rest of the test. */
START_TEST(test_retry_after_is_capped_but_still_waits)
{
  static const char lines[] = "http://127.0.0.2:80/a\n";
  struct frontier_counts counts;
  struct task *a;

  opts.max_retry_after_s = 60;
  add_job(0, lines);
  a = frontier_next(frontier);
  ck_assert_int_eq(answer(a, 503, RESULT_ERR_HTTP_ERROR, 86400),
                   FRONTIER_KEPT);
  ck_assert_ptr_null(frontier_next(frontier));
  frontier_counts(frontier, &counts);
  ck_assert_int_eq(counts.hosts_backed_off, 1);
}
END_TEST

/* A 503 on the last attempt is final: its record says http_error. */
START_TEST(test_last_attempt_is_committed)
{
  static const char lines[] = "http://127.0.0.2:80/a\n";
  struct job_counts counts;
  struct task *a;

  opts.max_attempts = 1;
  add_job(0, lines);
  a = frontier_next(frontier);
  ck_assert_int_eq(answer(a, 503, RESULT_ERR_HTTP_ERROR, 1), FRONTIER_COMMIT);
  job_counts(jobs[0], &counts);
  ck_assert_int_eq(counts.records, 1);
  ck_assert(job_finished(jobs[0]));
}
END_TEST

/* Connect failures and 500 are retried; 404 and dns are final. */
START_TEST(test_transient_failures_are_retried_others_are_not)
{
  static const char lines[] = "http://127.0.0.2:80/a\n"
                              "http://127.0.0.3:80/b\n"
                              "http://127.0.0.4:80/c\n"
                              "http://127.0.0.5:80/d\n";
  struct task *task[4];

  opts.max_attempts = 2;
  add_job(0, lines);
  for(int i = 0; i < 4; i++)
    task[i] = frontier_next(frontier);
  ck_assert_int_eq(answer(task[0], 0, RESULT_ERR_CONNECT, 0), FRONTIER_KEPT);
  ck_assert_int_eq(answer(task[1], 500, RESULT_ERR_HTTP_ERROR, 0),
                   FRONTIER_KEPT);
  ck_assert_int_eq(answer(task[2], 404, RESULT_ERR_HTTP_ERROR, 0),
                   FRONTIER_COMMIT);
  ck_assert_int_eq(answer(task[3], 0, RESULT_ERR_DNS, 0), FRONTIER_COMMIT);
}
END_TEST

/* A task whose worker died is first in its host's line again. */
START_TEST(test_requeued_task_goes_first)
{
  char *lines = host_lines(2, 0, 5);
  struct task *first;
  struct task *again;

  opts.per_host = 1;
  add_job(0, lines);
  first = frontier_next(frontier);
  ck_assert_str_eq(first->url, "http://127.0.0.2:80/p0");
  first->attempt++;
  frontier_requeue(frontier, first);
  again = frontier_next(frontier);
  ck_assert_ptr_eq(again, first);
  ck_assert_int_eq(again->attempt, 2);
  answer_ok(again);
  free(lines);
}
END_TEST

/* politeness_key = domain: two hosts of one registrable domain share one
 * queue, so per_host 1 lets one of them run at a time. */
START_TEST(test_domain_key_joins_hosts_of_a_domain)
{
  static const char lines[] = "http://a.example.com/1\n"
                              "http://b.example.com/2\n"
                              "http://example.org/3\n";
  struct frontier_counts counts;
  struct task *first;
  struct task *second;

  opts.per_host = 1;
  opts.politeness_key = POLITENESS_DOMAIN;
  add_job(0, lines);
  first = frontier_next(frontier);
  second = frontier_next(frontier);
  ck_assert_ptr_nonnull(first);
  ck_assert_ptr_nonnull(second);
  ck_assert_ptr_null(frontier_next(frontier));
  ck_assert(has_prefix(first, "http://example.org") ||
            has_prefix(second, "http://example.org"));
  frontier_counts(frontier, &counts);
  ck_assert_int_eq(counts.hosts, 2);
  answer_ok(first);
  answer_ok(second);
}
END_TEST

/* One host with far more URLs than the read-ahead, throttled to one fetch
 * at a time, ahead of another host's URL at the end of the file: that URL
 * still comes out at once (the big host's overflow is spilled), and every
 * URL of the big host comes out exactly once, in file order. */
START_TEST(test_spill_lets_other_hosts_pass_a_throttled_one)
{
  enum { BIG = FRONTIER_READAHEAD * 3 };
  char *big = host_lines(2, 0, BIG);
  char *all = malloc(strlen(big) + 64);
  struct frontier_counts counts;
  struct task *task;
  struct task *small = NULL;
  int next_big = 0;
  int calls = 0;

  opts.per_host = 1;
  strcpy(all, big);
  strcat(all, "http://127.0.0.3:80/last\n");
  add_job(0, all);
  task = frontier_next(frontier);
  ck_assert_str_eq(task->url, "http://127.0.0.2:80/p0");
  next_big = 1;
  /* The big host is busy: each call reads on, until the small host's URL
   * is found. */
  while(small == NULL && calls++ < 1000)
    small = frontier_next(frontier);
  ck_assert_ptr_nonnull(small);
  ck_assert_str_eq(small->url, "http://127.0.0.3:80/last");
  frontier_counts(frontier, &counts);
  ck_assert_int_gt(counts.spilled, 0);
  ck_assert_int_le(counts.queued, 2 * FRONTIER_READAHEAD);
  answer_ok(small);
  for(;;) {
    char expected[64];

    snprintf(expected, sizeof(expected), "http://127.0.0.2:80/p%d",
             next_big - 1);
    ck_assert_str_eq(task->url, expected);
    answer_ok(task);
    task = frontier_next(frontier);
    if(task == NULL)
      break;
    next_big++;
  }
  ck_assert_int_eq(next_big, BIG);
  ck_assert(job_finished(jobs[0]));
  frontier_counts(frontier, &counts);
  ck_assert_int_eq(counts.spilled, 0);
  ck_assert_int_eq(counts.queued, 0);
  free(big);
  free(all);
}
END_TEST

/* A task of a job that follows links keeps its links flag through the
 * spill, or its page's links would be lost. */
START_TEST(test_spilled_tasks_keep_their_links_flag)
{
  enum { BIG = FRONTIER_READAHEAD * 2, BUSY_CALLS = 8 };
  char *big = host_lines(2, 0, BIG);
  struct jobopts options;
  struct frontier_counts counts;
  struct task *task;
  int count = 0;

  jobopts_defaults(&options, false);
  options.record_links = true;
  job_options = &options;
  opts.per_host = 1;
  add_job(0, big);
  job_options = NULL;
  task = frontier_next(frontier);
  for(int i = 0; i < BUSY_CALLS; i++)
    ck_assert_ptr_null(frontier_next(frontier));
  frontier_counts(frontier, &counts);
  ck_assert_int_gt(counts.spilled, 0);
  while(task != NULL) {
    ck_assert_msg(task->links, "task %d lost its links flag", count);
    count++;
    answer_ok(task);
    task = frontier_next(frontier);
  }
  ck_assert_int_eq(count, BIG);
  free(big);
}
END_TEST

/* A host busy long enough to have URLs spilled gets them back before any
 * further line is read once it may start again: the rest of the file stays
 * in memory instead of all going through the disk to keep the host's
 * order, and every URL still comes out once, in file order. */
START_TEST(test_spill_drains_once_the_host_may_start)
{
  enum { BIG = FRONTIER_READAHEAD * 4, BUSY_CALLS = 20 };
  char *big = host_lines(2, 0, BIG);
  struct frontier_counts counts;
  struct task *task;
  long long spilled_while_busy;
  int next = 0;

  opts.per_host = 1;
  add_job(0, big);
  task = frontier_next(frontier);
  ck_assert_str_eq(task->url, "http://127.0.0.2:80/p0");
  for(int i = 0; i < BUSY_CALLS; i++)
    ck_assert_ptr_null(frontier_next(frontier));
  frontier_counts(frontier, &counts);
  spilled_while_busy = counts.spill_writes;
  /* Each busy call read a batch past the read-ahead, all of it spilled. */
  ck_assert_int_eq(spilled_while_busy, BUSY_CALLS * 256);
  ck_assert_int_eq(counts.spilled, spilled_while_busy);
  while(task != NULL) {
    char expected[64];

    snprintf(expected, sizeof(expected), "http://127.0.0.2:80/p%d", next++);
    ck_assert_str_eq(task->url, expected);
    answer_ok(task);
    task = frontier_next(frontier);
  }
  ck_assert_int_eq(next, BIG);
  ck_assert(job_finished(jobs[0]));
  frontier_counts(frontier, &counts);
  ck_assert_int_eq(counts.spill_writes, spilled_while_busy);
  ck_assert_int_eq(counts.spilled, 0);
  free(big);
}
END_TEST

/* A URL whose host is over 300 bytes gets a bad_url record from the
 * frontier itself. */
START_TEST(test_unnameable_host_gets_a_record)
{
  char lines[1024];
  char host[400];
  struct job_counts counts;

  memset(host, 'a', 350);
  host[350] = '\0';
  snprintf(lines, sizeof(lines), "http://%s.example/\n", host);
  add_job(0, lines);
  ck_assert_ptr_null(frontier_next(frontier));
  ck_assert_int_eq(commits, 1);
  job_counts(jobs[0], &counts);
  ck_assert_int_eq(counts.records, 1);
  ck_assert(job_finished(jobs[0]));
}
END_TEST

/* A worker's answer to a robots.txt task: status and body. */
static void answer_robots(struct task *task, long status, const char *body)
{
  static const char record[] = "{\"url\":\"x\",\"utf8_repaired\":false}";
  unsigned char base64[1024];
  struct result_summary summary = { 0 };

  ck_assert(task->robots);
  summary.status = status;
  summary.error = status >= 400 ? RESULT_ERR_HTTP_ERROR : RESULT_OK;
  if(body != NULL) {
    summary.body_len = (size_t)EVP_EncodeBlock(
        base64, (const unsigned char *)body, (int)strlen(body));
    summary.body = (const char *)base64;
  }
  summary.record = record;
  summary.record_len = sizeof(record) - 1;
  ck_assert_int_eq(frontier_answered(frontier, task, &summary), FRONTIER_KEPT);
}

/* The first fetch from a site is its robots.txt, and its URLs wait for it;
 * then a URL a rule refuses gets robots_denied from the frontier itself,
 * without a fetch (RFC 9309 2.3). */
START_TEST(test_robots_txt_comes_first_and_its_rules_hold)
{
  static const char lines[] = "http://127.0.0.2:80/p0\n"
                              "http://127.0.0.2:80/p1\n";
  struct frontier_counts counts;
  struct job_counts job;
  struct task *robots;
  struct task *page;

  add_job_robots(0, lines, true);
  robots = frontier_next(frontier);
  ck_assert_ptr_nonnull(robots);
  ck_assert(robots->robots);
  ck_assert_str_eq(robots->url, "http://127.0.0.2:80/robots.txt");
  ck_assert_ptr_null(frontier_next(frontier));
  frontier_counts(frontier, &counts);
  ck_assert_int_eq(counts.hosts_robots_wait, 1);
  answer_robots(robots, 200, "User-agent: *\nDisallow: /p1\n");
  page = frontier_next(frontier);
  ck_assert_ptr_nonnull(page);
  ck_assert_str_eq(page->url, "http://127.0.0.2:80/p0");
  ck_assert_ptr_null(frontier_next(frontier));
  ck_assert_int_eq(commits, 1);
  frontier_counts(frontier, &counts);
  ck_assert_int_eq(counts.robots_fetches, 1);
  ck_assert_int_eq(counts.robots_denied, 1);
  answer_ok(page);
  job_counts(jobs[0], &job);
  ck_assert_int_eq(job.records, 2);
  ck_assert(job_finished(jobs[0]));
}
END_TEST

/* A file longer than the read-ahead whose every URL a rule refuses: the
 * records come without a fetch, and once the URLs read are answered the
 * frontier reads on by itself, since no answer will come to ask it. */
START_TEST(test_refused_urls_beyond_the_read_ahead_all_get_records)
{
  enum { URLS = 3 * FRONTIER_READAHEAD + 5 };
  char *lines = host_lines(2, 0, URLS);
  struct job_counts job;

  add_job_robots(0, lines, true);
  free(lines);
  answer_robots(frontier_next(frontier), 200, "User-agent: *\nDisallow: /\n");
  ck_assert_ptr_null(frontier_next(frontier));
  job_counts(jobs[0], &job);
  ck_assert_int_eq(job.records, URLS);
  ck_assert_int_eq(commits, URLS);
  ck_assert(job_finished(jobs[0]));
}
END_TEST

/* 404: no robots.txt, everything allowed (2.3.1.3). */
START_TEST(test_robots_4xx_allows_everything)
{
  static const char lines[] = "http://127.0.0.2:80/p0\n";
  struct task *page;

  add_job_robots(0, lines, true);
  answer_robots(frontier_next(frontier), 404, NULL);
  page = frontier_next(frontier);
  ck_assert_ptr_nonnull(page);
  ck_assert_str_eq(page->url, "http://127.0.0.2:80/p0");
  answer_ok(page);
}
END_TEST

/* 503 on the last attempt: the site is unavailable and its URLs get
 * robots_unavailable at once (2.3.1.4). */
START_TEST(test_robots_5xx_makes_the_urls_unavailable)
{
  static const char lines[] = "http://127.0.0.2:80/p0\n"
                              "http://127.0.0.2:80/p1\n";
  struct frontier_counts counts;

  opts.max_attempts = 1;
  add_job_robots(0, lines, true);
  answer_robots(frontier_next(frontier), 503, NULL);
  ck_assert_ptr_null(frontier_next(frontier));
  ck_assert_int_eq(commits, 2);
  frontier_counts(frontier, &counts);
  ck_assert_int_eq(counts.robots_unavailable, 2);
  ck_assert(job_finished(jobs[0]));
}
END_TEST

/* Crawl-delay becomes the host's delay, from the robots.txt answer on. */
START_TEST(test_crawl_delay_holds_the_host)
{
  static const char lines[] = "http://127.0.0.2:80/p0\n";
  struct frontier_host_info info;

  add_job_robots(0, lines, true);
  answer_robots(frontier_next(frontier), 200,
                "User-agent: *\nCrawl-delay: 60\n");
  ck_assert_ptr_null(frontier_next(frontier));
  ck_assert_uint_eq(frontier_hosts(frontier, &info, 1), 1);
  ck_assert_str_eq(info.key, "http://127.0.0.2:80");
  ck_assert_int_eq(info.delay_ms, 30000); /* max_crawl_delay_ms */
  ck_assert_int_eq(info.queued, 1);
  ck_assert_str_eq(info.robots, "known");
  ck_assert_int_gt(info.next_ms, 25000);
}
END_TEST

/* The worker fetching robots.txt died: it is fetched again. */
START_TEST(test_robots_task_of_a_dead_worker_is_made_again)
{
  static const char lines[] = "http://127.0.0.2:80/p0\n";
  struct task *robots;

  add_job_robots(0, lines, true);
  robots = frontier_next(frontier);
  frontier_requeue(frontier, robots);
  robots = frontier_next(frontier);
  ck_assert_ptr_nonnull(robots);
  ck_assert(robots->robots);
  answer_robots(robots, 404, NULL);
  answer_ok(frontier_next(frontier));
}
END_TEST

static Suite *frontier_suite(void)
{
  Suite *suite = suite_create("frontier");
  TCase *politeness = tcase_create("politeness");
  TCase *retries = tcase_create("retries");
  TCase *robots = tcase_create("robots");
  TCase *memory = tcase_create("memory");

  tcase_add_checked_fixture(politeness, setup, teardown);
  tcase_add_test(politeness, test_per_host_caps_fetches_in_flight);
  tcase_add_test(politeness,
                 test_host_delay_spaces_starts_but_other_hosts_go_on);
  tcase_add_test(politeness, test_hosts_take_turns);
  tcase_add_test(politeness, test_jobs_sharing_a_host_take_turns);
  tcase_add_test(politeness, test_domain_key_joins_hosts_of_a_domain);
  suite_add_tcase(suite, politeness);
  tcase_add_checked_fixture(retries, setup, teardown);
  tcase_add_test(retries, test_429_backs_the_host_off_and_retries);
  tcase_add_test(retries, test_retry_after_is_capped_but_still_waits);
  tcase_add_test(retries, test_last_attempt_is_committed);
  tcase_add_test(retries, test_transient_failures_are_retried_others_are_not);
  tcase_add_test(retries, test_requeued_task_goes_first);
  suite_add_tcase(suite, retries);
  tcase_add_checked_fixture(robots, setup, teardown);
  tcase_add_test(robots, test_robots_txt_comes_first_and_its_rules_hold);
  tcase_add_test(robots,
                 test_refused_urls_beyond_the_read_ahead_all_get_records);
  tcase_add_test(robots, test_robots_4xx_allows_everything);
  tcase_add_test(robots, test_robots_5xx_makes_the_urls_unavailable);
  tcase_add_test(robots, test_crawl_delay_holds_the_host);
  tcase_add_test(robots, test_robots_task_of_a_dead_worker_is_made_again);
  suite_add_tcase(suite, robots);
  tcase_add_checked_fixture(memory, setup, teardown);
  tcase_set_timeout(memory, 60);
  tcase_add_test(memory, test_spill_lets_other_hosts_pass_a_throttled_one);
  tcase_add_test(memory, test_spill_drains_once_the_host_may_start);
  tcase_add_test(memory, test_spilled_tasks_keep_their_links_flag);
  tcase_add_test(memory, test_unnameable_host_gets_a_record);
  suite_add_tcase(suite, memory);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(frontier_suite());
  int failed;

  log_set_ident("check_frontier");
  log_set_level(LOG_ERR);
  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
