/* Partition helpers the OTA API's two modules share (esp_ota_ops.c,
 * esp_ota_rollback.c), defined in fk_ota_slots.c; not public. */
#ifndef FK_OTA_SLOTS_H
#define FK_OTA_SLOTS_H

#include <stdbool.h>
#include <stdint.h>
#include "esp_partition.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ota_0 .. ota_(N-1) present: N (get_ota_partition_count). */
uint8_t fk_ota_slot_count(void);
/* The app partition the running code lies in (esp_ota_get_running_partition). */
const esp_partition_t *fk_ota_running_partition(void);
/* The table's otadata partition, NULL if none. */
const esp_partition_t *fk_ota_otadata_partition(void);
/* The app partition ota_<slot>, NULL if none. */
const esp_partition_t *fk_ota_slot(uint32_t slot);
/* Same place, size, type and subtype. */
bool fk_ota_same_partition(const esp_partition_t *a, const esp_partition_t *b);
/* An ota_N app partition. */
bool fk_ota_is_app(const esp_partition_t *p);

#ifdef __cplusplus
}
#endif

#endif
