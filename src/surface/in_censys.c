/* in_censys.c - Censys host records, one per line, in the legacy Search 2.0 form:
 * {"ip", "services": [{"port", "transport_protocol", "service_name", "observed_at",
 * "banner", "http": {"request": {"uri"}, "response": {...}}, "tls": {"certificates":
 * {"leaf_data": {...}}}, "software": [...]}], "dns": {"reverse_dns": {"names"}},
 * "location": {"country_code", "province"}}.
 *
 * Each service is one observation. Censys has changed the nesting of several members over
 * time and exports differ, so everything below the service is read where it is found and
 * skipped where it is not; only a record without an address, or a service without a port,
 * is malformed. */
#include <string.h>
#include <strings.h>

#include "core/time.h"
#include "surface/ingest.h"

#define MAX_SERVICES 4096 /* per host record; the rest is dropped */

static const char *lower_str(struct tk_obs *o, struct tk_str s)
{
    char *c = (char *)tk_obs_opt(o, s);
    for (char *x = c; x && *x; x++)
        *x = *x >= 'A' && *x <= 'Z' ? (char)(*x + 32) : *x;
    return c;
}

/* The first of several members that is present. */
static const struct tk_jv *any_of(const struct tk_jv *obj, const char *const *keys)
{
    for (; *keys; keys++) {
        const struct tk_jv *v = tk_jv_get(obj, *keys);
        if (v && !tk_jv_is(v, TK_JV_NULL))
            return v;
    }
    return NULL;
}
#define ANY(v, ...) any_of((v), (const char *const[]){ __VA_ARGS__, NULL })

/* A port as an integer or as decimal text; 0 when it is neither. */
/* "http://192.0.2.1:8080/a?b" -> "/a?b"; a bare path as it is. */
static struct tk_str uri_path(struct tk_str uri)
{
    for (size_t i = 0; i + 2 < uri.n; i++) {
        if (uri.p[i] == '/' || uri.p[i] == '?')
            break;
        if (uri.p[i] == ':' && uri.p[i + 1] == '/' && uri.p[i + 2] == '/') {
            size_t j = i + 3;
            while (j < uri.n && uri.p[j] != '/' && uri.p[j] != '?' && uri.p[j] != '#')
                j++;
            return (struct tk_str){ uri.p + j, uri.n - j };
        }
    }
    return uri.n && uri.p[0] == '/' ? uri : (struct tk_str){ 0 };
}

static int header_values(struct tk_obs *o, struct tk_obs_http *h, struct tk_str name,
                         const struct tk_jv *v)
{
    if (tk_jv_is(v, TK_JV_OBJECT)) /* {"headers": [values]} */
        v = tk_jv_get(v, "headers");
    if (tk_jv_str(v))
        return tk_obs_header_add(o, h, name, tk_jv_text(v));
    size_t i;
    const struct tk_jv *el;
    int rc = 0;
    tk_jv_foreach (v, i, el)
        if (!rc && tk_jv_str(el))
            rc = tk_obs_header_add(o, h, name, tk_jv_text(el));
    return rc;
}

/* {"Server": ["nginx"]}, {"Server": {"headers": ["nginx"]}}, or [{"key", "value"}];
 * "_encoding" and other members starting with '_' are Censys' own notes. */
static int headers_of(struct tk_obs *o, struct tk_obs_http *h, const struct tk_jv *headers)
{
    int rc = 0;
    if (tk_jv_is(headers, TK_JV_ARRAY)) {
        size_t i;
        const struct tk_jv *el;
        tk_jv_foreach (headers, i, el) {
            struct tk_str name = tk_jv_text(ANY(el, "key", "name"));
            if (!rc && name.n)
                rc = header_values(o, h, name, ANY(el, "value", "values"));
        }
        return rc;
    }
    if (!tk_jv_is(headers, TK_JV_OBJECT))
        return 0;
    for (const struct tk_jv *m = headers->u.first; m && !rc; m = m->next)
        if (m->keylen && m->key[0] != '_')
            rc = header_values(o, h, (struct tk_str){ m->key, m->keylen }, m);
    return rc;
}

