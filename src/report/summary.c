/* summary.c - text and JSON summaries of a bundle, in English or Japanese. */
#include "report/summary.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/json.h"
#include "core/utf8.h"

int tk_lang_parse(const char *s, enum tk_lang *out)
{
    if (strcmp(s, "en") == 0)
        *out = TK_LANG_EN;
    else if (strcmp(s, "ja") == 0)
        *out = TK_LANG_JA;
    else
        return TK_EINVAL;
    return 0;
}

enum tk_lang tk_lang_from_env(void)
{
    static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strncmp(v, "ja", 2) == 0 ? TK_LANG_JA : TK_LANG_EN;
    }
    return TK_LANG_EN;
}

/* Labels in both languages, indexed by enum tk_lang. */
enum label {
    L_SCAN_OF, L_INVENTORY, L_ITEMS, L_NETWORK, L_IFACES, L_PUBLIC, L_LISTENING,
    L_NOT_COLLECTED, L_SKIPPED, L_FINDINGS, L_NONE, L_ERRORS, L_ERRORS_HINT, L_BUNDLE,
    L_MALWARE, L_FILES, L_CACHED, L_PROCESSES, L_DETECTIONS, L_TRACES, L_NOT_JUDGED, L_NLABELS
};
static const char *const labels[L_NLABELS][2] = {
    [L_SCAN_OF] = { "tenken scan of", "tenken 点検結果:" },
    [L_INVENTORY] = { "inventory", "ソフトウェア" },
    [L_ITEMS] = { "items", "件" },
    [L_NETWORK] = { "network", "ネットワーク" },
    [L_IFACES] = { "interfaces", "インターフェース" },
    [L_PUBLIC] = { "public addresses", "グローバルアドレス" },
    [L_LISTENING] = { "listening sockets", "待ち受けポート" },
    [L_NOT_COLLECTED] = { "not collected (offline image)", "未収集（オフラインイメージ）" },
    [L_SKIPPED] = { "not collected", "未収集" },
    [L_MALWARE] = { "malware", "マルウェア" },
    [L_FILES] = { "files", "ファイル" },
    [L_CACHED] = { "cached", "キャッシュ" },
    [L_PROCESSES] = { "processes", "プロセス" },
    [L_DETECTIONS] = { "detections", "検知" },
    [L_TRACES] = { "traces", "痕跡" },
    [L_FINDINGS] = { "findings", "検出事項" },
    [L_NONE] = { "none", "なし" },
    [L_NOT_JUDGED] = { "judged by the analysis server (this build has no knowledge base)",
                       "分析サーバーで判定（このビルドは知識ベースなし）" },
    [L_ERRORS] = { "unreadable", "読み取り不可" },
    [L_ERRORS_HINT] = { "see errors[] in the bundle", "バンドルの errors[] を参照" },
    [L_BUNDLE] = { "bundle", "バンドル" },
};

/* Whether a title already quotes an evidence text, or the text without a trailing
 * parenthesised note ("... (memfd)"). */
static bool quoted(const char *title, const char *ev)
{
    if (strstr(title, ev))
        return true;
    size_t n = strlen(ev);
    const char *open = n && ev[n - 1] == ')' ? strrchr(ev, '(') : NULL;
    if (!open || open == ev || open[-1] != ' ' || (size_t)(open - ev) > 1000)
        return false;
    char head[1024];
    snprintf(head, sizeof head, "%.*s", (int)(open - 1 - ev), ev);
    return *head && strstr(title, head) != NULL;
}

struct out {
    FILE *fp;
    struct tk_buf line;
};

static void put(struct out *o, const char *s)
{
    tk_buf_adds(&o->line, s);
}

/* Untrusted text: escaped for the terminal. */
static void put_untrusted(struct out *o, const char *s)
{
    if (!s)
        s = "?";
    tk_escape_term(&o->line, s, strlen(s));
}

/* A label padded to a column by display width, so Japanese labels line up too. */
static void put_label(struct out *o, const char *label)
{
    size_t w = tk_utf8_width(label, strlen(label));
    put(o, "  ");
    put(o, label);
    for (; w < 14; w++)
        put(o, " ");
    put(o, " ");
}

static void endline(struct out *o)
{
    tk_buf_addc(&o->line, '\n');
    fwrite(tk_buf_cstr(&o->line), 1, o->line.len, o->fp);
    tk_buf_reset(&o->line);
}

static bool is_public(const char *cls)
{
    return cls && (strcmp(cls, "public") == 0 || strcmp(cls, "global-v6") == 0);
}

int tk_summary_text(FILE *fp, const struct tk_bundle *b, const char *bundle_path,
                    enum tk_lang lang)
{
    struct out o = { fp, TK_BUF_INIT(1 << 20) };
    const struct tk_host *h = &b->host;
    const int L = lang;

