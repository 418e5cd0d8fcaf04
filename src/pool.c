/* pool.c - worker threads and worker processes; see pool.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>

#include "log.h"
#include "pool.h"
#include "proto.h"
#include "worker_proc.h"
#include "worker_thread.h"

/* A task id is (serial << TASK_SLOT_BITS) | slot: the slot finds the task in
 * O(1) when its answer comes back, and the serial makes a stale or forged
 * id miss. */
#define TASK_SLOT_BITS 17
#define TASK_SLOT_MASK ((UINT64_C(1) << TASK_SLOT_BITS) - 1)
/* A worker that lived this long before dying was not crash-looping: its
 * restart delay starts again from the minimum. */
#define STABLE_RUN_MS 60000
/* An exiting thread is looked for, to be joined, after 1 ms, then twice as
 * long each time up to 50 ms: its result pipe closes as its last act, so the
 * first look nearly always finds it gone, and a --once crawl is not kept
 * waiting at its end. */
#define THREAD_REAP_FIRST_MS 1
#define THREAD_REAP_MAX_MS 50

enum worker_state {
  WORKER_EMPTY,    /* no worker in this slot */
  WORKER_RUNNING,  /* takes tasks */
  WORKER_RETIRING, /* its task pipe is closed: it finishes and exits */
  WORKER_EXITING,  /* its result pipe is closed: waiting to reap or join */
  WORKER_WAITING   /* dead; restarts when its respawn timer fires */
};

struct worker_slot {
  struct pool *pool;
  int id; /* the slot's index, reported in records */
  enum worker_state state;
  enum worker_kind kind;
  pid_t pid;        /* processes */
  pthread_t thread; /* threads */
  atomic_int tid;   /* threads: set by the thread itself */
  int restarts;
  bool reaped;                 /* processes: waitpid has its status */
  bool crashed;                /* it died while it still had work */
  bool isolated;               /* holds a task on its last attempt, alone */
  struct bufferevent *tasks;   /* our write end of its task pipe */
  struct bufferevent *results; /* our read end of its result pipe */
  struct task **held;          /* window slots: tasks it has not answered */
  int *free_slots;             /* stack of free window slots */
  int free_count;
  struct timespec started;
  long backoff_ms; /* delay before the next restart */
  struct event *respawn;
};

struct pool {
  struct event_base *base;
  struct crawl_options opts; /* for workers started from now on */
  const char *exe;
  struct pool_owner owner;
  int window;
  struct worker_slot workers[OPTIONS_MAX_WORKERS];
  int wanted[2]; /* per enum worker_kind */
  int restarts[2];
  uint64_t next_serial;
  long long outstanding;
  bool draining;
  struct event *sigchld;
  struct event *thread_reaper;
  int thread_reap_ms; /* the next look for exiting threads, after this */
  struct jsonw line;  /* the task line being sent, reused */
};

static void start_worker(struct worker_slot *worker);
static void worker_lost(struct worker_slot *worker, const char *why);

static long ms_since(const struct timespec *start)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)((now.tv_sec - start->tv_sec) * 1000 +
                (now.tv_nsec - start->tv_nsec) / 1000000);
}

static pid_t worker_pid(const struct worker_slot *worker)
{
  return worker->kind == WORKER_PROCESS ? worker->pid : getpid();
}

/* Frees a pipe's bufferevent and closes its fd at once. libevent defers the
 * close of a BEV_OPT_CLOSE_ON_FREE fd to its next loop turn, and a worker
 * waiting for end-of-file must not depend on our loop turning again. */
static void close_pipe(struct bufferevent **pipe)
{
  evutil_socket_t fd;

  if(*pipe == NULL)
    return;
  fd = bufferevent_getfd(*pipe);
  bufferevent_free(*pipe);
  close(fd);
  *pipe = NULL;
}

static void check_drained(struct pool *pool)
{
  if(!pool->draining)
    return;
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    if(pool->workers[i].state != WORKER_EMPTY)
      return;
  }
  pool->owner.drained(pool->owner.owner);
}

