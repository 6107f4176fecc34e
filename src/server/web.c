/* web.c - the campaign pages of tenken serve (web.h). */
#include "server/web.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/form.h"
#include "core/hash.h"
#include "core/html.h"
#include "core/str.h"
#include "core/time.h"
#include "store/token.h"

#define SESSIONS 1024
#define SESSION_LIFE (8 * 3600)
#define COOKIE "tk_session"
#define PAGE_MAX ((size_t)64 << 20)

struct session {
    char id[65], csrf[65];
    char key_hash[TK_TOKEN_HASH_LEN + 1];
    bool ja;
    int64_t expires; /* 0: free */
};

struct tk_web {
    pthread_mutex_t m;
    bool https;
    struct session s[SESSIONS];
};

int tk_web_new(struct tk_web **out, bool https)
{
    struct tk_web *w = tk_calloc(1, sizeof *w);
    if (!w)
        return TK_ENOMEM;
    pthread_mutex_init(&w->m, NULL);
    w->https = https;
    *out = w;
    return 0;
}

void tk_web_free(struct tk_web *w)
{
    if (!w)
        return;
    pthread_mutex_destroy(&w->m);
    tk_free(w);
}

static bool prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

bool tk_web_wants(const char *url)
{
    return strcmp(url, "/") == 0 || strcmp(url, "/login") == 0 || strcmp(url, "/logout") == 0 ||
           strcmp(url, "/campaigns") == 0 || prefix(url, "/campaigns/") || prefix(url, "/cases/") ||
           strcmp(url, "/assets/tenken.css") == 0;
}

/* ---- sessions ------------------------------------------------------------------------------ */

static bool random_hex(char out[65])
{
    unsigned char r[32];
    if (tk_sys_random(r, sizeof r) != 0)
        return false;
    tk_hex_encode(r, sizeof r, out);
    return true;
}

static bool same(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b))
        return false;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static bool session_new(struct tk_web *w, const char *key_hash, bool ja, struct session *out)
{
    struct session n = { .ja = ja, .expires = tk_time_now() + SESSION_LIFE };
    if (!random_hex(n.id) || !random_hex(n.csrf))
        return false;
    snprintf(n.key_hash, sizeof n.key_hash, "%s", key_hash);
    pthread_mutex_lock(&w->m);
    /* a free or expired slot, else the one closest to expiring */
    size_t best = 0;
    for (size_t i = 0; i < SESSIONS; i++)
        if (w->s[i].expires < w->s[best].expires)
            best = i;
    w->s[best] = n;
    pthread_mutex_unlock(&w->m);
    *out = n;
    return true;
}

static bool session_find(struct tk_web *w, const char *id, struct session *out)
{
    if (!id || strlen(id) != 64)
        return false;
    bool found = false;
    int64_t now = tk_time_now();
    pthread_mutex_lock(&w->m);
    for (size_t i = 0; i < SESSIONS && !found; i++)
        if (w->s[i].expires > now && same(w->s[i].id, id)) {
            *out = w->s[i];
            found = true;
        }
    pthread_mutex_unlock(&w->m);
    return found;
}

static void session_end(struct tk_web *w, const char *id)
{
    pthread_mutex_lock(&w->m);
    for (size_t i = 0; i < SESSIONS; i++)
        if (w->s[i].expires && same(w->s[i].id, id))
            memset(&w->s[i], 0, sizeof w->s[i]);
    pthread_mutex_unlock(&w->m);
}

/* ---- forms ------------------------------------------------------------------------------- */

/* One value of the form (the first, if repeated) in tmp; "" when absent. Borrowed until tmp
 * changes. */
static const char *form_get(const char *body, size_t n, const char *name, struct tk_buf *tmp)
{
    tk_buf_reset(tmp);
    tk_form_values(body, n, name, 0, tmp);
    return tk_buf_cstr(tmp);
}

/* ---- responses --------------------------------------------------------------------------- */

static const char csp_pages[] = "default-src 'none'; style-src 'self'; img-src 'self'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
static const char csp_report[] = "default-src 'none'; style-src 'unsafe-inline'; "
                                 "frame-ancestors 'none'; base-uri 'none'";

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
                               struct tk_buf *body, const char *csp, const char *cookie,
                               const char *location)
{
    size_t len = body ? body->len : 0;
    char *doc = body ? tk_buf_detach(body) : NULL;
    struct MHD_Response *r =
        doc ? MHD_create_response_from_buffer_with_free_callback(len, doc, tk_free)
            : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        tk_free(doc);
        return MHD_NO;
    }
    if (type)
        MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    /* same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on forms */
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    if (csp)
        MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (cookie)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    if (location)
        MHD_add_response_header(r, "Location", location);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result redirect(struct MHD_Connection *c, const char *to, const char *cookie,
                                unsigned *status)
{
    *status = MHD_HTTP_SEE_OTHER;
    return respond(c, MHD_HTTP_SEE_OTHER, NULL, NULL, NULL, cookie, to);
}

