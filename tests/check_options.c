/* check_options.c - unit tests for the command line (src/options.c).
 *
 * getopt_long permutes argv, so every argv here is a writable array of
 * pointers; the strings themselves are literals, which options_parse only
 * points at. */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <check.h>

#include "netpolicy.h"
#include "options.h"

#define ARGC(argv) ((int)(sizeof(argv) / sizeof((argv)[0])) - 1)

/* Parses a NULL-terminated argv that must be accepted. */
static void parse_ok(struct crawl_options *opts, int argc, char **argv)
{
  char *cause = NULL;
  int rc = options_parse(opts, argc, argv, &cause);

  ck_assert_msg(rc == 0, "options_parse failed: %s",
                cause != NULL ? cause : "(null)");
  ck_assert_ptr_null(cause);
}

/* Parses an argv that must be refused; returns the malloc'd cause (caller
 * frees). */
static char *parse_fail(int argc, char **argv)
{
  struct crawl_options opts;
  char *cause = NULL;
  int rc = options_parse(&opts, argc, argv, &cause);
  bool refused = rc == -1 && cause != NULL && cause[0] != '\0';

  if(!refused)
    free(cause);
  ck_assert_msg(refused, "options_parse returned %d without a cause", rc);
  return cause;
}

/* Parses an argv that must be refused and copies the cause into buf; the
 * malloc'd cause is freed before anything is asserted on it, so a failure
 * leaks nothing. */
static void parse_fail_into(int argc, char **argv, char *buf, size_t size)
{
  char *cause = parse_fail(argc, argv);

  snprintf(buf, size, "%s", cause);
  free(cause);
}

/* Parses an argv that must be refused with exactly the message expected. */
static void assert_parse_error(int argc, char **argv, const char *expected)
{
  char cause[512];

  parse_fail_into(argc, argv, cause, sizeof(cause));
  ck_assert_str_eq(cause, expected);
}

/* Parses an argv that must be refused with a message that contains part. */
static void assert_parse_error_contains(int argc, char **argv,
                                        const char *part)
{
  char cause[512];

  parse_fail_into(argc, argv, cause, sizeof(cause));
  ck_assert_msg(strstr(cause, part) != NULL, "'%s' does not contain '%s'",
                cause, part);
}

/* Parses "crawld --once f FLAG VALUE", which must be refused with a message
 * naming the flag. */
static void assert_value_rejected(const char *flag, const char *value)
{
  char *argv[] = {
    "crawld", "--once", "f", (char *)flag, (char *)value, NULL
  };
  size_t flag_len = strlen(flag);
  char cause[512];

  parse_fail_into(ARGC(argv), argv, cause, sizeof(cause));
  ck_assert_msg(strncmp(cause, flag, flag_len) == 0 && cause[flag_len] == ':',
                "%s '%s': cause '%s' does not start with '%s:'", flag, value,
                cause, flag);
}

/* Parses "crawld --once f FLAG VALUE", which must be accepted. */
static void parse_flag(struct crawl_options *opts, const char *flag,
                       const char *value)
{
  char *argv[] = {
    "crawld", "--once", "f", (char *)flag, (char *)value, NULL
  };

  parse_ok(opts, ARGC(argv), argv);
}

static int default_threads(void)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  return cpus > 0 && cpus < OPTIONS_MAX_WORKERS ? (int)cpus : 1;
}

static size_t argv_count(char **argv)
{
  size_t count = 0;

  while(argv[count] != NULL)
    count++;
  return count;
}

/* Parses what options_worker_argv produced into worker. */
static void parse_worker_argv(struct crawl_options *worker, char **argv)
{
  parse_ok(worker, (int)argv_count(argv), argv);
}

static void assert_same_fetch_policy(const struct fetch_policy *got,
                                     const struct fetch_policy *want)
{
  ck_assert_int_eq(got->connect_timeout_ms, want->connect_timeout_ms);
  ck_assert_int_eq(got->total_timeout_ms, want->total_timeout_ms);
  ck_assert_int_eq(got->low_speed_limit, want->low_speed_limit);
  ck_assert_int_eq(got->low_speed_time_s, want->low_speed_time_s);
  ck_assert_int_eq(got->max_body_bytes, want->max_body_bytes);
  ck_assert_int_eq(got->max_redirects, want->max_redirects);
  ck_assert_str_eq(got->user_agent, want->user_agent);
}

/* --- defaults
 * ------------------------------------------------------------------- */

START_TEST(test_defaults)
{
  char *argv[] = { "crawld", "--once", "f", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.mode, MODE_ONCE);
  ck_assert_str_eq(opts.url_file, "f");
  ck_assert_str_eq(opts.output, "-");
  ck_assert_ptr_null(opts.job);
  ck_assert_int_eq(opts.threads, default_threads());
  ck_assert_int_eq(opts.processes, 0);
  ck_assert_int_eq(opts.inflight, 32);
  ck_assert_int_eq(opts.window, 0);
  ck_assert_int_eq(options_window(&opts), 64);
  ck_assert_int_eq(opts.worker_id, 0);
  ck_assert_int_eq(opts.log_level, LOG_INFO);
  ck_assert_int_eq(opts.fetch.connect_timeout_ms, 10000);
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 30000);
  ck_assert_int_eq(opts.fetch.low_speed_limit, 100);
  ck_assert_int_eq(opts.fetch.low_speed_time_s, 10);
  ck_assert_int_eq(opts.fetch.max_body_bytes, 10485760);
  ck_assert_int_eq(opts.fetch.max_redirects, 5);
  ck_assert_str_eq(opts.fetch.user_agent, "crawld/0.1.0");
}
END_TEST

