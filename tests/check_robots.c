/* check_robots.c - robots.txt (src/robots.h): parsing for one product token
 * and matching paths, against RFC 9309. Each test names the section of the
 * RFC it comes from; "decision" marks a choice robots.h documents where the
 * RFC leaves one. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "robots.h"

static struct robots *robots;

static void parse_bytes(const char *body, size_t len, const char *token)
{
  robots_free(robots);
  robots = robots_parse(body, len, token);
  ck_assert_ptr_nonnull(robots);
}

static void parse(const char *body, const char *token)
{
  parse_bytes(body, strlen(body), token);
}

static void teardown(void)
{
  robots_free(robots);
  robots = NULL;
}

static void expect_bytes(const char *path, size_t len, bool allowed,
                         const char *rule)
{
  const char *got_rule = NULL;
  bool got = robots_allowed(robots, path, len, &got_rule);

  ck_assert_msg(got == allowed, "'%.*s' %s, expected %s", (int)len, path,
                got ? "allowed" : "refused", allowed ? "allowed" : "refused");
  ck_assert_ptr_nonnull(got_rule);
  ck_assert_msg(strcmp(got_rule, rule) == 0,
                "'%.*s' decided by '%s', expected '%s'", (int)len, path,
                got_rule, rule);
}

/* path may be fetched, and rule ("" for none) decided so. */
static void allowed(const char *path, const char *rule)
{
  expect_bytes(path, strlen(path), true, rule);
}

static void refused(const char *path, const char *rule)
{
  expect_bytes(path, strlen(path), false, rule);
}

/* The example of RFC 9309 5.1, "EOF" line and all. */
static const char rfc_5_1[] = "User-Agent: *\n"
                              "Disallow: *.gif$\n"
                              "Disallow: /example/\n"
                              "Allow: /publications/\n"
                              "\n"
                              "User-Agent: foobot\n"
                              "Disallow:/\n"
                              "Allow:/example/page.html\n"
                              "Allow:/example/allowed.gif\n"
                              "\n"
                              "User-Agent: barbot\n"
                              "User-Agent: bazbot\n"
                              "Disallow: /example/page.html\n"
                              "\n"
                              "User-Agent: quxbot\n"
                              "\n"
                              "EOF\n";

/* --- 5 Examples ------------------------------------------------------ */

