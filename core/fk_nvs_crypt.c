#include "fk_nvs_crypt.h"

#include <string.h>
#include "fk_crc32.h"
#include "fk_le.h"
#include "fk_nvs_format.h"
#include "nvs.h"
#include "fk_xts.h"

void fk_nvs_keys_encode(const nvs_sec_cfg_t *cfg, uint8_t out[FK_NVS_KEYS_BLOCK])
{
    memset(out, 0xFF, FK_NVS_KEYS_BLOCK);
    memcpy(out, cfg->eky, NVS_KEY_SIZE);
    memcpy(out + NVS_KEY_SIZE, cfg->tky, NVS_KEY_SIZE);
    fk_put_le32(out + FK_NVS_KEYS_CRC_OFFSET, fk_crc32_le(0xFFFFFFFFu, out, 2 * NVS_KEY_SIZE));
}

esp_err_t fk_nvs_keys_decode(const uint8_t in[68], nvs_sec_cfg_t *cfg)
{
    bool erased = true;
    for (unsigned i = 0; i < 68; i++) erased = erased && in[i] == 0xFF;
    if (erased) return ESP_ERR_NVS_KEYS_NOT_INITIALIZED;
    if (fk_le32(in + FK_NVS_KEYS_CRC_OFFSET) != fk_crc32_le(0xFFFFFFFFu, in, 2 * NVS_KEY_SIZE))
        return ESP_ERR_NVS_CORRUPT_KEY_PART;
    memcpy(cfg->eky, in, NVS_KEY_SIZE);
    memcpy(cfg->tky, in + NVS_KEY_SIZE, NVS_KEY_SIZE);
    return ESP_OK;
}

bool fk_nvs_keys_halves_equal(const nvs_sec_cfg_t *cfg)
{
    return memcmp(cfg->eky, cfg->tky, NVS_KEY_SIZE) == 0;
}

esp_err_t fk_nvs_crypt_entries(const nvs_sec_cfg_t *cfg, bool encrypt, uint32_t off, const void *in,
                               void *out, size_t len)
{
    if (len % NVS_ENTRY_SIZE) return ESP_ERR_INVALID_SIZE;
    const uint8_t *src = in;
    uint8_t *dst = out;
    for (size_t done = 0; done < len; done += NVS_ENTRY_SIZE) {
        uint8_t unit[16] = {0};
        fk_put_le32(unit, off + (uint32_t)done);
        /* nvs_sec_cfg_t is eky then tky: exactly the 64-byte XTS key. */
        if (fk_xts_crypt((const uint8_t *)cfg, encrypt, unit, src + done, dst + done, NVS_ENTRY_SIZE))
            return encrypt ? ESP_ERR_NVS_XTS_ENCR_FAILED : ESP_ERR_NVS_XTS_DECR_FAILED;
    }
    return ESP_OK;
}

static bool all_ff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xFF) return false;
    return true;
}

esp_err_t fk_nvs_crypt_image(const nvs_sec_cfg_t *cfg, bool encrypt, uint8_t *img, size_t len)
{
    if (len % NVS_PAGE_SIZE) return ESP_ERR_INVALID_SIZE;
    for (size_t page = 0; page < len; page += NVS_PAGE_SIZE) {
        const uint8_t *bitmap = img + page + NVS_BITMAP_OFFSET;
        for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++) {
            uint32_t off = (uint32_t)page + NVS_FIRST_ENTRY_OFFSET + i * NVS_ENTRY_SIZE;
            if (fk_nvs_bitmap_get(bitmap, i) == NVS_ENTRY_EMPTY && all_ff(img + off, NVS_ENTRY_SIZE)) continue;
            esp_err_t err = fk_nvs_crypt_entries(cfg, encrypt, off, img + off, img + off, NVS_ENTRY_SIZE);
            if (err != ESP_OK) return err;
        }
    }
    return ESP_OK;
}
