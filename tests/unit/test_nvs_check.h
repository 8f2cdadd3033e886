/* Independent checker of an NVS image at rest, straight from the spec's byte
 * rules (nvs.md 2-6), so that what the engine writes stays readable by
 * Espressif's runtimes: headers, bitmaps, entry fields and padding, CRCs,
 * no duplicate live item, every v2 blob complete, no v2 item in a v1 image. */
#ifndef TEST_NVS_CHECK_H
#define TEST_NVS_CHECK_H

#include <stdio.h>
#include <string.h>
#include "fk_crc32.h"
#include "fk_nvs_format.h"

typedef struct {
    uint8_t ns, chunk;
    char key[16];
    uint8_t type;
    uint32_t size;       /* varlen size or blob total */
    uint8_t count, start; /* BLOB_IDX */
} chk_item_t;

static int chk_fail(const char *what, uint32_t page, int entry, const char *ctx)
{
    fprintf(stderr, "%s: image check: page %u entry %d: %s\n", ctx, page, entry, what);
    return 1;
}

static bool chk_blank(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0xFF) return false;
    return true;
}

/* Returns the number of problems found (0 = a clean image). version is the
 * expected page version byte of every used page. allow_corrupt accepts pages
 * a power cut left unreadable (a torn erase): the runtime keeps them aside
 * and erases them before reuse. */
