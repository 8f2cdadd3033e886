/* Locating the app descriptor. The SDK's esp_ota_get_partition_description
 * looks only at image offset 16, but in a real ESP8266 app the descriptor
 * heads .flash.rodata, i.e. the second flash segment (ota.md §8): that is
 * where it is read. */
#include <string.h>
#include "esp_image_format.h"
#include "fk_le.h"


void fk_app_desc_decode(const uint8_t raw[ESP_APP_DESC_SIZE], esp_app_desc_t *d)
{
    memset(d, 0, sizeof *d);
    d->magic_word = fk_le32(raw + 0);
    d->secure_version = fk_le32(raw + 4);
    d->reserv1[0] = fk_le32(raw + 8);
    d->reserv1[1] = fk_le32(raw + 12);
    memcpy(d->version, raw + 16, 32);
    memcpy(d->project_name, raw + 48, 32);
    memcpy(d->time, raw + 80, 16);
    memcpy(d->date, raw + 96, 16);
    memcpy(d->idf_ver, raw + 112, 32);
    memcpy(d->app_elf_sha256, raw + 144, 32);
    for (unsigned i = 0; i < 20; i++) d->reserv2[i] = fk_le32(raw + 176 + 4 * i);
}

/* The descriptor's magic at absolute address `at`, with room for all of it.
 * Only the magic is read: locating must not cost a 256-byte buffer on the
 * stack of a boot that only wants secure_version. */
static bool magic_at(fk_flash_t *flash, uint32_t at)
{
    uint8_t m[4];
    return (uint64_t)at + ESP_APP_DESC_SIZE <= flash->size && fk_flash_read(flash, at, m, sizeof m) == ESP_OK &&
           fk_le32(m) == ESP_APP_DESC_MAGIC_WORD;
}

/* Where the image at `offset` has its descriptor, relative to offset: the
 * first data of the first or the second segment of an ESP8266 image
 * (.flash.text, then .flash.rodata, whose head it is; an app without
 * flash-mapped code has it first), else ESP32's fixed 0x20. The headers are
 * read with fk_image_fmt's decoders, no other segment is looked at. */
static esp_err_t locate(fk_flash_t *flash, uint32_t offset, uint32_t part_size, uint32_t *found)
{
    uint8_t b[FK_IMAGE_HDR_LEN];
    fk_image_hdr_t h;
    if (fk_flash_read(flash, offset, b, sizeof b) != ESP_OK) return ESP_ERR_NOT_FOUND;
    fk_image_hdr_decode(b, &h);
    if (h.magic != ESP_IMAGE_HEADER_MAGIC) return ESP_ERR_NOT_FOUND;
    uint64_t pos = ESP_IMAGE_HEADER_LEN_ESP8266; /* relative to offset */
    for (unsigned i = 0; i < 2 && i < h.segment_count; i++) {
        uint32_t load, len;
        if (pos + FK_IMAGE_SEG_HDR_LEN > part_size || fk_flash_read(flash, offset + (uint32_t)pos, b, sizeof b) != ESP_OK)
            break;
        fk_image_seg_decode(b, &load, &len);
        pos += FK_IMAGE_SEG_HDR_LEN;
        if (pos + len > part_size) break;
        if (len >= ESP_APP_DESC_SIZE && magic_at(flash, offset + (uint32_t)pos)) {
            *found = (uint32_t)pos;
            return ESP_OK;
        }
        pos += len;
    }
    const uint32_t esp32_at = ESP_IMAGE_HEADER_LEN_ESP32 + FK_IMAGE_SEG_HDR_LEN;
    if ((uint64_t)esp32_at + ESP_APP_DESC_SIZE <= part_size && magic_at(flash, offset + esp32_at)) {
        *found = esp32_at;
        return ESP_OK;
    }
    return ESP_ERR_NOT_FOUND;
}

static esp_err_t find(fk_flash_t *flash, uint32_t offset, uint32_t part_size, esp_app_desc_t *desc,
                      uint32_t *found)
{
    if (!flash) return ESP_ERR_INVALID_ARG;
    esp_err_t err = locate(flash, offset, part_size, found);
    if (err != ESP_OK || !desc) return err;
    uint8_t raw[ESP_APP_DESC_SIZE];
    if (fk_flash_read(flash, offset + *found, raw, sizeof raw) != ESP_OK) return ESP_ERR_NOT_FOUND;
    fk_app_desc_decode(raw, desc);
    return ESP_OK;
}

esp_err_t fk_app_desc_find(fk_flash_t *flash, uint32_t offset, uint32_t part_size, esp_app_desc_t *desc)
{
    if (!desc) return ESP_ERR_INVALID_ARG;
    uint32_t at;
    return find(flash, offset, part_size, desc, &at);
}

esp_err_t fk_app_desc_secure_version(fk_flash_t *flash, uint32_t offset, uint32_t part_size, uint32_t *secure_version)
{
    if (!flash || !secure_version) return ESP_ERR_INVALID_ARG;
    uint32_t at;
    esp_err_t err = locate(flash, offset, part_size, &at);
    uint8_t v[4];
    if (err == ESP_OK && fk_flash_read(flash, offset + at + 4, v, sizeof v) != ESP_OK) err = ESP_ERR_NOT_FOUND;
    if (err == ESP_OK) *secure_version = fk_le32(v);
    return err;
}

esp_err_t fk_app_desc_find_mem(const uint8_t *buf, size_t len, esp_app_desc_t *desc, uint32_t *desc_offs)
{
    if (!buf) return ESP_ERR_INVALID_ARG;
    if (len > ESP_IMAGE_MAX_PART_SIZE) len = ESP_IMAGE_MAX_PART_SIZE;
    fk_image_memflash_t mf;
    fk_image_memflash_init(&mf, buf, len, 0, (uint32_t)len);
    uint32_t at = 0;
    esp_err_t err = find(&mf.flash, 0, (uint32_t)len, desc, &at);
    if (err == ESP_OK && desc_offs) *desc_offs = at;
    return err;
}

