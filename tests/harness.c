/* harness.c - see harness.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/xattr.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
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

/* Reads DIR/hosts.txt ("ADDR PORT" lines) into h->host_port. */
static void read_hosts(struct harness *h)
{
  char path[512];
  char addr[64];
  FILE *file;
  int port;

  snprintf(path, sizeof(path), "%s/port.txt", h->dir);
  HARNESS_WAIT_UNTIL(access(path, F_OK) == 0, 30, "%s to appear", path);
  snprintf(path, sizeof(path), "%s/hosts.txt", h->dir);
  file = fopen(path, "re");
  ck_assert_ptr_nonnull(file);
  for(int i = 0; i < h->hosts; i++) {
    char want[32];

    ck_assert_int_eq(fscanf(file, "%63s %d", addr, &port), 2);
    snprintf(want, sizeof(want), "127.0.0.%d", i + 2);
    ck_assert_str_eq(addr, want);
    h->host_port[i] = port;
  }
  fclose(file);
}

static void start_server(struct harness *h)
{
  char hosts[16], hosts_file[512], port_file[512], log[512], robots[512];
  char site[512], pages[32];
  int to_server[2];
  int from_server[2];
  FILE *from;

  snprintf(hosts, sizeof(hosts), "%d", h->hosts);
  /* 10000: the server's own default, said again. */
  snprintf(pages, sizeof(pages), "--pages=%ld",
           h->pages > 0 ? h->pages : 10000);
  snprintf(hosts_file, sizeof(hosts_file), "%s/hosts.txt", h->dir);
  snprintf(port_file, sizeof(port_file), "%s/port.txt", h->dir);
  snprintf(log, sizeof(log), "%s/server.log", h->dir);
  snprintf(robots, sizeof(robots), "%s/robots", h->dir);
  snprintf(site, sizeof(site), "%s/site", h->dir);
  if(h->hosts > 0)
    ck_assert_int_eq(mkdir(robots, 0700), 0);
  ck_assert_int_eq(mkdir(site, 0700), 0);

  ck_assert_int_eq(pipe2(to_server, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(from_server, O_CLOEXEC), 0);
  h->server_pid = fork();
  ck_assert_int_ge(h->server_pid, 0);
  if(h->server_pid == 0) {
    dup2(to_server[0], STDIN_FILENO);
    dup2(from_server[1], STDOUT_FILENO);
    if(h->hosts > 0)
      execl(binary("TESTSERVER"), "testserver", "--exit-on-stdin-eof",
            "--quiet", "--hosts", hosts, "--hosts-file", hosts_file,
            "--port-file", port_file, "--log", log, "--robots-dir", robots,
            "--site-dir", site, pages, (char *)NULL);
    else
      execl(binary("TESTSERVER"), "testserver", "--exit-on-stdin-eof",
            "--quiet", "--site-dir", site, pages, (char *)NULL);
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
  if(h->hosts > 0)
    read_hosts(h);
}

/* harness_start() with a /site/ of pages (0: the server's default). */
static void start_with_pages(struct harness *h, long pages)
{
  const char *tmp = getenv("TMPDIR");

  memset(h, 0, sizeof(*h));
  h->pages = pages;
  snprintf(h->dir, sizeof(h->dir), "%s/crawld-test-XXXXXX",
           tmp != NULL ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(h->dir));
  start_server(h);
}

void harness_start(struct harness *h)
{
  start_with_pages(h, 0);
}

void harness_start_hosts(struct harness *h, int hosts)
{
  const char *tmp = getenv("TMPDIR");

  ck_assert_int_le(hosts, HARNESS_MAX_HOSTS);
  memset(h, 0, sizeof(*h));
  h->hosts = hosts;
  snprintf(h->dir, sizeof(h->dir), "%s/crawld-test-XXXXXX",
           tmp != NULL ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(h->dir));
  start_server(h);
}

char *harness_host_url(const struct harness *h, int host, const char *path)
{
  char *url;

  ck_assert(host >= 0 && host < h->hosts);
  ck_assert_int_ge(asprintf(&url, "http://127.0.0.%d:%d%s", host + 2,
                            h->host_port[host], path),
                   0);
  return url;
}

const char *harness_host_name(const struct harness *h, int host)
{
  static char name[64];

  ck_assert(host >= 0 && host < h->hosts);
  snprintf(name, sizeof(name), "127.0.0.%d:%d", host + 2, h->host_port[host]);
  return name;
}

int harness_unused_port(void)
{
  struct sockaddr_in address = { .sin_family = AF_INET };
  socklen_t len = sizeof(address);
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&address, &len), 0);
  close(fd);
  return ntohs(address.sin_port);
}

