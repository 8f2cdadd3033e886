#ifndef FK_CRC32_H
#define FK_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ESP ROM's crc32_le(): reflected polynomial 0xEDB88320, the seed is
 * complemented on entry and the result on exit. NVS and otadata both use
 * fk_crc32_le(0xFFFFFFFF, buf, len), i.e. register 0, final xor 0xFFFFFFFF
 * ("123456789" -> 0xD202D277). Chaining: crc = fk_crc32_le(crc, next, n). */
uint32_t fk_crc32_le(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
