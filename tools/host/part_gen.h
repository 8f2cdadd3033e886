/* Host side of partition tables: gen_esp32part.py-compatible CSV parsing,
 * auto placement, verification, binary encode/decode, built-in tables.
 * Messages follow the reference tool's wording (spec partition-table.md). */
#ifndef FK_PART_GEN_H
#define FK_PART_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_partition.h"

#define FK_PART_GEN_MAX ((int)FK_PART_MAX_ROWS) /* 96: rows in the 0xC00-byte table */
#define FK_PART_APP_ALIGN 0x1000u /* where the tool places and checks app partitions */
#define FK_PART_DATA_ALIGN 4u

typedef struct {
    fk_part_entry_t e[FK_PART_GEN_MAX];
    int line[FK_PART_GEN_MAX]; /* CSV line of each row, 0 for binary input */
    int count;
} fk_part_list_t;

typedef struct {
    uint32_t table_offset; /* default 0x8000 */
    uint32_t flash_size;   /* 0 = not checked */
    bool md5;              /* write / expect the MD5 row (default true) */
    bool secure;
    bool verify;           /* default true */
    const char *name;      /* input file name used in messages */
} fk_part_opts_t;

void fk_part_opts_default(fk_part_opts_t *o);

/* Built-in SDK tables: "singleapp", "two_ota", "two_ota_1mb" (also the SDK
 * file names partitions_singleapp.csv, ...). Returns CSV text or NULL. */
const char *fk_part_builtin(const char *name);

/* CSV text -> rows, with auto placement and verification (unless !verify).
 * On error writes one line to err (e.g. "Error at line 3: ...") and returns -1. */
int fk_part_parse_csv(const char *text, const fk_part_opts_t *o, fk_part_list_t *out,
                      char *err, size_t errlen);
/* The same on a file's bytes, which must be text: a control byte other than
 * tab, CR and LF is an error naming its line (a NUL would end the text early). */
int fk_part_parse_csv_text(const char *text, size_t len, const fk_part_opts_t *o, fk_part_list_t *out,
                           char *err, size_t errlen);
/* Binary table (any length) -> rows, checking magic/MD5/end marker and then
 * verification. Same error convention. */
int fk_part_parse_bin(const uint8_t *bin, size_t len, const fk_part_opts_t *o,
                      fk_part_list_t *out, char *err, size_t errlen);
/* Table-wide checks (names, overlaps, alignment, flash size). */
int fk_part_verify(const fk_part_list_t *l, const fk_part_opts_t *o, char *err, size_t errlen);
/* Rows -> the 3072-byte binary table. Fails if too many rows. */
int fk_part_to_bin(const fk_part_list_t *l, const fk_part_opts_t *o,
                   uint8_t out[FK_PART_TABLE_SIZE], char *err, size_t errlen);
/* Rows -> CSV text as gen_esp32part.py prints it (malloc'd). */
char *fk_part_to_csv(const fk_part_list_t *l);

/* Reads a table from a CSV file, a binary file ("-" = stdin), or a built-in
 * name; *binary_in tells which kind it was. Status lines go to stderr unless quiet. */
int fk_part_load_input(const char *path_or_name, const fk_part_opts_t *o, fk_part_list_t *out,
                       bool *binary_in, bool quiet, char *err, size_t errlen);
/* The same, quietly. */
int fk_part_load_any(const char *path_or_name, const fk_part_opts_t *o, fk_part_list_t *out,
                     char *err, size_t errlen);

/* Finders over the rows (first match in table order, NULL if none). */
const fk_part_entry_t *fk_part_list_find(const fk_part_list_t *l, int type, int subtype);
/* The partition labelled `label`, else the app partition whose subtype has
 * that name (factory, test, ota_N): how users name a slot. */
const fk_part_entry_t *fk_part_list_find_label(const fk_part_list_t *l, const char *label);

/* Internal to the part_*.c files: printf into err. */
void fk_part_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