START_TEST(test_default_threads_is_online_cpus)
{
  char *argv[] = { "crawld", "--once", "-", NULL };
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_gt(cpus, 0);
  if(cpus < OPTIONS_MAX_WORKERS)
    ck_assert_int_eq(opts.threads, cpus);
  ck_assert_str_eq(opts.url_file, "-");
}
END_TEST

/* --- every flag sets its field
 * -------------------------------------------------- */

START_TEST(test_long_flags_with_separate_values)
{
  char *argv[] = { "crawld",
                   "--once",
                   "urls.txt",
                   "--output",
                   "out.jsonl",
                   "--job",
                   "nightly",
                   "--threads",
                   "3",
                   "--processes",
                   "2",
                   "--inflight",
                   "16",
                   "--window",
                   "40",
                   "--connect-timeout",
                   "4",
                   "--timeout",
                   "60",
                   "--low-speed-limit",
                   "500",
                   "--low-speed-time",
                   "15",
                   "--max-body",
                   "2048",
                   "--max-redirects",
                   "7",
                   "--user-agent",
                   "bot/2.0 (+https://example.org/bot)",
                   "--log-level",
                   "debug",
                   "--worker-id",
                   "9",
                   NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.mode, MODE_ONCE);
  ck_assert_str_eq(opts.url_file, "urls.txt");
  ck_assert_str_eq(opts.output, "out.jsonl");
  ck_assert_str_eq(opts.job, "nightly");
  ck_assert_int_eq(opts.threads, 3);
  ck_assert_int_eq(opts.processes, 2);
  ck_assert_int_eq(opts.inflight, 16);
  ck_assert_int_eq(opts.window, 40);
  ck_assert_int_eq(options_window(&opts), 40);
  ck_assert_int_eq(opts.fetch.connect_timeout_ms, 4000);
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 60000);
  ck_assert_int_eq(opts.fetch.low_speed_limit, 500);
  ck_assert_int_eq(opts.fetch.low_speed_time_s, 15);
  ck_assert_int_eq(opts.fetch.max_body_bytes, 2048);
  ck_assert_int_eq(opts.fetch.max_redirects, 7);
  ck_assert_str_eq(opts.fetch.user_agent,
                   "bot/2.0 (+https://example.org/bot)");
  ck_assert_int_eq(opts.log_level, LOG_DEBUG);
  ck_assert_int_eq(opts.worker_id, 9);
}
END_TEST

START_TEST(test_long_flags_with_equals_values)
{
  char *argv[] = { "crawld",
                   "--once=urls.txt",
                   "--output=out.jsonl",
                   "--job=weekly",
                   "--threads=5",
                   "--processes=1",
                   "--inflight=8",
                   "--window=8",
                   "--connect-timeout=1.5",
                   "--timeout=90",
                   "--low-speed-limit=0",
                   "--low-speed-time=1",
                   "--max-body=64K",
                   "--max-redirects=0",
                   "--user-agent=x y=z",
                   "--log-level=warning",
                   "--worker-id=0",
                   NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_str_eq(opts.url_file, "urls.txt");
  ck_assert_str_eq(opts.output, "out.jsonl");
  ck_assert_str_eq(opts.job, "weekly");
  ck_assert_int_eq(opts.threads, 5);
  ck_assert_int_eq(opts.processes, 1);
  ck_assert_int_eq(opts.inflight, 8);
  ck_assert_int_eq(opts.window, 8);
  ck_assert_int_eq(opts.fetch.connect_timeout_ms, 1500);
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 90000);
  ck_assert_int_eq(opts.fetch.low_speed_limit, 0);
  ck_assert_int_eq(opts.fetch.low_speed_time_s, 1);
  ck_assert_int_eq(opts.fetch.max_body_bytes, 65536);
  ck_assert_int_eq(opts.fetch.max_redirects, 0);
  ck_assert_str_eq(opts.fetch.user_agent, "x y=z");
  ck_assert_int_eq(opts.log_level, LOG_WARNING);
  ck_assert_int_eq(opts.worker_id, 0);
}
END_TEST

START_TEST(test_short_flags_with_separate_values)
{
  char *argv[] = { "crawld", "--once", "f",  "-t",           "6", "-p", "3",
                   "-k",     "100",    "-o", "result.jsonl", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.threads, 6);
  ck_assert_int_eq(opts.processes, 3);
  ck_assert_int_eq(opts.inflight, 100);
  ck_assert_int_eq(options_window(&opts), 200);
  ck_assert_str_eq(opts.output, "result.jsonl");
}
END_TEST

START_TEST(test_short_flags_with_attached_values)
{
  char *argv[] = { "crawld", "--once", "f", "-t0", "-p4", "-k1", "-o-", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.threads, 0);
  ck_assert_int_eq(opts.processes, 4);
  ck_assert_int_eq(opts.inflight, 1);
  ck_assert_str_eq(opts.output, "-");
}
END_TEST

START_TEST(test_options_after_url_file_and_in_any_order)
{
  char *argv[] = { "crawld", "-k", "4", "--once", "list", "-t", "2", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_str_eq(opts.url_file, "list");
  ck_assert_int_eq(opts.threads, 2);
  ck_assert_int_eq(opts.inflight, 4);
}
END_TEST

START_TEST(test_last_repeated_flag_wins)
{
  char *argv[] = { "crawld",    "--once", "a",      "-t", "2",
                   "--threads", "7",      "--once", "b",  NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.threads, 7);
  ck_assert_str_eq(opts.url_file, "b");
}
END_TEST

START_TEST(test_log_level_names)
{
  struct crawl_options opts;

  parse_flag(&opts, "--log-level", "error");
  ck_assert_int_eq(opts.log_level, LOG_ERR);
  parse_flag(&opts, "--log-level", "warning");
  ck_assert_int_eq(opts.log_level, LOG_WARNING);
  parse_flag(&opts, "--log-level", "info");
  ck_assert_int_eq(opts.log_level, LOG_INFO);
  parse_flag(&opts, "--log-level", "DEBUG");
  ck_assert_int_eq(opts.log_level, LOG_DEBUG);
}
END_TEST

START_TEST(test_log_level_unknown_name_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "--log-level", "loud", NULL };

  assert_parse_error(
      ARGC(argv), argv,
      "--log-level: expected error, warning, info or debug, got 'loud'");
}
END_TEST

