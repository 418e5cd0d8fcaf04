/* fuzz_urlfile.c - libFuzzer target for the URL file reader
 * (src/urlfile.h).
 *
 * The input (after its first byte) is a URL file. It is read twice: from a
 * memfd, as a job file is read, and from a non-blocking pipe that gets it
 * in pieces of the size the first byte picks, as standard input is read,
 * where urlfile_next() must answer URLFILE_AGAIN and later resume. Both
 * readers must give the same lines. Each line is also checked against the
 * rules of urlfile.h, using the line's own bytes cut from the input here:
 * numbering, trimming, skipping, the length limit, and agreement with
 * urlfile_check_url() on the same text. urlfile_check_url() is also run
 * on every raw chunk between newlines, and urlfile_count_records() must
 * count the records the reader gives. */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "urlfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MESSAGE_SIZE 256

/* One memfd for the whole run: a new one per input would cost more than
 * reading most inputs. */
static int file_fd = -1;
static char file_path[64];

struct urlfile_copy {
  enum urlfile_kind kind;
  long long seq;
  char *url;
  const char *error_code;
  char *error_message;
};

static char *copy_text(const char *text)
{
  char *copy;

  if(text == NULL)
    return NULL;
  copy = strdup(text);
  if(copy == NULL)
    abort();
  return copy;
}

static bool is_blank(char c)
{
  return c == ' ' || c == '\t';
}

static bool is_url_byte(char c)
{
  return (unsigned char)c > 0x20 && (unsigned char)c < 0x7F;
}

/* urlfile_check_url() on any text, with the guarantees of its header. */
static const char *check_url(const char *url, size_t len, char *message)
{
  const char *code;

  memset(message, 'x', MESSAGE_SIZE);
  code = urlfile_check_url(url, len, message, MESSAGE_SIZE);
  if(code == NULL) {
    CHECK(len > 0 && len <= URLFILE_LINE_MAX);
    for(size_t i = 0; i < len; i++)
      CHECK(is_url_byte(url[i]));
    return NULL;
  }
  CHECK(strcmp(code, URLFILE_BAD_URL) == 0 ||
        strcmp(code, URLFILE_PROTOCOL_DENIED) == 0);
  CHECK(memchr(message, '\0', MESSAGE_SIZE) != NULL && message[0] != '\0');
  return code;
}

/* The rules of urlfile.h for the line that is bytes [start, end) of the
 * file, end being at its "\n" or at the end of the file. */
static void check_line(const struct urlfile_line *got, const char *file,
                       size_t start, size_t end, bool has_newline)
{
  char prefix[64];
  char message[MESSAGE_SIZE];
  size_t len = end - start;
  const char *text = file + start;
  const char *code;

  if(has_newline && len > 0 && text[len - 1] == '\r')
    len--;
  snprintf(prefix, sizeof(prefix), "line %lld: ", got->seq + 1);
  if(got->kind == URLFILE_BAD) {
    CHECK(got->error_code != NULL);
    CHECK(got->error_message != NULL);
    CHECK(strncmp(got->error_message, prefix, strlen(prefix)) == 0);
  }
  if(len > URLFILE_LINE_MAX) {
    CHECK(got->kind == URLFILE_BAD);
    CHECK(strcmp(got->error_code, URLFILE_BAD_URL) == 0);
    return;
  }
  if(memchr(text, '\0', len) != NULL) {
    CHECK(got->kind == URLFILE_BAD);
    CHECK(strcmp(got->error_code, URLFILE_BAD_URL) == 0);
    return;
  }
  while(len > 0 && is_blank(text[0])) {
    text++;
    len--;
  }
  while(len > 0 && is_blank(text[len - 1]))
    len--;
  if(len == 0 || text[0] == '#') {
    CHECK(got->kind == URLFILE_SKIP);
    return;
  }
  code = check_url(text, len, message);
  if(code == NULL) {
    CHECK(got->kind == URLFILE_URL);
    CHECK(got->url_len == len && memcmp(got->url, text, len) == 0);
    CHECK(got->url[len] == '\0');
    return;
  }
  CHECK(got->kind == URLFILE_BAD);
  CHECK(strcmp(got->error_code, code) == 0);
  CHECK(strcmp(got->error_message + strlen(prefix), message) == 0);
}

static bool same_line(const struct urlfile_copy *a,
                      const struct urlfile_line *b)
{
  if(a->kind != b->kind || a->seq != b->seq)
    return false;
  if((a->url == NULL) != (b->url == NULL) ||
     (a->url != NULL && strcmp(a->url, b->url) != 0))
    return false;
  if((a->error_message == NULL) != (b->error_message == NULL) ||
     (a->error_message != NULL &&
      strcmp(a->error_message, b->error_message) != 0))
    return false;
  return a->error_code == b->error_code;
}

static void write_file(const uint8_t *data, size_t size)
{
  size_t done = 0;

  if(ftruncate(file_fd, 0) < 0)
    abort();
  while(done < size) {
    ssize_t n = pwrite(file_fd, data + done, size - done, (off_t)done);

    if(n <= 0)
      abort();
    done += (size_t)n;
  }
  if(lseek(file_fd, 0, SEEK_SET) < 0)
    abort();
}

