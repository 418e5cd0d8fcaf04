/* ctl.c - the control sockets; see ctl.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "ctl.h"
#include "log.h"
#include "proto.h"

struct ctl_client;

struct ctl_socket {
  struct ctl *ctl;
  struct evconnlistener *listener;
  char *path;
  bool admin; /* control.sock */
};

struct ctl_client {
  struct ctl *ctl;
  struct bufferevent *bev;
  bool admin; /* connected through control.sock */
  struct ctl_peer peer;
  const struct ctl_command *watching;
  json_t *watch_args;
  json_int_t watch_id;
  struct event *watch_timer;
  struct ctl_client *prev;
  struct ctl_client *next;
};

struct ctl {
  struct event_base *base;
  const struct ctl_command *commands;
  size_t count;
  void *owner;
  struct ctl_socket sockets[2];
  struct ctl_client *clients;
  int client_count;
};

static void client_close(struct ctl_client *client)
{
  struct ctl *ctl = client->ctl;

  if(client->prev != NULL)
    client->prev->next = client->next;
  else
    ctl->clients = client->next;
  if(client->next != NULL)
    client->next->prev = client->prev;
  ctl->client_count--;
  if(client->watch_timer != NULL)
    event_free(client->watch_timer);
  json_decref(client->watch_args);
  bufferevent_free(client->bev);
  free(client);
}

static void send_json(struct ctl_client *client, json_t *message)
{
  size_t len = 0;
  char *line = message != NULL ? proto_dump_line(message, &len) : NULL;

  if(line != NULL)
    bufferevent_write(client->bev, line, len);
  free(line);
  json_decref(message);
}

static void send_error(struct ctl_client *client, json_int_t id,
                       const char *code, const char *message)
{
  send_json(client, json_pack("{s:I, s:b, s:{s:s, s:s}}", "id", id, "ok", 0,
                              "error", "code", code, "message", message));
}

/* Runs the command and sends its reply; more marks a streamed one. */
static void answer(struct ctl_client *client,
                   const struct ctl_command *command, json_int_t id,
                   json_t *args, bool more)
{
  struct ctl_reply reply = { 0 };
  json_t *message;

  command->run(client->ctl->owner, args, &client->peer, &reply);
  if(reply.error_code != NULL) {
    json_decref(reply.result);
    send_error(client, id, reply.error_code, reply.message);
    return;
  }
  message = json_pack("{s:I, s:b, s:o}", "id", id, "ok", 1, "result",
                      reply.result != NULL ? reply.result : json_object());
  if(message != NULL && more)
    json_object_set_new(message, "more", json_true());
  send_json(client, message);
}

static void on_watch_tick(evutil_socket_t fd, short events, void *arg)
{
  struct ctl_client *client = arg;

  (void)fd;
  (void)events;
  /* A watcher that does not read its updates is dropped rather than
   * buffered without bound. */
  if(evbuffer_get_length(bufferevent_get_output(client->bev)) >
     CTL_WATCH_BUFFER_MAX) {
    log_info("control: dropped a watch client (pid %ld) that stopped "
             "reading",
             (long)client->peer.pid);
    client_close(client);
    return;
  }
  answer(client, client->watching, client->watch_id, client->watch_args, true);
}

static int start_watch(struct ctl_client *client,
                       const struct ctl_command *command, json_int_t id,
                       json_t *args)
{
  struct timeval interval = { CTL_WATCH_INTERVAL_MS / 1000,
                              (CTL_WATCH_INTERVAL_MS % 1000) * 1000 };

  if(client->watching != NULL)
    return -1;
  client->watch_timer =
      event_new(client->ctl->base, -1, EV_PERSIST, on_watch_tick, client);
  if(client->watch_timer == NULL || event_add(client->watch_timer, &interval))
    return -1;
  client->watching = command;
  client->watch_id = id;
  client->watch_args = json_incref(args);
  /* A watcher may stay quiet for as long as it likes. */
  bufferevent_set_timeouts(client->bev, NULL, NULL);
  return 0;
}

static const struct ctl_command *find_command(const struct ctl *ctl,
                                              const char *name)
{
  for(size_t i = 0; i < ctl->count; i++) {
    if(strcmp(ctl->commands[i].name, name) == 0)
      return &ctl->commands[i];
  }
  return NULL;
}

