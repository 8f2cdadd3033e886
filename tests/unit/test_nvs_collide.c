/* Issue 12: Espressif's runtime, mounting its active page, erases the older
 * of two items whose 24-bit hashes of (namespace, key, chunk) are equal,
 * names not compared. flashkit must never leave such a pair on a page. Known
 * answers for the hash (computed with zlib.crc32), the reported sequence, and
 * pairs found by a random search: after each, no page holds a colliding live
 * pair, and a mount that drops pairs as Espressif's does loses nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flash_emu.h"
#include "fk_nvs_read.h"
#include "fk_test.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"
#include "fk_nvs_format.h"

#define LABEL "coll"

static fk_emu_t emu;
static uint8_t ws[NVS_WORKSPACE_SIZE(16)];

static fk_nvs_entry_t slot(uint8_t ns, const char *key)
{
    fk_nvs_entry_t e;
    fk_nvs_entry_init(&e, ns, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, key);
    return e;
}

static esp_err_t mount(uint32_t pages, uint8_t version)
{
    nvs_fk_config_t cfg = {ws, sizeof ws, version, false};
    return nvs_flash_init_region(LABEL, &emu.flash, 0, pages * NVS_PAGE_SIZE, &cfg);
}

/* Live item headers of a page, by the engine's own rules. */
static unsigned live_items(uint32_t page, fk_nvs_entry_t *out, unsigned *idx)
{
    fk_nvs_page_hdr_t h;
    if (fk_nvs_read_page_header(&emu.flash, page * NVS_PAGE_SIZE, &h) != ESP_OK || !fk_nvs_page_loaded(h.kind))
        return 0;
    fk_nvs_walk_t w;
    fk_nvs_walk_init(&w, &emu.flash, page * NVS_PAGE_SIZE, emu.mem + page * NVS_PAGE_SIZE + NVS_BITMAP_OFFSET,
                     h.kind == FK_NVS_PAGE_ACTIVE);
    fk_nvs_ent_t ent;
    unsigned n = 0;
    while (fk_nvs_walk_next(&w, &ent) == ESP_OK)
        if (ent.verdict == FK_NVS_ENT_ITEM) {
            idx[n] = ent.idx;
            out[n++] = ent.e;
        }
    return n;
}

/* Pairs on one page Espressif's runtime would take for one item. */
static int colliding_pairs(uint32_t pages, bool v1_runtime)
{
    int pairs = 0;
    for (uint32_t pg = 0; pg < pages; pg++) {
        fk_nvs_entry_t e[NVS_ENTRY_COUNT];
        unsigned idx[NVS_ENTRY_COUNT];
        unsigned n = live_items(pg, e, idx);
        for (unsigned i = 0; i < n; i++)
            for (unsigned j = 0; j < i; j++) pairs += fk_nvs_hash_collide(&e[i], &e[j], v1_runtime);
    }
    return pairs;
}

/* What Espressif's mount does to its active page (the newest used page):
 * an item whose hash an earlier live item has erases that earlier item. */
static void espressif_mount(uint32_t pages, bool v2)
{
    int newest = -1;
    uint32_t best = 0;
    for (uint32_t pg = 0; pg < pages; pg++) {
        fk_nvs_page_hdr_t h;
        if (fk_nvs_read_page_header(&emu.flash, pg * NVS_PAGE_SIZE, &h) != ESP_OK || !fk_nvs_page_loaded(h.kind))
            continue;
        if (newest < 0 || h.seq > best) newest = (int)pg, best = h.seq;
    }
    if (newest < 0 || fk_le32(emu.mem + (uint32_t)newest * NVS_PAGE_SIZE) != NVS_PAGE_ACTIVE) return;
    fk_nvs_entry_t e[NVS_ENTRY_COUNT];
    unsigned idx[NVS_ENTRY_COUNT];
    bool gone[NVS_ENTRY_COUNT] = {false};
    unsigned n = live_items((uint32_t)newest, e, idx);
    uint8_t *bm = emu.mem + (uint32_t)newest * NVS_PAGE_SIZE + NVS_BITMAP_OFFSET;
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < i; j++) {
            uint32_t a = v2 ? fk_nvs_hash24_v2(&e[i]) : fk_nvs_hash24_v1(&e[i]);
            uint32_t b = v2 ? fk_nvs_hash24_v2(&e[j]) : fk_nvs_hash24_v1(&e[j]);
            if (gone[j] || a != b) continue;
            gone[j] = true;
            for (unsigned k = 0; k < fk_nvs_item_span(&e[j]); k++)
                fk_nvs_bitmap_set(bm, idx[j] + k, NVS_ENTRY_ERASED);
            break;
        }
}

