/* fleet_html.c - the organisation report as one self-contained HTML page: no scripts, no
 * external assets, charts as inline SVG, printable (A4), in Japanese or English. Every
 * string from a digest is HTML-escaped: hostnames and evidence come from the scanned PCs. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/escape.h"
#include "core/html.h"
#include "core/time.h"
#include "report/fleet.h"

enum label {
    L_TITLE,
    L_ORG,
    L_GENERATED,
    L_KB,
    L_ENDPOINTS,
    L_PENDING,
    L_SUMMARY,
    L_SHARES,
    L_WORST,
    L_NONE,
    L_TOP,
    L_RANK,
    L_SEVERITY,
    L_FINDING,
    L_PCS,
    L_KEV,
    L_HOSTS,
    L_ADVICE,
    L_DETAIL,
    L_OS,
    L_SOURCE,
    L_COLLECTED,
    L_RECEIVED,
    L_NOFINDINGS,
    L_MORE,
    L_NODATA,
    L_FACTS,
    L_UNREADABLE,
    L_FOOT,
    L_COUNT
};
static const char *const labels[L_COUNT][2] = {
    [L_TITLE] = { "Endpoint security assessment", "テレワーク端末 セキュリティ点検報告書" },
    [L_ORG] = { "Organisation", "組織" },
    [L_GENERATED] = { "Generated", "作成日時" },
    [L_KB] = { "Knowledge as of", "脆弱性情報の基準日" },
    [L_ENDPOINTS] = { "PCs assessed", "点検した端末数" },
    [L_PENDING] = { "PCs whose newest upload is still being analysed",
                    "最新の送信データを解析中の端末" },
    [L_SUMMARY] = { "Summary", "概要" },
    [L_SHARES] = { "Share of PCs affected", "該当する端末の割合" },
    [L_WORST] = { "PCs by most severe finding", "最も重大な検出事項による端末の内訳" },
    [L_NONE] = { "none", "なし" },
    [L_TOP] = { "Top findings", "主な検出事項" },
    [L_RANK] = { "#", "順位" },
    [L_SEVERITY] = { "Severity", "重大度" },
    [L_FINDING] = { "Finding", "検出事項" },
    [L_PCS] = { "PCs", "端末数" },
    [L_KEV] = { "exploited", "悪用確認" },
    [L_HOSTS] = { "PCs affected", "該当端末" },
    [L_ADVICE] = { "What to do", "対策" },
    [L_DETAIL] = { "Each PC", "端末ごとの結果" },
    [L_OS] = { "OS", "OS" },
    [L_SOURCE] = { "Uploaded from", "送信元アドレス" },
    [L_COLLECTED] = { "Scanned", "点検日時" },
    [L_RECEIVED] = { "Received", "受信日時" },
    [L_NOFINDINGS] = { "No findings.", "検出事項はありません。" },
    [L_MORE] = { "more", "件ほか" },
    [L_NODATA] = { "No PC of this organisation has uploaded a scan yet.",
                   "この組織の端末からはまだ点検結果が届いていません。" },
    [L_FACTS] = { "Applies", "該当項目" },
    [L_UNREADABLE] = { "analyses could not be read", "件の解析結果を読み取れませんでした" },
    [L_FOOT] = { "Produced by tenken from the scans the PCs uploaded. Vulnerability facts: "
                 "the tenken knowledge base (NVD, CISA KEV, JVN, vendor advisories).",
                 "各端末から送信された点検結果をもとに tenken が作成しました。脆弱性情報: "
                 "tenken 知識ベース（NVD、CISA KEV、JVN、各ベンダーの公開情報）。" },
};

static const char *const sev_ja[] = { "情報", "低", "中", "高", "緊急" };
static const char *const sev_color[] = { "#6b7280", "#2563eb", "#d97706", "#dc2626", "#7f1d1d" };

static const char *L(const struct tk_html *o, enum label l)
{
    return labels[l][o->ja];
}

static const char *sev_label(const struct tk_html *o, int s)
{
    return o->ja ? sev_ja[s] : tk_severity_name((enum tk_severity)s);
}

static void badge(struct tk_html *o, int s)
{
    tk_html_fmt(o, "<span class=\"sev\" style=\"background:%s\">", sev_color[s]);
    tk_html_text(o, sev_label(o, s));
    tk_html_raw(o, "</span>");
}

static const char *lang_field(const struct tk_html *o, const char *base, char *buf, size_t n)
{
    snprintf(buf, n, "%s_%s", base, o->ja ? "ja" : "en");
    return buf;
}

static int pct(size_t n, size_t of)
{
    return of ? (int)((n * 1000 / of + 5) / 10) : 0;
}

/* Horizontal bars: one per fact, share of PCs. */
static void chart_shares(struct tk_html *o, const struct tk_fleet *f)
{
    const int row = 26, label_w = 300, bar_w = 360;
    int h = row * TK_FACT_COUNT + 10;
    tk_html_fmt(o, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"100%%\">\n",
                label_w + bar_w + 110, h);
    for (size_t k = 0; k < TK_FACT_COUNT; k++) {
        int y = (int)k * row + 5;
        int p = pct(f->facts[k], f->nendpoints);
        int w = f->nendpoints
                    ? (int)((double)bar_w * (double)f->facts[k] / (double)f->nendpoints + 0.5)
                    : 0;
        tk_html_fmt(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">", label_w - 8,
                    y + 16);
        tk_html_text(o, o->ja ? tk_fact_defs[k].ja : tk_fact_defs[k].en);
        tk_html_raw(o, "</text>");
        tk_html_fmt(o,
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"#e5e7eb\"/>"
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\"/>"
                    "<text x=\"%d\" y=\"%d\" class=\"val\">%d%% (%zu)</text>\n",
                    label_w, y + 3, bar_w, label_w, y + 3, w, f->facts[k] ? "#dc2626" : "#9ca3af",
                    label_w + bar_w + 8, y + 16, p, f->facts[k]);
    }
    tk_html_raw(o, "</svg>\n");
}

