/* seen.h - a job's seen-set: the URLs already handed to the frontier, so
 * that every URL enters it at most once per job.
 *
 * It keeps no URLs, only a 44-bit digest of each: a 64-bit hash of the URL's
 * bytes (seen.c; fixed seed, so the same URLs give the same answers in every
 * run and after a restart), whose top 12 bits pick one of 4096 shards and
 * whose low 32 bits are the fingerprint stored in that shard's table. Two
 * URLs are taken as the same when both digests match, so there are no false
 * negatives (a URL added is always reported seen), but there are false
 * positives: a URL never added whose digest matches one that was is wrongly
 * taken as seen, and so is never fetched. That is why the rate matters.
 *
 * False positives: a new URL is wrongly taken as seen when some URL of its
 * shard has its fingerprint, so the rate is about n / (4096 * 2^32) = n /
 * 2^44 for n URLs held: 5.7e-7 at 10 million (measured: 5e-7, 5 of 10
 * million URLs never added; bench/SEEN.md), and 5.7e-6 at 100 million
 * (measured: 5.5e-6), under the 1e-5 the seen-set must keep.
 *
 * Memory: 4 bytes a slot (and 32 slots of slack a shard), at most 7/8 of
 * the slots used before a shard grows by half, so 4.6 to 6.9 bytes a URL;
 * a shard has no table until its first URL, so an empty set costs 64 KiB
 * and a small job little more. At 10 million URLs every shard sits on the
 * same step of the growth ladder: 54.4 MiB, 5.7 bytes a URL, and it stays
 * there up to about 12.3 million.
 * malloc adds the holes that the tables freed on growing leave in the heap:
 * a process holding nothing else peaks at 63 MiB of RSS at 10 million
 * (bench/SEEN.md).
 *
 * The hash is not keyed: someone who reads seen.c can make URLs that
 * collide, and so hide a page of their own site from the crawl. A secret
 * seed would stop that and break the same answer after a restart.
 *
 * Not thread-safe: one job, one thread. */
#ifndef CRAWLD_SEEN_H
#define CRAWLD_SEEN_H

#include <stdbool.h>
#include <stddef.h>

struct seen;

/* An empty set, or NULL when out of memory. */
struct seen *seen_new(void);
/* Caps the memory the set's tables may take at max_bytes (seen_bytes); an
 * add that would grow past it fails as if out of memory. 0: no cap. */
void seen_set_limit(struct seen *seen, size_t max_bytes);
/* Adds url (len bytes, any bytes, not NUL-terminated). 1 if it is new; 0 if
 * it was (probably, see above) added before; -1 when out of memory or past
 * the limit, and then the set is as it was and url is not in it. */
int seen_add(struct seen *seen, const char *url, size_t len);
/* Whether url was (probably) added. */
bool seen_has(const struct seen *seen, const char *url, size_t len);
/* URLs added (adds that returned 1). */
long long seen_count(const struct seen *seen);
/* Bytes of memory the set holds, its tables and bookkeeping. */
size_t seen_bytes(const struct seen *seen);
void seen_free(struct seen *seen);

#endif
