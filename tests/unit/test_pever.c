/* test_pever.c - the PE version resource parser (collect/pever.h) on PE files built here, byte
 * by byte from the PE/COFF layout (PE32 and PE32+, several resource types, named entries,
 * VarFileInfo first, two string tables, UTF-16 beyond the BMP and unpaired surrogates), the
 * locate-then-read-the-section path, every prefix of a valid file, every byte overwritten,
 * random damage, offsets aimed outside the file, and a refused allocation. When the build
 * could make them (tests/tools/mingw-pe.sh, PEVER_MINGW64 / PEVER_MINGW32), also programs
 * linked by the mingw-w64 toolchain from tests/data/pever/version.rc; without mingw those
 * two cases pass with a note. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/pever.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/le.h"
#include "core/utf8.h"

/* ---- building PE files -------------------------------------------------------------- */

#define BLOB_MAX (64 * 1024)

struct blob {
    unsigned char b[BLOB_MAX];
    size_t n;
};

static size_t emit(struct blob *b, const void *p, size_t n)
{
    assert_true(n <= BLOB_MAX - b->n);
    size_t at = b->n;
    if (n)
        memcpy(b->b + at, p, n);
    b->n += n;
    return at;
}

static size_t emit16(struct blob *b, uint32_t v)
{
    unsigned char w[2];
    tk_put_le16(w, v);
    return emit(b, w, 2);
}

static size_t emit32(struct blob *b, uint32_t v)
{
    unsigned char w[4];
    tk_put_le32(w, v);
    return emit(b, w, 4);
}

static void pad_to(struct blob *b, size_t align)
{
    while (b->n % align)
        emit(b, "", 1);
}

/* UTF-8 text as UTF-16LE (pairs beyond the BMP), no terminator; returns the units written.
 * Tests that want odd units (unpaired surrogates) write them with emit16. */
static size_t emit_utf16(struct blob *b, const char *s)
{
    size_t units = 0, n = strlen(s);
    const unsigned char *p = (const unsigned char *)s;
    while (n) {
        uint32_t cp;
        size_t len = tk_utf8_decode(p, n, &cp);
        assert_true(len > 0);
        if (cp >= 0x10000) {
            emit16(b, 0xD800 + ((cp - 0x10000) >> 10));
            emit16(b, 0xDC00 + ((cp - 0x10000) & 0x3FF));
            units += 2;
        } else {
            emit16(b, cp);
            units++;
        }
        p += len;
        n -= len;
    }
    return units;
}

static size_t utf16_units(const char *s)
{
    struct blob *scratch = calloc(1, sizeof *scratch);
    assert_non_null(scratch);
    size_t units = emit_utf16(scratch, s);
    free(scratch);
    return units;
}

/* A version block: header with wLength patched by block_close, the key, padding. */
static size_t block_open(struct blob *b, const char *key, uint32_t vlen, uint32_t type)
{
    pad_to(b, 4);
    size_t at = emit16(b, 0);
    emit16(b, vlen);
    emit16(b, type);
    emit_utf16(b, key);
    emit16(b, 0);
    pad_to(b, 4);
    return at;
}

static void block_close(struct blob *b, size_t at)
{
    tk_put_le16(b->b + at, (uint32_t)(b->n - at));
}

static void string_block(struct blob *b, const char *key, const char *value)
{
    size_t at = block_open(b, key, (uint32_t)utf16_units(value) + 1, 1);
    emit_utf16(b, value);
    emit16(b, 0);
    block_close(b, at);
}

struct vspec {
    bool fixed;
    uint32_t fv_ms, fv_ls, pv_ms, pv_ls;
    const char *lang;      /* the first table's key; NULL: no StringFileInfo */
    const char *const *kv; /* key, value, ..., NULL */
    const char *lang2;     /* a second table, or NULL */
    const char *const *kv2;
    bool var_first; /* VarFileInfo before StringFileInfo */
};

static void var_block(struct blob *b)
{
    size_t var = block_open(b, "VarFileInfo", 0, 1);
    size_t tr = block_open(b, "Translation", 4, 0);
    emit16(b, 0x0411);
    emit16(b, 1200);
    block_close(b, tr);
    block_close(b, var);
}

static void table_block(struct blob *b, const char *lang, const char *const *kv)
{
    size_t t = block_open(b, lang, 0, 1);
    for (size_t i = 0; kv && kv[i]; i += 2)
        string_block(b, kv[i], kv[i + 1]);
    block_close(b, t);
}

static void build_version(struct blob *b, const struct vspec *s)
{
    b->n = 0;
    size_t root = block_open(b, "VS_VERSION_INFO", s->fixed ? 52 : 0, 0);
    if (s->fixed) {
        /* signature, structure version, file and product versions (MS, LS), flags mask, flags,
         * OS, type, subtype, date (MS, LS) */
        uint32_t f[13] = { 0xFEEF04BD, 0x00010000, s->fv_ms, s->fv_ls, s->pv_ms, s->pv_ls, 0x3F,
                           0,          0x40004,    1,        0,        0,        0 };
        for (size_t i = 0; i < 13; i++)
            emit32(b, f[i]);
    }
    if (s->var_first)
        var_block(b);
    if (s->lang) {
        size_t sfi = block_open(b, "StringFileInfo", 0, 1);
        table_block(b, s->lang, s->kv);
        if (s->lang2)
            table_block(b, s->lang2, s->kv2);
        block_close(b, sfi);
    }
    if (!s->var_first)
        var_block(b);
    block_close(b, root);
}

