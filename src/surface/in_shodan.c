/* in_shodan.c - Shodan banners, one JSON object per line (`shodan download` files and the
 * streaming API): {"ip_str" or "ip", "port", "transport", "timestamp", "hostnames",
 * "domains", "data", "http": {...}, "ssl": {"cert": {...}}, "product", "version", "cpe",
 * "_shodan": {"module"}, "location": {...}}.
 *
 * One banner is one observation. `data` is the raw first response: for web services it is
 * the HTTP status line and headers (the only place ETag and Last-Modified appear), the
 * page itself is http.html. Certificate times are ASN.1 GeneralizedTime text and the
 * subjectAltName extension is its DER written as a Python bytes literal; both are turned
 * into the observation's forms here. */
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/time.h"
#include "surface/ingest.h"

/* {"C": "JP", "CN": "a", "O": "b"} -> "C=JP, CN=a, O=b" (members in the order written) */
static const char *dn_text(struct tk_obs *o, const struct tk_jv *name)
{
    if (!tk_jv_is(name, TK_JV_OBJECT))
        return NULL;
    struct tk_buf b = TK_BUF_INIT(16384);
    for (const struct tk_jv *m = name->u.first; m; m = m->next) {
        struct tk_str v = tk_jv_first_text(m);
        if (!v.n)
            continue;
        if (b.len)
            tk_buf_adds(&b, ", ");
        tk_buf_add(&b, m->key, m->keylen);
        tk_buf_addc(&b, '=');
        tk_buf_add(&b, v.p, v.n);
    }
    const char *r = b.len ? tk_obs_str(o, (struct tk_str){ b.ptr, b.len }) : NULL;
    tk_buf_release(&b);
    return r;
}

/* The DER of an extension as Shodan writes it: a Python bytes literal without the b''
 * ("0\x1b\x82\x0bexample.com"), where every byte >= 0x80 is a \x escape. Some tools
 * re-encode it with those bytes as U+0080..U+00FF; both forms decode to the bytes. */
static size_t unrepr(struct tk_str s, unsigned char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '\\' && i + 1 < s.n) {
            char e = s.p[i + 1];
            static const char hex[] = "0123456789abcdef0123456789ABCDEF";
            const char *h1, *h2;
            if (e == 'x' && i + 3 < s.n && s.p[i + 2] && s.p[i + 3] &&
                (h1 = strchr(hex, s.p[i + 2])) && (h2 = strchr(hex, s.p[i + 3]))) {
                out[n++] = (unsigned char)(((h1 - hex) & 15) << 4 | ((h2 - hex) & 15));
                i += 3;
                continue;
            }
            int v = e == 'n'    ? '\n'
                    : e == 'r'  ? '\r'
                    : e == 't'  ? '\t'
                    : e == '\\' ? '\\'
                    : e == '\'' ? '\''
                    : e == '"'  ? '"'
                                : -1;
            if (v >= 0) {
                out[n++] = (unsigned char)v;
                i++;
                continue;
            }
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s.n &&
                   ((unsigned char)s.p[i + 1] & 0xc0) == 0x80) {
            out[n++] = (unsigned char)((c & 3) << 6 | ((unsigned char)s.p[i + 1] & 0x3f));
            i++;
            continue;
        }
        out[n++] = c;
    }
    return n;
}

/* One DER tag and definite length at *p; the content's start and length. */
static bool der_next(const unsigned char **p, const unsigned char *end, unsigned *tag,
                     const unsigned char **content, size_t *len)
{
    const unsigned char *q = *p;
    if (end - q < 2)
        return false;
    *tag = *q++;
    size_t l = *q++;
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 3 || (size_t)(end - q) < k)
            return false;
        l = 0;
        while (k--)
            l = l << 8 | *q++;
    }
    if ((size_t)(end - q) < l)
        return false;
    *content = q;
    *len = l;
    *p = q + l;
    return true;
}

