#include "fk_hash.h"

#include <assert.h>
#include <mbedtls/md5.h>
#include <mbedtls/sha256.h>

static_assert(sizeof(mbedtls_sha256_context) <= sizeof(fk_sha256_t),
              "fk_sha256_t too small for mbedTLS's context");

void fk_sha256_start(fk_sha256_t *ctx)
{
    mbedtls_sha256_context *c = (mbedtls_sha256_context *)ctx;
    mbedtls_sha256_init(c);
    mbedtls_sha256_starts_ret(c, 0);
}

void fk_sha256_update(fk_sha256_t *ctx, const void *data, size_t len)
{
    mbedtls_sha256_update_ret((mbedtls_sha256_context *)ctx, data, len);
}

void fk_sha256_finish(fk_sha256_t *ctx, uint8_t out[32])
{
    mbedtls_sha256_context *c = (mbedtls_sha256_context *)ctx;
    mbedtls_sha256_finish_ret(c, out);
    mbedtls_sha256_free(c);
}

static_assert(sizeof(mbedtls_md5_context) <= sizeof(fk_md5_t), "fk_md5_t too small for mbedTLS's context");

void fk_md5_start(fk_md5_t *ctx)
{
    mbedtls_md5_context *c = (mbedtls_md5_context *)ctx;
    mbedtls_md5_init(c);
    mbedtls_md5_starts_ret(c);
}

void fk_md5_update(fk_md5_t *ctx, const void *data, size_t len)
{
    mbedtls_md5_update_ret((mbedtls_md5_context *)ctx, data, len);
}

void fk_md5_finish(fk_md5_t *ctx, uint8_t out[16])
{
    mbedtls_md5_context *c = (mbedtls_md5_context *)ctx;
    mbedtls_md5_finish_ret(c, out);
    mbedtls_md5_free(c);
}

void fk_md5(const void *data, size_t len, uint8_t out[16])
{
    mbedtls_md5_ret(data, len, out);
}
