/* crawlctl.c - the command-line client of crawld.
 *
 * Each command is one request on one of the two control sockets
 * (ctlclient.h): read-only ones on status.sock, which anyone may use, and
 * the ones that steer crawld on control.sock, which only its group may.
 * Answers are printed as tables, or with --json as the result object on
 * one line. The reply shapes come from src/commands.c; crawlctl(1)
 * documents every field. Keys crawlctl does not know are skipped in tables
 * and passed through with --json, since crawld only ever adds keys. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctlclient.h"

#define DEFAULT_RUNTIME_DIR "/run/crawld"
#define DEFAULT_TIMEOUT_S 10.0
/* What crawld's own lines look like (proto.c), so that --json prints the
 * numbers as crawld sent them. */
#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

/* ANSI sequences of the live view. The alternate screen keeps what was on
 * the terminal before; a terminal without one is cleared on exit instead,
 * so either way no half-drawn frame is left behind. */
#define SCREEN_ENTER "\033[?1049h\033[?25l"
#define SCREEN_FRAME "\033[H\033[2J"
#define SCREEN_LEAVE "\033[H\033[2J\033[?1049l\033[?25h"

struct cli {
  const char *runtime_dir;
  bool json;
  double timeout_s;
};

struct command {
  const char *name;
  bool admin; /* only served on control.sock */
  int min_args;
  int max_args; /* -1: no limit */
  const char *args;
  const char *summary;
  int (*run)(struct ctlclient *client, const struct cli *cli, char **args,
             int count);
};

/* Table cells are built in one of these, returned by value so a printf()
 * can take several at once. */
struct text {
  char s[80];
};

static const char *const kinds[3] = { "thread", "process", "total" };

static volatile sig_atomic_t interrupted;

