/* The NVS power-cut sweep (test_nvs_powercut.h) on an encrypted partition:
 * the same workload, model and checks, with every mount going through the
 * fk_nvs_crypt flash layer, so every cut lands between or inside encrypted
 * writes. The image checker sees the partition decrypted (the layout rules
 * hold for the plaintext; headers and bitmaps are clear either way). */
#ifndef TEST_NVS_SECURE_POWERCUT_H
#define TEST_NVS_SECURE_POWERCUT_H

#include "fk_nvs_crypt.h"
#include <stdlib.h>
#include "nvs_fk.h"

static fk_nvs_crypt_flash_t g_pc_layer;
static nvs_sec_cfg_t g_pc_key;

static inline void sec_pc_key(uint32_t seed)
{
    uint8_t *k = (uint8_t *)&g_pc_key;
    for (unsigned i = 0; i < sizeof g_pc_key; i++) {
        seed = seed * 1103515245u + 12345u;
        k[i] = (uint8_t)(seed >> 16);
    }
}

static inline esp_err_t sec_pc_init_region(const char *label, fk_flash_t *flash, uint32_t offset, uint32_t size,
                                           const nvs_fk_config_t *cfg)
{
    fk_flash_t *f = fk_nvs_crypt_flash_init(&g_pc_layer, flash, offset, size, &g_pc_key);
    return f ? nvs_flash_init_region(label, f, offset, size, cfg) : ESP_ERR_INVALID_ARG;
}
/* The sweep's headers mount through this from here on. */
#define nvs_flash_init_region sec_pc_init_region

#include "test_nvs_check.h"

static inline int sec_pc_image_check(const uint8_t *img, uint32_t size, uint8_t version, bool allow_corrupt,
                                     const char *ctx)
{
    uint8_t *plain = malloc(size);
    memcpy(plain, img, size);
    int bad = fk_nvs_crypt_image(&g_pc_key, false, plain, size) == ESP_OK ? 0 : 1;
    bad += nvs_image_check(plain, size, version, allow_corrupt, ctx);
    free(plain);
    return bad;
}
#define nvs_image_check sec_pc_image_check

#include "test_nvs_powercut.h"

#endif
