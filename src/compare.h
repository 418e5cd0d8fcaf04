/* compare.h - crawld compare: the same URLs through every worker mode, with
 * fresh workers each time, and what each mode cost.
 *
 *   crawld compare URLFILE [--modes LIST] [--workers LIST] [--sizes LIST]
 *                  [--repeat R] [--csv FILE] [--svg FILE] [--json FILE]
 *                  [--inflight K] [fetch flags] [--state-dir DIR]
 *
 * The definitions, which crawld(8) repeats for users:
 *
 * Modes, for each W of --workers (default 1,2,4), with K = --inflight
 * (default 32) transfers per worker:
 *   sequential  1 thread, inflight 1, whatever W: the baseline
 *   threads     W threads
 *   processes   W processes
 *   mixed       W/2 threads and W - W/2 processes (rounded down and up),
 *               so one of each from W = 2; at W = 1 it is one process
 * Sizes: --sizes S1,S2,... takes the first S fetchable URLs of the file
 * (blank, comment and bad lines are left out, with a warning for bad
 * ones); the default is every URL of the file. A size larger than the file
 * is an error.
 *
 * A run is one crawl as crawld --once does it, records discarded: a new
 * pool of fresh workers fetches the first S URLs, then exits. Every size x
 * mode x W (a "cell"; sequential once per size) runs --repeat times
 * (default 3). The repeats are interleaved: every cell once, then every
 * cell again, so that drift of the machine or the server spreads over all
 * cells instead of loading the last ones.
 *
 * Per run:
 *   wall_s       from just before the pool starts to the last record
 *                committed: worker start-up counts, worker shutdown not
 *   pages_per_s  S / wall_s
 *   latency_p50_ms, latency_p99_ms
 *                nearest-rank percentiles of the records' timing.total_ms,
 *                exact (every value is kept)
 *   cpu_user_s, cpu_sys_s
 *                getrusage() of crawld itself (the supervisor and its worker
 *                threads) plus that of its reaped children (the worker
 *                processes), the difference across the run
 *   rss_total_kb the peak resident memory: the supervisor's VmHWM (reset
 *                before each run through /proc/self/clear_refs) plus the
 *                VmHWM of every worker process, read when the last record
 *                is in (when the pool reaps a worker its peak is gone).
 *                Pages that processes share (libraries) count once per
 *                process, as RSS does.
 *   rss_per_worker_kb
 *                (rss_total_kb - the supervisor's RSS when the run started)
 *                / W: the memory each worker added
 *   startup_thread_ms, startup_process_ms
 *                for each worker, when it began its first transfer: the
 *                earliest (arrival of one of its answers - that answer's
 *                total_ms) after the pool started; the mean over the
 *                workers of that kind (none: unknown). A thread pays for
 *                pthread_create, its event loop and libcurl handle; a
 *                process also for fork+exec, dynamic linking and crawld's
 *                start-up. It is a little high, by the time to pass the
 *                first task and return the answer.
 *   records      records committed (always S when compare exits 0)
 *   errors       records with ok false
 *   robots_fetches
 *                robots.txt fetches: not records, and in no other measure
 *                but wall_s
 *   politeness_waits
 *                times the workers had room but no host might start a fetch
 *                (all waiting out a delay or backoff): the politeness cost,
 *                which latencies (fetch time alone) do not hold
 * Per cell: the median of the repeats with min and max, and the speedup:
 * median pages/s over the median pages/s of sequential at the same size
 * (unknown without sequential in --modes). */
#ifndef CRAWLD_COMPARE_H
#define CRAWLD_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"

enum compare_mode {
  COMPARE_SEQUENTIAL,
  COMPARE_THREADS,
  COMPARE_PROCESSES,
  COMPARE_MIXED,
  COMPARE_MODE_COUNT
};

/* Entries of --workers and --sizes. */
#define COMPARE_MAX_LIST 32
#define COMPARE_DEFAULT_REPEAT 3
/* The summary crawlctl status shows, under --state-dir. */
#define COMPARE_LAST_FILE "compare-last.json"

/* "sequential" ... */
const char *compare_mode_name(enum compare_mode mode);

/* What to compare, from the command line. */
struct compare_request {
  struct crawl_options opts; /* fetch policy, inflight, log level */
  const char *url_file;      /* "-": standard input */
  bool modes[COMPARE_MODE_COUNT];
  int workers[COMPARE_MAX_LIST]; /* ascending, no duplicates */
  int worker_count;
  long long sizes[COMPARE_MAX_LIST]; /* ascending, no duplicates */
  int size_count;                    /* 0: the whole file */
  int repeat;
  const char *csv_path; /* each NULL when not asked for */
  const char *svg_path;
  const char *json_path;
  bool write_last; /* --state-dir given: write STATE_DIR/compare-last.json */
};

/* Parses "compare URLFILE [FLAGS]": argv[0] is "compare". Flags that are
 * not compare's own go through options_apply_flags(), so every fetch flag
 * works as it does for --once. On --help, request->opts.mode is MODE_HELP
 * (and MODE_VERSION on --version). Returns 0, or -1 with *cause set to a
 * malloc'd message (a usage error: exit 2). */
int compare_parse(struct compare_request *request, int argc, char **argv,
                  char **cause);
/* The --help text of compare. */
void compare_usage(FILE *out);
/* Runs the comparison and writes its reports: the table on standard
 * output, progress on standard error. exe is the path worker processes are
 * exec'd from. Returns the exit status: 0 when every run gave every URL its
 * record and every report was written, 1 otherwise (logged).
 * *threads_left as for supervisor_run_once(). */
int compare_run(const struct compare_request *request, const char *exe,
                int *threads_left);

#endif
