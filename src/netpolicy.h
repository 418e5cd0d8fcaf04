/* netpolicy.h - the networks crawld must never connect to (deny_networks).
 *
 * A crawler follows links and redirects chosen by strangers, so a page can
 * point it at the machine's own neighbourhood: the cloud metadata service,
 * link-local devices, internal ranges. The check is made on the address
 * libcurl is about to connect to (its open-socket callback), after DNS and
 * after every redirect, so no spelling of a host or a URL gets around it. An
 * IPv6 address that carries an IPv4 one (IPv4-mapped ::ffff:a.b.c.d,
 * IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d) is also checked as that
 * IPv4 address. */
#ifndef CRAWLD_NETPOLICY_H
#define CRAWLD_NETPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define NETPOLICY_MAX_RULES 64
/* Link-local (which holds the metadata service of most clouds at
 * 169.254.169.254), AWS's IPv6 metadata address, Alibaba Cloud's. */
#define NETPOLICY_DEFAULT                       \
  "169.254.0.0/16 fe80::/10 fd00:ec2::254/128 " \
  "100.100.100.200/32"

struct netpolicy_rule {
  int family;              /* AF_INET or AF_INET6 */
  unsigned char bytes[16]; /* the network, in network byte order */
  int prefix;              /* bits */
};

struct netpolicy {
  int count;
  struct netpolicy_rule rules[NETPOLICY_MAX_RULES];
};

/* Parses a list of networks ("10.0.0.0/8, fd00::/8 192.0.2.1"; commas or
 * spaces between them; an address without /N is one host; "none" is the
 * empty list). 0, or -1 with a message in err. */
int netpolicy_parse(const char *text, struct netpolicy *policy, char *err,
                    size_t err_size);
/* True when address (AF_INET or AF_INET6) lies in a denied network. */
bool netpolicy_denies(const struct netpolicy *policy,
                      const struct sockaddr *address);

#endif
