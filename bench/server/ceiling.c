/* ceiling.c - the least an upload server can do before its 2xx under issue 5's rules, as a
 * yardstick for bench/server/run: receive the POST (libmicrohttpd, tenken's flags), check
 * the bearer token (SHA-256, then a SQLite lookup), inflate the gzip body (libdeflate, the
 * fastest inflater Debian has), and store it durably (SQLite in WAL mode, synchronous=FULL,
 * one transaction for everything queued: a group commit as tenken's). It never reads the
 * JSON, so its rate is what a server whose validation cost nothing could reach here.
 *
 *   ceiling --port P --data DIR --tokens FILE [--threads N]
 *
 * Prints "listening" once ready; SIGTERM or SIGINT stops it. Not part of tenken. */
#include <arpa/inet.h>
#include <errno.h>
#include <libdeflate.h>
#include <microhttpd.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BODY (32u << 20)

struct job {
    struct job *next;
    const char *org;
    const unsigned char *gz;
    size_t n;
    bool done;
    int rc;
};

static struct {
    pthread_mutex_t m;
    pthread_cond_t work, done;
    struct job *head, *tail;
    sqlite3 *db;
    char path[4096];
} C = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER };

static void *committer(void *arg)
{
    (void)arg;
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(C.db, "INSERT INTO bodies(org, body) VALUES (?, ?)", -1, &ins, NULL);
    pthread_mutex_lock(&C.m);
    for (;;) {
        while (!C.head)
            pthread_cond_wait(&C.work, &C.m);
        struct job *batch = C.head;
        C.head = C.tail = NULL;
        pthread_mutex_unlock(&C.m);
        int rc = sqlite3_exec(C.db, "BEGIN", NULL, NULL, NULL);
        for (struct job *j = batch; j && rc == SQLITE_OK; j = j->next) {
            sqlite3_bind_text(ins, 1, j->org, -1, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 2, j->gz, (int)j->n, SQLITE_STATIC);
            rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
            sqlite3_reset(ins);
        }
        rc = rc == SQLITE_OK ? sqlite3_exec(C.db, "COMMIT", NULL, NULL, NULL)
                             : sqlite3_exec(C.db, "ROLLBACK", NULL, NULL, NULL) + 1;
        pthread_mutex_lock(&C.m);
        for (struct job *j = batch; j; j = j->next)
            j->done = true, j->rc = rc;
        pthread_cond_broadcast(&C.done);
    }
    return NULL;
}

struct req {
    unsigned char *body;
    size_t len, cap;
};

