/* service.c - crawld as a service; see service.h.
 *
 * One event loop owns everything: the spool is watched (inotify plus a
 * periodic rescan) and every claimed file becomes a job; up to
 * max_active_jobs jobs run at once and take turns handing tasks to the
 * pool, so each gets a fair share of the workers; every answer is
 * journaled, and journals are fdatasync'ed in groups (every sync_records
 * records or sync_interval, whichever comes first). systemd hears of each
 * state change through sd_notify. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "conf.h"
#include "frontier.h"
#include "job.h"
#include "journal.h"
#include "log.h"
#include "pool.h"
#include "service.h"
#include "service_state.h"
#include "spool.h"
#include "stats.h"
#include "urlfile.h"

static void fatal(struct service *svc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A failed fsync or journal write cannot be retried safely (DESIGN.md):
 * stop at once; systemd restarts us and recovery rebuilds from disk. */
static void fatal(struct service *svc, const char *fmt, ...)
{
  char message[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  log_err("fatal: %s", message);
  svc->fatal = true;
  event_base_loopbreak(svc->base);
}

static void notify_status(struct service *svc)
{
  sd_notifyf(0,
             "STATUS=jobs: %d active, %d queued, %lld done, %lld failed; "
             "%lld records",
             svc->active_count, svc->queued_count, svc->jobs_done,
             svc->jobs_failed, svc->records);
}

static void on_job_input_ready(void *arg)
{
  struct service *svc = arg;

  pool_kick(svc->pool);
}

static int sync_journal(struct service *svc, struct job *job)
{
  if(journal_sync(job_journal(job)) == 0)
    return 0;
  fatal(svc, "job %s: cannot write its journal: %s", job_name(job),
        strerror(errno));
  return -1;
}

/* Opens the job's journal (recovering it), its URL file and, when it
 * follows links, the URLs it has found (processing/ID.found). */
static struct job *open_job(struct service *svc, const char *id,
                            const struct jobopts *options, char **cause)
{
  int dir_fd = spool_processing_fd(svc->spool);
  char *urls_path = spool_urls_path(svc->spool, id);
  char journal_name[160], found_name[160];
  long long max_seq;
  struct journal *journal;
  struct stat st;
  struct job *job;

  *cause = NULL;
  if(urls_path == NULL || stat(urls_path, &st) < 0) {
    cause_set(cause, "cannot open its URL file: %s", strerror(errno));
    free(urls_path);
    return NULL;
  }
  /* A file of n bytes has at most n + 1 lines, and a found URL takes a
   * line of its own: seqs beyond cannot be ours. */
  max_seq = (long long)st.st_size;
  snprintf(found_name, sizeof(found_name), "%s.found", id);
  if(fstatat(dir_fd, found_name, &st, 0) == 0)
    max_seq += (long long)st.st_size;
  snprintf(journal_name, sizeof(journal_name), "%s.jsonl", id);
  journal = journal_open(dir_fd, journal_name, max_seq, cause);
  if(journal == NULL) {
    free(urls_path);
    return NULL;
  }
  if(journal_count(journal) > 0)
    log_info("job %s: resuming with %lld records already journaled", id,
             journal_count(journal));
  job = job_open(id, urls_path, NULL, journal, svc->base, on_job_input_ready,
                 svc, cause);
  if(job != NULL && job_apply_options(job, options, urls_path, dir_fd,
                                      found_name, cause) < 0) {
    job_close(job);
    job = NULL;
  }
  free(urls_path);
  return job;
}

/* Starts queued jobs while fewer than max_active_jobs run. */
static void activate_jobs(struct service *svc)
{
  while(svc->queued_head != NULL &&
        svc->active_count < svc->opts.max_active_jobs &&
        svc->active_count < MAX_ACTIVE_JOBS) {
    struct queued_job *queued = svc->queued_head;
    struct jobopts options;
    char *cause = NULL;
    struct job *job;

    svc->queued_head = queued->next;
    if(svc->queued_head == NULL)
      svc->queued_tail = NULL;
    svc->queued_count--;
    jobopts_defaults(&options, svc->opts.robots);
    job = NULL;
    if(spool_job_options(svc->spool, queued->id, &options, &cause) == 0)
      job = open_job(svc, queued->id, &options, &cause);
    if(job != NULL &&
       frontier_add_job(svc->frontier, job, options.robots) < 0) {
      job_close(job);
      job = NULL;
      cause = strdup("out of memory");
    }
    if(job != NULL) {
      struct active_job *entry = &svc->active[svc->active_count++];
      char *urls_path = spool_urls_path(svc->spool, queued->id);

      entry->job = job;
      entry->total = urls_path != NULL ? urlfile_count_records(urls_path) : -1;
      entry->recorded_before = journal_count(job_journal(job));
      clock_gettime(CLOCK_MONOTONIC, &entry->started);
      free(urls_path);
      log_info("job %s: started (%lld records to make)", queued->id,
               job_records_due(job, entry->total));
    }
    else {
      log_err("job %s: %s", queued->id,
              cause != NULL ? cause : "out of memory");
      svc->jobs_failed++;
      if(spool_finish(svc->spool, queued->id, true, cause) < 0)
        fatal(svc, "job %s: cannot move it to failed/", queued->id);
    }
    free(cause);
    free(queued->id);
    free(queued);
  }
}

/* Remembers which job a producer's file became, for crawlctl submit. */
static void remember_claim(struct service *svc, const char *id,
                           const char *file_name)
{
  struct recent_claim *claim = &svc->claims[svc->claim_count % RECENT_CLAIMS];

  free(claim->file_name);
  claim->file_name = strdup(file_name);
  snprintf(claim->id, sizeof(claim->id), "%s", id);
  svc->claim_count++;
}

const char *service_claimed_as(const struct service *svc,
                               const char *file_name)
{
  /* Newest first: a producer may reuse a name for a new file. */
  for(long long n = svc->claim_count - 1;
      n >= 0 && n >= svc->claim_count - RECENT_CLAIMS; n--) {
    const struct recent_claim *claim = &svc->claims[n % RECENT_CLAIMS];

    if(claim->file_name != NULL && strcmp(claim->file_name, file_name) == 0)
      return claim->id;
  }
  return NULL;
}

static void queue_job(void *arg, const char *id, const char *file_name)
{
  struct service *svc = arg;
  struct queued_job *queued = calloc(1, sizeof(*queued));
  char *copy = strdup(id);

  if(queued == NULL || copy == NULL) {
    free(queued);
    free(copy);
    /* It stays in processing/ and is picked up at the next start. */
    log_err("job %s: out of memory queueing it", id);
    return;
  }
  queued->id = copy;
  if(file_name != NULL)
    remember_claim(svc, id, file_name);
  if(svc->queued_tail != NULL)
    svc->queued_tail->next = queued;
  else
    svc->queued_head = queued;
  svc->queued_tail = queued;
  svc->queued_count++;
}

/* The job at active[index] has every record: journal it durably, move its
 * files to done/ (or failed/), and let a queued job take its place. */
static void remember_finished(struct service *svc,
                              const struct active_job *entry, bool failed)
{
  struct finished_job *finished =
      &svc->recent[svc->finished_count % RECENT_JOBS];
  struct job_counts counts;

  job_counts(entry->job, &counts);
  snprintf(finished->id, sizeof(finished->id), "%s", job_name(entry->job));
  finished->failed = failed;
  finished->total = job_records_due(entry->job, entry->total);
  finished->records = counts.records;
  finished->ok = counts.ok;
  finished->errors = counts.errors;
  finished->finished_at = time(NULL);
  svc->finished_count++;
}

static void finish_job(struct service *svc, int index)
{
  struct job *job = svc->active[index].job;
  const char *failure = job_failure(job);
  struct job_counts counts;
  long long unvisited;
  char *id = strdup(job_name(job));

  if(id == NULL || sync_journal(svc, job) < 0) {
    free(id);
    return;
  }
  job_counts(job, &counts);
  unvisited = job_unvisited(job);
  if(unvisited >= 0)
    log_info("job %s: max_pages reached: %lld URLs left unvisited", id,
             unvisited);
  frontier_remove_job(svc->frontier, job);
  remember_finished(svc, &svc->active[index], failure != NULL);
  svc->active[index] = svc->active[--svc->active_count];
  if(spool_finish(svc->spool, id, failure != NULL, failure) < 0) {
    fatal(svc, "job %s: cannot move its files out of processing/", id);
  }
  else if(failure != NULL) {
    svc->jobs_failed++;
    log_err("job %s: failed: %s", id, failure);
  }
  else {
    svc->jobs_done++;
    log_info("job %s: done: %lld records this run (%lld ok, %lld errors)", id,
             counts.records, counts.ok, counts.errors);
  }
  job_close(job);
  free(id);
  activate_jobs(svc);
  notify_status(svc);
}

static int active_index(const struct service *svc, const struct job *job)
{
  for(int i = 0; i < svc->active_count; i++) {
    if(svc->active[i].job == job)
      return i;
  }
  return -1;
}

/* The frontier lets the jobs take turns; a job whose lines all have their
 * records (the last ones bad lines, say) finishes here. */
static struct task *next_task(void *arg)
{
  struct service *svc = arg;
  struct task *task;

  if(svc->stopping || svc->paused || svc->fatal)
    return NULL;
  task = frontier_next(svc->frontier);
  if(task != NULL)
    return task;
  for(int i = svc->active_count - 1; i >= 0 && !svc->fatal; i--) {
    if(i < svc->active_count && job_finished(svc->active[i].job))
      finish_job(svc, i);
  }
  return NULL;
}

/* What the record says, for the statistics of the worker that made it.
 * configure --disable-stats compiles this out, to measure its cost. */
static void count_record(struct service *svc,
                         const struct result_summary *answer)
{
#ifdef CRAWLD_NO_STATS
  (void)svc;
  (void)answer;
#else
  struct stats_sample sample = { 0 };
  struct timespec now;

  sample.ok = answer->error == RESULT_OK;
  sample.error = answer->error;
  sample.status = answer->status;
  sample.bytes = answer->bytes;
  sample.truncated = answer->truncated;
  sample.attempt = answer->attempt;
  sample.total_ms = answer->total_ms;
  clock_gettime(CLOCK_MONOTONIC, &now);
  /* worker_crash records come from the pool, not from a worker: they count
   * in the totals only. */
  if(!answer->has_worker || answer->worker_id < 0 ||
     answer->worker_id >= OPTIONS_MAX_WORKERS) {
    stats_record(&svc->unattributed, &sample, &now);
    return;
  }
  svc->stats_kind[answer->worker_id] = answer->worker_kind;
  stats_record(&svc->stats[answer->worker_id], &sample, &now);
#endif
}

static void commit(void *arg, struct task *task,
                   const struct result_summary *answer)
{
  struct service *svc = arg;
  struct job *job = task->job;
  int index;

  count_record(svc, answer);
  if(job_commit(job, task, answer) < 0) {
    fatal(svc, "job %s: %s", job_name(job), job_failure(job));
    return;
  }
  svc->records++;
  if(journal_unsynced(job_journal(job)) >= svc->opts.sync_records &&
     sync_journal(svc, job) < 0)
    return;
  index = active_index(svc, job);
  if(index >= 0 && job_finished(job))
    finish_job(svc, index);
}

/* A URL tried again waits in its host's queue; it gets one record, from
 * its last attempt. */
static void answered(void *arg, struct task *task,
                     const struct result_summary *answer)
{
  struct service *svc = arg;

  if(frontier_answered(svc->frontier, task, answer) == FRONTIER_COMMIT)
    commit(svc, task, answer);
}

static void requeue(void *arg, struct task *task)
{
  struct service *svc = arg;

  frontier_requeue(svc->frontier, task);
}

static void wake(void *arg)
{
  struct service *svc = arg;

  pool_kick(svc->pool);
}

static void drained(void *arg)
{
  struct service *svc = arg;

  event_base_loopexit(svc->base, NULL);
}

void service_scan(struct service *svc)
{
  if(svc->stopping || svc->draining)
    return;
  if(spool_scan(svc->spool, queue_job, svc) < 0) {
    fatal(svc, "cannot claim job files durably");
    return;
  }
  activate_jobs(svc);
  notify_status(svc);
  pool_kick(svc->pool);
}

static void on_watch(evutil_socket_t fd, short events, void *arg)
{
  struct service *svc = arg;

  (void)fd;
  (void)events;
  spool_watch_drain(svc->spool);
  service_scan(svc);
}

static void on_rescan(evutil_socket_t fd, short events, void *arg)
{
  (void)fd;
  (void)events;
  service_scan(arg);
}

static void on_sync(evutil_socket_t fd, short events, void *arg)
{
  struct service *svc = arg;

  (void)fd;
  (void)events;
  for(int i = 0; i < svc->active_count; i++) {
    struct job *job = svc->active[i].job;

    if(journal_unsynced(job_journal(job)) > 0 && sync_journal(svc, job) < 0)
      return;
  }
}

static void on_watchdog(evutil_socket_t fd, short events, void *arg)
{
  (void)fd;
  (void)events;
  (void)arg;
  sd_notify(0, "WATCHDOG=1");
}

static void on_shutdown_timeout(evutil_socket_t fd, short events, void *arg)
{
  struct service *svc = arg;

  (void)fd;
  (void)events;
  log_warn("shutdown timeout: %lld URLs still with workers are fetched again "
           "at the next start",
           pool_outstanding(svc->pool));
  event_base_loopbreak(svc->base);
}

static void stop(struct service *svc, int signal_number)
{
  struct timeval timeout = { svc->opts.shutdown_timeout_ms / 1000,
                             (svc->opts.shutdown_timeout_ms % 1000) * 1000 };

  if(svc->stopping) {
    log_warn("%s again: stopping now", strsignal(signal_number));
    event_base_loopbreak(svc->base);
    return;
  }
  log_info("%s: finishing the URLs the workers hold (at most %.1f s), then "
           "stopping",
           strsignal(signal_number), svc->opts.shutdown_timeout_ms / 1000.0);
  sd_notify(0, "STOPPING=1");
  svc->stopping = true;
  event_add(svc->shutdown, &timeout);
  pool_drain(svc->pool);
}

/* Settings as at start-up: defaults, the config file, then the flags. */
static int load_settings(struct crawl_options *opts, int argc, char **argv,
                         char **cause)
{
  struct crawl_options flags_only;
  const char *path;

  /* The flags say which config file to read, and then override it. */
  if(options_parse(&flags_only, argc, argv, cause) < 0)
    return -1;
  path =
      flags_only.config != NULL ? flags_only.config : OPTIONS_DEFAULT_CONFIG;
  options_defaults(opts);
  if(conf_load(path, flags_only.config == NULL, opts, cause) < 0)
    return -1;
  return options_apply_flags(opts, argc, argv, cause);
}

static void set_interval(struct event *timer, long interval_ms)
{
  struct timeval interval = { interval_ms / 1000,
                              (interval_ms % 1000) * 1000 };

  event_del(timer);
  event_add(timer, &interval);
}

/* What a reload changes at once; the rest waits for a restart. */
static void apply_settings(struct service *svc, struct crawl_options *fresh)
{
  if(strcmp(fresh->state_dir, svc->opts.state_dir) != 0 ||
     strcmp(fresh->runtime_dir, svc->opts.runtime_dir) != 0)
    log_warn("reload: state_dir and runtime_dir change only at a restart");
  /* svc->opts.window is the pool's, resolved at start-up. */
  if(options_window(fresh) != svc->opts.window)
    log_warn("reload: the window (and an inflight above it) changes only at "
             "a restart");
  if(fresh->politeness_key != svc->opts.politeness_key)
    log_warn("reload: politeness_key changes only at a restart");
  fresh->politeness_key = svc->opts.politeness_key;
  snprintf(fresh->state_dir, sizeof(fresh->state_dir), "%s",
           svc->opts.state_dir);
  snprintf(fresh->runtime_dir, sizeof(fresh->runtime_dir), "%s",
           svc->opts.runtime_dir);
  fresh->window = svc->opts.window;
  svc->opts = *fresh;
  log_set_level(fresh->log_level);
  spool_set_max_job_bytes(svc->spool, fresh->max_job_bytes);
  set_interval(svc->rescan, fresh->rescan_interval_ms);
  set_interval(svc->sync, fresh->sync_interval_ms);
  frontier_configure(svc->frontier, &svc->opts);
  pool_resize(svc->pool, &svc->opts);
  activate_jobs(svc);
}

int service_reload(struct service *svc, char **cause)
{
  struct crawl_options fresh;
  int rc;

  *cause = NULL;
  if(svc->stopping) {
    log_warn("reload refused: crawld is stopping");
    *cause = strdup("crawld is stopping");
    return -1;
  }
  sd_notify(0, "RELOADING=1");
  rc = load_settings(&fresh, svc->argc, svc->argv, cause);
  if(rc < 0) {
    log_err("reload: %s; keeping the current settings",
            *cause != NULL ? *cause : "out of memory");
  }
  else {
    apply_settings(svc, &fresh);
    log_info("reloaded: %d threads, %d processes, %d jobs at once",
             fresh.threads, fresh.processes, fresh.max_active_jobs);
  }
  sd_notify(0, "READY=1");
  notify_status(svc);
  return rc;
}

static void on_signal(evutil_socket_t signal_number, short events, void *arg)
{
  struct service *svc = arg;

  (void)events;
  if(signal_number == SIGHUP) {
    char *cause = NULL;

    service_reload(svc, &cause);
    free(cause);
  }
  else
    stop(svc, (int)signal_number);
}

static struct event *add_timer(struct service *svc, long interval_ms,
                               event_callback_fn callback)
{
  struct timeval interval = { interval_ms / 1000,
                              (interval_ms % 1000) * 1000 };
  struct event *timer = event_new(svc->base, -1, EV_PERSIST, callback, svc);

  if(timer != NULL && event_add(timer, &interval) < 0) {
    event_free(timer);
    return NULL;
  }
  return timer;
}

static int setup_events(struct service *svc, char **cause)
{
  static const int signal_numbers[3] = { SIGINT, SIGTERM, SIGHUP };
  uint64_t watchdog_usec = 0;

  for(int i = 0; i < 3; i++) {
    svc->signals[i] =
        evsignal_new(svc->base, signal_numbers[i], on_signal, svc);
    if(svc->signals[i] == NULL || evsignal_add(svc->signals[i], NULL) < 0)
      goto failed;
  }
  svc->watch = event_new(svc->base, spool_watch_fd(svc->spool),
                         EV_READ | EV_PERSIST, on_watch, svc);
  svc->shutdown = evtimer_new(svc->base, on_shutdown_timeout, svc);
  svc->rescan = add_timer(svc, svc->opts.rescan_interval_ms, on_rescan);
  svc->sync = add_timer(svc, svc->opts.sync_interval_ms, on_sync);
  if(svc->watch == NULL || svc->shutdown == NULL || svc->rescan == NULL ||
     svc->sync == NULL || event_add(svc->watch, NULL) < 0)
    goto failed;
  /* systemd kills us when pings stop for WatchdogSec: ping twice as often
   * from the loop itself, so a stuck loop is caught. */
  if(sd_watchdog_enabled(0, &watchdog_usec) > 0) {
    svc->watchdog = add_timer(svc, (long)(watchdog_usec / 2000), on_watchdog);
    if(svc->watchdog == NULL)
      goto failed;
  }
  return 0;
failed:
  *cause = strdup("cannot set up the event loop");
  return -1;
}

static int setup(struct service *svc, char **cause)
{
  char absolute[PATH_MAX];
  static const struct pool_owner owner_calls = { next_task, answered, requeue,
                                                 drained, NULL };
  struct pool_owner owner = owner_calls;
  struct frontier_calls frontier_calls = { commit, wake, svc };

  log_set_level(svc->opts.log_level);
  svc->base = event_base_new();
  if(svc->base == NULL) {
    *cause = strdup("cannot create the event loop");
    return -1;
  }
  svc->spool = spool_open(svc->opts.state_dir, svc->opts.max_job_bytes, cause);
  if(svc->spool == NULL)
    return -1;
  /* Clients (crawlctl submit) reach the spool through the path status
   * reports, from any working directory. */
  if(realpath(svc->opts.state_dir, absolute) != NULL)
    snprintf(svc->opts.state_dir, sizeof(svc->opts.state_dir), "%s", absolute);
  if(mkdir(svc->opts.runtime_dir, 0750) < 0 && errno != EEXIST) {
    cause_set(cause, "cannot create %s: %s", svc->opts.runtime_dir,
              strerror(errno));
    return -1;
  }
  /* Recovery comes before READY: every job a previous run left is queued
   * again, first in line. */
  if(spool_recover(svc->spool, queue_job, svc) < 0) {
    *cause = strdup("cannot recover the jobs in processing/");
    return -1;
  }
  if(setup_events(svc, cause) < 0)
    return -1;
  /* A throttled host's overflow is spilled beside the journals. */
  svc->frontier = frontier_new(svc->base, &svc->opts, svc->opts.state_dir,
                               &frontier_calls, cause);
  if(svc->frontier == NULL)
    return -1;
  owner.owner = svc;
  svc->pool = pool_new(svc->base, &svc->opts, svc->exe, &owner, cause);
  if(svc->pool == NULL)
    return -1;
  svc->ctl = ctl_open(svc->base, svc->opts.runtime_dir, service_commands,
                      service_command_count, svc, cause);
  if(svc->ctl == NULL)
    return -1;
  activate_jobs(svc);
  return 0;
}

/* After the loop: every record answered so far is made durable (unless a
 * fatal error stopped us: then nothing more is written), and the jobs stay
 * in processing/ for the next start. */
static int teardown(struct service *svc)
{
  int threads_left;

  ctl_close(svc->ctl);
  threads_left = pool_free(svc->pool);
  frontier_free(svc->frontier);
  for(int i = 0; i < svc->active_count; i++) {
    struct job *job = svc->active[i].job;

    if(!svc->fatal && journal_sync(job_journal(job)) < 0) {
      log_err("fatal: job %s: cannot write its journal: %s", job_name(job),
              strerror(errno));
      svc->fatal = true;
    }
    job_close(job);
  }
  for(int i = 0; i < RECENT_CLAIMS; i++)
    free(svc->claims[i].file_name);
  while(svc->queued_head != NULL) {
    struct queued_job *queued = svc->queued_head;

    svc->queued_head = queued->next;
    free(queued->id);
    free(queued);
  }
  for(int i = 0; i < 3; i++) {
    if(svc->signals[i] != NULL)
      event_free(svc->signals[i]);
  }
  if(svc->watch != NULL)
    event_free(svc->watch);
  if(svc->rescan != NULL)
    event_free(svc->rescan);
  if(svc->sync != NULL)
    event_free(svc->sync);
  if(svc->watchdog != NULL)
    event_free(svc->watchdog);
  if(svc->shutdown != NULL)
    event_free(svc->shutdown);
  spool_close(svc->spool);
  if(svc->base != NULL)
    event_base_free(svc->base);
  return threads_left;
}

int service_run(const struct crawl_options *flags, int argc, char **argv,
                const char *exe, int *threads_left)
{
  struct service svc = { 0 };
  char *cause = NULL;

  svc.argc = argc;
  svc.argv = argv;
  svc.exe = exe;
  svc.config_path =
      flags->config != NULL ? flags->config : OPTIONS_DEFAULT_CONFIG;
  clock_gettime(CLOCK_MONOTONIC, &svc.started);
  if(load_settings(&svc.opts, argc, argv, &cause) < 0) {
    fprintf(stderr, "crawld: %s\n", cause != NULL ? cause : "out of memory");
    free(cause);
    *threads_left = 0;
    return 2;
  }
  /* The window the pool keeps for good; reloads compare against it. */
  svc.opts.window = options_window(&svc.opts);
  if(setup(&svc, &cause) < 0) {
    log_err("%s", cause != NULL ? cause : "out of memory");
    free(cause);
    *threads_left = teardown(&svc);
    return 1;
  }
  service_scan(&svc);
  log_info("ready: %s, %d threads, %d processes, %d jobs recovered",
           svc.opts.state_dir, svc.opts.threads, svc.opts.processes,
           svc.active_count + svc.queued_count);
  sd_notify(0, "READY=1");
  notify_status(&svc);
  event_base_dispatch(svc.base);
  *threads_left = teardown(&svc);
  log_info("stopped: %lld jobs done, %lld failed, %lld records this run",
           svc.jobs_done, svc.jobs_failed, svc.records);
  return svc.fatal ? 1 : 0;
}
