/* test_nsp.c - nmap-service-probes matching (surface/nsp.h): a small probe file of our own
 * (delimiters, flags, $1 / $P / $SUBST / $I, cpe: escaping, softmatch against match, probe
 * order and port hints, a regex PCRE2 refuses, malformed lines with their line numbers,
 * failed allocations, threads sharing a database) and, when nmap is installed, its real
 * /usr/share/nmap/nmap-service-probes against banners of well-known servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "surface/nsp.h"

/* Our own probe file. Line numbers are looked up by content (line_of), so lines can be
 * added anywhere. */
static const char *const probe_lines[] = {
    "# written for tenken's unit tests",
    "Exclude T:9100-9107,U:30000",
    "",
    "Probe TCP NULL q||",
    "totalwaitms 6000",
    "tcpwrappedms 3000",
    "match alpha m|^ALPHA ([\\d.]+)\\r\\n| p/Alpha server/ v/$1/ cpe:/a:example:alpha:$1/",
    "match beta m=^BETA (\\w+)=i p|Beta $1| o/Linux/ cpe:/o:linux:linux_kernel/a",
    "match gamma m%^GAMMA (.+?)\\n(.*)$%s p/Gamma/ i/first $1; rest $2/",
    "match wide m|^WIDE:(.{6})| p/$P(1)/",
    "match subst m|^SUB ([\\d_]+)\\r\\n| v/$SUBST(1,\"_\",\".\")/",
    "match int m|^INT(..)(..)|s v/$I(1,\">\").$I(2,\"<\")/",
    "match cpeesc m|^CPE ([^\\r\\n]+)\\r\\n| p/$1/ cpe:/a:example:$1/ cpe:|h:example:box|",
    "softmatch delta m|^DELTA|",
    "match other m|^DELTA| p/Other/",
    "match delta m|^DELTA v(\\d+)| p/Delta/ v/$1/",
    "match broken m|^BROKEN(| p/never/",
    "match trailing m|^TRAIL ([^\\r]*)\\r\\n| p/Trail $1/",
    "match toolong m|^LONG (.*)|s p/$1/ v/short/",
    "match hosts m|^HOST (\\S+) (\\S+)| h/$1/ d/$2/ o/$2/",
    "match nogroup m|^NOGROUP| p/$2/ v/1/",
    "match runaway m|^(a+)+$|",
    "bogus line here",
    "match bad m/^X/ z/unknown/",
    "match badflag m/^X/q",
    "ports 1,2-3,x",
    "Probe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|",
    "rarity 1",
    "ports 80,8080-8090",
    "sslports 443",
    ("match http m|^HTTP/1\\.[01] \\d\\d\\d .*\\r\\nServer: Toy/([\\d.]+)|s p/Toy httpd/ v/$1/ "
     "cpe:/a:toy:httpd:$1/"),
    "softmatch http m|^HTTP/1\\.[01] \\d\\d\\d|",
    "Probe TCP Special q|HELLO\\r\\n|",
    "ports 7000",
    "fallback GetRequest",
    "match special m|^SPECIAL\\r\\n| p/Special/",
    "Probe TCP First q|1|",
    "ports 5000",
    "match first m|^ORDER| p/First/",
    "Probe TCP Second q|2|",
    "ports 6000",
    "match second m|^ORDER| p/Second/",
    "Probe UDP Ping q|ping|",
    "ports 9999",
    "match pong m|^pong (\\d+)| v/$1/",
};

#define NLINES (sizeof probe_lines / sizeof probe_lines[0])

static char *probe_text(void)
{
    size_t n = 1;
    for (size_t i = 0; i < NLINES; i++)
        n += strlen(probe_lines[i]) + 1;
    char *t = malloc(n), *p = t;
    assert_non_null(t);
    for (size_t i = 0; i < NLINES; i++)
        p += sprintf(p, "%s\n", probe_lines[i]);
    return t;
}

static int line_of(const char *prefix)
{
    for (size_t i = 0; i < NLINES; i++)
        if (!strncmp(probe_lines[i], prefix, strlen(prefix)))
            return (int)i + 1;
    fail_msg("no line starting \"%s\"", prefix);
    return 0;
}

