/* job.c - one URL file being crawled; see job.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "discovered.h"
#include "job.h"
#include "log.h"
#include "result.h"
#include "scope.h"
#include "seen.h"
#include "urlfile.h"
#include "urlnorm.h"

/* What a job that follows links holds beside its file (job_follow_links). */
struct follow {
  struct jobopts options;
  struct scope *scope;
  struct seen *seen; /* every URL that entered the job, normalised */
  struct discovered *found;
  long long lines;     /* in the URL file: the first found URL's seq */
  struct jsonw fields; /* depth, via and links of the record being made */
  struct jsonw listed; /* its in-scope links, for record_links */
};

struct job {
  char *name;
  struct urlfile *input;
  bool input_done;
  struct event *input_ready; /* a non-blocking input with no full line */
  void (*ready)(void *arg);
  void *ready_arg;
  FILE *output;
  struct event *flush; /* writes out what output holds, once per loop turn */
  struct journal *journal;
  struct job_counts counts;
  struct jsonw line;     /* the record line being written, reused */
  struct follow *follow; /* NULL: the job fetches its lines only */
  long long max_pages;   /* records to make at most; 0: no cap */
  char *failure;
};

static void fail(struct job *job, const char *what, const char *detail)
{
  if(job->failure != NULL)
    return;
  if(asprintf(&job->failure, "job %s: %s: %s", job->name, what, detail) < 0)
    job->failure = NULL;
  log_err("job %s: %s: %s", job->name, what, detail);
}

/* Writes one record line: seq must not have one yet. */
static int commit_line(struct job *job, long long seq, const char *fields,
                       size_t fields_len, const char *record,
                       size_t record_len, bool ok)
{
  struct jsonw *line = &job->line;
  int rc = 0;

  jsonw_reset(line);
  if(result_finish(job->name, seq, fields, fields_len, record, record_len,
                   line) < 0) {
    fail(job, "cannot encode a record",
         line->failed ? "out of memory" : "not a record");
    rc = -1;
  }
  else if(job->output != NULL) {
    if(fwrite(line->text, 1, line->len, job->output) != line->len) {
      fail(job, "cannot write the output", strerror(errno));
      rc = -1;
    }
    /* Whoever reads the output sees a record when the loop has handled
     * what is ready now, not when a buffer happens to fill: the last fast
     * records of a crawl must not wait behind a slow host. */
    else
      event_active(job->flush, 0, 0); /* no-op while already active */
  }
  else {
    rc = journal_append(job->journal, seq, line->text, line->len);
    if(rc < 0)
      fail(job, "cannot append to the journal", strerror(errno));
  }
  if(rc == 0) {
    job->counts.records++;
    if(ok)
      job->counts.ok++;
    else
      job->counts.errors++;
  }
  /* 1 from the journal: seq had a record already, which is left as it is. */
  return rc < 0 ? -1 : 0;
}

static void record_bad_line(struct job *job, const struct urlfile_line *line)
{
  struct result_record record = { 0 };
  struct jsonw text = { 0 };

  record.error = result_error_from_name(line->error_code);
  record.error_message = line->error_message;
  clock_gettime(CLOCK_REALTIME, &record.fetched_at);
  result_encode(&record, &text);
  if(text.failed)
    fail(job, "cannot encode a record", "out of memory");
  else
    commit_line(job, line->seq, NULL, 0, text.text, text.len, false);
  jsonw_free(&text);
}

static void on_input_ready(evutil_socket_t fd, short events, void *arg)
{
  struct job *job = arg;

  (void)fd;
  (void)events;
  job->ready(job->ready_arg);
}

static void on_flush(evutil_socket_t fd, short events, void *arg)
{
  struct job *job = arg;

  (void)fd;
  (void)events;
  if(fflush(job->output) != 0)
    fail(job, "cannot write the output", strerror(errno));
}

static bool recorded(const struct job *job, long long seq)
{
  return job->journal != NULL && journal_has(job->journal, seq);
}

/* A job with --max-pages hands out no more than it may record. */
static bool capped(const struct job *job)
{
  return job->max_pages > 0 &&
         job->counts.records + job->counts.dispatched >= job->max_pages;
}

