/* pever.c - the PE version resource: headers -> the section holding the resources -> the
 * resource tree (type RT_VERSION, first name, first language) -> VS_VERSIONINFO. Layouts
 * are those of the Microsoft PE/COFF specification and the VS_VERSIONINFO documentation.
 * Every read goes through file_bytes(), which checks it against the bytes we were given,
 * and every walk has a fixed depth, so hostile files cost at most one linear pass. */
#include "collect/pever.h"

#include <string.h>

#include "core/buf.h"
#include "core/le.h"
#include "core/utf8.h"

#define RT_VERSION 16
#define DIR_RESOURCE 2 /* the resource table's index among the data directories */
#define COFF_SIZE 20
#define SECTION_SIZE 40
#define RES_DIR_SIZE 16
#define RES_ENTRY_SIZE 8
#define RES_DATA_SIZE 16
#define RES_SUBDIR 0x80000000u
#define FIXED_SIGNATURE 0xFEEF04BDu
#define FIXED_SIZE 52
#define BLOCK_HEAD 6    /* wLength, wValueLength, wType */
#define VER_MAX 0xFFFFu /* wLength is 16 bits: no version resource is longer */

/* A section as far as addressing goes: the RVAs [va, va + ext) are backed by the file bytes
 * from raw on. */
struct section {
    uint32_t va, ext;
    uint64_t raw;
};

/* The bytes we hold and how RVAs map into them. */
struct image {
    const unsigned char *p;
    size_t n;
    uint64_t base;              /* file offset of p[0] */
    const unsigned char *table; /* the section table (whole-file mode), else NULL */
    size_t nsects;
    struct section home; /* the resource section, tried first */
    const char *name;
    struct tk_err *err;
};

static const char *label(const char *name)
{
    return name ? name : "PE file";
}

static struct section section_at(const unsigned char *rec)
{
    struct section s = { tk_le32(rec + 12), tk_le32(rec + 16), tk_le32(rec + 20) };
    uint32_t vsize = tk_le32(rec + 8);
    /* Raw data is padded to the file alignment; past the virtual size it is not mapped. */
    if (vsize && vsize < s.ext)
        s.ext = vsize;
    return s;
}

static bool section_has(const struct section *s, uint64_t rva, uint64_t len)
{
    return rva >= s->va && rva - s->va <= s->ext && len <= s->ext - (rva - s->va);
}

/* The len bytes at file offset off, or TK_EPARSE when they are not all in what we hold. */
static int file_bytes(const struct image *im, uint64_t off, uint64_t len, const char *what,
                      const unsigned char **out)
{
    if (off < im->base || off - im->base > im->n || len > im->n - (off - im->base))
        return tk_err_set(im->err, TK_EPARSE,
                          "%s: offset %llu: %s (%llu bytes) lies past the end of the data "
                          "(%llu bytes)",
                          label(im->name), (unsigned long long)off, what, (unsigned long long)len,
                          (unsigned long long)(im->base + im->n));
    *out = im->p + (off - im->base);
    return 0;
}

static uint64_t offset_of(const struct image *im, const unsigned char *q)
{
    return im->base + (uint64_t)(q - im->p);
}

/* The len bytes at an RVA, looked up in the resource section first, then in the others. */
static int map_rva(const struct image *im, uint64_t rva, uint64_t len, const char *what,
                   const unsigned char **out)
{
    const struct section *s = NULL;
    struct section t;
    if (section_has(&im->home, rva, len))
        s = &im->home;
    for (size_t i = 0; !s && i < im->nsects; i++) {
        t = section_at(im->table + i * SECTION_SIZE);
        if (section_has(&t, rva, len))
            s = &t;
    }
    if (!s)
        return tk_err_set(im->err, TK_EPARSE,
                          "%s: %s at RVA 0x%llx (%llu bytes) is not in the file data of %s",
                          label(im->name), what, (unsigned long long)rva, (unsigned long long)len,
                          im->table ? "any section" : "the resource section");
    return file_bytes(im, s->raw + (rva - s->va), len, what, out);
}

/* ---- headers ----------------------------------------------------------------------- */

struct headers {
    uint16_t machine;
    bool pe32plus;
    const unsigned char *table;
    size_t nsects;
    uint32_t dir_rva;
    struct section home;
};

