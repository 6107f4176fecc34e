/* proc.c - compat/proc.h on Linux: /proc/PID/{stat,status,exe,cmdline,maps,mem}. */
#include "compat/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "core/alloc.h"
#include "compat/fs.h"
#include "core/buf.h"

#define MAPS_MAX ((size_t)32 << 20) /* a process with a million mappings is not read */

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int tk_proc_list(int **pids, size_t *n, struct tk_err *err)
{
    *pids = NULL;
    *n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return tk_err_set(err, TK_EIO, "/proc: %s", strerror(errno));
    size_t cap = 0;
    int *v = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid > 0x7fffffff || !isdigit((unsigned char)e->d_name[0]))
            continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            int *nv = realloc(v, nc * sizeof *v);
            if (!nv) {
                free(v);
                closedir(d);
                return tk_err_set(err, TK_ENOMEM, "out of memory");
            }
            v = nv;
            cap = nc;
        }
        v[(*n)++] = (int)pid;
    }
    closedir(d);
    if (*n > 1)
        qsort(v, *n, sizeof *v, cmp_int);
    *pids = v;
    return 0;
}

void tk_proc_socket_owners(const uint64_t *inodes, size_t n, int *pids)
{
    for (size_t i = 0; i < n; i++)
        pids[i] = -1;
    struct tk_err err = { 0 };
    int *all = NULL;
    size_t nall = 0;
    if (!n || tk_proc_list(&all, &nall, &err) != 0)
        return;
    for (size_t p = 0; p < nall; p++) { /* ascending: the first owner found is the lowest */
        char path[64], link[64];
        snprintf(path, sizeof path, "/proc/%d/fd", all[p]);
        DIR *d = opendir(path);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            ssize_t k = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
            if (k <= 8)
                continue;
            link[k] = '\0';
            if (strncmp(link, "socket:[", 8) != 0)
                continue;
            uint64_t ino = strtoull(link + 8, NULL, 10);
            for (size_t i = 0; i < n; i++)
                if (inodes[i] == ino && pids[i] < 0)
                    pids[i] = all[p];
        }
        closedir(d);
    }
    free(all);
}

/* Reads a small /proc file whole (at most cap - 1 bytes); its length or -1 with errno. */
static ssize_t slurp(int pid, const char *what, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

void tk_proc_user_name(int64_t uid, char *out, size_t n)
{
    struct passwd pw, *pwp = NULL;
    char buf[1024];
    if (uid >= 0 && getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &pwp) == 0 && pwp)
        snprintf(out, n, "%s", pw.pw_name);
    else
        snprintf(out, n, "%lld", (long long)uid);
}

int tk_proc_pid_max(void)
{
    char buf[32];
    int fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);
    long v = 32768;
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n > 0) {
            buf[n] = '\0';
            v = strtol(buf, NULL, 10);
        }
        close(fd);
    }
    return v < 1 ? 32768 : v > 4194304 ? 4194304 : (int)v;
}

bool tk_proc_alive(int pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int tk_proc_tgid(int pid)
{
    char buf[2048];
    if (slurp(pid, "status", buf, sizeof buf) < 0)
        return -1;
    const char *t = strstr(buf, "\nTgid:\t");
    return t ? (int)strtol(t + 7, NULL, 10) : -1;
}

int tk_proc_identify(int pid, struct tk_proc *p, struct tk_err *err)
{
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->uid = -1;
    char buf[4096];
    /* status: Name, PPid, Uid (stat's comm field may hold ')' and spaces) */
    if (slurp(pid, "status", buf, sizeof buf) < 0)
        return tk_err_set(err, errno == ENOENT || errno == ESRCH ? TK_ENOENT : TK_EACCES,
                          "/proc/%d/status: %s", pid, strerror(errno));
    /* Kernels before 6.x have no Kthread field: then kthreadd and its children without a
     * program (helpers the kernel starts, e.g. for core_pattern, have one) */
    bool have_kthread = strstr(buf, "\nKthread:\t") != NULL;
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "Name:\t", 6) == 0) {
            size_t i = 0;
            for (const char *s = line + 6; *s && i + 1 < sizeof p->comm; s++)
                p->comm[i++] = (unsigned char)*s < 0x20 ? '?' : *s;
            p->comm[i] = '\0';
        } else if (strncmp(line, "PPid:\t", 6) == 0) {
            p->ppid = (int)strtol(line + 6, NULL, 10);
        } else if (strncmp(line, "Uid:\t", 5) == 0) {
            p->uid = strtoll(line + 5, NULL, 10);
        } else if (strncmp(line, "Kthread:\t", 9) == 0) {
            p->kernel_thread = line[9] == '1';
        }
        line = nl ? nl + 1 : NULL;
    }

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t n = readlink(path, p->exe, sizeof p->exe - 1);
    if (n > 0) {
        p->exe[n] = '\0';
        static const char deleted[] = " (deleted)";
        size_t dl = sizeof deleted - 1;
        if ((size_t)n > dl && strcmp(p->exe + n - dl, deleted) == 0) {
            p->exe_deleted = true;
            p->exe[n - dl] = '\0';
        }
    } else {
        p->exe[0] = '\0';
    }
    if (!have_kthread && (pid == 2 || p->ppid == 2) && !p->exe[0])
        p->kernel_thread = true;
    ssize_t c = slurp(pid, "cmdline", p->cmdline, sizeof p->cmdline);
    if (c > 0) {
        while (c > 0 && p->cmdline[c - 1] == '\0')
            c--;
        for (ssize_t i = 0; i < c; i++) {
            unsigned char ch = (unsigned char)p->cmdline[i];
            p->cmdline[i] = ch == 0 ? ' ' : ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
        }
        p->cmdline[c] = '\0';
    } else {
        p->cmdline[0] = '\0';
    }
    return 0;
}

