/* bundle.h - the in-memory bundle: what one scan of one machine saw.
 *
 * Collectors fill it, analysis adds findings, bundle_json.c writes it in the versioned
 * format documented in docs/bundle.md (schema: docs/bundle.schema.json). All strings and
 * arrays are owned by the bundle's arena; pointers into a bundle are borrowed and valid
 * until tk_bundle_release. Sizes are bounded (TK_BUNDLE_MAX_*) so a hostile machine cannot
 * make a scan use unbounded memory: past a bound, entries are counted as dropped. */
#ifndef TK_BUNDLE_BUNDLE_H
#define TK_BUNDLE_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/attr.h"
#include "core/arena.h"
#include "core/err.h"

#define TK_BUNDLE_FORMAT "tenken-bundle"
#define TK_BUNDLE_FORMAT_VERSION 1

#define TK_BUNDLE_MAX_ITEMS 500000
#define TK_BUNDLE_MAX_ERRORS 2000
#define TK_BUNDLE_MAX_SOCKETS 65536
#define TK_BUNDLE_MAX_FINDINGS 100000
#define TK_BUNDLE_MAX_DETECTIONS 100000
#define TK_BUNDLE_MAX_TRACES 20000
#define TK_BUNDLE_MAX_BYTES ((size_t)1 << 30)
#define TK_BUNDLE_STR_MAX ((size_t)128 << 10) /* bytes of one string (a path of 32,767 UTF-16
                                                 units is at most 96 KiB of UTF-8) */

/* Yes / no / could not tell. */
enum tk_tri { TK_UNKNOWN = -1, TK_NO = 0, TK_YES = 1 };

enum tk_severity { TK_SEV_INFO, TK_SEV_LOW, TK_SEV_MEDIUM, TK_SEV_HIGH, TK_SEV_CRITICAL };

const char *tk_severity_name(enum tk_severity s);
int tk_severity_parse(const char *s, enum tk_severity *out); /* 0 or TK_EINVAL */

struct tk_host {
    const char *hostname;
    const char *endpoint_id;
    const char *os_family; /* "linux" */
    const char *os_id, *os_version_id, *os_name, *os_codename;
    const char *kernel_release, *kernel_version;
    const char *arch;
    int64_t boot_time; /* -1 when unknown */
    const char *timezone;
    const char **updates; /* Windows: installed updates ("KB5031356"), ascending */
    size_t nupdates, cupdates;
    const char *collector_version;
    int64_t started, finished;
};

struct tk_scan_info {
    const char *root;
    bool live;       /* the running system, not an image or fixture */
    bool privileged; /* ran with root rights */
    bool users_complete; /* every home directory was readable */
};

/* One installed piece of software. Fields other than name and source may be NULL. */
struct tk_item {
    const char *name;
    const char *version; /* raw, as found */
    const char *source;  /* dpkg, rpm, flatpak, snap, dir, browser-extension */
    const char *kind;    /* package, application, browser, extension, runtime, plugin, os */
    const char *vendor;
    const char *path;
    const char *user;
    const char *arch;
    const char *id;     /* flatpak ref, snap name, extension id */
    const char *status; /* dpkg/rpm state ("installed", "config-files"); "msi" (registry) */
    const char *source_package, *source_version; /* dpkg: the source package */
    const char *browser, *profile;               /* extensions */
    enum tk_tri enabled;                         /* extensions */
    const char *version_from;                    /* file or record the version came from */
};

/* A package removed with only its configuration left (status other than "installed"): not
 * software that runs. Only packages: the status of other items says something else. */
static inline bool tk_item_removed(const struct tk_item *it)
{
    return it->kind && strcmp(it->kind, "package") == 0 && it->status &&
           strcmp(it->status, "installed") != 0;
}

struct tk_addr {
    const char *address;
    int prefix;
    int family; /* 4 or 6 */
    const char *class; /* see tk_addr_classify */
    const char *scope;
    bool temporary, deprecated, tentative;
};

struct tk_iface {
    const char *name;
    int index;
    const char *mac;
    const char *state; /* up, down, unknown */
    int mtu;
    bool loopback;
    struct tk_addr *addrs;
    size_t naddrs, caddrs;
};