/* Reads lines until one is a URL to fetch. */
static struct task *read_task(struct job *job)
{
  while(!job->input_done && job->failure == NULL && !capped(job)) {
    struct urlfile_line line;
    struct task *task;

    switch(urlfile_next(job->input, &line)) {
      case URLFILE_URL:
        if(recorded(job, line.seq))
          break;
        task = task_new(line.url, line.url_len, job, line.seq);
        if(task == NULL)
          fail(job, "cannot queue a task", "out of memory");
        return task;
      case URLFILE_SKIP:
        break;
      case URLFILE_BAD:
        if(!recorded(job, line.seq))
          record_bad_line(job, &line);
        break;
      case URLFILE_AGAIN:
        event_add(job->input_ready, NULL);
        return NULL;
      case URLFILE_EOF:
        job->input_done = true;
        break;
      case URLFILE_ERROR:
        job->input_done = true;
        fail(job, "cannot read the URL file", line.error_message);
        break;
    }
  }
  return NULL;
}

/* The next URL found by following links that has no record yet. */
static struct task *read_found(struct job *job)
{
  struct discovered_entry entry;

  while(job->failure == NULL && !capped(job) &&
        discovered_next(job->follow->found, &entry)) {
    struct task *task;

    if(recorded(job, entry.seq))
      continue;
    task = task_new(entry.url, strlen(entry.url), job, entry.seq);
    if(task != NULL) {
      task->depth = entry.depth;
      task->via = strdup(entry.via);
      task->links = true;
    }
    if(task == NULL || task->via == NULL) {
      task_free(task);
      fail(job, "cannot queue a task", "out of memory");
      return NULL;
    }
    return task;
  }
  if(discovered_error(job->follow->found) != 0)
    fail(job, "cannot read its discovered URLs",
         strerror(discovered_error(job->follow->found)));
  return NULL;
}

/* Lets the journal take the seqs of the URLs found so far. */
static void journal_allow_found(struct job *job)
{
  if(job->journal != NULL)
    journal_allow(job->journal, discovered_next_seq(job->follow->found) - 1);
}

struct task *job_next_task(struct job *job)
{
  struct task *task = read_task(job);

  if(task != NULL && job->follow != NULL)
    task->links = true;
  if(task == NULL && job->input_done && job->follow != NULL)
    task = read_found(job);
  if(task != NULL)
    job->counts.dispatched++;
  return task;
}

/* Takes url (normalised, found on task's page) into the job if it is in
 * scope and new: 1 when it is in scope, 0 when not, -1 when the job
 * failed. depth is the one it gets; it counts in *added when new. */
static int take_link(struct job *job, const struct task *task, const char *url,
                     int depth, long long *added)
{
  struct follow *follow = job->follow;
  int rc;

  if(!scope_allows(follow->scope, url))
    return 0;
  if(depth > follow->options.depth)
    return 1;
  rc = seen_add(follow->seen, url, strlen(url));
  if(rc == 0)
    return 1;
  if(rc < 0 || discovered_add(follow->found, depth, url, task->url) < 0) {
    fail(job, "cannot keep a discovered URL", strerror(errno));
    return -1;
  }
  journal_allow_found(job);
  (*added)++;
  return 1;
}

/* The next URL of a result's "urls" text ("u1","u2",...: no escapes, see
 * proto.h) into url; false at the end or at anything else. */
static bool next_link(const char **at, const char *end, char *url, size_t size)
{
  const char *close;

  if(*at < end && **at == ',')
    (*at)++;
  if(*at >= end || **at != '"')
    return false;
  close = memchr(*at + 1, '"', (size_t)(end - *at - 1));
  if(close == NULL || (size_t)(close - *at - 1) >= size)
    return false;
  memcpy(url, *at + 1, (size_t)(close - *at - 1));
  url[close - *at - 1] = '\0';
  *at = close + 1;
  return true;
}

/* Takes the links of task's page into the job and writes the record's
 * depth, via and links into follow->fields. -1 when the job failed. */
