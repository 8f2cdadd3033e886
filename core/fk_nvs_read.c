#include "fk_nvs_read.h"

#include <string.h>
#include "fk_crc32.h"

/* Byte buffers of unknown alignment: memcpy keeps the lx106, which traps on
 * unaligned loads, safe, and compiles to one load where alignment is known. */
static bool blank(const uint8_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t v;
        memcpy(&v, b + i, 4);
        if (v != 0xFFFFFFFFu) return false;
    }
    for (; i < n; i++)
        if (b[i] != 0xFF) return false;
    return true;
}

esp_err_t fk_nvs_read_page_header(fk_flash_t *flash, uint32_t page_addr, fk_nvs_page_hdr_t *out)
{
    uint8_t hdr[32];
    esp_err_t err = fk_flash_read(flash, page_addr, hdr, sizeof hdr);
    if (err != ESP_OK) return err;
    out->state_word = fk_le32(hdr);
    out->seq = fk_le32(hdr + 4);
    out->version = hdr[8];
    out->crc_ok = fk_le32(hdr + 28) == fk_nvs_header_crc(hdr);
    if (out->state_word == NVS_PAGE_UNINITIALIZED) {
        /* The whole sector must be erased, or a write was cut there. */
        uint32_t buf[64]; /* words, so the check runs a word at a time on aligned loads */
        out->kind = FK_NVS_PAGE_BLANK;
        for (uint32_t off = 0; off < NVS_PAGE_SIZE; off += sizeof buf) {
            err = fk_flash_read(flash, page_addr + off, buf, sizeof buf);
            if (err != ESP_OK) return err;
            uint32_t all = 0xFFFFFFFFu;
            for (unsigned k = 0; k < 64; k++) all &= buf[k];
            if (all != 0xFFFFFFFFu) {
                out->kind = FK_NVS_PAGE_NOT_ERASED;
                break;
            }
        }
        return ESP_OK;
    }
    if (!out->crc_ok) out->kind = FK_NVS_PAGE_BAD_CRC;
    else if (out->version < NVS_VERSION_V2) out->kind = FK_NVS_PAGE_NEW_VERSION;
    else if (out->state_word == NVS_PAGE_ACTIVE) out->kind = FK_NVS_PAGE_ACTIVE;
    else if (out->state_word == NVS_PAGE_FULL) out->kind = FK_NVS_PAGE_FULL;
    else if (out->state_word == NVS_PAGE_FREEING) out->kind = FK_NVS_PAGE_FREEING;
    else out->kind = FK_NVS_PAGE_BAD_STATE;
    return ESP_OK;
}

bool fk_nvs_type_known(uint8_t type)
{
    return fk_nvs_type_int_size(type) || fk_nvs_type_is_varlen(type) || type == NVS_ITEM_BLOB_IDX;
}

unsigned fk_nvs_item_span(const fk_nvs_entry_t *e)
{
    if (fk_nvs_type_is_varlen(e->type)) return fk_nvs_varlen_span(fk_nvs_varlen_size(e));
    if (fk_nvs_type_known(e->type)) return 1;
    /* A type this engine does not know: trust the span, as ESP-IDF does. */
    return e->span >= 1 && e->span <= NVS_ENTRY_COUNT ? e->span : 1;
}

bool fk_nvs_data_crc_ok(const fk_nvs_entry_t *e, const uint8_t *payload)
{
    return fk_crc32_le(0xFFFFFFFFu, payload, fk_nvs_varlen_size(e)) == fk_nvs_varlen_crc(e);
}

/* A header the engine accepts: CRC, a NUL-terminated key, a span that fits
 * the page and, for variable-length types, a span field that agrees with
 * the size. */
static fk_nvs_verdict_t header_verdict(const fk_nvs_entry_t *e, unsigned idx, unsigned *span)
{
    *span = 1;
    if (fk_nvs_entry_crc(e) != e->crc) return FK_NVS_ENT_BAD_CRC;
    /* Text without a NUL never passes for an item, so a string's data
     * entries cannot come to life as items (fk_nvs_page_erase_item). */
    if (!memchr(e->key, 0, sizeof e->key)) return FK_NVS_ENT_BAD_KEY;
    unsigned s = fk_nvs_item_span(e);
    if (idx + s > NVS_ENTRY_COUNT) return FK_NVS_ENT_BAD_SPAN;
    if (fk_nvs_type_is_varlen(e->type) && e->span != s) return FK_NVS_ENT_BAD_SPAN;
    *span = s;
    return FK_NVS_ENT_ITEM;
}

