/* harness.h - whole-program tests: a private test server, a private temporary
 * directory, and crawld run as users run it, its output read back as JSON.
 *
 * The binaries come from the environment (CRAWLD, TESTSERVER), as `make check`
 * sets them. Start and stop the harness in an unchecked fixture: it then runs
 * in Check's parent process, so a failed assertion (which ends the forked test
 * at once) still reaches harness_stop() and leaves nothing behind. The server
 * also exits by itself when its stdin pipe closes, should the test runner die
 * first. */
#ifndef CRAWLD_TEST_HARNESS_H
#define CRAWLD_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#define HARNESS_MAX_HOSTS 64

struct harness {
  char dir[256]; /* private temporary directory */
  pid_t server_pid;
  int server_stdin; /* our end of the server's stdin: closing it stops the
                       server */
  int port;         /* the evhttp port */
  int raw_port;     /* the misbehaving raw-TCP port */
  int hosts;        /* extra listeners: host i is 127.0.0.(i + 2) */
  long pages;       /* testserver --pages; 0: its default */
  int host_port[HARNESS_MAX_HOSTS];
};

/* Makes the directory and starts the server; fails the test on any error. */
void harness_start(struct harness *h);
/* The same with hosts (at most HARNESS_MAX_HOSTS) more listeners, on
 * 127.0.0.2 and up, each on a port of its own; the server logs every
 * request to harness_server_log() and serves /robots.txt from the files in
 * harness_robots_dir() (see testserver.c). */
void harness_start_hosts(struct harness *h, int hosts);
/* "http://127.0.0.(host + 2):PORT" + path, malloc'd. */
char *harness_host_url(const struct harness *h, int host, const char *path);
/* "127.0.0.(host + 2):PORT", as the server log names the host (static). */
const char *harness_host_name(const struct harness *h, int host);
/* A loopback port that was just free and that nobody listens on. */
int harness_unused_port(void);
/* DIR/server.log and DIR/robots, malloc'd. */
char *harness_server_log(const struct harness *h);
char *harness_robots_dir(const struct harness *h);
/* Stops the server by its pid and removes the directory. */
void harness_stop(struct harness *h);

/* "http://127.0.0.1:PORT" + path, malloc'd. */
char *harness_url(const struct harness *h, const char *path);
char *harness_raw_url(const struct harness *h, const char *path);
/* Writes bytes to DIR/name and returns the full path (malloc'd). */
char *harness_write(const struct harness *h, const char *name,
                    const void *bytes, size_t len);
/* Writes text to DIR/site/path, making the directories on the way: the
 * server's /files/path (testserver --site-dir). */
void harness_site_file(const struct harness *h, const char *path,
                       const char *text);
/* count lines, line i being harness_url() of the path printf(path_fmt, i)
 * (path_fmt takes one long long); malloc'd, *len its length (len may be
 * NULL). Fails the test when it cannot build the text. */
char *harness_url_lines(const struct harness *h, long long count,
                        const char *path_fmt, size_t *len);

struct crawl_run {
  pid_t pid;       /* crawld's pid: worker threads report it as theirs */
  int exit_status; /* crawld's exit code, or 128 + signal */
  json_t *records; /* array of the output's records, in output order */
  char *log;       /* what crawld wrote to stderr */
};

/* The tests crawl one local server as hard as they like: harness_crawl()
 * and harness_service_start() lift the per-host cap with this flag, before
 * the test's own flags, so a politeness test sets its own --per-host. */
#define HARNESS_UNTHROTTLED "--per-host=16384"

/* Runs `crawld --once DIR/urls_name --output DIR/out.jsonl
 * HARNESS_UNTHROTTLED ARGS...` (args is NULL-terminated) and reads its output
 * back. Fails the test when a line is not JSON. */
void harness_crawl(const struct harness *h, const char *urls_name,
                   const char *const args[], struct crawl_run *run);
void crawl_run_free(struct crawl_run *run);
/* The record with that seq; fails the test if there is none or more than one.
 */
json_t *harness_record(const struct crawl_run *run, long long seq);

