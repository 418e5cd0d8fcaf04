/* discovered.c - the URLs a job found; see discovered.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "discovered.h"
#include "log.h"

/* Reads and writes go in chunks of this much: few system calls, and one
 * crawl step's URLs rarely fill it. */
#define CHUNK (64 * 1024)

struct discovered {
  int fd;
  char *name; /* for messages: the file's name, or "(unnamed)" */
  long long next_seq;
  long long count; /* lines in the file or buffered */
  long long read;  /* lines handed out by discovered_next */
  off_t end;       /* bytes written to the file */
  char *out;       /* lines not written yet */
  size_t out_len;
  size_t out_cap;
  off_t read_at; /* file offset of in[in_len] */
  char in[CHUNK + DISCOVERED_LINE_MAX];
  size_t in_len;
  size_t in_pos;
  long long line_no; /* of the last line read, from 1 */
  int error;
};

static int write_all(int fd, const char *bytes, size_t len)
{
  while(len > 0) {
    ssize_t n = write(fd, bytes, len);

    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0)
      return -1;
    bytes += n;
    len -= (size_t)n;
  }
  return 0;
}

int discovered_flush(struct discovered *found, bool sync)
{
  if(found->error != 0) {
    errno = found->error;
    return -1;
  }
  if(found->out_len > 0) {
    if(write_all(found->fd, found->out, found->out_len) < 0) {
      /* The file may end in part of a line now: nothing more is written,
       * and the next start cuts that part off. */
      found->error = errno;
      return -1;
    }
    found->end += (off_t)found->out_len;
    found->out_len = 0;
  }
  if(sync && fdatasync(found->fd) < 0) {
    found->error = errno;
    return -1;
  }
  return 0;
}

long long discovered_add(struct discovered *found, int depth, const char *url,
                         const char *via)
{
  char head[48];
  int head_len =
      snprintf(head, sizeof(head), "%lld %d ", found->next_seq, depth);
  size_t url_len = strlen(url), via_len = strlen(via);
  size_t len = (size_t)head_len + url_len + 1 + via_len + 1;

  if(found->error != 0) {
    errno = found->error;
    return -1;
  }
  if(len > found->out_cap - found->out_len) {
    size_t cap = found->out_cap > 0 ? found->out_cap : CHUNK;
    char *bigger;

    while(cap - found->out_len < len)
      cap *= 2;
    bigger = realloc(found->out, cap);
    if(bigger == NULL)
      return -1;
    found->out = bigger;
    found->out_cap = cap;
  }
  memcpy(found->out + found->out_len, head, (size_t)head_len);
  found->out_len += (size_t)head_len;
  memcpy(found->out + found->out_len, url, url_len);
  found->out_len += url_len;
  found->out[found->out_len++] = ' ';
  memcpy(found->out + found->out_len, via, via_len);
  found->out_len += via_len;
  found->out[found->out_len++] = '\n';
  found->count++;
  if(found->out_len >= CHUNK && discovered_flush(found, false) < 0)
    return -1;
  return found->next_seq++;
}

/* Splits one line (NUL-terminated in place) into entry. */
static bool parse_line(char *line, struct discovered_entry *entry)
{
  char *end;
  char *url, *via;
  long depth;

  errno = 0;
  entry->seq = strtoll(line, &end, 10);
  if(errno != 0 || end == line || *end != ' ' || entry->seq < 0)
    return false;
  depth = strtol(end + 1, &end, 10);
  if(errno != 0 || *end != ' ' || depth < 0 || depth > 1000000)
    return false;
  url = end + 1;
  via = strchr(url, ' ');
  if(via == NULL || via == url || strchr(via + 1, ' ') != NULL)
    return false;
  *via++ = '\0';
  entry->depth = (int)depth;
  entry->url = url;
  entry->via = via;
  return true;
}

/* Moves the unread bytes to the front and reads more after them. 0 at the
 * end of the file, -1 on a read error, else the bytes read. */
static ssize_t fill(struct discovered *found)
{
  ssize_t n;

  memmove(found->in, found->in + found->in_pos, found->in_len - found->in_pos);
  found->in_len -= found->in_pos;
  found->in_pos = 0;
  do
    n = pread(found->fd, found->in + found->in_len,
              sizeof(found->in) - found->in_len, found->read_at);
  while(n < 0 && errno == EINTR);
  if(n > 0) {
    found->in_len += (size_t)n;
    found->read_at += n;
  }
  return n;
}