enum ctl_parse ctl_parse_request(const char *line, size_t len,
                                 struct ctl_request *request)
{
  json_t *id_value;
  json_t *cmd;
  json_t *args;

  memset(request, 0, sizeof(*request));
  request->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
  id_value = json_object_get(request->root, "id");
  cmd = json_object_get(request->root, "cmd");
  args = json_object_get(request->root, "args");
  if(!json_is_object(request->root) || !json_is_integer(id_value))
    return CTL_REQUEST_INVALID;
  request->id = json_integer_value(id_value);
  if(!json_is_string(cmd) || (args != NULL && !json_is_object(args)))
    return CTL_REQUEST_BAD;
  request->cmd = json_string_value(cmd);
  request->args = args;
  return CTL_REQUEST_OK;
}

void ctl_request_clear(struct ctl_request *request)
{
  json_decref(request->root);
  memset(request, 0, sizeof(*request));
}

/* One request line. Returns -1 when the connection must close. */
static int handle_request(struct ctl_client *client, const char *line,
                          size_t len)
{
  const struct ctl_command *command;
  struct ctl_request request;
  enum ctl_parse parsed = ctl_parse_request(line, len, &request);
  json_t *args;

  if(parsed == CTL_REQUEST_INVALID) {
    ctl_request_clear(&request);
    return -1;
  }
  if(parsed == CTL_REQUEST_BAD) {
    send_error(client, request.id, "bad_request",
               "a request needs a string cmd and an object args");
    ctl_request_clear(&request);
    return 0;
  }
  command = find_command(client->ctl, request.cmd);
  if(command == NULL) {
    send_error(client, request.id, "unknown_command", request.cmd);
  }
  else if(command->admin && !client->admin) {
    send_error(client, request.id, "permission_denied",
               "this command is only served on control.sock");
  }
  else {
    if(command->admin)
      log_info("control: %s from pid %ld uid %ld", command->name,
               (long)client->peer.pid, (long)client->peer.uid);
    if(request.args == NULL)
      args = json_object();
    else
      args = json_incref(request.args);
    answer(client, command, request.id, args, command->streamed);
    if(command->streamed && start_watch(client, command, request.id, args) < 0)
      send_error(client, request.id, "busy", "one watch per connection");
    json_decref(args);
  }
  ctl_request_clear(&request);
  return 0;
}

static void on_client_readable(struct bufferevent *bev, void *arg)
{
  struct ctl_client *client = arg;
  struct evbuffer *input = bufferevent_get_input(bev);

  for(;;) {
    struct evbuffer_ptr eol =
        evbuffer_search_eol(input, NULL, NULL, EVBUFFER_EOL_LF);
    size_t len = 0;
    char *line;
    int rc;

    if(eol.pos < 0) {
      if(evbuffer_get_length(input) > CTL_REQUEST_MAX)
        client_close(client);
      return;
    }
    if((size_t)eol.pos > CTL_REQUEST_MAX) {
      client_close(client);
      return;
    }
    line = evbuffer_readln(input, &len, EVBUFFER_EOL_LF);
    if(line == NULL) {
      client_close(client);
      return;
    }
    rc = handle_request(client, line, len);
    free(line);
    if(rc < 0) {
      client_close(client);
      return;
    }
  }
}

static void on_client_event(struct bufferevent *bev, short what, void *arg)
{
  (void)bev;
  (void)what;
  /* End of file, an error, or the idle timeout: the connection ends. */
  client_close(arg);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *address, int len, void *arg)
{
  struct ctl_socket *socket_info = arg;
  struct ctl *ctl = socket_info->ctl;
  struct timeval idle = { CTL_IDLE_TIMEOUT_S, 0 };
  struct ucred credentials = { 0 };
  socklen_t credentials_len = sizeof(credentials);
  struct ctl_client *client;

  (void)listener;
  (void)address;
  (void)len;
  if(ctl->client_count >= CTL_MAX_CLIENTS) {
    close(fd);
    return;
  }
  client = calloc(1, sizeof(*client));
  if(client == NULL) {
    close(fd);
    return;
  }
  client->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if(client->bev == NULL) {
    close(fd);
    free(client);
    return;
  }
  getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &credentials_len);
  client->peer.pid = credentials.pid;
  client->peer.uid = credentials.uid;
  client->ctl = ctl;
  client->admin = socket_info->admin;
  client->next = ctl->clients;
  if(ctl->clients != NULL)
    ctl->clients->prev = client;
  ctl->clients = client;
  ctl->client_count++;
  bufferevent_setcb(client->bev, on_client_readable, NULL, on_client_event,
                    client);
  bufferevent_set_timeouts(client->bev, &idle, NULL);
  bufferevent_enable(client->bev, EV_READ | EV_WRITE);
  send_json(client, json_pack("{s:i, s:s}", "proto", CTL_PROTO, "server",
                              "crawld/" PACKAGE_VERSION));
}

