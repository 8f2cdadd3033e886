/* The OTA API as a firmware built like `make lx106` links it: rollback
 * compiled out (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE unset) and error codes
 * without texts (FK_DIAG=0). The codes and the flash contents must be those
 * of the default build; a rollback request is ignored, as Kconfig would not
 * offer it; every reason text is empty. Runs on the lx106 target only
 * (tests/target/CMakeLists.txt builds a core of its own for it). */
#include "boot_select.h"
#include "esp_image_format.h"
#include "esp_ota_ops.h"
#include "fk_test.h"
#include "test_ota_util.h"

#if FK_DIAG || FK_OTA_ROLLBACK
#error "build this test with -DFK_DIAG=0 and without CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE"
#endif

/* On the heap: the test's own image buffer is not the firmware's RAM (the
 * 80 KiB layout keeps only tests/unit's statics out of it). */
static uint8_t *img;

static const esp_partition_t *slot(int i)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(i), NULL);
}

static esp_err_t ota_image(const esp_partition_t *p, const uint8_t *b, size_t len)
{
    esp_ota_handle_t h;
    esp_err_t err = esp_ota_begin(p, OTA_SIZE_UNKNOWN, &h);
    if (err != ESP_OK) return err;
    for (size_t at = 0; at < len; at += 700) {
        size_t n = len - at < 700 ? len - at : 700;
        if ((err = esp_ota_write(h, b + at, n)) != ESP_OK) {
            esp_ota_abort(h);
            return err;
        }
    }
    return esp_ota_end(h);
}

int main(void)
{
    fk_emu_t emu;
    static fk_ptable_t t;
    static fk_boot_result_t r;
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    img = malloc(0x8000);
    CHECK(img != NULL);
    if (!img) return fk_test_done("test_ota_api_codes");
    size_t n = ota_test_image(img, 0x10000, "1.0.0", 6000);
    fk_emu_load(&emu, 0x10000, img, (uint32_t)n);

    /* Asked for, rollback stays off: nothing in the build could honour it. */
    fk_ota_set_rollback(true, true);
    CHECK(!fk_ota_config()->rollback && !fk_ota_config()->anti_rollback);
    CHECK(!fk_ota_rollback_on());
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK(r.booted == slot(0));
    CHECK(!r.rollback && !r.initial_written);
    CHECK_EQ(r.sel.why[0], 0);

    /* An update, selected the ESP8266 way: the state word is not written. */
    n = ota_test_image(img, 0x20000, "2.0.0", 7000);
    CHECK_EQ(ota_image(slot(1), img, n), ESP_OK);
    CHECK_EQ(esp_ota_set_boot_partition(slot(1)), ESP_OK);
    fk_ota_select_t s[2];
    CHECK_EQ(fk_otadata_read(&emu.flash, OTA_TEST_OTADATA, s), ESP_OK);
    CHECK_EQ(s[0].seq, 2);
    CHECK_EQ(fk_ota_select_state(&s[0]), ESP_OTA_IMG_UNDEFINED);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK(r.booted == slot(1));
    CHECK(esp_ota_get_boot_partition() == slot(1));

    /* The same codes as the default build, no texts. */
    CHECK_EQ(ota_image(slot(0), img, n), ESP_ERR_OTA_VALIDATE_FAILED); /* linked for ota_1 */
    CHECK_EQ(fk_ota_last_error()[0], 0);
    n = ota_test_image(img, 0x10000, "3.0.0", 5000);
    img[100] ^= 1;
    CHECK_EQ(ota_image(slot(0), img, n), ESP_ERR_OTA_VALIDATE_FAILED); /* checksum */
    CHECK_EQ(fk_ota_last_error()[0], 0);
    static fk_image_info_t info;
    CHECK_EQ(fk_image_verify_mem(img, n, 0x10000, OTA_TEST_SLOT, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(!info.checksum_valid);
    CHECK_EQ(info.reason[0], 0);
    CHECK_EQ(sizeof info.reason, 1);
    img[100] ^= 1;
    CHECK_EQ(ota_image(slot(0), img, n), ESP_OK);
    esp_ota_handle_t h;
    CHECK_EQ(esp_ota_begin(slot(0), 0, &h), ESP_OK);
    CHECK_EQ(esp_ota_write(h, "<html>", 6), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK_EQ(fk_ota_last_error()[0], 0);
    CHECK_EQ(esp_ota_end(h), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_begin(slot(1), 0, &h), ESP_ERR_OTA_PARTITION_CONFLICT); /* the running slot */
    CHECK(strcmp(esp_err_to_name(ESP_ERR_OTA_VALIDATE_FAILED), "UNKNOWN ERROR") == 0);
    free(img);
    fk_emu_close(&emu);
    return fk_test_done("test_ota_api_codes");
}
