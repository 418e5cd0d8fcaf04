#ifndef CRAWLD_URLFILE_H
#define CRAWLD_URLFILE_H
/*
 * Streaming reader for URL files.
 *
 * A URL file is read line by line in constant memory, however large the
 * file or long its lines, and every line becomes exactly one of: a URL to
 * fetch, a line to skip, or a bad line that gets an error record.
 *
 * Rules (this is the user-visible contract, mirrored in the man page):
 *
 *  - Lines end with "\n". A "\r" right before the "\n" is dropped, so
 *    "\r\n" files work. A last line without "\n" still counts if it has
 *    any bytes. An empty file has no lines.
 *  - Every line counts when numbering lines, blank and comment ones
 *    included. Messages name the 1-based line number ("line 12: ...").
 *  - Leading and trailing spaces and tabs are trimmed. A line that is then
 *    empty, or starts with "#", is skipped without a record.
 *  - A line longer than URLFILE_LINE_MAX bytes (counted before trimming,
 *    without its terminator) is bad_url "line is longer than 8192 bytes".
 *    The rest of it is discarded and the next line is read normally.
 *  - A line containing a NUL byte is bad_url "line contains a NUL byte".
 *  - Crawl input must be percent-encoded ASCII: a URL holding a space,
 *    a tab, a control character (including DEL) or a byte >= 0x80 is
 *    bad_url "URL contains a space, control character or non-ASCII byte".
 *  - A URL that starts with a scheme ("name:", RFC 3986 syntax) other than
 *    http or https, in any letter case, is protocol_denied
 *    "scheme 'ftp' is not allowed (http and https only)".
 *  - Anything else is parsed by libcurl's URL parser with no default
 *    scheme, so "example.com/x" is bad_url. A parse failure, including a
 *    missing host, is bad_url with libcurl's text for the failure.
 *  - A good URL is handed out exactly as written, minus the trimmed blanks;
 *    it is not normalised.
 *
 * The reader also works on a non-blocking descriptor (a pipe, standard
 * input): when no complete line is buffered yet it returns URLFILE_AGAIN,
 * and the next call resumes exactly where it stopped.
 */

#include <stddef.h>

#define URLFILE_LINE_MAX 8192 /* bytes, excluding the line terminator */

/* Error codes for the error record of a URLFILE_BAD line */
#define URLFILE_BAD_URL "bad_url"
#define URLFILE_PROTOCOL_DENIED "protocol_denied"

enum urlfile_kind {
  URLFILE_URL,   /* line holds a fetchable http(s) URL */
  URLFILE_SKIP,  /* blank line or comment: no record */
  URLFILE_BAD,   /* gets an error record: error_code / error_message say why */
  URLFILE_AGAIN, /* non-blocking fd has no complete line yet: wait for
                    readability */
  URLFILE_EOF,   /* no more lines */
  URLFILE_ERROR  /* read() failed: error_message says why (errno text) */
};

struct urlfile_line {
  enum urlfile_kind kind;
  /* 0-based index of the line in the file. For URLFILE_AGAIN and
     URLFILE_ERROR it is the line being waited for, for URLFILE_EOF the
     number of lines in the file. */
  long long seq;
  /* URLFILE_URL: the trimmed URL, NUL-terminated; valid until the next
     urlfile_next() */
  const char *url;
  size_t url_len;
  /* URLFILE_BAD: URLFILE_BAD_URL or URLFILE_PROTOCOL_DENIED (static) */
  const char *error_code;
  /* URLFILE_BAD and URLFILE_ERROR: human text naming the 1-based line
     number, e.g. "line 12: line is longer than 8192 bytes"; valid until
     the next urlfile_next() */
  const char *error_message;
};

struct urlfile;

/* Opens path for streaming; "-" means standard input, which is left open
   by urlfile_close(). Returns NULL on failure with *cause set to a
   malloc'd message naming the file (the caller frees it; it may be NULL
   if even that allocation failed). */
struct urlfile *urlfile_open(const char *path, char **cause);

/* Streams from an fd the caller owns: urlfile_close() does not close it.
   The fd may be non-blocking. Returns NULL when out of memory. */
struct urlfile *urlfile_from_fd(int fd);

/* Reads the next line; returns its kind, which is also stored in
   line->kind. Fields that do not apply to the kind are NULL or 0. After
   URLFILE_EOF every further call returns URLFILE_EOF again. */
enum urlfile_kind urlfile_next(struct urlfile *uf, struct urlfile_line *line);

/* The descriptor being read, to wait for readability on URLFILE_AGAIN. */
int urlfile_fd(const struct urlfile *uf);

void urlfile_close(struct urlfile *uf);

/* Checks one URL (url[0..len), need not be NUL-terminated) by the rules
   above, for URLs that do not come from a file, such as redirect targets.
   It is not trimmed and must not exceed URLFILE_LINE_MAX bytes. Returns
   NULL if the URL is fetchable; otherwise returns URLFILE_BAD_URL or
   URLFILE_PROTOCOL_DENIED and writes why, without a line number, into
   message (256 bytes is always enough). */
const char *urlfile_check_url(const char *url, size_t len, char *message,
                              size_t message_size);

/* How many lines of the file at path get a record (every line but blank
 * and comment ones), without checking the URLs: one quick pass, for
 * progress and ETAs. -1 when the file cannot be read. */
long long urlfile_count_records(const char *path);

#endif /* CRAWLD_URLFILE_H */
