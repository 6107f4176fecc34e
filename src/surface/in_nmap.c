/* in_nmap.c - nmap -oX documents, read as a stream with expat: each <host> is a record,
 * each open <port> of it one observation.
 *
 *   <host starttime endtime> <address addr addrtype="ipv4|ipv6"/> <hostnames><hostname
 *   name/></hostnames> <ports><port protocol portid><state state="open"/><service name
 *   product version tunnel="ssl"><cpe>...</cpe></service><script id output>(<table key>
 *   <elem key>...</elem></table>)</script></port></ports></host>
 *
 * Of the scripts, http-headers and http-title describe the response to "/", ssl-cert the
 * certificate and banner the first bytes the service sent. masscan -oX uses the same
 * elements and is read by the same code. The document is untrusted: DTD internal subsets
 * and entity declarations stop the parse (no entity is ever expanded), a single token may
 * not grow past MAX_TOKEN, and everything kept per host is bounded. */
#include <expat.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"
#include "surface/ingest.h"

#define CHUNK 65536
#define MAX_TOKEN (32u << 20) /* bytes expat may buffer for one unfinished token */
#define MAX_PORTS 8192        /* open ports kept per host */
#define MAX_TEXT 65536        /* text of one <elem> or <cpe> */
#define MAX_TABLES 8          /* nesting of <table> inside a script that is followed */
#define MAX_DEPTH 256         /* element nesting; nmap's own goes 8 deep */

enum script { SC_NONE, SC_OTHER, SC_HEADERS, SC_TITLE, SC_CERT, SC_BANNER };

struct nport {
    struct tk_obs o;
    bool open;
    struct nport *next;
};

struct nmap {
    struct tk_ingest *in;
    XML_Parser p;
    int rc; /* a failure that ends the document */
    struct tk_err *err;
    XML_Index last_event; /* byte offset of the latest event */
    unsigned depth;       /* open elements */
    int64_t run_start;    /* <nmaprun start>, for hosts without times */
    /* the host being read; its allocations are in in->arena */
    bool in_host;
    char bad[256]; /* why this host is malformed; "" while it is not */
    char ip[64];
    const char *names[TK_OBS_MAX_NAMES];
    size_t nnames;
    int64_t start, end;
    struct nport *ports, **tail, *cur;
    size_t nports;
    /* inside a <port> */
    bool in_cpe, in_elem;
    enum script script;
    char tables[MAX_TABLES][32];
    unsigned ntables; /* may exceed MAX_TABLES: deeper keys are not kept */
    char elem_key[32];
    struct tk_buf text; /* character data of the <elem> or <cpe> being read */
    struct tk_buf subject, issuer, ext_name, ext_value;
};

static const char *attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i] && atts[i + 1]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static void host_bad(struct nmap *n, const char *why)
{
    if (!n->bad[0])
        snprintf(n->bad, sizeof n->bad, "%s", why);
}

static void key_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static int64_t epoch(const char *s)
{
    int64_t t = 0;
    return s && tk_time_parse(tk_str_c(s), &t) && t > 0 ? t : 0;
}

/* The response to "/" of the current port, made on first use. */
static struct tk_obs_http *root(struct tk_obs *o)
{
    for (size_t i = 0; i < o->nhttp; i++)
        if (strcmp(o->http[i].path, "/") == 0)
            return &o->http[i];
    return tk_obs_http_add(o, (struct tk_str){ 0 });
}

static void mem_check(struct nmap *n, int rc)
{
    if (rc == TK_ENOMEM)
        host_bad(n, "the host exceeds the memory bound for one record");
}

/* ---- scripts ------------------------------------------------------------------------- */

/* http-headers: "\n  Server: x\n  Date: y\n  \n  (Request type: HEAD)\n" */
static void headers_script(struct nmap *n, struct tk_obs *o, const char *output)
{
    struct tk_obs_http *h = root(o);
    if (!h) {
        mem_check(n, TK_ENOMEM);
        return;
    }
    struct tk_str rest = tk_str_c(output), line;
    int rc = 0;
    while (!rc && tk_str_next_line(&rest, &line)) {
        line = tk_str_trim(line);
        struct tk_str name, value;
        if (tk_str_has_prefix(line, "HTTP/")) {
            struct tk_str ver, code, num, tail;
            uint64_t v;
            if (tk_str_cut(line, ' ', &ver, &code)) {
                tk_str_cut(tk_str_trim(code), ' ', &num, &tail);
                if (tk_str_to_u64(num, &v) && v > 0 && v < 1000)
                    h->status = (int)v;
            }
        } else if (line.n && line.p[0] != '(' && tk_str_cut(line, ':', &name, &value)) {
            rc = tk_obs_header_add(o, h, name, value);
        }
    }
    mem_check(n, rc);
}

