/* NVS partition pages: the used and free lists, activating a page,
 * requesting a new one and garbage collection (spec nvs.md 9.5, 9.6). */
#include <string.h>
#include "fk_nvs_priv.h"

void fk_nvs_free_list_add(fk_nvs_part_t *p, uint16_t page)
{
    unsigned i = p->nfree;
    while (i > 0 && p->freel[i - 1] > page) {
        p->freel[i] = p->freel[i - 1];
        i--;
    }
    p->freel[i] = page;
    p->nfree++;
}

void fk_nvs_used_list_remove(fk_nvs_part_t *p, uint16_t page)
{
    for (unsigned i = 0; i < p->nused; i++) {
        if (p->used[i] != page) continue;
        memmove(&p->used[i], &p->used[i + 1], (p->nused - i - 1) * sizeof p->used[0]);
        p->nused--;
        return;
    }
}

void fk_nvs_page_reset_ram(fk_nvs_page_t *pg, uint8_t state)
{
    pg->state = state;
    pg->next_free = 0;
    pg->used = pg->erased = pg->chunks = 0;
    memset(pg->bitmap, 0xFF, sizeof pg->bitmap);
    memset(pg->tag, FK_NVS_TAG_NONE, sizeof pg->tag);
}

/* Takes the first free page as the new current page (header written lazily). */
esp_err_t fk_nvs_activate_free_page(fk_nvs_part_t *p)
{
    if (!p->nfree) return ESP_ERR_NVS_NO_FREE_PAGES;
    uint16_t page = p->freel[0];
    if (p->pg[page].state == PS_CORRUPT) {
        esp_err_t err = fk_flash_erase_range(p->flash, fk_nvs_page_addr(p, page), NVS_PAGE_SIZE);
        if (err != ESP_OK) return err;
    }
    memmove(&p->freel[0], &p->freel[1], (p->nfree - 1) * sizeof p->freel[0]);
    p->nfree--;
    fk_nvs_page_t *pg = &p->pg[page];
    fk_nvs_page_reset_ram(pg, PS_PENDING);
    pg->seq = p->next_seq++;
    pg->version = p->version;
    p->used[p->nused++] = page;
    p->cur = page;
    p->hsig_page = page; /* the page holds nothing yet */
    return ESP_OK;
}

/* Retires a page whose live items exist elsewhere. The state word is zeroed
 * before the erase: a torn erase can set bits of the first byte, and must
 * never bring a FREEING page back as FULL or ACTIVE. */
esp_err_t fk_nvs_retire_page(fk_nvs_part_t *p, uint16_t page)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    esp_err_t err = fk_flash_write(p->flash, fk_nvs_page_addr(p, page), zero, 4);
    if (err == ESP_OK) err = fk_flash_erase_range(p->flash, fk_nvs_page_addr(p, page), NVS_PAGE_SIZE);
    if (err != ESP_OK) return err;
    fk_nvs_used_list_remove(p, page);
    fk_nvs_hsig_forget(p, page);
    fk_nvs_page_reset_ram(&p->pg[page], PS_FREE);
    fk_nvs_free_list_add(p, page);
    return ESP_OK;
}

esp_err_t fk_nvs_copy_live_items(fk_nvs_part_t *p, uint16_t dst, uint16_t src)
{
    fk_nvs_page_t *pg = &p->pg[src];
    for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++) {
        if (pg->tag[i] == FK_NVS_TAG_NONE || fk_nvs_bitmap_get(pg->bitmap, i) != NVS_ENTRY_WRITTEN)
            continue;
        fk_nvs_entry_t e;
        esp_err_t err = fk_nvs_read_entry(p, src, i, &e);
        if (err == ESP_OK) err = fk_nvs_page_copy_item(p, dst, src, i, fk_nvs_item_span(&e), pg->tag[i]);
        if (err != ESP_OK) return err;
        /* A GC redone at mount may move orphan chunks: keep them in sight of
         * the orphan check that follows. */
        if (e.type == NVS_ITEM_BLOB_DATA && p->pg[dst].chunks < 255) p->pg[dst].chunks++;
    }
    return ESP_OK;
}

