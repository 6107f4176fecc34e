/* filescan.c - the parallel file scan (see filescan.h).
 *
 * Threads: the caller walks and feeds a bounded queue of open files; `threads` workers take
 * them, read, hash, scan and record. The bundle and the counters are shared under one lock
 * (detections are rare, counters are updated once per file). */
#include "scan/filescan.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat/fs.h"
#include "compat/sys.h"
#include "compat/walk.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/jdoc.h"
#include "core/json.h"
#include "core/map.h"
#include "core/str.h"
#include "core/time.h"
#include "scan/detect.h"
#include "scan/exclude.h"
#include "scan/filecache.h"
#include "scan/filetype.h"

#define QUEUE_CAP 128
#define SMALL_BUF ((size_t)8 << 20) /* per-worker buffers up to this size are kept */
#define BIG_SLOTS 2                 /* larger files held at once */
#define READ_CHUNK ((size_t)1 << 20)
#define MAX_IOC_HITS 16
#define MAX_THREADS 64

struct job {
    int fd;
    char *path;
    size_t dirlen;
    struct stat st;
};

/* Account names for owner/group externals, read from the scanned root's passwd/group. */
struct names {
    struct tk_map users, groups;
    struct tk_arena arena;
};

struct scan {
    const struct tk_filescan_opts *o;
    struct tk_bundle *b;
    struct names names;
    bool ids; /* files have POSIX owners (not on Windows, where rules see "" as THOR does) */
    struct tk_filecache *cache;
    struct tk_exclude *exclude; /* walker thread only */

    pthread_mutex_t lock; /* queue, counters, bundle */
    pthread_cond_t not_empty, not_full, big_free;
    struct job queue[QUEUE_CAP];
    size_t qhead, qlen;
    bool done;
    int big_in_use;
    int nthreads;

    struct tk_detect_info *info;
    double last_progress;
    const char *progress_path;
};

/* ---- account names ------------------------------------------------------------------------ */

static void load_names(struct scan *s, const char *file, struct tk_map *m)
{
    struct tk_buf text = TK_BUF_INIT(16 << 20);
    if (tk_fs_read(s->o->fs, file, &text, NULL) == 0) {
        struct tk_str rest = { tk_buf_cstr(&text), text.len }, line;
        while (tk_str_next_line(&rest, &line)) {
            struct tk_str name, r2, pw, idf;
            if (!tk_str_cut(line, ':', &name, &r2) || !tk_str_cut(r2, ':', &pw, &r2))
                continue;
            tk_str_cut(r2, ':', &idf, &r2);
            uint64_t id;
            if (!name.n || !tk_str_to_u64(idf, &id))
                continue;
            char key[24];
            snprintf(key, sizeof key, "%llu", (unsigned long long)id);
            if (!tk_map_get(m, tk_str_c(key)))
                tk_map_put(m, tk_str_c(key), tk_arena_str(&s->names.arena, name));
        }
    }
    tk_buf_release(&text);
}

static const char *name_of(const struct tk_map *m, unsigned id, char *buf, size_t n)
{
    char key[24];
    snprintf(key, sizeof key, "%u", id);
    const char *v = tk_map_get(m, tk_str_c(key));
    if (v)
        return v;
    snprintf(buf, n, "%u", id);
    return buf;
}

/* ---- serialising YARA matches for the cache ---------------------------------------------- */

static void matches_to_json(const struct tk_match *m, size_t n, struct tk_buf *out)
{
    struct tk_json w;
    tk_buf_reset(out);
    tk_json_init_buf(&w, out, 0);
    tk_json_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        tk_json_obj_begin(&w);
        tk_json_kstr(&w, "rule", m[i].rule);
        tk_json_kstr(&w, "ns", m[i].ns);
        tk_json_kstr(&w, "tags", m[i].tags);
        tk_json_kstr_opt(&w, "author", m[i].author);
        tk_json_kstr_opt(&w, "reference", m[i].reference);
        tk_json_kstr_opt(&w, "description", m[i].description);
        tk_json_kint(&w, "score", m[i].score);
        tk_json_kint(&w, "total", (int64_t)m[i].total_strings);
        tk_json_key(&w, "strings");
        tk_json_arr_begin(&w);
        for (size_t k = 0; k < m[i].nstrings; k++) {
            tk_json_obj_begin(&w);
            tk_json_kstr(&w, "id", m[i].strings[k].id);
            tk_json_key(&w, "offset");
            tk_json_uint(&w, m[i].strings[k].offset);
            tk_json_kint(&w, "length", m[i].strings[k].length);
            tk_json_kstr(&w, "hex", m[i].strings[k].hex);
            tk_json_obj_end(&w);
        }
        tk_json_arr_end(&w);
        tk_json_obj_end(&w);
    }
    tk_json_arr_end(&w);
    tk_json_finish(&w);
}