char *harness_server_log(const struct harness *h)
{
  char *path;

  ck_assert_int_ge(asprintf(&path, "%s/server.log", h->dir), 0);
  return path;
}

char *harness_robots_dir(const struct harness *h)
{
  char *path;

  ck_assert_int_ge(asprintf(&path, "%s/robots", h->dir), 0);
  return path;
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

void harness_site_file(const struct harness *h, const char *path,
                       const char *text)
{
  char full[1024];

  snprintf(full, sizeof(full), "%s/site/%s", h->dir, path);
  /* Every directory on the way, as mkdir -p. */
  for(char *slash = strchr(full + strlen(h->dir) + 6, '/'); slash != NULL;
      slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    ck_assert_msg(mkdir(full, 0700) == 0 || errno == EEXIST, "mkdir %s: %s",
                  full, strerror(errno));
    *slash = '/';
  }
  free(harness_write(h, harness_fmt("site/%s", path), text, strlen(text)));
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

char *harness_url_lines(const struct harness *h, long long count,
                        const char *path_fmt, size_t *len)
{
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);

  ck_assert_ptr_nonnull(out);
  for(long long i = 0; i < count; i++) {
    char path[256];
    char *url;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(path, sizeof(path), path_fmt, i);
#pragma GCC diagnostic pop
    url = harness_url(h, path);
    fprintf(out, "%s\n", url);
    free(url);
  }
  ck_assert_int_eq(fclose(out), 0);
  if(len != NULL)
    *len = size;
  return text;
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
  argv[argc++] = HARNESS_UNTHROTTLED;
  for(int i = 0; args != NULL && args[i] != NULL; i++) {
    ck_assert_int_lt(argc, 62);
    argv[argc++] = args[i];
  }
  argv[argc] = NULL;
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if(pid == 0) {
    /* O_CLOEXEC: only the dup2'd copy reaches crawld, whose fd counts
     * tests look at */
    int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

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

/* --- crawld as a service ------------------------------------------------ */

static const char *const cleared_env[] = { "NOTIFY_SOCKET", "WATCHDOG_USEC",
                                           "WATCHDOG_PID",
                                           "CRAWLD_TEST_CRASH_MARKER" };

static const char *failure_log;

/* DIR/.daemons: "+PID" when a daemon starts, "-PID" once it is reaped. */
static void note_daemon(const struct harness *h, char sign, pid_t pid)
{
  char path[300];
  FILE *file;

  snprintf(path, sizeof(path), "%s/.daemons", h->dir);
  file = fopen(path, "a");
  ck_assert_ptr_nonnull(file);
  fprintf(file, "%c%ld\n", sign, (long)pid);
  ck_assert_int_eq(fclose(file), 0);
}

void harness_start_service_pages(struct harness *h, long pages)
{
  start_with_pages(h, pages);
  ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L), 0);
}

void harness_start_service(struct harness *h)
{
  harness_start_service_pages(h, 0);
}

size_t harness_children(pid_t parent, pid_t *pids, size_t size)
{
  DIR *proc = opendir("/proc");
  struct dirent *entry;
  size_t count = 0;

  ck_assert_ptr_nonnull(proc);
  while((entry = readdir(proc)) != NULL && count < size) {
    char path[300];
    char text[512];
    FILE *file;
    char *close_paren;
    char state;
    long ppid;

    if(entry->d_name[0] < '0' || entry->d_name[0] > '9')
      continue;
    snprintf(path, sizeof(path), "/proc/%s/stat", entry->d_name);
    file = fopen(path, "r");
    if(file == NULL)
      continue;
    /* "PID (COMM) STATE PPID ...": COMM may hold anything, ')' too. */
    if(fgets(text, sizeof(text), file) != NULL &&
       (close_paren = strrchr(text, ')')) != NULL &&
       sscanf(close_paren + 1, " %c %ld", &state, &ppid) == 2 &&
       (pid_t)ppid == parent)
      pids[count++] = (pid_t)atol(entry->d_name);
    fclose(file);
  }
  closedir(proc);
  return count;
}

/* The daemons DIR/.daemons lists as started and not reaped. */
static size_t unreaped_daemons(const struct harness *h, pid_t *pids,
                               size_t size)
{
  char path[300];
  char line[64];
  size_t count = 0;
  FILE *file;

  snprintf(path, sizeof(path), "%s/.daemons", h->dir);
  file = fopen(path, "r");
  if(file == NULL)
    return 0;
  while(fgets(line, sizeof(line), file) != NULL) {
    pid_t pid = (pid_t)atol(line + 1);

    if(line[0] == '+' && count < size) {
      pids[count++] = pid;
      continue;
    }
    for(size_t i = 0; i < count; i++) {
      if(pids[i] == pid) {
        pids[i] = pids[--count];
        break;
      }
    }
  }
  fclose(file);
  return count;
}

void harness_stop_service(struct harness *h)
{
  pid_t pids[256];
  size_t count = unreaped_daemons(h, pids, 256);
  double end;

  for(size_t i = 0; i < count; i++) {
    /* It is our child now (the test process that started it has ended and
     * we are a subreaper), or still the child of this very process
     * (CK_FORK=no). Either way waitpid() tells, and no other process can
     * have its pid before we reap it. */
    if(waitpid(pids[i], NULL, WNOHANG) == 0) {
      fprintf(stderr, "harness: killing crawld %ld, left running\n",
              (long)pids[i]);
      kill(pids[i], SIGKILL);
      waitpid(pids[i], NULL, 0);
    }
  }
  harness_stop(h);
  /* Orphans adopted from the test's daemons: worker processes of a killed
   * daemon end by themselves once their pipes close. Reap them; kill the
   * ones still there after a while. */
  end = harness_now() + 10;
  for(;;) {
    while(waitpid(-1, NULL, WNOHANG) > 0)
      continue;
    count = harness_children(getpid(), pids, 256);
    if(count == 0)
      break;
    if(harness_now() > end) {
      for(size_t i = 0; i < count; i++) {
        fprintf(stderr, "harness: killing orphan %ld\n", (long)pids[i]);
        kill(pids[i], SIGKILL);
        waitpid(pids[i], NULL, 0);
      }
      break;
    }
    usleep(HARNESS_POLL_MS * 1000);
  }
}

static bool cleared(const char *entry, const char *const env[])
{
  size_t name_len = strcspn(entry, "=");

  for(size_t i = 0; i < sizeof(cleared_env) / sizeof(cleared_env[0]); i++) {
    if(strlen(cleared_env[i]) == name_len &&
       strncmp(entry, cleared_env[i], name_len) == 0)
      return true;
  }
  for(size_t i = 0; env != NULL && env[i] != NULL; i++) {
    if(strcspn(env[i], "=") == name_len &&
       strncmp(entry, env[i], name_len) == 0)
      return true;
  }
  return false;
}

pid_t harness_daemon_start(const struct harness *h, const char *log_name,
                           const char *const args[], const char *const env[])
{
  const char *crawld = binary("CRAWLD");
  extern char **environ;
  const char *argv[64];
  const char **envp;
  size_t env_count = 0;
  size_t envc = 0;
  char log[512];
  int argc = 0;
  pid_t pid;

  snprintf(log, sizeof(log), "%s/%s", h->dir, log_name);
  argv[argc++] = "crawld";
  for(int i = 0; args != NULL && args[i] != NULL; i++) {
    ck_assert_int_lt(argc, 63);
    argv[argc++] = args[i];
  }
  argv[argc] = NULL;
  while(environ[env_count] != NULL)
    env_count++;
  for(size_t i = 0; env != NULL && env[i] != NULL; i++)
    env_count++;
  envp = calloc(env_count + 1, sizeof(*envp));
  ck_assert_ptr_nonnull(envp);
  for(size_t i = 0; environ[i] != NULL; i++) {
    if(!cleared(environ[i], env))
      envp[envc++] = environ[i];
  }
  for(size_t i = 0; env != NULL && env[i] != NULL; i++)
    envp[envc++] = env[i];
  envp[envc] = NULL;
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if(pid == 0) {
    /* O_CLOEXEC: only the dup2'd copies reach crawld */
    int log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    if(log_fd < 0 || null_fd < 0 || chdir(h->dir) < 0)
      _exit(127);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(crawld, (char *const *)argv, (char *const *)envp);
    _exit(127);
  }
  free(envp);
  note_daemon(h, '+', pid);
  return pid;
}

static int decode_status(int status)
{
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int harness_daemon_wait(const struct harness *h, pid_t pid, double seconds)
{
  double end = harness_now() + seconds;

  for(;;) {
    int status;
    pid_t got = waitpid(pid, &status, WNOHANG);

    ck_assert_msg(got >= 0, "waitpid %ld: %s", (long)pid, strerror(errno));
    if(got == pid) {
      note_daemon(h, '-', pid);
      return decode_status(status);
    }
    if(harness_now() > end)
      return -1;
    usleep(HARNESS_POLL_MS * 1000);
  }
}

int harness_daemon_stop(const struct harness *h, pid_t pid, double seconds)
{
  int status;

  ck_assert_int_eq(kill(pid, SIGTERM), 0);
  status = harness_daemon_wait(h, pid, seconds);
  if(status < 0)
    status = harness_daemon_kill(h, pid);
  return status;
}

int harness_daemon_kill(const struct harness *h, pid_t pid)
{
  int status;

  ck_assert_int_eq(kill(pid, SIGKILL), 0);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  note_daemon(h, '-', pid);
  return decode_status(status);
}

bool harness_process_running(pid_t pid)
{
  char path[64];
  char text[512];
  FILE *file;
  char *close_paren;
  char state = 'X';

  snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
  file = fopen(path, "r");
  if(file == NULL)
    return false;
  if(fgets(text, sizeof(text), file) != NULL &&
     (close_paren = strrchr(text, ')')) != NULL)
    sscanf(close_paren + 1, " %c", &state);
  fclose(file);
  return state != 'Z' && state != 'X' && state != 'x';
}

/* The names harness_service_paths() and harness_service_start() agree on,
 * in DIR. */
static const char service_conf[] = "crawld.conf";
static const char service_log[] = "crawld.log";

void harness_service_paths(const struct harness *h,
                           struct harness_service_paths *paths)
{
  snprintf(paths->state_dir, sizeof(paths->state_dir), "%s/state", h->dir);
  snprintf(paths->runtime_dir, sizeof(paths->runtime_dir), "%s/run", h->dir);
  snprintf(paths->conf_path, sizeof(paths->conf_path), "%s/%s", h->dir,
           service_conf);
  snprintf(paths->log_path, sizeof(paths->log_path), "%s/%s", h->dir,
           service_log);
}

void harness_service_conf(const struct harness *h, const char *text)
{
  free(harness_write(h, service_conf, text, strlen(text)));
}

pid_t harness_service_start(const struct harness *h,
                            const struct harness_service_paths *paths,
                            const char *const flags[], const char *const env[])
{
  const char *args[40] = { "--config",         paths->conf_path,
                           "--state-dir",      paths->state_dir,
                           "--runtime-dir",    paths->runtime_dir,
                           HARNESS_UNTHROTTLED };
  int argc = 7;

  for(int i = 0; flags != NULL && flags[i] != NULL; i++) {
    ck_assert_int_lt(argc, 39);
    args[argc++] = flags[i];
  }
  args[argc] = NULL;
  harness_on_failure_show(paths->log_path);
  return harness_daemon_start(h, service_log, args, env);
}

bool harness_service_alive(const struct harness *h,
                           const struct harness_service_paths *paths,
                           pid_t pid)
{
  int status = harness_daemon_wait(h, pid, 0);

  if(status >= 0) {
    char *text = harness_read_text(paths->log_path);
    size_t len = strlen(text);

    ck_abort_msg("crawld exited with status %d; the last of its log:\n%s",
                 status, text + (len > 3000 ? len - 3000 : 0));
  }
  return true;
}

void harness_service_stop(const struct harness *h, pid_t pid, double seconds)
{
  int status = harness_daemon_stop(h, pid, seconds);

  ck_assert_msg(status == 0, "crawld exited %d on SIGTERM", status);
}

static void make_dir(const char *path)
{
  ck_assert_msg(mkdir(path, 0750) == 0 || errno == EEXIST, "mkdir %s: %s",
                path, strerror(errno));
}

void harness_drop_job(const char *state_dir, const char *name,
                      const void *bytes, size_t len)
{
  harness_drop_job_options(state_dir, name, bytes, len, NULL);
}

void harness_drop_job_options(const char *state_dir, const char *name,
                              const void *bytes, size_t len,
                              const char *options)
{
  char tmp[600];
  char *target;
  int fd;

  make_dir(state_dir);
  snprintf(tmp, sizeof(tmp), "%s/incoming", state_dir);
  make_dir(tmp);
  snprintf(tmp, sizeof(tmp), "%s/incoming/.tmp", state_dir);
  make_dir(tmp);
  snprintf(tmp, sizeof(tmp), "%s/incoming/.tmp/drop-XXXXXX", state_dir);
  fd = mkstemp(tmp);
  ck_assert_msg(fd >= 0, "mkstemp %s: %s", tmp, strerror(errno));
  ck_assert_msg(write(fd, bytes, len) == (ssize_t)len, "write %s: %s", tmp,
                strerror(errno));
  ck_assert_int_eq(close(fd), 0);
  if(options != NULL)
    ck_assert_msg(
        setxattr(tmp, "user.crawld.options", options, strlen(options), 0) == 0,
        "setxattr %s: %s", tmp, strerror(errno));
  ck_assert_int_ge(asprintf(&target, "%s/incoming/%s", state_dir, name), 0);
  ck_assert_msg(rename(tmp, target) == 0, "rename to %s: %s", target,
                strerror(errno));
  free(target);
}

char *harness_read_file(const char *path, size_t *len)
{
  FILE *file = fopen(path, "r");
  char *bytes = NULL;
  size_t size = 0;
  FILE *memory;
  char chunk[65536];
  size_t got;

  if(file == NULL && errno == ENOENT)
    return NULL;
  ck_assert_msg(file != NULL, "%s: %s", path, strerror(errno));
  memory = open_memstream(&bytes, &size);
  ck_assert_ptr_nonnull(memory);
  while((got = fread(chunk, 1, sizeof(chunk), file)) > 0)
    fwrite(chunk, 1, got, memory);
  ck_assert_msg(!ferror(file), "%s: read error", path);
  fclose(file);
  ck_assert_int_eq(fclose(memory), 0);
  if(len != NULL)
    *len = size;
  return bytes;
}

char *harness_read_text(const char *path)
{
  char *text = harness_read_file(path, NULL);

  if(text == NULL) {
    text = strdup("");
    ck_assert_ptr_nonnull(text);
  }
  return text;
}

json_t *harness_read_journal(const char *path, bool torn_tail_ok)
{
  size_t len;
  char *bytes = harness_read_file(path, &len);
  json_t *records;

  if(bytes == NULL)
    return NULL;
  if(len > 0 && bytes[len - 1] != '\n') {
    char *last = memrchr(bytes, '\n', len);

    ck_assert_msg(torn_tail_ok, "%s ends in a line without a newline", path);
    len = last != NULL ? (size_t)(last - bytes) + 1 : 0;
  }
  records = parse_lines(bytes, len);
  free(bytes);
  return records;
}

double harness_now(void)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void harness_sleep(double seconds)
{
  usleep((useconds_t)(seconds * 1e6));
}

void harness_deadline_start(struct harness_deadline *deadline, double seconds)
{
  deadline->end = harness_now() + seconds;
}

void harness_on_failure_show(const char *path)
{
  failure_log = path;
}

void harness_deadline_tick(const struct harness_deadline *deadline,
                           const char *fmt, ...)
{
  char what[512];
  va_list ap;

  if(harness_now() <= deadline->end) {
    usleep(HARNESS_POLL_MS * 1000);
    return;
  }
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  if(failure_log != NULL) {
    size_t len;
    char *log = harness_read_file(failure_log, &len);

    if(log != NULL) {
      size_t from = len > 4000 ? len - 4000 : 0;

      fprintf(stderr, "--- last of %s ---\n%s--- end ---\n", failure_log,
              log + from);
      free(log);
    }
  }
  ck_abort_msg("timed out waiting for %s", what);
}

const char *harness_fmt(const char *format, ...)
{
  static char buffers[8][1024];
  static int next;
  char *buffer = buffers[next++ % 8];
  va_list ap;
  int len;

  va_start(ap, format);
  len = vsnprintf(buffer, sizeof(buffers[0]), format, ap);
  va_end(ap);
  ck_assert(len >= 0 && (size_t)len < sizeof(buffers[0]));
  return buffer;
}

bool harness_matches(const char *text, const char *pattern)
{
  regex_t regex;
  bool found;

  ck_assert_int_eq(regcomp(&regex, pattern, REG_EXTENDED | REG_NOSUB), 0);
  found = regexec(&regex, text, 0, NULL, 0) == 0;
  regfree(&regex);
  return found;
}

void harness_notify_open(const struct harness *h, struct harness_notify *n)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };

  memset(n, 0, sizeof(*n));
  ck_assert_int_lt(
      snprintf(n->path, sizeof(n->path), "%s/notify.sock", h->dir),
      (int)sizeof(address.sun_path));
  memcpy(address.sun_path, n->path, strlen(n->path) + 1);
  n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ck_assert_int_ge(n->fd, 0);
  ck_assert_msg(bind(n->fd, (struct sockaddr *)&address, sizeof(address)) == 0,
                "bind %s: %s", n->path, strerror(errno));
}

