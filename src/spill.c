/* spill.c - the frontier's overflow on disk; see spill.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"

/* An entry on disk: this header, then url_len bytes of URL, then via_len - 1
 * bytes of the URL that linked to it (via_len 0: none). Written and read by
 * this process only, so native byte order. */
struct spill_header {
  uint64_t next; /* offset + 1 of the next entry of its chain; 0: none */
  int64_t seq;
  uint32_t job_slot;
  uint16_t attempt;
  uint16_t url_len;
  int32_t depth;
  uint16_t via_len;
  uint16_t links; /* 1: the task's links flag */
};

struct spill {
  int fd;
  off_t end;
  long long count;
};

struct spill *spill_open(const char *dir, char **cause)
{
  struct spill *spill = calloc(1, sizeof(*spill));

  *cause = NULL;
  if(spill == NULL) {
    *cause = strdup("out of memory");
    return NULL;
  }
  /* O_TMPFILE: never has a name, so nothing is left behind by a crash. */
  spill->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if(spill->fd < 0) {
    if(asprintf(cause, "cannot create a spill file in %s: %s", dir,
                strerror(errno)) < 0)
      *cause = NULL;
    free(spill);
    return NULL;
  }
  return spill;
}

static int write_all(int fd, const void *data, size_t len, off_t at)
{
  const char *bytes = data;

  while(len > 0) {
    ssize_t wrote = pwrite(fd, bytes, len, at);

    if(wrote < 0 && errno == EINTR)
      continue;
    if(wrote <= 0)
      return -1;
    bytes += wrote;
    len -= (size_t)wrote;
    at += wrote;
  }
  return 0;
}

static int read_all(int fd, void *data, size_t len, off_t at)
{
  char *bytes = data;

  while(len > 0) {
    ssize_t got = pread(fd, bytes, len, at);

    if(got < 0 && errno == EINTR)
      continue;
    if(got <= 0) {
      if(got == 0)
        errno = EIO;
      return -1;
    }
    bytes += got;
    len -= (size_t)got;
    at += got;
  }
  return 0;
}

int spill_push(struct spill *spill, struct spill_chain *chain,
               const struct spill_entry *entry)
{
  struct spill_header header = { 0 };
  off_t at = spill->end;
  uint64_t link = (uint64_t)at + 1;

  size_t via_len = entry->via != NULL ? entry->via_len + 1 : 0;
  off_t url_at = at + (off_t)sizeof(header);

  if(entry->url_len > UINT16_MAX || via_len > UINT16_MAX ||
     entry->attempt < 0 || entry->attempt > UINT16_MAX) {
    errno = EINVAL;
    return -1;
  }
  header.seq = entry->seq;
  header.job_slot = entry->job_slot;
  header.attempt = (uint16_t)entry->attempt;
  header.url_len = (uint16_t)entry->url_len;
  header.depth = entry->depth;
  header.via_len = (uint16_t)via_len;
  header.links = entry->links;
  if(write_all(spill->fd, &header, sizeof(header), at) < 0 ||
     write_all(spill->fd, entry->url, entry->url_len, url_at) < 0 ||
     (via_len > 0 && write_all(spill->fd, entry->via, entry->via_len,
                               url_at + (off_t)entry->url_len) < 0))
    return -1;
  /* Linked in only once it is whole: the previous tail points at it. */
  if(chain->tail != 0 &&
     write_all(spill->fd, &link, sizeof(link), chain->tail - 1) < 0)
    return -1;
  if(chain->head == 0)
    chain->head = (off_t)link;
  chain->tail = (off_t)link;
  chain->count++;
  spill->count++;
  spill->end = url_at + (off_t)entry->url_len + (off_t)entry->via_len;
  return 0;
}

int spill_pop(struct spill *spill, struct spill_chain *chain,
              struct spill_entry *entry)
{
  struct spill_header header;
  off_t at = chain->head - 1;
  off_t url_at = at + (off_t)sizeof(header);

  if(chain->head == 0) {
    errno = ENOENT;
    return -1;
  }
  if(read_all(spill->fd, &header, sizeof(header), at) < 0)
    return -1;
  entry->url = malloc((size_t)header.url_len + 1);
  entry->via = header.via_len > 0 ? malloc(header.via_len) : NULL;
  if(entry->url == NULL || (header.via_len > 0 && entry->via == NULL) ||
     read_all(spill->fd, entry->url, header.url_len, url_at) < 0 ||
     (header.via_len > 0 &&
      read_all(spill->fd, entry->via, (size_t)header.via_len - 1,
               url_at + header.url_len) < 0)) {
    free(entry->url);
    free(entry->via);
    entry->url = entry->via = NULL;
    return -1;
  }
  entry->url[header.url_len] = '\0';
  entry->url_len = header.url_len;
  entry->depth = header.depth;
  entry->links = header.links != 0;
  entry->via_len = header.via_len > 0 ? (size_t)header.via_len - 1 : 0;
  if(entry->via != NULL)
    entry->via[entry->via_len] = '\0';
  entry->seq = header.seq;
  entry->job_slot = header.job_slot;
  entry->attempt = header.attempt;
  chain->head = (off_t)header.next;
  chain->count--;
  if(chain->count == 0)
    chain->head = chain->tail = 0;
  spill->count--;
  /* Nothing left anywhere: give the disk space back. */
  if(spill->count == 0 && ftruncate(spill->fd, 0) == 0)
    spill->end = 0;
  return 0;
}

long long spill_count(const struct spill *spill)
{
  return spill->count;
}

off_t spill_size(const struct spill *spill)
{
  return spill->end;
}

void spill_close(struct spill *spill)
{
  if(spill == NULL)
    return;
  close(spill->fd);
  free(spill);
}
