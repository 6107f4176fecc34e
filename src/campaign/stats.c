/* stats.c - a campaign's statistics (campaign.h): the breakdowns seed 002 published, counted
 * over the cases, plus time to remediate and the exposure that remains.
 *
 * Every choice and set field of tk_case_fields is counted the same way, value by value, so a
 * field added to the table appears in the statistics without code here. Shares are of the
 * cases that answered the question (a value other than "unknown" or empty): the seed's "12%
 * did not know" is aware=no over aware in {yes, no}. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign.h"
#include "core/alloc.h"
#include "core/json.h"
#include "store/store.h"

#define DAY 86400

void tk_campaign_stats_init(struct tk_campaign_stats *st)
{
    memset(st, 0, sizeof *st);
}

void tk_campaign_stats_release(struct tk_campaign_stats *st)
{
    tk_free(st->days);
    memset(st, 0, sizeof *st);
}

static int value_of(enum tk_case_field f, const char *v)
{
    const char *const *vals = tk_case_fields[f].values;
    for (int i = 0; vals && vals[i] && i < TK_STATS_MAX_VALUES; i++)
        if (strcmp(vals[i], v ? v : "") == 0)
            return i;
    return -1;
}

static bool answered(const char *v)
{
    return v && *v && strcmp(v, "unknown") != 0;
}

int tk_campaign_stats_add(struct tk_campaign_stats *st, const struct tk_case *c)
{
    st->cases++;
    st->devices += c->ndevices;
    st->devices_vulnerable += c->nvulnerable;
    st->devices_fixed += c->nfixed;
    st->devices_gone += c->ngone;
    st->kev_devices += c->nkev;
    if (c->nvulnerable)
        st->cases_exposed++;
    for (int f = 0; f < TK_CF_COUNT; f++) {
        const struct tk_case_field_def *d = &tk_case_fields[f];
        if (d->kind == TK_FK_CHOICE) {
            int i = value_of((enum tk_case_field)f, c->f[f]);
            if (i >= 0)
                st->count[f][i]++;
            if (answered(c->f[f]))
                st->answered[f]++;
        } else if (d->kind == TK_FK_SET && c->f[f] && *c->f[f]) {
            st->answered[f]++;
            const char *p = c->f[f];
            while (*p) {
                size_t n = strcspn(p, ",");
                for (int i = 0; d->values[i] && i < TK_STATS_MAX_VALUES; i++)
                    if (strlen(d->values[i]) == n && strncmp(d->values[i], p, n) == 0)
                        st->count[f][i]++;
                p += n + (p[n] == ',');
            }
        }
    }
    /* the seed's headline groups, counted here once for every renderer */
    const char *aware = c->f[TK_CF_AWARE], *notice = c->f[TK_CF_AT_NOTICE];
    if (aware && strcmp(aware, "no") == 0) {
        st->unaware++;
    } else if (aware && strcmp(aware, "yes") == 0) {
        bool acted =
            notice && (strcmp(notice, "already-done") == 0 || strcmp(notice, "in-progress") == 0);
        bool idle = notice && strcmp(notice, "not-started") == 0;
        st->aware_acted += acted;
        st->aware_not_acted += idle;
        st->aware_state_unknown += !acted && !idle;
    }
    if (c->first_contact)
        st->contacted++;
    if (c->resolved_at && c->first_contact) {
        if (tk_grow((void **)&st->days, &st->cap_days, st->ndays + 1, sizeof *st->days,
                    TK_CAMPAIGN_MAX_CASES) != 0)
            return TK_ENOMEM;
        /* a device fixed before the first contact counts as fixed on that day */
        int64_t d = c->resolved_at > c->first_contact ? c->resolved_at - c->first_contact : 0;
        st->days[st->ndays++] = (double)d / DAY;
    }
    return 0;
}

struct gather {
    struct tk_campaign_stats *st;
    struct tk_case *cases;
    size_t n, cap;
    bool keep;
};

static int gather_one(void *ud, const struct tk_case *c)
{
    struct gather *g = ud;
    int rc = tk_campaign_stats_add(g->st, c);
    if (!rc && g->keep)
        rc =
            tk_grow((void **)&g->cases, &g->cap, g->n + 1, sizeof *g->cases, TK_CAMPAIGN_MAX_CASES);
    if (!rc && g->keep)
        g->cases[g->n++] = *c; /* its strings stay in the arena */
    return rc;
}

