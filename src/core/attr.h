/* attr.h - compiler attributes shared by the headers.
 *
 * TK_PRINTF(f, a): the function formats like printf, format string in argument f, its
 * arguments from a (0 for a va_list). mingw-w64 checks `printf` against the Microsoft
 * runtime's conversions, which lack %zu and %lld; tenken.exe is built with
 * __USE_MINGW_ANSI_STDIO (the C99 conversions), and its headers name that flavour. */
#ifndef TK_CORE_ATTR_H
#define TK_CORE_ATTR_H

#include <stdio.h>

#ifdef __MINGW_PRINTF_FORMAT
#define TK_PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#else
#define TK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

#endif
