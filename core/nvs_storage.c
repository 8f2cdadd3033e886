/* NVS partition layer: mounting with cross-page recovery (spec nvs.md 9.1,
 * 9.3), page requests and garbage collection (9.5), item lookup (9.7),
 * writing items and blobs (9.4) and erasing them (9.8). */
#include <string.h>
#include "fk_crc32.h"
#include "fk_nvs_read.h"
#include "nvs_priv.h"

#define BLOB_FIRST_CHUNK_MIN (NVS_V2_MAX_VARLEN / 10) /* spec 9.4 */

#define varlen_size nvs_varlen_size

#define items_end nvs_items_end

static uint32_t tailroom(const nvs_part_t *p)
{
    if (p->cur == NVS_NO_PAGE) return 0;
    unsigned t = nvs_page_tail_entries(&p->pg[p->cur]);
    return t ? (t - 1) * NVS_ENTRY_SIZE : 0;
}

/* ---- lists ---- */

static void free_list_add(nvs_part_t *p, uint16_t page)
{
    unsigned i = p->nfree;
    while (i > 0 && p->freel[i - 1] > page) {
        p->freel[i] = p->freel[i - 1];
        i--;
    }
    p->freel[i] = page;
    p->nfree++;
}

static void used_list_remove(nvs_part_t *p, uint16_t page)
{
    for (unsigned i = 0; i < p->nused; i++) {
        if (p->used[i] != page) continue;
        memmove(&p->used[i], &p->used[i + 1], (p->nused - i - 1) * sizeof p->used[0]);
        p->nused--;
        return;
    }
}

static void page_reset_ram(nvs_page_t *pg, uint8_t state)
{
    pg->state = state;
    pg->next_free = 0;
    pg->used = pg->erased = pg->chunks = 0;
    memset(pg->bitmap, 0xFF, sizeof pg->bitmap);
    memset(pg->tag, NVS_TAG_NONE, sizeof pg->tag);
}

/* Takes the first free page as the new current page (header written lazily). */
static esp_err_t activate_free_page(nvs_part_t *p)
{
    if (!p->nfree) return ESP_ERR_NVS_NO_FREE_PAGES;
    uint16_t page = p->freel[0];
    if (p->pg[page].state == PS_CORRUPT) {
        esp_err_t err = fk_flash_erase_range(p->flash, nvs_page_addr(p, page), NVS_PAGE_SIZE);
        if (err != ESP_OK) return err;
    }
    memmove(&p->freel[0], &p->freel[1], (p->nfree - 1) * sizeof p->freel[0]);
    p->nfree--;
    nvs_page_t *pg = &p->pg[page];
    page_reset_ram(pg, PS_PENDING);
    pg->seq = p->next_seq++;
    pg->version = p->version;
    p->used[p->nused++] = page;
    p->cur = page;
    memset(p->hfilter, 0, sizeof p->hfilter); /* the page holds nothing yet */
    p->hfilter_page = page;
    return ESP_OK;
}

/* Retires a page whose live items exist elsewhere. The state word is zeroed
 * before the erase: a torn erase can set bits of the first byte, and must
 * never bring a FREEING page back as FULL or ACTIVE. */
static esp_err_t retire_page(nvs_part_t *p, uint16_t page)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    esp_err_t err = fk_flash_write(p->flash, nvs_page_addr(p, page), zero, 4);
    if (err == ESP_OK) err = fk_flash_erase_range(p->flash, nvs_page_addr(p, page), NVS_PAGE_SIZE);
    if (err != ESP_OK) return err;
    used_list_remove(p, page);
    nvs_hfilter_forget(p, page);
    page_reset_ram(&p->pg[page], PS_FREE);
    free_list_add(p, page);
    return ESP_OK;
}

