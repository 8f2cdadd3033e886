/* NVS engine: API semantics and error codes, on-flash bytes against the
 * generators' images, format choice (v1 stays v1), multi-page blobs with
 * chunkStart flipping, recovery of damaged pages, statistics, diagnostics,
 * and mounting through the partition table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esp_partition.h"
#include "flash_emu.h"
#include "fk_crc32.h"
#include "fk_test.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"
#include "fk_nvs_format.h"

static fk_emu_t emu;

static esp_err_t mount(uint32_t size, uint8_t version)
{
    nvs_fk_config_t cfg = {NULL, 0, version, false};
    return nvs_flash_init_region("t", &emu.flash, 0, size, &cfg);
}

static void fresh(uint32_t size)
{
    fk_emu_close(&emu);
    fk_emu_init_mem(&emu, size);
}

static nvs_handle_t open_rw(const char *ns)
{
    nvs_handle_t h = 0;
    CHECK_EQ(nvs_open_from_partition("t", ns, NVS_READWRITE, &h), ESP_OK);
    return h;
}

static uint8_t *load(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/vectors/%s", fk_shared(), rel);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len);
    if (fread(b, 1, *len, f) != *len) *len = 0;
    fclose(f);
    return b;
}

/* Finds WRITTEN items of a type on flash: returns count, fills the last one. */
static int scan_type(uint32_t size, uint8_t type, fk_nvs_entry_t *last)
{
    int n = 0;
    for (uint32_t pg = 0; pg < size; pg += 4096) {
        if (fk_le32(emu.mem + pg) == 0xFFFFFFFFu) continue;
        for (unsigned i = 0; i < 126; i++) {
            if (fk_nvs_bitmap_get(emu.mem + pg + 32, i) != NVS_ENTRY_WRITTEN) continue;
            fk_nvs_entry_t e;
            memcpy(&e, emu.mem + pg + 64 + 32 * i, 32);
            if (e.type == type && fk_nvs_entry_crc(&e) == e.crc) {
                n++;
                if (last) *last = e;
            }
        }
    }
    return n;
}

