/* The build options the bootloader and the OTA API share (Kconfig on a real
 * device: both are compiled from one sdkconfig), and how an app image is
 * judged. One owner, below both: the bootloader and esp_ota_ops read it,
 * neither calls the other. */
#ifndef FK_OTA_CONFIG_H
#define FK_OTA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "esp_image_format.h"
#include "esp_partition.h"
#include "fk_image_verify_ex.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Checks an image before it is booted or selected: ESP_OK, or an error with
 * the reason in why. */
typedef esp_err_t (*fk_image_check_fn)(void *ctx, const esp_partition_t *part, char *why, size_t len);
/* The secure_version of the app in part (its descriptor). */
typedef esp_err_t (*fk_image_secver_fn)(void *ctx, const esp_partition_t *part, uint32_t *secure_version);

typedef struct {
    unsigned image_checks; /* FK_IMAGE_CHECK_*: default checksum and appended SHA-256 */
    bool copy_app;         /* CONFIG_ESP8266_BOOT_COPY_APP: images linked for ota_0 */
    bool rollback;         /* CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE */
    bool anti_rollback;    /* CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK (needs rollback) */
    /* Where images come from. NULL: the partition's bytes on flash (verified
     * with image_checks; secure_version from the app descriptor). A host tool
     * that models images without their bytes gives its own. */
    fk_image_check_fn check;
    fk_image_secver_fn secure_version;
    void *ctx;
    /* Where verifications of images on flash (fk_ota_verify_part: set_boot,
     * the bootloader's checks, esp_ota_end when it must read the slot) read
     * the data: pieces of read_buf_len bytes instead of 256 bytes on the
     * verifier's stack (fk_image_verify_ex.h). 1 MiB on an ESP8266: 131.1 ms
     * in 256-byte reads, 120.8 in 1 KiB, 117.5 in 4 KiB. A bootloader has
     * the RAM (given back when the app starts); NULL: none. Used by one
     * verification at a time, as fk_ota_image_info() is. */
    uint8_t *read_buf;
    size_t read_buf_len;
} fk_ota_config_t;

/* Rollback and anti-rollback are compiled in only with ESP-IDF's
 * CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (sdkconfig.h style: defined to 1 =
 * on). Off by default, as on the ESP8266 SDK, which has no rollback: the
 * otadata states are then never consulted by esp_ota_begin / end /
 * set_boot_partition / get_boot_partition or the bootloader, and a firmware
 * links none of that code. The host build (top CMakeLists.txt) and the
 * target tests turn it on; fk_ota_set_rollback() is then the run-time
 * switch. Without it, rollback requests are ignored (config->rollback stays
 * false), which is exactly the behaviour of rollback switched off at run
 * time. The ESP-IDF rollback API functions (esp_ota_mark_app_valid_...)
 * stay callable either way, as in ESP-IDF. */
#if defined(CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) && CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
#define FK_OTA_ROLLBACK 1
#else
#define FK_OTA_ROLLBACK 0
#endif

const fk_ota_config_t *fk_ota_config(void);
/* Compile-time constant false without FK_OTA_ROLLBACK, so the callers'
 * rollback branches are dropped by the compiler. */
static inline bool fk_ota_rollback_on(void)
{
    return FK_OTA_ROLLBACK && fk_ota_config()->rollback;
}
static inline bool fk_ota_anti_rollback_on(void)
{
    return FK_OTA_ROLLBACK && fk_ota_config()->anti_rollback;
}
void fk_ota_configure(const fk_ota_config_t *cfg);
/* Back to the defaults (everything off, checksum + hash, images on flash). */
void fk_ota_config_reset(void);

void fk_ota_set_image_checks(unsigned checks);
unsigned fk_ota_image_checks(void);
void fk_ota_set_copy_app(bool on);
/* read_buf above; NULL for none. */
void fk_ota_set_read_buffer(uint8_t *buf, size_t len);
/* anti_rollback is ignored without rollback, as Kconfig's "depends on". */
void fk_ota_set_rollback(bool rollback, bool anti_rollback);

/* The one fk_image_info_t the OTA API, the configured check and the
 * bootloader share (388 bytes: too large for an ESP8266 task stack, and
 * none of them is re-entrant). Valid until the next verification. */
fk_image_info_t *fk_ota_image_info(void);
/* fk_image_verify of part's image with `checks` into fk_ota_image_info(). */
esp_err_t fk_ota_verify_part(const esp_partition_t *part, unsigned checks);
/* The same from the sums of a reader that saw the image's bytes (the OTA's
 * streamed read-back, fk_image_verify_ex.h): only the headers, the checksum byte
 * and the stored SHA-256 are read. Verifies in full when sums is NULL or
 * does not fit the image on flash. */
esp_err_t fk_ota_verify_part_sums(const esp_partition_t *part, unsigned checks, const fk_image_sums_t *sums);
/* The name of a code fk_ota_verify_part returns, for a reason text when the
 * verifier left none: a few fixed strings, so a firmware's OTA path does not
 * pull in esp_err_to_name's whole table (1.7 KB on the lx106). */
const char *fk_ota_verify_err_name(esp_err_t err);

/* Verifies the image in part the configured way; the reason in why. */
esp_err_t fk_ota_check_image(const esp_partition_t *part, char *why, size_t len);
/* The configured way of reading an app's secure_version. */
esp_err_t fk_ota_image_secure_version(const esp_partition_t *part, uint32_t *secure_version);

#ifdef __cplusplus
}
#endif

#endif
