/* surface.c - `tenken surface`: the passive attack-surface survey. `ingest` normalises scan
 * data into observations, `identify` fingerprints, assesses and writes one record per
 * service, `fingerprints` lists the fingerprint database and runs its own test cases. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "compat/sys.h"
#include "cmd/surface.h"
#include "core/json.h"
#include "core/time.h"
#include "kb/match.h"
#include "core/alloc.h"
#include "surface/assess.h"
#include "surface/attrib.h"
#include "surface/nsp.h"
#include "surface/probe.h"
#include "surface/sheet.h"
#include "surface/summary.h"
#include "report/summary.h"
#include "surface/fp.h"
#include "surface/ingest.h"

enum {
    O_FORMAT, O_OUTPUT_FORMAT, O_OUT, O_FINGERPRINTS, O_KB, O_BODIES, O_CHECK, O_QUIET,
    O_ORGS, O_WHOIS, O_MMDB, O_SERVICE_PROBES, O_COUNTRY, O_PREFECTURE, O_PRODUCT, O_KEV_ONLY,
    O_SUMMARY, O_LANG, O_NO_PROGRESS, O_JOBS, O_RATE, O_CONCURRENCY, O_TIMEOUT, O_PORTS, O_CONTACT,
};
static const struct tk_opt opts[] = {
    [O_FORMAT] = { "format", 0, "FORMAT",
                   "Input format: auto (default: recognised from the first record), tenken, "
                   "zgrab2, shodan, censys, masscan, masscan-list or nmap." },
    [O_OUTPUT_FORMAT] = { "output-format", 0, "FORMAT",
                          "identify: jsonl (default), csv (one row per service, CVE and "
                          "organisation) or xlsx (that, and summary sheets; needs -o). "
                          "trend: text (default), jsonl or csv." },
    [O_OUT] = { "out", 'o', "FILE", "Write to FILE instead of standard output." },
    [O_FINGERPRINTS] = { "fingerprints", 0, "DIR",
                         "Also load the fingerprint files (*.txt) and version tables "
                         "(*.versions.txt) in DIR; a file with a built-in id replaces it." },
    [O_KB] = { "kb", 0, "PATH", "identify: the knowledge base (default as for scan)." },
    [O_BODIES] = { "bodies", 0, NULL, "ingest: include response bodies and banners." },
    [O_CHECK] = { "check", 0, NULL,
                  "fingerprints: run every file's test cases; exit 1 when one fails." },
    [O_QUIET] = { "quiet", 'q', NULL, "Do not report malformed records one by one." },
    [O_ORGS] = { "orgs", 0, "FILE",
                 "identify: the organisation directory (CSV or JSON: org_id, name, "
                 "corporate_number, prefecture, address, cidrs, domains, contacts) to "
                 "attribute devices by address block, certificate and host name." },
    [O_WHOIS] = { "whois", 0, "FILE",
                  "identify: saved WHOIS answers (JPNIC, RIPE-style or ARIN) naming the "
                  "holders of address ranges; repeatable." },
    [O_MMDB] = { "mmdb", 0, "FILE",
                 "identify: a MaxMind-format database (GeoLite2/GeoIP2 City) for country and "
                 "prefecture." },
    [O_SERVICE_PROBES] = { "service-probes", 0, "FILE",
                           "identify: nmap's service probe file for services no fingerprint "
                           "knows (default /usr/share/nmap/nmap-service-probes when "
                           "installed; 'none' turns it off)." },
    [O_COUNTRY] = { "country", 0, "CC",
                    "identify, trend: only devices located in country CC (ISO 3166, e.g. JP)." },
    [O_PREFECTURE] = { "prefecture", 0, "PREF",
                       "identify: only devices attributed to prefecture PREF (14, JP-14, "
                       "Kanagawa or 神奈川県)." },
    [O_PRODUCT] = { "product", 0, "NAME",
                    "identify, trend: only devices of this product (fingerprint id, product "
                    "or vendor, case-insensitive, or part of the name)." },
    [O_KEV_ONLY] = { "kev-only", 0, NULL,
                     "identify: only devices affected or possibly affected by a known "
                     "exploited vulnerability (CISA KEV)." },
    [O_SUMMARY] = { "summary", 0, "FILE",
                    "identify: also write a summary (JSON) by product, version, "
                    "vulnerability, prefecture and organisation to FILE." },
    [O_LANG] = { "lang", 0, "LANG",
                 "identify: language of the spreadsheet's headings, ja or en (default: from "
                 "LANG, else en)." },
    [O_NO_PROGRESS] = { "no-progress", 0, NULL,
                        "ingest, identify: do not show the progress line (shown only on a "
                        "terminal)." },
    [O_JOBS] = { "jobs", 'j', "N", "identify: worker threads (default: one per CPU)." },
    [O_RATE] = { "rate", 0, "N", "probe: at most N requests per second in all (default 10)." },
    [O_CONCURRENCY] = { "concurrency", 0, "N",
                        "probe: at most N connections open at once (default 8)." },
    [O_TIMEOUT] = { "timeout", 0, "SECONDS",
                    "probe: give up on one request after SECONDS (default 10)." },
    [O_PORTS] = { "ports", 0, "LIST",
                  "probe: ports to try on targets given without one (default 443)." },
    [O_CONTACT] = { "contact", 0, "TEXT",
                    "probe: a URL or mail address added to the User-Agent, so that device "
                    "owners can reach whoever is probing." },
    { NULL, 0, NULL, NULL },
};

enum out_form { OUT_JSONL, OUT_CSV, OUT_XLSX };

struct sink {
    struct tk_cli *cli;
    const struct tk_surface_args *a;
    FILE *fp;
    struct tk_surface surface;
    struct tk_device_filter filter;
    struct tk_summary *summary; /* NULL: not asked for */
    struct tk_sheet *sheet;     /* OUT_XLSX */
    bool identify;
    enum out_form form;
    uint64_t bad_reported, kept;
    int werr;
    bool progress;       /* a progress line on standard error (a terminal) */
    double t0, shown;    /* start, and when the line was last drawn */
    const char *current; /* the input being read */
};