START_TEST(test_empty_job_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "--job=", NULL };

  assert_parse_error(ARGC(argv), argv,
                     "--job: the job name must not be empty");
}
END_TEST

START_TEST(test_user_agent_of_255_bytes_accepted)
{
  char agent[256];
  struct crawl_options opts;

  memset(agent, 'u', 255);
  agent[255] = '\0';
  parse_flag(&opts, "--user-agent", agent);
  ck_assert_str_eq(opts.fetch.user_agent, agent);
}
END_TEST

/* Polite by default: robots.txt read, 4 fetches a host, no delay. */
START_TEST(test_politeness_defaults)
{
  struct crawl_options opts;

  options_defaults(&opts);
  ck_assert(opts.robots);
  ck_assert_int_eq(opts.per_host, 4);
  ck_assert_int_eq(opts.host_delay_ms, 0);
  ck_assert_int_eq(opts.politeness_key, POLITENESS_HOST);
  ck_assert_int_eq(opts.robots_cache_s, 86400);
  ck_assert_int_eq(opts.max_crawl_delay_ms, 30000);
  ck_assert_int_eq(opts.max_retry_after_s, 3600);
  ck_assert_int_eq(opts.max_attempts, 3);
}
END_TEST

START_TEST(test_ignore_robots_turns_robots_off)
{
  struct crawl_options opts;
  char *argv[] = { "crawld", "--once", "f", "--ignore-robots", NULL };

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert(!opts.robots);
  parse_flag(&opts, "--robots", "off");
  ck_assert(!opts.robots);
  parse_flag(&opts, "--robots", "on");
  ck_assert(opts.robots);
  assert_parse_error(
      5, (char *[]){ "crawld", "--once", "f", "--robots", "yes", NULL },
      "--robots: expected on or off, got 'yes'");
}
END_TEST

/* The job's own options of --once: stored, checked, and refused by the
 * service, which takes them per job. */
START_TEST(test_job_option_flags)
{
  struct crawl_options opts;
  char *argv[] = { "crawld",  "--once",         "f",      "--depth",
                   "0",       "--scope",        "prefix", "--max-pages",
                   "250",     "--include",      "/docs/", "--exclude",
                   "\\.pdf$", "--record-links", NULL };

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.job_options.depth, 0);
  ck_assert_int_eq(opts.job_options.scope, SCOPE_PREFIX);
  ck_assert_int_eq(opts.job_options.max_pages, 250);
  ck_assert_str_eq(opts.job_options.include, "/docs/");
  ck_assert_str_eq(opts.job_options.exclude, "\\.pdf$");
  ck_assert(opts.job_options.record_links);
  assert_parse_error(
      5, (char *[]){ "crawld", "--once", "f", "--scope", "site", NULL },
      "--scope: expected host, domain or prefix, got 'site'");
  assert_parse_error(
      5, (char *[]){ "crawld", "--once", "f", "--max-pages", "-1", NULL },
      "--max-pages: expected a whole number from 0 to 1000000000000, got "
      "'-1'");
  assert_parse_error_contains(
      5, (char *[]){ "crawld", "--once", "f", "--include", "[a", NULL },
      "--include: not a POSIX extended regular expression: ");
  assert_parse_error(
      5, (char *[]){ "crawld", "--once", "f", "--scope", "domain", NULL },
      "scope: chooses which links are followed, so it needs a depth above 0 "
      "(or record_links)");
  assert_parse_error(
      5, (char *[]){ "crawld", "--once", "f", "--exclude", "x", NULL },
      "exclude: chooses which links are followed, so it needs a depth above "
      "0 (or record_links)");
  assert_parse_error(3, (char *[]){ "crawld", "--depth", "0", NULL },
                     "--depth, --scope, --max-pages, --include, --exclude "
                     "and --record-links are options of --once; a service "
                     "job takes them from crawlctl submit or its options "
                     "(crawld(8))");
}
END_TEST

/* The JSON a spool job carries: typed values, unknown keys refused, and
 * only the keys given written back. */
START_TEST(test_job_options_json)
{
  struct jobopts job;
  char *cause = NULL;
  json_t *in = json_loads(
      "{\"robots\":false,\"scope\":\"domain\",\"max_pages\":7}", 0, NULL);
  json_t *out;
  char *text;

  jobopts_defaults(&job, true);
  ck_assert_int_eq(jobopts_set_json(&job, in, &cause), 0);
  ck_assert(!job.robots);
  ck_assert_int_eq(job.scope, SCOPE_DOMAIN);
  ck_assert_int_eq(job.max_pages, 7);
  out = jobopts_to_json(&job);
  text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
  ck_assert_str_eq(text, "{\"max_pages\":7,\"robots\":false,\"scope\":"
                         "\"domain\"}");
  free(text);
  json_decref(out);
  json_decref(in);
  in = json_loads("{\"depth\":\"2\"}", 0, NULL);
  ck_assert_int_eq(jobopts_set_json(&job, in, &cause), -1);
  ck_assert_str_eq(cause, "depth: expected a JSON integer");
  free(cause);
  json_decref(in);
  in = json_loads("{\"follow\":true}", 0, NULL);
  ck_assert_int_eq(jobopts_set_json(&job, in, &cause), -1);
  ck_assert_str_eq(cause, "unknown job option 'follow'");
  free(cause);
  json_decref(in);
}
END_TEST