/* The running worker with the most free slots, so faster workers get more
 * work; NULL when every window is full. */
static struct worker_slot *least_loaded(struct pool *pool)
{
  struct worker_slot *best = NULL;

  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    struct worker_slot *worker = &pool->workers[i];

    if(worker->state == WORKER_RUNNING && !worker->isolated &&
       worker->free_count > 0 &&
       (best == NULL || worker->free_count > best->free_count))
      best = worker;
  }
  return best;
}

/* A running worker that holds nothing, for a task on its last attempt. */
static struct worker_slot *idle_worker(struct pool *pool)
{
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    struct worker_slot *worker = &pool->workers[i];

    if(worker->state == WORKER_RUNNING && !worker->isolated &&
       worker->free_count == pool->window)
      return worker;
  }
  return NULL;
}

static int send_task(struct pool *pool, struct worker_slot *worker,
                     struct task *task)
{
  int slot = worker->free_slots[worker->free_count - 1];
  struct jsonw *line = &pool->line;

  task->id = (pool->next_serial++ << TASK_SLOT_BITS) | (uint64_t)slot;
  jsonw_reset(line);
  proto_task_encode(line, task->id, task->url, task->attempt, task->robots,
                    task->links);
  if(line->failed ||
     bufferevent_write(worker->tasks, line->text, line->len) < 0)
    return -1;
  worker->free_count--;
  worker->held[slot] = task;
  pool->outstanding++;
  return 0;
}

void pool_kick(struct pool *pool)
{
  while(!pool->draining) {
    struct worker_slot *worker = least_loaded(pool);
    struct task *task;

    if(worker == NULL)
      return;
    task = pool->owner.next_task(pool->owner.owner);
    if(task == NULL)
      return;
    /* A task that was with dying workers before runs its last attempt
     * alone: if it kills this worker too, it alone is to blame, and the
     * innocent tasks that shared a window with it are not charged a
     * third death. It waits for a worker to fall idle. */
    if(task->crashes > 0 && task->attempt >= pool->opts.max_attempts) {
      worker = idle_worker(pool);
      if(worker == NULL) {
        pool->owner.requeue(pool->owner.owner, task);
        return;
      }
      worker->isolated = true;
    }
    if(send_task(pool, worker, task) < 0) {
      pool->owner.requeue(pool->owner.owner, task);
      worker_lost(worker, "cannot queue a task for it (out of memory)");
      return;
    }
  }
}

/* Gives back every task the worker held: again with attempt + 1, or, after
 * max_attempts workers died holding it, answered with worker_crash. */
static void give_back_held(struct worker_slot *worker)
{
  struct pool *pool = worker->pool;

  worker->isolated = false;
  for(int slot = 0; slot < pool->window; slot++) {
    struct task *task = worker->held[slot];

    if(task == NULL)
      continue;
    worker->held[slot] = NULL;
    worker->free_slots[worker->free_count++] = slot;
    pool->outstanding--;
    task->crashes++;
    if(task->attempt >= pool->opts.max_attempts) {
      struct result_summary answer;
      struct jsonw text = { 0 };
      char message[128];

      snprintf(message, sizeof(message),
               "the worker fetching it died %d times", task->crashes);
      result_supervisor_answer(task->url, task->attempt,
                               RESULT_ERR_WORKER_CRASH, message, &text,
                               &answer);
      pool->owner.answered(pool->owner.owner, task, &answer);
      jsonw_free(&text);
      continue;
    }
    task->attempt++;
    pool->owner.requeue(pool->owner.owner, task);
  }
}

static void on_respawn(evutil_socket_t fd, short events, void *arg)
{
  struct worker_slot *worker = arg;

  (void)fd;
  (void)events;
  start_worker(worker);
  pool_kick(worker->pool);
}

/* The worker is gone for good (pipes closed, reaped or joined): free its
 * slot, or schedule its restart when it crashed and is still wanted. */