/* Binds path with the given mode from the start: the umask is set around
 * bind(), so there is never a moment with a wider one. */
static int listen_at(struct ctl *ctl, struct ctl_socket *socket_info,
                     const char *runtime_dir, const char *name, mode_t mode,
                     char **cause)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  mode_t old_umask;
  int fd;
  int rc;

  socket_info->ctl = ctl;
  if(asprintf(&socket_info->path, "%s/%s", runtime_dir, name) < 0 ||
     strlen(socket_info->path) >= sizeof(address.sun_path)) {
    cause_set(cause, "%s/%s: path too long for a socket", runtime_dir, name);
    return -1;
  }
  memcpy(address.sun_path, socket_info->path, strlen(socket_info->path) + 1);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if(fd < 0)
    goto failed;
  /* A socket left by a crash; the state directory's lock says no other
   * crawld owns this runtime directory's sockets. */
  unlink(socket_info->path);
  old_umask = umask(~mode & 0777);
  rc = bind(fd, (struct sockaddr *)&address, sizeof(address));
  umask(old_umask);
  if(rc < 0 || listen(fd, CTL_MAX_CLIENTS) < 0) {
    close(fd);
    goto failed;
  }
  socket_info->listener = evconnlistener_new(ctl->base, on_accept, socket_info,
                                             LEV_OPT_CLOSE_ON_FREE, -1, fd);
  if(socket_info->listener == NULL) {
    close(fd);
    goto failed;
  }
  return 0;
failed:
  cause_set(cause, "%s: %s", socket_info->path, strerror(errno));
  return -1;
}

struct ctl *ctl_open(struct event_base *base, const char *runtime_dir,
                     const struct ctl_command *commands, size_t count,
                     void *owner, char **cause)
{
  struct ctl *ctl = calloc(1, sizeof(*ctl));

  *cause = NULL;
  if(ctl == NULL) {
    *cause = strdup("out of memory");
    return NULL;
  }
  ctl->base = base;
  ctl->commands = commands;
  ctl->count = count;
  ctl->owner = owner;
  ctl->sockets[1].admin = true;
  if(listen_at(ctl, &ctl->sockets[0], runtime_dir, "status.sock", 0666,
               cause) < 0 ||
     listen_at(ctl, &ctl->sockets[1], runtime_dir, "control.sock", 0660,
               cause) < 0) {
    ctl_close(ctl);
    return NULL;
  }
  return ctl;
}

void ctl_close(struct ctl *ctl)
{
  if(ctl == NULL)
    return;
  while(ctl->clients != NULL) {
    struct ctl_client *client = ctl->clients;

    /* A watcher's stream ends with one last line without "more". */
    if(client->watching != NULL) {
      struct evbuffer *output = bufferevent_get_output(client->bev);
      unsigned char *pending;

      send_error(client, client->watch_id, "shutting_down",
                 "crawld is stopping");
      /* The loop will not turn again to write it: send what is queued
       * now, without blocking on a client that stopped reading. */
      pending = evbuffer_pullup(output, -1);
      if(pending != NULL &&
         send(bufferevent_getfd(client->bev), pending,
              evbuffer_get_length(output), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        log_debug("control: last watch line lost: %s", strerror(errno));
    }
    client_close(client);
  }
  for(int i = 0; i < 2; i++) {
    if(ctl->sockets[i].listener != NULL) {
      evconnlistener_free(ctl->sockets[i].listener);
      unlink(ctl->sockets[i].path);
    }
    free(ctl->sockets[i].path);
  }
  free(ctl);
}