/* One stacked bar: PCs by their most severe finding. */
static void chart_worst(struct tk_html *o, const struct tk_fleet *f)
{
    const int width = 760;
    tk_html_raw(o, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 770 60\" width=\"100%\">\n");
    double x = 5;
    for (int s = TK_SEV_CRITICAL; s >= -1; s--) {
        size_t n = f->by_worst[s + 1];
        if (!n || !f->nendpoints)
            continue;
        double w = (double)width * (double)n / (double)f->nendpoints;
        tk_html_fmt(o, "<rect x=\"%.1f\" y=\"5\" width=\"%.1f\" height=\"24\" fill=\"%s\"/>", x, w,
                    s < 0 ? "#16a34a" : sev_color[s]);
        x += w;
    }
    tk_html_raw(o, "</svg>\n<p class=\"legend\">");
    for (int s = TK_SEV_CRITICAL; s >= -1; s--) {
        tk_html_fmt(o, "<span><i style=\"background:%s\"></i>", s < 0 ? "#16a34a" : sev_color[s]);
        tk_html_text(o, s < 0 ? L(o, L_NONE) : sev_label(o, s));
        tk_html_fmt(o, " %zu</span> ", f->by_worst[s + 1]);
    }
    tk_html_raw(o, "</p>\n");
}

static void top_findings(struct tk_html *o, const struct tk_fleet *f)
{
    char k[32];
    tk_html_fmt(o,
                "<h2>%s</h2>\n<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                "<th>%s</th></tr></thead><tbody>\n",
                L(o, L_TOP), L(o, L_RANK), L(o, L_SEVERITY), L(o, L_FINDING), L(o, L_PCS),
                L(o, L_HOSTS));
    for (size_t i = 0; i < f->ngroups; i++) {
        const struct tk_fleet_group *g = &f->groups[i];
        tk_html_fmt(o, "<tr><td>%zu</td><td>", i + 1);
        badge(o, (int)g->severity);
        tk_html_raw(o, "</td><td>");
        tk_html_text(o, tk_fleet_str(g->top, lang_field(o, "title", k, sizeof k)));
        if (g->kev > 0)
            tk_html_fmt(o, " <span class=\"kev\">%s</span>", L(o, L_KEV));
        tk_html_raw(o, "<div class=\"id\">");
        tk_html_text(o, tk_fleet_str(g->top, "id"));
        tk_html_fmt(o,
                    "</div></td><td class=\"num\">%zu<br><small>%d%%</small></td>"
                    "<td class=\"hosts\">",
                    g->pcs, pct(g->pcs, f->nendpoints));
        for (size_t h = 0; h < g->nendpoints && h < 10; h++) {
            if (h)
                tk_html_raw(o, ", ");
            tk_html_text(o, tk_fleet_str(f->endpoints[g->endpoints[h]].digest, "hostname"));
        }
        if (g->nendpoints > 10)
            tk_html_fmt(o, " … +%zu %s", g->nendpoints - 10, L(o, L_MORE));
        tk_html_raw(o, "</td></tr>\n");
    }
    tk_html_raw(o, "</tbody></table>\n");
}

