/* frontier.c - per-host queues, politeness and retries; see frontier.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontier.h"
#include "hostkey.h"
#include "job.h"
#include "log.h"
#include "proto.h"
#include "robots.h"
#include "sites.h"
#include "spill.h"

/* A host keeps at least this many tasks in memory before any of its URLs
 * is spilled: enough to fill its in-flight slots without a disk read. */
#define HOST_MEMORY_MIN 64
/* Lines read past the read-ahead per call when no host may start now. */
#define READ_PAST_BATCH 256
/* Idle hosts are forgotten this often, once their delay has passed. */
#define SWEEP_INTERVAL_MS 10000
/* A site whose robots.txt could not be had is refused this long before it
 * is tried again. */
#define ROBOTS_UNAVAILABLE_MS (10 * 60 * 1000)

/* One job's URLs for one host. The jobs that share a host take turns, so
 * that a job is not held up behind another's thousands of URLs. */
struct host_queue {
  int job_slot;
  struct task *head; /* in memory, oldest first */
  struct task *tail;
  long long queued;
  struct spill_chain spilled; /* on disk, after the ones in memory */
  int spilling_index;         /* its host's place in the job's spilling
                                 list + 1; 0 while nothing is spilled */
};

struct host {
  char *key;
  struct host *hash_next;
  struct host_queue *queues; /* one per job with URLs for this host */
  int queue_count;
  int queue_size;
  int turn;         /* the job queue whose turn is next */
  long long queued; /* in memory, over every queue */
  long long spilled;
  int in_flight;
  long long next_start_ms;    /* monotonic: no fetch starts before */
  long long backoff_until_ms; /* monotonic: backed off until then */
  int failures;               /* 429s, 503s and failures in a row */
  int heap_index;             /* in the ready heap, or -1 */
  long crawl_delay_ms;        /* the longest Crawl-delay of its sites */
  struct site *robots_wait;   /* its next URL waits for this robots.txt */
  uint64_t last_start;        /* the fetch start count when it last began
                                 one: of two hosts due at once, the one that
                                 waited longer goes first */
};

struct job_slot {
  struct job *job;  /* NULL: a free slot */
  bool robots;      /* obeys robots.txt */
  long long queued; /* its tasks in memory */
  long long spilled;
  long long in_flight;
  /* The hosts whose queue of this job has URLs in the spill: they are
   * read back, in turn, before further lines of the file are read. */
  struct host **spilling;
  int spilling_count;
  int spilling_size;
  int spilling_turn;
};

struct frontier {
  struct event_base *base;
  struct frontier_calls calls;
  int per_host;
  long host_delay_ms;
  int max_attempts;
  long max_retry_after_s;
  long backoff_base_ms;
  bool robots; /* the default for jobs, for what crawlctl hosts shows */
  long robots_cache_ms;
  long max_crawl_delay_ms;
  char product_token[128]; /* the robots.txt user-agent we answer to */
  struct hostkey *hostkey;
  struct sites *sites;
  struct spill *spill;
  struct host **buckets; /* hash table of every known host */
  size_t bucket_count;   /* a power of two */
  long long host_count;
  struct host **heap; /* hosts that may start a fetch, by their time */
  size_t heap_len;
  size_t heap_size;
  struct job_slot *jobs;
  int job_count;  /* slots in use or free */
  int job_cursor; /* the job whose turn to read is next */
  struct event *wakeup;
  struct event *sweep;
  uint64_t starts;               /* fetch starts so far */
  struct frontier_counts counts; /* the running totals */
  uint64_t jitter_state;
};

static int put_back(struct frontier *frontier, struct host *host,
                    struct task *task);
static long host_delay(const struct frontier *frontier,
                       const struct host *host);
static void forget_if_idle(struct frontier *frontier, struct host *host,
                           long long now);
static bool refill_one(struct frontier *frontier, int index);

static long long now_ms(void)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* The first millisecond at which a start a delay after now may come.
 * now_ms() is truncated, so the event now stands for may lie up to a
 * millisecond later than now: one more keeps the gap the delay at least
 * (check_politeness saw 299.6 ms for 300 without it). */
static long long delay_end(long long now, long delay)
{
  return delay > 0 ? now + delay + 1 : now;
}

/* --- the host table --------------------------------------------------- */

static struct host **bucket_of(struct frontier *frontier, const char *key)
{
  return &frontier->buckets[hostkey_hash(key) & (frontier->bucket_count - 1)];
}

/* Twice the buckets once there are as many hosts as buckets. */
static void grow_table(struct frontier *frontier)
{
  size_t count = frontier->bucket_count * 2;
  struct host **buckets = calloc(count, sizeof(*buckets));

  if(buckets == NULL)
    return; /* longer chains, still correct */
  for(size_t i = 0; i < frontier->bucket_count; i++) {
    struct host *host = frontier->buckets[i];

    while(host != NULL) {
      struct host *next = host->hash_next;
      struct host **bucket = &buckets[hostkey_hash(host->key) & (count - 1)];

      host->hash_next = *bucket;
      *bucket = host;
      host = next;
    }
  }
  free(frontier->buckets);
  frontier->buckets = buckets;
  frontier->bucket_count = count;
}

static struct host *find_host(struct frontier *frontier, const char *key,
                              bool create)
{
  struct host **bucket = bucket_of(frontier, key);
  struct host *host;

  for(host = *bucket; host != NULL; host = host->hash_next) {
    if(strcmp(host->key, key) == 0)
      return host;
  }
  if(!create)
    return NULL;
  host = calloc(1, sizeof(*host));
  if(host == NULL)
    return NULL;
  host->key = strdup(key);
  if(host->key == NULL) {
    free(host);
    return NULL;
  }
  host->heap_index = -1;
  host->hash_next = *bucket;
  *bucket = host;
  frontier->host_count++;
  if((size_t)frontier->host_count > frontier->bucket_count)
    grow_table(frontier);
  return host;
}

