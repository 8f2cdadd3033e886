/* Error codes with ESP-IDF's names and values, so firmware written for the
 * ESP8266 RTOS SDK compiles against flashkit unchanged. */
#ifndef ESP_ERR_H
#define ESP_ERR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t esp_err_t;

#define ESP_OK          0
#define ESP_FAIL        -1

#define ESP_ERR_NO_MEM              0x101
#define ESP_ERR_INVALID_ARG         0x102
#define ESP_ERR_INVALID_STATE       0x103
#define ESP_ERR_INVALID_SIZE        0x104
#define ESP_ERR_NOT_FOUND           0x105
#define ESP_ERR_NOT_SUPPORTED       0x106
#define ESP_ERR_TIMEOUT             0x107
#define ESP_ERR_INVALID_RESPONSE    0x108
#define ESP_ERR_INVALID_CRC         0x109
#define ESP_ERR_INVALID_VERSION     0x10A
#define ESP_ERR_INVALID_MAC         0x10B

#define ESP_ERR_WIFI_BASE           0x3000
#define ESP_ERR_MESH_BASE           0x4000

#define ESP_ERR_FLASH_BASE          0x6000
#define ESP_ERR_FLASH_OP_FAIL       (ESP_ERR_FLASH_BASE + 1)
#define ESP_ERR_FLASH_OP_TIMEOUT    (ESP_ERR_FLASH_BASE + 2)

/* Image and OTA codes (ESP-IDF declares them in esp_image_format.h and
 * esp_ota_ops.h; they are here too so every module can return them). */
#ifndef ESP_ERR_IMAGE_BASE
#define ESP_ERR_IMAGE_BASE          0x2000
#define ESP_ERR_IMAGE_FLASH_FAIL    (ESP_ERR_IMAGE_BASE + 1)
#define ESP_ERR_IMAGE_INVALID       (ESP_ERR_IMAGE_BASE + 2)
#endif
#ifndef ESP_ERR_OTA_BASE
#define ESP_ERR_OTA_BASE                    0x1500
#define ESP_ERR_OTA_PARTITION_CONFLICT      (ESP_ERR_OTA_BASE + 0x01)
#define ESP_ERR_OTA_SELECT_INFO_INVALID     (ESP_ERR_OTA_BASE + 0x02)
#define ESP_ERR_OTA_VALIDATE_FAILED         (ESP_ERR_OTA_BASE + 0x03)
#define ESP_ERR_OTA_SMALL_SEC_VER           (ESP_ERR_OTA_BASE + 0x04)
#define ESP_ERR_OTA_ROLLBACK_FAILED         (ESP_ERR_OTA_BASE + 0x05)
#define ESP_ERR_OTA_ROLLBACK_INVALID_STATE  (ESP_ERR_OTA_BASE + 0x06)
#endif

/* Diagnostic text: the names below and the reasons the OTA / image / boot
 * code writes ("checksum mismatch (calculated 0xee, stored 0x11)").
 * Default 1. A firmware that only needs the codes builds the core with
 * -DFK_DIAG=0 (ESP-IDF's CONFIG_ESP_ERR_TO_NAME_LOOKUP off): about 1 KB of
 * flash and 200 bytes of RAM less on the ESP8266 (docs/target.md); every
 * error code stays the same, the texts are empty. */
#ifndef FK_DIAG
#define FK_DIAG 1
#endif
/* esp_err_to_name's table alone (ESP-IDF's CONFIG_ESP_ERR_TO_NAME_LOOKUP):
 * 1.7 KB of the ESP8266's flash. Follows FK_DIAG unless set: a firmware
 * may keep the reasons and drop the names (-DFK_ERR_NAMES=0). */
#ifndef FK_ERR_NAMES
#define FK_ERR_NAMES FK_DIAG
#endif

/* Name of an error code ("ESP_ERR_NVS_NOT_FOUND"), or "UNKNOWN ERROR" (always
 * that with FK_ERR_NAMES 0). Covers every code defined by flashkit's headers. */
const char *esp_err_to_name(esp_err_t code);

#ifdef __cplusplus
}
#endif

#endif