START_TEST(test_politeness_flags)
{
  struct crawl_options opts;
  char *argv[] = { "crawld", "--once",
                   "f",      "--per-host",
                   "2",      "--host-delay",
                   "1500",   "--politeness-key",
                   "domain", "--max-crawl-delay",
                   "100",    "--robots-cache",
                   "60",     "--max-retry-after",
                   "5",      "--backoff-base",
                   "20",     NULL };

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.per_host, 2);
  ck_assert_int_eq(opts.host_delay_ms, 1500);
  ck_assert_int_eq(opts.politeness_key, POLITENESS_DOMAIN);
  ck_assert_int_eq(opts.max_crawl_delay_ms, 100);
  ck_assert_int_eq(opts.robots_cache_s, 60);
  ck_assert_int_eq(opts.max_retry_after_s, 5);
  ck_assert_int_eq(opts.backoff_base_ms, 20);
}
END_TEST

START_TEST(test_politeness_bad_values_rejected)
{
  assert_value_rejected("--per-host", "0");
  assert_value_rejected("--per-host", "16385");
  assert_value_rejected("--host-delay", "-1");
  assert_value_rejected("--politeness-key", "url");
  assert_value_rejected("--robots-cache", "0");
  assert_value_rejected("--backoff-base", "0");
}
END_TEST

START_TEST(test_user_agent_of_256_bytes_rejected)
{
  char agent[257];
  char *argv[] = { "crawld", "--once", "f", "--user-agent", agent, NULL };

  memset(agent, 'u', 256);
  agent[256] = '\0';
  assert_parse_error(ARGC(argv), argv,
                     "--user-agent: expected 1 to 255 bytes on one line");
}
END_TEST

START_TEST(test_user_agent_with_newline_rejected)
{
  assert_value_rejected("--user-agent", "bot\r\nX-Evil: 1");
  assert_value_rejected("--user-agent", "bot\n");
}
END_TEST

/* --- --max-body
 * ----------------------------------------------------------------- */

START_TEST(test_max_body_plain_count)
{
  struct crawl_options opts;

  parse_flag(&opts, "--max-body", "1");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 1);
  parse_flag(&opts, "--max-body", "123456789");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 123456789);
}
END_TEST

START_TEST(test_max_body_suffixes)
{
  struct crawl_options opts;

  parse_flag(&opts, "--max-body", "1K");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 1024);
  parse_flag(&opts, "--max-body", "3k");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 3072);
  parse_flag(&opts, "--max-body", "2M");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 2097152);
  parse_flag(&opts, "--max-body", "10m");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 10485760);
  parse_flag(&opts, "--max-body", "3G");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 3221225472LL);
  parse_flag(&opts, "--max-body", "1g");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 1073741824LL);
}
END_TEST

START_TEST(test_max_body_cap_is_one_tebibyte)
{
  struct crawl_options opts;

  parse_flag(&opts, "--max-body", "1024G");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 1099511627776LL);
  parse_flag(&opts, "--max-body", "1099511627776");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 1099511627776LL);
  assert_value_rejected("--max-body", "1025G");
  assert_value_rejected("--max-body", "1048577M");
  assert_value_rejected("--max-body", "1099511627777");
}
END_TEST

START_TEST(test_max_body_bad_forms_rejected)
{
  static const char *const bad[] = { "0",
                                     "-1",
                                     "10X",
                                     "",
                                     "2T",
                                     "K",
                                     "1KB",
                                     "1.5M",
                                     "0K",
                                     "-0",
                                     "99999999999999999999",
                                     "18446744073709551615",
                                     "1 K" };

  for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_value_rejected("--max-body", bad[i]);
}
END_TEST

START_TEST(test_max_body_error_message)
{
  char *argv[] = { "crawld", "--once", "f", "--max-body", "10X", NULL };

  assert_parse_error(ARGC(argv), argv,
                     "--max-body: expected a byte count from 1 to 1T with an "
                     "optional K, M or "
                     "G suffix, got '10X'");
}
END_TEST

/* --- seconds
 * -------------------------------------------------------------------- */

START_TEST(test_timeout_with_fraction)
{
  struct crawl_options opts;

  parse_flag(&opts, "--timeout", "2.5");
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 2500);
  parse_flag(&opts, "--connect-timeout", "0.25");
  ck_assert_int_eq(opts.fetch.connect_timeout_ms, 250);
  parse_flag(&opts, "--timeout", "0.001");
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 1);
  parse_flag(&opts, "--timeout", "86400");
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 86400000);
}
END_TEST

START_TEST(test_timeout_below_one_millisecond_rounds_up)
{
  struct crawl_options opts;

  parse_flag(&opts, "--timeout", "0.0001");
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 1);
}
END_TEST

/* Milliseconds written as seconds must come back as the same
 * milliseconds: 2.007 s is 2007 ms, not 2008 (2.007 * 1000.0 is
 * 2007.0000000000002 in binary floating point). */
START_TEST(test_timeout_with_millisecond_fraction_is_exact)
{
  struct crawl_options opts;

  parse_flag(&opts, "--timeout", "2.007");
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 2007);
  parse_flag(&opts, "--connect-timeout", "4.001");
  ck_assert_int_eq(opts.fetch.connect_timeout_ms, 4001);
}
END_TEST

START_TEST(test_timeout_bad_values_rejected)
{
  static const char *const bad[] = { "0",       "-1",   "abc", "nan",
                                     "1e9",     "inf",  "",    "2s",
                                     "86400.5", "-0.5", "0.0" };

  for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_value_rejected("--timeout", bad[i]);
    assert_value_rejected("--connect-timeout", bad[i]);
  }
}
END_TEST

