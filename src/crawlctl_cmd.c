/* crawlctl_cmd.c - the table of crawlctl's commands and the handlers of
 * those that are more than one request; see crawlctl_cmd.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawlctl_cmd.h"
#include "crawlctl_print.h"
#include "crawlctl_submit.h"
#include "crawlctl_watch.h"

static int run_status(struct ctlclient *client, const struct cli *cli,
                      char **args, int count)
{
  json_t *status;
  json_t *stats;
  int rc;

  (void)args;
  (void)count;
  if(cli->json)
    return cmd_show(client, cli, "status", NULL, NULL);
  rc = ctlclient_call(client, "status", NULL, &status);
  if(rc != 0)
    return rc;
  /* status has no per-kind counters; stats has them, for the table that
   * puts threads and processes side by side. */
  rc = ctlclient_call(client, "stats", NULL, &stats);
  if(rc == 0)
    print_status(status, stats);
  json_decref(status);
  json_decref(stats);
  return rc;
}

static int run_job(struct ctlclient *client, const struct cli *cli,
                   char **args, int count)
{
  json_t *request = json_pack("{s:s}", "id", args[0]);
  int rc;

  (void)count;
  rc = cmd_show(client, cli, "job", request, print_job);
  json_decref(request);
  return rc;
}

/* hosts [N]: the N busiest (crawld's default without N). */
static int run_hosts(struct ctlclient *client, const struct cli *cli,
                     char **args, int count)
{
  json_t *request = NULL;
  char *end = NULL;
  long limit;
  int rc;

  if(count == 1) {
    limit = strtol(args[0], &end, 10);
    if(end == args[0] || *end != '\0' || limit < 1 || limit > 1000) {
      fprintf(stderr, "crawlctl: hosts: N must be a whole number from 1 to "
                      "1000\n");
      return 2;
    }
    request = json_pack("{s:i}", "limit", (int)limit);
  }
  rc = cmd_show(client, cli, "hosts", request, print_hosts);
  json_decref(request);
  return rc;
}

/* In the order --help lists them. */
static const struct cmd_entry commands[] = {
  { "status", false, 0, 0, "", "state, counters, throughput and latency",
    run_status, NULL },
  { "jobs", false, 0, 0, "", "active, queued and recently finished jobs", NULL,
    print_jobs },
  { "job", false, 1, 1, "ID", "one job's progress", run_job, NULL },
  { "workers", false, 0, 0, "", "every worker and what it has done", NULL,
    print_workers },
  { "hosts", false, 0, 1, "[N]",
    "the N busiest hosts: queued, in flight, delay, backoff, robots.txt",
    run_hosts, NULL },
  { "stats", false, 0, 0, "", "every counter, by worker kind", NULL,
    print_stats },
  { "watch", false, 0, 1, "[JOB]", "a live view, redrawn every second",
    watch_run, NULL },
  { "submit", true, 1, -1, "FILE...",
    "hand URL files (- for standard input) to crawld", submit_run, NULL },
  { "pause", true, 0, 0, "", "hand out no more URLs", NULL, print_state },
  { "resume", true, 0, 0, "", "end a pause or a drain", NULL, print_state },
  { "drain", true, 0, 0, "", "claim no new job files", NULL, print_state },
  { "reload", true, 0, 0, "", "read the config file again", NULL,
    print_reloaded },
};

const struct cmd_entry *cmd_find(const char *name)
{
  for(size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    if(strcmp(commands[i].name, name) == 0)
      return &commands[i];
  }
  return NULL;
}

void cmd_list(FILE *out)
{
  for(size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    char synopsis[32];

    snprintf(synopsis, sizeof(synopsis), "%s %s", commands[i].name,
             commands[i].args);
    fprintf(out, "  %-18s %s\n", synopsis, commands[i].summary);
  }
}

int cmd_run(const struct cmd_entry *entry, struct ctlclient *client,
            const struct cli *cli, char **args, int count)
{
  if(entry->run != NULL)
    return entry->run(client, cli, args, count);
  return cmd_show(client, cli, entry->name, NULL, entry->print);
}

int cmd_show(struct ctlclient *client, const struct cli *cli, const char *cmd,
             json_t *args, void (*human)(json_t *result))
{
  json_t *result;
  int rc = ctlclient_call(client, cmd, args, &result);

  if(rc != 0)
    return rc;
  if(cli->json)
    print_json(result);
  else
    human(result);
  json_decref(result);
  return 0;
}
