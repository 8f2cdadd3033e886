/* Firmware update over HTTP(S), the flow of the SDK's native OTA example:
 * esp_http_client for the download, esp_ota_* for the slot. Builds for the
 * ESP8266 unchanged; on the host esp_http_client comes from libflashkit. */
#ifndef APP_OTA_H
#define APP_OTA_H

#include <stddef.h>
#include "esp_err.h"
#include "esp_partition.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const esp_partition_t *running; /* the slot the update started from */
    const esp_partition_t *target;  /* the slot written, NULL if none */
    int http_status;                /* 0: no answer */
    size_t written;                 /* image bytes written to target */
} app_ota_report_t;

/* Downloads url into the next OTA slot and selects it for the next boot (the
 * caller restarts). ESP_ERR_HTTP_CONNECT: no answer; ESP_ERR_INVALID_RESPONSE:
 * a status other than 200; ESP_ERR_OTA_VALIDATE_FAILED: not a valid image
 * for the slot; ESP_FAIL: the connection broke; a flash error as the flash
 * gave it. On any error the boot selection is unchanged. rep may be NULL. */
esp_err_t app_ota_run(const char *url, app_ota_report_t *rep);

#ifdef __cplusplus
}
#endif

#endif
