/* An NVS image as the engine sees it: pages and entries decoded by the core
 * reader (fk_nvs_read), plus what the engine's mount does across pages
 * (older copies, a cut garbage collection, orphan blob chunks). `nvs dump`
 * prints this; tests check it against the engine itself. */
#ifndef FK_NVS_DUMP_MODEL_H
#define FK_NVS_DUMP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fk_nvs_read.h"

/* One entry or item of a page, with the engine's verdict on it. */
typedef struct {
    uint32_t page;   /* physical page index */
    unsigned idx;    /* entry index in the page */
    unsigned span;   /* entries the verdict covers */
    unsigned estate; /* bitmap state of its first entry */
    fk_nvs_verdict_t verdict;
    fk_nvs_entry_t e;
    bool crc_ok;     /* entry CRC */
    bool known;      /* a type code this engine knows */
    bool data_ok;    /* data CRC (varlen items) */
    const uint8_t *payload;
    size_t plen;
    bool dup;            /* a copy lookups never reach: an earlier one is read */
    const char *dropped; /* a valid item the engine's mount erases: why */
} ditem_t;

typedef struct {
    uint32_t index, state, seq;
    uint8_t version;
    fk_nvs_page_kind_t kind;
    bool hdr_crc_ok, blank, loaded; /* loaded = the engine keeps its entries */
    const char *state_name;
    unsigned written, erased, empty;
    size_t first, n; /* items */
} dpage_t;

typedef struct {
    const char *name;
    const uint8_t *img;
    size_t size;
    uint32_t npages;
    dpage_t *pages;
    ditem_t *items;
    size_t nitems, icap;
    uint32_t *order; /* loaded pages in the engine's lookup order (after its mount) */
    uint32_t norder;
    char ns_names[256][16];
    bool ns_known[256];
    unsigned problems;
    unsigned repairs;  /* problems the engine's read/write mount repairs on flash */
    bool new_version;  /* a page the engine refuses (NEW_VERSION_FOUND) */
    int version;       /* 1 or 2: the format the engine keeps writing */
} dump_t;

/* Decodes img (size a multiple of 4096). 0, or -1 when out of memory. */
int fk_nvs_dump_load(dump_t *d, const char *name, const uint8_t *img, size_t size);
void fk_nvs_dump_free(dump_t *d);
/* An item lookups find: valid, on a loaded page, kept by the mount. */
bool fk_nvs_dump_live(const ditem_t *it);
/* The item a lookup of (ns, type, chunk, key) returns, NULL if none. */
const ditem_t *fk_nvs_dump_find(const dump_t *d, uint8_t ns, uint8_t type, uint8_t chunk, const char *key);
/* Headers and bitmaps of an encrypted NVS are plain, its entries are not: a
 * loaded page set whose WRITTEN entries (almost) all fail their CRC is
 * ciphertext (a plain entry passes with certainty, noise with 2^-32). *bad
 * and *written (either may be NULL) get the counts. */
bool fk_nvs_dump_looks_encrypted(const dump_t *d, unsigned *bad, unsigned *written);
/* A v2 blob's bytes from its index: malloc'ed into *out, NULL and a reason
 * when a chunk is missing or damaged. */
const char *fk_nvs_dump_blob(const dump_t *d, const ditem_t *idx, uint8_t **out, size_t *len);

#endif
