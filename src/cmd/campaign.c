/* campaign.c - `tenken campaign`: notification campaigns (campaign/campaign.h) from the
 * command line. A campaign is created from a surface result, one case per organisation; the
 * analysts' contacts and what each organisation said and did are recorded case by case; a
 * newer surface result verifies which devices were fixed; `stats` gives the published
 * figures. Every change goes through the store, audited, against a case version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "campaign/campaign.h"
#include "cmd/campaign.h"
#include "cmd/cmd.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/escape.h"
#include "core/jdoc.h"
#include "core/json.h"
#include "core/time.h"
#include "store/store.h"
#include "surface/prefecture.h"

enum {
    O_DATA,
    O_FORMAT,
    O_PREFECTURE,
    O_KEV_ONLY,
    O_PRODUCT,
    O_ALL,
    O_WHO,
    O_VERSION,
    O_DATE,
    O_CHANNEL,
    O_NOTE,
    O_OUTPUT,
    O_LANG,
    O_ENCODING,
    O_PUBLIC,
};
static const struct tk_opt opts[] = {
    [O_DATA] = { "data", 0, "DIR",
                 "The data directory (default: $XDG_DATA_HOME/tenken/server, shared with "
                 "tenken serve)." },
    [O_FORMAT] = { "format", 0, "FORMAT",
                   "list, cases, show, stats: text (default), json; cases and stats also csv; "
                   "stats also xlsx (with -o FILE)." },
    [O_PREFECTURE] = { "prefecture", 0, "P",
                       "create: only devices of organisations in prefecture P (14, JP-14, "
                       "Kanagawa or 神奈川県; the address's prefecture when no organisation is "
                       "known)." },
    [O_KEV_ONLY] = { "kev-only", 0, NULL,
                     "create: only devices with a known-exploited vulnerability (CISA KEV)." },
    [O_PRODUCT] = { "product", 0, "TEXT",
                    "create: only devices whose product or vendor contains TEXT (any case)." },
    [O_ALL] = { "all", 0, NULL,
                "create: every identified device, not only those judged affected or possibly "
                "affected." },
    [O_WHO] = { "who", 0, "NAME", "Who makes the change, for the audit trail (default: $USER)." },
    [O_VERSION] = { "version", 0, "N",
                    "set, contact: the case version the change is made against (from show); "
                    "refused with exit status 4 when the case changed since." },
    [O_DATE] = { "date", 0, "YYYY-MM-DD", "contact: when the contact was made (default: today)." },
    [O_CHANNEL] = { "channel", 0, "CHANNEL",
                    "contact: phone (default), email, visit, letter or other." },
    [O_NOTE] = { "note", 0, "TEXT", "contact: what was said." },
    [O_OUTPUT] = { "output", 'o', "FILE",
                   "export, report: the file to write (export: .xlsx or .csv decides the "
                   "format)." },
    [O_LANG] = { "lang", 0, "LANG", "export, report: ja (default) or en." },
    [O_ENCODING] = { "encoding", 0, "ENC",
                     "export, import of CSV: utf-8 (default) or shift_jis (what Excel in Japan "
                     "opens directly)." },
    [O_PUBLIC] = { "public", 0, NULL,
                   "report: aggregate figures only, without the table of organisations (for "
                   "publishing)." },
    { NULL, 0, NULL, NULL },
};

#define F_TEXT TK_CAMPAIGN_TEXT
#define F_JSON TK_CAMPAIGN_JSON
#define F_CSV TK_CAMPAIGN_CSV
#define F_XLSX TK_CAMPAIGN_XLSX

int tk_campaign_runtime(struct tk_cli *cli, const struct tk_err *err)
{
    tk_log(&cli->log, TK_LOG_ERROR, "%s", err->msg);
    return err->code == TK_ECONFLICT ? TK_EXIT_CONFLICT : TK_EXIT_RUNTIME;
}
#define runtime tk_campaign_runtime

const char *tk_campaign_who(const struct tk_campaign_args *a)
{
    const char *w = a->who ? a->who : getenv("USER");
    return w && *w ? w : "unknown";
}
#define who_of tk_campaign_who

/* A case id from the command line. */
static bool case_id(const char *s, int64_t *out)
{
    long v;
    if (!tk_parse_long(s, 1, 2000000000L, &v))
        return false;
    *out = v;
    return true;
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* s escaped for the terminal, kept until term_release (the command's end): any number of
 * them may go into one printf. */
static struct tk_arena term_arena;
static bool term_arena_ready;

static const char *term(const char *s)
{
    if (!term_arena_ready) {
        tk_arena_init(&term_arena, (size_t)1 << 30);
        term_arena_ready = true;
    }
    struct tk_buf b = TK_BUF_INIT((size_t)1 << 20);
    s = s ? s : "";
    tk_escape_term(&b, s, strlen(s));
    const char *kept = tk_arena_strndup(&term_arena, tk_buf_cstr(&b), b.len);
    tk_buf_release(&b);
    return kept ? kept : "";
}

static void term_release(void)
{
    if (term_arena_ready)
        tk_arena_release(&term_arena);
    term_arena_ready = false;
}

/* A device's CVE list (JSON text the store keeps) written again element by element. */
static void cves_json(struct tk_json *w, const char *text)
{
    struct tk_arena a;
    tk_arena_init(&a, (size_t)16 << 20);
    struct tk_jv *v = NULL;
    tk_json_arr_begin(w);
    if (text && tk_jdoc_parse(&a, text, strlen(text), "cves", &v, NULL) == 0)
        for (const struct tk_jv *c = tk_jv_is(v, TK_JV_ARRAY) ? v->u.first : NULL; c; c = c->next) {
            tk_json_obj_begin(w);
            tk_json_kstr(w, "id", tk_jv_str(tk_jv_get(c, "id")));
            tk_json_kbool(w, "kev", tk_jv_is(tk_jv_get(c, "kev"), TK_JV_TRUE));
            tk_json_obj_end(w);
        }
    tk_json_arr_end(w);
    tk_arena_release(&a);
}

/* ---- create ------------------------------------------------------------------------------ */

static int do_create(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    if (a->npos < 3)
        return tk_usage_error(cli, "usage: campaign create NAME FILE... (FILE: the JSONL of "
                                   "tenken surface identify)");
    const char *name = a->pos[1];
    if (!tk_org_name_valid(name))
        return tk_usage_error(cli,
                              "'%s' is not a valid campaign name (1 to 64 letters, digits, "
                              "'.', '_' or '-', starting with a letter or digit)",
                              name);
    struct tk_campaign_filter f = {
        .prefecture = a->prefecture, .kev_only = a->kev_only, .product = a->product, .all = a->all
    };
    struct tk_campaign_draft d;
    tk_campaign_draft_init(&d);
    struct tk_err err = { 0 };
    int rc = 0;
    for (int i = 2; i < a->npos && !rc; i++)
        rc = tk_campaign_draft_read(&d, a->pos[i], &f, &err);
    if (!rc)
        rc = tk_campaign_draft_finish(&d, &err);
    if (rc) {
        tk_campaign_draft_release(&d);
        return runtime(cli, &err);
    }
    if (d.bad)
        tk_log(&cli->log, TK_LOG_WARN, "%llu malformed line(s) skipped, the first: %s",
               (unsigned long long)d.bad, d.first_bad);
    if (d.duplicates)
        tk_log(&cli->log, TK_LOG_INFO, "%llu record(s) repeated an address and port already taken",
               (unsigned long long)d.duplicates);
    if (!d.ncases) {
        tk_log(&cli->log, TK_LOG_ERROR,
               "no device of the %llu record(s) passes the filter: no campaign created",
               (unsigned long long)d.records);
        tk_campaign_draft_release(&d);
        return TK_EXIT_RUNTIME;
    }
    /* what the campaign was made from, as given */
    struct tk_buf src = TK_BUF_INIT(4096), flt = TK_BUF_INIT(1024);
    for (int i = 2; i < a->npos; i++)
        tk_buf_addf(&src, "%s%s", i > 2 ? " " : "", a->pos[i]);
    if (a->prefecture)
        tk_buf_addf(&flt, "prefecture=JP-%02d ", a->prefecture);
    if (a->kev_only)
        tk_buf_adds(&flt, "kev-only ");
    if (a->product)
        tk_buf_addf(&flt, "product=%s ", a->product);
    tk_buf_adds(&flt, a->all ? "all-verdicts" : "affected-or-possibly");
    struct tk_campaign c = { .source = src.ptr, .filter = flt.ptr };
    snprintf(c.name, sizeof c.name, "%s", name);
    rc = s->ops->campaign_create(s, &c, d.cases, d.ncases, who_of(a), &err);
    if (rc) {
        rc = runtime(cli, &err);
    } else {
        fprintf(cli->out, "%s\n", c.id);
        tk_log(&cli->log, TK_LOG_INFO,
               "campaign %s: %zu case(s) (%llu without a known organisation), %zu device(s) "
               "of %llu record(s)",
               c.name, d.ncases, (unsigned long long)d.unattributed, d.ndevs,
               (unsigned long long)d.records);
    }
    tk_buf_release(&src);
    tk_buf_release(&flt);
    tk_campaign_draft_release(&d);
    return rc;
}

/* ---- list -------------------------------------------------------------------------------- */

struct lister {
    struct tk_cli *cli;
    struct tk_json *w;
};

static int list_one(void *ud, const struct tk_campaign *c)
{
    struct lister *l = ud;
    char when[32];
    tk_time_iso8601(c->created, when);
    if (l->w) {
        tk_json_obj_begin(l->w);
        tk_json_kstr(l->w, "id", c->id);
        tk_json_kstr(l->w, "name", c->name);
        tk_json_kstr(l->w, "created", when);
        tk_json_kstr(l->w, "created_by", c->created_by);
        tk_json_kstr(l->w, "source", c->source);
        tk_json_kstr(l->w, "filter", c->filter);
        tk_json_kint(l->w, "cases", c->cases);
        tk_json_kint(l->w, "devices", c->devices);
        tk_json_obj_end(l->w);
        return 0;
    }
    fprintf(l->cli->out, "%-24s %-36s %6lld cases %6lld devices  %s\n", term(c->name), c->id,
            (long long)c->cases, (long long)c->devices, when);
    return 0;
}

static int do_list(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    struct tk_arena ar;
    tk_arena_init(&ar, (size_t)64 << 20);
    struct tk_json w;
    struct lister l = { cli, a->fmt == F_JSON ? &w : NULL };
    if (l.w) {
        tk_json_init_file(&w, cli->out, 0);
        tk_json_arr_begin(&w);
    }
    struct tk_err err = { 0 };
    int rc = s->ops->campaign_list(s, &ar, list_one, &l, &err);
    if (l.w) {
        tk_json_arr_end(&w);
        tk_json_finish(&w);
        fputc('\n', cli->out);
    }
    tk_arena_release(&ar);
    return rc ? runtime(cli, &err) : TK_EXIT_OK;
}

/* ---- cases ------------------------------------------------------------------------------- */

/* FIELD=VALUE arguments: edits for set, filters for cases ("product" filters too). */
struct cond {
    int field; /* -1: product */
    char value[TK_CASE_TEXT_MAX + 1];
};

static int parse_conds(struct tk_cli *cli, char **pos, int n, bool product_ok, struct cond **out)
{
    struct cond *c = tk_calloc((size_t)n + 1, sizeof *c);
    if (!c) {
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        return TK_EXIT_RUNTIME;
    }
    for (int i = 0; i < n; i++) {
        char *eq = strchr(pos[i], '=');
        if (!eq) {
            tk_free(c);
            return tk_usage_error(cli, "'%s' is not FIELD=VALUE", pos[i]);
        }
        *eq = '\0';
        if (product_ok && strcmp(pos[i], "product") == 0) {
            c[i].field = -1;
            snprintf(c[i].value, sizeof c[i].value, "%s", eq + 1);
            continue;
        }
        c[i].field = tk_case_field_find(pos[i]);
        if (c[i].field < 0) {
            char known[512];
            size_t k = 0;
            for (int f = 0; f < TK_CF_COUNT; f++)
                k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", f ? ", " : "",
                                      tk_case_fields[f].name);
            tk_free(c);
            return tk_usage_error(cli, "unknown field '%s' (fields: %s%s)", pos[i], known,
                                  product_ok ? ", product" : "");
        }
        struct tk_err err = { 0 };
        if (tk_case_field_normalize((enum tk_case_field)c[i].field, eq + 1, c[i].value,
                                    sizeof c[i].value, &err) != 0) {
            tk_free(c);
            return tk_usage_error(cli, "%s", err.msg);
        }
    }
    *out = c;
    return 0;
}

static bool contains_ci(const char *h, const char *n)
{
    for (size_t k = strlen(n); h && *h; h++)
        if (strncasecmp(h, n, k) == 0)
            return true;
    return false;
}

static bool case_matches(const struct tk_case *c, const struct cond *conds, int n)
{
    for (int i = 0; i < n; i++) {
        if (conds[i].field < 0) {
            if (!contains_ci(c->products, conds[i].value))
                return false;
        } else if (tk_case_fields[conds[i].field].kind == TK_FK_SET) {
            /* every listed member present */
            const char *want = conds[i].value, *have = c->f[conds[i].field];
            while (*want) {
                size_t k = strcspn(want, ",");
                bool found = false;
                for (const char *h = have; h && *h;
                     h += strcspn(h, ",") + (h[strcspn(h, ",")] == ','))
                    found = found || (strcspn(h, ",") == k && strncmp(h, want, k) == 0);
                if (!found)
                    return false;
                want += k + (want[k] == ',');
            }
        } else if (strcmp(c->f[conds[i].field], conds[i].value) != 0) {
            return false;
        }
    }
    return true;
}

static const char *const case_columns[] = { "case",       "version",    "org_key",
                                            "org_name",   "prefecture", "devices",
                                            "vulnerable", "kev",        "products" };

struct caselister {
    struct tk_cli *cli;
    enum tk_campaign_fmt fmt;
    struct tk_json w;
    const struct cond *conds;
    int nconds;
    size_t shown;
};

static void case_json(struct tk_json *w, const struct tk_case *c)
{
    tk_json_kint(w, "case", c->id);
    tk_json_kint(w, "version", c->version);
    tk_json_kstr(w, "org_key", c->org_key);
    tk_json_kstr(w, "org_name", c->org_name);
    tk_json_kstr(w, "corporate_number", c->corporate_number);
    tk_json_kstr(w, "prefecture", c->prefecture);
    tk_json_kint(w, "devices", c->ndevices);
    tk_json_kint(w, "vulnerable", c->nvulnerable);
    tk_json_kint(w, "fixed", c->nfixed);
    tk_json_kint(w, "gone", c->ngone);
    tk_json_kint(w, "kev", c->nkev);
    tk_json_kstr(w, "products", c->products);
    for (int f = 0; f < TK_CF_COUNT; f++)
        tk_json_kstr(w, tk_case_fields[f].name, c->f[f]);
    char when[32];
    if (c->first_contact) {
        tk_time_iso8601(c->first_contact, when);
        when[10] = '\0';
    }
    tk_json_kstr(w, "first_contact", c->first_contact ? when : NULL);
    if (c->resolved_at)
        tk_time_iso8601(c->resolved_at, when);
    tk_json_kstr(w, "resolved", c->resolved_at ? when : NULL);
    tk_json_kbool(w, "close_suggested", tk_case_close_suggested(c));
}

static void csv_cell(FILE *fp, const char *s, bool last)
{
    struct tk_buf b = TK_BUF_INIT((size_t)1 << 20);
    s = s ? s : "";
    tk_escape_csv(&b, s, strlen(s));
    fprintf(fp, "%s%c", tk_buf_cstr(&b), last ? '\n' : ',');
    tk_buf_release(&b);
}

static int case_one(void *ud, const struct tk_case *c)
{
    struct caselister *l = ud;
    if (!case_matches(c, l->conds, l->nconds))
        return 0;
    l->shown++;
    FILE *fp = l->cli->out;
    if (l->fmt == F_JSON) {
        tk_json_obj_begin(&l->w);
        case_json(&l->w, c);
        tk_json_obj_end(&l->w);
        return 0;
    }
    if (l->fmt == F_CSV) {
        char n[3][24];
        snprintf(n[0], sizeof n[0], "%lld", (long long)c->id);
        snprintf(n[1], sizeof n[1], "%lld", (long long)c->version);
        snprintf(n[2], sizeof n[2], "%d", c->ndevices);
        csv_cell(fp, n[0], false);
        csv_cell(fp, n[1], false);
        csv_cell(fp, c->org_key, false);
        csv_cell(fp, c->org_name, false);
        csv_cell(fp, c->prefecture, false);
        csv_cell(fp, n[2], false);
        snprintf(n[2], sizeof n[2], "%d", c->nvulnerable);
        csv_cell(fp, n[2], false);
        snprintf(n[2], sizeof n[2], "%d", c->nkev);
        csv_cell(fp, n[2], false);
        csv_cell(fp, c->products, false);
        for (int f = 0; f < TK_CF_COUNT; f++)
            csv_cell(fp, c->f[f], f == TK_CF_COUNT - 1);
        return 0;
    }
    const char *org = term(c->org_name ? c->org_name : c->org_key),
               *prod = term(or_dash(c->products));
    fprintf(fp, "%6lld v%-3lld %-32.32s %-6s %3d/%-3d %-11s %-11s %-7s %s\n", (long long)c->id,
            (long long)c->version, org, or_dash(c->prefecture), c->nvulnerable, c->ndevices,
            c->f[TK_CF_STATUS], or_dash(c->f[TK_CF_OUTCOME]), c->f[TK_CF_AWARE], prod);
    return 0;
}

static int open_campaign(struct tk_cli *cli, struct tk_store *s, const char *name,
                         struct tk_arena *ar, struct tk_campaign *c)
{
    struct tk_err err = { 0 };
    return s->ops->campaign_get(s, name, ar, c, &err) ? runtime(cli, &err) : 0;
}

static int do_cases(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    if (a->npos < 2)
        return tk_usage_error(cli, "usage: campaign cases CAMPAIGN [FIELD=VALUE...]");
    struct cond *conds = NULL;
    int rc = parse_conds(cli, a->pos + 2, a->npos - 2, true, &conds);
    if (rc)
        return rc;
    struct tk_arena ar;
    tk_arena_init(&ar, (size_t)256 << 20);
    struct tk_campaign c;
    if ((rc = open_campaign(cli, s, a->pos[1], &ar, &c)) != 0)
        goto out;
    struct caselister l = { cli, a->fmt, .conds = conds, .nconds = a->npos - 2 };
    if (a->fmt == F_JSON) {
        tk_json_init_file(&l.w, cli->out, 0);
        tk_json_arr_begin(&l.w);
    } else if (a->fmt == F_CSV) {
        for (size_t i = 0; i < sizeof case_columns / sizeof *case_columns; i++)
            fprintf(cli->out, "%s,", case_columns[i]);
        for (int f = 0; f < TK_CF_COUNT; f++)
            fprintf(cli->out, "%s%c", tk_case_fields[f].name, f == TK_CF_COUNT - 1 ? '\n' : ',');
    }
    struct tk_err err = { 0 };
    rc = s->ops->case_list(s, c.id, &ar, case_one, &l, &err);
    if (a->fmt == F_JSON) {
        tk_json_arr_end(&l.w);
        tk_json_finish(&l.w);
        fputc('\n', cli->out);
    }
    if (rc)
        rc = runtime(cli, &err);
    else if (a->fmt == F_TEXT)
        tk_log(&cli->log, TK_LOG_INFO, "%zu case(s)", l.shown);
out:
    tk_arena_release(&ar);
    tk_free(conds);
    return rc;
}

/* ---- show -------------------------------------------------------------------------------- */

struct shower {
    struct tk_cli *cli;
    struct tk_json *w;
};

static int show_device(void *ud, int64_t case_id, const struct tk_case_device *d)
{
    struct shower *sh = ud;
    (void)case_id;
    if (sh->w) {
        tk_json_obj_begin(sh->w);
        tk_json_kint(sh->w, "id", d->id);
        tk_json_kstr(sh->w, "ip", d->ip);
        tk_json_kint(sh->w, "port", d->port);
        tk_json_kstr(sh->w, "vendor", d->vendor);
        tk_json_kstr(sh->w, "product", d->product);
        tk_json_kstr(sh->w, "version", d->version);
        tk_json_kstr(sh->w, "precision", d->precision);
        tk_json_kstr(sh->w, "verdict", d->verdict);
        tk_json_key(sh->w, "cves");
        cves_json(sh->w, d->cves);
        tk_json_kbool(sh->w, "kev", d->kev);
        tk_json_kstr(sh->w, "state", d->state);
        tk_json_kstr(sh->w, "seen", d->seen);
        tk_json_obj_end(sh->w);
        return 0;
    }
    fprintf(sh->cli->out, "  %s:%d  %s%s%s %s (%s)  %s%s  %s\n", term(d->ip), d->port,
            term(d->vendor), d->vendor ? " " : "", term(or_dash(d->product)),
            term(or_dash(d->version)), term(or_dash(d->precision)), term(or_dash(d->verdict)),
            d->kev ? ", KEV" : "", term(d->state));
    return 0;
}

static int show_contact(void *ud, int64_t case_id, const struct tk_contact *c)
{
    struct shower *sh = ud;
    (void)case_id;
    if (sh->w) {
        tk_json_obj_begin(sh->w);
        tk_json_kstr(sh->w, "date", c->date);
        tk_json_kstr(sh->w, "channel", c->channel);
        tk_json_kstr(sh->w, "who", c->who);
        tk_json_kstr(sh->w, "note", c->note);
        tk_json_kstr(sh->w, "recorded_by", c->created_by);
        tk_json_obj_end(sh->w);
        return 0;
    }
    fprintf(sh->cli->out, "  %s %-7s %s: %s\n", term(c->date), term(c->channel),
            term(or_dash(c->who)), term(or_dash(c->note)));
    return 0;
}

static int show_audit(void *ud, const struct tk_audit *r)
{
    struct shower *sh = ud;
    char when[32];
    tk_time_iso8601(r->at, when);
    if (sh->w) {
        tk_json_obj_begin(sh->w);
        tk_json_kstr(sh->w, "at", when);
        tk_json_kstr(sh->w, "who", r->who);
        tk_json_kstr(sh->w, "field", r->field);
        tk_json_kstr(sh->w, "before", r->before);
        tk_json_kstr(sh->w, "after", r->after);
        tk_json_kint(sh->w, "version", r->version);
        tk_json_obj_end(sh->w);
        return 0;
    }
    fprintf(sh->cli->out, "  %s v%-3lld %-12s %s: %s -> %s\n", when, (long long)r->version,
            term(or_dash(r->who)), term(r->field), term(or_dash(r->before)),
            term(or_dash(r->after)));
    return 0;
}

static int do_show(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    int64_t id;
    if (a->npos != 2 || !case_id(a->pos[1], &id))
        return tk_usage_error(cli, "usage: campaign show CASE (a case number)");
    struct tk_arena ar;
    tk_arena_init(&ar, (size_t)256 << 20);
    struct tk_case c;
    struct tk_err err = { 0 };
    int rc = s->ops->case_get(s, id, &ar, &c, &err);
    struct tk_json w;
    struct shower sh = { cli, a->fmt == F_JSON ? &w : NULL };
    if (rc)
        goto out;
    if (sh.w) {
        tk_json_init_file(&w, cli->out, 0);
        tk_json_obj_begin(&w);
        case_json(&w, &c);
        tk_json_key(&w, "devices");
        tk_json_arr_begin(&w);
    } else {
        fprintf(cli->out, "case %lld (version %lld): %s", (long long)c.id, (long long)c.version,
                term(c.org_name ? c.org_name : c.org_key));
        if (c.prefecture)
            fprintf(cli->out, ", %s", c.prefecture);
        fputc('\n', cli->out);
        for (int f = 0; f < TK_CF_COUNT; f++)
            fprintf(cli->out, "  %-13s %s\n", tk_case_fields[f].name, term(or_dash(c.f[f])));
        fprintf(cli->out, "devices:\n");
    }
    rc = s->ops->case_devices(s, NULL, id, &ar, show_device, &sh, &err);
    if (sh.w) {
        tk_json_arr_end(&w);
        tk_json_key(&w, "contacts");
        tk_json_arr_begin(&w);
    } else {
        fprintf(cli->out, "contacts:\n");
    }
    if (!rc)
        rc = s->ops->case_contacts(s, NULL, id, &ar, show_contact, &sh, &err);
    if (sh.w) {
        tk_json_arr_end(&w);
        tk_json_key(&w, "audit");
        tk_json_arr_begin(&w);
    } else {
        fprintf(cli->out, "audit:\n");
    }
    if (!rc)
        rc = s->ops->case_audit(s, NULL, id, &ar, show_audit, &sh, &err);
    if (sh.w) {
        tk_json_arr_end(&w);
        tk_json_obj_end(&w);
        tk_json_finish(&w);
        fputc('\n', cli->out);
    }
out:
    tk_arena_release(&ar);
    return rc ? runtime(cli, &err) : TK_EXIT_OK;
}

/* ---- set, contact ---------------------------------------------------------------------- */

static int do_set(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    int64_t id;
    if (a->npos < 3 || !case_id(a->pos[1], &id))
        return tk_usage_error(cli, "usage: campaign set CASE FIELD=VALUE... [--version N]");
    struct cond *conds = NULL;
    int n = a->npos - 2, rc = parse_conds(cli, a->pos + 2, n, false, &conds);
    if (rc)
        return rc;
    struct tk_case_edit *edits = tk_calloc((size_t)n, sizeof *edits);
    if (!edits) {
        tk_free(conds);
        tk_log(&cli->log, TK_LOG_ERROR, "out of memory");
        return TK_EXIT_RUNTIME;
    }
    for (int i = 0; i < n; i++) {
        edits[i] = (struct tk_case_edit){ (enum tk_case_field)conds[i].field, conds[i].value };
        for (int k = 0; k < i; k++)
            if (edits[k].field == edits[i].field) {
                const char *name = tk_case_fields[edits[i].field].name;
                tk_free(edits);
                tk_free(conds);
                return tk_usage_error(cli, "%s is given twice", name);
            }
    }
    struct tk_err err = { 0 };
    int64_t version = 0;
    rc = s->ops->case_update(s, id, a->version, edits, (size_t)n, who_of(a), &version, &err);
    if (rc)
        rc = runtime(cli, &err);
    else
        fprintf(cli->out, "case %lld version %lld\n", (long long)id, (long long)version);
    tk_free(edits);
    tk_free(conds);
    return rc;
}

static int do_contact(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    int64_t id;
    if (a->npos != 2 || !case_id(a->pos[1], &id))
        return tk_usage_error(cli, "usage: campaign contact CASE [--date D] [--channel C] "
                                   "[--note TEXT] [--who NAME] [--version N]");
    char date[16], note[TK_CASE_TEXT_MAX + 1];
    struct tk_err err = { 0 };
    if (a->date) {
        if (tk_case_field_normalize(TK_CF_FOLLOW_UP, a->date, date, sizeof date, &err) != 0 ||
            !date[0])
            return tk_usage_error(cli, "--date: '%s' is not a date (YYYY-MM-DD)", a->date);
    } else {
        char now[32];
        tk_time_iso8601(tk_time_now(), now);
        snprintf(date, sizeof date, "%.10s", now);
    }
    const char *channel = a->channel ? a->channel : "phone";
    size_t k = 0;
    while (tk_contact_channels[k] && strcasecmp(tk_contact_channels[k], channel) != 0)
        k++;
    if (!tk_contact_channels[k])
        return tk_usage_error(cli, "--channel must be phone, email, visit, letter or other");
    if (tk_case_field_normalize(TK_CF_NOTE, a->note ? a->note : "", note, sizeof note, &err))
        return tk_usage_error(cli, "--note: %s", err.msg);
    struct tk_contact c = {
        .date = date, .channel = tk_contact_channels[k], .who = who_of(a), .note = note
    };
    int64_t version = 0;
    if (s->ops->contact_add(s, id, a->version, &c, who_of(a), &version, &err) != 0)
        return runtime(cli, &err);
    fprintf(cli->out, "case %lld version %lld\n", (long long)id, (long long)version);
    return TK_EXIT_OK;
}

/* ---- verify ------------------------------------------------------------------------------ */

struct verifier {
    const struct tk_campaign_check *check;
    struct tk_device_update *u;
    size_t n, cap;
    size_t counts[4]; /* vulnerable, fixed, gone, seen but not judged */
};

static int verify_one(void *ud, int64_t case_id, const struct tk_case_device *d)
{
    struct verifier *v = ud;
    (void)case_id;
    int64_t at;
    const char *state = tk_campaign_check_state(v->check, d->ip, d->port, &at);
    v->counts[!state ? 3 : state[0] == 'v' ? 0 : state[0] == 'f' ? 1 : 2]++;
    if (!state || strcmp(state, d->state) == 0)
        return 0; /* seen but not judged: it keeps its state */
    if (tk_grow((void **)&v->u, &v->cap, v->n + 1, sizeof *v->u, TK_CAMPAIGN_MAX_DEVICES))
        return TK_ENOMEM;
    v->u[v->n++] = (struct tk_device_update){ d->id, state, at };
    return 0;
}

/* The cases whose devices are all fixed or gone but that are not closed. */
struct closable {
    struct tk_cli *cli;
    size_t n;
};

static int closable_one(void *ud, const struct tk_case *c)
{
    struct closable *cl = ud;
    if (tk_case_close_suggested(c))
        fprintf(cl->cli->out, "%s%lld", cl->n++ ? ", " : "can be closed: case ", (long long)c->id);
    return 0;
}

static int do_verify(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    if (a->npos != 3)
        return tk_usage_error(cli, "usage: campaign verify CAMPAIGN FILE (a newer tenken "
                                   "surface identify result)");
    struct tk_arena ar;
    tk_arena_init(&ar, (size_t)1 << 30);
    struct tk_campaign_check check;
    tk_campaign_check_init(&check);
    struct verifier v = { &check, NULL, 0, 0, { 0 } };
    struct tk_campaign c;
    struct tk_err err = { 0 };
    int rc = open_campaign(cli, s, a->pos[1], &ar, &c);
    if (rc)
        goto out;
    if ((rc = tk_campaign_check_read(&check, a->pos[2], &err)) == 0 &&
        (rc = s->ops->case_devices(s, c.id, 0, &ar, verify_one, &v, &err)) == 0)
        rc = s->ops->device_states(s, c.id, v.u, v.n, who_of(a), &err);
    if (rc == TK_ENOMEM && !err.msg[0])
        tk_err_set(&err, rc, "out of memory");
    if (rc) {
        rc = runtime(cli, &err);
        goto out;
    }
    if (check.bad)
        tk_log(&cli->log, TK_LOG_WARN, "%llu malformed line(s) skipped, the first: %s",
               (unsigned long long)check.bad, check.first_bad);
    fprintf(cli->out, "%zu still vulnerable, %zu fixed, %zu gone; %zu device(s) changed\n",
            v.counts[0], v.counts[1], v.counts[2], v.n);
    if (v.counts[3])
        fprintf(cli->out,
                "%zu seen again but not judged (no product identified, or verdict "
                "unknown): left as they were\n",
                v.counts[3]);
    struct closable cl = { cli, 0 };
    if ((rc = s->ops->case_list(s, c.id, &ar, closable_one, &cl, &err)) != 0) {
        rc = runtime(cli, &err);
        goto out;
    }
    if (cl.n)
        fputc('\n', cli->out);
    fprintf(cli->out, "%zu case(s) can be closed: every device fixed or gone\n", cl.n);
out:
    tk_free(v.u);
    tk_campaign_check_release(&check);
    tk_arena_release(&ar);
    return rc;
}

/* ---- stats ------------------------------------------------------------------------------- */

static void pct(FILE *fp, double share)
{
    if (share != share)
        fputs("   -  ", fp);
    else
        fprintf(fp, "%5.1f%%", share * 100);
}

static void stats_text(FILE *fp, const struct tk_campaign *c, const struct tk_campaign_stats *st)
{
    fprintf(fp,
            "campaign %s: %lld case(s), %lld device(s) (%lld with a KEV CVE), %lld "
            "contacted\n",
            term(c->name), (long long)st->cases, (long long)st->devices, (long long)st->kev_devices,
            (long long)st->contacted);
    int64_t asked = st->answered[TK_CF_AWARE];
    fprintf(fp, "of %lld that answered: did not know an upgrade was needed ", (long long)asked);
    pct(fp, tk_campaign_share(st->unaware, asked));
    fprintf(fp, "; knew and had upgraded or were upgrading ");
    pct(fp, tk_campaign_share(st->aware_acted, asked));
    fputc('\n', fp);
    for (int f = 0; f < TK_CF_COUNT; f++) {
        const struct tk_case_field_def *d = &tk_case_fields[f];
        if (d->kind != TK_FK_CHOICE && d->kind != TK_FK_SET)
            continue;
        fprintf(fp, "%s (of %lld):\n", d->label_en,
                (long long)tk_campaign_field_whole(st, (enum tk_case_field)f));
        for (int i = 0; d->values[i] && i < TK_STATS_MAX_VALUES; i++) {
            fprintf(fp, "  %-40s %6lld  ", d->values_en[i], (long long)st->count[f][i]);
            pct(fp, tk_campaign_value_share(st, (enum tk_case_field)f, i));
            fputc('\n', fp);
        }
    }
    fprintf(fp, "devices: %lld still vulnerable (", (long long)st->devices_vulnerable);
    pct(fp, tk_campaign_share(st->devices_vulnerable, st->devices));
    fprintf(fp, "), %lld fixed, %lld gone\n", (long long)st->devices_fixed,
            (long long)st->devices_gone);
    if (st->ndays)
        fprintf(fp,
                "days from first contact to remediation (%zu case(s)): median %.1f, mean "
                "%.1f, max %.1f\n",
                st->ndays, st->days_median, st->days_mean, st->days_max);
}

static void stats_csv(FILE *fp, const struct tk_campaign_stats *st)
{
    fputs("section,value,cases,share\n", fp);
    for (int f = 0; f < TK_CF_COUNT; f++) {
        const struct tk_case_field_def *d = &tk_case_fields[f];
        if (d->kind != TK_FK_CHOICE && d->kind != TK_FK_SET)
            continue;
        for (int i = 0; d->values[i] && i < TK_STATS_MAX_VALUES; i++) {
            double sh = tk_campaign_value_share(st, (enum tk_case_field)f, i);
            fprintf(fp, "%s,%s,%lld,", d->name, d->values[i], (long long)st->count[f][i]);
            if (sh == sh)
                fprintf(fp, "%.4f", sh);
            fputc('\n', fp);
        }
    }
}

static int do_stats(struct tk_cli *cli, struct tk_store *s, const struct tk_campaign_args *a)
{
    if (a->npos != 2)
        return tk_usage_error(cli, "usage: campaign stats CAMPAIGN");
    struct tk_arena ar;
    tk_arena_init(&ar, (size_t)1 << 30);
    struct tk_campaign_stats st;
    tk_campaign_stats_init(&st);
    struct tk_campaign c;
    struct tk_err err = { 0 };
    int rc = tk_campaign_stats_load(s, a->pos[1], &ar, &c, &st, NULL, NULL, &err);
    if (rc) {
        rc = runtime(cli, &err);
        goto out;
    }
    if (a->fmt == F_JSON) {
        struct tk_json w;
        tk_json_init_file(&w, cli->out, 0);
        tk_campaign_stats_json(&st, &w);
        tk_json_finish(&w);
        fputc('\n', cli->out);
    } else if (a->fmt == F_CSV) {
        stats_csv(cli->out, &st);
    } else if (a->fmt == F_XLSX) {
        if ((rc = tk_campaign_stats_xlsx(&c, &st, strcmp(a->lang, "ja") == 0, a->output, &err)) !=
            0)
            rc = runtime(cli, &err);
    } else {
        stats_text(cli->out, &c, &st);
    }
out:
    tk_campaign_stats_release(&st);
    tk_arena_release(&ar);
    return rc;
}

/* ---- the command ------------------------------------------------------------------------- */

static int run(struct tk_cli *cli, int argc, char **argv)
{
    struct tk_optparse p;
    struct tk_campaign_args a = { .lang = "ja" };
    const char *val;
    int idx, rc = TK_EXIT_OK;
    tk_optparse_init(&p, cli, argc, argv);
    while ((idx = tk_optparse_next(&p, &val)) >= 0) {
        long n;
        switch (idx) {
        case O_DATA:
            a.data = val;
            break;
        case O_WHO:
            a.who = val;
            break;
        case O_DATE:
            a.date = val;
            break;
        case O_CHANNEL:
            a.channel = val;
            break;
        case O_NOTE:
            a.note = val;
            break;
        case O_OUTPUT:
            a.output = val;
            break;
        case O_PUBLIC:
            a.public = true;
            break;
        case O_LANG:
            if (strcmp(val, "ja") && strcmp(val, "en")) {
                p.exit_code = tk_usage_error(cli, "--lang must be ja or en");
                idx = TK_OPT_STOP;
            }
            a.lang = val;
            break;
        case O_ENCODING:
            if (strcasecmp(val, "utf-8") && strcasecmp(val, "utf8") &&
                strcasecmp(val, "shift_jis") && strcasecmp(val, "sjis") &&
                strcasecmp(val, "cp932")) {
                p.exit_code = tk_usage_error(cli, "--encoding must be utf-8 or shift_jis");
                idx = TK_OPT_STOP;
            }
            a.sjis = strncasecmp(val, "utf", 3) != 0;
            break;
        case O_PRODUCT:
            a.product = val;
            break;
        case O_KEV_ONLY:
            a.kev_only = true;
            break;
        case O_ALL:
            a.all = true;
            break;
        case O_FORMAT:
            if (strcmp(val, "text") && strcmp(val, "json") && strcmp(val, "csv") &&
                strcmp(val, "xlsx")) {
                p.exit_code = tk_usage_error(cli, "--format must be text, json, csv or xlsx");
                idx = TK_OPT_STOP;
            }
            a.fmt = !strcmp(val, "json")   ? F_JSON
                    : !strcmp(val, "csv")  ? F_CSV
                    : !strcmp(val, "xlsx") ? F_XLSX
                                           : F_TEXT;
            break;
        case O_PREFECTURE:
            if (!(a.prefecture = tk_prefecture_parse(val))) {
                p.exit_code = tk_usage_error(cli, "--prefecture: '%s' names no prefecture", val);
                idx = TK_OPT_STOP;
            }
            break;
        case O_VERSION:
            if (!tk_parse_long(val, 1, 2000000000L, &n)) {
                p.exit_code = tk_usage_error(cli, "--version must be a number, not '%s'", val);
                idx = TK_OPT_STOP;
            }
            a.version = n;
            break;
        default:
            break;
        }
        if (idx == TK_OPT_STOP)
            break;
    }
    if (idx == TK_OPT_STOP) {
        rc = p.exit_code;
        goto out;
    }
    a.pos = p.pos;
    a.npos = p.npos;
    static const char *const subs[] = { "create", "list",  "cases",  "show",   "set",    "contact",
                                        "verify", "stats", "export", "import", "report", NULL };
    static int (*const fns[])(struct tk_cli *, struct tk_store *,
                              const struct tk_campaign_args *) = {
        do_create,
        do_list,
        do_cases,
        do_show,
        do_set,
        do_contact,
        do_verify,
        do_stats,
        tk_campaign_export,
        tk_campaign_import,
        tk_campaign_report,
    };
    int k = tk_cli_subcommand(cli, a.npos ? a.pos[0] : NULL, subs);
    if (k < 0) {
        rc = TK_EXIT_USAGE;
        goto out;
    }
    if (a.fmt == F_CSV && fns[k] != do_cases && fns[k] != do_stats) {
        rc = tk_usage_error(cli, "--format csv is for cases and stats");
        goto out;
    }
    if (a.fmt == F_XLSX && (fns[k] != do_stats || !a.output || strcmp(a.output, "-") == 0)) {
        rc = tk_usage_error(cli, "--format xlsx is for stats, with -o FILE");
        goto out;
    }
    struct tk_store *s;
    if ((rc = tk_cli_open_store(cli, a.data, fns[k] == do_create, &s)) == 0) {
        rc = fns[k](cli, s, &a);
        tk_store_close(s);
    }
out:
    term_release();
    tk_optparse_release(&p);
    return rc;
}

const struct tk_cmd tk_cmd_campaign = {
    .name = "campaign",
    .run = run,
    .args = "create NAME FILE... | list | cases CAMPAIGN [FIELD=VALUE...] | show CASE | "
            "set CASE FIELD=VALUE... | contact CASE | verify CAMPAIGN FILE | stats CAMPAIGN | "
            "export CAMPAIGN -o FILE | import CAMPAIGN FILE | report CAMPAIGN -o FILE "
            "[OPTIONS]",
    .summary = "Run a notification campaign: organisations with vulnerable devices, contacts, "
               "outcomes, statistics.",
    .description =
        "'campaign create' reads the JSONL of tenken surface identify (run it with --orgs so "
        "that devices have owners) and makes one case per organisation, or per address when "
        "no organisation is known, holding its devices, versions and CVEs. By default only "
        "identified devices judged affected or possibly affected are taken; --prefecture, "
        "--kev-only and --product narrow that. The campaign's id is printed alone on "
        "standard output.\n"
        "\n"
        "Each case has the fields status (identified, contacted, responded, closed), outcome "
        "(remediated, in-progress, not-started, declined, unreachable), aware (yes, no, "
        "unknown: did the organisation know it had to upgrade), at-notice (already-done, "
        "in-progress, not-started, unknown: the state when notified), manager (in-house, "
        "vendor, affiliate, unknown), reasons (a comma-separated set of "
        "maintenance-contract, vendor-unavailable, forgotten, too-busy, never-updated, "
        "affiliate-device, cost, other), reason-note, follow-up (YYYY-MM-DD), contact-name "
        "and note. 'campaign set CASE FIELD=VALUE...' changes them; 'campaign contact CASE' "
        "records a contact (a case still identified becomes contacted). Values are also "
        "accepted by their English or Japanese labels. Every change is audited (who, when, "
        "before and after: 'campaign show CASE'); with --version N a change made against an "
        "older version of the case is refused with exit status 4 rather than overwriting "
        "someone else's edit.\n"
        "\n"
        "'campaign cases CAMPAIGN' lists the cases, filtered by FIELD=VALUE arguments (and "
        "product=TEXT). 'campaign verify CAMPAIGN FILE' reads a newer identify result: each "
        "device is still vulnerable, fixed (seen, no longer judged affected) or gone (not in "
        "the result), with the time it was seen. 'campaign stats CAMPAIGN' gives the figures "
        "seed 002 published: the share of organisations that did not know they had to "
        "upgrade and of those that knew and had upgraded or were upgrading (both of those "
        "that answered), the state at notification, who manages the devices, the delay "
        "reasons, the days from first contact to remediation and the exposure that remains.\n"
        "\n"
        "Examples:\n"
        "  tenken surface identify --orgs orgs.csv scan.json.gz > devices.jsonl\n"
        "  tenken campaign create kanagawa-2026 devices.jsonl --prefecture 14 --kev-only\n"
        "  tenken campaign cases kanagawa-2026 status=identified\n"
        "  tenken campaign contact 12 --date 2026-11-20 --channel phone --note 'told the IT lead'\n"
        "  tenken campaign set 12 aware=no manager=vendor reasons=maintenance-contract "
        "--version 2\n"
        "  tenken campaign verify kanagawa-2026 devices-december.jsonl\n"
        "  tenken campaign stats kanagawa-2026 --format json",
    .opts = opts,
};
