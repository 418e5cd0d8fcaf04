/* supervisor.h - the supervisor of a one-shot crawl (crawld --once).
 *
 * It streams the URL file, hands tasks to its workers (threads and processes
 * alike, each over its own pipe pair) with at most `window` unanswered tasks
 * per worker, writes every result line it gets back, and returns once every
 * line of the file has exactly one record. It alone owns the crawl's state:
 * workers are stateless, so a worker that dies loses nothing; its unanswered
 * tasks go to the others with attempt + 1. */
#ifndef CRAWLD_SUPERVISOR_H
#define CRAWLD_SUPERVISOR_H

#include "options.h"

/* Tasks that killed this many workers get a worker_crash record and are not
 * retried. */
#define SUPERVISOR_MAX_ATTEMPTS 3

/* exe is the path worker processes are exec'd from. Returns the process exit
 * status: 0 when every URL has its record, 1 otherwise (the reason is logged).
 */
int supervisor_run_once(const struct crawl_options *opts, const char *exe);

#endif
