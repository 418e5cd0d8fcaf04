/* worker_thread.c - a worker as a thread of the supervisor; see
 * worker_thread.h. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker_thread.h"

struct thread_start {
  struct worker_config config;
  atomic_int *tid;
  int task_fd;
  int result_fd;
};

static void *thread_main(void *arg)
{
  struct thread_start *start = arg;

  /* The supervisor reads this thread's CPU time from /proc by its id. */
  atomic_store(start->tid, (int)gettid());
  worker_run(start->task_fd, start->result_fd, &start->config);
  free(start);
  return NULL;
}

int worker_thread_start(const struct worker_config *config, int task_fd,
                        int result_fd, pthread_t *thread, atomic_int *tid,
                        char **cause)
{
  struct thread_start *start = malloc(sizeof(*start));
  sigset_t all_signals;
  sigset_t saved;
  int rc;

  if(start == NULL) {
    close(task_fd);
    close(result_fd);
    *cause = strdup("out of memory starting a worker thread");
    return -1;
  }
  start->config = *config;
  start->tid = tid;
  start->task_fd = task_fd;
  start->result_fd = result_fd;
  /* Signals belong to the supervisor's loop: the thread starts with all of
   * them blocked (a new thread inherits its creator's mask), then ours is
   * restored. */
  sigfillset(&all_signals);
  pthread_sigmask(SIG_SETMASK, &all_signals, &saved);
  rc = pthread_create(thread, NULL, thread_main, start);
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  if(rc != 0) {
    cause_set(cause, "cannot start worker thread %d: %s", config->id,
              strerror(rc));
    close(task_fd);
    close(result_fd);
    free(start);
    return -1;
  }
  return 0;
}
