/* crawlctl_print.c - crawld's replies as tables for a terminal; see
 * crawlctl_print.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crawlctl_format.h"
#include "crawlctl_print.h"

/* What crawld's own lines look like (proto.c), so that --json prints the
 * numbers as crawld sent them. */
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

void print_json(json_t *result)
{
  char *line = json_dumps(result, JSON_FLAGS);

  if(line != NULL)
    puts(line);
  free(line);
}

/* label, then one column per kind: thread, process, total. */
static void print_kind_row(const char *label, json_t *const values[3],
                           int decimals)
{
  printf("%-18s", label);
  for(int k = 0; k < 3; k++)
    printf(" %11s", fmt_number(values[k], decimals).s);
  printf("\n");
}

static void print_kind_header(void)
{
  printf("\n%-18s %11s %11s %11s\n", "", fmt_kinds[0], fmt_kinds[1],
         fmt_kinds[2]);
}

/* One row of the kind table from the same path under each column. */
static void print_path_row(const char *label, json_t *const columns[3],
                           const char *path, int decimals)
{
  json_t *values[3];

  for(int k = 0; k < 3; k++)
    values[k] = fmt_at(columns[k], path);
  print_kind_row(label, values, decimals);
}

/* "name n, name n" for an object of counts; "none" when it is empty. */
static void print_counts(const char *label, json_t *counts)
{
  const char *key;
  json_t *value;
  bool first = true;

  printf("%-12s", label);
  json_object_foreach(counts, key, value)
  {
    printf("%s%s %s", first ? "" : ", ", key, fmt_number(value, 0).s);
    first = false;
  }
  printf("%s\n", first ? "none" : "");
}

/* Throughput and latency by kind: both status and stats carry them. */
static void print_performance(json_t *result)
{
  static const char *const windows[3] = { "10s", "1m", "5m" };
  static const char *const window_labels[3] = { "URLs/s (10 s)",
                                                "URLs/s (1 min)",
                                                "URLs/s (5 min)" };
  static const char *const quantiles[3] = { "p50", "p90", "p99" };
  json_t *throughput[3];
  json_t *latency[3];

  for(int k = 0; k < 3; k++) {
    throughput[k] = fmt_at(fmt_at(result, "throughput"), fmt_kinds[k]);
    latency[k] = fmt_at(fmt_at(result, "latency_ms"), fmt_kinds[k]);
  }
  for(int i = 0; i < 3; i++)
    print_path_row(window_labels[i], throughput, windows[i], 1);
  for(int i = 0; i < 3; i++) {
    char label[32];

    snprintf(label, sizeof(label), "latency %s (ms)", quantiles[i]);
    print_path_row(label, latency, quantiles[i], 1);
  }
}

