/* campaign_sheet.c - `tenken campaign export` and `import`: a campaign's cases to XLSX or CSV
 * for the officers, and their edits read back (campaign/sheet.h does the formats). Import
 * applies each changed row against the case version it was exported at: a case changed
 * since is reported and left alone, never overwritten, and the import goes on. */
#include <stdio.h>
#include <string.h>

#include "campaign/sheet.h"
#include "cmd/campaign.h"
#include "cmd/cmd.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/jdoc.h"
#include "store/store.h"

static int open_campaign(struct tk_cli *cli, struct tk_store *s, const char *name,
                         struct tk_arena *ar, struct tk_campaign *c)
{
    struct tk_err err = { 0 };
    return s->ops->campaign_get(s, name, ar, c, &err) ? tk_campaign_runtime(cli, &err) : 0;
}

/* ---- export ------------------------------------------------------------------------------ */

/* The cases of a campaign, by id, with the CVEs of their devices. */
struct gather {
    struct tk_case *cases;
    size_t n, cap;
    struct tk_buf *cves; /* per case: unique ids, ", "-separated, in the devices' order */
    struct tk_arena scratch;
};

static int gather_case(void *ud, const struct tk_case *c)
{
    struct gather *g = ud;
    if (tk_grow((void **)&g->cases, &g->cap, g->n + 1, sizeof *g->cases, TK_CAMPAIGN_MAX_CASES))
        return TK_ENOMEM;
    g->cases[g->n++] = *c;
    return 0;
}

static bool list_has(const struct tk_buf *b, const char *id)
{
    size_t k = strlen(id);
    for (const char *p = tk_buf_cstr(b); *p;) {
        size_t len = strcspn(p, ",");
        if (len == k && strncmp(p, id, k) == 0)
            return true;
        p += len;
        p += strspn(p, ", ");
    }
    return false;
}

static int gather_device(void *ud, int64_t case_id, const struct tk_case_device *d)
{
    struct gather *g = ud;
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->cases[mid].id < case_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == g->n || g->cases[lo].id != case_id || !d->cves)
        return 0;
    struct tk_buf *b = &g->cves[lo];
    struct tk_jv *v = NULL;
    tk_arena_reset(&g->scratch);
    if (tk_jdoc_parse(&g->scratch, d->cves, strlen(d->cves), "cves", &v, NULL) != 0)
        return 0;
    for (const struct tk_jv *c = tk_jv_is(v, TK_JV_ARRAY) ? v->u.first : NULL; c; c = c->next) {
        const char *id = tk_jv_str(tk_jv_get(c, "id"));
        if (!id || !*id || strchr(id, ',') || list_has(b, id))
            continue;
        if ((b->len && tk_buf_adds(b, ", ")) || tk_buf_adds(b, id))
            return TK_ENOMEM;
    }
    return 0;
}

int tk_campaign_export(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    enum tk_case_sheet_format fmt;
    if (a->npos != 2 || !a->output)
        return tk_usage_error(cli, "usage: campaign export CAMPAIGN -o FILE.xlsx|FILE.csv "
                                   "[--lang ja|en] [--encoding utf-8|shift_jis]");
    if (tk_case_sheet_format(a->output, &fmt) != 0)
        return tk_usage_error(cli,
                              "-o %s: the name must end in .xlsx or .csv, which decides "
                              "the format",
                              a->output);
    const char *lang = a->lang ? a->lang : "ja";
    if (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0)
        return tk_usage_error(cli, "--lang must be ja or en");
    if (fmt == TK_CSHEET_XLSX && a->sjis)
        return tk_usage_error(cli, "--encoding is for CSV: an XLSX file is always Unicode");
    struct tk_arena ar;
    tk_arena_init(&ar, (size_t)1 << 30);
    struct gather g = { 0 };
    tk_arena_init(&g.scratch, (size_t)16 << 20);
    const char **cves = NULL;
    struct tk_campaign c;
    struct tk_err err = { 0 };
    int rc = open_campaign(cli, s, a->pos[1], &ar, &c);
    if (rc)
        goto out;
    if ((rc = s->ops->case_list(s, c.id, &ar, gather_case, &g, &err)) == 0) {
        g.cves = tk_calloc(g.n ? g.n : 1, sizeof *g.cves);
        cves = tk_calloc(g.n ? g.n : 1, sizeof *cves);
        if (!g.cves || !cves)
            rc = TK_ENOMEM;
        for (size_t i = 0; !rc && i < g.n; i++)
            tk_buf_init(&g.cves[i], (size_t)1 << 20);
    }
    if (!rc)
        rc = s->ops->case_devices(s, c.id, 0, &ar, gather_device, &g, &err);
    for (size_t i = 0; !rc && i < g.n; i++)
        cves[i] = tk_buf_cstr(&g.cves[i]);
    if (!rc) {
        struct tk_case_sheet_opts o = { fmt, lang, a->sjis };
        rc = tk_case_sheet_write(a->output, &o, g.cases, cves, g.n, &err);
    }
    if (rc == TK_ENOMEM && !err.msg[0])
        tk_err_set(&err, rc, "out of memory");
    if (rc) {
        rc = tk_campaign_runtime(cli, &err);
        goto out;
    }
    tk_log(&cli->log, TK_LOG_INFO, "campaign %s: %zu case(s) written to %s", c.name, g.n,
           a->output);
out:
    for (size_t i = 0; g.cves && i < g.n; i++)
        tk_buf_release(&g.cves[i]);
    tk_free(g.cves);
    tk_free(cves);
    tk_free(g.cases);
    tk_arena_release(&g.scratch);
    tk_arena_release(&ar);
    return rc;
}

/* ---- import ------------------------------------------------------------------------------ */

