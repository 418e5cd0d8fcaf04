/* check_hostile.c - crawld --once against every hostile behaviour of the
 * test server at once, mixed with ordinary pages: each hostile URL gets its
 * own documented error code (or ok), no worker dies, and the ordinary pages
 * around them come out as if nothing had happened. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>

#include "harness.h"

/* Ordinary pages: half before the hostile URLs, half after them */
#define ORDINARY 50
/* above any worker id of these crawls */
#define MAX_WORKER_ID 8

/* Short limits keep the URLs that can only time out to about a second; one
 * attempt per URL, since what is tested is the name each answer gets, not
 * the retries of the transient ones (check_politeness has those). */
#define FETCH_LIMITS                                                   \
  "--timeout", "2", "--connect-timeout", "1", "--low-speed-time", "1", \
      "--max-attempts", "1"

static struct harness h;

struct hostile {
  bool raw; /* on the raw port, else on the HTTP port */
  const char *path;
  const char *code;    /* expected error code; NULL: ok */
  long status;         /* expected status; 0: null, no response */
  const char *title;   /* expected title; NULL: null */
  long long bytes;     /* expected body bytes; -1: any */
  const char *message; /* in the error message, as the code depends on it;
                          NULL: anything */
};

static const struct hostile hostile[] = {
  /* a server that accepts and never answers */
  { true, "/hang", "timeout", 0, NULL, 0, NULL },
  /* the header block never ends, and under the low-speed limit */
  { true, "/slow-headers", "timeout", 200, NULL, 0, NULL },
  /* stopped by libcurl's 300 KiB limit on all headers, long before the
     timeout */
  { true, "/endless-headers", "bad_response", 200, NULL, 0,
    "Too large response headers" },
  /* announces 1000 bytes, sends 10 and closes */
  { true, "/short-body", "partial", 200, NULL, 10, NULL },
  /* announces 10 bytes, sends 1000: libcurl keeps the 10 */
  { true, "/long-body", NULL, 200, NULL, 10, NULL },
  { true, "/chunked-bad-size", "bad_response", 200, NULL, 0,
    "in chunked-encoding" },
  /* the 10 bytes of the chunk are kept */
  { true, "/chunked-no-crlf", "bad_response", 200, NULL, 10,
    "in chunked-encoding" },
  /* libcurl refuses HTTP/0.9; that is the server's fault, not a scheme
     crawld refused */
  { true, "/http09", "bad_response", 0, NULL, 0, "HTTP/0.9" },
  /* other protocols look like HTTP/0.9 to libcurl */
  { true, "/garbage", "bad_response", 0, NULL, 0, "HTTP/0.9" },
  { true, "/tls-hello", "bad_response", 0, NULL, 0, "HTTP/0.9" },
  /* the same libcurl code once more */
  { true, "/bad-version", "bad_response", 0, NULL, 0,
    "Unsupported HTTP version" },
  { true, "/reset-headers", "recv", 200, NULL, 0, NULL },
  { true, "/interim-storm", NULL, 200, "interim-storm", -1, NULL },
  /* no cookie engine: they are headers like any other */
  { true, "/many-cookies", NULL, 200, "many-cookies", -1, NULL },
  { true, "/nul-in-header-name", "bad_response", 200, NULL, 0, NULL },
  /* libcurl only looks for the colon */
  { true, "/bad-header-name", NULL, 200, "bad-header-name", -1, NULL },
  /* a status of 400 or more is http_error, whatever its class */
  { true, "/status-999", "http_error", 999, "status-999", -1, NULL },
  { true, "/no-reason", NULL, 200, "no-reason", -1, NULL },
  /* keep-alive offered, then the connection closed behind the client */
  { true, "/silent-close", NULL, 200, "silent-close", -1, NULL },
  /* a new URL at every hop, so that only the count can stop it */
  { false, "/redirect-new/0", "too_many_redirects", 302, NULL, 0, NULL },
  /* a Location line over libcurl's 100 KiB limit for one header line,
     which libcurl 7.88 reports as out of memory */
  { false, "/redirect-long?bytes=204800", "bad_response", 302, NULL, 0,
    "header line too long" },
  { false, "/false-encoding/gzip", "bad_encoding", 200, NULL, 0, NULL },
  { false, "/false-encoding/x-foo", "bad_encoding", 200, NULL, 0, NULL },
  /* the libcurl code of HTTP/0.9, but a refused scheme */
  { false, "/redirect-to?url=gopher%3A%2F%2F127.0.0.1%2Fx", "protocol_denied",
    302, NULL, 0, "Protocol \"gopher\"" },
};

