/* Model check of the NVS engine: the input is a program of set / erase /
 * erase-all / commit / power-cut operations on 2 namespaces x 6 keys of a
 * small partition, run against a RAM model. After each power cut the flash
 * is mounted again and every value must be the model's: only the operation
 * the cut interrupted may end either way. 0 committed values lost. */
// FUZZ_SEED_TEXT: \x01\x00\x00\x05\x01\x01\x10\x02ab\x03\x00\x02\x07\x03\x00\x00\x09\x06\x00\x01\x05
// FUZZ_SEED_TEXT: \x02\x02\x01\x30\x00\x0a\x05\x04\x01\x07\x01\x01\x00\x11\x02\x00\x00\x40\x08
#include "flash_emu.h"
#include "fuzz.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"

#define NS 2
#define KEYS 6
#define VMAX 700 /* strings and blobs up to here: multi-entry items, page changes, GC */

typedef struct {
    bool present;
    uint8_t type; /* NVS_TYPE_U32, NVS_TYPE_STR, NVS_TYPE_BLOB, NVS_TYPE_U8 */
    uint16_t len;
    uint8_t v[VMAX + 1];
} val_t;

static fk_emu_t emu;
static val_t model[NS][KEYS], before[NS][KEYS];
static nvs_handle_t h[NS];
static uint32_t psize;
static uint8_t version;
static const char *const ns_name[NS] = {"alpha", "beta"};

static const char *key_name(int k)
{
    static const char *const n[KEYS] = {"k0", "k1", "k2", "key3", "key4", "a_longer_key15"};
    return n[k];
}

/* Reads one key whatever its type (a key holds one type at a time). */
static esp_err_t get(int ns, int k, val_t *out)
{
    static const uint8_t types[4] = {NVS_TYPE_U8, NVS_TYPE_U32, NVS_TYPE_STR, NVS_TYPE_BLOB};
    for (int t = 0; t < 4; t++) {
        memset(out, 0, sizeof *out);
        size_t len = VMAX + 1;
        esp_err_t e;
        uint32_t u32;
        uint8_t u8;
        switch (types[t]) {
        case NVS_TYPE_U8: e = nvs_get_u8(h[ns], key_name(k), &u8); memcpy(out->v, &u8, 1); len = 1; break;
        case NVS_TYPE_U32: e = nvs_get_u32(h[ns], key_name(k), &u32); memcpy(out->v, &u32, 4); len = 4; break;
        case NVS_TYPE_STR: e = nvs_get_str(h[ns], key_name(k), (char *)out->v, &len); break;
        default: e = nvs_get_blob(h[ns], key_name(k), out->v, &len); break;
        }
        if (e == ESP_ERR_NVS_NOT_FOUND || e == ESP_ERR_NVS_TYPE_MISMATCH) continue;
        if (e != ESP_OK) return e;
        out->present = true;
        out->type = types[t];
        out->len = (uint16_t)len;
        return ESP_OK;
    }
    memset(out, 0, sizeof *out);
    return ESP_OK;
}

static bool same(const val_t *a, const val_t *b)
{
    if (a->present != b->present) return false;
    return !a->present || (a->type == b->type && a->len == b->len && !memcmp(a->v, b->v, a->len));
}

static void mount(void)
{
    nvs_fk_config_t cfg = {.version = version};
    esp_err_t e = nvs_flash_init_region("mdl", &emu.flash, 0, psize, &cfg);
    FZ_ASSERT(e == ESP_OK, "mount after a power cut: %s", esp_err_to_name(e));
    for (int n = 0; n < NS; n++) {
        e = nvs_open_from_partition("mdl", ns_name[n], NVS_READWRITE, &h[n]);
        FZ_ASSERT(e == ESP_OK, "open %s: %s", ns_name[n], esp_err_to_name(e));
    }
}

static void unmount(void)
{
    for (int n = 0; n < NS; n++) nvs_close(h[n]);
    nvs_flash_deinit_partition("mdl");
}

/* Every key must hold the model's value; a key the interrupted operation
 * touched (fuzzy[n][k]) may hold its value from before instead, and the
 * model then follows the flash. */
