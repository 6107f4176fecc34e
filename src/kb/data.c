/* data.c - the shipped-facts compiler: stanza files and the KEV table into KB rows. */
#include "kb/data.h"

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/stanza.h"
#include "kb/vercmp.h"
#include "tk_config.h"

#define DATA_FILE_MAX (64 << 20)

struct loader {
    struct tk_kb *kb;
    sqlite3 *db;
    const char *file; /* current file, for messages */
    struct tk_data_stats *stats;
    sqlite3_stmt *product, *cpe, *match, *line, *psource;
    sqlite3_stmt *curated, *range, *fixed, *vsource, *kev, *suppress;
};

static int prep(struct loader *l, sqlite3_stmt **st, const char *sql, struct tk_err *err)
{
    if (sqlite3_prepare_v2(l->db, sql, -1, st, NULL) != SQLITE_OK)
        return tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(l->kb), sqlite3_errmsg(l->db));
    return 0;
}

static void bind_str(sqlite3_stmt *st, int i, struct tk_str s)
{
    if (s.n)
        sqlite3_bind_text(st, i, s.p, (int)s.n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int step(struct loader *l, sqlite3_stmt *st, size_t line, struct tk_err *err)
{
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (s != SQLITE_DONE)
        return tk_err_set(err, s == SQLITE_CONSTRAINT ? TK_EPARSE : TK_EIO, "%s:%zu: %s",
                          l->file, line, sqlite3_errmsg(l->db));
    return 0;
}

static bool valid_id(struct tk_str s)
{
    if (!s.n)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static bool valid_date(struct tk_str s)
{
    if (tk_str_eq_c(s, "-"))
        return true;
    if (s.n != 10 || s.p[4] != '-' || s.p[7] != '-')
        return false;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s.p[i] < '0' || s.p[i] > '9'))
            return false;
    return true;
}

static bool valid_cve(struct tk_str s)
{
    if (s.n < 13 || !tk_str_has_prefix(s, "CVE-") || s.p[8] != '-')
        return false;
    for (size_t i = 4; i < s.n; i++)
        if (i != 8 && (s.p[i] < '0' || s.p[i] > '9'))
            return false;
    return true;
}

static bool known_field(struct tk_str name, const char *const *fields)
{
    for (; *fields; fields++)
        if (tk_str_eq_c(name, *fields))
            return true;
    return false;
}

/* "120 | latest 120.0.6099.129 | released 2023-12-20 | eol -" */
static int product_line(struct loader *l, struct tk_str id, const struct tk_stanza_field *f,
                        struct tk_err *err)
{
    struct tk_str rest = f->value, part, prefix = { "", 0 }, latest = { "", 0 },
                  released = { "", 0 }, eol = { "", 0 };
    bool first = true;
    while (rest.n) {
        struct tk_str after;
        tk_str_cut(rest, '|', &part, &after);
        rest = after;
        part = tk_str_trim(part);
        if (first) {
            prefix = part;
            first = false;
            continue;
        }
        struct tk_str key, value;
        tk_str_cut(part, ' ', &key, &value);
        value = tk_str_trim(value);
        if (tk_str_eq_c(key, "latest"))
            latest = value;
        else if (tk_str_eq_c(key, "released"))
            released = value;
        else if (tk_str_eq_c(key, "eol"))
            eol = value;
        else
            return tk_err_set(err, TK_EPARSE, "%s:%zu: unknown line attribute \"%.*s\"",
                              l->file, f->line, (int)key.n, key.p);
    }
    if (!prefix.n || (released.n && !valid_date(released)) || (eol.n && !valid_date(eol)))
        return tk_err_set(err, TK_EPARSE,
                          "%s:%zu: expected \"PREFIX | latest V | released YYYY-MM-DD | eol "
                          "YYYY-MM-DD\"",
                          l->file, f->line);
    bind_str(l->line, 1, id);
    bind_str(l->line, 2, prefix);
    bind_str(l->line, 3, latest);
    bind_str(l->line, 4, released);
    bind_str(l->line, 5, tk_str_eq_c(eol, "-") ? (struct tk_str){ "", 0 } : eol);
    return step(l, l->line, f->line, err);
}

static int catalog_stanza(void *ud, const struct tk_stanza *s, struct tk_err *err)
{
    static const char *const fields[] = { "id", "name", "vendor", "cpe", "kind", "scheme",
                                          "normalize", "match.name", "match.package",
                                          "match.flatpak", "match.snap", "match.path", "line",
                                          "eol", "kev", "kev-not", "source", NULL };
    static const char *const kinds[] = { "application", "browser", "plugin", "runtime", "meeting", "remote",
                                         "vpn-client", "appliance", "office", "os", NULL };
    struct loader *l = ud;
    struct tk_str id = tk_stanza_get(s, "id"), name = tk_stanza_get(s, "name");
    struct tk_str kind = tk_stanza_get(s, "kind"), scheme = tk_stanza_get(s, "scheme");
    struct tk_str eol = tk_stanza_get(s, "eol");
    for (size_t i = 0; i < s->n; i++)
        if (!known_field(s->f[i].name, fields))
            return tk_err_set(err, TK_EPARSE, "%s:%zu: unknown field \"%.*s\"", l->file,
                              s->f[i].line, (int)s->f[i].name.n, s->f[i].name.p);
    if (!valid_id(id))
        return tk_err_set(err, TK_EPARSE, "%s:%zu: product id must be [a-z0-9-]+", l->file,
                          s->line);
    if (!name.n || !kind.n || !scheme.n)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: product %.*s needs name, kind and scheme",
                          l->file, s->line, (int)id.n, id.p);
    char sname[64];
    enum tk_vscheme vs;
    snprintf(sname, sizeof sname, "%.*s", (int)(scheme.n < 63 ? scheme.n : 63), scheme.p);
    if (tk_vscheme_parse(sname, &vs) != 0)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: unknown version scheme \"%s\"", l->file,
                          s->line, sname);
    bool kind_ok = false;
    for (size_t i = 0; kinds[i]; i++)
        kind_ok |= tk_str_eq_c(kind, kinds[i]);
    if (!kind_ok)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: unknown kind \"%.*s\"", l->file, s->line,
                          (int)kind.n, kind.p);
    if (eol.n && !valid_date(eol))
        return tk_err_set(err, TK_EPARSE, "%s:%zu: eol must be YYYY-MM-DD", l->file, s->line);
    bind_str(l->product, 1, id);
    bind_str(l->product, 2, name);
    bind_str(l->product, 3, tk_stanza_get(s, "vendor"));
    bind_str(l->product, 4, kind);
    bind_str(l->product, 5, scheme);
    bind_str(l->product, 6, tk_stanza_get(s, "normalize"));
    bind_str(l->product, 7, eol);
    int rc = step(l, l->product, s->line, err);
    if (rc == TK_EPARSE)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: product %.*s defined twice", l->file,
                          s->line, (int)id.n, id.p);
    for (size_t i = 0; i < s->n && !rc; i++) {
        const struct tk_stanza_field *f = &s->f[i];
        if (tk_str_eq_c(f->name, "cpe")) {
            struct tk_str v, p;
            if (!tk_str_cut(f->value, ':', &v, &p) || !v.n || !p.n || memchr(p.p, ':', p.n))
                return tk_err_set(err, TK_EPARSE, "%s:%zu: cpe must be vendor:product",
                                  l->file, f->line);
            bind_str(l->cpe, 1, id);
            bind_str(l->cpe, 2, v);
            bind_str(l->cpe, 3, p);
            rc = step(l, l->cpe, f->line, err);
        } else if (tk_str_has_prefix(f->name, "match.") || tk_str_has_prefix(f->name, "kev")) {
            /* kev / kev-not: globs over "vendor | product" of the KEV rows this product's data
             * covers, and of those that do not concern it (checked by check_kev_coverage);
             * the matcher ignores both. */
            bool kev = !tk_str_has_prefix(f->name, "match.");
            if (kev && !memmem(f->value.p, f->value.n, " | ", 3))
                return tk_err_set(err, TK_EPARSE, "%s:%zu: kev must be \"VENDOR | PRODUCT\"",
                                  l->file, f->line);
            bind_str(l->match, 1, id);
            bind_str(l->match, 2, kev ? f->name : (struct tk_str){ f->name.p + 6, f->name.n - 6 });
            bind_str(l->match, 3, f->value);
            rc = step(l, l->match, f->line, err);
        } else if (tk_str_eq_c(f->name, "line")) {
            rc = product_line(l, id, f, err);
        } else if (tk_str_eq_c(f->name, "source")) {
            bind_str(l->psource, 1, id);
            bind_str(l->psource, 2, f->value);
            rc = step(l, l->psource, f->line, err);
        }
    }
    if (!rc)
        l->stats->products++;
    return rc;
}

