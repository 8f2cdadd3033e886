#include "sbv2_sign.h"

#include <stdlib.h>
#include <string.h>

#include "fk_hash.h"
#include "util.h"

/* A read-only flash over a buffer, so the host verifies with the very code
 * the device runs. */
typedef struct {
    fk_flash_t flash;
    const uint8_t *data;
} buf_flash_t;

static esp_err_t buf_read(fk_flash_t *f, uint32_t addr, void *dst, size_t len)
{
    memcpy(dst, ((buf_flash_t *)f)->data + addr, len);
    return ESP_OK;
}

static esp_err_t buf_write(fk_flash_t *f, uint32_t addr, const void *src, size_t len)
{
    (void)f, (void)addr, (void)src, (void)len;
    return ESP_ERR_INVALID_STATE;
}

static esp_err_t buf_erase(fk_flash_t *f, uint32_t addr)
{
    (void)f, (void)addr;
    return ESP_ERR_INVALID_STATE;
}

esp_err_t fk_sbv2_verify_buf(const uint8_t *data, size_t len, const fk_sbv2_trust_t *trust, fk_sbv2_result_t *res)
{
    if (len < FK_SBV2_SECTOR_SIZE || len % FK_SBV2_SECTOR_SIZE || len > UINT32_MAX - FK_SBV2_SECTOR_SIZE) {
        if (res) {
            memset(res, 0, sizeof *res);
            res->block = res->key_slot = -1;
        }
        return ESP_ERR_INVALID_SIZE;
    }
    buf_flash_t bf = {{(uint32_t)len, buf_read, buf_write, buf_erase, NULL}, data};
    return fk_sbv2_verify(&bf.flash, 0, (uint32_t)len - FK_SBV2_SECTOR_SIZE, trust, res);
}

static const char *kind(const uint8_t *blk)
{
    return blk[1] == FK_SBV2_VERSION_RSA ? "RSA" : "ECDSA";
}

int fk_sbv2_sign_data(const uint8_t *in, size_t len, const char *in_name, const fk_sbv2_key_t *const *keys,
                      int nkeys, bool append, FILE *log, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    uint8_t sector[FK_SBV2_SECTOR_SIZE];
    memset(sector, 0xFF, sizeof sector);
    unsigned kept = 0;
    size_t data_len = len;
    /* espsecure ignores --append_signatures for input that is not sector
     * aligned (spec §3), and signs aligned input afresh when its last
     * sector holds no block. */
    if (append && len >= FK_SBV2_SECTOR_SIZE && len % FK_SBV2_SECTOR_SIZE == 0) {
        const uint8_t *last = in + len - FK_SBV2_SECTOR_SIZE;
        kept = fk_sbv2_sector_kept(last);
        if (!kept) {
            if (log)
                fprintf(log, "No valid signature block in the last sector of %s; "
                             "--append_signatures ignored, signing the whole file afresh.\n", in_name);
        } else {
            for (unsigned i = 0; i < kept; i++) {
                const uint8_t *b = last + i * FK_SBV2_BLOCK_SIZE;
                if (log) fprintf(log, "Signature block %u is valid (%s).\n", i, kind(b));
                memcpy(sector + i * FK_SBV2_BLOCK_SIZE, b, FK_SBV2_BLOCK_SIZE);
            }
            if (log) fprintf(log, "%u valid signature block(s) already present in the signature sector.\n", kept);
            if (kept == FK_SBV2_BLOCKS) {
                fk_err("%s: the signature sector already holds %d blocks, the most it can; nothing appended",
                       in_name, FK_SBV2_BLOCKS);
                return -1;
            }
            data_len = len - FK_SBV2_SECTOR_SIZE;
        }
    }
    size_t padded = (data_len + FK_SBV2_SECTOR_SIZE - 1) / FK_SBV2_SECTOR_SIZE * FK_SBV2_SECTOR_SIZE;
    if (data_len == 0) padded = 0;
    if (padded > UINT32_MAX - 2 * FK_SBV2_SECTOR_SIZE) {
        fk_err("%s: %zu bytes is too large to sign (the format uses 32-bit offsets)", in_name, len);
        return -1;
    }
    if (padded != data_len && log)
        fprintf(log, "Padding data contents by %zu bytes so signature sector aligns at sector boundary\n",
                padded - data_len);
    if (nkeys < 1 || (unsigned)nkeys > FK_SBV2_BLOCKS - kept) {
        fk_err("%d signing keys but %u empty signature block(s) in the sector (at most %d blocks); nothing written",
               nkeys, FK_SBV2_BLOCKS - kept, FK_SBV2_BLOCKS);
        return -1;
    }
    if (log) fprintf(log, "%d signing key(s) found.\n", nkeys);

    size_t total = padded + FK_SBV2_SECTOR_SIZE;
    uint8_t *buf = malloc(total);
    if (!buf) {
        fk_err("out of memory");
        return -1;
    }
    memcpy(buf, in, data_len);
    memset(buf + data_len, 0xFF, padded - data_len);

    bool want384 = false;
    for (int i = 0; i < nkeys; i++) want384 |= keys[i]->scheme == FK_SBV2_ECDSA384;
    uint8_t d256[32], d384[48];
    fk_sha256_t h;
    fk_sha256_start(&h);
    fk_sha256_update(&h, buf, padded);
    fk_sha256_finish(&h, d256);
    if (want384) {
        fk_sha384_t h3;
        fk_sha384_start(&h3);
        fk_sha384_update(&h3, buf, padded);
        fk_sha384_finish(&h3, d384);
    }
    for (int i = 0; i < nkeys; i++) {
        const fk_sbv2_key_t *k = keys[i];
        const uint8_t *digest = k->scheme == FK_SBV2_ECDSA384 ? d384 : d256;
        uint8_t sig[FK_SBV2_SIG_MAX];
        if (fk_sbv2_key_sign(k, digest, sig)) {
            free(buf);
            return -1;
        }
        fk_sbv2_block_encode(sector + (kept + (unsigned)i) * FK_SBV2_BLOCK_SIZE, k->scheme, k->field, digest, sig);
    }
    memcpy(buf + padded, sector, sizeof sector);
    if (log)
        fprintf(log, "Signed %zu bytes of data from %s. Signature sector now has %u signature blocks.\n", padded,
                in_name, kept + (unsigned)nkeys);
    *out = buf;
    *out_len = total;
    return 0;
}

