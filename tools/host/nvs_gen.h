/* NVS partition image generator: CSV rows → items → pages, laid out exactly
 * as ESP8266_RTOS_SDK master's nvs_partition_gen.py does (spec nvs.md §10). */
#ifndef FK_NVS_GEN_H
#define FK_NVS_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "nvs_csv.h"

/* Generates an NVS partition image from a CSV file, exactly as `flashkit nvs gen`.
 * version: 1 or 2. On success *image is a malloc'd buffer of `size` bytes and 0 is returned;
 * on error writes a one-line message (file:line: reason) into err and returns -1. */
int fk_nvs_gen_file(const char *csv_path, uint32_t size, int version, uint8_t **image, char *err, size_t errlen);

/* Same from CSV text already in memory. `name` is used in messages, `base_dir`
 * is where relative `file` paths are resolved (NULL = current directory). */
int fk_nvs_gen_text(const char *text, size_t len, const char *name, const char *base_dir, uint32_t size,
                    int version, uint8_t **image, char *err, size_t errlen);

/* Checks a partition size the way the reference does: multiple of 4096 and at
 * least 0x3000. Returns 0, or -1 with a message in err. */
int fk_nvs_check_size(uint32_t size, char *err, size_t errlen);

/* One value ready to be laid out. */
typedef enum { FK_NVS_NAMESPACE, FK_NVS_INT, FK_NVS_STRING, FK_NVS_BLOB } fk_nvs_kind_t;

typedef struct {
    fk_nvs_kind_t kind;
    uint8_t type;        /* NVS_ITEM_* of an integer */
    uint8_t ns;          /* namespace index; for FK_NVS_NAMESPACE the index it defines */
    char key[16];        /* at most 15 bytes + NUL */
    uint64_t ival;       /* integer bits (two's complement for signed types) */
    const uint8_t *data; /* string bytes including the NUL, or blob bytes */
    size_t len;
    int line;            /* CSV line, for messages */
} fk_nvs_item_t;

/* Converts parsed rows into items: namespaces get indices, values are decoded,
 * files read (relative to base_dir). Item data points into out->arena or
 * into the rows' text, so keep `rows` until the items are no longer used. */
typedef struct {
    fk_nvs_item_t *items;
    size_t n;
    uint8_t *arena;
    size_t arena_len, arena_cap;
} fk_nvs_items_t;
int fk_nvs_rows_to_items(const fk_csv_rows_t *rows, const char *name, const char *base_dir, int version,
                         fk_nvs_items_t *out, char *err, size_t errlen);
void fk_nvs_items_free(fk_nvs_items_t *it);

/* A repeated namespace name gets a second namespace entry and a new index, as
 * the SDK tool writes it (a device only ever opens the first, so the rows
 * after it are unreachable; warned about): `nvs encrypt` and the SDK-syntax
 * commands are byte-identical to the SDK tool. Without it the generator
 * switches back to the namespace's first index (docs/nvs-csv.md). */
#define FK_NVS_GEN_SDK_NAMESPACES 1u
int fk_nvs_rows_to_items_ex(const fk_csv_rows_t *rows, const char *name, const char *base_dir, int version,
                            unsigned flags, fk_nvs_items_t *out, char *err, size_t errlen);
int fk_nvs_gen_text_ex(const char *text, size_t len, const char *name, const char *base_dir, uint32_t size,
                       int version, unsigned flags, uint8_t **image, char *err, size_t errlen);
int fk_nvs_gen_file_ex(const char *csv_path, uint32_t size, int version, unsigned flags, uint8_t **image,
                       char *err, size_t errlen);

/* A whole file into a malloc'd buffer, refusing more than 64 MiB (an endless
 * input such as /dev/zero). 0, or -1 with errno; prints nothing. */
int fk_nvs_read_whole(const char *path, uint8_t **data, size_t *len);

/* Lays the items out into image (size bytes, filled completely). Returns 0,
 * or -1 with "name: reason" in err when the data does not fit. */
int fk_nvs_layout(const fk_nvs_item_t *items, size_t n, const char *name, uint32_t size, int version,
                  uint8_t *image, char *err, size_t errlen);

/* SIZE as the reference reads it (Python int(x, 0): 0x/0o/0b, '_' between
 * digits), plus k/M suffixes. 0, or -1 if it is not a 32-bit size. */
int fk_nvs_parse_size(const char *s, uint32_t *out);
/* "1", "2", "v1", "v2" -> 1 or 2. 0, or -1 if it is none of these. */
int fk_nvs_parse_version(const char *s, int *v);

#endif
