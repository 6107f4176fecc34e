/* minire.c - the small regex matcher of minire.h: a recursive-descent parser into a tree,
 * code generation for a Pike VM (Thompson's construction; counted repeats copy their
 * operand), and the VM itself, which keeps one thread per instruction and so never
 * backtracks. Character classes are 256-bit sets over bytes; '.' and negated classes take
 * a whole UTF-8 sequence (a lead byte, then any continuation bytes). */
#include "core/minire.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/utf8.h"

#define MAX_NODES 4096
#define MAX_DEPTH 200
#define MAX_REPEAT 1000
#define MAX_SETS 1024
#define MAX_NAMES 64

/* ---- the tree ----------------------------------------------------------------------------- */

enum node_kind { N_EMPTY, N_BYTE, N_SET, N_UTF8_SET, N_CAT, N_ALT, N_REP, N_ASSERT };
enum assertion { A_BOL, A_EOL, A_EOL_NL, A_WORDB, A_NWORDB };

struct set {
    uint32_t bits[8];
};

struct node {
    enum node_kind kind;
    int a, b;      /* CAT, ALT: b children from kids[a]; REP: the child a */
    int min, max;  /* REP; max -1: unbounded */
    int value;     /* BYTE: the byte; SET/UTF8_SET: set index; ASSERT: enum assertion */
    long size;     /* instructions it compiles to (saturating past the program's bound) */
};

struct parser {
    const unsigned char *p;
    size_t n, i;
    bool caseless;
    struct node nodes[MAX_NODES];
    int nnodes;
    int kids[MAX_NODES], nkids; /* the children of CAT and ALT nodes, each a run */
    int stk[MAX_NODES], top;    /* children being collected (nested runs above outer ones) */
    struct {
        const unsigned char *p;
        size_t n;
    } names[MAX_NAMES]; /* of named groups */
    int nnames;
    struct set *sets;
    int nsets;
    const char *why;
    int depth;
};

static int fail(struct parser *ps, const char *why)
{
    if (!ps->why)
        ps->why = why;
    return -1;
}

static int node(struct parser *ps, enum node_kind kind, int a, int b)
{
    if (ps->nnodes == MAX_NODES)
        return fail(ps, "pattern too complex");
    struct node *x = &ps->nodes[ps->nnodes];
    *x = (struct node){ .kind = kind, .a = a, .b = b };
    return ps->nnodes++;
}

static int push(struct parser *ps, int x)
{
    if (x < 0)
        return -1;
    if (ps->top == MAX_NODES)
        return fail(ps, "pattern too complex");
    ps->stk[ps->top++] = x;
    return 0;
}

/* The children pushed since base as one node of kind (a lone child stands for itself). */
static int finish(struct parser *ps, enum node_kind kind, int base)
{
    int count = ps->top - base;
    if (count == 1) {
        ps->top = base;
        return ps->stk[base];
    }
    if (ps->nkids + count > MAX_NODES)
        return fail(ps, "pattern too complex");
    int x = node(ps, kind, ps->nkids, count);
    if (x < 0)
        return -1;
    memcpy(ps->kids + ps->nkids, ps->stk + base, (size_t)count * sizeof *ps->kids);
    ps->nkids += count;
    ps->top = base;
    return x;
}

static void set_add(struct set *s, unsigned c)
{
    s->bits[c >> 5] |= 1u << (c & 31);
}

static bool set_has(const struct set *s, unsigned c)
{
    return s->bits[c >> 5] >> (c & 31) & 1u;
}

static int new_set(struct parser *ps)
{
    if (ps->nsets == MAX_SETS)
        return fail(ps, "too many character classes");
    memset(&ps->sets[ps->nsets], 0, sizeof ps->sets[0]);
    return ps->nsets++;
}

static bool is_word(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_';
}

