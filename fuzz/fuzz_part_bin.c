/* Binary partition table: the host decoder (partition show) and the
 * device's loader at 0x8000, then the bootloader's choice on that flash. */
// FUZZ_SEEDS: partition/*/input.bin partition/*/expected.bin
#include "boot_select.h"
#include "esp_image_format.h"
#include "esp_partition.h"
#include "fuzz.h"
#include "part_gen.h"

static fk_part_list_t l;
static fk_ptable_t t;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fk_part_opts_t o;
    fk_part_opts_default(&o);
    o.name = "fuzz.bin";
    char err[512];
    if (fk_part_parse_bin(data, size, &o, &l, err, sizeof err) != 0) FZ_ASSERT(err[0], "no message");

    /* The device: a 4 MB flash, erased except the table (and what follows
     * it in the input, e.g. otadata at 0x9000... as the input says). */
    fk_image_memflash_t mf;
    fk_image_memflash_init(&mf, data, size, FK_PART_DEFAULT_OFFSET, 4u << 20);
    unsigned flags = size && (data[size - 1] & 1) ? FK_PT_VERIFY_MD5 : 0;
    if (fk_ptable_load(&t, &mf.flash, FK_PART_DEFAULT_OFFSET, flags) != ESP_OK) return 0;
    FZ_ASSERT(t.count >= 0 && t.count <= FK_PARTITION_MAX, "count %d", t.count);
    for (int i = 0; i < t.count; i++)
        FZ_ASSERT((uint64_t)t.part[i].address + t.part[i].size <= (4u << 20), "row %d beyond the flash", i);
    fk_boot_layout_t lay;
    fk_boot_layout(&t, &lay);
    fk_boot_selection_t sel;
    fk_boot_select(&mf.flash, &lay, &sel);
    return 0;
}