    put(&o, labels[L_SCAN_OF][L]);
    put(&o, " ");
    put_untrusted(&o, h->hostname);
    put(&o, " (");
    put_untrusted(&o, h->os_name ? h->os_name : h->os_id);
    bool windows = h->os_family && strcmp(h->os_family, "windows") == 0;
    if (h->kernel_release) {
        put(&o, windows ? ", build " : ", Linux ");
        put_untrusted(&o, h->kernel_release);
    }
    if (h->arch) {
        put(&o, ", ");
        put_untrusted(&o, h->arch);
    }
    put(&o, ")");
    endline(&o);

    /* Inventory by source, in first-seen order. */
    const char *sources[32];
    size_t counts[32], nsrc = 0;
    for (size_t i = 0; i < b->nitems; i++) {
        size_t k = 0;
        while (k < nsrc && strcmp(sources[k], b->items[i].source) != 0)
            k++;
        if (k == nsrc && nsrc < 32) {
            sources[nsrc] = b->items[i].source;
            counts[nsrc++] = 0;
        }
        if (k < nsrc)
            counts[k]++;
    }
    put_label(&o, labels[L_INVENTORY][L]);
    tk_buf_addf(&o.line, "%zu %s", b->nitems, labels[L_ITEMS][L]);
    for (size_t k = 0; k < nsrc; k++)
        tk_buf_addf(&o.line, "%s%s %zu", k ? ", " : " (", sources[k], counts[k]);
    if (nsrc)
        put(&o, ")");
    endline(&o);

    put_label(&o, labels[L_NETWORK][L]);
    if (!b->net.collected) {
        put(&o, labels[b->scan.live ? L_SKIPPED : L_NOT_COLLECTED][L]);
    } else {
        size_t npublic = 0;
        for (size_t i = 0; i < b->net.nifaces; i++)
            for (size_t k = 0; k < b->net.ifaces[i].naddrs; k++)
                npublic += is_public(b->net.ifaces[i].addrs[k].class);
        tk_buf_addf(&o.line, "%s %zu, %s %zu", labels[L_IFACES][L], b->net.nifaces,
                    labels[L_PUBLIC][L], npublic);
        for (size_t i = 0; i < b->net.nifaces; i++) {
            const struct tk_iface *f = &b->net.ifaces[i];
            for (size_t k = 0; k < f->naddrs; k++) {
                if (!is_public(f->addrs[k].class))
                    continue;
                put(&o, " [");
                put_untrusted(&o, f->addrs[k].address);
                put(&o, " ");
                put_untrusted(&o, f->name);
                put(&o, "]");
            }
        }
        tk_buf_addf(&o.line, ", %s %zu", labels[L_LISTENING][L], b->net.nsocks);
    }
    endline(&o);

    if (b->detect.ran) {
        const struct tk_detect_info *d = &b->detect;
        put_label(&o, labels[L_MALWARE][L]);
        tk_buf_addf(&o.line, "%s %llu (%llu MB", labels[L_FILES][L],
                    (unsigned long long)d->files, (unsigned long long)(d->bytes >> 20));
        if (d->cached)
            tk_buf_addf(&o.line, ", %s %llu", labels[L_CACHED][L],
                        (unsigned long long)d->cached);
        tk_buf_addf(&o.line, "), %s %llu, %s %zu", labels[L_PROCESSES][L],
                    (unsigned long long)d->processes, labels[L_DETECTIONS][L], b->ndetections);
        static const char *const levels[] = { "alert", "warning", "notice" };
        for (size_t l = 0, first = 1; l < 3; l++) {
            size_t n = 0;
            for (size_t i = 0; i < b->ndetections; i++)
                n += strcmp(b->detections[i].level, levels[l]) == 0;
            if (n)
                tk_buf_addf(&o.line, "%s%s %zu", first ? " (" : ", ", levels[l], n), first = 0;
            if (l == 2 && !first)
                put(&o, ")");
        }
        tk_buf_addf(&o.line, ", %s %zu", labels[L_TRACES][L], b->ntraces);
        endline(&o);
    }

