/* upload.c - POST a bundle to the analysis server (see upload.h). */
#include "net/upload.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/jsonval.h"

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

static size_t keep(char *p, size_t size, size_t n, void *ud)
{
    struct tk_buf *b = ud;
    tk_buf_add(b, p, size * n); /* bounded: an oversized answer is cut, not fatal */
    return size * n;
}

static int xfer(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow;
    const struct tk_upload_opts *o = ud;
    if (o->progress && ultotal > 0)
        o->progress(o->ud, (size_t)ulnow, (size_t)ultotal);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

enum tk_upload_outcome tk_upload_bundle(const struct tk_upload_opts *o, const void *json,
                                        size_t n, struct tk_err *err)
{
    struct tk_buf url = TK_BUF_INIT(8192), body = TK_BUF_INIT((size_t)1 << 31),
                  answer = TK_BUF_INIT(1 << 16);
    char auth[256], errbuf[CURL_ERROR_SIZE];
    enum tk_upload_outcome out = TK_UPLOAD_FAILED;
    struct curl_slist *h = NULL;
    CURL *c = NULL;
    const unsigned char *in = json;
    bool gz = n >= 2 && in[0] == 0x1f && in[1] == 0x8b; /* a saved .gz bundle goes as it is */
    if (tk_upload_url(o->server, &url) != 0 || (gz ? tk_buf_add(&body, json, n)
                                                   : gzip(json, n, &body)) != 0) {
        tk_err_set(err, TK_ENOMEM, "out of memory while preparing the upload");
        goto done;
    }
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
    struct curl_slist *l = curl_slist_append(NULL, auth);
    if (l)
        h = curl_slist_append(l, "Content-Type: application/json");
    if (l && h)
        h = curl_slist_append(h, "Content-Encoding: gzip");
    if (!h || !(c = curl_easy_init())) {
        curl_slist_free_all(h ? h : l);
        h = NULL;
        tk_err_set(err, TK_ENOMEM, "out of memory while preparing the upload");
        goto done;
    }
    curl_easy_setopt(c, CURLOPT_URL, tk_buf_cstr(&url));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.ptr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(o->timeout_s > 0 ? o->timeout_s : 120));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)o);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "tenken");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* the token goes nowhere else */
    if (o->ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca);
    long wait = o->backoff_ms > 0 ? o->backoff_ms : 1000;
    for (int attempt = 0;; attempt++) {
        errbuf[0] = '\0';
        tk_buf_reset(&answer);
        CURLcode cr = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (cr == CURLE_OK && (status == 200 || status == 201)) {
            out = status == 201 ? TK_UPLOADED : TK_UPLOAD_KNOWN;
            break;
        }
        if (cr == CURLE_OK && status >= 400 && status < 500 && status != 429 && status != 408) {
            json_t *j = NULL;
            struct tk_err je = { 0 };
            const char *msg = NULL;
            if (tk_json_parse(answer.ptr ? answer.ptr : "", answer.len, "answer", &j, &je) == 0)
                msg = tk_json_get_str(j, "error");
            tk_err_set(err, TK_EINVAL, "%s: refused (HTTP %ld): %s", tk_buf_cstr(&url), status,
                       msg ? msg : "no reason given");
            json_decref(j);
            out = TK_UPLOAD_REFUSED;
            break;
        }
        if (cr == CURLE_PEER_FAILED_VERIFICATION || cr == CURLE_SSL_CACERT_BADFILE ||
            cr == CURLE_SSL_CERTPROBLEM || cr == CURLE_UNSUPPORTED_PROTOCOL ||
            cr == CURLE_URL_MALFORMAT) {
            tk_err_set(err, TK_EINVAL, "%s: %s", tk_buf_cstr(&url),
                       errbuf[0] ? errbuf : curl_easy_strerror(cr));
            out = TK_UPLOAD_REFUSED; /* retrying cannot help */
            break;
        }
        if (cr != CURLE_OK)
            tk_err_set(err, TK_EIO, "%s: %s", tk_buf_cstr(&url),
                       errbuf[0] ? errbuf : curl_easy_strerror(cr));
        else
            tk_err_set(err, TK_EIO, "%s: the server answered HTTP %ld", tk_buf_cstr(&url),
                       status);
        if (attempt >= o->retries)
            break;
        sleep_ms(wait);
        wait = wait < 60000 ? wait * 2 : wait;
    }
done:
    if (c)
        curl_easy_cleanup(c);
    curl_slist_free_all(h);
    memset(auth, 0, sizeof auth);
    tk_buf_release(&url);
    tk_buf_release(&body);
    tk_buf_release(&answer);
    return out;
}
