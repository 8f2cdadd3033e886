#include "fk_nvs_crypt.h"

#include <string.h>
#include "fk_crc32.h"
#include "fk_le.h"
#include "fk_nvs_format.h"
#include "fk_nvs_read.h"
#include "nvs.h"
#include "fk_xts.h"

void fk_nvs_keys_encode(const nvs_sec_cfg_t *cfg, uint8_t out[FK_NVS_KEYS_BLOCK])
{
    memset(out, 0xFF, FK_NVS_KEYS_BLOCK);
    memcpy(out, cfg->eky, NVS_KEY_SIZE);
    memcpy(out + NVS_KEY_SIZE, cfg->tky, NVS_KEY_SIZE);
    fk_put_le32(out + FK_NVS_KEYS_CRC_OFFSET, fk_crc32_le(0xFFFFFFFFu, out, 2 * NVS_KEY_SIZE));
}

esp_err_t fk_nvs_keys_decode(const uint8_t in[68], nvs_sec_cfg_t *cfg)
{
    bool erased = true;
    for (unsigned i = 0; i < 68; i++) erased = erased && in[i] == 0xFF;
    if (erased) return ESP_ERR_NVS_KEYS_NOT_INITIALIZED;
    if (fk_le32(in + FK_NVS_KEYS_CRC_OFFSET) != fk_crc32_le(0xFFFFFFFFu, in, 2 * NVS_KEY_SIZE))
        return ESP_ERR_NVS_CORRUPT_KEY_PART;
    memcpy(cfg->eky, in, NVS_KEY_SIZE);
    memcpy(cfg->tky, in + NVS_KEY_SIZE, NVS_KEY_SIZE);
    return ESP_OK;
}

bool fk_nvs_keys_halves_equal(const nvs_sec_cfg_t *cfg)
{
    return memcmp(cfg->eky, cfg->tky, NVS_KEY_SIZE) == 0;
}

esp_err_t fk_nvs_crypt_entries(const nvs_sec_cfg_t *cfg, bool encrypt, uint32_t off, const void *in,
                               void *out, size_t len)
{
    if (len % NVS_ENTRY_SIZE) return ESP_ERR_INVALID_SIZE;
    const uint8_t *src = in;
    uint8_t *dst = out;
    for (size_t done = 0; done < len; done += NVS_ENTRY_SIZE) {
        uint8_t unit[16] = {0};
        fk_put_le32(unit, off + (uint32_t)done);
        /* nvs_sec_cfg_t is eky then tky: exactly the 64-byte XTS key. */
        if (fk_xts_crypt((const uint8_t *)cfg, encrypt, unit, src + done, dst + done, NVS_ENTRY_SIZE))
            return encrypt ? ESP_ERR_NVS_XTS_ENCR_FAILED : ESP_ERR_NVS_XTS_DECR_FAILED;
    }
    return ESP_OK;
}

static bool all_ff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xFF) return false;
    return true;
}

esp_err_t fk_nvs_crypt_image(const nvs_sec_cfg_t *cfg, bool encrypt, uint8_t *img, size_t len)
{
    if (len % NVS_PAGE_SIZE) return ESP_ERR_INVALID_SIZE;
    for (size_t page = 0; page < len; page += NVS_PAGE_SIZE) {
        const uint8_t *bitmap = img + page + NVS_BITMAP_OFFSET;
        for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++) {
            uint32_t off = (uint32_t)page + NVS_FIRST_ENTRY_OFFSET + i * NVS_ENTRY_SIZE;
            if (fk_nvs_bitmap_get(bitmap, i) == NVS_ENTRY_EMPTY && all_ff(img + off, NVS_ENTRY_SIZE)) continue;
            esp_err_t err = fk_nvs_crypt_entries(cfg, encrypt, off, img + off, img + off, NVS_ENTRY_SIZE);
            if (err != ESP_OK) return err;
        }
    }
    return ESP_OK;
}

/* ---- the flash layer ---- */

void fk_nvs_crypt_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--) *v++ = 0;
}

static fk_nvs_crypt_flash_t *layer(fk_flash_t *f)
{
    return (fk_nvs_crypt_flash_t *)f; /* flash is the first member */
}

/* Offset in the partition of the first entry-area byte at or after rel. */
static uint32_t entry_area_from(uint32_t rel)
{
    uint32_t in_page = rel % NVS_PAGE_SIZE;
    return in_page < NVS_FIRST_ENTRY_OFFSET ? rel - in_page + NVS_FIRST_ENTRY_OFFSET : rel;
}

/* One entry read raw (dst holds it): left as is when blank, else decrypted. */
static esp_err_t open_entry(const fk_nvs_crypt_flash_t *w, uint32_t rel, uint8_t *ent)
{
    if (all_ff(ent, NVS_ENTRY_SIZE)) return ESP_OK;
    return fk_nvs_crypt_entries(&w->key, false, rel, ent, ent, NVS_ENTRY_SIZE);
}

