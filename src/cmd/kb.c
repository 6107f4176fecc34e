/* kb.c - `tenken kb`: import feeds into the knowledge base, show what it knows, search it,
 * and check or build the shipped data. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "compat/sys.h"
#include "core/escape.h"
#include "core/json.h"
#include "core/time.h"
#include "kb/data.h"
#include "kb/import.h"

enum { O_KB, O_FORMAT, O_NO_PROGRESS };
static const struct tk_opt opts[] = {
    [O_KB] = { "kb", 0, "PATH",
               "The knowledge base file (default: $XDG_DATA_HOME/tenken/kb.sqlite, created "
               "from the built-in one on the first import)." },
    [O_FORMAT] = { "format", 0, "FORMAT", "Output of info and search: text (default) or json." },
    [O_NO_PROGRESS] = { "no-progress", 0, NULL, "Do not show import progress." },
    { NULL, 0, NULL, NULL },
};

struct kbargs {
    const char *kb;
    bool json, progress;
    char **pos;
    int npos;
};

/* Text to the terminal: escaped, since feeds are untrusted. */
static void out_text(FILE *fp, const char *s)
{
    struct tk_buf b = TK_BUF_INIT(1 << 20);
    if (s && tk_escape_term(&b, s, strlen(s)) == 0)
        fputs(tk_buf_cstr(&b), fp);
    tk_buf_release(&b);
}

/* ---- import ---------------------------------------------------------------------------- */

struct progress {
    bool on;
    double t0;
};

static void show_progress(void *ud, const struct tk_import_stats *s)
{
    struct progress *p = ud;
    if (!p->on)
        return;
    double dt = tk_time_mono() - p->t0;
    fprintf(stderr, "\r\033[2K  %lld %s, %.1f MB read, %.0f s", (long long)s->records, s->what,
            (double)s->bytes / 1e6, dt);
    fflush(stderr);
}

static int do_import(struct tk_cli *cli, struct kbargs *a)
{
    if (a->npos != 3)
        return tk_usage_error(cli, "usage: kb import NAME FILE (NAME: nvd, kev, epss, osv, jvn)");
    const struct tk_importer *imp = tk_importer_find(a->pos[1]);
    if (!imp)
        return tk_usage_error(cli, "no importer named '%s' (nvd, kev, epss, osv, jvn)", a->pos[1]);
    struct tk_kb *kb;
    struct tk_buf created = TK_BUF_INIT(8192);
    int rc = tk_cli_open_kb_writable(cli, a->kb, &kb, &created);
    if (rc) {
        tk_buf_release(&created);
        return rc;
    }
    struct tk_import_stats stats = { 0 };
    struct tk_err err = { 0 };
    struct progress p = { a->progress && cli->log.format == TK_LOG_TEXT && tk_sys_isatty(2),
                          tk_time_mono() };
    rc = imp->run(kb, a->pos[2], &stats, show_progress, &p, &err);
    if (p.on)
        fputs("\r\033[2K", stderr);
    double dt = tk_time_mono() - p.t0;
    if (rc) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s (nothing was imported; %s %s)", err.msg,
               tk_kb_name(kb), created.len ? "removed again" : "is unchanged");
        tk_kb_close(kb); /* SQLite removes its WAL files with the last connection */
        if (created.len) /* made for this import: gone again, as if never asked for */
            remove(created.ptr);
        tk_buf_release(&created);
        return TK_EXIT_RUNTIME;
    }
    tk_buf_release(&created);
    if (a->json) {
        struct tk_json w;
        tk_json_init_file(&w, cli->out, 0);
        tk_json_obj_begin(&w);
        tk_json_kstr(&w, "source", imp->name);
        tk_json_kstr(&w, "kb", tk_kb_name(kb));
        tk_json_kint(&w, "records", stats.records);
        tk_json_kint(&w, "rows", stats.rows);
        tk_json_kint(&w, "skipped", stats.skipped);
        tk_json_kint(&w, "bytes", (int64_t)stats.bytes);
        tk_json_key(&w, "seconds");
        tk_json_double(&w, (double)(int64_t)(dt * 1000) / 1000);
        tk_json_obj_end(&w);
        tk_json_finish(&w);
        fputc('\n', cli->out);
    } else {
        fprintf(cli->out, "imported %lld %s from ", (long long)stats.records, stats.what);
        out_text(cli->out, a->pos[2]);
        fprintf(cli->out, " into ");
        out_text(cli->out, tk_kb_name(kb));
        fprintf(cli->out, " (%lld rows%s, %.1f MB in %.1f s)\n", (long long)stats.rows,
                stats.skipped ? ", some skipped" : "", (double)stats.bytes / 1e6, dt);
    }
    tk_kb_close(kb);
    return TK_EXIT_OK;
}