static struct tk_nsp *load_small(void)
{
    char *t = probe_text();
    struct tk_nsp *db = NULL;
    struct tk_err err = { 0 };
    int rc = tk_nsp_load_mem(&db, t, strlen(t), "t.nsp", &err);
    free(t);
    if (rc)
        fail_msg("%s", err.msg);
    return db;
}

/* Matches a banner given as a C string literal (its length taken from sizeof). */
#define MATCH(db, lit, port, tr, probe, r)                                                         \
    tk_nsp_match((db), (const unsigned char *)(lit), sizeof(lit) - 1, (port), (tr), (probe), (r),  \
                 NULL)

static void test_parse_and_stats(void **state)
{
    (void)state;
    struct tk_nsp *db = load_small();
    struct tk_nsp_stats st;
    tk_nsp_stats(db, &st);
    assert_int_equal(st.probes, 6);
    assert_int_equal(st.softmatches, 2);
    assert_int_equal(st.matches, 22);
    /* bogus directive, unknown field, unknown flag, bad port list */
    assert_int_equal(st.bad_lines, 4);
    char want[64];
    snprintf(want, sizeof want, "t.nsp:%d: unknown directive", line_of("bogus"));
    assert_non_null(strstr(st.first_bad, want));
    assert_int_equal(st.skipped, 0); /* nothing compiled yet */
    assert_int_equal(st.compiled, 0);
    assert_string_equal(st.first_skipped, "");

    assert_int_equal(tk_nsp_compile_all(db, NULL), 0);
    tk_nsp_stats(db, &st);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.compiled, st.matches - 1);
    snprintf(want, sizeof want, "t.nsp:%d: PCRE2 refused", line_of("match broken"));
    assert_non_null(strstr(st.first_skipped, want));
    /* The refused regex never matches and never stops the search. */
    struct tk_nsp_result r;
    assert_int_equal(MATCH(db, "BROKEN(", 1, "tcp", "NULL", &r), 0);
    tk_nsp_free(db);
    tk_nsp_free(NULL);
}