static void show_progress(struct sink *s, bool last)
{
    double now = tk_time_mono();
    if (!last && now - s->shown < 0.5)
        return;
    s->shown = now;
    double secs = now - s->t0 > 0.001 ? now - s->t0 : 0.001;
    char name[48];
    size_t n = strlen(s->current);
    /* an input name is the user's, but keep control characters off the terminal anyway */
    snprintf(name, sizeof name, "%s%s", n > 40 ? "…" : "", s->current + (n > 40 ? n - 40 : 0));
    for (char *c = name; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    fprintf(stderr, "\r\033[2K[surface] %s: %llu services, %.0f/s", name,
            (unsigned long long)s->kept, (double)s->kept / secs);
    if (last)
        fputs("\r\033[2K", stderr);
    fflush(stderr);
}

static void on_bad(void *ud, const char *input, uint64_t line, const char *why)
{
    struct sink *s = ud;
    if (s->a->quiet || s->bad_reported >= 100)
        return;
    if (s->progress)
        fputs("\r\033[2K", stderr); /* the warning takes the progress line's place */
    if (++s->bad_reported == 100)
        tk_log(&s->cli->log, TK_LOG_WARN, "more malformed records: not reported one by one");
    else
        tk_log(&s->cli->log, TK_LOG_WARN, "%s:%llu: skipped: %s", input,
               (unsigned long long)line, why);
}

/* Spreadsheet rows travel from the workers to the writer as their fields, each with its
 * NUL, tk_device_ncolumns to a row. */
static int packed_row(void *ud, const char *const *fields)
{
    struct tk_buf *out = ud;
    int rc = 0;
    for (size_t i = 0; i < tk_device_ncolumns && !rc; i++)
        rc = tk_buf_add(out, fields[i], strlen(fields[i]) + 1);
    return rc;
}

/* One observation to its output bytes; in worker threads. */
static int work(void *ud, const struct tk_obs *o, struct tk_buf *out)
{
    struct sink *s = ud;
    struct tk_json w;
    tk_json_init_buf(&w, out, 0);
    if (!s->identify) {
        tk_obs_write_json(o, &w, s->a->bodies);
        return tk_buf_addc(out, '\n');
    }
    struct tk_device d;
    tk_surface_judge(&s->surface, o, &d);
    if (!tk_device_wanted(&d, &s->filter))
        return 0;
    if (s->summary)
        tk_summary_add(s->summary, &d); /* past its bounds a table stops growing: no error */
    switch (s->form) {
    case OUT_CSV: return tk_device_write_csv(&d, out);
    case OUT_XLSX: return tk_device_rows(&d, packed_row, out);
    case OUT_JSONL: tk_device_write_json(&d, &w); return tk_buf_addc(out, '\n');
    }
    return 0;
}

/* Output bytes in input order; one call at a time. */
static int write_out(void *ud, const char *p, size_t n)
{
    struct sink *s = ud;
    s->kept++;
    if (s->progress && (s->kept & 1023) == 0)
        show_progress(s, false);
    if (s->form == OUT_XLSX) {
        const char *fields[TK_DEVICE_MAX_COLUMNS];
        const char *end = p + n;
        while (p < end) {
            for (size_t i = 0; i < tk_device_ncolumns; i++) {
                fields[i] = p;
                p += strlen(p) + 1;
            }
            if (tk_sheet_row(s->sheet, fields)) {
                s->werr = 1;
                return 1;
            }
        }
        return 0;
    }
    if (fwrite(p, 1, n, s->fp) != n) {
        s->werr = 1;
        return 1;
    }
    return 0;
}

static int run_stream(struct tk_cli *cli, struct sink *s)
{
    const struct tk_surface_args *a = s->a;
    struct tk_ingest_opts io = { .format = a->format, .work = work, .write = write_out,
                                 .threads = (unsigned)a->jobs, .bad = on_bad, .ud = s };
    struct tk_ingest_stats total = { 0 };
    int rc = TK_EXIT_OK;
    int n = a->nfiles ? a->nfiles : 1;
    s->progress = !a->no_progress && cli->log.format == TK_LOG_TEXT && tk_sys_isatty(2);
    s->t0 = tk_time_mono();
    for (int i = 0; i < n && rc == TK_EXIT_OK; i++) {
        const char *name = a->nfiles ? a->files[i] : "-";
        s->current = name;
        FILE *in = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
        if (!in) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s: cannot open: %s", name, strerror(errno));
            rc = TK_EXIT_RUNTIME;
            break;
        }
        struct tk_ingest_stats st = { 0 };
        struct tk_err err = { 0 };
        int r = tk_ingest_stream(in, name, &io, &st, &err);
        if (in != stdin)
            fclose(in);
        total.records += st.records;
        total.observations += st.observations;
        total.malformed += st.malformed;
        total.bytes += st.bytes;
        if (s->werr) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s: write failed: %s", a->out ? a->out : "stdout",
                   strerror(errno));
            rc = TK_EXIT_RUNTIME;
        } else if (r < 0) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            rc = TK_EXIT_RUNTIME;
        }
    }
    if (s->progress)
        show_progress(s, true);
    tk_log(&cli->log, TK_LOG_INFO, "%llu records, %llu services, %llu malformed (skipped)",
           (unsigned long long)total.records, (unsigned long long)total.observations,
           (unsigned long long)total.malformed);
    return rc;
}