static int follow_links(struct job *job, const struct task *task,
                        const struct result_summary *answer)
{
  struct follow *follow = job->follow;
  struct jsonw *fields = &follow->fields, *listed = &follow->listed;
  const char *at = answer->links, *end = answer->links + answer->links_len;
  const char *location = answer->location;
  long long in_scope = 0, added = 0;
  char url[URLNORM_MAX_BYTES + 1];
  int rc;

  jsonw_reset(fields);
  jsonw_reset(listed);
  jsonw_lit(fields, ",\"depth\":");
  jsonw_int(fields, task->depth);
  jsonw_lit(fields, ",\"via\":");
  if(task->via != NULL)
    jsonw_string(fields, task->via, strlen(task->via));
  else
    jsonw_lit(fields, "null");
  jsonw_lit(fields, ",\"links\":");
  /* No page came, so there were no links to count. */
  if(answer->status == 0) {
    jsonw_lit(fields, "null");
    return fields->failed ? -1 : 0;
  }
  /* A redirect's target is the same page under another name: it keeps the
   * page's depth. */
  if(location != NULL &&
     next_link(&location, answer->location + answer->location_len, url,
               sizeof(url))) {
    rc = take_link(job, task, url, task->depth, &added);
    if(rc < 0)
      return -1;
    in_scope += rc;
  }
  while(next_link(&at, end, url, sizeof(url))) {
    rc = take_link(job, task, url, task->depth + 1, &added);
    if(rc < 0)
      return -1;
    in_scope += rc;
    if(rc == 1 && follow->options.record_links) {
      if(listed->len > 0)
        jsonw_lit(listed, ",");
      jsonw_string(listed, url, strlen(url));
    }
  }
  jsonw_lit(fields, "{\"found\":");
  jsonw_int(fields, answer->links_found);
  jsonw_lit(fields, ",\"in_scope\":");
  jsonw_int(fields, in_scope);
  jsonw_lit(fields, ",\"new\":");
  jsonw_int(fields, added);
  jsonw_lit(fields, ",\"dropped\":");
  jsonw_int(fields, answer->links_dropped);
  if(follow->options.record_links) {
    jsonw_lit(fields, ",\"urls\":[");
    jsonw_raw(fields, listed->text != NULL ? listed->text : "", listed->len);
    jsonw_lit(fields, "]");
  }
  jsonw_lit(fields, "}");
  if(fields->failed || listed->failed) {
    fail(job, "cannot encode a record", "out of memory");
    return -1;
  }
  return 0;
}

int job_commit(struct job *job, struct task *task,
               const struct result_summary *answer)
{
  const char *fields = NULL;
  size_t fields_len = 0;
  int rc = 0;

  if(job->follow != NULL) {
    rc = follow_links(job, task, answer);
    fields = job->follow->fields.text;
    fields_len = job->follow->fields.len;
  }
  if(rc == 0)
    rc = commit_line(job, task->seq, fields, fields_len, answer->record,
                     answer->record_len, answer->error == RESULT_OK);
  job->counts.dispatched--;
  task_free(task);
  return rc;
}

bool job_finished(const struct job *job)
{
  if(job->counts.dispatched > 0)
    return false;
  if(capped(job))
    return true;
  return job->input_done &&
         (job->follow == NULL || discovered_unread(job->follow->found) == 0);
}

const char *job_failure(const struct job *job)
{
  return job->failure;
}

const char *job_name(const struct job *job)
{
  return job->name;
}

struct journal *job_journal(const struct job *job)
{
  return job->journal;
}

void job_counts(const struct job *job, struct job_counts *counts)
{
  *counts = job->counts;
}

struct job *job_open(const char *name, const char *path, FILE *output,
                     struct journal *journal, struct event_base *base,
                     void (*ready)(void *arg), void *ready_arg, char **cause)
{
  struct job *job = calloc(1, sizeof(*job));

  *cause = NULL;
  if(job == NULL) {
    *cause = strdup("out of memory");
    return NULL;
  }
  job->name = strdup(name);
  job->output = output;
  job->journal = journal;
  job->ready = ready;
  job->ready_arg = ready_arg;
  if(job->name == NULL) {
    *cause = strdup("out of memory");
    job_close(job);
    return NULL;
  }
  job->input = urlfile_open(path, cause);
  if(job->input == NULL) {
    job_close(job);
    return NULL;
  }
  job->input_ready =
      event_new(base, urlfile_fd(job->input), EV_READ, on_input_ready, job);
  if(output != NULL)
    job->flush = event_new(base, -1, 0, on_flush, job);
  if(job->input_ready == NULL || (output != NULL && job->flush == NULL)) {
    *cause = strdup("out of memory");
    job_close(job);
    return NULL;
  }
  return job;
}

/* Every URL the job had found enters its seen-set again at start. */
static int on_found_again(void *arg, const struct discovered_entry *entry)
{
  struct follow *follow = arg;

  return seen_add(follow->seen, entry->url, strlen(entry->url)) < 0 ? -1 : 0;
}

/* The journal writes no record before the found URLs it depends on are on
 * disk. */
static int flush_found(void *arg)
{
  struct job *job = arg;

  return discovered_flush(job->follow->found, true);
}