void print_status(json_t *status, json_t *stats)
{
  json_t *counters[3] = { fmt_at(stats, "by_kind.thread"),
                          fmt_at(stats, "by_kind.process"),
                          fmt_at(stats, "total") };
  struct text running[3];
  struct text restarts[3];
  json_int_t sum_running = 0;
  json_int_t sum_configured = 0;
  json_int_t sum_restarts = 0;

  printf("crawld %s, %s, pid %s, up %s\n", fmt_str(fmt_at(status, "version")),
         fmt_str(fmt_at(status, "state")),
         fmt_number(fmt_at(status, "pid"), 0).s,
         fmt_duration(fmt_at(status, "uptime_s")).s);
  printf("%-12s%s\n", "config", fmt_str(fmt_at(status, "config")));
  printf("%-12s%s\n", "state dir", fmt_str(fmt_at(status, "state_dir")));
  printf("%-12s%s queued, %s active, %s done, %s failed\n", "jobs",
         fmt_number(fmt_at(status, "jobs.queued"), 0).s,
         fmt_number(fmt_at(status, "jobs.active"), 0).s,
         fmt_number(fmt_at(status, "jobs.done"), 0).s,
         fmt_number(fmt_at(status, "jobs.failed"), 0).s);
  printf("%-12s%s queued, %s in flight, %s done, %s failed\n", "URLs",
         fmt_number(fmt_at(status, "urls.queued"), 0).s,
         fmt_number(fmt_at(status, "urls.in_flight"), 0).s,
         fmt_number(fmt_at(status, "urls.done"), 0).s,
         fmt_number(fmt_at(status, "urls.failed"), 0).s);
  printf("%-12s%s (%s)\n", "bytes", fmt_number(fmt_at(status, "bytes"), 0).s,
         fmt_bytes(fmt_at(status, "bytes")).s);
  print_counts("errors", fmt_at(status, "errors_by_code"));
  print_counts("statuses", fmt_at(status, "status_classes"));
  printf("%-12s%s known, %s active, %s waiting, %s backed off, %s waiting "
         "for robots.txt\n",
         "hosts", fmt_number(fmt_at(status, "politeness.hosts"), 0).s,
         fmt_number(fmt_at(status, "politeness.hosts_active"), 0).s,
         fmt_number(fmt_at(status, "politeness.hosts_waiting"), 0).s,
         fmt_number(fmt_at(status, "politeness.hosts_backed_off"), 0).s,
         fmt_number(fmt_at(status, "politeness.hosts_robots_wait"), 0).s);
  printf("%-12s%s fetched, %s URLs denied, %s URLs unavailable\n",
         "robots.txt",
         fmt_number(fmt_at(status, "politeness.robots_fetches"), 0).s,
         fmt_number(fmt_at(status, "politeness.robots_denied"), 0).s,
         fmt_number(fmt_at(status, "politeness.robots_unavailable"), 0).s);
  printf("%-12s%s retries, %s backoffs, %s spilled to disk (%s so far)\n",
         "politeness", fmt_number(fmt_at(status, "politeness.retries"), 0).s,
         fmt_number(fmt_at(status, "politeness.backoffs"), 0).s,
         fmt_number(fmt_at(status, "politeness.spilled"), 0).s,
         fmt_number(fmt_at(status, "politeness.spill_writes"), 0).s);

  /* status counts workers per kind only: the total is added up here. */
  for(int k = 0; k < 2; k++) {
    json_t *kind = fmt_at(fmt_at(status, "workers"), fmt_kinds[k]);

    sum_running += json_integer_value(fmt_at(kind, "running"));
    sum_configured += json_integer_value(fmt_at(kind, "configured"));
    sum_restarts += json_integer_value(fmt_at(kind, "restarts"));
    snprintf(running[k].s, sizeof(running[k].s), "%.30s/%.30s",
             fmt_number(fmt_at(kind, "running"), 0).s,
             fmt_number(fmt_at(kind, "configured"), 0).s);
    restarts[k] = fmt_number(fmt_at(kind, "restarts"), 0);
  }
  snprintf(running[2].s, sizeof(running[2].s),
           "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT, sum_running,
           sum_configured);
  snprintf(restarts[2].s, sizeof(restarts[2].s), "%" JSON_INTEGER_FORMAT,
           sum_restarts);
  print_kind_header();
  printf("%-18s %11s %11s %11s\n", "workers running", running[0].s,
         running[1].s, running[2].s);
  printf("%-18s %11s %11s %11s\n", "worker restarts", restarts[0].s,
         restarts[1].s, restarts[2].s);
  print_path_row("URLs done", counters, "ok", 0);
  print_path_row("URLs failed", counters, "errors", 0);
  print_path_row("bytes", counters, "bytes", 0);
  print_performance(status);
}

void print_stats(json_t *stats)
{
  json_t *counters[3] = { fmt_at(stats, "by_kind.thread"),
                          fmt_at(stats, "by_kind.process"),
                          fmt_at(stats, "total") };
  const char *key;
  json_t *value;

  print_kind_header();
  /* Every counter crawld sends, in its order, known to crawlctl or not. */
  json_object_foreach(counters[2], key, value)
  {
    if(json_is_integer(value))
      print_path_row(key, counters, key, 0);
  }
  json_object_foreach(fmt_at(counters[2], "errors_by_code"), key, value)
  {
    json_t *codes[3];
    char label[64];

    /* A code a kind never saw is not listed under it: zero. */
    for(int k = 0; k < 3; k++) {
      codes[k] = fmt_at(fmt_at(counters[k], "errors_by_code"), key);
      if(codes[k] == NULL)
        codes[k] = json_integer(0);
      else
        json_incref(codes[k]);
    }
    snprintf(label, sizeof(label), "error %s", key);
    print_kind_row(label, codes, 0);
    for(int k = 0; k < 3; k++)
      json_decref(codes[k]);
  }
  print_performance(stats);
}

static size_t id_width(json_t *jobs)
{
  size_t width = 2;
  size_t index;
  json_t *job;

  json_array_foreach(jobs, index, job)
  {
    size_t len = strlen(fmt_str(fmt_at(job, "id")));

    if(len > width)
      width = len;
  }
  return width;
}

void print_jobs(json_t *result)
{
  json_t *jobs = fmt_at(result, "jobs");
  int width = (int)id_width(jobs);
  size_t index;
  json_t *job;

  if(json_array_size(jobs) == 0) {
    printf("no jobs\n");
    return;
  }
  printf("%-*s  %-7s %9s %9s %9s %9s %9s %8s\n", width, "ID", "STATE", "TOTAL",
         "DONE", "FAILED", "IN FLIGHT", "URLS/S", "ETA");
  json_array_foreach(jobs, index, job)
  {
    printf("%-*s  %-7s %9s %9s %9s %9s %9s %8s\n", width,
           fmt_str(fmt_at(job, "id")), fmt_str(fmt_at(job, "state")),
           fmt_count(fmt_at(job, "total")).s,
           fmt_number(fmt_at(job, "done"), 0).s,
           fmt_number(fmt_at(job, "failed"), 0).s,
           fmt_number(fmt_at(job, "in_flight"), 0).s,
           fmt_number(fmt_at(job, "rate"), 1).s,
           fmt_duration(fmt_at(job, "eta_s")).s);
  }
}

