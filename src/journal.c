/* journal.c - a job's result journal; see journal.h.
 *
 * Memory stays small however large the journal is: recovery reads the file
 * in fixed chunks and holds at most one line (PROTO_LINE_MAX bytes) of it,
 * the set of recorded seqs is a bitmap only as long as the highest seq seen
 * needs, and the queue is written out once it holds JOURNAL_WRITE_BYTES. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "journal.h"
#include "log.h"
#include "proto.h"

/* Recovery reads this much at a time: few calls, little memory. */
#define RECOVER_CHUNK (64 * 1024)

struct journal {
  int fd;
  long long max_seq;
  unsigned char *bits; /* bit seq set: seq has a record */
  size_t bits_size;    /* bytes allocated in bits */
  size_t bits_max;     /* bytes for max_seq + 1 bits: bits never grows past */
  long long count;
  char *queue; /* record lines not yet written */
  size_t queue_len;
  size_t queue_cap;
  long long unsynced;
  int (*before_write)(void *arg); /* or NULL */
  void *before_write_arg;
  /* The errno of a failed write or fdatasync, 0 before. After one, the file
   * may end in part of a line, and a later write would glue a record onto
   * it, so the journal refuses to write again: the caller exits and the
   * next start-up cuts that part off. */
  int error;
};

/* Recovery's view of the line being read. */
struct recovery {
  struct journal *journal;
  const char *name;
  long long line_no; /* of the line being read, from 1 */
  char *line;        /* the start of a line that runs over a chunk's end */
  size_t line_len;
  size_t line_cap;
  bool overlong; /* the line has passed PROTO_LINE_MAX: its bytes are
                    dropped, not held */
};

static bool bits_test(const struct journal *journal, long long seq)
{
  size_t byte = (size_t)(seq / 8);

  return byte < journal->bits_size &&
         (journal->bits[byte] & (1u << (seq % 8))) != 0;
}

/* Marks seq, which is in [0, max_seq] and not marked yet. Growing by
 * doubling keeps appends in seq order cheap; the cap keeps a journal of few
 * seqs from holding a bitmap for many. */
static int bits_set(struct journal *journal, long long seq)
{
  size_t need = (size_t)(seq / 8) + 1;

  if(need > journal->bits_size) {
    size_t size = journal->bits_size > journal->bits_max / 2
                      ? journal->bits_max
                      : journal->bits_size * 2;
    unsigned char *bits;

    if(size < need)
      size = need;
    bits = realloc(journal->bits, size);
    if(!bits)
      return -1;
    memset(bits + journal->bits_size, 0, size - journal->bits_size);
    journal->bits = bits;
    journal->bits_size = size;
  }
  journal->bits[seq / 8] |= (unsigned char)(1u << (seq % 8));
  journal->count++;
  return 0;
}

/* Reads one complete line and marks its seq, or logs why it marks nothing.
 * -1 only when memory runs out. */
static int recover_record(struct recovery *rec, const char *text, size_t len)
{
  struct journal *journal = rec->journal;
  json_error_t error;
  json_t *record = json_loadb(text, len, 0, &error);
  json_t *seq_value;
  long long seq;
  int rc = 0;

  if(!record) {
    log_warn("%s:%lld: not JSON (%s), skipped", rec->name, rec->line_no,
             error.text);
    return 0;
  }
  seq_value = json_object_get(record, "seq");
  if(!json_is_integer(seq_value)) {
    log_warn("%s:%lld: no integer \"seq\", skipped", rec->name, rec->line_no);
    goto out;
  }
  seq = json_integer_value(seq_value);
  if(seq < 0 || seq > journal->max_seq) {
    log_warn("%s:%lld: seq %lld is not in [0, %lld], skipped", rec->name,
             rec->line_no, seq, journal->max_seq);
    goto out;
  }
  if(bits_test(journal, seq)) {
    log_warn("%s:%lld: seq %lld already has a record, skipped", rec->name,
             rec->line_no, seq);
    goto out;
  }
  rc = bits_set(journal, seq);
out:
  json_decref(record);
  return rc;
}

