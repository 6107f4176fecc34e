/* vercmp.c - the version scheme table (name, comparator, grammar) and the helpers the
 * per-scheme files share. Adding a scheme: one enum value in vercmp.h, one row here, and
 * its comparator in vercmp_<scheme>.c (or a row pointing to an existing one). */
#include "kb/vercmp.h"

#include <string.h>

#include "kb/vercmp_int.h"

struct scheme {
    const char *name;
    int (*cmp)(struct tk_str a, struct tk_str b);
    bool (*valid)(struct tk_str v);
};

static const struct scheme schemes[TK_VSCHEME_COUNT] = {
    [TK_VSCHEME_DOTTED] = { "dotted", tk_vc_dotted_cmp, tk_vc_dotted_valid },
    [TK_VSCHEME_SEMVER] = { "semver", tk_vc_semver_cmp, tk_vc_semver_valid },
    [TK_VSCHEME_DPKG] = { "dpkg", tk_vc_dpkg_cmp, tk_vc_dpkg_valid },
    [TK_VSCHEME_RPM] = { "rpm", tk_vc_rpm_cmp, tk_vc_rpm_valid },
    [TK_VSCHEME_EXT] = { "ext", tk_vc_ext_cmp, tk_vc_ext_valid },
    [TK_VSCHEME_CHROMIUM] = { "chromium", tk_vc_ext_cmp, tk_vc_ext_valid },
    [TK_VSCHEME_PANOS] = { "panos", tk_vc_panos_cmp, tk_vc_panos_valid },
    [TK_VSCHEME_IVANTI] = { "ivanti", tk_vc_ivanti_cmp, tk_vc_ivanti_valid },
    [TK_VSCHEME_NETSCALER] = { "netscaler", tk_vc_netscaler_cmp, tk_vc_netscaler_valid },
    [TK_VSCHEME_FORTIOS] = { "fortios", tk_vc_dotted_cmp, tk_vc_dotted_valid },
    [TK_VSCHEME_BIGIP] = { "bigip", tk_vc_dotted_cmp, tk_vc_dotted_valid },
    [TK_VSCHEME_CISCO_ASA] = { "cisco-asa", tk_vc_rpm_cmp, tk_vc_cisco_asa_valid },
    [TK_VSCHEME_SONICWALL] = { "sonicwall", tk_vc_dotted_cmp, tk_vc_dotted_valid },
    [TK_VSCHEME_CHECKPOINT] = { "checkpoint", tk_vc_checkpoint_cmp, tk_vc_checkpoint_valid },
    [TK_VSCHEME_JUNOS] = { "junos", tk_vc_junos_cmp, tk_vc_junos_valid },
    [TK_VSCHEME_FIREWARE] = { "fireware", tk_vc_dotted_cmp, tk_vc_dotted_valid },
    [TK_VSCHEME_SOPHOS_UTM] = { "sophos-utm", tk_vc_netscaler_cmp, tk_vc_sophos_utm_valid },
    [TK_VSCHEME_ZYXEL_ZLD] = { "zyxel-zld", tk_vc_dotted_cmp, tk_vc_dotted_valid },
};

static const struct scheme *lookup(enum tk_vscheme s)
{
    return (unsigned)s < TK_VSCHEME_COUNT ? &schemes[s] : NULL;
}

int tk_vscheme_parse(const char *name, enum tk_vscheme *out)
{
    if (!name)
        return TK_EINVAL;
    for (int i = 0; i < TK_VSCHEME_COUNT; i++) {
        if (strcmp(schemes[i].name, name) == 0) {
            *out = (enum tk_vscheme)i;
            return 0;
        }
    }
    return TK_EINVAL;
}

const char *tk_vscheme_name(enum tk_vscheme s)
{
    const struct scheme *sc = lookup(s);
    return sc ? sc->name : "unknown";
}

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

int tk_vercmp(enum tk_vscheme s, struct tk_str a, struct tk_str b)
{
    const struct scheme *sc = lookup(s);
    /* NULL means empty; an empty slice always points somewhere, so offsets stay defined. */
    if (!a.p)
        a = (struct tk_str){ "", 0 };
    if (!b.p)
        b = (struct tk_str){ "", 0 };
    return sign(sc ? sc->cmp(a, b) : tk_vc_bytecmp(a, b));
}

