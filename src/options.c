/* options.c - settings from defaults, config keys and flags; see
 * options.h. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netpolicy.h"
#include "options.h"

enum setting_type {
  SETTING_INT,           /* int, in [min, max] */
  SETTING_LONG,          /* long, in [min, max] */
  SETTING_SECONDS,       /* long milliseconds, written as seconds ("2.5") */
  SETTING_SIZE,          /* int64_t bytes, written with an optional K/M/G */
  SETTING_STRING,        /* char array, one line */
  SETTING_LOG_LEVEL,     /* int syslog priority, written as its name */
  SETTING_NETWORKS,      /* char array: a network list netpolicy accepts */
  SETTING_SWITCH,        /* bool, written as on or off */
  SETTING_POLITENESS_KEY /* enum politeness_key, written as host or domain */
};

/* One setting: where it lives in the config file, its flag, and its field. */
struct setting {
  const char *section;
  const char *key;
  const char *flag; /* long flag without "--"; NULL: config file only */
  enum setting_type type;
  size_t offset; /* into struct crawl_options */
  size_t size;   /* of the field, for strings */
  long min;
  long max;
};

#define FIELD(member)                     \
  offsetof(struct crawl_options, member), \
      sizeof(((struct crawl_options *)0)->member)

static const struct setting settings[] = {
  { "daemon", "state_dir", "state-dir", SETTING_STRING, FIELD(state_dir), 0,
    0 },
  { "daemon", "runtime_dir", "runtime-dir", SETTING_STRING, FIELD(runtime_dir),
    0, 0 },
  { "daemon", "log_level", "log-level", SETTING_LOG_LEVEL, FIELD(log_level), 0,
    0 },
  { "daemon", "shutdown_timeout", "shutdown-timeout", SETTING_SECONDS,
    FIELD(shutdown_timeout_ms), 0, 0 },
  { "workers", "threads", "threads", SETTING_INT, FIELD(threads), 0,
    OPTIONS_MAX_WORKERS },
  { "workers", "processes", "processes", SETTING_INT, FIELD(processes), 0,
    OPTIONS_MAX_WORKERS },
  { "workers", "inflight", "inflight", SETTING_INT, FIELD(inflight), 1,
    OPTIONS_MAX_INFLIGHT },
  { "workers", "window", "window", SETTING_INT, FIELD(window), 1,
    4 * OPTIONS_MAX_INFLIGHT },
  { "workers", "max_attempts", "max-attempts", SETTING_INT,
    FIELD(max_attempts), 1, 100 },
  { "workers", "respawn_backoff_min", NULL, SETTING_SECONDS,
    FIELD(respawn_min_ms), 0, 0 },
  { "workers", "respawn_backoff_max", NULL, SETTING_SECONDS,
    FIELD(respawn_max_ms), 0, 0 },
  { "fetch", "connect_timeout", "connect-timeout", SETTING_SECONDS,
    FIELD(fetch.connect_timeout_ms), 0, 0 },
  { "fetch", "timeout", "timeout", SETTING_SECONDS,
    FIELD(fetch.total_timeout_ms), 0, 0 },
  { "fetch", "low_speed_limit", "low-speed-limit", SETTING_LONG,
    FIELD(fetch.low_speed_limit), 0, LONG_MAX },
  { "fetch", "low_speed_time", "low-speed-time", SETTING_LONG,
    FIELD(fetch.low_speed_time_s), 1, 86400 },
  { "fetch", "max_body", "max-body", SETTING_SIZE, FIELD(fetch.max_body_bytes),
    0, 0 },
  { "fetch", "max_redirects", "max-redirects", SETTING_LONG,
    FIELD(fetch.max_redirects), 0, 100 },
  { "fetch", "user_agent", "user-agent", SETTING_STRING,
    FIELD(fetch.user_agent), 0, 0 },
  { "fetch", "cpu_work", "cpu-work", SETTING_INT, FIELD(fetch.cpu_work), 0,
    1000 },
  { "fetch", "deny_networks", "deny-networks", SETTING_NETWORKS,
    FIELD(fetch.deny_networks), 0, 0 },
  { "politeness", "robots", "robots", SETTING_SWITCH, FIELD(robots), 0, 0 },
  { "politeness", "robots_cache_s", "robots-cache", SETTING_LONG,
    FIELD(robots_cache_s), 1, 365L * 86400 },
  { "politeness", "max_crawl_delay_ms", "max-crawl-delay", SETTING_LONG,
    FIELD(max_crawl_delay_ms), 0, 86400000 },
  { "politeness", "per_host", "per-host", SETTING_INT, FIELD(per_host), 1,
    OPTIONS_MAX_INFLIGHT },
  { "politeness", "host_delay_ms", "host-delay", SETTING_LONG,
    FIELD(host_delay_ms), 0, 86400000 },
  { "politeness", "politeness_key", "politeness-key", SETTING_POLITENESS_KEY,
    FIELD(politeness_key), 0, 0 },
  { "politeness", "max_retry_after_s", "max-retry-after", SETTING_LONG,
    FIELD(max_retry_after_s), 0, 86400 },
  { "politeness", "backoff_base_ms", "backoff-base", SETTING_LONG,
    FIELD(backoff_base_ms), 1, 3600000 },
  { "spool", "max_active_jobs", NULL, SETTING_INT, FIELD(max_active_jobs), 1,
    1024 },
  { "spool", "max_job_size", NULL, SETTING_SIZE, FIELD(max_job_bytes), 0, 0 },
  { "spool", "rescan_interval", NULL, SETTING_SECONDS,
    FIELD(rescan_interval_ms), 0, 0 },
  { "spool", "sync_records", NULL, SETTING_INT, FIELD(sync_records), 1,
    1000000 },
  { "spool", "sync_interval", NULL, SETTING_SECONDS, FIELD(sync_interval_ms),
    0, 0 },
};