/* The organisation of a token, with this thread's own connection. */
static bool token_org(const char *token, char org[64])
{
    static __thread sqlite3 *db;
    static __thread sqlite3_stmt *q;
    if (!db) {
        if (sqlite3_open_v2(C.path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
            return false;
        sqlite3_prepare_v2(db, "SELECT org FROM tokens WHERE hash = ?", -1, &q, NULL);
    }
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), h);
    sqlite3_bind_blob(q, 1, h, sizeof h, SQLITE_STATIC);
    bool found = sqlite3_step(q) == SQLITE_ROW;
    if (found)
        snprintf(org, 64, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    return found;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static unsigned handle(struct MHD_Connection *c, struct req *r)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    char org[64];
    if (!auth || strncmp(auth, "Bearer ", 7) != 0 || !token_org(auth + 7, org))
        return 401;
    if (r->len < 18)
        return 400;
    size_t want = (size_t)r->body[r->len - 4] | (size_t)r->body[r->len - 3] << 8 |
                  (size_t)r->body[r->len - 2] << 16 | (size_t)r->body[r->len - 1] << 24;
    if (want > MAX_BODY)
        return 413;
    char *out = malloc(want + 1);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t got = 0;
    enum libdeflate_result dr = libdeflate_gzip_decompress(d, r->body, r->len, out, want, &got);
    libdeflate_free_decompressor(d);
    free(out);
    if (dr != LIBDEFLATE_SUCCESS)
        return 400;
    struct job j = { .org = org, .gz = r->body, .n = r->len };
    pthread_mutex_lock(&C.m);
    if (C.tail)
        C.tail->next = &j;
    else
        C.head = &j;
    C.tail = &j;
    pthread_cond_signal(&C.work);
    while (!j.done)
        pthread_cond_wait(&C.done, &C.m);
    pthread_mutex_unlock(&C.m);
    return j.rc == SQLITE_OK ? 201 : 500;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    (void)cls, (void)url, (void)version;
    struct req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *con_cls = r;
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        unsigned long long n = len ? strtoull(len, NULL, 10) : 0;
        if (n > MAX_BODY)
            return reply(c, 413, "{\"error\":\"too large\"}");
        if (n && (r->body = malloc(n)) != NULL)
            r->cap = n;
        return MHD_YES;
    }
    if (*size) {
        if (r->len + *size > MAX_BODY)
            return MHD_NO;
        if (r->len + *size > r->cap) {
            size_t cap = (r->len + *size) * 2;
            unsigned char *p = realloc(r->body, cap);
            if (!p)
                return MHD_NO;
            r->body = p, r->cap = cap;
        }
        memcpy(r->body + r->len, data, *size);
        r->len += *size;
        *size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return reply(c, 405, "{\"error\":\"POST only\"}");
    unsigned status = handle(c, r);
    return reply(c, status, status == 201 ? "{\"status\":\"stored\"}" : "{\"error\":\"refused\"}");
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    struct req *r = *con_cls;
    if (r)
        free(r->body), free(r);
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    int port = 0, threads = 0;
    const char *data = NULL, *tokens = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--data")) data = argv[i + 1];
        else if (!strcmp(argv[i], "--tokens")) tokens = argv[i + 1];
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    }
    if (!port || !data || !tokens) {
        fprintf(stderr, "usage: ceiling --port P --data DIR --tokens FILE [--threads N]\n");
        return 2;
    }
    if (!threads) /* as tenken serve: four per core */
        threads = 4 * (int)sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(C.path, sizeof C.path, "%s/ceiling.db", data);
    if (sqlite3_open(C.path, &C.db) != SQLITE_OK ||
        sqlite3_exec(C.db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS bodies(id INTEGER PRIMARY KEY, org TEXT, body BLOB);"
                     "CREATE TABLE IF NOT EXISTS tokens(hash BLOB PRIMARY KEY, org TEXT);",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "ceiling: %s: %s\n", C.path, sqlite3_errmsg(C.db));
        return 3;
    }
    FILE *fp = fopen(tokens, "r");
    char line[256];
    sqlite3_stmt *add;
    sqlite3_prepare_v2(C.db, "INSERT OR REPLACE INTO tokens VALUES (?, ?)", -1, &add, NULL);
    for (int o = 0; fp && fgets(line, sizeof line, fp); o++) {
        line[strcspn(line, "\r\n")] = '\0';
        unsigned char h[SHA256_DIGEST_LENGTH];
        SHA256((const unsigned char *)line, strlen(line), h);
        char org[32];
        snprintf(org, sizeof org, "org%d", o + 1);
        sqlite3_bind_blob(add, 1, h, sizeof h, SQLITE_TRANSIENT);
        sqlite3_bind_text(add, 2, org, -1, SQLITE_TRANSIENT);
        sqlite3_step(add);
        sqlite3_reset(add);
    }
    sqlite3_finalize(add);
    if (fp)
        fclose(fp);
    pthread_t t;
    pthread_create(&t, NULL, committer, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, as every benchmark here */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL, on_request,
        NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_TIMEOUT,
        30u, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(256 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "ceiling: cannot listen on port %d: %s\n", port, strerror(errno));
        return 3;
    }
    printf("listening\n");
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
