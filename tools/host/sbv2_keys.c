#include "sbv2_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "fk_le.h"
#include "fk_sig.h"
#include "util.h"

/* One DRBG per process, seeded from the OS entropy source on first use. */
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static int drbg_ready;

static mbedtls_ctr_drbg_context *rng(void)
{
    if (drbg_ready) return &drbg;
    static const char pers[] = "flashkit secure boot v2";
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)pers, sizeof pers - 1)) {
        fk_err("cannot seed the random generator from the OS entropy source");
        return NULL;
    }
    drbg_ready = 1;
    return &drbg;
}

static fk_sig_curve_t curve_of(mbedtls_ecp_group_id gid)
{
    switch (gid) {
    case MBEDTLS_ECP_DP_SECP192R1: return FK_SIG_P192;
    case MBEDTLS_ECP_DP_SECP256R1: return FK_SIG_P256;
    case MBEDTLS_ECP_DP_SECP384R1: return FK_SIG_P384;
    default: return (fk_sig_curve_t)0;
    }
}

/* n, e, rinv = 2^6144 mod n, m' = -n^-1 mod 2^32: the Montgomery values the
 * ROM's RSA engine wants, all little-endian. */
static int rsa_field(const mbedtls_rsa_context *rsa, uint8_t *f)
{
    mbedtls_mpi n, e, r, rinv;
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&rinv);
    int rc = -1;
    if (mbedtls_rsa_export(rsa, &n, NULL, NULL, NULL, &e) || mbedtls_mpi_bitlen(&e) > 32 ||
        mbedtls_mpi_write_binary_le(&n, f, 384) || mbedtls_mpi_lset(&r, 1) || mbedtls_mpi_shift_l(&r, 6144) ||
        mbedtls_mpi_mod_mpi(&rinv, &r, &n) || mbedtls_mpi_write_binary_le(&rinv, f + 388, 384))
        goto out;
    uint8_t e_le[4];
    if (mbedtls_mpi_write_binary_le(&e, e_le, 4)) goto out;
    memcpy(f + 384, e_le, 4);
    /* Newton's iteration doubles the correct low bits each step; an odd n0
     * is its own inverse mod 8, so 4 steps reach 48 > 32 bits. */
    uint32_t n0 = fk_le32(f), x = n0;
    for (int i = 0; i < 4; i++) x *= 2u - n0 * x;
    fk_put_le32(f + 772, (uint32_t)(0u - x));
    rc = 0;
out:
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&rinv);
    return rc;
}

static int fill_field(fk_sbv2_key_t *k, const char *path)
{
    mbedtls_pk_context *pk = k->pk;
    memset(k->field, 0, sizeof k->field);
    if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA) {
        size_t bits = mbedtls_pk_get_bitlen(pk);
        if (bits != 3072) {
            fk_err("%s: RSA key of %zu bits; Secure Boot v2 uses RSA-3072 only", path, bits);
            return -1;
        }
        if (rsa_field(mbedtls_pk_rsa(*pk), k->field)) {
            fk_err("%s: RSA public exponent does not fit the block's 32-bit field", path);
            return -1;
        }
        k->scheme = FK_SBV2_RSA3072;
        k->field_len = 776;
        return 0;
    }
    if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY) {
        mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pk);
        fk_sig_curve_t c = curve_of(ec->grp.id);
        if (!c) {
            fk_err("%s: EC key on a curve Secure Boot v2 does not use (P-192, P-256 or P-384 only)", path);
            return -1;
        }
        size_t w = fk_sig_curve_bytes(c);
        k->field[0] = (uint8_t)c;
        if (mbedtls_mpi_write_binary_le(&ec->Q.X, k->field + 1, w) ||
            mbedtls_mpi_write_binary_le(&ec->Q.Y, k->field + 1 + w, w))
            return -1;
        k->scheme = c == FK_SIG_P192 ? FK_SBV2_ECDSA192 : c == FK_SIG_P256 ? FK_SBV2_ECDSA256 : FK_SBV2_ECDSA384;
        k->field_len = fk_sbv2_layout(k->scheme)->key_len;
        return 0;
    }
    fk_err("%s: not an RSA or EC key", path);
    return -1;
}

int fk_sbv2_key_load(fk_sbv2_key_t *k, const char *path)
{
    memset(k, 0, sizeof *k);
    uint8_t *data;
    size_t len;
    if (fk_read_file(path, &data, &len)) return -1;
    mbedtls_pk_context *pk = malloc(sizeof *pk);
    if (!pk) {
        free(data);
        fk_err("out of memory");
        return -1;
    }
    mbedtls_pk_init(pk);
    /* PEM needs the terminating NUL counted; fk_read_file supplies it. */
    size_t plen = len && strstr((const char *)data, "-----BEGIN") ? len + 1 : len;
    int rc = mbedtls_pk_parse_key(pk, data, plen, NULL, 0);
    if (rc == 0) {
        k->has_private = true;
    } else {
        mbedtls_pk_free(pk);
        mbedtls_pk_init(pk);
        rc = mbedtls_pk_parse_public_key(pk, data, plen);
    }
    mbedtls_platform_zeroize(data, len);
    free(data);
    k->pk = pk;
    if (rc) {
        fk_err("%s: not a PEM or DER private or public key (or an encrypted one)", path);
        fk_sbv2_key_free(k);
        return -1;
    }
    if (fill_field(k, path)) {
        fk_sbv2_key_free(k);
        return -1;
    }
    return 0;
}

