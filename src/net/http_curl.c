/* http_curl.c - one HTTP POST attempt with libcurl (see http.h): the transport of the
 * Linux and other POSIX builds. Certificates and host names are verified by libcurl's
 * defaults, which nothing here loosens; an extra CA goes to CURLOPT_CAINFO. */
#include "net/http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <string.h>

struct sink {
    struct tk_buf *body;
};

/* Keeps what fits in the caller's bounded buffer and drops the rest: an oversized answer is
 * cut, not fatal (returning less than n would abort the transfer). */
static size_t keep(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;
    if (s->body && s->body->len < s->body->max) {
        size_t room = s->body->max - s->body->len;
        tk_buf_add(s->body, p, len < room ? len : room);
    }
    return len;
}

static int xfer(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow;
    const struct tk_http_request *rq = ud;
    if (rq->progress && ultotal > 0)
        rq->progress(rq->ud, (size_t)ulnow, (size_t)ultotal);
    return 0;
}

/* Headers may carry secrets (the bearer token): wiped before they are freed. */
static void free_headers(struct curl_slist *h)
{
    for (struct curl_slist *l = h; l; l = l->next)
        if (l->data)
            memset(l->data, 0, strlen(l->data));
    curl_slist_free_all(h);
}

/* "Name: value" lines for CURLOPT_HTTPHEADER. A line break in a name or value would smuggle
 * in another header: TK_EINVAL. */
static int make_headers(const struct tk_http_request *rq, struct curl_slist **out)
{
    struct curl_slist *h = NULL;
    struct tk_buf line = TK_BUF_INIT(1 << 16);
    int rc = 0;
    for (size_t i = 0; i < rq->nheaders && !rc; i++) {
        const struct tk_http_header *hd = &rq->headers[i];
        struct curl_slist *l = NULL;
        tk_buf_reset(&line);
        if (strpbrk(hd->name, "\r\n:") || strpbrk(hd->value, "\r\n"))
            rc = TK_EINVAL;
        else if (tk_buf_addf(&line, "%s: %s", hd->name, hd->value) != 0 ||
                 !(l = curl_slist_append(h, tk_buf_cstr(&line))))
            rc = TK_ENOMEM;
        else
            h = l;
    }
    if (line.ptr)
        memset(line.ptr, 0, line.cap);
    tk_buf_release(&line);
    if (rc) {
        free_headers(h);
        h = NULL;
    }
    *out = h;
    return rc;
}

/* Failures that another attempt cannot mend. */
static bool final(CURLcode cr)
{
    return cr == CURLE_PEER_FAILED_VERIFICATION || cr == CURLE_SSL_CACERT_BADFILE ||
           cr == CURLE_SSL_CERTPROBLEM || cr == CURLE_UNSUPPORTED_PROTOCOL ||
           cr == CURLE_URL_MALFORMAT;
}

int tk_http_post(const struct tk_http_request *rq, struct tk_http_answer *ans,
                 struct tk_err *err)
{
    char errbuf[CURL_ERROR_SIZE];
    struct sink sink = { ans->body };
    struct curl_slist *h = NULL;
    CURL *c = NULL;
    int rc = 0;
    ans->status = 0;
    if ((rc = make_headers(rq, &h)) == TK_EINVAL) {
        rc = tk_err_set(err, rc, "%s: a request header holds a line break", rq->url);
        goto done;
    }
    if (rc || !(c = curl_easy_init())) {
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory while preparing the request",
                        rq->url);
        goto done;
    }
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     (long)(rq->connect_timeout_s > 0 ? rq->connect_timeout_s : 20));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(rq->timeout_s > 0 ? rq->timeout_s : 120));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)rq);
    if (rq->user_agent)
        curl_easy_setopt(c, CURLOPT_USERAGENT, rq->user_agent);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* headers go to no other server */
    if (rq->ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca);
    errbuf[0] = '\0';
    CURLcode cr = curl_easy_perform(c);
    if (cr != CURLE_OK) {
        rc = tk_err_set(err, cr == CURLE_OUT_OF_MEMORY ? TK_ENOMEM
                             : final(cr)               ? TK_EINVAL
                                                       : TK_EIO,
                        "%s: %s", rq->url, errbuf[0] ? errbuf : curl_easy_strerror(cr));
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ans->status);
done:
    if (c)
        curl_easy_cleanup(c);
    free_headers(h);
    return rc;
}
