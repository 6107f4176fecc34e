/* obs.h - the observation: what one scan source saw at one ip:port, normalised.
 *
 * Every input format (zgrab2, Shodan, Censys, masscan, nmap, tenken's own JSONL) becomes
 * this record; fingerprinting, assessment and attribution read nothing else. An
 * observation lives in one arena (per record: the ingest driver resets it after the
 * record is handled), so a parser builds it with the helpers below and never frees.
 *
 * Everything in it is untrusted text from the internet: bodies and banners are bytes
 * (with their length; they may hold NUL), the other strings are NUL-terminated and may be
 * invalid UTF-8. Writers escape at every output. The JSON form is docs/observation.md. */
#ifndef TK_SURFACE_OBS_H
#define TK_SURFACE_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

/* Bounds per observation: what a parser adds beyond them is dropped and counted in
 * `truncated`, so no record can make one observation grow without limit. */
#define TK_OBS_MAX_HTTP 32      /* fetched paths */
#define TK_OBS_MAX_HEADERS 96   /* headers per response */
#define TK_OBS_MAX_NAMES 64     /* hostnames, and SANs of the certificate */
#define TK_OBS_MAX_BODY (1u << 20) /* bytes of one body or banner kept */
#define TK_OBS_MAX_VALUE 16384     /* bytes of one header value kept */
#define TK_OBS_MAX_TITLE 1024      /* bytes of one page title kept */

struct tk_kv {
    const char *name; /* header names in lower case, '-' separated ("last-modified") */
    const char *value;
};

/* One HTTP response: the path fetched and what came back. */
struct tk_obs_http {
    const char *path;      /* path and query, "/" when the source did not say */
    int status;            /* 0 when unknown */
    struct tk_kv *headers; /* in the order received; a name may repeat (set-cookie) */
    size_t nheaders;
    const unsigned char *body; /* NULL when the source had none */
    size_t body_len;
    /* derived by tk_obs_finish */
    const char *title;     /* <title> text, blanks collapsed; NULL when none */
    char body_sha256[65];  /* "" when there is no body */
};

struct tk_obs_cert {
    const char *subject, *issuer;      /* "CN=..., O=...", as the source wrote them */
    const char *subject_cn, *subject_o; /* parsed out of subject when the source did not */
    const char **sans;                 /* DNS names and addresses */
    size_t nsans;
    const char *not_before, *not_after; /* RFC 3339, UTC */
    const char *sha256;                /* fingerprint of the DER, lower-case hex */
};

struct tk_obs {
    struct tk_arena *arena;
    char ip[48];              /* canonical text form (tk_ip_format) */
    unsigned port;            /* 0 when the record named no port */
    const char *transport;    /* "tcp" or "udp" */
    const char **hostnames;
    size_t nhostnames;
    bool has_cert;
    struct tk_obs_cert cert;
    struct tk_obs_http *http;
    size_t nhttp;
    bool has_favicon;
    int32_t favicon_hash;     /* the Shodan form (tk_favicon_hash) */
    const unsigned char *banner; /* first response of a non-HTTP service, raw bytes */
    size_t banner_len;
    /* What the source itself concluded (nmap -sV, Shodan's product): kept as evidence,
     * never trusted over our fingerprints. */
    const char *service, *src_product, *src_version, *src_cpe;
    const char *country;      /* ISO 3166-1 alpha-2 the source gave, or NULL */
    const char *region;       /* the source's subdivision code, or NULL */
    int64_t seen;             /* Unix time, 0 unknown */
    const char *format;       /* the input format ("zgrab2", ...) */
    const char *input;        /* input name and line, "scan.json:12" */
    unsigned truncated;       /* items dropped at the bounds above */
};

void tk_obs_init(struct tk_obs *o, struct tk_arena *a);

/* Sets ip from text; false when it is not an IPv4 or IPv6 address. */
bool tk_obs_set_ip(struct tk_obs *o, struct tk_str ip);

/* A new response for path (NULL: "/"); NULL when the bound is reached or memory ran out. */
struct tk_obs_http *tk_obs_http_add(struct tk_obs *o, struct tk_str path);
/* The response for path, or NULL. */
const struct tk_obs_http *tk_obs_http_at(const struct tk_obs *o, const char *path);

/* Adds a header; the name is lower-cased and '_' becomes '-' (zgrab2 writes last_modified). */
int tk_obs_header_add(struct tk_obs *o, struct tk_obs_http *h, struct tk_str name,
                      struct tk_str value);
const char *tk_obs_header(const struct tk_obs_http *h, const char *name); /* first, or NULL */
int tk_obs_body_set(struct tk_obs *o, struct tk_obs_http *h, const void *p, size_t n);

/* Parses a raw HTTP response head ("HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\nbody")
 * into h: status, headers, and the body after the blank line when there is one. Lenient
 * about LF-only line ends; folded header lines are joined. */
int tk_obs_http_parse_raw(struct tk_obs *o, struct tk_obs_http *h, struct tk_str raw);

int tk_obs_hostname_add(struct tk_obs *o, struct tk_str name);
int tk_obs_san_add(struct tk_obs *o, struct tk_str name);
int tk_obs_banner_set(struct tk_obs *o, const void *p, size_t n);

/* A string copied into the observation's arena (NULL when out of memory). */
const char *tk_obs_str(struct tk_obs *o, struct tk_str s);
/* s without blanks at its ends copied into the record, or NULL when nothing is left. */
const char *tk_obs_opt(struct tk_obs *o, struct tk_str s);
/* The page title of h: blanks trimmed, at most TK_OBS_MAX_TITLE bytes (cut at a character
 * boundary and counted in truncated); 0 or TK_ENOMEM. */
int tk_obs_title_set(struct tk_obs *o, struct tk_obs_http *h, struct tk_str title);
/* SANs in the OpenSSL text form exports carry: "DNS:a, DNS:b, IP Address:192.0.2.1". */
int tk_obs_sans_text(struct tk_obs *o, struct tk_str s);
/* A time in any form tk_time_parse reads, copied as RFC 3339 UTC; NULL when unreadable. */
const char *tk_obs_time(struct tk_obs *o, struct tk_str s);

/* Derives titles, body hashes, the certificate's CN and O from its subject, and the
 * favicon hash from a fetched /favicon.ico when the source gave none. */
int tk_obs_finish(struct tk_obs *o);

/* Merges src into dst (same ip and port): responses, names, certificate and banner that
 * dst lacks. For tenken JSONL, where each line is one fetched URL. */
int tk_obs_merge(struct tk_obs *dst, const struct tk_obs *src);

/* Shodan's favicon hash: MurmurHash3 x86 32-bit (seed 0) of the base64 text in 76-column
 * lines each ending in "\n", as a signed number. */
int32_t tk_favicon_hash(const void *p, size_t n);
uint32_t tk_murmur3_32(const void *p, size_t n, uint32_t seed);

/* The <title> of an HTML body, blanks collapsed, entities left as written; into out. */
bool tk_html_title(const unsigned char *body, size_t n, struct tk_buf *out);

struct tk_json;
/* The observation as one JSON object (docs/observation.md). Bodies are written as text
 * when they are valid UTF-8, else as body_b64. */
void tk_obs_write_json(const struct tk_obs *o, struct tk_json *w, bool with_bodies);

#endif
