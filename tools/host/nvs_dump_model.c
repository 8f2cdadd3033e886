#include "nvs_dump_model.h"

#include <stdlib.h>
#include <string.h>

/* The image as a read-only flash, so the core reader reads it as the engine would. */
typedef struct {
    fk_flash_t f;
    const uint8_t *img;
} memflash_t;

static esp_err_t mem_read(fk_flash_t *f, uint32_t addr, void *dst, size_t len)
{
    memcpy(dst, ((memflash_t *)f)->img + addr, len);
    return ESP_OK;
}

static esp_err_t mem_write(fk_flash_t *f, uint32_t addr, const void *src, size_t len)
{
    (void)f, (void)addr, (void)src, (void)len;
    return ESP_ERR_NOT_SUPPORTED;
}

static esp_err_t mem_erase(fk_flash_t *f, uint32_t addr)
{
    (void)f, (void)addr;
    return ESP_ERR_NOT_SUPPORTED;
}

static const char *page_state_name(uint32_t s)
{
    switch (s) {
    case NVS_PAGE_UNINITIALIZED: return "EMPTY";
    case NVS_PAGE_ACTIVE: return "ACTIVE";
    case NVS_PAGE_FULL: return "FULL";
    case NVS_PAGE_FREEING: return "FREEING";
    case NVS_PAGE_CORRUPT: return "CORRUPT";
    default: return "INVALID";
    }
}

static ditem_t *add_item(dump_t *d)
{
    if (d->nitems == d->icap) {
        size_t cap = d->icap ? d->icap * 2 : 256;
        ditem_t *ni = realloc(d->items, cap * sizeof *ni);
        if (!ni) return NULL;
        d->items = ni;
        d->icap = cap;
    }
    ditem_t *it = &d->items[d->nitems++];
    memset(it, 0, sizeof *it);
    return it;
}

bool fk_nvs_dump_live(const ditem_t *it)
{
    return it->verdict == FK_NVS_ENT_ITEM && !it->dropped;
}

static void drop(dump_t *d, ditem_t *it, const char *why)
{
    it->dropped = why;
    d->problems++;
    d->repairs++;
}

/* Walks one page with the core reader. counted: the engine loads the page,
 * so what its load repairs is a problem. */
static int walk_page(dump_t *d, memflash_t *mf, dpage_t *pg, bool counted)
{
    const uint8_t *p = d->img + (size_t)pg->index * NVS_PAGE_SIZE;
    const uint8_t *bm = p + NVS_BITMAP_OFFSET;
    for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++) {
        unsigned st = fk_nvs_bitmap_get(bm, i);
        if (st == NVS_ENTRY_EMPTY) pg->empty++;
        else if (st == NVS_ENTRY_ERASED) pg->erased++;
        else pg->written++;
    }
    fk_nvs_walk_t w;
    fk_nvs_walk_init(&w, &mf->f, pg->index * NVS_PAGE_SIZE, bm, pg->kind == FK_NVS_PAGE_ACTIVE);
    w.details = true;
    fk_nvs_ent_t ent;
    esp_err_t err;
    while ((err = fk_nvs_walk_next(&w, &ent)) == ESP_OK) {
        ditem_t *it = add_item(d);
        if (!it) return -1;
        it->page = pg->index;
        it->idx = ent.idx;
        it->span = ent.span;
        it->estate = ent.state;
        it->verdict = ent.verdict;
        it->e = ent.e;
        it->crc_ok = ent.crc_ok;
        it->known = ent.known_type;
        bool whole = ent.verdict == FK_NVS_ENT_ITEM ||
                     (ent.verdict == FK_NVS_ENT_ERASED && ent.crc_ok && ent.span == fk_nvs_item_span(&ent.e));
        if (whole && fk_nvs_type_is_varlen(ent.e.type)) {
            it->payload = p + NVS_FIRST_ENTRY_OFFSET + (size_t)(ent.idx + 1) * NVS_ENTRY_SIZE;
            it->plen = fk_nvs_varlen_size(&ent.e);
            it->data_ok = fk_nvs_data_crc_ok(&ent.e, it->payload);
        }
        if (!counted) continue;
        switch (ent.verdict) {
        case FK_NVS_ENT_ITEM:
            /* Found at mount, erased by the first read. */
            if (it->payload && !it->data_ok) d->problems++;
            break;
        case FK_NVS_ENT_ERASED: break;
        default:
            d->problems++;
            d->repairs++;
            break;
        }
    }
    return err == ESP_ERR_NOT_FOUND ? 0 : -1;
}

