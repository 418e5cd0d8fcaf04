/*
 * Unit tests for link resolution and normalisation (src/urlnorm.c).
 *
 * The vectors of RFC 3986 section 5.4 come first, with the RFC's expected
 * results (fragments dropped, as crawld keeps no fragment); then the
 * normalisation rules of urlnorm.h one by one, and links a crawler must
 * drop.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "urlnorm.h"

struct vector {
  const char *base;
  const char *href;
  const char *expected; /* NULL: dropped for drop */
  enum urlnorm_drop drop;
};

#define RFC "http://a/b/c/d;p?q"
#define OK(base, href, url)     \
  {                             \
    base, href, url, URLNORM_OK \
  }
#define DROP(base, href, why) \
  {                           \
    base, href, NULL, why     \
  }

static const struct vector vectors[] = {
  /* RFC 3986 5.4.1, normal examples */
  DROP(RFC, "g:h", URLNORM_SCHEME),
  OK(RFC, "g", "http://a/b/c/g"),
  OK(RFC, "./g", "http://a/b/c/g"),
  OK(RFC, "g/", "http://a/b/c/g/"),
  OK(RFC, "/g", "http://a/g"),
  OK(RFC, "//g", "http://g/"),
  OK(RFC, "?y", "http://a/b/c/d;p?y"),
  OK(RFC, "g?y", "http://a/b/c/g?y"),
  OK(RFC, "#s", "http://a/b/c/d;p?q"),
  OK(RFC, "g#s", "http://a/b/c/g"),
  OK(RFC, "g?y#s", "http://a/b/c/g?y"),
  OK(RFC, ";x", "http://a/b/c/;x"),
  OK(RFC, "g;x", "http://a/b/c/g;x"),
  OK(RFC, "g;x?y#s", "http://a/b/c/g;x?y"),
  OK(RFC, "", "http://a/b/c/d;p?q"),
  OK(RFC, ".", "http://a/b/c/"),
  OK(RFC, "./", "http://a/b/c/"),
  OK(RFC, "..", "http://a/b/"),
  OK(RFC, "../", "http://a/b/"),
  OK(RFC, "../g", "http://a/b/g"),
  OK(RFC, "../..", "http://a/"),
  OK(RFC, "../../", "http://a/"),
  OK(RFC, "../../g", "http://a/g"),
  /* RFC 3986 5.4.2, abnormal examples */
  OK(RFC, "../../../g", "http://a/g"),
  OK(RFC, "../../../../g", "http://a/g"),
  OK(RFC, "/./g", "http://a/g"),
  OK(RFC, "/../g", "http://a/g"),
  OK(RFC, "g.", "http://a/b/c/g."),
  OK(RFC, ".g", "http://a/b/c/.g"),
  OK(RFC, "g..", "http://a/b/c/g.."),
  OK(RFC, "..g", "http://a/b/c/..g"),
  OK(RFC, "./../g", "http://a/b/g"),
  OK(RFC, "./g/.", "http://a/b/c/g/"),
  OK(RFC, "g/./h", "http://a/b/c/g/h"),
  OK(RFC, "g/../h", "http://a/b/c/h"),
  OK(RFC, "g;x=1/./y", "http://a/b/c/g;x=1/y"),
  OK(RFC, "g;x=1/../y", "http://a/b/c/y"),
  OK(RFC, "g?y/./x", "http://a/b/c/g?y/./x"),
  OK(RFC, "g?y/../x", "http://a/b/c/g?y/../x"),
  OK(RFC, "g#s/./x", "http://a/b/c/g"),
  OK(RFC, "g#s/../x", "http://a/b/c/g"),
  /* scheme and host in lower case, default ports left out */
  OK("http://h/", "HTTP://Example.COM:80/a/./b/../c%7e%2fd#frag",
     "http://example.com/a/c~%2Fd"),
  OK("http://h/", "HTTPS://WWW.Example.org:443/", "https://www.example.org/"),
  OK("http://h/", "http://h:443/", "http://h:443/"),
  OK("http://h/", "https://h:80/", "https://h:80/"),
  OK("http://h/", "http://h:8080", "http://h:8080/"),
  OK("http://h/", "http://[::1]:80/", "http://[::1]/"),
  OK("http://h/", "http://[::1]:8080/x", "http://[::1]:8080/x"),
  OK("https://h/a/b", "//Other.ORG/x", "https://other.org/x"),
  /* percent-encoding: unreserved decoded, the rest upper case */
  OK("http://h/", "/%41%62%2d%2e%5f%7e", "http://h/Ab-._~"),
  OK("http://h/", "/a%2fb%3F%3d", "http://h/a%2Fb%3F%3D"),
  OK("http://h/", "/a?q=%7e%2b", "http://h/a?q=~%2B"),
  OK("http://h/", "/100%", "http://h/100%25"),
  /* an escaped dot is a dot segment (the URL standard) */
  OK("http://h/a/b/", "%2e%2E/c", "http://h/a/c"),
  OK("http://h/a/b/", "%2e", "http://h/a/b/"),
  OK("http://h/", "/a%zz", "http://h/a%25zz"),
  OK("http://h/", "/a b/c d", "http://h/a%20b/c%20d"),
  OK("http://h/", "/caf\xc3\xa9", "http://h/caf%C3%A9"),
  /* IDN hosts in punycode */
  OK("http://h/",
     "http://b\xc3\xbc"
     "cher.example/x",
     "http://xn--bcher-kva.example/x"),
  OK("http://h/", "http://XN--BCHER-KVA.example/",
     "http://xn--bcher-kva.example/"),
  /* IDNA maps superscript three to "3", which is an IPv4 address */
  OK("http://h/", "http://\xc2\xb3/", "http://0.0.0.3/"),
  /* whitespace as browsers take it */
  OK("http://h/d/", "  page.html\t ", "http://h/d/page.html"),
  OK("http://h/d/", "pa\nge\t.html", "http://h/d/page.html"),
  OK("http://h/d/", " \n ", "http://h/d/"),
  /* credentials are dropped */
  OK("http://h/", "http://user:pass@example.com/x", "http://example.com/x"),
  OK("http://h/", "http://user@example.com/", "http://example.com/"),
  /* links a crawler does not follow */
  DROP("http://h/", "javascript:void(0)", URLNORM_SCHEME),
  DROP("http://h/", "JavaScript:alert(1)", URLNORM_SCHEME),
  DROP("http://h/", "mailto:a@example.com", URLNORM_SCHEME),
  DROP("http://h/", "data:text/html,hi", URLNORM_SCHEME),
  DROP("http://h/", "ftp://example.com/f", URLNORM_SCHEME),
  DROP("http://h/", "tel:+123", URLNORM_SCHEME),
  DROP("http://h/",
       "/a\x01"
       "b",
       URLNORM_CONTROL_CHARS),
  DROP("http://h/", "/a\x7f", URLNORM_CONTROL_CHARS),
  DROP("http://h/", "http://exa mple.com/", URLNORM_REFUSED),
  DROP("http://h/", "http://h:99999/", URLNORM_REFUSED),
  DROP("http://h/", "http://[::1/", URLNORM_REFUSED),
  /* as browsers read it */
  OK("http://h/", "http:///x", "http://x/"),
};

