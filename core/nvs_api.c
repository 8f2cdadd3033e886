/* The ESP-IDF NVS API over the engine: mounted partitions, handles,
 * typed get/set, iterators, statistics and diagnostics. Static pools only. */
#include <string.h>
#include "nvs.h"
#include "nvs_flash.h"
#include "fk_nvs_priv.h"

static fk_nvs_part_t s_parts[FK_NVS_MAX_PARTITIONS];
/* The default workspace is handed out in page-sized slots, so that several
 * partitions mounted by label can share it. */
static uint32_t s_default_ws[FK_NVS_DEFAULT_MAX_PAGES * NVS_WORKSPACE_PER_PAGE / 4];
static bool s_slot_busy[FK_NVS_DEFAULT_MAX_PAGES];

static void *default_ws_take(uint16_t npages, uint16_t *first)
{
    for (unsigned i = 0; i + npages <= FK_NVS_DEFAULT_MAX_PAGES; i++) {
        unsigned k = 0;
        while (k < npages && !s_slot_busy[i + k]) k++;
        if (k < npages) {
            i += k;
            continue;
        }
        for (k = 0; k < npages; k++) s_slot_busy[i + k] = true;
        *first = (uint16_t)i;
        return (uint8_t *)s_default_ws + i * NVS_WORKSPACE_PER_PAGE;
    }
    return NULL;
}

static void default_ws_give(uint16_t first, uint16_t npages)
{
    for (unsigned k = 0; k < npages; k++) s_slot_busy[first + k] = false;
}

typedef struct {
    bool in_use;
    bool rw;
    uint8_t ns;
    uint8_t part;
    uint32_t gen;
} nvs_hslot_t;
static nvs_hslot_t s_handles[FK_NVS_MAX_HANDLES];
static uint32_t s_gen;

struct nvs_opaque_iterator_t {
    bool in_use;
    uint8_t part;
    uint8_t ns;   /* NVS_NS_ANY: every namespace */
    uint8_t type; /* nvs_type_t filter */
    uint16_t pos; /* index into the used-page list */
    uint8_t idx;
    fk_nvs_entry_t e;
};
static struct nvs_opaque_iterator_t s_iters[FK_NVS_MAX_ITERATORS];

static fk_nvs_part_t *part_by_name(const char *label)
{
    if (!label) label = NVS_DEFAULT_PART_NAME;
    for (unsigned i = 0; i < FK_NVS_MAX_PARTITIONS; i++)
        if (s_parts[i].in_use && strcmp(s_parts[i].label, label) == 0) return &s_parts[i];
    return NULL;
}

static esp_err_t check_key(const char *key)
{
    if (!key) return ESP_ERR_INVALID_ARG;
    size_t n = strlen(key);
    if (n == 0) return ESP_ERR_NVS_INVALID_NAME;
    if (n > NVS_KEY_MAX) return ESP_ERR_NVS_KEY_TOO_LONG;
    return ESP_OK;
}

/* ---- mounting ---- */

