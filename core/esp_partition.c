#include "esp_partition.h"

#include <string.h>
#include "fk_hash.h"

esp_err_t fk_ptable_load(fk_ptable_t *t, fk_flash_t *flash, uint32_t offset, unsigned flags)
{
    if (!t || !flash) return ESP_ERR_INVALID_ARG;
    memset(t, 0, sizeof *t);
    t->flash = flash;
    t->offset = offset;

    fk_md5_t md5;
    if (flags & FK_PT_VERIFY_MD5) fk_md5_start(&md5);
    bool md5_seen = false;
    /* Row by row: a 3 KiB buffer would not fit an ESP8266 task's stack. */
    for (uint32_t i = 0; i < FK_PART_MAX_ROWS; i++) {
        uint8_t row[FK_PART_ROW_SIZE];
        esp_err_t err = fk_flash_read(flash, offset + i * FK_PART_ROW_SIZE, row, sizeof row);
        if (err != ESP_OK) return err;
        if (fk_part_row_is_end(row)) {
            if (flags & FK_PT_VERIFY_MD5) fk_md5_finish(&md5, row); /* releases the context */
            return ESP_OK;
        }
        fk_part_entry_t e;
        if (fk_part_entry_decode(row, &e)) {
            if (md5_seen) return ESP_ERR_INVALID_STATE; /* entries after the MD5 row */
            if (e.offset > flash->size || e.size > flash->size - e.offset) return ESP_ERR_INVALID_SIZE;
            if (t->count >= FK_PARTITION_MAX) return ESP_ERR_NO_MEM;
            if (flags & FK_PT_VERIFY_MD5) fk_md5_update(&md5, row, sizeof row);
            esp_partition_t *p = &t->part[t->count++];
            p->type = (esp_partition_type_t)e.type;
            p->subtype = (esp_partition_subtype_t)e.subtype;
            p->address = e.offset;
            p->size = e.size;
            memcpy(p->label, e.label, sizeof p->label);
            p->encrypted = (e.flags & FK_PART_FLAG_ENCRYPTED) != 0;
            p->flash = flash;
            continue;
        }
        if (fk_part_row_magic_is(row, FK_PART_MD5_MAGIC)) {
            /* The ESP8266 bootloader accepts and skips this row unchecked. */
            if (flags & FK_PT_VERIFY_MD5) {
                uint8_t digest[16];
                if (md5_seen) return ESP_ERR_INVALID_STATE;
                fk_md5_finish(&md5, digest);
                if (memcmp(digest, fk_part_md5_row_digest(row), 16) != 0) return ESP_ERR_INVALID_CRC;
                fk_md5_start(&md5);
            }
            md5_seen = true;
            continue;
        }
        if (flags & FK_PT_VERIFY_MD5) fk_md5_finish(&md5, row);
        return ESP_ERR_INVALID_STATE; /* invalid magic number */
    }
    if (flags & FK_PT_VERIFY_MD5) {
        uint8_t digest[16];
        fk_md5_finish(&md5, digest);
    }
    return ESP_ERR_INVALID_STATE; /* no end-of-table row */
}

/* ---- the table behind the ESP-IDF API ---- */

static fk_ptable_t *current;
static fk_ptable_t default_table;

void fk_partition_set_table(fk_ptable_t *t)
{
    current = t;
}

esp_err_t fk_partition_init(fk_flash_t *flash, uint32_t offset)
{
    esp_err_t err = fk_ptable_load(&default_table, flash, offset, 0);
    current = err == ESP_OK ? &default_table : NULL;
    return err;
}

/* Iterators come from a small fixed pool: no heap on the device. 36 bytes
 * each on the ESP8266; the core itself holds at most one at a time (the
 * rest are the application's, released after use as in ESP-IDF). */
#ifndef FK_PARTITION_ITERATORS
#define FK_PARTITION_ITERATORS 4
#endif

struct esp_partition_iterator_opaque_ {
    const fk_ptable_t *table;
    int index; /* of the current match */
    int type, subtype;
    char label[FK_PART_LABEL_LEN + 1];
    bool has_label, used;
};

static struct esp_partition_iterator_opaque_ iterators[FK_PARTITION_ITERATORS];