START_TEST(test_vectors)
{
  const struct vector *v = &vectors[_i];
  struct urlnorm *norm = urlnorm_new();
  char out[URLNORM_MAX_BYTES + 1];
  size_t len = 0;
  enum urlnorm_drop drop;

  ck_assert_ptr_nonnull(norm);
  ck_assert_int_eq(urlnorm_set_base(norm, v->base), 0);
  drop =
      urlnorm_resolve(norm, v->href, strlen(v->href), out, sizeof(out), &len);
  if(v->expected != NULL) {
    ck_assert_msg(drop == URLNORM_OK, "%s + %s: dropped (%s)", v->base,
                  v->href, urlnorm_drop_name(drop));
    ck_assert_str_eq(out, v->expected);
    ck_assert_uint_eq(len, strlen(v->expected));
  }
  else {
    ck_assert_msg(drop == v->drop, "%s + %s: %s, not %s (%s)", v->base,
                  v->href, urlnorm_drop_name(drop), urlnorm_drop_name(v->drop),
                  drop == URLNORM_OK ? out : "-");
  }
  urlnorm_free(norm);
}
END_TEST

START_TEST(test_an_href_over_8_kib_is_dropped_as_too_long)
{
  struct urlnorm *norm = urlnorm_new();
  char out[URLNORM_MAX_BYTES + 1];
  char *href = malloc(9 * 1024 + 1);
  size_t len;

  memset(href, 'a', 9 * 1024);
  href[0] = '/';
  ck_assert_int_eq(urlnorm_set_base(norm, "http://h/"), 0);
  ck_assert_int_eq(
      urlnorm_resolve(norm, href, 9 * 1024, out, sizeof(out), &len),
      URLNORM_TOO_LONG);
  /* Short enough as an href, too long once resolved. */
  ck_assert_int_eq(
      urlnorm_resolve(norm, href, URLNORM_MAX_BYTES, out, sizeof(out), &len),
      URLNORM_TOO_LONG);
  /* Trailing blanks do not count: they are trimmed. */
  memset(href, ' ', 9000);
  memcpy(href, "/x", 2);
  ck_assert_int_eq(urlnorm_resolve(norm, href, 9000, out, sizeof(out), &len),
                   URLNORM_OK);
  ck_assert_str_eq(out, "http://h/x");
  /* Escapes that grow it past the limit. */
  memset(href, 'b', 4000);
  href[0] = '/';
  memset(href + 100, '%', 3000);
  ck_assert_int_eq(urlnorm_resolve(norm, href, 4000, out, sizeof(out), &len),
                   URLNORM_TOO_LONG);
  free(href);
  urlnorm_free(norm);
}
END_TEST

