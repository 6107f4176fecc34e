/* permute.c - lookalike candidates of a brand domain (permute.h).
 *
 * Every algorithm rewrites the registrable label, held as code points, and hands each result
 * to emit(), which rebuilds the whole name, drops names seen before, checks the labels and
 * encodes them. The look-alike tables (keyboard neighbours, ASCII shapes, Latin, Cyrillic and
 * Greek letters from ICU's confusable data) are built once per process and shared. */
#include "domains/permute.h"

#include <idn2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/map.h"
#include "core/utf8.h"

static const char *const algo_names[TK_PERM_NALGO] = {
    [TK_PERM_ADDITION] = "addition",       [TK_PERM_BITSQUATTING] = "bitsquatting",
    [TK_PERM_CYRILLIC] = "cyrillic",       [TK_PERM_HOMOGLYPH] = "homoglyph",
    [TK_PERM_HYPHENATION] = "hyphenation", [TK_PERM_INSERTION] = "insertion",
    [TK_PERM_OMISSION] = "omission",       [TK_PERM_PLURAL] = "plural",
    [TK_PERM_REPETITION] = "repetition",   [TK_PERM_REPLACEMENT] = "replacement",
    [TK_PERM_SUBDOMAIN] = "subdomain",     [TK_PERM_TRANSPOSITION] = "transposition",
    [TK_PERM_VOWEL_SWAP] = "vowel-swap",   [TK_PERM_DICTIONARY] = "dictionary",
    [TK_PERM_TLD_SWAP] = "tld-swap",       [TK_PERM_VARIOUS] = "various",
};

const char *const tk_permute_default_tlds[] = {
    "com", "net", "org",    "info",  "biz",   "co",   "io",   "me",    "app", "dev",
    "xyz", "top", "online", "site",  "shop",  "club", "live", "store", "cc",  "tv",
    "us",  "jp",  "co.jp",  "ne.jp", "or.jp", "cn",   "ru",   NULL,
};

const char *tk_permute_algo_name(enum tk_perm_algo a)
{
    return (unsigned)a < TK_PERM_NALGO ? algo_names[a] : "?";
}

int tk_permute_algo_lookup(const char *name, size_t n)
{
    for (int i = 0; i < TK_PERM_NALGO; i++)
        if (strlen(algo_names[i]) == n && memcmp(algo_names[i], name, n) == 0)
            return i;
    return -1;
}

int tk_permute_algos_parse(const char *list, unsigned *set, struct tk_err *err)
{
    *set = 0;
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        int a = tk_permute_algo_lookup(p, n);
        if (a < 0)
            return tk_err_set(err, TK_EINVAL, "unknown algorithm '%.*s'", (int)(n > 64 ? 64 : n),
                              p);
        *set |= 1u << a;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

/* ---- the shared tables ---------------------------------------------------------------- */

#define CP_LIMIT 0x20000 /* look-alikes are searched below this: Latin, Greek, Cyrillic */
#define MAX_GLYPHS 1024
#define MAX_TWINS 6
#define MAX_SHAPES 96
#define NB_MAX 24

/* A letter that passes for the ASCII text whose (folded) skeleton is key: "a" for ɑ and á,
 * "rn" for ṁ (ICU spells m as rn), "ae" for æ. */
struct glyph {
    char key[5];
    uint32_t cp;
};

/* ASCII text that looks like other ASCII text, both ways: "rn" and "m", "0" and "o". */
struct shape {
    char from[3], to[3];
};

enum { SCRIPT_CYRILLIC, SCRIPT_GREEK };

/* A replacement: one or two code points. */
struct rep {
    uint32_t c[2];
    size_t n;
};

#define NLDH 37 /* a-z, 0-9, '-' */
#define MAX_POOL 8192
#define MAX_REPS 96 /* replacements of one source */

/* Written once, by build_tables under pthread_once; only read afterwards, by any thread. */
static struct tables {
    int status; /* 0, or why the tables are unusable */
    char skel[128][3];
    struct glyph glyph[MAX_GLYPHS];
    size_t nglyph;
    uint32_t twin[2][26][MAX_TWINS]; /* whole-script twins of a..z */
    unsigned char ntwin[2][26];
    struct shape shape[MAX_SHAPES];
    size_t nshape;
    char nb[128][NB_MAX]; /* keyboard neighbours, all layouts */
    /* the replacements of each source: one character [c][0], or two [c][1 + d] */
    struct rep pool[MAX_POOL];
    size_t npool;
    struct {
        uint16_t at;
        uint8_t n;
    } reps[NLDH][NLDH + 1];
    unsigned char trusted[CP_LIMIT / 8]; /* code points checked once with libidn2 */
} T;
static pthread_once_t T_once = PTHREAD_ONCE_INIT;

/* Three layouts, rows from the digits down; a key's neighbours are the keys left and right
 * of it and the two touching it in the rows above and below (rows are staggered). */
static const char *const layouts[3][4] = {
    { "1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm" }, /* QWERTY */
    { "1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm" }, /* QWERTZ */
    { "1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn" }, /* AZERTY */
};

/* Shapes ICU does not list (it has l/1, o/0 and m/rn, which are added from its data):
 * pairs easy to misread in common fonts, or at small sizes. */
static const char *const hand_shapes[][2] = {
    { "1", "i" },  { "i", "l" },  { "3", "8" },  { "6", "9" },  { "6", "b" },  { "9", "q" },
    { "5", "s" },  { "2", "z" },  { "b", "d" },  { "b", "lb" }, { "c", "e" },  { "d", "cl" },
    { "d", "dl" }, { "g", "q" },  { "h", "lh" }, { "k", "lk" }, { "k", "ik" }, { "k", "lc" },
    { "m", "n" },  { "m", "nn" }, { "m", "rr" }, { "n", "r" },  { "u", "v" },  { "w", "vv" },
};

static void add_neighbour(char *list, char c)
{
    size_t n = strlen(list);
    if (!strchr(list, c) && n + 1 < NB_MAX) {
        list[n] = c;
        list[n + 1] = '\0';
    }
}

static void build_keyboards(void)
{
    for (int l = 0; l < 3; l++) {
        for (int r = 0; r < 4; r++) {
            const char *row = layouts[l][r];
            for (int i = 0; row[i]; i++) {
                char *list = T.nb[(unsigned char)row[i]];
                if (i > 0)
                    add_neighbour(list, row[i - 1]);
                if (row[i + 1])
                    add_neighbour(list, row[i + 1]);
                if (r > 0) {
                    const char *up = layouts[l][r - 1];
                    size_t un = strlen(up);
                    for (int k = i; k <= i + 1; k++)
                        if ((size_t)k < un)
                            add_neighbour(list, up[k]);
                }
                if (r < 3) {
                    const char *down = layouts[l][r + 1];
                    size_t dn = strlen(down);
                    for (int k = i - 1; k <= i; k++)
                        if (k >= 0 && (size_t)k < dn)
                            add_neighbour(list, down[k]);
                }
            }
        }
    }
}

static void add_shape(const char *a, const char *b)
{
    for (int dir = 0; dir < 2; dir++) {
        const char *from = dir ? b : a, *to = dir ? a : b;
        bool have = false;
        for (size_t i = 0; i < T.nshape && !have; i++)
            have = strcmp(T.shape[i].from, from) == 0 && strcmp(T.shape[i].to, to) == 0;
        if (!have && T.nshape < MAX_SHAPES) {
            snprintf(T.shape[T.nshape].from, sizeof T.shape[0].from, "%s", from);
            snprintf(T.shape[T.nshape].to, sizeof T.shape[0].to, "%s", to);
            T.nshape++;
        }
    }
}

/* The skeleton of one code point (UTF-8 into out, cap bytes), or -1. */
static int skeleton(const USpoofChecker *sc, UChar32 c, char *out, int cap)
{
    char in[U8_MAX_LENGTH];
    int k = 0;
    U8_APPEND_UNSAFE(in, k, c);
    UErrorCode st = U_ZERO_ERROR;
    int n = uspoof_getSkeletonUTF8(sc, 0, in, k, out, cap - 1, &st);
    if (U_FAILURE(st) || n < 0 || n >= cap)
        return -1;
    out[n] = '\0';
    return n;
}

/* The skeleton with nonspacing marks removed and ASCII folded to lower case; marks counts
 * what was removed. -1 when something other than ASCII letters and digits is left. */
static int ascii_skeleton(const USpoofChecker *sc, UChar32 c, char *out, int cap, int *marks)
{
    char sk[64];
    int n = skeleton(sc, c, sk, sizeof sk), o = 0;
    *marks = 0;
    if (n < 0)
        return -1;
    for (int i = 0; i < n;) {
        UChar32 d;
        U8_NEXT(sk, i, n, d);
        if (d >= 0 && u_charType(d) == U_NON_SPACING_MARK) {
            (*marks)++;
            continue;
        }
        if (d >= 'A' && d <= 'Z')
            d += 32;
        if (!((d >= 'a' && d <= 'z') || (d >= '0' && d <= '9')) || o + 1 >= cap)
            return -1;
        out[o++] = (char)d;
    }
    out[o] = '\0';
    return o;
}

/* Whether cp is a valid part of a label in IDNA 2008 (non-transitional), between letters:
 * libidn2 encodes "a<cp>a" and decodes it back unchanged. */
static bool idna_ok(UChar32 cp)
{
    char in[16], *out = NULL, *back = NULL;
    int k = 0;
    in[k++] = 'a';
    U8_APPEND_UNSAFE(in, k, cp);
    in[k++] = 'a';
    in[k] = '\0';
    bool ok = idn2_to_ascii_8z(in, &out, IDN2_NONTRANSITIONAL) == IDN2_OK && out &&
              idn2_to_unicode_8z8z(out, &back, 0) == IDN2_OK && back && strcmp(back, in) == 0;
    idn2_free(out);
    idn2_free(back);
    return ok;
}

static bool is_key(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > 4)
        return false;
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (const char *x = al; *x; x++) {
        const char *sx = T.skel[(unsigned char)*x];
        size_t xn = strlen(sx);
        if (xn == n && memcmp(sx, k, n) == 0)
            return true;
        if (xn < n)
            for (const char *y = al; *y; y++) {
                const char *sy = T.skel[(unsigned char)*y];
                if (xn + strlen(sy) == n && memcmp(sx, k, xn) == 0 && strcmp(sy, k + xn) == 0)
                    return true;
            }
    }
    return false;
}