static void worker_finished(struct worker_slot *worker)
{
  struct pool *pool = worker->pool;
  struct timeval delay;
  int kind_running = 0;

  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    const struct worker_slot *other = &pool->workers[i];

    if(other != worker && other->kind == worker->kind &&
       (other->state == WORKER_RUNNING || other->state == WORKER_WAITING))
      kind_running++;
  }
  if(!worker->crashed || pool->draining ||
     kind_running >= pool->wanted[worker->kind]) {
    worker->state = WORKER_EMPTY;
    check_drained(pool);
    return;
  }
  if(ms_since(&worker->started) > STABLE_RUN_MS)
    worker->backoff_ms = pool->opts.respawn_min_ms;
  if(worker->backoff_ms >= pool->opts.respawn_max_ms)
    log_warn("%s worker %d keeps crashing: restarts throttled to one every "
             "%.1f s",
             worker_kind_name(worker->kind), worker->id,
             worker->backoff_ms / 1000.0);
  else
    log_info("restarting %s worker %d in %.1f s",
             worker_kind_name(worker->kind), worker->id,
             worker->backoff_ms / 1000.0);
  worker->state = WORKER_WAITING;
  pool->restarts[worker->kind]++;
  worker->restarts++;
  delay.tv_sec = worker->backoff_ms / 1000;
  delay.tv_usec = (worker->backoff_ms % 1000) * 1000;
  event_add(worker->respawn, &delay);
  worker->backoff_ms *= 2;
  if(worker->backoff_ms > pool->opts.respawn_max_ms)
    worker->backoff_ms = pool->opts.respawn_max_ms;
}

/* Joins thread workers whose pipes are closed once they have exited; a
 * thread only exits after its last transfer, so this polls rather than
 * blocking the loop in pthread_join(). */
static void on_thread_reap(evutil_socket_t fd, short events, void *arg)
{
  struct pool *pool = arg;
  bool waiting = false;

  (void)fd;
  (void)events;
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    struct worker_slot *worker = &pool->workers[i];

    if(worker->state != WORKER_EXITING || worker->kind != WORKER_THREAD)
      continue;
    if(pthread_tryjoin_np(worker->thread, NULL) == 0)
      worker_finished(worker);
    else
      waiting = true;
  }
  if(waiting) {
    struct timeval delay = { 0, pool->thread_reap_ms * 1000 };

    event_add(pool->thread_reaper, &delay);
    if(pool->thread_reap_ms < THREAD_REAP_MAX_MS / 2)
      pool->thread_reap_ms *= 2;
    else
      pool->thread_reap_ms = THREAD_REAP_MAX_MS;
  }
}

/* The worker's result pipe has ended: cleanly (why NULL) after we closed its
 * task pipe, or not. What it held goes back to the owner. */
static void worker_lost(struct worker_slot *worker, const char *why)
{
  struct pool *pool = worker->pool;

  if(worker->state != WORKER_RUNNING && worker->state != WORKER_RETIRING)
    return;
  if(why != NULL) {
    log_err("%s worker %d (pid %ld) lost: %s", worker_kind_name(worker->kind),
            worker->id, (long)worker_pid(worker), why);
    worker->crashed = true;
  }
  close_pipe(&worker->tasks);
  close_pipe(&worker->results);
  worker->state = WORKER_EXITING;
  give_back_held(worker);
  if(worker->kind == WORKER_THREAD) {
    pool->thread_reap_ms = THREAD_REAP_FIRST_MS;
    on_thread_reap(-1, 0, pool);
  }
  else if(worker->reaped) {
    worker_finished(worker);
  }
  else if(worker->crashed) {
    /* It broke the protocol and may still run: make sure it stops. */
    kill(worker->pid, SIGKILL);
  }
  pool_kick(pool);
}

