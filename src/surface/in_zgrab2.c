/* in_zgrab2.c - zgrab2 JSON lines: {"ip", "domain", "data": {MODULE: {"status", "port",
 * "protocol", "result", "timestamp", "error"}}}.
 *
 * Modules of one record that name the same port (a multi-module run fetching several paths
 * of one device) become one observation with several responses; other ports become their
 * own observations. HTTP headers arrive lower-cased with '_' for '-', values as arrays,
 * unknown names under headers.unknown[{key, value[]}]; older zgrab2 put etag there too. */
#include <string.h>

#include "core/addr.h"
#include "core/time.h"
#include "surface/ingest.h"

static int add_values(struct tk_obs *o, struct tk_obs_http *h, struct tk_str name,
                      const struct tk_jv *v)
{
    if (tk_jv_str(v))
        return tk_obs_header_add(o, h, name, (struct tk_str){ v->u.s, v->len });
    size_t i;
    const struct tk_jv *el;
    int rc = 0;
    tk_jv_foreach (v, i, el)
        if (!rc && tk_jv_str(el))
            rc = tk_obs_header_add(o, h, name, (struct tk_str){ el->u.s, el->len });
    return rc;
}

/* zgrab2's parsed x509 certificate (zcrypto's JSON form) */
static int cert_of(struct tk_obs *o, const struct tk_jv *parsed)
{
    if (!tk_jv_is(parsed, TK_JV_OBJECT) || o->has_cert)
        return 0;
    o->has_cert = true;
    o->cert.subject = tk_obs_opt(o, tk_jv_text(tk_jv_get(parsed, "subject_dn")));
    o->cert.issuer = tk_obs_opt(o, tk_jv_text(tk_jv_get(parsed, "issuer_dn")));
    o->cert.subject_cn =
        tk_obs_opt(o, tk_jv_first_text(TK_JV_PATH(parsed, "subject", "common_name")));
    o->cert.subject_o =
        tk_obs_opt(o, tk_jv_first_text(TK_JV_PATH(parsed, "subject", "organization")));
    o->cert.not_before = tk_obs_time(o, tk_jv_text(TK_JV_PATH(parsed, "validity", "start")));
    o->cert.not_after = tk_obs_time(o, tk_jv_text(TK_JV_PATH(parsed, "validity", "end")));
    o->cert.sha256 = tk_obs_opt(o, tk_jv_text(tk_jv_get(parsed, "fingerprint_sha256")));
    const struct tk_jv *san = TK_JV_PATH(parsed, "extensions", "subject_alt_name");
    int rc = tk_obs_sans_jv(o, tk_jv_get(san, "dns_names"));
    return rc ? rc : tk_obs_sans_jv(o, tk_jv_get(san, "ip_addresses"));
}

static int tls_of(struct tk_obs *o, const struct tk_jv *handshake_log)
{
    return cert_of(o, TK_JV_PATH(handshake_log, "server_certificates", "certificate", "parsed"));
}

static int response_of(struct tk_obs *o, const struct tk_jv *resp)
{
    const char *p = tk_jv_str(TK_JV_PATH(resp, "request", "url", "path"));
    struct tk_obs_http *h = tk_obs_http_add(o, tk_str_c(p));
    if (!h)
        return o->nhttp == TK_OBS_MAX_HTTP ? 0 : TK_ENOMEM;
    const struct tk_jv *code = tk_jv_get(resp, "status_code");
    if (tk_jv_is(code, TK_JV_INT) && tk_jv_int(code) > 0 && tk_jv_int(code) < 1000)
        h->status = (int)tk_jv_int(code);
    int rc = 0;
    const struct tk_jv *headers = tk_jv_get(resp, "headers");
    for (const struct tk_jv *m = tk_jv_is(headers, TK_JV_OBJECT) ? headers->u.first : NULL;
         m && !rc; m = m->next) {
        if (strcmp(m->key, "unknown") == 0) {
            size_t i;
            const struct tk_jv *el;
            tk_jv_foreach (m, i, el) {
                const char *k = tk_jv_str(tk_jv_get(el, "key"));
                if (k && !rc)
                    rc = add_values(o, h, tk_str_c(k), tk_jv_get(el, "value"));
            }
            continue;
        }
        rc = add_values(o, h, (struct tk_str){ m->key, m->keylen }, m);
    }
    const struct tk_jv *body = tk_jv_get(resp, "body");
    if (!rc && tk_jv_str(body))
        rc = tk_obs_body_set(o, h, body->u.s, body->len);
    if (!rc)
        rc = tls_of(o, TK_JV_PATH(resp, "request", "tls_log", "handshake_log"));
    return rc;
}

