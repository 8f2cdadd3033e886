/* The rollback API with real images on the flash emulator: the ESP-IDF
 * life cycle (NEW -> PENDING_VERIFY -> VALID, a revert), anti-rollback, and
 * the error code of every misuse (rollback.md §5-§7). */
#include "esp_image_format.h"
#include "fk_test.h"
#include "test_rollback_util.h"

static uint8_t img[2][4][0x4000]; /* [slot][secure_version] */
static size_t len[2][4];

static void images(void)
{
    for (int s = 0; s < 2; s++)
        for (uint32_t v = 0; v < 4; v++) {
            char ver[8];
            snprintf(ver, sizeof ver, "%d.%u", s, v);
            len[s][v] = rb_image(img[s][v], OTA_TEST_SLOT * (uint32_t)(s + 1), ver, 5000 + 100 * v, v);
        }
}

/* A fresh two-slot device (no factory) with `v` in ota_0, erased otadata. */
static void device(fk_emu_t *emu, fk_ptable_t *t, bool factory, uint32_t v)
{
    CHECK_EQ(ota_test_device(emu, t, 2, factory, false), 0);
    /* Without a factory app ota_0 is at 0x10000; with one, the factory is. */
    fk_emu_load(emu, 0x10000, img[0][v], (uint32_t)len[0][v]);
    fk_efuse_secure_version_load(0, FK_EFUSE_SECURE_VERSION_BITS);
}

static esp_ota_img_states_t state_of(int slot)
{
    esp_ota_img_states_t st = 0xDEAD;
    CHECK_EQ(esp_ota_get_state_partition(rb_slot(slot), &st), ESP_OK);
    return st;
}

static void test_life(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    fk_boot_result_t r;
    fk_ota_set_rollback(true, false);
    device(&emu, &t, false, 1);
    /* First boot, no factory, empty otadata: entry A records ota_0 VALID. */
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 0);
    CHECK(r.initial_written);
    CHECK_EQ(state_of(0), ESP_OTA_IMG_VALID);
    CHECK(!esp_ota_check_rollback_is_possible()); /* nothing to go back to yet */
    CHECK_EQ(esp_ota_mark_app_invalid_rollback_and_reboot(), ESP_ERR_OTA_ROLLBACK_FAILED);
    CHECK_EQ(state_of(0), ESP_OTA_IMG_VALID);
    /* OTA into ota_1: NEW, then PENDING_VERIFY at the boot. */
    CHECK_EQ(rb_update(rb_slot(1), img[1][2], len[1][2]), ESP_OK);
    CHECK_EQ(state_of(1), ESP_OTA_IMG_NEW);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    CHECK(r.pending);
    CHECK_EQ(state_of(1), ESP_OTA_IMG_PENDING_VERIFY);
    /* An unconfirmed app may not update. */
    esp_ota_handle_t h;
    h = 0;
    CHECK_EQ(esp_ota_begin(rb_slot(0), OTA_SIZE_UNKNOWN, &h), ESP_ERR_OTA_ROLLBACK_INVALID_STATE);
    if (h) esp_ota_abort(h);
    CHECK(esp_ota_check_rollback_is_possible());
    /* Reset without confirming: ABORTED, back on ota_0. */
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 0);
    CHECK_EQ(r.aborted, 2u);
    CHECK_EQ(state_of(1), ESP_OTA_IMG_ABORTED);
    CHECK(esp_ota_get_last_invalid_partition() == rb_slot(1));
    CHECK(esp_ota_get_boot_partition() == rb_slot(0));
    /* Again, and this time the app confirms itself. */
    CHECK_EQ(rb_update(rb_slot(1), img[1][2], len[1][2]), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    CHECK_EQ(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK);
    CHECK_EQ(state_of(1), ESP_OTA_IMG_VALID);
    CHECK_EQ(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK); /* already VALID: nothing written */
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    /* The app declares itself broken: INVALID, the device goes back. */
    CHECK_EQ(esp_ota_mark_app_invalid_rollback_and_reboot(), ESP_OK);
    CHECK_EQ(state_of(1), ESP_OTA_IMG_INVALID);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 0);
    /* The last boot app (ota_1, INVALID) is erased with its entry; then
     * there is none left. */
    CHECK_EQ(esp_ota_erase_last_boot_app_partition(), ESP_OK);
    CHECK_EQ(emu.mem[rb_slot(1)->address], 0xFF);
    CHECK_EQ(emu.mem[OTA_TEST_OTADATA + 0x1000], 0xFF);
    CHECK_EQ(esp_ota_erase_last_boot_app_partition(), ESP_FAIL);
    fk_emu_close(&emu);
    fk_ota_config_reset();
}

