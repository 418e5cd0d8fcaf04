/* check_compare.c - crawld compare: the arithmetic of its numbers, the SVG
 * charts, its command line, and a whole comparison against the test server
 * with every report it writes. */
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "chart.h"
#include "compare.h"
#include "compare_stats.h"
#include "harness.h"

/* --- medians, percentiles, speedups -------------------------------------- */

START_TEST(test_median_of_an_odd_count_is_the_middle_value)
{
  double values[] = { 7, 1, 3 };
  size_t count = compare_sort(values, 3);

  ck_assert_uint_eq(count, 3);
  ck_assert_double_eq(compare_median(values, count), 3);
}
END_TEST

START_TEST(test_median_of_an_even_count_is_the_mean_of_the_middle_two)
{
  double values[] = { 4, 1, 10, 2 };
  size_t count = compare_sort(values, 4);

  ck_assert_double_eq(compare_median(values, count), 3);
  ck_assert(isnan(compare_median(values, 0)));
}
END_TEST

START_TEST(test_summary_leaves_unknown_values_out)
{
  double values[] = { NAN, 5, 1, NAN, 3 };
  double unknown[] = { NAN, NAN };
  struct compare_summary summary;

  compare_summarize(values, 5, &summary);
  ck_assert_uint_eq(summary.count, 3);
  ck_assert_double_eq(summary.median, 3);
  ck_assert_double_eq(summary.min, 1);
  ck_assert_double_eq(summary.max, 5);
  compare_summarize(unknown, 2, &summary);
  ck_assert_uint_eq(summary.count, 0);
  ck_assert(isnan(summary.median) && isnan(summary.min) && isnan(summary.max));
}
END_TEST

START_TEST(test_percentiles_are_nearest_rank)
{
  double hundred[100];
  double four[] = { 40, 10, 30, 20 };
  double one[] = { 9 };

  for(int i = 0; i < 100; i++)
    hundred[i] = 100 - i;
  compare_sort(hundred, 100);
  ck_assert_double_eq(compare_percentile(hundred, 100, 0.5), 50);
  ck_assert_double_eq(compare_percentile(hundred, 100, 0.99), 99);
  ck_assert_double_eq(compare_percentile(hundred, 100, 1.0), 100);
  ck_assert_double_eq(compare_percentile(hundred, 100, 0.0), 1);
  /* 0.07 * 100 is 7.000000000000001 in floating point: still rank 7. */
  ck_assert_double_eq(compare_percentile(hundred, 100, 0.07), 7);
  compare_sort(four, 4);
  ck_assert_double_eq(compare_percentile(four, 4, 0.5), 20);
  ck_assert_double_eq(compare_percentile(four, 4, 0.99), 40);
  ck_assert_double_eq(compare_percentile(one, 1, 0.5), 9);
  ck_assert(isnan(compare_percentile(one, 0, 0.5)));
}
END_TEST

START_TEST(test_speedup_is_the_rate_over_the_baseline)
{
  ck_assert_double_eq(compare_speedup(150, 50), 3);
  ck_assert_double_eq(compare_speedup(25, 50), 0.5);
  ck_assert(isnan(compare_speedup(150, 0)));
  ck_assert(isnan(compare_speedup(150, NAN)));
  ck_assert(isnan(compare_speedup(NAN, 50)));
}
END_TEST

/* --- charts ---------------------------------------------------------------
 */

START_TEST(test_tick_steps_are_1_2_5)
{
  ck_assert_double_eq_tol(chart_nice_step(10, 6), 2, 1e-12);
  ck_assert_double_eq_tol(chart_nice_step(12, 6), 2, 1e-12);
  ck_assert_double_eq_tol(chart_nice_step(1, 6), 0.2, 1e-12);
  ck_assert_double_eq_tol(chart_nice_step(0.83, 6), 0.2, 1e-12);
  ck_assert_double_eq_tol(chart_nice_step(1474, 6), 500, 1e-9);
  ck_assert_double_eq_tol(chart_nice_step(30, 6), 5, 1e-12);
  ck_assert_double_eq(chart_nice_step(0, 6), 1);
}
END_TEST

/* The SVG as a document; fails the test unless it is well-formed XML. */
static xmlDocPtr parse_svg(const char *text, size_t len)
{
  xmlDocPtr doc = xmlReadMemory(text, (int)len, "chart.svg", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR);

  ck_assert_msg(doc != NULL, "not well-formed XML:\n%s", text);
  return doc;
}

