/* report.c - a campaign's statistics as one self-contained HTML page (campaign.h): no scripts,
 * no external assets, charts as inline SVG, printable, in Japanese or English. The breakdown
 * charts are drawn from tk_case_fields, like the statistics, so a new field appears here
 * without code. Everything from the store (organisation names, products, notes) is escaped. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "campaign/campaign.h"
#include "core/escape.h"
#include "core/html.h"
#include "core/time.h"

enum label {
    L_TITLE,
    L_CAMPAIGN,
    L_GENERATED,
    L_SOURCE,
    L_FILTER,
    L_HEADLINE,
    L_ORGS,
    L_DEVICES,
    L_KEV,
    L_CONTACTED,
    L_UNAWARE,
    L_ACTED,
    L_REMAINING,
    L_AWARENESS,
    L_AW_UNAWARE,
    L_AW_ACTED,
    L_AW_NOT_ACTED,
    L_AW_STATE_UNKNOWN,
    L_OF_ANSWERED,
    L_BREAKDOWN,
    L_REMEDIATION,
    L_VULNERABLE,
    L_FIXED,
    L_GONE,
    L_DAYS,
    L_MEDIAN,
    L_MEAN,
    L_MAX,
    L_NOT_YET,
    L_CASES,
    L_CASE,
    L_ORG,
    L_PREF,
    L_PRODUCTS,
    L_DEVS,
    L_UNATTRIBUTED,
    L_FOOT,
    L_PUBLIC,
    L_COUNT
};

static const char *const labels[L_COUNT][2] = {
    [L_TITLE] = { "Vulnerable device notification campaign", "脆弱な機器の通知活動 報告書" },
    [L_CAMPAIGN] = { "Campaign", "キャンペーン" },
    [L_GENERATED] = { "Generated", "作成日時" },
    [L_SOURCE] = { "Survey data", "調査データ" },
    [L_FILTER] = { "Devices taken", "対象とした機器" },
    [L_HEADLINE] = { "Summary", "概要" },
    [L_ORGS] = { "Organisations", "組織数" },
    [L_DEVICES] = { "Devices", "機器数" },
    [L_KEV] = { "with a known-exploited vulnerability", "うち悪用が確認された脆弱性あり" },
    [L_CONTACTED] = { "Contacted", "連絡済み" },
    [L_UNAWARE] = { "Did not know an upgrade was needed",
                    "アップデートの必要性を認識していなかった" },
    [L_ACTED] = { "Knew, and had upgraded or were upgrading",
                  "認識しており、対策済みまたは対策中だった" },
    [L_REMAINING] = { "Devices still vulnerable", "脆弱なまま残っている機器" },
    [L_AWARENESS] = { "Awareness and action when notified", "通知時点の認識と対応" },
    [L_AW_UNAWARE] = { "did not know", "認識なし" },
    [L_AW_ACTED] = { "knew and acted", "認識あり・対策済み/対策中" },
    [L_AW_NOT_ACTED] = { "knew, not started", "認識あり・未着手" },
    [L_AW_STATE_UNKNOWN] = { "knew, state not recorded", "認識あり・状況不明" },
    [L_OF_ANSWERED] = { "of the organisations that answered", "回答を得た組織に占める割合" },
    [L_BREAKDOWN] = { "Breakdowns", "内訳" },
    [L_REMEDIATION] = { "Remediation", "対策の状況" },
    [L_VULNERABLE] = { "still vulnerable", "脆弱なまま" },
    [L_FIXED] = { "fixed", "対策済み" },
    [L_GONE] = { "no longer seen", "観測されなくなった" },
    [L_DAYS] = { "Days from first contact to remediation", "初回連絡から対策完了までの日数" },
    [L_MEDIAN] = { "median", "中央値" },
    [L_MEAN] = { "mean", "平均" },
    [L_MAX] = { "longest", "最長" },
    [L_NOT_YET] = { "No organisation has remediated since it was contacted yet.",
                    "連絡後に対策を完了した組織はまだありません。" },
    [L_CASES] = { "Organisations", "組織ごとの状況" },
    [L_CASE] = { "Case", "案件" },
    [L_ORG] = { "Organisation", "組織" },
    [L_PREF] = { "Prefecture", "都道府県" },
    [L_PRODUCTS] = { "Products", "製品" },
    [L_DEVS] = { "Vulnerable / devices", "脆弱 / 機器数" },
    [L_UNATTRIBUTED] = { "(owner unknown)", "(所有者不明)" },
    [L_FOOT] = { "Produced by tenken from public scan data and the campaign's records. Shares "
                 "are of the organisations that answered the question unless stated.",
                 "公開情報に基づく調査データと通知活動の記録から tenken が作成しました。割合は、"
                 "特に記載のない限り、その質問に回答を得た組織に占める割合です。" },
    [L_PUBLIC] = { "Aggregate figures only: no organisation is named.",
                   "集計値のみを掲載しており、個別の組織名は含みません。" },
};

static const char *L(const struct tk_html *o, enum label l)
{
    return labels[l][o->ja];
}

/* "25%" or "-" when the share is undefined */
static void share(struct tk_html *o, double s)
{
    if (isnan(s))
        tk_html_raw(o, "-");
    else
        tk_html_fmt(o, "%.0f%%", s * 100);
}

