/* stats_xlsx.c - a campaign's statistics as a workbook (campaign.h): a summary sheet with the
 * headline figures, and a sheet with every field's breakdown (value, label, cases, share) and
 * a bar chart of each, for those who publish the figures from Excel. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "campaign/campaign.h"
#include "compat/sys.h"
#include "core/utf8.h"

struct book {
    lxw_workbook *wb;
    lxw_format *head, *pct;
    lxw_error failed;
    bool ja;
};

#define L(b, en, ja_) ((b)->ja ? (ja_) : (en))

static void keep(struct book *b, lxw_error e)
{
    if (e && !b->failed)
        b->failed = e;
}

/* Text from the store (the source and filter are as the user gave them): only what XML can
 * carry, so the file always opens. */
static void text(struct book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                 lxw_format *f)
{
    char clean[1024];
    size_t k = 0, n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n && k + 4 < sizeof clean;) {
        uint32_t cp;
        size_t len = tk_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!len || cp < 0x20) {
            clean[k++] = '?';
            i += len ? len : 1;
        } else {
            memcpy(clean + k, s + i, len);
            k += len;
            i += len;
        }
    }
    clean[k] = '\0';
    keep(b, worksheet_write_string(ws, r, c, clean, f));
}

static void number(struct book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                   lxw_format *f)
{
    if (isnan(v))
        keep(b, worksheet_write_string(ws, r, c, "-", NULL));
    else
        keep(b, worksheet_write_number(ws, r, c, v, f));
}

static void summary(struct book *b, const struct tk_campaign *c, const struct tk_campaign_stats *st)
{
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, L(b, "Summary", "概要"));
    if (!ws) {
        keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    worksheet_set_column(ws, 0, 0, 48, NULL);
    worksheet_set_column(ws, 1, 1, 40, NULL);
    int64_t asked = st->answered[TK_CF_AWARE];
    struct row {
        const char *en, *ja;
        double v;
        bool share;
    } rows[] = {
        { "Organisations", "組織数", (double)st->cases, false },
        { "Devices", "機器数", (double)st->devices, false },
        { "with a known-exploited vulnerability", "うち悪用が確認された脆弱性あり",
          (double)st->kev_devices, false },
        { "Contacted", "連絡済み", (double)st->contacted, false },
        { "Answered whether they knew", "認識について回答を得た組織", (double)asked, false },
        { "Did not know an upgrade was needed", "アップデートの必要性を認識していなかった",
          tk_campaign_share(st->unaware, asked), true },
        { "Knew, and had upgraded or were upgrading", "認識しており、対策済みまたは対策中だった",
          tk_campaign_share(st->aware_acted, asked), true },
        { "Devices still vulnerable", "脆弱なまま残っている機器", (double)st->devices_vulnerable,
          false },
        { "Devices fixed", "対策済みの機器", (double)st->devices_fixed, false },
        { "Devices no longer seen", "観測されなくなった機器", (double)st->devices_gone, false },
        { "Days to remediate, median", "対策完了までの日数（中央値）",
          st->ndays ? st->days_median : NAN, false },
        { "Days to remediate, mean", "対策完了までの日数（平均）", st->ndays ? st->days_mean : NAN,
          false },
        { "Days to remediate, longest", "対策完了までの日数（最長）",
          st->ndays ? st->days_max : NAN, false },
    };
    text(b, ws, 0, 0, L(b, "Campaign", "キャンペーン"), b->head);
    text(b, ws, 0, 1, c->name, NULL);
    text(b, ws, 1, 0, L(b, "Survey data", "調査データ"), b->head);
    text(b, ws, 1, 1, c->source, NULL);
    text(b, ws, 2, 0, L(b, "Devices taken", "対象とした機器"), b->head);
    text(b, ws, 2, 1, c->filter, NULL);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        lxw_row_t r = (lxw_row_t)(i + 4);
        text(b, ws, r, 0, b->ja ? rows[i].ja : rows[i].en, b->head);
        number(b, ws, r, 1, rows[i].v, rows[i].share ? b->pct : NULL);
    }
}

