/* XTS-AES-256 (IEEE 1619), the cipher of NVS encryption. The core only
 * declares it, like fk_hash.h: a port provides it (host: port/xts_mbedtls.c
 * with mbedTLS; an ESP8266 firmware links the RTOS SDK's mbedTLS, whose
 * esp8266/aes.c has the same software XTS). Stateless, so no key schedule
 * or context lives in RAM between calls. */
#ifndef FK_XTS_H
#define FK_XTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Encrypts (encrypt != 0) or decrypts one data unit of len bytes (a multiple
 * of 16, at least 16) from in to out (may be the same buffer). key is the
 * 64-byte XTS key: data key then tweak key. unit is the 16-byte data-unit
 * number. Returns 0, or -1 when the port refuses the key or the length. */
int fk_xts_crypt(const uint8_t key[64], int encrypt, const uint8_t unit[16], const void *in, void *out,
                 size_t len);

#ifdef __cplusplus
}
#endif

#endif
