/* walk.c - the POSIX directory walker behind compat/walk.h.
 *
 * One open directory per level (an explicit stack, no recursion), entries reached with
 * openat/fstatat relative to their parent's descriptor and O_NOFOLLOW, so nothing below the
 * start is ever reached through a symlink and a directory renamed or replaced mid-walk cannot
 * lead the walk elsewhere. File system types come from fstatfs magic numbers. */
#include "compat/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/buf.h"

/* Paths longer than this are reported as errors (ENAMETOOLONG) rather than built. */
#define PATH_MAX_LEN (64 * 1024)

/* statfs f_type values (linux/magic.h and file system sources), with names for messages. */
static const struct {
    unsigned long magic;
    const char *name;
} special_fs[] = {
    /* pseudo file systems: kernel state, never files at rest */
    { 0x9fa0, "proc" },
    { 0x62656572, "sysfs" },
    { 0x1cd1, "devpts" },
    { 0x27e0eb, "cgroup" },
    { 0x63677270, "cgroup2" },
    { 0x64626720, "debugfs" },
    { 0x74726163, "tracefs" },
    { 0x73636673, "securityfs" },
    { 0x6165676c, "pstore" },
    { 0xcafe4a11, "bpf" },
    { 0x62656570, "configfs" },
    { 0x65735543, "fusectl" },
    { 0x19800202, "mqueue" },
    { 0x958458f6, "hugetlbfs" },
    { 0x42494e4d, "binfmt_misc" },
    { 0x0187, "autofs" }, /* entering it would trigger a mount, maybe a network one */
    { 0xde5e81e4, "efivarfs" },
    { 0x6e736673, "nsfs" },
    { 0xf97cff8c, "selinuxfs" },
    { 0x43415d53, "smackfs" },
    { 0x67596969, "rpc_pipefs" },
    /* network and cluster file systems: someone else's files, slow, maybe huge */
    { 0x6969, "nfs" },
    { 0x517b, "smb" },
    { 0xff534d42, "cifs" },
    { 0xfe534d42, "smb2" },
    { 0x73757245, "coda" },
    { 0x5346414f, "afs" },
    { 0x6b414653, "afs" },
    { 0x564c, "ncp" },
    { 0x00c36400, "ceph" },
    { 0x01021997, "9p" },
    { 0x65735546, "fuse" }, /* sshfs, rclone, ...; local FUSE file systems need --all-fs */
    { 0x01161970, "gfs2" },
    { 0x7461636f, "ocfs2" },
    { 0x0bd00bd0, "lustre" },
    { 0x47504653, "gpfs" },
    { 0x13661366, "ibrix" },
};

const char *tk_walk_special_fs(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) != 0)
        return NULL;
    for (size_t i = 0; i < sizeof special_fs / sizeof special_fs[0]; i++)
        if ((unsigned long)sf.f_type == special_fs[i].magic)
            return special_fs[i].name;
    return NULL;
}

struct frame {
    DIR *dir;
    size_t pathlen; /* length of the directory's path in the walk's buffer */
};

struct walk {
    const struct tk_walk_opts *o;
    tk_walk_fn fn;
    void *ud;
    struct tk_buf path;
    dev_t start_dev;
    struct frame stack[TK_WALK_MAX_DEPTH + 1];
    int depth;
};

static int report(struct walk *w, enum tk_walk_kind kind, size_t dirlen, const struct stat *st,
                  int error)
{
    struct tk_walk_entry e = { .kind = kind, .path = tk_buf_cstr(&w->path), .dirlen = dirlen,
                               .fd = -1, .error = error };
    if (st)
        e.st = *st;
    return w->fn(w->ud, &e);
}

static bool stopped(const struct walk *w)
{
    return w->o->stop && *w->o->stop;
}

static int open_noatime(int dirfd, const char *name, int flags)
{
    int fd = openat(dirfd, name, flags | O_NOATIME | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
                                     O_NOCTTY);
    if (fd < 0 && errno == EPERM) /* O_NOATIME needs ownership or CAP_FOWNER */
        fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    return fd;
}

/* Pushes the directory open at fd (taking it); on failure fd is closed. */
static int push(struct walk *w, int fd, int *error)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        *error = errno;
        close(fd);
        return -1;
    }
    w->depth++;
    w->stack[w->depth] = (struct frame){ d, w->path.len };
    return 0;
}

/* A directory entry that is a directory: decide whether and how to enter it. */
static int enter_dir(struct walk *w, int dirfd, const char *name, size_t dirlen)
{
    if (w->depth >= TK_WALK_MAX_DEPTH)
        return report(w, TK_WALK_TOO_DEEP, dirlen, NULL, 0);
    int fd = open_noatime(dirfd, name, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        /* ENOTDIR/ELOOP: replaced by something else since it was listed. */
        int e = errno;
        return e == ENOENT ? 0 : report(w, TK_WALK_ERROR, dirlen, NULL, e);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return report(w, TK_WALK_ERROR, dirlen, NULL, e);
    }
    if (st.st_dev != w->start_dev &&
        (!w->o->cross_fs || (!w->o->special_fs && tk_walk_special_fs(fd)))) {
        close(fd);
        return report(w, TK_WALK_OTHER_FS, dirlen, &st, 0);
    }
    int error = 0;
    if (push(w, fd, &error) != 0)
        return report(w, TK_WALK_ERROR, dirlen, &st, error);
    return 0;
}