static esp_err_t copy_live_items(nvs_part_t *p, uint16_t dst, uint16_t src)
{
    nvs_page_t *pg = &p->pg[src];
    for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++) {
        if (pg->tag[i] == NVS_TAG_NONE || nvs_bitmap_get(pg->bitmap, i) != NVS_ENTRY_WRITTEN)
            continue;
        nvs_entry_t e;
        esp_err_t err = nvs_read_entry(p, src, i, &e);
        if (err == ESP_OK) err = nvs_page_copy_item(p, dst, src, i, nvs_item_span(&e), pg->tag[i]);
        if (err != ESP_OK) return err;
        /* A GC redone at mount may move orphan chunks: keep them in sight of
         * the orphan check that follows. */
        if (e.type == NVS_ITEM_BLOB_DATA && p->pg[dst].chunks < 255) p->pg[dst].chunks++;
    }
    return ESP_OK;
}

/* The page with the most reclaimable entries (spec 9.5). Every
 * FK_NVS_WEAR_PERIOD-th page activation takes the oldest page instead, if it
 * can give `need` entries: otherwise a page of settings written once is never
 * erased and the others wear out faster. */
static int gc_victim(const nvs_part_t *p, unsigned need, unsigned *reclaim)
{
    (void)need;
    int best = -1;
    *reclaim = 0;
    for (unsigned i = 0; i < p->nused; i++) {
        const nvs_page_t *pg = &p->pg[p->used[i]];
        if (pg->state != PS_FULL && pg->state != PS_ACTIVE) continue;
        unsigned r = NVS_ENTRY_COUNT - pg->used;
#if FK_NVS_WEAR_PERIOD
        if (p->next_seq % FK_NVS_WEAR_PERIOD == 0 && need && r >= need) {
            *reclaim = r;
            return p->used[i];
        }
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
static esp_err_t request_new_page(nvs_part_t *p, unsigned need)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    if (p->nfree >= 2) return activate_free_page(p);
    if (p->nfree == 0) return ESP_ERR_NVS_INVALID_STATE;
    unsigned reclaim;
    int victim = gc_victim(p, need, &reclaim);
    if (victim < 0 || reclaim < need) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    esp_err_t err = activate_free_page(p);
    if (err != ESP_OK) return err;
    uint16_t v = (uint16_t)victim;
    /* One bit per state write: ACTIVE -> FREEING in one go could tear into
     * an invalid state, and the page would be taken for CORRUPT, live items
     * and all. */
    err = nvs_page_mark_full(p, v);
    p->pg[v].state = PS_FREEING;
    if (err == ESP_OK) err = nvs_page_set_state(p, v, NVS_PAGE_FREEING);
    if (err == ESP_OK) err = copy_live_items(p, p->cur, v);
    if (err == ESP_OK) err = retire_page(p, v);
    p->gc_count++;
    return err;
}

/* ---- lookup ---- */

esp_err_t nvs_find(nvs_part_t *p, uint8_t ns, uint8_t type, const char *key, uint8_t chunk,
                   const nvs_loc_t *skip, nvs_loc_t *out)
{
    uint8_t tag = nvs_tag(ns, key, chunk);
    for (unsigned u = 0; u < p->nused; u++) {
        uint16_t page = p->used[u];
        nvs_page_t *pg = &p->pg[page];
        unsigned end = items_end(pg);
        const uint8_t *t = pg->tag;
        for (unsigned i = 0; i < end; i++) {
            const uint8_t *hit = memchr(t + i, tag, end - i);
            if (!hit) break;
            i = (unsigned)(hit - t);
            if (skip && skip->page == page && skip->idx == i) continue;
            nvs_entry_t e;
            esp_err_t err = nvs_read_entry(p, page, i, &e);
            if (err != ESP_OK) return err;
            if (e.crc != nvs_entry_crc(&e)) {
                /* Flash changed under us: drop the item, as ESP-IDF does. */
                err = nvs_page_erase_item(p, page, i, 1);
                if (err != ESP_OK) return err;
                continue;
            }
            if (e.chunk != chunk || !nvs_entry_key_eq(&e, ns, key)) continue;
            if (type != NVS_ITEM_ANY && e.type != type) continue;
            out->page = page;
            out->idx = (uint8_t)i;
            out->e = e;
            return ESP_OK;
        }
    }
    return ESP_ERR_NVS_NOT_FOUND;
}

esp_err_t nvs_erase_loc(nvs_part_t *p, const nvs_loc_t *loc)
{
    return nvs_page_erase_item(p, loc->page, loc->idx, nvs_item_span(&loc->e));
}

/* ---- writing ---- */

/* Closes the current page and opens a new one (spec 9.5). */
static esp_err_t next_page(nvs_part_t *p, unsigned need)
{
    esp_err_t err = p->cur == NVS_NO_PAGE ? ESP_OK : nvs_page_mark_full(p, p->cur);
    return err == ESP_OK ? request_new_page(p, need) : err;
}

/* Writes an item on the current page, or on a new one if it does not fit or
 * if Espressif's runtime would take it for another live item there (issue
 * 12, docs/nvs-engine.md): a page per try, as many tries as pages. */
static esp_err_t write_anywhere(nvs_part_t *p, const nvs_entry_t *hdr, const void *data,
                                uint32_t size, nvs_loc_t *where)
{
    unsigned k = nvs_type_is_varlen(hdr->type) ? nvs_varlen_span(size) : 1;
    esp_err_t err = ESP_OK;
    for (unsigned tries = 0;; tries++) {
        bool clash = false;
        if (p->cur == NVS_NO_PAGE || nvs_page_tail_entries(&p->pg[p->cur]) < k) {
            if (tries) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
        } else {
            err = nvs_page_collides(p, p->cur, hdr, &clash);
            if (err != ESP_OK) return err;
            if (!clash) break;
            if (tries > p->npages) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
        }
        err = next_page(p, k);
        if (err != ESP_OK) return err;
        if (!clash && nvs_page_tail_entries(&p->pg[p->cur]) < k) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    }
    uint16_t page = p->cur;
    uint8_t idx = p->pg[page].next_free;
    err = nvs_page_write_item(p, page, hdr, data, size);
    if (err == ESP_OK && where) {
        where->page = page;
        where->idx = idx;
        where->e = *hdr;
    }
    return err;
}

/* Compares `size` bytes stored from entry idx+1 of a page with buf. */
static esp_err_t data_equal(nvs_part_t *p, uint16_t page, unsigned idx, const void *buf,
                            uint32_t size, bool *eq)
{
    uint8_t tmp[64];
    uint32_t addr = nvs_page_addr(p, page) + NVS_FIRST_ENTRY_OFFSET + (idx + 1) * NVS_ENTRY_SIZE;
    *eq = true;
    for (uint32_t off = 0; off < size; off += sizeof tmp) {
        uint32_t n = size - off < sizeof tmp ? size - off : sizeof tmp;
        esp_err_t err = fk_flash_read(p->flash, addr + off, tmp, n);
        if (err != ESP_OK) return err;
        if (memcmp(tmp, (const uint8_t *)buf + off, n)) {
            *eq = false;
            return ESP_OK;
        }
    }
    return ESP_OK;
}

static esp_err_t erase_blob_chunks(nvs_part_t *p, uint8_t ns, const char *key, uint8_t start,
                                   unsigned count)
{
    for (unsigned c = 0; c < count; c++) {
        nvs_loc_t l;
        esp_err_t err = nvs_find(p, ns, NVS_ITEM_BLOB_DATA, key, (uint8_t)(start + c), NULL, &l);
        if (err == ESP_ERR_NVS_NOT_FOUND) continue;
        if (err == ESP_OK) err = nvs_erase_loc(p, &l);
        if (err != ESP_OK) return err;
    }
    return ESP_OK;
}

/* Erases an item; for a v2 blob index, the index first, then its chunks. */
static esp_err_t erase_whole(nvs_part_t *p, const nvs_loc_t *l)
{
    esp_err_t err = nvs_erase_loc(p, l);
    if (err != ESP_OK || l->e.type != NVS_ITEM_BLOB_IDX) return err;
    return erase_blob_chunks(p, l->e.ns, l->e.key, l->e.data[5], l->e.data[4]);
}

/* After writing the new copy: erase the old one, finding it again if a
 * garbage collection moved it meanwhile. Then any other item with that key:
 * ESP-IDF keeps one item per (key, type), so its images may hold several. */
static esp_err_t erase_old(nvs_part_t *p, nvs_loc_t *old, uint32_t gc_before,
                           const nvs_loc_t *newloc)
{
    esp_err_t err = ESP_OK;
    if (p->gc_count == gc_before) err = erase_whole(p, old);
    while (err == ESP_OK) {
        err = nvs_find(p, old->e.ns, NVS_ITEM_ANY, old->e.key, NVS_CHUNK_ANY, newloc, old);
        if (err == ESP_OK) err = erase_whole(p, old);
    }
    return err == ESP_ERR_NVS_NOT_FOUND ? ESP_OK : err;
}

static esp_err_t blob_equal(nvs_part_t *p, const nvs_loc_t *idx, const void *data, uint32_t size,
                            bool *eq);

esp_err_t nvs_store_item(nvs_part_t *p, uint8_t ns, uint8_t type, const char *key,
                         const void *data, uint32_t size)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    bool var = nvs_type_is_varlen(type);
    uint32_t max = p->version == NVS_VERSION_V1 || type == NVS_ITEM_BLOB ? NVS_V1_MAX_VARLEN
                                                                         : NVS_V2_MAX_VARLEN;
    if (var && size > max) return ESP_ERR_NVS_VALUE_TOO_LONG;
    nvs_entry_t e;
    nvs_entry_init(&e, ns, type, var ? (uint8_t)nvs_varlen_span(size) : 1, NVS_CHUNK_ANY, key);
    if (var) nvs_entry_set_varlen(&e, (uint16_t)size, fk_crc32_le(0xFFFFFFFFu, data, size));
    else memcpy(e.data, data, size);
    nvs_entry_seal(&e);

    nvs_loc_t old;
    esp_err_t err = nvs_find(p, ns, NVS_ITEM_ANY, key, NVS_CHUNK_ANY, NULL, &old);
    bool have_old = err == ESP_OK;
    if (!have_old && err != ESP_ERR_NVS_NOT_FOUND) return err;
    if (have_old && old.e.type == type) {
        bool eq = !memcmp(old.e.data, e.data, sizeof e.data);
        if (eq && var) {
            err = data_equal(p, old.page, old.idx, data, size, &eq);
            if (err != ESP_OK) return err;
        }
        if (eq) return ESP_OK; /* same value: no flash write at all */
    }
    uint32_t gc_before = p->gc_count;
    nvs_loc_t nl;
    err = write_anywhere(p, &e, data, size, &nl);
    if (err != ESP_OK || !have_old) return err;
    return erase_old(p, &old, gc_before, &nl);
}

