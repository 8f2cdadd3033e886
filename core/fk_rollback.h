/* App rollback (rollback.md §2-§6): the ota_state word ESP-IDF keeps at
 * offset 24 of each otadata entry, which entries count, and the state-only
 * rewrites. The bootloader (boot_select.c) and the app API (esp_ota_ops.c)
 * both build on these; this module calls neither. */
#ifndef FK_ROLLBACK_H
#define FK_ROLLBACK_H

#include <stdbool.h>
#include <stdint.h>
#include "esp_err.h"
#include "fk_flash.h"
#include "otadata.h"

#ifdef __cplusplus
extern "C" {
#endif

/* esp_ota_img_states_t; a u32 on flash (UNDEFINED does not fit an int enum). */
typedef uint32_t esp_ota_img_states_t;
#define ESP_OTA_IMG_NEW 0x0u
#define ESP_OTA_IMG_PENDING_VERIFY 0x1u
#define ESP_OTA_IMG_VALID 0x2u
#define ESP_OTA_IMG_INVALID 0x3u
#define ESP_OTA_IMG_ABORTED 0x4u
#define ESP_OTA_IMG_UNDEFINED 0xFFFFFFFFu

/* The state sits in what the ESP8266 SDK calls label bytes 20..23. */
#define FK_OTADATA_STATE_OFFSET 24u

esp_ota_img_states_t fk_ota_select_state(const fk_ota_select_t *s);
void fk_ota_select_set_state(fk_ota_select_t *s, esp_ota_img_states_t state);
/* "NEW", "PENDING_VERIFY", ... "UNDEFINED"; NULL for any other value. */
const char *fk_ota_state_name(esp_ota_img_states_t state);
/* The inverse (exact names); false when unknown. */
bool fk_ota_state_parse(const char *name, esp_ota_img_states_t *state);

/* §3: invalid = erased seq, INVALID or ABORTED (CRC not looked at); valid =
 * not invalid and the CRC matches. */
bool fk_rb_entry_invalid(const fk_ota_select_t *s);
bool fk_rb_entry_valid(const fk_ota_select_t *s);
/* ESP-IDF's slot of a seq: (seq - 1) mod N in u32 arithmetic (rollback.md
 * §3), unlike the ESP8266 bootloader's signed int (fk_otadata_boot_index).
 * FK_OTADATA_NO_INDEX when n_slots is 0. */
int fk_rb_slot(uint32_t seq, uint32_t n_slots);
/* The active entry: of the valid ones the larger seq, A when equal; -1. */
int fk_rb_active(const fk_ota_select_t s[2]);
/* "Initial contents" (§4.1 step 2, §4.4): every entry erased or with a bad CRC. */
bool fk_rb_initial(const fk_ota_select_t s[2]);

/* Entry i gets `state` (seq, label and CRC as they are) in its own sector. */
esp_err_t fk_rb_set_state(fk_flash_t *flash, uint32_t otadata_addr, fk_ota_select_t s[2], int i,
                          esp_ota_img_states_t state);
/* Bootloader §4.1 step 1: every PENDING_VERIFY entry becomes ABORTED.
 * *aborted gets bit i for each entry rewritten. */
esp_err_t fk_rb_abort_pending(fk_flash_t *flash, uint32_t otadata_addr, fk_ota_select_t s[2], unsigned *aborted);
/* §4.3: sector 0 = seq slot+1, VALID, label bytes erased. */
esp_err_t fk_rb_write_initial(fk_flash_t *flash, uint32_t otadata_addr, uint32_t slot);

/* esp_ota_get_state_partition's lookup: the first entry (A, then B) of OTA
 * slot `slot` whose CRC matches; -1 if none. */
int fk_rb_entry_of_slot(const fk_ota_select_t s[2], uint32_t n_slots, uint32_t slot);
/* esp_ota_get_last_invalid_partition's choice: of the entries with a good
 * CRC in state INVALID or ABORTED the smaller seq (A when equal); -1. */
int fk_rb_last_invalid(const fk_ota_select_t s[2]);

#ifdef __cplusplus
}
#endif

#endif
