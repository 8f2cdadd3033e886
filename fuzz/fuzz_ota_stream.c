/* esp_ota_end from the streamed read-back against esp_ota_end reading the
 * slot: the input is written through esp_ota_begin / write / end twice, in
 * pieces of a size taken from the input, once with the stream following it
 * (its checksum and SHA-256 stand for the data, fk_image_verify_ex.h) and
 * once with it given up (the hash check off while the bytes arrive), and
 * both must give the same code and the same reason. */
// FUZZ_SEEDS: image/*/image.bin
// FUZZ_MAX_LEN: 65536
#include "esp_ota_ops.h"
#include "flash_emu.h"
#include "fuzz.h"

#define SLOT 0x10000u
#define SUM_HASH (FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH)

static fk_emu_t emu;
static fk_ptable_t table;
static const esp_partition_t *slot;

static void setup(void)
{
    if (fk_emu_init_mem(&emu, 0x30000) != 0) abort();
    static uint8_t t[FK_PART_TABLE_SIZE];
    memset(t, 0xFF, sizeof t);
    const fk_part_entry_t rows[] = {
        {.type = 1, .subtype = 0, .offset = 0xd000, .size = 0x2000, .label = "otadata"},
        {.type = 0, .subtype = 0x10, .offset = SLOT, .size = SLOT, .label = "ota_0"},
        {.type = 0, .subtype = 0x11, .offset = 2 * SLOT, .size = SLOT, .label = "ota_1"},
    };
    for (int i = 0; i < 3; i++) fk_part_entry_encode(&rows[i], t + 32 * i);
    fk_emu_load(&emu, 0x8000, t, sizeof t);
    if (fk_ptable_load(&table, &emu.flash, 0x8000, 0) != ESP_OK) abort();
    fk_partition_set_table(&table);
    fk_app_start_at(0);
    slot = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(0), NULL);
    if (!slot) abort();
}

static esp_err_t ota(const uint8_t *d, size_t n, size_t chunk, unsigned write_checks)
{
    fk_ota_set_image_checks(write_checks);
    esp_ota_handle_t h;
    esp_err_t err = esp_ota_begin(slot, OTA_SIZE_UNKNOWN, &h);
    for (size_t at = 0; err == ESP_OK && at < n; at += chunk)
        err = esp_ota_write(h, d + at, n - at < chunk ? n - at : chunk);
    fk_ota_set_image_checks(SUM_HASH);
    if (err != ESP_OK) {
        esp_ota_abort(h);
        return err;
    }
    return esp_ota_end(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!emu.mem) setup();
    size_t chunk = 1 + (size_t)(((uint32_t)size * 2654435761u) >> 7) % 2048;
    static char full_why[200];
    esp_err_t full = ota(data, size, chunk, FK_IMAGE_CHECK_SUM);
    snprintf(full_why, sizeof full_why, "%s", fk_ota_last_error());
    esp_err_t streamed = ota(data, size, chunk, SUM_HASH);
    FZ_ASSERT(streamed == full && !strcmp(full_why, fk_ota_last_error()),
              "%zu bytes in pieces of %zu: read in full 0x%x \"%s\", streamed 0x%x \"%s\"", size, chunk,
              (unsigned)full, full_why, (unsigned)streamed, fk_ota_last_error());
    return 0;
}
