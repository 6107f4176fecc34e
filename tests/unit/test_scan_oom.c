/* test_scan_oom.c - the whole collection, analysis and JSON writing with the Nth allocation
 * failing, for every N until the scan needs no more: each run must end cleanly (an error or
 * a consistent bundle), never crash; under ASan it must not leak either. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "bundle/bundle_json.h"
#include "collect/collect.h"
#include "core/alloc.h"

static char root[] = "/tmp/tenken-oom-XXXXXX";

static void put(const char *rel, const char *content)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(root))
        return -1;
    put("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
    put("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
    put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian 12\"\n");
    put("var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n\n"
                               "Package: samba\nStatus: install ok installed\nVersion: 2:4.17.1\n"
                               "Source: samba (2:4.17.1)\n\nbroken line\n");
    put("opt/zoom/version.txt", "5.15.0.1\n");
    put("usr/lib/firefox/application.ini", "[App]\nVersion=115.0\n");
    put("home/alice/.config/google-chrome/Last Version", "120.0.1\n");
    put("home/alice/.config/google-chrome/Default/Extensions/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/1_0/"
        "manifest.json",
        "{\"name\":\"__MSG_n__\",\"version\":\"1\",\"default_locale\":\"en\"}");
    put("home/alice/.config/google-chrome/Default/Extensions/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/1_0/"
        "_locales/en/messages.json",
        "{\"N\":{\"message\":\"Ext\"}}");
    put("home/alice/.mozilla/firefox/profiles.ini", "[Profile0]\nPath=p\nIsRelative=1\n");
    put("home/alice/.mozilla/firefox/p/extensions.json",
        "{\"addons\":[{\"id\":\"x@y\",\"version\":\"2\",\"type\":\"extension\",\"active\":true}]}");
    put("etc/samba/smb.conf", "[global]\nserver min protocol = NT1\n");
    put("etc/ssh/sshd_config", "PasswordAuthentication yes\n");
    put("proc/net/tcp", "  sl local rem st\n   0: 00000000:01BD 00000000:0000 0A 00000000:00000000 "
                        "00:00000000 00000000     0        0 77 1\n");
    put("proc/stat", "btime 1700000000\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* One full run; returns the number of allocation attempts it made (fail_after < 0) or
 * whether it completed. */
static int run_once(long fail_after)
{
    struct tk_bundle b;
    struct tk_err err;
    char proc[4200];
    snprintf(proc, sizeof proc, "%s/proc", root);
    struct tk_collect_opts opts = { .root = root, .proc = proc };
    tk_alloc_fail_after(fail_after);
    int rc = tk_bundle_init(&b, &err);
    if (rc == 0) {
        rc = tk_collect(&b, &opts, &err);
        if (rc == 0)
            rc = tk_analyze(&b, NULL, &err);
        if (rc == 0) {
            struct tk_buf out = TK_BUF_INIT((size_t)1 << 26);
            struct tk_json w;
            tk_json_init_buf(&w, &out, 0);
            rc = tk_bundle_write_json(&b, &w);
            tk_buf_release(&out);
        }
        tk_bundle_release(&b);
    }
    tk_alloc_fail_after(-1);
    return rc;
}

static void test_reference_run_succeeds(void **state)
{
    (void)state;
    assert_int_equal(run_once(-1), 0);
}

static void test_every_allocation_failure_is_survived(void **state)
{
    (void)state;
    long before = tk_alloc_count();
    assert_int_equal(run_once(-1), 0);
    long total = tk_alloc_count() - before;
    /* Every allocation of the first 2,000, then a spread over the rest. */
    long stride = total > 2000 ? (total - 2000) / 500 + 1 : 1;
    size_t runs = 0, failed = 0;
    for (long n = 0; n <= total; n += n < 2000 ? 1 : stride) {
        int rc = run_once(n);
        assert_true(rc == 0 || rc == TK_ENOMEM);
        runs++;
        failed += rc != 0;
    }
    print_message("# %ld allocations per scan; %zu runs with one failing, %zu ended in ENOMEM\n",
                  total, runs, failed);
    assert_true(total > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_run_succeeds),
        cmocka_unit_test(test_every_allocation_failure_is_survived),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
