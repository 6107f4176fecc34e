/* traces.c - findings from the traces of compromise in the bundle (scan/traces.h says what
 * each kind is). One table decides which finding a (kind, why) pair is; each finding that
 * occurs gets every trace of its kind as evidence, so forty unpackaged programs are one
 * finding with forty pointers, not forty findings. */
#include "analyze/analyze.h"

#include <stdio.h>
#include <string.h>

#include "analyze/catalog.h"

static const struct {
    const char *kind, *why; /* why NULL: any */
    enum tk_finding_id id;
} rules[] = {
    { "ld-preload", NULL, TK_F_TRACE_LD_PRELOAD },
    { "persistence", "unpackaged", TK_F_TRACE_AUTOSTART },
    { "persistence", "modified", TK_F_TRACE_AUTOSTART },
    { "persistence", NULL, TK_F_TRACE_PERSISTENCE },
    { "process-location", "memfd", TK_F_TRACE_PROCESS_MEMFD },
    { "process-location", NULL, TK_F_TRACE_PROCESS_TMP },
    { "deleted-exe", "replaced", TK_F_TRACE_STALE_EXE },
    { "deleted-exe", NULL, TK_F_TRACE_DELETED_EXE },
    { "hidden-process", NULL, TK_F_TRACE_HIDDEN_PROCESS },
    { "setid-file", "modified", TK_F_TRACE_SETID_MODIFIED },
    { "setid-file", NULL, TK_F_TRACE_UNOWNED_SUID },
    { "unowned-executable", NULL, TK_F_TRACE_UNOWNED_EXEC },
    { "kernel-module", "no-file", TK_F_TRACE_MODULE_NOFILE },
    { "kernel-module", "dkms", TK_F_TRACE_MODULE_DKMS },
    { "kernel-module", NULL, TK_F_TRACE_MODULE_UNPACKAGED },
    { "authorized-key", NULL, TK_F_TRACE_SSH_KEY },
};
#define NRULES (sizeof rules / sizeof rules[0])
#define MAX_EVIDENCE 1000 /* evidence entries per finding; the rest are counted */

static size_t rule_of(const struct tk_trace *t)
{
    for (size_t r = 0; r < NRULES; r++)
        if (strcmp(rules[r].kind, t->kind) == 0 &&
            (!rules[r].why || (t->why && strcmp(rules[r].why, t->why) == 0)))
            return r;
    return NRULES;
}

/* What one trace looks like in a title and in evidence. */
static void describe(const struct tk_trace *t, char *out, size_t n)
{
    const char *what = t->text && *t->text ? t->text : t->path ? t->path : t->kind;
    if (t->pid >= 0)
        snprintf(out, n, "pid %lld %s: %s", (long long)t->pid, t->process ? t->process : "?",
                 t->path ? t->path : what);
    else if (t->path && t->line > 0)
        snprintf(out, n, "%s:%lld: %s", t->path, (long long)t->line, what);
    else if (t->path && what != t->path)
        snprintf(out, n, "%s: %s", t->path, what);
    else
        snprintf(out, n, "%s", what);
}

int tk_analyze_traces(struct tk_bundle *b, const struct tk_analysis *a, struct tk_err *err)
{
    (void)a;
    size_t count[NRULES + 1] = { 0 }, first[NRULES + 1];
    /* rules that name the same finding share one: count per finding id */
    for (size_t i = 0; i < b->ntraces; i++) {
        size_t r = rule_of(&b->traces[i]);
        for (size_t k = 0; k < NRULES; k++)
            if (r < NRULES && rules[k].id == rules[r].id) {
                r = k; /* the first rule of that id stands for all */
                break;
            }
        if (!count[r]++)
            first[r] = i;
    }
    for (size_t r = 0; r < NRULES; r++) {
        if (!count[r])
            continue;
        const struct tk_trace *t0 = &b->traces[first[r]];
        char example[700], n[24];
        describe(t0, example, sizeof example);
        if (strlen(example) > 160)
            memcpy(example + 157, "...", 4);
        if (count[r] > 1) {
            size_t len = strlen(example);
            snprintf(example + len, sizeof example - len, " +%zu", count[r] - 1);
        }
        snprintf(n, sizeof n, "%zu", count[r]);
        const struct tk_finding_var vars[] = {
            { "example", example, NULL },
            { "n", n, NULL },
            { "why", t0->why ? t0->why : "?", NULL },
        };
        struct tk_finding *f =
            tk_finding_new_vars(b, rules[r].id, NULL, vars, sizeof vars / sizeof vars[0]);
        if (!f)
            return tk_err_set(err, TK_ENOMEM, "out of memory");
        size_t listed = 0;
        for (size_t i = 0; i < b->ntraces; i++) {
            size_t ri = rule_of(&b->traces[i]);
            if (ri >= NRULES || rules[ri].id != rules[r].id)
                continue;
            if (listed++ == MAX_EVIDENCE) { /* the bundle's traces[] has them all */
                char more[64];
                snprintf(more, sizeof more, "... and %zu more in traces[]",
                         count[r] - MAX_EVIDENCE);
                if (tk_finding_add_evidence(b, f, NULL, more) != 0)
                    return tk_err_set(err, TK_ENOMEM, "out of memory");
                break;
            }
            char ref[48], text[700];
            snprintf(ref, sizeof ref, "/traces/%zu", i);
            describe(&b->traces[i], text, sizeof text);
            if (b->traces[i].why) {
                size_t len = strlen(text);
                snprintf(text + len, sizeof text - len, " (%s)", b->traces[i].why);
            }
            if (tk_finding_add_evidence(b, f, ref, text) != 0)
                return tk_err_set(err, TK_ENOMEM, "out of memory");
        }
    }
    return 0;
}
