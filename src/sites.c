/* sites.c - each site's robots.txt state; see sites.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostkey.h"
#include "sites.h"

struct sites {
  struct site **buckets;
  size_t bucket_count; /* a power of two */
  long long count;
};

struct sites *sites_new(void)
{
  struct sites *sites = calloc(1, sizeof(*sites));

  if(sites == NULL)
    return NULL;
  sites->bucket_count = 1024;
  sites->buckets = calloc(sites->bucket_count, sizeof(*sites->buckets));
  if(sites->buckets == NULL) {
    free(sites);
    return NULL;
  }
  return sites;
}

static void grow(struct sites *sites)
{
  size_t count = sites->bucket_count * 2;
  struct site **buckets = calloc(count, sizeof(*buckets));

  if(buckets == NULL)
    return; /* longer chains, still correct */
  for(size_t i = 0; i < sites->bucket_count; i++) {
    struct site *site = sites->buckets[i];

    while(site != NULL) {
      struct site *next = site->hash_next;
      struct site **bucket =
          &buckets[hostkey_hash(site->authority) & (count - 1)];

      site->hash_next = *bucket;
      *bucket = site;
      site = next;
    }
  }
  free(sites->buckets);
  sites->buckets = buckets;
  sites->bucket_count = count;
}

struct site *sites_ref(struct sites *sites, const char *authority)
{
  struct site **bucket =
      &sites->buckets[hostkey_hash(authority) & (sites->bucket_count - 1)];
  struct site *site;

  for(site = *bucket; site != NULL; site = site->hash_next) {
    if(strcmp(site->authority, authority) == 0) {
      site->refs++;
      return site;
    }
  }
  site = calloc(1, sizeof(*site));
  if(site == NULL)
    return NULL;
  site->authority = strdup(authority);
  if(site->authority == NULL) {
    free(site);
    return NULL;
  }
  site->refs = 1;
  site->hash_next = *bucket;
  *bucket = site;
  sites->count++;
  if((size_t)sites->count > sites->bucket_count)
    grow(sites);
  return site;
}

const struct site *sites_find(const struct sites *sites, const char *authority)
{
  const struct site *site =
      sites->buckets[hostkey_hash(authority) & (sites->bucket_count - 1)];

  while(site != NULL && strcmp(site->authority, authority) != 0)
    site = site->hash_next;
  return site;
}

void sites_unref(struct site *site)
{
  if(site != NULL && site->refs > 0)
    site->refs--;
}

static void free_site(struct site *site)
{
  robots_free(site->rules);
  free(site->authority);
  free(site);
}

void sites_sweep(struct sites *sites, long long now_ms)
{
  for(size_t i = 0; i < sites->bucket_count; i++) {
    struct site **link = &sites->buckets[i];

    while(*link != NULL) {
      struct site *site = *link;
      bool stale = site->state != SITE_FETCHING && site->expires_ms <= now_ms;

      if(site->refs == 0 && (stale || sites->count > SITES_MAX)) {
        *link = site->hash_next;
        sites->count--;
        free_site(site);
      }
      else {
        link = &site->hash_next;
      }
    }
  }
}

long long sites_count(const struct sites *sites)
{
  return sites->count;
}

void sites_free(struct sites *sites)
{
  if(sites == NULL)
    return;
  for(size_t i = 0; i < sites->bucket_count; i++) {
    struct site *site = sites->buckets[i];

    while(site != NULL) {
      struct site *next = site->hash_next;

      free_site(site);
      site = next;
    }
  }
  free(sites->buckets);
  free(sites);
}