static void on_case_failure(void *ud, const char *file, const char *name, const char *why)
{
    struct tk_cli *cli = ud;
    fprintf(cli->out, "FAIL %s: %s: %s\n", file, name, why);
}

static int do_fingerprints(struct tk_cli *cli, const struct tk_surface_args *a, struct tk_fpdb *db)
{
    if (a->check) {
        size_t ncases = 0;
        size_t failed = tk_fp_check(db, on_case_failure, cli, &ncases);
        fprintf(cli->out, "%zu fingerprints, %zu test cases, %zu failed\n", tk_fpdb_count(db),
                ncases, failed);
        return failed ? TK_EXIT_FINDINGS : TK_EXIT_OK;
    }
    for (size_t i = 0; i < tk_fpdb_count(db); i++) {
        const struct tk_fp *fp = tk_fpdb_at(db, i);
        fprintf(cli->out, "%-28s %-12s %-10s %s\n", tk_fp_id(fp), tk_fp_vendor(fp),
                tk_fp_kind(fp), tk_fp_name(fp));
    }
    return TK_EXIT_OK;
}

/* The organisation directory, WHOIS texts and MaxMind DB (any of them may be absent: the
 * matcher then only repeats what the scan source said of the location). */
static int open_attrib(struct tk_cli *cli, const struct tk_surface_args *a, struct tk_attrib **out)
{
    struct tk_err err = { 0 };
    struct tk_attrib_opts o = { .directory = a->orgs, .whois = a->whois, .mmdb = a->mmdb };
    if (tk_attrib_load(out, &o, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        return TK_EXIT_RUNTIME;
    }
    if (a->orgs)
        tk_log(&cli->log, TK_LOG_INFO, "%s: %zu organisations", a->orgs,
               tk_attrib_org_count(*out));
    if (tk_attrib_whois_skipped(*out))
        tk_log(&cli->log, TK_LOG_WARN, "WHOIS: %zu malformed ranges skipped",
               tk_attrib_whois_skipped(*out));
    return 0;
}

/* nmap's service probes: --service-probes FILE, none, or the installed file when there is
 * one (its absence is no error: services no fingerprint knows then stay unnamed). */
static int open_nsp(struct tk_cli *cli, const struct tk_surface_args *a, struct tk_nsp **out)
{
    *out = NULL;
    if (a->nsp && strcmp(a->nsp, "none") == 0)
        return 0;
    const char *path = a->nsp ? a->nsp : tk_nsp_default_path();
    struct tk_err err = { 0 };
    int rc = tk_nsp_load(out, path, &err);
    if (rc == TK_ENOENT && !a->nsp) {
        tk_log(&cli->log, TK_LOG_INFO, "%s: not installed; services no fingerprint knows stay "
                                       "unnamed", path);
        return 0;
    }
    if (rc) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        return TK_EXIT_RUNTIME;
    }
    struct tk_nsp_stats st;
    tk_nsp_stats(*out, &st);
    if (st.bad_lines)
        tk_log(&cli->log, TK_LOG_WARN, "%zu lines of nmap's service probes skipped (first: %s)",
               st.bad_lines, st.first_bad);
    return 0;
}

