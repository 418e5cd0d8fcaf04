/* seen.c - a job's seen-set of URL fingerprints; see seen.h.
 *
 * A shard is one array of 32-bit fingerprints, 0 marking an empty slot. A
 * fingerprint's home slot is fastrange(fp, cap) = fp * cap / 2^32, which
 * grows with fp, and the array is kept sorted: an entry sits at or after its
 * home, with no empty slot between the two, and every entry before it is
 * smaller (linear probing in fingerprint order). So a lookup scans from the
 * home until it meets the fingerprint, a larger one or an empty slot, which
 * is short also when the fingerprint is absent; an insert shifts the rest of
 * its run one slot to the right; and growing copies the entries in order,
 * each to the later of its new home and the slot after the previous one.
 *
 * Runs do not wrap around: SLACK slots after the last home take what spills
 * past it, and a shard whose run would spill past those grows early. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seen.h"

#define SHARD_BITS 12
#define SHARDS (1u << SHARD_BITS)
/* Homes of the first table; each growth multiplies them by 3/2. Starting at
 * 8 puts the table of a shard with 2,441 URLs (10 million over 4,096) on
 * 3,444 homes, about 70% used: 4 * 3,476 * 4,096 bytes, 54.4 MiB in all. */
#define FIRST_CAP 8
#define SLACK 32
/* A shard grows before more than 7/8 of its homes are used. */
#define LOAD_NUM 7
#define LOAD_DEN 8

struct shard {
  uint32_t *slots; /* cap + SLACK of them; NULL until the first URL */
  uint32_t cap;    /* home slots */
  uint32_t count;
};

struct seen {
  struct shard shards[SHARDS];
  long long count;
  size_t bytes; /* of the slot arrays */
  size_t limit; /* 0: none */
};

/* --- the hash ------------------------------------------------------------ */

/* Fixed odd constants with mixed bits. Changing any of them changes which
 * URLs collide, which is only safe when no seen-set outlives the process. */
#define HASH_SEED UINT64_C(0x6a09e667f3bcc909)
#define HASH_MUL UINT64_C(0x9e3779b97f4a7c15)
#define HASH_FINAL UINT64_C(0xd6e8feb86659fd93)

/* The 128-bit product of a and b, its halves xor'ed: every bit of the result
 * depends on every bit of both. */
static uint64_t fold_mul(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
  unsigned __int128 product = (unsigned __int128)a * b;

  return (uint64_t)product ^ (uint64_t)(product >> 64);
#else
  uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
  uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
  uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo;
  uint64_t lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  uint64_t middle = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
  uint64_t low = (middle << 32) | (lo_lo & 0xffffffffu);
  uint64_t high = hi_hi + (hi_lo >> 32) + (middle >> 32);

  return low ^ high;
#endif
}

/* Little-endian whatever the machine, so the hash is the same everywhere. */
static uint64_t load_word(const unsigned char *bytes, size_t len)
{
  uint64_t word = 0;

  for(size_t i = 0; i < len; i++)
    word |= (uint64_t)bytes[i] << (8 * i);
  return word;
}

/* Each 8-byte word is mixed into the state by one multiply with a constant,
 * which never loses the state whatever the word; the length goes in last,
 * so "a" and "a\0" differ, and a second multiply spreads the last word's
 * bits over the whole result. */
static uint64_t hash_url(const char *url, size_t len)
{
  const unsigned char *bytes = (const unsigned char *)url;
  uint64_t state = HASH_SEED;
  size_t left = len;

  while(left >= 8) {
    state = fold_mul(state ^ load_word(bytes, 8), HASH_MUL);
    bytes += 8;
    left -= 8;
  }
  state = fold_mul(state ^ load_word(bytes, left), HASH_MUL);
  return fold_mul(state ^ (uint64_t)len, HASH_FINAL);
}

/* --- a shard ------------------------------------------------------------- */

static uint32_t home_of(uint32_t fingerprint, uint32_t cap)
{
  return (uint32_t)(((uint64_t)fingerprint * cap) >> 32);
}

/* The slot that holds fingerprint, or where it belongs: the first slot from
 * its home that is empty or holds a fingerprint not smaller. Returns
 * cap + SLACK when the run reaches the end of the array. */
static uint32_t find_slot(const struct shard *shard, uint32_t fingerprint)
{
  uint32_t end = shard->cap + SLACK;
  uint32_t slot = home_of(fingerprint, shard->cap);

  while(slot < end && shard->slots[slot] != 0 &&
        shard->slots[slot] < fingerprint)
    slot++;
  return slot;
}

static bool shard_has(const struct shard *shard, uint32_t fingerprint)
{
  uint32_t slot;

  if(shard->slots == NULL)
    return false;
  slot = find_slot(shard, fingerprint);
  return slot < shard->cap + SLACK && shard->slots[slot] == fingerprint;
}

