/* jobopts.h - what one job asks for over the service's settings: whether it
 * reads robots.txt, and how far it follows links. A job gets its options in
 * three ways, crawld --once flags, crawlctl submit flags and the JSON object
 * a spool job carries (spool.h), and one table of keys here serves all
 * three, so that they accept the same names and values with the same checks
 * and a value refused at submit time is the one the daemon would refuse. */
#ifndef CRAWLD_JOBOPTS_H
#define CRAWLD_JOBOPTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Which links a job follows: those to a seed's host, to its registrable
 * domain (libpsl), or under its directory (scope.h). */
enum jobopts_scope { SCOPE_HOST, SCOPE_DOMAIN, SCOPE_PREFIX };

#define JOBOPTS_REGEX_MAX 1024
#define JOBOPTS_MAX_DEPTH 1000000

struct jobopts {
  bool robots; /* "robots": read and obey robots.txt */
  int depth;   /* "depth": links followed from a seed; 0: the list only */
  enum jobopts_scope scope;        /* "scope": host, domain or prefix */
  long long max_pages;             /* "max_pages": records cap; 0: none */
  char include[JOBOPTS_REGEX_MAX]; /* "include": POSIX ERE; "": all */
  char exclude[JOBOPTS_REGEX_MAX]; /* "exclude": POSIX ERE; "": none */
  bool record_links;               /* "record_links": list in-scope links */
  unsigned set;                    /* which keys were given, a bit each */
};

/* Nothing given: robots as the service has it, no link following. */
void jobopts_defaults(struct jobopts *opts, bool robots);
/* Sets key (a JSON key above) from text as a user types it: "on"/"off" (or
 * "true"/"false") for switches, a number, a scope name, a regular
 * expression. 0, or -1 with *cause set to a malloc'd message naming key. */
int jobopts_set(struct jobopts *opts, const char *key, const char *text,
                char **cause);
/* Sets every key of a JSON object (values of the JSON type of each key).
 * 0, or -1 with *cause: an unknown key, a bad value, not an object. */
int jobopts_set_json(struct jobopts *opts, const json_t *object, char **cause);
/* The keys that were given, as a JSON object (new reference; NULL when out
 * of memory). */
json_t *jobopts_to_json(const struct jobopts *opts);
/* The checks across keys: scope, include and exclude need a depth above 0
 * or record_links. 0, or -1 with *cause. */
int jobopts_check(const struct jobopts *opts, char **cause);
const char *jobopts_scope_name(enum jobopts_scope scope);

#endif
