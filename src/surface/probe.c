/* probe.c - `surface probe`: the target list, the bounded libcurl multi loop that asks each
 * device for its public pages, and the JSONL lines it writes (probe.h; docs/probe.md).
 *
 * One thread drives everything: a table of `concurrency` job slots, each holding one target
 * and at most one transfer; a token bucket paces the requests. A target's lines are kept
 * until it is finished and then handed over in one piece, because in_tenken.c merges only
 * consecutive lines of one ip:port into an observation. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/alloc.h"
#include "core/escape.h"
#include "core/hash.h"
#include "core/time.h"
#include "core/utf8.h"
#include "surface/probe.h"
#include "tk_config.h"

/* ---- targets ------------------------------------------------------------------------- */

#define MAX_TARGET_TEXT 2048

static int bad(struct tk_err *err, const char *why)
{
    return tk_err_set(err, TK_EINVAL, "%s", why);
}

static int port_of(struct tk_str s, unsigned *out, struct tk_err *err)
{
    uint64_t v;
    if (!tk_str_to_u64(s, &v) || v < 1 || v > 65535)
        return bad(err, "the port is not a number from 1 to 65535");
    *out = (unsigned)v;
    return 0;
}

/* RFC 1123 host names in ASCII (IDNA A-labels); the last label must not be all digits, or
 * resolvers would read "10.0.0.256" or "1234" as a number. */
static bool host_name_ok(struct tk_str s)
{
    if (s.n && s.p[s.n - 1] == '.')
        s.n--;
    if (!s.n || s.n > TK_PROBE_MAX_NAME)
        return false;
    size_t start = 0;
    bool digits = true;
    for (size_t i = 0; i <= s.n; i++) {
        if (i == s.n || s.p[i] == '.') {
            size_t len = i - start;
            if (!len || len > 63 || s.p[start] == '-' || s.p[i - 1] == '-')
                return false;
            if (i == s.n && digits)
                return false;
            start = i + 1;
            digits = true;
        } else if (isalnum((unsigned char)s.p[i]) || s.p[i] == '-' || s.p[i] == '_') {
            digits = digits && isdigit((unsigned char)s.p[i]);
        } else {
            return false;
        }
    }
    return true;
}

/* An IPv4 address or a host name (IPv6 needs brackets wherever a port may follow). */
static int host_of(struct tk_str h, struct tk_probe_spec *o, struct tk_err *err)
{
    if (tk_ip_parse(h, &o->ip)) {
        tk_ip_unmap(&o->ip);
        o->plen = o->ip.family == 4 ? 32 : 128;
        return 0;
    }
    if (!host_name_ok(h))
        return bad(err, "not an IP address, CIDR block, host name or URL");
    o->is_name = true;
    memcpy(o->host, h.p, h.n);
    o->host[h.n] = '\0';
    return 0;
}

/* "[v6]" or "[v6]:port" */
static int bracketed(struct tk_str s, struct tk_probe_spec *o, bool port_ok, struct tk_err *err)
{
    const char *rb = memchr(s.p, ']', s.n);
    if (!rb)
        return bad(err, "'[' without ']'");
    if (!tk_ip_parse((struct tk_str){ s.p + 1, (size_t)(rb - s.p - 1) }, &o->ip) ||
        o->ip.family != 6)
        return bad(err, "not an IPv6 address between '[' and ']'");
    tk_ip_unmap(&o->ip);
    o->plen = o->ip.family == 4 ? 32 : 128;
    struct tk_str rest = { rb + 1, (size_t)(s.p + s.n - rb - 1) };
    if (!rest.n)
        return 0;
    if (rest.p[0] != ':' || !port_ok)
        return bad(err, "unexpected text after ']'");
    return port_of((struct tk_str){ rest.p + 1, rest.n - 1 }, &o->port, err);
}

static int parse_url(struct tk_str s, size_t sep, struct tk_probe_spec *o, struct tk_err *err)
{
    if (sep == 5 && strncasecmp(s.p, "https", 5) == 0)
        o->scheme = TK_PROBE_HTTPS;
    else if (sep == 4 && strncasecmp(s.p, "http", 4) == 0)
        o->scheme = TK_PROBE_HTTP;
    else
        return bad(err, "only http:// and https:// URLs can be probed");
    const char *a = s.p + sep + 3, *end = s.p + s.n, *e = a;
    while (e < end && *e != '/' && *e != '?' && *e != '#')
        e++;
    struct tk_str auth = { a, (size_t)(e - a) };
    if (!auth.n)
        return bad(err, "the URL names no host");
    if (memchr(auth.p, '@', auth.n))
        return bad(err, "the URL carries a user name or password; the probe sends no credentials");
    int rc;
    if (auth.p[0] == '[') {
        rc = bracketed(auth, o, true, err);
    } else {
        struct tk_str h, p;
        bool has_port = tk_str_cut(auth, ':', &h, &p);
        rc = host_of(h, o, err);
        if (!rc && has_port)
            rc = port_of(p, &o->port, err);
    }
    if (!rc && !o->port)
        o->port = o->scheme == TK_PROBE_HTTPS ? 443 : 80;
    return rc;
}

static int parse_block(struct tk_str s, const char *slash, struct tk_probe_spec *o,
                       struct tk_err *err)
{
    struct tk_str a = { s.p, (size_t)(slash - s.p) },
                  l = { slash + 1, (size_t)(s.p + s.n - slash - 1) };
    if (!tk_ip_parse(a, &o->ip))
        return bad(err, "not an address before '/' of a CIDR block");
    uint64_t plen;
    unsigned bits = o->ip.family == 4 ? 32 : 128;
    if (!tk_str_to_u64(l, &plen) || plen > bits)
        return tk_err_set(err, TK_EINVAL, "the prefix length is not a number from 0 to %u", bits);
    if (bits - plen > 16)
        return tk_err_set(err, TK_EINVAL,
                          "a block of more than %u addresses (at most /%u); split it",
                          TK_PROBE_MAX_BLOCK, bits - 16);
    o->plen = (unsigned)plen;
    size_t nbytes = bits / 8;
    for (size_t i = 0; i < nbytes; i++) {
        unsigned keep = o->plen > i * 8 ? o->plen - (unsigned)(i * 8) : 0;
        if (keep < 8)
            o->ip.b[i] &= (unsigned char)(0xff00u >> keep);
    }
    return 0;
}