/* ---- info ------------------------------------------------------------------------------ */

static int64_t count(struct tk_kb *kb, const char *table)
{
    char sql[128];
    sqlite3_stmt *st;
    int64_t n = -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if (sqlite3_prepare_v2(tk_kb_db(kb), sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return n;
}

struct info_ctx {
    struct tk_cli *cli;
    struct tk_json *w;
};

static int info_source(void *ud, const struct tk_kb_source *s)
{
    struct info_ctx *c = ud;
    if (c->w) {
        tk_json_obj_begin(c->w);
        tk_json_kstr(c->w, "name", s->name);
        tk_json_kstr(c->w, "version", s->version);
        tk_json_kstr(c->w, "date", s->date);
        tk_json_kstr(c->w, "file", s->file);
        tk_json_kint(c->w, "records", s->records);
        tk_json_obj_end(c->w);
        return 0;
    }
    FILE *o = c->cli->out;
    fprintf(o, "  %-8s ", s->name);
    out_text(o, s->date ? s->date : "-");
    fprintf(o, "  %lld records", (long long)s->records);
    if (s->version) {
        fputs("  version ", o);
        out_text(o, s->version);
    }
    fputc('\n', o);
    return 0;
}

static int do_info(struct tk_cli *cli, struct kbargs *a)
{
    struct tk_kb *kb;
    struct tk_err err = { 0 };
    int rc = tk_cli_open_kb(cli, a->kb, TK_KB_READONLY, &kb);
    if (rc)
        return rc;
    static const char *const tables[] = { "product", "curated", "kev", "cve", "nvd_match",
                                          "epss", "osv", "jvn" };
    struct tk_json w;
    struct info_ctx c = { cli, a->json ? &w : NULL };
    if (a->json) {
        tk_json_init_file(&w, cli->out, 0);
        tk_json_obj_begin(&w);
        tk_json_kstr(&w, "kb", tk_kb_name(kb));
        tk_json_kint(&w, "schema_version", TK_KB_SCHEMA_VERSION);
        tk_json_key(&w, "sources");
        tk_json_arr_begin(&w);
    } else {
        fputs("knowledge base: ", cli->out);
        out_text(cli->out, tk_kb_name(kb));
        fprintf(cli->out, " (schema %d)\nsources:\n", TK_KB_SCHEMA_VERSION);
    }
    rc = tk_kb_sources(kb, info_source, &c, &err);
    if (a->json) {
        tk_json_arr_end(&w);
        tk_json_key(&w, "counts");
        tk_json_obj_begin(&w);
        for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
            tk_json_kint(&w, tables[i], count(kb, tables[i]));
        tk_json_obj_end(&w);
        tk_json_obj_end(&w);
        tk_json_finish(&w);
        fputc('\n', cli->out);
    } else {
        fputs("contents:\n", cli->out);
        for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
            fprintf(cli->out, "  %-10s %lld\n", tables[i], (long long)count(kb, tables[i]));
    }
    tk_kb_close(kb);
    if (rc) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        return TK_EXIT_RUNTIME;
    }
    return TK_EXIT_OK;
}

/* ---- search ---------------------------------------------------------------------------- */

/* Runs a query with one text parameter and prints/writes each row's columns. */
static int rows(struct tk_cli *cli, struct tk_kb *kb, struct tk_json *w, const char *label,
                const char *sql, const char *param, const char *const *names, int ncols)
{
    sqlite3_stmt *st;
    int n = 0;
    if (sqlite3_prepare_v2(tk_kb_db(kb), sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    if (w) {
        tk_json_key(w, label);
        tk_json_arr_begin(w);
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (w)
            tk_json_obj_begin(w);
        else
            fprintf(cli->out, "  %-9s", n ? "" : label);
        for (int i = 0; i < ncols; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            if (w) {
                tk_json_kstr(w, names[i], v);
            } else if (v) {
                fprintf(cli->out, " %s=", names[i]);
                out_text(cli->out, v);
            }
        }
        if (w)
            tk_json_obj_end(w);
        else
            fputc('\n', cli->out);
        n++;
    }
    if (w)
        tk_json_arr_end(w);
    sqlite3_finalize(st);
    return n;
}

static int do_search(struct tk_cli *cli, struct kbargs *a)
{
    if (a->npos != 2)
        return tk_usage_error(cli, "usage: kb search CVE-ID|PRODUCT");
    const char *q = a->pos[1];
    struct tk_kb *kb;
    int rc = tk_cli_open_kb(cli, a->kb, TK_KB_READONLY, &kb);
    if (rc)
        return rc;
    struct tk_json w, *wp = a->json ? &w : NULL;
    if (wp) {
        tk_json_init_file(wp, cli->out, 0);
        tk_json_obj_begin(wp);
        tk_json_kstr(wp, "query", q);
    }
    int found = 0;
    if (strncmp(q, "CVE-", 4) == 0 || strncmp(q, "cve-", 4) == 0) {
        static const char *const cve_cols[] = { "published", "cvss3", "severity", "cwe",
                                                "description" };
        static const char *const kev_cols[] = { "date_added", "due_date", "ransomware", "name" };
        static const char *const epss_cols[] = { "score", "percentile" };
        static const char *const cur_cols[] = { "product", "affected", "fixed", "confidence",
                                                "title" };
        static const char *const nvd_cols[] = { "vendor", "product", "version", "from", "to",
                                                "to_excluding" };
        static const char *const osv_cols[] = { "advisory", "ecosystem", "package", "fixed" };
        static const char *const jvn_cols[] = { "jvndb", "title" };
        found += rows(cli, kb, wp, "nvd", "SELECT published, cvss3_score, cvss3_severity, cwe,"
                      " description FROM cve WHERE id = upper(?1)", q, cve_cols, 5) > 0;
        found += rows(cli, kb, wp, "kev", "SELECT date_added, due_date, ransomware, name FROM kev"
                      " WHERE cve = upper(?1)", q, kev_cols, 4) > 0;
        found += rows(cli, kb, wp, "epss", "SELECT score, percentile FROM epss WHERE"
                      " cve = upper(?1)", q, epss_cols, 2) > 0;
        found += rows(cli, kb, wp, "curated",
                      "SELECT c.product, (SELECT group_concat(expr, ' | ') FROM curated_range r"
                      " WHERE r.curated = c.id), (SELECT group_concat(version, ' ') FROM"
                      " curated_fixed f WHERE f.curated = c.id), c.confidence, c.title"
                      " FROM curated c WHERE c.cve = upper(?1)", q, cur_cols, 5) > 0;
        found += rows(cli, kb, wp, "cpe",
                      "SELECT m.vendor, m.product, m.version, coalesce(m.start_incl,"
                      " m.start_excl), m.end_incl, m.end_excl FROM nvd_match m JOIN nvd_node n"
                      " ON m.node = n.id JOIN nvd_config c ON n.config = c.id WHERE"
                      " c.cve = upper(?1) AND m.vulnerable = 1 LIMIT 50", q, nvd_cols, 6) > 0;
        found += rows(cli, kb, wp, "osv", "SELECT id, ecosystem, package, fixed FROM osv WHERE"
                      " cve = upper(?1) LIMIT 50", q, osv_cols, 4) > 0;
        found += rows(cli, kb, wp, "jvn", "SELECT id, title FROM jvn WHERE cve = upper(?1)", q,
                      jvn_cols, 2) > 0;
    } else {
        static const char *const p_cols[] = { "id", "name", "vendor", "kind", "scheme", "eol" };
        static const char *const l_cols[] = { "product", "line", "latest", "released", "eol" };
        static const char *const c_cols[] = { "product", "cve", "affected", "title" };
        const char *like = "%";
        struct tk_buf pat = TK_BUF_INIT(4096);
        tk_buf_addf(&pat, "%%%s%%", q);
        like = tk_buf_cstr(&pat);
        found += rows(cli, kb, wp, "product", "SELECT id, name, vendor, kind, scheme, eol FROM"
                      " product WHERE id LIKE ?1 OR name LIKE ?1 ORDER BY id", like, p_cols,
                      6) > 0;
        found += rows(cli, kb, wp, "line", "SELECT l.product, l.prefix, l.latest, l.released,"
                      " l.eol FROM product_line l JOIN product p ON p.id = l.product WHERE"
                      " p.id LIKE ?1 OR p.name LIKE ?1", like, l_cols, 5) > 0;
        found += rows(cli, kb, wp, "vulns",
                      "SELECT c.product, c.cve, (SELECT group_concat(expr, ' | ') FROM"
                      " curated_range r WHERE r.curated = c.id), c.title FROM curated c JOIN"
                      " product p ON p.id = c.product WHERE p.id LIKE ?1 OR p.name LIKE ?1"
                      " ORDER BY c.product, c.cve", like, c_cols, 4) > 0;
        tk_buf_release(&pat);
    }
    if (wp) {
        tk_json_obj_end(wp);
        tk_json_finish(wp);
        fputc('\n', cli->out);
    } else if (!found) {
        fputs("nothing found for ", cli->out);
        out_text(cli->out, q);
        fputc('\n', cli->out);
    }
    tk_kb_close(kb);
    return TK_EXIT_OK;
}

/* ---- shipped data ---------------------------------------------------------------------- */

static int do_data(struct tk_cli *cli, struct kbargs *a, bool build)
{
    if (a->npos != (build ? 3 : 2))
        return tk_usage_error(cli, build ? "usage: kb build DATA_DIR OUT" : "usage: kb check-data DATA_DIR");
    struct tk_kb *kb;
    struct tk_err err = { 0 };
    struct tk_data_stats st;
    int rc = tk_kb_open(&kb, ":memory:", TK_KB_CREATE, &err);
    if (!rc)
        rc = tk_kb_load_data(kb, a->pos[1], &st, &err);
    if (!rc && build)
        rc = tk_kb_save(kb, a->pos[2], &err);
    if (rc) {
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg);
        if (kb)
            tk_kb_close(kb);
        return TK_EXIT_RUNTIME;
    }
    fprintf(cli->out, "%zu products, %zu vulnerability entries with %zu ranges, %zu KEV entries%s\n",
            st.products, st.vulns, st.ranges, st.kev, build ? "; written" : "; all valid");
    tk_kb_close(kb);
    return TK_EXIT_OK;
}

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    struct kbargs a = { .progress = true };
    const char *val;
    int idx, rc;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        if (idx == O_KB)
            a.kb = val;
        else if (idx == O_NO_PROGRESS)
            a.progress = false;
        else if (idx == O_FORMAT) {
            if (strcmp(val, "json") != 0 && strcmp(val, "text") != 0) {
                idx = TK_OPT_STOP;
                p.exit_code = tk_usage_error(cli, "--format must be text or json");
                break;
            }
            a.json = strcmp(val, "json") == 0;
        }
    }
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
    } else if (p.npos == 0) {
        rc = tk_usage_error(cli, "missing subcommand: import, info, search, check-data or build");
    } else {
        a.pos = p.pos;
        a.npos = p.npos;
        const char *sub = p.pos[0];
        if (strcmp(sub, "import") == 0)
            rc = do_import(cli, &a);
        else if (strcmp(sub, "info") == 0)
            rc = a.npos == 1 ? do_info(cli, &a) : tk_usage_error(cli, "usage: kb info");
        else if (strcmp(sub, "search") == 0)
            rc = do_search(cli, &a);
        else if (strcmp(sub, "check-data") == 0)
            rc = do_data(cli, &a, false);
        else if (strcmp(sub, "build") == 0)
            rc = do_data(cli, &a, true);
        else
            rc = tk_usage_error(cli, "unknown subcommand '%s'", sub);
    }
    tk_optparse_release(&p);
    return rc;
}

