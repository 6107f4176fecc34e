/* procscan.c - the memory scan (see procscan.h). Worker threads take processes from a shared
 * index; each has its own libyara scanner and one chunk buffer, so memory stays at
 * threads x TK_PROCSCAN_CHUNK whatever the processes hold. */
#include "scan/procscan.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/proc.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "scan/detect.h"

struct pscan {
    struct tk_bundle *b;
    const struct tk_procscan_opts *o;
    const int *pids;
    size_t npids, next;
    char self_exe[4096];
    int self;
    pthread_mutex_t lock; /* next, bundle, counters */
};

struct pworker {
    struct pscan *s;
    pthread_t thread;
    struct tk_scanner *scanner;
    unsigned char *buf;
    /* the current process */
    struct tk_proc_mem *mem;
    uint64_t start, end, pos, budget, read;
};

/* ---- memory blocks of one process, as libyara iterates them ---------------------------- */

static int region(struct pworker *w)
{
    const char *name;
    if (tk_proc_mem_next(w->mem, &w->start, &w->end, &name) != 0)
        return 1;
    w->pos = w->start;
    return 0;
}

static int block(struct pworker *w, uint64_t *base, size_t *size)
{
    while (w->pos >= w->end)
        if (region(w) != 0)
            return 1;
    if (w->read >= w->budget)
        return 1;
    uint64_t n = w->end - w->pos;
    if (n > TK_PROCSCAN_CHUNK)
        n = TK_PROCSCAN_CHUNK;
    if (n > w->budget - w->read)
        n = w->budget - w->read;
    *base = w->pos;
    *size = (size_t)n;
    w->pos += n;
    w->read += n;
    return 0;
}

static int first_block(void *ud, uint64_t *base, size_t *size)
{
    struct pworker *w = ud;
    tk_proc_mem_rewind(w->mem); /* once per compiled rule set */
    w->pos = w->end = 0;
    w->read = 0;
    return block(w, base, size);
}

static int next_block(void *ud, uint64_t *base, size_t *size)
{
    return block(ud, base, size);
}

static const unsigned char *fetch(void *ud, uint64_t base, size_t size)
{
    struct pworker *w = ud;
    size_t got = tk_proc_mem_read(w->mem, base, w->buf, size);
    if (got < size)
        memset(w->buf + got, 0, size - got); /* unmapped since listed: zeros, not garbage */
    return got ? w->buf : NULL;
}

/* ---- one process ------------------------------------------------------------------------ */

static void error(struct pscan *s, const struct tk_err *e)
{
    pthread_mutex_lock(&s->lock);
    s->b->detect.processes_skipped++;
    tk_bundle_error(s->b, "memscan", NULL, e);
    pthread_mutex_unlock(&s->lock);
}

/* Signature scanners hold rules and signatures in memory, which match the rules they came
 * from: scanning them would report the scanner. */
static bool is_scanner(const char *exe)
{
    static const char *const names[] = { "tenken", "yara", "yarac", "clamd", "clamscan",
                                         "freshclam", "clamdscan", "loki", "thor",
                                         "thor-lite", NULL };
    /* by name only where packages and administrators install programs: malware named
     * /tmp/x/clamd is scanned */
    static const char *const dirs[] = { "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/",
                                        "/usr/local/bin/", "/usr/local/sbin/", NULL };
    const char *base = strrchr(exe, '/');
    if (!base)
        return false;
    if (strcmp(base + 1, "tenken") == 0)
        return true; /* any tenken build, wherever it was unpacked */
    bool system_dir = false;
    for (const char *const *d = dirs; *d; d++)
        system_dir |= (size_t)(base + 1 - exe) == strlen(*d) && strncmp(exe, *d, strlen(*d)) == 0;
    for (const char *const *n = names; system_dir && *n; n++)
        if (strcmp(base + 1, *n) == 0)
            return true;
    return false;
}

