/* attrib.h - attribution of observations to organisations (and prefectures in Japan).
 *
 * The attack-surface survey must say which organisation owns each exposed device, where it
 * is, how sure we are and why. Four sources feed that answer, strongest first:
 *
 *   1. an organisation directory the user keeps (CSV or JSON: ids, names, prefectures,
 *      address blocks, domains), matched by longest prefix on the address, by certificate
 *      names and subject O, and by reverse-DNS host names;
 *   2. WHOIS text the user saved (JPNIC, RIPE-style and ARIN-style records): the most
 *      specific range holding the address names an organisation, matched to the directory
 *      by normalised name;
 *   3. a MaxMind DB (GeoIP2/GeoLite2 City layout): country and subdivision of the address,
 *      weak evidence (it is usually the ISP's point of presence), never an organisation;
 *   4. what the scan source itself claimed (country, region).
 *
 * Lifecycle: tk_attrib_new -> tk_attrib_add_directory / tk_attrib_add_whois /
 * tk_attrib_open_mmdb (any number, any order) -> tk_attrib_finish -> tk_attrib_lookup
 * (any number of threads at once: nothing changes after finish) -> tk_attrib_free.
 * tk_attrib_load does the whole setup from file names.
 *
 * File formats: docs in the comments of tk_attrib_add_directory and tk_attrib_add_whois. */
#ifndef TK_SURFACE_ATTRIB_H
#define TK_SURFACE_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/str.h"
#include "surface/obs.h"
#include "surface/prefecture.h"

/* ---- organisation names --------------------------------------------------------------- */

#define TK_ORG_NAME_NORM_MAX 512

/* The form organisation names are compared in, a deliberately small stand-in for NFKC:
 *   - fullwidth ASCII (U+FF01..U+FF5E) becomes ASCII, U+3000 a blank, ㈱ (株), ㈲ (有),
 *     ㍿ 株式会社; ASCII letters are lower-cased; nothing else is folded (no half-width
 *     katakana, no kana/kanji variants);
 *   - the Japanese legal forms 株式会社, 有限会社, 合同会社, 合資会社, 合名会社, (株), (有),
 *     (同) are removed wherever they stand;
 *   - the rest is cut into words at every ASCII character that is not a letter, a digit or
 *     '&', and at 「・」; trailing English legal forms are dropped ("co ltd", "co limited",
 *     "company limited", "ltd", "limited", "inc", "incorporated", "corp", "corporation",
 *     "kk", "k k", "kabushiki kaisha", "llc", "gk", "plc", "co"), as is a leading
 *     "kabushiki kaisha", as long as a word remains;
 *   - the words are joined without separators.
 * So "株式会社サンプル", "（株）サンプル" and "サンプル 株式会社" are all "サンプル", and
 * "Example Co., Ltd.", "EXAMPLE CO.,LTD" and "Example Corporation" are all "example".
 * Writes the result (NUL-terminated) to out; false when the name is not UTF-8, normalises
 * to nothing, or does not fit in outsz bytes. */
bool tk_org_name_normalize(struct tk_str name, char *out, size_t outsz);

/* ---- the directory and its matcher -------------------------------------------------- */

/* One organisation of the directory. Strings are NUL-terminated UTF-8, never NULL ("" when
 * the column was empty); all borrowed from the tk_attrib, valid until tk_attrib_free. */
struct tk_org {
    const char *id;
    const char *name;
    const char *corporate_number; /* 13 digits or "" */
    const char *address;
    const char *contacts;
    int prefecture;     /* 1..47, 0 unknown */
    const char *origin; /* "orgs.csv:12" / "orgs.json: org 3" */
};

struct tk_attrib;

/* A new, empty matcher; NULL when out of memory. Free with tk_attrib_free. */
struct tk_attrib *tk_attrib_new(void);
void tk_attrib_free(struct tk_attrib *a); /* accepts NULL */

/* Bounds: a directory or WHOIS text of at most TK_ATTRIB_MAX_TEXT bytes per call, at most
 * TK_ATTRIB_MAX_ORGS organisations, TK_ATTRIB_MAX_NETS address blocks, TK_ATTRIB_MAX_DOMAINS
 * domains and TK_ATTRIB_MAX_WHOIS WHOIS ranges in all (past them: TK_ELIMIT). */