static bool is_space(unsigned c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* \d \w \s and their negations into s (ASCII meaning; a negation adds every byte from 0x80
 * too, so that a non-ASCII character's lead byte is a member). false for other letters. */
static bool class_escape(struct set *s, unsigned char e)
{
    unsigned char lower = (unsigned char)(e | 0x20);
    if (lower != 'd' && lower != 'w' && lower != 's')
        return false;
    bool neg = e != lower;
    for (unsigned c = 0; c < 256; c++) {
        bool in = lower == 'd' ? c >= '0' && c <= '9' : lower == 'w' ? is_word(c) : is_space(c);
        if (in != neg && (c < 0x80 || neg))
            set_add(s, c);
    }
    return true;
}

static int hexval(unsigned char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                 : -1;
}

/* A single-character escape after '\' at ps->i (which it advances): the code point, or -1
 * (with why) when it is not one. */
static long char_escape(struct parser *ps)
{
    unsigned char e = ps->p[ps->i++];
    switch (e) {
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'e': return 0x1b;
    case '0': { /* \0 and up to two more octal digits, as in PCRE2 */
        long v = 0;
        for (int k = 0; k < 2 && ps->i < ps->n && ps->p[ps->i] >= '0' && ps->p[ps->i] <= '7'; k++)
            v = v * 8 + (ps->p[ps->i++] - '0');
        return v;
    }
    case 'x': {
        long v = 0;
        if (ps->i < ps->n && ps->p[ps->i] == '{') {
            size_t j = ps->i + 1, digits = 0;
            while (j < ps->n && hexval(ps->p[j]) >= 0 && digits < 7)
                v = v * 16 + hexval(ps->p[j++]), digits++;
            if (j >= ps->n || ps->p[j] != '}' || !digits || v > 0x10FFFF ||
                (v >= 0xD800 && v <= 0xDFFF))
                return fail(ps, "bad \\x{...} escape");
            ps->i = j + 1;
            return v;
        }
        for (int k = 0; k < 2 && ps->i < ps->n && hexval(ps->p[ps->i]) >= 0; k++)
            v = v * 16 + hexval(ps->p[ps->i++]);
        return v;
    }
    default:
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '1' && e <= '9') ||
            e >= 0x80)
            return fail(ps, "unsupported escape");
        return e; /* punctuation stands for itself */
    }
}

/* Case-insensitive: each ASCII letter in the set brings its other case. */
static void fold_set(struct set *s)
{
    for (unsigned c = 'A'; c <= 'Z'; c++)
        if (set_has(s, c) || set_has(s, c + 32)) {
            set_add(s, c);
            set_add(s, c + 32);
        }
}

/* The bytes of s as one node (a concatenation). */
static int bytes(struct parser *ps, const char *s)
{
    int base = ps->top;
    for (; *s; s++) {
        int b = node(ps, N_BYTE, -1, -1);
        if (b >= 0)
            ps->nodes[b].value = (unsigned char)*s;
        if (push(ps, b) < 0)
            return -1;
    }
    return finish(ps, N_CAT, base);
}

/* Caseless, PCRE2 in UTF mode matches k and s also with KELVIN SIGN (U+212A) and LATIN
 * SMALL LETTER LONG S (U+017F): x (a set holding k or s) becomes x | those characters. */
static int fold_beyond_ascii(struct parser *ps, int x, bool k, bool s)
{
    int base = ps->top;
    if (push(ps, x) < 0)
        return -1;
    if (k && push(ps, bytes(ps, "\xe2\x84\xaa")) < 0)
        return -1;
    if (s && push(ps, bytes(ps, "\xc5\xbf")) < 0)
        return -1;
    return finish(ps, N_ALT, base);
}

/* One code point as a node: a byte, or a concatenation of its UTF-8 bytes. */
static int literal(struct parser *ps, long cp)
{
    unsigned char u[4];
    size_t len = tk_utf8_encode((uint32_t)cp, u);
    if (ps->caseless && cp >= 0x80) /* PCRE2 folds these by Unicode's tables */
        return fail(ps, "non-ASCII letters in a caseless pattern are not supported");
    int base = ps->top;
    for (size_t k = 0; k < len; k++) {
        int b;
        if (len == 1 && ps->caseless && ((u[0] | 0x20) >= 'a' && (u[0] | 0x20) <= 'z')) {
            int s = new_set(ps);
            if (s < 0)
                return -1;
            set_add(&ps->sets[s], u[0]);
            fold_set(&ps->sets[s]);
            b = node(ps, N_SET, -1, -1);
            if (b >= 0)
                ps->nodes[b].value = s;
            if (b >= 0)
                b = fold_beyond_ascii(ps, b, (u[0] | 0x20) == 'k', (u[0] | 0x20) == 's');
        } else {
            b = node(ps, N_BYTE, -1, -1);
            if (b >= 0)
                ps->nodes[b].value = u[k];
        }
        if (push(ps, b) < 0)
            return -1;
    }
    return finish(ps, N_CAT, base);
}

