/* The encrypted-NVS vectors (made with the SDK's generator and its C++
 * runtime) through flashkit's engine over the encryption layer:
 *  - generator cases: the image mounts with its key and every item reads
 *    the same as from the plain image (decrypted.bin); the layer's writer
 *    turns decrypted.bin into expected.bin byte for byte; the whole-image
 *    transform decrypts expected.bin to decrypted.bin; mounting changes no
 *    byte;
 *  - runtime_written_*: every key of model.txt reads back, before and after a
 *    remount; expected.bin decrypts to expected_plain.bin; ops.txt replayed
 *    on flashkit's engine encrypted and plain gives images equal after
 *    decryption, and the encrypted one reads back to model.txt.
 * One ctest for the whole set (the per-case ctest names vec_nvs-encrypted/...
 * are the CLI vector test's). */
#include "fk_vectors.h"
#include "test_nvs_secure_util.h"

static int g_cases;

static void case_path(const fk_vec_case_t *vc, const char *f, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", vc->dir, f);
}

/* Every item of the encrypted mount reads the same as from the plain one. */
static int compare_items(const char *enc, const char *plain, const char *where)
{
    int n = 0, bad = 0;
    static uint8_t a[70000], b[70000];
    for (nvs_iterator_t it = nvs_entry_find(enc, NULL, NVS_TYPE_ANY); it; it = nvs_entry_next(it)) {
        nvs_entry_info_t info;
        nvs_entry_info(it, &info);
        nvs_handle_t he, hp;
        size_t la = sizeof a, lb = sizeof b;
        esp_err_t e1 = nvs_open_from_partition(enc, info.namespace_name, NVS_READONLY, &he);
        esp_err_t e2 = nvs_open_from_partition(plain, info.namespace_name, NVS_READONLY, &hp);
        if (e1 == ESP_OK) e1 = sec_get(he, info.key, info.type, a, &la);
        if (e2 == ESP_OK) e2 = sec_get(hp, info.key, info.type, b, &lb);
        /* Same answer, errors included: a namespace the generator wrote twice
         * (mixed_multipage_v2's "alpha") gives its later items an index that
         * nvs_open never returns, in the SDK's runtime as here. */
        if (e1 != e2 || (e1 == ESP_OK && (la != lb || memcmp(a, b, la)))) {
            fprintf(stderr, "%s: %s/%s differs (%s / %s)\n", where, info.namespace_name, info.key,
                    esp_err_to_name(e1), esp_err_to_name(e2));
            bad++;
        }
        nvs_close(he);
        nvs_close(hp);
        n++;
    }
    int m = 0;
    for (nvs_iterator_t it = nvs_entry_find(plain, NULL, NVS_TYPE_ANY); it; it = nvs_entry_next(it)) m++;
    CHECK_EQ(n, m);
    CHECK_EQ(bad, 0);
    return n;
}

/* decrypted.bin written through the layer, slot by slot as the bitmap says. */
static void writer_path(const uint8_t *plain, const uint8_t *expected, size_t len, const nvs_sec_cfg_t *cfg,
                        const char *where)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, (uint32_t)len), 0);
    fk_nvs_crypt_flash_t w;
    fk_flash_t *f = fk_nvs_crypt_flash_init(&w, &emu.flash, 0, (uint32_t)len, cfg);
    for (uint32_t pg = 0; pg < len; pg += NVS_PAGE_SIZE) {
        CHECK_EQ(fk_flash_write(f, pg, plain + pg, NVS_FIRST_ENTRY_OFFSET), ESP_OK);
        for (unsigned i = 0; i < NVS_ENTRY_COUNT; i++) {
            uint32_t off = pg + NVS_FIRST_ENTRY_OFFSET + i * NVS_ENTRY_SIZE;
            if (fk_nvs_bitmap_get(plain + pg + NVS_BITMAP_OFFSET, i) == NVS_ENTRY_EMPTY) continue;
            CHECK_EQ(fk_flash_write(f, off, plain + off, NVS_ENTRY_SIZE), ESP_OK);
        }
    }
    if (memcmp(emu.mem, expected, len)) fprintf(stderr, "%s: the layer's writer differs from expected.bin\n", where);
    CHECK(memcmp(emu.mem, expected, len) == 0);
    fk_emu_close(&emu);
}

