/* fuzz_import.c - the knowledge-base importers (kb/import.h) on hostile feeds, then the
 * matcher (kb/match.h) over whatever they let in.
 *
 * The first byte chooses the importer (its value mod 5: NVD, KEV, EPSS, OSV, JVN) and, with
 * bit 0x80, whether the feed is imported twice (the second time replaces the first: NVD's
 * replace path). The rest is written to a temporary file with the suffix that importer
 * expects and imported into one in-memory KB (opened once, holding a small fictional
 * catalog). A refused feed must leave a message naming the file and change nothing; an
 * accepted one is matched against a fixed bundle whose items the catalog and the feeds
 * know, and the bundle, findings included, must then be written as JSON jansson accepts.
 * The imported tables are emptied after every input so runs do not depend on each other. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle_json.h"
#include "kb/data.h"
#include "kb/import.h"
#include "kb/kb.h"
#include "kb/match.h"
#include "fuzz.h"

static char root[4096];
static struct tk_kb *kb;

/* The fictional product of tests/data/kb/data, so NVD configurations and curated ranges of
 * "example:tool" have something to match. */
static const char catalog[] = "id: example-tool\n"
                              "name: Example Tool\n"
                              "vendor: Example\n"
                              "cpe: example:tool\n"
                              "kind: application\n"
                              "scheme: dotted\n"
                              "match.package: example-tool\n"
                              "match.name: Example Tool*\n"
                              "line: 2 | latest 2.9.0 | released 2099-01-01 | eol -\n"
                              "line: 1 | latest 1.9.9 | released 2019-01-01 | eol 2020-06-30\n"
                              "source: https://example.invalid/releases\n";
static const char vulns[] = "cve: CVE-2099-0009\n"
                            "product: example-tool\n"
                            "affected: >= 2.4.0, < 2.4.2\n"
                            "fixed: 2.4.2\n"
                            "cvss3: 7.5 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\n"
                            "title: Curated fictional flaw\n"
                            "source: https://example.invalid/advisory/9\n";
static const char kev[] = "# Fictional KEV catalog 2099.01.01 (2099-01-01T00:00:00Z)\n"
                          "cve\tdate_added\tdue_date\transomware\tvendor\tproduct\tname\n"
                          "CVE-2099-0004\t2099-01-09\t2099-01-30\tKnown\tExample\tTool\tflaw\n";

static const char reset_sql[] = "DELETE FROM cve; DELETE FROM kev; DELETE FROM epss;"
                                "DELETE FROM nvd_match; DELETE FROM nvd_node;"
                                "DELETE FROM nvd_config; DELETE FROM osv; DELETE FROM jvn;"
                                "DELETE FROM source WHERE name <> 'builtin';";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    tk_kb_close(kb);
    kb = NULL;
    if (root[0])
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0);
    while (n) {
        ssize_t k = write(fd, p, n);
        FUZZ_CHECK(k > 0);
        p = (const char *)p + k;
        n -= (size_t)k;
    }
    FUZZ_CHECK(close(fd) == 0);
}

