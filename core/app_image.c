/* App image verification with the ESP8266 SDK 3.x esp_image_load rules
 * (app-image.md §3) and esp_ota_end's link-address rule (ota.md §4).
 * Reads in chunks of at most CHUNK bytes so it fits a small device stack,
 * or in pieces of a buffer the caller gives (fk_image_verify_ex.h). */
#include <string.h>
#include "esp_image_format.h"
#include "fk_crc32.h"
#include "fk_hash.h"
#include "fk_image_verify_ex.h"

#define CHUNK 256u

/* Tiny formatter for the reason strings: the core has no stdio. Without
 * FK_DIAG every call is empty, and the compiler drops the texts with it. */
typedef struct {
    char *p;
    size_t n, used;
} msg_t;

static void put_s(msg_t *m, const char *s)
{
    if (!FK_DIAG) return;
    while (*s && m->used + 1 < m->n) m->p[m->used++] = *s++;
    if (m->n) m->p[m->used < m->n ? m->used : m->n - 1] = '\0';
}

static void put_hex(msg_t *m, uint32_t v, int min_digits)
{
    if (!FK_DIAG) return;
    char tmp[11];
    int i = 10;
    tmp[i] = '\0';
    do {
        tmp[--i] = "0123456789abcdef"[v & 0xF];
        v >>= 4;
        min_digits--;
    } while (v || min_digits > 0);
    tmp[--i] = 'x';
    tmp[--i] = '0';
    put_s(m, tmp + i);
}

static void put_u(msg_t *m, uint32_t v)
{
    if (!FK_DIAG) return;
    char tmp[11];
    int i = 10;
    tmp[i] = '\0';
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_s(m, tmp + i);
}

static msg_t reason_start(fk_image_info_t *info)
{
    msg_t m = {info->reason, sizeof info->reason, 0};
    info->reason[0] = '\0';
    return m;
}

static esp_err_t invalid(fk_image_info_t *info, const char *what)
{
    msg_t m = reason_start(info);
    put_s(&m, what);
    return ESP_ERR_IMAGE_INVALID;
}

static esp_err_t read_failed(fk_image_info_t *info, uint32_t addr)
{
    msg_t m = reason_start(info);
    put_s(&m, "flash read failed at ");
    put_hex(&m, addr, 1);
    return ESP_ERR_IMAGE_INVALID;
}

/* Reads [*addr, *addr+len) in chunks, XORs the bytes into *csum and feeds
 * the hash when one is running. On a failed read *addr is where it failed.
 * (Six arguments: a seventh would go on the lx106's stack, in the deepest
 * frame of every image check.) */
static bool consume(fk_flash_t *flash, uint32_t *addr, uint32_t len, uint8_t *csum, fk_sha256_t *sha,
                    const fk_image_read_t *how)
{
    uint8_t own[CHUNK], *buf = own;
    size_t cap = sizeof own;
    if (how && how->buf && how->buf_len >= CHUNK) {
        buf = how->buf;
        cap = how->buf_len;
    }
    while (len) {
        uint32_t n = len < cap ? len : (uint32_t)cap;
        if (fk_flash_read(flash, *addr, buf, n) != ESP_OK) return false;
        if (csum) *csum = fk_image_checksum(*csum, buf, n);
        if (sha) fk_sha256_update(sha, buf, n);
        *addr += n;
        len -= n;
    }
    return true;
}

/* The one walk of the rules. With sums, the segment data and the padding are
 * not read: their checksum and hash come from a reader that saw them. */