int tk_probe_spec_parse(struct tk_str text, struct tk_probe_spec *out, struct tk_err *err)
{
    *out = (struct tk_probe_spec){ 0 };
    struct tk_str s = tk_str_trim(text);
    if (!s.n)
        return bad(err, "empty target");
    if (s.n > MAX_TARGET_TEXT)
        return tk_err_set(err, TK_EINVAL, "longer than %d characters", MAX_TARGET_TEXT);
    for (size_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] <= 0x20 || (unsigned char)s.p[i] >= 0x7f)
            return bad(err, "blanks or characters outside printable ASCII (write host names "
                            "as IDNA A-labels, xn--...)");
    for (size_t i = 0; i + 2 < s.n; i++)
        if (s.p[i] == ':' && s.p[i + 1] == '/' && s.p[i + 2] == '/')
            return parse_url(s, i, out, err);
    const char *slash = memchr(s.p, '/', s.n);
    if (slash)
        return parse_block(s, slash, out, err);
    if (s.p[0] == '[')
        return bracketed(s, out, true, err);
    if (tk_ip_parse(s, &out->ip)) {
        tk_ip_unmap(&out->ip);
        out->plen = out->ip.family == 4 ? 32 : 128;
        return 0;
    }
    struct tk_str h, p;
    if (tk_str_cut(s, ':', &h, &p)) {
        if (memchr(p.p, ':', p.n))
            return bad(err, "not an IPv6 address (write [ADDRESS]:PORT to give a port)");
        int rc = host_of(h, out, err);
        return rc ? rc : port_of(p, &out->port, err);
    }
    return host_of(s, out, err);
}

uint64_t tk_probe_spec_count(const struct tk_probe_spec *s)
{
    if (s->is_name)
        return 1;
    unsigned bits = s->ip.family == 4 ? 32 : 128;
    return (uint64_t)1 << (bits - s->plen);
}

int tk_probe_ports_parse(const char *list, unsigned *ports, size_t max, size_t *n,
                         struct tk_err *err)
{
    *n = 0;
    struct tk_str rest = tk_str_c(list), item;
    if (!tk_str_trim(rest).n)
        return tk_err_set(err, TK_EINVAL, "--ports: the list is empty");
    for (;;) {
        bool more = tk_str_cut(rest, ',', &item, &rest);
        item = tk_str_trim(item);
        uint64_t v;
        if (!tk_str_to_u64(item, &v) || v < 1 || v > 65535)
            return tk_err_set(err, TK_EINVAL, "--ports: '%.*s' is not a port number (1-65535)",
                              (int)(item.n > 40 ? 40 : item.n), item.p);
        bool dup = false;
        for (size_t i = 0; i < *n && !dup; i++)
            dup = ports[i] == v;
        if (!dup) {
            if (*n >= max)
                return tk_err_set(err, TK_EINVAL, "--ports: more than %zu ports", max);
            ports[(*n)++] = (unsigned)v;
        }
        if (!more)
            return 0;
    }
}

struct src {
    const char *name; /* the @FILE's name; NULL for a command-line argument */
    char *text;       /* owned */
    size_t len;
};

struct tk_probe_targets {
    struct src *srcs;
    size_t nsrcs;
    unsigned *ports;
    size_t nports;
    uint64_t total;
    /* where the iteration is */
    size_t si;     /* source */
    size_t off;    /* in its text */
    uint64_t line; /* of the last text taken */
    bool have;
    struct tk_probe_spec spec;
    uint64_t ai, count; /* address of the spec */
    size_t pi;          /* port of that address */
};

static int read_file(const char *name, struct tk_buf *b, struct tk_err *err)
{
    FILE *fp = fopen(name, "rb");
    if (!fp)
        return tk_err_sys(err, errno, "@%s: cannot open", name);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if ((rc = tk_buf_add(b, chunk, n)) == TK_ELIMIT)
            rc = tk_err_set(err, TK_ELIMIT, "@%s: more than %u MiB of targets; split the list",
                            name, TK_PROBE_MAX_FILE >> 20);
        else if (rc)
            rc = tk_err_set(err, rc, "@%s: out of memory", name);
    if (!rc && ferror(fp))
        rc = tk_err_sys(err, errno ? errno : EIO, "@%s: read failed", name);
    fclose(fp);
    return rc;
}

/* The next target text of the current source (a line without its comment, trimmed). */
static bool next_text(struct tk_probe_targets *t, struct tk_str *out)
{
    while (t->si < t->nsrcs) {
        struct src *s = &t->srcs[t->si];
        if (!s->name) {
            if (t->off == 0) {
                t->off = 1;
                t->line = 0;
                *out = (struct tk_str){ s->text, s->len };
                return true;
            }
        } else {
            struct tk_str rest = { s->text + t->off, s->len - t->off }, line;
            while (tk_str_next_line(&rest, &line)) {
                t->off = (size_t)(rest.p - s->text);
                t->line++;
                const char *hash = memchr(line.p, '#', line.n);
                if (hash)
                    line.n = (size_t)(hash - line.p);
                line = tk_str_trim(line);
                if (line.n) {
                    *out = line;
                    return true;
                }
            }
        }
        t->si++;
        t->off = 0;
        t->line = 0;
    }
    return false;
}

static void rewind_targets(struct tk_probe_targets *t)
{
    t->si = t->off = 0;
    t->line = 0;
    t->have = false;
}

