/* fs.c - POSIX/Linux implementation of the rooted, read-only file access in compat/fs.h.
 *
 * Paths are resolved with openat2(RESOLVE_IN_ROOT) so that ".." and absolute symlinks in an
 * offline image or fixture stay inside it. Where openat2 is unavailable (old kernels,
 * seccomp filters in containers) an equivalent component-by-component walk takes over. */
#include "compat/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/alloc.h"

#define MAX_SYMLINKS 40

struct tk_fs {
    int rootfd;
    char *root;
    char *label; /* prefix of paths in messages, e.g. "/proc" */
    bool no_openat2;
};

struct tk_fs_dir {
    DIR *dir;
};

/* Test hook declared in tests: forces the fallback resolver. */
void tk_fs_force_fallback(struct tk_fs *fs);
void tk_fs_force_fallback(struct tk_fs *fs)
{
    fs->no_openat2 = true;
}

int tk_fs_open(struct tk_fs **out, const char *root, const char *label, struct tk_err *err)
{
    *out = NULL;
    int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return tk_err_sys(err, errno, "%s: cannot open the root directory", root);
    struct tk_fs *fs = tk_calloc(1, sizeof *fs);
    char *copy = tk_strdup(root), *lcopy = tk_strdup(label ? label : "");
    if (!fs || !copy || !lcopy) {
        tk_free(fs);
        tk_free(copy);
        tk_free(lcopy);
        close(fd);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", root);
    }
    fs->rootfd = fd;
    fs->root = copy;
    fs->label = lcopy;
    /* Kernels before 5.6 lack openat2; seccomp filters may answer ENOSYS or EPERM. */
    struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
    long probe = syscall(SYS_openat2, fd, ".", &how, sizeof how);
    if (probe >= 0)
        close((int)probe);
    else
        fs->no_openat2 = true;
    *out = fs;
    return 0;
}

void tk_fs_free(struct tk_fs *fs)
{
    if (!fs)
        return;
    close(fs->rootfd);
    tk_free(fs->root);
    tk_free(fs->label);
    tk_free(fs);
}

const char *tk_fs_root(const struct tk_fs *fs)
{
    return fs->root;
}

const char *tk_fs_label(const struct tk_fs *fs)
{
    return fs->label;
}

/* ---- fallback resolver: RESOLVE_IN_ROOT by hand -------------------------------------- */

struct walk {
    int *fds; /* fds[0] is the root (not owned), fds[1..n-1] owned */
    size_t n, cap;
};

static void walk_release(struct walk *w)
{
    for (size_t i = 1; i < w->n; i++)
        close(w->fds[i]);
    tk_free(w->fds);
}

