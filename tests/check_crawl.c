/* check_crawl.c - crawld --once against the test server: the records it
 * writes, field by field, and the same list crawled in every worker mode. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>

#include "harness.h"

static struct harness h;

static void setup(void)
{
  harness_start(&h);
}

static void teardown(void)
{
  harness_stop(&h);
}

/* Writes the lines (joined with '\n', with a final one) to DIR/urls.txt. Each
 * line is a path on the test server when it starts with '/', else it is
 * written as it is. */
static void write_urls(const char *const lines[], size_t count)
{
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);

  for(size_t i = 0; i < count; i++) {
    if(lines[i][0] == '/') {
      char *url = harness_url(&h, lines[i]);

      fprintf(out, "%s\n", url);
      free(url);
    }
    else {
      fprintf(out, "%s\n", lines[i]);
    }
  }
  fclose(out);
  free(harness_write(&h, "urls.txt", text, size));
  free(text);
}

/* Crawls the given lines and checks crawld exited 0 with one record per line.
 */
static void crawl(const char *const lines[], size_t count,
                  const char *const args[], struct crawl_run *run)
{
  write_urls(lines, count);
  harness_crawl(&h, "urls.txt", args, run);
  ck_assert_msg(run->exit_status == 0, "crawld exited %d; log:\n%s",
                run->exit_status, run->log);
  ck_assert_uint_eq(json_array_size(run->records), count);
}

/* Crawls one path and returns its record (the run keeps it alive). */
static json_t *crawl_one(const char *path, const char *const args[],
                         struct crawl_run *run)
{
  const char *lines[] = { path };