#define RSRC_RVA 0x2000u
#define RSRC_FILE 0x600u
#define TEXT_FILE 0x400u

struct rspec {
    bool extra_types; /* icons (3), a group icon (14) and a manifest (24) around RT_VERSION */
    bool named_type;  /* a named type ("TENKEN") before the ID entries */
    bool no_version;  /* leave RT_VERSION out */
};

/* The .rsrc section's bytes for one version resource. Layout: the root directory, then per
 * type its name directory, language directory and data entry, then the named type's name,
 * then the data. Returns the offset of the version data entry in the section. */
static size_t build_rsrc(struct blob *r, const struct rspec *rs, const struct blob *ver)
{
    uint32_t ids[4];
    size_t nids = 0;
    if (rs->extra_types)
        ids[nids++] = 3;
    if (rs->extra_types)
        ids[nids++] = 14;
    if (!rs->no_version)
        ids[nids++] = 16;
    if (rs->extra_types || rs->no_version)
        ids[nids++] = 24;
    size_t ntypes = nids + rs->named_type;
    size_t root_size = 16 + 8 * ntypes;
    size_t per_type = 24 + 24 + 16;
    size_t names_at = root_size + per_type * ntypes;
    size_t data_at = (names_at + 14 + 15) & ~(size_t)15; /* after "TENKEN", counted UTF-16 */
    static const unsigned char dummy[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

    r->n = 0;
    emit32(r, 0);
    emit32(r, 0);
    emit16(r, 4);
    emit16(r, 0);
    emit16(r, rs->named_type);
    emit16(r, (uint32_t)nids);
    size_t version_entry = 0;
    for (size_t i = 0; i < ntypes; i++) {
        uint32_t id =
            rs->named_type && i == 0 ? 0x80000000u | (uint32_t)names_at : ids[i - rs->named_type];
        emit32(r, id);
        emit32(r, 0x80000000u | (uint32_t)(root_size + per_type * i));
    }
    for (size_t i = 0; i < ntypes; i++) {
        size_t base = root_size + per_type * i;
        bool is_version = !(rs->named_type && i == 0) && ids[i - rs->named_type] == 16;
        /* The name level: one ID entry, 1. */
        emit32(r, 0);
        emit32(r, 0);
        emit32(r, 0);
        emit16(r, 0);
        emit16(r, 1);
        emit32(r, 1);
        emit32(r, 0x80000000u | (uint32_t)(base + 24));
        /* The language level: one ID entry, Japanese. */
        emit32(r, 0);
        emit32(r, 0);
        emit32(r, 0);
        emit16(r, 0);
        emit16(r, 1);
        emit32(r, 0x411);
        emit32(r, (uint32_t)(base + 48));
        /* The data entry: RVA, size, code page, reserved. */
        if (is_version)
            version_entry = r->n;
        emit32(r, RSRC_RVA + (uint32_t)(is_version ? data_at + sizeof dummy : data_at));
        emit32(r, (uint32_t)(is_version ? ver->n : sizeof dummy));
        emit32(r, 0);
        emit32(r, 0);
    }
    assert_int_equal(r->n, names_at);
    emit16(r, 6);
    emit_utf16(r, "TENKEN");
    pad_to(r, 16);
    assert_int_equal(r->n, data_at);
    emit(r, dummy, sizeof dummy);
    emit(r, ver->b, ver->n);
    return version_entry;
}

struct pespec {
    bool pe32plus;
    uint16_t machine;
};

/* A PE file: DOS header, PE headers, .text and .rsrc. */
static void build_pe(struct blob *f, const struct pespec *ps, const struct blob *rsrc)
{
    uint32_t raw = (uint32_t)((rsrc->n + 0x1FF) & ~(size_t)0x1FF);
    size_t optsize = ps->pe32plus ? 240 : 224;
    f->n = 0;
    memset(f->b, 0, sizeof f->b);
    emit(f, "MZ", 2);
    f->n = 0x3C;
    emit32(f, 0x80);
    f->n = 0x80;
    emit(f, "PE\0\0", 4);
    emit16(f, ps->machine);
    emit16(f, 2);
    emit32(f, 0);
    emit32(f, 0);
    emit32(f, 0);
    emit16(f, (uint32_t)optsize);
    emit16(f, ps->pe32plus ? 0x0022 : 0x0102);
    size_t opt = f->n;
    emit16(f, ps->pe32plus ? 0x20b : 0x10b);
    unsigned char *o = f->b + opt;
    tk_put_le32(o + 4, 0x200);   /* SizeOfCode */
    tk_put_le32(o + 16, 0x1000); /* AddressOfEntryPoint */
    tk_put_le32(o + 20, 0x1000); /* BaseOfCode */
    if (ps->pe32plus) {
        tk_put_le32(o + 24, 0x40000000); /* ImageBase 0x140000000 */
        tk_put_le32(o + 28, 0x1);
    } else {
        tk_put_le32(o + 28, 0x400000);
    }
    tk_put_le32(o + 32, 0x1000);                               /* SectionAlignment */
    tk_put_le32(o + 36, 0x200);                                /* FileAlignment */
    tk_put_le16(o + 40, 6);                                    /* MajorOperatingSystemVersion */
    tk_put_le16(o + 48, 6);                                    /* MajorSubsystemVersion */
    tk_put_le32(o + 56, RSRC_RVA + ((raw + 0xFFF) & ~0xFFFu)); /* SizeOfImage */
    tk_put_le32(o + 60, TEXT_FILE);                            /* SizeOfHeaders */
    tk_put_le16(o + 68, 2);                                    /* Subsystem: GUI */
    size_t count_at = ps->pe32plus ? 108 : 92;
    tk_put_le32(o + count_at, 16);
    tk_put_le32(o + count_at + 4 + 2 * 8, RSRC_RVA);
    tk_put_le32(o + count_at + 4 + 2 * 8 + 4, (uint32_t)rsrc->n);
    f->n = opt + optsize;
    static const struct {
        char name[8];
        uint32_t vsize, va, rawsize, rawptr, flags;
    } sects[2] = {
        { ".text", 0x10, 0x1000, 0x200, TEXT_FILE, 0x60000020 },
        { ".rsrc", 0, RSRC_RVA, 0, RSRC_FILE, 0x40000040 },
    };
    for (size_t i = 0; i < 2; i++) {
        emit(f, sects[i].name, 8);
        emit32(f, i ? (uint32_t)rsrc->n : sects[i].vsize);
        emit32(f, sects[i].va);
        emit32(f, i ? raw : sects[i].rawsize);
        emit32(f, sects[i].rawptr);
        emit32(f, 0);
        emit32(f, 0);
        emit32(f, 0);
        emit32(f, sects[i].flags);
    }
    f->n = TEXT_FILE;
    memset(f->b + TEXT_FILE, 0xC3, 0x10); /* ret */
    f->n = RSRC_FILE;
    emit(f, rsrc->b, rsrc->n);
    f->n = RSRC_FILE + raw;
}

static const char *const basic_kv[] = {
    "CompanyName", "Example KK", "FileDescription", "Example updater",
    "FileVersion", "1.2.3.4",    "InternalName",    "updater",
    "ProductName", "Example",    "ProductVersion",  "1.2 (build 4)",
    NULL,
};

static const struct vspec basic_ver = {
    .fixed = true,
    .fv_ms = 0x00010002,
    .fv_ls = 0x00030004,
    .pv_ms = 0x0001FFFF,
    .pv_ls = 0x00000000,
    .lang = "040904b0",
    .kv = basic_kv,
};

/* The test file most cases start from; the offsets of its parts for targeted damage. */
struct fixture {
    struct blob ver, rsrc, pe;
    size_t version_entry; /* in the file */
};

static void build_fixture(struct fixture *fx, const struct pespec *ps, const struct rspec *rs,
                          const struct vspec *vs)
{
    build_version(&fx->ver, vs);
    fx->version_entry = RSRC_FILE + build_rsrc(&fx->rsrc, rs, &fx->ver);
    build_pe(&fx->pe, ps, &fx->rsrc);
}

static struct fixture *new_fixture(void)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    static const struct pespec ps = { true, 0x8664 };
    static const struct rspec rs = { true, true, false };
    build_fixture(fx, &ps, &rs, &basic_ver);
    return fx;
}