static const char css[] =
    "body{font-family:system-ui,'Hiragino Sans','Noto Sans CJK JP',sans-serif;margin:0;"
    "color:#111;line-height:1.5}header{background:#1e3a8a;color:#fff;padding:.5em 1em;"
    "display:flex;gap:1.5em;align-items:center}header a{color:#fff}header form{margin-left:auto}"
    "main{max-width:70em;margin:1em auto;padding:0 1em}table{border-collapse:collapse;"
    "margin:.5em 0}th,td{border:1px solid #d1d5db;padding:.25em .6em;text-align:left;"
    "vertical-align:top}th{background:#f3f4f6}label{display:block;margin:.4em 0}"
    "fieldset{border:1px solid #d1d5db;margin:1em 0}.msg{padding:.5em 1em;border-radius:4px}"
    ".ok{background:#dcfce7}.err{background:#fee2e2}.filters{display:flex;flex-wrap:wrap;"
    "gap:1em;align-items:end}textarea{width:100%;min-height:4em}input[type=text]{width:30em;"
    "max-width:100%}button{padding:.3em 1.2em}";

/* ---- page frame -------------------------------------------------------------------------- */

struct page {
    struct tk_buf b;
    struct tk_html h;
    const struct session *sess; /* NULL before sign-in */
};

static const char *T(const struct page *p, const char *en, const char *ja)
{
    return p->h.ja ? ja : en;
}

static void page_begin(struct page *p, const struct session *sess, bool ja, const char *title)
{
    tk_buf_init(&p->b, PAGE_MAX);
    p->h = (struct tk_html){ .b = &p->b, .ja = ja };
    p->sess = sess;
    struct tk_html *h = &p->h;
    tk_html_fmt(h,
                "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width\">"
                "<link rel=\"stylesheet\" href=\"/assets/tenken.css\"><title>",
                ja ? "ja" : "en");
    tk_html_text(h, title);
    tk_html_raw(h, " — tenken</title></head><body>\n<header><strong>tenken</strong>");
    if (sess) {
        tk_html_fmt(h, "<a href=\"/campaigns\">%s</a>", T(p, "Campaigns", "キャンペーン一覧"));
        tk_html_fmt(h,
                    "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" "
                    "name=\"csrf\" value=\"%s\"><button>%s</button></form>",
                    sess->csrf, T(p, "Sign out", "ログアウト"));
    }
    tk_html_raw(h, "</header>\n<main>\n<h1>");
    tk_html_text(h, title);
    tk_html_raw(h, "</h1>\n");
}

static enum MHD_Result page_end(struct page *p, struct MHD_Connection *c, unsigned st,
                                const char *cookie, unsigned *status)
{
    tk_html_raw(&p->h, "</main></body></html>\n");
    *status = p->h.rc ? MHD_HTTP_INTERNAL_SERVER_ERROR : st;
    enum MHD_Result ok =
        p->h.rc ? respond(c, *status, "text/plain", NULL, NULL, NULL, NULL)
                : respond(c, st, "text/html; charset=utf-8", &p->b, csp_pages, cookie, NULL);
    tk_buf_release(&p->b);
    return ok;
}

/* A page with one message, e.g. an error. */
static enum MHD_Result message(struct MHD_Connection *c, const struct session *sess, bool ja,
                               unsigned st, const char *title, const char *msg, const char *link,
                               const char *link_text, unsigned *status)
{
    struct page p;
    page_begin(&p, sess, ja, title);
    tk_html_raw(&p.h, "<p class=\"msg err\">");
    tk_html_text(&p.h, msg);
    tk_html_raw(&p.h, "</p>\n");
    if (link) {
        tk_html_raw(&p.h, "<p><a href=\"");
        tk_html_text(&p.h, link);
        tk_html_raw(&p.h, "\">");
        tk_html_text(&p.h, link_text);
        tk_html_raw(&p.h, "</a></p>\n");
    }
    return page_end(&p, c, st, NULL, status);
}

/* 404 with a way back to the campaigns. */
static enum MHD_Result not_found(struct MHD_Connection *c, const struct session *sess,
                                 const char *en, const char *ja, unsigned *status)
{
    return message(c, sess, sess->ja, MHD_HTTP_NOT_FOUND, "tenken", sess->ja ? ja : en,
                   "/campaigns", sess->ja ? "キャンペーン一覧" : "Campaigns", status);
}

/* ---- sign in and out ------------------------------------------------------------------- */

static enum MHD_Result login_page(struct MHD_Connection *c, bool ja, unsigned st, const char *error,
                                  unsigned *status)
{
    struct page p;
    page_begin(&p, NULL, ja, ja ? "ログイン" : "Sign in");
    if (error) {
        tk_html_raw(&p.h, "<p class=\"msg err\">");
        tk_html_text(&p.h, error);
        tk_html_raw(&p.h, "</p>\n");
    }
    tk_html_fmt(&p.h,
                "<form method=\"post\" action=\"/login\"><label>%s<br><input type=\"password\" "
                "name=\"key\" autocomplete=\"current-password\" required></label>"
                "<label>%s <select name=\"lang\"><option value=\"ja\">日本語</option>"
                "<option value=\"en\">English</option></select></label>"
                "<button>%s</button></form>\n",
                T(&p, "Analyst key (tenken key add NAME --campaigns)",
                  "分析者キー（tenken key add NAME --campaigns で発行）"),
                T(&p, "Language", "表示言語"), T(&p, "Sign in", "ログイン"));
    return page_end(&p, c, st, NULL, status);
}

