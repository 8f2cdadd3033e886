/* esp_ota_* on the flash emulator: the SDK flow and every error path. */
#include "boot_select.h"
#include "esp_image_format.h"
#include "esp_ota_ops.h"
#include "fk_test.h"
#include "test_ota_util.h"

static uint8_t img1[0x8000], img2[0x8000];
static size_t len1, len2;

static const esp_partition_t *slot(int i)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(i), NULL);
}

/* Streams img through esp_ota_write in chunks of `chunk`. */
static esp_err_t ota_image(const esp_partition_t *p, const uint8_t *img, size_t len, size_t chunk)
{
    esp_ota_handle_t h;
    esp_err_t err = esp_ota_begin(p, OTA_SIZE_UNKNOWN, &h);
    if (err != ESP_OK) return err;
    for (size_t at = 0; at < len; at += chunk) {
        size_t n = len - at < chunk ? len - at : chunk;
        err = esp_ota_write(h, img + at, n);
        if (err != ESP_OK) {
            esp_ota_abort(h);
            return err;
        }
    }
    return esp_ota_end(h);
}

static void boot(fk_emu_t *emu, fk_ptable_t *t, fk_boot_result_t *r)
{
    CHECK_EQ(fk_boot_run(&emu->flash, t, NULL, NULL, r), ESP_OK);
}

static void test_flow(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_emu_load(&emu, 0x10000, img1, (uint32_t)len1);
    fk_boot_result_t r;
    boot(&emu, &t, &r);
    CHECK(r.booted == slot(0));
    CHECK(esp_ota_get_running_partition() == slot(0));
    CHECK(esp_ota_get_boot_partition() == slot(0));
    const esp_partition_t *up = esp_ota_get_next_update_partition(NULL);
    CHECK(up == slot(1));
    CHECK_EQ(get_ota_partition_count(), 2);

    fk_emu_reset_stats(&emu);
    CHECK_EQ(ota_image(up, img2, len2, 1000), ESP_OK);
    /* Lazy erase: only the sectors the image covers. */
    CHECK_EQ(emu.st.erases, (len2 + 4095) / 4096);
    CHECK(memcmp(emu.mem + up->address, img2, len2) == 0);
    CHECK_EQ(esp_ota_set_boot_partition(up), ESP_OK);
    CHECK(esp_ota_get_boot_partition() == slot(1));
    esp_app_desc_t d;
    CHECK_EQ(esp_ota_get_partition_description(up, &d), ESP_OK);
    CHECK(strcmp(d.version, "2.0.0") == 0);

    boot(&emu, &t, &r); /* "restart" */
    CHECK(r.booted == slot(1));
    CHECK(esp_ota_get_running_partition() == slot(1));
    CHECK(esp_ota_get_next_update_partition(NULL) == slot(0));
    CHECK(esp_ota_get_next_update_partition(slot(0)) == slot(1));
    /* Back to ota_0 with the other link address. */
    static uint8_t img[0x8000]; /* static: the ESP8266 target runs this with an 8 KiB stack */
    size_t n = ota_test_image(img, 0x10000, "3.0.0", 5000);
    CHECK_EQ(ota_image(slot(0), img, n, 4096), ESP_OK);
    CHECK_EQ(esp_ota_set_boot_partition(slot(0)), ESP_OK);
    boot(&emu, &t, &r);
    CHECK(r.booted == slot(0));
    CHECK_EQ(esp_ota_get_partition_description(slot(0), &d), ESP_OK);
    CHECK(strcmp(d.version, "3.0.0") == 0);
    CHECK_EQ(emu.st.nor_violations, 0);
    fk_emu_close(&emu);
}

static void test_chunks(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_app_start_at(0);
    size_t chunks[] = {1, 3, 7, 16, 255, 4095, 4096, 4097, 65536};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        CHECK_EQ(ota_image(slot(1), img2, len2, chunks[i]), ESP_OK);
        CHECK(memcmp(emu.mem + slot(1)->address, img2, len2) == 0);
    }
    /* A known size is accepted too (it is a bound, not a promise). */
    esp_ota_handle_t h;
    CHECK_EQ(esp_ota_begin(slot(1), len2, &h), ESP_OK);
    CHECK_EQ(esp_ota_write(h, img2, len2), ESP_OK);
    CHECK_EQ(esp_ota_end(h), ESP_OK);
    fk_emu_close(&emu);
}

