/* nsp.h - nmap's service probe database (nmap-service-probes), read at run time and matched
 * against banners that scan data already holds.
 *
 * tenken never sends nmap's probes: it takes the bytes a service sent (a banner, or the
 * answer to an HTTP GET) and asks which `match` / `softmatch` line of nmap's own file
 * recognises them, filling in product, version, info, hostname, OS, device type and CPEs the
 * way `nmap -sV` does for that response. The file is nmap's and is not shipped with tenken
 * (its licence forbids that): it is read from the path the caller gives, normally
 * tk_nsp_default_path(). Regexes are compiled with PCRE2 on first use; a database may be
 * shared by threads. */
#ifndef TK_SURFACE_NSP_H
#define TK_SURFACE_NSP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define TK_NSP_MAX_FILE ((size_t)16 << 20) /* nmap 7.93's file is 2.5 MB */
/* Bytes of a banner considered. A few of nmap's regexes take time quadratic in the length of
 * a hostile banner: the worst banner measured costs 0.05 s at 8 KiB, 0.2 s at 16 KiB and
 * 2.5 s at 64 KiB on the real file. nmap itself stops reading once a response has 4 KiB. */
#define TK_NSP_MAX_BANNER ((size_t)16 << 10)
#define TK_NSP_MAX_PROBES 1024 /* Probe sections (nmap 7.93: 148) */

struct tk_nsp;

/* What a match line says about a banner. Field sizes are nmap's own: a field whose text would
 * not fit is left empty, as nmap does. Strings are NUL-terminated bytes taken from the banner:
 * escape them at every output. */
struct tk_nsp_result {
    char service[64];    /* "ssh", "http", "ssl/http" */
    char probe[64];      /* the Probe section holding the line ("NULL", "GetRequest") */
    char product[80];    /* p// */
    char version[80];    /* v// */
    char info[256];      /* i// */
    char hostname[80];   /* h// */
    char os[32];         /* o// */
    char devicetype[32]; /* d// */
    char cpe[3][80];     /* "cpe:/a:...", then h, then o: one each, as nmap keeps them */
    int ncpe;
    bool soft; /* a softmatch: the service is likely, the details may be thin */
    int line;  /* line of the match in the file, from 1 */
};

struct tk_nsp_stats {
    size_t probes, matches, softmatches; /* loaded (matches counts both kinds) */
    size_t bad_lines;                    /* malformed lines skipped at load */
    size_t compiled;                     /* regexes compiled so far */
    size_t skipped;      /* regexes PCRE2 refused so far: all of them after tk_nsp_compile_all */
    size_t limit_hits;   /* matches abandoned at the match, depth or heap limit */
    size_t cache_hits;   /* answers repeated from the cache of recent banners */
    char first_bad[256]; /* "path:LINE: reason" of the first malformed line, or "" */
    char first_skipped[256]; /* "path:LINE: reason" of the first refused regex, or "" */
};

/* "/usr/share/nmap/nmap-service-probes"; borrowed, static. */
const char *tk_nsp_default_path(void);

/* Reads and parses the file at path (at most TK_NSP_MAX_FILE bytes). *out is freed with
 * tk_nsp_free. TK_ENOENT when the file is missing; TK_EPARSE when it holds no Probe section;
 * TK_ELIMIT past TK_NSP_MAX_PROBES. Malformed lines are skipped and counted (tk_nsp_stats),
 * never fatal: a newer nmap may add directives. Exclude, rarity, totalwaitms and tcpwrappedms
 * are checked and otherwise ignored: they steer which probes nmap sends, and none is sent. */
int tk_nsp_load(struct tk_nsp **out, const char *path, struct tk_err *err);

/* The same from text in memory (copied); name labels messages. */
int tk_nsp_load_mem(struct tk_nsp **out, const char *text, size_t n, const char *name,
                    struct tk_err *err);

void tk_nsp_free(struct tk_nsp *db); /* accepts NULL */

/* Compiles every regex now (each is otherwise compiled on first use), so that tk_nsp_stats
 * counts all of those PCRE2 refuses. 0 or TK_ENOMEM. */
int tk_nsp_compile_all(struct tk_nsp *db, struct tk_err *err);

/* Matches banner (the first TK_NSP_MAX_BANNER of its n bytes) as a response seen on port
 * over transport ("tcp" or "udp"; NULL means tcp). probe names the probe that produced it:
 * "NULL" for what a service says unsolicited, "GetRequest" for the answer to an HTTP GET,
 * any other probe name of the file; its match lines are tried, then its fallbacks, then (for
 * TCP) the NULL probe's, as nmap does. probe NULL means unknown: the NULL probe, then
 * GetRequest, then the probes whose ports or sslports hold port, then every other probe of
 * the transport, in file order.
 * The first hard match wins. A softmatch is kept while the search goes on for a hard match
 * of the same service (after a softmatch nmap only pursues that service); it is the answer
 * when none is found. Returns 1 (r filled), 0 (no match; r cleared), or TK_EINVAL (unknown
 * transport), TK_ENOENT (no such probe for the transport), TK_ENOMEM. Thread-safe.
 * Answers for banners of up to 2 KiB are remembered (16384 of them, at most about 50 MB):
 * scan data repeats the same banners many times, and a repeated one costs one lookup. */
int tk_nsp_match(struct tk_nsp *db, const unsigned char *banner, size_t n, unsigned port,
                 const char *transport, const char *probe, struct tk_nsp_result *r,
                 struct tk_err *err);

void tk_nsp_stats(const struct tk_nsp *db, struct tk_nsp_stats *st);

/* Whether match lines are first ruled out by the literals their regexes require (on by
 * default, see nsp.c); off runs every line's regex. The answers are the same either way: off
 * is for the tests that show it, and for measuring. Not to be changed while other threads
 * match. */
void tk_nsp_set_prefilter(struct tk_nsp *db, bool on);

#endif