    size_t bysev[5] = { 0 };
    for (size_t i = 0; i < b->nfindings; i++)
        bysev[b->findings[i].severity]++;
    put_label(&o, labels[L_FINDINGS][L]);
    if (!b->nfindings)
        put(&o, labels[b->analysis.analyzed_at > 0 ? L_NONE : L_NOT_JUDGED][L]);
    for (int s = TK_SEV_CRITICAL, first = 1; s >= TK_SEV_INFO; s--) {
        if (!bysev[s])
            continue;
        tk_buf_addf(&o.line, "%s%zu %s", first ? "" : ", ", bysev[s],
                    tk_severity_name((enum tk_severity)s));
        first = 0;
    }
    endline(&o);
    /* The most severe first; a long list is cut, the bundle has them all. */
    size_t shown = 0, limit = 20;
    for (int s = TK_SEV_CRITICAL; s >= TK_SEV_INFO; s--) {
        for (size_t i = 0; i < b->nfindings; i++) {
            const struct tk_finding *f = &b->findings[i];
            if ((int)f->severity != s || shown++ >= limit)
                continue;
            tk_buf_addf(&o.line, "    %-9s", tk_severity_name(f->severity));
            const char *title = L == TK_LANG_JA ? f->title_ja : f->title_en;
            put_untrusted(&o, title);
            /* evidence the title already quotes (trace findings name their first) is not
             * repeated */
            if (f->nevidence && f->evidence[0].text && !quoted(title, f->evidence[0].text)) {
                put(&o, " (");
                put_untrusted(&o, f->evidence[0].text);
                if (f->nevidence > 1)
                    tk_buf_addf(&o.line, " +%zu", f->nevidence - 1);
                put(&o, ")");
            }
            endline(&o);
        }
    }
    if (shown > limit) {
        tk_buf_addf(&o.line, L == TK_LANG_JA ? "    … ほか %zu 件" : "    … and %zu more",
                    shown - limit);
        endline(&o);
    }
    if (b->analysis.kb_date) {
        put_label(&o, L == TK_LANG_JA ? "知識ベース" : "knowledge");
        put(&o, L == TK_LANG_JA ? "" : "as of ");
        put_untrusted(&o, b->analysis.kb_date);
        put(&o, L == TK_LANG_JA ? " 時点 (" : " (");
        put_untrusted(&o, b->analysis.kb);
        put(&o, ")");
        endline(&o);
    }
    if (b->nerrors) {
        put_label(&o, labels[L_ERRORS][L]);
        tk_buf_addf(&o.line, "%zu (%s)", b->nerrors + b->errors_dropped, labels[L_ERRORS_HINT][L]);
        endline(&o);
    }
    if (bundle_path) {
        tk_buf_addf(&o.line, "%s: ", labels[L_BUNDLE][L]);
        put_untrusted(&o, bundle_path);
        endline(&o);
    }
    tk_buf_release(&o.line);
    return ferror(fp) ? TK_EIO : 0;
}

int tk_summary_json(FILE *fp, const struct tk_bundle *b, const char *bundle_path)
{
    struct tk_json w;
    tk_json_init_file(&w, fp, 0);
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, "bundle", bundle_path);
    tk_json_kstr(&w, "bundle_id", b->bundle_id);
    tk_json_kstr(&w, "hostname", b->host.hostname);
    tk_json_kstr(&w, "endpoint_id", b->host.endpoint_id);
    tk_json_key(&w, "inventory");
    tk_json_obj_begin(&w);
    tk_json_kint(&w, "total", (int64_t)b->nitems);
    tk_json_key(&w, "by_source");
    tk_json_obj_begin(&w);
    const char *done[32];
    size_t ndone = 0;
    for (size_t i = 0; i < b->nitems && ndone < 32; i++) {
        const char *src = b->items[i].source;
        size_t k = 0;
        while (k < ndone && strcmp(done[k], src) != 0)
            k++;
        if (k < ndone)
            continue;
        done[ndone++] = src;
        size_t n = 0;
        for (size_t j = i; j < b->nitems; j++)
            n += strcmp(b->items[j].source, src) == 0;
        tk_json_kint(&w, src, (int64_t)n);
    }
    tk_json_obj_end(&w);
    tk_json_obj_end(&w);
    tk_json_key(&w, "network");
    tk_json_obj_begin(&w);
    tk_json_kbool(&w, "collected", b->net.collected);
    tk_json_kint(&w, "interfaces", (int64_t)b->net.nifaces);
    tk_json_kint(&w, "listening", (int64_t)b->net.nsocks);
    tk_json_obj_end(&w);
    if (b->detect.ran) {
        tk_json_key(&w, "malware");
        tk_json_obj_begin(&w);
        tk_json_kint(&w, "files", (int64_t)b->detect.files);
        tk_json_kint(&w, "bytes", (int64_t)b->detect.bytes);
        tk_json_kint(&w, "cached", (int64_t)b->detect.cached);
        tk_json_kint(&w, "processes", (int64_t)b->detect.processes);
        tk_json_kint(&w, "detections", (int64_t)b->ndetections);
        tk_json_kint(&w, "traces", (int64_t)b->ntraces);
        tk_json_obj_end(&w);
    }
    tk_json_key(&w, "findings");
    tk_json_arr_begin(&w);
    for (size_t i = 0; i < b->nfindings; i++) {
        const struct tk_finding *f = &b->findings[i];
        tk_json_obj_begin(&w);
        tk_json_kstr(&w, "id", f->id);
        tk_json_kstr(&w, "severity", tk_severity_name(f->severity));
        tk_json_kstr(&w, "title", f->title_en);
        tk_json_obj_end(&w);
    }
    tk_json_arr_end(&w);
    tk_json_kint(&w, "errors", (int64_t)(b->nerrors + b->errors_dropped));
    tk_json_obj_end(&w);
    int rc = tk_json_finish(&w);
    if (!rc && fputc('\n', fp) == EOF)
        rc = TK_EIO;
    return rc;
}
