#include "nvs_dump.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_err.h"
#include "fk_crc32.h"
#include "flash_emu.h"
#include "nvs.h"
#include "nvs_csv.h"
#include "nvs_fk.h"
#include "nvs_flash.h"
#include "nvs_format.h"
#include "util.h"

/* One item (or one stray entry) found while walking a page like the runtime. */
typedef struct {
    uint32_t page;   /* physical page index */
    unsigned idx;    /* entry index in the page */
    unsigned estate; /* bitmap state of its first entry */
    nvs_entry_t e;
    unsigned span;   /* entries consumed by the walk */
    bool crc_ok;     /* entry CRC */
    bool span_ok;    /* span fits the page and matches the type */
    bool data_ok;    /* data CRC (varlen items) */
    const uint8_t *payload;
    size_t plen;
    bool dup;        /* a later copy of an item already seen (the runtime reads the first) */
} ditem_t;

typedef struct {
    uint32_t index, state, seq;
    uint8_t version;
    bool hdr_crc_ok, blank, loaded; /* loaded = the runtime would keep its entries */
    const char *state_name;
    unsigned written, erased, empty, illegal, next_free;
    size_t first, n; /* items */
} dpage_t;

typedef struct {
    const char *name;
    const uint8_t *img;
    size_t size;
    uint32_t npages;
    dpage_t *pages;
    ditem_t *items;
    size_t nitems, icap;
    uint32_t *order; /* loaded pages by sequence number */
    uint32_t norder;
    char ns_names[256][16];
    bool ns_known[256];
    unsigned problems;
    int version; /* 1 or 2: what the loaded pages say */
} dump_t;

