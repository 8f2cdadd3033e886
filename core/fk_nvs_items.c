/* NVS items: lookup (spec nvs.md 9.7), writing items and blobs (9.4),
 * reading them, erasing (9.8) and namespaces. */
#include <string.h>
#include "fk_crc32.h"
#include "fk_nvs_priv.h"

#define BLOB_FIRST_CHUNK_MIN (NVS_V2_MAX_VARLEN / 10) /* spec 9.4 */

#define varlen_size fk_nvs_varlen_size

#define items_end fk_nvs_items_end

static uint32_t tailroom(const fk_nvs_part_t *p)
{
    if (p->cur == FK_NVS_NO_PAGE) return 0;
    unsigned t = fk_nvs_page_tail_entries(&p->pg[p->cur]);
    return t ? (t - 1) * NVS_ENTRY_SIZE : 0;
}

/* ---- lookup ---- */

/* Lookup from entry i0 of the u0-th used page on. */
static esp_err_t find_from(fk_nvs_part_t *p, uint8_t ns, uint8_t type, const char *key, uint8_t chunk,
                           const fk_nvs_loc_t *skip, unsigned u0, unsigned i0, fk_nvs_loc_t *out)
{
    unsigned tags = fk_nvs_tags(ns, key, chunk);
    uint8_t tag = (uint8_t)tags, tag2 = (uint8_t)(tags >> 8);
    for (unsigned u = u0; u < p->nused; u++) {
        uint16_t page = p->used[u];
        fk_nvs_page_t *pg = &p->pg[page];
        unsigned end = items_end(pg);
        const uint8_t *t = pg->tag;
        for (unsigned i = u == u0 ? i0 : 0; i < end; i++) {
            const uint8_t *hit = memchr(t + i, tag, end - i);
            if (!hit) break;
            i = (unsigned)(hit - t);
            if (skip && skip->page == page && skip->idx == i) continue;
            if (!fk_nvs_tag2_is(pg, i, tag2)) continue;
            fk_nvs_entry_t e;
            esp_err_t err = fk_nvs_read_entry(p, page, i, &e);
            if (err != ESP_OK) return err;
            if (e.crc != fk_nvs_entry_crc(&e)) {
                /* Flash changed under us: drop the item, as ESP-IDF does. */
                err = fk_nvs_page_erase_item(p, page, i, NULL);
                if (err != ESP_OK) return err;
                continue;
            }
            if (e.chunk != chunk || !fk_nvs_entry_key_eq(&e, ns, key)) continue;
            if (type != NVS_ITEM_ANY && e.type != type) continue;
            out->page = page;
            out->idx = (uint8_t)i;
            out->e = e;
            return ESP_OK;
        }
    }
    return ESP_ERR_NVS_NOT_FOUND;
}

esp_err_t fk_nvs_find(fk_nvs_part_t *p, uint8_t ns, uint8_t type, const char *key, uint8_t chunk,
                      const fk_nvs_loc_t *skip, fk_nvs_loc_t *out)
{
    return find_from(p, ns, type, key, chunk, skip, 0, 0, out);
}

esp_err_t fk_nvs_erase_loc(fk_nvs_part_t *p, const fk_nvs_loc_t *loc)
{
    return fk_nvs_page_erase_item(p, loc->page, loc->idx, &loc->e);
}

/* ---- writing ---- */

/* Writes an item on the current page, or on a new one if it does not fit or
 * if Espressif's runtime would take it for another live item there (issue
 * 12, docs/nvs-engine.md): a page per try, as many tries as pages. */
static esp_err_t write_anywhere(fk_nvs_part_t *p, const fk_nvs_entry_t *hdr, const void *data,
                                uint32_t size, const fk_nvs_loc_t *old, fk_nvs_loc_t *where)
{
    unsigned k = fk_nvs_type_is_varlen(hdr->type) ? fk_nvs_varlen_span(size) : 1;
    esp_err_t err = ESP_OK;
    for (unsigned tries = 0;; tries++) {
        bool clash = false;
        if (p->cur == FK_NVS_NO_PAGE || fk_nvs_page_tail_entries(&p->pg[p->cur]) < k) {
            if (tries) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
        } else {
            err = fk_nvs_page_collides(p, p->cur, hdr, old, &clash);
            if (err != ESP_OK) return err;
            if (!clash) break;
            if (tries > p->npages) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
        }
        err = fk_nvs_next_page(p, k);
        if (err != ESP_OK) return err;
        if (!clash && fk_nvs_page_tail_entries(&p->pg[p->cur]) < k) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    }
    uint16_t page = p->cur;
    uint8_t idx = p->pg[page].next_free;
    err = fk_nvs_page_write_item(p, page, hdr, data, size);
    if (err == ESP_OK && where) {
        where->page = page;
        where->idx = idx;
        where->e = *hdr;
    }
    return err;
}

