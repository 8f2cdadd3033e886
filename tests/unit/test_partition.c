/* Partition table core: loading with the bootloader's rules and the ESP-IDF
 * API semantics (find/iterate, bounds and alignment of read/write/erase). */
#include "fk_test.h"
#include "esp_partition.h"
#include "flash_emu.h"
#include "fk_hash.h"

/* The tables are written with the core's encoder only, so this test also
 * runs on the ESP8266 (under QEMU) with the firmware's FK_PARTITION_MAX. */
typedef struct {
    const char *label;
    uint8_t type, subtype;
    uint32_t offset, size;
} row_t;

static const row_t two_ota[] = {
    {"nvs", 1, 0x02, 0x9000, 0x4000},      {"otadata", 1, 0x00, 0xd000, 0x2000}, {"phy_init", 1, 0x01, 0xf000, 0x1000},
    {"ota_0", 0, 0x10, 0x10000, 0xF0000}, {"ota_1", 0, 0x11, 0x110000, 0xF0000}, {NULL, 0, 0, 0, 0}};
static const row_t two_ota_1mb[] = {
    {"nvs", 1, 0x02, 0x9000, 0x4000},      {"otadata", 1, 0x00, 0xd000, 0x2000}, {"phy_init", 1, 0x01, 0xf000, 0x1000},
    {"ota_0", 0, 0x10, 0x10000, 0x70000}, {"ota_1", 0, 0x11, 0x80000, 0x70000},  {NULL, 0, 0, 0, 0}};
static const row_t singleapp[] = {{"nvs", 1, 0x02, 0x9000, 0x6000},
                                  {"phy_init", 1, 0x01, 0xf000, 0x1000},
                                  {"factory", 0, 0x00, 0x10000, 0xF0000},
                                  {NULL, 0, 0, 0, 0}};

static void build_table(fk_emu_t *emu, const row_t *rows, bool md5, uint32_t offset)
{
    static uint8_t bin[FK_PART_TABLE_SIZE];
    memset(bin, 0xFF, sizeof bin);
    int n = 0;
    for (; rows[n].label; n++) {
        fk_part_entry_t e = {.type = rows[n].type, .subtype = rows[n].subtype, .offset = rows[n].offset,
                             .size = rows[n].size};
        snprintf(e.label, sizeof e.label, "%s", rows[n].label);
        fk_part_entry_encode(&e, bin + FK_PART_ROW_SIZE * n);
    }
    if (md5) {
        uint8_t digest[16];
        fk_md5(bin, (size_t)n * FK_PART_ROW_SIZE, digest);
        fk_part_md5_row_encode(bin + FK_PART_ROW_SIZE * n, digest);
    }
    CHECK_EQ(fk_emu_load(emu, offset, bin, sizeof bin), 0);
}

/* n entry rows from `from` on, each a valid 4 KiB data partition. */
static void fill_entries(fk_emu_t *emu, uint32_t table, int from, int n)
{
    for (int i = from; i < from + n; i++) {
        fk_part_entry_t e = {.type = 1, .subtype = 0x81, .offset = 0x10000 + 0x1000u * (uint32_t)i, .size = 0x1000};
        snprintf(e.label, sizeof e.label, "p%d", i);
        fk_part_entry_encode(&e, emu->mem + table + FK_PART_ROW_SIZE * (uint32_t)i);
    }
}