esp_err_t nvs_flash_init_region(const char *label, fk_flash_t *flash, uint32_t offset,
                                uint32_t size, const nvs_fk_config_t *cfg)
{
    static const nvs_fk_config_t defaults = {NULL, 0, 0, false};
    if (!cfg) cfg = &defaults;
    if (!label || !flash || strlen(label) > 16) return ESP_ERR_INVALID_ARG;
    if (part_by_name(label)) return ESP_OK; /* already mounted, as in ESP-IDF */
    /* Like ESP-IDF, a partition holds size / 4096 pages (a tail is unused). */
    if (offset % NVS_PAGE_SIZE || size < NVS_PAGE_SIZE || size / NVS_PAGE_SIZE > 0xFFFEu)
        return ESP_ERR_INVALID_ARG;
    if (offset > flash->size || size > flash->size - offset) return ESP_ERR_INVALID_SIZE;
    uint8_t version = cfg->version ? cfg->version : FK_NVS_DEFAULT_VERSION;
    if (version != 1 && version != 2) return ESP_ERR_INVALID_ARG;
    uint16_t npages = (uint16_t)(size / NVS_PAGE_SIZE);

    fk_nvs_part_t *p = NULL;
    for (unsigned i = 0; i < FK_NVS_MAX_PARTITIONS && !p; i++)
        if (!s_parts[i].in_use) p = &s_parts[i];
    if (!p) return ESP_ERR_NO_MEM;

    void *ws = cfg->workspace;
    size_t ws_size = cfg->workspace_size;
    uint16_t first = 0;
    if (!ws) {
        ws = default_ws_take(npages, &first);
        if (!ws) return ESP_ERR_NO_MEM;
        ws_size = (size_t)npages * NVS_WORKSPACE_PER_PAGE;
    }
    uintptr_t a = ((uintptr_t)ws + 3u) & ~(uintptr_t)3u;
    size_t need = (size_t)npages * (sizeof(fk_nvs_page_t) + 2 * sizeof(uint16_t));
    if (ws_size < need + (a - (uintptr_t)ws)) return ESP_ERR_NO_MEM;

    memset(p, 0, sizeof *p);
    p->uses_default_ws = !cfg->workspace;
    p->ws_first = first;
    strcpy(p->label, label);
    p->flash = flash;
    p->base = offset;
    p->npages = npages;
    p->read_only = cfg->read_only;
    p->pg = (fk_nvs_page_t *)a;
    p->used = (uint16_t *)(p->pg + npages);
    p->freel = p->used + npages;
    esp_err_t err = fk_nvs_mount(p, version == 1 ? NVS_VERSION_V1 : NVS_VERSION_V2);
    if (err != ESP_OK) {
        if (p->uses_default_ws) default_ws_give(first, npages);
        return err;
    }
    p->in_use = true;
    return ESP_OK;
}

esp_err_t nvs_flash_deinit_partition(const char *partition_label)
{
    fk_nvs_part_t *p = part_by_name(partition_label);
    if (!p) return ESP_ERR_NVS_NOT_INITIALIZED;
    uint8_t pi = (uint8_t)(p - s_parts);
    for (unsigned i = 0; i < FK_NVS_MAX_HANDLES; i++)
        if (s_handles[i].in_use && s_handles[i].part == pi) s_handles[i].in_use = false;
    for (unsigned i = 0; i < FK_NVS_MAX_ITERATORS; i++)
        if (s_iters[i].in_use && s_iters[i].part == pi) s_iters[i].in_use = false;
    if (p->uses_default_ws) default_ws_give(p->ws_first, p->npages);
    p->in_use = false;
    return ESP_OK;
}

esp_err_t nvs_flash_deinit(void)
{
    return nvs_flash_deinit_partition(NVS_DEFAULT_PART_NAME);
}

esp_err_t nvs_flash_erase_region(fk_flash_t *flash, uint32_t offset, uint32_t size)
{
    if (!flash) return ESP_ERR_INVALID_ARG;
    for (unsigned i = 0; i < FK_NVS_MAX_PARTITIONS; i++) {
        fk_nvs_part_t *p = &s_parts[i];
        uint32_t end = p->base + (uint32_t)p->npages * NVS_PAGE_SIZE;
        bool same = false; /* an encrypted mount reaches `flash` through its layer */
        for (const fk_flash_t *f = p->flash; f && !same; f = f->lower) same = f == flash;
        if (p->in_use && same && p->base < offset + size && offset < end) nvs_flash_deinit_partition(p->label);
    }
    return fk_flash_erase_range(flash, offset, size);
}

/* ---- handles ---- */

esp_err_t nvs_open_from_partition(const char *part_name, const char *name,
                                  nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
    fk_nvs_part_t *p = part_by_name(part_name);
    if (!p) return ESP_ERR_NVS_NOT_INITIALIZED;
    if (!name || !out_handle) return ESP_ERR_INVALID_ARG;
    if (!name[0] || strlen(name) > NVS_KEY_MAX) return ESP_ERR_NVS_INVALID_NAME;
    if (open_mode != NVS_READONLY && open_mode != NVS_READWRITE) return ESP_ERR_INVALID_ARG;
    if (open_mode == NVS_READWRITE && p->read_only) return ESP_ERR_NVS_READ_ONLY;
    int slot = -1;
    for (unsigned i = 0; i < FK_NVS_MAX_HANDLES && slot < 0; i++)
        if (!s_handles[i].in_use) slot = (int)i;
    if (slot < 0) return ESP_ERR_NO_MEM;
    uint8_t ns;
    esp_err_t err = fk_nvs_ns_get(p, name, open_mode == NVS_READWRITE, &ns);
    if (err != ESP_OK) return err;
    s_gen = (s_gen + 1) & 0xFFFFFFu;
    if (!s_gen) s_gen = 1;
    nvs_hslot_t *h = &s_handles[slot];
    h->in_use = true;
    h->rw = open_mode == NVS_READWRITE;
    h->ns = ns;
    h->part = (uint8_t)(p - s_parts);
    h->gen = s_gen;
    *out_handle = s_gen << 8 | (uint32_t)(slot + 1);
    return ESP_OK;
}

