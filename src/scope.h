/* scope.h - which discovered links a job follows.
 *
 * The seeds (the lines of the job's URL file) set the scope: with "host" a
 * link is in scope when its host is the host of a seed, with "domain" when
 * its registrable domain (hostkey.h, libpsl) is a seed's, with "prefix" when
 * it is on a seed's host and its path starts with the seed's directory (the
 * seed's path up to and including its last '/'). Scheme and port do not
 * count, so that a site moving from http to https, or linking its own
 * alternate port, stays one site. Then the job's regexes (POSIX extended)
 * are matched against the normalised URL: an include given must match, an
 * exclude given must not.
 *
 * URLs given here are normalised (urlnorm.h): lower-case scheme and host,
 * no userinfo, so the host is what lies between "://" and the next ':', '/',
 * '?' or the end. Seeds are normalised by the caller the same way. */
#ifndef CRAWLD_SCOPE_H
#define CRAWLD_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "jobopts.h"

struct scope;

/* The scope of a job with options (its regexes compiled here). NULL with
 * *cause set (malloc'd) when a regex does not compile or memory runs out. */
struct scope *scope_new(const struct jobopts *options, char **cause);
/* Adds what seed url (normalised) opens to the job. 0, or -1 when memory
 * runs out; a URL without a host adds nothing. */
int scope_add_seed(struct scope *scope, const char *url);
/* True when the normalised url is in scope and passes the regexes. */
bool scope_allows(struct scope *scope, const char *url);
/* Seed hosts, domains or prefixes held. */
size_t scope_size(const struct scope *scope);
void scope_free(struct scope *scope);

#endif
