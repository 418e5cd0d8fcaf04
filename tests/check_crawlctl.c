/* check_crawlctl.c - crawlctl, the real binary, against a real crawld on a
 * private runtime directory: what each command prints and does, its exit
 * codes, and a daemon that keeps serving through many clients at once and
 * hostile bytes on its sockets.
 *
 * Each test is a test case of its own with an unchecked fixture: its own
 * test server and temporary directory, and every daemon it started is
 * stopped even when an assertion fails (harness.h). The binaries come from
 * CRAWLD, CRAWLCTL and TESTSERVER, as make check sets them. Deadlines
 * (WAIT_S) are generous and say nothing about speed. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "ctl.h"
#include "harness.h"
#include "stats.h"

#define WAIT_S 30.0
#define JOB_ID "[0-9]{8}T[0-9]{6}Z-[0-9]{6}-[0-9a-f]{4}"
#define JOB_ID_PATTERN "^" JOB_ID "$"
/* What crawlctl submit prints for one file. */
#define JOB_ID_LINE_PATTERN "^" JOB_ID "\n$"
/* The unprivileged user of the permission test. */
#define NOBODY 65534
/* What crawlctl writes around a terminal's live view (crawlctl_watch.c). */
#define SCREEN_ENTER "\033[?1049h\033[?25l"
#define SCREEN_LEAVE "\033[?1049l\033[?25h"

static struct harness h;
static struct harness_service_paths paths;
static pid_t daemon_pid;
static int run_serial;

static void setup(void)
{
  harness_start_service(&h);
  harness_service_paths(&h, &paths);
  harness_service_conf(&h, "");
}

static void teardown(void)
{
  harness_stop_service(&h);
}

/* --- helpers ------------------------------------------------------------ */

/* The names in a directory, dot-files left out. */
static size_t count_entries(const char *path)
{
  DIR *dir = opendir(path);
  struct dirent *entry;
  size_t count = 0;

  ck_assert_msg(dir != NULL, "opendir %s: %s", path, strerror(errno));
  while((entry = readdir(dir)) != NULL) {
    if(entry->d_name[0] != '.')
      count++;
  }
  closedir(dir);
  return count;
}

/* How one crawlctl is run. Zero is the default of every field. */
struct ctl_spec {
  const char *const *args;     /* after the program name; NULL-terminated */
  bool no_runtime_dir;         /* leave out --runtime-dir DIR/run */
  const char *env_runtime_dir; /* CRAWLD_RUNTIME_DIR; NULL: unset */
  const char *input;           /* its standard input; NULL: /dev/null */
  int stdout_fd;               /* its standard output; 0: a file */
  bool as_nobody;              /* run it as uid and gid NOBODY */
};

struct ctl_run {
  pid_t pid;
  int status; /* exit code, or 128 + signal */
  char out_path[300];
  char err_path[300];
  char *out;
  char *err;
};

/* uid NOBODY may not reach the build tree (a checkout under a 0700
 * directory), so it runs a copy in the test directory, which the permission
 * test opens to all. */
static const char *copy_for_nobody(const char *crawlctl)
{
  static char copy[300];
  size_t len = 0;
  char *bytes = harness_read_file(crawlctl, &len);
  char *path;

  ck_assert_ptr_nonnull(bytes);
  path = harness_write(&h, "crawlctl", bytes, len);
  free(bytes);
  ck_assert_int_eq(chmod(path, 0755), 0);
  snprintf(copy, sizeof(copy), "%s", path);
  free(path);
  return copy;
}

