/* Little-endian loads and stores. Every on-flash format of the SDK is
 * little-endian and many fields sit at odd offsets, so fields are moved a
 * byte at a time: the ESP8266 traps on unaligned word access, and this way
 * the code does not depend on the host's byte order either. */
#ifndef FK_LE_H
#define FK_LE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline uint16_t fk_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t fk_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t fk_le64(const uint8_t *p)
{
    return (uint64_t)fk_le32(p) | ((uint64_t)fk_le32(p + 4) << 32);
}

static inline void fk_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void fk_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void fk_put_le64(uint8_t *p, uint64_t v)
{
    fk_put_le32(p, (uint32_t)v);
    fk_put_le32(p + 4, (uint32_t)(v >> 32));
}

#ifdef __cplusplus
}
#endif

#endif