/* Reads the whole URL file once before the crawl: its URLs set the scope
 * and are seen already, so that a link to a line further down is not
 * fetched twice, and its line count numbers the URLs found after it. */
static int read_seeds(struct follow *follow, const char *path, char **cause)
{
  struct urlfile *seeds = urlfile_open(path, cause);
  char url[URLNORM_MAX_BYTES + 1];
  struct urlfile_line line;
  enum urlfile_kind kind;

  if(seeds == NULL)
    return -1;
  while((kind = urlfile_next(seeds, &line)) != URLFILE_EOF) {
    if(kind == URLFILE_ERROR || kind == URLFILE_AGAIN) {
      urlfile_close(seeds);
      return cause_set(cause, "reading its seeds: %s",
                       kind == URLFILE_ERROR ? line.error_message
                                             : "not a regular file");
    }
    if(kind != URLFILE_URL ||
       urlnorm_url(line.url, url, sizeof(url), NULL) != URLNORM_OK)
      continue;
    if(scope_add_seed(follow->scope, url) < 0 ||
       seen_add(follow->seen, url, strlen(url)) < 0) {
      urlfile_close(seeds);
      return cause_set(cause, "reading its seeds: out of memory");
    }
  }
  follow->lines = line.seq;
  urlfile_close(seeds);
  return 0;
}

int job_apply_options(struct job *job, const struct jobopts *options,
                      const char *path, int dir_fd, const char *found_name,
                      char **cause)
{
  struct follow *follow;

  *cause = NULL;
  job->max_pages = options->max_pages;
  if(options->depth == 0 && !options->record_links)
    return 0;
  if(strcmp(path, "-") == 0)
    return cause_set(cause, "following links needs a URL file it can read "
                            "twice, not standard input");
  follow = calloc(1, sizeof(*follow));
  if(follow == NULL)
    return cause_set(cause, "out of memory");
  job->follow = follow;
  follow->options = *options;
  follow->scope = scope_new(options, cause);
  if(follow->scope == NULL)
    return -1;
  follow->seen = seen_new();
  if(follow->seen == NULL)
    return cause_set(cause, "out of memory");
  if(read_seeds(follow, path, cause) < 0)
    return -1;
  follow->found = discovered_open(dir_fd, found_name, follow->lines,
                                  on_found_again, follow, cause);
  if(follow->found == NULL)
    return -1;
  if(job->journal != NULL) {
    journal_allow_found(job);
    journal_before_write(job->journal, flush_found, job);
  }
  return 0;
}

long long job_records_due(const struct job *job, long long lines)
{
  long long due;

  if(lines < 0)
    return -1;
  due =
      lines + (job->follow != NULL ? discovered_count(job->follow->found) : 0);
  return job->max_pages > 0 && due > job->max_pages ? job->max_pages : due;
}

long long job_unvisited(struct job *job)
{
  long long unvisited;
  struct urlfile_line line;
  enum urlfile_kind kind;

  if(job->max_pages == 0 || job->counts.records < job->max_pages)
    return -1;
  unvisited = 0;
  /* Entries already recorded before a restart lie anywhere past where
   * reading got to again, so each is looked up, as the lines are. */
  if(job->follow != NULL) {
    struct discovered_entry entry;

    while(discovered_next(job->follow->found, &entry)) {
      if(!recorded(job, entry.seq))
        unvisited++;
    }
  }
  while(!job->input_done &&
        (kind = urlfile_next(job->input, &line)) != URLFILE_EOF &&
        kind != URLFILE_ERROR && kind != URLFILE_AGAIN) {
    if(kind == URLFILE_URL && !recorded(job, line.seq))
      unvisited++;
  }
  job->input_done = true;
  return unvisited;
}

static void follow_free(struct follow *follow)
{
  if(follow == NULL)
    return;
  scope_free(follow->scope);
  seen_free(follow->seen);
  discovered_close(follow->found);
  jsonw_free(&follow->fields);
  jsonw_free(&follow->listed);
  free(follow);
}

void job_close(struct job *job)
{
  if(job == NULL)
    return;
  follow_free(job->follow);
  if(job->input_ready != NULL)
    event_free(job->input_ready);
  if(job->flush != NULL)
    event_free(job->flush);
  if(job->input != NULL)
    urlfile_close(job->input);
  if(job->journal != NULL)
    journal_close(job->journal);
  jsonw_free(&job->line);
  free(job->failure);
  free(job->name);
  free(job);
}