/* Holds a piece of the current line until the rest of it is read. */
static int recover_hold(struct recovery *rec, const char *bytes, size_t len)
{
  if(rec->overlong || !len)
    return 0;
  if(len > PROTO_LINE_MAX - rec->line_len) {
    rec->overlong = true;
    rec->line_len = 0;
    return 0;
  }
  if(rec->line_len + len > rec->line_cap) {
    size_t cap = rec->line_cap ? rec->line_cap * 2 : RECOVER_CHUNK;
    char *line;

    while(cap < rec->line_len + len)
      cap *= 2;
    if(cap > PROTO_LINE_MAX)
      cap = PROTO_LINE_MAX;
    line = realloc(rec->line, cap);
    if(!line)
      return -1;
    rec->line = line;
    rec->line_cap = cap;
  }
  memcpy(rec->line + rec->line_len, bytes, len);
  rec->line_len += len;
  return 0;
}

/* Ends the current line with bytes, the part of it before its '\n' in the
 * chunk just read. A line that lies in one chunk is read where it is. */
static int recover_line_end(struct recovery *rec, const char *bytes,
                            size_t len)
{
  int rc = 0;

  rec->line_no++;
  if(rec->line_len || rec->overlong) {
    if(recover_hold(rec, bytes, len))
      return -1;
    bytes = rec->line;
    len = rec->line_len;
  }
  if(rec->overlong || len > PROTO_LINE_MAX)
    log_warn("%s:%lld: longer than %d bytes, skipped", rec->name, rec->line_no,
             PROTO_LINE_MAX);
  else
    rc = recover_record(rec, bytes, len);
  rec->line_len = 0;
  rec->overlong = false;
  return rc;
}

/* Marks the seq of every record in the file and cuts off a torn last line.
 * Only a line with its '\n' was ever completely written (we write lines
 * whole, in order), so the bytes after the last '\n' are a record cut by a
 * crash: its seq is not marked and gets fetched and recorded again. */
static int recover(struct journal *journal, const char *name, char **cause)
{
  struct recovery rec = { .journal = journal, .name = name };
  char *chunk = malloc(RECOVER_CHUNK);
  off_t size = 0;     /* bytes read so far */
  off_t complete = 0; /* bytes up to and with the last '\n' */
  const char *what = "recovering";
  int rc = -1;

  if(!chunk)
    goto out;
  for(;;) {
    ssize_t n = pread(journal->fd, chunk, RECOVER_CHUNK, size);
    const char *start = chunk;
    const char *newline;

    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0) {
      what = "reading";
      goto out;
    }
    if(n == 0)
      break;
    while((newline = memchr(start, '\n', (size_t)(chunk + n - start)))) {
      if(recover_line_end(&rec, start, (size_t)(newline - start)))
        goto out;
      start = newline + 1;
      complete = size + (start - chunk);
    }
    if(recover_hold(&rec, start, (size_t)(chunk + n - start)))
      goto out;
    size += n;
  }
  if(size > complete) {
    log_warn("%s:%lld: torn last line (%lld bytes without a newline) cut off",
             name, rec.line_no + 1, (long long)(size - complete));
    what = "cutting off the torn last line";
    if(ftruncate(journal->fd, complete) || fsync(journal->fd))
      goto out;
  }
  rc = 0;
out:
  /* Every way here with rc -1 left errno set: ENOMEM or the system call's. */
  if(rc)
    cause_set(cause, "%s: %s: %s", name, what, strerror(errno));
  free(rec.line);
  free(chunk);
  return rc;
}