static enum tk_vscheme product_scheme(struct loader *l, struct tk_str product, bool *found)
{
    sqlite3_stmt *st;
    enum tk_vscheme vs = 0;
    *found = false;
    if (sqlite3_prepare_v2(l->db, "SELECT scheme FROM product WHERE id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return vs;
    bind_str(st, 1, product);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        *found = name && tk_vscheme_parse(name, &vs) == 0;
    }
    sqlite3_finalize(st);
    return vs;
}

/* "8.8 CVSS:3.1/AV:N/…" -> score and vector. */
static int cvss(struct loader *l, struct tk_str v, size_t line, double *score,
                struct tk_str *vector, struct tk_err *err)
{
    struct tk_str num, rest;
    tk_str_cut(tk_str_trim(v), ' ', &num, &rest);
    char buf[16];
    char *end;
    if (num.n == 0 || num.n >= sizeof buf)
        goto bad;
    memcpy(buf, num.p, num.n);
    buf[num.n] = '\0';
    *score = strtod(buf, &end);
    if (*end || *score < 0 || *score > 10)
        goto bad;
    *vector = tk_str_trim(rest);
    if (vector->n && !tk_str_has_prefix(*vector, "CVSS:"))
        goto bad;
    return 0;
bad:
    return tk_err_set(err, TK_EPARSE, "%s:%zu: expected \"SCORE CVSS:x.y/...\"", l->file, line);
}

/* One product's rows of a vuln stanza: the curated record, then its ranges (each bound checked
 * against the product's scheme), fixed versions and sources. */
static int curated_rows(struct loader *l, const struct tk_stanza *s, struct tk_str product,
                        enum tk_vscheme vs, bool none, const double cv[2],
                        const struct tk_str vec[2], struct tk_str cwes, struct tk_err *err)
{
    struct tk_str conf = tk_stanza_get(s, "confidence");
    bind_str(l->curated, 1, tk_stanza_get(s, "cve"));
    bind_str(l->curated, 2, product);
    bind_str(l->curated, 3, tk_stanza_get(s, "platform"));
    bind_str(l->curated, 4, conf.n ? conf : TK_STR_LIT("high"));
    bind_str(l->curated, 5, tk_stanza_get(s, "title"));
    if (cv[0] >= 0)
        sqlite3_bind_double(l->curated, 6, cv[0]);
    bind_str(l->curated, 7, vec[0]);
    if (cv[1] >= 0)
        sqlite3_bind_double(l->curated, 8, cv[1]);
    bind_str(l->curated, 9, vec[1]);
    bind_str(l->curated, 10, cwes);
    bind_str(l->curated, 11, tk_str_c(l->file));
    int rc = step(l, l->curated, s->line, err);
    sqlite3_int64 id = sqlite3_last_insert_rowid(l->db);
    for (size_t i = 0; i < s->n && !rc; i++) {
        const struct tk_stanza_field *f = &s->f[i];
        sqlite3_stmt *st = NULL;
        if (tk_str_eq_c(f->name, "affected") && none) {
            continue;
        } else if (tk_str_eq_c(f->name, "affected")) {
            struct tk_vrange r;
            struct tk_err perr = { 0 };
            if (tk_vrange_parse(f->value, &r, &perr) != 0)
                return tk_err_set(err, TK_EPARSE, "%s:%zu: %s", l->file, f->line, perr.msg);
            /* Every bound must be a version the product's scheme understands. */
            for (int b = 0; b < r.nbounds; b++)
                if (!tk_version_valid(vs, r.bound[b].version))
                    return tk_err_set(err, TK_EPARSE, "%s:%zu: \"%.*s\" is not a %s version",
                                      l->file, f->line, (int)r.bound[b].version.n,
                                      r.bound[b].version.p, tk_vscheme_name(vs));
            st = l->range;
        } else if (tk_str_eq_c(f->name, "fixed")) {
            st = l->fixed;
        } else if (tk_str_eq_c(f->name, "source")) {
            st = l->vsource;
        }
        if (!st)
            continue;
        sqlite3_bind_int64(st, 1, id);
        bind_str(st, 2, f->value);
        rc = step(l, st, f->line, err);
    }
    return rc;
}

/* A vuln stanza names one product or several (`product:` repeated, for one flaw in products
 * the catalog keeps apart, such as the editions of Windows): each gets the same ranges. */
static int vuln_stanza(void *ud, const struct tk_stanza *s, struct tk_err *err)
{
    static const char *const fields[] = { "cve", "product", "affected", "fixed", "platform",
                                          "cvss3", "cvss4", "cwe", "title", "source",
                                          "confidence", NULL };
    struct loader *l = ud;
    struct tk_str cve = tk_stanza_get(s, "cve");
    struct tk_str conf = tk_stanza_get(s, "confidence");
    for (size_t i = 0; i < s->n; i++)
        if (!known_field(s->f[i].name, fields))
            return tk_err_set(err, TK_EPARSE, "%s:%zu: unknown field \"%.*s\"", l->file,
                              s->f[i].line, (int)s->f[i].name.n, s->f[i].name.p);
    if (!valid_cve(cve))
        return tk_err_set(err, TK_EPARSE, "%s:%zu: cve must look like CVE-2024-12345", l->file,
                          s->line);
    if (!tk_stanza_count(s, "product") || !tk_stanza_count(s, "affected") ||
        !tk_stanza_count(s, "source"))
        return tk_err_set(err, TK_EPARSE, "%s:%zu: %.*s needs product, affected and source",
                          l->file, s->line, (int)cve.n, cve.p);
    /* "affected: none" records that the product was checked and is not affected (so KEV
     * coverage holds without a range that can never match). */
    bool none = tk_str_eq_c(tk_stanza_get(s, "affected"), "none");
    if (none && (tk_stanza_count(s, "affected") != 1 || tk_stanza_count(s, "fixed")))
        return tk_err_set(err, TK_EPARSE,
                          "%s:%zu: %.*s: \"affected: none\" stands alone, without fixed", l->file,
                          s->line, (int)cve.n, cve.p);
    struct tk_str plat = tk_stanza_get(s, "platform"), word;
    while (tk_str_next_field(&plat, &word))
        if (!tk_str_eq_c(word, "linux") && !tk_str_eq_c(word, "windows") &&
            !tk_str_eq_c(word, "macos"))
            return tk_err_set(err, TK_EPARSE, "%s:%zu: platform must list linux, windows, macos",
                              l->file, s->line);
    if (conf.n && !tk_str_eq_c(conf, "high") && !tk_str_eq_c(conf, "medium") &&
        !tk_str_eq_c(conf, "low"))
        return tk_err_set(err, TK_EPARSE, "%s:%zu: confidence must be high, medium or low",
                          l->file, s->line);
    double cv[2] = { -1, -1 };
    struct tk_str vec[2] = { { "", 0 }, { "", 0 } };
    int rc = 0;
    if (tk_stanza_count(s, "cvss3"))
        rc = cvss(l, tk_stanza_get(s, "cvss3"), s->line, &cv[0], &vec[0], err);
    if (!rc && tk_stanza_count(s, "cvss4"))
        rc = cvss(l, tk_stanza_get(s, "cvss4"), s->line, &cv[1], &vec[1], err);
    if (rc)
        return rc;
    /* Collect CWEs into one comma-separated value. */
    struct tk_buf cwes = TK_BUF_INIT(4096);
    for (size_t i = 0; i < s->n; i++)
        if (tk_str_eq_c(s->f[i].name, "cwe"))
            tk_buf_addf(&cwes, "%s%.*s", cwes.len ? "," : "", (int)s->f[i].value.n,
                        s->f[i].value.p);
    /* each product: known, named once, then its rows (the load is one transaction: an error
     * here leaves nothing behind) */
    for (size_t i = 0; i < s->n && !rc; i++) {
        struct tk_str product = s->f[i].value;
        if (!tk_str_eq_c(s->f[i].name, "product"))
            continue;
        bool found, again = false;
        enum tk_vscheme vs = product_scheme(l, product, &found);
        for (size_t k = 0; k < i; k++)
            again |= tk_str_eq_c(s->f[k].name, "product") && tk_str_eq(s->f[k].value, product);
        if (!found || again)
            rc = tk_err_set(err, TK_EPARSE, "%s:%zu: %.*s: %s product \"%.*s\"", l->file,
                            s->f[i].line, (int)cve.n, cve.p, found ? "repeated" : "unknown",
                            (int)product.n, product.p);
        else
            rc = curated_rows(l, s, product, vs, none, cv, vec,
                              (struct tk_str){ tk_buf_cstr(&cwes), cwes.len }, err);
    }
    tk_buf_release(&cwes);
    if (!rc) {
        l->stats->vulns++;
        l->stats->ranges += none ? 0 : tk_stanza_count(s, "affected"); /* once, not per product */
    }
    return rc;
}

static int suppress_stanza(void *ud, const struct tk_stanza *s, struct tk_err *err)
{
    static const char *const fields[] = { "cve", "product", "reason", "source", NULL };
    struct loader *l = ud;
    struct tk_str cve = tk_stanza_get(s, "cve"), product = tk_stanza_get(s, "product");
    struct tk_str reason = tk_stanza_get(s, "reason");
    for (size_t i = 0; i < s->n; i++)
        if (!known_field(s->f[i].name, fields))
            return tk_err_set(err, TK_EPARSE, "%s:%zu: unknown field \"%.*s\"", l->file,
                              s->f[i].line, (int)s->f[i].name.n, s->f[i].name.p);
    if (!valid_cve(cve) || !reason.n || !tk_stanza_count(s, "source"))
        return tk_err_set(err, TK_EPARSE, "%s:%zu: a suppression needs cve, reason and source",
                          l->file, s->line);
    bool found = tk_str_eq_c(product, "*");
    if (!found)
        product_scheme(l, product, &found);
    if (!found)
        return tk_err_set(err, TK_EPARSE, "%s:%zu: unknown product \"%.*s\"", l->file, s->line,
                          (int)product.n, product.p);
    bind_str(l->suppress, 1, cve);
    bind_str(l->suppress, 2, product);
    bind_str(l->suppress, 3, reason);
    return step(l, l->suppress, s->line, err);
}

static int load_kev(struct loader *l, const char *path, struct tk_err *err)
{
    struct tk_buf buf = TK_BUF_INIT(DATA_FILE_MAX);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return tk_err_sys(err, errno, "%s: cannot open", path);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        rc = tk_buf_add(&buf, chunk, n);
    fclose(fp);
    if (rc) {
        tk_buf_release(&buf);
        return tk_err_set(err, rc, "%s: too large", path);
    }
    struct tk_str rest = { tk_buf_cstr(&buf), buf.len }, line;
    size_t lineno = 0;
    char version[64] = "", date[32] = "";
    while (!rc && tk_str_next_line(&rest, &line)) {
        lineno++;
        if (line.n && line.p[0] == '#') {
            /* "# CISA Known Exploited Vulnerabilities catalog 2025.08.25 (2025-08-25T…)" */
            const char *c = memmem(line.p, line.n, "catalog ", 8);
            if (c)
                sscanf(c + 8, "%63s (%10s", version, date);
            continue;
        }
        if (lineno <= 2 && tk_str_has_prefix(line, "cve\t"))
            continue;
        if (!line.n)
            continue;
        struct tk_str col[7], r = line;
        int ncol = 0;
        while (ncol < 7) {
            struct tk_str after;
            bool more = tk_str_cut(r, '\t', &col[ncol], &after);
            ncol++;
            if (!more)
                break;
            r = after;
        }
        if (ncol != 7 || !valid_cve(col[0]) || !valid_date(col[1])) {
            rc = tk_err_set(err, TK_EPARSE, "%s:%zu: expected 7 tab-separated columns", path,
                            lineno);
            break;
        }
        for (int i = 0; i < 7; i++)
            bind_str(l->kev, i + 1, col[i]);
        rc = step(l, l->kev, lineno, err);
        l->stats->kev++;
    }
    tk_buf_release(&buf);
    if (!rc) {
        struct tk_kb_source src = { "kev", version[0] ? version : NULL, date[0] ? date : NULL,
                                    "data/kev.tsv", (int64_t)l->stats->kev };
        rc = tk_kb_source_set(l->kb, &src, err);
    }
    return rc;
}

/* The data's promise: every KEV entry added in the five years before the KEV snapshot whose
 * "vendor | product" matches a product's kev: globs has a vuln stanza for that product. */
static int check_kev_coverage(struct loader *l, struct tk_err *err)
{
    static const char sql[] =
        "SELECT m.product, k.cve, k.vendor || ' | ' || k.product FROM product_match m"
        " JOIN kev k ON k.vendor || ' | ' || k.product GLOB m.pattern"
        " WHERE m.field = 'kev'"
        "  AND NOT EXISTS (SELECT 1 FROM product_match x WHERE x.product = m.product"
        "                  AND x.field = 'kev-not' AND k.vendor || ' | ' || k.product GLOB x.pattern)"
        "  AND k.date_added >= date((SELECT substr(date, 1, 10) FROM source WHERE name = 'kev'),"
        "                           '-5 years')"
        "  AND NOT EXISTS (SELECT 1 FROM curated c WHERE c.cve = k.cve AND c.product = m.product)"
        " ORDER BY m.product, k.cve";
    sqlite3_stmt *st;
    int rc = prep(l, &st, sql, err);
    if (rc)
        return rc;
    struct tk_buf list = TK_BUF_INIT(4096);
    size_t n = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ < 8)
            tk_buf_addf(&list, "%s%s %s", n > 1 ? ", " : "",
                        (const char *)sqlite3_column_text(st, 0),
                        (const char *)sqlite3_column_text(st, 1));
    }
    if (s != SQLITE_DONE)
        rc = tk_err_set(err, TK_EIO, "%s: %s", tk_kb_name(l->kb), sqlite3_errmsg(l->db));
    else if (n)
        rc = tk_err_set(err, TK_EPARSE,
                        "catalog kev: %zu KEV entr%s of the last five years without a vuln "
                        "stanza: %s%s",
                        n, n == 1 ? "y" : "ies", tk_buf_cstr(&list), n > 8 ? ", …" : "");
    sqlite3_finalize(st);
    tk_buf_release(&list);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads dir/sub/ *.txt, sorted by name, with fn per stanza. */
