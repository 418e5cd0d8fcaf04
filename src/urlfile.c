/*
 * Streaming reader for URL files: see urlfile.h for the rules.
 *
 * Memory is fixed per reader: one read buffer and one line buffer. A line
 * that outgrows the line buffer is marked overlong and its remaining bytes
 * are dropped as they stream past, so no input can make the reader grow.
 */

/* POSIX.1-2008 (O_CLOEXEC) under -std=c11; a build that asks
   for more (_GNU_SOURCE) gets it anyway. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "urlfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#define READ_BUF_SIZE (64 * 1024)

/* A urlfile_check_url() message, and one with room for "line <n>: " in
   front of it */
#define CHECK_MESSAGE_SIZE 256
#define LINE_MESSAGE_SIZE (CHECK_MESSAGE_SIZE + 64)

/* libcurl does not take a longer prefix for a scheme, so neither do we:
   both must agree on what the scheme of a URL is. */
#define SCHEME_MAX 40

#define STRINGIFY(x) #x
#define TOSTRING(x) STRINGIFY(x)
#define TOO_LONG_TEXT "longer than " TOSTRING(URLFILE_LINE_MAX) " bytes"

struct urlfile {
  int fd;
  bool owns_fd;
  bool at_eof; /* read() returned 0: no more input will come */
  /* One parser handle for the whole file, re-set for every line, so
     checking a line does not set up and tear down a handle each time. */
  CURLU *parser;
  long long next_seq; /* seq of the line being assembled */
  size_t read_pos;    /* first byte of read_buf not yet consumed */
  size_t read_end;    /* end of the bytes read into read_buf */
  size_t line_len;    /* bytes of the current line held in line_buf */
  bool line_overlong; /* current line outgrew line_buf: drop the rest */
  bool count_only;    /* urlfile_count_records: skip the URL check */
  char message[LINE_MESSAGE_SIZE];
  /* A line of URLFILE_LINE_MAX bytes may arrive with one more, the "\r"
     of its "\r\n" ending, so line_buf holds URLFILE_LINE_MAX + 1 bytes.
     The "\r" is dropped before the line is terminated, which leaves room
     for the NUL. */
  char line_buf[URLFILE_LINE_MAX + 1];
  char read_buf[READ_BUF_SIZE];
};

static bool is_blank(char c)
{
  return c == ' ' || c == '\t';
}

