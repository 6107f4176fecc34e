/* server.c - the upload API on libmicrohttpd (see server.h). */
#include "server/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <zlib.h>

#include "bundle/bundle.h"
#include "bundle/bundle_read.h"
#include "compat/sys.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/time.h"
#include "store/store.h"
#include "store/token.h"

#define POOL_MAX 64

struct tk_server {
    struct MHD_Daemon *d;
    struct tk_server_opts o;
    char data[4096];
    pthread_mutex_t lock; /* pool, access log */
    struct tk_store *pool[POOL_MAX];
    size_t npool;
};

/* One request's state, from the first callback to the completion callback. */
struct req {
    struct tk_buf body;
    bool too_large;
};

/* ---- store handles ----------------------------------------------------------------------- */

static struct tk_store *take_store(struct tk_server *s, struct tk_err *err)
{
    pthread_mutex_lock(&s->lock);
    struct tk_store *st = s->npool ? s->pool[--s->npool] : NULL;
    pthread_mutex_unlock(&s->lock);
    if (!st && tk_store_open(&st, s->data, err) != 0)
        return NULL;
    return st;
}

static void give_store(struct tk_server *s, struct tk_store *st)
{
    pthread_mutex_lock(&s->lock);
    if (s->npool < POOL_MAX) {
        s->pool[s->npool++] = st;
        st = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    tk_store_close(st);
}

/* ---- answers ----------------------------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *json)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
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

static void log_access(struct tk_server *s, struct MHD_Connection *c, const char *method,
                       const char *url, unsigned status, const char *org, const char *note)
{
    if (!s->o.access_log)
        return;
    char addr[INET6_ADDRSTRLEN];
    client_address(c, addr, sizeof addr);
    char when[32];
    tk_time_iso8601(tk_time_now(), when);
    struct tk_buf b = TK_BUF_INIT(1 << 16);
    struct tk_json w;
    tk_json_init_buf(&w, &b, 0);
    tk_json_obj_begin(&w);
    tk_json_kstr(&w, "time", when);
    tk_json_kstr(&w, "client", addr);
    tk_json_kstr(&w, "method", method);
    tk_json_kstr(&w, "path", url);
    tk_json_kint(&w, "status", status);
    if (org)
        tk_json_kstr(&w, "org", org);
    if (note)
        tk_json_kstr(&w, "note", note);
    tk_json_obj_end(&w);
    tk_json_finish(&w);
    pthread_mutex_lock(&s->lock);
    fprintf(s->o.access_log, "%s\n", tk_buf_cstr(&b));
    fflush(s->o.access_log);
    pthread_mutex_unlock(&s->lock);
    tk_buf_release(&b);
}

/* ---- upload ------------------------------------------------------------------------------ */

/* gzip -> out, bounded by out->max (a decompression bomb stops there). */
static int gunzip(const struct tk_buf *in, struct tk_buf *out)
{
    z_stream z = { 0 };
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return TK_ENOMEM;
    z.next_in = (Bytef *)in->ptr;
    z.avail_in = (uInt)in->len;
    unsigned char chunk[65536];
    int zr = Z_OK, rc = 0;
    while (zr != Z_STREAM_END && !rc) {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END) {
            rc = TK_EPARSE;
            break;
        }
        if (tk_buf_add(out, chunk, sizeof chunk - z.avail_out) != 0)
            rc = TK_ELIMIT;
        if (zr == Z_OK && z.avail_in == 0 && z.avail_out != 0)
            rc = TK_EPARSE; /* truncated */
    }
    inflateEnd(&z);
    return rc;
}

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
    bool gz = (enc && strcmp(enc, "gzip") == 0) ||
              (r->body.len >= 2 && (unsigned char)r->body.ptr[0] == 0x1f &&
               (unsigned char)r->body.ptr[1] == 0x8b);
    struct tk_bundle b;
    bool have_bundle = false;
    int rc = gz ? gunzip(&r->body, &plain) : 0;
    if (rc) {
        verdict(v, rc == TK_ELIMIT ? 413 : MHD_HTTP_BAD_REQUEST,
                rc == TK_ELIMIT ? "the bundle is larger than this server accepts once "
                                  "decompressed"
                                : "the gzip stream is corrupt or truncated");
        goto out;
    }
    if (gz)
        json = &plain;
    if (tk_bundle_init(&b, &err) != 0) {
        verdict(v, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        goto out;
    }
    have_bundle = true;
    if (tk_bundle_read_json(&b, json->ptr ? json->ptr : "", json->len, "bundle", &err) != 0) {
        verdict(v, MHD_HTTP_BAD_REQUEST, err.msg);
        goto out;
    }
    if (!b.host.endpoint_id) {
        verdict(v, MHD_HTTP_BAD_REQUEST, "bundle: /host/endpoint_id: missing (the scanned "
                                         "system has no machine id)");
        goto out;
    }
    char source[INET6_ADDRSTRLEN];
    client_address(c, source, sizeof source);
    struct tk_upload u = {
        .bundle_id = b.bundle_id,
        .endpoint_id = b.host.endpoint_id,
        .hostname = b.host.hostname,
        .source = source,
        .received = tk_time_now(),
        .collected = b.host.started,
        .json = json->ptr,
        .json_len = json->len,
    };
    enum tk_upload_result result = TK_UPLOAD_STORED;
    if (st->ops->bundle_put(st, org->id, &u, &result, &err) != 0) {
        verdict(v, MHD_HTTP_INTERNAL_SERVER_ERROR, "the bundle could not be stored");
    } else if (result == TK_UPLOAD_ENDPOINT_CAP) {
        v->status = MHD_HTTP_CONFLICT;
        snprintf(v->text, sizeof v->text, "this organisation's limit of %d endpoints is "
                 "reached", org->max_endpoints);
    } else {
        bool dup = result == TK_UPLOAD_DUPLICATE;
        v->status = dup ? MHD_HTTP_OK : MHD_HTTP_CREATED;
        v->json = true;
        snprintf(v->text, sizeof v->text, "{\"status\":\"%s\",\"bundle_id\":\"%s\"}",
                 dup ? "duplicate" : "stored", b.bundle_id);
    }
out:
    if (have_bundle)
        tk_bundle_release(&b);
    tk_buf_release(&plain);
}

