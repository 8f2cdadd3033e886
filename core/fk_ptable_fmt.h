/* The partition table's bytes (spec partition-table.md §2, §4): the 32-byte
 * entry, the MD5 row, the end row, and the type/subtype names. The one
 * decoder and encoder: the device's loader (esp_partition.c) and the host's
 * `partition gen/show` both go through it. */
#ifndef FK_PTABLE_FMT_H
#define FK_PTABLE_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FK_PART_TABLE_SIZE 0xC00u       /* bytes read/written at the table offset */
#define FK_PART_TABLE_SECTOR 0x1000u    /* the table owns this much flash; partitions start after it */
#define FK_PART_ROW_SIZE 32u
#define FK_PART_MAX_ROWS (FK_PART_TABLE_SIZE / FK_PART_ROW_SIZE) /* 96 */
#define FK_PART_MAGIC 0x50AAu           /* bytes AA 50 */
#define FK_PART_MD5_MAGIC 0xEBEBu       /* bytes EB EB */
#define FK_PART_END_MAGIC 0xFFFFu       /* erased flash */
#define FK_PART_MD5_DIGEST_AT 16u       /* the MD5 row: magic, 14 x FF, the digest */
#define FK_PART_LABEL_LEN 16u
#define FK_PART_FLAG_ENCRYPTED 0x1u
#define FK_PART_DEFAULT_OFFSET 0x8000u
#define FK_PART_TYPE_APP 0x00u
#define FK_PART_TYPE_DATA 0x01u

typedef struct {
    uint8_t type;
    uint8_t subtype;
    uint32_t offset;
    uint32_t size;
    char label[FK_PART_LABEL_LEN + 1]; /* NUL-terminated; 16 bytes on flash, no terminator if full */
    uint32_t flags;
} fk_part_entry_t;

void fk_part_entry_encode(const fk_part_entry_t *e, uint8_t row[FK_PART_ROW_SIZE]);
/* Returns false if the row's magic is not AA 50. */
bool fk_part_entry_decode(const uint8_t row[FK_PART_ROW_SIZE], fk_part_entry_t *e);

/* The row's first two bytes, the magic of every kind of row. */
bool fk_part_row_magic_is(const uint8_t *row, uint16_t magic);
/* The bootloader's end test: magic FF FF with type and subtype FF. */
bool fk_part_row_is_end(const uint8_t row[FK_PART_ROW_SIZE]);
/* All 32 bytes 0xFF: the end marker as the host tool reads it. */
bool fk_part_row_is_erased(const uint8_t row[FK_PART_ROW_SIZE]);

/* The MD5 row over the entry rows before it. */
void fk_part_md5_row_encode(uint8_t row[FK_PART_ROW_SIZE], const uint8_t digest[16]);
static inline const uint8_t *fk_part_md5_row_digest(const uint8_t row[FK_PART_ROW_SIZE])
{
    return row + FK_PART_MD5_DIGEST_AT;
}

/* Names of types and subtypes as the CSV spells them (§4). */
typedef struct {
    const char *name;
    uint8_t value;
} fk_part_name_t;

/* "app", "data", or NULL for a custom type. */
const char *fk_part_type_keyword(uint8_t type);
/* The subtype names of a type, in the reference tool's order (its "Known
 * keywords" list); NULL with *n = 0 for a type without names. */
const fk_part_name_t *fk_part_subtype_names(uint8_t type, size_t *n);
/* The name of one subtype, or NULL. */
const char *fk_part_subtype_keyword(uint8_t type, uint8_t subtype);

#ifdef __cplusplus
}
#endif

#endif
