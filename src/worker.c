/* worker.c - the fetch loop shared by worker threads and worker processes.
 *
 * The structure is libcurl's multi_socket pattern on libevent (hiperfifo):
 * libcurl tells us which sockets to watch (sockwatch.c) and when to call it
 * back (on_curl_timer); we hand every readiness and timeout back with
 * curl_multi_socket_action() and then collect finished transfers
 * (collect_done). Task and result pipes are bufferevents on the same
 * event_base, so one thread does everything and nothing here needs a lock. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <curl/curl.h>

#include "fetch.h"
#include "log.h"
#include "proto.h"
#include "sockwatch.h"
#include "worker.h"

/* A task read from the pipe but not started, because inflight transfers are
 * running. */
struct queued_task {
  struct proto_task task;
  struct queued_task *next;
};

struct worker {
  const struct worker_config *config;
  struct fetch_worker_identity identity;
  struct event_base *base;
  CURLM *multi;
  struct sockwatch *sockets; /* what libcurl asked us to watch */
  struct event *curl_timer;
  struct bufferevent *tasks;
  struct bufferevent *results;
  struct queued_task *queue_head;
  struct queued_task *queue_tail;
  struct fetch *running; /* transfers added to the multi handle, chained */
  int inflight;          /* how many there are */
  struct fetch *idle;    /* handles between transfers, for the next ones */
  int curl_running;  /* libcurl's own count, from curl_multi_socket_action */
  bool tasks_closed; /* the supervisor has no more tasks for us */
  const char *crash_marker;  /* test hook: see start_queued() */
  struct netpolicy networks; /* deny_networks, parsed once */
  struct jsonw line;         /* the result line being sent, reused */
  bool failed;
};

static void check_finished(struct worker *worker);

static void fail(struct worker *worker, const char *what)
{
  log_err("worker %d: %s; stopping", worker->config->id, what);
  worker->failed = true;
  event_base_loopbreak(worker->base);
}

/* Sends the result line fetch_finish() or fetch_fail() wrote. */
static void send_result(struct worker *worker)
{
  if(worker->line.failed)
    fail(worker, "out of memory encoding a result");
  else if(bufferevent_write(worker->results, worker->line.text,
                            worker->line.len) < 0)
    fail(worker, "cannot queue a result line");
  jsonw_reset(&worker->line);
}

/* Starts queued tasks while there is room in flight. */
static void start_queued(struct worker *worker)
{
  while(worker->queue_head != NULL &&
        worker->inflight < worker->config->inflight) {
    struct queued_task *queued = worker->queue_head;
    struct fetch *fetch;

    worker->queue_head = queued->next;
    if(worker->queue_head == NULL)
      worker->queue_tail = NULL;
    /* Test hook (crawld(8), ENVIRONMENT): the tests of worker supervision
     * need a URL that reliably kills the worker fetching it. */
    if(worker->crash_marker != NULL &&
       strstr(queued->task.url, worker->crash_marker) != NULL)
      raise(SIGKILL);
    fetch = worker->idle;
    if(fetch != NULL)
      fetch_unlink(fetch, &worker->idle);
    else {
      fetch = fetch_new(&worker->config->policy, &worker->networks);
      if(fetch != NULL &&
         sockwatch_attach_easy(worker->sockets, fetch_easy(fetch)) !=
             CURLE_OK) {
        fetch_free(fetch);
        fetch = NULL;
      }
    }
    if(fetch != NULL &&
       fetch_start(fetch, queued->task.id, queued->task.url,
                   queued->task.attempt, queued->task.robots,
                   queued->task.links) < 0) {
      fetch_free(fetch);
      fetch = NULL;
    }
    if(fetch == NULL) {
      fetch_fail(queued->task.id, queued->task.url, queued->task.attempt,
                 RESULT_ERR_INTERNAL, "cannot set up the transfer",
                 &worker->identity, &worker->line);
      send_result(worker);
    }
    else if(curl_multi_add_handle(worker->multi, fetch_easy(fetch)) !=
            CURLM_OK) {
      fetch_fail(queued->task.id, queued->task.url, queued->task.attempt,
                 RESULT_ERR_INTERNAL, "cannot start the transfer",
                 &worker->identity, &worker->line);
      send_result(worker);
      fetch_free(fetch);
    }
    else {
      fetch_link(fetch, &worker->running);
      worker->inflight++;
    }
    proto_task_clear(&queued->task);
    free(queued);
  }
}

