/* vercmp_dpkg.c - Debian package versions (deb-version(7)), ordered exactly as dpkg orders
 * them: [epoch:]upstream[-revision], each part compared by alternating non-digit runs
 * (character by character, by weight) and digit runs (as numbers).
 *
 * The reference is `dpkg --compare-versions`; tests/cli/vercmp.bats checks agreement on a
 * generated corpus. Where dpkg refuses a version outright, the result is still defined. */
#include <limits.h>
#include <string.h>

#include "kb/vercmp_int.h"

/* The weight of a non-digit character; digits and the end of a part weigh 0. '~' sorts
 * before the end, letters after it, everything else after letters. dpkg computes c + 256
 * on a plain char, which is signed on amd64, so bytes >= 0x80 land between letters and
 * ASCII punctuation; we do the same on every platform. A NUL byte (dpkg never sees one
 * inside a version) weighs like other punctuation, so no character weighs 0. */
static int weight(unsigned char c)
{
    if (tk_vc_alpha(c))
        return c;
    if (c == '~')
        return -1;
    if (c >= 0x80)
        return c;
    return c + 256;
}

/* dpkg's verrevcmp on slices. Each round compares the non-digit prefixes weight by weight
 * (a part that ran out weighs 0), then the digit runs as numbers. */
static int verrevcmp(struct tk_str a, struct tk_str b)
{
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        for (;;) {
            bool an = i < a.n && !tk_vc_digit((unsigned char)a.p[i]);
            bool bn = j < b.n && !tk_vc_digit((unsigned char)b.p[j]);
            if (!an && !bn)
                break;
            int wa = an ? weight((unsigned char)a.p[i]) : 0;
            int wb = bn ? weight((unsigned char)b.p[j]) : 0;
            if (wa != wb)
                return wa < wb ? -1 : 1;
            /* Equal non-zero weights: both sides are at the same non-digit. */
            i++;
            j++;
        }
        size_t ie = tk_vc_digits_end(a, i), je = tk_vc_digits_end(b, j);
        int c = tk_vc_numcmp(tk_vc_sub(a, i, ie), tk_vc_sub(b, j, je));
        if (c)
            return c;
        i = ie;
        j = je;
    }
    return 0;
}

struct dpkg_version {
    struct tk_str epoch, upstream, revision;
    bool has_epoch, has_revision;
};

static bool is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The epoch text before the first ':' as dpkg's strtol() reads it: optional white space
 * and sign, then digits up to the colon, not negative. Returns the digits, or false. */
static bool parse_epoch(struct tk_str e, struct tk_str *digits)
{
    size_t k = 0;
    bool minus = false;
    while (k < e.n && is_space((unsigned char)e.p[k]))
        k++;
    if (k < e.n && (e.p[k] == '+' || e.p[k] == '-'))
        minus = e.p[k++] == '-';
    size_t d = k;
    k = tk_vc_digits_end(e, k);
    if (k == d || k != e.n)
        return false;
    *digits = tk_vc_sub(e, d, k);
    if (minus && tk_vc_numcmp(*digits, TK_STR_LIT("0")) != 0)
        return false;
    return true;
}

static struct dpkg_version split(struct tk_str s)
{
    struct dpkg_version v = { { s.p, 0 }, s, { s.p + s.n, 0 }, false, false };
    const char *colon = memchr(s.p, ':', s.n);
    if (colon && parse_epoch(tk_vc_sub(s, 0, (size_t)(colon - s.p)), &v.epoch)) {
        v.upstream = tk_vc_sub(s, (size_t)(colon - s.p) + 1, s.n);
        v.has_epoch = true;
    }
    for (size_t k = v.upstream.n; k-- > 0;) {
        if (v.upstream.p[k] == '-') {
            v.revision = tk_vc_sub(v.upstream, k + 1, v.upstream.n);
            v.upstream.n = k;
            v.has_revision = true;
            break;
        }
    }
    return v;
}

int tk_vc_dpkg_cmp(struct tk_str a, struct tk_str b)
{
    struct dpkg_version va = split(tk_vc_trim(a)), vb = split(tk_vc_trim(b));
    int c = tk_vc_numcmp(va.epoch, vb.epoch);
    if (!c)
        c = verrevcmp(va.upstream, vb.upstream);
    if (!c)
        c = verrevcmp(va.revision, vb.revision);
    return c;
}

static bool all_of(struct tk_str s, const char *extra)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!tk_vc_alnum(c) && (!c || !strchr(extra, c)))
            return false;
    }
    return true;
}

bool tk_vc_dpkg_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    if (!s.n || memchr(s.p, ' ', s.n) || memchr(s.p, '\t', s.n))
        return false;
    struct dpkg_version dv = split(s);
    if (memchr(s.p, ':', s.n)) {
        /* Stricter than strtol: digits only, and no larger than dpkg's int. */
        if (!dv.has_epoch || !dv.epoch.n || dv.epoch.p != s.p ||
            tk_vc_numcmp(dv.epoch, TK_STR_LIT("2147483647")) > 0)
            return false;
    }
    if (dv.has_revision && !dv.revision.n)
        return false;
    return dv.upstream.n && tk_vc_digit((unsigned char)dv.upstream.p[0]) &&
           all_of(dv.upstream, ".-+~:") && all_of(dv.revision, ".+~");
}