static int walk_push(struct walk *w, int fd)
{
    if (tk_grow((void **)&w->fds, &w->cap, w->n + 1, sizeof(int), 4096)) {
        close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    w->fds[w->n++] = fd;
    return 0;
}

/* Returns an fd opened with `flags` or -1 with errno set. */
static int resolve_fallback(struct tk_fs *fs, const char *path, int flags)
{
    struct walk w = { 0 };
    struct tk_buf rest = TK_BUF_INIT(64 * 1024), comp = TK_BUF_INIT(PATH_MAX);
    int result = -1, budget = MAX_SYMLINKS, saved = 0;
    if (walk_push(&w, fs->rootfd)) {
        saved = ENOMEM;
        goto done;
    }
    if (tk_buf_adds(&rest, path)) {
        saved = ENAMETOOLONG;
        goto done;
    }
    for (;;) {
        /* Take the next component off the front of rest. */
        const char *s = tk_buf_cstr(&rest);
        while (*s == '/')
            s++;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        tk_buf_reset(&comp);
        if (tk_buf_add(&comp, s, len)) {
            saved = ENAMETOOLONG;
            goto done;
        }
        const char *after = s + len;
        bool slash = *after == '/'; /* "dir/" must name a directory, links followed */
        while (*after == '/')
            after++;
        bool last = *after == '\0';
        struct tk_buf next = TK_BUF_INIT(64 * 1024);
        if (tk_buf_adds(&next, after)) {
            saved = ENAMETOOLONG;
            goto done;
        }
        tk_buf_release(&rest);
        rest = next;
        const char *c = tk_buf_cstr(&comp);
        int cur = w.fds[w.n - 1];

        if (len == 0 || strcmp(c, ".") == 0) {
            if (last) {
                result = openat(cur, ".", flags | O_CLOEXEC);
                saved = errno;
                goto done;
            }
            continue;
        }
        if (strcmp(c, "..") == 0) {
            if (w.n > 1)
                close(w.fds[--w.n]);
            if (last) {
                result = openat(w.fds[w.n - 1], ".", flags | O_CLOEXEC);
                saved = errno;
                goto done;
            }
            continue;
        }
        int pfd = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0) {
            saved = errno;
            goto done;
        }
        struct stat st;
        if (fstat(pfd, &st) < 0) {
            saved = errno;
            close(pfd);
            goto done;
        }
        bool follow = !last || !(flags & O_NOFOLLOW) || slash;
        if (S_ISLNK(st.st_mode) && follow) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(pfd, "", target, sizeof target - 1);
            close(pfd);
            if (n < 0 || --budget < 0) {
                saved = n < 0 ? errno : ELOOP;
                goto done;
            }
            target[n] = '\0';
            struct tk_buf joined = TK_BUF_INIT(64 * 1024);
            bool more = rest.len > 0;
            if (tk_buf_adds(&joined, target) ||
                ((more || slash) && tk_buf_addc(&joined, '/')) ||
                tk_buf_adds(&joined, tk_buf_cstr(&rest))) {
                tk_buf_release(&joined);
                saved = ENAMETOOLONG;
                goto done;
            }
            tk_buf_release(&rest);
            rest = joined;
            if (target[0] == '/')
                while (w.n > 1)
                    close(w.fds[--w.n]);
            continue;
        }
        if (last) {
            close(pfd);
            int f = flags | O_NOFOLLOW | O_CLOEXEC;
            if (slash) {
                if (!S_ISDIR(st.st_mode)) {
                    saved = ENOTDIR;
                    goto done;
                }
                f |= O_DIRECTORY;
            }
            result = openat(cur, c, f);
            saved = errno;
            goto done;
        }
        if (!S_ISDIR(st.st_mode)) {
            close(pfd);
            saved = ENOTDIR;
            goto done;
        }
        if (walk_push(&w, pfd)) {
            saved = errno;
            goto done;
        }
    }
done:
    walk_release(&w);
    tk_buf_release(&rest);
    tk_buf_release(&comp);
    if (result < 0)
        errno = saved ? saved : ENOENT;
    return result;
}

/* Opens path inside the root with `flags`; -1 with errno on failure. */
static int resolve(struct tk_fs *fs, const char *path, int flags)
{
    while (*path == '/')
        path++;
    if (*path == '\0')
        path = ".";
    if (!fs->no_openat2) {
        /* openat2 rejects O_PATH combined with anything but these. */
        int f = (flags & O_PATH) ? (flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW)) | O_CLOEXEC
                                 : flags | O_CLOEXEC | O_NOCTTY;
        struct open_how how = {
            .flags = (uint64_t)f,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long fd = syscall(SYS_openat2, fs->rootfd, path, &how, sizeof how);
        return fd >= 0 ? (int)fd : -1;
    }
    return resolve_fallback(fs, path, flags);
}

