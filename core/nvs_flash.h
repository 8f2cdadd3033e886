/* Mounting NVS partitions: ESP-IDF's nvs_flash API. The flashkit variants
 * (a bare flash region, a caller's workspace, the format version) are in
 * nvs_fk.h. */
#ifndef NVS_FLASH_H
#define NVS_FLASH_H

#include "esp_partition.h"
#include "nvs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Mounts the partition labelled "nvs" from the partition table
 * (esp_partition_find_first), using the static default workspace. */
esp_err_t nvs_flash_init(void);
esp_err_t nvs_flash_init_partition(const char *partition_label);
/* The partition given directly (ESP-IDF 4.4); mounted under its label. */
esp_err_t nvs_flash_init_partition_ptr(const esp_partition_t *partition);
esp_err_t nvs_flash_deinit(void);
esp_err_t nvs_flash_deinit_partition(const char *partition_label);
/* Erases the whole partition (unmounting it first if it is mounted). */
esp_err_t nvs_flash_erase(void);
esp_err_t nvs_flash_erase_partition(const char *part_name);

#ifdef __cplusplus
}
#endif

#endif
