/* places.h - where the quick file scan looks: the places malware lives on a Linux machine.
 *
 * Home directories (everything under /home, and root's), temporary directories (/tmp, /var/tmp,
 * /dev/shm), locally installed software (/opt, /usr/local), web roots (/var/www, /srv) and
 * autostart locations (cron, systemd units, XDG autostart, init scripts, profile.d). Paths that
 * do not exist in the scanned root are left out; nested duplicates are not listed twice. */
#ifndef TK_SCAN_PLACES_H
#define TK_SCAN_PLACES_H

#include <stddef.h>

#include "compat/fs.h"
#include "core/arena.h"

/* Fills *out (allocated in a, at most max entries) with the existing quick-scan places in fs;
 * returns how many. */
size_t tk_quick_places(struct tk_fs *fs, struct tk_arena *a, const char ***out, size_t max);

#endif
