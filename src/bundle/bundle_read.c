/* bundle_read.c - JSON to struct tk_bundle, checking types as it goes. The writer
 * (bundle_json.c) and docs/bundle.schema.json define the shape; this reader accepts exactly
 * what the writer produces, and for anything else names the JSON pointer that is wrong. */
#include "bundle/bundle_read.h"

#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/jdoc.h"
#include "core/time.h"
#include "kb/input.h"

struct rd {
    struct tk_bundle *b;
    const char *name;
    struct tk_err *err;
    int rc;
    char path[256]; /* JSON pointer of what is being read */
    /* "/key/index" still to append to path: written out only when needed (an error, or a
     * read nested deeper), since most array elements are read without either */
    const char *idx_key;
    size_t idx;
};

static void settle(struct rd *r)
{
    if (r->idx_key) {
        size_t n = strlen(r->path);
        snprintf(r->path + n, sizeof r->path - n, "/%s/%zu", r->idx_key, r->idx);
        r->idx_key = NULL;
    }
}

static void bad(struct rd *r, const char *key, const char *what)
{
    settle(r);
    if (!r->rc)
        r->rc = tk_err_set(r->err, TK_EPARSE, "%s: %s%s%s: %s", r->name, r->path, *key ? "/" : "",
                           key, what);
}

