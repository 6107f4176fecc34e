/* vrange.c - version range expressions of the data files ("*", "< 1.2", ">= 1.0, < 1.2",
 * "= 1.0.3"): parsing into bounds that point into the expression, and matching a version
 * against them with a scheme's comparator. */
#include <stdio.h>
#include <string.h>

#include "kb/vercmp.h"
#include "kb/vercmp_int.h"

/* How much of the expression an error message quotes. */
#define QUOTE_MAX 80

static const struct {
    const char *text;
    enum tk_vop op;
} ops[] = {
    /* Two-character operators first, so "<=" is not read as "<" then "=". */
    { "<=", TK_VOP_LE }, { ">=", TK_VOP_GE }, { "<", TK_VOP_LT },
    { ">", TK_VOP_GT },  { "=", TK_VOP_EQ },
};

static const char *op_text(enum tk_vop op)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].op == op)
            return ops[i].text;
    return "?";
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool lower(enum tk_vop op)
{
    return op == TK_VOP_GT || op == TK_VOP_GE;
}

static bool upper(enum tk_vop op)
{
    return op == TK_VOP_LT || op == TK_VOP_LE;
}

/* Records "version range "EXPR": WHAT at column N" (1-based; the expression quoted up to
 * QUOTE_MAX bytes). */
static int fail(struct tk_err *err, struct tk_str expr, size_t at, const char *what)
{
    int n = (int)(expr.n < QUOTE_MAX ? expr.n : QUOTE_MAX);
    return tk_err_set(err, TK_EPARSE, "version range \"%.*s%s\": %s at column %zu", n, expr.p,
                      expr.n > QUOTE_MAX ? "..." : "", what, at + 1);
}

static size_t skip_blanks(struct tk_str s, size_t i)
{
    while (i < s.n && blank(s.p[i]))
        i++;
    return i;
}

int tk_vrange_parse(struct tk_str expr, struct tk_vrange *out, struct tk_err *err)
{
    struct tk_vrange r = { 0, { { TK_VOP_EQ, { "", 0 } }, { TK_VOP_EQ, { "", 0 } } } };
    if (!expr.p)
        expr = (struct tk_str){ "", 0 };
    size_t i = skip_blanks(expr, 0);
    if (i == expr.n)
        return fail(err, expr, i, "expected \"*\" or a bound such as \"< 1.2\"");
    if (expr.p[i] == '*') {
        size_t e = skip_blanks(expr, i + 1);
        if (e != expr.n)
            return fail(err, expr, e, "expected nothing after \"*\"");
        *out = r;
        return 0;
    }
    for (;;) {
        if (r.nbounds == 2)
            return fail(err, expr, i, "expected at most two bounds");
        size_t k;
        for (k = 0; k < sizeof ops / sizeof ops[0]; k++)
            if (expr.n - i >= strlen(ops[k].text) &&
                memcmp(expr.p + i, ops[k].text, strlen(ops[k].text)) == 0)
                break;
        if (k == sizeof ops / sizeof ops[0])
            return fail(err, expr, i, "expected an operator (<, <=, >, >= or =)");
        struct tk_vbound *b = &r.bound[r.nbounds];
        b->op = ops[k].op;
        i = skip_blanks(expr, i + strlen(ops[k].text));
        size_t v = i;
        while (i < expr.n && !blank(expr.p[i]) && expr.p[i] != ',')
            i++;
        if (i == v || strchr("<>=*", expr.p[v])) {
            char what[64];
            snprintf(what, sizeof what, "expected a version after \"%s\"", ops[k].text);
            return fail(err, expr, v, what);
        }
        b->version = tk_vc_sub(expr, v, i);
        r.nbounds++;
        i = skip_blanks(expr, i);
        if (i == expr.n)
            break;
        if (expr.p[i] != ',')
            return fail(err, expr, i, "expected \",\" or the end");
        i = skip_blanks(expr, i + 1);
        if (i == expr.n)
            return fail(err, expr, i, "expected a bound after \",\"");
    }
    if (r.nbounds == 2) {
        enum tk_vop a = r.bound[0].op, b = r.bound[1].op;
        size_t at = (size_t)(r.bound[1].version.p - expr.p);
        if (a == TK_VOP_EQ || b == TK_VOP_EQ)
            return fail(err, expr, a == TK_VOP_EQ ? 0 : at, "\"=\" must be the only bound");
        if (!((lower(a) && upper(b)) || (upper(a) && lower(b)))) {
            char what[96];
            snprintf(what, sizeof what,
                     "expected one lower (>, >=) and one upper (<, <=) "
                     "bound, not \"%s\" and \"%s\"",
                     op_text(a), op_text(b));
            return fail(err, expr, at, what);
        }
    }
    *out = r;
    return 0;
}

bool tk_vrange_contains(enum tk_vscheme s, const struct tk_vrange *r, struct tk_str version)
{
    if (!version.p)
        version = (struct tk_str){ "", 0 };
    for (int i = 0; i < r->nbounds && i < 2; i++) {
        const struct tk_vbound *b = &r->bound[i];
        int c = s == TK_VSCHEME_RPM ? tk_vc_rpm_cmp_bound(version, b->version)
                                    : tk_vercmp(s, version, b->version);
        bool ok = false;
        switch (b->op) {
        case TK_VOP_LT:
            ok = c < 0;
            break;
        case TK_VOP_LE:
            ok = c <= 0;
            break;
        case TK_VOP_GT:
            ok = c > 0;
            break;
        case TK_VOP_GE:
            ok = c >= 0;
            break;
        case TK_VOP_EQ:
            ok = c == 0;
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}