static enum MHD_Result do_login(struct tk_web *w, struct tk_store *st, struct MHD_Connection *c,
                                const char *body, size_t n, unsigned *status, char who[65])
{
    struct tk_buf tmp = TK_BUF_INIT(TK_WEB_MAX_FORM);
    char key[TK_TOKEN_LEN + 8];
    snprintf(key, sizeof key, "%s", form_get(body, n, "key", &tmp));
    bool ja = strcmp(form_get(body, n, "lang", &tmp), "en") != 0;
    tk_buf_release(&tmp);
    char hash[TK_TOKEN_HASH_LEN + 1];
    bool campaigns = false;
    struct tk_err err = { 0 };
    int rc = TK_ENOENT;
    if (tk_token_valid(key)) {
        tk_token_hash(key, hash);
        rc = st->ops->key_identify(st, hash, who, &campaigns, &err);
    }
    if (rc == TK_ENOENT || (!rc && !campaigns))
        return login_page(c, ja, MHD_HTTP_UNAUTHORIZED,
                          ja ? "このキーではログインできません。"
                             : "This key cannot sign in to the campaign pages.",
                          status);
    if (rc)
        return message(c, NULL, ja, MHD_HTTP_INTERNAL_SERVER_ERROR, "tenken", "the store failed",
                       NULL, NULL, status);
    struct session s;
    if (!session_new(w, hash, ja, &s))
        return message(c, NULL, ja, MHD_HTTP_INTERNAL_SERVER_ERROR, "tenken",
                       "no random bytes for a session", NULL, NULL, status);
    char cookie[256];
    snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
             s.id, SESSION_LIFE, w->https ? "; Secure" : "");
    return redirect(c, "/campaigns", cookie, status);
}

/* ---- campaigns ---------------------------------------------------------------------------- */

static int list_campaign(void *ud, const struct tk_campaign *c)
{
    struct page *p = ud;
    char when[32];
    tk_time_iso8601(c->created, when);
    tk_html_fmt(&p->h, "<tr><td><a href=\"/campaigns/%s\">", c->id);
    tk_html_text(&p->h, c->name);
    tk_html_fmt(&p->h, "</a></td><td>%lld</td><td>%lld</td><td>%.10s</td><td>", (long long)c->cases,
                (long long)c->devices, when);
    tk_html_text(&p->h, c->created_by);
    tk_html_raw(&p->h, "</td></tr>\n");
    return 0;
}

static enum MHD_Result campaigns_page(const struct session *sess, struct tk_store *st,
                                      struct MHD_Connection *c, unsigned *status)
{
    struct page p;
    page_begin(&p, sess, sess->ja, sess->ja ? "キャンペーン一覧" : "Campaigns");
    tk_html_fmt(&p.h, "<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
                T(&p, "Campaign", "キャンペーン"), T(&p, "Organisations", "組織数"),
                T(&p, "Devices", "機器数"), T(&p, "Created", "作成日"), T(&p, "By", "作成者"));
    struct tk_arena a;
    tk_arena_init(&a, (size_t)64 << 20);
    struct tk_err err = { 0 };
    int rc = st->ops->campaign_list(st, &a, list_campaign, &p, &err);
    tk_arena_release(&a);
    tk_html_raw(&p.h, "</table>\n");
    if (rc) {
        tk_buf_release(&p.b);
        return message(c, sess, sess->ja, MHD_HTTP_INTERNAL_SERVER_ERROR, "tenken", err.msg, NULL,
                       NULL, status);
    }
    return page_end(&p, c, MHD_HTTP_OK, NULL, status);
}

/* The filters of the case list: choice fields and the product. */
struct filters {
    struct page *p;
    const char *v[TK_CF_COUNT];
    const char *product;
    size_t shown;
};

static const char *lang_of(const struct page *p)
{
    return p->h.ja ? "ja" : "en";
}

static int list_case(void *ud, const struct tk_case *k)
{
    struct filters *f = ud;
    for (int i = 0; i < TK_CF_COUNT; i++)
        if (f->v[i] && *f->v[i] && strcmp(f->v[i], k->f[i]) != 0)
            return 0;
    if (f->product && *f->product && !strcasestr(k->products ? k->products : "", f->product))
        return 0;
    f->shown++;
    struct tk_html *h = &f->p->h;
    tk_html_fmt(h, "<tr><td><a href=\"/cases/%lld\">%lld</a></td><td>", (long long)k->id,
                (long long)k->id);
    tk_html_text(h, k->org_name ? k->org_name : k->org_key);
    tk_html_raw(h, "</td><td>");
    tk_html_text(h, k->prefecture ? k->prefecture : "-");
    tk_html_raw(h, "</td><td>");
    tk_html_text(h, k->products);
    tk_html_fmt(h, "</td><td>%d / %d</td>", k->nvulnerable, k->ndevices);
    static const enum tk_case_field cols[] = { TK_CF_STATUS, TK_CF_OUTCOME, TK_CF_AWARE,
                                               TK_CF_MANAGER };
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        tk_html_raw(h, "<td>");
        const char *v = k->f[cols[i]];
        tk_html_text(h, v && *v ? tk_case_value_label(cols[i], v, lang_of(f->p)) : "-");
        if (cols[i] == TK_CF_STATUS && tk_case_close_suggested(k))
            tk_html_fmt(h, " <strong class=\"close\">%s</strong>",
                        T(f->p, "(can be closed)", "（完了可）"));
        tk_html_raw(h, "</td>");
    }
    tk_html_raw(h, "</tr>\n");
    return 0;
}