static void test_load_and_find(void)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 4 << 20), 0);
    build_table(&emu, two_ota, false, 0x8000);
    CHECK_EQ(fk_partition_init(&emu.flash, 0x8000), ESP_OK);

    const esp_partition_t *nvs = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, NULL);
    CHECK(nvs != NULL);
    CHECK_EQ(nvs->address, 0x9000);
    CHECK_EQ(nvs->size, 0x4000);
    CHECK(!strcmp(nvs->label, "nvs"));
    CHECK(nvs->flash == &emu.flash);

    /* Iterate all apps in table order. */
    esp_partition_iterator_t it = esp_partition_find(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_ANY, NULL);
    int n = 0;
    uint32_t addrs[4] = {0};
    for (; it; it = esp_partition_next(it)) addrs[n++] = esp_partition_get(it)->address;
    CHECK_EQ(n, 2);
    CHECK_EQ(addrs[0], 0x10000);
    CHECK_EQ(addrs[1], 0x110000);

    /* By label; ANY type. */
    const esp_partition_t *ota1 = esp_partition_find_first(ESP_PARTITION_TYPE_ANY, ESP_PARTITION_SUBTYPE_ANY, "ota_1");
    CHECK(ota1 && ota1->subtype == ESP_PARTITION_SUBTYPE_APP_OTA_1);
    CHECK(esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL) == NULL);
    CHECK(esp_partition_find(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_FAT, NULL) == NULL);
    CHECK(esp_partition_verify(ota1) == ota1);
    esp_partition_t copy = *ota1;
    CHECK(esp_partition_verify(&copy) == ota1);
    copy.size--;
    CHECK(esp_partition_verify(&copy) == NULL);

    /* The iterator pool is not leaked by the loops above. */
    for (int i = 0; i < 100; i++) {
        const esp_partition_t *p = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_ANY, NULL);
        CHECK(p != NULL);
    }

    /* read / write / erase bounds (ESP-IDF semantics). */
    uint8_t buf[16] = {1, 2, 3};
    CHECK_EQ(esp_partition_write(nvs, 0x10, buf, 3), ESP_OK);
    uint8_t rd[3];
    CHECK_EQ(esp_partition_read(nvs, 0x10, rd, 3), ESP_OK);
    CHECK(rd[0] == 1 && rd[2] == 3);
    CHECK_EQ(emu.mem[0x9010], 1);
    CHECK_EQ(esp_partition_read(nvs, 0x4001, rd, 1), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_partition_read(nvs, 0x3FFF, rd, 2), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(esp_partition_write(nvs, 0x4000, buf, 1), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(esp_partition_erase_range(nvs, 0x100, 0x1000), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_partition_erase_range(nvs, 0, 0x800), ESP_ERR_INVALID_ARG);
    CHECK_EQ(esp_partition_erase_range(nvs, 0x1000, 0x4000), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(esp_partition_erase_range(nvs, 0, 0x1000), ESP_OK);
    CHECK_EQ(emu.mem[0x9010], 0xFF);
    CHECK_EQ(esp_partition_read(NULL, 0, rd, 1), ESP_ERR_INVALID_ARG);
    fk_emu_close(&emu);
}

static void test_bootloader_rules(void)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 1 << 20), 0);
    fk_ptable_t t;

    /* With the MD5 row: skipped on the ESP8266, checked when asked. */
    build_table(&emu, two_ota_1mb, true, 0x8000);
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_OK);
    CHECK_EQ(t.count, 5);
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, FK_PT_VERIFY_MD5), ESP_OK);
    emu.mem[0x8000 + 5 * 32 + 20] ^= 0x01; /* corrupt the digest */
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_OK);
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, FK_PT_VERIFY_MD5), ESP_ERR_INVALID_CRC);

    /* Garbage row: invalid magic. */
    build_table(&emu, two_ota_1mb, false, 0x8000);
    emu.mem[0x8000 + 2 * 32] = 0x12;
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_ERR_INVALID_STATE);

    /* A partition past the end of the flash. */
    build_table(&emu, two_ota, false, 0x8000); /* a 2 MB table on 1 MB flash */
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_ERR_INVALID_SIZE);

    /* No end row in 96 rows: as many entries as the RAM table holds, then
     * MD5 rows (skipped on the ESP8266), whatever FK_PARTITION_MAX is. */
    int cap = FK_PARTITION_MAX < (int)FK_PART_MAX_ROWS ? FK_PARTITION_MAX : (int)FK_PART_MAX_ROWS;
    memset(emu.mem + 0x8000, 0xFF, 0x1000);
    fill_entries(&emu, 0x8000, 0, cap);
    for (int i = cap; i < (int)FK_PART_MAX_ROWS; i++) {
        static const uint8_t digest[16];
        fk_part_md5_row_encode(emu.mem + 0x8000 + FK_PART_ROW_SIZE * (uint32_t)i, digest);
    }
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_ERR_INVALID_STATE);

    /* Exactly FK_PARTITION_MAX entries fit; one more is refused. */
    if (FK_PARTITION_MAX < (int)FK_PART_MAX_ROWS) {
        memset(emu.mem + 0x8000, 0xFF, 0x1000);
        fill_entries(&emu, 0x8000, 0, FK_PARTITION_MAX);
        CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_OK);
        CHECK_EQ(t.count, FK_PARTITION_MAX);
        if (FK_PARTITION_MAX + 1 < (int)FK_PART_MAX_ROWS) {
            fill_entries(&emu, 0x8000, FK_PARTITION_MAX, 1);
            CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_ERR_NO_MEM);
        }
    }

    /* An erased table region has no partitions but is valid. */
    memset(emu.mem + 0x8000, 0xFF, 0x1000);
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_OK);
    CHECK_EQ(t.count, 0);

    /* 16-character labels fill the field without a terminator. */
    fk_part_entry_t e = {.type = 1, .subtype = 2, .offset = 0x9000, .size = 0x6000};
    memcpy(e.label, "abcdefghijklmnop", 17);
    fk_part_entry_encode(&e, emu.mem + 0x8000);
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x8000, 0), ESP_OK);
    CHECK_EQ(t.count, 1);
    CHECK(!strcmp(t.part[0].label, "abcdefghijklmnop"));

    /* Table at a custom offset (the SDK's v2->v3 1 MB example uses 0x5000). */
    build_table(&emu, singleapp, false, 0x5000);
    CHECK_EQ(fk_ptable_load(&t, &emu.flash, 0x5000, 0), ESP_OK);
    CHECK_EQ(t.count, 3);
    fk_emu_close(&emu);
}

