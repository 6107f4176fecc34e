/* sys.c - POSIX implementations of compat/sys.h. */
#include "compat/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/alloc.h"

int tk_sys_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return TK_EIO;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

bool tk_sys_privileged(void)
{
    return geteuid() == 0;
}

int tk_sys_pid(void)
{
    return (int)getpid();
}

int tk_sys_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

bool tk_sys_isatty(int fd)
{
    return isatty(fd) == 1;
}

int tk_sys_data_path(struct tk_buf *out, const char *rel)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && xdg[0] == '/')
        return tk_buf_addf(out, "%s/%s", xdg, rel);
    const char *home = getenv("HOME");
    if (!home || home[0] != '/')
        return TK_ENOENT;
    return tk_buf_addf(out, "%s/.local/share/%s", home, rel);
}

int tk_sys_uname(struct tk_buf *host, struct tk_buf *release, struct tk_buf *version,
                 struct tk_buf *machine)
{
    struct utsname u;
    if (uname(&u) < 0)
        return tk_err_from_errno(errno);
    int rc = 0;
    if (host)
        rc = rc ? rc : tk_buf_adds(host, u.nodename);
    if (release)
        rc = rc ? rc : tk_buf_adds(release, u.release);
    if (version)
        rc = rc ? rc : tk_buf_adds(version, u.version);
    if (machine)
        rc = rc ? rc : tk_buf_adds(machine, u.machine);
    return rc;
}

int tk_atomic_open(struct tk_atomic_file *af, const char *path, struct tk_err *err)
{
    memset(af, 0, sizeof *af);
    struct tk_buf tmp = TK_BUF_INIT(8192);
    unsigned char r[6];
    if (tk_sys_random(r, sizeof r) ||
        tk_buf_addf(&tmp, "%s.tmp-%02x%02x%02x%02x%02x%02x", path, r[0], r[1], r[2], r[3], r[4],
                    r[5])) {
        tk_buf_release(&tmp);
        return tk_err_set(err, TK_ENOMEM, "%s: cannot name a temporary file", path);
    }
    af->path = tk_strdup(path);
    af->tmp = tk_buf_detach(&tmp);
    if (!af->path || !af->tmp) {
        tk_atomic_abort(af);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", path);
    }
    int fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int saved = errno;
        tk_free(af->tmp);
        af->tmp = NULL;
        tk_atomic_abort(af);
        return tk_err_sys(err, saved, "%s: cannot create the output file", path);
    }
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        int saved = errno;
        close(fd);
        tk_atomic_abort(af);
        return tk_err_sys(err, saved, "%s: cannot open the output file", path);
    }
    return 0;
}

int tk_atomic_commit(struct tk_atomic_file *af, struct tk_err *err)
{
    FILE *fp = af->fp;
    int rc = 0;
    af->fp = NULL;
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || ferror(fp))
        rc = tk_err_sys(err, errno, "%s: cannot write the output file", af->path);
    if (fclose(fp) != 0 && !rc)
        rc = tk_err_sys(err, errno, "%s: cannot write the output file", af->path);
    if (!rc && rename(af->tmp, af->path) != 0)
        rc = tk_err_sys(err, errno, "%s: cannot rename the output file into place", af->path);
    if (!rc) {
        /* Make the rename itself durable. */
        char *dir = tk_strdup(af->path);
        if (dir) {
            int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
            tk_free(dir);
        }
        tk_free(af->tmp);
        af->tmp = NULL;
    }
    tk_atomic_abort(af);
    return rc;
}

void tk_atomic_abort(struct tk_atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    if (af->tmp)
        unlink(af->tmp);
    tk_free(af->tmp);
    tk_free(af->path);
    memset(af, 0, sizeof *af);
}

int tk_sys_lower_priority(void)
{
    int rc = setpriority(PRIO_PROCESS, 0, 19);
#ifdef SYS_ioprio_set
    /* IOPRIO_WHO_PROCESS = 1, class IOPRIO_CLASS_IDLE = 3 in the top bits. */
    if (syscall(SYS_ioprio_set, 1, 0, 3 << 13) != 0)
        rc = -1;
#endif
    return rc == 0 ? 0 : TK_EUNSUPP;
}

const char *tk_sys_os_family(void)
{
    return "linux";
}

const char *tk_sys_system_root(void)
{
    return "/";
}
