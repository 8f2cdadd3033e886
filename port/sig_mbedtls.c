/* The host's signature checks (core/fk_sig.h) and SHA-384 (core/fk_hash.h)
 * with mbedTLS. Built into the flashkit_crypto library (cmake/part-crypto.cmake)
 * so the core can link it. */
#include <assert.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha512.h>

#include "fk_hash.h"
#include "fk_sig.h"

static_assert(sizeof(mbedtls_sha512_context) <= sizeof(fk_sha384_t), "fk_sha384_t too small for mbedTLS's context");

void fk_sha384_start(fk_sha384_t *ctx)
{
    mbedtls_sha512_context *c = (mbedtls_sha512_context *)ctx;
    mbedtls_sha512_init(c);
    mbedtls_sha512_starts_ret(c, 1);
}

void fk_sha384_update(fk_sha384_t *ctx, const void *data, size_t len)
{
    mbedtls_sha512_update_ret((mbedtls_sha512_context *)ctx, data, len);
}

void fk_sha384_finish(fk_sha384_t *ctx, uint8_t out[48])
{
    mbedtls_sha512_context *c = (mbedtls_sha512_context *)ctx;
    uint8_t full[64];
    mbedtls_sha512_finish_ret(c, full);
    memcpy(out, full, 48);
    mbedtls_sha512_free(c);
}

int fk_sig_rsa3072_pss_verify(const uint8_t n_le[384], uint32_t e, const uint8_t hash[32],
                              const uint8_t sig_le[384])
{
    mbedtls_rsa_context rsa;
    mbedtls_mpi n, ee;
    uint8_t sig_be[384];
    int rc = -1;
    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&ee);
    for (int i = 0; i < 384; i++) sig_be[i] = sig_le[383 - i];
    if (mbedtls_mpi_read_binary_le(&n, n_le, 384) || mbedtls_mpi_lset(&ee, (mbedtls_mpi_sint)e) ||
        mbedtls_rsa_import(&rsa, &n, NULL, NULL, NULL, &ee) || mbedtls_rsa_complete(&rsa) ||
        mbedtls_rsa_check_pubkey(&rsa) || mbedtls_mpi_bitlen(&n) != 3072)
        goto out;
    rc = mbedtls_rsa_rsassa_pss_verify_ext(&rsa, NULL, NULL, MBEDTLS_RSA_PUBLIC, MBEDTLS_MD_SHA256, 32, hash,
                                           MBEDTLS_MD_SHA256, 32, sig_be)
             ? -1
             : 0;
out:
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&ee);
    mbedtls_rsa_free(&rsa);
    return rc;
}

int fk_sig_ecdsa_verify(fk_sig_curve_t curve, const uint8_t *x_le, const uint8_t *y_le, const uint8_t *hash,
                        size_t hash_len, const uint8_t *r_le, const uint8_t *s_le)
{
    mbedtls_ecp_group_id gid = curve == FK_SIG_P192   ? MBEDTLS_ECP_DP_SECP192R1
                               : curve == FK_SIG_P256 ? MBEDTLS_ECP_DP_SECP256R1
                               : curve == FK_SIG_P384 ? MBEDTLS_ECP_DP_SECP384R1
                                                      : MBEDTLS_ECP_DP_NONE;
    size_t w = fk_sig_curve_bytes(curve);
    if (gid == MBEDTLS_ECP_DP_NONE) return -1;
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    int rc = -1;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    if (mbedtls_ecp_group_load(&grp, gid) || mbedtls_mpi_read_binary_le(&q.X, x_le, w) ||
        mbedtls_mpi_read_binary_le(&q.Y, y_le, w) || mbedtls_mpi_lset(&q.Z, 1) ||
        mbedtls_ecp_check_pubkey(&grp, &q) || mbedtls_mpi_read_binary_le(&r, r_le, w) ||
        mbedtls_mpi_read_binary_le(&s, s_le, w))
        goto out;
    rc = mbedtls_ecdsa_verify(&grp, hash, hash_len, &q, &r, &s) ? -1 : 0;
out:
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}