static void test_errors(void)
{
    fresh(0x4000);
    nvs_handle_t h;
    CHECK_EQ(nvs_open_from_partition("t", "x", NVS_READWRITE, &h), ESP_ERR_NVS_NOT_INITIALIZED);
    CHECK_EQ(mount(0x800, 0), ESP_ERR_INVALID_ARG);
    CHECK_EQ(nvs_flash_init_region("t", &emu.flash, 0x800, 0x3000, NULL), ESP_ERR_INVALID_ARG);
    CHECK_EQ(nvs_flash_init_region("t", &emu.flash, 0x2000, 0x3000, NULL), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(mount(0x3800, 0), ESP_OK); /* 3 pages, the tail unused, as in ESP-IDF */
    nvs_fk_diag_t d;
    CHECK_EQ(nvs_fk_get_diag("t", &d, NULL, 0), ESP_OK);
    CHECK_EQ(d.page_count, 3);
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
    CHECK_EQ(mount(0x4000, 0), ESP_OK);
    CHECK_EQ(nvs_open_from_partition("t", "missing", NVS_READONLY, &h), ESP_ERR_NVS_NOT_FOUND);
    CHECK_EQ(nvs_open_from_partition("t", "sixteen_chars_xx", NVS_READWRITE, &h), ESP_ERR_NVS_INVALID_NAME);
    h = open_rw("app");
    CHECK_EQ(nvs_set_u8(h, "sixteen_chars_xx", 1), ESP_ERR_NVS_KEY_TOO_LONG);
    CHECK_EQ(nvs_set_u8(h, "fifteen_chars_x", 7), ESP_OK);
    uint8_t u8 = 0;
    CHECK_EQ(nvs_get_u8(h, "fifteen_chars_x", &u8), ESP_OK);
    CHECK_EQ(u8, 7);
    CHECK_EQ(nvs_get_u16(h, "fifteen_chars_x", (uint16_t *)&u8), ESP_ERR_NVS_NOT_FOUND);
    CHECK_EQ(nvs_get_u8(h, "nope", &u8), ESP_ERR_NVS_NOT_FOUND);
    CHECK_EQ(nvs_erase_key(h, "nope"), ESP_ERR_NVS_NOT_FOUND);

    nvs_handle_t ro;
    CHECK_EQ(nvs_open_from_partition("t", "app", NVS_READONLY, &ro), ESP_OK);
    CHECK_EQ(nvs_set_u8(ro, "k", 1), ESP_ERR_NVS_READ_ONLY);
    CHECK_EQ(nvs_erase_all(ro), ESP_ERR_NVS_READ_ONLY);
    CHECK_EQ(nvs_get_u8(ro, "fifteen_chars_x", &u8), ESP_OK);
    nvs_close(ro);
    CHECK_EQ(nvs_get_u8(ro, "fifteen_chars_x", &u8), ESP_ERR_NVS_INVALID_HANDLE);
    CHECK_EQ(nvs_commit(ro), ESP_ERR_NVS_INVALID_HANDLE);

    /* Strings and blobs: length query, short buffer, limits (v1 here). */
    CHECK_EQ(nvs_set_str(h, "s", "hello"), ESP_OK);
    size_t len = 0;
    CHECK_EQ(nvs_get_str(h, "s", NULL, &len), ESP_OK);
    CHECK_EQ(len, 6);
    char buf[8];
    len = 5;
    CHECK_EQ(nvs_get_str(h, "s", buf, &len), ESP_ERR_NVS_INVALID_LENGTH);
    len = sizeof buf;
    CHECK_EQ(nvs_get_str(h, "s", buf, &len), ESP_OK);
    CHECK(len == 6 && !strcmp(buf, "hello"));
    CHECK_EQ(nvs_get_blob(h, "s", NULL, &len), ESP_ERR_NVS_NOT_FOUND);
    static uint8_t big[5000];
    memset(big, 'x', sizeof big);
    big[1984] = 0;
    CHECK_EQ(nvs_set_str(h, "long", (char *)big), ESP_ERR_NVS_VALUE_TOO_LONG); /* 1985 with NUL */
    big[1983] = 0;
    CHECK_EQ(nvs_set_str(h, "long", (char *)big), ESP_OK);
    CHECK_EQ(nvs_set_blob(h, "b", big, 1985), ESP_ERR_NVS_VALUE_TOO_LONG);
    CHECK_EQ(nvs_set_blob(h, "b", big, 1984), ESP_OK);
    CHECK_EQ(nvs_set_blob(h, "empty", NULL, 0), ESP_OK);
    CHECK_EQ(nvs_get_blob(h, "empty", NULL, &len), ESP_OK);
    CHECK_EQ(len, 0);
    CHECK_EQ(scan_type(0x4000, NVS_ITEM_BLOB, NULL), 2);        /* v1: BLOB items */
    CHECK_EQ(scan_type(0x4000, NVS_ITEM_BLOB_IDX, NULL), 0);
    CHECK_EQ(emu.mem[8], NVS_VERSION_V1); /* default format of an empty partition */

    /* A key changing type replaces the old item. */
    CHECK_EQ(nvs_set_u32(h, "s", 99), ESP_OK);
    CHECK_EQ(nvs_get_str(h, "s", NULL, &len), ESP_ERR_NVS_NOT_FOUND);
    uint32_t u32 = 0;
    CHECK_EQ(nvs_get_u32(h, "s", &u32), ESP_OK);
    CHECK_EQ(u32, 99);
    nvs_close(h);
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_ERR_NVS_NOT_INITIALIZED);
    CHECK_EQ(mount(0x4000, 0), ESP_OK);
    h = open_rw("app");
    CHECK_EQ(nvs_get_u32(h, "s", &u32), ESP_OK);
    CHECK_EQ(nvs_get_str(h, "s", NULL, &len), ESP_ERR_NVS_NOT_FOUND);
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
    CHECK_EQ(nvs_get_u32(h, "s", &u32), ESP_ERR_NVS_INVALID_HANDLE); /* unmount closes handles */
}