static void field_label(struct page *p, enum tk_case_field f)
{
    tk_html_text(&p->h, p->h.ja ? tk_case_fields[f].label_ja : tk_case_fields[f].label_en);
}

/* <select name=F> with the field's values; cur selected; with "any" first when any. */
static void select_field(struct page *p, enum tk_case_field f, const char *cur, bool any)
{
    const struct tk_case_field_def *d = &tk_case_fields[f];
    tk_html_fmt(&p->h, "<select name=\"%s\">", d->name);
    if (any)
        tk_html_fmt(&p->h, "<option value=\"\">%s</option>", T(p, "(any)", "(すべて)"));
    for (int i = 0; d->values[i]; i++) {
        if (any && !d->values[i][0])
            continue;
        tk_html_fmt(&p->h, "<option value=\"%s\"%s>", d->values[i],
                    cur && strcmp(cur, d->values[i]) == 0 ? " selected" : "");
        tk_html_text(&p->h, p->h.ja ? d->values_ja[i] : d->values_en[i]);
        tk_html_raw(&p->h, "</option>");
    }
    tk_html_raw(&p->h, "</select>");
}

static enum MHD_Result cases_page(const struct session *sess, struct tk_store *st,
                                  struct MHD_Connection *c, const char *ref, unsigned *status)
{
    struct tk_arena a;
    tk_arena_init(&a, (size_t)256 << 20);
    struct tk_campaign camp;
    struct tk_err err = { 0 };
    if (st->ops->campaign_get(st, ref, &a, &camp, &err) != 0) {
        tk_arena_release(&a);
        return not_found(c, sess, "No such campaign.", "そのキャンペーンはありません。", status);
    }
    struct page p;
    page_begin(&p, sess, sess->ja, camp.name);
    struct filters f = { .p = &p };
    static const enum tk_case_field filt[] = { TK_CF_STATUS, TK_CF_OUTCOME, TK_CF_AWARE,
                                               TK_CF_MANAGER };
    for (size_t i = 0; i < sizeof filt / sizeof *filt; i++) {
        const char *v =
            MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, tk_case_fields[filt[i]].name);
        f.v[filt[i]] = v;
    }
    f.product = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "product");
    tk_html_fmt(&p.h, "<p><a href=\"/campaigns/%s/stats\">%s</a></p>\n", camp.id,
                T(&p, "Statistics and charts", "統計とグラフ"));
    tk_html_fmt(&p.h, "<form method=\"get\" class=\"filters\" action=\"/campaigns/%s\">", camp.id);
    for (size_t i = 0; i < sizeof filt / sizeof *filt; i++) {
        tk_html_raw(&p.h, "<label>");
        field_label(&p, filt[i]);
        tk_html_raw(&p.h, "<br>");
        select_field(&p, filt[i], f.v[filt[i]], true);
        tk_html_raw(&p.h, "</label>");
    }
    tk_html_fmt(&p.h, "<label>%s<br><input type=\"text\" name=\"product\" value=\"",
                T(&p, "Product", "製品"));
    tk_html_text(&p.h, f.product ? f.product : "");
    tk_html_fmt(&p.h, "\"></label><button>%s</button></form>\n", T(&p, "Filter", "絞り込み"));
    tk_html_fmt(&p.h,
                "<table id=\"cases\"><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>",
                T(&p, "Organisation", "組織"), T(&p, "Prefecture", "都道府県"),
                T(&p, "Products", "製品"), T(&p, "Vulnerable / devices", "脆弱 / 機器数"));
    for (size_t i = 0; i < sizeof filt / sizeof *filt; i++) {
        tk_html_raw(&p.h, "<th>");
        field_label(&p, filt[i]);
        tk_html_raw(&p.h, "</th>");
    }
    tk_html_raw(&p.h, "</tr>\n");
    int rc = st->ops->case_list(st, camp.id, &a, list_case, &f, &err);
    tk_html_fmt(&p.h, "</table>\n<p>%zu %s</p>\n", f.shown, T(&p, "case(s)", "件"));
    tk_arena_release(&a);
    if (rc) {
        tk_buf_release(&p.b);
        return message(c, sess, sess->ja, MHD_HTTP_INTERNAL_SERVER_ERROR, "tenken", err.msg, NULL,
                       NULL, status);
    }
    return page_end(&p, c, MHD_HTTP_OK, NULL, status);
}

