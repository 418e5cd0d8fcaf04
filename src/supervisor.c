/* supervisor.c - dispatch, collection and worker bookkeeping of crawld --once;
 * see supervisor.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "proto.h"
#include "result.h"
#include "supervisor.h"
#include "urlfile.h"
#include "worker_proc.h"
#include "worker_thread.h"

/* A task id is (serial << TASK_SLOT_BITS) | slot: the slot finds the task in
 * O(1) when its result comes back, and the serial makes a stale or forged id
 * miss. */
#define TASK_SLOT_BITS 17

struct task {
  uint64_t id;
  long long seq;
  int attempt;
  char *url;
  struct task *next; /* in the pending queue */
};

struct worker_handle {
  struct supervisor *supervisor;
  enum worker_kind kind;
  int id;
  pid_t pid;                   /* processes only */
  pthread_t thread;            /* threads only */
  struct bufferevent *tasks;   /* our write end of its task pipe */
  struct bufferevent *results; /* our read end of its result pipe */
  struct task **slots; /* window entries: the tasks it has not answered */
  int *free_slots;     /* stack of free slot numbers */
  int free_count;
  bool alive; /* its result pipe is open */
};

struct supervisor {
  const struct crawl_options *opts;
  const char *exe;
  const char *job;
  struct event_base *base;
  struct event *input_ready; /* only for a non-blocking input (a pipe) */
  struct event *stop_signals[2];
  struct urlfile *input;
  bool input_done;
  FILE *output;
  struct task
      *pending_head; /* read from the file (or re-queued), not dispatched */
  struct task *pending_tail;
  int pending_count;
  int readahead; /* most pending tasks kept in memory */
  int window;
  struct worker_handle *workers;
  int worker_count;
  int workers_alive;
  long long outstanding; /* dispatched and unanswered, all workers */
  uint64_t next_serial;
  long long records;
  long long records_ok;
  bool stopping; /* a signal asked us to stop taking work */
  bool failed;
  struct timespec started;
};

static void dispatch(struct supervisor *sup);

static void task_free(struct task *task)
{
  if(task == NULL)
    return;
  free(task->url);
  free(task);
}

static void stop_loop(struct supervisor *sup, const char *why)
{
  if(why != NULL) {
    log_err("%s", why);
    sup->failed = true;
  }
  event_base_loopbreak(sup->base);
}

/* Writes one final record made from a worker's (or our own) record body, which
 * the caller keeps. An output error ends the crawl: records would be lost. */
static void write_record(struct supervisor *sup, long long seq, json_t *body)
{
  json_t *record = body != NULL ? result_finish(sup->job, seq, body) : NULL;
  size_t len = 0;
  char *line = record != NULL ? proto_dump_line(record, &len) : NULL;

  if(line == NULL) {
    stop_loop(sup, "out of memory writing a record");
  }
  else if(fwrite(line, 1, len, sup->output) != len) {
    stop_loop(sup, "cannot write the output");
  }
  else {
    sup->records++;
    if(json_is_true(json_object_get(record, "ok")))
      sup->records_ok++;
  }
  free(line);
  json_decref(record);
}

/* A record the supervisor writes itself: a bad line, or a URL that crashed
 * workers. */
static void write_error_record(struct supervisor *sup, long long seq,
                               const char *url, int attempt,
                               enum result_error error, const char *message)
{
  struct result_record record = { 0 };
  json_t *body;

  record.url = url;
  record.attempt = attempt;
  record.error = error;
  record.error_message = message;
  clock_gettime(CLOCK_REALTIME, &record.fetched_at);
  body = result_encode(&record);
  write_record(sup, seq, body);
  json_decref(body);
}

static void pending_push_back(struct supervisor *sup, struct task *task)
{
  task->next = NULL;
  if(sup->pending_tail != NULL)
    sup->pending_tail->next = task;
  else
    sup->pending_head = task;
  sup->pending_tail = task;
  sup->pending_count++;
}

/* Re-queued tasks go first: they are the oldest work. */
static void pending_push_front(struct supervisor *sup, struct task *task)
{
  task->next = sup->pending_head;
  sup->pending_head = task;
  if(sup->pending_tail == NULL)
    sup->pending_tail = task;
  sup->pending_count++;
}

static struct task *pending_pop(struct supervisor *sup)
{
  struct task *task = sup->pending_head;

  if(task == NULL)
    return NULL;
  sup->pending_head = task->next;
  if(sup->pending_head == NULL)
    sup->pending_tail = NULL;
  sup->pending_count--;
  return task;
}