/* What the API writes is byte for byte what Espressif's generator writes. */
static void test_bytes_match_generator(const char *vec, uint8_t version)
{
    size_t len;
    uint8_t *img = load(vec, &len);
    CHECK(img != NULL);
    if (!img) return;
    fresh(0x4000);
    CHECK_EQ(mount(0x4000, version), ESP_OK);
    nvs_handle_t h = open_rw("aliyun-key");
    CHECK_EQ(nvs_set_str(h, "DeviceName", "config"), ESP_OK);
    CHECK_EQ(nvs_set_str(h, "DeviceSecret", "dsj3RuY74pgCBJ3zczKz1LaLK7RGApqh"), ESP_OK);
    CHECK_EQ(nvs_set_str(h, "ProductKey", "a10BnLLzGv4"), ESP_OK);
    CHECK_EQ(nvs_set_str(h, "ProductSecret", "pVfLpS1u3A9JM0go"), ESP_OK);
    /* Header: seq 0, version, CRC equal; only the state word differs (ACTIVE). */
    CHECK_EQ(fk_le32(emu.mem), NVS_PAGE_ACTIVE);
    CHECK(!memcmp(emu.mem + 4, img + 4, 4096 - 4));
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
    free(img);
}

static int blob_idx_start(uint32_t size)
{
    fk_nvs_entry_t e;
    if (scan_type(size, NVS_ITEM_BLOB_IDX, &e) != 1) return -1;
    return e.data[5];
}

static void test_v2_blobs(void)
{
    fresh(0x6000);
    CHECK_EQ(mount(0x6000, 2), ESP_OK);
    nvs_handle_t h = open_rw("blobs");
    static uint8_t a[12000], b[12000], back[12000];
    for (size_t i = 0; i < sizeof a; i++) {
        a[i] = (uint8_t)(i * 31 + 7);
        b[i] = (uint8_t)(i * 17 + 3);
    }
    CHECK_EQ(nvs_set_blob(h, "fw", a, 10000), ESP_OK);
    CHECK_EQ(emu.mem[8], NVS_VERSION_V2);
    CHECK_EQ(blob_idx_start(0x6000), 0x00);
    CHECK(scan_type(0x6000, NVS_ITEM_BLOB_DATA, NULL) >= 3);
    size_t len = 0;
    CHECK_EQ(nvs_get_blob(h, "fw", NULL, &len), ESP_OK);
    CHECK_EQ(len, 10000);
    CHECK_EQ(nvs_get_blob(h, "fw", back, &len), ESP_OK);
    CHECK(!memcmp(back, a, 10000));
    uint64_t w = emu.st.writes;
    CHECK_EQ(nvs_set_blob(h, "fw", a, 10000), ESP_OK);
    CHECK_EQ(emu.st.writes, w); /* same value: nothing written */
    CHECK_EQ(nvs_set_blob(h, "fw", b, 9000), ESP_OK);
    CHECK_EQ(blob_idx_start(0x6000), 0x80);
    len = sizeof back;
    CHECK_EQ(nvs_get_blob(h, "fw", back, &len), ESP_OK);
    CHECK(len == 9000 && !memcmp(back, b, 9000));
    CHECK_EQ(nvs_set_blob(h, "fw", a, 3000), ESP_OK);
    CHECK_EQ(blob_idx_start(0x6000), 0x00);
    CHECK_EQ(nvs_set_str(h, "s4000", ""), ESP_OK);
    char *s = malloc(4001);
    memset(s, 'q', 4000);
    s[4000] = 0;
    CHECK_EQ(nvs_set_str(h, "s4000", s), ESP_ERR_NVS_VALUE_TOO_LONG);
    s[3999] = 0;
    CHECK_EQ(nvs_set_str(h, "s4000", s), ESP_OK); /* a whole page */
    free(s);
    CHECK_EQ(nvs_set_blob(h, "huge", a, 5 * 4000 + 1), ESP_ERR_NVS_VALUE_TOO_LONG);

    /* Iterator: a v2 blob once, as NVS_TYPE_BLOB. */
    int blobs = 0, strs = 0;
    for (nvs_iterator_t it = nvs_entry_find("t", "blobs", NVS_TYPE_ANY); it; it = nvs_entry_next(it)) {
        nvs_entry_info_t info;
        nvs_entry_info(it, &info);
        CHECK(!strcmp(info.namespace_name, "blobs"));
        blobs += info.type == NVS_TYPE_BLOB;
        strs += info.type == NVS_TYPE_STR;
    }
    CHECK_EQ(blobs, 1);
    CHECK_EQ(strs, 1);
    CHECK(nvs_entry_find("t", "nothere", NVS_TYPE_ANY) == NULL);
    nvs_iterator_t it = nvs_entry_find("t", NULL, NVS_TYPE_BLOB);
    CHECK(it != NULL);
    nvs_release_iterator(it);

    /* Orphan chunks (an index lost): removed when mounting. */
    size_t used0;
    CHECK_EQ(nvs_get_used_entry_count(h, &used0), ESP_OK);
    CHECK(used0 > 100);
    for (uint32_t pg = 0; pg < 0x6000; pg += 4096)
        for (unsigned i = 0; i < 126; i++) {
            fk_nvs_entry_t e;
            memcpy(&e, emu.mem + pg + 64 + 32 * i, 32);
            if (e.type == NVS_ITEM_BLOB_IDX && fk_nvs_bitmap_get(emu.mem + pg + 32, i) == NVS_ENTRY_WRITTEN)
                emu.mem[pg + 32 + i / 4] &= (uint8_t)~(3u << (2 * (i % 4))); /* as a cut would */
        }
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
    CHECK_EQ(mount(0x6000, 2), ESP_OK);
    h = open_rw("blobs");
    CHECK_EQ(nvs_get_blob(h, "fw", NULL, &len), ESP_ERR_NVS_NOT_FOUND);
    CHECK_EQ(scan_type(0x6000, NVS_ITEM_BLOB_DATA, NULL), 0);
    size_t used1;
    CHECK_EQ(nvs_get_used_entry_count(h, &used1), ESP_OK);
    CHECK_EQ(used1, 126); /* the 3999-character string */
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
}

