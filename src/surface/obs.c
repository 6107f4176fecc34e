/* obs.c - building, finishing, merging and writing observations (obs.h). */
#include "surface/obs.h"

#include <string.h>

#include "core/addr.h"
#include "core/escape.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/time.h"
#include "core/utf8.h"

void tk_obs_init(struct tk_obs *o, struct tk_arena *a)
{
    *o = (struct tk_obs){ .arena = a, .transport = "tcp" };
}

bool tk_obs_set_ip(struct tk_obs *o, struct tk_str s)
{
    struct tk_ip ip;
    if (!tk_ip_parse(tk_str_trim(s), &ip))
        return false;
    tk_ip_unmap(&ip);
    tk_ip_format(&ip, o->ip);
    return true;
}

const char *tk_obs_str(struct tk_obs *o, struct tk_str s)
{
    return tk_arena_str(o->arena, s);
}

const char *tk_obs_opt(struct tk_obs *o, struct tk_str s)
{
    s = tk_str_trim(s);
    return s.n ? tk_arena_str(o->arena, s) : NULL;
}

const char *tk_obs_time(struct tk_obs *o, struct tk_str s)
{
    int64_t t;
    if (!tk_time_parse(s, &t))
        return NULL;
    char buf[32];
    tk_time_iso8601(t, buf);
    return tk_arena_str(o->arena, tk_str_c(buf));
}

int tk_obs_title_set(struct tk_obs *o, struct tk_obs_http *h, struct tk_str title)
{
    title = tk_str_trim(title);
    if (title.n > TK_OBS_MAX_TITLE) {
        title.n = TK_OBS_MAX_TITLE;
        while (title.n && ((unsigned char)title.p[title.n] & 0xc0) == 0x80)
            title.n--; /* not inside a UTF-8 sequence */
        o->truncated++;
    }
    return (h->title = tk_arena_str(o->arena, title)) ? 0 : TK_ENOMEM;
}

int tk_obs_sans_text(struct tk_obs *o, struct tk_str s)
{
    struct tk_str item, rest = s;
    int rc = 0;
    for (unsigned i = 0; !rc && rest.n && i < 4 * TK_OBS_MAX_NAMES; i++) {
        tk_str_cut(rest, ',', &item, &rest);
        struct tk_str kind, val;
        if (!tk_str_cut(tk_str_trim(item), ':', &kind, &val))
            continue;
        if (tk_str_eq_c(kind, "DNS") || tk_str_eq_c(kind, "IP Address") || tk_str_eq_c(kind, "IP"))
            rc = tk_obs_san_add(o, val);
    }
    return rc;
}

struct tk_obs_http *tk_obs_http_add(struct tk_obs *o, struct tk_str path)
{
    if (!o->http && !(o->http = tk_arena_alloc(o->arena, TK_OBS_MAX_HTTP * sizeof *o->http)))
        return NULL;
    if (o->nhttp == TK_OBS_MAX_HTTP) {
        o->truncated++;
        return NULL;
    }
    struct tk_obs_http *h = &o->http[o->nhttp];
    *h = (struct tk_obs_http){ .path = path.n ? tk_obs_str(o, path) : "/" };
    if (!h->path)
        return NULL;
    o->nhttp++;
    return h;
}

const struct tk_obs_http *tk_obs_http_at(const struct tk_obs *o, const char *path)
{
    for (size_t i = 0; i < o->nhttp; i++)
        if (strcmp(o->http[i].path, path) == 0)
            return &o->http[i];
    return NULL;
}

int tk_obs_header_add(struct tk_obs *o, struct tk_obs_http *h, struct tk_str name,
                      struct tk_str value)
{
    name = tk_str_trim(name);
    if (!name.n)
        return 0;
    if (!h->headers && !(h->headers = tk_arena_alloc(o->arena, TK_OBS_MAX_HEADERS *
                                                                   sizeof *h->headers)))
        return TK_ENOMEM;
    if (h->nheaders == TK_OBS_MAX_HEADERS) {
        o->truncated++;
        return 0;
    }
    value = tk_str_trim(value);
    if (value.n > TK_OBS_MAX_VALUE) {
        value.n = TK_OBS_MAX_VALUE;
        o->truncated++;
    }
    char *n = tk_arena_str(o->arena, name);
    const char *v = tk_arena_str(o->arena, value);
    if (!n || !v)
        return TK_ENOMEM;
    for (char *c = n; *c; c++)
        *c = *c == '_' ? '-' : (*c >= 'A' && *c <= 'Z') ? (char)(*c + 32) : *c;
    h->headers[h->nheaders++] = (struct tk_kv){ n, v };
    return 0;
}