static int http_of(struct tk_obs *o, const struct tk_jv *http)
{
    const struct tk_jv *resp = tk_jv_get(http, "response");
    if (!tk_jv_is(resp, TK_JV_OBJECT))
        return 0;
    struct tk_obs_http *h =
        tk_obs_http_add(o, uri_path(tk_jv_text(TK_JV_PATH(http, "request", "uri"))));
    if (!h)
        return TK_ENOMEM;
    const struct tk_jv *code = tk_jv_get(resp, "status_code");
    if (tk_jv_is(code, TK_JV_INT) && tk_jv_int(code) > 0 && tk_jv_int(code) < 1000)
        h->status = (int)tk_jv_int(code);
    int rc = headers_of(o, h, tk_jv_get(resp, "headers"));
    const struct tk_jv *body = tk_jv_get(resp, "body");
    if (!rc && tk_jv_str(body))
        rc = tk_obs_body_set(o, h, body->u.s, body->len);
    struct tk_str title = tk_str_trim(tk_jv_text(tk_jv_get(resp, "html_title")));
    if (!rc && title.n && tk_obs_title_set(o, h, title))
        rc = TK_ENOMEM;
    size_t i;
    const struct tk_jv *el;
    tk_jv_foreach (tk_jv_get(resp, "favicons"), i, el) {
        const struct tk_jv *fh = ANY(el, "shodan_hash", "hash_shodan");
        if (!o->has_favicon && tk_jv_is(fh, TK_JV_INT) && tk_jv_int(fh) >= INT32_MIN &&
            tk_jv_int(fh) <= INT32_MAX) {
            o->has_favicon = true;
            o->favicon_hash = (int32_t)tk_jv_int(fh);
        }
    }
    return rc;
}

static int cert_of(struct tk_obs *o, const struct tk_jv *tls)
{
    const struct tk_jv *certs = tk_jv_get(tls, "certificates");
    const struct tk_jv *leaf = ANY(certs, "leaf_data", "leaf", "parsed");
    if (tk_jv_is(leaf, TK_JV_OBJECT) && tk_jv_is(tk_jv_get(leaf, "parsed"), TK_JV_OBJECT))
        leaf = tk_jv_get(leaf, "parsed");
    if (!tk_jv_is(leaf, TK_JV_OBJECT))
        return 0;
    o->has_cert = true;
    o->cert.subject = tk_obs_opt(o, tk_jv_text(tk_jv_get(leaf, "subject_dn")));
    o->cert.issuer = tk_obs_opt(o, tk_jv_text(tk_jv_get(leaf, "issuer_dn")));
    const struct tk_jv *subject = tk_jv_get(leaf, "subject");
    o->cert.subject_cn = tk_obs_opt(o, tk_jv_first_text(tk_jv_get(subject, "common_name")));
    o->cert.subject_o = tk_obs_opt(o, tk_jv_first_text(tk_jv_get(subject, "organization")));
    const struct tk_jv *validity = ANY(leaf, "validity", "validity_period");
    o->cert.not_before = tk_obs_time(o, tk_jv_text(ANY(validity, "start", "not_before")));
    o->cert.not_after = tk_obs_time(o, tk_jv_text(ANY(validity, "end", "not_after")));
    struct tk_str fp = tk_str_trim(tk_jv_text(ANY(leaf, "fingerprint_sha256", "fingerprint")));
    if (!fp.n)
        fp = tk_str_trim(tk_jv_text(tk_jv_get(certs, "leaf_fp_sha_256")));
    if (fp.n == 64)
        o->cert.sha256 = lower_str(o, fp);
    return tk_obs_sans_jv(o, tk_jv_get(leaf, "names"));
}

static int software_of(struct tk_obs *o, const struct tk_jv *software)
{
    const struct tk_jv *sw = tk_jv_size(software) ? software->u.first : NULL;
    if (!tk_jv_is(sw, TK_JV_OBJECT))
        return 0;
    struct tk_str vendor = tk_str_trim(tk_jv_text(tk_jv_get(sw, "vendor")));
    struct tk_str product = tk_str_trim(tk_jv_text(tk_jv_get(sw, "product")));
    /* "Apache" + "HTTPD" reads as "Apache HTTPD", as nmap and Shodan name products */
    if (vendor.n && product.n &&
        !(product.n >= vendor.n && strncasecmp(product.p, vendor.p, vendor.n) == 0)) {
        struct tk_buf b = TK_BUF_INIT(8192);
        tk_buf_add(&b, vendor.p, vendor.n);
        tk_buf_addc(&b, ' ');
        tk_buf_add(&b, product.p, product.n);
        o->src_product = tk_obs_opt(o, (struct tk_str){ b.ptr, b.len });
        tk_buf_release(&b);
    } else {
        o->src_product = tk_obs_opt(o, product.n ? product : vendor);
    }
    o->src_version = tk_obs_opt(o, tk_jv_text(tk_jv_get(sw, "version")));
    o->src_cpe = tk_obs_opt(o, tk_jv_text(ANY(sw, "uniform_resource_identifier", "cpe")));
    return 0;
}