/* One answer: it must be for a task this worker holds. */
static int take_answer(struct worker_slot *worker, const char *line,
                       size_t len)
{
  struct pool *pool = worker->pool;
  char reason[256];
  struct result_summary answer;
  uint64_t id = 0;
  uint64_t slot;
  struct task *task;

  if(proto_result_decode(line, len, &id, &answer, reason, sizeof(reason)) <
     0) {
    worker_lost(worker, reason);
    return -1;
  }
  slot = id & TASK_SLOT_MASK;
  task = slot < (uint64_t)pool->window ? worker->held[slot] : NULL;
  if(task == NULL || task->id != id) {
    worker_lost(worker, "answered a task it was not given");
    return -1;
  }
  answer.has_worker = true;
  answer.worker_kind = worker->kind;
  answer.worker_id = worker->id;
  answer.attempt = task->attempt;
  worker->held[slot] = NULL;
  worker->free_slots[worker->free_count++] = (int)slot;
  worker->isolated = false;
  pool->outstanding--;
  pool->owner.answered(pool->owner.owner, task, &answer);
  return 0;
}

static void on_results_readable(struct bufferevent *results, void *arg)
{
  struct worker_slot *worker = arg;
  struct evbuffer *input = bufferevent_get_input(results);

  for(;;) {
    enum proto_read got;
    size_t len = 0;
    char *line = NULL;
    int rc;

    got = proto_read_line(input, &line, &len);
    if(got == PROTO_NEED_MORE)
      break;
    if(got == PROTO_TOO_LONG) {
      worker_lost(worker, "result line longer than the protocol allows");
      return;
    }
    rc = take_answer(worker, line, len);
    free(line);
    if(rc < 0)
      return;
  }
  pool_kick(worker->pool);
}

static void on_results_event(struct bufferevent *results, short what,
                             void *arg)
{
  struct worker_slot *worker = arg;

  if(what & BEV_EVENT_ERROR)
    worker_lost(worker, strerror(errno));
  else if(evbuffer_get_length(bufferevent_get_input(results)) > 0)
    worker_lost(worker, "result pipe closed in the middle of a line");
  else if(worker->state == WORKER_RUNNING)
    worker_lost(worker, "exited while it still had work");
  else
    worker_lost(worker, NULL);
}

/* Why a reaped process ended, or NULL for a clean exit. */
static const char *exit_reason(int status, char *buf, size_t size)
{
  if(WIFSIGNALED(status)) {
    snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
             strsignal(WTERMSIG(status)));
    return buf;
  }
  if(WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    return buf;
  }
  return NULL;
}

static struct worker_slot *process_by_pid(struct pool *pool, pid_t pid)
{
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    struct worker_slot *worker = &pool->workers[i];

    if(worker->kind == WORKER_PROCESS && worker->pid == pid &&
       worker->state != WORKER_EMPTY && !worker->reaped)
      return worker;
  }
  return NULL;
}

/* SIGCHLD: reap every worker process that ended and say why. A process whose
 * result pipe is still open is finished when that pipe ends, so that the
 * answers still in it are read first. */
static void on_sigchld(evutil_socket_t fd, short events, void *arg)
{
  struct pool *pool = arg;

  (void)fd;
  (void)events;
  for(;;) {
    struct worker_slot *worker;
    const char *reason;
    char text[128];
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);

    if(pid <= 0)
      break;
    worker = process_by_pid(pool, pid);
    if(worker == NULL)
      continue;
    worker->reaped = true;
    reason = exit_reason(status, text, sizeof(text));
    if(reason != NULL) {
      log_warn("process worker %d (pid %ld) %s", worker->id, (long)pid,
               reason);
      worker->crashed = true;
    }
    if(worker->state == WORKER_EXITING)
      worker_finished(worker);
  }
}

static int make_pipes(int task_pipe[2], int result_pipe[2])
{
  if(pipe2(task_pipe, O_CLOEXEC) < 0)
    return -1;
  if(pipe2(result_pipe, O_CLOEXEC) < 0) {
    close(task_pipe[0]);
    close(task_pipe[1]);
    return -1;
  }
  return 0;
}

/* Starts the worker's thread or process on fresh pipes; cause says why
 * not. */