esp_err_t nvs_store_blob(nvs_part_t *p, uint8_t ns, const char *key, const void *data,
                         uint32_t size)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    if (p->version == NVS_VERSION_V1) return nvs_store_item(p, ns, NVS_ITEM_BLOB, key, data, size);
    if (size > nvs_blob_max_bytes(p->npages)) return ESP_ERR_NVS_VALUE_TOO_LONG;

    nvs_loc_t old;
    esp_err_t err = nvs_find(p, ns, NVS_ITEM_ANY, key, NVS_CHUNK_ANY, NULL, &old);
    bool have_old = err == ESP_OK;
    if (!have_old && err != ESP_ERR_NVS_NOT_FOUND) return err;
    uint8_t start = 0;
    if (have_old && old.e.type == NVS_ITEM_BLOB_IDX) {
        bool eq;
        err = blob_equal(p, &old, data, size, &eq);
        if (err != ESP_OK) return err;
        if (eq) return ESP_OK;
        start = (uint8_t)(nvs_blob_idx_start(&old.e) ^ NVS_BLOB_START_FLIP);
    }
    uint32_t gc_before = p->gc_count;

    /* A first chunk squeezed into a nearly full page is not worth it. */
    uint32_t tail = tailroom(p);
    if ((tail < size || (tail == 0 && size == 0)) && tail < BLOB_FIRST_CHUNK_MIN) {
        err = p->cur == NVS_NO_PAGE ? ESP_OK : nvs_page_mark_full(p, p->cur);
        if (err == ESP_OK) err = request_new_page(p, 2);
        if (err != ESP_OK) return err;
        tail = tailroom(p);
        if (tail < size && tail < BLOB_FIRST_CHUNK_MIN) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    }
    const uint8_t *src = data;
    uint32_t off = 0;
    unsigned n = 0, clashes = 0;
    for (;;) {
        uint32_t chunk = size - off < tail ? size - off : tail;
        bool room = nvs_page_tail_entries(&p->pg[p->cur]) >= 1;
        nvs_entry_t e;
        nvs_entry_init(&e, ns, NVS_ITEM_BLOB_DATA, (uint8_t)nvs_varlen_span(chunk),
                       (uint8_t)(start + n), key);
        if (room) {
            /* A chunk the runtime would take for another item goes to the next page. */
            bool clash;
            err = nvs_page_collides(p, p->cur, &e, &clash);
            if (err == ESP_OK && clash && ++clashes > p->npages) err = ESP_ERR_NVS_NOT_ENOUGH_SPACE;
            if (err != ESP_OK) break;
            room = !clash;
        }
        if (room && (chunk > 0 || (size == 0 && n == 0))) {
            if (n == NVS_BLOB_MAX_CHUNKS) {
                err = ESP_ERR_NVS_VALUE_TOO_LONG;
                break;
            }
            nvs_entry_set_varlen(&e, (uint16_t)chunk, fk_crc32_le(0xFFFFFFFFu, src + off, chunk));
            nvs_entry_seal(&e);
            err = nvs_page_write_item(p, p->cur, &e, src + off, chunk);
            if (err != ESP_OK) break;
            n++;
            off += chunk;
            if (off == size && tailroom(p) >= NVS_ENTRY_SIZE) break;
        }
        /* Data remains, or the page has no room left worth keeping. */
        err = nvs_page_mark_full(p, p->cur);
        if (err == ESP_OK) err = request_new_page(p, 2);
        if (err != ESP_OK || (off == size && n > 0)) break;
        tail = tailroom(p);
    }
    nvs_loc_t nl;
    if (err == ESP_OK) {
        nvs_entry_t ix;
        nvs_entry_init(&ix, ns, NVS_ITEM_BLOB_IDX, 1, NVS_CHUNK_ANY, key);
        fk_put_le32(ix.data, size);
        ix.data[4] = (uint8_t)n;
        ix.data[5] = start;
        nvs_entry_seal(&ix);
        err = write_anywhere(p, &ix, NULL, 0, &nl);
    }
    if (err != ESP_OK) {
        /* Leave no stray chunks of a version that never got its index. */
        esp_err_t e2 = erase_blob_chunks(p, ns, key, start, n);
        (void)e2;
        return err;
    }
    if (!have_old) return ESP_OK;
    return erase_old(p, &old, gc_before, &nl);
}