static int load_dir(struct loader *l, const char *dir, const char *sub, tk_stanza_fn fn,
                    struct tk_err *err)
{
    struct tk_buf path = TK_BUF_INIT(8192);
    tk_buf_addf(&path, "%s/%s", dir, sub);
    DIR *d = opendir(tk_buf_cstr(&path));
    if (!d) {
        int rc = tk_err_sys(err, errno, "%s: cannot open the data directory", tk_buf_cstr(&path));
        tk_buf_release(&path);
        return rc;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0 || e->d_name[0] == '.')
            continue;
        if ((rc = tk_grow((void **)&names, &cap, n + 1, sizeof *names, 4096)) ||
            !(names[n] = tk_strdup(e->d_name))) {
            rc = tk_err_set(err, TK_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            struct tk_buf file = TK_BUF_INIT(8192), text = TK_BUF_INIT(DATA_FILE_MAX);
            tk_buf_addf(&file, "%s/%s", tk_buf_cstr(&path), names[i]);
            FILE *fp = fopen(tk_buf_cstr(&file), "rb");
            if (!fp) {
                rc = tk_err_sys(err, errno, "%s: cannot open", tk_buf_cstr(&file));
            } else {
                char chunk[65536];
                size_t k;
                while (!rc && (k = fread(chunk, 1, sizeof chunk, fp)) > 0)
                    rc = tk_buf_add(&text, chunk, k);
                fclose(fp);
                if (rc)
                    rc = tk_err_set(err, rc, "%s: too large", tk_buf_cstr(&file));
            }
            if (!rc) {
                l->file = tk_buf_cstr(&file);
                rc = tk_stanza_parse((struct tk_str){ tk_buf_cstr(&text), text.len },
                                     tk_buf_cstr(&file), fn, l, err);
            }
            tk_buf_release(&file);
            tk_buf_release(&text);
        }
        tk_free(names[i]);
    }
    tk_free(names);
    tk_buf_release(&path);
    return rc;
}