int tk_probe_targets_new(struct tk_probe_targets **out, char *const *args, size_t nargs,
                         const unsigned *ports, size_t nports, struct tk_err *err)
{
    *out = NULL;
    if (!nports)
        return tk_err_set(err, TK_EINVAL, "no ports to probe");
    struct tk_probe_targets *t = tk_calloc(1, sizeof *t);
    if (!t || !(t->srcs = tk_calloc(nargs ? nargs : 1, sizeof *t->srcs)) ||
        !(t->ports = tk_calloc(nports ? nports : 1, sizeof *t->ports))) {
        tk_probe_targets_free(t);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    memcpy(t->ports, ports, nports * sizeof *ports);
    t->nports = nports;
    int rc = 0;
    for (size_t i = 0; i < nargs && !rc; i++) {
        struct src *s = &t->srcs[t->nsrcs++];
        if (args[i][0] == '@' && args[i][1]) {
            s->name = args[i] + 1;
            struct tk_buf b = TK_BUF_INIT(TK_PROBE_MAX_FILE);
            rc = read_file(s->name, &b, err);
            s->len = b.len;
            s->text = rc ? NULL : tk_buf_detach(&b);
            tk_buf_release(&b);
            if (!rc && !s->text)
                rc = tk_err_set(err, TK_ENOMEM, "out of memory");
        } else {
            s->len = strlen(args[i]);
            if (!(s->text = tk_strndup(args[i], s->len)))
                rc = tk_err_set(err, TK_ENOMEM, "out of memory");
        }
    }
    /* check everything now, so that a bad line at the end of a list stops the run before
     * anything is sent */
    struct tk_str text;
    while (!rc && next_text(t, &text)) {
        struct tk_probe_spec spec;
        struct tk_err why = { 0 };
        const struct src *s = &t->srcs[t->si];
        int shown = (int)(text.n > 100 ? 100 : text.n);
        if (tk_probe_spec_parse(text, &spec, &why)) {
            if (s->name)
                rc = tk_err_set(err, TK_EINVAL, "%s:%llu: '%.*s%s': %s", s->name,
                                (unsigned long long)t->line, shown, text.p,
                                text.n > 100 ? "..." : "", why.msg);
            else
                rc = tk_err_set(err, TK_EINVAL, "'%.*s%s': %s", shown, text.p,
                                text.n > 100 ? "..." : "", why.msg);
            break;
        }
        t->total += tk_probe_spec_count(&spec) * (spec.port ? 1 : t->nports);
    }
    if (!rc && !t->total)
        rc = tk_err_set(err, TK_EINVAL, "no targets (the lists are empty)");
    if (rc) {
        tk_probe_targets_free(t);
        return rc;
    }
    rewind_targets(t);
    *out = t;
    return 0;
}

void tk_probe_targets_free(struct tk_probe_targets *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->srcs && i < t->nsrcs; i++)
        tk_free(t->srcs[i].text);
    tk_free(t->srcs);
    tk_free(t->ports);
    tk_free(t);
}

uint64_t tk_probe_targets_total(const struct tk_probe_targets *t)
{
    return t->total;
}

bool tk_probe_targets_next(struct tk_probe_targets *t, struct tk_probe_target *out)
{
    for (;;) {
        if (t->have && t->ai < t->count) {
            const struct tk_probe_spec *s = &t->spec;
            *out = (struct tk_probe_target){ .scheme = s->scheme };
            size_t np = s->port ? 1 : t->nports;
            out->port = s->port ? s->port : t->ports[t->pi];
            if (s->is_name) {
                snprintf(out->host, sizeof out->host, "%s", s->host);
            } else {
                struct tk_ip ip = s->ip;
                size_t last = ip.family == 4 ? 3 : 15;
                unsigned low = ((unsigned)ip.b[last - 1] << 8 | ip.b[last]) + (unsigned)t->ai;
                ip.b[last - 1] = (unsigned char)(low >> 8);
                ip.b[last] = (unsigned char)low;
                tk_ip_format(&ip, out->ip);
                snprintf(out->host, sizeof out->host, ip.family == 4 ? "%s" : "[%s]", out->ip);
            }
            if (++t->pi >= np) {
                t->pi = 0;
                t->ai++;
            }
            return true;
        }
        t->have = false;
        struct tk_str text;
        if (!next_text(t, &text))
            return false;
        if (tk_probe_spec_parse(text, &t->spec, NULL))
            continue; /* checked when the list was made; cannot happen */
        t->have = true;
        t->ai = 0;
        t->pi = 0;
        t->count = tk_probe_spec_count(&t->spec);
    }
}

size_t tk_probe_schemes(const struct tk_probe_target *t, enum tk_probe_scheme out[2])
{
    if (t->scheme != TK_PROBE_AUTO) {
        out[0] = t->scheme;
        return 1;
    }
    out[0] = TK_PROBE_HTTPS;
    if (t->port != 80 && t->port != 8080)
        return 1;
    out[1] = TK_PROBE_HTTP;
    return 2;
}

int tk_probe_user_agent(struct tk_buf *out, const char *contact, struct tk_err *err)
{
    size_t n = contact ? strlen(contact) : 0;
    if (n > 200)
        return tk_err_set(err, TK_EINVAL, "--contact: longer than 200 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)contact[i] < 0x20 || (unsigned char)contact[i] > 0x7e)
            return tk_err_set(err, TK_EINVAL,
                              "--contact: only printable ASCII can go into the User-Agent "
                              "(character %zu is not)",
                              i + 1);
    int rc = n ? tk_buf_addf(out, "tenken/%s (passive survey; +%s)", TK_VERSION, contact)
               : tk_buf_addf(out, "tenken/%s (passive survey)", TK_VERSION);
    return rc ? tk_err_set(err, rc, "out of memory") : 0;
}

/* ---- the token bucket ------------------------------------------------------------------ */

void tk_probe_bucket_init(struct tk_probe_bucket *b, double rate, double now)
{
    b->rate = rate > 0 ? rate : 10;
    b->cap = b->rate / 10 < 1 ? 1 : b->rate / 10;
    b->tokens = b->cap;
    b->last = now;
}

static void refill(struct tk_probe_bucket *b, double now)
{
    if (now > b->last) {
        b->tokens += (now - b->last) * b->rate;
        if (b->tokens > b->cap)
            b->tokens = b->cap;
    }
    b->last = now;
}

bool tk_probe_bucket_take(struct tk_probe_bucket *b, double now)
{
    refill(b, now);
    if (b->tokens < 1)
        return false;
    b->tokens -= 1;
    return true;
}

double tk_probe_bucket_wait(struct tk_probe_bucket *b, double now)
{
    refill(b, now);
    return b->tokens >= 1 ? 0 : (1 - b->tokens) / b->rate;
}

/* ---- the certificate ------------------------------------------------------------------- */

static const char *bio_str(BIO *bio, struct tk_arena *a)
{
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    return n >= 0 ? tk_arena_strndup(a, p ? p : "", (size_t)n) : NULL;
}

static const char *name_text(const X509_NAME *name, struct tk_arena *a)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return NULL;
    /* "C=JP, O=Example, CN=vpn.example.jp": RFC 2253 escaping, UTF-8 kept */
    unsigned long flags =
        (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN;
    const char *s = X509_NAME_print_ex(bio, name, 0, flags) >= 0 ? bio_str(bio, a) : NULL;
    BIO_free(bio);
    return s;
}

static const char *time_text(const ASN1_TIME *t, struct tk_arena *a)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return NULL;
    char out[32];
    tk_time_iso8601(tk_time_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                       tm.tm_hour, tm.tm_min, tm.tm_sec),
                    out);
    return tk_arena_strdup(a, out);
}