struct tk_route {
    int family;
    const char *gateway;
    const char *iface;
    int metric;
};

struct tk_sock {
    const char *proto; /* tcp, udp */
    int family;
    const char *address;
    int port;
    int pid; /* -1 when the owner could not be seen */
    const char *process;
    int64_t uid;
    uint64_t inode;
};

/* A service of interest: SMB, RDP, SSH. */
struct tk_service {
    const char *name;    /* smb, rdp, ssh */
    const char *product; /* samba, xrdp, gnome-remote-desktop, openssh */
    bool installed;      /* program or configuration present */
    const char *config;  /* main configuration file read */
    size_t *sockets;     /* indices into network.listening */
    size_t nsockets, csockets;
    /* Judged settings (NULL / TK_UNKNOWN when not applicable or unknown). */
    const char *min_protocol;       /* smb: effective server min protocol */
    const char *min_protocol_basis; /* smb: "setting" or "default" */
    enum tk_tri smb1_allowed;
    enum tk_tri password_authentication; /* ssh */
    const char *permit_root_login;       /* ssh */
    enum tk_tri enabled;      /* rdp on Windows: remote connections allowed by the settings */
    enum tk_tri nla_required; /* rdp on Windows: network level authentication required */
    int port;                 /* rdp on Windows: the configured port; 0 when not read */
};

/* A protection that is on, off or not known, and what that rests on: the host firewall
 * (network.firewall, "loaded") and the antivirus (antivirus, "active"). */
struct tk_protection {
    const char *product; /* antivirus: "Microsoft Defender"; NULL for the firewall */
    enum tk_tri loaded;
    const char **evidence;
    size_t nevidence, cevidence;
};

struct tk_network {
    bool collected; /* false for offline images: no live state */
    struct tk_iface *ifaces;
    size_t nifaces, cifaces;
    struct tk_route *routes; /* default routes */
    size_t nroutes, croutes;
    struct tk_sock *socks;
    size_t nsocks, csocks;
    struct tk_service services[3];
    size_t nservices;
    struct tk_protection firewall;
};

struct tk_evidence {
    const char *ref;  /* JSON pointer into the bundle, e.g. "/network/listening/3" */
    const char *text; /* what was seen, e.g. "tcp 0.0.0.0:445 smbd" */
};

/* One CVE that applies to a product version, with what the knowledge base knows of it. */
struct tk_vuln_cve {
    const char *cve;
    const char *basis;      /* curated, nvd, osv */
    const char *rule;       /* the range or configuration that matched */
    const char *title;      /* short description */
    const char *confidence; /* high, medium, low */
    bool possible;          /* the data cannot tell for certain (wildcards, platforms) */
    enum tk_severity severity; /* from CVSS, raised by known exploitation */
    double cvss3, cvss4;       /* < 0 when unknown */
    const char *cvss3_vector, *cvss3_severity, *cvss4_vector, *cvss4_severity;
    const char *cwe;
    const char *kev_added, *kev_due, *kev_ransomware, *kev_name; /* kev_added NULL: not KEV */
    double epss, epss_percentile; /* < 0 when unknown */
    const char *fixed[8];
    size_t nfixed;
    const char *update_to; /* first fixed version above the installed one */
    const char *jvn_id, *jvn_title;
    const char *sources[8];
    size_t nsources;
};

/* What a vulnerability finding rests on: a catalogued product (or a distro source
 * package) at a version, the CVEs that apply to it, and what fixes them. The cves array
 * is in the bundle's arena; the entries it points to belong to the matcher that judged the
 * bundle (kb/match.h) and are valid until tk_matcher_free. */
struct tk_vuln_info {
    const char *product_id, *product_name; /* catalog identity (id NULL for a package) */
    const char *product_kind;              /* the catalog's kind: browser, meeting, plugin… */
    const char *version;                   /* as the inventory had it */
    const char *compared;                  /* the normalised version that was compared */
    const char *update_to;                 /* a version that fixes every CVE listed */
    const char *latest;                    /* newest known version of the product line */
    const char *eol;                       /* end of life date, for life-cycle findings */
    const char *epss_model, *epss_date;
    const struct tk_vuln_cve *const *cves;
    size_t ncves, nkev, npossible;
};

