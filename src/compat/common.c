/* common.c - the parts of the platform boundary that are the same everywhere, built on the
 * per-platform primitives (posix/, win/): existence checks on tk_fs_stat, the bounded line
 * reader on tk_fs_open_read, and the one-call atomic write on tk_atomic_open/commit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat/fs.h"
#include "compat/sys.h"
#include "core/alloc.h"

bool tk_fs_exists(struct tk_fs *fs, const char *path)
{
    struct stat st;
    return tk_fs_stat(fs, path, false, &st, NULL) == 0;
}

bool tk_fs_is_dir(struct tk_fs *fs, const char *path)
{
    struct stat st;
    return tk_fs_stat(fs, path, true, &st, NULL) == 0 && S_ISDIR(st.st_mode);
}

/* ---- line reader ---------------------------------------------------------------------- */

int tk_lines_open(struct tk_lines *r, struct tk_fs *fs, const char *path, size_t max_line,
                  struct tk_err *err)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    int rc = tk_fs_open_read(fs, path, &r->fd, err);
    if (rc)
        return rc;
    r->path = path;
    r->label = tk_fs_label(fs);
    r->max_line = max_line;
    r->cap = max_line + 65536;
    r->buf = tk_malloc(r->cap);
    if (!r->buf) {
        close(r->fd);
        r->fd = -1;
        return tk_err_set(err, TK_ENOMEM, "%s%s: out of memory", tk_fs_label(fs), path);
    }
    return 0;
}

/* Moves the unread bytes to the front and reads once more; 0 (eof noted) or an error. */
static int lines_fill(struct tk_lines *r, struct tk_err *err)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    size_t room = r->cap - r->end;
    if (room > 0x40000000)
        room = 0x40000000;
    ssize_t n;
    do
        n = read(r->fd, r->buf + r->end, (unsigned)room);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return tk_err_sys(err, errno, "%s%s:%llu: read failed", r->label, r->path,
                          (unsigned long long)r->lineno + 1);
    if (n == 0)
        r->eof = true;
    r->end += (size_t)n;
    return 0;
}

/* Hands out buf[start, start+len) as the next line, or TK_ELIMIT when it was too long. */
static int lines_take(struct tk_lines *r, size_t len, size_t consumed, bool skipped,
                      struct tk_str *line, struct tk_err *err)
{
    const char *p = r->buf + r->start;
    r->start += consumed;
    r->lineno++;
    if (skipped || len > r->max_line)
        return tk_err_set(err, TK_ELIMIT, "%s%s:%llu: line longer than %llu bytes", r->label,
                          r->path, (unsigned long long)r->lineno, (unsigned long long)r->max_line);
    if (len && p[len - 1] == '\r')
        len--;
    *line = (struct tk_str){ p, len };
    return 1;
}

int tk_lines_next(struct tk_lines *r, struct tk_str *line, struct tk_err *err)
{
    bool skipping = false;
    for (;;) {
        size_t avail = r->end - r->start;
        const char *nl = memchr(r->buf + r->start, '\n', avail);
        if (nl) {
            size_t len = (size_t)(nl - (r->buf + r->start));
            return lines_take(r, len, len + 1, skipping, line, err);
        }
        if (r->eof) {
            if (avail)
                return lines_take(r, avail, avail, skipping, line, err);
            if (!skipping)
                return 0;
            r->lineno++;
            return tk_err_set(err, TK_ELIMIT, "%s%s:%llu: line longer than %llu bytes", r->label,
                              r->path, (unsigned long long)r->lineno,
                              (unsigned long long)r->max_line);
        }
        if (avail > r->max_line) {
            /* Too long: drop what is here and read on to the end of the line. */
            skipping = true;
            r->start = r->end = 0;
        }
        int rc = lines_fill(r, err);
        if (rc)
            return rc;
    }
}

void tk_lines_close(struct tk_lines *r)
{
    if (r->fd >= 0)
        close(r->fd);
    tk_free(r->buf);
    r->fd = -1;
    r->buf = NULL;
}

/* ---- atomic files -------------------------------------------------------------------- */

int tk_atomic_write(const char *path, const void *p, size_t n, struct tk_err *err)
{
    struct tk_atomic_file af;
    int rc = tk_atomic_open(&af, path, err);
    if (rc)
        return rc;
    if (n && fwrite(p, 1, n, af.fp) != n) {
        tk_atomic_abort(&af);
        return tk_err_set(err, TK_EIO, "%s: cannot write", path);
    }
    return tk_atomic_commit(&af, err);
}
