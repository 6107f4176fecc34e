/* bench_match.c - matching throughput: builds synthetic inventories (dpkg packages plus a
 * few catalogued applications at random versions) and judges them with the matcher, then
 * with a naive matcher that scans every NVD entry for every catalogued item, to show what
 * the index and the verdict cache are worth.
 * Usage: bench-match KB INVENTORIES ITEMS [NAIVE_INVENTORIES] */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/match.h"
#include "core/time.h"

static const struct {
    const char *name;
    int parts, major_lo, major_hi;
} apps[] = {
    { "Google Chrome", 4, 100, 139 },
    { "Firefox", 3, 100, 142 },
    { "Zoom", 3, 5, 6 },
    { "Java", 3, 8, 21 },
    { "TeamViewer", 3, 13, 15 },
};

static unsigned long long state = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (unsigned)(state % n);
}

/* A fleet shares versions: each application comes in 40 versions, weighted towards the
 * newest, as auto-updates leave most PCs on a few builds. */
static void app_version(int a, char *ver, size_t n)
{
    unsigned pick = rnd(40);
    pick = pick * pick / 40; /* skew to low indices = newer */
    int major = apps[a].major_hi - (int)(pick % (unsigned)(apps[a].major_hi - apps[a].major_lo + 1));
    int minor = (int)(pick % 3), patch = (int)(pick * 7 % 200), build = (int)(pick * 13 % 300);
    if (apps[a].parts == 4)
        snprintf(ver, n, "%d.%d.%d.%d", major, minor, patch, build);
    else
        snprintf(ver, n, "%d.%d.%d", major, minor, patch);
}

static void fill(struct tk_bundle *b, int items)
{
    char name[64], ver[64];
    b->host.os_family = "linux";
    b->host.os_id = "debian";
    b->host.os_version_id = "12";
    for (int i = 0; i < items; i++) {
        struct tk_item *it = tk_bundle_add_item(b);
        if (i < 10) {
            int a = (int)rnd(sizeof apps / sizeof apps[0]);
            app_version(a, ver, sizeof ver);
            it->name = apps[a].name;
            it->source = "dir";
            it->kind = "application";
        } else {
            unsigned p = rnd(3000);
            snprintf(name, sizeof name, "pkg%u", p);
            snprintf(ver, sizeof ver, "%u.%u-%u", p % 7, rnd(5), rnd(3));
            it->name = tk_bundle_strdup(b, name);
            it->source = "dpkg";
            it->kind = "package";
            it->status = "installed";
            it->source_package = it->name;
            it->source_version = NULL;
        }
        it->version = tk_bundle_strdup(b, ver);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-match KB INVENTORIES ITEMS [NAIVE_INVENTORIES]\n");
        return 2;
    }
    int n = atoi(argv[2]), items = atoi(argv[3]), naive_n = argc > 4 ? atoi(argv[4]) : 20;
    struct tk_kb *kb;
    struct tk_matcher *m;
    struct tk_err err = { 0 };
    if (tk_kb_open(&kb, argv[1], TK_KB_READONLY, &err) || tk_matcher_new(&m, kb, &err)) {
        fprintf(stderr, "bench-match: %s\n", err.msg);
        return 1;
    }
    size_t findings = 0;
    double t0 = tk_time_mono();
    for (int i = 0; i < n; i++) {
        struct tk_bundle b;
        tk_bundle_init(&b, NULL);
        fill(&b, items);
        if (tk_match_bundle(m, &b, &err)) {
            fprintf(stderr, "bench-match: %s\n", err.msg);
            return 1;
        }
        findings += b.nfindings;
        tk_bundle_release(&b);
    }
    double dt = tk_time_mono() - t0;
    printf("indexed   %d inventories x %d items in %.2f s: %.0f inventories/s, %zu findings\n",
           n, items, dt, n / dt, findings);

    /* Naive: for every catalogued item of an inventory, read every NVD entry. */
    sqlite3 *db = tk_kb_db(kb);
    sqlite3_stmt *all;
    sqlite3_prepare_v2(db, "SELECT vendor, product, end_excl FROM nvd_match", -1, &all, NULL);
    t0 = tk_time_mono();
    size_t rows = 0;
    for (int i = 0; i < naive_n; i++)
        for (int k = 0; k < 10; k++) {
            while (sqlite3_step(all) == SQLITE_ROW)
                rows += strcmp((const char *)sqlite3_column_text(all, 1), "chrome") == 0;
            sqlite3_reset(all);
        }
    double nt = tk_time_mono() - t0;
    sqlite3_finalize(all);
    printf("naive     %d inventories in %.2f s: %.2f inventories/s (%zu chrome rows seen)\n",
           naive_n, nt, naive_n / nt, rows);
    printf("ratio     indexed is %.0fx faster than naive\n", (n / dt) / (naive_n / nt));
    tk_matcher_free(m);
    tk_kb_close(kb);
    return 0;
}