static int set_node(struct parser *ps, int s);

/* Whether the text at i, just after a '[', is POSIX class syntax as PCRE2 sees it: ':', '.'
 * or '=' and, before any ']', the same character followed by ']' ("[:alpha:]", "[.a.]"). */
static bool posix_like(const struct parser *ps, size_t i)
{
    if (i >= ps->n || (ps->p[i] != ':' && ps->p[i] != '.' && ps->p[i] != '='))
        return false;
    unsigned char term = ps->p[i];
    for (size_t j = i + 1; j < ps->n; j++) {
        if (ps->p[j] == '\\' && j + 1 < ps->n && (ps->p[j + 1] == ']' || ps->p[j + 1] == '\\'))
            j++;
        else if ((ps->p[j] == '[' && j + 1 < ps->n && ps->p[j + 1] == term) || ps->p[j] == ']')
            return false;
        else if (ps->p[j] == term && j + 1 < ps->n && ps->p[j + 1] == ']')
            return true;
    }
    return false;
}

/* "[...]" at ps->i (after the '['). */
static int parse_class(struct parser *ps)
{
    int s = new_set(ps);
    if (s < 0)
        return -1;
    struct set *set = &ps->sets[s];
    bool neg = ps->i < ps->n && ps->p[ps->i] == '^';
    if (neg)
        ps->i++;
    /* "[:alpha:]" and the like outside a class are errors in PCRE2 */
    if (posix_like(ps, ps->i))
        return fail(ps, "POSIX classes are not supported");
    bool first = true;
    bool lit_k = false, lit_s = false; /* among the members written out (not from \\w) */
    for (;;) {
        if (ps->i >= ps->n)
            return fail(ps, "missing ]");
        unsigned char c = ps->p[ps->i];
        if (c == ']' && !first)
            break;
        first = false;
        ps->i++;
        long cp;
        if (c == '[' && posix_like(ps, ps->i))
            return fail(ps, "POSIX classes are not supported");
        if (c == '\\') {
            if (ps->i >= ps->n)
                return fail(ps, "\\ at the end");
            if (class_escape(set, ps->p[ps->i])) {
                ps->i++;
                if (ps->i + 1 < ps->n && ps->p[ps->i] == '-' && ps->p[ps->i + 1] != ']')
                    return fail(ps, "a class escape cannot start a range");
                continue;
            }
            if (ps->p[ps->i] == 'b') {
                ps->i++;
                cp = '\b';
            } else if ((cp = char_escape(ps)) < 0) {
                return -1;
            }
        } else {
            cp = c;
        }
        if (cp >= 0x80)
            return fail(ps, "non-ASCII class members are not supported");
        if (ps->i + 1 < ps->n && ps->p[ps->i] == '-' && ps->p[ps->i + 1] != ']') {
            ps->i++;
            unsigned char d = ps->p[ps->i++];
            long hi;
            if (d == '[' && posix_like(ps, ps->i)) /* [a-[:digit:]], [?-[.a.]]: PCRE2 refuses */
                return fail(ps, "POSIX classes are not supported");
            if (d == '\\') {
                if (ps->i >= ps->n)
                    return fail(ps, "\\ at the end");
                if ((ps->p[ps->i] | 0x20) == 'd' || (ps->p[ps->i] | 0x20) == 'w' ||
                    (ps->p[ps->i] | 0x20) == 's')
                    return fail(ps, "a class escape cannot end a range");
                if ((hi = char_escape(ps)) < 0)
                    return -1;
            } else {
                hi = d;
            }
            if (hi >= 0x80)
                return fail(ps, "non-ASCII class members are not supported");
            if (hi < cp)
                return fail(ps, "range out of order");
            for (long x = cp; x <= hi; x++) {
                set_add(set, (unsigned)x);
                lit_k |= (x | 0x20) == 'k';
                lit_s |= (x | 0x20) == 's';
            }
            continue;
        }
        set_add(set, (unsigned)cp);
        lit_k |= (cp | 0x20) == 'k';
        lit_s |= (cp | 0x20) == 's';
    }
    ps->i++; /* ']' */
    if (ps->caseless)
        fold_set(set);
    if (ps->caseless && (lit_k || lit_s) && neg)
        return fail(ps, "a caseless negated class of k or s is not supported");
    if (neg) /* [^a] takes a newline too, as in PCRE2 */
        for (int k = 0; k < 8; k++)
            set->bits[k] = ~set->bits[k];
    int x = set_node(ps, s);
    return x >= 0 && ps->caseless && (lit_k || lit_s) ? fold_beyond_ascii(ps, x, lit_k, lit_s)
                                                        : x;
}