/* Parses n bytes from an exact-size copy, so the sanitizers see any read past the end. */
static int parse_copy(const unsigned char *p, size_t n, struct tk_arena *a, struct tk_pever *v,
                      struct tk_err *err)
{
    unsigned char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    if (n)
        memcpy(copy, p, n);
    tk_err_clear(err);
    int rc = tk_pever_parse(copy, n, "test.exe", a, v, err);
    free(copy);
    return rc;
}

static void expect_basic(const struct tk_pever *v)
{
    assert_true(v->has_fixed);
    assert_string_equal(v->fixed_file_version, "1.2.3.4");
    assert_string_equal(v->fixed_product_version, "1.65535.0.0");
    assert_string_equal(v->lang, "040904b0");
    assert_string_equal(v->company_name, "Example KK");
    assert_string_equal(v->file_description, "Example updater");
    assert_string_equal(v->file_version, "1.2.3.4");
    assert_string_equal(v->product_name, "Example");
    assert_string_equal(v->product_version, "1.2 (build 4)");
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_result(const struct tk_pever *a, const struct tk_pever *b)
{
    return a->machine == b->machine && a->pe32plus == b->pe32plus && a->has_fixed == b->has_fixed &&
           strcmp(a->fixed_file_version, b->fixed_file_version) == 0 &&
           strcmp(a->fixed_product_version, b->fixed_product_version) == 0 &&
           strcmp(a->lang, b->lang) == 0 && same_str(a->product_version, b->product_version) &&
           same_str(a->file_version, b->file_version) &&
           same_str(a->product_name, b->product_name) &&
           same_str(a->company_name, b->company_name) &&
           same_str(a->file_description, b->file_description);
}

/* What any outcome must satisfy: success with well-formed text, or a known error with a
 * message naming the file. */
static void check_outcome(int rc, const struct tk_pever *v, const struct tk_err *err)
{
    if (rc == 0) {
        const char *s[] = { v->product_version, v->file_version, v->product_name, v->company_name,
                            v->file_description };
        for (size_t i = 0; i < 5; i++)
            if (s[i])
                assert_true(tk_utf8_valid(s[i], strlen(s[i])));
        assert_true(strlen(v->lang) == 0 || strlen(v->lang) == 8);
        if (!v->has_fixed)
            assert_string_equal(v->fixed_file_version, "");
        return;
    }
    if (rc != TK_EPARSE && rc != TK_ENOENT)
        fail_msg("unexpected code %d: %s", rc, err->msg);
    assert_non_null(strstr(err->msg, "test.exe"));
}

/* ---- cases -------------------------------------------------------------------------- */

static void test_pe32plus(void **state)
{
    (void)state;
    struct fixture *fx = new_fixture();
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err = { 0 };
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, "test.exe", &a, &v, &err), 0);
    assert_int_equal(v.machine, 0x8664);
    assert_true(v.pe32plus);
    expect_basic(&v);
    tk_arena_release(&a);
    free(fx);
}