struct tally {
    size_t read, applied, unchanged, conflicts, invalid;
};

/* One data row: compared with the case as it is now, and its changes applied against the
 * version the row was exported at. A failure that is not about the row (the store) is
 * returned; the row's own problems are reported and counted. */
static int import_row(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a,
                      const struct tk_campaign *camp, const struct tk_case_sheet_map *m,
                      const struct tk_table *t, const struct tk_table_row *r,
                      struct tk_case_sheet_entry *e, struct tk_arena *ar, struct tally *n,
                      struct tk_err *err)
{
    const char *file = a->pos[2];
    struct tk_err rerr = { 0 };
    n->read++;
    if (tk_case_sheet_entry(m, t, r, file, e, &rerr) != 0) {
        tk_log(&cli->log, TK_LOG_WARN, "%s", rerr.msg);
        n->invalid++;
        return 0;
    }
    struct tk_case c;
    tk_arena_reset(ar);
    int rc = s->ops->case_get(s, e->id, ar, &c, &rerr);
    if (rc == TK_ENOENT || (!rc && strcmp(c.campaign_id, camp->id) != 0)) {
        tk_log(&cli->log, TK_LOG_WARN, "%s:%u:%s: case %lld is not in campaign %s", file, r->num,
               m->head[TK_CF_COUNT], (long long)e->id, camp->name);
        n->invalid++;
        return 0;
    }
    if (rc) {
        *err = rerr;
        return rc;
    }
    struct tk_case_edit edits[TK_CF_COUNT];
    size_t k = 0;
    char fields[256] = "";
    for (int f = 0; f < TK_CF_COUNT; f++) {
        if (!e->present[f] || strcmp(e->value[f], c.f[f] ? c.f[f] : "") == 0)
            continue;
        edits[k++] = (struct tk_case_edit){ (enum tk_case_field)f, e->value[f] };
        size_t len = strlen(fields);
        snprintf(fields + len, sizeof fields - len, "%s%s", len ? ", " : "",
                 tk_case_fields[f].name);
    }
    if (!k) {
        n->unchanged++;
        return 0;
    }
    int64_t version = 0;
    rc = s->ops->case_update(s, e->id, e->version, edits, k, tk_campaign_who(a), &version, &rerr);
    if (rc == TK_ECONFLICT) {
        tk_log(&cli->log, TK_LOG_WARN,
               "%s:%u: case %lld changed since version %lld (now %lld): "
               "not applied",
               file, r->num, (long long)e->id, (long long)e->version, (long long)version);
        n->conflicts++;
        return 0;
    }
    if (rc) {
        *err = rerr;
        return rc;
    }
    tk_log(&cli->log, TK_LOG_INFO, "%s:%u: case %lld: %s (version %lld)", file, r->num,
           (long long)e->id, fields, (long long)version);
    n->applied++;
    return 0;
}

int tk_campaign_import(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    enum tk_case_sheet_format fmt;
    if (a->npos != 3)
        return tk_usage_error(cli, "usage: campaign import CAMPAIGN FILE.xlsx|FILE.csv "
                                   "[--encoding utf-8|shift_jis] [--who NAME]");
    const char *file = a->pos[2];
    if (tk_case_sheet_format(file, &fmt) != 0)
        return tk_usage_error(cli,
                              "%s: the name must end in .xlsx or .csv, which says the "
                              "format",
                              file);
    if (fmt == TK_CSHEET_XLSX && a->sjis)
        return tk_usage_error(cli, "--encoding is for CSV: an XLSX file is always Unicode");
    struct tk_arena ar, row_ar;
    tk_arena_init(&ar, (size_t)16 << 20);
    tk_arena_init(&row_ar, (size_t)16 << 20);
    struct tk_table t;
    tk_table_init(&t);
    struct tk_case_sheet_entry *e = tk_malloc(sizeof *e);
    struct tk_campaign camp;
    struct tk_case_sheet_map m;
    struct tk_err err = { 0 };
    struct tally n = { 0 };
    int rc = open_campaign(cli, s, a->pos[1], &ar, &camp);
    if (rc)
        goto done;
    if (!e) {
        rc = tk_err_set(&err, TK_ENOMEM, "out of memory");
    } else if ((rc = tk_table_read_file(&t, file, fmt, a->sjis, &err)) != 0) {
        size_t len = strlen(err.msg);
        if (t.not_utf8)
            snprintf(err.msg + len, sizeof err.msg - len,
                     "; if it is Shift_JIS (as Excel in Japan saves CSV), add --encoding "
                     "shift_jis");
    } else {
        rc = tk_case_sheet_map(&m, &t, file, &err);
    }
    for (size_t i = 1; !rc && i < t.nrows; i++)
        if (!tk_table_row_blank(&t.rows[i]))
            rc = import_row(cli, s, a, &camp, &m, &t, &t.rows[i], e, &row_ar, &n, &err);
    if (rc)
        tk_log(&cli->log, TK_LOG_ERROR, "%s", err.msg[0] ? err.msg : "out of memory");
    if (rc && !n.read) {
        rc = TK_EXIT_RUNTIME;
        goto done;
    }
    /* after a failure of the store too: the rows before it were applied */
    fprintf(cli->out, "%zu row(s) read, %zu applied, %zu unchanged, %zu conflict(s), %zu invalid\n",
            n.read, n.applied, n.unchanged, n.conflicts, n.invalid);
    rc = rc || n.invalid ? TK_EXIT_RUNTIME : n.conflicts ? TK_EXIT_CONFLICT : TK_EXIT_OK;
done:
    tk_free(e);
    tk_table_release(&t);
    tk_arena_release(&row_ar);
    tk_arena_release(&ar);
    return rc;
}
