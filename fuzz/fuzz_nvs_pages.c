/* NVS pages from anywhere: the input is an NVS partition (3 to 8 pages,
 * erased past the input) mounted by the engine as firmware would; every
 * entry is listed and read back, then one value is written and read, also
 * after mounting again. */
// FUZZ_SEEDS: nvs/*/expected*.bin nvs-real/*/expected.bin
// FUZZ_MAX_LEN: 32768
#include "flash_emu.h"
#include "fuzz.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"

static fk_emu_t emu;

static void read_all(void)
{
    for (nvs_iterator_t it = nvs_entry_find("fz", NULL, NVS_TYPE_ANY); it; it = nvs_entry_next(it)) {
        nvs_entry_info_t info;
        nvs_entry_info(it, &info);
        FZ_ASSERT(memchr(info.key, 0, sizeof info.key) && memchr(info.namespace_name, 0, sizeof info.namespace_name),
                  "unterminated name");
        nvs_handle_t h;
        if (nvs_open_from_partition("fz", info.namespace_name, NVS_READONLY, &h) != ESP_OK) continue;
        uint8_t buf[4096];
        size_t len = sizeof buf;
        uint64_t u;
        switch (info.type) {
        case NVS_TYPE_STR: nvs_get_str(h, info.key, (char *)buf, &len); break;
        case NVS_TYPE_BLOB: nvs_get_blob(h, info.key, buf, &len); break;
        case NVS_TYPE_U8: nvs_get_u8(h, info.key, (uint8_t *)&u); break;
        case NVS_TYPE_I8: nvs_get_i8(h, info.key, (int8_t *)&u); break;
        case NVS_TYPE_U16: nvs_get_u16(h, info.key, (uint16_t *)&u); break;
        case NVS_TYPE_I16: nvs_get_i16(h, info.key, (int16_t *)&u); break;
        case NVS_TYPE_U32: nvs_get_u32(h, info.key, (uint32_t *)&u); break;
        case NVS_TYPE_I32: nvs_get_i32(h, info.key, (int32_t *)&u); break;
        case NVS_TYPE_U64: nvs_get_u64(h, info.key, &u); break;
        case NVS_TYPE_I64: nvs_get_i64(h, info.key, (int64_t *)&u); break;
        default: break;
        }
        nvs_close(h);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!emu.mem && fk_emu_init_mem(&emu, 8 * 4096) != 0) abort();
    uint32_t pages = size <= 3 * 4096 ? 3 : size >= 8 * 4096 ? 8 : (uint32_t)(size + 4095) / 4096;
    memset(emu.mem, 0xFF, emu.size);
    memcpy(emu.mem, data, size < emu.size ? size : emu.size);
    nvs_fk_config_t cfg = {0};
    if (nvs_flash_init_region("fz", &emu.flash, 0, pages * 4096, &cfg) != ESP_OK) return 0;
    read_all();
    nvs_handle_t h;
    static const char v[] = "written after mount";
    bool written = false;
    if (nvs_open_from_partition("fz", "fuzz", NVS_READWRITE, &h) == ESP_OK) {
        if (nvs_set_str(h, "k", v) == ESP_OK && nvs_commit(h) == ESP_OK) {
            written = true;
            char back[64];
            size_t n = sizeof back;
            FZ_ASSERT(nvs_get_str(h, "k", back, &n) == ESP_OK && !strcmp(back, v), "a value just written is not read back");
        }
        nvs_close(h);
    }
    read_all();
    nvs_flash_deinit_partition("fz");
    /* Mounting again must find what the first mount left. */
    esp_err_t e = nvs_flash_init_region("fz", &emu.flash, 0, pages * 4096, &cfg);
    FZ_ASSERT(e == ESP_OK || !written, "mounted once, then not again: %s", esp_err_to_name(e));
    if (e == ESP_OK) {
        read_all();
        if (written && nvs_open_from_partition("fz", "fuzz", NVS_READONLY, &h) == ESP_OK) {
            char back[64];
            size_t n = sizeof back;
            FZ_ASSERT(nvs_get_str(h, "k", back, &n) == ESP_OK && !strcmp(back, v), "a value written is lost at remount");
            nvs_close(h);
        }
        nvs_flash_deinit_partition("fz");
    }
    return 0;
}
