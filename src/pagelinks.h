/* pagelinks.h - the links of one page as they travel to the supervisor:
 * resolved against the page's base, normalised (urlnorm.h), each once.
 *
 * The worker feeds every link its parser finds (htmlpage.h) and a redirect's
 * target; the result line carries what this holds (proto.h). A link that
 * urlnorm refuses, or one that could not travel without escapes (a '"' or
 * '\' left in it), is counted as dropped; memory is bounded by
 * PAGELINKS_MAX links a page, past which links are dropped as well. */
#ifndef CRAWLD_PAGELINKS_H
#define CRAWLD_PAGELINKS_H

#include <stdbool.h>
#include <stddef.h>

/* Distinct links kept of one page; the rest count as dropped. */
#define PAGELINKS_MAX 10000

struct pagelinks;

/* NULL when memory runs out. */
struct pagelinks *pagelinks_new(void);
/* Forgets the last page: links now resolve against page_url (the URL the
 * page was fetched from, after redirects). */
void pagelinks_reset(struct pagelinks *links, const char *page_url);
/* The page's <base href>, resolved against its URL: later links resolve
 * against it. An unusable one is ignored, as browsers do. */
void pagelinks_base(struct pagelinks *links, const char *href, size_t len);
/* One link of the page: counted as found, kept unless dropped or a
 * repeat. nofollow links count as found and nothing more. */
void pagelinks_add(struct pagelinks *links, const char *href, size_t len,
                   bool nofollow);
/* The page said nofollow (meta robots): its links stay counted as found,
 * none is kept. */
void pagelinks_forget_links(struct pagelinks *links);
/* A redirect's target (the Location, resolved), counted as found. */
void pagelinks_location(struct pagelinks *links, const char *url);

/* What travels: counts, the kept links as "u1","u2",... and the redirect's
 * target as "u" (NULL when none). Valid until the next reset. */
long long pagelinks_found(const struct pagelinks *links);
long long pagelinks_dropped(const struct pagelinks *links);
const char *pagelinks_urls(const struct pagelinks *links, size_t *len);
const char *pagelinks_target(const struct pagelinks *links);
void pagelinks_free(struct pagelinks *links);

#endif
