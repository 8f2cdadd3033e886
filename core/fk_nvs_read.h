/* Reading NVS pages and entries with the engine's own validity rules (spec
 * nvs.md 9.1, 9.2). The one decoder behind the engine's mount and `nvs dump`:
 * whatever the dump says of a page or an entry is what the engine does. */
#ifndef FK_NVS_READ_H
#define FK_NVS_READ_H

#include <stdbool.h>
#include <stdint.h>
#include "esp_err.h"
#include "fk_flash.h"
#include "fk_nvs_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the engine makes of a page header. */
typedef enum {
    FK_NVS_PAGE_BLANK,       /* state 0xFFFFFFFF, whole sector erased: free */
    FK_NVS_PAGE_NOT_ERASED,  /* state 0xFFFFFFFF over written bytes: corrupt, erased before reuse */
    FK_NVS_PAGE_BAD_CRC,     /* header CRC wrong: corrupt */
    FK_NVS_PAGE_NEW_VERSION, /* version byte below 0xFE: the mount fails (NEW_VERSION_FOUND) */
    FK_NVS_PAGE_BAD_STATE,   /* CRC right, state CORRUPT or no known state: corrupt */
    FK_NVS_PAGE_ACTIVE,
    FK_NVS_PAGE_FULL,
    FK_NVS_PAGE_FREEING,
} fk_nvs_page_kind_t;

typedef struct {
    fk_nvs_page_kind_t kind;
    uint32_t state_word;
    uint32_t seq;
    uint8_t version;
    bool crc_ok;
} fk_nvs_page_hdr_t;

esp_err_t fk_nvs_read_page_header(fk_flash_t *flash, uint32_t page_addr, fk_nvs_page_hdr_t *out);
/* Pages the engine loads entries from (and gives a place in the sequence). */
static inline bool fk_nvs_page_loaded(fk_nvs_page_kind_t k)
{
    return k == FK_NVS_PAGE_ACTIVE || k == FK_NVS_PAGE_FULL || k == FK_NVS_PAGE_FREEING;
}

/* What the engine makes of an entry (or a run of entries) of a loaded page. */
typedef enum {
    FK_NVS_ENT_ITEM,         /* a valid item: entry CRC right, span fits, all entries WRITTEN */
    FK_NVS_ENT_ERASED,       /* an erased entry, or an erased item with its span */
    FK_NVS_ENT_ILLEGAL,      /* bitmap 0b01: marked ERASED */
    FK_NVS_ENT_HALF_WRITTEN, /* ACTIVE page, bitmap EMPTY over written bytes (a write cut
                                before its bitmap update): the run is marked ERASED */
    FK_NVS_ENT_BAD_CRC,      /* WRITTEN, entry CRC wrong: its header entry is marked ERASED */
    FK_NVS_ENT_BAD_SPAN,     /* WRITTEN, CRC right, span off the page or not the size's: header ERASED */
    FK_NVS_ENT_INCOMPLETE,   /* WRITTEN header whose span is not all WRITTEN: erased with its span */
    FK_NVS_ENT_BAD_KEY,      /* WRITTEN, CRC right, no NUL in the 16-byte key field (no engine
                                writes one: keys are 15 characters at most): header ERASED */
} fk_nvs_verdict_t;

typedef struct {
    unsigned idx;   /* first entry */
    unsigned span;  /* entries the verdict covers */
    unsigned state; /* bitmap state of the first entry */
    fk_nvs_verdict_t verdict;
    bool crc_ok;    /* entry CRC (not for HALF_WRITTEN) */
    bool known_type;
    fk_nvs_entry_t e;  /* the first entry's bytes */
} fk_nvs_ent_t;

#define FK_NVS_WALK_AHEAD 6u

/* A walk over one loaded page. bitmap is the caller's copy of the page's 32
 * bitmap bytes; the engine may mark entries in it at or before the last one
 * returned. */
typedef struct {
    fk_flash_t *flash;
    uint32_t page_addr;
    const uint8_t *bitmap;
    bool active;
    bool details;      /* also return ERASED and ILLEGAL entries (a dumper); the
                          engine leaves it false and reads no erased entry */
    bool tail_done;
    uint8_t i, limit;
    uint8_t next_free; /* after the walk: the engine's first free entry (ACTIVE pages) */
    /* Entries read ahead: one read of 6 entries costs an ESP8266 less than
     * half of six reads of one (flash_timing.h), and pages of one-entry items
     * are the common case. 6, not more: the walk sits on the mount's stack
     * (1 KiB budget on the lx106 with the encrypted layer). */
    uint8_t ahead;     /* entries the next read may take */
    uint8_t cache_at, cache_n;
    uint8_t cache[FK_NVS_WALK_AHEAD * NVS_ENTRY_SIZE];
} fk_nvs_walk_t;

void fk_nvs_walk_init(fk_nvs_walk_t *w, fk_flash_t *flash, uint32_t page_addr,
                      const uint8_t bitmap[32], bool active);
/* The next entry or run the engine sees; ESP_ERR_NOT_FOUND when the page is done. */
esp_err_t fk_nvs_walk_next(fk_nvs_walk_t *w, fk_nvs_ent_t *out);

/* Entries a valid header spans as the engine counts them: varlen types by
 * their size, known fixed types 1, unknown types their span field. */
/* Do a partition's entries, read through `entries`, look like NVS entries?
 * Looks at the first few WRITTEN entries of each page with a valid
 * header (read through `raw`: headers and bitmaps are never encrypted):
 * ESP_OK as soon as one passes its entry CRC, or if there is none to look
 * at; ESP_ERR_NOT_FOUND if every one looked at fails, as an encrypted
 * partition read without its keys (or with the wrong ones) does. */
esp_err_t fk_nvs_entries_legible(fk_flash_t *raw, fk_flash_t *entries, uint32_t base, uint32_t size);
unsigned fk_nvs_item_span(const fk_nvs_entry_t *e);
bool fk_nvs_type_known(uint8_t type);
/* Data CRC of a variable-length item against its payload (size bytes). */
bool fk_nvs_data_crc_ok(const fk_nvs_entry_t *e, const uint8_t *payload);

#ifdef __cplusplus
}
#endif

#endif