/* GeneralNames: dNSName [2] and iPAddress [7] entries become SANs. */
static int sans_der(struct tk_obs *o, const unsigned char *p, size_t n, bool *found)
{
    const unsigned char *end = p + n, *seq, *c;
    unsigned tag;
    size_t len;
    if (!der_next(&p, end, &tag, &seq, &len) || tag != 0x30)
        return 0;
    const unsigned char *q = seq, *qend = seq + len;
    int rc = 0;
    while (!rc && q < qend && der_next(&q, qend, &tag, &c, &len)) {
        *found = true;
        if (tag == 0x82) {
            rc = tk_obs_san_add(o, (struct tk_str){ (const char *)c, len });
        } else if (tag == 0x87 && (len == 4 || len == 16)) {
            struct tk_ip ip = { .family = len == 4 ? 4 : 6 };
            memcpy(ip.b, c, len);
            char text[TK_IP_STRLEN + 2];
            tk_ip_format(&ip, text);
            rc = tk_obs_san_add(o, tk_str_c(text));
        }
    }
    return rc;
}

static int sans_of(struct tk_obs *o, const struct tk_jv *extensions)
{
    size_t i;
    const struct tk_jv *el;
    int rc = 0;
    tk_jv_foreach (extensions, i, el) {
        const char *name = tk_jv_str(tk_jv_get(el, "name"));
        struct tk_str data = tk_jv_text(tk_jv_get(el, "data"));
        if (rc || !name || strcmp(name, "subjectAltName") != 0 || !data.n)
            continue;
        unsigned char *der = tk_arena_alloc(o->arena, data.n);
        if (!der)
            return TK_ENOMEM;
        bool found = false;
        rc = sans_der(o, der, unrepr(data, der), &found);
        if (!rc && !found)
            rc = tk_obs_sans_text(o, data);
    }
    return rc;
}

static int cert_of(struct tk_obs *o, const struct tk_jv *cert)
{
    if (!tk_jv_is(cert, TK_JV_OBJECT))
        return 0;
    o->has_cert = true;
    const struct tk_jv *subject = tk_jv_get(cert, "subject");
    o->cert.subject = dn_text(o, subject);
    o->cert.issuer = dn_text(o, tk_jv_get(cert, "issuer"));
    o->cert.subject_cn = tk_obs_opt(o, tk_jv_first_text(tk_jv_get(subject, "CN")));
    o->cert.subject_o = tk_obs_opt(o, tk_jv_first_text(tk_jv_get(subject, "O")));
    o->cert.not_before = tk_obs_time(o, tk_jv_text(tk_jv_get(cert, "issued")));
    o->cert.not_after = tk_obs_time(o, tk_jv_text(tk_jv_get(cert, "expires")));
    struct tk_str fp = tk_str_trim(tk_jv_text(TK_JV_PATH(cert, "fingerprint", "sha256")));
    if (fp.n) {
        char *c = tk_arena_str(o->arena, fp);
        if (!c)
            return TK_ENOMEM;
        for (char *x = c; *x; x++)
            *x = *x >= 'A' && *x <= 'Z' ? (char)(*x + 32) : *x;
        o->cert.sha256 = c;
    }
    return sans_of(o, tk_jv_get(cert, "extensions"));
}

static int http_of(struct tk_obs *o, const struct tk_jv *http, struct tk_str data)
{
    struct tk_str loc = tk_str_trim(tk_jv_text(tk_jv_get(http, "location")));
    struct tk_obs_http *h =
        tk_obs_http_add(o, loc.n && loc.p[0] == '/' ? loc : (struct tk_str){ 0 });
    if (!h)
        return TK_ENOMEM;
    int rc = tk_obs_http_parse_raw(o, h, data);
    const struct tk_jv *html = tk_jv_get(http, "html");
    if (!rc && tk_jv_str(html))
        rc = tk_obs_body_set(o, h, html->u.s, html->len);
    struct tk_str title = tk_jv_text(tk_jv_get(http, "title"));
    if (!rc && title.n && tk_obs_title_set(o, h, title))
        rc = TK_ENOMEM;
    const struct tk_jv *fav = TK_JV_PATH(http, "favicon", "hash");
    if (tk_jv_is(fav, TK_JV_INT) && tk_jv_int(fav) >= INT32_MIN && tk_jv_int(fav) <= INT32_MAX) {
        o->has_favicon = true;
        o->favicon_hash = (int32_t)tk_jv_int(fav);
    }
    return rc;
}

