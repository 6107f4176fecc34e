/* vercmp_dotted.c - dotted numeric versions (Windows four-part, most desktop software):
 * numeric fields compared as numbers with missing fields as 0, then a suffix.
 *
 * The suffix rule (vercmp.h has the full statement): a pre-release tag such as "b2",
 * "rc1" or "beta" sorts before the plain version, any other suffix ("esr", "p1", "-81sv")
 * after it. Each string maps to a key (fields, class, tag, number, rest) compared part by
 * part, so the order is total and transitive whatever the bytes. */
#include <string.h>

#include "kb/vercmp_int.h"

enum { SUFFIX_PRE, SUFFIX_NONE, SUFFIX_OTHER };

/* Pre-release tags in their order; single letters count only when a digit follows. */
static const struct {
    const char *name;
    int rank;
    bool needs_digit;
} tags[] = {
    { "dev", 0, false }, { "alpha", 1, false }, { "a", 1, true },        { "beta", 2, false },
    { "b", 2, true },    { "pre", 3, false },   { "preview", 3, false }, { "rc", 3, false },
};

struct dotted {
    struct tk_str fields;
    int cls;
    int rank;             /* SUFFIX_PRE: the tag's rank */
    struct tk_str number; /* SUFFIX_PRE: digits after the tag */
    struct tk_str rest;   /* SUFFIX_PRE: what follows them; SUFFIX_OTHER: the suffix */
};

static bool sep(char c)
{
    return c && strchr("-._+~ ", c);
}

static bool eq_nocase(struct tk_str s, const char *lower)
{
    size_t n = strlen(lower);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lower[i])
            return false;
    }
    return true;
}

static struct dotted parse(struct tk_str s)
{
    struct dotted d = { { s.p, 0 }, SUFFIX_NONE, 0, { s.p, 0 }, { s.p, 0 } };
    s = tk_vc_trim(s);
    if (s.n >= 2 && (s.p[0] == 'v' || s.p[0] == 'V') && tk_vc_digit((unsigned char)s.p[1]))
        s = tk_vc_sub(s, 1, s.n);
    d.fields = tk_vc_sub(s, 0, tk_vc_fields_len(s, "."));
    size_t i = d.fields.n;
    while (i < s.n && sep(s.p[i]))
        i++;
    if (i == s.n)
        return d;
    struct tk_str suffix = tk_vc_sub(s, i, s.n);
    size_t le = tk_vc_alpha_end(suffix, 0);
    struct tk_str word = tk_vc_sub(suffix, 0, le);
    bool digit_next = le < suffix.n && tk_vc_digit((unsigned char)suffix.p[le]);
    for (size_t t = 0; le && t < sizeof tags / sizeof tags[0]; t++) {
        if (!eq_nocase(word, tags[t].name) || (tags[t].needs_digit && !digit_next))
            continue;
        /* "rc1", "rc-1", "beta.2", "beta 2": one separator may stand before the number. */
        size_t k = le;
        if (k + 1 < suffix.n && sep(suffix.p[k]) && tk_vc_digit((unsigned char)suffix.p[k + 1]))
            k++;
        size_t ke = tk_vc_digits_end(suffix, k);
        d.cls = SUFFIX_PRE;
        d.rank = tags[t].rank;
        d.number = tk_vc_sub(suffix, k, ke);
        d.rest = tk_vc_sub(suffix, ke, suffix.n);
        return d;
    }
    d.cls = SUFFIX_OTHER;
    d.rest = suffix;
    return d;
}

int tk_vc_dotted_cmp(struct tk_str a, struct tk_str b)
{
    struct dotted x = parse(a), y = parse(b);
    int c = tk_vc_fields_cmp(x.fields, y.fields);
    if (c)
        return c;
    if (x.cls != y.cls)
        return x.cls < y.cls ? -1 : 1;
    if (x.cls == SUFFIX_PRE) {
        if (x.rank != y.rank)
            return x.rank < y.rank ? -1 : 1;
        if ((c = tk_vc_numcmp(x.number, y.number)) != 0)
            return c;
    }
    return tk_vc_natcmp(x.rest, y.rest);
}

bool tk_vc_dotted_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    if (s.n && (s.p[0] == 'v' || s.p[0] == 'V'))
        s = tk_vc_sub(s, 1, s.n);
    size_t n = tk_vc_fields_len(s, ".");
    if (!n)
        return false;
    for (size_t i = n; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!tk_vc_alnum(c) && (!c || !strchr("._+~-", c)))
            return false;
    }
    return true;
}
