/* otadata: read both entries, the choice (ESP8266 and rollback rules), the
 * bootloader's index, then an esp_ota_set_boot_partition write on an
 * emulated flash; after it the partition must select the slot asked for. */
// FUZZ_SEEDS: otadata/*/otadata.bin otadata-rollback/*/*.bin
#include "flash_emu.h"
#include "fuzz.h"
#include "otadata.h"

static fk_emu_t emu;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!emu.mem && fk_emu_init_mem(&emu, 0x2000) != 0) abort();
    /* Last byte: slot count and the slot to select; the rest is the partition. */
    uint8_t ctl = size ? data[size - 1] : 0;
    uint32_t n_slots = 1 + ctl % 16, id = (ctl >> 4) % n_slots;
    memset(emu.mem, 0xFF, 0x2000);
    memcpy(emu.mem, data, size < 0x2000 ? size : 0x2000);
    fk_ota_select_t s[2];
    if (fk_otadata_read(&emu.flash, 0, s) != ESP_OK) return 0;
    fk_otadata_choice_t c;
    fk_otadata_choose(s, n_slots, &c);
    if (c.state == FK_OTADATA_SLOT) FZ_ASSERT(c.slot < n_slots, "slot %u of %u", c.slot, n_slots);
    int d = fk_otadata_deciding(s);
    FZ_ASSERT(d >= -1 && d <= 1, "deciding %d", d);
    if (d >= 0) fk_otadata_boot_index(s[d].seq, n_slots);
    for (int i = 0; i < 2; i++) {
        uint8_t raw[FK_OTADATA_ENTRY_SIZE];
        fk_ota_select_t back;
        fk_ota_select_encode(&s[i], raw);
        fk_ota_select_decode(raw, &back);
        FZ_ASSERT(!memcmp(&back, &s[i], sizeof back), "entry %d does not survive encode/decode", i);
    }
    fk_otadata_plan_t plan;
    if (fk_otadata_plan_from(s, d, n_slots, id, ctl & 1, &plan) == ESP_OK)
        FZ_ASSERT(plan.sector == 0 || plan.sector == 1, "sector %d", plan.sector);
    if (fk_otadata_set_slot(&emu.flash, 0, 0x2000, n_slots, id) != ESP_OK) return 0;
    FZ_ASSERT(fk_otadata_read(&emu.flash, 0, s) == ESP_OK, "re-read");
    fk_otadata_choose(s, n_slots, &c);
    FZ_ASSERT(c.state == FK_OTADATA_SLOT && c.slot == id, "asked for slot %u of %u, the partition selects %s %u (%s)",
              id, n_slots, c.state == FK_OTADATA_SLOT ? "slot" : "nothing", c.slot, c.why);
    return 0;
}