const ditem_t *fk_nvs_dump_find(const dump_t *d, uint8_t ns, uint8_t type, uint8_t chunk, const char *key)
{
    for (uint32_t o = 0; o < d->norder; o++) {
        const dpage_t *pg = &d->pages[d->order[o]];
        for (size_t k = 0; k < pg->n; k++) {
            const ditem_t *it = &d->items[pg->first + k];
            if (fk_nvs_dump_live(it) && it->e.ns == ns && (type == NVS_ITEM_ANY || it->e.type == type) &&
                it->e.chunk == chunk && !strncmp(it->e.key, key, NVS_KEY_MAX))
                return it;
        }
    }
    return NULL;
}

/* Spec 9.2: of two copies of an item on one page, the engine erases the earlier. */
static void drop_page_duplicates(dump_t *d, const dpage_t *pg)
{
    for (size_t k = 0; k < pg->n; k++) {
        ditem_t *it = &d->items[pg->first + k];
        if (it->verdict != FK_NVS_ENT_ITEM) continue;
        for (size_t j = 0; j < k; j++) {
            ditem_t *o = &d->items[pg->first + j];
            if (fk_nvs_dump_live(o) && fk_nvs_entry_same_slot(&o->e, &it->e)) {
                drop(d, o, "an older copy on the same page (an update cut before erasing it)");
                break;
            }
        }
    }
}

/* Spec 9.3 point 1: the last item of the newest page has an older copy on an
 * earlier page when an update was cut before erasing it. */
static void drop_interrupted_update(dump_t *d)
{
    if (d->norder < 2) return;
    const dpage_t *newest = &d->pages[d->order[d->norder - 1]];
    const ditem_t *last = NULL;
    for (size_t k = 0; k < newest->n; k++)
        if (fk_nvs_dump_live(&d->items[newest->first + k])) last = &d->items[newest->first + k];
    if (!last) return;
    for (uint32_t o = 0; o + 1 < d->norder; o++) {
        const dpage_t *pg = &d->pages[d->order[o]];
        if (pg->kind == FK_NVS_PAGE_FREEING) continue;
        for (size_t k = 0; k < pg->n; k++) {
            ditem_t *it = &d->items[pg->first + k];
            if (fk_nvs_dump_live(it) && fk_nvs_entry_same_slot(&it->e, &last->e)) {
                drop(d, it, "an older copy of the newest page's last item (an update cut before erasing it)");
                return;
            }
        }
    }
}

/* Spec 9.3 point 2: a cut garbage collection is done again: a half-filled
 * copy target is erased, and the FREEING page's items move to a new page,
 * which comes last in the lookup order. */
static void finish_gc(dump_t *d)
{
    uint32_t f = 0;
    while (f < d->norder && d->pages[d->order[f]].kind != FK_NVS_PAGE_FREEING) f++;
    if (f == d->norder) return;
    uint32_t freeing = d->order[f];
    d->problems++;
    d->repairs++;
    uint32_t newest = d->order[d->norder - 1];
    if (newest != freeing && d->pages[newest].kind == FK_NVS_PAGE_ACTIVE) {
        const dpage_t *pg = &d->pages[newest];
        for (size_t k = 0; k < pg->n; k++) {
            ditem_t *it = &d->items[pg->first + k];
            if (fk_nvs_dump_live(it)) it->dropped = "on the half-filled copy target of a cut garbage collection";
        }
        d->norder--;
    }
    memmove(&d->order[f], &d->order[f + 1], (d->norder - f - 1) * sizeof d->order[0]);
    d->order[d->norder - 1] = freeing;
}

