/* XTS-AES-256 through the port (IEEE 1619 vector 10; known answers from the spec, which
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

/* IEEE 1619-2007 Annex B, vector 10 (XTS-AES-256): key1 = e's digits,
 * key2 = pi's, data unit sequence number 0xFF, plaintext bytes 0..255
 * repeating. XTS without ciphertext stealing treats each block on its own
 * (block j's tweak depends only on j), so the standard's 512-byte unit checks
 * here in its first 256 bytes, and as one NVS entry (32 bytes at partition
 * offset 0xFF: the offset little-endian is the sequence number) in its first
 * 32. */
static void test_ieee1619_vector10(void)
{
    static const char *const ct_hex[8] = {
        "1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b",
        "5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd",
        "5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0",
        "c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca",
        "2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0",
        "b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f",
        "93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec",
        "583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a",
    };
    nvs_sec_cfg_t cfg;
    hex("2718281828459045235360287471352662497757247093699959574966967627", cfg.eky);
    hex("3141592653589793238462643383279502884197169399375105820974944592", cfg.tky);
    uint8_t pt[256], want[256], out[256];
    for (unsigned i = 0; i < sizeof pt; i++) pt[i] = (uint8_t)i;
    for (unsigned i = 0; i < 8; i++) hex(ct_hex[i], want + 32 * i);
    uint8_t unit[16] = {0xFF};
    CHECK_EQ(fk_xts_crypt((const uint8_t *)&cfg, 1, unit, pt, out, sizeof pt), 0);
    CHECK(memcmp(out, want, sizeof want) == 0);
    CHECK_EQ(fk_xts_crypt((const uint8_t *)&cfg, 0, unit, want, out, sizeof want), 0);
    CHECK(memcmp(out, pt, sizeof pt) == 0);
    CHECK_EQ(fk_nvs_crypt_entries(&cfg, true, 0xFF, pt, out, 32), ESP_OK);
    CHECK(memcmp(out, want, 32) == 0);
    CHECK_EQ(fk_nvs_crypt_entries(&cfg, false, 0xFF, want, out, 32), ESP_OK);
    CHECK(memcmp(out, pt, 32) == 0);
}

int main(void)
{
    test_kats();
    test_ieee1619_vector10();
    test_keys();
    test_image();
    return fk_test_done("nvs_crypt");
}