static const char *const palette[] = { "#2563eb", "#16a34a", "#d97706", "#dc2626",
                                       "#7c3aed", "#0891b2", "#db2777", "#65a30d" };

/* Horizontal bars, one per value: count and share. */
static void bars(struct tk_html *o, const char *const *names, const int64_t *counts,
                 const double *shares, size_t n)
{
    const int row = 26, label_w = 300, bar_w = 340;
    tk_html_fmt(o, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"100%%\">\n",
                label_w + bar_w + 120, row * (int)n + 10);
    for (size_t k = 0; k < n; k++) {
        int y = (int)k * row + 5;
        int w = isnan(shares[k]) ? 0 : (int)(bar_w * shares[k] + 0.5);
        tk_html_fmt(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", label_w - 8,
                    y + 16);
        tk_html_text(o, names[k]);
        tk_html_fmt(o,
                    "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"#e5e7eb\"/>"
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\"/>"
                    "<text x=\"%d\" y=\"%d\" class=\"val\">",
                    label_w, y + 3, bar_w, label_w, y + 3, w, palette[k % 8], label_w + bar_w + 8,
                    y + 16);
        share(o, shares[k]);
        tk_html_fmt(o, " (%lld)</text>\n", (long long)counts[k]);
    }
    tk_html_raw(o, "</svg>\n");
}

/* One stacked bar with a legend: parts of a whole. */
static void stacked(struct tk_html *o, const char *const *names, const int64_t *counts, size_t n,
                    const char *const *colors)
{
    int64_t whole = 0;
    for (size_t k = 0; k < n; k++)
        whole += counts[k];
    tk_html_raw(o, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 770 40\" width=\"100%\">\n");
    double x = 5;
    for (size_t k = 0; k < n && whole; k++) {
        double w = 760.0 * (double)counts[k] / (double)whole;
        tk_html_fmt(o, "<rect x=\"%.1f\" y=\"5\" width=\"%.1f\" height=\"26\" fill=\"%s\"/>", x, w,
                    colors[k]);
        x += w;
    }
    tk_html_raw(o, "</svg>\n<p class=\"legend\">");
    for (size_t k = 0; k < n; k++) {
        tk_html_fmt(o, "<span><i style=\"background:%s\"></i>", colors[k]);
        tk_html_text(o, names[k]);
        tk_html_fmt(o, " %lld (", (long long)counts[k]);
        share(o, tk_campaign_share(counts[k], whole));
        tk_html_raw(o, ")</span> ");
    }
    tk_html_raw(o, "</p>\n");
}

static void card(struct tk_html *o, enum label l, const char *value)
{
    tk_html_fmt(o, "<div class=\"card\"><div class=\"v\">%s</div><div class=\"k\">", value);
    tk_html_text(o, L(o, l));
    tk_html_raw(o, "</div></div>\n");
}

