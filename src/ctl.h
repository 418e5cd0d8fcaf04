/* ctl.h - the control sockets crawlctl talks to.
 *
 * Two Unix stream sockets in the runtime directory: status.sock (mode 0666,
 * read-only commands) and control.sock (mode 0660, every command; the group
 * is the daemon's). Both speak JSON lines:
 *   server greeting: {"proto":1,"server":"crawld/0.1.0"}
 *   request:         {"id":7,"cmd":"status","args":{}}
 *   reply:           {"id":7,"ok":true,"result":{...}}
 *                    {"id":7,"ok":false,"error":{"code":"...","message":"..."}}
 * A streamed command (watch) sends replies with "more":true every second
 * until the client goes away. Unknown request fields are ignored. A request
 * is checked in a fixed order: JSON object, integer id, string cmd, known
 * command (unknown_command), permission (permission_denied); a malformed or
 * over-long request, or a client over the limits (clients, idle time, what
 * a slow watcher may buffer), closes that connection only.
 *
 * Bump CTL_PROTO when a reply field changes meaning; adding fields does not
 * need it (clients skip keys they do not know). */
#ifndef CRAWLD_CTL_H
#define CRAWLD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#define CTL_PROTO 1
#define CTL_REQUEST_MAX (64 * 1024)
#define CTL_MAX_CLIENTS 64
#define CTL_IDLE_TIMEOUT_S 60
#define CTL_WATCH_BUFFER_MAX (256 * 1024)
#define CTL_WATCH_INTERVAL_MS 1000

/* Who asked: for logging admin commands. */
struct ctl_peer {
  pid_t pid;
  uid_t uid;
};

/* A command's answer: a result (new reference), or an error code and
 * message. */
struct ctl_reply {
  json_t *result;
  const char *error_code;
  char message[256];
};

struct ctl_command {
  const char *name;
  bool admin;    /* only on control.sock; logged with the peer */
  bool streamed; /* run again every CTL_WATCH_INTERVAL_MS for the client */
  void (*run)(void *owner, json_t *args, const struct ctl_peer *peer,
              struct ctl_reply *reply);
};

/* One request line, parsed by ctl_parse_request(). */
struct ctl_request {
  json_t *root;    /* the parsed line; owns cmd and args */
  json_int_t id;   /* set unless CTL_REQUEST_INVALID */
  const char *cmd; /* set for CTL_REQUEST_OK only */
  json_t *args;    /* CTL_REQUEST_OK: the args object, NULL when absent */
};

enum ctl_parse {
  CTL_REQUEST_OK,
  CTL_REQUEST_BAD,    /* answerable (it has an id), but not a command:
                         no string cmd, or args that are not an object */
  CTL_REQUEST_INVALID /* not a JSON object with an integer id: there is no
                         one to answer, so the connection closes */
};

/* Parses one request line (without its newline) in the order described
 * above, up to the command lookup, which needs the server. It touches no
 * socket, so it can be tested on its own. Whatever it returns, release the
 * request with ctl_request_clear(). */
enum ctl_parse ctl_parse_request(const char *line, size_t len,
                                 struct ctl_request *request);
void ctl_request_clear(struct ctl_request *request);

struct ctl;

/* Creates both sockets in runtime_dir (replacing stale ones) and serves the
 * commands (an array the caller keeps) on base. NULL with *cause set. */
struct ctl *ctl_open(struct event_base *base, const char *runtime_dir,
                     const struct ctl_command *commands, size_t count,
                     void *owner, char **cause);
/* Closes every connection and removes both sockets. */
void ctl_close(struct ctl *ctl);

#endif