static void test_errors(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    fk_boot_result_t r;
    fk_ota_set_rollback(true, false);
    device(&emu, &t, true, 1);
    esp_ota_img_states_t st;
    /* get_state: NULL, a non-OTA app, a slot no entry names. */
    CHECK_EQ(esp_ota_get_state_partition(NULL, &st), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_get_state_partition(rb_slot(0), NULL), ESP_ERR_INVALID_ARG);
    const esp_partition_t *factory =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL);
    CHECK_EQ(esp_ota_get_state_partition(factory, &st), ESP_ERR_NOT_SUPPORTED);
    CHECK_EQ(esp_ota_get_state_partition(rb_slot(1), &st), ESP_ERR_NOT_FOUND);
    /* Factory runs, otadata erased: mark valid / invalid have no entry. */
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK(r.booted == factory);
    CHECK(!r.initial_written); /* a factory app: nothing recorded */
    CHECK_EQ(esp_ota_mark_app_valid_cancel_rollback(), ESP_FAIL);
    CHECK_EQ(esp_ota_mark_app_invalid_rollback_and_reboot(), ESP_FAIL);
    CHECK_EQ(esp_ota_erase_last_boot_app_partition(), ESP_FAIL);
    CHECK(esp_ota_get_last_invalid_partition() == NULL);
    /* set_boot_partition on an image that does not verify. */
    CHECK_EQ(esp_ota_set_boot_partition(NULL), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_set_boot_partition(rb_slot(1)), ESP_ERR_OTA_VALIDATE_FAILED);
    /* The update itself, then the running app's slot is refused by begin. */
    CHECK_EQ(rb_update(rb_slot(0), img[1][1], len[1][1]), ESP_OK); /* linked for 0x20000 */
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK(r.booted == rb_slot(0));
    esp_ota_handle_t h = 0;
    CHECK_EQ(esp_ota_begin(rb_slot(0), OTA_SIZE_UNKNOWN, &h), ESP_ERR_OTA_PARTITION_CONFLICT);
    CHECK_EQ(esp_ota_begin(rb_slot(1), OTA_SIZE_UNKNOWN, &h), ESP_ERR_OTA_ROLLBACK_INVALID_STATE);
    if (h) esp_ota_abort(h);
    /* Rollback from the only OTA entry goes to the factory app. */
    CHECK(esp_ota_check_rollback_is_possible());
    CHECK_EQ(esp_ota_mark_app_invalid_rollback_and_reboot(), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK(r.booted == factory);
    /* No otadata partition at all. */
    fk_ptable_t no_od = t;
    for (int i = 0; i < no_od.count; i++)
        if (no_od.part[i].type == ESP_PARTITION_TYPE_DATA && no_od.part[i].subtype == ESP_PARTITION_SUBTYPE_DATA_OTA)
            no_od.part[i].subtype = 0x99;
    fk_partition_set_table(&no_od);
    CHECK_EQ(esp_ota_mark_app_valid_cancel_rollback(), ESP_ERR_NOT_FOUND);
    CHECK_EQ(esp_ota_mark_app_invalid_rollback(), ESP_ERR_NOT_FOUND);
    CHECK_EQ(esp_ota_get_state_partition(rb_slot(0), &st), ESP_ERR_NOT_FOUND);
    CHECK_EQ(esp_ota_erase_last_boot_app_partition(), ESP_FAIL);
    CHECK(!esp_ota_check_rollback_is_possible());
    CHECK_EQ(esp_ota_set_boot_partition(rb_slot(0)), ESP_ERR_NOT_FOUND);
    fk_partition_set_table(&t);
    fk_emu_close(&emu);
    fk_ota_config_reset();
}