static bool matches(const struct esp_partition_iterator_opaque_ *it, const esp_partition_t *p)
{
    if (it->type != ESP_PARTITION_TYPE_ANY && (int)p->type != it->type) return false;
    if (it->subtype != ESP_PARTITION_SUBTYPE_ANY && (int)p->subtype != it->subtype) return false;
    if (it->has_label && strncmp(it->label, p->label, sizeof p->label) != 0) return false;
    return true;
}

static int next_match(const struct esp_partition_iterator_opaque_ *it, int from)
{
    for (int i = from; i < it->table->count; i++)
        if (matches(it, &it->table->part[i])) return i;
    return -1;
}

esp_partition_iterator_t esp_partition_find(esp_partition_type_t type,
                                            esp_partition_subtype_t subtype, const char *label)
{
    if (!current) return NULL;
    struct esp_partition_iterator_opaque_ probe = {
        .table = current, .type = (int)type, .subtype = (int)subtype, .has_label = label != NULL};
    if (label) {
        strncpy(probe.label, label, sizeof probe.label - 1);
        probe.label[sizeof probe.label - 1] = 0;
    }
    int first = next_match(&probe, 0);
    if (first < 0) return NULL;
    for (int i = 0; i < FK_PARTITION_ITERATORS; i++) {
        if (!iterators[i].used) {
            iterators[i] = probe;
            iterators[i].index = first;
            iterators[i].used = true;
            return &iterators[i];
        }
    }
    return NULL; /* pool exhausted: callers leaked iterators */
}

const esp_partition_t *esp_partition_get(esp_partition_iterator_t it)
{
    if (!it || !it->used || it->index < 0) return NULL;
    return &it->table->part[it->index];
}

esp_partition_iterator_t esp_partition_next(esp_partition_iterator_t it)
{
    if (!it || !it->used) return NULL;
    int n = next_match(it, it->index + 1);
    if (n < 0) {
        esp_partition_iterator_release(it);
        return NULL;
    }
    it->index = n;
    return it;
}

void esp_partition_iterator_release(esp_partition_iterator_t it)
{
    if (it) it->used = false;
}

const esp_partition_t *esp_partition_find_first(esp_partition_type_t type,
                                                esp_partition_subtype_t subtype, const char *label)
{
    esp_partition_iterator_t it = esp_partition_find(type, subtype, label);
    const esp_partition_t *p = esp_partition_get(it);
    esp_partition_iterator_release(it);
    return p;
}

const esp_partition_t *esp_partition_verify(const esp_partition_t *partition)
{
    if (!partition || !current) return NULL;
    for (int i = 0; i < current->count; i++) {
        const esp_partition_t *p = &current->part[i];
        if (p->type == partition->type && p->subtype == partition->subtype &&
            p->address == partition->address && p->size == partition->size &&
            strncmp(p->label, partition->label, sizeof p->label) == 0)
            return p;
    }
    return NULL;
}

static esp_err_t check_range(const esp_partition_t *p, size_t offset, size_t size)
{
    if (!p || !p->flash) return ESP_ERR_INVALID_ARG;
    if (offset > p->size) return ESP_ERR_INVALID_ARG;
    if (size > p->size - offset) return ESP_ERR_INVALID_SIZE;
    return ESP_OK;
}

esp_err_t esp_partition_read(const esp_partition_t *p, size_t src_offset, void *dst, size_t size)
{
    if (!dst && size) return ESP_ERR_INVALID_ARG;
    esp_err_t err = check_range(p, src_offset, size);
    if (err != ESP_OK) return err;
    return fk_flash_read(p->flash, p->address + (uint32_t)src_offset, dst, size);
}

esp_err_t esp_partition_write(const esp_partition_t *p, size_t dst_offset, const void *src, size_t size)
{
    if (!src && size) return ESP_ERR_INVALID_ARG;
    esp_err_t err = check_range(p, dst_offset, size);
    if (err != ESP_OK) return err;
    return fk_flash_write(p->flash, p->address + (uint32_t)dst_offset, src, size);
}

esp_err_t esp_partition_erase_range(const esp_partition_t *p, size_t offset, size_t size)
{
    esp_err_t err = check_range(p, offset, size);
    if (err != ESP_OK) return err;
    if (offset % SPI_FLASH_SEC_SIZE || size % SPI_FLASH_SEC_SIZE) return ESP_ERR_INVALID_ARG;
    if ((p->address + offset) % SPI_FLASH_SEC_SIZE) return ESP_ERR_INVALID_ARG;
    return fk_flash_erase_range(p->flash, p->address + (uint32_t)offset, (uint32_t)size);
}
