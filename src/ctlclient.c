/* ctlclient.c - crawlctl's end of the control sockets; see ctlclient.h. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctlclient.h"

/* read_message() found the connection closed before a whole line. */
#define GOT_EOF (-2)

static double now_s(void)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int ctlclient_fail(struct ctlclient *client, int code, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(client->error, sizeof(client->error), fmt, ap);
  va_end(ap);
  return code;
}

static struct timeval timeval_of(double seconds)
{
  struct timeval tv = { 0, 1000 };

  /* Zero would mean "no timeout" to SO_SNDTIMEO. */
  if(seconds > 0.001) {
    tv.tv_sec = (time_t)seconds;
    tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
  }
  return tv;
}

static int wait_readable(struct ctlclient *client, double deadline)
{
  for(;;) {
    struct pollfd ready = { client->fd, POLLIN, 0 };
    double left = deadline - now_s();
    int rc;

    /* Checked before poll() too: a signal that came between two waits
     * would otherwise only be seen at the next line (at most a watch
     * interval later). */
    if(client->interrupted != NULL && *client->interrupted)
      return CTL_INTERRUPTED;
    if(left <= 0)
      return ctlclient_fail(client, CTL_EXIT_UNREACHABLE,
                            "%s: crawld did not answer within %g s",
                            client->path, client->timeout_s);
    rc = poll(&ready, 1, (int)(left * 1000) + 1);
    if(rc > 0)
      return 0;
    if(rc < 0 && errno != EINTR)
      return ctlclient_fail(client, CTL_EXIT_ERROR, "%s: poll: %s",
                            client->path, strerror(errno));
  }
}

static int grow_buffer(struct ctlclient *client)
{
  size_t capacity = client->capacity == 0 ? 65536 : 2 * client->capacity;
  char *bigger;

  if(capacity > CTLCLIENT_LINE_MAX + 1)
    capacity = CTLCLIENT_LINE_MAX + 1;
  bigger = realloc(client->buffer, capacity);
  if(bigger == NULL)
    return ctlclient_fail(client, CTL_EXIT_ERROR, "out of memory");
  client->buffer = bigger;
  client->capacity = capacity;
  return 0;
}

/* The next line, which must be a JSON object: 0 with *message (a new
 * reference), GOT_EOF, or an exit code. */
static int read_message(struct ctlclient *client, double deadline,
                        json_t **message)
{
  *message = NULL;
  for(;;) {
    char *eol =
        client->len > 0 ? memchr(client->buffer, '\n', client->len) : NULL;
    ssize_t got;
    int rc;

    if(eol != NULL) {
      size_t line_len = (size_t)(eol - client->buffer);
      json_error_t error;

      *message = json_loadb(client->buffer, line_len, 0, &error);
      client->len -= line_len + 1;
      memmove(client->buffer, eol + 1, client->len);
      if(json_is_object(*message))
        return 0;
      json_decref(*message);
      *message = NULL;
      return ctlclient_fail(client, CTL_EXIT_ERROR,
                            "%s: crawld sent a line that is not a JSON object",
                            client->path);
    }
    if(client->len >= CTLCLIENT_LINE_MAX)
      return ctlclient_fail(client, CTL_EXIT_ERROR,
                            "%s: crawld sent a line longer than %d bytes",
                            client->path, CTLCLIENT_LINE_MAX);
    if(client->capacity - client->len < 4096 && (rc = grow_buffer(client)))
      return rc;
    rc = wait_readable(client, deadline);
    if(rc != 0)
      return rc;
    got = read(client->fd, client->buffer + client->len,
               client->capacity - client->len);
    if(got < 0 && errno == EINTR)
      continue;
    if(got == 0 || (got < 0 && errno == ECONNRESET))
      return GOT_EOF;
    if(got < 0)
      return ctlclient_fail(client, CTL_EXIT_UNREACHABLE, "%s: %s",
                            client->path, strerror(errno));
    client->len += (size_t)got;
  }
}

/* One connection and its greeting: 0, GOT_EOF when crawld closed it at
 * once, or an exit code. */
