/* test_ioc.c - IOC lists (scan/ioc.h): LOKI/THOR text formats with their quirks, file-name
 * patterns and their case rules, C2 addresses, ranges and domains, STIX 2.1 bundles, and
 * warnings that name file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "core/hash.h"
#include "scan/ioc.h"

struct fx {
    struct tk_iocs *s;
    struct tk_buf warnings;
};

static int setup(void **state)
{
    static struct fx f;
    f.warnings = (struct tk_buf)TK_BUF_INIT(1 << 20);
    assert_int_equal(tk_iocs_new(&f.s, &f.warnings, NULL), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tk_iocs_free(f->s);
    tk_buf_release(&f->warnings);
    return 0;
}

static void load(struct fx *f, enum tk_ioc_kind k, const char *name, const char *text)
{
    assert_int_equal(tk_iocs_load_text(f->s, k, name, text, strlen(text), NULL), 0);
}

static const char *const MD5_A = "0123456789abcdef0123456789abcdef";
static const char *const SHA1_A = "0123456789abcdef0123456789abcdef01234567";

static void test_hash_lists(void **state)
{
    struct fx *f = *state;
    load(f, TK_IOC_HASH, "h.txt",
         "# Group A\n"
         "0123456789ABCDEF0123456789ABCDEF;Upper-case hex is fine\n"
         "0123456789abcdef0123456789abcdef01234567;55;three columns\n"
         "# Group B\n"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;the 2nd field 5x is a "
         "comment;with a semicolon\n"
         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
         "not-a-hash;x\n"
         "0123;too short\n");
    const struct tk_ioc *a = tk_iocs_find_hash(f->s, MD5_A);
    assert_non_null(a);
    assert_int_equal(a->score, 100); /* default */
    assert_string_equal(a->description, "Upper-case hex is fine");
    assert_string_equal(a->source, "h.txt:2");
    const struct tk_ioc *b = tk_iocs_find_hash(f->s, SHA1_A);
    assert_non_null(b);
    assert_int_equal(b->score, 55);
    assert_string_equal(b->description, "three columns");
    const struct tk_ioc *c =
        tk_iocs_find_hash(f->s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_non_null(c);
    assert_int_equal(c->score, 100);
    const struct tk_ioc *d =
        tk_iocs_find_hash(f->s, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert_non_null(d);
    assert_string_equal(d->description, "Group B"); /* the comment above */
    assert_int_equal(tk_iocs_counts(f->s).hashes, 4);
    assert_int_equal(tk_iocs_counts(f->s).warnings, 2);
    assert_non_null(strstr(tk_buf_cstr(&f->warnings), "h.txt:7: not an MD5"));
    assert_non_null(strstr(tk_buf_cstr(&f->warnings), "h.txt:8: not an MD5"));
}

static void test_trivial_hashes_ignored(void **state)
{
    struct fx *f = *state;
    struct tk_digests empty, nl;
    assert_int_equal(tk_hash3("", 0, &empty), 0);
    assert_int_equal(tk_hash3("\n", 1, &nl), 0);
    struct tk_buf t = TK_BUF_INIT(4096);
    tk_buf_addf(&t, "%s;empty file\n%s;newline\n%s\n", empty.md5, nl.sha256, empty.sha1);
    load(f, TK_IOC_HASH, "t.txt", tk_buf_cstr(&t));
    tk_buf_release(&t);
    assert_null(tk_iocs_find_hash(f->s, empty.md5));
    assert_null(tk_iocs_find_hash(f->s, nl.sha256));
    assert_int_equal(tk_iocs_counts(f->s).hashes, 0);
}

static size_t fmatch(struct fx *f, const char *path, const struct tk_ioc **hits)
{
    struct tk_ioc_scratch *x = tk_ioc_scratch_new(f->s);
    assert_non_null(x);
    size_t n = tk_iocs_match_filename(f->s, x, path, hits, 8);
    tk_ioc_scratch_free(x);
    return n;
}

static void test_filename_patterns(void **state)
{
    struct fx *f = *state;
    load(f, TK_IOC_FILENAME, "f.txt",
         "# Plain words match in any case\n"
         "evilkit;70\n"
         "# With metacharacters: case-sensitive unless (?i)\n"
         "/tmp/\\.x[0-9]+$;80\n"
         "(?i)/TMP/DROP\\.sh$;60\n"
         "# Windows separators also match /\n"
         "\\\\Temp\\\\run\\.exe$;65\n"
         "# Known good place lowers the total\n"
         "\\\\SysInternals\\\\psexec\\.exe;-60\n"
         "psexec\\.exe$;70;/opt/admin/\n"
         "bad(regex;50\n"
         "nosuchscore;abc\n");
    const struct tk_ioc *h[8];
    assert_int_equal(fmatch(f, "/home/u/EvilKit/x", h), 1);
    assert_int_equal(h[0]->score, 70);
    assert_string_equal(h[0]->description, "Plain words match in any case");
    assert_int_equal(fmatch(f, "/tmp/.x12", h), 1);
    assert_int_equal(fmatch(f, "/TMP/.x12", h), 0);
    assert_int_equal(fmatch(f, "/tmp/drop.SH", h), 1);
    assert_int_equal(fmatch(f, "/mnt/c/Windows/Temp/run.exe", h), 1);
    assert_int_equal(fmatch(f, "C:\\Windows\\Temp\\run.exe", h), 1);
    /* Both psexec entries match here; the false-positive regex drops the second one. */
    assert_int_equal(fmatch(f, "/mnt/c/SysInternals/psexec.exe", h), 2);
    assert_int_equal(fmatch(f, "/opt/admin/psexec.exe", h), 0);
    assert_int_equal(tk_iocs_counts(f->s).filenames, 6);
    assert_int_equal(tk_iocs_counts(f->s).warnings, 2);
    assert_non_null(strstr(tk_buf_cstr(&f->warnings), "f.txt:11: bad regex"));
    assert_non_null(strstr(tk_buf_cstr(&f->warnings), "f.txt:12: score must be"));
}

/* The literal prefilter changes which patterns run, never what matches: every path gets the
 * same hits, in the same order, as with every pattern run on it. */
static void test_filename_prefilter_changes_nothing(void **state)
{
    struct fx *f = *state;
    load(f, TK_IOC_FILENAME, "p.txt",
         "mimikatz\n"
         "\\\\(?:Temp|tmp)\\\\[a-z]{1,3}\\\\svchost\\.exe$;80\n"
         "(?i)\\\\AppData\\\\Roaming\\\\[^\\\\]+\\.(vbs|js|hta)$;60\n"
         "/\\.(ICE|x11)-unix/[a-z]{8}$;70\n"
         "(kdevtmpfsi|kinsing|xmrig)$\n"
         "\\.[a-z]{2}$;10\n"
         "^/dev/shm/\\.;50\n"
         "Desk\\.exe;40\n"
         "procdump(64)?\\.exe;55;\\\\SysInternals\\\\\n"
         "[Cc]obalt[Ss]trike;90\n"
         "desktop;20\n");
    static const char *const paths[] = {
        "/home/u/Downloads/mimikatz.zip", "/home/u/Downloads/MIMIKATZ.ZIP",
        "C:\\Windows\\Temp\\ab\\svchost.exe", "/mnt/c/Windows/tmp/x/svchost.exe",
        "C:\\Users\\a\\AppData\\Roaming\\evil.VBS", "/tmp/.ICE-unix/abcdefgh",
        "/var/tmp/kinsing", "/usr/bin/xmrig", "/etc/passwd.gz", "/dev/shm/.x", "/opt/Desk.exe",
        "/opt/DESK.exe", "/opt/De\xc5\xbfk.exe", "/opt/DE\xc5\xbfKTOP/x", "C:\\tools\\procdump64.exe",
        "C:\\SysInternals\\procdump.exe", "/srv/CobaltStrike/beacon", "/srv/cobaltstrike",
        "", "/", "/home/u/.bashrc",
    };
    struct tk_ioc_scratch *on = tk_ioc_scratch_new(f->s), *off = tk_ioc_scratch_new_unfiltered(f->s);
    assert_non_null(on);
    assert_non_null(off);
    size_t total = 0;
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        const struct tk_ioc *a[16], *b[16];
        size_t na = tk_iocs_match_filename(f->s, on, paths[i], a, 16);
        size_t nb = tk_iocs_match_filename(f->s, off, paths[i], b, 16);
        assert_int_equal(na, nb);
        for (size_t k = 0; k < na; k++)
            assert_ptr_equal(a[k], b[k]);
        total += na;
    }
    assert_int_equal(total, 15); /* long s too: U+017F matches s without regard to case */
    tk_ioc_scratch_free(on);
    tk_ioc_scratch_free(off);
}

