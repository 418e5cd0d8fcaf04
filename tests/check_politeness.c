/* check_politeness.c - crawld --once against a test server that answers on
 * many loopback hosts and logs when each request starts and ends: what the
 * server saw is what the assertions read (tests/hostlog.h), so they check
 * the load crawld put on each host, not what it meant to do.
 *
 * The bounds are asserted exactly: a backoff, and a host's delay, run
 * from when crawld has the server's answer, which is after the server
 * logged it. (A delay also runs from each start, so with pages that answer
 * at once, as here, every request has its answer before the next starts.)
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "harness.h"
#include "hostlog.h"

#define HOSTS 4

static struct harness h;

static void setup(void)
{
  harness_start_hosts(&h, HOSTS);
}

static void teardown(void)
{
  harness_stop(&h);
}

static const char *str(json_t *object, const char *key)
{
  json_t *value = json_object_get(object, key);

  ck_assert_msg(json_is_string(value), "%s is not a string", key);
  return json_string_value(value);
}

static long long num(json_t *object, const char *key)
{
  json_t *value = json_object_get(object, key);

  ck_assert_msg(json_is_integer(value), "%s is not an integer", key);
  return json_integer_value(value);
}

/* Appends "url\n" for path on host to text (malloc'd, grown). */
static void add_line(char **text, size_t *len, int host, const char *path)
{
  char *url = harness_host_url(&h, host, path);
  size_t url_len = strlen(url);

  *text = realloc(*text, *len + url_len + 2);
  ck_assert_ptr_nonnull(*text);
  memcpy(*text + *len, url, url_len);
  (*text)[*len + url_len] = '\n';
  (*text)[*len + url_len + 1] = '\0';
  *len += url_len + 1;
  free(url);
}

/* Appends "/page/N" + query for N from 0 to count - 1, each N on hosts
 * first to first + hosts - 1 in turn. */
static void add_pages(char **text, size_t *len, int first, int hosts,
                      int count, const char *query)
{
  char path[64];

  for(int n = 0; n < count; n++) {
    snprintf(path, sizeof(path), "/page/%d%s", n, query);
    for(int host = first; host < first + hosts; host++)
      add_line(text, len, host, path);
  }
}

static void write_urls(const char *text)
{
  free(harness_write(&h, "urls.txt", text, strlen(text)));
}

/* The server's log, read once crawld has exited (every request ended). */
static struct hostlog *server_log(void)
{
  struct hostlog *log = hostlog_new();
  char *path = harness_server_log(&h);
  char *cause = NULL;

  ck_assert_msg(hostlog_read_file(log, path, &cause) == 0, "%s", cause);
  free(path);
  return log;
}

static void crawl(const char *const args[], struct crawl_run *run,
                  size_t records)
{
  harness_crawl(&h, "urls.txt", args, run);
  ck_assert_msg(run->exit_status == 0, "crawld exited %d; log:\n%s",
                run->exit_status, run->log);
  ck_assert_uint_eq(json_array_size(run->records), records);
}

/* The record whose url is url; fails unless there is exactly one. */
static json_t *record_of(const struct crawl_run *run, const char *url)
{
  json_t *found = NULL;
  json_t *record;
  size_t index;

  json_array_foreach(run->records, index, record)
  {
    if(strcmp(str(record, "url"), url) == 0) {
      ck_assert_msg(found == NULL, "%s has two records", url);
      found = record;
    }
  }
  ck_assert_msg(found != NULL, "%s has no record", url);
  return found;
}

/* Four hosts, 24 slow pages each, 64 transfers of room: each host still
 * has at most --per-host 2 requests at once, and reaches 2. */
