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
#include "fk_app_start.h"
#include "fk_ota_config.h"
#include "fk_rollback.h"
#include "fk_secure_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_SIZE_UNKNOWN 0xffffffffu

typedef uint32_t esp_ota_handle_t;

/* Simultaneous updates (the SDK's list is unbounded; one is the normal case).
 * Each costs 168 bytes of RAM on the ESP8266 (the running SHA-256). */
#ifndef FK_OTA_MAX_HANDLES
#define FK_OTA_MAX_HANDLES 2
#endif

/* The piece in which esp_ota_write reads the image back for its streamed
 * checks: a buffer on esp_ota_write's stack. Reads are whole pieces however
 * the image arrives (an ESP8266 read costs mostly per call). */
#ifndef FK_OTA_READBACK
#define FK_OTA_READBACK 256u
#endif

/* Starts an update of `partition` (an OTA app slot other than the running
 * one). With rollback: refused (ESP_ERR_OTA_ROLLBACK_INVALID_STATE) while the
 * running app is PENDING_VERIFY; on success the inactive otadata entry is
 * erased, so a half-written slot can never be rolled back to. Sectors are
 * erased lazily, just before the first write into each,
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

/* With rollback the new entry is NEW (rollback.md §5); with anti-rollback an
 * image below the eFuse counter is erased and refused (ESP_ERR_OTA_SMALL_SEC_VER). */
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

/* ---- App rollback (ESP-IDF, rollback.md §6). Always compiled, as in
 * ESP-IDF; only the bootloader's handling, NEW from set_boot_partition and
 * begin's check depend on fk_ota_rollback_on() (compiled in with
 * CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE, fk_ota_config.h; anti-rollback's
 * eFuse counter likewise). ---- */

/* The active entry becomes VALID (with anti-rollback the eFuse counter is
 * then raised to the running app's secure_version). ESP_ERR_NOT_FOUND: no
 * otadata; ESP_FAIL: no active entry (the factory app runs). */
esp_err_t esp_ota_mark_app_valid_cancel_rollback(void);
/* The active entry becomes INVALID when a rollback is possible (else
 * ESP_ERR_OTA_ROLLBACK_FAILED, nothing written). The _and_reboot form
 * returns ESP_OK to its caller where a device would restart: the caller
 * restarts (the simulator boots again). */
esp_err_t esp_ota_mark_app_invalid_rollback(void);
esp_err_t esp_ota_mark_app_invalid_rollback_and_reboot(void);
bool esp_ota_check_rollback_is_possible(void);
esp_err_t esp_ota_get_state_partition(const esp_partition_t *partition, esp_ota_img_states_t *ota_state);
const esp_partition_t *esp_ota_get_last_invalid_partition(void);
esp_err_t esp_ota_erase_last_boot_app_partition(void);
esp_err_t esp_ota_invalidate_inactive_ota_data_slot(void);

/* ---- flashkit extensions ---- */

/* esp_ota_begin for a slot whose first `offset` bytes (a multiple of 4 KiB)
 * the caller vouches for (fk_ota_resume.h checks them first): writing goes on
 * at offset, and esp_ota_end verifies the whole image as usual. */
esp_err_t fk_ota_begin_at(const esp_partition_t *partition, size_t image_size, uint32_t offset,
                          esp_ota_handle_t *out_handle);
/* Reason of the last ESP_ERR_OTA_VALIDATE_FAILED / write failure of this
 * module, e.g. "checksum mismatch ..." or the link-address message. */
const char *fk_ota_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
