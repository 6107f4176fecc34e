/* pkgdb.h - which files the package manager installed, and what they held then.
 *
 * From dpkg's database of the scanned root: /var/lib/dpkg/info/PACKAGE.list (every path a package
 * owns), PACKAGE.md5sums (the MD5 of each regular file as shipped), the Conffiles fields of
 * /var/lib/dpkg/status (the MD5 of each configuration file as shipped) and
 * /var/lib/dpkg/diversions (a diverted file is owned at its new name). A file is "trusted"
 * when a package owns it and its contents still have the shipped MD5: the trace checks skip
 * such files (a stock init script may well mention /tmp), and look hard at everything else.
 *
 * Debian 12 merges /bin, /sbin and /lib into /usr while packages may still list the old
 * names, so /usr/bin/x and /bin/x (and sbin, lib*) are the same path here. RPM-based roots
 * have no dpkg database: tk_pkgdb_present is then false and ownership is unknown. */
#ifndef TK_SCAN_PKGDB_H
#define TK_SCAN_PKGDB_H

#include <stdbool.h>

#include "compat/fs.h"
#include "core/err.h"

struct tk_pkgdb;

/* *out is freed with tk_pkgdb_free. Unreadable list files are skipped (counted in
 * *unreadable); TK_ENOMEM only. */
int tk_pkgdb_load(struct tk_pkgdb **out, struct tk_fs *root, size_t *unreadable,
                  struct tk_err *err);
void tk_pkgdb_free(struct tk_pkgdb *db);

bool tk_pkgdb_present(const struct tk_pkgdb *db); /* a dpkg database was found */
bool tk_pkgdb_owned(const struct tk_pkgdb *db, const char *path);
/* The shipped MD5 (lower-case hex) of an owned regular file, or NULL when not known. */
const char *tk_pkgdb_md5(const struct tk_pkgdb *db, const char *path);

#endif
