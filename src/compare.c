/* compare.c - crawld compare: its command line, the runs, and what is
 * measured in each; see compare.h. The reports are compare_report.c's. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "compare_report.h"
#include "log.h"
#include "supervisor.h"
#include "urlfile.h"

#define MAX_REPEAT 1000

static const char *const mode_names[COMPARE_MODE_COUNT] = {
  "sequential", "threads", "processes", "mixed"
};

const char *compare_mode_name(enum compare_mode mode)
{
  return mode_names[mode];
}

void compare_usage(FILE *out)
{
  static const char usage[] =
      "Usage: crawld compare URLFILE [OPTIONS]\n"
      "\n"
      "Crawls the URLs of URLFILE in every worker mode, each time with fresh\n"
      "workers, and reports wall time, pages/s, speedup over sequential,\n"
      "latency p50/p99, CPU time, peak RSS, worker start-up time and errors:\n"
      "a table on standard output (medians of the repeats), progress on\n"
      "standard error. The records themselves are discarded.\n"
      "\n"
      "      --modes LIST    of sequential, threads, processes, mixed\n"
      "                      (default: all four)\n"
      "      --workers LIST  worker counts W to try (default: 1,2,4);\n"
      "                      sequential is always 1 worker, inflight 1\n"
      "      --sizes LIST    URL counts: the first S URLs of the file\n"
      "                      (default: all of them)\n"
      "      --repeat R      runs of every mode, W and size (default: 3)\n"
      "      --csv FILE      one row per mode, W and size\n"
      "      --json FILE     the same, plus every run's numbers\n"
      "      --svg FILE      charts: time against URLs, pages/s against W\n"
      "      --state-dir DIR also write DIR/compare-last.json, a summary\n"
      "                      for crawlctl status\n"
      "  -k, --inflight K    transfers in flight per worker (default: 32)\n"
      "  -h, --help          show this help and exit\n"
      "\n"
      "Mixed runs W/2 threads and W - W/2 processes. Fetch and politeness\n"
      "flags such as --timeout, --cpu-work and --per-host work as for\n"
      "--once: politeness holds here too, so a list of one site is held to\n"
      "--per-host (4) fetches at once unless it is raised. Exit status: 0\n"
      "when every run gave every URL its record and every report was\n"
      "written, 1 otherwise, 2 on a usage error. crawld(8) defines every\n"
      "measure.\n";

  fputs(usage, out);
}

/* --- the command line ---------------------------------------------------- */

enum own_flag {
  OWN_MODES,
  OWN_WORKERS,
  OWN_SIZES,
  OWN_REPEAT,
  OWN_CSV,
  OWN_SVG,
  OWN_JSON,
  OWN_COUNT
};

static const char *const own_flags[OWN_COUNT] = { "modes",  "workers", "sizes",
                                                  "repeat", "csv",     "svg",
                                                  "json" };

/* crawld flags that would only mislead here, and why. */
static const struct {
  const char *flag;
  char short_flag;
  const char *why;
} refused[] = {
  { "threads", 't', "each mode sets the worker counts: use --workers" },
  { "processes", 'p', "each mode sets the worker counts: use --workers" },
  { "output", 'o', "compare discards the records" },
  { "job", 0, "compare discards the records" },
  { "once", 0, "compare crawls URLFILE itself" },
  { "worker", 0, "that is for worker processes" },
  { "worker-id", 0, "that is for worker processes" },
  { "config", 'c', "compare reads no config file: give settings as flags" },
};

/* Whether the flag arg ("--name", "--name=value", "-x" or "-xvalue") is
 * name or short_flag. */
static bool is_flag(const char *arg, const char *name, char short_flag)
{
  size_t len = strlen(name);

  if(arg[1] != '-')
    return short_flag != 0 && arg[1] == short_flag;
  return strncmp(arg + 2, name, len) == 0 &&
         (arg[2 + len] == '\0' || arg[2 + len] == '=');
}

/* The value of an own flag: after its '=', or the next argument. */
static int flag_value(int argc, char **argv, int *i, const char **value,
                      char **cause)
{
  const char *equals = strchr(argv[*i], '=');

  if(equals != NULL) {
    *value = equals + 1;
    return 0;
  }
  if(*i + 1 >= argc)
    return cause_set(cause, "option '%s' needs a value", argv[*i]);
  *value = argv[++*i];
  return 0;
}

