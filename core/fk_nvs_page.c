/* NVS page layer: entry I/O, the state bitmap, and loading one page with the
 * in-page recovery rules of spec nvs.md 9.2. */
#include <string.h>
#include "fk_crc32.h"
#include "fk_nvs_read.h"
#include "fk_nvs_priv.h"

/* Entries a write of an item takes from a stack buffer (header included). */
#define FK_NVS_WRITE_ENTRIES 4u

static uint32_t slot_hash(uint8_t ns, const char *key, uint8_t chunk)
{
    fk_nvs_entry_t e;
    memset(&e, 0, sizeof e);
    e.ns = ns;
    e.chunk = chunk;
    for (unsigned i = 0; i < NVS_KEY_MAX && key[i]; i++) e.key[i] = key[i];
    return fk_nvs_hash24_v2(&e);
}

unsigned fk_nvs_tags(uint8_t ns, const char *key, uint8_t chunk)
{
    /* Only filters (the key is always compared in full), taken from the v2
     * runtime's own hash so that its collisions (issue 12) share a tag. */
    uint32_t h = slot_hash(ns, key, chunk);
    return h % 255u | (FK_NVS_WIDE_TAGS ? (h >> 16 & 0xFFu) << 8 : 0u);
}

uint32_t fk_nvs_page_addr(const fk_nvs_part_t *p, uint16_t page)
{
    return p->base + (uint32_t)page * NVS_PAGE_SIZE;
}

static uint32_t entry_addr(const fk_nvs_part_t *p, uint16_t page, unsigned idx)
{
    return fk_nvs_page_addr(p, page) + NVS_FIRST_ENTRY_OFFSET + idx * NVS_ENTRY_SIZE;
}

esp_err_t fk_nvs_read_entry(fk_nvs_part_t *p, uint16_t page, unsigned idx, fk_nvs_entry_t *e)
{
    return fk_flash_read(p->flash, entry_addr(p, page, idx), e, sizeof *e);
}

esp_err_t fk_nvs_page_set_state(fk_nvs_part_t *p, uint16_t page, uint32_t state)
{
    uint8_t w[4];
    fk_put_le32(w, state);
    return fk_flash_write(p->flash, fk_nvs_page_addr(p, page), w, 4);
}

bool fk_nvs_entry_key_eq(const fk_nvs_entry_t *e, uint8_t ns, const char *key)
{
    return e->ns == ns && strncmp(e->key, key, NVS_KEY_MAX) == 0;
}

static void count_transition(fk_nvs_page_t *pg, unsigned from, unsigned to)
{
    if (from == NVS_ENTRY_WRITTEN) pg->used--;
    else if (from == NVS_ENTRY_ERASED) pg->erased--;
    if (to == NVS_ENTRY_WRITTEN) pg->used++;
    else if (to == NVS_ENTRY_ERASED) pg->erased++;
}

/* Bitmap words w0..w1 from the RAM mirror, in one write: a write costs the
 * device about as much for 4 bytes as for 16 (flash_timing.h). A torn write
 * leaves any mix of old and new states; load sorts each mix out (see
 * fk_nvs_page_write_item). */
static esp_err_t write_bitmap_words(fk_nvs_part_t *p, uint16_t page, unsigned w0, unsigned w1)
{
    return fk_flash_write(p->flash, fk_nvs_page_addr(p, page) + NVS_BITMAP_OFFSET + 4 * w0,
                          p->pg[page].bitmap + 4 * w0, 4 * (w1 - w0 + 1));
}

esp_err_t fk_nvs_bitmap_mark(fk_nvs_part_t *p, uint16_t page, unsigned from, unsigned n, unsigned st)
{
    fk_nvs_page_t *pg = &p->pg[page];
    if (!n) return ESP_OK;
    if (st == NVS_ENTRY_ERASED) {
        /* EMPTY (11) to ERASED (00) clears two bits, and a torn write could
         * stop at 10, WRITTEN. Go through 01 (which load erases) instead. */
        bool two_step = false;
        for (unsigned i = from; i < from + n; i++)
            if (fk_nvs_bitmap_get(pg->bitmap, i) == NVS_ENTRY_EMPTY) {
                fk_nvs_bitmap_set(pg->bitmap, i, NVS_ENTRY_ILLEGAL);
                two_step = true;
            }
        if (two_step && !p->read_only) {
            esp_err_t err = write_bitmap_words(p, page, from / 16, (from + n - 1) / 16);
            if (err != ESP_OK) return err;
        }
    }
    for (unsigned i = from; i < from + n; i++) {
        unsigned old = fk_nvs_bitmap_get(pg->bitmap, i);
        if (old == st) continue;
        count_transition(pg, old == NVS_ENTRY_ILLEGAL ? NVS_ENTRY_EMPTY : old, st);
        fk_nvs_bitmap_set(pg->bitmap, i, st);
    }
    if (p->read_only) return ESP_OK;
    return write_bitmap_words(p, page, from / 16, (from + n - 1) / 16);
}

