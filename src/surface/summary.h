/* summary.h - placeholder until it lands. */
#ifndef TK_SURFACE_SUMMARY_H
#define TK_SURFACE_SUMMARY_H
#endif
