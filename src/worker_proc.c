/* worker_proc.c - a worker as a process of its own; see worker_proc.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"
#include "worker_proc.h"

/* Lowest fd the child parks its pipe ends on before moving them to 3 and 4, so
 * that neither dup2() can overwrite the other end. */
#define PARKING_FD 10

/* Runs in the child between fork() and exec(): async-signal-safe calls only.
 */
static void exec_child(char *const argv[], int task_fd, int result_fd)
{
  sigset_t none;
  int parked_task = fcntl(task_fd, F_DUPFD, PARKING_FD);
  int parked_result = fcntl(result_fd, F_DUPFD, PARKING_FD);

  if(parked_task < 0 || parked_result < 0)
    _exit(127);
  if(dup2(parked_task, WORKER_PROC_TASK_FD) < 0 ||
     dup2(parked_result, WORKER_PROC_RESULT_FD) < 0)
    _exit(127);
  /* The child must hold no other fd: a stray copy of another worker's pipe
   * would keep that pipe open after the worker dies, and its crash would go
   * unseen. */
  close_range(WORKER_PROC_RESULT_FD + 1, ~0U, 0);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execv(argv[0], argv);
  _exit(127);
}

pid_t worker_proc_start(char *const argv[], int task_fd, int result_fd,
                        char **cause)
{
  pid_t pid = fork();

  if(pid < 0) {
    cause_set(cause, "cannot fork a worker process: %s", strerror(errno));
    return -1;
  }
  if(pid == 0)
    exec_child(argv, task_fd, result_fd);
  return pid;
}

int worker_proc_main(const struct crawl_options *opts)
{
  struct worker_config config = {
    .kind = WORKER_PROCESS,
    .id = opts->worker_id,
    .inflight = opts->inflight,
    .policy = opts->fetch,
  };

  log_set_ident("crawld-worker");
  /* Ctrl-C reaches the whole process group, and a service manager may
   * signal the whole control group; stopping is the supervisor's decision,
   * and it tells us by closing the task pipe. */
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if(fcntl(WORKER_PROC_TASK_FD, F_GETFD) < 0 ||
     fcntl(WORKER_PROC_RESULT_FD, F_GETFD) < 0) {
    log_err("--worker is internal: crawld starts its worker processes itself");
    return 2;
  }
  return worker_run(WORKER_PROC_TASK_FD, WORKER_PROC_RESULT_FD, &config) == 0
             ? 0
             : 1;
}
