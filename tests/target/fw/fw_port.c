/* What a firmware adds to use the core: an fk_flash_t over the SDK's
 * spi_flash_* calls (left unresolved here: the SDK provides them) and the
 * partition table read at start-up. Linked into every size variant. */
#include <stdint.h>
#include "esp_partition.h"
#include "fk_flash.h"

int spi_flash_read(uint32_t addr, void *dst, uint32_t len);
int spi_flash_write(uint32_t addr, const void *src, uint32_t len);
int spi_flash_erase_sector(uint16_t sector);

static esp_err_t rd(fk_flash_t *f, uint32_t a, void *d, size_t n)
{
    (void)f;
    return spi_flash_read(a, d, n) ? ESP_FAIL : ESP_OK;
}

static esp_err_t wr(fk_flash_t *f, uint32_t a, const void *s, size_t n)
{
    (void)f;
    return spi_flash_write(a, s, n) ? ESP_FAIL : ESP_OK;
}

static esp_err_t er(fk_flash_t *f, uint32_t a)
{
    (void)f;
    return spi_flash_erase_sector((uint16_t)(a / FK_SECTOR_SIZE)) ? ESP_FAIL : ESP_OK;
}

fk_flash_t fw_flash = {4u << 20, rd, wr, er, 0};

esp_err_t fw_start(void)
{
    return fk_partition_init(&fw_flash, 0x8000);
}
