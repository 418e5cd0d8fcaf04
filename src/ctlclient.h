/* ctlclient.h - crawlctl's end of the control sockets (ctl.h).
 *
 * Connects to a socket of the runtime directory, checks the greeting, sends
 * requests and reads their replies. Every wait has a deadline, so a stuck
 * crawld cannot hang crawlctl. What goes wrong becomes one of crawlctl's exit
 * codes, with a message in client->error for the caller to print: the
 * caller may have a terminal to restore first. */
#ifndef CRAWLD_CTLCLIENT_H
#define CRAWLD_CTLCLIENT_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

/* crawlctl's exit codes; crawlctl(1) documents them. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_ERROR 1       /* crawld said no, or spoke nonsense */
#define CTL_EXIT_USAGE 2       /* a bad command line */
#define CTL_EXIT_UNREACHABLE 3 /* no crawld, or it did not answer in time */
#define CTL_EXIT_DENIED 4      /* permission denied */
/* Not an exit code: a signal arrived while waiting (see interrupted). */
#define CTL_INTERRUPTED (-1)

/* The longest reply line read: far above any reply crawld sends, and small
 * enough that a confused peer cannot make crawlctl eat all memory. */
#define CTLCLIENT_LINE_MAX (16 * 1024 * 1024)

struct ctlclient {
  int fd;
  char path[108];   /* the socket's path, for messages */
  double timeout_s; /* for connecting, the greeting and each reply */
  /* When set, a signal that interrupts a wait ends it with CTL_INTERRUPTED
   * once *interrupted is non-zero. */
  volatile sig_atomic_t *interrupted;
  long long next_id;
  char *buffer; /* bytes read past the last line returned */
  size_t len;
  size_t capacity;
  char error[1024]; /* why the last call failed */
};

/* Connects to runtime_dir/socket_name and reads the greeting. A connection
 * that crawld closes at once (it has too many clients) is tried again until
 * the timeout. Returns 0 or an exit code (or CTL_INTERRUPTED) with
 * client->error set; the client needs ctlclient_close() either way. */
int ctlclient_open(struct ctlclient *client, const char *runtime_dir,
                   const char *socket_name, double timeout_s);
/* Sends {"id":N,"cmd":cmd,"args":args} (args borrowed; NULL for none) and
 * stores N in *id. Returns 0 or an exit code. */
int ctlclient_send(struct ctlclient *client, const char *cmd,
                   const json_t *args, long long *id);
/* Reads the next line, which must be a reply to id, waiting at most the
 * timeout. Returns 0 with *reply (a new reference), or an exit code (or
 * CTL_INTERRUPTED). */
int ctlclient_receive(struct ctlclient *client, long long id, json_t **reply);
/* A reply that is not ok: puts "CODE: MESSAGE" in client->error and returns
 * its exit code. Returns 0 and borrows *result for an ok one. */
int ctlclient_result(struct ctlclient *client, json_t *reply, json_t **result);
/* ctlclient_send(), ctlclient_receive() and ctlclient_result(): 0 with
 * *result (a new reference), or an exit code. */
int ctlclient_call(struct ctlclient *client, const char *cmd,
                   const json_t *args, json_t **result);
/* Formats a message into client->error and returns code. The commands
 * use it for failures of their own too (a file submit cannot read), so
 * that main() prints every message one way. */
int ctlclient_fail(struct ctlclient *client, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ctlclient_close(struct ctlclient *client);

#endif
