/* Secure Boot v2 as the configured image check of the bootloader and the
 * OTA API (core/fk_sbv2_gate): espsecure-signed ESP8266 apps from
 * shared/vectors/signed in emulated app partitions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_ota_ops.h"
#include "fk_ota_config.h"
#include "fk_sbv2_gate.h"
#include "fk_test.h"
#include "fk_vectors.h"
#include "flash_emu.h"

#define SLOT0 0x10000u
#define SLOT1 0x110000u
#define SLOT_SIZE 0x100000u

static fk_emu_t emu;
static esp_partition_t slot[2];

static void put_file(int s, const char *rel)
{
    char dir[512], path[1024];
    fk_vec_set_dir("signed", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    uint8_t *d;
    size_t n;
    CHECK(fk_vec_read_file(path, &d, &n) == 0);
    if (!d) exit(1);
    fk_flash_erase_range(&emu.flash, slot[s].address, SLOT_SIZE);
    CHECK(fk_emu_load(&emu, slot[s].address, d, (uint32_t)n) == 0);
    free(d);
}

static void digest(const char *key, uint8_t out[32])
{
    char dir[512], path[1024];
    fk_vec_set_dir("signed", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/keys/%s.digest.bin", dir, key);
    uint8_t *d;
    size_t n;
    CHECK(fk_vec_read_file(path, &d, &n) == 0 && n == 32);
    if (!d) exit(1);
    memcpy(out, d, 32);
    free(d);
}

static unsigned revoked_slots;
static void on_revoke(void *ctx, unsigned s)
{
    (void)ctx;
    revoked_slots |= 1u << s;
}

int main(void)
{
    CHECK(fk_emu_init_mem(&emu, 0x400000) == 0);
    for (int i = 0; i < 2; i++) {
        slot[i].type = ESP_PARTITION_TYPE_APP;
        slot[i].subtype = ESP_PARTITION_SUBTYPE_OTA(i);
        slot[i].address = i ? SLOT1 : SLOT0;
        slot[i].size = SLOT_SIZE;
        snprintf(slot[i].label, sizeof slot[i].label, "ota_%d", i);
        slot[i].flash = &emu.flash;
    }
    uint8_t ka[32], kb[32], ke[32];
    digest("rsa3072_a", ka);
    digest("rsa3072_b", kb);
    digest("ecdsa256_a", ke);
    char why[96];
    fk_sbv2_gate_t g;
    memset(&g, 0, sizeof g);

    /* Off: signatures are not looked at. */
    put_file(0, "rsa3072_esp8266_sdk3_2MB/unsigned.bin");
    CHECK(!fk_sbv2_gate_active(&g));
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[0], why, sizeof why), ESP_OK);

    /* Secure boot: an unsigned app is refused, a signed one accepted. */
    CHECK(fk_sbv2_config_set(&g.cfg, "CONFIG_SECURE_BOOT_V2_ENABLED", "y"));
    fk_sbv2_trust_set(&g.trust, 0, ka);
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[0], why, sizeof why), ESP_ERR_IMAGE_INVALID);
    printf("unsigned: %s\n", why);
    CHECK(strstr(why, "signature block 0") != NULL);
    put_file(0, "rsa3072_esp8266_sdk3_2MB/signed.bin");
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[0], why, sizeof why), ESP_OK);
    CHECK(g.last_checked && g.last.block == 0 && g.last.key_slot == 0);

    /* Through the OTA configuration, as the bootloader and esp_ota_* call it. */
    fk_sbv2_gate_install(&g);
    CHECK_EQ(fk_ota_check_image(&slot[0], why, sizeof why), ESP_OK);
    g.trust.revoked = 1;
    CHECK_EQ(fk_ota_check_image(&slot[0], why, sizeof why), ESP_ERR_IMAGE_INVALID);
    printf("revoked: %s\n", why);
    CHECK(strstr(why, "revoked") != NULL);
    fk_sbv2_gate_install(NULL);
    CHECK(fk_ota_config()->check == NULL);

    /* A second trusted key signs the next release; key 0 revoked. */
    memset(&g.trust, 0, sizeof g.trust);
    fk_sbv2_trust_set(&g.trust, 0, ka);
    fk_sbv2_trust_set(&g.trust, 1, kb);
    g.trust.revoked = 1;
    put_file(0, "rsa3072_x2/signed.bin");
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[0], why, sizeof why), ESP_OK);
    CHECK_EQ(g.last.block, 1);
    CHECK_EQ(g.last.key_slot, 1);

    /* The scheme option: an RSA-only device ignores ECDSA blocks. */
    memset(&g.trust, 0, sizeof g.trust);
    fk_sbv2_trust_set(&g.trust, 0, ke);
    put_file(0, "ecdsa256_esp8266_sdk3_2MB/signed.bin");
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[0], why, sizeof why), ESP_OK);
    CHECK(fk_sbv2_config_set(&g.cfg, "CONFIG_SECURE_SIGNED_APPS_RSA_SCHEME", "y"));
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[0], why, sizeof why), ESP_ERR_IMAGE_INVALID);
    CHECK(strstr(why, "scheme") != NULL);
    g.cfg.schemes = 0;

    /* Aggressive revocation: a trusted key whose signature fails is revoked
     * (not for a digest mismatch). */
    CHECK(fk_sbv2_config_set(&g.cfg, "CONFIG_SECURE_BOOT_ENABLE_AGGRESSIVE_KEY_REVOKE", "y"));
    memset(&g.trust, 0, sizeof g.trust);
    fk_sbv2_trust_set(&g.trust, 0, ka);
    g.on_revoke = on_revoke;
    put_file(0, "bad_rsa_digest_bit/signed.bin");
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[0], why, sizeof why), ESP_ERR_IMAGE_INVALID);
    CHECK_EQ(revoked_slots, 0);
    put_file(0, "bad_rsa_signature_bit/signed.bin");
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[0], why, sizeof why), ESP_ERR_IMAGE_INVALID);
    printf("bad signature: %s\n", why);
    CHECK_EQ(revoked_slots, 1);
    CHECK_EQ(g.trust.revoked, 1);
    g.cfg.aggressive_revoke = false;

    /* Signed apps without secure boot: an update must be signed (block 0)
     * by a key of the running app; the bootloader does not check. */
    memset(&g, 0, sizeof g);
    CHECK(fk_sbv2_config_set(&g.cfg, "CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT", "y"));
    CHECK(fk_sbv2_config_set(&g.cfg, "CONFIG_SECURE_SIGNED_ON_UPDATE", "y"));
    put_file(0, "ecdsa256_esp8266_sdk3_2MB/signed.bin");
    g.running = &slot[0];
    put_file(1, "rsa3072_esp8266_sdk3_2MB/unsigned.bin");
    CHECK(!fk_sbv2_gate_active(&g));
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[1], why, sizeof why), ESP_OK); /* boot: not checked */
    g.update = true;
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[1], why, sizeof why), ESP_ERR_IMAGE_INVALID);
    put_file(1, "rsa3072_esp8266_sdk3_2MB/signed.bin");
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[1], why, sizeof why), ESP_ERR_IMAGE_INVALID);
    CHECK(strstr(why, "not a trusted key") != NULL);
    put_file(1, "ecdsa256_x2/signed.bin"); /* block 0 by ecdsa256_a */
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[1], why, sizeof why), ESP_OK);
    /* Block 0 only: the running app's key in block 2 does not count. */
    put_file(1, "append_rsa3072x2_then_ecdsa256/signed.bin");
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[1], why, sizeof why), ESP_ERR_IMAGE_INVALID);
    CHECK_EQ(g.last.why[2], FK_SBV2_NOT_EXAMINED);
    /* ... and with secure boot all three blocks are read. */
    g.cfg.secure_boot_v2 = true;
    fk_sbv2_trust_set(&g.trust, 0, ke);
    CHECK_EQ(fk_sbv2_gate_check(&g, &slot[1], why, sizeof why), ESP_OK);
    CHECK_EQ(g.last.block, 2);

    /* A partition too small for the sector. */
    memset(&g, 0, sizeof g);
    g.cfg.secure_boot_v2 = true;
    fk_sbv2_trust_set(&g.trust, 0, ka);
    put_file(0, "rsa3072_esp8266_sdk3_2MB/signed.bin");
    esp_partition_t small = slot[0];
    small.size = 0x11000; /* 69632: the image fits, its sector does not */
    CHECK_EQ(fk_sbv2_gate_check(&g, &small, why, sizeof why), ESP_ERR_IMAGE_INVALID);
    CHECK(strstr(why, "no room") != NULL);
    fk_emu_close(&emu);
    return fk_test_done("test_sbv2_gate");
}
