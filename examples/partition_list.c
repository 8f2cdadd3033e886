/* Firmware-style code written against the ESP8266 RTOS SDK's partition API:
 * lists the partitions and checks that an OTA slot exists. It uses only the
 * SDK's names; `make lx106` compiles it for the ESP8266 to prove they match.
 * On the host, tests/unit/test_examples.c runs it against an emulated flash. */
#include <stdio.h>
#include "esp_partition.h"

int example_partition_list(void)
{
    int n = 0;
    esp_partition_iterator_t it = esp_partition_find(ESP_PARTITION_TYPE_ANY, ESP_PARTITION_SUBTYPE_ANY, NULL);
    for (; it != NULL; it = esp_partition_next(it)) {
        const esp_partition_t *p = esp_partition_get(it);
        printf("partition %-16s type %d subtype 0x%02x at 0x%08x, %u bytes\n", p->label, p->type, p->subtype,
               (unsigned)p->address, (unsigned)p->size);
        n++;
    }
    const esp_partition_t *ota0 =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_0, NULL);
    if (ota0 == NULL) {
        printf("no OTA slot: this table cannot be updated over the air\n");
        return -n;
    }
    uint8_t magic;
    if (esp_partition_read(ota0, 0, &magic, 1) == ESP_OK)
        printf("ota_0 starts with 0x%02x (%s)\n", magic, magic == 0xE9 ? "an app image" : "no image");
    return n;
}
