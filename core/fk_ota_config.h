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
#include "esp_partition.h"

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
} fk_ota_config_t;

const fk_ota_config_t *fk_ota_config(void);
void fk_ota_configure(const fk_ota_config_t *cfg);
/* Back to the defaults (everything off, checksum + hash, images on flash). */
void fk_ota_config_reset(void);

void fk_ota_set_image_checks(unsigned checks);
unsigned fk_ota_image_checks(void);
void fk_ota_set_copy_app(bool on);
/* anti_rollback is ignored without rollback, as Kconfig's "depends on". */
void fk_ota_set_rollback(bool rollback, bool anti_rollback);

/* Verifies the image in part the configured way; the reason in why. */
esp_err_t fk_ota_check_image(const esp_partition_t *part, char *why, size_t len);
/* The configured way of reading an app's secure_version. */
esp_err_t fk_ota_image_secure_version(const esp_partition_t *part, uint32_t *secure_version);

#ifdef __cplusplus
}
#endif

#endif