/* Puts fingerprint at slot (from find_slot), shifting the run after it one
 * to the right. false, changing nothing, when the run has no room left
 * before the end of the array. */
static bool shard_put(struct shard *shard, uint32_t slot, uint32_t fingerprint)
{
  uint32_t end = shard->cap + SLACK;
  uint32_t empty = slot;

  while(empty < end && shard->slots[empty] != 0)
    empty++;
  if(empty == end)
    return false;
  memmove(&shard->slots[slot + 1], &shard->slots[slot],
          (size_t)(empty - slot) * sizeof(uint32_t));
  shard->slots[slot] = fingerprint;
  shard->count++;
  return true;
}

/* Copies every entry of from, in order, into the empty array to of cap homes.
 * false when they do not fit, which a larger cap fixes. */
static bool shard_copy(const struct shard *from, uint32_t *to, uint32_t cap)
{
  uint32_t next = 0; /* first slot after the last entry placed */

  for(uint32_t slot = 0; from->slots != NULL && slot < from->cap + SLACK;
      slot++) {
    uint32_t fingerprint = from->slots[slot];
    uint32_t home;

    if(fingerprint == 0)
      continue;
    home = home_of(fingerprint, cap);
    if(home < next)
      home = next;
    if(home >= cap + SLACK)
      return false;
    to[home] = fingerprint;
    next = home + 1;
  }
  return true;
}

static size_t array_bytes(uint32_t cap)
{
  return ((size_t)cap + SLACK) * sizeof(uint32_t);
}

/* Moves shard to a table of at least half as many homes again (the first
 * one when it has none). -1, the shard unchanged, when out of memory or past
 * the set's limit. */
static int shard_grow(struct seen *seen, struct shard *shard)
{
  uint32_t cap =
      shard->slots == NULL ? FIRST_CAP : shard->cap + shard->cap / 2;

  for(;;) {
    size_t old_bytes = shard->slots == NULL ? 0 : array_bytes(shard->cap);
    size_t bytes = seen->bytes - old_bytes + array_bytes(cap);
    uint32_t *slots;

    if(seen->limit != 0 && sizeof(*seen) + bytes > seen->limit)
      return -1;
    slots = calloc((size_t)cap + SLACK, sizeof(uint32_t));
    if(slots == NULL)
      return -1;
    if(shard_copy(shard, slots, cap)) {
      free(shard->slots);
      shard->slots = slots;
      shard->cap = cap;
      seen->bytes = bytes;
      return 0;
    }
    /* Only when far more entries crowd into the last homes than chance
     * makes likely. */
    free(slots);
    cap += cap / 2;
  }
}

/* --- the set ------------------------------------------------------------- */

struct seen *seen_new(void)
{
  return calloc(1, sizeof(struct seen));
}

void seen_set_limit(struct seen *seen, size_t max_bytes)
{
  seen->limit = max_bytes;
}

static uint32_t shard_index(uint64_t hash)
{
  return (uint32_t)(hash >> (64 - SHARD_BITS));
}

/* 0 marks an empty slot, so the one fingerprint that would be 0 is taken as
 * 1: those two share a digest, a negligible cost. */
static uint32_t fingerprint_of(uint64_t hash)
{
  uint32_t fingerprint = (uint32_t)hash;

  return fingerprint == 0 ? 1 : fingerprint;
}

int seen_add(struct seen *seen, const char *url, size_t len)
{
  uint64_t hash = hash_url(url, len);
  struct shard *shard = &seen->shards[shard_index(hash)];
  uint32_t fingerprint = fingerprint_of(hash);
  uint32_t slot = 0;

  if(shard->slots != NULL) {
    slot = find_slot(shard, fingerprint);
    if(slot < shard->cap + SLACK && shard->slots[slot] == fingerprint)
      return 0;
  }
  if(shard->slots == NULL || (uint64_t)(shard->count + 1) * LOAD_DEN >
                                 (uint64_t)shard->cap * LOAD_NUM) {
    if(shard_grow(seen, shard) < 0)
      return -1;
    slot = find_slot(shard, fingerprint);
  }
  while(!shard_put(shard, slot, fingerprint)) {
    if(shard_grow(seen, shard) < 0)
      return -1;
    slot = find_slot(shard, fingerprint);
  }
  seen->count++;
  return 1;
}

bool seen_has(const struct seen *seen, const char *url, size_t len)
{
  uint64_t hash = hash_url(url, len);

  return shard_has(&seen->shards[shard_index(hash)], fingerprint_of(hash));
}

long long seen_count(const struct seen *seen)
{
  return seen->count;
}

size_t seen_bytes(const struct seen *seen)
{
  return sizeof(*seen) + seen->bytes;
}

void seen_free(struct seen *seen)
{
  if(seen == NULL)
    return;
  for(uint32_t i = 0; i < SHARDS; i++)
    free(seen->shards[i].slots);
  free(seen);
}
