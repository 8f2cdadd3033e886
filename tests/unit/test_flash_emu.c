/* The emulator's NOR rules and power-cut modes: every later power-loss test
 * relies on them being right. */
#include "fk_test.h"
#include "flash_emu.h"
#include "fk_crc32.h"

#include <unistd.h>

static void test_nor_rules(void)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 4 * FK_SECTOR_SIZE), 0);
    fk_flash_t *f = &emu.flash;
    uint8_t b[8];
    CHECK_EQ(fk_flash_read(f, 0, b, 8), ESP_OK);
    CHECK(b[0] == 0xFF && b[7] == 0xFF);

    uint8_t v = 0xA5;
    CHECK_EQ(fk_flash_write(f, 10, &v, 1), ESP_OK);
    v = 0x25; /* clears one more bit: allowed */
    CHECK_EQ(fk_flash_write(f, 10, &v, 1), ESP_OK);
    v = 0xFF; /* sets bits back to 1: a NOR violation */
    CHECK_EQ(fk_flash_write(f, 10, &v, 1), ESP_ERR_FLASH_OP_FAIL);
    CHECK_EQ(emu.st.nor_violations, 1);
    CHECK_EQ(emu.mem[10], 0x25);

    emu.allow_and = true; /* real chips AND the data in */
    v = 0xF0;
    CHECK_EQ(fk_flash_write(f, 10, &v, 1), ESP_OK);
    CHECK_EQ(emu.mem[10], 0x20);
    emu.allow_and = false;

    CHECK_EQ(fk_flash_erase_range(f, 0, FK_SECTOR_SIZE), ESP_OK);
    CHECK_EQ(emu.mem[10], 0xFF);
    CHECK_EQ(emu.sector_erases[0], 1);
    CHECK_EQ(emu.st.erases, 1);

    /* Out of range and misaligned. */
    CHECK_EQ(fk_flash_read(f, 4 * FK_SECTOR_SIZE - 4, b, 8), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(fk_flash_write(f, 4 * FK_SECTOR_SIZE, b, 1), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(fk_flash_erase_range(f, 100, FK_SECTOR_SIZE), ESP_ERR_INVALID_ARG);
    CHECK_EQ(fk_flash_erase_range(f, 4 * FK_SECTOR_SIZE, FK_SECTOR_SIZE), ESP_ERR_INVALID_SIZE);

    /* Counters. */
    fk_emu_reset_stats(&emu);
    uint8_t z[100] = {0};
    CHECK_EQ(fk_flash_write(f, FK_SECTOR_SIZE - 50, z, 100), ESP_OK);
    CHECK_EQ(emu.st.writes, 1);
    CHECK_EQ(emu.st.bytes_written, 100);
    CHECK_EQ(emu.sector_writes[0], 1);
    CHECK_EQ(emu.sector_writes[1], 1);
    CHECK_EQ(emu.st.ops, 1);
    fk_emu_close(&emu);
}

static void test_power_cut(void)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 2 * FK_SECTOR_SIZE), 0);
    fk_flash_t *f = &emu.flash;
    uint8_t z[64];
    memset(z, 0, sizeof z);

    /* Atomic: the 2nd operation from now fails and leaves nothing. */
    fk_emu_set_cut(&emu, 2, FK_CUT_ATOMIC, 1);
    CHECK_EQ(fk_flash_write(f, 0, z, 16), ESP_OK);
    CHECK_EQ(fk_flash_write(f, 64, z, 16), ESP_ERR_FLASH_OP_FAIL);
    CHECK_EQ(emu.mem[64], 0xFF);
    CHECK(emu.powered_off);
    uint8_t b;
    CHECK_EQ(fk_flash_read(f, 0, &b, 1), ESP_ERR_FLASH_OP_FAIL); /* device is off */
    fk_emu_power_on(&emu);
    CHECK_EQ(fk_flash_read(f, 0, &b, 1), ESP_OK);
    CHECK_EQ(b, 0);

    /* Torn write: a strict prefix is programmed, never the whole thing,
     * over many seeds; and at least one seed leaves some bytes done. */
    int some_done = 0;
    for (uint32_t seed = 1; seed <= 200; seed++) {
        CHECK_EQ(fk_flash_erase_range(f, FK_SECTOR_SIZE, FK_SECTOR_SIZE), ESP_OK);
        fk_emu_set_cut(&emu, 1, FK_CUT_TORN, seed);
        CHECK_EQ(fk_flash_write(f, FK_SECTOR_SIZE, z, 64), ESP_ERR_FLASH_OP_FAIL);
        fk_emu_power_on(&emu);
        int zeros = 0;
        for (int i = 0; i < 64; i++) zeros += emu.mem[FK_SECTOR_SIZE + i] == 0;
        CHECK(zeros < 64); /* never complete */
        CHECK(emu.mem[FK_SECTOR_SIZE + 64] == 0xFF); /* nothing beyond the write */
        if (zeros > 0) some_done++;
    }
    CHECK(some_done > 0);

    /* Torn erase: some of the sector back to 0xFF, not necessarily all. */
    int partial = 0;
    for (uint32_t seed = 1; seed <= 50; seed++) {
        fk_emu_power_on(&emu);
        CHECK_EQ(fk_flash_erase_range(f, 0, FK_SECTOR_SIZE), ESP_OK);
        memset(z, 0, sizeof z);
        for (uint32_t a = 0; a < FK_SECTOR_SIZE; a += 64) CHECK_EQ(fk_flash_write(f, a, z, 64), ESP_OK);
        fk_emu_set_cut(&emu, 1, FK_CUT_TORN, seed);
        CHECK_EQ(fk_flash_erase_range(f, 0, FK_SECTOR_SIZE), ESP_ERR_FLASH_OP_FAIL);
        int ff = 0;
        for (uint32_t i = 0; i < FK_SECTOR_SIZE; i++) ff += emu.mem[i] == 0xFF;
        if (ff > 0 && ff < (int)FK_SECTOR_SIZE) partial++;
    }
    CHECK(partial > 40);
    fk_emu_close(&emu);
}