static int parse_headers(const unsigned char *p, size_t n, const char *name, struct headers *h,
                         struct tk_err *err)
{
    const char *nm = label(name);
    if (n < 64 || p[0] != 'M' || p[1] != 'Z')
        return tk_err_set(err, TK_EPARSE, "%s: offset 0: not a PE file (no MZ header)", nm);
    uint64_t pe = tk_le32(p + 0x3C);
    if (pe > n || n - pe < 4 + COFF_SIZE)
        return tk_err_set(err, TK_EPARSE,
                          "%s: offset 60: the PE header offset %llu lies past the end of the "
                          "data (%llu bytes)",
                          nm, (unsigned long long)pe, (unsigned long long)n);
    if (memcmp(p + pe, "PE\0\0", 4) != 0)
        return tk_err_set(err, TK_EPARSE, "%s: offset %llu: no PE signature", nm,
                          (unsigned long long)pe);
    const unsigned char *coff = p + pe + 4;
    h->machine = tk_le16(coff);
    h->nsects = tk_le16(coff + 2);
    uint16_t optsize = tk_le16(coff + 16);
    uint64_t opt = pe + 4 + COFF_SIZE;
    if (optsize > n - opt)
        return tk_err_set(err, TK_EPARSE,
                          "%s: offset %llu: the optional header (%u bytes) lies past the end of "
                          "the data (%llu bytes)",
                          nm, (unsigned long long)opt, optsize, (unsigned long long)n);
    if (optsize < 2)
        return tk_err_set(err, TK_EPARSE, "%s: offset %llu: no optional header", nm,
                          (unsigned long long)opt);
    uint16_t magic = tk_le16(p + opt);
    size_t count_at, dirs_at;
    if (magic == 0x10b) {
        h->pe32plus = false;
        count_at = 92; /* NumberOfRvaAndSizes after the PE32 fields */
        dirs_at = 96;
    } else if (magic == 0x20b) {
        h->pe32plus = true;
        count_at = 108; /* PE32+ has 64-bit ImageBase and stack/heap sizes, no BaseOfData */
        dirs_at = 112;
    } else {
        return tk_err_set(err, TK_EPARSE, "%s: offset %llu: unknown optional header magic 0x%x", nm,
                          (unsigned long long)opt, magic);
    }
    if (optsize < dirs_at)
        return tk_err_set(err, TK_EPARSE,
                          "%s: offset %llu: the optional header (%u bytes) is too short for "
                          "its magic 0x%x",
                          nm, (unsigned long long)opt, optsize, magic);
    uint64_t table = opt + optsize;
    if ((uint64_t)h->nsects * SECTION_SIZE > n - table)
        return tk_err_set(err, TK_EPARSE,
                          "%s: offset %llu: the section table (%u sections) lies past the end "
                          "of the data (%llu bytes)",
                          nm, (unsigned long long)table, (unsigned)h->nsects,
                          (unsigned long long)n);
    h->table = p + table;
    uint32_t ndirs = tk_le32(p + opt + count_at);
    uint64_t dir = dirs_at + (uint64_t)DIR_RESOURCE * 8;
    if (ndirs <= DIR_RESOURCE)
        return tk_err_set(err, TK_ENOENT, "%s: no resource directory (%u data directories)", nm,
                          ndirs);
    if (dir + 8 > optsize)
        return tk_err_set(err, TK_EPARSE,
                          "%s: offset %llu: the resource table entry lies past the optional "
                          "header (%u bytes)",
                          nm, (unsigned long long)(opt + dir), optsize);
    h->dir_rva = tk_le32(p + opt + dir);
    if (h->dir_rva == 0)
        return tk_err_set(err, TK_ENOENT, "%s: no resource directory", nm);
    for (size_t i = 0; i < h->nsects; i++) {
        h->home = section_at(h->table + i * SECTION_SIZE);
        if (section_has(&h->home, h->dir_rva, RES_DIR_SIZE))
            return 0;
    }
    return tk_err_set(err, TK_EPARSE,
                      "%s: offset %llu: the resource directory's RVA 0x%x is not in the file "
                      "data of any section",
                      nm, (unsigned long long)(opt + dir), h->dir_rva);
}

/* ---- the resource tree ------------------------------------------------------------- */

/* The entry of the directory at dir_rva + off whose ID is want, or its first entry when want
 * is negative; *target is the entry's OffsetToData. */