#define SETTING_COUNT (sizeof(settings) / sizeof(settings[0]))

/* Flags of --once that are a job's own options (jobopts.h): flag, key. */
static const char *const job_flags[][2] = {
  { "depth", "depth" },         { "scope", "scope" },
  { "max-pages", "max_pages" }, { "include", "include" },
  { "exclude", "exclude" },
};

#define JOB_FLAG_COUNT (sizeof(job_flags) / sizeof(job_flags[0]))

/* Flags that are not settings; a setting's flag is SETTING_FLAG + its row. */
enum {
  FLAG_ONCE = 256,
  FLAG_JOB,
  FLAG_WORKER,
  FLAG_WORKER_ID,
  FLAG_IGNORE_ROBOTS,
  FLAG_RECORD_LINKS,
  FLAG_JOB_OPTION, /* + the row of job_flags */
  SETTING_FLAG = 512
};

void options_usage(FILE *out)
{
  static const char usage[] =
      "Usage: crawld [OPTIONS]                 run the crawl service\n"
      "       crawld --once URLFILE [OPTIONS]  crawl one URL file and exit\n"
      "\n"
      "The service crawls the URL files dropped into STATE_DIR/incoming/ and\n"
      "journals one JSON line per URL under STATE_DIR. --once crawls URLFILE\n"
      "(one URL per line, '-' for standard input) and writes one JSON line\n"
      "per URL to --output.\n"
      "\n"
      "Service:\n"
      "  -c, --config FILE        settings file "
      "(default: " OPTIONS_DEFAULT_CONFIG ",\n"
      "                           if it exists); flags override it\n"
      "      --state-dir DIR      spool and journals (default: "
      "/var/lib/crawld)\n"
      "      --runtime-dir DIR    control sockets (default: /run/crawld)\n"
      "      --shutdown-timeout S seconds in-flight work may take to finish "
      "on\n"
      "                           SIGTERM (default: 30)\n"
      "\n"
      "Workers:\n"
      "  -t, --threads N          worker threads (default: number of CPUs)\n"
      "  -p, --processes N        worker processes (default: 0)\n"
      "  -k, --inflight K         transfers in flight per worker (default: "
      "32)\n"
      "      --window W           unanswered tasks per worker (default: 2*K)\n"
      "      --max-attempts N     tries per URL: retries after 429, 503, "
      "other\n"
      "                           5xx and network failures, and deaths of "
      "its\n"
      "                           worker (then error worker_crash) (default: "
      "3)\n"
      "\n"
      "Politeness:\n"
      "      --ignore-robots      do not read robots.txt (default: obey it)\n"
      "      --per-host N         fetches in flight per host (default: 4)\n"
      "      --host-delay MS      milliseconds between two fetch starts on a\n"
      "                           host, and after its last answer; Crawl-delay\n"
      "                           raises it; a host with a delay gets one fetch\n"
      "                           at a time (default: 0)\n"
      "      --politeness-key K   host (scheme, host and port) or domain\n"
      "                           (registrable domain) (default: host)\n"
      "      --max-crawl-delay MS longest Crawl-delay obeyed (default: "
      "30000)\n"
      "      --robots-cache S     seconds a robots.txt is kept (default: "
      "86400)\n"
      "      --max-retry-after S  longest Retry-After obeyed (default: 3600)\n"
      "      --backoff-base MS    first backoff of a host after 429, 503 or "
      "a\n"
      "                           failure; doubles each time (default: 1000)\n"
      "\n"
      "One-shot crawl:\n"
      "  -o, --output FILE        where result lines go ('-': stdout, "
      "default)\n"
      "      --job NAME           the \"job\" field of every record\n"
      "                           (default: URLFILE's base name)\n"
      "      --depth N            follow links N deep from the listed URLs\n"
      "                           (default: 0, the list only)\n"
      "      --scope S            links followed: host, domain or prefix\n"
      "                           of the seed URL (default: host)\n"
      "      --max-pages N        end the job after N records (default: 0,\n"
      "                           no cap)\n"
      "      --include RE         follow only links matching this POSIX\n"
      "                           extended regular expression\n"
      "      --exclude RE         never follow links matching it\n"
      "      --record-links       list each page's in-scope links in its\n"
      "                           record\n"
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
      "      --deny-networks LIST never connect to these networks, also "
      "after\n"
      "                           DNS and redirects (default: link-local and\n"
      "                           cloud metadata; 'none' allows all)\n"
      "      --cpu-work N         scan and hash every body N more times, to\n"
      "                           make pages cost CPU in benchmarks (default "
      "0)\n"
      "\n"
      "Other:\n"
      "      --log-level LEVEL    error, warning, info (default) or debug\n"
      "  -h, --help               show this help and exit\n"
      "  -V, --version            show the version and exit\n"
      "\n"
      "Only http and https URLs are fetched, also after redirects.\n"
      "Exit status: 2 on a usage or config error. --once: 0 when every URL\n"
      "has its result line (whatever the fetch outcome), 1 on a runtime\n"
      "error or a stop by signal. Service: 0 after SIGTERM or SIGINT, 1\n"
      "when start-up or a fatal error stopped it. Every setting also has a\n"
      "config key: see crawld.conf(5).\n"
      "crawld(8) documents the service, the spool and the result record.\n";

  fputs(usage, out);
}