static void headline(struct tk_html *o, const struct tk_campaign_stats *st)
{
    char v[64];
    int64_t asked = st->answered[TK_CF_AWARE];
    tk_html_fmt(o, "<h2>%s</h2>\n<div class=\"cards\">\n", L(o, L_HEADLINE));
    snprintf(v, sizeof v, "%lld", (long long)st->cases);
    card(o, L_ORGS, v);
    snprintf(v, sizeof v, "%lld <small>(%lld)</small>", (long long)st->devices,
             (long long)st->kev_devices);
    card(o, L_DEVICES, v);
    snprintf(v, sizeof v, "%lld", (long long)st->contacted);
    card(o, L_CONTACTED, v);
    double s = tk_campaign_share(st->unaware, asked);
    snprintf(v, sizeof v, isnan(s) ? "-" : "%.0f%%", s * 100);
    card(o, L_UNAWARE, v);
    s = tk_campaign_share(st->aware_acted, asked);
    snprintf(v, sizeof v, isnan(s) ? "-" : "%.0f%%", s * 100);
    card(o, L_ACTED, v);
    snprintf(v, sizeof v, "%lld", (long long)st->devices_vulnerable);
    card(o, L_REMAINING, v);
    tk_html_raw(o, "</div>\n");
    tk_html_fmt(o, "<p class=\"note\">%s: %s (%lld)</p>\n", L(o, L_DEVICES), L(o, L_KEV),
                (long long)st->kev_devices);

    tk_html_fmt(o, "<h3>%s</h3>\n", L(o, L_AWARENESS));
    const char *names[4] = { L(o, L_AW_UNAWARE), L(o, L_AW_ACTED), L(o, L_AW_NOT_ACTED),
                             L(o, L_AW_STATE_UNKNOWN) };
    int64_t counts[4] = { st->unaware, st->aware_acted, st->aware_not_acted,
                          st->aware_state_unknown };
    static const char *const colors[] = { "#dc2626", "#16a34a", "#d97706", "#9ca3af" };
    stacked(o, names, counts, 4, colors);
    tk_html_fmt(o, "<p class=\"note\">%s: %lld</p>\n", L(o, L_OF_ANSWERED), (long long)asked);
}

static void breakdowns(struct tk_html *o, const struct tk_campaign_stats *st)
{
    tk_html_fmt(o, "<h2>%s</h2>\n", L(o, L_BREAKDOWN));
    for (int f = 0; f < TK_CF_COUNT; f++) {
        const struct tk_case_field_def *d = &tk_case_fields[f];
        if (d->kind != TK_FK_CHOICE && d->kind != TK_FK_SET)
            continue;
        const char *names[TK_STATS_MAX_VALUES];
        int64_t counts[TK_STATS_MAX_VALUES];
        double shares[TK_STATS_MAX_VALUES];
        size_t n = 0;
        for (int i = 0; d->values[i] && i < TK_STATS_MAX_VALUES; i++, n++) {
            names[n] = o->ja ? d->values_ja[i] : d->values_en[i];
            counts[n] = st->count[f][i];
            shares[n] = tk_campaign_value_share(st, (enum tk_case_field)f, i);
        }
        tk_html_raw(o, "<h3>");
        tk_html_text(o, o->ja ? d->label_ja : d->label_en);
        tk_html_fmt(o, " <small>(%lld)</small></h3>\n",
                    (long long)tk_campaign_field_whole(st, (enum tk_case_field)f));
        bars(o, names, counts, shares, n);
    }
}

static void remediation(struct tk_html *o, const struct tk_campaign_stats *st)
{
    tk_html_fmt(o, "<h2>%s</h2>\n", L(o, L_REMEDIATION));
    const char *names[3] = { L(o, L_VULNERABLE), L(o, L_FIXED), L(o, L_GONE) };
    int64_t counts[3] = { st->devices_vulnerable, st->devices_fixed, st->devices_gone };
    static const char *const colors[] = { "#dc2626", "#16a34a", "#9ca3af" };
    stacked(o, names, counts, 3, colors);
    tk_html_fmt(o, "<h3>%s</h3>\n", L(o, L_DAYS));
    if (!st->ndays) {
        tk_html_fmt(o, "<p>%s</p>\n", L(o, L_NOT_YET));
        return;
    }
    tk_html_fmt(
        o,
        "<table class=\"meta\"><tr><th>%s</th><td>%.1f</td></tr><tr><th>%s</th><td>%.1f</td>"
        "</tr><tr><th>%s</th><td>%.1f</td></tr><tr><th>n</th><td>%zu</td></tr></table>\n",
        L(o, L_MEDIAN), st->days_median, L(o, L_MEAN), st->days_mean, L(o, L_MAX), st->days_max,
        st->ndays);
}