esp_err_t nvs_open(const char *name, nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
    return nvs_open_from_partition(NVS_DEFAULT_PART_NAME, name, open_mode, out_handle);
}

static esp_err_t handle_get(nvs_handle_t handle, bool write, fk_nvs_part_t **p, uint8_t *ns)
{
    unsigned slot = (handle & 0xFFu) - 1u;
    if (slot >= FK_NVS_MAX_HANDLES) return ESP_ERR_NVS_INVALID_HANDLE;
    nvs_hslot_t *h = &s_handles[slot];
    if (!h->in_use || h->gen != handle >> 8) return ESP_ERR_NVS_INVALID_HANDLE;
    if (write && !h->rw) return ESP_ERR_NVS_READ_ONLY;
    *p = &s_parts[h->part];
    *ns = h->ns;
    return ESP_OK;
}

void nvs_close(nvs_handle_t handle)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    if (handle_get(handle, false, &p, &ns) == ESP_OK) s_handles[(handle & 0xFFu) - 1u].in_use = false;
}

esp_err_t nvs_commit(nvs_handle_t handle)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    return handle_get(handle, false, &p, &ns);
}

/* ---- typed access ---- */

static esp_err_t set_int(nvs_handle_t handle, const char *key, uint8_t type, uint64_t v)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    esp_err_t err = handle_get(handle, true, &p, &ns);
    if (err == ESP_OK) err = check_key(key);
    if (err != ESP_OK) return err;
    uint8_t data[8];
    unsigned n = fk_nvs_type_int_size(type);
    memset(data, 0xFF, sizeof data);
    for (unsigned i = 0; i < n; i++) data[i] = (uint8_t)(v >> (8 * i));
    return fk_nvs_store_item(p, ns, type, key, data, sizeof data);
}

static esp_err_t get_int(nvs_handle_t handle, const char *key, uint8_t type, void *out)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    esp_err_t err = handle_get(handle, false, &p, &ns);
    if (err == ESP_OK) err = check_key(key);
    if (err != ESP_OK) return err;
    if (!out) return ESP_ERR_INVALID_ARG;
    fk_nvs_loc_t l;
    err = fk_nvs_find(p, ns, type, key, NVS_CHUNK_ANY, NULL, &l);
    if (err != ESP_OK) return err;
    uint64_t v = 0;
    unsigned n = fk_nvs_type_int_size(type);
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)l.e.data[i] << (8 * i);
    switch (n) { /* little-endian host or not, store through the right width */
    case 1: *(uint8_t *)out = (uint8_t)v; break;
    case 2: *(uint16_t *)out = (uint16_t)v; break;
    case 4: *(uint32_t *)out = (uint32_t)v; break;
    default: *(uint64_t *)out = v; break;
    }
    return ESP_OK;
}

#define NVS_INT_API(suffix, ctype, code)                                          \
    esp_err_t nvs_set_##suffix(nvs_handle_t handle, const char *key, ctype value) \
    {                                                                            \
        return set_int(handle, key, code, (uint64_t)value);                      \
    }                                                                            \
    esp_err_t nvs_get_##suffix(nvs_handle_t handle, const char *key, ctype *out_value) \
    {                                                                            \
        return get_int(handle, key, code, out_value);                            \
    }

NVS_INT_API(u8, uint8_t, NVS_ITEM_U8)
NVS_INT_API(i8, int8_t, NVS_ITEM_I8)
NVS_INT_API(u16, uint16_t, NVS_ITEM_U16)
NVS_INT_API(i16, int16_t, NVS_ITEM_I16)
NVS_INT_API(u32, uint32_t, NVS_ITEM_U32)
NVS_INT_API(i32, int32_t, NVS_ITEM_I32)
NVS_INT_API(u64, uint64_t, NVS_ITEM_U64)
NVS_INT_API(i64, int64_t, NVS_ITEM_I64)

