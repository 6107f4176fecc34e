/* sys.c - compat/sys.h on Windows: random bytes from BCryptGenRandom, "privileged" as an
 * elevated token, the system drive as the root, background priority, %LOCALAPPDATA%, the
 * computer's name and version, and atomic replacement of a file (a temporary file beside it,
 * flushed, then moved over it with MoveFileExW). */
#include "compat/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <string.h>
#include <windows.h> /* before the other Windows headers, which need its types */
#include <bcrypt.h>

#include "core/alloc.h"
#include "compat/win/win.h"


#ifndef ERROR_PROCESS_MODE_ALREADY_BACKGROUND /* missing from mingw-w64's winerror.h */
#define ERROR_PROCESS_MODE_ALREADY_BACKGROUND 402L
#endif
#ifndef BCRYPT_SUCCESS
#define BCRYPT_SUCCESS(status) ((NTSTATUS)(status) >= 0)
#endif

int tk_sys_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ULONG k = n > 0x40000000 ? 0x40000000 : (ULONG)n;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, k, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return TK_EIO;
        p += k;
        n -= k;
    }
    return 0;
}

bool tk_sys_privileged(void)
{
    HANDLE tok;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return false;
    TOKEN_ELEVATION el = { 0 };
    DWORD n = 0;
    bool elevated =
        GetTokenInformation(tok, TokenElevation, &el, sizeof el, &n) && el.TokenIsElevated;
    CloseHandle(tok);
    return elevated;
}

int tk_sys_pid(void)
{
    return (int)GetCurrentProcessId();
}

int tk_sys_ncpu(void)
{
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS); /* beyond 64, across groups */
    if (n == 0) {
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        n = si.dwNumberOfProcessors;
    }
    return n > 0 && n < 0x7fffffff ? (int)n : 1;
}

bool tk_sys_isatty(int fd)
{
    /* _isatty is true for any character device, NUL included; a console answers
     * GetConsoleMode. */
    if (!_isatty(fd))
        return false;
    intptr_t h = _get_osfhandle(fd);
    DWORD mode;
    return h != -1 && GetConsoleMode((HANDLE)h, &mode);
}

const char *tk_sys_os_family(void)
{
    return "windows";
}

/* The drive Windows was started from, as "C:\\"; C: when it cannot be told. */
const char *tk_sys_system_root(void)
{
    static const char roots[26][4] = {
        "A:\\", "B:\\", "C:\\", "D:\\", "E:\\", "F:\\", "G:\\", "H:\\", "I:\\",
        "J:\\", "K:\\", "L:\\", "M:\\", "N:\\", "O:\\", "P:\\", "Q:\\", "R:\\",
        "S:\\", "T:\\", "U:\\", "V:\\", "W:\\", "X:\\", "Y:\\", "Z:\\",
    };
    wchar_t dir[MAX_PATH];
    UINT n = GetSystemWindowsDirectoryW(dir, MAX_PATH);
    wchar_t c = n >= 2 && n < MAX_PATH && dir[1] == L':' ? (wchar_t)(dir[0] & ~0x20) : L'C';
    return c >= L'A' && c <= L'Z' ? roots[c - L'A'] : roots['C' - 'A'];
}

int tk_sys_lower_priority(void)
{
    HANDLE self = GetCurrentProcess();
    bool cpu = SetPriorityClass(self, IDLE_PRIORITY_CLASS);
    /* Background mode adds very low I/O and memory priority, for every thread. */
    bool io = SetPriorityClass(self, PROCESS_MODE_BACKGROUND_BEGIN) ||
              GetLastError() == ERROR_PROCESS_MODE_ALREADY_BACKGROUND;
    return cpu && io ? 0 : TK_EUNSUPP;
}