static int sans_of(X509 *x, struct tk_arena *a, struct tk_probe_cert *c)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (!names)
        return 0;
    int n = sk_GENERAL_NAME_num(names), rc = 0;
    c->sans = tk_arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof *c->sans);
    if (!c->sans)
        rc = TK_ENOMEM;
    for (int i = 0; !rc && i < n && c->nsans < TK_OBS_MAX_NAMES; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        const char *s = NULL;
        if (g->type == GEN_DNS) {
            s = tk_arena_strndup(a, (const char *)ASN1_STRING_get0_data(g->d.dNSName),
                                 (size_t)ASN1_STRING_length(g->d.dNSName));
        } else if (g->type == GEN_IPADD) {
            int len = ASN1_STRING_length(g->d.iPAddress);
            struct tk_ip ip = { .family = len == 4 ? 4 : 6 };
            if (len != 4 && len != 16)
                continue;
            memcpy(ip.b, ASN1_STRING_get0_data(g->d.iPAddress), (size_t)len);
            char text[TK_IP_STRLEN];
            tk_ip_format(&ip, text);
            s = tk_arena_strdup(a, text);
        } else {
            continue;
        }
        if (!s)
            rc = TK_ENOMEM;
        else
            c->sans[c->nsans++] = s;
    }
    GENERAL_NAMES_free(names);
    return rc;
}

int tk_probe_cert_parse(const char *pem, size_t n, struct tk_arena *a, struct tk_probe_cert *out,
                        struct tk_err *err)
{
    *out = (struct tk_probe_cert){ 0 };
    if (n > INT32_MAX)
        return tk_err_set(err, TK_EPARSE, "the certificate is too large");
    BIO *bio = BIO_new_mem_buf(pem, (int)n);
    if (!bio)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!x)
        return tk_err_set(err, TK_EPARSE, "not a PEM certificate");
    int rc = 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    out->subject = name_text(X509_get_subject_name(x), a);
    out->issuer = name_text(X509_get_issuer_name(x), a);
    out->not_before = time_text(X509_get0_notBefore(x), a);
    out->not_after = time_text(X509_get0_notAfter(x), a);
    if (!out->subject || !out->issuer)
        rc = tk_err_set(err, TK_ENOMEM, "out of memory");
    else if (!X509_digest(x, EVP_sha256(), md, &mdlen) || mdlen != 32)
        rc = tk_err_set(err, TK_EPARSE, "cannot hash the certificate");
    else
        tk_hex_encode(md, mdlen, out->sha256);
    if (!rc && sans_of(x, a, out))
        rc = tk_err_set(err, TK_ENOMEM, "out of memory");
    X509_free(x);
    return rc;
}

/* ---- one response as a JSONL line ------------------------------------------------------ */

void tk_probe_response_write(const struct tk_probe_response *r, struct tk_json *w)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "ip", r->ip);
    tk_json_kint(w, "port", r->port);
    if (r->url) {
        tk_json_kstr(w, "url", r->url);
        if (r->status > 0)
            tk_json_kint(w, "status", r->status);
        tk_json_key(w, "headers");
        tk_json_obj_begin(w);
        for (size_t i = 0; i < r->nheaders; i++) {
            const char *name = r->headers[i].name;
            bool earlier = false;
            size_t count = 0;
            for (size_t k = 0; k < i && !earlier; k++)
                earlier = strcasecmp(r->headers[k].name, name) == 0;
            if (earlier)
                continue;
            for (size_t k = i; k < r->nheaders; k++)
                count += strcasecmp(r->headers[k].name, name) == 0;
            tk_json_key(w, name);
            if (count == 1) {
                tk_json_str(w, r->headers[i].value);
                continue;
            }
            tk_json_arr_begin(w);
            for (size_t k = i; k < r->nheaders; k++)
                if (strcasecmp(r->headers[k].name, name) == 0)
                    tk_json_str(w, r->headers[k].value);
            tk_json_arr_end(w);
        }
        tk_json_obj_end(w);
        if (r->body && tk_utf8_valid((const char *)r->body, r->body_len)) {
            tk_json_key(w, "body");
            tk_json_strn(w, (const char *)r->body, r->body_len);
        } else if (r->body) {
            struct tk_buf b = TK_BUF_INIT((size_t)TK_PROBE_MAX_BODY * 2);
            if (tk_base64(&b, r->body, r->body_len, 0) == 0) {
                tk_json_key(w, "body_b64");
                tk_json_strn(w, b.ptr ? b.ptr : "", b.len);
            } else {
                w->err = w->err ? w->err : TK_ENOMEM;
            }
            tk_buf_release(&b);
        }
        if (r->truncated)
            tk_json_kbool(w, "truncated", true);
    }
    if (r->cert) {
        const struct tk_probe_cert *c = r->cert;
        tk_json_key(w, "tls");
        tk_json_obj_begin(w);
        tk_json_kstr_opt(w, "subject", c->subject);
        tk_json_kstr_opt(w, "issuer", c->issuer);
        tk_json_kstrs(w, "sans", c->sans, c->nsans);
        tk_json_kstr_opt(w, "not_before", c->not_before);
        tk_json_kstr_opt(w, "not_after", c->not_after);
        tk_json_kstr_opt(w, "sha256", c->sha256[0] ? c->sha256 : NULL);
        tk_json_obj_end(w);
    }
    char seen[32];
    tk_time_iso8601(r->seen, seen);
    tk_json_kstr(w, "seen", seen);
    tk_json_obj_end(w);
}

