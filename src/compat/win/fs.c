/* fs.c - Windows implementation of the rooted, read-only file access in compat/fs.h.
 *
 * Paths are resolved a component at a time with NtCreateFile relative to the directory handle
 * above (as openat does), each opened with FILE_OPEN_REPARSE_POINT and checked, so no symbolic
 * link, junction or other reparse point below the root is followed; ".." is applied to the text
 * and stops at the root. With no root ("", NULL, "\\", "/") paths are absolute ("C:/Users/x").
 * Only regular files are read, always with full sharing. The tk_win_* helpers at the top are
 * shared with the other files of compat/win through compat/win/win.h. */
#include "compat/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>
#include <winternl.h>

#include "core/alloc.h"
#include "compat/win/win.h"

/* Missing from older mingw-w64 headers. */
#ifndef ERROR_STOPPED_ON_SYMLINK
#define ERROR_STOPPED_ON_SYMLINK 681L
#endif
#ifndef FILE_ATTRIBUTE_RECALL_ON_OPEN
#define FILE_ATTRIBUTE_RECALL_ON_OPEN 0x00040000
#endif
#ifndef FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS
#define FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS 0x00400000
#endif

_Static_assert(sizeof(((struct stat *)0)->st_size) >= 8 &&
                   sizeof(((struct stat *)0)->st_mtime) >= 8,
               "struct stat needs 64-bit sizes and times: build with -D_FILE_OFFSET_BITS=64");

/* The closest errno for a Win32 error code, for tk_err_sys and walk entries. */
int tk_win_errno(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_NOT_READY:
    case ERROR_DELETE_PENDING:
        return ENOENT;
    case ERROR_DIRECTORY:
        return ENOTDIR;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_CANT_ACCESS_FILE:
    case ERROR_NETWORK_ACCESS_DENIED:
        return EACCES;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
        return EBUSY;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return ENOMEM;
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_BUFFER_OVERFLOW:
        return ENAMETOOLONG;
    case ERROR_STOPPED_ON_SYMLINK:
    case ERROR_CANT_RESOLVE_FILENAME:
        return ELOOP;
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION:
    case ERROR_CALL_NOT_IMPLEMENTED:
        return ENOSYS;
    case ERROR_INVALID_PARAMETER:
    case ERROR_NO_UNICODE_TRANSLATION:
        return EINVAL;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        return EEXIST;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        return ENOSPC;
    case ERROR_TOO_MANY_OPEN_FILES:
        return EMFILE;
    default:
        return EIO;
    }
}

/* UTF-8 to a NUL-terminated UTF-16 copy (*out freed with tk_free): 0, TK_EINVAL when s is
 * not valid UTF-8, TK_ENOMEM. */
int tk_win_wide(const char *s, wchar_t **out)
{
    *out = NULL;
    size_t n = strlen(s);
    if (n > 0x3fffffff)
        return TK_EINVAL;
    int k = n ? MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, NULL, 0) : 0;
    if (n && k <= 0)
        return TK_EINVAL;
    wchar_t *w = tk_malloc(((size_t)k + 1) * sizeof *w);
    if (!w)
        return TK_ENOMEM;
    if (n && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, w, k) != k) {
        tk_free(w);
        return TK_EINVAL;
    }
    w[k] = L'\0';
    *out = w;
    return 0;
}

/* Appends n UTF-16 units as UTF-8 (unpaired surrogates become U+FFFD): 0, TK_ENOMEM, or
 * TK_ELIMIT past out's bound. */
int tk_win_utf8(const wchar_t *w, size_t n, struct tk_buf *out)
{
    if (n == 0)
        return tk_buf_add(out, "", 0);
    if (n > 0x0fffffff)
        return TK_ELIMIT;
    int k = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL, NULL);
    if (k <= 0)
        return TK_ENOMEM;
    char small[512];
    char *p = (size_t)k <= sizeof small ? small : tk_malloc((size_t)k);
    if (!p)
        return TK_ENOMEM;
    int rc = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, p, k, NULL, NULL) == k
                 ? tk_buf_add(out, p, (size_t)k)
                 : TK_ENOMEM;
    if (p != small)
        tk_free(p);
    return rc;
}