static int write_summary(struct tk_cli *cli, const char *path, struct tk_summary *sum)
{
    struct tk_cli_out out;
    int rc = tk_cli_out_open(cli, path, &out);
    if (rc)
        return rc;
    struct tk_json w;
    tk_json_init_file(&w, out.fp, TK_JSON_PRETTY);
    tk_summary_write_json(sum, &w);
    if (tk_json_finish(&w) != 0 || fputc('\n', out.fp) == EOF || ferror(out.fp)) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s: write failed: %s", out.name, strerror(errno));
        rc = TK_EXIT_RUNTIME;
    }
    return tk_cli_out_close(cli, &out, rc);
}

/* ingest and identify: the stream from the inputs to the chosen output. */
static int do_stream(struct tk_cli *cli, const struct tk_surface_args *a, struct tk_fpdb *db,
                     bool identify, enum out_form form)
{
    struct sink s = { .cli = cli, .a = a, .fp = cli->out, .identify = identify, .form = form };
    struct tk_cli_out out = { .fp = cli->out };
    struct tk_kb *kb = NULL;
    struct tk_matcher *m = NULL;
    struct tk_attrib *attrib = NULL;
    struct tk_nsp *nsp = NULL;
    struct tk_err err = { 0 };
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int rc = 0;
    if (identify) {
        if ((rc = tk_cli_open_kb(cli, a->kb, TK_KB_READONLY, &kb)) != 0)
            goto done;
        if (tk_matcher_new(&m, kb, &err) != 0) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            rc = TK_EXIT_RUNTIME;
            goto done;
        }
        if ((rc = open_attrib(cli, a, &attrib)) != 0 || (rc = open_nsp(cli, a, &nsp)) != 0)
            goto done;
        s.surface = (struct tk_surface){ .fp = db, .matcher = m, .lock = &lock, .nsp = nsp,
                                         .attrib = attrib };
        s.filter = (struct tk_device_filter){ .prefecture = a->prefecture,
                                              .product = a->product, .kev_only = a->kev_only };
        if (a->country)
            for (int i = 0; i < 2; i++)
                s.filter.country[i] = (char)(a->country[i] & ~0x20);
        if ((a->summary || form == OUT_XLSX) && !(s.summary = tk_summary_new())) {
            tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
            rc = TK_EXIT_RUNTIME;
            goto done;
        }
    }
    if (form == OUT_XLSX) {
        enum tk_lang lang = tk_lang_from_env();
        if (a->lang && tk_lang_parse(a->lang, &lang) != 0) {
            rc = tk_usage_error(cli, "--lang must be ja or en");
            goto done;
        }
        if (tk_sheet_open(&s.sheet, a->out, lang, &err) != 0) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            rc = TK_EXIT_RUNTIME;
            goto done;
        }
    } else if ((rc = tk_cli_out_open(cli, a->out, &out)) != TK_EXIT_OK) {
        goto done;
    } else {
        s.fp = out.fp;
    }
    if (form == OUT_CSV) {
        struct tk_buf head = TK_BUF_INIT(4096);
        tk_device_csv_header(&head);
        fwrite(head.ptr, 1, head.len, s.fp);
        tk_buf_release(&head);
    }
    rc = run_stream(cli, &s);
    if (form == OUT_XLSX) {
        struct tk_sheet *sh = s.sheet;
        s.sheet = NULL;
        if (tk_sheet_close(sh, s.summary, rc == TK_EXIT_OK, &err) != 0 && rc == TK_EXIT_OK) {
            tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
            rc = TK_EXIT_RUNTIME;
        }
    } else {
        rc = tk_cli_out_close(cli, &out, rc);
    }
    if (s.summary) {
        struct tk_sum_totals t;
        tk_summary_totals(s.summary, &t);
        tk_log(&cli->log, TK_LOG_INFO,
               "%llu services kept: %llu identified, %llu affected, %llu possibly affected, "
               "%llu with a known exploited vulnerability, %llu attributed",
               (unsigned long long)t.services, (unsigned long long)t.identified,
               (unsigned long long)t.affected, (unsigned long long)t.possibly,
               (unsigned long long)t.kev, (unsigned long long)t.attributed);
        if (a->summary && rc == TK_EXIT_OK)
            rc = write_summary(cli, a->summary, s.summary);
    }
