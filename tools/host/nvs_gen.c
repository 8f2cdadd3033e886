#include "nvs_gen.h"
#include "pyint.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_crc32.h"
#include "fk_le.h"
#include "fk_nvs_format.h"
#include "fk_nvs_read.h"

/* ---- layout (spec §10.6, §10.7) ------------------------------------------ */

typedef struct {
    uint8_t *img;
    uint32_t avail; /* pages data may use: all but the reserved last one */
    uint32_t page;  /* current page */
    unsigned used;  /* entries used on it */
    int first_over; /* line of the first item placed beyond avail */
    int line;
} layout_t;

static void new_page(layout_t *l)
{
    l->page++;
    l->used = 0;
}

/* Writes one item (header entry + payload entries) at the current position. */
static void put_item(layout_t *l, fk_nvs_entry_t *e, const uint8_t *payload, size_t len)
{
    unsigned n = 1 + (unsigned)((len + NVS_ENTRY_SIZE - 1) / NVS_ENTRY_SIZE);
    if (l->page >= l->avail) {
        if (!l->first_over) l->first_over = l->line;
        l->used += n;
        return;
    }
    fk_nvs_entry_seal(e);
    uint8_t *pg = l->img + (size_t)l->page * NVS_PAGE_SIZE;
    uint8_t *dst = pg + NVS_FIRST_ENTRY_OFFSET + (size_t)l->used * NVS_ENTRY_SIZE;
    memcpy(dst, e, NVS_ENTRY_SIZE);
    if (len) memcpy(dst + NVS_ENTRY_SIZE, payload, len);
    for (unsigned i = 0; i < n; i++) fk_nvs_bitmap_set(pg + NVS_BITMAP_OFFSET, l->used + i, NVS_ENTRY_WRITTEN);
    l->used += n;
}

int fk_nvs_check_size(uint32_t size, char *err, size_t errlen)
{
    if (size % NVS_PAGE_SIZE) {
        snprintf(err, errlen, "partition size 0x%X is not a multiple of 4096 (0x1000)", size);
        return -1;
    }
    if (size < 3 * NVS_PAGE_SIZE) {
        snprintf(err, errlen,
                 "partition size 0x%X is too small: NVS needs at least 0x3000 (3 pages: 2 for data, 1 kept free)",
                 size);
        return -1;
    }
    return 0;
}

