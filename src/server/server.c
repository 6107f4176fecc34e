/* server.c - the upload API on libmicrohttpd (see server.h). */
#include "server/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "bundle/bundle_read.h"
#include "compat/sys.h"
#include "report/fleet.h"
#include "server/judge.h"
#include "server/probe.h"
#include "server/web.h"
#include "core/addr.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/gz.h"
#include "core/json.h"
#include "core/time.h"
#include "store/store.h"
#include "store/token.h"

#define POOL_MAX 64
#define ANALYSTS_MAX 8
#define QUEUE_MAX 100000 /* past it an upload stays pending until a report or the next start */
#define HELD_MAX 64                   /* queued bundles kept as read, not read again */
#define HELD_BYTES ((size_t)64 << 20) /* ... and their JSON's bytes, all together */

/* Idle handles (store connections, judges) kept for the next request. */
struct pool {
    void *item[POOL_MAX];
    size_t n;
};

struct tk_server {
    struct MHD_Daemon *d;
    struct tk_server_opts o;
    char data[4096];
    pthread_mutex_t lock; /* pools, logs */
    struct pool stores, judges;
    /* group commit: handlers queue their uploads, one thread stores them in batches */
    struct committer {
        pthread_mutex_t m;
        pthread_cond_t work, done;
        struct pending *head, *tail;
        bool stop, running;
        pthread_t thread;
        struct tk_store *st;
    } commit;
    /* analysis after the answer: a queue of stored bundles, judged by idle-priority threads */
    struct analyst {
        pthread_mutex_t m;
        pthread_cond_t work, done;
        struct queued *head, *tail;
        size_t n, held, held_bytes; /* queued; of those, with their bundle in hand */
        bool stop;
        pthread_t thread[ANALYSTS_MAX];
        size_t nthreads, started;
        char busy[ANALYSTS_MAX][40]; /* the organisation each thread is judging for, or "" */
    } analyst;
    atomic_bool stopping;
    struct tk_web *web; /* the campaign pages' sessions */
};

/* One request's state, from the first callback to the completion callback. */
struct req {
    struct tk_buf body;
    bool keep; /* an upload with a known token, or a form: its body is kept */
    struct tk_org org; /* an upload's organisation, found from its token before its body */
    char token_hash[TK_TOKEN_HASH_LEN + 1];
};

/* ---- store handles ----------------------------------------------------------------------- */

static void *pool_take(struct tk_server *s, struct pool *p)
{
    pthread_mutex_lock(&s->lock);
    void *x = p->n ? p->item[--p->n] : NULL;
    pthread_mutex_unlock(&s->lock);
    return x;
}

/* false: the pool is full and the caller frees x */
static bool pool_give(struct tk_server *s, struct pool *p, void *x)
{
    pthread_mutex_lock(&s->lock);
    bool kept = p->n < POOL_MAX;
    if (kept)
        p->item[p->n++] = x;
    pthread_mutex_unlock(&s->lock);
    return kept;
}

static struct tk_store *take_store(struct tk_server *s, struct tk_err *err)
{
    struct tk_store *st = pool_take(s, &s->stores);
    if (!st && tk_store_open(&st, s->data, err) != 0)
        return NULL;
    return st;
}

static void give_store(struct tk_server *s, struct tk_store *st)
{
    if (!pool_give(s, &s->stores, st))
        tk_store_close(st);
}

static struct tk_judge *take_judge(struct tk_server *s, struct tk_err *err)
{
    struct tk_judge *j = pool_take(s, &s->judges);
    struct tk_kb *kb;
    if (!j && !s->o.open_kb)
        tk_err_set(err, TK_EINVAL, "no knowledge base");
    else if (!j && s->o.open_kb(s->o.kb_ud, &kb, err) == 0 && tk_judge_new(&j, kb, err) != 0)
        j = NULL;
    return j;
}

static void give_judge(struct tk_server *s, struct tk_judge *j)
{
    if (!pool_give(s, &s->judges, j))
        tk_judge_free(j);
}

/* ---- group commit --------------------------------------------------------------------------
 * A commit with synchronous=FULL waits for the disk, and SQLite has one writer at a time: with
 * one transaction per upload, the disk's sync rate caps the upload rate. Handlers queue their
 * upload and wait; the committer stores everything queued so far in one transaction. */

struct pending {
    struct tk_put put;
    int rc;
    struct tk_err err;
    bool done;
    struct pending *next;
};

#define BATCH_MAX 256