/* Can an item's header and data entries be erased in one write? A torn
 * write may erase the header and leave data entries WRITTEN; load then takes
 * each for an item of its own. That is harmless only if none passes for one
 * (load erases it): a blob may hold NVS entries on purpose. A string's data
 * is text up to one NUL and 0xFF padding after it, and a valid item needs a
 * NUL in its key field (bytes 8..23): only the entry holding the NUL could
 * pass, and only if the NUL falls there. */
static bool text_cannot_pass(const fk_nvs_entry_t *hdr)
{
    if (hdr->type != NVS_ITEM_SZ) return false;
    unsigned nul = (fk_nvs_varlen_size(hdr) + NVS_ENTRY_SIZE - 1u) % NVS_ENTRY_SIZE;
    return nul < 8 || nul > 23;
}

/* Other items: one read of the data (up to two entries) costs the device
 * less than a second bitmap write. Out of line, so that its buffer is not
 * on the stack under the bitmap write (ESP8266 stacks are small). */
static __attribute__((noinline)) bool data_cannot_pass(fk_nvs_part_t *p, uint16_t page, unsigned idx, unsigned span)
{
    fk_nvs_entry_t d[2];
    if (span > 3) return false;
    if (fk_flash_read(p->flash, entry_addr(p, page, idx + 1), d, (span - 1) * sizeof d[0]) != ESP_OK)
        return false;
    for (unsigned k = 0; k + 1 < span; k++)
        if (fk_nvs_entry_crc(&d[k]) == d[k].crc) return false;
    return true;
}

static bool erase_in_one_write(fk_nvs_part_t *p, uint16_t page, unsigned idx, unsigned span,
                               const fk_nvs_entry_t *hdr)
{
    if (span < 2 || p->read_only) return false;
    for (unsigned i = idx + 1; i < idx + span; i++)
        if (fk_nvs_bitmap_get(p->pg[page].bitmap, i) != NVS_ENTRY_WRITTEN) return false;
    return text_cannot_pass(hdr) || data_cannot_pass(p, page, idx, span);
}

esp_err_t fk_nvs_page_erase_item(fk_nvs_part_t *p, uint16_t page, unsigned idx, const fk_nvs_entry_t *hdr)
{
    fk_nvs_page_t *pg = &p->pg[page];
    unsigned span = hdr ? fk_nvs_item_span(hdr) : 1;
    if (idx + span > NVS_ENTRY_COUNT) span = NVS_ENTRY_COUNT - idx;
    pg->tag[idx] = FK_NVS_TAG_NONE;
    if (erase_in_one_write(p, page, idx, span, hdr)) return fk_nvs_bitmap_mark(p, page, idx, span, NVS_ENTRY_ERASED);
    /* Data entries before the header: a header still WRITTEN over a partly
     * erased span is dropped at load, and no data entry that could pass for
     * an item is ever left WRITTEN without its header. */
    esp_err_t err = fk_nvs_bitmap_mark(p, page, idx + 1, span - 1, NVS_ENTRY_ERASED);
    if (err != ESP_OK) return err;
    return fk_nvs_bitmap_mark(p, page, idx, 1, NVS_ENTRY_ERASED);
}

static esp_err_t write_header_if_pending(fk_nvs_part_t *p, uint16_t page, uint32_t state)
{
    fk_nvs_page_t *pg = &p->pg[page];
    if (pg->state != PS_PENDING) return ESP_OK;
    uint8_t hdr[32];
    fk_nvs_header_build(hdr, state, pg->seq, p->version);
    pg->version = p->version;
    pg->state = state == NVS_PAGE_FULL ? PS_FULL : PS_ACTIVE;
    return fk_flash_write(p->flash, fk_nvs_page_addr(p, page), hdr, sizeof hdr);
}