esp_err_t nvs_set_str(nvs_handle_t handle, const char *key, const char *value)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    esp_err_t err = handle_get(handle, true, &p, &ns);
    if (err == ESP_OK) err = check_key(key);
    if (err != ESP_OK) return err;
    if (!value) return ESP_ERR_INVALID_ARG;
    size_t n = strlen(value) + 1;
    if (n > NVS_V2_MAX_VARLEN) return ESP_ERR_NVS_VALUE_TOO_LONG;
    return fk_nvs_store_item(p, ns, NVS_ITEM_SZ, key, value, (uint32_t)n);
}

esp_err_t nvs_set_blob(nvs_handle_t handle, const char *key, const void *value, size_t length)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    esp_err_t err = handle_get(handle, true, &p, &ns);
    if (err == ESP_OK) err = check_key(key);
    if (err != ESP_OK) return err;
    if (!value && length) return ESP_ERR_INVALID_ARG;
    if (length > UINT32_MAX / 2) return ESP_ERR_NVS_VALUE_TOO_LONG;
    return fk_nvs_store_blob(p, ns, key, value, (uint32_t)length);
}

static esp_err_t get_var(nvs_handle_t handle, const char *key, uint8_t type, void *out,
                         size_t *length)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    esp_err_t err = handle_get(handle, false, &p, &ns);
    if (err == ESP_OK) err = check_key(key);
    if (err != ESP_OK) return err;
    if (!length) return ESP_ERR_INVALID_ARG;
    return fk_nvs_load_var(p, ns, type, key, out, length);
}

esp_err_t nvs_get_str(nvs_handle_t handle, const char *key, char *out_value, size_t *length)
{
    return get_var(handle, key, NVS_ITEM_SZ, out_value, length);
}

esp_err_t nvs_get_blob(nvs_handle_t handle, const char *key, void *out_value, size_t *length)
{
    return get_var(handle, key, NVS_ITEM_BLOB_DATA, out_value, length);
}

esp_err_t nvs_erase_key(nvs_handle_t handle, const char *key)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    esp_err_t err = handle_get(handle, true, &p, &ns);
    if (err == ESP_OK) err = check_key(key);
    if (err != ESP_OK) return err;
    return fk_nvs_erase_key_any(p, ns, key);
}

esp_err_t nvs_erase_all(nvs_handle_t handle)
{
    fk_nvs_part_t *p;
    uint8_t ns;
    esp_err_t err = handle_get(handle, true, &p, &ns);
    if (err != ESP_OK) return err;
    return fk_nvs_erase_ns(p, ns);
}

/* ---- statistics ---- */

/* Calls fn for each live item header of a partition; stops on non-OK. */
typedef esp_err_t (*item_fn)(fk_nvs_part_t *p, const fk_nvs_entry_t *e, void *ctx);
static esp_err_t for_each_item(fk_nvs_part_t *p, item_fn fn, void *ctx)
{
    for (unsigned u = 0; u < p->nused; u++) {
        uint16_t page = p->used[u];
        const fk_nvs_page_t *pg = &p->pg[page];
        for (unsigned i = 0; i < fk_nvs_items_end(pg); i++) {
            if (pg->tag[i] == FK_NVS_TAG_NONE) continue;
            fk_nvs_entry_t e;
            esp_err_t err = fk_nvs_read_entry(p, page, i, &e);
            if (err == ESP_OK) err = fn(p, &e, ctx);
            if (err != ESP_OK) return err;
        }
    }
    return ESP_OK;
}

static esp_err_t count_ns(fk_nvs_part_t *p, const fk_nvs_entry_t *e, void *ctx)
{
    (void)p;
    if (e->ns == 0 && e->type == NVS_ITEM_U8) (*(size_t *)ctx)++;
    return ESP_OK;
}

