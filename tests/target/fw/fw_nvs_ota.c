/* NVS and OTA in one firmware: the two variants' calls together. */
#include "../../../examples/ota_client.c"
#include "nvs.h"
#include "nvs_flash.h"

esp_err_t fw_start(void);
int fw_http_read(void *ctx, char *buf, int len);

void app_main(void)
{
    nvs_handle_t h;
    ota_client_report_t rep;
    if (fw_start() != ESP_OK || nvs_flash_init() != ESP_OK) return;
    if (nvs_open("app", NVS_READWRITE, &h) == ESP_OK) {
        nvs_set_u32(h, "boots", 1);
        nvs_commit(h);
        nvs_close(h);
    }
    ota_client_run(fw_http_read, 0, &rep);
}
