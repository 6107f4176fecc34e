/* probe.h - placeholder until it lands. */
#ifndef TK_SURFACE_PROBE_H
#define TK_SURFACE_PROBE_H
#endif