done:
    if (s.sheet) {
        struct tk_err ignored = { 0 };
        tk_sheet_close(s.sheet, NULL, false, &ignored);
    }
    if (out.file)
        tk_cli_out_close(cli, &out, TK_EXIT_RUNTIME);
    tk_summary_free(s.summary);
    tk_nsp_free(nsp);
    tk_attrib_free(attrib);
    tk_matcher_free(m);
    tk_kb_close(kb);
    return rc;
}

static bool number(struct tk_cli *cli, const char *name, const char *val, long lo, long hi,
                   long *out)
{
    if (tk_parse_long(val, lo, hi, out))
        return true;
    tk_usage_error(cli, "--%s must be a whole number from %ld to %ld", name, lo, hi);
    return false;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    const char *val;
    int idx, rc = TK_EXIT_OK;
    struct tk_surface_args a = { .format = TK_FMT_AUTO };
    const char **whois = tk_calloc((size_t)argc + 1, sizeof *whois);
    size_t nwhois = 0;
    tk_optparse_init(&p, cli, argc, argv);
    if (!whois) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        rc = TK_EXIT_RUNTIME;
        goto out;
    }
    a.whois = whois;
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        bool ok = true;
        switch (idx) {
        case O_FORMAT:
            if (tk_obs_format_parse(val, &a.format))
                ok = !tk_usage_error(cli, "unknown --format '%s'", val);
            break;
        case O_OUTPUT_FORMAT: a.oformat = val; break;
        case O_OUT: a.out = val; break;
        case O_FINGERPRINTS: a.fpdir = val; break;
        case O_KB: a.kb = val; break;
        case O_BODIES: a.bodies = true; break;
        case O_CHECK: a.check = true; break;
        case O_QUIET: a.quiet = true; break;
        case O_ORGS: a.orgs = val; break;
        case O_WHOIS: whois[nwhois++] = val; break;
        case O_MMDB: a.mmdb = val; break;
        case O_SERVICE_PROBES: a.nsp = val; break;
        case O_COUNTRY:
            if (strlen(val) != 2)
                ok = !tk_usage_error(cli, "--country takes a two-letter code such as JP");
            a.country = val;
            break;
        case O_PREFECTURE:
            if (!(a.prefecture = tk_prefecture_parse(val)))
                ok = !tk_usage_error(cli, "--prefecture '%s' names no prefecture of Japan", val);
            break;
        case O_PRODUCT: a.product = val; break;
        case O_KEV_ONLY: a.kev_only = true; break;
        case O_SUMMARY: a.summary = val; break;
        case O_LANG: a.lang = val; break;
        case O_NO_PROGRESS: a.no_progress = true; break;
        case O_JOBS: ok = number(cli, "jobs", val, 1, 256, &a.jobs); break;
        case O_RATE: ok = number(cli, "rate", val, 1, 100000, &a.rate); break;
        case O_CONCURRENCY:
            ok = number(cli, "concurrency", val, 1, TK_PROBE_MAX_CONCURRENCY, &a.concurrency);
            break;
        case O_TIMEOUT: ok = number(cli, "timeout", val, 1, 3600, &a.timeout); break;
        case O_PORTS: a.ports = val; break;
        case O_CONTACT: a.contact = val; break;
        }
        if (!ok) {
            p.exit_code = TK_EXIT_USAGE;
            idx = TK_OPT_STOP;
        }
        if (idx == TK_OPT_STOP)
            break;
    }
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
        goto out;
    }
    const char *sub = p.npos ? p.pos[0] : NULL;
    a.files = p.pos + 1;
    a.nfiles = p.npos ? p.npos - 1 : 0;
    bool ingest = sub && strcmp(sub, "ingest") == 0, identify = sub && strcmp(sub, "identify") == 0,
         fps = sub && strcmp(sub, "fingerprints") == 0;
    if (sub && strcmp(sub, "probe") == 0) {
        rc = tk_surface_probe_cmd(cli, &a);
        goto out;
    }
    if (sub && strcmp(sub, "trend") == 0) {
        rc = tk_surface_trend_cmd(cli, &a);
        goto out;
    }
    if (!ingest && !identify && !fps) {
        rc = sub ? tk_usage_error(cli, "unknown subcommand '%s'", sub)
                 : tk_usage_error(cli, "missing subcommand: ingest, identify, probe, trend or "
                                       "fingerprints");
        goto out;
    }
    enum out_form form = OUT_JSONL;
    if (a.oformat && !identify && strcmp(a.oformat, "jsonl") != 0) {
        rc = tk_usage_error(cli, "--output-format %s is for surface identify (ingest writes "
                                 "jsonl)",
                            a.oformat);
        goto out;
    }
    if (a.lang && !(identify && a.oformat && strcmp(a.oformat, "xlsx") == 0)) {
        rc = tk_usage_error(cli, "--lang is for the workbook of --output-format xlsx");
        goto out;
    }
    if (a.oformat && identify) {
        if (strcmp(a.oformat, "csv") == 0)
            form = OUT_CSV;
        else if (strcmp(a.oformat, "xlsx") == 0)
            form = OUT_XLSX;
        else if (strcmp(a.oformat, "jsonl") != 0) {
            rc = tk_usage_error(cli, "--output-format must be jsonl, csv or xlsx");
            goto out;
        }
        if (form == OUT_XLSX && (!a.out || strcmp(a.out, "-") == 0)) {
            rc = tk_usage_error(cli, "--output-format xlsx needs -o FILE");
            goto out;
        }
    }
    struct tk_fpdb *db = NULL;
    struct tk_err err = { 0 };
    if (!ingest && tk_fpdb_load(&db, a.fpdir, &err) != 0) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        rc = TK_EXIT_RUNTIME;
        goto out;
    }
    if (fps)
        rc = do_fingerprints(cli, &a, db);
    else
        rc = do_stream(cli, &a, db, identify, form);
    tk_fpdb_free(db);