/* ---- reading ---- */

static esp_err_t read_var_item(nvs_part_t *p, const nvs_loc_t *l, uint8_t *buf, uint32_t cap,
                               uint32_t *got)
{
    uint32_t size = varlen_size(&l->e);
    if (size > cap) return ESP_ERR_NVS_INVALID_LENGTH;
    uint32_t addr = nvs_page_addr(p, l->page) + NVS_FIRST_ENTRY_OFFSET + (l->idx + 1u) * NVS_ENTRY_SIZE;
    esp_err_t err = fk_flash_read(p->flash, addr, buf, size);
    if (err != ESP_OK) return err;
    if (fk_crc32_le(0xFFFFFFFFu, buf, size) != fk_le32(l->e.data + 4)) {
        err = nvs_erase_loc(p, l);
        return err == ESP_OK ? ESP_ERR_NVS_NOT_FOUND : err;
    }
    *got = size;
    return ESP_OK;
}

static esp_err_t blob_equal(nvs_part_t *p, const nvs_loc_t *idx, const void *data, uint32_t size,
                            bool *eq)
{
    *eq = false;
    if (fk_le32(idx->e.data) != size) return ESP_OK;
    uint32_t off = 0;
    for (unsigned c = 0; c < idx->e.data[4]; c++) {
        nvs_loc_t l;
        esp_err_t err = nvs_find(p, idx->e.ns, NVS_ITEM_BLOB_DATA, idx->e.key,
                                 (uint8_t)(idx->e.data[5] + c), NULL, &l);
        if (err == ESP_ERR_NVS_NOT_FOUND) return ESP_OK;
        if (err != ESP_OK) return err;
        uint32_t cs = varlen_size(&l.e);
        if (cs > size - off) return ESP_OK;
        bool same;
        err = data_equal(p, l.page, l.idx, (const uint8_t *)data + off, cs, &same);
        if (err != ESP_OK || !same) return err;
        off += cs;
    }
    *eq = off == size;
    return ESP_OK;
}

