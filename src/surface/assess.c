/* assess.c - judging one observation and writing the result record (assess.h). */
#include "surface/assess.h"

#include <string.h>

#include "core/escape.h"
#include "core/time.h"

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
    /* exposure that needs no fingerprint: file sharing and remote desktop on the internet */
    if (o->port == 445 || o->port == 139)
        sv->exposures[sv->nexposures++] = "smb-exposed";
    if (o->port == 3389)
        sv->exposures[sv->nexposures++] = "rdp-exposed";
    if (sv->identified && tk_fp_kind(sv->hit.fp) &&
        strcmp(tk_fp_kind(sv->hit.fp), "management") == 0)
        sv->exposures[sv->nexposures++] = "management-exposed";
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
    tk_json_kstrs(w, "exposures", sv->exposures, sv->nexposures);
    tk_json_key(w, "org");
    tk_json_null(w);
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

static const char *const csv_cols[] = {
    "ip", "port", "transport", "vendor", "product", "version", "precision", "verdict", "cve",
    "cve_verdict", "kev", "kev_added", "kev_due", "severity", "update_to", "exposures",
    "org", "seen", "input",
};

void tk_device_csv_header(struct tk_buf *out)
{
    for (size_t i = 0; i < sizeof csv_cols / sizeof *csv_cols; i++)
        tk_buf_addf(out, "%s%s", i ? "," : "", csv_cols[i]);
    tk_buf_adds(out, "\r\n");
}

static void field(struct tk_buf *out, const char *s, bool first)
{
    if (!first)
        tk_buf_addc(out, ',');
    tk_escape_csv(out, s ? s : "", s ? strlen(s) : 0);
}

int tk_device_write_csv(const struct tk_device *sv, struct tk_buf *out)
{
    const struct tk_obs *o = sv->o;
    const struct tk_fp_hit *h = &sv->hit;
    char port[16], seen[32] = "", versions[512] = "", exposures[128] = "";
    snprintf(port, sizeof port, "%u", o->port);
    if (o->seen)
        tk_time_iso8601(o->seen, seen);
    for (size_t i = 0, len = 0; sv->identified && i < h->nversions && len < sizeof versions; i++)
        len += (size_t)snprintf(versions + len, sizeof versions - len, "%s%s", i ? " " : "",
                                h->versions[i]);
    for (size_t i = 0, len = 0; i < sv->nexposures && len < sizeof exposures; i++)
        len += (size_t)snprintf(exposures + len, sizeof exposures - len, "%s%s", i ? " " : "",
                                sv->exposures[i]);
    size_t rows = sv->as && sv->as->n ? sv->as->n : 1;
    for (size_t r = 0; r < rows; r++) {
        const struct tk_assessed *a = sv->as && sv->as->n ? &sv->as->items[r] : NULL;
        field(out, o->ip, true);
        field(out, port, false);
        field(out, o->transport, false);
        field(out, sv->identified ? tk_fp_vendor(h->fp) : NULL, false);
        field(out, sv->identified ? tk_fp_name(h->fp) : NULL, false);
        field(out, versions, false);
        field(out, sv->identified ? tk_fp_precision_name(h) : "undetermined", false);
        field(out, tk_verdict_name(sv->verdict), false);
        field(out, a ? a->cve->cve : NULL, false);
        field(out, a ? tk_verdict_name(a->verdict) : NULL, false);
        field(out, a ? (a->cve->kev_added ? "yes" : "no") : NULL, false);
        field(out, a ? a->cve->kev_added : NULL, false);
        field(out, a ? a->cve->kev_due : NULL, false);
        field(out, a ? tk_severity_name(a->cve->severity) : NULL, false);
        field(out, a ? a->cve->update_to : NULL, false);
        field(out, exposures, false);
        field(out, NULL, false);
        field(out, seen, false);
        field(out, o->input, false);
        tk_buf_adds(out, "\r\n");
    }
    return 0;
}