static void queue_url(struct supervisor *sup, const struct urlfile_line *line)
{
  struct task *task = calloc(1, sizeof(*task));
  char *url = strndup(line->url, line->url_len);

  if(task == NULL || url == NULL) {
    free(task);
    free(url);
    stop_loop(sup, "out of memory reading the URL file");
    return;
  }
  task->url = url;
  task->seq = line->seq;
  task->attempt = 1;
  pending_push_back(sup, task);
}

/* Reads the URL file until the read-ahead queue is full, writing the records
 * of bad lines on the way. Streaming keeps memory flat whatever the file's
 * length. */
static void read_input(struct supervisor *sup)
{
  while(!sup->input_done && !sup->stopping && !sup->failed &&
        sup->pending_count < sup->readahead) {
    struct urlfile_line line;

    switch(urlfile_next(sup->input, &line)) {
      case URLFILE_URL:
        queue_url(sup, &line);
        break;
      case URLFILE_SKIP:
        break;
      case URLFILE_BAD:
        write_error_record(sup, line.seq, NULL, 0,
                           result_error_from_name(line.error_code),
                           line.error_message);
        break;
      case URLFILE_AGAIN:
        event_add(sup->input_ready, NULL);
        return;
      case URLFILE_EOF:
        sup->input_done = true;
        break;
      case URLFILE_ERROR:
        sup->input_done = true;
        stop_loop(sup, line.error_message);
        break;
    }
  }
}

static void on_input_ready(evutil_socket_t fd, short events, void *arg)
{
  (void)fd;
  (void)events;
  dispatch(arg);
}

/* The live worker with the most free slots, so faster workers get more work;
 * NULL when every window is full. */
static struct worker_handle *least_loaded(struct supervisor *sup)
{
  struct worker_handle *best = NULL;

  for(int i = 0; i < sup->worker_count; i++) {
    struct worker_handle *worker = &sup->workers[i];

    if(worker->alive && worker->tasks != NULL && worker->free_count > 0 &&
       (best == NULL || worker->free_count > best->free_count))
      best = worker;
  }
  return best;
}

static int send_task(struct supervisor *sup, struct worker_handle *worker,
                     struct task *task)
{
  int slot = worker->free_slots[worker->free_count - 1];
  size_t len;
  char *line;

  task->id = (sup->next_serial++ << TASK_SLOT_BITS) | (uint64_t)slot;
  line = proto_task_encode(task->id, task->url, task->attempt, &len);
  if(line == NULL || bufferevent_write(worker->tasks, line, len) < 0) {
    free(line);
    return -1;
  }
  free(line);
  worker->free_count--;
  worker->slots[slot] = task;
  sup->outstanding++;
  return 0;
}

static void close_task_pipes(struct supervisor *sup)
{
  for(int i = 0; i < sup->worker_count; i++) {
    struct worker_handle *worker = &sup->workers[i];

    if(worker->tasks != NULL) {
      /* Closing its task pipe is how a worker learns to finish and exit. */
      bufferevent_free(worker->tasks);
      worker->tasks = NULL;
    }
  }
}

/* Moves pending tasks into free window slots, refilling from the file, and
 * starts the shutdown once there is nothing left to do. */
static void dispatch(struct supervisor *sup)
{
  for(;;) {
    struct worker_handle *worker;
    struct task *task;

    if(sup->pending_head == NULL)
      read_input(sup);
    if(sup->failed || sup->pending_head == NULL)
      break;
    worker = least_loaded(sup);
    if(worker == NULL)
      break;
    task = pending_pop(sup);
    if(send_task(sup, worker, task) < 0) {
      pending_push_front(sup, task);
      stop_loop(sup, "out of memory sending a task");
      return;
    }
  }
  if((sup->input_done || sup->stopping) && sup->pending_head == NULL &&
     sup->outstanding == 0)
    close_task_pipes(sup);
}

/* Its unanswered tasks go back to the queue with attempt + 1, or, after they
 * have been with SUPERVISOR_MAX_ATTEMPTS crashed workers, get a worker_crash
 * record. */
