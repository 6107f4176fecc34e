/* bundle.c - building and releasing the in-memory bundle. */
#include "bundle/bundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compat/sys.h"
#include "core/alloc.h"

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical" };

const char *tk_severity_name(enum tk_severity s)
{
    return (unsigned)s < 5 ? severity_names[s] : "info";
}

int tk_severity_parse(const char *s, enum tk_severity *out)
{
    for (unsigned i = 0; i < 5; i++) {
        if (strcmp(s, severity_names[i]) == 0) {
            *out = (enum tk_severity)i;
            return 0;
        }
    }
    return TK_EINVAL;
}

int tk_bundle_init(struct tk_bundle *b, struct tk_err *err)
{
    memset(b, 0, sizeof *b);
    tk_arena_init(&b->arena, TK_BUNDLE_MAX_BYTES);
    b->host.boot_time = -1;
    b->net.firewall.loaded = TK_UNKNOWN;
    b->antivirus.loaded = TK_UNKNOWN;
    unsigned char r[16];
    int rc = tk_sys_random(r, sizeof r);
    if (rc)
        return tk_err_set(err, rc, "cannot read random bytes for the bundle id");
    tk_uuid4_format(r, b->bundle_id);
    return 0;
}

void tk_bundle_release(struct tk_bundle *b)
{
    for (size_t i = 0; i < b->net.nifaces; i++)
        tk_free(b->net.ifaces[i].addrs);
    for (size_t i = 0; i < b->net.nservices; i++)
        tk_free(b->net.services[i].sockets);
    for (size_t i = 0; i < b->nfindings; i++)
        tk_free(b->findings[i].evidence);
    tk_free(b->net.firewall.evidence);
    tk_free(b->antivirus.evidence);
    tk_free(b->host.updates);
    tk_free(b->net.ifaces);
    tk_free(b->net.routes);
    tk_free(b->net.socks);
    tk_free(b->items);
    tk_free(b->findings);
    tk_free(b->detections);
    tk_free(b->traces);
    tk_free(b->errors);
    tk_free(b->stats);
    tk_arena_release(&b->arena);
    memset(b, 0, sizeof *b);
}

const char *tk_bundle_strdup(struct tk_bundle *b, const char *s)
{
    return tk_arena_strdup(&b->arena, s);
}

const char *tk_bundle_strndup(struct tk_bundle *b, const char *s, size_t n)
{
    return tk_arena_strndup(&b->arena, s, n);
}

