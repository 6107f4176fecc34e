/* filescan.h - the file scan: walk trees, read each file once, and judge it.
 *
 * One walker thread (the caller's) lists the trees (compat/walk.h) and hands open files to
 * worker threads through a bounded queue. A worker reads the file once into memory while
 * computing MD5, SHA-1 and SHA-256, then runs the YARA rules over the buffer (its own
 * libyara scanner, THOR's external variables set per file) and looks the digests and the path
 * up in the IOC lists. A file with any reason becomes a tk_detection in the bundle, scored
 * as scan/score.h describes.
 *
 * Memory stays bounded whatever the trees hold: files over max_size are not read, buffers of
 * up to 8 MB are per worker, and at most two larger files are held at once. With a cache
 * (tk_filecache), files whose device, inode, size, mtime and ctime are unchanged since a scan
 * with the same rules are not read again: their digests and YARA verdicts are reused, and
 * IOCs (which may have changed) are checked again. */
#ifndef TK_SCAN_FILESCAN_H
#define TK_SCAN_FILESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle.h"
#include "compat/fs.h"
#include "core/err.h"
#include "scan/ioc.h"
#include "scan/rules.h"

#define TK_FILESCAN_DEFAULT_MAX_SIZE ((uint64_t)64 << 20)
#define TK_FILESCAN_DEFAULT_TIMEOUT 60 /* seconds per file */

struct tk_filescan_progress {
    uint64_t files, bytes, detections;
    const char *path; /* the file last handed to a worker; borrowed for the call */
};

struct tk_filescan_opts {
    struct tk_fs *fs;                 /* the scanned root */
    const char *const *paths;         /* directories to walk, as the scanned system sees them */
    size_t npaths;
    uint64_t max_size;                /* 0: no limit */
    bool cross_fs, special_fs;
    const char *const *exclude_globs; /* matched against the whole path ('*' crosses '/') */
    size_t nexclude_globs;
    const char *const *exclude_regex; /* PCRE2, searched in the path */
    size_t nexclude_regex;
    int threads;                      /* 0: one per core */
    int timeout_s;                    /* per file; 0: TK_FILESCAN_DEFAULT_TIMEOUT */
    int cpu_limit;                    /* percent of the machine, 1..100; 0: no limit */
    const struct tk_rules *rules;     /* may be NULL: IOCs only */
    const struct tk_iocs *iocs;       /* may be NULL */
    const char *cache;                /* SQLite file for the re-scan cache; NULL: none */
    void (*progress)(void *ud, const struct tk_filescan_progress *p);
    void *ud;
    volatile int *stop;               /* set non-zero (e.g. from a signal) to end early */
};

/* Scans and adds detections, errors (collector "filescan") and counts (b->detect) to b.
 * Returns 0 (unreadable files are errors in the bundle, not failures), TK_EINVAL for bad
 * options (an exclude regex that does not compile), TK_ENOMEM, or TK_EIO when the cache
 * cannot be opened. */
int tk_filescan(struct tk_bundle *b, const struct tk_filescan_opts *o, struct tk_err *err);

#endif