static int parse_int(const char *name, const char *text, long min, long max,
                     long *value, char **cause)
{
  char *end;
  long parsed;

  errno = 0;
  parsed = strtol(text, &end, 10);
  if(errno != 0 || end == text || *end != '\0' || parsed < min || parsed > max)
    return cause_set(cause,
                     "%s: expected a whole number from %ld to %ld, got '%s'",
                     name, min, max, text);
  *value = parsed;
  return 0;
}

/* Seconds with an optional fraction ("2.5"), returned in milliseconds. */
static int parse_seconds(const char *name, const char *text, long *ms,
                         char **cause)
{
  char *end;
  double seconds;

  errno = 0;
  seconds = strtod(text, &end);
  if(errno != 0 || end == text || *end != '\0' || !isfinite(seconds) ||
     seconds <= 0 || seconds > 86400)
    return cause_set(
        cause,
        "%s: expected seconds greater than 0 and at most 86400, got '%s'",
        name, text);
  /* To the nearest millisecond (2.007 is 2007, not 2008 through float error),
   * and never 0, which libcurl would read as "no timeout". */
  *ms = (long)llround(seconds * 1000.0);
  if(*ms < 1)
    *ms = 1;
  return 0;
}

/* A byte count with an optional K, M or G suffix (powers of 1024). */
static int parse_size(const char *name, const char *text, int64_t *bytes,
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
  return cause_set(
      cause,
      "%s: expected a byte count from 1 to 1T with an optional K, M or G "
      "suffix, got '%s'",
      name, text);
}

/* Stores text into the setting's field; name (the flag or the key) opens any
 * message. */
