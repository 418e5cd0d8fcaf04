/* crawlctl_cmd.h - the commands crawlctl knows, one table row each.
 *
 * Each command is one request on one of the two control sockets
 * (ctlclient.h): read-only ones on status.sock, which anyone may use, and
 * the ones that steer crawld on control.sock, which only its group may.
 * Adding a command is one row in the table of crawlctl_cmd.c: with a
 * printer (crawlctl_print.h) for a request of the command's name without
 * arguments, or with a handler of its own for anything more. */
#ifndef CRAWLD_CRAWLCTL_CMD_H
#define CRAWLD_CRAWLCTL_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "ctlclient.h"
#include "jobopts.h"

/* The options of the command line, for every command. */
struct cli {
  const char *runtime_dir;
  bool json;
  double timeout_s;
  struct jobopts job; /* submit: the jobs' own options, those given */
};

struct cmd_entry {
  const char *name;
  bool admin; /* only served on control.sock */
  int min_args;
  int max_args;        /* -1: no limit */
  const char *args;    /* their synopsis, for --help and usage errors */
  const char *summary; /* what --help says the command does */
  /* A handler of its own; NULL for the request of the command's name,
   * without arguments, its result printed by print. A handler returns 0
   * or an exit code with client->error set. */
  int (*run)(struct ctlclient *client, const struct cli *cli, char **args,
             int count);
  void (*print)(json_t *result);
};

/* The command of that name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);
/* One line for each command, its synopsis and summary, for --help. */
void cmd_list(FILE *out);
/* Runs the command on an open client with count arguments (checked
 * against min_args and max_args by the caller). Returns 0 or an exit
 * code with client->error set. */
int cmd_run(const struct cmd_entry *entry, struct ctlclient *client,
            const struct cli *cli, char **args, int count);
/* One request cmd with args (borrowed; NULL for none), its result printed
 * with print_json() (--json) or by human(). Returns 0 or an exit code. */
int cmd_show(struct ctlclient *client, const struct cli *cli, const char *cmd,
             json_t *args, void (*human)(json_t *result));

#endif
