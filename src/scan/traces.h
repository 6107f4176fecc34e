/* traces.h - traces of compromise on Linux: facts an attacker leaves behind that are not
 * malware by themselves. Each becomes a tk_trace in the bundle; analyze/traces.c decides
 * what each kind means and how severe it is.
 *
 * Files (any root, so offline images too):
 *   persistence     cron tables, systemd units and timers (system and per user), XDG
 *                   autostart, rc.local and init scripts, shell startup files (system and
 *                   per user): a line with a suspicious trait (why: download-exec,
 *                   reverse-shell, encoded-exec, tmp-path, ld-preload, hidden-dir), or an
 *                   autostart file no package installed (why: unpackaged) or that differs
 *                   from what its package shipped (why: modified). Files a package installed
 *                   and that still have the shipped MD5 are trusted and not read further.
 *   ld-preload      each library listed in /etc/ld.so.preload
 *   authorized-key  each key in a user's ~/.ssh/authorized_keys (why: options when the line
 *                   carries options such as command= or from=)
 *   setid-file      a set-user-ID or set-group-ID regular file no package owns (why:
 *                   unowned), or one a package shipped whose contents changed since (why:
 *                   modified)
 *   unowned-executable  an executable in /usr/bin, /usr/sbin, /bin or /sbin no package owns
 * The running system only:
 *   process-location  a process whose executable is in /tmp, /var/tmp or /dev/shm
 *                   (why: tmp-path) or an anonymous memory file (why: memfd)
 *   deleted-exe     a process whose executable was deleted (why: gone) or replaced since it
 *                   started (why: replaced, the usual state after a package upgrade)
 *   hidden-process  a process that answers to its pid but is missing from /proc's listing
 *   kernel-module   a loaded module with no file under /lib/modules/RELEASE (why: no-file),
 *                   built locally by DKMS (why: dkms), or not from a package (why: unpackaged)
 * Per-user files are read in the homes of the accounts the users collector found
 * (collect/users.c). Package ownership comes from dpkg (scan/pkgdb.h); without a dpkg database the ownership
 * checks are skipped and say so in the bundle's errors. */
#ifndef TK_SCAN_TRACES_H
#define TK_SCAN_TRACES_H

#include <stdbool.h>

#include "bundle/bundle.h"
#include "compat/fs.h"
#include "core/err.h"

struct tk_exclude;
struct tk_user;

/* Adds traces and errors (collector "traces") to b; returns 0 or TK_ENOMEM. Traces whose
 * path (file or executable) the exclude matches are not kept (exclude may be NULL). */
int tk_traces(struct tk_bundle *b, struct tk_fs *root, bool live, const struct tk_user *users,
              size_t nusers, struct tk_exclude *exclude, struct tk_err *err);

#endif