static bool is_alpha(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_scheme_char(char c)
{
  return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.';
}

/* Printable ASCII other than space: everything else must be
   percent-encoded in crawl input. */
static bool is_url_byte(char c)
{
  unsigned char byte = (unsigned char)c;
  return byte > 0x20 && byte < 0x7f;
}

/* Length of the scheme url starts with, as RFC 3986 spells a scheme:
   ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":". 0 if it has none. */
static size_t scheme_length(const char *url, size_t len)
{
  size_t i;

  if(!len || !is_alpha(url[0]))
    return 0;
  for(i = 1; i < len && i <= SCHEME_MAX && is_scheme_char(url[i]); i++)
    ;
  if(i < len && i <= SCHEME_MAX && url[i] == ':')
    return i;
  return 0;
}

static bool is_allowed_scheme(const char *scheme, size_t len)
{
  return (len == 4 && curl_strnequal(scheme, "http", 4)) ||
         (len == 5 && curl_strnequal(scheme, "https", 5));
}

/* The checks of urlfile_check_url(), on a URL that is NUL-terminated at
   url[len] as libcurl needs it. */
static const char *check_url(CURLU *parser, const char *url, size_t len,
                             char *message, size_t message_size)
{
  size_t i;
  size_t scheme_len;
  CURLUcode parse_result;

  for(i = 0; i < len; i++) {
    if(!is_url_byte(url[i])) {
      snprintf(message, message_size,
               "URL contains a space, control character or non-ASCII byte");
      return URLFILE_BAD_URL;
    }
  }

  /* Judge the scheme before libcurl does: it rejects schemes it was built
     without as unsupported, and a denied scheme must be reported as such
     whatever libcurl supports. */
  scheme_len = scheme_length(url, len);
  if(scheme_len && !is_allowed_scheme(url, scheme_len)) {
    snprintf(message, message_size,
             "scheme '%.*s' is not allowed (http and https only)",
             (int)scheme_len, url);
    return URLFILE_PROTOCOL_DENIED;
  }

  /* A handle that holds a URL takes the next one as relative to it (as
     for a redirect), which would let "example.com/x" pass: clear it. */
  curl_url_set(parser, CURLUPART_URL, NULL, 0);
  /* No CURLU_DEFAULT_SCHEME: a URL without a scheme is bad, and libcurl
     fails an http(s) URL without a host. */
  parse_result = curl_url_set(parser, CURLUPART_URL, url, 0);
  if(parse_result != CURLUE_OK) {
    snprintf(message, message_size, "%s", curl_url_strerror(parse_result));
    return URLFILE_BAD_URL;
  }
  return NULL;
}

const char *urlfile_check_url(const char *url, size_t len, char *message,
                              size_t message_size)
{
  char terminated[URLFILE_LINE_MAX + 1];
  CURLU *parser;
  const char *error_code;

  if(len > URLFILE_LINE_MAX) {
    snprintf(message, message_size, "URL is " TOO_LONG_TEXT);
    return URLFILE_BAD_URL;
  }
  memcpy(terminated, url, len);
  terminated[len] = '\0';

  parser = curl_url();
  if(!parser) {
    snprintf(message, message_size, "out of memory");
    return URLFILE_BAD_URL;
  }
  error_code = check_url(parser, terminated, len, message, message_size);
  curl_url_cleanup(parser);
  return error_code;
}

static struct urlfile *new_reader(int fd, bool owns_fd)
{
  struct urlfile *uf = calloc(1, sizeof(*uf));

  if(!uf)
    return NULL;
  uf->parser = curl_url();
  if(!uf->parser) {
    free(uf);
    return NULL;
  }
  uf->fd = fd;
  uf->owns_fd = owns_fd;
  return uf;
}

/* A malloc'd "<path>: <reason>", or NULL when out of memory. */
static char *describe_failure(const char *path, const char *reason)
{
  size_t size = strlen(path) + strlen(reason) + sizeof(": ");
  char *text = malloc(size);

  if(text)
    snprintf(text, size, "%s: %s", path, reason);
  return text;
}

struct urlfile *urlfile_open(const char *path, char **cause)
{
  struct urlfile *uf;
  int fd;

  *cause = NULL;
  if(!strcmp(path, "-")) {
    uf = urlfile_from_fd(STDIN_FILENO);
    if(!uf)
      *cause = describe_failure("standard input", strerror(ENOMEM));
    return uf;
  }

  fd = open(path, O_RDONLY | O_CLOEXEC);
  if(fd < 0) {
    *cause = describe_failure(path, strerror(errno));
    return NULL;
  }
  uf = new_reader(fd, true);
  if(!uf) {
    close(fd);
    *cause = describe_failure(path, strerror(ENOMEM));
  }
  return uf;
}

struct urlfile *urlfile_from_fd(int fd)
{
  return new_reader(fd, false);
}

int urlfile_fd(const struct urlfile *uf)
{
  return uf->fd;
}

void urlfile_close(struct urlfile *uf)
{
  if(!uf)
    return;
  if(uf->owns_fd)
    close(uf->fd);
  curl_url_cleanup(uf->parser);
  free(uf);
}

static enum urlfile_kind report(struct urlfile_line *line,
                                enum urlfile_kind kind)
{
  line->kind = kind;
  return kind;
}

/* Reports a problem with the line numbered line->seq: URLFILE_BAD when
   error_code is set, else URLFILE_ERROR. */
static enum urlfile_kind report_problem(struct urlfile *uf,
                                        struct urlfile_line *line,
                                        const char *error_code,
                                        const char *why)
{
  snprintf(uf->message, sizeof(uf->message), "line %lld: %s", line->seq + 1,
           why);
  line->error_code = error_code;
  line->error_message = uf->message;
  return report(line, error_code ? URLFILE_BAD : URLFILE_ERROR);
}

/* Appends bytes of the current line to line_buf, or marks the line
   overlong once they no longer fit; its later bytes are then ignored. */
static void append_to_line(struct urlfile *uf, const char *bytes, size_t len)
{
  if(uf->line_overlong)
    return;
  if(len > sizeof(uf->line_buf) - uf->line_len) {
    uf->line_overlong = true;
    return;
  }
  memcpy(uf->line_buf + uf->line_len, bytes, len);
  uf->line_len += len;
}

/* Moves the buffered bytes of the current line into line_buf. Returns
   true when its "\n" was among them (and has been consumed too). */
static bool take_line_bytes(struct urlfile *uf)
{
  const char *start = uf->read_buf + uf->read_pos;
  size_t available = uf->read_end - uf->read_pos;
  const char *newline = memchr(start, '\n', available);
  size_t len = newline ? (size_t)(newline - start) : available;

  append_to_line(uf, start, len);
  if(!newline) {
    uf->read_pos = uf->read_end;
    return false;
  }
  uf->read_pos += len + 1;
  return true;
}

/* Refills read_buf, which take_line_bytes() has emptied. Returns what
   read() returned. */
static ssize_t read_more(struct urlfile *uf)
{
  ssize_t got;

  do {
    got = read(uf->fd, uf->read_buf, sizeof(uf->read_buf));
  } while(got < 0 && errno == EINTR);

  uf->read_pos = 0;
  uf->read_end = got > 0 ? (size_t)got : 0;
  return got;
}

static enum urlfile_kind
report_read_failure(struct urlfile *uf, struct urlfile_line *line, int error)
{
  char why[CHECK_MESSAGE_SIZE];

  if(error == EAGAIN || error == EWOULDBLOCK)
    return report(line, URLFILE_AGAIN);
  snprintf(why, sizeof(why), "read failed: %s", strerror(error));
  return report_problem(uf, line, NULL, why);
}

/* Classifies a complete line of len bytes in line_buf, within the length
   limit. */
static enum urlfile_kind classify_line(struct urlfile *uf,
                                       struct urlfile_line *line, size_t len)
{
  char *text = uf->line_buf;
  size_t start = 0;
  size_t end = len;
  const char *error_code;
  char why[CHECK_MESSAGE_SIZE];

  if(memchr(text, '\0', len))
    return report_problem(uf, line, URLFILE_BAD_URL,
                          "line contains a NUL byte");

  while(start < end && is_blank(text[start]))
    start++;
  while(end > start && is_blank(text[end - 1]))
    end--;
  if(start == end || text[start] == '#')
    return report(line, URLFILE_SKIP);

  text[end] = '\0';
  if(uf->count_only)
    return report(line, URLFILE_URL);
  error_code =
      check_url(uf->parser, text + start, end - start, why, sizeof(why));
  if(error_code)
    return report_problem(uf, line, error_code, why);

  line->url = text + start;
  line->url_len = end - start;
  return report(line, URLFILE_URL);
}

/* Ends the line being assembled and classifies it. A "\r" before the
   "\n" belongs to the terminator; without a "\n" (last line) it does
   not. */
static enum urlfile_kind finish_line(struct urlfile *uf,
                                     struct urlfile_line *line,
                                     bool ended_by_newline)
{
  size_t len = uf->line_len;
  bool overlong = uf->line_overlong;

  uf->line_len = 0;
  uf->line_overlong = false;
  uf->next_seq++;

  if(ended_by_newline && len && uf->line_buf[len - 1] == '\r')
    len--;
  if(overlong || len > URLFILE_LINE_MAX)
    return report_problem(uf, line, URLFILE_BAD_URL, "line is " TOO_LONG_TEXT);
  return classify_line(uf, line, len);
}

enum urlfile_kind urlfile_next(struct urlfile *uf, struct urlfile_line *line)
{
  ssize_t got;

  memset(line, 0, sizeof(*line));
  line->seq = uf->next_seq;

  for(;;) {
    if(take_line_bytes(uf))
      return finish_line(uf, line, true);
    if(uf->at_eof)
      break;
    got = read_more(uf);
    if(got < 0)
      return report_read_failure(uf, line, errno);
    if(!got)
      uf->at_eof = true;
  }

  if(uf->line_len || uf->line_overlong)
    return finish_line(uf, line, false);
  return report(line, URLFILE_EOF);
}

long long urlfile_count_records(const char *path)
{
  char *cause = NULL;
  struct urlfile *uf = urlfile_open(path, &cause);
  struct urlfile_line line;
  enum urlfile_kind kind;
  long long records = 0;

  free(cause);
  if(!uf)
    return -1;
  uf->count_only = true;
  for(;;) {
    kind = urlfile_next(uf, &line);
    if(kind == URLFILE_EOF || kind == URLFILE_ERROR || kind == URLFILE_AGAIN)
      break;
    if(kind != URLFILE_SKIP)
      records++;
  }
  urlfile_close(uf);
  return kind == URLFILE_EOF ? records : -1;
}