static int by_number(const void *a, const void *b)
{
  long long x = *(const long long *)a;
  long long y = *(const long long *)b;

  return (x > y) - (x < y);
}

/* "1,2,4" into values, sorted and without duplicates. */
static int parse_list(const char *flag, const char *text, long long min,
                      long long max, long long *values, int *count,
                      char **cause)
{
  const char *at = text;
  int kept = 0;

  *count = 0;
  for(;;) {
    char *end = (char *)at;
    long long value;

    errno = 0;
    value = isdigit((unsigned char)*at) ? strtoll(at, &end, 10) : -1;
    if(value < min || value > max || errno != 0 ||
       (*end != ',' && *end != '\0'))
      return cause_set(cause,
                       "--%s: expected a comma-separated list of whole "
                       "numbers from %lld to %lld, got '%s'",
                       flag, min, max, text);
    if(*count == COMPARE_MAX_LIST)
      return cause_set(cause, "--%s: at most %d values", flag,
                       COMPARE_MAX_LIST);
    values[(*count)++] = value;
    if(*end == '\0')
      break;
    at = end + 1;
  }
  qsort(values, (size_t)*count, sizeof(*values), by_number);
  for(int i = 0; i < *count; i++) {
    if(kept == 0 || values[i] != values[kept - 1])
      values[kept++] = values[i];
  }
  *count = kept;
  return 0;
}

static int parse_modes(const char *text, bool modes[COMPARE_MODE_COUNT],
                       char **cause)
{
  const char *at = text;

  memset(modes, 0, COMPARE_MODE_COUNT * sizeof(*modes));
  for(;;) {
    size_t len = strcspn(at, ",");
    int mode = 0;

    while(mode < COMPARE_MODE_COUNT &&
          (strlen(mode_names[mode]) != len ||
           strncmp(at, mode_names[mode], len) != 0))
      mode++;
    if(mode == COMPARE_MODE_COUNT)
      return cause_set(cause,
                       "--modes: expected a comma-separated list of "
                       "sequential, threads, processes and mixed, got '%s'",
                       text);
    modes[mode] = true;
    if(at[len] == '\0')
      return 0;
    at += len + 1;
  }
}

static int apply_own(struct compare_request *request, enum own_flag flag,
                     const char *value, char **cause)
{
  long long numbers[COMPARE_MAX_LIST];
  int count = 0;
  char *end = NULL;
  long repeat;

  switch(flag) {
    case OWN_MODES:
      return parse_modes(value, request->modes, cause);
    case OWN_WORKERS:
      if(parse_list("workers", value, 1, OPTIONS_MAX_WORKERS, numbers, &count,
                    cause) < 0)
        return -1;
      request->worker_count = count;
      for(int i = 0; i < count; i++)
        request->workers[i] = (int)numbers[i];
      return 0;
    case OWN_SIZES:
      return parse_list("sizes", value, 1, LLONG_MAX, request->sizes,
                        &request->size_count, cause);
    case OWN_REPEAT:
      errno = 0;
      repeat = isdigit((unsigned char)value[0]) ? strtol(value, &end, 10) : 0;
      if(errno != 0 || *end != '\0' || repeat < 1 || repeat > MAX_REPEAT)
        return cause_set(cause,
                         "--repeat: expected a whole number from 1 to %d, "
                         "got '%s'",
                         MAX_REPEAT, value);
      request->repeat = (int)repeat;
      return 0;
    case OWN_CSV:
      request->csv_path = value;
      return 0;
    case OWN_SVG:
      request->svg_path = value;
      return 0;
    case OWN_JSON:
      request->json_path = value;
      return 0;
    case OWN_COUNT:
      break;
  }
  return cause_set(cause, "unknown compare option");
}

/* One flag: compare's own (applied), refused, or crawld's (kept in rest,
 * with its value when that is the next argument). */
