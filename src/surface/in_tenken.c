/* in_tenken.c - tenken's plain JSONL: one fetched URL per line (what `surface probe`
 * writes). Consecutive lines of the same ip and port merge into one observation.
 *
 *   {"ip", "port", "url", "status", "headers": {name: value or [values]}, "body" or
 *    "body_b64", "tls": {"subject", "issuer", "sans", "not_before", "not_after", "sha256"},
 *    "hostnames": [...], "banner", "seen"} */
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/escape.h"
#include "core/time.h"
#include "surface/ingest.h"

/* "https://host:8443/a/b?c" -> host, port, path "/a/b?c" */
static void split_url(struct tk_str url, struct tk_str *host, unsigned *port, struct tk_str *path)
{
    *host = (struct tk_str){ 0 };
    *port = 0;
    *path = url;
    const char *sep = NULL;
    for (size_t i = 0; i + 2 < url.n; i++)
        if (url.p[i] == ':' && url.p[i + 1] == '/' && url.p[i + 2] == '/') {
            sep = url.p + i;
            break;
        }
    if (!sep)
        return;
    bool https = sep - url.p == 5 && strncasecmp(url.p, "https", 5) == 0;
    const char *h = sep + 3, *end = url.p + url.n, *e = h;
    while (e < end && *e != '/' && *e != '?' && *e != '#')
        e++;
    *path = (struct tk_str){ e, (size_t)(end - e) };
    struct tk_str auth = { h, (size_t)(e - h) };
    /* [v6]:port or host:port */
    const char *colon = NULL;
    if (auth.n && auth.p[0] == '[') {
        const char *rb = memchr(auth.p, ']', auth.n);
        if (rb) {
            *host = (struct tk_str){ auth.p + 1, (size_t)(rb - auth.p - 1) };
            if (rb + 1 < auth.p + auth.n && rb[1] == ':')
                colon = rb + 1;
        }
    } else {
        colon = memchr(auth.p, ':', auth.n);
        *host = colon ? (struct tk_str){ auth.p, (size_t)(colon - auth.p) } : auth;
    }
    uint64_t v;
    if (colon &&
        tk_str_to_u64((struct tk_str){ colon + 1, (size_t)(auth.p + auth.n - colon - 1) }, &v) &&
        v > 0 && v < 65536)
        *port = (unsigned)v;
    else
        *port = https ? 443 : 80;
}

static int cert_of(struct tk_obs *o, const struct tk_jv *tls)
{
    if (!tk_jv_is(tls, TK_JV_OBJECT))
        return 0;
    o->has_cert = true;
    o->cert.subject = tk_obs_opt(o, tk_jv_text(tk_jv_get(tls, "subject")));
    o->cert.issuer = tk_obs_opt(o, tk_jv_text(tk_jv_get(tls, "issuer")));
    o->cert.not_before = tk_obs_time(o, tk_jv_text(tk_jv_get(tls, "not_before")));
    o->cert.not_after = tk_obs_time(o, tk_jv_text(tk_jv_get(tls, "not_after")));
    o->cert.sha256 = tk_obs_opt(o, tk_jv_text(tk_jv_get(tls, "sha256")));
    return tk_obs_sans_jv(o, tk_jv_get(tls, "sans"));
}

