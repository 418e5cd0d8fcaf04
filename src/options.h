/* options.h - what crawld runs with: built-in defaults, then the config file
 * (config.c), then command-line flags, each overriding the one before.
 *
 * Every setting is one row of a table in options.c that names its config
 * section and key, its flag, its type and its range, so the config file and
 * the command line accept exactly the same values with the same checks. A
 * worker process is started with the supervisor's fetch policy written back
 * out as flags (options_worker_argv), so both kinds of worker run with the
 * same settings. */
#ifndef CRAWLD_OPTIONS_H
#define CRAWLD_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jobopts.h"

/* How one URL is fetched; the same for every worker. */
struct fetch_policy {
  long connect_timeout_ms;
  long total_timeout_ms;
  long low_speed_limit;   /* bytes/s; 0 disables the check */
  long low_speed_time_s;  /* seconds under the limit before giving up */
  int64_t max_body_bytes; /* decoded body bytes kept; more: too_large */
  long max_redirects;
  char user_agent[256];
  int cpu_work;             /* extra passes over each body (benchmarks) */
  char deny_networks[1024]; /* never connect there: see netpolicy.h */
};

/* What one politeness queue is: a host (scheme, host and port), or every
 * host of one registrable domain (libpsl). */
enum politeness_key { POLITENESS_HOST, POLITENESS_DOMAIN };

enum run_mode {
  MODE_DAEMON, /* the service: crawl what arrives in the spool */
  MODE_ONCE,   /* crawl one URL file and exit */
  MODE_WORKER, /* internal: a worker process on fds 3 and 4 */
  MODE_HELP,
  MODE_VERSION
};

struct crawl_options {
  enum run_mode mode;
  const char *url_file; /* MODE_ONCE: path, or "-" for standard input */
  const char *output;   /* MODE_ONCE: path, or "-" for standard output */
  const char *job;      /* MODE_ONCE: "job" of every record, or NULL */
  const char *config;   /* --config, or NULL for OPTIONS_DEFAULT_CONFIG */
  int worker_id;        /* MODE_WORKER: the id the supervisor gave it */
  struct jobopts job_options; /* MODE_ONCE: --depth, --scope, ...; robots
                                 is the setting below */

  /* [daemon] */
  char state_dir[PATH_MAX];
  char runtime_dir[PATH_MAX];
  int log_level;
  long shutdown_timeout_ms; /* in-flight work allowed to finish on stop */
  /* [workers] */
  int threads;
  int processes;
  int inflight;        /* transfers in flight per worker */
  int window;          /* unanswered tasks per worker; 0: 2*inflight */
  int max_attempts;    /* a URL that killed this many workers fails */
  long respawn_min_ms; /* first delay before a dead worker restarts */
  long respawn_max_ms; /* the delay doubles up to this */
  /* [fetch] */
  struct fetch_policy fetch;
  /* [politeness] */
  bool robots;             /* read and obey robots.txt */
  long robots_cache_s;     /* how long a host's robots.txt is kept */
  long max_crawl_delay_ms; /* a longer Crawl-delay is cut to this */
  int per_host;            /* fetches in flight per host */
  long host_delay_ms;      /* between two fetch starts on a host */
  enum politeness_key politeness_key;
  long max_retry_after_s; /* a longer Retry-After is cut to this */
  long backoff_base_ms;   /* first backoff after a 429, 503 or failure */
  /* [spool] */
  int max_active_jobs;
  int64_t max_job_bytes;   /* a bigger job file goes to failed/ */
  long rescan_interval_ms; /* incoming/ is rescanned this often */
  int sync_records;        /* journals are fdatasync'ed every N records */
  long sync_interval_ms;   /* ... or this often, whichever comes first */
};

#define OPTIONS_MAX_WORKERS 256
#define OPTIONS_MAX_INFLIGHT 16384
#define OPTIONS_DEFAULT_CONFIG SYSCONFDIR "/crawld/crawld.conf"

/* The built-in defaults. */
void options_defaults(struct crawl_options *opts);
/* Defaults, then flags: options_defaults() + options_apply_flags(). */
int options_parse(struct crawl_options *opts, int argc, char **argv,
                  char **cause);
/* Flags over whatever opts holds, then the checks across settings. Returns
 * 0, or -1 with *cause set to a malloc'd message for the user (caller
 * frees); main() exits 2 on -1. */
int options_apply_flags(struct crawl_options *opts, int argc, char **argv,
                        char **cause);
/* Sets the setting [section] key from its text, as a config file line does.
 * Returns 0, or -1 with *cause set to a malloc'd message (unknown section or
 * key, or a bad value) that does not name the file or line. */
int options_set(struct crawl_options *opts, const char *section,
                const char *key, const char *value, char **cause);
/* The checks across settings (at least one worker, window >= inflight, ...),
 * for a config loaded without flags. 0, or -1 with *cause. */
int options_check(const struct crawl_options *opts, char **cause);
/* Whether the flag of that name ("ignore-robots", "h"; without dashes)
 * takes no value: for parsers that pass crawld's flags on. Unknown names
 * are said to take one. */
bool options_flag_is_switch(const char *name);
/* The --help text. */
void options_usage(FILE *out);
/* The argv that starts a worker process with the same fetch policy: exe,
 * "--worker", ... NULL-terminated and malloc'd (free with
 * options_free_argv); NULL on allocation failure. Built before fork() so
 * that the child only has to exec it. */
char **options_worker_argv(const struct crawl_options *opts, const char *exe,
                           int worker_id);
void options_free_argv(char **argv);
/* window, resolved: the configured one or twice inflight. */
int options_window(const struct crawl_options *opts);

#endif
