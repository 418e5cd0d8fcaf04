/* task.h - one URL on its way to a worker and back.
 *
 * The frontier makes every task (from a job's line, or a robots.txt fetch of
 * its own), keeps it in a host queue until the host may be fetched, and
 * takes it back when a worker answers; the pool only carries it to a worker
 * and back, and the job frees it when it commits its record. */
#ifndef CRAWLD_TASK_H
#define CRAWLD_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct job;
struct host;
struct site;

struct task {
  uint64_t id; /* set by the pool: (serial << slot bits) | slot */
  int attempt; /* 1 for the first try; every retry or worker death adds 1 */
  int crashes; /* workers that died holding it */
  bool robots; /* a robots.txt fetch of the frontier's: no job, no record */
  bool links;  /* its job follows links: the worker sends the page's up */
  char *url;
  struct job *job;   /* where the record goes; NULL for robots fetches */
  long long seq;     /* the line of the URL in its job's file, or for a URL
                        found by following links its number after them */
  int depth;         /* links followed from a seed to reach it; 0: a line */
  char *via;         /* the page that linked to it (malloc'd); NULL: a line */
  struct host *host; /* the frontier's: the queue it belongs to */
  struct site *site; /* the frontier's: whose robots.txt rules it */
  int job_slot;      /* the frontier's: its job's place in its table */
  struct task *next; /* the frontier's queue link */
};

/* A task for url with attempt 1; NULL when memory runs out. */
struct task *task_new(const char *url, size_t url_len, struct job *job,
                      long long seq);
void task_free(struct task *task);

#endif
