/* nvs_flash_init & co. over the partition table (ESP-IDF names): the
 * partition is found by label among data/nvs partitions. Kept apart from
 * nvs_api.c so that users of bare regions do not pull in the table code. */
#include "esp_partition.h"
#include "nvs_flash.h"
#include "nvs_fk.h"
#include "fk_nvs_init_priv.h"

esp_err_t (*fk_nvs_init_hook)(void);

static const esp_partition_t *nvs_part(const char *label)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, label);
}

esp_err_t nvs_flash_init_partition(const char *partition_label)
{
    if (!partition_label) return ESP_ERR_INVALID_ARG;
    const esp_partition_t *pt = nvs_part(partition_label);
    if (!pt || !pt->flash) return ESP_ERR_NOT_FOUND;
    /* ESP-IDF: NVS must not sit under flash encryption (it has its own). */
    if (pt->encrypted) return ESP_ERR_NVS_WRONG_ENCRYPTION;
    return nvs_flash_init_region(partition_label, pt->flash, pt->address, pt->size, NULL);
}

esp_err_t nvs_flash_init_partition_ptr(const esp_partition_t *partition)
{
    if (!partition || !partition->flash) return ESP_ERR_INVALID_ARG;
    if (partition->encrypted) return ESP_ERR_NVS_WRONG_ENCRYPTION;
    return nvs_flash_init_region(partition->label, partition->flash, partition->address,
                                 partition->size, NULL);
}

esp_err_t nvs_flash_init(void)
{
#ifdef CONFIG_NVS_ENCRYPTION
    return fk_nvs_flash_init_encrypted();
#else
    if (fk_nvs_init_hook) return fk_nvs_init_hook();
    return nvs_flash_init_partition(NVS_DEFAULT_PART_NAME);
#endif
}

esp_err_t nvs_flash_erase_partition(const char *part_name)
{
    if (!part_name) return ESP_ERR_INVALID_ARG;
    const esp_partition_t *pt = nvs_part(part_name);
    if (!pt || !pt->flash) return ESP_ERR_NOT_FOUND;
    (void)nvs_flash_deinit_partition(part_name); /* ESP-IDF unmounts first */
    return esp_partition_erase_range(pt, 0, pt->size);
}

esp_err_t nvs_flash_erase(void)
{
    return nvs_flash_erase_partition(NVS_DEFAULT_PART_NAME);
}
