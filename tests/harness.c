/* harness.c - see harness.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  return remove(path);
}

static void remove_tree(const char *dir)
{
  if(dir[0] != '\0')
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *binary(const char *variable)
{
  const char *path = getenv(variable);

  ck_assert_msg(path != NULL && path[0] != '\0',
                "%s is not set (run through make check)", variable);
  return path;
}

/* Reads one decimal line from the server's stdout. */
static int read_port(FILE *from)
{
  char line[32];

  ck_assert_msg(fgets(line, sizeof(line), from) != NULL,
                "test server did not start");
  return atoi(line);
}

static void start_server(struct harness *h)
{
  int to_server[2];
  int from_server[2];
  FILE *from;

  ck_assert_int_eq(pipe2(to_server, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(from_server, O_CLOEXEC), 0);
  h->server_pid = fork();
  ck_assert_int_ge(h->server_pid, 0);
  if(h->server_pid == 0) {
    dup2(to_server[0], STDIN_FILENO);
    dup2(from_server[1], STDOUT_FILENO);
    execl(binary("TESTSERVER"), "testserver", "--exit-on-stdin-eof", "--quiet",
          (char *)NULL);
    _exit(127);
  }
  close(to_server[0]);
  close(from_server[1]);
  h->server_stdin = to_server[1];
  from = fdopen(from_server[0], "r");
  ck_assert_ptr_nonnull(from);
  h->port = read_port(from);
  h->raw_port = read_port(from);
  fclose(from);
  ck_assert_int_gt(h->port, 0);
  ck_assert_int_gt(h->raw_port, 0);
}

void harness_start(struct harness *h)
{
  const char *tmp = getenv("TMPDIR");

  memset(h, 0, sizeof(*h));
  snprintf(h->dir, sizeof(h->dir), "%s/crawld-test-XXXXXX",
           tmp != NULL ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(h->dir));
  start_server(h);
}

void harness_stop(struct harness *h)
{
  if(h->server_pid > 0) {
    kill(h->server_pid, SIGTERM);
    waitpid(h->server_pid, NULL, 0);
    close(h->server_stdin);
    h->server_pid = 0;
  }
  remove_tree(h->dir);
}

char *harness_url(const struct harness *h, const char *path)
{
  char *url;

  ck_assert_int_ge(asprintf(&url, "http://127.0.0.1:%d%s", h->port, path), 0);
  return url;
}

char *harness_raw_url(const struct harness *h, const char *path)
{
  char *url;

  ck_assert_int_ge(asprintf(&url, "http://127.0.0.1:%d%s", h->raw_port, path),
                   0);
  return url;
}

char *harness_write(const struct harness *h, const char *name,
                    const void *bytes, size_t len)
{
  char *path;
  FILE *file;

  ck_assert_int_ge(asprintf(&path, "%s/%s", h->dir, name), 0);
  file = fopen(path, "w");
  ck_assert_ptr_nonnull(file);
  ck_assert_uint_eq(fwrite(bytes, 1, len, file), len);
  ck_assert_int_eq(fclose(file), 0);
  return path;
}

static char *read_file(const char *path, size_t *len)
{
  FILE *file = fopen(path, "r");
  char *bytes = NULL;
  size_t size = 0;
  FILE *memory;
  char chunk[65536];
  size_t got;

  ck_assert_ptr_nonnull(file);
  memory = open_memstream(&bytes, &size);
  ck_assert_ptr_nonnull(memory);
  while((got = fread(chunk, 1, sizeof(chunk), file)) > 0)
    fwrite(chunk, 1, got, memory);
  fclose(file);
  fclose(memory);
  *len = size;
  return bytes;
}

static json_t *parse_lines(const char *bytes, size_t len)
{
  json_t *records = json_array();
  size_t start = 0;

  while(start < len) {
    const char *eol = memchr(bytes + start, '\n', len - start);
    json_error_t error;
    json_t *record;
    size_t line_len;

    ck_assert_msg(eol != NULL, "output ends without a newline");
    line_len = (size_t)(eol - (bytes + start));
    record = json_loadb(bytes + start, line_len, 0, &error);
    ck_assert_msg(json_is_object(record),
                  "output line is not a JSON object: %s", error.text);
    json_array_append_new(records, record);
    start += line_len + 1;
  }
  return records;
}

void harness_crawl(const struct harness *h, const char *urls_name,
                   const char *const args[], struct crawl_run *run)
{
  char urls[512], output[512], log[512];
  const char *argv[64];
  int argc = 0;
  int status;
  size_t len;
  char *bytes;
  pid_t pid;

  snprintf(urls, sizeof(urls), "%s/%s", h->dir, urls_name);
  snprintf(output, sizeof(output), "%s/out.jsonl", h->dir);
  snprintf(log, sizeof(log), "%s/crawld.log", h->dir);
  argv[argc++] = "crawld";
  argv[argc++] = "--once";
  argv[argc++] = urls;
  argv[argc++] = "--output";
  argv[argc++] = output;
  for(int i = 0; args != NULL && args[i] != NULL; i++) {
    ck_assert_int_lt(argc, 62);
    argv[argc++] = args[i];
  }
  argv[argc] = NULL;
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if(pid == 0) {
    int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    dup2(log_fd, STDERR_FILENO);
    execv(binary("CRAWLD"), (char *const *)argv);
    _exit(127);
  }
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  run->pid = pid;
  run->exit_status =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run->log = read_file(log, &len);
  ck_assert_msg(access(output, F_OK) == 0,
                "crawld exited %d with no output; its log:\n%s",
                run->exit_status, run->log);
  bytes = read_file(output, &len);
  run->records = parse_lines(bytes, len);
  free(bytes);
}

void crawl_run_free(struct crawl_run *run)
{
  json_decref(run->records);
  free(run->log);
  memset(run, 0, sizeof(*run));
}

json_t *harness_record(const struct crawl_run *run, long long seq)
{
  json_t *found = NULL;
  size_t index;
  json_t *record;

  json_array_foreach(run->records, index, record)
  {
    if(json_integer_value(json_object_get(record, "seq")) != seq)
      continue;
    ck_assert_msg(found == NULL, "two records for seq %lld", seq);
    found = record;
  }
  ck_assert_msg(found != NULL, "no record for seq %lld", seq);
  return found;
}