static enum MHD_Result upload(struct tk_server *s, struct MHD_Connection *c, struct req *r,
                              const char *url)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *token = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
    struct verdict v = { 0 };
    struct tk_org org = { .id = "" };
    struct tk_err err = { 0 };
    struct tk_store *st = NULL;
    if (!token || !tk_token_valid(token)) {
        verdict(&v, MHD_HTTP_UNAUTHORIZED, "an enrollment token is required "
                                           "(Authorization: Bearer TOKEN)");
    } else if (r->too_large) {
        verdict(&v, 413, "the bundle is larger than this server accepts");
    } else if (!(st = take_store(s, &err))) {
        verdict(&v, MHD_HTTP_SERVICE_UNAVAILABLE, "the store is not available");
    } else {
        char hash[TK_TOKEN_HASH_LEN + 1];
        tk_token_hash(token, hash);
        int rc = st->ops->org_by_token(st, hash, &org, &err);
        if (rc)
            verdict(&v, rc == TK_ENOENT ? MHD_HTTP_UNAUTHORIZED : MHD_HTTP_INTERNAL_SERVER_ERROR,
                    rc == TK_ENOENT ? "unknown token" : "the store failed");
        else if (org.disabled)
            verdict(&v, MHD_HTTP_FORBIDDEN, "this organisation does not accept uploads");
        else
            receive(s, c, r, st, &org, &v);
        give_store(s, st);
    }
    log_access(s, c, "POST", url, v.status, org.id[0] ? org.id : NULL,
               v.json ? NULL : v.text);
    return v.json ? answer(c, v.status, v.text) : error(c, v.status, v.text);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct tk_server *s = cls;
    bool post = strcmp(method, "POST") == 0;
    if (!*con_cls) { /* first call: headers only */
        struct req *r = tk_calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        tk_buf_init(&r->body, s->o.max_body);
        *con_cls = r;
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (post && len && strtoull(len, NULL, 10) > s->o.max_body) {
            log_access(s, c, method, url, 413, NULL, "Content-Length");
            return error(c, 413, "the bundle is larger than this "
                                                        "server accepts");
        }
        return MHD_YES;
    }
    struct req *r = *con_cls;
    if (*upload_data_size) { /* body, in pieces; past the bound it is counted, not kept */
        if (!r->too_large && tk_buf_add(&r->body, upload_data, *upload_data_size) != 0)
            r->too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/api/v1/bundles") == 0) {
        if (!post) {
            log_access(s, c, method, url, 405, NULL, NULL);
            return error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
        }
        return upload(s, c, r, url);
    }
    if (strcmp(url, "/api/v1/health") == 0 && strcmp(method, "GET") == 0)
        return answer(c, MHD_HTTP_OK, "{\"status\":\"ok\"}");
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
    if (!s->o.threads)
        s->o.threads = tk_sys_ncpu() > 0 ? tk_sys_ncpu() : 2;
    snprintf(s->data, sizeof s->data, "%s", o->data);
    pthread_mutex_init(&s->lock, NULL);
    /* the store must open (and migrate) before the first request */
    struct tk_store *st;
    int rc = tk_store_open(&st, s->data, err);
    if (rc) {
        pthread_mutex_destroy(&s->lock);
        tk_free(s);
        return rc;
    }
    give_store(s, st);
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
    s->d = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->o.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)s->o.timeout_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(256 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->d) {
        tk_server_stop(s);
        return tk_err_set(err, TK_EIO, "cannot listen on %s port %d (in use, or not allowed)",
                          host, o->port);
    }
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
    if (s->d)
        MHD_stop_daemon(s->d);
    for (size_t i = 0; i < s->npool; i++)
        tk_store_close(s->pool[i]);
    pthread_mutex_destroy(&s->lock);
    tk_free(s);
}
