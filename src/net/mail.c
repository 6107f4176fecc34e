/* mail.c - the report by SMTP (see mail.h). */
#include "net/mail.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat/sys.h"
#include "core/addr.h"
#include "core/escape.h"
#include "core/time.h"

bool tk_mail_address_valid(const char *s)
{
    const char *at = s ? strchr(s, '@') : NULL;
    if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254)
        return false;
    for (const char *p = s; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("<>\"',;:()[]\\", *p))
            return false;
    return true;
}

/* =?UTF-8?B?...?= for a header value that may hold non-ASCII text. */
static int encoded_word(struct tk_buf *out, const char *s)
{
    int rc = tk_buf_adds(out, "=?UTF-8?B?");
    if (!rc)
        rc = tk_base64(out, s, strlen(s), 0);
    return rc ? rc : tk_buf_adds(out, "?=");
}

int tk_mail_message(const struct tk_mail *m, struct tk_buf *out)
{
    char date[64], boundary[48], host[256] = "localhost";
    time_t now = (time_t)tk_time_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    unsigned char r[12];
    if (tk_sys_random(r, sizeof r) != 0)
        memset(r, 0x5a, sizeof r);
    snprintf(boundary, sizeof boundary, "tenken-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
             r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]);
    gethostname(host, sizeof host - 1);
    int rc = tk_buf_addf(out, "Date: %s\r\nFrom: %s%s\r\nTo: ", date,
                         m->from ? m->from : "tenken@", m->from ? "" : host);
    for (size_t i = 0; i < m->nto && !rc; i++)
        rc = tk_buf_addf(out, "%s%s", i ? ", " : "", m->to[i]);
    if (!rc)
        rc = tk_buf_addf(out, "\r\nMessage-ID: <%s@%s>\r\nSubject: ", boundary,
                         m->from ? strchr(m->from, '@') + 1 : host);
    /* the subject names the organisation, which is an operator-chosen [A-Za-z0-9._-] name */
    char subject[512];
    snprintf(subject, sizeof subject, "%s: %s", m->subject, m->org ? m->org : "");
    if (!rc)
        rc = encoded_word(out, subject);
    if (!rc)
        rc = tk_buf_addf(out, "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                              "boundary=\"%s\"\r\n\r\n--%s\r\nContent-Type: text/plain; "
                              "charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                         boundary, boundary);
    char text[1024];
    snprintf(text, sizeof text,
             m->lang_ja ? "%s の点検報告書を添付します（%s）。\r\n\r\ntenken\r\n"
                        : "Attached is the assessment report of %s (%s).\r\n\r\ntenken\r\n",
             m->org ? m->org : "", m->filename);
    if (!rc)
        rc = tk_base64(out, text, strlen(text), 76);
    if (!rc)
        rc = tk_buf_addf(out, "--%s\r\nContent-Type: %s\r\nContent-Disposition: attachment; "
                              "filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                         boundary, m->content_type, m->filename);
    if (!rc && m->attachment)
        rc = tk_base64(out, m->attachment->ptr, m->attachment->len, 76);
    if (!rc)
        rc = tk_buf_addf(out, "--%s--\r\n", boundary);
    return rc;
}

struct reader {
    const struct tk_buf *b;
    size_t pos;
};

static size_t read_cb(char *dst, size_t size, size_t n, void *ud)
{
    struct reader *r = ud;
    size_t want = size * n, left = r->b->len - r->pos;
    if (want > left)
        want = left;
    memcpy(dst, r->b->ptr + r->pos, want);
    r->pos += want;
    return want;
}

/* USER and PASSWORD from the file or the environment; false when there are none. */
static bool credentials(const struct tk_mail *m, char *user, char *pass, size_t n,
                        struct tk_err *err, int *rc)
{
    *rc = 0;
    if (!m->credentials) {
        const char *u = getenv("TENKEN_SMTP_USER"), *p = getenv("TENKEN_SMTP_PASSWORD");
        if (!u || !*u)
            return false;
        snprintf(user, n, "%s", u);
        snprintf(pass, n, "%s", p ? p : "");
        return true;
    }
    FILE *fp = fopen(m->credentials, "r");
    if (!fp || !fgets(user, (int)n, fp) || !fgets(pass, (int)n, fp)) {
        *rc = tk_err_set(err, TK_EINVAL, "%s: needs USER on the first line and PASSWORD on "
                                         "the second", m->credentials);
        if (fp)
            fclose(fp);
        return false;
    }
    fclose(fp);
    user[strcspn(user, "\r\n")] = '\0';
    pass[strcspn(pass, "\r\n")] = '\0';
    return true;
}

int tk_mail_send(const struct tk_mail *m, struct tk_err *err)
{
    const char *url = m->url ? m->url : "smtp://localhost:25";
    if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0)
        return tk_err_set(err, TK_EINVAL, "--smtp: '%s' is not an smtp:// or smtps:// URL", url);
    char user[512], pass[512];
    int rc;
    bool auth = credentials(m, user, pass, sizeof user, err, &rc);
    if (rc)
        return rc;
    struct tk_buf msg = TK_BUF_INIT((size_t)1 << 31);
    if ((rc = tk_mail_message(m, &msg)) != 0) {
        tk_buf_release(&msg);
        return tk_err_set(err, rc, "the report is too large to mail");
    }
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = NULL;
    char from[300], errbuf[CURL_ERROR_SIZE] = "";
    char me[256] = "localhost";
    gethostname(me, sizeof me - 1);
    snprintf(from, sizeof from, "<%s%s>", m->from ? m->from : "tenken@", m->from ? "" : me);
    for (size_t i = 0; i < m->nto; i++) {
        char to[300];
        snprintf(to, sizeof to, "<%s>", m->to[i]);
        struct curl_slist *nl = curl_slist_append(rcpt, to);
        if (nl)
            rcpt = nl;
    }
    /* localhost may speak plain SMTP; anything else must upgrade to TLS */
    const char *h = strstr(url, "://") + 3;
    size_t hl = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)hl, h);
    struct tk_ip ip;
    bool local = strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
                 (tk_ip_parse(tk_str_c(host), &ip) && strcmp(tk_ip_class(&ip), "loopback") == 0);
    struct reader rd = { &msg, 0 };
    if (!c) {
        rc = tk_err_set(err, TK_ENOMEM, "out of memory");
    } else {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, &rd);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_USE_SSL, local ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        if (m->ca)
            curl_easy_setopt(c, CURLOPT_CAINFO, m->ca);
        if (auth) {
            curl_easy_setopt(c, CURLOPT_USERNAME, user);
            curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
        }
        CURLcode cr = curl_easy_perform(c);
        if (cr != CURLE_OK)
            rc = tk_err_set(err, TK_EIO, "%s: cannot send the mail: %s", url,
                            errbuf[0] ? errbuf : curl_easy_strerror(cr));
        curl_easy_cleanup(c);
    }
    memset(pass, 0, sizeof pass);
    curl_slist_free_all(rcpt);
    tk_buf_release(&msg);
    return rc;
}