static void set_u8(const char *ns, const char *key, uint8_t v)
{
    nvs_handle_t h;
    CHECK_EQ(nvs_open_from_partition(LABEL, ns, NVS_READWRITE, &h), ESP_OK);
    CHECK_EQ(nvs_set_u8(h, key, v), ESP_OK);
    nvs_close(h);
}

static bool has_u8(const char *ns, const char *key, uint8_t v)
{
    nvs_handle_t h;
    uint8_t got = 0;
    if (nvs_open_from_partition(LABEL, ns, NVS_READONLY, &h) != ESP_OK) return false;
    esp_err_t err = nvs_get_u8(h, key, &got);
    nvs_close(h);
    return err == ESP_OK && got == v;
}

/* The sequence of the report: n2/k217 and n4/key_fifteen_005 collide (v2 hash). */
static void reported_sequence(uint8_t version)
{
    for (int runtime_v2 = version == 2; runtime_v2 < 2; runtime_v2++) {
        fk_emu_init_mem(&emu, 4 * NVS_PAGE_SIZE);
        CHECK_EQ(mount(4, version), ESP_OK);
        nvs_handle_t h;
        int16_t one = 1;
        set_u8("n1", "a", 1);
        CHECK_EQ(nvs_open_from_partition(LABEL, "n2", NVS_READWRITE, &h), ESP_OK);
        CHECK_EQ(nvs_set_i16(h, "k217", one), ESP_OK);
        nvs_close(h);
        set_u8("n3", "a", 1);
        set_u8("n4", "key_fifteen_005", 2);
        nvs_flash_deinit_partition(LABEL);
        CHECK_EQ(colliding_pairs(4, version == 1), 0);
        espressif_mount(4, runtime_v2);
        CHECK_EQ(mount(4, version), ESP_OK);
        int16_t got = 0;
        CHECK_EQ(nvs_open_from_partition(LABEL, "n2", NVS_READONLY, &h), ESP_OK);
        CHECK_EQ(nvs_get_i16(h, "k217", &got), ESP_OK);
        CHECK_EQ(got, 1);
        nvs_close(h);
        CHECK(has_u8("n4", "key_fifteen_005", 2));
        CHECK(has_u8("n1", "a", 1) && has_u8("n3", "a", 1));
        nvs_flash_deinit_partition(LABEL);
        fk_emu_close(&emu);
    }
}

typedef struct {
    uint8_t ns;
    char key[16];
    uint32_t h1, h2;
} cand_t;

static int cmp_h(const void *a, const void *b, bool v2)
{
    const cand_t *x = a, *y = b;
    uint32_t p = v2 ? x->h2 : x->h1, q = v2 ? y->h2 : y->h1;
    return p < q ? -1 : p > q;
}
static int cmp_h1(const void *a, const void *b) { return cmp_h(a, b, false); }
static int cmp_h2(const void *a, const void *b) { return cmp_h(a, b, true); }

/* Random keys in namespaces 1..4 (the first four namespaces an app opens),
 * sorted by hash: neighbours with equal hashes and other names collide. */
