/* compare_report.c - crawld compare's table, CSV, JSON, charts and
 * summary; see compare_report.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "chart.h"
#include "compare_report.h"
#include "log.h"
#include "result.h"

static const char *const measure_names[COMPARE_MEASURE_COUNT] = {
#define COMPARE_MEASURE_NAME(name) #name,
  COMPARE_MEASURES(COMPARE_MEASURE_NAME)
#undef COMPARE_MEASURE_NAME
};

const char *compare_measure_name(enum compare_measure measure)
{
  return measure_names[measure];
}

static const struct compare_cell *
find_cell(const struct compare_results *results, enum compare_mode mode,
          int workers, long long urls)
{
  for(size_t c = 0; c < results->cell_count; c++) {
    const struct compare_cell *cell = &results->cells[c];

    if(cell->mode == mode && cell->urls == urls &&
       (mode == COMPARE_SEQUENTIAL || cell->workers == workers))
      return cell;
  }
  return NULL;
}

static double median_of(const struct compare_cell *cell,
                        enum compare_measure measure)
{
  return cell != NULL ? cell->summary[measure].median : NAN;
}

void compare_results_summarize(struct compare_results *results)
{
  int repeat = results->request->repeat;
  double *values = calloc((size_t)repeat, sizeof(*values));

  for(size_t c = 0; c < results->cell_count; c++) {
    struct compare_cell *cell = &results->cells[c];

    for(int m = 0; m < COMPARE_MEASURE_COUNT; m++) {
      if(values == NULL) {
        cell->summary[m] = (struct compare_summary){ NAN, NAN, NAN, 0 };
        continue;
      }
      for(int r = 0; r < repeat; r++)
        values[r] = cell->runs[r][m];
      compare_summarize(values, (size_t)repeat, &cell->summary[m]);
    }
  }
  /* Speedups need every cell's medians first. */
  for(size_t c = 0; c < results->cell_count; c++) {
    struct compare_cell *cell = &results->cells[c];
    const struct compare_cell *baseline =
        find_cell(results, COMPARE_SEQUENTIAL, 1, cell->urls);

    cell->speedup = compare_speedup(median_of(cell, COMPARE_pages_per_s),
                                    median_of(baseline, COMPARE_pages_per_s));
  }
  free(values);
}

/* --- the table ----------------------------------------------------------- */

/* value with decimals and a suffix, or "-" when unknown. */
static const char *cell_text(char *buf, size_t size, double value,
                             int decimals, const char *suffix)
{
  if(isfinite(value))
    snprintf(buf, size, "%.*f%s", decimals, value, suffix);
  else
    snprintf(buf, size, "-");
  return buf;
}

