/* ingest.c - the ingest driver: stream, gzip, records, format recognition (ingest.h). */
#include "surface/ingest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"

static const char *const format_names[TK_FMT_COUNT] = {
    [TK_FMT_AUTO] = "auto",       [TK_FMT_TENKEN] = "tenken",
    [TK_FMT_ZGRAB2] = "zgrab2",   [TK_FMT_SHODAN] = "shodan",
    [TK_FMT_CENSYS] = "censys",   [TK_FMT_MASSCAN] = "masscan",
    [TK_FMT_MASSCAN_LIST] = "masscan-list", [TK_FMT_NMAP_XML] = "nmap",
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

int tk_ingest_emit(struct tk_ingest *in, struct tk_obs *o)
{
    if (!o->format)
        o->format = tk_obs_format_name(in->format);
    if (!o->input)
        o->input = tk_arena_strdup(o->arena, in->input_at);
    int rc = tk_obs_finish(o);
    if (rc)
        return rc;
    in->stats->observations++;
    if (in->work) {
        tk_buf_reset(in->out);
        if ((rc = in->work(in->ud, o, in->out)) != 0)
            return rc;
        return in->out->len ? in->write(in->ud, in->out->ptr, in->out->len) : 0;
    }
    return in->emit ? in->emit(in->ud, o) : 0;
}

/* ---- the byte source --------------------------------------------------------------- */

struct tk_ingest_src {
    FILE *fp;
    bool gz;          /* inflating */
    bool in_eof;      /* fp is exhausted */
    bool member_end;  /* the current gzip member ended */
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

static void bad(struct tk_ingest *in, const char *why)
{
    in->stats->malformed++;
    if (in->bad)
        in->bad(in->ud, in->name, in->line, why);
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
    case TK_FMT_TENKEN: rc = tk_in_tenken(in, rec, &rerr); break;
    case TK_FMT_ZGRAB2: rc = tk_in_zgrab2(in, rec, &rerr); break;
    case TK_FMT_SHODAN: rc = tk_in_shodan(in, rec, &rerr); break;
    case TK_FMT_CENSYS: rc = tk_in_censys(in, rec, &rerr); break;
    case TK_FMT_MASSCAN: rc = tk_in_masscan(in, rec, &rerr); break;
    default: rc = TK_EINVAL; break;
    }
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
    if (n - i >= 5 && (memcmp(p + i, "open ", 5) == 0 || memcmp(p + i, "banner ", 7) == 0))
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
    struct tk_ingest in = { .format = opts->format, .name = name, .arena = &arena,
                            .emit = opts->emit, .bad = opts->bad, .ud = opts->ud,
                            .work = opts->work, .write = opts->write, .out = &out,
                            .stats = stats, .pending_arena = &pending };
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
            int got = next_line(&src, max_line, &line, &cut);
            if (got <= 0) {
                rc = got;
                break;
            }
            in.line++;
            snprintf(in.input_at, sizeof in.input_at, "%s:%llu", name,
                     (unsigned long long)in.line);
            if (cut) {
                stats->records++;
                bad(&in, "the line is longer than the longest record accepted");
                continue;
            }
            line = tk_str_trim(line);
            if (in.format == TK_FMT_MASSCAN_LIST) {
                if (!line.n || line.p[0] == '#')
                    continue;
                stats->records++;
                struct tk_err rerr = { 0 };
                int r = tk_in_masscan_list(&in, line, &rerr);
                if (r == TK_EPARSE || r == TK_ENOMEM)
                    bad(&in, rerr.msg[0] ? rerr.msg : "malformed line");
                else
                    rc = r;
            } else {
                /* masscan -oJ wraps records in an array with "," before each but the first */
                if (line.n && line.p[0] == ',')
                    line = tk_str_trim((struct tk_str){ line.p + 1, line.n - 1 });
                if (line.n && line.p[line.n - 1] == ',')
                    line.n--;
                if (!line.n || tk_str_eq_c(line, "[") || tk_str_eq_c(line, "]"))
                    continue;
                stats->records++;
                rc = json_record(&in, line, err);
            }
            tk_arena_reset(&arena);
        }
        if (!rc && in.format == TK_FMT_TENKEN)
            rc = tk_in_tenken_flush(&in);
    }
    if (rc == TK_EIO || src.error)
        rc = tk_err_set(err, TK_EIO, "%s: read failed after %llu bytes (a truncated or "
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
