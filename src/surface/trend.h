/* trend.h - placeholder until it lands. */
#ifndef TK_SURFACE_TREND_H
#define TK_SURFACE_TREND_H
#endif
