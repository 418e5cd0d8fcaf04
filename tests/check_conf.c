/* check_conf.c - unit tests for the settings file (src/conf.c) and for the
 * shipped conf/crawld.conf; the syntax tested is the one crawld.conf(5)
 * describes.
 *
 * Every test writes its file into a private directory that an unchecked
 * fixture makes before the tests of a case run and removes, with whatever is
 * left in it, after they all ran: the tests run in forked children, so a
 * failing one cannot clean up after itself. Messages are copied out of the
 * malloc'd cause before anything is asserted on them, so a failure leaks
 * nothing. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <check.h>
#include <ini.h>

#include "conf.h"
#include "options.h"

/* The file every test writes, in the directory of the fixture. */
/* Room for any file name under test_dir, and for any message about it. */
#define PATH_SIZE (PATH_MAX + 64)
#define CAUSE_SIZE (PATH_SIZE + 512)

static char test_dir[PATH_MAX];
static char conf_path[PATH_SIZE];

/* The longest line conf_load takes, counting its line ending. */
#define LINE_LIMIT 199

/* Every key of the file, with a value that is not its default (threads 0:
 * the default is at least 1). */
static const struct {
  const char *section;
  const char *key;
  const char *value;
} every_key[] = {
  { "daemon", "state_dir", "/srv/crawl/state" },
  { "daemon", "runtime_dir", "/srv/crawl/run" },
  { "daemon", "log_level", "debug" },
  { "daemon", "shutdown_timeout", "2.5" },
  { "workers", "threads", "0" },
  { "workers", "processes", "3" },
  { "workers", "inflight", "5" },
  { "workers", "window", "11" },
  { "workers", "max_attempts", "7" },
  { "workers", "respawn_backoff_min", "0.25" },
  { "workers", "respawn_backoff_max", "90" },
  { "fetch", "connect_timeout", "1.5" },
  { "fetch", "timeout", "45" },
  { "fetch", "low_speed_limit", "0" },
  { "fetch", "low_speed_time", "20" },
  { "fetch", "max_body", "2M" },
  { "fetch", "max_redirects", "0" },
  { "fetch", "user_agent", "TestBot/2.0 (+https://example.org/bot)" },
  { "fetch", "cpu_work", "7" },
  { "fetch", "deny_networks", "10.0.0.0/8 fd00::/8" },
  { "politeness", "robots", "off" },
  { "politeness", "robots_cache_s", "600" },
  { "politeness", "max_crawl_delay_ms", "2500" },
  { "politeness", "per_host", "9" },
  { "politeness", "host_delay_ms", "250" },
  { "politeness", "politeness_key", "domain" },
  { "politeness", "max_retry_after_s", "120" },
  { "politeness", "backoff_base_ms", "40" },
  { "spool", "max_active_jobs", "16" },
  { "spool", "max_job_size", "512K" },
  { "spool", "rescan_interval", "0.5" },
  { "spool", "sync_records", "50" },
  { "spool", "sync_interval", "0.05" },
};

#define KEY_COUNT (sizeof(every_key) / sizeof(every_key[0]))

static int remove_entry(const char *path, const struct stat *status, int type,
                        struct FTW *walk)
{
  (void)status;
  (void)type;
  (void)walk;
  if(remove(path) != 0)
    fprintf(stderr, "check_conf: cannot remove %s: %s\n", path,
            strerror(errno));
  return 0;
}

static void make_test_dir(void)
{
  const char *tmp = getenv("TMPDIR");

  if(tmp == NULL || tmp[0] == '\0')
    tmp = "/tmp";
  snprintf(test_dir, sizeof(test_dir), "%s/check_conf.XXXXXX", tmp);
  ck_assert_msg(mkdtemp(test_dir) != NULL, "mkdtemp %s: %s", test_dir,
                strerror(errno));
  snprintf(conf_path, sizeof(conf_path), "%s/crawld.conf", test_dir);
}

