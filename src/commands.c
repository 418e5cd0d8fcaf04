/* commands.c - what each crawlctl command answers and does: one handler and
 * one row of service_commands[] per command. The reply shapes are
 * documented in crawlctl(1); keys are only ever added. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "service_state.h"

static const char *const kind_names[2] = { "thread", "process" };

static double seconds_since(const struct timespec *start)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) +
         (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static const char *state_name(const struct service *svc)
{
  if(svc->stopping)
    return "stopping";
  if(svc->paused)
    return "paused";
  if(svc->draining)
    return svc->active_count + svc->queued_count > 0 ? "draining" : "drained";
  return "running";
}

/* The statistics of every worker slot whose last record came from kind,
 * or for kind -1 of all of them and of the records no worker made. */
static int collect(const struct service *svc, int kind,
                   const struct stats_worker **workers,
                   struct stats_counters *sum)
{
  int count = 0;

  memset(sum, 0, sizeof(*sum));
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    if(svc->stats[i].counters.records == 0)
      continue;
    if(kind >= 0 && (int)svc->stats_kind[i] != kind)
      continue;
    workers[count++] = &svc->stats[i];
    stats_add(sum, &svc->stats[i]);
  }
  if(kind < 0 && svc->unattributed.counters.records > 0) {
    workers[count++] = &svc->unattributed;
    stats_add(sum, &svc->unattributed);
  }
  return count;
}

static json_t *rates(const struct stats_worker *const *workers, int count)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return json_pack("{s:f, s:f, s:f}", "10s",
                   stats_rate(workers, count, 10, &now), "1m",
                   stats_rate(workers, count, 60, &now), "5m",
                   stats_rate(workers, count, 300, &now));
}

static json_t *latency(const struct stats_counters *counters)
{
  return json_pack("{s:f, s:f, s:f}", "p50", stats_percentile(counters, 0.5),
                   "p90", stats_percentile(counters, 0.9), "p99",
                   stats_percentile(counters, 0.99));
}

/* throughput and latency_ms, per kind and in total. */
static void add_performance(const struct service *svc, json_t *result)
{
  const struct stats_worker *workers[STATS_SOURCES];
  json_t *throughput = json_object();
  json_t *latency_ms = json_object();
  struct stats_counters sum;
  int count;

  for(int kind = -1; kind < 2; kind++) {
    const char *name = kind < 0 ? "total" : kind_names[kind];

    count = collect(svc, kind, workers, &sum);
    json_object_set_new(throughput, name, rates(workers, count));
    json_object_set_new(latency_ms, name, latency(&sum));
  }
  json_object_set_new(result, "throughput", throughput);
  json_object_set_new(result, "latency_ms", latency_ms);
}

/* One active job's progress. */
static json_t *job_progress(const struct service *svc,
                            const struct active_job *entry)
{
  long long in_flight = frontier_job_in_flight(svc->frontier, entry->job);
  struct job_counts counts;
  long long done;
  double elapsed = seconds_since(&entry->started);
  double rate;
  long long total = job_records_due(entry->job, entry->total);
  long long remaining;

  job_counts(entry->job, &counts);
  done = entry->recorded_before + counts.records;
  rate = elapsed > 0 ? (double)counts.records / elapsed : 0;
  remaining = total >= 0 ? total - done : -1;
  return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:o}", "id",
                   job_name(entry->job), "state", "active", "total",
                   (json_int_t)total, "done", (json_int_t)done, "ok",
                   (json_int_t)counts.ok, "failed", (json_int_t)counts.errors,
                   "in_flight", (json_int_t)in_flight, "rate", rate, "eta_s",
                   remaining >= 0 && rate > 0
                       ? json_real((double)remaining / rate)
                       : json_null());
}

static json_t *finished_entry(const struct finished_job *finished)
{
  return json_pack(
      "{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "id", finished->id, "state",
      finished->failed ? "failed" : "done", "total",
      (json_int_t)finished->total, "done", (json_int_t)finished->records, "ok",
      (json_int_t)finished->ok, "failed", (json_int_t)finished->errors,
      "finished_at", (json_int_t)finished->finished_at);
}

static json_t *job_list(const struct service *svc)
{
  json_t *jobs = json_array();

  for(int i = 0; i < svc->active_count; i++)
    json_array_append_new(jobs, job_progress(svc, &svc->active[i]));
  for(const struct queued_job *queued = svc->queued_head; queued != NULL;
      queued = queued->next)
    json_array_append_new(
        jobs, json_pack("{s:s, s:s}", "id", queued->id, "state", "queued"));
  for(long long i = svc->finished_count - 1;
      i >= 0 && i >= svc->finished_count - RECENT_JOBS; i--)
    json_array_append_new(jobs, finished_entry(&svc->recent[i % RECENT_JOBS]));
  return jobs;
}

