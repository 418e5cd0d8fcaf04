/* frontier.h - what is fetched next, and when: per-host queues, politeness
 * and retries, between the jobs that read URL files and the pool that
 * carries tasks to workers.
 *
 * Every URL a job hands out goes into the queue of its host (hostkey.h). A
 * host may have at most per_host fetches in flight and starts them at least
 * host_delay_ms apart; after a 429 or 503 (Retry-After, else exponential
 * backoff with jitter) or a transient failure it is backed off whole. Hosts
 * whose next start has come sit in a heap ordered by that time, so picking
 * the next task costs O(log hosts) and never a scan; the hosts take turns,
 * so one big or slow host does not hold the others up.
 *
 * Memory is bounded: each job has at most FRONTIER_READAHEAD tasks in
 * memory, read ahead of dispatch. When no host may start now and the
 * workers wait, the frontier reads on, and a host that already holds plenty
 * in memory gets the rest of its URLs spilled to disk (spill.h), so the
 * other hosts further down a file still run at full speed.
 *
 * Workers stay stateless: a task whose worker died comes back to the head
 * of its host's queue. */
#ifndef CRAWLD_FRONTIER_H
#define CRAWLD_FRONTIER_H

#include <stdbool.h>

#include <event2/event.h>

#include "options.h"
#include "result.h"
#include "task.h"

struct job;

/* Tasks of a job kept in memory, read ahead of dispatch. */
#define FRONTIER_READAHEAD 4096

struct frontier_calls {
  /* A record the frontier made itself (a URL whose host it cannot name);
   * the owner commits it like a worker's answer and frees the task. */
  void (*commit)(void *owner, struct task *task,
                 const struct result_summary *answer);
  /* A host's delay or backoff has run out: tasks may be ready, so the
   * owner should ask the pool to dispatch. */
  void (*wake)(void *owner);
  void *owner;
};

struct frontier_counts {
  long long hosts;            /* hosts known (queued, in flight or waiting) */
  long long hosts_active;     /* with fetches in flight */
  long long hosts_waiting;    /* with URLs, held back by their delay */
  long long hosts_backed_off; /* after a 429, 503 or failure */
  long long queued;           /* tasks in memory */
  long long spilled;          /* tasks on disk */
  long long in_flight;
  long long retries;     /* tasks given another attempt */
  long long backoffs;    /* hosts backed off */
  long long delay_waits; /* times no task was ready because of delays */
};

struct frontier;

/* A frontier on base for the settings in opts, spilling into spill_dir.
 * NULL with *cause set (malloc'd) on failure. */
struct frontier *frontier_new(struct event_base *base,
                              const struct crawl_options *opts,
                              const char *spill_dir,
                              const struct frontier_calls *calls,
                              char **cause);
/* New politeness settings, applied from the next dispatch on. */
void frontier_configure(struct frontier *frontier,
                        const struct crawl_options *opts);
/* Starts reading job's URLs. 0, or -1 when memory runs out. */
int frontier_add_job(struct frontier *frontier, struct job *job);
/* Forgets a job that has every record (nothing of it is queued). */
void frontier_remove_job(struct frontier *frontier, struct job *job);
/* The next task whose host may start a fetch now, or NULL: then the
 * frontier calls wake() when the first waiting host's time comes. */
struct task *frontier_next(struct frontier *frontier);

enum frontier_verdict {
  FRONTIER_COMMIT, /* the answer is final: commit it */
  FRONTIER_RETRY   /* the frontier keeps the task for another attempt */
};
/* A worker's answer for task (or the pool's worker_crash record): frees the
 * host's slot, backs the host off after a 429, 503 or transient failure,
 * and decides whether the URL gets another attempt. */
enum frontier_verdict frontier_answered(struct frontier *frontier,
                                        struct task *task,
                                        const struct result_summary *answer);
/* The task comes back unanswered (its worker died): first in its host's
 * queue again. */
void frontier_requeue(struct frontier *frontier, struct task *task);
/* The job's tasks out with workers now. */
long long frontier_job_in_flight(const struct frontier *frontier,
                                 const struct job *job);
void frontier_counts(const struct frontier *frontier,
                     struct frontier_counts *counts);
/* Frees every queued task and host; jobs are not touched. */
void frontier_free(struct frontier *frontier);

#endif