/* Spec 9.3 point 5: v2 blob chunks no index claims. */
static void drop_orphan_chunks(dump_t *d)
{
    for (uint32_t o = 0; o < d->norder; o++) {
        const dpage_t *pg = &d->pages[d->order[o]];
        for (size_t k = 0; k < pg->n; k++) {
            ditem_t *it = &d->items[pg->first + k];
            if (!fk_nvs_dump_live(it) || it->e.type != NVS_ITEM_BLOB_DATA) continue;
            const ditem_t *ix = fk_nvs_dump_find(d, it->e.ns, NVS_ITEM_BLOB_IDX, NVS_CHUNK_ANY, it->e.key);
            if (!ix || !fk_nvs_blob_idx_owns(&ix->e, &it->e))
                drop(d, it, "a blob chunk no blob index claims (a blob write or erase was cut)");
        }
    }
}

/* Namespace names, and copies lookups never reach, in lookup order. */
static int mark_shadowed(dump_t *d)
{
    typedef struct {
        uint8_t ns, type, chunk;
        char key[16];
    } seen_t;
    size_t nseen = 0;
    seen_t *seen = malloc((d->nitems ? d->nitems : 1) * sizeof *seen);
    if (!seen) return -1;
    for (uint32_t o = 0; o < d->norder; o++) {
        dpage_t *pg = &d->pages[d->order[o]];
        for (size_t k = 0; k < pg->n; k++) {
            ditem_t *it = &d->items[pg->first + k];
            if (!fk_nvs_dump_live(it)) continue;
            if (it->e.ns == 0 && it->e.type == NVS_ITEM_U8 && !d->ns_known[it->e.data[0]]) {
                d->ns_known[it->e.data[0]] = true;
                memcpy(d->ns_names[it->e.data[0]], it->e.key, 16);
                d->ns_names[it->e.data[0]][15] = 0;
            }
            uint8_t chunk = it->e.type == NVS_ITEM_BLOB_DATA ? it->e.chunk : 0xFF;
            for (size_t s = 0; s < nseen; s++) {
                if (seen[s].ns == it->e.ns && seen[s].chunk == chunk &&
                    (seen[s].type == NVS_ITEM_BLOB_DATA) == (it->e.type == NVS_ITEM_BLOB_DATA) &&
                    !strncmp(seen[s].key, it->e.key, 16)) {
                    it->dup = true;
                    break;
                }
            }
            if (!it->dup) {
                seen[nseen].ns = it->e.ns, seen[nseen].type = it->e.type, seen[nseen].chunk = chunk;
                memcpy(seen[nseen].key, it->e.key, 16);
                nseen++;
            }
        }
    }
    free(seen);
    return 0;
}