struct region {
    uint64_t start, end;
    const char *name; /* into maps */
};

struct tk_proc_mem {
    int fd;
    char *maps; /* the maps text, lines cut in place */
    struct region *regions;
    size_t nregions, next;
};

/* Cuts the maps text into the regions worth reading. */
static int parse_maps(struct tk_proc_mem *m)
{
    size_t cap = 0;
    for (char *line = m->maps; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *cur = line;
        line = nl ? nl + 1 : NULL;
        /* "start-end perms offset dev inode   name" */
        unsigned long long s, e;
        unsigned major = 0, minor = 0;
        char perms[8];
        int used = 0;
        if (sscanf(cur, "%llx-%llx %7s %*s %x:%x %*s%n", &s, &e, perms, &major, &minor,
                   &used) < 5 || e <= s || used == 0)
            continue;
        const char *nm = cur + used;
        while (*nm == ' ' || *nm == '\t')
            nm++;
        if (perms[0] != 'r')
            continue;
        /* A device mapping names a /dev node on a real device (major number not 0); shared
         * anonymous memory ("/dev/zero (deleted)") and /dev/shm files live on in-memory
         * file systems (major 0) and are read like any memory. */
        if ((strncmp(nm, "/dev/", 5) == 0 && major != 0) || strcmp(nm, "[vvar]") == 0 ||
            strcmp(nm, "[vvar_vclock]") == 0 || strcmp(nm, "[vsyscall]") == 0)
            continue;
        if (m->nregions == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct region *nr = tk_realloc(m->regions, nc * sizeof *nr);
            if (!nr)
                return TK_ENOMEM;
            m->regions = nr;
            cap = nc;
        }
        m->regions[m->nregions++] = (struct region){ s, e, nm };
    }
    return 0;
}

int tk_proc_mem_open(int pid, struct tk_proc_mem **out, struct tk_err *err)
{
    *out = NULL;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    struct tk_buf maps = TK_BUF_INIT(MAPS_MAX);
    int rc = tk_read_file(path, &maps, err);
    if (rc) {
        tk_buf_release(&maps);
        return rc;
    }
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        tk_buf_release(&maps);
        return tk_err_set(err, e == ENOENT || e == ESRCH ? TK_ENOENT : TK_EACCES, "%s: %s", path,
                          strerror(e));
    }
    struct tk_proc_mem *m = tk_calloc(1, sizeof *m);
    if (m)
        m->maps = tk_buf_detach(&maps);
    if (!m || !m->maps || parse_maps(m) != 0) {
        close(fd);
        if (m) {
            tk_free(m->maps);
            tk_free(m->regions);
        }
        tk_free(m);
        tk_buf_release(&maps);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    m->fd = fd;
    *out = m;
    return 0;
}

void tk_proc_mem_close(struct tk_proc_mem *m)
{
    if (!m)
        return;
    close(m->fd);
    tk_free(m->maps);
    tk_free(m->regions);
    tk_free(m);
}

void tk_proc_mem_rewind(struct tk_proc_mem *m)
{
    m->next = 0;
}

int tk_proc_mem_next(struct tk_proc_mem *m, uint64_t *start, uint64_t *end, const char **name)
{
    if (m->next >= m->nregions)
        return 1;
    const struct region *r = &m->regions[m->next++];
    *start = r->start;
    *end = r->end;
    *name = r->name;
    return 0;
}

size_t tk_proc_mem_read(struct tk_proc_mem *m, uint64_t addr, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(m->fd, (char *)buf + got, n - got, (off_t)(addr + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}
