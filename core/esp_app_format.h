/* The application description (esp_app_desc_t) with ESP-IDF's names and
 * layout (ota.md §8). In an ESP8266 SDK 3.x image it is the first item of
 * .flash.rodata, i.e. the start of the second flash segment's data; in an
 * ESP32 image it is at image offset 0x20. */
#ifndef ESP_APP_FORMAT_H
#define ESP_APP_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "fk_flash.h"

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__cplusplus) && !defined(_Static_assert)
#define _Static_assert static_assert
#endif

#define ESP_APP_DESC_MAGIC_WORD 0xABCD5432u
#define ESP_APP_DESC_SIZE 256u

typedef struct {
    uint32_t magic_word;        /* ESP_APP_DESC_MAGIC_WORD */
    uint32_t secure_version;    /* anti-rollback counter (ESP-IDF) */
    uint32_t reserv1[2];
    char version[32];           /* PROJECT_VER; NUL-terminated when shorter than 32 */
    char project_name[32];
    char time[16];              /* __TIME__ of the build */
    char date[16];              /* __DATE__ of the build */
    char idf_ver[32];           /* SDK version */
    uint8_t app_elf_sha256[32]; /* patched after link; zero when the build did not */
    uint32_t reserv2[20];
} esp_app_desc_t;

_Static_assert(sizeof(esp_app_desc_t) == ESP_APP_DESC_SIZE, "esp_app_desc_t is 256 bytes on flash");

/* Decodes the 256 on-flash bytes (little-endian) into *desc; fields that
 * are strings are copied as stored (they may lack a terminating NUL). */
void fk_app_desc_decode(const uint8_t raw[ESP_APP_DESC_SIZE], esp_app_desc_t *desc);

/* Sets secure_version in the descriptor of the image in img (wherever the
 * image has it: ESP8266 second segment or ESP32 offset 0x20), as a build
 * with CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK compiles it in; the checksum and
 * an appended SHA-256 are brought up to date. ESP_ERR_NOT_FOUND without a
 * descriptor, ESP_ERR_IMAGE_INVALID for an image that does not verify. */
esp_err_t fk_app_desc_set_secure_version(uint8_t *img, size_t len, uint32_t secure_version);

/* secure_version of the image at flash `offset` (a partition of part_size
 * bytes), read where the image has its descriptor without reading all of it
 * (small stack: the bootloader asks this of every candidate). */
esp_err_t fk_app_desc_secure_version(fk_flash_t *flash, uint32_t offset, uint32_t part_size, uint32_t *secure_version);

#ifdef __cplusplus
}
#endif

#endif