int tk_sys_data_path(struct tk_buf *out, const char *rel)
{
    wchar_t small[MAX_PATH];
    wchar_t *v = small;
    DWORD n = GetEnvironmentVariableW(L"LOCALAPPDATA", small, MAX_PATH);
    if (n >= MAX_PATH) {
        v = tk_malloc((size_t)n * sizeof *v);
        if (!v)
            return TK_ENOMEM;
        DWORD k = GetEnvironmentVariableW(L"LOCALAPPDATA", v, n);
        n = k < n ? k : 0;
    }
    bool drive = n >= 3 && ((v[0] >= L'A' && v[0] <= L'Z') || (v[0] >= L'a' && v[0] <= L'z')) &&
                 v[1] == L':' && (v[2] == L'\\' || v[2] == L'/');
    bool unc = n >= 3 && v[0] == L'\\' && v[1] == L'\\';
    int rc = TK_ENOENT;
    if (drive || unc) {
        while (n > 3 && (v[n - 1] == L'\\' || v[n - 1] == L'/'))
            n--;
        size_t mark = out->len;
        rc = tk_win_utf8(v, n, out);
        if (!rc && out->ptr[out->len - 1] != '\\')
            rc = tk_buf_addc(out, '\\');
        for (const char *r = rel; !rc && *r; r++)
            rc = tk_buf_addc(out, *r == '/' ? '\\' : *r);
        if (rc)
            tk_buf_truncate(out, mark);
    }
    if (v != small)
        tk_free(v);
    return rc;
}

/* The computer name: its DNS host name (at most 63 characters), else its NetBIOS name. */
static int host_name(struct tk_buf *out)
{
    wchar_t w[256];
    DWORD n = sizeof w / sizeof *w;
    if (GetComputerNameExW(ComputerNameDnsHostname, w, &n) && n > 0)
        return tk_win_utf8(w, n, out);
    n = sizeof w / sizeof *w;
    if (GetComputerNameW(w, &n))
        return tk_win_utf8(w, n, out);
    return TK_EIO;
}

typedef LONG(WINAPI *rtl_get_version_fn)(PRTL_OSVERSIONINFOW);

int tk_sys_uname(struct tk_buf *host, struct tk_buf *release, struct tk_buf *version,
                 struct tk_buf *machine)
{
    int rc = 0;
    if (host)
        rc = host_name(host);
    if (!rc && (release || version)) {
        /* GetVersionEx answers what the program's manifest claims; ntdll tells the truth. */
        RTL_OSVERSIONINFOEXW vi = { .dwOSVersionInfoSize = sizeof vi };
        HMODULE nt = GetModuleHandleW(L"ntdll.dll");
        FARPROC p = nt ? GetProcAddress(nt, "RtlGetVersion") : NULL;
        rtl_get_version_fn get = (rtl_get_version_fn)(void (*)(void))p;
        if (!get || get((PRTL_OSVERSIONINFOW)&vi) != 0)
            return TK_EIO;
        if (release)
            rc = tk_buf_addf(release, "%lu.%lu.%lu", (unsigned long)vi.dwMajorVersion,
                             (unsigned long)vi.dwMinorVersion, (unsigned long)vi.dwBuildNumber);
        if (!rc && version) {
            rc = tk_buf_addf(version, "Windows %lu.%lu.%lu", (unsigned long)vi.dwMajorVersion,
                             (unsigned long)vi.dwMinorVersion, (unsigned long)vi.dwBuildNumber);
            if (!rc && vi.szCSDVersion[0]) {
                rc = tk_buf_addc(version, ' ');
                rc = rc ? rc : tk_win_utf8(vi.szCSDVersion, wcslen(vi.szCSDVersion), version);
            }
        }
    }
    if (!rc && machine) {
        SYSTEM_INFO si;
        GetNativeSystemInfo(&si);
        /* The names uname(2) uses on Linux, so bundles from both compare. */
        const char *m;
        switch (si.wProcessorArchitecture) {
        case PROCESSOR_ARCHITECTURE_AMD64:
            m = "x86_64";
            break;
        case PROCESSOR_ARCHITECTURE_ARM64:
            m = "aarch64";
            break;
        case PROCESSOR_ARCHITECTURE_INTEL:
            m = "i686";
            break;
        case PROCESSOR_ARCHITECTURE_ARM:
            m = "arm";
            break;
        case PROCESSOR_ARCHITECTURE_IA64:
            m = "ia64";
            break;
        default:
            m = "unknown";
            break;
        }
        rc = tk_buf_adds(machine, m);
    }
    return rc;
}

/* ---- atomic files ---------------------------------------------------------------------- */

