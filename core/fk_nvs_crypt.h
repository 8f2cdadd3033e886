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
#include "fk_flash.h"

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

#ifndef __cplusplus /* C++ spells it static_assert; the C build checks it */
_Static_assert(sizeof(nvs_sec_cfg_t) == 64, "nvs_sec_cfg_t is the 64-byte XTS key");
#endif

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

/* ---- the encrypted partition as a flash layer (the SDK's NVSEncryptedPartition) ----
 * The engine runs unchanged over this fk_flash_t: page headers (bytes 0..31)
 * and bitmaps (32..63) pass raw, as the format keeps them clear; the entry
 * area is encrypted per 32-byte entry with the entry's offset in the
 * partition as the data-unit number. A slot that reads all 0xFF is returned
 * as 0xFF, not decrypted: empty slots are never encrypted, and the engine's
 * free-slot and "was a write cut" checks look for 0xFF. Addresses outside
 * [base, base + size) pass raw. */

/* Bytes encrypted per flash write of a multi-entry write (a stack buffer):
 * a write of n entries reaches the flash as ceil(32n / chunk) writes. A cut
 * between them leaves a written prefix, the state a torn write leaves too,
 * which the engine already recovers. A multiple of 32. */
#ifndef FK_NVS_CRYPT_CHUNK
#define FK_NVS_CRYPT_CHUNK 128u
#endif

typedef struct {
    fk_flash_t flash; /* first: the engine's view; read/write/erase below */
    fk_flash_t *raw;
    uint32_t base, size;
    nvs_sec_cfg_t key;
} fk_nvs_crypt_flash_t;

/* Sets w up over raw for the NVS partition at base (4 KiB-aligned), size
 * bytes; the key is copied into w. Returns &w->flash, or NULL when raw or
 * cfg is NULL or the partition does not lie on raw. Writes into the entry
 * area that are not whole, aligned entries are refused with
 * ESP_ERR_INVALID_SIZE (the engine never makes them). */
fk_flash_t *fk_nvs_crypt_flash_init(fk_nvs_crypt_flash_t *w, fk_flash_t *raw, uint32_t base, uint32_t size,
                                    const nvs_sec_cfg_t *cfg);
/* Whether the layer's key opens the partition. Nothing in the format
 * authenticates a key, but the first WRITTEN entry of a used page is always
 * an item header with a CRC over its plaintext: ESP_OK when one of those
 * checks out (or there is none: an empty partition takes any key),
 * ESP_ERR_NVS_XTS_DECR_FAILED when all fail - the wrong key. Run before
 * mounting, because the engine's load erases entries whose CRC fails. */
esp_err_t fk_nvs_crypt_check_key(fk_nvs_crypt_flash_t *w);
/* Forgets the key (overwrites it) and the raw flash. */
void fk_nvs_crypt_flash_clear(fk_nvs_crypt_flash_t *w);

/* Overwrites n bytes in a way the compiler may not drop (key copies). */
void fk_nvs_crypt_wipe(void *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