/* --- crawld as a service ------------------------------------------------
 *
 * The service tests start crawld in the background, drop job files into
 * its spool, wait for what it does, and stop it by pid. The test body runs
 * in a process Check forks; its daemons are that process's children. So
 * that a failed assertion still stops them, every daemon started is noted
 * in a file of the test directory, and harness_stop_service(), run from an
 * unchecked teardown in Check's own process, kills and reaps any that was
 * not stopped: harness_start_service() makes that process a child
 * subreaper, so orphaned daemons (and orphaned worker processes) become its
 * children and are reaped there, never left to a pid that may be reused. */

/* harness_start() plus the above. */
void harness_start_service(struct harness *h);
/* The same with a /site/ of that many pages. */
void harness_start_service_pages(struct harness *h, long pages);
/* Kills (SIGKILL) and reaps every daemon not stopped yet, reaps orphans
 * that have exited, then harness_stop(). */
void harness_stop_service(struct harness *h);

/* Starts `crawld ARGS...` (args NULL-terminated) in the background, in
 * DIR, with stdin from /dev/null and stdout and stderr appended to
 * DIR/log_name. Its environment is ours without NOTIFY_SOCKET,
 * WATCHDOG_USEC, WATCHDOG_PID and CRAWLD_TEST_CRASH_MARKER, plus env
 * ("NAME=value" strings, NULL-terminated; may be NULL). Returns its pid. */
pid_t harness_daemon_start(const struct harness *h, const char *log_name,
                           const char *const args[], const char *const env[]);
/* Waits up to seconds for the daemon to exit by itself. Returns its exit
 * code, or 128 + the signal that ended it; -1 if it still runs. */
int harness_daemon_wait(const struct harness *h, pid_t pid, double seconds);
/* SIGTERM, then waits up to seconds; if it still runs then, SIGKILL. Returns
 * as harness_daemon_wait() (128 + 9 when it had to be killed). */
int harness_daemon_stop(const struct harness *h, pid_t pid, double seconds);
/* SIGKILL and reap. Returns as harness_daemon_wait(). */
int harness_daemon_kill(const struct harness *h, pid_t pid);
/* The pids of parent's children (from /proc), at most size of them;
 * returns how many. */
size_t harness_children(pid_t parent, pid_t *pids, size_t size);
/* True while the process exists and is not a zombie. */
bool harness_process_running(pid_t pid);

/* Where crawld keeps things when started by harness_service_start(), all
 * in DIR. */
struct harness_service_paths {
  char state_dir[300];   /* DIR/state */
  char runtime_dir[300]; /* DIR/run */
  char conf_path[300];   /* DIR/crawld.conf */
  char log_path[300];    /* DIR/crawld.log */
};
/* Fills paths for h's directory; creates nothing. */
void harness_service_paths(const struct harness *h,
                           struct harness_service_paths *paths);
/* Writes text to DIR/crawld.conf; fails the test when it cannot. */
void harness_service_conf(const struct harness *h, const char *text);
/* Starts `crawld --config CONF --state-dir STATE --runtime-dir RUN
 * HARNESS_UNTHROTTLED FLAGS...`
 * with harness_daemon_start() (env as there; flags NULL-terminated, may be
 * NULL), logging to paths->log_path, which a timed-out wait then shows:
 * paths must outlive the test. Returns its pid; fails the test as
 * harness_daemon_start() does or when there are too many flags. */
pid_t harness_service_start(const struct harness *h,
                            const struct harness_service_paths *paths,
                            const char *const flags[],
                            const char *const env[]);
/* True while the daemon runs; once it has exited, fails the test with its
 * status and the last 3000 bytes of paths->log_path. */
bool harness_service_alive(const struct harness *h,
                           const struct harness_service_paths *paths,
                           pid_t pid);
/* Stops the daemon as harness_daemon_stop() does; fails the test unless it
 * exits 0. */
void harness_service_stop(const struct harness *h, pid_t pid, double seconds);