static void test_pe32(void **state)
{
    (void)state;
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    static const struct pespec ps = { false, 0x14c };
    static const struct rspec rs = { false, false, false };
    build_fixture(fx, &ps, &rs, &basic_ver);
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err = { 0 };
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, NULL, &a, &v, &err), 0);
    assert_int_equal(v.machine, 0x14c);
    assert_false(v.pe32plus);
    expect_basic(&v);
    tk_arena_release(&a);
    free(fx);
}

/* Non-ASCII text (BMP and beyond), an empty value, VarFileInfo first, the first of two
 * tables, no fixed info. */
static void test_strings(void **state)
{
    (void)state;
    static const char *const kv[] = {
        "CompanyName",
        "テスト株式会社",
        "ProductName",
        "Tenken \xF0\x9F\x94\x8D scope",
        "ProductVersion",
        "",
        "FileDescription",
        "first",
        "FileDescription",
        "second of the same key",
        NULL,
    };
    static const char *const kv2[] = { "FileVersion", "not from the second table", NULL };
    static const struct vspec vs = {
        .lang = "041104B0",
        .kv = kv,
        .lang2 = "040904b0",
        .kv2 = kv2,
        .var_first = true,
    };
    static const struct pespec ps = { true, 0xaa64 };
    static const struct rspec rs = { false, true, false };
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    build_fixture(fx, &ps, &rs, &vs);
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err = { 0 };
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, "x.dll", &a, &v, &err), 0);
    assert_false(v.has_fixed);
    assert_string_equal(v.fixed_file_version, "");
    assert_string_equal(v.fixed_product_version, "");
    assert_string_equal(v.lang, "041104B0");
    assert_string_equal(v.company_name, "テスト株式会社");
    assert_string_equal(v.product_name, "Tenken \xF0\x9F\x94\x8D scope");
    assert_string_equal(v.product_version, "");
    assert_string_equal(v.file_description, "first");
    assert_null(v.file_version);
    tk_arena_release(&a);
    free(fx);
}

/* Unpaired surrogates (a high one at the end, a low one alone) become U+FFFD; a value with
 * wValueLength 0 reads as empty even with text behind it; a value without its NUL ends at
 * the block's end; a value whose length counts units in a binary-typed block is whole. */
static void test_odd_values(void **state)
{
    (void)state;
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    struct blob *b = &fx->ver;
    size_t root = block_open(b, "VS_VERSION_INFO", 0, 0);
    size_t sfi = block_open(b, "StringFileInfo", 0, 1);
    size_t t = block_open(b, "000004E4", 0, 1);
    size_t s = block_open(b, "CompanyName", 4, 1);
    emit16(b, 'A');
    emit16(b, 0xDC00);
    emit16(b, 'B');
    emit16(b, 0xD800);
    block_close(b, s);
    s = block_open(b, "ProductName", 0, 1);
    emit_utf16(b, "hidden");
    emit16(b, 0);
    block_close(b, s);
    s = block_open(b, "FileVersion", 100, 1);
    emit_utf16(b, "9.9");
    block_close(b, s);
    s = block_open(b, "ProductVersion", 8, 0); /* binary type, length in units */
    emit_utf16(b, "7.0 rc1");
    emit16(b, 0);
    emit16(b, 'x'); /* past the NUL, inside the block */
    block_close(b, s);
    block_close(b, t);
    block_close(b, sfi);
    block_close(b, root);
    static const struct pespec ps = { true, 0x8664 };
    static const struct rspec rs = { false, false, false };
    build_rsrc(&fx->rsrc, &rs, &fx->ver);
    build_pe(&fx->pe, &ps, &fx->rsrc);
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err = { 0 };
    assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err), 0);
    assert_string_equal(v.company_name, "A\xEF\xBF\xBD"
                                        "B\xEF\xBF\xBD");
    assert_string_equal(v.product_name, "");
    assert_string_equal(v.file_version, "9.9");
    assert_string_equal(v.product_version, "7.0 rc1");
    assert_string_equal(v.lang, "000004E4");
    tk_arena_release(&a);
    free(fx);
}

