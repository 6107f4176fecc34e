/* vercmp_semver.c - Semantic Versioning 2.0.0 (https://semver.org/spec/v2.0.0.html):
 * precedence of MAJOR.MINOR.PATCH[-pre-release][+build], build metadata ignored.
 *
 * Comparison is lenient so data and inventories in the wild still order sensibly: a
 * leading 'v', one or two core fields ("1.2" = "1.2.0") and leading zeros are accepted.
 * Anything else is not SemVer at all and sorts before every version that is (byte-wise
 * among themselves), which keeps the order total. tk_version_valid is the strict grammar. */
#include <string.h>

#include "kb/vercmp_int.h"

struct semver {
    bool ok;
    struct tk_str core, pre;
    bool has_pre;
};

static struct semver parse(struct tk_str s)
{
    struct semver v = { false, s, { s.p, 0 }, false };
    if (s.n && (s.p[0] == 'v' || s.p[0] == 'V'))
        s = tk_vc_sub(s, 1, s.n);
    const char *plus = memchr(s.p, '+', s.n);
    if (plus)
        s.n = (size_t)(plus - s.p);
    const char *dash = memchr(s.p, '-', s.n);
    v.core = s;
    if (dash) {
        v.core.n = (size_t)(dash - s.p);
        v.pre = tk_vc_sub(s, v.core.n + 1, s.n);
        v.has_pre = true;
    }
    v.ok = tk_vc_fields_exact(v.core, ".", 1, 3, false);
    return v;
}

/* Takes the next dot-separated identifier off *rest; false when none is left. */
static bool next_ident(struct tk_str *rest, bool *more, struct tk_str *id)
{
    if (!*more)
        return false;
    const char *dot = memchr(rest->p, '.', rest->n);
    *id = *rest;
    if (dot) {
        id->n = (size_t)(dot - rest->p);
        *rest = tk_vc_sub(*rest, id->n + 1, rest->n);
    } else {
        *more = false;
    }
    return true;
}

static bool numeric(struct tk_str id)
{
    return id.n && tk_vc_digits_end(id, 0) == id.n;
}

static int precmp(struct tk_str a, struct tk_str b)
{
    bool ma = true, mb = true;
    for (;;) {
        struct tk_str ia, ib;
        bool ha = next_ident(&a, &ma, &ia), hb = next_ident(&b, &mb, &ib);
        if (!ha || !hb)
            return ha - hb; /* a larger set of fields has the higher precedence */
        bool na = numeric(ia), nb = numeric(ib);
        int c = na && nb ? tk_vc_numcmp(ia, ib) : na != nb ? (na ? -1 : 1) : tk_vc_bytecmp(ia, ib);
        if (c)
            return c;
    }
}

int tk_vc_semver_cmp(struct tk_str a, struct tk_str b)
{
    a = tk_vc_trim(a);
    b = tk_vc_trim(b);
    struct semver x = parse(a), y = parse(b);
    if (!x.ok || !y.ok)
        return x.ok != y.ok ? (x.ok ? 1 : -1) : tk_vc_bytecmp(a, b);
    int c = tk_vc_fields_cmp(x.core, y.core);
    if (c)
        return c;
    if (x.has_pre != y.has_pre)
        return x.has_pre ? -1 : 1; /* a pre-release comes before its release */
    return x.has_pre ? precmp(x.pre, y.pre) : 0;
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]; numeric ones without leading zeros
 * when no_zeros (pre-release, not build). */
static bool idents(struct tk_str s, bool no_zeros)
{
    bool more = true;
    struct tk_str id;
    while (next_ident(&s, &more, &id)) {
        if (!id.n)
            return false;
        for (size_t i = 0; i < id.n; i++)
            if (!tk_vc_alnum((unsigned char)id.p[i]) && id.p[i] != '-')
                return false;
        if (no_zeros && numeric(id) && id.n > 1 && id.p[0] == '0')
            return false;
    }
    return true;
}

bool tk_vc_semver_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    if (s.n && (s.p[0] == 'v' || s.p[0] == 'V'))
        s = tk_vc_sub(s, 1, s.n);
    struct tk_str build = { s.p + s.n, 0 };
    const char *plus = memchr(s.p, '+', s.n);
    if (plus) {
        build = tk_vc_sub(s, (size_t)(plus - s.p) + 1, s.n);
        s.n = (size_t)(plus - s.p);
        if (!idents(build, false))
            return false;
    }
    struct tk_str core = s;
    const char *dash = memchr(s.p, '-', s.n);
    if (dash) {
        core.n = (size_t)(dash - s.p);
        if (!idents(tk_vc_sub(s, core.n + 1, s.n), true))
            return false;
    }
    return tk_vc_fields_exact(core, ".", 3, 3, true);
}
