/*
 * Unit tests for a job's scope (src/scope.c): which normalised links a job
 * follows, by host, registrable domain or path prefix, then by its
 * regexes.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "jobopts.h"
#include "scope.h"

/* A scope of kind over the seeds (a NULL-terminated list). */
static struct scope *scope_of(const char *kind, const char *include,
                              const char *exclude, const char *const *seeds)
{
  struct jobopts options;
  struct scope *scope;
  char *cause = NULL;

  jobopts_defaults(&options, true);
  ck_assert_int_eq(jobopts_set(&options, "scope", kind, &cause), 0);
  if(include != NULL)
    ck_assert_int_eq(jobopts_set(&options, "include", include, &cause), 0);
  if(exclude != NULL)
    ck_assert_int_eq(jobopts_set(&options, "exclude", exclude, &cause), 0);
  scope = scope_new(&options, &cause);
  ck_assert_msg(scope != NULL, "%s", cause);
  for(size_t i = 0; seeds[i] != NULL; i++)
    ck_assert_int_eq(scope_add_seed(scope, seeds[i]), 0);
  return scope;
}

START_TEST(test_host_scope_takes_the_seed_hosts_under_any_scheme_and_port)
{
  static const char *const seeds[] = { "http://a.example.com/x/y",
                                       "https://[::1]:8080/", NULL };
  struct scope *scope = scope_of("host", NULL, NULL, seeds);

  ck_assert(scope_allows(scope, "http://a.example.com/"));
  ck_assert(scope_allows(scope, "https://a.example.com:8443/z?q=1"));
  ck_assert(scope_allows(scope, "http://[::1]/"));
  ck_assert(!scope_allows(scope, "http://b.example.com/"));
  ck_assert(!scope_allows(scope, "http://example.com/"));
  ck_assert(!scope_allows(scope, "http://a.example.com.evil.org/"));
  ck_assert(!scope_allows(scope, "http://[::2]/"));
  ck_assert_uint_eq(scope_size(scope), 2);
  scope_free(scope);
}
END_TEST

START_TEST(test_domain_scope_takes_the_registrable_domain_from_libpsl)
{
  static const char *const seeds[] = { "http://www.example.co.uk/",
                                       "http://127.0.0.1:8080/", NULL };
  struct scope *scope = scope_of("domain", NULL, NULL, seeds);

  ck_assert(scope_allows(scope, "http://example.co.uk/"));
  ck_assert(scope_allows(scope, "https://a.b.example.co.uk/x"));
  /* co.uk is a public suffix: another registrable domain under it is not
   * the seed's. */
  ck_assert(!scope_allows(scope, "http://other.co.uk/"));
  ck_assert(!scope_allows(scope, "http://example.com/"));
  /* An IP address is its own domain. */
  ck_assert(scope_allows(scope, "http://127.0.0.1/"));
  ck_assert(!scope_allows(scope, "http://127.0.0.2/"));
  scope_free(scope);
}
END_TEST

START_TEST(test_prefix_scope_takes_the_seed_directory_and_below)
{
  static const char *const seeds[] = { "http://h/docs/guide/index.html",
                                       "http://g/blog", NULL };
  struct scope *scope = scope_of("prefix", NULL, NULL, seeds);

  ck_assert(scope_allows(scope, "http://h/docs/guide/"));
  ck_assert(scope_allows(scope, "https://h:81/docs/guide/a/b.html?x=/y"));
  ck_assert(!scope_allows(scope, "http://h/docs/"));
  ck_assert(!scope_allows(scope, "http://h/docs/guidebook/"));
  ck_assert(!scope_allows(scope, "http://other/docs/guide/"));
  /* "http://g/blog" has the directory "/": the whole host. */
  ck_assert(scope_allows(scope, "http://g/anything"));
  ck_assert(scope_allows(scope, "http://g"));
  scope_free(scope);
}
END_TEST

START_TEST(test_include_must_match_and_exclude_must_not)
{
  static const char *const seeds[] = { "http://h/", NULL };
  struct scope *scope = scope_of("host", "^http://h/(a|b)/", "\\.pdf$", seeds);

  ck_assert(scope_allows(scope, "http://h/a/x.html"));
  ck_assert(scope_allows(scope, "http://h/b/"));
  ck_assert(!scope_allows(scope, "http://h/c/x.html"));
  ck_assert(!scope_allows(scope, "http://h/a/x.pdf"));
  /* Out of scope stays out whatever the regexes say. */
  ck_assert(!scope_allows(scope, "http://g/a/x.html"));
  scope_free(scope);
}
END_TEST

START_TEST(test_urls_without_a_host_are_never_in_scope)
{
  static const char *const seeds[] = { "http://h/", "nonsense", "http://",
                                       NULL };
  struct scope *scope = scope_of("host", NULL, NULL, seeds);

  ck_assert_uint_eq(scope_size(scope), 1);
  ck_assert(!scope_allows(scope, "nonsense"));
  ck_assert(!scope_allows(scope, "http://"));
  ck_assert(!scope_allows(scope, "http:///x"));
  scope_free(scope);
}
END_TEST

START_TEST(test_many_seed_hosts_are_all_kept)
{
  static const char *const none[] = { NULL };
  struct scope *scope = scope_of("host", NULL, NULL, none);
  char url[64];

  for(int i = 0; i < 5000; i++) {
    snprintf(url, sizeof(url), "http://host%d.example/", i);
    ck_assert_int_eq(scope_add_seed(scope, url), 0);
  }
  ck_assert_uint_eq(scope_size(scope), 5000);
  for(int i = 0; i < 5000; i++) {
    snprintf(url, sizeof(url), "https://host%d.example/p", i);
    ck_assert_msg(scope_allows(scope, url), "%s", url);
  }
  ck_assert(!scope_allows(scope, "http://host5000.example/"));
  scope_free(scope);
}
END_TEST

static Suite *scope_suite(void)
{
  Suite *suite = suite_create("scope");
  TCase *tc = tcase_create("scope");

  tcase_add_test(
      tc, test_host_scope_takes_the_seed_hosts_under_any_scheme_and_port);
  tcase_add_test(tc,
                 test_domain_scope_takes_the_registrable_domain_from_libpsl);
  tcase_add_test(tc, test_prefix_scope_takes_the_seed_directory_and_below);
  tcase_add_test(tc, test_include_must_match_and_exclude_must_not);
  tcase_add_test(tc, test_urls_without_a_host_are_never_in_scope);
  tcase_add_test(tc, test_many_seed_hosts_are_all_kept);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(scope_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
