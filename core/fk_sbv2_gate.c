#include "fk_sbv2_gate.h"

#include <string.h>

#include "esp_image_format.h"
#include "fk_ota_config.h"

/* Without FK_DIAG the reasons are empty and their texts leave the build. */
static void put(char *why, size_t len, const char *a, const char *b)
{
    if (!len) return;
    if (!FK_DIAG) {
        why[0] = 0;
        return;
    }
    size_t n = 0;
    for (const char *s = a; s && *s && n + 1 < len; s++) why[n++] = *s;
    for (const char *s = b; s && *s && n + 1 < len; s++) why[n++] = *s;
    why[n] = 0;
}

esp_err_t fk_sbv2_app_data_len(const esp_partition_t *p, unsigned checks, uint32_t *data_len, char *why, size_t len)
{
    /* The image info the OTA side shares (one 388-byte buffer in all). */
    fk_image_info_t *info = fk_ota_image_info();
    esp_err_t err = fk_ota_verify_part(p, checks);
    if (err != ESP_OK) {
        put(why, len, info->reason[0] ? info->reason : esp_err_to_name(err), NULL);
        return err;
    }
    *data_len = fk_sbv2_image_data_len(info);
    return ESP_OK;
}

uint32_t fk_sbv2_image_data_len(const fk_image_info_t *i)
{
    /* SDK 3.x (v3) apps always carry the SHA-256 after the checksum block;
     * ESP32 images when their header says so (spec §1). */
    uint32_t end = i->checksum_offs + 1;
    if (i->header_len != 24 || i->hash_appended) end += ESP_IMAGE_HASH_LEN;
    return fk_sbv2_sector_offset(end);
}

bool fk_sbv2_gate_active(const fk_sbv2_gate_t *g)
{
    const fk_sbv2_config_t *c = &g->cfg;
    if (c->secure_boot_v2) return true;
    return g->update ? c->on_update || c->signed_no_sb : c->on_boot;
}

/* The most telling block reason: the one that got furthest through the
 * checks (a bad signature says more than an empty slot). */
static fk_sbv2_why_t best_reason(const fk_sbv2_result_t *r, int *block)
{
    fk_sbv2_why_t best = FK_SBV2_ABSENT;
    *block = 0;
    for (int i = 0; i < FK_SBV2_BLOCKS; i++)
        if (r->why[i] != FK_SBV2_NOT_EXAMINED && r->why[i] > best) {
            best = r->why[i];
            *block = i;
        }
    return best;
}

esp_err_t fk_sbv2_gate_check(void *ctx, const esp_partition_t *p, char *why, size_t len)
{
    fk_sbv2_gate_t *g = ctx;
    g->last_checked = false;
    if (!p || !p->flash) return ESP_ERR_INVALID_ARG;
    uint32_t data_len;
    esp_err_t err = fk_sbv2_app_data_len(p, fk_ota_image_checks(), &data_len, why, len);
    if (err != ESP_OK || !fk_sbv2_gate_active(g)) return err;

    /* Static, as the signature block in fk_sbv2.c: the gate runs under the
     * bootloader's and the OTA API's frames, within the ESP8266's 1 KiB
     * budget for the core, and is never re-entered. */
    static fk_sbv2_trust_t trust;
    trust = g->trust;
    if (g->update && !g->cfg.secure_boot_v2 && g->cfg.signed_no_sb) {
        /* No hardware secure boot: trust what signed the running app, and
         * read only block 0 of the update, as ESP-IDF's app does. */
        uint32_t run_len;
        char rwhy[8];
        if (!g->running || fk_sbv2_app_data_len(g->running, fk_ota_image_checks(), &run_len, rwhy, sizeof rwhy) ||
            fk_sbv2_trust_from_image(g->running->flash, g->running->address, run_len, &trust) != ESP_OK) {
            put(why, len, "signature: the running app has no valid signature block to trust", NULL);
            return ESP_ERR_IMAGE_INVALID;
        }
        trust.schemes = g->trust.schemes;
        trust.blocks = 1;
    }
    if (g->cfg.schemes) trust.schemes = g->cfg.schemes;
    if (data_len > p->size || p->size - data_len < FK_SBV2_SECTOR_SIZE) {
        put(why, len, "signature: no room for the signature sector in the partition", NULL);
        return ESP_ERR_IMAGE_INVALID;
    }
    err = fk_sbv2_verify(p->flash, p->address, data_len, &trust, &g->last);
    g->last_checked = true;
    if (g->cfg.aggressive_revoke && g->last.sig_failed_slots) {
        for (unsigned s = 0; s < FK_SBV2_BLOCKS; s++) {
            if (!(g->last.sig_failed_slots & (1u << s)) || (g->trust.revoked & (1u << s))) continue;
            g->trust.revoked |= (uint8_t)(1u << s);
            if (g->on_revoke) g->on_revoke(g->revoke_ctx, s);
        }
    }
    if (err == ESP_ERR_IMAGE_INVALID) {
        int b;
        fk_sbv2_why_t w = best_reason(&g->last, &b);
        char head[] = "signature block 0: ";
        head[16] = (char)('0' + b);
        put(why, len, head, fk_sbv2_why_str(w));
    } else if (err != ESP_OK) {
        put(why, len, "signature: ", esp_err_to_name(err));
    }
    return err;
}

void fk_sbv2_gate_install(fk_sbv2_gate_t *g)
{
    fk_ota_config_t c = *fk_ota_config();
    c.check = g ? fk_sbv2_gate_check : NULL;
    c.ctx = g;
    fk_ota_configure(&c);
}