static double xpath_number(xmlDocPtr doc, const char *expression)
{
  xmlXPathContextPtr context = xmlXPathNewContext(doc);
  xmlXPathObjectPtr result =
      xmlXPathEvalExpression((const xmlChar *)expression, context);
  double value;

  ck_assert_msg(result != NULL, "bad XPath %s", expression);
  value = xmlXPathCastToNumber(result);
  xmlXPathFreeObject(result);
  xmlXPathFreeContext(context);
  return value;
}

/* Elements named name (any namespace) whose class list holds class_name;
 * under the chart with that id when chart is not NULL. */
static int count_elements(xmlDocPtr doc, const char *chart, const char *name,
                          const char *class_name)
{
  char expression[512];

  snprintf(expression, sizeof(expression),
           "count(//*[local-name()='g'][@id='chart-%s' or '%s'='']"
           "//*[local-name()='%s'][contains(concat(' ', @class, ' '), "
           "' %s ')])",
           chart != NULL ? chart : "", chart != NULL ? chart : "", name,
           class_name);
  return (int)xpath_number(doc, expression);
}

/* Text elements whose text contains text (which may hold one kind of
 * quote: XPath 1.0 has no escapes). */
static int count_text(xmlDocPtr doc, const char *text)
{
  char quote = strchr(text, '"') != NULL ? '\'' : '"';
  char expression[512];

  snprintf(expression, sizeof(expression),
           "count(//*[local-name()='text'][contains(., %c%s%c)])", quote, text,
           quote);
  return (int)xpath_number(doc, expression);
}

static char *render(const struct chart *charts, size_t count, size_t *len)
{
  char *text = NULL;
  FILE *out = open_memstream(&text, len);

  ck_assert_ptr_nonnull(out);
  ck_assert_int_eq(chart_write_svg(out, charts, count), 0);
  ck_assert_int_eq(fclose(out), 0);
  return text;
}

START_TEST(test_svg_has_one_line_per_series_and_its_labels)
{
  static const double x[] = { 10, 20, 40 };
  static const double fast[] = { 0.1, 0.2, 0.4 };
  static const double slow[] = { 1, 2, NAN };
  static const double low[] = { 0.9, 1.8, NAN };
  static const double high[] = { 1.1, 2.5, NAN };
  const struct chart_series series[] = {
    { "slow", "slow & steady", 0, false, 3, x, slow, low, high },
    { "fast", "<fast>", 1, false, 3, x, fast, NULL, NULL },
    { "floor", "baseline", 2, true, 3, x, fast, NULL, NULL },
  };
  const struct chart charts[] = {
    { "one", "First \"chart\"", "sub", "URLs", "seconds", false, 3, series },
    { "two", "Second", NULL, "workers", "pages/s", true, 2, series },
  };
  size_t len = 0;
  char *text = render(charts, 2, &len);
  xmlDocPtr doc = parse_svg(text, len);

  ck_assert_int_eq(count_elements(doc, "one", "polyline", "series-slow"), 1);
  ck_assert_int_eq(count_elements(doc, "one", "polyline", "series-fast"), 1);
  ck_assert_int_eq(count_elements(doc, "one", "polyline", "series-floor"), 1);
  ck_assert_int_eq(count_elements(doc, "two", "polyline", "series"), 2);
  ck_assert_int_eq(count_elements(doc, NULL, "polyline", "series"), 5);
  ck_assert_int_eq(
      (int)xpath_number(doc,
                        "count(//*[@id='one-slow'] | //*[@id='two-fast'])"),
      2);
  /* The point with a NaN y is left out of its line. */
  ck_assert_int_eq(
      (int)xpath_number(
          doc, "string-length(//*[@id='one-slow']/@points) - "
               "string-length(translate(//*[@id='one-slow']/@points, ' ', "
               "''))"),
      1);
  ck_assert_int_eq(count_text(doc, "First \"chart\""), 1);
  ck_assert_int_eq(count_text(doc, "slow & steady"), 2);
  ck_assert_int_eq(count_text(doc, "<fast>"), 2);
  ck_assert_int_eq(count_elements(doc, "one", "text", "x-label"), 1);
  ck_assert_int_eq(count_elements(doc, "one", "text", "y-label"), 1);
  ck_assert_int_eq(count_text(doc, "URLs"), 1);
  ck_assert_int_eq(count_text(doc, "seconds"), 1);
  ck_assert_int_eq(count_text(doc, "workers"), 1);
  ck_assert_int_eq(count_text(doc, "pages/s"), 1);
  xmlFreeDoc(doc);
  free(text);
}
END_TEST

