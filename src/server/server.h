/* server.h - the analysis server's HTTP side (libmicrohttpd): a thread pool serving the
 * upload API, bounded in everything a client controls (body size, decompressed size, time,
 * connections), with one store handle per request taken from a small pool.
 *
 * Routes (all answers are JSON; errors are {"error": "..."} with a 4xx/5xx status):
 *   GET  /api/v1/health            200 {"status":"ok"}
 *   POST /api/v1/bundles           Authorization: Bearer <enrollment token>; the body is a
 *                                  bundle (JSON, or gzip of it: Content-Encoding: gzip or the
 *                                  gzip magic). 201 stored (committed and synced before the
 *                                  answer), 200 duplicate (same bundle id: nothing changed),
 *                                  400 not a bundle (the message names the JSON pointer),
 *                                  401 no or unknown token, 403 organisation disabled,
 *                                  409 endpoint limit reached or bundle id used by
 *                                  another organisation, 413 body too large,
 *                                  415 not JSON or gzip, 405/404 otherwise.
 *                                  A stored bundle is then judged (server/judge.h) before
 *                                  the answer; one that could not be is judged again when
 *                                  the server starts.
 *   GET  /api/v1/orgs/{id}/report?format=html|json|csv&lang=en|ja
 *                                  Authorization: Bearer <analyst key scoped to {id}>;
 *                                  200 the report, 401 no or unknown key, 404 an
 *                                  organisation the key may not read (or none at all: the
 *                                  answer does not tell which), 400 a bad parameter. */
#ifndef TK_SERVER_SERVER_H
#define TK_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "kb/kb.h"

#define TK_SERVER_DEFAULT_MAX_BODY ((size_t)32 << 20)
#define TK_SERVER_DEFAULT_TIMEOUT 30 /* seconds a connection may stay idle */

struct tk_server_opts {
    const char *host;   /* numeric IPv4 or IPv6 address; "127.0.0.1" by default */
    int port;           /* 0: any free port (see tk_server_port) */
    const char *data;   /* the data directory */
    size_t max_body;    /* bytes on the wire and after decompression */
    int timeout_s;
    int threads;        /* 0: one per core */
    FILE *access_log;   /* JSON lines; NULL: none */
    FILE *error_log;    /* JSON lines; NULL: none */
    const char *cert_pem, *key_pem; /* PEM text: serve HTTPS; NULL: plain HTTP */
    /* Opens a knowledge base for one analysis worker (each worker has its own handle). */
    int (*open_kb)(void *ud, struct tk_kb **out, struct tk_err *err);
    void *kb_ud;
    /* Peers whose X-Forwarded-For is believed (a reverse proxy in front): the upload's
     * source is then the last address that header lists. */
    const char *trusted_proxies[8];
    size_t ntrusted;
    /* The opt-in probe: where SMB and RDP are tried (default 445 and 3389), time allowed. */
    int probe_smb, probe_rdp;
    int probe_timeout_ms;
};

struct tk_server;

int tk_server_start(struct tk_server **out, const struct tk_server_opts *o, struct tk_err *err);
int tk_server_port(const struct tk_server *s);
/* Stops accepting, lets requests in flight finish, frees everything. */
void tk_server_stop(struct tk_server *s);

#endif
