/* The encrypted NVS API (ESP-IDF's nvs_flash_secure_init_partition,
 * nvs_flash_generate_keys, nvs_flash_read_security_cfg, nvs_flash_init with
 * encryption) on a memory flash with a partition table: the error codes of
 * the spec, keys from the random source, what lands on flash, the flash
 * layer's refusals, and that a wrong key damages nothing. */
#include "test_nvs_secure_util.h"

#define FLASH_SIZE 0x40000u

static fk_emu_t g_emu;
static fk_ptable_t g_table;

static void add_part(const char *label, int type, int subtype, uint32_t addr, uint32_t size, bool enc)
{
    esp_partition_t *p = &g_table.part[g_table.count++];
    memset(p, 0, sizeof *p);
    p->type = (esp_partition_type_t)type;
    p->subtype = (esp_partition_subtype_t)subtype;
    p->address = addr;
    p->size = size;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->encrypted = enc;
    p->flash = &g_emu.flash;
}

/* nvs (3 pages), nvs_keys (flagged encrypted, as ESP-IDF tables have it),
 * nvs2 (3 pages), and an NVS partition wrongly flagged encrypted. */
static void device(bool with_keys)
{
    fk_emu_close(&g_emu);
    CHECK_EQ(fk_emu_init_mem(&g_emu, FLASH_SIZE), 0);
    memset(&g_table, 0, sizeof g_table);
    g_table.flash = &g_emu.flash;
    g_table.offset = 0x8000;
    add_part("nvs", ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, 0x9000, 0x3000, false);
    if (with_keys) add_part("nvs_keys", ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS_KEYS, 0xC000, 0x1000, true);
    add_part("nvs2", ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, 0x10000, 0x3000, false);
    add_part("nvs_flagged", ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, 0x13000, 0x3000, true);
    fk_partition_set_table(&g_table);
}

static const esp_partition_t *keys_part(void)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS_KEYS, NULL);
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k)) return true;
    return false;
}

static void test_keys(void)
{
    device(true);
    const esp_partition_t *kp = keys_part();
    nvs_sec_cfg_t cfg, again;
    CHECK_EQ(nvs_flash_read_security_cfg(NULL, &cfg), ESP_ERR_INVALID_ARG);
    CHECK_EQ(nvs_flash_read_security_cfg(kp, NULL), ESP_ERR_INVALID_ARG);
    CHECK_EQ(nvs_flash_generate_keys(NULL, &cfg), ESP_ERR_INVALID_ARG);
    CHECK_EQ(nvs_flash_read_security_cfg(kp, &cfg), ESP_ERR_NVS_KEYS_NOT_INITIALIZED);
    CHECK_EQ(nvs_flash_generate_keys(kp, &cfg), ESP_OK);
    CHECK(!fk_nvs_keys_halves_equal(&cfg));
    CHECK_EQ(nvs_flash_read_security_cfg(kp, &again), ESP_OK);
    CHECK(memcmp(&cfg, &again, sizeof cfg) == 0);
    /* The partition holds the key file's layout: keys, CRC, 0xFF. */
    uint8_t want[FK_NVS_KEYS_BLOCK];
    fk_nvs_keys_encode(&cfg, want);
    const uint8_t *part = g_emu.mem + kp->address;
    CHECK(memcmp(part, want, sizeof want) == 0);
    bool rest_ff = true;
    for (uint32_t i = sizeof want; i < kp->size; i++) rest_ff = rest_ff && part[i] == 0xFF;
    CHECK(rest_ff);
    /* Not the SDK's fixed patterns: two generations differ. */
    CHECK(!(cfg.eky[0] == 0xFF && cfg.eky[16] == 0x99 && cfg.tky[0] == 0xEE && cfg.tky[16] == 0x88));
    CHECK_EQ(nvs_flash_generate_keys(kp, &again), ESP_OK);
    CHECK(memcmp(&cfg, &again, sizeof cfg) != 0);
    /* A flipped key bit: the CRC no longer matches. */
    g_emu.mem[kp->address + 5] ^= 0x01;
    CHECK_EQ(nvs_flash_read_security_cfg(kp, &cfg), ESP_ERR_NVS_CORRUPT_KEY_PART);
    /* Keys erased, CRC left: corrupt, not "not initialised". */
    memset(g_emu.mem + kp->address, 0xFF, 64);
    CHECK_EQ(nvs_flash_read_security_cfg(kp, &cfg), ESP_ERR_NVS_CORRUPT_KEY_PART);
}