static bool ip_of(struct tk_obs *o, const struct tk_jv *rec)
{
    const struct tk_jv *s = tk_jv_get(rec, "ip_str"), *n = tk_jv_get(rec, "ip");
    if (tk_jv_str(s))
        return tk_obs_set_ip(o, tk_jv_text(s));
    if (tk_jv_str(n))
        return tk_obs_set_ip(o, tk_jv_text(n));
    if (tk_jv_is(n, TK_JV_INT) && tk_jv_int(n) >= 0 && tk_jv_int(n) <= UINT32_MAX) {
        uint32_t v = (uint32_t)tk_jv_int(n);
        char text[16];
        snprintf(text, sizeof text, "%u.%u.%u.%u", v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255);
        return tk_obs_set_ip(o, tk_str_c(text));
    }
    return false;
}

int tk_in_shodan(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err)
{
    struct tk_obs o;
    tk_obs_init(&o, in->arena);
    if (!tk_jv_is(rec, TK_JV_OBJECT))
        return tk_err_set(err, TK_EPARSE, "the record is not a JSON object");
    if (!ip_of(&o, rec))
        return tk_err_set(err, TK_EPARSE,
                          "\"ip_str\" (or \"ip\") is missing or not an IP "
                          "address");
    const struct tk_jv *port = tk_jv_get(rec, "port");
    if (!tk_jv_is(port, TK_JV_INT) || tk_jv_int(port) < 1 || tk_jv_int(port) > 65535)
        return tk_err_set(err, TK_EPARSE, "\"port\" is missing or not a port number");
    o.port = (unsigned)tk_jv_int(port);
    const char *tr = tk_jv_str(tk_jv_get(rec, "transport"));
    o.transport = tr && strcmp(tr, "udp") == 0 ? "udp" : "tcp";
    struct tk_str ts = tk_jv_text(tk_jv_get(rec, "timestamp"));
    int64_t t;
    if (ts.n && tk_time_parse(ts, &t))
        o.seen = t;
    int rc = tk_obs_hostnames_jv(&o, tk_jv_get(rec, "hostnames"));
    if (!rc)
        rc = tk_obs_hostnames_jv(&o, tk_jv_get(rec, "domains"));
    struct tk_str data = tk_jv_text(tk_jv_get(rec, "data"));
    const struct tk_jv *http = tk_jv_get(rec, "http");
    bool is_http = tk_str_has_prefix(data, "HTTP/");
    if (!rc && (is_http || tk_jv_is(http, TK_JV_OBJECT)))
        rc = http_of(&o, http, is_http ? data : (struct tk_str){ 0 });
    if (!rc && !is_http && data.n)
        rc = tk_obs_banner_set(&o, data.p, data.n);
    if (!rc)
        rc = cert_of(&o, TK_JV_PATH(rec, "ssl", "cert"));
    if (rc)
        return rc;
    o.service = tk_obs_opt(&o, tk_jv_text(TK_JV_PATH(rec, "_shodan", "module")));
    o.src_product = tk_obs_opt(&o, tk_jv_text(tk_jv_get(rec, "product")));
    o.src_version = tk_obs_opt(&o, tk_jv_text(tk_jv_get(rec, "version")));
    struct tk_str cpe = tk_jv_first_text(tk_jv_get(rec, "cpe23"));
    o.src_cpe = tk_obs_opt(&o, cpe.n ? cpe : tk_jv_first_text(tk_jv_get(rec, "cpe")));
    o.country = tk_obs_opt(&o, tk_jv_text(TK_JV_PATH(rec, "location", "country_code")));
    o.region = tk_obs_opt(&o, tk_jv_text(TK_JV_PATH(rec, "location", "region_code")));
    return tk_ingest_emit(in, &o);
}
