/* Rollback tests' helpers: real app images with a secure_version in their
 * descriptor, streamed through the real OTA API. */
#ifndef TEST_ROLLBACK_UTIL_H
#define TEST_ROLLBACK_UTIL_H

#include "boot_select.h"
#include "esp_ota_ops.h"
#include "fk_hash.h"
#include "test_ota_util.h"

/* ota_test_image with descriptor.secure_version = secver: the checksum byte
 * and the appended SHA-256 are brought up to date after the patch. */
static inline size_t rb_image(uint8_t *buf, uint32_t app_offset, const char *version, size_t code_len,
                              uint32_t secver)
{
    size_t len = ota_test_image(buf, app_offset, version, code_len);
    size_t desc = 8 + 8 + ((code_len + 3) & ~(size_t)3) + 8;
    size_t L = len - 32;
    for (int i = 0; i < 4; i++) {
        uint8_t nb = (uint8_t)(secver >> (8 * i));
        buf[L - 1] ^= (uint8_t)(buf[desc + 4 + i] ^ nb);
        buf[desc + 4 + i] = nb;
    }
    fk_sha256_t h;
    fk_sha256_start(&h);
    fk_sha256_update(&h, buf, L);
    fk_sha256_finish(&h, buf + L);
    return len;
}

static inline const esp_partition_t *rb_slot(int i)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(i), NULL);
}

/* begin / write in 256-byte pieces (a cut point each) / end / set_boot_partition: the first error. */
static inline esp_err_t rb_update(const esp_partition_t *p, const uint8_t *img, size_t len)
{
    esp_ota_handle_t h;
    esp_err_t err = esp_ota_begin(p, OTA_SIZE_UNKNOWN, &h);
    if (err != ESP_OK) return err;
    for (size_t at = 0; at < len; at += 256) {
        err = esp_ota_write(h, img + at, len - at < 256 ? len - at : 256);
        if (err != ESP_OK) {
            esp_ota_abort(h);
            return err;
        }
    }
    err = esp_ota_end(h);
    return err == ESP_OK ? esp_ota_set_boot_partition(p) : err;
}

#endif
