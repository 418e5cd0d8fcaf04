/* hostkey.h - which politeness queue and which robots.txt a URL belongs to.
 *
 * A URL's authority is "scheme://host:port" with the scheme and host in
 * lower case and the port always written (80 and 443 by default): robots.txt
 * is per authority (RFC 9309 2.3). Its politeness key is the authority, or,
 * with politeness_key = domain, the registrable domain of its host ("a.b.
 * example.co.uk" -> "example.co.uk", from libpsl's public suffix list); an
 * IP address or a host that is itself a public suffix is its own domain. */
#ifndef CRAWLD_HOSTKEY_H
#define CRAWLD_HOSTKEY_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* The longest authority or key kept; a longer host is bad input. */
#define HOSTKEY_MAX 300

struct hostkey;

/* NULL when memory runs out. */
struct hostkey *hostkey_new(enum politeness_key key);
/* Fills authority and key (each HOSTKEY_MAX bytes) for an http or https
 * URL. 0, or -1 when libcurl cannot parse it or its host is too long. */
int hostkey_of(struct hostkey *hostkey, const char *url,
               char authority[HOSTKEY_MAX], char key[HOSTKEY_MAX]);
void hostkey_free(struct hostkey *hostkey);
/* The registrable domain of a lower-case host, pointing into host; host
 * itself when it is an IP address or a public suffix. */
const char *hostkey_domain(const char *host);
/* A hash of a key or authority, for the tables that look them up; the
 * same of len bytes of text, for other short strings (hosts, links). */
uint64_t hostkey_hash(const char *text);
uint64_t hostkey_hash_bytes(const char *text, size_t len);

#endif