static int take_flag(struct compare_request *request, int argc, char **argv,
                     int *i, char **rest, int *rest_count, char **cause)
{
  const char *arg = argv[*i];
  const char *value = NULL;

  for(int flag = 0; flag < OWN_COUNT; flag++) {
    if(is_flag(arg, own_flags[flag], 0)) {
      if(flag_value(argc, argv, i, &value, cause) < 0)
        return -1;
      return apply_own(request, (enum own_flag)flag, value, cause);
    }
  }
  for(size_t r = 0; r < sizeof(refused) / sizeof(refused[0]); r++) {
    if(is_flag(arg, refused[r].flag, refused[r].short_flag))
      return cause_set(cause, "compare: %s does not apply here: %s", arg,
                       refused[r].why);
  }
  if(is_flag(arg, "state-dir", 0))
    request->write_last = true;
  rest[(*rest_count)++] = argv[*i];
  /* "--name value" and "-k value": the value goes along. */
  if(strchr(arg, '=') == NULL && (arg[1] == '-' || arg[2] == '\0') &&
     !options_flag_is_switch(arg + (arg[1] == '-' ? 2 : 1)) && *i + 1 < argc)
    rest[(*rest_count)++] = argv[++*i];
  return 0;
}

int compare_parse(struct compare_request *request, int argc, char **argv,
                  char **cause)
{
  char **rest = calloc((size_t)argc + 1, sizeof(*rest));
  int rest_count = 0;
  bool help = false;
  int rc = 0;

  *cause = NULL;
  memset(request, 0, sizeof(*request));
  if(rest == NULL)
    return cause_set(cause, "out of memory");
  for(int mode = 0; mode < COMPARE_MODE_COUNT; mode++)
    request->modes[mode] = true;
  request->workers[0] = 1;
  request->workers[1] = 2;
  request->workers[2] = 4;
  request->worker_count = 3;
  request->repeat = COMPARE_DEFAULT_REPEAT;
  rest[rest_count++] = argv[0];
  for(int i = 1; i < argc && rc == 0; i++) {
    const char *arg = argv[i];

    if(strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
      help = true;
    else if(arg[0] == '-' && arg[1] != '\0')
      rc = take_flag(request, argc, argv, &i, rest, &rest_count, cause);
    else if(request->url_file == NULL)
      request->url_file = arg;
    else
      rc = cause_set(cause, "compare: unexpected argument '%s' (try --help)",
                     arg);
  }
  if(rc == 0)
    rc = options_parse(&request->opts, rest_count, rest, cause);
  free(rest);
  if(rc < 0)
    return -1;
  if(help) {
    request->opts.mode = MODE_HELP;
    return 0;
  }
  if(request->opts.mode == MODE_VERSION)
    return 0;
  if(request->url_file == NULL)
    return cause_set(cause, "compare: URLFILE is missing (try --help)");
  return 0;
}

/* --- the URLs ------------------------------------------------------------ */

/* Each size's URLs in a file of its own, which every run of that size
 * reopens through /proc/self/fd: a job reads a whole file, and these hold
 * exactly the first S URLs. Memory files, so that nothing needs cleaning
 * up, and not in our RSS. */
struct url_sets {
  long long urls_in_file;
  int count;
  long long sizes[COMPARE_MAX_LIST];
  int fds[COMPARE_MAX_LIST];
};

static void url_sets_close(struct url_sets *sets)
{
  for(int i = 0; i < sets->count; i++) {
    if(sets->fds[i] >= 0)
      close(sets->fds[i]);
  }
}

/* Copies every fetchable URL line of the open URL file into the files of
 * the sizes it belongs to. */
static int copy_urls(struct urlfile *input, struct url_sets *sets,
                     FILE **outputs, bool whole, char **cause)
{
  long long bad = 0;

  for(;;) {
    struct urlfile_line line;
    struct pollfd wait = { .fd = urlfile_fd(input), .events = POLLIN };

    switch(urlfile_next(input, &line)) {
      case URLFILE_URL:
        for(int i = 0; i < sets->count; i++) {
          if(whole || sets->urls_in_file < sets->sizes[i])
            fprintf(outputs[i], "%s\n", line.url);
        }
        sets->urls_in_file++;
        break;
      case URLFILE_BAD:
        if(bad++ == 0)
          log_warn("compare: bad lines are left out, such as %s",
                   line.error_message);
        break;
      case URLFILE_SKIP:
        break;
      case URLFILE_AGAIN:
        poll(&wait, 1, -1);
        break;
      case URLFILE_EOF:
        if(bad > 0)
          log_warn("compare: %lld bad lines left out", bad);
        return 0;
      case URLFILE_ERROR:
        return cause_set(cause, "cannot read the URL file: %s",
                         line.error_message);
    }
  }
}

static int load_urls(const struct compare_request *request,
                     struct url_sets *sets, char **cause)
{
  bool whole = request->size_count == 0;
  FILE *outputs[COMPARE_MAX_LIST] = { NULL };
  struct urlfile *input;
  int rc = 0;

  memset(sets, 0, sizeof(*sets));
  sets->count = whole ? 1 : request->size_count;
  for(int i = 0; i < sets->count; i++)
    sets->fds[i] = -1;
  for(int i = 0; i < sets->count && rc == 0; i++) {
    sets->sizes[i] = whole ? 0 : request->sizes[i];
    sets->fds[i] = memfd_create("crawld-compare", MFD_CLOEXEC);
    if(sets->fds[i] >= 0)
      outputs[i] = fdopen(dup(sets->fds[i]), "w");
    if(outputs[i] == NULL)
      rc = cause_set(cause, "cannot make a file for the URLs: %s",
                     strerror(errno));
  }
  input = rc == 0 ? urlfile_open(request->url_file, cause) : NULL;
  if(input != NULL) {
    rc = copy_urls(input, sets, outputs, whole, cause);
    urlfile_close(input);
  }
  else if(rc == 0) {
    rc = -1;
  }
  for(int i = 0; i < sets->count; i++) {
    bool failed = outputs[i] != NULL && ferror(outputs[i]) != 0;

    if(outputs[i] != NULL && (fclose(outputs[i]) != 0 || failed) && rc == 0)
      rc = cause_set(cause, "cannot write the URLs: %s", strerror(errno));
  }
  if(rc == 0 && whole)
    sets->sizes[0] = sets->urls_in_file;
  if(rc == 0 && sets->urls_in_file == 0)
    rc = cause_set(cause, "%s has no URL to fetch", request->url_file);
  if(rc == 0 && sets->sizes[sets->count - 1] > sets->urls_in_file)
    rc = cause_set(cause, "%s has %lld URLs to fetch, fewer than --sizes %lld",
                   request->url_file, sets->urls_in_file,
                   sets->sizes[sets->count - 1]);
  if(rc < 0)
    url_sets_close(sets);
  return rc;
}

/* --- the cells ----------------------------------------------------------- */

static void add_cell(struct compare_results *results, enum compare_mode mode,
                     int workers, long long urls,
                     const struct crawl_options *opts)
{
  struct compare_cell *cell = &results->cells[results->cell_count++];

  cell->mode = mode;
  cell->workers = workers;
  cell->urls = urls;
  cell->inflight = mode == COMPARE_SEQUENTIAL ? 1 : opts->inflight;
  switch(mode) {
    case COMPARE_SEQUENTIAL:
    case COMPARE_THREADS:
      cell->threads = workers;
      break;
    case COMPARE_PROCESSES:
      cell->processes = workers;
      break;
    case COMPARE_MIXED:
    case COMPARE_MODE_COUNT:
      cell->threads = workers / 2;
      cell->processes = workers - workers / 2;
      break;
  }
}

/* By size, then mode, then W; sequential once per size. */
static int plan_cells(const struct compare_request *request,
                      const struct url_sets *sets,
                      struct compare_results *results)
{
  size_t per_size = 0;

  for(int mode = 0; mode < COMPARE_MODE_COUNT; mode++) {
    if(request->modes[mode])
      per_size +=
          mode == COMPARE_SEQUENTIAL ? 1 : (size_t)request->worker_count;
  }
  results->cells =
      calloc(per_size * (size_t)sets->count, sizeof(*results->cells));
  if(results->cells == NULL)
    return -1;
  for(int s = 0; s < sets->count; s++) {
    for(int mode = 0; mode < COMPARE_MODE_COUNT; mode++) {
      if(!request->modes[mode])
        continue;
      if(mode == COMPARE_SEQUENTIAL)
        add_cell(results, COMPARE_SEQUENTIAL, 1, sets->sizes[s],
                 &request->opts);
      for(int w = 0; mode != COMPARE_SEQUENTIAL && w < request->worker_count;
          w++)
        add_cell(results, (enum compare_mode)mode, request->workers[w],
                 sets->sizes[s], &request->opts);
    }
  }
  for(size_t c = 0; c < results->cell_count; c++) {
    results->cells[c].runs =
        calloc((size_t)request->repeat, sizeof(*results->cells[c].runs));
    if(results->cells[c].runs == NULL)
      return -1;
  }
  return 0;
}

static void free_cells(struct compare_results *results)
{
  for(size_t c = 0; results->cells != NULL && c < results->cell_count; c++)
    free(results->cells[c].runs);
  free(results->cells);
}

/* --- progress ------------------------------------------------------------ */

struct progress {
  bool tty; /* one line redrawn in place; else a line per run */
  int run;  /* 1-based */
  int runs;
  int repeat; /* 1-based */
  int repeats;
  const struct compare_cell *cell;
  struct timespec drawn;
};

static double seconds_between(const struct timespec *from,
                              const struct timespec *to)
{
  return (double)(to->tv_sec - from->tv_sec) +
         (double)(to->tv_nsec - from->tv_nsec) / 1e9;
}

static void progress_show(struct progress *progress, long long done,
                          double wall_s)
{
  const struct compare_cell *cell = progress->cell;
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  if(progress->tty) {
    /* A redraw per record would cost more than some records do. */
    if(done < cell->urls && seconds_between(&progress->drawn, &now) < 0.1)
      return;
    fprintf(stderr,
            "\r\033[K[%d/%d] %s W=%d, %lld URLs, repeat %d/%d: "
            "%lld/%lld",
            progress->run, progress->runs, compare_mode_name(cell->mode),
            cell->workers, cell->urls, progress->repeat, progress->repeats,
            done, cell->urls);
  }
  else if(wall_s >= 0) {
    fprintf(stderr,
            "compare: [%d/%d] %s W=%d, %lld URLs, repeat %d/%d: "
            "%lld/%lld records in %.3f s\n",
            progress->run, progress->runs, compare_mode_name(cell->mode),
            cell->workers, cell->urls, progress->repeat, progress->repeats,
            done, cell->urls, wall_s);
  }
  progress->drawn = now;
}

/* --- one run ------------------------------------------------------------- */

/* What the watch hooks gather during one run. */
struct run {
  struct progress *progress;
  long long urls;
  struct timespec started; /* CLOCK_MONOTONIC, just before the pool */
  long long records;
  long long errors;
  size_t latency_count;
  double *latencies; /* total_ms of each worker answer */
  /* Per worker slot: ms after the start when it began its first
   * transfer, NaN until it answered. */
  double began_ms[OPTIONS_MAX_WORKERS];
  bool is_process[OPTIONS_MAX_WORKERS];
  double wall_s;
  long supervisor_peak_kb;
  long workers_peak_kb;
  long long robots_fetches;
  long long politeness_waits;
};

/* A "Name:   1234 kB" line of a /proc status file; -1 if missing. */
static long status_kb(const char *path, const char *name)
{
  char line[256];
  long kb = -1;
  size_t len = strlen(name);
  FILE *file = fopen(path, "re");

  if(file == NULL)
    return -1;
  while(fgets(line, sizeof(line), file) != NULL) {
    if(strncmp(line, name, len) == 0 && line[len] == ':') {
      kb = strtol(line + len + 1, NULL, 10);
      break;
    }
  }
  fclose(file);
  return kb;
}

/* Sets this process's VmHWM back to its current RSS (Linux 4.0 and later),
 * so that each run's peak is its own. */
static bool reset_peak_rss(void)
{
  int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  bool done = fd >= 0 && write(fd, "5", 1) == 1;

  if(fd >= 0)
    close(fd);
  return done;
}

static void on_answer(void *arg, const struct result_summary *answer)
{
  struct run *run = arg;
  int id = answer->worker_id;
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  run->records++;
  if(answer->error != RESULT_OK)
    run->errors++;
  /* worker_crash records made by the pool have no worker and no timing. */
  if(answer->has_worker && id >= 0 && id < OPTIONS_MAX_WORKERS) {
    double began =
        seconds_between(&run->started, &now) * 1000 - answer->total_ms;

    if(run->latency_count < (size_t)run->urls)
      run->latencies[run->latency_count++] = answer->total_ms;
    if(isnan(run->began_ms[id]) || began < run->began_ms[id]) {
      run->began_ms[id] = began;
      run->is_process[id] = answer->worker_kind == WORKER_PROCESS;
    }
  }
  progress_show(run->progress, run->records, -1);
}

/* Every record is in and the workers still run: their peaks are still
 * there to read. */
static void on_finished(void *arg, const struct pool *pool,
                        const struct frontier_counts *counts)
{
  struct run *run = arg;
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  run->wall_s = seconds_between(&run->started, &now);
  run->robots_fetches = counts->robots_fetches;
  run->politeness_waits = counts->delay_waits;
  run->supervisor_peak_kb = status_kb("/proc/self/status", "VmHWM");
  run->workers_peak_kb = 0;
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    struct pool_worker_info info;
    char path[64];
    long kb;

    if(!pool_worker_info(pool, i, &info) || info.kind != WORKER_PROCESS)
      continue;
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)info.pid);
    kb = status_kb(path, "VmHWM");
    if(kb > 0)
      run->workers_peak_kb += kb;
  }
}

