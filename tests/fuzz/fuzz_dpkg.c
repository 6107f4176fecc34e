/* fuzz_dpkg.c - the incremental dpkg status parser (collect/dpkg.h).
 *
 * The input is cut into lines the way the collector's line reader does, and each line is
 * handed over in its own allocation of exactly its length, so a parser reading past the
 * slice it was given trips the sanitizers. Every stanza reported must have a Package. */
#include <string.h>

#include "collect/dpkg.h"
#include "core/alloc.h"
#include "fuzz.h"

struct seen {
    size_t packages, stop_after;
};

static void check_str(struct tk_str s)
{
    /* Touch every byte so an out-of-range slice is caught. */
    volatile unsigned char sink = 0;
    for (size_t i = 0; i < s.n; i++)
        sink ^= (unsigned char)s.p[i];
    (void)sink;
}

static int on_package(void *ud, const struct tk_dpkg_parser *p)
{
    struct seen *st = ud;
    struct tk_str name, version, state = tk_dpkg_state(p);
    FUZZ_CHECK(tk_dpkg_get(p, TK_DPKG_PACKAGE).n > 0);
    tk_dpkg_source(p, &name, &version);
    check_str(state);
    check_str(name);
    check_str(version);
    for (int f = 0; f < TK_DPKG_NFIELDS; f++)
        check_str(tk_dpkg_get(p, (enum tk_dpkg_field)f));
    /* Field values are trimmed: no blank at either end. */
    struct tk_str pkg = tk_dpkg_get(p, TK_DPKG_PACKAGE);
    FUZZ_CHECK(pkg.p[0] != ' ' && pkg.p[pkg.n - 1] != ' ');
    if (++st->packages == st->stop_after)
        return 5;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tk_str rest = { (const char *)data, size }, line;
    struct seen st = { 0, size ? data[size - 1] % 4 : 0 };
    struct tk_dpkg_parser p;
    struct tk_err err = { 0 };
    size_t lineno = 0;
    int rc = 0;

    tk_dpkg_parser_init(&p, on_package, &st);
    while (tk_str_next_line(&rest, &line)) {
        lineno++;
        char *copy = tk_malloc(line.n ? line.n : 1);
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, line.p, line.n);
        err.msg[0] = '\0';
        rc = tk_dpkg_feed(&p, (struct tk_str){ copy, line.n }, "status", lineno, &err);
        tk_free(copy);
        FUZZ_CHECK(rc == 0 || rc == TK_EPARSE || rc == 5);
        if (rc == TK_EPARSE)
            FUZZ_CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof err.msg));
        if (rc == 5)
            break; /* the callback asked to stop, as the collector would */
    }
    if (rc != 5) {
        rc = tk_dpkg_finish(&p, "status", &err);
        FUZZ_CHECK(rc == 0 || rc == TK_EPARSE || rc == 5);
        /* Finishing twice reports nothing new. */
        FUZZ_CHECK(tk_dpkg_finish(&p, "status", &err) == 0);
    }
    tk_dpkg_parser_release(&p);
    return 0;
}