static void free_host(struct frontier *frontier, struct host *host)
{
  struct host **link = bucket_of(frontier, host->key);

  while(*link != host)
    link = &(*link)->hash_next;
  *link = host->hash_next;
  frontier->host_count--;
  free(host->queues);
  free(host->key);
  free(host);
}

/* --- the ready heap --------------------------------------------------- */

static long long host_time(const struct host *host)
{
  return host->next_start_ms > host->backoff_until_ms ? host->next_start_ms
                                                      : host->backoff_until_ms;
}

static bool earlier(const struct host *a, const struct host *b)
{
  long long a_time = host_time(a);
  long long b_time = host_time(b);

  return a_time < b_time ||
         (a_time == b_time && a->last_start < b->last_start);
}

static void heap_set(struct frontier *frontier, size_t index,
                     struct host *host)
{
  frontier->heap[index] = host;
  host->heap_index = (int)index;
}

static void sift_up(struct frontier *frontier, size_t index)
{
  struct host *host = frontier->heap[index];

  while(index > 0) {
    size_t parent = (index - 1) / 2;

    if(!earlier(host, frontier->heap[parent]))
      break;
    heap_set(frontier, index, frontier->heap[parent]);
    index = parent;
  }
  heap_set(frontier, index, host);
}

static void sift_down(struct frontier *frontier, size_t index)
{
  struct host *host = frontier->heap[index];

  for(;;) {
    size_t child = 2 * index + 1;

    if(child >= frontier->heap_len)
      break;
    if(child + 1 < frontier->heap_len &&
       earlier(frontier->heap[child + 1], frontier->heap[child]))
      child++;
    if(!earlier(frontier->heap[child], host))
      break;
    heap_set(frontier, index, frontier->heap[child]);
    index = child;
  }
  heap_set(frontier, index, host);
}

static int heap_push(struct frontier *frontier, struct host *host)
{
  if(frontier->heap_len == frontier->heap_size) {
    size_t size = frontier->heap_size ? 2 * frontier->heap_size : 64;
    struct host **heap = realloc(frontier->heap, size * sizeof(*heap));

    if(heap == NULL)
      return -1;
    frontier->heap = heap;
    frontier->heap_size = size;
  }
  heap_set(frontier, frontier->heap_len++, host);
  sift_up(frontier, frontier->heap_len - 1);
  return 0;
}

static void heap_remove(struct frontier *frontier, struct host *host)
{
  size_t index = (size_t)host->heap_index;
  struct host *last = frontier->heap[--frontier->heap_len];

  host->heap_index = -1;
  if(last == host)
    return;
  heap_set(frontier, index, last);
  sift_up(frontier, index);
  sift_down(frontier, (size_t)last->heap_index);
}

/* --- host state ------------------------------------------------------- */

static bool has_work(const struct host *host)
{
  return host->queued > 0 || host->spilled > 0;
}

/* The host's queue for a job, made if asked; NULL when memory runs out. */
static struct host_queue *queue_of(struct host *host, int job_slot,
                                   bool create)
{
  for(int i = 0; i < host->queue_count; i++) {
    if(host->queues[i].job_slot == job_slot)
      return &host->queues[i];
  }
  if(!create)
    return NULL;
  if(host->queue_count == host->queue_size) {
    int size = host->queue_size ? 2 * host->queue_size : 1;
    struct host_queue *queues =
        realloc(host->queues, (size_t)size * sizeof(*queues));

    if(queues == NULL)
      return NULL;
    host->queues = queues;
    host->queue_size = size;
  }
  host->queues[host->queue_count] =
      (struct host_queue){ .job_slot = job_slot };
  return &host->queues[host->queue_count++];
}

static bool queue_empty(const struct host_queue *queue)
{
  return queue->queued == 0 && queue->spilled.count == 0;
}

/* Drops an empty queue (the last one takes its place). */
static void drop_queue(struct host *host, struct host_queue *queue)
{
  int index = (int)(queue - host->queues);

  host->queues[index] = host->queues[--host->queue_count];
  if(host->turn >= host->queue_count)
    host->turn = 0;
}

/* A host is forgotten once nothing of it is queued or in flight and its
 * delay and backoff are over: a host met again later starts afresh. */
static bool forgettable(const struct host *host, long long now)
{
  return !has_work(host) && host->in_flight == 0 && host_time(host) <= now &&
         host->heap_index < 0 && host->robots_wait == NULL;
}

/* Puts the host in the heap, moves it there or takes it out, as its state
 * now says. */
static void host_changed(struct frontier *frontier, struct host *host)
{
  /* A host with a delay gets one fetch at a time: the next starts a delay
   * after the last answer, so no two requests reach it closer than that,
   * whatever a connection took. Two at once would let a slow first one
   * arrive less than a delay before the second. */
  int limit = host_delay(frontier, host) > 0 ? 1 : frontier->per_host;
  bool ready =
      has_work(host) && host->in_flight < limit && host->robots_wait == NULL;

  if(ready && host->heap_index < 0) {
    if(heap_push(frontier, host) < 0)
      log_err("frontier: out of memory: host %s waits for the next change",
              host->key);
  }
  else if(!ready && host->heap_index >= 0) {
    heap_remove(frontier, host);
  }
  else if(ready) {
    sift_up(frontier, (size_t)host->heap_index);
    sift_down(frontier, (size_t)host->heap_index);
  }
}