/* ---- what to fetch after "/" ----------------------------------------------------------- */

size_t tk_probe_plan(const struct tk_fpdb *db, const struct tk_obs *root, const char **paths,
                     size_t max)
{
    struct tk_fp_hit hits[16];
    size_t nhits = db ? tk_fp_identify(db, root, hits, 16) : 0, n = 0;
    for (size_t i = 0; i < nhits; i++) {
        const char *const *f = tk_fp_fetch(hits[i].fp);
        for (; f && *f && n < max; f++) {
            /* the fingerprint loader allows only paths a browser would send (fp.c) */
            bool dup = strcmp(*f, "/") == 0;
            for (size_t k = 0; k < n && !dup; k++)
                dup = strcmp(paths[k], *f) == 0;
            if (!dup)
                paths[n++] = *f;
        }
    }
    return n;
}

/* ---- the engine ------------------------------------------------------------------------ */

struct job {
    bool used, busy;
    struct tk_probe_target t;
    char label[sizeof(((struct tk_probe_target *)0)->host) + 8]; /* "host:port" */
    enum tk_probe_scheme schemes[2];
    size_t nschemes, si;
    const char *paths[TK_PROBE_MAX_PATHS]; /* [0] is "/"; the rest borrowed from the db */
    size_t npaths, next;
    char ip[TK_IP_STRLEN];
    CURL *easy;
    struct curl_slist *connect_to;
    struct tk_buf url;
    /* the response being received */
    struct tk_buf hdr; /* "name\0value\0" pairs */
    size_t nhdr, hdr_raw;
    bool hdr_done, hdr_cut, body_cut;
    bool last_kept; /* the last header line was stored (a folded line may continue it) */
    struct tk_buf body;
    /* the target's certificate and lines */
    struct tk_arena arena;
    bool has_cert, cert_out; /* cert_out: written on a line already */
    struct tk_probe_cert cert;
    struct tk_buf out;
    char errbuf[CURL_ERROR_SIZE];
};

struct engine {
    const struct tk_probe_opts *o;
    CURLM *multi;
    struct curl_slist *req_headers;
    struct job *jobs;
    size_t njobs, rr;
    long timeout_s;
    bool exhausted;
    struct tk_probe_bucket bucket;
    struct tk_probe_stats st;
    struct tk_buf line; /* one rendered line */
    struct tk_arena plan_arena;
    int werr;
};

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct job *j = ud;
    size_t len = size * n;
    j->hdr_raw += len;
    if (j->hdr_raw > TK_PROBE_MAX_HEADER_BYTES) {
        j->hdr_cut = true;
        return 0; /* an endless or huge header block: stop here */
    }
    struct tk_str line = { p, len };
    while (line.n && (line.p[line.n - 1] == '\n' || line.p[line.n - 1] == '\r'))
        line.n--;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new head (after a 1xx one) */
        tk_buf_reset(&j->hdr);
        j->nhdr = 0;
        j->hdr_done = false;
        j->last_kept = false;
        return len;
    }
    if (!line.n) {
        j->hdr_done = true;
        return len;
    }
    if (j->hdr_done) /* trailers */
        return len;
    if (line.p[0] == ' ' || line.p[0] == '\t') {
        /* an obsolete folded line continues the last value, when that line was kept */
        if (!j->last_kept)
            return len;
        line = tk_str_trim(line);
        line.n = strnlen(line.p, line.n);
        size_t mark = j->hdr.len;
        tk_buf_truncate(&j->hdr, mark - 1); /* the value's NUL */
        if (tk_buf_addc(&j->hdr, ' ') || tk_buf_add(&j->hdr, line.p, line.n) ||
            tk_buf_addc(&j->hdr, '\0')) {
            tk_buf_truncate(&j->hdr, mark - 1);
            tk_buf_addc(&j->hdr, '\0'); /* fits: it was there */
            j->hdr_cut = true;
        }
        return len;
    }
    j->last_kept = false;
    struct tk_str name, value;
    if (!tk_str_cut(line, ':', &name, &value) || !(name = tk_str_trim(name)).n ||
        memchr(name.p, '\0', name.n))
        return len; /* not a header line: not kept */
    value = tk_str_trim(value);
    value.n = strnlen(value.p, value.n); /* pairs are stored NUL-separated */
    if (j->nhdr >= TK_PROBE_MAX_HEADERS) {
        j->hdr_cut = true;
        return len;
    }
    size_t mark = j->hdr.len;
    if (tk_buf_add(&j->hdr, name.p, name.n) || tk_buf_addc(&j->hdr, '\0') ||
        tk_buf_add(&j->hdr, value.p, value.n) || tk_buf_addc(&j->hdr, '\0')) {
        tk_buf_truncate(&j->hdr, mark);
        j->hdr_cut = true;
        return len;
    }
    j->nhdr++;
    j->last_kept = true;
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct job *j = ud;
    size_t len = size * n, room = TK_PROBE_MAX_BODY - j->body.len;
    if (len > room) {
        if (room)
            tk_buf_add(&j->body, p, room);
        j->body_cut = true;
        return 0; /* the rest is not read: the transfer ends here */
    }
    if (tk_buf_add(&j->body, p, len)) {
        j->body_cut = true;
        return 0;
    }
    return len;
}

/* The header pairs of the response in j as tk_kv (kv has room for TK_PROBE_MAX_HEADERS). */
static size_t headers_of(const struct job *j, struct tk_kv *kv)
{
    size_t n = 0;
    const char *p = j->hdr.ptr, *end = p ? p + j->hdr.len : NULL;
    while (p && p < end && n < j->nhdr) {
        kv[n].name = p;
        p += strlen(p) + 1;
        kv[n].value = p;
        p += strlen(p) + 1;
        n++;
    }
    return n;
}

