/* job.h - one URL file being crawled: lines in, one record per line out.
 *
 * A job streams its file (never holding it whole), hands out one task per
 * URL line when the pool asks for one, writes the records of bad lines
 * itself, and commits every answer as a final record ("job" and "seq"
 * first) to its sink: a plain output stream for crawld --once, or the
 * job's journal in the service, which also knows the lines recorded before
 * a restart so that they are not fetched again. */
#ifndef CRAWLD_JOB_H
#define CRAWLD_JOB_H

#include <stdbool.h>
#include <stdio.h>

#include <event2/event.h>

#include "jobopts.h"
#include "journal.h"
#include "result.h"
#include "task.h"

struct job_counts {
  long long dispatched; /* tasks handed out and not committed yet */
  long long records;    /* records committed */
  long long ok;
  long long errors;
};

struct job;

/* A job named name (the records' "job") reading path ("-": standard input).
 * Records go to output (not closed by the job) or, when output is NULL, to
 * journal (closed by the job). ready is called when a non-blocking input
 * that had no complete line becomes readable, so the owner can ask for
 * tasks again. NULL with *cause set on failure. */
struct job *job_open(const char *name, const char *path, FILE *output,
                     struct journal *journal, struct event_base *base,
                     void (*ready)(void *arg), void *ready_arg, char **cause);
/* Applies the job's own options: max_pages, and with depth above 0 (or
 * record_links) link following, which reads path (the job's URL file) once for
 * its seeds and keeps the URLs it finds in found_name in dir_fd (NULL: an
 * unnamed file there), recovering those a crash left. Call before the first
 * task. 0, or -1 with *cause set (malloc'd). */
int job_apply_options(struct job *job, const struct jobopts *options,
                      const char *path, int dir_fd, const char *found_name,
                      char **cause);
/* The records the job is to make as far as it knows now: lines, the
 * records of its URL file (-1: unknown), and the URLs it found, at most
 * max_pages; -1 when lines is. */
long long job_records_due(const struct job *job, long long lines);
/* For a job that stopped at max_pages: the URLs it knows and did not visit
 * (lines not read, found URLs not fetched), reading the rest of its file;
 * -1 for a job that did not stop there. */
long long job_unvisited(struct job *job);
/* The next URL to fetch, or NULL when none is ready (input exhausted, or
 * not readable yet). Bad lines met on the way are recorded here. */
struct task *job_next_task(struct job *job);
/* Commits the task's record and frees the task. 0, or -1 when the sink
 * failed (fatal: records would be lost). */
int job_commit(struct job *job, struct task *task,
               const struct result_summary *answer);
/* Every line has its record: input read to the end, and every task handed
 * out committed. */
bool job_finished(const struct job *job);
/* The input could not be read, or the sink failed: the reason, else NULL. */
const char *job_failure(const struct job *job);
const char *job_name(const struct job *job);
struct journal *job_journal(const struct job *job);
void job_counts(const struct job *job, struct job_counts *counts);
/* Closes the input (and the journal, without syncing) and frees the job;
 * tasks still out with workers must not come back to it. */
void job_close(struct job *job);

#endif
