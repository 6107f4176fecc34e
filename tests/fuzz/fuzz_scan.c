/* fuzz_scan.c - the whole collector on a hostile machine: every file a collector reads is
 * written by the fuzzer, then the scan runs exactly as `tenken scan --root` runs it
 * (src/cmd/scan.c): collect, analyze, write the bundle, print the summaries.
 *
 * The input is split on "\n----\n" into up to NPARTS parts, one per file below; a missing
 * part removes its file, so each run depends only on its input. Part 0 is appended to a
 * fixed passwd that gives user alice a home the per-user collectors walk. After the
 * collectors, the trace checks and the C2 checks run on the same root (C2 IOCs from a fixed
 * list), as `tenken scan --root` runs them. The bundle must come out as JSON jansson
 * accepts. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "bundle/bundle_json.h"
#include "collect/collect.h"
#include "core/alloc.h"
#include "core/time.h"
#include "report/summary.h"
#include "scan/scan.h"
#include "fuzz.h"

#define SEPARATOR "\n----\n"
#define EXT "home/alice/.config/google-chrome/Default/Extensions/" \
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/1.0_0"

static const char *const files[] = {
    "etc/passwd",
    "var/lib/dpkg/status",
    "etc/os-release",
    "etc/samba/smb.conf",
    "etc/ssh/sshd_config",
    EXT "/manifest.json",
    EXT "/_locales/en/messages.json",
    "home/alice/.config/google-chrome/Default/Preferences",
    "home/alice/.mozilla/firefox/profiles.ini",
    "home/alice/.mozilla/firefox/p/extensions.json",
    "usr/share/teams/resources/app.asar",
    "snap/x/1/meta/snap.yaml",
    "var/lib/flatpak/app/a.b/x86_64/stable/active/files/share/metainfo/a.b.metainfo.xml",
    /* traces (scan/traces.c, scan/pkgdb.c) and C2 checks (scan/c2.c) */
    "var/lib/dpkg/info/base.list",
    "var/lib/dpkg/info/base.md5sums",
    "var/lib/dpkg/diversions",
    "etc/hosts",
    "etc/cron.d/job",
    "etc/systemd/system/x.service",
    "home/alice/.ssh/authorized_keys",
    "etc/ld.so.preload",
    "home/alice/.bashrc",
    "var/log/syslog",
};
#define NPARTS (sizeof files / sizeof files[0])

static const char passwd_prefix[] = "root:x:0:0:root:/root:/bin/bash\n"
                                    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n";

/* The private root, made once per process and removed at exit. */
static char root[4096];
static FILE *devnull;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_root(void)
{
    if (root[0])
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (devnull)
        fclose(devnull);
}

static void path_in_root(char *out, size_t n, const char *rel)
{
    int k = snprintf(out, n, "%s/%s", root, rel);
    FUZZ_CHECK(k > 0 && (size_t)k < n);
}

/* mkdir -p of the directory holding rel. */
static void make_parents(const char *rel)
{
    char path[4096];
    path_in_root(path, sizeof path, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        FUZZ_CHECK(mkdir(path, 0755) == 0 || errno == EEXIST);
        *p = '/';
    }
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    int k = snprintf(root, sizeof root, "%s/tenken-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(k > 0 && (size_t)k < sizeof root);
    FUZZ_CHECK(mkdtemp(root) != NULL);
    atexit(remove_root);
    for (size_t i = 0; i < NPARTS; i++)
        make_parents(files[i]);
    char iocs[4096];
    path_in_root(iocs, sizeof iocs, "c2-iocs.txt");
    FILE *f = fopen(iocs, "w");
    FUZZ_CHECK(f != NULL);
    fputs("evil.example;80\n203.0.113.0/24;90\n2001:db8::/32\n", f);
    FUZZ_CHECK(fclose(f) == 0);
    char link[4096];
    path_in_root(link, sizeof link, "snap/x/current");
    FUZZ_CHECK(symlink("1", link) == 0);
    devnull = fopen("/dev/null", "w");
    FUZZ_CHECK(devnull != NULL);
}

static void write_all(int fd, const void *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        FUZZ_CHECK(k > 0);
        p = (const char *)p + k;
        n -= (size_t)k;
    }
}