START_TEST(test_5_1_other_agents_get_the_star_group)
{
  parse(rfc_5_1, "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 3);
  refused("/a/b.gif", "Disallow: *.gif$");
  allowed("/a/b.gif?size=2", "");
  refused("/example/", "Disallow: /example/");
  refused("/example/page.html", "Disallow: /example/");
  allowed("/publications/", "Allow: /publications/");
  allowed("/", "");
}
END_TEST

START_TEST(test_5_1_foobot_may_fetch_only_two_resources)
{
  parse(rfc_5_1, "foobot");
  ck_assert_uint_eq(robots_rule_count(robots), 3);
  allowed("/example/page.html", "Allow: /example/page.html");
  allowed("/example/allowed.gif", "Allow: /example/allowed.gif");
  refused("/", "Disallow: /");
  refused("/example/other.html", "Disallow: /");
  refused("/publications/", "Disallow: /");
}
END_TEST

START_TEST(test_5_1_barbot_and_bazbot_share_one_group)
{
  parse(rfc_5_1, "barbot");
  refused("/example/page.html", "Disallow: /example/page.html");
  allowed("/example/", "");
  allowed("/a.gif", "");
  parse(rfc_5_1, "bazbot");
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  refused("/example/page.html", "Disallow: /example/page.html");
  allowed("/example/other.html", "");
}
END_TEST

START_TEST(test_5_1_quxbot_group_without_rules_allows_everything)
{
  parse(rfc_5_1, "quxbot");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  allowed("/example/page.html", "");
  allowed("/a.gif", "");
}
END_TEST

START_TEST(test_5_2_longest_match_wins)
{
  parse("User-Agent: foobot\n"
        "Allow: /example/page/\n"
        "Disallow: /example/page/disallowed.gif\n",
        "foobot");
  allowed("/example/page/", "Allow: /example/page/");
  allowed("/example/page/other.gif", "Allow: /example/page/");
  refused("/example/page/disallowed.gif",
          "Disallow: /example/page/disallowed.gif");
}
END_TEST

/* --- 2.2.1 The User-Agent Line --------------------------------------- */

START_TEST(test_2_2_1_agent_is_matched_case_insensitively)
{
  parse("User-agent: CrAwLd\nDisallow: /x\n", "crawld");
  refused("/x", "Disallow: /x");
  parse("User-agent: crawld\nDisallow: /x\n", "CRAWLD");
  refused("/x", "Disallow: /x");
}
END_TEST

START_TEST(test_2_2_1_agent_version_after_the_token_is_ignored)
{
  parse("User-agent: crawld/2.0 (+https://example.org)\nDisallow: /x\n",
        "crawld");
  refused("/x", "Disallow: /x");
}
END_TEST

START_TEST(test_2_2_1_agent_must_name_the_whole_token)
{
  parse("User-agent: crawl\nDisallow: /a\n"
        "User-agent: crawldx\nDisallow: /b\n"
        "User-agent: crawld-test\nDisallow: /c\n"
        "User-agent: xcrawld\nDisallow: /d\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  allowed("/a", "");
  allowed("/b", "");
  allowed("/c", "");
  allowed("/d", "");
}
END_TEST

START_TEST(test_2_2_1_groups_naming_us_are_merged)
{
  parse("user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\n"
        "user-agent: other\ndisallow: /other\n\n"
        "user-agent: ExampleBot\ndisallow: /baz\n",
        "ExampleBot");
  ck_assert_uint_eq(robots_rule_count(robots), 3);
  refused("/foo", "Disallow: /foo");
  refused("/bar", "Disallow: /bar");
  refused("/baz", "Disallow: /baz");
  allowed("/other", "");
}
END_TEST

START_TEST(test_2_2_1_consecutive_agents_share_the_group)
{
  parse("User-agent: a\nUser-agent: crawld\nUser-agent: b\n"
        "Disallow: /shared\n",
        "crawld");
  refused("/shared", "Disallow: /shared");
}
END_TEST

START_TEST(test_2_2_1_agent_after_rules_starts_a_new_group)
{
  parse("User-agent: crawld\nDisallow: /a\n"
        "User-agent: other\nDisallow: /b\n",
        "crawld");
  refused("/a", "Disallow: /a");
  allowed("/b", "");
}
END_TEST

START_TEST(test_2_2_1_star_applies_when_no_group_names_us)
{
  parse("user-agent: *\ndisallow: /foo\ndisallow: /bar\n\n"
        "user-agent: BazBot\ndisallow: /baz\n",
        "crawld");
  refused("/foo", "Disallow: /foo");
  refused("/bar", "Disallow: /bar");
  allowed("/baz", "");
}
END_TEST

START_TEST(test_2_2_1_star_ignored_when_a_group_names_us)
{
  parse("User-agent: *\nDisallow: /\n\n"
        "User-agent: crawld\nDisallow: /private\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  allowed("/public", "");
  refused("/private", "Disallow: /private");
}
END_TEST

START_TEST(test_2_2_1_star_groups_are_merged)
{
  parse("User-agent: *\nDisallow: /a\n\n"
        "User-agent: other\nDisallow: /b\n\n"
        "User-agent: *\nDisallow: /c\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 2);
  refused("/a", "Disallow: /a");
  allowed("/b", "");
  refused("/c", "Disallow: /c");
}
END_TEST

START_TEST(test_2_2_1_group_naming_star_and_us_serves_both)
{
  static const char body[] = "User-agent: *\nUser-agent: crawld\n"
                             "Disallow: /x\n\n"
                             "User-agent: *\nDisallow: /y\n";

  parse(body, "crawld");
  refused("/x", "Disallow: /x");
  allowed("/y", "");
  parse(body, "other");
  refused("/x", "Disallow: /x");
  refused("/y", "Disallow: /y");
}
END_TEST

START_TEST(test_2_2_1_no_group_for_us_and_no_star_allows_all)
{
  parse("User-agent: other\nDisallow: /\n", "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  allowed("/", "");
  allowed("/anything", "");
}
END_TEST

START_TEST(test_2_2_1_empty_agent_names_nobody)
{
  parse("User-agent:\nDisallow: /a\n\nUser-agent: *\nDisallow: /b\n", "");
  allowed("/a", "");
  refused("/b", "Disallow: /b");
}
END_TEST

/* --- 2.2.2 The Allow and Disallow Lines ------------------------------ */

START_TEST(test_2_2_2_match_is_a_prefix_from_the_first_octet)
{
  parse("User-agent: *\nDisallow: /help\n", "crawld");
  refused("/help", "Disallow: /help");
  refused("/help.html", "Disallow: /help");
  refused("/help/index?x=1", "Disallow: /help");
  allowed("/about/help", "");
  allowed("/hel", "");
}
END_TEST

START_TEST(test_2_2_2_match_is_case_sensitive)
{
  parse("User-agent: *\nDisallow: /Private\n", "crawld");
  refused("/Private", "Disallow: /Private");
  allowed("/private", "");
}
END_TEST

START_TEST(test_2_2_2_longer_disallow_beats_shorter_allow)
{
  parse("User-agent: *\nAllow: /a\nDisallow: /a/b\n", "crawld");
  refused("/a/b/c", "Disallow: /a/b");
  allowed("/a/c", "Allow: /a");
}
END_TEST

START_TEST(test_2_2_2_allow_wins_a_tie)
{
  parse("User-agent: *\nDisallow: /page\nAllow: /page\n", "crawld");
  allowed("/page", "Allow: /page");
  /* "/a*" and "/ab" are both three octets long. */
  parse("User-agent: *\nDisallow: /ab\nAllow: /a*\n", "crawld");
  allowed("/abc", "Allow: /a*");
}
END_TEST

START_TEST(test_2_2_2_length_is_counted_in_normal_form)
{
  /* "/%7e" is "/~": two octets, as long as the disallow, so allow wins;
   * a raw two-byte UTF-8 letter is six octets once encoded. */
  parse("User-agent: *\nDisallow: /~\nAllow: /%7e\n"
        "Disallow: /\xC3\xA9\nAllow: /%C3%A9x\n",
        "crawld");
  allowed("/~joe", "Allow: /~");
  refused("/%C3%A9", "Disallow: /%C3%A9");
  allowed("/\xC3\xA9xy", "Allow: /%C3%A9x");
}
END_TEST

START_TEST(test_2_2_2_empty_disallow_allows_everything)
{
  parse("User-agent: *\nDisallow:\n", "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  allowed("/", "");
  allowed("/anything", "");
}
END_TEST

START_TEST(test_2_2_2_empty_allow_is_no_rule)
{
  parse("User-agent: *\nAllow:\nDisallow: /x\n", "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  refused("/x", "Disallow: /x");
}
END_TEST

START_TEST(test_2_2_2_empty_disallow_still_ends_the_agent_lines)
{
  /* decision: a rule line with an empty value ends the run of user-agent
   * lines like any other, so crawld's is a group of its own. */
  parse("User-agent: a\nDisallow:\nUser-agent: crawld\nDisallow: /x\n", "a");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  allowed("/x", "");
}
END_TEST

START_TEST(test_2_2_2_no_match_allows)
{
  parse("User-agent: *\nDisallow: /a\nAllow: /b\n", "crawld");
  allowed("/c", "");
}
END_TEST

START_TEST(test_2_2_2_robots_txt_is_implicitly_allowed)
{
  parse("User-agent: *\nDisallow: /\n", "crawld");
  allowed("/robots.txt", "");
  allowed("/robots%2etxt", "");
  refused("/robots.txt?x=1", "Disallow: /");
  refused("/robots.txt.bak", "Disallow: /");
  refused("/dir/robots.txt", "Disallow: /");
}
END_TEST

START_TEST(test_2_2_2_rules_before_any_agent_are_ignored)
{
  parse("Disallow: /early\nCrawl-delay: 5\n"
        "User-agent: *\nDisallow: /late\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  allowed("/early", "");
  refused("/late", "Disallow: /late");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), -1);
}
END_TEST

START_TEST(test_2_2_2_percent_table_query_is_compared_as_is)
{
  /* Table 1, row 1: "/foo/bar?baz=quz". */
  parse("User-agent: *\nDisallow: /foo/bar?baz=quz\n", "crawld");
  refused("/foo/bar?baz=quz", "Disallow: /foo/bar?baz=quz");
  refused("/foo/bar?baz=quz&x=1", "Disallow: /foo/bar?baz=quz");
  allowed("/foo/bar?baz=qux", "");
}
END_TEST

START_TEST(test_2_2_2_percent_table_encoded_reserved_stay_encoded)
{
  /* Table 1, row 2: the encoded form matches itself in any hex case;
   * decision: the raw ':' and '/' are other characters (RFC 3986 2.2). */
  parse("User-agent: *\nDisallow: /foo/bar?baz=https%3A%2F%2Ffoo.bar\n",
        "crawld");
  refused("/foo/bar?baz=https%3A%2F%2Ffoo.bar",
          "Disallow: /foo/bar?baz=https%3A%2F%2Ffoo.bar");
  refused("/foo/bar?baz=https%3a%2f%2ffoo.bar",
          "Disallow: /foo/bar?baz=https%3A%2F%2Ffoo.bar");
  allowed("/foo/bar?baz=https://foo.bar", "");
}
END_TEST

START_TEST(test_2_2_2_percent_table_raw_utf8_pattern_matches_encoded_path)
{
  /* Table 1, row 3: U+30C4 is E3 83 84 in UTF-8. */
  parse("User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n", "crawld");
  refused("/foo/bar/%E3%83%84", "Disallow: /foo/bar/%E3%83%84");
  refused("/foo/bar/%e3%83%84", "Disallow: /foo/bar/%E3%83%84");
  refused("/foo/bar/\xE3\x83\x84", "Disallow: /foo/bar/%E3%83%84");
}
END_TEST

START_TEST(test_2_2_2_percent_table_encoded_pattern_matches_raw_path)
{
  /* Table 1, row 4: "/foo/bar/%E3%83%84" is already encoded. */
  parse("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "crawld");
  refused("/foo/bar/\xE3\x83\x84", "Disallow: /foo/bar/%E3%83%84");
  refused("/foo/bar/%E3%83%84", "Disallow: /foo/bar/%E3%83%84");
  allowed("/foo/bar/%E3%83%85", "");
}
END_TEST

START_TEST(test_2_2_2_percent_table_unreserved_are_decoded)
{
  /* Table 1, row 5: "/foo/bar/%62%61%7A" is "/foo/bar/baz". */
  parse("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "crawld");
  refused("/foo/bar/baz", "Disallow: /foo/bar/baz");
  refused("/foo/bar/%62%61%7a", "Disallow: /foo/bar/baz");
  parse("User-agent: *\nDisallow: /foo/bar/baz\n", "crawld");
  refused("/foo/bar/%62%61%7A", "Disallow: /foo/bar/baz");
}
END_TEST

START_TEST(test_2_2_2_encoded_tilde_is_tilde)
{
  parse("User-agent: *\nDisallow: /a~b\n", "crawld");
  refused("/a%7eb", "Disallow: /a~b");
  refused("/a%7Eb", "Disallow: /a~b");
  parse("User-agent: *\nDisallow: /a%7Eb\n", "crawld");
  refused("/a~b", "Disallow: /a~b");
}
END_TEST

START_TEST(test_2_2_2_encoded_slash_is_not_slash)
{
  parse("User-agent: *\nDisallow: /a/b\n", "crawld");
  allowed("/a%2Fb", "");
  parse("User-agent: *\nDisallow: /a%2fb\n", "crawld");
  allowed("/a/b", "");
  refused("/a%2Fb", "Disallow: /a%2Fb");
}
END_TEST

START_TEST(test_2_2_2_raw_non_ascii_path_is_encoded)
{
  parse("User-agent: *\nDisallow: /caf%c3%a9\n", "crawld");
  refused("/caf\xC3\xA9/menu", "Disallow: /caf%C3%A9");
  /* Not UTF-8 at all: still one byte, one "%XX". */
  parse("User-agent: *\nDisallow: /\xFF\n", "crawld");
  refused("/%ff", "Disallow: /%FF");
}
END_TEST

START_TEST(test_2_2_2_stray_percent_is_encoded)
{
  /* decision: a '%' without two hex digits is "%25" on both sides. */
  parse("User-agent: *\nDisallow: /100%\n", "crawld");
  refused("/100%", "Disallow: /100%25");
  refused("/100%25", "Disallow: /100%25");
  refused("/100%zz", "Disallow: /100%25");
  allowed("/100", "");
}
END_TEST

START_TEST(test_2_2_2_pattern_without_slash_gets_one)
{
  /* decision: as Google does. */
  parse("User-agent: *\nDisallow: private\n", "crawld");
  refused("/private", "Disallow: /private");
  allowed("/x/private", "");
}
END_TEST

START_TEST(test_2_2_2_path_without_slash_is_matched_with_one)
{
  /* decision: "" is "/", "?q" is "/?q". */
  parse("User-agent: *\nDisallow: /$\nDisallow: /?q\n", "crawld");
  refused("", "Disallow: /$");
  refused("?q=1", "Disallow: /?q");
  allowed("/x", "");
}
END_TEST

START_TEST(test_2_2_2_path_longer_than_the_bound_is_refused)
{
  char *path = malloc(ROBOTS_PATH_MAX + 2);

  ck_assert_ptr_nonnull(path);
  memset(path, 'a', ROBOTS_PATH_MAX + 1);
  path[0] = '/';
  path[ROBOTS_PATH_MAX + 1] = '\0';
  parse("User-agent: *\nDisallow: /private\n", "crawld");
  expect_bytes(path, ROBOTS_PATH_MAX, true, "");
  expect_bytes(path, ROBOTS_PATH_MAX + 1, false, ROBOTS_RULE_PATH_TOO_LONG);
  /* Without rules there is nothing to match, and no reason to refuse. */
  parse("User-agent: *\nDisallow:\n", "crawld");
  expect_bytes(path, ROBOTS_PATH_MAX + 1, true, "");
  free(path);
}
END_TEST

START_TEST(test_2_2_2_rule_text_is_in_normal_form)
{
  parse("User-agent: *\nallow: /a%7eb/%e3%81%82\ndisallow: /x y\n", "crawld");
  allowed("/a~b/\xE3\x81\x82", "Allow: /a~b/%E3%81%82");
  refused("/x%20y", "Disallow: /x%20y");
}
END_TEST

START_TEST(test_2_2_2_rule_count_is_the_rules_that_apply)
{
  parse("User-agent: *\nDisallow: /a\nAllow: /b\nDisallow:\n\n"
        "User-agent: other\nDisallow: /c\n\n"
        "User-agent: *\nDisallow: /a\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 3);
}
END_TEST

/* --- 2.2.3 Special Characters ---------------------------------------- */

START_TEST(test_2_2_3_hash_starts_a_comment)
{
  parse("# robots.txt for example.org\n"
        "User-agent: * # everyone\n"
        "allow: / # comment in line\n"
        "Disallow: /a#b\n",
        "crawld");
  allowed("/x", "Allow: /");
  refused("/a", "Disallow: /a");
}
END_TEST

START_TEST(test_2_2_3_dollar_anchors_the_end)
{
  parse("User-agent: *\nDisallow: /\nallow: /this/path/exactly$\n", "crawld");
  allowed("/this/path/exactly", "Allow: /this/path/exactly$");
  refused("/this/path/exactly/", "Disallow: /");
  refused("/this/path/exactly?x", "Disallow: /");
}
END_TEST

START_TEST(test_2_2_3_star_matches_any_run)
{
  parse("User-agent: *\nDisallow: /\nallow: /this/*/exactly\n", "crawld");
  allowed("/this/a/exactly", "Allow: /this/*/exactly");
  allowed("/this/a/b/c/exactly/more", "Allow: /this/*/exactly");
  allowed("/this//exactly", "Allow: /this/*/exactly");
  refused("/this/exactly", "Disallow: /");
}
END_TEST

START_TEST(test_2_2_3_star_and_dollar_together)
{
  parse("User-agent: *\nDisallow: /*.php$\nDisallow: /x*y*z$\n", "crawld");
  refused("/index.php", "Disallow: /*.php$");
  refused("/a/b.php", "Disallow: /*.php$");
  allowed("/index.php?x=1", "");
  allowed("/index.php5", "");
  refused("/x1y2z", "Disallow: /x*y*z$");
  refused("/xyzz", "Disallow: /x*y*z$");
  allowed("/xzy", "");
}
END_TEST

START_TEST(test_2_2_3_pattern_may_start_with_star)
{
  parse("User-agent: *\nDisallow: *.gif$\nDisallow: *private\n", "crawld");
  refused("/img/a.gif", "Disallow: *.gif$");
  refused("/a/private/b", "Disallow: *private");
  allowed("/img/a.png", "");
}
END_TEST

START_TEST(test_2_2_3_encoded_star_is_a_literal_star)
{
  parse("User-agent: *\nDisallow: /path/file-with-a-%2A.html\n", "crawld");
  refused("/path/file-with-a-*.html", "Disallow: /path/file-with-a-%2A.html");
  refused("/path/file-with-a-%2a.html",
          "Disallow: /path/file-with-a-%2A.html");
  allowed("/path/file-with-a-b.html", "");
}
END_TEST

START_TEST(test_2_2_3_encoded_dollar_is_a_literal_dollar)
{
  parse("User-agent: *\nDisallow: /path/foo-%24\n", "crawld");
  refused("/path/foo-$", "Disallow: /path/foo-%24");
  refused("/path/foo-$bar", "Disallow: /path/foo-%24");
  allowed("/path/foo-", "");
}
END_TEST

START_TEST(test_2_2_3_dollar_inside_a_pattern_is_literal)
{
  parse("User-agent: *\nDisallow: /a$b\n", "crawld");
  refused("/a$b", "Disallow: /a%24b");
  allowed("/a", "");
  allowed("/ab", "");
}
END_TEST

START_TEST(test_2_2_3_runs_of_stars_are_one)
{
  parse("User-agent: *\nDisallow: /a***b\n", "crawld");
  refused("/axxb", "Disallow: /a*b");
  refused("/ab", "Disallow: /a*b");
}
END_TEST

START_TEST(test_2_2_3_ten_thousand_stars_against_a_long_path)
{
  size_t pattern_len = strlen("User-agent: *\nDisallow: /") + 10000 + 3;
  char *body = malloc(pattern_len + 1);
  char *path = malloc(8002);

  ck_assert_ptr_nonnull(body);
  ck_assert_ptr_nonnull(path);
  strcpy(body, "User-agent: *\nDisallow: /");
  memset(body + strlen(body), '*', 10000);
  strcpy(body + pattern_len - 3, "x$\n");
  memset(path, 'a', 8001);
  path[0] = '/';
  path[8001] = '\0';
  parse(body, "crawld");
  allowed(path, "");
  path[8000] = 'x';
  refused(path, "Disallow: /*x$");
  free(body);
  free(path);
}
END_TEST

START_TEST(test_2_2_3_many_wildcard_pieces_against_a_long_path)
{
  /* 5,000 "*a" pieces and a 'b' that is never there. */
  static const char head[] = "User-agent: *\nDisallow: /";
  size_t len = strlen(head) + 2 * 5000 + 2;
  char *body = malloc(len + 1);
  char *path = malloc(8002);
  char *p;

  ck_assert_ptr_nonnull(body);
  ck_assert_ptr_nonnull(path);
  p = body + strlen(head);
  memcpy(body, head, strlen(head));
  for(int i = 0; i < 5000; i++) {
    *p++ = '*';
    *p++ = 'a';
  }
  strcpy(p, "b\n");
  memset(path, 'a', 8001);
  path[0] = '/';
  path[8001] = '\0';
  parse(body, "crawld");
  allowed(path, "");
  path[8000] = 'b';
  ck_assert(!robots_allowed(robots, path, 8001, NULL));
  free(body);
  free(path);
}
END_TEST

/* --- 2.2 Formal syntax ----------------------------------------------- */

START_TEST(test_2_2_keys_are_case_insensitive)
{
  parse("USER-AGENT: *\nDISALLOW: /a\nallow: /a/b\nCrawl-Delay: 2\n"
        "SITEMAP: https://example.org/s.xml\n",
        "crawld");
  refused("/a", "Disallow: /a");
  allowed("/a/b", "Allow: /a/b");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 2000);
  ck_assert_uint_eq(robots_sitemap_count(robots), 1);
}
END_TEST

START_TEST(test_2_2_whitespace_around_keys_and_values_is_trimmed)
{
  parse("  User-agent\t:  *  \n\t Disallow  :\t/x \t\n", "crawld");
  refused("/x", "Disallow: /x");
  allowed("/y", "");
}
END_TEST

START_TEST(test_2_2_lf_ends_lines)
{
  parse("User-agent: *\nDisallow: /a\nDisallow: /b", "crawld");
  refused("/a", "Disallow: /a");
  refused("/b", "Disallow: /b");
}
END_TEST

START_TEST(test_2_2_cr_alone_ends_lines)
{
  parse("User-agent: *\rDisallow: /a\rDisallow: /b\r", "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 2);
  refused("/a", "Disallow: /a");
  refused("/b", "Disallow: /b");
}
END_TEST

START_TEST(test_2_2_crlf_ends_lines)
{
  parse("User-agent: *\r\nDisallow: /a\r\nDisallow: /b\r\n", "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 2);
  refused("/a", "Disallow: /a");
  refused("/b", "Disallow: /b");
}
END_TEST

START_TEST(test_2_2_mixed_line_ends)
{
  parse("User-agent: other\r\nDisallow: /o\rUser-agent: crawld\n"
        "Disallow: /a\r\n\r\nDisallow: /b",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 2);
  refused("/a", "Disallow: /a");
  refused("/b", "Disallow: /b");
  allowed("/o", "");
}
END_TEST

START_TEST(test_2_2_byte_order_mark_is_skipped)
{
  parse("\xEF\xBB\xBFUser-agent: *\nDisallow: /x\n", "crawld");
  refused("/x", "Disallow: /x");
}
END_TEST

START_TEST(test_2_2_unknown_keys_are_ignored)
{
  parse("User-agent: a\nNoindex: /n\nUser-agent: crawld\n"
        "Host: example.org\nDisallow: /x\nClean-param: ref /y\n"
        "Disallow: /z\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 2);
  refused("/x", "Disallow: /x");
  refused("/z", "Disallow: /z");
  allowed("/n", "");
  /* The unknown line did not split "a" from crawld's group. */
  parse("User-agent: a\nNoindex: /n\nUser-agent: crawld\nDisallow: /x\n", "a");
  refused("/x", "Disallow: /x");
}
END_TEST

START_TEST(test_2_2_misspelt_keys_are_unknown)
{
  /* decision: no lenience for typos. */
  parse("Useragent: *\nUser-agent: *\nDissallow: /a\nDisalow: /b\n"
        "Disallow: /c\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  allowed("/a", "");
  refused("/c", "Disallow: /c");
}
END_TEST

START_TEST(test_2_2_two_words_without_colon_are_key_and_value)
{
  /* decision: whitespace stands for a forgotten colon, as Google has it. */
  parse("User-agent *\nDisallow /private\nDisallow /a /b\n", "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  refused("/private", "Disallow: /private");
  allowed("/a", "");
}
END_TEST

START_TEST(test_2_2_file_without_colons_has_no_rules)
{
  parse("This site has no rules for robots.\n"
        "Please be kind to the server\n"
        "disallow everything please\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  allowed("/", "");
}
END_TEST

/* --- 2.2.4 Other Records: Sitemap and Crawl-delay -------------------- */

START_TEST(test_2_2_4_sitemaps_are_global_and_in_order)
{
  parse("Sitemap: https://example.org/1.xml\n"
        "User-agent: *\nSitemap: https://example.org/2.xml\nDisallow: /\n"
        "User-agent: other\nSitemap:https://example.org/3.xml # third\n"
        "Sitemap:\n",
        "crawld");
  ck_assert_uint_eq(robots_sitemap_count(robots), 3);
  ck_assert_str_eq(robots_sitemap(robots, 0), "https://example.org/1.xml");
  ck_assert_str_eq(robots_sitemap(robots, 1), "https://example.org/2.xml");
  ck_assert_str_eq(robots_sitemap(robots, 2), "https://example.org/3.xml");
  ck_assert_ptr_null(robots_sitemap(robots, 3));
}
END_TEST

START_TEST(test_2_2_4_sitemap_bytes_outside_ascii_are_encoded)
{
  parse("Sitemap: https://example.org/a b\xC3\xA9\x01.xml\n", "crawld");
  ck_assert_uint_eq(robots_sitemap_count(robots), 1);
  ck_assert_str_eq(robots_sitemap(robots, 0),
                   "https://example.org/a%20b%C3%A9%01.xml");
}
END_TEST

START_TEST(test_2_2_4_sitemap_does_not_end_a_group)
{
  parse("User-agent: crawld\nDisallow: /a\nSitemap: https://example.org/s\n"
        "Disallow: /b\n",
        "crawld");
  refused("/a", "Disallow: /a");
  refused("/b", "Disallow: /b");
  parse("User-agent: a\nSitemap: https://example.org/s\n"
        "User-agent: crawld\nDisallow: /x\n",
        "a");
  refused("/x", "Disallow: /x");
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_whole_seconds)
{
  parse("User-agent: *\nCrawl-delay: 10\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 10000);
  parse("User-agent: *\nCrawl-delay: 0\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 0);
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_fractions)
{
  parse("User-agent: *\nCrawl-delay: 0.5\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 500);
  parse("User-agent: *\nCrawl-delay: 1.25\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 1250);
  parse("User-agent: *\nCrawl-delay: .5\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 500);
  /* decision: below a millisecond is truncated. */
  parse("User-agent: *\nCrawl-delay: 2.00099\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 2000);
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_malformed_is_ignored)
{
  static const char *const bad[] = { "soon", "-1", "5s",  "1.2.3", "",
                                     ".",    "+3", "1e3", "1,5",   "0x10" };

  for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char body[64];

    snprintf(body, sizeof(body), "User-agent: *\nCrawl-delay: %s\n", bad[i]);
    parse(body, "crawld");
    ck_assert_msg(robots_crawl_delay_ms(robots) == -1, "'%s' read as %ld",
                  bad[i], robots_crawl_delay_ms(robots));
  }
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_malformed_lets_a_later_one_count)
{
  parse("User-agent: *\nCrawl-delay: soon\nCrawl-delay: 3\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 3000);
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_absent)
{
  parse("User-agent: *\nDisallow: /x\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), -1);
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_of_our_group_not_the_star_one)
{
  parse("User-agent: *\nCrawl-delay: 30\n\n"
        "User-agent: crawld\nCrawl-delay: 4\nAllow: /\n",
        "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 4000);
  /* Our group has none: the star group's does not apply either. */
  parse("User-agent: *\nCrawl-delay: 30\n\n"
        "User-agent: crawld\nDisallow: /x\n",
        "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), -1);
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_of_the_star_group_when_none_is_ours)
{
  parse("User-agent: other\nCrawl-delay: 1\n\n"
        "User-agent: *\nCrawl-delay: 30\n",
        "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 30000);
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_first_valid_of_merged_groups)
{
  parse("User-agent: crawld\nDisallow: /a\n\n"
        "User-agent: crawld\nCrawl-delay: x\nCrawl-delay: 7\n\n"
        "User-agent: crawld\nCrawl-delay: 2\n",
        "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 7000);
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_ends_the_agent_lines)
{
  /* decision: a crawl-delay is a group member, like a rule. */
  static const char body[] = "User-agent: a\nCrawl-delay: 5\n"
                             "User-agent: crawld\nDisallow: /x\n";

  parse(body, "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), -1);
  refused("/x", "Disallow: /x");
  parse(body, "a");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 5000);
  allowed("/x", "");
}
END_TEST

START_TEST(test_2_2_4_crawl_delay_too_long_is_the_maximum)
{
  parse("User-agent: *\nCrawl-delay: 99999999999999999999999\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), ROBOTS_CRAWL_DELAY_MAX_MS);
  parse("User-agent: *\nCrawl-delay: 86400.5\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), ROBOTS_CRAWL_DELAY_MAX_MS);
  parse("User-agent: *\nCrawl-delay: 86399.999\n", "crawld");
  ck_assert_int_eq(robots_crawl_delay_ms(robots), 86399999);
}
END_TEST

/* --- 2.3.1.3, 2.3.1.4 Unavailable and unreachable robots.txt --------- */

START_TEST(test_2_3_1_3_allow_all_allows_everything)
{
  robots = robots_allow_all();
  ck_assert_ptr_nonnull(robots);
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  ck_assert_int_eq(robots_crawl_delay_ms(robots), -1);
  ck_assert_uint_eq(robots_sitemap_count(robots), 0);
  allowed("/", "");
  allowed("", "");
  allowed("/private?x=1", "");
}
END_TEST

START_TEST(test_2_3_1_4_disallow_all_refuses_all_but_robots_txt)
{
  robots = robots_disallow_all();
  ck_assert_ptr_nonnull(robots);
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  ck_assert_int_eq(robots_crawl_delay_ms(robots), -1);
  refused("/", "Disallow: /");
  refused("", "Disallow: /");
  refused("/private?x=1", "Disallow: /");
  allowed("/robots.txt", "");
}
END_TEST

/* --- Product token (2.2.1) ------------------------------------------- */

START_TEST(test_2_2_1_product_token_of_a_user_agent_header)
{
  char token[32];

  robots_product_token("crawld/0.1.0 (+https://x)", token, sizeof(token));
  ck_assert_str_eq(token, "crawld");
  robots_product_token("crawld", token, sizeof(token));
  ck_assert_str_eq(token, "crawld");
  robots_product_token("  ExampleBot (compatible)", token, sizeof(token));
  ck_assert_str_eq(token, "ExampleBot");
  robots_product_token("", token, sizeof(token));
  ck_assert_str_eq(token, "");
}
END_TEST

START_TEST(test_2_2_1_product_token_is_cut_to_the_buffer)
{
  char token[4] = "xxx";

  robots_product_token("crawld/0.1.0", token, sizeof(token));
  ck_assert_str_eq(token, "cra");
  robots_product_token("crawld/0.1.0", token, 1);
  ck_assert_str_eq(token, "");
  token[0] = 'x';
  robots_product_token("crawld/0.1.0", token, 0);
  ck_assert_int_eq(token[0], 'x');
}
END_TEST

/* --- Malformed files and 2.5 Limits ---------------------------------- */

START_TEST(test_malformed_html_page_has_no_rules)
{
  parse("<!DOCTYPE html>\n<html><head><title>Not Found</title>\n"
        "<meta http-equiv=\"content-type\" content=\"text/html\">\n"
        "</head><body><p>User-agent: * is not here</p>\n"
        "<a href=\"https://example.org/\">Disallow: /</a>\n"
        "</body></html>\n",
        "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  ck_assert_uint_eq(robots_sitemap_count(robots), 0);
  allowed("/", "");
}
END_TEST

START_TEST(test_malformed_random_binary_with_nul_bytes)
{
  static const char tail[] = "\nUser-agent: *\nDisallow: /x\n";
  size_t len = 64 * 1024;
  char *body = malloc(len + sizeof(tail));
  unsigned int state = 12345;
  size_t nuls = 0;

  ck_assert_ptr_nonnull(body);
  for(size_t i = 0; i < len; i++) {
    state = state * 1103515245u + 12345u;
    body[i] = (char)(state >> 16);
    nuls += body[i] == '\0';
  }
  ck_assert_uint_gt(nuls, 0);
  parse_bytes(body, len, "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  allowed("/", "");
  /* The garbage does not stop what follows it from being read. */
  memcpy(body + len, tail, sizeof(tail) - 1);
  parse_bytes(body, len + sizeof(tail) - 1, "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  refused("/x", "Disallow: /x");
  free(body);
}
END_TEST

START_TEST(test_malformed_nul_byte_is_an_ordinary_byte)
{
  static const char body[] = "\0\0\nUser-agent: *\nDisallow: /a\0b\n";

  parse_bytes(body, sizeof(body) - 1, "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 1);
  expect_bytes("/a\0b", 4, false, "Disallow: /a%00b");
  refused("/a%00b", "Disallow: /a%00b");
  allowed("/a", "");
}
END_TEST

START_TEST(test_2_5_hundred_thousand_lines)
{
  size_t size = 100000 * 20 + 32;
  char *body = malloc(size);
  size_t len;

  ck_assert_ptr_nonnull(body);
  len = (size_t)snprintf(body, size, "User-agent: *\n");
  for(int i = 0; i < 100000; i++)
    len += (size_t)snprintf(body + len, size - len, "Disallow: /p%d\n", i);
  parse_bytes(body, len, "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 100000);
  refused("/p99999", "Disallow: /p99999");
  refused("/p12345x", "Disallow: /p12345");
  refused("/p7", "Disallow: /p7");
  allowed("/q", "");
  free(body);
}
END_TEST

START_TEST(test_2_5_single_500_kib_line)
{
  static const char head[] = "User-agent: *\nDisallow: /";
  size_t long_len = 500 * 1024;
  size_t len = strlen(head) + long_len + strlen("\nDisallow: /b\n");
  char *body = malloc(len + 1);

  ck_assert_ptr_nonnull(body);
  memcpy(body, head, strlen(head));
  memset(body + strlen(head), 'a', long_len);
  strcpy(body + strlen(head) + long_len, "\nDisallow: /b\n");
  parse_bytes(body, len, "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 2);
  refused("/b", "Disallow: /b");
  allowed("/aaaa", "");
  /* The same bytes with no line end at all are one unknown line. */
  memset(body, 'a', len);
  parse_bytes(body, len, "crawld");
  ck_assert_uint_eq(robots_rule_count(robots), 0);
  free(body);
}
END_TEST

static Suite *robots_suite(void)
{
  Suite *suite = suite_create("robots");
  TCase *tc = tcase_create("robots");

  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_5_1_other_agents_get_the_star_group);
  tcase_add_test(tc, test_5_1_foobot_may_fetch_only_two_resources);
  tcase_add_test(tc, test_5_1_barbot_and_bazbot_share_one_group);
  tcase_add_test(tc, test_5_1_quxbot_group_without_rules_allows_everything);
  tcase_add_test(tc, test_5_2_longest_match_wins);
  tcase_add_test(tc, test_2_2_1_agent_is_matched_case_insensitively);
  tcase_add_test(tc, test_2_2_1_agent_version_after_the_token_is_ignored);
  tcase_add_test(tc, test_2_2_1_agent_must_name_the_whole_token);
  tcase_add_test(tc, test_2_2_1_groups_naming_us_are_merged);
  tcase_add_test(tc, test_2_2_1_consecutive_agents_share_the_group);
  tcase_add_test(tc, test_2_2_1_agent_after_rules_starts_a_new_group);
  tcase_add_test(tc, test_2_2_1_star_applies_when_no_group_names_us);
  tcase_add_test(tc, test_2_2_1_star_ignored_when_a_group_names_us);
  tcase_add_test(tc, test_2_2_1_star_groups_are_merged);
  tcase_add_test(tc, test_2_2_1_group_naming_star_and_us_serves_both);
  tcase_add_test(tc, test_2_2_1_no_group_for_us_and_no_star_allows_all);
  tcase_add_test(tc, test_2_2_1_empty_agent_names_nobody);
  tcase_add_test(tc, test_2_2_2_match_is_a_prefix_from_the_first_octet);
  tcase_add_test(tc, test_2_2_2_match_is_case_sensitive);
  tcase_add_test(tc, test_2_2_2_longer_disallow_beats_shorter_allow);
  tcase_add_test(tc, test_2_2_2_allow_wins_a_tie);
  tcase_add_test(tc, test_2_2_2_length_is_counted_in_normal_form);
  tcase_add_test(tc, test_2_2_2_empty_disallow_allows_everything);
  tcase_add_test(tc, test_2_2_2_empty_allow_is_no_rule);
  tcase_add_test(tc, test_2_2_2_empty_disallow_still_ends_the_agent_lines);
  tcase_add_test(tc, test_2_2_2_no_match_allows);
  tcase_add_test(tc, test_2_2_2_robots_txt_is_implicitly_allowed);
  tcase_add_test(tc, test_2_2_2_rules_before_any_agent_are_ignored);
  tcase_add_test(tc, test_2_2_2_percent_table_query_is_compared_as_is);
  tcase_add_test(tc, test_2_2_2_percent_table_encoded_reserved_stay_encoded);
  tcase_add_test(
      tc, test_2_2_2_percent_table_raw_utf8_pattern_matches_encoded_path);
  tcase_add_test(tc,
                 test_2_2_2_percent_table_encoded_pattern_matches_raw_path);
  tcase_add_test(tc, test_2_2_2_percent_table_unreserved_are_decoded);
  tcase_add_test(tc, test_2_2_2_encoded_tilde_is_tilde);
  tcase_add_test(tc, test_2_2_2_encoded_slash_is_not_slash);
  tcase_add_test(tc, test_2_2_2_raw_non_ascii_path_is_encoded);
  tcase_add_test(tc, test_2_2_2_stray_percent_is_encoded);
  tcase_add_test(tc, test_2_2_2_pattern_without_slash_gets_one);
  tcase_add_test(tc, test_2_2_2_path_without_slash_is_matched_with_one);
  tcase_add_test(tc, test_2_2_2_path_longer_than_the_bound_is_refused);
  tcase_add_test(tc, test_2_2_2_rule_text_is_in_normal_form);
  tcase_add_test(tc, test_2_2_2_rule_count_is_the_rules_that_apply);
  tcase_add_test(tc, test_2_2_3_hash_starts_a_comment);
  tcase_add_test(tc, test_2_2_3_dollar_anchors_the_end);
  tcase_add_test(tc, test_2_2_3_star_matches_any_run);
  tcase_add_test(tc, test_2_2_3_star_and_dollar_together);
  tcase_add_test(tc, test_2_2_3_pattern_may_start_with_star);
  tcase_add_test(tc, test_2_2_3_encoded_star_is_a_literal_star);
  tcase_add_test(tc, test_2_2_3_encoded_dollar_is_a_literal_dollar);
  tcase_add_test(tc, test_2_2_3_dollar_inside_a_pattern_is_literal);
  tcase_add_test(tc, test_2_2_3_runs_of_stars_are_one);
  tcase_add_test(tc, test_2_2_3_ten_thousand_stars_against_a_long_path);
  tcase_add_test(tc, test_2_2_3_many_wildcard_pieces_against_a_long_path);
  tcase_add_test(tc, test_2_2_keys_are_case_insensitive);
  tcase_add_test(tc, test_2_2_whitespace_around_keys_and_values_is_trimmed);
  tcase_add_test(tc, test_2_2_lf_ends_lines);
  tcase_add_test(tc, test_2_2_cr_alone_ends_lines);
  tcase_add_test(tc, test_2_2_crlf_ends_lines);
  tcase_add_test(tc, test_2_2_mixed_line_ends);
  tcase_add_test(tc, test_2_2_byte_order_mark_is_skipped);
  tcase_add_test(tc, test_2_2_unknown_keys_are_ignored);
  tcase_add_test(tc, test_2_2_misspelt_keys_are_unknown);
  tcase_add_test(tc, test_2_2_two_words_without_colon_are_key_and_value);
  tcase_add_test(tc, test_2_2_file_without_colons_has_no_rules);
  tcase_add_test(tc, test_2_2_4_sitemaps_are_global_and_in_order);
  tcase_add_test(tc, test_2_2_4_sitemap_bytes_outside_ascii_are_encoded);
  tcase_add_test(tc, test_2_2_4_sitemap_does_not_end_a_group);
  tcase_add_test(tc, test_2_2_4_crawl_delay_whole_seconds);
  tcase_add_test(tc, test_2_2_4_crawl_delay_fractions);
  tcase_add_test(tc, test_2_2_4_crawl_delay_malformed_is_ignored);
  tcase_add_test(tc, test_2_2_4_crawl_delay_malformed_lets_a_later_one_count);
  tcase_add_test(tc, test_2_2_4_crawl_delay_absent);
  tcase_add_test(tc, test_2_2_4_crawl_delay_of_our_group_not_the_star_one);
  tcase_add_test(tc,
                 test_2_2_4_crawl_delay_of_the_star_group_when_none_is_ours);
  tcase_add_test(tc, test_2_2_4_crawl_delay_first_valid_of_merged_groups);
  tcase_add_test(tc, test_2_2_4_crawl_delay_ends_the_agent_lines);
  tcase_add_test(tc, test_2_2_4_crawl_delay_too_long_is_the_maximum);
  tcase_add_test(tc, test_2_3_1_3_allow_all_allows_everything);
  tcase_add_test(tc, test_2_3_1_4_disallow_all_refuses_all_but_robots_txt);
  tcase_add_test(tc, test_2_2_1_product_token_of_a_user_agent_header);
  tcase_add_test(tc, test_2_2_1_product_token_is_cut_to_the_buffer);
  tcase_add_test(tc, test_malformed_html_page_has_no_rules);
  tcase_add_test(tc, test_malformed_random_binary_with_nul_bytes);
  tcase_add_test(tc, test_malformed_nul_byte_is_an_ordinary_byte);
  tcase_add_test(tc, test_2_5_hundred_thousand_lines);
  tcase_add_test(tc, test_2_5_single_500_kib_line);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(robots_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
