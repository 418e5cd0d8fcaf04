/* check_sockwatch.c - a keep-alive connection stays registered with the
 * event base between transfers, and connections that close, announced or
 * not, are let go: the next transfer on a new socket (often with the same fd
 * number) is watched and completes.
 *
 * The transfers run one after another on one easy handle, through a libcurl
 * multi handle, a sockwatch and a libevent loop, as in a worker. Each has a
 * 5 s limit, so a socket left unwatched fails the test as a timeout instead
 * of hanging it. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include <check.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "harness.h"
#include "sockwatch.h"

#define PAGES 10

static struct harness h;

static void setup(void)
{
  harness_start(&h);
  ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
}

static void teardown(void)
{
  curl_global_cleanup();
  harness_stop(&h);
}

/* A multi handle on an event base through a sockwatch, as worker.c sets it
 * up, for one transfer at a time. */
struct loop {
  struct event_base *base;
  struct event *timer;
  struct sockwatch *watch;
  CURLM *multi;
  CURL *easy;
  int running;
  bool done;
  CURLcode result;
};

static void check_done(struct loop *loop)
{
  CURLMsg *message;
  int pending;

  while((message = curl_multi_info_read(loop->multi, &pending)) != NULL) {
    if(message->msg != CURLMSG_DONE)
      continue;
    loop->result = message->data.result;
    loop->done = true;
    event_base_loopbreak(loop->base);
  }
}

static void on_ready(curl_socket_t fd, int curl_select, void *arg)
{
  struct loop *loop = arg;

  curl_multi_socket_action(loop->multi, fd, curl_select, &loop->running);
  check_done(loop);
}

static void on_timer(evutil_socket_t fd, short events, void *arg)
{
  struct loop *loop = arg;

  (void)fd;
  (void)events;
  curl_multi_socket_action(loop->multi, CURL_SOCKET_TIMEOUT, 0,
                           &loop->running);
  check_done(loop);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *arg)
{
  struct loop *loop = arg;
  struct timeval delay = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

  (void)multi;
  if(timeout_ms < 0)
    return evtimer_del(loop->timer);
  return evtimer_add(loop->timer, &delay);
}

static size_t discard(char *data, size_t size, size_t count, void *arg)
{
  (void)data;
  (void)arg;
  return size * count;
}

static void loop_open(struct loop *loop)
{
  loop->base = event_base_new();
  ck_assert_ptr_nonnull(loop->base);
  loop->timer = evtimer_new(loop->base, on_timer, loop);
  loop->watch = sockwatch_new(loop->base, on_ready, loop);
  loop->multi = curl_multi_init();
  loop->easy = curl_easy_init();
  ck_assert_ptr_nonnull(loop->timer);
  ck_assert_ptr_nonnull(loop->watch);
  ck_assert_ptr_nonnull(loop->multi);
  ck_assert_ptr_nonnull(loop->easy);
  ck_assert_int_eq(sockwatch_attach_multi(loop->watch, loop->multi), CURLM_OK);
  ck_assert_int_eq(
      curl_multi_setopt(loop->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer),
      CURLM_OK);
  ck_assert_int_eq(curl_multi_setopt(loop->multi, CURLMOPT_TIMERDATA, loop),
                   CURLM_OK);
  ck_assert_int_eq(sockwatch_attach_easy(loop->watch, loop->easy), CURLE_OK);
  ck_assert_int_eq(
      curl_easy_setopt(loop->easy, CURLOPT_WRITEFUNCTION, discard), CURLE_OK);
  ck_assert_int_eq(curl_easy_setopt(loop->easy, CURLOPT_TIMEOUT_MS, 5000L),
                   CURLE_OK);
}

static void loop_close(struct loop *loop)
{
  curl_easy_cleanup(loop->easy);
  curl_multi_cleanup(loop->multi);
  sockwatch_free(loop->watch);
  event_free(loop->timer);
  event_base_free(loop->base);
}

/* Fetches path from the test server (its raw port if raw) to the end;
 * fails the test unless it answers 200. Returns how many new connections
 * the transfer made. */
