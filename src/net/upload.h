/* upload.h - the collector's side of the upload API: one bundle, gzip-compressed, POSTed
 * to SERVER/api/v1/bundles with the organisation's enrollment token (libcurl; TLS
 * certificates verified, an extra CA with `ca`). Network failures, 5xx and 429 are retried
 * with exponential backoff; a 4xx answer is final and its JSON message reported. */
#ifndef TK_NET_UPLOAD_H
#define TK_NET_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct tk_upload_opts {
    const char *server;  /* base URL, or the full .../api/v1/bundles URL */
    const char *token;
    const char *ca;      /* NULL: the system's CAs */
    int retries;         /* after the first attempt */
    int backoff_ms;      /* first wait; doubles each time (default 1000) */
    int timeout_s;       /* per attempt (default 120) */
    /* progress (bytes sent of total), may be NULL */
    void (*progress)(void *ud, size_t sent, size_t total);
    void *ud;
};

enum tk_upload_outcome {
    TK_UPLOADED,     /* 201: stored */
    TK_UPLOAD_KNOWN, /* 200: the server had it already */
    TK_UPLOAD_REFUSED, /* 4xx: the server will not take it (message in err) */
    TK_UPLOAD_FAILED,  /* unreachable, or 5xx after every retry */
};

/* Sends json (n bytes of bundle JSON). Returns the outcome; err says why for the last two. */
enum tk_upload_outcome tk_upload_bundle(const struct tk_upload_opts *o, const void *json,
                                        size_t n, struct tk_err *err);

/* The endpoint URL for a server URL (appends /api/v1/bundles unless already there). */
int tk_upload_url(const char *server, struct tk_buf *out);

#endif
