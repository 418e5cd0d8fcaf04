/* journal.h - a job's result journal: processing/JOBID.jsonl.
 *
 * The supervisor is its only writer. It holds exactly one record line per
 * seq: journal_append() refuses a seq that already has one, and opening a
 * journal left by a crash rebuilds the set of recorded seqs from the file,
 * after cutting off a torn last line (one without its '\n'). Records are
 * queued in memory and reach the file in journal_sync(), which also
 * fdatasyncs; a record lost with the queue in a crash simply has no line,
 * so its URL is fetched again: fetched twice maybe, recorded once always. */
#ifndef CRAWLD_JOURNAL_H
#define CRAWLD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

struct journal;

/* Opens name in dir_fd for appending, creating it (mode 0640) if missing,
 * and recovers it: a torn last line is truncated away, and every complete
 * line that is a JSON object with an integer "seq" in [0, max_seq] marks
 * that seq as recorded. Any other complete line (not JSON, no seq, out of
 * range, a seq seen before) is logged with name:line and left as it is, but
 * marks nothing. NULL with *cause set to a malloc'd message on failure. */
struct journal *journal_open(int dir_fd, const char *name, long long max_seq,
                             char **cause);
/* True when seq has a record (in the file or queued). */
bool journal_has(const struct journal *journal, long long seq);
/* Records with a seq, in the file or queued. */
long long journal_count(const struct journal *journal);
/* Queues one record line (ending in '\n') for seq. Returns 0, 1 when seq
 * already has a record (nothing is queued), -1 when seq is out of range or
 * memory runs out. Once the queue holds JOURNAL_WRITE_BYTES it is written
 * out (without fdatasync); -1 then also means that write failed. */
int journal_append(struct journal *journal, long long seq, const char *line,
                   size_t len);
/* Records queued since the last journal_sync(). */
long long journal_unsynced(const struct journal *journal);
/* Writes every queued record and fdatasyncs the file. 0, or -1 with errno
 * set: the caller must treat that as fatal (a failed fsync cannot be
 * retried safely). */
int journal_sync(struct journal *journal);
/* Raises the highest seq the journal takes to max_seq (a job that follows
 * links numbers the URLs it finds after its file's lines). */
void journal_allow(struct journal *journal, long long max_seq);
/* Calls before(arg) ahead of every write of queued records, so that what
 * those records depend on (the URLs their pages found) reaches the disk
 * first; before returns 0, or -1 with errno set, which fails the write as
 * the write itself would. */
void journal_before_write(struct journal *journal, int (*before)(void *arg),
                          void *arg);
/* Syncs nothing: the caller syncs first if it wants to keep queued lines. */
void journal_close(struct journal *journal);

#define JOURNAL_WRITE_BYTES (64 * 1024)

#endif
