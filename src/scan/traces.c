/* traces.c - traces of compromise on Linux (see traces.h). */
#include "scan/traces.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collect/collect.h"
#include "compat/proc.h"
#include "compat/sys.h"
#include "compat/walk.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/map.h"
#include "core/str.h"
#include "scan/exclude.h"
#include "scan/pkgdb.h"

#define FILE_MAX ((size_t)1 << 20) /* persistence files larger than this are not read */
#define TEXT_MAX 512               /* bytes of a line kept in a trace */
#define HITS_PER_FILE 20           /* suspicious lines reported per file */
#define KEYS_PER_FILE 200          /* SSH keys listed per authorized_keys file */

/* Suspicious traits of a command line, checked in order (the first that matches names the
 * line). Our own patterns, written from the techniques in MITRE ATT&CK T1053 (scheduled
 * tasks), T1543 (system services), T1546.004 (shell startup) and T1574.006 (dynamic linker
 * hijacking). */
static const struct {
    const char *why, *re;
} traits[] = {
    { "download-exec",
      "\\b(curl|wget|fetch)\\b[^|;\\n]*\\|\\s*(sudo\\s+)?(ba|da|z|k)?sh\\b" },
    { "reverse-shell",
      "/dev/(tcp|udp)/|\\bnc(at)?\\s[^\\n]*\\s-[a-z]*e\\s|\\bsocat\\b[^\\n]*\\bexec:|"
      "\\bbash\\s+-i\\s*>&|python[0-9.]*\\s+-c\\s*['\"][^\\n]*\\bsocket\\b" },
    { "encoded-exec",
      "base64\\s+(-d|--decode)\\b[^\\n]*\\|\\s*(ba|da|z)?sh\\b|"
      "\\beval\\s*[\"'(]?\\s*\\$\\(\\s*echo\\s+[A-Za-z0-9+/=]{20,}" },
    { "ld-preload", "\\bLD_PRELOAD\\s*=" },
    { "tmp-path", "(^|[\\s'\"=;|&(:])(/tmp|/var/tmp|/dev/shm)/[^\\s'\";|&)]" },
    { "hidden-dir", "/\\.\\.\\.+/|/\\.\\s+/" },
};
#define NTRAITS (sizeof traits / sizeof traits[0])

/* Where autostart and shell startup live. A directory entry means its regular files. */
enum category { AUTOSTART, SHELL, KEYS };
static const struct {
    const char *path;
    bool dir;
    enum category cat;
} system_places[] = {
    { "/etc/crontab", false, AUTOSTART },
    { "/etc/anacrontab", false, AUTOSTART },
    { "/etc/cron.d", true, AUTOSTART },
    { "/etc/cron.hourly", true, AUTOSTART },
    { "/etc/cron.daily", true, AUTOSTART },
    { "/etc/cron.weekly", true, AUTOSTART },
    { "/etc/cron.monthly", true, AUTOSTART },
    { "/var/spool/cron/crontabs", true, AUTOSTART },
    { "/var/spool/cron", true, AUTOSTART },
    { "/etc/systemd/system", true, AUTOSTART },
    { "/etc/systemd/user", true, AUTOSTART },
    { "/usr/lib/systemd/system", true, AUTOSTART },
    { "/usr/lib/systemd/user", true, AUTOSTART },
    { "/lib/systemd/system", true, AUTOSTART },
    { "/etc/xdg/autostart", true, AUTOSTART },
    { "/etc/rc.local", false, AUTOSTART },
    { "/etc/init.d", true, AUTOSTART },
    { "/etc/profile", false, SHELL },
    { "/etc/profile.d", true, SHELL },
    { "/etc/bash.bashrc", false, SHELL },
    { "/etc/environment", false, SHELL },
    { "/etc/zsh/zshrc", false, SHELL },
    { "/etc/zsh/zprofile", false, SHELL },
};
static const struct {
    const char *path;
    bool dir;
    enum category cat;
} home_places[] = {
    { ".bashrc", false, SHELL },         { ".profile", false, SHELL },
    { ".bash_profile", false, SHELL },   { ".bash_login", false, SHELL },
    { ".bash_logout", false, SHELL },    { ".zshrc", false, SHELL },
    { ".zprofile", false, SHELL },       { ".config/autostart", true, AUTOSTART },
    { ".config/systemd/user", true, AUTOSTART },
    { ".ssh/authorized_keys", false, KEYS },
    { ".ssh/authorized_keys2", false, KEYS },
};

