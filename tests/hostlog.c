/* hostlog.c - reads testserver's request logs into requests, one interval
 * each, and answers per host (see hostlog.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlog.h"

/* One request, from its S line to its E or X line if one came */
struct hostlog_request {
  size_t host; /* index in hosts */
  char *target;
  int64_t start_us;
  int64_t end_us; /* -1 while open */
};

struct hostlog {
  char **hosts; /* each once, in order of appearance */
  size_t host_count;
  size_t host_capacity;
  struct hostlog_request *requests; /* in order of their S lines */
  size_t request_count;
  size_t request_capacity;
};

/* What one line says; the pointers are into the line */
struct log_event {
  char kind; /* 'S', 'E' or 'X' */
  int64_t t_us;
  const char *host;
  size_t host_len;
  const char *target;
  size_t target_len;
};

/* A point of a sweep over intervals: +1 where one starts, -1 where one
   ends */
struct sweep_point {
  int64_t t_us;
  int delta;
};

static void *checked(void *allocated)
{
  if(!allocated)
    abort();
  return allocated;
}

/* Makes room for one more of *count items of size bytes in *items */
static void grow(void **items, size_t *capacity, size_t count, size_t size)
{
  if(count < *capacity)
    return;
  *capacity = *capacity ? 2 * *capacity : 64;
  *items = checked(realloc(*items, *capacity * size));
}

