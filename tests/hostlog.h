/* hostlog.h - what the request logs of tests/testserver (--log) say a
 * crawler did, host by host: how many requests it had in flight at once,
 * how close together it started them, how often it asked for a path.
 *
 * A log has one line per event (see the header comment of testserver.c):
 *
 *   S T HOST TARGET         a request started
 *   E T HOST STATUS TARGET  its answer was written whole
 *   X T HOST STATUS TARGET  its connection closed first
 *
 * T being CLOCK_MONOTONIC microseconds and HOST the listener, ADDR:PORT.
 * Each E or X ends the earliest request of the same file, host and target
 * still open. Several logs (several servers) may go into one hostlog:
 * their times compare.
 *
 * Queries name a host as the log writes it, "127.0.0.2:41503". A path
 * matches a TARGET equal to it, or equal to it up to the TARGET's '?':
 * "/page/3" matches "/page/3" and "/page/3?ms=50"; "/page/3?ms=50" matches
 * only itself; NULL matches any. Out of memory aborts: this is a test
 * helper. */
#ifndef CRAWLD_TEST_HOSTLOG_H
#define CRAWLD_TEST_HOSTLOG_H

#include <stddef.h>
#include <stdint.h>

/* The largest log file read: far more than any test writes. */
#define HOSTLOG_MAX_FILE_BYTES (256 * 1024 * 1024)

struct hostlog;

struct hostlog *hostlog_new(void);
void hostlog_free(struct hostlog *log);

/* Adds the requests of the log file at path, or of text (a log's lines in
 * one string; name stands for the file in messages). Returns 0, or -1 with
 * *cause set to a malloc'd message (the caller frees it) naming the file
 * and line: the file cannot be read or is too large, a line is not an
 * event, an E or X ends no open request. A last line without its newline
 * (being written) is read as a line. Nothing is added on failure. */
int hostlog_read_file(struct hostlog *log, const char *path, char **cause);
int hostlog_read_text(struct hostlog *log, const char *name, const char *text,
                      char **cause);

/* The most requests host had at once: the deepest overlap of the intervals
 * from S to E or X. A request that ends in the microsecond another starts
 * does not overlap it; every request lasts at least one microsecond, and
 * one that has not ended lasts forever. */
size_t hostlog_max_concurrent(const struct hostlog *log, const char *host);

/* The shortest time in microseconds between two consecutive starts (S) on
 * host, whatever their paths; -1 when host has fewer than two. */
int64_t hostlog_min_start_gap_us(const struct hostlog *log, const char *host);

/* How many requests host had for path (its S lines). */
size_t hostlog_count(const struct hostlog *log, const char *host,
                     const char *path);

/* The start times of host's requests for path, earliest first: a malloc'd
 * array the caller frees, *count its length; NULL when there is none. */
int64_t *hostlog_start_times(const struct hostlog *log, const char *host,
                             const char *path, size_t *count);

#endif
