/* The host's XTS-AES (core/fk_xts.h) with mbedTLS. In the flashkit_crypto
 * library (cmake/part-crypto.cmake) so the core can link it. */
#include <mbedtls/aes.h>

#include "fk_xts.h"

int fk_xts_crypt(const uint8_t key[64], int encrypt, const uint8_t unit[16], const void *in, void *out,
                 size_t len)
{
    if (len < 16 || len % 16) return -1;
    mbedtls_aes_xts_context ctx;
    mbedtls_aes_xts_init(&ctx);
    int rc = encrypt ? mbedtls_aes_xts_setkey_enc(&ctx, key, 512) : mbedtls_aes_xts_setkey_dec(&ctx, key, 512);
    if (rc == 0)
        rc = mbedtls_aes_crypt_xts(&ctx, encrypt ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, len, unit, in, out);
    mbedtls_aes_xts_free(&ctx);
    return rc == 0 ? 0 : -1;
}
