/* A firmware that keeps a boot counter in NVS: init, open, get, set, commit. */
#include "esp_err.h"
#include "nvs.h"
#include "nvs_flash.h"

esp_err_t fw_start(void);

void app_main(void)
{
    nvs_handle_t h;
    uint32_t boots = 0;
    if (fw_start() != ESP_OK || nvs_flash_init() != ESP_OK) return;
    if (nvs_open("app", NVS_READWRITE, &h) != ESP_OK) return;
    nvs_get_u32(h, "boots", &boots);
    nvs_set_u32(h, "boots", boots + 1);
    nvs_commit(h);
    nvs_close(h);
}
