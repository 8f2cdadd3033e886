#include <stdlib.h>
#include <string.h>

#include "esp_err.h"
#include "flash_emu.h"
#include "nvs.h"
#include "nvs_dump_out.h"
#include "nvs_fk.h"
#include "nvs_flash.h"

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
    size_t blob_max = d->version == 1 ? NVS_V1_MAX_VARLEN : fk_nvs_blob_max_bytes(d->npages);
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

void fk_nvs_dump_summarize(const dump_t *d, summary_t *s)
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

/* ---- helpers shared by the outputs ---- */

const char *fk_nvs_dump_type_name(uint8_t type)
{
    return fk_nvs_type_name(type);
}

uint64_t fk_nvs_dump_int_bits(const fk_nvs_entry_t *e)
{
    uint64_t v = 0;
    unsigned n = fk_nvs_type_int_size(e->type);
    for (unsigned b = 0; b < n; b++) v |= (uint64_t)e->data[b] << (8 * b);
    return v;
}

int64_t fk_nvs_dump_int_signed(const fk_nvs_entry_t *e)
{
    unsigned n = fk_nvs_type_int_size(e->type);
    uint64_t v = fk_nvs_dump_int_bits(e);
    if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~0ull << (8 * n);
    return (int64_t)v;
}

void fk_nvs_dump_key(const fk_nvs_entry_t *e, char out[16])
{
    memcpy(out, e->key, 15);
    out[15] = 0;
}
