/* options.c - command-line parsing; see options.h. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "options.h"

enum {
  OPT_WINDOW = 256,
  OPT_JOB,
  OPT_CONNECT_TIMEOUT,
  OPT_TIMEOUT,
  OPT_LOW_SPEED_LIMIT,
  OPT_LOW_SPEED_TIME,
  OPT_MAX_BODY,
  OPT_MAX_REDIRECTS,
  OPT_USER_AGENT,
  OPT_LOG_LEVEL,
  OPT_WORKER,
  OPT_WORKER_ID
};

static const struct option long_options[] = {
  { "once", required_argument, NULL, '1' },
  { "output", required_argument, NULL, 'o' },
  { "job", required_argument, NULL, OPT_JOB },
  { "threads", required_argument, NULL, 't' },
  { "processes", required_argument, NULL, 'p' },
  { "inflight", required_argument, NULL, 'k' },
  { "window", required_argument, NULL, OPT_WINDOW },
  { "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
  { "timeout", required_argument, NULL, OPT_TIMEOUT },
  { "low-speed-limit", required_argument, NULL, OPT_LOW_SPEED_LIMIT },
  { "low-speed-time", required_argument, NULL, OPT_LOW_SPEED_TIME },
  { "max-body", required_argument, NULL, OPT_MAX_BODY },
  { "max-redirects", required_argument, NULL, OPT_MAX_REDIRECTS },
  { "user-agent", required_argument, NULL, OPT_USER_AGENT },
  { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
  { "worker", no_argument, NULL, OPT_WORKER },
  { "worker-id", required_argument, NULL, OPT_WORKER_ID },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { NULL, 0, NULL, 0 }
};

void options_usage(FILE *out)
{
  static const char usage[] =
      "Usage: crawld --once URLFILE [OPTIONS]\n"
      "Crawl every URL in URLFILE (one per line, '-' for standard input)\n"
      "with worker threads and worker processes, and write one JSON line\n"
      "per URL.\n"
      "\n"
      "Workers:\n"
      "  -t, --threads N          worker threads (default: number of CPUs)\n"
      "  -p, --processes N        worker processes (default: 0)\n"
      "  -k, --inflight K         transfers in flight per worker (default: "
      "32)\n"
      "      --window W           unanswered tasks per worker (default: 2*K)\n"
      "\n"
      "Output:\n"
      "  -o, --output FILE        where result lines go ('-': stdout, "
      "default)\n"
      "      --job NAME           the \"job\" field of every record\n"
      "                           (default: URLFILE's base name)\n"
      "\n"
      "Fetch policy:\n"
      "      --connect-timeout S  seconds to connect (default: 10)\n"
      "      --timeout S          seconds for a whole transfer, redirects\n"
      "                           included (default: 30)\n"
      "      --low-speed-limit B  abort a transfer slower than B bytes/s...\n"
      "                           (default: 100; 0 disables the check)\n"
      "      --low-speed-time S   ...for S seconds (default: 10)\n"
      "      --max-body SIZE      keep at most SIZE decoded body bytes, "
      "suffix\n"
      "                           K, M or G; a longer body is cut: error\n"
      "                           too_large, truncated true (default: 10M)\n"
      "      --max-redirects N    follow at most N redirects (default: 5)\n"
      "      --user-agent STR     User-Agent header (default: "
      "crawld/VERSION)\n"
      "\n"
      "Other:\n"
      "      --log-level LEVEL    error, warning, info (default) or debug\n"
      "  -h, --help               show this help and exit\n"
      "  -V, --version            show the version and exit\n"
      "\n"
      "Only http and https URLs are fetched, also after redirects. Exit\n"
      "status: 0 when every URL has its result line (whatever the fetch\n"
      "outcome), 1 on a runtime error or a stop by signal, 2 on a usage\n"
      "error. See crawld(8) for the result record.\n";

  fputs(usage, out);
}

/* printf into a new string for *cause; on allocation failure the message is
 * lost but the -1 still reaches the caller. */
