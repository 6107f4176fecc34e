/* walk.c - the Windows directory walker behind compat/walk.h.
 *
 * One open directory handle per level (an explicit stack, no recursion). A directory is listed
 * through its handle (FileIdBothDirectoryInfo, which also gives each entry's attributes and
 * file id) and every entry is opened relative to that handle with FILE_OPEN_REPARSE_POINT, the
 * way the POSIX walker uses openat and O_NOFOLLOW: nothing below the start is reached through a
 * symbolic link or junction, and a directory renamed or replaced mid-walk cannot lead the walk
 * elsewhere. Reparse points and files stored offline are reported, never entered or read; a
 * regular file is handed to the callback as a CRT descriptor only when the file opened is the
 * file listed. Network volumes are the "special" file systems here. */
#include "compat/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <string.h>
#include <windows.h>
#include <winternl.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "compat/win/win.h"


#ifndef FILE_REMOTE_DEVICE
#define FILE_REMOTE_DEVICE 0x00000010
#endif

/* Paths longer than this are reported as errors (ENAMETOOLONG) rather than built. */
#define PATH_MAX_LEN (64 * 1024)
/* Listing buffer per level: a few hundred entries per call. */
#define LIST_BUF (32 * 1024)

#define DIR_ACCESS (FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES)

static const char *special_handle(HANDLE h)
{
    FILE_FS_DEVICE_INFORMATION di;
    IO_STATUS_BLOCK io;
    if (!NT_SUCCESS(NtQueryVolumeInformationFile(h, &io, &di, sizeof di, FileFsDeviceInformation)))
        return NULL;
    if (di.DeviceType == FILE_DEVICE_NETWORK_FILE_SYSTEM ||
        (di.Characteristics & FILE_REMOTE_DEVICE))
        return "network";
    return NULL;
}

const char *tk_walk_special_fs(int fd)
{
    intptr_t h = _get_osfhandle(fd);
    return h == -1 ? NULL : special_handle((HANDLE)h);
}

struct frame {
    HANDLE dir;
    int fd;         /* the start directory's CRT descriptor (owns dir), else -1 */
    size_t pathlen; /* length of the directory's path in the walk's buffer */
    DWORD volume;   /* serial number of the volume it is on */
    bool restart;   /* the listing has not been started */
    unsigned char *buf;
    FILE_ID_BOTH_DIR_INFO *next; /* next entry in buf; NULL: list more */
};

struct walk {
    const struct tk_walk_opts *o;
    tk_walk_fn fn;
    void *ud;
    struct tk_buf path;
    char sep; /* '/' or '\\', as the start path was written */
    DWORD start_volume;
    struct frame stack[TK_WALK_MAX_DEPTH + 1];
    unsigned char *bufs[TK_WALK_MAX_DEPTH + 1]; /* listing buffers, kept for reuse per level */
    int depth;
};

static int report(struct walk *w, enum tk_walk_kind kind, size_t dirlen, const struct stat *st,
                  int error)
{
    struct tk_walk_entry e = {
        .kind = kind, .path = tk_buf_cstr(&w->path), .dirlen = dirlen, .fd = -1, .error = error
    };
    if (st)
        e.st = *st;
    return w->fn(w->ud, &e);
}

static bool stopped(const struct walk *w)
{
    return w->o->stop && *w->o->stop;
}

/* Gone between listing and opening: not worth a report. */
static bool vanished(DWORD e)
{
    return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == ERROR_DELETE_PENDING;
}

/* Pushes the directory open at h (taking it); on failure h is closed. */
static int push(struct walk *w, HANDLE h, int fd, DWORD volume)
{
    int d = w->depth + 1;
    if (!w->bufs[d] && !(w->bufs[d] = tk_malloc(LIST_BUF))) {
        if (fd >= 0)
            _close(fd);
        else
            CloseHandle(h);
        return ENOMEM;
    }
    w->depth = d;
    w->stack[d] = (struct frame){ .dir = h,
                                  .fd = fd,
                                  .pathlen = w->path.len,
                                  .volume = volume,
                                  .restart = true,
                                  .buf = w->bufs[d] };
    return 0;
}

static void pop(struct walk *w)
{
    struct frame *f = &w->stack[w->depth--];
    if (f->fd >= 0)
        _close(f->fd);
    else
        CloseHandle(f->dir);
}