struct journal *journal_open(int dir_fd, const char *name, long long max_seq,
                             char **cause)
{
  struct journal *journal;
  struct stat st;
  const char *why = NULL;

  *cause = NULL;
  /* bits is indexed with a size_t; only a 32-bit build can hit this. */
  if(max_seq >= 0 && (unsigned long long)max_seq / 8 >= SIZE_MAX) {
    cause_set(cause, "%s: max_seq %lld is too large", name, max_seq);
    return NULL;
  }
  journal = calloc(1, sizeof(*journal));
  if(!journal) {
    cause_set(cause, "%s: %s", name, strerror(ENOMEM));
    return NULL;
  }
  journal->max_seq = max_seq;
  journal->bits_max = max_seq >= 0 ? (size_t)(max_seq / 8) + 1 : 0;
  /* O_NOFOLLOW: the spool directories are ours, and a link there would make
   * us append to (and truncate) a file somewhere else. */
  journal->fd =
      openat(dir_fd, name,
             O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
  if(journal->fd < 0) {
    cause_set(cause, "%s: %s", name, strerror(errno));
    free(journal);
    return NULL;
  }
  /* A FIFO or device there would block recovery or refuse ftruncate. */
  if(fstat(journal->fd, &st))
    why = strerror(errno);
  else if(!S_ISREG(st.st_mode))
    why = "not a regular file";
  if(why) {
    cause_set(cause, "%s: %s", name, why);
    journal_close(journal);
    return NULL;
  }
  if(recover(journal, name, cause)) {
    journal_close(journal);
    return NULL;
  }
  return journal;
}

bool journal_has(const struct journal *journal, long long seq)
{
  return seq >= 0 && seq <= journal->max_seq && bits_test(journal, seq);
}

long long journal_count(const struct journal *journal)
{
  return journal->count;
}

/* Writes the whole queue, or fails for good (see journal->error). */
static int write_queue(struct journal *journal)
{
  size_t done = 0;

  if(journal->queue_len > 0 && journal->before_write != NULL &&
     journal->before_write(journal->before_write_arg) < 0) {
    journal->error = errno;
    return -1;
  }
  while(done < journal->queue_len) {
    ssize_t n =
        write(journal->fd, journal->queue + done, journal->queue_len - done);

    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0) {
      journal->error = errno;
      return -1;
    }
    done += (size_t)n;
  }
  journal->queue_len = 0;
  return 0;
}

int journal_append(struct journal *journal, long long seq, const char *line,
                   size_t len)
{
  if(seq < 0 || seq > journal->max_seq) {
    errno = ERANGE;
    return -1;
  }
  if(journal->error) {
    errno = journal->error;
    return -1;
  }
  if(bits_test(journal, seq))
    return 1;
  if(len > journal->queue_cap - journal->queue_len) {
    size_t cap = journal->queue_cap ? journal->queue_cap : JOURNAL_WRITE_BYTES;
    char *queue;

    while(cap - journal->queue_len < len)
      cap *= 2;
    queue = realloc(journal->queue, cap);
    if(!queue)
      return -1;
    journal->queue = queue;
    journal->queue_cap = cap;
  }
  /* Marked first: when that fails nothing has been queued yet. */
  if(bits_set(journal, seq))
    return -1;
  memcpy(journal->queue + journal->queue_len, line, len);
  journal->queue_len += len;
  journal->unsynced++;
  /* A failed write leaves this record marked and queued, which no longer
   * matters: the journal takes no more writes (see journal->error). */
  if(journal->queue_len >= JOURNAL_WRITE_BYTES)
    return write_queue(journal);
  return 0;
}

long long journal_unsynced(const struct journal *journal)
{
  return journal->unsynced;
}

int journal_sync(struct journal *journal)
{
  if(journal->error) {
    errno = journal->error;
    return -1;
  }
  /* Nothing appended since the last sync: nothing to make durable. */
  if(!journal->unsynced)
    return 0;
  if(write_queue(journal))
    return -1;
  if(fdatasync(journal->fd)) {
    journal->error = errno;
    return -1;
  }
  journal->unsynced = 0;
  return 0;
}

void journal_allow(struct journal *journal, long long max_seq)
{
  if(max_seq <= journal->max_seq ||
     (unsigned long long)max_seq / 8 >= SIZE_MAX)
    return;
  journal->max_seq = max_seq;
  journal->bits_max = (size_t)(max_seq / 8) + 1;
}

void journal_before_write(struct journal *journal, int (*before)(void *arg),
                          void *arg)
{
  journal->before_write = before;
  journal->before_write_arg = arg;
}

void journal_close(struct journal *journal)
{
  if(!journal)
    return;
  close(journal->fd);
  free(journal->queue);
  free(journal->bits);
  free(journal);
}