static void test_errors(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    CHECK_EQ(ota_test_device(&emu, &t, 2, true, true), 0);
    const esp_partition_t *factory =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL);
    const esp_partition_t *test =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_TEST, NULL);
    const esp_partition_t *nvs =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, NULL);
    /* Factory at 0x10000, ota_0 0x20000, ota_1 0x30000, test 0x40000. */
    static uint8_t fimg[0x8000];
    size_t flen = ota_test_image(fimg, 0x10000, "factory", 3000);
    fk_emu_load(&emu, 0x10000, fimg, (uint32_t)flen);
    fk_boot_result_t r;
    boot(&emu, &t, &r);
    CHECK(r.booted == factory);
    CHECK(esp_ota_get_next_update_partition(NULL) == slot(0));

    esp_ota_handle_t h, h2, h3;
    /* begin */
    CHECK_EQ(esp_ota_begin(NULL, 0, &h), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_begin(slot(0), 0, NULL), ESP_ERR_INVALID_ARG);
    esp_partition_t fake = *slot(0);
    fake.address += 0x1000;
    CHECK_EQ(esp_ota_begin(&fake, 0, &h), ESP_ERR_NOT_FOUND);
    CHECK_EQ(esp_ota_begin(nvs, 0, &h), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_begin(test, 0, &h), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_begin(factory, 0, &h), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_begin(slot(0), OTA_TEST_SLOT + 1, &h), ESP_ERR_INVALID_SIZE);
    /* The running slot: PARTITION_CONFLICT. */
    fk_app_start_at(slot(1)->address + 0x100);
    CHECK(esp_ota_get_running_partition() == slot(1));
    CHECK_EQ(esp_ota_begin(slot(1), 0, &h), ESP_ERR_OTA_PARTITION_CONFLICT);
    CHECK(strstr(fk_ota_last_error(), "running") != NULL);
    fk_app_start_at(factory->address);
    /* Handle pool and ids. */
    CHECK_EQ(esp_ota_begin(slot(0), 0, &h), ESP_OK);
    CHECK_EQ(esp_ota_begin(slot(1), 0, &h2), ESP_OK);
    CHECK(h != h2 && h && h2);
    CHECK_EQ(esp_ota_begin(slot(1), 0, &h3), ESP_ERR_NO_MEM);
    CHECK_EQ(esp_ota_abort(h2), ESP_OK);
    CHECK_EQ(esp_ota_abort(h2), ESP_ERR_NOT_FOUND);
    /* write */
    CHECK_EQ(esp_ota_write(h, NULL, 4), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_write(h2, img1, 4), ESP_ERR_INVALID_ARG);
    fk_emu_reset_stats(&emu);
    CHECK_EQ(esp_ota_write(h, "<html>", 6), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(fk_ota_last_error(), "0x3c") != NULL);
    CHECK_EQ(emu.st.ops, 0); /* nothing written or erased */
    /* end with nothing written: INVALID_ARG, handle gone */
    CHECK_EQ(esp_ota_end(h), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_end(h), ESP_ERR_NOT_FOUND);
    CHECK_EQ(esp_ota_end(0), ESP_ERR_NOT_FOUND);

    /* Oversize: writes past the slot are refused. */
    static uint8_t big[OTA_TEST_SLOT + 16];
    memset(big, 0, sizeof big);
    big[0] = 0xE9;
    CHECK_EQ(esp_ota_begin(slot(0), OTA_SIZE_UNKNOWN, &h), ESP_OK);
    CHECK_EQ(esp_ota_write(h, big, OTA_TEST_SLOT), ESP_OK);
    CHECK_EQ(esp_ota_write(h, big, 1), ESP_ERR_INVALID_SIZE);
    CHECK(strstr(fk_ota_last_error(), "larger than the slot") != NULL);
    CHECK_EQ(esp_ota_end(h), ESP_ERR_OTA_VALIDATE_FAILED);

    /* Truncated: VALIDATE_FAILED, "incomplete". */
    static uint8_t img[0x8000];
    size_t n = ota_test_image(img, 0x20000, "4.0.0", 9000);
    CHECK_EQ(ota_image(slot(0), img, n / 2, 512), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(fk_ota_last_error(), "incomplete") != NULL);
    /* The same image in full, then truncated again: the stale tail must not
     * make the short copy pass. */
    CHECK_EQ(ota_image(slot(0), img, n, 512), ESP_OK);
    CHECK_EQ(ota_image(slot(0), img, n - 40, 512), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK_EQ(ota_image(slot(0), img, 4096, 512), ESP_ERR_OTA_VALIDATE_FAILED);
    /* A flipped byte: checksum or hash. */
    img[100] ^= 1;
    CHECK_EQ(ota_image(slot(0), img, n, 512), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(fk_ota_last_error(), "image invalid") != NULL);
    img[100] ^= 1;
    /* The appended SHA-256 (hashed while streaming): a flipped hash byte fails
     * with both checks, passes with the SDK's default checksum-only check. */
    img[n - 5] ^= 0x10;
    CHECK_EQ(ota_image(slot(0), img, n, 333), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(fk_ota_last_error(), "SHA-256") != NULL);
    fk_ota_set_image_checks(FK_IMAGE_CHECK_SUM);
    CHECK_EQ(ota_image(slot(0), img, n, 333), ESP_OK);
    fk_ota_set_image_checks(FK_IMAGE_CHECK_HASH);
    CHECK_EQ(ota_image(slot(0), img, n, 333), ESP_ERR_OTA_VALIDATE_FAILED);
    img[n - 5] ^= 0x10;
    CHECK_EQ(ota_image(slot(0), img, n, 333), ESP_OK);
    /* Without its last hash byte the image is incomplete under the hash check. */
    CHECK_EQ(ota_image(slot(0), img, n - 1, 333), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(fk_ota_last_error(), "incomplete") != NULL);
    fk_ota_set_image_checks(FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH);
    /* Linked for ota_0 (0x20000) but written to ota_1: the ESP8266 link rule. */
    CHECK_EQ(ota_image(slot(1), img, n, 512), ESP_ERR_OTA_VALIDATE_FAILED);
    printf("link-address message: %s\n", fk_ota_last_error());
    CHECK(strstr(fk_ota_last_error(), "0x20000") != NULL);

    /* set_boot_partition */
    CHECK_EQ(esp_ota_set_boot_partition(NULL), ESP_ERR_INVALID_ARG);
    CHECK_EQ(ota_image(slot(0), img, n, 512), ESP_OK);
    /* As in the SDK only esp_ota_end applies the link rule: the image left in
     * ota_1 by the refused update still verifies. An erased slot does not. */
    CHECK_EQ(esp_partition_erase_range(slot(1), 0, OTA_TEST_SLOT), ESP_OK);
    CHECK_EQ(esp_ota_set_boot_partition(slot(1)), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK_EQ(esp_ota_set_boot_partition(slot(0)), ESP_OK);
    CHECK(esp_ota_get_boot_partition() == slot(0));
    CHECK_EQ(esp_ota_set_boot_partition(factory), ESP_OK); /* erases otadata */
    for (uint32_t i = 0; i < 0x2000; i++)
        if (emu.mem[OTA_TEST_OTADATA + i] != 0xFF) {
            CHECK(0);
            break;
        }
    CHECK(esp_ota_get_boot_partition() == factory);
    /* The test app's low nibble is 0: "selecting" it selects ota_0. */
    n = ota_test_image(img, 0x40000, "test", 3000);
    fk_emu_load(&emu, 0x40000, img, (uint32_t)n);
    CHECK_EQ(esp_ota_set_boot_partition(test), ESP_OK);
    CHECK(esp_ota_get_boot_partition() == slot(0));

    /* partition description */
    esp_app_desc_t d;
    CHECK_EQ(esp_ota_get_partition_description(NULL, &d), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_ota_get_partition_description(nvs, &d), ESP_ERR_NOT_SUPPORTED);
    CHECK_EQ(esp_ota_get_partition_description(slot(1), &d), ESP_ERR_NOT_FOUND);
    CHECK_EQ(esp_ota_get_partition_description(factory, &d), ESP_OK);
    CHECK(strcmp(d.version, "factory") == 0 && strcmp(d.project_name, "ota_test") == 0);
    fk_emu_close(&emu);
}

static void test_no_otadata(void)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, OTA_TEST_FLASH), 0);
    static uint8_t table[FK_PART_TABLE_SIZE];
    memset(table, 0xFF, sizeof table);
    int row = 0;
    ota_test_row(table, &row, 0, 0x10, 0x10000, OTA_TEST_SLOT, "ota_0");
    ota_test_row(table, &row, 0, 0x11, 0x20000, OTA_TEST_SLOT, "ota_1");
    fk_emu_load(&emu, OTA_TEST_TABLE, table, sizeof table);
    fk_ptable_t t;
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, OTA_TEST_TABLE, 0), ESP_OK);
    fk_partition_set_table(&t);
    fk_emu_load(&emu, 0x20000, img2, (uint32_t)len2);
    CHECK(esp_ota_get_boot_partition() == NULL);
    CHECK_EQ(esp_ota_set_boot_partition(slot(1)), ESP_ERR_NOT_FOUND);
    fk_emu_close(&emu);
}

int main(void)
{
    len1 = ota_test_image(img1, 0x10000, "1.0.0", 6000);
    len2 = ota_test_image(img2, 0x20000, "2.0.0", 7000);
    test_flow();
    test_chunks();
    test_errors();
    test_no_otadata();
    return fk_test_done("test_ota_api");
}
