/* in_masscan.c - masscan's outputs: -oJ (a JSON array, one record per line), -oD (JSON
 * lines) and -oL (text lines).
 *
 *   -oJ  {"ip", "timestamp": "<epoch>", "ports": [{"port", "proto", "status", ...}]}
 *        {"ip", "timestamp", "ports": [{"port", "proto", "service": {"name", "banner"}}]}
 *   -oD  {"ip", "timestamp", "port", "proto", "rec_type": "status"|"banner",
 *         "data": {"status", ...} or {"service_name", "banner"}}
 *   -oL  "open tcp 443 192.0.2.1 1690000000"
 *        "banner tcp 443 192.0.2.1 1690000000 http HTTP/1.1 200 OK\x0d\x0a..."
 *
 * An open port alone is worth an observation (SMB or RDP reachable from the internet is a
 * finding by itself); closed ports and ICMP/ARP replies give none. masscan escapes every
 * byte that is not printable ASCII, and the quote and markup characters: as \u00XX in JSON
 * (so bytes >= 0x80 arrive as U+0080..U+00FF and are mapped back to single bytes here) and
 * as \xXX in -oL. */
#include <string.h>

#include "core/time.h"
#include "surface/ingest.h"

#define MAX_PORTS 4096 /* entries of one -oJ record; the rest is dropped */

struct port_rec {
    unsigned port;
    const char *transport; /* NULL: not tcp or udp, nothing to observe */
    int64_t seen;
    bool open;             /* a status record saying open */
    struct tk_str service; /* banner records */
    const unsigned char *banner;
    size_t banner_len;
    bool is_banner;
};

static const char *transport_of(struct tk_str proto)
{
    if (!proto.n || tk_str_eqcase_c(proto, "tcp"))
        return "tcp";
    return tk_str_eqcase_c(proto, "udp") ? "udp" : NULL;
}

/* U+0080..U+00FF (two UTF-8 bytes) back to the one byte masscan escaped; out holds s.n. */
static size_t latin1_bytes(struct tk_str s, unsigned char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c == 0xc2 || c == 0xc3) && i + 1 < s.n && ((unsigned char)s.p[i + 1] & 0xc0) == 0x80) {
            out[n++] = (unsigned char)((c & 3) << 6 | ((unsigned char)s.p[i + 1] & 0x3f));
            i++;
        } else {
            out[n++] = c;
        }
    }
    return n;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* -oL's "\xXX" escapes back to bytes (a backslash is always escaped, so this is exact). */
static size_t unescape_x(struct tk_str s, unsigned char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s.n; i++) {
        int hi, lo;
        if (s.p[i] == '\\' && i + 3 < s.n && s.p[i + 1] == 'x' && (hi = hexval(s.p[i + 2])) >= 0 &&
            (lo = hexval(s.p[i + 3])) >= 0) {
            out[n++] = (unsigned char)(hi << 4 | lo);
            i += 3;
        } else {
            out[n++] = (unsigned char)s.p[i];
        }
    }
    return n;
}

static bool time_of(struct tk_str s, int64_t *out)
{
    return s.n && tk_time_parse(s, out);
}

static int64_t time_jv(const struct tk_jv *v)
{
    int64_t t = 0;
    if (tk_jv_is(v, TK_JV_INT))
        return tk_jv_int(v) > 0 ? tk_jv_int(v) : 0;
    return time_of(tk_jv_text(v), &t) ? t : 0;
}