static void push_front(struct host *host, struct host_queue *queue,
                       struct task *task)
{
  task->next = queue->head;
  queue->head = task;
  if(queue->tail == NULL)
    queue->tail = task;
  queue->queued++;
  host->queued++;
}

static void push_back(struct host *host, struct host_queue *queue,
                      struct task *task)
{
  task->next = NULL;
  if(queue->tail != NULL)
    queue->tail->next = task;
  else
    queue->head = task;
  queue->tail = task;
  queue->queued++;
  host->queued++;
}

/* A pseudo-random factor in [0.5, 1.5) (xorshift): backoffs of hosts that
 * failed together do not end together. */
static double jitter(struct frontier *frontier)
{
  uint64_t x = frontier->jitter_state;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  frontier->jitter_state = x;
  return 0.5 + (double)(x >> 11) / (double)(UINT64_C(1) << 53);
}

/* Backs the whole host off: for retry_after_s when the server said so
 * (capped), else exponentially from backoff_base_ms with jitter. */
static void back_off(struct frontier *frontier, struct host *host,
                     long retry_after_s, long long now)
{
  long long cap_ms = (long long)frontier->max_retry_after_s * 1000;
  long long wait_ms;

  host->failures++;
  if(retry_after_s > 0) {
    wait_ms = (long long)retry_after_s * 1000;
  }
  else {
    int doublings = host->failures - 1 < 20 ? host->failures - 1 : 20;

    wait_ms = (long long)((double)frontier->backoff_base_ms *
                          (double)(1LL << doublings) * jitter(frontier));
  }
  if(wait_ms > cap_ms)
    wait_ms = cap_ms;
  if(now + wait_ms > host->backoff_until_ms)
    host->backoff_until_ms = now + wait_ms;
  frontier->counts.backoffs++;
  log_debug("frontier: host %s backed off for %.1f s (%d in a row)", host->key,
            (double)wait_ms / 1000.0, host->failures);
}

/* --- jobs and their read-ahead ---------------------------------------- */

static struct job_slot *slot_of(struct frontier *frontier,
                                const struct task *task)
{
  if(task->job_slot < 0 || task->job_slot >= frontier->job_count)
    return NULL;
  return &frontier->jobs[task->job_slot];
}

/* Answers a task with a record of the frontier's own: a URL it cannot
 * queue, or one that robots.txt refuses. */
static void record_error(struct frontier *frontier, struct task *task,
                         enum result_error error, const char *why)
{
  struct result_summary answer;
  struct jsonw text = { 0 };

  sites_unref(task->site);
  task->site = NULL;
  task->host = NULL;
  result_supervisor_answer(task->url, task->attempt, error, why, &text,
                           &answer);
  frontier->calls.commit(frontier->calls.owner, task, &answer);
  jsonw_free(&text);
}

/* Puts host on the job's list of hosts with spilled URLs. Without memory
 * for the list its URLs are still read back, only later: when the host's
 * turn takes them. */
static void list_spilling(struct job_slot *slot, struct host_queue *queue,
                          struct host *host)
{
  if(slot->spilling_count == slot->spilling_size) {
    int size = slot->spilling_size ? 2 * slot->spilling_size : 16;
    struct host **hosts =
        realloc(slot->spilling, (size_t)size * sizeof(*hosts));

    if(hosts == NULL)
      return;
    slot->spilling = hosts;
    slot->spilling_size = size;
  }
  slot->spilling[slot->spilling_count++] = host;
  queue->spilling_index = slot->spilling_count;
}

/* Takes the host off the list once its queue's spill is empty. */
static void unlist_spilling(struct job_slot *slot, struct host_queue *queue)
{
  int index = queue->spilling_index - 1;
  struct host *last;

  if(index < 0 || queue->spilled.count > 0)
    return;
  queue->spilling_index = 0;
  last = slot->spilling[--slot->spilling_count];
  if(index < slot->spilling_count) {
    slot->spilling[index] = last;
    queue_of(last, queue->job_slot, false)->spilling_index = index + 1;
  }
}

/* Queues a task a job handed out: in memory while its job is under its
 * read-ahead or its host holds few, else spilled to disk. */
static void enqueue(struct frontier *frontier, struct job_slot *slot,
                    struct task *task)
{
  char authority[HOSTKEY_MAX];
  char key[HOSTKEY_MAX];
  struct host_queue *queue;
  struct host *host;

  if(hostkey_of(frontier->hostkey, task->url, authority, key) < 0) {
    record_error(frontier, task, RESULT_ERR_BAD_URL,
                 "URL has no host crawld can name (or one longer "
                 "than 300 bytes)");
    return;
  }
  host = find_host(frontier, key, true);
  queue = host != NULL ? queue_of(host, task->job_slot, true) : NULL;
  if(queue == NULL) {
    record_error(frontier, task, RESULT_ERR_BAD_URL,
                 "out of memory queueing it");
    return;
  }
  task->host = host;
  task->site = sites_ref(frontier->sites, authority);
  if(task->site == NULL) {
    record_error(frontier, task, RESULT_ERR_BAD_URL,
                 "out of memory queueing it");
    return;
  }
  if(queue->spilled.count == 0 &&
     (slot->queued < FRONTIER_READAHEAD || queue->queued < HOST_MEMORY_MIN)) {
    push_back(host, queue, task);
    slot->queued++;
  }
  else {
    struct spill_entry entry = { .job_slot = (uint32_t)task->job_slot,
                                 .attempt = task->attempt,
                                 .seq = task->seq,
                                 .url = task->url,
                                 .url_len = strlen(task->url),
                                 .depth = task->depth,
                                 .links = task->links,
                                 .via = task->via,
                                 .via_len = task->via != NULL
                                                ? strlen(task->via)
                                                : 0 };

    if(spill_push(frontier->spill, &queue->spilled, &entry) < 0) {
      /* A full disk shortens the reader's view ahead, nothing more. */
      push_back(host, queue, task);
      slot->queued++;
    }
    else {
      if(queue->spilling_index == 0)
        list_spilling(slot, queue, host);
      host->spilled++;
      slot->spilled++;
      frontier->counts.spill_writes++;
      sites_unref(task->site);
      task_free(task);
    }
  }
  host_changed(frontier, host);
}

