/* Anti-rollback's eFuse counter (rollback.md §7) with ESP-IDF's names. The
 * ESP8266 has no such eFuse: the field is held here and the platform loads
 * it at power-on and stores it whenever it changes (the simulator keeps it
 * in a side file). Bits are only ever added, as eFuse bits burn 0 -> 1. */
#ifndef FK_SECURE_VERSION_H
#define FK_SECURE_VERSION_H

#include <stdbool.h>
#include <stdint.h>
#include "esp_err.h"
#include "esp_partition.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD: 16 on chips other than
 * ESP32 / ESP32-C2, and the width the vectors were made with. */
#define FK_EFUSE_SECURE_VERSION_BITS 16u

/* The raw field (bit i burnt = 1) and its usable width (1..32). */
void fk_efuse_secure_version_load(uint32_t field, unsigned bits);
uint32_t fk_efuse_secure_version_field(void);
/* Called after every burn so the platform can persist the field. */
typedef void (*fk_efuse_burn_fn)(void *ctx, uint32_t field);
void fk_efuse_on_burn(fk_efuse_burn_fn fn, void *ctx);
/* The field for counter value v: the low v bits burnt. */
uint32_t fk_efuse_secure_version_bits_for(uint32_t v);

/* Number of burnt bits in the usable width. */
uint32_t esp_efuse_read_secure_version(void);
/* true when an app of this secure_version may run (v >= counter). */
bool esp_efuse_check_secure_version(uint32_t secure_version);
/* Raises the counter to v: ESP_ERR_INVALID_ARG if v is wider than the field,
 * ESP_FAIL if the counter is already above v, ESP_OK otherwise. */
esp_err_t esp_efuse_update_secure_version(uint32_t secure_version);

/* The app in part may run: its secure_version read and not below the counter. */
bool fk_secure_version_ok(const esp_partition_t *part);
/* Raises the counter to the secure_version of the app in part. */
esp_err_t fk_secure_version_raise_to(const esp_partition_t *part);

#ifdef __cplusplus
}
#endif

#endif
