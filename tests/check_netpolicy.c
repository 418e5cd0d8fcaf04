/* check_netpolicy.c - deny_networks: parsing and matching, every spelling of
 * an address. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "netpolicy.h"

static struct netpolicy policy;

static void parse_ok(const char *text)
{
  char err[160] = "";

  ck_assert_msg(netpolicy_parse(text, &policy, err, sizeof(err)) == 0,
                "'%s' refused: %s", text, err);
}

/* Whether the policy denies the address written as text (v4 or v6). */
static bool denied(const char *text)
{
  struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
  struct sockaddr_in v4 = { .sin_family = AF_INET };

  if(inet_pton(AF_INET, text, &v4.sin_addr) == 1)
    return netpolicy_denies(&policy, (struct sockaddr *)&v4);
  ck_assert_int_eq(inet_pton(AF_INET6, text, &v6.sin6_addr), 1);
  return netpolicy_denies(&policy, (struct sockaddr *)&v6);
}

START_TEST(test_default_denies_link_local_and_metadata)
{
  parse_ok(NETPOLICY_DEFAULT);
  ck_assert_int_eq(policy.count, 4);
  ck_assert(denied("169.254.169.254"));
  ck_assert(denied("169.254.0.1"));
  ck_assert(denied("fe80::1"));
  ck_assert(denied("fd00:ec2::254"));
  ck_assert(denied("100.100.100.200"));
  ck_assert(!denied("169.255.0.1"));
  ck_assert(!denied("93.184.216.34"));
  ck_assert(!denied("2001:db8::1"));
}
END_TEST

START_TEST(test_ipv4_spelled_in_ipv6_is_caught)
{
  parse_ok("169.254.0.0/16");
  ck_assert(denied("::ffff:169.254.169.254"));
  ck_assert(denied("64:ff9b::169.254.169.254"));
  ck_assert(denied("::169.254.169.254"));
  ck_assert(!denied("::ffff:8.8.8.8"));
  ck_assert(!denied("::1"));
}
END_TEST

START_TEST(test_prefix_boundaries_are_exact)
{
  parse_ok("10.1.2.0/23, 2001:db8:8000::/33");
  ck_assert(denied("10.1.2.0"));
  ck_assert(denied("10.1.3.255"));
  ck_assert(!denied("10.1.4.0"));
  ck_assert(!denied("10.1.1.255"));
  ck_assert(denied("2001:db8:8000::1"));
  ck_assert(denied("2001:db8:ffff:ffff::1"));
  ck_assert(!denied("2001:db8:7fff::1"));
}
END_TEST

START_TEST(test_host_without_prefix_is_one_address)
{
  parse_ok("127.0.0.2 ::2");
  ck_assert(denied("127.0.0.2"));
  ck_assert(!denied("127.0.0.1"));
  ck_assert(!denied("127.0.0.3"));
  ck_assert(denied("::2"));
  ck_assert(!denied("::3"));
}
END_TEST

START_TEST(test_zero_prefix_denies_every_address_of_its_family)
{
  parse_ok("0.0.0.0/0");
  ck_assert(denied("1.2.3.4"));
  ck_assert(denied("::ffff:1.2.3.4"));
  ck_assert(!denied("2001:db8::1"));
}
END_TEST

START_TEST(test_none_is_the_empty_list)
{
  char err[160];

  parse_ok("none");
  ck_assert_int_eq(policy.count, 0);
  ck_assert(!denied("169.254.169.254"));
  ck_assert_int_eq(netpolicy_parse("", &policy, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "no networks given (write 'none' for none)");
  ck_assert_int_eq(
      netpolicy_parse("none 10.0.0.0/8", &policy, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_bad_networks_are_refused_with_the_culprit)
{
  static const char *const bad[] = { "10.0.0.0/33", "fe80::/129",
                                     "10.0.0.0/",   "10.0.0.0/x",
                                     "10.0.0",      "example.org",
                                     "/8",          "10.0.0.0/-1" };
  char err[160];

  for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    ck_assert_msg(netpolicy_parse(bad[i], &policy, err, sizeof(err)) == -1,
                  "'%s' accepted", bad[i]);
    ck_assert_msg(strstr(err, bad[i]) != NULL, "'%s' not in '%s'", bad[i],
                  err);
  }
}
END_TEST

START_TEST(test_more_than_the_maximum_is_refused)
{
  char text[NETPOLICY_MAX_RULES * 16 + 32] = "";
  char err[160];

  for(int i = 0; i <= NETPOLICY_MAX_RULES; i++) {
    char one[16];

    snprintf(one, sizeof(one), "10.0.%d.0/24 ", i);
    strcat(text, one);
  }
  ck_assert_int_eq(netpolicy_parse(text, &policy, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "more than 64 networks");
}
END_TEST

static Suite *netpolicy_suite(void)
{
  Suite *suite = suite_create("netpolicy");
  TCase *tc = tcase_create("netpolicy");

  tcase_add_test(tc, test_default_denies_link_local_and_metadata);
  tcase_add_test(tc, test_ipv4_spelled_in_ipv6_is_caught);
  tcase_add_test(tc, test_prefix_boundaries_are_exact);
  tcase_add_test(tc, test_host_without_prefix_is_one_address);
  tcase_add_test(tc, test_zero_prefix_denies_every_address_of_its_family);
  tcase_add_test(tc, test_none_is_the_empty_list);
  tcase_add_test(tc, test_bad_networks_are_refused_with_the_culprit);
  tcase_add_test(tc, test_more_than_the_maximum_is_refused);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(netpolicy_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