/* Reads a job's lines into host queues: up to its read-ahead, and when
 * hungry (no host may start now) a batch further, spilling the URLs of
 * hosts that hold plenty already. */
static void read_job(struct frontier *frontier, int index, bool hungry)
{
  int read_past = 0;

  /* The slot is looked up afresh each time: a record committed on the way
   * may finish the job, and a new job may move the table. */
  while(index < frontier->job_count && frontier->jobs[index].job != NULL) {
    struct job_slot *slot = &frontier->jobs[index];
    struct task *task;

    if(slot->queued >= FRONTIER_READAHEAD) {
      if(!hungry || read_past >= READ_PAST_BATCH ||
         slot->queued >= 2 * FRONTIER_READAHEAD)
        return;
      read_past++;
    }
    /* Under the read-ahead, spilled URLs come back before new lines are
     * read: otherwise a host with spilled URLs would have every later URL
     * of it spilled too, to keep their order, and the whole file would go
     * through the disk. */
    else if(refill_one(frontier, index)) {
      continue;
    }
    task = job_next_task(slot->job);
    if(task == NULL)
      return;
    task->job_slot = index;
    enqueue(frontier, slot, task);
  }
}

static void read_jobs(struct frontier *frontier, bool hungry)
{
  for(int turn = 0; turn < frontier->job_count; turn++) {
    int index = (frontier->job_cursor + turn) % frontier->job_count;

    read_job(frontier, index, hungry);
  }
  if(frontier->job_count > 0)
    frontier->job_cursor = (frontier->job_cursor + 1) % frontier->job_count;
}

int frontier_add_job(struct frontier *frontier, struct job *job,
                     bool obey_robots)
{
  struct job_slot *jobs;

  for(int i = 0; i < frontier->job_count; i++) {
    if(frontier->jobs[i].job == NULL) {
      frontier->jobs[i] =
          (struct job_slot){ .job = job, .robots = obey_robots };
      return 0;
    }
  }
  jobs = realloc(frontier->jobs,
                 (size_t)(frontier->job_count + 1) * sizeof(*jobs));
  if(jobs == NULL)
    return -1;
  frontier->jobs = jobs;
  frontier->jobs[frontier->job_count++] =
      (struct job_slot){ .job = job, .robots = obey_robots };
  return 0;
}

void frontier_remove_job(struct frontier *frontier, struct job *job)
{
  for(int i = 0; i < frontier->job_count; i++) {
    if(frontier->jobs[i].job == job) {
      frontier->jobs[i].job = NULL;
      free(frontier->jobs[i].spilling);
      frontier->jobs[i].spilling = NULL;
      frontier->jobs[i].spilling_count = frontier->jobs[i].spilling_size = 0;
    }
  }
}

/* --- dispatch --------------------------------------------------------- */

/* A reference to the site of a URL that was queued before (so its host
 * can be named). Without memory for it the URL would be lost. */
static struct site *site_of(struct frontier *frontier, const char *url)
{
  char authority[HOSTKEY_MAX];
  char key[HOSTKEY_MAX];
  struct site *site = NULL;

  if(hostkey_of(frontier->hostkey, url, authority, key) == 0)
    site = sites_ref(frontier->sites, authority);
  if(site == NULL) {
    log_err("frontier: out of memory reading back %s", url);
    abort();
  }
  return site;
}

/* The oldest spilled task of a queue, back in memory; NULL when the spill
 * cannot be read. */
static struct task *unspill(struct frontier *frontier, struct host *host,
                            struct host_queue *queue)
{
  struct job_slot *slot = &frontier->jobs[queue->job_slot];
  struct spill_entry entry;
  struct task *task;

  if(spill_pop(frontier->spill, &queue->spilled, &entry) < 0) {
    log_err("frontier: cannot read back a spilled URL of %s: %s", host->key,
            strerror(errno));
    return NULL;
  }
  host->spilled--;
  slot->spilled--;
  unlist_spilling(slot, queue);
  task = calloc(1, sizeof(*task));
  if(task == NULL) {
    /* The URL is out of the spill and nowhere else. */
    log_err("frontier: out of memory reading back %s", entry.url);
    abort();
  }
  task->url = entry.url;
  task->attempt = entry.attempt;
  task->seq = entry.seq;
  task->depth = entry.depth;
  task->links = entry.links;
  task->via = entry.via;
  task->job_slot = (int)entry.job_slot;
  task->job = slot->job;
  task->host = host;
  task->site = site_of(frontier, task->url);
  return task;
}

/* Moves the oldest spilled URL of the job's next spilling host back into
 * memory, behind the ones there. false when there is none to move or the
 * spill cannot be read. */
static bool refill_one(struct frontier *frontier, int index)
{
  struct job_slot *slot = &frontier->jobs[index];
  struct host *host;
  struct host_queue *queue;
  struct task *task;

  if(slot->spilling_count == 0)
    return false;
  slot->spilling_turn = (slot->spilling_turn + 1) % slot->spilling_count;
  host = slot->spilling[slot->spilling_turn];
  queue = queue_of(host, index, false);
  task = unspill(frontier, host, queue);
  if(task == NULL)
    return false;
  push_back(host, queue, task);
  slot->queued++;
  return true;
}

