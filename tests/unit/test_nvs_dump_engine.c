/* `nvs dump` says what the engine does (issue 11): every NVS image of the
 * shared vectors, images damaged on purpose (entry CRC, unknown type, illegal
 * bitmap state, older copies, orphan chunk) and images torn by a power cut at
 * every flash operation of a workload are dumped with the CLI (--json) and
 * mounted read/write by the engine. Checked on each: the items the engine's
 * iterator lists are the ones the dump calls live; their values read back as
 * the dump shows them; and the mount changes flash exactly when the dump
 * counts repairs. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fk_crc32.h"
#include "fk_nvs_read.h"
#include "fk_test.h"
#include "flash_emu.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"
#include "fk_nvs_format.h"

#define LABEL "dumpeng"
#define MAX_ITEMS 4096

typedef struct {
    char ns[16], key[16];
    unsigned type;        /* as the iterator reports it */
    bool shadowed, has_int, has_str, data_bad;
    bool reachable; /* its namespace name opens its namespace index (not a repeated name's) */
    unsigned nsidx;
    long long ival;
    unsigned long long uval;
    char str[4096];
} item_t;

typedef struct {
    item_t *items;
    size_t n;
    unsigned problems, repairs;
} dump_view_t;

static char tmpdir[256];
static int images, mismatches, torn_count, unknown_seen, values_checked, encrypted_refused;

/* ---- the dump, through the CLI ---- */

/* Copies the JSON string starting after `"name":"` into out (escapes decoded
 * as their byte, \u00XX as that byte). false when absent. */
static bool json_str(const char *line, const char *name, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", name);
    const char *p = strstr(line, pat);
    if (!p) return false;
    p += strlen(pat);
    size_t n = 0;
    while (*p && *p != '"') {
        int c = (unsigned char)*p++;
        if (c == '\\') {
            c = (unsigned char)*p++;
            if (c == 'u') {
                unsigned v = 0;
                sscanf(p, "%4x", &v);
                p += 4;
                c = (int)v;
            } else if (c == 'n') {
                c = '\n';
            }
        }
        if (n + 1 < cap) out[n++] = (char)c;
    }
    out[n] = 0;
    return true;
}

static bool json_num(const char *line, const char *name, long long *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", name);
    const char *p = strstr(line, pat);
    if (!p || p[strlen(pat)] == '"') return false;
    *v = strtoll(p + strlen(pat), NULL, 10);
    return true;
}

static int run_dump(const char *path, dump_view_t *dv)
{
    const char *fk = getenv("FLASHKIT");
    if (!fk) fk = "./flashkit";
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' nvs dump --json '%s' 2>/dev/null", fk, path);
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    static char line[1 << 16];
    bool loaded = false;
    char ns_names[256][16];
    memset(ns_names, 0, sizeof ns_names);
    dv->n = 0;
    dv->problems = dv->repairs = 0;
    while (fgets(line, sizeof line, f)) {
        long long v;
        if (!strncmp(line, "{\"index\":", 9)) {
            loaded = strstr(line, "\"loaded\":true") != NULL;
            continue;
        }
        if (strstr(line, "\"summary\":")) {
            if (json_num(line, "problems", &v)) dv->problems = (unsigned)v;
            if (json_num(line, "repairs_at_mount", &v)) dv->repairs = (unsigned)v;
            continue;
        }
        if (strncmp(line, " {\"index\":", 10)) continue;
        char verdict[32] = "", dropped[8];
        json_str(line, "verdict", verdict, sizeof verdict);
        if (!loaded || strcmp(verdict, "item") || json_str(line, "dropped_at_mount", dropped, sizeof dropped))
            continue;
        long long ns = 0, type = 0;
        json_num(line, "ns", &ns);
        json_num(line, "type_code", &type);
        if (ns == 0 && type == NVS_ITEM_U8 && !strstr(line, "\"shadowed\":true") && json_num(line, "value", &v)) {
            /* Opening a name finds its first namespace entry. */
            char nn[16];
            json_str(line, "key", nn, sizeof nn);
            for (int i = 0; i < 256; i++)
                if (!strcmp(ns_names[i], nn)) ns_names[i][0] = 0;
            snprintf(ns_names[v & 0xFF], 16, "%s", nn);
        }
        if (ns == 0 || type == NVS_ITEM_BLOB_DATA) continue; /* the iterator skips these */
        if (dv->n == MAX_ITEMS) break;
        item_t *it = &dv->items[dv->n++];
        memset(it, 0, sizeof *it);
        json_str(line, "namespace", it->ns, sizeof it->ns);
        json_str(line, "key", it->key, sizeof it->key);
        it->type = type == NVS_ITEM_BLOB_IDX || type == NVS_ITEM_BLOB ? NVS_TYPE_BLOB : (unsigned)type;
        it->shadowed = strstr(line, "\"shadowed\":true") != NULL;
        it->nsidx = (unsigned)ns & 0xFF;
        it->data_bad = strstr(line, "\"data_crc_ok\":false") != NULL;
        if (fk_nvs_type_int_size((uint8_t)type) && json_num(line, "value", &v)) {
            it->has_int = true;
            it->ival = v;
            const char *p = strstr(line, "\"value\":");
            it->uval = strtoull(p + 8, NULL, 10);
        }
        if (type == NVS_ITEM_SZ && !it->data_bad) it->has_str = json_str(line, "value", it->str, sizeof it->str);
    }
    for (size_t i = 0; i < dv->n; i++)
        dv->items[i].reachable = dv->items[i].ns[0] && !strcmp(ns_names[dv->items[i].nsidx], dv->items[i].ns);
    int rc = pclose(f);
    return WIFEXITED(rc) && (WEXITSTATUS(rc) == 0 || WEXITSTATUS(rc) == 3) ? 0 : -1;
}