/* Depth first, so the directory is empty by the time it is removed. */
static void remove_test_dir(void)
{
  if(test_dir[0] != '\0')
    nftw(test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  test_dir[0] = '\0';
}

/* Writes len bytes as the file at path. */
static void write_bytes(const char *path, const char *bytes, size_t len)
{
  FILE *file = fopen(path, "wb");

  ck_assert_msg(file != NULL, "cannot create %s: %s", path, strerror(errno));
  ck_assert_uint_eq(fwrite(bytes, 1, len, file), len);
  ck_assert_int_eq(fclose(file), 0);
}

static void write_conf(const char *text)
{
  write_bytes(conf_path, text, strlen(text));
}

/* Reads a whole file into a malloc'd string. */
static char *read_file(const char *path)
{
  FILE *file = fopen(path, "rb");
  char *text;
  long size;

  ck_assert_msg(file != NULL, "cannot open %s: %s", path, strerror(errno));
  ck_assert_int_eq(fseek(file, 0, SEEK_END), 0);
  size = ftell(file);
  ck_assert_int_ge(size, 0);
  rewind(file);
  text = malloc((size_t)size + 1);
  ck_assert_ptr_nonnull(text);
  ck_assert_uint_eq(fread(text, 1, (size_t)size, file), (size_t)size);
  text[size] = '\0';
  fclose(file);
  return text;
}

/* The shipped file, wherever the build runs the test from. */
static void shipped_path(char *path, size_t size)
{
  const char *srcdir = getenv("srcdir");

  if(srcdir == NULL || srcdir[0] == '\0')
    srcdir = ".";
  snprintf(path, size, "%s/conf/crawld.conf", srcdir);
}

/* Loads path over opts; it must be accepted. */
static void load_ok(const char *path, struct crawl_options *opts)
{
  char *cause = NULL;
  int rc = conf_load(path, false, opts, &cause);
  char message[CAUSE_SIZE];

  snprintf(message, sizeof(message), "%s", cause != NULL ? cause : "(null)");
  free(cause);
  ck_assert_msg(rc == 0, "conf_load %s failed: %s", path, message);
  ck_assert_msg(strcmp(message, "(null)") == 0,
                "conf_load returned 0 with a cause: %s", message);
}

/* Writes text and loads it over the defaults; it must be accepted. */
static void load_text(const char *text, struct crawl_options *opts)
{
  options_defaults(opts);
  write_conf(text);
  load_ok(conf_path, opts);
}

/* Loads path over the defaults; it must be refused with a message, which is
 * copied into buf. */
static void load_fail_into(const char *path, bool missing_ok, char *buf,
                           size_t size)
{
  struct crawl_options opts;
  char *cause = NULL;
  int rc;

  options_defaults(&opts);
  rc = conf_load(path, missing_ok, &opts, &cause);
  snprintf(buf, size, "%s", cause != NULL ? cause : "");
  free(cause);
  ck_assert_msg(rc == -1, "conf_load returned %d, not -1 (cause '%s')", rc,
                buf);
  ck_assert_msg(buf[0] != '\0', "conf_load returned -1 without a cause");
}

/* Writes len bytes and loads them; they must be refused with exactly
 * conf_path followed by after ("PATH" + ":3: message"). */
static void assert_bytes_error(const char *bytes, size_t len,
                               const char *after)
{
  char cause[CAUSE_SIZE];
  char expected[CAUSE_SIZE];

  write_bytes(conf_path, bytes, len);
  load_fail_into(conf_path, false, cause, sizeof(cause));
  snprintf(expected, sizeof(expected), "%s%s", conf_path, after);
  ck_assert_str_eq(cause, expected);
}

static void assert_load_error(const char *text, const char *after)
{
  assert_bytes_error(text, strlen(text), after);
}

/* Writes len bytes of a file that sets user_agent and loads them; they must
 * be refused with a message that names conf_path and line, whatever it says
 * after that. If they are accepted, the failure shows the user_agent that
 * came out. */
static void assert_user_agent_error_on_line(const char *bytes, size_t len,
                                            int line)
{
  struct crawl_options opts;
  char *cause = NULL;
  char message[CAUSE_SIZE];
  char prefix[CAUSE_SIZE];
  int rc;

  write_bytes(conf_path, bytes, len);
  options_defaults(&opts);
  rc = conf_load(conf_path, false, &opts, &cause);
  snprintf(message, sizeof(message), "%s", cause != NULL ? cause : "");
  free(cause);
  ck_assert_msg(rc == -1, "conf_load accepted it; user_agent is '%s'",
                opts.fetch.user_agent);
  snprintf(prefix, sizeof(prefix), "%s:%d: ", conf_path, line);
  ck_assert_msg(strncmp(message, prefix, strlen(prefix)) == 0,
                "'%s' does not start with '%s'", message, prefix);
}

/* Every field, so that a failure names the one that differs. */
static void assert_options_eq(const struct crawl_options *got,
                              const struct crawl_options *want)
{
  ck_assert_int_eq(got->mode, want->mode);
  ck_assert_pstr_eq(got->url_file, want->url_file);
  ck_assert_pstr_eq(got->output, want->output);
  ck_assert_pstr_eq(got->job, want->job);
  ck_assert_pstr_eq(got->config, want->config);
  ck_assert_int_eq(got->worker_id, want->worker_id);
  ck_assert_str_eq(got->state_dir, want->state_dir);
  ck_assert_str_eq(got->runtime_dir, want->runtime_dir);
  ck_assert_int_eq(got->log_level, want->log_level);
  ck_assert_int_eq(got->shutdown_timeout_ms, want->shutdown_timeout_ms);
  ck_assert_int_eq(got->threads, want->threads);
  ck_assert_int_eq(got->processes, want->processes);
  ck_assert_int_eq(got->inflight, want->inflight);
  ck_assert_int_eq(got->window, want->window);
  ck_assert_int_eq(got->max_attempts, want->max_attempts);
  ck_assert_int_eq(got->respawn_min_ms, want->respawn_min_ms);
  ck_assert_int_eq(got->respawn_max_ms, want->respawn_max_ms);
  ck_assert_int_eq(got->fetch.connect_timeout_ms,
                   want->fetch.connect_timeout_ms);
  ck_assert_int_eq(got->fetch.total_timeout_ms, want->fetch.total_timeout_ms);
  ck_assert_int_eq(got->fetch.low_speed_limit, want->fetch.low_speed_limit);
  ck_assert_int_eq(got->fetch.low_speed_time_s, want->fetch.low_speed_time_s);
  ck_assert_int_eq(got->fetch.max_body_bytes, want->fetch.max_body_bytes);
  ck_assert_int_eq(got->fetch.max_redirects, want->fetch.max_redirects);
  ck_assert_str_eq(got->fetch.user_agent, want->fetch.user_agent);
  ck_assert_int_eq(got->fetch.cpu_work, want->fetch.cpu_work);
  ck_assert_str_eq(got->fetch.deny_networks, want->fetch.deny_networks);
  ck_assert_int_eq(got->robots, want->robots);
  ck_assert_int_eq(got->robots_cache_s, want->robots_cache_s);
  ck_assert_int_eq(got->max_crawl_delay_ms, want->max_crawl_delay_ms);
  ck_assert_int_eq(got->per_host, want->per_host);
  ck_assert_int_eq(got->host_delay_ms, want->host_delay_ms);
  ck_assert_int_eq(got->politeness_key, want->politeness_key);
  ck_assert_int_eq(got->max_retry_after_s, want->max_retry_after_s);
  ck_assert_int_eq(got->backoff_base_ms, want->backoff_base_ms);
  ck_assert_int_eq(got->max_active_jobs, want->max_active_jobs);
  ck_assert_int_eq(got->max_job_bytes, want->max_job_bytes);
  ck_assert_int_eq(got->rescan_interval_ms, want->rescan_interval_ms);
  ck_assert_int_eq(got->sync_records, want->sync_records);
  ck_assert_int_eq(got->sync_interval_ms, want->sync_interval_ms);
}

/* The options as every_key sets them over the defaults. */
static void every_key_options(struct crawl_options *want)
{
  options_defaults(want);
  snprintf(want->state_dir, sizeof(want->state_dir), "/srv/crawl/state");
  snprintf(want->runtime_dir, sizeof(want->runtime_dir), "/srv/crawl/run");
  want->log_level = LOG_DEBUG;
  want->shutdown_timeout_ms = 2500;
  want->threads = 0;
  want->processes = 3;
  want->inflight = 5;
  want->window = 11;
  want->max_attempts = 7;
  want->respawn_min_ms = 250;
  want->respawn_max_ms = 90000;
  want->fetch.connect_timeout_ms = 1500;
  want->fetch.total_timeout_ms = 45000;
  want->fetch.low_speed_limit = 0;
  want->fetch.low_speed_time_s = 20;
  want->fetch.max_body_bytes = 2 << 20;
  want->fetch.max_redirects = 0;
  snprintf(want->fetch.user_agent, sizeof(want->fetch.user_agent),
           "TestBot/2.0 (+https://example.org/bot)");
  want->fetch.cpu_work = 7;
  snprintf(want->fetch.deny_networks, sizeof(want->fetch.deny_networks),
           "10.0.0.0/8 fd00::/8");
  want->robots = false;
  want->robots_cache_s = 600;
  want->max_crawl_delay_ms = 2500;
  want->per_host = 9;
  want->host_delay_ms = 250;
  want->politeness_key = POLITENESS_DOMAIN;
  want->max_retry_after_s = 120;
  want->backoff_base_ms = 40;
  want->max_active_jobs = 16;
  want->max_job_bytes = 512 << 10;
  want->rescan_interval_ms = 500;
  want->sync_records = 50;
  want->sync_interval_ms = 50;
}

/* A file that sets every key of every_key, each section once. */
static void every_key_text(char *text, size_t size)
{
  const char *section = "";
  size_t used = 0;

  text[0] = '\0';
  for(size_t i = 0; i < KEY_COUNT; i++) {
    if(strcmp(every_key[i].section, section) != 0) {
      section = every_key[i].section;
      used += (size_t)snprintf(text + used, size - used, "[%s]\n", section);
      ck_assert_uint_lt(used, size);
    }
    used += (size_t)snprintf(text + used, size - used, "%s = %s\n",
                             every_key[i].key, every_key[i].value);
    ck_assert_uint_lt(used, size);
  }
}

/* "[fetch]\n" and a user_agent line of exactly length bytes, then ending. */
static void long_line_text(char *text, size_t size, size_t length,
                           const char *ending)
{
  static const char start[] = "[fetch]\nuser_agent = ";
  size_t key_bytes = strlen("user_agent = ");

  ck_assert_uint_gt(length, key_bytes);
  ck_assert_uint_lt(strlen(start) + length - key_bytes + strlen(ending), size);
  memcpy(text, start, strlen(start));
  memset(text + strlen(start), 'a', length - key_bytes);
  snprintf(text + strlen(start) + length - key_bytes,
           size - strlen(start) - (length - key_bytes), "%s", ending);
}

/* The shipped file with its commented-out keys (";key = value") turned on. */
static char *shipped_text_uncommented(void)
{
  char path[PATH_MAX];
  char *text;
  char *out;
  size_t used = 0;

  shipped_path(path, sizeof(path));
  text = read_file(path);
  out = malloc(strlen(text) + 1);
  ck_assert_ptr_nonnull(out);
  for(const char *line = text; *line != '\0';) {
    const char *end = strchr(line, '\n');
    size_t len = end != NULL ? (size_t)(end - line) + 1 : strlen(line);

    /* A key starts with a lowercase letter, an explanation with a space. */
    if(line[0] == ';' && islower((unsigned char)line[1])) {
      line++;
      len--;
    }
    memcpy(out + used, line, len);
    used += len;
    line += len;
  }
  out[used] = '\0';
  free(text);
  return out;
}

struct key_count {
  unsigned seen[KEY_COUNT];
  unsigned unknown;
};

static int count_key(void *user, const char *section, const char *key,
                     const char *value)
{
  struct key_count *count = user;

  (void)value;
  for(size_t i = 0; i < KEY_COUNT; i++) {
    if(strcmp(every_key[i].section, section) == 0 &&
       strcmp(every_key[i].key, key) == 0) {
      count->seen[i]++;
      return 1;
    }
  }
  count->unknown++;
  return 1;
}

/* ---- the shipped file ---- */

START_TEST(test_shipped_file_loads_as_the_defaults)
{
  struct crawl_options opts;
  struct crawl_options want;
  char path[PATH_MAX];

  shipped_path(path, sizeof(path));
  options_defaults(&opts);
  options_defaults(&want);
  load_ok(path, &opts);
  assert_options_eq(&opts, &want);
  /* Both were zeroed by options_defaults, padding included. */
  ck_assert_mem_eq(&opts, &want, sizeof(opts));
}
END_TEST

START_TEST(test_shipped_file_lists_every_key_once_in_its_section)
{
  struct key_count count = { { 0 }, 0 };
  char *text = shipped_text_uncommented();
  int rc = ini_parse_string(text, count_key, &count);

  free(text);
  ck_assert_int_eq(rc, 0);
  ck_assert_uint_eq(count.unknown, 0);
  for(size_t i = 0; i < KEY_COUNT; i++)
    ck_assert_msg(count.seen[i] == 1, "[%s] %s is shown %u times, not once",
                  every_key[i].section, every_key[i].key, count.seen[i]);
}
END_TEST

/* Turned on, the commented-out values give the defaults, but for threads,
 * whose default depends on the machine (the file shows 4 as an example),
 * and window, whose default is "twice inflight" (64 as the file says). */
START_TEST(test_shipped_file_shows_the_default_values)
{
  struct crawl_options opts;
  struct crawl_options want;
  char *text = shipped_text_uncommented();

  options_defaults(&want);
  ck_assert_int_eq(options_window(&want), 64);
  want.threads = 4;
  want.window = 64;
  load_text(text, &opts);
  free(text);
  assert_options_eq(&opts, &want);
}
END_TEST

/* ---- values ---- */

START_TEST(test_every_key_takes_its_value)
{
  struct crawl_options opts;
  struct crawl_options want;
  char text[4096];

  every_key_text(text, sizeof(text));
  every_key_options(&want);
  load_text(text, &opts);
  assert_options_eq(&opts, &want);
}
END_TEST

START_TEST(test_keys_not_in_the_file_keep_their_values)
{
  struct crawl_options opts;
  struct crawl_options want;

  every_key_options(&want);
  memcpy(&opts, &want, sizeof(opts));
  want.inflight = 9;
  write_conf("[workers]\ninflight = 9\n");
  load_ok(conf_path, &opts);
  assert_options_eq(&opts, &want);
}
END_TEST

START_TEST(test_later_value_of_a_key_wins)
{
  struct crawl_options opts;

  load_text("[workers]\nthreads = 3\nthreads = 5\n", &opts);
  ck_assert_int_eq(opts.threads, 5);
}
END_TEST

START_TEST(test_section_may_appear_twice)
{
  struct crawl_options opts;

  load_text("[workers]\nthreads = 3\n[fetch]\ntimeout = 5\n"
            "[workers]\nprocesses = 2\n",
            &opts);
  ck_assert_int_eq(opts.threads, 3);
  ck_assert_int_eq(opts.processes, 2);
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 5000);
}
END_TEST

