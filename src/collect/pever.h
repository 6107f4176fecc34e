/* pever.h - the version resource of a Windows PE file (EXE or DLL, PE32 or PE32+), read from
 * bytes the caller already holds: VS_FIXEDFILEINFO's file and product versions and the main
 * strings of the first StringFileInfo table. A pure parser for hostile input (every offset
 * and length is checked against the bytes given, the tree has a fixed depth), so it serves
 * offline Windows images on Linux and a native Windows build alike, and the fuzz harness.
 *
 * What it needs of the file: the headers (DOS stub, PE headers, section table; in practice
 * the first 4 KiB, never more than the first 64 KiB for ordinary linkers) and the section
 * holding the resources (.rsrc, usually near the end of the image). Either hand over the whole
 * file (tk_pever_parse, e.g. a tk_buf's ptr and len), or read the head, ask tk_pever_locate
 * where the resources are and read just that range (tk_pever_parse_rsrc): large programs
 * then cost two small reads instead of the whole file. */
#ifndef TK_COLLECT_PEVER_H
#define TK_COLLECT_PEVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

/* "65535.65535.65535.65535" and its NUL. */
#define TK_PEVER_VERLEN 24

/* Bytes of the file worth reading for tk_pever_locate: the headers of any ordinary PE file
 * fit (a shorter file is read whole). */
#define TK_PEVER_HEAD_MAX ((size_t)64 << 10)

struct tk_pever {
    uint16_t machine; /* COFF machine: 0x14c x86, 0x8664 x64, 0xaa64 ARM64, ... */
    bool pe32plus;    /* optional header magic 0x20b (64-bit image) rather than 0x10b */

    /* VS_FIXEDFILEINFO, as "a.b.c.d" with decimal parts; "" when the resource has none. */
    bool has_fixed;
    char fixed_file_version[TK_PEVER_VERLEN];
    char fixed_product_version[TK_PEVER_VERLEN];

    /* The first StringFileInfo table: its key, 8 hex digits of language and code page
     * ("040904b0"), "" when there is no table. */
    char lang[9];
    /* Its strings converted from UTF-16LE to UTF-8 (unpaired surrogates become U+FFFD; a
     * value ends at its NUL or its block's end; "" when its declared length is 0), NULL
     * when the table lacks the key; allocated in the arena given to the parser. The text is
     * the file's: escape it at every output. */
    const char *product_version;  /* "ProductVersion" */
    const char *file_version;     /* "FileVersion" */
    const char *product_name;     /* "ProductName" */
    const char *company_name;     /* "CompanyName" */
    const char *file_description; /* "FileDescription" */
};

/* Where the resource section lies in the file, from the headers alone. */
struct tk_pever_loc {
    uint64_t off;     /* file offset of the section holding the resource directory */
    uint32_t len;     /* its bytes in the file: read [off, off + len) */
    uint32_t rva;     /* the section's relative virtual address */
    uint32_t dir_rva; /* the resource directory's, inside [rva, rva + len) */
    uint16_t machine;
    bool pe32plus;
};

/* Reads the version resource of the PE file in data[0..n) (the whole file, or a prefix of
 * it: whatever lies past n is treated as missing). name labels messages (a path; NULL
 * gives "PE file"). Strings go into arena and live as long as it does; out is always
 * cleared first. Returns 0; TK_ENOENT when the file has no resource directory or no
 * version resource; TK_EPARSE for anything malformed or out of bounds (err names what and
 * the file offset); TK_ENOMEM when the arena refuses. */
int tk_pever_parse(const void *data, size_t n, const char *name, struct tk_arena *arena,
                   struct tk_pever *out, struct tk_err *err);

/* Finds the resource section from the head of the file (data[0..n), see
 * TK_PEVER_HEAD_MAX). Returns 0 and fills loc; TK_ENOENT when there is no resource
 * directory; TK_EPARSE when the headers are malformed or do not fit in n bytes. */
int tk_pever_locate(const void *data, size_t n, const char *name, struct tk_pever_loc *loc,
                    struct tk_err *err);

/* Reads the version resource from the section bytes sec[0..n), read from loc->off (n may be
 * less than loc->len when the caller capped the read). Everything must lie in that section,
 * which linkers always arrange; otherwise TK_EPARSE (tk_pever_parse on the whole file
 * follows RVAs into any section). Same results and ownership as tk_pever_parse. */
int tk_pever_parse_rsrc(const void *sec, size_t n, const struct tk_pever_loc *loc, const char *name,
                        struct tk_arena *arena, struct tk_pever *out, struct tk_err *err);

#endif