esp_err_t fk_nvs_page_mark_full(fk_nvs_part_t *p, uint16_t page)
{
    fk_nvs_page_t *pg = &p->pg[page];
    if (pg->state == PS_PENDING) return write_header_if_pending(p, page, NVS_PAGE_FULL);
    if (pg->state != PS_ACTIVE) return ESP_OK;
    pg->state = PS_FULL;
    return fk_nvs_page_set_state(p, page, NVS_PAGE_FULL);
}

/* One byte of a hash per item of the current page, beside its tag: on v1
 * partitions the v1 runtime's hash (which has no tag of its own), on v2
 * ones the v2 hash's bits above the tag's. Most writes then know without
 * reading flash that nothing there shares their hash. */
static uint8_t hsig_of(const fk_nvs_part_t *p, const fk_nvs_entry_t *e)
{
    return (uint8_t)(p->version == NVS_VERSION_V1 ? fk_nvs_hash24_v1(e) : fk_nvs_hash24_v2(e) >> 8);
}

static void hsig_add(fk_nvs_part_t *p, uint16_t page, unsigned idx, const fk_nvs_entry_t *e)
{
    if (p->hsig_page == page) p->hsig[idx] = hsig_of(p, e);
}

esp_err_t fk_nvs_page_collides(fk_nvs_part_t *p, uint16_t page, const fk_nvs_entry_t *hdr,
                               const fk_nvs_loc_t *known, bool *clash)
{
    fk_nvs_page_t *pg = &p->pg[page];
    bool part_v1 = p->version == NVS_VERSION_V1, v1 = part_v1 && hdr->chunk == NVS_CHUNK_ANY;
    bool have = p->hsig_page == page;
    /* The v1 hash is not in the tags: after a mount, read every live item of
     * the page once to learn theirs. */
    bool rebuild = v1 && !have;
    unsigned tags = fk_nvs_tags(hdr->ns, hdr->key, hdr->chunk);
    uint8_t tag = (uint8_t)tags, tag2 = (uint8_t)(tags >> 8), sig = hsig_of(p, hdr);
    *clash = false;
    if (rebuild) p->hsig_page = page;
    unsigned end = fk_nvs_items_end(pg);
    for (unsigned i = 0; i < end; i++) {
        if (pg->tag[i] == FK_NVS_TAG_NONE) continue;
        /* Equal v2 hashes share a tag (and on v2 partitions a signature
         * byte); equal v1 hashes share a signature byte. */
        bool v2_maybe = pg->tag[i] == tag && fk_nvs_tag2_is(pg, i, tag2);
        bool maybe = rebuild || (part_v1 ? v2_maybe || (v1 && p->hsig[i] == sig)
                                         : v2_maybe && (!have || p->hsig[i] == sig));
        if (!maybe) continue;
        fk_nvs_entry_t o;
        /* The key's old copy often sits on this page: its entry is in hand. */
        esp_err_t err = known && known->page == page && known->idx == i ? (o = known->e, ESP_OK)
                                                                         : fk_nvs_read_entry(p, page, i, &o);
        if (err != ESP_OK) {
            if (rebuild) p->hsig_page = FK_NVS_NO_PAGE;
            return err;
        }
        if (rebuild) p->hsig[i] = hsig_of(p, &o);
        if (fk_nvs_hash_collide(&o, hdr, v1)) {
            *clash = true;
            if (!rebuild) return ESP_OK;
        }
    }
    return ESP_OK;
}

/* Writes a header and its k data entries (the last one padded with 0xFF) in
 * as few flash writes as a small stack buffer allows: every write costs a
 * command round trip on the device, and one write of 64 bytes is cheaper
 * than two of 32. Writes stay whole entries, as an encrypting flash under
 * the engine needs. */
static esp_err_t write_entries(fk_nvs_part_t *p, uint32_t addr, const fk_nvs_entry_t *hdr,
                               const uint8_t *data, uint32_t size, unsigned k)
{
    uint8_t buf[FK_NVS_WRITE_ENTRIES * NVS_ENTRY_SIZE];
    memcpy(buf, hdr, NVS_ENTRY_SIZE);
    unsigned first = k < FK_NVS_WRITE_ENTRIES - 1 ? k : FK_NVS_WRITE_ENTRIES - 1;
    uint32_t n = first * NVS_ENTRY_SIZE < size ? first * NVS_ENTRY_SIZE : size;
    memset(buf + NVS_ENTRY_SIZE, 0xFF, first * NVS_ENTRY_SIZE);
    if (n) memcpy(buf + NVS_ENTRY_SIZE, data, n);
    esp_err_t err = fk_flash_write(p->flash, addr, buf, (1 + first) * NVS_ENTRY_SIZE);
    if (err != ESP_OK || first == k) return err;
    /* Longer items: the whole entries straight from the caller's data, then
     * the padded last one. */
    addr += (1 + first) * NVS_ENTRY_SIZE;
    data += n;
    size -= n;
    uint32_t full = size / NVS_ENTRY_SIZE * NVS_ENTRY_SIZE;
    if (full) err = fk_flash_write(p->flash, addr, data, full);
    if (err == ESP_OK && size > full) {
        memset(buf, 0xFF, NVS_ENTRY_SIZE);
        memcpy(buf, data + full, size - full);
        err = fk_flash_write(p->flash, addr + full, buf, NVS_ENTRY_SIZE);
    }
    return err;
}