static int fail(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(char **cause, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  if(vasprintf(cause, fmt, ap) < 0)
    *cause = NULL;
  va_end(ap);
  return -1;
}

static int parse_int(const char *flag, const char *text, long min, long max,
                     long *value, char **cause)
{
  char *end;
  long parsed;

  errno = 0;
  parsed = strtol(text, &end, 10);
  if(errno != 0 || end == text || *end != '\0' || parsed < min || parsed > max)
    return fail(cause,
                "--%s: expected a whole number from %ld to %ld, got '%s'",
                flag, min, max, text);
  *value = parsed;
  return 0;
}

/* Seconds with an optional fraction ("2.5"), returned in milliseconds. */
static int parse_seconds(const char *flag, const char *text, long *ms,
                         char **cause)
{
  char *end;
  double seconds;

  errno = 0;
  seconds = strtod(text, &end);
  if(errno != 0 || end == text || *end != '\0' || !isfinite(seconds) ||
     seconds <= 0 || seconds > 86400)
    return fail(
        cause,
        "--%s: expected seconds greater than 0 and at most 86400, got '%s'",
        flag, text);
  /* To the nearest millisecond (2.007 is 2007, not 2008 through float error),
   * and never 0, which libcurl would read as "no timeout". */
  *ms = (long)llround(seconds * 1000.0);
  if(*ms < 1)
    *ms = 1;
  return 0;
}

/* A byte count with an optional K, M or G suffix (powers of 1024). */
static int parse_size(const char *flag, const char *text, int64_t *bytes,
                      char **cause)
{
  char *end;
  unsigned long long count;
  unsigned long long scale = 1;

  errno = 0;
  count = strtoull(text, &end, 10);
  if(errno == 0 && end != text && text[0] != '-') {
    if(*end == 'K' || *end == 'k')
      scale = 1ULL << 10;
    else if(*end == 'M' || *end == 'm')
      scale = 1ULL << 20;
    else if(*end == 'G' || *end == 'g')
      scale = 1ULL << 30;
    if(scale != 1)
      end++;
    /* The cap is 1 TiB: far above any sane page, and no overflow below it. */
    if(*end == '\0' && count > 0 && count <= (1ULL << 40) / scale) {
      *bytes = (int64_t)(count * scale);
      return 0;
    }
  }
  return fail(
      cause,
      "--%s: expected a byte count from 1 to 1T with an optional K, M or G "
      "suffix, got '%s'",
      flag, text);
}

static void set_defaults(struct crawl_options *opts)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  memset(opts, 0, sizeof(*opts));
  opts->mode = MODE_ONCE;
  opts->output = "-";
  opts->threads = cpus < 1                     ? 1
                  : cpus > OPTIONS_MAX_WORKERS ? OPTIONS_MAX_WORKERS
                                               : (int)cpus;
  opts->processes = 0;
  opts->inflight = 32;
  opts->log_level = LOG_INFO;
  opts->fetch.connect_timeout_ms = 10000;
  opts->fetch.total_timeout_ms = 30000;
  opts->fetch.low_speed_limit = 100;
  opts->fetch.low_speed_time_s = 10;
  opts->fetch.max_body_bytes = 10 << 20;
  opts->fetch.max_redirects = 5;
  snprintf(opts->fetch.user_agent, sizeof(opts->fetch.user_agent), "crawld/%s",
           PACKAGE_VERSION);
}

/* One flag; returns 0 or -1 with *cause set. */
static int apply_option(struct crawl_options *opts, int flag, const char *arg,
                        char **cause)
{
  long value = 0;
  int rc = 0;

  switch(flag) {
    case '1':
      opts->url_file = arg;
      break;
    case 'o':
      opts->output = arg;
      break;
    case OPT_JOB:
      if(arg[0] == '\0')
        return fail(cause, "--job: the job name must not be empty");
      opts->job = arg;
      break;
    case 't':
      rc = parse_int("threads", arg, 0, OPTIONS_MAX_WORKERS, &value, cause);
      opts->threads = (int)value;
      break;
    case 'p':
      rc = parse_int("processes", arg, 0, OPTIONS_MAX_WORKERS, &value, cause);
      opts->processes = (int)value;
      break;
    case 'k':
      rc = parse_int("inflight", arg, 1, OPTIONS_MAX_INFLIGHT, &value, cause);
      opts->inflight = (int)value;
      break;
    case OPT_WINDOW:
      rc =
          parse_int("window", arg, 1, 4 * OPTIONS_MAX_INFLIGHT, &value, cause);
      opts->window = (int)value;
      break;
    case OPT_CONNECT_TIMEOUT:
      rc = parse_seconds("connect-timeout", arg,
                         &opts->fetch.connect_timeout_ms, cause);
      break;
    case OPT_TIMEOUT:
      rc = parse_seconds("timeout", arg, &opts->fetch.total_timeout_ms, cause);
      break;
    case OPT_LOW_SPEED_LIMIT:
      rc = parse_int("low-speed-limit", arg, 0, LONG_MAX,
                     &opts->fetch.low_speed_limit, cause);
      break;
    case OPT_LOW_SPEED_TIME:
      rc = parse_int("low-speed-time", arg, 1, 86400,
                     &opts->fetch.low_speed_time_s, cause);
      break;
    case OPT_MAX_BODY:
      rc = parse_size("max-body", arg, &opts->fetch.max_body_bytes, cause);
      break;
    case OPT_MAX_REDIRECTS:
      rc = parse_int("max-redirects", arg, 0, 100, &opts->fetch.max_redirects,
                     cause);
      break;
    case OPT_USER_AGENT:
      if(strlen(arg) >= sizeof(opts->fetch.user_agent) ||
         strpbrk(arg, "\r\n") != NULL)
        return fail(cause, "--user-agent: at most %zu bytes on one line",
                    sizeof(opts->fetch.user_agent) - 1);
      strcpy(opts->fetch.user_agent, arg);
      break;
    case OPT_LOG_LEVEL:
      opts->log_level = log_level_from_name(arg);
      if(opts->log_level < 0)
        return fail(
            cause,
            "--log-level: expected error, warning, info or debug, got '%s'",
            arg);
      break;
    case OPT_WORKER:
      opts->mode = MODE_WORKER;
      break;
    case OPT_WORKER_ID:
      rc = parse_int("worker-id", arg, 0, INT_MAX, &value, cause);
      opts->worker_id = (int)value;
      break;
    case 'h':
      opts->mode = MODE_HELP;
      break;
    case 'V':
      opts->mode = MODE_VERSION;
      break;
    default:
      return fail(cause, "unknown option (try --help)");
  }
  return rc;
}

