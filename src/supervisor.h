/* supervisor.h - crawld --once: one URL file through the worker pool; each
 * run of crawld compare is one such crawl, watched.
 *
 * It streams the URL file, lets the pool hand its URLs to the workers
 * (threads and processes alike, each over its own pipe pair), writes every
 * record it gets back, and returns once every line of the file has exactly
 * one record. */
#ifndef CRAWLD_SUPERVISOR_H
#define CRAWLD_SUPERVISOR_H

#include "frontier.h"
#include "job.h"
#include "options.h"
#include "pool.h"

/* exe is the path worker processes are exec'd from. Returns the process
 * exit status: 0 when every URL has its record, 1 otherwise (the reason is
 * logged). *threads_left gets the number of worker threads that did not
 * stop (see pool_free). */
int supervisor_run_once(const struct crawl_options *opts, const char *exe,
                        int *threads_left);

/* What crawld compare sees of a run. Both calls come from the event loop. */
struct supervisor_watch {
  /* Every answer from a worker (and every worker_crash record the pool
   * makes), before it is committed. */
  void (*answered)(void *arg, const struct result_summary *answer);
  /* Once, when every line has its record: the workers still run (they are
   * drained next), so they can be measured; counts are the frontier's. */
  void (*finished)(void *arg, const struct pool *pool,
                   const struct frontier_counts *counts);
  void *arg;
};

/* supervisor_run_once() without its closing log line: the same crawl and
 * return value, watched by watch (may be NULL), with the job's counts in
 * *counts. */
int supervisor_crawl(const struct crawl_options *opts, const char *exe,
                     const struct supervisor_watch *watch,
                     struct job_counts *counts, int *threads_left);

#endif