static int parse_alt(struct parser *ps);

/* A class as a node: one that takes bytes from 0x80 takes whole UTF-8 sequences. */
static int set_node(struct parser *ps, int s)
{
    const struct set *set = &ps->sets[s];
    bool wide = set->bits[4] | set->bits[5] | set->bits[6] | set->bits[7];
    int x = node(ps, wide ? N_UTF8_SET : N_SET, -1, -1);
    if (x >= 0)
        ps->nodes[x].value = s;
    return x;
}

static int assertion(struct parser *ps, enum assertion a)
{
    int x = node(ps, N_ASSERT, -1, -1);
    if (x >= 0)
        ps->nodes[x].value = a;
    return x;
}

/* Digits at *j (as many as there are; the value saturates); how many were read. */
static size_t number(const struct parser *ps, size_t *j, long *v)
{
    size_t digits = 0;
    *v = 0;
    for (; *j < ps->n && ps->p[*j] >= '0' && ps->p[*j] <= '9'; ++*j, digits++)
        *v = *v > 1000000 ? *v : *v * 10 + (ps->p[*j] - '0');
    return digits;
}

/* "{n}", "{n,}", "{n,m}" at ps->i: 1 (ps->i moved past it), 0 when the text is none of them
 * (ps->i unchanged), -1 when a number is past PCRE2's limit of 65535. */
static int counted(struct parser *ps, int *min, int *max)
{
    size_t j = ps->i + 1;
    long lo, hi;
    if (!number(ps, &j, &lo) || j >= ps->n)
        return 0;
    if (ps->p[j] == '}') {
        hi = lo;
    } else if (ps->p[j] == ',') {
        j++;
        size_t digits = number(ps, &j, &hi);
        if (j >= ps->n || ps->p[j] != '}')
            return 0;
        if (!digits)
            hi = -1;
    } else {
        return 0;
    }
    if (lo > 65535 || hi > 65535)
        return fail(ps, "number too big in {}");
    ps->i = j + 1;
    *min = (int)lo;
    *max = (int)hi;
    return 1;
}

