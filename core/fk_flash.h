/* The only I/O the core does: a NOR flash seen as read / write / erase-sector.
 * Writes may only clear bits (1 -> 0); erase sets a whole 4 KiB sector to 0xFF.
 * A port supplies the three operations (host emulator, ESP8266 spi_flash_*). */
#ifndef FK_FLASH_H
#define FK_FLASH_H

#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_SECTOR_SIZE 4096u

typedef struct fk_flash fk_flash_t;

struct fk_flash {
    uint32_t size; /* bytes, a multiple of FK_SECTOR_SIZE */
    esp_err_t (*read)(fk_flash_t *flash, uint32_t addr, void *dst, size_t len);
    esp_err_t (*write)(fk_flash_t *flash, uint32_t addr, const void *src, size_t len);
    esp_err_t (*erase_sector)(fk_flash_t *flash, uint32_t addr); /* addr sector-aligned */
    /* A layer over another flash (NVS encryption) names the flash below, so
     * code handed the raw flash can still tell that a mount uses it; NULL for
     * a device. */
    fk_flash_t *lower;
};

/* Bounds-checked wrappers; every core module goes through these. */
esp_err_t fk_flash_read(fk_flash_t *flash, uint32_t addr, void *dst, size_t len);
esp_err_t fk_flash_write(fk_flash_t *flash, uint32_t addr, const void *src, size_t len);
/* addr and len must be sector-aligned. */
esp_err_t fk_flash_erase_range(fk_flash_t *flash, uint32_t addr, uint32_t len);

#ifdef __cplusplus
}
#endif

#endif