START_TEST(test_value_is_taken_literally)
{
  struct crawl_options opts;

  load_text("[fetch]\nuser_agent = \"Bot\" a=b c:d\n", &opts);
  ck_assert_str_eq(opts.fetch.user_agent, "\"Bot\" a=b c:d");
}
END_TEST

/* ---- syntax ---- */

START_TEST(test_empty_file_changes_nothing)
{
  struct crawl_options opts;
  struct crawl_options before;

  every_key_options(&opts);
  memcpy(&before, &opts, sizeof(opts));
  write_conf("");
  load_ok(conf_path, &opts);
  ck_assert_mem_eq(&opts, &before, sizeof(opts));
}
END_TEST

START_TEST(test_comments_and_blank_lines_change_nothing)
{
  struct crawl_options opts;
  struct crawl_options before;

  options_defaults(&opts);
  memcpy(&before, &opts, sizeof(opts));
  write_conf("; a comment\n# another\n\n   \n\t; indented\n[fetch]\n"
             ";timeout = 5\n#user_agent = x\n\n");
  load_ok(conf_path, &opts);
  ck_assert_mem_eq(&opts, &before, sizeof(opts));
}
END_TEST

START_TEST(test_semicolon_after_whitespace_starts_a_comment)
{
  struct crawl_options opts;

  load_text("[fetch] ; the fetch policy\nuser_agent = Bot ; a comment\n"
            "timeout = 5\t; seconds\n",
            &opts);
  ck_assert_str_eq(opts.fetch.user_agent, "Bot");
  ck_assert_int_eq(opts.fetch.total_timeout_ms, 5000);
}
END_TEST