void print_job(json_t *job)
{
  json_t *finished_at = fmt_at(job, "finished_at");

  printf("%-12s%s\n", "id", fmt_str(fmt_at(job, "id")));
  printf("%-12s%s\n", "state", fmt_str(fmt_at(job, "state")));
  /* A queued job has only an id and a state so far. */
  if(fmt_at(job, "total") == NULL)
    return;
  printf("%-12s%s\n", "total", fmt_count(fmt_at(job, "total")).s);
  printf("%-12s%s (%s)\n", "done", fmt_number(fmt_at(job, "done"), 0).s,
         fmt_percent(fmt_at(job, "done"), fmt_at(job, "total")).s);
  printf("%-12s%s\n", "ok", fmt_number(fmt_at(job, "ok"), 0).s);
  printf("%-12s%s\n", "failed", fmt_number(fmt_at(job, "failed"), 0).s);
  if(fmt_at(job, "in_flight") != NULL) {
    printf("%-12s%s\n", "in flight",
           fmt_number(fmt_at(job, "in_flight"), 0).s);
    printf("%-12s%s URLs/s\n", "rate", fmt_number(fmt_at(job, "rate"), 1).s);
    printf("%-12s%s\n", "ETA", fmt_duration(fmt_at(job, "eta_s")).s);
  }
  if(json_is_integer(finished_at)) {
    time_t when = (time_t)json_integer_value(finished_at);
    char text[64];
    struct tm local;

    if(localtime_r(&when, &local) != NULL &&
       strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S %z", &local) > 0)
      printf("%-12s%s\n", "finished", text);
  }
}

void print_workers(json_t *result)
{
  size_t index;
  json_t *worker;

  printf("%-8s %4s %8s %-9s %9s %9s %9s %8s %8s %9s\n", "KIND", "ID", "PID",
         "STATE", "IN FLIGHT", "DONE", "ERRORS", "RESTARTS", "CPU S",
         "RSS KIB");
  json_array_foreach(fmt_at(result, "workers"), index, worker)
  {
    printf("%-8s %4s %8s %-9s %9s %9s %9s %8s %8s %9s\n",
           fmt_str(fmt_at(worker, "kind")),
           fmt_number(fmt_at(worker, "id"), 0).s,
           fmt_number(fmt_at(worker, "pid"), 0).s,
           fmt_str(fmt_at(worker, "state")),
           fmt_number(fmt_at(worker, "in_flight"), 0).s,
           fmt_number(fmt_at(worker, "done"), 0).s,
           fmt_number(fmt_at(worker, "errors"), 0).s,
           fmt_number(fmt_at(worker, "restarts"), 0).s,
           fmt_number(fmt_at(worker, "cpu_s"), 2).s,
           fmt_number(fmt_at(worker, "rss_kb"), 0).s);
  }
}

void print_hosts(json_t *result)
{
  size_t index;
  json_t *host;

  printf("%-40s %9s %9s %9s %10s %8s %8s %s\n", "HOST", "QUEUED", "IN FLIGHT",
         "DELAY MS", "BACKOFF S", "NEXT S", "FAILURES", "ROBOTS.TXT");
  json_array_foreach(fmt_at(result, "hosts"), index, host)
  {
    printf("%-40s %9s %9s %9s %10s %8s %8s %s\n",
           fmt_str(fmt_at(host, "host")),
           fmt_number(fmt_at(host, "queued"), 0).s,
           fmt_number(fmt_at(host, "in_flight"), 0).s,
           fmt_number(fmt_at(host, "delay_ms"), 0).s,
           fmt_number(fmt_at(host, "backoff_s"), 1).s,
           fmt_number(fmt_at(host, "next_s"), 1).s,
           fmt_number(fmt_at(host, "failures"), 0).s,
           fmt_str(fmt_at(host, "robots")));
  }
  printf("%zu of %s hosts\n", json_array_size(fmt_at(result, "hosts")),
         fmt_number(fmt_at(result, "hosts_total"), 0).s);
}

void print_state(json_t *result)
{
  printf("%s\n", fmt_str(fmt_at(result, "state")));
}

/* The job id alone, so that scripts can take $(crawlctl submit FILE). */
void print_submitted(json_t *result)
{
  printf("%s\n", fmt_str(fmt_at(result, "job")));
}

void print_reloaded(json_t *result)
{
  (void)result;
  printf("reloaded\n");
}
