/* log.c - leveled logging to stderr; see log.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

/* Atomic: a reload sets it while worker threads may be logging. */
static _Atomic int log_level = LOG_INFO;
static const char *log_ident = "crawld";

static const struct {
  const char *name;
  int priority;
} log_levels[] = {
  { "error", LOG_ERR },
  { "warning", LOG_WARNING },
  { "info", LOG_INFO },
  { "debug", LOG_DEBUG },
};

void log_set_level(int priority)
{
  log_level = priority;
}

int log_get_level(void)
{
  return log_level;
}

void log_set_ident(const char *ident)
{
  log_ident = ident;
}

int log_level_from_name(const char *name)
{
  for(size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
    if(strcasecmp(name, log_levels[i].name) == 0)
      return log_levels[i].priority;
  }
  return -1;
}

const char *log_level_name(int priority)
{
  const char *name = log_levels[0].name;

  for(size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
    if(log_levels[i].priority <= priority)
      name = log_levels[i].name;
  }
  return name;
}

const char *log_escape(const char *text, char *buf, size_t size)
{
  size_t len = 0;

  for(const unsigned char *byte = (const unsigned char *)text;
      *byte != '\0' && len + 5 < size; byte++) {
    if(*byte >= 0x20 && *byte < 0x7f && *byte != '\\')
      buf[len++] = (char)*byte;
    else
      len += (size_t)snprintf(buf + len, size - len, "\\x%02x", *byte);
  }
  if(size > 0)
    buf[len] = '\0';
  return buf;
}

int cause_set(char **cause, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  if(vasprintf(cause, fmt, ap) < 0)
    *cause = NULL;
  va_end(ap);
  return -1;
}

void log_msg(int priority, const char *fmt, ...)
{
  char line[2048];
  va_list ap;
  int prefix_len;
  int body_len;
  size_t len;

  if(priority > log_level)
    return;
  prefix_len = snprintf(line, sizeof(line), "<%d>%s[%ld]: ", priority,
                        log_ident, (long)getpid());
  va_start(ap, fmt);
  body_len = vsnprintf(line + prefix_len,
                       sizeof(line) - (size_t)prefix_len - 1, fmt, ap);
  va_end(ap);
  len = (size_t)prefix_len + (body_len < 0 ? 0 : (size_t)body_len);
  /* An over-long message is cut, not dropped: the newline must still end it.
   */
  if(len > sizeof(line) - 2)
    len = sizeof(line) - 2;
  line[len++] = '\n';
  /* Logging must never fail the caller; a short write to stderr is simply
   * lost. */
  if(write(STDERR_FILENO, line, len) < 0)
    return;
}