static int tree_entry(const struct image *im, uint32_t dir_rva, uint32_t off, long want,
                      const char *what, uint32_t *target)
{
    const unsigned char *d, *e;
    uint64_t at = (uint64_t)dir_rva + off;
    int rc = map_rva(im, at, RES_DIR_SIZE, what, &d);
    if (rc)
        return rc;
    size_t count = (size_t)tk_le16(d + 12) + tk_le16(d + 14); /* named entries, then ID entries */
    if (count == 0)
        return tk_err_set(im->err, TK_ENOENT, "%s: offset %llu: %s has no entries", label(im->name),
                          (unsigned long long)offset_of(im, d), what);
    rc = map_rva(im, at + RES_DIR_SIZE, (uint64_t)count * RES_ENTRY_SIZE, what, &e);
    if (rc)
        return rc;
    for (size_t i = 0; i < count; i++, e += RES_ENTRY_SIZE) {
        uint32_t id = tk_le32(e);
        if (want < 0 || (!(id & RES_SUBDIR) && id == (unsigned long)want)) {
            *target = tk_le32(e + 4);
            return 0;
        }
    }
    return tk_err_set(im->err, TK_ENOENT, "%s: no version resource", label(im->name));
}

static int expect_subdir(const struct image *im, uint32_t target, const char *what)
{
    if (target & RES_SUBDIR)
        return 0;
    return tk_err_set(im->err, TK_EPARSE,
                      "%s: the %s entry points to data where a directory belongs", label(im->name),
                      what);
}

/* The version resource's bytes: type RT_VERSION, its first name, that name's first language. */
static int find_version(const struct image *im, uint32_t dir_rva, const unsigned char **ver,
                        size_t *len)
{
    uint32_t t;
    int rc = tree_entry(im, dir_rva, 0, RT_VERSION, "resource directory", &t);
    if (!rc)
        rc = expect_subdir(im, t, "RT_VERSION");
    if (!rc)
        rc = tree_entry(im, dir_rva, t & ~RES_SUBDIR, -1, "RT_VERSION directory", &t);
    if (!rc)
        rc = expect_subdir(im, t, "version name");
    if (!rc)
        rc = tree_entry(im, dir_rva, t & ~RES_SUBDIR, -1, "version language directory", &t);
    if (rc)
        return rc;
    if (t & RES_SUBDIR)
        return tk_err_set(im->err, TK_EPARSE,
                          "%s: the version language entry points to a directory where data "
                          "belongs",
                          label(im->name));
    const unsigned char *data;
    rc = map_rva(im, (uint64_t)dir_rva + t, RES_DATA_SIZE, "resource data entry", &data);
    if (rc)
        return rc;
    uint32_t size = tk_le32(data + 4);
    if (size == 0)
        return tk_err_set(im->err, TK_EPARSE, "%s: offset %llu: the version resource is empty",
                          label(im->name), (unsigned long long)offset_of(im, data));
    /* Nothing past the first 64 KiB can belong to it, so a wrong size costs nothing. */
    *len = size < VER_MAX ? size : VER_MAX;
    return map_rva(im, tk_le32(data), *len, "version resource", ver);
}

/* ---- VS_VERSIONINFO ---------------------------------------------------------------- */

/* The version resource's bytes; offsets are relative to v, which is how the format aligns. */
struct vres {
    const unsigned char *v;
    size_t n;
    const struct image *im;
    struct tk_arena *arena;
};

/* One block: wLength, wValueLength, wType, a NUL-terminated UTF-16 key, the value, the
 * children, each start 32-bit aligned. */
struct vblock {
    size_t end;       /* past the block, clamped to its parent's end */
    size_t key, nkey; /* the key's offset and length in UTF-16 units, without the NUL */
    size_t val, nval; /* the value's offset and its bytes within the block */
    bool has_val;     /* wValueLength is not 0 */
    size_t kids;      /* the first child's offset */
};

static size_t align4(size_t x)
{
    return (x + 3) & ~(size_t)3;
}

static int vres_error(const struct vres *r, size_t off, const char *what)
{
    return tk_err_set(r->im->err, TK_EPARSE, "%s: offset %llu: %s", label(r->im->name),
                      (unsigned long long)(offset_of(r->im, r->v) + off), what);
}

/* Reads the block at off, which must leave BLOCK_HEAD bytes before limit. Returns 0, 1 for
 * a zero length (padding that ends a list), or TK_EPARSE. */