struct tk_finding {
    const char *id; /* stable, e.g. "TK-NET-SMB-PUBLIC" */
    enum tk_severity severity;
    const char *category;   /* exposure, configuration, vulnerability, malware, trace */
    const char *confidence; /* high, medium, low */
    const char *title_en, *title_ja;
    const char *remediation_en, *remediation_ja;
    struct tk_evidence *evidence;
    size_t nevidence, cevidence;
    struct tk_vuln_info *vuln; /* vulnerability findings only; in the bundle's arena */
};

struct tk_bundle_error {
    const char *collector;
    const char *path;
    const char *kind; /* tk_err_name() of the code */
    const char *message;
};

struct tk_collector_stat {
    const char *name;
    size_t items;
    size_t errors;
    double seconds;
    bool skipped;
    const char *note;
};

/* ---- malware and IOC detections (scan/) ---------------------------------------------------- */

/* A matched string of a YARA hit: where, and at most the first 64 bytes as hex (never more of
 * the file than that). */
struct tk_match_ref {
    const char *id; /* "$a" */
    uint64_t offset;
    uint32_t length;
    const char *hex;
};

/* One reason an object was detected: a YARA rule hit or an IOC match. */
struct tk_reason {
    const char *type;  /* yara, hash-ioc, filename-ioc, c2-ioc */
    const char *rule, *ns, *tags; /* yara (tags space-separated) */
    const char *ioc, *source;     /* IOCs: the value and "FILE:LINE" it came from */
    const char *description, *author, *reference;
    int score;                    /* signed: false-positive rules and IOCs subtract */
    struct tk_match_ref *strings;
    size_t nstrings, total_strings;
};

/* A file, a process or a connection that something matched. */
struct tk_detection {
    const char *kind;      /* file, process, connection */
    const char *path;      /* file: its path; process: its executable */
    int64_t pid;           /* process, connection: -1 when not applicable */
    const char *process, *cmdline, *user; /* process, connection */
    const char *remote;    /* connection: "203.0.113.5:443" */
    int64_t size;          /* file: bytes; -1 when not applicable */
    const char *owner, *group;
    int64_t mode;          /* file: st_mode bits; -1 when not applicable */
    int64_t mtime, ctime;  /* file: seconds; -1 when unknown */
    const char *md5, *sha1, *sha256, *filetype;
    double score;
    const char *level;     /* notice, warning, alert ("none" below notice) */
    struct tk_reason *reasons;
    size_t nreasons;
};

/* A trace of compromise on Linux (scan/traces.h lists the kinds): something seen, where,
 * and the trait that made it worth recording. Judged by analyze/traces.c. */
struct tk_trace {
    const char *kind;     /* ld-preload, persistence, process-location, deleted-exe,
                             hidden-process, setid-file, unowned-executable, kernel-module,
                             authorized-key */
    const char *path;     /* the file it is in, or the executable; NULL */
    int64_t line;         /* 1-based line in path; -1 */
    int64_t pid;          /* -1 */
    const char *process, *user;
    const char *text;     /* what was seen (a line, a command, a module name), bounded */
    const char *why;      /* the trait or status: tmp-path, download-exec, unpackaged, ... */
};

/* What the malware and IOC part of the scan did. */
struct tk_detect_info {
    bool ran;                 /* any part ran */
    bool disk, memory, traces; /* which parts ran */
    const char *profile;      /* quick, full, paths */
    const char **paths;       /* start directories of the file scan */
    size_t npaths;
    size_t rules;             /* YARA rules loaded */
    const char *rules_hash;
    size_t ioc_hashes, ioc_filenames, ioc_c2;
    uint64_t files, bytes;    /* scanned (read or taken from the cache) */
    uint64_t cached;          /* of those, verdicts reused from --cache */
    uint64_t too_large, special, excluded, other_fs, errors, timeouts;
    uint64_t processes, process_bytes, processes_skipped;
    double seconds;
    int threads;
};

/* How the findings were judged. */
struct tk_analysis_info {
    const char *kb;      /* knowledge base used: a path or "built-in"; NULL: none */
    const char *kb_date; /* newest date among its sources: "knowledge as of" */
    int64_t analyzed_at;
};