void compare_print_table(FILE *out, const struct compare_results *results)
{
  const struct compare_request *request = results->request;
  static const char row_format[] = "%7s  %-10s %3s %4s %4s  %-23s %8s %8s "
                                   "%7s %7s %7s %7s %8s %8s %7s %7s %5s\n";

  fprintf(out,
          "crawld compare: %s, %lld URLs, %d CPUs, inflight %d, cpu-work "
          "%d; medians of %d runs (wall: min-max)\n\n",
          request->url_file, results->urls_in_file, results->cpus,
          request->opts.inflight, request->opts.fetch.cpu_work,
          request->repeat);
  fprintf(out, row_format, "URLs", "mode", "W", "thr", "proc",
          "wall s (min-max)", "pages/s", "speedup", "p50 ms", "p99 ms",
          "user s", "sys s", "RSS MiB", "MiB/wkr", "thr ms", "proc ms", "err");
  for(size_t c = 0; c < results->cell_count; c++) {
    const struct compare_cell *cell = &results->cells[c];
    const struct compare_summary *wall = &cell->summary[COMPARE_wall_s];
    char text[11][32];
    char urls[24];
    char workers[3][12];
    char wall_text[64];

    if(c > 0 && cell->urls != results->cells[c - 1].urls)
      fputc('\n', out);
    snprintf(urls, sizeof(urls), "%lld", cell->urls);
    snprintf(workers[0], sizeof(workers[0]), "%d", cell->workers);
    snprintf(workers[1], sizeof(workers[1]), "%d", cell->threads);
    snprintf(workers[2], sizeof(workers[2]), "%d", cell->processes);
    snprintf(wall_text, sizeof(wall_text), "%.3f (%.3f-%.3f)", wall->median,
             wall->min, wall->max);
    fprintf(
        out, row_format, urls, compare_mode_name(cell->mode), workers[0],
        workers[1], workers[2], wall_text,
        cell_text(text[0], 32, median_of(cell, COMPARE_pages_per_s), 1, ""),
        cell_text(text[1], 32, cell->speedup, 2, "x"),
        cell_text(text[2], 32, median_of(cell, COMPARE_latency_p50_ms), 1, ""),
        cell_text(text[3], 32, median_of(cell, COMPARE_latency_p99_ms), 1, ""),
        cell_text(text[4], 32, median_of(cell, COMPARE_cpu_user_s), 2, ""),
        cell_text(text[5], 32, median_of(cell, COMPARE_cpu_sys_s), 2, ""),
        cell_text(text[6], 32, median_of(cell, COMPARE_rss_total_kb) / 1024, 1,
                  ""),
        cell_text(text[7], 32,
                  median_of(cell, COMPARE_rss_per_worker_kb) / 1024, 1, ""),
        cell_text(text[8], 32, median_of(cell, COMPARE_startup_thread_ms), 2,
                  ""),
        cell_text(text[9], 32, median_of(cell, COMPARE_startup_process_ms), 2,
                  ""),
        cell_text(text[10], 32, cell->summary[COMPARE_errors].max, 0, ""));
  }
  fputs("\nspeedup: pages/s over sequential at the same size. RSS: peak of "
        "the supervisor\nplus the worker processes; MiB/wkr: what each "
        "worker added. thr ms, proc ms:\nwhen a thread or process worker "
        "began its first transfer. err: most errors in\none run. crawld(8) "
        "defines every column.\n",
        out);
}

/* --- CSV ------------------------------------------------------------------
 */

static void csv_number(FILE *out, double value)
{
  fputc(',', out);
  if(isfinite(value))
    fprintf(out, "%.10g", value);
}

