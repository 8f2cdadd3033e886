/* NVS engine internals shared by fk_nvs_page.c, fk_nvs_gc.c, fk_nvs_items.c,
 * fk_nvs_mount.c and the public API (nvs_api.c). Not part of the API. */
#ifndef FK_NVS_PRIV_H
#define FK_NVS_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "esp_err.h"
#include "fk_flash.h"
#include "fk_nvs_read.h"
#include "fk_nvs_format.h"
#include "nvs.h"
#include "nvs_fk.h"

/* RAM page states (the flash state word is derived from these). PENDING is a
 * page chosen as the current page whose header is not written yet: ESP-IDF
 * writes the header only with the first item. */
enum { PS_FREE = 0, PS_CORRUPT, PS_PENDING, PS_ACTIVE, PS_FULL, PS_FREEING };

#define FK_NVS_TAG_NONE 0xFFu /* entry is not a live item header */
#define FK_NVS_NO_PAGE 0xFFFFu

/* Per page RAM state: the bitmap mirror plus a one-byte hash ("tag") per
 * entry, so lookups read flash only for likely matches. */
typedef struct {
    uint32_t seq;
    uint8_t state;
    uint8_t version;
    uint8_t next_free; /* first entry never written (126 = none) */
    uint8_t used;      /* WRITTEN entries */
    uint8_t erased;    /* ERASED entries */
    uint8_t chunks;    /* BLOB_DATA items seen by the last load (orphan check) */
    uint8_t bitmap[32];
    uint8_t tag[NVS_ENTRY_COUNT];
#if FK_NVS_WIDE_TAGS
    uint8_t tag2[NVS_ENTRY_COUNT]; /* 8 more bits of the tag's hash */
#endif
} fk_nvs_page_t;

_Static_assert(sizeof(fk_nvs_page_t) + 2 * sizeof(uint16_t) <= NVS_WORKSPACE_PER_PAGE,
               "NVS_WORKSPACE_PER_PAGE too small");

typedef struct fk_nvs_part {
    bool in_use;
    bool read_only;
    bool uses_default_ws;
    uint16_t ws_first; /* first slot taken in the default workspace */
    char label[17];
    fk_flash_t *flash;
    uint32_t base;
    uint16_t npages;
    uint8_t version;    /* NVS_VERSION_V1 or NVS_VERSION_V2 */
    uint16_t cur;       /* current page index, FK_NVS_NO_PAGE if none */
    uint32_t next_seq;
    uint32_t gc_count;  /* bumps when a GC moved items */
    uint16_t nused, nfree;
    fk_nvs_page_t *pg;
    uint16_t *used;     /* page indices, ascending sequence number */
    uint16_t *freel;    /* page indices of free pages, address order */
    uint8_t ns_used[32]; /* namespace indices in use (bit set) */
    /* One byte of hash per entry of page hsig_page, the current page
     * (issue 12, fk_nvs_page_collides): with the tags, most writes know
     * without reading flash that they collide with nothing there. A mount
     * uses the bytes as a scratch filter. */
    uint16_t hsig_page;
    uint8_t hsig[NVS_ENTRY_COUNT];
} fk_nvs_part_t;

/* An item found on flash. */
typedef struct {
    uint16_t page;
    uint8_t idx;
    fk_nvs_entry_t e;
} fk_nvs_loc_t;

/* ---- fk_nvs_page.c: one page ---- */
/* The tag (low byte) and the second tag byte (FK_NVS_WIDE_TAGS; 0 without)
 * from one hash. */
unsigned fk_nvs_tags(uint8_t ns, const char *key, uint8_t chunk);
/* Does entry i of pg hold the second tag byte t2? (always, without) */
static inline bool fk_nvs_tag2_is(const fk_nvs_page_t *pg, unsigned i, uint8_t t2)
{
#if FK_NVS_WIDE_TAGS
    return pg->tag2[i] == t2;
#else
    (void)pg, (void)i, (void)t2;
    return true;
#endif
}
static inline void fk_nvs_tag2_set(fk_nvs_page_t *pg, unsigned i, uint8_t t2)
{
#if FK_NVS_WIDE_TAGS
    pg->tag2[i] = t2;
#else
    (void)pg, (void)i, (void)t2;
#endif
}
uint32_t fk_nvs_page_addr(const fk_nvs_part_t *p, uint16_t page);
esp_err_t fk_nvs_read_entry(fk_nvs_part_t *p, uint16_t page, unsigned idx, fk_nvs_entry_t *e);
esp_err_t fk_nvs_page_set_state(fk_nvs_part_t *p, uint16_t page, uint32_t state);
/* Marks entries [from, from+n) with `st` in RAM and on flash (highest word first). */
esp_err_t fk_nvs_bitmap_mark(fk_nvs_part_t *p, uint16_t page, unsigned from, unsigned n, unsigned st);
/* Erases an item (data entries first, then the header) and updates counters. */
/* Erases the item whose header entry is hdr (NULL: the one entry idx). */
esp_err_t fk_nvs_page_erase_item(fk_nvs_part_t *p, uint16_t page, unsigned idx, const fk_nvs_entry_t *hdr);
/* ACTIVE -> FULL (a pending page gets its header written as FULL). */
esp_err_t fk_nvs_page_mark_full(fk_nvs_part_t *p, uint16_t page);
/* Appends an item at next_free (writes the page header first if pending). */
esp_err_t fk_nvs_page_write_item(fk_nvs_part_t *p, uint16_t page, const fk_nvs_entry_t *hdr,
                              const void *data, uint32_t size);