/* ---- the engine ---- */

static int cmp_item(const void *a, const void *b)
{
    const item_t *x = a, *y = b;
    int c = strcmp(x->ns, y->ns);
    if (!c) c = strcmp(x->key, y->key);
    if (!c) c = (int)x->type - (int)y->type;
    return c;
}

static void fail(const char *name, const char *what)
{
    mismatches++;
    fprintf(stderr, "%s: %s\n", name, what);
}

/* Reads one item's value with the engine and compares it with the dump's. */
static void check_value(const char *name, const item_t *it)
{
    if (it->shadowed || !it->reachable) return;
    nvs_handle_t h;
    if (nvs_open_from_partition(LABEL, it->ns, NVS_READONLY, &h) != ESP_OK) {
        fail(name, "namespace does not open");
        return;
    }
    esp_err_t err = ESP_OK;
    bool same = true;
    if (it->has_int) {
        union {
            uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; uint64_t u64; int64_t i64;
        } v;
        switch (it->type) {
        case NVS_TYPE_U8: err = nvs_get_u8(h, it->key, &v.u8); same = v.u8 == it->uval; break;
        case NVS_TYPE_I8: err = nvs_get_i8(h, it->key, &v.i8); same = v.i8 == it->ival; break;
        case NVS_TYPE_U16: err = nvs_get_u16(h, it->key, &v.u16); same = v.u16 == it->uval; break;
        case NVS_TYPE_I16: err = nvs_get_i16(h, it->key, &v.i16); same = v.i16 == it->ival; break;
        case NVS_TYPE_U32: err = nvs_get_u32(h, it->key, &v.u32); same = v.u32 == it->uval; break;
        case NVS_TYPE_I32: err = nvs_get_i32(h, it->key, &v.i32); same = v.i32 == it->ival; break;
        case NVS_TYPE_U64: err = nvs_get_u64(h, it->key, &v.u64); same = v.u64 == it->uval; break;
        default: err = nvs_get_i64(h, it->key, &v.i64); same = v.i64 == it->ival; break;
        }
    } else if (it->type == NVS_TYPE_STR) {
        char buf[4096];
        size_t len = sizeof buf;
        err = nvs_get_str(h, it->key, buf, &len);
        if (it->data_bad) {
            same = err == ESP_ERR_NVS_NOT_FOUND;
            err = ESP_OK;
        } else if (it->has_str && err == ESP_OK) {
            same = !strcmp(buf, it->str);
        }
    }
    nvs_close(h);
    values_checked++;
    if (err != ESP_OK || !same) {
        char msg[128];
        snprintf(msg, sizeof msg, "value of %s:%s differs (%s)", it->ns, it->key, esp_err_to_name(err));
        fail(name, msg);
    }
}