START_TEST(test_wide_ranges_get_a_log_axis_with_1_2_5_ticks)
{
  static const double x[] = { 1, 10, 100, 1000 };
  static const double y[] = { 0.5, 2, 3, 4 };
  static const double steady[] = { 3, 3, 3, 3 };
  const struct chart_series wide[] = {
    { "a", "a", 0, false, 4, x, y, NULL, NULL },
  };
  const struct chart_series flat[] = {
    { "b", "b", 0, false, 4, y, steady, NULL, NULL },
  };
  const struct chart charts[] = {
    { "wide", "Wide", NULL, "URLs", "s", false, 1, wide },
    { "flat", "Flat", NULL, "URLs", "s", false, 1, flat },
  };
  size_t len = 0;
  char *text = render(charts, 2, &len);
  xmlDocPtr doc = parse_svg(text, len);

  ck_assert_int_eq(
      (int)xpath_number(doc, "count(//*[@id='chart-wide']//*[@class='x-label']"
                             "[contains(., 'log scale')])"),
      1);
  ck_assert_int_eq(
      (int)xpath_number(doc, "count(//*[@id='chart-flat']//*[@class='x-label']"
                             "[contains(., 'log scale')])"),
      0);
  /* 1, 2, 5, 10, ... 1000 on the log axis. */
  ck_assert_int_eq(
      (int)xpath_number(doc, "count(//*[@id='chart-wide']//*[@class="
                             "'x-tick'][.='1' or .='2' or .='5' or .='10' or "
                             ".='20' or .='50' or .='100' or .='1000'])"),
      8);
  /* Linear from 0 to 3: a tick every 0.5. */
  ck_assert_int_eq(
      (int)xpath_number(doc, "count(//*[@id='chart-flat']//*[@class="
                             "'y-tick'][.='0.0' or .='0.5' or .='2.5' or "
                             ".='3.0'])"),
      4);
  xmlFreeDoc(doc);
  free(text);
}
END_TEST

/* --- the command line ------------------------------------------------------
 */

static int parse(struct compare_request *request, char **cause,
                 const char *const args[])
{
  char *argv[32];
  int argc = 0;

  argv[argc++] = "compare";
  for(int i = 0; args[i] != NULL; i++)
    argv[argc++] = (char *)args[i];
  argv[argc] = NULL;
  *cause = NULL;
  return compare_parse(request, argc, argv, cause);
}

START_TEST(test_defaults)
{
  static const char *const args[] = { "urls.txt", NULL };
  struct compare_request request;
  char *cause;

  ck_assert_int_eq(parse(&request, &cause, args), 0);
  ck_assert_str_eq(request.url_file, "urls.txt");
  for(int mode = 0; mode < COMPARE_MODE_COUNT; mode++)
    ck_assert(request.modes[mode]);
  ck_assert_int_eq(request.worker_count, 3);
  ck_assert_int_eq(request.workers[0], 1);
  ck_assert_int_eq(request.workers[2], 4);
  ck_assert_int_eq(request.size_count, 0);
  ck_assert_int_eq(request.repeat, COMPARE_DEFAULT_REPEAT);
  ck_assert_ptr_null(request.csv_path);
  ck_assert(!request.write_last);
  ck_assert_int_eq(request.opts.inflight, 32);
}
END_TEST

/* Politeness flags pass through, --ignore-robots taking no value wherever
 * it stands. */
START_TEST(test_politeness_flags_pass_through)
{
  static const char *const args[] = { "--ignore-robots", "urls.txt",
                                      "--ignore-robots", "--per-host",
                                      "16384",           NULL };
  struct compare_request request;
  char *cause;

  ck_assert_msg(parse(&request, &cause, args) == 0, "%s", cause);
  ck_assert_str_eq(request.url_file, "urls.txt");
  ck_assert(!request.opts.robots);
  ck_assert_int_eq(request.opts.per_host, 16384);
}
END_TEST

