/* name.c - domain names (name.h). */
#include "domains/name.h"

#include <idn2.h>
#include <libpsl.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"

static bool ldh_label(const char *p, size_t n)
{
    if (n < 1 || n > 63 || p[0] == '-' || p[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
            return false;
    return true;
}

/* Checks an ASCII name label by label; the reason when it is not a host name. */
static const char *ascii_problem(const char *s)
{
    size_t n = strlen(s), labels = 0;
    if (n < 1 || n > TK_DNAME_MAX)
        return "longer than 253 characters";
    for (const char *p = s;;) {
        const char *dot = strchr(p, '.');
        size_t k = dot ? (size_t)(dot - p) : strlen(p);
        if (!ldh_label(p, k))
            return k > 63 ? "a label longer than 63 characters"
                          : "a label that is empty, starts or ends with '-', or holds a "
                            "character other than a-z, 0-9 and '-'";
        labels++;
        if (!dot)
            break;
        p = dot + 1;
    }
    if (labels < 2)
        return "a single label";
    const char *tld = strrchr(s, '.') + 1;
    if (strspn(tld, "0123456789") == strlen(tld))
        return "a numeric last label (an address, not a name)";
    return NULL;
}

/* The registrable domain and the public suffix, by the Public Suffix List. */
static int psl_split(struct tk_dname *d)
{
    const psl_ctx_t *psl = psl_builtin();
    const char *reg = psl ? psl_registrable_domain(psl, d->ascii) : NULL;
    /* the suffix is what follows the registrable domain's first label (one PSL walk, not
     * two: psl_unregistrable_domain would find the same place) */
    const char *suf = reg ? strchr(reg, '.') : NULL;
    suf = suf ? suf + 1 : NULL;
    d->reg = d->suffix = d->label_len = 0;
    if (reg && suf && suf > reg) {
        d->reg = (size_t)(reg - d->ascii);
        d->suffix = (size_t)(suf - d->ascii);
        d->label_len = d->suffix - d->reg - 1;
    }
    return 0;
}

/* The Unicode form of one A-label (n bytes at p) appended to out (cap bytes, k used); false
 * when it is not valid punycode or does not come back to itself. */
static bool a_label(const char *p, size_t n, char *out, size_t cap, size_t *k)
{
    char lab[64];
    if (n >= sizeof lab)
        return false;
    memcpy(lab, p, n);
    lab[n] = '\0';
    char *u = NULL, *back = NULL;
    bool ok = idn2_to_unicode_8z8z(lab, &u, 0) == IDN2_OK && u && *u &&
              idn2_to_ascii_8z(u, &back, IDN2_NONTRANSITIONAL) == IDN2_OK && back &&
              strcmp(back, lab) == 0;
    size_t un = ok ? strlen(u) : 0;
    if (ok && *k + un < cap) {
        memcpy(out + *k, u, un);
        *k += un;
    } else {
        ok = false;
    }
    idn2_free(u);
    idn2_free(back);
    return ok;
}

/* The Unicode form, label by label: only xn-- labels change (an ASCII label with hyphens in
 * its third and fourth places stays as it is, as DNS has it). */
static int split(struct tk_dname *d, struct tk_err *err)
{
    size_t k = 0;
    for (const char *p = d->ascii;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n > 4 && strncmp(p, "xn--", 4) == 0) {
            if (!a_label(p, n, d->unicode, sizeof d->unicode - 1, &k))
                return tk_err_set(err, TK_EPARSE, "malformed punycode");
        } else {
            memcpy(d->unicode + k, p, n); /* fits: the Unicode buffer is 4 times larger */
            k += n;
        }
        if (!dot)
            break;
        d->unicode[k++] = '.';
        p = dot + 1;
    }
    d->unicode[k] = '\0';
    return psl_split(d);
}

int tk_dname_parse(struct tk_dname *d, const char *s, size_t n, struct tk_err *err)
{
    memset(d, 0, sizeof *d);
    struct tk_str t = tk_str_trim((struct tk_str){ s, n });
    if (t.n >= 2 && t.p[0] == '*' && t.p[1] == '.')
        t = (struct tk_str){ t.p + 2, t.n - 2 };
    if (t.n && t.p[t.n - 1] == '.')
        t.n--;
    if (!t.n)
        return tk_err_set(err, TK_EPARSE, "empty");
    char in[4 * TK_DNAME_MAX + 1];
    if (t.n >= sizeof in)
        return tk_err_set(err, TK_ELIMIT, "longer than %zu bytes", sizeof in - 1);
    bool ascii = true;
    for (size_t i = 0; i < t.n; i++) {
        if (!t.p[i])
            return tk_err_set(err, TK_EPARSE, "a NUL byte");
        ascii = ascii && (unsigned char)t.p[i] < 0x80;
        in[i] = (char)(t.p[i] >= 'A' && t.p[i] <= 'Z' ? t.p[i] + 32 : t.p[i]);
    }
    in[t.n] = '\0';
    if (ascii) {
        memcpy(d->ascii, in, t.n + 1 <= sizeof d->ascii ? t.n + 1 : 0);
        if (t.n > TK_DNAME_MAX)
            return tk_err_set(err, TK_ELIMIT, "longer than 253 characters");
    } else {
        /* label by label: Unicode labels to punycode, ASCII ones as they are */
        size_t k = 0;
        for (char *p = in;;) {
            char *dot = strchr(p, '.');
            if (dot)
                *dot = '\0';
            bool plain = true;
            for (const char *q = p; *q; q++)
                plain = plain && (unsigned char)*q < 0x80;
            char *out = NULL;
            int rc =
                plain ? IDN2_OK : idn2_to_ascii_8z(p, &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
            if (rc != IDN2_OK || (!plain && !out)) {
                idn2_free(out);
                return tk_err_set(err, TK_EPARSE, "not a valid internationalised name (%s)",
                                  idn2_strerror(rc));
            }
            const char *lab = plain ? p : out;
            size_t ln = strlen(lab);
            if (k + ln + (dot ? 1 : 0) > TK_DNAME_MAX) {
                idn2_free(out);
                return tk_err_set(err, TK_ELIMIT, "longer than 253 characters in ASCII form");
            }
            memcpy(d->ascii + k, lab, ln);
            k += ln;
            idn2_free(out);
            if (!dot)
                break;
            d->ascii[k++] = '.';
            p = dot + 1;
        }
        d->ascii[k] = '\0';
    }
    const char *why = ascii_problem(d->ascii);
    if (why)
        return tk_err_set(err, TK_EPARSE, "%s", why);
    return split(d, err);
}

int tk_dname_join(struct tk_dname *d, const char *label, size_t n, const char *suffix,
                  struct tk_err *err)
{
    char buf[4 * TK_DNAME_MAX + 2];
    int k =
        snprintf(buf, sizeof buf, "%.*s.%s", (int)(n < sizeof buf ? n : sizeof buf), label, suffix);
    if (k < 0 || (size_t)k >= sizeof buf)
        return tk_err_set(err, TK_ELIMIT, "too long");
    return tk_dname_parse(d, buf, (size_t)k, err);
}

const char *tk_dname_label(const struct tk_dname *d, bool unicode, char *out, size_t cap)
{
    if (!cap)
        return out;
    out[0] = '\0';
    if (!d->label_len)
        return out;
    if (!unicode) {
        snprintf(out, cap, "%.*s", (int)d->label_len, d->ascii + d->reg);
        return out;
    }
    char *u = NULL;
    char lab[64];
    snprintf(lab, sizeof lab, "%.*s", (int)d->label_len, d->ascii + d->reg);
    if (idn2_to_unicode_8z8z(lab, &u, 0) == IDN2_OK && u)
        snprintf(out, cap, "%s", u);
    else
        snprintf(out, cap, "%s", lab);
    idn2_free(u);
    return out;
}