/* Drops a job file the way producers should: writes it in
 * STATE_DIR/incoming/.tmp/ under a temporary name, then renames it to
 * STATE_DIR/incoming/name. Creates the directories when they are missing. */
void harness_drop_job(const char *state_dir, const char *name,
                      const void *bytes, size_t len);
/* The same with the job's options (a JSON object, crawld(8)) set on the file
 * before it is renamed in; NULL: none. */
void harness_drop_job_options(const char *state_dir, const char *name,
                              const void *bytes, size_t len,
                              const char *options);

/* A file's bytes, malloc'd and NUL-terminated (*len without the NUL; len
 * may be NULL); NULL when the file does not exist. Fails the test on any
 * other error. */
char *harness_read_file(const char *path, size_t *len);
/* A file's text as harness_read_file() reads it, but "" (malloc'd too)
 * when the file does not exist; fails the test on any other error. */
char *harness_read_text(const char *path);
/* Every line of a journal as a JSON array of objects, in file order; NULL
 * when the file does not exist. A last line without its newline (a write
 * in progress) is left out when torn_tail_ok, else fails the test, as does
 * a line that is not a JSON object. */
json_t *harness_read_journal(const char *path, bool torn_tail_ok);

/* Waiting with a deadline: polls every HARNESS_POLL_MS and fails the test
 * with the message once the deadline has passed. Deadlines are generous and
 * say nothing about speed.
 *
 *   HARNESS_WAIT_UNTIL(access(path, F_OK) == 0, 30, "%s to appear", path);
 */
#define HARNESS_POLL_MS 10
struct harness_deadline {
  double end; /* CLOCK_MONOTONIC seconds */
};
void harness_deadline_start(struct harness_deadline *deadline, double seconds);
/* Sleeps one poll interval; fails the test ("timed out after ... waiting
 * for " + the message) when the deadline has passed. */
void harness_deadline_tick(const struct harness_deadline *deadline,
                           const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define HARNESS_WAIT_UNTIL(condition, seconds, ...)   \
  do {                                                \
    struct harness_deadline deadline_;                \
    harness_deadline_start(&deadline_, (seconds));    \
    while(!(condition))                               \
      harness_deadline_tick(&deadline_, __VA_ARGS__); \
  } while(0)
/* CLOCK_MONOTONIC in seconds. */
double harness_now(void);
/* usleep() for seconds (a signal may cut it short); cannot fail. */
void harness_sleep(double seconds);
/* When a wait times out, the last bytes of this file (a daemon's log) are
 * printed with the failure; NULL for none. */
void harness_on_failure_show(const char *path);

/* printf into one of 8 static buffers of 1024 bytes, reused in turn: for
 * paths used at once. Fails the test when the text does not fit. */
const char *harness_fmt(const char *format, ...)
    __attribute__((format(printf, 1, 2)));
/* True when the POSIX extended regular expression pattern matches somewhere
 * in text; fails the test when the pattern does not compile. */
bool harness_matches(const char *text, const char *pattern);

/* A NOTIFY_SOCKET for sd_notify: an AF_UNIX datagram socket bound to
 * DIR/notify.sock. Each datagram is split into its lines (assignments such
 * as "READY=1"), collected in arrival order. */
struct harness_notify {
  int fd;
  char path[108];
  char **lines;
  size_t count;
  size_t capacity;
};
void harness_notify_open(const struct harness *h, struct harness_notify *n);
/* Reads every datagram waiting, without blocking; returns how many lines
 * were added. */
size_t harness_notify_poll(struct harness_notify *n);
/* Index of the first line at or after from that starts with prefix; -1 if
 * none. */
long harness_notify_find(const struct harness_notify *n, size_t from,
                         const char *prefix);
void harness_notify_close(struct harness_notify *n);

/* The fds a process has open, from /proc/PID/fd: returns how many. When list
 * is not NULL, *list gets a malloc'd text of "fd -> target" lines in fd
 * order, so that a failure can say which fds they are. Fails the test when
 * the process is gone. */
size_t harness_open_fds(pid_t pid, char **list);

#endif
