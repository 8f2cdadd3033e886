/* A firmware that updates itself: the OTA client of examples/ota_client.c
 * (begin, write, end, set boot partition) with its transport left out. */
#include "../../../examples/ota_client.c"

esp_err_t fw_start(void);
int fw_http_read(void *ctx, char *buf, int len);

void app_main(void)
{
    ota_client_report_t rep;
    if (fw_start() == ESP_OK) ota_client_run(fw_http_read, 0, &rep);
}