START_TEST(test_own_flags_and_fetch_flags_together)
{
  static const char *const args[] = { "--modes",
                                      "threads,sequential",
                                      "--workers=8,2,2",
                                      "--sizes",
                                      "100,10",
                                      "urls.txt",
                                      "--repeat",
                                      "5",
                                      "--timeout",
                                      "2.5",
                                      "-k",
                                      "4",
                                      "--cpu-work=7",
                                      "--csv",
                                      "out.csv",
                                      "--svg=out.svg",
                                      "--json",
                                      "out.json",
                                      "--state-dir",
                                      "/tmp/state",
                                      NULL };
  struct compare_request request;
  char *cause;

  ck_assert_int_eq(parse(&request, &cause, args), 0);
  ck_assert(request.modes[COMPARE_SEQUENTIAL] &&
            request.modes[COMPARE_THREADS]);
  ck_assert(!request.modes[COMPARE_PROCESSES] &&
            !request.modes[COMPARE_MIXED]);
  ck_assert_int_eq(request.worker_count, 2);
  ck_assert_int_eq(request.workers[0], 2);
  ck_assert_int_eq(request.workers[1], 8);
  ck_assert_int_eq(request.size_count, 2);
  ck_assert_int_eq(request.sizes[0], 10);
  ck_assert_int_eq(request.sizes[1], 100);
  ck_assert_int_eq(request.repeat, 5);
  ck_assert_int_eq(request.opts.fetch.total_timeout_ms, 2500);
  ck_assert_int_eq(request.opts.inflight, 4);
  ck_assert_int_eq(request.opts.fetch.cpu_work, 7);
  ck_assert_str_eq(request.csv_path, "out.csv");
  ck_assert_str_eq(request.svg_path, "out.svg");
  ck_assert_str_eq(request.json_path, "out.json");
  ck_assert(request.write_last);
  ck_assert_str_eq(request.opts.state_dir, "/tmp/state");
  ck_assert_str_eq(request.url_file, "urls.txt");
}
END_TEST

START_TEST(test_usage_errors)
{
  static const char *const bad[][5] = {
    { NULL },
    { "urls.txt", "--workers", "0", NULL },
    { "urls.txt", "--workers", "1,,2", NULL },
    { "urls.txt", "--sizes", "-5", NULL },
    { "urls.txt", "--modes", "threads,fibers", NULL },
    { "urls.txt", "--repeat", "0", NULL },
    { "urls.txt", "--threads", "2", NULL },
    { "urls.txt", "-p2", NULL },
    { "urls.txt", "--output", "x", NULL },
    { "urls.txt", "--once", "x", NULL },
    { "urls.txt", "other.txt", NULL },
    { "urls.txt", "--timeout", "never", NULL },
    { "urls.txt", "--csv", NULL },
  };

  for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct compare_request request;
    char *cause;

    ck_assert_msg(parse(&request, &cause, bad[i]) < 0, "case %zu parsed", i);
    ck_assert_ptr_nonnull(cause);
    free(cause);
  }
}
END_TEST

START_TEST(test_help_needs_no_url_file)
{
  static const char *const args[] = { "--help", NULL };
  struct compare_request request;
  char *cause;

  ck_assert_int_eq(parse(&request, &cause, args), 0);
  ck_assert_int_eq(request.opts.mode, MODE_HELP);
}
END_TEST

/* --- a whole comparison ----------------------------------------------------
 */

#define RUN_URLS 40
#define MODES 4
static const char *const mode_names[MODES] = { "sequential", "threads",
                                               "processes", "mixed" };
/* The documented CSV header (compare_report.h). */
static const char csv_header[] =
    "mode,workers,threads,processes,inflight,urls,repeats,speedup,"
    "wall_s_median,wall_s_min,wall_s_max,"
    "pages_per_s_median,pages_per_s_min,pages_per_s_max,"
    "latency_p50_ms_median,latency_p50_ms_min,latency_p50_ms_max,"
    "latency_p99_ms_median,latency_p99_ms_min,latency_p99_ms_max,"
    "cpu_user_s_median,cpu_user_s_min,cpu_user_s_max,"
    "cpu_sys_s_median,cpu_sys_s_min,cpu_sys_s_max,"
    "rss_total_kb_median,rss_total_kb_min,rss_total_kb_max,"
    "rss_per_worker_kb_median,rss_per_worker_kb_min,rss_per_worker_kb_max,"
    "startup_thread_ms_median,startup_thread_ms_min,startup_thread_ms_max,"
    "startup_process_ms_median,startup_process_ms_min,"
    "startup_process_ms_max,"
    "records_median,records_min,records_max,"
    "errors_median,errors_min,errors_max,"
    "robots_fetches_median,robots_fetches_min,robots_fetches_max,"
    "politeness_waits_median,politeness_waits_min,politeness_waits_max";

