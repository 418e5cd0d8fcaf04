/* seen_fp.c - the seen-set's false-positive rate, memory and speed.
 *
 *   seen_fp [COUNT [VARIANT]]
 *
 * Adds COUNT (default 10,000,000) distinct generated URLs to one seen-set,
 * checks that every one of them is then reported seen (a false negative would
 * be a bug), then asks about COUNT other distinct URLs, none of them added,
 * and counts those wrongly reported seen: the false positives of seen.h,
 * URLs a crawl would never fetch. Adds refused as seen are false positives
 * too (every URL is new). Prints the counts, the rates measured and the ones
 * expected (COUNT / 2^44 for the lookups), seen_bytes, the peak RSS of the
 * process (getrusage), and the time per add and per lookup with the time to
 * make the URLs taken off. Exits 1 on a false negative.
 *
 * The URLs look like a crawl's: http or https, a few thousand hosts, one to
 * four path segments of words, and query strings on some. URL i carries i
 * in decimal as its last path segment, which makes the URLs distinct by
 * construction; the queried ones are numbered from COUNT on. VARIANT
 * (default 0) changes every URL's host, path words and query, so that runs
 * with different variants measure different sets of URLs. */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "seen.h"

#define HOSTS 3000
#define URL_MAX 512

static const char *const words[] = {
  "news",    "blog",    "articles", "product", "category", "shop",
  "en",      "de",      "docs",     "wiki",    "search",   "user",
  "profile", "images",  "video",    "forum",   "thread",   "archive",
  "tag",     "about",   "help",     "support", "download", "static",
  "sports",  "weather", "travel",   "recipes", "reviews",  "events",
  "jobs",    "press",
};
#define WORDS (sizeof(words) / sizeof(words[0]))

static const char *const tlds[] = { "com",   "org", "net", "de",
                                    "co.uk", "io",  "fr",  "info" };
#define TLDS (sizeof(tlds) / sizeof(tlds[0]))