struct ctx {
    struct tk_bundle *b;
    struct tk_fs *root;
    struct tk_pkgdb *db;
    bool have_db;
    pcre2_code *re[NTRAITS];
    pcre2_match_data *md;
    pcre2_match_context *mctx; /* bounds the work per line: hostile files cannot stall us */
    struct tk_map seen; /* "dev:ino" of files already read (merged /usr lists twice) */
    struct tk_exclude *exclude;
    struct tk_trace excluded; /* what trace() hands out for an excluded path: not kept */
    struct tk_buf buf, path;
};

static void error(struct ctx *c, const char *path, int code, const char *msg)
{
    tk_bundle_errorf(c->b, "traces", path, code, "%s%s%s", path ? path : "", path ? ": " : "",
                     msg);
}

/* A bounded, printable copy of s. */
static const char *clip(struct ctx *c, struct tk_str s)
{
    return tk_bundle_clip(c->b, s.p, s.n, TEXT_MAX);
}

static struct tk_trace *trace(struct ctx *c, const char *kind, const char *path,
                              const char *why)
{
    if (tk_exclude_match(c->exclude, path)) {
        memset(&c->excluded, 0, sizeof c->excluded);
        return &c->excluded;
    }
    struct tk_trace *t = tk_bundle_add_trace(c->b);
    if (t) {
        t->kind = kind;
        t->path = tk_bundle_strdup(c->b, path);
        t->why = why;
    }
    return t;
}

static const char *trait_of(struct ctx *c, struct tk_str line)
{
    for (size_t i = 0; i < NTRAITS; i++)
        if (c->re[i] &&
            pcre2_match(c->re[i], (PCRE2_SPTR)line.p, line.n, 0, 0, c->md, c->mctx) >= 0)
            return traits[i].why;
    return NULL;
}

static bool is_comment(struct tk_str line)
{
    struct tk_str t = tk_str_trim(line);
    return t.n == 0 || t.p[0] == '#' || t.p[0] == ';';
}

/* The line that says what an autostart file runs: Exec=/ExecStart= for desktop entries and
 * units, else the first line that is not a comment or a variable assignment. */
static struct tk_str command_of(struct tk_str text, int64_t *lineno)
{
    struct tk_str rest = text, line, first = { NULL, 0 };
    int64_t n = 0, first_n = -1;
    while (tk_str_next_line(&rest, &line)) {
        n++;
        struct tk_str t = tk_str_trim(line);
        if (tk_str_has_prefix(t, "Exec=") || tk_str_has_prefix(t, "ExecStart=")) {
            *lineno = n;
            return t;
        }
        if (!first.p && !is_comment(t) && t.p[0] != '[') {
            struct tk_str before, after;
            bool assignment = tk_str_cut(t, '=', &before, &after) &&
                              before.n && !memchr(before.p, ' ', before.n) &&
                              !memchr(before.p, '\t', before.n);
            if (!assignment) {
                first = t;
                first_n = n;
            }
        }
    }
    *lineno = first_n;
    return first;
}

static void authorized_keys(struct ctx *c, const char *path, const char *user,
                            struct tk_str text)
{
    static const char *const types[] = { "ssh-", "ecdsa-", "sk-", NULL };
    struct tk_str rest = text, line;
    int64_t n = 0;
    size_t keys = 0;
    while (tk_str_next_line(&rest, &line)) {
        n++;
        if (is_comment(line))
            continue;
        if (keys++ == KEYS_PER_FILE) {
            error(c, path, TK_ELIMIT, "more keys than tenken lists per file; the rest not listed");
            return;
        }
        /* options come first when the line does not start with a key type */
        struct tk_str t = tk_str_trim(line);
        bool options = true;
        for (const char *const *k = types; *k; k++)
            options &= !tk_str_has_prefix(t, *k);
        struct tk_trace *tr = trace(c, "authorized-key", path, options ? "options" : NULL);
        if (!tr)
            return;
        tr->line = n;
        tr->user = tk_bundle_strdup(c->b, user);
        tr->text = clip(c, t);
    }
}