static int parse_line(struct tk_ingest *in, const struct tk_jv *rec, struct tk_obs *o,
                      struct tk_err *err)
{
    const struct tk_jv *ip = tk_jv_get(rec, "ip");
    if (!tk_jv_str(ip) || !tk_obs_set_ip(o, tk_str_c(tk_jv_str(ip))))
        return tk_err_set(err, TK_EPARSE, "\"ip\" is missing or not an IP address");
    struct tk_str host = { 0 }, path = { 0 };
    unsigned port = 0;
    const char *url = tk_jv_str(tk_jv_get(rec, "url"));
    if (url)
        split_url(tk_str_c(url), &host, &port, &path);
    const struct tk_jv *jport = tk_jv_get(rec, "port");
    if (jport) {
        if (!tk_jv_is(jport, TK_JV_INT) || tk_jv_int(jport) < 1 || tk_jv_int(jport) > 65535)
            return tk_err_set(err, TK_EPARSE, "\"port\" is not a port number");
        port = (unsigned)tk_jv_int(jport);
    }
    if (!port)
        return tk_err_set(err, TK_EPARSE, "neither \"port\" nor \"url\" gives the port");
    o->port = port;
    const char *tr = tk_jv_str(tk_jv_get(rec, "transport"));
    o->transport = tr && strcmp(tr, "udp") == 0 ? "udp" : "tcp";
    int rc = 0;
    struct tk_ip dummy;
    if (host.n && !tk_ip_parse(host, &dummy))
        rc = tk_obs_hostname_add(o, host);
    if (!rc)
        rc = tk_obs_hostnames_jv(o, tk_jv_get(rec, "hostnames"));
    const struct tk_jv *status = tk_jv_get(rec, "status"), *headers = tk_jv_get(rec, "headers"),
                       *body = tk_jv_get(rec, "body"), *b64 = tk_jv_get(rec, "body_b64");
    if (!rc && (url || status || headers || body || b64)) {
        struct tk_obs_http *h = tk_obs_http_add(o, path);
        if (!h)
            return TK_ENOMEM;
        if (tk_jv_is(status, TK_JV_INT) && tk_jv_int(status) > 0 && tk_jv_int(status) < 1000)
            h->status = (int)tk_jv_int(status);
        if (headers && !tk_jv_is(headers, TK_JV_OBJECT))
            return tk_err_set(err, TK_EPARSE, "\"headers\" is not an object");
        for (const struct tk_jv *m = headers ? headers->u.first : NULL; m && !rc; m = m->next) {
            if (tk_jv_str(m))
                rc = tk_obs_header_add(o, h, (struct tk_str){ m->key, m->keylen },
                                       (struct tk_str){ m->u.s, m->len });
            size_t i;
            const struct tk_jv *el;
            tk_jv_foreach (m, i, el) {
                if (!rc && tk_jv_str(el))
                    rc = tk_obs_header_add(o, h, (struct tk_str){ m->key, m->keylen },
                                           (struct tk_str){ el->u.s, el->len });
            }
        }
        if (!rc && tk_jv_str(body)) {
            rc = tk_obs_body_set(o, h, body->u.s, body->len);
        } else if (!rc && tk_jv_str(b64)) {
            /* as large as the text allows (the line bound holds it): a longer body is cut
             * to TK_OBS_MAX_BODY and counted, as a plain "body" is */
            struct tk_buf raw = TK_BUF_INIT(b64->len / 4 * 3 + 4);
            if (tk_base64_decode(&raw, b64->u.s, b64->len)) {
                tk_buf_release(&raw);
                return tk_err_set(err, TK_EPARSE, "\"body_b64\" is not base64");
            }
            rc = tk_obs_body_set(o, h, raw.ptr ? raw.ptr : "", raw.len);
            tk_buf_release(&raw);
        }
    }
    if (!rc)
        rc = cert_of(o, tk_jv_get(rec, "tls"));
    const char *banner = tk_jv_str(tk_jv_get(rec, "banner"));
    if (!rc && banner)
        rc = tk_obs_banner_set(o, banner, tk_jv_strlen(tk_jv_get(rec, "banner")));
    const struct tk_jv *seen = tk_jv_get(rec, "seen");
    if (tk_jv_is(seen, TK_JV_INT))
        o->seen = tk_jv_int(seen);
    else if (tk_jv_str(seen) && !tk_time_parse(tk_str_c(tk_jv_str(seen)), &o->seen))
        return tk_err_set(err, TK_EPARSE, "\"seen\" is not a time");
    const struct tk_jv *fav = tk_jv_get(rec, "favicon_hash");
    if (tk_jv_is(fav, TK_JV_INT) && tk_jv_int(fav) >= INT32_MIN && tk_jv_int(fav) <= INT32_MAX) {
        o->has_favicon = true;
        o->favicon_hash = (int32_t)tk_jv_int(fav);
    }
    return rc;
}

int tk_in_tenken_flush(struct tk_ingest *in)
{
    if (!in->pending)
        return 0;
    int rc = tk_ingest_emit(in, in->pending);
    in->pending = NULL;
    tk_arena_reset(in->pending_arena);
    return rc;
}

int tk_in_tenken(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err)
{
    struct tk_obs o;
    tk_obs_init(&o, in->arena);
    int rc = parse_line(in, rec, &o, err);
    if (rc)
        return rc;
    struct tk_obs *p = in->pending;
    if (p &&
        (p->port != o.port || strcmp(p->ip, o.ip) != 0 || strcmp(p->transport, o.transport) != 0)) {
        if ((rc = tk_in_tenken_flush(in)))
            return rc;
        p = NULL;
    }
    if (!p) {
        p = tk_arena_alloc(in->pending_arena, sizeof *p);
        if (!p)
            return TK_ENOMEM;
        tk_obs_init(p, in->pending_arena);
        memcpy(p->ip, o.ip, sizeof p->ip);
        p->port = o.port;
        p->transport = o.transport;
        p->format = "tenken";
        p->input = tk_arena_strdup(p->arena, in->input_at);
        in->pending = p;
    }
    rc = tk_obs_merge(p, &o);
    if (!rc && p->truncated > 1000)
        rc = tk_in_tenken_flush(in); /* a run of thousands of lines for one port */
    return rc;
}