static void case_rows(struct tk_html *o, const struct tk_case *cases, size_t n)
{
    tk_html_fmt(o,
                "<h2>%s</h2>\n<table class=\"cases\"><tr><th>%s</th><th>%s</th><th>%s</th>"
                "<th>%s</th><th>%s</th><th>",
                L(o, L_CASES), L(o, L_CASE), L(o, L_ORG), L(o, L_PREF), L(o, L_PRODUCTS),
                L(o, L_DEVS));
    tk_html_text(o, o->ja ? tk_case_fields[TK_CF_STATUS].label_ja
                          : tk_case_fields[TK_CF_STATUS].label_en);
    tk_html_raw(o, "</th><th>");
    tk_html_text(o, o->ja ? tk_case_fields[TK_CF_OUTCOME].label_ja
                          : tk_case_fields[TK_CF_OUTCOME].label_en);
    tk_html_raw(o, "</th></tr>\n");
    const char *lang = o->ja ? "ja" : "en";
    for (size_t i = 0; i < n; i++) {
        const struct tk_case *c = &cases[i];
        tk_html_fmt(o, "<tr><td>%lld</td><td>", (long long)c->id);
        tk_html_text(o, c->org_name ? c->org_name : L(o, L_UNATTRIBUTED));
        if (!c->org_name) {
            tk_html_raw(o, " ");
            tk_html_text(o, c->org_key);
        }
        tk_html_raw(o, "</td><td>");
        tk_html_text(o, c->prefecture ? c->prefecture : "-");
        tk_html_raw(o, "</td><td>");
        tk_html_text(o, c->products);
        tk_html_fmt(o, "</td><td>%d / %d</td><td>", c->nvulnerable, c->ndevices);
        tk_html_text(o, tk_case_value_label(TK_CF_STATUS, c->f[TK_CF_STATUS], lang));
        tk_html_raw(o, "</td><td>");
        tk_html_text(o, c->f[TK_CF_OUTCOME] && *c->f[TK_CF_OUTCOME]
                            ? tk_case_value_label(TK_CF_OUTCOME, c->f[TK_CF_OUTCOME], lang)
                            : "-");
        tk_html_raw(o, "</td></tr>\n");
    }
    tk_html_raw(o, "</table>\n");
}

static const char css[] =
    "body{font-family:system-ui,'Hiragino Sans','Noto Sans CJK JP',sans-serif;max-width:60em;"
    "margin:2em auto;padding:0 1em;color:#111;line-height:1.5}"
    "h1{font-size:1.6em;border-bottom:3px solid #1e3a8a}h2{margin-top:1.6em;color:#1e3a8a}"
    "table{border-collapse:collapse}th,td{border:1px solid #d1d5db;padding:.25em .6em;"
    "text-align:left;vertical-align:top}th{background:#f3f4f6}"
    ".cards{display:flex;flex-wrap:wrap;gap:.8em}.card{border:1px solid #d1d5db;"
    "border-radius:6px;padding:.6em 1em;min-width:10em}.card .v{font-size:1.8em;font-weight:600}"
    ".card .k{font-size:.85em;color:#374151}.chart{max-width:770px;display:block}"
    ".lbl,.val{font-size:13px}.legend span{margin-right:1.2em}.legend i{display:inline-block;"
    "width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}.note{color:#555;"
    "font-size:.9em}.cases td:nth-child(5){text-align:right}"
    "footer{margin-top:2em;font-size:.8em;color:#555}"
    "@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}"
    "tr{page-break-inside:avoid}}";

int tk_campaign_write_html(const struct tk_campaign *c, const struct tk_campaign_stats *st,
                           const struct tk_case *cases, size_t ncases, bool ja, int64_t generated,
                           struct tk_buf *out)
{
    struct tk_html o = { .b = out, .ja = ja };
    char t[32];
    tk_html_fmt(&o,
                "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width\">"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'\"><title>",
                ja ? "ja" : "en");
    tk_html_text(&o, L(&o, L_TITLE));
    tk_html_raw(&o, " — ");
    tk_html_text(&o, c->name);
    tk_html_fmt(&o, "</title><style>%s</style></head><body>\n<h1>", css);
    tk_html_text(&o, L(&o, L_TITLE));
    tk_html_fmt(&o, "</h1>\n<table class=\"meta\"><tr><th>%s</th><td>", L(&o, L_CAMPAIGN));
    tk_html_text(&o, c->name);
    tk_time_iso8601(generated, t);
    tk_html_fmt(&o, "</td></tr><tr><th>%s</th><td>%s</td></tr><tr><th>%s</th><td>",
                L(&o, L_GENERATED), t, L(&o, L_SOURCE));
    tk_html_text(&o, c->source ? c->source : "-");
    tk_html_fmt(&o, "</td></tr><tr><th>%s</th><td>", L(&o, L_FILTER));
    tk_html_text(&o, c->filter ? c->filter : "-");
    tk_html_raw(&o, "</td></tr></table>\n");
    if (!cases)
        tk_html_fmt(&o, "<p class=\"note\">%s</p>\n", L(&o, L_PUBLIC));
    headline(&o, st);
    breakdowns(&o, st);
    remediation(&o, st);
    if (cases)
        case_rows(&o, cases, ncases);
    tk_html_fmt(&o, "<footer>%s</footer>\n</body></html>\n", L(&o, L_FOOT));
    return o.rc;
}
