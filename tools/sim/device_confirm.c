/* flashkit device confirm: the app that runs since the last boot calls the
 * rollback API - it confirms itself, or (--invalid) declares itself broken
 * and the device restarts into the previous app. */
#include "device_args.h"
#include "esp_ota_ops.h"
#include "util.h"

static const char help[] =
    "usage: flashkit device confirm DEV.img [--invalid] [options]\n"
    "\n"
    "The app the device runs (the one the last boot started: otadata's active\n"
    "entry) calls esp_ota_mark_app_valid_cancel_rollback(): its entry becomes\n"
    "VALID, the next boot keeps it, and with anti-rollback the eFuse counter is\n"
    "raised to its secure_version. --invalid calls\n"
    "esp_ota_mark_app_invalid_rollback_and_reboot() instead: the entry becomes\n"
    "INVALID and the device restarts into the previous app (refused with\n"
    "ESP_ERR_OTA_ROLLBACK_FAILED when there is none). Exit status 1 when the call\n"
    "fails, e.g. ESP_FAIL when the factory app runs.\n"
    "\n"
    "options:\n"
    "  --invalid             declare the running app broken\n"
    "  --json                machine-readable result\n" FK_DEVICE_COMMON_HELP FK_DEVICE_ROLLBACK_HELP;

int device_confirm(int argc, char **argv)
{
    fk_device_t d;
    const char *path = NULL;
    bool invalid = false;
    const fk_opt_t own[] = {{"--invalid", NULL, FK_OPT_FLAG, &invalid}, FK_OPT_END};
    fk_device_args_t a = {.cmd = "device confirm", .usage = help, .opts = own, .pos = &path, .max_pos = 1};
    int rc = fk_device_args_open(&d, &a, argc, argv);
    if (rc >= 0) return rc;
    /* The device kept running since the last command: the app otadata names. */
    const esp_partition_t *run = esp_ota_get_boot_partition();
    fk_app_start(run);
    esp_err_t err = invalid ? esp_ota_mark_app_invalid_rollback_and_reboot() : esp_ota_mark_app_valid_cancel_rollback();
    const char *call = invalid ? "esp_ota_mark_app_invalid_rollback_and_reboot" : "esp_ota_mark_app_valid_cancel_rollback";
    rc = 0;
    if (fk_device_power_lost(&d)) {
        rc = FK_DEVICE_EXIT_POWER_CUT;
    } else if (d.json) {
        printf("{\"device\":");
        fk_json_str(stdout, d.path);
        printf(",\"running\":");
        fk_json_str(stdout, run ? run->label : NULL);
        printf(",\"call\":\"%s\",\"result\":\"%s\",\"efuse_secure_version\":%u}\n", call, esp_err_to_name(err),
               esp_efuse_read_secure_version());
        rc = err == ESP_OK ? 0 : 1;
    } else {
        fk_device_log(stdout, err == ESP_OK ? 'I' : 'E', "app", "%s() in %s: %s", call, run ? run->label : "(none)",
                      esp_err_to_name(err));
        if (err != ESP_OK) {
            fk_err("%s: %s failed: %s%s", path, call, esp_err_to_name(err),
                   err == ESP_FAIL ? " (no active OTA entry: the factory app runs)"
                   : err == ESP_ERR_OTA_ROLLBACK_FAILED ? " (no previous app to roll back to)"
                                                        : "");
            rc = 1;
        }
    }
    if (rc == 0 && invalid && !d.json) {
        fk_device_log(stdout, 'I', "app", "restarting");
        static fk_boot_result_t r;
        if (fk_device_boot(&d, &r, 1) == 0) {
            fk_device_rollback_report(stdout, &d, &r);
            fk_device_print_running(stdout);
        } else {
            rc = fk_device_power_lost(&d) ? FK_DEVICE_EXIT_POWER_CUT : 1;
        }
    }
    fk_device_close(&d);
    return rc;
}
