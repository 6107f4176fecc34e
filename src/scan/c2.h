/* c2.h - C2 IOCs (addresses, ranges, domains) against what the system talks to or is told
 * to resolve:
 *   - live connections: every TCP and UDP socket with a remote address in
 *     /proc/net/{tcp,tcp6,udp,udp6} (IPv4-mapped IPv6 addresses compared as IPv4), with the
 *     owning process (pid, name, executable, command line, user) where it can be found;
 *     a detection of kind "connection";
 *   - the hosts file (/etc/hosts of the scanned root, so offline images too): addresses and
 *     names on each line; a detection of kind "file" for the hosts file;
 *   - logs that name the hosts the machine talked to (the system log, dnsmasq's and BIND's
 *     query logs, a local squid's access log; the last 64 MB of each): every word that is
 *     an address or a domain name; a detection of kind "file" for the log.
 * Resolver caches are not read: systemd-resolved keeps its cache in memory only (reachable
 * through its D-Bus API, which a read-only collector does not call), and nscd's binary
 * cache format is undocumented. */
#ifndef TK_SCAN_C2_H
#define TK_SCAN_C2_H

#include <stdbool.h>

#include "bundle/bundle.h"
#include "compat/fs.h"
#include "core/err.h"
#include "scan/ioc.h"

/* live: also the connections of the running system. Adds detections and errors (collector
 * "c2") to b; returns 0 or TK_ENOMEM. */
int tk_c2_check(struct tk_bundle *b, const struct tk_iocs *iocs, struct tk_fs *root, bool live,
                struct tk_err *err);

#endif