static void add_glyph(const char *key, UChar32 cp)
{
    for (size_t i = 0; i < T.nglyph; i++)
        if (T.glyph[i].cp == (uint32_t)cp && strcmp(T.glyph[i].key, key) == 0)
            return;
    if (T.nglyph < MAX_GLYPHS) {
        snprintf(T.glyph[T.nglyph].key, sizeof T.glyph[0].key, "%s", key);
        T.glyph[T.nglyph++].cp = (uint32_t)cp;
    }
}

/* The ASCII letter a Unicode name says this is a variant of: "LATIN SMALL LETTER B WITH
 * HOOK", "LATIN LETTER SMALL CAPITAL R", "LATIN SMALL LETTER DOTLESS J", "LATIN SMALL LETTER
 * U BAR" - one added feature (no " AND "), so stacked decorations stay out. 0 when none. */
static char named_letter(UChar32 cp)
{
    char name[128];
    UErrorCode st = U_ZERO_ERROR;
    u_charName(cp, U_UNICODE_CHAR_NAME, name, sizeof name, &st);
    if (U_FAILURE(st))
        return 0;
    static const char *const prefixes[] = { "LATIN SMALL LETTER ", "LATIN LETTER SMALL CAPITAL " };
    const char *p = NULL;
    for (size_t i = 0; i < 2 && !p; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            p = name + strlen(prefixes[i]);
    if (!p)
        return 0;
    if (strncmp(p, "DOTLESS ", 8) == 0)
        p += 8;
    if (p[0] < 'A' || p[0] > 'Z' ||
        (p[1] && strncmp(p + 1, " WITH ", 6) != 0 && strcmp(p + 1, " BAR") != 0) ||
        strstr(p, " AND "))
        return 0;
    return (char)(p[0] + 32);
}

static void latin_glyph(const USpoofChecker *sc, UChar32 cp)
{
    char key[16];
    int marks;
    /* the skeleton is an ASCII key, once any single mark is taken off: ɑ, á, ṁ (rn) */
    if (ascii_skeleton(sc, cp, key, sizeof key, &marks) > 0 && marks <= 1 && is_key(key))
        add_glyph(key, cp);
    char l = named_letter(cp);
    if (l)
        add_glyph(T.skel[(unsigned char)l], cp);
}

/* Whole-script twins of the ASCII letters: the lower-case letter is confusable with the Latin
 * one; and with capitals (rules 1 and 2, for Cyrillic, whose lower-case к, м, т, в are
 * small capitals in shape; Greek μ or η only share a capital with m or h): the capitals
 * are confusable, or the capital is with the Latin lower-case letter (palochka and l).
 * Tried in that order. */
static void script_twins(const USpoofChecker *sc, int script, UScriptCode code, int rules)
{
    char lat[26][2][16];
    for (int x = 0; x < 26; x++)
        if (skeleton(sc, 'a' + x, lat[x][0], 16) < 0 || skeleton(sc, 'A' + x, lat[x][1], 16) < 0)
            return;
    for (int rule = 0; rule < rules; rule++) {
        for (UChar32 cp = 0x370; cp < 0x530; cp++) {
            UErrorCode st = U_ZERO_ERROR;
            if (uscript_getScript(cp, &st) != code || u_charType(cp) != U_LOWERCASE_LETTER)
                continue;
            char low[64], up[64];
            if (skeleton(sc, cp, low, sizeof low) < 0 ||
                skeleton(sc, u_toupper(cp), up, sizeof up) < 0)
                continue;
            for (int x = 0; x < 26; x++) {
                bool hit = rule == 0   ? strcmp(low, lat[x][0]) == 0
                           : rule == 1 ? strcmp(up, lat[x][1]) == 0
                                       : strcmp(up, lat[x][0]) == 0;
                unsigned char *n = &T.ntwin[script][x];
                bool have = false;
                for (unsigned i = 0; i < *n; i++)
                    have = have || T.twin[script][x][i] == (uint32_t)cp;
                if (hit && !have && *n < MAX_TWINS && idna_ok(cp))
                    T.twin[script][x][(*n)++] = (uint32_t)cp;
            }
        }
    }
}

static int glyph_cmp(const void *a, const void *b)
{
    const struct glyph *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->cp > y->cp) - (x->cp < y->cp);
}

