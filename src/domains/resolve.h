/* resolve.h - A, AAAA and MX of flagged names, through the system's resolver or one given
 * (`tenken domains watch --resolve --resolver ADDR[:PORT]`), with a time limit per query. The
 * answers are parsed with libresolv's ns_parse functions and bounded. */
#ifndef TK_DOMAINS_RESOLVE_H
#define TK_DOMAINS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define TK_DNS_MAX_RECORDS 8

struct tk_dns_answer {
    char a[TK_DNS_MAX_RECORDS][16];
    char aaaa[TK_DNS_MAX_RECORDS][46];
    char mx[TK_DNS_MAX_RECORDS][256];
    int na, naaaa, nmx;
    bool failed; /* a query timed out or the server failed (what was found is kept) */
};

struct tk_resolver;

/* server: "127.0.0.1", "127.0.0.1:5353" (IPv4), or NULL for /etc/resolv.conf's. */
int tk_resolver_new(struct tk_resolver **out, const char *server, int timeout_ms,
                    struct tk_err *err);
void tk_resolver_free(struct tk_resolver *r);

/* A, AAAA and MX of name (ASCII form) into *ans. Not thread-safe: one resolver per thread. */
void tk_resolve(struct tk_resolver *r, const char *name, struct tk_dns_answer *ans);

/* Adds the records of type (ns_t_a, ns_t_aaaa or ns_t_mx) in the DNS message msg (n bytes)
 * to *ans; false when the message does not parse. For tests and fuzzing. */
bool tk_dns_parse(const unsigned char *msg, size_t n, int type, struct tk_dns_answer *ans);

#endif
