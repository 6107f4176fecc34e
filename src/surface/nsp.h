/* nsp.h - nmap's service probe database (nmap-service-probes), matched against banners.
 * Being written; see nsp.c. */
#ifndef TK_SURFACE_NSP_H
#define TK_SURFACE_NSP_H
#endif