static void test_fields(void **state)
{
    (void)state;
    struct tk_nsp *db = load_small();
    struct tk_nsp_result r;

    assert_int_equal(MATCH(db, "ALPHA 1.2.3\r\n", 1, "tcp", "NULL", &r), 1);
    assert_string_equal(r.service, "alpha");
    assert_string_equal(r.probe, "NULL");
    assert_string_equal(r.product, "Alpha server");
    assert_string_equal(r.version, "1.2.3");
    assert_int_equal(r.ncpe, 1);
    assert_string_equal(r.cpe[0], "cpe:/a:example:alpha:1.2.3");
    assert_false(r.soft);
    assert_int_equal(r.line, line_of("match alpha"));

    /* m=...=, the i flag, p|...|, and a cpe: field followed by the a flag */
    assert_int_equal(MATCH(db, "beta Xy", 1, "TCP", "NULL", &r), 1);
    assert_string_equal(r.product, "Beta Xy");
    assert_string_equal(r.os, "Linux");
    assert_int_equal(r.ncpe, 1);
    assert_string_equal(r.cpe[0], "cpe:/o:linux:linux_kernel");

    /* m%...%s: the dot crosses lines */
    assert_int_equal(MATCH(db, "GAMMA one\ntwo\nthree", 1, NULL, "NULL", &r), 1);
    assert_string_equal(r.info, "first one; rest two\nthree");
    assert_int_equal(MATCH(db, "gamma one\ntwo", 1, NULL, "NULL", &r), 0); /* no i flag */

    /* $P keeps printable bytes only: UTF-16 text collapses */
    assert_int_equal(MATCH(db, "WIDE:A\0B\0C\0", 1, "tcp", "NULL", &r), 1);
    assert_string_equal(r.product, "ABC");

    assert_int_equal(MATCH(db, "SUB 2_4_57\r\n", 1, "tcp", "NULL", &r), 1);
    assert_string_equal(r.version, "2.4.57");

    /* $I: big-endian 0x0102, little-endian 0x0403 */
    assert_int_equal(MATCH(db, "INT\x01\x02\x03\x04", 1, "tcp", "NULL", &r), 1);
    assert_string_equal(r.version, "258.1027");

    /* Substituted text is escaped inside CPE names, the template's own text is not; one CPE
     * per part, listed a then h. */
    assert_int_equal(MATCH(db, "CPE Foo Bar/1:2\r\n", 1, "tcp", "NULL", &r), 1);
    assert_string_equal(r.product, "Foo Bar/1:2");
    assert_int_equal(r.ncpe, 2);
    assert_string_equal(r.cpe[0], "cpe:/a:example:foo_bar%2F1%3A2");
    assert_string_equal(r.cpe[1], "cpe:/h:example:box");

    /* Trailing blanks and commas go, as in nmap. */
    assert_int_equal(MATCH(db, "TRAIL a, b , ,  \r\n", 1, "tcp", "NULL", &r), 1);
    assert_string_equal(r.product, "Trail a, b");

    /* A field that does not fit is left empty; the others are kept. */
    char lng[400] = "LONG ";
    memset(lng + 5, 'x', 300);
    assert_int_equal(
        tk_nsp_match(db, (const unsigned char *)lng, strlen(lng), 1, "tcp", "NULL", &r, NULL), 1);
    assert_string_equal(r.service, "toolong");
    assert_string_equal(r.product, "");
    assert_string_equal(r.version, "short");

    assert_int_equal(MATCH(db, "HOST box.example.org router", 1, "tcp", "NULL", &r), 1);
    assert_string_equal(r.hostname, "box.example.org");
    assert_string_equal(r.devicetype, "router");
    assert_string_equal(r.os, "router");

    /* $2 of a regex without a second group empties the field, not the match. */
    assert_int_equal(MATCH(db, "NOGROUP", 1, "tcp", "NULL", &r), 1);
    assert_string_equal(r.product, "");
    assert_string_equal(r.version, "1");
    tk_nsp_free(db);
}

/* A repeated banner is answered from the cache, with the same answer; a different port
 * only matters when the probe is unknown. */
static void test_cache(void **state)
{
    (void)state;
    struct tk_nsp *db = load_small();
    struct tk_nsp_result r1, r2;
    struct tk_nsp_stats st;
    assert_int_equal(MATCH(db, "ALPHA 1.2.3\r\n", 1, "tcp", "NULL", &r1), 1);
    tk_nsp_stats(db, &st);
    assert_int_equal(st.cache_hits, 0);
    assert_int_equal(MATCH(db, "ALPHA 1.2.3\r\n", 2, "tcp", "NULL", &r2), 1);
    tk_nsp_stats(db, &st);
    assert_int_equal(st.cache_hits, 1);
    assert_memory_equal(&r1, &r2, sizeof r1);
    assert_int_equal(MATCH(db, "ALPHA 1.2.4\r\n", 2, "tcp", "NULL", &r2), 1);
    assert_string_equal(r2.version, "1.2.4");
    assert_int_equal(MATCH(db, "nothing here", 1, "tcp", "NULL", &r1), 0);
    assert_int_equal(MATCH(db, "nothing here", 1, "tcp", "NULL", &r1), 0);
    tk_nsp_stats(db, &st);
    assert_int_equal(st.cache_hits, 2);
    /* the probe unknown: the port is part of the question */
    assert_int_equal(MATCH(db, "ALPHA 1.2.3\r\n", 1, "tcp", NULL, &r1), 1);
    assert_int_equal(MATCH(db, "ALPHA 1.2.3\r\n", 2, "tcp", NULL, &r1), 1);
    tk_nsp_stats(db, &st);
    assert_int_equal(st.cache_hits, 2);
    tk_nsp_free(db);
}