/* The oldest task of the next job's queue in turn: from memory, else back
 * from the spill. */
static struct task *take_task(struct frontier *frontier, struct host *host)
{
  struct host_queue *queue = NULL;
  struct task *task;

  for(int i = 0; i < host->queue_count && queue == NULL; i++) {
    int index = (host->turn + i) % host->queue_count;

    if(!queue_empty(&host->queues[index])) {
      queue = &host->queues[index];
      host->turn = (index + 1) % host->queue_count;
    }
  }
  if(queue == NULL)
    return NULL;
  task = queue->head;
  if(task != NULL) {
    queue->head = task->next;
    if(queue->head == NULL)
      queue->tail = NULL;
    queue->queued--;
    host->queued--;
    frontier->jobs[queue->job_slot].queued--;
    task->next = NULL;
  }
  else {
    task = unspill(frontier, host, queue);
    if(task == NULL)
      return NULL;
  }
  if(queue_empty(queue))
    drop_queue(host, queue);
  return task;
}

static void arm_wakeup(struct frontier *frontier, long long at, long long now)
{
  long long wait = at > now ? at - now : 0;
  struct timeval delay = { (time_t)(wait / 1000), (long)(wait % 1000) * 1000 };

  event_add(frontier->wakeup, &delay);
}

/* A task for the site's robots.txt, fetched as one of host's fetches. */
static struct task *robots_task(struct frontier *frontier, struct host *host,
                                struct site *site)
{
  char url[HOSTKEY_MAX + 16];
  struct task *task;

  snprintf(url, sizeof(url), "%s/robots.txt", site->authority);
  task = task_new(url, strlen(url), NULL, -1);
  if(task == NULL)
    return NULL;
  task->robots = true;
  task->job_slot = -1;
  task->host = host;
  task->site = site;
  site->refs++;
  site->state = SITE_FETCHING;
  frontier->counts.robots_fetches++;
  return task;
}

/* The path and query of an http(s) URL that libcurl accepted, for
 * robots_allowed(): what follows the authority, without the fragment. */
static const char *url_path(const char *url, size_t *len)
{
  const char *authority = strstr(url, "://");
  const char *path;
  const char *fragment;

  authority = authority != NULL ? authority + 3 : url;
  path = authority + strcspn(authority, "/?#");
  fragment = strchr(path, '#');
  *len = fragment != NULL ? (size_t)(fragment - path) : strlen(path);
  return path;
}

enum robots_verdict {
  ROBOTS_GO,   /* fetch it */
  ROBOTS_WAIT, /* the site's robots.txt comes first */
  ROBOTS_DONE  /* refused: its record is written */
};

/* What the site's robots.txt says of a task taken from host. */
static enum robots_verdict check_robots(struct frontier *frontier,
                                        struct host *host, struct task *task,
                                        long long now)
{
  struct site *site = task->site;
  const char *rule = "";
  char why[HOSTKEY_MAX + 256];
  const char *path;
  size_t path_len;

  if(!frontier->jobs[task->job_slot].robots || site == NULL)
    return ROBOTS_GO;
  if((site->state == SITE_KNOWN || site->state == SITE_UNAVAILABLE) &&
     site->expires_ms <= now)
    site->state = SITE_UNKNOWN;
  switch(site->state) {
    case SITE_UNKNOWN:
    case SITE_FETCHING:
      return ROBOTS_WAIT;
    case SITE_UNAVAILABLE:
      snprintf(why, sizeof(why), "robots.txt of %s %s", site->authority,
               site->why);
      frontier->counts.robots_unavailable++;
      record_error(frontier, task, RESULT_ERR_ROBOTS_UNAVAILABLE, why);
      return ROBOTS_DONE;
    case SITE_KNOWN:
      break;
  }
  if(site->crawl_delay_ms > host->crawl_delay_ms)
    host->crawl_delay_ms = site->crawl_delay_ms;
  path = url_path(task->url, &path_len);
  if(robots_allowed(site->rules, path, path_len, &rule))
    return ROBOTS_GO;
  snprintf(why, sizeof(why), "robots.txt of %s: %s", site->authority, rule);
  frontier->counts.robots_denied++;
  record_error(frontier, task, RESULT_ERR_ROBOTS_DENIED, why);
  return ROBOTS_DONE;
}

/* The task starts as one of host's fetches. */
static struct task *start(struct frontier *frontier, struct host *host,
                          struct task *task, long long now)
{
  long delay = host_delay(frontier, host);

  host->in_flight++;
  if(task->job_slot >= 0)
    frontier->jobs[task->job_slot].in_flight++;
  host->next_start_ms = delay_end(now, delay);
  host->last_start = ++frontier->starts;
  host_changed(frontier, host);
  return task;
}

/* The next task to fetch of the URLs read so far, or NULL. *refused counts
 * the URLs that robots.txt settled on the way. */