static int parse_atom(struct parser *ps)
{
    unsigned char c = ps->p[ps->i++];
    switch (c) {
    case '.': {
        int s = new_set(ps);
        if (s < 0)
            return -1;
        for (unsigned k = 0; k < 256; k++)
            if (k != '\n')
                set_add(&ps->sets[s], k);
        return set_node(ps, s);
    }
    case '[':
        return parse_class(ps);
    case '^':
        return assertion(ps, A_BOL);
    case '$':
        return assertion(ps, A_EOL_NL);
    case '(': {
        if (ps->i < ps->n && ps->p[ps->i] == '?') {
            if (ps->i + 1 < ps->n && ps->p[ps->i + 1] == ':') {
                ps->i += 2;
            } else if (ps->i + 2 < ps->n && (ps->p[ps->i + 1] == '<' || ps->p[ps->i + 1] == 'P')) {
                size_t j = ps->i + (ps->p[ps->i + 1] == 'P' ? 2 : 1);
                if (ps->p[ps->i + 1] == 'P' && (j >= ps->n || ps->p[j] != '<'))
                    return fail(ps, "unsupported group");
                j++;
                size_t start = j;
                while (j < ps->n && is_word(ps->p[j]))
                    j++;
                if (j == start || j >= ps->n || ps->p[j] != '>' ||
                    (ps->p[start] >= '0' && ps->p[start] <= '9'))
                    return fail(ps, "unsupported group (lookbehind or a bad name)");
                /* PCRE2 refuses a name used twice */
                for (int k = 0; k < ps->nnames; k++)
                    if (ps->names[k].n == j - start &&
                        memcmp(ps->names[k].p, ps->p + start, j - start) == 0)
                        return fail(ps, "a group name used twice");
                if (ps->nnames == MAX_NAMES)
                    return fail(ps, "too many named groups");
                ps->names[ps->nnames].p = ps->p + start;
                ps->names[ps->nnames++].n = j - start;
                ps->i = j + 1;
            } else {
                return fail(ps, "unsupported group or option");
            }
        }
        if (++ps->depth > MAX_DEPTH)
            return fail(ps, "groups nested too deep");
        int x = parse_alt(ps);
        ps->depth--;
        if (x < 0)
            return -1;
        if (ps->i >= ps->n || ps->p[ps->i] != ')')
            return fail(ps, "missing )");
        ps->i++;
        return x;
    }
    case '\\': {
        if (ps->i >= ps->n)
            return fail(ps, "\\ at the end");
        unsigned char e = ps->p[ps->i];
        switch (e) {
        case 'A': ps->i++; return assertion(ps, A_BOL);
        case 'z': ps->i++; return assertion(ps, A_EOL);
        case 'Z': ps->i++; return assertion(ps, A_EOL_NL);
        case 'b': ps->i++; return assertion(ps, A_WORDB);
        case 'B': ps->i++; return assertion(ps, A_NWORDB);
        default: break;
        }
        int s = new_set(ps);
        if (s < 0)
            return -1;
        if (class_escape(&ps->sets[s], e)) {
            ps->i++;
            return set_node(ps, s);
        }
        ps->nsets--; /* not needed */
        long cp = char_escape(ps);
        return cp < 0 ? -1 : literal(ps, cp);
    }
    case ')':
        return fail(ps, "unmatched )");
    case '*':
    case '+':
    case '?':
        return fail(ps, "quantifier without an operand");
    case '{': {
        int lo, hi;
        ps->i--; /* counted() reads from the '{' */
        int q = counted(ps, &lo, &hi);
        if (q)
            return q < 0 ? -1 : fail(ps, "quantifier without an operand");
        ps->i++;
        return literal(ps, '{');
    }
    default:
        if (c >= 0x80) {
            /* a UTF-8 literal: its bytes as they are */
            uint32_t cp;
            size_t len = tk_utf8_decode(ps->p + ps->i - 1, ps->n - ps->i + 1, &cp);
            if (!len)
                return fail(ps, "invalid UTF-8");
            ps->i += len - 1;
            return literal(ps, cp);
        }
        return literal(ps, c);
    }
}

static int parse_repeat(struct parser *ps)
{
    int x = parse_atom(ps);
    if (x < 0)
        return -1;
    if (ps->i >= ps->n)
        return x;
    unsigned char c = ps->p[ps->i];
    int lo, hi, q = 1;
    if (c == '*')
        lo = 0, hi = -1, ps->i++;
    else if (c == '+')
        lo = 1, hi = -1, ps->i++;
    else if (c == '?')
        lo = 0, hi = 1, ps->i++;
    else if (c != '{' || (q = counted(ps, &lo, &hi)) == 0)
        return x;
    if (q < 0)
        return -1;
    if (hi >= 0 && hi < lo)
        return fail(ps, "numbers out of order in {}");
    if (lo > MAX_REPEAT || hi > MAX_REPEAT)
        return fail(ps, "repeat count too large");
    if (ps->i < ps->n && ps->p[ps->i] == '+')
        return fail(ps, "possessive quantifiers are not supported");
    if (ps->i < ps->n && ps->p[ps->i] == '?')
        ps->i++; /* lazy: the same answer for a search */
    if (ps->nodes[x].kind == N_ASSERT)
        return fail(ps, "quantified assertion");
    x = node(ps, N_REP, x, -1);
    if (x >= 0) {
        ps->nodes[x].min = lo;
        ps->nodes[x].max = hi;
    }
    return x;
}