START_TEST(test_without_a_base_every_relative_link_is_refused)
{
  struct urlnorm *norm = urlnorm_new();
  char out[64];
  size_t len;

  ck_assert_int_eq(urlnorm_resolve(norm, "/a", 2, out, sizeof(out), &len),
                   URLNORM_REFUSED);
  ck_assert_int_eq(urlnorm_set_base(norm, "not a url"), -1);
  ck_assert_int_eq(urlnorm_resolve(norm, "/a", 2, out, sizeof(out), &len),
                   URLNORM_REFUSED);
  ck_assert_int_eq(urlnorm_set_base(norm, "http://h/x/"), 0);
  ck_assert_int_eq(urlnorm_resolve(norm, "a", 1, out, sizeof(out), &len),
                   URLNORM_OK);
  ck_assert_str_eq(out, "http://h/x/a");
  urlnorm_free(norm);
}
END_TEST

START_TEST(test_a_nul_byte_in_an_href_drops_it)
{
  struct urlnorm *norm = urlnorm_new();
  char out[64];
  size_t len;

  ck_assert_int_eq(urlnorm_set_base(norm, "http://h/"), 0);
  ck_assert_int_eq(urlnorm_resolve(norm, "/a\0b", 4, out, sizeof(out), &len),
                   URLNORM_CONTROL_CHARS);
  urlnorm_free(norm);
}
END_TEST

START_TEST(test_absolute_urls_normalise_alone)
{
  char out[URLNORM_MAX_BYTES + 1];
  size_t len;

  ck_assert_int_eq(urlnorm_url("HTTP://H:80/a/../b#c", out, sizeof(out), &len),
                   URLNORM_OK);
  ck_assert_str_eq(out, "http://h/b");
  ck_assert_int_eq(urlnorm_url("/relative", out, sizeof(out), NULL),
                   URLNORM_REFUSED);
  ck_assert_int_eq(urlnorm_url("mailto:x@y", out, sizeof(out), NULL),
                   URLNORM_SCHEME);
  /* A buffer too small for the result. */
  ck_assert_int_eq(urlnorm_url("http://h/abcdef", out, 8, NULL),
                   URLNORM_TOO_LONG);
}
END_TEST

struct refresh {
  const char *content;
  const char *url; /* NULL: none */
};

START_TEST(test_meta_refresh_content_names_its_url)
{
  static const struct refresh cases[] = {
    { "5; url=/next", "/next" },
    { "0;URL='/q?a=1'", "/q?a=1" },
    { "0; Url = \"http://h/x\" ", "http://h/x" },
    { "3, /comma", "/comma" },
    { "1.5;url=a b", "a b" },
    { "  10  ", NULL },
    { "0;", NULL },
    { "", NULL },
    { "0; url='unterminated", "unterminated" },
  };

  for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *url = NULL;
    size_t len = 0;
    bool found = urlnorm_refresh_url(cases[i].content,
                                     strlen(cases[i].content), &url, &len);

    if(cases[i].url == NULL) {
      ck_assert_msg(!found, "'%s' names a URL", cases[i].content);
      continue;
    }
    ck_assert_msg(found, "'%s' names no URL", cases[i].content);
    ck_assert_uint_eq(len, strlen(cases[i].url));
    ck_assert_msg(memcmp(url, cases[i].url, len) == 0, "'%s': '%.*s'",
                  cases[i].content, (int)len, url);
  }
}
END_TEST

static Suite *urlnorm_suite(void)
{
  Suite *suite = suite_create("urlnorm");
  TCase *tc = tcase_create("urlnorm");

  tcase_add_loop_test(tc, test_vectors, 0,
                      (int)(sizeof(vectors) / sizeof(vectors[0])));
  tcase_add_test(tc, test_an_href_over_8_kib_is_dropped_as_too_long);
  tcase_add_test(tc, test_without_a_base_every_relative_link_is_refused);
  tcase_add_test(tc, test_a_nul_byte_in_an_href_drops_it);
  tcase_add_test(tc, test_absolute_urls_normalise_alone);
  tcase_add_test(tc, test_meta_refresh_content_names_its_url);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void)
{
  SRunner *runner = srunner_create(urlnorm_suite());
  int failed;

  srunner_run_all(runner, CK_NORMAL);
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