static struct task *next_read(struct frontier *frontier, long long now,
                              long long *refused)
{
  while(frontier->heap_len > 0) {
    struct host *host = frontier->heap[0];
    struct task *task;
    struct site *site;

    if(host_time(host) > now) {
      frontier->counts.delay_waits++;
      arm_wakeup(frontier, host_time(host), now);
      return NULL;
    }
    task = take_task(frontier, host);
    if(task == NULL) {
      /* The spill could not be read: try again at the next turn. */
      heap_remove(frontier, host);
      return NULL;
    }
    switch(check_robots(frontier, host, task, now)) {
      case ROBOTS_GO:
        return start(frontier, host, task, now);
      case ROBOTS_DONE:
        (*refused)++;
        host_changed(frontier, host);
        forget_if_idle(frontier, host, now);
        continue;
      case ROBOTS_WAIT:
        break;
    }
    /* Its host waits for the site's robots.txt, fetched as one of the
     * host's fetches unless it is being fetched already. */
    site = task->site;
    if(put_back(frontier, host, task) < 0) {
      log_err("frontier: out of memory requeueing %s", task->url);
      abort();
    }
    host->robots_wait = site;
    if(site->state == SITE_FETCHING) {
      host_changed(frontier, host);
      continue;
    }
    task = robots_task(frontier, host, site);
    if(task == NULL) {
      host->robots_wait = NULL;
      host_changed(frontier, host);
      return NULL;
    }
    return start(frontier, host, task, now);
  }
  return NULL;
}

struct task *frontier_next(struct frontier *frontier)
{
  long long now = now_ms();
  long long refused;
  struct task *task;

  /* URLs that robots.txt refuses get their records here, with no fetch and
   * so no answer to call the frontier again: while they empty the queues,
   * read on, or a file of refused URLs would stop at the read-ahead. */
  do {
    refused = 0;
    read_jobs(frontier, false);
    if(frontier->heap_len == 0 || host_time(frontier->heap[0]) > now)
      read_jobs(frontier, true);
    task = next_read(frontier, now, &refused);
  } while(task == NULL && refused > 0);
  return task;
}

/* --- answers ---------------------------------------------------------- */

/* Failures that may pass: the host is backed off and the URL tried again. */
static bool transient(const struct result_summary *answer)
{
  switch(answer->error) {
    case RESULT_ERR_CONNECT:
    case RESULT_ERR_TIMEOUT:
    case RESULT_ERR_RECV:
    case RESULT_ERR_SEND:
    case RESULT_ERR_PARTIAL:
    case RESULT_ERR_EMPTY_REPLY:
      return true;
    case RESULT_ERR_HTTP_ERROR:
      return answer->status >= 500 && answer->status <= 599;
    default:
      return false;
  }
}

static long host_delay(const struct frontier *frontier,
                       const struct host *host)
{
  return frontier->host_delay_ms > host->crawl_delay_ms
             ? frontier->host_delay_ms
             : host->crawl_delay_ms;
}

/* The task leaves its host's and its job's in-flight counts. The host's
 * delay runs from its answer too: a request the server got late (a new
 * connection, a busy machine) does not bring the next one closer to it
 * than the delay. */
static struct host *land(struct frontier *frontier, struct task *task)
{
  struct host *host = task->host;
  struct job_slot *slot = slot_of(frontier, task);

  if(host != NULL && host_delay(frontier, host) > 0) {
    long long after = delay_end(now_ms(), host_delay(frontier, host));

    if(after > host->next_start_ms)
      host->next_start_ms = after;
  }
  if(host != NULL && host->in_flight > 0)
    host->in_flight--;
  if(host != NULL && slot != NULL && slot->in_flight > 0)
    slot->in_flight--;
  return host;
}

/* Puts a task back first in its job's queue for its host. */
static int put_back(struct frontier *frontier, struct host *host,
                    struct task *task)
{
  struct host_queue *queue = queue_of(host, task->job_slot, true);

  if(queue == NULL)
    return -1;
  push_front(host, queue, task);
  frontier->jobs[task->job_slot].queued++;
  return 0;
}

static void forget_if_idle(struct frontier *frontier, struct host *host,
                           long long now)
{
  if(forgettable(host, now))
    free_host(frontier, host);
}

/* Whether a robots.txt answer means the site could not be reached, or is
 * overloaded (429, 5xx), rather than that it has no robots.txt for us
 * (another 4xx, too many redirects, a redirect off http and https). */
static bool robots_unreachable(const struct result_summary *answer)
{
  switch(answer->error) {
    case RESULT_OK:
    case RESULT_ERR_TOO_LARGE: /* cut at 500 KiB: what came is parsed */
    case RESULT_ERR_TOO_MANY_REDIRECTS:
    case RESULT_ERR_PROTOCOL_DENIED:
    /* deny_networks keeps us off the address whatever robots.txt says: the
     * URLs get their own address_denied. */
    case RESULT_ERR_ADDRESS_DENIED:
      return false;
    case RESULT_ERR_HTTP_ERROR:
      return answer->status == 429 || answer->status >= 500;
    default:
      return true;
  }
}

/* The rules a robots.txt answer gives: parsed from a 2xx body, else
 * (4xx, 3xx, redirects gone astray) none, which allows everything. NULL
 * when memory runs out. */
static struct robots *robots_rules(const struct frontier *frontier,
                                   const struct result_summary *answer)
{
  struct robots *rules;
  size_t len = 0;
  char *body;

  if(answer->status < 200 || answer->status > 299)
    return robots_allow_all();
  if(answer->body == NULL)
    return robots_parse("", 0, frontier->product_token);
  body = proto_body_decode(answer->body, answer->body_len, &len);
  if(body == NULL)
    return NULL;
  rules = robots_parse(body, len, frontier->product_token);
  free(body);
  return rules;
}

/* A robots.txt fetch has come back: its site becomes known, is fetched
 * again after a backoff, or after max_attempts failures is unavailable
 * for a while; the host that waited for it goes on. */