/* The summary crawld compare --state-dir saved, or null. */
static json_t *last_compare(const struct service *svc)
{
  char path[PATH_MAX + 32];
  json_t *summary;

  snprintf(path, sizeof(path), "%s/compare-last.json", svc->opts.state_dir);
  summary = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
  return json_is_object(summary) ? summary : json_null();
}

/* What hosts are waiting for, and what robots.txt did. */
static json_t *politeness(const struct service *svc)
{
  struct frontier_counts counts;

  frontier_counts(svc->frontier, &counts);
  return json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
      "s:I}",
      "hosts", (json_int_t)counts.hosts, "hosts_active",
      (json_int_t)counts.hosts_active, "hosts_waiting",
      (json_int_t)counts.hosts_waiting, "hosts_backed_off",
      (json_int_t)counts.hosts_backed_off, "hosts_robots_wait",
      (json_int_t)counts.hosts_robots_wait, "queued",
      (json_int_t)counts.queued, "spilled", (json_int_t)counts.spilled,
      "spill_writes", (json_int_t)counts.spill_writes, "retries",
      (json_int_t)counts.retries, "backoffs", (json_int_t)counts.backoffs,
      "delay_waits", (json_int_t)counts.delay_waits, "robots_fetches",
      (json_int_t)counts.robots_fetches, "robots_denied",
      (json_int_t)counts.robots_denied, "robots_unavailable",
      (json_int_t)counts.robots_unavailable);
}

static void run_status(void *owner, json_t *args, const struct ctl_peer *peer,
                       struct ctl_reply *reply)
{
  struct service *svc = owner;
  const struct stats_worker *workers[STATS_SOURCES];
  struct pool_kind_counts kinds[2];
  struct stats_counters sum;
  long long queued_urls = 0;
  json_t *counters;
  json_t *errors_by_code;
  json_t *result;

  (void)args;
  (void)peer;
  pool_counts(svc->pool, WORKER_THREAD, &kinds[0]);
  pool_counts(svc->pool, WORKER_PROCESS, &kinds[1]);
  collect(svc, -1, workers, &sum);
  counters = stats_to_json(&sum);
  errors_by_code = json_incref(json_object_get(counters, "errors_by_code"));
  json_decref(counters);
  for(int i = 0; i < svc->active_count; i++) {
    struct job_counts counts;
    long long total =
        job_records_due(svc->active[i].job, svc->active[i].total);

    job_counts(svc->active[i].job, &counts);
    if(total >= 0)
      queued_urls += total - svc->active[i].recorded_before - counts.records -
                     frontier_job_in_flight(svc->frontier, svc->active[i].job);
  }
  result = json_pack(
      "{s:s, s:s, s:I, s:f, s:s, s:s, s:s,"
      " s:{s:{s:i, s:i, s:i}, s:{s:i, s:i, s:i}},"
      " s:{s:i, s:i, s:I, s:I},"
      " s:{s:I, s:I, s:I, s:I}, s:I, s:o,"
      " s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
      "state", state_name(svc), "version", PACKAGE_VERSION, "pid",
      (json_int_t)getpid(), "uptime_s", seconds_since(&svc->started), "config",
      svc->config_path, "state_dir", svc->opts.state_dir, "runtime_dir",
      svc->opts.runtime_dir, "workers", "thread", "configured",
      svc->opts.threads, "running", kinds[0].running, "restarts",
      kinds[0].restarts, "process", "configured", svc->opts.processes,
      "running", kinds[1].running, "restarts", kinds[1].restarts, "jobs",
      "queued", svc->queued_count, "active", svc->active_count, "done",
      (json_int_t)svc->jobs_done, "failed", (json_int_t)svc->jobs_failed,
      "urls", "queued", (json_int_t)queued_urls, "in_flight",
      (json_int_t)pool_outstanding(svc->pool), "done", (json_int_t)sum.ok,
      "failed", (json_int_t)sum.errors, "bytes", (json_int_t)sum.bytes,
      "errors_by_code", errors_by_code, "status_classes", "none",
      (json_int_t)sum.status_none, "1xx", (json_int_t)sum.status_1xx, "2xx",
      (json_int_t)sum.status_2xx, "3xx", (json_int_t)sum.status_3xx, "4xx",
      (json_int_t)sum.status_4xx, "5xx", (json_int_t)sum.status_5xx);
  if(result != NULL) {
    add_performance(svc, result);
    json_object_set_new(result, "last_compare", last_compare(svc));
    json_object_set_new(result, "politeness", politeness(svc));
  }
  reply->result = result;
}

/* Hosts listed when the request names no limit, and at most. */
#define HOSTS_DEFAULT 20
#define HOSTS_MAX 1000