static void *committer(void *arg)
{
    struct tk_server *s = arg;
    struct committer *c = &s->commit;
    pthread_mutex_lock(&c->m);
    for (;;) {
        while (!c->head && !c->stop)
            pthread_cond_wait(&c->work, &c->m);
        if (!c->head)
            break; /* stopping, and nothing left */
        struct pending *batch[BATCH_MAX];
        struct tk_put puts[BATCH_MAX];
        size_t n = 0;
        while (c->head && n < BATCH_MAX) {
            batch[n] = c->head;
            puts[n] = c->head->put;
            c->head = c->head->next;
            n++;
        }
        if (!c->head)
            c->tail = NULL;
        pthread_mutex_unlock(&c->m);
        struct tk_err err = { 0 };
        int rc = c->st->ops->put_batch(c->st, puts, n, &err);
        pthread_mutex_lock(&c->m);
        for (size_t i = 0; i < n; i++) {
            batch[i]->put.result = puts[i].result;
            batch[i]->rc = rc;
            batch[i]->err = err;
            batch[i]->done = true;
        }
        pthread_cond_broadcast(&c->done);
    }
    pthread_mutex_unlock(&c->m);
    return NULL;
}

/* Stores one item (an upload, or an analysis) through the committer; 0 or the batch's error,
 * and put->result. */
static int commit(struct tk_server *s, struct tk_put *put, struct tk_err *err)
{
    struct committer *c = &s->commit;
    struct pending p = { .put = *put };
    pthread_mutex_lock(&c->m);
    if (c->tail)
        c->tail->next = &p;
    else
        c->head = &p;
    c->tail = &p;
    pthread_cond_signal(&c->work);
    while (!p.done)
        pthread_cond_wait(&c->done, &c->m);
    pthread_mutex_unlock(&c->m);
    put->result = p.put.result;
    if (p.rc)
        *err = p.err;
    return p.rc;
}

static void committer_init(struct tk_server *s)
{
    struct committer *c = &s->commit;
    pthread_mutex_init(&c->m, NULL);
    pthread_cond_init(&c->work, NULL);
    pthread_cond_init(&c->done, NULL);
}

static int committer_start(struct tk_server *s, struct tk_err *err)
{
    struct committer *c = &s->commit;
    int rc = tk_store_open(&c->st, s->data, err);
    if (!rc && pthread_create(&c->thread, NULL, committer, s) != 0)
        rc = tk_err_set(err, TK_ENOMEM, "cannot start the commit thread");
    c->running = rc == 0;
    return rc;
}

/* After the daemon stopped: stores what is queued, then ends. */
static void committer_stop(struct tk_server *s)
{
    struct committer *c = &s->commit;
    if (c->running) {
        pthread_mutex_lock(&c->m);
        c->stop = true;
        pthread_cond_signal(&c->work);
        pthread_mutex_unlock(&c->m);
        pthread_join(c->thread, NULL);
    }
    tk_store_close(c->st);
    pthread_cond_destroy(&c->work);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->m);
}

static void analyst_enqueue(struct tk_server *s, const char *org_id, struct tk_bundle **b,
                            const struct tk_upload *u, size_t bytes);
static void analyst_catch_up(struct tk_server *s, const char *org_id);

/* ---- answers ----------------------------------------------------------------------------- */

/* A JSON answer; allow: the methods a 405 names in its Allow header (NULL otherwise). */
static enum MHD_Result answer_allow(struct MHD_Connection *c, unsigned status, const char *json,
                                    const char *allow)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (allow)
        MHD_add_response_header(r, "Allow", allow);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *json)
{
    return answer_allow(c, status, json, NULL);
}

/* {"error": msg} (msg escaped: it may quote the client's input) */
static enum MHD_Result error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    struct tk_buf b = TK_BUF_INIT(1 << 16);
    struct tk_json w;
    tk_json_init_buf(&w, &b, 0);
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, "error", msg);
    tk_json_obj_end(&w);
    tk_json_finish(&w);
    enum MHD_Result ok = answer(c, status, tk_buf_cstr(&b));
    tk_buf_release(&b);
    return ok;
}

static void client_address(struct MHD_Connection *c, char *out, size_t n)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

/* A log line: {"time": ..., then the caller's fields; line_end appends it to fp. */
static void line_begin(struct tk_json *w, struct tk_buf *b)
{
    char when[32];
    tk_time_iso8601(tk_time_now(), when);
    tk_json_init_buf(w, b, 0);
    tk_json_obj_begin(w);
    tk_json_kstr(w, "time", when);
}

static void line_end(struct tk_server *s, FILE *fp, struct tk_json *w, struct tk_buf *b)
{
    tk_json_obj_end(w);
    if (tk_json_finish(w) == 0) {
        pthread_mutex_lock(&s->lock);
        fprintf(fp, "%s\n", tk_buf_cstr(b));
        fflush(fp);
        pthread_mutex_unlock(&s->lock);
    }
    tk_buf_release(b);
}

static void log_access(struct tk_server *s, struct MHD_Connection *c, const char *method,
                       const char *url, unsigned status, const char *org, const char *note)
{
    if (!s->o.access_log)
        return;
    char addr[INET6_ADDRSTRLEN];
    client_address(c, addr, sizeof addr);
    struct tk_buf b = TK_BUF_INIT(1 << 16);
    struct tk_json w;
    line_begin(&w, &b);
    tk_json_kstr(&w, "client", addr);
    tk_json_kstr(&w, "method", method);
    tk_json_kstr(&w, "path", url);
    tk_json_kint(&w, "status", status);
    tk_json_kstr_opt(&w, "org", org);
    tk_json_kstr_opt(&w, "note", note);
    line_end(s, s->o.access_log, &w, &b);
}