int tk_kb_load_data(struct tk_kb *kb, const char *dir, struct tk_data_stats *stats,
                    struct tk_err *err)
{
    struct tk_data_stats local = { 0 };
    struct loader l = { .kb = kb, .db = tk_kb_db(kb), .stats = stats ? stats : &local };
    *l.stats = (struct tk_data_stats){ 0 };
    int rc = tk_kb_begin(kb, err);
    if (rc)
        return rc;
    rc = prep(&l, &l.product,
              "INSERT INTO product(id, name, vendor, kind, scheme, normalize, eol)"
              " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
              err);
    if (!rc)
        rc = prep(&l, &l.cpe, "INSERT INTO product_cpe VALUES(?1, ?2, ?3)", err);
    if (!rc)
        rc = prep(&l, &l.match, "INSERT INTO product_match VALUES(?1, ?2, ?3)", err);
    if (!rc)
        rc = prep(&l, &l.line, "INSERT INTO product_line VALUES(?1, ?2, ?3, ?4, ?5)", err);
    if (!rc)
        rc = prep(&l, &l.psource, "INSERT INTO product_source VALUES(?1, ?2)", err);
    if (!rc)
        rc = prep(&l, &l.curated,
                  "INSERT INTO curated(cve, product, platform, confidence, title, cvss3_score,"
                  " cvss3_vector, cvss4_score, cvss4_vector, cwe, origin)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                  err);
    if (!rc)
        rc = prep(&l, &l.range, "INSERT INTO curated_range VALUES(?1, ?2)", err);
    if (!rc)
        rc = prep(&l, &l.fixed, "INSERT INTO curated_fixed VALUES(?1, ?2)", err);
    if (!rc)
        rc = prep(&l, &l.vsource, "INSERT INTO curated_source VALUES(?1, ?2)", err);
    if (!rc)
        rc = prep(&l, &l.kev, "INSERT OR REPLACE INTO kev VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
    if (!rc)
        rc = prep(&l, &l.suppress, "INSERT INTO suppress VALUES(?1, ?2, ?3)", err);
    if (!rc)
        rc = tk_kb_exec(kb,
                        "DELETE FROM product; DELETE FROM product_cpe; DELETE FROM product_match;"
                        "DELETE FROM product_line; DELETE FROM product_source;"
                        "DELETE FROM curated; DELETE FROM curated_range;"
                        "DELETE FROM curated_fixed; DELETE FROM curated_source;"
                        "DELETE FROM suppress;",
                        err);
    if (!rc)
        rc = load_dir(&l, dir, "catalog", catalog_stanza, err);
    if (!rc)
        rc = load_dir(&l, dir, "vulns", vuln_stanza, err);
    if (!rc) {
        /* Optional: a data directory without suppressions is fine. */
        struct tk_buf sup = TK_BUF_INIT(8192);
        tk_buf_addf(&sup, "%s/suppress.txt", dir);
        FILE *fp = fopen(tk_buf_cstr(&sup), "rb");
        if (fp) {
            struct tk_buf text = TK_BUF_INIT(DATA_FILE_MAX);
            char chunk[65536];
            size_t k;
            while (!rc && (k = fread(chunk, 1, sizeof chunk, fp)) > 0)
                rc = tk_buf_add(&text, chunk, k);
            fclose(fp);
            l.file = tk_buf_cstr(&sup);
            if (rc)
                rc = tk_err_set(err, rc, "%s: too large", l.file);
            else
                rc = tk_stanza_parse((struct tk_str){ tk_buf_cstr(&text), text.len }, l.file,
                                     suppress_stanza, &l, err);
            tk_buf_release(&text);
        }
        tk_buf_release(&sup);
    }
    if (!rc) {
        struct tk_buf kev = TK_BUF_INIT(8192);
        tk_buf_addf(&kev, "%s/kev.tsv", dir);
        rc = load_kev(&l, tk_buf_cstr(&kev), err);
        tk_buf_release(&kev);
    }
    if (!rc)
        rc = check_kev_coverage(&l, err);
    if (!rc) {
        struct tk_kb_source src = { "builtin", TK_VERSION, NULL, dir,
                                    (int64_t)(l.stats->products + l.stats->vulns) };
        rc = tk_kb_source_set(kb, &src, err);
    }
    sqlite3_stmt *all[] = { l.product, l.cpe, l.match, l.line, l.psource,
                            l.curated, l.range, l.fixed, l.vsource, l.kev, l.suppress };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    if (rc) {
        tk_kb_rollback(kb);
        return rc;
    }
    return tk_kb_commit(kb, err);
}