START_TEST(test_semicolon_inside_a_word_and_inline_hash_are_kept)
{
  struct crawl_options opts;

  load_text("[fetch]\nuser_agent = Bot (compatible;x) #1\n", &opts);
  ck_assert_str_eq(opts.fetch.user_agent, "Bot (compatible;x) #1");
}
END_TEST

START_TEST(test_spaces_around_equals_are_optional)
{
  struct crawl_options opts;

  load_text("[workers]\nthreads=3\nprocesses   =   2  \ninflight\t=\t7\t\n"
            "[fetch]\nuser_agent =  two  words  \n",
            &opts);
  ck_assert_int_eq(opts.threads, 3);
  ck_assert_int_eq(opts.processes, 2);
  ck_assert_int_eq(opts.inflight, 7);
  ck_assert_str_eq(opts.fetch.user_agent, "two  words");
}
END_TEST

START_TEST(test_colon_separates_key_and_value)
{
  struct crawl_options opts;

  load_text("[workers]\nthreads: 3\n", &opts);
  ck_assert_int_eq(opts.threads, 3);
}
END_TEST

START_TEST(test_utf8_bom_at_start_is_skipped)
{
  struct crawl_options opts;

  load_text("\xef\xbb\xbf[fetch]\nuser_agent = Bot\n", &opts);
  ck_assert_str_eq(opts.fetch.user_agent, "Bot");
}
END_TEST