out:
    tk_optparse_release(&p);
    tk_free(whois);
    return rc;
}

const struct tk_cmd tk_cmd_surface = {
    .name = "surface",
    .run = run,
    .args = "ingest|identify [OPTIONS] [FILE...] | probe [OPTIONS] TARGET... | trend OLD NEW | "
            "fingerprints [--check]",
    .summary = "Identify internet-facing devices, their versions, urgent vulnerabilities and "
               "owners from scan data.",
    .description =
        "Passive unless you run 'surface probe': tenken reads what a scan source already "
        "collected (zgrab2, Shodan, Censys, masscan, nmap -oX, or tenken's own JSONL) and "
        "sends nothing to the devices.\n"
        "\n"
        "'surface ingest' normalises the records into observations (JSON lines, one per "
        "ip:port; docs/observation.md). 'surface identify' also fingerprints each service "
        "(vendor, product, version and how precisely it is known; nmap's service probes name "
        "the rest), judges it against the knowledge base (affected, possibly-affected, "
        "not-affected or unknown, with CVEs and the KEV flag), attributes it to an "
        "organisation and prefecture (--orgs, --whois, --mmdb; with evidence and confidence) "
        "and writes one record per service as JSON lines, CSV or XLSX, with a summary by "
        "product, version, vulnerability, prefecture and organisation on request. Inputs are "
        "files or standard input, plain or gzip; the format is recognised unless --format "
        "says it. A malformed record is reported with its file and line and skipped.\n"
        "\n"
        "'surface probe' collects the same public information itself: a TLS handshake and "
        "GETs of a fixed, documented list of public paths per product (docs/probe.md), no "
        "payloads and no logins, at a limited rate with a User-Agent naming tenken; it writes "
        "tenken JSONL for 'surface identify'. 'surface trend' compares two sets of device "
        "records by port, product, country, exposure and verdict (docs/trend.md).\n"
        "\n"
        "'surface fingerprints' lists the fingerprint database; with --check it runs the test "
        "cases every fingerprint file carries (docs/fingerprints.md).\n"
        "\n"
        "Examples:\n"
        "  zcat scan.json.gz | tenken surface identify > services.jsonl\n"
        "  tenken surface identify --orgs orgs.csv --prefecture 14 --kev-only \\\n"
        "      --output-format xlsx -o kanagawa.xlsx shodan.json.gz\n"
        "  tenken surface probe --contact cert@example.jp 192.0.2.0/28 | tenken surface identify\n"
        "  tenken surface trend september.jsonl november.jsonl --country JP\n"
        "  tenken surface fingerprints --check --fingerprints ./my-fingerprints",
    .opts = opts,
};
