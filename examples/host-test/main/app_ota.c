#include "app_ota.h"

#include <string.h>
#include "esp_http_client.h"
#include "esp_ota_ops.h"

#define APP_OTA_CHUNK 1024

static char chunk[APP_OTA_CHUNK]; /* static: a device task's stack is small */

esp_err_t app_ota_run(const char *url, app_ota_report_t *rep)
{
    app_ota_report_t dummy;
    if (!rep) rep = &dummy;
    memset(rep, 0, sizeof *rep);
    rep->running = esp_ota_get_running_partition();

    esp_http_client_config_t cfg = {.url = url, .timeout_ms = 5000};
    esp_http_client_handle_t client = esp_http_client_init(&cfg);
    if (!client) return ESP_ERR_INVALID_ARG;
    esp_err_t err = esp_http_client_open(client, 0);
    if (err != ESP_OK) {
        esp_http_client_cleanup(client);
        return err;
    }
    esp_http_client_fetch_headers(client);
    rep->http_status = esp_http_client_get_status_code(client);
    if (rep->http_status != 200) {
        esp_http_client_cleanup(client);
        return ESP_ERR_INVALID_RESPONSE;
    }

    const esp_partition_t *target = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t ota = 0;
    err = target ? esp_ota_begin(target, OTA_SIZE_UNKNOWN, &ota) : ESP_ERR_NOT_FOUND;
    if (err != ESP_OK) {
        esp_http_client_cleanup(client);
        return err;
    }
    rep->target = target;
    for (;;) {
        int n = esp_http_client_read(client, chunk, (int)sizeof chunk);
        if (n < 0) {
            err = ESP_FAIL;
            break;
        }
        if (n == 0) break;
        err = esp_ota_write(ota, chunk, (size_t)n);
        if (err != ESP_OK) break;
        rep->written += (size_t)n;
    }
    esp_http_client_cleanup(client);
    if (err != ESP_OK) {
        esp_ota_abort(ota);
        return err;
    }
    err = esp_ota_end(ota); /* verifies the image; releases the handle either way */
    if (err != ESP_OK) return err;
    return esp_ota_set_boot_partition(target);
}
