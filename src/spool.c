/* spool.c - the state directory; see spool.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "spool.h"
#include "utf8.h"

/* A file is "not text" when more than a tenth of its first TEXT_PROBE_BYTES
 * are NUL or other control bytes: a URL list has almost none. */
#define TEXT_PROBE_BYTES 8192
#define DIR_MODE 0750

enum spool_dir { INCOMING, INCOMING_TMP, PROCESSING, DONE, FAILED, DIRS };

static const char *const dir_names[DIRS] = { "incoming", "incoming/.tmp",
                                             "processing", "done", "failed" };

struct spool {
  char *state_dir;
  int state_fd;
  int lock_fd;
  int dir_fds[DIRS];
  int watch_fd;
  int64_t max_job_bytes;
  unsigned long next_serial;
};

/* fsync of a directory makes the renames in it durable; failing that is
 * fatal for the caller (DESIGN.md: a failed fsync cannot be retried). */
static int sync_dir(struct spool *spool, enum spool_dir dir)
{
  if(fsync(spool->dir_fds[dir]) == 0)
    return 0;
  log_err("fsync %s/%s: %s", spool->state_dir, dir_names[dir],
          strerror(errno));
  return -1;
}

static int take_lock(struct spool *spool, char **cause)
{
  char pid_text[32];
  char holder[32] = "";
  int len;

  spool->lock_fd = openat(spool->state_fd, "crawld.lock",
                          O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if(spool->lock_fd < 0)
    return cause_set(cause, "%s/crawld.lock: %s", spool->state_dir,
                     strerror(errno));
  if(flock(spool->lock_fd, LOCK_EX | LOCK_NB) < 0) {
    ssize_t got = pread(spool->lock_fd, holder, sizeof(holder) - 1, 0);

    holder[got > 0 ? got : 0] = '\0';
    holder[strcspn(holder, "\n")] = '\0';
    return cause_set(cause,
                     "another crawld (pid %s) is running on %s: it holds "
                     "%s/crawld.lock",
                     holder[0] != '\0' ? holder : "unknown", spool->state_dir,
                     spool->state_dir);
  }
  len = snprintf(pid_text, sizeof(pid_text), "%ld\n", (long)getpid());
  if(ftruncate(spool->lock_fd, 0) < 0 ||
     pwrite(spool->lock_fd, pid_text, (size_t)len, 0) != len)
    return cause_set(cause, "%s/crawld.lock: %s", spool->state_dir,
                     strerror(errno));
  return 0;
}

static int open_dirs(struct spool *spool, char **cause)
{
  for(int dir = 0; dir < DIRS; dir++) {
    if(mkdirat(spool->state_fd, dir_names[dir], DIR_MODE) < 0 &&
       errno != EEXIST)
      return cause_set(cause, "cannot create %s/%s: %s", spool->state_dir,
                       dir_names[dir], strerror(errno));
    spool->dir_fds[dir] =
        openat(spool->state_fd, dir_names[dir],
               O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if(spool->dir_fds[dir] < 0)
      return cause_set(cause, "cannot open %s/%s: %s", spool->state_dir,
                       dir_names[dir], strerror(errno));
  }
  return 0;
}

/* Producers finish a file by renaming it into incoming/ (IN_MOVED_TO); a
 * file written in place is caught when it is closed (IN_CLOSE_WRITE). */
static int watch_incoming(struct spool *spool, char **cause)
{
  char *path;
  int rc;

  spool->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if(spool->watch_fd < 0)
    return cause_set(cause, "inotify: %s", strerror(errno));
  if(asprintf(&path, "%s/incoming", spool->state_dir) < 0)
    return cause_set(cause, "out of memory");
  rc = inotify_add_watch(spool->watch_fd, path,
                         IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
  free(path);
  if(rc < 0)
    return cause_set(cause, "inotify on %s/incoming: %s", spool->state_dir,
                     strerror(errno));
  return 0;
}

struct spool *spool_open(const char *state_dir, int64_t max_job_bytes,
                         char **cause)
{
  struct spool *spool = calloc(1, sizeof(*spool));

  *cause = NULL;
  if(spool == NULL) {
    *cause = strdup("out of memory");
    return NULL;
  }
  spool->state_fd = -1;
  spool->lock_fd = -1;
  spool->watch_fd = -1;
  for(int dir = 0; dir < DIRS; dir++)
    spool->dir_fds[dir] = -1;
  spool->max_job_bytes = max_job_bytes;
  spool->state_dir = strdup(state_dir);
  if(spool->state_dir == NULL) {
    *cause = strdup("out of memory");
    spool_close(spool);
    return NULL;
  }
  if(mkdir(state_dir, DIR_MODE) < 0 && errno != EEXIST) {
    cause_set(cause, "cannot create %s: %s", state_dir, strerror(errno));
    spool_close(spool);
    return NULL;
  }
  spool->state_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if(spool->state_fd < 0) {
    cause_set(cause, "cannot open %s: %s", state_dir, strerror(errno));
    spool_close(spool);
    return NULL;
  }
  if(take_lock(spool, cause) < 0 || open_dirs(spool, cause) < 0) {
    spool_close(spool);
    return NULL;
  }
  if(watch_incoming(spool, cause) < 0) {
    spool_close(spool);
    return NULL;
  }
  return spool;
}

void spool_close(struct spool *spool)
{
  if(spool == NULL)
    return;
  for(int dir = 0; dir < DIRS; dir++) {
    if(spool->dir_fds[dir] >= 0)
      close(spool->dir_fds[dir]);
  }
  if(spool->watch_fd >= 0)
    close(spool->watch_fd);
  /* Closing the fd releases the lock. */
  if(spool->lock_fd >= 0)
    close(spool->lock_fd);
  if(spool->state_fd >= 0)
    close(spool->state_fd);
  free(spool->state_dir);
  free(spool);
}

void spool_set_max_job_bytes(struct spool *spool, int64_t max_job_bytes)
{
  spool->max_job_bytes = max_job_bytes;
}

int spool_processing_fd(const struct spool *spool)
{
  return spool->dir_fds[PROCESSING];
}

char *spool_urls_path(const struct spool *spool, const char *job_id)
{
  char *path;

  if(asprintf(&path, "%s/processing/%s.urls", spool->state_dir, job_id) < 0)
    return NULL;
  return path;
}

int spool_watch_fd(const struct spool *spool)
{
  return spool->watch_fd;
}

void spool_watch_drain(struct spool *spool)
{
  char events[4096]
      __attribute__((aligned(__alignof__(struct inotify_event))));

  while(read(spool->watch_fd, events, sizeof(events)) > 0)
    continue;
}

/* "20261122T021344Z-000001-3f9a": sortable by claim time, and the random
 * tail keeps ids from two runs within one second apart. */
static void new_job_id(struct spool *spool, char *id, size_t size)
{
  unsigned short salt = 0;
  time_t now = time(NULL);
  struct tm utc;

  gmtime_r(&now, &utc);
  if(getrandom(&salt, sizeof(salt), GRND_NONBLOCK) != sizeof(salt))
    salt = (unsigned short)getpid();
  snprintf(id, size, "%04d%02d%02dT%02d%02d%02dZ-%06lu-%04x",
           utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
           utc.tm_min, utc.tm_sec, ++spool->next_serial, salt);
}

/* Writes name in dir durably: a temporary file, fsync, rename. */
static int write_file(struct spool *spool, enum spool_dir dir,
                      const char *name, const char *text)
{
  char tmp_name[300];
  size_t len = strlen(text);
  int fd;

  snprintf(tmp_name, sizeof(tmp_name), ".%s.tmp", name);
  fd = openat(spool->dir_fds[dir], tmp_name,
              O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
  if(fd < 0)
    return -1;
  if(write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
    close(fd);
    unlinkat(spool->dir_fds[dir], tmp_name, 0);
    return -1;
  }
  close(fd);
  if(renameat(spool->dir_fds[dir], tmp_name, spool->dir_fds[dir], name) < 0) {
    unlinkat(spool->dir_fds[dir], tmp_name, 0);
    return -1;
  }
  return 0;
}

/* Moves incoming/name to dir/ID.urls under a new id, never over an
 * existing file. */
static int claim_into(struct spool *spool, const char *name,
                      enum spool_dir dir, char *id, size_t id_size)
{
  for(;;) {
    char target[128];

    new_job_id(spool, id, id_size);
    snprintf(target, sizeof(target), "%s.urls", id);
    if(renameat2(spool->dir_fds[INCOMING], name, spool->dir_fds[dir], target,
                 RENAME_NOREPLACE) == 0)
      break;
    if(errno != EEXIST)
      return -1;
  }
  if(sync_dir(spool, dir) < 0 || sync_dir(spool, INCOMING) < 0)
    return -2;
  return 0;
}

/* ID.meta: what the producer called the file, as valid UTF-8 JSON. */
static int write_meta(struct spool *spool, enum spool_dir dir, const char *id,
                      const char *name, const struct stat *st)
{
  char meta_name[160];
  char *clean_name = utf8_sanitize(name, strlen(name), 0, NULL, NULL);
  json_t *meta = json_pack("{s:s, s:s?, s:I, s:I}", "job", id, "file_name",
                           clean_name, "bytes", (json_int_t)st->st_size,
                           "claimed_at", (json_int_t)time(NULL));
  char *text = meta != NULL ? json_dumps(meta, JSON_COMPACT) : NULL;
  int rc = -1;

  snprintf(meta_name, sizeof(meta_name), "%s.meta", id);
  if(text != NULL)
    rc = write_file(spool, dir, meta_name, text);
  free(text);
  json_decref(meta);
  free(clean_name);
  return rc;
}

/* NULL when the first bytes look like text, else why not. */
static const char *not_text(int fd, char *why, size_t size)
{
  unsigned char probe[TEXT_PROBE_BYTES];
  ssize_t got = pread(fd, probe, sizeof(probe), 0);
  size_t control = 0;

  if(got < 0) {
    snprintf(why, size, "cannot read it: %s", strerror(errno));
    return why;
  }
  for(ssize_t i = 0; i < got; i++) {
    unsigned char byte = probe[i];

    if((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r' &&
        byte != '\f' && byte != '\v') ||
       byte == 0x7f)
      control++;
  }
  if(control * 10 > (size_t)got) {
    snprintf(why, size,
             "not text: %zu of its first %zd bytes are control characters",
             control, got);
    return why;
  }
  return NULL;
}

/* Refuses incoming/name: it goes to failed/ID.urls with failed/ID.reason. */
static bool has_suffix(const char *name, const char *suffix, size_t *stem)
{
  size_t len = strlen(name);
  size_t suffix_len = strlen(suffix);

  if(len <= suffix_len || strcmp(name + len - suffix_len, suffix) != 0)
    return false;
  *stem = len - suffix_len;
  return true;
}

/* Refuses name into failed/ with the reason; its NAME.options file, when
 * options_name is not NULL, goes along as failed/ID.options. */
static int refuse(struct spool *spool, const char *name, const struct stat *st,
                  const char *reason, const char *options_name)
{
  char id[64];
  char reason_name[96];
  char shown[1024];
  char *text;
  int rc = claim_into(spool, name, FAILED, id, sizeof(id));

  if(rc == -1)
    return 0; /* gone meanwhile: nothing to refuse */
  if(rc < 0)
    return -1;
  if(options_name != NULL) {
    char kept[96];

    snprintf(kept, sizeof(kept), "%s.options", id);
    if(renameat(spool->dir_fds[INCOMING], options_name, spool->dir_fds[FAILED],
                kept) < 0 &&
       errno != ENOENT)
      log_warn("cannot move %s/incoming/%s to failed/%s: %s", spool->state_dir,
               log_escape(options_name, shown, sizeof(shown)), kept,
               strerror(errno));
  }
  log_warn("refused %s/incoming/%s as job %s: %s", spool->state_dir,
           log_escape(name, shown, sizeof(shown)), id, reason);
  snprintf(reason_name, sizeof(reason_name), "%s.reason", id);
  if(asprintf(&text, "%s\n", reason) < 0)
    return -1;
  rc = write_file(spool, FAILED, reason_name, text);
  free(text);
  if(rc == 0)
    write_meta(spool, FAILED, id, name, st);
  return sync_dir(spool, FAILED);
}

/* Looks at one entry of incoming/: 1 claimed, 0 left alone or refused, -1
 * fatal. */
/* NAME.options beside the URL file NAME (crawld(8)): validated, then put
 * on NAME as its options attribute and made durable there before the file
 * goes, so that a crash at any point leaves the options on NAME, in the
 * file, or both (the file then wins again). NULL when there is no such file
 * or it was attached; else why the job is refused, in why. */
static const char *attach_options_file(struct spool *spool, int fd,
                                       const char *options_name, char *why,
                                       size_t size)
{
  char text[SPOOL_OPTIONS_MAX + 1];
  struct jobopts options;
  json_error_t error;
  char *detail = NULL;
  json_t *root;
  ssize_t len;
  int options_fd = openat(spool->dir_fds[INCOMING], options_name,
                          O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

  /* A name too long to have ".options" added can have no options file. */
  if(options_fd < 0 && (errno == ENOENT || errno == ENAMETOOLONG))
    return NULL;
  if(options_fd < 0) {
    snprintf(why, size, "cannot open %s: %s", options_name, strerror(errno));
    return why;
  }
  len = read(options_fd, text, sizeof(text));
  close(options_fd);
  if(len < 0 || len > SPOOL_OPTIONS_MAX) {
    snprintf(why, size, "%s: %s", options_name,
             len < 0 ? strerror(errno) : "over 4096 bytes");
    return why;
  }
  root = json_loadb(text, (size_t)len, JSON_REJECT_DUPLICATES, &error);
  jobopts_defaults(&options, true);
  if(!json_is_object(root) || jobopts_set_json(&options, root, &detail) < 0 ||
     jobopts_check(&options, &detail) < 0) {
    snprintf(why, size, "%s: %s", options_name,
             detail != NULL                          ? detail
             : !json_is_object(root) && root == NULL ? error.text
                                                     : "not a JSON object");
    free(detail);
    json_decref(root);
    return why;
  }
  json_decref(root);
  if(fsetxattr(fd, SPOOL_OPTIONS_XATTR, text, (size_t)len, 0) < 0 ||
     fsync(fd) < 0) {
    snprintf(why, size, "cannot attach %s to it: %s", options_name,
             errno == ENOTSUP ? "the file system keeps no user extended "
                                "attributes"
                              : strerror(errno));
    return why;
  }
  if(unlinkat(spool->dir_fds[INCOMING], options_name, 0) < 0 ||
     sync_dir(spool, INCOMING) < 0) {
    snprintf(why, size, "cannot remove %s: %s", options_name, strerror(errno));
    return why;
  }
  return NULL;
}

static int consider(struct spool *spool, const char *name,
                    spool_job_fn claimed, void *arg)
{
  char options_name[300];
  char why[600];
  char shown[1024];
  const char *reason = NULL;
  struct stat st;
  char id[64];
  int rc;
  int fd;

  size_t stem;

  /* A job's options file waits for its URL file. */
  if(name[0] == '.' || has_suffix(name, ".options", &stem))
    return 0;
  fd = openat(spool->dir_fds[INCOMING], name,
              O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if(fd < 0 && (errno == ELOOP || errno == ENOENT || errno == ENXIO))
    return 0; /* a symlink, a socket, or gone: not ours to take */
  if(fd < 0) {
    snprintf(why, sizeof(why), "cannot open it: %s", strerror(errno));
    memset(&st, 0, sizeof(st));
    return refuse(spool, name, &st, why, NULL);
  }
  if(fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return 0;
  }
  if(st.st_size > spool->max_job_bytes) {
    snprintf(why, sizeof(why), "it is %lld bytes; max_job_size is %lld",
             (long long)st.st_size, (long long)spool->max_job_bytes);
    reason = why;
  }
  else {
    reason = not_text(fd, why, sizeof(why));
  }
  snprintf(options_name, sizeof(options_name), "%s.options", name);
  if(reason == NULL)
    reason = attach_options_file(spool, fd, options_name, why, sizeof(why));
  close(fd);
  if(reason != NULL)
    return refuse(spool, name, &st, reason, options_name);
  rc = claim_into(spool, name, PROCESSING, id, sizeof(id));
  if(rc == -1)
    return 0;
  if(rc < 0)
    return -1;
  if(write_meta(spool, PROCESSING, id, name, &st) < 0 ||
     sync_dir(spool, PROCESSING) < 0)
    return -1;
  log_info("claimed %s/incoming/%s as job %s (%lld bytes)", spool->state_dir,
           log_escape(name, shown, sizeof(shown)), id, (long long)st.st_size);
  claimed(arg, id, name);
  return 1;
}

static int compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted; NULL on failure. *count gets how many. */
static char **list_dir(struct spool *spool, enum spool_dir dir, size_t *count)
{
  int fd = dup(spool->dir_fds[dir]);
  DIR *stream = fd >= 0 ? fdopendir(fd) : NULL;
  char **names = NULL;
  size_t capacity = 0;
  struct dirent *entry;

  *count = 0;
  if(stream == NULL) {
    if(fd >= 0)
      close(fd);
    return NULL;
  }
  rewinddir(stream);
  while((entry = readdir(stream)) != NULL) {
    if(*count == capacity) {
      size_t grown = capacity == 0 ? 16 : 2 * capacity;
      char **bigger = realloc(names, grown * sizeof(*names));

      if(bigger == NULL)
        break;
      names = bigger;
      capacity = grown;
    }
    names[*count] = strdup(entry->d_name);
    if(names[*count] == NULL)
      break;
    (*count)++;
  }
  closedir(stream);
  if(names == NULL)
    names = calloc(1, sizeof(*names));
  if(names != NULL)
    qsort(names, *count, sizeof(*names), compare_names);
  return names;
}

static void free_names(char **names, size_t count)
{
  for(size_t i = 0; i < count; i++)
    free(names[i]);
  free(names);
}

int spool_scan(struct spool *spool, spool_job_fn claimed, void *arg)
{
  size_t count;
  char **names = list_dir(spool, INCOMING, &count);
  int claimed_count = 0;

  if(names == NULL) {
    log_err("cannot list %s/incoming: %s", spool->state_dir, strerror(errno));
    return 0;
  }
  for(size_t i = 0; i < count; i++) {
    int rc = consider(spool, names[i], claimed, arg);

    if(rc < 0) {
      claimed_count = -1;
      break;
    }
    claimed_count += rc;
  }
  free_names(names, count);
  return claimed_count;
}

/* Moves processing/ID+suffix to dir; a missing file is fine. */
static int move_file(struct spool *spool, const char *id, const char *suffix,
                     enum spool_dir dir)
{
  char name[160];

  snprintf(name, sizeof(name), "%s%s", id, suffix);
  if(renameat(spool->dir_fds[PROCESSING], name, spool->dir_fds[dir], name) ==
         0 ||
     errno == ENOENT)
    return 0;
  log_err("cannot move %s/processing/%s to %s: %s", spool->state_dir, name,
          dir_names[dir], strerror(errno));
  return -1;
}

int spool_finish(struct spool *spool, const char *job_id, bool failed,
                 const char *reason)
{
  enum spool_dir dir = failed ? FAILED : DONE;

  /* The URL file moves first: recovery resumes any job whose URL file is
   * still in processing/, and completes the move of a journal left behind
   * without one; the journal moves last, so that it is what is left. */
  if(move_file(spool, job_id, ".urls", dir) < 0 ||
     move_file(spool, job_id, ".meta", dir) < 0 ||
     move_file(spool, job_id, ".found", dir) < 0 ||
     move_file(spool, job_id, ".jsonl", dir) < 0)
    return -1;
  if(failed && reason != NULL) {
    char reason_name[96];
    char *text;
    int rc;

    snprintf(reason_name, sizeof(reason_name), "%s.reason", job_id);
    if(asprintf(&text, "%s\n", reason) < 0)
      return -1;
    rc = write_file(spool, FAILED, reason_name, text);
    free(text);
    if(rc < 0)
      return -1;
  }
  return sync_dir(spool, dir) < 0 || sync_dir(spool, PROCESSING) < 0 ? -1 : 0;
}

int spool_job_options(const struct spool *spool, const char *job_id,
                      struct jobopts *options, char **cause)
{
  char name[160];
  char text[SPOOL_OPTIONS_MAX];
  json_error_t error;
  char *detail = NULL;
  json_t *root;
  ssize_t len;
  int fd;

  *cause = NULL;
  snprintf(name, sizeof(name), "%s.urls", job_id);
  fd = openat(spool->dir_fds[PROCESSING], name,
              O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if(fd < 0)
    return cause_set(cause, "cannot open its URL file: %s", strerror(errno));
  len = fgetxattr(fd, SPOOL_OPTIONS_XATTR, text, sizeof(text));
  close(fd);
  if(len < 0 && (errno == ENODATA || errno == ENOTSUP))
    return 0;
  if(len < 0)
    return cause_set(cause, "cannot read its options (%s): %s",
                     SPOOL_OPTIONS_XATTR, strerror(errno));
  root = json_loadb(text, (size_t)len, JSON_REJECT_DUPLICATES, &error);
  if(!json_is_object(root)) {
    json_decref(root);
    return cause_set(cause, "its options (%s) are not a JSON object%s%s",
                     SPOOL_OPTIONS_XATTR, root == NULL ? ": " : "",
                     root == NULL ? error.text : "");
  }
  if(jobopts_set_json(options, root, &detail) < 0 ||
     jobopts_check(options, &detail) < 0) {
    cause_set(cause, "its options (%s): %s", SPOOL_OPTIONS_XATTR,
              detail != NULL ? detail : "out of memory");
    free(detail);
    json_decref(root);
    return -1;
  }
  json_decref(root);
  return 0;
}

int spool_recover(struct spool *spool, spool_job_fn found, void *arg)
{
  size_t count;
  char **names = list_dir(spool, PROCESSING, &count);
  int jobs = 0;

  if(names == NULL)
    return -1;
  for(size_t i = 0; i < count && jobs >= 0; i++) {
    char id[160];
    size_t stem;

    if(names[i][0] == '.')
      continue;
    if(has_suffix(names[i], ".urls", &stem)) {
      snprintf(id, sizeof(id), "%.*s", (int)stem, names[i]);
      found(arg, id, NULL);
      jobs++;
    }
    else if(has_suffix(names[i], ".jsonl", &stem)) {
      char urls_name[170];

      snprintf(id, sizeof(id), "%.*s", (int)stem, names[i]);
      snprintf(urls_name, sizeof(urls_name), "%s.urls", id);
      if(faccessat(spool->dir_fds[PROCESSING], urls_name, F_OK,
                   AT_SYMLINK_NOFOLLOW) < 0 &&
         errno == ENOENT) {
        bool failed = faccessat(spool->dir_fds[FAILED], urls_name, F_OK,
                                AT_SYMLINK_NOFOLLOW) == 0;

        log_info("job %s: finishing the move to %s/ a crash interrupted", id,
                 dir_names[failed ? FAILED : DONE]);
        if(spool_finish(spool, id, failed, NULL) < 0)
          jobs = -1;
      }
    }
  }
  free_names(names, count);
  return jobs;
}