/* Copies raw entries (an item as is) to the end of another page. */
esp_err_t fk_nvs_page_copy_item(fk_nvs_part_t *p, uint16_t dst, uint16_t src, unsigned idx,
                             unsigned span, uint8_t tag);
/* Would writing hdr on `page` leave two live items there that Espressif's
 * runtime takes for one (equal 24-bit hashes, other names)? Its mount erases
 * the older of such a pair on its active page. `known` (may be NULL) is an
 * item whose entry the caller holds, not read again. */
esp_err_t fk_nvs_page_collides(fk_nvs_part_t *p, uint16_t page, const fk_nvs_entry_t *hdr,
                               const fk_nvs_loc_t *known, bool *clash);
static inline void fk_nvs_hsig_forget(fk_nvs_part_t *p, uint16_t page)
{
    if (p->hsig_page == page) p->hsig_page = FK_NVS_NO_PAGE;
}
/* Loads a page's entry table (spec 9.2), with in-page recovery when writable. */
esp_err_t fk_nvs_page_load(fk_nvs_part_t *p, uint16_t page);
bool fk_nvs_entry_key_eq(const fk_nvs_entry_t *e, uint8_t ns, const char *key);
static inline unsigned fk_nvs_page_tail_entries(const fk_nvs_page_t *pg)
{
    if (pg->state == PS_PENDING || pg->state == PS_FREE) return NVS_ENTRY_COUNT;
    if (pg->state != PS_ACTIVE) return 0;
    return NVS_ENTRY_COUNT - pg->next_free;
}

/* Entries of a page that may hold items. */
static inline unsigned fk_nvs_items_end(const fk_nvs_page_t *pg)
{
    return pg->state == PS_ACTIVE ? pg->next_free
           : pg->state == PS_PENDING || pg->state == PS_FREE || pg->state == PS_CORRUPT
               ? 0
               : NVS_ENTRY_COUNT;
}

/* ---- fk_nvs_gc.c: pages of a partition ---- */
void fk_nvs_page_reset_ram(fk_nvs_page_t *pg, uint8_t state);
void fk_nvs_free_list_add(fk_nvs_part_t *p, uint16_t page);
void fk_nvs_used_list_remove(fk_nvs_part_t *p, uint16_t page);
/* Takes the first free page as the new current page (header written lazily). */
esp_err_t fk_nvs_activate_free_page(fk_nvs_part_t *p);
/* Erases a page whose live items exist elsewhere and frees it. */
esp_err_t fk_nvs_retire_page(fk_nvs_part_t *p, uint16_t page);
esp_err_t fk_nvs_copy_live_items(fk_nvs_part_t *p, uint16_t dst, uint16_t src);
/* requestNewPage (spec 9.5) for an item of `need` entries. */
esp_err_t fk_nvs_request_new_page(fk_nvs_part_t *p, unsigned need);
/* Marks the current page FULL and requests a new one. */
esp_err_t fk_nvs_next_page(fk_nvs_part_t *p, unsigned need);
/* Largest variable-length payload one item can take now (diagnostics). */
uint32_t fk_nvs_max_item_bytes(const fk_nvs_part_t *p);

/* ---- fk_nvs_mount.c ---- */
esp_err_t fk_nvs_mount(fk_nvs_part_t *p, uint8_t want_version);

/* ---- fk_nvs_items.c: items of a partition ---- */
/* Finds an item: type NVS_ITEM_ANY matches any type; chunk must match
 * exactly (0xFF for everything but BLOB_DATA). `skip` (may be NULL) is a
 * location to pass over. */
esp_err_t fk_nvs_find(fk_nvs_part_t *p, uint8_t ns, uint8_t type, const char *key, uint8_t chunk,
                   const fk_nvs_loc_t *skip, fk_nvs_loc_t *out);
esp_err_t fk_nvs_erase_loc(fk_nvs_part_t *p, const fk_nvs_loc_t *loc);
/* Sets a fixed-size, string or single-page blob item (replacing any item
 * with that key, whatever its type). */
esp_err_t fk_nvs_store_item(fk_nvs_part_t *p, uint8_t ns, uint8_t type, const char *key,
                         const void *data, uint32_t size);
esp_err_t fk_nvs_store_blob(fk_nvs_part_t *p, uint8_t ns, const char *key, const void *data,
                         uint32_t size);
/* Reads a string or blob: *len in = buffer size, out = size. buf NULL = query. */
esp_err_t fk_nvs_load_var(fk_nvs_part_t *p, uint8_t ns, uint8_t type, const char *key, void *buf,
                       size_t *len);
esp_err_t fk_nvs_erase_key_any(fk_nvs_part_t *p, uint8_t ns, const char *key);
esp_err_t fk_nvs_erase_ns(fk_nvs_part_t *p, uint8_t ns);
/* Namespace index by name; create when asked. */
esp_err_t fk_nvs_ns_get(fk_nvs_part_t *p, const char *name, bool create, uint8_t *ns);
#endif
