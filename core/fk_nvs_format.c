#include "fk_nvs_format.h"

#include <string.h>
#include "fk_crc32.h"

uint32_t fk_nvs_entry_crc(const fk_nvs_entry_t *e)
{
    const uint8_t *b = (const uint8_t *)e;
    uint32_t crc = fk_crc32_le(0xFFFFFFFFu, b, 4);
    return fk_crc32_le(crc, b + 8, 24);
}

uint32_t fk_nvs_header_crc(const uint8_t hdr[32])
{
    return fk_crc32_le(0xFFFFFFFFu, hdr + 4, 24);
}

void fk_nvs_header_build(uint8_t hdr[32], uint32_t state, uint32_t seq, uint8_t version)
{
    memset(hdr, 0xFF, 32);
    fk_put_le32(hdr, state);
    fk_put_le32(hdr + 4, seq);
    hdr[8] = version;
    fk_put_le32(hdr + 28, fk_nvs_header_crc(hdr));
}

void fk_nvs_entry_init(fk_nvs_entry_t *e, uint8_t ns, uint8_t type, uint8_t span, uint8_t chunk,
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

void fk_nvs_entry_set_varlen(fk_nvs_entry_t *e, uint16_t size, uint32_t data_crc)
{
    fk_put_le16(e->data, size);
    e->data[2] = 0xFF;
    e->data[3] = 0xFF;
    fk_put_le32(e->data + 4, data_crc);
}

void fk_nvs_entry_seal(fk_nvs_entry_t *e)
{
    uint8_t *b = (uint8_t *)e;
    fk_put_le32(b + 4, fk_nvs_entry_crc(e));
}

const fk_nvs_type_name_t fk_nvs_type_names[] = {
    {NVS_ITEM_U8, "u8"},         {NVS_ITEM_I8, "i8"},          {NVS_ITEM_U16, "u16"},
    {NVS_ITEM_I16, "i16"},       {NVS_ITEM_U32, "u32"},        {NVS_ITEM_I32, "i32"},
    {NVS_ITEM_U64, "u64"},       {NVS_ITEM_I64, "i64"},        {NVS_ITEM_SZ, "string"},
    {NVS_ITEM_BLOB, "blob"},     {NVS_ITEM_BLOB_DATA, "blob_data"}, {NVS_ITEM_BLOB_IDX, "blob_index"},
};
const unsigned fk_nvs_type_name_count = sizeof fk_nvs_type_names / sizeof fk_nvs_type_names[0];

const char *fk_nvs_type_name(uint8_t type)
{
    for (unsigned i = 0; i < fk_nvs_type_name_count; i++)
        if (fk_nvs_type_names[i].type == type) return fk_nvs_type_names[i].name;
    return NULL;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

uint8_t fk_nvs_int_type_by_name(const char *name)
{
    for (unsigned i = 0; i < fk_nvs_type_name_count; i++) {
        uint8_t t = fk_nvs_type_names[i].type;
        if (!fk_nvs_type_int_size(t)) continue;
        const char *a = fk_nvs_type_names[i].name, *b = name;
        while (*a && lower((unsigned char)*b) == *a) a++, b++;
        if (!*a && !*b) return t;
    }
    return 0;
}

bool fk_nvs_entry_same_slot(const fk_nvs_entry_t *a, const fk_nvs_entry_t *b)
{
    return a->ns == b->ns && a->chunk == b->chunk && strncmp(a->key, b->key, NVS_KEY_MAX) == 0;
}

bool fk_nvs_blob_idx_owns(const fk_nvs_entry_t *idx, const fk_nvs_entry_t *chunk)
{
    unsigned start = fk_nvs_blob_idx_start(idx);
    return idx->ns == chunk->ns && strncmp(idx->key, chunk->key, NVS_KEY_MAX) == 0 &&
           chunk->chunk >= start && chunk->chunk < start + fk_nvs_blob_idx_count(idx);
}

uint32_t fk_nvs_hash24_v1(const fk_nvs_entry_t *e)
{
    const uint8_t *b = (const uint8_t *)e;
    uint32_t crc = fk_crc32_le(0xFFFFFFFFu, b, 1);
    return fk_crc32_le(crc, b + 8, 16) & 0xFFFFFFu;
}

uint32_t fk_nvs_hash24_v2(const fk_nvs_entry_t *e)
{
    const uint8_t *b = (const uint8_t *)e;
    uint32_t crc = fk_crc32_le(0xFFFFFFFFu, b, 1);
    crc = fk_crc32_le(crc, b + 8, 16);
    return fk_crc32_le(crc, b + 3, 1) & 0xFFFFFFu;
}

bool fk_nvs_hash_collide(const fk_nvs_entry_t *a, const fk_nvs_entry_t *b, bool v1_runtime)
{
    if (fk_nvs_entry_same_slot(a, b)) return false;
    if (fk_nvs_hash24_v2(a) == fk_nvs_hash24_v2(b)) return true;
    if (!v1_runtime) return false;
    /* The v1 runtime knows no chunks: a blob's index and chunks share its
     * v1 hash, and it never reads them as one page's items anyway. */
    return a->chunk == NVS_CHUNK_ANY && b->chunk == NVS_CHUNK_ANY && fk_nvs_hash24_v1(a) == fk_nvs_hash24_v1(b);
}