#define TK_ATTRIB_MAX_TEXT ((size_t)256 << 20)
#define TK_ATTRIB_MAX_ORGS ((size_t)1 << 20)
#define TK_ATTRIB_MAX_NETS ((size_t)1 << 22)
#define TK_ATTRIB_MAX_DOMAINS ((size_t)1 << 22)
#define TK_ATTRIB_MAX_WHOIS ((size_t)1 << 22)

enum tk_attrib_format { TK_ATTRIB_AUTO, TK_ATTRIB_CSV, TK_ATTRIB_JSON };

/* Adds organisations from a directory in memory; name is used in messages. Before
 * tk_attrib_finish only. On error nothing of this text is kept.
 *
 * CSV (RFC 4180 quoting; fields may span lines inside quotes): a header row naming the
 * columns, in any order and case: org_id and name (required), corporate_number,
 * prefecture, address, cidrs, domains, contacts; other columns are ignored. Blank lines
 * and lines starting with '#' are skipped; a row may have fewer fields than the header
 * (the missing ones are empty), not more.
 * JSON: an array of objects with the same keys (or {"orgs": [...]}); cidrs and domains
 * are arrays of strings or one string; prefecture and corporate_number may be numbers.
 * In both: UTF-8, a byte-order mark is skipped; cidrs and domains are lists separated by
 * blanks, ';' or ','; a CIDR is "192.0.2.0/24", "2001:db8::/32" or a bare address (one
 * host), without host bits set; a domain ("example.co.jp", "*.example.co.jp" and
 * "example.co.jp." mean the same) has at least two labels; prefecture is anything
 * tk_prefecture_parse accepts or empty; corporate_number is 13 digits or empty; org_id
 * is unique over all directories added.
 * Errors: TK_EPARSE with "name:line: ..." (CSV, the line where the row starts) or
 * "name: org N (\"id\"): ..." (JSON, N counts from 1); TK_ELIMIT; TK_ENOMEM. */
int tk_attrib_add_directory(struct tk_attrib *a, const char *name, const char *text, size_t n,
                            enum tk_attrib_format fmt, struct tk_err *err);

/* Adds WHOIS text in memory (saved answers, concatenated as they came). Recognised:
 *   JPNIC:  "[IPネットワークアドレス] 192.0.2.0/24" or "[Network Number] ..." starts a
 *           record (a leading "a. " item letter is allowed); "[組織名]" and "[Organization]"
 *           give its names, "[ネットワーク名]"/"[Network Name]" its net name; the record
 *           ends at the next range, at the 上位情報/下位情報 ("Less/More Specific Info.")
 *           tables, at a contact record ("[JPNICハンドル]", "[グループハンドル]"), or at
 *           the end.
 *   RIPE/APNIC/AFRINIC/LACNIC: "inetnum: a - b" or "inet6num: 2001:db8::/32" starts an
 *           object; "org-name:", "descr:" and "owner:" give names, "netname:" the net
 *           name, "org: HANDLE" links to an "organisation: HANDLE" object's "org-name:"
 *           anywhere in the texts added; an object ends at a blank line.
 *   ARIN:   "NetRange: a - b" or "CIDR: a/n[, b/m]", "OrgName:", "NetName:".
 * A range is a CIDR, "first - last" or a bare address. At lookup the smallest range holding
 * the address decides (the first added among equal ones); its names are compared with the
 * directory's in the tk_org_name_normalize form. Other lines, '%' and '#' comments
 * are skipped; malformed ranges are skipped too (WHOIS text is messy) and counted in
 * *skipped when it is not NULL. Errors: TK_ELIMIT, TK_ENOMEM only, and then nothing of this
 * text is kept. */
int tk_attrib_add_whois(struct tk_attrib *a, const char *name, const char *text, size_t n,
                        size_t *skipped, struct tk_err *err);

/* Opens a MaxMind DB for country and subdivision lookups (one per matcher). TK_EIO or
 * TK_EPARSE with "path: reason" when it cannot be used. */
int tk_attrib_open_mmdb(struct tk_attrib *a, const char *path, struct tk_err *err);

/* Builds the lookup structures; after it nothing can be added and lookups may start.
 * 0, TK_ENOMEM or TK_EINVAL (called twice). */
int tk_attrib_finish(struct tk_attrib *a, struct tk_err *err);

struct tk_attrib_opts {
    const char *directory;    /* CSV or JSON file (by name: .csv / .json, else by content) */
    const char *const *whois; /* NULL-terminated list of WHOIS text files, or NULL */
    const char *mmdb;         /* MaxMind DB file, or NULL */
};

