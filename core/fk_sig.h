/* The signature checks Secure Boot v2 needs (RSA-3072-PSS, ECDSA on P-192,
 * P-256, P-384). The core only declares them, like fk_hash.h: a port
 * provides them (host: port/sig_mbedtls.c with mbedTLS; a device: the SDK's
 * mbedTLS or a ROM). Every integer is passed as it sits in a signature block,
 * little-endian, so the core needs no bignum code and no scratch copies. */
#ifndef FK_SIG_H
#define FK_SIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Numbered as the curve id byte of an ECDSA block. */
typedef enum {
    FK_SIG_P192 = 1,
    FK_SIG_P256 = 2,
    FK_SIG_P384 = 3,
} fk_sig_curve_t;

/* Bytes per coordinate / per r, s: 24, 32, 48; 0 for an unknown curve. */
static inline size_t fk_sig_curve_bytes(fk_sig_curve_t curve)
{
    return curve == FK_SIG_P192 ? 24 : curve == FK_SIG_P256 ? 32 : curve == FK_SIG_P384 ? 48 : 0;
}

/* RSASSA-PSS (RFC 8017 §8.1) of a 3072-bit key over a pre-hashed SHA-256
 * value: MGF1-SHA-256, salt length 32. n and sig are 384 bytes, LE.
 * Returns 0 when the signature is good, non-zero otherwise (also for a key
 * that is not exactly 3072 bits). */
int fk_sig_rsa3072_pss_verify(const uint8_t n_le[384], uint32_t e, const uint8_t hash[32],
                              const uint8_t sig_le[384]);

/* ECDSA over a pre-hashed value (truncated to the order's length as the
 * standard says). x, y, r, s are fk_sig_curve_bytes(curve) bytes each, LE.
 * Returns 0 when the signature is good (and the point is on the curve). */
int fk_sig_ecdsa_verify(fk_sig_curve_t curve, const uint8_t *x_le, const uint8_t *y_le, const uint8_t *hash,
                        size_t hash_len, const uint8_t *r_le, const uint8_t *s_le);

#ifdef __cplusplus
}
#endif

#endif