const char *tk_bundle_clip(struct tk_bundle *b, const char *s, size_t n, size_t max)
{
    char tmp[4096 + 4];
    if (max > 4096)
        max = 4096;
    size_t take = n > max ? max : n, k = 0;
    for (size_t i = 0; i < take; i++) {
        unsigned char ch = (unsigned char)s[i];
        tmp[k++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    if (n > max) {
        /* "…" after the last whole UTF-8 sequence */
        while (k && ((unsigned char)tmp[k - 1] & 0xc0) == 0x80)
            k--;
        if (k && (unsigned char)tmp[k - 1] >= 0xc0)
            k--;
        memcpy(tmp + k, "\xe2\x80\xa6", 3);
        k += 3;
    }
    return tk_bundle_strndup(b, tmp, k);
}

const char *tk_bundle_printf(struct tk_bundle *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    if ((size_t)n < sizeof small)
        return tk_arena_strndup(&b->arena, small, (size_t)n);
    char *d = tk_arena_alloc(&b->arena, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

/* Appends one zeroed element to a malloc'd array; NULL when refused. */
static void *push(void **arr, size_t *n, size_t *cap, size_t size, size_t max)
{
    if (tk_grow(arr, cap, *n + 1, size, max))
        return NULL;
    void *p = (char *)*arr + *n * size;
    memset(p, 0, size);
    (*n)++;
    return p;
}

struct tk_item *tk_bundle_add_item(struct tk_bundle *b)
{
    struct tk_item *it =
        push((void **)&b->items, &b->nitems, &b->citems, sizeof *it, TK_BUNDLE_MAX_ITEMS);
    if (!it)
        b->items_dropped++;
    else
        it->enabled = TK_UNKNOWN;
    return it;
}

struct tk_iface *tk_bundle_add_iface(struct tk_bundle *b)
{
    return push((void **)&b->net.ifaces, &b->net.nifaces, &b->net.cifaces,
                sizeof(struct tk_iface), 4096);
}

struct tk_addr *tk_bundle_add_addr(struct tk_bundle *b, struct tk_iface *ifc)
{
    (void)b;
    return push((void **)&ifc->addrs, &ifc->naddrs, &ifc->caddrs, sizeof(struct tk_addr),
                65536);
}

struct tk_route *tk_bundle_add_route(struct tk_bundle *b)
{
    return push((void **)&b->net.routes, &b->net.nroutes, &b->net.croutes,
                sizeof(struct tk_route), 4096);
}

struct tk_sock *tk_bundle_add_sock(struct tk_bundle *b)
{
    struct tk_sock *s = push((void **)&b->net.socks, &b->net.nsocks, &b->net.csocks,
                             sizeof(struct tk_sock), TK_BUNDLE_MAX_SOCKETS);
    if (s)
        s->pid = -1;
    return s;
}

struct tk_finding *tk_bundle_add_finding(struct tk_bundle *b)
{
    return push((void **)&b->findings, &b->nfindings, &b->cfindings, sizeof(struct tk_finding),
                TK_BUNDLE_MAX_FINDINGS);
}

struct tk_detection *tk_bundle_add_detection(struct tk_bundle *b)
{
    struct tk_detection *d = push((void **)&b->detections, &b->ndetections, &b->cdetections,
                                  sizeof *d, TK_BUNDLE_MAX_DETECTIONS);
    if (!d) {
        b->detections_dropped++;
        return NULL;
    }
    d->pid = d->size = d->mode = d->mtime = d->ctime = -1;
    return d;
}

struct tk_trace *tk_bundle_add_trace(struct tk_bundle *b)
{
    struct tk_trace *t = push((void **)&b->traces, &b->ntraces, &b->ctraces, sizeof *t,
                              TK_BUNDLE_MAX_TRACES);
    if (!t) {
        b->traces_dropped++;
        return NULL;
    }
    t->line = t->pid = -1;
    return t;
}

int tk_finding_add_evidence(struct tk_bundle *b, struct tk_finding *f, const char *ref,
                            const char *text)
{
    struct tk_evidence *e =
        push((void **)&f->evidence, &f->nevidence, &f->cevidence, sizeof *e, 4096);
    if (!e)
        return TK_ENOMEM;
    e->ref = tk_bundle_strdup(b, ref);
    e->text = tk_bundle_strdup(b, text);
    return 0;
}

int tk_service_add_socket(struct tk_bundle *b, struct tk_service *s, size_t sock_index)
{
    (void)b;
    size_t *slot = push((void **)&s->sockets, &s->nsockets, &s->csockets, sizeof *slot,
                        TK_BUNDLE_MAX_SOCKETS);
    if (!slot)
        return TK_ENOMEM;
    *slot = sock_index;
    return 0;
}

int tk_bundle_add_update(struct tk_bundle *b, const char *kb)
{
    struct tk_host *h = &b->host;
    size_t at = h->nupdates;
    while (at > 0 && strcmp(h->updates[at - 1], kb) > 0)
        at--;
    if (at > 0 && strcmp(h->updates[at - 1], kb) == 0)
        return 0;
    if (h->nupdates >= TK_BUNDLE_MAX_UPDATES)
        return TK_ELIMIT;
    const char *copy = tk_bundle_strdup(b, kb);
    const char **slot = copy ? push((void **)&h->updates, &h->nupdates, &h->cupdates,
                                    sizeof *slot, TK_BUNDLE_MAX_UPDATES)
                             : NULL;
    if (!slot)
        return TK_ENOMEM;
    memmove(h->updates + at + 1, h->updates + at, (h->nupdates - 1 - at) * sizeof *slot);
    h->updates[at] = copy;
    return 0;
}

int tk_firewall_add_evidence(struct tk_bundle *b, const char *text)
{
    return tk_protection_add_evidence(b, &b->net.firewall, text);
}

int tk_protection_add_evidence(struct tk_bundle *b, struct tk_protection *p, const char *text)
{
    const char **slot = push((void **)&p->evidence, &p->nevidence, &p->cevidence,
                             sizeof *slot, 256);
    if (!slot)
        return TK_ENOMEM;
    *slot = tk_bundle_strdup(b, text);
    return 0;
}

void tk_bundle_error(struct tk_bundle *b, const char *collector, const char *path,
                     const struct tk_err *e)
{
    struct tk_bundle_error *be = push((void **)&b->errors, &b->nerrors, &b->cerrors,
                                      sizeof *be, TK_BUNDLE_MAX_ERRORS);
    if (!be) {
        b->errors_dropped++;
        return;
    }
    be->collector = tk_bundle_strdup(b, collector);
    be->path = tk_bundle_strdup(b, path);
    be->kind = tk_err_name(e->code);
    be->message = tk_bundle_strdup(b, e->msg[0] ? e->msg : tk_err_name(e->code));
    if (!be->collector || !be->message) {
        b->nerrors--;
        b->errors_dropped++;
    }
}

void tk_bundle_errorf(struct tk_bundle *b, const char *collector, const char *path, int code,
                      const char *fmt, ...)
{
    struct tk_err e = { .code = code };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    tk_bundle_error(b, collector, path, &e);
}

int tk_bundle_max_severity(const struct tk_bundle *b)
{
    int max = -1;
    for (size_t i = 0; i < b->nfindings; i++)
        if ((int)b->findings[i].severity > max)
            max = (int)b->findings[i].severity;
    return max;
}

static const char *native(struct tk_bundle *b, const char *drive, const char *path)
{
    if (!path || path[0] != '/')
        return path;
    size_t d = strlen(drive), n = strlen(path);
    if (d && (drive[d - 1] == '\\' || drive[d - 1] == '/'))
        d--; /* "C:\\" + "/Users" */
    const char *out = tk_bundle_printf(b, "%.*s%s", (int)d, drive, path);
    if (!out)
        return path; /* out of memory: the path as it was, rather than none */
    char *w = (char *)out; /* ours: just made in the bundle's arena */
    for (size_t i = d; i < d + n; i++)
        if (w[i] == '/')
            w[i] = '\\';
    return out;
}

void tk_bundle_native_paths(struct tk_bundle *b, const char *drive)
{
    for (size_t i = 0; i < b->nitems; i++) {
        b->items[i].path = native(b, drive, b->items[i].path);
        b->items[i].version_from = native(b, drive, b->items[i].version_from);
    }
    for (size_t i = 0; i < b->detect.npaths; i++)
        b->detect.paths[i] = native(b, drive, b->detect.paths[i]);
    for (size_t i = 0; i < b->ndetections; i++)
        b->detections[i].path = native(b, drive, b->detections[i].path);
    for (size_t i = 0; i < b->ntraces; i++)
        b->traces[i].path = native(b, drive, b->traces[i].path);
    for (size_t i = 0; i < b->nerrors; i++)
        b->errors[i].path = native(b, drive, b->errors[i].path);
}