const char *tk_obs_header(const struct tk_obs_http *h, const char *name)
{
    for (size_t i = 0; i < h->nheaders; i++)
        if (strcmp(h->headers[i].name, name) == 0)
            return h->headers[i].value;
    return NULL;
}

static const unsigned char *copy_bytes(struct tk_obs *o, const void *p, size_t *n)
{
    if (*n > TK_OBS_MAX_BODY) {
        *n = TK_OBS_MAX_BODY;
        o->truncated++;
    }
    unsigned char *c = tk_arena_alloc(o->arena, *n + 1);
    if (c) {
        memcpy(c, p, *n);
        c[*n] = 0;
    }
    return c;
}

int tk_obs_body_set(struct tk_obs *o, struct tk_obs_http *h, const void *p, size_t n)
{
    h->body = copy_bytes(o, p, &n);
    h->body_len = h->body ? n : 0;
    return h->body ? 0 : TK_ENOMEM;
}

int tk_obs_banner_set(struct tk_obs *o, const void *p, size_t n)
{
    o->banner = copy_bytes(o, p, &n);
    o->banner_len = o->banner ? n : 0;
    return o->banner ? 0 : TK_ENOMEM;
}

int tk_obs_http_parse_raw(struct tk_obs *o, struct tk_obs_http *h, struct tk_str raw)
{
    struct tk_str rest = raw, line;
    if (!tk_str_next_line(&rest, &line))
        return 0;
    line = tk_str_trim(line);
    if (tk_str_has_prefix(line, "HTTP/")) {
        struct tk_str ver, code;
        if (tk_str_cut(line, ' ', &ver, &code)) {
            uint64_t v = 0;
            struct tk_str num = tk_str_trim(code), tail;
            if (tk_str_cut(num, ' ', &num, &tail))
                (void)tail;
            if (tk_str_to_u64(num, &v) && v < 1000)
                h->status = (int)v;
        }
    } else {
        rest = raw; /* no status line: headers from the start */
    }
    struct tk_str name = { 0 }, value = { 0 };
    struct tk_buf folded = TK_BUF_INIT(1 << 16);
    int rc = 0;
    while (!rc && tk_str_next_line(&rest, &line)) {
        if (line.n && line.p[line.n - 1] == '\r')
            line.n--;
        if (!line.n)
            break; /* the blank line before the body */
        if ((line.p[0] == ' ' || line.p[0] == '\t') && name.n) {
            /* a folded continuation of the previous header */
            if (!folded.len)
                tk_buf_add(&folded, value.p, value.n);
            tk_buf_addc(&folded, ' ');
            struct tk_str t = tk_str_trim(line);
            tk_buf_add(&folded, t.p, t.n);
            continue;
        }
        if (name.n) {
            rc = tk_obs_header_add(o, h, name,
                                   folded.len ? (struct tk_str){ folded.ptr, folded.len } : value);
            tk_buf_reset(&folded);
        }
        if (!tk_str_cut(line, ':', &name, &value))
            name = (struct tk_str){ 0 };
    }
    if (!rc && name.n)
        rc = tk_obs_header_add(o, h, name,
                               folded.len ? (struct tk_str){ folded.ptr, folded.len } : value);
    tk_buf_release(&folded);
    if (!rc && rest.n && line.n == 0)
        rc = tk_obs_body_set(o, h, rest.p, rest.n);
    return rc;
}

static int name_add(struct tk_obs *o, const char ***arr, size_t *n, struct tk_str s)
{
    s = tk_str_trim(s);
    if (!s.n)
        return 0;
    for (size_t i = 0; i < *n; i++)
        if (tk_str_eq_c(s, (*arr)[i]))
            return 0;
    if (!*arr && !(*arr = tk_arena_alloc(o->arena, TK_OBS_MAX_NAMES * sizeof **arr)))
        return TK_ENOMEM;
    if (*n == TK_OBS_MAX_NAMES) {
        o->truncated++;
        return 0;
    }
    const char *c = tk_obs_str(o, s);
    if (!c)
        return TK_ENOMEM;
    (*arr)[(*n)++] = c;
    return 0;
}

