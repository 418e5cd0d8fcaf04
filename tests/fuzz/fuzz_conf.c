/* fuzz_conf.c - libFuzzer target for the settings file reader
 * (conf_load in src/conf.h) and the settings it feeds (options_set).
 *
 * The input is the file: it is written to a memfd and loaded through
 * /proc/self/fd/N, so conf_load opens, checks and reads it as it would
 * the real /etc/crawld/crawld.conf. A file that loads is then checked as a
 * whole (options_check). A file that fails must name the path and a line
 * of the file, and that must be the first bad line: the lines before it
 * load without error. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz_check.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One memfd for the whole run: a new one per input would cost more than
 * most parses. */
static int conf_fd = -1;
static char conf_path[64];

static void write_file(const uint8_t *data, size_t size)
{
  size_t done = 0;

  if(ftruncate(conf_fd, 0) < 0)
    abort();
  while(done < size) {
    ssize_t n = pwrite(conf_fd, data + done, size - done, (off_t)done);

    if(n <= 0)
      abort();
    done += (size_t)n;
  }
}

/* Loads what write_file() wrote into fresh defaults. Returns conf_load's
 * result, with *cause set as it sets it. */
static int load(char **cause)
{
  struct crawl_options opts;
  char *check_cause = NULL;
  int rc;

  options_defaults(&opts);
  rc = conf_load(conf_path, false, &opts, cause);
  CHECK((rc == 0) == (*cause == NULL));
  if(rc == 0) {
    /* The daemon refuses settings that do not fit together; that must be
     * a clean answer too, whatever the file set. */
    if(options_check(&opts, &check_cause) < 0)
      CHECK(check_cause != NULL);
    free(check_cause);
  }
  return rc;
}

/* Lines as conf.c counts them: a last line without "\n" counts. */
static int count_lines(const uint8_t *data, size_t size)
{
  int lines = 0;

  for(size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  return lines + (size > 0 && data[size - 1] != '\n');
}

/* Bytes in the first lines lines. */
static size_t prefix_length(const uint8_t *data, size_t size, int lines)
{
  size_t i = 0;

  while(lines > 0 && i < size) {
    if(data[i++] == '\n')
      lines--;
  }
  return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *cause = NULL;
  char *prefix_cause = NULL;
  size_t path_len;
  char *end;
  long line;

  if(conf_fd < 0) {
    conf_fd = memfd_create("fuzz_conf", MFD_CLOEXEC);
    if(conf_fd < 0)
      abort();
    snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
  }
  write_file(data, size);
  if(load(&cause) == 0)
    return 0;

  /* "path:line: message"; line 0 only when memory ran out. */
  path_len = strlen(conf_path);
  CHECK(strncmp(cause, conf_path, path_len) == 0 && cause[path_len] == ':');
  line = strtol(cause + path_len + 1, &end, 10);
  CHECK(end != cause + path_len + 1 && end[0] == ':' && end[1] == ' ');
  CHECK(end[2] != '\0');
  CHECK(line >= 1 && line <= count_lines(data, size));

  write_file(data, prefix_length(data, size, (int)line - 1));
  if(load(&prefix_cause) != 0) {
    fprintf(stderr, "first error: %s\nbut the lines before it: %s\n", cause,
            prefix_cause);
    abort();
  }
  free(cause);
  return 0;
}
