/* probe.h - the opt-in reachability probe: a plain TCP connect (no data sent, closed at
 * once) from the server to ports at the address an upload came from, all ports at once,
 * bounded in time. Only for organisations that asked for it (`org add --probe`). */
#ifndef TK_SERVER_PROBE_H
#define TK_SERVER_PROBE_H

#include "analyze/analyze.h"

#define TK_PROBE_DEFAULT_TIMEOUT_MS 1500

/* Tries SMB at smb_port and RDP at rdp_port of address (numeric) at once and records open /
 * closed / unknown (no answer in timeout_ms) in r->probes; r->source is not touched. */
void tk_probe_ports(const char *address, int smb_port, int rdp_port, int timeout_ms,
                    struct tk_reach *r);

#endif
