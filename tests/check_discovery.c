/* check_discovery.c - crawld --once following links: a site of pages the
 * test writes itself (testserver --site-dir), with links in every form a
 * crawler meets, and the set of pages each scope, depth and cap must fetch,
 * worked out here from the site as written and compared exactly with the
 * records.
 *
 * The seed host is "localhost" (the server's 127.0.0.1 listener), so that
 * links may spell it in upper case; 127.0.0.2 (the second listener, the
 * same files) is another host, out of host scope. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "harness.h"

static struct harness h;

static void setup(void)
{
  harness_start_hosts(&h, 1);
}

static void teardown(void)
{
  harness_stop(&h);
}

/* "http://localhost:PORT/files/" + path, in a static buffer per call
 * slot. */
static const char *site_url(const char *path)
{
  static char urls[8][9000];
  static int next;
  char *url = urls[next++ % 8];

  snprintf(url, sizeof(urls[0]), "http://localhost:%d/files/%s", h.port, path);
  return url;
}

static const char *other_url(const char *path)
{
  static char url[512];

  snprintf(url, sizeof(url), "http://127.0.0.2:%d/files/%s", h.host_port[0],
           path);
  return url;
}

static void page(const char *path, const char *body)
{
  harness_site_file(&h, path, body);
}

static void page_fmt(const char *path, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* A page printed from format (harness_fmt's buffer is too small for some). */
static void page_fmt(const char *path, const char *format, ...)
{
  va_list args;
  char *body;
  int len;

  va_start(args, format);
  len = vasprintf(&body, format, args);
  va_end(args);
  ck_assert_int_ge(len, 0);
  page(path, body);
  free(body);
}

/* A page with a title and nothing to follow. */
static void plain(const char *path)
{
  page_fmt(path,
           "<!DOCTYPE html><html><head><title>%s</title></head><body>"
           "<p>%s</p></body></html>",
           path, path);
}

/* The site: index.html links to pages in every form. The comments say
 * where each link leads, which is what the expected sets below are made
 * of. */
static void write_site(void)
{
  char *long_href = malloc(9 * 1024 + 1);

  ck_assert_ptr_nonnull(long_href);
  memset(long_href, 'x', 9 * 1024);
  long_href[9 * 1024] = '\0';
  page_fmt("index.html",
           "<!DOCTYPE html><html><head><title>Index</title>"
           "<link rel=\"canonical\" href=\"/files/index.html\">" /* itself */
           "<link rel=\"next\" href=\"next.html\">"              /* next */
           "<link rel=\"stylesheet\" href=\"style.css\">"        /* no */
           "</head><body>"
           "<a href=\"a.html\">relative</a>"
           "<a href=\"./b.html\">dot</a>"
           "<a href=\"dir/c.html\">subdirectory</a>"
           "<a href=\"http://localhost:%d/files/f.html\">absolute</a>"
           "<a href=\"//localhost:%d/files/g.html\">protocol-relative</a>"
           "<a href=\"a.html#top\">fragment: a</a>"
           "<a href=\"HTTP://LocalHost:%d/files/h.html\">upper case</a>"
           "<a href=\"%%7Euser/i.html\">escaped tilde</a>"
           "<a href=\"~user/i.html\">tilde: the same</a>"
           "<a href=\"j%%2ehtml\">escaped dot: j.html</a>"
           "<a href=\"k.html?a=1&amp;b=2\">entity</a>"
           "<a href=\"%s\">other host</a>"
           "<a href=\"javascript:void(0)\">script</a>"
           "<a href=\"mailto:someone@example.org\">mail</a>"
           "<a href=\"http://[::1/broken\">malformed</a>"
           "<a href=\"/files/%s\">over 8 KiB</a>"
           "<a rel=\"nofollow\" href=\"n.html\">nofollow</a>"
           "<a href=\"nofollow.html\">a page that says nofollow</a>"
           "<a href=\"r.html\">redirect to s</a>"
           "<a href=\"r2.html\">redirect to the other host</a>"
           "<a href=\"missing.html\">404</a>"
           "<map><area href=\"area.html\"></map>"
           "<iframe src=\"frame.html\"></iframe>"
           "<meta http-equiv=\"refresh\" content=\"30; url=refresh.html\">"
           "</body></html>",
           h.port, h.port, h.port, other_url("m.html"), long_href);
  free(long_href);
  page("a.html", "<title>a</title><a href=\"index.html\">back</a>"
                 "<a href=\"A.html\">another page: paths have case</a>");
  page("dir/c.html", "<title>c</title><a href=\"../d.html\">up</a>"
                     "<a href=\"./e.html\">here</a>"
                     "<a href=\"base.html\">base</a>");
  page("dir/base.html", "<html><head><base href=\"/files/other/\">"
                        "</head><body><a href=\"l.html\">l</a></body>");
  page("nofollow.html", "<html><head><meta name=\"robots\" "
                        "content=\"noindex, nofollow\"></head><body>"
                        "<a href=\"o.html\">o</a></body></html>");
  page("r.html.location", "/files/s.html");
  page("r2.html.location", other_url("t.html"));
  static const char *const plain_pages[] = {
    "b.html",       "f.html", "g.html",    "h.html",     "~user/i.html",
    "j.html",       "k.html", "next.html", "area.html",  "frame.html",
    "refresh.html", "A.html", "d.html",    "dir/e.html", "other/l.html",
    "s.html",       "m.html", "n.html",    "o.html",     "t.html",
  };
  for(size_t i = 0; i < sizeof(plain_pages) / sizeof(plain_pages[0]); i++)
    plain(plain_pages[i]);
}

/* The pages of host scope from index.html: everything on localhost that a
 * followed link leads to, each once. */
static const char *const host_pages[] = {
  "index.html",
  "next.html",
  "a.html",
  "b.html",
  "dir/c.html",
  "f.html",
  "g.html",
  "h.html",
  "~user/i.html",
  "j.html",
  "k.html?a=1&b=2",
  "nofollow.html",
  "r.html",
  "r2.html",
  "missing.html",
  "area.html",
  "frame.html",
  "refresh.html",
  "A.html",
  "s.html",
  /* the last four only through dir/c.html */
  "d.html",
  "dir/e.html",
  "dir/base.html",
  "other/l.html",
};
#define HOST_PAGES (sizeof(host_pages) / sizeof(host_pages[0]))

static void crawl_from(const char *seed, const char *const args[],
                       struct crawl_run *run)
{
  char *line = NULL;

  ck_assert_int_ge(asprintf(&line, "%s\n", site_url(seed)), 0);
  free(harness_write(&h, "urls.txt", line, strlen(line)));
  free(line);
  harness_crawl(&h, "urls.txt", args, run);
  ck_assert_msg(run->exit_status == 0, "crawld exited %d; log:\n%s",
                run->exit_status, run->log);
}

/* The record of url, failing unless there is exactly one. */
static json_t *record_of(const struct crawl_run *run, const char *url)
{
  json_t *found = NULL, *record;
  size_t index;

  json_array_foreach(run->records, index, record)
  {
    if(strcmp(json_string_value(json_object_get(record, "url")), url) == 0) {
      ck_assert_msg(found == NULL, "%s has two records", url);
      found = record;
    }
  }
  ck_assert_msg(found != NULL, "%s has no record", url);
  return found;
}

/* The records are exactly those of the pages (paths under /files/), one
 * each, and every seq from 0 up is used once. */
static void assert_pages(const struct crawl_run *run,
                         const char *const pages[], size_t count)
{
  size_t records = json_array_size(run->records);
  bool *seqs = calloc(records, sizeof(bool));

  ck_assert_ptr_nonnull(seqs);
  for(size_t i = 0; i < count; i++)
    record_of(run, site_url(pages[i]));
  for(size_t i = 0; i < records; i++) {
    json_t *record = json_array_get(run->records, i);
    long long seq = json_integer_value(json_object_get(record, "seq"));

    ck_assert_msg(seq >= 0 && (size_t)seq < records && !seqs[seq],
                  "seq %lld out of range or twice", seq);
    seqs[seq] = true;
  }
  free(seqs);
  ck_assert_msg(records == count, "%zu records for %zu pages; log:\n%s",
                records, count, run->log);
}

static long long links_field(json_t *record, const char *key)
{
  json_t *links = json_object_get(record, "links");

  ck_assert_msg(json_is_object(links), "no links object");
  return json_integer_value(json_object_get(links, key));
}

static const char *const deep[] = { "--depth", "10", "--ignore-robots", NULL };

START_TEST(test_host_scope_fetches_every_linked_page_once)
{
  struct crawl_run run;
  json_t *index, *redirect, *s;

  write_site();
  crawl_from("index.html", deep, &run);
  assert_pages(&run, host_pages, HOST_PAGES);

  index = record_of(&run, site_url("index.html"));
  ck_assert_int_eq(json_integer_value(json_object_get(index, "seq")), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(index, "depth")), 0);
  ck_assert(json_is_null(json_object_get(index, "via")));
  /* 21 a, 2 link (the stylesheet is no link to follow), area, iframe and
   * the refresh; script, mail, the malformed and the long one dropped. */
  ck_assert_int_eq(links_field(index, "found"), 26);
  ck_assert_int_eq(links_field(index, "dropped"), 4);
  /* Distinct, in scope, followable: 18; the page itself was seen. */
  ck_assert_int_eq(links_field(index, "in_scope"), 18);
  ck_assert_int_eq(links_field(index, "new"), 17);

  /* A redirect is a record of its own; its target is found at its depth,
   * through it. */
  redirect = record_of(&run, site_url("r.html"));
  ck_assert_int_eq(json_integer_value(json_object_get(redirect, "status")),
                   301);
  ck_assert_int_eq(links_field(redirect, "found"), 1);
  ck_assert_int_eq(links_field(redirect, "new"), 1);
  s = record_of(&run, site_url("s.html"));
  ck_assert_int_eq(json_integer_value(json_object_get(s, "depth")), 1);
  ck_assert_str_eq(json_string_value(json_object_get(s, "via")),
                   site_url("r.html"));
  ck_assert_int_eq(
      links_field(record_of(&run, site_url("r2.html")), "in_scope"), 0);
  ck_assert_int_eq(json_integer_value(json_object_get(
                       record_of(&run, site_url("other/l.html")), "depth")),
                   3);
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_prefix_scope_stays_under_the_seed_directory)
{
  static const char *const args[] = { "--depth",         "10",
                                      "--scope",         "prefix",
                                      "--ignore-robots", NULL };
  static const char *const pages[] = { "dir/c.html", "dir/e.html",
                                       "dir/base.html" };
  struct crawl_run run;

  write_site();
  crawl_from("dir/c.html", args, &run);
  assert_pages(&run, pages, 3);
  crawl_run_free(&run);
}
END_TEST

/* "http://HOST:PORT/files/dom/" + path: curl takes any name under
 * localhost for the loopback address without asking DNS, and libpsl (no
 * rule for localhost: "*" makes it a public suffix) makes x.localhost the
 * registrable domain of every name under it. */
static const char *dom_url(const char *host, const char *path)
{
  static char urls[8][512];
  static int next;
  char *url = urls[next++ % 8];

  snprintf(url, sizeof(urls[0]), "http://%s:%d/files/dom/%s", host, h.port,
           path);
  return url;
}

/* The registrable domain of the seed, whatever its host: a.x.localhost's
 * links to b.x.localhost and x.localhost are in, those to y.localhost,
 * localhost (a public suffix) and 127.0.0.1 are not. */
START_TEST(test_domain_scope_takes_the_registrable_domain_of_the_seed)
{
  static const char *const domain[] = { "--depth",         "10",
                                        "--scope",         "domain",
                                        "--ignore-robots", NULL };
  static const char *const host[] = { "--depth", "10", "--ignore-robots",
                                      NULL };
  const char *expected[4];
  struct crawl_run run;
  char *line = NULL;

  page_fmt("dom/index.html",
           "<title>dom</title><a href=\"%s\">sibling</a>"
           "<a href=\"%s\">the domain itself</a><a href=\"%s\">other</a>"
           "<a href=\"%s\">suffix</a><a href=\"%s\">address</a>",
           dom_url("b.x.localhost", "b.html"),
           dom_url("x.localhost", "x.html"),
           dom_url("c.y.localhost", "y.html"), dom_url("localhost", "l.html"),
           dom_url("127.0.0.1", "i.html"));
  page("dom/b.html", "<title>b</title><a href=\"b2.html\">b2</a>"
                     "<a href=\"http://B.X.LOCALHOST:1/x\">other port</a>");
  plain("dom/b2.html");
  plain("dom/x.html");
  plain("dom/y.html");
  plain("dom/l.html");
  plain("dom/i.html");
  ck_assert_int_ge(
      asprintf(&line, "%s\n", dom_url("a.x.localhost", "index.html")), 0);
  free(harness_write(&h, "urls.txt", line, strlen(line)));
  free(line);

  harness_crawl(&h, "urls.txt", domain, &run);
  ck_assert_msg(run.exit_status == 0, "%s", run.log);
  expected[0] = dom_url("a.x.localhost", "index.html");
  expected[1] = dom_url("b.x.localhost", "b.html");
  expected[2] = dom_url("x.localhost", "x.html");
  expected[3] = dom_url("b.x.localhost", "b2.html");
  /* ...and the other port of b.x.localhost: in the domain, and refused. */
  ck_assert_uint_eq(json_array_size(run.records), 5);
  for(size_t i = 0; i < 4; i++) {
    json_t *record = record_of(&run, expected[i]);

    ck_assert_int_eq(json_integer_value(json_object_get(record, "status")),
                     200);
  }
  ck_assert(json_is_false(
      json_object_get(record_of(&run, "http://b.x.localhost:1/x"), "ok")));
  ck_assert_int_eq(links_field(record_of(&run, expected[0]), "in_scope"), 2);
  crawl_run_free(&run);

  /* Host scope from the same seed: its own host only. */
  harness_crawl(&h, "urls.txt", host, &run);
  ck_assert_msg(run.exit_status == 0, "%s", run.log);
  ck_assert_uint_eq(json_array_size(run.records), 1);
  ck_assert_int_eq(links_field(record_of(&run, expected[0]), "in_scope"), 0);
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_depth_limits_how_far_links_are_followed)
{
  static const char *const args[] = { "--depth", "1", "--ignore-robots",
                                      NULL };
  /* index and what it links to, and s: a redirect's target keeps the depth
   * of the redirect. */
  static const char *const pages[] = {
    "index.html",   "next.html",    "a.html",         "b.html",
    "dir/c.html",   "f.html",       "g.html",         "h.html",
    "~user/i.html", "j.html",       "k.html?a=1&b=2", "nofollow.html",
    "r.html",       "r2.html",      "missing.html",   "area.html",
    "frame.html",   "refresh.html", "s.html",
  };
  struct crawl_run run;
  json_t *c;

  write_site();
  crawl_from("index.html", args, &run);
  assert_pages(&run, pages, sizeof(pages) / sizeof(pages[0]));
  /* At the last depth links are counted, none taken. */
  c = record_of(&run, site_url("dir/c.html"));
  ck_assert_int_eq(links_field(c, "found"), 3);
  ck_assert_int_eq(links_field(c, "in_scope"), 3);
  ck_assert_int_eq(links_field(c, "new"), 0);
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_max_pages_ends_the_job_and_counts_the_unvisited)
{
  static const char *const args[] = { "--depth",         "10",
                                      "--max-pages",     "5",
                                      "--ignore-robots", NULL };
  /* index, then the first four it found, in the order they were found. */
  static const char *const pages[] = { "index.html", "next.html", "a.html",
                                       "b.html", "dir/c.html" };
  struct crawl_run run;

  write_site();
  crawl_from("index.html", args, &run);
  assert_pages(&run, pages, 5);
  /* 17 found on index, A.html on a, three on c: 21, 4 of them fetched. */
  ck_assert_msg(strstr(run.log, "max_pages 5 reached: 17 URLs left "
                                "unvisited") != NULL,
                "%s", run.log);
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_urls_robots_txt_denies_get_their_record_and_no_fetch)
{
  static const char *const args[] = { "--depth", "10", NULL };
  struct crawl_run run;
  json_t *c;
  char *log_path, *log;

  write_site();
  free(harness_write(&h, "robots/127.0.0.1",
                     "User-agent: *\nDisallow: /files/dir/\n", 36));
  crawl_from("index.html", args, &run);
  /* c is denied, so what only c links to is never found. */
  assert_pages(&run, host_pages, HOST_PAGES - 4);
  c = record_of(&run, site_url("dir/c.html"));
  ck_assert_str_eq(
      json_string_value(json_object_get(json_object_get(c, "error"), "code")),
      "robots_denied");
  ck_assert(json_is_null(json_object_get(c, "links")));
  log_path = harness_server_log(&h);
  log = harness_read_text(log_path);
  ck_assert_ptr_null(strstr(log, "/files/dir/"));
  free(log);
  free(log_path);
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_record_links_lists_the_in_scope_links_once_each)
{
  static const char *const args[] = { "--depth", "1", "--record-links",
                                      "--ignore-robots", NULL };
  static const char *const listed[] = {
    "index.html",   "next.html",    "a.html",         "b.html",
    "dir/c.html",   "f.html",       "g.html",         "h.html",
    "~user/i.html", "j.html",       "k.html?a=1&b=2", "nofollow.html",
    "r.html",       "r2.html",      "missing.html",   "area.html",
    "frame.html",   "refresh.html",
  };
  struct crawl_run run;
  json_t *urls;

  write_site();
  crawl_from("index.html", args, &run);
  urls = json_object_get(
      json_object_get(record_of(&run, site_url("index.html")), "links"),
      "urls");
  ck_assert_uint_eq(json_array_size(urls), sizeof(listed) / sizeof(listed[0]));
  for(size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++)
    ck_assert_str_eq(json_string_value(json_array_get(urls, i)),
                     site_url(listed[i]));
  crawl_run_free(&run);
}
END_TEST

START_TEST(test_a_truncated_page_gives_its_links_up_to_the_cut)
{
  static const char *const args[] = { "--depth",         "1",
                                      "--max-body",      "1000",
                                      "--ignore-robots", NULL };
  static const char *const pages[] = { "cut.html", "before.html" };
  struct crawl_run run;
  json_t *cut;
  char body[4096];

  snprintf(body, sizeof(body),
           "<html><body><a href=\"before.html\">before</a><p>%01000d</p>"
           "<a href=\"after.html\">after</a></body></html>",
           0);
  page("cut.html", body);
  plain("before.html");
  plain("after.html");
  crawl_from("cut.html", args, &run);
  assert_pages(&run, pages, 2);
  cut = record_of(&run, site_url("cut.html"));
  ck_assert(json_is_true(json_object_get(cut, "truncated")));
  ck_assert_int_eq(links_field(cut, "found"), 1);
  crawl_run_free(&run);
}
END_TEST

static Suite *discovery_suite(void)
{
  Suite *suite = suite_create("discovery");
  TCase *tc = tcase_create("discovery");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_host_scope_fetches_every_linked_page_once);
  tcase_add_test(tc, test_prefix_scope_stays_under_the_seed_directory);
  tcase_add_test(tc,
                 test_domain_scope_takes_the_registrable_domain_of_the_seed);
  tcase_add_test(tc, test_depth_limits_how_far_links_are_followed);
  tcase_add_test(tc, test_max_pages_ends_the_job_and_counts_the_unvisited);
  tcase_add_test(tc,
                 test_urls_robots_txt_denies_get_their_record_and_no_fetch);
  tcase_add_test(tc, test_record_links_lists_the_in_scope_links_once_each);
  tcase_add_test(tc, test_a_truncated_page_gives_its_links_up_to_the_cut);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(discovery_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