  crawl(lines, 1, args, run);
  return harness_record(run, 0);
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

static void assert_error(json_t *record, const char *code)
{
  json_t *error = json_object_get(record, "error");

  ck_assert_msg(json_is_object(error), "record has no error, expected %s",
                code);
  ck_assert_str_eq(str(error, "code"), code);
  ck_assert(strlen(str(error, "message")) > 0);
  ck_assert(json_is_false(json_object_get(record, "ok")));
}

static void assert_url(json_t *record, const char *key, const char *path)
{
  char *url = harness_url(&h, path);

  ck_assert_str_eq(str(record, key), url);
  free(url);
}

static void sha256_hex(const void *bytes, size_t len, char hex[65])
{
  unsigned char digest[32];
  unsigned int digest_len = 0;

  EVP_Digest(bytes, len, digest, &digest_len, EVP_sha256(), NULL);
  for(unsigned int i = 0; i < digest_len; i++)
    snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

START_TEST(test_html_page_record_has_every_field)
{
  struct crawl_run run;
  json_t *record = crawl_one("/site/3", NULL, &run);
  json_t *timing = json_object_get(record, "timing");
  json_t *worker = json_object_get(record, "worker");
  const char *fetched_at = str(record, "fetched_at");

  ck_assert_str_eq(str(record, "job"), "urls.txt");
  ck_assert_int_eq(num(record, "seq"), 0);
  assert_url(record, "url", "/site/3");
  assert_url(record, "final_url", "/site/3");
  ck_assert(json_is_true(json_object_get(record, "ok")));
  ck_assert_int_eq(num(record, "status"), 200);
  ck_assert(json_is_null(json_object_get(record, "error")));
  ck_assert_str_eq(str(record, "content_type"), "text/html; charset=utf-8");
  ck_assert(json_is_false(json_object_get(record, "truncated")));
  ck_assert_str_eq(str(record, "title"), "Page 3");
  ck_assert_str_eq(
      str(record, "snippet"),
      "Page 3 This is page 3 of the crawld demo site. Page 4 Page 24");
  ck_assert_uint_eq(strlen(str(record, "sha256")), 64);
  ck_assert_int_eq(num(record, "redirects"), 0);
  ck_assert_str_eq(str(record, "http_version"), "1.1");
  ck_assert_int_eq(json_object_size(timing), 5);
  ck_assert(json_real_value(json_object_get(timing, "total_ms")) >=
            json_real_value(json_object_get(timing, "ttfb_ms")));
  ck_assert(json_real_value(json_object_get(timing, "ttfb_ms")) > 0);
  ck_assert_str_eq(str(worker, "kind"), "thread");
  ck_assert_int_eq(num(worker, "pid"), run.pid);
  ck_assert_int_eq(num(record, "attempt"), 1);
  ck_assert_uint_eq(strlen(fetched_at), 24);
  ck_assert(fetched_at[10] == 'T' && fetched_at[23] == 'Z');
  ck_assert(json_is_false(json_object_get(record, "utf8_repaired")));
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_text_body_is_counted_and_hashed)
{
  static const char body[] = "plain text body\n";
  struct crawl_run run;
  json_t *record = crawl_one("/text", NULL, &run);
  char expected[65];

  sha256_hex(body, strlen(body), expected);
  ck_assert_int_eq(num(record, "bytes"), (long long)strlen(body));
  ck_assert_str_eq(str(record, "sha256"), expected);
  ck_assert(json_is_null(json_object_get(record, "title")));
  ck_assert(json_is_null(json_object_get(record, "snippet")));
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_http_error_status_is_an_error)
{
  const char *lines[] = { "/status/404", "/status/503", "/status/204" };
  struct crawl_run run;
  json_t *record;

  crawl(lines, 3, NULL, &run);
  record = harness_record(&run, 0);
  assert_error(record, "http_error");
  ck_assert_int_eq(num(record, "status"), 404);
  ck_assert_str_eq(str(json_object_get(record, "error"), "message"),
                   "HTTP status 404");
  record = harness_record(&run, 1);
  assert_error(record, "http_error");
  ck_assert_int_eq(num(record, "status"), 503);
  record = harness_record(&run, 2);
  ck_assert(json_is_true(json_object_get(record, "ok")));
  ck_assert_int_eq(num(record, "status"), 204);
  ck_assert_int_eq(num(record, "bytes"), 0);
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_redirect_chain_is_followed)
{
  struct crawl_run run;
  json_t *record = crawl_one("/redirect/3", NULL, &run);

  ck_assert(json_is_true(json_object_get(record, "ok")));
  ck_assert_int_eq(num(record, "redirects"), 3);
  assert_url(record, "url", "/redirect/3");
  assert_url(record, "final_url", "/redirect/0");
  ck_assert_str_eq(str(record, "title"), "redirect end");
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_redirects_beyond_the_limit_fail)
{
  const char *lines[] = { "/redirect/5", "/redirect/6", "/redirect-loop" };
  struct crawl_run run;

  crawl(lines, 3, NULL, &run);
  ck_assert_int_eq(num(harness_record(&run, 0), "redirects"), 5);
  ck_assert(json_is_true(json_object_get(harness_record(&run, 0), "ok")));
  assert_error(harness_record(&run, 1), "too_many_redirects");
  assert_error(harness_record(&run, 2), "too_many_redirects");
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_max_redirects_flag_sets_the_limit)
{
  const char *args[] = { "--max-redirects", "0", NULL };
  struct crawl_run run;

  assert_error(crawl_one("/redirect/1", args, &run), "too_many_redirects");
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_redirect_to_other_protocols_is_denied)
{
  const char *lines[] = {
    "/redirect-to?url=file%3A%2F%2F%2Fetc%2Fpasswd",
    "/redirect-to?url=ftp%3A%2F%2F127.0.0.1%2Fx",
    "/redirect-to?url=gopher%3A%2F%2F127.0.0.1%2Fx",
  };
  struct crawl_run run;

  crawl(lines, 3, NULL, &run);
  for(int seq = 0; seq < 3; seq++) {
    assert_error(harness_record(&run, seq), "protocol_denied");
    ck_assert_int_eq(num(harness_record(&run, seq), "bytes"), 0);
  }
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_body_at_the_limit_is_kept_whole)
{
  struct crawl_run run;
  json_t *record = crawl_one("/large?bytes=10485760", NULL, &run);

  ck_assert(json_is_true(json_object_get(record, "ok")));
  ck_assert_int_eq(num(record, "bytes"), 10485760);
  ck_assert(json_is_false(json_object_get(record, "truncated")));
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_body_over_the_limit_is_cut)
{
  const char *lines[] = { "/large?bytes=10485761", "/large?bytes=3000000" };
  const char *args[] = { "--max-body", "1M", NULL };
  struct crawl_run run;

  write_urls(lines, 1);
  harness_crawl(&h, "urls.txt", NULL, &run);
  assert_error(harness_record(&run, 0), "too_large");
  ck_assert_int_eq(num(harness_record(&run, 0), "bytes"), 10485760);
  ck_assert(
      json_is_true(json_object_get(harness_record(&run, 0), "truncated")));
  crawl_run_free(&run);

  crawl(lines + 1, 1, args, &run);
  assert_error(harness_record(&run, 0), "too_large");
  ck_assert_int_eq(num(harness_record(&run, 0), "bytes"), 1048576);
  ck_assert_int_eq(num(harness_record(&run, 0), "status"), 200);
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_endless_body_is_cut)
{
  const char *args[] = { "--max-body", "2M", NULL };
  struct crawl_run run;
  json_t *record = crawl_one("/endless", args, &run);

  assert_error(record, "too_large");
  ck_assert_int_eq(num(record, "bytes"), 2097152);
  ck_assert(json_is_true(json_object_get(record, "truncated")));
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_compression_bomb_is_cut_after_decoding)
{
  struct crawl_run run;
  json_t *record = crawl_one("/gzip-bomb?mb=100", NULL, &run);

  assert_error(record, "too_large");
  ck_assert_int_eq(num(record, "bytes"), 10485760);
  ck_assert(json_is_true(json_object_get(record, "truncated")));
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_slow_drip_hits_the_low_speed_limit)
{
  const char *args[] = { "--low-speed-limit", "1000", "--low-speed-time", "1",
                         NULL };
  struct crawl_run run;

  assert_error(crawl_one("/drip?bytes=100&interval=200", args, &run),
               "timeout");
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_slow_answer_hits_the_total_timeout)
{
  const char *args[] = { "--timeout", "0.3", NULL };
  struct crawl_run run;
  json_t *record = crawl_one("/delay?ms=5000", args, &run);

  assert_error(record, "timeout");
  ck_assert(json_is_null(json_object_get(record, "status")));
  ck_assert(json_is_null(json_object_get(record, "sha256")));
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_refused_connection_is_a_connect_error)
{
  /* With robots.txt on, the host's robots.txt could not be had either, and
   * the record would say robots_unavailable: check_politeness has that. */
  static const char *const args[] = { "--ignore-robots", "--max-attempts", "1",
                                      NULL };
  struct crawl_run run;
  char line[64];
  const char *lines[] = { line };

  snprintf(line, sizeof(line), "http://127.0.0.1:%d/", harness_unused_port());
  crawl(lines, 1, args, &run);
  assert_error(harness_record(&run, 0), "connect");
  crawl_run_free(&run);
}
END_TEST

/* A proxy named in the environment carries every transfer, in worker
 * threads and worker processes alike: the page of a port nobody listens
 * on comes back through the test server acting as the proxy. */
START_TEST(test_proxy_from_the_environment_is_used)
{
  static const char *const thread_args[] = { "--threads", "1", "--processes",
                                             "0", NULL };
  static const char *const process_args[] = { "--threads", "0", "--processes",
                                              "1", NULL };
  const char *const *modes[] = { thread_args, process_args };
  char *proxy = harness_url(&h, "");
  char line[64];
  const char *lines[] = { line };

  snprintf(line, sizeof(line), "http://127.0.0.1:%d/site/4",
           harness_unused_port());
  ck_assert_int_eq(setenv("http_proxy", proxy, 1), 0);
  for(size_t i = 0; i < 2; i++) {
    struct crawl_run run;
    json_t *record;

    crawl(lines, 1, modes[i], &run);
    record = harness_record(&run, 0);
    ck_assert_msg(json_is_null(json_object_get(record, "error")),
                  "mode %zu: not fetched through the proxy", i);
    ck_assert_int_eq(num(record, "status"), 200);
    ck_assert_str_eq(str(record, "title"), "Page 4");
    crawl_run_free(&run);
  }
  unsetenv("http_proxy");
  free(proxy);
}
END_TEST

START_TEST(test_reset_mid_body_is_a_receive_error)
{
  struct crawl_run run;
  json_t *record = crawl_one("/reset?after=1000", NULL, &run);

  assert_error(record, "recv");
  ck_assert_int_eq(num(record, "status"), 200);
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_invalid_utf8_is_replaced_and_flagged)
{
  struct crawl_run run;
  json_t *record = crawl_one("/invalid-utf8", NULL, &run);

  /* The server's title is "bad \xff\xfe title \xc3\x28 end". */
  ck_assert_str_eq(str(record, "title"),
                   "bad \xef\xbf\xbd\xef\xbf\xbd title \xef\xbf\xbd( end");
  ck_assert_ptr_nonnull(strstr(str(record, "content_type"), "\xef\xbf\xbd"));
  ck_assert(json_is_true(json_object_get(record, "utf8_repaired")));
  ck_assert(json_is_true(json_object_get(record, "ok")));
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_huge_title_is_cut)
{
  struct crawl_run run;
  json_t *record = crawl_one("/big-title?chars=100000", NULL, &run);
  const char *title = str(record, "title");

  ck_assert_uint_eq(strlen(title), 512);
  ck_assert_uint_eq(strspn(title, "x"), 512);
  crawl_run_free(&run);
}
END_TEST

/* One worker with one transfer at a time runs every URL on the same easy
 * handle and HTML scanner: nothing of one page may show in the next. */
START_TEST(test_reused_handle_starts_each_page_afresh)
{
  static const char *const lines[] = { "/site/3",
                                       "/text",
                                       "/html?title=Second&text=two",
                                       "/big-title?chars=600",
                                       "/status/404",
                                       "/html?text=no%20title",
                                       "/redirect/2",
                                       "/headers-only" };
  static const char *const args[] = { "--threads",  "1", "--processes", "0",
                                      "--inflight", "1", NULL };
  struct crawl_run run;
  json_t *by_seq[8];

  crawl(lines, 8, args, &run);
  for(long long seq = 0; seq < 8; seq++)
    by_seq[seq] = harness_record(&run, seq);
  ck_assert_str_eq(str(by_seq[0], "title"), "Page 3");
  ck_assert(json_is_null(json_object_get(by_seq[1], "title")));
  ck_assert(json_is_null(json_object_get(by_seq[1], "snippet")));
  ck_assert_int_eq(num(by_seq[1], "bytes"), 16);
  ck_assert_str_eq(str(by_seq[2], "title"), "Second");
  ck_assert_str_eq(str(by_seq[2], "snippet"), "two");
  ck_assert_uint_eq(strlen(str(by_seq[3], "title")), 512);
  assert_error(by_seq[4], "http_error");
  ck_assert(json_is_true(json_object_get(by_seq[0], "ok")));
  ck_assert_str_eq(str(by_seq[5], "title"), "");
  ck_assert_str_eq(str(by_seq[5], "snippet"), "no title");
  ck_assert(json_is_null(json_object_get(by_seq[5], "error")));
  ck_assert_int_eq(num(by_seq[6], "redirects"), 2);
  assert_url(by_seq[6], "final_url", "/redirect/0");
  ck_assert_int_eq(num(by_seq[7], "redirects"), 0);
  ck_assert_int_eq(num(by_seq[7], "bytes"), 0);
  ck_assert(json_is_false(json_object_get(by_seq[7], "truncated")));
  assert_url(by_seq[7], "final_url", "/headers-only");
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_bad_lines_get_records_and_the_rest_goes_on)
{
  char *text_url = harness_url(&h, "/text");
  char *page_url = harness_url(&h, "/site/1");
  char long_line[9001];
  struct crawl_run run;
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);

  memset(long_line, 'a', sizeof(long_line) - 1);
  memcpy(long_line, "http://127.0.0.1/", 17);
  long_line[sizeof(long_line) - 1] = '\0';
  fprintf(out, "\n");                     /* seq 0: blank, no record */
  fprintf(out, "# a comment\n");          /* seq 1: comment, no record */
  fprintf(out, "   %s   \r\n", text_url); /* seq 2: fetched, trimmed */
  fprintf(out, "not a url\n");            /* seq 3: bad_url */
  fprintf(out, "ftp://127.0.0.1/x\n");    /* seq 4: protocol_denied */
  fprintf(out, "%s\n", long_line);        /* seq 5: over 8 KiB, bad_url */
  fwrite("http://127.0.0.1/a\0b\n", 1, 21, out); /* seq 6: NUL byte, bad_url */
  fprintf(out, "%s", page_url); /* seq 7: fetched, no newline */
  fclose(out);
  free(harness_write(&h, "urls.txt", text, size));
  free(text);
  free(text_url);
  free(page_url);

  harness_crawl(&h, "urls.txt", NULL, &run);
  ck_assert_int_eq(run.exit_status, 0);
  ck_assert_uint_eq(json_array_size(run.records), 6);
  ck_assert(json_is_true(json_object_get(harness_record(&run, 2), "ok")));
  assert_url(harness_record(&run, 2), "url", "/text");
  assert_error(harness_record(&run, 3), "bad_url");
  assert_error(harness_record(&run, 4), "protocol_denied");
  assert_error(harness_record(&run, 5), "bad_url");
  ck_assert_ptr_nonnull(
      strstr(str(json_object_get(harness_record(&run, 5), "error"), "message"),
             "line 6"));
  assert_error(harness_record(&run, 6), "bad_url");
  ck_assert(json_is_true(json_object_get(harness_record(&run, 7), "ok")));
  ck_assert_int_eq(num(harness_record(&run, 3), "attempt"), 0);
  ck_assert(json_is_null(json_object_get(harness_record(&run, 3), "worker")));
  crawl_run_free(&run);
}
END_TEST

/* --- deny_networks ---------------------------------------------------------
 */

/* Every spelling of a loopback address is caught when loopback is denied:
 * the check is on the address connected to, not on the URL's text. */
START_TEST(test_denied_network_is_caught_in_every_spelling)
{
  const char *args[] = { "--deny-networks", "127.0.0.0/8", NULL };
  char lines[5][96];
  const char *urls[5];
  struct crawl_run run;

  snprintf(lines[0], sizeof(lines[0]), "http://127.0.0.1:%d/text", h.port);
  snprintf(lines[1], sizeof(lines[1]), "http://[::ffff:127.0.0.1]:%d/text",
           h.port);
  snprintf(lines[2], sizeof(lines[2]), "http://2130706433:%d/text", h.port);
  snprintf(lines[3], sizeof(lines[3]), "http://0x7f.1:%d/text", h.port);
  snprintf(lines[4], sizeof(lines[4]), "http://localhost:%d/text", h.port);
  for(int i = 0; i < 5; i++)
    urls[i] = lines[i];
  crawl(urls, 5, args, &run);
  for(int seq = 0; seq < 5; seq++) {
    json_t *record = harness_record(&run, seq);

    assert_error(record, "address_denied");
    ck_assert(json_is_null(json_object_get(record, "status")));
  }
  crawl_run_free(&run);
}
END_TEST

/* A redirect cannot lead around the policy: 127.0.0.2 is denied, the
 * server on 127.0.0.1 is not. */
START_TEST(test_redirect_to_denied_network_is_caught)
{
  const char *args[] = { "--deny-networks", "127.0.0.2", NULL };
  char redirect[160];
  const char *lines[] = { "/text", redirect };
  struct crawl_run run;
  json_t *record;

  snprintf(redirect, sizeof(redirect),
           "/redirect-to?url=http%%3A%%2F%%2F127.0.0.2%%3A%d%%2Ftext", h.port);
  crawl(lines, 2, args, &run);
  ck_assert(json_is_true(json_object_get(harness_record(&run, 0), "ok")));
  record = harness_record(&run, 1);
  assert_error(record, "address_denied");
  ck_assert_str_eq(str(json_object_get(record, "error"), "message"),
                   "connecting to 127.0.0.2 is denied by deny_networks");
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_default_policy_allows_loopback)
{
  struct crawl_run run;
  /* Apart: json_is_true() evaluates its argument twice. */
  json_t *record = crawl_one("/text", NULL, &run);

  ck_assert(json_is_true(json_object_get(record, "ok")));
  crawl_run_free(&run);
}
END_TEST

/* --- one list, every mode
 * ------------------------------------------------------------ */

#define MODE_URLS 1000

struct mode_expectation {
  const char *args[9];
  bool threads;   /* records from thread workers expected */
  bool processes; /* records from process workers expected */
  int workers;    /* distinct worker ids expected */
};

static void crawl_in_mode(const struct mode_expectation *mode)
{
  char **lines = calloc(MODE_URLS, sizeof(*lines));
  bool seen_seq[MODE_URLS] = { false };
  bool seen_worker[8] = { false };
  int thread_records = 0;
  int process_records = 0;
  int workers = 0;
  struct crawl_run run;
  size_t index;
  json_t *record;

  for(int i = 0; i < MODE_URLS; i++)
    ck_assert_int_ge(asprintf(&lines[i], "/delay?ms=0&n=%d", i), 0);
  crawl((const char *const *)lines, MODE_URLS, mode->args, &run);
  json_array_foreach(run.records, index, record)
  {
    long long seq = num(record, "seq");
    json_t *worker = json_object_get(record, "worker");
    char path[64];

    ck_assert(seq >= 0 && seq < MODE_URLS);
    ck_assert_msg(!seen_seq[seq], "seq %lld twice", seq);
    seen_seq[seq] = true;
    snprintf(path, sizeof(path), "/delay?ms=0&n=%lld", seq);
    assert_url(record, "url", path);
    ck_assert(json_is_true(json_object_get(record, "ok")));
    if(strcmp(str(worker, "kind"), "thread") == 0) {
      thread_records++;
      ck_assert_int_eq(num(worker, "pid"), run.pid);
    }
    else {
      ck_assert_str_eq(str(worker, "kind"), "process");
      ck_assert_int_ne(num(worker, "pid"), run.pid);
      process_records++;
    }
    ck_assert(num(worker, "id") >= 0 && num(worker, "id") < 8);
    seen_worker[num(worker, "id")] = true;
  }
  for(int id = 0; id < 8; id++)
    workers += seen_worker[id];
  ck_assert_int_eq(thread_records + process_records, MODE_URLS);
  ck_assert_int_eq(thread_records > 0, mode->threads);
  ck_assert_int_eq(process_records > 0, mode->processes);
  ck_assert_int_eq(workers, mode->workers);
  crawl_run_free(&run);
  for(int i = 0; i < MODE_URLS; i++)
    free(lines[i]);
  free(lines);
}

START_TEST(test_sequential_mode_gives_one_record_per_url)
{
  static const struct mode_expectation mode = {
    { "--threads", "1", "--processes", "0", "--inflight", "1", NULL },
    true,
    false,
    1
  };

  crawl_in_mode(&mode);
}
END_TEST

START_TEST(test_threads_mode_gives_one_record_per_url)
{
  static const struct mode_expectation mode = {
    { "--threads", "3", "--processes", "0", "--inflight", "8", NULL },
    true,
    false,
    3
  };

  crawl_in_mode(&mode);
}
END_TEST

START_TEST(test_processes_mode_gives_one_record_per_url)
{
  static const struct mode_expectation mode = {
    { "--threads", "0", "--processes", "3", "--inflight", "8", NULL },
    false,
    true,
    3
  };

  crawl_in_mode(&mode);
}
END_TEST

START_TEST(test_mixed_mode_gives_one_record_per_url)
{
  static const struct mode_expectation mode = {
    { "--threads", "2", "--processes", "2", "--inflight", "8", NULL },
    true,
    true,
    4
  };

  crawl_in_mode(&mode);
}
END_TEST

/* A reader of the output gets each record when the loop has handled it, not
 * when a buffer fills or crawld exits: here the slow page would take ten
 * minutes, and the fast page's record must be readable long before. */
START_TEST(test_records_reach_a_pipe_while_a_slow_fetch_runs)
{
  static const char *const lines[] = { "/delay/600000", "/site/1" };
  const char *crawld = getenv("CRAWLD");
  char *urls = NULL;
  int out[2];
  pid_t pid;
  struct pollfd ready;
  char line[4096];
  ssize_t got;
  json_t *record;
  int status;

  ck_assert_ptr_nonnull(crawld);
  write_urls(lines, 2);
  ck_assert_int_ge(asprintf(&urls, "%s/urls.txt", h.dir), 0);
  ck_assert_int_eq(pipe(out), 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if(pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(crawld, crawld, "--once", urls, "--output", "-", "--threads", "1",
          "--processes", "0", "--timeout", "900", "--low-speed-limit", "0",
          (char *)NULL);
    _exit(127);
  }
  close(out[1]);
  ready = (struct pollfd){ .fd = out[0], .events = POLLIN };
  /* 60 s is only how long a broken build may keep the suite waiting. */
  ck_assert_int_eq(poll(&ready, 1, 60 * 1000), 1);
  got = read(out[0], line, sizeof(line) - 1);
  ck_assert_int_gt(got, 0);
  line[got] = '\0';
  ck_assert_ptr_nonnull(strchr(line, '\n'));
  *strchr(line, '\n') = '\0';
  record = json_loads(line, 0, NULL);
  ck_assert_ptr_nonnull(record);
  ck_assert_int_eq(num(record, "seq"), 1);
  assert_url(record, "url", "/site/1");
  json_decref(record);
  ck_assert_int_eq(kill(pid, SIGKILL), 0);
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFSIGNALED(status));
  close(out[0]);
  free(urls);
}
END_TEST

static Suite *crawl_suite(void)
{
  Suite *suite = suite_create("crawl");
  TCase *records = tcase_create("records");
  TCase *modes = tcase_create("modes");

  tcase_add_unchecked_fixture(records, setup, teardown);
  tcase_set_timeout(records, 120);
  tcase_add_test(records, test_html_page_record_has_every_field);
  tcase_add_test(records, test_text_body_is_counted_and_hashed);
  tcase_add_test(records, test_http_error_status_is_an_error);
  tcase_add_test(records, test_redirect_chain_is_followed);
  tcase_add_test(records, test_redirects_beyond_the_limit_fail);
  tcase_add_test(records, test_max_redirects_flag_sets_the_limit);
  tcase_add_test(records, test_redirect_to_other_protocols_is_denied);
  tcase_add_test(records, test_body_at_the_limit_is_kept_whole);
  tcase_add_test(records, test_body_over_the_limit_is_cut);
  tcase_add_test(records, test_endless_body_is_cut);
  tcase_add_test(records, test_compression_bomb_is_cut_after_decoding);
  tcase_add_test(records, test_slow_drip_hits_the_low_speed_limit);
  tcase_add_test(records, test_slow_answer_hits_the_total_timeout);
  tcase_add_test(records, test_refused_connection_is_a_connect_error);
  tcase_add_test(records, test_proxy_from_the_environment_is_used);
  tcase_add_test(records, test_reset_mid_body_is_a_receive_error);
  tcase_add_test(records, test_invalid_utf8_is_replaced_and_flagged);
  tcase_add_test(records, test_huge_title_is_cut);
  tcase_add_test(records, test_reused_handle_starts_each_page_afresh);
  tcase_add_test(records, test_bad_lines_get_records_and_the_rest_goes_on);
  tcase_add_test(records, test_denied_network_is_caught_in_every_spelling);
  tcase_add_test(records, test_redirect_to_denied_network_is_caught);
  tcase_add_test(records, test_default_policy_allows_loopback);
  tcase_add_test(records, test_records_reach_a_pipe_while_a_slow_fetch_runs);
  suite_add_tcase(suite, records);

  tcase_add_unchecked_fixture(modes, setup, teardown);
  tcase_set_timeout(modes, 300);
  tcase_add_test(modes, test_sequential_mode_gives_one_record_per_url);
  tcase_add_test(modes, test_threads_mode_gives_one_record_per_url);
  tcase_add_test(modes, test_processes_mode_gives_one_record_per_url);
  tcase_add_test(modes, test_mixed_mode_gives_one_record_per_url);
  suite_add_tcase(suite, modes);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(crawl_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