static void test_c2(void **state)
{
    struct fx *f = *state;
    load(f, TK_IOC_C2, "c2.txt",
         "# Operation X\n"
         "evil.example.com\n"
         "198.51.100.7;90\n"
         "2001:db8::dead\n"
         "203.0.113.0/24;80\n"
         "203.0.113.128/25;85\n"
         "203.0.113.7/16;60\n"
         "2001:db8:beef::/48;70\n"
         "# too short, a bad range, junk\n"
         "a.b\n"
         "10.0.0.0/33\n"
         "not a domain!\n");
    struct tk_ip ip;
    assert_true(tk_ip_parse(tk_str_c("198.51.100.7"), &ip));
    const struct tk_ioc *i = tk_iocs_find_ip(f->s, &ip);
    assert_non_null(i);
    assert_int_equal(i->score, 90);
    assert_true(tk_ip_parse(tk_str_c("203.0.113.200"), &ip));
    assert_non_null(tk_iocs_find_ip(f->s, &ip));
    /* the most specific range wins; a range written with host bits set still counts */
    assert_int_equal(tk_iocs_find_ip(f->s, &ip)->score, 85);
    assert_true(tk_ip_parse(tk_str_c("203.0.113.5"), &ip));
    assert_int_equal(tk_iocs_find_ip(f->s, &ip)->score, 80);
    assert_true(tk_ip_parse(tk_str_c("203.0.114.1"), &ip));
    assert_int_equal(tk_iocs_find_ip(f->s, &ip)->score, 60);
    assert_true(tk_ip_parse(tk_str_c("203.1.0.1"), &ip));
    assert_null(tk_iocs_find_ip(f->s, &ip));
    assert_true(tk_ip_parse(tk_str_c("2001:db8:beef:1::9"), &ip));
    assert_int_equal(tk_iocs_find_ip(f->s, &ip)->score, 70);
    assert_true(tk_ip_parse(tk_str_c("2001:db8:bef0::1"), &ip));
    assert_null(tk_iocs_find_ip(f->s, &ip));
    assert_true(tk_ip_parse(tk_str_c("2001:db8:0::DEAD"), &ip)); /* canonical form compared */
    assert_non_null(tk_iocs_find_ip(f->s, &ip));
    const struct tk_ioc *d = tk_iocs_find_domain(f->s, "EVIL.example.com.");
    assert_non_null(d);
    assert_string_equal(d->description, "Operation X");
    assert_non_null(tk_iocs_find_domain(f->s, "cdn.evil.example.com"));
    assert_null(tk_iocs_find_domain(f->s, "example.com"));
    assert_null(tk_iocs_find_domain(f->s, "notevil.example.com.org"));
    assert_int_equal(tk_iocs_counts(f->s).c2, 7);
    assert_int_equal(tk_iocs_counts(f->s).warnings, 3);
}