static int parse_cat(struct parser *ps)
{
    int base = ps->top;
    while (ps->i < ps->n && ps->p[ps->i] != '|' && ps->p[ps->i] != ')')
        if (push(ps, parse_repeat(ps)) < 0)
            return -1;
    return ps->top == base ? node(ps, N_EMPTY, -1, -1) : finish(ps, N_CAT, base);
}

static int parse_alt(struct parser *ps)
{
    int base = ps->top;
    if (push(ps, parse_cat(ps)) < 0)
        return -1;
    while (ps->i < ps->n && ps->p[ps->i] == '|') {
        ps->i++;
        if (push(ps, parse_cat(ps)) < 0)
            return -1;
    }
    return finish(ps, N_ALT, base);
}

/* ---- the program -------------------------------------------------------------------------- */

#define SIZE_CAP ((long)TK_MINIRE_MAX_PROG + 1)

static long cap(long v)
{
    return v > SIZE_CAP ? SIZE_CAP : v;
}

/* The instructions each node compiles to, children first (they were made first: a node's
 * children have lower numbers), so that counted repeats can be judged before they are
 * copied, and repeats of what compiles to nothing skipped. */
static void sizes(struct parser *ps)
{
    for (int i = 0; i < ps->nnodes; i++) {
        struct node *x = &ps->nodes[i];
        long v = 0;
        switch (x->kind) {
        case N_EMPTY: v = 0; break;
        case N_BYTE:
        case N_SET:
        case N_ASSERT: v = 1; break;
        case N_UTF8_SET: v = 4; break;
        case N_CAT:
        case N_ALT:
            v = x->kind == N_ALT ? 2L * (x->b - 1) : 0;
            for (int k = 0; k < x->b; k++)
                v = cap(v + ps->nodes[ps->kids[x->a + k]].size);
            break;
        case N_REP: {
            long c = ps->nodes[x->a].size;
            v = cap((long)x->min * c);
            v = cap(v + (x->max < 0 ? c + 2 : (long)(x->max - x->min) * (c + 1)));
            break;
        }
        }
        x->size = v;
    }
}

enum op { OP_BYTE, OP_SET, OP_SPLIT, OP_JMP, OP_ASSERT, OP_MATCH };

struct inst {
    uint8_t op;
    uint8_t byte;
    uint16_t set;
    int x, y; /* SPLIT: both; JMP: x; ASSERT: x = enum assertion */
};

struct tk_minire {
    struct inst *prog;
    int n;
    struct set *sets;
};

struct gen {
    struct parser *ps;
    struct inst *prog;
    int n;
    bool full;
};

static int emit(struct gen *g, enum op op)
{
    if (g->n == TK_MINIRE_MAX_PROG) {
        g->full = true;
        return g->n - 1;
    }
    g->prog[g->n] = (struct inst){ .op = (uint8_t)op };
    return g->n++;
}

static void gen(struct gen *g, int id, int depth);

/* x, once more, as an optional copy (SPLIT over it). */
static void gen_optional(struct gen *g, int x, int depth)
{
    int split = emit(g, OP_SPLIT);
    g->prog[split].x = split + 1;
    gen(g, x, depth);
    g->prog[split].y = g->n;
}