#define HOSTILE (sizeof(hostile) / sizeof(hostile[0]))
#define LINES (ORDINARY + HOSTILE)

static void setup(void)
{
  harness_start(&h);
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

/* The line of seq: ordinary pages 0 .. ORDINARY/2-1, the hostile URLs in
 * table order, then the other ordinary pages; -1 for an ordinary one, else
 * the hostile index. */
static long hostile_index(size_t seq, long *page)
{
  if(seq < ORDINARY / 2) {
    *page = (long)seq;
    return -1;
  }
  if(seq < ORDINARY / 2 + HOSTILE)
    return (long)(seq - ORDINARY / 2);
  *page = (long)(seq - HOSTILE);
  return -1;
}

static char *line_url(size_t seq)
{
  char path[64];
  long page = 0;
  long index = hostile_index(seq, &page);

  if(index >= 0) {
    return hostile[index].raw ? harness_raw_url(&h, hostile[index].path)
                              : harness_url(&h, hostile[index].path);
  }
  snprintf(path, sizeof(path), "/site/%ld", page);
  return harness_url(&h, path);
}

static void write_urls(void)
{
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);

  ck_assert_ptr_nonnull(out);
  for(size_t seq = 0; seq < LINES; seq++) {
    char *url = line_url(seq);

    fprintf(out, "%s\n", url);
    free(url);
  }
  ck_assert_int_eq(fclose(out), 0);
  free(harness_write(&h, "urls.txt", text, size));
  free(text);
}

static void assert_ordinary(json_t *record, long page)
{
  char title[32];

  snprintf(title, sizeof(title), "Page %ld", page);
  ck_assert_msg(json_is_true(json_object_get(record, "ok")),
                "/site/%ld is not ok", page);
  ck_assert_int_eq(num(record, "status"), 200);
  ck_assert_str_eq(str(record, "title"), title);
}

static void assert_hostile(json_t *record, const struct hostile *expected)
{
  json_t *error = json_object_get(record, "error");
  json_t *title = json_object_get(record, "title");

  if(expected->code == NULL) {
    ck_assert_msg(json_is_true(json_object_get(record, "ok")) &&
                      json_is_null(error),
                  "%s: expected ok, got %s", expected->path,
                  json_is_object(error) ? str(error, "code") : "not ok");
  }
  else {
    ck_assert_msg(json_is_object(error), "%s: no error, expected %s",
                  expected->path, expected->code);
    ck_assert_msg(strcmp(str(error, "code"), expected->code) == 0,
                  "%s: error %s (%s), expected %s", expected->path,
                  str(error, "code"), str(error, "message"), expected->code);
    ck_assert(strlen(str(error, "message")) > 0);
    if(expected->message != NULL)
      ck_assert_msg(strstr(str(error, "message"), expected->message) != NULL,
                    "%s: message \"%s\" without \"%s\"", expected->path,
                    str(error, "message"), expected->message);
    ck_assert(json_is_false(json_object_get(record, "ok")));
  }
  if(expected->bytes >= 0)
    ck_assert_msg(num(record, "bytes") == expected->bytes,
                  "%s: %lld bytes, expected %lld", expected->path,
                  num(record, "bytes"), expected->bytes);
  if(expected->status == 0) {
    ck_assert_msg(json_is_null(json_object_get(record, "status")),
                  "%s: a status, expected none", expected->path);
  }
  else {
    ck_assert_msg(num(record, "status") == expected->status,
                  "%s: status %lld, expected %ld", expected->path,
                  num(record, "status"), expected->status);
  }
  if(expected->title == NULL)
    ck_assert_msg(json_is_null(title), "%s: a title", expected->path);
  else
    ck_assert_str_eq(str(record, "title"), expected->title);
}