static void trust(uint32_t cp)
{
    if (cp < CP_LIMIT)
        T.trusted[cp / 8] |= (unsigned char)(1u << (cp % 8));
}

static int ldh_index(uint32_t c)
{
    return c >= 'a' && c <= 'z'   ? (int)(c - 'a')
           : c >= '0' && c <= '9' ? 26 + (int)(c - '0')
           : c == '-'             ? 36
                                  : -1;
}

/* The replacements of the ASCII text s (one or two characters) into the pool: its shapes,
 * then the Latin glyphs with its skeleton. */
static void index_reps(const char *s, int i, int j)
{
    size_t start = T.npool, n = 0;
    for (size_t k = 0; k < T.nshape && n < MAX_REPS && T.npool < MAX_POOL; k++) {
        if (strcmp(T.shape[k].from, s) != 0)
            continue;
        const char *to = T.shape[k].to;
        T.pool[T.npool++] =
            (struct rep){ { (unsigned char)to[0], (unsigned char)to[1] }, strlen(to) };
        n++;
    }
    char key[8];
    snprintf(key, sizeof key, "%s%s", T.skel[(unsigned char)s[0]],
             s[1] ? T.skel[(unsigned char)s[1]] : "");
    for (size_t k = 0; k < T.nglyph && n < MAX_REPS && T.npool < MAX_POOL; k++)
        if (strcmp(T.glyph[k].key, key) == 0) {
            T.pool[T.npool++] = (struct rep){ { T.glyph[k].cp, 0 }, 1 };
            n++;
        }
    T.reps[i][j].at = (uint16_t)start;
    T.reps[i][j].n = (uint8_t)n;
}

static void build_reps(void)
{
    static const char ldh[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    for (int i = 0; i < NLDH; i++) {
        char s[3] = { ldh[i], 0, 0 };
        index_reps(s, i, 0);
        for (int j = 0; j < NLDH; j++) {
            s[1] = ldh[j];
            index_reps(s, i, j + 1);
        }
    }
}

static void build_tables(void)
{
    build_keyboards();
    UErrorCode st = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&st);
    if (U_FAILURE(st) || !sc) {
        T.status = TK_EUNSUPP;
        return;
    }
    T.skel['-'][0] = '-';
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (const char *x = al; *x; x++) {
        int marks;
        if (ascii_skeleton(sc, *x, T.skel[(unsigned char)*x], sizeof T.skel[0], &marks) <= 0) {
            T.status = TK_EUNSUPP;
            uspoof_close(sc);
            return;
        }
    }
    /* ASCII look-alikes ICU knows: one character against one or two */
    for (const char *x = al; *x; x++) {
        for (const char *y = al; *y; y++) {
            if (*y != *x && strcmp(T.skel[(unsigned char)*x], T.skel[(unsigned char)*y]) == 0) {
                char a[2] = { *x, 0 }, b[2] = { *y, 0 };
                add_shape(a, b);
            }
            for (const char *z = al; *z; z++) {
                char pair[8];
                snprintf(pair, sizeof pair, "%s%s", T.skel[(unsigned char)*y],
                         T.skel[(unsigned char)*z]);
                if (strcmp(T.skel[(unsigned char)*x], pair) == 0) {
                    char a[2] = { *x, 0 }, b[3] = { *y, *z, 0 };
                    add_shape(a, b);
                }
            }
        }
    }
    for (size_t i = 0; i < sizeof hand_shapes / sizeof hand_shapes[0]; i++)
        add_shape(hand_shapes[i][0], hand_shapes[i][1]);

    for (UChar32 cp = 0x80; cp < CP_LIMIT; cp++) {
        UErrorCode e = U_ZERO_ERROR;
        if (uscript_getScript(cp, &e) != USCRIPT_LATIN)
            continue;
        int8_t type = u_charType(cp);
        if (type != U_LOWERCASE_LETTER && type != U_OTHER_LETTER)
            continue;
        size_t before = T.nglyph;
        latin_glyph(sc, cp);
        if (T.nglyph > before && !idna_ok(cp))
            T.nglyph = before; /* not allowed in a label: forget what was added */
    }
    /* Latin letters ICU relates to no ASCII one that still read as one at a glance: the
     * schwa as a turned a, the tone-six letter as b, the wynn as p */
    static const struct {
        UChar32 cp;
        char ascii;
    } hand_glyphs[] = { { 0x0259, 'a' }, { 0x0185, 'b' }, { 0x01BF, 'p' } };
    for (size_t i = 0; i < sizeof hand_glyphs / sizeof hand_glyphs[0]; i++)
        if (idna_ok(hand_glyphs[i].cp))
            add_glyph(T.skel[(unsigned char)hand_glyphs[i].ascii], hand_glyphs[i].cp);
    qsort(T.glyph, T.nglyph, sizeof T.glyph[0], glyph_cmp);
    for (size_t i = 0; i < T.nglyph; i++)
        trust(T.glyph[i].cp);
    build_reps();
    script_twins(sc, SCRIPT_CYRILLIC, USCRIPT_CYRILLIC, 3);
    script_twins(sc, SCRIPT_GREEK, USCRIPT_GREEK, 1);
    for (int s = 0; s < 2; s++)
        for (int x = 0; x < 26; x++)
            for (unsigned i = 0; i < T.ntwin[s][x]; i++)
                trust(T.twin[s][x][i]);
    uspoof_close(sc);
}

/* ---- punycode (RFC 3492) -------------------------------------------------------------- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700 };

static uint32_t pc_adapt(uint32_t delta, uint32_t points, bool first)
{
    delta = first ? delta / PC_DAMP : delta / 2;
    delta += delta / points;
    uint32_t k = 0;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static bool pc_put(char *out, size_t cap, size_t *o, uint32_t digit)
{
    if (*o + 1 >= cap)
        return false;
    out[(*o)++] = (char)(digit < 26 ? 'a' + digit : '0' + digit - 26);
    return true;
}

/* "xn--" and the punycode of in[0..n) into out (cap bytes, NUL-terminated); its length, or
 * 0 when it does not fit. Labels are short, so the 32-bit state cannot overflow. */