const struct tk_cmd tk_cmd_kb = {
    .name = "kb",
    .run = run,
    .args = "import NAME FILE|DIR | info | search CVE-ID|PRODUCT | check-data DIR | build DIR OUT",
    .summary = "Manage the vulnerability knowledge base.",
    .description =
        "The knowledge base is one SQLite file holding the facts tenken ships (product "
        "catalog, curated vulnerable versions, the CISA KEV catalog) and the feeds you "
        "import. Without one, tenken uses the copy built into the binary, so scans give real "
        "answers offline. Each import runs in one transaction: a truncated or malformed feed "
        "is rejected with its file and position and the knowledge base stays as it was.\n"
        "\n"
        "Subcommands:\n"
        "  import nvd FILE|DIR   NVD CVE API 2.0 JSON (.json or .json.gz, pages or yearly files)\n"
        "  import kev FILE       CISA Known Exploited Vulnerabilities (JSON)\n"
        "  import epss FILE      FIRST EPSS scores (CSV or .csv.gz)\n"
        "  import osv FILE|DIR|ZIP  OSV advisories, e.g. the Debian ecosystem's all.zip\n"
        "  import jvn FILE|DIR   JVN iPedia / MyJVN overview XML (Japanese titles, JVNDB ids)\n"
        "  info                  sources with their dates (\"knowledge as of\"), and counts\n"
        "  search CVE-ID|PRODUCT what the knowledge base says about a CVE or a product\n"
        "  check-data DIR        validate shipped data files (data/ in the source tree)\n"
        "  build DIR OUT         compile a data directory into a knowledge base file",
    .opts = opts,
};