esp_err_t fk_nvs_page_write_item(fk_nvs_part_t *p, uint16_t page, const fk_nvs_entry_t *hdr,
                              const void *data, uint32_t size)
{
    fk_nvs_page_t *pg = &p->pg[page];
    unsigned k = fk_nvs_type_is_varlen(hdr->type) ? fk_nvs_varlen_span(size) : 1;
    if (fk_nvs_page_tail_entries(pg) < k) return ESP_ERR_NVS_PAGE_FULL;
    esp_err_t err = write_header_if_pending(p, page, NVS_PAGE_ACTIVE);
    if (err != ESP_OK) return err;
    unsigned idx = pg->next_free;
    pg->next_free = (uint8_t)(idx + k);
    /* Header and data first, then all their bitmap bits in one write. A cut
     * before the bitmap write leaves dirty EMPTY entries, which load marks
     * ERASED. A torn bitmap write can leave any mix of WRITTEN and EMPTY:
     * a WRITTEN header over a data entry still EMPTY is an incomplete item,
     * and a header still EMPTY (dirty, with a valid CRC) takes its whole span
     * with it when load erases it (fk_nvs_walk_next), so a data entry marked
     * WRITTEN never outlives its header as an item of its own. */
    err = write_entries(p, entry_addr(p, page, idx), hdr, data, size, k - 1);
    if (err == ESP_OK) err = fk_nvs_bitmap_mark(p, page, idx, k, NVS_ENTRY_WRITTEN);
    if (err != ESP_OK) return err;
    unsigned tags = fk_nvs_tags(hdr->ns, hdr->key, hdr->chunk);
    pg->tag[idx] = (uint8_t)tags;
    fk_nvs_tag2_set(pg, idx, (uint8_t)(tags >> 8));
    hsig_add(p, page, idx, hdr);
    return ESP_OK;
}

esp_err_t fk_nvs_page_copy_item(fk_nvs_part_t *p, uint16_t dst, uint16_t src, unsigned idx,
                             unsigned span, uint8_t tag)
{
    fk_nvs_page_t *pg = &p->pg[dst];
    if (fk_nvs_page_tail_entries(pg) < span) return ESP_ERR_NVS_PAGE_FULL;
    esp_err_t err = write_header_if_pending(p, dst, NVS_PAGE_ACTIVE);
    if (err != ESP_OK) return err;
    unsigned to = pg->next_free;
    pg->next_free = (uint8_t)(to + span);
    uint8_t buf[4 * NVS_ENTRY_SIZE];
    for (unsigned done = 0; done < span;) {
        unsigned n = span - done > 4 ? 4 : span - done;
        err = fk_flash_read(p->flash, entry_addr(p, src, idx + done), buf, n * NVS_ENTRY_SIZE);
        if (err == ESP_OK && done == 0) {
            fk_nvs_entry_t e;
            memcpy(&e, buf, sizeof e);
            hsig_add(p, dst, to, &e);
        }
        if (err == ESP_OK)
            err = fk_flash_write(p->flash, entry_addr(p, dst, to + done), buf, n * NVS_ENTRY_SIZE);
        if (err != ESP_OK) return err;
        done += n;
    }
    err = fk_nvs_bitmap_mark(p, dst, to, span, NVS_ENTRY_WRITTEN);
    if (err == ESP_OK) {
        pg->tag[to] = tag;
#if FK_NVS_WIDE_TAGS
        pg->tag2[to] = p->pg[src].tag2[idx];
#endif
    }
    return err;
}

/* Erases an earlier item on this page with the same namespace, key and chunk
 * (an update writes the new copy before erasing the old one). */