static size_t punycode(const uint32_t *in, size_t n, char *out, size_t cap)
{
    size_t o = 0, basic = 0;
    if (cap < 5)
        return 0;
    memcpy(out, "xn--", 4);
    o = 4;
    for (size_t i = 0; i < n; i++) {
        if (in[i] < 0x80) {
            if (o + 1 >= cap)
                return 0;
            out[o++] = (char)in[i];
            basic++;
        }
    }
    if (basic) {
        if (o + 1 >= cap)
            return 0;
        out[o++] = '-';
    }
    uint32_t code = 0x80, delta = 0, bias = 72, h = (uint32_t)basic;
    while (h < n) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < n; i++)
            if (in[i] >= code && in[i] < m)
                m = in[i];
        delta += (m - code) * (h + 1);
        code = m;
        for (size_t i = 0; i < n; i++) {
            if (in[i] < code)
                delta++;
            if (in[i] != code)
                continue;
            uint32_t q = delta;
            for (uint32_t k = PC_BASE;; k += PC_BASE) {
                uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
                if (q < t)
                    break;
                if (!pc_put(out, cap, &o, t + (q - t) % (PC_BASE - t)))
                    return 0;
                q = (q - t) / (PC_BASE - t);
            }
            if (!pc_put(out, cap, &o, q))
                return 0;
            bias = pc_adapt(delta, h + 1, h == basic);
            delta = 0;
            h++;
        }
        delta++;
        code++;
    }
    out[o] = '\0';
    return o;
}

/* ---- the permuter --------------------------------------------------------------------- */

#define LBUF 320 /* code points of a label being built; anything past 63 is refused anyway */

struct word {
    uint32_t *cp;
    size_t n;
};

struct sfx {
    const char *a, *u; /* "co.jp" in ASCII and in Unicode */
};

struct tk_permuter {
    unsigned algos;
    size_t max;
    struct word *words;
    size_t nwords, skipped_words;
    struct sfx *tlds;
    size_t ntlds, skipped_tlds;
    struct tk_arena ar;
};

/* Code points of UTF-8 s (n bytes) into out (cap); the count, or (size_t)-1 when invalid or
 * too long. */
static size_t decode(const char *s, size_t n, uint32_t *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = tk_utf8_decode((const unsigned char *)s + i, n - i, &c);
        if (!len || k >= cap)
            return (size_t)-1;
        out[k++] = c;
        i += len;
    }
    return k;
}

/* Whether a label of s[0..n) has "--" in the third and fourth places without being an
 * A-label: a name that also holds an A-label is not valid IDNA. */
static bool has_rldh(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] != '.')
            j++;
        if (j - i >= 4 && s[i + 2] == '-' && s[i + 3] == '-' && strncmp(s + i, "xn", 2) != 0)
            return true;
        i = j + 1;
    }
    return false;
}

static bool add_word(struct tk_permuter *p, const char *w, size_t *cap)
{
    struct tk_str t = tk_str_trim(tk_str_c(w));
    uint32_t cp[64];
    size_t n = decode(t.p, t.n, cp, 64);
    if (n == (size_t)-1 || n < 1 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (cp[i] >= 'A' && cp[i] <= 'Z')
            cp[i] += 32;
        bool ldh = (cp[i] >= 'a' && cp[i] <= 'z') || (cp[i] >= '0' && cp[i] <= '9') || cp[i] == '-';
        if (cp[i] < 0x80 ? !ldh : cp[i] < 0xA0)
            return false;
    }
    if (tk_grow((void **)&p->words, cap, p->nwords + 1, sizeof *p->words, 1u << 20))
        return false;
    uint32_t *copy = tk_arena_alloc(&p->ar, n * sizeof *copy);
    if (!copy)
        return false;
    memcpy(copy, cp, n * sizeof *copy);
    p->words[p->nwords++] = (struct word){ copy, n };
    return true;
}

static bool add_tld(struct tk_permuter *p, const char *t, size_t *cap)
{
    struct tk_str s = tk_str_trim(tk_str_c(t));
    if (s.n && s.p[0] == '.')
        s = (struct tk_str){ s.p + 1, s.n - 1 };
    if (!s.n || s.n > 4 * TK_DNAME_MAX || memchr(s.p, '\0', s.n))
        return false;
    char name[4 * TK_DNAME_MAX + 8];
    int k = snprintf(name, sizeof name, "x.%.*s", (int)s.n, s.p);
    struct tk_dname d;
    if (k < 0 || (size_t)k >= sizeof name || tk_dname_parse(&d, name, (size_t)k, NULL) != 0)
        return false;
    if (strncmp(d.ascii, "x.", 2) != 0 || strncmp(d.unicode, "x.", 2) != 0 ||
        has_rldh(d.ascii, strlen(d.ascii)))
        return false;
    if (tk_grow((void **)&p->tlds, cap, p->ntlds + 1, sizeof *p->tlds, 1u << 16))
        return false;
    const char *a = tk_arena_strdup(&p->ar, d.ascii + 2);
    const char *u = strcmp(d.ascii, d.unicode) == 0 ? a : tk_arena_strdup(&p->ar, d.unicode + 2);
    if (!a || !u)
        return false;
    p->tlds[p->ntlds++] = (struct sfx){ a, u };
    return true;
}

int tk_permuter_new(struct tk_permuter **out, const struct tk_permute_opts *o, struct tk_err *err)
{
    *out = NULL;
    pthread_once(&T_once, build_tables);
    if (T.status)
        return tk_err_set(err, T.status, "ICU's confusable data cannot be loaded");
    struct tk_permuter *p = tk_calloc(1, sizeof *p);
    if (!p)
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    tk_arena_init(&p->ar, (size_t)1 << 28);
    p->algos = o->algos ? o->algos : (1u << TK_PERM_NALGO) - 1;
    p->max = o->max ? o->max : TK_PERMUTE_MAX;
    size_t wcap = 0, tcap = 0;
    for (size_t i = 0; i < o->nwords; i++)
        if (!add_word(p, o->words[i], &wcap))
            p->skipped_words++;
    if (o->tlds) {
        for (size_t i = 0; i < o->ntlds; i++)
            if (!add_tld(p, o->tlds[i], &tcap))
                p->skipped_tlds++;
    } else {
        for (size_t i = 0; tk_permute_default_tlds[i]; i++)
            if (!add_tld(p, tk_permute_default_tlds[i], &tcap))
                p->skipped_tlds++;
    }
    if (p->ar.failed) {
        tk_permuter_free(p);
        return tk_err_set(err, TK_ENOMEM, "out of memory");
    }
    *out = p;
    return 0;
}

void tk_permuter_free(struct tk_permuter *p)
{
    if (!p)
        return;
    tk_free(p->words);
    tk_free(p->tlds);
    tk_arena_release(&p->ar);
    tk_free(p);
}

void tk_permuter_skipped(const struct tk_permuter *p, size_t *words, size_t *tlds)
{
    *words = p->skipped_words;
    *tlds = p->skipped_tlds;
}

/* ---- the set of one brand ------------------------------------------------------------- */

struct tk_perm_map {
    struct tk_map names; /* ASCII names -> MARK_OK */
    struct tk_arena strings;
};

static char MARK_OK;

void tk_perm_set_init(struct tk_perm_set *s)
{
    memset(s, 0, sizeof *s);
}