static bool is_letter(wchar_t c)
{
    return (c >= L'A' && c <= L'Z') || (c >= L'a' && c <= L'z');
}

/* A path named by the user, made absolute in the "\\?\" form CreateFileW takes at any length:
 * "C:\x" and "\\server\share\x". Device names ("\\.\", "CON") are refused with TK_EINVAL. */
int tk_win_full_path(const char *path, wchar_t **out)
{
    *out = NULL;
    wchar_t *w;
    int rc = tk_win_wide(path, &w);
    if (rc)
        return rc;
    for (wchar_t *p = w; *p; p++)
        if (*p == L'/')
            *p = L'\\';
    bool verbatim = wcsncmp(w, L"\\\\?\\", 4) == 0;
    DWORD n = verbatim ? (DWORD)wcslen(w) + 1 : GetFullPathNameW(w, 0, NULL, NULL);
    wchar_t *full = n ? tk_malloc(((size_t)n + 8) * sizeof *full) : NULL;
    if (!full) {
        tk_free(w);
        return n ? TK_ENOMEM : TK_EINVAL;
    }
    wchar_t *body = full + 8; /* room for the "\\?\UNC\" prefix in front */
    if (verbatim)
        wcscpy(body, w);
    else if (GetFullPathNameW(w, n, body, NULL) - 1 >= n - 1) /* 0 (failed) or too long */
        body[0] = L'\0';
    tk_free(w);
    const wchar_t *start = NULL;
    bool drive = is_letter(body[0]) && body[1] == L':' && body[2] == L'\\';
    if (verbatim) {
        bool vdrive = is_letter(body[4]) && body[5] == L':' && body[6] == L'\\';
        if (vdrive || wcsncmp(body + 4, L"UNC\\", 4) == 0)
            start = body;
    } else if (drive) {
        start = body - 4;
        memcpy(body - 4, L"\\\\?\\", 4 * sizeof *body);
    } else if (body[0] == L'\\' && body[1] == L'\\' && body[2] != L'.' && body[2] != L'?') {
        start = body - 6; /* "\\server\share": the verbatim form drops one backslash */
        memcpy(body - 6, L"\\\\?\\UNC", 7 * sizeof *body);
    }
    if (!start) {
        tk_free(full);
        return TK_EINVAL;
    }
    memmove(full, start, (wcslen(start) + 1) * sizeof *full);
    *out = full;
    return 0;
}

/* Opens name (len UTF-16 units; len 0 reopens dir itself) relative to the directory handle
 * dir, never following a reparse point, with full sharing; 0 or a Win32 error. */
DWORD tk_win_open_at(HANDLE dir, const wchar_t *name, size_t len, ACCESS_MASK access, ULONG options,
                     HANDLE *out)
{
    *out = INVALID_HANDLE_VALUE;
    if (len > 32767)
        return ERROR_FILENAME_EXCED_RANGE;
    UNICODE_STRING us = { .Length = (USHORT)(len * sizeof(wchar_t)),
                          .MaximumLength = (USHORT)(len * sizeof(wchar_t)),
                          .Buffer = (PWSTR)name };
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &us, OBJ_CASE_INSENSITIVE, dir, NULL);
    IO_STATUS_BLOCK io;
    HANDLE h = NULL;
    NTSTATUS st = NtCreateFile(&h, access | SYNCHRONIZE, &oa, &io, NULL, 0,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_OPEN,
                               options | FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT |
                                   FILE_OPEN_FOR_BACKUP_INTENT,
                               NULL, 0);
    if (!NT_SUCCESS(st))
        return RtlNtStatusToDosError(st);
    *out = h;
    return 0;
}

/* Regular on Windows: not a directory, not a reparse point (a link, or data another driver
 * supplies), not stored offline (reading it would recall it from elsewhere). */
bool tk_win_regular(DWORD attrs)
{
    return !(attrs & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT |
                      FILE_ATTRIBUTE_DEVICE | FILE_ATTRIBUTE_OFFLINE |
                      FILE_ATTRIBUTE_RECALL_ON_OPEN | FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS));
}

