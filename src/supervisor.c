/* supervisor.c - crawld --once; see supervisor.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frontier.h"
#include "job.h"
#include "log.h"
#include "pool.h"
#include "supervisor.h"

#define STOP_SIGNALS 3

struct once {
  const struct supervisor_watch *watch; /* or NULL */
  bool finish_told;                     /* watch->finished was called */
  struct event_base *base;
  struct pool *pool;
  struct frontier *frontier;
  struct job *job;
  FILE *output;
  struct event *stop_signals[STOP_SIGNALS];
  bool stopping; /* a signal asked us to stop taking work */
  bool failed;
};

static void finish_if_done(struct once *once)
{
  bool finished = job_finished(once->job);

  if(finished && once->watch != NULL && !once->finish_told) {
    struct frontier_counts counts;

    frontier_counts(once->frontier, &counts);
    once->finish_told = true;
    once->watch->finished(once->watch->arg, once->pool, &counts);
  }
  if(once->stopping || job_failure(once->job) != NULL || finished)
    pool_drain(once->pool);
}

static struct task *next_task(void *arg)
{
  struct once *once = arg;
  struct task *task;

  if(once->stopping || job_failure(once->job) != NULL)
    return NULL;
  task = frontier_next(once->frontier);
  if(task == NULL)
    finish_if_done(once);
  return task;
}

static void commit(void *arg, struct task *task,
                   const struct result_summary *answer)
{
  struct once *once = arg;

  if(once->watch != NULL)
    once->watch->answered(once->watch->arg, answer);
  job_commit(once->job, task, answer);
  finish_if_done(once);
}

static void answered(void *arg, struct task *task,
                     const struct result_summary *answer)
{
  struct once *once = arg;

  /* A URL tried again waits in its host's queue (the pool asks for tasks
   * once it has read its answers). */
  if(frontier_answered(once->frontier, task, answer) == FRONTIER_COMMIT)
    commit(once, task, answer);
}

static void requeue(void *arg, struct task *task)
{
  struct once *once = arg;

  frontier_requeue(once->frontier, task);
}

static void wake(void *arg)
{
  struct once *once = arg;

  pool_kick(once->pool);
}

static void drained(void *arg)
{
  struct once *once = arg;

  event_base_loopexit(once->base, NULL);
}

static void on_input_ready(void *arg)
{
  struct once *once = arg;

  pool_kick(once->pool);
}

static void on_stop_signal(evutil_socket_t signal_number, short events,
                           void *arg)
{
  struct once *once = arg;

  (void)events;
  if(once->stopping) {
    log_err("second signal: stopping now; URLs in flight get no record");
    once->failed = true;
    event_base_loopbreak(once->base);
    return;
  }
  log_warn("%s: finishing the URLs the workers hold, then stopping (again "
           "to stop now)",
           strsignal((int)signal_number));
  once->stopping = true;
  pool_drain(once->pool);
}

static char *default_job_name(const char *url_file)
{
  char *copy;
  char *name;

  if(strcmp(url_file, "-") == 0)
    return strdup("stdin");
  copy = strdup(url_file);
  if(copy == NULL)
    return NULL;
  name = strdup(basename(copy));
  free(copy);
  return name;
}

/* A throttled host's overflow goes where temporary files go. */
static const char *spill_dir(void)
{
  const char *dir = getenv("TMPDIR");

  return dir != NULL && dir[0] != '\0' ? dir : "/tmp";
}