static void test_anti_rollback(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    fk_boot_result_t r;
    fk_ota_set_rollback(true, true);
    device(&emu, &t, false, 1);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(esp_efuse_read_secure_version(), 1u); /* the first boot recorded ota_0 and raised */
    /* v2 boots pending: the counter stays until the app confirms. */
    CHECK_EQ(rb_update(rb_slot(1), img[1][2], len[1][2]), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    CHECK_EQ(esp_efuse_read_secure_version(), 1u);
    CHECK_EQ(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK);
    CHECK_EQ(esp_efuse_read_secure_version(), 2u);
    /* ota_0 still holds v1 (secure_version 1): no rollback there, and
     * selecting it erases it. */
    CHECK(!esp_ota_check_rollback_is_possible());
    CHECK_EQ(esp_ota_set_boot_partition(rb_slot(0)), ESP_ERR_OTA_SMALL_SEC_VER);
    CHECK_EQ(emu.mem[rb_slot(0)->address], 0xFF);
    /* An old image over OTA: written, but refused at set_boot. */
    CHECK_EQ(rb_update(rb_slot(0), img[0][1], len[0][1]), ESP_ERR_OTA_SMALL_SEC_VER);
    CHECK(esp_ota_get_boot_partition() == rb_slot(1));
    /* The bootloader skips a low image even when otadata names it. */
    fk_ota_select_t s[2];
    fk_otadata_read(&emu.flash, OTA_TEST_OTADATA, s);
    fk_emu_load(&emu, rb_slot(0)->address, img[0][1], (uint32_t)len[0][1]);
    fk_ota_select_t e = s[1];
    e.seq = s[1].seq + 1;
    e.crc = fk_otadata_crc(e.seq);
    fk_ota_select_set_state(&e, ESP_OTA_IMG_VALID);
    CHECK_EQ(fk_otadata_write_entry(&emu.flash, OTA_TEST_OTADATA, 0, &e), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    /* eFuse rules. */
    CHECK_EQ(esp_efuse_update_secure_version(1), ESP_FAIL);
    CHECK_EQ(esp_efuse_update_secure_version(FK_EFUSE_SECURE_VERSION_BITS + 1), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_efuse_update_secure_version(2), ESP_OK);
    CHECK_EQ(esp_efuse_read_secure_version(), 2u);
    CHECK(!esp_efuse_check_secure_version(1));
    CHECK(esp_efuse_check_secure_version(2));
    fk_emu_close(&emu);
    fk_ota_config_reset();
}

/* Rollback off: set_boot keeps the ESP8266 write (bytes 24..27 kept) and
 * the bootloader writes nothing. */
static void test_off(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    fk_boot_result_t r;
    device(&emu, &t, false, 1);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK(!r.initial_written);
    CHECK_EQ(emu.mem[OTA_TEST_OTADATA], 0xFF);
    CHECK_EQ(rb_update(rb_slot(1), img[1][2], len[1][2]), ESP_OK);
    fk_ota_select_t s[2];
    fk_otadata_read(&emu.flash, OTA_TEST_OTADATA, s);
    CHECK_EQ(fk_ota_select_state(&s[0]), ESP_OTA_IMG_UNDEFINED);
    static uint8_t before[0x2000]; /* static: the ESP8266 target's test stack is 8 KiB */
    memcpy(before, emu.mem + OTA_TEST_OTADATA, sizeof before);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    CHECK(memcmp(before, emu.mem + OTA_TEST_OTADATA, sizeof before) == 0);
    fk_emu_close(&emu);
}

/* What a build with CONFIG_BOOTLOADER_APP_SECURE_VERSION does to the
 * descriptor: the same bytes as an image made with it from the start. */
static void test_set_secure_version(void)
{
    static uint8_t a[0x4000];
    memcpy(a, img[1][0], len[1][0]);
    CHECK_EQ(fk_app_desc_set_secure_version(a, len[1][0], 3), ESP_OK);
    static uint8_t b[0x4000];
    size_t lb = rb_image(b, 2 * OTA_TEST_SLOT, "1.0", 5000, 3);
    CHECK_EQ(lb, len[1][0]);
    CHECK(memcmp(a, b, lb) == 0);
    static fk_image_info_t info;
    CHECK_EQ(fk_image_verify_mem(a, lb, 2 * OTA_TEST_SLOT, OTA_TEST_SLOT, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH,
                                 &info),
             ESP_OK);
    esp_app_desc_t d;
    CHECK_EQ(fk_app_desc_find_mem(a, lb, &d, NULL), ESP_OK);
    CHECK_EQ(d.secure_version, 3u);
    uint8_t junk[64];
    memset(junk, 0xE9, sizeof junk);
    CHECK(fk_app_desc_set_secure_version(junk, sizeof junk, 1) != ESP_OK);
}

int main(void)
{
    images();
    test_set_secure_version();
    test_life();
    test_errors();
    test_anti_rollback();
    test_off();
    return fk_test_done("test_rollback_api");
}