START_TEST(test_crlf_line_endings_load_without_carriage_returns)
{
  struct crawl_options opts;

  load_text("; comment\r\n\r\n[daemon]\r\nstate_dir = /srv/state\r\n"
            "log_level = debug\r\n[workers]\r\nthreads = 3 ; inline\r\n"
            "[fetch]\r\nuser_agent = Bot 1.0\r\nmax_body = 1M\r\n",
            &opts);
  ck_assert_str_eq(opts.state_dir, "/srv/state");
  ck_assert_int_eq(opts.log_level, LOG_DEBUG);
  ck_assert_int_eq(opts.threads, 3);
  ck_assert_str_eq(opts.fetch.user_agent, "Bot 1.0");
  ck_assert_int_eq(opts.fetch.max_body_bytes, 1 << 20);
}
END_TEST

START_TEST(test_keys_are_case_sensitive)
{
  assert_load_error("[workers]\nThreads = 3\n",
                    ":2: unknown key 'Threads' in [workers]");
}
END_TEST

START_TEST(test_sections_are_case_sensitive)
{
  assert_load_error("[Workers]\nthreads = 3\n",
                    ":2: unknown section [Workers]");
}
END_TEST

/* inih would hand an indented line after a key to the same key, as more
 * of its value; no setting spans lines, so it is refused. */
START_TEST(test_indented_line_is_refused)
{
  assert_load_error("[workers]\nthreads = 3\n  processes = 2\n",
                    ":3: indented line (a value must fit on its key's line)");
}
END_TEST

START_TEST(test_indented_comment_and_blank_lines_load)
{
  struct crawl_options opts;

  load_text("[workers]\nthreads = 3\n  ; note\n\t\n  # more\n", &opts);
  ck_assert_int_eq(opts.threads, 3);
}
END_TEST

