/* NVS on-flash format (spec nvs.md §1-8): pages, entries, CRCs. Shared by
 * the device engine (nvs_*.c) and the host generator/dumper (tools/nvs_*). */
#ifndef FK_NVS_FORMAT_H
#define FK_NVS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fk_le.h"

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__cplusplus) && !defined(_Static_assert)
#define _Static_assert static_assert
#endif

#define NVS_PAGE_SIZE 4096u
#define NVS_ENTRY_SIZE 32u
#define NVS_ENTRY_COUNT 126u
#define NVS_FIRST_ENTRY_OFFSET 64u   /* header 0..31, bitmap 32..63 */
#define NVS_BITMAP_OFFSET 32u
#define NVS_KEY_MAX 15u              /* characters, plus NUL in the 16-byte field */

/* Page states (header word 0). */
#define NVS_PAGE_UNINITIALIZED 0xFFFFFFFFu
#define NVS_PAGE_ACTIVE 0xFFFFFFFEu
#define NVS_PAGE_FULL 0xFFFFFFFCu
#define NVS_PAGE_FREEING 0xFFFFFFF8u
#define NVS_PAGE_CORRUPT 0xFFFFFFF0u

/* Page format version byte (header offset 8). */
#define NVS_VERSION_V1 0xFFu /* single-page blobs (ESP8266 SDK 3.x release) */
#define NVS_VERSION_V2 0xFEu /* multi-page blobs */

/* Entry state, 2 bits per entry in the bitmap. */
#define NVS_ENTRY_EMPTY 0x3u
#define NVS_ENTRY_WRITTEN 0x2u
#define NVS_ENTRY_ERASED 0x0u
#define NVS_ENTRY_ILLEGAL 0x1u

/* Item types. */
#define NVS_ITEM_U8 0x01
#define NVS_ITEM_I8 0x11
#define NVS_ITEM_U16 0x02
#define NVS_ITEM_I16 0x12
#define NVS_ITEM_U32 0x04
#define NVS_ITEM_I32 0x14
#define NVS_ITEM_U64 0x08
#define NVS_ITEM_I64 0x18
#define NVS_ITEM_SZ 0x21
#define NVS_ITEM_BLOB 0x41      /* v1 single-page blob */
#define NVS_ITEM_BLOB_DATA 0x42 /* v2 blob chunk */
#define NVS_ITEM_BLOB_IDX 0x48  /* v2 blob index */
#define NVS_ITEM_ANY 0xFF

#define NVS_CHUNK_ANY 0xFFu
#define NVS_NS_ANY 0xFFu

#define NVS_V1_MAX_VARLEN 1984u /* 32 * (126/2 - 1) */
#define NVS_V2_MAX_VARLEN 4000u /* 32 * 125 */
/* A v2 blob has at most this many chunks (one per page; chunk indices of one
 * version run start..start+126 within 0x00..0x7E or 0x80..0xFE). */
#define NVS_BLOB_MAX_CHUNKS 127u
#define NVS_BLOB_START_FLIP 0x80u /* chunkStart alternates 0x00 / 0x80 per rewrite */

/* Largest v2 blob a partition of `pages` pages can hold (one page stays free). */
static inline uint32_t fk_nvs_blob_max_bytes(uint32_t pages)
{
    uint32_t chunks = pages > 1 ? pages - 1 : 0;
    if (chunks > NVS_BLOB_MAX_CHUNKS) chunks = NVS_BLOB_MAX_CHUNKS;
    return chunks * NVS_V2_MAX_VARLEN;
}

/* One 32-byte entry as laid out on flash. */
typedef struct {
    uint8_t ns;
    uint8_t type;
    uint8_t span;
    uint8_t chunk;
    uint32_t crc;
    char key[16];
    uint8_t data[8];
} fk_nvs_entry_t;

_Static_assert(sizeof(fk_nvs_entry_t) == 32, "fk_nvs_entry_t must be 32 bytes");

/* CRC of entry bytes 0..3 and 8..31 (spec §5). */
uint32_t fk_nvs_entry_crc(const fk_nvs_entry_t *e);
/* CRC of page header bytes 4..27; hdr is the first 32 bytes of a page. */
uint32_t fk_nvs_header_crc(const uint8_t hdr[32]);
/* Builds a 32-byte page header: state, seq, version, 0xFF reserved, CRC. */
void fk_nvs_header_build(uint8_t hdr[32], uint32_t state, uint32_t seq, uint8_t version);