/* Fills err for a failed Win32 call on path. */
static int fail(struct tk_err *err, DWORD e, const char *path, const char *what)
{
    int en = tk_win_errno(e);
    if (en == EIO)
        return tk_err_set(err, TK_EIO, "%s: %s: Windows error %lu", path, what, (unsigned long)e);
    return tk_err_sys(err, en, "%s: %s", path, what);
}

int tk_atomic_open(struct tk_atomic_file *af, const char *path, struct tk_err *err)
{
    memset(af, 0, sizeof *af);
    struct tk_buf tmp = TK_BUF_INIT(64 * 1024);
    unsigned char r[6];
    if (tk_sys_random(r, sizeof r) || tk_buf_addf(&tmp, "%s.tmp-%02x%02x%02x%02x%02x%02x", path,
                                                  r[0], r[1], r[2], r[3], r[4], r[5])) {
        tk_buf_release(&tmp);
        return tk_err_set(err, TK_ENOMEM, "%s: cannot name a temporary file", path);
    }
    af->path = tk_strdup(path);
    af->tmp = tk_buf_detach(&tmp);
    if (!af->path || !af->tmp) {
        tk_atomic_abort(af);
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", path);
    }
    wchar_t *w;
    int rc = tk_win_full_path(af->tmp, &w);
    if (rc) {
        tk_free(af->tmp);
        af->tmp = NULL;
        tk_atomic_abort(af);
        return tk_err_set(err, rc, "%s: %s", path,
                          rc == TK_ENOMEM ? "out of memory"
                                          : "not a file path on a drive or share");
    }
    /* The new file takes the permissions its directory hands down (a profile directory's are
     * private to its user); no exclusive ACL of its own, which would lock out the same user
     * running unelevated later. */
    HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD e = GetLastError();
    tk_free(w);
    if (h == INVALID_HANDLE_VALUE) {
        tk_free(af->tmp);
        af->tmp = NULL;
        tk_atomic_abort(af);
        return fail(err, e, path, "cannot create the output file");
    }
    int fd = _open_osfhandle((intptr_t)h, _O_WRONLY | _O_BINARY);
    if (fd < 0)
        CloseHandle(h);
    af->fp = fd < 0 ? NULL : _fdopen(fd, "wb");
    if (!af->fp) {
        if (fd >= 0)
            _close(fd);
        tk_atomic_abort(af);
        return tk_err_set(err, TK_EIO, "%s: cannot open the output file", path);
    }
    return 0;
}

int tk_atomic_commit(struct tk_atomic_file *af, struct tk_err *err)
{
    FILE *fp = af->fp;
    int rc = 0;
    af->fp = NULL;
    if (fflush(fp) != 0 || ferror(fp))
        rc = tk_err_set(err, TK_EIO, "%s: cannot write the output file", af->path);
    if (!rc && !FlushFileBuffers((HANDLE)_get_osfhandle(_fileno(fp))))
        rc = fail(err, GetLastError(), af->path, "cannot write the output file");
    if (fclose(fp) != 0 && !rc)
        rc = tk_err_set(err, TK_EIO, "%s: cannot write the output file", af->path);
    wchar_t *from = NULL, *to = NULL;
    if (!rc && (tk_win_full_path(af->tmp, &from) || tk_win_full_path(af->path, &to)))
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", af->path);
    if (!rc) {
        /* A virus scanner looking at the new file makes the move fail for a moment. */
        for (int attempt = 0;; attempt++) {
            if (MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
                break;
            DWORD e = GetLastError();
            if (attempt < 5 && (e == ERROR_ACCESS_DENIED || e == ERROR_SHARING_VIOLATION)) {
                Sleep(20u << attempt);
                continue;
            }
            rc = fail(err, e, af->path, "cannot rename the output file into place");
            break;
        }
    }
    tk_free(from);
    tk_free(to);
    if (!rc) {
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
    wchar_t *w;
    if (af->tmp && tk_win_full_path(af->tmp, &w) == 0) {
        DeleteFileW(w);
        tk_free(w);
    }
    tk_free(af->tmp);
    tk_free(af->path);
    memset(af, 0, sizeof *af);
}