static double cpu_seconds(const struct timeval *before,
                          const struct timeval *after)
{
  return (double)(after->tv_sec - before->tv_sec) +
         (double)(after->tv_usec - before->tv_usec) / 1e6;
}

/* The mean start-up of the workers of one kind that answered; NaN if
 * none. */
static double mean_startup(const struct run *run, bool processes)
{
  double sum = 0;
  int count = 0;

  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++) {
    if(!isnan(run->began_ms[i]) && run->is_process[i] == processes) {
      sum += run->began_ms[i];
      count++;
    }
  }
  return count > 0 ? sum / count : NAN;
}

static void fill_measures(const struct run *run,
                          const struct compare_cell *cell,
                          const struct rusage usage[4], long baseline_kb,
                          double *row)
{
  double rss_kb = (double)(run->supervisor_peak_kb + run->workers_peak_kb);

  compare_sort(run->latencies, run->latency_count);
  row[COMPARE_wall_s] = run->wall_s;
  row[COMPARE_pages_per_s] =
      run->wall_s > 0 ? (double)run->records / run->wall_s : NAN;
  row[COMPARE_latency_p50_ms] =
      compare_percentile(run->latencies, run->latency_count, 0.5);
  row[COMPARE_latency_p99_ms] =
      compare_percentile(run->latencies, run->latency_count, 0.99);
  row[COMPARE_cpu_user_s] =
      cpu_seconds(&usage[0].ru_utime, &usage[1].ru_utime) +
      cpu_seconds(&usage[2].ru_utime, &usage[3].ru_utime);
  row[COMPARE_cpu_sys_s] =
      cpu_seconds(&usage[0].ru_stime, &usage[1].ru_stime) +
      cpu_seconds(&usage[2].ru_stime, &usage[3].ru_stime);
  row[COMPARE_rss_total_kb] = run->supervisor_peak_kb > 0 ? rss_kb : NAN;
  row[COMPARE_rss_per_worker_kb] =
      run->supervisor_peak_kb > 0 && baseline_kb > 0
          ? (rss_kb - (double)baseline_kb) / cell->workers
          : NAN;
  row[COMPARE_startup_thread_ms] = mean_startup(run, false);
  row[COMPARE_startup_process_ms] = mean_startup(run, true);
  row[COMPARE_records] = (double)run->records;
  row[COMPARE_errors] = (double)run->errors;
  row[COMPARE_robots_fetches] = (double)run->robots_fetches;
  row[COMPARE_politeness_waits] = (double)run->politeness_waits;
}

