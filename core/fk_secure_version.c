#include "fk_secure_version.h"

#include "fk_ota_config.h"

static uint32_t field;
static unsigned width = FK_EFUSE_SECURE_VERSION_BITS;
static fk_efuse_burn_fn burn_fn;
static void *burn_ctx;

static uint32_t usable_mask(void)
{
    return width >= 32 ? 0xFFFFFFFFu : (1u << width) - 1u;
}

void fk_efuse_secure_version_load(uint32_t f, unsigned bits)
{
    width = bits < 1 ? 1 : bits > 32 ? 32 : bits;
    field = f;
}

uint32_t fk_efuse_secure_version_field(void)
{
    return field;
}

void fk_efuse_on_burn(fk_efuse_burn_fn fn, void *ctx)
{
    burn_fn = fn;
    burn_ctx = ctx;
}

uint32_t fk_efuse_secure_version_bits_for(uint32_t v)
{
    return v >= 32 ? 0xFFFFFFFFu : (1u << v) - 1u;
}

uint32_t esp_efuse_read_secure_version(void)
{
    uint32_t x = field & usable_mask(), n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

bool esp_efuse_check_secure_version(uint32_t v)
{
    return v >= esp_efuse_read_secure_version();
}

esp_err_t esp_efuse_update_secure_version(uint32_t v)
{
    if (v > width) return ESP_ERR_INVALID_ARG;
    uint32_t now = esp_efuse_read_secure_version();
    if (now > v) return ESP_FAIL;
    if (now == v) return ESP_OK;
    /* Burning adds bits only: the ones already set stay, the counter becomes v. */
    field |= fk_efuse_secure_version_bits_for(v) & usable_mask();
    if (burn_fn) burn_fn(burn_ctx, field);
    return ESP_OK;
}

bool fk_secure_version_ok(const esp_partition_t *p)
{
    uint32_t v;
    return fk_ota_image_secure_version(p, &v) == ESP_OK && esp_efuse_check_secure_version(v);
}

esp_err_t fk_secure_version_raise_to(const esp_partition_t *p)
{
    uint32_t v;
    esp_err_t err = fk_ota_image_secure_version(p, &v);
    return err == ESP_OK ? esp_efuse_update_secure_version(v) : err;
}