static int generator_case(const fk_vec_case_t *vc, const nvs_sec_cfg_t *cfg, const uint8_t *exp, size_t len)
{
    size_t dlen;
    uint8_t *dec = (uint8_t *)fk_vec_file(vc, "decrypted.bin", &dlen);
    CHECK(dec && dlen == len);
    if (!dec || dlen != len) return 1;
    uint8_t *img = malloc(len);
    memcpy(img, exp, len);
    CHECK_EQ(fk_nvs_crypt_image(cfg, false, img, len), ESP_OK);
    CHECK(memcmp(img, dec, len) == 0);
    writer_path(dec, exp, len, cfg, vc->name);

    sec_dev_t e, p;
    CHECK_EQ(sec_dev_init(&e, "enc", (uint32_t)len, exp), 0);
    CHECK_EQ(sec_dev_init(&p, "pln", (uint32_t)len, dec), 0);
    /* Read-write mount: recovery must find nothing to do on a clean image. */
    esp_err_t err = sec_dev_mount(&e, cfg, 0, false);
    if (err == ESP_ERR_NVS_NO_FREE_PAGES) err = sec_dev_mount(&e, cfg, 0, true); /* full factory image */
    CHECK_EQ(err, ESP_OK);
    esp_err_t perr = sec_dev_mount(&p, NULL, 0, true);
    CHECK_EQ(perr, ESP_OK);
    int n = 0;
    if (err == ESP_OK && perr == ESP_OK) n = compare_items("enc", "pln", vc->name);
    CHECK(memcmp(e.emu.mem, exp, len) == 0);
    printf("%s: %d items read through the encrypted engine\n", vc->name, n);
    sec_dev_free(&e);
    sec_dev_free(&p);
    free(img);
    free(dec);
    return 1;
}

/* Calls fn on each line's space-separated words (at most 5). */
static int each_line(char *text, int (*fn)(char **w, int n, void *ctx), void *ctx)
{
    int lines = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        char *w[5];
        int n = 0;
        for (char *s = line; *s && n < 5;) {
            while (*s == ' ') *s++ = 0;
            if (!*s) break;
            w[n++] = s;
            while (*s && *s != ' ') s++;
        }
        if (n) {
            if (fn(w, n, ctx)) return -1;
            lines++;
        }
        line = nl ? nl + 1 : NULL;
    }
    return lines;
}

typedef struct {
    const char *part;
    int bad;
} model_ctx_t;

static uint8_t g_want[70000], g_got[70000];

static int check_model_line(char **w, int n, void *vctx)
{
    model_ctx_t *c = vctx;
    CHECK_EQ(n, 4);
    if (n != 4) return -1;
    size_t wl, gl = sizeof g_got;
    int t = sec_parse_value(w[2], w[3], g_want, &wl);
    CHECK(t > 0);
    nvs_handle_t h;
    esp_err_t err = nvs_open_from_partition(c->part, w[0], NVS_READONLY, &h);
    if (err == ESP_OK) err = sec_get(h, w[1], t, g_got, &gl);
    if (err || gl != wl || memcmp(g_got, g_want, wl)) {
        fprintf(stderr, "%s: %s/%s: %s, or a different value\n", c->part, w[0], w[1], esp_err_to_name(err));
        c->bad++;
    }
    nvs_close(h);
    return 0;
}

static int check_model(const char *part, const char *model_text)
{
    char *t = strdup(model_text);
    model_ctx_t c = {part, 0};
    int n = each_line(t, check_model_line, &c);
    free(t);
    CHECK_EQ(c.bad, 0);
    return n;
}

typedef struct {
    const char *parts[2];
} replay_ctx_t;

static int replay_line(char **w, int n, void *vctx)
{
    replay_ctx_t *c = vctx;
    bool set = !strcmp(w[0], "set");
    CHECK(set ? n == 5 : n == 3 && !strcmp(w[0], "erase"));
    size_t len = 0;
    int t = set ? sec_parse_value(w[3], w[4], g_want, &len) : 0;
    for (int i = 0; i < 2; i++) {
        nvs_handle_t h;
        esp_err_t err = nvs_open_from_partition(c->parts[i], w[1], NVS_READWRITE, &h);
        if (err == ESP_OK) err = set ? sec_set(h, w[2], t, g_want, len) : nvs_erase_key(h, w[2]);
        if (err == ESP_ERR_NVS_NOT_FOUND && !set) err = ESP_OK;
        if (err == ESP_OK) err = nvs_commit(h);
        if (err) fprintf(stderr, "%s: %s %s/%s: %s\n", c->parts[i], w[0], w[1], w[2], esp_err_to_name(err));
        CHECK_EQ(err, ESP_OK);
        nvs_close(h);
    }
    return 0;
}

