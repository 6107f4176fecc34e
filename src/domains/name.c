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
    const char *suf = psl ? psl_unregistrable_domain(psl, d->ascii) : NULL;
    d->reg = d->suffix = d->label_len = 0;
    if (reg && suf && suf > reg) {
        d->reg = (size_t)(reg - d->ascii);
        d->suffix = (size_t)(suf - d->ascii);
        d->label_len = d->suffix - d->reg - 1;
    }
    return 0;
}

static int split(struct tk_dname *d, struct tk_err *err)
{
    /* without an A-label the Unicode form is the name itself */
    if (strncmp(d->ascii, "xn--", 4) != 0 && !strstr(d->ascii, ".xn--")) {
        memcpy(d->unicode, d->ascii, strlen(d->ascii) + 1);
        return psl_split(d);
    }
    /* the Unicode form: it also proves every xn-- label is valid punycode */
    char *u = NULL;
    int rc = idn2_to_unicode_8z8z(d->ascii, &u, 0);
    if (rc != IDN2_OK || !u) {
        idn2_free(u);
        return tk_err_set(err, TK_EPARSE, "malformed punycode (%s)", idn2_strerror(rc));
    }
    size_t un = strlen(u);
    /* and back again: a label that does not round-trip is not a valid A-label */
    char *back = NULL;
    rc = idn2_to_ascii_8z(u, &back, IDN2_NONTRANSITIONAL);
    bool same = rc == IDN2_OK && back && strcmp(back, d->ascii) == 0;
    idn2_free(back);
    if (!same) {
        idn2_free(u);
        return tk_err_set(err, TK_EPARSE, "malformed punycode");
    }
    if (un >= sizeof d->unicode) {
        idn2_free(u);
        return tk_err_set(err, TK_ELIMIT, "too long in Unicode");
    }
    memcpy(d->unicode, u, un + 1);
    idn2_free(u);

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
        char *out = NULL;
        int rc = idn2_to_ascii_8z(in, &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        if (rc != IDN2_OK || !out) {
            idn2_free(out);
            return tk_err_set(err, TK_EPARSE, "not a valid internationalised name (%s)",
                              idn2_strerror(rc));
        }
        size_t k = strlen(out);
        if (k > TK_DNAME_MAX) {
            idn2_free(out);
            return tk_err_set(err, TK_ELIMIT, "longer than 253 characters in ASCII form");
        }
        memcpy(d->ascii, out, k + 1);
        idn2_free(out);
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
