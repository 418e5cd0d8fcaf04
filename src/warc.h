/* warc.h - WARC 1.1 archives: one writer per worker, records streamed in.
 *
 * Files. A writer writes CRAWLD-<job>-<YYYYmmddHHMMSS>-<serial>.warc.gz
 * into its directory, or CRAWLD-<job>-<YYYYmmddHHMMSS>-<serial>-<tag>.warc.gz
 * when it has a tag. The timestamp is UTC at the file's creation, the serial
 * five digits counting the writer's files from 00000. Several writers of one
 * job (the worker threads and processes) must each have their own tag, such
 * as "w3" for worker 3: without one, two writers starting in the same second
 * would race for the same names. Names are taken with O_EXCL, so a name that
 * exists (a restart within the second) only moves the serial on. A file being
 * written ends in ".open"; when it is complete (at rotation and at close) it
 * is fsynced, renamed to its final name, and the directory fsynced. Each file
 * starts with a warcinfo record (application/warc-fields).
 *
 * Records. Every record is a gzip member of its own, so that a reader can
 * start at any record's offset. A record is begun, its block fed in pieces
 * as it arrives, and ended; only then is it compressed and appended whole.
 * Its header needs the Content-Length and digests, known only at the end,
 * so the block waits in a spool meanwhile while its SHA-1s are computed as
 * it comes. The spool is memory up to WARC_SPOOL_MEMORY, then an unnamed
 * temporary file (O_TMPFILE) in the writer's directory: a worker has up to
 * --inflight records (32 by default) begun at once, so memory stays at
 * 32 x 64 KiB = 2 MiB per worker whatever the bodies weigh, and a large body
 * costs disk in the archive's own filesystem rather than RAM. Measured here
 * (ext4, HTML-like bodies fed in 16 KiB pieces, 500 records each): a record
 * costs 0.12 ms at 32 KiB, 1.1 ms at 256 KiB and 4.9 ms at 1 MiB, nearly all
 * deflate; the spool file alone (create, write, read back, close) would add
 * 14% at 32 KiB, where its creation shows, but only 6% from 256 KiB on. So
 * small bodies, most HTML pages among them (HTTP Archive puts the median
 * HTML response at some 30 KB), stay in memory, and the file is used where
 * its cost is small beside deflate's.
 *
 * Durability. A file is fsynced and renamed when complete; in between,
 * records reach the page cache only, which a crashed process does not lose.
 * A caller that must not point at a record the disk could still lose (the
 * journal, before it commits the records naming WARC locations) calls
 * warc_sync first. A power loss or a process dying mid-write leaves a
 * ".open" file whose last member may be cut: warc_recover cuts it back to
 * its last whole member and gives it its final name.
 *
 * Errors. Nothing aborts: calls return -1 with errno set (ENOSPC, EFBIG,
 * EACCES, EINVAL...) and warc_error() says what failed in a sentence. A
 * record that could not be appended is cut off the file again, so the file
 * stays whole and the writer usable; only when even that fails is the
 * writer broken (EIO from then on, and recovery cuts the file later).
 *
 * A writer and its records are used by one thread. */
#ifndef CRAWLD_WARC_H
#define CRAWLD_WARC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* A file is closed at the first record that takes it to this size or past
 * it, so it exceeds the size by at most one record. */
#define WARC_DEFAULT_MAX_BYTES (1024LL * 1024 * 1024)
/* A record's block is held in memory up to this much, then in a file. */
#define WARC_SPOOL_MEMORY (64 * 1024)
/* "urn:uuid:" and 36 characters, and the NUL. */
#define WARC_ID_SIZE 46
/* Longest file name: the job and tag are at most 64 bytes each. */
#define WARC_NAME_SIZE 192

/* The fields of each file's warcinfo record; NULL or "" leaves one out.
 * Line breaks in them are written as spaces. */
struct warc_info {
  const char *software; /* "crawld/1.2" */
  const char *hostname;
  const char *job;     /* written as isPartOf */
  const char *options; /* the job's options, as text */
};