static void test_stix(void **state)
{
    struct fx *f = *state;
    const char *bundle =
        "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
        "{\"type\":\"indicator\",\"name\":\"Dropper\",\"pattern_type\":\"stix\",\"confidence\":85,"
        " \"pattern\":\"[file:hashes.'SHA-256' = "
        "'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc'] OR "
        "[file:hashes.MD5 = 'dddddddddddddddddddddddddddddddd']\"},"
        "{\"type\":\"indicator\",\"pattern_type\":\"stix\",\"description\":\"C2 server\","
        " \"pattern\":\"[domain-name:value = 'c2.example.net']\"},"
        "{\"type\":\"indicator\",\"pattern_type\":\"stix\","
        " \"pattern\":\"[url:value = 'https://user@198.51.100.9:8443/gate.php']\"},"
        "{\"type\":\"indicator\",\"pattern_type\":\"stix\","
        " \"pattern\":\"[file:name = 'payload.bin']\"},"
        "{\"type\":\"indicator\",\"pattern_type\":\"stix\","
        " \"pattern\":\"[file:name = 'a.exe' AND file:size > 100]\"},"
        "{\"type\":\"indicator\",\"pattern_type\":\"sigma\",\"pattern\":\"title: x\"},"
        "{\"type\":\"malware\",\"name\":\"not an indicator\"}]}";
    assert_int_equal(tk_iocs_load_stix(f->s, "b.json", bundle, strlen(bundle), NULL), 0);
    const struct tk_ioc *h =
        tk_iocs_find_hash(f->s, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
    assert_non_null(h);
    assert_int_equal(h->score, 85);
    assert_string_equal(h->description, "Dropper");
    assert_non_null(tk_iocs_find_hash(f->s, "dddddddddddddddddddddddddddddddd"));
    assert_non_null(tk_iocs_find_domain(f->s, "www.c2.example.net"));
    struct tk_ip ip;
    assert_true(tk_ip_parse(tk_str_c("198.51.100.9"), &ip));
    assert_non_null(tk_iocs_find_ip(f->s, &ip));
    const struct tk_ioc *hits[4];
    assert_int_equal(fmatch(f, "/tmp/x/payload.bin", hits), 1);
    assert_int_equal(fmatch(f, "/tmp/x/mypayload.bin", hits), 0);
    assert_int_equal(tk_iocs_counts(f->s).unsupported, 2);
    /* Not a bundle, and not JSON: errors naming the file. */
    struct tk_err err;
    assert_int_equal(tk_iocs_load_stix(f->s, "x.json", "{\"type\":\"x\"}", 12, &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "x.json: not a STIX 2.1 bundle"));
    assert_int_equal(tk_iocs_load_stix(f->s, "y.json", "{\"a\":", 5, &err), TK_EPARSE);
    assert_non_null(strstr(err.msg, "y.json:1:"));
}

static void test_kind_from_name(void **state)
{
    (void)state;
    assert_int_equal(tk_ioc_kind_of_name("hash-iocs.txt"), TK_IOC_HASH);
    assert_int_equal(tk_ioc_kind_of_name("/x/my-c2-iocs.txt"), TK_IOC_C2);
    assert_int_equal(tk_ioc_kind_of_name("myc2iocs.txt"), -1); /* whole words only */
    assert_int_equal(tk_ioc_kind_of_name("APT_filenames.txt"), TK_IOC_FILENAME);
    assert_int_equal(tk_ioc_kind_of_name("domains.txt"), TK_IOC_C2);
    assert_int_equal(tk_ioc_kind_of_name("falsepositive-hashes.txt"), -1);
    assert_int_equal(tk_ioc_kind_of_name("README"), -1);
}

static void test_builtin_lists_load_cleanly(void **state)
{
    struct fx *f = *state;
    assert_int_equal(tk_iocs_load_builtin(f->s, NULL), 0);
    assert_int_equal(tk_iocs_counts(f->s).warnings, 0);
    assert_true(tk_iocs_counts(f->s).hashes >= 3);
    /* The EICAR test file's SHA-256. */
    assert_non_null(tk_iocs_find_hash(
        f->s, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"));
    assert_int_equal(strlen(tk_iocs_hash(f->s)), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hash_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trivial_hashes_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filename_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filename_prefilter_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stix, setup, teardown),
        cmocka_unit_test(test_kind_from_name),
        cmocka_unit_test_setup_teardown(test_builtin_lists_load_cleanly, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
