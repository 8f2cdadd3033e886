/* Bootloader selection with images: fallback when the chosen image does not
 * verify, odd tables, and the "why" of each step. */
#include "boot_select.h"
#include "esp_ota_ops.h"
#include "fk_test.h"
#include "test_ota_util.h"

static uint8_t img[0x4000];

static void put_image(fk_emu_t *emu, uint32_t addr, const char *ver)
{
    size_t n = ota_test_image(img, addr, ver, 2000);
    fk_emu_load(emu, addr, img, (uint32_t)n);
}

static void test_fallback(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    /* factory 0x10000, ota_0 0x20000, ota_1 0x30000 */
    CHECK_EQ(ota_test_device(&emu, &t, 2, true, false), 0);
    put_image(&emu, 0x10000, "f");
    put_image(&emu, 0x20000, "a");
    put_image(&emu, 0x30000, "b");
    CHECK_EQ(fk_otadata_set_slot(&emu.flash, OTA_TEST_OTADATA, 0x2000, 2, 1), ESP_OK);
    CHECK_EQ(fk_otadata_set_slot(&emu.flash, OTA_TEST_OTADATA, 0x2000, 2, 1), ESP_OK);
    fk_boot_result_t r;
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    CHECK_EQ(r.ntries, 1);
    CHECK_EQ(fk_app_running_addr(), 0x30000);

    /* Corrupt ota_1: ota_0 is tried next, then factory. */
    emu.mem[0x30000 + 40] ^= 0xFF;
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 0);
    CHECK_EQ(r.ntries, 2);
    CHECK(r.tries[0].result != ESP_OK && r.tries[0].reason[0]);
    printf("ota_1 refused: %s\n", r.tries[0].reason);
    /* The bootloader never rewrites otadata after a fallback. */
    fk_ota_select_t s[2];
    fk_otadata_read(&emu.flash, OTA_TEST_OTADATA, s);
    CHECK_EQ(s[0].seq > s[1].seq ? s[0].seq : s[1].seq, 2);
    /* The app sees the mismatch the SDK example warns about. */
    fk_partition_set_table(&t);
    CHECK(esp_ota_get_boot_partition()->address == 0x30000);
    CHECK(esp_ota_get_running_partition()->address == 0x20000);

    emu.mem[0x20000] = 0xFF; /* ota_0 erased header: factory */
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, FK_BOOT_FACTORY_INDEX);
    CHECK_EQ(r.ntries, 3);

    emu.mem[0x10000 + 8] ^= 1; /* factory broken too: nothing bootable */
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_ERR_NOT_FOUND);
    CHECK(r.booted == NULL);
    CHECK_EQ(fk_app_running_addr(), 0);
    fk_emu_close(&emu);
}