static void test_file_backed(void)
{
    char path[] = "/tmp/fk_emu_test_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    fk_emu_t emu;
    CHECK_EQ(fk_emu_open_file(&emu, path, 3 * FK_SECTOR_SIZE, true), 0);
    uint8_t v = 0x42;
    CHECK_EQ(fk_flash_write(&emu.flash, 5000, &v, 1), ESP_OK);
    fk_emu_close(&emu);
    CHECK_EQ(fk_emu_open_file(&emu, path, 0, false), 0); /* persists */
    CHECK_EQ(emu.size, 3 * FK_SECTOR_SIZE);
    CHECK_EQ(emu.mem[5000], 0x42);
    CHECK_EQ(emu.mem[0], 0xFF);
    fk_emu_close(&emu);
    unlink(path);
}

static void test_crc(void)
{
    CHECK_EQ(fk_crc32_le(0xFFFFFFFF, "123456789", 9), 0xD202D277);
    CHECK_EQ(fk_crc32_le(0xFFFFFFFF, "", 0), 0xFFFFFFFF);
    uint8_t seq1[4] = {1, 0, 0, 0}, seq3[4] = {3, 0, 0, 0};
    CHECK_EQ(fk_crc32_le(0xFFFFFFFF, seq1, 4), 0x4743989A);
    CHECK_EQ(fk_crc32_le(0xFFFFFFFF, seq3, 4), 0xED4A5011);
    /* Chaining equals one pass. */
    uint32_t c = fk_crc32_le(0xFFFFFFFF, "1234", 4);
    CHECK_EQ(fk_crc32_le(c, "56789", 5), 0xD202D277);
}

int main(void)
{
    test_nor_rules();
    test_power_cut();
    test_file_backed();
    test_crc();
    return fk_test_done("flash_emu");
}
