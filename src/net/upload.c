/* upload.c - POST a bundle to the analysis server (see upload.h). Everything here is the
 * same on every platform: the endpoint URL, gzip, the headers, the retries with backoff and
 * the verdict on each answer; a single attempt goes through http.h (libcurl or WinHTTP). */
#include "net/upload.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/arena.h"
#include "core/jdoc.h"
#include "net/http.h"

#define API_PATH "/api/v1/bundles"

int tk_upload_url(const char *server, struct tk_buf *out)
{
    size_t n = strlen(server);
    while (n && server[n - 1] == '/')
        n--;
    int rc = tk_buf_add(out, server, n);
    if (!rc && (n < sizeof API_PATH - 1 ||
                memcmp(server + n - (sizeof API_PATH - 1), API_PATH, sizeof API_PATH - 1)))
        rc = tk_buf_adds(out, API_PATH);
    return rc;
}

static int gzip(const void *p, size_t n, struct tk_buf *out)
{
    z_stream z = { 0 };
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return TK_ENOMEM;
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    unsigned char chunk[65536];
    int zr, rc = 0;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zr = deflate(&z, Z_FINISH);
        if (zr == Z_STREAM_ERROR) {
            rc = TK_EIO;
            break;
        }
        rc = tk_buf_add(out, chunk, sizeof chunk - z.avail_out);
    } while (!rc && zr != Z_STREAM_END);
    deflateEnd(&z);
    return rc;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A 4xx answer is final: err says so, with the server's {"error": "..."} when it gave one. */
static void refused(const char *url, long status, const struct tk_buf *answer,
                    struct tk_err *err)
{
    struct tk_arena a;
    struct tk_jv *doc = NULL;
    const char *msg = NULL;
    tk_arena_init(&a, (size_t)4 << 20); /* the answer is at most 64 KiB */
    if (tk_jdoc_parse(&a, tk_buf_cstr(answer), answer->len, "answer", &doc, NULL) == 0)
        msg = tk_jv_str(tk_jv_get(doc, "error"));
    tk_err_set(err, TK_EINVAL, "%s: refused (HTTP %ld): %s", url, status,
               msg ? msg : "no reason given");
    tk_arena_release(&a);
}

enum tk_upload_outcome tk_upload_bundle(const struct tk_upload_opts *o, const void *json,
                                        size_t n, struct tk_err *err)
{
    struct tk_buf url = TK_BUF_INIT(8192), body = TK_BUF_INIT((size_t)1 << 31),
                  answer = TK_BUF_INIT(1 << 16), auth = TK_BUF_INIT(4096);
    enum tk_upload_outcome out = TK_UPLOAD_FAILED;
    const unsigned char *in = json;
    bool gz = n >= 2 && in[0] == 0x1f && in[1] == 0x8b; /* a saved .gz bundle goes as it is */
    if (tk_upload_url(o->server, &url) != 0 || tk_buf_addf(&auth, "Bearer %s", o->token) != 0 ||
        (gz ? tk_buf_add(&body, json, n) : gzip(json, n, &body)) != 0) {
        tk_err_set(err, TK_ENOMEM, "out of memory while preparing the upload");
        goto done;
    }
    const struct tk_http_header headers[] = {
        { "Authorization", tk_buf_cstr(&auth) },
        { "Content-Type", "application/json" },
        { "Content-Encoding", "gzip" },
    };
    const struct tk_http_request rq = {
        .url = tk_buf_cstr(&url),
        .user_agent = "tenken",
        .headers = headers,
        .nheaders = sizeof headers / sizeof headers[0],
        .body = body.ptr,
        .len = body.len,
        .ca = o->ca,
        .connect_timeout_s = 20,
        .timeout_s = o->timeout_s > 0 ? o->timeout_s : 120,
        .progress = o->progress,
        .ud = o->ud,
    };
    long wait = o->backoff_ms > 0 ? o->backoff_ms : 1000;
    for (int attempt = 0;; attempt++) {
        struct tk_http_answer ans = { 0, &answer };
        tk_buf_reset(&answer);
        int rc = tk_http_post(&rq, &ans, err);
        if (rc == 0 && (ans.status == 200 || ans.status == 201)) {
            out = ans.status == 201 ? TK_UPLOADED : TK_UPLOAD_KNOWN;
            break;
        }
        if (rc == 0 && ans.status >= 400 && ans.status < 500 && ans.status != 429 &&
            ans.status != 408) {
            refused(rq.url, ans.status, &answer, err);
            out = TK_UPLOAD_REFUSED;
            break;
        }
        if (rc == TK_EINVAL || rc == TK_EUNSUPP) {
            out = TK_UPLOAD_REFUSED; /* retrying cannot help; err says why */
            break;
        }
        if (rc != 0 && rc != TK_EIO)
            break; /* out of memory: not the network's fault, and not worth another try */
        if (rc == 0)
            tk_err_set(err, TK_EIO, "%s: the server answered HTTP %ld", rq.url, ans.status);
        if (attempt >= o->retries)
            break;
        sleep_ms(wait);
        wait = wait < 60000 ? wait * 2 : wait;
    }
done:
    if (auth.ptr)
        memset(auth.ptr, 0, auth.cap);
    tk_buf_release(&auth);
    tk_buf_release(&url);
    tk_buf_release(&body);
    tk_buf_release(&answer);
    return out;
}