esp_err_t nvs_get_stats(const char *part_name, nvs_stats_t *nvs_stats)
{
    if (!nvs_stats) return ESP_ERR_INVALID_ARG;
    memset(nvs_stats, 0, sizeof *nvs_stats);
    fk_nvs_part_t *p = part_by_name(part_name);
    if (!p) return ESP_ERR_NVS_NOT_INITIALIZED;
    /* ESP-IDF's accounting: a used page's erased entries count as free. */
    for (uint16_t i = 0; i < p->npages; i++) {
        const fk_nvs_page_t *pg = &p->pg[i];
        nvs_stats->total_entries += NVS_ENTRY_COUNT;
        if (pg->state == PS_ACTIVE || pg->state == PS_FULL) {
            nvs_stats->used_entries += pg->used;
            nvs_stats->free_entries += NVS_ENTRY_COUNT - pg->used;
        } else if (pg->state != PS_FREEING) {
            nvs_stats->free_entries += NVS_ENTRY_COUNT;
        }
    }
    return for_each_item(p, count_ns, &nvs_stats->namespace_count);
}

typedef struct {
    uint8_t ns;
    size_t n;
} ns_count_t;

static esp_err_t count_in_ns(fk_nvs_part_t *p, const fk_nvs_entry_t *e, void *ctx)
{
    (void)p;
    ns_count_t *c = ctx;
    if (e->ns == c->ns) c->n += fk_nvs_item_span(e);
    return ESP_OK;
}

esp_err_t nvs_get_used_entry_count(nvs_handle_t handle, size_t *used_entries)
{
    if (!used_entries) return ESP_ERR_INVALID_ARG;
    *used_entries = 0;
    fk_nvs_part_t *p;
    ns_count_t c = {0, 0};
    esp_err_t err = handle_get(handle, false, &p, &c.ns);
    if (err == ESP_OK) err = for_each_item(p, count_in_ns, &c);
    if (err == ESP_OK) *used_entries = c.n;
    return err;
}

esp_err_t nvs_fk_get_diag(const char *part_name, nvs_fk_diag_t *out, nvs_fk_page_info_t *pages,
                          size_t max_pages)
{
    if (!out) return ESP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    fk_nvs_part_t *p = part_by_name(part_name);
    if (!p) return ESP_ERR_NVS_NOT_INITIALIZED;
    out->page_count = p->npages;
    out->free_pages = p->nfree;
    out->format_version = p->version == NVS_VERSION_V1 ? 1 : 2;
    out->read_only = p->read_only;
    for (uint16_t i = 0; i < p->npages; i++) {
        const fk_nvs_page_t *pg = &p->pg[i];
        bool holds = pg->state >= PS_ACTIVE;
        unsigned empty = NVS_ENTRY_COUNT - pg->used - pg->erased;
        out->written_entries += pg->used;
        out->erased_entries += pg->erased;
        if (holds || pg->state == PS_PENDING) out->empty_entries += empty;
        if (i < max_pages && pages) {
            nvs_fk_page_info_t *pi = &pages[i];
            static const nvs_fk_page_state_t map[] = {NVS_FK_PAGE_EMPTY, NVS_FK_PAGE_CORRUPT,
                                                      NVS_FK_PAGE_PENDING, NVS_FK_PAGE_ACTIVE,
                                                      NVS_FK_PAGE_FULL, NVS_FK_PAGE_FREEING};
            pi->index = i;
            pi->seq = pg->seq;
            pi->state = map[pg->state];
            pi->version = pg->version;
            pi->current = i == p->cur;
            pi->written = holds ? pg->used : 0;
            pi->erased = holds ? pg->erased : 0;
            pi->empty = (uint8_t)(holds || pg->state == PS_PENDING ? empty : NVS_ENTRY_COUNT);
        }
    }
    size_t total = (size_t)p->npages * NVS_ENTRY_COUNT;
    size_t reserved = p->read_only ? 0 : NVS_ENTRY_COUNT;
    size_t taken = out->written_entries + reserved;
    out->usable_entries = total > taken ? total - taken : 0;
    out->max_item_bytes = fk_nvs_max_item_bytes(p);
    out->max_blob_bytes = p->version == NVS_VERSION_V1 ? NVS_V1_MAX_VARLEN
                                                       : fk_nvs_blob_max_bytes(p->npages);
    out->workspace_bytes = (size_t)p->npages * (sizeof(fk_nvs_page_t) + 2 * sizeof(uint16_t));
    return ESP_OK;
}

