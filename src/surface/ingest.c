/* ingest.c - the ingest driver: stream, gzip, records, format recognition, and the parallel
 * form that parses and works in several threads and writes in input order (ingest.h). */
#include "surface/ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"

static const char *const format_names[TK_FMT_COUNT] = {
    [TK_FMT_AUTO] = "auto",
    [TK_FMT_TENKEN] = "tenken",
    [TK_FMT_ZGRAB2] = "zgrab2",
    [TK_FMT_SHODAN] = "shodan",
    [TK_FMT_CENSYS] = "censys",
    [TK_FMT_MASSCAN] = "masscan",
    [TK_FMT_MASSCAN_LIST] = "masscan-list",
    [TK_FMT_NMAP_XML] = "nmap",
};

const char *tk_obs_format_name(enum tk_obs_format f)
{
    return f >= 0 && f < TK_FMT_COUNT ? format_names[f] : "unknown";
}

int tk_obs_format_parse(const char *name, enum tk_obs_format *out)
{
    for (int i = 0; name && i < TK_FMT_COUNT; i++)
        if (strcmp(name, format_names[i]) == 0) {
            *out = (enum tk_obs_format)i;
            return 0;
        }
    return TK_EINVAL;
}

enum tk_obs_format tk_obs_format_guess_json(const struct tk_jv *rec)
{
    if (!tk_jv_is(rec, TK_JV_OBJECT))
        return TK_FMT_AUTO;
    if (tk_jv_get(rec, "ip_str") || tk_jv_get(rec, "_shodan"))
        return TK_FMT_SHODAN;
    if (tk_jv_is(tk_jv_get(rec, "services"), TK_JV_ARRAY))
        return TK_FMT_CENSYS;
    if (tk_jv_is(tk_jv_get(rec, "data"), TK_JV_OBJECT) && !tk_jv_get(rec, "rec_type"))
        return TK_FMT_ZGRAB2;
    if (tk_jv_get(rec, "rec_type") || tk_jv_is(tk_jv_get(rec, "ports"), TK_JV_ARRAY))
        return TK_FMT_MASSCAN;
    if (tk_jv_get(rec, "ip") && (tk_jv_get(rec, "url") || tk_jv_get(rec, "port")))
        return TK_FMT_TENKEN;
    return TK_FMT_AUTO;
}

/* ---- the byte source --------------------------------------------------------------- */

struct tk_ingest_src {
    FILE *fp;
    bool gz;         /* inflating */
    bool in_eof;     /* fp is exhausted */
    bool member_end; /* the current gzip member ended */
    z_stream zs;
    unsigned char *zin; /* compressed input */
    unsigned char *buf; /* bytes read but not yet consumed */
    size_t pos, len, cap;
    bool eof, error;
    uint64_t *bytes;
};

/* Decompressed (or plain) bytes straight from the input: count, 0 at the end, -1 on error
 * (a read error, corrupt data, or a gzip stream cut short). */
static long raw_read(struct tk_ingest_src *s, unsigned char *p, size_t n)
{
    if (n > 1u << 30)
        n = 1u << 30;
    if (!s->gz) {
        size_t k = fread(p, 1, n, s->fp);
        if (!k && ferror(s->fp))
            return -1;
        return (long)k;
    }
    s->zs.next_out = p;
    s->zs.avail_out = (uInt)n;
    while (s->zs.avail_out == n) {
        if (s->zs.avail_in == 0 && !s->in_eof) {
            size_t k = fread(s->zin, 1, 1 << 16, s->fp);
            if (!k && ferror(s->fp))
                return -1;
            if (!k)
                s->in_eof = true;
            s->zs.next_in = s->zin;
            s->zs.avail_in = (uInt)k;
        }
        if (s->member_end) {
            if (s->zs.avail_in == 0 && s->in_eof)
                return 0; /* the end, after a complete member */
            if (inflateReset(&s->zs) != Z_OK)
                return -1;
            s->member_end = false; /* another member follows (concatenated gzip) */
        }
        if (s->zs.avail_in == 0 && s->in_eof)
            return -1; /* the stream ended inside a member */
        int r = inflate(&s->zs, Z_NO_FLUSH);
        if (r == Z_STREAM_END)
            s->member_end = true;
        else if (r != Z_OK && r != Z_BUF_ERROR)
            return -1;
    }
    return (long)(n - s->zs.avail_out);
}

