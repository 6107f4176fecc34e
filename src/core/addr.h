/* addr.h - IPv4/IPv6 addresses: parsing, canonical text (RFC 5952), and classification.
 *
 * Classification answers the question every exposure judgement starts with: is this
 * address reachable from the internet? One prefix table (addr.c) decides it, shared by the
 * endpoint collector and the attack-surface pipeline. */
#ifndef TK_CORE_ADDR_H
#define TK_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

struct tk_ip {
    int family; /* 4 or 6 */
    unsigned char b[16]; /* network order; IPv4 uses b[0..3] */
};

#define TK_IP_STRLEN 46

/* Strict parse of dotted-quad IPv4 or RFC 4291 IPv6 text (no zone ids). */
bool tk_ip_parse(struct tk_str s, struct tk_ip *out);
/* Canonical text into out (TK_IP_STRLEN bytes). */
void tk_ip_format(const struct tk_ip *ip, char *out);

/* One of: public, global-v6, private, cgnat, loopback, link-local, ula, multicast,
 * unspecified, documentation, benchmark, broadcast, site-local, nat64, 6to4, teredo,
 * reserved. Borrowed static string. IPv4-mapped IPv6 addresses get their IPv4 class. */
const char *tk_ip_class(const struct tk_ip *ip);

/* True for the classes reachable from the internet: public and global-v6 (and the
 * transition ranges 6to4 and teredo, which route to a host as well). */
bool tk_ip_class_is_global(const char *cls);

bool tk_ip_is_unspecified(const struct tk_ip *ip);
/* ::ffff:a.b.c.d becomes a.b.c.d (how a dual-stack socket shows an IPv4 peer); others
 * unchanged. */
void tk_ip_unmap(struct tk_ip *ip);
bool tk_ip_in_prefix(const struct tk_ip *ip, const struct tk_ip *net, unsigned plen);

#endif