START_TEST(test_timeout_error_message)
{
  char *argv[] = { "crawld", "--once", "f", "--timeout", "abc", NULL };

  assert_parse_error(ARGC(argv), argv,
                     "--timeout: expected seconds greater than 0 and at most "
                     "86400, got 'abc'");
}
END_TEST

/* --- whole numbers and ranges
 * --------------------------------------------------- */

START_TEST(test_threads_out_of_range_message)
{
  char *argv[] = { "crawld", "--once", "f", "--threads", "300", NULL };

  assert_parse_error(
      ARGC(argv), argv,
      "--threads: expected a whole number from 0 to 256, got '300'");
}
END_TEST

START_TEST(test_range_boundaries_accepted)
{
  struct crawl_options opts;

  parse_flag(&opts, "--threads", "256");
  ck_assert_int_eq(opts.threads, 256);
  parse_flag(&opts, "--inflight", "16384");
  ck_assert_int_eq(opts.inflight, 16384);
  parse_flag(&opts, "--window", "65536");
  ck_assert_int_eq(opts.window, 65536);
  parse_flag(&opts, "--max-redirects", "100");
  ck_assert_int_eq(opts.fetch.max_redirects, 100);
  parse_flag(&opts, "--low-speed-time", "86400");
  ck_assert_int_eq(opts.fetch.low_speed_time_s, 86400);
  parse_flag(&opts, "--worker-id", "2147483647");
  ck_assert_int_eq(opts.worker_id, INT_MAX);
}
END_TEST

START_TEST(test_range_errors_name_the_flag)
{
  assert_value_rejected("--threads", "257");
  assert_value_rejected("--threads", "-1");
  assert_value_rejected("--threads", "4x");
  assert_value_rejected("--threads", "");
  assert_value_rejected("--processes", "257");
  assert_value_rejected("--inflight", "0");
  assert_value_rejected("--inflight", "16385");
  assert_value_rejected("--window", "0");
  assert_value_rejected("--window", "65537");
  assert_value_rejected("--low-speed-limit", "-1");
  assert_value_rejected("--low-speed-time", "0");
  assert_value_rejected("--low-speed-time", "86401");
  assert_value_rejected("--max-redirects", "101");
  assert_value_rejected("--max-redirects", "-1");
  assert_value_rejected("--worker-id", "-1");
  assert_value_rejected("--worker-id", "2147483648");
  assert_value_rejected("--threads", "99999999999999999999999");
}
END_TEST

START_TEST(test_short_flag_range_error_names_long_flag)
{
  char *argv[] = { "crawld", "--once", "f", "-k", "0", NULL };

  assert_parse_error(
      ARGC(argv), argv,
      "--inflight: expected a whole number from 1 to 16384, got '0'");
}
END_TEST

/* --- combinations
 * --------------------------------------------------------------- */

START_TEST(test_without_once_runs_the_daemon)
{
  char *argv[] = { "crawld", "-t", "2", "--state-dir", "/srv/crawl", NULL };
  struct crawl_options opts;
  char *cause = NULL;

  ck_assert_int_eq(options_parse(&opts, ARGC(argv), argv, &cause), 0);
  ck_assert_ptr_null(cause);
  ck_assert_int_eq(opts.mode, MODE_DAEMON);
  ck_assert_int_eq(opts.threads, 2);
  ck_assert_str_eq(opts.state_dir, "/srv/crawl");
  ck_assert_str_eq(opts.runtime_dir, "/run/crawld");
}
END_TEST

START_TEST(test_no_arguments_runs_the_daemon_with_defaults)
{
  char *argv[] = { "crawld", NULL };
  struct crawl_options opts;
  char *cause = NULL;

  ck_assert_int_eq(options_parse(&opts, ARGC(argv), argv, &cause), 0);
  ck_assert_int_eq(opts.mode, MODE_DAEMON);
  ck_assert_str_eq(opts.state_dir, "/var/lib/crawld");
  ck_assert_ptr_null(opts.config);
  ck_assert_int_eq(opts.max_active_jobs, 4);
  ck_assert_int_eq(opts.max_attempts, 3);
  ck_assert_int_eq(opts.shutdown_timeout_ms, 30000);
}
END_TEST

START_TEST(test_set_by_section_and_key)
{
  struct crawl_options opts;
  char *cause = NULL;

  options_defaults(&opts);
  ck_assert_int_eq(options_set(&opts, "workers", "processes", "3", &cause), 0);
  ck_assert_int_eq(options_set(&opts, "fetch", "timeout", "1.5", &cause), 0);
  ck_assert_int_eq(options_set(&opts, "spool", "max_job_size", "2M", &cause),
                   0);
  ck_assert_int_eq(opts.processes, 3);
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 1500);
  ck_assert_int_eq(opts.max_job_bytes, 2 << 20);
  ck_assert_int_eq(options_set(&opts, "workers", "threads", "x", &cause), -1);
  ck_assert_str_eq(cause,
                   "threads: expected a whole number from 0 to 256, got 'x'");
  free(cause);
  ck_assert_int_eq(options_set(&opts, "fetch", "colour", "x", &cause), -1);
  ck_assert_str_eq(cause, "unknown key 'colour' in [fetch]");
  free(cause);
  ck_assert_int_eq(options_set(&opts, "nope", "threads", "1", &cause), -1);
  ck_assert_str_eq(cause, "unknown section [nope]");
  free(cause);
}
END_TEST

START_TEST(test_zero_threads_and_zero_processes_rejected)
{
  char *argv[] = { "crawld", "--once",      "f", "--threads",
                   "0",      "--processes", "0", NULL };

  assert_parse_error(
      ARGC(argv), argv,
      "threads and processes are both 0: at least one worker is needed");
}
END_TEST

