/* Random bytes for secrets (NVS encryption keys). The core only declares it,
 * like fk_hash.h and fk_xts.h: the host port reads the OS's source
 * (port/random_os.c: getrandom(2), else /dev/urandom). An ESP8266 port
 * would fill it from the chip's hardware random number register (read at
 * 0x3FF20E44, what the RTOS SDK's os_random() / esp_random() return),
 * ideally with the RF part running, which feeds that generator's entropy. */
#ifndef FK_RANDOM_H
#define FK_RANDOM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fills buf with len bytes from a cryptographic random source. Returns 0, or
 * -1 when the source fails (buf is then not to be used). */
int fk_random_fill(void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