/* FILETIME ticks (100 ns since 1601) to Unix seconds. */
static time_t unix_time(int64_t ticks)
{
    int64_t t = ticks - INT64_C(116444736000000000);
    return (time_t)(t >= 0 ? t / 10000000 : -((-t + 9999999) / 10000000));
}

/* A directory is S_IFDIR, a regular file S_IFREG, anything else has no type bits at all. */
static unsigned short mode_of(DWORD attrs)
{
    if (attrs & FILE_ATTRIBUTE_REPARSE_POINT)
        return 0;
    if (attrs & FILE_ATTRIBUTE_DIRECTORY)
        return S_IFDIR | 0755;
    if (!tk_win_regular(attrs))
        return 0;
    return S_IFREG | ((attrs & FILE_ATTRIBUTE_READONLY) ? 0444 : 0644);
}

/* Fills st from what a directory listing or a handle tells: st_dev is the volume serial
 * number, st_ino the file id folded to the width of _ino_t, st_ctime the change time. */
void tk_win_stat_listed(struct stat *st, DWORD attrs, int64_t size, int64_t write, int64_t change,
                        int64_t access, uint64_t id, DWORD volume)
{
    memset(st, 0, sizeof *st);
    st->st_dev = volume;
    uint64_t folded = id;
    for (size_t bits = sizeof st->st_ino * 8; bits < 64; bits *= 2)
        folded ^= folded >> bits;
    st->st_ino = (_ino_t)folded;
    st->st_mode = mode_of(attrs);
    st->st_nlink = 1;
    st->st_size = size;
    st->st_mtime = unix_time(write);
    st->st_ctime = unix_time(change ? change : write);
    st->st_atime = unix_time(access);
}

/* fstat for a handle; *attrs and *id (either may be NULL) receive the file attributes and the
 * whole 64-bit file id. 0 or a Win32 error. */
DWORD tk_win_stat(HANDLE h, struct stat *st, DWORD *attrs, uint64_t *id)
{
    BY_HANDLE_FILE_INFORMATION bi;
    FILE_BASIC_INFO basic;
    if (!GetFileInformationByHandle(h, &bi))
        return GetLastError();
    int64_t change = 0;
    if (GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic))
        change = basic.ChangeTime.QuadPart;
#define TICKS(ft) ((int64_t)(((uint64_t)(ft).dwHighDateTime << 32) | (ft).dwLowDateTime))
    tk_win_stat_listed(
        st, bi.dwFileAttributes, (int64_t)(((uint64_t)bi.nFileSizeHigh << 32) | bi.nFileSizeLow),
        TICKS(bi.ftLastWriteTime), change, TICKS(bi.ftLastAccessTime),
        ((uint64_t)bi.nFileIndexHigh << 32) | bi.nFileIndexLow, bi.dwVolumeSerialNumber);
#undef TICKS
    st->st_nlink = (short)(bi.nNumberOfLinks > 0x7fff ? 0x7fff : bi.nNumberOfLinks);
    if (attrs)
        *attrs = bi.dwFileAttributes;
    if (id)
        *id = ((uint64_t)bi.nFileIndexHigh << 32) | bi.nFileIndexLow;
    return 0;
}

/* ---- the rooted tree ------------------------------------------------------------------- */

#define DIR_ACCESS (FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES)

struct tk_fs {
    HANDLE root; /* INVALID_HANDLE_VALUE: paths are absolute, from a drive's root */
    char *root_text;
    char *label; /* prefix of paths in messages */
};

struct tk_fs_dir {
    HANDLE h;
    bool restart, done;
    FILE_ID_BOTH_DIR_INFO *next; /* next entry in buf, NULL when buf is used up */
    struct tk_buf name;
    _Alignas(8) unsigned char buf[32 * 1024];
};