START_TEST(test_zero_threads_with_processes_accepted)
{
  char *argv[] = { "crawld", "--once", "f", "-t", "0", "-p", "2", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.threads, 0);
  ck_assert_int_eq(opts.processes, 2);
}
END_TEST

START_TEST(test_too_many_workers_in_all_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "-t", "200", "-p", "57", NULL };

  assert_parse_error(ARGC(argv), argv,
                     "at most 256 workers in all (threads + processes)");
}
END_TEST

START_TEST(test_window_smaller_than_inflight_rejected)
{
  char *argv[] = { "crawld", "--once",   "f", "--inflight",
                   "8",      "--window", "4", NULL };

  assert_parse_error(
      ARGC(argv), argv,
      "window 4 is smaller than inflight 8: workers would idle");
}
END_TEST

START_TEST(test_window_equal_to_inflight_accepted)
{
  char *argv[] = { "crawld", "--once", "f", "-k", "8", "--window", "8", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(options_window(&opts), 8);
}
END_TEST

START_TEST(test_window_default_is_twice_inflight)
{
  struct crawl_options opts;

  parse_flag(&opts, "--inflight", "5");
  ck_assert_int_eq(opts.window, 0);
  ck_assert_int_eq(options_window(&opts), 10);
}
END_TEST

/* --- bad command lines
 * ---------------------------------------------------------- */

START_TEST(test_unknown_long_option_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "--bogus", NULL };

  assert_parse_error(ARGC(argv), argv,
                     "unknown option '--bogus' (try --help)");
}
END_TEST

START_TEST(test_unknown_short_option_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "-x", NULL };

  assert_parse_error(ARGC(argv), argv, "unknown option '-x' (try --help)");
}
END_TEST

/* getopt only steps past "-zV" once it has read its last character, so the
 * unknown 'z' must not be reported as the argument before it. */
START_TEST(test_unknown_short_option_first_in_cluster_is_named)
{
  char *argv[] = { "crawld", "--once", "f", "-zV", NULL };

  assert_parse_error_contains(ARGC(argv), argv, "-z");
}
END_TEST

START_TEST(test_missing_value_of_long_option_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "--threads", NULL };

  assert_parse_error(ARGC(argv), argv, "option '--threads' needs a value");
}
END_TEST

START_TEST(test_missing_value_of_short_option_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "-t", NULL };

  assert_parse_error(ARGC(argv), argv, "option '-t' needs a value");
}
END_TEST

START_TEST(test_missing_value_of_once_rejected)
{
  char *argv[] = { "crawld", "--once", NULL };

  assert_parse_error(ARGC(argv), argv, "option '--once' needs a value");
}
END_TEST

START_TEST(test_stray_argument_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "extra", NULL };

  assert_parse_error(ARGC(argv), argv,
                     "unexpected argument 'extra' (try --help)");
}
END_TEST

START_TEST(test_stray_argument_before_options_rejected)
{
  char *argv[] = { "crawld", "extra", "--once", "f", NULL };

  assert_parse_error(ARGC(argv), argv,
                     "unexpected argument 'extra' (try --help)");
}
END_TEST

START_TEST(test_argument_after_double_dash_rejected)
{
  char *argv[] = { "crawld", "--once", "f", "--", "--threads", NULL };

  assert_parse_error(ARGC(argv), argv,
                     "unexpected argument '--threads' (try --help)");
}
END_TEST

/* --- modes
 * ---------------------------------------------------------------------- */

START_TEST(test_help_mode)
{
  char *argv[] = { "crawld", "--help", NULL };
  char *short_argv[] = { "crawld", "-h", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.mode, MODE_HELP);
  parse_ok(&opts, ARGC(short_argv), short_argv);
  ck_assert_int_eq(opts.mode, MODE_HELP);
}
END_TEST

START_TEST(test_version_mode)
{
  char *argv[] = { "crawld", "--version", NULL };
  char *short_argv[] = { "crawld", "-V", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.mode, MODE_VERSION);
  parse_ok(&opts, ARGC(short_argv), short_argv);
  ck_assert_int_eq(opts.mode, MODE_VERSION);
}
END_TEST

START_TEST(test_help_skips_combination_checks)
{
  char *argv[] = { "crawld", "-t", "0", "-p", "0", "--help", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.mode, MODE_HELP);
}
END_TEST

START_TEST(test_worker_mode_needs_no_once)
{
  char *argv[] = { "crawld", "--worker", "--worker-id", "3", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(argv), argv);
  ck_assert_int_eq(opts.mode, MODE_WORKER);
  ck_assert_int_eq(opts.worker_id, 3);
  ck_assert_ptr_null(opts.url_file);
}
END_TEST

/* --- parsing more than once
 * ----------------------------------------------------- */

START_TEST(test_parse_twice_starts_from_defaults)
{
  char *first[] = { "crawld", "--once",     "a",  "-t",
                    "3",      "--max-body", "1K", NULL };
  char *second[] = { "crawld", "--once", "b", NULL };
  struct crawl_options opts;

  parse_ok(&opts, ARGC(first), first);
  ck_assert_int_eq(opts.threads, 3);
  ck_assert_str_eq(opts.url_file, "a");
  parse_ok(&opts, ARGC(second), second);
  ck_assert_int_eq(opts.threads, default_threads());
  ck_assert_int_eq(opts.fetch.max_body_bytes, 10485760);
  ck_assert_str_eq(opts.url_file, "b");
}
END_TEST

START_TEST(test_parse_after_error_in_short_cluster)
{
  char *first[] = { "crawld", "-Vz", "-t", "2", NULL };
  char *second[] = { "crawld", "-k", "3", "--once", "c", NULL };
  struct crawl_options opts;

  free(parse_fail(ARGC(first), first));
  parse_ok(&opts, ARGC(second), second);
  ck_assert_int_eq(opts.inflight, 3);
  ck_assert_str_eq(opts.url_file, "c");
  ck_assert_int_eq(opts.mode, MODE_ONCE);
}
END_TEST