static struct harness h;

static void setup(void)
{
  harness_start_service(&h);
}

static void teardown(void)
{
  harness_stop_service(&h);
}

static char *test_path(const char *name)
{
  char *path;

  ck_assert_int_gt(asprintf(&path, "%s/%s", h.dir, name), 0);
  return path;
}

static void write_url_list(void)
{
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);

  /* A comment and a blank line, which compare leaves out of the count. */
  fputs("# forty delayed pages\n\n", out);
  for(int i = 0; i < RUN_URLS; i++) {
    char path[64];
    char *url;

    snprintf(path, sizeof(path), "/delay?ms=5&n=%d", i);
    url = harness_url(&h, path);
    fprintf(out, "%s\n", url);
    free(url);
  }
  ck_assert_int_eq(fclose(out), 0);
  free(harness_write(&h, "urls.txt", text, size));
  free(text);
}

/* Runs crawld compare ARGS in the test directory; returns its exit status
 * and its output (stdout and stderr together) in *log. */
static int run_compare(const char *const args[], char **log)
{
  char *log_path = test_path("compare.log");
  pid_t pid;
  int status;

  unlink(log_path);
  pid = harness_daemon_start(&h, "compare.log", args, NULL);
  status = harness_daemon_wait(&h, pid, 60);
  if(status < 0)
    status = harness_daemon_kill(&h, pid);
  *log = harness_read_file(log_path, NULL);
  free(log_path);
  return status;
}

static int mode_index(const char *name)
{
  for(int m = 0; m < MODES; m++) {
    if(strcmp(name, mode_names[m]) == 0)
      return m;
  }
  ck_abort_msg("unknown mode '%s'", name);
  return -1;
}

/* The header, then one row per mode x W x size (sequential once per size),
 * each with exact counts. */
static void check_csv(void)
{
  char *path = test_path("out.csv");
  char *text = harness_read_file(path, NULL);
  char *line;
  char *save = NULL;
  int rows[MODES] = { 0 };
  int row_count = 0;

  ck_assert_ptr_nonnull(text);
  line = strtok_r(text, "\n", &save);
  ck_assert_str_eq(line, csv_header);
  while((line = strtok_r(NULL, "\n", &save)) != NULL) {
    char *fields[64];
    int count = 0;
    long long urls;

    for(char *at = line;; at++) {
      fields[count++] = at;
      at = strchr(at, ',');
      if(at == NULL)
        break;
      *at = '\0';
    }
    ck_assert_int_eq(count, 50);
    rows[mode_index(fields[0])]++;
    row_count++;
    urls = atoll(fields[5]);
    ck_assert_msg(urls == 20 || urls == 40, "urls %s", fields[5]);
    ck_assert_str_eq(fields[6], "2");
    /* records median, min, max, then errors median, min, max, then
     * robots_fetches: one site, read once a run */
    for(int f = 38; f < 41; f++)
      ck_assert_int_eq(atoll(fields[f]), urls);
    for(int f = 41; f < 44; f++)
      ck_assert_str_eq(fields[f], "0");
    for(int f = 44; f < 47; f++)
      ck_assert_str_eq(fields[f], "1");
    if(strcmp(fields[0], "sequential") == 0)
      ck_assert_str_eq(fields[7], "1");
  }
  ck_assert_int_eq(rows[0], 2);
  for(int m = 1; m < MODES; m++)
    ck_assert_int_eq(rows[m], 4);
  ck_assert_int_eq(row_count, 14);
  free(text);
  free(path);
}