static int connect_once(struct ctlclient *client,
                        const struct sockaddr_un *address, double deadline)
{
  struct timeval timeout = timeval_of(deadline - now_s());
  json_t *greeting;
  json_t *proto;
  int rc;

  client->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if(client->fd < 0)
    return ctlclient_fail(client, CTL_EXIT_ERROR, "socket: %s",
                          strerror(errno));
  /* connect() waits while crawld's listen backlog is full, for as long as
   * SO_SNDTIMEO lets it. */
  setsockopt(client->fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if(connect(client->fd, (const struct sockaddr *)address, sizeof(*address)) <
     0) {
    int error = errno;

    if(error == EACCES || error == EPERM)
      return ctlclient_fail(client, CTL_EXIT_DENIED,
                            "cannot connect to %s: %s", client->path,
                            strerror(error));
    if(error == EAGAIN)
      return ctlclient_fail(
          client, CTL_EXIT_UNREACHABLE,
          "cannot connect to %s: crawld did not accept within %g s",
          client->path, client->timeout_s);
    return ctlclient_fail(
        client, CTL_EXIT_UNREACHABLE, "cannot connect to %s: %s%s",
        client->path, strerror(error),
        error == ENOENT || error == ECONNREFUSED || error == ENOTDIR
            ? " (is crawld running?)"
            : "");
  }
  timeout = timeval_of(client->timeout_s);
  setsockopt(client->fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  rc = read_message(client, deadline, &greeting);
  if(rc != 0)
    return rc;
  proto = json_object_get(greeting, "proto");
  if(!json_is_integer(proto))
    rc = ctlclient_fail(
        client, CTL_EXIT_ERROR,
        "%s: not a crawld control socket (its greeting has no proto)",
        client->path);
  else if(json_integer_value(proto) != CTL_PROTO)
    rc = ctlclient_fail(
        client, CTL_EXIT_ERROR,
        "%s: crawld speaks control protocol %" JSON_INTEGER_FORMAT
        "; this crawlctl speaks %d",
        client->path, json_integer_value(proto), CTL_PROTO);
  json_decref(greeting);
  return rc;
}

int ctlclient_open(struct ctlclient *client, const char *runtime_dir,
                   const char *socket_name, double timeout_s)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  double deadline = now_s() + timeout_s;
  long delay_ms = 10;

  memset(client, 0, sizeof(*client));
  client->fd = -1;
  client->timeout_s = timeout_s;
  if(snprintf(client->path, sizeof(client->path), "%s/%s", runtime_dir,
              socket_name) >= (int)sizeof(address.sun_path))
    return ctlclient_fail(client, CTL_EXIT_USAGE,
                          "%s/%s: path too long for a socket", runtime_dir,
                          socket_name);
  memcpy(address.sun_path, client->path, strlen(client->path) + 1);
  for(;;) {
    struct timespec pause = { 0, delay_ms * 1000000 };
    int rc = connect_once(client, &address, deadline);

    if(rc != GOT_EOF)
      return rc;
    close(client->fd);
    client->fd = -1;
    /* crawld accepts a client over its limit only to close it at once:
     * the others leave soon, so try again for a while. */
    if(now_s() + (double)delay_ms / 1000 >= deadline)
      return ctlclient_fail(
          client, CTL_EXIT_UNREACHABLE,
          "%s: crawld closed every connection at once for %g s "
          "(too many clients?)",
          client->path, timeout_s);
    nanosleep(&pause, NULL);
    if(delay_ms < 200)
      delay_ms *= 2;
  }
}

int ctlclient_send(struct ctlclient *client, const char *cmd,
                   const json_t *args, long long *id)
{
  json_t *request;
  char *line = NULL;
  size_t len;
  size_t sent = 0;

  *id = ++client->next_id;
  request = json_pack("{s:I, s:s}", "id", (json_int_t)*id, "cmd", cmd);
  if(request != NULL && args != NULL &&
     json_object_set_new(request, "args", json_deep_copy(args)) < 0) {
    json_decref(request);
    request = NULL;
  }
  len = request != NULL ? json_dumpb(request, NULL, 0, JSON_COMPACT) : 0;
  if(len > 0)
    line = malloc(len + 1);
  if(line == NULL || json_dumpb(request, line, len, JSON_COMPACT) != len) {
    free(line);
    json_decref(request);
    return ctlclient_fail(client, CTL_EXIT_ERROR, "out of memory");
  }
  json_decref(request);
  line[len++] = '\n';
  while(sent < len) {
    ssize_t put = send(client->fd, line + sent, len - sent, MSG_NOSIGNAL);

    if(put < 0 && errno == EINTR)
      continue;
    if(put < 0) {
      int error = errno;

      free(line);
      return ctlclient_fail(client, CTL_EXIT_UNREACHABLE, "%s: %s",
                            client->path,
                            error == EAGAIN ? "crawld stopped reading requests"
                                            : strerror(error));
    }
    sent += (size_t)put;
  }
  free(line);
  return 0;
}

int ctlclient_receive(struct ctlclient *client, long long id, json_t **reply)
{
  json_t *reply_id;
  int rc = read_message(client, now_s() + client->timeout_s, reply);

  if(rc == GOT_EOF)
    return ctlclient_fail(client, CTL_EXIT_UNREACHABLE,
                          "%s: crawld closed the connection", client->path);
  if(rc != 0)
    return rc;
  reply_id = json_object_get(*reply, "id");
  if(!json_is_integer(reply_id) || json_integer_value(reply_id) != id) {
    json_decref(*reply);
    *reply = NULL;
    return ctlclient_fail(
        client, CTL_EXIT_ERROR,
        "%s: crawld answered something else than request %lld", client->path,
        id);
  }
  return 0;
}

int ctlclient_result(struct ctlclient *client, json_t *reply, json_t **result)
{
  json_t *error = json_object_get(reply, "error");
  const char *code = json_string_value(json_object_get(error, "code"));
  const char *message = json_string_value(json_object_get(error, "message"));

  *result = NULL;
  if(json_is_true(json_object_get(reply, "ok"))) {
    *result = json_object_get(reply, "result");
    if(json_is_object(*result))
      return 0;
    *result = NULL;
    return ctlclient_fail(client, CTL_EXIT_ERROR,
                          "%s: a reply without a result", client->path);
  }
  if(code == NULL)
    return ctlclient_fail(client, CTL_EXIT_ERROR,
                          "%s: a failed reply without a code", client->path);
  ctlclient_fail(client, 0, "%s: %s", code, message != NULL ? message : "");
  return strcmp(code, "permission_denied") == 0 ? CTL_EXIT_DENIED
                                                : CTL_EXIT_ERROR;
}

int ctlclient_call(struct ctlclient *client, const char *cmd,
                   const json_t *args, json_t **result)
{
  json_t *reply;
  json_t *borrowed;
  long long id;
  int rc;

  *result = NULL;
  rc = ctlclient_send(client, cmd, args, &id);
  if(rc == 0)
    rc = ctlclient_receive(client, id, &reply);
  if(rc != 0)
    return rc;
  rc = ctlclient_result(client, reply, &borrowed);
  if(rc == 0)
    *result = json_incref(borrowed);
  json_decref(reply);
  return rc;
}

void ctlclient_close(struct ctlclient *client)
{
  if(client->fd >= 0)
    close(client->fd);
  free(client->buffer);
  client->fd = -1;
  client->buffer = NULL;
  client->len = 0;
  client->capacity = 0;
}