static void ctl_spawn(const struct ctl_spec *spec, struct ctl_run *run)
{
  const char *crawlctl = getenv("CRAWLCTL");
  const char *argv[64];
  int input[2] = { -1, -1 };
  int argc = 0;

  ck_assert_msg(crawlctl != NULL && crawlctl[0] != '\0',
                "CRAWLCTL is not set (run through make check)");
  if(spec->as_nobody)
    crawlctl = copy_for_nobody(crawlctl);
  memset(run, 0, sizeof(*run));
  snprintf(run->out_path, sizeof(run->out_path), "%s/ctl-%d.out", h.dir,
           run_serial);
  snprintf(run->err_path, sizeof(run->err_path), "%s/ctl-%d.err", h.dir,
           run_serial);
  run_serial++;
  argv[argc++] = "crawlctl";
  if(!spec->no_runtime_dir) {
    argv[argc++] = "--runtime-dir";
    argv[argc++] = paths.runtime_dir;
  }
  for(int i = 0; spec->args[i] != NULL; i++) {
    ck_assert_int_lt(argc, 63);
    argv[argc++] = spec->args[i];
  }
  argv[argc] = NULL;
  /* crawlctl may exit before it reads all its input. */
  signal(SIGPIPE, SIG_IGN);
  if(spec->input != NULL)
    ck_assert_int_eq(pipe2(input, O_CLOEXEC), 0);
  run->pid = fork();
  ck_assert_int_ge(run->pid, 0);
  if(run->pid == 0) {
    int out = spec->stdout_fd > 0
                  ? spec->stdout_fd
                  : open(run->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(run->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = spec->input != NULL ? input[0] : open("/dev/null", O_RDONLY);

    if(out < 0 || err < 0 || in < 0 || dup2(in, STDIN_FILENO) < 0 ||
       dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
      _exit(127);
    signal(SIGPIPE, SIG_DFL);
    if(spec->env_runtime_dir != NULL)
      setenv("CRAWLD_RUNTIME_DIR", spec->env_runtime_dir, 1);
    else
      unsetenv("CRAWLD_RUNTIME_DIR");
    if(spec->as_nobody &&
       (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0))
      _exit(126);
    execv(crawlctl, (char *const *)argv);
    _exit(127);
  }
  if(spec->input != NULL) {
    size_t len = strlen(spec->input);
    size_t put = 0;

    close(input[0]);
    while(put < len) {
      ssize_t wrote = write(input[1], spec->input + put, len - put);

      if(wrote < 0 && errno == EINTR)
        continue;
      if(wrote < 0)
        break;
      put += (size_t)wrote;
    }
    close(input[1]);
  }
}

/* Waits for it to exit (failing the test after seconds) and reads what it
 * wrote. */
static void ctl_finish(struct ctl_run *run, double seconds)
{
  double end = harness_now() + seconds;
  int status;
  pid_t got;

  while((got = waitpid(run->pid, &status, WNOHANG)) == 0) {
    if(harness_now() > end) {
      kill(run->pid, SIGKILL);
      waitpid(run->pid, &status, 0);
      ck_abort_msg("crawlctl did not exit within %g s", seconds);
    }
    usleep(HARNESS_POLL_MS * 1000);
  }
  ck_assert_int_eq(got, run->pid);
  run->status =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run->out = harness_read_text(run->out_path);
  run->err = harness_read_text(run->err_path);
}

static void ctl_free(struct ctl_run *run)
{
  free(run->out);
  free(run->err);
  run->out = NULL;
  run->err = NULL;
}

static void ctl_with(const struct ctl_spec *spec, struct ctl_run *run)
{
  ctl_spawn(spec, run);
  ctl_finish(run, WAIT_S);
}

/* crawlctl --runtime-dir DIR/run ARGS... */
static void ctl(struct ctl_run *run, const char *const args[])
{
  struct ctl_spec spec = { .args = args };

  ctl_with(&spec, run);
}
#define CTL(run, ...) ctl((run), (const char *const[]){ __VA_ARGS__, NULL })

/* crawlctl --json ARGS...: checks it exits 0 and prints one JSON object on
 * one line, and returns that. */
static json_t *ctl_json(const char *const args[])
{
  const char *argv[16] = { "--json" };
  struct ctl_run run;
  json_error_t error;
  json_t *result;
  int argc = 1;

  for(int i = 0; args[i] != NULL; i++) {
    ck_assert_int_lt(argc, 15);
    argv[argc++] = args[i];
  }
  argv[argc] = NULL;
  ctl(&run, argv);
  ck_assert_msg(run.status == 0, "crawlctl --json %s exited %d: %s", args[0],
                run.status, run.err);
  ck_assert_msg(strchr(run.out, '\n') == run.out + strlen(run.out) - 1,
                "crawlctl --json %s did not print one line: %s", args[0],
                run.out);
  result = json_loads(run.out, 0, &error);
  ck_assert_msg(json_is_object(result), "crawlctl --json %s: %s: %s", args[0],
                error.text, run.out);
  ctl_free(&run);
  return result;
}
#define CTL_JSON(...) ctl_json((const char *const[]){ __VA_ARGS__, NULL })

/* The value at a dotted path such as "urls.done". */
static json_t *at(json_t *root, const char *path)
{
  char copy[256];
  char *save = NULL;

  snprintf(copy, sizeof(copy), "%s", path);
  for(char *key = strtok_r(copy, ".", &save); key != NULL;
      key = strtok_r(NULL, ".", &save))
    root = json_object_get(root, key);
  return root;
}

static long long num_at(json_t *root, const char *path)
{
  json_t *value = at(root, path);

  ck_assert_msg(json_is_integer(value), "%s is not an integer", path);
  return json_integer_value(value);
}

static const char *str_at(json_t *root, const char *path)
{
  json_t *value = at(root, path);

  ck_assert_msg(json_is_string(value), "%s is not a string", path);
  return json_string_value(value);
}

/* One value of crawlctl --json status. */
static long long status_num(const char *path)
{
  json_t *status = CTL_JSON("status");
  long long value = num_at(status, path);

  json_decref(status);
  return value;
}

static bool status_state_is(const char *state)
{
  json_t *status = CTL_JSON("status");
  bool same = strcmp(str_at(status, "state"), state) == 0;

  json_decref(status);
  return same;
}

/* True while the daemon runs; fails the test, with its log, once it has
 * exited. */
static bool alive(void)
{
  return harness_service_alive(&h, &paths, daemon_pid);
}

static bool serving(void)
{
  struct ctl_run run;
  bool ok;

  if(access(harness_fmt("%s/status.sock", paths.runtime_dir), F_OK) != 0)
    return false;
  CTL(&run, "status");
  ok = run.status == 0;
  ctl_free(&run);
  return ok;
}

/* crawld --config DIR/crawld.conf --state-dir DIR/state --runtime-dir
 * DIR/run FLAGS..., once crawlctl status gets an answer. */
static void start_daemon(const char *const flags[])
{
  daemon_pid = harness_service_start(&h, &paths, flags, NULL);
  HARNESS_WAIT_UNTIL(alive() && serving(), WAIT_S, "crawld to serve %s",
                     paths.runtime_dir);
}
#define START_DAEMON(...) \
  start_daemon((const char *const[]){ __VA_ARGS__, NULL })

/* Stops the daemon with SIGTERM and checks it exits 0. */
static void stop_daemon(void)
{
  harness_service_stop(&h, daemon_pid, WAIT_S);
}

/* Writes count URLs to DIR/name; returns the path (static buffer). */
static const char *write_urls(const char *name, long long count,
                              const char *path_fmt)
{
  char *text = harness_url_lines(&h, count, path_fmt, NULL);

  free(harness_write(&h, name, text, strlen(text)));
  free(text);
  return harness_fmt("%s/%s", h.dir, name);
}

/* crawlctl submit PATH: exits 0 and prints the job id alone. */
static void submit(const char *path, char id[64])
{
  struct ctl_run run;

  CTL(&run, "submit", path);
  ck_assert_msg(run.status == 0, "crawlctl submit exited %d: %s", run.status,
                run.err);
  ck_assert_msg(strlen(run.out) > 1 && strlen(run.out) < 64,
                "crawlctl submit printed %s", run.out);
  run.out[strlen(run.out) - 1] = '\0';
  ck_assert_msg(harness_matches(run.out, JOB_ID_PATTERN), "not a job id: %s",
                run.out);
  snprintf(id, 64, "%s", run.out);
  ctl_free(&run);
}

static bool job_state_is(const char *id, const char *state)
{
  json_t *job = CTL_JSON("job", id);
  bool same = strcmp(str_at(job, "state"), state) == 0;

  json_decref(job);
  return same;
}

static void wait_job_done(const char *id)
{
  HARNESS_WAIT_UNTIL(job_state_is(id, "done"), WAIT_S, "job %s to be done",
                     id);
}

/* The records of a finished job, checked to be one per seq from 0 to
 * count - 1, each naming the job. */
static void assert_done_records(const char *id, long long count)
{
  json_t *records = harness_read_journal(
      harness_fmt("%s/done/%s.jsonl", paths.state_dir, id), false);
  char *seen = calloc((size_t)count, 1);
  size_t index;
  json_t *record;

  ck_assert_msg(records != NULL, "no done/%s.jsonl", id);
  ck_assert_ptr_nonnull(seen);
  ck_assert_int_eq((long long)json_array_size(records), count);
  json_array_foreach(records, index, record)
  {
    long long seq = num_at(record, "seq");

    ck_assert_str_eq(str_at(record, "job"), id);
    ck_assert_msg(seq >= 0 && seq < count && !seen[seq], "seq %lld", seq);
    seen[seq] = 1;
  }
  free(seen);
  json_decref(records);
}

/* 300 URLs that answer 200 and 5 that answer 404 (http_error). */
static void crawl_300_and_5(char id[64])
{
  char *ok = harness_url_lines(&h, 300, "/delay?ms=0&n=%lld", NULL);
  char *missing = harness_url_lines(&h, 5, "/status/404?n=%lld", NULL);
  char *both;

  ck_assert_int_ge(asprintf(&both, "%s%s", ok, missing), 0);
  free(harness_write(&h, "mixed.txt", both, strlen(both)));
  free(both);
  free(ok);
  free(missing);
  submit(harness_fmt("%s/mixed.txt", h.dir), id);
  wait_job_done(id);
}

/* A crawl of count URLs that lasts a while (count / 200 seconds at
 * least): --inflight 2 on one thread and one process, 20 ms a URL. */
static void start_slow_crawl(long long count, char id[64])
{
  START_DAEMON("-t", "1", "-p", "1", "--inflight", "2");
  submit(write_urls("slow.txt", count, "/delay?ms=20&n=%lld"), id);
}

/* crawlctl still answers, and the crawl ends with one record a URL. */
static void assert_crawl_survives(const char *id, long long count)
{
  ck_assert(alive());
  ck_assert(status_state_is("running"));
  wait_job_done(id);
  assert_done_records(id, count);
}

/* --- raw connections to the sockets ------------------------------------ */

static struct sockaddr_un socket_address(const char *path)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };

  ck_assert_msg(strlen(path) < sizeof(address.sun_path), "%s: too long", path);
  memcpy(address.sun_path, path, strlen(path) + 1);
  return address;
}

static int raw_connect(const char *name)
{
  struct sockaddr_un address =
      socket_address(harness_fmt("%s/%s", paths.runtime_dir, name));
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  ck_assert_int_ge(fd, 0);
  ck_assert_msg(connect(fd, (struct sockaddr *)&address, sizeof(address)) == 0,
                "connect %s: %s", address.sun_path, strerror(errno));
  return fd;
}

/* One line without its newline (malloc'd), or NULL when the connection
 * closed first. Fails the test when nothing comes within seconds. */
static char *raw_line(int fd, double seconds)
{
  double end = harness_now() + seconds;
  char *line = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&line, &size);

  ck_assert_ptr_nonnull(out);
  for(;;) {
    struct pollfd ready = { fd, POLLIN, 0 };
    double left = end - harness_now();
    char c;
    ssize_t got;

    ck_assert_msg(left > 0, "no line and no end of file within %g s", seconds);
    if(poll(&ready, 1, (int)(left * 1000) + 1) <= 0)
      continue;
    got = read(fd, &c, 1);
    if(got < 0 && errno == EINTR)
      continue;
    if(got == 0 || (got < 0 && errno == ECONNRESET)) {
      fclose(out);
      free(line);
      return NULL;
    }
    ck_assert_msg(got == 1, "read: %s", strerror(errno));
    if(c == '\n')
      break;
    fputc(c, out);
  }
  ck_assert_int_eq(fclose(out), 0);
  return line;
}

static int raw_greeted(const char *name)
{
  int fd = raw_connect(name);
  char *greeting = raw_line(fd, WAIT_S);

  ck_assert_msg(greeting != NULL && strstr(greeting, "\"proto\":1") != NULL,
                "greeting: %s", greeting != NULL ? greeting : "(closed)");
  free(greeting);
  return fd;
}

/* Sends what it can: crawld may close the connection half-way. */
static void raw_send(int fd, const void *bytes, size_t len)
{
  size_t put = 0;

  while(put < len) {
    ssize_t sent =
        send(fd, (const char *)bytes + put, len - put, MSG_NOSIGNAL);

    if(sent < 0 && errno == EINTR)
      continue;
    if(sent < 0) {
      ck_assert_msg(errno == EPIPE || errno == ECONNRESET, "send: %s",
                    strerror(errno));
      return;
    }
    put += (size_t)sent;
  }
}

/* After bytes that are no request: crawld closes the connection, or
 * answers with an error, never with a result. */
static void assert_refused(int fd, const char *what)
{
  char *line = raw_line(fd, WAIT_S);
  json_t *reply;

  if(line != NULL) {
    reply = json_loads(line, 0, NULL);
    ck_assert_msg(json_is_false(at(reply, "ok")), "crawld answered %s with %s",
                  what, line);
    json_decref(reply);
  }
  free(line);
  close(fd);
}

/* A greeted connection to status.sock that gets these bytes. */
static void send_hostile(const void *bytes, size_t len, const char *what)
{
  int fd = raw_greeted("status.sock");

  raw_send(fd, bytes, len);
  assert_refused(fd, what);
}

/* A listener at DIR/fake/name that greets one client with greeting and,
 * when reply is not NULL, answers its first line with it (the reply's
 * "id" is made the request's). Returns its pid. */