/* What the table cannot say */
static void assert_details(const struct crawl_run *run)
{
  static const char kept[] = "0123456789";
  unsigned char digest[32];
  unsigned int digest_len = 0;
  char hex[65];
  char *final_url = harness_url(&h, "/redirect-new/5");
  json_t *record;

  for(size_t i = 0; i < HOSTILE; i++) {
    record = harness_record(run, (long long)(ORDINARY / 2 + i));
    if(strcmp(hostile[i].path, "/long-body") == 0) {
      /* the first 10 bytes, not the last */
      EVP_Digest(kept, strlen(kept), digest, &digest_len, EVP_sha256(), NULL);
      for(unsigned int b = 0; b < digest_len; b++)
        snprintf(hex + 2 * b, 3, "%02x", digest[b]);
      ck_assert_str_eq(str(record, "sha256"), hex);
    }
    else if(strcmp(hostile[i].path, "/redirect-new/0") == 0) {
      ck_assert_int_eq(num(record, "redirects"), 5);
      ck_assert_str_eq(str(record, "final_url"), final_url);
    }
  }
  free(final_url);
}

/* No worker died: crawld exited 0 and logged no lost or killed worker,
 * every URL was fetched at its first attempt, and each worker id kept one
 * pid throughout, so none was replaced; there are as many workers as
 * asked for, thread workers in crawld itself. */
static void assert_workers_survived(const struct crawl_run *run, int workers)
{
  long long pid_of[MAX_WORKER_ID];
  int seen = 0;
  size_t index;
  json_t *record;

  ck_assert_msg(run->exit_status == 0, "crawld exited %d; log:\n%s",
                run->exit_status, run->log);
  ck_assert_msg(strstr(run->log, "lost") == NULL &&
                    strstr(run->log, "killed") == NULL,
                "a worker died; log:\n%s", run->log);
  for(int id = 0; id < MAX_WORKER_ID; id++)
    pid_of[id] = 0;
  json_array_foreach(run->records, index, record)
  {
    json_t *worker = json_object_get(record, "worker");
    long long id = num(worker, "id");
    long long pid = num(worker, "pid");

    ck_assert_int_eq(num(record, "attempt"), 1);
    ck_assert(id >= 0 && id < MAX_WORKER_ID);
    if(strcmp(str(worker, "kind"), "thread") == 0)
      ck_assert_int_eq(pid, run->pid);
    else
      ck_assert_int_ne(pid, run->pid);
    if(pid_of[id] == 0) {
      pid_of[id] = pid;
      seen++;
    }
    ck_assert_msg(pid_of[id] == pid, "worker %lld had pids %lld and %lld", id,
                  pid_of[id], pid);
  }
  ck_assert_int_eq(seen, workers);
}

static void crawl_hostile(const char *const args[], int workers)
{
  bool seen[LINES] = { false };
  struct crawl_run run;
  size_t index;
  json_t *record;

  write_urls();
  harness_crawl(&h, "urls.txt", args, &run);
  assert_workers_survived(&run, workers);
  ck_assert_uint_eq(json_array_size(run.records), LINES);
  json_array_foreach(run.records, index, record)
  {
    long long seq = num(record, "seq");
    char *url;
    long page = 0;
    long hostile_at;

    ck_assert(seq >= 0 && seq < (long long)LINES);
    ck_assert_msg(!seen[seq], "seq %lld twice", seq);
    seen[seq] = true;
    url = line_url((size_t)seq);
    ck_assert_str_eq(str(record, "url"), url);
    free(url);
    hostile_at = hostile_index((size_t)seq, &page);
    if(hostile_at < 0)
      assert_ordinary(record, page);
    else
      assert_hostile(record, &hostile[hostile_at]);
  }
  assert_details(&run);
  crawl_run_free(&run);
}

START_TEST(test_sequential_crawl_survives_every_hostile_server)
{
  static const char *const args[] = { "--threads",  "1", "--processes", "0",
                                      "--inflight", "1", FETCH_LIMITS,  NULL };

  crawl_hostile(args, 1);
}
END_TEST

START_TEST(test_mixed_crawl_survives_every_hostile_server)
{
  static const char *const args[] = {
    "-t", "1", "-p", "1", FETCH_LIMITS, NULL
  };

  crawl_hostile(args, 2);
}
END_TEST

static Suite *hostile_suite(void)
{
  Suite *suite = suite_create("hostile");
  TCase *modes = tcase_create("modes");

  tcase_add_unchecked_fixture(modes, setup, teardown);
  tcase_set_timeout(modes, 60);
  tcase_add_test(modes, test_sequential_crawl_survives_every_hostile_server);
  tcase_add_test(modes, test_mixed_crawl_survives_every_hostile_server);
  suite_add_tcase(suite, modes);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(hostile_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
