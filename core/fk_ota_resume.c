#include "fk_ota_resume.h"

#include <string.h>
#include "fk_crc32.h"
#include "fk_flash.h"
#include "fk_le.h"
#include "nvs.h"

#define HDR_MAGIC 0x53524B46u /* "FKRS" */
#define HDR_FIXED 32u
#define STEP ((uint32_t)FK_SECTOR_SIZE * FK_OTA_RESUME_SECTORS)

/* The header's bytes, static: beside the NVS engine's own frames a 128-byte
 * buffer on the stack would take a session past the 1 KiB stack budget of
 * the ESP8266 build; updates are not re-entrant anyway. */
static uint8_t rec[HDR_FIXED + FK_OTA_VALIDATOR_MAX];

static esp_err_t open_ns(nvs_open_mode_t mode, nvs_handle_t *h)
{
    return nvs_open(FK_OTA_RESUME_NS, mode, h);
}

/* rs_pos: tag, sectors and CRC in one u64, so one NVS write (one entry)
 * moves the checkpoint and it can never pair a count with another CRC. */
static uint64_t pos_pack(uint16_t tag, uint32_t bytes, uint32_t crc)
{
    return ((uint64_t)tag << 48) | ((uint64_t)(bytes / FK_SECTOR_SIZE & 0xFFFF) << 32) | crc;
}

static esp_err_t load(fk_ota_session_t *s, uint32_t *slot_addr, uint32_t *slot_size)
{
    nvs_handle_t h;
    esp_err_t err = open_ns(NVS_READONLY, &h);
    if (err != ESP_OK) return ESP_ERR_NOT_FOUND;
    size_t len = sizeof rec;
    uint64_t pos = 0;
    err = nvs_get_blob(h, "rs_hdr", rec, &len);
    if (err == ESP_OK) err = nvs_get_u64(h, "rs_pos", &pos);
    nvs_close(h);
    if (err != ESP_OK || len <= HDR_FIXED || fk_le32(rec) != HDR_MAGIC || rec[len - 1] != 0) return ESP_ERR_NOT_FOUND;
    *slot_addr = fk_le32(rec + 4);
    *slot_size = fk_le32(rec + 8);
    s->src.image_size = fk_le32(rec + 12);
    s->src.src_offset = fk_le32(rec + 16);
    s->src.src_total = fk_le32(rec + 20);
    s->src.source_id = fk_le32(rec + 24);
    s->tag = fk_le16(rec + 28);
    memcpy(s->src.validator, rec + HDR_FIXED, len - HDR_FIXED);
    if ((uint16_t)(pos >> 48) != s->tag) return ESP_ERR_NOT_FOUND; /* no checkpoint of this session yet */
    s->written = s->saved = (uint32_t)((pos >> 32) & 0xFFFF) * FK_SECTOR_SIZE;
    s->crc = (uint32_t)pos;
    return ESP_OK;
}

/* CRC of slot [0, len), read in small pieces as a device would. */
static esp_err_t slot_crc(const esp_partition_t *p, uint32_t len, uint32_t *crc)
{
    uint8_t buf[256];
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t at = 0; at < len;) {
        uint32_t n = len - at < sizeof buf ? len - at : (uint32_t)sizeof buf;
        esp_err_t err = fk_flash_read(p->flash, p->address + at, buf, n);
        if (err != ESP_OK) return err;
        c = fk_crc32_le(c, buf, n);
        at += n;
    }
    *crc = c;
    return ESP_OK;
}

esp_err_t fk_ota_session_find(fk_ota_session_t *s, const esp_partition_t *partition, uint32_t source_id)
{
    if (!s || !partition) return ESP_ERR_INVALID_ARG;
    memset(s, 0, sizeof *s);
    s->part = partition;
    uint32_t addr, size;
    if (load(s, &addr, &size) != ESP_OK) return ESP_ERR_NOT_FOUND;
    bool fits = s->src.image_size == OTA_SIZE_UNKNOWN || s->written < s->src.image_size;
    if (addr != partition->address || size != partition->size || s->src.source_id != source_id ||
        !s->src.validator[0] || s->written == 0 || s->written > partition->size || !fits)
        return ESP_ERR_NOT_FOUND;
    uint32_t crc;
    esp_err_t err = slot_crc(partition, s->written, &crc);
    if (err != ESP_OK) return err;
    return crc == s->crc ? ESP_OK : ESP_ERR_INVALID_CRC;
}

esp_err_t fk_ota_session_resume(fk_ota_session_t *s)
{
    if (!s || !s->part || !s->written) return ESP_ERR_INVALID_STATE;
    return fk_ota_begin_at(s->part, s->src.image_size, s->written, &s->handle);
}

