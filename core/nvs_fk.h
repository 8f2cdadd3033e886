/* flashkit extensions to the NVS API: mounting a bare flash region with a
 * caller-provided workspace, choosing the format version of an empty
 * partition, read-only mounts, and diagnostics. */
#ifndef NVS_FK_H
#define NVS_FK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "fk_flash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A second byte of hash per entry (1) or not (0): lookups then read flash
 * for one other key in 65,000 instead of one in 255 (about 2.4 us of a
 * 394 us u32 set on an ESP8266 at 100 keys, docs/device-time.md), for 126
 * more bytes of RAM per page. */
#ifndef FK_NVS_WIDE_TAGS
#define FK_NVS_WIDE_TAGS 0
#endif

/* RAM needed per 4 KiB page of a mounted partition; the workspace for N pages
 * is NVS_WORKSPACE_SIZE(N) bytes (plus up to 3 bytes if it is not 4-aligned). */
#if FK_NVS_WIDE_TAGS
#define NVS_WORKSPACE_PER_PAGE 300u
#else
#define NVS_WORKSPACE_PER_PAGE 172u
#endif
#define NVS_WORKSPACE_SIZE(pages) ((size_t)(pages) * NVS_WORKSPACE_PER_PAGE + 4u)

/* The static workspace behind nvs_flash_init()/nvs_flash_init_partition()
 * (and nvs_flash_init_region() without a workspace) holds this many pages in
 * all, shared by the partitions mounted that way (SDK tables use 4-6 pages).
 * RAM: NVS_WORKSPACE_PER_PAGE (172) bytes a page, 2,752 with the default 16
 * (a 64 KiB NVS partition, or several small ones, mounts without a caller's
 * workspace); a firmware whose table has one 6-page NVS partition sets 6
 * (1,032 bytes). */
#ifndef FK_NVS_DEFAULT_MAX_PAGES
#define FK_NVS_DEFAULT_MAX_PAGES 16
#endif
/* Partitions mounted at once, open handles and live iterators. */
#ifndef FK_NVS_MAX_PARTITIONS
#define FK_NVS_MAX_PARTITIONS 3
#endif
#ifndef FK_NVS_MAX_HANDLES
#define FK_NVS_MAX_HANDLES 16
#endif
#ifndef FK_NVS_MAX_ITERATORS
#define FK_NVS_MAX_ITERATORS 4
#endif
/* Wear levelling: a page that has sat through this many rounds of page
 * activations (rounds of the partition's page count) unerased is collected
 * next, even when another page would give more room, so that pages of
 * settings written once take their share of erases (0 = never, as ESP-IDF).
 * Each such collection copies that page's live items, so a short round
 * costs writes and erases on every set (docs/nvs-engine.md). */
#ifndef FK_NVS_WEAR_ROUNDS
#define FK_NVS_WEAR_ROUNDS 4
#endif
/* Format written to a partition that holds no pages yet: 1 (v1, page version
 * 0xFF, what ESP8266 RTOS SDK 3.x release firmware reads) or 2 (v2, 0xFE,
 * multi-page blobs; SDK master and ESP-IDF). A partition that already holds
 * pages keeps their format whatever is asked. */
#ifndef FK_NVS_DEFAULT_VERSION
#define FK_NVS_DEFAULT_VERSION 1
#endif

typedef struct {
    void *workspace;       /* NULL: the static default workspace */
    size_t workspace_size;
    uint8_t version;       /* 0: FK_NVS_DEFAULT_VERSION; 1 or 2 for an empty partition */
    bool read_only;        /* no writes at all, no free page needed (factory images) */
} nvs_fk_config_t;

/* Mounts `size` bytes at `offset` of `flash` under the name `label` (used by
 * nvs_open_from_partition & co.). cfg may be NULL (defaults). */
esp_err_t nvs_flash_init_region(const char *label, fk_flash_t *flash, uint32_t offset,
                                uint32_t size, const nvs_fk_config_t *cfg);
esp_err_t nvs_flash_erase_region(fk_flash_t *flash, uint32_t offset, uint32_t size);

typedef enum {
    NVS_FK_PAGE_EMPTY,     /* erased, free */
    NVS_FK_PAGE_CORRUPT,   /* free, erased again before reuse */
    NVS_FK_PAGE_PENDING,   /* current page, header not written yet */
    NVS_FK_PAGE_ACTIVE,
    NVS_FK_PAGE_FULL,
    NVS_FK_PAGE_FREEING,
} nvs_fk_page_state_t;

typedef struct {
    uint32_t index;   /* page number within the partition */
    uint32_t seq;
    nvs_fk_page_state_t state;
    uint8_t version;  /* header byte: 0xFF v1, 0xFE v2 */
    bool current;
    uint8_t written, erased, empty; /* entries */
} nvs_fk_page_info_t;

typedef struct {
    uint32_t page_count;
    uint32_t free_pages;       /* EMPTY + CORRUPT; one is always kept for GC */
    uint32_t format_version;   /* 1 or 2 */
    bool read_only;
    size_t written_entries;    /* live data, headers included */
    size_t erased_entries;     /* dead, reclaimable by garbage collection */
    size_t empty_entries;      /* never written, on used pages */
    size_t usable_entries;     /* what new data can still take (all pages but the reserved one) */
    size_t max_item_bytes;     /* largest string / single-page blob writable now */
    size_t max_blob_bytes;     /* largest blob the format allows here */
    size_t workspace_bytes;
} nvs_fk_diag_t;

/* Fills *out, and up to max_pages entries of pages[] (may be NULL) in
 * address order. */
esp_err_t nvs_fk_get_diag(const char *part_name, nvs_fk_diag_t *out,
                          nvs_fk_page_info_t *pages, size_t max_pages);

#ifdef __cplusplus
}
#endif

#endif