static esp_err_t read_blob_v2(nvs_part_t *p, const nvs_loc_t *ix, uint8_t *buf, size_t *len)
{
    uint32_t size = fk_le32(ix->e.data);
    if (!buf) {
        *len = size;
        return ESP_OK;
    }
    if (*len < size) return ESP_ERR_NVS_INVALID_LENGTH;
    uint32_t off = 0;
    esp_err_t err = ESP_OK;
    for (unsigned c = 0; c < ix->e.data[4] && err == ESP_OK; c++) {
        nvs_loc_t l;
        err = nvs_find(p, ix->e.ns, NVS_ITEM_BLOB_DATA, ix->e.key, (uint8_t)(ix->e.data[5] + c),
                       NULL, &l);
        if (err != ESP_OK) break;
        uint32_t got;
        err = read_var_item(p, &l, buf + off, size - off, &got);
        if (err == ESP_ERR_NVS_INVALID_LENGTH) err = ESP_ERR_NVS_NOT_FOUND;
        off += err == ESP_OK ? got : 0;
    }
    if (err == ESP_OK && off != size) err = ESP_ERR_NVS_NOT_FOUND;
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        /* A broken blob is removed, index first (spec 9.3 point 5). */
        esp_err_t e2 = erase_whole(p, ix);
        return e2 == ESP_OK ? ESP_ERR_NVS_NOT_FOUND : e2;
    }
    if (err == ESP_OK) *len = size;
    return err;
}

