/* Firmware-style OTA client: the SDK OTA example's flow written with ESP-IDF
 * names only, so it builds for the ESP8266 (make lx106) and runs unchanged on
 * the host against an emulated flash (tests/unit/test_ota_example.c). The
 * transport is the caller's: esp_http_client_read on a device. */
#include <stdbool.h>
#include "esp_ota_ops.h"
#include "esp_partition.h"

/* Like esp_http_client_read: bytes read, 0 at the end, < 0 on error. */
typedef int (*ota_client_read_fn)(void *ctx, char *buf, int len);

typedef struct {
    const esp_partition_t *configured, *running, *updated;
    bool mismatch; /* configured != running: otadata or an image went bad */
    size_t written;
} ota_client_report_t;

static char ota_write_data[1024];

esp_err_t ota_client_run(ota_client_read_fn read_body, void *ctx, ota_client_report_t *rep)
{
    rep->configured = esp_ota_get_boot_partition();
    rep->running = esp_ota_get_running_partition();
    rep->mismatch = rep->configured != rep->running;
    rep->written = 0;

    const esp_partition_t *update = esp_ota_get_next_update_partition(NULL);
    rep->updated = update;
    if (update == NULL) return ESP_ERR_NOT_FOUND;

    esp_ota_handle_t handle = 0;
    esp_err_t err = esp_ota_begin(update, OTA_SIZE_UNKNOWN, &handle);
    if (err != ESP_OK) return err;
    for (;;) {
        int n = read_body(ctx, ota_write_data, (int)sizeof ota_write_data);
        if (n < 0) {
            esp_ota_end(handle); /* the example always ends the handle */
            return ESP_FAIL;
        }
        if (n == 0) break;
        err = esp_ota_write(handle, ota_write_data, (size_t)n);
        if (err != ESP_OK) {
            esp_ota_end(handle);
            return err;
        }
        rep->written += (size_t)n;
    }
    err = esp_ota_end(handle);
    if (err != ESP_OK) return err;
    /* The caller restarts (esp_restart) when this returns ESP_OK. */
    return esp_ota_set_boot_partition(update);
}
