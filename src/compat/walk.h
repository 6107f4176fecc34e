/* walk.h - walking directory trees for the file scan, read-only and without surprises.
 *
 * The walk never follows a symlink (directories are opened O_NOFOLLOW relative to their
 * parent's descriptor, so a tree swapped for a link mid-walk is not entered), stays on the
 * file system of its start directory unless told otherwise, never enters pseudo file systems
 * (proc, sysfs, cgroup, debugfs, ...) or network ones (NFS, SMB, sshfs, ...), and prunes
 * excluded directories before reading them. Only regular files are opened, with O_NOFOLLOW,
 * O_NONBLOCK (a FIFO swapped in cannot block) and O_NOATIME where permitted, and checked to be
 * the file that was listed. Everything else it meets (FIFOs, sockets, devices, symlinks, files
 * over the size limit, unreadable directories) is reported to the callback with a reason, so
 * the caller can count it; nothing is silently dropped. */
#ifndef TK_COMPAT_WALK_H
#define TK_COMPAT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "compat/fs.h"
#include "core/err.h"

/* Directories deeper than this below a start directory are not entered (one descriptor is
 * held per level); the walk reports them as TK_WALK_TOO_DEEP. */
#define TK_WALK_MAX_DEPTH 200

enum tk_walk_kind {
    TK_WALK_FILE,        /* a regular file, opened: fd is valid and the callback owns it
                            (fd is -1 with metadata_only) */
    TK_WALK_TOO_LARGE,   /* a regular file larger than max_size, not opened */
    TK_WALK_SPECIAL,     /* FIFO, socket, device or symlink, not opened */
    TK_WALK_EXCLUDED,    /* a file or directory matched by the exclude callback */
    TK_WALK_OTHER_FS,    /* a directory on another (or a pseudo or network) file system */
    TK_WALK_TOO_DEEP,    /* a directory deeper than TK_WALK_MAX_DEPTH */
    TK_WALK_ERROR,       /* could not be listed, stat'ed or opened: error says why */
};

struct tk_walk_entry {
    enum tk_walk_kind kind;
    const char *path;    /* as the scanned system sees it ("/home/u/x"); borrowed */
    size_t dirlen;       /* path[0..dirlen) is the directory part, without trailing '/' */
    int fd;              /* TK_WALK_FILE: open for reading; the callback must close it */
    struct stat st;      /* TK_WALK_FILE: fstat of fd; otherwise lstat when known */
    int error;           /* TK_WALK_ERROR: the errno */
};

/* Returns true to skip a path (a directory is then not entered). */
typedef bool (*tk_walk_exclude_fn)(void *ud, const char *path, bool is_dir);
/* Returns 0 to go on, anything else stops the walk and is returned by tk_walk. */
typedef int (*tk_walk_fn)(void *ud, const struct tk_walk_entry *e);

struct tk_walk_opts {
    uint64_t max_size;          /* 0: no limit */
    bool cross_fs;              /* enter other local disk file systems below the start */
    bool special_fs;            /* also enter pseudo and network file systems */
    bool metadata_only;         /* regular files are reported with fd -1 and their lstat,
                                   never opened (max_size does not apply) */
    tk_walk_exclude_fn exclude; /* may be NULL */
    void *exclude_ud;
    volatile const int *stop;   /* may be NULL; set non-zero to end the walk early */
};

/* Walks the tree at path (inside fs's root; path itself may be reached through symlinks,
 * as tk_fs resolves it, but nothing below it is) and calls fn for every entry. Returns 0, what
 * fn returned, or a negative TK_E* code when path itself cannot be opened. */
int tk_walk(struct tk_fs *fs, const char *path, const struct tk_walk_opts *o, tk_walk_fn fn,
            void *ud, struct tk_err *err);

/* The name of a file system type to skip by default ("proc", "nfs", ...) for the directory
 * open at fd, or NULL when it is a local disk file system (or tmpfs) to be walked. */
const char *tk_walk_special_fs(int fd);

#endif