/* Compares `size` bytes stored from entry idx+1 of a page with buf. */
static esp_err_t data_equal(fk_nvs_part_t *p, uint16_t page, unsigned idx, const void *buf,
                            uint32_t size, bool *eq)
{
    uint8_t tmp[64];
    uint32_t addr = fk_nvs_page_addr(p, page) + NVS_FIRST_ENTRY_OFFSET + (idx + 1) * NVS_ENTRY_SIZE;
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

static esp_err_t erase_blob_chunks(fk_nvs_part_t *p, uint8_t ns, const char *key, uint8_t start,
                                   unsigned count)
{
    for (unsigned c = 0; c < count; c++) {
        fk_nvs_loc_t l;
        esp_err_t err = fk_nvs_find(p, ns, NVS_ITEM_BLOB_DATA, key, (uint8_t)(start + c), NULL, &l);
        if (err == ESP_ERR_NVS_NOT_FOUND) continue;
        if (err == ESP_OK) err = fk_nvs_erase_loc(p, &l);
        if (err != ESP_OK) return err;
    }
    return ESP_OK;
}

/* Erases an item; for a v2 blob index, the index first, then its chunks. */
static esp_err_t erase_whole(fk_nvs_part_t *p, const fk_nvs_loc_t *l)
{
    esp_err_t err = fk_nvs_erase_loc(p, l);
    if (err != ESP_OK || l->e.type != NVS_ITEM_BLOB_IDX) return err;
    return erase_blob_chunks(p, l->e.ns, l->e.key, fk_nvs_blob_idx_start(&l->e), fk_nvs_blob_idx_count(&l->e));
}

/* After writing the new copy: erase the old one, finding it again if a
 * garbage collection moved it meanwhile. Then any other item with that key:
 * ESP-IDF keeps one item per (key, type), so its images may hold several.
 * `old` was the first match in lookup order, so unless a collection
 * reordered the pages the search goes on after it: the entries before it
 * were looked at already (each look at one costs a flash read). */
static esp_err_t erase_old(fk_nvs_part_t *p, fk_nvs_loc_t *old, uint32_t gc_before,
                           const fk_nvs_loc_t *newloc)
{
    esp_err_t err = ESP_OK;
    unsigned u = 0, i = 0;
    if (p->gc_count == gc_before) {
        err = erase_whole(p, old);
        while (u < p->nused && p->used[u] != old->page) u++;
        i = old->idx + 1u;
        if (u == p->nused || p->gc_count != gc_before) u = i = 0;
    }
    while (err == ESP_OK) {
        err = find_from(p, old->e.ns, NVS_ITEM_ANY, old->e.key, NVS_CHUNK_ANY, newloc, u, i, old);
        if (err == ESP_OK) err = erase_whole(p, old);
        while (u < p->nused && p->used[u] != old->page) u++;
        i = old->idx + 1u;
        if (u == p->nused) u = i = 0;
    }
    return err == ESP_ERR_NVS_NOT_FOUND ? ESP_OK : err;
}

static esp_err_t blob_equal(fk_nvs_part_t *p, const fk_nvs_loc_t *idx, const void *data, uint32_t size,
                            bool *eq);

esp_err_t fk_nvs_store_item(fk_nvs_part_t *p, uint8_t ns, uint8_t type, const char *key,
                         const void *data, uint32_t size)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    bool var = fk_nvs_type_is_varlen(type);
    uint32_t max = p->version == NVS_VERSION_V1 || type == NVS_ITEM_BLOB ? NVS_V1_MAX_VARLEN
                                                                         : NVS_V2_MAX_VARLEN;
    if (var && size > max) return ESP_ERR_NVS_VALUE_TOO_LONG;
    fk_nvs_entry_t e;
    fk_nvs_entry_init(&e, ns, type, var ? (uint8_t)fk_nvs_varlen_span(size) : 1, NVS_CHUNK_ANY, key);
    if (var) fk_nvs_entry_set_varlen(&e, (uint16_t)size, fk_crc32_le(0xFFFFFFFFu, data, size));
    else memcpy(e.data, data, size);
    fk_nvs_entry_seal(&e);

    fk_nvs_loc_t old;
    esp_err_t err = fk_nvs_find(p, ns, NVS_ITEM_ANY, key, NVS_CHUNK_ANY, NULL, &old);
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
    fk_nvs_loc_t nl;
    err = write_anywhere(p, &e, data, size, have_old ? &old : NULL, &nl);
    if (err != ESP_OK || !have_old) return err;
    return erase_old(p, &old, gc_before, &nl);
}