/* One run of a cell, into row; -1 when the crawl failed (logged). */
static int run_once(const struct compare_request *request,
                    const struct compare_cell *cell, int fd, const char *exe,
                    struct progress *progress, double *row, int *threads_left)
{
  static bool peak_warned;
  struct crawl_options opts = request->opts;
  struct supervisor_watch watch = { on_answer, on_finished, NULL };
  struct run run = { 0 };
  struct rusage usage[4]; /* self before, after; children before, after */
  struct job_counts counts;
  char path[64];
  long baseline_kb;
  int status;

  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  opts.mode = MODE_ONCE;
  opts.url_file = path;
  opts.output = "/dev/null";
  opts.job = "compare";
  opts.threads = cell->threads;
  opts.processes = cell->processes;
  opts.inflight = cell->inflight;
  run.progress = progress;
  run.urls = cell->urls;
  run.latencies = calloc((size_t)cell->urls, sizeof(*run.latencies));
  if(run.latencies == NULL) {
    log_err("compare: out of memory");
    return -1;
  }
  for(int i = 0; i < OPTIONS_MAX_WORKERS; i++)
    run.began_ms[i] = NAN;
  if(!reset_peak_rss() && !peak_warned) {
    peak_warned = true;
    log_warn("compare: cannot reset the peak RSS (%s): the supervisor's "
             "peak covers every run so far",
             strerror(errno));
  }
  baseline_kb = status_kb("/proc/self/status", "VmRSS");
  watch.arg = &run;
  getrusage(RUSAGE_SELF, &usage[0]);
  getrusage(RUSAGE_CHILDREN, &usage[2]);
  clock_gettime(CLOCK_MONOTONIC, &run.started);
  status = supervisor_crawl(&opts, exe, &watch, &counts, threads_left);
  getrusage(RUSAGE_SELF, &usage[1]);
  getrusage(RUSAGE_CHILDREN, &usage[3]);
  if(status == 0 && run.records != cell->urls) {
    log_err("compare: %s W=%d got %lld records for %lld URLs",
            compare_mode_name(cell->mode), cell->workers, run.records,
            cell->urls);
    status = 1;
  }
  if(status == 0) {
    fill_measures(&run, cell, usage, baseline_kb, row);
    progress_show(progress, run.records, run.wall_s);
  }
  free(run.latencies);
  return status == 0 ? 0 : -1;
}