void fk_sbv2_key_free(fk_sbv2_key_t *k)
{
    if (k->pk) {
        mbedtls_pk_free(k->pk);
        free(k->pk);
    }
    memset(k, 0, sizeof *k);
}

void fk_sbv2_key_digest(const fk_sbv2_key_t *k, uint8_t out[32])
{
    fk_sbv2_key_field_digest(k->field, k->field_len, out);
}

static void reverse(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = src[n - 1 - i];
}

int fk_sbv2_key_sign(const fk_sbv2_key_t *k, const uint8_t *digest, uint8_t sig_le[FK_SBV2_SIG_MAX])
{
    mbedtls_ctr_drbg_context *r = rng();
    if (!r) return -1;
    if (!k->has_private) {
        fk_err("signing needs a private key; this is a public key");
        return -1;
    }
    memset(sig_le, 0, FK_SBV2_SIG_MAX);
    mbedtls_pk_context *pk = k->pk;
    if (k->scheme == FK_SBV2_RSA3072) {
        mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
        uint8_t sig_be[384];
        mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
        if (mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_ctr_drbg_random, r, MBEDTLS_MD_SHA256, 32, digest, 32,
                                            sig_be)) {
            fk_err("RSA-PSS signing failed");
            return -1;
        }
        reverse(sig_le, sig_be, 384);
        return 0;
    }
    mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pk);
    size_t w = fk_sig_curve_bytes(curve_of(ec->grp.id));
    size_t hlen = k->scheme == FK_SBV2_ECDSA384 ? 48 : 32;
    mbedtls_mpi rr, ss;
    mbedtls_mpi_init(&rr);
    mbedtls_mpi_init(&ss);
    int rc = mbedtls_ecdsa_sign(&ec->grp, &rr, &ss, &ec->d, digest, hlen, mbedtls_ctr_drbg_random, r);
    if (!rc) rc = mbedtls_mpi_write_binary_le(&rr, sig_le, w);
    if (!rc) rc = mbedtls_mpi_write_binary_le(&ss, sig_le + w, w);
    mbedtls_mpi_free(&rr);
    mbedtls_mpi_free(&ss);
    if (rc) fk_err("ECDSA signing failed");
    return rc ? -1 : 0;
}

int fk_sbv2_key_public_pem(const fk_sbv2_key_t *k, char *buf, size_t len)
{
    if (mbedtls_pk_write_pubkey_pem(k->pk, (unsigned char *)buf, len)) return -1;
    return (int)strlen(buf);
}

/* Written beside path and hard-linked into place: the key appears whole or
 * not at all, and an existing file is never replaced. */
static int write_new_private(const char *path, const unsigned char *pem, size_t len)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) return -1;
    snprintf(tmp, n, "%s.XXXXXX", path);
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        fk_err("%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = -1;
    if (write(fd, pem, len) != (ssize_t)len || fsync(fd)) {
        fk_err("%s: write failed: %s", path, strerror(errno));
    } else if (link(tmp, path)) {
        fk_err("%s: %s", path, errno == EEXIST ? "already exists; not overwritten" : strerror(errno));
    } else {
        rc = 0;
    }
    close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}

int fk_sbv2_key_generate(fk_sbv2_scheme_t scheme, const char *path)
{
    struct stat st;
    if (!stat(path, &st)) {
        fk_err("%s: already exists; not overwritten", path);
        return -1;
    }
    mbedtls_ctr_drbg_context *r = rng();
    if (!r) return -1;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc;
    if (scheme == FK_SBV2_RSA3072) {
        rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
        if (!rc) rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, r, 3072, 65537);
    } else {
        mbedtls_ecp_group_id gid = scheme == FK_SBV2_ECDSA192   ? MBEDTLS_ECP_DP_SECP192R1
                                   : scheme == FK_SBV2_ECDSA256 ? MBEDTLS_ECP_DP_SECP256R1
                                                                : MBEDTLS_ECP_DP_SECP384R1;
        rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
        if (!rc) rc = mbedtls_ecp_gen_key(gid, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random, r);
    }
    static unsigned char pem[8192];
    if (!rc) rc = mbedtls_pk_write_key_pem(&pk, pem, sizeof pem);
    mbedtls_pk_free(&pk);
    if (rc) {
        fk_err("key generation failed (mbedTLS error -0x%04x)", (unsigned)-rc);
        return -1;
    }
    rc = write_new_private(path, pem, strlen((char *)pem));
    mbedtls_platform_zeroize(pem, sizeof pem);
    return rc;
}