long tk_ingest_read(struct tk_ingest_src *s, void *p, size_t n)
{
    if (s->pos < s->len) {
        size_t k = s->len - s->pos < n ? s->len - s->pos : n;
        memcpy(p, s->buf + s->pos, k);
        s->pos += k;
        return (long)k;
    }
    if (s->eof)
        return 0;
    long k = raw_read(s, p, n);
    if (k < 0) {
        s->error = true;
        return -1;
    }
    if (k == 0)
        s->eof = true;
    *s->bytes += (uint64_t)k;
    return k;
}

/* Makes sure at least want bytes (or the rest of the input) are buffered from pos on. */
static int fill(struct tk_ingest_src *s, size_t want)
{
    if (s->pos && (s->len - s->pos < want)) {
        memmove(s->buf, s->buf + s->pos, s->len - s->pos);
        s->len -= s->pos;
        s->pos = 0;
    }
    while (s->len - s->pos < want && !s->eof) {
        if (s->cap - s->len < 65536) {
            size_t ncap = s->cap ? s->cap * 2 : 1 << 20;
            unsigned char *nb = tk_realloc(s->buf, ncap);
            if (!nb)
                return TK_ENOMEM;
            s->buf = nb;
            s->cap = ncap;
        }
        size_t room = s->cap - s->len;
        if (room > 1u << 30)
            room = 1u << 30;
        long k = raw_read(s, s->buf + s->len, room);
        if (k < 0) {
            s->error = true;
            return TK_EIO;
        }
        if (k == 0)
            s->eof = true;
        s->len += (size_t)k;
        *s->bytes += (uint64_t)k;
    }
    return 0;
}

/* The next line (without its newline) into *line; false at the end. A line longer than max
 * is returned cut, with *cut set, and the rest of it skipped. */
static int next_line(struct tk_ingest_src *s, size_t max, struct tk_str *line, bool *cut)
{
    *cut = false;
    size_t scanned = 0;
    for (;;) {
        unsigned char *start = s->buf + s->pos;
        unsigned char *nl = s->len > s->pos + scanned
                                ? memchr(start + scanned, '\n', s->len - s->pos - scanned)
                                : NULL;
        if (nl) {
            size_t n = (size_t)(nl - start);
            *line = (struct tk_str){ (const char *)start, n };
            s->pos += n + 1;
            return 1;
        }
        scanned = s->len - s->pos;
        if (scanned > max) {
            /* too long: skip to the next newline */
            *cut = true;
            *line = (struct tk_str){ (const char *)start, 0 };
            s->pos = s->len;
            for (;;) {
                s->pos = s->len = 0;
                int rc = fill(s, 1);
                if (rc)
                    return rc;
                if (s->len == 0)
                    return 1;
                unsigned char *e = memchr(s->buf, '\n', s->len);
                if (e) {
                    s->pos = (size_t)(e - s->buf) + 1;
                    return 1;
                }
            }
        }
        if (s->eof) {
            if (!scanned)
                return 0;
            *line = (struct tk_str){ (const char *)start, scanned };
            s->pos = s->len;
            return 1;
        }
        int rc = fill(s, scanned + 65536);
        if (rc)
            return rc;
    }
}

/* ---- the driver ---------------------------------------------------------------------- */

/* What processing a batch of lines in a worker gave, replayed by the writer in input order:
 * the same counts, callbacks and stop, in the same order, as reading them one by one. */
enum ev_kind { EV_RECORD, EV_OBS, EV_BAD, EV_STOP };

struct ev {
    enum ev_kind kind;
    size_t n;      /* EV_OBS: bytes of its output in the batch's out */
    uint64_t line; /* EV_BAD */
};