static void put_file(size_t i, const uint8_t *p, size_t n, bool present)
{
    char path[4096];
    path_in_root(path, sizeof path, files[i]);
    if (!present) {
        FUZZ_CHECK(unlink(path) == 0 || errno == ENOENT);
        return;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    FUZZ_CHECK(fd >= 0);
    if (i == 0)
        write_all(fd, passwd_prefix, sizeof passwd_prefix - 1);
    write_all(fd, p, n);
    FUZZ_CHECK(close(fd) == 0);
}

static void scan(void)
{
    struct tk_bundle b;
    struct tk_err err = { 0 };
    struct tk_user *users = NULL;
    size_t nusers = 0;
    struct tk_collect_opts co = { .root = root, .proc = NULL, .users = &users,
                                  .nusers = &nusers };

    FUZZ_CHECK(tk_bundle_init(&b, &err) == 0);
    b.host.started = tk_time_now();
    int rc = tk_collect(&b, &co, &err);
    char iocs[4096];
    path_in_root(iocs, sizeof iocs, "c2-iocs.txt");
    const char *ioc_paths[] = { iocs };
    struct tk_detect_opts dop = { .root = root, .c2 = true, .traces = true,
                                  .iocs = ioc_paths, .niocs = 1, .users = users,
                                  .nusers = nusers };
    if (rc == 0)
        rc = tk_detect(&b, &dop, &err);
    if (rc == 0)
        rc = tk_analyze(&b, NULL, &err);
    tk_free(users);
    b.host.finished = tk_time_now();
    if (rc != 0)
        fprintf(stderr, "scan failed: %s\n", err.msg);
    FUZZ_CHECK(rc == 0); /* only running out of memory may stop a scan */

    struct tk_buf out = TK_BUF_INIT(TK_BUNDLE_MAX_BYTES);
    struct tk_json w;
    tk_json_init_buf(&w, &out, TK_JSON_PRETTY);
    FUZZ_CHECK(tk_bundle_write_json(&b, &w) == 0);
    FUZZ_CHECK(strlen(tk_buf_cstr(&out)) == out.len);

    json_error_t je;
    json_t *j = json_loads(tk_buf_cstr(&out), 0, &je);
    if (!j)
        fprintf(stderr, "bundle is not JSON: %d:%d: %s\n", je.line, je.column, je.text);
    FUZZ_CHECK(j != NULL);
    FUZZ_CHECK(json_is_object(j));
    FUZZ_CHECK(json_is_array(json_object_get(j, "items")) || !json_object_get(j, "items"));
    json_decref(j);
    tk_buf_release(&out);

    FUZZ_CHECK(tk_summary_text(devnull, &b, "bundle.json", TK_LANG_EN) == 0);
    FUZZ_CHECK(tk_summary_text(devnull, &b, NULL, TK_LANG_JA) == 0);
    FUZZ_CHECK(tk_summary_json(devnull, &b, "bundle.json") == 0);
    tk_bundle_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root[0])
        setup();
    const uint8_t *p = data, *end = data + size;
    for (size_t i = 0; i < NPARTS; i++) {
        if (!p) {
            put_file(i, NULL, 0, false);
            continue;
        }
        const uint8_t *sep = i + 1 < NPARTS
                                 ? memmem(p, (size_t)(end - p), SEPARATOR, sizeof SEPARATOR - 1)
                                 : NULL;
        size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
        put_file(i, p, n, true);
        p = sep ? sep + sizeof SEPARATOR - 1 : NULL;
    }
    scan();
    return 0;
}
