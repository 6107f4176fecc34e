/* digest.c - an analysed bundle as the compact record reports read (see digest.h). */
#include "report/digest.h"

#include <string.h>

#include "core/json.h"
#include "core/time.h"

#define TK_FACT_DEF(name, en, ja) { #name, en, ja },
const struct tk_fact_def tk_fact_defs[TK_FACT_COUNT] = { TK_FACTS(TK_FACT_DEF) };
#undef TK_FACT_DEF

static bool is(const char *s, const char *t)
{
    return s && strcmp(s, t) == 0;
}

static bool id_in(const char *id, const char *const *list)
{
    for (; *list; list++)
        if (is(id, *list))
            return true;
    return false;
}

unsigned tk_fact_bits(const struct tk_finding *f)
{
    static const char *const direct[] = { "TK-EXP-DIRECT", "TK-EXP-PUBLIC-IPV4", NULL };
    static const char *const smb_rdp[] = { "TK-EXP-SMB-PUBLIC", "TK-EXP-RDP-PUBLIC",
                                           "TK-EXP-PROBE-SMB", "TK-EXP-PROBE-RDP", NULL };
    unsigned bits = 0;
    if (f->vuln && f->vuln->product_kind) {
        const char *k = f->vuln->product_kind;
        if (is(k, "browser") || is(k, "plugin") || is(k, "runtime"))
            bits |= 1u << TK_FACT_vulnerable_browser;
        if (is(k, "meeting"))
            bits |= 1u << TK_FACT_outdated_meeting;
        if (is(k, "os"))
            bits |= 1u << TK_FACT_vulnerable_os;
    }
    if (id_in(f->id, direct))
        bits |= 1u << TK_FACT_direct;
    /* a probe seen from the PC's own network (lowered to medium) is not internet exposure */
    if (id_in(f->id, smb_rdp) &&
        (strncmp(f->id, "TK-EXP-PROBE-", 13) != 0 || f->severity >= TK_SEV_HIGH))
        bits |= 1u << TK_FACT_smb_rdp;
    if (is(f->id, "TK-CFG-SMB1"))
        bits |= 1u << TK_FACT_smb1;
    if (is(f->id, "TK-MALWARE-FILE"))
        bits |= 1u << TK_FACT_malware_disk;
    if (is(f->id, "TK-MALWARE-PROCESS"))
        bits |= 1u << TK_FACT_malware_memory;
    /* traces worth a look (not the informational inventory of autostart entries or keys),
     * and connections to known C2 addresses */
    if ((is(f->category, "trace") && f->severity >= TK_SEV_MEDIUM) || is(f->id, "TK-IOC-C2"))
        bits |= 1u << TK_FACT_traces;
    return bits;
}

static void when(struct tk_json *w, const char *key, int64_t t)
{
    char buf[32];
    if (t <= 0) {
        tk_json_key(w, key);
        tk_json_null(w);
        return;
    }
    tk_time_iso8601(t, buf);
    tk_json_kstr(w, key, buf);
}

static void finding(struct tk_json *w, const struct tk_finding *f)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "id", f->id);
    tk_json_kstr(w, "severity", tk_severity_name(f->severity));
    tk_json_kstr(w, "category", f->category);
    tk_json_kstr(w, "title_en", f->title_en);
    tk_json_kstr(w, "title_ja", f->title_ja);
    tk_json_kstr(w, "remediation_en", f->remediation_en);
    tk_json_kstr(w, "remediation_ja", f->remediation_ja);
    if (f->vuln) {
        const struct tk_vuln_info *v = f->vuln;
        tk_json_kstr(w, "product", v->product_name);
        tk_json_kstr_opt(w, "product_kind", v->product_kind);
        tk_json_kstr_opt(w, "version", v->version);
        tk_json_kstr_opt(w, "update_to", v->update_to);
        tk_json_kint(w, "cves", (int64_t)v->ncves);
        tk_json_kint(w, "kev", (int64_t)v->nkev);
    }
    tk_json_key(w, "evidence");
    tk_json_arr_begin(w);
    for (size_t i = 0; i < f->nevidence && i < TK_DIGEST_MAX_EVIDENCE; i++)
        tk_json_str(w, f->evidence[i].text ? f->evidence[i].text : f->evidence[i].ref);
    tk_json_arr_end(w);
    tk_json_kint(w, "evidence_total", (int64_t)f->nevidence);
    tk_json_obj_end(w);
}

int tk_digest_write(const struct tk_bundle *b, const struct tk_digest_meta *m,
                    struct tk_buf *out)
{
    struct tk_json w;
    tk_json_init_buf(&w, out, 0);
    unsigned facts = 0;
    for (size_t i = 0; i < b->nfindings; i++)
        facts |= tk_fact_bits(&b->findings[i]);
    tk_json_obj_begin(&w);
    tk_json_kint(&w, "digest", TK_DIGEST_VERSION);
    tk_json_kstr(&w, "bundle_id", b->bundle_id);
    tk_json_kstr(&w, "endpoint_id", b->host.endpoint_id);
    tk_json_kstr(&w, "hostname", b->host.hostname);
    tk_json_kstr(&w, "os", b->host.os_name ? b->host.os_name : b->host.os_family);
    when(&w, "collected", b->host.started);
    when(&w, "received", m ? m->received : 0);
    tk_json_kstr(&w, "source", m ? m->source : NULL);
    tk_json_kstr(&w, "probe", m && m->probe && *m->probe ? m->probe : NULL);
    tk_json_kstr(&w, "kb_date", b->analysis.kb_date);
    when(&w, "analyzed_at", b->analysis.analyzed_at);
    tk_json_kbool(&w, "network_collected", b->net.collected);
    tk_json_kbool(&w, "malware_scan", b->detect.ran);
    tk_json_key(&w, "facts");
    tk_json_obj_begin(&w);
    for (size_t i = 0; i < TK_FACT_COUNT; i++)
        tk_json_kbool(&w, tk_fact_defs[i].name, (facts >> i) & 1u);
    tk_json_obj_end(&w);
    tk_json_key(&w, "findings");
    tk_json_arr_begin(&w);
    for (size_t i = 0; i < b->nfindings; i++)
        finding(&w, &b->findings[i]);
    tk_json_arr_end(&w);
    tk_json_obj_end(&w);
    return tk_json_finish(&w);
}
