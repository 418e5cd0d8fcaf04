/* options.h - the command line: what crawld was asked to do and with which
 * limits.
 *
 * One parser serves the supervisor and the worker processes: a worker process
 * is started with the supervisor's fetch policy written back out as flags
 * (options_worker_argv), so both kinds of worker run with exactly the same
 * settings. */
#ifndef CRAWLD_OPTIONS_H
#define CRAWLD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* How one URL is fetched; the same for every worker. */
struct fetch_policy {
  long connect_timeout_ms;
  long total_timeout_ms;
  long low_speed_limit;   /* bytes/s; 0 disables the check */
  long low_speed_time_s;  /* seconds under low_speed_limit before giving up */
  int64_t max_body_bytes; /* decoded body bytes kept; more is cut, error
                             too_large */
  long max_redirects;
  char user_agent[256];
};

enum run_mode {
  MODE_ONCE,   /* crawl one URL file and exit */
  MODE_WORKER, /* internal: a forked worker process on fds 3 (tasks) and 4
                  (results) */
  MODE_HELP,
  MODE_VERSION
};

struct crawl_options {
  enum run_mode mode;
  const char *url_file; /* MODE_ONCE: path, or "-" for standard input */
  const char *output;   /* MODE_ONCE: path, or "-" for standard output */
  const char
      *job; /* the "job" field of every record; NULL: URL file's base name */
  int threads;   /* worker threads */
  int processes; /* worker processes */
  int inflight;  /* transfers in flight per worker */
  int window;    /* unanswered tasks per worker; 0: twice inflight */
  int worker_id; /* MODE_WORKER: the id the supervisor gave this worker */
  int log_level;
  struct fetch_policy fetch;
};

#define OPTIONS_MAX_WORKERS 256
#define OPTIONS_MAX_INFLIGHT 16384

/* Fills opts from argv, defaults first. Returns 0, or -1 with *cause set to a
 * malloc'd message for the user (caller frees); the caller exits 2 on -1
 * (usage error). */
int options_parse(struct crawl_options *opts, int argc, char **argv,
                  char **cause);
void options_usage(FILE *out);
/* The argv that starts a worker process with the same fetch policy: exe,
 * "--worker", ... NULL-terminated and malloc'd (free with options_free_argv);
 * NULL on allocation failure. Built before fork() so that the child only has
 * to exec it. */
char **options_worker_argv(const struct crawl_options *opts, const char *exe,
                           int worker_id);
void options_free_argv(char **argv);
/* window, resolved: the configured one or twice inflight. */
int options_window(const struct crawl_options *opts);

#endif