/* Dumps and mounts one image; compares. Returns the dump's problem count. */
static int compare_image(const char *name, const uint8_t *img, size_t len)
{
    static fk_emu_t emu;
    static item_t dump_items[MAX_ITEMS], eng_items[MAX_ITEMS];
    static uint8_t ws[NVS_WORKSPACE_SIZE(256)];
    if (len < NVS_PAGE_SIZE || len % NVS_PAGE_SIZE || len > 255 * NVS_PAGE_SIZE) return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/img.bin", tmpdir);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(img, 1, len, f) != len) {
        fail(name, "cannot write the image");
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    dump_view_t dv = {dump_items, 0, 0, 0};
    if (run_dump(path, &dv)) {
        fail(name, "nvs dump failed");
        return -1;
    }
    images++;
    fk_emu_init_mem(&emu, (uint32_t)len);
    fk_emu_load(&emu, 0, img, (uint32_t)len);
    emu.allow_and = true;
    nvs_fk_config_t cfg = {ws, sizeof ws, 0, false};
    esp_err_t err = nvs_flash_init_region(LABEL, &emu.flash, 0, (uint32_t)len, &cfg);
    if (err == ESP_ERR_NVS_NO_FREE_PAGES) {
        /* A full image (a 1-page device dump): give it the free page the
         * engine needs, and compare on that. */
        uint8_t *big = malloc(len + NVS_PAGE_SIZE);
        memcpy(big, img, len);
        memset(big + len, 0xFF, NVS_PAGE_SIZE);
        fk_emu_close(&emu);
        images--;
        int r = compare_image(name, big, len + NVS_PAGE_SIZE);
        free(big);
        return r;
    }
    if (err == ESP_ERR_NVS_WRONG_ENCRYPTION) {
        /* Encrypted images mounted without their keys: refused, untouched
         * (they used to lose every entry to the repairs). */
        if (!strstr(name, "nvs-encrypted/")) fail(name, "a plain image taken for an encrypted one");
        if (memcmp(emu.mem, img, len)) fail(name, "the refused mount changed flash");
        encrypted_refused++;
        fk_emu_close(&emu);
        return (int)dv.problems;
    }
    if (err != ESP_OK) {
        /* The dump shows the engine's own mount error. */
        if (err != ESP_ERR_NVS_NEW_VERSION_FOUND) fail(name, esp_err_to_name(err));
        fk_emu_close(&emu);
        return (int)dv.problems;
    }
    bool changed = memcmp(emu.mem, img, len) != 0;
    if (changed != (dv.repairs > 0)) {
        char msg[128];
        snprintf(msg, sizeof msg, "the mount %s flash, the dump counts %u repairs", changed ? "changed" : "left",
                 dv.repairs);
        fail(name, msg);
    }
    if (dv.repairs > dv.problems) fail(name, "repairs not counted as problems");
    size_t ne = 0;
    for (nvs_iterator_t it = nvs_entry_find(LABEL, NULL, NVS_TYPE_ANY); it && ne < MAX_ITEMS;
         it = nvs_entry_next(it)) {
        nvs_entry_info_t info;
        nvs_entry_info(it, &info);
        item_t *e = &eng_items[ne++];
        memset(e, 0, sizeof *e);
        memcpy(e->ns, info.namespace_name, 15);
        memcpy(e->key, info.key, 15);
        e->type = (unsigned)info.type;
        if (!fk_nvs_type_known((uint8_t)e->type)) unknown_seen++;
    }
    qsort(dump_items, dv.n, sizeof dump_items[0], cmp_item);
    qsort(eng_items, ne, sizeof eng_items[0], cmp_item);
    bool same = ne == dv.n;
    for (size_t i = 0; same && i < ne; i++) same = !cmp_item(&dump_items[i], &eng_items[i]);
    if (!same) {
        char msg[160];
        snprintf(msg, sizeof msg, "the engine lists %zu items, the dump %zu live ones (or other ones)", ne, dv.n);
        fail(name, msg);
        for (size_t i = 0; i < ne || i < dv.n; i++)
            fprintf(stderr, "   engine %s:%s/%02x   dump %s:%s/%02x\n", i < ne ? eng_items[i].ns : "",
                    i < ne ? eng_items[i].key : "", i < ne ? eng_items[i].type : 0,
                    i < dv.n ? dump_items[i].ns : "", i < dv.n ? dump_items[i].key : "",
                    i < dv.n ? dump_items[i].type : 0);
    }
    for (size_t i = 0; i < dv.n; i++) check_value(name, &dump_items[i]);
    nvs_flash_deinit_partition(LABEL);
    fk_emu_close(&emu);
    return (int)dv.problems;
}

/* ---- image sources ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    *len = n > 0 && fread(b, 1, (size_t)n, f) == (size_t)n ? (size_t)n : 0;
    fclose(f);
    return b;
}

/* Every .bin of the NVS vector sets (keys files and the like are skipped:
 * not a whole number of pages). */
