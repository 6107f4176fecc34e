/* vercmp_vendor.c - appliance version schemes: PAN-OS, Ivanti Connect Secure, NetScaler,
 * Check Point and Junos each read their string into numeric field lists plus a remainder,
 * compared in order. Also the grammars of Cisco ASA (compared by the rpm rules) and Sophos
 * UTM (compared as NetScaler) versions; see vercmp.h.
 *
 * Each scheme is a key (field lists, a class, the natural-order remainder) computed from
 * one string alone, so every order here is total and transitive on any bytes. */
#include <string.h>

#include "kb/vercmp_int.h"

static struct tk_str fields(struct tk_str s, size_t *i)
{
    struct tk_str rest = tk_vc_sub(s, *i, s.n);
    size_t n = tk_vc_fields_len(rest, ".");
    *i += n;
    return tk_vc_sub(rest, 0, n);
}

static bool starts_nocase(struct tk_str s, size_t i, const char *word)
{
    size_t n = strlen(word);
    if (s.n - i < n)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s.p[i + k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[k])
            return false;
    }
    return true;
}

static bool digit_at(struct tk_str s, size_t i)
{
    return i < s.n && tk_vc_digit((unsigned char)s.p[i]);
}

/* ---- PAN-OS: 10.2.9 < 10.2.9-h1 < 10.2.9-h3 < 10.2.10 --------------------------------- */

enum { PANOS_BASE, PANOS_HOTFIX, PANOS_OTHER };

struct panos {
    struct tk_str release, hotfix, rest;
    int cls;
};

static struct panos panos_parse(struct tk_str s)
{
    size_t i = 0;
    struct panos p = { { s.p, 0 }, { s.p, 0 }, { s.p, 0 }, PANOS_BASE };
    s = tk_vc_trim(s);
    p.release = fields(s, &i);
    p.rest = tk_vc_sub(s, i, s.n);
    if (p.rest.n >= 3 && p.rest.p[0] == '-' && (p.rest.p[1] | 0x20) == 'h' &&
        tk_vc_digits_end(p.rest, 2) == p.rest.n) {
        p.cls = PANOS_HOTFIX;
        p.hotfix = tk_vc_sub(p.rest, 2, p.rest.n);
        p.rest.n = 0;
    } else if (p.rest.n) {
        p.cls = PANOS_OTHER;
    }
    return p;
}

int tk_vc_panos_cmp(struct tk_str a, struct tk_str b)
{
    struct panos x = panos_parse(a), y = panos_parse(b);
    int c = tk_vc_fields_cmp(x.release, y.release);
    if (c)
        return c;
    if (x.cls != y.cls)
        return x.cls < y.cls ? -1 : 1;
    if ((c = tk_vc_numcmp(x.hotfix, y.hotfix)) != 0)
        return c;
    return tk_vc_natcmp(x.rest, y.rest);
}

bool tk_vc_panos_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    size_t i = 0;
    struct tk_str release = fields(s, &i);
    if (!tk_vc_fields_exact(release, ".", 3, 3, false))
        return false;
    return i == s.n || (s.n - i >= 3 && s.p[i] == '-' && s.p[i + 1] == 'h' &&
                        tk_vc_digits_end(s, i + 2) == s.n);
}

/* ---- Ivanti: major.minor R release . build: 22.7R2.5 < 22.7R2.10 ---------------------- */

struct ivanti {
    struct tk_str version, release, rest;
};

static struct ivanti ivanti_parse(struct tk_str s)
{
    size_t i = 0;
    struct ivanti v = { { s.p, 0 }, { s.p, 0 }, { s.p, 0 } };
    s = tk_vc_trim(s);
    v.version = fields(s, &i);
    if (i < s.n && (s.p[i] == 'R' || s.p[i] == 'r') && digit_at(s, i + 1)) {
        i++;
        v.release = fields(s, &i);
    }
    v.rest = tk_vc_sub(s, i, s.n);
    return v;
}

int tk_vc_ivanti_cmp(struct tk_str a, struct tk_str b)
{
    struct ivanti x = ivanti_parse(a), y = ivanti_parse(b);
    int c = tk_vc_fields_cmp(x.version, y.version);
    if (!c)
        c = tk_vc_fields_cmp(x.release, y.release);
    if (!c)
        c = tk_vc_natcmp(x.rest, y.rest);
    return c;
}

bool tk_vc_ivanti_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    size_t i = 0;
    if (!tk_vc_fields_exact(fields(s, &i), ".", 2, 2, false) || i == s.n || s.p[i] != 'R')
        return false;
    return tk_vc_fields_exact(tk_vc_sub(s, i + 1, s.n), ".", 1, 2, false);
}

/* ---- NetScaler: release-build, "13.1-49.15" (advisories also write "13.1 build 49.15") - */

struct netscaler {
    struct tk_str release, build, rest;
};

static struct netscaler netscaler_parse(struct tk_str s)
{
    size_t i = 0, k;
    struct netscaler v = { { s.p, 0 }, { s.p, 0 }, { s.p, 0 } };
    s = tk_vc_trim(s);
    v.release = fields(s, &i);
    k = i;
    while (k < s.n && s.p[k] == ' ')
        k++;
    if (k < s.n && s.p[k] == '-')
        k++;
    else if (starts_nocase(s, k, "build"))
        k += 5;
    while (k < s.n && s.p[k] == ' ')
        k++;
    if (k > i && digit_at(s, k)) {
        i = k;
        v.build = fields(s, &i);
    }
    v.rest = tk_vc_sub(s, i, s.n);
    return v;
}