static int launch(struct worker_slot *worker, int task_pipe[2],
                  int result_pipe[2], char **cause)
{
  struct pool *pool = worker->pool;
  char **argv;

  if(worker->kind == WORKER_THREAD) {
    struct worker_config config = {
      .kind = WORKER_THREAD,
      .id = worker->id,
      .inflight = pool->opts.inflight,
      .policy = pool->opts.fetch,
    };

    atomic_store(&worker->tid, 0);
    return worker_thread_start(&config, task_pipe[0], result_pipe[1],
                               &worker->thread, &worker->tid, cause);
  }
  argv = options_worker_argv(&pool->opts, pool->exe, worker->id);
  if(argv == NULL) {
    *cause = strdup("out of memory");
    worker->pid = -1;
  }
  else {
    worker->pid = worker_proc_start(argv, task_pipe[0], result_pipe[1], cause);
  }
  options_free_argv(argv);
  close(task_pipe[0]);
  close(result_pipe[1]);
  return worker->pid > 0 ? 0 : -1;
}

static struct bufferevent *pipe_event(struct pool *pool, int fd)
{
  evutil_make_socket_nonblocking(fd);
  return bufferevent_socket_new(pool->base, fd, 0);
}

static void start_worker(struct worker_slot *worker)
{
  struct pool *pool = worker->pool;
  int task_pipe[2];
  int result_pipe[2];
  char *cause = NULL;

  worker->reaped = false;
  worker->crashed = false;
  worker->pid = 0;
  clock_gettime(CLOCK_MONOTONIC, &worker->started);
  if(make_pipes(task_pipe, result_pipe) < 0) {
    log_err("cannot create pipes for worker %d: %s", worker->id,
            strerror(errno));
  }
  else if(launch(worker, task_pipe, result_pipe, &cause) < 0) {
    log_err("%s", cause != NULL ? cause : "out of memory");
    free(cause);
    close(task_pipe[1]);
    close(result_pipe[0]);
  }
  else {
    worker->tasks = pipe_event(pool, task_pipe[1]);
    worker->results = pipe_event(pool, result_pipe[0]);
    worker->state = WORKER_RUNNING;
    if(worker->tasks == NULL || worker->results == NULL) {
      worker_lost(worker, "out of memory setting up its pipes");
      return;
    }
    bufferevent_setcb(worker->results, on_results_readable, NULL,
                      on_results_event, worker);
    bufferevent_enable(worker->results, EV_READ);
    bufferevent_enable(worker->tasks, EV_WRITE);
    log_debug("%s worker %d started (pid %ld)", worker_kind_name(worker->kind),
              worker->id, (long)worker_pid(worker));
    return;
  }
  /* It never ran: count it as a crash, so that it is retried with backoff
   * rather than in a busy loop. */
  worker->crashed = true;
  worker->reaped = true;
  worker->state = WORKER_EXITING;
  worker_finished(worker);
}

/* Stops giving the worker tasks; it answers what it holds, then exits. */
static void retire(struct worker_slot *worker)
{
  if(worker->state == WORKER_WAITING) {
    event_del(worker->respawn);
    worker->state = WORKER_EMPTY;
    return;
  }
  if(worker->state != WORKER_RUNNING)
    return;
  close_pipe(&worker->tasks);
  worker->state = WORKER_RETIRING;
}

static int slot_setup(struct pool *pool, struct worker_slot *worker)
{
  if(worker->held != NULL)
    return 0;
  worker->held = calloc((size_t)pool->window, sizeof(*worker->held));
  worker->free_slots = calloc((size_t)pool->window, sizeof(int));
  worker->respawn = evtimer_new(pool->base, on_respawn, worker);
  if(worker->held == NULL || worker->free_slots == NULL ||
     worker->respawn == NULL)
    return -1;
  /* Highest slot at the bottom of the stack, so slot 0 is used first. */
  for(int slot = 0; slot < pool->window; slot++)
    worker->free_slots[slot] = pool->window - 1 - slot;
  worker->free_count = pool->window;
  worker->backoff_ms = pool->opts.respawn_min_ms;
  return 0;
}

/* Starts workers of kind until `wanted` of them run or wait to restart. */
static int grow(struct pool *pool, enum worker_kind kind, int count)
{
  for(int i = 0; i < OPTIONS_MAX_WORKERS && count > 0; i++) {
    struct worker_slot *worker = &pool->workers[i];

    if(worker->state != WORKER_EMPTY)
      continue;
    if(slot_setup(pool, worker) < 0)
      return -1;
    worker->kind = kind;
    start_worker(worker);
    count--;
  }
  return 0;
}