static enum MHD_Result stats_page(const struct session *sess, struct tk_store *st,
                                  struct MHD_Connection *c, const char *ref, unsigned *status)
{
    struct tk_arena a;
    tk_arena_init(&a, (size_t)256 << 20);
    struct tk_campaign camp;
    struct tk_campaign_stats s;
    tk_campaign_stats_init(&s);
    struct tk_err err = { 0 };
    struct tk_buf doc = TK_BUF_INIT(PAGE_MAX);
    int rc = tk_campaign_stats_load(st, ref, &a, &camp, &s, NULL, NULL, &err);
    if (!rc) {
        rc = tk_campaign_write_html(&camp, &s, NULL, 0, sess->ja, tk_time_now(), &doc);
    }
    tk_campaign_stats_release(&s);
    tk_arena_release(&a);
    if (rc) {
        tk_buf_release(&doc);
        return message(c, sess, sess->ja, rc == TK_ENOENT ? MHD_HTTP_NOT_FOUND : 500, "tenken",
                       rc == TK_ENOENT
                           ? (sess->ja ? "そのキャンペーンはありません。" : "No such campaign.")
                           : "the statistics could not be made",
                       "/campaigns", sess->ja ? "キャンペーン一覧" : "Campaigns", status);
    }
    *status = MHD_HTTP_OK;
    enum MHD_Result ok =
        respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", &doc, csp_report, NULL, NULL);
    tk_buf_release(&doc);
    return ok;
}

/* ---- one case ---------------------------------------------------------------------------- */

static int case_device(void *ud, int64_t case_id, const struct tk_case_device *d)
{
    struct page *p = ud;
    (void)case_id;
    tk_html_raw(&p->h, "<tr><td>");
    tk_html_text(&p->h, d->ip);
    tk_html_fmt(&p->h, ":%d</td><td>", d->port);
    tk_html_text(&p->h, d->vendor);
    tk_html_raw(&p->h, " ");
    tk_html_text(&p->h, d->product);
    tk_html_raw(&p->h, "</td><td>");
    tk_html_text(&p->h, d->version ? d->version : "-");
    tk_html_raw(&p->h, " (");
    tk_html_text(&p->h, d->precision);
    tk_html_raw(&p->h, ")</td><td>");
    tk_html_text(&p->h, d->verdict);
    tk_html_fmt(&p->h, "%s</td><td>", d->kev ? " KEV" : "");
    tk_html_text(&p->h, d->state);
    tk_html_raw(&p->h, "</td></tr>\n");
    return 0;
}

static int case_contact(void *ud, int64_t case_id, const struct tk_contact *k)
{
    struct page *p = ud;
    (void)case_id;
    const char *cells[] = { k->date, k->channel, k->who, k->note };
    tk_html_raw(&p->h, "<tr>");
    tk_html_cells(&p->h, cells, sizeof cells / sizeof *cells);
    tk_html_raw(&p->h, "</tr>\n");
    return 0;
}

static int case_audit(void *ud, const struct tk_audit *r)
{
    struct page *p = ud;
    char when[32], version[24];
    tk_time_iso8601(r->at, when);
    snprintf(version, sizeof version, "%lld", (long long)r->version);
    const char *cells[] = { when, version, r->who, r->field, r->before, r->after };
    tk_html_raw(&p->h, "<tr>");
    tk_html_cells(&p->h, cells, sizeof cells / sizeof *cells);
    tk_html_raw(&p->h, "</tr>\n");
    return 0;
}

static void field_input(struct page *p, enum tk_case_field f, const char *cur)
{
    const struct tk_case_field_def *d = &tk_case_fields[f];
    tk_html_raw(&p->h, "<label>");
    field_label(p, f);
    tk_html_raw(&p->h, "<br>");
    switch (d->kind) {
    case TK_FK_CHOICE:
        select_field(p, f, cur, false);
        break;
    case TK_FK_SET:
        for (int i = 0; d->values[i]; i++) {
            size_t k = strlen(d->values[i]);
            bool on = false;
            for (const char *q = cur; q && *q; q += strcspn(q, ",") + (q[strcspn(q, ",")] == ','))
                on = on || (strcspn(q, ",") == k && strncmp(q, d->values[i], k) == 0);
            tk_html_fmt(&p->h,
                        "<span><input type=\"checkbox\" name=\"%s\" value=\"%s\" id=\"%s-%s\"%s> ",
                        d->name, d->values[i], d->name, d->values[i], on ? " checked" : "");
            tk_html_text(&p->h, p->h.ja ? d->values_ja[i] : d->values_en[i]);
            tk_html_raw(&p->h, "</span><br>");
        }
        break;
    case TK_FK_DATE:
        tk_html_fmt(&p->h, "<input type=\"date\" name=\"%s\" value=\"", d->name);
        tk_html_text(&p->h, cur);
        tk_html_raw(&p->h, "\">");
        break;
    case TK_FK_TEXT:
        if (f == TK_CF_NOTE || f == TK_CF_REASON_NOTE) {
            tk_html_fmt(&p->h, "<textarea name=\"%s\" maxlength=\"%d\">", d->name,
                        TK_CASE_TEXT_MAX);
            tk_html_text(&p->h, cur);
            tk_html_raw(&p->h, "</textarea>");
        } else {
            tk_html_fmt(&p->h, "<input type=\"text\" name=\"%s\" maxlength=\"%d\" value=\"",
                        d->name, TK_CASE_TEXT_MAX);
            tk_html_text(&p->h, cur);
            tk_html_raw(&p->h, "\">");
        }
        break;
    }
    tk_html_raw(&p->h, "</label>\n");
}