static void robots_answered(struct frontier *frontier, struct task *task,
                            const struct result_summary *answer)
{
  struct host *host = land(frontier, task);
  struct site *site = task->site;
  long long now = now_ms();
  struct robots *rules = NULL;
  bool throttled = answer->status == 429 || answer->status == 503;

  if(!robots_unreachable(answer))
    rules = robots_rules(frontier, answer);
  if(rules != NULL) {
    long delay = robots_crawl_delay_ms(rules);

    robots_free(site->rules);
    site->rules = rules;
    site->state = SITE_KNOWN;
    site->failures = 0;
    site->expires_ms = now + frontier->robots_cache_ms;
    site->crawl_delay_ms = delay > frontier->max_crawl_delay_ms
                               ? frontier->max_crawl_delay_ms
                           : delay > 0 ? delay
                                       : 0;
    /* The robots.txt request itself was the host's last start: the delay
     * holds from it (from its answer, to be sure) too. */
    if(site->crawl_delay_ms > host->crawl_delay_ms)
      host->crawl_delay_ms = site->crawl_delay_ms;
    if(delay_end(now, host->crawl_delay_ms) > host->next_start_ms)
      host->next_start_ms = delay_end(now, host->crawl_delay_ms);
  }
  else if(++site->failures < frontier->max_attempts) {
    site->state = SITE_UNKNOWN;
    back_off(frontier, host, throttled ? answer->retry_after_s : 0, now);
  }
  else {
    /* No backoff: nothing of the site is fetched now, and its URLs get
     * their records at once. */
    if(answer->status > 0)
      snprintf(site->why, sizeof(site->why),
               "answered HTTP %ld %d times in a row", answer->status,
               site->failures);
    else
      snprintf(site->why, sizeof(site->why),
               "could not be fetched %d times in a row (last: %s)",
               site->failures, result_error_name(answer->error));
    site->state = SITE_UNAVAILABLE;
    site->failures = 0;
    site->expires_ms = now + ROBOTS_UNAVAILABLE_MS;
  }
  if(host->robots_wait == site)
    host->robots_wait = NULL;
  host_changed(frontier, host);
  sites_unref(site);
  task_free(task);
}

enum frontier_verdict frontier_answered(struct frontier *frontier,
                                        struct task *task,
                                        const struct result_summary *answer)
{
  struct host *host;
  long long now = now_ms();
  bool throttled = answer->status == 429 || answer->status == 503;
  struct job_slot *slot;

  if(task->robots) {
    robots_answered(frontier, task, answer);
    return FRONTIER_KEPT;
  }
  host = land(frontier, task);
  sites_unref(task->site);
  task->site = NULL;
  if(host == NULL)
    return FRONTIER_COMMIT;
  if(throttled || transient(answer)) {
    back_off(frontier, host, throttled ? answer->retry_after_s : 0, now);
  }
  else {
    host->failures = 0;
  }
  slot = slot_of(frontier, task);
  if((throttled || transient(answer)) &&
     task->attempt < frontier->max_attempts && slot != NULL &&
     put_back(frontier, host, task) == 0) {
    task->attempt++;
    task->site = site_of(frontier, task->url);
    frontier->counts.retries++;
    host_changed(frontier, host);
    return FRONTIER_KEPT;
  }
  host_changed(frontier, host);
  forget_if_idle(frontier, host, now);
  task->host = NULL;
  return FRONTIER_COMMIT;
}

void frontier_requeue(struct frontier *frontier, struct task *task)
{
  struct host *host = land(frontier, task);

  if(task->robots) {
    /* Its worker died: fetch the site's robots.txt again. */
    task->site->state = SITE_UNKNOWN;
    if(host->robots_wait == task->site)
      host->robots_wait = NULL;
    host_changed(frontier, host);
    sites_unref(task->site);
    task_free(task);
    return;
  }
  /* Without memory for a queue the URL would be lost: that is fatal. */
  if(host == NULL || slot_of(frontier, task) == NULL ||
     put_back(frontier, host, task) < 0) {
    log_err("frontier: out of memory requeueing %s", task->url);
    abort();
  }
  host_changed(frontier, host);
}

long long frontier_job_in_flight(const struct frontier *frontier,
                                 const struct job *job)
{
  for(int i = 0; i < frontier->job_count; i++) {
    if(frontier->jobs[i].job == job)
      return frontier->jobs[i].in_flight;
  }
  return 0;
}

/* --- life cycle ------------------------------------------------------- */

static void on_wakeup(evutil_socket_t fd, short events, void *arg)
{
  struct frontier *frontier = arg;

  (void)fd;
  (void)events;
  frontier->calls.wake(frontier->calls.owner);
}

static void on_sweep(evutil_socket_t fd, short events, void *arg)
{
  struct frontier *frontier = arg;
  long long now = now_ms();

  (void)fd;
  (void)events;
  for(size_t i = 0; i < frontier->bucket_count; i++) {
    struct host *host = frontier->buckets[i];

    while(host != NULL) {
      struct host *next = host->hash_next;

      forget_if_idle(frontier, host, now);
      host = next;
    }
  }
  sites_sweep(frontier->sites, now);
}

void frontier_configure(struct frontier *frontier,
                        const struct crawl_options *opts)
{
  frontier->per_host = opts->per_host;
  frontier->host_delay_ms = opts->host_delay_ms;
  frontier->max_attempts = opts->max_attempts;
  frontier->max_retry_after_s = opts->max_retry_after_s;
  frontier->backoff_base_ms = opts->backoff_base_ms;
  frontier->robots = opts->robots;
  frontier->robots_cache_ms = opts->robots_cache_s * 1000;
  frontier->max_crawl_delay_ms = opts->max_crawl_delay_ms;
  robots_product_token(opts->fetch.user_agent, frontier->product_token,
                       sizeof(frontier->product_token));
}

