/* netpolicy.c - deny_networks; see netpolicy.h. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netpolicy.h"

/* The IPv6 prefixes whose last four bytes are an IPv4 address. */
static const unsigned char mapped_prefix[12] = { 0, 0, 0, 0, 0,    0,
                                                 0, 0, 0, 0, 0xff, 0xff };
static const unsigned char compatible_prefix[12] = { 0 };
static const unsigned char nat64_prefix[12] = { 0x00, 0x64, 0xff, 0x9b };

static int parse_one(const char *text, struct netpolicy_rule *rule, char *err,
                     size_t err_size)
{
  char address[INET6_ADDRSTRLEN + 8];
  const char *slash = strchr(text, '/');
  size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
  int max_prefix;

  if(len == 0 || len >= sizeof(address))
    goto bad;
  memcpy(address, text, len);
  address[len] = '\0';
  if(inet_pton(AF_INET, address, rule->bytes) == 1) {
    rule->family = AF_INET;
    max_prefix = 32;
  }
  else if(inet_pton(AF_INET6, address, rule->bytes) == 1) {
    rule->family = AF_INET6;
    max_prefix = 128;
  }
  else {
    goto bad;
  }
  rule->prefix = max_prefix;
  if(slash != NULL) {
    char *end;
    long prefix = strtol(slash + 1, &end, 10);

    if(end == slash + 1 || *end != '\0' || prefix < 0 || prefix > max_prefix)
      goto bad;
    rule->prefix = (int)prefix;
  }
  return 0;
bad:
  snprintf(err, err_size,
           "'%s' is not an IPv4 or IPv6 network (a.b.c.d/n "
           "or x:y::z/n)",
           text);
  return -1;
}

int netpolicy_parse(const char *text, struct netpolicy *policy, char *err,
                    size_t err_size)
{
  char *copy = strdup(text);
  char *cursor = copy;
  char *token;
  int rc = 0;

  policy->count = 0;
  if(copy == NULL) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  /* "none" must be said on its own: next to networks it would read as a
   * typo, and an empty value as a forgotten one. */
  if(strcmp(text, "none") == 0) {
    free(copy);
    return 0;
  }
  while(rc == 0) {
    token = strsep(&cursor, ", \t");
    if(token == NULL)
      break;
    if(token[0] == '\0')
      continue;
    if(policy->count == NETPOLICY_MAX_RULES) {
      snprintf(err, err_size, "more than %d networks", NETPOLICY_MAX_RULES);
      rc = -1;
      break;
    }
    rc = parse_one(token, &policy->rules[policy->count], err, err_size);
    if(rc == 0)
      policy->count++;
  }
  free(copy);
  if(rc == 0 && policy->count == 0) {
    snprintf(err, err_size, "no networks given (write 'none' for none)");
    return -1;
  }
  return rc;
}

static bool in_network(const unsigned char *bytes,
                       const struct netpolicy_rule *rule)
{
  int full = rule->prefix / 8;
  int rest = rule->prefix % 8;

  if(memcmp(bytes, rule->bytes, (size_t)full) != 0)
    return false;
  if(rest == 0)
    return true;
  return ((bytes[full] ^ rule->bytes[full]) & (0xff << (8 - rest))) == 0;
}

static bool denies(const struct netpolicy *policy, int family,
                   const unsigned char *bytes)
{
  for(int i = 0; i < policy->count; i++) {
    if(policy->rules[i].family == family &&
       in_network(bytes, &policy->rules[i]))
      return true;
  }
  return false;
}

bool netpolicy_denies(const struct netpolicy *policy,
                      const struct sockaddr *address)
{
  const unsigned char *bytes;

  if(address->sa_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;

    return denies(policy, AF_INET, (const unsigned char *)&v4->sin_addr);
  }
  if(address->sa_family != AF_INET6)
    return false;
  bytes = ((const struct sockaddr_in6 *)address)->sin6_addr.s6_addr;
  if(denies(policy, AF_INET6, bytes))
    return true;
  /* ::1 and :: are IPv6 themselves, not IPv4-compatible spellings. */
  if(memcmp(bytes, mapped_prefix, 12) == 0 ||
     memcmp(bytes, nat64_prefix, 12) == 0 ||
     (memcmp(bytes, compatible_prefix, 12) == 0 &&
      (bytes[12] | bytes[13] | bytes[14]) != 0))
    return denies(policy, AF_INET, bytes + 12);
  return false;
}