/* The page with the most reclaimable entries (spec 9.5); or the oldest page,
 * if it has gone FK_NVS_WEAR_ROUNDS rounds of activations unerased and can
 * give `need` entries: otherwise a page of settings written once is never
 * erased and the others wear out faster. */
static int gc_victim(const fk_nvs_part_t *p, unsigned need, unsigned *reclaim)
{
    int best = -1;
    *reclaim = 0;
    for (unsigned i = 0; i < p->nused; i++) {
        const fk_nvs_page_t *pg = &p->pg[p->used[i]];
        if (pg->state != PS_FULL && pg->state != PS_ACTIVE) continue;
        unsigned r = NVS_ENTRY_COUNT - pg->used;
#if FK_NVS_WEAR_ROUNDS
        /* The used list is in sequence order: only its first page can be
         * the oldest. Sequence numbers wrap; the difference does not. */
        if (best < 0 && need && r >= need &&
            p->next_seq - pg->seq >= (uint32_t)FK_NVS_WEAR_ROUNDS * p->npages) {
            *reclaim = r;
            return p->used[i];
        }
#else
        (void)need;
#endif
        if (r > *reclaim) {
            *reclaim = r;
            best = p->used[i];
        }
    }
    return best;
}

/* requestNewPage (spec 9.5), told how many entries the caller needs so that
 * a collection that cannot make room is not run for nothing. */
esp_err_t fk_nvs_request_new_page(fk_nvs_part_t *p, unsigned need)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    if (p->nfree >= 2) return fk_nvs_activate_free_page(p);
    if (p->nfree == 0) return ESP_ERR_NVS_INVALID_STATE;
    unsigned reclaim;
    int victim = gc_victim(p, need, &reclaim);
    if (victim < 0 || reclaim < need) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    esp_err_t err = fk_nvs_activate_free_page(p);
    if (err != ESP_OK) return err;
    uint16_t v = (uint16_t)victim;
    /* A page with nothing live has nothing to copy: retired straight away
     * (a cut after its state word is zeroed leaves a CORRUPT page, which is
     * erased before reuse), without the FULL and FREEING marks. */
    if (p->pg[v].used == 0) {
        err = fk_nvs_retire_page(p, v);
        p->gc_count++;
        return err;
    }
    /* One bit per state write: ACTIVE -> FREEING in one go could tear into
     * an invalid state, and the page would be taken for CORRUPT, live items
     * and all. */
    err = fk_nvs_page_mark_full(p, v);
    p->pg[v].state = PS_FREEING;
    if (err == ESP_OK) err = fk_nvs_page_set_state(p, v, NVS_PAGE_FREEING);
    if (err == ESP_OK) err = fk_nvs_copy_live_items(p, p->cur, v);
    if (err == ESP_OK) err = fk_nvs_retire_page(p, v);
    p->gc_count++;
    return err;
}

/* Closes the current page and opens a new one (spec 9.5). */
esp_err_t fk_nvs_next_page(fk_nvs_part_t *p, unsigned need)
{
    esp_err_t err = p->cur == FK_NVS_NO_PAGE ? ESP_OK : fk_nvs_page_mark_full(p, p->cur);
    return err == ESP_OK ? fk_nvs_request_new_page(p, need) : err;
}

uint32_t fk_nvs_max_item_bytes(const fk_nvs_part_t *p)
{
    unsigned best = p->cur == FK_NVS_NO_PAGE ? 0 : fk_nvs_page_tail_entries(&p->pg[p->cur]);
    if (!p->read_only) {
        unsigned reclaim = 0;
        if (p->nfree >= 2) reclaim = NVS_ENTRY_COUNT;
        else if (p->nfree == 1) gc_victim(p, 0, &reclaim);
        if (reclaim > best) best = reclaim;
    } else {
        best = 0;
    }
    uint32_t bytes = best ? (best - 1) * NVS_ENTRY_SIZE : 0;
    uint32_t max = p->version == NVS_VERSION_V1 ? NVS_V1_MAX_VARLEN : NVS_V2_MAX_VARLEN;
    return bytes < max ? bytes : max;
}