esp_err_t nvs_load_var(nvs_part_t *p, uint8_t ns, uint8_t type, const char *key, void *buf,
                       size_t *len)
{
    nvs_loc_t l;
    esp_err_t err;
    if (type == NVS_ITEM_BLOB_DATA) { /* a blob: v2 index first, then a v1 item */
        err = nvs_find(p, ns, NVS_ITEM_BLOB_IDX, key, NVS_CHUNK_ANY, NULL, &l);
        if (err == ESP_OK) return read_blob_v2(p, &l, buf, len);
        if (err != ESP_ERR_NVS_NOT_FOUND) return err;
        type = NVS_ITEM_BLOB;
    }
    err = nvs_find(p, ns, type, key, NVS_CHUNK_ANY, NULL, &l);
    if (err != ESP_OK) return err;
    uint32_t size = varlen_size(&l.e);
    if (!buf) {
        *len = size;
        return ESP_OK;
    }
    uint32_t got;
    err = read_var_item(p, &l, buf, *len > UINT32_MAX ? UINT32_MAX : (uint32_t)*len, &got);
    if (err == ESP_OK) *len = got;
    return err;
}

/* ---- erasing ---- */

esp_err_t nvs_erase_key_any(nvs_part_t *p, uint8_t ns, const char *key)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    nvs_loc_t l;
    esp_err_t err = nvs_find(p, ns, NVS_ITEM_ANY, key, NVS_CHUNK_ANY, NULL, &l);
    if (err != ESP_OK) return err;
    return erase_whole(p, &l);
}