static int visit_file(struct walk *w, int dirfd, const char *name, size_t dirlen,
                      const struct stat *listed)
{
    if (w->o->metadata_only) {
        struct tk_walk_entry e = { .kind = TK_WALK_FILE, .path = tk_buf_cstr(&w->path),
                                   .dirlen = dirlen, .fd = -1, .st = *listed };
        if (!listed->st_ino && fstatat(dirfd, name, &e.st, AT_SYMLINK_NOFOLLOW) != 0)
            return errno == ENOENT ? 0 : report(w, TK_WALK_ERROR, dirlen, NULL, errno);
        if (!S_ISREG(e.st.st_mode))
            return report(w, TK_WALK_SPECIAL, dirlen, &e.st, 0);
        return w->fn(w->ud, &e);
    }
    if (w->o->max_size && (uint64_t)listed->st_size > w->o->max_size)
        return report(w, TK_WALK_TOO_LARGE, dirlen, listed, 0);
    int fd = open_noatime(dirfd, name, O_RDONLY);
    if (fd < 0) {
        int e = errno;
        return e == ENOENT ? 0 : report(w, TK_WALK_ERROR, dirlen, listed, e);
    }
    struct tk_walk_entry e = { .kind = TK_WALK_FILE, .path = tk_buf_cstr(&w->path),
                               .dirlen = dirlen, .fd = fd };
    if (fstat(fd, &e.st) != 0 || !S_ISREG(e.st.st_mode) ||
        (listed->st_ino && (e.st.st_ino != listed->st_ino || e.st.st_dev != listed->st_dev))) {
        /* Swapped between listing and opening: report what was listed, read nothing. */
        close(fd);
        return report(w, S_ISREG(e.st.st_mode) ? TK_WALK_ERROR : TK_WALK_SPECIAL, dirlen,
                      listed, EAGAIN);
    }
    if (w->o->max_size && (uint64_t)e.st.st_size > w->o->max_size) {
        close(fd);
        return report(w, TK_WALK_TOO_LARGE, dirlen, &e.st, 0);
    }
    return w->fn(w->ud, &e);
}

/* One entry of the directory on top of the stack. */
static int visit(struct walk *w, struct dirent *de)
{
    const char *name = de->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
        return 0;
    struct frame *f = &w->stack[w->depth];
    int dfd = dirfd(f->dir);
    size_t dirlen = f->pathlen;
    w->path.len = dirlen;
    /* The start "/" has path "" here, so children come out as "/bin", not "//bin". */
    if (tk_buf_addc(&w->path, '/') != 0 || tk_buf_adds(&w->path, name) != 0 ||
        w->path.len > PATH_MAX_LEN) {
        w->path.len = dirlen;
        tk_buf_adds(&w->path, "/…");
        return report(w, TK_WALK_ERROR, dirlen, NULL, ENAMETOOLONG);
    }
    unsigned char type = de->d_type;
    struct stat st = { 0 };
    if (type == DT_UNKNOWN || type == DT_REG) {
        /* A listed regular file is checked again on its descriptor; DT_UNKNOWN needs lstat. */
        if (type == DT_UNKNOWN) {
            if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                return errno == ENOENT ? 0 : report(w, TK_WALK_ERROR, dirlen, NULL, errno);
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
        } else {
            st.st_size = 0; /* unknown until opened */
        }
    }
    bool is_dir = type == DT_DIR;
    if (w->o->exclude && w->o->exclude(w->o->exclude_ud, tk_buf_cstr(&w->path), is_dir))
        return report(w, TK_WALK_EXCLUDED, dirlen, NULL, 0);
    if (is_dir)
        return enter_dir(w, dfd, name, dirlen);
    if (type == DT_REG)
        return visit_file(w, dfd, name, dirlen, &st);
    if (!st.st_mode && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : report(w, TK_WALK_ERROR, dirlen, NULL, errno);
    return report(w, TK_WALK_SPECIAL, dirlen, &st, 0);
}

int tk_walk(struct tk_fs *fs, const char *path, const struct tk_walk_opts *o, tk_walk_fn fn,
            void *ud, struct tk_err *err)
{
    int fd, rc = tk_fs_open_dir_fd(fs, path, &fd, err);
    if (rc)
        return rc;
    struct walk w = { .o = o, .fn = fn, .ud = ud, .path = TK_BUF_INIT(PATH_MAX_LEN + 4096),
                      .depth = -1 };
    struct stat st;
    const char *special = NULL;
    if (fstat(fd, &st) != 0) {
        rc = tk_err_sys(err, errno, "%s%s: cannot stat", tk_fs_label(fs), path);
        close(fd);
        return rc;
    }
    if (!o->special_fs && (special = tk_walk_special_fs(fd)) != NULL) {
        close(fd);
        return tk_err_set(err, TK_EINVAL, "%s%s: a %s file system, not walked", tk_fs_label(fs),
                          path, special);
    }
    w.start_dev = st.st_dev;
    /* Display paths: the start as given, without trailing slashes ("/" becomes ""). */
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    if (tk_buf_add(&w.path, path, n) != 0) {
        close(fd);
        return tk_err_set(err, TK_ELIMIT, "%s: path too long", path);
    }
    int error = 0;
    if (push(&w, fd, &error) != 0) {
        tk_buf_release(&w.path);
        return tk_err_sys(err, error, "%s%s: cannot list the directory", tk_fs_label(fs), path);
    }
    rc = 0;
    while (w.depth >= 0 && !rc) {
        if (stopped(&w))
            break;
        struct frame *f = &w.stack[w.depth];
        errno = 0;
        struct dirent *de = readdir(f->dir);
        if (de) {
            rc = visit(&w, de);
            continue;
        }
        int e = errno;
        if (e) {
            tk_buf_truncate(&w.path, f->pathlen); /* and terminated: not the last child's path */
            rc = report(&w, TK_WALK_ERROR, f->pathlen, NULL, e);
        }
        closedir(f->dir);
        w.depth--;
    }
    while (w.depth >= 0)
        closedir(w.stack[w.depth--].dir);
    tk_buf_release(&w.path);
    return rc;
}
