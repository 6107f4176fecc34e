/* proc.h - the other processes of the running system, read-only: which exist, who they are,
 * and the bytes of their memory. Reading never stops, traces or signals a process (on Linux
 * it is /proc/PID/maps and pread on /proc/PID/mem, which the kernel allows to root and to a
 * process's own user where ptrace policy permits). */
#ifndef TK_COMPAT_PROC_H
#define TK_COMPAT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"

/* Process ids now present, ascending; *pids is freed with free(). */
int tk_proc_list(int **pids, size_t *n, struct tk_err *err);

struct tk_proc {
    int pid, ppid;
    int64_t uid;          /* real uid; -1 unknown */
    char comm[64];        /* kernel's short name */
    char exe[4096];       /* executable path; "" for kernel threads or when unreadable */
    bool exe_deleted;     /* the executable was deleted or replaced since it started */
    bool kernel_thread;
    char cmdline[1024];   /* arguments joined by spaces, control bytes as '?', truncated */
};

/* The largest pid the kernel hands out (kernel.pid_max, at most 4194304). */
int tk_proc_pid_max(void);
/* Whether a process or thread with this id exists, asked without listing /proc (a null
 * signal: nothing is delivered). */
bool tk_proc_alive(int pid);
/* The thread-group (process) id of a task id, or -1 when it is gone. */
int tk_proc_tgid(int pid);

/* The account name of a uid on the running system, or the number when it has none. */
void tk_proc_user_name(int64_t uid, char *out, size_t n);

/* 0, TK_ENOENT when the process is gone, TK_EACCES when its identity is not readable. */
int tk_proc_identify(int pid, struct tk_proc *p, struct tk_err *err);

/* For each socket inode, the lowest pid holding it open (the parent of forked workers), or
 * -1 when none is found (gone, or another user's process without root). */
void tk_proc_socket_owners(const uint64_t *inodes, size_t n, int *pids);

/* A process's readable memory, region by region. Regions that are not worth or not safe to
 * read are left out: device mappings (/dev/..., which may have side effects or hang),
 * [vvar], [vvar_vclock], [vsyscall], and regions without read permission. */
struct tk_proc_mem;
int tk_proc_mem_open(int pid, struct tk_proc_mem **out, struct tk_err *err);
void tk_proc_mem_close(struct tk_proc_mem *m);
/* The next region: 0 with [*start, *end) and its name ("" anonymous, "[heap]", a path), or
 * 1 at the end. */
int tk_proc_mem_next(struct tk_proc_mem *m, uint64_t *start, uint64_t *end, const char **name);
/* Back to the first region (the list is the one read at open). */
void tk_proc_mem_rewind(struct tk_proc_mem *m);
/* Reads up to n bytes at addr; the count read, 0 when the range is not readable now. */
size_t tk_proc_mem_read(struct tk_proc_mem *m, uint64_t addr, void *buf, size_t n);

#endif
