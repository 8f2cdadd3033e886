/* ESP app images: the ESP8266 SDK 3.x form (8-byte header) and the ESP32
 * form (24-byte header), their verification with the SDK's esp_image_load
 * rules, esp_ota_end's link-address rule, and the app descriptor lookup.
 * Spec: app-image.md, ota.md §4 and §8. */
#ifndef ESP_IMAGE_FORMAT_H
#define ESP_IMAGE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_app_format.h"
#include "esp_err.h"
#include "fk_flash.h"
#include "fk_image_fmt.h" /* the byte layout: magic numbers, headers, checksum */

#ifdef __cplusplus
extern "C" {
#endif

/* ESP-IDF defines these in this header; esp_err.h has them too. */
#ifndef ESP_ERR_IMAGE_BASE
#define ESP_ERR_IMAGE_BASE       0x2000
#define ESP_ERR_IMAGE_FLASH_FAIL 0x2001
#define ESP_ERR_IMAGE_INVALID    0x2002
#endif

#define ESP_IMAGE_MAX_PART_SIZE 0x1000000u /* 16 MiB */

/* Verification options (bits of `checks`). */
#define FK_IMAGE_CHECK_SUM  0x1u  /* CONFIG_APP_UPDATE_CHECK_APP_SUM (SDK default) */
#define FK_IMAGE_CHECK_HASH 0x2u  /* CONFIG_APP_UPDATE_CHECK_APP_HASH */
/* Parse as an ESP32 image (24-byte header; the checksum is always checked and
 * the SHA-256 whenever hash_appended is 1, as ESP-IDF's loader does). */
#define FK_IMAGE_CHIP_ESP32 0x100u

typedef struct {
    /* header */
    uint8_t magic;
    uint8_t segment_count;   /* as stored in the header */
    uint8_t spi_mode;        /* 0 QIO, 1 QOUT, 2 DIO, 3 DOUT */
    uint8_t spi_speed;       /* low nibble of byte 3 */
    uint8_t spi_size;        /* high nibble of byte 3 (ESP32 table in SDK 3.x apps) */
    uint8_t header_len;      /* 8 (ESP8266) or 24 (ESP32) */
    uint8_t hash_appended;   /* ESP32: byte 23; ESP8266: 1 when the HASH option made us read it */
    uint32_t entry_addr;
    /* segments actually parsed (may be fewer than segment_count on failure) */
    uint8_t nsegs;
    fk_image_segment_t seg[ESP_IMAGE_MAX_SEGMENTS];
    /* lengths, relative to the image start */
    uint32_t data_end;       /* end of the last segment's data */
    uint32_t checksum_offs;  /* L - 1: the checksum is the last byte of a 16-byte block */
    uint32_t image_len;      /* what the SDK reports for the chosen checks */
    /* checksum */
    bool checksum_checked;
    bool checksum_valid;
    uint8_t checksum_calc;
    uint8_t checksum_stored;
    /* appended SHA-256 of [0, L) */
    bool hash_checked;
    bool hash_valid;
    uint8_t hash_calc[ESP_IMAGE_HASH_LEN];
    uint8_t hash_stored[ESP_IMAGE_HASH_LEN];
    /* on failure: why, e.g. "checksum mismatch (calculated 0xee, stored 0x11)" */
    char reason[FK_DIAG ? 96 : 1]; /* always "" without FK_DIAG */
} fk_image_info_t;

/* The ESP8266 SDK's esp_image_load(VERIFY) rules (spec app-image.md §3) on an image at flash
 * offset `offset` inside a partition of `part_size` bytes. ESP_OK or ESP_ERR_IMAGE_INVALID
 * (info->reason says why); ESP_ERR_INVALID_ARG for a partition over 16 MiB or NULL args.
 * Reads go through fk_flash_read in chunks of at most 256 bytes. */
esp_err_t fk_image_verify(fk_flash_t *flash, uint32_t offset, uint32_t part_size, unsigned checks,
                          fk_image_info_t *info);

/* Same on an image held in memory (host tools): the buffer is seen as a read-only flash
 * with the image at `slot_offset` and erased bytes (0xFF) everywhere else, like a slot
 * into which `len` bytes were written. With slot_offset 0 the image is treated as the
 * bootloader (no SHA-256 comparison, as the SDK does). */
esp_err_t fk_image_verify_mem(const uint8_t *buf, size_t len, uint32_t slot_offset, uint32_t part_size,
                              unsigned checks, fk_image_info_t *info);

/* esp_ota_end's link-address rule (ota.md §4): ESP_OK, or ESP_ERR_OTA_VALIDATE_FAILED with `why`
 * naming the slot offset the image was linked for vs the target slot. Only partitions that end
 * at or below 1 MiB are checked, as in the SDK. */
esp_err_t fk_image_check_slot(const fk_image_info_t *info, uint32_t part_offset, uint32_t part_size,
                              char *why, size_t whylen);

/* The flash offset (mod 1 MiB) an ESP8266 image was linked to run from: its first
 * flash-mapped segment's load address minus 0x40200010, else derived from the entry
 * point (rounded down to 4 KiB). False when the image has no flash-mapped code. */
bool fk_image_linked_offset(const fk_image_info_t *info, uint32_t *offset);

/* Finds the app descriptor: the first data of the first or second segment (ESP8266 SDK 3.x:
 * the second, .flash.rodata) when it starts with 0xABCD5432, else ESP32's offset 0x20. */
esp_err_t fk_app_desc_find(fk_flash_t *flash, uint32_t offset, uint32_t part_size, esp_app_desc_t *desc);

/* Same on an image in memory; ESP_ERR_NOT_FOUND when there is none. If desc_offs is not
 * NULL it receives the descriptor's offset in the buffer; desc may be NULL when only the
 * offset is wanted. */
esp_err_t fk_app_desc_find_mem(const uint8_t *buf, size_t len, esp_app_desc_t *desc, uint32_t *desc_offs);

/* A read-only fk_flash_t over a memory buffer: bytes beyond `len` read as 0xFF up to
 * `size` (rounded up to a sector). Writes and erases fail. */
typedef struct {
    fk_flash_t flash; /* first, so (fk_flash_t *)mem works */
    const uint8_t *buf;
    uint32_t base;    /* flash address of buf[0] */
    size_t len;
} fk_image_memflash_t;
void fk_image_memflash_init(fk_image_memflash_t *mf, const uint8_t *buf, size_t len, uint32_t base,
                            uint32_t size);

#ifdef __cplusplus
}
#endif

#endif
