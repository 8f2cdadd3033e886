/* XTS-AES-256 through the port (known answers from the spec, which
 * reproduces the SDK host test's "check underlying xts code"), the nvs_keys
 * codec and the whole-image transform. */
#include <stdio.h>
#include <string.h>

#include "fk_crc32.h"
#include "fk_le.h"
#include "fk_nvs_crypt.h"
#include "fk_nvs_format.h"
#include "fk_test.h"
#include "fk_xts.h"
#include "nvs.h"

static void hex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void kat(uint8_t ek, uint8_t tk, const uint8_t unit[16], uint8_t pt, const char *ct_hex)
{
    uint8_t key[64], in[32], want[32], out[32], back[32];
    memset(key, ek, 32);
    memset(key + 32, tk, 32);
    memset(in, pt, 32);
    hex(ct_hex, want);
    CHECK_EQ(fk_xts_crypt(key, 1, unit, in, out, 32), 0);
    CHECK(memcmp(out, want, 32) == 0);
    CHECK_EQ(fk_xts_crypt(key, 0, unit, out, back, 32), 0);
    CHECK(memcmp(back, in, 32) == 0);
}

static void test_kats(void)
{
    uint8_t unit[16] = {0};
    kat(0x00, 0x00, unit, 0x00, "d456b4fc2e620bba6ffbed27b956c9543454dd49ebd8d8ee6f94b65cbe158f73");
    memset(unit, 0x33, 5);
    kat(0x11, 0x22, unit, 0x44, "e622334f184bbce129a25b2ac76b3d92abf98e22df5bdd15af471f3db8946a85");
    /* fk_nvs_crypt_entries puts the offset in the unit number, LE. */
    nvs_sec_cfg_t cfg;
    memset(cfg.eky, 0x11, 32);
    memset(cfg.tky, 0x22, 32);
    uint8_t in[32], out[32], want[32];
    memset(in, 0x44, 32);
    hex("e622334f184bbce129a25b2ac76b3d92abf98e22df5bdd15af471f3db8946a85", want);
    CHECK_EQ(fk_nvs_crypt_entries(&cfg, true, 0x33333333u, in, out, 32), ESP_OK);
    CHECK(memcmp(out, want, 32) != 0); /* 5 bytes of 0x33 do not fit in 4 */
    CHECK_EQ(fk_nvs_crypt_entries(&cfg, true, 0, in, out, 16), ESP_ERR_INVALID_SIZE);
}

static void test_keys(void)
{
    nvs_sec_cfg_t cfg, back;
    for (int i = 0; i < 32; i++) cfg.eky[i] = (uint8_t)i, cfg.tky[i] = (uint8_t)(0x80 + i);
    uint8_t blk[FK_NVS_KEYS_BLOCK];
    fk_nvs_keys_encode(&cfg, blk);
    CHECK(memcmp(blk, &cfg, 64) == 0);
    CHECK_EQ(fk_le32(blk + 64), fk_crc32_le(0xFFFFFFFFu, blk, 64));
    CHECK_EQ(blk[68], 0xFF);
    CHECK_EQ(blk[79], 0xFF);
    CHECK_EQ(fk_nvs_keys_decode(blk, &back), ESP_OK);
    CHECK(memcmp(&back, &cfg, 64) == 0);
    CHECK(!fk_nvs_keys_halves_equal(&cfg));
    blk[3] ^= 1;
    CHECK_EQ(fk_nvs_keys_decode(blk, &back), ESP_ERR_NVS_CORRUPT_KEY_PART);
    memset(blk, 0xFF, sizeof blk);
    CHECK_EQ(fk_nvs_keys_decode(blk, &back), ESP_ERR_NVS_KEYS_NOT_INITIALIZED);
    memcpy(cfg.tky, cfg.eky, 32);
    CHECK(fk_nvs_keys_halves_equal(&cfg));
}

static void test_image(void)
{
    static uint8_t img[2 * NVS_PAGE_SIZE], orig[sizeof img];
    nvs_sec_cfg_t cfg;
    for (int i = 0; i < 32; i++) cfg.eky[i] = (uint8_t)(3 * i + 1), cfg.tky[i] = (uint8_t)(7 * i + 2);
    memset(img, 0xFF, sizeof img);
    uint8_t *page1 = img + NVS_PAGE_SIZE;
    fk_nvs_header_build(page1, NVS_PAGE_ACTIVE, 5, NVS_VERSION_V2);
    fk_nvs_bitmap_set(page1 + NVS_BITMAP_OFFSET, 0, NVS_ENTRY_WRITTEN);
    fk_nvs_bitmap_set(page1 + NVS_BITMAP_OFFSET, 1, NVS_ENTRY_WRITTEN); /* plaintext all 0xFF */
    fk_nvs_bitmap_set(page1 + NVS_BITMAP_OFFSET, 2, NVS_ENTRY_ERASED);
    memset(page1 + 64, 0x12, 32);
    memset(page1 + 128, 0x34, 32);
    memset(page1 + 160, 0x56, 32); /* EMPTY in the bitmap but written: a cut before the bitmap */
    memcpy(orig, img, sizeof img);
    CHECK_EQ(fk_nvs_crypt_image(&cfg, true, img, sizeof img), ESP_OK);
    CHECK(memcmp(img, orig, NVS_PAGE_SIZE + 64) == 0);       /* page 0, header, bitmap */
    CHECK(memcmp(img + NVS_PAGE_SIZE + 192, orig + NVS_PAGE_SIZE + 192, NVS_PAGE_SIZE - 192) == 0);
    for (unsigned e = 0; e < 4; e++) CHECK(memcmp(page1 + 64 + 32 * e, orig + NVS_PAGE_SIZE + 64 + 32 * e, 32) != 0);
    uint8_t one[32];
    CHECK_EQ(fk_nvs_crypt_entries(&cfg, false, NVS_PAGE_SIZE + 96, page1 + 96, one, 32), ESP_OK);
    for (int i = 0; i < 32; i++) CHECK_EQ(one[i], 0xFF);
    CHECK_EQ(fk_nvs_crypt_image(&cfg, false, img, sizeof img), ESP_OK);
    CHECK(memcmp(img, orig, sizeof img) == 0);
    CHECK_EQ(fk_nvs_crypt_image(&cfg, false, img, 100), ESP_ERR_INVALID_SIZE);
}

int main(void)
{
    test_kats();
    test_keys();
    test_image();
    return fk_test_done("nvs_crypt");
}
