/* http.h - one HTTP POST attempt, behind one small interface so that the upload's logic
 * (upload.c: URL, gzip, retries, the verdict on the answer) is the same on every platform.
 * http_curl.c implements it with libcurl, http_win.c with WinHTTP; the build links exactly
 * one. Internal to src/net: nothing outside it should need more than upload.h. */
#ifndef TK_NET_HTTP_H
#define TK_NET_HTTP_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct tk_http_header {
    const char *name;  /* e.g. "Content-Type" */
    const char *value; /* sent as "NAME: VALUE", in the order given */
};

struct tk_http_request {
    const char *url;        /* http:// or https:// only; redirects are never followed */
    const char *user_agent; /* NULL: the transport's own */
    const struct tk_http_header *headers;
    size_t nheaders;
    const void *body;
    size_t len;
    /* An extra CA certificate file (PEM) to trust besides the system's; NULL: the system's
     * only. TLS certificates and host names are always verified. WinHTTP cannot take a CA
     * file: there, a non-NULL ca fails with TK_EUNSUPP and the CA has to be in the Windows
     * certificate store instead. */
    const char *ca;
    int connect_timeout_s;  /* <= 0: 20 */
    int timeout_s;          /* the whole attempt; <= 0: 120 */
    /* bytes of the body sent so far of len; may be NULL */
    void (*progress)(void *ud, size_t sent, size_t total);
    void *ud;
};

struct tk_http_answer {
    long status;        /* the HTTP status; 0 when no answer came */
    struct tk_buf *body; /* caller's; the answer is appended up to its maximum, the rest
                          * dropped (a long answer is cut, not an error); may be NULL */
};

/* Sends the request once. Returns 0 when the server answered, whatever the status (in
 * ans->status), or a negative code when no answer came, with err a sentence naming the URL:
 *   TK_EIO     the network failed (unreachable, refused, reset, timed out): worth retrying;
 *   TK_EINVAL  retrying cannot help: a malformed URL or unsupported scheme, a certificate
 *              that could not be verified, an unusable CA file;
 *   TK_EUNSUPP the transport cannot do what was asked (a CA file under WinHTTP);
 *   TK_ENOMEM  out of memory. */
int tk_http_post(const struct tk_http_request *rq, struct tk_http_answer *ans,
                 struct tk_err *err);

#endif