static const char *type_name(uint8_t t)
{
    switch (t) {
    case NVS_ITEM_U8: return "u8";
    case NVS_ITEM_I8: return "i8";
    case NVS_ITEM_U16: return "u16";
    case NVS_ITEM_I16: return "i16";
    case NVS_ITEM_U32: return "u32";
    case NVS_ITEM_I32: return "i32";
    case NVS_ITEM_U64: return "u64";
    case NVS_ITEM_I64: return "i64";
    case NVS_ITEM_SZ: return "string";
    case NVS_ITEM_BLOB: return "blob";
    case NVS_ITEM_BLOB_DATA: return "blob_data";
    case NVS_ITEM_BLOB_IDX: return "blob_index";
    default: return NULL;
    }
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

static uint64_t int_bits(const nvs_entry_t *e)
{
    uint64_t v = 0;
    unsigned n = nvs_type_int_size(e->type);
    for (unsigned b = 0; b < n; b++) v |= (uint64_t)e->data[b] << (8 * b);
    return v;
}

static int64_t int_signed(const nvs_entry_t *e)
{
    unsigned n = nvs_type_int_size(e->type);
    uint64_t v = int_bits(e);
    if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~0ull << (8 * n);
    return (int64_t)v;
}

/* Does the header's span agree with its type and the page? */
static bool span_plausible(const nvs_entry_t *e, unsigned idx)
{
    if (e->span == 0 || idx + e->span > NVS_ENTRY_COUNT) return false;
    if (nvs_type_is_varlen(e->type)) {
        uint16_t size = (uint16_t)(e->data[0] | e->data[1] << 8);
        return e->span == nvs_varlen_span(size);
    }
    return e->span == 1 && type_name(e->type) != NULL;
}

static int walk_page(dump_t *d, dpage_t *pg)
{
    const uint8_t *p = d->img + (size_t)pg->index * NVS_PAGE_SIZE;
    const uint8_t *bm = p + NVS_BITMAP_OFFSET;
    pg->first = d->nitems;
    pg->next_free = NVS_ENTRY_COUNT;
    for (unsigned i = 0; i < NVS_ENTRY_COUNT;) {
        unsigned st = nvs_bitmap_get(bm, i);
        const uint8_t *raw = p + NVS_FIRST_ENTRY_OFFSET + (size_t)i * NVS_ENTRY_SIZE;
        if (st == NVS_ENTRY_EMPTY) {
            if (pg->next_free == NVS_ENTRY_COUNT) pg->next_free = i;
            pg->empty++;
            bool clean = true;
            for (unsigned b = 0; b < NVS_ENTRY_SIZE; b++) clean &= raw[b] == 0xFF;
            if (!clean) {
                /* A write cut before its bitmap bits were set; the runtime erases it on load. */
                ditem_t *it = add_item(d);
                if (!it) return -1;
                it->page = pg->index, it->idx = i, it->estate = st, it->span = 1;
                memcpy(&it->e, raw, NVS_ENTRY_SIZE);
                d->problems++;
            }
            i++;
            continue;
        }
        ditem_t *it = add_item(d);
        if (!it) return -1;
        it->page = pg->index, it->idx = i, it->estate = st;
        memcpy(&it->e, raw, NVS_ENTRY_SIZE);
        it->crc_ok = nvs_entry_crc(&it->e) == fk_le32(raw + 4);
        it->span_ok = it->crc_ok && span_plausible(&it->e, i);
        it->span = 1;
        if (it->span_ok) {
            /* A valid item owns its span only if every data entry has its state. */
            bool same = true;
            for (unsigned k = 1; k < it->e.span; k++) same &= nvs_bitmap_get(bm, i + k) == st;
            if (same || st == NVS_ENTRY_WRITTEN) it->span = it->e.span;
            else it->span_ok = false;
        }
        if (it->span_ok && nvs_type_is_varlen(it->e.type)) {
            it->payload = raw + NVS_ENTRY_SIZE;
            it->plen = (size_t)(it->e.data[0] | it->e.data[1] << 8);
            it->data_ok = fk_crc32_le(0xFFFFFFFFu, it->payload, it->plen) == fk_le32(it->e.data + 4);
        }
        if (st == NVS_ENTRY_WRITTEN || st == NVS_ENTRY_ILLEGAL) {
            pg->written += it->span;
            if (st == NVS_ENTRY_ILLEGAL || !it->crc_ok || !it->span_ok ||
                (nvs_type_is_varlen(it->e.type) && !it->data_ok))
                d->problems++;
        } else {
            pg->erased += it->span;
        }
        if (st == NVS_ENTRY_ILLEGAL) pg->illegal++;
        i += it->span;
    }
    pg->n = d->nitems - pg->first;
    return 0;
}

static bool item_live(const ditem_t *it)
{
    return it->estate == NVS_ENTRY_WRITTEN && it->crc_ok && it->span_ok;
}

static int load(dump_t *d)
{
    d->npages = (uint32_t)(d->size / NVS_PAGE_SIZE);
    d->pages = calloc(d->npages ? d->npages : 1, sizeof *d->pages);
    d->order = calloc(d->npages ? d->npages : 1, sizeof *d->order);
    if (!d->pages || !d->order) return -1;
    d->version = 0;
    for (uint32_t i = 0; i < d->npages; i++) {
        dpage_t *pg = &d->pages[i];
        const uint8_t *p = d->img + (size_t)i * NVS_PAGE_SIZE;
        pg->index = i;
        pg->state = fk_le32(p);
        pg->seq = fk_le32(p + 4);
        pg->version = p[8];
        pg->hdr_crc_ok = nvs_header_crc(p) == fk_le32(p + 28);
        pg->state_name = page_state_name(pg->state);
        if (pg->state == NVS_PAGE_UNINITIALIZED) {
            pg->blank = true;
            for (size_t b = 0; b < NVS_PAGE_SIZE; b++) pg->blank &= p[b] == 0xFF;
            if (!pg->blank) {
                pg->state_name = "CORRUPT (not erased)";
                d->problems++;
            }
            pg->first = d->nitems;
            continue;
        }
        if (!pg->hdr_crc_ok) d->problems++;
        pg->loaded = pg->hdr_crc_ok && (pg->state == NVS_PAGE_ACTIVE || pg->state == NVS_PAGE_FULL ||
                                        pg->state == NVS_PAGE_FREEING);
        if (pg->state != NVS_PAGE_CORRUPT && walk_page(d, pg)) return -1;
        if (pg->loaded) {
            uint32_t k = d->norder++;
            while (k > 0 && d->pages[d->order[k - 1]].seq > pg->seq) {
                d->order[k] = d->order[k - 1];
                k--;
            }
            d->order[k] = i;
            if (!d->version || pg->version == NVS_VERSION_V2) d->version = pg->version == NVS_VERSION_V1 ? 1 : 2;
        }
    }
    if (!d->version) d->version = 2;
    /* Namespace table and duplicates, in the order the runtime searches. */
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
            if (!item_live(it)) continue;
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

static void key_str(const nvs_entry_t *e, char out[16])
{
    memcpy(out, e->key, 15);
    out[15] = 0;
}

/* Keys of damaged entries can hold any byte: escape what a terminal or JSON cannot take. */
static void text_key(FILE *f, const char *k)
{
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
        if (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\') fputc(*p, f);
        else fprintf(f, "\\x%02x", *p);
    }
}

/* Length of the well-formed UTF-8 sequence at p (strict: no overlongs,
 * surrogates or code points above U+10FFFF), 0 if there is none. */

/* Summary figures. The "largest" ones come from the device-side engine
 * itself: a copy of the image is mounted on an emulated flash and values of
 * growing size are written until the engine refuses (garbage collection and
 * the reserved page included, exactly as on the device). */
typedef struct {
    unsigned written, erased, empty, free_pages, used_pages, namespaces;
    bool writable;             /* the engine mounts the image read/write */
    const char *mount_error;   /* why not */
    size_t largest_string;     /* bytes, NUL included */
    size_t largest_blob;
} summary_t;

typedef struct {
    const dump_t *d;
    fk_emu_t emu;
    void *ws;
    size_t ws_len;
    const char *ns;
    uint8_t *buf;
} probe_t;

#define PROBE_LABEL "fk-dump-probe"
#define PROBE_KEY "fk~probe~"

static esp_err_t probe_mount(probe_t *p)
{
    fk_emu_load(&p->emu, 0, p->d->img, (uint32_t)p->d->size);
    nvs_fk_config_t cfg = {p->ws, p->ws_len, (uint8_t)p->d->version, false};
    return nvs_flash_init_region(PROBE_LABEL, &p->emu.flash, 0, (uint32_t)p->d->size, &cfg);
}

static bool probe_write(probe_t *p, bool blob, size_t len)
{
    if (probe_mount(p) != ESP_OK) return false;
    nvs_handle_t h;
    esp_err_t e = nvs_open_from_partition(PROBE_LABEL, p->ns, NVS_READWRITE, &h);
    if (e == ESP_OK) {
        if (blob) {
            e = nvs_set_blob(h, PROBE_KEY, p->buf, len);
        } else {
            p->buf[len - 1] = 0;
            e = nvs_set_str(h, PROBE_KEY, (const char *)p->buf);
            p->buf[len - 1] = 'x';
        }
        nvs_close(h);
    }
    nvs_flash_deinit_partition(PROBE_LABEL);
    return e == ESP_OK;
}

/* Largest len in [min, max] the engine accepts (writes get no easier with size), 0 if none. */
static size_t probe_largest(probe_t *p, bool blob, size_t min, size_t max)
{
    if (!probe_write(p, blob, min)) return 0;
    size_t lo = min, hi = max + 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (probe_write(p, blob, mid)) lo = mid;
        else hi = mid;
    }
    return lo;
}

static void probe(const dump_t *d, summary_t *s)
{
    probe_t p = {.d = d};
    s->mount_error = "out of memory";
    size_t blob_max = d->version == 1 ? NVS_V1_MAX_VARLEN : (size_t)(d->npages > 128 ? 127 : d->npages - 1) * NVS_V2_MAX_VARLEN;
    p.ws_len = NVS_WORKSPACE_SIZE(d->npages);
    p.ws = malloc(p.ws_len);
    p.buf = malloc(blob_max + NVS_V2_MAX_VARLEN + 1);
    if (!p.ws || !p.buf || fk_emu_init_mem(&p.emu, (uint32_t)d->size) != 0) goto out;
    p.emu.allow_and = true; /* damaged images may ask for odd writes; a device would do them too */
    memset(p.buf, 'x', blob_max + NVS_V2_MAX_VARLEN + 1);
    esp_err_t e = probe_mount(&p);
    if (e != ESP_OK) {
        s->mount_error = esp_err_to_name(e);
        fk_emu_close(&p.emu);
        goto out;
    }
    nvs_flash_deinit_partition(PROBE_LABEL);
    s->writable = true;
    s->mount_error = NULL;
    /* An existing namespace costs no entry; otherwise the probe pays for a new one, as a new app would. */
    p.ns = "fk~probe~ns";
    for (int n = 1; n < 256; n++)
        if (d->ns_known[n]) {
            p.ns = d->ns_names[n];
            break;
        }
    s->largest_string = probe_largest(&p, false, 1, NVS_V2_MAX_VARLEN);
    s->largest_blob = probe_largest(&p, true, 0, blob_max);
    fk_emu_close(&p.emu);
out:
    free(p.ws);
    free(p.buf);
}

static void summarize(const dump_t *d, summary_t *s)
{
    memset(s, 0, sizeof *s);
    for (uint32_t i = 0; i < d->npages; i++) {
        const dpage_t *pg = &d->pages[i];
        if (!pg->loaded) {
            s->free_pages++;
            continue;
        }
        s->used_pages++;
        s->written += pg->written;
        s->erased += pg->erased;
        s->empty += pg->empty;
    }
    for (int n = 1; n < 256; n++) s->namespaces += d->ns_known[n];
    probe(d, s);
}

/* ---- text ---------------------------------------------------------------- */

static void print_bytes_text(FILE *f, const uint8_t *p, size_t n, bool as_string)
{
    size_t show = n > 64 ? 64 : n;
    if (as_string) {
        fputc('"', f);
        for (size_t i = 0; i < show; i++) {
            unsigned char c = p[i];
            if (c == 0 && i + 1 == n) break;
            if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
            else if (c >= 0x20 && c < 0x7F) fputc(c, f);
            else if (c == '\n') fputs("\\n", f);
            else fprintf(f, "\\x%02x", c);
        }
        fputc('"', f);
    } else {
        for (size_t i = 0; i < show; i++) fprintf(f, "%02x", p[i]);
    }
    if (show < n) fprintf(f, "... (%zu bytes)", n);
}

static void print_value_text(FILE *f, const dump_t *d, const ditem_t *it)
{
    const nvs_entry_t *e = &it->e;
    if (e->ns == 0 && e->type == NVS_ITEM_U8) {
        fprintf(f, "namespace -> index %u", e->data[0]);
        return;
    }
    (void)d;
    if (nvs_type_int_size(e->type)) {
        if (e->type & 0x10) fprintf(f, "%" PRId64, int_signed(e));
        else fprintf(f, "%" PRIu64, int_bits(e));
    } else if (nvs_type_is_varlen(e->type)) {
        fprintf(f, "size %zu, data CRC %s: ", it->plen, it->data_ok ? "ok" : "BAD");
        print_bytes_text(f, it->payload, it->plen, e->type == NVS_ITEM_SZ);
    } else if (e->type == NVS_ITEM_BLOB_IDX) {
        fprintf(f, "blob of %" PRIu32 " bytes in %u chunks from chunk %u", fk_le32(e->data), e->data[4],
                e->data[5]);
    }
}

static const char *estate_name(unsigned st)
{
    return st == NVS_ENTRY_WRITTEN ? "written" : st == NVS_ENTRY_ERASED ? "erased" : st == NVS_ENTRY_EMPTY ? "empty" : "illegal";
}

static void dump_text(FILE *f, const dump_t *d)
{
    fprintf(f, "%s: %zu bytes, %" PRIu32 " pages, format v%d\n", d->name, d->size, d->npages, d->version);
    for (uint32_t i = 0; i < d->npages; i++) {
        const dpage_t *pg = &d->pages[i];
        if (pg->blank) {
            fprintf(f, "page %" PRIu32 ": EMPTY (erased)\n", i);
            continue;
        }
        fprintf(f, "page %" PRIu32 ": %s, seq %" PRIu32 ", version %s, header CRC %s; entries: %u written, %u erased, %u empty\n",
                i, pg->state_name, pg->seq,
                pg->version == NVS_VERSION_V1 ? "v1" : pg->version == NVS_VERSION_V2 ? "v2" : "unknown",
                pg->hdr_crc_ok ? "ok" : "BAD", pg->written, pg->erased, pg->empty);
        for (size_t k = 0; k < pg->n; k++) {
            const ditem_t *it = &d->items[pg->first + k];
            char key[16];
            key_str(&it->e, key);
            fprintf(f, "  [%3u] %-7s ", it->idx, estate_name(it->estate));
            if (it->estate == NVS_ENTRY_EMPTY) {
                fprintf(f, "half-written entry (bitmap empty, bytes not erased)\n");
                continue;
            }
            if (!it->crc_ok) {
                fprintf(f, "ns %u key \"", it->e.ns);
                text_key(f, key);
                fprintf(f, "\" type 0x%02x span %u: entry CRC BAD\n", it->e.type, it->e.span);
                continue;
            }
            if (!it->span_ok) {
                fprintf(f, "ns %u key \"", it->e.ns);
                text_key(f, key);
                fprintf(f, "\" type 0x%02x: span %u does not fit\n", it->e.type, it->e.span);
                continue;
            }
            const char *tn = type_name(it->e.type);
            if (it->e.ns == 0 && it->e.type == NVS_ITEM_U8) {
                fputc('"', f);
                text_key(f, key);
                fputs("\" ", f);
            } else {
                if (d->ns_known[it->e.ns]) text_key(f, d->ns_names[it->e.ns]);
                else fprintf(f, "ns#%u", it->e.ns);
                fputc(':', f);
                text_key(f, key);
                fputc(' ', f);
            }
            fprintf(f, "%s", tn ? tn : "?");
            if (it->e.type == NVS_ITEM_BLOB_DATA) fprintf(f, "[%u]", it->e.chunk);
            fprintf(f, " span %u: ", it->e.span);
            print_value_text(f, d, it);
            if (it->dup) fprintf(f, " (shadowed by an earlier copy)");
            fputc('\n', f);
        }
    }
    summary_t s;
    summarize(d, &s);
    fprintf(f, "summary: %u namespace%s; %u used pages, %u free; entries %u written, %u erased, %u empty\n",
            s.namespaces, s.namespaces == 1 ? "" : "s", s.used_pages, s.free_pages, s.written, s.erased, s.empty);
    if (s.writable)
        fprintf(f, "         largest value still writable: string %zu bytes (NUL included), blob %zu bytes\n",
                s.largest_string, s.largest_blob);
    else
        fprintf(f, "         nothing is writable: the runtime would not mount this image (%s)\n", s.mount_error);
    fprintf(f, "%u problem%s found\n", d->problems, d->problems == 1 ? "" : "s");
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_hex(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

static void dump_json(FILE *f, const dump_t *d)
{
    fprintf(f, "{\"file\":");
    fk_json_strn(f, d->name, strlen(d->name));
    fprintf(f, ",\"size\":%zu,\"version\":%d,\"pages\":[", d->size, d->version);
    for (uint32_t i = 0; i < d->npages; i++) {
        const dpage_t *pg = &d->pages[i];
        fprintf(f, "%s\n{\"index\":%" PRIu32 ",\"state\":", i ? "," : "", i);
        fk_json_str(f, pg->blank ? "EMPTY" : pg->state_name);
        if (pg->blank) {
            fprintf(f, ",\"entries\":[]}");
            continue;
        }
        fprintf(f, ",\"state_word\":%" PRIu32 ",\"seq\":%" PRIu32 ",\"version\":%d,\"header_crc_ok\":%s,"
                   "\"written\":%u,\"erased\":%u,\"empty\":%u,\"entries\":[",
                pg->state, pg->seq, pg->version == NVS_VERSION_V1 ? 1 : pg->version == NVS_VERSION_V2 ? 2 : 0,
                pg->hdr_crc_ok ? "true" : "false", pg->written, pg->erased, pg->empty);
        for (size_t k = 0; k < pg->n; k++) {
            const ditem_t *it = &d->items[pg->first + k];
            char key[16];
            key_str(&it->e, key);
            fprintf(f, "%s\n {\"index\":%u,\"state\":\"%s\",\"ns\":%u,", k ? "," : "", it->idx,
                    it->estate == NVS_ENTRY_EMPTY ? "half-written" : estate_name(it->estate), it->e.ns);
            if (it->e.ns && d->ns_known[it->e.ns]) {
                fprintf(f, "\"namespace\":");
                fk_json_strn(f, d->ns_names[it->e.ns], strlen(d->ns_names[it->e.ns]));
                fputc(',', f);
            }
            const char *tn = type_name(it->e.type);
            bool is_ns = it->e.ns == 0 && it->e.type == NVS_ITEM_U8;
            fprintf(f, "\"key\":");
            fk_json_strn(f, key, strlen(key));
            fprintf(f, ",\"type\":\"%s\",\"type_code\":%u,\"span\":%u,\"chunk\":%u,\"crc_ok\":%s",
                    is_ns ? "namespace" : tn ? tn : "unknown", it->e.type, it->e.span, it->e.chunk,
                    it->crc_ok ? "true" : "false");
            if (it->crc_ok && it->span_ok && it->estate != NVS_ENTRY_EMPTY) {
                if (is_ns) fprintf(f, ",\"value\":%u", it->e.data[0]);
                else if (nvs_type_int_size(it->e.type)) {
                    if (it->e.type & 0x10) fprintf(f, ",\"value\":%" PRId64, int_signed(&it->e));
                    else fprintf(f, ",\"value\":%" PRIu64, int_bits(&it->e));
                } else if (nvs_type_is_varlen(it->e.type)) {
                    fprintf(f, ",\"size\":%zu,\"data_crc_ok\":%s", it->plen, it->data_ok ? "true" : "false");
                    if (it->e.type == NVS_ITEM_SZ && it->plen && it->payload[it->plen - 1] == 0) {
                        fprintf(f, ",\"value\":");
                        fk_json_strn(f, (const char *)it->payload, it->plen - 1);
                    }
                    fprintf(f, ",\"hex\":");
                    json_hex(f, it->payload, it->plen);
                } else if (it->e.type == NVS_ITEM_BLOB_IDX) {
                    fprintf(f, ",\"size\":%" PRIu32 ",\"chunk_count\":%u,\"chunk_start\":%u", fk_le32(it->e.data),
                            it->e.data[4], it->e.data[5]);
                }
                if (it->dup) fprintf(f, ",\"shadowed\":true");
            }
            fputc('}', f);
        }
        fprintf(f, "]}");
    }
    summary_t s;
    summarize(d, &s);
    fprintf(f, "],\n\"summary\":{\"namespaces\":%u,\"used_pages\":%u,\"free_pages\":%u,\"written_entries\":%u,"
               "\"erased_entries\":%u,\"empty_entries\":%u,\"writable\":%s,",
            s.namespaces, s.used_pages, s.free_pages, s.written, s.erased, s.empty, s.writable ? "true" : "false");
    if (s.writable)
        fprintf(f, "\"largest_string_bytes\":%zu,\"largest_blob_bytes\":%zu,", s.largest_string, s.largest_blob);
    else
        fprintf(f, "\"mount_error\":\"%s\",", s.mount_error);
    fprintf(f, "\"problems\":%u}}\n", d->problems);
}

/* ---- CSV for `nvs gen` ----------------------------------------------------- */

static const ditem_t *find_live(const dump_t *d, uint8_t ns, uint8_t type, uint8_t chunk, const char *key)
{
    for (uint32_t o = 0; o < d->norder; o++) {
        const dpage_t *pg = &d->pages[d->order[o]];
        for (size_t k = 0; k < pg->n; k++) {
            const ditem_t *it = &d->items[pg->first + k];
            if (item_live(it) && !it->dup && it->e.ns == ns && it->e.type == type && it->e.chunk == chunk &&
                !strncmp(it->e.key, key, 15))
                return it;
        }
    }
    return NULL;
}

static void csv_blob(FILE *f, const char *key, const uint8_t *p, size_t n)
{
    fk_csv_put_field(f, key, strlen(key));
    if (n <= 64) {
        fputs(",data,hex2bin,", f);
        for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
    } else {
        static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        fputs(",data,base64,", f);
        for (size_t i = 0; i < n; i += 3) {
            uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
            fputc(a[v >> 18 & 63], f);
            fputc(a[v >> 12 & 63], f);
            fputc(i + 1 < n ? a[v >> 6 & 63] : '=', f);
            fputc(i + 2 < n ? a[v & 63] : '=', f);
        }
    }
    fputc('\n', f);
}

static int dump_csv(FILE *f, const dump_t *d)
{
    fprintf(f, "# from %s by flashkit nvs dump --csv; rebuild with: flashkit nvs gen THIS.csv OUT.bin --size 0x%zX "
               "--version v%d\n", d->name, d->size, d->version);
    fprintf(f, "key,type,encoding,value\n");
    bool emitted[256] = {false};
    int cur = -1;
    unsigned skipped = 0;
    for (uint32_t o = 0; o < d->norder; o++) {
        const dpage_t *pg = &d->pages[d->order[o]];
        for (size_t k = 0; k < pg->n; k++) {
            const ditem_t *it = &d->items[pg->first + k];
            if (!item_live(it)) continue;
            const nvs_entry_t *e = &it->e;
            char key[16];
            key_str(e, key);
            if (e->ns == 0) {
                if (e->type == NVS_ITEM_U8 && !emitted[e->data[0]] && d->ns_known[e->data[0]] &&
                    !strcmp(d->ns_names[e->data[0]], key)) {
                    fk_csv_put_field(f, key, strlen(key));
                    fputs(",namespace,,\n", f);
                    emitted[e->data[0]] = true;
                    cur = e->data[0];
                }
                continue;
            }
            if (e->type == NVS_ITEM_BLOB_IDX) continue; /* written with its first chunk */
            if (e->type == NVS_ITEM_BLOB_DATA) {
                const ditem_t *idx = find_live(d, e->ns, NVS_ITEM_BLOB_IDX, NVS_CHUNK_ANY, e->key);
                if (!idx || idx->e.data[5] != e->chunk) {
                    if (!idx) {
                        fprintf(f, "# skipped: chunk %u of blob '%s' has no blob index\n", e->chunk, key);
                        skipped++;
                    }
                    continue;
                }
            }
            if (it->dup) {
                fprintf(f, "# skipped: a later copy of '%s' (the runtime reads the first)\n", key);
                skipped++;
                continue;
            }
            if (!d->ns_known[e->ns]) {
                fprintf(f, "# skipped: '%s' belongs to namespace index %u, which has no namespace entry\n", key, e->ns);
                skipped++;
                continue;
            }
            if (cur != e->ns) {
                const char *nn = d->ns_names[e->ns];
                fk_csv_put_field(f, nn, strlen(nn));
                fputs(",namespace,,\n", f);
                emitted[e->ns] = true;
                cur = e->ns;
            }
            if (nvs_type_int_size(e->type)) {
                fk_csv_put_field(f, key, strlen(key));
                if (e->type & 0x10) fprintf(f, ",data,%s,%" PRId64 "\n", type_name(e->type), int_signed(e));
                else fprintf(f, ",data,%s,%" PRIu64 "\n", type_name(e->type), int_bits(e));
            } else if (e->type == NVS_ITEM_SZ) {
                bool ok = it->data_ok && it->plen > 0 && it->payload[it->plen - 1] == 0 &&
                          !memchr(it->payload, 0, it->plen - 1) && !memchr(it->payload, '\r', it->plen - 1);
                if (!ok) {
                    fprintf(f, "# skipped: string '%s' cannot be written as a CSV value (%s)\n", key,
                            !it->data_ok ? "data CRC wrong" : "no NUL terminator, or a NUL or CR inside");
                    skipped++;
                    continue;
                }
                fk_csv_put_field(f, key, strlen(key));
                fputs(",data,string,", f);
                fk_csv_put_field(f, (const char *)it->payload, it->plen - 1);
                fputc('\n', f);
            } else if (e->type == NVS_ITEM_BLOB) {
                if (!it->data_ok) {
                    fprintf(f, "# skipped: blob '%s' has a wrong data CRC\n", key);
                    skipped++;
                    continue;
                }
                csv_blob(f, key, it->payload, it->plen);
            } else if (e->type == NVS_ITEM_BLOB_DATA) {
                const ditem_t *idx = find_live(d, e->ns, NVS_ITEM_BLOB_IDX, NVS_CHUNK_ANY, e->key);
                uint32_t total = fk_le32(idx->e.data);
                unsigned count = idx->e.data[4], start = idx->e.data[5];
                if (total > d->size) {
                    fprintf(f, "# skipped: blob '%s' claims %" PRIu32 " bytes, more than the partition\n", key, total);
                    skipped++;
                    continue;
                }
                uint8_t *buf = malloc(total ? total : 1);
                if (!buf) return -1;
                size_t got = 0;
                bool ok = true;
                for (unsigned c = 0; c < count && ok; c++) {
                    const ditem_t *ch = find_live(d, e->ns, NVS_ITEM_BLOB_DATA, (uint8_t)(start + c), e->key);
                    ok = ch && ch->data_ok && got + ch->plen <= total;
                    if (ok) {
                        memcpy(buf + got, ch->payload, ch->plen);
                        got += ch->plen;
                    }
                }
                if (!ok || got != total) {
                    fprintf(f, "# skipped: blob '%s' is incomplete or has a wrong data CRC\n", key);
                    skipped++;
                } else {
                    csv_blob(f, key, buf, total);
                }
                free(buf);
            } else {
                fprintf(f, "# skipped: '%s' has unknown type 0x%02x\n", key, e->type);
                skipped++;
            }
        }
    }
    return (int)skipped;
}

static const char dump_usage[] =
    "usage: flashkit nvs dump IMAGE.bin [--json | --csv] [--offset N --size N]\n"
    "\n"
    "Reads an NVS partition image (from nvs gen, or read back from a device with esptool) the\n"
    "way the runtime does and shows every page (state, sequence number, version, header CRC),\n"
    "every entry (state, namespace, key, type, value, span, CRC checks) and a summary.\n"
    "Damaged entries and pages are reported, not fatal.\n"
    "  --json        the same as JSON\n"
    "  --csv         a CSV that `flashkit nvs gen` turns back into an equivalent image\n"
    "  --offset/--size  dump a partition inside a whole-flash image\n"
    "IMAGE '-' = stdin. Exit status: 0, or 3 when problems were found, 1 on errors.\n";

int fk_nvs_dump_main(int argc, char **argv)
{
    const char *path = NULL, *off_s = NULL, *size_s = NULL;
    bool json = false, csv = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(dump_usage, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--csv")) {
            csv = true;
        } else if (fk_opt_value(argc, argv, &i, "--offset", &v)) {
            if (!v) return 2;
            off_s = v;
        } else if (fk_opt_value(argc, argv, &i, "--size", &v)) {
            if (!v) return 2;
            size_s = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fk_err("nvs dump: unknown option '%s'", argv[i]);
            fputs(dump_usage, stderr);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fk_err("nvs dump: unexpected argument '%s'", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fputs(dump_usage, stderr);
        return 2;
    }
    if (json && csv) {
        fk_err("nvs dump: choose one of --json and --csv");
        return 2;
    }
    uint8_t *data;
    size_t len;
    if (fk_read_file(path, &data, &len)) return 1;
    uint32_t off = 0, size = (uint32_t)len;
    if ((off_s && !fk_parse_size(off_s, &off)) || (size_s && !fk_parse_size(size_s, &size))) {
        fk_err("nvs dump: bad --offset/--size value");
        free(data);
        return 2;
    }
    if (!size_s) size = off < len ? (uint32_t)(len - off) : 0;
    if ((size_t)off + size > len) {
        fk_err("%s: offset 0x%X + size 0x%X is beyond the end of the file (0x%zX bytes)", path, off, size, len);
        free(data);
        return 1;
    }
    if (size < NVS_PAGE_SIZE) {
        fk_err("%s: %u bytes is less than one 4096-byte NVS page", path, size);
        free(data);
        return 1;
    }
    if (size % NVS_PAGE_SIZE)
        fk_warn("%s: size 0x%X is not a multiple of 4096; the last %u bytes are ignored", path, size,
                size % NVS_PAGE_SIZE);
    dump_t *d = calloc(1, sizeof *d);
    if (!d) {
        free(data);
        return 1;
    }
    d->name = path;
    d->img = data + off;
    d->size = size - size % NVS_PAGE_SIZE;
    int rc = 0;
    if (load(d)) {
        fk_err("out of memory");
        rc = 1;
    } else if (json) {
        dump_json(stdout, d);
    } else if (csv) {
        int skipped = dump_csv(stdout, d);
        if (skipped < 0) rc = 1;
        else if (skipped) fk_warn("%s: %d item(s) could not be written as CSV rows (see the # lines)", path, skipped);
    } else {
        dump_text(stdout, d);
    }
    if (!rc && d->problems) rc = 3;
    if (fflush(stdout)) rc = 1;
    free(d->pages);
    free(d->items);
    free(d->order);
    free(d);
    free(data);
    return rc;
}