bool tk_version_valid(enum tk_vscheme s, struct tk_str v)
{
    const struct scheme *sc = lookup(s);
    if (!v.p)
        v = (struct tk_str){ "", 0 };
    return sc && sc->valid(v);
}

/* ---- shared helpers ------------------------------------------------------------------- */

size_t tk_vc_digits_end(struct tk_str s, size_t i)
{
    while (i < s.n && tk_vc_digit((unsigned char)s.p[i]))
        i++;
    return i;
}

size_t tk_vc_alpha_end(struct tk_str s, size_t i)
{
    while (i < s.n && tk_vc_alpha((unsigned char)s.p[i]))
        i++;
    return i;
}

struct tk_str tk_vc_trim(struct tk_str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

int tk_vc_numcmp(struct tk_str a, struct tk_str b)
{
    while (a.n && a.p[0] == '0')
        a.p++, a.n--;
    while (b.n && b.p[0] == '0')
        b.p++, b.n--;
    if (a.n != b.n)
        return a.n < b.n ? -1 : 1;
    return a.n ? memcmp(a.p, b.p, a.n) : 0;
}

int tk_vc_bytecmp(struct tk_str a, struct tk_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c)
        return c;
    return (a.n > b.n) - (a.n < b.n);
}

int tk_vc_natcmp(struct tk_str a, struct tk_str b)
{
    size_t i = 0, j = 0;
    for (;;) {
        if (i == a.n || j == b.n)
            return (i < a.n) - (j < b.n);
        bool da = tk_vc_digit((unsigned char)a.p[i]), db = tk_vc_digit((unsigned char)b.p[j]);
        if (da != db)
            return da ? -1 : 1;
        size_t ie = i, je = j;
        if (da) {
            ie = tk_vc_digits_end(a, i);
            je = tk_vc_digits_end(b, j);
        } else {
            while (ie < a.n && !tk_vc_digit((unsigned char)a.p[ie]))
                ie++;
            while (je < b.n && !tk_vc_digit((unsigned char)b.p[je]))
                je++;
        }
        struct tk_str ra = tk_vc_sub(a, i, ie), rb = tk_vc_sub(b, j, je);
        int c = da ? tk_vc_numcmp(ra, rb) : tk_vc_bytecmp(ra, rb);
        if (c)
            return c;
        i = ie;
        j = je;
    }
}

static bool is_sep(unsigned char c, const char *seps)
{
    return c && strchr(seps, c) != NULL;
}

size_t tk_vc_fields_len(struct tk_str s, const char *seps)
{
    size_t i = tk_vc_digits_end(s, 0);
    if (i == 0)
        return 0;
    while (i + 1 < s.n && is_sep((unsigned char)s.p[i], seps) &&
           tk_vc_digit((unsigned char)s.p[i + 1]))
        i = tk_vc_digits_end(s, i + 1);
    return i;
}

int tk_vc_fields_cmp(struct tk_str a, struct tk_str b)
{
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        size_t ie = tk_vc_digits_end(a, i), je = tk_vc_digits_end(b, j);
        int c = tk_vc_numcmp(tk_vc_sub(a, i, ie), tk_vc_sub(b, j, je));
        if (c)
            return c;
        /* Step over one separator; always moves on, whatever the input. */
        i = ie < a.n ? ie + 1 : ie;
        j = je < b.n ? je + 1 : je;
    }
    return 0;
}

bool tk_vc_fields_exact(struct tk_str s, const char *seps, int nmin, int nmax, bool no_zeros)
{
    size_t i = 0;
    int n = 0;
    for (;;) {
        size_t e = tk_vc_digits_end(s, i);
        if (e == i || (no_zeros && s.p[i] == '0' && e - i > 1) || ++n > nmax)
            return false;
        if (e == s.n)
            return n >= nmin;
        if (!is_sep((unsigned char)s.p[e], seps))
            return false;
        i = e + 1;
    }
}