struct span {
    size_t off, n;
    bool cut; /* longer than the longest record accepted */
};

enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_BUSY, SLOT_DONE };

struct tk_ingest_batch {
    enum slot_state state;
    uint64_t seq;
    uint64_t line0; /* the line before the first one */
    char *text;     /* the lines, copied */
    size_t len, cap;
    struct span *lines;
    size_t nlines, clines;
    struct tk_buf out; /* bytes of the observations, one after the other */
    struct tk_buf why; /* texts of the bad records, each with its NUL */
    struct ev *ev;
    size_t nev, cev;
    bool oom; /* an event could not be kept: the stream ends out of memory */
    int rc;   /* with EV_STOP */
    struct tk_err err;
};

#define BATCH_BYTES ((size_t)1 << 20)
#define BATCH_LINES 16384

static void event(struct tk_ingest *in, enum ev_kind kind, size_t n)
{
    struct tk_ingest_batch *b = in->batch;
    if (b->oom || tk_grow((void **)&b->ev, &b->cev, b->nev + 1, sizeof *b->ev, (size_t)1 << 26)) {
        b->oom = true;
        return;
    }
    b->ev[b->nev++] = (struct ev){ kind, n, in->line };
}

static void count_record(struct tk_ingest *in)
{
    if (in->batch)
        event(in, EV_RECORD, 0);
    else
        in->stats->records++;
}

static void bad(struct tk_ingest *in, const char *why)
{
    if (in->batch) {
        if (tk_buf_add(&in->batch->why, why, strlen(why) + 1))
            in->batch->oom = true;
        event(in, EV_BAD, 0);
        return;
    }
    in->stats->malformed++;
    if (in->bad)
        in->bad(in->ud, in->name, in->line, why);
}

unsigned tk_jv_port(const struct tk_jv *v)
{
    uint64_t u = 0;
    if (tk_jv_is(v, TK_JV_INT) && tk_jv_int(v) > 0 && tk_jv_int(v) < 65536)
        return (unsigned)tk_jv_int(v);
    if (tk_jv_str(v) && tk_str_to_u64(tk_str_trim(tk_jv_text(v)), &u) && u > 0 && u < 65536)
        return (unsigned)u;
    return 0;
}

static int names_jv(struct tk_obs *o, const struct tk_jv *arr,
                    int (*add)(struct tk_obs *, struct tk_str))
{
    size_t i;
    const struct tk_jv *el;
    int rc = 0;
    tk_jv_foreach (arr, i, el) {
        if (tk_jv_str(el) && (rc = add(o, tk_jv_text(el))) != 0)
            break;
    }
    return rc;
}

int tk_obs_sans_jv(struct tk_obs *o, const struct tk_jv *arr)
{
    return names_jv(o, arr, tk_obs_san_add);
}

int tk_obs_hostnames_jv(struct tk_obs *o, const struct tk_jv *arr)
{
    return names_jv(o, arr, tk_obs_hostname_add);
}

int tk_ingest_emit(struct tk_ingest *in, struct tk_obs *o)
{
    if (!o->format)
        o->format = tk_obs_format_name(in->format);
    if (!o->input)
        o->input = tk_arena_strdup(o->arena, in->input_at);
    int rc = tk_obs_finish(o);
    if (rc)
        return rc;
    if (!in->work) {
        in->stats->observations++;
        rc = in->emit ? in->emit(in->ud, o) : 0;
    } else if (in->batch) {
        /* the bytes wait in the batch for the writer; a failure is replayed in its place */
        struct tk_ingest_batch *b = in->batch;
        tk_buf_reset(in->out);
        rc = in->work(in->ud, o, in->out);
        if (!rc && in->out->len && tk_buf_add(&b->out, in->out->ptr, in->out->len))
            rc = TK_ENOMEM;
        event(in, EV_OBS, rc ? 0 : in->out->len);
    } else {
        in->stats->observations++;
        tk_buf_reset(in->out);
        if ((rc = in->work(in->ud, o, in->out)) == 0 && in->out->len)
            rc = in->write(in->ud, in->out->ptr, in->out->len);
    }
    /* the callbacks' word is final: not to be taken for a record too large (json_record) */
    if (rc)
        in->stopped = rc;
    return rc;
}