static void check(bool fuzzy[NS][KEYS])
{
    for (int n = 0; n < NS; n++)
        for (int k = 0; k < KEYS; k++) {
            val_t got;
            const val_t *m = &model[n][k], *b = &before[n][k];
            esp_err_t e = get(n, k, &got);
            FZ_ASSERT(e == ESP_OK, "%s/%s unreadable: %s", ns_name[n], key_name(k), esp_err_to_name(e));
            if (same(&got, m)) continue;
            FZ_ASSERT(fuzzy && fuzzy[n][k] && same(&got, b),
                      "%s/%s lost: expected %s (type %u, %u bytes), the flash has %s (type %u, %u bytes)", ns_name[n],
                      key_name(k), m->present ? "a value" : "nothing", m->type, m->len,
                      got.present ? "a value" : "nothing", got.type, got.len);
            model[n][k] = got;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    version = data[0] & 1 ? 2 : 1;
    psize = (3 + (data[0] >> 1) % 3) * 4096;
    if (!emu.mem && fk_emu_init_mem(&emu, 5 * 4096) != 0) abort();
    fk_emu_power_on(&emu);
    memset(emu.mem, 0xFF, emu.size);
    memset(model, 0, sizeof model);
    mount();
    size_t i = 1;
    int ops = 0;
    while (i < size && ops++ < 200) {
        uint8_t op = data[i++];
        int n = (op >> 3) % NS, k = (op >> 4) % KEYS;
        memcpy(before, model, sizeof model);
        bool fuzzy[NS][KEYS] = {{false}};
        esp_err_t e = ESP_OK;
        switch (op & 7) {
        case 0: case 1: case 2: case 3: { /* set: u8, u32, string, blob */
            static const uint8_t types[4] = {NVS_TYPE_U8, NVS_TYPE_U32, NVS_TYPE_STR, NVS_TYPE_BLOB};
            val_t nv = {.present = true, .type = types[op & 3]};
            size_t want = nv.type == NVS_TYPE_U8 ? 1 : nv.type == NVS_TYPE_U32 ? 4 : 0;
            if (!want && i < size) want = (size_t)data[i++] * 3 % (VMAX - 1);
            for (size_t b = 0; b < want; b++) nv.v[b] = i < size ? data[i++] : (uint8_t)b;
            if (nv.type == NVS_TYPE_STR) {
                for (size_t b = 0; b < want; b++) nv.v[b] = (uint8_t)('a' + nv.v[b] % 26);
                nv.v[want++] = 0;
            }
            nv.len = (uint16_t)want;
            const char *key = key_name(k);
            switch (nv.type) {
            case NVS_TYPE_U8: e = nvs_set_u8(h[n], key, nv.v[0]); break;
            case NVS_TYPE_U32: { uint32_t u; memcpy(&u, nv.v, 4); e = nvs_set_u32(h[n], key, u); break; }
            case NVS_TYPE_STR: e = nvs_set_str(h[n], key, (const char *)nv.v); break;
            default: e = nvs_set_blob(h[n], key, nv.v, nv.len); break;
            }
            model[n][k] = nv; /* a key holds one type: another type replaces it */
            fuzzy[n][k] = true;
            break;
        }
        case 4:
            e = nvs_erase_key(h[n], key_name(k));
            if (e == ESP_ERR_NVS_NOT_FOUND && !emu.powered_off) e = ESP_OK;
            model[n][k].present = false;
            fuzzy[n][k] = true;
            break;
        case 5:
            e = nvs_erase_all(h[n]);
            for (int kk = 0; kk < KEYS; kk++) model[n][kk].present = false;
            for (int kk = 0; kk < KEYS; kk++) fuzzy[n][kk] = true;
            break;
        case 6:
            e = nvs_commit(h[n]);
            break;
        case 7: /* arm a cut within the next operations */
            if (i < size) {
                uint8_t c = data[i++];
                fk_emu_set_cut(&emu, 1 + c % 12, c & 0x80 ? FK_CUT_TORN : FK_CUT_ATOMIC, c);
            }
            continue;
        }
        if (emu.powered_off) {
            /* The cut hit this operation: reboot; it happened or it did not. */
            unmount();
            fk_emu_power_on(&emu);
            mount();
            check(fuzzy);
            continue;
        }
        if (e == ESP_ERR_NVS_NOT_ENOUGH_SPACE || e == ESP_ERR_NVS_VALUE_TOO_LONG) {
            /* Refused: nothing may have changed. */
            memcpy(model, before, sizeof model);
            check(NULL);
            continue;
        }
        FZ_ASSERT(e == ESP_OK, "op %d on %s/%s: %s", op & 7, ns_name[n], key_name(k), esp_err_to_name(e));
    }
    fk_emu_set_cut(&emu, 0, FK_CUT_ATOMIC, 0);
    unmount();
    fk_emu_power_on(&emu);
    mount();
    check(NULL);
    unmount();
    return 0;
}