static esp_err_t drop_older_duplicate(fk_nvs_part_t *p, uint16_t page, unsigned idx,
                                      const fk_nvs_entry_t *e, uint8_t tag)
{
    fk_nvs_page_t *pg = &p->pg[page];
    for (unsigned j = 0; j < idx; j++) {
        if (pg->tag[j] != tag) continue;
        fk_nvs_entry_t o;
        esp_err_t err = fk_nvs_read_entry(p, page, j, &o);
        if (err != ESP_OK) return err;
        if (o.chunk == e->chunk && fk_nvs_entry_key_eq(&o, e->ns, e->key))
            return fk_nvs_page_erase_item(p, page, j, &o);
    }
    return ESP_OK;
}

esp_err_t fk_nvs_page_load(fk_nvs_part_t *p, uint16_t page)
{
    fk_nvs_page_t *pg = &p->pg[page];
    esp_err_t err = fk_flash_read(p->flash, fk_nvs_page_addr(p, page) + NVS_BITMAP_OFFSET,
                                  pg->bitmap, sizeof pg->bitmap);
    if (err != ESP_OK) return err;
    memset(pg->tag, FK_NVS_TAG_NONE, sizeof pg->tag);
    /* During the load the signature bytes are a 512-bit filter (below). */
    memset(p->hsig, 0, sizeof p->hsig);
    p->hsig_page = FK_NVS_NO_PAGE;
    pg->used = pg->erased = pg->chunks = 0;
    for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++) {
        unsigned st = fk_nvs_bitmap_get(pg->bitmap, i);
        if (st == NVS_ENTRY_WRITTEN) pg->used++;
        else if (st == NVS_ENTRY_ERASED) pg->erased++;
    }
    for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++) {
        if (fk_nvs_bitmap_get(pg->bitmap, i) == NVS_ENTRY_ILLEGAL) {
            err = fk_nvs_bitmap_mark(p, page, i, 1, NVS_ENTRY_ERASED);
            if (err != ESP_OK) return err;
        }
    }
    /* The walk decides; this applies its verdicts (the dumper shows them). */
    fk_nvs_walk_t w;
    fk_nvs_walk_init(&w, p->flash, fk_nvs_page_addr(p, page), pg->bitmap, pg->state == PS_ACTIVE);
    fk_nvs_ent_t it;
    while ((err = fk_nvs_walk_next(&w, &it)) == ESP_OK) {
        switch (it.verdict) {
        case FK_NVS_ENT_HALF_WRITTEN:
        case FK_NVS_ENT_BAD_CRC:
        case FK_NVS_ENT_BAD_KEY:
        case FK_NVS_ENT_BAD_SPAN:
            err = fk_nvs_bitmap_mark(p, page, it.idx, it.span, NVS_ENTRY_ERASED);
            break;
        case FK_NVS_ENT_INCOMPLETE:
            err = fk_nvs_page_erase_item(p, page, it.idx, &it.e);
            break;
        case FK_NVS_ENT_ITEM: {
            const fk_nvs_entry_t *e = &it.e;
            uint32_t h = slot_hash(e->ns, e->key, e->chunk);
            uint8_t tag = (uint8_t)(h % 255u);
            /* With the tag alone one item in 255 of the page would be read
             * again for nothing at every mount: 9 more bits of the hash of
             * the items seen so far, in a 512-bit filter over the signature
             * bytes (unused until the mount is done), skip most of those
             * reads. */
            unsigned b = (h >> 8) & 511u;
            if (p->hsig[b / 8] >> (b % 8) & 1) err = drop_older_duplicate(p, page, it.idx, e, tag);
            p->hsig[b / 8] |= (uint8_t)(1u << (b % 8));
            pg->tag[it.idx] = tag;
            fk_nvs_tag2_set(pg, it.idx, (uint8_t)(h >> 16));
            /* Namespace indices in use (spec 9.3 point 4); items without a
             * namespace entry keep theirs reserved too. */
            uint8_t ns = e->ns == 0 && e->type == NVS_ITEM_U8 ? e->data[0] : e->ns;
            p->ns_used[ns / 8] |= (uint8_t)(1u << (ns % 8));
            if (e->type == NVS_ITEM_BLOB_DATA && pg->chunks < 255) pg->chunks++;
            break;
        }
        default:
            break;
        }
        if (err != ESP_OK) return err;
    }
    if (err != ESP_ERR_NOT_FOUND) return err;
    pg->next_free = w.next_free;
    return ESP_OK;
}
