/* Device credentials for the Aliyun IoT connection, kept in NVS namespace
 * "aliyun-key" as the factory writes them (flashkit mfg / nvs gen). Plain
 * ESP-IDF API: this file builds for the ESP8266 unchanged. */
#ifndef APP_CREDS_H
#define APP_CREDS_H

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define APP_CREDS_NAMESPACE "aliyun-key"

typedef struct {
    char device_name[33];    /* DeviceName: 4..32 characters */
    char device_secret[65];  /* DeviceSecret */
    char product_key[21];    /* ProductKey */
    char product_secret[65]; /* ProductSecret */
} app_creds_t;

/* Reads the four keys (NVS must be initialised). ESP_ERR_NVS_NOT_FOUND when
 * one is missing; ESP_ERR_INVALID_SIZE when one is empty or too long;
 * ESP_ERR_INVALID_STATE when an update (app_creds_store) was interrupted;
 * ESP_ERR_INVALID_CRC when the keys do not belong to one stored set. */
esp_err_t app_creds_load(app_creds_t *out);

/* Replaces the set (re-provisioning over the console). A power cut at any
 * point leaves either the old set, the new set, or a state app_creds_load
 * reports as ESP_ERR_INVALID_STATE - never a silent mix of both. */
esp_err_t app_creds_store(const app_creds_t *c);

#ifdef __cplusplus
}
#endif

#endif
