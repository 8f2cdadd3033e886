#include "fk_flash.h"

static int in_range(const fk_flash_t *flash, uint32_t addr, size_t len)
{
    return addr <= flash->size && len <= (size_t)(flash->size - addr);
}

esp_err_t fk_flash_read(fk_flash_t *flash, uint32_t addr, void *dst, size_t len)
{
    if (!flash || (!dst && len)) return ESP_ERR_INVALID_ARG;
    if (!in_range(flash, addr, len)) return ESP_ERR_INVALID_SIZE;
    if (len == 0) return ESP_OK;
    return flash->read(flash, addr, dst, len);
}

esp_err_t fk_flash_write(fk_flash_t *flash, uint32_t addr, const void *src, size_t len)
{
    if (!flash || (!src && len)) return ESP_ERR_INVALID_ARG;
    if (!in_range(flash, addr, len)) return ESP_ERR_INVALID_SIZE;
    if (len == 0) return ESP_OK;
    return flash->write(flash, addr, src, len);
}

esp_err_t fk_flash_erase_range(fk_flash_t *flash, uint32_t addr, uint32_t len)
{
    if (!flash) return ESP_ERR_INVALID_ARG;
    if (addr % FK_SECTOR_SIZE || len % FK_SECTOR_SIZE) return ESP_ERR_INVALID_ARG;
    if (!in_range(flash, addr, len)) return ESP_ERR_INVALID_SIZE;
    for (uint32_t a = addr; a < addr + len; a += FK_SECTOR_SIZE) {
        esp_err_t err = flash->erase_sector(flash, a);
        if (err != ESP_OK) return err;
    }
    return ESP_OK;
}