int fk_sbv2_info(const uint8_t *data, size_t len, const char *name, FILE *out)
{
    if (len < FK_SBV2_SECTOR_SIZE || len % FK_SBV2_SECTOR_SIZE) {
        fk_err("%s: %zu bytes is not a non-zero multiple of 4096: no signature sector", name, len);
        return 2;
    }
    size_t data_len = len - FK_SBV2_SECTOR_SIZE;
    const uint8_t *sector = data + data_len;
    uint8_t d256[32], d384[48];
    fk_sha256_t h;
    fk_sha256_start(&h);
    fk_sha256_update(&h, data, data_len);
    fk_sha256_finish(&h, d256);
    fk_sha384_t h3;
    fk_sha384_start(&h3);
    fk_sha384_update(&h3, data, data_len);
    fk_sha384_finish(&h3, d384);
    for (int i = 0; i < FK_SBV2_BLOCKS; i++) {
        const uint8_t *b = sector + i * FK_SBV2_BLOCK_SIZE;
        fk_sbv2_scheme_t s;
        fk_sbv2_why_t why = fk_sbv2_block_decode(b, &s);
        if (why != FK_SBV2_OK) {
            fprintf(out, "Signature block %d absent/invalid. Skipping checking next blocks.\n", i);
            return 0;
        }
        fprintf(out, "Signature block %d is valid (%s).\n", i, kind(b));
        const fk_sbv2_layout_t *l = fk_sbv2_layout(s);
        if (memcmp(b + l->digest_off, s == FK_SBV2_ECDSA384 ? d384 : d256, l->digest_len)) {
            fk_err("%s: digest in signature block %d (offset %zu) doesn't match the image digest", name, i,
                   data_len + (size_t)i * FK_SBV2_BLOCK_SIZE + l->digest_off);
            return 2;
        }
        uint8_t kd[32];
        fk_sbv2_block_key_digest(b, s, kd);
        fprintf(out, "Public key digest for block %d:", i);
        for (int j = 0; j < 32; j++) fprintf(out, " %02x", kd[j]);
        fprintf(out, "\n");
    }
    return 0;
}
