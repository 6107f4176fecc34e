/* collect.h - the endpoint collectors and the scan that runs them.
 *
 * A collector reads one source of facts (the dpkg database, browser profiles, /proc/net …)
 * through the rooted file systems in its context and adds what it saw to the bundle.
 * Collectors never print and never modify the scanned system; anything they cannot read
 * becomes an entry in the bundle's errors[] and the scan goes on. The list is one X-macro,
 * so adding a collector is one line here and one file. */
#ifndef TK_COLLECT_COLLECT_H
#define TK_COLLECT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>

#include "bundle/bundle.h"
#include "compat/fs.h"
#include "core/err.h"

/* name, one-line description shown in progress and docs */
#define TK_COLLECTORS(X)                                                              \
    X(host, "host and operating system")                                              \
    X(users, "user accounts and home directories")                                    \
    X(dpkg, "Debian packages (/var/lib/dpkg/status)")                                  \
    X(rpm, "RPM packages")                                                             \
    X(flatpak, "Flatpak applications and runtimes")                                   \
    X(snap, "snap packages")                                                           \
    X(browsers, "web browsers")                                                        \
    X(extensions, "browser extensions per user profile")                              \
    X(apps, "meeting, remote-access and runtime software")                            \
    X(network, "interfaces, addresses, routes and listening sockets")                 \
    X(services, "SMB, RDP, SSH and host firewall")

/* The collectors of a Windows system, live or an offline image: name, function suffix,
 * description. */
#define TK_WIN_COLLECTORS(X)                                                          \
    X(host, win_host, "Windows edition, build and identity")                          \
    X(users, win_users, "user profiles")                                              \
    X(software, win_software, "installed programs (Uninstall keys, per machine and user)") \
    X(programs, win_programs, "browsers and meeting tools by their program files' versions") \
    X(extensions, extensions, "browser extensions per user profile")                   \
    X(network, win_network, "adapters, addresses, default gateways and listening sockets") \
    X(services, win_services, "RDP, SMB and SMBv1, Windows Firewall")                 \
    X(autostart, win_autostart, "Run keys, services, scheduled tasks, Startup folders")

struct tk_user {
    const char *sid;  /* Windows: the account's SID (its registry hive is HKU\SID) */
    const char *name;
    const char *home; /* inside the root */
    long uid;
    bool readable;
};

struct tk_collect_ctx {
    struct tk_bundle *b;
    struct tk_fs *root;
    struct tk_fs *proc; /* NULL when there is no live system (offline image) */
    struct tk_winreg *reg; /* Windows: the registry, live or the image's hives; else NULL */
    bool live;
    bool traces; /* look for traces of compromise (not --no-traces) */
    const char *collector; /* name of the running collector, for errors */
    const char *note;      /* set by a collector that skipped its source, and why */
    struct tk_user *users;
    size_t nusers, cusers;
};

#define TK_DECLARE_COLLECTOR(name, desc) int tk_collect_##name(struct tk_collect_ctx *ctx);
TK_COLLECTORS(TK_DECLARE_COLLECTOR)
#undef TK_DECLARE_COLLECTOR
#define TK_DECLARE_COLLECTOR(name, fn, desc) int tk_collect_##fn(struct tk_collect_ctx *ctx);
TK_WIN_COLLECTORS(TK_DECLARE_COLLECTOR)
#undef TK_DECLARE_COLLECTOR

struct tk_collect_opts {
    const char *root; /* "/" for this machine */
    const char *proc; /* NULL: "/proc" when root is "/", none otherwise */
    const char *only; /* comma-separated collector names, NULL for all */
    const char *os;   /* "linux", "windows", or NULL: this system's, or what the root holds */
    bool no_traces;   /* --no-traces: collectors of traces (Windows autostart) skip */
    /* Called before each collector; may be NULL. */
    void (*progress)(void *ud, const char *name, const char *desc, size_t i, size_t n);
    void *ud;
    /* When set, the accounts the users collector found are handed over (free *users with
     * tk_free; their strings live in the bundle), for checks that run after collection. */
    struct tk_user **users;
    size_t *nusers;
};

/* Runs the collectors into b. Returns 0, or a negative code for failures that stop the whole
 * scan (the root cannot be opened, out of memory); everything else lands in b->errors. */
int tk_collect(struct tk_bundle *b, const struct tk_collect_opts *opts, struct tk_err *err);

/* Whether name is in the comma-separated list only (NULL: everything is). */
bool tk_collect_selected(const char *only, const char *name);

/* Checks a list for --only: every name must be a collector (of either system) or one of
 * extra (NULL-terminated: the scan's own checks). NULL when all are known, else the first
 * unknown one, copied into bad (n bytes). */
const char *tk_collect_unknown(const char *only, const char *const *extra, char *bad, size_t n);
/* Every name tk_collect_unknown knows, comma-separated, each once, into out (n bytes). */
void tk_collect_names(const char *const *extra, char *out, size_t n);



/* Helpers shared by collectors. */

/* Records an error for the current collector; path may be NULL. */
void tk_collect_error(struct tk_collect_ctx *ctx, const char *path, const struct tk_err *e);

/* Reads a small text file (configuration, version file) into out, bounded by out->max.
 * A missing file returns TK_ENOENT without recording anything; other failures are
 * recorded as errors and returned. */
int tk_collect_read(struct tk_collect_ctx *ctx, const char *path, struct tk_buf *out);

/* Adds an item, copying every string into the bundle; NULL when refused. */
struct tk_item *tk_collect_item(struct tk_collect_ctx *ctx, const char *source,
                                const char *kind, const char *name, const char *version,
                                const char *path);

/* The bundle's service slot `which` (0 smb, 1 rdp, 2 ssh), named and with unknown settings
 * on first use. */
struct tk_service *tk_collect_service(struct tk_collect_ctx *ctx, int which, const char *name);
/* Ties the listening TCP sockets whose port is one of ports (0-terminated) or whose process
 * is one of procs (NULL-terminated) to the service. */
int tk_collect_attach_sockets(struct tk_collect_ctx *ctx, struct tk_service *s, const int *ports,
                              const char *const *procs);

#endif