size_t harness_notify_poll(struct harness_notify *n)
{
  size_t added = 0;
  char datagram[4097];

  for(;;) {
    ssize_t got = recv(n->fd, datagram, sizeof(datagram) - 1, 0);
    char *line;
    char *save = NULL;

    if(got < 0 && errno == EINTR)
      continue;
    if(got < 0) {
      ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK, "recv: %s",
                    strerror(errno));
      return added;
    }
    datagram[got] = '\0';
    for(line = strtok_r(datagram, "\n", &save); line != NULL;
        line = strtok_r(NULL, "\n", &save)) {
      if(n->count == n->capacity) {
        n->capacity = n->capacity == 0 ? 64 : 2 * n->capacity;
        n->lines = realloc(n->lines, n->capacity * sizeof(*n->lines));
        ck_assert_ptr_nonnull(n->lines);
      }
      n->lines[n->count] = strdup(line);
      ck_assert_ptr_nonnull(n->lines[n->count]);
      n->count++;
      added++;
    }
  }
}

long harness_notify_find(const struct harness_notify *n, size_t from,
                         const char *prefix)
{
  for(size_t i = from; i < n->count; i++) {
    if(strncmp(n->lines[i], prefix, strlen(prefix)) == 0)
      return (long)i;
  }
  return -1;
}

