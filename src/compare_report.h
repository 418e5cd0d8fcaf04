/* compare_report.h - what crawld compare measured, and its reports: the
 * table, CSV, JSON, the SVG charts and the summary for crawlctl status.
 *
 * compare.c fills a struct compare_results with the raw numbers of every
 * run; compare_results_summarize() adds the medians, ranges and speedups the
 * reports print. Definitions of the measures: compare.h.
 *
 * CSV (--csv): a header, then one row per cell, in the table's order:
 *   mode,workers,threads,processes,inflight,urls,repeats,speedup,
 *   then for every measure M of COMPARE_MEASURES: M_median,M_min,M_max
 * Numbers are plain decimals; an unknown value is an empty field.
 *
 * JSON (--json): one object:
 *   version (1), url_file, urls_in_file, started_at, finished_at (RFC 3339),
 *   cpus, repeat, inflight, cpu_work, modes [names], workers [W...],
 *   sizes [S...], cells [{mode, workers, threads, processes, inflight, urls,
 *   speedup, M: {median, min, max} for every measure, runs: [{repeat, M: value
 *   for every measure}]}]
 * An unknown value is null.
 *
 * The summary (STATE_DIR/compare-last.json, written to a temporary file and
 * renamed): version (1), url_file, urls, started_at, finished_at, and modes:
 * one entry per mode at the largest size, the W with the highest median
 * pages/s: {mode, workers, urls, pages_per_s, speedup}. */
#ifndef CRAWLD_COMPARE_REPORT_H
#define CRAWLD_COMPARE_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "compare.h"
#include "compare_stats.h"

/* Every measure of a run, by its name in the CSV and JSON. */
#define COMPARE_MEASURES(X) \
  X(wall_s)                 \
  X(pages_per_s)            \
  X(latency_p50_ms)         \
  X(latency_p99_ms)         \
  X(cpu_user_s)             \
  X(cpu_sys_s)              \
  X(rss_total_kb)           \
  X(rss_per_worker_kb)      \
  X(startup_thread_ms)      \
  X(startup_process_ms)     \
  X(records)                \
  X(errors)                 \
  X(robots_fetches)         \
  X(politeness_waits)

enum compare_measure {
#define COMPARE_MEASURE_ENUM(name) COMPARE_##name,
  COMPARE_MEASURES(COMPARE_MEASURE_ENUM)
#undef COMPARE_MEASURE_ENUM
      COMPARE_MEASURE_COUNT
};

const char *compare_measure_name(enum compare_measure measure);

/* One mode at one W and one size, and its runs. */
struct compare_cell {
  enum compare_mode mode;
  int workers; /* W; 1 for sequential */
  int threads;
  int processes;
  int inflight;
  long long urls; /* S */
  /* runs[r][measure] for r < repeat; NaN where unknown */
  double (*runs)[COMPARE_MEASURE_COUNT];
  /* Set by compare_results_summarize(). */
  struct compare_summary summary[COMPARE_MEASURE_COUNT];
  double speedup;
};

struct compare_results {
  const struct compare_request *request;
  long long urls_in_file; /* fetchable URLs */
  int cpus;
  struct timespec started_at; /* CLOCK_REALTIME */
  struct timespec finished_at;
  int size_count;
  long long sizes[COMPARE_MAX_LIST]; /* ascending */
  size_t cell_count;
  struct compare_cell *cells; /* by size, then mode, then W */
};

/* The medians, ranges and speedups of every cell. */
void compare_results_summarize(struct compare_results *results);
/* The aligned table: medians, with min-max of wall time. */
void compare_print_table(FILE *out, const struct compare_results *results);
/* Each writes its file; 0, or -1 with the reason logged. */
int compare_write_csv(const char *path, const struct compare_results *results);
int compare_write_json(const char *path,
                       const struct compare_results *results);
int compare_write_svg(const char *path, const struct compare_results *results);
int compare_write_last(const char *state_dir,
                       const struct compare_results *results);

#endif
