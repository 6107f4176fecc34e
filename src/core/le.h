/* le.h - little-endian integers in byte buffers: the readers of the binary formats tenken
 * parses (PE version resources, Windows shortcuts, Electron archives, registry values, ELF
 * headers) and the stores the
 * tests that build such files use. The caller has checked that the bytes are there. */
#ifndef TK_CORE_LE_H
#define TK_CORE_LE_H

#include <stdint.h>

static inline uint16_t tk_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t tk_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t tk_le64(const unsigned char *p)
{
    return (uint64_t)tk_le32(p) | (uint64_t)tk_le32(p + 4) << 32;
}

static inline void tk_put_le16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void tk_put_le32(unsigned char *p, uint32_t v)
{
    tk_put_le16(p, v & 0xFFFF);
    tk_put_le16(p + 2, v >> 16);
}

#endif