static void test_no_version(void **state)
{
    (void)state;
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    static const struct pespec ps = { true, 0x8664 };
    static const struct rspec rs = { false, true, true };
    build_fixture(fx, &ps, &rs, &basic_ver);
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err = { 0 };
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, "test.exe", &a, &v, &err), TK_ENOENT);
    assert_string_equal(err.msg, "test.exe: no version resource");

    /* No resource directory at all: the data directory entry is zero, or absent. */
    size_t opt = 0x80 + 24;
    tk_put_le32(fx->pe.b + opt + 112 + 16, 0);
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, "test.exe", &a, &v, &err), TK_ENOENT);
    assert_string_equal(err.msg, "test.exe: no resource directory");
    tk_put_le32(fx->pe.b + opt + 108, 2);
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, "test.exe", &a, &v, &err), TK_ENOENT);
    tk_arena_release(&a);
    free(fx);
}

static void test_not_pe(void **state)
{
    (void)state;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err = { 0 };
    assert_int_equal(tk_pever_parse("", 0, NULL, &a, &v, &err), TK_EPARSE);
    assert_string_equal(err.msg, "PE file: offset 0: not a PE file (no MZ header)");
    static const char elf[64] = "\x7f"
                                "ELF";
    assert_int_equal(tk_pever_parse(elf, sizeof elf, "a.out", &a, &v, &err), TK_EPARSE);

    struct fixture *fx = new_fixture();
    memcpy(fx->pe.b + 0x80, "PX", 2);
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, "test.exe", &a, &v, &err), TK_EPARSE);
    assert_string_equal(err.msg, "test.exe: offset 128: no PE signature");
    tk_arena_release(&a);
    free(fx);
}

/* Headers only from the head of the file, then the section alone: the same answer. */
static void test_locate(void **state)
{
    (void)state;
    struct fixture *fx = new_fixture();
    struct tk_pever_loc loc;
    struct tk_err err = { 0 };
    assert_int_equal(tk_pever_locate(fx->pe.b, RSRC_FILE, "test.exe", &loc, &err), 0);
    assert_int_equal(loc.off, RSRC_FILE);
    assert_int_equal(loc.len, fx->rsrc.n);
    assert_int_equal(loc.rva, RSRC_RVA);
    assert_int_equal(loc.dir_rva, RSRC_RVA);
    assert_int_equal(loc.machine, 0x8664);
    assert_true(loc.pe32plus);

    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v, whole;
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, "test.exe", &a, &whole, &err), 0);
    unsigned char *sec = malloc(loc.len);
    assert_non_null(sec);
    memcpy(sec, fx->pe.b + loc.off, loc.len);
    assert_int_equal(tk_pever_parse_rsrc(sec, loc.len, &loc, "test.exe", &a, &v, &err), 0);
    assert_true(same_result(&v, &whole));
    expect_basic(&v);

    /* A capped read of the section: an error naming the file offset, never a read past. */
    for (size_t n = 0; n < loc.len; n++) {
        unsigned char *part = malloc(n ? n : 1);
        assert_non_null(part);
        memcpy(part, sec, n);
        int rc = tk_pever_parse_rsrc(part, n, &loc, "test.exe", &a, &v, &err);
        free(part);
        assert_int_equal(rc, TK_EPARSE);
        assert_non_null(strstr(err.msg, "lies past the end of the data"));
    }
    free(sec);

    /* The headers cut short. */
    assert_int_equal(tk_pever_locate(fx->pe.b, 0x100, "test.exe", &loc, &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "optional header"));
    struct tk_pever_loc bad = loc;
    bad.dir_rva = 0x9000;
    assert_int_equal(tk_pever_parse_rsrc("", 0, &bad, "test.exe", &a, &v, &err), TK_EINVAL);
    tk_arena_release(&a);
    free(fx);
}