static int open_regular(struct tk_fs *fs, const char *path, int *out, struct stat *st,
                        struct tk_err *err)
{
    int pfd = resolve(fs, path, O_PATH);
    if (pfd < 0)
        return tk_err_sys(err, errno, "%s%s: cannot open", fs->label, path);
    int rc = fstat(pfd, st);
    close(pfd);
    if (rc < 0)
        return tk_err_sys(err, errno, "%s%s: cannot stat", fs->label, path);
    if (!S_ISREG(st->st_mode))
        return tk_err_set(err, TK_EINVAL, "%s%s: not a regular file", fs->label, path);
    int fd = resolve(fs, path, O_RDONLY | O_NONBLOCK | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = resolve(fs, path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return tk_err_sys(err, errno, "%s%s: cannot open", fs->label, path);
    struct stat st2;
    if (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
        close(fd);
        return tk_err_set(err, TK_EIO, "%s%s: file changed while being opened", fs->label, path);
    }
    *st = st2;
    *out = fd;
    return 0;
}

int tk_fs_open_read(struct tk_fs *fs, const char *path, int *fd, struct tk_err *err)
{
    struct stat st;
    return open_regular(fs, path, fd, &st, err);
}

int tk_fs_read(struct tk_fs *fs, const char *path, struct tk_buf *out, struct tk_err *err)
{
    int fd;
    struct stat st;
    int rc = open_regular(fs, path, &fd, &st, err);
    if (rc)
        return rc;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = tk_err_sys(err, errno, "%s%s: read failed", fs->label, path);
            break;
        }
        if (n == 0)
            break;
        rc = tk_buf_add(out, chunk, (size_t)n);
        if (rc == TK_ELIMIT) {
            rc = tk_err_set(err, TK_ELIMIT, "%s%s: larger than the limit of %zu bytes", fs->label, path,
                            out->max);
            break;
        }
        if (rc) {
            rc = tk_err_set(err, rc, "%s%s: out of memory", fs->label, path);
            break;
        }
    }
    close(fd);
    return rc;
}

