/* bench_identify.c - the surface pipeline in stages, for bench/surface/run: how fast one scan
 * file is parsed (jansson, the streaming tokenizer, the compact document), turned into
 * observations, and fingerprinted and written as device records through the parallel ingest
 * driver, in N threads. Prints one line of figures to standard error.
 *
 * Usage: bench-identify [-j N] [--stage STAGE] [--kb FILE] [-o OUT] FILE
 *   STAGE: lines                        split the file into lines, nothing else
 *          jansson | jsonr | jdoc       parse each line, one thread, nothing else
 *          ingest                       records to observations (work writes nothing)
 *          identify (default)           fingerprints (built-in database), the knowledge base
 *                                       verdict when --kb is given, one JSON line each */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/jdoc.h"
#include "core/json.h"
#include "core/jsonr.h"
#include "kb/kb.h"
#include "surface/assess.h"
#include "surface/ingest.h"

struct ctx {
    struct tk_surface surface;
    FILE *out;
    uint64_t bad;
};

static int work_identify(void *ud, const struct tk_obs *o, struct tk_buf *out)
{
    const struct ctx *c = ud;
    struct tk_device sv;
    struct tk_json w;
    tk_surface_judge(&c->surface, o, &sv);
    tk_json_init_buf(&w, out, 0);
    tk_device_write_json(&sv, &w);
    return tk_buf_addc(out, '\n');
}

static int work_nothing(void *ud, const struct tk_obs *o, struct tk_buf *out)
{
    (void)ud, (void)o, (void)out;
    return 0;
}

static int write_out(void *ud, const char *p, size_t n)
{
    struct ctx *c = ud;
    return fwrite(p, 1, n, c->out) == n ? 0 : 1;
}

static void on_bad(void *ud, const char *input, uint64_t line, const char *why)
{
    struct ctx *c = ud;
    if (c->bad++ < 5)
        fprintf(stderr, "%s:%llu: %s\n", input, (unsigned long long)line, why);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One line through one parser (the stage names it); false when it refused the line. */
static bool parse_line(const char *stage, const char *p, size_t n, struct tk_arena *a)
{
    struct tk_err err = { 0 };
    if (strcmp(stage, "lines") == 0)
        return true;
    if (strcmp(stage, "jansson") == 0) {
        json_error_t je;
        json_t *j = json_loadb(p, n, JSON_ALLOW_NUL, &je);
        json_decref(j);
        return j != NULL;
    }
    if (strcmp(stage, "jsonr") == 0) {
        struct tk_jsonr_mem m = { (const unsigned char *)p, n };
        struct tk_jsonr r;
        struct tk_str t;
        int tok = tk_jsonr_init(&r, tk_jsonr_mem_read, &m, "", n + 1, &err);
        if (!tok)
            while ((tok = tk_jsonr_next(&r, &t, &err)) > 0)
                ;
        tk_jsonr_release(&r);
        return tok == 0;
    }
    struct tk_jv *v;
    bool ok = tk_jdoc_parse(a, p, n, "", &v, &err) == 0;
    tk_arena_reset(a);
    return ok;
}

/* Parsing only: the file in chunks of 64 MiB, every line through one parser. */
static int parse_only(FILE *fp, const char *stage, uint64_t *records, uint64_t *bytes)
{
    size_t cap = (size_t)64 << 20, len = 0;
    char *buf = tk_malloc(cap);
    struct tk_arena a;
    tk_arena_init(&a, (size_t)1 << 30);
    int failed = 0;
    for (bool eof = false; buf && !eof;) {
        size_t k = fread(buf + len, 1, cap - len, fp);
        eof = k == 0;
        len += k;
        *bytes += k;
        const char *p = buf, *end = buf + len, *nl;
        while (p < end && ((nl = memchr(p, '\n', (size_t)(end - p))) || eof)) {
            if (!nl)
                nl = end;
            if (nl > p) {
                (*records)++;
                failed += !parse_line(stage, p, (size_t)(nl - p), &a);
            }
            p = nl + 1;
        }
        len = p < end ? (size_t)(end - p) : 0;
        memmove(buf, p < end ? p : buf, len);
        if (len == cap)
            break; /* a line longer than the buffer: not a scan file */
    }
    tk_free(buf);
    tk_arena_release(&a);
    return failed;
}

int main(int argc, char **argv)
{
    const char *stage = "identify", *kbpath = NULL, *outpath = "/dev/null", *file = NULL;
    unsigned threads = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
            threads = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--stage") == 0 && i + 1 < argc)
            stage = argv[++i];
        else if (strcmp(argv[i], "--kb") == 0 && i + 1 < argc)
            kbpath = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            outpath = argv[++i];
        else
            file = argv[i];
    }
    if (!file) {
        fprintf(stderr, "usage: bench-identify [-j N] [--stage lines|jansson|jsonr|jdoc|ingest|"
                        "identify] [--kb FILE] [-o OUT] FILE\n");
        return 2;
    }
    FILE *fp = fopen(file, "rb");
    if (!fp) {
        perror(file);
        return 2;
    }
    struct ctx c = { 0 };
    struct tk_fpdb *db = NULL;
    struct tk_kb *kb = NULL;
    struct tk_matcher *m = NULL;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct tk_err err = { 0 };
    struct tk_ingest_stats st = { 0 };
    int rc = 0;
    double t0 = now();
    if (strcmp(stage, "jansson") == 0 || strcmp(stage, "jsonr") == 0 ||
        strcmp(stage, "jdoc") == 0 || strcmp(stage, "lines") == 0) {
        threads = 1;
        rc = parse_only(fp, stage, &st.records, &st.bytes);
        if (rc)
            fprintf(stderr, "%d lines did not parse\n", rc);
        rc = 0;
    } else {
        bool identify = strcmp(stage, "identify") == 0;
        if (identify && tk_fpdb_load(&db, NULL, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        if (identify && kbpath &&
            (tk_kb_open(&kb, kbpath, TK_KB_READONLY, &err) || tk_matcher_new(&m, kb, &err))) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        c.surface = (struct tk_surface){ .fp = db, .matcher = m, .lock = &lock };
        if (!(c.out = fopen(outpath, "wb"))) {
            perror(outpath);
            return 2;
        }
        t0 = now();
        struct tk_ingest_opts o = { .work = identify ? work_identify : work_nothing,
                                    .write = write_out,
                                    .threads = threads,
                                    .bad = on_bad,
                                    .ud = &c };
        rc = tk_ingest_stream(fp, file, &o, &st, &err);
        if (fclose(c.out) != 0 && !rc)
            rc = TK_EIO;
        if (rc)
            fprintf(stderr, "%s\n", err.msg[0] ? err.msg : "failed");
    }
    double dt = now() - t0;
    fclose(fp);
    fprintf(stderr,
            "%s: %d threads: %llu records, %llu observations, %llu malformed, %.1f MB in "
            "%.2f s: %.1f MB/s, %.0f records/s\n",
            stage, threads, (unsigned long long)st.records, (unsigned long long)st.observations,
            (unsigned long long)st.malformed, (double)st.bytes / 1e6, dt,
            (double)st.bytes / 1e6 / dt, (double)st.records / dt);
    tk_matcher_free(m);
    tk_kb_close(kb);
    tk_fpdb_free(db);
    return rc ? 1 : 0;
}