static void run_hosts(void *owner, json_t *args, const struct ctl_peer *peer,
                      struct ctl_reply *reply)
{
  struct service *svc = owner;
  json_t *limit = json_object_get(args, "limit");
  struct frontier_host_info *hosts;
  json_int_t max = HOSTS_DEFAULT;
  json_t *list;
  size_t count;

  (void)peer;
  if(limit != NULL) {
    max = json_is_integer(limit) ? json_integer_value(limit) : 0;
    if(max < 1 || max > HOSTS_MAX) {
      reply->error_code = "bad_request";
      snprintf(reply->message, sizeof(reply->message),
               "hosts: limit must be a whole number from 1 to %d", HOSTS_MAX);
      return;
    }
  }
  hosts = calloc((size_t)max, sizeof(*hosts));
  list = json_array();
  if(hosts == NULL || list == NULL) {
    free(hosts);
    json_decref(list);
    return;
  }
  count = frontier_hosts(svc->frontier, hosts, (size_t)max);
  for(size_t i = 0; i < count; i++)
    json_array_append_new(
        list, json_pack("{s:s, s:I, s:i, s:I, s:f, s:f, s:i, s:s}", "host",
                        hosts[i].key, "queued", (json_int_t)hosts[i].queued,
                        "in_flight", hosts[i].in_flight, "delay_ms",
                        (json_int_t)hosts[i].delay_ms, "backoff_s",
                        (double)hosts[i].backoff_ms / 1000.0, "next_s",
                        (double)hosts[i].next_ms / 1000.0, "failures",
                        hosts[i].failures, "robots", hosts[i].robots));
  free(hosts);
  reply->result =
      json_pack("{s:I, s:o}", "hosts_total",
                (json_int_t)frontier_host_count(svc->frontier), "hosts", list);
}

static void run_jobs(void *owner, json_t *args, const struct ctl_peer *peer,
                     struct ctl_reply *reply)
{
  (void)args;
  (void)peer;
  reply->result = json_pack("{s:o}", "jobs", job_list(owner));
}

static void run_job(void *owner, json_t *args, const struct ctl_peer *peer,
                    struct ctl_reply *reply)
{
  const char *id = json_string_value(json_object_get(args, "id"));
  json_t *jobs;
  json_t *entry;
  size_t index;

  (void)peer;
  if(id == NULL) {
    reply->error_code = "bad_request";
    snprintf(reply->message, sizeof(reply->message), "job needs an id");
    return;
  }
  jobs = job_list(owner);
  json_array_foreach(jobs, index, entry)
  {
    if(strcmp(json_string_value(json_object_get(entry, "id")), id) == 0) {
      reply->result = json_incref(entry);
      break;
    }
  }
  json_decref(jobs);
  if(reply->result == NULL) {
    reply->error_code = "unknown_job";
    snprintf(reply->message, sizeof(reply->message),
             "no active, queued or recent job %s", id);
  }
}

static json_t *worker_entry(const struct service *svc,
                            const struct pool_worker_info *info)
{
  const struct stats_counters *counters = &svc->stats[info->id].counters;

  return json_pack(
      "{s:s, s:i, s:I, s:I, s:s, s:i, s:I, s:I, s:i, s:o, s:o}", "kind",
      worker_kind_name(info->kind), "id", info->id, "pid",
      (json_int_t)info->pid, "tid", (json_int_t)info->tid, "state",
      info->state, "in_flight", info->in_flight, "done",
      (json_int_t)counters->records, "errors", (json_int_t)counters->errors,
      "restarts", info->restarts, "cpu_s",
      info->cpu_s >= 0 ? json_real(info->cpu_s) : json_null(), "rss_kb",
      info->rss_kb >= 0 ? json_integer(info->rss_kb) : json_null());
}

static void run_workers(void *owner, json_t *args, const struct ctl_peer *peer,
                        struct ctl_reply *reply)
{
  struct service *svc = owner;
  json_t *workers = json_array();

  (void)args;
  (void)peer;
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    struct pool_worker_info info;

    if(pool_worker_info(svc->pool, i, &info))
      json_array_append_new(workers, worker_entry(svc, &info));
  }
  reply->result = json_pack("{s:o}", "workers", workers);
}

static void run_stats(void *owner, json_t *args, const struct ctl_peer *peer,
                      struct ctl_reply *reply)
{
  struct service *svc = owner;
  const struct stats_worker *workers[STATS_SOURCES];
  json_t *by_kind = json_object();
  json_t *by_worker = json_object();
  struct stats_counters sum;
  json_t *result;

  (void)args;
  (void)peer;
  for(int kind = 0; kind < 2; kind++) {
    collect(svc, kind, workers, &sum);
    json_object_set_new(by_kind, kind_names[kind], stats_to_json(&sum));
  }
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    char id[16];