static int nvs_image_check(const uint8_t *img, uint32_t size, uint8_t version, bool allow_corrupt,
                           const char *ctx)
{
    static chk_item_t items[4096];
    int n = 0, bad = 0;
    for (uint32_t pg = 0; pg < size / 4096; pg++) {
        const uint8_t *p = img + pg * 4096;
        uint32_t state = fk_le32(p);
        bool corrupt = state == NVS_PAGE_UNINITIALIZED ? !chk_blank(p, 4096)
                       : (state != NVS_PAGE_ACTIVE && state != NVS_PAGE_FULL) ||
                             fk_le32(p + 28) != fk_nvs_header_crc(p);
        if (corrupt && allow_corrupt) continue;
        if (state == NVS_PAGE_UNINITIALIZED) {
            if (!chk_blank(p, 4096)) bad += chk_fail("empty page not blank", pg, -1, ctx);
            continue;
        }
        if (state != NVS_PAGE_ACTIVE && state != NVS_PAGE_FULL)
            bad += chk_fail("page state not ACTIVE or FULL at rest", pg, -1, ctx);
        if (fk_le32(p + 28) != fk_nvs_header_crc(p)) bad += chk_fail("header CRC", pg, -1, ctx);
        if (p[8] != version) bad += chk_fail("page version byte", pg, -1, ctx);
        if (!chk_blank(p + 9, 19)) bad += chk_fail("header reserved bytes", pg, -1, ctx);
        const uint8_t *bm = p + 32;
        if ((bm[31] & 0xF0) != 0xF0) bad += chk_fail("bitmap bits of entries 126/127", pg, -1, ctx);
        for (unsigned i = 0; i < 126;) {
            unsigned st = fk_nvs_bitmap_get(bm, i);
            const uint8_t *ent = p + 64 + 32 * i;
            if (st == NVS_ENTRY_ILLEGAL) bad += chk_fail("entry state 0b01", pg, (int)i, ctx);
            if (st == NVS_ENTRY_EMPTY && !chk_blank(ent, 32)) bad += chk_fail("EMPTY entry not blank", pg, (int)i, ctx);
            if (st != NVS_ENTRY_WRITTEN) {
                i++;
                continue;
            }
            fk_nvs_entry_t e;
            memcpy(&e, ent, 32);
            if (fk_nvs_entry_crc(&e) != e.crc) {
                bad += chk_fail("entry CRC (or a WRITTEN entry that is not an item header)", pg, (int)i, ctx);
                i++;
                continue;
            }
            size_t kl = strnlen(e.key, 16);
            if (kl == 0 || kl > 15) bad += chk_fail("key length", pg, (int)i, ctx);
            for (size_t k = kl; k < 16; k++)
                if (e.key[k]) bad += chk_fail("key not NUL-padded", pg, (int)i, ctx);
            if ((e.type == NVS_ITEM_BLOB_DATA) != (e.chunk != 0xFF)) bad += chk_fail("chunk index", pg, (int)i, ctx);
            if (version == NVS_VERSION_V1 && (e.type == NVS_ITEM_BLOB_DATA || e.type == NVS_ITEM_BLOB_IDX))
                bad += chk_fail("v2 item in a v1 image", pg, (int)i, ctx);
            if (version == NVS_VERSION_V2 && e.type == NVS_ITEM_BLOB) bad += chk_fail("v1 blob written in a v2 image", pg, (int)i, ctx);
            unsigned span = 1;
            chk_item_t it = {e.ns, e.chunk, {0}, e.type, 0, 0, 0};
            memcpy(it.key, e.key, 16);
            unsigned isz = fk_nvs_type_int_size(e.type);
            if (isz) {
                if (!chk_blank(e.data + isz, 8 - isz)) bad += chk_fail("integer padding", pg, (int)i, ctx);
            } else if (fk_nvs_type_is_varlen(e.type)) {
                uint32_t sz = (uint32_t)e.data[0] | (uint32_t)e.data[1] << 8;
                span = fk_nvs_varlen_span(sz);
                it.size = sz;
                if (e.span != span || i + span > 126) {
                    bad += chk_fail("span", pg, (int)i, ctx);
                    i++;
                    continue;
                }
                if (e.data[2] != 0xFF || e.data[3] != 0xFF) bad += chk_fail("varlen reserved", pg, (int)i, ctx);
                if (fk_crc32_le(0xFFFFFFFFu, ent + 32, sz) != fk_le32(e.data + 4)) bad += chk_fail("data CRC", pg, (int)i, ctx);
                if (!chk_blank(ent + 32 + sz, (span - 1) * 32 - sz)) bad += chk_fail("data padding", pg, (int)i, ctx);
                for (unsigned j = 1; j < span; j++)
                    if (fk_nvs_bitmap_get(bm, i + j) != NVS_ENTRY_WRITTEN) bad += chk_fail("span not WRITTEN", pg, (int)(i + j), ctx);
            } else if (e.type == NVS_ITEM_BLOB_IDX) {
                it.size = fk_le32(e.data);
                it.count = e.data[4];
                it.start = e.data[5];
                if (e.span != 1 || e.data[6] != 0xFF || e.data[7] != 0xFF) bad += chk_fail("BLOB_IDX fields", pg, (int)i, ctx);
                if (it.start != 0 && it.start != 0x80) bad += chk_fail("chunkStart", pg, (int)i, ctx);
            } else {
                bad += chk_fail("unknown item type", pg, (int)i, ctx);
            }
            for (int k = 0; k < n; k++)
                if (items[k].ns == it.ns && items[k].chunk == it.chunk && !strcmp(items[k].key, it.key))
                    bad += chk_fail("two live items with one namespace, key and chunk", pg, (int)i, ctx);
            if (n < 4096) items[n++] = it;
            i += span;
        }
    }
    /* v2 blobs: every chunk claimed by an index, every index complete. */
    for (int k = 0; k < n; k++) {
        const chk_item_t *it = &items[k];
        if (it->type == NVS_ITEM_BLOB_DATA) {
            bool owned = false;
            for (int j = 0; j < n; j++)
                if (items[j].type == NVS_ITEM_BLOB_IDX && items[j].ns == it->ns && !strcmp(items[j].key, it->key) &&
                    it->chunk >= items[j].start && it->chunk < items[j].start + items[j].count)
                    owned = true;
            if (!owned) bad += chk_fail("orphan blob chunk", 0, -1, ctx);
        } else if (it->type == NVS_ITEM_BLOB_IDX) {
            uint32_t total = 0;
            for (unsigned c = 0; c < it->count; c++) {
                bool found = false;
                for (int j = 0; j < n && !found; j++)
                    if (items[j].type == NVS_ITEM_BLOB_DATA && items[j].ns == it->ns &&
                        !strcmp(items[j].key, it->key) && items[j].chunk == it->start + c) {
                        found = true;
                        total += items[j].size;
                    }
                if (!found) bad += chk_fail("blob index with a missing chunk", 0, -1, ctx);
            }
            if (total != it->size) bad += chk_fail("blob chunk sizes do not add up", 0, -1, ctx);
        }
    }
    return bad;
}

#endif