/* One JSON line in the error log: what failed, with the organisation and bundle concerned. */
static void log_error(struct tk_server *s, const char *what, const char *org, const char *bundle,
                      const char *msg)
{
    if (!s->o.error_log)
        return;
    struct tk_buf b = TK_BUF_INIT(1 << 16);
    struct tk_json w;
    line_begin(&w, &b);
    tk_json_kstr(&w, "level", "error");
    tk_json_kstr(&w, "what", what);
    tk_json_kstr_opt(&w, "org", org);
    tk_json_kstr_opt(&w, "bundle_id", bundle);
    tk_json_kstr(&w, "message", msg);
    line_end(s, s->o.error_log, &w, &b);
}

static bool same_address(const char *a, const char *b)
{
    struct tk_ip x, y;
    if (!tk_ip_parse(tk_str_c(a), &x) || !tk_ip_parse(tk_str_c(b), &y))
        return false;
    tk_ip_unmap(&x);
    tk_ip_unmap(&y);
    return x.family == y.family && memcmp(x.b, y.b, 16) == 0;
}

static bool is_trusted_proxy(const struct tk_server *s, const char *addr)
{
    for (size_t i = 0; i < s->o.ntrusted; i++)
        if (same_address(addr, s->o.trusted_proxies[i]))
            return true;
    return false;
}

/* The address an upload came from: the peer's, or behind a trusted reverse proxy the last
 * address X-Forwarded-For names (the one the proxy itself appended). */
static void upload_source(struct tk_server *s, struct MHD_Connection *c, char *out, size_t n)
{
    client_address(c, out, n);
    bool trusted = is_trusted_proxy(s, out);
    const char *xff =
        trusted ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For") : NULL;
    if (!xff)
        return;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ' || *last == '\t')
        last++;
    char addr[INET6_ADDRSTRLEN];
    size_t len = strcspn(last, " \t");
    unsigned char bin[16];
    if (len == 0 || len >= sizeof addr)
        return;
    memcpy(addr, last, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1)
        snprintf(out, n, "%s", addr);
}

/* The opt-in probe of the address an upload came from, into probe (stored with the bundle;
 * judging reads it there). */
static void probe_upload(struct tk_server *s, const struct tk_org *org, const char *source,
                         char probe[64])
{
    struct tk_reach reach = { .source = source[0] ? source : NULL };
    /* a proxy that did not say whom it forwards for is not the PC: never probe it */
    if (org->probe && reach.source && !is_trusted_proxy(s, source))
        tk_probe_ports(source, s->o.probe_smb, s->o.probe_rdp, s->o.probe_timeout_ms, &reach);
    tk_reach_format_probes(&reach, probe, 64);
}

/* ---- upload ------------------------------------------------------------------------------ */

/* An answer decided along the way: status, message (error) or body (success), and the note
 * for the access log. */
struct verdict {
    unsigned status;
    char text[640];
    bool json; /* text is the JSON body, not an error message */
};

static void verdict(struct verdict *v, unsigned status, const char *msg)
{
    v->status = status;
    snprintf(v->text, sizeof v->text, "%s", msg);
}