static void breakdown(struct book *b, const struct tk_campaign_stats *st)
{
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, L(b, "Breakdown", "内訳"));
    if (!ws) {
        keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    const char *sheet = L(b, "Breakdown", "内訳");
    worksheet_set_column(ws, 0, 0, 22, NULL);
    worksheet_set_column(ws, 1, 1, 36, NULL);
    worksheet_set_column(ws, 2, 3, 10, NULL);
    static const char *const head_en[] = { "field", "value", "cases", "share" };
    static const char *const head_ja[] = { "項目", "値", "組織数", "割合" };
    for (lxw_col_t k = 0; k < 4; k++)
        text(b, ws, 0, k, b->ja ? head_ja[k] : head_en[k], b->head);
    lxw_row_t r = 1, chart_row = 1;
    for (int f = 0; f < TK_CF_COUNT; f++) {
        const struct tk_case_field_def *d = &tk_case_fields[f];
        if (d->kind != TK_FK_CHOICE && d->kind != TK_FK_SET)
            continue;
        lxw_row_t first = r;
        for (int i = 0; d->values[i] && i < TK_STATS_MAX_VALUES; i++, r++) {
            text(b, ws, r, 0, b->ja ? d->label_ja : d->label_en, NULL);
            text(b, ws, r, 1, b->ja ? d->values_ja[i] : d->values_en[i], NULL);
            number(b, ws, r, 2, (double)st->count[f][i], NULL);
            number(b, ws, r, 3, tk_campaign_value_share(st, (enum tk_case_field)f, i), b->pct);
        }
        /* one bar chart per field, beside the table */
        lxw_chart *ch = workbook_add_chart(b->wb, LXW_CHART_BAR);
        if (!ch) {
            keep(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
            continue;
        }
        lxw_chart_series *s = chart_add_series(ch, NULL, NULL);
        if (s) {
            chart_series_set_categories(s, sheet, first, 1, r - 1, 1);
            chart_series_set_values(s, sheet, first, 2, r - 1, 2);
        }
        chart_title_set_name(ch, b->ja ? d->label_ja : d->label_en);
        chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
        keep(b, worksheet_insert_chart(ws, chart_row, 5, ch));
        chart_row += 16;
        r++; /* a blank row between fields */
    }
}

int tk_campaign_stats_xlsx(const struct tk_campaign *c, const struct tk_campaign_stats *st, bool ja,
                           const char *path, struct tk_err *err)
{
    /* written by name into the atomic file's temporary (libxlsxwriter opens it itself), then
     * synced and renamed into place: a failure leaves no half-written workbook */
    struct tk_atomic_file af;
    int rc = tk_atomic_open(&af, path, err);
    if (rc)
        return rc;
    lxw_workbook_options o = { .constant_memory = LXW_FALSE, .tmpdir = NULL };
    struct book b = { .wb = workbook_new_opt(af.tmp, &o), .ja = ja };
    if (!b.wb) {
        tk_atomic_abort(&af);
        return tk_err_set(err, TK_EIO, "%s: cannot create the workbook", path);
    }
    b.head = workbook_add_format(b.wb);
    b.pct = workbook_add_format(b.wb);
    if (b.head)
        format_set_bold(b.head);
    if (b.pct)
        format_set_num_format(b.pct, "0.0%");
    summary(&b, c, st);
    breakdown(&b, st);
    lxw_error e = workbook_close(b.wb);
    if (b.failed || e) {
        tk_atomic_abort(&af);
        return tk_err_set(err, TK_EIO, "%s: cannot write the workbook: %s", path,
                          lxw_strerror(b.failed ? b.failed : e));
    }
    return tk_atomic_commit(&af, err);
}