static void test_space_and_stats(void)
{
    fresh(0x4000);
    CHECK_EQ(mount(0x4000, 1), ESP_OK);
    nvs_stats_t st;
    CHECK_EQ(nvs_get_stats("t", &st), ESP_OK);
    CHECK_EQ(st.total_entries, 4 * 126);
    CHECK_EQ(st.used_entries, 0);
    nvs_handle_t h = open_rw("fill");
    char key[16];
    int n = 0;
    esp_err_t err = ESP_OK;
    for (; n < 1000 && err == ESP_OK; n++) {
        snprintf(key, sizeof key, "k%d", n);
        err = nvs_set_u32(h, key, (uint32_t)n);
    }
    n--;
    CHECK_EQ(err, ESP_ERR_NVS_NOT_ENOUGH_SPACE);
    /* All but the reserved page: 3 * 126 entries minus the namespace entry. */
    CHECK_EQ(n, 3 * 126 - 1);
    CHECK_EQ(nvs_get_stats("t", &st), ESP_OK);
    CHECK_EQ(st.used_entries, 3 * 126);
    CHECK_EQ(st.namespace_count, 1);
    nvs_fk_diag_t d;
    nvs_fk_page_info_t pages[4];
    CHECK_EQ(nvs_fk_get_diag("t", &d, pages, 4), ESP_OK);
    CHECK_EQ(d.free_pages, 1);
    CHECK_EQ(d.max_item_bytes, 0);
    CHECK_EQ(d.usable_entries, 0);
    /* Values spread over every page, half erased: GC gets the space back. */
    for (int i = 0; i < n; i += 2) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK_EQ(nvs_erase_key(h, key), ESP_OK);
    }
    CHECK_EQ(nvs_fk_get_diag("t", &d, pages, 4), ESP_OK);
    CHECK(d.erased_entries >= 189);
    CHECK(d.max_item_bytes >= 1500);
    int added = 0;
    for (err = ESP_OK; err == ESP_OK; added++) {
        snprintf(key, sizeof key, "n%d", added);
        err = nvs_set_u32(h, key, 1);
    }
    CHECK_EQ(err, ESP_ERR_NVS_NOT_ENOUGH_SPACE);
    CHECK_EQ(added - 1, 189); /* every erased entry reused */
    for (int i = 1; i < n; i += 2) {
        uint32_t v;
        snprintf(key, sizeof key, "k%d", i);
        CHECK_EQ(nvs_get_u32(h, key, &v), ESP_OK);
        CHECK_EQ(v, (uint32_t)i);
    }
    CHECK_EQ(nvs_erase_all(h), ESP_OK);
    size_t used;
    CHECK_EQ(nvs_get_used_entry_count(h, &used), ESP_OK);
    CHECK_EQ(used, 0);
    CHECK_EQ(emu.st.nor_violations, 0);
    CHECK_EQ(nvs_flash_deinit_partition("t"), ESP_OK);
}

