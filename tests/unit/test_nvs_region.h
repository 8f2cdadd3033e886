/* What the NVS engine tests share: one RAM flash, mounted as partition "t"
 * at offset 0, and readers of the raw pages for checks below the API. */
#ifndef TEST_NVS_REGION_H
#define TEST_NVS_REGION_H

#include <string.h>
#include "flash_emu.h"
#include "fk_test.h"
#include "fk_nvs_format.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"

static fk_emu_t emu;

static inline esp_err_t mount(uint32_t size, uint8_t version)
{
    nvs_fk_config_t cfg = {NULL, 0, version, false};
    return nvs_flash_init_region("t", &emu.flash, 0, size, &cfg);
}

static inline void fresh(uint32_t size)
{
    fk_emu_close(&emu);
    fk_emu_init_mem(&emu, size);
}

static inline nvs_handle_t open_rw(const char *ns)
{
    nvs_handle_t h = 0;
    CHECK_EQ(nvs_open_from_partition("t", ns, NVS_READWRITE, &h), ESP_OK);
    return h;
}

/* Finds WRITTEN items of a type on flash: returns count, fills the last one. */
static inline int scan_type(uint32_t size, uint8_t type, fk_nvs_entry_t *last)
{
    int n = 0;
    for (uint32_t pg = 0; pg < size; pg += 4096) {
        if (fk_le32(emu.mem + pg) == 0xFFFFFFFFu) continue;
        for (unsigned i = 0; i < 126; i++) {
            if (fk_nvs_bitmap_get(emu.mem + pg + 32, i) != NVS_ENTRY_WRITTEN) continue;
            fk_nvs_entry_t e;
            memcpy(&e, emu.mem + pg + 64 + 32 * i, 32);
            if (e.type == type && fk_nvs_entry_crc(&e) == e.crc) {
                n++;
                if (last) *last = e;
            }
        }
    }
    return n;
}

static inline void put_header(uint32_t page, uint32_t state, uint32_t seq, uint8_t version)
{
    uint8_t hdr[32];
    fk_nvs_header_build(hdr, state, seq, version);
    fk_emu_load(&emu, page * 4096, hdr, 32);
}

#endif