static void test_soft_and_hard(void **state)
{
    (void)state;
    struct tk_nsp *db = load_small();
    struct tk_nsp_result r;

    /* After the softmatch only delta is pursued: "other" is passed over, the hard delta wins. */
    assert_int_equal(MATCH(db, "DELTA v7", 1, "tcp", NULL, &r), 1);
    assert_string_equal(r.service, "delta");
    assert_string_equal(r.product, "Delta");
    assert_string_equal(r.version, "7");
    assert_false(r.soft);

    /* Nothing hard: the softmatch answers. */
    assert_int_equal(MATCH(db, "DELTA", 1, "tcp", NULL, &r), 1);
    assert_string_equal(r.service, "delta");
    assert_true(r.soft);
    assert_int_equal(r.line, line_of("softmatch delta"));
    assert_string_equal(r.product, "");

    assert_int_equal(
        MATCH(db, "HTTP/1.0 200 OK\r\nServer: other\r\n\r\n", 80, "tcp", "GetRequest", &r), 1);
    assert_string_equal(r.service, "http");
    assert_true(r.soft);
    assert_int_equal(
        MATCH(db, "HTTP/1.0 200 OK\r\nServer: Toy/1.2\r\n\r\n", 80, "tcp", "GetRequest", &r), 1);
    assert_false(r.soft);
    assert_string_equal(r.product, "Toy httpd");
    assert_string_equal(r.version, "1.2");
    assert_string_equal(r.probe, "GetRequest");

    assert_int_equal(MATCH(db, "nothing we know", 1, "tcp", NULL, &r), 0);
    assert_string_equal(r.service, "");
    tk_nsp_free(db);
}

static void test_probe_order(void **state)
{
    (void)state;
    struct tk_nsp *db = load_small();
    struct tk_nsp_result r;
    struct tk_err err = { 0 };
    static const char http[] = "HTTP/1.1 200 OK\r\nServer: Toy/2.0\r\n\r\n";

    /* Unknown probe: NULL, then GetRequest. */
    assert_int_equal(MATCH(db, http, 1, "tcp", NULL, &r), 1);
    assert_string_equal(r.product, "Toy httpd");
    /* The NULL probe alone does not know HTTP. */
    assert_int_equal(MATCH(db, http, 80, "tcp", "NULL", &r), 0);
    /* Special falls back to GetRequest, then to NULL. */
    assert_int_equal(MATCH(db, http, 7000, "tcp", "Special", &r), 1);
    assert_string_equal(r.probe, "GetRequest");
    assert_int_equal(MATCH(db, "ALPHA 9\r\n", 7000, "tcp", "Special", &r), 1);
    assert_string_equal(r.probe, "NULL");
    /* GetRequest has no fallback: only itself and NULL. */
    assert_int_equal(MATCH(db, "SPECIAL\r\n", 80, "tcp", "GetRequest", &r), 0);
    assert_int_equal(MATCH(db, "SPECIAL\r\n", 80, "tcp", NULL, &r), 1);
    assert_string_equal(r.service, "special");

    /* Port hints order the other probes; without one, file order. */
    assert_int_equal(MATCH(db, "ORDER", 6000, "tcp", NULL, &r), 1);
    assert_string_equal(r.service, "second");
    assert_int_equal(MATCH(db, "ORDER", 5000, "tcp", NULL, &r), 1);
    assert_string_equal(r.service, "first");
    assert_int_equal(MATCH(db, "ORDER", 1, "tcp", NULL, &r), 1);
    assert_string_equal(r.service, "first");

    /* UDP probes only for UDP, and no NULL probe there. */
    assert_int_equal(MATCH(db, "pong 42", 9999, "udp", NULL, &r), 1);
    assert_string_equal(r.service, "pong");
    assert_string_equal(r.version, "42");
    assert_int_equal(MATCH(db, "pong 42", 9999, "tcp", NULL, &r), 0);
    assert_int_equal(MATCH(db, "ALPHA 1\r\n", 9999, "udp", NULL, &r), 0);

    assert_int_equal(MATCH(db, "ALPHA 1\r\n", 1, "tcp", "NoSuchProbe", &r), TK_ENOENT);
    assert_int_equal(tk_nsp_match(db, (const unsigned char *)"x", 1, 1, "udp", "NULL", &r, &err),
                     TK_ENOENT);
    assert_non_null(strstr(err.msg, "NULL"));
    assert_int_equal(MATCH(db, "ALPHA 1\r\n", 1, "sctp", NULL, &r), TK_EINVAL);
    assert_int_equal(tk_nsp_match(db, NULL, 0, 1, "tcp", NULL, &r, NULL), 0);
    assert_int_equal(tk_nsp_match(db, NULL, 3, 1, "tcp", NULL, &r, NULL), TK_EINVAL);
    tk_nsp_free(db);
}

