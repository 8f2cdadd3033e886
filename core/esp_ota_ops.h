/* OTA update API with ESP-IDF / ESP8266 RTOS SDK names (spec ota.md §3-4),
 * over flashkit's partition table and flash. Handles come from a small
 * static pool: no heap. */
#ifndef ESP_OTA_OPS_H
#define ESP_OTA_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_app_format.h"
#include "esp_err.h"
#include "esp_partition.h"

#define ESP_ERR_OTA_BASE 0x1500
#define ESP_ERR_OTA_PARTITION_CONFLICT (ESP_ERR_OTA_BASE + 0x01)
#define ESP_ERR_OTA_SELECT_INFO_INVALID (ESP_ERR_OTA_BASE + 0x02)
#define ESP_ERR_OTA_VALIDATE_FAILED (ESP_ERR_OTA_BASE + 0x03)

#define OTA_SIZE_UNKNOWN 0xffffffffu

typedef uint32_t esp_ota_handle_t;

/* Simultaneous updates (the SDK's list is unbounded; one is the normal case). */
#ifndef FK_OTA_MAX_HANDLES
#define FK_OTA_MAX_HANDLES 2
/* CONFIG_ESP8266_BOOT_COPY_APP: every image is linked for ota_0 and the
 * bootloader copies it there, so esp_ota_end skips the link-address rule. */
void fk_ota_set_copy_app(bool on);

#endif

/* Starts an update of `partition` (an OTA app slot other than the running
 * one). Sectors are erased lazily, just before the first write into each,
 * so only what the image needs is erased; image_size (or 0 /
 * OTA_SIZE_UNKNOWN) only bounds the image: a size above the slot is
 * ESP_ERR_INVALID_SIZE. */
esp_err_t esp_ota_begin(const esp_partition_t *partition, size_t image_size,
                        esp_ota_handle_t *out_handle);
/* Appends data; the first byte of the stream must be 0xE9. Writing past the
 * slot is ESP_ERR_INVALID_SIZE. */
esp_err_t esp_ota_write(esp_ota_handle_t handle, const void *data, size_t size);
/* Verifies the written image (checksum, SHA-256 when appended, length within
 * what was written) and, on layouts of at most 1 MiB, the link address for
 * the slot; frees the handle in every case. */
esp_err_t esp_ota_end(esp_ota_handle_t handle);
/* ESP-IDF: frees a handle without verifying (not in the ESP8266 SDK). */
esp_err_t esp_ota_abort(esp_ota_handle_t handle);

esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition);
const esp_partition_t *esp_ota_get_boot_partition(void);
const esp_partition_t *esp_ota_get_running_partition(void);
const esp_partition_t *esp_ota_get_next_update_partition(const esp_partition_t *start_from);
/* Unlike the SDK (which only looks at image offset 16 and so misses the
 * descriptor of real ESP8266 apps, ota.md §8) this finds it wherever the
 * image has it. */
esp_err_t esp_ota_get_partition_description(const esp_partition_t *partition,
                                            esp_app_desc_t *app_desc);
/* Number of contiguous OTA slots ota_0, ota_1, ... in the table. */
uint8_t get_ota_partition_count(void);

/* ---- flashkit extensions ---- */

/* Reason of the last ESP_ERR_OTA_VALIDATE_FAILED / write failure of this
 * module, e.g. "checksum mismatch ..." or the link-address message. */
const char *fk_ota_last_error(void);

/* Image checks used by esp_ota_end / set_boot_partition (FK_IMAGE_CHECK_*);
 * default: checksum and the appended SHA-256. */
void fk_ota_set_image_checks(unsigned checks);
unsigned fk_ota_image_checks(void);

/* CONFIG_ESP8266_BOOT_COPY_APP: every image is linked for ota_0 and the
 * bootloader copies it there, so esp_ota_end skips the link-address rule. */
void fk_ota_set_copy_app(bool on);

#endif