/* Where to cut s (n bytes of UTF-8) to at most max bytes without splitting a character. */
static size_t clip_at(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

/* Every string the reader keeps comes through here: the string v (key names it in an
 * error) copied into the bundle. The writer never writes a NUL character (C strings cannot
 * hold one), so one is refused; past max bytes (a hostile machine's string: nothing real is
 * that long, and every report would carry it) it is cut at a character's start. NULL after
 * an error, or when memory ran out (then as if absent). */
static const char *keep_str(struct rd *r, const struct tk_jv *v, const char *key, size_t max)
{
    if (!tk_jv_is(v, TK_JV_STRING)) {
        bad(r, key, "expected a string");
        return NULL;
    }
    if (tk_jv_has_nul(v)) {
        bad(r, key, "holds a NUL character");
        return NULL;
    }
    const char *s = tk_jv_str(v);
    size_t n = clip_at(s, tk_jv_strlen(v), max);
    char *d = tk_arena_alloc(&r->b->arena, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* A string member (or null) through keep_str(); NULL when absent or null. */
static const char *str_max(struct rd *r, const struct tk_jv *obj, const char *key,
                           bool required, size_t max)
{
    const struct tk_jv *v = tk_jv_get(obj, key);
    if (!v || tk_jv_is(v, TK_JV_NULL)) {
        if (required)
            bad(r, key, "missing");
        return NULL;
    }
    return keep_str(r, v, key, max);
}

static const char *str(struct rd *r, const struct tk_jv *obj, const char *key, bool required)
{
    return str_max(r, obj, key, required, TK_BUNDLE_STR_MAX);
}

static int64_t num(struct rd *r, const struct tk_jv *obj, const char *key, int64_t absent)
{
    const struct tk_jv *v = tk_jv_get(obj, key);
    if (!v || tk_jv_is(v, TK_JV_NULL))
        return absent;
    if (!tk_jv_is(v, TK_JV_INT)) {
        bad(r, key, "expected an integer");
        return absent;
    }
    return tk_jv_int(v);
}

static bool flag(struct rd *r, const struct tk_jv *obj, const char *key)
{
    const struct tk_jv *v = tk_jv_get(obj, key);
    if (v && !tk_jv_is_bool(v))
        bad(r, key, "expected true or false");
    return tk_jv_is(v, TK_JV_TRUE);
}

static enum tk_tri tri(struct rd *r, const struct tk_jv *obj, const char *key)
{
    const struct tk_jv *v = tk_jv_get(obj, key);
    if (!v || tk_jv_is(v, TK_JV_NULL))
        return TK_UNKNOWN;
    if (!tk_jv_is_bool(v)) {
        bad(r, key, "expected true, false or null");
        return TK_UNKNOWN;
    }
    return tk_jv_is(v, TK_JV_TRUE) ? TK_YES : TK_NO;
}

/* "2026-11-22T04:52:00Z" -> seconds; -1 for null or absent. Exactly the writer's form. */
static int64_t when(struct rd *r, const struct tk_jv *obj, const char *key)
{
    const struct tk_jv *v = tk_jv_get(obj, key);
    if (!v || tk_jv_is(v, TK_JV_NULL))
        return -1;
    const char *s = tk_jv_str(v);
    int y, mo, d, h, mi, se, used = 0;
    if (!s || strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &used) != 6 ||
        used != 20 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 ||
        y < 1970 || y > 9999) {
        bad(r, key, "expected a UTC time YYYY-MM-DDTHH:MM:SSZ");
        return -1;
    }
    return tk_time_from_civil(y, mo, d, h, mi, se);
}

static const struct tk_jv *obj_member(struct rd *r, const struct tk_jv *obj, const char *key, bool required)
{
    const struct tk_jv *v = tk_jv_get(obj, key);
    if (!v && !required)
        return NULL;
    if (!tk_jv_is(v, TK_JV_OBJECT)) {
        bad(r, key, "expected an object");
        return NULL;
    }
    return v;
}

static const struct tk_jv *arr_member(struct rd *r, const struct tk_jv *obj, const char *key)
{
    const struct tk_jv *v = tk_jv_get(obj, key);
    if (!tk_jv_is(v, TK_JV_ARRAY)) {
        bad(r, key, "expected an array");
        return NULL;
    }
    return v;
}

/* Extends r->path for the duration of a nested read: "/key" or "/key/index". */
static void enter(struct rd *r, const char *key)
{
    settle(r);
    size_t n = strlen(r->path);
    snprintf(r->path + n, sizeof r->path - n, "/%s", key);
}

static void enter_index(struct rd *r, const char *key, size_t index)
{
    settle(r);
    r->idx_key = key;
    r->idx = index;
}

/* The length of path with any pending index written out: where a nested read returns to. */
static size_t mark(struct rd *r)
{
    settle(r);
    return strlen(r->path);
}

static void leave(struct rd *r, size_t len)
{
    r->idx_key = NULL;
    r->path[len] = '\0';
}

/* Items, errors, sockets: fixed strings the bundle keeps as static pointers must be one of
 * the known values, so a hostile bundle cannot smuggle arbitrary data into them. */
static const char *one_of(struct rd *r, const struct tk_jv *obj, const char *key, const char *const *allowed,
                          bool required)
{
    const char *s = tk_jv_str(tk_jv_get(obj, key));
    if (!s) {
        if (required || tk_jv_get(obj, key))
            bad(r, key, "expected a string");
        return NULL;
    }
    for (; *allowed; allowed++)
        if (strcmp(s, *allowed) == 0)
            return *allowed;
    bad(r, key, "not an allowed value");
    return NULL;
}

/* s has exactly the shape: 'h' a lower-case hex digit, anything else itself, except '?' for
 * one of 8 9 a b (a UUID's variant). Ids end up in URLs, logs and file names. */
static bool shaped(const char *s, const char *shape)
{
    for (; *shape; s++, shape++) {
        bool hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f');
        if (*shape == 'h' ? !hex : *shape == '?' ? !strchr("89ab", *s) || !*s : *s != *shape)
            return false;
    }
    return *s == '\0';
}

static void read_host(struct rd *r, const struct tk_jv *h)
{
    static const char *const families[] = { "linux", "windows", NULL };
    struct tk_host *x = &r->b->host;
    size_t len = mark(r);
    enter(r, "host");
    x->hostname = str_max(r, h, "hostname", false, 255); /* a DNS name has at most 253 bytes */
    x->endpoint_id = str(r, h, "endpoint_id", false);
    if (x->endpoint_id && !shaped(x->endpoint_id, "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"))
        bad(r, "endpoint_id", "expected 32 lower-case hex digits");
    const struct tk_jv *os = obj_member(r, h, "os", true);
    if (os) {
        size_t l2 = mark(r);
        enter(r, "os");
        x->os_family = one_of(r, os, "family", families, true);
        x->os_id = str(r, os, "id", false);
        x->os_version_id = str(r, os, "version_id", false);
        x->os_name = str(r, os, "name", false);
        x->os_codename = str(r, os, "codename", false);
        leave(r, l2);
    }
    const struct tk_jv *k = obj_member(r, h, "kernel", false);
    if (k) {
        size_t l2 = mark(r);
        enter(r, "kernel");
        x->kernel_release = str(r, k, "release", false);
        x->kernel_version = str(r, k, "version", false);
        leave(r, l2);
    }
    x->arch = str(r, h, "arch", false);
    x->boot_time = when(r, h, "boot_time");
    x->timezone = str(r, h, "timezone", false);
    size_t ui;
    const struct tk_jv *uv;
    tk_jv_foreach(tk_jv_get(h, "updates"), ui, uv)
    {
        const char *kb = keep_str(r, uv, "updates", TK_BUNDLE_STR_MAX);
        int rc = kb ? tk_bundle_add_update(r->b, kb) : 0;
        if (!kb || rc) {
            if (rc)
                bad(r, "updates", rc == TK_ELIMIT ? "more than 4096 entries" : "out of memory");
            break;
        }
    }
    x->collector_version = str(r, h, "collector_version", false);
    x->started = when(r, h, "started_at");
    x->finished = when(r, h, "finished_at");
    leave(r, len);
}

static void read_items(struct rd *r, const struct tk_jv *arr)
{
    static const char *const sources[] = { "dpkg", "rpm", "flatpak", "snap", "dir", "profile",
                                           "browser-extension", "registry", "file", "msi", NULL };
    static const char *const kinds[] = { "package", "application", "browser", "extension",
                                         "runtime", "plugin", "os", NULL };
    size_t i, len = mark(r);
    const struct tk_jv *v;
    tk_jv_foreach(arr, i, v)
    {
        if (r->rc)
            return;
        enter_index(r, "inventory", i);
        if (!tk_jv_is(v, TK_JV_OBJECT)) {
            bad(r, "", "expected an object");
            return;
        }
        struct tk_item *it = tk_bundle_add_item(r->b);
        if (!it) {
            r->rc = tk_err_set(r->err, TK_ELIMIT, "%s: too many inventory items", r->name);
            return;
        }
        it->name = str(r, v, "name", true);
        it->version = str(r, v, "version", false);
        it->source = one_of(r, v, "source", sources, true);
        it->kind = one_of(r, v, "kind", kinds, false);
        it->vendor = str(r, v, "vendor", false);
        it->path = str(r, v, "path", false);
        it->user = str(r, v, "user", false);
        it->arch = str(r, v, "arch", false);
        it->id = str(r, v, "id", false);
        it->status = str(r, v, "status", false);
        it->source_package = str(r, v, "source_package", false);
        it->source_version = str(r, v, "source_version", false);
        it->browser = str(r, v, "browser", false);
        it->profile = str(r, v, "profile", false);
        it->enabled = tri(r, v, "enabled");
        it->version_from = str(r, v, "version_from", false);
        if (!it->name || !it->source) {
            bad(r, "", "an item needs a name and a known source");
            return;
        }
        leave(r, len);
    }
}

static void read_network(struct rd *r, const struct tk_jv *n)
{
    static const char *const protos[] = { "tcp", "udp", NULL };
    static const char *const states[] = { "unknown", "notpresent", "down", "lowerlayerdown",
                                          "testing", "dormant", "up", NULL };
    static const char *const scopes[] = { "global", "site", "link", "host", "nowhere", NULL };
    struct tk_network *net = &r->b->net;
    size_t len = mark(r), i, k;
    const struct tk_jv *v, *a;
    enter(r, "network");
    net->collected = flag(r, n, "collected");
    tk_jv_foreach(arr_member(r, n, "interfaces"), i, v)
    {
        struct tk_iface *f = tk_bundle_add_iface(r->b);
        if (!f || r->rc)
            break;
        size_t l2 = mark(r);
        enter_index(r, "interfaces", i);
        f->name = str(r, v, "name", true);
        f->index = (int)num(r, v, "index", 0);
        f->mac = str(r, v, "mac", false);
        f->state = one_of(r, v, "state", states, false);
        f->mtu = (int)num(r, v, "mtu", -1);
        f->loopback = flag(r, v, "loopback");
        tk_jv_foreach(arr_member(r, v, "addresses"), k, a)
        {
            size_t l3 = mark(r);
            enter_index(r, "addresses", k);
            if (!tk_jv_is(a, TK_JV_OBJECT))
                bad(r, "", "expected an object");
            struct tk_addr *ad = r->rc ? NULL : tk_bundle_add_addr(r->b, f);
            if (!ad)
                break;
            ad->address = str(r, a, "address", true);
            ad->prefix = (int)num(r, a, "prefix", 0);
            const char *fam = tk_jv_str(tk_jv_get(a, "family"));
            ad->family = fam && strcmp(fam, "inet6") == 0 ? 6 : 4;
            /* The class is derived data: recompute it rather than trust the file. */
            struct tk_ip ip;
            ad->class = ad->address && tk_ip_parse(tk_str_c(ad->address), &ip)
                            ? tk_ip_class(&ip)
                            : "reserved";
            ad->scope = one_of(r, a, "scope", scopes, false);
            ad->temporary = flag(r, a, "temporary");
            ad->deprecated = flag(r, a, "deprecated");
            ad->tentative = flag(r, a, "tentative");
            leave(r, l3);
        }
        leave(r, l2);
    }
    tk_jv_foreach(arr_member(r, n, "default_routes"), i, v)
    {
        size_t l2 = mark(r);
        enter_index(r, "default_routes", i);
        if (!tk_jv_is(v, TK_JV_OBJECT))
            bad(r, "", "expected an object");
        struct tk_route *rt = r->rc ? NULL : tk_bundle_add_route(r->b);
        if (!rt)
            break;
        const char *fam = tk_jv_str(tk_jv_get(v, "family"));
        rt->family = fam && strcmp(fam, "inet6") == 0 ? 6 : 4;
        rt->gateway = str(r, v, "gateway", false);
        rt->iface = str(r, v, "interface", false);
        rt->metric = (int)num(r, v, "metric", 0);
        leave(r, l2);
    }
    tk_jv_foreach(arr_member(r, n, "listening"), i, v)
    {
        struct tk_sock *s = tk_bundle_add_sock(r->b);
        if (!s || r->rc)
            break;
        size_t l2 = mark(r);
        enter_index(r, "listening", i);
        if (!tk_jv_is(v, TK_JV_OBJECT))
            bad(r, "", "expected an object");
        s->proto = one_of(r, v, "proto", protos, true);
        const char *fam = tk_jv_str(tk_jv_get(v, "family"));
        s->family = fam && strcmp(fam, "inet6") == 0 ? 6 : 4;
        s->address = str(r, v, "address", true);
        int64_t port = num(r, v, "port", 0), pid = num(r, v, "pid", -1);
        if (port < 0 || port > 65535)
            bad(r, "port", "out of range");
        if (pid < -1 || pid > 0x7fffffff)
            bad(r, "pid", "out of range");
        s->port = (int)port;
        s->pid = (int)pid;
        s->process = str(r, v, "process", false);
        s->uid = num(r, v, "uid", -1);
        leave(r, l2);
    }
    const struct tk_jv *svcs = obj_member(r, n, "services", false);
    size_t lsvc = mark(r);
    if (svcs)
        enter(r, "services");
    static const char *const names[] = { "smb", "rdp", "ssh" };
    static const char *const bases[] = { "setting", "default", NULL };
    for (int s = 0; svcs && s < 3 && !r->rc; s++) {
        const struct tk_jv *o = tk_jv_get(svcs, names[s]);
        if (!o)
            continue;
        if (!tk_jv_is(o, TK_JV_OBJECT)) {
            bad(r, names[s], "expected an object");
            break;
        }
        size_t l2 = mark(r);
        enter(r, names[s]);
        struct tk_service *x = &net->services[s];
        x->name = names[s];
        x->smb1_allowed = TK_UNKNOWN;
        x->password_authentication = TK_UNKNOWN;
        x->enabled = x->nla_required = TK_UNKNOWN;
        net->nservices = (size_t)s + 1;
        x->product = str(r, o, "product", false);
        x->installed = flag(r, o, "installed");
        x->config = str(r, o, "config", false);
        x->min_protocol = str(r, o, "min_protocol", false);
        x->min_protocol_basis = one_of(r, o, "min_protocol_basis", bases, false);
        x->smb1_allowed = tri(r, o, "smb1_allowed");
        x->password_authentication = tri(r, o, "password_authentication");
        x->permit_root_login = str(r, o, "permit_root_login", false);
        x->enabled = tri(r, o, "enabled");
        x->nla_required = tri(r, o, "nla_required");
        x->port = (int)num(r, o, "port", 0);
        const struct tk_jv *ref, *refs = tk_jv_get(o, "sockets");
        if (refs && !tk_jv_is(refs, TK_JV_ARRAY))
            bad(r, "sockets", "expected an array");
        tk_jv_foreach(refs, i, ref)
        {
            unsigned long idx;
            const char *p = tk_jv_str(ref);
            if (!p || sscanf(p, "/network/listening/%lu", &idx) != 1 || idx >= net->nsocks) {
                char key[48];
                snprintf(key, sizeof key, "sockets/%zu", i);
                bad(r, key, "socket reference out of range");
                break;
            }
            tk_service_add_socket(r->b, x, idx);
        }
        leave(r, l2);
    }
    leave(r, lsvc);
    for (int s = 0; s < 3; s++)
        if (!net->services[s].name) {
            net->services[s].name = names[s];
            net->services[s].smb1_allowed = TK_UNKNOWN;
            net->services[s].password_authentication = TK_UNKNOWN;
            net->services[s].enabled = net->services[s].nla_required = TK_UNKNOWN;
            net->nservices = 3;
        }
    const struct tk_jv *fw = obj_member(r, n, "firewall", false);
    size_t lfw = mark(r);
    if (fw)
        enter(r, "firewall");
    net->firewall.loaded = fw ? tri(r, fw, "loaded") : TK_UNKNOWN;
    tk_jv_foreach(fw ? tk_jv_get(fw, "evidence") : NULL, i, v)
    {
        char key[48];
        snprintf(key, sizeof key, "evidence/%zu", i);
        const char *t = keep_str(r, v, key, TK_BUNDLE_STR_MAX);
        if (!t)
            break;
        tk_firewall_add_evidence(r->b, t);
    }
    leave(r, lfw);
    leave(r, len);
}

static const char *const reason_types[] = { "yara", "hash-ioc", "filename-ioc", "c2-ioc", NULL };

/* A count that must be a non-negative integer. */
static uint64_t count(struct rd *r, const struct tk_jv *obj, const char *key)
{
    int64_t v = num(r, obj, key, 0);
    if (v < 0)
        bad(r, key, "expected a non-negative integer");
    return v < 0 ? 0 : (uint64_t)v;
}

static void read_detect_info(struct rd *r, const struct tk_jv *o)
{
    static const char *const profiles[] = { "quick", "full", "paths", NULL };
    struct tk_detect_info *d = &r->b->detect;
    size_t len = mark(r), i;
    const struct tk_jv *v;
    enter(r, "detect");
    d->ran = true;
    d->disk = flag(r, o, "disk");
    d->memory = flag(r, o, "memory");
    d->traces = flag(r, o, "traces");
    d->profile = one_of(r, o, "profile", profiles, false);
    const struct tk_jv *paths = arr_member(r, o, "paths");
    size_t np = tk_jv_size(paths);
    d->paths = np ? tk_arena_alloc(&r->b->arena, np * sizeof *d->paths) : NULL;
    tk_jv_foreach(d->paths ? paths : NULL, i, v)
    {
        char key[48];
        snprintf(key, sizeof key, "paths/%zu", i);
        if (!(d->paths[d->npaths++] = keep_str(r, v, key, TK_BUNDLE_STR_MAX)))
            break;
    }
    d->rules = count(r, o, "rules");
    d->rules_hash = str(r, o, "rules_hash", false);
    const struct tk_jv *iocs = obj_member(r, o, "iocs", false);
    if (iocs) {
        size_t l2 = mark(r);
        enter(r, "iocs");
        d->ioc_hashes = count(r, iocs, "hashes");
        d->ioc_filenames = count(r, iocs, "filenames");
        d->ioc_c2 = count(r, iocs, "c2");
        leave(r, l2);
    }
    d->files = count(r, o, "files");
    d->bytes = count(r, o, "bytes");
    d->cached = count(r, o, "cached");
    const struct tk_jv *sk = obj_member(r, o, "skipped", false);
    if (sk) {
        size_t l2 = mark(r);
        enter(r, "skipped");
        d->too_large = count(r, sk, "too_large");
        d->special = count(r, sk, "special");
        d->excluded = count(r, sk, "excluded");
        d->other_fs = count(r, sk, "other_fs");
        d->errors = count(r, sk, "errors");
        d->timeouts = count(r, sk, "timeouts");
        leave(r, l2);
    }
    d->processes = count(r, o, "processes");
    d->process_bytes = count(r, o, "process_bytes");
    d->processes_skipped = count(r, o, "processes_skipped");
    d->threads = (int)num(r, o, "threads", 0);
    const struct tk_jv *sec = tk_jv_get(o, "seconds");
    if (sec && !tk_jv_is_number(sec))
        bad(r, "seconds", "expected a number");
    d->seconds = tk_jv_num(sec);
    leave(r, len);
}

/* Space-separated tags, as the bundle keeps them. */
static const char *read_tags(struct rd *r, const struct tk_jv *o)
{
    const struct tk_jv *tags = tk_jv_get(o, "tags"), *v;
    if (!tags)
        return NULL;
    if (!tk_jv_is(tags, TK_JV_ARRAY)) {
        bad(r, "tags", "expected an array");
        return NULL;
    }
    struct tk_buf buf = TK_BUF_INIT(1 << 16);
    size_t i;
    tk_jv_foreach(tags, i, v)
    {
        const char *t = tk_jv_str(v);
        if (!t || !*t || strchr(t, ' ')) {
            char key[48];
            snprintf(key, sizeof key, "tags/%zu", i);
            bad(r, key, "expected a tag without spaces");
            break;
        }
        if (i)
            tk_buf_addc(&buf, ' ');
        tk_buf_adds(&buf, t);
    }
    const char *s = r->rc ? NULL : tk_bundle_strndup(r->b, tk_buf_cstr(&buf), buf.len);
    tk_buf_release(&buf);
    return s;
}

static void read_reason(struct rd *r, const struct tk_jv *o, struct tk_reason *x)
{
    x->type = one_of(r, o, "type", reason_types, true);
    x->rule = str(r, o, "rule", false);
    x->ns = str(r, o, "namespace", false);
    x->tags = read_tags(r, o);
    x->ioc = str(r, o, "ioc", false);
    x->source = str(r, o, "source", false);
    x->description = str(r, o, "description", false);
    x->author = str(r, o, "author", false);
    x->reference = str(r, o, "reference", false);
    int64_t score = num(r, o, "score", 0);
    if (score < -1000 || score > 1000)
        bad(r, "score", "out of range");
    x->score = (int)score;
    const struct tk_jv *strings = tk_jv_get(o, "strings"), *v;
    if (!strings)
        return;
    if (!tk_jv_is(strings, TK_JV_ARRAY)) {
        bad(r, "strings", "expected an array");
        return;
    }
    size_t n = tk_jv_size(strings), i, len = mark(r);
    x->strings = n ? tk_arena_alloc(&r->b->arena, n * sizeof *x->strings) : NULL;
    tk_jv_foreach(x->strings ? strings : NULL, i, v)
    {
        enter_index(r, "strings", i);
        if (!tk_jv_is(v, TK_JV_OBJECT)) {
            bad(r, "", "expected an object");
            break;
        }
        struct tk_match_ref *m = &x->strings[x->nstrings++];
        m->id = str(r, v, "id", true);
        int64_t off = num(r, v, "offset", -1), ml = num(r, v, "length", -1);
        if (off < 0)
            bad(r, "offset", "expected a non-negative integer");
        if (ml < 0 || ml > 0xffffffffLL)
            bad(r, "length", "out of range");
        m->offset = off < 0 ? 0 : (uint64_t)off;
        m->length = ml < 0 ? 0 : (uint32_t)ml;
        m->hex = str(r, v, "hex", true);
        const char *h = m->hex ? m->hex : "";
        if (strlen(h) > 128 || strspn(h, "0123456789abcdef") != strlen(h))
            bad(r, "hex", "expected at most 64 bytes as lowercase hex");
        leave(r, len);
        if (r->rc)
            return;
    }
    x->total_strings = count(r, o, "strings_total");
}

static void read_detections(struct rd *r, const struct tk_jv *arr)
{
    static const char *const kinds[] = { "file", "process", "connection", NULL };
    static const char *const levels[] = { "none", "notice", "warning", "alert", NULL };
    size_t i, k, len = mark(r);
    const struct tk_jv *v, *e;
    tk_jv_foreach(arr, i, v)
    {
        if (r->rc)
            return;
        enter_index(r, "detections", i);
        if (!tk_jv_is(v, TK_JV_OBJECT)) {
            bad(r, "", "expected an object");
            return;
        }
        struct tk_detection *d = tk_bundle_add_detection(r->b);
        if (!d) {
            r->rc = tk_err_set(r->err, TK_ELIMIT, "%s: too many detections", r->name);
            return;
        }
        d->kind = one_of(r, v, "kind", kinds, true);
        d->path = str(r, v, "path", false);
        d->pid = num(r, v, "pid", -1);
        d->process = str(r, v, "process", false);
        d->cmdline = str(r, v, "cmdline", false);
        d->user = str(r, v, "user", false);
        d->remote = str(r, v, "remote", false);
        d->size = num(r, v, "size", -1);
        d->owner = str(r, v, "owner", false);
        d->group = str(r, v, "group", false);
        const char *mode = tk_jv_str(tk_jv_get(v, "mode"));
        if (mode) {
            unsigned m;
            int used = 0;
            if (strlen(mode) != 4 || strspn(mode, "01234567") != 4 ||
                sscanf(mode, "%4o%n", &m, &used) != 1 || used != 4)
                bad(r, "mode", "expected four octal digits");
            else
                d->mode = m;
        }
        d->mtime = when(r, v, "mtime");
        d->ctime = when(r, v, "ctime");
        const struct tk_jv *h = obj_member(r, v, "hashes", false);
        if (h) {
            size_t l2 = mark(r);
            enter(r, "hashes");
            d->md5 = str(r, h, "md5", false);
            d->sha1 = str(r, h, "sha1", false);
            d->sha256 = str(r, h, "sha256", false);
            leave(r, l2);
        }
        d->filetype = str(r, v, "filetype", false);
        const struct tk_jv *sc = tk_jv_get(v, "score");
        if (!tk_jv_is_number(sc) || tk_jv_num(sc) < 0 || tk_jv_num(sc) > 100)
            bad(r, "score", "expected a number from 0 to 100");
        d->score = tk_jv_num(sc);
        d->level = one_of(r, v, "level", levels, true);
        const struct tk_jv *reasons = arr_member(r, v, "reasons");
        size_t n = tk_jv_size(reasons);
        d->reasons = n ? tk_arena_alloc(&r->b->arena, n * sizeof *d->reasons) : NULL;
        if (n && !d->reasons) {
            r->rc = tk_err_set(r->err, TK_ENOMEM, "%s: out of memory", r->name);
            return;
        }
        tk_jv_foreach(reasons, k, e)
        {
            size_t l2 = mark(r);
            enter_index(r, "reasons", k);
            if (!tk_jv_is(e, TK_JV_OBJECT)) {
                bad(r, "", "expected an object");
                break;
            }
            struct tk_reason *x = &d->reasons[d->nreasons++];
            memset(x, 0, sizeof *x);
            read_reason(r, e, x);
            leave(r, l2);
            if (r->rc)
                break;
        }
        if (!r->rc && (!d->kind || !d->level))
            bad(r, "", "a detection needs a kind and a level");
        leave(r, len);
    }
}

static void read_traces(struct rd *r, const struct tk_jv *arr)
{
    static const char *const kinds[] = { "ld-preload", "persistence", "process-location",
                                         "deleted-exe", "hidden-process", "setid-file",
                                         "unowned-executable", "kernel-module",
                                         "authorized-key", NULL };
    size_t i, len = mark(r);
    const struct tk_jv *v;
    tk_jv_foreach(arr, i, v)
    {
        if (r->rc)
            return;
        enter_index(r, "traces", i);
        if (!tk_jv_is(v, TK_JV_OBJECT)) {
            bad(r, "", "expected an object");
            return;
        }
        struct tk_trace *t = tk_bundle_add_trace(r->b);
        if (!t) {
            r->rc = tk_err_set(r->err, TK_ELIMIT, "%s: too many traces", r->name);
            return;
        }
        t->kind = one_of(r, v, "kind", kinds, true);
        t->path = str(r, v, "path", false);
        t->line = num(r, v, "line", -1);
        t->pid = num(r, v, "pid", -1);
        if (t->line < -1 || t->pid < -1 || t->pid > 0x7fffffff)
            bad(r, t->line < -1 ? "line" : "pid", "out of range");
        t->process = str(r, v, "process", false);
        t->user = str(r, v, "user", false);
        t->text = str(r, v, "text", false);
        t->why = str(r, v, "why", false);
        if (!r->rc && !t->kind)
            bad(r, "", "a trace needs a kind");
        leave(r, len);
    }
}

int tk_bundle_read_json(struct tk_bundle *b, const char *text, size_t n, const char *name,
                        struct tk_err *err)
{
    struct tk_jv *doc;
    struct tk_arena a; /* the document; everything kept is copied into b's arena */
    /* nodes of a hostile "[0,0,0,...]" would take 24 times the text: bound them */
    tk_arena_init(&a, n < TK_BUNDLE_MAX_BYTES / 16 ? 16 * n + ((size_t)1 << 20) : TK_BUNDLE_MAX_BYTES);
    int rc = tk_jdoc_parse(&a, text, n, name, &doc, err);
    if (rc) {
        tk_arena_release(&a);
        return rc;
    }
    struct rd r = { .b = b, .name = name, .err = err };
    const char *format = tk_jv_str(tk_jv_get(doc, "format"));
    const struct tk_jv *version = tk_jv_get(doc, "format_version");
    if (!format || strcmp(format, TK_BUNDLE_FORMAT) != 0) {
        bad(&r, "format", "not a tenken bundle");
    } else if (!tk_jv_is(version, TK_JV_INT) || tk_jv_int(version) != TK_BUNDLE_FORMAT_VERSION) {
        r.rc = tk_err_set(err, TK_EPARSE,
                          "%s: bundle format_version %lld is not one this tenken reads (%d)",
                          name, (long long)tk_jv_int(version), TK_BUNDLE_FORMAT_VERSION);
    }
    const struct tk_jv *idv = tk_jv_get(doc, "bundle_id");
    const char *id = tk_jv_str(idv);
    if (!r.rc && (!id || tk_jv_strlen(idv) != 36 || /* a NUL after it, say */
                  !shaped(id, "hhhhhhhh-hhhh-4hhh-?hhh-hhhhhhhhhhhh")))
        bad(&r, "bundle_id", "expected a UUID (version 4, lower case)");
    if (!r.rc)
        snprintf(b->bundle_id, sizeof b->bundle_id, "%s", id);
    const struct tk_jv *host = r.rc ? NULL : obj_member(&r, doc, "host", true);
    if (host)
        read_host(&r, host);
    const struct tk_jv *scan = r.rc ? NULL : obj_member(&r, doc, "scan", true);
    if (scan) {
        enter(&r, "scan");
        b->scan.root = str(&r, scan, "root", false);
        b->scan.live = flag(&r, scan, "live");
        b->scan.privileged = flag(&r, scan, "privileged");
        b->scan.users_complete = flag(&r, scan, "users_complete");
        leave(&r, 0);
    }
    const struct tk_jv *inv = r.rc ? NULL : arr_member(&r, doc, "inventory");
    if (inv)
        read_items(&r, inv);
    const struct tk_jv *net = r.rc ? NULL : obj_member(&r, doc, "network", true);
    if (net)
        read_network(&r, net);
    const struct tk_jv *av = r.rc ? NULL : obj_member(&r, doc, "antivirus", false);
    if (av) {
        enter(&r, "antivirus");
        r.b->antivirus.product = str(&r, av, "product", false);
        r.b->antivirus.loaded = tri(&r, av, "active");
        size_t i;
        const struct tk_jv *v;
        tk_jv_foreach(tk_jv_get(av, "evidence"), i, v)
        {
            const char *t = keep_str(&r, v, "evidence", TK_BUNDLE_STR_MAX);
            if (!t)
                break;
            tk_protection_add_evidence(r.b, &r.b->antivirus, t);
        }
        leave(&r, 0);
    }
    const struct tk_jv *det = r.rc ? NULL : obj_member(&r, doc, "detect", false);
    if (det) {
        read_detect_info(&r, det);
        const struct tk_jv *dets = r.rc ? NULL : arr_member(&r, doc, "detections");
        if (dets)
            read_detections(&r, dets);
        const struct tk_jv *traces = r.rc ? NULL : tk_jv_get(doc, "traces");
        if (traces && !tk_jv_is(traces, TK_JV_ARRAY))
            bad(&r, "traces", "expected an array");
        else if (traces)
            read_traces(&r, traces);
    }
    size_t i;
    const struct tk_jv *e;
    tk_jv_foreach(r.rc ? NULL : tk_jv_get(doc, "errors"), i, e)
    {
        struct tk_err be = { .code = TK_EIO };
        const char *msg = tk_jv_str(tk_jv_get(e, "message"));
        const char *kind = tk_jv_str(tk_jv_get(e, "kind"));
        static const int codes[] = { TK_ENOMEM, TK_EIO, TK_EPARSE, TK_ELIMIT, TK_EINVAL,
                                     TK_ENOENT, TK_EACCES, TK_EUNSUPP };
        for (size_t c = 0; kind && c < sizeof codes / sizeof codes[0]; c++)
            if (strcmp(kind, tk_err_name(codes[c])) == 0)
                be.code = codes[c];
        snprintf(be.msg, sizeof be.msg, "%s", msg ? msg : "?");
        tk_bundle_error(b, tk_jv_str(tk_jv_get(e, "collector")), str(&r, e, "path", false),
                        &be);
    }
    tk_arena_release(&a);
    return r.rc;
}

int tk_bundle_read_file(struct tk_bundle *b, const char *path, struct tk_err *err)
{
    struct tk_buf buf = TK_BUF_INIT(TK_BUNDLE_READ_MAX);
    int rc = tk_input_slurp(path, &buf, err);
    if (!rc)
        rc = tk_bundle_read_json(b, tk_buf_cstr(&buf), buf.len, path, err);
    tk_buf_release(&buf);
    return rc;
}