static int set_value(struct crawl_options *opts, const struct setting *setting,
                     const char *name, const char *text, char **cause)
{
  char *field = (char *)opts + setting->offset;
  struct netpolicy networks;
  char why[160];
  long number = 0;
  int level;

  switch(setting->type) {
    case SETTING_INT:
      if(parse_int(name, text, setting->min, setting->max, &number, cause) < 0)
        return -1;
      *(int *)field = (int)number;
      return 0;
    case SETTING_LONG:
      return parse_int(name, text, setting->min, setting->max, (long *)field,
                       cause);
    case SETTING_SECONDS:
      return parse_seconds(name, text, (long *)field, cause);
    case SETTING_SIZE:
      return parse_size(name, text, (int64_t *)field, cause);
    case SETTING_STRING:
      if(text[0] == '\0' || strlen(text) >= setting->size ||
         strpbrk(text, "\r\n") != NULL)
        return cause_set(cause, "%s: expected 1 to %zu bytes on one line",
                         name, setting->size - 1);
      memcpy(field, text, strlen(text) + 1);
      return 0;
    case SETTING_NETWORKS:
      if(strlen(text) >= setting->size)
        return cause_set(cause, "%s: at most %zu bytes", name,
                         setting->size - 1);
      if(netpolicy_parse(text, &networks, why, sizeof(why)) < 0)
        return cause_set(cause, "%s: %s", name, why);
      memcpy(field, text, strlen(text) + 1);
      return 0;
    case SETTING_LOG_LEVEL:
      level = log_level_from_name(text);
      if(level < 0)
        return cause_set(
            cause, "%s: expected error, warning, info or debug, got '%s'",
            name, text);
      *(int *)field = level;
      return 0;
    case SETTING_SWITCH:
      if(strcmp(text, "on") != 0 && strcmp(text, "off") != 0)
        return cause_set(cause, "%s: expected on or off, got '%s'", name,
                         text);
      *(bool *)field = strcmp(text, "on") == 0;
      return 0;
    case SETTING_POLITENESS_KEY:
      if(strcmp(text, "host") == 0)
        *(enum politeness_key *)field = POLITENESS_HOST;
      else if(strcmp(text, "domain") == 0)
        *(enum politeness_key *)field = POLITENESS_DOMAIN;
      else
        return cause_set(cause, "%s: expected host or domain, got '%s'", name,
                         text);
      return 0;
  }
  return cause_set(cause, "%s: unknown setting type", name);
}

void options_defaults(struct crawl_options *opts)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  memset(opts, 0, sizeof(*opts));
  opts->mode = MODE_DAEMON;
  opts->output = "-";
  snprintf(opts->state_dir, sizeof(opts->state_dir), "/var/lib/crawld");
  snprintf(opts->runtime_dir, sizeof(opts->runtime_dir), "/run/crawld");
  opts->log_level = LOG_INFO;
  opts->shutdown_timeout_ms = 30000;
  if(cpus < 1)
    opts->threads = 1;
  else if(cpus > OPTIONS_MAX_WORKERS)
    opts->threads = OPTIONS_MAX_WORKERS;
  else
    opts->threads = (int)cpus;
  opts->processes = 0;
  opts->inflight = 32;
  opts->max_attempts = 3;
  opts->respawn_min_ms = 100;
  opts->respawn_max_ms = 30000;
  opts->fetch.connect_timeout_ms = 10000;
  opts->fetch.total_timeout_ms = 30000;
  opts->fetch.low_speed_limit = 100;
  opts->fetch.low_speed_time_s = 10;
  opts->fetch.max_body_bytes = 10 << 20;
  opts->fetch.max_redirects = 5;
  snprintf(opts->fetch.deny_networks, sizeof(opts->fetch.deny_networks), "%s",
           NETPOLICY_DEFAULT);
  snprintf(opts->fetch.user_agent, sizeof(opts->fetch.user_agent), "crawld/%s",
           PACKAGE_VERSION);
  opts->robots = true;
  jobopts_defaults(&opts->job_options, true);
  opts->robots_cache_s = 86400;
  opts->max_crawl_delay_ms = 30000;
  opts->per_host = 4;
  opts->host_delay_ms = 0;
  opts->politeness_key = POLITENESS_HOST;
  opts->max_retry_after_s = 3600;
  opts->backoff_base_ms = 1000;
  opts->max_active_jobs = 4;
  opts->max_job_bytes = (int64_t)1 << 30;
  opts->rescan_interval_ms = 2000;
  opts->sync_records = 1000;
  opts->sync_interval_ms = 200;
}

