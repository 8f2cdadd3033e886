/* App images: the SDK's verify (as esp_ota_end and the bootloader run it,
 * in a slot and as the bootloader at 0), the app descriptor search, and the
 * esptool-style `image info` decoder and report. */
// FUZZ_SEEDS: image/*/image.bin signed/*/*.bin
// FUZZ_MAX_LEN: 65536
#include "esp_image_format.h"
#include "fuzz.h"
#include "image_info.h"

static fk_image_view_t v;
static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull) devnull = fopen("/dev/null", "w");
    fk_image_info_t info;
    unsigned checks = FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH;
    esp_err_t err = fk_image_verify_mem(data, size, 0x10000, 0x100000, checks, &info);
    if (err != ESP_OK) FZ_ASSERT(info.reason[0] || err == ESP_ERR_INVALID_ARG, "refused without a reason");
    fk_image_verify_mem(data, size, 0, 0x8000, FK_IMAGE_CHECK_SUM, &info);
    esp_app_desc_t desc;
    uint32_t at;
    if (fk_app_desc_find_mem(data, size, &desc, &at) == ESP_OK)
        FZ_ASSERT(at + sizeof desc <= size, "descriptor at %u past the end (%zu)", at, size);
    for (int chip = 0; chip < 3; chip++) {
        fk_image_view_parse(data, size, chip, &v);
        fk_image_view_print_esptool(devnull, &v);
    }
    return 0;
}
