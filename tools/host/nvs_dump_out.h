/* The outputs of `nvs dump` over a decoded image (nvs_dump_model.h): text,
 * JSON, a CSV for `nvs gen`, and the summary they share. */
#ifndef FK_NVS_DUMP_OUT_H
#define FK_NVS_DUMP_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nvs_dump_model.h"

/* Summary figures. The "largest" ones come from the device-side engine
 * itself: a copy of the image is mounted on an emulated flash and values of
 * growing size are written until the engine refuses (garbage collection and
 * the reserved page included, exactly as on the device). */
typedef struct {
    unsigned written, erased, empty, free_pages, used_pages, namespaces;
    bool writable;           /* the engine mounts the image read/write */
    const char *mount_error; /* why not */
    size_t largest_string;   /* bytes, NUL included */
    size_t largest_blob;
} summary_t;

void fk_nvs_dump_summarize(const dump_t *d, summary_t *s);
void fk_nvs_dump_text(FILE *f, const dump_t *d);
void fk_nvs_dump_json(FILE *f, const dump_t *d);
/* Items that could not be written as rows, or -1 when out of memory. */
int fk_nvs_dump_csv(FILE *f, const dump_t *d);

/* Shared by the outputs. */
const char *fk_nvs_dump_type_name(uint8_t type);
uint64_t fk_nvs_dump_int_bits(const fk_nvs_entry_t *e);
int64_t fk_nvs_dump_int_signed(const fk_nvs_entry_t *e);
void fk_nvs_dump_key(const fk_nvs_entry_t *e, char out[16]);

#endif