static esp_err_t layer_read(fk_flash_t *f, uint32_t addr, void *dst, size_t len)
{
    fk_nvs_crypt_flash_t *w = layer(f);
    esp_err_t err = fk_flash_read(w->raw, addr, dst, len);
    if (err != ESP_OK) return err;
    uint32_t end = addr + (uint32_t)len, pend = w->base + w->size;
    uint32_t lo = addr > w->base ? addr : w->base, hi = end < pend ? end : pend;
    if (lo >= hi) return ESP_OK;
    uint8_t *out = dst;
    /* Entries are whole in the caller's buffer (decrypted in place) or cut
     * by its ends (read again whole, the asked part copied out). */
    for (uint32_t rel = entry_area_from(lo - w->base); w->base + rel < hi;) {
        uint32_t ent = rel - rel % NVS_ENTRY_SIZE, a = w->base + ent;
        if (a >= addr && a + NVS_ENTRY_SIZE <= end) {
            err = open_entry(w, ent, out + (a - addr));
        } else {
            uint8_t tmp[NVS_ENTRY_SIZE];
            err = fk_flash_read(w->raw, a, tmp, sizeof tmp);
            if (err == ESP_OK) err = open_entry(w, ent, tmp);
            if (err == ESP_OK) {
                uint32_t from = a > addr ? a : addr, to = a + NVS_ENTRY_SIZE < end ? a + NVS_ENTRY_SIZE : end;
                memcpy(out + (from - addr), tmp + (from - a), to - from);
            }
            fk_nvs_crypt_wipe(tmp, sizeof tmp);
        }
        if (err != ESP_OK) return err;
        rel = entry_area_from(ent + NVS_ENTRY_SIZE);
    }
    return ESP_OK;
}

/* The next piece of [addr, end) that is all raw (header, bitmap, outside the
 * partition) or all entry area: its end, and which kind in *entries. */
static uint32_t piece_end(const fk_nvs_crypt_flash_t *w, uint32_t addr, uint32_t end, bool *entries)
{
    uint32_t pend = w->base + w->size;
    if (addr < w->base) {
        *entries = false;
        return end < w->base ? end : w->base;
    }
    if (addr >= pend) {
        *entries = false;
        return end;
    }
    uint32_t rel = addr - w->base, page = rel - rel % NVS_PAGE_SIZE;
    uint32_t stop = rel % NVS_PAGE_SIZE < NVS_FIRST_ENTRY_OFFSET ? page + NVS_FIRST_ENTRY_OFFSET : page + NVS_PAGE_SIZE;
    *entries = rel % NVS_PAGE_SIZE >= NVS_FIRST_ENTRY_OFFSET;
    stop += w->base;
    if (stop > pend) stop = pend;
    return end < stop ? end : stop;
}

static esp_err_t write_entries(fk_nvs_crypt_flash_t *w, uint32_t addr, const uint8_t *src, uint32_t len)
{
    uint8_t buf[FK_NVS_CRYPT_CHUNK];
    esp_err_t err = ESP_OK;
    for (uint32_t done = 0; done < len && err == ESP_OK;) {
        uint32_t n = len - done < sizeof buf ? len - done : (uint32_t)sizeof buf;
        err = fk_nvs_crypt_entries(&w->key, true, addr + done - w->base, src + done, buf, n);
        if (err == ESP_OK) err = fk_flash_write(w->raw, addr + done, buf, n);
        done += n;
    }
    fk_nvs_crypt_wipe(buf, sizeof buf);
    return err;
}

static esp_err_t layer_write(fk_flash_t *f, uint32_t addr, const void *src, size_t len)
{
    fk_nvs_crypt_flash_t *w = layer(f);
    uint32_t end = addr + (uint32_t)len;
    bool entries;
    /* Checked whole before the first byte goes out: a refused write writes nothing. */
    for (uint32_t at = addr; at < end; at = piece_end(w, at, end, &entries)) {
        uint32_t to = piece_end(w, at, end, &entries);
        if (entries && ((at - w->base) % NVS_ENTRY_SIZE || (to - w->base) % NVS_ENTRY_SIZE))
            return ESP_ERR_INVALID_SIZE;
    }
    const uint8_t *in = src;
    for (uint32_t at = addr; at < end;) {
        uint32_t to = piece_end(w, at, end, &entries);
        esp_err_t err = entries ? write_entries(w, at, in + (at - addr), to - at)
                                : fk_flash_write(w->raw, at, in + (at - addr), to - at);
        if (err != ESP_OK) return err;
        at = to;
    }
    return ESP_OK;
}

static esp_err_t layer_erase(fk_flash_t *f, uint32_t addr)
{
    fk_nvs_crypt_flash_t *w = layer(f);
    return w->raw->erase_sector(w->raw, addr);
}

fk_flash_t *fk_nvs_crypt_flash_init(fk_nvs_crypt_flash_t *w, fk_flash_t *raw, uint32_t base, uint32_t size,
                                    const nvs_sec_cfg_t *cfg)
{
    if (!w || !raw || !cfg || base % NVS_PAGE_SIZE || base > raw->size || size > raw->size - base) return NULL;
    memset(w, 0, sizeof *w);
    w->flash.size = raw->size;
    w->flash.read = layer_read;
    w->flash.write = layer_write;
    w->flash.erase_sector = layer_erase;
    w->flash.lower = raw;
    w->raw = raw;
    w->base = base;
    w->size = size;
    w->key = *cfg;
    return &w->flash;
}

void fk_nvs_crypt_flash_clear(fk_nvs_crypt_flash_t *w)
{
    if (!w) return;
    fk_nvs_crypt_wipe(w, sizeof *w);
}

esp_err_t fk_nvs_crypt_check_key(fk_nvs_crypt_flash_t *w)
{
    esp_err_t err = fk_nvs_entries_legible(w->raw, &w->flash, w->base, w->size);
    return err == ESP_ERR_NOT_FOUND ? ESP_ERR_NVS_XTS_DECR_FAILED : err;
}
