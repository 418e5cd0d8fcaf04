/* check_fdleak.c - the daemon closes every fd it opens for a job: after
 * 1,000 small jobs through the spool, the supervisor (with its worker
 * thread) and its worker process hold the same fds as after the first.
 *
 * Each worker keeps at most one transfer in flight (--inflight 1), so each
 * keeps at most one connection to the test server open, whatever the job:
 * a count that grows is a leak, not a fuller connection cache. */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"

#define JOBS 1000
#define URLS_PER_JOB 4
/* Jobs dropped before waiting for them all to be done. */
#define BATCH 50
/* How long anything may take before the test fails. */
#define WAIT_S 30.0
/* How long fds closed a moment after a job is done may take to go. */
#define SETTLE_S 5.0

static struct harness h;
static char state_dir[300];
static char runtime_dir[300];
static char conf_path[300];
static char log_path[300];

static void setup(void)
{
  harness_start_service(&h);
  snprintf(state_dir, sizeof(state_dir), "%s/state", h.dir);
  snprintf(runtime_dir, sizeof(runtime_dir), "%s/run", h.dir);
  snprintf(conf_path, sizeof(conf_path), "%s/crawld.conf", h.dir);
  snprintf(log_path, sizeof(log_path), "%s/crawld.log", h.dir);
}

static void teardown(void)
{
  harness_stop_service(&h);
}

/* Files in state/sub whose name ends in suffix. */
static size_t count_files(const char *sub, const char *suffix)
{
  char path[400];
  DIR *dir;
  struct dirent *entry;
  size_t count = 0;

  snprintf(path, sizeof(path), "%s/%s", state_dir, sub);
  dir = opendir(path);
  if(dir == NULL)
    return 0;
  while((entry = readdir(dir)) != NULL) {
    size_t len = strlen(entry->d_name);

    if(entry->d_name[0] != '.' && len > strlen(suffix) &&
       strcmp(entry->d_name + len - strlen(suffix), suffix) == 0)
      count++;
  }
  closedir(dir);
  return count;
}

static bool alive(pid_t pid)
{
  int status = harness_daemon_wait(&h, pid, 0);

  ck_assert_msg(status < 0, "crawld exited with status %d", status);
  return true;
}

/* Drops job number job: URLS_PER_JOB URLs of the test server. */
static void drop_job(int job)
{
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  char name[32];

  ck_assert_ptr_nonnull(out);
  for(int i = 0; i < URLS_PER_JOB; i++) {
    char path[64];
    char *url;

    snprintf(path, sizeof(path), "/delay?ms=0&n=%d", job * URLS_PER_JOB + i);
    url = harness_url(&h, path);
    fprintf(out, "%s\n", url);
    free(url);
  }
  ck_assert_int_eq(fclose(out), 0);
  snprintf(name, sizeof(name), "job-%04d.txt", job);
  harness_drop_job(state_dir, name, text, size);
  free(text);
}

static void wait_done(pid_t pid, size_t jobs)
{
  HARNESS_WAIT_UNTIL(alive(pid) && count_files("done", ".jsonl") >= jobs,
                     WAIT_S, "%zu jobs in done/", jobs);
}

/* The fds of the daemon and of its one worker process. */
struct census {
  pid_t worker;
  size_t supervisor_fds;
  size_t worker_fds;
  char *supervisor_list;
  char *worker_list;
};

static void census_take(pid_t pid, struct census *c)
{
  pid_t children[4];
  size_t count = harness_children(pid, children, 4);

  ck_assert_msg(count == 1, "crawld has %zu child processes, expected 1",
                count);
  c->worker = children[0];
  c->supervisor_fds = harness_open_fds(pid, &c->supervisor_list);
  c->worker_fds = harness_open_fds(c->worker, &c->worker_list);
}

static void census_free(struct census *c)
{
  free(c->supervisor_list);
  free(c->worker_list);
  memset(c, 0, sizeof(*c));
}