/* Matches back from the cache; strings point into the document (keep its arena until they
 * are used). Returns how many (0 for anything malformed: the cache is only a hint). */
static size_t matches_from_json(const struct tk_jv *root, struct tk_match **out)
{
    *out = NULL;
    size_t n = tk_jv_is(root, TK_JV_ARRAY) ? root->len : 0, i = 0;
    if (!n || n > 10000)
        return 0;
    struct tk_match *m = tk_calloc(n, sizeof *m);
    if (!m)
        return 0;
    for (const struct tk_jv *o = root->u.first; o && i < n; o = o->next, i++) {
        m[i].rule = tk_jv_str(tk_jv_get(o, "rule"));
        m[i].ns = tk_jv_str(tk_jv_get(o, "ns"));
        m[i].tags = tk_jv_str(tk_jv_get(o, "tags"));
        m[i].author = tk_jv_str(tk_jv_get(o, "author"));
        m[i].reference = tk_jv_str(tk_jv_get(o, "reference"));
        m[i].description = tk_jv_str(tk_jv_get(o, "description"));
        m[i].score = (int)tk_jv_int(tk_jv_get(o, "score"));
        m[i].total_strings = (size_t)tk_jv_int(tk_jv_get(o, "total"));
        const struct tk_jv *strs = tk_jv_get(o, "strings");
        const struct tk_jv *so = tk_jv_is(strs, TK_JV_ARRAY) ? strs->u.first : NULL;
        for (; so && m[i].nstrings < TK_MATCH_MAX_STRINGS; so = so->next) {
            struct tk_match_string *ms = &m[i].strings[m[i].nstrings++];
            const char *hex = tk_jv_str(tk_jv_get(so, "hex"));
            ms->id = tk_jv_str(tk_jv_get(so, "id"));
            ms->offset = (uint64_t)tk_jv_int(tk_jv_get(so, "offset"));
            ms->length = (uint32_t)tk_jv_int(tk_jv_get(so, "length"));
            snprintf(ms->hex, sizeof ms->hex, "%s", hex ? hex : "");
            if (!ms->id)
                ms->id = "$";
        }
        if (!m[i].rule || !m[i].ns || !m[i].tags) {
            tk_free(m);
            return 0;
        }
    }
    *out = m;
    return n;
}

/* ---- the worker --------------------------------------------------------------------------- */

struct worker {
    struct scan *s;
    pthread_t thread;
    struct tk_scanner *scanner;
    struct tk_ioc_scratch *scratch;
    struct tk_hash3 hash;
    unsigned char *buf;
    size_t cap;
    struct tk_buf json;
    double duty; /* fraction of wall time this worker may use; 1: no limit */
};

static void count_error(struct scan *s, const char *path, const struct tk_err *e)
{
    s->info->errors++;
    tk_bundle_error(s->b, "filescan", path, e);
}

/* Reads the whole file into w->buf (growing it) while hashing. Returns the bytes read or a
 * negative code. *changed is set when the file turned out larger than fstat said. */