static int json_record(struct tk_ingest *in, struct tk_str text, struct tk_err *err)
{
    struct tk_jv *rec = NULL;
    struct tk_err perr = { 0 };
    if (tk_jdoc_parse(in->arena, text.p, text.n, "", &rec, &perr)) {
        /* the reader says ":1:COLUMN: reason"; the line is the record's own */
        unsigned long long l = 0, col = 0;
        int used = 0;
        char why[sizeof perr.msg + 64];
        if (sscanf(perr.msg, ":%llu:%llu: %n", &l, &col, &used) == 2 && used > 0)
            snprintf(why, sizeof why, "invalid JSON at column %llu: %s", col, perr.msg + used);
        else
            snprintf(why, sizeof why, "invalid JSON: %s", perr.msg);
        bad(in, why);
        return 0;
    }
    if (in->format == TK_FMT_AUTO) {
        in->format = tk_obs_format_guess_json(rec);
        if (in->format == TK_FMT_AUTO) {
            bad(in, "not a record of a known format (zgrab2, Shodan, Censys, masscan, "
                    "tenken JSONL)");
            return 0;
        }
    }
    int rc;
    struct tk_err rerr = { 0 };
    switch (in->format) {
    case TK_FMT_TENKEN:
        rc = tk_in_tenken(in, rec, &rerr);
        break;
    case TK_FMT_ZGRAB2:
        rc = tk_in_zgrab2(in, rec, &rerr);
        break;
    case TK_FMT_SHODAN:
        rc = tk_in_shodan(in, rec, &rerr);
        break;
    case TK_FMT_CENSYS:
        rc = tk_in_censys(in, rec, &rerr);
        break;
    case TK_FMT_MASSCAN:
        rc = tk_in_masscan(in, rec, &rerr);
        break;
    default:
        rc = TK_EINVAL;
        break;
    }
    if (in->stopped)
        return in->stopped;
    if (rc == TK_EPARSE) {
        bad(in, rerr.msg[0] ? rerr.msg : "malformed record");
        return 0;
    }
    if (rc == TK_ENOMEM || rc == TK_ELIMIT) {
        /* one record too large for its bounds: skipped, the stream goes on */
        bad(in, "the record exceeds the memory bound for one record");
        return 0;
    }
    if (rc < 0)
        return tk_err_set(err, rc, "%s: %s", in->input_at, rerr.msg[0] ? rerr.msg : "failed");
    return rc;
}