/* One port as an observation: open ports as they are, banners as what the service said. */
static int emit_port(struct tk_ingest *in, struct tk_str ip, const struct port_rec *r,
                     struct tk_err *err)
{
    if (!r->transport || (!r->open && !r->is_banner))
        return 0;
    struct tk_obs o;
    tk_obs_init(&o, in->arena);
    if (!tk_obs_set_ip(&o, ip))
        return tk_err_set(err, TK_EPARSE, "\"ip\" is not an IP address");
    o.port = r->port;
    o.transport = r->transport;
    o.seen = r->seen;
    int rc = 0;
    if (r->is_banner) {
        struct tk_str svc = tk_str_trim(r->service);
        if (svc.n && !(o.service = tk_obs_str(&o, svc)))
            return TK_ENOMEM;
        struct tk_str b = { (const char *)r->banner, r->banner_len };
        if (tk_str_eq_c(svc, "title")) {
            /* masscan reports an HTTP page's title as a banner of its own */
            struct tk_obs_http *h = tk_obs_http_add(&o, (struct tk_str){ 0 });
            if (!h || tk_obs_title_set(&o, h, b))
                return TK_ENOMEM;
        } else if (tk_str_has_prefix(b, "HTTP/")) {
            struct tk_obs_http *h = tk_obs_http_add(&o, (struct tk_str){ 0 });
            rc = h ? tk_obs_http_parse_raw(&o, h, b) : TK_ENOMEM;
        } else if (b.n) {
            rc = tk_obs_banner_set(&o, b.p, b.n);
        }
    }
    return rc ? rc : tk_ingest_emit(in, &o);
}

static unsigned port_jv(const struct tk_jv *v)
{
    uint64_t u;
    if (tk_jv_is(v, TK_JV_INT) && tk_jv_int(v) >= 0 && tk_jv_int(v) < 65536)
        return (unsigned)tk_jv_int(v);
    if (tk_jv_str(v) && tk_str_to_u64(tk_jv_text(v), &u) && u < 65536)
        return (unsigned)u;
    return 65536; /* not a port */
}

/* status: "open" and the like give an observation; "closed" does not */
static bool is_open(struct tk_str status)
{
    return !status.n || tk_str_eqcase_c(status, "open");
}

/* A JSON banner into r, its \u00XX bytes restored. */
static int banner_jv(struct tk_ingest *in, struct port_rec *r, struct tk_str service,
                     const struct tk_jv *banner)
{
    struct tk_str b = tk_jv_text(banner);
    unsigned char *raw = tk_arena_alloc(in->arena, b.n + 1);
    if (!raw)
        return TK_ENOMEM;
    r->is_banner = true;
    r->service = service;
    r->banner = raw;
    r->banner_len = latin1_bytes(b, raw);
    return 0;
}

/* One entry of -oJ's "ports", or the port members of a -oD line, into r. */
static int port_entry(struct tk_ingest *in, const struct tk_jv *e, int64_t seen, struct port_rec *r,
                      struct tk_err *err)
{
    *r = (struct port_rec){ .seen = seen };
    if (!tk_jv_is(e, TK_JV_OBJECT))
        return tk_err_set(err, TK_EPARSE, "a port entry is not an object");
    const struct tk_jv *jport = tk_jv_get(e, "port");
    r->transport = transport_of(tk_jv_text(tk_jv_get(e, "proto")));
    if (!jport)
        return tk_err_set(err, TK_EPARSE, "\"port\" is missing");
    r->port = port_jv(jport);
    if (r->port > 65535 || (r->transport && r->port == 0))
        return tk_err_set(err, TK_EPARSE, "\"port\" is not a port number");
    const struct tk_jv *service = tk_jv_get(e, "service");
    if (tk_jv_is(service, TK_JV_OBJECT))
        return banner_jv(in, r, tk_jv_text(tk_jv_get(service, "name")), tk_jv_get(service, "banner"));
    r->open = is_open(tk_jv_text(tk_jv_get(e, "status")));
    return 0;
}