esp_err_t nvs_erase_ns(nvs_part_t *p, uint8_t ns)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    /* Blob chunks last, so a cut leaves no index pointing at missing chunks. */
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned u = 0; u < p->nused; u++) {
            uint16_t page = p->used[u];
            nvs_page_t *pg = &p->pg[page];
            unsigned end = items_end(pg);
            for (unsigned i = 0; i < end; i++) {
                if (pg->tag[i] == NVS_TAG_NONE) continue;
                nvs_entry_t e;
                esp_err_t err = nvs_read_entry(p, page, i, &e);
                if (err != ESP_OK) return err;
                if (e.ns != ns || (e.type == NVS_ITEM_BLOB_DATA) != (pass == 1)) continue;
                err = nvs_page_erase_item(p, page, i, nvs_item_span(&e));
                if (err != ESP_OK) return err;
            }
        }
    }
    return ESP_OK;
}

/* ---- namespaces ---- */

esp_err_t nvs_ns_get(nvs_part_t *p, const char *name, bool create, uint8_t *ns)
{
    nvs_loc_t l;
    esp_err_t err = nvs_find(p, 0, NVS_ITEM_U8, name, NVS_CHUNK_ANY, NULL, &l);
    if (err == ESP_OK) {
        *ns = l.e.data[0];
        return ESP_OK;
    }
    if (err != ESP_ERR_NVS_NOT_FOUND || !create) return err;
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    unsigned idx = 1;
    while (idx < 255 && (p->ns_used[idx / 8] >> (idx % 8) & 1)) idx++;
    if (idx == 255) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    uint8_t v = (uint8_t)idx;
    err = nvs_store_item(p, 0, NVS_ITEM_U8, name, &v, 1);
    if (err != ESP_OK) return err;
    p->ns_used[idx / 8] |= (uint8_t)(1u << (idx % 8));
    *ns = v;
    return ESP_OK;
}

