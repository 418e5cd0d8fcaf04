/* sites.h - what the frontier knows of each site's robots.txt, a site
 * being one scheme, host and port (RFC 9309 2.3: robots.txt is per
 * authority, whatever the politeness key).
 *
 * A site's robots.txt is unknown, being fetched, known (its rules, for
 * robots_cache_s) or unavailable (it answered 5xx or could not be fetched
 * max_attempts times: every URL of the site is refused for a while). The
 * table is kept across jobs; tasks hold a reference to their site, and a
 * site nothing refers to is forgotten once its robots.txt is stale, or when
 * the table is over SITES_MAX. */
#ifndef CRAWLD_SITES_H
#define CRAWLD_SITES_H

#include <stdbool.h>

#include "robots.h"

/* Sites remembered beyond those that tasks refer to. */
#define SITES_MAX 100000

enum site_state {
  SITE_UNKNOWN,    /* fetch robots.txt before anything else */
  SITE_FETCHING,   /* a robots.txt task is out */
  SITE_KNOWN,      /* rules hold until expires_ms */
  SITE_UNAVAILABLE /* every URL refused until expires_ms */
};

struct site {
  char *authority; /* "http://example.org:80" */
  struct site *hash_next;
  enum site_state state;
  struct robots *rules; /* SITE_KNOWN */
  long long expires_ms; /* monotonic */
  int failures;         /* robots.txt fetches failed in a row */
  long crawl_delay_ms;  /* from the rules, capped; 0: none */
  char why[192];        /* SITE_UNAVAILABLE: what happened */
  long long refs;       /* tasks that point at it */
};

struct sites;

/* NULL when memory runs out. */
struct sites *sites_new(void);
/* The site of authority with one more reference, made if new; NULL when
 * memory runs out. */
struct site *sites_ref(struct sites *sites, const char *authority);
void sites_unref(struct site *site);
/* The site of authority, or NULL; no reference is taken. */
const struct site *sites_find(const struct sites *sites,
                              const char *authority);
/* Forgets sites no task refers to whose robots.txt is stale at now_ms, and
 * more of them (oldest first is not tracked: any) while over SITES_MAX. */
void sites_sweep(struct sites *sites, long long now_ms);
long long sites_count(const struct sites *sites);
void sites_free(struct sites *sites);

#endif