/* Fills err for a failed Win32 call on label+path. */
static int fail(struct tk_err *err, DWORD e, const char *label, const char *path, const char *what)
{
    if (e == ERROR_STOPPED_ON_SYMLINK)
        return tk_err_set(err, TK_EINVAL,
                          "%s%s: %s: a symbolic link, junction or other reparse point is in the "
                          "way and is not followed",
                          label, path, what);
    if (e == ERROR_BAD_PATHNAME)
        return tk_err_set(err, TK_ENOENT, "%s%s: %s: not a path below a drive (\"C:/...\")", label,
                          path, what);
    if (e == ERROR_NO_UNICODE_TRANSLATION)
        return tk_err_set(err, TK_EINVAL, "%s%s: %s: not valid UTF-8", label, path, what);
    if (e == ERROR_SHARING_VIOLATION || e == ERROR_LOCK_VIOLATION)
        return tk_err_set(err, TK_EIO,
                          "%s%s: %s: another program holds it and shares it with no one", label,
                          path, what);
    int en = tk_win_errno(e);
    if (en == EIO)
        return tk_err_set(err, TK_EIO, "%s%s: %s: Windows error %lu", label, path, what,
                          (unsigned long)e);
    return tk_err_sys(err, en, "%s%s: %s", label, path, what);
}

static bool is_sep(wchar_t c)
{
    return c == L'/' || c == L'\\';
}

static bool is_drive_path(const char *p)
{
    return ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' &&
           (p[2] == '\0' || p[2] == '/' || p[2] == '\\');
}