int tk_obs_hostname_add(struct tk_obs *o, struct tk_str name)
{
    return name_add(o, &o->hostnames, &o->nhostnames, name);
}

int tk_obs_san_add(struct tk_obs *o, struct tk_str name)
{
    return name_add(o, &o->cert.sans, &o->cert.nsans, name);
}

/* ---- derived fields ------------------------------------------------------------------ */

uint32_t tk_murmur3_32(const void *p, size_t n, uint32_t seed)
{
    const unsigned char *d = p;
    const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
    uint32_t h = seed;
    size_t blocks = n / 4;
    for (size_t i = 0; i < blocks; i++) {
        uint32_t k = (uint32_t)d[4 * i] | (uint32_t)d[4 * i + 1] << 8 |
                     (uint32_t)d[4 * i + 2] << 16 | (uint32_t)d[4 * i + 3] << 24;
        k *= c1;
        k = k << 15 | k >> 17;
        k *= c2;
        h ^= k;
        h = h << 13 | h >> 19;
        h = h * 5 + 0xe6546b64;
    }
    const unsigned char *tail = d + 4 * blocks;
    uint32_t k = 0;
    switch (n & 3) {
    case 3:
        k ^= (uint32_t)tail[2] << 16;
        /* fall through */
    case 2:
        k ^= (uint32_t)tail[1] << 8;
        /* fall through */
    case 1:
        k ^= tail[0];
        k *= c1;
        k = k << 15 | k >> 17;
        k *= c2;
        h ^= k;
    }
    h ^= (uint32_t)n;
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}

int32_t tk_favicon_hash(const void *p, size_t n)
{
    struct tk_buf b = TK_BUF_INIT((n / 57 + 2) * 78 + 16);
    int32_t r = 0;
    if (!tk_base64_eol(&b, p, n, 76, "\n")) {
        uint32_t u = tk_murmur3_32(b.ptr ? b.ptr : "", b.len, 0);
        memcpy(&r, &u, sizeof r);
    }
    tk_buf_release(&b);
    return r;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static const unsigned char *find_ci(const unsigned char *p, const unsigned char *end,
                                    const char *needle)
{
    size_t k = strlen(needle);
    for (; p + k <= end; p++) {
        size_t i = 0;
        while (i < k && lower(p[i]) == needle[i])
            i++;
        if (i == k)
            return p;
    }
    return NULL;
}

bool tk_html_title(const unsigned char *body, size_t n, struct tk_buf *out)
{
    const unsigned char *end = body + n, *t = find_ci(body, end, "<title");
    if (!t)
        return false;
    t += 6;
    while (t < end && *t != '>')
        t++;
    if (t == end)
        return false;
    const unsigned char *s = t + 1, *e = find_ci(s, end, "</title");
    if (!e)
        e = end;
    if (e - s > TK_OBS_MAX_TITLE)
        e = s + TK_OBS_MAX_TITLE; /* tk_obs_title_set cuts the rest at a character */
    tk_buf_reset(out);
    bool blank = false;
    for (const unsigned char *c = s; c < e; c++) {
        if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n') {
            blank = out->len > 0;
            continue;
        }
        if (blank)
            tk_buf_addc(out, ' ');
        blank = false;
        tk_buf_addc(out, (char)*c);
    }
    return true;
}

/* "CN=a, O=b" or "/CN=a/O=b": the value of one attribute. */
static const char *rdn(struct tk_obs *o, const char *dn, const char *attr)
{
    if (!dn)
        return NULL;
    size_t k = strlen(attr);
    for (const char *p = dn; *p; p++) {
        if ((p == dn || p[-1] == ',' || p[-1] == ' ' || p[-1] == '/' || p[-1] == '+') &&
            strncmp(p, attr, k) == 0 && p[k] == '=') {
            const char *v = p + k + 1, *e = v;
            while (*e && *e != ',' && *e != '/' && *e != '+')
                e++;
            return tk_obs_str(o, tk_str_trim((struct tk_str){ v, (size_t)(e - v) }));
        }
    }
    return NULL;
}

