/* Signed apps in the boot path and the OTA API: an image check for
 * fk_ota_config_t.check (the hook the bootloader's selection and
 * esp_ota_set_boot_partition / esp_ota_end already call), so Secure Boot v2
 * plugs in without either knowing the format: the usual image checks
 * (checksum, SHA-256) first, then the signature sector after the image. */
#ifndef FK_SBV2_GATE_H
#define FK_SBV2_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include "esp_err.h"
#include "esp_image_format.h"
#include "esp_partition.h"
#include "fk_sbv2.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Burns KEY_REVOKEn (aggressive revocation); the gate has already marked it
 * in its trust set. */
typedef void (*fk_sbv2_revoke_fn)(void *ctx, unsigned slot);

typedef struct {
    fk_sbv2_config_t cfg;  /* the Kconfig options */
    fk_sbv2_trust_t trust; /* eFuse KEY_DIGEST0..2 / KEY_REVOKE0..2 */
    /* false: the bootloader checks (CONFIG_SECURE_SIGNED_ON_BOOT); true: the
     * app checks an update (CONFIG_SECURE_SIGNED_ON_UPDATE). The bootloader
     * and the app are separate builds on a device; the simulator switches. */
    bool update;
    /* The running app, for "signed apps without secure boot": its valid
     * blocks' keys are the trusted ones for an update (spec §5). */
    const esp_partition_t *running;
    fk_sbv2_revoke_fn on_revoke;
    void *revoke_ctx;
    fk_sbv2_result_t last; /* the last signature check */
    bool last_checked;     /* ... whether one was made */
} fk_sbv2_gate_t;

/* The fk_image_check_fn: ctx is the gate. ESP_OK, or ESP_ERR_IMAGE_INVALID
 * (or a flash error) with the reason in why. */
esp_err_t fk_sbv2_gate_check(void *ctx, const esp_partition_t *part, char *why, size_t len);

/* Makes the gate the configured image check (fk_ota_configure, the other
 * options kept); NULL restores the default check. */
void fk_sbv2_gate_install(fk_sbv2_gate_t *gate);

/* Whether the gate checks signatures in its current mode. */
bool fk_sbv2_gate_active(const fk_sbv2_gate_t *gate);

/* The signed data length of a verified app image: the image including its
 * appended SHA-256, up to the next 4 KiB boundary (the signature sector
 * follows). */
uint32_t fk_sbv2_image_data_len(const fk_image_info_t *info);

/* The signed data length of the (verified) app image in part: the image
 * including its appended SHA-256, up to the next 4 KiB boundary. */
esp_err_t fk_sbv2_app_data_len(const esp_partition_t *part, unsigned checks, uint32_t *data_len, char *why,
                               size_t len);

#ifdef __cplusplus
}
#endif

#endif