static long fetch(struct loop *loop, const char *path, bool raw)
{
  char *url = raw ? harness_raw_url(&h, path) : harness_url(&h, path);
  long status = 0;
  long connects = -1;

  loop->done = false;
  ck_assert_int_eq(curl_easy_setopt(loop->easy, CURLOPT_URL, url), CURLE_OK);
  ck_assert_int_eq(curl_multi_add_handle(loop->multi, loop->easy), CURLM_OK);
  while(!loop->done)
    ck_assert_int_ge(event_base_loop(loop->base, EVLOOP_ONCE), 0);
  ck_assert_int_eq(curl_multi_remove_handle(loop->multi, loop->easy),
                   CURLM_OK);
  ck_assert_msg(loop->result == CURLE_OK, "%s: %s", url,
                curl_easy_strerror(loop->result));
  curl_easy_getinfo(loop->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(loop->easy, CURLINFO_NUM_CONNECTS, &connects);
  ck_assert_int_eq(status, 200);
  free(url);
  return connects;
}

START_TEST(test_keep_alive_connection_is_registered_once)
{
  struct loop loop = { 0 };
  unsigned long after_first;

  loop_open(&loop);
  ck_assert_int_eq(fetch(&loop, "/site/0", false), 1);
  after_first = sockwatch_registrations(loop.watch);
  /* Connecting waits for writable, then the answer for readable. */
  ck_assert_uint_eq(after_first, 2);
  for(int page = 1; page < PAGES; page++) {
    char path[32];

    snprintf(path, sizeof(path), "/site/%d", page);
    ck_assert_int_eq(fetch(&loop, path, false), 0);
    ck_assert_uint_eq(sockwatch_parked(loop.watch), 1);
  }
  ck_assert_uint_eq(sockwatch_registrations(loop.watch), after_first);
  loop_close(&loop);
}
END_TEST

START_TEST(test_announced_close_lets_the_next_socket_be_watched)
{
  struct loop loop = { 0 };

  loop_open(&loop);
  /* Connection: close: libcurl closes each socket after its page, and the
   * next one usually gets the same fd number. */
  for(int page = 0; page < PAGES; page++) {
    ck_assert_int_eq(fetch(&loop, "/ok", true), 1);
    ck_assert_uint_eq(sockwatch_parked(loop.watch), 0);
  }
  ck_assert_uint_eq(sockwatch_registrations(loop.watch), 2 * PAGES);
  loop_close(&loop);
}
END_TEST

START_TEST(test_silent_close_of_an_idle_connection_is_survived)
{
  struct loop loop = { 0 };

  loop_open(&loop);
  /* The server closes each connection after its page without saying so:
   * the parked socket turns readable (end of file) while idle, and the
   * next transfer must still get a fresh, watched connection. */
  for(int page = 0; page < PAGES; page++) {
    struct harness_deadline deadline;

    ck_assert_int_eq(fetch(&loop, "/silent-close", true), 1);
    /* Until the close arrives and the parked socket is let go (one kept
     * registered would wake the loop at every turn instead). */
    harness_deadline_start(&deadline, 5.0);
    while(sockwatch_parked(loop.watch) > 0) {
      harness_deadline_tick(&deadline, "the parked socket to be let go");
      ck_assert_int_ge(event_base_loop(loop.base, EVLOOP_NONBLOCK), 0);
    }
  }
  ck_assert_uint_eq(sockwatch_registrations(loop.watch), 2 * PAGES);
  loop_close(&loop);
}
END_TEST

static Suite *sockwatch_suite(void)
{
  Suite *suite = suite_create("sockwatch");
  TCase *tcase = tcase_create("connections");

  tcase_add_unchecked_fixture(tcase, setup, teardown);
  tcase_set_timeout(tcase, 60);
  tcase_add_test(tcase, test_keep_alive_connection_is_registered_once);
  tcase_add_test(tcase, test_announced_close_lets_the_next_socket_be_watched);
  tcase_add_test(tcase, test_silent_close_of_an_idle_connection_is_survived);
  suite_add_tcase(suite, tcase);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(sockwatch_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
