#include "fk_ptable_fmt.h"

#include <string.h>
#include "fk_le.h"

#define ROW_TYPE 2
#define ROW_SUBTYPE 3
#define ROW_OFFSET 4
#define ROW_SIZE_FIELD 8
#define ROW_LABEL 12
#define ROW_FLAGS 28

void fk_part_entry_encode(const fk_part_entry_t *e, uint8_t row[FK_PART_ROW_SIZE])
{
    fk_put_le16(row, FK_PART_MAGIC);
    row[ROW_TYPE] = e->type;
    row[ROW_SUBTYPE] = e->subtype;
    fk_put_le32(row + ROW_OFFSET, e->offset);
    fk_put_le32(row + ROW_SIZE_FIELD, e->size);
    memset(row + ROW_LABEL, 0, FK_PART_LABEL_LEN);
    size_t n = strlen(e->label);
    memcpy(row + ROW_LABEL, e->label, n > FK_PART_LABEL_LEN ? FK_PART_LABEL_LEN : n);
    fk_put_le32(row + ROW_FLAGS, e->flags);
}

bool fk_part_entry_decode(const uint8_t row[FK_PART_ROW_SIZE], fk_part_entry_t *e)
{
    if (!fk_part_row_magic_is(row, FK_PART_MAGIC)) return false;
    e->type = row[ROW_TYPE];
    e->subtype = row[ROW_SUBTYPE];
    e->offset = fk_le32(row + ROW_OFFSET);
    e->size = fk_le32(row + ROW_SIZE_FIELD);
    memcpy(e->label, row + ROW_LABEL, FK_PART_LABEL_LEN);
    e->label[FK_PART_LABEL_LEN] = 0;
    e->flags = fk_le32(row + ROW_FLAGS);
    return true;
}

bool fk_part_row_magic_is(const uint8_t *row, uint16_t magic)
{
    return fk_le16(row) == magic;
}

bool fk_part_row_is_end(const uint8_t row[FK_PART_ROW_SIZE])
{
    return fk_part_row_magic_is(row, FK_PART_END_MAGIC) && row[ROW_TYPE] == 0xFF && row[ROW_SUBTYPE] == 0xFF;
}

bool fk_part_row_is_erased(const uint8_t row[FK_PART_ROW_SIZE])
{
    for (unsigned i = 0; i < FK_PART_ROW_SIZE; i++)
        if (row[i] != 0xFF) return false;
    return true;
}

void fk_part_md5_row_encode(uint8_t row[FK_PART_ROW_SIZE], const uint8_t digest[16])
{
    memset(row, 0xFF, FK_PART_ROW_SIZE);
    fk_put_le16(row, FK_PART_MD5_MAGIC);
    memcpy(row + FK_PART_MD5_DIGEST_AT, digest, 16);
}

static const fk_part_name_t app_names[] = {
    {"factory", 0x00}, {"test", 0x20},   {"ota_0", 0x10},  {"ota_1", 0x11},  {"ota_2", 0x12},
    {"ota_3", 0x13},   {"ota_4", 0x14},  {"ota_5", 0x15},  {"ota_6", 0x16},  {"ota_7", 0x17},
    {"ota_8", 0x18},   {"ota_9", 0x19},  {"ota_10", 0x1a}, {"ota_11", 0x1b}, {"ota_12", 0x1c},
    {"ota_13", 0x1d},  {"ota_14", 0x1e}, {"ota_15", 0x1f},
};
static const fk_part_name_t data_names[] = {
    {"ota", 0x00},      {"phy", 0x01},      {"nvs", 0x02}, {"coredump", 0x03}, {"nvs_keys", 0x04},
    {"efuse", 0x05},    {"esphttpd", 0x80}, {"fat", 0x81}, {"spiffs", 0x82},
};

const char *fk_part_type_keyword(uint8_t type)
{
    return type == FK_PART_TYPE_APP ? "app" : type == FK_PART_TYPE_DATA ? "data" : NULL;
}

const fk_part_name_t *fk_part_subtype_names(uint8_t type, size_t *n)
{
    if (type == FK_PART_TYPE_APP) {
        *n = sizeof app_names / sizeof app_names[0];
        return app_names;
    }
    if (type == FK_PART_TYPE_DATA) {
        *n = sizeof data_names / sizeof data_names[0];
        return data_names;
    }
    *n = 0;
    return NULL;
}

const char *fk_part_subtype_keyword(uint8_t type, uint8_t subtype)
{
    size_t n;
    const fk_part_name_t *t = fk_part_subtype_names(type, &n);
    for (size_t i = 0; i < n; i++)
        if (t[i].value == subtype) return t[i].name;
    return NULL;
}