static void requeue_unanswered(struct supervisor *sup,
                               struct worker_handle *worker)
{
  for(int slot = 0; slot < sup->window; slot++) {
    struct task *task = worker->slots[slot];
    char message[128];

    if(task == NULL)
      continue;
    worker->slots[slot] = NULL;
    worker->free_slots[worker->free_count++] = slot;
    sup->outstanding--;
    if(task->attempt >= SUPERVISOR_MAX_ATTEMPTS) {
      snprintf(message, sizeof(message),
               "the worker fetching it died %d times", task->attempt);
      write_error_record(sup, task->seq, task->url, task->attempt,
                         RESULT_ERR_WORKER_CRASH, message);
      task_free(task);
      continue;
    }
    task->attempt++;
    pending_push_front(sup, task);
  }
}

static void reap_process(struct worker_handle *worker, bool expected)
{
  int status = 0;
  pid_t got;

  /* A worker that broke the protocol may still be running: make sure it is
   * not. */
  if(!expected)
    kill(worker->pid, SIGKILL);
  do {
    got = waitpid(worker->pid, &status, 0);
  } while(got < 0 && errno == EINTR);
  if(got < 0)
    log_warn("worker process %d (pid %ld): %s", worker->id, (long)worker->pid,
             strerror(errno));
  else if(WIFSIGNALED(status) && expected)
    log_warn("worker process %d (pid %ld) was killed by signal %d (%s)",
             worker->id, (long)worker->pid, WTERMSIG(status),
             strsignal(WTERMSIG(status)));
  else if(WIFEXITED(status) && WEXITSTATUS(status) != 0)
    log_warn("worker process %d (pid %ld) exited with status %d", worker->id,
             (long)worker->pid, WEXITSTATUS(status));
}

/* The worker's result pipe is closed, cleanly or not. why is NULL for a clean
 * finish. */
static void worker_gone(struct supervisor *sup, struct worker_handle *worker,
                        const char *why)
{
  if(why != NULL)
    log_err("%s worker %d (pid %ld): %s", worker_kind_name(worker->kind),
            worker->id,
            (long)(worker->kind == WORKER_PROCESS ? worker->pid : getpid()),
            why);
  worker->alive = false;
  sup->workers_alive--;
  bufferevent_free(worker->results);
  worker->results = NULL;
  if(worker->tasks != NULL) {
    bufferevent_free(worker->tasks);
    worker->tasks = NULL;
  }
  if(worker->kind == WORKER_PROCESS)
    reap_process(worker, why == NULL);
  else
    pthread_join(worker->thread, NULL);
  requeue_unanswered(sup, worker);
  if(sup->workers_alive > 0) {
    dispatch(sup);
    return;
  }
  if(sup->pending_head != NULL || sup->outstanding > 0 ||
     (!sup->input_done && !sup->stopping))
    stop_loop(sup, "every worker is gone with work left: giving up");
  else
    stop_loop(sup, NULL);
}

/* One result line from a worker: it must answer a task that worker holds. */
static int take_result(struct supervisor *sup, struct worker_handle *worker,
                       const char *line, size_t len)
{
  char reason[256];
  uint64_t id = 0;
  json_t *body = proto_result_decode(line, len, &id, reason, sizeof(reason));
  uint64_t slot = id & ((1U << TASK_SLOT_BITS) - 1);
  struct task *task;

  if(body == NULL) {
    worker_gone(sup, worker, reason);
    return -1;
  }
  task = slot < (uint64_t)sup->window ? worker->slots[slot] : NULL;
  if(task == NULL || task->id != id) {
    json_decref(body);
    worker_gone(sup, worker, "answered a task it was not given");
    return -1;
  }
  worker->slots[slot] = NULL;
  worker->free_slots[worker->free_count++] = (int)slot;
  sup->outstanding--;
  write_record(sup, task->seq, body);
  json_decref(body);
  task_free(task);
  return 0;
}

static void on_results_readable(struct bufferevent *results, void *arg)
{
  struct worker_handle *worker = arg;
  struct supervisor *sup = worker->supervisor;
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
      worker_gone(sup, worker, "result line longer than the protocol allows");
      return;
    }
    rc = take_result(sup, worker, line, len);
    free(line);
    if(rc < 0)
      return;
  }
  dispatch(sup);
}

static void on_results_event(struct bufferevent *results, short what,
                             void *arg)
{
  struct worker_handle *worker = arg;
  struct supervisor *sup = worker->supervisor;

  if(what & BEV_EVENT_ERROR)
    worker_gone(sup, worker, strerror(errno));
  else if(evbuffer_get_length(bufferevent_get_input(results)) > 0)
    worker_gone(sup, worker, "result pipe closed in the middle of a line");
  else if(worker->tasks != NULL)
    worker_gone(sup, worker, "exited while it still had work");
  else
    worker_gone(sup, worker, NULL);
}

