/* Bootloader options: ESP8266 copy mode (ota_1 copied over ota_0 at boot,
 * with a power cut at every one of its flash operations), factory reset and
 * the test-app GPIO. */
#include "boot_select.h"
#include "esp_ota_ops.h"
#include "fk_test.h"
#include "test_ota_util.h"

static uint8_t a[0x4000], b[0x4000];
static size_t la, lb;

static void test_copy_mode(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    fk_boot_result_t r;
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_emu_load(&emu, 0x10000, a, (uint32_t)la);
    fk_boot_opts_t o = {.copy_app = true};
    CHECK_EQ(fk_boot_run_opts(&emu.flash, &t, &o, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 0);
    CHECK(!r.copied);

    /* In copy mode every image is linked for ota_0; esp_ota_end allows that. */
    const esp_partition_t *p1 = esp_ota_get_next_update_partition(NULL);
    CHECK_EQ(p1->address, 0x20000);
    esp_ota_handle_t h;
    CHECK_EQ(esp_ota_begin(p1, lb, &h), ESP_OK);
    CHECK_EQ(esp_ota_write(h, b, lb), ESP_OK);
    CHECK_EQ(esp_ota_end(h), ESP_ERR_OTA_VALIDATE_FAILED); /* without copy mode: wrong slot */
    fk_ota_set_copy_app(true);
    CHECK_EQ(esp_ota_begin(p1, lb, &h), ESP_OK);
    CHECK_EQ(esp_ota_write(h, b, lb), ESP_OK);
    CHECK_EQ(esp_ota_end(h), ESP_OK);
    CHECK_EQ(esp_ota_set_boot_partition(p1), ESP_OK);
    fk_ota_set_copy_app(false);

    static uint8_t snap[OTA_TEST_FLASH];
    memcpy(snap, emu.mem, OTA_TEST_FLASH);
    fk_emu_reset_stats(&emu);
    CHECK_EQ(fk_boot_run_opts(&emu.flash, &t, &o, NULL, NULL, &r), ESP_OK);
    CHECK(r.copied);
    CHECK_EQ(r.booted_index, 0);
    CHECK(memcmp(emu.mem + 0x10000, b, lb) == 0);
    int total = (int)emu.st.ops;
    fk_ota_select_t s[2];
    fk_otadata_read(&emu.flash, OTA_TEST_OTADATA, s);
    CHECK(fk_ota_select_erased(&s[0]) && fk_ota_select_erased(&s[1]));
    CHECK_EQ(fk_boot_run_opts(&emu.flash, &t, &o, NULL, NULL, &r), ESP_OK); /* next boot: no copy */
    CHECK(!r.copied && r.booted_index == 0);

    /* Power cut at every operation of the copy: the next boot finishes the job. */
    int runs = 0;
    for (int k = 1; k <= total; k++) {
        for (int mode = 0; mode < 2; mode++) {
            memcpy(emu.mem, snap, OTA_TEST_FLASH);
            fk_emu_power_on(&emu);
            fk_emu_set_cut(&emu, (uint64_t)k, mode ? FK_CUT_TORN : FK_CUT_ATOMIC, (uint32_t)k);
            CHECK(fk_boot_run_opts(&emu.flash, &t, &o, NULL, NULL, &r) != ESP_OK);
            fk_emu_power_on(&emu);
            CHECK_EQ(fk_boot_run_opts(&emu.flash, &t, &o, NULL, NULL, &r), ESP_OK);
            CHECK_EQ(r.booted_index, 0);
            CHECK(memcmp(emu.mem + 0x10000, b, lb) == 0);
            runs++;
        }
    }
    printf("copy mode: %d flash operations per copy, %d cut runs\n", total, runs);

    /* An ota_1 that does not verify is not copied over a good ota_0. */
    memcpy(emu.mem, snap, OTA_TEST_FLASH);
    emu.mem[0x20000 + 100] ^= 1;
    CHECK_EQ(fk_boot_run_opts(&emu.flash, &t, &o, NULL, NULL, &r), ESP_OK);
    CHECK(!r.copied);
    CHECK_EQ(r.booted_index, 0);
    CHECK(memcmp(emu.mem + 0x10000, a, la) == 0);
    fk_emu_close(&emu);
}

static void test_gpio(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    fk_boot_result_t r;
    CHECK_EQ(ota_test_device(&emu, &t, 2, true, true), 0); /* factory 0x10000, ota 0x20000/0x30000, test 0x40000 */
    size_t n = ota_test_image(b, 0x10000, "f", 3000);
    fk_emu_load(&emu, 0x10000, b, (uint32_t)n);
    n = ota_test_image(b, 0x20000, "o0", 3000);
    fk_emu_load(&emu, 0x20000, b, (uint32_t)n);
    n = ota_test_image(b, 0x40000, "t", 3000);
    fk_emu_load(&emu, 0x40000, b, (uint32_t)n);
    uint8_t nvsdata[16];
    memset(nvsdata, 0x42, sizeof nvsdata);
    fk_emu_load(&emu, 0x9000, nvsdata, sizeof nvsdata);
    CHECK_EQ(fk_otadata_set_slot(&emu.flash, OTA_TEST_OTADATA, 0x2000, 2, 0), ESP_OK);

    fk_boot_opts_t o = {.app_test = true};
    CHECK_EQ(fk_boot_run_opts(&emu.flash, &t, &o, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, FK_BOOT_TEST_INDEX);
    CHECK_EQ(r.ntries, 1);

    fk_boot_layout_t l;
    fk_boot_layout(&t, &l);
    fk_boot_opts_t fr = {.factory_reset = true, .reset_otadata = true, .nreset = 1};
    for (int i = 0; i < t.count; i++)
        if (t.part[i].type == ESP_PARTITION_TYPE_DATA && t.part[i].subtype == ESP_PARTITION_SUBTYPE_DATA_NVS)
            fr.reset_parts[0] = &t.part[i];
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 0);
    CHECK_EQ(fk_boot_run_opts(&emu.flash, &t, &fr, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.erased, 2);
    CHECK_EQ(r.booted_index, FK_BOOT_FACTORY_INDEX); /* otadata erased: factory */
    CHECK_EQ(emu.mem[0x9000], 0xFF);
    fk_emu_close(&emu);
}

int main(void)
{
    la = ota_test_image(a, 0x10000, "A", 7000);
    lb = ota_test_image(b, 0x10000, "B", 9000);
    test_copy_mode();
    test_gpio();
    return fk_test_done("test_boot_copy");
}