static char *cause_text(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static char *cause_text(const char *fmt, ...)
{
  va_list args;
  int len;
  char *text;

  va_start(args, fmt);
  len = vsnprintf(NULL, 0, fmt, args);
  va_end(args);
  if(len < 0)
    abort();
  text = checked(malloc((size_t)len + 1));
  va_start(args, fmt);
  vsnprintf(text, (size_t)len + 1, fmt, args);
  va_end(args);
  return text;
}

struct hostlog *hostlog_new(void)
{
  return checked(calloc(1, sizeof(struct hostlog)));
}

void hostlog_free(struct hostlog *log)
{
  size_t i;

  if(!log)
    return;
  for(i = 0; i < log->host_count; i++)
    free(log->hosts[i]);
  for(i = 0; i < log->request_count; i++)
    free(log->requests[i].target);
  free(log->hosts);
  free(log->requests);
  free(log);
}

/* Reads the decimal digits at *at, up to end or a space, into a value of
   at most max; *at then points past them */
static bool parse_number(const char **at, const char *end, int64_t max,
                         int64_t *value)
{
  const char *digit = *at;
  int64_t result = 0;

  for(; digit < end && *digit != ' '; digit++) {
    int d = *digit - '0';

    if(d < 0 || d > 9 || result > (max - d) / 10)
      return false;
    result = result * 10 + d;
  }
  if(digit == *at)
    return false;
  *at = digit;
  *value = result;
  return true;
}

/* Parses a line without its newline; false when it is not an event */
static bool parse_event(const char *line, size_t len, struct log_event *event)
{
  const char *end = line + len;
  const char *at = line + 2;
  int64_t status;

  if(len < 2 || !memchr("SEX", line[0], 3) || line[1] != ' ' ||
     memchr(line, '\0', len))
    return false;
  event->kind = line[0];
  if(!parse_number(&at, end, INT64_MAX, &event->t_us) || at == end)
    return false;
  event->host = ++at;
  while(at < end && *at != ' ')
    at++;
  event->host_len = (size_t)(at - event->host);
  if(!event->host_len || at == end)
    return false;
  at++;
  if(event->kind != 'S') {
    if(!parse_number(&at, end, 999, &status) || at == end)
      return false;
    at++;
  }
  event->target = at;
  event->target_len = (size_t)(end - at);
  /* the server writes a space in a target as %20 */
  return !memchr(event->target, ' ', event->target_len);
}

/* The index of host, of host_len bytes; log->host_count when unknown */
static size_t find_host(const struct hostlog *log, const char *host,
                        size_t host_len)
{
  size_t i;

  for(i = 0; i < log->host_count; i++) {
    if(strlen(log->hosts[i]) == host_len &&
       !memcmp(log->hosts[i], host, host_len))
      break;
  }
  return i;
}

static size_t add_host(struct hostlog *log, const char *host, size_t host_len)
{
  size_t i = find_host(log, host, host_len);

  if(i < log->host_count)
    return i;
  grow((void **)&log->hosts, &log->host_capacity, log->host_count,
       sizeof(*log->hosts));
  log->hosts[i] = checked(strndup(host, host_len));
  log->host_count++;
  return i;
}

static void add_request(struct hostlog *log, const struct log_event *event)
{
  struct hostlog_request *request;

  grow((void **)&log->requests, &log->request_capacity, log->request_count,
       sizeof(*log->requests));
  request = &log->requests[log->request_count++];
  request->host = add_host(log, event->host, event->host_len);
  request->target = checked(strndup(event->target, event->target_len));
  request->start_us = event->t_us;
  request->end_us = -1;
}

/*
 * Ends the earliest request still open (in open, indices into the
 * requests, count of them) with the host and target of event. Returns
 * NULL, or why it cannot.
 */
static const char *end_request(struct hostlog *log, size_t *open,
                               size_t *count, const struct log_event *event)
{
  size_t host = find_host(log, event->host, event->host_len);
  struct hostlog_request *request;
  size_t i;

  for(i = 0; i < *count; i++) {
    request = &log->requests[open[i]];
    if(request->host == host && strlen(request->target) == event->target_len &&
       !memcmp(request->target, event->target, event->target_len))
      break;
  }
  if(i == *count)
    return "ends no open request";
  if(event->t_us < request->start_us)
    return "ends before its request starts";
  request->end_us = event->t_us;
  memmove(&open[i], &open[i + 1], (*count - i - 1) * sizeof(*open));
  (*count)--;
  return NULL;
}

/* Adds the requests of len bytes of log text; see hostlog_read_text() */
static int read_bytes(struct hostlog *log, const char *name, const char *text,
                      size_t len, char **cause)
{
  size_t first_new = log->request_count;
  size_t *open = NULL; /* requests of this text not ended yet */
  size_t open_count = 0;
  size_t open_capacity = 0;
  const char *line = text;
  const char *text_end = text + len;
  const char *problem = NULL;
  size_t line_number = 0;
  struct log_event event;
  size_t i;

  while(line < text_end && !problem) {
    const char *newline = memchr(line, '\n', (size_t)(text_end - line));
    const char *line_end = newline ? newline : text_end;

    line_number++;
    if(!parse_event(line, (size_t)(line_end - line), &event))
      problem = "not an event";
    else if(event.kind == 'S') {
      grow((void **)&open, &open_capacity, open_count, sizeof(*open));
      open[open_count++] = log->request_count;
      add_request(log, &event);
    }
    else
      problem = end_request(log, open, &open_count, &event);
    line = newline ? newline + 1 : text_end;
  }
  free(open);
  if(!problem)
    return 0;
  *cause = cause_text("%s:%zu: %s", name, line_number, problem);
  for(i = first_new; i < log->request_count; i++)
    free(log->requests[i].target);
  log->request_count = first_new;
  return -1;
}

int hostlog_read_text(struct hostlog *log, const char *name, const char *text,
                      char **cause)
{
  return read_bytes(log, name, text, strlen(text), cause);
}

int hostlog_read_file(struct hostlog *log, const char *path, char **cause)
{
  FILE *file = fopen(path, "rb");
  char *text = NULL;
  size_t len = 0;
  size_t capacity = 0;
  size_t got;
  int rc;

  if(!file) {
    *cause = cause_text("%s: %s", path, strerror(errno));
    return -1;
  }
  do {
    grow((void **)&text, &capacity, len, 1);
    got = fread(text + len, 1, capacity - len, file);
    len += got;
  } while(got && len <= HOSTLOG_MAX_FILE_BYTES);
  if(ferror(file))
    *cause = cause_text("%s: cannot read it", path);
  else if(len > HOSTLOG_MAX_FILE_BYTES)
    *cause =
        cause_text("%s: larger than %d bytes", path, HOSTLOG_MAX_FILE_BYTES);
  else
    *cause = NULL;
  fclose(file);
  rc = *cause ? -1 : read_bytes(log, path, text, len, cause);
  free(text);
  return rc;
}

/* The index of host; log->host_count when the logs never named it */
static size_t host_index(const struct hostlog *log, const char *host)
{
  return find_host(log, host, strlen(host));
}

/* See hostlog.h for what matches */
static bool path_matches(const char *target, const char *path)
{
  size_t path_len;

  if(!path || !strcmp(target, path))
    return true;
  if(strchr(path, '?'))
    return false;
  path_len = strlen(path);
  return !strncmp(target, path, path_len) && target[path_len] == '?';
}

static int compare_points(const void *a, const void *b)
{
  const struct sweep_point *pa = a;
  const struct sweep_point *pb = b;

  if(pa->t_us != pb->t_us)
    return pa->t_us < pb->t_us ? -1 : 1;
  /* ends first: touching intervals do not overlap */
  return pa->delta - pb->delta;
}

static int compare_times(const void *a, const void *b)
{
  int64_t ta = *(const int64_t *)a;
  int64_t tb = *(const int64_t *)b;

  return ta < tb ? -1 : ta > tb;
}

size_t hostlog_max_concurrent(const struct hostlog *log, const char *host)
{
  size_t host_i = host_index(log, host);
  struct sweep_point *points =
      checked(malloc((2 * log->request_count + 1) * sizeof(*points)));
  size_t count = 0;
  size_t running = 0;
  size_t most = 0;
  size_t i;

  for(i = 0; i < log->request_count; i++) {
    const struct hostlog_request *request = &log->requests[i];
    int64_t end = request->end_us;

    if(request->host != host_i)
      continue;
    if(end < 0)
      end = INT64_MAX;
    else if(end <= request->start_us)
      end = request->start_us + 1;
    points[count].t_us = request->start_us;
    points[count++].delta = 1;
    points[count].t_us = end;
    points[count++].delta = -1;
  }
  qsort(points, count, sizeof(*points), compare_points);
  for(i = 0; i < count; i++) {
    if(points[i].delta < 0) {
      running--;
      continue;
    }
    running++;
    if(running > most)
      most = running;
  }
  free(points);
  return most;
}

int64_t *hostlog_start_times(const struct hostlog *log, const char *host,
                             const char *path, size_t *count)
{
  size_t host_i = host_index(log, host);
  int64_t *times = NULL;
  size_t i;

  *count = 0;
  for(i = 0; i < log->request_count; i++) {
    const struct hostlog_request *request = &log->requests[i];

    if(request->host != host_i || !path_matches(request->target, path))
      continue;
    if(!times)
      times = checked(malloc(log->request_count * sizeof(*times)));
    times[(*count)++] = request->start_us;
  }
  if(times)
    qsort(times, *count, sizeof(*times), compare_times);
  return times;
}

int64_t hostlog_min_start_gap_us(const struct hostlog *log, const char *host)
{
  size_t count;
  int64_t *starts = hostlog_start_times(log, host, NULL, &count);
  int64_t gap = -1;
  size_t i;

  for(i = 1; i < count; i++) {
    if(gap < 0 || starts[i] - starts[i - 1] < gap)
      gap = starts[i] - starts[i - 1];
  }
  free(starts);
  return gap;
}

size_t hostlog_count(const struct hostlog *log, const char *host,
                     const char *path)
{
  size_t host_i = host_index(log, host);
  size_t count = 0;
  size_t i;

  for(i = 0; i < log->request_count; i++) {
    if(log->requests[i].host == host_i &&
       path_matches(log->requests[i].target, path))
      count++;
  }
  return count;
}