int tk_fs_read_head(struct tk_fs *fs, const char *path, size_t n, struct tk_buf *out,
                    struct tk_err *err)
{
    int fd;
    struct stat st;
    int rc = open_regular(fs, path, &fd, &st, err);
    if (rc)
        return rc;
    char chunk[4096];
    while (n && !rc) {
        ssize_t got = read(fd, chunk, n < sizeof chunk ? n : sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = tk_err_sys(err, errno, "%s%s: read failed", fs->label, path);
        if (got <= 0)
            break;
        rc = tk_buf_add(out, chunk, (size_t)got);
        if (rc)
            rc = tk_err_set(err, rc, "%s%s: out of memory", fs->label, path);
        n -= (size_t)got;
    }
    close(fd);
    return rc;
}

int tk_fs_read_range(struct tk_fs *fs, const char *path, uint64_t offset, size_t n,
                     struct tk_buf *out, struct tk_err *err)
{
    int fd;
    struct stat st;
    int rc = open_regular(fs, path, &fd, &st, err);
    if (rc)
        return rc;
    if (offset > (uint64_t)st.st_size || n > (uint64_t)st.st_size - offset) {
        close(fd);
        return tk_err_set(err, TK_EPARSE, "%s%s: range %llu+%zu lies beyond the end of the file",
                          fs->label, path, (unsigned long long)offset, n);
    }
    char chunk[65536];
    while (n && !rc) {
        ssize_t got = pread(fd, chunk, n < sizeof chunk ? n : sizeof chunk, (off_t)offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            rc = tk_err_sys(err, got < 0 ? errno : EIO, "%s%s: read failed", fs->label, path);
            break;
        }
        rc = tk_buf_add(out, chunk, (size_t)got);
        if (rc)
            rc = tk_err_set(err, rc, "%s%s: %s", fs->label, path,
                            rc == TK_ELIMIT ? "range larger than the limit" : "out of memory");
        n -= (size_t)got;
        offset += (uint64_t)got;
    }
    close(fd);
    return rc;
}

int tk_fs_stat(struct tk_fs *fs, const char *path, bool follow, struct stat *st,
               struct tk_err *err)
{
    int fd = resolve(fs, path, O_PATH | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return tk_err_sys(err, errno, "%s%s: cannot stat", fs->label, path);
    int rc = fstat(fd, st);
    int saved = errno;
    close(fd);
    if (rc < 0)
        return tk_err_sys(err, saved, "%s%s: cannot stat", fs->label, path);
    return 0;
}

static int readlink_fd(int fd, const char *name, struct tk_buf *out)
{
    char target[PATH_MAX];
    ssize_t n = readlinkat(fd, name, target, sizeof target);
    if (n < 0)
        return tk_err_from_errno(errno);
    if ((size_t)n >= sizeof target)
        return TK_ELIMIT;
    tk_buf_reset(out);
    return tk_buf_add(out, target, (size_t)n);
}

int tk_fs_readlink(struct tk_fs *fs, const char *path, struct tk_buf *out, struct tk_err *err)
{
    int fd = resolve(fs, path, O_PATH | O_NOFOLLOW);
    if (fd < 0)
        return tk_err_sys(err, errno, "%s%s: cannot open", fs->label, path);
    int rc = readlink_fd(fd, "", out);
    close(fd);
    if (rc)
        return tk_err_set(err, rc, "%s%s: cannot read the link", fs->label, path);
    return 0;
}

int tk_fs_open_dir_fd(struct tk_fs *fs, const char *path, int *fd, struct tk_err *err)
{
    /* O_NOATIME keeps listing a directory from updating its access time. */
    *fd = resolve(fs, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOATIME);
    if (*fd < 0 && errno == EPERM)
        *fd = resolve(fs, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
    if (*fd < 0)
        return tk_err_sys(err, errno, "%s%s: cannot open the directory", fs->label, path);
    return 0;
}

int tk_fs_dir_open(struct tk_fs *fs, const char *path, struct tk_fs_dir **out,
                   struct tk_err *err)
{
    *out = NULL;
    int fd, rc = tk_fs_open_dir_fd(fs, path, &fd, err);
    if (rc)
        return rc;
    struct tk_fs_dir *d = tk_calloc(1, sizeof *d);
    if (!d) {
        close(fd);
        return tk_err_set(err, TK_ENOMEM, "%s%s: out of memory", fs->label, path);
    }
    d->dir = fdopendir(fd);
    if (!d->dir) {
        int saved = errno;
        close(fd);
        tk_free(d);
        return tk_err_sys(err, saved, "%s%s: cannot list the directory", fs->label, path);
    }
    *out = d;
    return 0;
}

const char *tk_fs_dir_next(struct tk_fs_dir *d, bool *is_dir)
{
    struct dirent *e;
    while ((e = readdir(d->dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        bool dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;
            dir = fstatat(dirfd(d->dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                  S_ISDIR(st.st_mode);
        }
        if (is_dir)
            *is_dir = dir;
        return e->d_name;
    }
    return NULL;
}

int tk_fs_dir_readlink(struct tk_fs_dir *d, const char *name, struct tk_buf *out)
{
    return readlink_fd(dirfd(d->dir), name, out);
}

void tk_fs_dir_close(struct tk_fs_dir *d)
{
    if (!d)
        return;
    closedir(d->dir);
    tk_free(d);
}

int64_t tk_fd_pread(int fd, void *buf, size_t n, uint64_t offset)
{
    ssize_t k;
    do
        k = pread(fd, buf, n, (off_t)offset);
    while (k < 0 && errno == EINTR);
    return k;
}

int tk_read_file(const char *path, struct tk_buf *out, struct tk_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return tk_err_sys(err, errno, "%s: cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tk_err_set(err, TK_EINVAL, "%s: not a regular file", path);
    }
    char chunk[65536];
    ssize_t k;
    int rc = 0;
    while (!rc && (k = read(fd, chunk, sizeof chunk)) != 0) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = tk_err_sys(err, errno, "%s: cannot read", path);
            break;
        }
        if (tk_buf_add(out, chunk, (size_t)k) != 0)
            rc = tk_err_set(err, TK_ELIMIT, "%s: larger than %zu MB", path, out->max >> 20);
    }
    close(fd);
    return rc;
}
