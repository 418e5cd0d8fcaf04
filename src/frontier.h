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
 * robots.txt (sites.h, robots.h): before the first URL of a site is
 * fetched, its host fetches the site's robots.txt (a task of the
 * frontier's own, answered to it alone), and waits for it; then every URL
 * of the site is checked against its rules, and a refused one gets its
 * record (robots_denied, robots_unavailable) here, without a fetch.
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
  long long hosts;             /* hosts known (queued, in flight or waiting) */
  long long sites;             /* robots.txt states kept */
  long long hosts_robots_wait; /* waiting for a robots.txt */
  long long hosts_active;      /* with fetches in flight */
  long long hosts_waiting;     /* with URLs, held back by their delay */
  long long hosts_backed_off;  /* after a 429, 503 or failure */
  long long queued;            /* tasks in memory */
  long long spilled;           /* tasks on disk */
  long long spill_writes;      /* tasks written to disk so far */
  long long in_flight;
  long long retries;            /* tasks given another attempt */
  long long backoffs;           /* hosts backed off */
  long long delay_waits;        /* times no task was ready because of delays */
  long long robots_fetches;     /* robots.txt fetches started */
  long long robots_denied;      /* URLs refused by a rule */
  long long robots_unavailable; /* URLs refused for want of robots.txt */
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
/* Starts reading job's URLs, under the rules of robots.txt if obey_robots.
 * 0, or -1 when memory runs out. */
int frontier_add_job(struct frontier *frontier, struct job *job,
                     bool obey_robots);
/* Forgets a job that has every record (nothing of it is queued). */
void frontier_remove_job(struct frontier *frontier, struct job *job);
/* The next task whose host may start a fetch now, or NULL: then the
 * frontier calls wake() when the first waiting host's time comes. */
struct task *frontier_next(struct frontier *frontier);

enum frontier_verdict {
  FRONTIER_COMMIT, /* the answer is final: commit it */
  FRONTIER_KEPT    /* the frontier keeps the task: another attempt, or the
                      answer was its own robots.txt fetch */
};
/* A worker's answer for task (or the pool's worker_crash record): frees the
 * host's slot, backs the host off after a 429, 503 or transient failure,
 * and decides whether the URL gets another attempt. A robots.txt answer is
 * the frontier's own: it sets the site's rules (or its backoff). */
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
/* One host as crawlctl hosts shows it. */
struct frontier_host_info {
  char key[300];
  long long queued; /* in memory and spilled */
  int in_flight;
  long delay_ms;        /* between fetch starts: host_delay_ms or more */
  long long backoff_ms; /* backed off for this much longer; 0: not */
  long long next_ms;    /* its next start may come in this long; 0: now */
  int failures;         /* 429s, 503s and failures in a row */
  const char *robots;   /* off, unknown, fetching, known, unavailable */
};

/* Hosts known now. */
long long frontier_host_count(const struct frontier *frontier);
/* The busiest hosts (most URLs queued and in flight), at most max of them,
 * busiest first, into hosts; returns how many. */
size_t frontier_hosts(const struct frontier *frontier,
                      struct frontier_host_info *hosts, size_t max);
/* Frees every queued task and host; jobs are not touched. */
void frontier_free(struct frontier *frontier);

#endif