static void test_tables(void)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, OTA_TEST_FLASH), 0);
    uint8_t table[FK_PART_TABLE_SIZE];
    fk_ptable_t t;
    fk_boot_result_t r;
    int row;

    /* otadata smaller than two sectors: invalid index, nothing boots. */
    memset(table, 0xFF, sizeof table);
    row = 0;
    ota_test_row(table, &row, 1, 0, 0xd000, 0x1000, "otadata");
    ota_test_row(table, &row, 0, 0, 0x10000, OTA_TEST_SLOT, "factory");
    fk_emu_load(&emu, OTA_TEST_TABLE, table, sizeof table);
    put_image(&emu, 0x10000, "f");
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, OTA_TEST_TABLE, 0), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_ERR_NOT_FOUND);
    CHECK_EQ(r.sel.index, FK_BOOT_INVALID_INDEX);
    CHECK(strstr(r.sel.why, "too small") != NULL);

    /* No otadata: factory. Two factory rows: the later one wins. */
    memset(table, 0xFF, sizeof table);
    row = 0;
    ota_test_row(table, &row, 0, 0, 0x10000, OTA_TEST_SLOT, "factory");
    ota_test_row(table, &row, 0, 0, 0x20000, OTA_TEST_SLOT, "factory2");
    fk_emu_load(&emu, OTA_TEST_TABLE, table, sizeof table);
    put_image(&emu, 0x20000, "f2");
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, OTA_TEST_TABLE, 0), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted->address, 0x20000);
    CHECK(strstr(r.sel.why, "no otadata") != NULL);

    /* Only a test app and erased otadata with no OTA slots: test is tried last. */
    memset(table, 0xFF, sizeof table);
    row = 0;
    ota_test_row(table, &row, 1, 0, 0xd000, 0x2000, "otadata");
    ota_test_row(table, &row, 0, 0x20, 0x40000, OTA_TEST_SLOT, "test");
    fk_emu_load(&emu, OTA_TEST_TABLE, table, sizeof table);
    fk_emu_load(&emu, 0xd000, (uint8_t[1]){0xFF}, 1);
    put_image(&emu, 0x40000, "t");
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, OTA_TEST_TABLE, 0), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, FK_BOOT_TEST_INDEX);

    /* seq 0 with a matching CRC: the bootloader's signed arithmetic gives
     * the factory index. */
    memset(table, 0xFF, sizeof table);
    row = 0;
    ota_test_row(table, &row, 1, 0, 0xd000, 0x2000, "otadata");
    ota_test_row(table, &row, 0, 0, 0x10000, OTA_TEST_SLOT, "factory");
    ota_test_row(table, &row, 0, 0x10, 0x20000, OTA_TEST_SLOT, "ota_0");
    ota_test_row(table, &row, 0, 0x11, 0x30000, OTA_TEST_SLOT, "ota_1");
    fk_emu_load(&emu, OTA_TEST_TABLE, table, sizeof table);
    uint8_t e[32];
    memset(e, 0xFF, sizeof e);
    ota_put32(e, 0);
    ota_put32(e + 28, fk_otadata_crc(0));
    fk_emu_load(&emu, 0xd000, e, sizeof e);
    put_image(&emu, 0x10000, "f");
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, OTA_TEST_TABLE, 0), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.sel.index, FK_BOOT_FACTORY_INDEX);
    /* The writer never produces seq 0: from a valid seq-0 entry, ota_1 gets 2. */
    fk_otadata_plan_t plan;
    fk_ota_select_t s[2];
    fk_otadata_read(&emu.flash, 0xd000, s);
    CHECK_EQ(fk_otadata_plan(s, 2, 1, &plan), ESP_OK);
    CHECK_EQ(plan.entry.seq, 2);
    CHECK_EQ(fk_otadata_plan(s, 2, 0, &plan), ESP_OK);
    CHECK_EQ(plan.entry.seq, 1);
    /* Issue 12: past 0x80000000 the bootloader reads seq - 1 as a negative
     * int (0xFFFFFFFE: its factory index), and the next seq may be erased-
     * looking. The numbering starts again: seq id + 1 in the other sector,
     * then the deciding sector is erased. */
    s[0].seq = 0xFFFFFFFEu;
    s[0].crc = fk_otadata_crc(s[0].seq);
    CHECK_EQ(fk_otadata_boot_index(0xFFFFFFFEu, 2), FK_BOOT_FACTORY_INDEX);
    CHECK_EQ(fk_otadata_plan(s, 2, 0, &plan), ESP_OK);
    CHECK_EQ(plan.entry.seq, 1);
    CHECK_EQ(plan.sector, 1);
    CHECK(plan.erase_other);
    CHECK_EQ(fk_otadata_plan(s, 2, 1, &plan), ESP_OK);
    CHECK_EQ(plan.entry.seq, 2);
    CHECK(plan.erase_other);
    /* With rollback the bootloader reads u32 (ESP-IDF): 0xFFFFFFFE is ota_1
     * there, so only a seq that would read as erased restarts the numbering. */
    CHECK_EQ(fk_otadata_plan_from(s, 0, 2, 1, true, &plan), ESP_OK);
    CHECK_EQ(plan.entry.seq, 0xFFFFFFFEu);
    CHECK(!plan.erase_other);
    CHECK_EQ(fk_otadata_plan_from(s, 0, 2, 0, true, &plan), ESP_OK);
    CHECK_EQ(plan.entry.seq, 1);
    CHECK(plan.erase_other);
    s[0].seq = 0x80000001u; /* bootloader and app both read ota_0 here: no renumbering */
    s[0].crc = fk_otadata_crc(s[0].seq);
    CHECK_EQ(fk_otadata_plan(s, 2, 0, &plan), ESP_OK);
    CHECK_EQ(plan.entry.seq, 0x80000001u);
    CHECK(!plan.erase_other);
    fk_emu_close(&emu);
}

int main(void)
{
    test_fallback();
    test_tables();
    return fk_test_done("test_boot_fallback");
}