static void url_of(struct job *j, const char *path)
{
    enum tk_probe_scheme s = j->schemes[j->si];
    bool dflt =
        (s == TK_PROBE_HTTPS && j->t.port == 443) || (s == TK_PROBE_HTTP && j->t.port == 80);
    tk_buf_reset(&j->url);
    tk_buf_addf(&j->url, "%s://%s", s == TK_PROBE_HTTPS ? "https" : "http", j->t.host);
    if (!dflt)
        tk_buf_addf(&j->url, ":%u", j->t.port);
    tk_buf_adds(&j->url, path);
}

/* Renders r into the target's lines; a line that would pass the target's bound goes
 * without its body. */
static int add_line(struct engine *e, struct job *j, struct tk_probe_response *r)
{
    for (int pass = 0; pass < 2; pass++) {
        tk_buf_reset(&e->line);
        struct tk_json w;
        tk_json_init_buf(&w, &e->line, 0);
        tk_probe_response_write(r, &w);
        if (tk_json_finish(&w) == 0 && tk_buf_addc(&e->line, '\n') == 0 &&
            j->out.len + e->line.len <= j->out.max)
            return tk_buf_add(&j->out, e->line.ptr, e->line.len);
        if (!r->body)
            break;
        r->body = NULL;
        r->truncated = true;
    }
    e->st.dropped++;
    return TK_ELIMIT;
}

static void capture_cert(struct job *j)
{
    struct curl_certinfo *ci = NULL;
    if (j->has_cert || curl_easy_getinfo(j->easy, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
        ci->num_of_certs < 1)
        return;
    for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next)
        if (strncmp(l->data, "Cert:", 5) == 0) {
            j->has_cert = tk_probe_cert_parse(l->data + 5, strlen(l->data + 5), &j->arena, &j->cert,
                                              NULL) == 0;
            return;
        }
}

static void capture_ip(struct job *j)
{
    char *pip = NULL;
    struct tk_ip ip;
    if (j->ip[0] || curl_easy_getinfo(j->easy, CURLINFO_PRIMARY_IP, &pip) != CURLE_OK || !pip ||
        !tk_ip_parse(tk_str_c(pip), &ip))
        return;
    tk_ip_unmap(&ip);
    tk_ip_format(&ip, j->ip);
    if (!j->t.ip[0]) {
        /* a host name: later requests go to the same address */
        struct tk_buf b = TK_BUF_INIT(1024);
        if (tk_buf_addf(&b, "%s:%u:%s%s%s:%u", j->t.host, j->t.port, ip.family == 6 ? "[" : "",
                        j->ip, ip.family == 6 ? "]" : "", j->t.port) == 0)
            j->connect_to = curl_slist_append(NULL, tk_buf_cstr(&b));
        tk_buf_release(&b);
        if (j->connect_to)
            curl_easy_setopt(j->easy, CURLOPT_CONNECT_TO, j->connect_to);
    }
}

/* The paths after "/": from the fingerprints that identify the answer to "/". */
static void plan(struct engine *e, struct job *j, int status, const struct tk_kv *kv, size_t nkv)
{
    tk_arena_reset(&e->plan_arena);
    struct tk_obs o;
    tk_obs_init(&o, &e->plan_arena);
    tk_obs_set_ip(&o, tk_str_c(j->ip));
    o.port = j->t.port;
    o.transport = "tcp";
    if (!j->t.ip[0])
        tk_obs_hostname_add(&o, tk_str_c(j->t.host));
    struct tk_obs_http *h = tk_obs_http_add(&o, TK_STR_LIT("/"));
    if (!h)
        return;
    h->status = status;
    for (size_t i = 0; i < nkv; i++)
        tk_obs_header_add(&o, h, tk_str_c(kv[i].name), tk_str_c(kv[i].value));
    tk_obs_body_set(&o, h, j->body.ptr ? j->body.ptr : "", j->body.len);
    if (j->has_cert) {
        o.has_cert = true;
        o.cert.subject = j->cert.subject;
        o.cert.issuer = j->cert.issuer;
        o.cert.not_before = j->cert.not_before;
        o.cert.not_after = j->cert.not_after;
        o.cert.sha256 = j->cert.sha256;
        for (size_t i = 0; i < j->cert.nsans; i++)
            tk_obs_san_add(&o, tk_str_c(j->cert.sans[i]));
    }
    tk_obs_finish(&o);
    j->npaths = 1 + tk_probe_plan(e->o->db, &o, j->paths + 1, TK_PROBE_MAX_PATHS - 1);
}

/* How a failed transfer is described to the user (curl's own message follows it). */
static const struct {
    CURLcode rc;
    const char *what;
} failures[] = {
    { CURLE_COULDNT_RESOLVE_HOST, "cannot resolve the host name" },
    { CURLE_COULDNT_CONNECT, "cannot connect" }, /* "connection refused": see why_of */
    { CURLE_OPERATION_TIMEDOUT, "timed out" },
    { CURLE_SSL_CONNECT_ERROR, "TLS handshake failed" },
    { CURLE_SSL_CIPHER, "TLS handshake failed" },
    { CURLE_SSL_CERTPROBLEM, "TLS handshake failed" },
    { CURLE_PEER_FAILED_VERIFICATION, "TLS handshake failed" },
    { CURLE_GOT_NOTHING, "empty reply" },
    { CURLE_RECV_ERROR, "connection broken" },
    { CURLE_SEND_ERROR, "connection broken" },
    { CURLE_WEIRD_SERVER_REPLY, "not an HTTP answer" },
    { CURLE_UNSUPPORTED_PROTOCOL, "not an HTTP answer" },
    { CURLE_WRITE_ERROR, "answer cut at a bound" },
};

static void why_of(const struct job *j, CURLcode rc, long timeout_s, struct tk_buf *out)
{
    const char *what = curl_easy_strerror(rc);
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++)
        if (failures[i].rc == rc)
            what = failures[i].what;
    long os = 0;
    if (rc == CURLE_COULDNT_CONNECT &&
        curl_easy_getinfo(j->easy, CURLINFO_OS_ERRNO, &os) == CURLE_OK && os == ECONNREFUSED)
        what = "connection refused";
    tk_buf_reset(out);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        tk_buf_addf(out, "%s after %ld s", what, timeout_s);
    else
        tk_buf_adds(out, what);
    if (j->errbuf[0])
        tk_buf_addf(out, " (%s)", j->errbuf);
}

