/* service.h - crawld as a service: the spool, its jobs and their journals,
 * the worker pool, signals and systemd's notification protocol. */
#ifndef CRAWLD_SERVICE_H
#define CRAWLD_SERVICE_H

#include "options.h"

/* Runs until SIGTERM or SIGINT. argv is kept to re-apply the flags over the
 * config file on every SIGHUP. Returns the exit status: 0 after a clean
 * stop, 1 when start-up or a fatal error (a failed fsync) stopped it.
 * *threads_left as for pool_free(). */
int service_run(const struct crawl_options *opts, int argc, char **argv,
                const char *exe, int *threads_left);

#endif