/* Checks that hold across flags, once all of them are read. */
static int check_combination(const struct crawl_options *opts, char **cause)
{
  if(opts->mode != MODE_ONCE)
    return 0;
  if(opts->url_file == NULL)
    return fail(cause, "nothing to crawl: give --once URLFILE (try --help)");
  if(opts->threads + opts->processes == 0)
    return fail(
        cause,
        "--threads and --processes are both 0: at least one worker is needed");
  if(opts->threads + opts->processes > OPTIONS_MAX_WORKERS)
    return fail(cause, "at most %d workers in all (threads + processes)",
                OPTIONS_MAX_WORKERS);
  if(opts->window != 0 && opts->window < opts->inflight)
    return fail(
        cause, "--window %d is smaller than --inflight %d: workers would idle",
        opts->window, opts->inflight);
  return 0;
}

int options_parse(struct crawl_options *opts, int argc, char **argv,
                  char **cause)
{
  int flag;

  *cause = NULL;
  set_defaults(opts);
  /* getopt keeps global state; reset it so the parser can run more than once
   * (tests). */
  optind = 0;
  opterr = 0;
  for(;;) {
    int long_index = -1;

    flag = getopt_long(argc, argv, ":o:t:p:k:hV", long_options, &long_index);
    if(flag == -1)
      break;
    /* For a short flag, optind may not have moved past its cluster ("-zV"). */
    if(flag == '?' && optopt != 0)
      return fail(cause, "unknown option '-%c' (try --help)", optopt);
    if(flag == '?')
      return fail(cause, "unknown option '%s' (try --help)", argv[optind - 1]);
    if(flag == ':')
      return fail(cause, "option '%s' needs a value", argv[optind - 1]);
    if(apply_option(opts, flag, optarg, cause) < 0)
      return -1;
  }
  if(optind < argc)
    return fail(cause, "unexpected argument '%s' (try --help)", argv[optind]);
  return check_combination(opts, cause);
}

int options_window(const struct crawl_options *opts)
{
  return opts->window > 0 ? opts->window : 2 * opts->inflight;
}

void options_free_argv(char **argv)
{
  if(argv == NULL)
    return;
  for(char **arg = argv; *arg != NULL; arg++)
    free(*arg);
  free(argv);
}

char **options_worker_argv(const struct crawl_options *opts, const char *exe,
                           int worker_id)
{
  const struct fetch_policy *fetch = &opts->fetch;
  enum { WORKER_ARGC = 22 };
  char **argv = calloc(WORKER_ARGC + 1, sizeof(*argv));
  int argc = 0;
  bool failed = false;

  if(argv == NULL)
    return NULL;
#define ADD(...)                                 \
  do {                                           \
    if(asprintf(&argv[argc], __VA_ARGS__) < 0) { \
      argv[argc] = NULL;                         \
      failed = true;                             \
    }                                            \
    else {                                       \
      argc++;                                    \
    }                                            \
  } while(0)
  ADD("%s", exe);
  ADD("--worker");
  ADD("--worker-id=%d", worker_id);
  ADD("--inflight=%d", opts->inflight);
  ADD("--connect-timeout=%.3f", fetch->connect_timeout_ms / 1000.0);
  ADD("--timeout=%.3f", fetch->total_timeout_ms / 1000.0);
  ADD("--low-speed-limit=%ld", fetch->low_speed_limit);
  ADD("--low-speed-time=%ld", fetch->low_speed_time_s);
  ADD("--max-body=%lld", (long long)fetch->max_body_bytes);
  ADD("--max-redirects=%ld", fetch->max_redirects);
  ADD("--user-agent=%s", fetch->user_agent);
  ADD("--log-level=%s", opts->log_level >= LOG_DEBUG     ? "debug"
                        : opts->log_level >= LOG_INFO    ? "info"
                        : opts->log_level >= LOG_WARNING ? "warning"
                                                         : "error");
#undef ADD
  if(failed) {
    options_free_argv(argv);
    return NULL;
  }
  return argv;
}