static int vblock_read(const struct vres *r, size_t off, size_t limit, struct vblock *b)
{
    const unsigned char *h = r->v + off;
    size_t len = tk_le16(h), vlen = tk_le16(h + 2), type = tk_le16(h + 4);
    if (len == 0)
        return 1;
    if (len < BLOCK_HEAD)
        return vres_error(r, off, "version block shorter than its header");
    /* A child longer than its parent is cut at the parent's end: nothing reads past it. */
    b->end = limit - off < len ? limit : off + len;
    b->key = off + BLOCK_HEAD;
    for (b->nkey = 0;; b->nkey++) {
        size_t at = b->key + 2 * b->nkey;
        if (b->end - at < 2)
            return vres_error(r, off, "version block key without its terminating NUL");
        if (tk_le16(r->v + at) == 0)
            break;
    }
    /* wValueLength counts UTF-16 units in text values (wType 1), bytes in binary ones. */
    size_t vbytes = type == 1 ? 2 * vlen : vlen;
    b->val = align4(b->key + 2 * (b->nkey + 1));
    if (b->val > b->end)
        b->val = b->end;
    b->nval = b->end - b->val < vbytes ? b->end - b->val : vbytes;
    b->has_val = vlen != 0;
    b->kids = align4(b->val + vbytes);
    if (b->kids > b->end)
        b->kids = b->end;
    return 0;
}

/* The next child of parent at *off, advancing *off; 0 with b filled, 1 at the end. */
static int vblock_next(const struct vres *r, const struct vblock *parent, size_t *off,
                       struct vblock *b)
{
    if (*off >= parent->end || parent->end - *off < BLOCK_HEAD)
        return 1;
    int rc = vblock_read(r, *off, parent->end, b);
    if (rc == 0)
        *off = align4(b->end); /* b->end > *off: every step moves forward */
    return rc;
}

static bool key_is(const struct vres *r, const struct vblock *b, const char *want)
{
    size_t n = strlen(want);
    if (b->nkey != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tk_le16(r->v + b->key + 2 * i) != (unsigned char)want[i])
            return false;
    return true;
}

/* The block's text value as UTF-8 in the arena: up to its NUL or the block's end, whatever
 * wValueLength says beyond "not 0" (resource compilers disagree on its unit and on wType). */
static int text_value(const struct vres *r, const struct vblock *b, const char **out)
{
    size_t n = b->has_val ? b->end - b->val : 0;
    /* At most 3 bytes of UTF-8 per unit (a surrogate pair takes 4 for 2 units). */
    struct tk_buf u8 = TK_BUF_INIT(3 * (n / 2) + 1);
    int rc = n ? tk_utf16le_to_utf8(r->v + b->val, n, &u8) : 0;
    char *s = rc ? NULL : tk_arena_strndup(r->arena, tk_buf_cstr(&u8), u8.len);
    tk_buf_release(&u8);
    if (!s)
        return tk_err_set(r->im->err, TK_ENOMEM, "%s: out of memory", label(r->im->name));
    *out = s;
    return 0;
}

static const struct {
    const char *key;
    size_t field;
} strings[] = {
    { "ProductVersion", offsetof(struct tk_pever, product_version) },
    { "FileVersion", offsetof(struct tk_pever, file_version) },
    { "ProductName", offsetof(struct tk_pever, product_name) },
    { "CompanyName", offsetof(struct tk_pever, company_name) },
    { "FileDescription", offsetof(struct tk_pever, file_description) },
};

static int read_table(const struct vres *r, const struct vblock *table, struct tk_pever *out)
{
    /* The key names language and code page as 8 hex digits; anything else is left out. */
    bool hex = table->nkey == 8;
    for (size_t i = 0; hex && i < 8; i++) {
        uint16_t c = tk_le16(r->v + table->key + 2 * i);
        hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        out->lang[i] = (char)c;
    }
    out->lang[hex ? 8 : 0] = '\0';
    size_t off = table->kids;
    struct vblock b;
    int rc;
    while ((rc = vblock_next(r, table, &off, &b)) == 0) {
        for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
            const char **field = (const char **)((char *)out + strings[i].field);
            if (!*field && key_is(r, &b, strings[i].key)) {
                if ((rc = text_value(r, &b, field)) != 0)
                    return rc;
                break;
            }
        }
    }
    return rc < 0 ? rc : 0;
}

