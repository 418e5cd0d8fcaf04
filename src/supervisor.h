/* supervisor.h - crawld --once: one URL file through the worker pool.
 *
 * It streams the URL file, lets the pool hand its URLs to the workers
 * (threads and processes alike, each over its own pipe pair), writes every
 * record it gets back, and returns once every line of the file has exactly
 * one record. */
#ifndef CRAWLD_SUPERVISOR_H
#define CRAWLD_SUPERVISOR_H

#include "options.h"

/* exe is the path worker processes are exec'd from. Returns the process
 * exit status: 0 when every URL has its record, 1 otherwise (the reason is
 * logged). *threads_left gets the number of worker threads that did not
 * stop (see pool_free). */
int supervisor_run_once(const struct crawl_options *opts, const char *exe,
                        int *threads_left);

#endif
