/* ingest.h - reading scan data: every supported format into observations (obs.h).
 *
 * The driver (ingest.c) opens a stream (a file, stdin, gzip transparently), recognises the
 * format from its first record unless told, and hands each record to that format's parser
 * (in_<format>.c). A record that does not parse is counted and reported with input name
 * and line through the `bad` callback; the stream goes on. Memory is bounded per record,
 * so the input size does not matter; so is the parallel form's (tk_ingest_stream).
 *
 * Line-oriented JSON formats receive one parsed line (core/jdoc.h); masscan's list format
 * receives the text line; nmap XML is a document and gets the byte stream. */
#ifndef TK_SURFACE_INGEST_H
#define TK_SURFACE_INGEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/jdoc.h"
#include "core/buf.h"
#include "surface/obs.h"

enum tk_obs_format {
    TK_FMT_AUTO,
    TK_FMT_TENKEN,       /* tenken's plain JSONL: one fetched URL per line */
    TK_FMT_ZGRAB2,       /* zgrab2 JSON lines */
    TK_FMT_SHODAN,       /* Shodan banners, one JSON object per line (download or stream) */
    TK_FMT_CENSYS,       /* Censys host records, one per line */
    TK_FMT_MASSCAN,      /* masscan -oJ (an array, one record per line) and -oD (ndjson) */
    TK_FMT_MASSCAN_LIST, /* masscan -oL */
    TK_FMT_NMAP_XML,     /* nmap -oX */
    TK_FMT_COUNT
};

/* "tenken", "zgrab2", ... ; parse returns TK_EINVAL for an unknown name. */
const char *tk_obs_format_name(enum tk_obs_format f);
int tk_obs_format_parse(const char *name, enum tk_obs_format *out);

/* Called with each complete observation (valid during the call); non-zero stops the
 * stream and is returned by tk_ingest_stream. */
typedef int (*tk_obs_fn)(void *ud, const struct tk_obs *o);
/* The parallel form of emit: work turns one observation into output bytes appended to out
 * (empty at each call; it may run in several threads at once, each with its own out); write
 * receives each observation's bytes in input order, one call per observation that gave any,
 * one call at a time, in the thread that called tk_ingest_stream. Non-zero from either stops
 * the stream and is returned by tk_ingest_stream (work may then have run for observations
 * after the one that stopped it; their bytes are dropped). */
typedef int (*tk_obs_work_fn)(void *ud, const struct tk_obs *o, struct tk_buf *out);
typedef int (*tk_obs_write_fn)(void *ud, const char *p, size_t n);
/* Called for each record that is skipped: input name, line, what is wrong. */
typedef void (*tk_obs_bad_fn)(void *ud, const char *input, uint64_t line, const char *why);

struct tk_ingest_stats {
    uint64_t records;      /* records read (lines, XML hosts) */
    uint64_t observations; /* observations emitted */
    uint64_t malformed;    /* records skipped as malformed */
    uint64_t bytes;        /* input bytes (decompressed) */
};

/* What a parser works with, for one stream. */
struct tk_ingest {
    enum tk_obs_format format;
    const char *name;       /* input name for messages */
    uint64_t line;          /* line of the record being parsed (1-based) */
    struct tk_arena *arena; /* per record; reset by the driver after each record */
    tk_obs_fn emit;
    tk_obs_work_fn work; /* with write and out: instead of emit */
    tk_obs_write_fn write;
    struct tk_buf *out;
    tk_obs_bad_fn bad;
    void *ud;
    struct tk_ingest_stats *stats;
    int stopped; /* non-zero a callback returned: it ends the stream, whatever its value */
    char input_at[256]; /* "name:line" of the current record */
    /* tenken JSONL: the observation being merged (consecutive lines of one ip:port) */
    struct tk_arena *pending_arena;
    struct tk_obs *pending;
    /* in a worker of the parallel form: counts, bad records and output go here, for the
     * writer to replay in input order (ingest.c) */
    struct tk_ingest_batch *batch;
};

/* A port given as a number or a decimal string: 1..65535, or 0 when it is not one. */
unsigned tk_jv_port(const struct tk_jv *v);
/* Every string of a JSON array (anything else: nothing) as a SAN / host name of o. */
int tk_obs_sans_jv(struct tk_obs *o, const struct tk_jv *arr);
int tk_obs_hostnames_jv(struct tk_obs *o, const struct tk_jv *arr);

/* Emits o (after tk_obs_finish), counting it; the callback's value. */
int tk_ingest_emit(struct tk_ingest *in, struct tk_obs *o);

/* Parsers. Each returns 0, TK_EPARSE with err saying what is wrong in the record (the
 * driver counts and reports it), or the emit callback's non-zero value. */
int tk_in_tenken(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err);
int tk_in_tenken_flush(struct tk_ingest *in); /* at the end of the stream */
int tk_in_zgrab2(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err);
int tk_in_shodan(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err);
int tk_in_censys(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err);
int tk_in_masscan(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err);
int tk_in_masscan_list(struct tk_ingest *in, struct tk_str line, struct tk_err *err);
/* The byte stream of an input (decompressed), for parsers of whole documents. */
struct tk_ingest_src;
/* Reads up to n bytes: the count, 0 at the end, -1 on a read error. */
long tk_ingest_read(struct tk_ingest_src *src, void *p, size_t n);
/* nmap -oX: reads the whole document from src; hosts are records (in->line is the line
 * where each host element ends). Malformed XML ends the document with TK_EPARSE. */
int tk_in_nmap_xml(struct tk_ingest *in, struct tk_ingest_src *src, struct tk_err *err);

/* Which JSON-lines format one record looks like (by its members), or TK_FMT_AUTO. */
enum tk_obs_format tk_obs_format_guess_json(const struct tk_jv *rec);

struct tk_ingest_opts {
    enum tk_obs_format format; /* TK_FMT_AUTO: recognised from the first record */
    tk_obs_fn emit;
    tk_obs_work_fn work; /* with write: used instead of emit when set */
    tk_obs_write_fn write;
    /* for work: threads that may run it at once; 0 or 1: the calling thread does all */
    unsigned threads;
    tk_obs_bad_fn bad;
    void *ud;
    size_t max_line; /* longest record accepted; 0: 64 MiB */
};

/* Reads one stream to its end. fp is read as it is, or gunzipped when it starts with the
 * gzip magic. name is used in messages ("-" for stdin). Returns 0, the emit callback's
 * non-zero value, or a negative TK_E* for an unreadable stream (err says why).
 *
 * With work, write and threads > 1, the line formats but tenken's own (whose consecutive
 * lines merge) are parsed and worked in `threads` worker threads once the format is known,
 * fed by a reader thread in batches of whole lines; the calling thread writes, counts and
 * calls bad in input order, so output, stats and reports are those of one thread. Input
 * held at once is bounded by (2 * threads + 2) MiB plus one batch (which one line of up to
 * max_line may make larger); each worker parses within the same per-record bound as one
 * thread. nmap XML, tenken JSONL and emit always run in the calling thread. */
int tk_ingest_stream(FILE *fp, const char *name, const struct tk_ingest_opts *opts,
                     struct tk_ingest_stats *stats, struct tk_err *err);

#endif