int tk_obs_finish(struct tk_obs *o)
{
    struct tk_buf t = TK_BUF_INIT(4096);
    for (size_t i = 0; i < o->nhttp; i++) {
        struct tk_obs_http *h = &o->http[i];
        if (!h->body)
            continue;
        tk_sha256_hex(h->body, h->body_len, h->body_sha256);
        if (!h->title && tk_html_title(h->body, h->body_len, &t) &&
            tk_obs_title_set(o, h, (struct tk_str){ t.ptr ? t.ptr : "", t.len }))
            return TK_ENOMEM;
        if (!o->has_favicon && h->status == 200 && h->body_len &&
            strncmp(h->path, "/favicon.ico", 12) == 0) {
            o->favicon_hash = tk_favicon_hash(h->body, h->body_len);
            o->has_favicon = true;
        }
    }
    tk_buf_release(&t);
    if (o->has_cert) {
        if (!o->cert.subject_cn)
            o->cert.subject_cn = rdn(o, o->cert.subject, "CN");
        if (!o->cert.subject_o)
            o->cert.subject_o = rdn(o, o->cert.subject, "O");
    }
    return 0;
}

static const char *dup(struct tk_obs *o, const char *s)
{
    return s ? tk_arena_strdup(o->arena, s) : NULL;
}

int tk_obs_merge(struct tk_obs *dst, const struct tk_obs *src)
{
    int rc = 0;
    for (size_t i = 0; i < src->nhttp && !rc; i++) {
        const struct tk_obs_http *s = &src->http[i];
        if (tk_obs_http_at(dst, s->path))
            continue;
        struct tk_obs_http *h = tk_obs_http_add(dst, tk_str_c(s->path));
        if (!h) {
            rc = dst->nhttp < TK_OBS_MAX_HTTP ? TK_ENOMEM : 0; /* the bound: counted */
            break;
        }
        h->status = s->status;
        for (size_t k = 0; k < s->nheaders && !rc; k++)
            rc = tk_obs_header_add(dst, h, tk_str_c(s->headers[k].name),
                                   tk_str_c(s->headers[k].value));
        if (!rc && s->body)
            rc = tk_obs_body_set(dst, h, s->body, s->body_len);
        if (!rc && s->title)
            rc = tk_obs_title_set(dst, h, tk_str_c(s->title));
    }
    for (size_t i = 0; i < src->nhostnames && !rc; i++)
        rc = tk_obs_hostname_add(dst, tk_str_c(src->hostnames[i]));
    if (!rc && src->has_cert && !dst->has_cert) {
        dst->has_cert = true;
        const struct tk_obs_cert *c = &src->cert;
        dst->cert.subject = dup(dst, c->subject);
        dst->cert.issuer = dup(dst, c->issuer);
        dst->cert.subject_cn = dup(dst, c->subject_cn);
        dst->cert.subject_o = dup(dst, c->subject_o);
        dst->cert.not_before = dup(dst, c->not_before);
        dst->cert.not_after = dup(dst, c->not_after);
        dst->cert.sha256 = dup(dst, c->sha256);
        for (size_t i = 0; i < c->nsans && !rc; i++)
            rc = tk_obs_san_add(dst, tk_str_c(c->sans[i]));
    }
    if (!rc && src->banner && !dst->banner)
        rc = tk_obs_banner_set(dst, src->banner, src->banner_len);
    if (!dst->has_favicon && src->has_favicon) {
        dst->has_favicon = true;
        dst->favicon_hash = src->favicon_hash;
    }
    if (src->seen > dst->seen)
        dst->seen = src->seen;
    dst->truncated += src->truncated;
    return rc;
}

/* ---- JSON ---------------------------------------------------------------------------- */

static void bytes_member(struct tk_json *w, const char *key, const char *key_b64,
                         const unsigned char *p, size_t n)
{
    if (tk_utf8_valid((const char *)p, n)) {
        tk_json_key(w, key);
        tk_json_strn(w, (const char *)p, n);
        return;
    }
    struct tk_buf b = TK_BUF_INIT(2 * n + 16);
    tk_base64(&b, p, n, 0);
    tk_json_key(w, key_b64);
    tk_json_strn(w, b.ptr ? b.ptr : "", b.len);
    tk_buf_release(&b);
}