esp_err_t fk_image_verify_ex(fk_flash_t *flash, uint32_t offset, uint32_t part_size, unsigned checks,
                             const fk_image_read_t *how, fk_image_info_t *info)
{
    const fk_image_sums_t *sums = how ? how->sums : NULL;
    if (!info) return ESP_ERR_INVALID_ARG;
    memset(info, 0, sizeof *info);
    if (!flash) return ESP_ERR_INVALID_ARG;
    if (part_size > ESP_IMAGE_MAX_PART_SIZE) {
        msg_t m = reason_start(info);
        put_s(&m, "partition size ");
        put_hex(&m, part_size, 1);
        put_s(&m, " exceeds 16 MiB");
        return ESP_ERR_INVALID_ARG;
    }
    const bool esp32 = (checks & FK_IMAGE_CHIP_ESP32) != 0;
    uint8_t hdr[ESP_IMAGE_HEADER_LEN_ESP32];
    info->header_len = esp32 ? ESP_IMAGE_HEADER_LEN_ESP32 : ESP_IMAGE_HEADER_LEN_ESP8266;
    if (fk_flash_read(flash, offset, hdr, info->header_len) != ESP_OK) return read_failed(info, offset);
    fk_image_hdr_t h;
    fk_image_hdr_decode(hdr, &h);
    info->magic = h.magic;
    info->segment_count = h.segment_count;
    info->spi_mode = h.spi_mode;
    info->spi_speed = h.spi_size_freq & 0xF;
    info->spi_size = h.spi_size_freq >> 4;
    info->entry_addr = h.entry_addr;
    if (h.magic != ESP_IMAGE_HEADER_MAGIC) {
        msg_t m = reason_start(info);
        put_s(&m, "bad magic byte ");
        put_hex(&m, h.magic, 2);
        return ESP_ERR_IMAGE_INVALID;
    }
    bool want_sum = (checks & FK_IMAGE_CHECK_SUM) != 0;
    bool want_hash = (checks & FK_IMAGE_CHECK_HASH) != 0;
    if (esp32) {
        fk_image_ext_t x;
        fk_image_ext_decode(hdr + FK_IMAGE_HDR_LEN, &x);
        if (x.hash_appended > 1) {
            msg_t m = reason_start(info);
            put_s(&m, "invalid hash_appended byte ");
            put_hex(&m, x.hash_appended, 2);
            return ESP_ERR_IMAGE_INVALID;
        }
        /* ESP-IDF always checks the checksum, and the hash whenever one is appended. */
        want_sum = true;
        want_hash = x.hash_appended == 1;
    }
    info->hash_appended = want_hash;
    if (sums && esp32) return ESP_ERR_INVALID_STATE;
    if (h.segment_count > ESP_IMAGE_MAX_SEGMENTS) {
        msg_t m = reason_start(info);
        put_s(&m, "segment count ");
        put_u(&m, h.segment_count);
        put_s(&m, " exceeds 16");
        return ESP_ERR_IMAGE_INVALID;
    }

    fk_sha256_t sha;
    fk_sha256_t *shap = want_hash && !sums ? &sha : NULL;
    if (shap) {
        fk_sha256_start(shap);
        fk_sha256_update(shap, hdr, info->header_len);
    }
    uint8_t csum = ESP_CHECKSUM_MAGIC;
    /* With sums: the headers read now must be the ones the summing reader saw. */
    uint32_t hdr_crc = sums ? fk_crc32_le(0xFFFFFFFFu, hdr, info->header_len) : 0;
    uint64_t pos = info->header_len; /* relative to offset; 64-bit to see wrap-around */
    for (unsigned i = 0; i < h.segment_count; i++) {
        uint8_t sh[FK_IMAGE_SEG_HDR_LEN];
        uint64_t at = offset + pos;
        if (at + sizeof sh > flash->size) return read_failed(info, (uint32_t)at);
        if (fk_flash_read(flash, (uint32_t)at, sh, sizeof sh) != ESP_OK) return read_failed(info, (uint32_t)at);
        if (shap) fk_sha256_update(shap, sh, sizeof sh);
        if (sums) hdr_crc = fk_crc32_le(hdr_crc, sh, sizeof sh);
        fk_image_segment_t *s = &info->seg[info->nsegs++];
        fk_image_seg_decode(sh, &s->load_addr, &s->data_len);
        s->file_offs = (uint32_t)pos;
        if (s->data_len % 4) {
            msg_t m = reason_start(info);
            put_s(&m, "unaligned segment length ");
            put_hex(&m, s->data_len, 1);
            return ESP_ERR_IMAGE_INVALID;
        }
        at += sizeof sh;
        if (at + s->data_len > flash->size) {
            msg_t m = reason_start(info);
            put_s(&m, "segment ");
            put_u(&m, i + 1);
            put_s(&m, " (length ");
            put_hex(&m, s->data_len, 1);
            put_s(&m, ") runs past the end of flash");
            return ESP_ERR_IMAGE_INVALID;
        }
        uint32_t a = (uint32_t)at;
        if (!sums && !consume(flash, &a, s->data_len, &csum, shap, how)) return read_failed(info, a);
        pos += sizeof sh + s->data_len;
    }
    if (offset + pos > UINT32_MAX) return invalid(info, "image end wraps around the address space");
    info->data_end = (uint32_t)pos;
    info->checksum_offs = fk_image_checksum_offs(info->data_end);
    uint32_t L = info->checksum_offs + 1;
    if (sums) {
        if (sums->L != L || sums->hdr_crc != hdr_crc) return ESP_ERR_INVALID_STATE;
        csum = sums->checksum;
    }
    info->checksum_calc = csum;
    info->image_len = info->data_end;

    if (want_sum || want_hash) {
        /* The padding is hashed but its value is not checked. */
        if ((uint64_t)offset + L > flash->size) return read_failed(info, offset + info->data_end);
        uint32_t pad = L - 1 - info->data_end;
        uint32_t a = offset + info->data_end;
        if (!sums && !consume(flash, &a, pad, NULL, shap, how)) return read_failed(info, a);
        if (fk_flash_read(flash, offset + L - 1, &info->checksum_stored, 1) != ESP_OK)
            return read_failed(info, offset + L - 1);
        if (shap) fk_sha256_update(shap, &info->checksum_stored, 1);
        info->checksum_valid = info->checksum_stored == csum;
        info->image_len = L;
    }
    if (want_sum) {
        info->checksum_checked = true;
        if (!info->checksum_valid) {
            msg_t m = reason_start(info);
            put_s(&m, "checksum mismatch (calculated ");
            put_hex(&m, csum, 2);
            put_s(&m, ", stored ");
            put_hex(&m, info->checksum_stored, 2);
            put_s(&m, ")");
            return ESP_ERR_IMAGE_INVALID;
        }
    }
    if (want_hash) info->image_len = L + ESP_IMAGE_HASH_LEN;
    if (info->image_len > part_size) {
        msg_t m = reason_start(info);
        put_s(&m, "image length ");
        put_u(&m, info->image_len);
        put_s(&m, " exceeds partition size ");
        put_u(&m, part_size);
        return ESP_ERR_IMAGE_INVALID;
    }
    /* The SDK skips the hash for the bootloader at flash offset 0 (ESP8266 only). */
    if (want_hash && (offset != 0 || esp32)) {
        if (sums)
            memcpy(info->hash_calc, sums->digest, ESP_IMAGE_HASH_LEN);
        else
            fk_sha256_finish(shap, info->hash_calc);
        if ((uint64_t)offset + L + ESP_IMAGE_HASH_LEN > flash->size) return read_failed(info, offset + L);
        if (fk_flash_read(flash, offset + L, info->hash_stored, ESP_IMAGE_HASH_LEN) != ESP_OK)
            return read_failed(info, offset + L);
        info->hash_checked = true;
        info->hash_valid = memcmp(info->hash_calc, info->hash_stored, ESP_IMAGE_HASH_LEN) == 0;
        if (!info->hash_valid) return invalid(info, "appended SHA-256 mismatch");
    }
    return ESP_OK;
}