esp_err_t fk_nvs_store_blob(fk_nvs_part_t *p, uint8_t ns, const char *key, const void *data,
                         uint32_t size)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    if (p->version == NVS_VERSION_V1) return fk_nvs_store_item(p, ns, NVS_ITEM_BLOB, key, data, size);
    if (size > fk_nvs_blob_max_bytes(p->npages)) return ESP_ERR_NVS_VALUE_TOO_LONG;

    fk_nvs_loc_t old;
    esp_err_t err = fk_nvs_find(p, ns, NVS_ITEM_ANY, key, NVS_CHUNK_ANY, NULL, &old);
    bool have_old = err == ESP_OK;
    if (!have_old && err != ESP_ERR_NVS_NOT_FOUND) return err;
    uint8_t start = 0;
    if (have_old && old.e.type == NVS_ITEM_BLOB_IDX) {
        bool eq;
        err = blob_equal(p, &old, data, size, &eq);
        if (err != ESP_OK) return err;
        if (eq) return ESP_OK;
        start = (uint8_t)(fk_nvs_blob_idx_start(&old.e) ^ NVS_BLOB_START_FLIP);
    }
    uint32_t gc_before = p->gc_count;

    /* A first chunk squeezed into a nearly full page is not worth it. */
    uint32_t tail = tailroom(p);
    if ((tail < size || (tail == 0 && size == 0)) && tail < BLOB_FIRST_CHUNK_MIN) {
        err = p->cur == FK_NVS_NO_PAGE ? ESP_OK : fk_nvs_page_mark_full(p, p->cur);
        if (err == ESP_OK) err = fk_nvs_request_new_page(p, 2);
        if (err != ESP_OK) return err;
        tail = tailroom(p);
        if (tail < size && tail < BLOB_FIRST_CHUNK_MIN) return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    }
    const uint8_t *src = data;
    uint32_t off = 0;
    unsigned n = 0, clashes = 0;
    for (;;) {
        uint32_t chunk = size - off < tail ? size - off : tail;
        bool room = fk_nvs_page_tail_entries(&p->pg[p->cur]) >= 1;
        fk_nvs_entry_t e;
        fk_nvs_entry_init(&e, ns, NVS_ITEM_BLOB_DATA, (uint8_t)fk_nvs_varlen_span(chunk),
                       (uint8_t)(start + n), key);
        if (room) {
            /* A chunk the runtime would take for another item goes to the next page. */
            bool clash;
            err = fk_nvs_page_collides(p, p->cur, &e, NULL, &clash);
            if (err == ESP_OK && clash && ++clashes > p->npages) err = ESP_ERR_NVS_NOT_ENOUGH_SPACE;
            if (err != ESP_OK) break;
            room = !clash;
        }
        if (room && (chunk > 0 || (size == 0 && n == 0))) {
            if (n == NVS_BLOB_MAX_CHUNKS) {
                err = ESP_ERR_NVS_VALUE_TOO_LONG;
                break;
            }
            fk_nvs_entry_set_varlen(&e, (uint16_t)chunk, fk_crc32_le(0xFFFFFFFFu, src + off, chunk));
            fk_nvs_entry_seal(&e);
            err = fk_nvs_page_write_item(p, p->cur, &e, src + off, chunk);
            if (err != ESP_OK) break;
            n++;
            off += chunk;
            if (off == size && tailroom(p) >= NVS_ENTRY_SIZE) break;
        }
        /* Data remains, or the page has no room left worth keeping. */
        err = fk_nvs_page_mark_full(p, p->cur);
        if (err == ESP_OK) err = fk_nvs_request_new_page(p, 2);
        if (err != ESP_OK || (off == size && n > 0)) break;
        tail = tailroom(p);
    }
    fk_nvs_loc_t nl;
    if (err == ESP_OK) {
        fk_nvs_entry_t ix;
        fk_nvs_entry_init(&ix, ns, NVS_ITEM_BLOB_IDX, 1, NVS_CHUNK_ANY, key);
        fk_put_le32(ix.data, size);
        ix.data[4] = (uint8_t)n;
        ix.data[5] = start;
        fk_nvs_entry_seal(&ix);
        err = write_anywhere(p, &ix, NULL, 0, have_old ? &old : NULL, &nl);
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

static esp_err_t read_var_item(fk_nvs_part_t *p, const fk_nvs_loc_t *l, uint8_t *buf, uint32_t cap,
                               uint32_t *got)
{
    uint32_t size = varlen_size(&l->e);
    if (size > cap) return ESP_ERR_NVS_INVALID_LENGTH;
    uint32_t addr = fk_nvs_page_addr(p, l->page) + NVS_FIRST_ENTRY_OFFSET + (l->idx + 1u) * NVS_ENTRY_SIZE;
    esp_err_t err = fk_flash_read(p->flash, addr, buf, size);
    if (err != ESP_OK) return err;
    if (fk_crc32_le(0xFFFFFFFFu, buf, size) != fk_le32(l->e.data + 4)) {
        err = fk_nvs_erase_loc(p, l);
        return err == ESP_OK ? ESP_ERR_NVS_NOT_FOUND : err;
    }
    *got = size;
    return ESP_OK;
}

static esp_err_t blob_equal(fk_nvs_part_t *p, const fk_nvs_loc_t *idx, const void *data, uint32_t size,
                            bool *eq)
{
    *eq = false;
    if (fk_le32(idx->e.data) != size) return ESP_OK;
    uint32_t off = 0;
    for (unsigned c = 0; c < fk_nvs_blob_idx_count(&idx->e); c++) {
        fk_nvs_loc_t l;
        esp_err_t err = fk_nvs_find(p, idx->e.ns, NVS_ITEM_BLOB_DATA, idx->e.key,
                                 (uint8_t)(fk_nvs_blob_idx_start(&idx->e) + c), NULL, &l);
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

static esp_err_t read_blob_v2(fk_nvs_part_t *p, const fk_nvs_loc_t *ix, uint8_t *buf, size_t *len)
{
    uint32_t size = fk_le32(ix->e.data);
    if (!buf) {
        *len = size;
        return ESP_OK;
    }
    if (*len < size) return ESP_ERR_NVS_INVALID_LENGTH;
    uint32_t off = 0;
    esp_err_t err = ESP_OK;
    for (unsigned c = 0; c < fk_nvs_blob_idx_count(&ix->e) && err == ESP_OK; c++) {
        fk_nvs_loc_t l;
        err = fk_nvs_find(p, ix->e.ns, NVS_ITEM_BLOB_DATA, ix->e.key, (uint8_t)(fk_nvs_blob_idx_start(&ix->e) + c),
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

esp_err_t fk_nvs_load_var(fk_nvs_part_t *p, uint8_t ns, uint8_t type, const char *key, void *buf,
                       size_t *len)
{
    fk_nvs_loc_t l;
    esp_err_t err;
    if (type == NVS_ITEM_BLOB_DATA) { /* a blob: v2 index first, then a v1 item */
        err = fk_nvs_find(p, ns, NVS_ITEM_BLOB_IDX, key, NVS_CHUNK_ANY, NULL, &l);
        if (err == ESP_OK) return read_blob_v2(p, &l, buf, len);
        if (err != ESP_ERR_NVS_NOT_FOUND) return err;
        type = NVS_ITEM_BLOB;
    }
    err = fk_nvs_find(p, ns, type, key, NVS_CHUNK_ANY, NULL, &l);
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

esp_err_t fk_nvs_erase_key_any(fk_nvs_part_t *p, uint8_t ns, const char *key)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    fk_nvs_loc_t l;
    esp_err_t err = fk_nvs_find(p, ns, NVS_ITEM_ANY, key, NVS_CHUNK_ANY, NULL, &l);
    if (err != ESP_OK) return err;
    return erase_whole(p, &l);
}

esp_err_t fk_nvs_erase_ns(fk_nvs_part_t *p, uint8_t ns)
{
    if (p->read_only) return ESP_ERR_NVS_READ_ONLY;
    /* Blob chunks last, so a cut leaves no index pointing at missing chunks. */
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned u = 0; u < p->nused; u++) {
            uint16_t page = p->used[u];
            fk_nvs_page_t *pg = &p->pg[page];
            unsigned end = items_end(pg);
            for (unsigned i = 0; i < end; i++) {
                if (pg->tag[i] == FK_NVS_TAG_NONE) continue;
                fk_nvs_entry_t e;
                esp_err_t err = fk_nvs_read_entry(p, page, i, &e);
                if (err != ESP_OK) return err;
                if (e.ns != ns || (e.type == NVS_ITEM_BLOB_DATA) != (pass == 1)) continue;
                err = fk_nvs_page_erase_item(p, page, i, &e);
                if (err != ESP_OK) return err;
            }
        }
    }
    return ESP_OK;
}

/* ---- namespaces ---- */

esp_err_t fk_nvs_ns_get(fk_nvs_part_t *p, const char *name, bool create, uint8_t *ns)
{
    fk_nvs_loc_t l;
    esp_err_t err = fk_nvs_find(p, 0, NVS_ITEM_U8, name, NVS_CHUNK_ANY, NULL, &l);
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
    err = fk_nvs_store_item(p, 0, NVS_ITEM_U8, name, &v, 1);
    if (err != ESP_OK) return err;
    p->ns_used[idx / 8] |= (uint8_t)(1u << (idx % 8));
    *ns = v;
    return ESP_OK;
}