static void advice(struct tk_html *o, const struct tk_fleet *f)
{
    char k[32];
    tk_html_fmt(o, "<h2>%s</h2>\n<ol class=\"advice\">\n", L(o, L_ADVICE));
    size_t shown = 0;
    for (size_t i = 0; i < f->ngroups && shown < 20; i++) {
        const struct tk_fleet_group *g = &f->groups[i];
        if (g->severity < TK_SEV_MEDIUM)
            continue;
        shown++;
        tk_html_raw(o, "<li><b>");
        tk_html_text(o, tk_fleet_str(g->top, lang_field(o, "title", k, sizeof k)));
        tk_html_raw(o, "</b><br>");
        tk_html_text(o, tk_fleet_str(g->top, lang_field(o, "remediation", k, sizeof k)));
        tk_html_raw(o, "</li>\n");
    }
    if (!shown)
        tk_html_fmt(o, "<li>%s</li>\n", L(o, L_NOFINDINGS));
    tk_html_raw(o, "</ol>\n");
}

static void endpoint(struct tk_html *o, const struct tk_fleet_endpoint *ep)
{
    char k[32];
    const struct tk_jv *d = ep->digest;
    tk_html_raw(o, "<section class=\"pc\"><h3>");
    tk_html_text(o, tk_fleet_str(d, "hostname"));
    tk_html_raw(o, " ");
    if (ep->worst_rank >= 0)
        badge(o, ep->worst_rank);
    tk_html_raw(o, "</h3>\n<table class=\"kv\">");
    static const struct {
        enum label l;
        const char *key;
    } rows[] = {
        { L_OS, "os" },
        { L_COLLECTED, "collected" },
        { L_RECEIVED, "received" },
        { L_SOURCE, "source" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        tk_html_fmt(o, "<tr><th>%s</th><td>", L(o, rows[i].l));
        tk_html_text(o, tk_fleet_str(d, rows[i].key));
        tk_html_raw(o, "</td></tr>");
    }
    tk_html_fmt(o, "<tr><th>%s</th><td>", L(o, L_FACTS));
    bool any = false;
    for (size_t f = 0; f < TK_FACT_COUNT; f++)
        if ((ep->facts >> f) & 1u) {
            tk_html_raw(o, any ? ", " : "");
            tk_html_text(o, o->ja ? tk_fact_defs[f].ja : tk_fact_defs[f].en);
            any = true;
        }
    if (!any)
        tk_html_text(o, L(o, L_NONE));
    tk_html_raw(o, "</td></tr></table>\n");
    const struct tk_jv *list = tk_jv_get(d, "findings");
    if (!tk_jv_size(list)) {
        tk_html_fmt(o, "<p>%s</p></section>\n", L(o, L_NOFINDINGS));
        return;
    }
    tk_html_raw(o, "<ul class=\"findings\">\n");
    size_t i;
    const struct tk_jv *fi;
    tk_jv_foreach (list, i, fi) {
        enum tk_severity s = TK_SEV_INFO;
        tk_severity_parse(tk_fleet_str(fi, "severity"), &s);
        tk_html_raw(o, "<li>");
        badge(o, (int)s);
        tk_html_raw(o, " ");
        tk_html_text(o, tk_fleet_str(fi, lang_field(o, "title", k, sizeof k)));
        if (tk_fleet_int(fi, "kev") > 0)
            tk_html_fmt(o, " <span class=\"kev\">%s</span>", L(o, L_KEV));
        const struct tk_jv *ev = tk_jv_get(fi, "evidence");
        if (tk_jv_size(ev)) {
            tk_html_raw(o, "<ul class=\"ev\">");
            size_t j;
            const struct tk_jv *e;
            tk_jv_foreach (ev, j, e) {
                tk_html_raw(o, "<li><code>");
                tk_html_text(o, tk_jv_str(e));
                tk_html_raw(o, "</code></li>");
            }
            int64_t total = tk_fleet_int(fi, "evidence_total");
            if (total > (int64_t)tk_jv_size(ev))
                tk_html_fmt(o, "<li>… +%lld %s</li>", (long long)(total - (int64_t)tk_jv_size(ev)),
                            L(o, L_MORE));
            tk_html_raw(o, "</ul>");
        }
        tk_html_raw(o, "</li>\n");
    }
    tk_html_raw(o, "</ul></section>\n");
}

static const char css[] =
    "body{font-family:system-ui,'Hiragino Sans','Noto Sans CJK JP','Yu Gothic',sans-serif;"
    "margin:2em auto;max-width:60em;color:#111;line-height:1.5;padding:0 1em}"
    "h1{font-size:1.6em;border-bottom:3px solid #111}h2{margin-top:1.6em;border-bottom:1px "
    "solid #999}h3{margin:.2em 0}table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
    "td.num{text-align:right;white-space:nowrap}.sev{color:#fff;padding:0 .45em;border-radius:"
    ".3em;font-size:.85em;white-space:nowrap}.kev{background:#111;color:#fff;font-size:.75em;"
    "padding:0 .35em;border-radius:.3em}.id{color:#6b7280;font-size:.75em}.hosts{font-size:.85em}"
    ".lbl,.val{font-size:13px;font-family:inherit}.legend span{margin-right:1em}"
    ".legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:"
    "middle}.pc{border:1px solid #ccc;padding:.6em;margin:.8em 0;break-inside:avoid}"
    ".kv th{width:12em;background:#f3f4f6}.ev{font-size:.85em;color:#374151}"
    "code{word-break:break-all}.meta th{width:16em;background:#f3f4f6}"
    "footer{margin-top:2em;font-size:.8em;color:#555}"
    "@media print{body{margin:0;max-width:none}.pc{page-break-inside:avoid}"
    "h2{page-break-after:avoid}}";

int tk_fleet_write_html(const struct tk_fleet *f, enum tk_lang lang, struct tk_buf *out)
{
    struct tk_html o = { .b = out, .ja = lang == TK_LANG_JA };
    char t[32];
    tk_html_fmt(&o,
                "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width\">"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'\"><title>",
                lang == TK_LANG_JA ? "ja" : "en");
    tk_html_text(&o, L(&o, L_TITLE));
    tk_html_raw(&o, " — ");
    tk_html_text(&o, f->org_name);
    tk_html_fmt(&o, "</title><style>%s</style></head><body>\n<h1>", css);
    tk_html_text(&o, L(&o, L_TITLE));
    tk_html_raw(&o, "</h1>\n<table class=\"meta\">");
    tk_html_fmt(&o, "<tr><th>%s</th><td>", L(&o, L_ORG));
    tk_html_text(&o, f->org_name);
    tk_time_iso8601(f->generated, t);
    tk_html_fmt(&o, "</td></tr><tr><th>%s</th><td>%s</td></tr>", L(&o, L_GENERATED), t);
    tk_html_fmt(&o, "<tr><th>%s</th><td>", L(&o, L_KB));
    tk_html_text(&o, f->kb_date[0] ? f->kb_date : "-");
    tk_html_fmt(&o, "</td></tr><tr><th>%s</th><td>%zu</td></tr>", L(&o, L_ENDPOINTS),
                f->nendpoints);
    if (f->pending)
        tk_html_fmt(&o, "<tr><th>%s</th><td>%lld</td></tr>", L(&o, L_PENDING),
                    (long long)f->pending);
    if (f->unreadable)
        tk_html_fmt(&o, "<tr><th>!</th><td>%zu %s</td></tr>", f->unreadable, L(&o, L_UNREADABLE));
    tk_html_raw(&o, "</table>\n");
    if (!f->nendpoints) {
        tk_html_fmt(&o, "<p>%s</p>\n", L(&o, L_NODATA));
    } else {
        tk_html_fmt(&o, "<h2>%s</h2>\n<h3>%s</h3>\n", L(&o, L_SUMMARY), L(&o, L_SHARES));
        chart_shares(&o, f);
        tk_html_fmt(&o, "<h3>%s</h3>\n", L(&o, L_WORST));
        chart_worst(&o, f);
        top_findings(&o, f);
        advice(&o, f);
        tk_html_fmt(&o, "<h2>%s</h2>\n", L(&o, L_DETAIL));
        for (size_t e = 0; e < f->nendpoints; e++)
            endpoint(&o, &f->endpoints[e]);
    }
    tk_html_fmt(&o, "<footer>%s</footer>\n</body></html>\n", L(&o, L_FOOT));
    return o.rc;
}