static void gen(struct gen *g, int id, int depth)
{
    if (g->full || depth > 4 * MAX_DEPTH + 16) {
        g->full = true;
        return;
    }
    const struct node *x = &g->ps->nodes[id];
    switch (x->kind) {
    case N_EMPTY:
        break;
    case N_BYTE:
        g->prog[emit(g, OP_BYTE)].byte = (uint8_t)x->value;
        break;
    case N_SET:
        g->prog[emit(g, OP_SET)].set = (uint16_t)x->value;
        break;
    case N_UTF8_SET: {
        /* a member lead byte, then the continuation bytes of its sequence */
        g->prog[emit(g, OP_SET)].set = (uint16_t)x->value;
        int split = emit(g, OP_SPLIT);
        int cont = emit(g, OP_SET);
        g->prog[cont].set = (uint16_t)(g->ps->nsets - 1); /* the continuation set, last */
        int jmp = emit(g, OP_JMP);
        g->prog[jmp].x = split;
        g->prog[split].x = cont;
        g->prog[split].y = g->n;
        break;
    }
    case N_CAT:
        for (int k = 0; k < x->b && !g->full; k++)
            gen(g, g->ps->kids[x->a + k], depth + 1);
        break;
    case N_ALT: {
        /* SPLIT to each alternative in turn; their JMPs to the end are chained through x
         * and patched once the end is known */
        int chain = -1;
        for (int k = 0; k < x->b && !g->full; k++) {
            int split = k + 1 < x->b ? emit(g, OP_SPLIT) : -1;
            if (split >= 0)
                g->prog[split].x = split + 1;
            gen(g, g->ps->kids[x->a + k], depth + 1);
            if (split >= 0) {
                int jmp = emit(g, OP_JMP);
                g->prog[jmp].x = chain;
                chain = jmp;
                g->prog[split].y = g->n;
            }
        }
        while (chain >= 0 && !g->full) {
            int prev = g->prog[chain].x;
            g->prog[chain].x = g->n;
            chain = prev;
        }
        break;
    }
    case N_REP:
        if (g->ps->nodes[x->a].size == 0)
            break; /* a repeat of what matches nothing but the empty string */
        for (int k = 0; k < x->min && !g->full; k++)
            gen(g, x->a, depth + 1);
        if (x->max < 0) {
            int split = emit(g, OP_SPLIT);
            g->prog[split].x = split + 1;
            gen(g, x->a, depth + 1);
            g->prog[emit(g, OP_JMP)].x = split;
            g->prog[split].y = g->n;
        } else {
            for (int k = x->min; k < x->max && !g->full; k++)
                gen_optional(g, x->a, depth + 1);
        }
        break;
    case N_ASSERT:
        g->prog[emit(g, OP_ASSERT)].x = x->value;
        break;
    }
}

struct tk_minire *tk_minire_compile(const char *re, size_t n, bool caseless, const char **why,
                                    size_t *offset)
{
    struct parser *ps = tk_calloc(1, sizeof *ps);
    struct tk_minire *r = tk_calloc(1, sizeof *r);
    struct inst *prog = tk_malloc(TK_MINIRE_MAX_PROG * sizeof *prog);
    if (ps)
        ps->sets = tk_malloc((MAX_SETS + 1) * sizeof *ps->sets);
    if (!ps || !r || !prog || !ps->sets) {
        *why = "out of memory";
        *offset = 0;
        goto fail;
    }
    ps->p = (const unsigned char *)re;
    ps->n = n;
    if (n >= 4 && memcmp(re, "(?i)", 4) == 0) {
        ps->i = 4;
        caseless = true;
    }
    ps->caseless = caseless;
    int root = parse_alt(ps);
    if (root >= 0 && ps->i < ps->n)
        root = fail(ps, "unmatched )");
    if (root < 0) {
        *why = ps->why ? ps->why : "bad pattern";
        *offset = ps->i;
        goto fail;
    }
    /* the continuation bytes of a UTF-8 sequence, used by every N_UTF8_SET */
    memset(&ps->sets[ps->nsets], 0, sizeof ps->sets[0]);
    for (unsigned c = 0x80; c < 0xC0; c++)
        set_add(&ps->sets[ps->nsets], c);
    ps->nsets++;
    /* a lead byte's own set must not take continuation bytes */
    for (int i = 0; i < ps->nnodes; i++)
        if (ps->nodes[i].kind == N_UTF8_SET)
            for (unsigned c = 0x80; c < 0xC0; c++)
                ps->sets[ps->nodes[i].value].bits[c >> 5] &= ~(1u << (c & 31));
    sizes(ps);
    if (ps->nodes[root].size >= TK_MINIRE_MAX_PROG) {
        *why = "pattern too large";
        *offset = 0;
        goto fail;
    }
    struct gen g = { .ps = ps, .prog = prog };
    gen(&g, root, 0);
    emit(&g, OP_MATCH);
    if (g.full) {
        *why = "pattern too large";
        *offset = 0;
        goto fail;
    }
    r->prog = tk_realloc(prog, (size_t)g.n * sizeof *prog);
    r->sets = tk_malloc((size_t)ps->nsets * sizeof *r->sets);
    if (!r->prog || !r->sets) {
        if (!r->prog)
            r->prog = prog;
        tk_minire_free(r);
        tk_free(ps->sets);
        tk_free(ps);
        *why = "out of memory";
        *offset = 0;
        return NULL;
    }
    memcpy(r->sets, ps->sets, (size_t)ps->nsets * sizeof *r->sets);
    r->n = g.n;
    tk_free(ps->sets);
    tk_free(ps);
    return r;
fail:
    if (ps)
        tk_free(ps->sets);
    tk_free(ps);
    tk_free(r);
    tk_free(prog);
    return NULL;
}