static pid_t fake_crawld(const char *name, const char *greeting,
                         const char *reply)
{
  struct sockaddr_un address =
      socket_address(harness_fmt("%s/fake/%s", h.dir, name));
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  pid_t pid;

  ck_assert_int_ge(listener, 0);
  ck_assert(mkdir(harness_fmt("%s/fake", h.dir), 0755) == 0 ||
            errno == EEXIST);
  ck_assert_int_eq(
      bind(listener, (struct sockaddr *)&address, sizeof(address)), 0);
  ck_assert_int_eq(listen(listener, 4), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if(pid == 0) {
    int fd = accept(listener, NULL, NULL);
    char *line;
    json_t *request;
    json_t *answer;

    if(fd < 0 || write(fd, greeting, strlen(greeting)) < 0)
      _exit(1);
    if(reply != NULL && (line = raw_line(fd, WAIT_S)) != NULL) {
      request = json_loads(line, 0, NULL);
      answer = json_loads(reply, 0, NULL);
      json_object_set(answer, "id", json_object_get(request, "id"));
      line = json_dumps(answer, JSON_COMPACT);
      if(line == NULL || write(fd, line, strlen(line)) < 0 ||
         write(fd, "\n", 1) < 0)
        _exit(1);
    }
    /* Until crawlctl hangs up. */
    free(raw_line(fd, WAIT_S));
    _exit(0);
  }
  close(listener);
  return pid;
}

static void fake_crawld_stop(pid_t pid)
{
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

/* --- every command -------------------------------------------------------
 */

START_TEST(test_status_json_counts_a_finished_crawl)
{
  json_t *status;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  crawl_300_and_5(id);
  status = CTL_JSON("status");
  ck_assert_str_eq(str_at(status, "state"), "running");
  ck_assert_int_eq(num_at(status, "pid"), daemon_pid);
  ck_assert_str_eq(str_at(status, "state_dir"), paths.state_dir);
  ck_assert_str_eq(str_at(status, "runtime_dir"), paths.runtime_dir);
  ck_assert_str_eq(str_at(status, "config"), paths.conf_path);
  ck_assert_int_eq(num_at(status, "urls.done"), 300);
  ck_assert_int_eq(num_at(status, "urls.failed"), 5);
  ck_assert_int_eq(num_at(status, "urls.in_flight"), 0);
  ck_assert_int_eq(num_at(status, "errors_by_code.http_error"), 5);
  ck_assert_int_eq(num_at(status, "status_classes.2xx"), 300);
  ck_assert_int_eq(num_at(status, "status_classes.4xx"), 5);
  ck_assert_int_eq(num_at(status, "jobs.done"), 1);
  ck_assert_int_eq(num_at(status, "jobs.failed"), 0);
  ck_assert_int_eq(num_at(status, "jobs.active"), 0);
  ck_assert_int_eq(num_at(status, "workers.thread.running"), 1);
  ck_assert_int_eq(num_at(status, "workers.process.running"), 1);
  ck_assert(json_is_number(at(status, "throughput.total.10s")));
  ck_assert(json_number_value(at(status, "latency_ms.total.p99")) > 0);
  json_decref(status);
  stop_daemon();
}
END_TEST

START_TEST(test_status_shows_threads_and_processes_side_by_side)
{
  struct ctl_run run;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  crawl_300_and_5(id);
  CTL(&run, "status");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_msg(harness_matches(run.out, "thread +process +total"), "%s",
                run.out);
  ck_assert_msg(harness_matches(run.out, "\nURLs done +[0-9]+ +[0-9]+ +300\n"),
                "%s", run.out);
  ck_assert_msg(harness_matches(run.out, "\nURLs failed +[0-9]+ +[0-9]+ +5\n"),
                "%s", run.out);
  ck_assert_msg(harness_matches(run.out, "workers running +1/1 +1/1 +2/2"),
                "%s", run.out);
  ck_assert_msg(harness_matches(run.out, "300 done, 5 failed"), "%s", run.out);
  ck_assert_msg(harness_matches(run.out, "errors +http_error 5"), "%s",
                run.out);
  ck_assert_msg(strstr(run.out, "running") != NULL, "%s", run.out);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

/* One host, one job: its robots.txt fetched once (the test server has none:
 * everything allowed), nothing denied. */
START_TEST(test_status_counts_robots_txt_and_hosts)
{
  struct ctl_run run;
  json_t *status;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  crawl_300_and_5(id);
  status = CTL_JSON("status");
  ck_assert_int_eq(num_at(status, "politeness.robots_fetches"), 1);
  ck_assert_int_eq(num_at(status, "politeness.robots_denied"), 0);
  ck_assert_int_eq(num_at(status, "politeness.robots_unavailable"), 0);
  ck_assert_int_eq(num_at(status, "politeness.hosts_active"), 0);
  ck_assert_int_eq(num_at(status, "politeness.queued"), 0);
  json_decref(status);
  CTL(&run, "status");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_msg(harness_matches(run.out, "\nrobots.txt +1 fetched, 0 URLs "
                                         "denied, 0 URLs unavailable\n"),
                "%s", run.out);
  ck_assert_msg(harness_matches(run.out, "\nhosts +[0-9]+ known, 0 active"),
                "%s", run.out);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

/* crawlctl hosts during a crawl: the one host, its URLs queued or in
 * flight, its robots.txt known. */
START_TEST(test_hosts_lists_the_busy_host)
{
  struct ctl_run run;
  json_t *result;
  json_t *host;
  char *want = harness_url(&h, "");
  char id[64];

  start_slow_crawl(400, id);
  HARNESS_WAIT_UNTIL(status_num("urls.done") > 0, WAIT_S, "a record");
  result = CTL_JSON("hosts");
  ck_assert_int_eq(num_at(result, "hosts_total"), 1);
  ck_assert_int_eq(json_array_size(at(result, "hosts")), 1);
  host = json_array_get(at(result, "hosts"), 0);
  ck_assert_str_eq(str_at(host, "host"), want);
  ck_assert_int_gt(num_at(host, "queued") + num_at(host, "in_flight"), 0);
  ck_assert_str_eq(str_at(host, "robots"), "known");
  ck_assert_int_eq(num_at(host, "delay_ms"), 0);
  json_decref(result);
  CTL(&run, "hosts", "5");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_msg(harness_matches(run.out, "^HOST +QUEUED +IN FLIGHT +DELAY MS"),
                "%s", run.out);
  ck_assert_msg(harness_matches(run.out, "\n1 of 1 hosts\n"), "%s", run.out);
  ctl_free(&run);
  CTL(&run, "hosts", "0");
  ck_assert_int_eq(run.status, 2);
  ck_assert_msg(strstr(run.err, "N must be a whole number from 1 to 1000"),
                "%s", run.err);
  ctl_free(&run);
  free(want);
  wait_job_done(id);
  stop_daemon();
}
END_TEST

/* submit --ignore-robots: that job reads no robots.txt; the next one,
 * without it, does (robots = on is the service's setting). The option
 * travels on the file itself (crawld(8)). */
START_TEST(test_submit_ignore_robots_is_for_that_job_only)
{
  struct ctl_run run;
  const char *urls;
  char id[64];

  START_DAEMON("-t", "1", "-p", "0");
  urls = write_urls("few.txt", 3, "/delay?ms=0&n=%lld");
  CTL(&run, "submit", "--ignore-robots", urls);
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  run.out[strcspn(run.out, "\n")] = '\0';
  snprintf(id, sizeof(id), "%s", run.out);
  ctl_free(&run);
  wait_job_done(id);
  assert_done_records(id, 3);
  ck_assert_int_eq(status_num("politeness.robots_fetches"), 0);
  submit(urls, id);
  wait_job_done(id);
  ck_assert_int_eq(status_num("politeness.robots_fetches"), 1);
  stop_daemon();
}
END_TEST

START_TEST(test_ignore_robots_with_another_command_exits_2)
{
  struct ctl_run run;

  CTL(&run, "--ignore-robots", "status");
  ck_assert_int_eq(run.status, 2);
  ck_assert_msg(strstr(run.err, "--ignore-robots, --depth, --scope, "
                                "--max-pages, --include, --exclude and "
                                "--record-links are options of submit "
                                "only") != NULL,
                "%s", run.err);
  ctl_free(&run);
}
END_TEST

/* The job options are checked before anything is sent: a bad value, and a
 * depth this build cannot follow yet, are usage errors naming the flag. */
START_TEST(test_submit_refuses_bad_job_options)
{
  struct ctl_run run;

  CTL(&run, "submit", "--scope", "planet", "urls.txt");
  ck_assert_int_eq(run.status, 2);
  ck_assert_msg(strstr(run.err, "crawlctl: --scope: expected host, domain or "
                                "prefix, got 'planet'") != NULL,
                "%s", run.err);
  ctl_free(&run);
  CTL(&run, "submit", "--exclude", "a(", "urls.txt");
  ck_assert_int_eq(run.status, 2);
  ck_assert_msg(strstr(run.err, "crawlctl: --exclude: not a POSIX extended "
                                "regular expression") != NULL,
                "%s", run.err);
  ctl_free(&run);
  CTL(&run, "submit", "--include", "x", "urls.txt");
  ck_assert_int_eq(run.status, 2);
  ck_assert_msg(strstr(run.err,
                       "crawlctl: include: chooses which links are "
                       "followed, so it needs a depth above 0") != NULL,
                "%s", run.err);
  ctl_free(&run);
}
END_TEST

/* A file whose options attribute is not ours to read goes to failed/ with
 * the reason, and the daemon goes on. */
START_TEST(test_job_with_bad_options_fails_with_the_reason)
{
  static const char options[] = "{\"robots\":\"maybe\"}";
  const char *tmp;
  const char *final;
  char *bytes = harness_url_lines(&h, 2, "/delay?ms=0&n=%lld", NULL);
  FILE *file;
  char *log;

  START_DAEMON("-t", "1", "-p", "0");
  tmp = harness_fmt("%s/incoming/.tmp/opts.txt", paths.state_dir);
  file = fopen(tmp, "w");
  ck_assert_ptr_nonnull(file);
  fputs(bytes, file);
  ck_assert_int_eq(fclose(file), 0);
  ck_assert_int_eq(
      setxattr(tmp, "user.crawld.options", options, sizeof(options) - 1, 0),
      0);
  final = harness_fmt("%s/incoming/opts.txt", paths.state_dir);
  ck_assert_int_eq(rename(tmp, final), 0);
  HARNESS_WAIT_UNTIL(status_num("jobs.failed") == 1, WAIT_S, "a failed job");
  ck_assert(status_state_is("running"));
  log = harness_read_text(paths.log_path);
  ck_assert_msg(strstr(log, "its options (user.crawld.options): robots: "
                            "expected a JSON boolean") != NULL,
                "%s", log);
  free(log);
  free(bytes);
  stop_daemon();
}
END_TEST

START_TEST(test_workers_lists_every_configured_worker)
{
  json_t *result;
  json_t *worker;
  size_t index;
  int threads = 0;
  int processes = 0;

  START_DAEMON("-t", "2", "-p", "1");
  result = CTL_JSON("workers");
  ck_assert_int_eq(json_array_size(at(result, "workers")), 3);
  json_array_foreach(at(result, "workers"), index, worker)
  {
    const char *kind = str_at(worker, "kind");

    if(strcmp(kind, "thread") == 0) {
      threads++;
      ck_assert_int_eq(num_at(worker, "pid"), daemon_pid);
    }
    else {
      ck_assert_str_eq(kind, "process");
      processes++;
      ck_assert_int_gt(num_at(worker, "pid"), 0);
      ck_assert_int_ne(num_at(worker, "pid"), daemon_pid);
    }
    ck_assert_int_ge(num_at(worker, "id"), 0);
    ck_assert_int_eq(num_at(worker, "in_flight"), 0);
    ck_assert_int_eq(num_at(worker, "done"), 0);
    ck_assert_int_eq(num_at(worker, "errors"), 0);
    ck_assert_int_eq(num_at(worker, "restarts"), 0);
    ck_assert(json_is_string(at(worker, "state")));
    ck_assert(json_is_number(at(worker, "cpu_s")) ||
              json_is_null(at(worker, "cpu_s")));
    ck_assert(json_is_integer(at(worker, "rss_kb")) ||
              json_is_null(at(worker, "rss_kb")));
  }
  ck_assert_int_eq(threads, 2);
  ck_assert_int_eq(processes, 1);
  json_decref(result);
  stop_daemon();
}
END_TEST

START_TEST(test_workers_table_has_a_row_per_worker)
{
  struct ctl_run run;

  START_DAEMON("-t", "2", "-p", "1");
  CTL(&run, "workers");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_msg(
      harness_matches(run.out, "^KIND +ID +PID +STATE +IN FLIGHT +DONE"), "%s",
      run.out);
  ck_assert_msg(harness_matches(run.out, harness_fmt("\nthread +0 +%ld ",
                                                     (long)daemon_pid)),
                "%s", run.out);
  ck_assert_msg(harness_matches(run.out, harness_fmt("\nthread +1 +%ld ",
                                                     (long)daemon_pid)),
                "%s", run.out);
  ck_assert_msg(harness_matches(run.out, "\nprocess +2 +[0-9]+ "), "%s",
                run.out);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

START_TEST(test_jobs_lists_a_finished_job_with_its_totals)
{
  json_t *result;
  json_t *job;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  crawl_300_and_5(id);
  result = CTL_JSON("jobs");
  ck_assert_int_eq(json_array_size(at(result, "jobs")), 1);
  job = json_array_get(at(result, "jobs"), 0);
  ck_assert_str_eq(str_at(job, "id"), id);
  ck_assert_str_eq(str_at(job, "state"), "done");
  ck_assert_int_eq(num_at(job, "total"), 305);
  ck_assert_int_eq(num_at(job, "done"), 305);
  ck_assert_int_eq(num_at(job, "ok"), 300);
  ck_assert_int_eq(num_at(job, "failed"), 5);
  json_decref(result);
  stop_daemon();
}
END_TEST

/* A job that follows links has more records to make than its file has
 * lines: what it found counts, up to max_pages. */
START_TEST(test_a_job_that_follows_links_counts_what_it_found)
{
  struct ctl_run run;
  json_t *job;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  CTL(&run, "submit", "--depth", "100", "--max-pages", "50", "--ignore-robots",
      write_urls("seed.txt", 1, "/site/%lld"));
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  run.out[strcspn(run.out, "\n")] = '\0';
  snprintf(id, sizeof(id), "%s", run.out);
  ctl_free(&run);
  wait_job_done(id);
  /* 50 records were made, so 49 URLs at least were found: the file's one
   * line and those, at most 50. */
  job = CTL_JSON("job", id);
  ck_assert_int_eq(num_at(job, "total"), 50);
  ck_assert_int_eq(num_at(job, "done"), 50);
  json_decref(job);
  stop_daemon();
}
END_TEST

START_TEST(test_job_id_shows_that_job)
{
  struct ctl_run run;
  json_t *job;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  crawl_300_and_5(id);
  job = CTL_JSON("job", id);
  ck_assert_str_eq(str_at(job, "id"), id);
  ck_assert_int_eq(num_at(job, "total"), 305);
  ck_assert_int_eq(num_at(job, "done"), 305);
  json_decref(job);
  CTL(&run, "job", id);
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_msg(harness_matches(run.out, "\ndone +305 \\(100\\.0%\\)\n"), "%s",
                run.out);
  ck_assert_msg(harness_matches(run.out, "\nfailed +5\n"), "%s", run.out);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

START_TEST(test_jobs_shows_an_active_job_with_rate_and_in_flight)
{
  json_t *result;
  json_t *job;
  char id[64];

  start_slow_crawl(400, id);
  result = CTL_JSON("jobs");
  job = json_array_get(at(result, "jobs"), 0);
  ck_assert_str_eq(str_at(job, "id"), id);
  ck_assert_str_eq(str_at(job, "state"), "active");
  ck_assert_int_eq(num_at(job, "total"), 400);
  ck_assert(json_is_integer(at(job, "in_flight")));
  ck_assert(json_is_number(at(job, "rate")));
  ck_assert(json_is_number(at(job, "eta_s")) ||
            json_is_null(at(job, "eta_s")));
  json_decref(result);
  wait_job_done(id);
  stop_daemon();
}
END_TEST

START_TEST(test_submit_file_prints_a_job_id_that_ends_in_done)
{
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  submit(write_urls("fifty.txt", 50, "/delay?ms=0&n=%lld"), id);
  wait_job_done(id);
  assert_done_records(id, 50);
  ck_assert_uint_eq(
      count_entries(harness_fmt("%s/incoming/.tmp", paths.state_dir)), 0);
  stop_daemon();
}
END_TEST

START_TEST(test_submit_dash_streams_standard_input)
{
  char *text = harness_url_lines(&h, 20, "/delay?ms=0&n=%lld", NULL);
  struct ctl_spec spec = { .args =
                               (const char *const[]){ "submit", "-", NULL },
                           .input = text };
  struct ctl_run run;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  ctl_with(&spec, &run);
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_msg(harness_matches(run.out, JOB_ID_LINE_PATTERN), "%s", run.out);
  snprintf(id, sizeof(id), "%.*s", (int)strlen(run.out) - 1, run.out);
  wait_job_done(id);
  assert_done_records(id, 20);
  ctl_free(&run);
  free(text);
  stop_daemon();
}
END_TEST

START_TEST(test_submit_of_two_files_prints_two_ids)
{
  struct ctl_run run;
  const char *a;
  char *second;

  START_DAEMON("-t", "1", "-p", "1");
  a = write_urls("a.txt", 3, "/delay?ms=0&n=%lld");
  /* The same file twice: the names in incoming/ must not collide. */
  CTL(&run, "submit", a, a);
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  second = strchr(run.out, '\n');
  ck_assert_ptr_nonnull(second);
  *second++ = '\0';
  ck_assert_msg(harness_matches(run.out, JOB_ID_PATTERN), "%s", run.out);
  ck_assert_msg(harness_matches(second, JOB_ID_LINE_PATTERN), "%s", second);
  second[strlen(second) - 1] = '\0';
  ck_assert_str_ne(run.out, second);
  wait_job_done(run.out);
  wait_job_done(second);
  assert_done_records(run.out, 3);
  assert_done_records(second, 3);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

START_TEST(test_submit_that_fails_mid_copy_leaves_no_tmp_file)
{
  struct ctl_run run;

  START_DAEMON("-t", "1", "-p", "1");
  /* A directory opens, then fails to read: after the .tmp file exists. */
  ck_assert_int_eq(mkdir(harness_fmt("%s/adir", h.dir), 0755), 0);
  CTL(&run, "submit", harness_fmt("%s/adir", h.dir));
  ck_assert_int_eq(run.status, 1);
  ck_assert_msg(strstr(run.err, "adir") != NULL, "%s", run.err);
  ck_assert_uint_eq(
      count_entries(harness_fmt("%s/incoming/.tmp", paths.state_dir)), 0);
  ck_assert_uint_eq(count_entries(harness_fmt("%s/incoming", paths.state_dir)),
                    0);
  ctl_free(&run);
  CTL(&run, "submit", harness_fmt("%s/missing.txt", h.dir));
  ck_assert_int_eq(run.status, 1);
  ck_assert_msg(strstr(run.err, "missing.txt") != NULL, "%s", run.err);
  ck_assert_uint_eq(
      count_entries(harness_fmt("%s/incoming/.tmp", paths.state_dir)), 0);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

START_TEST(test_pause_mid_crawl_stops_progress_and_resume_completes)
{
  struct ctl_run run;
  long long done;
  json_t *job;
  char id[64];

  start_slow_crawl(400, id);
  CTL(&run, "pause");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_str_eq(run.out, "paused\n");
  ctl_free(&run);
  /* What the workers hold comes back; nothing more goes out. */
  HARNESS_WAIT_UNTIL(status_num("urls.in_flight") == 0, WAIT_S,
                     "the URLs in flight to come back");
  job = CTL_JSON("job", id);
  ck_assert_str_eq(str_at(job, "state"), "active");
  done = num_at(job, "done");
  ck_assert_int_lt(done, 400);
  json_decref(job);
  for(int i = 0; i < 5; i++) {
    job = CTL_JSON("job", id);
    ck_assert_int_eq(num_at(job, "done"), done);
    ck_assert_int_eq(num_at(job, "in_flight"), 0);
    json_decref(job);
    ck_assert(status_state_is("paused"));
    harness_sleep(0.1);
  }
  CTL(&run, "resume");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_str_eq(run.out, "running\n");
  ctl_free(&run);
  wait_job_done(id);
  assert_done_records(id, 400);
  stop_daemon();
}
END_TEST

START_TEST(test_job_submitted_while_paused_waits_for_resume)
{
  json_t *job;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  json_decref(CTL_JSON("pause"));
  submit(write_urls("later.txt", 30, "/delay?ms=0&n=%lld"), id);
  for(int i = 0; i < 5; i++) {
    job = CTL_JSON("job", id);
    ck_assert_str_eq(str_at(job, "state"), "active");
    ck_assert_int_eq(num_at(job, "done"), 0);
    ck_assert_int_eq(num_at(job, "in_flight"), 0);
    json_decref(job);
    ck_assert_int_eq(status_num("urls.in_flight"), 0);
  }
  json_decref(CTL_JSON("resume"));
  wait_job_done(id);
  assert_done_records(id, 30);
  stop_daemon();
}
END_TEST

START_TEST(test_drain_leaves_dropped_files_in_incoming)
{
  struct ctl_run run;
  char *text = harness_url_lines(&h, 10, "/delay?ms=0&n=%lld", NULL);
  json_t *status;

  START_DAEMON("-t", "1", "-p", "1");
  CTL(&run, "drain");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_str_eq(run.out, "drained\n");
  ctl_free(&run);
  harness_drop_job(paths.state_dir, "later.txt", text, strlen(text));
  /* inotify reported the rename before this request reached crawld. */
  status = CTL_JSON("status");
  ck_assert_str_eq(str_at(status, "state"), "drained");
  ck_assert_int_eq(num_at(status, "jobs.queued"), 0);
  ck_assert_int_eq(num_at(status, "jobs.active"), 0);
  json_decref(status);
  ck_assert_int_eq(
      access(harness_fmt("%s/incoming/later.txt", paths.state_dir), F_OK), 0);
  ck_assert_uint_eq(
      count_entries(harness_fmt("%s/processing", paths.state_dir)), 0);
  /* And it was only waiting. */
  json_decref(CTL_JSON("resume"));
  HARNESS_WAIT_UNTIL(status_num("jobs.done") == 1, WAIT_S,
                     "the dropped file to be crawled");
  free(text);
  stop_daemon();
}
END_TEST

START_TEST(test_drain_with_a_job_reports_draining_until_it_ends)
{
  struct ctl_run run;
  char id[64];

  start_slow_crawl(200, id);
  CTL(&run, "drain");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_str_eq(run.out, "draining\n");
  ctl_free(&run);
  wait_job_done(id);
  assert_done_records(id, 200);
  ck_assert(status_state_is("drained"));
  stop_daemon();
}
END_TEST

START_TEST(test_submit_while_draining_exits_1_and_the_file_waits)
{
  struct ctl_run run;
  const char *path;

  START_DAEMON("-t", "1", "-p", "1");
  json_decref(CTL_JSON("drain"));
  path = write_urls("queued.txt", 5, "/delay?ms=0&n=%lld");
  CTL(&run, "submit", path);
  ck_assert_int_eq(run.status, 1);
  ck_assert_msg(strstr(run.err, "crawlctl: draining: ") == run.err, "%s",
                run.err);
  ck_assert_str_eq(run.out, "");
  ctl_free(&run);
  ck_assert_uint_eq(count_entries(harness_fmt("%s/incoming", paths.state_dir)),
                    1);
  ck_assert_uint_eq(
      count_entries(harness_fmt("%s/incoming/.tmp", paths.state_dir)), 0);
  json_decref(CTL_JSON("resume"));
  HARNESS_WAIT_UNTIL(status_num("jobs.done") == 1, WAIT_S,
                     "the waiting file to be crawled");
  stop_daemon();
}
END_TEST

static int count_kind(const char *kind)
{
  json_t *result = CTL_JSON("workers");
  json_t *worker;
  size_t index;
  int count = 0;

  json_array_foreach(at(result, "workers"), index, worker)
  {
    if(strcmp(str_at(worker, "kind"), kind) == 0 &&
       strcmp(str_at(worker, "state"), "running") == 0)
      count++;
  }
  json_decref(result);
  return count;
}

START_TEST(test_reload_applies_a_new_worker_count)
{
  struct ctl_run run;

  /* No -t or -p: flags would override the file. */
  harness_service_conf(&h, "[workers]\nthreads = 1\nprocesses = 0\n");
  START_DAEMON(NULL);
  ck_assert_int_eq(count_kind("thread"), 1);
  harness_service_conf(&h, "[workers]\nthreads = 2\nprocesses = 0\n");
  CTL(&run, "reload");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_str_eq(run.out, "reloaded\n");
  ctl_free(&run);
  HARNESS_WAIT_UNTIL(count_kind("thread") == 2, WAIT_S,
                     "a second worker thread");
  ck_assert_int_eq(status_num("workers.thread.configured"), 2);
  stop_daemon();
}
END_TEST

START_TEST(test_reload_of_an_invalid_config_exits_1_naming_file_and_line)
{
  struct ctl_run run;

  harness_service_conf(&h, "[workers]\nthreads = 1\nprocesses = 0\n");
  START_DAEMON(NULL);
  harness_service_conf(&h, "[workers]\nthreads = lots\n");
  CTL(&run, "reload");
  ck_assert_int_eq(run.status, 1);
  ck_assert_str_eq(run.out, "");
  ck_assert_msg(strstr(run.err, "crawlctl: invalid_config: ") == run.err, "%s",
                run.err);
  ck_assert_msg(strstr(run.err, harness_fmt("%s:2", paths.conf_path)) != NULL,
                "%s", run.err);
  ctl_free(&run);
  ck_assert_int_eq(status_num("workers.thread.configured"), 1);
  ck_assert(status_state_is("running"));
  stop_daemon();
}
END_TEST

START_TEST(test_stats_json_has_every_counter)
{
  static const char *const counters[] = {
#define COUNTER_NAME(name, text) #name,
    STATS_COUNTERS(COUNTER_NAME)
#undef COUNTER_NAME
  };
  static const char *const parts[] = { "total", "by_kind.thread",
                                       "by_kind.process" };
  json_t *stats;
  json_t *worker;
  const char *key;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  crawl_300_and_5(id);
  stats = CTL_JSON("stats");
  for(size_t p = 0; p < 3; p++) {
    for(size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++)
      ck_assert_msg(json_is_integer(at(at(stats, parts[p]), counters[c])),
                    "%s.%s", parts[p], counters[c]);
    ck_assert(json_is_object(at(at(stats, parts[p]), "errors_by_code")));
    ck_assert(json_is_number(at(at(stats, parts[p]), "latency_ms.p50")));
  }
  ck_assert_int_eq(num_at(stats, "total.records"), 305);
  ck_assert_int_eq(num_at(stats, "total.ok"), 300);
  ck_assert_int_eq(num_at(stats, "total.errors"), 5);
  ck_assert_int_eq(num_at(stats, "total.errors_by_code.http_error"), 5);
  ck_assert_int_eq(num_at(stats, "total.status_4xx"), 5);
  ck_assert_int_eq(num_at(stats, "by_kind.thread.records") +
                       num_at(stats, "by_kind.process.records"),
                   305);
  ck_assert_uint_ge(json_object_size(at(stats, "by_worker")), 1);
  json_object_foreach(at(stats, "by_worker"), key, worker)
  {
    for(size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++)
      ck_assert_msg(json_is_integer(at(worker, counters[c])), "worker %s %s",
                    key, counters[c]);
  }
  for(int k = 0; k < 3; k++) {
    const char *kind = k == 0 ? "total" : k == 1 ? "thread" : "process";

    ck_assert(json_is_number(
        at(at(stats, "throughput"), harness_fmt("%s.1m", kind))));
    ck_assert(json_is_number(
        at(at(stats, "latency_ms"), harness_fmt("%s.p99", kind))));
  }
  json_decref(stats);
  stop_daemon();
}
END_TEST

START_TEST(test_stats_table_lists_every_counter)
{
  struct ctl_run run;
  char id[64];

  START_DAEMON("-t", "1", "-p", "1");
  crawl_300_and_5(id);
  CTL(&run, "stats");
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_msg(harness_matches(run.out, "\nrecords +[0-9]+ +[0-9]+ +305\n"),
                "%s", run.out);
  ck_assert_msg(
      harness_matches(run.out, "\nerror http_error +[0-9]+ +[0-9]+ +5\n"),
      "%s", run.out);
  ck_assert_msg(harness_matches(run.out, "\nretried +0 +0 +0\n"), "%s",
                run.out);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

/* Appends what fd has to *text (NUL-terminated), waiting at most seconds
 * for something. Returns false at end of file. */
static bool read_some(int fd, char **text, size_t *len, double seconds)
{
  double end = harness_now() + seconds;

  for(;;) {
    struct pollfd ready = { fd, POLLIN, 0 };
    char chunk[4096];
    ssize_t got;

    ck_assert_msg(harness_now() < end, "nothing more within %g s; got: %s",
                  seconds, *text);
    if(poll(&ready, 1, 100) <= 0)
      continue;
    got = read(fd, chunk, sizeof(chunk));
    if(got < 0 && errno == EINTR)
      continue;
    /* EIO: a pty whose other side has closed. */
    if(got == 0 || (got < 0 && errno == EIO))
      return false;
    ck_assert_msg(got > 0, "read: %s", strerror(errno));
    *text = realloc(*text, *len + (size_t)got + 1);
    ck_assert_ptr_nonnull(*text);
    memcpy(*text + *len, chunk, (size_t)got);
    *len += (size_t)got;
    (*text)[*len] = '\0';
    return true;
  }
}

static int count_lines(const char *text)
{
  int count = 0;

  for(; *text != '\0'; text++)
    count += *text == '\n';
  return count;
}

START_TEST(test_watch_on_a_pipe_prints_lines_until_crawld_stops)
{
  struct ctl_spec spec = { .args = (const char *const[]){ "watch", NULL } };
  struct ctl_run run;
  char *text = calloc(1, 1);
  size_t len = 0;
  int out[2];
  char id[64];

  start_slow_crawl(300, id);
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  spec.stdout_fd = out[1];
  ctl_spawn(&spec, &run);
  close(out[1]);
  while(count_lines(text) < 2)
    ck_assert_msg(read_some(out[0], &text, &len, WAIT_S), "ended: %s", text);
  ck_assert_int_eq(harness_daemon_stop(&h, daemon_pid, WAIT_S), 0);
  while(read_some(out[0], &text, &len, WAIT_S))
    continue;
  close(out[0]);
  ctl_finish(&run, WAIT_S);
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_msg(strstr(run.err, "shutting_down") != NULL, "%s", run.err);
  ck_assert_msg(harness_matches(text, "^[0-9]{2}:[0-9]{2}:[0-9]{2} [a-z]+ "
                                      "in_flight=[0-9]+ queued_jobs=[0-9]+ "),
                "%s", text);
  ck_assert_msg(strchr(text, '\033') == NULL, "escapes on a pipe: %s", text);
  ctl_free(&run);
  free(text);
}
END_TEST

START_TEST(test_watch_json_of_one_job_prints_one_object_a_frame)
{
  const char *args[4] = { "--json", "watch", NULL, NULL };
  struct ctl_spec spec = { .args = args };
  struct ctl_run run;
  char *text = calloc(1, 1);
  size_t len = 0;
  char *line;
  char *save = NULL;
  char other[64];
  int frames = 0;
  int out[2];
  char id[64];

  start_slow_crawl(400, id);
  submit(write_urls("other.txt", 400, "/delay?ms=10&n=%lld"), other);
  args[2] = id;
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  spec.stdout_fd = out[1];
  ctl_spawn(&spec, &run);
  close(out[1]);
  while(count_lines(text) < 2)
    ck_assert_msg(read_some(out[0], &text, &len, WAIT_S), "ended: %s", text);
  /* Ctrl-C ends it with 0. */
  kill(run.pid, SIGINT);
  ctl_finish(&run, WAIT_S);
  close(out[0]);
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  for(line = strtok_r(text, "\n", &save); line != NULL;
      line = strtok_r(NULL, "\n", &save)) {
    json_t *frame = json_loads(line, 0, NULL);
    json_t *job;
    size_t index;

    ck_assert_msg(json_is_object(frame), "not JSON: %s", line);
    ck_assert(json_is_string(at(frame, "state")));
    ck_assert(json_is_number(at(frame, "throughput.thread.10s")));
    ck_assert(json_is_number(at(frame, "throughput.process.10s")));
    json_array_foreach(at(frame, "jobs"), index, job)
    {
      ck_assert_str_eq(str_at(job, "id"), id);
    }
    json_decref(frame);
    frames++;
  }
  ck_assert_int_ge(frames, 2);
  ctl_free(&run);
  free(text);
  stop_daemon();
}
END_TEST

START_TEST(test_watch_on_a_terminal_restores_it_on_ctrl_c)
{
  struct ctl_spec spec = { .args = (const char *const[]){ "watch", NULL } };
  struct ctl_run run;
  char *text = calloc(1, 1);
  size_t len = 0;
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  int slave;
  char id[64];

  ck_assert_int_ge(master, 0);
  ck_assert_int_eq(grantpt(master), 0);
  ck_assert_int_eq(unlockpt(master), 0);
  slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ck_assert_int_ge(slave, 0);
  start_slow_crawl(300, id);
  spec.stdout_fd = slave;
  ctl_spawn(&spec, &run);
  close(slave);
  while(strstr(text, "Ctrl-C to quit") == NULL)
    ck_assert_msg(read_some(master, &text, &len, WAIT_S), "ended: %s", text);
  kill(run.pid, SIGINT);
  while(read_some(master, &text, &len, WAIT_S))
    continue;
  close(master);
  ctl_finish(&run, WAIT_S);
  ck_assert_msg(run.status == 0, "exited %d: %s", run.status, run.err);
  ck_assert_str_eq(run.err, "");
  ck_assert_msg(strncmp(text, SCREEN_ENTER, strlen(SCREEN_ENTER)) == 0,
                "starts with %.20s", text);
  ck_assert_msg(strstr(text, "\033[H\033[2J") != NULL, "no home and clear");
  ck_assert_msg(strstr(text, id) != NULL, "no job %s in %s", id, text);
  ck_assert_msg(len >= strlen(SCREEN_LEAVE) &&
                    strcmp(text + len - strlen(SCREEN_LEAVE), SCREEN_LEAVE) ==
                        0,
                "does not end by showing the cursor: %s",
                text + (len > 40 ? len - 40 : 0));
  ctl_free(&run);
  free(text);
  stop_daemon();
}
END_TEST

/* --- exit codes ---------------------------------------------------------- */

START_TEST(test_unknown_command_exits_2)
{
  struct ctl_run run;

  CTL(&run, "frobnicate");
  ck_assert_int_eq(run.status, 2);
  ck_assert_msg(strstr(run.err, "frobnicate") != NULL, "%s", run.err);
  ck_assert_str_eq(run.out, "");
  ctl_free(&run);
}
END_TEST

START_TEST(test_job_without_an_id_exits_2)
{
  struct ctl_run run;

  CTL(&run, "job");
  ck_assert_int_eq(run.status, 2);
  ck_assert_msg(strstr(run.err, "job ID") != NULL, "%s", run.err);
  ctl_free(&run);
  CTL(&run, "status", "extra");
  ck_assert_int_eq(run.status, 2);
  ctl_free(&run);
  CTL(&run, "submit");
  ck_assert_int_eq(run.status, 2);
  ctl_free(&run);
}
END_TEST

START_TEST(test_bad_flags_exit_2)
{
  struct ctl_run run;

  CTL(&run, "--frobnicate", "status");
  ck_assert_int_eq(run.status, 2);
  ck_assert_msg(strstr(run.err, "--frobnicate") != NULL, "%s", run.err);
  ctl_free(&run);
  CTL(&run, "--timeout", "soon", "status");
  ck_assert_int_eq(run.status, 2);
  ctl_free(&run);
  CTL(&run, "status", "--runtime-dir");
  ck_assert_int_eq(run.status, 2);
  ctl_free(&run);
  CTL(&run, NULL);
  ck_assert_int_eq(run.status, 2);
  ctl_free(&run);
}
END_TEST

START_TEST(test_help_exits_0)
{
  struct ctl_run run;

  CTL(&run, "--help");
  ck_assert_int_eq(run.status, 0);
  ck_assert_msg(strstr(run.out, "Usage: crawlctl") == run.out, "%s", run.out);
  ck_assert_msg(strstr(run.out, "submit FILE...") != NULL, "%s", run.out);
  ctl_free(&run);
}
END_TEST

START_TEST(test_no_daemon_exits_3_naming_the_socket)
{
  struct ctl_run run;

  ck_assert_int_eq(mkdir(paths.runtime_dir, 0755), 0);
  CTL(&run, "status");
  ck_assert_int_eq(run.status, 3);
  ck_assert_msg(strstr(run.err, harness_fmt("%s/status.sock",
                                            paths.runtime_dir)) != NULL,
                "%s", run.err);
  ctl_free(&run);
  CTL(&run, "pause");
  ck_assert_int_eq(run.status, 3);
  ck_assert_msg(strstr(run.err, harness_fmt("%s/control.sock",
                                            paths.runtime_dir)) != NULL,
                "%s", run.err);
  ctl_free(&run);
  /* A runtime directory that does not exist at all. */
  CTL(&run, "--runtime-dir", harness_fmt("%s/missing", h.dir), "status");
  ck_assert_int_eq(run.status, 3);
  ck_assert_msg(
      strstr(run.err, harness_fmt("%s/missing/status.sock", h.dir)) != NULL,
      "%s", run.err);
  ctl_free(&run);
}
END_TEST

START_TEST(test_stale_socket_exits_3)
{
  struct sockaddr_un address =
      socket_address(harness_fmt("%s/status.sock", paths.runtime_dir));
  struct ctl_run run;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);

  /* What a crashed crawld leaves: a socket nobody listens on. */
  ck_assert_int_eq(mkdir(paths.runtime_dir, 0755), 0);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
  close(fd);
  CTL(&run, "status");
  ck_assert_int_eq(run.status, 3);
  ck_assert_msg(strstr(run.err, "Connection refused") != NULL, "%s", run.err);
  ctl_free(&run);
}
END_TEST

START_TEST(test_runtime_dir_flag_beats_the_environment)
{
  struct ctl_spec spec = { .args = (const char *const[]){ "status", NULL },
                           .no_runtime_dir = true,
                           .env_runtime_dir = paths.runtime_dir };
  const char *empty = harness_fmt("%s/empty", h.dir);
  struct ctl_run run;

  ck_assert_int_eq(mkdir(empty, 0755), 0);
  START_DAEMON("-t", "1", "-p", "0");
  ctl_with(&spec, &run);
  ck_assert_msg(run.status == 0, "env alone: %d %s", run.status, run.err);
  ctl_free(&run);
  spec.args = (const char *const[]){ "--runtime-dir", empty, "status", NULL };
  ctl_with(&spec, &run);
  ck_assert_int_eq(run.status, 3);
  ck_assert_msg(strstr(run.err, empty) != NULL, "%s", run.err);
  ctl_free(&run);
  spec.env_runtime_dir = empty;
  spec.args = (const char *const[]){ "--runtime-dir", paths.runtime_dir,
                                     "status", NULL };
  ctl_with(&spec, &run);
  ck_assert_msg(run.status == 0, "flag over env: %d %s", run.status, run.err);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

START_TEST(test_error_reply_exits_1_with_its_code_and_message)
{
  struct ctl_run run;

  START_DAEMON("-t", "1", "-p", "0");
  CTL(&run, "job", "no-such-job");
  ck_assert_int_eq(run.status, 1);
  ck_assert_str_eq(run.out, "");
  ck_assert_msg(strncmp(run.err, "crawlctl: unknown_job: ", 23) == 0, "%s",
                run.err);
  ck_assert_msg(strstr(run.err, "no-such-job") != NULL, "%s", run.err);
  ctl_free(&run);
  stop_daemon();
}
END_TEST

START_TEST(test_unprivileged_pause_exits_4_and_changes_nothing)
{
  struct ctl_spec spec = { .args = (const char *const[]){ "pause", NULL },
                           .as_nobody = true };
  struct ctl_run run;

  if(geteuid() != 0) {
    fprintf(stderr,
            "skipped: the permission test needs root, to become "
            "uid %d\n",
            NOBODY);
    return;
  }
  /* Let nobody reach the sockets, so that only their modes decide. */
  ck_assert_int_eq(chmod(h.dir, 0755), 0);
  ck_assert_int_eq(mkdir(paths.runtime_dir, 0755), 0);
  START_DAEMON("-t", "1", "-p", "0");
  ctl_with(&spec, &run);
  ck_assert_int_eq(run.status, 4);
  ck_assert_msg(strstr(run.err, harness_fmt("%s/control.sock",
                                            paths.runtime_dir)) != NULL,
                "%s", run.err);
  ctl_free(&run);
  /* status.sock is open to all: nobody was kept out of control.sock only. */
  spec.args = (const char *const[]){ "status", NULL };
  ctl_with(&spec, &run);
  ck_assert_msg(run.status == 0, "status as nobody: %d %s", run.status,
                run.err);
  ctl_free(&run);
  ck_assert(status_state_is("running"));
  stop_daemon();
}
END_TEST

START_TEST(test_permission_denied_reply_exits_4)
{
  pid_t fake =
      fake_crawld("control.sock", "{\"proto\":1,\"server\":\"fake\"}\n",
                  "{\"ok\":false,\"error\":{\"code\":\"permission_denied\","
                  "\"message\":\"not you\"}}");
  struct ctl_run run;

  CTL(&run, "--runtime-dir", harness_fmt("%s/fake", h.dir), "drain");
  fake_crawld_stop(fake);
  ck_assert_int_eq(run.status, 4);
  ck_assert_str_eq(run.err, "crawlctl: permission_denied: not you\n");
  ctl_free(&run);
}
END_TEST

START_TEST(test_other_protocol_version_exits_1)
{
  pid_t fake =
      fake_crawld("status.sock", "{\"proto\":2,\"server\":\"fake\"}\n", NULL);
  struct ctl_run run;

  CTL(&run, "--runtime-dir", harness_fmt("%s/fake", h.dir), "status");
  fake_crawld_stop(fake);
  ck_assert_int_eq(run.status, 1);
  ck_assert_msg(strstr(run.err, "protocol 2") != NULL, "%s", run.err);
  ctl_free(&run);
}
END_TEST

START_TEST(test_stuck_daemon_times_out_with_3)
{
  struct ctl_run run;
  double took;

  START_DAEMON("-t", "1", "-p", "0");
  ck_assert_int_eq(kill(daemon_pid, SIGSTOP), 0);
  took = harness_now();
  CTL(&run, "--timeout", "0.5", "status");
  took = harness_now() - took;
  ck_assert_int_eq(kill(daemon_pid, SIGCONT), 0);
  ck_assert_int_eq(run.status, 3);
  ck_assert_msg(strstr(run.err, "status.sock: crawld did not answer") != NULL,
                "%s", run.err);
  ck_assert_msg(took < 5, "took %.1f s", took);
  ctl_free(&run);
  ck_assert(status_state_is("running"));
  stop_daemon();
}
END_TEST

/* --- many clients, hostile bytes ---------------------------------------- */

START_TEST(test_100_concurrent_status_calls_all_succeed)
{
  static struct ctl_run runs[100];
  struct ctl_spec spec = { .args = (const char *const[]){ "--json", "status",
                                                          NULL } };
  char id[64];

  start_slow_crawl(300, id);
  for(int i = 0; i < 100; i++)
    ctl_spawn(&spec, &runs[i]);
  for(int i = 0; i < 100; i++) {
    json_t *status;

    ctl_finish(&runs[i], WAIT_S);
    ck_assert_msg(runs[i].status == 0, "call %d exited %d: %s", i,
                  runs[i].status, runs[i].err);
    status = json_loads(runs[i].out, 0, NULL);
    ck_assert_msg(json_is_string(at(status, "state")), "call %d: %s", i,
                  runs[i].out);
    json_decref(status);
    ctl_free(&runs[i]);
  }
  assert_crawl_survives(id, 300);
  stop_daemon();
}
END_TEST

START_TEST(test_random_bytes_close_the_connection)
{
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  char id[64];

  start_slow_crawl(200, id);
  for(int round = 0; round < 20; round++) {
    unsigned char bytes[4096];

    for(size_t i = 0; i < sizeof(bytes); i++) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      bytes[i] = (unsigned char)state;
    }
    bytes[sizeof(bytes) - 1] = '\n';
    send_hostile(bytes, sizeof(bytes),
                 harness_fmt("random bytes, round %d", round));
  }
  assert_crawl_survives(id, 200);
  stop_daemon();
}
END_TEST

START_TEST(test_deeply_nested_json_closes_the_connection)
{
  size_t len = 100000;
  char *bytes = malloc(len + 64);
  char id[64];

  ck_assert_ptr_nonnull(bytes);
  start_slow_crawl(200, id);
  /* 100000 '[': over the request limit. */
  memset(bytes, '[', len);
  bytes[len] = '\n';
  send_hostile(bytes, len + 1, "100000 [");
  /* Inside a request, just under the limit: for the parser to refuse. */
  len = (size_t)snprintf(bytes, 64, "{\"id\":1,\"cmd\":\"status\",\"args\":");
  memset(bytes + len, '[', CTL_REQUEST_MAX - 64 - len);
  len = CTL_REQUEST_MAX - 64;
  bytes[len++] = '\n';
  send_hostile(bytes, len, "args nested 65000 deep");
  free(bytes);
  assert_crawl_survives(id, 200);
  stop_daemon();
}
END_TEST

START_TEST(test_huge_numbers_are_refused)
{
  static const char *const requests[] = {
    "{\"id\":1e400,\"cmd\":\"status\"}\n",
    "{\"id\":99999999999999999999999,\"cmd\":\"status\"}\n",
    "{\"id\":-99999999999999999999999,\"cmd\":\"status\"}\n",
    "{\"id\":1.5,\"cmd\":\"status\"}\n",
    "{\"id\":1,\"cmd\":\"status\",\"args\":{\"x\":1e400}}\n",
    "{\"id\":1,\"cmd\":\"job\",\"args\":{\"id\":99999999999999999999999}}\n",
  };
  static const char largest[] =
      "{\"id\":9223372036854775807,\"cmd\":\"status\"}\n";
  char *line;
  int fd;
  char id[64];

  start_slow_crawl(200, id);
  for(size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
    send_hostile(requests[i], strlen(requests[i]), requests[i]);
  /* The largest id that is a number is answered, and echoed exactly. */
  fd = raw_greeted("status.sock");
  raw_send(fd, largest, strlen(largest));
  line = raw_line(fd, WAIT_S);
  ck_assert_ptr_nonnull(line);
  ck_assert_msg(
      strncmp(line, "{\"id\":9223372036854775807,\"ok\":true,", 36) == 0, "%s",
      line);
  free(line);
  close(fd);
  assert_crawl_survives(id, 200);
  stop_daemon();
}
END_TEST

START_TEST(test_nul_bytes_in_a_request_are_refused)
{
  static const char request[] = "{\"id\":1,\"cmd\":\"status\"}";
  static const char in_string[] = "{\"id\":1,\"cmd\":\"sta\0tus\"}\n";
  static const char between[] = "{\"id\":1,\0\"cmd\":\"status\"}\n";
  char bytes[64];
  char id[64];

  start_slow_crawl(200, id);
  /* A NUL inside the command name, between two members, after the
   * object, and alone. */
  send_hostile(in_string, sizeof(in_string) - 1, "NUL in a string");
  send_hostile(between, sizeof(between) - 1, "NUL between members");
  memcpy(bytes, request, sizeof(request) - 1);
  memcpy(bytes + sizeof(request) - 1, "\0\n", 2);
  send_hostile(bytes, sizeof(request) + 1, "NUL after the object");
  send_hostile("\0\n", 2, "a lone NUL");
  assert_crawl_survives(id, 200);
  stop_daemon();
}
END_TEST

START_TEST(test_request_over_64k_without_newline_is_refused)
{
  size_t len = CTL_REQUEST_MAX + 4096;
  char *bytes = malloc(len);
  size_t head;
  char id[64];

  ck_assert_ptr_nonnull(bytes);
  start_slow_crawl(200, id);
  memset(bytes, 'a', len);
  send_hostile(bytes, len, "64 KiB and more without a newline");
  /* A valid request padded past the limit. */
  head = (size_t)snprintf(bytes, 64, "{\"id\":1,\"cmd\":\"status\"");
  memset(bytes + head, ' ', len - head);
  bytes[len - 2] = '}';
  bytes[len - 1] = '\n';
  send_hostile(bytes, len, "a request padded past 64 KiB");
  free(bytes);
  assert_crawl_survives(id, 200);
  stop_daemon();
}
END_TEST

START_TEST(test_idle_connections_over_the_limit_are_closed)
{
  int fds[CTL_MAX_CLIENTS + 6];
  int count = CTL_MAX_CLIENTS + 6;
  int greeted = 0;
  struct ctl_run run;
  char id[64];

  start_slow_crawl(200, id);
  for(int i = 0; i < count; i++)
    fds[i] = raw_connect(i % 2 ? "status.sock" : "control.sock");
  for(int i = 0; i < count; i++) {
    char *greeting = raw_line(fds[i], WAIT_S);

    greeted += greeting != NULL;
    free(greeting);
  }
  ck_assert_int_eq(greeted, CTL_MAX_CLIENTS);
  /* While they stay, a new client finds no place... The refusal comes at
   * once; the long timeout only keeps a slow (sanitized) build from
   * turning it into "did not answer". */
  CTL(&run, "--timeout", harness_fmt("%g", WAIT_S), "status");
  ck_assert_int_eq(run.status, 3);
  ck_assert_msg(strstr(run.err, "too many clients") != NULL, "%s", run.err);
  ctl_free(&run);
  for(int i = 0; i < count; i++)
    close(fds[i]);
  /* ...and finds one once they have gone. */
  assert_crawl_survives(id, 200);
  stop_daemon();
}
END_TEST

static void add_test(Suite *suite, const char *name, const TTest *test)
{
  TCase *tcase = tcase_create(name);

  tcase_add_unchecked_fixture(tcase, setup, teardown);
  tcase_set_timeout(tcase, 120);
  tcase_add_test(tcase, test);
  suite_add_tcase(suite, tcase);
}

static Suite *crawlctl_suite(void)
{
  Suite *suite = suite_create("crawlctl");

#define ADD(test) add_test(suite, #test, test)
  ADD(test_status_json_counts_a_finished_crawl);
  ADD(test_status_shows_threads_and_processes_side_by_side);
  ADD(test_workers_lists_every_configured_worker);
  ADD(test_workers_table_has_a_row_per_worker);
  ADD(test_status_counts_robots_txt_and_hosts);
  ADD(test_hosts_lists_the_busy_host);
  ADD(test_submit_ignore_robots_is_for_that_job_only);
  ADD(test_ignore_robots_with_another_command_exits_2);
  ADD(test_submit_refuses_bad_job_options);
  ADD(test_job_with_bad_options_fails_with_the_reason);
  ADD(test_jobs_lists_a_finished_job_with_its_totals);
  ADD(test_job_id_shows_that_job);
  ADD(test_a_job_that_follows_links_counts_what_it_found);
  ADD(test_jobs_shows_an_active_job_with_rate_and_in_flight);
  ADD(test_submit_file_prints_a_job_id_that_ends_in_done);
  ADD(test_submit_dash_streams_standard_input);
  ADD(test_submit_of_two_files_prints_two_ids);
  ADD(test_submit_that_fails_mid_copy_leaves_no_tmp_file);
  ADD(test_pause_mid_crawl_stops_progress_and_resume_completes);
  ADD(test_job_submitted_while_paused_waits_for_resume);
  ADD(test_drain_leaves_dropped_files_in_incoming);
  ADD(test_drain_with_a_job_reports_draining_until_it_ends);
  ADD(test_submit_while_draining_exits_1_and_the_file_waits);
  ADD(test_reload_applies_a_new_worker_count);
  ADD(test_reload_of_an_invalid_config_exits_1_naming_file_and_line);
  ADD(test_stats_json_has_every_counter);
  ADD(test_stats_table_lists_every_counter);
  ADD(test_watch_on_a_pipe_prints_lines_until_crawld_stops);
  ADD(test_watch_json_of_one_job_prints_one_object_a_frame);
  ADD(test_watch_on_a_terminal_restores_it_on_ctrl_c);
  ADD(test_unknown_command_exits_2);
  ADD(test_job_without_an_id_exits_2);
  ADD(test_bad_flags_exit_2);
  ADD(test_help_exits_0);
  ADD(test_no_daemon_exits_3_naming_the_socket);
  ADD(test_stale_socket_exits_3);
  ADD(test_runtime_dir_flag_beats_the_environment);
  ADD(test_error_reply_exits_1_with_its_code_and_message);
  ADD(test_unprivileged_pause_exits_4_and_changes_nothing);
  ADD(test_permission_denied_reply_exits_4);
  ADD(test_other_protocol_version_exits_1);
  ADD(test_stuck_daemon_times_out_with_3);
  ADD(test_100_concurrent_status_calls_all_succeed);
  ADD(test_random_bytes_close_the_connection);
  ADD(test_deeply_nested_json_closes_the_connection);
  ADD(test_huge_numbers_are_refused);
  ADD(test_nul_bytes_in_a_request_are_refused);
  ADD(test_request_over_64k_without_newline_is_refused);
  ADD(test_idle_connections_over_the_limit_are_closed);
#undef ADD
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(crawlctl_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