static int random_pairs(cand_t *pairs, int max)
{
    enum { N = 40000 };
    cand_t *c = malloc(N * sizeof *c);
    uint32_t rng = 12345;
    for (int i = 0; i < N; i++) {
        rng = rng * 1103515245u + 12345u;
        c[i].ns = (uint8_t)(1 + (rng >> 16) % 4);
        unsigned len = 1 + (rng >> 8) % 15;
        memset(c[i].key, 0, sizeof c[i].key);
        for (unsigned k = 0; k < len; k++) {
            rng = rng * 1103515245u + 12345u;
            c[i].key[k] = "abcdefghijklmnopqrstuvwxyz0123456789_"[(rng >> 16) % 37];
        }
        fk_nvs_entry_t e = slot(c[i].ns, c[i].key);
        c[i].h1 = fk_nvs_hash24_v1(&e);
        c[i].h2 = fk_nvs_hash24_v2(&e);
    }
    int n = 0;
    for (int v2 = 0; v2 < 2; v2++) {
        qsort(c, N, sizeof *c, v2 ? cmp_h2 : cmp_h1);
        for (int i = 1; i < N && n + 2 <= max; i++) {
            fk_nvs_entry_t a = slot(c[i - 1].ns, c[i - 1].key), b = slot(c[i].ns, c[i].key);
            if (cmp_h(&c[i - 1], &c[i], v2) || fk_nvs_entry_same_slot(&a, &b)) continue;
            pairs[n++] = c[i - 1];
            pairs[n++] = c[i];
        }
    }
    free(c);
    return n / 2;
}

static void random_collisions(uint8_t version)
{
    cand_t pairs[64];
    int np = random_pairs(pairs, 64);
    CHECK(np >= 10);
    char ns[4][8] = {"ns1", "ns2", "ns3", "ns4"};
    int checked = 0;
    for (int p = 0; p < np; p++) {
        for (int runtime_v2 = version == 2; runtime_v2 < 2; runtime_v2++) {
            fk_emu_init_mem(&emu, 5 * NVS_PAGE_SIZE);
            CHECK_EQ(mount(5, version), ESP_OK);
            /* Open the four namespaces first, so ns index i+1 is "ns<i+1>". */
            for (int k = 0; k < 4; k++) set_u8(ns[k], "x", (uint8_t)k);
            const cand_t *a = &pairs[2 * p], *b = &pairs[2 * p + 1];
            set_u8(ns[a->ns - 1], a->key, 0xA1);
            set_u8(ns[b->ns - 1], b->key, 0xB2);
            /* Other writes after the pair, an update of the first one too. */
            set_u8("ns1", "after", 7);
            set_u8(ns[a->ns - 1], a->key, 0xA3);
            nvs_flash_deinit_partition(LABEL);
            CHECK_EQ(colliding_pairs(5, version == 1), 0);
            espressif_mount(5, runtime_v2);
            CHECK_EQ(mount(5, version), ESP_OK);
            bool ok = has_u8(ns[a->ns - 1], a->key, 0xA3) && has_u8(ns[b->ns - 1], b->key, 0xB2);
            if (!ok) fprintf(stderr, "lost %u/%s or %u/%s\n", a->ns, a->key, b->ns, b->key);
            CHECK(ok);
            checked++;
            nvs_flash_deinit_partition(LABEL);
            fk_emu_close(&emu);
        }
    }
    printf("v%u: %d colliding pairs found by random search, %d mounts checked\n", version, np, checked);
}

int main(void)
{
    /* Known answers (zlib.crc32(bytes, 0xFFFFFFFF) & 0xFFFFFF). */
    fk_nvs_entry_t a = slot(2, "k217"), b = slot(4, "key_fifteen_005");
    CHECK_EQ(fk_nvs_hash24_v1(&a), 0xab97f7);
    CHECK_EQ(fk_nvs_hash24_v2(&a), 0xb9cc28);
    CHECK_EQ(fk_nvs_hash24_v1(&b), 0x1e88b2);
    CHECK_EQ(fk_nvs_hash24_v2(&b), 0xb9cc28);
    CHECK(fk_nvs_hash_collide(&a, &b, false));
    CHECK(!fk_nvs_hash_collide(&a, &a, true));
    reported_sequence(1);
    reported_sequence(2);
    random_collisions(1);
    random_collisions(2);
    return fk_test_done("test_nvs_collide");
}