/* Retires count workers of kind, the highest ids first. */
static void shrink(struct pool *pool, enum worker_kind kind, int count)
{
  for(int i = OPTIONS_MAX_WORKERS - 1; i >= 0 && count > 0; i--) {
    struct worker_slot *worker = &pool->workers[i];

    if(worker->kind != kind ||
       (worker->state != WORKER_RUNNING && worker->state != WORKER_WAITING))
      continue;
    retire(worker);
    count--;
  }
}

static int active_count(const struct pool *pool, enum worker_kind kind)
{
  int count = 0;

  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    const struct worker_slot *worker = &pool->workers[i];

    if(worker->kind == kind &&
       (worker->state == WORKER_RUNNING || worker->state == WORKER_WAITING))
      count++;
  }
  return count;
}

static int apply_counts(struct pool *pool)
{
  static const enum worker_kind kinds[2] = { WORKER_THREAD, WORKER_PROCESS };

  for(int k = 0; k < 2; k++) {
    int active = active_count(pool, kinds[k]);

    if(active > pool->wanted[kinds[k]])
      shrink(pool, kinds[k], active - pool->wanted[kinds[k]]);
    else if(grow(pool, kinds[k], pool->wanted[kinds[k]] - active) < 0)
      return -1;
  }
  return 0;
}

void pool_resize(struct pool *pool, const struct crawl_options *opts)
{
  pool->opts = *opts;
  pool->wanted[WORKER_THREAD] = opts->threads;
  pool->wanted[WORKER_PROCESS] = opts->processes;
  if(pool->draining)
    return;
  if(apply_counts(pool) < 0)
    log_err("out of memory starting workers");
  pool_kick(pool);
}

struct pool *pool_new(struct event_base *base,
                      const struct crawl_options *opts, const char *exe,
                      const struct pool_owner *owner, char **cause)
{
  struct pool *pool = calloc(1, sizeof(*pool));

  *cause = NULL;
  if(pool == NULL) {
    *cause = strdup("out of memory");
    return NULL;
  }
  pool->base = base;
  pool->opts = *opts;
  pool->exe = exe;
  pool->owner = *owner;
  pool->window = options_window(opts);
  pool->wanted[WORKER_THREAD] = opts->threads;
  pool->wanted[WORKER_PROCESS] = opts->processes;
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    pool->workers[i].pool = pool;
    pool->workers[i].id = i;
  }
  pool->sigchld = evsignal_new(base, SIGCHLD, on_sigchld, pool);
  pool->thread_reaper = evtimer_new(base, on_thread_reap, pool);
  pool->thread_reap_ms = THREAD_REAP_FIRST_MS;
  if(pool->sigchld == NULL || pool->thread_reaper == NULL ||
     evsignal_add(pool->sigchld, NULL) < 0 || apply_counts(pool) < 0) {
    *cause = strdup("cannot set up the workers");
    pool_free(pool);
    return NULL;
  }
  return pool;
}

void pool_drain(struct pool *pool)
{
  pool->draining = true;
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++)
    retire(&pool->workers[i]);
  check_drained(pool);
}

long long pool_outstanding(const struct pool *pool)
{
  return pool->outstanding;
}

void pool_counts(const struct pool *pool, enum worker_kind kind,
                 struct pool_kind_counts *counts)
{
  counts->running = 0;
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    const struct worker_slot *worker = &pool->workers[i];

    if(worker->kind == kind &&
       (worker->state == WORKER_RUNNING || worker->state == WORKER_RETIRING))
      counts->running++;
  }
  counts->restarts = pool->restarts[kind];
}

/* After a forced stop a thread may still be finishing a transfer; its pipes
 * are closed, so it stops at its next write. Wait this long for it. */
#define THREAD_JOIN_WAIT_S 2