int tk_vc_netscaler_cmp(struct tk_str a, struct tk_str b)
{
    struct netscaler x = netscaler_parse(a), y = netscaler_parse(b);
    int c = tk_vc_fields_cmp(x.release, y.release);
    if (!c)
        c = tk_vc_fields_cmp(x.build, y.build);
    if (!c)
        c = tk_vc_natcmp(x.rest, y.rest);
    return c;
}

bool tk_vc_netscaler_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    const char *dash = memchr(s.p, '-', s.n);
    if (!dash)
        return false;
    size_t d = (size_t)(dash - s.p);
    return tk_vc_fields_exact(tk_vc_sub(s, 0, d), ".", 2, 2, false) &&
           tk_vc_fields_exact(tk_vc_sub(s, d + 1, s.n), ".", 2, 2, false);
}

/* ---- Cisco ASA: 9.16(4) or 9.16(4)38, or the dotted 9.16.4.38 ------------------------- */

bool tk_vc_cisco_asa_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    if (tk_vc_fields_exact(s, ".", 3, 4, false))
        return true;
    size_t i = 0;
    if (!tk_vc_fields_exact(fields(s, &i), ".", 2, 2, false) || i == s.n || s.p[i] != '(')
        return false;
    size_t e = tk_vc_digits_end(s, i + 1);
    if (e == i + 1 || e == s.n || s.p[e] != ')')
        return false;
    return tk_vc_digits_end(s, e + 1) == s.n;
}

/* ---- Sophos UTM: 9.607-7 = release 9.607, build 7 (compared as NetScaler) -------------- */

bool tk_vc_sophos_utm_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    const char *dash = memchr(s.p, '-', s.n);
    if (!dash)
        return false;
    size_t d = (size_t)(dash - s.p);
    return tk_vc_fields_exact(tk_vc_sub(s, 0, d), ".", 2, 3, false) &&
           tk_vc_fields_exact(tk_vc_sub(s, d + 1, s.n), ".", 1, 1, false);
}

/* ---- Check Point: R80.40 < R81 < R81.10 < R81.20, the dotted rules after the R --------- */

static struct tk_str checkpoint_strip(struct tk_str s)
{
    s = tk_vc_trim(s);
    if (s.n >= 2 && (s.p[0] == 'R' || s.p[0] == 'r') && tk_vc_digit((unsigned char)s.p[1]))
        s = tk_vc_sub(s, 1, s.n);
    return s;
}

int tk_vc_checkpoint_cmp(struct tk_str a, struct tk_str b)
{
    return tk_vc_dotted_cmp(checkpoint_strip(a), checkpoint_strip(b));
}

bool tk_vc_checkpoint_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    return s.n >= 2 && s.p[0] == 'R' && tk_vc_fields_exact(tk_vc_sub(s, 1, s.n), ".", 1, 3, false);
}

/* ---- Junos: 20.4R3 < 20.4R3-S8 < 20.4R3-S10 < 20.4R4; 15.1X49-D211 ---------------------- */

struct junos {
    struct tk_str version, type_num, svc_num, rest;
    unsigned char type, svc; /* capital letters; 0 when absent */
};

static bool letter_digit(struct tk_str s, size_t i)
{
    return i < s.n && tk_vc_alpha((unsigned char)s.p[i]) && digit_at(s, i + 1);
}

static unsigned char upper(char c)
{
    return (unsigned char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
}

static struct junos junos_parse(struct tk_str s)
{
    size_t i = 0;
    struct junos j = { { s.p, 0 }, { s.p, 0 }, { s.p, 0 }, { s.p, 0 }, 0, 0 };
    s = tk_vc_trim(s);
    j.version = fields(s, &i);
    if (letter_digit(s, i)) {
        j.type = upper(s.p[i++]);
        j.type_num = fields(s, &i);
        if (i < s.n && s.p[i] == '-' && letter_digit(s, i + 1)) {
            j.svc = upper(s.p[i + 1]);
            i += 2;
            j.svc_num = fields(s, &i);
        }
    }
    j.rest = tk_vc_sub(s, i, s.n);
    return j;
}

int tk_vc_junos_cmp(struct tk_str a, struct tk_str b)
{
    struct junos x = junos_parse(a), y = junos_parse(b);
    int c = tk_vc_fields_cmp(x.version, y.version);
    if (!c && x.type != y.type)
        c = x.type < y.type ? -1 : 1;
    if (!c)
        c = tk_vc_fields_cmp(x.type_num, y.type_num);
    if (!c && x.svc != y.svc)
        c = x.svc < y.svc ? -1 : 1;
    if (!c)
        c = tk_vc_fields_cmp(x.svc_num, y.svc_num);
    if (!c)
        c = tk_vc_natcmp(x.rest, y.rest);
    return c;
}

bool tk_vc_junos_valid(struct tk_str v)
{
    struct tk_str s = tk_vc_trim(v);
    size_t i = 0;
    if (!tk_vc_fields_exact(fields(s, &i), ".", 2, 2, false) || !letter_digit(s, i) ||
        s.p[i] < 'A' || s.p[i] > 'Z')
        return false;
    i++;
    if (!tk_vc_fields_exact(fields(s, &i), ".", 1, 2, false))
        return false;
    if (i == s.n)
        return true;
    if (s.p[i] != '-' || !letter_digit(s, i + 1) || s.p[i + 1] < 'A' || s.p[i + 1] > 'Z')
        return false;
    i += 2;
    return tk_vc_fields_exact(fields(s, &i), ".", 1, 2, false) && i == s.n;
}
