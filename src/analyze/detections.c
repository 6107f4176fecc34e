/* detections.c - findings from the malware and IOC detections in the bundle: one per object
 * whose level is notice or above, with the detection as evidence. The detections themselves
 * are facts of the scan (scan/); this only decides how they are reported. */
#include "analyze/analyze.h"

#include <stdio.h>
#include <string.h>

#include "analyze/catalog.h"

static enum tk_severity severity_of(const char *level)
{
    if (strcmp(level, "alert") == 0)
        return TK_SEV_CRITICAL;
    if (strcmp(level, "warning") == 0)
        return TK_SEV_HIGH;
    return TK_SEV_MEDIUM;
}

/* The strongest reason's name: a rule, or an IOC's description or value. */
static const char *reason_text(const struct tk_detection *d, char *buf, size_t n)
{
    const struct tk_reason *best = NULL;
    for (size_t i = 0; i < d->nreasons; i++)
        if (!best || d->reasons[i].score > best->score)
            best = &d->reasons[i];
    if (!best)
        return "";
    const char *name = best->rule ? best->rule
                       : best->description ? best->description
                                           : best->ioc ? best->ioc : best->type;
    if (d->nreasons > 1)
        snprintf(buf, n, "%s +%zu", name, d->nreasons - 1);
    else
        snprintf(buf, n, "%s", name);
    return buf;
}

int tk_analyze_detections(struct tk_bundle *b, const struct tk_analysis *a, struct tk_err *err)
{
    (void)a;
    static const struct {
        const char *level, *en, *ja;
    } levels[] = {
        { "alert", "Alert", "警告（alert）" },
        { "warning", "Warning", "注意（warning）" },
        { "notice", "Notice", "通知（notice）" },
    };
    for (size_t i = 0; i < b->ndetections; i++) {
        const struct tk_detection *d = &b->detections[i];
        size_t l = 0;
        while (l < 3 && strcmp(levels[l].level, d->level) != 0)
            l++;
        if (l == 3)
            continue; /* below notice: kept in detections, not a finding */
        char reason[300], pid[24], ref[48];
        snprintf(pid, sizeof pid, "%lld", (long long)d->pid);
        snprintf(ref, sizeof ref, "/detections/%zu", i);
        enum tk_finding_id id = strcmp(d->kind, "process") == 0      ? TK_F_MALWARE_PROCESS
                                : strcmp(d->kind, "connection") == 0 ? TK_F_IOC_C2
                                                                     : TK_F_MALWARE_FILE;
        const struct tk_finding_var vars[] = {
            { "level_en", levels[l].en, levels[l].ja },
            { "level_ja", levels[l].ja, NULL },
            { "path", d->path ? d->path : "?", NULL },
            { "process", d->process ? d->process : "?", NULL },
            { "pid", pid, NULL },
            { "remote", d->remote ? d->remote : "?", NULL },
            { "reason", reason_text(d, reason, sizeof reason), NULL },
        };
        struct tk_finding *f =
            tk_finding_new_vars(b, id, NULL, vars, sizeof vars / sizeof vars[0]);
        if (!f)
            return tk_err_set(err, TK_ENOMEM, "out of memory");
        f->severity = severity_of(d->level);
        char text[200];
        if (d->sha256)
            snprintf(text, sizeof text, "score %.0f, sha256 %s", d->score, d->sha256);
        else
            snprintf(text, sizeof text, "score %.0f", d->score);
        if (tk_finding_add_evidence(b, f, ref, text) != 0)
            return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    return 0;
}