static bool all_in_state(const uint8_t *bm, unsigned from, unsigned n, unsigned st)
{
    for (unsigned k = 0; k < n; k++)
        if (fk_nvs_bitmap_get(bm, from + k) != st) return false;
    return true;
}

void fk_nvs_walk_init(fk_nvs_walk_t *w, fk_flash_t *flash, uint32_t page_addr,
                      const uint8_t bitmap[32], bool active)
{
    w->flash = flash;
    w->page_addr = page_addr;
    w->bitmap = bitmap;
    w->active = active;
    w->details = false;
    w->tail_done = !active;
    int last = -1;
    for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++)
        if (fk_nvs_bitmap_get(bitmap, i) != NVS_ENTRY_EMPTY) last = (int)i;
    /* An ACTIVE page is written in order: nothing past the last marked entry
     * is an item. FULL and FREEING pages may have holes anywhere. */
    w->i = 0;
    w->limit = (uint8_t)(active ? (unsigned)(last + 1) : NVS_ENTRY_COUNT);
    w->next_free = w->limit;
    w->ahead = FK_NVS_WALK_AHEAD;
    w->cache_at = w->cache_n = 0;
}

/* Reads entry idx, and with it the WRITTEN entries after it (up to w->ahead)
 * that the walk will likely want next. Entry bytes never change while a
 * page is walked (the engine only marks bitmap bits), so the copy stays good. */
static esp_err_t read_entry(fk_nvs_walk_t *w, unsigned idx, fk_nvs_entry_t *e)
{
    if (idx < w->cache_at || idx >= (unsigned)w->cache_at + w->cache_n) {
        unsigned n = 1;
        while (n < w->ahead && idx + n < w->limit && fk_nvs_bitmap_get(w->bitmap, idx + n) == NVS_ENTRY_WRITTEN)
            n++;
        esp_err_t err = fk_flash_read(w->flash, w->page_addr + NVS_FIRST_ENTRY_OFFSET + idx * NVS_ENTRY_SIZE,
                                      w->cache, n * NVS_ENTRY_SIZE);
        if (err != ESP_OK) {
            w->cache_n = 0;
            return err;
        }
        w->cache_at = (uint8_t)idx;
        w->cache_n = (uint8_t)n;
    }
    memcpy(e, w->cache + (idx - w->cache_at) * NVS_ENTRY_SIZE, sizeof *e);
    return ESP_OK;
}

/* ACTIVE page, past the items: entries there must be erased flash; anything
 * else is a write cut before its bitmap update, retired up to the last one. */
static esp_err_t walk_tail(fk_nvs_walk_t *w, fk_nvs_ent_t *out)
{
    uint8_t *buf = w->cache;
    int dirty = -1;
    w->tail_done = true;
    w->cache_n = 0;
    for (unsigned i = w->next_free; i < NVS_ENTRY_COUNT; i += FK_NVS_WALK_AHEAD) {
        unsigned n = NVS_ENTRY_COUNT - i < FK_NVS_WALK_AHEAD ? NVS_ENTRY_COUNT - i : FK_NVS_WALK_AHEAD;
        esp_err_t err = fk_flash_read(w->flash, w->page_addr + NVS_FIRST_ENTRY_OFFSET + i * NVS_ENTRY_SIZE,
                                      buf, n * NVS_ENTRY_SIZE);
        if (err != ESP_OK) return err;
        for (unsigned j = 0; j < n; j++)
            if (!blank(buf + j * NVS_ENTRY_SIZE, NVS_ENTRY_SIZE)) dirty = (int)(i + j);
    }
    w->cache_n = 0;
    if (dirty < 0) return ESP_ERR_NOT_FOUND;
    memset(out, 0, sizeof *out);
    out->idx = w->next_free;
    out->span = (unsigned)dirty + 1 - w->next_free;
    out->state = NVS_ENTRY_EMPTY;
    out->verdict = FK_NVS_ENT_HALF_WRITTEN;
    esp_err_t err = read_entry(w, (unsigned)dirty, &out->e);
    w->next_free = (uint8_t)(dirty + 1);
    return err;
}