/* Every prefix of the file: an error, or (once the version data is all there) the result. */
static void test_every_prefix(void **state)
{
    (void)state;
    static const struct pespec pss[] = { { true, 0x8664 }, { false, 0x14c } };
    for (size_t k = 0; k < 2; k++) {
        struct fixture *fx = calloc(1, sizeof *fx);
        assert_non_null(fx);
        static const struct rspec rs = { true, true, false };
        build_fixture(fx, &pss[k], &rs, &basic_ver);
        struct tk_arena a;
        tk_arena_init(&a, 1 << 20);
        struct tk_pever v, full;
        struct tk_err err = { 0 };
        assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &full, &err), 0);
        size_t need = RSRC_FILE + fx->rsrc.n; /* the version data ends the section */
        for (size_t n = 0; n < fx->pe.n; n++) {
            int rc = parse_copy(fx->pe.b, n, &a, &v, &err);
            check_outcome(rc, &v, &err);
            if (n < need)
                assert_int_equal(rc, TK_EPARSE);
            else
                assert_true(rc == 0 && same_result(&v, &full));
            tk_arena_reset(&a);
        }
        tk_arena_release(&a);
        free(fx);
    }
}

/* Every byte overwritten with a few values: never a crash, only known outcomes. */
static void test_every_byte(void **state)
{
    (void)state;
    struct fixture *fx = new_fixture();
    static const unsigned char values[] = { 0x00, 0xFF, 0x80, 0x7F, 0x01, 0x10 };
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err;
    size_t ok = 0;
    for (size_t i = 0; i < fx->pe.n; i++) {
        unsigned char keep = fx->pe.b[i];
        for (size_t k = 0; k < sizeof values; k++) {
            fx->pe.b[i] = values[k];
            int rc = parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err);
            check_outcome(rc, &v, &err);
            ok += rc == 0;
            tk_arena_reset(&a);
        }
        fx->pe.b[i] = keep;
    }
    assert_true(ok > 0);
    tk_arena_release(&a);
    free(fx);
}

/* Random damage with a fixed seed: one to eight bytes, or 32-bit fields set to values
 * around the edges of the file and of 32 bits. */
static void test_random_damage(void **state)
{
    (void)state;
    struct fixture *fx = new_fixture();
    unsigned char *orig = malloc(fx->pe.n);
    assert_non_null(orig);
    memcpy(orig, fx->pe.b, fx->pe.n);
    uint64_t x = 0x9E3779B97F4A7C15u;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err;
    const uint32_t edges[] = { 0,
                               1,
                               0x7FFFFFFF,
                               0x80000000,
                               0xFFFFFFFF,
                               0xFFFFFFF0,
                               (uint32_t)fx->pe.n,
                               (uint32_t)fx->pe.n - 1,
                               RSRC_RVA,
                               RSRC_RVA + (uint32_t)fx->rsrc.n,
                               0x80000000u | 0x10 };
    for (int iter = 0; iter < 30000; iter++) {
        memcpy(fx->pe.b, orig, fx->pe.n);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int changes = 1 + (int)(x % 8);
        for (int c = 0; c < changes; c++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t at = (size_t)(x >> 8) % (fx->pe.n - 4);
            if (x & 1)
                tk_put_le32(fx->pe.b + at, edges[(x >> 1) % (sizeof edges / sizeof edges[0])]);
            else
                fx->pe.b[at] = (unsigned char)(x >> 40);
        }
        int rc = parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err);
        check_outcome(rc, &v, &err);
        tk_arena_reset(&a);
    }
    tk_arena_release(&a);
    free(orig);
    free(fx);
}

