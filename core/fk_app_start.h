/* The hand-over from the bootloader to the app. On the ESP8266 the
 * bootloader maps the chosen image into the cache window and jumps; the app
 * later finds its own partition from that mapping. This module is that
 * mapping: whoever starts an app records it here, esp_ota_ops reads it. */
#ifndef FK_APP_START_H
#define FK_APP_START_H

#include <stdint.h>
#include "esp_partition.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The app in p runs from now on (NULL: nothing runs). */
void fk_app_start(const esp_partition_t *p);
/* A flash address inside the running app (0 = nothing runs), e.g. to model
 * an app that started from an address the table does not know. */
void fk_app_start_at(uint32_t flash_addr);
uint32_t fk_app_running_addr(void);

#ifdef __cplusplus
}
#endif

#endif