static void test_secure_init_errors(void)
{
    device(true);
    nvs_sec_cfg_t cfg, same;
    CHECK_EQ(nvs_flash_generate_keys(keys_part(), &cfg), ESP_OK);
    memset(&same, 0x5A, sizeof same);
    CHECK_EQ(nvs_flash_secure_init_partition(NULL, &cfg), ESP_ERR_INVALID_ARG);
    CHECK_EQ(nvs_flash_secure_init_partition("a_label_17_chars_", &cfg), ESP_ERR_INVALID_ARG);
    CHECK_EQ(nvs_flash_secure_init_partition("nope", &cfg), ESP_ERR_NOT_FOUND);
    CHECK_EQ(nvs_flash_secure_init_partition("nvs_keys", &cfg), ESP_ERR_NOT_FOUND); /* not data/nvs */
    CHECK_EQ(nvs_flash_secure_init_partition("nvs_flagged", &cfg), ESP_ERR_NVS_WRONG_ENCRYPTION);
    CHECK_EQ(nvs_flash_secure_init_partition("nvs_flagged", NULL), ESP_ERR_NVS_WRONG_ENCRYPTION);
    CHECK_EQ(nvs_flash_init_partition("nvs_flagged"), ESP_ERR_NVS_WRONG_ENCRYPTION); /* plain too, as ESP-IDF */
    CHECK_EQ(nvs_flash_init_partition_ptr(esp_partition_find_first(ESP_PARTITION_TYPE_DATA,
                                                                   ESP_PARTITION_SUBTYPE_DATA_NVS, "nvs_flagged")),
             ESP_ERR_NVS_WRONG_ENCRYPTION);
    CHECK_EQ(nvs_flash_secure_init_partition("nvs", &same), ESP_ERR_NVS_XTS_CFG_FAILED);
    CHECK_EQ(nvs_flash_secure_init(&cfg), ESP_OK);
    CHECK_EQ(nvs_flash_secure_init(&cfg), ESP_OK); /* already mounted */
    CHECK_EQ(nvs_flash_secure_init(NULL), ESP_OK);
#if CONFIG_NVS_ENCRYPTED_PARTITIONS == 1
    /* The one encrypted slot is taken; a plain mount needs none. */
    CHECK_EQ(nvs_flash_secure_init_partition("nvs2", &cfg), ESP_ERR_NO_MEM);
#endif
    CHECK_EQ(nvs_flash_secure_init_partition("nvs2", NULL), ESP_OK);
    CHECK_EQ(nvs_flash_deinit_partition("nvs2"), ESP_OK);
    /* Unmounting frees the slot. */
    CHECK_EQ(nvs_flash_deinit(), ESP_OK);
    CHECK_EQ(nvs_flash_secure_init_partition("nvs2", &cfg), ESP_OK);
    CHECK_EQ(nvs_flash_deinit_partition("nvs2"), ESP_OK);
}

/* Values through the encrypted mount: nothing readable on flash, all back
 * after a remount, and the decrypted partition is what the plain engine
 * writes for the same calls, byte for byte. */
