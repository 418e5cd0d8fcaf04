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
          "  --depth N, --scope host|domain|prefix, --max-pages N,\n"
          "  --include RE, --exclude RE, --record-links\n"
          "                     submit: how these jobs follow links, as\n"
          "                     crawld --once takes them (crawld(8))\n"
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

/* A job option flag (short code c) into job; 0, or a usage error's exit
 * code after its message. */
static int set_job_option(struct jobopts *job, int c, const char *arg)
{
  static const struct {
    int code;
    const char *flag;
    const char *key;
  } flags[] = {
    { 'i', "ignore-robots", "robots" },
    { 'D', "depth", "depth" },
    { 'S', "scope", "scope" },
    { 'M', "max-pages", "max_pages" },
    { 'I', "include", "include" },
    { 'E', "exclude", "exclude" },
    { 'L', "record-links", "record_links" },
  };
  char *cause = NULL;
  int rc;

  for(size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
    if(flags[i].code != c)
      continue;
    /* The switches: --ignore-robots turns robots off, --record-links on. */
    if(jobopts_set(job, flags[i].key,
                   c == 'i'   ? "off"
                   : c == 'L' ? "on"
                              : arg,
                   &cause) == 0)
      return 0;
    /* Its message opens with the key; the user typed the flag. */
    rc = usage_error("--%s%s", flags[i].flag,
                     cause != NULL ? cause + strlen(flags[i].key)
                                   : ": out of memory");
    free(cause);
    return rc;
  }
  return usage_error("unknown option");
}

int main(int argc, char **argv)
{
  static const struct option options[] = {
    { "runtime-dir", required_argument, NULL, 'r' },
    { "json", no_argument, NULL, 'j' },
    { "timeout", required_argument, NULL, 't' },
    { "ignore-robots", no_argument, NULL, 'i' },
    { "depth", required_argument, NULL, 'D' },
    { "scope", required_argument, NULL, 'S' },
    { "max-pages", required_argument, NULL, 'M' },
    { "include", required_argument, NULL, 'I' },
    { "exclude", required_argument, NULL, 'E' },
    { "record-links", no_argument, NULL, 'L' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  struct cli cli = { NULL, false, DEFAULT_TIMEOUT_S, { 0 } };
  const struct cmd_entry *command;
  struct ctlclient client;
  char *cause = NULL;
  char *end;
  int count;
  int rc;
  int c;

  jobopts_defaults(&cli.job, true);
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
      case 'D':
      case 'S':
      case 'M':
      case 'I':
      case 'E':
      case 'L':
        if(set_job_option(&cli.job, c, optarg) != 0)
          return CTL_EXIT_USAGE;
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
  if(cli.job.set != 0 && strcmp(command->name, "submit") != 0)
    return usage_error("--ignore-robots, --depth, --scope, --max-pages, "
                       "--include, --exclude and --record-links are options "
                       "of submit only");
  if(jobopts_check(&cli.job, &cause) < 0) {
    rc = usage_error("%s", cause != NULL ? cause : "out of memory");
    free(cause);
    return rc;
  }
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