void tk_perm_set_release(struct tk_perm_set *s)
{
    if (s->seen) {
        tk_map_release(&s->seen->names);
        tk_arena_release(&s->seen->strings);
        tk_free(s->seen);
    }
    tk_free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- generation ----------------------------------------------------------------------- */

struct gen {
    const struct tk_permuter *p;
    struct tk_perm_set *s;
    uint32_t lab[64]; /* the registrable label */
    size_t n;
    uint32_t sub[TK_DNAME_MAX]; /* the subdomain in Unicode, without its final dot */
    size_t nsub;
    const char *sub_a, *sub_u; /* "teams." or "" */
    size_t sub_an, sub_un;
    struct sfx suffix;
    bool ascii_brand; /* label and subdomain in ASCII: every other letter is from the tables */
    bool rldh;        /* the brand has a label like "ab--cd" (see name_ascii) */
    size_t tries;     /* emit calls: a bound on the work, not only on the output */
    bool stop;
    int rc;
};

static bool trusted(uint32_t cp)
{
    return cp < CP_LIMIT && (T.trusted[cp / 8] & (1u << (cp % 8)));
}

static size_t utf8_put(char *out, size_t cap, const uint32_t *cp, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o + 4 >= cap)
            return (size_t)-1;
        o += tk_utf8_encode(cp[i], (unsigned char *)out + o);
    }
    return o;
}

/* One label of a candidate in ASCII form into out (cap bytes): its length, or 0 when it is
 * not a valid label (LDH rules, IDNA 2008 through libidn2, 63 characters). */
static size_t label_ascii(const struct gen *g, const uint32_t *l, size_t n, char *out, size_t cap)
{
    if (n < 1 || n > 63 || l[0] == '-' || l[n - 1] == '-' || cap < 64)
        return 0;
    if (n >= 4 && l[2] == '-' && l[3] == '-') /* reserved for A-labels ("xn--") */
        return 0;
    bool fast = true;
    size_t wide = 0;
    for (size_t i = 0; i < n; i++) {
        if (l[i] < 0x80) {
            if (!((l[i] >= 'a' && l[i] <= 'z') || (l[i] >= '0' && l[i] <= '9') || l[i] == '-'))
                return 0;
        } else {
            wide++;
            fast = fast && g->ascii_brand && trusted(l[i]);
        }
    }
    bool ascii = !wide;
    /* "xn--", the ASCII part and its '-', then at least a digit per other letter */
    if (!ascii && 4 + n + (wide < n) > 63)
        return 0;
    if (ascii) {
        for (size_t i = 0; i < n; i++)
            out[i] = (char)l[i];
        out[n] = '\0';
        return n;
    }
    if (fast) {
        size_t k = punycode(l, n, out, cap);
        return k <= 63 ? k : 0;
    }
    /* letters from the brand or from words: libidn2 judges the label, and only a label that
     * decodes back to itself is kept (its Unicode form is the one we print) */
    char u[4 * 64 + 1], *a = NULL, *back = NULL;
    size_t un = utf8_put(u, sizeof u, l, n), k = 0;
    if (un == (size_t)-1)
        return 0;
    u[un] = '\0';
    if (idn2_to_ascii_8z(u, &a, IDN2_NONTRANSITIONAL) == IDN2_OK && a && !strchr(a, '.') &&
        strlen(a) <= 63 && idn2_to_unicode_8z8z(a, &back, 0) == IDN2_OK && back &&
        strcmp(back, u) == 0) {
        k = strlen(a);
        memcpy(out, a, k + 1);
    }
    idn2_free(a);
    idn2_free(back);
    return k;
}

/* The ASCII form of a candidate: subdomain, labels l[0..n) (dots allowed), suffix. */
static size_t name_ascii(const struct gen *g, const uint32_t *l, size_t n, const struct sfx *suf,
                         bool with_sub, char *out, size_t cap)
{
    size_t o = 0;
    if (with_sub) {
        memcpy(out, g->sub_a, g->sub_an);
        o = g->sub_an;
    }
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && l[j] != '.')
            j++;
        char lab[64];
        size_t k = label_ascii(g, l + i, j - i, lab, sizeof lab);
        if (!k || o + k + 1 >= cap)
            return 0;
        memcpy(out + o, lab, k);
        o += k;
        out[o++] = '.';
        i = j + 1;
    }
    size_t sn = strlen(suf->a);
    if (o + sn > TK_DNAME_MAX || o + sn >= cap)
        return 0;
    /* IDNA refuses a whole name that has an A-label and a label with "--" in the third and
     * fourth places (tk_dname_parse does, through libidn2) */
    memcpy(out + o, suf->a, sn + 1);
    if (g->rldh && (!strncmp(out, "xn--", 4) || strstr(out, ".xn--")) && has_rldh(out, o + sn))
        return 0;
    return o + sn;
}

static void stop(struct gen *g, int rc)
{
    g->stop = true;
    if (rc == TK_ELIMIT)
        g->s->truncated = true;
    else if (rc)
        g->rc = rc;
}

static void emit(struct gen *g, enum tk_perm_algo algo, const uint32_t *l, size_t n,
                 const struct sfx *suf, bool with_sub)
{
    if (g->stop)
        return;
    if (++g->tries > 3 * g->p->max) { /* half as much again as real brands need */
        stop(g, TK_ELIMIT);
        return;
    }
    /* the ASCII form first: invalid names cost no memory, and it is the key */
    struct tk_perm_set *s = g->s;
    char a[TK_DNAME_MAX + 64];
    size_t an = name_ascii(g, l, n, suf, with_sub, a, sizeof a);
    if (!an)
        return;
    struct tk_str key = { a, an };
    if (tk_map_get(&s->seen->names, key))
        return;
    if (s->n >= g->p->max) {
        stop(g, TK_ELIMIT);
        return;
    }
    int rc = tk_map_put(&s->seen->names, key, &MARK_OK);
    if (!rc)
        rc = tk_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v, g->p->max);
    const char *as = rc ? NULL : tk_arena_strndup(&s->seen->strings, a, an), *us = as;
    if (as && memcmp(a, "xn--", 4) != 0 && !strstr(a, ".xn--")) {
        us = as; /* all ASCII: the Unicode form is the same string */
    } else if (as) {
        char u[4 * TK_DNAME_MAX + 4 * LBUF + 8];
        size_t un = with_sub ? g->sub_un : 0, sn = strlen(suf->u);
        memcpy(u, g->sub_u, un);
        size_t k = utf8_put(u + un, sizeof u - un, l, n);
        if (k == (size_t)-1 || un + k + 1 + sn >= sizeof u)
            return; /* cannot happen: the ASCII form was shorter */
        un += k;
        u[un++] = '.';
        memcpy(u + un, suf->u, sn + 1);
        us = tk_arena_strndup(&s->seen->strings, u, un + sn);
    }
    if (!us) {
        stop(g, rc ? rc : TK_ENOMEM);
        return;
    }
    s->v[s->n++] = (struct tk_perm_cand){ algo, as, us };
    s->per_algo[algo]++;
}

/* A variant of the label with the brand's subdomain and suffix. */
static void put(struct gen *g, enum tk_perm_algo algo, const uint32_t *l, size_t n)
{
    emit(g, algo, l, n, &g->suffix, true);
}

