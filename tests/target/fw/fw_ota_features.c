/* fw_ota.c's firmware with every optional OTA feature switched on: app
 * rollback and anti-rollback (the core built with
 * CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE), the running app confirming itself,
 * and Secure Boot v2 signatures checked on update. Set beside fw_ota it
 * shows what these features cost, and that fw_ota pays nothing for them. */
#include "../../../examples/ota_client.c"
#include "fk_sbv2_gate.h"

esp_err_t fw_start(void);
int fw_http_read(void *ctx, char *buf, int len);

/* The eFuse key digests would be read into it at start-up. */
static fk_sbv2_gate_t gate = {.cfg = {.secure_boot_v2 = true}, .update = true};

void app_main(void)
{
    ota_client_report_t rep;
    if (fw_start() != ESP_OK) return;
    fk_ota_set_rollback(true, true);
    fk_sbv2_gate_install(&gate);
    esp_ota_mark_app_valid_cancel_rollback();
    ota_client_run(fw_http_read, 0, &rep);
}