static void scan_pid(struct pworker *w, int pid)
{
    struct pscan *s = w->s;
    struct tk_err err = { 0 };
    struct tk_proc p;
    if (pid == s->self)
        return;
    if (tk_proc_identify(pid, &p, &err) != 0) {
        if (err.code != TK_ENOENT) /* gone since listed: nothing to report */
            error(s, &err);
        return;
    }
    if (p.kernel_thread)
        return;
    if ((s->self_exe[0] && strcmp(p.exe, s->self_exe) == 0) || is_scanner(p.exe)) {
        pthread_mutex_lock(&s->lock);
        s->b->detect.processes_skipped++;
        pthread_mutex_unlock(&s->lock);
        return;
    }
    if (tk_proc_mem_open(pid, &w->mem, &err) != 0) {
        if (err.code != TK_ENOENT)
            error(s, &err);
        return;
    }
    const char *slash = strrchr(p.exe, '/');
    char dir[4096];
    if (slash && slash > p.exe)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - p.exe), p.exe);
    else
        snprintf(dir, sizeof dir, "%s", slash ? "/" : "");
    char user[64];
    tk_proc_user_name(p.uid, user, sizeof user);
    struct tk_scan_target t = { .filename = slash ? slash + 1 : p.comm, .filepath = dir,
                                .extension = "", .filetype = "MEMORY", .owner = user,
                                .group = "", .md5 = "", .filemode = 0, .memory = true };
    struct tk_blocks blocks = { .ud = w, .first = first_block, .next = next_block,
                                .fetch = fetch };
    char what[96];
    snprintf(what, sizeof what, "process %d (%s)", pid, p.comm);
    const struct tk_match *m = NULL;
    int nm = tk_scanner_scan_blocks(w->scanner, &t, &blocks, what, &m, &err);
    uint64_t read = w->read;
    bool capped = read >= w->budget;
    tk_proc_mem_close(w->mem);
    w->mem = NULL;
    pthread_mutex_lock(&s->lock);
    if (capped)
        tk_bundle_errorf(s->b, "memscan", p.exe[0] ? p.exe : NULL, TK_ELIMIT,
                         "process %d (%s): only the first %llu MB of its memory were scanned "
                         "(--max-process-size)", pid, p.comm,
                         (unsigned long long)(w->budget >> 20));
    s->b->detect.processes++;
    s->b->detect.process_bytes += read;
    if (nm < 0) {
        s->b->detect.processes_skipped++;
        tk_bundle_error(s->b, "memscan", NULL, &err);
    } else if (nm > 0) {
        struct tk_detection proto = {
            .kind = "process",
            .path = p.exe[0] ? p.exe : NULL,
            .pid = pid,
            .size = -1,
            .mode = -1,
            .mtime = -1,
            .ctime = -1,
            .process = p.comm,
            .cmdline = p.cmdline,
            .user = user,
            .filetype = "MEMORY",
        };
        tk_detection_add(s->b, &proto, m, (size_t)nm, NULL, 0);
    }
    pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *arg)
{
    struct pworker *w = arg;
    struct pscan *s = w->s;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        size_t i = s->next++;
        pthread_mutex_unlock(&s->lock);
        if (i >= s->npids || (s->o->stop && *s->o->stop))
            break;
        scan_pid(w, s->pids[i]);
    }
    return NULL;
}

int tk_procscan(struct tk_bundle *b, const struct tk_procscan_opts *o, struct tk_err *err)
{
    struct pscan s = { .b = b, .o = o, .self = tk_sys_pid() };
    int *all = NULL;
    int rc = 0;
    if (o->pids) {
        s.pids = o->pids;
        s.npids = o->npids;
    } else {
        if ((rc = tk_proc_list(&all, &s.npids, err)) != 0)
            return rc;
        s.pids = all;
    }
    struct tk_proc me;
    struct tk_err ignored = { 0 };
    if (tk_proc_identify(s.self, &me, &ignored) == 0)
        snprintf(s.self_exe, sizeof s.self_exe, "%s", me.exe);
    b->detect.memory = true;
    int n = o->threads > 0 ? o->threads : tk_sys_ncpu();
    if (n < 1)
        n = 1;
    if ((size_t)n > s.npids)
        n = s.npids ? (int)s.npids : 1;
    struct pworker *w = tk_calloc((size_t)n, sizeof *w);
    if (!w) {
        free(all);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&s.lock, NULL);
    int started = 0;
    for (; started < n; started++) {
        struct pworker *x = &w[started];
        x->s = &s;
        x->budget = o->max_bytes ? o->max_bytes : TK_PROCSCAN_DEFAULT_MAX;
        x->buf = tk_malloc(TK_PROCSCAN_CHUNK);
        if (!x->buf) {
            rc = tk_err_set(err, TK_ENOMEM, "out of memory");
            break;
        }
        if ((rc = tk_scanner_new(&x->scanner, o->rules, o->timeout_s > 0 ? o->timeout_s : 60,
                                 err)) != 0)
            break;
        if (pthread_create(&x->thread, NULL, worker_main, x) != 0) {
            tk_scanner_free(x->scanner);
            x->scanner = NULL;
            rc = tk_err_set(err, TK_ENOMEM, "cannot start a thread");
            break;
        }
    }
    if (rc) { /* stop the ones that started */
        pthread_mutex_lock(&s.lock);
        s.next = s.npids;
        pthread_mutex_unlock(&s.lock);
    }
    for (int i = 0; i < started; i++)
        pthread_join(w[i].thread, NULL);
    for (int i = 0; i < n; i++) {
        tk_scanner_free(w[i].scanner);
        tk_free(w[i].buf);
    }
    tk_free(w);
    pthread_mutex_destroy(&s.lock);
    free(all);
    return rc;
}