uint32_t nvs_max_item_bytes(const nvs_part_t *p)
{
    unsigned best = p->cur == NVS_NO_PAGE ? 0 : nvs_page_tail_entries(&p->pg[p->cur]);
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

/* ---- mounting ---- */

/* Pass 1 (spec 9.1): classify every page from its header. */
static esp_err_t classify_pages(nvs_part_t *p)
{
    for (uint16_t page = 0; page < p->npages; page++) {
        nvs_page_t *pg = &p->pg[page];
        fk_nvs_page_hdr_t h;
        page_reset_ram(pg, PS_CORRUPT);
        pg->seq = 0;
        pg->version = 0xFF;
        esp_err_t err = fk_nvs_read_page_header(p->flash, nvs_page_addr(p, page), &h);
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

static int last_item(const nvs_page_t *pg)
{
    for (int i = (int)items_end(pg) - 1; i >= 0; i--)
        if (pg->tag[i] != NVS_TAG_NONE) return i;
    return -1;
}

/* Spec 9.3 point 1: an update cut between writing the new copy (the last
 * item of the newest page) and erasing the old one on an older page. */
static esp_err_t drop_interrupted_update(nvs_part_t *p)
{
    if (p->nused < 2) return ESP_OK;
    uint16_t newest = p->used[p->nused - 1];
    int li = last_item(&p->pg[newest]);
    if (li < 0) return ESP_OK;
    nvs_entry_t e;
    esp_err_t err = nvs_read_entry(p, newest, (unsigned)li, &e);
    if (err != ESP_OK) return err;
    uint8_t tag = p->pg[newest].tag[li];
    for (unsigned u = 0; u + 1 < p->nused; u++) {
        uint16_t page = p->used[u];
        nvs_page_t *pg = &p->pg[page];
        if (pg->state == PS_FREEING) continue;
        for (unsigned i = 0; i < items_end(pg); i++) {
            if (pg->tag[i] != tag) continue;
            nvs_entry_t o;
            err = nvs_read_entry(p, page, i, &o);
            if (err != ESP_OK) return err;
            if (o.chunk == e.chunk && nvs_entry_key_eq(&o, e.ns, e.key))
                return nvs_page_erase_item(p, page, i, nvs_item_span(&o));
        }
    }
    return ESP_OK;
}

/* Spec 9.3 point 2: finish a garbage collection that was cut. */
static esp_err_t finish_gc(nvs_part_t *p)
{
    int freeing = -1;
    for (unsigned u = 0; u < p->nused && freeing < 0; u++)
        if (p->pg[p->used[u]].state == PS_FREEING) freeing = p->used[u];
    if (freeing < 0 || p->read_only) return ESP_OK;
    uint16_t newest = p->used[p->nused - 1];
    if (newest != freeing && p->pg[newest].state == PS_ACTIVE) {
        /* The half-filled copy target: start the copy again. */
        esp_err_t err = fk_flash_erase_range(p->flash, nvs_page_addr(p, newest), NVS_PAGE_SIZE);
        if (err != ESP_OK) return err;
        used_list_remove(p, newest);
        nvs_hfilter_forget(p, newest);
        page_reset_ram(&p->pg[newest], PS_FREE);
        free_list_add(p, newest);
        p->next_seq = p->pg[p->used[p->nused - 1]].seq + 1;
    }
    esp_err_t err = activate_free_page(p);
    if (err == ESP_OK) err = copy_live_items(p, p->cur, (uint16_t)freeing);
    if (err == ESP_OK) err = retire_page(p, (uint16_t)freeing);
    return err;
}

/* Spec 9.3 point 5: v2 blob chunks that no index claims (a blob write or
 * erase that was cut). */
static esp_err_t drop_orphan_chunks(nvs_part_t *p)
{
    for (unsigned u = 0; u < p->nused; u++) {
        uint16_t page = p->used[u];
        nvs_page_t *pg = &p->pg[page];
        if (!pg->chunks) continue;
        for (unsigned i = 0; i < items_end(pg); i++) {
            if (pg->tag[i] == NVS_TAG_NONE) continue;
            nvs_entry_t e;
            esp_err_t err = nvs_read_entry(p, page, i, &e);
            if (err != ESP_OK) return err;
            if (e.type != NVS_ITEM_BLOB_DATA) continue;
            nvs_loc_t ix;
            err = nvs_find(p, e.ns, NVS_ITEM_BLOB_IDX, e.key, NVS_CHUNK_ANY, NULL, &ix);
            if (err != ESP_OK && err != ESP_ERR_NVS_NOT_FOUND) return err;
            bool owned = err == ESP_OK && e.chunk >= ix.e.data[5] &&
                         e.chunk < ix.e.data[5] + ix.e.data[4];
            if (!owned) {
                err = nvs_page_erase_item(p, page, i, nvs_item_span(&e));
                if (err != ESP_OK) return err;
            }
        }
    }
    return ESP_OK;
}

esp_err_t nvs_storage_mount(nvs_part_t *p, uint8_t want_version)
{
    p->nused = p->nfree = 0;
    p->cur = NVS_NO_PAGE;
    p->hfilter_page = NVS_NO_PAGE;
    p->gc_count = 0;
    esp_err_t err = classify_pages(p);
    if (err != ESP_OK) return err;

    bool any_v1 = false;
    for (uint16_t page = 0; page < p->npages; page++) {
        nvs_page_t *pg = &p->pg[page];
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
        err = nvs_page_load(p, p->used[u]);
        if (err != ESP_OK) return err;
    }
    if (!p->read_only) {
        err = drop_interrupted_update(p);
        if (err == ESP_OK) err = finish_gc(p);
        if (err != ESP_OK) return err;
        if (p->nfree < 1) return ESP_ERR_NVS_NO_FREE_PAGES;
    }
    if (p->cur == NVS_NO_PAGE && p->nused) p->cur = p->used[p->nused - 1];
    if (p->cur == NVS_NO_PAGE && !p->read_only) {
        err = activate_free_page(p);
        if (err != ESP_OK) return err;
    }
    return drop_orphan_chunks(p);
}