static void format_version(char out[TK_PEVER_VERLEN], uint32_t ms, uint32_t ls)
{
    unsigned part[4] = { ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF };
    char *o = out;
    for (int i = 0; i < 4; i++) {
        char digits[5];
        size_t nd = 0;
        do {
            digits[nd++] = (char)('0' + part[i] % 10);
            part[i] /= 10;
        } while (part[i]);
        if (i)
            *o++ = '.';
        while (nd)
            *o++ = digits[--nd];
    }
    *o = '\0';
}

static int read_versioninfo(const struct vres *r, struct tk_pever *out)
{
    struct vblock root;
    if (r->n < BLOCK_HEAD)
        return vres_error(r, 0, "version resource shorter than a block header");
    int rc = vblock_read(r, 0, r->n, &root);
    if (rc == 1)
        return vres_error(r, 0, "version resource of length 0");
    if (rc)
        return rc;
    if (!key_is(r, &root, "VS_VERSION_INFO"))
        return vres_error(r, 0, "version resource without the key VS_VERSION_INFO");
    if (root.has_val) {
        const unsigned char *f = r->v + root.val;
        if (root.nval < FIXED_SIZE)
            return vres_error(r, root.val, "VS_FIXEDFILEINFO shorter than 52 bytes");
        if (tk_le32(f) != FIXED_SIGNATURE)
            return vres_error(r, root.val, "VS_FIXEDFILEINFO without its signature 0xfeef04bd");
        out->has_fixed = true;
        format_version(out->fixed_file_version, tk_le32(f + 8), tk_le32(f + 12));
        format_version(out->fixed_product_version, tk_le32(f + 16), tk_le32(f + 20));
    }
    size_t off = root.kids;
    struct vblock info;
    while ((rc = vblock_next(r, &root, &off, &info)) == 0) {
        if (!key_is(r, &info, "StringFileInfo"))
            continue; /* VarFileInfo: the translations, not needed */
        size_t toff = info.kids;
        struct vblock table;
        rc = vblock_next(r, &info, &toff, &table);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return read_table(r, &table, out);
    }
    return rc < 0 ? rc : 0;
}

/* ---- entry points ------------------------------------------------------------------ */

static int read_resources(const struct image *im, uint32_t dir_rva, struct tk_arena *arena,
                          struct tk_pever *out)
{
    const unsigned char *ver = NULL;
    size_t len = 0;
    int rc = find_version(im, dir_rva, &ver, &len);
    if (rc)
        return rc;
    struct vres r = { ver, len, im, arena };
    return read_versioninfo(&r, out);
}

int tk_pever_locate(const void *data, size_t n, const char *name, struct tk_pever_loc *loc,
                    struct tk_err *err)
{
    struct headers h;
    memset(loc, 0, sizeof *loc);
    int rc = parse_headers(data, n, name, &h, err);
    if (rc)
        return rc;
    loc->off = h.home.raw;
    loc->len = h.home.ext;
    loc->rva = h.home.va;
    loc->dir_rva = h.dir_rva;
    loc->machine = h.machine;
    loc->pe32plus = h.pe32plus;
    return 0;
}

int tk_pever_parse(const void *data, size_t n, const char *name, struct tk_arena *arena,
                   struct tk_pever *out, struct tk_err *err)
{
    struct headers h;
    memset(out, 0, sizeof *out);
    int rc = parse_headers(data, n, name, &h, err);
    if (rc)
        return rc;
    out->machine = h.machine;
    out->pe32plus = h.pe32plus;
    struct image im = { data, n, 0, h.table, h.nsects, h.home, name, err };
    return read_resources(&im, h.dir_rva, arena, out);
}

int tk_pever_parse_rsrc(const void *sec, size_t n, const struct tk_pever_loc *loc, const char *name,
                        struct tk_arena *arena, struct tk_pever *out, struct tk_err *err)
{
    memset(out, 0, sizeof *out);
    struct section home = { loc->rva, loc->len, loc->off };
    if (!section_has(&home, loc->dir_rva, RES_DIR_SIZE))
        return tk_err_set(err, TK_EINVAL,
                          "%s: the resource directory's RVA 0x%x is outside the section given",
                          label(name), loc->dir_rva);
    out->machine = loc->machine;
    out->pe32plus = loc->pe32plus;
    struct image im = { sec, n, loc->off, NULL, 0, home, name, err };
    return read_resources(&im, loc->dir_rva, arena, out);
}