/* A directory entry that is a directory: decide whether and how to enter it. */
static int enter_dir(struct walk *w, const FILE_ID_BOTH_DIR_INFO *e, size_t dirlen,
                     const struct stat *listed)
{
    if (w->depth >= TK_WALK_MAX_DEPTH)
        return report(w, TK_WALK_TOO_DEEP, dirlen, NULL, 0);
    struct frame *f = &w->stack[w->depth];
    HANDLE h;
    DWORD err = tk_win_open_at(f->dir, e->FileName, e->FileNameLength / sizeof(wchar_t), DIR_ACCESS,
                               FILE_DIRECTORY_FILE, &h);
    if (err)
        return vanished(err) ? 0 : report(w, TK_WALK_ERROR, dirlen, listed, tk_win_errno(err));
    struct stat st;
    DWORD attrs = 0;
    err = tk_win_stat(h, &st, &attrs, NULL);
    if (err) {
        CloseHandle(h);
        return report(w, TK_WALK_ERROR, dirlen, listed, tk_win_errno(err));
    }
    if (attrs & FILE_ATTRIBUTE_REPARSE_POINT) {
        /* Replaced by a link or junction since it was listed. */
        CloseHandle(h);
        return report(w, TK_WALK_SPECIAL, dirlen, &st, 0);
    }
    if (st.st_dev != w->start_volume &&
        (!w->o->cross_fs || (!w->o->special_fs && special_handle(h)))) {
        CloseHandle(h);
        return report(w, TK_WALK_OTHER_FS, dirlen, &st, 0);
    }
    int error = push(w, h, -1, st.st_dev);
    return error ? report(w, TK_WALK_ERROR, dirlen, &st, error) : 0;
}

static int visit_file(struct walk *w, const FILE_ID_BOTH_DIR_INFO *e, size_t dirlen,
                      const struct stat *listed)
{
    if (w->o->metadata_only) {
        struct tk_walk_entry m = { .kind = TK_WALK_FILE,
                                   .path = tk_buf_cstr(&w->path),
                                   .dirlen = dirlen,
                                   .fd = -1,
                                   .st = *listed };
        return w->fn(w->ud, &m);
    }
    if (w->o->max_size && (uint64_t)listed->st_size > w->o->max_size)
        return report(w, TK_WALK_TOO_LARGE, dirlen, listed, 0);
    struct frame *f = &w->stack[w->depth];
    HANDLE h;
    DWORD err = tk_win_open_at(f->dir, e->FileName, e->FileNameLength / sizeof(wchar_t),
                               FILE_READ_DATA | FILE_READ_ATTRIBUTES,
                               FILE_NON_DIRECTORY_FILE | FILE_SEQUENTIAL_ONLY, &h);
    if (err)
        return vanished(err) ? 0 : report(w, TK_WALK_ERROR, dirlen, listed, tk_win_errno(err));
    struct tk_walk_entry ent = {
        .kind = TK_WALK_FILE, .path = tk_buf_cstr(&w->path), .dirlen = dirlen, .fd = -1
    };
    DWORD attrs = 0;
    uint64_t id = 0, listed_id = (uint64_t)e->FileId.QuadPart;
    err = tk_win_stat(h, &ent.st, &attrs, &id);
    if (err) {
        CloseHandle(h);
        return report(w, TK_WALK_ERROR, dirlen, listed, tk_win_errno(err));
    }
    if (!tk_win_regular(attrs) || GetFileType(h) != FILE_TYPE_DISK ||
        (listed_id && id != listed_id)) {
        /* Swapped between listing and opening: report what was listed, read nothing. */
        CloseHandle(h);
        return tk_win_regular(attrs) ? report(w, TK_WALK_ERROR, dirlen, listed, EAGAIN)
                                     : report(w, TK_WALK_SPECIAL, dirlen, &ent.st, 0);
    }
    if (w->o->max_size && (uint64_t)ent.st.st_size > w->o->max_size) {
        CloseHandle(h);
        return report(w, TK_WALK_TOO_LARGE, dirlen, &ent.st, 0);
    }
    ent.fd = _open_osfhandle((intptr_t)h, _O_RDONLY | _O_BINARY);
    if (ent.fd < 0) {
        CloseHandle(h);
        return report(w, TK_WALK_ERROR, dirlen, &ent.st, EMFILE);
    }
    return w->fn(w->ud, &ent);
}

/* One entry of the directory on top of the stack. */
static int visit(struct walk *w, const FILE_ID_BOTH_DIR_INFO *e)
{
    const wchar_t *name = e->FileName;
    size_t n = e->FileNameLength / sizeof(wchar_t);
    if ((n == 1 && name[0] == L'.') || (n == 2 && name[0] == L'.' && name[1] == L'.'))
        return 0;
    struct frame *f = &w->stack[w->depth];
    size_t dirlen = f->pathlen;
    tk_buf_truncate(&w->path, dirlen);
    if (tk_buf_addc(&w->path, w->sep) != 0 || tk_win_utf8(name, n, &w->path) != 0 ||
        w->path.len > PATH_MAX_LEN) {
        tk_buf_truncate(&w->path, dirlen);
        tk_buf_addc(&w->path, w->sep);
        tk_buf_adds(&w->path, "\xe2\x80\xa6"); /* "…" */
        return report(w, TK_WALK_ERROR, dirlen, NULL, ENAMETOOLONG);
    }
    DWORD attrs = e->FileAttributes;
    struct stat listed;
    tk_win_stat_listed(&listed, attrs, e->EndOfFile.QuadPart, e->LastWriteTime.QuadPart,
                       e->ChangeTime.QuadPart, e->LastAccessTime.QuadPart,
                       (uint64_t)e->FileId.QuadPart, f->volume);
    bool reparse = attrs & FILE_ATTRIBUTE_REPARSE_POINT;
    bool is_dir = (attrs & FILE_ATTRIBUTE_DIRECTORY) && !reparse;
    if (w->o->exclude && w->o->exclude(w->o->exclude_ud, tk_buf_cstr(&w->path), is_dir))
        return report(w, TK_WALK_EXCLUDED, dirlen, NULL, 0);
    if (is_dir)
        return enter_dir(w, e, dirlen, &listed);
    if (!tk_win_regular(attrs)) /* links, junctions, other reparse points, offline files */
        return report(w, TK_WALK_SPECIAL, dirlen, &listed, 0);
    return visit_file(w, e, dirlen, &listed);
}