/* The URLs a crawl finds wait in an unnamed file where the spill goes. */
static int apply_job_options(struct once *once,
                             const struct crawl_options *opts, char **cause)
{
  int dir_fd = open(spill_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc;

  if(dir_fd < 0)
    return cause_set(cause, "cannot open %s: %s", spill_dir(),
                     strerror(errno));
  rc = job_apply_options(once->job, &opts->job_options, opts->url_file, dir_fd,
                         NULL, cause);
  close(dir_fd);
  return rc;
}

static int setup(struct once *once, const struct crawl_options *opts,
                 const char *exe, char **cause)
{
  static const struct pool_owner owner_calls = { next_task, answered, requeue,
                                                 drained, NULL };
  /* A hangup (the terminal went away) stops the crawl as cleanly as
   * SIGTERM: the records written so far are flushed, not lost. */
  static const int stop_signal_numbers[STOP_SIGNALS] = { SIGINT, SIGTERM,
                                                         SIGHUP };
  struct pool_owner owner = owner_calls;
  struct frontier_calls frontier_calls = { commit, wake, NULL };
  char *name =
      opts->job != NULL ? strdup(opts->job) : default_job_name(opts->url_file);

  once->base = event_base_new();
  once->output =
      strcmp(opts->output, "-") == 0 ? stdout : fopen(opts->output, "we");
  if(name == NULL || once->base == NULL) {
    free(name);
    *cause = strdup("out of memory");
    return -1;
  }
  if(once->output == NULL) {
    free(name);
    if(asprintf(cause, "cannot open output %s: %s", opts->output,
                strerror(errno)) < 0)
      *cause = NULL;
    return -1;
  }
  once->job = job_open(name, opts->url_file, once->output, NULL, once->base,
                       on_input_ready, once, cause);
  free(name);
  if(once->job == NULL || apply_job_options(once, opts, cause) < 0)
    return -1;
  frontier_calls.owner = once;
  once->frontier =
      frontier_new(once->base, opts, spill_dir(), &frontier_calls, cause);
  if(once->frontier == NULL)
    return -1;
  if(frontier_add_job(once->frontier, once->job, opts->robots) < 0) {
    *cause = strdup("out of memory");
    return -1;
  }
  for(int i = 0; i < STOP_SIGNALS; i++) {
    once->stop_signals[i] =
        evsignal_new(once->base, stop_signal_numbers[i], on_stop_signal, once);
    if(once->stop_signals[i] == NULL ||
       evsignal_add(once->stop_signals[i], NULL) < 0) {
      *cause = strdup("cannot watch signals");
      return -1;
    }
  }
  owner.owner = once;
  once->pool = pool_new(once->base, opts, exe, &owner, cause);
  return once->pool != NULL ? 0 : -1;
}

static int teardown(struct once *once)
{
  int threads_left = pool_free(once->pool);

  frontier_free(once->frontier);
  job_close(once->job);
  if(once->output != NULL && once->output != stdout)
    fclose(once->output);
  for(int i = 0; i < STOP_SIGNALS; i++) {
    if(once->stop_signals[i] != NULL)
      event_free(once->stop_signals[i]);
  }
  if(once->base != NULL)
    event_base_free(once->base);
  return threads_left;
}

static double seconds_since(const struct timespec *start)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) +
         (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int supervisor_crawl(const struct crawl_options *opts, const char *exe,
                     const struct supervisor_watch *watch,
                     struct job_counts *counts, int *threads_left)
{
  struct once once = { 0 };
  char *cause = NULL;

  once.watch = watch;
  *counts = (struct job_counts){ 0 };
  if(setup(&once, opts, exe, &cause) < 0) {
    log_err("%s", cause != NULL ? cause : "out of memory");
    once.failed = true;
  }
  else {
    pool_kick(once.pool);
    event_base_dispatch(once.base);
  }
  free(cause);
  if(once.job != NULL) {
    long long unvisited = job_unvisited(once.job);

    if(unvisited >= 0)
      log_info("max_pages %lld reached: %lld URLs left unvisited",
               opts->job_options.max_pages, unvisited);
    job_counts(once.job, counts);
    if(job_failure(once.job) != NULL)
      once.failed = true;
  }
  if(once.output != NULL && fflush(once.output) != 0) {
    log_err("cannot write the output: %s", strerror(errno));
    once.failed = true;
  }
  *threads_left = teardown(&once);
  if(once.stopping && !once.failed)
    log_warn("stopped by a signal before the end of the URL file");
  return once.failed || once.stopping ? 1 : 0;
}

int supervisor_run_once(const struct crawl_options *opts, const char *exe,
                        int *threads_left)
{
  struct job_counts counts;
  struct timespec started;
  double elapsed;
  int status;

  clock_gettime(CLOCK_MONOTONIC, &started);
  status = supervisor_crawl(opts, exe, NULL, &counts, threads_left);
  elapsed = seconds_since(&started);
  log_info("%lld records (%lld ok, %lld errors) in %.3f s: %.1f URLs/s",
           counts.records, counts.ok, counts.errors, elapsed,
           elapsed > 0 ? (double)counts.records / elapsed : 0.0);
  return status;
}