static esp_err_t store_hdr(fk_ota_session_t *s)
{
    nvs_handle_t h;
    esp_err_t err = open_ns(NVS_READWRITE, &h);
    if (err != ESP_OK) return err;
    size_t vlen = 0;
    while (vlen < FK_OTA_VALIDATOR_MAX - 1 && s->src.validator[vlen]) vlen++;
    /* The stored checkpoint's tag + 1, so it cannot match the new header. (A
     * header that never got a checkpoint may lend its tag again: no
     * checkpoint carries it.) Read from rs_pos, not rs_hdr: 8 bytes of stack. */
    uint64_t pos;
    s->tag = nvs_get_u64(h, "rs_pos", &pos) == ESP_OK ? (uint16_t)((pos >> 48) + 1) : 1;
    if (s->tag == 0) s->tag = 1;
    memset(rec, 0, sizeof rec);
    fk_put_le32(rec, HDR_MAGIC);
    fk_put_le32(rec + 4, s->part->address);
    fk_put_le32(rec + 8, s->part->size);
    fk_put_le32(rec + 12, s->src.image_size);
    fk_put_le32(rec + 16, s->src.src_offset);
    fk_put_le32(rec + 20, s->src.src_total);
    fk_put_le32(rec + 24, s->src.source_id);
    fk_put_le16(rec + 28, s->tag);
    memcpy(rec + HDR_FIXED, s->src.validator, vlen);
    err = nvs_set_blob(h, "rs_hdr", rec, HDR_FIXED + vlen + 1);
    if (err == ESP_OK) err = nvs_commit(h);
    nvs_close(h);
    return err;
}

static esp_err_t store_pos(fk_ota_session_t *s)
{
    nvs_handle_t h;
    esp_err_t err = open_ns(NVS_READWRITE, &h);
    if (err != ESP_OK) return err;
    err = nvs_set_u64(h, "rs_pos", pos_pack(s->tag, s->written, s->crc));
    if (err == ESP_OK) err = nvs_commit(h);
    nvs_close(h);
    if (err == ESP_OK) s->saved = s->written;
    return err;
}

esp_err_t fk_ota_session_begin(fk_ota_session_t *s, const esp_partition_t *partition, const fk_ota_source_t *src)
{
    if (!s || !partition || !src) return ESP_ERR_INVALID_ARG;
    memset(s, 0, sizeof *s);
    s->part = partition;
    s->src = *src;
    s->src.validator[FK_OTA_VALIDATOR_MAX - 1] = 0;
    s->crc = 0xFFFFFFFFu;
    /* The record first: until a checkpoint of the new tag lands, no record
     * vouches for any byte of the slot, so writing it cannot mislead. */
    if (s->src.validator[0]) s->store_err = store_hdr(s);
    else s->store_err = ESP_ERR_NOT_SUPPORTED;
    size_t size = src->image_size == OTA_SIZE_UNKNOWN ? OTA_SIZE_UNKNOWN : src->image_size;
    return esp_ota_begin(partition, size, &s->handle);
}

esp_err_t fk_ota_session_write(fk_ota_session_t *s, const void *data, size_t size)
{
    if (!s || !data) return ESP_ERR_INVALID_ARG;
    const uint8_t *d = data;
    while (size) {
        /* Split at checkpoint boundaries: the CRC must stop exactly there. */
        uint32_t room = STEP - s->written % STEP;
        uint32_t n = size < room ? (uint32_t)size : room;
        esp_err_t err = esp_ota_write(s->handle, d, n);
        if (err != ESP_OK) return err;
        s->crc = fk_crc32_le(s->crc, d, n);
        s->written += n;
        d += n;
        size -= n;
        /* Only after every write of the sector returned: the record never
         * vouches for a byte that is not on the flash. */
        if (s->written % STEP == 0 && s->store_err == ESP_OK) s->store_err = store_pos(s);
    }
    return ESP_OK;
}

esp_err_t fk_ota_session_end(fk_ota_session_t *s)
{
    if (!s) return ESP_ERR_INVALID_ARG;
    esp_ota_handle_t h = s->handle;
    s->handle = 0;
    return esp_ota_end(h);
}

esp_err_t fk_ota_session_abort(fk_ota_session_t *s)
{
    if (!s) return ESP_ERR_INVALID_ARG;
    esp_ota_handle_t h = s->handle;
    s->handle = 0;
    return h ? esp_ota_abort(h) : ESP_OK;
}

esp_err_t fk_ota_session_clear(void)
{
    nvs_handle_t h;
    esp_err_t err = open_ns(NVS_READWRITE, &h);
    if (err != ESP_OK) return err == ESP_ERR_NVS_NOT_FOUND ? ESP_OK : err;
    esp_err_t e1 = nvs_erase_key(h, "rs_pos");
    esp_err_t e2 = nvs_erase_key(h, "rs_hdr");
    err = nvs_commit(h);
    nvs_close(h);
    if (e1 != ESP_OK && e1 != ESP_ERR_NVS_NOT_FOUND) return e1;
    if (e2 != ESP_OK && e2 != ESP_ERR_NVS_NOT_FOUND) return e2;
    return err;
}
