/* The firmware-style examples run on the host against an emulated flash:
 * code written for the SDK works unchanged on flashkit. */
#include "fk_test.h"
#include "esp_partition.h"
#include "flash_emu.h"
#include "part_gen.h"

#include "../../examples/partition_list.c"

static void flash_table(fk_emu_t *emu, const char *builtin)
{
    fk_part_opts_t o;
    fk_part_opts_default(&o);
    o.md5 = false; /* as the SDK build writes it */
    fk_part_list_t l;
    char err[256];
    uint8_t bin[FK_PART_TABLE_SIZE];
    CHECK_EQ(fk_part_parse_csv(fk_part_builtin(builtin), &o, &l, err, sizeof err), 0);
    CHECK_EQ(fk_part_to_bin(&l, &o, bin, err, sizeof err), 0);
    CHECK_EQ(fk_emu_load(emu, 0x8000, bin, sizeof bin), 0);
}

int main(void)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 4 << 20), 0);
    flash_table(&emu, "two_ota");
    uint8_t magic = 0xE9;
    CHECK_EQ(fk_emu_load(&emu, 0x10000, &magic, 1), 0);
    CHECK_EQ(fk_partition_init(&emu.flash, 0x8000), ESP_OK);
    CHECK_EQ(example_partition_list(), 5);

    memset(emu.mem, 0xFF, emu.size);
    flash_table(&emu, "singleapp");
    CHECK_EQ(fk_partition_init(&emu.flash, 0x8000), ESP_OK);
    CHECK_EQ(example_partition_list(), -3);
    fk_emu_close(&emu);
    return fk_test_done("examples");
}