/* No setting holds more than one line, so a continuation line cannot be
 * part of a value; taking it as the whole value instead (user_agent "v2")
 * silently drops what the key line said. */
START_TEST(test_continuation_line_does_not_replace_the_value)
{
  static const char text[] = "[fetch]\nuser_agent = Bot\n  v2\n";

  assert_user_agent_error_on_line(text, strlen(text), 3);
}
END_TEST

/* ---- line length ---- */

START_TEST(test_line_of_198_bytes_and_newline_loads)
{
  struct crawl_options opts;
  char text[512];

  long_line_text(text, sizeof(text), LINE_LIMIT - 1, "\n");
  load_text(text, &opts);
  ck_assert_uint_eq(strlen(opts.fetch.user_agent),
                    LINE_LIMIT - 1 - strlen("user_agent = "));
}
END_TEST

START_TEST(test_line_of_199_bytes_and_newline_is_too_long)
{
  char text[512];

  long_line_text(text, sizeof(text), LINE_LIMIT, "\n");
  assert_load_error(text, ":2: line too long (the limit is 199 bytes)");
}
END_TEST

START_TEST(test_carriage_return_counts_toward_the_limit)
{
  struct crawl_options opts;
  char text[512];

  long_line_text(text, sizeof(text), LINE_LIMIT - 2, "\r\n");
  load_text(text, &opts);
  long_line_text(text, sizeof(text), LINE_LIMIT - 1, "\r\n");
  assert_load_error(text, ":2: line too long (the limit is 199 bytes)");
}
END_TEST

/* With no line ending to count, the last line of a file may have all 199
 * bytes. */
START_TEST(test_last_line_of_199_bytes_without_newline_loads)
{
  struct crawl_options opts;
  char text[512];

  long_line_text(text, sizeof(text), LINE_LIMIT, "");
  load_text(text, &opts);
  ck_assert_uint_eq(strlen(opts.fetch.user_agent),
                    LINE_LIMIT - strlen("user_agent = "));
}
END_TEST

START_TEST(test_line_of_300_bytes_is_too_long)
{
  char text[512];

  long_line_text(text, sizeof(text), 300, "\n[workers]\nthreads = 2\n");
  assert_load_error(text, ":2: line too long (the limit is 199 bytes)");
}
END_TEST

START_TEST(test_long_comment_line_is_too_long)
{
  char text[512];

  snprintf(text, sizeof(text), "[fetch]\ntimeout = 5\n;%0299d\n", 0);
  assert_load_error(text, ":3: line too long (the limit is 199 bytes)");
}
END_TEST

/* A NUL byte would end the line early for inih and cut a value short. */
START_TEST(test_nul_byte_in_a_line_is_refused)
{
  static const char text[] = "[fetch]\nuser_agent = Bot\0Other\ntimeout = 5\n";

  assert_user_agent_error_on_line(text, sizeof(text) - 1, 2);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_unknown_key_names_file_and_line)
{
  assert_load_error("[fetch]\ntimeout = 5\ncolour = blue\n",
                    ":3: unknown key 'colour' in [fetch]");
}
END_TEST

/* A section is looked up when a key in it is read, so the line named is
 * that of its first key. */
START_TEST(test_unknown_section_names_the_line_of_its_first_key)
{
  assert_load_error("[daemon]\nlog_level = info\n[colours]\n; none\n"
                    "red = 1\n",
                    ":5: unknown section [colours]");
}
END_TEST

START_TEST(test_key_before_any_section_is_refused)
{
  assert_load_error("threads = 3\n[workers]\n", ":1: unknown section []");
}
END_TEST

START_TEST(test_bad_number_gives_the_message_of_the_setting)
{
  assert_load_error("[workers]\nthreads = many\n",
                    ":2: threads: expected a whole number from 0 to 256, "
                    "got 'many'");
}
END_TEST

START_TEST(test_number_out_of_range_is_refused)
{
  assert_load_error("[workers]\n\ninflight = 16385\n",
                    ":3: inflight: expected a whole number from 1 to 16384, "
                    "got '16385'");
}
END_TEST

START_TEST(test_whole_seconds_key_refuses_a_fraction)
{
  assert_load_error("[fetch]\nlow_speed_time = 2.5\n",
                    ":2: low_speed_time: expected a whole number from 1 to "
                    "86400, got '2.5'");
}
END_TEST

START_TEST(test_bad_seconds_are_refused)
{
  assert_load_error("[spool]\nsync_interval = 0\n",
                    ":2: sync_interval: expected seconds greater than 0 and "
                    "at most 86400, got '0'");
}
END_TEST

START_TEST(test_bad_size_is_refused)
{
  assert_load_error("[fetch]\nmax_body = 10MB\n",
                    ":2: max_body: expected a byte count from 1 to 1T with an "
                    "optional K, M or G suffix, got '10MB'");
}
END_TEST

