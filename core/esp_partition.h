/* Partition table: ESP-IDF / ESP8266 RTOS SDK API names and types, over a
 * flashkit flash (fk_flash_t). Binary format: spec partition-table.md. */
#ifndef ESP_PARTITION_H
#define ESP_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "fk_flash.h"
#include "fk_ptable_fmt.h" /* the binary table: rows, magic numbers, names */

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SPI_FLASH_SEC_SIZE
#define SPI_FLASH_SEC_SIZE FK_SECTOR_SIZE
#endif

typedef enum {
    ESP_PARTITION_TYPE_APP = 0x00,
    ESP_PARTITION_TYPE_DATA = 0x01,
    ESP_PARTITION_TYPE_ANY = 0xff,
} esp_partition_type_t;

typedef enum {
    ESP_PARTITION_SUBTYPE_APP_FACTORY = 0x00,
    ESP_PARTITION_SUBTYPE_APP_OTA_MIN = 0x10,
    ESP_PARTITION_SUBTYPE_APP_OTA_0 = 0x10,
    ESP_PARTITION_SUBTYPE_APP_OTA_1 = 0x11,
    ESP_PARTITION_SUBTYPE_APP_OTA_2 = 0x12,
    ESP_PARTITION_SUBTYPE_APP_OTA_3 = 0x13,
    ESP_PARTITION_SUBTYPE_APP_OTA_4 = 0x14,
    ESP_PARTITION_SUBTYPE_APP_OTA_5 = 0x15,
    ESP_PARTITION_SUBTYPE_APP_OTA_6 = 0x16,
    ESP_PARTITION_SUBTYPE_APP_OTA_7 = 0x17,
    ESP_PARTITION_SUBTYPE_APP_OTA_8 = 0x18,
    ESP_PARTITION_SUBTYPE_APP_OTA_9 = 0x19,
    ESP_PARTITION_SUBTYPE_APP_OTA_10 = 0x1a,
    ESP_PARTITION_SUBTYPE_APP_OTA_11 = 0x1b,
    ESP_PARTITION_SUBTYPE_APP_OTA_12 = 0x1c,
    ESP_PARTITION_SUBTYPE_APP_OTA_13 = 0x1d,
    ESP_PARTITION_SUBTYPE_APP_OTA_14 = 0x1e,
    ESP_PARTITION_SUBTYPE_APP_OTA_15 = 0x1f,
    ESP_PARTITION_SUBTYPE_APP_OTA_MAX = 0x20,
    ESP_PARTITION_SUBTYPE_APP_TEST = 0x20,

    ESP_PARTITION_SUBTYPE_DATA_OTA = 0x00,
    ESP_PARTITION_SUBTYPE_DATA_PHY = 0x01,
    ESP_PARTITION_SUBTYPE_DATA_NVS = 0x02,
    ESP_PARTITION_SUBTYPE_DATA_COREDUMP = 0x03,
    ESP_PARTITION_SUBTYPE_DATA_NVS_KEYS = 0x04,
    ESP_PARTITION_SUBTYPE_DATA_EFUSE_EM = 0x05,
    ESP_PARTITION_SUBTYPE_DATA_ESPHTTPD = 0x80,
    ESP_PARTITION_SUBTYPE_DATA_FAT = 0x81,
    ESP_PARTITION_SUBTYPE_DATA_SPIFFS = 0x82,

    ESP_PARTITION_SUBTYPE_ANY = 0xff,
} esp_partition_subtype_t;

#define ESP_PARTITION_SUBTYPE_OTA(i) \
    ((esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + ((i) & 0xf)))

typedef struct {
    esp_partition_type_t type;
    esp_partition_subtype_t subtype;
    uint32_t address;
    uint32_t size;
    char label[FK_PART_LABEL_LEN + 1];
    bool encrypted;
    fk_flash_t *flash; /* flashkit: the chip this partition lives on */
} esp_partition_t;

typedef struct esp_partition_iterator_opaque_ *esp_partition_iterator_t;

/* ---- loading the table (flashkit extension) ----
 * Capacity of the in-RAM table; a table with more rows is refused. Each row
 * costs 40 bytes of RAM on the ESP8266: the default 24 (972 bytes with the
 * header) holds the largest layout the SDK allows (16 OTA slots, factory,
 * test, otadata, nvs, phy_init) with 3 rows to spare; a firmware with the
 * usual 4-8 rows may set 8 (332 bytes). The host builds with 96, every row
 * a table can have. */
#ifndef FK_PARTITION_MAX
#define FK_PARTITION_MAX 24
#endif

typedef struct {
    fk_flash_t *flash;
    uint32_t offset;
    int count;
    esp_partition_t part[FK_PARTITION_MAX];
} fk_ptable_t;

#define FK_PT_VERIFY_MD5 0x1u /* ESP32 rule: check the MD5 row if present */

/* Reads and checks the table at `offset`, with the bootloader's rules
 * (rows with magic AA 50, an optional MD5 row, an end row of FF; anything
 * else, a partition beyond the flash, or no end row within 96 rows is
 * ESP_ERR_INVALID_STATE / ESP_ERR_INVALID_SIZE). MD5 rows are skipped unless
 * FK_PT_VERIFY_MD5 is set, as on the ESP8266. */
esp_err_t fk_ptable_load(fk_ptable_t *t, fk_flash_t *flash, uint32_t offset, unsigned flags);

/* Makes `t` the table behind esp_partition_find() & co. (the SDK reads it
 * once at start-up; this is that moment). The table must outlive its use. */
void fk_partition_set_table(fk_ptable_t *t);
/* Convenience: fk_ptable_load() into an internal table, then set it. */
esp_err_t fk_partition_init(fk_flash_t *flash, uint32_t offset);

/* ---- ESP-IDF API ---- */
esp_partition_iterator_t esp_partition_find(esp_partition_type_t type,
                                            esp_partition_subtype_t subtype,
                                            const char *label);
const esp_partition_t *esp_partition_find_first(esp_partition_type_t type,
                                                esp_partition_subtype_t subtype,
                                                const char *label);
const esp_partition_t *esp_partition_get(esp_partition_iterator_t iterator);
/* Returns the iterator advanced, or NULL (and releases it) at the end. */
esp_partition_iterator_t esp_partition_next(esp_partition_iterator_t iterator);
void esp_partition_iterator_release(esp_partition_iterator_t iterator);
/* Pointer into the loaded table equal to *partition, or NULL. */
const esp_partition_t *esp_partition_verify(const esp_partition_t *partition);

esp_err_t esp_partition_read(const esp_partition_t *partition, size_t src_offset,
                             void *dst, size_t size);
esp_err_t esp_partition_write(const esp_partition_t *partition, size_t dst_offset,
                              const void *src, size_t size);
/* offset and size must be multiples of SPI_FLASH_SEC_SIZE. */
esp_err_t esp_partition_erase_range(const esp_partition_t *partition, size_t offset,
                                    size_t size);

#ifdef __cplusplus
}
#endif

#endif
