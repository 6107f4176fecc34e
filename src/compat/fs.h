/* fs.h - read-only access to a directory tree confined to a root.
 *
 * Every collector reads the scanned system through a struct tk_fs: the live system ("/"),
 * an offline disk image mounted somewhere, or a fixture tree a test built. Paths are given
 * as the scanned system sees them ("/var/lib/dpkg/status") and resolved inside the root:
 * ".." and absolute symlinks cannot leave it. Nothing here writes; files are opened with
 * O_NOATIME where permitted, and only regular files are read, so a FIFO or a device node
 * planted on disk cannot block or trigger anything. */
#ifndef TK_COMPAT_FS_H
#define TK_COMPAT_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

struct tk_fs;
struct tk_fs_dir;

/* *out is freed with tk_fs_free. label prefixes paths in error messages ("/proc" for a
 * tree rooted at /proc; "" or NULL for the scanned root). */
int tk_fs_open(struct tk_fs **out, const char *root, const char *label, struct tk_err *err);
void tk_fs_free(struct tk_fs *fs);

/* Borrowed, valid until tk_fs_free. */
const char *tk_fs_root(const struct tk_fs *fs);
const char *tk_fs_label(const struct tk_fs *fs);

/* Appends the whole regular file at path to out; TK_ELIMIT when it is larger than out's
 * bound, TK_EINVAL when path is not a regular file. */
int tk_fs_read(struct tk_fs *fs, const char *path, struct tk_buf *out, struct tk_err *err);

/* Opens the regular file at path for reading (resolved inside the root, O_NOATIME where
 * permitted); the caller closes *fd. For libraries that open files by name. */
int tk_fs_open_read(struct tk_fs *fs, const char *path, int *fd, struct tk_err *err);

/* Opens the directory at path (resolved inside the root) as an O_DIRECTORY descriptor the
 * caller closes; for walkers that go on with openat. */
int tk_fs_open_dir_fd(struct tk_fs *fs, const char *path, int *fd, struct tk_err *err);

/* Appends at most the first n bytes of the regular file at path to out. */
int tk_fs_read_head(struct tk_fs *fs, const char *path, size_t n, struct tk_buf *out,
                    struct tk_err *err);

/* Appends bytes [offset, offset+n) of the regular file at path; TK_EPARSE when the range
 * lies outside the file. */
int tk_fs_read_range(struct tk_fs *fs, const char *path, uint64_t offset, size_t n,
                     struct tk_buf *out, struct tk_err *err);

/* stat (follow = true) or lstat of path. */
int tk_fs_stat(struct tk_fs *fs, const char *path, bool follow, struct stat *st,
               struct tk_err *err);
bool tk_fs_exists(struct tk_fs *fs, const char *path);
bool tk_fs_is_dir(struct tk_fs *fs, const char *path);

/* Replaces out's content with the target of the symlink at path. */
int tk_fs_readlink(struct tk_fs *fs, const char *path, struct tk_buf *out, struct tk_err *err);

/* Directory listing; entries "." and ".." are skipped. *out is closed with tk_fs_dir_close. */
int tk_fs_dir_open(struct tk_fs *fs, const char *path, struct tk_fs_dir **out,
                   struct tk_err *err);
/* Next entry name (borrowed until the next call), or NULL at the end. *is_dir is set when
 * the entry is a directory (not following symlinks). */
const char *tk_fs_dir_next(struct tk_fs_dir *d, bool *is_dir);
/* Target of the symlink `name` inside the open directory, replacing out's content. */
int tk_fs_dir_readlink(struct tk_fs_dir *d, const char *name, struct tk_buf *out);
void tk_fs_dir_close(struct tk_fs_dir *d);

/* Reads the whole regular file at path (a file named by the user, outside any scanned root:
 * rules, IOC lists) into out, bounded by out->max: TK_ELIMIT past it, TK_EINVAL when path
 * is not a regular file. Errors name path. */
int tk_read_file(const char *path, struct tk_buf *out, struct tk_err *err);

/* Reads up to n bytes at offset from a descriptor tk_fs_open_read returned, without moving
 * its position (pread): the bytes read, 0 at the end, or -1 with errno set. */
int64_t tk_fd_pread(int fd, void *buf, size_t n, uint64_t offset);

/* Line reader for large files: memory is bounded by max_line whatever the file size. */
struct tk_lines {
    int fd;
    const char *path;  /* borrowed, for messages */
    const char *label; /* borrowed, prefix for messages */
    char *buf;
    size_t cap, start, end;
    size_t max_line;
    bool eof;
    uint64_t lineno; /* number of the line last returned, from 1 */
};

int tk_lines_open(struct tk_lines *r, struct tk_fs *fs, const char *path, size_t max_line,
                  struct tk_err *err);
/* 1 and the next line (without its newline; borrowed until the next call), 0 at the end,
 * or a negative code: TK_ELIMIT for a line longer than max_line (the line is skipped and
 * reading may continue), TK_EIO for a read error. */
int tk_lines_next(struct tk_lines *r, struct tk_str *line, struct tk_err *err);
void tk_lines_close(struct tk_lines *r);

#endif
