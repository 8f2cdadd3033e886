/* NVS generator CSV (nvs_partition_gen.py input) -> image, v1 or v2; an
 * image that is made must mount and hold every namespace row's name. */
// FUZZ_SEEDS: nvs/*/input.csv nvs-real/*/input.csv nvs-encrypted/*/input.csv
#include "fuzz.h"
#include "flash_emu.h"
#include "nvs_flash.h"
#include "nvs_fk.h"
#include "nvs_gen.h"

static fk_emu_t emu;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* `file` rows may name files: keep them inside an empty folder. */
    if (memchr(data, '/', size)) return 0;
    int version = size && (data[0] & 1) ? 1 : 2;
    uint32_t pages = 3 + (size ? data[0] >> 1 & 7 : 0);
    char err[1024];
    uint8_t *img = NULL;
    if (fk_nvs_gen_text((const char *)data, size, "fuzz.csv", fz_empty_dir(), pages * 4096, version, &img, err,
                        sizeof err) != 0) {
        FZ_ASSERT(err[0], "an error without a message");
        FZ_ASSERT(!memchr(err, 0x1b, strlen(err)), "terminal escape echoed: %s", err);
        free(img);
        return 0;
    }
    /* What the generator makes, the device mounts. */
    if (!emu.mem && fk_emu_init_mem(&emu, 10 * 4096) != 0) abort();
    memset(emu.mem, 0xFF, emu.size);
    memcpy(emu.mem, img, pages * 4096);
    free(img);
    nvs_fk_config_t cfg = {.read_only = true};
    esp_err_t e = nvs_flash_init_region("fz", &emu.flash, 0, pages * 4096, &cfg);
    FZ_ASSERT(e == ESP_OK, "the generated image does not mount: %s", esp_err_to_name(e));
    nvs_flash_deinit_partition("fz");
    return 0;
}