static void test_runaway(void **state)
{
    (void)state;
    struct tk_nsp *db = load_small();
    struct tk_nsp_result r;
    char s[64];
    memset(s, 'a', 40);
    s[40] = 'b';
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(tk_nsp_match(db, (const unsigned char *)s, 41, 1, "tcp", NULL, &r, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    struct tk_nsp_stats st;
    tk_nsp_stats(db, &st);
    assert_true(st.limit_hits >= 1);
    tk_nsp_free(db);
}

/* Each text, what loading it returns and the line its first problem is on (0: none). */
#define TEXT(lit) lit, sizeof(lit) - 1

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
        int rc, bad_line;
        size_t probes, matches;
    } cases[] = {
        { TEXT(""), TK_EPARSE, 0, 0, 0 },
        { TEXT("# only a comment\nmatch x m|y|\n"), TK_EPARSE, 2, 0, 0 },
        { TEXT("Probe TCP X q|never closed\nmatch lost m|a|\n"), TK_EPARSE, 1, 0, 0 },
        { TEXT("Probe TCP NULL q||\nmatch x m|^a"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\nmatch x\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\nmatch  m|a|\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\nmatch x r|a|\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\nmatch x m|a| p/unclosed\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\nmatch x m|a| p\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\nmatch x m|a|,p/x/\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\n\nrarity 12\ntotalwaitms 5\nports 70000\n"), 0, 3, 1, 0 },
        { TEXT("Probe TCP NULL q||\nsslports 10-5\nmatch ok m|a|\n"), 0, 2, 1, 1 },
        { TEXT("Probe TCP NULL q||\r\nmatch ok m|a|\r\n"), 0, 0, 1, 1 },
        { TEXT("Probe SCTP X q||\nmatch lost m|a|\nProbe TCP Y q|y|\nmatch ok m|b|\n"), 0, 1, 1,
          1 },
        { TEXT("Probe TCP NULL q||\nfallback Nowhere\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\nmatch x m|a\0b|\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\nExclude 1\n"), 0, 2, 1, 0 },
        { TEXT("Exclude 1\nExclude 2\nProbe TCP NULL q||\n"), 0, 2, 1, 0 },
        { TEXT("Probe TCP NULL q||\n   \nmatch ok m|a| p/x/ v/y/ i/z/ h/h/ o/o/ d/d/\n"), 0, 0, 1,
          1 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct tk_nsp *db = NULL;
        struct tk_err err = { 0 };
        int rc = tk_nsp_load_mem(&db, cases[k].text, cases[k].len, "m.nsp", &err);
        if (rc != cases[k].rc)
            fail_msg("case %zu: rc %d (%s)", k, rc, err.msg);
        if (rc) {
            assert_non_null(strstr(err.msg, "m.nsp"));
            assert_null(db);
            continue;
        }
        struct tk_nsp_stats st;
        tk_nsp_stats(db, &st);
        if (st.probes != cases[k].probes || st.matches != cases[k].matches)
            fail_msg("case %zu: %zu probes %zu matches", k, st.probes, st.matches);
        if (cases[k].bad_line) {
            char want[32];
            snprintf(want, sizeof want, "m.nsp:%d: ", cases[k].bad_line);
            if (strncmp(st.first_bad, want, strlen(want)))
                fail_msg("case %zu: first problem \"%s\"", k, st.first_bad);
        } else if (st.bad_lines) {
            fail_msg("case %zu: unexpected \"%s\"", k, st.first_bad);
        }
        tk_nsp_free(db);
    }
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/tk-nsp-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *t = probe_text();
    assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
    close(fd);
    free(t);
    struct tk_nsp *db = NULL;
    struct tk_err err = { 0 };
    assert_int_equal(tk_nsp_load(&db, path, &err), 0);
    struct tk_nsp_result r;
    assert_int_equal(MATCH(db, "ALPHA 3\r\n", 1, "tcp", NULL, &r), 1);
    tk_nsp_free(db);
    unlink(path);
    assert_int_equal(tk_nsp_load(&db, path, &err), TK_ENOENT);
    assert_null(db);
    assert_non_null(strstr(err.msg, path));
    assert_string_equal(tk_nsp_default_path(), "/usr/share/nmap/nmap-service-probes");
}

/* Every allocation in loading and matching may fail: the error comes back, nothing leaks. */
static void test_out_of_memory(void **state)
{
    (void)state;
    char *t = probe_text();
    bool done = false;
    for (long k = 0; !done && k < 10000; k++) {
        struct tk_nsp *db = NULL;
        tk_alloc_fail_after(k);
        int rc = tk_nsp_load_mem(&db, t, strlen(t), "t.nsp", NULL);
        if (rc == 0) {
            struct tk_nsp_result r;
            rc = MATCH(db, "DELTA v1", 1, "tcp", NULL, &r);
            if (rc == 1)
                assert_string_equal(r.product, "Delta");
            else
                assert_int_equal(rc, TK_ENOMEM);
            rc = rc == 1 ? MATCH(db, "HTTP/1.0 200 OK\r\nServer: Toy/1\r\n", 80, NULL, NULL, &r)
                         : rc;
            done = rc == 1;
            assert_true(rc == 1 || rc == TK_ENOMEM);
        } else {
            assert_int_equal(rc, TK_ENOMEM);
            assert_null(db);
        }
        tk_alloc_fail_after(-1);
        tk_nsp_free(db);
    }
    assert_true(done);
    free(t);
}

/* Threads sharing a fresh database race to compile the same regexes. */
struct worker {
    struct tk_nsp *db;
    int ok;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    static const char *const banners[] = { "ALPHA 1.0\r\n", "DELTA v3", "SUB 1_2\r\n",
                                           "HTTP/1.0 200 OK\r\nServer: Toy/3\r\n", "ORDER" };
    static const char *const want[] = { "alpha", "delta", "subst", "http", "first" };
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof banners / sizeof banners[0]; i++) {
            struct tk_nsp_result r;
            int rc = tk_nsp_match(w->db, (const unsigned char *)banners[i], strlen(banners[i]), 1,
                                  "tcp", NULL, &r, NULL);
            if (rc == 1 && !strcmp(r.service, want[i]))
                w->ok++;
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct tk_nsp *db = load_small();
    struct worker w[6];
    pthread_t th[6];
    for (int i = 0; i < 6; i++) {
        w[i] = (struct worker){ db, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].ok, 250);
    }
    struct tk_nsp_stats st;
    tk_nsp_stats(db, &st);
    assert_true(st.compiled + st.skipped <= st.matches);
    tk_nsp_free(db);
}

/* ---- nmap's own file, when installed ----------------------------------------------------- */

static struct tk_nsp *load_real(void)
{
    struct tk_nsp *db = NULL;
    struct tk_err err = { 0 };
    int rc = tk_nsp_load(&db, tk_nsp_default_path(), &err);
    if (rc == TK_ENOENT)
        return NULL;
    if (rc)
        fail_msg("%s", err.msg);
    return db;
}

static void test_real_ssh_ftp(void **state)
{
    (void)state;
    struct tk_nsp *db = load_real();
    if (!db)
        skip();
    struct tk_nsp_result r;
    assert_int_equal(MATCH(db, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n", 22, "tcp", NULL, &r),
                     1);
    assert_string_equal(r.service, "ssh");
    assert_string_equal(r.probe, "NULL");
    assert_string_equal(r.product, "OpenSSH");
    /* nmap -sV says "8.9p1 Ubuntu 3ubuntu0.1 (Ubuntu Linux; protocol 2.0)" */
    assert_string_equal(r.version, "8.9p1 Ubuntu 3ubuntu0.1");
    assert_string_equal(r.info, "Ubuntu Linux; protocol 2.0");
    assert_string_equal(r.os, "Linux");
    assert_false(r.soft);
    assert_true(r.ncpe >= 1);
    assert_string_equal(r.cpe[0], "cpe:/a:openbsd:openssh:8.9p1");

    assert_int_equal(MATCH(db, "220 (vsFTPd 3.0.3)\r\n", 21, "tcp", "NULL", &r), 1);
    assert_string_equal(r.service, "ftp");
    assert_string_equal(r.product, "vsftpd");
    assert_string_equal(r.version, "3.0.3");
    assert_string_equal(r.cpe[0], "cpe:/a:vsftpd:vsftpd:3.0.3");

    /* Only the protocol is known: the softmatch. */
    assert_int_equal(MATCH(db, "SSH-2.0-NoSuchServer\r\n", 22, "tcp", NULL, &r), 1);
    assert_string_equal(r.service, "ssh");
    assert_true(r.soft);
    tk_nsp_free(db);
}

static void test_real_http(void **state)
{
    (void)state;
    struct tk_nsp *db = load_real();
    if (!db)
        skip();
    static const char resp[] = "HTTP/1.1 200 OK\r\n"
                               "Date: Mon, 01 Jan 2024 10:00:00 GMT\r\n"
                               "Server: Apache/2.4.57 (Debian)\r\n"
                               "Content-Length: 10\r\n"
                               "Content-Type: text/html\r\n\r\n<p>hi</p>\n";
    struct tk_nsp_result r;
    assert_int_equal(MATCH(db, resp, 80, "tcp", "GetRequest", &r), 1);
    assert_string_equal(r.service, "http");
    assert_string_equal(r.probe, "GetRequest");
    assert_string_equal(r.product, "Apache httpd");
    assert_string_equal(r.version, "2.4.57");
    assert_string_equal(r.info, "(Debian)");
    assert_string_equal(r.cpe[0], "cpe:/a:apache:http_server:2.4.57");
    /* Unknown probe: the NULL probe does not know it, GetRequest does. */
    struct tk_nsp_result r2;
    assert_int_equal(MATCH(db, resp, 80, "tcp", NULL, &r2), 1);
    assert_int_equal(r2.line, r.line);
    tk_nsp_free(db);
}

static void test_real_hostile(void **state)
{
    (void)state;
    struct tk_nsp *db = load_real();
    if (!db)
        skip();
    static const char *const prefix[] = { "", "220 ", "HTTP/1.1 200 OK\r\n" };
    size_t n = 64 << 10;
    unsigned char *b = malloc(n);
    assert_non_null(b);
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++) {
        size_t k = strlen(prefix[i]);
        memcpy(b, prefix[i], k);
        memset(b + k, 'A', n - k);
        struct timespec t0, t1;
        struct tk_nsp_result r;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = tk_nsp_match(db, b, n, 80, "tcp", NULL, &r, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_true(rc == 0 || rc == 1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (s > 5.0) /* 0.2 s measured; generous for sanitizer builds */
            fail_msg("prefix %zu: %.2f s", i, s);
    }
    free(b);
    tk_nsp_free(db);
}

static void test_real_stats(void **state)
{
    (void)state;
    struct tk_nsp *db = load_real();
    if (!db)
        skip();
    assert_int_equal(tk_nsp_compile_all(db, NULL), 0);
    struct tk_nsp_stats st;
    tk_nsp_stats(db, &st);
    assert_true(st.probes > 100);
    assert_true(st.matches > 10000);
    assert_int_equal(st.bad_lines, 0);
    assert_true(st.skipped < st.matches / 100);
    assert_int_equal(st.compiled + st.skipped, st.matches);
    tk_nsp_free(db);
}

static int unhex(int c)
{
    return c <= '9' ? c - '0' : (c | 32) - 'a' + 10;
}

/* Compares two answers field by field (the result may hold bytes after each NUL). */
static void assert_same_answer(int rc1, const struct tk_nsp_result *a, int rc2,
                               const struct tk_nsp_result *b, const char *what)
{
    if (rc1 != rc2 || strcmp(a->service, b->service) || strcmp(a->product, b->product) ||
        strcmp(a->version, b->version) || strcmp(a->info, b->info) || a->line != b->line ||
        a->soft != b->soft || a->ncpe != b->ncpe)
        fail_msg("%s: with the prefilter %d line %d \"%s\", without %d line %d \"%s\"", what, rc1,
                 a->line, a->product, rc2, b->line, b->product);
}

/* The prefilter never changes an answer: every match line of the real file gets a banner
 * built from its own regex (tests/tools/nsp-samples.py, run by the build into NSP_SAMPLES,
 * bytes XORed with 0x5A),
 * matched with and without the prefilter, as written and with letters in the other case. */
static void test_real_prefilter(void **state)
{
    (void)state;
    const char *path = getenv("NSP_SAMPLES");
    FILE *f = path ? fopen(path, "r") : NULL;
    struct tk_nsp *on = f ? load_real() : NULL, *off = on ? load_real() : NULL;
    if (!off) {
        if (f)
            fclose(f);
        tk_nsp_free(on);
        skip();
    }
    tk_nsp_set_prefilter(off, false);
    static char row[16384];
    static unsigned char banner[8192];
    size_t rows = 0, own = 0, matched = 0;
    while (fgets(row, sizeof row, f)) {
        char probe[64], tr[8], hex[8200];
        int line;
        if (sscanf(row, "%63s %7s %d %8199s", probe, tr, &line, hex) != 4) {
            hex[0] = '\0'; /* an empty banner */
            if (sscanf(row, "%63s %7s %d", probe, tr, &line) != 3)
                fail_msg("%s: malformed row %zu", path, rows + 1);
        }
        size_t n = strlen(hex) / 2;
        for (size_t i = 0; i < n; i++)
            banner[i] = (unsigned char)((unhex(hex[2 * i]) << 4 | unhex(hex[2 * i + 1])) ^ 0x5a);
        for (int variant = 0; variant < 2; variant++) {
            if (variant)
                for (size_t i = 0; i < n; i++)
                    if ((banner[i] | 32) >= 'a' && (banner[i] | 32) <= 'z')
                        banner[i] ^= 32;
            struct tk_nsp_result a, b;
            char what[128];
            snprintf(what, sizeof what, "line %d (%s, variant %d)", line, probe, variant);
            int rc1 = tk_nsp_match(on, banner, n, 80, tr, probe, &a, NULL);
            int rc2 = tk_nsp_match(off, banner, n, 80, tr, probe, &b, NULL);
            assert_same_answer(rc1, &a, rc2, &b, what);
            matched += rc1 == 1;
            own += !variant && rc1 == 1 && a.line == line;
            /* the unknown probe tries every probe: a sample of the rows */
            if (rows % 16 == 0) {
                rc1 = tk_nsp_match(on, banner, n, 80, tr, NULL, &a, NULL);
                rc2 = tk_nsp_match(off, banner, n, 80, tr, NULL, &b, NULL);
                assert_same_answer(rc1, &a, rc2, &b, what);
            }
        }
        rows++;
    }
    fclose(f);
    print_message("# %zu match lines, %zu banners answered, %zu by their own line\n", rows, matched,
                  own);
    assert_true(rows > 10000);
    assert_true(own > rows / 2); /* the banners do reach their lines */
    tk_nsp_free(on);
    tk_nsp_free(off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_stats), cmocka_unit_test(test_fields),
        cmocka_unit_test(test_soft_and_hard),   cmocka_unit_test(test_probe_order),
        cmocka_unit_test(test_runaway),         cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_load_file),       cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_threads),         cmocka_unit_test(test_real_ssh_ftp),
        cmocka_unit_test(test_real_http),       cmocka_unit_test(test_real_hostile),
        cmocka_unit_test(test_real_stats),      cmocka_unit_test(test_cache),
        cmocka_unit_test(test_real_prefilter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