static void on_stop_signal(evutil_socket_t signal_number, short events,
                           void *arg)
{
  struct supervisor *sup = arg;

  (void)events;
  if(sup->stopping) {
    stop_loop(sup,
              "second signal: stopping now, in-flight URLs get no record");
    return;
  }
  log_warn(
      "%s: finishing the URLs in flight, then stopping (again to stop now)",
      strsignal((int)signal_number));
  sup->stopping = true;
  while(sup->pending_head != NULL)
    task_free(pending_pop(sup));
  dispatch(sup);
}

static int make_pipe_pair(int task_pipe[2], int result_pipe[2])
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

/* Starts the worker's thread or process; our ends of its pipes become
 * bufferevents. */
static int start_worker(struct supervisor *sup, struct worker_handle *worker,
                        char **cause)
{
  int task_pipe[2];
  int result_pipe[2];
  int rc;

  if(make_pipe_pair(task_pipe, result_pipe) < 0) {
    if(asprintf(cause, "cannot create worker pipes: %s", strerror(errno)) < 0)
      *cause = NULL;
    return -1;
  }
  if(worker->kind == WORKER_THREAD) {
    struct worker_config config = {
      .kind = WORKER_THREAD,
      .id = worker->id,
      .inflight = sup->opts->inflight,
      .policy = sup->opts->fetch,
    };

    rc = worker_thread_start(&config, task_pipe[0], result_pipe[1],
                             &worker->thread, cause);
  }
  else {
    char **argv = options_worker_argv(sup->opts, sup->exe, worker->id);

    worker->pid = argv != NULL ? worker_proc_start(argv, task_pipe[0],
                                                   result_pipe[1], cause)
                               : -1;
    if(argv == NULL)
      *cause = strdup("out of memory starting a worker process");
    options_free_argv(argv);
    close(task_pipe[0]);
    close(result_pipe[1]);
    rc = worker->pid > 0 ? 0 : -1;
  }
  if(rc < 0) {
    close(task_pipe[1]);
    close(result_pipe[0]);
    return -1;
  }
  evutil_make_socket_nonblocking(task_pipe[1]);
  evutil_make_socket_nonblocking(result_pipe[0]);
  worker->tasks =
      bufferevent_socket_new(sup->base, task_pipe[1], BEV_OPT_CLOSE_ON_FREE);
  worker->results =
      bufferevent_socket_new(sup->base, result_pipe[0], BEV_OPT_CLOSE_ON_FREE);
  if(worker->tasks == NULL || worker->results == NULL) {
    *cause = strdup("out of memory setting up worker pipes");
    return -1;
  }
  bufferevent_setcb(worker->results, on_results_readable, NULL,
                    on_results_event, worker);
  bufferevent_enable(worker->results, EV_READ);
  bufferevent_enable(worker->tasks, EV_WRITE);
  worker->alive = true;
  sup->workers_alive++;
  return 0;
}

static int start_workers(struct supervisor *sup, char **cause)
{
  sup->worker_count = sup->opts->threads + sup->opts->processes;
  sup->workers = calloc((size_t)sup->worker_count, sizeof(*sup->workers));
  if(sup->workers == NULL) {
    *cause = strdup("out of memory");
    return -1;
  }
  for(int i = 0; i < sup->worker_count; i++) {
    struct worker_handle *worker = &sup->workers[i];

    worker->supervisor = sup;
    worker->id = i;
    worker->kind = i < sup->opts->threads ? WORKER_THREAD : WORKER_PROCESS;
    worker->slots = calloc((size_t)sup->window, sizeof(*worker->slots));
    worker->free_slots =
        calloc((size_t)sup->window, sizeof(*worker->free_slots));
    if(worker->slots == NULL || worker->free_slots == NULL) {
      *cause = strdup("out of memory");
      return -1;
    }
    /* Highest slot at the bottom of the stack, so slot 0 is used first. */
    for(int slot = 0; slot < sup->window; slot++)
      worker->free_slots[slot] = sup->window - 1 - slot;
    worker->free_count = sup->window;
    if(start_worker(sup, worker, cause) < 0)
      return -1;
  }
  return 0;
}