/* ip: the host's address in canonical form (sizeof ((struct tk_obs *)0)->ip bytes) */
static int service_of(struct tk_ingest *in, const struct tk_jv *host, const struct tk_jv *svc,
                      const char *ip)
{
    struct tk_obs o;
    tk_obs_init(&o, in->arena);
    memcpy(o.ip, ip, sizeof o.ip);
    o.port = tk_jv_port(tk_jv_get(svc, "port"));
    struct tk_str tr = tk_jv_text(tk_jv_get(svc, "transport_protocol"));
    o.transport = tk_str_eqcase_c(tr, "udp") || tk_str_eqcase_c(tr, "quic") ? "udp" : "tcp";
    o.service = lower_str(&o, tk_jv_text(tk_jv_get(svc, "service_name")));
    int64_t t;
    struct tk_str seen = tk_jv_text(ANY(svc, "observed_at", "last_updated_at"));
    if (!seen.n)
        seen = tk_jv_text(tk_jv_get(host, "last_updated_at"));
    if (seen.n && tk_time_parse(seen, &t))
        o.seen = t;
    int rc = tk_obs_hostnames_jv(&o, TK_JV_PATH(host, "dns", "reverse_dns", "names"));
    if (!rc)
        rc = tk_obs_hostnames_jv(&o, TK_JV_PATH(host, "dns", "names"));
    if (!rc)
        rc = http_of(&o, tk_jv_get(svc, "http"));
    struct tk_str banner = tk_jv_text(tk_jv_get(svc, "banner"));
    if (!rc && banner.n && !o.nhttp) {
        if (tk_str_has_prefix(banner, "HTTP/")) {
            struct tk_obs_http *h = tk_obs_http_add(&o, (struct tk_str){ 0 });
            rc = h ? tk_obs_http_parse_raw(&o, h, banner) : TK_ENOMEM;
        } else {
            rc = tk_obs_banner_set(&o, banner.p, banner.n);
        }
    }
    if (!rc)
        rc = cert_of(&o, tk_jv_get(svc, "tls"));
    if (!rc)
        rc = software_of(&o, tk_jv_get(svc, "software"));
    if (rc)
        return rc;
    o.country = tk_obs_opt(&o, tk_jv_text(TK_JV_PATH(host, "location", "country_code")));
    o.region = tk_obs_opt(&o, tk_jv_text(TK_JV_PATH(host, "location", "province")));
    return tk_ingest_emit(in, &o);
}

int tk_in_censys(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err)
{
    /* an API answer kept whole: {"code", "status", "result": {host}} */
    if (!tk_jv_get(rec, "ip") && tk_jv_is(tk_jv_get(rec, "result"), TK_JV_OBJECT))
        rec = tk_jv_get(rec, "result");
    if (!tk_jv_is(rec, TK_JV_OBJECT))
        return tk_err_set(err, TK_EPARSE, "the record is not a JSON object");
    const char *ip = tk_jv_str(tk_jv_get(rec, "ip"));
    struct tk_obs probe;
    tk_obs_init(&probe, in->arena);
    if (!ip || !tk_obs_set_ip(&probe, tk_str_c(ip)))
        return tk_err_set(err, TK_EPARSE, "\"ip\" is missing or not an IP address");
    const struct tk_jv *services = tk_jv_get(rec, "services");
    if (!tk_jv_is(services, TK_JV_ARRAY))
        return tk_err_set(err, TK_EPARSE, "\"services\" is missing or not an array");
    /* check every port first, so a malformed record emits nothing */
    size_t i;
    const struct tk_jv *svc;
    tk_jv_foreach (services, i, svc) {
        if (i == MAX_SERVICES)
            break;
        if (!tk_jv_port(tk_jv_get(svc, "port")))
            return tk_err_set(err, TK_EPARSE,
                              "services[%zu]: \"port\" is missing or not a "
                              "port number",
                              i);
    }
    tk_jv_foreach (services, i, svc) {
        if (i == MAX_SERVICES)
            break;
        int rc = service_of(in, rec, svc, probe.ip);
        if (rc)
            return rc;
    }
    return 0;
}