/* Fields aimed outside the file or at the wrong kind of thing, each with its message. */
static void test_targeted(void **state)
{
    (void)state;
    struct fixture *fx = new_fixture();
    const size_t opt = 0x80 + 24, table = opt + 240;
    const size_t rsrc_sect = table + 40;
    /* The version resource's own entries in the tree: root entry 2 (after the named type,
     * icons and group icons)... found through the fixture instead of counted by hand. */
    const size_t data_entry = fx->version_entry;
    const size_t ver = RSRC_FILE + fx->rsrc.n - fx->ver.n;
    const struct {
        size_t at;
        int width; /* 2 or 4 bytes */
        uint32_t value;
        int rc;
        const char *msg;
    } cases[] = {
        { 0x3C, 4, 0xFFFFFFF0, TK_EPARSE, "offset 60: the PE header offset 4294967280 lies past" },
        { 0x3C, 4, 0x1000, TK_EPARSE, "lies past the end of the data" },
        { 0x80 + 4 + 2, 2, 0xFFFF, TK_EPARSE, "the section table (65535 sections) lies past" },
        { 0x80 + 4 + 16, 2, 0xFFFF, TK_EPARSE, "the optional header (65535 bytes) lies past" },
        { 0x80 + 4 + 16, 2, 100, TK_EPARSE, "too short for its magic 0x20b" },
        { 0x80 + 4 + 16, 2, 1, TK_EPARSE, "no optional header" },
        { opt, 2, 0x107, TK_EPARSE, "unknown optional header magic 0x107" },
        { opt + 108, 4, 0xFFFFFFFF, 0, NULL }, /* a huge count: only entry 2 is read */
        { opt + 128, 4, 0x7000, TK_EPARSE, "resource directory's RVA 0x7000 is not in" },
        { opt + 128, 4, RSRC_RVA + (uint32_t)fx->rsrc.n - 8, TK_EPARSE,
          "is not in the file data of any section" },
        { rsrc_sect + 20, 4, 0xFFFFFE00, TK_EPARSE, "offset 4294966784: resource directory" },
        { rsrc_sect + 16, 4, 0xFFFFFFFF, 0, NULL }, /* raw size clamped by the virtual size */
        { rsrc_sect + 8, 4, 8, TK_EPARSE, "is not in the file data of any section" },
        { RSRC_FILE + 14, 2, 0xFFFF, TK_EPARSE, "resource directory at RVA 0x2010 (524288 bytes)" },
        { RSRC_FILE + 12, 2, 0, 0, NULL }, /* the named entry is then read as an ID entry */
        { RSRC_FILE + 14, 2, 0, TK_ENOENT, "no version resource" },
        { data_entry, 4, 0x10, TK_EPARSE, "version resource at RVA 0x10" },
        { data_entry, 4, 0xFFFFFFFF, TK_EPARSE, "version resource at RVA 0xffffffff" },
        { data_entry + 4, 4, 0, TK_EPARSE, "the version resource is empty" },
        { data_entry + 4, 4, 0xFFFFFFFF, TK_EPARSE, "version resource at RVA" },
        { data_entry + 4, 4, 3, TK_EPARSE, "shorter than a block header" },
        { ver, 2, 0, TK_EPARSE, "version resource of length 0" },
        { ver, 2, 5, TK_EPARSE, "version block shorter than its header" },
        { ver, 2, 0xFFFF, 0, NULL }, /* clamped to the resource's size */
        { ver, 2, 20, TK_EPARSE, "key without its terminating NUL" },
        { ver + 6, 2, 'X', TK_EPARSE, "without the key VS_VERSION_INFO" },
        { ver + 2, 2, 51, TK_EPARSE, "VS_FIXEDFILEINFO shorter than 52 bytes" },
        { ver + 40, 4, 0xFEEF04BE, TK_EPARSE, "without its signature 0xfeef04bd" },
    };
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char keep[4];
        memcpy(keep, fx->pe.b + cases[i].at, 4);
        if (cases[i].width == 2)
            tk_put_le16(fx->pe.b + cases[i].at, cases[i].value);
        else
            tk_put_le32(fx->pe.b + cases[i].at, cases[i].value);
        int rc = parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err);
        if (rc != cases[i].rc || (cases[i].msg && !strstr(err.msg, cases[i].msg)))
            fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i, rc, rc ? err.msg : "",
                     cases[i].rc, cases[i].msg ? cases[i].msg : "");
        check_outcome(rc, &v, &err);
        memcpy(fx->pe.b + cases[i].at, keep, 4);
        tk_arena_reset(&a);
    }
    tk_arena_release(&a);
    free(fx);
}

/* Entries of the wrong kind: data where a directory belongs and the other way round, and a
 * subdirectory that points back at the root (the fixed depth ends it). */
static void test_tree_kinds(void **state)
{
    (void)state;
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    static const struct pespec ps = { true, 0x8664 };
    static const struct rspec rs = { false, false, false };
    build_fixture(fx, &ps, &rs, &basic_ver);
    /* Layout with RT_VERSION alone: root (24 bytes), name dir at 24, language dir at 48. */
    unsigned char *root_entry = fx->pe.b + RSRC_FILE + 16 + 4;
    unsigned char *name_entry = fx->pe.b + RSRC_FILE + 24 + 16 + 4;
    unsigned char *lang_entry = fx->pe.b + RSRC_FILE + 48 + 16 + 4;
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err;
    assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err), 0);

    tk_put_le32(root_entry, 24);
    assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err), TK_EPARSE);
    assert_string_equal(err.msg, "test.exe: the RT_VERSION entry points to data where a "
                                 "directory belongs");
    tk_put_le32(root_entry, 0x80000000u | 24);
    tk_put_le32(name_entry, 48);
    assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "version name entry points to data"));
    tk_put_le32(name_entry, 0x80000000u | 48);
    tk_put_le32(lang_entry, 0x80000000u);
    assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "points to a directory where data belongs"));
    tk_put_le32(name_entry, 0x80000000u); /* back to the root: its first entry is a directory */
    assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err), TK_EPARSE);
    tk_put_le32(name_entry, 0x80000000u | 0x7FFFFFF0);
    assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "is not in the file data of any section"));
    tk_arena_release(&a);
    free(fx);
}

/* Data outside the resource section: the whole-file parse follows the RVA into .text, the
 * section-only parse refuses with a message that says so. */