    if(svc->stats[i].counters.records == 0)
      continue;
    snprintf(id, sizeof(id), "%d", i);
    json_object_set_new(by_worker, id, stats_to_json(&svc->stats[i].counters));
  }
  collect(svc, -1, workers, &sum);
  result = json_pack("{s:o, s:o, s:o}", "total", stats_to_json(&sum),
                     "by_kind", by_kind, "by_worker", by_worker);
  if(result != NULL)
    add_performance(svc, result);
  reply->result = result;
}

/* crawlctl has renamed a file into incoming/: claim it now (unless
 * inotify was quicker) and say which job it became. */
static void run_submit(void *owner, json_t *args, const struct ctl_peer *peer,
                       struct ctl_reply *reply)
{
  struct service *svc = owner;
  const char *name = json_string_value(json_object_get(args, "name"));
  const char *id;

  (void)peer;
  if(name == NULL) {
    reply->error_code = "bad_request";
    snprintf(reply->message, sizeof(reply->message), "submit needs a name");
    return;
  }
  /* Scan first: inotify may not have claimed it yet, and a name used
   * before must not answer with the old job. */
  service_scan(svc);
  id = service_claimed_as(svc, name);
  if(id == NULL) {
    reply->error_code = svc->draining ? "draining" : "not_found";
    snprintf(reply->message, sizeof(reply->message),
             svc->draining ? "crawld is draining: incoming/%s waits"
                           : "incoming/%s was not claimed (see the log)",
             name);
    return;
  }
  reply->result = json_pack("{s:s}", "job", id);
}

static void reply_state(struct service *svc, struct ctl_reply *reply)
{
  reply->result = json_pack("{s:s}", "state", state_name(svc));
}

static void run_pause(void *owner, json_t *args, const struct ctl_peer *peer,
                      struct ctl_reply *reply)
{
  struct service *svc = owner;

  (void)args;
  (void)peer;
  svc->paused = true;
  reply_state(svc, reply);
}

static void run_resume(void *owner, json_t *args, const struct ctl_peer *peer,
                       struct ctl_reply *reply)
{
  struct service *svc = owner;

  (void)args;
  (void)peer;
  svc->paused = false;
  svc->draining = false;
  service_scan(svc);
  pool_kick(svc->pool);
  reply_state(svc, reply);
}

static void run_drain(void *owner, json_t *args, const struct ctl_peer *peer,
                      struct ctl_reply *reply)
{
  struct service *svc = owner;

  (void)args;
  (void)peer;
  svc->draining = true;
  reply_state(svc, reply);
}

static void run_reload(void *owner, json_t *args, const struct ctl_peer *peer,
                       struct ctl_reply *reply)
{
  char *cause = NULL;

  (void)args;
  (void)peer;
  if(service_reload(owner, &cause) < 0) {
    reply->error_code =
        ((struct service *)owner)->stopping ? "stopping" : "invalid_config";
    snprintf(reply->message, sizeof(reply->message), "%s",
             cause != NULL ? cause : "out of memory");
  }
  else {
    reply->result = json_pack("{s:b}", "reloaded", 1);
  }
  free(cause);
}

/* One frame of crawlctl watch: active jobs (or the one asked for) and the
 * throughput of each kind. */
static void run_watch(void *owner, json_t *args, const struct ctl_peer *peer,
                      struct ctl_reply *reply)
{
  struct service *svc = owner;
  const char *only = json_string_value(json_object_get(args, "job"));
  json_t *jobs = json_array();
  json_t *result;

  (void)peer;
  for(int i = 0; i < svc->active_count; i++) {
    if(only == NULL || strcmp(job_name(svc->active[i].job), only) == 0)
      json_array_append_new(jobs, job_progress(svc, &svc->active[i]));
  }
  result = json_pack("{s:s, s:o, s:i, s:I}", "state", state_name(svc), "jobs",
                     jobs, "queued_jobs", svc->queued_count, "in_flight",
                     (json_int_t)pool_outstanding(svc->pool));
  if(result != NULL)
    add_performance(svc, result);
  reply->result = result;
}

const struct ctl_command service_commands[] = {
  { "status", false, false, run_status },
  { "jobs", false, false, run_jobs },
  { "job", false, false, run_job },
  { "workers", false, false, run_workers },
  { "hosts", false, false, run_hosts },
  { "stats", false, false, run_stats },
  { "watch", false, true, run_watch },
  { "submit", true, false, run_submit },
  { "pause", true, false, run_pause },
  { "resume", true, false, run_resume },
  { "drain", true, false, run_drain },
  { "reload", true, false, run_reload },
};

const size_t service_command_count =
    sizeof(service_commands) / sizeof(service_commands[0]);