static bool is_ldh(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool is_vowel(uint32_t c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* w = l with c inserted at i */
static size_t with_insert(uint32_t *w, const uint32_t *l, size_t n, size_t i, const uint32_t *c,
                          size_t cn)
{
    memcpy(w, l, i * sizeof *w);
    memcpy(w + i, c, cn * sizeof *w);
    memcpy(w + i + cn, l + i, (n - i) * sizeof *w);
    return n + cn;
}

static void gen_addition(struct gen *g)
{
    uint32_t w[LBUF];
    static const char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (const char *c = chars; *c; c++) {
        uint32_t x = (uint32_t)*c;
        put(g, TK_PERM_ADDITION, w, with_insert(w, g->lab, g->n, g->n, &x, 1));
        /* and before each hyphen: "my-bank" -> "myx-bank" */
        for (size_t i = 1; i < g->n; i++)
            if (g->lab[i] == '-')
                put(g, TK_PERM_ADDITION, w, with_insert(w, g->lab, g->n, i, &x, 1));
    }
}

static void gen_bitsquatting(struct gen *g)
{
    uint32_t w[LBUF];
    memcpy(w, g->lab, g->n * sizeof *w);
    for (size_t i = 0; i < g->n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint32_t c = g->lab[i] ^ (1u << bit);
            if (!is_ldh(c))
                continue;
            w[i] = c;
            put(g, TK_PERM_BITSQUATTING, w, g->n);
        }
        w[i] = g->lab[i];
    }
}

/* The label spelled wholly in another script: every letter replaced by a twin (digits and
 * hyphens stay), all combinations of twins up to a small bound. Nothing when a letter has
 * no twin or the label holds anything else. */
#define WHOLE_MAX 64
static void gen_whole_script(struct gen *g, enum tk_perm_algo algo, int script)
{
    size_t pos[64], idx[64] = { 0 }, np = 0;
    for (size_t i = 0; i < g->n; i++) {
        uint32_t c = g->lab[i];
        if (c >= 'a' && c <= 'z') {
            if (!T.ntwin[script][c - 'a'])
                return;
            pos[np++] = i;
        } else if (!((c >= '0' && c <= '9') || c == '-')) {
            return;
        }
    }
    if (!np)
        return;
    uint32_t w[64];
    for (size_t count = 0; count < WHOLE_MAX; count++) {
        memcpy(w, g->lab, g->n * sizeof *w);
        for (size_t j = 0; j < np; j++)
            w[pos[j]] = T.twin[script][g->lab[pos[j]] - 'a'][idx[j]];
        put(g, algo, w, g->n);
        size_t j = np;
        while (j > 0) {
            j--;
            if (++idx[j] < T.ntwin[script][g->lab[pos[j]] - 'a'])
                break;
            idx[j] = 0;
            if (j == 0)
                return;
        }
    }
}

/* ---- homoglyph -------------------------------------------------------------------------- */

/* What the ASCII text src[0..len) may be replaced with (*r, borrowed from the tables). */
static size_t reps_of(const uint32_t *src, size_t len, const struct rep **r)
{
    int i = ldh_index(src[0]), j = len > 1 ? ldh_index(src[1]) : -1;
    if (i < 0 || (len > 1 && j < 0))
        return 0;
    *r = &T.pool[T.reps[i][j + 1].at];
    return T.reps[i][j + 1].n;
}

/* The results of the first round, for the second. */
struct round {
    struct tk_map seen;
    struct tk_arena ar;
    struct word *v;
    size_t n, cap;
};

static void keep(struct gen *g, struct round *r, const uint32_t *w, size_t n)
{
    struct tk_str key = { (const char *)w, n * sizeof *w };
    if (tk_map_get(&r->seen, key))
        return;
    int rc = tk_map_put(&r->seen, key, &MARK_OK);
    uint32_t *copy = rc ? NULL : tk_arena_alloc(&r->ar, n * sizeof *copy);
    if (!rc && copy)
        rc = tk_grow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v, g->p->max);
    if (rc || !copy) {
        stop(g, rc ? rc : TK_ENOMEM);
        return;
    }
    memcpy(copy, w, n * sizeof *copy);
    r->v[r->n++] = (struct word){ copy, n };
}

/* One round: for each ASCII character or pair of s with look-alikes, and each run of its
 * consecutive occurrences (one, or several replaced together, as in "z00m"), each
 * replacement. With r, results are kept for another round. */
static void mix(struct gen *g, const uint32_t *s, size_t n, struct round *r)
{
    uint32_t done[2 * LBUF][2];
    size_t ndone = 0;
    for (size_t i = 0; i < n && !g->stop; i++) {
        for (size_t len = 1; len <= 2 && i + len <= n && !g->stop; len++) {
            if (s[i] >= 0x80 || (len == 2 && s[i + 1] >= 0x80))
                continue;
            uint32_t src[2] = { s[i], len == 2 ? s[i + 1] : 0 };
            bool again = false;
            for (size_t d = 0; d < ndone && !again; d++)
                again = done[d][0] == src[0] && done[d][1] == src[1];
            if (again || ndone >= 2 * LBUF)
                continue;
            done[ndone][0] = src[0];
            done[ndone++][1] = src[1];
            const struct rep *reps;
            size_t nr = reps_of(src, len, &reps);
            if (!nr)
                continue;
            size_t occ[LBUF], k = 0;
            for (size_t j = 0; j + len <= n;) {
                if (s[j] == src[0] && (len == 1 || s[j + 1] == src[1])) {
                    occ[k++] = j;
                    j += len;
                } else {
                    j++;
                }
            }
            for (size_t a = 0; a < k && !g->stop; a++) {
                for (size_t b = a; b < k && !g->stop; b++) {
                    for (size_t x = 0; x < nr && !g->stop; x++) {
                        uint32_t w[LBUF];
                        size_t o = 0, from = 0;
                        if (n + (b - a + 1) * 2 >= LBUF)
                            continue;
                        for (size_t q = a; q <= b; q++) {
                            memcpy(w + o, s + from, (occ[q] - from) * sizeof *w);
                            o += occ[q] - from;
                            memcpy(w + o, reps[x].c, reps[x].n * sizeof *w);
                            o += reps[x].n;
                            from = occ[q] + len;
                        }
                        memcpy(w + o, s + from, (n - from) * sizeof *w);
                        o += n - from;
                        put(g, TK_PERM_HOMOGLYPH, w, o);
                        if (r)
                            keep(g, r, w, o);
                    }
                }
            }
        }
    }
}

static void gen_homoglyph(struct gen *g)
{
    struct round r = { .n = 0 };
    tk_map_init(&r.seen, g->p->max);
    tk_arena_init(&r.ar, (size_t)1 << 30);
    mix(g, g->lab, g->n, &r);
    for (size_t i = 0; i < r.n && !g->stop; i++)
        mix(g, r.v[i].cp, r.v[i].n, NULL);
    tk_free(r.v);
    tk_arena_release(&r.ar);
    tk_map_release(&r.seen);
    gen_whole_script(g, TK_PERM_HOMOGLYPH, SCRIPT_GREEK);
}

