/* worker_proc.h - running worker_run() as a worker process: fork+exec of
 * crawld itself.
 *
 * The supervisor may already run worker threads, and after fork() a child of a
 * threaded process may only make async-signal-safe calls; so the child only
 * moves its two pipe ends to fixed fds, closes everything else and execs
 * "crawld --worker", which starts clean and calls worker_run(). */
#ifndef CRAWLD_WORKER_PROC_H
#define CRAWLD_WORKER_PROC_H

#include <sys/types.h>

#include "options.h"

/* The fds a worker process finds its pipes on. */
#define WORKER_PROC_TASK_FD 3
#define WORKER_PROC_RESULT_FD 4

/* Forks and execs argv (from options_worker_argv) with task_fd and result_fd
 * as the child's fds 3 and 4. The caller keeps (and closes) its own copies.
 * Returns the child's pid, or -1 with *cause set to a malloc'd message. */
pid_t worker_proc_start(char *const argv[], int task_fd, int result_fd,
                        char **cause);

/* The body of "crawld --worker": returns the process exit status. */
int worker_proc_main(const struct crawl_options *opts);

#endif