void harness_notify_close(struct harness_notify *n)
{
  if(n->fd > 0)
    close(n->fd);
  for(size_t i = 0; i < n->count; i++)
    free(n->lines[i]);
  free(n->lines);
  memset(n, 0, sizeof(*n));
}

static int compare_fds(const void *a, const void *b)
{
  int x = *(const int *)a;
  int y = *(const int *)b;

  return (x > y) - (x < y);
}

size_t harness_open_fds(pid_t pid, char **list)
{
  char path[64];
  DIR *dir;
  struct dirent *entry;
  int *fds = NULL;
  size_t count = 0;
  size_t capacity = 0;
  FILE *out;
  size_t size;

  snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
  dir = opendir(path);
  ck_assert_msg(dir != NULL, "%s: %s", path, strerror(errno));
  while((entry = readdir(dir)) != NULL) {
    if(entry->d_name[0] < '0' || entry->d_name[0] > '9')
      continue;
    if(count == capacity) {
      capacity = capacity == 0 ? 64 : 2 * capacity;
      fds = realloc(fds, capacity * sizeof(*fds));
      ck_assert_ptr_nonnull(fds);
    }
    fds[count++] = atoi(entry->d_name);
  }
  closedir(dir);
  if(list != NULL) {
    qsort(fds, count, sizeof(*fds), compare_fds);
    out = open_memstream(list, &size);
    ck_assert_ptr_nonnull(out);
    for(size_t i = 0; i < count; i++) {
      char target[512];
      ssize_t len;

      snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pid, fds[i]);
      /* An fd closed since readdir() reads as gone, not as an error. */
      len = readlink(path, target, sizeof(target) - 1);
      target[len < 0 ? 0 : len] = '\0';
      fprintf(out, "%d -> %s\n", fds[i], len < 0 ? "(closed)" : target);
    }
    ck_assert_int_eq(fclose(out), 0);
  }
  free(fds);
  return count;
}