static enum MHD_Result case_page(const struct session *sess, struct tk_store *st,
                                 struct MHD_Connection *c, int64_t id, const char *note,
                                 unsigned *status)
{
    struct tk_arena a;
    tk_arena_init(&a, (size_t)256 << 20);
    struct tk_case k;
    struct tk_err err = { 0 };
    if (st->ops->case_get(st, id, &a, &k, &err) != 0) {
        tk_arena_release(&a);
        return not_found(c, sess, "No such case.", "その案件はありません。", status);
    }
    char title[256];
    snprintf(title, sizeof title, "%s %lld: %s", sess->ja ? "案件" : "Case", (long long)k.id,
             k.org_name ? k.org_name : k.org_key);
    struct page p;
    page_begin(&p, sess, sess->ja, title);
    struct tk_html *h = &p.h;
    tk_html_fmt(h, "<p><a href=\"/campaigns/%s\">%s</a> · %s %lld", k.campaign_id,
                T(&p, "All cases of the campaign", "キャンペーンの案件一覧"),
                T(&p, "version", "版"), (long long)k.version);
    if (k.prefecture) {
        tk_html_raw(h, " · ");
        tk_html_text(h, k.prefecture);
    }
    tk_html_raw(h, "</p>\n");
    if (note) {
        tk_html_raw(h, "<p class=\"msg ok\" id=\"saved\">");
        tk_html_text(h, note);
        tk_html_raw(h, "</p>\n");
    }
    tk_html_fmt(h,
                "<h2>%s</h2>\n<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                "<th>%s</th></tr>\n",
                T(&p, "Devices", "機器"), T(&p, "Address", "アドレス"), T(&p, "Product", "製品"),
                T(&p, "Version", "バージョン"), T(&p, "Verdict", "判定"), T(&p, "State", "状態"));
    int rc = st->ops->case_devices(st, NULL, id, &a, case_device, &p, &err);
    tk_html_raw(h, "</table>\n");

    tk_html_fmt(h,
                "<h2>%s</h2>\n<form method=\"post\" action=\"/cases/%lld\" id=\"fields\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                "<input type=\"hidden\" name=\"version\" value=\"%lld\">\n",
                T(&p, "Case", "案件の状況"), (long long)id, sess->csrf, (long long)k.version);
    for (int f = 0; f < TK_CF_COUNT; f++)
        field_input(&p, (enum tk_case_field)f, k.f[f]);
    tk_html_fmt(h, "<button>%s</button></form>\n", T(&p, "Save", "保存"));

    char today[32];
    tk_time_iso8601(tk_time_now(), today);
    today[10] = '\0';
    tk_html_fmt(h, "<h2>%s</h2>\n<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
                T(&p, "Contacts", "連絡記録"), T(&p, "Date", "日付"), T(&p, "Channel", "手段"),
                T(&p, "Who", "連絡者"), T(&p, "Note", "内容"));
    if (!rc)
        rc = st->ops->case_contacts(st, NULL, id, &a, case_contact, &p, &err);
    tk_html_fmt(h,
                "</table>\n<form method=\"post\" action=\"/cases/%lld/contact\" id=\"contact\">"
                "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                "<input type=\"hidden\" name=\"version\" value=\"%lld\">"
                "<fieldset><legend>%s</legend><label>%s <input type=\"date\" name=\"date\" "
                "value=\"%s\" required></label><label>%s <select name=\"channel\">",
                (long long)id, sess->csrf, (long long)k.version,
                T(&p, "Record a contact", "連絡を記録"), T(&p, "Date", "日付"), today,
                T(&p, "Channel", "手段"));
    for (int i = 0; tk_contact_channels[i]; i++)
        tk_html_fmt(h, "<option>%s</option>", tk_contact_channels[i]);
    tk_html_fmt(h,
                "</select></label><label>%s <input type=\"text\" name=\"who\"></label>"
                "<label>%s<br><textarea name=\"note\" maxlength=\"%d\"></textarea></label>"
                "<button>%s</button></fieldset></form>\n",
                T(&p, "Who (default: you)", "連絡者（省略時は自分）"), T(&p, "Note", "内容"),
                TK_CASE_TEXT_MAX, T(&p, "Record", "記録"));

    tk_html_fmt(h,
                "<h2>%s</h2>\n<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                "<th>%s</th><th>%s</th></tr>\n",
                T(&p, "History", "変更履歴"), T(&p, "When", "日時"), T(&p, "Version", "版"),
                T(&p, "Who", "担当"), T(&p, "Field", "項目"), T(&p, "Before", "変更前"),
                T(&p, "After", "変更後"));
    if (!rc)
        rc = st->ops->case_audit(st, NULL, id, &a, case_audit, &p, &err);
    tk_html_raw(h, "</table>\n");
    tk_arena_release(&a);
    if (rc) {
        tk_buf_release(&p.b);
        return message(c, sess, sess->ja, MHD_HTTP_INTERNAL_SERVER_ERROR, "tenken", err.msg, NULL,
                       NULL, status);
    }
    return page_end(&p, c, MHD_HTTP_OK, NULL, status);
}

