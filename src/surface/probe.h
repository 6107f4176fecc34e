/* probe.h - `surface probe`: live collection of what a browser sees on a device's public web
 * pages, written as tenken's JSONL (the lines in_tenken.c reads; docs/probe.md).
 *
 * The engine is one libcurl multi loop in the calling thread: at most `concurrency` targets
 * at a time, one request at a time per target, every request paid for with a token of one
 * bucket (`rate` per second). A target gets GET / first; the fingerprints that identify the
 * answer name the other paths it gets (their `fetch:` lines), so a device is asked only for
 * the public pages of the product it already showed itself to be. Nothing is sent beyond
 * what a browser sends for a public page: no cookies, no credentials, no bodies, redirects
 * not followed. Every response, header block and target's output has a maximum size, and
 * every request a deadline, so no server can hang the run or grow its memory.
 *
 * Library code: nothing here prints or logs; failures reach the caller through callbacks
 * and return codes (core/err.h). */
#ifndef TK_SURFACE_PROBE_H
#define TK_SURFACE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/str.h"
#include "surface/fp.h"
#include "surface/obs.h"

#define TK_PROBE_MAX_BODY (1u << 20)            /* body bytes kept per response */
#define TK_PROBE_MAX_HEADER_BYTES (64u << 10)   /* header bytes kept per response */
#define TK_PROBE_MAX_HEADERS TK_OBS_MAX_HEADERS /* header lines kept per response */
#define TK_PROBE_MAX_PATHS 16                   /* requests per target, "/" included */
#define TK_PROBE_MAX_OUT (24u << 20)            /* JSONL bytes held per target, at most */
#define TK_PROBE_RUN_OUT (1u << 30)             /* ... and in all: the per-target share
                                                 * shrinks as concurrency grows */
#define TK_PROBE_MAX_CONCURRENCY 256
#define TK_PROBE_MAX_BLOCK 65536                /* addresses in one CIDR target */
#define TK_PROBE_MAX_PORTS 1024                 /* entries in a --ports list */
#define TK_PROBE_MAX_FILE (64u << 20)           /* bytes of one @FILE of targets */
#define TK_PROBE_MAX_NAME 253                   /* characters of a host name */

enum tk_probe_scheme { TK_PROBE_AUTO, TK_PROBE_HTTPS, TK_PROBE_HTTP };

/* One target as written: an address, a CIDR block, a host name or a URL, with or without a
 * port. Nothing is resolved. */
struct tk_probe_spec {
    bool is_name;
    struct tk_ip ip;                  /* the address, or the block's network address */
    unsigned plen;                    /* the block's prefix length; 32 or 128 for one address */
    char host[TK_PROBE_MAX_NAME + 1]; /* is_name: the host name */
    unsigned port;                    /* 0: every port of the --ports list */
    enum tk_probe_scheme scheme;      /* TK_PROBE_AUTO unless a URL named it */
};

/* Parses one target: "192.0.2.1", "192.0.2.1:8443", "2001:db8::1", "[2001:db8::1]:8443",
 * "192.0.2.0/24", "2001:db8::/112", "vpn.example.jp", "vpn.example.jp:10443",
 * "https://vpn.example.jp:8443/" (the path of a URL is not used). TK_EINVAL with err saying
 * what is wrong (without naming the text: the caller knows where it came from). A block of
 * more than TK_PROBE_MAX_BLOCK addresses is refused. */
int tk_probe_spec_parse(struct tk_str text, struct tk_probe_spec *out, struct tk_err *err);
/* How many addresses the spec stands for (1 for a name). */
uint64_t tk_probe_spec_count(const struct tk_probe_spec *s);

/* "443,8443,10443" into ports (deduplicated, in the order given); TK_EINVAL naming the bad
 * entry, or more than max. */
int tk_probe_ports_parse(const char *list, unsigned *ports, size_t max, size_t *n,
                         struct tk_err *err);

/* One host and port to probe. */
struct tk_probe_target {
    char host[TK_PROBE_MAX_NAME + 3]; /* as in a URL: "192.0.2.1", "[2001:db8::1]", a name */
    char ip[TK_IP_STRLEN];            /* canonical address; "" for a name */
    unsigned port;
    enum tk_probe_scheme scheme; /* TK_PROBE_AUTO, or what the URL said */
};

/* The schemes to try in order: an http:// or https:// URL gets its own; otherwise HTTPS,
 * then plain HTTP when the port is 80 or 8080 and HTTPS did not get through the handshake.
 * Returns how many (1 or 2). */
size_t tk_probe_schemes(const struct tk_probe_target *t, enum tk_probe_scheme out[2]);

/* The target list: the arguments as given, "@FILE" read into memory (one target a line,
 * '#' starts a comment), all checked once when created and expanded lazily (blocks and
 * port lists), so a large list costs no memory beyond its text. */
struct tk_probe_targets;

/* Checks every target. TK_EINVAL when one is bad, err naming it ("'10.0.0.0/8': ..." or
 * "list.txt:12: 'x y': ..."), or when there is none or nports is 0; TK_ENOENT, TK_EACCES,
 * TK_EIO or TK_ELIMIT when an @FILE cannot be read. ports apply to targets given without a
 * port. Caller frees *out with tk_probe_targets_free; args and ports are copied. */
