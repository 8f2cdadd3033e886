/* The partitions the OTA API works on: the ota_N slots, the running app's
 * partition, otadata. Shared by esp_ota_ops.c and esp_ota_rollback.c, which
 * call down into it. */
#include "fk_ota_slots.h"
#include "fk_app_start.h"
#include "otadata.h"

uint8_t fk_ota_slot_count(void)
{
    uint8_t n = 0;
    while (n < FK_OTA_MAX_SLOTS &&
           esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(n), NULL))
        n++;
    return n;
}

const esp_partition_t *fk_ota_running_partition(void)
{
    uint32_t addr = fk_app_running_addr();
    if (!addr) return NULL;
    const esp_partition_t *found = NULL;
    esp_partition_iterator_t it = esp_partition_find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_ANY, NULL);
    for (; it; it = esp_partition_next(it)) {
        const esp_partition_t *p = esp_partition_get(it);
        if (addr >= p->address && addr - p->address < p->size) {
            found = p;
            break;
        }
    }
    esp_partition_iterator_release(it);
    return found;
}

bool fk_ota_same_partition(const esp_partition_t *a, const esp_partition_t *b)
{
    return a && b && a->address == b->address && a->size == b->size && a->type == b->type &&
           a->subtype == b->subtype;
}

bool fk_ota_is_app(const esp_partition_t *p)
{
    return p->type == ESP_PARTITION_TYPE_APP && p->subtype >= ESP_PARTITION_SUBTYPE_APP_OTA_MIN &&
           p->subtype < ESP_PARTITION_SUBTYPE_APP_OTA_MAX;
}

const esp_partition_t *fk_ota_otadata_partition(void)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_OTA, NULL);
}

const esp_partition_t *fk_ota_slot(uint32_t slot)
{
    return slot < FK_OTA_MAX_SLOTS
               ? esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(slot), NULL)
               : NULL;
}