static const char *rdn_short(const char *key)
{
    static const char *const map[][2] = {
        { "commonName", "CN" }, { "organizationName", "O" },     { "organizationalUnitName", "OU" },
        { "countryName", "C" }, { "stateOrProvinceName", "ST" }, { "localityName", "L" },
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(key, map[i][0]) == 0)
            return map[i][1];
    return key;
}

static void dn_add(struct tk_buf *b, const char *key, struct tk_str v)
{
    if (b->len)
        tk_buf_adds(b, ", ");
    tk_buf_adds(b, rdn_short(key));
    tk_buf_addc(b, '=');
    tk_buf_add(b, v.p, v.n);
}

/* one <elem> of ssl-cert, by the tables around it */
static void cert_elem(struct nmap *n, struct tk_obs *o, struct tk_str v)
{
    const char *key = n->elem_key, *t0 = n->ntables >= 1 ? n->tables[0] : "";
    o->has_cert = true;
    if (n->ntables == 1 && strcmp(t0, "subject") == 0) {
        dn_add(&n->subject, key, v);
        if (strcmp(key, "commonName") == 0 && !o->cert.subject_cn)
            o->cert.subject_cn = tk_obs_str(o, v);
        else if (strcmp(key, "organizationName") == 0 && !o->cert.subject_o)
            o->cert.subject_o = tk_obs_str(o, v);
    } else if (n->ntables == 1 && strcmp(t0, "issuer") == 0) {
        dn_add(&n->issuer, key, v);
    } else if (n->ntables == 1 && strcmp(t0, "validity") == 0) {
        if (strcmp(key, "notBefore") == 0)
            o->cert.not_before = tk_obs_time(o, v);
        else if (strcmp(key, "notAfter") == 0)
            o->cert.not_after = tk_obs_time(o, v);
    } else if (n->ntables == 2 && strcmp(t0, "extensions") == 0) {
        struct tk_buf *b = strcmp(key, "name") == 0    ? &n->ext_name
                           : strcmp(key, "value") == 0 ? &n->ext_value
                                                       : NULL;
        if (b) {
            tk_buf_reset(b);
            tk_buf_add(b, v.p, v.n);
        }
    } else if (n->ntables == 0 && strcmp(key, "sha256") == 0) {
        /* nmap 7.94 and later; 7.93 gives sha1 and md5 only */
        char hex[65];
        size_t k = 0;
        for (size_t i = 0; i < v.n && k < 64; i++) {
            char c = v.p[i];
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                hex[k++] = c;
            else if (c >= 'A' && c <= 'F')
                hex[k++] = (char)(c + 32);
        }
        hex[k] = 0;
        if (k == 64)
            o->cert.sha256 = tk_obs_str(o, tk_str_c(hex));
    }
}

static void elem_end(struct nmap *n)
{
    struct tk_obs *o = &n->cur->o;
    struct tk_str v = tk_str_trim((struct tk_str){ tk_buf_cstr(&n->text), n->text.len });
    if (n->script == SC_TITLE && n->ntables == 0 && strcmp(n->elem_key, "title") == 0) {
        struct tk_obs_http *h = root(o);
        if (!h || tk_obs_title_set(o, h, v))
            mem_check(n, TK_ENOMEM);
    } else if (n->script == SC_CERT) {
        cert_elem(n, o, v);
    }
}

static void script_start(struct nmap *n, const XML_Char **atts)
{
    const char *id = attr(atts, "id"), *output = attr(atts, "output");
    struct tk_obs *o = &n->cur->o;
    n->script = !id                               ? SC_OTHER
                : strcmp(id, "http-headers") == 0 ? SC_HEADERS
                : strcmp(id, "http-title") == 0   ? SC_TITLE
                : strcmp(id, "ssl-cert") == 0     ? SC_CERT
                : strcmp(id, "banner") == 0       ? SC_BANNER
                                                  : SC_OTHER;
    n->ntables = 0;
    if (n->script == SC_HEADERS && output)
        headers_script(n, o, output);
    else if (n->script == SC_BANNER && output && !o->banner)
        mem_check(n, tk_obs_banner_set(o, output, strlen(output)));
    else if (n->script == SC_CERT) {
        tk_buf_reset(&n->subject);
        tk_buf_reset(&n->issuer);
    }
}