static int set_error(struct ctlclient *client, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int set_error(struct ctlclient *client, int code, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(client->error, sizeof(client->error), fmt, ap);
  va_end(ap);
  return code;
}

/* The value at a dotted path such as "urls.done", or NULL. */
static json_t *at(json_t *root, const char *path)
{
  char key[64];

  while(root != NULL && *path != '\0') {
    size_t len = strcspn(path, ".");

    if(len >= sizeof(key))
      return NULL;
    memcpy(key, path, len);
    key[len] = '\0';
    root = json_object_get(root, key);
    path += len;
    if(*path == '.')
      path++;
  }
  return root;
}

static const char *str(json_t *value)
{
  return json_is_string(value) ? json_string_value(value) : "-";
}

/* Integers whole, reals with that many decimals, anything else "-". */
static struct text number(json_t *value, int decimals)
{
  struct text text;

  if(json_is_integer(value))
    snprintf(text.s, sizeof(text.s), "%" JSON_INTEGER_FORMAT,
             json_integer_value(value));
  else if(json_is_real(value))
    snprintf(text.s, sizeof(text.s), "%.*f", decimals, json_real_value(value));
  else
    snprintf(text.s, sizeof(text.s), "-");
  return text;
}

/* A count that crawld reports as -1 when it does not know it. */
static struct text count(json_t *value)
{
  if(json_is_integer(value) && json_integer_value(value) < 0)
    return number(NULL, 0);
  return number(value, 0);
}

/* 45s, 3m05s, 2h03m, 1d02h; "-" for null (an ETA crawld cannot tell). */
static struct text duration(json_t *value)
{
  struct text text;
  long long s;

  if(!json_is_number(value) || json_number_value(value) < 0)
    return number(NULL, 0);
  s = (long long)(json_number_value(value) + 0.5);
  if(s < 60)
    snprintf(text.s, sizeof(text.s), "%llds", s);
  else if(s < 3600)
    snprintf(text.s, sizeof(text.s), "%lldm%02llds", s / 60, s % 60);
  else if(s < 86400)
    snprintf(text.s, sizeof(text.s), "%lldh%02lldm", s / 3600, s % 3600 / 60);
  else
    snprintf(text.s, sizeof(text.s), "%lldd%02lldh", s / 86400,
             s % 86400 / 3600);
  return text;
}

static struct text byte_size(json_t *value)
{
  static const char *const units[] = {
    "B", "KiB", "MiB", "GiB", "TiB", "PiB"
  };
  struct text text;
  double size;
  int unit = 0;

  if(!json_is_integer(value))
    return number(NULL, 0);
  size = (double)json_integer_value(value);
  while(size >= 1024 && unit < 5) {
    size /= 1024;
    unit++;
  }
  if(unit == 0)
    snprintf(text.s, sizeof(text.s), "%.0f B", size);
  else
    snprintf(text.s, sizeof(text.s), "%.1f %s", size, units[unit]);
  return text;
}

static struct text percent(json_t *done, json_t *total)
{
  struct text text;

  if(!json_is_integer(done) || !json_is_integer(total) ||
     json_integer_value(total) <= 0)
    return number(NULL, 0);
  snprintf(text.s, sizeof(text.s), "%.1f%%",
           100.0 * (double)json_integer_value(done) /
               (double)json_integer_value(total));
  return text;
}

static void print_json(json_t *result)
{
  char *line = json_dumps(result, JSON_FLAGS);

  if(line != NULL)
    puts(line);
  free(line);
}

/* label, then one column per kind: thread, process, total. */
static void print_kind_row(const char *label, json_t *const values[3],
                           int decimals)
{
  printf("%-18s", label);
  for(int k = 0; k < 3; k++)
    printf(" %11s", number(values[k], decimals).s);
  printf("\n");
}

static void print_kind_header(void)
{
  printf("\n%-18s %11s %11s %11s\n", "", kinds[0], kinds[1], kinds[2]);
}

/* One row of the kind table from the same path under each column. */
static void print_path_row(const char *label, json_t *const columns[3],
                           const char *path, int decimals)
{
  json_t *values[3];

  for(int k = 0; k < 3; k++)
    values[k] = at(columns[k], path);
  print_kind_row(label, values, decimals);
}

/* "name n, name n" for an object of counts; "none" when it is empty. */
static void print_counts(const char *label, json_t *counts)
{
  const char *key;
  json_t *value;
  bool first = true;

  printf("%-12s", label);
  json_object_foreach(counts, key, value)
  {
    printf("%s%s %s", first ? "" : ", ", key, number(value, 0).s);
    first = false;
  }
  printf("%s\n", first ? "none" : "");
}

/* Throughput and latency by kind: both status and stats carry them. */
static void print_performance(json_t *result)
{
  static const char *const windows[3] = { "10s", "1m", "5m" };
  static const char *const window_labels[3] = { "URLs/s (10 s)",
                                                "URLs/s (1 min)",
                                                "URLs/s (5 min)" };
  static const char *const quantiles[3] = { "p50", "p90", "p99" };
  json_t *throughput[3];
  json_t *latency[3];

  for(int k = 0; k < 3; k++) {
    throughput[k] = at(at(result, "throughput"), kinds[k]);
    latency[k] = at(at(result, "latency_ms"), kinds[k]);
  }
  for(int i = 0; i < 3; i++)
    print_path_row(window_labels[i], throughput, windows[i], 1);
  for(int i = 0; i < 3; i++) {
    char label[32];

    snprintf(label, sizeof(label), "latency %s (ms)", quantiles[i]);
    print_path_row(label, latency, quantiles[i], 1);
  }
}

static void print_status(json_t *status, json_t *stats)
{
  json_t *counters[3] = { at(stats, "by_kind.thread"),
                          at(stats, "by_kind.process"), at(stats, "total") };
  struct text running[3];
  struct text restarts[3];
  json_int_t sum_running = 0;
  json_int_t sum_configured = 0;
  json_int_t sum_restarts = 0;

  printf("crawld %s, %s, pid %s, up %s\n", str(at(status, "version")),
         str(at(status, "state")), number(at(status, "pid"), 0).s,
         duration(at(status, "uptime_s")).s);
  printf("%-12s%s\n", "config", str(at(status, "config")));
  printf("%-12s%s\n", "state dir", str(at(status, "state_dir")));
  printf("%-12s%s queued, %s active, %s done, %s failed\n", "jobs",
         number(at(status, "jobs.queued"), 0).s,
         number(at(status, "jobs.active"), 0).s,
         number(at(status, "jobs.done"), 0).s,
         number(at(status, "jobs.failed"), 0).s);
  printf("%-12s%s queued, %s in flight, %s done, %s failed\n", "URLs",
         number(at(status, "urls.queued"), 0).s,
         number(at(status, "urls.in_flight"), 0).s,
         number(at(status, "urls.done"), 0).s,
         number(at(status, "urls.failed"), 0).s);
  printf("%-12s%s (%s)\n", "bytes", number(at(status, "bytes"), 0).s,
         byte_size(at(status, "bytes")).s);
  print_counts("errors", at(status, "errors_by_code"));
  print_counts("statuses", at(status, "status_classes"));

  /* status counts workers per kind only: the total is added up here. */
  for(int k = 0; k < 2; k++) {
    json_t *kind = at(at(status, "workers"), kinds[k]);

    sum_running += json_integer_value(at(kind, "running"));
    sum_configured += json_integer_value(at(kind, "configured"));
    sum_restarts += json_integer_value(at(kind, "restarts"));
    snprintf(running[k].s, sizeof(running[k].s), "%.30s/%.30s",
             number(at(kind, "running"), 0).s,
             number(at(kind, "configured"), 0).s);
    restarts[k] = number(at(kind, "restarts"), 0);
  }
  snprintf(running[2].s, sizeof(running[2].s),
           "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT, sum_running,
           sum_configured);
  snprintf(restarts[2].s, sizeof(restarts[2].s), "%" JSON_INTEGER_FORMAT,
           sum_restarts);
  print_kind_header();
  printf("%-18s %11s %11s %11s\n", "workers running", running[0].s,
         running[1].s, running[2].s);
  printf("%-18s %11s %11s %11s\n", "worker restarts", restarts[0].s,
         restarts[1].s, restarts[2].s);
  print_path_row("URLs done", counters, "ok", 0);
  print_path_row("URLs failed", counters, "errors", 0);
  print_path_row("bytes", counters, "bytes", 0);
  print_performance(status);
}

static void print_stats(json_t *stats)
{
  json_t *counters[3] = { at(stats, "by_kind.thread"),
                          at(stats, "by_kind.process"), at(stats, "total") };
  const char *key;
  json_t *value;

  print_kind_header();
  /* Every counter crawld sends, in its order, known to crawlctl or not. */
  json_object_foreach(counters[2], key, value)
  {
    if(json_is_integer(value))
      print_path_row(key, counters, key, 0);
  }
  json_object_foreach(at(counters[2], "errors_by_code"), key, value)
  {
    json_t *codes[3];
    char label[64];

    /* A code a kind never saw is not listed under it: zero. */
    for(int k = 0; k < 3; k++) {
      codes[k] = at(at(counters[k], "errors_by_code"), key);
      if(codes[k] == NULL)
        codes[k] = json_integer(0);
      else
        json_incref(codes[k]);
    }
    snprintf(label, sizeof(label), "error %s", key);
    print_kind_row(label, codes, 0);
    for(int k = 0; k < 3; k++)
      json_decref(codes[k]);
  }
  print_performance(stats);
}

static size_t id_width(json_t *jobs)
{
  size_t width = 2;
  size_t index;
  json_t *job;

  json_array_foreach(jobs, index, job)
  {
    size_t len = strlen(str(at(job, "id")));

    if(len > width)
      width = len;
  }
  return width;
}

static void print_jobs(json_t *result)
{
  json_t *jobs = at(result, "jobs");
  int width = (int)id_width(jobs);
  size_t index;
  json_t *job;

  if(json_array_size(jobs) == 0) {
    printf("no jobs\n");
    return;
  }
  printf("%-*s  %-7s %9s %9s %9s %9s %9s %8s\n", width, "ID", "STATE", "TOTAL",
         "DONE", "FAILED", "IN FLIGHT", "URLS/S", "ETA");
  json_array_foreach(jobs, index, job)
  {
    printf("%-*s  %-7s %9s %9s %9s %9s %9s %8s\n", width, str(at(job, "id")),
           str(at(job, "state")), count(at(job, "total")).s,
           number(at(job, "done"), 0).s, number(at(job, "failed"), 0).s,
           number(at(job, "in_flight"), 0).s, number(at(job, "rate"), 1).s,
           duration(at(job, "eta_s")).s);
  }
}

static void print_job(json_t *job)
{
  json_t *finished_at = at(job, "finished_at");

  printf("%-12s%s\n", "id", str(at(job, "id")));
  printf("%-12s%s\n", "state", str(at(job, "state")));
  /* A queued job has only an id and a state so far. */
  if(at(job, "total") == NULL)
    return;
  printf("%-12s%s\n", "total", count(at(job, "total")).s);
  printf("%-12s%s (%s)\n", "done", number(at(job, "done"), 0).s,
         percent(at(job, "done"), at(job, "total")).s);
  printf("%-12s%s\n", "ok", number(at(job, "ok"), 0).s);
  printf("%-12s%s\n", "failed", number(at(job, "failed"), 0).s);
  if(at(job, "in_flight") != NULL) {
    printf("%-12s%s\n", "in flight", number(at(job, "in_flight"), 0).s);
    printf("%-12s%s URLs/s\n", "rate", number(at(job, "rate"), 1).s);
    printf("%-12s%s\n", "ETA", duration(at(job, "eta_s")).s);
  }
  if(json_is_integer(finished_at)) {
    time_t when = (time_t)json_integer_value(finished_at);
    char text[64];
    struct tm local;

    if(localtime_r(&when, &local) != NULL &&
       strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S %z", &local) > 0)
      printf("%-12s%s\n", "finished", text);
  }
}

static void print_workers(json_t *result)
{
  size_t index;
  json_t *worker;

  printf("%-8s %4s %8s %-9s %9s %9s %9s %8s %8s %9s\n", "KIND", "ID", "PID",
         "STATE", "IN FLIGHT", "DONE", "ERRORS", "RESTARTS", "CPU S",
         "RSS KIB");
  json_array_foreach(at(result, "workers"), index, worker)
  {
    printf(
        "%-8s %4s %8s %-9s %9s %9s %9s %8s %8s %9s\n", str(at(worker, "kind")),
        number(at(worker, "id"), 0).s, number(at(worker, "pid"), 0).s,
        str(at(worker, "state")), number(at(worker, "in_flight"), 0).s,
        number(at(worker, "done"), 0).s, number(at(worker, "errors"), 0).s,
        number(at(worker, "restarts"), 0).s, number(at(worker, "cpu_s"), 2).s,
        number(at(worker, "rss_kb"), 0).s);
  }
}

static void print_state(json_t *result)
{
  printf("%s\n", str(at(result, "state")));
}

/* The job id alone, so that scripts can take $(crawlctl submit FILE). */
static void print_submitted(json_t *result)
{
  printf("%s\n", str(at(result, "job")));
}

static void print_reloaded(json_t *result)
{
  (void)result;
  printf("reloaded\n");
}

/* One request and its answer, printed as JSON or by human(). */
static int show(struct ctlclient *client, const struct cli *cli,
                const char *cmd, json_t *args, void (*human)(json_t *result))
{
  json_t *result;
  int rc = ctlclient_call(client, cmd, args, &result);

  if(rc != 0)
    return rc;
  if(cli->json)
    print_json(result);
  else
    human(result);
  json_decref(result);
  return 0;
}

static int run_status(struct ctlclient *client, const struct cli *cli,
                      char **args, int count)
{
  json_t *status;
  json_t *stats;
  int rc;

  (void)args;
  (void)count;
  if(cli->json)
    return show(client, cli, "status", NULL, NULL);
  rc = ctlclient_call(client, "status", NULL, &status);
  if(rc != 0)
    return rc;
  /* status has no per-kind counters; stats has them, for the table that
   * puts threads and processes side by side. */
  rc = ctlclient_call(client, "stats", NULL, &stats);
  if(rc == 0)
    print_status(status, stats);
  json_decref(status);
  json_decref(stats);
  return rc;
}

static int run_jobs(struct ctlclient *client, const struct cli *cli,
                    char **args, int count)
{
  (void)args;
  (void)count;
  return show(client, cli, "jobs", NULL, print_jobs);
}

static int run_job(struct ctlclient *client, const struct cli *cli,
                   char **args, int count)
{
  json_t *request = json_pack("{s:s}", "id", args[0]);
  int rc;

  (void)count;
  rc = show(client, cli, "job", request, print_job);
  json_decref(request);
  return rc;
}

static int run_workers(struct ctlclient *client, const struct cli *cli,
                       char **args, int count)
{
  (void)args;
  (void)count;
  return show(client, cli, "workers", NULL, print_workers);
}

static int run_stats(struct ctlclient *client, const struct cli *cli,
                     char **args, int count)
{
  (void)args;
  (void)count;
  return show(client, cli, "stats", NULL, print_stats);
}

static int run_pause(struct ctlclient *client, const struct cli *cli,
                     char **args, int count)
{
  (void)args;
  (void)count;
  return show(client, cli, "pause", NULL, print_state);
}

static int run_resume(struct ctlclient *client, const struct cli *cli,
                      char **args, int count)
{
  (void)args;
  (void)count;
  return show(client, cli, "resume", NULL, print_state);
}

static int run_drain(struct ctlclient *client, const struct cli *cli,
                     char **args, int count)
{
  (void)args;
  (void)count;
  return show(client, cli, "drain", NULL, print_state);
}

static int run_reload(struct ctlclient *client, const struct cli *cli,
                      char **args, int count)
{
  (void)args;
  (void)count;
  return show(client, cli, "reload", NULL, print_reloaded);
}

/* Copies everything from in to out; 0 or an errno. */
static int copy_fd(int in, int out)
{
  char chunk[65536];

  for(;;) {
    ssize_t got = read(in, chunk, sizeof(chunk));
    size_t put = 0;

    if(got < 0 && errno == EINTR)
      continue;
    if(got < 0)
      return errno;
    if(got == 0)
      return 0;
    while(put < (size_t)got) {
      ssize_t wrote = write(out, chunk + put, (size_t)got - put);

      if(wrote < 0 && errno == EINTR)
        continue;
      if(wrote < 0)
        return errno;
      put += (size_t)wrote;
    }
  }
}

static int file_error(struct ctlclient *client, int error, const char *what,
                      const char *path)
{
  return set_error(client,
                   error == EACCES || error == EPERM ? CTL_EXIT_DENIED
                                                     : CTL_EXIT_ERROR,
                   "%s %s: %s", what, path, strerror(error));
}

/* The producer's name for file in incoming/: its base name, made unique
 * with our pid and a counter, since a name already there would be
 * replaced; leading dots go, since crawld leaves dot-files alone. */
static void spool_name(const char *file, unsigned serial, char *name,
                       size_t size)
{
  const char *base = strrchr(file, '/');

  base = base != NULL ? base + 1 : file;
  if(strcmp(file, "-") == 0)
    base = "stdin";
  base += strspn(base, ".");
  if(*base == '\0')
    base = "job";
  snprintf(name, size, "%.100s.%ld.%u", base, (long)getpid(), serial);
}

/* Writes file (or standard input for "-") into incoming/.tmp/, renames it
 * into incoming/ (spool.h), and asks crawld which job it became. */
static int submit_one(struct ctlclient *client, const struct cli *cli,
                      const char *state_dir, const char *file, unsigned serial)
{
  char name[160];
  char *tmp_path = NULL;
  char *final_path = NULL;
  json_t *request;
  bool created = false;
  bool renamed = false;
  int in = STDIN_FILENO;
  int out = -1;
  int error;
  int rc;

  spool_name(file, serial, name, sizeof(name));
  if(asprintf(&tmp_path, "%s/incoming/.tmp/%s", state_dir, name) < 0 ||
     asprintf(&final_path, "%s/incoming/%s", state_dir, name) < 0) {
    free(tmp_path);
    return set_error(client, CTL_EXIT_ERROR, "out of memory");
  }
  if(strcmp(file, "-") != 0)
    in = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if(in < 0) {
    rc = file_error(client, errno, "cannot open", file);
    goto done;
  }
  out = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if(out < 0) {
    rc = file_error(client, errno, "cannot create", tmp_path);
    goto done;
  }
  created = true;
  error = copy_fd(in, out);
  if(error != 0) {
    rc = file_error(client, error, "cannot copy", file);
    goto done;
  }
  /* The data must be on disk before the name is: crawld claims a file the
   * moment it appears, and fsyncs only directories. */
  if(fsync(out) < 0) {
    rc = file_error(client, errno, "cannot write", tmp_path);
    goto done;
  }
  error = close(out) < 0 ? errno : 0;
  out = -1;
  if(error != 0) {
    rc = file_error(client, error, "cannot write", tmp_path);
    goto done;
  }
  if(rename(tmp_path, final_path) < 0) {
    rc = file_error(client, errno, "cannot rename into", final_path);
    goto done;
  }
  renamed = true;
  request = json_pack("{s:s}", "name", name);
  rc = show(client, cli, "submit", request, print_submitted);
  json_decref(request);
done:
  if(out >= 0)
    close(out);
  if(in > STDIN_FILENO)
    close(in);
  /* Once renamed, the file is crawld's, claimed or waiting. */
  if(rc != 0 && created && !renamed)
    unlink(tmp_path);
  free(tmp_path);
  free(final_path);
  return rc;
}

static int run_submit(struct ctlclient *client, const struct cli *cli,
                      char **args, int count)
{
  json_t *status;
  const char *state_dir;
  int rc;

  rc = ctlclient_call(client, "status", NULL, &status);
  if(rc != 0)
    return rc;
  state_dir = str(at(status, "state_dir"));
  /* A relative one would be relative to crawld's working directory. */
  if(state_dir[0] != '/') {
    rc = set_error(client, CTL_EXIT_ERROR,
                   "crawld reports state_dir %s, not an absolute path",
                   state_dir);
    json_decref(status);
    return rc;
  }
  for(int i = 0; i < count && rc == 0; i++)
    rc = submit_one(client, cli, state_dir, args[i], (unsigned)i);
  json_decref(status);
  return rc;
}

static void on_signal(int signal_number)
{
  (void)signal_number;
  interrupted = 1;
}

static int terminal_columns(void)
{
  struct winsize size;

  if(ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 80;
}

static struct text clock_now(void)
{
  struct text text = { "" };
  time_t now = time(NULL);
  struct tm local;

  if(localtime_r(&now, &local) != NULL)
    strftime(text.s, sizeof(text.s), "%H:%M:%S", &local);
  return text;
}

static void draw_bar(FILE *out, json_t *job, int width)
{
  json_int_t done = json_integer_value(at(job, "done"));
  json_int_t total = json_integer_value(at(job, "total"));
  int filled = total > 0 ? (int)((double)done * width / (double)total) : 0;

  if(filled > width)
    filled = width;
  fputc('[', out);
  for(int i = 0; i < width; i++)
    fputc(i < filled ? '#' : '-', out);
  fprintf(out, "] %s\n", percent(at(job, "done"), at(job, "total")).s);
}

/* A frame for the terminal: every active job with its bar, then the
 * throughput of each kind. */
static void draw_screen(FILE *out, json_t *frame, const char *only)
{
  static const char *const windows[3] = { "10s", "1m", "5m" };
  int width = terminal_columns() - 10;
  json_t *jobs = at(frame, "jobs");
  size_t index;
  json_t *job;

  if(width > 60)
    width = 60;
  if(width < 10)
    width = 10;
  fprintf(out,
          "crawld %s, %zu active and %s queued jobs, %s URLs in flight"
          "   %s\n\n",
          str(at(frame, "state")), json_array_size(jobs),
          number(at(frame, "queued_jobs"), 0).s,
          number(at(frame, "in_flight"), 0).s, clock_now().s);
  if(json_array_size(jobs) == 0) {
    if(only != NULL)
      fprintf(out, "job %s is not active\n\n", only);
    else
      fprintf(out, "no active jobs\n\n");
  }
  json_array_foreach(jobs, index, job)
  {
    fprintf(out, "%s\n", str(at(job, "id")));
    draw_bar(out, job, width);
    fprintf(out, "%s/%s done, %s failed, %s in flight, %s URLs/s, ETA %s\n\n",
            number(at(job, "done"), 0).s, count(at(job, "total")).s,
            number(at(job, "failed"), 0).s, number(at(job, "in_flight"), 0).s,
            number(at(job, "rate"), 1).s, duration(at(job, "eta_s")).s);
  }
  fprintf(out, "%-10s %9s %9s %9s %9s\n", "URLs/s", "10 s", "1 min", "5 min",
          "p50 ms");
  for(int k = 0; k < 3; k++) {
    json_t *rates = at(at(frame, "throughput"), kinds[k]);

    fprintf(out, "%-10s", kinds[k]);
    for(int w = 0; w < 3; w++)
      fprintf(out, " %9s", number(at(rates, windows[w]), 1).s);
    fprintf(out, " %9s\n",
            number(at(at(at(frame, "latency_ms"), kinds[k]), "p50"), 1).s);
  }
  fprintf(out, "\nCtrl-C to quit\n");
}

/* A frame as one line, for a pipe or a file. */
static void draw_line(FILE *out, json_t *frame)
{
  json_t *throughput = at(frame, "throughput");
  size_t index;
  json_t *job;

  fprintf(out, "%s %s in_flight=%s queued_jobs=%s rate=%s/s", clock_now().s,
          str(at(frame, "state")), number(at(frame, "in_flight"), 0).s,
          number(at(frame, "queued_jobs"), 0).s,
          number(at(throughput, "total.10s"), 1).s);
  for(int k = 0; k < 2; k++)
    fprintf(out, " %s=%s/s", kinds[k],
            number(at(at(throughput, kinds[k]), "10s"), 1).s);
  json_array_foreach(at(frame, "jobs"), index, job)
  {
    fprintf(out, " | %s %s/%s %s failed=%s %s/s eta=%s", str(at(job, "id")),
            number(at(job, "done"), 0).s, count(at(job, "total")).s,
            percent(at(job, "done"), at(job, "total")).s,
            number(at(job, "failed"), 0).s, number(at(job, "rate"), 1).s,
            duration(at(job, "eta_s")).s);
  }
  fputc('\n', out);
}

static void draw(const struct cli *cli, bool screen, json_t *frame,
                 const char *only)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out;

  if(cli->json) {
    print_json(frame);
    return;
  }
  if(!screen) {
    draw_line(stdout, frame);
    return;
  }
  /* Built first and written at once, so the terminal never shows a frame
   * half drawn. */
  out = open_memstream(&text, &len);
  if(out == NULL)
    return;
  fputs(SCREEN_FRAME, out);
  draw_screen(out, frame, only);
  if(fclose(out) == 0)
    fwrite(text, 1, len, stdout);
  free(text);
}

static void catch_signals(void)
{
  struct sigaction action;

  memset(&action, 0, sizeof(action));
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  /* No SA_RESTART: the wait for the next frame must end at once. */
  action.sa_flags = 0;
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGHUP, &action, NULL);
}

/* Reads frames until Ctrl-C (exit 0), crawld's last line (exit 0), or an
 * error. */
static int watch_frames(struct ctlclient *client, const struct cli *cli,
                        bool screen, long long id, const char *only)
{
  for(;;) {
    json_t *reply;
    json_t *frame;
    const char *code;
    int rc = ctlclient_receive(client, id, &reply);

    if(rc != 0)
      return rc;
    code = str(at(reply, "error.code"));
    if(strcmp(code, "shutting_down") == 0) {
      set_error(client, CTL_EXIT_OK, "%s: %s", code,
                str(at(reply, "error.message")));
      json_decref(reply);
      return CTL_EXIT_OK;
    }
    rc = ctlclient_result(client, reply, &frame);
    if(rc == 0)
      draw(cli, screen, frame, only);
    /* Without "more" the stream has ended. */
    if(rc == 0 && !json_is_true(at(reply, "more"))) {
      json_decref(reply);
      return CTL_EXIT_OK;
    }
    json_decref(reply);
    if(rc != 0)
      return rc;
    if(fflush(stdout) != 0)
      return set_error(client, CTL_EXIT_ERROR, "cannot write: %s",
                       strerror(errno));
  }
}

static int run_watch(struct ctlclient *client, const struct cli *cli,
                     char **args, int count)
{
  const char *only = count > 0 ? args[0] : NULL;
  bool screen = !cli->json && isatty(STDOUT_FILENO);
  json_t *request = NULL;
  long long id;
  int rc = 0;

  if(only != NULL) {
    json_t *job;

    /* A mistyped id would show an empty view for ever. */
    request = json_pack("{s:s}", "id", only);
    rc = ctlclient_call(client, "job", request, &job);
    json_decref(request);
    json_decref(job);
    if(rc != 0)
      return rc;
    request = json_pack("{s:s}", "job", only);
  }
  rc = ctlclient_send(client, "watch", request, &id);
  json_decref(request);
  if(rc != 0)
    return rc;
  catch_signals();
  client->interrupted = &interrupted;
  if(screen)
    fputs(SCREEN_ENTER, stdout);
  rc = watch_frames(client, cli, screen, id, only);
  if(rc == CTL_INTERRUPTED || interrupted) {
    client->error[0] = '\0';
    rc = CTL_EXIT_OK;
  }
  if(screen) {
    clearerr(stdout);
    fputs(SCREEN_LEAVE, stdout);
  }
  fflush(stdout);
  return rc;
}

static const struct command commands[] = {
  { "status", false, 0, 0, "", "state, counters, throughput and latency",
    run_status },
  { "jobs", false, 0, 0, "", "active, queued and recently finished jobs",
    run_jobs },
  { "job", false, 1, 1, "ID", "one job's progress", run_job },
  { "workers", false, 0, 0, "", "every worker and what it has done",
    run_workers },
  { "stats", false, 0, 0, "", "every counter, by worker kind", run_stats },
  { "watch", false, 0, 1, "[JOB]", "a live view, redrawn every second",
    run_watch },
  { "submit", true, 1, -1, "FILE...",
    "hand URL files (- for standard input) to crawld", run_submit },
  { "pause", true, 0, 0, "", "hand out no more URLs", run_pause },
  { "resume", true, 0, 0, "", "end a pause or a drain", run_resume },
  { "drain", true, 0, 0, "", "claim no new job files", run_drain },
  { "reload", true, 0, 0, "", "read the config file again", run_reload },
};

static void usage(FILE *out)
{
  fprintf(out, "Usage: crawlctl [OPTIONS] COMMAND [ARGS]\n"
               "Ask crawld what it does, or steer it.\n\nCommands:\n");
  for(size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    char synopsis[32];

    snprintf(synopsis, sizeof(synopsis), "%s %s", commands[i].name,
             commands[i].args);
    fprintf(out, "  %-18s %s\n", synopsis, commands[i].summary);
  }
  fprintf(out,
          "\nOptions:\n"
          "  --runtime-dir DIR  where crawld's sockets are (default: "
          "$CRAWLD_RUNTIME_DIR,\n"
          "                     else " DEFAULT_RUNTIME_DIR ")\n"
          "  --json             print results as JSON, one object a line\n"
          "  --timeout SECONDS  wait at most this long for crawld "
          "(default: 10)\n"
          "  -h, --help         print this and exit\n"
          "      --version      print the version and exit\n"
          "\nExit status: 0 ok, 1 crawld reported an error, 2 usage error, "
          "3 crawld\nunreachable, 4 permission denied. See crawlctl(1).\n");
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
  va_list ap;

  fputs("crawlctl: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\nTry 'crawlctl --help'.\n", stderr);
  return CTL_EXIT_USAGE;
}

static const struct command *find_command(const char *name)
{
  for(size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    if(strcmp(commands[i].name, name) == 0)
      return &commands[i];
  }
  return NULL;
}

int main(int argc, char **argv)
{
  static const struct option options[] = {
    { "runtime-dir", required_argument, NULL, 'r' },
    { "json", no_argument, NULL, 'j' },
    { "timeout", required_argument, NULL, 't' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  struct cli cli = { NULL, false, DEFAULT_TIMEOUT_S };
  const struct command *command;
  struct ctlclient client;
  char *end;
  int count;
  int rc;
  int c;

  opterr = 0;
  while((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
    switch(c) {
      case 'r':
        cli.runtime_dir = optarg;
        break;
      case 'j':
        cli.json = true;
        break;
      case 't':
        cli.timeout_s = strtod(optarg, &end);
        if(end == optarg || *end != '\0' || !(cli.timeout_s > 0) ||
           cli.timeout_s > 86400)
          return usage_error("--timeout %s: not from 0 to 86400 seconds",
                             optarg);
        break;
      case 'h':
        usage(stdout);
        return CTL_EXIT_OK;
      case 'V':
        printf("crawlctl %s\n", PACKAGE_VERSION);
        return CTL_EXIT_OK;
      case ':':
        return usage_error("%s needs an argument", argv[optind - 1]);
      default:
        return usage_error("unknown option %s", argv[optind - 1]);
    }
  }
  if(optind >= argc)
    return usage_error("no command given");
  command = find_command(argv[optind]);
  if(command == NULL)
    return usage_error("unknown command '%s'", argv[optind]);
  count = argc - optind - 1;
  if(count < command->min_args ||
     (command->max_args >= 0 && count > command->max_args)) {
    char synopsis[64];

    snprintf(synopsis, sizeof(synopsis), "%s %s", command->name,
             command->args);
    return usage_error("usage: crawlctl [OPTIONS] %s", synopsis);
  }
  if(cli.runtime_dir == NULL)
    cli.runtime_dir = getenv("CRAWLD_RUNTIME_DIR");
  if(cli.runtime_dir == NULL || cli.runtime_dir[0] == '\0')
    cli.runtime_dir = DEFAULT_RUNTIME_DIR;
  rc = ctlclient_open(&client, cli.runtime_dir,
                      command->admin ? "control.sock" : "status.sock",
                      cli.timeout_s);
  if(rc == 0)
    rc = command->run(&client, &cli, argv + optind + 1, count);
  if(client.error[0] != '\0')
    fprintf(stderr, "crawlctl: %s\n", client.error);
  ctlclient_close(&client);
  if(fflush(stdout) != 0 && rc == 0) {
    fprintf(stderr, "crawlctl: cannot write: %s\n", strerror(errno));
    rc = CTL_EXIT_ERROR;
  }
  return rc;
}
