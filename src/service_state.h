/* service_state.h - the service's state, shared by service.c (which changes
 * it) and commands.c (which reports and steers it for crawlctl). No other
 * file includes it. */
#ifndef CRAWLD_SERVICE_STATE_H
#define CRAWLD_SERVICE_STATE_H

#include <stdbool.h>
#include <time.h>

#include <event2/event.h>

#include "ctl.h"
#include "frontier.h"
#include "job.h"
#include "options.h"
#include "pool.h"
#include "spool.h"
#include "stats.h"

#define MAX_ACTIVE_JOBS 1024
/* Finished jobs remembered for crawlctl jobs, and claims for submit. */
#define RECENT_JOBS 32
#define RECENT_CLAIMS 256
/* Where statistics come from: every worker slot, and records no worker
 * made (worker_crash). */
#define STATS_SOURCES (OPTIONS_MAX_WORKERS + 1)

/* A claimed job waiting for its turn. */
struct queued_job {
  char *id;
  struct queued_job *next;
};

struct active_job {
  struct job *job;
  long long total;           /* records the file will get; -1 unknown (with
                                the URLs found: job_records_due) */
  long long recorded_before; /* journaled by an earlier run */
  struct timespec started;   /* monotonic, this run */
};

struct finished_job {
  char id[64];
  bool failed;
  long long total;
  long long records; /* this run */
  long long ok;
  long long errors;
  time_t finished_at;
};

struct recent_claim {
  char id[64];
  char *file_name;
};

struct service {
  struct crawl_options opts;
  int argc;
  char **argv;
  const char *exe;
  const char *config_path;
  struct event_base *base;
  struct spool *spool;
  struct pool *pool;
  struct frontier *frontier;
  struct ctl *ctl;
  struct active_job active[MAX_ACTIVE_JOBS];
  int active_count;
  struct queued_job *queued_head;
  struct queued_job *queued_tail;
  int queued_count;
  struct finished_job recent[RECENT_JOBS];
  long long finished_count; /* also the next slot of recent, modulo */
  struct recent_claim claims[RECENT_CLAIMS];
  long long claim_count;
  long long jobs_done;
  long long jobs_failed;
  long long records;
  struct stats_worker stats[OPTIONS_MAX_WORKERS];
  enum worker_kind stats_kind[OPTIONS_MAX_WORKERS]; /* of its last record */
  struct stats_worker unattributed; /* worker_crash records: no worker */
  struct timespec started;
  struct event *signals[3];
  struct event *watch; /* inotify on incoming/ */
  struct event *rescan;
  struct event *sync;
  struct event *watchdog;
  struct event *shutdown;
  bool paused;   /* crawlctl pause: no new tasks */
  bool draining; /* crawlctl drain: no new job files */
  bool stopping;
  bool fatal;
};

/* The commands crawlctl can send (commands.c). */
extern const struct ctl_command service_commands[];
extern const size_t service_command_count;

/* Re-reads the settings (SIGHUP, crawlctl reload). 0, or -1 with *cause
 * saying why the old settings were kept. */
int service_reload(struct service *svc, char **cause);
/* Claims what is in incoming/ now and starts jobs if there is room. */
void service_scan(struct service *svc);
/* The job id a file claimed lately got, or NULL. */
const char *service_claimed_as(const struct service *svc,
                               const char *file_name);

#endif