static void test_roundtrip(void)
{
    device(true);
    nvs_sec_cfg_t cfg;
    CHECK_EQ(nvs_flash_generate_keys(keys_part(), &cfg), ESP_OK);
    CHECK_EQ(nvs_flash_secure_init(&cfg), ESP_OK);
    CHECK_EQ(nvs_flash_secure_init_partition("nvs2", NULL), ESP_OK);
    const char *parts[2] = {"nvs", "nvs2"};
    char val[300];
    for (int round = 0; round < 40; round++) {
        for (int i = 0; i < 2; i++) {
            nvs_handle_t h;
            CHECK_EQ(nvs_open_from_partition(parts[i], "aliyun-key", NVS_READWRITE, &h), ESP_OK);
            snprintf(val, sizeof val, "DeviceSecret-%d-%0*d", round, round * 5, round);
            CHECK_EQ(nvs_set_str(h, "DeviceSecret", val), ESP_OK);
            CHECK_EQ(nvs_set_u32(h, "boots", (uint32_t)round * 77u), ESP_OK);
            uint8_t blob[100];
            memset(blob, round % 3 ? round : 0xFF, sizeof blob); /* all-0xFF data entries too */
            CHECK_EQ(nvs_set_blob(h, "cal", blob, (size_t)(round * 2 + 1)), ESP_OK);
            if (round % 4 == 3) CHECK_EQ(nvs_erase_key(h, "boots"), ESP_OK);
            CHECK_EQ(nvs_commit(h), ESP_OK);
            nvs_close(h);
        }
    }
    const uint8_t *enc = g_emu.mem + 0x9000, *pln = g_emu.mem + 0x10000;
    CHECK(!contains(enc, 0x3000, "DeviceSecret-"));
    CHECK(!contains(enc, 0x3000, "aliyun-key"));
    CHECK(contains(pln, 0x3000, "DeviceSecret-"));
    uint8_t img[0x3000];
    memcpy(img, enc, sizeof img);
    CHECK_EQ(fk_nvs_crypt_image(&cfg, false, img, sizeof img), ESP_OK);
    CHECK(memcmp(img, pln, sizeof img) == 0);
    CHECK_EQ(nvs_flash_deinit(), ESP_OK);
    CHECK_EQ(nvs_flash_secure_init(&cfg), ESP_OK);
    nvs_handle_t h;
    CHECK_EQ(nvs_open("aliyun-key", NVS_READONLY, &h), ESP_OK);
    size_t len = sizeof val;
    CHECK_EQ(nvs_get_str(h, "DeviceSecret", val, &len), ESP_OK);
    CHECK(strncmp(val, "DeviceSecret-39-", 16) == 0);
    uint8_t blob[100];
    len = sizeof blob;
    CHECK_EQ(nvs_get_blob(h, "cal", blob, &len), ESP_OK);
    CHECK_EQ(len, 79u);
    CHECK_EQ(blob[0], 0xFF);
    uint32_t boots;
    CHECK_EQ(nvs_get_u32(h, "boots", &boots), ESP_ERR_NVS_NOT_FOUND);
    nvs_close(h);
    /* Erasing the raw region unmounts the encrypted mount over it first
     * (it reaches this flash through its layer), as a plain one. */
    CHECK_EQ(nvs_flash_erase_region(&g_emu.flash, 0x9000, 0x3000), ESP_OK);
    CHECK_EQ(nvs_open("aliyun-key", NVS_READONLY, &h), ESP_ERR_NVS_NOT_INITIALIZED);
    CHECK_EQ(nvs_flash_secure_init(&cfg), ESP_OK);
    CHECK_EQ(nvs_open("aliyun-key", NVS_READONLY, &h), ESP_ERR_NVS_NOT_FOUND);
    nvs_flash_deinit();
    nvs_flash_deinit_partition("nvs2");
}

/* A wrong key: items read as missing, nothing on flash changes, and the
 * right key then reads everything. */