static void report(struct engine *e, struct job *j, CURLcode rc, bool whole)
{
    if (!e->o->failed)
        return;
    struct tk_buf why = TK_BUF_INIT(2048);
    why_of(j, rc, e->timeout_s, &why);
    e->o->failed(e->o->ud, j->label, tk_buf_cstr(&j->url), tk_buf_cstr(&why), whole);
    tk_buf_release(&why);
}

/* A transfer of j ended with rc. */
static void done(struct engine *e, struct job *j, CURLcode rc)
{
    curl_multi_remove_handle(e->multi, j->easy);
    j->busy = false;
    long status = 0;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
    capture_ip(j);
    if (j->schemes[j->si] == TK_PROBE_HTTPS)
        capture_cert(j);
    bool ours = rc == CURLE_WRITE_ERROR && (j->hdr_cut || j->body_cut);
    bool answered = status > 0 && status < 1000 && (j->hdr_done || j->hdr_cut) && j->ip[0];
    bool root = j->next == 0;
    if (answered) {
        struct tk_kv kv[TK_PROBE_MAX_HEADERS];
        size_t nkv = headers_of(j, kv);
        struct tk_probe_response r = {
            .ip = j->ip,
            .port = j->t.port,
            .url = tk_buf_cstr(&j->url),
            .status = (int)status,
            .headers = kv,
            .nheaders = nkv,
            .body = (const unsigned char *)(j->body.ptr ? j->body.ptr : ""),
            .body_len = j->body.len,
            .truncated = j->hdr_cut || j->body_cut || rc != CURLE_OK,
            .cert = j->has_cert && !j->cert_out ? &j->cert : NULL,
            .seen = tk_time_now(),
        };
        if (add_line(e, j, &r) == 0) {
            e->st.responses++;
            e->st.truncated += r.truncated;
            j->cert_out = j->cert_out || r.cert;
        }
        if (rc != CURLE_OK && !ours)
            report(e, j, rc, false); /* kept what came, but say why it stopped */
        if (root) {
            e->st.answered++;
            plan(e, j, (int)status, kv, nkv);
        }
        j->next++;
        return;
    }
    if (!root) {
        e->st.request_errors++;
        report(e, j, rc, false);
        j->next++;
        return;
    }
    /* no answer to "/": plain HTTP on 80/8080 when HTTPS got no further than TCP (a local
     * port means the TCP connection was made; libcurl keeps no connect time when the TLS
     * handshake on it failed) */
    long local_port = 0;
    curl_off_t tls = 0;
    curl_easy_getinfo(j->easy, CURLINFO_LOCAL_PORT, &local_port);
    curl_easy_getinfo(j->easy, CURLINFO_APPCONNECT_TIME_T, &tls);
    if (j->si + 1 < j->nschemes && local_port > 0 && tls == 0 && !j->has_cert) {
        j->si++;
        return;
    }
    e->st.failed++;
    report(e, j, rc, true);
    if (j->has_cert && j->ip[0]) { /* the certificate is an observation of its own */
        struct tk_probe_response r = {
            .ip = j->ip, .port = j->t.port, .cert = &j->cert, .seen = tk_time_now()
        };
        add_line(e, j, &r);
    }
    j->next = j->npaths;
}

static int job_start(struct engine *e, struct job *j, const struct tk_probe_target *t)
{
    j->used = true;
    j->t = *t;
    snprintf(j->label, sizeof j->label, "%s:%u", t->host, t->port);
    j->nschemes = tk_probe_schemes(t, j->schemes);
    j->si = 0;
    j->paths[0] = "/";
    j->npaths = 1;
    j->next = 0;
    j->has_cert = j->cert_out = false;
    snprintf(j->ip, sizeof j->ip, "%s", t->ip);
    tk_arena_reset(&j->arena);
    tk_buf_reset(&j->out);
    CURL *c = j->easy = curl_easy_init();
    if (!c)
        return TK_ENOMEM;
    long ms = e->timeout_s * 1000;
    curl_easy_setopt(c, CURLOPT_PRIVATE, j);
    curl_easy_setopt(c, CURLOPT_USERAGENT, e->o->user_agent);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->req_headers);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    /* straight to the device, whatever the environment says about proxies */
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    /* the certificate is recorded, not trusted: no verification; old devices speak old TLS */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_0);
    curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->errbuf);
    return 0;
}

static bool job_wants(const struct job *j)
{
    return j->used && !j->busy && j->next < j->npaths;
}

static int request_start(struct engine *e, struct job *j)
{
    url_of(j, j->paths[j->next]);
    tk_buf_reset(&j->hdr);
    tk_buf_reset(&j->body);
    j->nhdr = j->hdr_raw = 0;
    j->hdr_done = j->hdr_cut = j->body_cut = j->last_kept = false;
    j->errbuf[0] = '\0';
    curl_easy_setopt(j->easy, CURLOPT_URL, tk_buf_cstr(&j->url));
    /* the first request of a target makes its own connection, so its handshake (and
     * certificate) is this target's; the others reuse it */
    curl_easy_setopt(j->easy, CURLOPT_FRESH_CONNECT, j->next == 0 ? 1L : 0L);
    if (curl_multi_add_handle(e->multi, j->easy) != CURLM_OK)
        return TK_ENOMEM;
    j->busy = true;
    e->st.requests++;
    return 0;
}

static void job_finish(struct engine *e, struct job *j)
{
    if (!e->werr && j->out.len && e->o->write(e->o->ud, j->out.ptr, j->out.len) != 0)
        e->werr = 1;
    if (j->busy)
        curl_multi_remove_handle(e->multi, j->easy);
    curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->connect_to);
    j->easy = NULL;
    j->connect_to = NULL;
    j->used = j->busy = false;
    /* a finished target keeps no memory: the next one may be a small one */
    tk_buf_release(&j->out);
    tk_buf_release(&j->body);
    tk_buf_release(&j->hdr);
    tk_arena_reset(&j->arena);
    e->st.done++;
}

