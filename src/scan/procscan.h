/* procscan.h - the memory scan: the YARA rules over every process's readable memory.
 *
 * tenken reads the memory itself (compat/proc.h: pread on /proc/PID/mem, which neither stops
 * nor traces the process) and gives libyara the bytes through its memory-block scanning
 * interface, the one libyara's own process scan uses; that way which mappings are read, how
 * much of each process, and in what chunk size stay under tenken's control.
 *
 * Regions come from compat/proc.h (device mappings and the kernel's [vvar]/[vsyscall] pages
 * left out) and are handed to libyara as memory blocks of at most TK_PROCSCAN_CHUNK bytes,
 * so a string is found when it lies within one chunk (a string across a chunk boundary of a
 * larger region can be missed; regions of up to a chunk are whole). Rules with
 * `type = "file"` meta do not run here. Signature scanners are not scanned, since their
 * memory holds the signatures they match with: this tenken, any process running the same
 * executable, any executable named tenken (another build or version, wherever a user
 * unpacked it), and executables in /usr/bin, /usr/sbin, /bin, /sbin or /usr/local/{bin,sbin}
 * named yara, yarac, clamd, clamscan, clamdscan, freshclam, loki, thor or thor-lite
 * (counted as skipped). A process whose memory exceeds
 * the cap is scanned up to it and named in the bundle's errors. Nor are
 * kernel threads, which have no user memory. A hit becomes a detection of kind "process"
 * naming pid, process name, executable, command line and user. */
#ifndef TK_SCAN_PROCSCAN_H
#define TK_SCAN_PROCSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "bundle/bundle.h"
#include "core/err.h"
#include "scan/rules.h"

#define TK_PROCSCAN_CHUNK ((size_t)16 << 20)
#define TK_PROCSCAN_DEFAULT_MAX ((uint64_t)1 << 30) /* bytes read per process */

struct tk_procscan_opts {
    const struct tk_rules *rules;
    const int *pids;        /* --pid: only these; NULL: every process */
    size_t npids;
    uint64_t max_bytes;     /* per process; 0: TK_PROCSCAN_DEFAULT_MAX */
    int threads;            /* 0: one per core */
    int timeout_s;          /* per process; 0: 60 */
    volatile int *stop;
};

/* Scans and adds detections, errors (collector "memscan": processes that could not be read)
 * and counts (b->detect.processes, process_bytes, processes_skipped) to b. Returns 0, or
 * TK_ENOMEM / TK_EIO when /proc cannot be listed. */
int tk_procscan(struct tk_bundle *b, const struct tk_procscan_opts *o, struct tk_err *err);

#endif