START_TEST(test_bad_log_level_is_refused)
{
  assert_load_error("[daemon]\nlog_level = loud\n",
                    ":2: log_level: expected error, warning, info or debug, "
                    "got 'loud'");
}
END_TEST

START_TEST(test_empty_value_is_refused)
{
  assert_load_error("[fetch]\nuser_agent =\n",
                    ":2: user_agent: expected 1 to 255 bytes on one line");
}
END_TEST

START_TEST(test_line_without_equals_is_a_syntax_error)
{
  assert_load_error("[fetch]\ntimeout = 5\n\nuser_agent Bot\n",
                    ":4: expected [section], key = value, or a comment");
}
END_TEST

START_TEST(test_unclosed_section_header_is_a_syntax_error)
{
  assert_load_error("; settings\n[fetch\ntimeout = 5\n",
                    ":2: expected [section], key = value, or a comment");
}
END_TEST

START_TEST(test_line_numbers_count_every_line)
{
  assert_load_error("; comment\n\n# comment\n[workers]\nthreads = 3\n"
                    "\t; indented comment\n\nprocesses = x\n",
                    ":8: processes: expected a whole number from 0 to 256, "
                    "got 'x'");
}
END_TEST

/* Two errors, on lines 2 and 5, of every kind in both orders; "<long>"
 * stands for a 300-byte comment line. */
static const struct {
  const char *text;
  const char *error;
} two_errors[] = {
  { "[workers]\nthreads = many\n\n;\nbroken\n",
    ":2: threads: expected a whole number from 0 to 256, got 'many'" },
  { "[workers]\nbroken\n\n;\nthreads = many\n",
    ":2: expected [section], key = value, or a comment" },
  { "[workers]\n<long>\n\n;\nthreads = many\n",
    ":2: line too long (the limit is 199 bytes)" },
  { "[workers]\nthreads = many\n\n;\n<long>\n",
    ":2: threads: expected a whole number from 0 to 256, got 'many'" },
  { "[workers]\nbroken\n\n;\n<long>\n",
    ":2: expected [section], key = value, or a comment" },
  { "[workers]\n<long>\n\n;\nbroken\n",
    ":2: line too long (the limit is 199 bytes)" },
  { "[workers]\ncolour = red\n[colours]\n;\nred = 1\n",
    ":2: unknown key 'colour' in [workers]" },
};

START_TEST(test_first_of_several_errors_is_reported)
{
  const char *text = two_errors[_i].text;
  const char *marker = strstr(text, "<long>");
  char expanded[1024];

  if(marker == NULL) {
    assert_load_error(text, two_errors[_i].error);
    return;
  }
  snprintf(expanded, sizeof(expanded), "%.*s;%0299d%s", (int)(marker - text),
           text, 0, marker + strlen("<long>"));
  assert_load_error(expanded, two_errors[_i].error);
}
END_TEST

/* ---- opening the file ---- */

START_TEST(test_missing_file_with_missing_ok_changes_nothing)
{
  struct crawl_options opts;
  struct crawl_options before;
  char path[PATH_SIZE];
  char *cause = NULL;
  bool had_cause;
  int rc;

  snprintf(path, sizeof(path), "%s/missing.conf", test_dir);
  every_key_options(&opts);
  memcpy(&before, &opts, sizeof(opts));
  rc = conf_load(path, true, &opts, &cause);
  had_cause = cause != NULL;
  free(cause);
  ck_assert_int_eq(rc, 0);
  ck_assert(!had_cause);
  ck_assert_mem_eq(&opts, &before, sizeof(opts));
}
END_TEST

START_TEST(test_missing_file_without_missing_ok_is_an_error)
{
  char path[PATH_SIZE];
  char cause[CAUSE_SIZE];
  char expected[CAUSE_SIZE];

  snprintf(path, sizeof(path), "%s/missing.conf", test_dir);
  load_fail_into(path, false, cause, sizeof(cause));
  snprintf(expected, sizeof(expected), "%s: No such file or directory", path);
  ck_assert_str_eq(cause, expected);
}
END_TEST

/* missing_ok is for a file that is not there, not for a path that cannot
 * work: here a component of it is a file. */
START_TEST(test_missing_ok_does_not_hide_other_open_errors)
{
  char path[PATH_SIZE];
  char cause[CAUSE_SIZE];
  char expected[CAUSE_SIZE];

  write_conf("");
  snprintf(path, sizeof(path), "%s/crawld.conf/crawld.conf", test_dir);
  load_fail_into(path, true, cause, sizeof(cause));
  snprintf(expected, sizeof(expected), "%s: Not a directory", path);
  ck_assert_str_eq(cause, expected);
}
END_TEST

/* fopen() opens a directory for reading; only reading it fails. That must
 * not pass for an empty file and start crawld on its defaults. */
