/* Secure Boot v2 keys on the host (mbedTLS pk): PEM in, the key field a
 * signature block carries, its digest, signing, new keys. Key material
 * never leaves these functions except as the PEM file the user asked for. */
#ifndef FK_SBV2_KEYS_H
#define FK_SBV2_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fk_sbv2.h"

typedef struct {
    fk_sbv2_scheme_t scheme;
    bool has_private;
    uint8_t field[FK_SBV2_KEY_MAX]; /* the key field exactly as in a block */
    size_t field_len;
    void *pk; /* mbedtls_pk_context */
} fk_sbv2_key_t;

/* Loads a private (PKCS#1 RSA, SEC1 EC, PKCS#8) or public (SubjectPublicKeyInfo)
 * PEM/DER key. On error prints "flashkit: PATH: what is wrong" and returns -1. */
int fk_sbv2_key_load(fk_sbv2_key_t *k, const char *path);
void fk_sbv2_key_free(fk_sbv2_key_t *k);
/* digest_sbv2_public_key: SHA-256 of the key field. */
void fk_sbv2_key_digest(const fk_sbv2_key_t *k, uint8_t out[32]);

/* Signs digest (32 bytes; 48 for P-384) and writes the signature field of
 * the block (layout sig_len bytes, LE, zero-padded). Random salt / nonce
 * from the OS entropy source. Returns 0, or -1 with the error printed. */
int fk_sbv2_key_sign(const fk_sbv2_key_t *k, const uint8_t *digest, uint8_t sig_le[FK_SBV2_SIG_MAX]);

/* The SubjectPublicKeyInfo PEM (extract_public_key). Returns its length or -1. */
int fk_sbv2_key_public_pem(const fk_sbv2_key_t *k, char *buf, size_t len);

/* generate_signing_key: a new key of the scheme written to path as
 * espsecure writes it (RSA: PKCS#1 PEM, e = 65537; ECDSA: SEC1 PEM with a
 * named curve), mode 0600. Refuses an existing path. 0 or -1 (printed). */
int fk_sbv2_key_generate(fk_sbv2_scheme_t scheme, const char *path);

#endif
