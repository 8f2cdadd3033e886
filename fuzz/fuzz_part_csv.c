/* Partition-table CSV (gen_esp32part.py dialect): parse, place, verify;
 * a table that passes must encode to a binary that decodes to the same rows. */
// FUZZ_SEEDS: partition/*/input.csv
#include "fuzz.h"
#include "part_gen.h"

static fk_part_list_t l, back;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fk_part_opts_t o;
    fk_part_opts_default(&o);
    o.name = "fuzz.csv";
    /* First byte picks the flash size checked against (0 = none, 1..16 MB). */
    if (size) {
        o.flash_size = (uint32_t)(data[0] % 17) << 20;
        data++, size--;
    }
    char err[512];
    /* NUL-terminated: fk_part_parse_csv_text reads to the NUL, not len (reported). */
    char *text = fz_text(data, size);
    int rc = fk_part_parse_csv_text(text, size, &o, &l, err, sizeof err);
    free(text);
    if (rc != 0) {
        FZ_ASSERT(err[0], "an error without a message");
        return 0;
    }
    static uint8_t bin[FK_PART_TABLE_SIZE];
    if (fk_part_to_bin(&l, &o, bin, err, sizeof err) != 0) return 0;
    FZ_ASSERT(fk_part_parse_bin(bin, sizeof bin, &o, &back, err, sizeof err) == 0, "re-reading: %s", err);
    FZ_ASSERT(back.count == l.count, "%d rows became %d", l.count, back.count);
    for (int i = 0; i < l.count; i++)
        FZ_ASSERT(back.e[i].offset == l.e[i].offset && back.e[i].size == l.e[i].size &&
                      back.e[i].type == l.e[i].type && back.e[i].subtype == l.e[i].subtype &&
                      !strcmp(back.e[i].label, l.e[i].label),
                  "row %d changed", i);
    char *csv = fk_part_to_csv(&l);
    free(csv);
    return 0;
}