/* ---- iterators ---- */

static bool iter_match(fk_nvs_part_t *p, struct nvs_opaque_iterator_t *it, const fk_nvs_entry_t *e)
{
    (void)p;
    if (e->ns == 0 || e->type == NVS_ITEM_BLOB_DATA) return false;
    if (it->ns != NVS_NS_ANY && e->ns != it->ns) return false;
    uint8_t t = e->type == NVS_ITEM_BLOB_IDX || e->type == NVS_ITEM_BLOB ? NVS_TYPE_BLOB : e->type;
    return it->type == NVS_TYPE_ANY || it->type == t;
}

/* Moves to the first matching item at or after (pos, idx). */
static bool iter_seek(struct nvs_opaque_iterator_t *it, unsigned pos, unsigned idx)
{
    fk_nvs_part_t *p = &s_parts[it->part];
    for (; pos < p->nused; pos++, idx = 0) {
        uint16_t page = p->used[pos];
        const fk_nvs_page_t *pg = &p->pg[page];
        for (; idx < fk_nvs_items_end(pg); idx++) {
            if (pg->tag[idx] == FK_NVS_TAG_NONE) continue;
            if (fk_nvs_read_entry(p, page, idx, &it->e) != ESP_OK) return false;
            if (it->e.crc != fk_nvs_entry_crc(&it->e) || !iter_match(p, it, &it->e)) continue;
            it->pos = (uint16_t)pos;
            it->idx = (uint8_t)idx;
            return true;
        }
    }
    return false;
}

nvs_iterator_t nvs_entry_find(const char *part_name, const char *namespace_name, nvs_type_t type)
{
    fk_nvs_part_t *p = part_by_name(part_name);
    if (!p) return NULL;
    uint8_t ns = NVS_NS_ANY;
    if (namespace_name && fk_nvs_ns_get(p, namespace_name, false, &ns) != ESP_OK) return NULL;
    struct nvs_opaque_iterator_t *it = NULL;
    for (unsigned i = 0; i < FK_NVS_MAX_ITERATORS && !it; i++)
        if (!s_iters[i].in_use) it = &s_iters[i];
    if (!it) return NULL;
    it->in_use = true;
    it->part = (uint8_t)(p - s_parts);
    it->ns = ns;
    it->type = (uint8_t)type;
    if (!iter_seek(it, 0, 0)) {
        it->in_use = false;
        return NULL;
    }
    return it;
}

nvs_iterator_t nvs_entry_next(nvs_iterator_t iterator)
{
    if (!iterator || !iterator->in_use) return NULL;
    if (iter_seek(iterator, iterator->pos, iterator->idx + 1u)) return iterator;
    iterator->in_use = false;
    return NULL;
}

typedef struct {
    uint8_t ns;
    char *name;
} ns_name_t;

static esp_err_t find_ns_name(fk_nvs_part_t *p, const fk_nvs_entry_t *e, void *ctx)
{
    (void)p;
    ns_name_t *q = ctx;
    if (e->ns == 0 && e->type == NVS_ITEM_U8 && e->data[0] == q->ns) {
        memcpy(q->name, e->key, NVS_KEY_MAX);
        q->name[NVS_KEY_MAX] = 0;
        return ESP_ERR_NVS_NOT_FOUND - 1; /* stop: found */
    }
    return ESP_OK;
}

void nvs_entry_info(nvs_iterator_t iterator, nvs_entry_info_t *out_info)
{
    if (!out_info) return;
    memset(out_info, 0, sizeof *out_info);
    if (!iterator || !iterator->in_use) return;
    const fk_nvs_entry_t *e = &iterator->e;
    memcpy(out_info->key, e->key, NVS_KEY_MAX);
    uint8_t t = e->type == NVS_ITEM_BLOB_IDX || e->type == NVS_ITEM_BLOB ? NVS_TYPE_BLOB : e->type;
    out_info->type = (nvs_type_t)t;
    ns_name_t q = {e->ns, out_info->namespace_name};
    (void)for_each_item(&s_parts[iterator->part], find_ns_name, &q);
}

void nvs_release_iterator(nvs_iterator_t iterator)
{
    if (iterator) iterator->in_use = false;
}