/* Turns every transfer libcurl has finished into a result line. */
static void collect_done(struct worker *worker)
{
  CURLMsg *message;
  int pending;

  for(;;) {
    struct fetch *fetch;

    message = curl_multi_info_read(worker->multi, &pending);
    if(message == NULL)
      break;
    if(message->msg != CURLMSG_DONE)
      continue;
    fetch = fetch_from_easy(message->easy_handle);
    fetch_finish(fetch, message->data.result, &worker->identity,
                 &worker->line);
    send_result(worker);
    curl_multi_remove_handle(worker->multi, message->easy_handle);
    fetch_unlink(fetch, &worker->running);
    fetch_link(fetch, &worker->idle);
    worker->inflight--;
  }
  start_queued(worker);
  check_finished(worker);
}

/* A watched socket is ready: hand it to libcurl (sockwatch.c calls this). */
static void on_socket_ready(curl_socket_t fd, int curl_select, void *arg)
{
  struct worker *worker = arg;

  curl_multi_socket_action(worker->multi, fd, curl_select,
                           &worker->curl_running);
  collect_done(worker);
}

static void on_timeout(evutil_socket_t fd, short events, void *arg)
{
  struct worker *worker = arg;

  (void)fd;
  (void)events;
  curl_multi_socket_action(worker->multi, CURL_SOCKET_TIMEOUT, 0,
                           &worker->curl_running);
  collect_done(worker);
}

/* CURLMOPT_TIMERFUNCTION: one timer for the whole multi handle; -1 cancels it.
 */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
  struct worker *worker = userp;
  struct timeval delay;

  (void)multi;
  if(timeout_ms < 0)
    return evtimer_del(worker->curl_timer);
  delay.tv_sec = timeout_ms / 1000;
  delay.tv_usec = (timeout_ms % 1000) * 1000;
  return evtimer_add(worker->curl_timer, &delay);
}

static void queue_task(struct worker *worker, const char *line, size_t len)
{
  struct queued_task *queued = calloc(1, sizeof(*queued));
  char reason[256];

  if(queued == NULL) {
    fail(worker, "out of memory queueing a task");
    return;
  }
  if(proto_task_decode(line, len, &queued->task, reason, sizeof(reason)) < 0) {
    free(queued);
    fail(worker, reason);
    return;
  }
  if(worker->queue_tail != NULL)
    worker->queue_tail->next = queued;
  else
    worker->queue_head = queued;
  worker->queue_tail = queued;
}

static void on_tasks_readable(struct bufferevent *tasks, void *arg)
{
  struct worker *worker = arg;
  struct evbuffer *input = bufferevent_get_input(tasks);

  while(!worker->failed) {
    enum proto_read got;
    size_t len = 0;
    char *line = NULL;

    got = proto_read_line(input, &line, &len);
    if(got == PROTO_NEED_MORE)
      break;
    if(got == PROTO_TOO_LONG) {
      fail(worker, "task line longer than the protocol allows");
      break;
    }
    queue_task(worker, line, len);
    free(line);
  }
  start_queued(worker);
}

static void on_tasks_event(struct bufferevent *tasks, short what, void *arg)
{
  struct worker *worker = arg;

  if(what & BEV_EVENT_ERROR)
    log_warn("worker %d: task pipe: %s", worker->config->id, strerror(errno));
  if(evbuffer_get_length(bufferevent_get_input(tasks)) > 0) {
    fail(worker, "task pipe closed in the middle of a line");
    return;
  }
  bufferevent_disable(tasks, EV_READ);
  worker->tasks_closed = true;
  check_finished(worker);
}

static void on_results_drained(struct bufferevent *results, void *arg)
{
  (void)results;
  check_finished(arg);
}

static void on_results_event(struct bufferevent *results, short what,
                             void *arg)
{
  (void)results;
  (void)what;
  /* The supervisor stopped reading: nobody will see our results any more. */
  fail(arg, "result pipe closed by the supervisor");
}

/* The worker is done when no task can come, none is waiting or running, and
 * every result line has left for the pipe. */
static void check_finished(struct worker *worker)
{
  if(!worker->tasks_closed || worker->queue_head != NULL ||
     worker->inflight > 0)
    return;
  if(evbuffer_get_length(bufferevent_get_output(worker->results)) > 0)
    return;
  event_base_loopexit(worker->base, NULL);
}

static struct bufferevent *pipe_event(struct worker *worker, int fd,
                                      int options)
{
  if(evutil_make_socket_nonblocking(fd) < 0)
    return NULL;
  return bufferevent_socket_new(worker->base, fd, options);
}