static bool census_same(const struct census *a, const struct census *b)
{
  return a->worker == b->worker && a->supervisor_fds == b->supervisor_fds &&
         a->worker_fds == b->worker_fds;
}

/* Takes a census once two taken 100 ms apart agree, within SETTLE_S; the
 * last one taken if they never do. */
static void census_settled(pid_t pid, struct census *c)
{
  double end = harness_now() + SETTLE_S;
  struct census next;

  census_take(pid, c);
  for(;;) {
    usleep(100 * 1000);
    census_take(pid, &next);
    if(census_same(c, &next) || harness_now() > end)
      break;
    census_free(c);
    *c = next;
  }
  census_free(c);
  *c = next;
}

START_TEST(test_1000_jobs_leave_the_fd_count_where_the_first_left_it)
{
  static const char conf[] = "[spool]\n"
                             "max_active_jobs = 16\n"
                             "sync_interval = 0.05\n";
  const char *args[] = {
    "--config",   conf_path,   "--state-dir", state_dir,     "--runtime-dir",
    runtime_dir,  "--threads", "1",           "--processes", "1",
    "--inflight", "1",         NULL
  };
  struct census first;
  struct census last;
  double end;
  pid_t pid;

  free(harness_write(&h, "crawld.conf", conf, strlen(conf)));
  harness_on_failure_show(log_path);
  pid = harness_daemon_start(&h, "crawld.log", args, NULL);
  drop_job(0);
  wait_done(pid, 1);
  census_settled(pid, &first);

  for(int job = 1; job < JOBS;) {
    int batch_end = job + BATCH < JOBS ? job + BATCH : JOBS;

    for(; job < batch_end; job++)
      drop_job(job);
    wait_done(pid, (size_t)batch_end);
  }
  ck_assert_uint_eq(count_files("done", ".jsonl"), JOBS);
  ck_assert_uint_eq(count_files("failed", ""), 0);

  /* Back where the first job left them, once fds of the last jobs that
   * are closed a moment after done/ shows them have gone. */
  end = harness_now() + SETTLE_S;
  for(;;) {
    census_take(pid, &last);
    if(census_same(&first, &last) || harness_now() > end)
      break;
    census_free(&last);
    usleep(100 * 1000);
  }
  printf("open fds after job 1 and after job %d: supervisor %zu and %zu, "
         "worker process %zu and %zu\n",
         JOBS, first.supervisor_fds, last.supervisor_fds, first.worker_fds,
         last.worker_fds);
  ck_assert_msg(first.worker == last.worker,
                "the worker process was restarted (pid %ld, then %ld)",
                (long)first.worker, (long)last.worker);
  ck_assert_msg(first.supervisor_fds == last.supervisor_fds,
                "supervisor: %zu fds after job 1, %zu after job %d\n"
                "after job 1:\n%safter job %d:\n%s",
                first.supervisor_fds, last.supervisor_fds, JOBS,
                first.supervisor_list, JOBS, last.supervisor_list);
  ck_assert_msg(first.worker_fds == last.worker_fds,
                "worker process: %zu fds after job 1, %zu after job %d\n"
                "after job 1:\n%safter job %d:\n%s",
                first.worker_fds, last.worker_fds, JOBS, first.worker_list,
                JOBS, last.worker_list);
  census_free(&first);
  census_free(&last);
  ck_assert_int_eq(harness_daemon_stop(&h, pid, WAIT_S), 0);
}
END_TEST

static Suite *fdleak_suite(void)
{
  Suite *suite = suite_create("fdleak");
  TCase *tcase = tcase_create("jobs");

  tcase_add_unchecked_fixture(tcase, setup, teardown);
  tcase_set_timeout(tcase, 120);
  tcase_add_test(tcase,
                 test_1000_jobs_leave_the_fd_count_where_the_first_left_it);
  suite_add_tcase(suite, tcase);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(fdleak_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
