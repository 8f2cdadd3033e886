/* App rollback on the simulated device: the options, the eFuse counter's
 * side file, and the bootloader's rollback log lines. The counter lives in
 * DEV.img.efuse ("secure_version_field=0x...", bit i burnt = 1) because
 * eFuse is not flash: no flash operation touches it, a power cut cannot tear
 * it, and erasing the flash image leaves it, as on a chip. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "esp_ota_ops.h"
#include "sdkconfig.h"
#include "util.h"

static void store_efuse(void *ctx, uint32_t field)
{
    fk_device_t *d = ctx;
    char text[64];
    int n = snprintf(text, sizeof text, "secure_version_field=0x%08x\n", field);
    if (fk_write_file_atomic(d->efuse_path, text, (size_t)n) != 0)
        fk_err("%s: the eFuse counter could not be stored", d->efuse_path);
}

static int load_efuse(fk_device_t *d)
{
    uint8_t *text;
    size_t len;
    uint32_t field = 0;
    FILE *f = fopen(d->efuse_path, "rb");
    if (!f) {
        if (errno != ENOENT) {
            fk_err("%s: %s", d->efuse_path, strerror(errno));
            return -1;
        }
    } else {
        fclose(f);
        if (fk_read_file(d->efuse_path, &text, &len) != 0) return -1;
        char buf[64];
        size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
        memcpy(buf, text, n);
        buf[n] = 0;
        free(text);
        char *end;
        if (strncmp(buf, "secure_version_field=", 21) != 0 ||
            (errno = 0, field = (uint32_t)strtoul(buf + 21, &end, 0), errno) || (*end && *end != '\n')) {
            fk_err("%s:1: expected secure_version_field=0xXXXXXXXX (the emulated eFuse counter)", d->efuse_path);
            return -1;
        }
    }
    fk_efuse_secure_version_load(field, d->efuse_bits);
    fk_efuse_on_burn(store_efuse, d);
    return 0;
}

int fk_device_rollback_apply(fk_device_t *d)
{
    d->efuse_bits = FK_EFUSE_SECURE_VERSION_BITS;
    if (d->sdkconfig) {
        char err[256];
        fk_sdkconfig_t *c = fk_sdkconfig_load(d->sdkconfig, err, sizeof err);
        if (!c) {
            fk_err("%s", err);
            return -1;
        }
        d->rollback = d->rollback || fk_sdkconfig_bool(c, "BOOTLOADER_APP_ROLLBACK_ENABLE");
        d->anti_rollback = d->anti_rollback || (d->rollback && fk_sdkconfig_bool(c, "BOOTLOADER_APP_ANTI_ROLLBACK"));
        uint32_t bits;
        int r = fk_sdkconfig_u32(c, "BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD", &bits);
        if (r < 0 || (r > 0 && (bits < 1 || bits > 32))) {
            fk_err("%s:%d: CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD: expected 1..32", d->sdkconfig,
                   fk_sdkconfig_line(c, "BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD"));
            fk_sdkconfig_free(c);
            return -1;
        }
        if (r > 0) d->efuse_bits = bits;
        fk_sdkconfig_free(c);
    }
    fk_ota_set_rollback(d->rollback, d->anti_rollback);
    if (snprintf(d->efuse_path, sizeof d->efuse_path, "%s.efuse", d->path) >= (int)sizeof d->efuse_path) {
        fk_err("%s: path too long", d->path);
        return -1;
    }
    return load_efuse(d);
}

void fk_device_rollback_report(FILE *f, const fk_device_t *d, const fk_boot_result_t *r)
{
    if (!r->rollback) {
        /* States written by a rollback build are label bytes to this bootloader. */
        fk_ota_select_t s[2];
        const esp_partition_t *od = r->layout.otadata;
        if (od && od->size >= FK_OTADATA_SIZE && fk_otadata_read(od->flash, od->address, s) == ESP_OK &&
            ((!fk_ota_select_erased(&s[0]) && fk_ota_select_state(&s[0]) != ESP_OTA_IMG_UNDEFINED) ||
             (!fk_ota_select_erased(&s[1]) && fk_ota_select_state(&s[1]) != ESP_OTA_IMG_UNDEFINED)))
            fk_device_log(f, 'W', "boot", "otadata holds app-rollback states, which this bootloader (built without "
                                          "app rollback) ignores; --rollback or --sdkconfig to honour them");
        return;
    }
    for (int i = 0; i < 2; i++)
        if (r->aborted & (1u << i))
            fk_device_log(f, 'W', "boot",
                          "rollback: otadata entry %c was PENDING_VERIFY (the app never confirmed itself): "
                          "now ABORTED, it will not boot again", 'A' + i);
    if (r->pending)
        fk_device_log(f, 'I', "boot", "rollback: new app, state NEW -> PENDING_VERIFY; it must call "
                                      "esp_ota_mark_app_valid_cancel_rollback() ('flashkit device confirm')");
    if (r->initial_written)
        fk_device_log(f, 'I', "boot", "rollback: otadata was empty: entry A now names %s, VALID", r->booted->label);
    if (d->anti_rollback)
        fk_device_log(f, 'I', "boot", "anti-rollback: eFuse secure version %u%s", r->efuse_after,
                      r->efuse_after != r->efuse_before ? " (raised at this boot)" : "");
    esp_ota_img_states_t st;
    if (r->booted && esp_ota_get_state_partition(r->booted, &st) == ESP_OK && fk_ota_state_name(st))
        fk_device_log(f, 'I', "boot", "running app state: %s", fk_ota_state_name(st));
}