static int close_report(FILE *out, const char *path)
{
  bool failed = ferror(out) != 0;

  if(fclose(out) != 0 || failed) {
    log_err("compare: cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

static FILE *open_report(const char *path)
{
  FILE *out = fopen(path, "we");

  if(out == NULL)
    log_err("compare: cannot create %s: %s", path, strerror(errno));
  return out;
}

int compare_write_csv(const char *path, const struct compare_results *results)
{
  FILE *out = open_report(path);

  if(out == NULL)
    return -1;
  fputs("mode,workers,threads,processes,inflight,urls,repeats,speedup", out);
  for(int m = 0; m < COMPARE_MEASURE_COUNT; m++)
    fprintf(out, ",%s_median,%s_min,%s_max", measure_names[m],
            measure_names[m], measure_names[m]);
  fputc('\n', out);
  for(size_t c = 0; c < results->cell_count; c++) {
    const struct compare_cell *cell = &results->cells[c];

    fprintf(out, "%s,%d,%d,%d,%d,%lld,%d", compare_mode_name(cell->mode),
            cell->workers, cell->threads, cell->processes, cell->inflight,
            cell->urls, results->request->repeat);
    csv_number(out, cell->speedup);
    for(int m = 0; m < COMPARE_MEASURE_COUNT; m++) {
      csv_number(out, cell->summary[m].median);
      csv_number(out, cell->summary[m].min);
      csv_number(out, cell->summary[m].max);
    }
    fputc('\n', out);
  }
  return close_report(out, path);
}

/* --- JSON -----------------------------------------------------------------
 */

/* A whole number as an integer, anything else as a real, unknown as null. */
static json_t *json_value(double value)
{
  if(!isfinite(value))
    return json_null();
  if(value == floor(value) && fabs(value) < 9007199254740992.0)
    return json_integer((json_int_t)value);
  return json_real(value);
}

static json_t *json_time(const struct timespec *when)
{
  char text[32];

  result_format_time(when, text, sizeof(text));
  return json_string(text);
}

static json_t *cell_json(const struct compare_cell *cell, int repeat)
{
  json_t *object = json_pack(
      "{s:s, s:i, s:i, s:i, s:i, s:I, s:o}", "mode",
      compare_mode_name(cell->mode), "workers", cell->workers, "threads",
      cell->threads, "processes", cell->processes, "inflight", cell->inflight,
      "urls", (json_int_t)cell->urls, "speedup", json_value(cell->speedup));
  json_t *runs = json_array();

  for(int m = 0; object != NULL && m < COMPARE_MEASURE_COUNT; m++)
    json_object_set_new(object, measure_names[m],
                        json_pack("{s:o, s:o, s:o}", "median",
                                  json_value(cell->summary[m].median), "min",
                                  json_value(cell->summary[m].min), "max",
                                  json_value(cell->summary[m].max)));
  for(int r = 0; runs != NULL && r < repeat; r++) {
    json_t *run = json_pack("{s:i}", "repeat", r + 1);

    for(int m = 0; run != NULL && m < COMPARE_MEASURE_COUNT; m++)
      json_object_set_new(run, measure_names[m], json_value(cell->runs[r][m]));
    json_array_append_new(runs, run);
  }
  if(object != NULL)
    json_object_set_new(object, "runs", runs);
  else
    json_decref(runs);
  return object;
}

static json_t *results_json(const struct compare_results *results)
{
  const struct compare_request *request = results->request;
  json_t *modes = json_array();
  json_t *workers = json_array();
  json_t *sizes = json_array();
  json_t *cells = json_array();

  for(int mode = 0; mode < COMPARE_MODE_COUNT; mode++) {
    if(request->modes[mode])
      json_array_append_new(modes, json_string(compare_mode_name(mode)));
  }
  for(int w = 0; w < request->worker_count; w++)
    json_array_append_new(workers, json_integer(request->workers[w]));
  for(int s = 0; s < results->size_count; s++)
    json_array_append_new(sizes, json_integer(results->sizes[s]));
  for(size_t c = 0; c < results->cell_count; c++)
    json_array_append_new(cells,
                          cell_json(&results->cells[c], request->repeat));
  return json_pack("{s:i, s:s, s:I, s:o, s:o, s:i, s:i, s:i, s:i, s:o, s:o, "
                   "s:o, s:o}",
                   "version", 1, "url_file", request->url_file, "urls_in_file",
                   (json_int_t)results->urls_in_file, "started_at",
                   json_time(&results->started_at), "finished_at",
                   json_time(&results->finished_at), "cpus", results->cpus,
                   "repeat", request->repeat, "inflight",
                   request->opts.inflight, "cpu_work",
                   request->opts.fetch.cpu_work, "modes", modes, "workers",
                   workers, "sizes", sizes, "cells", cells);
}

int compare_write_json(const char *path, const struct compare_results *results)
{
  json_t *root = results_json(results);
  FILE *out = root != NULL ? open_report(path) : NULL;

  if(root == NULL)
    log_err("compare: out of memory");
  if(out == NULL) {
    json_decref(root);
    return -1;
  }
  json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
  fputc('\n', out);
  json_decref(root);
  return close_report(out, path);
}

/* --- charts ---------------------------------------------------------------
 */

/* Room for one series' points: a size or a W each. */
struct series_points {
  double x[COMPARE_MAX_LIST];
  double y[COMPARE_MAX_LIST];
  double low[COMPARE_MAX_LIST];
  double high[COMPARE_MAX_LIST];
};

static void put_point(struct chart_series *series,
                      struct series_points *points,
                      const struct compare_cell *cell, double x,
                      enum compare_measure measure)
{
  size_t i = series->count++;

  points->x[i] = x;
  points->y[i] = median_of(cell, measure);
  points->low[i] = cell != NULL ? cell->summary[measure].min : NAN;
  points->high[i] = cell != NULL ? cell->summary[measure].max : NAN;
}

static void start_series(struct chart_series *series,
                         struct series_points *points, enum compare_mode mode)
{
  *series = (struct chart_series){ .key = compare_mode_name(mode),
                                   .label = compare_mode_name(mode),
                                   .style = (int)mode,
                                   .x = points->x,
                                   .y = points->y,
                                   .y_low = points->low,
                                   .y_high = points->high };
}

/* Wall time against S, each mode at the largest W. */
static size_t time_series(const struct compare_results *results,
                          struct chart_series *series,
                          struct series_points *points)
{
  const struct compare_request *request = results->request;
  int most = request->workers[request->worker_count - 1];
  size_t count = 0;

  for(int mode = 0; mode < COMPARE_MODE_COUNT; mode++) {
    if(!request->modes[mode])
      continue;
    start_series(&series[count], &points[count], (enum compare_mode)mode);
    for(int s = 0; s < results->size_count; s++)
      put_point(
          &series[count], &points[count],
          find_cell(results, (enum compare_mode)mode, most, results->sizes[s]),
          (double)results->sizes[s], COMPARE_wall_s);
    count++;
  }
  return count;
}

/* Pages/s against W at the largest S; sequential, which has no W, as a
 * dashed level across the chart. */
static size_t rate_series(const struct compare_results *results,
                          struct chart_series *series,
                          struct series_points *points)
{
  const struct compare_request *request = results->request;
  long long urls = results->sizes[results->size_count - 1];
  size_t count = 0;

  for(int mode = 0; mode < COMPARE_MODE_COUNT; mode++) {
    if(!request->modes[mode])
      continue;
    start_series(&series[count], &points[count], (enum compare_mode)mode);
    if(mode == COMPARE_SEQUENTIAL) {
      const struct compare_cell *cell =
          find_cell(results, COMPARE_SEQUENTIAL, 1, urls);

      series[count].baseline = true;
      series[count].label = "sequential (1 worker)";
      put_point(&series[count], &points[count], cell, request->workers[0],
                COMPARE_pages_per_s);
      put_point(&series[count], &points[count], cell,
                request->workers[request->worker_count - 1],
                COMPARE_pages_per_s);
    }
    for(int w = 0; mode != COMPARE_SEQUENTIAL && w < request->worker_count;
        w++)
      put_point(&series[count], &points[count],
                find_cell(results, (enum compare_mode)mode,
                          request->workers[w], urls),
                request->workers[w], COMPARE_pages_per_s);
    count++;
  }
  return count;
}

int compare_write_svg(const char *path, const struct compare_results *results)
{
  const struct compare_request *request = results->request;
  struct chart_series series[2][COMPARE_MODE_COUNT];
  struct series_points points[2][COMPARE_MODE_COUNT];
  char subtitles[2][200];
  char title[2][80];
  struct chart charts[2] = { 0 };
  FILE *out;
  int rc;

  snprintf(title[0], sizeof(title[0]), "Wall time against URLs");
  snprintf(subtitles[0], sizeof(subtitles[0]),
           "median of %d runs, bars: min-max; threads, processes, mixed: "
           "%d workers, %d in flight each",
           request->repeat, request->workers[request->worker_count - 1],
           request->opts.inflight);
  snprintf(title[1], sizeof(title[1]), "Pages per second against workers");
  snprintf(subtitles[1], sizeof(subtitles[1]),
           "%lld URLs, median of %d runs, bars: min-max; %d in flight per "
           "worker; cpu-work %d",
           results->sizes[results->size_count - 1], request->repeat,
           request->opts.inflight, request->opts.fetch.cpu_work);
  charts[0] = (struct chart){ .id = "time",
                              .title = title[0],
                              .subtitle = subtitles[0],
                              .x_label = "URLs crawled",
                              .y_label = "wall time (s)",
                              .series = series[0] };
  charts[0].series_count = time_series(results, series[0], points[0]);
  charts[1] = (struct chart){ .id = "rate",
                              .title = title[1],
                              .subtitle = subtitles[1],
                              .x_label = "workers (W)",
                              .y_label = "pages/s",
                              .x_integer = true,
                              .series = series[1] };
  charts[1].series_count = rate_series(results, series[1], points[1]);
  out = open_report(path);
  if(out == NULL)
    return -1;
  rc = chart_write_svg(out, charts, 2);
  return close_report(out, path) < 0 || rc < 0 ? -1 : 0;
}

/* --- the summary for crawlctl status --------------------------------------
 */

/* Each mode at the largest size, with its best W. */
static json_t *summary_json(const struct compare_results *results)
{
  long long urls = results->sizes[results->size_count - 1];
  char resolved[PATH_MAX];
  const char *url_file = results->request->url_file;
  json_t *modes = json_array();

  for(int mode = 0; mode < COMPARE_MODE_COUNT; mode++) {
    const struct compare_cell *best = NULL;

    for(size_t c = 0; c < results->cell_count; c++) {
      const struct compare_cell *cell = &results->cells[c];

      if(cell->mode == (enum compare_mode)mode && cell->urls == urls &&
         (best == NULL || median_of(cell, COMPARE_pages_per_s) >
                              median_of(best, COMPARE_pages_per_s)))
        best = cell;
    }
    if(best != NULL)
      json_array_append_new(
          modes,
          json_pack("{s:s, s:i, s:I, s:o, s:o}", "mode",
                    compare_mode_name(best->mode), "workers", best->workers,
                    "urls", (json_int_t)best->urls, "pages_per_s",
                    json_value(median_of(best, COMPARE_pages_per_s)),
                    "speedup", json_value(best->speedup)));
  }
  if(strcmp(url_file, "-") != 0 && realpath(url_file, resolved) != NULL)
    url_file = resolved;
  return json_pack("{s:i, s:s, s:I, s:o, s:o, s:o}", "version", 1, "url_file",
                   url_file, "urls", (json_int_t)urls, "started_at",
                   json_time(&results->started_at), "finished_at",
                   json_time(&results->finished_at), "modes", modes);
}

int compare_write_last(const char *state_dir,
                       const struct compare_results *results)
{
  json_t *summary = summary_json(results);
  char path[PATH_MAX];
  char temporary[PATH_MAX + 32];
  int fd = -1;
  int rc = -1;

  snprintf(path, sizeof(path), "%s/%s", state_dir, COMPARE_LAST_FILE);
  snprintf(temporary, sizeof(temporary), "%s.tmp.%ld", path, (long)getpid());
  if(summary != NULL)
    fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  /* Written in full and on disk before the rename, so that a reader sees
   * the old summary or the new one, never half of one. */
  if(fd >= 0) {
    bool written =
        json_dumpfd(summary, fd, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) ==
            0 &&
        write(fd, "\n", 1) == 1 && fsync(fd) == 0;

    if(close(fd) == 0 && written && rename(temporary, path) == 0)
      rc = 0;
  }
  if(rc < 0) {
    log_err("compare: cannot write %s: %s", path,
            summary == NULL ? "out of memory" : strerror(errno));
    unlink(temporary);
  }
  json_decref(summary);
  return rc;
}
