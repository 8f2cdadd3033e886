/* NVS partition mount: classifying pages with the core reader and the
 * cross-page recovery of spec nvs.md 9.1 and 9.3. */
#include <string.h>
#include "fk_nvs_read.h"
#include "fk_nvs_priv.h"

#define items_end fk_nvs_items_end

/* Pass 1 (spec 9.1): classify every page from its header. */
static esp_err_t classify_pages(fk_nvs_part_t *p)
{
    for (uint16_t page = 0; page < p->npages; page++) {
        fk_nvs_page_t *pg = &p->pg[page];
        fk_nvs_page_hdr_t h;
        fk_nvs_page_reset_ram(pg, PS_CORRUPT);
        pg->seq = 0;
        pg->version = 0xFF;
        esp_err_t err = fk_nvs_read_page_header(p->flash, fk_nvs_page_addr(p, page), &h);
        if (err != ESP_OK) return err;
        switch (h.kind) {
        case FK_NVS_PAGE_BLANK: pg->state = PS_FREE; continue;
        case FK_NVS_PAGE_NOT_ERASED:
        case FK_NVS_PAGE_BAD_CRC: continue;
        case FK_NVS_PAGE_NEW_VERSION: return ESP_ERR_NVS_NEW_VERSION_FOUND;
        default: break;
        }
        pg->seq = h.seq;
        pg->version = h.version;
        if (h.kind == FK_NVS_PAGE_ACTIVE) pg->state = PS_ACTIVE;
        else if (h.kind == FK_NVS_PAGE_FULL) pg->state = PS_FULL;
        else if (h.kind == FK_NVS_PAGE_FREEING) pg->state = PS_FREEING;
    }
    return ESP_OK;
}

static int last_item(const fk_nvs_page_t *pg)
{
    for (int i = (int)items_end(pg) - 1; i >= 0; i--)
        if (pg->tag[i] != FK_NVS_TAG_NONE) return i;
    return -1;
}

/* Spec 9.3 point 1: an update cut between writing the new copy (the last
 * item of the newest page) and erasing the old one on an older page. */
static esp_err_t drop_interrupted_update(fk_nvs_part_t *p)
{
    if (p->nused < 2) return ESP_OK;
    uint16_t newest = p->used[p->nused - 1];
    int li = last_item(&p->pg[newest]);
    if (li < 0) return ESP_OK;
    fk_nvs_entry_t e;
    esp_err_t err = fk_nvs_read_entry(p, newest, (unsigned)li, &e);
    if (err != ESP_OK) return err;
    uint8_t tag = p->pg[newest].tag[li];
    for (unsigned u = 0; u + 1 < p->nused; u++) {
        uint16_t page = p->used[u];
        fk_nvs_page_t *pg = &p->pg[page];
        if (pg->state == PS_FREEING) continue;
        for (unsigned i = 0; i < items_end(pg); i++) {
            if (pg->tag[i] != tag) continue;
            fk_nvs_entry_t o;
            err = fk_nvs_read_entry(p, page, i, &o);
            if (err != ESP_OK) return err;
            if (o.chunk == e.chunk && fk_nvs_entry_key_eq(&o, e.ns, e.key))
                return fk_nvs_page_erase_item(p, page, i, &o);
        }
    }
    return ESP_OK;
}

/* Spec 9.3 point 2: finish a garbage collection that was cut. */
static esp_err_t finish_gc(fk_nvs_part_t *p)
{
    int freeing = -1;
    for (unsigned u = 0; u < p->nused && freeing < 0; u++)
        if (p->pg[p->used[u]].state == PS_FREEING) freeing = p->used[u];
    if (freeing < 0 || p->read_only) return ESP_OK;
    uint16_t newest = p->used[p->nused - 1];
    if (newest != freeing && p->pg[newest].state == PS_ACTIVE) {
        /* The half-filled copy target: start the copy again. */
        esp_err_t err = fk_flash_erase_range(p->flash, fk_nvs_page_addr(p, newest), NVS_PAGE_SIZE);
        if (err != ESP_OK) return err;
        fk_nvs_used_list_remove(p, newest);
        fk_nvs_hsig_forget(p, newest);
        fk_nvs_page_reset_ram(&p->pg[newest], PS_FREE);
        fk_nvs_free_list_add(p, newest);
        p->next_seq = p->pg[p->used[p->nused - 1]].seq + 1;
    }
    esp_err_t err = fk_nvs_activate_free_page(p);
    if (err == ESP_OK) err = fk_nvs_copy_live_items(p, p->cur, (uint16_t)freeing);
    if (err == ESP_OK) err = fk_nvs_retire_page(p, (uint16_t)freeing);
    return err;
}

