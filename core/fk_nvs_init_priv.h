/* How nvs_flash_init() reaches the encrypted path without linking it: the
 * pointer lives with nvs_flash_init (nvs_flash_part.c) and only
 * nvs_flash_fk_set_encryption (nvs_flash_secure.c) sets it, so a firmware
 * that never calls that links no XTS code. Private to those two files. */
#ifndef FK_NVS_INIT_PRIV_H
#define FK_NVS_INIT_PRIV_H

#include "esp_err.h"

/* NULL: plain nvs_flash_init(). */
extern esp_err_t (*fk_nvs_init_hook)(void);

/* The encrypted nvs_flash_init() (nvs_flash_secure.c). */
esp_err_t fk_nvs_flash_init_encrypted(void);

#endif
