/* urlnorm.h - a link as a crawler keeps it: resolved against its page and
 * normalised, so that one page reached by different spellings is one URL.
 *
 * Resolution is libcurl's URL API (RFC 3986 section 5) against the page's
 * URL, or its <base href>. Then:
 *   - ASCII whitespace before and after the href is trimmed, and tabs and
 *     newlines inside it removed, as browsers do (the URL standard); an
 *     href then empty, or only a fragment, is the page itself;
 *     any other control character (below 0x20, or 0x7f) drops the link;
 *   - only http and https are kept: "javascript:", "mailto:", "data:",
 *     "ftp:" and every other scheme drop the link;
 *   - scheme and host are lower case, IDN hosts in punycode (libidn2, by
 *     libcurl), the default port (80, 443) is left out, an empty path is
 *     "/", dot segments are removed, the fragment is dropped;
 *   - user name and password are dropped: a crawler has no business
 *     sending other people's credentials, and "http://a@h/" is "http://h/";
 *   - spaces and bytes above 0x7e are percent-encoded; an escape of an
 *     unreserved character (A-Z a-z 0-9 - . _ ~) is decoded ("%7E" -> "~"),
 *     every other escape has upper-case hex digits ("%2f" -> "%2F"), and a
 *     '%' that starts no escape becomes "%25";
 *   - an href or a result longer than URLNORM_MAX_BYTES drops the link.
 * A dropped link gets the reason, for the page's count; nothing crashes,
 * whatever the bytes. */
#ifndef CRAWLD_URLNORM_H
#define CRAWLD_URLNORM_H

#include <stdbool.h>
#include <stddef.h>

#define URLNORM_MAX_BYTES 8192

enum urlnorm_drop {
  URLNORM_OK,
  URLNORM_TOO_LONG,      /* over URLNORM_MAX_BYTES */
  URLNORM_CONTROL_CHARS, /* a control character */
  URLNORM_SCHEME,        /* not http or https */
  URLNORM_REFUSED        /* libcurl's URL API refused it, or no base */
};

/* "ok", "too_long", "control_chars", "scheme", "refused". */
const char *urlnorm_drop_name(enum urlnorm_drop drop);

struct urlnorm; /* a page's base, parsed once for all its links */

/* NULL when memory runs out. */
struct urlnorm *urlnorm_new(void);
/* Links now resolve against base_url (absolute). -1 when libcurl refuses
 * it: then every link is refused until a base is set. */
int urlnorm_set_base(struct urlnorm *norm, const char *base_url);
/* Resolves href (len bytes, any bytes) against the base and normalises it
 * into out (size bytes; URLNORM_MAX_BYTES + 1 always suffice), its length
 * in *out_len. URLNORM_OK, or why the link is dropped. */
enum urlnorm_drop urlnorm_resolve(struct urlnorm *norm, const char *href,
                                  size_t len, char *out, size_t size,
                                  size_t *out_len);
/* The same for an absolute URL, such as a seed line. out_len may be NULL. */
enum urlnorm_drop urlnorm_url(const char *url, char *out, size_t size,
                              size_t *out_len);
/* The URL in the content of <meta http-equiv="refresh">: "5; url=/next",
 * "0;URL='/next'", "3, /next": *url and *url_len point into content. false
 * when it names none. */
bool urlnorm_refresh_url(const char *content, size_t len, const char **url,
                         size_t *url_len);
void urlnorm_free(struct urlnorm *norm);

#endif