int fk_nvs_layout(const fk_nvs_item_t *items, size_t n, const char *name, uint32_t size, int version,
                  uint8_t *image, char *err, size_t errlen)
{
    if (fk_nvs_check_size(size, err, errlen)) return -1;
    uint8_t ver = version == 1 ? NVS_VERSION_V1 : NVS_VERSION_V2;
    layout_t l = {.img = image, .avail = size / NVS_PAGE_SIZE - 1};
    memset(image, 0xFF, size);

    for (size_t i = 0; i < n; i++) {
        const fk_nvs_item_t *it = &items[i];
        fk_nvs_entry_t e;
        l.line = it->line;
        switch (it->kind) {
        case FK_NVS_NAMESPACE:
        case FK_NVS_INT: {
            if (l.used >= NVS_ENTRY_COUNT) new_page(&l);
            if (it->kind == FK_NVS_NAMESPACE) {
                fk_nvs_entry_init(&e, 0, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, it->key);
                e.data[0] = it->ns;
            } else {
                fk_nvs_entry_init(&e, it->ns, it->type, 1, NVS_CHUNK_ANY, it->key);
                for (unsigned b = 0; b < fk_nvs_type_int_size(it->type); b++) e.data[b] = (uint8_t)(it->ival >> 8 * b);
            }
            put_item(&l, &e, NULL, 0);
            break;
        }
        case FK_NVS_STRING:
        case FK_NVS_BLOB:
            if (it->kind == FK_NVS_STRING || version == 1) {
                /* The reference never lets a single-page item take a page's last entry. */
                unsigned span = fk_nvs_varlen_span((uint32_t)it->len);
                if (l.used >= NVS_ENTRY_COUNT || l.used + span >= NVS_ENTRY_COUNT) new_page(&l);
                fk_nvs_entry_init(&e, it->ns, it->kind == FK_NVS_STRING ? NVS_ITEM_SZ : NVS_ITEM_BLOB, (uint8_t)span,
                               NVS_CHUNK_ANY, it->key);
                fk_nvs_entry_set_varlen(&e, (uint16_t)it->len, fk_crc32_le(0xFFFFFFFFu, it->data, it->len));
                put_item(&l, &e, it->data, it->len);
            } else {
                if (l.used >= NVS_ENTRY_COUNT) new_page(&l);
                size_t off = 0, rem = it->len;
                unsigned chunks = 0;
                for (;;) {
                    size_t tail = (size_t)(NVS_ENTRY_COUNT - l.used - 1) * NVS_ENTRY_SIZE;
                    size_t chunk = rem < tail ? rem : tail;
                    if (chunks == NVS_BLOB_MAX_CHUNKS) {
                        snprintf(err, errlen,
                                 "%s:%d: key '%s': blob of %zu bytes needs more than %u chunks (one per page); "
                                 "the runtime cannot read it",
                                 name, it->line, it->key, it->len, NVS_BLOB_MAX_CHUNKS);
                        return -1;
                    }
                    fk_nvs_entry_init(&e, it->ns, NVS_ITEM_BLOB_DATA, (uint8_t)fk_nvs_varlen_span((uint32_t)chunk),
                                   (uint8_t)chunks, it->key);
                    fk_nvs_entry_set_varlen(&e, (uint16_t)chunk, fk_crc32_le(0xFFFFFFFFu, it->data + off, chunk));
                    put_item(&l, &e, it->data + off, chunk);
                    chunks++;
                    off += chunk;
                    rem -= chunk;
                    if (rem || tail - chunk < NVS_ENTRY_SIZE) new_page(&l);
                    if (!rem) break;
                }
                fk_nvs_entry_init(&e, it->ns, NVS_ITEM_BLOB_IDX, 1, NVS_CHUNK_ANY, it->key);
                fk_put_le32(e.data, (uint32_t)it->len);
                e.data[4] = (uint8_t)chunks;
                e.data[5] = 0;
                put_item(&l, &e, NULL, 0);
            }
            break;
        }
    }
    if (l.page >= l.avail) {
        uint32_t need = l.page + 1;
        snprintf(err, errlen,
                 "%s:%d: the data does not fit: it needs %u pages (%u bytes) but a 0x%X partition has %u usable "
                 "pages (%u bytes; its last page stays free). This row is the first that does not fit; a size of "
                 "at least 0x%X is needed",
                 name, l.first_over, need, need * NVS_PAGE_SIZE, size, l.avail, l.avail * NVS_PAGE_SIZE,
                 (need + 1) * NVS_PAGE_SIZE);
        return -1;
    }
    /* As the primary reference: every initialised page ends up FULL, the pages
     * after the data get header-only pages, and the last page stays erased. */
    for (uint32_t p = 0; p < l.avail; p++)
        fk_nvs_header_build(image + (size_t)p * NVS_PAGE_SIZE, NVS_PAGE_FULL, p, ver);
    return 0;
}

/* ---- runtime hash collisions (issue 12) ------------------------------------ */

/* Espressif's runtime erases, when it mounts its active page, the older of
 * two items there with equal 24-bit hashes. A generated page is FULL, so the
 * pair survives until that runtime garbage-collects the page into its active
 * one. The image must stay Espressif's byte for byte: say it, change nothing. */
static void warn_collisions(const uint8_t *image, uint32_t size, const char *name)
{
    for (uint32_t p = 0; p < size / NVS_PAGE_SIZE; p++) {
        const uint8_t *pg = image + (size_t)p * NVS_PAGE_SIZE;
        fk_nvs_entry_t e[NVS_ENTRY_COUNT];
        unsigned n = 0;
        for (unsigned i = 0; i < NVS_ENTRY_COUNT && fk_nvs_bitmap_get(pg + NVS_BITMAP_OFFSET, i) == NVS_ENTRY_WRITTEN;) {
            memcpy(&e[n], pg + NVS_FIRST_ENTRY_OFFSET + i * NVS_ENTRY_SIZE, NVS_ENTRY_SIZE);
            i += fk_nvs_item_span(&e[n++]);
        }
        for (unsigned a = 0; a < n; a++)
            for (unsigned b = 0; b < a; b++)
                if (fk_nvs_hash_collide(&e[a], &e[b], pg[8] == NVS_VERSION_V1))
                    fk_warn("%s: page %u holds '%.15s' (namespace index %u) and '%.15s' (namespace index %u), whose "
                            "24-bit hashes collide: once Espressif's runtime garbage-collects this page, its next "
                            "mount erases the first one (flashkit's runtime keeps both); rename one key to be safe",
                            name, p, e[b].key, e[b].ns, e[a].key, e[a].ns);
    }
}