static void path_in_root(char *out, size_t n, const char *rel)
{
    int k = snprintf(out, n, "%s/%s", root, rel);
    FUZZ_CHECK(k > 0 && (size_t)k < n);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    int k = snprintf(root, sizeof root, "%s/tenken-fuzz-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(k > 0 && (size_t)k < sizeof root);
    FUZZ_CHECK(mkdtemp(root) != NULL);
    atexit(cleanup);
    char path[4096];
    static const char *const dirs[] = { "data", "data/catalog", "data/vulns" };
    for (size_t i = 0; i < 3; i++) {
        path_in_root(path, sizeof path, dirs[i]);
        FUZZ_CHECK(mkdir(path, 0700) == 0);
    }
    path_in_root(path, sizeof path, "data/catalog/example.txt");
    write_file(path, catalog, sizeof catalog - 1);
    path_in_root(path, sizeof path, "data/vulns/example.txt");
    write_file(path, vulns, sizeof vulns - 1);
    path_in_root(path, sizeof path, "data/kev.tsv");
    write_file(path, kev, sizeof kev - 1);

    struct tk_err err = { 0 };
    struct tk_data_stats ds = { 0 };
    int rc = tk_kb_open(&kb, ":memory:", TK_KB_CREATE, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    FUZZ_CHECK(rc == 0);
    path_in_root(path, sizeof path, "data");
    rc = tk_kb_load_data(kb, path, &ds, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    FUZZ_CHECK(rc == 0 && ds.products == 1);
    /* Every input starts from the state the reset after it leaves. */
    FUZZ_CHECK(tk_kb_exec(kb, reset_sql, &err) == 0);
}

static int64_t count_rows(const char *table)
{
    char sql[128];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    FUZZ_CHECK(sqlite3_prepare_v2(tk_kb_db(kb), sql, -1, &st, NULL) == SQLITE_OK);
    FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static const char *const tables[] = { "cve",       "kev", "epss", "nvd_config", "nvd_node",
                                      "nvd_match", "osv", "jvn",  "source",     "product" };
#define NTABLES (sizeof tables / sizeof tables[0])

static void add_item(struct tk_bundle *b, const char *name, const char *version, const char *source,
                     const char *srcpkg, const char *srcver)
{
    struct tk_item *it = tk_bundle_add_item(b);
    FUZZ_CHECK(it != NULL);
    it->name = name;
    it->version = version;
    it->source = source;
    it->kind = "package";
    it->source_package = srcpkg;
    it->source_version = srcver;
}

/* A Debian 12 host with the catalogued tool at several versions and a glibc package. */
static void match_fixed_bundle(void)
{
    struct tk_matcher *m = NULL;
    struct tk_bundle b;
    struct tk_err err = { 0 };
    int rc = tk_matcher_new(&m, kb, &err);
    if (rc)
        fprintf(stderr, "matcher: %s\n", err.msg);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(tk_bundle_init(&b, &err) == 0);
    b.host.os_family = "linux";
    b.host.os_id = "debian";
    b.host.os_version_id = "12";
    add_item(&b, "example-tool", "2.4.1", "dpkg", "example-tool", "2.4.1");
    add_item(&b, "example-tool", "1:2.0-1", "dpkg", NULL, NULL);
    add_item(&b, "Example Tool 3", "3.0", "dir", NULL, NULL);
    add_item(&b, "Example Tool", "1.5", "dir", NULL, NULL);
    add_item(&b, "libc6", "2.36-9+deb12u4", "dpkg", "glibc", "2.36-9+deb12u4");
    add_item(&b, "libc-bin", "2.36-9", "dpkg", "glibc", "2.36-9");
    add_item(&b, "openssl", "3.0.11-1~deb12u2", "dpkg", "openssl", "3.0.11-1~deb12u2");
    rc = tk_match_bundle(m, &b, &err);
    FUZZ_CHECK(rc == 0);
    for (size_t i = 0; i < b.nfindings; i++) {
        const struct tk_finding *f = &b.findings[i];
        FUZZ_CHECK(f->id && f->title_en && f->category);
        if (f->vuln)
            for (size_t k = 0; k < f->vuln->ncves; k++)
                FUZZ_CHECK(f->vuln->cves[k]->cve != NULL);
    }
    struct tk_buf out = TK_BUF_INIT((size_t)64 << 20);
    struct tk_json w;
    tk_json_init_buf(&w, &out, 0);
    FUZZ_CHECK(tk_bundle_write_json(&b, &w) == 0);
    json_error_t je;
    json_t *j = json_loadb(tk_buf_cstr(&out), out.len, 0, &je);
    if (!j)
        fprintf(stderr, "bundle with findings is not JSON: %s\n", je.text);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
    tk_buf_release(&out);
    tk_bundle_release(&b);
    tk_matcher_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        const char *file;
        int (*run)(struct tk_kb *, const char *, struct tk_import_stats *, tk_import_progress_fn,
                   void *, struct tk_err *);
    } importers[] = {
        { "nvd.json", tk_import_nvd },  { "kev.json", tk_import_kev },
        { "epss.csv", tk_import_epss }, { "osv.json", tk_import_osv },
        { "jvn.xml", tk_import_jvn },
    };
    if (!kb)
        setup();
    if (size == 0)
        return 0;
    unsigned which = (data[0] & 0x7f) % 5;
    int times = data[0] & 0x80 ? 2 : 1;
    char path[4096];
    path_in_root(path, sizeof path, importers[which].file);
    write_file(path, data + 1, size - 1);

    bool accepted = false;
    for (int t = 0; t < times; t++) {
        int64_t before[NTABLES];
        for (size_t i = 0; i < NTABLES; i++)
            before[i] = count_rows(tables[i]);
        struct tk_import_stats stats = { 0 };
        struct tk_err err = { 0 };
        int rc = importers[which].run(kb, path, &stats, NULL, NULL, &err);
        if (rc) {
            FUZZ_CHECK(rc < 0 && err.code == rc && err.msg[0]);
            /* A bad feed changes nothing. */
            for (size_t i = 0; i < NTABLES; i++) {
                if (count_rows(tables[i]) != before[i])
                    fprintf(stderr, "refused feed changed %s: %s\n", tables[i], err.msg);
                FUZZ_CHECK(count_rows(tables[i]) == before[i]);
            }
            break;
        }
        FUZZ_CHECK(stats.records >= 0 && stats.rows >= 0 && stats.skipped >= 0);
        FUZZ_CHECK(stats.what != NULL);
        accepted = true;
    }
    if (accepted)
        match_fixed_bundle();
    struct tk_err err = { 0 };
    FUZZ_CHECK(tk_kb_exec(kb, reset_sql, &err) == 0);
    return 0;
}