static bool join_thread(struct worker_slot *worker)
{
  struct timespec deadline;

  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += THREAD_JOIN_WAIT_S;
  return pthread_timedjoin_np(worker->thread, NULL, &deadline) == 0;
}

/* Stops whatever runs in the slot; false if a thread would not stop. */
static bool stop_slot(struct worker_slot *worker)
{
  bool runs = worker->state == WORKER_RUNNING ||
              worker->state == WORKER_RETIRING ||
              worker->state == WORKER_EXITING;

  close_pipe(&worker->tasks);
  close_pipe(&worker->results);
  if(!runs)
    return true;
  if(worker->kind == WORKER_THREAD)
    return join_thread(worker);
  if(!worker->reaped && worker->pid > 0) {
    kill(worker->pid, SIGKILL);
    waitpid(worker->pid, NULL, 0);
  }
  return true;
}

int pool_free(struct pool *pool)
{
  int threads_left = 0;

  if(pool == NULL)
    return 0;
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    struct worker_slot *worker = &pool->workers[i];

    if(!stop_slot(worker))
      threads_left++;
    for(int slot = 0; worker->held != NULL && slot < pool->window; slot++)
      task_free(worker->held[slot]);
    free(worker->held);
    free(worker->free_slots);
    if(worker->respawn != NULL)
      event_free(worker->respawn);
  }
  if(pool->sigchld != NULL)
    event_free(pool->sigchld);
  if(pool->thread_reaper != NULL)
    event_free(pool->thread_reaper);
  jsonw_free(&pool->line);
  free(pool);
  return threads_left;
}

static const char *state_name(enum worker_state state)
{
  switch(state) {
    case WORKER_RUNNING:
      return "running";
    case WORKER_RETIRING:
      return "retiring";
    case WORKER_EXITING:
      return "exiting";
    case WORKER_WAITING:
      return "waiting";
    case WORKER_EMPTY:
      break;
  }
  return "empty";
}

/* CPU seconds (utime + stime) from a /proc/.../stat file; -1 if unknown.
 * The command name (field 2) may hold spaces, so fields are counted from
 * its closing parenthesis. */
static double read_cpu_seconds(const char *stat_path)
{
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  char text[1024];
  FILE *file = fopen(stat_path, "re");
  size_t len;
  char *after;

  if(file == NULL)
    return -1;
  len = fread(text, 1, sizeof(text) - 1, file);
  fclose(file);
  text[len] = '\0';
  after = strrchr(text, ')');
  if(after == NULL ||
     sscanf(after + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu",
            &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static long read_rss_kb(pid_t pid)
{
  char path[64];
  long pages = -1;
  FILE *file;

  snprintf(path, sizeof(path), "/proc/%ld/statm", (long)pid);
  file = fopen(path, "re");
  if(file == NULL)
    return -1;
  if(fscanf(file, "%*s %ld", &pages) != 1)
    pages = -1;
  fclose(file);
  return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

bool pool_worker_info(const struct pool *pool, int index,
                      struct pool_worker_info *info)
{
  const struct worker_slot *worker = &pool->workers[index];
  char stat_path[64];

  if(index < 0 || index >= OPTIONS_MAX_WORKERS ||
     worker->state == WORKER_EMPTY)
    return false;
  info->kind = worker->kind;
  info->id = worker->id;
  info->pid = worker_pid(worker);
  info->tid = worker->kind == WORKER_THREAD ? atomic_load(&worker->tid) : 0;
  info->state = state_name(worker->state);
  info->in_flight =
      worker->state == WORKER_WAITING ? 0 : pool->window - worker->free_count;
  info->restarts = worker->restarts;
  if(worker->kind == WORKER_THREAD)
    snprintf(stat_path, sizeof(stat_path), "/proc/self/task/%ld/stat",
             (long)info->tid);
  else
    snprintf(stat_path, sizeof(stat_path), "/proc/%ld/stat", (long)info->pid);
  info->cpu_s =
      worker->state == WORKER_WAITING ? -1 : read_cpu_seconds(stat_path);
  info->rss_kb = worker->state == WORKER_WAITING ? -1 : read_rss_kb(info->pid);
  return true;
}