struct tk_bundle {
    struct tk_arena arena;
    char bundle_id[40];
    struct tk_host host;
    struct tk_scan_info scan;
    struct tk_item *items;
    size_t nitems, citems, items_dropped;
    struct tk_network net;
    struct tk_protection antivirus; /* Windows: Microsoft Defender's real-time protection */
    struct tk_finding *findings;
    size_t nfindings, cfindings;
    struct tk_bundle_error *errors;
    size_t nerrors, cerrors, errors_dropped;
    struct tk_collector_stat *stats;
    size_t nstats, cstats;
    struct tk_analysis_info analysis;
    struct tk_detection *detections;
    size_t ndetections, cdetections, detections_dropped;
    struct tk_detect_info detect;
    struct tk_trace *traces;
    size_t ntraces, ctraces, traces_dropped;
};

int tk_bundle_init(struct tk_bundle *b, struct tk_err *err);
void tk_bundle_release(struct tk_bundle *b);

/* Copies into the bundle's arena; NULL s gives NULL. NULL also on exhaustion, which the
 * callers treat like an absent value (the bundle stays consistent). */
const char *tk_bundle_strdup(struct tk_bundle *b, const char *s);
const char *tk_bundle_strndup(struct tk_bundle *b, const char *s, size_t n);
/* A printable copy of s[0..n) in the arena: control bytes as '?', at most max bytes (max
 * <= 4096), cut after a whole UTF-8 sequence and ended with "…" when longer. */
const char *tk_bundle_clip(struct tk_bundle *b, const char *s, size_t n, size_t max);
/* A live scan of a Windows system reads its files relative to the system drive ("/Users/…");
 * this writes every such path of the bundle (programs, scanned places, detections, traces,
 * errors) the way Windows users read them, under drive ("C:\Users\…"). Registry paths and
 * paths already native are left alone. */
void tk_bundle_native_paths(struct tk_bundle *b, const char *drive);
const char *tk_bundle_printf(struct tk_bundle *b, const char *fmt, ...)
    TK_PRINTF(2, 3);

/* A new zeroed item / socket / finding (borrowed), or NULL when out of memory or past the
 * bound; the *_dropped counters record how many were refused. */
struct tk_item *tk_bundle_add_item(struct tk_bundle *b);
struct tk_iface *tk_bundle_add_iface(struct tk_bundle *b);
struct tk_addr *tk_bundle_add_addr(struct tk_bundle *b, struct tk_iface *ifc);
struct tk_route *tk_bundle_add_route(struct tk_bundle *b);
struct tk_sock *tk_bundle_add_sock(struct tk_bundle *b);
struct tk_finding *tk_bundle_add_finding(struct tk_bundle *b);
struct tk_detection *tk_bundle_add_detection(struct tk_bundle *b);
struct tk_trace *tk_bundle_add_trace(struct tk_bundle *b);
int tk_finding_add_evidence(struct tk_bundle *b, struct tk_finding *f, const char *ref,
                            const char *text);
int tk_service_add_socket(struct tk_bundle *b, struct tk_service *s, size_t sock_index);
int tk_firewall_add_evidence(struct tk_bundle *b, const char *text);
/* Records an installed update (copied), keeping host.updates sorted and without repeats;
 * TK_ELIMIT past TK_BUNDLE_MAX_UPDATES, TK_ENOMEM. */
#define TK_BUNDLE_MAX_UPDATES 4096
int tk_bundle_add_update(struct tk_bundle *b, const char *kb);
int tk_protection_add_evidence(struct tk_bundle *b, struct tk_protection *p, const char *text);

/* Records something that could not be read and why. Never fails: past the bound or when
 * out of memory the error is counted in errors_dropped. */
void tk_bundle_error(struct tk_bundle *b, const char *collector, const char *path,
                     const struct tk_err *e);
void tk_bundle_errorf(struct tk_bundle *b, const char *collector, const char *path, int code,
                      const char *fmt, ...) TK_PRINTF(5, 6);

/* The highest finding severity, or -1 when there are no findings. */
int tk_bundle_max_severity(const struct tk_bundle *b);

#endif
