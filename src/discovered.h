/* discovered.h - the URLs a job found by following links: one append-only
 * file that is at once their durable record and their queue.
 *
 * A URL enters the job (gets its seq) by being appended here; the job reads
 * the file back, in order, as its second source of tasks after its URL
 * file. So the queue of found URLs costs disk, not memory, however far the
 * crawl goes, and after a crash the file says which URLs the job had found:
 * the job rebuilds its seen-set from it and fetches those without a record.
 *
 * A line is "SEQ DEPTH URL VIA\n", space-separated: the URLs are normalised
 * (urlnorm.h), so they hold no space, control character or quote. Lines are
 * buffered and written whole; a torn last line left by a crash is cut off at
 * open, like the journal's, and its URL is found again when its page is
 * fetched again (that page cannot have its record yet: see
 * discovered_flush).
 *
 * The service keeps the file as processing/JOBID.found beside the journal;
 * crawld --once keeps an unnamed one in its spill directory. */
#ifndef CRAWLD_DISCOVERED_H
#define CRAWLD_DISCOVERED_H

#include <stdbool.h>
#include <stddef.h>

/* The longest line kept: two URLs of at most URLNORM_MAX_BYTES and the
 * numbers. */
#define DISCOVERED_LINE_MAX (2 * 8192 + 64)

struct discovered_entry {
  long long seq;
  int depth;
  const char *url; /* NUL-terminated */
  const char *via; /* the URL of the page that linked to it */
};

struct discovered;

/* Opens name in dir_fd (created if missing, mode 0640) and reads what it
 * holds: found(arg, entry) for every complete line, in order, then the
 * torn last line cut off. With name NULL, an unnamed temporary file in
 * dir_fd instead. Seqs continue from the last one in the file, or start at
 * first_seq. NULL with *cause set (malloc'd) on failure, or when found
 * returns -1. */
struct discovered *
discovered_open(int dir_fd, const char *name, long long first_seq,
                int (*found)(void *arg, const struct discovered_entry *entry),
                void *arg, char **cause);
/* Appends url, found at depth on the page via, and returns its seq; -1 with
 * errno set when memory runs out or an earlier write failed (EIO then: the
 * job must stop). */
long long discovered_add(struct discovered *found, int depth, const char *url,
                         const char *via);
/* Writes what is buffered and, when sync, fdatasyncs: the journal calls it
 * before writing records, so that no record reaches the disk before the URLs
 * its page found. 0, or -1 with errno set (fatal for the job). */
int discovered_flush(struct discovered *found, bool sync);
/* The next URL of the queue, or false when it is read to its end for now.
 * entry's strings are valid until the next call. -1 is never needed: a read
 * error sets discovered_error(). */
bool discovered_next(struct discovered *found, struct discovered_entry *entry);
/* URLs appended in all, and those not read back by discovered_next yet. */
long long discovered_count(const struct discovered *found);
long long discovered_unread(const struct discovered *found);
/* The seq the next URL gets. */
long long discovered_next_seq(const struct discovered *found);
/* The errno of a failed write or read, else 0. */
int discovered_error(const struct discovered *found);
void discovered_close(struct discovered *found);

#endif