void tk_obs_write_json(const struct tk_obs *o, struct tk_json *w, bool with_bodies)
{
    tk_json_obj_begin(w);
    tk_json_kstr(w, "ip", o->ip);
    tk_json_kint(w, "port", o->port);
    tk_json_kstr(w, "transport", o->transport);
    if (o->nhostnames)
        tk_json_kstrs(w, "hostnames", o->hostnames, o->nhostnames);
    if (o->has_cert) {
        const struct tk_obs_cert *c = &o->cert;
        tk_json_key(w, "tls");
        tk_json_obj_begin(w);
        tk_json_kstr_opt(w, "subject", c->subject);
        tk_json_kstr_opt(w, "issuer", c->issuer);
        tk_json_kstr_opt(w, "subject_cn", c->subject_cn);
        tk_json_kstr_opt(w, "subject_o", c->subject_o);
        tk_json_kstrs(w, "sans", c->sans, c->nsans);
        tk_json_kstr_opt(w, "not_before", c->not_before);
        tk_json_kstr_opt(w, "not_after", c->not_after);
        tk_json_kstr_opt(w, "sha256", c->sha256);
        tk_json_obj_end(w);
    }
    if (o->nhttp) {
        tk_json_key(w, "http");
        tk_json_arr_begin(w);
        for (size_t i = 0; i < o->nhttp; i++) {
            const struct tk_obs_http *h = &o->http[i];
            tk_json_obj_begin(w);
            tk_json_kstr(w, "path", h->path);
            if (h->status)
                tk_json_kint(w, "status", h->status);
            tk_json_key(w, "headers");
            tk_json_obj_begin(w);
            struct tk_buf v = TK_BUF_INIT((size_t)TK_OBS_MAX_HEADERS * (TK_OBS_MAX_VALUE + 2));
            for (size_t k = 0; k < h->nheaders; k++) {
                /* repeated names (set-cookie) are joined the way HTTP allows for others */
                const char *name = h->headers[k].name;
                bool first = true, repeated = false;
                for (size_t j = 0; j < h->nheaders && first; j++)
                    if (j != k && strcmp(h->headers[j].name, name) == 0) {
                        first = j > k;
                        repeated = true;
                    }
                if (!first)
                    continue;
                tk_json_key(w, name);
                if (!repeated) {
                    tk_json_str(w, h->headers[k].value);
                    continue;
                }
                tk_buf_reset(&v);
                for (size_t j = k; j < h->nheaders; j++)
                    if (strcmp(h->headers[j].name, name) == 0) {
                        if (v.len)
                            tk_buf_adds(&v, strcmp(name, "set-cookie") == 0 ? "\n" : ", ");
                        tk_buf_adds(&v, h->headers[j].value);
                    }
                tk_json_strn(w, v.ptr ? v.ptr : "", v.len);
            }
            tk_buf_release(&v);
            tk_json_obj_end(w);
            tk_json_kstr_opt(w, "title", h->title);
            if (h->body) {
                tk_json_kint(w, "body_len", (int64_t)h->body_len);
                tk_json_kstr(w, "body_sha256", h->body_sha256);
                if (with_bodies)
                    bytes_member(w, "body", "body_b64", h->body, h->body_len);
            }
            tk_json_obj_end(w);
        }
        tk_json_arr_end(w);
    }
    if (o->has_favicon)
        tk_json_kint(w, "favicon_hash", o->favicon_hash);
    if (o->banner)
        bytes_member(w, "banner", "banner_b64", o->banner, o->banner_len);
    if (o->service || o->src_product || o->src_version || o->src_cpe) {
        tk_json_key(w, "source_says");
        tk_json_obj_begin(w);
        tk_json_kstr_opt(w, "service", o->service);
        tk_json_kstr_opt(w, "product", o->src_product);
        tk_json_kstr_opt(w, "version", o->src_version);
        tk_json_kstr_opt(w, "cpe", o->src_cpe);
        tk_json_obj_end(w);
    }
    tk_json_kstr_opt(w, "country", o->country);
    tk_json_kstr_opt(w, "region", o->region);
    if (o->seen)
        tk_json_kint(w, "seen", o->seen);
    tk_json_kstr_opt(w, "format", o->format);
    tk_json_kstr_opt(w, "input", o->input);
    if (o->truncated)
        tk_json_kint(w, "truncated", o->truncated);
    tk_json_obj_end(w);
}