/* Variable-length item helpers (SZ, BLOB, BLOB_DATA): data field layout. */
static inline bool fk_nvs_type_is_varlen(uint8_t t)
{
    return t == NVS_ITEM_SZ || t == NVS_ITEM_BLOB || t == NVS_ITEM_BLOB_DATA;
}
/* Size in bytes of a fixed-size integer type (low nibble), 0 otherwise. */
static inline unsigned fk_nvs_type_int_size(uint8_t t)
{
    switch (t) {
    case NVS_ITEM_U8: case NVS_ITEM_I8: return 1;
    case NVS_ITEM_U16: case NVS_ITEM_I16: return 2;
    case NVS_ITEM_U32: case NVS_ITEM_I32: return 4;
    case NVS_ITEM_U64: case NVS_ITEM_I64: return 8;
    default: return 0;
    }
}
/* Entries a variable-length item of `size` bytes spans, header included. */
static inline unsigned fk_nvs_varlen_span(uint32_t size)
{
    return 1u + (size + NVS_ENTRY_SIZE - 1) / NVS_ENTRY_SIZE;
}

/* Initialises an entry: key copied and NUL-filled, data all 0xFF, chunk as given. */
void fk_nvs_entry_init(fk_nvs_entry_t *e, uint8_t ns, uint8_t type, uint8_t span, uint8_t chunk,
                    const char *key);
/* Sets the data field of a varlen header: size, reserved 0xFFFF, data CRC. */
void fk_nvs_entry_set_varlen(fk_nvs_entry_t *e, uint16_t size, uint32_t data_crc);
/* Finishes an entry: computes and stores its CRC. */
void fk_nvs_entry_seal(fk_nvs_entry_t *e);

/* Bitmap access: bitmap is the 32 bytes at page offset 32. */
static inline unsigned fk_nvs_bitmap_get(const uint8_t bitmap[32], unsigned i)
{
    return (bitmap[i / 4] >> (2 * (i % 4))) & 3u;
}
static inline void fk_nvs_bitmap_set(uint8_t bitmap[32], unsigned i, unsigned state)
{
    unsigned sh = 2 * (i % 4);
    bitmap[i / 4] = (uint8_t)((bitmap[i / 4] & ~(3u << sh)) | ((state & 3u) << sh));
}

/* Type names as `nvs gen` CSVs, `nvs dump` and the simulated device spell
 * them: u8..i64, string (SZ), blob (v1 BLOB), blob_data, blob_index. */
typedef struct {
    uint8_t type;
    const char *name;
} fk_nvs_type_name_t;
extern const fk_nvs_type_name_t fk_nvs_type_names[];
extern const unsigned fk_nvs_type_name_count;
/* NULL for a type code this table does not hold. */
const char *fk_nvs_type_name(uint8_t type);
/* Type code of an integer type name (u8..i64, ASCII case ignored), 0 if none. */
uint8_t fk_nvs_int_type_by_name(const char *name);

/* Variable-length header fields: payload size and data CRC. */
static inline uint32_t fk_nvs_varlen_size(const fk_nvs_entry_t *e)
{
    return fk_le16(e->data);
}
static inline uint32_t fk_nvs_varlen_crc(const fk_nvs_entry_t *e)
{
    return fk_le32(e->data + 4);
}
/* BLOB_IDX fields. */
static inline uint32_t fk_nvs_blob_idx_size(const fk_nvs_entry_t *e)
{
    return fk_le32(e->data);
}
static inline uint8_t fk_nvs_blob_idx_count(const fk_nvs_entry_t *e)
{
    return e->data[4];
}
static inline uint8_t fk_nvs_blob_idx_start(const fk_nvs_entry_t *e)
{
    return e->data[5];
}
/* Does a BLOB_IDX claim this BLOB_DATA chunk (same namespace and key, chunk in its range)? */
bool fk_nvs_blob_idx_owns(const fk_nvs_entry_t *idx, const fk_nvs_entry_t *chunk);
/* Same namespace, key (15 characters) and chunk index: the slot one item holds. */
bool fk_nvs_entry_same_slot(const fk_nvs_entry_t *a, const fk_nvs_entry_t *b);

/* The 24-bit hash Espressif's runtime files items under (spec 9.7): CRC of
 * nsIndex, the 16 key bytes and (v2) chunkIndex. Its mount erases the older of
 * two items on the active page with equal hashes, names not compared. */
uint32_t fk_nvs_hash24_v1(const fk_nvs_entry_t *e);
uint32_t fk_nvs_hash24_v2(const fk_nvs_entry_t *e);
/* Would Espressif's runtime take a and b for one item? The v2 runtime (SDK
 * master, ESP-IDF) reads both formats; with v1_runtime, the SDK 3.x release
 * runtime's hash counts too (v1 partitions: it reads no chunks, so items
 * without a chunk index only). */
bool fk_nvs_hash_collide(const fk_nvs_entry_t *a, const fk_nvs_entry_t *b, bool v1_runtime);

#ifdef __cplusplus
}
#endif

#endif