static int64_t read_file(struct worker *w, const struct job *j, bool *big, bool *changed,
                         struct tk_err *err)
{
    struct scan *s = w->s;
    size_t want = (size_t)j->st.st_size;
    *changed = false;
    *big = want > SMALL_BUF;
    if (*big) {
        pthread_mutex_lock(&s->lock);
        while (s->big_in_use >= BIG_SLOTS)
            pthread_cond_wait(&s->big_free, &s->lock);
        s->big_in_use++;
        pthread_mutex_unlock(&s->lock);
    }
    if (want + 1 > w->cap) {
        size_t cap = want + 1 > SMALL_BUF ? want + 1 : SMALL_BUF;
        unsigned char *grown = tk_realloc(w->buf, cap);
        if (!grown)
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory for a %zu-byte file", j->path,
                              want);
        w->buf = grown;
        w->cap = cap;
    }
    tk_hash3_start(&w->hash);
    size_t got = 0;
    /* One byte more than fstat said, to notice a file that grew. */
    while (got < want + 1) {
        size_t n = want + 1 - got;
        if (n > READ_CHUNK)
            n = READ_CHUNK;
        int64_t k = tk_fd_pread(j->fd, w->buf + got, n, got);
        if (k < 0)
            return tk_err_sys(err, errno, "%s: cannot read", j->path);
        if (k == 0)
            break;
        size_t hashed = got + (size_t)k > want ? want - got : (size_t)k;
        tk_hash3_update(&w->hash, w->buf + got, hashed);
        got += (size_t)k;
    }
    if (got > want) {
        *changed = true;
        got = want;
    }
    return (int64_t)got;
}

static void release_big(struct worker *w, bool big)
{
    struct scan *s = w->s;
    if (!big)
        return;
    /* Give the memory back rather than keep a 64 MB buffer per worker. */
    tk_free(w->buf);
    w->buf = NULL;
    w->cap = 0;
    pthread_mutex_lock(&s->lock);
    s->big_in_use--;
    pthread_cond_signal(&s->big_free);
    pthread_mutex_unlock(&s->lock);
}

static void extension_of(const char *name, char *out, size_t n)
{
    /* As Python's os.path.splitext: leading dots do not start an extension. */
    const char *p = name;
    while (*p == '.')
        p++;
    const char *dot = strrchr(p, '.');
    out[0] = '\0';
    if (!dot || !dot[1] || strlen(dot) >= n)
        return;
    size_t i = 0;
    for (; dot[i]; i++)
        out[i] = (char)(dot[i] >= 'A' && dot[i] <= 'Z' ? dot[i] + 32 : dot[i]);
    out[i] = '\0';
}

/* Filename IOCs and the hash IOC for one file; returns how many went into hits. */
static size_t ioc_hits(struct worker *w, const struct job *j, const struct tk_digests *d,
                       const struct tk_ioc **hits)
{
    const struct tk_iocs *iocs = w->s->o->iocs;
    if (!iocs)
        return 0;
    size_t n = tk_iocs_match_filename(iocs, w->scratch, j->path, hits, MAX_IOC_HITS - 1);
    if (n > MAX_IOC_HITS - 1)
        n = MAX_IOC_HITS - 1;
    if (d) {
        const struct tk_ioc *h = tk_iocs_find_hash(iocs, d->sha256);
        if (!h)
            h = tk_iocs_find_hash(iocs, d->sha1);
        if (!h)
            h = tk_iocs_find_hash(iocs, d->md5);
        if (h)
            hits[n++] = h;
    }
    return n;
}

static void record(struct worker *w, const struct job *j, const struct tk_digests *d,
                   const char *filetype, const struct tk_match *m, size_t nm,
                   const struct tk_ioc **iocs, size_t ni, const char *owner, const char *group)
{
    struct scan *s = w->s;
    struct tk_detection proto = {
        .kind = "file",
        .path = j->path,
        .pid = -1,
        .size = (int64_t)j->st.st_size,
        .owner = owner && *owner ? owner : NULL,
        .group = group && *group ? group : NULL,
        .mode = (int64_t)(j->st.st_mode & 07777),
        .mtime = (int64_t)j->st.st_mtime,
        .ctime = (int64_t)j->st.st_ctime,
        .md5 = d ? d->md5 : NULL,
        .sha1 = d ? d->sha1 : NULL,
        .sha256 = d ? d->sha256 : NULL,
        .filetype = filetype,
    };
    tk_detection_add(s->b, &proto, m, nm, iocs, ni);
}

