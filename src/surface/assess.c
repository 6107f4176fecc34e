/* assess.c - judging one observation and writing the result record (assess.h). */
#include "surface/assess.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/escape.h"
#include "core/time.h"

/* "last-modified" -> "Last-Modified": the header names nmap's patterns expect */
static void header_case(struct tk_buf *b, const char *name)
{
    bool up = true;
    for (const char *c = name; *c; c++) {
        tk_buf_addc(b, up && *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c);
        up = *c == '-';
    }
}

/* Headers that differ from one response to the next of the same server: left out of what
 * nmap's patterns see, so that the answers cache (nsp.h) recognises the server. */
static bool volatile_header(const char *name)
{
    static const char *const names[] = { "date", "content-length", "etag", "last-modified",
                                         "expires", "age", "set-cookie", "x-request-id" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* What nmap -sV would say of a service no fingerprint knows: its banner as the answer to the
 * NULL probe, or an HTTP response's status line and headers put back into wire form as the
 * answer to GetRequest. The body is left out: it is different on every device, which would
 * make every answer a new search through thousands of patterns (about a millisecond each),
 * and pages are what our own fingerprints read. */
static void service_of(const struct tk_surface *s, const struct tk_obs *o, struct tk_device *sv)
{
    int rc = 0;
    if (s->nsp && o->banner_len) {
        rc = tk_nsp_match(s->nsp, o->banner, o->banner_len, o->port, o->transport, NULL,
                          &sv->service, NULL);
    } else if (s->nsp && o->nhttp && o->http[0].status) {
        const struct tk_obs_http *h = &o->http[0];
        struct tk_buf b = TK_BUF_INIT(TK_NSP_MAX_BANNER);
        tk_buf_addf(&b, "HTTP/1.1 %d \r\n", h->status);
        for (size_t i = 0; i < h->nheaders; i++) {
            if (volatile_header(h->headers[i].name))
                continue;
            header_case(&b, h->headers[i].name);
            tk_buf_addf(&b, ": %s\r\n", h->headers[i].value);
        }
        tk_buf_adds(&b, "\r\n");
        if (b.len)
            rc = tk_nsp_match(s->nsp, (const unsigned char *)b.ptr, b.len, o->port, "tcp",
                              "GetRequest", &sv->service, NULL);
        tk_buf_release(&b);
    }
    if (rc == 1) {
        sv->has_service = true;
        sv->service_from = "nmap-service-probes";
    } else if (o->src_product || o->service) {
        sv->has_service = true;
        sv->service_from = "source";
        snprintf(sv->service.service, sizeof sv->service.service, "%s",
                 o->service ? o->service : "");
        snprintf(sv->service.product, sizeof sv->service.product, "%s",
                 o->src_product ? o->src_product : "");
        snprintf(sv->service.version, sizeof sv->service.version, "%s",
                 o->src_version ? o->src_version : "");
        if (o->src_cpe) {
            snprintf(sv->service.cpe[0], sizeof sv->service.cpe[0], "%s", o->src_cpe);
            sv->service.ncpe = 1;
        }
    }
}

void tk_surface_judge(const struct tk_surface *s, const struct tk_obs *o, struct tk_device *sv)
{
    *sv = (struct tk_device){ .o = o, .verdict = TK_VERDICT_UNKNOWN };
    struct tk_fp_hit hits[2];
    if (s->fp && tk_fp_identify(s->fp, o, hits, 2)) {
        sv->identified = true;
        sv->hit = hits[0];
    }
    if (sv->identified && s->matcher && tk_fp_product(sv->hit.fp)) {
        if (s->lock)
            pthread_mutex_lock(s->lock);
        sv->as = tk_matcher_assess(s->matcher, tk_fp_product(sv->hit.fp), sv->hit.prec,
                                   sv->hit.versions, sv->hit.nversions);
        if (s->lock)
            pthread_mutex_unlock(s->lock);
        if (sv->as)
            sv->verdict = sv->as->verdict;
    }
    for (size_t i = 0; sv->as && i < sv->as->n; i++)
        sv->kev = sv->kev || (sv->as->items[i].cve->kev_added &&
                              (sv->as->items[i].verdict == TK_VERDICT_AFFECTED ||
                               sv->as->items[i].verdict == TK_VERDICT_POSSIBLY));
    if (!sv->identified)
        service_of(s, o, sv);
    if (s->attrib)
        sv->attributed = tk_attrib_lookup(s->attrib, o, &sv->at) == 0;
    /* exposure that needs no fingerprint: file sharing and remote desktop on the internet */
    if (o->port == 445 || o->port == 139)
        sv->exposures[sv->nexposures++] = "smb-exposed";
    if (o->port == 3389)
        sv->exposures[sv->nexposures++] = "rdp-exposed";
    if (sv->identified && tk_fp_kind(sv->hit.fp) &&
        strcmp(tk_fp_kind(sv->hit.fp), "management") == 0)
        sv->exposures[sv->nexposures++] = "management-exposed";
}

static bool same(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

bool tk_device_wanted(const struct tk_device *sv, const struct tk_device_filter *f)
{
    if (f->country[0] && !(sv->attributed && same(sv->at.country, f->country)))
        return false;
    if (f->prefecture &&
        !(sv->attributed && (sv->at.prefecture == f->prefecture ||
                             (sv->at.org && sv->at.org->prefecture == f->prefecture))))
        return false;
    if (f->kev_only && !sv->kev)
        return false;
    if (f->product) {
        const struct tk_fp *fp = sv->identified ? sv->hit.fp : NULL;
        if (!fp || !(same(tk_fp_id(fp), f->product) || same(tk_fp_product(fp), f->product) ||
                     same(tk_fp_vendor(fp), f->product) ||
                     strcasestr(tk_fp_name(fp), f->product)))
            return false;
    }
    return true;
}

static void cve_json(const struct tk_assessed *a, struct tk_json *w)
{
    const struct tk_vuln_cve *v = a->cve;
    tk_json_obj_begin(w);
    tk_json_kstr(w, "id", v->cve);
    tk_json_kstr(w, "verdict", tk_verdict_name(a->verdict));
    tk_json_kbool(w, "kev", v->kev_added != NULL);
    tk_json_kstr_opt(w, "kev_added", v->kev_added);
    tk_json_kstr_opt(w, "kev_due", v->kev_due);
    tk_json_kstr_opt(w, "ransomware", v->kev_ransomware);
    if (v->cvss3 >= 0) {
        tk_json_key(w, "cvss3");
        tk_json_double(w, v->cvss3);
    }
    tk_json_kstr(w, "severity", tk_severity_name(v->severity));
    tk_json_kstr_opt(w, "title", v->title);
    if (v->nfixed)
        tk_json_kstrs(w, "fixed", v->fixed, v->nfixed);
    tk_json_kstr_opt(w, "update_to", v->update_to);
    tk_json_kstr_opt(w, "why", a->why);
    tk_json_obj_end(w);
}

void tk_device_write_json(const struct tk_device *sv, struct tk_json *w)
{
    const struct tk_obs *o = sv->o;
    const struct tk_fp_hit *h = &sv->hit;
    tk_json_obj_begin(w);
    tk_json_kstr(w, "ip", o->ip);
    tk_json_kint(w, "port", o->port);
    tk_json_kstr(w, "transport", o->transport);
    if (sv->identified) {
        tk_json_kstr(w, "fingerprint", tk_fp_id(h->fp));
        tk_json_kstr(w, "vendor", tk_fp_vendor(h->fp));
        tk_json_kstr(w, "product", tk_fp_name(h->fp));
        tk_json_kstr_opt(w, "kb_product", tk_fp_product(h->fp));
        tk_json_kstr(w, "kind", tk_fp_kind(h->fp));
        tk_json_key(w, "version");
        if (h->nversions == 1)
            tk_json_str(w, h->versions[0]);
        else
            tk_json_null(w);
        if (h->nversions > 1)
            tk_json_kstrs(w, "versions", h->versions, h->nversions);
        tk_json_kstr(w, "precision", tk_fp_precision_name(h));
        if (h->build_time) {
            char iso[32];
            tk_time_iso8601(h->build_time, iso);
            tk_json_kstr(w, "build_time", iso);
        }
        tk_json_kint(w, "score", h->score);
    } else {
        tk_json_key(w, "vendor");
        tk_json_null(w);
        tk_json_key(w, "product");
        tk_json_null(w);
        tk_json_key(w, "version");
        tk_json_null(w);
        tk_json_kstr(w, "precision", "undetermined");
    }
    tk_json_kstr(w, "verdict", tk_verdict_name(sv->verdict));
    tk_json_key(w, "cves");
    tk_json_arr_begin(w);
    for (size_t i = 0; sv->as && i < sv->as->n; i++)
        cve_json(&sv->as->items[i], w);
    tk_json_arr_end(w);
    tk_json_kbool(w, "kev", sv->kev);
    tk_json_kstrs(w, "exposures", sv->exposures, sv->nexposures);
    if (sv->has_service) {
        const struct tk_nsp_result *r = &sv->service;
        tk_json_key(w, "service");
        tk_json_obj_begin(w);
        tk_json_kstr(w, "from", sv->service_from);
        tk_json_kstr_opt(w, "name", r->service[0] ? r->service : NULL);
        tk_json_kstr_opt(w, "product", r->product[0] ? r->product : NULL);
        tk_json_kstr_opt(w, "version", r->version[0] ? r->version : NULL);
        tk_json_kstr_opt(w, "info", r->info[0] ? r->info : NULL);
        tk_json_kstr_opt(w, "os", r->os[0] ? r->os : NULL);
        tk_json_kstr_opt(w, "devicetype", r->devicetype[0] ? r->devicetype : NULL);
        if (r->ncpe) {
            const char *cpes[3] = { r->cpe[0], r->cpe[1], r->cpe[2] };
            tk_json_kstrs(w, "cpe", cpes, (size_t)r->ncpe);
        }
        if (r->line)
            tk_json_kint(w, "line", r->line);
        tk_json_obj_end(w);
    }
    const struct tk_attribution *at = sv->attributed ? &sv->at : NULL;
    tk_json_key(w, "org");
    if (at && at->org) {
        tk_json_obj_begin(w);
        tk_json_kstr(w, "id", at->org->id);
        tk_json_kstr(w, "name", at->org->name);
        tk_json_kstr_opt(w, "corporate_number",
                         at->org->corporate_number[0] ? at->org->corporate_number : NULL);
        char pref[8];
        snprintf(pref, sizeof pref, "JP-%02d", at->org->prefecture);
        tk_json_kstr(w, "prefecture", at->org->prefecture ? pref : NULL);
        tk_json_obj_end(w);
    } else {
        tk_json_null(w);
    }
    tk_json_kstr(w, "country", at && at->country[0] ? at->country : NULL);
    tk_json_kstr(w, "region", at && at->region[0] ? at->region : NULL);
    if (at) {
        tk_json_key(w, "attribution");
        tk_attribution_write_json(at, w);
    }
    tk_json_kstrs(w, "evidence", h->evidence, sv->identified ? h->nevidence : 0);
    if (o->nhostnames)
        tk_json_kstrs(w, "hostnames", o->hostnames, o->nhostnames);
    if (o->has_cert) {
        tk_json_kstr_opt(w, "cert_subject", o->cert.subject);
        tk_json_kstr_opt(w, "cert_sha256", o->cert.sha256);
    }
    if (o->seen) {
        char iso[32];
        tk_time_iso8601(o->seen, iso);
        tk_json_kstr(w, "seen", iso);
    }
    tk_json_kstr_opt(w, "input", o->input);
    tk_json_obj_end(w);
}

const char *const tk_device_columns[] = {
    "ip", "port", "transport", "vendor", "product", "version", "precision", "verdict", "cve",
    "cve_verdict", "kev", "kev_added", "kev_due", "severity", "update_to", "exposures",
    "org_id", "org_name", "prefecture", "country", "region", "attribution", "service", "seen",
    "input",
};
const size_t tk_device_ncolumns = sizeof tk_device_columns / sizeof *tk_device_columns;

int tk_device_rows(const struct tk_device *sv, tk_device_row_fn row, void *ud)
{
    const struct tk_obs *o = sv->o;
    const struct tk_fp_hit *h = &sv->hit;
    const struct tk_attribution *at = sv->attributed ? &sv->at : NULL;
    char port[16], seen[32] = "", versions[512] = "", exposures[128] = "", pref[8] = "",
                   service[256] = "";
    snprintf(port, sizeof port, "%u", o->port);
    if (o->seen)
        tk_time_iso8601(o->seen, seen);
    for (size_t i = 0, len = 0; sv->identified && i < h->nversions && len < sizeof versions; i++)
        len += (size_t)snprintf(versions + len, sizeof versions - len, "%s%s", i ? " " : "",
                                h->versions[i]);
    for (size_t i = 0, len = 0; i < sv->nexposures && len < sizeof exposures; i++)
        len += (size_t)snprintf(exposures + len, sizeof exposures - len, "%s%s", i ? " " : "",
                                sv->exposures[i]);
    int p = at && at->org && at->org->prefecture ? at->org->prefecture : at ? at->prefecture : 0;
    if (p)
        snprintf(pref, sizeof pref, "JP-%02d", p);
    if (sv->has_service)
        snprintf(service, sizeof service, "%s%s%s%s%s", sv->service.service,
                 sv->service.product[0] ? " " : "", sv->service.product,
                 sv->service.version[0] ? " " : "", sv->service.version);
    size_t rows = sv->as && sv->as->n ? sv->as->n : 1;
    for (size_t r = 0; r < rows; r++) {
        const struct tk_assessed *a = sv->as && sv->as->n ? &sv->as->items[r] : NULL;
        const char *f[] = {
            o->ip,
            port,
            o->transport,
            sv->identified ? tk_fp_vendor(h->fp) : "",
            sv->identified ? tk_fp_name(h->fp) : "",
            versions,
            sv->identified ? tk_fp_precision_name(h) : "undetermined",
            tk_verdict_name(sv->verdict),
            a ? a->cve->cve : "",
            a ? tk_verdict_name(a->verdict) : "",
            a ? (a->cve->kev_added ? "yes" : "no") : "",
            a && a->cve->kev_added ? a->cve->kev_added : "",
            a && a->cve->kev_due ? a->cve->kev_due : "",
            a ? tk_severity_name(a->cve->severity) : "",
            a && a->cve->update_to ? a->cve->update_to : "",
            exposures,
            at && at->org ? at->org->id : "",
            at && at->org ? at->org->name : "",
            pref,
            at ? at->country : "",
            at ? at->region : "",
            at ? tk_attrib_confidence_name(at->confidence) : "",
            service,
            seen,
            o->input ? o->input : "",
        };
        _Static_assert(sizeof f / sizeof *f == sizeof tk_device_columns / sizeof *tk_device_columns,
                       "one field per column");
        _Static_assert(sizeof f / sizeof *f <= TK_DEVICE_MAX_COLUMNS, "TK_DEVICE_MAX_COLUMNS");
        int rc = row(ud, f);
        if (rc)
            return rc;
    }
    return 0;
}

void tk_device_csv_header(struct tk_buf *out)
{
    for (size_t i = 0; i < tk_device_ncolumns; i++)
        tk_buf_addf(out, "%s%s", i ? "," : "", tk_device_columns[i]);
    tk_buf_adds(out, "\r\n");
}

static int csv_row(void *ud, const char *const *f)
{
    struct tk_buf *out = ud;
    for (size_t i = 0; i < tk_device_ncolumns; i++) {
        if (i)
            tk_buf_addc(out, ',');
        tk_escape_csv(out, f[i], strlen(f[i]));
    }
    return tk_buf_adds(out, "\r\n");
}

int tk_device_write_csv(const struct tk_device *sv, struct tk_buf *out)
{
    return tk_device_rows(sv, csv_row, out);
}