/* core/fk_ptable_fmt on its own: the row kinds, the MD5 row, the names. */
static void test_row_format(void)
{
    uint8_t row[FK_PART_ROW_SIZE];
    fk_part_entry_t e = {.type = 0, .subtype = 0x11, .offset = 0x110000, .size = 0xF0000, .flags = 1}, back;
    memcpy(e.label, "ota_1", 6);
    fk_part_entry_encode(&e, row);
    CHECK(row[0] == 0xAA && row[1] == 0x50 && row[2] == 0 && row[3] == 0x11);
    CHECK(row[4] == 0x00 && row[5] == 0x00 && row[6] == 0x11 && row[7] == 0x00); /* offset, LE */
    CHECK(row[12] == 'o' && row[17] == 0 && row[27] == 0 && row[28] == 1);
    CHECK(fk_part_entry_decode(row, &back));
    CHECK(back.offset == 0x110000 && back.size == 0xF0000 && back.flags == 1 && !strcmp(back.label, "ota_1"));
    CHECK(fk_part_row_magic_is(row, FK_PART_MAGIC) && !fk_part_row_is_end(row) && !fk_part_row_is_erased(row));

    uint8_t digest[16];
    for (int i = 0; i < 16; i++) digest[i] = (uint8_t)(0xC0 + i);
    fk_part_md5_row_encode(row, digest);
    CHECK(row[0] == 0xEB && row[1] == 0xEB && row[2] == 0xFF && row[15] == 0xFF && row[16] == 0xC0);
    CHECK(!memcmp(fk_part_md5_row_digest(row), digest, 16));
    CHECK(!fk_part_entry_decode(row, &back));

    memset(row, 0xFF, sizeof row);
    CHECK(fk_part_row_is_end(row) && fk_part_row_is_erased(row));
    row[20] = 0; /* the bootloader looks at the first four bytes only */
    CHECK(fk_part_row_is_end(row) && !fk_part_row_is_erased(row));
    row[3] = 0x02;
    CHECK(!fk_part_row_is_end(row));

    CHECK(!strcmp(fk_part_type_keyword(0), "app") && !strcmp(fk_part_type_keyword(1), "data"));
    CHECK(fk_part_type_keyword(0x40) == NULL);
    CHECK(!strcmp(fk_part_subtype_keyword(0, 0x1f), "ota_15"));
    CHECK(!strcmp(fk_part_subtype_keyword(1, 0x82), "spiffs"));
    CHECK(fk_part_subtype_keyword(1, 0x20) == NULL);
    CHECK(fk_part_subtype_keyword(0x40, 0x00) == NULL);
    size_t n;
    const fk_part_name_t *names = fk_part_subtype_names(1, &n);
    CHECK(n == 9 && !strcmp(names[0].name, "ota") && !strcmp(names[8].name, "spiffs")); /* the reference's order */
    CHECK(fk_part_subtype_names(2, &n) == NULL && n == 0);
}

int main(void)
{
    test_row_format();
    test_load_and_find();
    test_bootloader_rules();
    return fk_test_done("partition");
}