/* The answer to a refused change: what happened and how to go on. */
static enum MHD_Result change_refused(const struct session *sess, struct MHD_Connection *c,
                                      int64_t id, int rc, const char *why, unsigned *status)
{
    char link[64];
    snprintf(link, sizeof link, "/cases/%lld", (long long)id);
    bool conflict = rc == TK_ECONFLICT;
    return message(c, sess, sess->ja,
                   conflict          ? MHD_HTTP_CONFLICT
                   : rc == TK_ENOENT ? MHD_HTTP_NOT_FOUND
                   : rc == TK_EINVAL ? MHD_HTTP_BAD_REQUEST
                                     : MHD_HTTP_INTERNAL_SERVER_ERROR,
                   conflict ? (sess->ja ? "保存されませんでした" : "Not saved")
                            : (sess->ja ? "エラー" : "Error"),
                   conflict ? (sess->ja ? "この案件は、開いた後に他の担当者が変更しました。"
                                          "変更内容は保存されていません。最新の内容を開いて、"
                                          "もう一度入力してください。"
                                        : "Someone else changed this case after you opened it. "
                                          "Your changes were not saved: open the current case "
                                          "and make them again.")
                            : why,
                   link, sess->ja ? "最新の案件を開く" : "Open the current case", status);
}

static bool parse_version(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 1)
        return false;
    *out = v;
    return true;
}

static enum MHD_Result save_case(const struct session *sess, struct tk_store *st,
                                 struct MHD_Connection *c, int64_t id, const char *body, size_t n,
                                 const char *who, unsigned *status)
{
    struct tk_buf tmp = TK_BUF_INIT(TK_WEB_MAX_FORM);
    int64_t version = 0;
    if (!parse_version(form_get(body, n, "version", &tmp), &version)) {
        tk_buf_release(&tmp);
        return change_refused(sess, c, id, TK_EINVAL, "the form has no case version", status);
    }
    /* the form holds every field: an unchecked set is an empty one */
    struct tk_case_edit edits[TK_CF_COUNT];
    size_t ne = 0;
    struct tk_err err = { 0 };
    int rc = 0;
    for (int f = 0; f < TK_CF_COUNT && !rc; f++) {
        tk_buf_reset(&tmp);
        bool there = tk_form_values(body, n, tk_case_fields[f].name, ',', &tmp);
        if (!there && tk_case_fields[f].kind != TK_FK_SET)
            continue;
        char *out = tk_malloc(TK_CASE_TEXT_MAX + 1);
        if (!out) {
            rc = tk_err_set(&err, TK_ENOMEM, "out of memory");
            break;
        }
        rc = tk_case_field_normalize((enum tk_case_field)f, tk_buf_cstr(&tmp), out,
                                     TK_CASE_TEXT_MAX + 1, &err);
        edits[ne++] = (struct tk_case_edit){ (enum tk_case_field)f, out };
    }
    tk_buf_release(&tmp);
    int64_t now_version = 0;
    if (!rc)
        rc = st->ops->case_update(st, id, version, edits, ne, who, &now_version, &err);
    for (size_t i = 0; i < ne; i++)
        tk_free((void *)edits[i].value);
    if (rc)
        return change_refused(sess, c, id, rc, err.msg, status);
    char to[64];
    snprintf(to, sizeof to, "/cases/%lld?saved=1", (long long)id);
    return redirect(c, to, NULL, status);
}

static enum MHD_Result add_contact(const struct session *sess, struct tk_store *st,
                                   struct MHD_Connection *c, int64_t id, const char *body, size_t n,
                                   const char *who, unsigned *status)
{
    struct tk_buf tmp = TK_BUF_INIT(TK_WEB_MAX_FORM);
    int64_t version = 0;
    char date[16], channel[16], person[TK_CASE_TEXT_MAX + 1], note[TK_CASE_TEXT_MAX + 1];
    struct tk_err err = { 0 };
    int rc = parse_version(form_get(body, n, "version", &tmp), &version)
                 ? 0
                 : tk_err_set(&err, TK_EINVAL, "the form has no case version");
    if (!rc && (tk_case_field_normalize(TK_CF_FOLLOW_UP, form_get(body, n, "date", &tmp), date,
                                        sizeof date, &err) != 0 ||
                !date[0]))
        rc = tk_err_set(&err, TK_EINVAL, "the date must be YYYY-MM-DD");
    snprintf(channel, sizeof channel, "%s", form_get(body, n, "channel", &tmp));
    size_t k = 0;
    while (!rc && tk_contact_channels[k] && strcmp(tk_contact_channels[k], channel) != 0)
        k++;
    if (!rc && !tk_contact_channels[k])
        rc = tk_err_set(&err, TK_EINVAL, "unknown channel");
    if (!rc && tk_case_field_normalize(TK_CF_CONTACT_NAME, form_get(body, n, "who", &tmp), person,
                                       sizeof person, &err) != 0)
        rc = TK_EINVAL;
    if (!rc && tk_case_field_normalize(TK_CF_NOTE, form_get(body, n, "note", &tmp), note,
                                       sizeof note, &err) != 0)
        rc = TK_EINVAL;
    tk_buf_release(&tmp);
    int64_t now_version;
    if (!rc) {
        struct tk_contact ct = { .date = date,
                                 .channel = tk_contact_channels[k],
                                 .who = person[0] ? person : who,
                                 .note = note };
        rc = st->ops->contact_add(st, id, version, &ct, who, &now_version, &err);
    }
    if (rc)
        return change_refused(sess, c, id, rc, err.msg, status);
    char to[64];
    snprintf(to, sizeof to, "/cases/%lld?saved=1", (long long)id);
    return redirect(c, to, NULL, status);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

/* "/cases/12" or "/cases/12/contact": the id and the rest after it. */
static bool case_path(const char *url, int64_t *id, const char **rest)
{
    const char *p = url + strlen("/cases/");
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 1 || v > 2000000000LL || (*p < '0' || *p > '9'))
        return false;
    *id = v;
    *rest = end;
    return true;
}

