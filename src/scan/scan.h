/* scan.h - the malware and compromise part of `tenken scan`: rules and IOCs loaded once, then
 * the file scan, the process memory scan, C2 checks on live connections, and Linux traces,
 * each switchable. Results go into the bundle (detections, findings come from the analyzer). */
#ifndef TK_SCAN_SCAN_H
#define TK_SCAN_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle.h"
#include "collect/collect.h"
#include "core/buf.h"
#include "core/err.h"
#include "scan/filescan.h"

enum tk_profile { TK_PROFILE_QUICK, TK_PROFILE_FULL, TK_PROFILE_PATHS };

struct tk_detect_opts {
    const char *root;              /* "/" for this machine */
    enum tk_profile profile;
    const char *const *paths;      /* TK_PROFILE_PATHS: what --path gave */
    size_t npaths;
    bool disk;                     /* run the file scan */
    bool memory;                   /* run the memory scan (live scans of this machine only) */
    bool c2;                       /* check C2 IOCs: connections (live) and the hosts file */
    bool traces;                   /* look for traces of compromise (scan/traces.h) */
    const struct tk_user *users;   /* accounts whose homes traces reads (collect/users.c) */
    size_t nusers;
    bool offline;                  /* root is "/" but not the running system (--proc) */
    const int *pids;               /* --pid: the memory scan reads only these */
    size_t npids;
    uint64_t max_process_bytes;    /* per process; 0: the default */
    bool builtin_rules, builtin_iocs;
    const char *const *rules;      /* --rules FILE|DIR */
    size_t nrules;
    const char *const *iocs;       /* --iocs FILE|DIR */
    size_t niocs;
    struct tk_filescan_opts files; /* fs, paths and rules/iocs are filled by tk_detect */
    struct tk_buf *messages;       /* rule compile errors and IOC warnings, one per line */
};

/* Runs the enabled parts. TK_EPARSE when rules do not compile (o->messages lists every
 * error), TK_EINVAL/TK_ENOENT for bad --rules/--iocs/--path arguments, TK_ENOMEM. */
int tk_detect(struct tk_bundle *b, struct tk_detect_opts *o, struct tk_err *err);

#endif