/* The next entry of the directory on top of the stack, listing more when needed; NULL at its
 * end (the directory is popped, after reporting a listing that failed). */
static const FILE_ID_BOTH_DIR_INFO *next_entry(struct walk *w, int *rc)
{
    struct frame *f = &w->stack[w->depth];
    if (!f->next) {
        FILE_INFO_BY_HANDLE_CLASS cls =
            f->restart ? FileIdBothDirectoryRestartInfo : FileIdBothDirectoryInfo;
        if (!GetFileInformationByHandleEx(f->dir, cls, f->buf, LIST_BUF)) {
            DWORD e = GetLastError();
            if (e != ERROR_NO_MORE_FILES && e != ERROR_FILE_NOT_FOUND) {
                tk_buf_truncate(&w->path, f->pathlen);
                *rc = report(w, TK_WALK_ERROR, f->pathlen, NULL, tk_win_errno(e));
            }
            pop(w);
            return NULL;
        }
        f->restart = false;
        f->next = (FILE_ID_BOTH_DIR_INFO *)f->buf;
    }
    FILE_ID_BOTH_DIR_INFO *e = f->next;
    f->next = e->NextEntryOffset
                  ? (FILE_ID_BOTH_DIR_INFO *)((unsigned char *)e + e->NextEntryOffset)
                  : NULL;
    return e;
}

int tk_walk(struct tk_fs *fs, const char *path, const struct tk_walk_opts *o, tk_walk_fn fn,
            void *ud, struct tk_err *err)
{
    int fd, rc = tk_fs_open_dir_fd(fs, path, &fd, err);
    if (rc)
        return rc;
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    struct stat st;
    DWORD e = tk_win_stat(h, &st, NULL, NULL);
    if (e) {
        _close(fd);
        return tk_err_sys(err, tk_win_errno(e), "%s%s: cannot stat", tk_fs_label(fs), path);
    }
    const char *special = o->special_fs ? NULL : special_handle(h);
    if (special) {
        _close(fd);
        return tk_err_set(err, TK_EINVAL, "%s%s: a %s file system, not walked", tk_fs_label(fs),
                          path, special);
    }
    struct walk *w = tk_calloc(1, sizeof *w);
    if (!w) {
        _close(fd);
        return tk_err_set(err, TK_ENOMEM, "%s%s: out of memory", tk_fs_label(fs), path);
    }
    *w = (struct walk){ .o = o,
                        .fn = fn,
                        .ud = ud,
                        .path = TK_BUF_INIT(PATH_MAX_LEN + 4096),
                        .sep = strchr(path, '\\') ? '\\' : '/',
                        .start_volume = st.st_dev,
                        .depth = -1 };
    /* Display paths: the start as given, without trailing separators ("/" becomes "" and
     * "C:/" becomes "C:", so children come out as "/Users" and "C:/Users"). */
    size_t n = strlen(path);
    while (n > 0 && (path[n - 1] == '/' || path[n - 1] == '\\'))
        n--;
    int error = 0;
    if (tk_buf_add(&w->path, path, n) != 0) {
        _close(fd);
        rc = tk_err_set(err, TK_ELIMIT, "%s: path too long", path);
    } else if ((error = push(w, h, fd, st.st_dev)) != 0) {
        rc = tk_err_sys(err, error, "%s%s: cannot list the directory", tk_fs_label(fs), path);
    }
    while (!rc && w->depth >= 0 && !stopped(w)) {
        const FILE_ID_BOTH_DIR_INFO *ent = next_entry(w, &rc);
        if (ent)
            rc = visit(w, ent);
    }
    while (w->depth >= 0)
        pop(w);
    for (size_t i = 0; i <= TK_WALK_MAX_DEPTH; i++)
        tk_free(w->bufs[i]);
    tk_buf_release(&w->path);
    tk_free(w);
    return rc;
}