esp_err_t fk_image_verify(fk_flash_t *flash, uint32_t offset, uint32_t part_size, unsigned checks,
                          fk_image_info_t *info)
{
    return fk_image_verify_ex(flash, offset, part_size, checks, NULL, info);
}

static esp_err_t mem_read(fk_flash_t *flash, uint32_t addr, void *dst, size_t len)
{
    const fk_image_memflash_t *mf = (const fk_image_memflash_t *)flash;
    uint8_t *d = dst;
    uint64_t a = addr;
    while (len) {
        if (a < mf->base) {
            uint64_t n = mf->base - a < len ? mf->base - a : len;
            memset(d, 0xFF, (size_t)n);
            d += n, a += n, len -= (size_t)n;
        } else if (a - mf->base < mf->len) {
            uint64_t in = a - mf->base;
            size_t n = mf->len - (size_t)in < len ? mf->len - (size_t)in : len;
            memcpy(d, mf->buf + in, n);
            d += n, a += n, len -= n;
        } else {
            memset(d, 0xFF, len);
            len = 0;
        }
    }
    return ESP_OK;
}

static esp_err_t mem_write(fk_flash_t *flash, uint32_t addr, const void *src, size_t len)
{
    (void)flash, (void)addr, (void)src, (void)len;
    return ESP_ERR_NOT_SUPPORTED;
}