START_TEST(test_per_host_caps_requests_in_flight_on_every_host)
{
  static const char *const args[] = { "--threads",  "2",  "--processes", "0",
                                      "--inflight", "32", "--per-host",  "2",
                                      NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;

  add_pages(&text, &len, 0, HOSTS, 24, "?ms=100");
  write_urls(text);
  crawl(args, &run, 24 * HOSTS);
  log = server_log();
  for(int host = 0; host < HOSTS; host++) {
    const char *name = harness_host_name(&h, host);

    ck_assert_uint_eq(hostlog_count(log, name, NULL) -
                          hostlog_count(log, name, "/robots.txt"),
                      24);
    ck_assert_uint_eq(hostlog_max_concurrent(log, name), 2);
  }
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* A host with a delay gets one fetch at a time, whatever --per-host says:
 * answers that take longer than the delay do not let a second request
 * reach the host while the first is still being answered (which let a
 * slow first request arrive less than a delay before the next). */
START_TEST(test_a_delayed_host_gets_one_fetch_at_a_time)
{
  static const char *const args[] = { "--threads",  "1", "--processes",  "1",
                                      "--per-host", "4", "--host-delay", "50",
                                      NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;

  add_pages(&text, &len, 0, 1, 6, "?ms=200");
  write_urls(text);
  crawl(args, &run, 6);
  log = server_log();
  ck_assert_uint_eq(hostlog_max_concurrent(log, harness_host_name(&h, 0)), 1);
  ck_assert_int_ge(hostlog_min_start_gap_us(log, harness_host_name(&h, 0)),
                   50000);
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* --host-delay 300: two starts on one host are 300 ms apart, as the server
 * sees them; the other host's requests interleave. */
START_TEST(test_host_delay_spaces_the_starts_on_each_host)
{
  static const char *const args[] = {
    "--threads", "1", "--processes", "1", "--host-delay", "300", NULL
  };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;

  add_pages(&text, &len, 0, 2, 5, "");
  write_urls(text);
  crawl(args, &run, 10);
  log = server_log();
  for(int host = 0; host < 2; host++) {
    const char *name = harness_host_name(&h, host);
    int64_t gap = hostlog_min_start_gap_us(log, name);

    ck_assert_msg(gap >= 300000, "host %s: two starts %lld us apart", name,
                  (long long)gap);
  }
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* The start of the index-th request for path on host, in us. */
static int64_t nth_start(const struct hostlog *log, const char *name,
                         const char *path, size_t index)
{
  size_t count = 0;
  int64_t *starts = hostlog_start_times(log, name, path, &count);
  int64_t at;

  ck_assert_msg(index < count, "%s: %zu requests for %s, wanted %zu", name,
                count, path, index + 1);
  at = starts[index];
  free(starts);
  return at;
}

/* 503 with Retry-After: 2 backs the whole host off: after the 503 started,
 * nothing else starts on that host for 2 s (the answer left the server
 * after its start, and the backoff begins when crawld has it). The URL is
 * tried again and its one record is the second attempt's. Another host is
 * not held up. */
START_TEST(test_retry_after_backs_the_whole_host_off)
{
  static const char *const args[] = { "--per-host", "1", NULL };
  static const char flaky[] = "/flaky/a?code=503&times=1&retry_after=2";
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;
  char *url;
  json_t *record;
  int64_t throttled;
  size_t count = 0;
  int64_t *starts;

  add_line(&text, &len, 0, flaky);
  add_pages(&text, &len, 0, 1, 3, "");
  add_line(&text, &len, 1, "/page/9");
  write_urls(text);
  crawl(args, &run, 5);
  url = harness_host_url(&h, 0, flaky);
  record = record_of(&run, url);
  ck_assert_int_eq(num(record, "attempt"), 2);
  ck_assert_int_eq(num(record, "status"), 200);
  ck_assert(json_is_true(json_object_get(record, "ok")));
  free(url);

  log = server_log();
  throttled = nth_start(log, harness_host_name(&h, 0), "/flaky/a", 0);
  starts = hostlog_start_times(log, harness_host_name(&h, 0), NULL, &count);
  for(size_t i = 0; i < count; i++) {
    if(starts[i] > throttled)
      ck_assert_msg(starts[i] - throttled >= 2000000,
                    "a request %lld us after the 503",
                    (long long)(starts[i] - throttled));
  }
  free(starts);
  ck_assert_uint_eq(hostlog_count(log, harness_host_name(&h, 0), "/flaky/a"),
                    2);
  ck_assert_int_lt(nth_start(log, harness_host_name(&h, 1), "/page/9", 0),
                   throttled + 2000000);
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* A Retry-After in the HTTP-date form works too. */
START_TEST(test_retry_after_as_an_http_date)
{
  static const char *const args[] = { "--per-host", "1", NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;
  char date[64];
  char path[160];
  char *url;
  time_t later = time(NULL) + 3;
  int64_t first;
  int64_t second;

  /* "Mon, 07 Dec 2026 02:40:00 GMT", percent-encoded for the query. */
  strftime(date, sizeof(date), "%a,%%20%d%%20%b%%20%Y%%20%H:%M:%S%%20GMT",
           gmtime(&later));
  snprintf(path, sizeof(path), "/flaky/d?code=429&times=1&retry_after=%s",
           date);
  add_line(&text, &len, 0, path);
  write_urls(text);
  crawl(args, &run, 1);
  url = harness_host_url(&h, 0, path);
  ck_assert_int_eq(num(record_of(&run, url), "attempt"), 2);
  free(url);
  log = server_log();
  first = nth_start(log, harness_host_name(&h, 0), "/flaky/d", 0);
  second = nth_start(log, harness_host_name(&h, 0), "/flaky/d", 1);
  /* The date has whole seconds: 3 s from now is at least 2 s away. */
  ck_assert_msg(second - first >= 2000000, "retried after %lld us",
                (long long)(second - first));
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* A 500 is tried --max-attempts 3 times, each wait at least the
 * exponential backoff's shortest (0.5 x 100 ms, then 0.5 x 200 ms), and
 * its record is the last attempt's http_error. */
START_TEST(test_5xx_is_retried_with_growing_backoff)
{
  static const char *const args[] = { "--backoff-base", "100", NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;
  json_t *record;
  size_t count = 0;
  int64_t *starts;

  add_line(&text, &len, 0, "/status/500");
  write_urls(text);
  crawl(args, &run, 1);
  record = json_array_get(run.records, 0);
  ck_assert_int_eq(num(record, "attempt"), 3);
  ck_assert_int_eq(num(record, "status"), 500);
  ck_assert_str_eq(str(json_object_get(record, "error"), "code"),
                   "http_error");
  log = server_log();
  starts = hostlog_start_times(log, harness_host_name(&h, 0), "/status/500",
                               &count);
  ck_assert_uint_eq(count, 3);
  ck_assert_int_ge(starts[1] - starts[0], 50000);
  ck_assert_int_ge(starts[2] - starts[1], 100000);
  free(starts);
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* 12,000 URLs of one host, held to 2 at a time, ahead of 20 of another host
 * at the end of the file: those 20 do not wait for the first host (whose
 * overflow the frontier spills to disk to read on): their records come
 * before the first host's 1,000th. */
START_TEST(test_a_huge_throttled_host_does_not_hold_up_the_others)
{
  enum { BIG = 12000, SMALL = 20 };
  static const char *const args[] = { "--per-host",  "2", "--threads", "2",
                                      "--processes", "0", NULL };
  struct crawl_run run;
  char *text = NULL;
  size_t len = 0;
  char *small_prefix = harness_host_url(&h, 1, "/");
  long long big_done = 0;
  long long small_done = 0;
  json_t *record;
  size_t index;

  add_pages(&text, &len, 0, 1, BIG, "");
  add_pages(&text, &len, 1, 1, SMALL, "");
  write_urls(text);
  crawl(args, &run, BIG + SMALL);
  json_array_foreach(run.records, index, record)
  {
    if(strncmp(str(record, "url"), small_prefix, strlen(small_prefix)) == 0)
      small_done++;
    else
      big_done++;
    ck_assert_msg(small_done == SMALL || big_done < 1000,
                  "%lld of the small host's URLs done after 1000 of the big "
                  "one's",
                  small_done);
    ck_assert(json_is_true(json_object_get(record, "ok")));
  }
  free(small_prefix);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* Each test has a server of its own, so its log holds that test's
 * requests alone. */
static void add(Suite *suite, const char *name, const TTest *test,
                int timeout_s)
{
  TCase *tcase = tcase_create(name);

  tcase_add_unchecked_fixture(tcase, setup, teardown);
  tcase_set_timeout(tcase, timeout_s);
  tcase_add_test(tcase, test);
  suite_add_tcase(suite, tcase);
}

/* Writes DIR/robots/127.0.0.(host + 2)[suffix] (suffix "" for the body,
 * ".status" or ".location"). */
static void write_robots(int host, const char *suffix, const char *text)
{
  char *dir = harness_robots_dir(&h);
  char path[600];
  FILE *file;

  snprintf(path, sizeof(path), "%s/127.0.0.%d%s", dir, host + 2, suffix);
  file = fopen(path, "w");
  ck_assert_ptr_nonnull(file);
  fputs(text, file);
  ck_assert_int_eq(fclose(file), 0);
  free(dir);
}

static const char *error_code(json_t *record)
{
  json_t *error = json_object_get(record, "error");

  return json_is_object(error) ? str(error, "code") : "ok";
}

/* "/page/N" of host, as a record's url, malloc'd. */
static char *page_url(int host, int n)
{
  char path[32];

  snprintf(path, sizeof(path), "/page/%d", n);
  return harness_host_url(&h, host, path);
}

static void assert_page(const struct crawl_run *run, int host, int n,
                        const char *code)
{
  char *url = page_url(host, n);

  ck_assert_str_eq(error_code(record_of(run, url)), code);
  free(url);
}

/* Our group (the product token of --user-agent, any letter case) wins over
 * '*', the longest rule decides, Allow wins a tie; a refused URL gets
 * robots_denied naming the rule and is never requested; robots.txt is
 * fetched once for the whole job (RFC 9309 2.2.1, 2.2.2). */
START_TEST(test_robots_rules_of_our_group_are_obeyed)
{
  static const char *const args[] = { "--user-agent", "TestBot/2.0 (+x)",
                                      NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;
  char *url;
  char want[160];

  write_robots(0, "",
               "User-agent: *\nDisallow: /\n\n"
               "User-agent: testbot\nDisallow: /page/1\nAllow: /page/10$\n"
               "Disallow: /page/3\nAllow: /page/3\n");
  add_pages(&text, &len, 0, 1, 12, "");
  write_urls(text);
  crawl(args, &run, 12);
  assert_page(&run, 0, 0, "ok");
  assert_page(&run, 0, 1, "robots_denied");
  assert_page(&run, 0, 10, "ok");
  assert_page(&run, 0, 11, "robots_denied");
  assert_page(&run, 0, 3, "ok");
  url = page_url(0, 1);
  snprintf(want, sizeof(want), "robots.txt of http://%s: Disallow: /page/1",
           harness_host_name(&h, 0));
  ck_assert_str_eq(
      str(json_object_get(record_of(&run, url), "error"), "message"), want);
  ck_assert_int_eq(num(record_of(&run, url), "attempt"), 1);
  free(url);
  log = server_log();
  ck_assert_uint_eq(
      hostlog_count(log, harness_host_name(&h, 0), "/robots.txt"), 1);
  ck_assert_uint_eq(hostlog_count(log, harness_host_name(&h, 0), "/page/1"),
                    0);
  ck_assert_uint_eq(hostlog_count(log, harness_host_name(&h, 0), "/page/11"),
                    0);
  /* 10 pages and robots.txt */
  ck_assert_uint_eq(hostlog_count(log, harness_host_name(&h, 0), NULL), 11);
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* Each host's robots.txt is fetched once per job, before anything else of
 * it; a 404 (no robots.txt) allows everything (2.3.1.3). */
START_TEST(test_robots_fetched_once_per_host_first)
{
  static const char *const args[] = { "--per-host", "3", NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;

  add_pages(&text, &len, 0, HOSTS, 10, "");
  write_urls(text);
  crawl(args, &run, 10 * HOSTS);
  log = server_log();
  for(int host = 0; host < HOSTS; host++) {
    const char *name = harness_host_name(&h, host);
    size_t robots = 0;
    size_t pages = 0;
    int64_t *robots_at =
        hostlog_start_times(log, name, "/robots.txt", &robots);
    int64_t *pages_at = hostlog_start_times(log, name, NULL, &pages);

    ck_assert_uint_eq(robots, 1);
    ck_assert_uint_eq(pages, 11);
    ck_assert_int_eq(pages_at[0], robots_at[0]);
    free(robots_at);
    free(pages_at);
  }
  for(int n = 0; n < 10; n++)
    assert_page(&run, 1, n, "ok");
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* robots.txt answering 503 forbids the site for now and is tried again
 * with backoff; after --max-attempts tries every URL of the site gets
 * robots_unavailable and none is requested (2.3.1.4). The other host goes
 * on. */
START_TEST(test_robots_5xx_makes_the_site_unavailable)
{
  static const char *const args[] = { "--backoff-base", "50", NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;
  char *url;
  char want[200];

  write_robots(0, ".status", "503\n");
  add_pages(&text, &len, 0, 2, 3, "");
  write_urls(text);
  crawl(args, &run, 6);
  for(int n = 0; n < 3; n++) {
    assert_page(&run, 0, n, "robots_unavailable");
    assert_page(&run, 1, n, "ok");
  }
  url = page_url(0, 2);
  snprintf(want, sizeof(want),
           "robots.txt of http://%s answered HTTP 503 3 times in a row",
           harness_host_name(&h, 0));
  ck_assert_str_eq(
      str(json_object_get(record_of(&run, url), "error"), "message"), want);
  free(url);
  log = server_log();
  ck_assert_uint_eq(
      hostlog_count(log, harness_host_name(&h, 0), "/robots.txt"), 3);
  ck_assert_uint_eq(hostlog_count(log, harness_host_name(&h, 0), NULL), 3);
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* Crawl-delay 0.3 spaces the starts on its host, the robots.txt request
 * included; --max-crawl-delay 500 caps a longer one on the other host
 * (20 s would make this test time out). */
START_TEST(test_crawl_delay_is_honoured_and_capped)
{
  static const char *const args[] = { "--max-crawl-delay", "500", NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;

  write_robots(0, "", "User-agent: *\nCrawl-delay: 0.3\n");
  write_robots(1, "", "User-agent: *\nCrawl-delay: 20\n");
  add_pages(&text, &len, 0, 2, 4, "");
  write_urls(text);
  crawl(args, &run, 8);
  log = server_log();
  ck_assert_int_ge(hostlog_min_start_gap_us(log, harness_host_name(&h, 0)),
                   300000);
  ck_assert_int_ge(hostlog_min_start_gap_us(log, harness_host_name(&h, 1)),
                   500000);
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* A robots.txt that redirects is followed (2.3.1.2): here to another
 * host's robots.txt, whose rules then apply. */
START_TEST(test_robots_redirect_is_followed)
{
  struct crawl_run run;
  char *text = NULL;
  size_t len = 0;
  char *target = harness_host_url(&h, 1, "/robots.txt");

  write_robots(0, ".status", "301");
  write_robots(0, ".location", target);
  write_robots(1, "", "User-agent: *\nDisallow: /page/2\n");
  add_line(&text, &len, 0, "/page/1");
  add_line(&text, &len, 0, "/page/2");
  write_urls(text);
  crawl(NULL, &run, 2);
  assert_page(&run, 0, 1, "ok");
  assert_page(&run, 0, 2, "robots_denied");
  crawl_run_free(&run);
  free(target);
  free(text);
}
END_TEST

/* A host that refuses connections: its robots.txt cannot be had, so after
 * --max-attempts tries its URLs get robots_unavailable, saying why. */
START_TEST(test_unreachable_host_is_robots_unavailable)
{
  static const char *const args[] = { "--max-attempts", "2", "--backoff-base",
                                      "20", NULL };
  struct crawl_run run;
  char *text = NULL;
  size_t len = 0;
  char want[200];
  json_t *error;
  char line[64];
  int port;

  port = harness_unused_port();
  snprintf(line, sizeof(line), "http://127.0.0.1:%d/page/1\n", port);
  text = strdup(line);
  len = strlen(text);
  add_line(&text, &len, 0, "/page/1");
  write_urls(text);
  crawl(args, &run, 2);
  line[strlen(line) - 1] = '\0';
  error = json_object_get(record_of(&run, line), "error");
  ck_assert_str_eq(str(error, "code"), "robots_unavailable");
  snprintf(want, sizeof(want),
           "robots.txt of http://127.0.0.1:%d could not be fetched 2 times "
           "in a row (last: connect)",
           port);
  ck_assert_str_eq(str(error, "message"), want);
  assert_page(&run, 0, 1, "ok");
  crawl_run_free(&run);
  free(text);
}
END_TEST

/* --ignore-robots: robots.txt is not asked for, nor obeyed. */
START_TEST(test_ignore_robots_skips_robots_txt)
{
  static const char *const args[] = { "--ignore-robots", NULL };
  struct crawl_run run;
  struct hostlog *log;
  char *text = NULL;
  size_t len = 0;

  write_robots(0, "", "User-agent: *\nDisallow: /\n");
  add_line(&text, &len, 0, "/page/1");
  write_urls(text);
  crawl(args, &run, 1);
  assert_page(&run, 0, 1, "ok");
  log = server_log();
  ck_assert_uint_eq(
      hostlog_count(log, harness_host_name(&h, 0), "/robots.txt"), 0);
  hostlog_free(log);
  crawl_run_free(&run);
  free(text);
}
END_TEST

static Suite *politeness_suite(void)
{
  Suite *suite = suite_create("politeness");

  add(suite, "per_host", test_per_host_caps_requests_in_flight_on_every_host,
      60);
  add(suite, "host_delay", test_host_delay_spaces_the_starts_on_each_host, 60);
  add(suite, "delay_one_at_a_time",
      test_a_delayed_host_gets_one_fetch_at_a_time, 60);
  add(suite, "spill", test_a_huge_throttled_host_does_not_hold_up_the_others,
      120);
  add(suite, "retry_after", test_retry_after_backs_the_whole_host_off, 60);
  add(suite, "retry_after_date", test_retry_after_as_an_http_date, 60);
  add(suite, "backoff", test_5xx_is_retried_with_growing_backoff, 60);
  add(suite, "robots_rules", test_robots_rules_of_our_group_are_obeyed, 60);
  add(suite, "robots_once", test_robots_fetched_once_per_host_first, 60);
  add(suite, "robots_5xx", test_robots_5xx_makes_the_site_unavailable, 60);
  add(suite, "crawl_delay", test_crawl_delay_is_honoured_and_capped, 60);
  add(suite, "robots_redirect", test_robots_redirect_is_followed, 60);
  add(suite, "ignore_robots", test_ignore_robots_skips_robots_txt, 60);
  add(suite, "unreachable", test_unreachable_host_is_robots_unavailable, 60);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(politeness_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
