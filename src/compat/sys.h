/* sys.h - facts about the running process and machine, behind one platform boundary. */
#ifndef TK_COMPAT_SYS_H
#define TK_COMPAT_SYS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Fills buf with n cryptographically random bytes; 0 or TK_EIO. */
int tk_sys_random(void *buf, size_t n);

bool tk_sys_privileged(void); /* effective root / administrator */
int tk_sys_pid(void);
int tk_sys_ncpu(void);
bool tk_sys_isatty(int fd);
/* The running system's family, "linux" or "windows", and the directory that is the root of
 * its system as the collectors read it: "/" or the system drive ("C:\"). */
const char *tk_sys_os_family(void);
const char *tk_sys_system_root(void);
/* Lowest CPU priority and idle I/O class for this process (all threads created after);
 * 0, or TK_EUNSUPP where the platform cannot. */
int tk_sys_lower_priority(void);

/* The per-user data directory joined with rel: $XDG_DATA_HOME/rel, else
 * ~/.local/share/rel. TK_ENOENT when neither names an absolute directory. */
int tk_sys_data_path(struct tk_buf *out, const char *rel);

/* Of the running kernel (not of an image): hostname, release, version string, machine. */
int tk_sys_uname(struct tk_buf *host, struct tk_buf *release, struct tk_buf *version,
                 struct tk_buf *machine);

/* Writes to path atomically: data goes to a temporary file beside it, which is flushed,
 * synced and renamed over path. */
struct tk_atomic_file {
    char *path;
    char *tmp;
    void *fp; /* FILE *, open for writing */
};
int tk_atomic_open(struct tk_atomic_file *af, const char *path, struct tk_err *err);
int tk_atomic_commit(struct tk_atomic_file *af, struct tk_err *err);
void tk_atomic_abort(struct tk_atomic_file *af);
/* The whole of p (n bytes) to path atomically, in one call. */
int tk_atomic_write(const char *path, const void *p, size_t n, struct tk_err *err);

#endif
