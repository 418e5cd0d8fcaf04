/* hostkey.c - a URL's authority and politeness key; see hostkey.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libpsl.h>

#include "hostkey.h"

struct hostkey {
  enum politeness_key key;
  CURLU *parser;
};

struct hostkey *hostkey_new(enum politeness_key key)
{
  struct hostkey *hostkey = calloc(1, sizeof(*hostkey));

  if(hostkey == NULL)
    return NULL;
  hostkey->key = key;
  hostkey->parser = curl_url();
  if(hostkey->parser == NULL) {
    free(hostkey);
    return NULL;
  }
  return hostkey;
}

static void lower(char *text)
{
  for(; *text != '\0'; text++) {
    if(*text >= 'A' && *text <= 'Z')
      *text = (char)(*text - 'A' + 'a');
  }
}

int hostkey_of(struct hostkey *hostkey, const char *url,
               char authority[HOSTKEY_MAX], char key[HOSTKEY_MAX])
{
  char *scheme = NULL;
  char *host = NULL;
  char *port = NULL;
  int rc = -1;

  if(curl_url_set(hostkey->parser, CURLUPART_URL, url, 0) != CURLUE_OK ||
     curl_url_get(hostkey->parser, CURLUPART_SCHEME, &scheme, 0) !=
         CURLUE_OK ||
     curl_url_get(hostkey->parser, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
     curl_url_get(hostkey->parser, CURLUPART_PORT, &port,
                  CURLU_DEFAULT_PORT) != CURLUE_OK)
    goto out;
  lower(scheme);
  lower(host);
  if(snprintf(authority, HOSTKEY_MAX, "%s://%s:%s", scheme, host, port) >=
     HOSTKEY_MAX)
    goto out;
  if(hostkey->key == POLITENESS_DOMAIN)
    snprintf(key, HOSTKEY_MAX, "%s", hostkey_domain(host));
  else {
    memcpy(key, authority, strlen(authority) + 1);
  }
  rc = 0;
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  return rc;
}

const char *hostkey_domain(const char *host)
{
  /* libpsl's built-in list, shared and never freed. */
  const char *domain = psl_registrable_domain(psl_builtin(), host);

  return domain != NULL ? domain : host;
}

void hostkey_free(struct hostkey *hostkey)
{
  if(hostkey == NULL)
    return;
  curl_url_cleanup(hostkey->parser);
  free(hostkey);
}

/* FNV-1a: fast on short keys. A list made to collide only lengthens a
 * chain of the tables; nothing is lost or mixed up. */
uint64_t hostkey_hash_bytes(const char *text, size_t len)
{
  uint64_t hash = UINT64_C(1469598103934665603);

  for(size_t i = 0; i < len; i++) {
    hash ^= (unsigned char)text[i];
    hash *= UINT64_C(1099511628211);
  }
  return hash;
}

uint64_t hostkey_hash(const char *text)
{
  return hostkey_hash_bytes(text, strlen(text));
}