static void script_end(struct nmap *n)
{
    struct tk_obs *o = &n->cur->o;
    if (n->script == SC_CERT && o->has_cert) {
        if (n->subject.len && !o->cert.subject)
            o->cert.subject = tk_obs_str(o, (struct tk_str){ n->subject.ptr, n->subject.len });
        if (n->issuer.len && !o->cert.issuer)
            o->cert.issuer = tk_obs_str(o, (struct tk_str){ n->issuer.ptr, n->issuer.len });
    }
    n->script = SC_NONE;
}

/* ---- elements ------------------------------------------------------------------------ */

static void host_reset(struct nmap *n)
{
    tk_arena_reset(n->in->arena);
    n->bad[0] = 0;
    n->ip[0] = 0;
    n->nnames = 0;
    n->start = n->end = 0;
    n->ports = n->cur = NULL;
    n->tail = &n->ports;
    n->nports = 0;
    n->in_cpe = n->in_elem = false;
    n->script = SC_NONE;
    n->ntables = 0;
}

static void port_start(struct nmap *n, const XML_Char **atts)
{
    const char *proto = attr(atts, "protocol"), *id = attr(atts, "portid");
    uint64_t v;
    n->cur = NULL;
    if (!id || !tk_str_to_u64(tk_str_c(id), &v) || v < 1 || v > 65535) {
        host_bad(n, "a <port> has no portid or not a port number");
        return;
    }
    if (!proto || (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
        return; /* sctp, ip protocol scans: not an observation */
    if (n->nports == MAX_PORTS)
        return;
    struct nport *np = tk_arena_alloc(n->in->arena, sizeof *np);
    if (!np) {
        mem_check(n, TK_ENOMEM);
        return;
    }
    *np = (struct nport){ .next = NULL };
    tk_obs_init(&np->o, n->in->arena);
    np->o.port = (unsigned)v;
    np->o.transport = strcmp(proto, "udp") == 0 ? "udp" : "tcp";
    *n->tail = np;
    n->tail = &np->next;
    n->nports++;
    n->cur = np;
}

static void service_start(struct nmap *n, const XML_Char **atts)
{
    struct tk_obs *o = &n->cur->o;
    const char *name = attr(atts, "name"), *tunnel = attr(atts, "tunnel"),
               *product = attr(atts, "product"), *version = attr(atts, "version"),
               *banner = attr(atts, "banner");
    if (name && *name) {
        /* nmap's own notation: "ssl/http" for HTTP inside TLS */
        char *s = tk_arena_printf(o->arena, "%s%s",
                                  tunnel && strcmp(tunnel, "ssl") == 0 ? "ssl/" : "", name);
        if (!(o->service = s))
            mem_check(n, TK_ENOMEM);
    }
    if (product && *product)
        o->src_product = tk_obs_str(o, tk_str_c(product));
    if (version && *version)
        o->src_version = tk_obs_str(o, tk_str_c(version));
    if (banner && *banner && !o->banner) /* masscan -oX */
        mem_check(n, tk_obs_banner_set(o, banner, strlen(banner)));
}

static void refuse(struct nmap *n, const char *what);

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    struct nmap *n = ud;
    n->last_event = XML_GetCurrentByteIndex(n->p);
    if (++n->depth > MAX_DEPTH) {
        /* expat keeps every open element: nesting without end would grow it without end */
        refuse(n, "elements nested more than 256 deep");
        return;
    }
    if (!n->in_host) {
        if (strcmp(el, "host") == 0) {
            host_reset(n);
            n->in_host = true;
            n->in->stats->records++;
            n->start = epoch(attr(atts, "starttime"));
            n->end = epoch(attr(atts, "endtime"));
        } else if (strcmp(el, "nmaprun") == 0) {
            n->run_start = epoch(attr(atts, "start"));
        }
        return;
    }
    if (n->cur && n->script != SC_NONE) {
        if (strcmp(el, "table") == 0) {
            if (n->ntables < MAX_TABLES)
                key_copy(n->tables[n->ntables], sizeof n->tables[0], attr(atts, "key"));
            n->ntables++;
            if (n->ntables == 2 && strcmp(n->tables[0], "extensions") == 0) {
                tk_buf_reset(&n->ext_name);
                tk_buf_reset(&n->ext_value);
            }
        } else if (strcmp(el, "elem") == 0) {
            key_copy(n->elem_key, sizeof n->elem_key, attr(atts, "key"));
            tk_buf_reset(&n->text);
            n->in_elem = true;
        }
        return;
    }
    if (strcmp(el, "address") == 0) {
        const char *type = attr(atts, "addrtype"), *a = attr(atts, "addr");
        if (a && !n->ip[0] && (!type || strcmp(type, "ipv4") == 0 || strcmp(type, "ipv6") == 0)) {
            if (strlen(a) >= sizeof n->ip)
                host_bad(n, "the host's address is not an IP address");
            key_copy(n->ip, sizeof n->ip, a);
        }
    } else if (strcmp(el, "hostname") == 0) {
        const char *name = attr(atts, "name");
        if (name && *name && n->nnames < TK_OBS_MAX_NAMES) {
            const char *c = tk_arena_strdup(n->in->arena, name);
            if (c)
                n->names[n->nnames++] = c;
            else
                mem_check(n, TK_ENOMEM);
        }
    } else if (strcmp(el, "port") == 0) {
        port_start(n, atts);
    } else if (!n->cur) {
        return;
    } else if (strcmp(el, "state") == 0) {
        const char *st = attr(atts, "state");
        n->cur->open = st && strcmp(st, "open") == 0;
    } else if (strcmp(el, "service") == 0) {
        service_start(n, atts);
    } else if (strcmp(el, "cpe") == 0) {
        tk_buf_reset(&n->text);
        n->in_cpe = true;
    } else if (strcmp(el, "script") == 0) {
        script_start(n, atts);
    }
}

static void emit_host(struct nmap *n)
{
    struct tk_ingest *in = n->in;
    in->line = XML_GetCurrentLineNumber(n->p);
    snprintf(in->input_at, sizeof in->input_at, "%s:%llu", in->name, (unsigned long long)in->line);
    struct tk_obs probe;
    tk_obs_init(&probe, in->arena);
    if (!n->bad[0] && !tk_obs_set_ip(&probe, tk_str_c(n->ip)))
        host_bad(n, n->ip[0] ? "the host's address is not an IP address"
                             : "the host has no IPv4 or IPv6 address");
    if (n->bad[0]) {
        in->stats->malformed++;
        if (in->bad)
            in->bad(in->ud, in->name, in->line, n->bad);
        return;
    }
    int64_t seen = n->end ? n->end : n->start ? n->start : n->run_start;
    for (struct nport *p = n->ports; p && !n->rc; p = p->next) {
        if (!p->open)
            continue;
        struct tk_obs *o = &p->o;
        memcpy(o->ip, probe.ip, sizeof o->ip);
        o->seen = seen;
        int rc = 0;
        for (size_t i = 0; i < n->nnames && !rc; i++)
            rc = tk_obs_hostname_add(o, tk_str_c(n->names[i]));
        if (!rc)
            rc = tk_ingest_emit(in, o);
        if (rc == TK_ENOMEM && !in->stopped) {
            in->stats->malformed++;
            if (in->bad)
                in->bad(in->ud, in->name, in->line,
                        "the host exceeds the memory bound for one record");
            return;
        }
        if (rc) {
            /* the callback asked to stop */
            n->rc = rc;
            XML_StopParser(n->p, XML_FALSE);
        }
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *el)
{
    struct nmap *n = ud;
    n->last_event = XML_GetCurrentByteIndex(n->p);
    if (n->depth)
        n->depth--;
    if (!n->in_host)
        return;
    if (n->cur && n->script != SC_NONE) {
        if (strcmp(el, "elem") == 0 && n->in_elem) {
            elem_end(n);
            n->in_elem = false;
        } else if (strcmp(el, "table") == 0 && n->ntables) {
            if (n->ntables == 2 && n->script == SC_CERT &&
                strcmp(n->tables[0], "extensions") == 0 &&
                strcmp(tk_buf_cstr(&n->ext_name), "X509v3 Subject Alternative Name") == 0)
                mem_check(n, tk_obs_sans_text(&n->cur->o, (struct tk_str){ tk_buf_cstr(&n->ext_value),
                                                                    n->ext_value.len }));
            n->ntables--;
        } else if (strcmp(el, "script") == 0) {
            script_end(n);
        }
        return;
    }
    if (strcmp(el, "cpe") == 0 && n->in_cpe) {
        n->in_cpe = false;
        struct tk_str v = tk_str_trim((struct tk_str){ tk_buf_cstr(&n->text), n->text.len });
        if (n->cur && v.n && !n->cur->o.src_cpe)
            n->cur->o.src_cpe = tk_obs_str(&n->cur->o, v);
    } else if (strcmp(el, "port") == 0) {
        n->cur = NULL;
    } else if (strcmp(el, "host") == 0) {
        emit_host(n);
        n->in_host = false;
        tk_arena_reset(n->in->arena);
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct nmap *n = ud;
    n->last_event = XML_GetCurrentByteIndex(n->p);
    if ((n->in_elem || n->in_cpe) && len > 0) {
        /* up to MAX_TEXT, then nothing: a later, shorter piece must not follow a dropped one */
        size_t room = n->text.max - n->text.len;
        tk_buf_add(&n->text, s, (size_t)len < room ? (size_t)len : room);
    }
}

/* Comments, processing instructions, blanks between tags: only their position matters,
 * for the bound on how much expat holds without an event. */
static void XMLCALL on_other(void *ud, const XML_Char *s, int len)
{
    struct nmap *n = ud;
    n->last_event = XML_GetCurrentByteIndex(n->p);
}

static void refuse(struct nmap *n, const char *what)
{
    if (!n->rc) {
        n->rc = tk_err_set(n->err, TK_EPARSE, "%s:%lu:%lu: %s are refused", n->in->name,
                           (unsigned long)XML_GetCurrentLineNumber(n->p),
                           (unsigned long)XML_GetCurrentColumnNumber(n->p) + 1, what);
        n->in->line = XML_GetCurrentLineNumber(n->p);
    }
    XML_StopParser(n->p, XML_FALSE);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    if (has_internal_subset)
        refuse(ud, "DTD internal subsets");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
    refuse(ud, "entity declarations");
}

static int parse_error(struct nmap *n)
{
    n->in->line = XML_GetCurrentLineNumber(n->p);
    return tk_err_set(n->err, TK_EPARSE, "%s:%lu:%lu: not well-formed XML: %s", n->in->name,
                      (unsigned long)XML_GetCurrentLineNumber(n->p),
                      (unsigned long)XML_GetCurrentColumnNumber(n->p) + 1,
                      XML_ErrorString(XML_GetErrorCode(n->p)));
}

int tk_in_nmap_xml(struct tk_ingest *in, struct tk_ingest_src *src, struct tk_err *err)
{
    struct nmap n = { .in = in,
                      .err = err,
                      .text = TK_BUF_INIT(MAX_TEXT),
                      .subject = TK_BUF_INIT(16384),
                      .issuer = TK_BUF_INIT(16384),
                      .ext_name = TK_BUF_INIT(256),
                      .ext_value = TK_BUF_INIT(MAX_TEXT) };
    n.tail = &n.ports;
    n.p = XML_ParserCreate(NULL);
    if (!n.p)
        return tk_err_set(err, TK_ENOMEM, "%s: out of memory", in->name);
    XML_SetUserData(n.p, &n);
    XML_SetElementHandler(n.p, on_start, on_end);
    XML_SetCharacterDataHandler(n.p, on_text);
    XML_SetDefaultHandlerExpand(n.p, on_other);
    XML_SetStartDoctypeDeclHandler(n.p, on_doctype);
    XML_SetEntityDeclHandler(n.p, on_entity);
    XML_SetParamEntityParsing(n.p, XML_PARAM_ENTITY_PARSING_NEVER);
    int rc = 0;
    uint64_t fed = 0;
    for (;;) {
        void *buf = XML_GetBuffer(n.p, CHUNK);
        if (!buf) {
            rc = tk_err_set(err, TK_ENOMEM, "%s: out of memory", in->name);
            break;
        }
        long k = tk_ingest_read(src, buf, CHUNK);
        if (k < 0) {
            rc = tk_err_set(err, TK_EIO, "%s: read failed", in->name);
            break;
        }
        fed += (uint64_t)k;
        enum XML_Status st = XML_ParseBuffer(n.p, (int)k, k == 0);
        if (n.rc) {
            rc = n.rc;
            break;
        }
        if (st == XML_STATUS_ERROR) {
            rc = parse_error(&n);
            break;
        }
        if (k == 0)
            break;
        if (fed - (uint64_t)(n.last_event > 0 ? n.last_event : 0) > MAX_TOKEN) {
            in->line = XML_GetCurrentLineNumber(n.p);
            rc = tk_err_set(err, TK_EPARSE, "%s:%lu: one XML token is longer than %u MiB", in->name,
                            (unsigned long)in->line, MAX_TOKEN >> 20);
            break;
        }
    }
    /* the broken rest of the document is one malformed record (the driver reports it); a
     * host it cut short was counted when it began */
    if (rc == TK_EPARSE && !n.in_host)
        in->stats->records++;
    XML_ParserFree(n.p);
    tk_buf_release(&n.text);
    tk_buf_release(&n.subject);
    tk_buf_release(&n.issuer);
    tk_buf_release(&n.ext_name);
    tk_buf_release(&n.ext_value);
    tk_arena_reset(in->arena);
    return rc;
}
