/* pool.h - the workers: threads and processes, the pipes to each, the tasks
 * each holds, and what happens when one dies.
 *
 * The pool pulls tasks from its owner when a worker has room (at most
 * `window` unanswered tasks per worker; the worker with the most free slots
 * gets the next one) and hands every answer back. A worker that dies is
 * reaped in the event loop, its unanswered tasks go back to the owner with
 * attempt + 1, and it is started again after a delay that doubles with
 * every crash in a row. A task that was with a dying worker before runs its
 * last attempt (max_attempts) alone in an idle worker; if that worker dies
 * too, the task comes back answered with a worker_crash record. Workers are
 * stateless, so a crash loses nothing. */
#ifndef CRAWLD_POOL_H
#define CRAWLD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>

#include "options.h"
#include "result.h"
#include "task.h"

struct pool_owner {
  /* The next task for a worker, or NULL when none is ready now. */
  struct task *(*next_task)(void *owner);
  /* The task's record (borrowed, without job and seq) and what it says: a
   * worker's answer, or worker_crash after max_attempts dead workers. */
  void (*answered)(void *owner, struct task *task,
                   const struct result_summary *answer);
  /* The task comes back unanswered: its worker died (its attempt is then
   * raised), or no worker can take it yet. Queue it again, first. */
  void (*requeue)(void *owner, struct task *task);
  /* Every worker has exited after pool_drain(). */
  void (*drained)(void *owner);
  void *owner;
};

/* Per worker kind, for status and logs. */
struct pool_kind_counts {
  int running;
  int restarts;
};

/* One worker, as crawlctl workers shows it. */
struct pool_worker_info {
  enum worker_kind kind;
  int id;
  pid_t pid;         /* the process; the supervisor's for threads */
  pid_t tid;         /* threads: the thread's own id; 0 until known */
  const char *state; /* running, retiring, exiting, waiting */
  int in_flight;     /* tasks it holds */
  int restarts;
  double cpu_s; /* user + system CPU time; -1 if unknown */
  long rss_kb;  /* resident memory; a thread shares its process's */
};

struct pool;

/* Starts opts->threads worker threads and opts->processes worker
 * processes (exec'd from exe) on base. NULL with *cause set on failure. */
struct pool *pool_new(struct event_base *base,
                      const struct crawl_options *opts, const char *exe,
                      const struct pool_owner *owner, char **cause);
/* Dispatches as many tasks as the workers have room for. Call it when the
 * owner has new tasks ready. */
void pool_kick(struct pool *pool);
/* Applies new worker counts live: extra workers are retired (they finish
 * the tasks they hold, then exit), missing ones started. New workers get
 * the new fetch policy; running ones keep theirs. */
void pool_resize(struct pool *pool, const struct crawl_options *opts);
/* No more tasks: every worker finishes what it holds and exits; then the
 * owner's drained() is called. */
void pool_drain(struct pool *pool);
/* Tasks handed to workers and not answered yet. */
long long pool_outstanding(const struct pool *pool);
void pool_counts(const struct pool *pool, enum worker_kind kind,
                 struct pool_kind_counts *counts);
/* Describes worker slot index (0 to OPTIONS_MAX_WORKERS - 1), reading
 * /proc for CPU time and RSS; false when nothing runs in that slot. */
bool pool_worker_info(const struct pool *pool, int index,
                      struct pool_worker_info *info);
/* After the event loop has stopped: closes every pipe, kills worker
 * processes still running and reaps them, joins the threads, and frees the
 * tasks workers still held. Returns the number of threads that did not stop
 * (a forced stop mid-transfer): the caller must then exit without tearing
 * down the libraries those threads use. */
int pool_free(struct pool *pool);

#endif
