/* job.c - one URL file being crawled; see job.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job.h"
#include "log.h"
#include "result.h"
#include "urlfile.h"

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
  struct jsonw line; /* the record line being written, reused */
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
static int commit_line(struct job *job, long long seq, const char *record,
                       size_t record_len, bool ok)
{
  struct jsonw *line = &job->line;
  int rc = 0;

  jsonw_reset(line);
  if(result_finish(job->name, seq, record, record_len, line) < 0) {
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
    commit_line(job, line->seq, text.text, text.len, false);
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

/* Reads lines until one is a URL to fetch. */
static struct task *read_task(struct job *job)
{
  while(!job->input_done && job->failure == NULL) {
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

struct task *job_next_task(struct job *job)
{
  struct task *task = read_task(job);

  if(task != NULL)
    job->counts.dispatched++;
  return task;
}

int job_commit(struct job *job, struct task *task,
               const struct result_summary *answer)
{
  int rc = commit_line(job, task->seq, answer->record, answer->record_len,
                       answer->error == RESULT_OK);

  job->counts.dispatched--;
  task_free(task);
  return rc;
}

bool job_finished(const struct job *job)
{
  return job->input_done && job->counts.dispatched == 0;
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

void job_close(struct job *job)
{
  if(job == NULL)
    return;
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