/* ---- the simple ones ---------------------------------------------------------------------- */

static void gen_hyphenation(struct gen *g)
{
    uint32_t w[LBUF], h = '-';
    for (size_t i = 1; i < g->n; i++)
        put(g, TK_PERM_HYPHENATION, w, with_insert(w, g->lab, g->n, i, &h, 1));
}

static void gen_insertion(struct gen *g)
{
    uint32_t w[LBUF];
    for (size_t i = 0; i < g->n; i++) {
        if (g->lab[i] >= 0x80)
            continue;
        for (const char *k = T.nb[g->lab[i]]; *k; k++) {
            uint32_t c = (uint32_t)*k;
            put(g, TK_PERM_INSERTION, w, with_insert(w, g->lab, g->n, i, &c, 1));
            put(g, TK_PERM_INSERTION, w, with_insert(w, g->lab, g->n, i + 1, &c, 1));
        }
    }
}

static void gen_omission(struct gen *g)
{
    uint32_t w[LBUF];
    for (size_t i = 0; i < g->n; i++) {
        memcpy(w, g->lab, i * sizeof *w);
        memcpy(w + i, g->lab + i + 1, (g->n - i - 1) * sizeof *w);
        put(g, TK_PERM_OMISSION, w, g->n - 1);
    }
}

/* An English plural at the end of the label or of a word inside it ("zooms",
 * "microsoftsonline"): after each character from the third on, except the one before last. */
static void gen_plural(struct gen *g)
{
    uint32_t w[LBUF];
    static const uint32_t es[2] = { 'e', 's' };
    for (size_t i = 2; i < g->n; i++) {
        if (i + 2 == g->n)
            continue;
        uint32_t c = g->lab[i];
        bool e = c == 's' || c == 'x' || c == 'z' ||
                 (c == 'h' && (g->lab[i - 1] == 's' || g->lab[i - 1] == 'c'));
        put(g, TK_PERM_PLURAL, w, with_insert(w, g->lab, g->n, i + 1, e ? es : es + 1, e ? 2 : 1));
    }
}

static void gen_repetition(struct gen *g)
{
    uint32_t w[LBUF];
    for (size_t i = 0; i < g->n; i++)
        put(g, TK_PERM_REPETITION, w, with_insert(w, g->lab, g->n, i, &g->lab[i], 1));
}

static void gen_replacement(struct gen *g)
{
    uint32_t w[LBUF];
    memcpy(w, g->lab, g->n * sizeof *w);
    for (size_t i = 0; i < g->n; i++) {
        if (g->lab[i] < 0x80)
            for (const char *k = T.nb[g->lab[i]]; *k; k++) {
                w[i] = (uint32_t)*k;
                put(g, TK_PERM_REPLACEMENT, w, g->n);
            }
        w[i] = g->lab[i];
    }
}

static void gen_subdomain(struct gen *g)
{
    uint32_t w[LBUF], dot = '.';
    for (size_t i = 1; i < g->n; i++)
        if (g->lab[i] != '-' && g->lab[i - 1] != '-')
            put(g, TK_PERM_SUBDOMAIN, w, with_insert(w, g->lab, g->n, i, &dot, 1));
}

static void gen_transposition(struct gen *g)
{
    uint32_t w[LBUF];
    memcpy(w, g->lab, g->n * sizeof *w);
    for (size_t i = 0; i + 1 < g->n; i++) {
        if (g->lab[i] == g->lab[i + 1])
            continue;
        w[i] = g->lab[i + 1];
        w[i + 1] = g->lab[i];
        put(g, TK_PERM_TRANSPOSITION, w, g->n);
        w[i] = g->lab[i];
        w[i + 1] = g->lab[i + 1];
    }
}

static void gen_vowel_swap(struct gen *g)
{
    uint32_t w[LBUF];
    static const char vowels[] = "aeiou";
    memcpy(w, g->lab, g->n * sizeof *w);
    for (size_t i = 0; i < g->n; i++) {
        if (!is_vowel(g->lab[i]))
            continue;
        for (const char *v = vowels; *v; v++) {
            if ((uint32_t)*v == g->lab[i])
                continue;
            w[i] = (uint32_t)*v;
            put(g, TK_PERM_VOWEL_SWAP, w, g->n);
        }
        w[i] = g->lab[i];
    }
}

/* w = a + sep + b (sep 0: none); the length, or 0 when it would not fit */
static size_t join(uint32_t *w, const uint32_t *a, size_t an, uint32_t sep, const uint32_t *b,
                   size_t bn)
{
    if (an + bn + 1 >= LBUF)
        return 0;
    memcpy(w, a, an * sizeof *w);
    size_t o = an;
    if (sep)
        w[o++] = sep;
    memcpy(w + o, b, bn * sizeof *w);
    return o + bn;
}

static void gen_dictionary(struct gen *g)
{
    uint32_t w[LBUF];
    const uint32_t *l = g->lab;
    size_t n = g->n, first = n, last = 0;
    for (size_t i = 0; i < n; i++)
        if (l[i] == '-') {
            first = first < i ? first : i;
            last = i;
        }
    for (size_t i = 0; i < g->p->nwords && !g->stop; i++) {
        const struct word *wd = &g->p->words[i];
        if (wd->n == n && memcmp(wd->cp, l, n * sizeof *l) == 0)
            continue;
        size_t k;
        if ((k = join(w, l, n, '-', wd->cp, wd->n)))
            put(g, TK_PERM_DICTIONARY, w, k);
        if ((k = join(w, l, n, 0, wd->cp, wd->n)))
            put(g, TK_PERM_DICTIONARY, w, k);
        if ((k = join(w, wd->cp, wd->n, '-', l, n)))
            put(g, TK_PERM_DICTIONARY, w, k);
        if ((k = join(w, wd->cp, wd->n, 0, l, n)))
            put(g, TK_PERM_DICTIONARY, w, k);
        if (first < n) { /* a hyphenated label: the word in place of its first or last part */
            if ((k = join(w, l, last, '-', wd->cp, wd->n)))
                put(g, TK_PERM_DICTIONARY, w, k);
            if ((k = join(w, wd->cp, wd->n, '-', l + first + 1, n - first - 1)))
                put(g, TK_PERM_DICTIONARY, w, k);
        }
    }
}

static void gen_tld_swap(struct gen *g)
{
    for (size_t i = 0; i < g->p->ntlds && !g->stop; i++)
        emit(g, TK_PERM_TLD_SWAP, g->lab, g->n, &g->p->tlds[i], true);
}

/* Structural tricks: the suffix folded into the label ("zoomus.us", "zoom-us.com",
 * "exampleco.jp"), a shorter suffix ("example.jp"), the subdomain folded into the label
 * ("teamsmicrosoft.com", "teams-microsoft.com"). */