static void check_json(void)
{
  static const char *const keys[] = {
    "version", "url_file", "urls_in_file", "started_at", "finished_at",
    "cpus",    "repeat",   "inflight",     "cpu_work",   "modes",
    "workers", "sizes",    "cells"
  };
  static const char *const measures[] = { "wall_s",
                                          "pages_per_s",
                                          "latency_p50_ms",
                                          "latency_p99_ms",
                                          "cpu_user_s",
                                          "cpu_sys_s",
                                          "rss_total_kb",
                                          "rss_per_worker_kb",
                                          "startup_thread_ms",
                                          "startup_process_ms",
                                          "records",
                                          "errors",
                                          "robots_fetches",
                                          "politeness_waits" };
  char *path = test_path("out.json");
  json_error_t error;
  json_t *root = json_load_file(path, 0, &error);
  json_t *cells;
  size_t c;
  json_t *cell;

  ck_assert_msg(root != NULL, "%s: %s", path, error.text);
  for(size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
    ck_assert_msg(json_object_get(root, keys[k]) != NULL, "no %s", keys[k]);
  ck_assert_int_eq(json_integer_value(json_object_get(root, "urls_in_file")),
                   RUN_URLS);
  ck_assert_int_eq(json_array_size(json_object_get(root, "modes")), MODES);
  cells = json_object_get(root, "cells");
  ck_assert_int_eq(json_array_size(cells), 14);
  json_array_foreach(cells, c, cell)
  {
    json_int_t urls = json_integer_value(json_object_get(cell, "urls"));
    json_t *runs = json_object_get(cell, "runs");
    json_t *run;
    size_t r;

    for(size_t m = 0; m < sizeof(measures) / sizeof(measures[0]); m++) {
      json_t *summary = json_object_get(cell, measures[m]);

      ck_assert_msg(json_is_object(summary), "cell %zu: no %s", c,
                    measures[m]);
      ck_assert(json_object_get(summary, "median") != NULL);
      ck_assert(json_object_get(summary, "min") != NULL);
      ck_assert(json_object_get(summary, "max") != NULL);
    }
    ck_assert(json_is_number(json_object_get(cell, "speedup")));
    ck_assert_int_eq(json_array_size(runs), 2);
    json_array_foreach(runs, r, run)
    {
      ck_assert_int_eq(json_integer_value(json_object_get(run, "records")),
                       urls);
      ck_assert_int_eq(json_integer_value(json_object_get(run, "errors")), 0);
      /* One site, read once a run: each run is a fresh crawl. */
      ck_assert_int_eq(
          json_integer_value(json_object_get(run, "robots_fetches")), 1);
      ck_assert(json_number_value(json_object_get(run, "wall_s")) > 0);
    }
  }
  json_decref(root);
  free(path);
}

static void check_svg(void)
{
  char *path = test_path("out.svg");
  size_t len = 0;
  char *text = harness_read_file(path, &len);
  xmlDocPtr doc;

  ck_assert_ptr_nonnull(text);
  doc = parse_svg(text, len);
  for(int m = 0; m < MODES; m++) {
    char class_name[64];

    snprintf(class_name, sizeof(class_name), "series-%s", mode_names[m]);
    ck_assert_int_eq(count_elements(doc, "time", "polyline", class_name), 1);
    ck_assert_int_eq(count_elements(doc, "rate", "polyline", class_name), 1);
  }
  ck_assert_int_eq(count_text(doc, "URLs crawled"), 1);
  ck_assert_int_eq(count_text(doc, "wall time (s)"), 1);
  ck_assert_int_eq(count_text(doc, "workers (W)"), 1);
  ck_assert_int_eq(count_text(doc, "pages/s"), 1);
  xmlFreeDoc(doc);
  free(text);
  free(path);
}

/* The summary for crawlctl status, and no temporary file left beside it. */
static void check_last(const char *state_dir)
{
  char *path;
  json_error_t error;
  json_t *root;
  json_t *modes;
  DIR *dir;
  struct dirent *entry;
  int entries = 0;

  ck_assert_int_gt(asprintf(&path, "%s/compare-last.json", state_dir), 0);
  root = json_load_file(path, 0, &error);
  ck_assert_msg(root != NULL, "%s: %s", path, error.text);
  ck_assert(json_is_string(json_object_get(root, "url_file")));
  ck_assert(json_is_string(json_object_get(root, "finished_at")));
  ck_assert_int_eq(json_integer_value(json_object_get(root, "urls")),
                   RUN_URLS);
  modes = json_object_get(root, "modes");
  ck_assert_int_eq(json_array_size(modes), MODES);
  for(int m = 0; m < MODES; m++) {
    json_t *mode = json_array_get(modes, (size_t)m);

    ck_assert_str_eq(json_string_value(json_object_get(mode, "mode")),
                     mode_names[m]);
    ck_assert(json_number_value(json_object_get(mode, "pages_per_s")) > 0);
    ck_assert(json_is_number(json_object_get(mode, "speedup")));
  }
  dir = opendir(state_dir);
  ck_assert_ptr_nonnull(dir);
  while((entry = readdir(dir)) != NULL)
    entries += entry->d_name[0] != '.';
  closedir(dir);
  ck_assert_int_eq(entries, 1);
  json_decref(root);
  free(path);
}

START_TEST(test_compare_runs_every_mode_and_writes_every_report)
{
  char *urls = test_path("urls.txt");
  char *csv = test_path("out.csv");
  char *json = test_path("out.json");
  char *svg = test_path("out.svg");
  char *state = test_path("state");
  const char *const args[] = { "compare",    urls,  "--repeat",    "2",
                               "--workers",  "1,2", "--sizes",     "20,40",
                               "--csv",      csv,   "--json",      json,
                               "--svg",      svg,   "--state-dir", state,
                               "--inflight", "8",   NULL };
  char *log = NULL;
  int status;

  write_url_list();
  ck_assert_int_eq(mkdir(state, 0700), 0);
  status = run_compare(args, &log);
  ck_assert_msg(status == 0, "crawld compare exited %d:\n%s", status, log);
  ck_assert_ptr_nonnull(strstr(log, "wall s (min-max)"));
  for(int m = 0; m < MODES; m++)
    ck_assert_msg(strstr(log, mode_names[m]) != NULL, "no %s in\n%s",
                  mode_names[m], log);
  check_csv();
  check_json();
  check_svg();
  check_last(state);
  free(log);
  free(urls);
  free(csv);
  free(json);
  free(svg);
  free(state);
}
END_TEST

START_TEST(test_sizes_beyond_the_file_fail_before_any_run)
{
  char *urls = test_path("urls.txt");
  const char *const args[] = { "compare", urls, "--sizes", "41", NULL };
  char *log = NULL;

  write_url_list();
  ck_assert_int_eq(run_compare(args, &log), 1);
  ck_assert_msg(strstr(log, "has 40 URLs to fetch, fewer than --sizes 41") !=
                    NULL,
                "%s", log);
  ck_assert_ptr_null(strstr(log, "wall s"));
  free(log);
  free(urls);
}
END_TEST

START_TEST(test_usage_error_exits_2)
{
  const char *const args[] = { "compare", "urls.txt", "--threads", "2", NULL };
  char *log = NULL;

  ck_assert_int_eq(run_compare(args, &log), 2);
  ck_assert_ptr_nonnull(strstr(log, "use --workers"));
  free(log);
}
END_TEST

static Suite *compare_suite(void)
{
  Suite *suite = suite_create("compare");
  TCase *stats = tcase_create("stats");
  TCase *chart = tcase_create("chart");
  TCase *command_line = tcase_create("command line");
  TCase *runs = tcase_create("runs");

  tcase_add_test(stats, test_median_of_an_odd_count_is_the_middle_value);
  tcase_add_test(stats,
                 test_median_of_an_even_count_is_the_mean_of_the_middle_two);
  tcase_add_test(stats, test_summary_leaves_unknown_values_out);
  tcase_add_test(stats, test_percentiles_are_nearest_rank);
  tcase_add_test(stats, test_speedup_is_the_rate_over_the_baseline);
  suite_add_tcase(suite, stats);
  tcase_add_test(chart, test_tick_steps_are_1_2_5);
  tcase_add_test(chart, test_svg_has_one_line_per_series_and_its_labels);
  tcase_add_test(chart, test_wide_ranges_get_a_log_axis_with_1_2_5_ticks);
  suite_add_tcase(suite, chart);
  tcase_add_test(command_line, test_defaults);
  tcase_add_test(command_line, test_own_flags_and_fetch_flags_together);
  tcase_add_test(command_line, test_politeness_flags_pass_through);
  tcase_add_test(command_line, test_usage_errors);
  tcase_add_test(command_line, test_help_needs_no_url_file);
  suite_add_tcase(suite, command_line);
  tcase_add_unchecked_fixture(runs, setup, teardown);
  tcase_set_timeout(runs, 90);
  tcase_add_test(runs, test_compare_runs_every_mode_and_writes_every_report);
  tcase_add_test(runs, test_sizes_beyond_the_file_fail_before_any_run);
  tcase_add_test(runs, test_usage_error_exits_2);
  suite_add_tcase(suite, runs);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(compare_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
