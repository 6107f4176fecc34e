/* proc.c - compat/proc.h on Windows: the process list from a Toolhelp snapshot, and who a
 * process is (image path, parent, command line) through a handle opened with
 * PROCESS_QUERY_LIMITED_INFORMATION, which neither stops nor changes it. Windows has no uids
 * (accounts are SIDs), so uid stays -1; reading other processes' memory and finding socket
 * owners by inode are not offered here. Process and thread ids are handle-table indices,
 * multiples of 4, and the table ignores the low two bits, so other ids are never asked. */
#include "compat/proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h> /* before the other Windows headers, which need its types */
#include <tlhelp32.h>
#include <winternl.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "compat/win/win.h"


#define PROCESS_COMMAND_LINE_INFORMATION 60 /* PROCESSINFOCLASS, Windows 8.1 and later */
#define PID_MAX_LIMIT 4194304

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static bool valid_id(int pid)
{
    return pid > 0 && (pid & 3) == 0;
}

int tk_proc_list(int **pids, size_t *n, struct tk_err *err)
{
    *pids = NULL;
    *n = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return tk_err_set(err, TK_EIO, "the process list: Windows error %lu",
                          (unsigned long)GetLastError());
    size_t cap = 0;
    int *v = NULL;
    PROCESSENTRY32W pe = { .dwSize = sizeof pe };
    for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe)) {
        if (pe.th32ProcessID == 0 || pe.th32ProcessID > 0x7fffffff)
            continue; /* the idle process is not one */
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            int *nv = realloc(v, nc * sizeof *v);
            if (!nv) {
                free(v);
                CloseHandle(snap);
                *n = 0;
                return tk_err_set(err, TK_ENOMEM, "out of memory");
            }
            v = nv;
            cap = nc;
        }
        v[(*n)++] = (int)pe.th32ProcessID;
    }
    CloseHandle(snap);
    if (*n > 1)
        qsort(v, *n, sizeof *v, cmp_int);
    *pids = v;
    return 0;
}

void tk_proc_socket_owners(const uint64_t *inodes, size_t n, int *pids)
{
    /* Windows sockets have no inodes; their owners come with the connection tables. */
    for (size_t i = 0; i < n; i++)
        pids[i] = -1;
}

void tk_proc_user_name(int64_t uid, char *out, size_t n)
{
    snprintf(out, n, "%lld", (long long)uid);
}

/* Windows sets no limit below the handle table's; twice the highest id in use (processes
 * and threads) covers what is handed out now, and probing stays affordable. */
int tk_proc_pid_max(void)
{
    DWORD top = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS | TH32CS_SNAPTHREAD, 0);
    if (snap != INVALID_HANDLE_VALUE) {
        PROCESSENTRY32W pe = { .dwSize = sizeof pe };
        for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe))
            top = pe.th32ProcessID > top ? pe.th32ProcessID : top;
        THREADENTRY32 te = { .dwSize = sizeof te };
        for (BOOL ok = Thread32First(snap, &te); ok; ok = Thread32Next(snap, &te))
            top = te.th32ThreadID > top ? te.th32ThreadID : top;
        CloseHandle(snap);
    }
    uint64_t max = (uint64_t)top * 2;
    return max < 65536 ? 65536 : max > PID_MAX_LIMIT ? PID_MAX_LIMIT : (int)max;
}

/* The process with this id, open for limited queries and still running; NULL with *denied
 * set when it exists but may not be opened. */
static HANDLE open_process(int pid, bool *denied)
{
    *denied = false;
    if (!valid_id(pid))
        return NULL;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    if (!h) {
        *denied = GetLastError() == ERROR_ACCESS_DENIED;
        return NULL;
    }
    DWORD code = 0;
    if (GetProcessId(h) != (DWORD)pid || !GetExitCodeProcess(h, &code) || code != STILL_ACTIVE) {
        CloseHandle(h);
        return NULL;
    }
    return h;
}