int tk_probe_targets_new(struct tk_probe_targets **out, char *const *args, size_t nargs,
                         const unsigned *ports, size_t nports, struct tk_err *err);
void tk_probe_targets_free(struct tk_probe_targets *t); /* accepts NULL */
/* Host-port pairs in all. */
uint64_t tk_probe_targets_total(const struct tk_probe_targets *t);
/* The next pair into out; false at the end. */
bool tk_probe_targets_next(struct tk_probe_targets *t, struct tk_probe_target *out);

/* "tenken/VERSION (passive survey; +CONTACT)", or without "; +CONTACT" when contact is NULL
 * or empty. TK_EINVAL when contact holds anything but printable ASCII or is longer than 200
 * characters (it goes into a request header). */
int tk_probe_user_agent(struct tk_buf *out, const char *contact, struct tk_err *err);

/* A token bucket: `rate` tokens a second, at most max(1, rate / 10) saved up, so requests
 * go out evenly rather than in bursts. Times are tk_time_mono() seconds. */
struct tk_probe_bucket {
    double rate, cap, tokens, last;
};
void tk_probe_bucket_init(struct tk_probe_bucket *b, double rate, double now);
/* Takes one token when there is one. */
bool tk_probe_bucket_take(struct tk_probe_bucket *b, double now);
/* Seconds until a token is there (0 when one is). */
double tk_probe_bucket_wait(struct tk_probe_bucket *b, double now);

/* The server certificate as recorded (strings in the arena given to the parser). */
struct tk_probe_cert {
    const char *subject, *issuer; /* "C=JP, O=Example, CN=vpn.example.jp" */
    const char **sans;            /* DNS names and addresses */
    size_t nsans;
    const char *not_before, *not_after; /* RFC 3339, UTC */
    char sha256[65];                    /* of the DER, lower-case hex */
};
/* Reads a PEM certificate (what libcurl's CERTINFO gives as "Cert:"). TK_EPARSE when it is
 * not one, TK_ENOMEM. */
int tk_probe_cert_parse(const char *pem, size_t n, struct tk_arena *a, struct tk_probe_cert *out,
                        struct tk_err *err);

/* One fetched URL, as one JSONL line. */
struct tk_probe_response {
    const char *ip;
    unsigned port;
    const char *url;
    int status;
    const struct tk_kv *headers; /* names as received; repeated names become arrays */
    size_t nheaders;
    const unsigned char *body; /* NULL: no "body" member */
    size_t body_len;
    bool truncated; /* body or headers cut at the bounds, or the transfer cut short */
    const struct tk_probe_cert *cert; /* NULL: no "tls" member */
    int64_t seen;
};
/* Writes r as one JSON object (no newline): "body" when the body is valid UTF-8, else
 * "body_b64"; "seen" in RFC 3339. A line without url (a certificate but no HTTP answer)
 * has only ip, port, tls and seen. */
void tk_probe_response_write(const struct tk_probe_response *r, struct tk_json *w);

/* The paths to request after "/": the `fetch:` paths of the fingerprints that identify
 * root (an observation of the target holding the answer to GET /), in fingerprint order,
 * without "/" and duplicates, at most max. Paths that are not plain absolute paths
 * (printable ASCII, starting with one '/') are left out. Borrowed from db. */
size_t tk_probe_plan(const struct tk_fpdb *db, const struct tk_obs *root, const char **paths,
                     size_t max);

struct tk_probe_stats {
    uint64_t targets;        /* host-port pairs in the list */
    uint64_t done;           /* finished (answered or not) */
    uint64_t answered;       /* targets that gave an HTTP answer to GET / */
    uint64_t failed;         /* targets that did not */
    uint64_t requests;       /* requests started */
    uint64_t responses;      /* responses recorded */
    uint64_t request_errors; /* requests after "/" that got no answer */
    uint64_t truncated;      /* responses cut at a bound */
    uint64_t dropped;        /* responses that did not fit the target's share of output */
    double elapsed;          /* seconds */
};

struct tk_probe_opts {
    const struct tk_fpdb *db;         /* which paths to fetch after "/" */
    struct tk_probe_targets *targets; /* consumed by the run */
    unsigned concurrency;             /* targets at once (0: 8) */
    double rate;                      /* requests per second in all (0: 10) */
    long timeout_s;                   /* per request (0: 10) */
    const char *user_agent;           /* tk_probe_user_agent */
    /* Receives each target's lines (JSONL, newline-terminated) when the target is finished,
     * so the lines of one target are consecutive. Non-zero stops the run (TK_EIO). */
    int (*write)(void *ud, const char *p, size_t n);
    /* A target that gave no answer (whole_target), or a later request of a target that got
     * none: "host:port", the URL, and why ("connection refused", "timed out after 10 s").
     * May be NULL. */
    void (*failed)(void *ud, const char *target, const char *url, const char *why,
                   bool whole_target);
    /* Called about once a second and at the end. May be NULL. */
    void (*progress)(void *ud, const struct tk_probe_stats *st);
    void *ud;
};

/* Probes every target. Returns 0 when the run completed (unreachable targets included),
 * TK_EIO when write failed, TK_ENOMEM or TK_EINVAL (libcurl could not be set up); err says
 * why. st (may be NULL) receives the counts. */
int tk_probe_run(const struct tk_probe_opts *o, struct tk_probe_stats *st, struct tk_err *err);

#endif
