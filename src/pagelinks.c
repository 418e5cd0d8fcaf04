/* pagelinks.c - one page's links on their way up; see pagelinks.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostkey.h"
#include "jsonw.h"
#include "pagelinks.h"
#include "urlnorm.h"

/* The kept links, each once: a slot holds where a link's text starts in
 * urls (0: free; never 0 for a link, past its opening quote) and its
 * length, found by a hash of it; the table is at most half full and grows
 * with the page, so a worker's many fetches of small pages stay small. */
struct slot {
  uint32_t at;
  uint32_t len;
};

struct pagelinks {
  struct urlnorm *norm;
  long long found;
  long long dropped;
  long long kept;
  struct jsonw urls; /* "u1","u2",... */
  struct slot *slots;
  size_t slot_count; /* a power of two, or 0 */
  char *target;      /* a redirect's, or NULL */
  char url[URLNORM_MAX_BYTES + 1];
};

struct pagelinks *pagelinks_new(void)
{
  struct pagelinks *links = calloc(1, sizeof(*links));

  if(links == NULL)
    return NULL;
  links->norm = urlnorm_new();
  if(links->norm == NULL) {
    free(links);
    return NULL;
  }
  return links;
}

void pagelinks_reset(struct pagelinks *links, const char *page_url)
{
  pagelinks_forget_links(links);
  links->found = links->dropped = 0;
  free(links->target);
  links->target = NULL;
  urlnorm_set_base(links->norm, page_url);
}

void pagelinks_base(struct pagelinks *links, const char *href, size_t len)
{
  size_t url_len;

  if(urlnorm_resolve(links->norm, href, len, links->url, sizeof(links->url),
                     &url_len) == URLNORM_OK)
    urlnorm_set_base(links->norm, links->url);
}

/* Whether url can travel as it is (see proto.h). */
static bool travels(const char *url, size_t len)
{
  for(size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)url[i];

    if(c < 0x21 || c > 0x7E || c == '"' || c == '\\')
      return false;
  }
  return true;
}

/* The slot of url, or the free one where it goes. */
static struct slot *find(const struct pagelinks *links, const char *url,
                         size_t len)
{
  size_t mask = links->slot_count - 1;
  size_t index = hostkey_hash_bytes(url, len) & mask;

  while(links->slots[index].at != 0 &&
        !(links->slots[index].len == len &&
          memcmp(links->urls.text + links->slots[index].at, url, len) == 0))
    index = (index + 1) & mask;
  return &links->slots[index];
}

static bool grow(struct pagelinks *links)
{
  struct slot *old = links->slots;
  size_t old_count = links->slot_count;
  size_t count = old_count > 0 ? old_count * 2 : 64;

  links->slots = calloc(count, sizeof(*links->slots));
  if(links->slots == NULL) {
    links->slots = old;
    return false;
  }
  links->slot_count = count;
  for(size_t i = 0; i < old_count; i++) {
    if(old[i].at != 0)
      *find(links, links->urls.text + old[i].at, old[i].len) = old[i];
  }
  free(old);
  return true;
}

/* Keeps url unless it is kept already; false when there is no room. */
static bool keep(struct pagelinks *links, const char *url, size_t len)
{
  struct slot *slot;
  size_t at;

  if((size_t)(links->kept + 1) * 2 > links->slot_count && !grow(links))
    return false;
  slot = find(links, url, len);
  if(slot->at != 0)
    return true;
  if(links->kept >= PAGELINKS_MAX)
    return false;
  if(links->kept > 0)
    jsonw_lit(&links->urls, ",");
  at = links->urls.len + 1;
  jsonw_lit(&links->urls, "\"");
  jsonw_raw(&links->urls, url, len);
  jsonw_lit(&links->urls, "\"");
  if(links->urls.failed || at > UINT32_MAX)
    return false;
  slot->at = (uint32_t)at;
  slot->len = (uint32_t)len;
  links->kept++;
  return true;
}

void pagelinks_add(struct pagelinks *links, const char *href, size_t len,
                   bool nofollow)
{
  size_t url_len;

  links->found++;
  if(nofollow)
    return;
  if(urlnorm_resolve(links->norm, href, len, links->url, sizeof(links->url),
                     &url_len) != URLNORM_OK ||
     !travels(links->url, url_len) || !keep(links, links->url, url_len))
    links->dropped++;
}

void pagelinks_forget_links(struct pagelinks *links)
{
  if(links->slot_count > 0)
    memset(links->slots, 0, links->slot_count * sizeof(*links->slots));
  links->kept = 0;
  jsonw_reset(&links->urls);
}

void pagelinks_location(struct pagelinks *links, const char *url)
{
  size_t url_len;

  links->found++;
  if(urlnorm_resolve(links->norm, url, strlen(url), links->url,
                     sizeof(links->url), &url_len) != URLNORM_OK ||
     !travels(links->url, url_len) ||
     (links->target = strndup(links->url, url_len)) == NULL)
    links->dropped++;
}

long long pagelinks_found(const struct pagelinks *links)
{
  return links->found;
}

long long pagelinks_dropped(const struct pagelinks *links)
{
  return links->dropped;
}

const char *pagelinks_urls(const struct pagelinks *links, size_t *len)
{
  *len = links->urls.len;
  return links->urls.text != NULL ? links->urls.text : "";
}

const char *pagelinks_target(const struct pagelinks *links)
{
  return links->target;
}

void pagelinks_free(struct pagelinks *links)
{
  if(links == NULL)
    return;
  urlnorm_free(links->norm);
  jsonw_free(&links->urls);
  free(links->slots);
  free(links->target);
  free(links);
}