static void scan_job(struct worker *w, struct job *j)
{
    struct scan *s = w->s;
    const struct tk_filescan_opts *o = s->o;
    struct tk_err err = { 0 };
    char ubuf[24], gbuf[24], ext[32], dirbuf[8];
    const char *owner = s->ids ? name_of(&s->names.users, j->st.st_uid, ubuf, sizeof ubuf) : "";
    const char *group = s->ids ? name_of(&s->names.groups, j->st.st_gid, gbuf, sizeof gbuf) : "";
    const char *filename = j->path + j->dirlen + 1;
    extension_of(filename, ext, sizeof ext);
    struct tk_digests d;
    char filetype[32];
    const struct tk_ioc *hits[MAX_IOC_HITS];
    double t0 = w->duty < 1 ? tk_time_mono() : 0;

    /* The cache first: an unchanged file is not read again. */
    if (s->cache && tk_filecache_get(s->cache, j->path, &j->st, &d, filetype, &w->json)) {
        struct tk_arena doc;
        struct tk_jv *root = NULL;
        struct tk_err jerr = { 0 };
        tk_arena_init(&doc, 16u << 20);
        if (w->json.len && tk_jdoc_parse(&doc, w->json.ptr, w->json.len, "cache", &root, &jerr))
            root = NULL;
        struct tk_match *m = NULL;
        size_t nm = matches_from_json(root, &m);
        size_t ni = ioc_hits(w, j, &d, hits);
        pthread_mutex_lock(&s->lock);
        s->info->files++;
        s->info->cached++;
        s->info->bytes += (uint64_t)j->st.st_size;
        if (nm + ni)
            record(w, j, &d, filetype, m, nm, hits, ni, owner, group);
        pthread_mutex_unlock(&s->lock);
        tk_free(m);
        tk_arena_release(&doc);
        return;
    }

    bool big = false, changed = false;
    int64_t n = read_file(w, j, &big, &changed, &err);
    if (n < 0) {
        pthread_mutex_lock(&s->lock);
        count_error(s, j->path, &err);
        pthread_mutex_unlock(&s->lock);
        release_big(w, big);
        return;
    }
    tk_hash3_final(&w->hash, &d);
    snprintf(filetype, sizeof filetype, "%s",
             tk_filetype(w->buf, (size_t)n < TK_FILETYPE_HEAD ? (size_t)n : TK_FILETYPE_HEAD,
                         ext));
    const struct tk_match *m = NULL;
    int nm = 0;
    if (o->rules) {
        if (j->dirlen == 0)
            snprintf(dirbuf, sizeof dirbuf, "/");
        char *dir = j->dirlen ? j->path : dirbuf;
        char saved = j->path[j->dirlen];
        if (j->dirlen)
            j->path[j->dirlen] = '\0'; /* the directory part, for the filepath external */
        struct tk_scan_target t = { .filename = filename, .filepath = dir, .extension = ext,
                                    .filetype = filetype, .owner = owner, .group = group,
                                    .md5 = d.md5, .filemode = (int64_t)(j->st.st_mode & 07777) };
        nm = tk_scanner_scan_mem(w->scanner, &t, w->buf, (size_t)n, j->path, &m, &err);
        if (j->dirlen)
            j->path[j->dirlen] = saved;
        if (nm < 0 && err.code == TK_ELIMIT) {
            /* A timeout: the error names the file; what matched before it is lost. */
            snprintf(err.msg, sizeof err.msg, "%s: the YARA scan took longer than %d s",
                     j->path, o->timeout_s > 0 ? o->timeout_s : TK_FILESCAN_DEFAULT_TIMEOUT);
        }
    }
    release_big(w, big);
    size_t ni = ioc_hits(w, j, &d, hits);
    if (s->cache && nm >= 0 && !changed) {
        matches_to_json(m, (size_t)nm, &w->json);
        tk_filecache_put(s->cache, j->path, &j->st, &d, filetype, tk_buf_cstr(&w->json));
    }
    pthread_mutex_lock(&s->lock);
    s->info->files++;
    s->info->bytes += (uint64_t)n;
    if (nm < 0) {
        if (err.code == TK_ELIMIT)
            s->info->timeouts++;
        count_error(s, j->path, &err);
        nm = 0;
    }
    if (changed)
        tk_bundle_errorf(s->b, "filescan", j->path, TK_EIO,
                         "%s: the file grew while it was read; the first %lld bytes were scanned",
                         j->path, (long long)n);
    if (nm + (int)ni > 0)
        record(w, j, &d, filetype, m, (size_t)nm, hits, ni, owner, group);
    pthread_mutex_unlock(&s->lock);

    if (w->duty < 1) {
        /* --cpu-limit: sleep so that this worker's busy share stays at its duty. */
        double busy = tk_time_mono() - t0, rest = busy * (1 / w->duty - 1);
        if (rest > 0.0005) {
            struct timespec ts = { (time_t)rest, (long)((rest - (double)(time_t)rest) * 1e9) };
            nanosleep(&ts, NULL);
        }
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct scan *s = w->s;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->qlen && !s->done)
            pthread_cond_wait(&s->not_empty, &s->lock);
        if (!s->qlen) {
            pthread_mutex_unlock(&s->lock);
            break;
        }
        struct job j = s->queue[s->qhead];
        s->qhead = (s->qhead + 1) % QUEUE_CAP;
        s->qlen--;
        pthread_cond_signal(&s->not_full);
        pthread_mutex_unlock(&s->lock);
        if (!(s->o->stop && *s->o->stop))
            scan_job(w, &j);
        close(j.fd);
        tk_free(j.path);
    }
    return NULL;
}