static int setup(struct worker *worker, int task_fd, int result_fd)
{
  struct event_config *base_config = event_config_new();

  if(base_config == NULL)
    return -1;
  /* Nothing outside this thread ever touches this base, so it needs no locks.
   */
  event_config_set_flag(base_config, EVENT_BASE_FLAG_NOLOCK);
  worker->base = event_base_new_with_config(base_config);
  event_config_free(base_config);
  if(worker->base == NULL)
    return -1;
  worker->tasks = pipe_event(worker, task_fd, BEV_OPT_CLOSE_ON_FREE);
  /* worker_run() closes the result pipe itself, last. */
  worker->results = pipe_event(worker, result_fd, 0);
  worker->curl_timer = evtimer_new(worker->base, on_timeout, worker);
  worker->multi = curl_multi_init();
  worker->sockets = sockwatch_new(worker->base, on_socket_ready, worker);
  if(worker->tasks == NULL || worker->results == NULL ||
     worker->curl_timer == NULL || worker->multi == NULL ||
     worker->sockets == NULL)
    return -1;
  bufferevent_setcb(worker->tasks, on_tasks_readable, NULL, on_tasks_event,
                    worker);
  bufferevent_setcb(worker->results, NULL, on_results_drained,
                    on_results_event, worker);
  bufferevent_enable(worker->tasks, EV_READ);
  bufferevent_enable(worker->results, EV_WRITE);
  if(sockwatch_attach_multi(worker->sockets, worker->multi) != CURLM_OK)
    return -1;
  curl_multi_setopt(worker->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt(worker->multi, CURLMOPT_TIMERDATA, worker);
  /* Keep a warm connection for every transfer slot, so keep-alive reuse
   * survives a full window of different hosts. */
  curl_multi_setopt(worker->multi, CURLMOPT_MAXCONNECTS,
                    (long)worker->config->inflight);
  return 0;
}

static void teardown(struct worker *worker)
{
  /* Only after a failure are transfers still running here. */
  while(worker->running != NULL) {
    struct fetch *fetch = worker->running;

    curl_multi_remove_handle(worker->multi, fetch_easy(fetch));
    fetch_unlink(fetch, &worker->running);
    fetch_free(fetch);
  }
  while(worker->idle != NULL) {
    struct fetch *fetch = worker->idle;

    fetch_unlink(fetch, &worker->idle);
    fetch_free(fetch);
  }
  if(worker->multi != NULL)
    curl_multi_cleanup(worker->multi);
  sockwatch_free(worker->sockets); /* after the cleanup: closing calls it */
  while(worker->queue_head != NULL) {
    struct queued_task *queued = worker->queue_head;

    worker->queue_head = queued->next;
    proto_task_clear(&queued->task);
    free(queued);
  }
  if(worker->curl_timer != NULL)
    event_free(worker->curl_timer);
  if(worker->tasks != NULL)
    bufferevent_free(worker->tasks);
  if(worker->results != NULL)
    bufferevent_free(worker->results);
  if(worker->base != NULL)
    event_base_free(worker->base);
  jsonw_free(&worker->line);
}

int worker_run(int task_fd, int result_fd, const struct worker_config *config)
{
  struct worker worker = { 0 };
  char reason[160];
  int status = 0;

  worker.config = config;
  worker.identity.kind = config->kind;
  worker.identity.id = config->id;
  worker.identity.pid = getpid();
  worker.crash_marker = getenv("CRAWLD_TEST_CRASH_MARKER");
  /* options.c checked the list, so it parses. */
  netpolicy_parse(config->policy.deny_networks, &worker.networks, reason,
                  sizeof(reason));
  if(worker.crash_marker != NULL && worker.crash_marker[0] == '\0')
    worker.crash_marker = NULL;
  if(setup(&worker, task_fd, result_fd) < 0) {
    log_err("worker %d: cannot set up its event loop or libcurl", config->id);
    status = -1;
  }
  else if(event_base_dispatch(worker.base) < 0 || worker.failed) {
    status = -1;
  }
  /* The task pipe's bufferevent closes its fd; a set-up that failed before
   * creating it must not leave the fd open. */
  if(worker.tasks == NULL)
    close(task_fd);
  teardown(&worker);
  /* The end of the result pipe tells the supervisor this worker is done, and
   * it then joins a worker thread: closing it after everything else leaves
   * the thread only its return to make, so the first join attempt finds it
   * gone. */
  close(result_fd);
  return status;
}