esp_err_t fk_nvs_walk_next(fk_nvs_walk_t *w, fk_nvs_ent_t *out)
{
    while (w->i < w->limit) {
        unsigned i = w->i, st = fk_nvs_bitmap_get(w->bitmap, i);
        esp_err_t err;
        if (st == NVS_ENTRY_EMPTY) {
            w->i++;
            if (!w->active) continue;
            /* A hole below a marked entry: blank unless a write was cut
             * before its bitmap update (spec 6). */
            fk_nvs_entry_t e;
            err = read_entry(w, i, &e);
            if (err != ESP_OK) return err;
            if (blank((const uint8_t *)&e, sizeof e)) continue;
            memset(out, 0, sizeof *out);
            out->idx = i;
            /* A header whose bitmap write was torn: its data entries may be
             * marked WRITTEN already. They go with it, or one that holds a
             * valid entry (a blob may) would pass for an item of its own. */
            unsigned span;
            if (header_verdict(&e, i, &span) != FK_NVS_ENT_ITEM) span = 1;
            out->span = span;
            w->i = (uint8_t)(i + span);
            if (i + span > w->next_free) w->next_free = (uint8_t)(i + span);
            out->state = st;
            out->verdict = FK_NVS_ENT_HALF_WRITTEN;
            out->e = e;
            return ESP_OK;
        }
        if (st != NVS_ENTRY_WRITTEN && !w->details) {
            w->i++;
            continue;
        }
        out->idx = i;
        out->state = st;
        err = read_entry(w, i, &out->e);
        if (err != ESP_OK) return err;
        out->crc_ok = fk_nvs_entry_crc(&out->e) == out->e.crc;
        out->known_type = fk_nvs_type_known(out->e.type);
        unsigned span;
        fk_nvs_verdict_t v = header_verdict(&out->e, i, &span);
        if (st == NVS_ENTRY_ILLEGAL) {
            out->verdict = FK_NVS_ENT_ILLEGAL;
            out->span = 1;
        } else if (st == NVS_ENTRY_ERASED) {
            /* An erased item is skipped whole when its span is still legible;
             * the engine skips erased entries one by one, to the same end. */
            out->verdict = FK_NVS_ENT_ERASED;
            out->span = v == FK_NVS_ENT_ITEM && all_in_state(w->bitmap, i + 1, span - 1, st) ? span : 1;
        } else if (v != FK_NVS_ENT_ITEM) {
            out->verdict = v;
            out->span = 1;
        } else if (!all_in_state(w->bitmap, i + 1, span - 1, NVS_ENTRY_WRITTEN)) {
            /* Cut while its data was being marked: the item never completed. */
            out->verdict = FK_NVS_ENT_INCOMPLETE;
            out->span = span;
            if (i + span > w->next_free) w->next_free = (uint8_t)(i + span);
        } else {
            out->verdict = FK_NVS_ENT_ITEM;
            out->span = span;
        }
        /* After a multi-entry item, reading ahead would mostly fetch data
         * entries the walk skips. */
        w->ahead = out->span > 1 ? 1 : FK_NVS_WALK_AHEAD;
        w->i = (uint8_t)(i + out->span);
        return ESP_OK;
    }
    if (!w->tail_done) return walk_tail(w, out);
    return ESP_ERR_NOT_FOUND;
}

/* Per page, up to this many entries: a plain page's first WRITTEN entry is
 * an item's header, and if a flipped bit broke it, its data or the next
 * item follow. */
#define LEGIBLE_TRIES 3u

esp_err_t fk_nvs_entries_legible(fk_flash_t *raw, fk_flash_t *entries, uint32_t base, uint32_t size)
{
    bool looked = false;
    for (uint32_t pg = 0; pg + NVS_PAGE_SIZE <= size; pg += NVS_PAGE_SIZE) {
        uint8_t head[NVS_FIRST_ENTRY_OFFSET];
        esp_err_t err = fk_flash_read(raw, base + pg, head, sizeof head);
        if (err != ESP_OK) return err;
        uint32_t state = fk_le32(head);
        if ((state != NVS_PAGE_ACTIVE && state != NVS_PAGE_FULL && state != NVS_PAGE_FREEING) ||
            fk_le32(head + 28) != fk_nvs_header_crc(head))
            continue;
        unsigned tries = 0;
        for (unsigned i = 0; i < NVS_ENTRY_COUNT && tries < LEGIBLE_TRIES; i++) {
            /* WRITTEN only: an ERASED entry may be a write cut short. */
            if (fk_nvs_bitmap_get(head + NVS_BITMAP_OFFSET, i) != NVS_ENTRY_WRITTEN) continue;
            fk_nvs_entry_t e;
            err = fk_flash_read(entries, base + pg + NVS_FIRST_ENTRY_OFFSET + i * NVS_ENTRY_SIZE, &e, sizeof e);
            if (err != ESP_OK) return err;
            bool ok = fk_nvs_entry_crc(&e) == e.crc;
            /* What an encrypting layer gave back is plaintext: not left on
             * the stack. */
            volatile uint8_t *v = (volatile uint8_t *)&e;
            for (size_t k = 0; k < sizeof e; k++) v[k] = 0;
            if (ok) return ESP_OK;
            tries++;
            looked = true;
        }
    }
    return looked ? ESP_ERR_NOT_FOUND : ESP_OK;
}