static int vector_images(const char *dir, int depth)
{
    DIR *dp = opendir(dir);
    if (!dp) return 0;
    int n = 0;
    struct dirent *de;
    char **names = NULL;
    size_t count = 0;
    while ((de = readdir(dp))) {
        if (de->d_name[0] == '.') continue;
        names = realloc(names, (count + 1) * sizeof *names);
        names[count++] = strdup(de->d_name);
    }
    closedir(dp);
    for (size_t i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (!stat(path, &st) && S_ISDIR(st.st_mode) && depth < 3) {
            n += vector_images(path, depth + 1);
        } else if (strlen(names[i]) > 4 && !strcmp(names[i] + strlen(names[i]) - 4, ".bin")) {
            size_t len;
            uint8_t *img = read_file(path, &len);
            if (img && len >= NVS_PAGE_SIZE && len % NVS_PAGE_SIZE == 0) {
                compare_image(path + strlen(fk_shared()) + 1, img, len);
                n++;
            }
            free(img);
        }
        free(names[i]);
    }
    free(names);
    return n;
}

static int all_vectors(void)
{
    char path[1024];
    int n = 0;
    const char *sets[] = {"nvs", "nvs-real", "nvs-encrypted"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        snprintf(path, sizeof path, "%s/vectors/%s", fk_shared(), sets[i]);
        n += vector_images(path, 1);
    }
    return n;
}

static void put_entry(uint8_t *img, unsigned page, unsigned idx, const fk_nvs_entry_t *e, unsigned state)
{
    memcpy(img + page * NVS_PAGE_SIZE + NVS_FIRST_ENTRY_OFFSET + idx * NVS_ENTRY_SIZE, e, sizeof *e);
    fk_nvs_bitmap_set(img + page * NVS_PAGE_SIZE + NVS_BITMAP_OFFSET, idx, state);
}

static fk_nvs_entry_t get_entry(const uint8_t *img, unsigned page, unsigned idx)
{
    fk_nvs_entry_t e;
    memcpy(&e, img + page * NVS_PAGE_SIZE + NVS_FIRST_ENTRY_OFFSET + idx * NVS_ENTRY_SIZE, sizeof e);
    return e;
}

/* Damage made on purpose to the aliyun example (page 0: namespace at 0,
 * strings at 1, 3, 6, 8; entries 10.. empty). */
static void damaged_images(void)
{
    size_t len;
    char path[1024];
    snprintf(path, sizeof path, "%s/vectors/nvs/example_aliyun_v1/expected.bin", fk_shared());
    uint8_t *base = read_file(path, &len);
    CHECK(base && len == 4 * NVS_PAGE_SIZE);
    if (!base || len != 4 * NVS_PAGE_SIZE) return;
    uint8_t *img = malloc(len);

    /* A valid entry of a type the engine does not know: kept, not a problem. */
    memcpy(img, base, len);
    fk_nvs_entry_t e;
    fk_nvs_entry_init(&e, 1, 0x33, 1, NVS_CHUNK_ANY, "mystery");
    memset(e.data, 0x5A, sizeof e.data);
    fk_nvs_entry_seal(&e);
    put_entry(img, 0, 10, &e, NVS_ENTRY_WRITTEN);
    int before = unknown_seen;
    CHECK_EQ(compare_image("unknown type", img, len), 0);
    CHECK_EQ(unknown_seen, before + 1);
    /* ... spanning three entries. */
    e.span = 3;
    fk_nvs_entry_seal(&e);
    put_entry(img, 0, 10, &e, NVS_ENTRY_WRITTEN);
    put_entry(img, 0, 11, &e, NVS_ENTRY_WRITTEN);
    put_entry(img, 0, 12, &e, NVS_ENTRY_WRITTEN);
    CHECK_EQ(compare_image("unknown type, span 3", img, len), 0);

    /* Entry CRC: a key byte flipped. */
    memcpy(img, base, len);
    img[NVS_FIRST_ENTRY_OFFSET + 32 + 10] ^= 1;
    CHECK(compare_image("entry CRC", img, len) > 0);

    /* Bitmap 0b01 on a string header. */
    memcpy(img, base, len);
    fk_nvs_bitmap_set(img + NVS_BITMAP_OFFSET, 6, NVS_ENTRY_ILLEGAL);
    CHECK(compare_image("illegal state", img, len) > 0);

    /* A later copy of DeviceName on the same page: the engine drops the earlier. */
    memcpy(img, base, len);
    e = get_entry(base, 0, 1);
    put_entry(img, 0, 10, &e, NVS_ENTRY_WRITTEN);
    e = get_entry(base, 0, 2);
    put_entry(img, 0, 11, &e, NVS_ENTRY_WRITTEN);
    CHECK(compare_image("older copy", img, len) > 0);

    /* A string whose data entries were never marked. */
    memcpy(img, base, len);
    e = get_entry(base, 0, 3);
    memcpy(e.key, "Torn", 5);
    memset(e.key + 5, 0, 11);
    fk_nvs_entry_seal(&e);
    put_entry(img, 0, 10, &e, NVS_ENTRY_WRITTEN);
    CHECK(compare_image("incomplete span", img, len) > 0);

    /* Header CRC of page 1 broken, and page 3 not erased. */
    memcpy(img, base, len);
    img[NVS_PAGE_SIZE + 4] ^= 7;
    img[3 * NVS_PAGE_SIZE + 100] = 0;
    CHECK(compare_image("page headers", img, len) > 0);
    free(img);
    free(base);
}