/* new + add_directory + add_whois for each + open_mmdb + finish, from files (gzip read
 * transparently). Every member of o may be NULL. Caller frees *out with tk_attrib_free.
 * Errors name the file as above; TK_EIO / TK_ENOENT for unreadable files. */
int tk_attrib_load(struct tk_attrib **out, const struct tk_attrib_opts *o, struct tk_err *err);

/* The directory, for listing: count, and the org at index i (< count) or NULL. */
size_t tk_attrib_org_count(const struct tk_attrib *a);
const struct tk_org *tk_attrib_org(const struct tk_attrib *a, size_t i);
const struct tk_org *tk_attrib_org_by_id(const struct tk_attrib *a, const char *id);
size_t tk_attrib_whois_count(const struct tk_attrib *a);   /* ranges kept (after finish) */
size_t tk_attrib_whois_skipped(const struct tk_attrib *a); /* malformed ranges skipped */

/* ---- lookups ----------------------------------------------------------------------- */

enum tk_attrib_confidence {
    TK_CONF_NONE,   /* no organisation, no geolocation of our own */
    TK_CONF_LOW,    /* no organisation; location from the MaxMind DB */
    TK_CONF_MEDIUM, /* organisation from a reverse-DNS name or WHOIS */
    TK_CONF_HIGH,   /* organisation from an address block or the certificate */
};

enum tk_evidence_kind {
    TK_EV_CIDR,     /* detail: the directory's block, "192.0.2.0/24" */
    TK_EV_CERT_SAN, /* detail: the SAN that matched a domain */
    TK_EV_CERT_CN,  /* detail: the subject CN that matched a domain */
    TK_EV_CERT_O,   /* detail: the subject O as written */
    TK_EV_HOSTNAME, /* detail: the host name (reverse DNS) that matched a domain */
    TK_EV_WHOIS,    /* detail: "192.0.2.0/24 Example Co., Ltd. (whois.txt:3)" */
    TK_EV_MMDB,     /* detail: "JP JP-14" (country, then subdivision when known) */
    TK_EV_SOURCE,   /* detail: "JP 14": what the scan source said */
    TK_EV_COUNT
};

#define TK_ATTRIB_MAX_EVIDENCE 16
#define TK_ATTRIB_DETAIL_MAX 256

struct tk_attrib_evidence {
    enum tk_evidence_kind kind;
    /* The organisation this points to (borrowed from the tk_attrib); NULL for mmdb and
     * source, and for WHOIS ranges whose name is not in the directory. */
    const struct tk_org *org;
    /* True when it points to another organisation than the one chosen (or, for WHOIS, names
     * one outside the directory while one was chosen). */
    bool conflict;
    char detail[TK_ATTRIB_DETAIL_MAX]; /* untrusted text, cut at a character boundary */
};

/* Caller storage; every lookup sets all of it except evidence[nevidence..], left as it was. */
struct tk_attribution {
    const struct tk_org *org; /* chosen organisation, or NULL */
    enum tk_attrib_confidence confidence;
    /* Where the device is: from the organisation when it is attributed and has a
     * prefecture, else the MaxMind DB, else the scan source ("" when nobody knows). */
    char country[3];        /* ISO 3166-1 alpha-2, "JP" */
    char region[12];        /* ISO 3166-2, "JP-14" */
    int prefecture;         /* 1..47 when country is JP and region one of them, else 0 */
    const char *place_from; /* "org", "mmdb", "source" or "" (static) */
    /* The MaxMind DB's answer on its own ("" when none). */
    char mmdb_country[3];
    char mmdb_region[12];
    size_t nevidence;
    unsigned evidence_dropped; /* items past TK_ATTRIB_MAX_EVIDENCE */
    struct tk_attrib_evidence evidence[TK_ATTRIB_MAX_EVIDENCE];
};

/* Attributes one observation. Only reads a and o, so any number of threads may look up at
 * once. 0, or TK_EINVAL when a is not finished. An observation whose ip does not parse is
 * attributed by names only. */
int tk_attrib_lookup(const struct tk_attrib *a, const struct tk_obs *o, struct tk_attribution *res);

const char *tk_attrib_confidence_name(enum tk_attrib_confidence c); /* "high", ... */
const char *tk_evidence_kind_name(enum tk_evidence_kind k);         /* "cert-san", ... */

struct tk_json;
/* {"org_id","org_name","org_prefecture","confidence","country","region","place_from",
 *  "evidence":[{"kind","detail","org_id","conflict"}]} */
void tk_attribution_write_json(const struct tk_attribution *r, struct tk_json *w);

#endif