/* "/etc/systemd/system/../../lib/x" -> "/lib/x", in place (an absolute path). */
static void normalize(char *path)
{
    char *out = path, *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > path && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

/* One autostart, shell or key file. */
static void check_file(struct ctx *c, const char *path, enum category cat, const char *user)
{
    struct stat st;
    struct tk_err err = { 0 };
    /* A link (a unit added with `systemctl link`, an alias, a dotfile manager's .bashrc) is
     * read at its target, and judged by the target's package ownership. */
    char target[4096];
    const char *judge = path;
    if (tk_fs_stat(c->root, path, false, &st, &err) != 0)
        return;
    if (S_ISLNK(st.st_mode)) {
        struct tk_buf l = TK_BUF_INIT(sizeof target - 1);
        if (tk_fs_readlink(c->root, path, &l, NULL) == 0 && l.len) {
            const char *t = tk_buf_cstr(&l), *slash = strrchr(path, '/');
            if (t[0] == '/')
                snprintf(target, sizeof target, "%s", t);
            else
                snprintf(target, sizeof target, "%.*s/%s", (int)(slash ? slash - path : 0), path,
                         t);
            normalize(target);
            judge = target;
        }
        tk_buf_release(&l);
        if (tk_fs_stat(c->root, path, true, &st, &err) != 0)
            return;
    }
    if (!S_ISREG(st.st_mode))
        return; /* absent, a directory, or masked (a link to /dev/null) */
    char key[48];
    snprintf(key, sizeof key, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    if (tk_map_get(&c->seen, tk_str_c(key)))
        return;
    tk_map_put(&c->seen, tk_str_c(key), (void *)1);
    if ((size_t)st.st_size > FILE_MAX) {
        error(c, path, TK_ELIMIT, "larger than 1 MB, not checked");
        return;
    }
    tk_buf_reset(&c->buf);
    if (tk_fs_read(c->root, path, &c->buf, &err) != 0) {
        tk_bundle_error(c->b, "traces", path, &err);
        return;
    }
    struct tk_str text = { tk_buf_cstr(&c->buf), c->buf.len };
    if (cat == KEYS) {
        authorized_keys(c, path, user, text);
        return;
    }
    const char *shipped = tk_pkgdb_md5(c->db, judge);
    bool owned = tk_pkgdb_owned(c->db, judge);
    if (shipped) {
        struct tk_digests d;
        if (tk_hash3(text.p, text.n, &d) == 0 && strcmp(d.md5, shipped) == 0)
            return; /* as its package shipped it */
    }
    struct tk_str rest = text, line;
    int64_t n = 0;
    size_t hits = 0;
    while (tk_str_next_line(&rest, &line) && hits < HITS_PER_FILE) {
        n++;
        if (is_comment(line))
            continue;
        const char *why = trait_of(c, line);
        if (!why)
            continue;
        struct tk_trace *t = trace(c, "persistence", path, why);
        if (!t)
            return;
        t->line = n;
        t->user = tk_bundle_strdup(c->b, user);
        t->text = clip(c, tk_str_trim(line));
        hits++;
    }
    if (hits || cat != AUTOSTART || !c->have_db || (owned && !shipped))
        return; /* owned without a known MD5: nothing to compare */
    int64_t lineno;
    struct tk_str cmd = command_of(text, &lineno);
    struct tk_trace *t = trace(c, "persistence", path, owned ? "modified" : "unpackaged");
    if (t) {
        t->line = cmd.p ? lineno : -1;
        t->user = tk_bundle_strdup(c->b, user);
        t->text = cmd.p ? clip(c, cmd) : NULL;
    }
}

static bool unit_like(const char *name)
{
    static const char *const skip[] = { ".wants", ".requires", ".d", NULL };
    for (const char *const *s = skip; *s; s++) {
        size_t n = strlen(name), k = strlen(*s);
        if (n > k && strcmp(name + n - k, *s) == 0)
            return false;
    }
    return name[0] != '.';
}

#define DIR_MAX 10000 /* entries read per directory */

static bool drop_in_dir(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 2 && strcmp(name + n - 2, ".d") == 0;
}

/* depth 0: a place; 1: a systemd drop-in directory ("x.service.d/override.conf") in it. */
static void check_dir(struct ctx *c, const char *path, enum category cat, const char *user,
                      int depth)
{
    struct tk_fs_dir *d;
    if (tk_fs_dir_open(c->root, path, &d, NULL) != 0)
        return;
    /* names first: check_file reuses the directory reader's buffers through tk_fs */
    size_t n = 0, cap = 0, seen = 0;
    char **names = NULL;
    bool *dirs = NULL;
    const char *name;
    bool is_dir;
    while ((name = tk_fs_dir_next(d, &is_dir)) != NULL) {
        if (seen++ == DIR_MAX) {
            error(c, path, TK_ELIMIT, "more than 10000 entries; the rest not checked");
            break;
        }
        bool sub = is_dir && depth == 0 && cat == AUTOSTART && drop_in_dir(name);
        if ((is_dir && !sub) || (!is_dir && !unit_like(name)))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nn = tk_realloc(names, nc * sizeof *nn);
            bool *nd = nn ? tk_realloc(dirs, nc * sizeof *nd) : NULL;
            if (nn)
                names = nn;
            if (!nd)
                break;
            dirs = nd;
            cap = nc;
        }
        names[n] = tk_strdup(name);
        dirs[n] = sub;
        if (names[n])
            n++;
    }
    tk_fs_dir_close(d);
    for (size_t i = 0; i < n; i++) {
        tk_buf_reset(&c->path);
        tk_buf_addf(&c->path, "%s/%s", path, names[i]);
        char *p = tk_strdup(tk_buf_cstr(&c->path));
        if (p && dirs[i])
            check_dir(c, p, cat, user, depth + 1);
        else if (p)
            check_file(c, p, cat, user);
        tk_free(p);
        tk_free(names[i]);
    }
    tk_free(names);
    tk_free(dirs);
}

static void check_place(struct ctx *c, const char *path, bool dir, enum category cat,
                        const char *user)
{
    if (dir)
        check_dir(c, path, cat, user, 0);
    else
        check_file(c, path, cat, user);
}

/* The per-user places in each account's home (the users collector's list). */
static void homes(struct ctx *c, const struct tk_user *users, size_t nusers)
{
    for (size_t u = 0; u < nusers; u++)
        for (size_t i = 0; i < sizeof home_places / sizeof home_places[0]; i++) {
            tk_buf_reset(&c->path);
            if (tk_buf_addf(&c->path, "%s/%s", users[u].home, home_places[i].path) != 0)
                continue;
            char *p = tk_strdup(tk_buf_cstr(&c->path));
            if (p)
                check_place(c, p, home_places[i].dir, home_places[i].cat, users[u].name);
            tk_free(p);
        }
}

static void ld_preload(struct ctx *c)
{
    tk_buf_reset(&c->buf);
    if (tk_fs_read(c->root, "/etc/ld.so.preload", &c->buf, NULL) != 0)
        return;
    struct tk_str rest = { tk_buf_cstr(&c->buf), c->buf.len }, line, word;
    int64_t n = 0;
    while (tk_str_next_line(&rest, &line)) {
        n++;
        if (is_comment(line))
            continue;
        while (tk_str_next_field(&line, &word)) {
            struct tk_trace *t = trace(c, "ld-preload", "/etc/ld.so.preload", "preload");
            if (!t)
                return;
            t->line = n;
            t->text = clip(c, word);
        }
    }
}

/* ---- package ownership of set-id files and system executables ---------------------------- */

static bool in_system_bin(const char *path, size_t dirlen)
{
    static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin", NULL };
    for (const char *const *d = dirs; *d; d++)
        if (strlen(*d) == dirlen && strncmp(path, *d, dirlen) == 0)
            return true;
    return false;
}

/* Whether an owned file's contents differ from what its package shipped (unknown: false). */
static bool modified(struct ctx *c, const char *path, const struct stat *st)
{
    const char *shipped = tk_pkgdb_md5(c->db, path);
    if (!shipped || (uint64_t)st->st_size > ((uint64_t)256 << 20))
        return false;
    struct tk_buf data = TK_BUF_INIT((size_t)256 << 20);
    struct tk_digests d;
    bool differs = tk_fs_read(c->root, path, &data, NULL) == 0 &&
                   tk_hash3(data.ptr ? data.ptr : "", data.len, &d) == 0 &&
                   strcmp(d.md5, shipped) != 0;
    tk_buf_release(&data);
    return differs;
}

static int on_entry(void *ud, const struct tk_walk_entry *e)
{
    struct ctx *c = ud;
    if (e->kind != TK_WALK_FILE)
        return 0;
    mode_t m = e->st.st_mode;
    bool setid = (m & (S_ISUID | S_ISGID)) != 0;
    bool sysbin = (m & 0111) && in_system_bin(e->path, e->dirlen);
    if (!setid && !sysbin)
        return 0;
    const char *kind, *why;
    if (!tk_pkgdb_owned(c->db, e->path)) {
        kind = setid ? "setid-file" : "unowned-executable";
        why = setid ? "unowned" : NULL;
    } else if (setid && modified(c, e->path, &e->st)) {
        /* a set-id program its package shipped, since changed: a trojaned su or passwd */
        kind = "setid-file", why = "modified";
    } else {
        return 0;
    }
    struct tk_trace *t = trace(c, kind, e->path, why);
    if (t) {
        char text[96];
        snprintf(text, sizeof text, "mode %04o, uid %lu, gid %lu, %lld bytes",
                 (unsigned)(m & 07777), (unsigned long)e->st.st_uid,
                 (unsigned long)e->st.st_gid, (long long)e->st.st_size);
        t->text = tk_bundle_strdup(c->b, text);
    }
    return 0;
}

static void unowned_files(struct ctx *c)
{
    static const char *const starts[] = { "/usr", "/bin", "/sbin", "/lib", "/lib64", "/opt",
                                          "/etc", "/var", "/tmp", "/dev/shm", "/home",
                                          "/root", "/srv", "/boot" };
    struct tk_walk_opts wo = { .metadata_only = true };
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        struct stat st;
        struct tk_err err = { 0 };
        /* merged /usr: /bin is a link to usr/bin, already walked */
        if (tk_fs_stat(c->root, starts[i], false, &st, &err) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (tk_walk(c->root, starts[i], &wo, on_entry, c, &err) < 0)
            tk_bundle_error(c->b, "traces", starts[i], &err);
    }
}

/* ---- the running system ------------------------------------------------------------------ */

static void processes(struct ctx *c)
{
    int *pids = NULL;
    size_t n = 0;
    struct tk_err err = { 0 };
    if (tk_proc_list(&pids, &n, &err) != 0) {
        tk_bundle_error(c->b, "traces", "/proc", &err);
        return;
    }
    /* tenken itself, other runs of the same program and other tenken builds (a user may
     * well start it from /tmp or a download folder) are not traces */
    int self = tk_sys_pid();
    struct tk_proc me;
    char self_exe[sizeof me.exe] = "";
    if (tk_proc_identify(self, &me, &err) == 0)
        memcpy(self_exe, me.exe, sizeof self_exe);
    for (size_t i = 0; i < n; i++) {
        struct tk_proc p;
        if (pids[i] == self || tk_proc_identify(pids[i], &p, &err) != 0 || p.kernel_thread ||
            !p.exe[0] || (self_exe[0] && strcmp(p.exe, self_exe) == 0) ||
            strcmp(p.comm, "tenken") == 0)
            continue;
        const char *kind = NULL, *why = NULL;
        if (strncmp(p.exe, "/memfd:", 7) == 0) {
            kind = "process-location", why = "memfd";
        } else if (strncmp(p.exe, "/tmp/", 5) == 0 || strncmp(p.exe, "/var/tmp/", 9) == 0 ||
                   strncmp(p.exe, "/dev/shm/", 9) == 0) {
            kind = "process-location", why = "tmp-path";
        } else if (p.exe_deleted) {
            struct stat st;
            kind = "deleted-exe";
            why = tk_fs_stat(c->root, p.exe, false, &st, &err) == 0 ? "replaced" : "gone";
        }
        if (!kind)
            continue;
        struct tk_trace *t = trace(c, kind, p.exe, why);
        if (!t)
            break;
        t->pid = p.pid;
        t->process = tk_bundle_strdup(c->b, p.comm);
        t->text = clip(c, tk_str_c(p.cmdline));
        char user[64];
        tk_proc_user_name(p.uid, user, sizeof user); /* the same names detections use */
        t->user = tk_bundle_strdup(c->b, user);
    }
    free(pids);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Processes that answer to their pid but that /proc's listing leaves out (a rootkit hooking
 * getdents). Every pid up to pid_max is asked; threads (whose ids also answer) are told
 * apart by their thread-group id, and a pid must be missing from two listings, one before
 * and one after the probe, so a process that just started is not reported. */
static void hidden(struct ctx *c)
{
    int *before = NULL, *after = NULL;
    size_t nb = 0, na = 0;
    struct tk_err err = { 0 };
    int max = tk_proc_pid_max();
    if (tk_proc_list(&before, &nb, &err) != 0)
        return;
    int *found = NULL;
    size_t nf = 0, cf = 0;
    for (int pid = 1; pid <= max; pid++) {
        if (bsearch(&pid, before, nb, sizeof *before, cmp_int) || !tk_proc_alive(pid))
            continue;
        if (nf == cf) {
            size_t nc = cf ? cf * 2 : 16;
            int *x = tk_realloc(found, nc * sizeof *x);
            if (!x)
                break;
            found = x;
            cf = nc;
        }
        found[nf++] = pid;
    }
    if (nf && tk_proc_list(&after, &na, &err) == 0) {
        for (size_t i = 0; i < nf; i++) {
            int pid = found[i];
            struct tk_proc p;
            if (bsearch(&pid, after, na, sizeof *after, cmp_int))
                continue;
            int tgid = tk_proc_tgid(pid);
            if (tgid >= 0 && tgid != pid)
                continue; /* a thread */
            if (tgid < 0 || tk_proc_identify(pid, &p, &err) != 0) {
                /* answers to signals, yet /proc/PID cannot be read: hidden from lookups
                 * too. Only root can tell: /proc mounted with hidepid hides other users'
                 * processes from everyone else. */
                if (!tk_sys_privileged() || !tk_proc_alive(pid))
                    continue;
                memset(&p, 0, sizeof p);
                snprintf(p.comm, sizeof p.comm, "?");
            }
            struct tk_trace *t = trace(c, "hidden-process", p.exe[0] ? p.exe : NULL, NULL);
            if (!t)
                break;
            t->pid = pid;
            t->process = tk_bundle_strdup(c->b, p.comm);
            t->text = clip(c, tk_str_c(p.cmdline));
        }
    }
    tk_free(found);
    free(before);
    free(after);
}

/* "nvidia-drm.ko.zst" -> "nvidia_drm" (the name /proc/modules uses). */
static void module_name(struct tk_str file, char *out, size_t n)
{
    const char *slash = memrchr(file.p, '/', file.n);
    struct tk_str base = slash ? (struct tk_str){ slash + 1, file.n - (size_t)(slash + 1 - file.p) }
                               : file;
    const char *ko = NULL;
    for (size_t i = 0; i + 3 <= base.n; i++)
        if (memcmp(base.p + i, ".ko", 3) == 0 && (i + 3 == base.n || base.p[i + 3] == '.'))
            ko = base.p + i;
    size_t len = ko ? (size_t)(ko - base.p) : base.n, k = 0;
    for (size_t i = 0; i < len && k + 1 < n; i++)
        out[k++] = base.p[i] == '-' ? '_' : base.p[i];
    out[k] = '\0';
}

static void modules(struct ctx *c)
{
    struct tk_buf rel = TK_BUF_INIT(256), dep = TK_BUF_INIT((size_t)32 << 20),
                  loaded = TK_BUF_INIT((size_t)4 << 20), path = TK_BUF_INIT(4096);
    struct tk_map files;
    struct tk_arena names;
    tk_map_init(&files, 1000000);
    tk_arena_init(&names, (size_t)64 << 20);
    struct tk_err err = { 0 };
    if (tk_sys_uname(NULL, &rel, NULL, NULL) != 0 || tk_read_file("/proc/modules", &loaded, &err))
        goto out;
    const char *dirs[] = { "/lib/modules/", "/usr/lib/modules/" };
    const char *base = NULL;
    for (size_t i = 0; i < 2 && !base; i++) {
        tk_buf_reset(&path);
        tk_buf_addf(&path, "%s%s/modules.dep", dirs[i], tk_buf_cstr(&rel));
        tk_buf_reset(&dep);
        if (tk_fs_read(c->root, tk_buf_cstr(&path), &dep, NULL) == 0)
            base = dirs[i];
    }
    if (!base) {
        if (loaded.len)
            error(c, "/lib/modules", TK_ENOENT,
                  "no modules.dep for the running kernel: loaded modules not checked");
        goto out;
    }
    /* "kernel/fs/x.ko.zst: deps..." -> name => relative path (in dep's buffer) */
    struct tk_str rest = { tk_buf_cstr(&dep), dep.len }, line, file, deps;
    while (tk_str_next_line(&rest, &line)) {
        if (!tk_str_cut(line, ':', &file, &deps) || !file.n)
            continue;
        char name[256];
        module_name(file, name, sizeof name);
        char *rel_path = tk_arena_strndup(&names, file.p, file.n);
        if (rel_path)
            tk_map_put(&files, tk_str_c(name), rel_path);
    }
    rest = (struct tk_str){ tk_buf_cstr(&loaded), loaded.len };
    while (tk_str_next_line(&rest, &line)) {
        struct tk_str name;
        if (!tk_str_next_field(&line, &name) || !name.n || name.n > 255)
            continue;
        char nm[256];
        snprintf(nm, sizeof nm, "%.*s", (int)name.n, name.p);
        const char *f = tk_map_get(&files, tk_str_c(nm));
        const char *why = NULL;
        tk_buf_reset(&path);
        if (f)
            tk_buf_addf(&path, "%s%s/%s", base, tk_buf_cstr(&rel), f);
        if (!f)
            why = "no-file";
        else if (c->have_db && !tk_pkgdb_owned(c->db, tk_buf_cstr(&path)))
            why = strstr(f, "updates/") || strstr(f, "extra/") ? "dkms" : "unpackaged";
        if (!why)
            continue;
        struct tk_trace *t = trace(c, "kernel-module", f ? tk_buf_cstr(&path) : NULL, why);
        if (!t)
            break;
        t->text = tk_bundle_strdup(c->b, nm);
    }
out:
    tk_map_release(&files);
    tk_arena_release(&names);
    tk_buf_release(&rel);
    tk_buf_release(&dep);
    tk_buf_release(&loaded);
    tk_buf_release(&path);
}

int tk_traces(struct tk_bundle *b, struct tk_fs *root, bool live, const struct tk_user *users,
              size_t nusers, struct tk_exclude *exclude, struct tk_err *err)
{
    struct ctx c = { .b = b, .root = root, .exclude = exclude, .buf = TK_BUF_INIT(FILE_MAX + 1),
                     .path = TK_BUF_INIT(8192) };
    size_t unreadable = 0;
    struct tk_err dberr = { 0 };
    if (tk_pkgdb_load(&c.db, root, &unreadable, &dberr) != 0) /* carry on without it */
        tk_bundle_error(b, "traces", "/var/lib/dpkg", &dberr);
    c.have_db = tk_pkgdb_present(c.db);
    if (!c.have_db)
        error(&c, NULL, TK_EUNSUPP,
              "no dpkg database: files are not checked against what packages installed");
    if (unreadable)
        tk_bundle_errorf(b, "traces", "/var/lib/dpkg/info", TK_EACCES,
                         "%zu package file lists could not be read", unreadable);
    tk_map_init(&c.seen, 1000000);
    for (size_t i = 0; i < NTRAITS; i++) {
        int code;
        PCRE2_SIZE off;
        c.re[i] = pcre2_compile((PCRE2_SPTR)traits[i].re, PCRE2_ZERO_TERMINATED, 0, &code,
                                &off, NULL);
        if (c.re[i])
            pcre2_jit_compile(c.re[i], PCRE2_JIT_COMPLETE);
    }
    c.md = pcre2_match_data_create(4, NULL);
    c.mctx = pcre2_match_context_create(NULL);
    if (c.mctx) {
        pcre2_set_match_limit(c.mctx, 100000);
        pcre2_set_depth_limit(c.mctx, 1000);
    }
    b->detect.traces = true;

    /* the rarest and strongest signs first, so a flood of weaker ones (one user's
     * thousands of keys) cannot use up the bundle's room for traces before them */
    ld_preload(&c);
    if (live) {
        hidden(&c);
        processes(&c);
        modules(&c);
    }
    if (c.have_db)
        unowned_files(&c);
    for (size_t i = 0; i < sizeof system_places / sizeof system_places[0]; i++)
        check_place(&c, system_places[i].path, system_places[i].dir, system_places[i].cat,
                    NULL);
    homes(&c, users, nusers);

    for (size_t i = 0; i < NTRAITS; i++)
        pcre2_code_free(c.re[i]);
    pcre2_match_data_free(c.md);
    pcre2_match_context_free(c.mctx);
    tk_map_release(&c.seen);
    tk_buf_release(&c.buf);
    tk_buf_release(&c.path);
    tk_pkgdb_free(c.db);
    return 0;
}