/* ---- whole CSV ----------------------------------------------------------- */

int fk_nvs_gen_text(const char *text, size_t len, const char *name, const char *base_dir, uint32_t size,
                    int version, uint8_t **image, char *err, size_t errlen)
{
    return fk_nvs_gen_text_ex(text, len, name, base_dir, size, version, 0, image, err, errlen);
}

int fk_nvs_gen_text_ex(const char *text, size_t len, const char *name, const char *base_dir, uint32_t size,
                       int version, unsigned flags, uint8_t **image, char *err, size_t errlen)
{
    *image = NULL;
    if (version != 1 && version != 2) {
        snprintf(err, errlen, "NVS format version must be 1 or 2 (got %d)", version);
        return -1;
    }
    if (fk_nvs_check_size(size, err, errlen)) return -1;
    fk_csv_rows_t rows;
    if (fk_nvs_csv_parse(text, len, name, &rows, err, errlen)) return -1;
    fk_nvs_items_t items;
    int rc = fk_nvs_rows_to_items_ex(&rows, name, base_dir, version, flags, &items, err, errlen);
    if (rc == 0) {
        uint8_t *img = malloc(size);
        if (!img) {
            snprintf(err, errlen, "%s: out of memory", name);
            rc = -1;
        } else if (fk_nvs_layout(items.items, items.n, name, size, version, img, err, errlen)) {
            free(img);
            rc = -1;
        } else {
            warn_collisions(img, size, name);
            *image = img;
        }
        fk_nvs_items_free(&items);
    }
    fk_csv_rows_free(&rows);
    return rc;
}

int fk_nvs_gen_file(const char *csv_path, uint32_t size, int version, uint8_t **image, char *err, size_t errlen)
{
    return fk_nvs_gen_file_ex(csv_path, size, version, 0, image, err, errlen);
}

int fk_nvs_gen_file_ex(const char *csv_path, uint32_t size, int version, unsigned flags, uint8_t **image,
                       char *err, size_t errlen)
{
    *image = NULL;
    uint8_t *text;
    size_t len;
    if (strcmp(csv_path, "-") == 0) {
        /* stdin: relative file paths are taken from the current directory. */
        size_t cap = 65536;
        len = 0;
        text = malloc(cap + 1);
        while (text) {
            size_t got = fread(text + len, 1, cap - len, stdin);
            len += got;
            if (len < cap) break;
            uint8_t *nt = realloc(text, cap * 2 + 1);
            if (!nt) free(text);
            text = nt;
            cap *= 2;
        }
        if (!text || ferror(stdin)) {
            free(text);
            snprintf(err, errlen, "<stdin>: read failed");
            return -1;
        }
        text[len] = 0;
        int rc = fk_nvs_gen_text_ex((const char *)text, len, "<stdin>", NULL, size, version, flags, image, err, errlen);
        free(text);
        return rc;
    }
    if (fk_nvs_read_whole(csv_path, &text, &len) != 0) {
        snprintf(err, errlen, "%s: %s", csv_path, strerror(errno));
        return -1;
    }
    /* `file` rows are relative to the CSV's own folder. */
    char *dir = strdup(csv_path);
    if (!dir) {
        free(text);
        snprintf(err, errlen, "%s: out of memory", csv_path);
        return -1;
    }
    char *slash = strrchr(dir, '/');
    const char *base = NULL;
    if (slash) {
        if (slash == dir) slash[1] = 0;
        else *slash = 0;
        base = dir;
    }
    int rc = fk_nvs_gen_text_ex((const char *)text, len, csv_path, base, size, version, flags, image, err, errlen);
    free(dir);
    free(text);
    return rc;
}

int fk_nvs_parse_size(const char *s, uint32_t *out)
{
    int64_t v;
    if (fk_pyint(s, strlen(s), &v)) {
        if (v < 0 || v > 0xFFFFFFFFll) return -1;
        *out = (uint32_t)v;
        return 0;
    }
    return fk_parse_size(s, out) ? 0 : -1;
}

int fk_nvs_parse_version(const char *s, int *v)
{
    if (s[0] == 'v' || s[0] == 'V') s++;
    if (!strcmp(s, "1")) *v = 1;
    else if (!strcmp(s, "2")) *v = 2;
    else return -1;
    return 0;
}