/* Spec 9.3 point 5: v2 blob chunks that no index claims (a blob write or
 * erase that was cut). */
static esp_err_t drop_orphan_chunks(fk_nvs_part_t *p)
{
    for (unsigned u = 0; u < p->nused; u++) {
        uint16_t page = p->used[u];
        fk_nvs_page_t *pg = &p->pg[page];
        if (!pg->chunks) continue;
        /* The page walk reads entries in runs; the page is loaded, so it
         * yields the live items, and its check of an ACTIVE page's blank
         * tail is done already. */
        fk_nvs_walk_t w;
        fk_nvs_ent_t it;
        esp_err_t err;
        fk_nvs_walk_init(&w, p->flash, fk_nvs_page_addr(p, page), pg->bitmap, pg->state == PS_ACTIVE);
        w.tail_done = true;
        while ((err = fk_nvs_walk_next(&w, &it)) == ESP_OK) {
            const fk_nvs_entry_t *e = &it.e;
            if (it.verdict != FK_NVS_ENT_ITEM || e->type != NVS_ITEM_BLOB_DATA) continue;
            fk_nvs_loc_t ix;
            err = fk_nvs_find(p, e->ns, NVS_ITEM_BLOB_IDX, e->key, NVS_CHUNK_ANY, NULL, &ix);
            if (err != ESP_OK && err != ESP_ERR_NVS_NOT_FOUND) return err;
            bool owned = err == ESP_OK && fk_nvs_blob_idx_owns(&ix.e, e);
            if (!owned) {
                err = fk_nvs_page_erase_item(p, page, it.idx, e);
                if (err != ESP_OK) return err;
            }
        }
        if (err != ESP_ERR_NOT_FOUND) return err;
    }
    return ESP_OK;
}

esp_err_t fk_nvs_mount(fk_nvs_part_t *p, uint8_t want_version)
{
    p->nused = p->nfree = 0;
    p->cur = FK_NVS_NO_PAGE;
    p->hsig_page = FK_NVS_NO_PAGE;
    p->gc_count = 0;
    esp_err_t err = classify_pages(p);
    if (err != ESP_OK) return err;
    /* Entries that all fail their CRC (an encrypted partition mounted
     * without its keys) would all be erased by the repairs below: refused
     * before anything is written. */
    err = fk_nvs_entries_legible(p->flash, p->flash, p->base, (uint32_t)p->npages * NVS_PAGE_SIZE);
    if (err == ESP_ERR_NOT_FOUND) return ESP_ERR_NVS_WRONG_ENCRYPTION;
    if (err != ESP_OK) return err;

    bool any_v1 = false;
    for (uint16_t page = 0; page < p->npages; page++) {
        fk_nvs_page_t *pg = &p->pg[page];
        if (pg->state == PS_FREE || pg->state == PS_CORRUPT) {
            p->freel[p->nfree++] = page;
            continue;
        }
        if (pg->version == NVS_VERSION_V1) any_v1 = true;
        unsigned i = p->nused++; /* insertion by sequence number */
        while (i > 0 && p->pg[p->used[i - 1]].seq > pg->seq) {
            p->used[i] = p->used[i - 1];
            i--;
        }
        p->used[i] = page;
    }
    /* A partition that holds v1 pages stays v1: SDK 3.x firmware must keep
     * reading it. Only an empty one takes the version asked for. */
    p->version = p->nused ? (any_v1 ? NVS_VERSION_V1 : NVS_VERSION_V2) : want_version;
    p->next_seq = p->nused ? p->pg[p->used[p->nused - 1]].seq + 1 : 0;

    memset(p->ns_used, 0, sizeof p->ns_used);
    p->ns_used[0] |= 1;    /* 0: the namespace table itself */
    p->ns_used[31] |= 0x80; /* 255: "any" */
    for (unsigned u = 0; u < p->nused; u++) {
        err = fk_nvs_page_load(p, p->used[u]);
        if (err != ESP_OK) return err;
    }
    if (!p->read_only) {
        err = drop_interrupted_update(p);
        if (err == ESP_OK) err = finish_gc(p);
        if (err != ESP_OK) return err;
        if (p->nfree < 1) return ESP_ERR_NVS_NO_FREE_PAGES;
    }
    if (p->cur == FK_NVS_NO_PAGE && p->nused) p->cur = p->used[p->nused - 1];
    if (p->cur == FK_NVS_NO_PAGE && !p->read_only) {
        err = fk_nvs_activate_free_page(p);
        if (err != ESP_OK) return err;
    }
    return drop_orphan_chunks(p);
}
