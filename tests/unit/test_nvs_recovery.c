/* NVS engine: mounting what power cuts and other writers leave - damaged
 * pages of every kind the spec lists, a GC cut mid-copy, a retired page torn
 * by its erase, ESP-IDF's one item per (key, type), every torn state of an
 * item's bitmap write, and keys without a NUL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fk_crc32.h"
#include "test_nvs_region.h"

static void test_damaged(void)
{
    /* A newer format than this runtime knows. */
    fresh(0x3000);
    put_header(0, NVS_PAGE_ACTIVE, 0, 0xFD);
    CHECK_EQ(mount(0x3000, 0), ESP_ERR_NVS_NEW_VERSION_FOUND);
    /* No free page left: refused read/write, fine read-only. */
    fresh(0x3000);
    for (uint32_t p = 0; p < 3; p++) put_header(p, NVS_PAGE_FULL, p, NVS_VERSION_V1);
    CHECK_EQ(mount(0x3000, 0), ESP_ERR_NVS_NO_FREE_PAGES);
    nvs_fk_config_t ro = {NULL, 0, 0, true};
    CHECK_EQ(nvs_flash_init_region("t", &emu.flash, 0, 0x3000, &ro), ESP_OK);
    nvs_handle_t h;
    CHECK_EQ(nvs_open_from_partition("t", "x", NVS_READWRITE, &h), ESP_ERR_NVS_READ_ONLY);
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
    /* Pages damaged in every way the spec lists. */
    fresh(0x5000);
    CHECK_EQ(mount(0x5000, 2), ESP_OK);
    h = open_rw("d");
    CHECK_EQ(nvs_set_u32(h, "keep", 42), ESP_OK);
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
    uint8_t junk[64];
    memset(junk, 0xA5, sizeof junk);
    fk_emu_load(&emu, 2 * 4096 + 1000, junk, sizeof junk);  /* "empty" but not blank */
    put_header(3, NVS_PAGE_FULL, 9, NVS_VERSION_V2);
    emu.mem[3 * 4096 + 30] ^= 1;                            /* bad header CRC */
    /* A half-written entry after the last one on the active page. */
    emu.mem[64 + 2 * 32] = 0x01;
    CHECK_EQ(mount(0x5000, 2), ESP_OK);
    nvs_fk_diag_t d;
    nvs_fk_page_info_t pi[5];
    CHECK_EQ(nvs_fk_get_diag("t", &d, pi, 5), ESP_OK);
    CHECK_EQ(pi[2].state, NVS_FK_PAGE_CORRUPT);
    CHECK_EQ(pi[3].state, NVS_FK_PAGE_CORRUPT);
    CHECK_EQ(pi[0].state, NVS_FK_PAGE_ACTIVE);
    CHECK_EQ(pi[0].erased, 1);                              /* the half-written entry */
    CHECK_EQ(d.free_pages, 4);
    h = open_rw("d");
    uint32_t v = 0;
    CHECK_EQ(nvs_get_u32(h, "keep", &v), ESP_OK);
    CHECK_EQ(v, 42);
    /* Fill past the corrupt pages: they are erased and reused. */
    static char s[1500];
    memset(s, 'z', sizeof s - 1);
    for (int i = 0; i < 8; i++) {
        char key[16];
        snprintf(key, sizeof key, "s%d", i);
        CHECK_EQ(nvs_set_str(h, key, s), ESP_OK);
    }
    CHECK_EQ(emu.st.nor_violations, 0);
    CHECK_EQ(nvs_get_u32(h, "keep", &v), ESP_OK);
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
}

/* Regression: a GC cut while its victim held a chunk of a blob still being
 * written. Recovery redoes the copy; the orphan chunk must then be dropped,
 * or a later write of that blob reads back as NOT_FOUND. */