static void put_header(uint32_t page, uint32_t state, uint32_t seq, uint8_t version)
{
    uint8_t hdr[32];
    fk_nvs_header_build(hdr, state, seq, version);
    fk_emu_load(&emu, page * 4096, hdr, 32);
}

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

/* ESP-IDF keeps one item per (key, type): its images may hold a key twice
 * with two types. Both read back by type; setting the key replaces both. */
static void test_idf_key_with_two_types(void)
{
    fresh(0x4000);
    uint8_t page[4096];
    fk_nvs_entry_t e;
    memset(page, 0xFF, sizeof page);
    fk_nvs_header_build(page, NVS_PAGE_FULL, 0, NVS_VERSION_V2);
    fk_nvs_entry_init(&e, 0, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, "app");
    e.data[0] = 1;
    fk_nvs_entry_seal(&e);
    memcpy(page + 64, &e, 32);
    fk_nvs_entry_init(&e, 1, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, "k");
    e.data[0] = 9;
    fk_nvs_entry_seal(&e);
    memcpy(page + 96, &e, 32);
    fk_nvs_bitmap_set(page + 32, 0, NVS_ENTRY_WRITTEN);
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

/* A torn bitmap write may clear any subset of one byte's bits, so no single
 * flash write may mark an item's header and its data entries together (the
 * data could then look WRITTEN without their header and be parsed as items).
 * Replays a set with a cut after each of its operations and compares the
 * bitmap before and after every single write. */
static void test_header_marked_alone(void)
{
    static const uint8_t vers[2] = {1, 2};
    for (int v = 0; v < 2; v++) {
        fresh(0x3000);
        CHECK_EQ(mount(0x3000, vers[v]), ESP_OK);
        nvs_handle_t h = open_rw("m");
        CHECK_EQ(nvs_set_u8(h, "pad", 1), ESP_OK); /* the item starts mid-byte */
        nvs_flash_deinit_partition("t");
        uint8_t *snap = malloc(0x3000), *prev = malloc(0x3000);
        memcpy(snap, emu.mem, 0x3000);
        uint8_t blob[62];
        memset(blob, 0x3C, sizeof blob);
        int transitions = 0;
        for (uint64_t k = 1; k < 50; k++) {
            memcpy(emu.mem, snap, 0x3000);
            CHECK_EQ(mount(0x3000, vers[v]), ESP_OK);
            h = open_rw("m");
            fk_emu_set_cut(&emu, k, FK_CUT_ATOMIC, 1);
            nvs_set_blob(h, "b", blob, sizeof blob);
            bool cut = emu.powered_off;
            fk_emu_power_on(&emu);
            nvs_flash_deinit_partition("t");
            if (k > 1) {
                /* entries whose state changed between cut k-1 and cut k */
                int hdr = 0, data = 0;
                for (unsigned i = 0; i < 126; i++) {
                    unsigned a = fk_nvs_bitmap_get(prev + 32, i), b = fk_nvs_bitmap_get(emu.mem + 32, i);
                    if (a == b) continue;
                    fk_nvs_entry_t e;
                    memcpy(&e, emu.mem + 64 + 32 * i, 32);
                    if (fk_nvs_entry_crc(&e) == e.crc && e.key[0] == 'b') hdr++;
                    else data++;
                }
                CHECK(!(hdr && data));
                transitions += hdr + data > 0;
            }
            memcpy(prev, emu.mem, 0x3000);
            if (!cut) break;
        }
        CHECK(transitions >= 2);
        free(snap);
        free(prev);
    }
}

/* nvs_flash_init() over the partition table, as firmware calls it. */
static void test_partition_table(void)
{
    fresh(0x20000);
    uint8_t table[0xC00];
    memset(table, 0xFF, sizeof table);
    fk_part_entry_t rows[2] = {
        {ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, 0x9000, 0x6000, "nvs", 0},
        {ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, 0x10000, 0x3000, "factory", 0},
    };
    fk_part_entry_encode(&rows[0], table);
    fk_part_entry_encode(&rows[1], table + 32);
    fk_emu_load(&emu, 0x8000, table, sizeof table);
    CHECK_EQ(fk_partition_init(&emu.flash, 0x8000), ESP_OK);
    CHECK_EQ(nvs_flash_init(), ESP_OK);
    CHECK_EQ(nvs_flash_init(), ESP_OK); /* already mounted: fine */
    nvs_handle_t h;
    CHECK_EQ(nvs_open("storage", NVS_READWRITE, &h), ESP_OK);
    CHECK_EQ(nvs_set_i64(h, "boots", -5), ESP_OK);
    CHECK_EQ(nvs_get_u32(h, "boots", NULL), ESP_ERR_INVALID_ARG);
    CHECK_EQ(fk_le32(emu.mem + 0x9000), NVS_PAGE_ACTIVE);
    nvs_close(h);
    CHECK_EQ(nvs_flash_init_partition("factory"), ESP_OK); /* shares the default workspace */
    CHECK_EQ(nvs_flash_init_partition("missing"), ESP_ERR_NOT_FOUND);
    CHECK_EQ(nvs_flash_deinit(), ESP_OK);
    CHECK_EQ(nvs_flash_init(), ESP_OK);
    int64_t v = 0;
    CHECK_EQ(nvs_open("storage", NVS_READONLY, &h), ESP_OK);
    CHECK_EQ(nvs_get_i64(h, "boots", &v), ESP_OK);
    CHECK_EQ(v, -5);
    CHECK_EQ(nvs_flash_erase(), ESP_OK); /* unmounts, then erases */
    CHECK_EQ(nvs_get_i64(h, "boots", &v), ESP_ERR_NVS_INVALID_HANDLE);
    CHECK_EQ(fk_le32(emu.mem + 0x9000), 0xFFFFFFFFu);
    CHECK_EQ(nvs_flash_init(), ESP_OK);
    CHECK_EQ(nvs_open("storage", NVS_READONLY, &h), ESP_ERR_NVS_NOT_FOUND);
    nvs_flash_deinit_partition("factory");
    CHECK_EQ(nvs_flash_init_partition_ptr(esp_partition_find_first(ESP_PARTITION_TYPE_DATA,
                                                                   ESP_PARTITION_SUBTYPE_ANY, "factory")),
             ESP_OK);
    CHECK_EQ(nvs_flash_deinit_partition("factory"), ESP_OK);
    CHECK_EQ(nvs_flash_init_partition_ptr(NULL), ESP_ERR_INVALID_ARG);
    CHECK_EQ(nvs_flash_deinit(), ESP_OK);
}

int main(void)
{
    fk_emu_init_mem(&emu, 0x4000);
    test_errors();
    test_bytes_match_generator("nvs/example_aliyun_v1/expected.bin", 1);
    test_bytes_match_generator("nvs/example_aliyun_v2/expected.bin", 2);
    test_v2_blobs();
    test_space_and_stats();
    test_damaged();
    test_orphan_chunk_moved_by_recovery();
    test_retired_page_cannot_resurrect();
    test_idf_key_with_two_types();
    test_header_marked_alone();
    test_partition_table();
    fk_emu_close(&emu);
    return fk_test_done("test_nvs_api");
}