static void engine_release(struct engine *e)
{
    for (size_t i = 0; e->jobs && i < e->njobs; i++) {
        struct job *j = &e->jobs[i];
        if (j->easy) {
            if (j->busy)
                curl_multi_remove_handle(e->multi, j->easy);
            curl_easy_cleanup(j->easy);
        }
        curl_slist_free_all(j->connect_to);
        tk_buf_release(&j->out);
        tk_buf_release(&j->body);
        tk_buf_release(&j->hdr);
        tk_buf_release(&j->url);
        tk_arena_release(&j->arena);
    }
    tk_free(e->jobs);
    if (e->multi)
        curl_multi_cleanup(e->multi);
    curl_slist_free_all(e->req_headers);
    tk_buf_release(&e->line);
    tk_arena_release(&e->plan_arena);
}

static int engine_init(struct engine *e, const struct tk_probe_opts *o, struct tk_err *err)
{
    e->o = o;
    e->njobs = o->concurrency ? o->concurrency : 8;
    if (e->njobs > TK_PROBE_MAX_CONCURRENCY)
        e->njobs = TK_PROBE_MAX_CONCURRENCY;
    /* what every target holds at once stays within TK_PROBE_RUN_OUT */
    size_t out_cap = TK_PROBE_RUN_OUT / e->njobs;
    if (out_cap > TK_PROBE_MAX_OUT)
        out_cap = TK_PROBE_MAX_OUT;
    e->timeout_s = o->timeout_s > 0 ? o->timeout_s : 10;
    tk_buf_init(&e->line, (size_t)8 << 20);
    tk_arena_init(&e->plan_arena, (size_t)8 << 20);
    e->st.targets = tk_probe_targets_total(o->targets);
    tk_probe_bucket_init(&e->bucket, o->rate > 0 ? o->rate : 10, tk_time_mono());
    struct curl_slist *h = curl_slist_append(
        NULL, "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
    e->req_headers = h ? curl_slist_append(h, "Accept-Language: en-US,en;q=0.5") : NULL;
    if (!e->req_headers)
        curl_slist_free_all(h);
    e->jobs = tk_calloc(e->njobs, sizeof *e->jobs);
    e->multi = curl_multi_init();
    if (!e->req_headers || !e->jobs || !e->multi)
        return tk_err_set(err, TK_ENOMEM, "out of memory setting up the probe");
    for (size_t i = 0; i < e->njobs; i++) {
        struct job *j = &e->jobs[i];
        tk_buf_init(&j->url, 8192);
        tk_buf_init(&j->hdr, TK_PROBE_MAX_HEADER_BYTES + 2);
        tk_buf_init(&j->body, TK_PROBE_MAX_BODY);
        tk_buf_init(&j->out, out_cap);
        tk_arena_init(&j->arena, (size_t)1 << 20);
    }
    /* idle connections kept: as many as there are slots */
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->njobs);
    return 0;
}

int tk_probe_run(const struct tk_probe_opts *o, struct tk_probe_stats *st, struct tk_err *err)
{
    struct engine e = { 0 };
    int rc = engine_init(&e, o, err);
    double start = tk_time_mono(), tick = start;
    while (!rc) {
        bool moved = false;
        double now = tk_time_mono();
        /* finished targets out, new ones in */
        for (size_t i = 0; i < e.njobs; i++) {
            struct job *j = &e.jobs[i];
            if (j->used && !j->busy && j->next >= j->npaths) {
                job_finish(&e, j);
                moved = true;
            }
            struct tk_probe_target t;
            if (!j->used && !e.exhausted && !e.werr) {
                if (!tk_probe_targets_next(o->targets, &t))
                    e.exhausted = true;
                else if ((rc = job_start(&e, j, &t)) != 0)
                    break;
            }
        }
        if (rc) {
            tk_err_set(err, rc, "out of memory starting a transfer");
            break;
        }
        if (e.werr) {
            rc = tk_err_set(err, TK_EIO, "cannot write the output");
            break;
        }
        /* requests out, as the bucket allows, taking the slots in turn */
        bool waiting = false;
        for (size_t k = 0; k < e.njobs && !rc; k++) {
            struct job *j = &e.jobs[(e.rr + k) % e.njobs];
            if (!job_wants(j))
                continue;
            if (!tk_probe_bucket_take(&e.bucket, now)) {
                waiting = true;
                break;
            }
            rc = request_start(&e, j);
            e.rr = (e.rr + k + 1) % e.njobs;
        }
        if (rc) {
            tk_err_set(err, rc, "cannot start a transfer");
            break;
        }
        bool active = false;
        for (size_t i = 0; i < e.njobs && !active; i++)
            active = e.jobs[i].used;
        if (!active && e.exhausted)
            break;
        int running = 0;
        if (curl_multi_perform(e.multi, &running) != CURLM_OK) {
            rc = tk_err_set(err, TK_EIO, "the transfer loop failed");
            break;
        }
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(e.multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            char *pv = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &pv);
            struct job *j = (struct job *)pv;
            CURLcode res = m->data.result; /* m is invalid once the handle is removed */
            if (j) {
                done(&e, j, res);
                moved = true;
            }
        }
        now = tk_time_mono();
        if (o->progress && now - tick >= 1) {
            tick = now;
            e.st.elapsed = now - start;
            o->progress(o->ud, &e.st);
        }
        if (moved)
            continue;
        int wait_ms = 1000;
        if (waiting) {
            double w = ceil(tk_probe_bucket_wait(&e.bucket, now) * 1000);
            wait_ms = w < 1 ? 1 : w < 1000 ? (int)w : 1000;
        }
        if (curl_multi_poll(e.multi, NULL, 0, wait_ms, NULL) != CURLM_OK) {
            rc = tk_err_set(err, TK_EIO, "the transfer loop failed");
            break;
        }
    }
    e.st.elapsed = tk_time_mono() - start;
    if (!rc && o->progress)
        o->progress(o->ud, &e.st);
    if (st)
        *st = e.st;
    engine_release(&e);
    return rc;
}