static void test_orphan_chunk_moved_by_recovery(void)
{
    fresh(0x4000);
    uint8_t page[4096];
    memset(page, 0xFF, sizeof page);
    fk_nvs_header_build(page, NVS_PAGE_FREEING, 5, NVS_VERSION_V2);
    fk_nvs_entry_t e;
    fk_nvs_entry_init(&e, 0, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, "app");
    e.data[0] = 1;
    fk_nvs_entry_seal(&e);
    memcpy(page + 64, &e, 32);
    uint8_t data[40];
    memset(data, 0x5A, sizeof data);
    fk_nvs_entry_init(&e, 1, NVS_ITEM_BLOB_DATA, 3, 0x00, "b");
    fk_nvs_entry_set_varlen(&e, sizeof data, fk_crc32_le(0xFFFFFFFFu, data, sizeof data));
    fk_nvs_entry_seal(&e);
    memcpy(page + 96, &e, 32);
    memcpy(page + 128, data, sizeof data);
    for (unsigned i = 0; i < 4; i++) fk_nvs_bitmap_set(page + 32, i, NVS_ENTRY_WRITTEN);
    fk_emu_load(&emu, 0, page, sizeof page);
    put_header(1, NVS_PAGE_ACTIVE, 6, NVS_VERSION_V2); /* the copy target, cut early */
    CHECK_EQ(mount(0x4000, 2), ESP_OK);
    CHECK_EQ(scan_type(0x4000, NVS_ITEM_BLOB_DATA, NULL), 0);
    nvs_handle_t h = open_rw("app");
    uint8_t v[100], back[100];
    memset(v, 0x11, sizeof v);
    CHECK_EQ(nvs_set_blob(h, "b", v, sizeof v), ESP_OK);
    size_t len = sizeof back;
    CHECK_EQ(nvs_get_blob(h, "b", back, &len), ESP_OK);
    CHECK(len == sizeof v && !memcmp(back, v, len));
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
}

/* A collected page has its state word cleared before the sector erase. A
 * torn erase may set bits of the first byte; from 0x00000000 that can never
 * read back as FULL or ACTIVE, which would resurrect stale copies. */
static void test_retired_page_cannot_resurrect(void)
{
    fresh(0x3000);
    CHECK_EQ(mount(0x3000, 1), ESP_OK);
    nvs_handle_t h = open_rw("w");
    char key[16];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK_EQ(nvs_set_u32(h, key, 1000u + (uint32_t)i), ESP_OK);
    }
    /* Updates until a write needs a garbage collection. */
    uint8_t *snap = malloc(0x3000);
    int i = 0;
    uint64_t er = emu.st.erases;
    for (; emu.st.erases == er; i++) {
        memcpy(snap, emu.mem, 0x3000);
        snprintf(key, sizeof key, "k%d", i % 20);
        CHECK_EQ(nvs_set_u32(h, key, (uint32_t)i), ESP_OK);
    }
    i--; /* op i collected; snap is the flash before it */
    nvs_flash_deinit_partition("t");
    int found = 0;
    for (uint64_t n = 1; n < 400 && !found; n++) {
        memcpy(emu.mem, snap, 0x3000);
        CHECK_EQ(mount(0x3000, 1), ESP_OK);
        h = open_rw("w");
        fk_emu_set_cut(&emu, n, FK_CUT_ATOMIC, 1);
        snprintf(key, sizeof key, "k%d", i % 20);
        nvs_set_u32(h, key, (uint32_t)i);
        bool cut = emu.powered_off;
        fk_emu_power_on(&emu);
        nvs_flash_deinit_partition("t");
        if (!cut) break;
        for (uint32_t pg = 0; pg < 0x3000; pg += 4096) {
            if (fk_le32(emu.mem + pg) != 0 || fk_le32(emu.mem + pg + 4) == 0xFFFFFFFFu) continue;
            found = 1;
            emu.mem[pg] = 0xFC; /* the worst a torn erase can do to byte 0 */
        }
    }
    CHECK(found);
    CHECK_EQ(mount(0x3000, 1), ESP_OK);
    h = open_rw("w");
    for (int k = 0; k < 20; k++) { /* update everything: no stale copy may win */
        snprintf(key, sizeof key, "k%d", k);
        CHECK_EQ(nvs_set_u32(h, key, 7u * (uint32_t)k), ESP_OK);
    }
    nvs_flash_deinit_partition("t");
    CHECK_EQ(mount(0x3000, 1), ESP_OK);
    h = open_rw("w");
    for (int k = 0; k < 20; k++) {
        uint32_t v = 0;
        snprintf(key, sizeof key, "k%d", k);
        CHECK_EQ(nvs_get_u32(h, key, &v), ESP_OK);
        CHECK_EQ(v, 7u * (uint32_t)k);
    }
    nvs_flash_deinit_partition("t");
    free(snap);
}

