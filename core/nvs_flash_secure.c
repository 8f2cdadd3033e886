/* Encrypted NVS partitions (ESP-IDF's nvs_flash_secure_* and key calls):
 * the engine mounted over an fk_nvs_crypt flash layer. A file of its own so
 * that only firmware calling these links XTS and the random source. */
#include <string.h>
#include "fk_nvs_crypt.h"
#include "fk_nvs_init_priv.h"
#include "fk_random.h"
#include "nvs_fk.h"
#include "nvs_flash.h"

#define PART_NAME_MAX 16 /* ESP-IDF's NVS_PART_NAME_MAX_SIZE */

/* A slot is free while no partition is mounted under its label: the
 * engine's deinit does not call back, so the mount table is the truth. */
static struct {
    char label[PART_NAME_MAX + 1];
    fk_nvs_crypt_flash_t layer;
} s_enc[CONFIG_NVS_ENCRYPTED_PARTITIONS];

static bool mounted(const char *label)
{
    nvs_fk_diag_t d;
    return nvs_fk_get_diag(label, &d, NULL, 0) == ESP_OK;
}

esp_err_t nvs_flash_secure_init_partition(const char *partition_label, nvs_sec_cfg_t *cfg)
{
    if (!partition_label || strlen(partition_label) > PART_NAME_MAX) return ESP_ERR_INVALID_ARG;
    if (mounted(partition_label)) return ESP_OK;
    const esp_partition_t *pt =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, partition_label);
    if (!pt || !pt->flash) return ESP_ERR_NOT_FOUND;
    /* Flash encryption under NVS encryption would double-encrypt: the SDK refuses it. */
    if (pt->encrypted) return ESP_ERR_NVS_WRONG_ENCRYPTION;
    if (!cfg) return nvs_flash_init_region(partition_label, pt->flash, pt->address, pt->size, NULL);
    if (fk_nvs_keys_halves_equal(cfg)) return ESP_ERR_NVS_XTS_CFG_FAILED;
    unsigned i = 0;
    while (i < CONFIG_NVS_ENCRYPTED_PARTITIONS && s_enc[i].label[0] && mounted(s_enc[i].label)) i++;
    if (i == CONFIG_NVS_ENCRYPTED_PARTITIONS) return ESP_ERR_NO_MEM;
    fk_flash_t *f = fk_nvs_crypt_flash_init(&s_enc[i].layer, pt->flash, pt->address, pt->size, cfg);
    if (!f) return ESP_ERR_NVS_XTS_CFG_FAILED;
    /* The SDK mounts with a wrong key, and its load then erases every entry
     * (their CRCs fail): refused here before the engine touches anything. */
    esp_err_t err = fk_nvs_crypt_check_key(&s_enc[i].layer);
    if (err == ESP_OK) err = nvs_flash_init_region(partition_label, f, pt->address, pt->size, NULL);
    if (err == ESP_OK) {
        strcpy(s_enc[i].label, partition_label);
    } else {
        fk_nvs_crypt_flash_clear(&s_enc[i].layer);
        s_enc[i].label[0] = 0;
    }
    return err;
}

esp_err_t nvs_flash_secure_init(nvs_sec_cfg_t *cfg)
{
    return nvs_flash_secure_init_partition(NVS_DEFAULT_PART_NAME, cfg);
}

esp_err_t nvs_flash_read_security_cfg(const esp_partition_t *partition, nvs_sec_cfg_t *cfg)
{
    if (!partition || !cfg) return ESP_ERR_INVALID_ARG;
    uint8_t blk[FK_NVS_KEYS_CRC_OFFSET + 4];
    esp_err_t err = esp_partition_read(partition, 0, blk, sizeof blk);
    if (err == ESP_OK) err = fk_nvs_keys_decode(blk, cfg);
    fk_nvs_crypt_wipe(blk, sizeof blk);
    return err;
}

esp_err_t nvs_flash_generate_keys(const esp_partition_t *partition, nvs_sec_cfg_t *cfg)
{
    if (!partition || !cfg) return ESP_ERR_INVALID_ARG;
    if (partition->size < FK_NVS_KEYS_BLOCK) return ESP_ERR_INVALID_SIZE;
    nvs_sec_cfg_t k;
    /* Equal halves would be refused at mount; 2^-256 odds, but cheap to rule out. */
    do {
        if (fk_random_fill(&k, sizeof k) != 0) {
            fk_nvs_crypt_wipe(&k, sizeof k);
            return ESP_FAIL;
        }
    } while (fk_nvs_keys_halves_equal(&k));
    uint8_t blk[FK_NVS_KEYS_BLOCK];
    fk_nvs_keys_encode(&k, blk);
    fk_nvs_crypt_wipe(&k, sizeof k);
    esp_err_t err = esp_partition_erase_range(partition, 0, partition->size);
    if (err == ESP_OK) err = esp_partition_write(partition, 0, blk, sizeof blk);
    fk_nvs_crypt_wipe(blk, sizeof blk);
    /* Read back, as the SDK does: cfg holds what the flash holds. */
    if (err == ESP_OK) err = nvs_flash_read_security_cfg(partition, cfg);
    return err;
}

esp_err_t fk_nvs_flash_init_encrypted(void)
{
    const esp_partition_t *kp =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS_KEYS, NULL);
    if (!kp) return ESP_FAIL;
    nvs_sec_cfg_t cfg;
    esp_err_t err = nvs_flash_read_security_cfg(kp, &cfg);
    if (err == ESP_ERR_NVS_KEYS_NOT_INITIALIZED) err = nvs_flash_generate_keys(kp, &cfg);
    if (err == ESP_OK) err = nvs_flash_secure_init(&cfg);
    fk_nvs_crypt_wipe(&cfg, sizeof cfg);
    return err;
}

void nvs_flash_fk_set_encryption(bool on)
{
    fk_nvs_init_hook = on ? fk_nvs_flash_init_encrypted : NULL;
}