static int module_of(struct tk_obs *o, const struct tk_jv *mod)
{
    const struct tk_jv *result = tk_jv_get(mod, "result");
    const char *ts = tk_jv_str(tk_jv_get(mod, "timestamp"));
    int64_t t;
    if (ts && tk_time_parse(tk_str_c(ts), &t) && t > o->seen)
        o->seen = t;
    if (!tk_jv_is(result, TK_JV_OBJECT))
        return 0;
    int rc = 0;
    const struct tk_jv *resp = tk_jv_get(result, "response");
    if (tk_jv_is(resp, TK_JV_OBJECT)) {
        /* redirects first would hide the final page's path; the final response is kept,
         * and each earlier hop is a response of its own path */
        size_t i;
        const struct tk_jv *el;
        tk_jv_foreach (tk_jv_get(result, "redirect_response_chain"), i, el)
            if (!rc && !tk_obs_http_at(o, tk_jv_str(TK_JV_PATH(el, "request", "url", "path"))
                                              ? tk_jv_str(TK_JV_PATH(el, "request", "url", "path"))
                                              : "/"))
                rc = response_of(o, el);
        if (!rc)
            rc = response_of(o, resp);
    }
    if (!rc)
        rc = tls_of(o, tk_jv_get(result, "handshake_log"));
    const struct tk_jv *banner = tk_jv_get(result, "banner");
    if (!banner)
        banner = TK_JV_PATH(result, "server_id", "raw");
    if (!rc && tk_jv_str(banner) && !o->banner)
        rc = tk_obs_banner_set(o, banner->u.s, banner->len);
    return rc;
}

int tk_in_zgrab2(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err)
{
    const char *ip = tk_jv_str(tk_jv_get(rec, "ip"));
    const struct tk_jv *data = tk_jv_get(rec, "data");
    if (!ip)
        return tk_err_set(err, TK_EPARSE, "\"ip\" is missing");
    if (!tk_jv_is(data, TK_JV_OBJECT))
        return tk_err_set(err, TK_EPARSE, "\"data\" is missing or not an object");
    struct tk_ip addr;
    if (!tk_ip_parse(tk_str_c(ip), &addr))
        return tk_err_set(err, TK_EPARSE, "\"ip\" is not an IP address");
    const char *domain = tk_jv_str(tk_jv_get(rec, "domain"));
    /* one observation per distinct port, in the order the modules name them */
    unsigned done[64];
    size_t ndone = 0;
    for (const struct tk_jv *m = data->u.first; m; m = m->next) {
        const struct tk_jv *jp = tk_jv_get(m, "port");
        unsigned port = tk_jv_port(jp);
        bool seen_port = false;
        for (size_t i = 0; i < ndone; i++)
            seen_port |= done[i] == port;
        if (seen_port)
            continue;
        if (ndone == sizeof done / sizeof *done)
            break;
        done[ndone++] = port;
        struct tk_obs o;
        tk_obs_init(&o, in->arena);
        if (!tk_obs_set_ip(&o, tk_str_c(ip)))
            return tk_err_set(err, TK_EPARSE, "\"ip\" is not an IP address");
        o.port = port;
        if (domain && tk_obs_hostname_add(&o, tk_str_c(domain)))
            return TK_ENOMEM;
        bool any = false;
        for (const struct tk_jv *k = m; k; k = k->next) {
            if (tk_jv_port(tk_jv_get(k, "port")) != port)
                continue;
            const char *st = tk_jv_str(tk_jv_get(k, "status"));
            if (st && strcmp(st, "success") != 0 && !tk_jv_get(tk_jv_get(k, "result"), "response"))
                continue; /* a connection that failed: nothing was seen */
            if (!o.service && k->key)
                o.service = tk_obs_str(&o, (struct tk_str){ k->key, k->keylen });
            int rc = module_of(&o, k);
            if (rc)
                return rc;
            any = true;
        }
        if (!any || !port)
            continue;
        int rc = tk_ingest_emit(in, &o);
        if (rc)
            return rc;
    }
    return 0;
}