/* Reads the file from the memfd, checking every line against its bytes.
 * Returns the lines, EOF last, and their count in *count. */
static struct urlfile_copy *read_file(const char *file, size_t size,
                                      size_t *count)
{
  struct urlfile *uf = urlfile_from_fd(file_fd);
  struct urlfile_copy *lines = calloc(size + 2, sizeof(*lines));
  struct urlfile_line got;
  size_t start = 0;
  size_t n = 0;

  if(uf == NULL || lines == NULL)
    abort();
  for(;;) {
    enum urlfile_kind kind = urlfile_next(uf, &got);

    CHECK(kind == got.kind);
    CHECK(kind != URLFILE_AGAIN && kind != URLFILE_ERROR);
    CHECK(got.seq == (long long)n);
    /* A line takes at least one byte, so there are at most size + 1. */
    CHECK(n <= size);
    lines[n].kind = kind;
    lines[n].seq = got.seq;
    lines[n].url = copy_text(got.url);
    lines[n].error_code = got.error_code;
    lines[n].error_message = copy_text(got.error_message);
    n++;
    if(kind == URLFILE_EOF) {
      /* Everything was read, and the last line without "\n" counted. */
      CHECK(start >= size);
      break;
    }
    CHECK(kind == URLFILE_URL || kind == URLFILE_SKIP || kind == URLFILE_BAD);
    CHECK(start < size);
    {
      const char *newline = memchr(file + start, '\n', size - start);
      size_t end = newline != NULL ? (size_t)(newline - file) : size;

      check_line(&got, file, start, end, newline != NULL);
      start = end + 1;
    }
  }
  CHECK(urlfile_next(uf, &got) == URLFILE_EOF);
  CHECK(got.seq == (long long)n - 1);
  urlfile_close(uf);
  *count = n;
  return lines;
}

/* Reads the file again through a non-blocking pipe fed chunk bytes at a
 * time, which must give exactly the same lines. */
static void read_pipe(const char *file, size_t size, size_t chunk,
                      const struct urlfile_copy *lines, size_t count)
{
  struct urlfile *uf;
  struct urlfile_line got;
  size_t fed = 0;
  size_t n = 0;
  int fds[2];

  if(pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
    abort();
  uf = urlfile_from_fd(fds[0]);
  if(uf == NULL)
    abort();
  for(;;) {
    enum urlfile_kind kind = urlfile_next(uf, &got);

    CHECK(kind != URLFILE_ERROR);
    if(kind == URLFILE_AGAIN) {
      size_t piece = size - fed < chunk ? size - fed : chunk;
      ssize_t written;

      CHECK(got.seq == (long long)n);
      CHECK(fds[1] >= 0);
      if(piece == 0) {
        close(fds[1]);
        fds[1] = -1;
        continue;
      }
      written = write(fds[1], file + fed, piece);
      CHECK(written > 0);
      fed += (size_t)written;
      continue;
    }
    CHECK(n < count);
    CHECK(same_line(&lines[n], &got));
    n++;
    if(kind == URLFILE_EOF)
      break;
  }
  CHECK(n == count);
  urlfile_close(uf);
  close(fds[0]);
}

/* urlfile_check_url() on every raw piece between newlines, as a redirect
 * target could be: untrimmed, possibly with "\r", NUL or over-long. */
static void check_chunks(const char *file, size_t size)
{
  char message[MESSAGE_SIZE];
  size_t start = 0;

  while(start <= size) {
    const char *newline = memchr(file + start, '\n', size - start);
    size_t end = newline != NULL ? (size_t)(newline - file) : size;

    check_url(file + start, end - start, message);
    start = end + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *file = (const char *)data + 1;
  size_t file_size;
  size_t chunk;
  size_t count = 0;
  long long records = 0;
  struct urlfile_copy *lines;

  if(size < 1)
    return 0;
  if(file_fd < 0) {
    file_fd = memfd_create("fuzz_urlfile", MFD_CLOEXEC);
    if(file_fd < 0)
      abort();
    snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
  }
  /* 1 to 64 bytes splits lines, "\r\n" and the 8192-byte limit anywhere;
   * the larger sizes are the usual pipe case. */
  chunk = data[0] < 64 ? (size_t)data[0] + 1 : (size_t)data[0] * 64;
  file_size = size - 1;
  /* At most 256 pieces: two system calls a piece made long inputs in tiny
   * pieces the bulk of the run time, for splits the short ones cover. */
  if(chunk < file_size / 256 + 1)
    chunk = file_size / 256 + 1;

  write_file((const uint8_t *)file, file_size);
  lines = read_file(file, file_size, &count);
  read_pipe(file, file_size, chunk, lines, count);
  check_chunks(file, file_size);

  for(size_t i = 0; i < count; i++)
    records += lines[i].kind == URLFILE_URL || lines[i].kind == URLFILE_BAD;
  CHECK(urlfile_count_records(file_path) == records);

  for(size_t i = 0; i < count; i++) {
    free(lines[i].url);
    free(lines[i].error_message);
  }
  free(lines);
  return 0;
}
