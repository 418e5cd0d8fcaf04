/* worker_thread.h - running worker_run() as a thread of the supervisor. */
#ifndef CRAWLD_WORKER_THREAD_H
#define CRAWLD_WORKER_THREAD_H

#include <pthread.h>
#include <stdatomic.h>

#include "worker.h"

/* Starts a thread running worker_run(task_fd, result_fd, config); the thread
 * owns both fds from then on (also on failure: they are closed). The config is
 * copied, and the thread stores its kernel thread id in *tid once it runs.
 * Returns 0, or -1 with *cause set to a malloc'd message. Join the thread
 * once its result pipe reaches end-of-file. */
int worker_thread_start(const struct worker_config *config, int task_fd,
                        int result_fd, pthread_t *thread, atomic_int *tid,
                        char **cause);

#endif