static int runtime_case(const fk_vec_case_t *vc, const nvs_sec_cfg_t *cfg, const uint8_t *exp, size_t len)
{
    size_t plen;
    uint8_t *plain = (uint8_t *)fk_vec_file(vc, "expected_plain.bin", &plen);
    char *model = fk_vec_file(vc, "model.txt", NULL), *ops = fk_vec_file(vc, "ops.txt", NULL);
    CHECK(plain && plen == len && model && ops);
    if (!plain || plen != len || !model || !ops) return 1;
    uint8_t *img = malloc(len);
    memcpy(img, exp, len);
    CHECK_EQ(fk_nvs_crypt_image(cfg, false, img, len), ESP_OK);
    CHECK(memcmp(img, plain, len) == 0);

    sec_dev_t e;
    CHECK_EQ(sec_dev_init(&e, "enc", (uint32_t)len, exp), 0);
    CHECK_EQ(sec_dev_mount(&e, cfg, 0, false), ESP_OK);
    int keys = check_model("enc", model);
    nvs_flash_deinit_partition("enc");
    CHECK_EQ(sec_dev_mount(&e, cfg, 0, false), ESP_OK);
    CHECK_EQ(check_model("enc", model), keys);
    CHECK(memcmp(e.emu.mem, exp, len) == 0);
    sec_dev_free(&e);

    /* The SDK's ops on flashkit's engine, encrypted and plain side by side. */
    uint8_t version = plain[8] == 0xFE ? 2 : 1;
    sec_dev_t re, rp;
    CHECK_EQ(sec_dev_init(&re, "renc", (uint32_t)len, NULL), 0);
    CHECK_EQ(sec_dev_init(&rp, "rpln", (uint32_t)len, NULL), 0);
    CHECK_EQ(sec_dev_mount(&re, cfg, version, false), ESP_OK);
    CHECK_EQ(sec_dev_mount(&rp, NULL, version, false), ESP_OK);
    char *t = strdup(ops);
    replay_ctx_t rc = {{"renc", "rpln"}};
    int nops = each_line(t, replay_line, &rc);
    free(t);
    CHECK_EQ(check_model("renc", model), keys);
    memcpy(img, re.emu.mem, len);
    CHECK_EQ(fk_nvs_crypt_image(cfg, false, img, len), ESP_OK);
    CHECK(memcmp(img, rp.emu.mem, len) == 0);
    bool same_as_sdk = memcmp(rp.emu.mem, plain, len) == 0;
    printf("%s: %d keys of model.txt read back; %d ops replayed, decrypted image = plain engine's "
           "(flashkit's plain image %s the SDK runtime's)\n",
           vc->name, keys, nops, same_as_sdk ? "equals" : "differs from");
    sec_dev_free(&re);
    sec_dev_free(&rp);
    free(img);
    free(plain);
    free(model);
    free(ops);
    return 1;
}

static int run_case(const fk_vec_case_t *vc)
{
    if (!fk_vec_has(vc, "expected.bin") || !fk_vec_has(vc, "keys.bin")) return 0;
    char path[2048];
    case_path(vc, "keys.bin", path, sizeof path);
    nvs_sec_cfg_t cfg;
    CHECK_EQ(sec_load_keys(path, &cfg), 0);
    size_t len;
    uint8_t *exp = (uint8_t *)fk_vec_file(vc, "expected.bin", &len);
    CHECK(exp && len % NVS_PAGE_SIZE == 0);
    int r = fk_vec_has(vc, "model.txt") ? runtime_case(vc, &cfg, exp, len) : generator_case(vc, &cfg, exp, len);
    free(exp);
    g_cases++;
    return r;
}

static const char *const sets[] = {"nvs-encrypted", NULL};

int main(int argc, char **argv)
{
    int n = fk_vec_main(argc, argv, sets, run_case);
    CHECK(n > 0);
    if (!fk_vec_one_case(argc)) CHECK(n >= 29); /* 26 generator + 3 runtime-written cases */
    printf("nvs-encrypted vectors through the runtime: %d cases\n", g_cases);
    return fk_test_done("test_nvs_secure_vectors");
}