/* Every cell once per repeat; -1 when a run failed. */
static int run_all(const struct compare_request *request,
                   const struct url_sets *sets,
                   struct compare_results *results, const char *exe,
                   int *threads_left)
{
  struct progress progress = { 0 };

  progress.tty = isatty(STDERR_FILENO);
  progress.runs = (int)results->cell_count * request->repeat;
  progress.repeats = request->repeat;
  for(int r = 0; r < request->repeat; r++) {
    for(size_t c = 0; c < results->cell_count; c++) {
      struct compare_cell *cell = &results->cells[c];
      int set = 0;

      while(sets->sizes[set] != cell->urls)
        set++;
      progress.run++;
      progress.repeat = r + 1;
      progress.cell = cell;
      progress.drawn = (struct timespec){ 0 };
      if(run_once(request, cell, sets->fds[set], exe, &progress, cell->runs[r],
                  threads_left) < 0 ||
         *threads_left > 0)
        return -1;
    }
  }
  if(progress.tty)
    fputs("\r\033[K", stderr);
  return 0;
}

int compare_run(const struct compare_request *request, const char *exe,
                int *threads_left)
{
  struct compare_results results = { 0 };
  struct url_sets sets;
  char *cause = NULL;
  int status = 0;

  *threads_left = 0;
  results.request = request;
  results.cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
  clock_gettime(CLOCK_REALTIME, &results.started_at);
  if(load_urls(request, &sets, &cause) < 0) {
    log_err("compare: %s", cause != NULL ? cause : "out of memory");
    free(cause);
    return 1;
  }
  results.urls_in_file = sets.urls_in_file;
  results.size_count = sets.count;
  memcpy(results.sizes, sets.sizes, sizeof(sets.sizes));
  if(plan_cells(request, &sets, &results) < 0) {
    log_err("compare: out of memory");
    status = 1;
  }
  else if(run_all(request, &sets, &results, exe, threads_left) < 0) {
    log_err("compare: stopped; no report written");
    status = 1;
  }
  else {
    clock_gettime(CLOCK_REALTIME, &results.finished_at);
    compare_results_summarize(&results);
    compare_print_table(stdout, &results);
    if(fflush(stdout) != 0)
      status = 1;
    if(request->csv_path != NULL &&
       compare_write_csv(request->csv_path, &results) < 0)
      status = 1;
    if(request->json_path != NULL &&
       compare_write_json(request->json_path, &results) < 0)
      status = 1;
    if(request->svg_path != NULL &&
       compare_write_svg(request->svg_path, &results) < 0)
      status = 1;
    if(request->write_last &&
       compare_write_last(request->opts.state_dir, &results) < 0)
      status = 1;
  }
  free_cells(&results);
  url_sets_close(&sets);
  return status;
}