int tk_campaign_stats_load(struct tk_store *s, const char *ref, struct tk_arena *a,
                           struct tk_campaign *c, struct tk_campaign_stats *st,
                           struct tk_case **cases, size_t *ncases, struct tk_err *err)
{
    struct gather g = { .st = st, .keep = cases != NULL };
    int rc = s->ops->campaign_get(s, ref, a, c, err);
    if (!rc && (rc = s->ops->case_list(s, c->id, a, gather_one, &g, err)) != 0 && !err->msg[0])
        tk_err_set(err, rc, "out of memory");
    if (rc) {
        tk_free(g.cases);
        return rc;
    }
    tk_campaign_stats_finish(st);
    if (cases) {
        *cases = g.cases;
        *ncases = g.n;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void tk_campaign_stats_finish(struct tk_campaign_stats *st)
{
    if (!st->ndays)
        return;
    qsort(st->days, st->ndays, sizeof *st->days, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < st->ndays; i++)
        sum += st->days[i];
    st->days_mean = sum / (double)st->ndays;
    st->days_median = st->ndays % 2 ? st->days[st->ndays / 2]
                                    : (st->days[st->ndays / 2 - 1] + st->days[st->ndays / 2]) / 2;
    st->days_max = st->days[st->ndays - 1];
}

double tk_campaign_share(int64_t part, int64_t whole)
{
    return whole > 0 ? (double)part / (double)whole : NAN;
}

int64_t tk_campaign_field_whole(const struct tk_campaign_stats *st, enum tk_case_field f)
{
    return f == TK_CF_STATUS || f == TK_CF_OUTCOME ? st->cases : st->answered[f];
}

double tk_campaign_value_share(const struct tk_campaign_stats *st, enum tk_case_field f, int i)
{
    /* "unknown" is not an answer: no share of those that answered */
    if (f != TK_CF_STATUS && f != TK_CF_OUTCOME && !answered(tk_case_fields[f].values[i]))
        return NAN;
    return tk_campaign_share(st->count[f][i], tk_campaign_field_whole(st, f));
}

/* One decimal place of days: 2.5, not 2.4999999 */
static double round1(double v)
{
    return round(v * 10) / 10;
}

void tk_campaign_stats_json(const struct tk_campaign_stats *st, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kint(w, "cases", st->cases);
    tk_json_kint(w, "devices", st->devices);
    tk_json_kint(w, "kev_devices", st->kev_devices);
    tk_json_kint(w, "contacted", st->contacted);
    /* the seed's headline shares, of the cases that answered whether they knew */
    int64_t asked = st->answered[TK_CF_AWARE];
    tk_json_key(w, "awareness");
    tk_json_obj_begin(w);
    tk_json_kint(w, "answered", asked);
    tk_json_kint(w, "unaware", st->unaware);
    tk_json_key(w, "unaware_share");
    tk_json_double(w, tk_campaign_share(st->unaware, asked));
    tk_json_kint(w, "aware_acted", st->aware_acted);
    tk_json_key(w, "aware_acted_share");
    tk_json_double(w, tk_campaign_share(st->aware_acted, asked));
    tk_json_obj_end(w);
    /* every choice and set field, value by value */
    tk_json_key(w, "fields");
    tk_json_obj_begin(w);
    for (int f = 0; f < TK_CF_COUNT; f++) {
        const struct tk_case_field_def *d = &tk_case_fields[f];
        if (d->kind != TK_FK_CHOICE && d->kind != TK_FK_SET)
            continue;
        tk_json_key(w, d->name);
        tk_json_obj_begin(w);
        tk_json_kint(w, "answered", st->answered[f]);
        tk_json_key(w, "values");
        tk_json_arr_begin(w);
        for (int i = 0; d->values[i] && i < TK_STATS_MAX_VALUES; i++) {
            tk_json_obj_begin(w);
            tk_json_kstr(w, "value", d->values[i]);
            tk_json_kint(w, "cases", st->count[f][i]);
            tk_json_key(w, "share");
            tk_json_double(w, tk_campaign_value_share(st, (enum tk_case_field)f, i));
            tk_json_obj_end(w);
        }
        tk_json_arr_end(w);
        tk_json_obj_end(w);
    }
    tk_json_obj_end(w);
    tk_json_key(w, "remediation");
    tk_json_obj_begin(w);
    tk_json_kint(w, "devices_vulnerable", st->devices_vulnerable);
    tk_json_kint(w, "devices_fixed", st->devices_fixed);
    tk_json_kint(w, "devices_gone", st->devices_gone);
    tk_json_kint(w, "cases_exposed", st->cases_exposed);
    tk_json_key(w, "remaining_share");
    tk_json_double(w, tk_campaign_share(st->devices_vulnerable, st->devices));
    tk_json_kint(w, "cases_timed", (int64_t)st->ndays);
    tk_json_key(w, "days_median");
    tk_json_double(w, st->ndays ? round1(st->days_median) : NAN);
    tk_json_key(w, "days_mean");
    tk_json_double(w, st->ndays ? round1(st->days_mean) : NAN);
    tk_json_key(w, "days_max");
    tk_json_double(w, st->ndays ? round1(st->days_max) : NAN);
    tk_json_obj_end(w);
    tk_json_obj_end(w);
}