enum warc_type {
  WARC_REQUEST,  /* application/http;msgtype=request */
  WARC_RESPONSE, /* application/http;msgtype=response */
};

/* Why a block is shorter than what was sent (WARC-Truncated). */
enum warc_truncated {
  WARC_TRUNC_NONE,
  WARC_TRUNC_LENGTH, /* the size cap was hit */
  WARC_TRUNC_TIME,   /* the time limit was hit */
  WARC_TRUNC_DISCONNECT,
  WARC_TRUNC_UNSPECIFIED,
};

/* Where warc_record_end put a record. */
struct warc_location {
  char file[WARC_NAME_SIZE]; /* the final name, without ".open" */
  off_t offset;              /* of the record's gzip member */
  off_t length;              /* of that member, compressed */
};

struct warc_writer;
struct warc_record;

/* Recovers this writer's leftovers (warc_recover with job and tag: so no
 * two live writers may share a job and tag), then
 * creates the first file in dir_fd (which it dups) and writes its
 * warcinfo. job and tag (NULL: none) are at most 64 bytes of [A-Za-z0-9._]
 * and '-'; max_bytes 0 is WARC_DEFAULT_MAX_BYTES; info's strings are
 * copied. NULL with *cause set (malloc'd) on failure. */
struct warc_writer *warc_open(int dir_fd, const char *job, const char *tag,
                              long long max_bytes,
                              const struct warc_info *info, char **cause);
/* Completes the current file (fsync, rename, fsync of the directory) and
 * frees the writer, also on failure. Every record must have been ended or
 * aborted. 0, or -1 with errno set and *cause (may be NULL) set. */
int warc_close(struct warc_writer *writer, char **cause);
/* fdatasyncs the current file (and once the directory, for its name), so
 * that the records ended so far survive a power loss. 0 or -1, errno set. */
int warc_sync(struct warc_writer *writer);
/* What the last failure was, in a sentence ("" if none). */
const char *warc_error(const struct warc_writer *writer);
/* The name of the file being written, with its ".open". */
const char *warc_current_file(const struct warc_writer *writer);

/* Begins a record for target_uri, dated date (NULL: now). concurrent_to
 * (NULL: none) is a record ID, such as a request's for its response. The
 * record is the caller's until warc_record_end or warc_record_abort. NULL
 * with errno set: EINVAL for a URI or ID with spaces or control characters,
 * or ENOMEM. */
struct warc_record *warc_record_begin(struct warc_writer *writer,
                                      enum warc_type type,
                                      const char *target_uri,
                                      const struct timespec *date,
                                      const char *concurrent_to);
/* The record's ID, "urn:uuid:...", fixed at begin: valid until it ends. */
const char *warc_record_id(const struct warc_record *record);
/* The server's address, numeric IPv4 or IPv6; EINVAL if it is neither. */
int warc_record_set_ip(struct warc_record *record, const char *ip);
/* Appends len bytes to the block. -1 with errno set when the spool cannot
 * take them (ENOSPC...): the record can only be aborted then. */
int warc_record_write(struct warc_record *record, const void *bytes,
                      size_t len);
/* Marks the end of the HTTP header: what is written from here on is the
 * payload, whose digest a response gets (WARC-Payload-Digest). A response
 * never marked gets none. */
void warc_record_payload_start(struct warc_record *record);
/* Compresses the record and appends it to the writer's file (after
 * completing a full file and starting the next), and frees it. 0 with *where
 * filled in (where may be NULL), or -1 with errno set and warc_error() saying
 * why: the record is then in no file, and the files hold what they held. */
int warc_record_end(struct warc_record *record, enum warc_truncated truncated,
                    struct warc_location *where);
/* Frees a record without writing it. */
void warc_record_abort(struct warc_record *record);

/* Finds the ".open" files in dir_fd of job and tag (job NULL: of every job
 * and tag, for when no writer runs), cuts each back to its last whole gzip
 * member, checked by inflating member by member, and gives it its final
 * name (fsynced), or removes it when no member is whole. The number of files
 * recovered or removed, or -1 with *cause set. */
int warc_recover(int dir_fd, const char *job, const char *tag, char **cause);

#endif