int options_set(struct crawl_options *opts, const char *section,
                const char *key, const char *value, char **cause)
{
  bool known_section = false;

  *cause = NULL;
  for(size_t i = 0; i < SETTING_COUNT; i++) {
    if(strcmp(settings[i].section, section) != 0)
      continue;
    known_section = true;
    if(strcmp(settings[i].key, key) == 0)
      return set_value(opts, &settings[i], key, value, cause);
  }
  if(!known_section)
    return cause_set(cause, "unknown section [%s]", section);
  return cause_set(cause, "unknown key '%s' in [%s]", key, section);
}

int options_check(const struct crawl_options *opts, char **cause)
{
  *cause = NULL;
  if(opts->mode != MODE_ONCE && opts->mode != MODE_DAEMON)
    return 0;
  if(opts->threads + opts->processes == 0)
    return cause_set(cause, "threads and processes are both 0: at least one "
                            "worker is needed");
  if(opts->threads + opts->processes > OPTIONS_MAX_WORKERS)
    return cause_set(cause, "at most %d workers in all (threads + processes)",
                     OPTIONS_MAX_WORKERS);
  if(opts->window != 0 && opts->window < opts->inflight)
    return cause_set(
        cause, "window %d is smaller than inflight %d: workers would idle",
        opts->window, opts->inflight);
  if(opts->respawn_min_ms > opts->respawn_max_ms)
    return cause_set(cause,
                     "respawn_backoff_min is above respawn_backoff_max");
  if(opts->mode == MODE_DAEMON && opts->job_options.set != 0)
    return cause_set(cause, "--depth, --scope, --max-pages, --include, "
                            "--exclude and --record-links are options of "
                            "--once; a service job takes them from crawlctl "
                            "submit or its options (crawld(8))");
  return jobopts_check(&opts->job_options, cause);
}

/* getopt_long's table: the flags that are not settings, then one entry per
 * setting that has a flag. Built once; the strings are the table's own. */
