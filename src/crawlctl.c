/* crawlctl.c - the command-line client of crawld: main().
 *
 * Reads the options, finds the command in the table (crawlctl_cmd.h),
 * checks its argument count, opens the socket it needs and runs it. What
 * went wrong is printed here, once any terminal is restored, and becomes
 * the exit status crawlctl(1) documents (ctlclient.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawlctl_cmd.h"
#include "ctlclient.h"

#define DEFAULT_RUNTIME_DIR "/run/crawld"
#define DEFAULT_TIMEOUT_S 10.0

static void usage(FILE *out)
{
  fprintf(out, "Usage: crawlctl [OPTIONS] COMMAND [ARGS]\n"
               "Ask crawld what it does, or steer it.\n\nCommands:\n");
  cmd_list(out);
  fprintf(out,
          "\nOptions:\n"
          "  --runtime-dir DIR  where crawld's sockets are (default: "
          "$CRAWLD_RUNTIME_DIR,\n"
          "                     else " DEFAULT_RUNTIME_DIR ")\n"
          "  --json             print results as JSON, one object a line\n"
          "  --timeout SECONDS  wait at most this long for crawld "
          "(default: 10)\n"
          "  --ignore-robots    submit: these jobs do not read robots.txt\n"
          "  -h, --help         print this and exit\n"
          "      --version      print the version and exit\n"
          "\nExit status: 0 ok, 1 crawld reported an error, 2 usage error, "
          "3 crawld\nunreachable, 4 permission denied. See crawlctl(1).\n");
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
  va_list ap;

  fputs("crawlctl: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\nTry 'crawlctl --help'.\n", stderr);
  return CTL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
  static const struct option options[] = {
    { "runtime-dir", required_argument, NULL, 'r' },
    { "json", no_argument, NULL, 'j' },
    { "timeout", required_argument, NULL, 't' },
    { "ignore-robots", no_argument, NULL, 'i' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  struct cli cli = { NULL, false, DEFAULT_TIMEOUT_S, false };
  const struct cmd_entry *command;
  struct ctlclient client;
  char *end;
  int count;
  int rc;
  int c;

  opterr = 0;
  while((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
    switch(c) {
      case 'r':
        cli.runtime_dir = optarg;
        break;
      case 'j':
        cli.json = true;
        break;
      case 'i':
        cli.ignore_robots = true;
        break;
      case 't':
        cli.timeout_s = strtod(optarg, &end);
        if(end == optarg || *end != '\0' || !(cli.timeout_s > 0) ||
           cli.timeout_s > 86400)
          return usage_error("--timeout %s: not from 0 to 86400 seconds",
                             optarg);
        break;
      case 'h':
        usage(stdout);
        return CTL_EXIT_OK;
      case 'V':
        printf("crawlctl %s\n", PACKAGE_VERSION);
        return CTL_EXIT_OK;
      case ':':
        return usage_error("%s needs an argument", argv[optind - 1]);
      default:
        return usage_error("unknown option %s", argv[optind - 1]);
    }
  }
  if(optind >= argc)
    return usage_error("no command given");
  command = cmd_find(argv[optind]);
  if(command == NULL)
    return usage_error("unknown command '%s'", argv[optind]);
  if(cli.ignore_robots && strcmp(command->name, "submit") != 0)
    return usage_error("--ignore-robots is an option of submit only");
  count = argc - optind - 1;
  if(count < command->min_args ||
     (command->max_args >= 0 && count > command->max_args)) {
    char synopsis[64];

    snprintf(synopsis, sizeof(synopsis), "%s %s", command->name,
             command->args);
    return usage_error("usage: crawlctl [OPTIONS] %s", synopsis);
  }
  if(cli.runtime_dir == NULL)
    cli.runtime_dir = getenv("CRAWLD_RUNTIME_DIR");
  if(cli.runtime_dir == NULL || cli.runtime_dir[0] == '\0')
    cli.runtime_dir = DEFAULT_RUNTIME_DIR;
  rc = ctlclient_open(&client, cli.runtime_dir,
                      command->admin ? "control.sock" : "status.sock",
                      cli.timeout_s);
  if(rc == 0)
    rc = cmd_run(command, &client, &cli, argv + optind + 1, count);
  if(client.error[0] != '\0')
    fprintf(stderr, "crawlctl: %s\n", client.error);
  ctlclient_close(&client);
  if(fflush(stdout) != 0 && rc == 0) {
    fprintf(stderr, "crawlctl: cannot write: %s\n", strerror(errno));
    rc = CTL_EXIT_ERROR;
  }
  return rc;
}