/* A blank page with a header, and entry 0 the namespace `ns` (index 1). */
static void page_with_ns(uint8_t page[4096], uint32_t state, uint8_t version, const char *ns)
{
    fk_nvs_entry_t e;
    memset(page, 0xFF, 4096);
    fk_nvs_header_build(page, state, 0, version);
    fk_nvs_entry_init(&e, 0, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, ns);
    e.data[0] = 1;
    fk_nvs_entry_seal(&e);
    memcpy(page + 64, &e, 32);
    fk_nvs_bitmap_set(page + 32, 0, NVS_ENTRY_WRITTEN);
}

/* ESP-IDF keeps one item per (key, type): its images may hold a key twice
 * with two types. Both read back by type; setting the key replaces both. */
static void test_idf_key_with_two_types(void)
{
    fresh(0x4000);
    uint8_t page[4096];
    fk_nvs_entry_t e;
    page_with_ns(page, NVS_PAGE_FULL, NVS_VERSION_V2, "app");
    fk_nvs_entry_init(&e, 1, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, "k");
    e.data[0] = 9;
    fk_nvs_entry_seal(&e);
    memcpy(page + 96, &e, 32);
    fk_nvs_bitmap_set(page + 32, 1, NVS_ENTRY_WRITTEN);
    fk_emu_load(&emu, 0, page, sizeof page);
    memset(page, 0xFF, sizeof page);
    fk_nvs_header_build(page, NVS_PAGE_ACTIVE, 1, NVS_VERSION_V2);
    fk_nvs_entry_init(&e, 1, NVS_ITEM_SZ, 2, NVS_CHUNK_ANY, "k");
    fk_nvs_entry_set_varlen(&e, 3, fk_crc32_le(0xFFFFFFFFu, "hi", 3));
    fk_nvs_entry_seal(&e);
    memcpy(page + 64, &e, 32);
    memcpy(page + 96, "hi", 3);
    /* Not the newest item: that one is taken as an update cut before the
     * old copy was erased (spec 9.3), and supersedes older copies. */
    fk_nvs_entry_init(&e, 1, NVS_ITEM_U32, 1, NVS_CHUNK_ANY, "other");
    memset(e.data, 0, 4);
    fk_nvs_entry_seal(&e);
    memcpy(page + 128, &e, 32);
    for (unsigned i = 0; i < 3; i++) fk_nvs_bitmap_set(page + 32, i, NVS_ENTRY_WRITTEN);
    fk_emu_load(&emu, 4096, page, sizeof page);
    CHECK_EQ(mount(0x4000, 0), ESP_OK);
    nvs_handle_t h = open_rw("app");
    uint8_t u8 = 0;
    char str[8];
    size_t len = sizeof str;
    CHECK_EQ(nvs_get_u8(h, "k", &u8), ESP_OK);
    CHECK_EQ(u8, 9);
    CHECK_EQ(nvs_get_str(h, "k", str, &len), ESP_OK);
    CHECK(len == 3 && !strcmp(str, "hi"));
    CHECK_EQ(nvs_set_u16(h, "k", 300), ESP_OK);
    CHECK_EQ(nvs_get_u8(h, "k", &u8), ESP_ERR_NVS_NOT_FOUND);
    CHECK_EQ(nvs_get_str(h, "k", NULL, &len), ESP_ERR_NVS_NOT_FOUND);
    uint16_t u16 = 0;
    CHECK_EQ(nvs_get_u16(h, "k", &u16), ESP_OK);
    CHECK_EQ(u16, 300);
    CHECK_EQ(emu.mem[4096 + 8], NVS_VERSION_V2);
    nvs_flash_deinit_partition("t");
}

/* An item's header and data entries are marked WRITTEN in one bitmap write,
 * and a torn write may clear any subset of its bits. Every mix of the two
 * entries' states, with a data entry that is itself a valid entry (a blob
 * may hold one): the item is either whole or gone, and the entry inside it
 * never becomes an item of its own. */