/* Everything after authentication: decode, read, store. */
static void receive(struct tk_server *s, struct MHD_Connection *c, struct req *r,
                    struct tk_store *st, const struct tk_org *org, struct verdict *v)
{
    struct tk_err err = { 0 };
    struct tk_buf plain = TK_BUF_INIT(s->o.max_body);
    const struct tk_buf *json = &r->body;
    const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
    if (enc && strcmp(enc, "gzip") != 0 && strcmp(enc, "identity") != 0) {
        verdict(v, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip (or none)");
        return;
    }
    bool gz = (enc && strcmp(enc, "gzip") == 0) ||
              (r->body.len >= 2 && (unsigned char)r->body.ptr[0] == 0x1f &&
               (unsigned char)r->body.ptr[1] == 0x8b);
    struct tk_bundle *b = NULL; /* on the heap: an analyst may take it over */
    int rc = gz ? tk_gunzip(r->body.ptr, r->body.len, &plain) : 0;
    if (rc) {
        verdict(v, rc == TK_ELIMIT ? 413 : MHD_HTTP_BAD_REQUEST,
                rc == TK_ELIMIT ? "the bundle is larger than this server accepts once "
                                  "decompressed"
                                : "the gzip stream is corrupt or truncated");
        goto out;
    }
    if (gz)
        json = &plain;
    if (!(b = tk_malloc(sizeof *b)) || tk_bundle_init(b, &err) != 0) {
        tk_free(b);
        b = NULL;
        verdict(v, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        goto out;
    }
    if (tk_bundle_read_json(b, json->ptr ? json->ptr : "", json->len, "bundle", &err) != 0) {
        verdict(v, MHD_HTTP_BAD_REQUEST, err.msg);
        goto out;
    }
    if (!b->host.endpoint_id) {
        verdict(v, MHD_HTTP_BAD_REQUEST,
                "bundle: /host/endpoint_id: missing (the scanned "
                "system has no machine id)");
        goto out;
    }
    char source[INET6_ADDRSTRLEN];
    upload_source(s, c, source, sizeof source);
    int64_t now = tk_time_now();
    struct tk_upload u = {
        .bundle_id = b->bundle_id,
        .endpoint_id = b->host.endpoint_id,
        .hostname = b->host.hostname,
        .source = source,
        .received = now,
        /* the PC's clock decides "newest" only up to the server's own time */
        .collected = b->host.started < now ? b->host.started : now,
        /* kept as it came: a gzip body is a tenth of its JSON (inflated again to judge it) */
        .json = r->body.ptr,
        .json_len = r->body.len,
        .gzip = gz,
        .token_hash = r->token_hash,
    };
    char probe[64] = "";
    probe_upload(s, org, source, probe);
    u.probe = probe;
    struct tk_put put = { .org_id = org->id, .u = &u, .result = TK_UPLOAD_STORED };
    if (commit(s, &put, &err) != 0) {
        log_error(s, "store", org->id, b->bundle_id, err.msg);
        verdict(v, MHD_HTTP_INTERNAL_SERVER_ERROR, "the bundle could not be stored");
    } else if (put.result == TK_UPLOAD_REFUSED) {
        verdict(v, MHD_HTTP_FORBIDDEN,
                "this organisation no longer accepts uploads with this token");
    } else if (put.result == TK_UPLOAD_ID_TAKEN) {
        verdict(v, MHD_HTTP_CONFLICT, "this bundle id is taken: scan again for a new one");
    } else if (put.result == TK_UPLOAD_ENDPOINT_CAP) {
        v->status = MHD_HTTP_CONFLICT;
        snprintf(v->text, sizeof v->text,
                 "this organisation's limit of %d endpoints is "
                 "reached",
                 org->max_endpoints);
    } else {
        bool dup = put.result == TK_UPLOAD_DUPLICATE;
        v->status = dup ? MHD_HTTP_OK : MHD_HTTP_CREATED;
        v->json = true;
        snprintf(v->text, sizeof v->text, "{\"status\":\"%s\",\"bundle_id\":\"%s\"}",
                 dup ? "duplicate" : "stored", b->bundle_id);
        if (!dup) /* judged after the answer */
            analyst_enqueue(s, org->id, &b, &u, json->len);
    }
out:
    if (b) {
        tk_bundle_release(b);
        tk_free(b);
    }
    tk_buf_release(&plain);
}

/* An upload's token, checked as soon as the headers are in, so that no body is read for a
 * token that is not an organisation's: org filled in, or v holds the refusal. */
static void upload_auth(struct tk_server *s, struct MHD_Connection *c, struct tk_org *org,
                        char hash[TK_TOKEN_HASH_LEN + 1], struct verdict *v)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *token = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
    struct tk_err err = { 0 };
    struct tk_store *st = NULL;
    if (!token || !tk_token_valid(token)) {
        verdict(v, MHD_HTTP_UNAUTHORIZED,
                "an enrollment token is required "
                "(Authorization: Bearer TOKEN)");
    } else if (!(st = take_store(s, &err))) {
        verdict(v, MHD_HTTP_SERVICE_UNAVAILABLE, "the store is not available");
    } else {
        tk_token_hash(token, hash);
        int rc = st->ops->org_by_token(st, hash, org, &err);
        if (rc)
            verdict(v, rc == TK_ENOENT ? MHD_HTTP_UNAUTHORIZED : MHD_HTTP_INTERNAL_SERVER_ERROR,
                    rc == TK_ENOENT ? "unknown token" : "the store failed");
        else if (org->disabled)
            verdict(v, MHD_HTTP_FORBIDDEN, "this organisation does not accept uploads");
        give_store(s, st);
    }
}

static enum MHD_Result upload(struct tk_server *s, struct MHD_Connection *c, struct req *r,
                              const char *url)
{
    struct verdict v = { 0 };
    struct tk_err err = { 0 };
    struct tk_store *st = take_store(s, &err);
    if (!st)
        verdict(&v, MHD_HTTP_SERVICE_UNAVAILABLE, "the store is not available");
    else
        receive(s, c, r, st, &r->org, &v);
    if (st)
        give_store(s, st);
    log_access(s, c, "POST", url, v.status, r->org.id, v.json ? NULL : v.text);
    return v.json ? answer(c, v.status, v.text) : error(c, v.status, v.text);
}

/* ---- reports ------------------------------------------------------------------------------ */

/* "/api/v1/orgs/{id}/report" -> id (a UUID's shape), else false. */
static bool report_path(const char *url, char id[40])
{
    static const char pre[] = "/api/v1/orgs/", post[] = "/report";
    if (strncmp(url, pre, sizeof pre - 1) != 0)
        return false;
    const char *p = url + sizeof pre - 1;
    size_t n = strspn(p, "0123456789abcdef-");
    if (n != 36 || strcmp(p + n, post) != 0)
        return false;
    memcpy(id, p, n);
    id[n] = '\0';
    return true;
}

/* The organisation's bundles still queued are judged first: a report never shows an upload
 * that is stored but not analysed only because the analysts were idle-waiting. */
static void make_report(struct tk_server *s, struct tk_store *st, const struct tk_org *org,
                        enum tk_report_format fmt, enum tk_lang lang, struct tk_buf *out,
                        struct verdict *v)
{
    struct tk_err err = { 0 };
    analyst_catch_up(s, org->id);
    if (tk_org_report(st, org, fmt, lang, out, &err) != 0) {
        verdict(v, MHD_HTTP_INTERNAL_SERVER_ERROR, "the report could not be made");
        log_error(s, "report", org->id, NULL, err.msg);
    } else {
        v->status = MHD_HTTP_OK;
    }
}

static enum MHD_Result report(struct tk_server *s, struct MHD_Connection *c, const char *method,
                              const char *url, const char *org_id)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *key = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
    const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    const char *l = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    enum tk_report_format fmt = TK_REPORT_HTML;
    enum tk_lang lang = TK_LANG_JA;
    struct verdict v = { 0 };
    struct tk_err err = { 0 };
    struct tk_store *st = NULL;
    struct tk_buf out = TK_BUF_INIT((size_t)1 << 30);
    bool allowed = false;
    struct tk_org org;
    if (!key || !tk_token_valid(key)) {
        verdict(&v, MHD_HTTP_UNAUTHORIZED,
                "an analyst key is required (Authorization: "
                "Bearer KEY)");
    } else if ((f && tk_report_format_parse(f, &fmt) != 0) || (l && tk_lang_parse(l, &lang) != 0)) {
        verdict(&v, MHD_HTTP_BAD_REQUEST, "format must be html, json or csv and lang en or ja");
    } else if (!(st = take_store(s, &err))) {
        verdict(&v, MHD_HTTP_SERVICE_UNAVAILABLE, "the store is not available");
    } else {
        char hash[TK_TOKEN_HASH_LEN + 1];
        tk_token_hash(key, hash);
        int rc = st->ops->key_allows(st, hash, org_id, &allowed, &err);
        if (rc == TK_ENOENT)
            verdict(&v, MHD_HTTP_UNAUTHORIZED, "unknown key");
        else if (rc)
            verdict(&v, MHD_HTTP_INTERNAL_SERVER_ERROR, "the store failed");
        else if (!allowed || st->ops->org_get(st, org_id, &org, &err) != 0)
            verdict(&v, MHD_HTTP_NOT_FOUND, "no such organisation for this key");
        else
            make_report(s, st, &org, fmt, lang, &out, &v);
        give_store(s, st);
    }
    log_access(s, c, method, url, v.status, allowed ? org_id : NULL,
               v.status == MHD_HTTP_OK ? NULL : v.text);
    enum MHD_Result ok;
    if (v.status != MHD_HTTP_OK) {
        ok = error(c, v.status, v.text);
    } else {
        size_t len = out.len; /* handed over, not copied: a report may be large */
        char *doc = tk_buf_detach(&out);
        struct MHD_Response *r =
            doc ? MHD_create_response_from_buffer_with_free_callback(len, doc, tk_free) : NULL;
        if (!r)
            tk_free(doc);
        ok = MHD_NO;
        if (r) {
            MHD_add_response_header(r, "Content-Type", tk_report_content_type(fmt));
            MHD_add_response_header(r, "Cache-Control", "no-store");
            MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
            ok = MHD_queue_response(c, MHD_HTTP_OK, r);
            MHD_destroy_response(r);
        }
    }
    tk_buf_release(&out);
    return ok;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct tk_server *s = cls;
    bool post = strcmp(method, "POST") == 0;
    if (!*con_cls) { /* first call: headers only */
        struct req *r = tk_calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        bool form = post && tk_web_wants(url);
        size_t max = form ? TK_WEB_MAX_FORM : s->o.max_body;
        tk_buf_init(&r->body, max);
        *con_cls = r;
        r->keep = form;
        if (post && strcmp(url, "/api/v1/bundles") == 0) { /* the token before the body */
            struct verdict v = { 0 };
            upload_auth(s, c, &r->org, r->token_hash, &v);
            if (v.status) {
                log_access(s, c, method, url, v.status, r->org.id[0] ? r->org.id : NULL, v.text);
                return error(c, v.status, v.text);
            }
            r->keep = true;
        }
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        unsigned long long declared = len ? strtoull(len, NULL, 10) : 0;
        if (post && declared > max) {
            log_access(s, c, method, url, 413, NULL, "Content-Length");
            return error(c, 413,
                         form ? "the form is larger than 64 KiB"
                              : "the bundle is larger than this server accepts");
        }
        /* room for the body told, in one allocation (a failure here is retried per piece) */
        if (r->keep && declared)
            (void)tk_buf_reserve(&r->body, declared < 16u << 20 ? (size_t)declared : 16u << 20);
        return MHD_YES;
    }
    struct req *r = *con_cls;
    if (*upload_data_size) { /* body, in pieces: kept only for an upload with a token */
        if (r->keep && tk_buf_add(&r->body, upload_data, *upload_data_size) != 0) {
            /* past the bound (no Content-Length told us before): close, read no more */
            log_access(s, c, method, url, 413, NULL, "body past --max-body");
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(url, "/api/v1/bundles") == 0) {
        if (!post) {
            log_access(s, c, method, url, 405, NULL, NULL);
            return answer_allow(c, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\":\"use POST\"}",
                                "POST");
        }
        return upload(s, c, r, url);
    }
    if (tk_web_wants(url)) {
        struct tk_err err = { 0 };
        struct tk_store *st = take_store(s, &err);
        if (!st) {
            log_access(s, c, method, url, 503, NULL, "the store is not available");
            return error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store is not available");
        }
        unsigned status = 0;
        char who[65];
        enum MHD_Result ok =
            tk_web_handle(s->web, st, c, method, url, r->body.ptr, r->body.len, &status, who);
        give_store(s, st);
        log_access(s, c, method, url, status, NULL, who[0] ? who : NULL);
        return ok;
    }
    char org_id[40];
    bool health = strcmp(url, "/api/v1/health") == 0;
    if (health || report_path(url, org_id)) {
        if (!get) {
            log_access(s, c, method, url, 405, NULL, NULL);
            return answer_allow(c, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\":\"use GET\"}",
                                "GET, HEAD");
        }
        return health ? answer(c, MHD_HTTP_OK, "{\"status\":\"ok\"}")
                      : report(s, c, method, url, org_id);
    }
    log_access(s, c, method, url, 404, NULL, NULL);
    return error(c, MHD_HTTP_NOT_FOUND, "no such resource");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    struct req *r = *con_cls;
    if (!r)
        return;
    tk_buf_release(&r->body);
    tk_free(r);
    *con_cls = NULL;
}

/* ---- analysis after the answer -------------------------------------------------------------
 * An upload is answered once it is stored; judging it (judge.c) follows here. The
 * analysts run at the lowest CPU priority, so a stream of uploads is not slowed by the judging
 * it causes: they catch up when the stream pauses. A report does not wait for idle time: it
 * first judges its own organisation's queued bundles itself (analyst_catch_up). At start,
 * every bundle stored but not judged (the server stopped in between) is queued again. */

/* A bundle to judge: by id (read from the store), or, for one just received while fewer
 * than HELD_MAX bundles of HELD_BYTES of JSON in all are held, the bundle as the upload
 * read it, with what the upload showed. */
struct queued {
    struct queued *next;
    char org[40], id[40];
    struct tk_bundle *b;
    size_t bytes; /* b's JSON, counted against HELD_BYTES */
    char source[INET6_ADDRSTRLEN], probe[64];
    int64_t received;
};

/* Caller holds a->m; false when the queue is full or memory is short: the bundle then stays
 * pending until its organisation's next report or the next start. With *held, the queue
 * takes the bundle (and sets *held to NULL) if it may hold one more. */
static bool analyst_push(struct analyst *a, const char *org_id, const char *bundle_id,
                         struct tk_bundle **held, const struct tk_upload *u, size_t bytes)
{
    struct queued *q = a->n < QUEUE_MAX ? tk_calloc(1, sizeof *q) : NULL;
    if (!q)
        return false;
    snprintf(q->org, sizeof q->org, "%s", org_id);
    snprintf(q->id, sizeof q->id, "%s", bundle_id);
    if (held && *held && a->held < HELD_MAX && bytes <= HELD_BYTES - a->held_bytes) {
        q->b = *held;
        *held = NULL;
        q->bytes = bytes;
        a->held_bytes += bytes;
        snprintf(q->source, sizeof q->source, "%s", u->source ? u->source : "");
        snprintf(q->probe, sizeof q->probe, "%s", u->probe ? u->probe : "");
        q->received = u->received;
        a->held++;
    }
    if (a->tail)
        a->tail->next = q;
    else
        a->head = q;
    a->tail = q;
    a->n++;
    return true;
}

/* Frees a queued entry taken off the queue (and its bundle, if held). */
static void queued_free(struct analyst *a, struct queued *q)
{
    if (q->b) {
        tk_bundle_release(q->b);
        tk_free(q->b);
        pthread_mutex_lock(&a->m);
        a->held--;
        a->held_bytes -= q->bytes;
        pthread_mutex_unlock(&a->m);
    }
    tk_free(q);
}

static void analyst_enqueue(struct tk_server *s, const char *org_id, struct tk_bundle **b,
                            const struct tk_upload *u, size_t bytes)
{
    struct analyst *a = &s->analyst;
    pthread_mutex_lock(&a->m);
    if (analyst_push(a, org_id, u->bundle_id, b, u, bytes))
        pthread_cond_signal(&a->work);
    pthread_mutex_unlock(&a->m);
}

/* Judges one queued bundle with the caller's handles, taken on first use; its analysis is
 * stored through the committer, in the same transactions as the uploads. */
static void judge_queued(struct tk_server *s, struct tk_store **st, struct tk_judge **j,
                         struct queued *q)
{
    struct tk_err err = { 0 };
    struct tk_buf digest = TK_BUF_INIT((size_t)256 << 20);
    char probe[64];
    if (!q->b && !*st)
        *st = take_store(s, &err);
    if (!*j)
        *j = take_judge(s, &err);
    int rc = TK_EIO;
    if (*j && q->b) {
        rc = tk_judge_upload(*j, q->b, q->source, q->probe, q->received, &digest, &err);
        snprintf(probe, sizeof probe, "%s", q->probe);
    } else if (*j && *st) {
        rc = tk_judge_read(*j, *st, q->id, &digest, probe, &err);
    }
    if (!rc) {
        struct tk_put put = {
            .bundle_id = q->id, .probe = probe, .digest = digest.ptr, .digest_len = digest.len,
        };
        rc = commit(s, &put, &err);
    }
    if (rc)
        log_error(s, "analysis", q->org, q->id, err.msg[0] ? err.msg : "out of memory");
    tk_buf_release(&digest);
}

static void give_handles(struct tk_server *s, struct tk_store *st, struct tk_judge *j)
{
    if (j)
        give_judge(s, j);
    if (st)
        give_store(s, st);
}

static void *analyst_run(void *arg)
{
    struct tk_server *s = arg;
    struct analyst *a = &s->analyst;
#ifdef __linux__
    setpriority(PRIO_PROCESS, (id_t)gettid(), 19); /* this thread only; best effort */
#endif
    struct tk_store *st = NULL;
    struct tk_judge *j = NULL;
    pthread_mutex_lock(&a->m);
    size_t me = a->started++;
    for (;;) {
        while (!a->head && !a->stop)
            pthread_cond_wait(&a->work, &a->m);
        if (a->stop)
            break;
        struct queued *q = a->head;
        if (!(a->head = q->next))
            a->tail = NULL;
        a->n--;
        snprintf(a->busy[me], sizeof a->busy[me], "%s", q->org);
        pthread_mutex_unlock(&a->m);
        judge_queued(s, &st, &j, q);
        queued_free(a, q);
        pthread_mutex_lock(&a->m);
        a->busy[me][0] = '\0';
        pthread_cond_broadcast(&a->done);
    }
    pthread_mutex_unlock(&a->m);
    give_handles(s, st, j);
    return NULL;
}

/* Before a report: judges org's queued bundles in this thread, at the request's priority,
 * then waits for any an analyst is judging at that moment. */
static void analyst_catch_up(struct tk_server *s, const char *org_id)
{
    struct analyst *a = &s->analyst;
    struct queued *mine = NULL, **end = &mine;
    pthread_mutex_lock(&a->m);
    struct queued **pp = &a->head;
    a->tail = NULL;
    while (*pp) {
        struct queued *q = *pp;
        if (strcmp(q->org, org_id) == 0) {
            *pp = q->next;
            q->next = NULL;
            *end = q;
            end = &q->next;
            a->n--;
        } else {
            a->tail = q;
            pp = &q->next;
        }
    }
    pthread_mutex_unlock(&a->m);
    struct tk_store *st = NULL;
    struct tk_judge *j = NULL;
    while (mine) {
        struct queued *q = mine;
        mine = q->next;
        if (!s->stopping)
            judge_queued(s, &st, &j, q);
        queued_free(a, q);
    }
    give_handles(s, st, j);
    pthread_mutex_lock(&a->m);
    for (bool busy = true; busy;) {
        busy = false;
        for (size_t i = 0; i < a->nthreads; i++)
            busy |= strcmp(a->busy[i], org_id) == 0;
        if (busy)
            pthread_cond_wait(&a->done, &a->m);
    }
    pthread_mutex_unlock(&a->m);
}

static int gather_org(void *ud, const struct tk_org *o)
{
    return tk_id_list_add(ud, o->id);
}

/* Queues every stored bundle not judged yet, organisation by organisation, oldest first. */
static int analyst_requeue(struct tk_server *s, struct tk_store *st, struct tk_err *err)
{
    struct tk_id_list orgs = { 0 };
    int rc = st->ops->org_list(st, gather_org, &orgs, err);
    for (size_t i = 0; i < orgs.n && !rc; i++) {
        struct tk_id_list ids = { 0 };
        rc = st->ops->bundle_ids(st, orgs.id[i], true, tk_id_list_add, &ids, err);
        pthread_mutex_lock(&s->analyst.m);
        for (size_t k = 0; k < ids.n && !rc; k++)
            analyst_push(&s->analyst, orgs.id[i], ids.id[k], NULL, NULL, 0);
        pthread_mutex_unlock(&s->analyst.m);
        tk_id_list_release(&ids);
    }
    tk_id_list_release(&orgs);
    if (rc && !err->msg[0])
        tk_err_set(err, rc, "out of memory while listing the bundles not analysed yet");
    return rc;
}

static void analyst_init(struct tk_server *s)
{
    struct analyst *a = &s->analyst;
    pthread_mutex_init(&a->m, NULL);
    pthread_cond_init(&a->work, NULL);
    pthread_cond_init(&a->done, NULL);
}

static void analyst_start(struct tk_server *s)
{
    struct analyst *a = &s->analyst;
    int ncpu = tk_sys_ncpu();
    size_t want = ncpu < 1 ? 1 : ncpu > ANALYSTS_MAX ? ANALYSTS_MAX : (size_t)ncpu;
    pthread_mutex_lock(&a->m);
    while (a->nthreads < want && pthread_create(&a->thread[a->nthreads], NULL, analyst_run, s) == 0)
        a->nthreads++;
    pthread_mutex_unlock(&a->m);
}

/* After the daemon stopped: the threads finish the bundle in hand; the rest stays pending in
 * the store, queued again by the next start. */
static void analyst_stop(struct tk_server *s)
{
    struct analyst *a = &s->analyst;
    pthread_mutex_lock(&a->m);
    a->stop = true;
    pthread_cond_broadcast(&a->work);
    pthread_mutex_unlock(&a->m);
    for (size_t i = 0; i < a->nthreads; i++)
        pthread_join(a->thread[i], NULL);
    while (a->head) {
        struct queued *q = a->head;
        a->head = q->next;
        queued_free(a, q);
    }
    pthread_cond_destroy(&a->work);
    pthread_cond_destroy(&a->done);
    pthread_mutex_destroy(&a->m);
}

int tk_server_start(struct tk_server **out, const struct tk_server_opts *o, struct tk_err *err)
{
    *out = NULL;
    struct tk_server *s = tk_calloc(1, sizeof *s);
    if (!s)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    s->o = *o;
    if (!s->o.max_body)
        s->o.max_body = TK_SERVER_DEFAULT_MAX_BODY;
    if (!s->o.timeout_s)
        s->o.timeout_s = TK_SERVER_DEFAULT_TIMEOUT;
    if (!s->o.threads) /* more than cores: a thread waiting for fsync leaves its core to another */
        s->o.threads = 4 * (tk_sys_ncpu() > 0 ? tk_sys_ncpu() : 2);
    if (!s->o.probe_smb)
        s->o.probe_smb = 445;
    if (!s->o.probe_rdp)
        s->o.probe_rdp = 3389;
    if (!s->o.probe_timeout_ms)
        s->o.probe_timeout_ms = TK_PROBE_DEFAULT_TIMEOUT_MS;
    snprintf(s->data, sizeof s->data, "%s", o->data);
    pthread_mutex_init(&s->lock, NULL);
    committer_init(s);
    analyst_init(s);
    if (tk_web_new(&s->web, o->cert_pem != NULL) != 0) {
        tk_server_stop(s);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    /* the knowledge base must open (a first judge, kept for the analysts), and the store
     * open (and migrate), before the first request */
    struct tk_judge *j = take_judge(s, err);
    if (!j) {
        tk_server_stop(s);
        return err->code ? err->code : TK_ENOMEM;
    }
    give_judge(s, j);
    struct tk_store *st;
    int rc = tk_store_open(&st, s->data, err);
    if (rc) {
        tk_server_stop(s);
        return rc;
    }
    rc = analyst_requeue(s, st, err);
    give_store(s, st);
    if (rc || (rc = committer_start(s, err)) != 0) {
        tk_server_stop(s);
        return rc;
    }
    const char *host = o->host ? o->host : "127.0.0.1";
    struct sockaddr_storage ss = { 0 };
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)o->port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)o->port);
        flags |= MHD_USE_IPv6;
    } else {
        tk_server_stop(s);
        return tk_err_set(err, TK_EINVAL, "--listen: '%s' is not a numeric IP address", host);
    }
    struct MHD_OptionItem tls[] = {
        { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->key_pem },
        { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->cert_pem },
        { MHD_OPTION_END, 0, NULL },
    };
    if (o->cert_pem)
        flags |= MHD_USE_TLS;
    else
        tls[0].option = MHD_OPTION_END;
    s->d = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->o.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)s->o.timeout_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(256 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
    if (!s->d) {
        tk_server_stop(s);
        return tk_err_set(err, TK_EIO, "cannot listen on %s port %d (in use, not allowed%s)", host,
                          o->port,
                          o->cert_pem ? ", or the certificate and key do not "
                                        "load or match"
                                      : "");
    }
    analyst_start(s);
    *out = s;
    return 0;
}

int tk_server_port(const struct tk_server *s)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : -1;
}

void tk_server_stop(struct tk_server *s)
{
    if (!s)
        return;
    s->stopping = true;
    if (s->d)
        MHD_stop_daemon(s->d);
    analyst_stop(s);
    committer_stop(s);
    for (size_t i = 0; i < s->stores.n; i++)
        tk_store_close(s->stores.item[i]);
    for (size_t i = 0; i < s->judges.n; i++)
        tk_judge_free(s->judges.item[i]);
    pthread_mutex_destroy(&s->lock);
    tk_web_free(s->web);
    tk_free(s);
}