/* ---- images torn by a power cut ---- */

static esp_err_t workload(fk_emu_t *emu, uint32_t size, uint8_t version)
{
    static uint8_t ws[NVS_WORKSPACE_SIZE(8)];
    nvs_fk_config_t cfg = {ws, sizeof ws, version, false};
    esp_err_t err = nvs_flash_init_region(LABEL, &emu->flash, 0, size, &cfg);
    if (err != ESP_OK) return err;
    nvs_handle_t a = 0, b = 0;
    err = nvs_open_from_partition(LABEL, "a", NVS_READWRITE, &a);
    if (err == ESP_OK) err = nvs_open_from_partition(LABEL, "b", NVS_READWRITE, &b);
    static uint8_t blob[6000];
    for (size_t i = 0; i < sizeof blob; i++) blob[i] = (uint8_t)(i * 7 + 1);
    for (int round = 0; round < 6 && err == ESP_OK; round++) {
        char key[16], val[80];
        for (int k = 0; k < 8 && err == ESP_OK; k++) {
            snprintf(key, sizeof key, "k%d", k);
            err = nvs_set_u32(a, key, (uint32_t)(round * 100 + k));
            snprintf(val, sizeof val, "value %d of round %d, long enough to span entries", k, round);
            if (err == ESP_OK) err = nvs_set_str(b, key, val);
        }
        blob[round] ^= 0xFF;
        if (err == ESP_OK) err = nvs_set_blob(a, "blob", blob, version == 2 ? 5000 : 1500);
        if (err == ESP_OK && round % 2) err = nvs_erase_key(b, "k3");
    }
    nvs_close(a);
    nvs_close(b);
    nvs_flash_deinit_partition(LABEL);
    return err;
}

static void torn_images(uint8_t version, uint32_t pages, unsigned step)
{
    fk_emu_t emu;
    uint32_t size = pages * NVS_PAGE_SIZE;
    fk_emu_init_mem(&emu, size);
    CHECK_EQ(workload(&emu, size, version), ESP_OK);
    uint64_t ops = emu.st.ops;
    fk_emu_close(&emu);
    for (uint64_t n = 1; n <= ops; n += step) {
        fk_emu_init_mem(&emu, size);
        fk_emu_set_cut(&emu, n, FK_CUT_TORN, (uint32_t)n);
        (void)workload(&emu, size, version);
        fk_emu_power_on(&emu);
        char name[64];
        snprintf(name, sizeof name, "v%u workload cut at op %llu", version, (unsigned long long)n);
        compare_image(name, emu.mem, size);
        torn_count++;
        fk_emu_close(&emu);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fk_dumpeng.XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    int vectors = all_vectors();
    CHECK(vectors >= 150);
    damaged_images();
    torn_images(1, 4, 3);
    torn_images(2, 6, 5);
    CHECK_EQ(mismatches, 0);
    CHECK(encrypted_refused >= 26); /* every encrypted vector image */
    printf("dump vs engine: %d images (%d vector files, %d torn by a power cut), %d values read back, "
           "%d mismatches; %d encrypted images refused untouched\n", images, vectors, torn_count, values_checked,
           mismatches, encrypted_refused);
    char path[512];
    snprintf(path, sizeof path, "%s/img.bin", tmpdir);
    remove(path);
    rmdir(tmpdir);
    return fk_test_done("test_nvs_dump_engine");
}