static void test_torn_mark(void)
{
    static const unsigned st[4][2] = {
        {NVS_ENTRY_EMPTY, NVS_ENTRY_EMPTY},
        {NVS_ENTRY_EMPTY, NVS_ENTRY_WRITTEN},
        {NVS_ENTRY_WRITTEN, NVS_ENTRY_EMPTY},
        {NVS_ENTRY_WRITTEN, NVS_ENTRY_WRITTEN},
    };
    fk_nvs_entry_t inner, e;
    fk_nvs_entry_init(&inner, 1, NVS_ITEM_U32, 1, NVS_CHUNK_ANY, "phantom");
    fk_put_le32(inner.data, 7);
    fk_nvs_entry_seal(&inner);
    for (int c = 0; c < 4; c++) {
        static uint8_t page[4096];
        page_with_ns(page, NVS_PAGE_ACTIVE, NVS_VERSION_V1, "m");
        fk_nvs_entry_init(&e, 1, NVS_ITEM_BLOB, 2, NVS_CHUNK_ANY, "b");
        fk_nvs_entry_set_varlen(&e, 32, fk_crc32_le(0xFFFFFFFFu, &inner, 32));
        fk_nvs_entry_seal(&e);
        memcpy(page + 96, &e, 32);
        memcpy(page + 128, &inner, 32);
        fk_nvs_bitmap_set(page + 32, 1, st[c][0]);
        fk_nvs_bitmap_set(page + 32, 2, st[c][1]);
        fresh(0x3000);
        fk_emu_load(&emu, 0, page, sizeof page);
        CHECK_EQ(mount(0x3000, 0), ESP_OK);
        nvs_handle_t h = open_rw("m");
        uint32_t v = 0;
        uint8_t back[32];
        size_t len = sizeof back;
        bool whole = c == 3;
        CHECK_EQ(nvs_get_u32(h, "phantom", &v), ESP_ERR_NVS_NOT_FOUND);
        CHECK_EQ(nvs_get_blob(h, "b", back, &len), whole ? ESP_OK : ESP_ERR_NVS_NOT_FOUND);
        if (whole) CHECK(len == 32 && !memcmp(back, &inner, 32));
        /* What load left on flash: the torn item's entries ERASED, the next
         * write after them. */
        for (unsigned i = 1; i < 3; i++)
            CHECK_EQ(fk_nvs_bitmap_get(emu.mem + 32, i), whole ? NVS_ENTRY_WRITTEN : NVS_ENTRY_ERASED);
        CHECK_EQ(nvs_set_u8(h, "after", 5), ESP_OK);
        CHECK_EQ(fk_nvs_bitmap_get(emu.mem + 32, 3), NVS_ENTRY_WRITTEN);
        nvs_flash_deinit_partition("t");
        CHECK_EQ(emu.st.nor_violations, 0);
    }
}

/* A key field without a NUL is no item (no engine writes one): a string's
 * text could otherwise pass for an entry. */
static void test_key_without_nul(void)
{
    static uint8_t page[4096];
    fk_nvs_entry_t e;
    page_with_ns(page, NVS_PAGE_FULL, NVS_VERSION_V1, "m");
    fk_nvs_entry_init(&e, 1, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, "");
    memset(e.key, 'k', sizeof e.key);
    e.data[0] = 3;
    fk_nvs_entry_seal(&e);
    memcpy(page + 96, &e, 32);
    fk_nvs_bitmap_set(page + 32, 1, NVS_ENTRY_WRITTEN);
    fresh(0x3000);
    fk_emu_load(&emu, 0, page, sizeof page);
    CHECK_EQ(mount(0x3000, 0), ESP_OK);
    CHECK_EQ(fk_nvs_bitmap_get(emu.mem + 32, 1), NVS_ENTRY_ERASED);
    nvs_handle_t h = open_rw("m");
    uint8_t v = 0;
    CHECK_EQ(nvs_get_u8(h, "kkkkkkkkkkkkkkk", &v), ESP_ERR_NVS_NOT_FOUND);
    nvs_flash_deinit_partition("t");
}

int main(void)
{
    fk_emu_init_mem(&emu, 0x4000);
    test_damaged();
    test_orphan_chunk_moved_by_recovery();
    test_retired_page_cannot_resurrect();
    test_idf_key_with_two_types();
    test_torn_mark();
    test_key_without_nul();
    fk_emu_close(&emu);
    return fk_test_done("test_nvs_recovery");
}