int tk_in_masscan(struct tk_ingest *in, const struct tk_jv *rec, struct tk_err *err)
{
    if (!tk_jv_is(rec, TK_JV_OBJECT))
        return tk_err_set(err, TK_EPARSE, "the record is not a JSON object");
    struct tk_str ip = tk_jv_text(tk_jv_get(rec, "ip"));
    struct tk_obs probe;
    tk_obs_init(&probe, in->arena);
    if (!ip.n || !tk_obs_set_ip(&probe, ip))
        return tk_err_set(err, TK_EPARSE, "\"ip\" is missing or not an IP address");
    int64_t seen = time_jv(tk_jv_get(rec, "timestamp"));
    const struct tk_jv *ports = tk_jv_get(rec, "ports");
    struct port_rec r;
    int rc;
    if (tk_jv_is(ports, TK_JV_ARRAY)) {
        /* -oJ: check every entry first, so a malformed record emits nothing */
        size_t n = tk_jv_size(ports) < MAX_PORTS ? tk_jv_size(ports) : MAX_PORTS, i;
        struct port_rec *all = tk_arena_alloc(in->arena, (n ? n : 1) * sizeof *all);
        if (!all)
            return TK_ENOMEM;
        const struct tk_jv *e;
        tk_jv_foreach(ports, i, e)
        {
            if (i == n)
                break;
            if ((rc = port_entry(in, e, seen, &all[i], err)))
                return rc;
        }
        for (i = 0; i < n; i++)
            if ((rc = emit_port(in, ip, &all[i], err)))
                return rc;
        return 0;
    }
    /* -oD */
    const char *type = tk_jv_str(tk_jv_get(rec, "rec_type"));
    const struct tk_jv *data = tk_jv_get(rec, "data");
    if ((rc = port_entry(in, rec, seen, &r, err)))
        return rc;
    if (type && strcmp(type, "banner") == 0) {
        if ((rc = banner_jv(in, &r, tk_jv_text(tk_jv_get(data, "service_name")),
                            tk_jv_get(data, "banner"))))
            return rc;
    } else if (!type || strcmp(type, "status") == 0) {
        r.open = is_open(tk_jv_text(tk_jv_get(data, "status")));
    } else {
        return 0; /* a record kind this version does not know: nothing to observe */
    }
    return emit_port(in, ip, &r, err);
}

int tk_in_masscan_list(struct tk_ingest *in, struct tk_str line, struct tk_err *err)
{
    struct tk_str rest = line, kind, proto, port, ip, ts, service = { 0 };
    if (!tk_str_next_field(&rest, &kind) || !tk_str_next_field(&rest, &proto) ||
        !tk_str_next_field(&rest, &port) || !tk_str_next_field(&rest, &ip) ||
        !tk_str_next_field(&rest, &ts))
        return tk_err_set(err, TK_EPARSE, "expected \"open|banner PROTO PORT IP TIME ...\"");
    bool banner = tk_str_eq_c(kind, "banner");
    if (!banner && !tk_str_eq_c(kind, "open") && !tk_str_eq_c(kind, "closed") &&
        !tk_str_eq_c(kind, "up") && !tk_str_eq_c(kind, "unknown"))
        return tk_err_set(err, TK_EPARSE, "\"%.*s\" is not a masscan line kind",
                          (int)(kind.n > 32 ? 32 : kind.n), kind.p);
    struct port_rec r = { .transport = transport_of(proto), .open = tk_str_eq_c(kind, "open") };
    uint64_t u;
    if (!tk_str_to_u64(port, &u) || u > 65535 || (r.transport && u == 0))
        return tk_err_set(err, TK_EPARSE, "the port is not a port number");
    r.port = (unsigned)u;
    struct tk_obs probe;
    tk_obs_init(&probe, in->arena);
    if (!tk_obs_set_ip(&probe, ip))
        return tk_err_set(err, TK_EPARSE, "the address is not an IP address");
    if (!time_of(ts, &r.seen))
        return tk_err_set(err, TK_EPARSE, "the time is not a Unix time");
    if (banner) {
        if (!tk_str_next_field(&rest, &service))
            return tk_err_set(err, TK_EPARSE, "a banner line without a service name");
        /* the banner is the rest of the line after one blank (its own blanks are literal) */
        if (rest.n && (rest.p[0] == ' ' || rest.p[0] == '\t'))
            rest = (struct tk_str){ rest.p + 1, rest.n - 1 };
        unsigned char *raw = tk_arena_alloc(in->arena, rest.n + 1);
        if (!raw)
            return TK_ENOMEM;
        r.is_banner = true;
        r.service = service;
        r.banner = raw;
        r.banner_len = unescape_x(rest, raw);
    }
    return emit_port(in, ip, &r, err);
}