void tk_minire_free(struct tk_minire *r)
{
    if (!r)
        return;
    tk_free(r->prog);
    tk_free(r->sets);
    tk_free(r);
}

/* ---- the VM ------------------------------------------------------------------------------- */

struct list {
    int *pc;
    int n;
};

static bool holds(int a, const char *t, size_t n, size_t i)
{
    if ((a == A_WORDB || a == A_NWORDB) && i > 0 && i < n && ((unsigned char)t[i] & 0xC0) == 0x80)
        return false; /* inside a character: PCRE2 is never there */
    bool before = i > 0 && is_word((unsigned char)t[i - 1]);
    bool after = i < n && is_word((unsigned char)t[i]);
    switch (a) {
    case A_BOL: return i == 0;
    case A_EOL: return i == n;
    case A_EOL_NL: return i == n || (i + 1 == n && t[i] == '\n');
    case A_WORDB: return before != after;
    case A_NWORDB: return before == after;
    default: return false;
    }
}

/* Adds pc to l and follows its jumps, splits and assertions (at text position i); mark[pc]
 * == gen means already there. Iterative with an explicit stack of the size of the program. */
static bool add(const struct tk_minire *r, struct list *l, int *mark, int gen, int *stack, int pc,
                const char *t, size_t n, size_t i)
{
    int top = 0;
    stack[top++] = pc;
    while (top) {
        pc = stack[--top];
        if (mark[pc] == gen)
            continue;
        mark[pc] = gen;
        const struct inst *in = &r->prog[pc];
        switch (in->op) {
        case OP_JMP:
            stack[top++] = in->x;
            break;
        case OP_SPLIT:
            stack[top++] = in->y;
            stack[top++] = in->x;
            break;
        case OP_ASSERT:
            if (holds(in->x, t, n, i))
                stack[top++] = pc + 1;
            break;
        case OP_MATCH:
            return true;
        default:
            l->pc[l->n++] = pc;
        }
    }
    return false;
}

size_t tk_minire_work(const struct tk_minire *r)
{
    return 5 * (size_t)r->n + 1;
}

int tk_minire_search(const struct tk_minire *r, const char *text, size_t n, int *work,
                     size_t nwork)
{
    if (nwork < tk_minire_work(r))
        return TK_ELIMIT;
    /* two thread lists, the marks, and the stack add() needs (each instruction pushes at
     * most two others once) */
    struct list cur = { work, 0 }, next = { work + r->n, 0 };
    int *mark = work + 2 * r->n, *stack = work + 3 * r->n;
    for (int k = 0; k < r->n; k++)
        mark[k] = -1;
    bool found = false;
    int gen = 0;
    for (size_t i = 0; !found; i++) {
        /* a new thread at every position: the pattern may start anywhere */
        found = add(r, &cur, mark, gen, stack, 0, text, n, i);
        if (found || i == n)
            break;
        unsigned char c = (unsigned char)text[i];
        next.n = 0;
        if (++gen == INT_MAX) { /* a text of 2 GB: marks start over */
            for (int k = 0; k < r->n; k++)
                mark[k] = -1;
            gen = 0;
        }
        for (int k = 0; k < cur.n && !found; k++) {
            const struct inst *in = &r->prog[cur.pc[k]];
            bool ok = in->op == OP_BYTE ? in->byte == c : set_has(&r->sets[in->set], c);
            if (ok)
                found = add(r, &next, mark, gen, stack, cur.pc[k] + 1, text, n, i + 1);
        }
        struct list t = cur;
        cur = next;
        next = t;
    }
    return found;
}