static void test_wrong_key(void)
{
    device(true);
    nvs_sec_cfg_t cfg, wrong;
    CHECK_EQ(nvs_flash_generate_keys(keys_part(), &cfg), ESP_OK);
    CHECK_EQ(nvs_flash_secure_init(&cfg), ESP_OK);
    nvs_handle_t h;
    CHECK_EQ(nvs_open("ns", NVS_READWRITE, &h), ESP_OK);
    char key[16];
    for (int i = 0; i < 30; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK_EQ(i % 3 ? nvs_set_u32(h, key, (uint32_t)i) : nvs_set_str(h, key, "a secret of some length"), ESP_OK);
    }
    CHECK_EQ(nvs_commit(h), ESP_OK);
    nvs_close(h);
    CHECK_EQ(nvs_flash_deinit(), ESP_OK);
    static uint8_t before[FLASH_SIZE];
    memcpy(before, g_emu.mem, FLASH_SIZE);

    wrong = cfg;
    wrong.eky[7] ^= 0x40;
    /* The API refuses it before the engine loads anything. */
    CHECK_EQ(nvs_flash_secure_init(&wrong), ESP_ERR_NVS_XTS_DECR_FAILED);
    CHECK_EQ(nvs_open("ns", NVS_READONLY, &h), ESP_ERR_NVS_NOT_INITIALIZED);
    /* The engine itself over a wrong-key layer: refused too, nothing written. */
    const esp_partition_t *np = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, "nvs");
    fk_nvs_crypt_flash_t w;
    fk_flash_t *wf = fk_nvs_crypt_flash_init(&w, &g_emu.flash, np->address, np->size, &wrong);
    CHECK_EQ(fk_nvs_crypt_check_key(&w), ESP_ERR_NVS_XTS_DECR_FAILED);
    nvs_fk_config_t ro = {NULL, 0, 0, true};
    CHECK_EQ(nvs_flash_init_region("nvs", wf, np->address, np->size, &ro), ESP_ERR_NVS_WRONG_ENCRYPTION);
    nvs_fk_config_t rw = {NULL, 0, 0, false};
    CHECK_EQ(nvs_flash_init_region("nvs", wf, np->address, np->size, &rw), ESP_ERR_NVS_WRONG_ENCRYPTION);
    uint32_t v;
    CHECK_EQ(nvs_open("ns", NVS_READONLY, &h), ESP_ERR_NVS_NOT_INITIALIZED);
    CHECK(memcmp(before, g_emu.mem, FLASH_SIZE) == 0);
    /* Equal-length right key on the same layer type: it checks out. */
    fk_nvs_crypt_flash_init(&w, &g_emu.flash, np->address, np->size, &cfg);
    CHECK_EQ(fk_nvs_crypt_check_key(&w), ESP_OK);
    fk_nvs_crypt_flash_clear(&w);

    CHECK_EQ(nvs_flash_secure_init(&cfg), ESP_OK);
    CHECK_EQ(nvs_open("ns", NVS_READONLY, &h), ESP_OK);
    int ok = 0;
    for (int i = 0; i < 30; i++) {
        snprintf(key, sizeof key, "k%d", i);
        char s[32];
        size_t len = sizeof s;
        if (i % 3) ok += nvs_get_u32(h, key, &v) == ESP_OK && v == (uint32_t)i;
        else ok += nvs_get_str(h, key, s, &len) == ESP_OK && !strcmp(s, "a secret of some length");
    }
    CHECK_EQ(ok, 30);
    nvs_close(h);
    nvs_flash_deinit();
}

/* CONFIG_NVS_ENCRYPTION's nvs_flash_init(), switched on at run time. */
static void test_init_encrypted(void)
{
    device(false);
    nvs_flash_fk_set_encryption(true);
    CHECK_EQ(nvs_flash_init(), ESP_FAIL); /* no nvs_keys partition */
    device(true);
    CHECK_EQ(nvs_flash_init(), ESP_OK); /* keys generated on first boot */
    nvs_sec_cfg_t cfg;
    CHECK_EQ(nvs_flash_read_security_cfg(keys_part(), &cfg), ESP_OK);
    nvs_handle_t h;
    CHECK_EQ(nvs_open("wifi", NVS_READWRITE, &h), ESP_OK);
    CHECK_EQ(nvs_set_str(h, "pass", "hunter2-hunter2"), ESP_OK);
    CHECK_EQ(nvs_commit(h), ESP_OK);
    nvs_close(h);
    CHECK_EQ(nvs_flash_deinit(), ESP_OK);
    CHECK(!contains(g_emu.mem + 0x9000, 0x3000, "hunter2"));
    CHECK_EQ(nvs_flash_init(), ESP_OK); /* second boot: the same keys */
    nvs_sec_cfg_t cfg2;
    CHECK_EQ(nvs_flash_read_security_cfg(keys_part(), &cfg2), ESP_OK);
    CHECK(memcmp(&cfg, &cfg2, sizeof cfg) == 0);
    char s[32];
    size_t len = sizeof s;
    CHECK_EQ(nvs_open("wifi", NVS_READONLY, &h), ESP_OK);
    CHECK_EQ(nvs_get_str(h, "pass", s, &len), ESP_OK);
    CHECK(!strcmp(s, "hunter2-hunter2"));
    nvs_close(h);
    CHECK_EQ(nvs_flash_deinit(), ESP_OK);
    /* A damaged key partition is reported, not regenerated. */
    g_emu.mem[0xC000 + 3] ^= 0x10;
    CHECK_EQ(nvs_flash_init(), ESP_ERR_NVS_CORRUPT_KEY_PART);
    nvs_flash_fk_set_encryption(false);
    /* Plain: the entries read as noise, and the repairs would have erased
     * every one of them (as Espressif's engine does); refused, untouched. */
    static uint8_t snap[FLASH_SIZE];
    memcpy(snap, g_emu.mem, FLASH_SIZE);
    CHECK_EQ(nvs_flash_init(), ESP_ERR_NVS_WRONG_ENCRYPTION);
    CHECK(memcmp(snap, g_emu.mem, FLASH_SIZE) == 0);
    CHECK_EQ(nvs_open("wifi", NVS_READONLY, &h), ESP_ERR_NVS_NOT_INITIALIZED);
    nvs_flash_deinit();
}

