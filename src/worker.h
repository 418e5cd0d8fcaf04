/* worker.h - a worker: one event loop and one libcurl multi handle, many
 * transfers.
 *
 * worker_run() is the same code whether it runs as a thread inside the
 * supervisor or as a worker process of its own; only how it is started differs
 * (worker_thread.c, worker_proc.c). It reads task lines from task_fd, keeps up
 * to config->inflight transfers going, and writes one result line per task to
 * result_fd. */
#ifndef CRAWLD_WORKER_H
#define CRAWLD_WORKER_H

#include "options.h"
#include "result.h"

struct worker_config {
  enum worker_kind kind;
  int id;
  int inflight;
  struct fetch_policy policy;
};

/* Runs until task_fd reaches end-of-file and every task has its result
 * written, then returns 0; -1 when the supervisor broke the protocol or went
 * away (logged). Owns both fds from the call on and closes them before
 * returning. */
int worker_run(int task_fd, int result_fd, const struct worker_config *config);

#endif
