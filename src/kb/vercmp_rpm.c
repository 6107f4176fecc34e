/* vercmp_rpm.c - RPM versions: [epoch:]version[-release], ordered as rpm 4.18 orders them
 * (rpmvercmp on each part, rpm.vercmp for the whole), plus the release rule of rpm's
 * dependency ranges for tk_vrange_contains.
 *
 * rpmvercmp reads a string as segments: runs of digits, runs of letters, '~' and '^';
 * every other character only separates. Segment by segment: '~' sorts before anything,
 * even the end; the end sorts before '^'; '^' before any alphanumeric segment; letters
 * compare byte-wise, digits as numbers, and a numeric segment is newer than an alphabetic
 * one. tests/cli/vercmp.bats checks agreement with rpm itself on a generated corpus. */
#include <string.h>

#include "kb/vercmp_int.h"

static bool separator(unsigned char c)
{
    return !tk_vc_alnum(c) && c != '~' && c != '^';
}

static int rpmvercmp(struct tk_str a, struct tk_str b)
{
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        while (i < a.n && separator((unsigned char)a.p[i]))
            i++;
        while (j < b.n && separator((unsigned char)b.p[j]))
            j++;
        bool ta = i < a.n && a.p[i] == '~', tb = j < b.n && b.p[j] == '~';
        if (ta || tb) {
            if (!ta)
                return 1;
            if (!tb)
                return -1;
            i++, j++;
            continue;
        }
        bool ca = i < a.n && a.p[i] == '^', cb = j < b.n && b.p[j] == '^';
        if (ca || cb) {
            if (i == a.n)
                return -1;
            if (j == b.n)
                return 1;
            if (!ca)
                return 1;
            if (!cb)
                return -1;
            i++, j++;
            continue;
        }
        if (i == a.n || j == b.n)
            break;
        bool num = tk_vc_digit((unsigned char)a.p[i]);
        size_t ie = num ? tk_vc_digits_end(a, i) : tk_vc_alpha_end(a, i);
        size_t je = num ? tk_vc_digits_end(b, j) : tk_vc_alpha_end(b, j);
        if (je == j) /* segments of different kinds: the numeric one is newer */
            return num ? 1 : -1;
        struct tk_str sa = tk_vc_sub(a, i, ie), sb = tk_vc_sub(b, j, je);
        int c = num ? tk_vc_numcmp(sa, sb) : tk_vc_bytecmp(sa, sb);
        if (c)
            return c;
        i = ie;
        j = je;
    }
    /* Whichever still has segments left is newer. */
    return (i < a.n) - (j < b.n);
}

struct evr {
    struct tk_str e, v, r;
    bool has_r;
};

/* rpm's parseEVR: leading digits then ':' are the epoch (empty = 0, missing = 0), the
 * release follows the last '-'. */
static struct evr split(struct tk_str s)
{
    struct evr x = { TK_STR_LIT("0"), s, { s.p + s.n, 0 }, false };
    size_t k = tk_vc_digits_end(s, 0);
    if (k < s.n && s.p[k] == ':') {
        if (k)
            x.e = tk_vc_sub(s, 0, k);
        x.v = tk_vc_sub(s, k + 1, s.n);
    }
    for (size_t d = x.v.n; d-- > 0;) {
        if (x.v.p[d] == '-') {
            x.r = tk_vc_sub(x.v, d + 1, x.v.n);
            x.v.n = d;
            x.has_r = true;
            break;
        }
    }
    return x;
}

int tk_vc_rpm_cmp(struct tk_str a, struct tk_str b)
{
    struct evr x = split(a), y = split(b);
    int c = rpmvercmp(x.e, y.e);
    if (!c)
        c = rpmvercmp(x.v, y.v);
    if (!c && (x.has_r || y.has_r))
        c = x.has_r && y.has_r ? rpmvercmp(x.r, y.r) : x.has_r ? 1 : -1;
    return c;
}

int tk_vc_rpm_cmp_bound(struct tk_str a, struct tk_str b)
{
    struct evr x = split(a), y = split(b);
    int c = rpmvercmp(x.e, y.e);
    if (!c)
        c = rpmvercmp(x.v, y.v);
    if (!c && x.r.n && y.r.n)
        c = rpmvercmp(x.r, y.r);
    return c;
}

/* What rpmbuild accepts in Version and Release (without macro characters). */
static bool rpm_part(struct tk_str s)
{
    if (!s.n)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!tk_vc_alnum(c) && (!c || !strchr("._+~^", c)))
            return false;
    }
    return true;
}

bool tk_vc_rpm_valid(struct tk_str v)
{
    struct evr x = split(v);
    if (x.v.p != v.p && x.e.p != v.p) /* ":1.0": an empty epoch */
        return false;
    return rpm_part(x.v) && (!x.has_r || rpm_part(x.r));
}