static void test_other_section(void **state)
{
    (void)state;
    struct fixture *fx = new_fixture();
    /* .text grown to 4 KiB, so its file data runs on over .rsrc's: the version resource is
     * then also at .text's RVA 0x1200 + its offset in .rsrc, which the entry is set to. */
    size_t table = 0x80 + 24 + 240;
    tk_put_le32(fx->pe.b + table + 8, 0x1000);
    tk_put_le32(fx->pe.b + table + 16, 0x1000);
    uint32_t rva = 0x1200 + (uint32_t)(fx->rsrc.n - fx->ver.n);
    tk_put_le32(fx->pe.b + fx->version_entry, rva);
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err;
    assert_int_equal(parse_copy(fx->pe.b, fx->pe.n, &a, &v, &err), 0);
    expect_basic(&v);
    struct tk_pever_loc loc;
    assert_int_equal(tk_pever_locate(fx->pe.b, fx->pe.n, "test.exe", &loc, &err), 0);
    assert_int_equal(
        tk_pever_parse_rsrc(fx->pe.b + loc.off, loc.len, &loc, "test.exe", &a, &v, &err),
        TK_EPARSE);
    char want[64];
    snprintf(want, sizeof want, "RVA 0x%x", (unsigned)rva);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, "the resource section"));
    tk_arena_release(&a);
    free(fx);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    struct fixture *fx = new_fixture();
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err;
    tk_alloc_fail_after(0);
    int rc = tk_pever_parse(fx->pe.b, fx->pe.n, "test.exe", &a, &v, &err);
    tk_alloc_fail_after(-1);
    assert_int_equal(rc, TK_ENOMEM);
    assert_string_equal(err.msg, "test.exe: out of memory");
    tk_arena_release(&a);
    /* An arena too small for the strings refuses the same way. */
    tk_arena_init(&a, 8);
    assert_int_equal(tk_pever_parse(fx->pe.b, fx->pe.n, "test.exe", &a, &v, &err), TK_ENOMEM);
    tk_arena_release(&a);
    free(fx);
}

/* ---- programs from the mingw-w64 toolchain ---------------------------------------- */

static unsigned char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20;
    unsigned char *p = malloc(cap);
    assert_non_null(p);
    *n = fread(p, 1, cap, f);
    assert_false(ferror(f));
    assert_true(feof(f));
    fclose(f);
    return p;
}

/* tests/data/pever/version.rc, linked by tests/tools/mingw-pe.sh. */
static void check_mingw(const char *var, uint16_t machine, bool pe32plus)
{
    const char *path = getenv(var);
    size_t n = 0;
    unsigned char *p = path && *path ? read_file(path, &n) : NULL;
    if (!p || n == 0) {
        /* Not skip(): cmocka 1.1.5 reports it as "not ok ... # SKIP", which meson counts as
         * a failure, and this check must not need mingw. */
        print_message("# %s: no mingw-w64 program to read, not checked\n", var);
        free(p);
        return;
    }
    struct tk_arena a;
    tk_arena_init(&a, 1 << 20);
    struct tk_pever v;
    struct tk_err err;
    int rc = parse_copy(p, n, &a, &v, &err);
    if (rc)
        fail_msg("%s: %s", path, err.msg);
    assert_int_equal(v.machine, machine);
    assert_int_equal(v.pe32plus, pe32plus);
    assert_true(v.has_fixed);
    assert_string_equal(v.fixed_file_version, "10.20.30.40");
    assert_string_equal(v.fixed_product_version, "5.6.7.65535");
    assert_string_equal(v.lang, "041104b0");
    assert_string_equal(v.company_name, "テスト株式会社");
    assert_string_equal(v.file_description, "tenken test program");
    assert_string_equal(v.file_version, "10.20.30.40");
    assert_string_equal(v.product_name, "Tenken Test");
    assert_string_equal(v.product_version, "5.6 beta");

    /* The two-read path agrees, and the real file survives its prefixes too. */
    struct tk_pever_loc loc;
    struct tk_pever w;
    assert_int_equal(
        tk_pever_locate(p, n < TK_PEVER_HEAD_MAX ? n : TK_PEVER_HEAD_MAX, path, &loc, &err), 0);
    assert_true(loc.off <= n && loc.len <= n - loc.off);
    assert_int_equal(tk_pever_parse_rsrc(p + loc.off, loc.len, &loc, path, &a, &w, &err), 0);
    assert_true(same_result(&v, &w));
    for (size_t k = 0; k < n; k++) {
        rc = parse_copy(p, k, &a, &w, &err);
        if (rc == 0)
            assert_true(same_result(&v, &w));
        else
            assert_true(rc == TK_EPARSE || rc == TK_ENOENT);
        tk_arena_reset(&a);
    }
    tk_arena_release(&a);
    free(p);
}

static void test_mingw64(void **state)
{
    (void)state;
    check_mingw("PEVER_MINGW64", 0x8664, true);
}

static void test_mingw32(void **state)
{
    (void)state;
    check_mingw("PEVER_MINGW32", 0x14c, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pe32plus),      cmocka_unit_test(test_pe32),
        cmocka_unit_test(test_strings),       cmocka_unit_test(test_odd_values),
        cmocka_unit_test(test_no_version),    cmocka_unit_test(test_not_pe),
        cmocka_unit_test(test_locate),        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_every_byte),    cmocka_unit_test(test_random_damage),
        cmocka_unit_test(test_targeted),      cmocka_unit_test(test_tree_kinds),
        cmocka_unit_test(test_other_section), cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_mingw64),       cmocka_unit_test(test_mingw32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
