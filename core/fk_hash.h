/* Hashes the core needs (MD5 for the partition table's checksum row, SHA-256
 * for app images). The core only declares them: a port provides them (the
 * host port with mbedTLS; firmware with the SDK's mbedTLS or ROM). */
#ifndef FK_HASH_H
#define FK_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Large enough for mbedTLS's context on 32- and 64-bit hosts; the port
 * checks this at compile time. */
typedef struct {
    uint64_t opaque[16];
} fk_sha256_t;

void fk_sha256_start(fk_sha256_t *ctx);
void fk_sha256_update(fk_sha256_t *ctx, const void *data, size_t len);
void fk_sha256_finish(fk_sha256_t *ctx, uint8_t out[32]);

typedef struct {
    uint64_t opaque[12];
} fk_md5_t;

void fk_md5_start(fk_md5_t *ctx);
void fk_md5_update(fk_md5_t *ctx, const void *data, size_t len);
void fk_md5_finish(fk_md5_t *ctx, uint8_t out[16]);
void fk_md5(const void *data, size_t len, uint8_t out[16]);

/* SHA-384: Secure Boot v2 ECDSA P-384 blocks carry and sign a SHA-384
 * digest of the image (core/fk_sbv2.c). Provided by the crypto port
 * (port/sig_mbedtls.c on the host). */
typedef struct {
    uint64_t opaque[32];
} fk_sha384_t;

void fk_sha384_start(fk_sha384_t *ctx);
void fk_sha384_update(fk_sha384_t *ctx, const void *data, size_t len);
void fk_sha384_finish(fk_sha384_t *ctx, uint8_t out[48]);

#ifdef __cplusplus
}
#endif

#endif
