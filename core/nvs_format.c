#include "nvs_format.h"

#include <string.h>
#include "fk_crc32.h"

uint32_t nvs_entry_crc(const nvs_entry_t *e)
{
    const uint8_t *b = (const uint8_t *)e;
    uint32_t crc = fk_crc32_le(0xFFFFFFFFu, b, 4);
    return fk_crc32_le(crc, b + 8, 24);
}

uint32_t nvs_header_crc(const uint8_t hdr[32])
{
    return fk_crc32_le(0xFFFFFFFFu, hdr + 4, 24);
}

void nvs_header_build(uint8_t hdr[32], uint32_t state, uint32_t seq, uint8_t version)
{
    memset(hdr, 0xFF, 32);
    nvs_put_le32(hdr, state);
    nvs_put_le32(hdr + 4, seq);
    hdr[8] = version;
    nvs_put_le32(hdr + 28, nvs_header_crc(hdr));
}

void nvs_entry_init(nvs_entry_t *e, uint8_t ns, uint8_t type, uint8_t span, uint8_t chunk,
                    const char *key)
{
    e->ns = ns;
    e->type = type;
    e->span = span;
    e->chunk = chunk;
    e->crc = 0xFFFFFFFFu;
    memset(e->key, 0, sizeof e->key);
    size_t n = strlen(key);
    memcpy(e->key, key, n > NVS_KEY_MAX ? NVS_KEY_MAX : n);
    memset(e->data, 0xFF, sizeof e->data);
}

void nvs_entry_set_varlen(nvs_entry_t *e, uint16_t size, uint32_t data_crc)
{
    e->data[0] = (uint8_t)size;
    e->data[1] = (uint8_t)(size >> 8);
    e->data[2] = 0xFF;
    e->data[3] = 0xFF;
    nvs_put_le32(e->data + 4, data_crc);
}

void nvs_entry_seal(nvs_entry_t *e)
{
    uint8_t *b = (uint8_t *)e;
    nvs_put_le32(b + 4, nvs_entry_crc(e));
}
