/* analyze.c - runs the analyzer table over a bundle. */
#include "analyze/analyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "kb/match.h"

struct analyzer {
    const char *name;
    int (*run)(struct tk_bundle *b, const struct tk_analysis *a, struct tk_err *err);
};

#define TK_ANALYZER_ENTRY(name, desc) { #name, tk_analyze_##name },
static const struct analyzer analyzers[] = { TK_ANALYZERS(TK_ANALYZER_ENTRY) };
#undef TK_ANALYZER_ENTRY

int tk_analyze(struct tk_bundle *b, const struct tk_analysis *a, struct tk_err *err)
{
    static const struct tk_analysis none;
    for (size_t i = 0; i < b->nfindings; i++)
        tk_free(b->findings[i].evidence);
    b->nfindings = 0;
    for (size_t i = 0; i < sizeof analyzers / sizeof analyzers[0]; i++) {
        struct tk_err e = { 0 };
        int rc = analyzers[i].run(b, a ? a : &none, &e);
        if (rc)
            return tk_err_set(err, rc, "analysis %s failed: %s", analyzers[i].name,
                              e.msg[0] ? e.msg : tk_err_name(rc));
    }
    return 0;
}

int tk_analyze_vulnerabilities(struct tk_bundle *b, const struct tk_analysis *a,
                               struct tk_err *err)
{
    return a->matcher ? tk_match_bundle(a->matcher, b, err) : 0;
}

void tk_reach_format_probes(const struct tk_reach *r, char *out, size_t n)
{
    size_t pos = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->nprobes && pos < n; i++) {
        const struct tk_probe *p = &r->probes[i];
        int k = snprintf(out + pos, n - pos, "%s%s/%d=%s", i ? ";" : "",
                         p->service == TK_PROBE_RDP ? "rdp" : "smb", p->port,
                         p->open == TK_YES ? "open" : p->open == TK_NO ? "closed" : "unknown");
        if (k < 0 || (size_t)k >= n - pos) {
            out[pos] = '\0';
            break;
        }
        pos += (size_t)k;
    }
}

void tk_reach_parse_probes(struct tk_reach *r, const char *s)
{
    r->nprobes = 0;
    while (s && *s && r->nprobes < TK_REACH_MAX_PROBES) {
        const char *next = strchr(s, ';');
        bool rdp = strncmp(s, "rdp/", 4) == 0, smb = strncmp(s, "smb/", 4) == 0;
        char *end;
        long port = rdp || smb ? strtol(s + 4, &end, 10) : 0;
        if ((rdp || smb) && end != s + 4 && port > 0 && port < 65536 && *end == '=') {
            const char *v = end + 1;
            size_t len = next ? (size_t)(next - v) : strlen(v);
            enum tk_tri open = len == 4 && !strncmp(v, "open", 4)     ? TK_YES
                               : len == 6 && !strncmp(v, "closed", 6) ? TK_NO
                                                                      : TK_UNKNOWN;
            r->probes[r->nprobes++] =
                (struct tk_probe){ rdp ? TK_PROBE_RDP : TK_PROBE_SMB, (int)port, open };
        }
        s = next ? next + 1 : NULL;
    }
}
