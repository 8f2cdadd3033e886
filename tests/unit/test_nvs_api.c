/* NVS engine: API semantics and error codes, on-flash bytes against the
 * generator's images, format choice (v1 stays v1), multi-page blobs with
 * chunkStart flipping, statistics, and mounting through the partition
 * table. Damaged pages and recovery: test_nvs_recovery.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esp_partition.h"
#include "test_nvs_region.h"

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
    test_partition_table();
    fk_emu_close(&emu);
    return fk_test_done("test_nvs_api");
}