/* --- worker argv
 * ---------------------------------------------------------------- */

START_TEST(test_worker_argv_is_null_terminated_and_starts_with_exe)
{
  char *argv[] = { "crawld", "--once", "f", NULL };
  struct crawl_options opts;
  char **worker;

  parse_ok(&opts, ARGC(argv), argv);
  worker = options_worker_argv(&opts, "/usr/sbin/crawld", 4);
  ck_assert_ptr_nonnull(worker);
  ck_assert_str_eq(worker[0], "/usr/sbin/crawld");
  ck_assert_str_eq(worker[1], "--worker");
  ck_assert_uint_eq(argv_count(worker), 14);
  ck_assert_ptr_null(worker[14]);
  options_free_argv(worker);
}
END_TEST

START_TEST(test_worker_argv_exact_arguments)
{
  static const char *const expected[] = { "crawld",
                                          "--worker",
                                          "--worker-id=2",
                                          "--inflight=32",
                                          "--connect-timeout=10.000",
                                          "--timeout=30.000",
                                          "--low-speed-limit=100",
                                          "--low-speed-time=10",
                                          "--max-body=10485760",
                                          "--max-redirects=5",
                                          "--user-agent=crawld/0.1.0",
                                          "--cpu-work=0",
                                          "--deny-networks=" NETPOLICY_DEFAULT,
                                          "--log-level=info" };
  char *argv[] = { "crawld", "--once", "f", NULL };
  struct crawl_options opts;
  char **worker;

  parse_ok(&opts, ARGC(argv), argv);
  worker = options_worker_argv(&opts, "crawld", 2);
  ck_assert_ptr_nonnull(worker);
  ck_assert_uint_eq(argv_count(worker),
                    sizeof(expected) / sizeof(expected[0]));
  for(size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
    ck_assert_str_eq(worker[i], expected[i]);
  options_free_argv(worker);
}
END_TEST

START_TEST(test_worker_argv_round_trips_fetch_policy)
{
  char *argv[] = { "crawld",
                   "--once",
                   "f",
                   "-t",
                   "4",
                   "-p",
                   "2",
                   "-k",
                   "7",
                   "--window",
                   "30",
                   "--connect-timeout",
                   "2.5",
                   "--timeout",
                   "45.125",
                   "--low-speed-limit",
                   "0",
                   "--low-speed-time",
                   "20",
                   "--max-body",
                   "3M",
                   "--max-redirects",
                   "9",
                   "--user-agent",
                   "bot/1 (+http://x/) --threads 9 \"q\" 100%",
                   "--log-level",
                   "debug",
                   NULL };
  struct crawl_options opts;
  struct crawl_options worker;
  char **worker_argv;

  parse_ok(&opts, ARGC(argv), argv);
  worker_argv = options_worker_argv(&opts, "/usr/sbin/crawld", 5);
  ck_assert_ptr_nonnull(worker_argv);
  parse_worker_argv(&worker, worker_argv);
  ck_assert_int_eq(worker.mode, MODE_WORKER);
  ck_assert_int_eq(worker.worker_id, 5);
  ck_assert_int_eq(worker.inflight, 7);
  ck_assert_int_eq(worker.log_level, LOG_DEBUG);
  ck_assert_int_eq(worker.fetch.total_timeout_ms, 45125);
  ck_assert_str_eq(worker.fetch.user_agent,
                   "bot/1 (+http://x/) --threads 9 \"q\" 100%");
  assert_same_fetch_policy(&worker.fetch, &opts.fetch);
  options_free_argv(worker_argv);
}
END_TEST

START_TEST(test_worker_argv_round_trips_defaults)
{
  char *argv[] = { "crawld", "--once", "f", NULL };
  struct crawl_options opts;
  struct crawl_options worker;
  char **worker_argv;

  parse_ok(&opts, ARGC(argv), argv);
  worker_argv = options_worker_argv(&opts, "crawld", 0);
  ck_assert_ptr_nonnull(worker_argv);
  parse_worker_argv(&worker, worker_argv);
  ck_assert_int_eq(worker.mode, MODE_WORKER);
  ck_assert_int_eq(worker.worker_id, 0);
  ck_assert_int_eq(worker.inflight, opts.inflight);
  ck_assert_int_eq(worker.log_level, LOG_INFO);
  assert_same_fetch_policy(&worker.fetch, &opts.fetch);
  options_free_argv(worker_argv);
}
END_TEST

START_TEST(test_worker_argv_round_trips_every_log_level)
{
  static const int levels[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
  char *argv[] = { "crawld", "--once", "f", NULL };
  struct crawl_options opts;
  struct crawl_options worker;

  parse_ok(&opts, ARGC(argv), argv);
  for(size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
    char **worker_argv;

    opts.log_level = levels[i];
    worker_argv = options_worker_argv(&opts, "crawld", 1);
    ck_assert_ptr_nonnull(worker_argv);
    parse_worker_argv(&worker, worker_argv);
    ck_assert_int_eq(worker.log_level, levels[i]);
    options_free_argv(worker_argv);
  }
}
END_TEST

/* The supervisor's timeouts are whole milliseconds; the worker must get the
 * very same ones back, 2007 ms included (not 2008). */
START_TEST(test_worker_argv_round_trips_millisecond_timeouts)
{
  char *argv[] = { "crawld", "--once", "f", NULL };
  struct crawl_options opts;
  struct crawl_options worker;
  char **worker_argv;

  parse_ok(&opts, ARGC(argv), argv);
  opts.fetch.connect_timeout_ms = 2007;
  opts.fetch.total_timeout_ms = 4001;
  worker_argv = options_worker_argv(&opts, "crawld", 1);
  ck_assert_ptr_nonnull(worker_argv);
  parse_worker_argv(&worker, worker_argv);
  options_free_argv(worker_argv);
  ck_assert_int_eq(worker.fetch.connect_timeout_ms, 2007);
  ck_assert_int_eq(worker.fetch.total_timeout_ms, 4001);
}
END_TEST

START_TEST(test_free_argv_null_is_safe)
{
  options_free_argv(NULL);
}
END_TEST

static Suite *options_suite(void)
{
  Suite *suite = suite_create("options");
  TCase *defaults = tcase_create("defaults");
  TCase *flags = tcase_create("flags");
  TCase *values = tcase_create("values");
  TCase *combinations = tcase_create("combinations");
  TCase *errors = tcase_create("errors");
  TCase *modes = tcase_create("modes");
  TCase *worker = tcase_create("worker_argv");

  tcase_add_test(defaults, test_defaults);
  tcase_add_test(defaults, test_default_threads_is_online_cpus);
  tcase_add_test(defaults, test_parse_twice_starts_from_defaults);
  tcase_add_test(defaults, test_parse_after_error_in_short_cluster);
  suite_add_tcase(suite, defaults);

  tcase_add_test(flags, test_long_flags_with_separate_values);
  tcase_add_test(flags, test_long_flags_with_equals_values);
  tcase_add_test(flags, test_short_flags_with_separate_values);
  tcase_add_test(flags, test_short_flags_with_attached_values);
  tcase_add_test(flags, test_options_after_url_file_and_in_any_order);
  tcase_add_test(flags, test_last_repeated_flag_wins);
  tcase_add_test(flags, test_log_level_names);
  tcase_add_test(flags, test_log_level_unknown_name_rejected);
  tcase_add_test(flags, test_empty_job_rejected);
  tcase_add_test(flags, test_user_agent_of_255_bytes_accepted);
  tcase_add_test(flags, test_user_agent_of_256_bytes_rejected);
  tcase_add_test(flags, test_politeness_defaults);
  tcase_add_test(flags, test_ignore_robots_turns_robots_off);
  tcase_add_test(flags, test_job_option_flags);
  tcase_add_test(flags, test_job_options_json);
  tcase_add_test(flags, test_politeness_flags);
  tcase_add_test(flags, test_politeness_bad_values_rejected);
  tcase_add_test(flags, test_user_agent_with_newline_rejected);
  suite_add_tcase(suite, flags);

  tcase_add_test(values, test_max_body_plain_count);
  tcase_add_test(values, test_max_body_suffixes);
  tcase_add_test(values, test_max_body_cap_is_one_tebibyte);
  tcase_add_test(values, test_max_body_bad_forms_rejected);
  tcase_add_test(values, test_max_body_error_message);
  tcase_add_test(values, test_timeout_with_fraction);
  tcase_add_test(values, test_timeout_below_one_millisecond_rounds_up);
  tcase_add_test(values, test_timeout_with_millisecond_fraction_is_exact);
  tcase_add_test(values, test_timeout_bad_values_rejected);
  tcase_add_test(values, test_timeout_error_message);
  tcase_add_test(values, test_threads_out_of_range_message);
  tcase_add_test(values, test_range_boundaries_accepted);
  tcase_add_test(values, test_range_errors_name_the_flag);
  tcase_add_test(values, test_short_flag_range_error_names_long_flag);
  suite_add_tcase(suite, values);

  tcase_add_test(combinations, test_without_once_runs_the_daemon);
  tcase_add_test(combinations,
                 test_no_arguments_runs_the_daemon_with_defaults);
  tcase_add_test(combinations, test_set_by_section_and_key);
  tcase_add_test(combinations, test_zero_threads_and_zero_processes_rejected);
  tcase_add_test(combinations, test_zero_threads_with_processes_accepted);
  tcase_add_test(combinations, test_too_many_workers_in_all_rejected);
  tcase_add_test(combinations, test_window_smaller_than_inflight_rejected);
  tcase_add_test(combinations, test_window_equal_to_inflight_accepted);
  tcase_add_test(combinations, test_window_default_is_twice_inflight);
  suite_add_tcase(suite, combinations);

  tcase_add_test(errors, test_unknown_long_option_rejected);
  tcase_add_test(errors, test_unknown_short_option_rejected);
  tcase_add_test(errors, test_unknown_short_option_first_in_cluster_is_named);
  tcase_add_test(errors, test_missing_value_of_long_option_rejected);
  tcase_add_test(errors, test_missing_value_of_short_option_rejected);
  tcase_add_test(errors, test_missing_value_of_once_rejected);
  tcase_add_test(errors, test_stray_argument_rejected);
  tcase_add_test(errors, test_stray_argument_before_options_rejected);
  tcase_add_test(errors, test_argument_after_double_dash_rejected);
  suite_add_tcase(suite, errors);

  tcase_add_test(modes, test_help_mode);
  tcase_add_test(modes, test_version_mode);
  tcase_add_test(modes, test_help_skips_combination_checks);
  tcase_add_test(modes, test_worker_mode_needs_no_once);
  suite_add_tcase(suite, modes);

  tcase_add_test(worker,
                 test_worker_argv_is_null_terminated_and_starts_with_exe);
  tcase_add_test(worker, test_worker_argv_exact_arguments);
  tcase_add_test(worker, test_worker_argv_round_trips_fetch_policy);
  tcase_add_test(worker, test_worker_argv_round_trips_defaults);
  tcase_add_test(worker, test_worker_argv_round_trips_every_log_level);
  tcase_add_test(worker, test_worker_argv_round_trips_millisecond_timeouts);
  tcase_add_test(worker, test_free_argv_null_is_safe);
  suite_add_tcase(suite, worker);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(options_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