/* The next complete line of the file, NUL-terminated in place, or NULL at
 * the end of what the file holds (a torn line stays unread). A line longer
 * than DISCOVERED_LINE_MAX is skipped as malformed. */
static char *next_line(struct discovered *found)
{
  for(;;) {
    char *start = found->in + found->in_pos;
    char *newline = memchr(start, '\n', found->in_len - found->in_pos);
    ssize_t n;

    if(newline != NULL) {
      *newline = '\0';
      found->in_pos = (size_t)(newline + 1 - found->in);
      found->line_no++;
      return start;
    }
    if(found->in_len - found->in_pos >= DISCOVERED_LINE_MAX) {
      /* Too long to be ours: drop it up to the next newline. */
      found->in_pos = found->in_len;
      log_warn("%s: a line over %d bytes skipped", found->name,
               DISCOVERED_LINE_MAX);
      continue;
    }
    n = fill(found);
    if(n < 0) {
      found->error = errno;
      return NULL;
    }
    if(n == 0)
      return NULL;
  }
}

bool discovered_next(struct discovered *found, struct discovered_entry *entry)
{
  char *line;

  /* What is buffered is part of the queue too. */
  if(found->read_at >= found->end && found->in_pos == found->in_len &&
     found->out_len > 0 && discovered_flush(found, false) < 0)
    return false;
  while((line = next_line(found)) != NULL) {
    if(parse_line(line, entry)) {
      found->read++;
      return true;
    }
    log_warn("%s:%lld: not a discovered URL line, skipped", found->name,
             found->line_no);
  }
  return false;
}

/* Reads the file once from the start: found() for every line, the seq to
 * go on from, and the torn tail cut off. Then the queue starts at the top. */
static int recover(struct discovered *found,
                   int (*callback)(void *, const struct discovered_entry *),
                   void *arg, char **cause)
{
  struct discovered_entry entry;
  off_t complete;

  found->end = lseek(found->fd, 0, SEEK_END);
  if(found->end < 0)
    return cause_set(cause, "%s: %s", found->name, strerror(errno));
  while(discovered_next(found, &entry)) {
    if(callback(arg, &entry) < 0)
      return cause_set(cause, "%s: out of memory", found->name);
    if(entry.seq >= found->next_seq)
      found->next_seq = entry.seq + 1;
    found->count++;
  }
  if(found->error != 0)
    return cause_set(cause, "%s: reading: %s", found->name,
                     strerror(found->error));
  complete = found->read_at - (off_t)(found->in_len - found->in_pos);
  if(complete < found->end) {
    log_warn("%s: torn last line (%lld bytes without a newline) cut off",
             found->name, (long long)(found->end - complete));
    if(ftruncate(found->fd, complete) < 0 || fsync(found->fd) < 0)
      return cause_set(cause, "%s: cutting off the torn last line: %s",
                       found->name, strerror(errno));
    found->end = complete;
  }
  found->read = 0;
  found->read_at = 0;
  found->in_len = found->in_pos = 0;
  found->line_no = 0;
  return 0;
}

struct discovered *
discovered_open(int dir_fd, const char *name, long long first_seq,
                int (*callback)(void *arg, const struct discovered_entry *),
                void *arg, char **cause)
{
  struct discovered *found = calloc(1, sizeof(*found));

  *cause = NULL;
  if(found == NULL) {
    cause_set(cause, "out of memory");
    return NULL;
  }
  found->next_seq = first_seq;
  found->name = strdup(name != NULL ? name : "(unnamed)");
  /* O_APPEND: every write lands at the end even after a cut tail. */
  if(name != NULL)
    found->fd =
        openat(dir_fd, name, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  else
    found->fd = openat(dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if(found->name == NULL || found->fd < 0) {
    cause_set(cause, "%s: %s", name != NULL ? name : "a discovered-URL file",
              found->name == NULL ? "out of memory" : strerror(errno));
    if(found->fd >= 0)
      close(found->fd);
    free(found->name);
    free(found);
    return NULL;
  }
  if(recover(found, callback, arg, cause) < 0) {
    discovered_close(found);
    return NULL;
  }
  return found;
}

long long discovered_count(const struct discovered *found)
{
  return found->count;
}

long long discovered_unread(const struct discovered *found)
{
  return found->count - found->read;
}

long long discovered_next_seq(const struct discovered *found)
{
  return found->next_seq;
}

int discovered_error(const struct discovered *found)
{
  return found->error;
}

void discovered_close(struct discovered *found)
{
  if(found == NULL)
    return;
  close(found->fd);
  free(found->out);
  free(found->name);
  free(found);
}