int fk_nvs_dump_load(dump_t *d, const char *name, const uint8_t *img, size_t size)
{
    memset(d, 0, sizeof *d);
    d->name = name;
    d->img = img;
    d->size = size;
    d->npages = (uint32_t)(size / NVS_PAGE_SIZE);
    d->pages = calloc(d->npages ? d->npages : 1, sizeof *d->pages);
    d->order = calloc(d->npages ? d->npages : 1, sizeof *d->order);
    if (!d->pages || !d->order) return -1;
    memflash_t mf = {{(uint32_t)size, mem_read, mem_write, mem_erase, NULL}, img};
    bool any_v1 = false;
    for (uint32_t i = 0; i < d->npages; i++) {
        dpage_t *pg = &d->pages[i];
        fk_nvs_page_hdr_t h;
        pg->index = i;
        if (fk_nvs_read_page_header(&mf.f, i * NVS_PAGE_SIZE, &h) != ESP_OK) return -1;
        pg->kind = h.kind;
        pg->state = h.state_word;
        pg->seq = h.seq;
        pg->version = h.version;
        pg->hdr_crc_ok = h.crc_ok;
        pg->state_name = page_state_name(pg->state);
        pg->loaded = fk_nvs_page_loaded(h.kind);
        pg->first = d->nitems;
        switch (h.kind) {
        case FK_NVS_PAGE_BLANK: pg->blank = true; continue;
        case FK_NVS_PAGE_NOT_ERASED:
            pg->state_name = "CORRUPT (not erased)";
            d->problems++;
            continue;
        case FK_NVS_PAGE_NEW_VERSION: d->new_version = true; /* fall through */
        case FK_NVS_PAGE_BAD_CRC: d->problems++; break;
        case FK_NVS_PAGE_BAD_STATE:
            d->problems++;
            if (pg->state == NVS_PAGE_CORRUPT) continue;
            break;
        default: break;
        }
        /* Pages the engine does not load are walked too, to show what they hold. */
        if (walk_page(d, &mf, pg, pg->loaded)) return -1;
        pg->n = d->nitems - pg->first;
        if (pg->loaded) {
            uint32_t k = d->norder++;
            while (k > 0 && d->pages[d->order[k - 1]].seq > pg->seq) {
                d->order[k] = d->order[k - 1];
                k--;
            }
            d->order[k] = i;
            any_v1 |= pg->version == NVS_VERSION_V1;
        }
    }
    /* A partition holding v1 pages stays v1 (the engine's rule). */
    d->version = any_v1 ? 1 : 2;
    if (!d->new_version) {
        /* With no page in use, the mount takes the first free page as its
         * current page, erasing it first when it is corrupt. */
        if (!d->norder && d->npages && !d->pages[0].blank) d->repairs++;
        for (uint32_t o = 0; o < d->norder; o++) drop_page_duplicates(d, &d->pages[d->order[o]]);
        drop_interrupted_update(d);
        finish_gc(d);
        drop_orphan_chunks(d);
    }
    return mark_shadowed(d);
}

void fk_nvs_dump_free(dump_t *d)
{
    free(d->pages);
    free(d->items);
    free(d->order);
    d->pages = NULL, d->items = NULL, d->order = NULL;
}

const char *fk_nvs_dump_blob(const dump_t *d, const ditem_t *idx, uint8_t **out, size_t *len)
{
    uint32_t total = fk_nvs_blob_idx_size(&idx->e);
    unsigned count = fk_nvs_blob_idx_count(&idx->e), start = fk_nvs_blob_idx_start(&idx->e);
    *out = NULL;
    *len = 0;
    if (total > d->size) return "more bytes than the partition";
    uint8_t *buf = malloc(total ? total : 1);
    if (!buf) return "out of memory";
    size_t got = 0;
    for (unsigned c = 0; c < count; c++) {
        const ditem_t *ch = fk_nvs_dump_find(d, idx->e.ns, NVS_ITEM_BLOB_DATA, (uint8_t)(start + c), idx->e.key);
        if (!ch || !ch->data_ok || got + ch->plen > total) {
            free(buf);
            return "incomplete or a wrong data CRC";
        }
        memcpy(buf + got, ch->payload, ch->plen);
        got += ch->plen;
    }
    if (got != total) {
        free(buf);
        return "incomplete or a wrong data CRC";
    }
    *out = buf;
    *len = total;
    return NULL;
}

bool fk_nvs_dump_looks_encrypted(const dump_t *d, unsigned *bad, unsigned *written)
{
    unsigned good = 0, fail = 0;
    for (size_t i = 0; i < d->nitems; i++) {
        const ditem_t *it = &d->items[i];
        if (it->estate != NVS_ENTRY_WRITTEN || !d->pages[it->page].loaded) continue;
        if (it->verdict == FK_NVS_ENT_BAD_CRC) fail++;
        else if (it->crc_ok) good++;
    }
    if (bad) *bad = fail;
    if (written) *written = fail + good;
    /* One damaged entry alone is a damaged image, not a cipher. */
    return fail >= 2 && (size_t)good * 32 < fail;
}
