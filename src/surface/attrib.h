/* attrib.h - attribution of observations to organisations. Being written; see attrib.c. */
#ifndef TK_SURFACE_ATTRIB_H
#define TK_SURFACE_ATTRIB_H
#endif
