#include "fk_ota_config.h"

#include <string.h>
#include "esp_image_format.h"
#include "fk_image_verify_ex.h"

#define DEFAULT_CHECKS (FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH)

static fk_ota_config_t cfg = {.image_checks = DEFAULT_CHECKS};
/* One image at a time: too large for an ESP8266 stack. */
static fk_image_info_t info;
/* How verifications read (the buffer of cfg; the sums of the one that has
 * them): static, as info, to keep it off the callers' stacks. */
static fk_image_read_t how;

const fk_ota_config_t *fk_ota_config(void)
{
    return &cfg;
}

void fk_ota_configure(const fk_ota_config_t *c)
{
    cfg = *c;
    how = (fk_image_read_t){.buf = cfg.read_buf, .buf_len = cfg.read_buf_len};
    cfg.rollback = FK_OTA_ROLLBACK && cfg.rollback;
    cfg.anti_rollback = cfg.rollback && cfg.anti_rollback;
}

void fk_ota_config_reset(void)
{
    memset(&cfg, 0, sizeof cfg);
    cfg.image_checks = DEFAULT_CHECKS;
    how = (fk_image_read_t){0};
}

void fk_ota_set_image_checks(unsigned checks)
{
    cfg.image_checks = checks;
}

unsigned fk_ota_image_checks(void)
{
    return cfg.image_checks;
}

void fk_ota_set_read_buffer(uint8_t *buf, size_t len)
{
    cfg.read_buf = buf;
    cfg.read_buf_len = buf ? len : 0;
    how = (fk_image_read_t){.buf = cfg.read_buf, .buf_len = cfg.read_buf_len};
}

void fk_ota_set_copy_app(bool on)
{
    cfg.copy_app = on;
}

void fk_ota_set_rollback(bool rollback, bool anti_rollback)
{
    cfg.rollback = FK_OTA_ROLLBACK && rollback;
    cfg.anti_rollback = cfg.rollback && anti_rollback;
}

fk_image_info_t *fk_ota_image_info(void)
{
    return &info;
}

esp_err_t fk_ota_verify_part(const esp_partition_t *p, unsigned checks)
{
    if (p && p->flash) return fk_image_verify_ex(p->flash, p->address, p->size, checks, &how, &info);
    memset(&info, 0, sizeof info); /* no reason left from an earlier image */
    return ESP_ERR_INVALID_ARG;
}

esp_err_t fk_ota_verify_part_sums(const esp_partition_t *p, unsigned checks, const fk_image_sums_t *sums)
{
    esp_err_t err = ESP_ERR_INVALID_STATE;
    if (sums && p && p->flash) {
        how.sums = sums;
        err = fk_image_verify_ex(p->flash, p->address, p->size, checks, &how, &info);
        how.sums = NULL;
    }
    return err == ESP_ERR_INVALID_STATE ? fk_ota_verify_part(p, checks) : err;
}

static void copy_why(char *why, size_t len, const char *s)
{
    if (!len) return;
    if (!FK_DIAG) s = ""; /* the reason's text is not kept */
    size_t n = strlen(s);
    if (n >= len) n = len - 1;
    memcpy(why, s, n);
    why[n] = 0;
}

const char *fk_ota_verify_err_name(esp_err_t err)
{
    switch (err) {
    case ESP_ERR_IMAGE_INVALID: return "ESP_ERR_IMAGE_INVALID";
    case ESP_ERR_INVALID_ARG: return "ESP_ERR_INVALID_ARG";
    case ESP_ERR_FLASH_OP_FAIL: return "ESP_ERR_FLASH_OP_FAIL";
    case ESP_ERR_FLASH_OP_TIMEOUT: return "ESP_ERR_FLASH_OP_TIMEOUT";
    default: return "flash error";
    }
}

esp_err_t fk_ota_check_image(const esp_partition_t *p, char *why, size_t len)
{
    if (cfg.check) return cfg.check(cfg.ctx, p, why, len);
    esp_err_t err = fk_ota_verify_part(p, cfg.image_checks);
    if (err != ESP_OK && p && p->flash) copy_why(why, len, info.reason[0] ? info.reason : fk_ota_verify_err_name(err));
    return err;
}

esp_err_t fk_ota_image_secure_version(const esp_partition_t *p, uint32_t *v)
{
    if (cfg.secure_version) return cfg.secure_version(cfg.ctx, p, v);
    if (!p || !p->flash || !v) return ESP_ERR_INVALID_ARG;
    return fk_app_desc_secure_version(p->flash, p->address, p->size, v);
}
