/* le.h - little-endian stores for the unit tests that build binary formats byte by byte
 * (PE version resources, Windows shortcuts). */
#ifndef TK_TESTS_LE_H
#define TK_TESTS_LE_H

#include <stdint.h>

static inline void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xFFFF);
    put16(p + 2, v >> 16);
}

#endif