int tk_fs_open(struct tk_fs **out, const char *root, const char *label, struct tk_err *err)
{
    *out = NULL;
    const char *text = root ? root : "";
    bool absolute = !text[0] || strcmp(text, "\\") == 0 || strcmp(text, "/") == 0;
    HANDLE h = INVALID_HANDLE_VALUE;
    if (!absolute) {
        /* "C:" alone would be the current directory of drive C: the drive's root is meant */
        char drive[4] = { text[0], ':', '\\', '\0' };
        bool bare = is_drive_path(text) && text[2] == '\0';
        wchar_t *w;
        int rc = tk_win_full_path(bare ? drive : text, &w);
        if (rc == TK_ENOMEM)
            return tk_err_set(err, rc, "%s: out of memory", text);
        if (rc)
            return tk_err_set(err, TK_EINVAL, "%s: not a directory path on a drive or share", text);
        h = CreateFileW(w, DIR_ACCESS | SYNCHRONIZE,
                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                        FILE_FLAG_BACKUP_SEMANTICS, NULL);
        tk_free(w);
        if (h == INVALID_HANDLE_VALUE)
            return fail(err, GetLastError(), text, "", "cannot open the root directory");
        BY_HANDLE_FILE_INFORMATION bi;
        if (!GetFileInformationByHandle(h, &bi) ||
            !(bi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
            CloseHandle(h);
            return tk_err_set(err, TK_ENOENT, "%s: the root is not a directory", text);
        }
    }
    struct tk_fs *fs = tk_calloc(1, sizeof *fs);
    char *copy = tk_strdup(text), *lcopy = tk_strdup(label ? label : "");
    if (!fs || !copy || !lcopy) {
        tk_free(fs);
        tk_free(copy);
        tk_free(lcopy);
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", text);
    }
    fs->root = h;
    fs->root_text = copy;
    fs->label = lcopy;
    *out = fs;
    return 0;
}

void tk_fs_free(struct tk_fs *fs)
{
    if (!fs)
        return;
    if (fs->root != INVALID_HANDLE_VALUE)
        CloseHandle(fs->root);
    tk_free(fs->root_text);
    tk_free(fs->label);
    tk_free(fs);
}

const char *tk_fs_root(const struct tk_fs *fs)
{
    return fs->root_text;
}

const char *tk_fs_label(const struct tk_fs *fs)
{
    return fs->label;
}

/* A path resolved up to its last component: that component (name, len; len 0 when the path
 * names the top itself) is to be opened relative to dir. */
struct target {
    HANDLE dir;
    bool own_dir;
    wchar_t *w; /* the path in UTF-16; name points into it */
    const wchar_t *name;
    size_t len;
};

static void target_release(struct target *t)
{
    if (t->own_dir)
        CloseHandle(t->dir);
    tk_free(t->w);
    memset(t, 0, sizeof *t);
}

/* Opens every directory on the way to path's last component; 0 or a Win32 error. */
static DWORD resolve(struct tk_fs *fs, const char *path, struct target *t)
{
    memset(t, 0, sizeof *t);
    const char *rest = path ? path : "";
    HANDLE top = fs->root;
    bool own = false;
    if (top == INVALID_HANDLE_VALUE) {
        if (!is_drive_path(rest))
            return ERROR_BAD_PATHNAME;
        wchar_t drive[] = L"\\\\?\\C:\\";
        drive[4] = (wchar_t)rest[0];
        top = CreateFileW(drive, DIR_ACCESS | SYNCHRONIZE,
                          FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                          OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
        if (top == INVALID_HANDLE_VALUE)
            return GetLastError();
        own = true;
        rest += 2;
    }
    int rc = tk_win_wide(rest, &t->w);
    if (rc) {
        if (own)
            CloseHandle(top);
        return rc == TK_ENOMEM ? ERROR_NOT_ENOUGH_MEMORY : ERROR_NO_UNICODE_TRANSLATION;
    }
    /* Cut the text into components in place; "." goes, ".." takes the one before (none at
     * the top: the root's parent is the root, as with RESOLVE_IN_ROOT). */
    size_t wl = wcslen(t->w), n = 0;
    struct comp {
        const wchar_t *p;
        size_t n;
    } *c = tk_malloc((wl / 2 + 2) * sizeof *c);
    if (!c) {
        if (own)
            CloseHandle(top);
        tk_free(t->w);
        t->w = NULL;
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    DWORD e = 0;
    for (size_t i = 0; i < wl;) {
        while (i < wl && is_sep(t->w[i]))
            i++;
        size_t s = i;
        while (i < wl && !is_sep(t->w[i]))
            i++;
        size_t len = i - s;
        const wchar_t *p = t->w + s;
        if (len == 0 || (len == 1 && p[0] == L'.'))
            continue;
        if (len == 2 && p[0] == L'.' && p[1] == L'.') {
            if (n)
                n--;
            continue;
        }
        if (wmemchr(p, L':', len)) /* "name:stream" and "C:" are not names */
            e = ERROR_INVALID_NAME;
        c[n++] = (struct comp){ p, len };
    }
    HANDLE cur = top;
    bool own_cur = own;
    for (size_t i = 0; !e && i + 1 < n; i++) {
        HANDLE next;
        e = tk_win_open_at(cur, c[i].p, c[i].n, FILE_TRAVERSE | FILE_READ_ATTRIBUTES,
                           FILE_DIRECTORY_FILE, &next);
        if (e == ERROR_DIRECTORY)
            e = ERROR_PATH_NOT_FOUND;
        if (e)
            break;
        FILE_ATTRIBUTE_TAG_INFO ti;
        if (!GetFileInformationByHandleEx(next, FileAttributeTagInfo, &ti, sizeof ti))
            e = GetLastError();
        else if (ti.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
            e = ERROR_STOPPED_ON_SYMLINK;
        if (own_cur)
            CloseHandle(cur);
        cur = next;
        own_cur = true;
        if (e)
            break;
    }
    if (e) {
        if (own_cur)
            CloseHandle(cur);
        tk_free(c);
        tk_free(t->w);
        t->w = NULL;
        return e;
    }
    t->dir = cur;
    t->own_dir = own_cur;
    if (n) {
        t->name = c[n - 1].p;
        t->len = c[n - 1].n;
    }
    tk_free(c);
    return 0;
}

/* Opens path's last component with access (never following it); 0 or a Win32 error. */
static DWORD open_path(struct tk_fs *fs, const char *path, ACCESS_MASK access, ULONG options,
                       HANDLE *out)
{
    struct target t;
    DWORD e = resolve(fs, path, &t);
    if (e)
        return e;
    e = tk_win_open_at(t.dir, t.name, t.len, access, options, out);
    target_release(&t);
    return e;
}

/* Opens the regular file at path for reading: looked at first through a handle that can
 * only read attributes, then reopened through that handle, so the file checked is the file
 * read. */
static int open_regular(struct tk_fs *fs, const char *path, HANDLE *out, struct stat *st,
                        struct tk_err *err)
{
    *out = INVALID_HANDLE_VALUE;
    HANDLE a, h;
    DWORD attrs = 0, e = open_path(fs, path, FILE_READ_ATTRIBUTES, 0, &a);
    if (e)
        return fail(err, e, fs->label, path, "cannot open");
    e = tk_win_stat(a, st, &attrs, NULL);
    if (e) {
        CloseHandle(a);
        return fail(err, e, fs->label, path, "cannot stat");
    }
    if (!tk_win_regular(attrs)) {
        CloseHandle(a);
        return tk_err_set(err, TK_EINVAL, "%s%s: not a regular file", fs->label, path);
    }
    e = tk_win_open_at(a, L"", 0, FILE_READ_DATA | FILE_READ_ATTRIBUTES,
                       FILE_NON_DIRECTORY_FILE | FILE_SEQUENTIAL_ONLY, &h);
    CloseHandle(a);
    if (e)
        return fail(err, e, fs->label, path, "cannot open");
    if (GetFileType(h) != FILE_TYPE_DISK) {
        CloseHandle(h);
        return tk_err_set(err, TK_EINVAL, "%s%s: not a regular file", fs->label, path);
    }
    *out = h;
    return 0;
}

/* A CRT descriptor owning h (closed with close()); -1 and h closed when the table is full. */
static int handle_fd(HANDLE h)
{
    int fd = _open_osfhandle((intptr_t)h, _O_RDONLY | _O_BINARY);
    if (fd < 0)
        CloseHandle(h);
    return fd;
}

int tk_fs_open_read(struct tk_fs *fs, const char *path, int *fd, struct tk_err *err)
{
    *fd = -1;
    HANDLE h;
    struct stat st;
    int rc = open_regular(fs, path, &h, &st, err);
    if (rc)
        return rc;
    *fd = handle_fd(h);
    if (*fd < 0)
        return tk_err_set(err, TK_ELIMIT, "%s%s: too many open files", fs->label, path);
    return 0;
}

/* Appends up to n bytes from offset (or from the current position when offset is NULL) to
 * out; stops early at the end of the file. */
static int read_into(HANDLE h, uint64_t *offset, size_t n, struct tk_buf *out, const char *label,
                     const char *path, struct tk_err *err)
{
    while (n) {
        size_t want = n < 65536 ? n : 65536;
        char tmp[65536];
        DWORD got = 0;
        OVERLAPPED ov = { 0 };
        if (offset) {
            ov.Offset = (DWORD)*offset;
            ov.OffsetHigh = (DWORD)(*offset >> 32);
        }
        if (!ReadFile(h, tmp, (DWORD)want, &got, offset ? &ov : NULL)) {
            DWORD e = GetLastError();
            if (e == ERROR_HANDLE_EOF)
                return 0;
            return fail(err, e, label, path, "read failed");
        }
        if (got == 0)
            return 0;
        int rc = tk_buf_add(out, tmp, got);
        if (rc == TK_ELIMIT)
            return tk_err_set(err, rc, "%s%s: larger than the limit of %llu bytes", label, path,
                              (unsigned long long)out->max);
        if (rc)
            return tk_err_set(err, rc, "%s%s: out of memory", label, path);
        n -= got;
        if (offset)
            *offset += got;
    }
    return 0;
}

int64_t tk_fd_pread(int fd, void *buf, size_t n, uint64_t offset)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    OVERLAPPED ov = { .Offset = (DWORD)offset, .OffsetHigh = (DWORD)(offset >> 32) };
    DWORD got = 0;
    /* the position moves with a synchronous handle; nothing here depends on it */
    if (!ReadFile(h, buf, n > 0x40000000 ? 0x40000000 : (DWORD)n, &got, &ov)) {
        if (GetLastError() == ERROR_HANDLE_EOF)
            return 0;
        errno = EIO;
        return -1;
    }
    return got;
}

int tk_fs_read(struct tk_fs *fs, const char *path, struct tk_buf *out, struct tk_err *err)
{
    HANDLE h;
    struct stat st;
    int rc = open_regular(fs, path, &h, &st, err);
    if (rc)
        return rc;
    if ((uint64_t)st.st_size > out->max - out->len)
        rc = tk_err_set(err, TK_ELIMIT, "%s%s: larger than the limit of %llu bytes", fs->label,
                        path, (unsigned long long)out->max);
    else
        rc = read_into(h, NULL, SIZE_MAX, out, fs->label, path, err);
    CloseHandle(h);
    return rc;
}

int tk_fs_read_head(struct tk_fs *fs, const char *path, size_t n, struct tk_buf *out,
                    struct tk_err *err)
{
    HANDLE h;
    struct stat st;
    int rc = open_regular(fs, path, &h, &st, err);
    if (rc)
        return rc;
    rc = read_into(h, NULL, n, out, fs->label, path, err);
    CloseHandle(h);
    return rc;
}

int tk_fs_read_range(struct tk_fs *fs, const char *path, uint64_t offset, size_t n,
                     struct tk_buf *out, struct tk_err *err)
{
    HANDLE h;
    struct stat st;
    int rc = open_regular(fs, path, &h, &st, err);
    if (rc)
        return rc;
    if (offset > (uint64_t)st.st_size || n > (uint64_t)st.st_size - offset) {
        CloseHandle(h);
        return tk_err_set(err, TK_EPARSE, "%s%s: range %llu+%llu lies beyond the end of the file",
                          fs->label, path, (unsigned long long)offset, (unsigned long long)n);
    }
    size_t before = out->len;
    rc = read_into(h, &offset, n, out, fs->label, path, err);
    if (!rc && out->len - before != n)
        rc = tk_err_set(err, TK_EIO, "%s%s: the file shrank while being read", fs->label, path);
    CloseHandle(h);
    return rc;
}

int tk_fs_stat(struct tk_fs *fs, const char *path, bool follow, struct stat *st, struct tk_err *err)
{
    (void)follow; /* reparse points are never followed, so stat is lstat */
    HANDLE h;
    DWORD e = open_path(fs, path, FILE_READ_ATTRIBUTES, 0, &h);
    if (e)
        return fail(err, e, fs->label, path, "cannot stat");
    e = tk_win_stat(h, st, NULL, NULL);
    CloseHandle(h);
    if (e)
        return fail(err, e, fs->label, path, "cannot stat");
    return 0;
}

int tk_fs_readlink(struct tk_fs *fs, const char *path, struct tk_buf *out, struct tk_err *err)
{
    return tk_err_set(err, TK_EUNSUPP, "%s%s: symbolic links are not read on Windows", fs->label,
                      path);
}

/* Opens the directory at path (not a reparse point) for listing; 0 or a Win32 error. */
static DWORD open_dir(struct tk_fs *fs, const char *path, HANDLE *out)
{
    HANDLE h;
    DWORD e = open_path(fs, path, DIR_ACCESS, FILE_DIRECTORY_FILE, &h);
    if (e)
        return e;
    FILE_ATTRIBUTE_TAG_INFO ti;
    if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &ti, sizeof ti))
        e = GetLastError();
    else if (ti.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
        e = ERROR_STOPPED_ON_SYMLINK;
    if (e) {
        CloseHandle(h);
        return e;
    }
    *out = h;
    return 0;
}

/* The descriptor is a CRT descriptor owning a directory handle: it is good for
 * _get_osfhandle and close(), which is what the Windows walker does with it. */
int tk_fs_open_dir_fd(struct tk_fs *fs, const char *path, int *fd, struct tk_err *err)
{
    *fd = -1;
    HANDLE h;
    DWORD e = open_dir(fs, path, &h);
    if (e)
        return fail(err, e, fs->label, path, "cannot open the directory");
    *fd = handle_fd(h);
    if (*fd < 0)
        return tk_err_set(err, TK_ELIMIT, "%s%s: too many open files", fs->label, path);
    return 0;
}

int tk_fs_dir_open(struct tk_fs *fs, const char *path, struct tk_fs_dir **out, struct tk_err *err)
{
    *out = NULL;
    HANDLE h;
    DWORD e = open_dir(fs, path, &h);
    if (e)
        return fail(err, e, fs->label, path, "cannot open the directory");
    struct tk_fs_dir *d = tk_calloc(1, sizeof *d);
    if (!d) {
        CloseHandle(h);
        return tk_err_set(err, TK_ENOMEM, "%s%s: out of memory", fs->label, path);
    }
    d->h = h;
    d->restart = true;
    tk_buf_init(&d->name, 4 * 255 + 1);
    *out = d;
    return 0;
}

const char *tk_fs_dir_next(struct tk_fs_dir *d, bool *is_dir)
{
    for (;;) {
        if (!d->next) {
            if (d->done)
                return NULL;
            FILE_INFO_BY_HANDLE_CLASS cls =
                d->restart ? FileIdBothDirectoryRestartInfo : FileIdBothDirectoryInfo;
            d->restart = false;
            if (!GetFileInformationByHandleEx(d->h, cls, d->buf, sizeof d->buf)) {
                d->done = true; /* ERROR_NO_MORE_FILES, or a listing that failed part-way */
                return NULL;
            }
            d->next = (FILE_ID_BOTH_DIR_INFO *)d->buf;
        }
        FILE_ID_BOTH_DIR_INFO *e = d->next;
        d->next =
            e->NextEntryOffset ? (FILE_ID_BOTH_DIR_INFO *)((char *)e + e->NextEntryOffset) : NULL;
        size_t n = e->FileNameLength / sizeof(wchar_t);
        const wchar_t *w = e->FileName;
        if ((n == 1 && w[0] == L'.') || (n == 2 && w[0] == L'.' && w[1] == L'.'))
            continue;
        tk_buf_reset(&d->name);
        if (tk_win_utf8(w, n, &d->name) != 0)
            continue; /* longer than any name a file system allows */
        if (is_dir)
            *is_dir = (e->FileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
                      !(e->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT);
        return tk_buf_cstr(&d->name);
    }
}

int tk_fs_dir_readlink(struct tk_fs_dir *d, const char *name, struct tk_buf *out)
{
    return TK_EUNSUPP;
}

void tk_fs_dir_close(struct tk_fs_dir *d)
{
    if (!d)
        return;
    CloseHandle(d->h);
    tk_buf_release(&d->name);
    tk_free(d);
}

/* ---- line reader ----------------------------------------------------------------------- */

/* ---- a file named by the user ---------------------------------------------------------- */

int tk_read_file(const char *path, struct tk_buf *out, struct tk_err *err)
{
    wchar_t *w;
    int rc = tk_win_full_path(path, &w);
    if (rc == TK_ENOMEM)
        return tk_err_set(err, rc, "%s: out of memory", path);
    if (rc)
        return tk_err_set(err, TK_EINVAL, "%s: not a file path on a drive or share", path);
    /* Backup semantics let a directory open too, so it is refused as not a regular file
     * rather than as access denied. */
    HANDLE h =
        CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    tk_free(w);
    if (h == INVALID_HANDLE_VALUE)
        return fail(err, GetLastError(), "", path, "cannot open");
    struct stat st;
    DWORD attrs = 0;
    if (GetFileType(h) != FILE_TYPE_DISK || tk_win_stat(h, &st, &attrs, NULL) != 0 ||
        (attrs & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_OFFLINE))) {
        CloseHandle(h);
        return tk_err_set(err, TK_EINVAL, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > out->max - out->len)
        rc = tk_err_set(err, TK_ELIMIT, "%s: larger than %llu MB", path,
                        (unsigned long long)(out->max >> 20));
    else
        rc = read_into(h, NULL, SIZE_MAX, out, "", path, err);
    CloseHandle(h);
    return rc;
}
