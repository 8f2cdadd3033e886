/* Mounting NVS partitions: ESP-IDF's nvs_flash API, encrypted partitions
 * included (docs/nvs-encryption.md). The flashkit variants (a bare flash
 * region, a caller's workspace, the format version) are in nvs_fk.h. */
#ifndef NVS_FLASH_H
#define NVS_FLASH_H

#include <stdbool.h>
#include "esp_partition.h"
#include "fk_nvs_crypt.h"
#include "nvs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Mounts the partition labelled "nvs" from the partition table
 * (esp_partition_find_first), using the static default workspace. With
 * encryption on (CONFIG_NVS_ENCRYPTION, or nvs_flash_fk_set_encryption) it
 * does what the SDK's does: the first data/nvs_keys partition (none:
 * ESP_FAIL), its keys read, or generated if it is erased, then
 * nvs_flash_secure_init(). */
esp_err_t nvs_flash_init(void);
/* A partition flagged encrypted in the table: ESP_ERR_NVS_WRONG_ENCRYPTION
 * (NVS is never under flash encryption; it has its own), as in ESP-IDF. */
esp_err_t nvs_flash_init_partition(const char *partition_label);
/* The partition given directly (ESP-IDF 4.4); mounted under its label. */
esp_err_t nvs_flash_init_partition_ptr(const esp_partition_t *partition);
esp_err_t nvs_flash_deinit(void);
esp_err_t nvs_flash_deinit_partition(const char *partition_label);
/* Erases the whole partition (unmounting it first if it is mounted). */
esp_err_t nvs_flash_erase(void);
esp_err_t nvs_flash_erase_partition(const char *part_name);

/* ---- encryption (spec nvs-encryption.md) ----
 * Encrypted partitions mounted at once (a small static pool: the flash
 * layer and its copy of the key). */
#ifndef CONFIG_NVS_ENCRYPTED_PARTITIONS
#define CONFIG_NVS_ENCRYPTED_PARTITIONS 1
#endif

/* = nvs_flash_secure_init_partition("nvs", cfg). */
esp_err_t nvs_flash_secure_init(nvs_sec_cfg_t *cfg);
/* Mounts the data/nvs partition `partition_label` with cfg's keys (cfg NULL:
 * plain). Already mounted: ESP_OK. Label over 16 characters:
 * ESP_ERR_INVALID_ARG; no such partition: ESP_ERR_NOT_FOUND; the partition
 * flagged encrypted in the table: ESP_ERR_NVS_WRONG_ENCRYPTION; keys whose
 * halves are equal (IEEE 1619 forbids them): ESP_ERR_NVS_XTS_CFG_FAILED;
 * every encrypted slot in use: ESP_ERR_NO_MEM; a key that decrypts none of
 * the partition's item headers (the wrong key): ESP_ERR_NVS_XTS_DECR_FAILED,
 * nothing mounted or written (the SDK mounts and its load then erases every
 * entry); then the mount's own codes. */
esp_err_t nvs_flash_secure_init_partition(const char *partition_label, nvs_sec_cfg_t *cfg);
/* Erases the nvs_keys partition, draws eky and tky from the random source
 * (fk_random.h; never the SDK's fixed patterns), writes them with their CRC
 * and reads them back into cfg. ESP_FAIL when the source fails. */
esp_err_t nvs_flash_generate_keys(const esp_partition_t *partition, nvs_sec_cfg_t *cfg);
/* Reads the keys: ESP_OK, ESP_ERR_NVS_KEYS_NOT_INITIALIZED (erased),
 * ESP_ERR_NVS_CORRUPT_KEY_PART (CRC mismatch), ESP_ERR_INVALID_ARG. */
esp_err_t nvs_flash_read_security_cfg(const esp_partition_t *partition, nvs_sec_cfg_t *cfg);

/* flashkit: CONFIG_NVS_ENCRYPTION at run time. The library is built once
 * for every program, and a firmware that never asks for encryption must not
 * link AES: nvs_flash_init() reaches the encrypted path only through this
 * call (or when the core is compiled with CONFIG_NVS_ENCRYPTION defined). */
void nvs_flash_fk_set_encryption(bool on);

#ifdef __cplusplus
}
#endif

#endif
