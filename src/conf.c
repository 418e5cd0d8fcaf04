/* conf.c - reading crawld.conf; see conf.h.
 *
 * libinih does the INI syntax (sections, comments) so we only map each key
 * to its setting. inih cuts lines at a fixed length, reads an indented line
 * as a new value for the key above, and does not report line numbers to its
 * handler, so we hand it our own line reader, which counts lines and
 * refuses the lines inih would misread. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "log.h"
#include "conf.h"

struct conf_reader {
  const char *path;
  FILE *file;
  struct crawl_options *opts;
  int line;       /* number of the line last handed to inih */
  int error_line; /* first line with an error; 0 while there is none */
  char *error;    /* its message */
};

static void note_error(struct conf_reader *reader, int line, char *message)
{
  if(reader->error_line != 0) {
    free(message);
    return;
  }
  reader->error_line = line;
  reader->error = message;
}

/* Why a line cannot be handed to inih, or NULL. */
static const char *line_problem(const char *line, size_t len, bool has_nul,
                                bool too_long)
{
  if(too_long)
    return "line too long (the limit is 199 bytes)";
  if(has_nul)
    return "line contains a NUL byte";
  /* inih would take an indented line as a second value for the key above
   * it and silently replace the first: refuse it instead. Indented blank
   * lines and comments are harmless. */
  if(len > 0 && (line[0] == ' ' || line[0] == '\t')) {
    size_t start = strspn(line, " \t");

    if(line[start] != '\0' && line[start] != '\r' && line[start] != '\n' &&
       line[start] != ';' && line[start] != '#')
      return "indented line (a value must fit on its key's line)";
  }
  return NULL;
}

/* inih's line source, fgets-like, reading the whole line whatever its
 * length. A line that is too long, holds a NUL or is indented is an error
 * here, and inih gets an empty line in its place. */
static char *read_line(char *buffer, int size, void *stream)
{
  struct conf_reader *reader = stream;
  size_t len = 0;
  bool has_nul = false;
  bool too_long = false;
  const char *problem;
  int c = fgetc(reader->file);

  if(c == EOF) {
    if(ferror(reader->file))
      note_error(reader, reader->line + 1, strdup(strerror(errno)));
    return NULL;
  }
  reader->line++;
  while(c != EOF) {
    if(c == '\0')
      has_nul = true;
    else if(len < (size_t)size - 1)
      buffer[len++] = (char)c;
    else
      too_long = true;
    if(c == '\n')
      break;
    c = fgetc(reader->file);
  }
  buffer[len] = '\0';
  problem = line_problem(buffer, len, has_nul, too_long);
  if(problem != NULL) {
    note_error(reader, reader->line, strdup(problem));
    buffer[0] = '\0';
  }
  return buffer;
}

static int on_key(void *user, const char *section, const char *key,
                  const char *value)
{
  struct conf_reader *reader = user;
  char *cause = NULL;

  if(options_set(reader->opts, section, key, value, &cause) < 0) {
    note_error(reader, reader->line,
               cause != NULL ? cause : strdup("out of memory"));
    return 0;
  }
  return 1;
}

int conf_load(const char *path, bool missing_ok, struct crawl_options *opts,
              char **cause)
{
  struct conf_reader reader = { 0 };
  struct stat st;
  int syntax_line;
  int rc = 0;

  *cause = NULL;
  reader.path = path;
  reader.opts = opts;
  reader.file = fopen(path, "re");
  if(reader.file == NULL) {
    if(errno == ENOENT && missing_ok)
      return 0;
    cause_set(cause, "%s: %s", path, strerror(errno));
    return -1;
  }
  /* A directory opens fine and reads as an error that looks like an empty
   * file: settings silently left at their defaults. */
  if(fstat(fileno(reader.file), &st) < 0 || !S_ISREG(st.st_mode)) {
    cause_set(cause, "%s: not a regular file", path);
    fclose(reader.file);
    return -1;
  }
  syntax_line = ini_parse_stream(read_line, &reader, on_key, &reader);
  fclose(reader.file);
  /* inih gives the first line it could not use at all; ours may be
   * earlier. */
  if(syntax_line > 0 &&
     (reader.error_line == 0 || syntax_line < reader.error_line)) {
    free(reader.error);
    reader.error = strdup("expected [section], key = value, or a comment");
    reader.error_line = syntax_line;
  }
  if(syntax_line < 0 && reader.error_line == 0) {
    reader.error = strdup("out of memory");
    reader.error_line = 0;
  }
  if(reader.error != NULL || reader.error_line != 0) {
    cause_set(cause, "%s:%d: %s", path, reader.error_line,
              reader.error != NULL ? reader.error : "out of memory");
    rc = -1;
  }
  free(reader.error);
  return rc;
}