START_TEST(test_directory_is_refused)
{
  char path[PATH_SIZE];
  char cause[CAUSE_SIZE];
  char prefix[CAUSE_SIZE];

  snprintf(path, sizeof(path), "%s/crawld.conf.d", test_dir);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  load_fail_into(path, true, cause, sizeof(cause));
  snprintf(prefix, sizeof(prefix), "%s: ", path);
  ck_assert_msg(strncmp(cause, prefix, strlen(prefix)) == 0,
                "'%s' does not start with '%s'", cause, prefix);
}
END_TEST

static Suite *conf_suite(void)
{
  Suite *suite = suite_create("conf");
  TCase *shipped = tcase_create("shipped");
  TCase *values = tcase_create("values");
  TCase *syntax = tcase_create("syntax");
  TCase *length = tcase_create("length");
  TCase *errors = tcase_create("errors");
  TCase *opening = tcase_create("opening");
  TCase *all[] = { shipped, values, syntax, length, errors, opening };

  for(size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    tcase_add_unchecked_fixture(all[i], make_test_dir, remove_test_dir);

  tcase_add_test(shipped, test_shipped_file_loads_as_the_defaults);
  tcase_add_test(shipped,
                 test_shipped_file_lists_every_key_once_in_its_section);
  tcase_add_test(shipped, test_shipped_file_shows_the_default_values);
  suite_add_tcase(suite, shipped);

  tcase_add_test(values, test_every_key_takes_its_value);
  tcase_add_test(values, test_keys_not_in_the_file_keep_their_values);
  tcase_add_test(values, test_later_value_of_a_key_wins);
  tcase_add_test(values, test_section_may_appear_twice);
  tcase_add_test(values, test_value_is_taken_literally);
  suite_add_tcase(suite, values);

  tcase_add_test(syntax, test_empty_file_changes_nothing);
  tcase_add_test(syntax, test_comments_and_blank_lines_change_nothing);
  tcase_add_test(syntax, test_semicolon_after_whitespace_starts_a_comment);
  tcase_add_test(syntax,
                 test_semicolon_inside_a_word_and_inline_hash_are_kept);
  tcase_add_test(syntax, test_spaces_around_equals_are_optional);
  tcase_add_test(syntax, test_colon_separates_key_and_value);
  tcase_add_test(syntax, test_utf8_bom_at_start_is_skipped);
  tcase_add_test(syntax, test_crlf_line_endings_load_without_carriage_returns);
  tcase_add_test(syntax, test_keys_are_case_sensitive);
  tcase_add_test(syntax, test_sections_are_case_sensitive);
  tcase_add_test(syntax, test_indented_line_is_refused);
  tcase_add_test(syntax, test_indented_comment_and_blank_lines_load);
  tcase_add_test(syntax, test_continuation_line_does_not_replace_the_value);
  suite_add_tcase(suite, syntax);

  tcase_add_test(length, test_line_of_198_bytes_and_newline_loads);
  tcase_add_test(length, test_line_of_199_bytes_and_newline_is_too_long);
  tcase_add_test(length, test_carriage_return_counts_toward_the_limit);
  tcase_add_test(length, test_last_line_of_199_bytes_without_newline_loads);
  tcase_add_test(length, test_line_of_300_bytes_is_too_long);
  tcase_add_test(length, test_long_comment_line_is_too_long);
  tcase_add_test(length, test_nul_byte_in_a_line_is_refused);
  suite_add_tcase(suite, length);

  tcase_add_test(errors, test_unknown_key_names_file_and_line);
  tcase_add_test(errors, test_unknown_section_names_the_line_of_its_first_key);
  tcase_add_test(errors, test_key_before_any_section_is_refused);
  tcase_add_test(errors, test_bad_number_gives_the_message_of_the_setting);
  tcase_add_test(errors, test_number_out_of_range_is_refused);
  tcase_add_test(errors, test_whole_seconds_key_refuses_a_fraction);
  tcase_add_test(errors, test_bad_seconds_are_refused);
  tcase_add_test(errors, test_bad_size_is_refused);
  tcase_add_test(errors, test_bad_log_level_is_refused);
  tcase_add_test(errors, test_empty_value_is_refused);
  tcase_add_test(errors, test_line_without_equals_is_a_syntax_error);
  tcase_add_test(errors, test_unclosed_section_header_is_a_syntax_error);
  tcase_add_test(errors, test_line_numbers_count_every_line);
  tcase_add_loop_test(errors, test_first_of_several_errors_is_reported, 0,
                      (int)(sizeof(two_errors) / sizeof(two_errors[0])));
  suite_add_tcase(suite, errors);

  tcase_add_test(opening, test_missing_file_with_missing_ok_changes_nothing);
  tcase_add_test(opening, test_missing_file_without_missing_ok_is_an_error);
  tcase_add_test(opening, test_missing_ok_does_not_hide_other_open_errors);
  tcase_add_test(opening, test_directory_is_refused);
  suite_add_tcase(suite, opening);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(conf_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
