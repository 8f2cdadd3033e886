/* The factory writes only the four strings. An update by the app has to be
 * a unit although NVS commits key by key, so app_creds_store brackets it with
 * a "CredsCrc" key: 0 while writing, the CRC of the set when done. No key at
 * all means the factory's set, which is trusted as written. */
#include "app_creds.h"

#include <stdint.h>
#include <string.h>
#include "nvs.h"

#define CRC_KEY "CredsCrc"

static const char *const keys[4] = {"DeviceName", "DeviceSecret", "ProductKey", "ProductSecret"};

static char *field(app_creds_t *c, int i, size_t *cap)
{
    switch (i) {
    case 0: *cap = sizeof c->device_name; return c->device_name;
    case 1: *cap = sizeof c->device_secret; return c->device_secret;
    case 2: *cap = sizeof c->product_key; return c->product_key;
    default: *cap = sizeof c->product_secret; return c->product_secret;
    }
}

/* CRC-32 (reflected 0xEDB88320) of the four values with their NULs; never 0,
 * since 0 marks an update in progress. */
static uint32_t set_crc(const app_creds_t *c)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (int i = 0; i < 4; i++) {
        size_t cap;
        const char *s = field((app_creds_t *)c, i, &cap);
        for (size_t k = 0; k <= strlen(s); k++) {
            crc ^= (uint8_t)s[k];
            for (int b = 0; b < 8; b++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    crc = ~crc;
    return crc ? crc : 1;
}

esp_err_t app_creds_load(app_creds_t *out)
{
    nvs_handle_t h;
    memset(out, 0, sizeof *out);
    esp_err_t err = nvs_open(APP_CREDS_NAMESPACE, NVS_READONLY, &h);
    if (err != ESP_OK) return err;
    for (int i = 0; i < 4 && err == ESP_OK; i++) {
        size_t cap, len;
        char *dst = field(out, i, &cap);
        len = cap;
        err = nvs_get_str(h, keys[i], dst, &len);
        if (err == ESP_ERR_NVS_INVALID_LENGTH || (err == ESP_OK && len <= 1)) err = ESP_ERR_INVALID_SIZE;
    }
    uint32_t crc = 0;
    esp_err_t crc_err = err == ESP_OK ? nvs_get_u32(h, CRC_KEY, &crc) : ESP_OK;
    nvs_close(h);
    if (err != ESP_OK) {
        if (err == ESP_ERR_NVS_NOT_FOUND) {
            /* a missing key during an update is the update's fault */
            nvs_handle_t h2;
            uint32_t mark;
            if (nvs_open(APP_CREDS_NAMESPACE, NVS_READONLY, &h2) == ESP_OK) {
                if (nvs_get_u32(h2, CRC_KEY, &mark) == ESP_OK && mark == 0) err = ESP_ERR_INVALID_STATE;
                nvs_close(h2);
            }
        }
        memset(out, 0, sizeof *out);
        return err;
    }
    if (crc_err == ESP_ERR_NVS_NOT_FOUND) return ESP_OK; /* the factory's set */
    if (crc_err != ESP_OK) return crc_err;
    if (crc == 0) err = ESP_ERR_INVALID_STATE;
    else if (crc != set_crc(out)) err = ESP_ERR_INVALID_CRC;
    if (err != ESP_OK) memset(out, 0, sizeof *out);
    return err;
}

esp_err_t app_creds_store(const app_creds_t *c)
{
    for (int i = 0; i < 4; i++) {
        size_t cap;
        const char *s = field((app_creds_t *)c, i, &cap);
        if (s[0] == 0 || !memchr(s, 0, cap)) return ESP_ERR_INVALID_SIZE;
    }
    nvs_handle_t h;
    esp_err_t err = nvs_open(APP_CREDS_NAMESPACE, NVS_READWRITE, &h);
    if (err != ESP_OK) return err;
    err = nvs_set_u32(h, CRC_KEY, 0);
    if (err == ESP_OK) err = nvs_commit(h);
    for (int i = 0; i < 4 && err == ESP_OK; i++) {
        size_t cap;
        err = nvs_set_str(h, keys[i], field((app_creds_t *)c, i, &cap));
    }
    if (err == ESP_OK) err = nvs_set_u32(h, CRC_KEY, set_crc(c));
    if (err == ESP_OK) err = nvs_commit(h);
    nvs_close(h);
    return err;
}
