/* scan.c - orchestration of the malware and compromise checks (see scan.h). */
#include "scan/scan.h"

#include <stdlib.h>
#include <string.h>

#include "compat/fs.h"
#include "compat/sys.h"
#include "core/time.h"
#include "scan/c2.h"
#include "scan/exclude.h"
#include "scan/ioc.h"
#include "scan/places.h"
#include "scan/procimg.h"
#include "scan/procscan.h"
#include "scan/rules.h"
#include "scan/traces.h"
#include "tk_config.h"

#define MAX_PLACES 64

/* Threads finish files in any order; reports want the same order every time. */
static int by_kind_path(const void *a, const void *b)
{
    const struct tk_detection *x = a, *y = b;
    int c = strcmp(x->kind, y->kind);
    if (c)
        return c;
    c = strcmp(x->path ? x->path : "", y->path ? y->path : "");
    return c ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

static const char *const profile_names[] = { "quick", "full", "paths" };

int tk_detect(struct tk_bundle *b, struct tk_detect_opts *o, struct tk_err *err)
{
    struct tk_rules *rules = NULL;
    struct tk_iocs *iocs = NULL;
    struct tk_fs *fs = NULL;
    int rc = 0;
    bool live = strcmp(o->root, "/") == 0 && !o->offline;
    bool memory = o->memory && live;
    if (!o->disk && !memory && !o->c2 && !o->traces)
        return 0;
    b->detect.ran = true;
    double t0 = tk_time_mono();
    b->detect.profile = profile_names[o->profile];
    struct tk_rules_opts ro = { .builtin = o->builtin_rules, .paths = o->rules,
                                .npaths = o->nrules, .errors = o->messages };
    if (o->builtin_rules || o->nrules) {
        rc = tk_rules_compile(&rules, &ro, err);
        if (rc == TK_EUNSUPP && !o->nrules) {
            /* no YARA in this build: the IOC checks still run, and the bundle says so */
            tk_bundle_error(b, "yara", NULL, err);
            rc = 0;
        } else if (rc == TK_EUNSUPP) {
            struct tk_err why = *err;
            rc = tk_err_set(err, TK_EINVAL, "--rules: %s", why.msg);
            goto done;
        } else if (rc) {
            goto done;
        } else {
            b->detect.rules = tk_rules_count(rules);
            b->detect.rules_hash = tk_bundle_strdup(b, tk_rules_hash(rules));
        }
    }
    if ((rc = tk_iocs_new(&iocs, o->messages, err)) != 0)
        goto done;
    if (o->builtin_iocs && (rc = tk_iocs_load_builtin(iocs, err)) != 0)
        goto done;
    for (size_t i = 0; i < o->niocs && !rc; i++)
        rc = tk_iocs_load_path(iocs, o->iocs[i], err);
    if (rc)
        goto done;
    struct tk_ioc_counts ic = tk_iocs_counts(iocs);
    b->detect.ioc_hashes = ic.hashes;
    b->detect.ioc_filenames = ic.filenames;
    b->detect.ioc_c2 = ic.c2;

    /* this machine: its system drive on Windows, as the collectors read it */
    if ((rc = tk_fs_open(&fs, strcmp(o->root, "/") == 0 ? tk_sys_system_root() : o->root, "",
                         err)) != 0)
        goto done;
    if (o->c2 && (rc = tk_c2_check(b, iocs, fs, live, err)) != 0)
        goto done;
#if TK_HAVE_LINUX_READERS /* the Linux traces; a Windows system's are its collectors' */
    if (o->traces) {
        struct tk_exclude *x = NULL;
        if ((rc = tk_exclude_new(&x, o->files.exclude_globs, o->files.nexclude_globs,
                                 o->files.exclude_regex, o->files.nexclude_regex, err)) != 0)
            goto done;
        rc = tk_traces(b, fs, live, o->users, o->nusers, x, err);
        tk_exclude_free(x);
        if (rc)
            goto done;
    }
#endif
    /* the programs running now, against the hash IOCs, wherever they run from */
    if (memory && ic.hashes && (rc = tk_procimg_check(b, iocs, o->files.max_size, err)) != 0)
        goto done;
    if (memory && rules) {
        struct tk_procscan_opts po = { .rules = rules, .pids = o->npids ? o->pids : NULL,
                                       .npids = o->npids,
                                       .max_bytes = o->max_process_bytes,
                                       .threads = o->files.threads,
                                       .timeout_s = o->files.timeout_s, .stop = o->files.stop };
        if ((rc = tk_procscan(b, &po, err)) != 0)
            goto done;
    }
    if (!o->disk)
        goto done;
    const char **paths = NULL;
    size_t npaths = 0;
    static const char *const whole[] = { "/" };
    switch (o->profile) {
    case TK_PROFILE_QUICK:
        npaths = tk_quick_places(fs, &b->arena, &paths, MAX_PLACES);
        break;
    case TK_PROFILE_FULL:
        paths = (const char **)whole;
        npaths = 1;
        o->files.cross_fs = true;
        break;
    case TK_PROFILE_PATHS:
        paths = (const char **)o->paths;
        npaths = o->npaths;
        break;
    }
    b->detect.paths = tk_arena_alloc(&b->arena, (npaths ? npaths : 1) * sizeof *paths);
    for (size_t i = 0; b->detect.paths && i < npaths; i++)
        b->detect.paths[i] = tk_bundle_strdup(b, paths[i]);
    b->detect.npaths = b->detect.paths ? npaths : 0;
    o->files.fs = fs;
    o->files.paths = paths;
    o->files.npaths = npaths;
    o->files.rules = rules;
    o->files.iocs = (ic.hashes || ic.filenames) ? iocs : NULL;
    rc = tk_filescan(b, &o->files, err);
done:
    b->detect.seconds = tk_time_mono() - t0;
    if (b->ndetections > 1)
        qsort(b->detections, b->ndetections, sizeof *b->detections, by_kind_path);
    tk_fs_free(fs);
    tk_iocs_free(iocs);
    tk_rules_free(rules);
    return rc;
}