/* "name:line" of the record at in->line. */
static void set_input_at(struct tk_ingest *in)
{
    size_t k = strlen(in->name);
    char num[24];
    size_t d = 0;
    uint64_t v = in->line;
    do
        num[d++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    if (k + 1 + d >= sizeof in->input_at) {
        snprintf(in->input_at, sizeof in->input_at, "%s:%llu", in->name,
                 (unsigned long long)in->line);
        return;
    }
    memcpy(in->input_at, in->name, k);
    in->input_at[k++] = ':';
    while (d)
        in->input_at[k++] = num[--d];
    in->input_at[k] = '\0';
}

/* One line of a line-oriented format (in->line is its number): 0, or what ends the stream. */
static int one_line(struct tk_ingest *in, struct tk_str line, bool cut, struct tk_err *err)
{
    set_input_at(in);
    if (cut) {
        count_record(in);
        bad(in, "the line is longer than the longest record accepted");
        return 0;
    }
    line = tk_str_trim(line);
    if (in->format == TK_FMT_MASSCAN_LIST) {
        if (!line.n || line.p[0] == '#')
            return 0;
        count_record(in);
        struct tk_err rerr = { 0 };
        int r = tk_in_masscan_list(in, line, &rerr);
        if (in->stopped)
            return in->stopped;
        if (r == TK_EPARSE || r == TK_ENOMEM || r == TK_ELIMIT) {
            bad(in, rerr.msg[0] ? rerr.msg : "malformed line");
            return 0;
        }
        return r;
    }
    /* masscan -oJ wraps records in an array with "," before each but the first */
    if (line.n && line.p[0] == ',')
        line = tk_str_trim((struct tk_str){ line.p + 1, line.n - 1 });
    if (line.n && line.p[line.n - 1] == ',')
        line.n--;
    if (!line.n || tk_str_eq_c(line, "[") || tk_str_eq_c(line, "]"))
        return 0;
    count_record(in);
    return json_record(in, line, err);
}

/* ---- the parallel form ----------------------------------------------------------------
 *
 * A reader thread cuts the stream into batches of whole lines (copied, with their numbers),
 * worker threads turn each batch into events and output bytes (each with its own arena and
 * nothing shared but the callbacks' user data), and the calling thread replays the batches
 * in input order: counts, `bad` and `write` calls happen there, one at a time, exactly as in
 * the serial loop. A fixed ring of 2 * workers + 2 batches, and a budget of that many MiB
 * of text not yet written, bound the memory whatever the input size and line lengths; a
 * batch is refilled only after the writer is done with it. */

struct par {
    const struct tk_ingest_opts *opts;
    const char *name;
    enum tk_obs_format format;
    size_t max_line;
    struct tk_ingest_src *src;
    uint64_t line; /* the reader's line count */
    struct tk_ingest_batch *slots;
    size_t nslots;
    pthread_mutex_t mu;
    pthread_cond_t can_read, can_work, can_write;
    uint64_t next_read, next_write;
    size_t inflight, budget; /* text bytes held by batches not yet written, and the bound */
    bool eof;    /* the reader published its last batch */
    bool stop;   /* the writer stopped the stream */
    int read_rc; /* the reader's error, after its last batch */
};

/* Fills b with the next lines: 0, or a read error after the lines read before it. */
static int read_batch(struct par *p, struct tk_ingest_batch *b, bool *end)
{
    b->len = b->nlines = 0;
    b->line0 = p->line;
    *end = false;
    while (b->len < BATCH_BYTES && b->nlines < BATCH_LINES) {
        struct tk_str line;
        bool cut;
        int got = next_line(p->src, p->max_line, &line, &cut);
        if (got <= 0) {
            *end = true;
            return got;
        }
        if (tk_grow((void **)&b->lines, &b->clines, b->nlines + 1, sizeof *b->lines, BATCH_LINES) ||
            (b->cap - b->len < line.n &&
             tk_grow((void **)&b->text, &b->cap, b->len + line.n, 1, (size_t)1 << 40))) {
            *end = true;
            return TK_ENOMEM;
        }
        if (line.n)
            memcpy(b->text + b->len, line.p, line.n);
        b->lines[b->nlines++] = (struct span){ b->len, line.n, cut };
        b->len += line.n;
        p->line++;
    }
    return 0;
}

static void *reader_main(void *arg)
{
    struct par *p = arg;
    for (bool end = false; !end;) {
        pthread_mutex_lock(&p->mu);
        struct tk_ingest_batch *b = &p->slots[p->next_read % p->nslots];
        /* a free slot, and room in the text budget: batches end past BATCH_BYTES, but one
         * line may be max_line long, and every slot holding such lines would not be flat */
        while (!p->stop && (b->state != SLOT_FREE || p->inflight >= p->budget))
            pthread_cond_wait(&p->can_read, &p->mu);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        int rc = read_batch(p, b, &end);
        pthread_mutex_lock(&p->mu);
        b->seq = p->next_read++;
        b->state = SLOT_FILLED;
        p->inflight += b->len;
        if (end) {
            p->eof = true;
            p->read_rc = rc;
            pthread_cond_broadcast(&p->can_write);
        }
        pthread_cond_broadcast(&p->can_work);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static void work_batch(struct tk_ingest *in, struct tk_ingest_batch *b)
{
    b->nev = 0;
    b->oom = false;
    b->rc = 0;
    b->err.msg[0] = '\0';
    tk_buf_reset(&b->out);
    tk_buf_reset(&b->why);
    in->batch = b;
    for (size_t i = 0; i < b->nlines && !b->oom; i++) {
        in->line = b->line0 + i + 1;
        /* a batch of empty lines has no text at all */
        struct tk_str line = { b->text ? b->text + b->lines[i].off : "", b->lines[i].n };
        int rc = one_line(in, line, b->lines[i].cut, &b->err);
        tk_arena_reset(in->arena);
        if (rc) {
            b->rc = rc;
            event(in, EV_STOP, 0);
            break;
        }
    }
}

struct worker {
    struct par *par;
    pthread_t tid;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct par *p = w->par;
    struct tk_arena arena;
    struct tk_buf out = TK_BUF_INIT((size_t)64 << 20);
    struct tk_ingest_stats none = { 0 };
    tk_arena_init(&arena, 16 * p->max_line + (16u << 20));
    struct tk_ingest in = { .format = p->format,
                            .name = p->name,
                            .arena = &arena,
                            .work = p->opts->work,
                            .write = p->opts->write,
                            .out = &out,
                            .bad = p->opts->bad,
                            .ud = p->opts->ud,
                            .stats = &none };
    for (;;) {
        pthread_mutex_lock(&p->mu);
        struct tk_ingest_batch *b = NULL;
        for (;;) {
            for (size_t i = 0; i < p->nslots; i++)
                if (p->slots[i].state == SLOT_FILLED && (!b || p->slots[i].seq < b->seq))
                    b = &p->slots[i];
            if (p->stop)
                b = NULL;
            if (b || p->stop || p->eof)
                break;
            pthread_cond_wait(&p->can_work, &p->mu);
        }
        if (b)
            b->state = SLOT_BUSY;
        pthread_mutex_unlock(&p->mu);
        if (!b)
            break; /* stopped, or the last batch is taken */
        work_batch(&in, b);
        pthread_mutex_lock(&p->mu);
        b->state = SLOT_DONE;
        pthread_cond_broadcast(&p->can_write);
        pthread_mutex_unlock(&p->mu);
    }
    tk_arena_release(&arena);
    tk_buf_release(&out);
    return NULL;
}

/* The writer: one batch's events, in order. */
static int replay(struct par *p, const struct tk_ingest_batch *b, struct tk_ingest_stats *st,
                  struct tk_err *err)
{
    const struct tk_ingest_opts *o = p->opts;
    size_t off = 0;
    const char *why = b->why.ptr;
    for (size_t i = 0; i < b->nev; i++) {
        const struct ev *e = &b->ev[i];
        switch (e->kind) {
        case EV_RECORD:
            st->records++;
            break;
        case EV_OBS:
            st->observations++;
            if (e->n) {
                int rc = o->write(o->ud, b->out.ptr + off, e->n);
                off += e->n;
                if (rc)
                    return rc;
            }
            break;
        case EV_BAD:
            st->malformed++;
            if (o->bad)
                o->bad(o->ud, p->name, e->line, why);
            why += strlen(why) + 1;
            break;
        case EV_STOP:
            if (b->err.msg[0])
                *err = b->err;
            return b->rc;
        }
    }
    return b->oom ? tk_err_set(err, TK_ENOMEM, "%s: out of memory", p->name) : 0;
}

/* Frees what one long line or a large output made a batch keep. */
static void trim_batch(struct tk_ingest_batch *b)
{
    if (b->cap > 4 * BATCH_BYTES) {
        tk_free(b->text);
        b->text = NULL;
        b->cap = 0;
    }
    if (b->out.cap > 16 * BATCH_BYTES)
        tk_buf_release(&b->out);
    if (b->why.cap > BATCH_BYTES)
        tk_buf_release(&b->why);
}

/* The rest of the stream in `threads` workers: 0 or what ended the stream. *ran is false when
 * no thread could be started and nothing was read (the caller goes on by itself). */
static int run_parallel(struct tk_ingest *in, struct tk_ingest_src *src, size_t max_line,
                        const struct tk_ingest_opts *opts, struct tk_ingest_stats *stats, bool *ran,
                        struct tk_err *err)
{
    unsigned nworkers = opts->threads;
    struct par p = { .opts = opts,
                     .name = in->name,
                     .format = in->format,
                     .max_line = max_line,
                     .src = src,
                     .line = in->line,
                     .nslots = 2 * (size_t)nworkers + 2 };
    p.budget = p.nslots * BATCH_BYTES;
    p.slots = tk_calloc(p.nslots, sizeof *p.slots);
    struct worker *w = tk_calloc(nworkers, sizeof *w);
    *ran = false;
    if (!p.slots || !w) {
        tk_free(p.slots);
        tk_free(w);
        return 0;
    }
    for (size_t i = 0; i < p.nslots; i++) {
        tk_buf_init(&p.slots[i].out, (size_t)1 << 30);
        tk_buf_init(&p.slots[i].why, (size_t)1 << 30);
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.can_read, NULL);
    pthread_cond_init(&p.can_work, NULL);
    pthread_cond_init(&p.can_write, NULL);
    unsigned started = 0;
    pthread_t reader;
    bool have_reader = false;
    for (unsigned i = 0; i < nworkers; i++) {
        w[started].par = &p;
        if (pthread_create(&w[started].tid, NULL, worker_main, &w[started]) == 0)
            started++;
    }
    if (started)
        have_reader = pthread_create(&reader, NULL, reader_main, &p) == 0;
    int rc = 0;
    *ran = have_reader;
    if (!have_reader) {
        pthread_mutex_lock(&p.mu);
        p.stop = true;
        pthread_cond_broadcast(&p.can_work);
        pthread_mutex_unlock(&p.mu);
    }
    while (have_reader) {
        pthread_mutex_lock(&p.mu);
        struct tk_ingest_batch *b = &p.slots[p.next_write % p.nslots];
        while (!(b->state == SLOT_DONE && b->seq == p.next_write) &&
               !(p.eof && p.next_write == p.next_read))
            pthread_cond_wait(&p.can_write, &p.mu);
        bool done = b->state != SLOT_DONE || b->seq != p.next_write;
        pthread_mutex_unlock(&p.mu);
        if (done) {
            rc = p.read_rc;
            break;
        }
        rc = replay(&p, b, stats, err);
        trim_batch(b);
        pthread_mutex_lock(&p.mu);
        p.inflight -= b->len;
        b->state = SLOT_FREE;
        p.next_write++;
        if (rc) {
            p.stop = true;
            pthread_cond_broadcast(&p.can_work);
        }
        pthread_cond_broadcast(&p.can_read);
        pthread_mutex_unlock(&p.mu);
        if (rc)
            break;
    }
    if (have_reader)
        pthread_join(reader, NULL);
    for (unsigned i = 0; i < started; i++)
        pthread_join(w[i].tid, NULL);
    in->line = p.line;
    for (size_t i = 0; i < p.nslots; i++) {
        tk_free(p.slots[i].text);
        tk_free(p.slots[i].lines);
        tk_free(p.slots[i].ev);
        tk_buf_release(&p.slots[i].out);
        tk_buf_release(&p.slots[i].why);
    }
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.can_read);
    pthread_cond_destroy(&p.can_work);
    pthread_cond_destroy(&p.can_write);
    tk_free(p.slots);
    tk_free(w);
    return rc;
}

static enum tk_obs_format sniff(const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i < n && p[i] == '<')
        return TK_FMT_NMAP_XML;
    if (n - i >= 8 && memcmp(p + i, "#masscan", 8) == 0)
        return TK_FMT_MASSCAN_LIST;
    if ((n - i >= 5 && memcmp(p + i, "open ", 5) == 0) ||
        (n - i >= 7 && memcmp(p + i, "banner ", 7) == 0))
        return TK_FMT_MASSCAN_LIST;
    return TK_FMT_AUTO; /* JSON: decided by the first record */
}

int tk_ingest_stream(FILE *fp, const char *name, const struct tk_ingest_opts *opts,
                     struct tk_ingest_stats *stats, struct tk_err *err)
{
    size_t max_line = opts->max_line ? opts->max_line : (size_t)64 << 20;
    struct tk_ingest_src src = { .fp = fp, .bytes = &stats->bytes };
    int c1 = getc(fp), c2 = c1 == EOF ? EOF : getc(fp);
    if (c1 == 0x1f && c2 == 0x8b) {
        src.gz = true;
        src.zin = tk_malloc(1 << 16);
        if (!src.zin || inflateInit2(&src.zs, 15 + 16) != Z_OK) {
            tk_free(src.zin);
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
        }
        src.zin[0] = 0x1f;
        src.zin[1] = 0x8b;
        src.zs.next_in = src.zin;
        src.zs.avail_in = 2;
    } else {
        /* the two bytes go back in front of the rest (ungetc promises only one) */
        src.buf = tk_malloc(1 << 20);
        if (!src.buf)
            return tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
        src.cap = 1 << 20;
        if (c1 != EOF)
            src.buf[src.len++] = (unsigned char)c1;
        if (c2 != EOF)
            src.buf[src.len++] = (unsigned char)c2;
        stats->bytes += src.len;
    }
    struct tk_arena arena, pending;
    struct tk_buf out = TK_BUF_INIT((size_t)64 << 20);
    tk_arena_init(&arena, 16 * max_line + (16u << 20));
    tk_arena_init(&pending, 64u << 20);
    struct tk_ingest in = { .format = opts->format,
                            .name = name,
                            .arena = &arena,
                            .emit = opts->emit,
                            .bad = opts->bad,
                            .ud = opts->ud,
                            .work = opts->work,
                            .write = opts->write,
                            .out = &out,
                            .stats = stats,
                            .pending_arena = &pending };
    /* the parallel form once the format is known: records of the line formats stand alone
     * (tenken JSONL merges consecutive lines and nmap XML is one document: both serial) */
    bool parallel = opts->work && opts->write && opts->threads > 1;
    int rc = fill(&src, 4096);
    if (!rc && in.format == TK_FMT_AUTO)
        in.format = sniff(src.buf, src.len);
    if (!rc && in.format == TK_FMT_NMAP_XML) {
        struct tk_err xerr = { 0 };
        rc = tk_in_nmap_xml(&in, &src, &xerr);
        if (rc == TK_EPARSE) {
            /* the document is broken from here on: what came before was emitted */
            bad(&in, xerr.msg);
            rc = 0;
        } else if (rc < 0) {
            tk_err_set(err, rc, "%s", xerr.msg);
        }
    } else {
        struct tk_str line;
        bool cut;
        while (!rc) {
            if (parallel && in.format != TK_FMT_AUTO && in.format != TK_FMT_TENKEN) {
                bool ran;
                parallel = false;
                rc = run_parallel(&in, &src, max_line, opts, stats, &ran, err);
                if (ran)
                    break; /* else no thread started: on by ourselves */
            }
            int got = next_line(&src, max_line, &line, &cut);
            if (got <= 0) {
                rc = got;
                break;
            }
            in.line++;
            rc = one_line(&in, line, cut, err);
            tk_arena_reset(&arena);
        }
        if (!rc && in.format == TK_FMT_TENKEN)
            rc = tk_in_tenken_flush(&in);
    }
    if (rc == TK_EIO || src.error)
        rc = tk_err_set(err, TK_EIO,
                        "%s: read failed after %llu bytes (a truncated or "
                        "corrupt gzip stream?)",
                        name, (unsigned long long)stats->bytes);
    else if (rc == TK_ENOMEM && !err->msg[0])
        rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", name);
    if (src.gz)
        inflateEnd(&src.zs);
    tk_free(src.zin);
    tk_free(src.buf);
    tk_arena_release(&arena);
    tk_arena_release(&pending);
    tk_buf_release(&out);
    return rc;
}