/* A form sent from another site (the browser says so in Sec-Fetch-Site or Origin): refused
 * before anything, sign-in included, so no other site can sign a browser in under its own
 * key or post in the analyst's name. */
static bool cross_site(struct MHD_Connection *c)
{
    const char *sfs = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (sfs && strcmp(sfs, "same-origin") != 0 && strcmp(sfs, "none") != 0)
        return true;
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (origin && host && strcmp(origin, "null") != 0) {
        const char *o = strstr(origin, "://");
        return !o || strcmp(o + 3, host) != 0;
    }
    return false;
}

enum MHD_Result tk_web_handle(struct tk_web *w, struct tk_store *st, struct MHD_Connection *c,
                              const char *method, const char *url, const char *body, size_t n,
                              unsigned *status, char who[65])
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    who[0] = '\0';
    if (strcmp(url, "/assets/tenken.css") == 0 && get) {
        struct tk_buf b = TK_BUF_INIT(sizeof css);
        tk_buf_add(&b, css, sizeof css - 1);
        *status = MHD_HTTP_OK;
        enum MHD_Result ok =
            respond(c, MHD_HTTP_OK, "text/css; charset=utf-8", &b, NULL, NULL, NULL);
        tk_buf_release(&b);
        return ok;
    }
    if (!get && !post) {
        *status = MHD_HTTP_METHOD_NOT_ALLOWED;
        return respond(c, *status, NULL, NULL, NULL, NULL, NULL);
    }
    if (post && cross_site(c))
        return message(c, NULL, true, MHD_HTTP_FORBIDDEN, "tenken",
                       "別のサイトから送られたフォームは受け付けません。A form sent from another "
                       "site is refused.",
                       "/login", "/login", status);
    if (strcmp(url, "/login") == 0)
        return post ? do_login(w, st, c, body, n, status, who)
                    : login_page(c, true, MHD_HTTP_OK, NULL, status);

    /* everything else needs a session whose key still may open the campaign pages */
    struct session sess;
    const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
    bool campaigns = false;
    struct tk_err err = { 0 };
    if (!session_find(w, cookie, &sess) ||
        st->ops->key_identify(st, sess.key_hash, who, &campaigns, &err) != 0 || !campaigns) {
        who[0] = '\0';
        if (get)
            return redirect(c, "/login", NULL, status);
        return message(c, NULL, true, MHD_HTTP_FORBIDDEN, "tenken",
                       "ログインしてください。Sign in first.", "/login", "/login", status);
    }
    if (post) {
        struct tk_buf tmp = TK_BUF_INIT(TK_WEB_MAX_FORM);
        bool ok = same(form_get(body, n, "csrf", &tmp), sess.csrf);
        tk_buf_release(&tmp);
        if (!ok)
            return message(c, &sess, sess.ja, MHD_HTTP_FORBIDDEN, "tenken",
                           sess.ja
                               ? "フォームが古いか、正しくありません。ページを開き直してください。"
                               : "The form is stale or forged: open the page again.",
                           "/campaigns", sess.ja ? "キャンペーン一覧" : "Campaigns", status);
    }
    if (strcmp(url, "/logout") == 0 && post) {
        session_end(w, sess.id);
        return redirect(c, "/login", COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
                        status);
    }
    if ((strcmp(url, "/") == 0 || strcmp(url, "/campaigns") == 0) && get)
        return strcmp(url, "/") == 0 ? redirect(c, "/campaigns", NULL, status)
                                     : campaigns_page(&sess, st, c, status);
    if (prefix(url, "/campaigns/") && get) {
        char ref[128];
        const char *p = url + strlen("/campaigns/");
        size_t k = strcspn(p, "/");
        if (k && k < sizeof ref) {
            memcpy(ref, p, k);
            ref[k] = '\0';
            if (!p[k])
                return cases_page(&sess, st, c, ref, status);
            if (strcmp(p + k, "/stats") == 0)
                return stats_page(&sess, st, c, ref, status);
        }
    }
    int64_t id;
    const char *rest;
    if (prefix(url, "/cases/") && case_path(url, &id, &rest)) {
        if (!*rest && get) {
            const char *saved = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "saved");
            return case_page(&sess, st, c, id,
                             saved ? (sess.ja ? "保存しました。" : "Saved.") : NULL, status);
        }
        if (!*rest && post)
            return save_case(&sess, st, c, id, body, n, who, status);
        if (strcmp(rest, "/contact") == 0 && post)
            return add_contact(&sess, st, c, id, body, n, who, status);
    }
    return not_found(c, &sess, "No such page.", "そのページはありません。", status);
}