/* A stateless mix of a counter, to draw the shape of URL i from i alone. */
static uint64_t mix(uint64_t x)
{
  x ^= x >> 29;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 32;
  x *= UINT64_C(0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/* Takes a number below bound from *bits, consuming what it used. */
static unsigned draw(uint64_t *bits, unsigned bound)
{
  unsigned value = (unsigned)(*bits % bound);

  *bits /= bound;
  return value;
}

static uint64_t variant;

static size_t make_url(char *url, uint64_t i)
{
  uint64_t bits = mix(i + UINT64_C(0x1234567) + (variant << 40));
  uint64_t more = mix(bits);
  unsigned host = draw(&bits, HOSTS);
  unsigned segments = 1 + draw(&bits, 4);
  size_t len;

  len = (size_t)snprintf(url, URL_MAX, "%s://%s%s%u.%s",
                         draw(&bits, 10) == 0 ? "http" : "https",
                         host % 3 == 0 ? "www." : "", words[host % WORDS],
                         host, tlds[host % TLDS]);
  for(unsigned s = 0; s < segments; s++)
    len += (size_t)snprintf(url + len, URL_MAX - len, "/%s",
                            words[draw(&more, WORDS)]);
  len += (size_t)snprintf(url + len, URL_MAX - len, "/%" PRIu64, i);
  switch(draw(&more, 5)) {
    case 0:
      len += (size_t)snprintf(url + len, URL_MAX - len, "?page=%u&sort=%s",
                              draw(&more, 50), words[draw(&more, WORDS)]);
      break;
    case 1:
      len += (size_t)snprintf(
          url + len, URL_MAX - len, "?utm_source=%s&utm_medium=%s",
          words[draw(&more, WORDS)], words[draw(&more, WORDS)]);
      break;
    default:
      break;
  }
  return len;
}

static double now_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Resident now, from /proc/self/statm; -1 where there is none. */
static double rss_now_mib(void)
{
  FILE *statm = fopen("/proc/self/statm", "r");
  long pages_total, pages_resident;
  int got;

  if(statm == NULL)
    return -1;
  got = fscanf(statm, "%ld %ld", &pages_total, &pages_resident);
  fclose(statm);
  if(got != 2)
    return -1;
  return (double)pages_resident * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static long peak_rss_kib(void)
{
  struct rusage usage;

  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/* What making count URLs from first on costs alone, to take off the add and
 * lookup times. */
static double make_ns(uint64_t first, long long count)
{
  char url[URL_MAX];
  size_t total = 0;
  double start = now_ns();

  for(long long i = 0; i < count; i++)
    total += make_url(url, first + (uint64_t)i);
  /* Uses total, so the loop is not optimised away. */
  if(total == 0)
    fprintf(stderr, "no URL made\n");
  return now_ns() - start;
}

int main(int argc, char **argv)
{
  long long count = argc > 1 ? atoll(argv[1]) : 10000000;
  long base_rss = peak_rss_kib();
  char url[URL_MAX];
  long long missing = 0, refused = 0, false_positives = 0, total_len = 0;
  double add_ns, has_ns, query_ns, start;
  struct seen *seen;

  if(count <= 0 || count >= (1ll << 40)) {
    fprintf(stderr, "usage: seen_fp [COUNT [VARIANT]]\n");
    return 2;
  }
  variant = argc > 2 ? (uint64_t)atoll(argv[2]) : 0;
  seen = seen_new();
  if(seen == NULL) {
    fprintf(stderr, "seen_fp: out of memory\n");
    return 1;
  }

  start = now_ns();
  for(long long i = 0; i < count; i++) {
    size_t len = make_url(url, (uint64_t)i);
    int rc = seen_add(seen, url, len);

    total_len += (long long)len;
    if(rc < 0) {
      fprintf(stderr, "seen_fp: out of memory at %lld URLs\n", i);
      return 1;
    }
    /* A 0 here is a false positive too: URL i is new by construction. */
    if(rc == 0)
      refused++;
  }
  add_ns = now_ns() - start;
  printf("added          %lld URLs (mean length %.1f bytes), %lld refused as "
         "seen\n",
         seen_count(seen), (double)total_len / (double)count, refused);
  printf("seen_bytes     %zu (%.2f MiB, %.2f bytes a URL)\n", seen_bytes(seen),
         (double)seen_bytes(seen) / 1048576.0,
         (double)seen_bytes(seen) / (double)count);

  for(long long i = 0; i < count; i++) {
    size_t len = make_url(url, (uint64_t)i);

    if(!seen_has(seen, url, len))
      missing++;
  }
  printf("false negatives %lld of %lld added\n", missing, count);

  start = now_ns();
  for(long long i = 0; i < count; i++) {
    size_t len = make_url(url, (uint64_t)(count + i));

    if(seen_has(seen, url, len))
      false_positives++;
  }
  has_ns = now_ns() - start;
  query_ns = make_ns((uint64_t)count, count);
  add_ns -= make_ns(0, count);
  has_ns -= query_ns;

  /* Each lookup meets all count URLs; the adds met half as many on
   * average, so they expect half the rate. */
  printf("false positives %lld of %lld lookups of URLs never added: %.3g "
         "(expected n / 2^44 = %.3g)\n",
         false_positives, count, (double)false_positives / (double)count,
         (double)count / 17592186044416.0);
  printf("refused adds   %lld of %lld: %.3g (expected n / 2^45 = %.3g)\n",
         refused, count, (double)refused / (double)count,
         (double)count / 35184372088832.0);
  printf("peak RSS       %.2f MiB (%.2f MiB before the set, %.2f MiB at the "
         "end)\n",
         (double)peak_rss_kib() / 1024.0, (double)base_rss / 1024.0,
         rss_now_mib());
  printf("ns per add     %.1f\n", add_ns / (double)count);
  printf("ns per lookup  %.1f (of new URLs)\n", has_ns / (double)count);
  seen_free(seen);
  return missing == 0 ? 0 : 1;
}