static esp_err_t mem_erase(fk_flash_t *flash, uint32_t addr)
{
    (void)flash, (void)addr;
    return ESP_ERR_NOT_SUPPORTED;
}

void fk_image_memflash_init(fk_image_memflash_t *mf, const uint8_t *buf, size_t len, uint32_t base,
                            uint32_t size)
{
    memset(mf, 0, sizeof *mf);
    mf->flash.read = mem_read;
    mf->flash.write = mem_write;
    mf->flash.erase_sector = mem_erase;
    uint64_t sz = ((uint64_t)size + FK_SECTOR_SIZE - 1) & ~(uint64_t)(FK_SECTOR_SIZE - 1);
    mf->flash.size = sz > 0xFFFFF000u ? 0xFFFFF000u : (uint32_t)sz;
    mf->buf = buf;
    mf->len = len;
    mf->base = base;
}

esp_err_t fk_image_verify_mem(const uint8_t *buf, size_t len, uint32_t slot_offset, uint32_t part_size,
                              unsigned checks, fk_image_info_t *info)
{
    if (!buf && len) return ESP_ERR_INVALID_ARG;
    /* The flash beyond the slot reads erased, as far as a 16 MiB chip would
     * go: a corrupted length then fails the way it would on a device. */
    uint64_t end = (uint64_t)slot_offset + (part_size > ESP_IMAGE_MAX_PART_SIZE ? part_size : ESP_IMAGE_MAX_PART_SIZE);
    fk_image_memflash_t mf;
    fk_image_memflash_init(&mf, buf, len, slot_offset, end > 0xFFFFF000u ? 0xFFFFF000u : (uint32_t)end);
    return fk_image_verify(&mf.flash, slot_offset, part_size, checks, info);
}

bool fk_image_linked_offset(const fk_image_info_t *info, uint32_t *offset)
{
    for (unsigned i = 0; i < info->nsegs; i++) {
        uint32_t a = info->seg[i].load_addr;
        if (a >= FK_IMAGE_IROM_LINK && a < FK_IMAGE_IROM_BASE + 0x100000u) {
            *offset = a - FK_IMAGE_IROM_LINK;
            return true;
        }
    }
    uint32_t e = info->entry_addr;
    if (e >= FK_IMAGE_IROM_LINK && e < FK_IMAGE_IROM_BASE + 0x100000u) {
        *offset = (e - FK_IMAGE_IROM_LINK) & ~(FK_SECTOR_SIZE - 1);
        return true;
    }
    return false;
}

esp_err_t fk_image_check_slot(const fk_image_info_t *info, uint32_t part_offset, uint32_t part_size,
                              char *why, size_t whylen)
{
    if (why && whylen) why[0] = '\0';
    if (!info) return ESP_ERR_INVALID_ARG;
    uint64_t part_end = (uint64_t)part_offset + part_size;
    if (part_end > 0x100000u) return ESP_OK; /* the SDK checks only layouts within 1 MiB */
    int32_t entry = (int32_t)(info->entry_addr - FK_IMAGE_IROM_LINK);
    if (entry > 0 && (uint32_t)entry > part_offset && (uint64_t)(uint32_t)entry < part_end) return ESP_OK;
    if (FK_DIAG && why && whylen) {
        msg_t m = {why, whylen, 0};
        uint32_t linked;
        if (fk_image_linked_offset(info, &linked)) {
            put_s(&m, "image is linked for the slot at ");
            put_hex(&m, linked, 1);
        } else {
            put_s(&m, "image entry is not in flash-mapped code (linked for no slot)");
        }
        put_s(&m, " (entry ");
        put_hex(&m, info->entry_addr, 8);
        put_s(&m, ") but the target slot is at ");
        put_hex(&m, part_offset, 1);
        put_s(&m, " (size ");
        put_hex(&m, part_size, 1);
        put_s(&m, "): on a flash layout within 1 MB each slot needs its own build (app1/app2)");
    }
    return ESP_ERR_OTA_VALIDATE_FAILED;
}
