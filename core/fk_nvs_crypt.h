/* NVS encryption as the SDK has it (spec nvs-encryption.md): the nvs_keys
 * partition's layout, and XTS-AES-256 over 32-byte entries with the entry's
 * byte offset in the partition as the data-unit number. One module for the
 * engine, `nvs encrypt|decrypt`, `nvs dump --keyfile` and `mfg gen`. */
#ifndef FK_NVS_CRYPT_H
#define FK_NVS_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NVS_KEY_SIZE 32

/* ESP-IDF's nvs_sec_cfg_t: eky (data key) then tky (tweak key); together the
 * 64-byte XTS key, in this order. */
typedef struct {
    uint8_t eky[NVS_KEY_SIZE];
    uint8_t tky[NVS_KEY_SIZE];
} nvs_sec_cfg_t;

_Static_assert(sizeof(nvs_sec_cfg_t) == 64, "nvs_sec_cfg_t is the 64-byte XTS key");

/* The nvs_keys partition (and a key file): eky, tky, CRC-32 of the 64 key
 * bytes at 64, 0xFF after. A partition is one sector. */
#define FK_NVS_KEYS_CRC_OFFSET 64u
#define FK_NVS_KEYS_BLOCK 80u /* eky, tky and the runtime's 16-byte CRC block */
#define FK_NVS_KEYS_PART_SIZE 4096u

/* Fills out[FK_NVS_KEYS_BLOCK]: the keys, the CRC, 12 bytes 0xFF. The rest of
 * a key file or partition is 0xFF. */
void fk_nvs_keys_encode(const nvs_sec_cfg_t *cfg, uint8_t out[FK_NVS_KEYS_BLOCK]);
/* Reads the first 68 bytes of a keys partition: ESP_OK,
 * ESP_ERR_NVS_KEYS_NOT_INITIALIZED (keys and CRC all 0xFF) or
 * ESP_ERR_NVS_CORRUPT_KEY_PART (CRC mismatch). */
esp_err_t fk_nvs_keys_decode(const uint8_t in[68], nvs_sec_cfg_t *cfg);
/* IEEE 1619 forbids equal halves; the SDK's generator refuses them. */
bool fk_nvs_keys_halves_equal(const nvs_sec_cfg_t *cfg);

/* Encrypts or decrypts len bytes (whole 32-byte entries) from in to out (may
 * be the same); off is the partition offset of the first entry. Errors:
 * ESP_ERR_INVALID_SIZE, ESP_ERR_NVS_XTS_ENCR_FAILED / _DECR_FAILED. */
esp_err_t fk_nvs_crypt_entries(const nvs_sec_cfg_t *cfg, bool encrypt, uint32_t off, const void *in,
                               void *out, size_t len);

/* Transforms a whole partition image held in RAM (len a multiple of 4096):
 * every entry slot that the page's bitmap does not call EMPTY, or whose bytes
 * are not all 0xFF (data written before its bitmap update), is encrypted or
 * decrypted with its own offset; headers, bitmaps and empty slots stay. */
esp_err_t fk_nvs_crypt_image(const nvs_sec_cfg_t *cfg, bool encrypt, uint8_t *img, size_t len);

#ifdef __cplusplus
}
#endif

#endif