/* The process owning thread id tid, -2 when tid names no thread, -1 when it cannot be told. */
static int thread_owner(int tid)
{
    HANDLE t = OpenThread(THREAD_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)tid);
    if (t) {
        DWORD code = 0, owner = 0;
        if (GetThreadId(t) == (DWORD)tid && GetExitCodeThread(t, &code) && code == STILL_ACTIVE)
            owner = GetProcessIdOfThread(t);
        CloseHandle(t);
        return owner ? (int)owner : -2;
    }
    if (GetLastError() != ERROR_ACCESS_DENIED)
        return -2;
    /* A thread of a process we may not open: the snapshot names its owner. */
    int owner = -1;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return -1;
    THREADENTRY32 te = { .dwSize = sizeof te };
    for (BOOL ok = Thread32First(snap, &te); ok; ok = Thread32Next(snap, &te))
        if (te.th32ThreadID == (DWORD)tid) {
            owner = (int)te.th32OwnerProcessID;
            break;
        }
    CloseHandle(snap);
    return owner;
}

bool tk_proc_alive(int pid)
{
    bool denied;
    HANDLE h = open_process(pid, &denied);
    if (h) {
        CloseHandle(h);
        return true;
    }
    return denied || (valid_id(pid) && thread_owner(pid) != -2);
}

int tk_proc_tgid(int pid)
{
    bool denied;
    HANDLE h = open_process(pid, &denied);
    if (h)
        CloseHandle(h);
    if (h || denied)
        return pid;
    if (!valid_id(pid))
        return -1;
    int owner = thread_owner(pid);
    return owner >= 0 ? owner : owner == -2 ? -1 : 0; /* 0: a thread, owner unknown */
}

/* Copies UTF-8 s into out (n bytes), cut at a character boundary, control bytes as '?'. */
static void copy_clean(char *out, size_t n, const char *s, size_t len)
{
    if (len > n - 1) {
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    out[len] = '\0';
}

/* What the snapshot says of pid: its parent and image name. False when it is not there. */
static bool from_snapshot(int pid, struct tk_proc *p)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return false;
    bool found = false;
    PROCESSENTRY32W pe = { .dwSize = sizeof pe };
    for (BOOL ok = Process32FirstW(snap, &pe); ok && !found; ok = Process32NextW(snap, &pe)) {
        if (pe.th32ProcessID != (DWORD)pid)
            continue;
        found = true;
        p->ppid = (int)pe.th32ParentProcessID;
        struct tk_buf name = TK_BUF_INIT(4 * MAX_PATH);
        if (tk_win_utf8(pe.szExeFile, wcsnlen(pe.szExeFile, MAX_PATH), &name) == 0)
            copy_clean(p->comm, sizeof p->comm, tk_buf_cstr(&name), name.len);
        tk_buf_release(&name);
    }
    CloseHandle(snap);
    return found;
}

/* The image's path, and comm from it. The minimal processes the kernel starts itself answer a
 * bare name ("Registry"), which is a comm but not an executable path. */
static void image_path(HANDLE h, struct tk_proc *p)
{
    DWORD n = 32768;
    wchar_t *w = tk_malloc(n * sizeof *w);
    struct tk_buf exe = TK_BUF_INIT(sizeof p->exe - 1);
    if (w && QueryFullProcessImageNameW(h, 0, w, &n) && tk_win_utf8(w, n, &exe) == 0) {
        const char *s = tk_buf_cstr(&exe), *base = strrchr(s, '\\');
        base = base ? base + 1 : s;
        copy_clean(p->comm, sizeof p->comm, base, strlen(base));
        bool drive = ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') && s[1] == ':' && s[2] == '\\';
        if (drive || (s[0] == '\\' && s[1] == '\\')) {
            memcpy(p->exe, s, exe.len + 1); /* whole or not at all: a cut path would mislead */
            /* An image file that no longer exists where it was started from. */
            wchar_t *full = NULL;
            if (tk_win_full_path(p->exe, &full) == 0 &&
                GetFileAttributesW(full) == INVALID_FILE_ATTRIBUTES) {
                DWORD e = GetLastError();
                p->exe_deleted = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ||
                                 e == ERROR_DELETE_PENDING;
            }
            tk_free(full);
        }
    }
    tk_buf_release(&exe);
    tk_free(w);
}