static int open_streams(struct supervisor *sup, char **cause)
{
  const char *path = sup->opts->output;

  sup->input = urlfile_open(sup->opts->url_file, cause);
  if(sup->input == NULL)
    return -1;
  sup->input_ready = event_new(sup->base, urlfile_fd(sup->input), EV_READ,
                               on_input_ready, sup);
  if(sup->input_ready == NULL) {
    *cause = strdup("out of memory");
    return -1;
  }
  sup->output = strcmp(path, "-") == 0 ? stdout : fopen(path, "we");
  if(sup->output == NULL) {
    if(asprintf(cause, "cannot open output %s: %s", path, strerror(errno)) < 0)
      *cause = NULL;
    return -1;
  }
  return 0;
}

static int setup(struct supervisor *sup, char **cause)
{
  static const int stop_signal_numbers[2] = { SIGINT, SIGTERM };

  sup->base = event_base_new();
  if(sup->base == NULL) {
    *cause = strdup("cannot create the event loop");
    return -1;
  }
  for(int i = 0; i < 2; i++) {
    sup->stop_signals[i] =
        evsignal_new(sup->base, stop_signal_numbers[i], on_stop_signal, sup);
    if(sup->stop_signals[i] == NULL ||
       evsignal_add(sup->stop_signals[i], NULL) < 0) {
      *cause = strdup("cannot watch signals");
      return -1;
    }
  }
  if(open_streams(sup, cause) < 0)
    return -1;
  return start_workers(sup, cause);
}

/* Stops whatever still runs after a failure and frees everything. */
static void teardown(struct supervisor *sup)
{
  for(int i = 0; i < sup->worker_count; i++) {
    struct worker_handle *worker = &sup->workers[i];

    if(worker->alive)
      worker_gone(sup, worker, NULL);
    for(int slot = 0; slot < sup->window; slot++)
      task_free(worker->slots != NULL ? worker->slots[slot] : NULL);
    free(worker->slots);
    free(worker->free_slots);
  }
  free(sup->workers);
  while(sup->pending_head != NULL)
    task_free(pending_pop(sup));
  if(sup->output != NULL && sup->output != stdout)
    fclose(sup->output);
  if(sup->input_ready != NULL)
    event_free(sup->input_ready);
  if(sup->input != NULL)
    urlfile_close(sup->input);
  for(int i = 0; i < 2; i++) {
    if(sup->stop_signals[i] != NULL)
      event_free(sup->stop_signals[i]);
  }
  if(sup->base != NULL)
    event_base_free(sup->base);
}

static double seconds_since(const struct timespec *start)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) +
         (now.tv_nsec - start->tv_nsec) / 1e9;
}

static char *job_name(const char *url_file)
{
  char *copy;
  char *name;

  if(strcmp(url_file, "-") == 0)
    return strdup("stdin");
  copy = strdup(url_file);
  if(copy == NULL)
    return NULL;
  name = strdup(basename(copy));
  free(copy);
  return name;
}

int supervisor_run_once(const struct crawl_options *opts, const char *exe)
{
  struct supervisor sup = { 0 };
  char *default_job = opts->job == NULL ? job_name(opts->url_file) : NULL;
  char *cause = NULL;
  double elapsed;

  sup.opts = opts;
  sup.exe = exe;
  sup.job = opts->job != NULL ? opts->job : default_job;
  sup.window = options_window(opts);
  /* Enough read-ahead to refill every window at once, and no more. */
  sup.readahead = sup.window * (opts->threads + opts->processes);
  clock_gettime(CLOCK_MONOTONIC, &sup.started);
  if(sup.job == NULL) {
    log_err("out of memory");
    sup.failed = true;
  }
  else if(setup(&sup, &cause) < 0) {
    log_err("%s", cause != NULL ? cause : "out of memory");
    sup.failed = true;
  }
  else {
    dispatch(&sup);
    event_base_dispatch(sup.base);
  }
  free(cause);
  if(sup.output != NULL && fflush(sup.output) != 0) {
    log_err("cannot write the output: %s", strerror(errno));
    sup.failed = true;
  }
  teardown(&sup);
  elapsed = seconds_since(&sup.started);
  log_info("%lld records (%lld ok, %lld errors) in %.3f s: %.1f URLs/s",
           sup.records, sup.records_ok, sup.records - sup.records_ok, elapsed,
           elapsed > 0 ? sup.records / elapsed : 0.0);
  free(default_job);
  if(sup.stopping && !sup.failed)
    log_warn("stopped by a signal before the end of the URL file");
  return sup.failed || sup.stopping ? 1 : 0;
}
