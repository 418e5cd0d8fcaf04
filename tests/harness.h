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

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

struct harness {
  char dir[256]; /* private temporary directory */
  pid_t server_pid;
  int server_stdin; /* our end of the server's stdin: closing it stops the
                       server */
  int port;         /* the evhttp port */
  int raw_port;     /* the misbehaving raw-TCP port */
};

/* Makes the directory and starts the server; fails the test on any error. */
void harness_start(struct harness *h);
/* Stops the server by its pid and removes the directory. */
void harness_stop(struct harness *h);

/* "http://127.0.0.1:PORT" + path, malloc'd. */
char *harness_url(const struct harness *h, const char *path);
char *harness_raw_url(const struct harness *h, const char *path);
/* Writes bytes to DIR/name and returns the full path (malloc'd). */
char *harness_write(const struct harness *h, const char *name,
                    const void *bytes, size_t len);

struct crawl_run {
  pid_t pid;       /* crawld's pid: worker threads report it as theirs */
  int exit_status; /* crawld's exit code, or 128 + signal */
  json_t *records; /* array of the output's records, in output order */
  char *log;       /* what crawld wrote to stderr */
};

/* Runs `crawld --once DIR/urls_name --output DIR/out.jsonl ARGS...` (args is
 * NULL-terminated) and reads its output back. Fails the test when a line is
 * not JSON. */
void harness_crawl(const struct harness *h, const char *urls_name,
                   const char *const args[], struct crawl_run *run);
void crawl_run_free(struct crawl_run *run);
/* The record with that seq; fails the test if there is none or more than one.
 */
json_t *harness_record(const struct crawl_run *run, long long seq);

#endif