static void command_line(HANDLE h, struct tk_proc *p)
{
    ULONG need = 0;
    union {
        UNICODE_STRING us;
        unsigned char bytes[4096];
    } small;
    void *buf = &small;
    NTSTATUS st = NtQueryInformationProcess(h, (PROCESSINFOCLASS)PROCESS_COMMAND_LINE_INFORMATION,
                                            buf, sizeof small, &need);
    if (!NT_SUCCESS(st) && need > sizeof small && need < (1u << 20)) {
        buf = tk_malloc(need);
        st = buf ? NtQueryInformationProcess(h, (PROCESSINFOCLASS)PROCESS_COMMAND_LINE_INFORMATION,
                                             buf, need, &need)
                 : -1;
    }
    if (NT_SUCCESS(st)) {
        const UNICODE_STRING *us = buf;
        /* Convert a little more than fits, then cut at a character boundary. */
        size_t units = us->Length / sizeof(wchar_t);
        if (units > sizeof p->cmdline)
            units = sizeof p->cmdline;
        struct tk_buf line = TK_BUF_INIT(4 * sizeof p->cmdline);
        if (tk_win_utf8(us->Buffer, units, &line) == 0)
            copy_clean(p->cmdline, sizeof p->cmdline, tk_buf_cstr(&line), line.len);
        tk_buf_release(&line);
    }
    if (buf != &small)
        tk_free(buf);
}

int tk_proc_identify(int pid, struct tk_proc *p, struct tk_err *err)
{
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->uid = -1;
    bool denied;
    HANDLE h = open_process(pid, &denied);
    if (!h) {
        /* Not ours to open (another session's, or a protected process): the snapshot still
         * tells its name and parent. */
        if (denied && from_snapshot(pid, p)) {
            p->kernel_thread = pid == 4;
            return 0;
        }
        return tk_err_set(err, denied ? TK_EACCES : TK_ENOENT, "process %d: %s", pid,
                          denied ? "not allowed to look at it" : "no such process");
    }
    PROCESS_BASIC_INFORMATION bi;
    if (NT_SUCCESS(NtQueryInformationProcess(h, ProcessBasicInformation, &bi, sizeof bi, NULL)))
        p->ppid = (int)bi.InheritedFromUniqueProcessId;
    image_path(h, p);
    command_line(h, p);
    CloseHandle(h);
    if (!p->comm[0])
        from_snapshot(pid, p);
    /* The kernel's own (System) and the minimal processes it starts itself (Registry,
     * Memory Compression), which run no image. */
    p->kernel_thread = pid == 4 || (p->ppid == 4 && !p->exe[0]);
    return 0;
}

/* ---- memory: not offered on Windows ---------------------------------------------------- */

struct tk_proc_mem {
    int unused;
};

int tk_proc_mem_open(int pid, struct tk_proc_mem **out, struct tk_err *err)
{
    *out = NULL;
    return tk_err_set(err, TK_EUNSUPP, "process %d: process memory is not read on Windows", pid);
}

void tk_proc_mem_close(struct tk_proc_mem *m)
{
    tk_free(m);
}

int tk_proc_mem_next(struct tk_proc_mem *m, uint64_t *start, uint64_t *end, const char **name)
{
    return 1;
}

void tk_proc_mem_rewind(struct tk_proc_mem *m)
{
}

size_t tk_proc_mem_read(struct tk_proc_mem *m, uint64_t addr, void *buf, size_t n)
{
    return 0;
}
