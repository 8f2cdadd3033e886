/* A second-stage bootloader: read the table, choose and verify the app
 * (otadata, fallback, image checks), start it. */
#include "boot_select.h"
#include "esp_partition.h"

extern fk_flash_t fw_flash;

void app_main(void)
{
    static fk_ptable_t t;
    fk_boot_result_t r;
    if (fk_ptable_load(&t, &fw_flash, 0x8000, 0) == ESP_OK) fk_boot_run(&fw_flash, &t, NULL, NULL, &r);
}