/* The layer on its own: header and bitmap raw, entries per 32 bytes,
 * reads at any offset and length, part-entry writes refused untouched. */
static void test_layer(void)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 0x4000), 0);
    nvs_sec_cfg_t cfg;
    for (unsigned i = 0; i < sizeof cfg; i++) ((uint8_t *)&cfg)[i] = (uint8_t)(i * 7 + 1);
    fk_nvs_crypt_flash_t w;
    CHECK(fk_nvs_crypt_flash_init(&w, &emu.flash, 0x1001, 0x2000, &cfg) == NULL);
    CHECK(fk_nvs_crypt_flash_init(&w, &emu.flash, 0x1000, 0x4000, &cfg) == NULL);
    fk_flash_t *f = fk_nvs_crypt_flash_init(&w, &emu.flash, 0x1000, 0x2000, &cfg);
    CHECK(f != NULL);
    uint8_t data[256], back[256];
    for (unsigned i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i ^ 0x3C);
    /* Outside the partition and in a header: raw. */
    CHECK_EQ(fk_flash_write(f, 0x100, data, 40), ESP_OK);
    CHECK(memcmp(emu.mem + 0x100, data, 40) == 0);
    CHECK_EQ(fk_flash_write(f, 0x1000, data, 64), ESP_OK);
    CHECK(memcmp(emu.mem + 0x1000, data, 64) == 0);
    /* Refused, and nothing written. */
    uint64_t writes = emu.st.writes;
    CHECK_EQ(fk_flash_write(f, 0x1040, data, 16), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(fk_flash_write(f, 0x1050, data, 32), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(fk_flash_write(f, 0x1030, data, 32), ESP_ERR_INVALID_SIZE); /* bitmap + half an entry */
    CHECK_EQ(emu.st.writes, writes);
    /* Eight entries in one call (several chunks): each with its own offset. */
    CHECK_EQ(fk_flash_write(f, 0x1060, data, 256), ESP_OK);
    for (unsigned e = 0; e < 8; e++) {
        uint8_t c[32];
        CHECK_EQ(fk_nvs_crypt_entries(&cfg, true, 0x60 + 32 * e, data + 32 * e, c, 32), ESP_OK);
        CHECK(memcmp(emu.mem + 0x1060 + 32 * e, c, 32) == 0);
    }
    /* Bitmap and entries in one write, as a single call may do. */
    CHECK_EQ(fk_flash_write(f, 0x2020, data, 96), ESP_OK);
    CHECK(memcmp(emu.mem + 0x2020, data, 32) == 0);
    uint8_t c[64];
    CHECK_EQ(fk_nvs_crypt_entries(&cfg, true, 0x1040, data + 32, c, 64), ESP_OK);
    CHECK(memcmp(emu.mem + 0x2040, c, 64) == 0);
    /* Reads at every offset and length around the written entries. */
    int bad = 0;
    for (uint32_t off = 0x1058; off < 0x1090; off += 3)
        for (uint32_t len = 1; len < 90; len += 7) {
            CHECK_EQ(fk_flash_read(f, off, back, len), ESP_OK);
            for (uint32_t i = 0; i < len; i++) {
                uint32_t a = off + i;
                uint8_t want = a < 0x1060 ? 0xFF : data[a - 0x1060];
                bad += back[i] != want;
            }
        }
    CHECK_EQ(bad, 0);
    /* A read across a page boundary: header raw, entries decrypted. */
    CHECK_EQ(fk_flash_read(f, 0x1FE0, back, 160), ESP_OK);
    CHECK(memcmp(back + 0x40, data, 32) == 0);          /* bitmap 0x2020.. raw */
    CHECK(memcmp(back + 0x60, data + 32, 64) == 0);     /* entries 0x2040.. */
    CHECK(back[0] == 0xFF && back[31] == 0xFF);         /* last empty entry of page 0 */
    fk_nvs_crypt_flash_clear(&w);
    fk_emu_close(&emu);
}

int main(void)
{
    test_layer();
    test_keys();
    test_secure_init_errors();
    test_roundtrip();
    test_wrong_key();
    test_init_encrypted();
    fk_emu_close(&g_emu);
    return fk_test_done("test_nvs_secure_api");
}