/* ---- the walker side ---------------------------------------------------------------------- */

static bool excluded(void *ud, const char *path, bool is_dir)
{
    (void)is_dir;
    struct scan *s = ud;
    return tk_exclude_match(s->exclude, path);
}

static void progress(struct scan *s, bool force)
{
    if (!s->o->progress)
        return;
    double now = tk_time_mono();
    if (!force && now - s->last_progress < 0.1)
        return;
    s->last_progress = now;
    pthread_mutex_lock(&s->lock);
    struct tk_filescan_progress p = { s->info->files, s->info->bytes, s->b->ndetections,
                                      s->progress_path };
    pthread_mutex_unlock(&s->lock);
    s->o->progress(s->o->ud, &p);
}

static int on_entry(void *ud, const struct tk_walk_entry *e)
{
    struct scan *s = ud;
    struct tk_err err = { 0 };
    switch (e->kind) {
    case TK_WALK_FILE: {
        struct job j = { .fd = e->fd, .path = tk_str_dup(tk_str_c(e->path)), .dirlen = e->dirlen,
                         .st = e->st };
        if (!j.path) {
            close(e->fd);
            return TK_ENOMEM;
        }
        pthread_mutex_lock(&s->lock);
        while (s->qlen == QUEUE_CAP)
            pthread_cond_wait(&s->not_full, &s->lock);
        s->queue[(s->qhead + s->qlen) % QUEUE_CAP] = j;
        s->qlen++;
        pthread_cond_signal(&s->not_empty);
        pthread_mutex_unlock(&s->lock);
        s->progress_path = e->path;
        progress(s, false);
        return 0;
    }
    case TK_WALK_TOO_LARGE:
    case TK_WALK_SPECIAL:
    case TK_WALK_EXCLUDED:
    case TK_WALK_OTHER_FS: {
        uint64_t *counter = e->kind == TK_WALK_TOO_LARGE ? &s->info->too_large
                            : e->kind == TK_WALK_SPECIAL ? &s->info->special
                            : e->kind == TK_WALK_EXCLUDED ? &s->info->excluded
                                                          : &s->info->other_fs;
        pthread_mutex_lock(&s->lock);
        (*counter)++;
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    case TK_WALK_TOO_DEEP:
        tk_err_set(&err, TK_ELIMIT, "%s: deeper than %d directories, not entered", e->path,
                   TK_WALK_MAX_DEPTH);
        break;
    case TK_WALK_ERROR:
        tk_err_sys(&err, e->error, "%s: cannot read", e->path);
        break;
    }
    pthread_mutex_lock(&s->lock);
    count_error(s, e->path, &err);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* ---- set-up ------------------------------------------------------------------------------- */

static int cores(void)
{
    int n = tk_sys_ncpu();
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
}

int tk_filescan(struct tk_bundle *b, const struct tk_filescan_opts *o, struct tk_err *err)
{
    struct scan s = { .o = o, .b = b, .info = &b->detect,
                      .ids = strcmp(tk_sys_os_family(), "windows") != 0 };
    int rc = 0, started = 0;
    double t0 = tk_time_mono();
    tk_arena_init(&s.names.arena, 64 << 20);
    tk_map_init(&s.names.users, 1000000);
    tk_map_init(&s.names.groups, 1000000);
    load_names(&s, "/etc/passwd", &s.names.users);
    load_names(&s, "/etc/group", &s.names.groups);
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.not_empty, NULL);
    pthread_cond_init(&s.not_full, NULL);
    pthread_cond_init(&s.big_free, NULL);
    s.nthreads = o->threads > 0 ? (o->threads > MAX_THREADS ? MAX_THREADS : o->threads) : cores();
    struct worker *w = tk_calloc((size_t)s.nthreads, sizeof *w);
    if (!w) {
        rc = tk_err_set(err, TK_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = tk_exclude_new(&s.exclude, o->exclude_globs, o->nexclude_globs, o->exclude_regex,
                             o->nexclude_regex, err)) != 0)
        goto done;
    if (o->cache &&
        (rc = tk_filecache_open(&s.cache, o->cache, o->rules ? tk_rules_hash(o->rules) : "",
                                err)) != 0)
        goto done;
    b->detect.ran = b->detect.disk = true;
    b->detect.threads = s.nthreads;
    double duty = 1;
    if (o->cpu_limit > 0 && o->cpu_limit < 100) {
        duty = (double)o->cpu_limit / 100 * cores() / s.nthreads;
        if (duty > 1)
            duty = 1;
    }
    for (int i = 0; i < s.nthreads; i++) {
        w[i].s = &s;
        w[i].duty = duty;
        w[i].json = (struct tk_buf)TK_BUF_INIT(64 << 20);
        if (tk_hash3_init(&w[i].hash) != 0 ||
            (o->iocs && !(w[i].scratch = tk_ioc_scratch_new(o->iocs)))) {
            rc = tk_err_set(err, TK_ENOMEM, "out of memory");
            goto done;
        }
        if (o->rules &&
            (rc = tk_scanner_new(&w[i].scanner, o->rules,
                                 o->timeout_s > 0 ? o->timeout_s : TK_FILESCAN_DEFAULT_TIMEOUT,
                                 err)) != 0)
            goto done;
    }
    for (; started < s.nthreads; started++)
        if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0) {
            rc = tk_err_set(err, TK_ENOMEM, "cannot start scan threads");
            break;
        }
    struct tk_walk_opts wo = { .max_size = o->max_size, .cross_fs = o->cross_fs,
                               .special_fs = o->special_fs, .exclude = excluded,
                               .exclude_ud = &s, .stop = o->stop };
    if (!s.exclude)
        wo.exclude = NULL;
    for (size_t i = 0; i < o->npaths && !rc && started; i++) {
        struct tk_err werr = { 0 };
        int r = tk_walk(o->fs, o->paths[i], &wo, on_entry, &s, &werr);
        if (r == TK_ENOMEM)
            rc = tk_err_set(err, TK_ENOMEM, "out of memory");
        else if (r) {
            pthread_mutex_lock(&s.lock);
            count_error(&s, o->paths[i], &werr);
            pthread_mutex_unlock(&s.lock);
        }
    }
    pthread_mutex_lock(&s.lock);
    s.done = true;
    pthread_cond_broadcast(&s.not_empty);
    pthread_mutex_unlock(&s.lock);
    for (int i = 0; i < started; i++)
        pthread_join(w[i].thread, NULL);
    s.progress_path = NULL;
    progress(&s, true);
done:
    if (s.cache) {
        struct tk_err cerr = { 0 };
        if (tk_filecache_close(s.cache, &cerr) != 0)
            tk_bundle_error(b, "filescan", o->cache, &cerr);
    }
    for (int i = 0; w && i < s.nthreads; i++) {
        tk_scanner_free(w[i].scanner);
        tk_ioc_scratch_free(w[i].scratch);
        tk_hash3_release(&w[i].hash);
        tk_free(w[i].buf);
        tk_buf_release(&w[i].json);
    }
    tk_free(w);
    tk_exclude_free(s.exclude);
    /* Jobs left in the queue when set-up failed half-way. */
    while (s.qlen) {
        close(s.queue[s.qhead].fd);
        tk_free(s.queue[s.qhead].path);
        s.qhead = (s.qhead + 1) % QUEUE_CAP;
        s.qlen--;
    }
    pthread_cond_destroy(&s.big_free);
    pthread_cond_destroy(&s.not_full);
    pthread_cond_destroy(&s.not_empty);
    pthread_mutex_destroy(&s.lock);
    tk_map_release(&s.names.users);
    tk_map_release(&s.names.groups);
    tk_arena_release(&s.names.arena);
    b->detect.seconds += tk_time_mono() - t0;
    return rc;
}