struct frontier *frontier_new(struct event_base *base,
                              const struct crawl_options *opts,
                              const char *spill_dir,
                              const struct frontier_calls *calls, char **cause)
{
  struct frontier *frontier = calloc(1, sizeof(*frontier));
  struct timeval sweep_every = { SWEEP_INTERVAL_MS / 1000, 0 };

  *cause = NULL;
  if(frontier == NULL) {
    *cause = strdup("out of memory");
    return NULL;
  }
  frontier->base = base;
  frontier->calls = *calls;
  frontier_configure(frontier, opts);
  frontier->jitter_state = (uint64_t)now_ms() * UINT64_C(2654435761) | 1;
  frontier->bucket_count = 1024;
  frontier->buckets = calloc(frontier->bucket_count, sizeof(struct host *));
  frontier->hostkey = hostkey_new(opts->politeness_key);
  frontier->sites = sites_new();
  frontier->wakeup = evtimer_new(base, on_wakeup, frontier);
  frontier->sweep = event_new(base, -1, EV_PERSIST, on_sweep, frontier);
  if(frontier->buckets == NULL || frontier->hostkey == NULL ||
     frontier->sites == NULL || frontier->wakeup == NULL ||
     frontier->sweep == NULL || event_add(frontier->sweep, &sweep_every) < 0) {
    *cause = strdup("out of memory");
    frontier_free(frontier);
    return NULL;
  }
  frontier->spill = spill_open(spill_dir, cause);
  if(frontier->spill == NULL) {
    frontier_free(frontier);
    return NULL;
  }
  return frontier;
}

void frontier_counts(const struct frontier *frontier,
                     struct frontier_counts *counts)
{
  long long now = now_ms();

  *counts = frontier->counts;
  counts->hosts = frontier->host_count;
  counts->sites = frontier->sites != NULL ? sites_count(frontier->sites) : 0;
  counts->spilled = frontier->spill != NULL ? spill_count(frontier->spill) : 0;
  for(size_t i = 0; i < frontier->bucket_count; i++) {
    for(const struct host *host = frontier->buckets[i]; host != NULL;
        host = host->hash_next) {
      counts->queued += host->queued;
      counts->in_flight += host->in_flight;
      if(host->in_flight > 0)
        counts->hosts_active++;
      if(host->robots_wait != NULL)
        counts->hosts_robots_wait++;
      if(host->backoff_until_ms > now)
        counts->hosts_backed_off++;
      else if(has_work(host) && host->next_start_ms > now)
        counts->hosts_waiting++;
    }
  }
}

long long frontier_host_count(const struct frontier *frontier)
{
  return frontier->host_count;
}

static long long busyness(const struct host *host)
{
  return host->queued + host->spilled + host->in_flight;
}

/* The robots.txt state shown for a host: that of its own site when the
 * host is one (politeness_key = host), else only whether it waits. */
static const char *robots_state(const struct frontier *frontier,
                                const struct host *host)
{
  static const char *const names[] = { "unknown", "fetching", "known",
                                       "unavailable" };
  const struct site *site;

  if(host->robots_wait != NULL)
    return "fetching";
  if(!frontier->robots)
    return "off";
  site = sites_find(frontier->sites, host->key);
  return site != NULL ? names[site->state] : "unknown";
}

size_t frontier_hosts(const struct frontier *frontier,
                      struct frontier_host_info *hosts, size_t max)
{
  const struct host **top = calloc(max + 1, sizeof(*top));
  long long now = now_ms();
  size_t count = 0;

  if(top == NULL || max == 0) {
    free(top);
    return 0;
  }
  /* Insertion into a short sorted list: max is a screenful. */
  for(size_t i = 0; i < frontier->bucket_count; i++) {
    for(const struct host *host = frontier->buckets[i]; host != NULL;
        host = host->hash_next) {
      size_t at = count;

      while(at > 0 && busyness(top[at - 1]) < busyness(host)) {
        top[at] = top[at - 1];
        at--;
      }
      top[at] = host;
      if(count < max)
        count++;
    }
  }
  for(size_t i = 0; i < count; i++) {
    const struct host *host = top[i];
    struct frontier_host_info *info = &hosts[i];

    snprintf(info->key, sizeof(info->key), "%s", host->key);
    info->queued = host->queued + host->spilled;
    info->in_flight = host->in_flight;
    info->delay_ms = host_delay(frontier, host);
    info->backoff_ms =
        host->backoff_until_ms > now ? host->backoff_until_ms - now : 0;
    info->next_ms = host_time(host) > now ? host_time(host) - now : 0;
    info->failures = host->failures;
    info->robots = robots_state(frontier, host);
  }
  free(top);
  return count;
}

void frontier_free(struct frontier *frontier)
{
  if(frontier == NULL)
    return;
  for(size_t i = 0; frontier->buckets != NULL && i < frontier->bucket_count;
      i++) {
    struct host *host = frontier->buckets[i];

    while(host != NULL) {
      struct host *next = host->hash_next;

      for(int q = 0; q < host->queue_count; q++) {
        while(host->queues[q].head != NULL) {
          struct task *task = host->queues[q].head;

          host->queues[q].head = task->next;
          task_free(task);
        }
      }
      free(host->queues);
      free(host->key);
      free(host);
      host = next;
    }
  }
  free(frontier->buckets);
  free(frontier->heap);
  for(int i = 0; i < frontier->job_count; i++)
    free(frontier->jobs[i].spilling);
  free(frontier->jobs);
  if(frontier->wakeup != NULL)
    event_free(frontier->wakeup);
  if(frontier->sweep != NULL)
    event_free(frontier->sweep);
  hostkey_free(frontier->hostkey);
  sites_free(frontier->sites);
  spill_close(frontier->spill);
  free(frontier);
}
