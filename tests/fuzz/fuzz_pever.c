/* fuzz_pever.c - the PE version resource parser (collect/pever.h).
 *
 * The first byte picks what the rest is. Even: a whole PE file, read with tk_pever_parse and
 * also the two-read way (tk_pever_locate on the head, tk_pever_parse_rsrc on the located
 * section's bytes); whenever the section alone gives an answer, the whole file must give the
 * same one. Odd: the bytes of a resource section at file offset 0x600 and RVA 0x2000 (where
 * tests/tools/mkpe.py puts .rsrc), so the fuzzer works on the resource tree and
 * VS_VERSIONINFO without first having to find PE headers. Every answer holds valid UTF-8 and
 * well-formed versions; every error is a known code with a message naming the input.
 *
 * Seeds (corpus/pever/) are mkpe.py output with the mode byte in front, e.g.
 *   { printf '\0'; cat a.exe; } and { printf '\1'; cat a.rsrc; } for mkpe.py --rsrc-only. */
#include <string.h>

#include "collect/pever.h"
#include "core/utf8.h"
#include "fuzz.h"

#define NAME "fuzz.exe"

static void check_text(const char *s)
{
    if (s)
        FUZZ_CHECK(tk_utf8_valid(s, strlen(s)));
}

static void check_version(const char *v)
{
    size_t n = strlen(v), dots = 0;
    FUZZ_CHECK(n < TK_PEVER_VERLEN);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK((v[i] >= '0' && v[i] <= '9') || v[i] == '.');
        dots += v[i] == '.';
    }
    FUZZ_CHECK(dots == 3);
}

static void check(int rc, const struct tk_pever *v, const struct tk_err *err)
{
    if (rc) {
        FUZZ_CHECK(rc == TK_EPARSE || rc == TK_ENOENT);
        FUZZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL);
        FUZZ_CHECK(strncmp(err->msg, NAME ": ", strlen(NAME) + 2) == 0);
        return;
    }
    if (v->has_fixed) {
        check_version(v->fixed_file_version);
        check_version(v->fixed_product_version);
    } else {
        FUZZ_CHECK(v->fixed_file_version[0] == '\0' && v->fixed_product_version[0] == '\0');
    }
    FUZZ_CHECK(strlen(v->lang) == 0 || strlen(v->lang) == 8);
    check_text(v->product_version);
    check_text(v->file_version);
    check_text(v->product_name);
    check_text(v->company_name);
    check_text(v->file_description);
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same(const struct tk_pever *a, const struct tk_pever *b)
{
    return a->machine == b->machine && a->pe32plus == b->pe32plus && a->has_fixed == b->has_fixed &&
           strcmp(a->fixed_file_version, b->fixed_file_version) == 0 &&
           strcmp(a->fixed_product_version, b->fixed_product_version) == 0 &&
           strcmp(a->lang, b->lang) == 0 && same_text(a->product_version, b->product_version) &&
           same_text(a->file_version, b->file_version) &&
           same_text(a->product_name, b->product_name) &&
           same_text(a->company_name, b->company_name) &&
           same_text(a->file_description, b->file_description);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int mode = data[0] & 1;
    data++;
    size--;
    struct tk_arena arena;
    tk_arena_init(&arena, 1 << 20);
    struct tk_pever whole, part;
    struct tk_err err;

    if (mode == 1) {
        struct tk_pever_loc loc = { 0x600, (uint32_t)size, 0x2000, 0x2000, 0x8664, true };
        int rc = tk_pever_parse_rsrc(data, size, &loc, NAME, &arena, &part, &err);
        if (size < 16)
            FUZZ_CHECK(rc == TK_EINVAL);
        else
            check(rc, &part, &err);
        tk_arena_release(&arena);
        return 0;
    }

    int rc = tk_pever_parse(data, size, NAME, &arena, &whole, &err);
    check(rc, &whole, &err);

    struct tk_pever_loc loc;
    size_t head = size < TK_PEVER_HEAD_MAX ? size : TK_PEVER_HEAD_MAX;
    int lrc = tk_pever_locate(data, head, NAME, &loc, &err);
    if (lrc == 0) {
        FUZZ_CHECK(loc.dir_rva >= loc.rva && loc.dir_rva - loc.rva < loc.len);
        /* The section's bytes as a capped read would return them. */
        size_t off = loc.off < size ? (size_t)loc.off : size;
        size_t n = size - off < loc.len ? size - off : loc.len;
        int prc = tk_pever_parse_rsrc(data + off, n, &loc, NAME, &arena, &part, &err);
        check(prc, &part, &err);
        if (prc == 0)
            FUZZ_CHECK(rc == 0 && same(&whole, &part));
    } else {
        FUZZ_CHECK(lrc == TK_EPARSE || lrc == TK_ENOENT);
    }
    tk_arena_release(&arena);
    return 0;
}