static const struct option *long_options(void)
{
  static struct option table[SETTING_COUNT + JOB_FLAG_COUNT + 11];
  static const struct option fixed[] = {
    { "once", required_argument, NULL, FLAG_ONCE },
    { "output", required_argument, NULL, 'o' },
    { "job", required_argument, NULL, FLAG_JOB },
    { "config", required_argument, NULL, 'c' },
    { "worker", no_argument, NULL, FLAG_WORKER },
    { "worker-id", required_argument, NULL, FLAG_WORKER_ID },
    { "ignore-robots", no_argument, NULL, FLAG_IGNORE_ROBOTS },
    { "record-links", no_argument, NULL, FLAG_RECORD_LINKS },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
  };
  size_t count = 0;

  if(table[0].name != NULL)
    return table;
  for(size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
    table[count++] = fixed[i];
  for(size_t i = 0; i < JOB_FLAG_COUNT; i++) {
    table[count].name = job_flags[i][0];
    table[count].has_arg = required_argument;
    table[count].val = FLAG_JOB_OPTION + (int)i;
    count++;
  }
  for(size_t i = 0; i < SETTING_COUNT; i++) {
    if(settings[i].flag == NULL)
      continue;
    table[count].name = settings[i].flag;
    table[count].has_arg = required_argument;
    table[count].val = SETTING_FLAG + (int)i;
    count++;
  }
  return table;
}

bool options_flag_is_switch(const char *name)
{
  const struct option *table = long_options();

  if(strcmp(name, "h") == 0 || strcmp(name, "V") == 0)
    return true;
  for(size_t i = 0; table[i].name != NULL; i++) {
    if(strcmp(table[i].name, name) == 0)
      return table[i].has_arg == no_argument;
  }
  return false;
}

/* The setting row of a short flag's long name. */
static int setting_flag(const char *flag)
{
  for(size_t i = 0; i < SETTING_COUNT; i++) {
    if(settings[i].flag != NULL && strcmp(settings[i].flag, flag) == 0)
      return SETTING_FLAG + (int)i;
  }
  return '?';
}

/* One flag; returns 0 or -1 with *cause set. */
static int apply_flag(struct crawl_options *opts, int flag, const char *arg,
                      char **cause)
{
  char name[64];
  long id = 0;

  switch(flag) {
    case FLAG_ONCE:
      opts->mode = MODE_ONCE;
      opts->url_file = arg;
      return 0;
    case 'o':
      opts->output = arg;
      return 0;
    case FLAG_JOB:
      if(arg[0] == '\0')
        return cause_set(cause, "--job: the job name must not be empty");
      opts->job = arg;
      return 0;
    case 'c':
      opts->config = arg;
      return 0;
    case FLAG_WORKER:
      opts->mode = MODE_WORKER;
      return 0;
    case FLAG_WORKER_ID:
      if(parse_int("--worker-id", arg, 0, INT_MAX, &id, cause) < 0)
        return -1;
      opts->worker_id = (int)id;
      return 0;
    case FLAG_IGNORE_ROBOTS:
      opts->robots = false;
      return 0;
    case FLAG_RECORD_LINKS:
      return jobopts_set(&opts->job_options, "record_links", "on", cause);
    case 'h':
      opts->mode = MODE_HELP;
      return 0;
    case 'V':
      opts->mode = MODE_VERSION;
      return 0;
    case 't':
      return apply_flag(opts, setting_flag("threads"), arg, cause);
    case 'p':
      return apply_flag(opts, setting_flag("processes"), arg, cause);
    case 'k':
      return apply_flag(opts, setting_flag("inflight"), arg, cause);
  }
  if(flag >= FLAG_JOB_OPTION && flag < FLAG_JOB_OPTION + (int)JOB_FLAG_COUNT) {
    const char *const *names = job_flags[flag - FLAG_JOB_OPTION];
    char *detail;

    if(jobopts_set(&opts->job_options, names[1], arg, cause) == 0)
      return 0;
    /* Its message opens with the key; the user typed the flag. */
    detail = *cause;
    cause_set(cause, "--%s%s", names[0],
              detail != NULL ? detail + strlen(names[1]) : ": out of memory");
    free(detail);
    return -1;
  }
  if(flag < SETTING_FLAG || flag >= SETTING_FLAG + (int)SETTING_COUNT)
    return cause_set(cause, "unknown option (try --help)");
  snprintf(name, sizeof(name), "--%s", settings[flag - SETTING_FLAG].flag);
  return set_value(opts, &settings[flag - SETTING_FLAG], name, arg, cause);
}

int options_apply_flags(struct crawl_options *opts, int argc, char **argv,
                        char **cause)
{
  const struct option *table = long_options();

  *cause = NULL;
  /* getopt keeps global state; reset it so that flags can be applied again
   * (on every SIGHUP, and in tests). */
  optind = 0;
  opterr = 0;
  for(;;) {
    int flag = getopt_long(argc, argv, ":c:o:t:p:k:hV", table, NULL);

    if(flag == -1)
      break;
    /* For a short flag, optind may not have moved past its cluster. */
    if(flag == '?' && optopt != 0)
      return cause_set(cause, "unknown option '-%c' (try --help)", optopt);
    if(flag == '?')
      return cause_set(cause, "unknown option '%s' (try --help)",
                       argv[optind - 1]);
    if(flag == ':')
      return cause_set(cause, "option '%s' needs a value", argv[optind - 1]);
    if(apply_flag(opts, flag, optarg, cause) < 0)
      return -1;
  }
  if(optind < argc)
    return cause_set(cause, "unexpected argument '%s' (try --help)",
                     argv[optind]);
  return options_check(opts, cause);
}

int options_parse(struct crawl_options *opts, int argc, char **argv,
                  char **cause)
{
  options_defaults(opts);
  return options_apply_flags(opts, argc, argv, cause);
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
  enum { WORKER_ARGC = 25 };
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
  ADD("--cpu-work=%d", fetch->cpu_work);
  ADD("--deny-networks=%s", fetch->deny_networks);
  ADD("--log-level=%s", log_level_name(opts->log_level));
#undef ADD
  if(failed) {
    options_free_argv(argv);
    return NULL;
  }
  return argv;
}
