/* urlnorm.c - resolving and normalising links; see urlnorm.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <idn2.h>

#include "urlnorm.h"

struct urlnorm {
  CURLU *base; /* NULL until a base is set */
};

static const char *const drop_names[] = { "ok", "too_long", "control_chars",
                                          "scheme", "refused" };

const char *urlnorm_drop_name(enum urlnorm_drop drop)
{
  return drop_names[drop];
}

struct urlnorm *urlnorm_new(void)
{
  return calloc(1, sizeof(struct urlnorm));
}

int urlnorm_set_base(struct urlnorm *norm, const char *base_url)
{
  CURLU *base = curl_url();

  if(base == NULL || curl_url_set(base, CURLUPART_URL, base_url,
                                  CURLU_URLENCODE) != CURLUE_OK) {
    curl_url_cleanup(base);
    curl_url_cleanup(norm->base);
    norm->base = NULL;
    return -1;
  }
  curl_url_cleanup(norm->base);
  norm->base = base;
  return 0;
}

static bool is_space(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The href as a browser reads it: outer whitespace trimmed, tabs and
 * newlines inside removed, into clean (NUL-terminated). */
static enum urlnorm_drop clean_href(const char *href, size_t len,
                                    char clean[URLNORM_MAX_BYTES + 1])
{
  size_t start = 0, end = len, out = 0;

  while(start < end && is_space((unsigned char)href[start]))
    start++;
  while(end > start && is_space((unsigned char)href[end - 1]))
    end--;
  if(end - start > URLNORM_MAX_BYTES)
    return URLNORM_TOO_LONG;
  for(size_t i = start; i < end; i++) {
    unsigned char c = (unsigned char)href[i];

    if(c == '\t' || c == '\n' || c == '\r')
      continue;
    if(c < 0x20 || c == 0x7f)
      return URLNORM_CONTROL_CHARS;
    clean[out++] = (char)c;
  }
  clean[out] = '\0';
  return URLNORM_OK;
}

/* An href with a scheme of its own (RFC 3986 3.1) must name http or
 * https; one without is relative. */
static bool scheme_allowed(const char *href)
{
  size_t len = 0;

  if(!((href[0] >= 'a' && href[0] <= 'z') ||
       (href[0] >= 'A' && href[0] <= 'Z')))
    return true;
  while((href[len] >= 'a' && href[len] <= 'z') ||
        (href[len] >= 'A' && href[len] <= 'Z') ||
        (href[len] >= '0' && href[len] <= '9') || href[len] == '+' ||
        href[len] == '-' || href[len] == '.')
    len++;
  if(href[len] != ':')
    return true;
  return (len == 4 && strncasecmp(href, "http", 4) == 0) ||
         (len == 5 && strncasecmp(href, "https", 5) == 0);
}

/* Lower case, and punycode for a host with non-ASCII bytes (libidn2's
 * locale-independent call: libcurl's own depends on the locale). */
static enum urlnorm_drop fix_host(CURLU *url, bool *converted)
{
  char *host = NULL;
  char *ascii = NULL;
  bool changed = false;
  enum urlnorm_drop drop = URLNORM_OK;

  if(curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK)
    return URLNORM_REFUSED;
  for(char *c = host; *c != '\0'; c++) {
    if((unsigned char)*c >= 0x80) {
      if(idn2_lookup_u8((const uint8_t *)host, (uint8_t **)&ascii,
                        IDN2_NONTRANSITIONAL) != IDN2_OK) {
        curl_free(host);
        return URLNORM_REFUSED;
      }
      break;
    }
    if(*c >= 'A' && *c <= 'Z') {
      *c = (char)(*c - 'A' + 'a');
      changed = true;
    }
  }
  *converted = ascii != NULL;
  if((ascii != NULL || changed) &&
     curl_url_set(url, CURLUPART_HOST, ascii != NULL ? ascii : host, 0) !=
         CURLUE_OK)
    drop = URLNORM_REFUSED;
  free(ascii);
  curl_free(host);
  return drop;
}

static int hex_value(char c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static bool unreserved(int c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

/* Copies url into out with its escapes in one spelling (see urlnorm.h). */
static enum urlnorm_drop fix_escapes(const char *url, char *out, size_t size,
                                     size_t *out_len)
{
  static const char digits[] = "0123456789ABCDEF";
  size_t len = 0;

  for(const char *at = url; *at != '\0'; at++) {
    char piece[3];
    size_t piece_len = 1;

    piece[0] = *at;
    if(*at == '%') {
      int high = hex_value(at[1]);
      int low = high >= 0 ? hex_value(at[2]) : -1;

      if(low < 0) {
        memcpy(piece, "%25", 3);
        piece_len = 3;
      }
      else if(unreserved(high * 16 + low)) {
        piece[0] = (char)(high * 16 + low);
        at += 2;
      }
      else {
        piece[1] = digits[high];
        piece[2] = digits[low];
        piece_len = 3;
        at += 2;
      }
    }
    if(len + piece_len >= size || len + piece_len > URLNORM_MAX_BYTES)
      return URLNORM_TOO_LONG;
    memcpy(out + len, piece, piece_len);
    len += piece_len;
  }
  out[len] = '\0';
  if(out_len != NULL)
    *out_len = len;
  return URLNORM_OK;
}

/* Normalises what url holds into out. */
static enum urlnorm_drop finish(CURLU *url, char *out, size_t size,
                                size_t *out_len)
{
  char *scheme = NULL;
  char *text = NULL;
  bool converted = false;
  enum urlnorm_drop drop;

  if(curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
    return URLNORM_REFUSED;
  drop = strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0
             ? URLNORM_OK
             : URLNORM_SCHEME;
  curl_free(scheme);
  if(drop != URLNORM_OK)
    return drop;
  drop = fix_host(url, &converted);
  if(drop != URLNORM_OK)
    return drop;
  if(curl_url_set(url, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
     curl_url_set(url, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
     curl_url_set(url, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
     curl_url_get(url, CURLUPART_URL, &text, CURLU_NO_DEFAULT_PORT) !=
         CURLUE_OK)
    return URLNORM_REFUSED;
  drop = strlen(text) > URLNORM_MAX_BYTES
             ? URLNORM_TOO_LONG
             : fix_escapes(text, out, size, out_len);
  curl_free(text);
  /* IDNA mapping can make a host libcurl reads otherwise ("\u00b3" is
   * "3", an IPv4 address): once more, so that the result is its own
   * normal form. */
  if(drop == URLNORM_OK && converted) {
    char first[URLNORM_MAX_BYTES + 1];

    memcpy(first, out, strlen(out) + 1);
    drop = urlnorm_url(first, out, size, out_len);
  }
  return drop;
}

/* Sets href on url (holding the base, or nothing) and normalises it. */
static enum urlnorm_drop resolve_into(CURLU *url, const char *href, size_t len,
                                      char *out, size_t size, size_t *out_len)
{
  char clean[URLNORM_MAX_BYTES + 1];
  char escaped[URLNORM_MAX_BYTES + 1];
  enum urlnorm_drop drop = clean_href(href, len, clean);

  if(drop != URLNORM_OK)
    return drop;
  /* "" and "#x" are the page itself (libcurl 7.88 would resolve "#x" to
   * the base's directory). */
  if(clean[0] == '\0' || clean[0] == '#')
    return finish(url, out, size, out_len);
  if(!scheme_allowed(clean))
    return URLNORM_SCHEME;
  /* Escapes in one spelling before parsing too, so that "%2e" is a dot
   * segment as the URL standard has it; CURLU_URLENCODE then escapes
   * spaces and bytes above 0x7e. */
  drop = fix_escapes(clean, escaped, sizeof(escaped), NULL);
  if(drop != URLNORM_OK)
    return drop;
  if(curl_url_set(url, CURLUPART_URL, escaped, CURLU_URLENCODE) != CURLUE_OK)
    return URLNORM_REFUSED;
  return finish(url, out, size, out_len);
}

enum urlnorm_drop urlnorm_resolve(struct urlnorm *norm, const char *href,
                                  size_t len, char *out, size_t size,
                                  size_t *out_len)
{
  CURLU *url;
  enum urlnorm_drop drop;

  if(norm->base == NULL)
    return URLNORM_REFUSED;
  url = curl_url_dup(norm->base);
  if(url == NULL)
    return URLNORM_REFUSED;
  drop = resolve_into(url, href, len, out, size, out_len);
  curl_url_cleanup(url);
  return drop;
}

enum urlnorm_drop urlnorm_url(const char *url_text, char *out, size_t size,
                              size_t *out_len)
{
  CURLU *url = curl_url();
  enum urlnorm_drop drop;

  if(url == NULL)
    return URLNORM_REFUSED;
  drop = resolve_into(url, url_text, strlen(url_text), out, size, out_len);
  curl_url_cleanup(url);
  return drop;
}

bool urlnorm_refresh_url(const char *content, size_t len, const char **url,
                         size_t *url_len)
{
  const char *at = content, *end = content + len;

  /* The delay: digits and dots. */
  while(at < end && is_space((unsigned char)*at))
    at++;
  while(at < end && ((*at >= '0' && *at <= '9') || *at == '.'))
    at++;
  while(at < end && is_space((unsigned char)*at))
    at++;
  if(at < end && (*at == ';' || *at == ','))
    at++;
  while(at < end && is_space((unsigned char)*at))
    at++;
  if(end - at >= 3 && strncasecmp(at, "url", 3) == 0) {
    const char *after = at + 3;

    while(after < end && is_space((unsigned char)*after))
      after++;
    if(after < end && *after == '=') {
      at = after + 1;
      while(at < end && is_space((unsigned char)*at))
        at++;
    }
  }
  if(at < end && (*at == '\'' || *at == '"')) {
    const char *close = memchr(at + 1, *at, (size_t)(end - at - 1));

    at++;
    if(close != NULL)
      end = close;
  }
  while(end > at && is_space((unsigned char)end[-1]))
    end--;
  if(at == end)
    return false;
  *url = at;
  *url_len = (size_t)(end - at);
  return true;
}

void urlnorm_free(struct urlnorm *norm)
{
  if(norm == NULL)
    return;
  curl_url_cleanup(norm->base);
  free(norm);
}