static void gen_various(struct gen *g)
{
    uint32_t w[LBUF], t[TK_DNAME_MAX];
    const char *su = g->suffix.u, *sa = g->suffix.a;
    const char *dot_u = strchr(su, '.'), *dot_a = strchr(sa, '.');
    size_t k;
    static const struct sfx com = { "com", "com" };
    if (!dot_u || !dot_a) {
        size_t tn = decode(su, strlen(su), t, TK_DNAME_MAX);
        if (tn == (size_t)-1)
            return;
        if ((k = join(w, g->lab, g->n, 0, t, tn)))
            put(g, TK_PERM_VARIOUS, w, k);
        if (strcmp(sa, "com") != 0) {
            if ((k = join(w, g->lab, g->n, '-', t, tn)))
                emit(g, TK_PERM_VARIOUS, w, k, &com, true);
            if ((k = join(w, g->lab, g->n, 0, t, tn)))
                emit(g, TK_PERM_VARIOUS, w, k, &com, true);
        }
    } else {
        struct sfx last = { strrchr(sa, '.') + 1, strrchr(su, '.') + 1 };
        struct sfx rest = { dot_a + 1, dot_u + 1 };
        emit(g, TK_PERM_VARIOUS, g->lab, g->n, &last, true);
        size_t tn = decode(su, (size_t)(dot_u - su), t, TK_DNAME_MAX);
        if (tn == (size_t)-1)
            return;
        if ((k = join(w, g->lab, g->n, 0, t, tn)))
            emit(g, TK_PERM_VARIOUS, w, k, &rest, true);
        if ((k = join(w, g->lab, g->n, '-', t, tn)))
            emit(g, TK_PERM_VARIOUS, w, k, &rest, true);
    }
    if (!g->nsub)
        return;
    /* the subdomain as it is, without its dots, and joined with hyphens */
    uint32_t flat[TK_DNAME_MAX], dash[TK_DNAME_MAX];
    size_t fn = 0;
    for (size_t i = 0; i < g->nsub; i++) {
        if (g->sub[i] != '.')
            flat[fn++] = g->sub[i];
        dash[i] = g->sub[i] == '.' ? '-' : g->sub[i];
    }
    if ((k = join(w, g->sub, g->nsub, 0, g->lab, g->n)))
        emit(g, TK_PERM_VARIOUS, w, k, &g->suffix, false);
    if ((k = join(w, flat, fn, 0, g->lab, g->n)))
        emit(g, TK_PERM_VARIOUS, w, k, &g->suffix, false);
    if ((k = join(w, g->sub, g->nsub, '-', g->lab, g->n)))
        emit(g, TK_PERM_VARIOUS, w, k, &g->suffix, false);
    if ((k = join(w, dash, g->nsub, '-', g->lab, g->n)))
        emit(g, TK_PERM_VARIOUS, w, k, &g->suffix, false);
}

static void (*const generators[TK_PERM_NALGO])(struct gen *) = {
    [TK_PERM_ADDITION] = gen_addition,
    [TK_PERM_BITSQUATTING] = gen_bitsquatting,
    [TK_PERM_CYRILLIC] = NULL, /* gen_whole_script with an argument */
    [TK_PERM_HOMOGLYPH] = gen_homoglyph,
    [TK_PERM_HYPHENATION] = gen_hyphenation,
    [TK_PERM_INSERTION] = gen_insertion,
    [TK_PERM_OMISSION] = gen_omission,
    [TK_PERM_PLURAL] = gen_plural,
    [TK_PERM_REPETITION] = gen_repetition,
    [TK_PERM_REPLACEMENT] = gen_replacement,
    [TK_PERM_SUBDOMAIN] = gen_subdomain,
    [TK_PERM_TRANSPOSITION] = gen_transposition,
    [TK_PERM_VOWEL_SWAP] = gen_vowel_swap,
    [TK_PERM_DICTIONARY] = gen_dictionary,
    [TK_PERM_TLD_SWAP] = gen_tld_swap,
    [TK_PERM_VARIOUS] = gen_various,
};

/* Where the k-th dot of s is (k = 0: the start), or NULL. */
static const char *after_dots(const char *s, size_t k)
{
    for (; k; k--) {
        s = strchr(s, '.');
        if (!s)
            return NULL;
        s++;
    }
    return s;
}

static size_t count_dots(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '.';
    return k;
}

int tk_permute(const struct tk_permuter *p, const struct tk_dname *brand, struct tk_perm_set *s,
               struct tk_err *err)
{
    if (!brand->label_len)
        return tk_err_set(err, TK_EINVAL, "%s has no registrable label (a public suffix?)",
                          brand->ascii);
    struct gen g = { .p = p, .s = s };
    /* the Unicode form has the same labels as the ASCII one: cut it at the same dots */
    size_t sub_labels = count_dots(brand->ascii, brand->reg);
    size_t suf_labels = count_dots(brand->ascii, brand->suffix);
    const char *reg_u = after_dots(brand->unicode, sub_labels);
    const char *suf_u = after_dots(brand->unicode, suf_labels);
    if (!reg_u || !suf_u || suf_u <= reg_u)
        return tk_err_set(err, TK_EINVAL, "%s: inconsistent Unicode form", brand->ascii);
    g.n = decode(reg_u, (size_t)(suf_u - 1 - reg_u), g.lab, 64);
    g.nsub = brand->reg
                 ? decode(brand->unicode, (size_t)(reg_u - 1 - brand->unicode), g.sub, TK_DNAME_MAX)
                 : 0;
    if (g.n == (size_t)-1 || !g.n || g.nsub == (size_t)-1)
        return tk_err_set(err, TK_EINVAL, "%s: undecodable label", brand->ascii);
    g.sub_a = brand->ascii;
    g.sub_an = brand->reg;
    g.sub_u = brand->unicode;
    g.sub_un = (size_t)(reg_u - brand->unicode);
    g.suffix = (struct sfx){ brand->ascii + brand->suffix, suf_u };
    /* generated labels and listed suffixes never have "--" there: only the brand's can */
    g.rldh = has_rldh(brand->ascii, strlen(brand->ascii));
    g.ascii_brand = true;
    for (size_t i = 0; i < g.n; i++)
        g.ascii_brand = g.ascii_brand && g.lab[i] < 0x80;
    for (size_t i = 0; i < g.nsub; i++)
        g.ascii_brand = g.ascii_brand && g.sub[i] < 0x80;

    if (!s->seen) {
        s->seen = tk_calloc(1, sizeof *s->seen);
        if (!s->seen)
            return tk_err_set(err, TK_ENOMEM, "out of memory");
        tk_map_init(&s->seen->names, (size_t)-1);
        tk_arena_init(&s->seen->strings, (size_t)1 << 31);
    }
    /* the brand itself is never a candidate */
    int rc = tk_map_put(&s->seen->names, tk_str_c(brand->ascii), &MARK_OK);
    if (rc)
        return tk_err_set(err, rc, "out of memory");
    for (int a = 0; a < TK_PERM_NALGO && !g.stop; a++) {
        if (!(p->algos & (1u << a)))
            continue;
        if (a == TK_PERM_CYRILLIC)
            gen_whole_script(&g, TK_PERM_CYRILLIC, SCRIPT_CYRILLIC);
        else
            generators[a](&g);
    }
    if (g.rc)
        return tk_err_set(err, g.rc, "out of memory");
    return 0;
}
