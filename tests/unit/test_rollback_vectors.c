/* Every case of ../shared/vectors/otadata-rollback through the core with
 * real images on the flash emulator (the CLI's forms are checked by
 * tests/cli/ota_rollback_vectors.sh): each app partition holds an image
 * linked for it with its secure_version; a "bad" one has a corrupted byte.
 * select: fk_boot_run, the slot booted, the counter, otadata byte for byte.
 * api: the call with ESP-IDF's name, its result, state / restart / erased
 * partition, the counter, otadata byte for byte. Cases come from the
 * shared vector walker (one ctest per case: vec_otadata-rollback/NAME). */
/* vectors: otadata-rollback (cases with expected.txt) */
#include "esp_image_format.h"
#include "fk_test.h"
#include "fk_vectors.h"
#include "test_rollback_util.h"

static uint8_t img[0x4000];
static fk_emu_t emu;
static fk_ptable_t t;
static int napps;
static const esp_partition_t *apps[FK_OTA_MAX_SLOTS + 2];

static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == 0 || p[n] == ',' || p[n] == ':')) return true;
    return false;
}

static uint32_t secver_of(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ',') && p[n] == ':') return (uint32_t)strtoul(p + n + 1, NULL, 10);
    return 0;
}

/* The device of a case: table, images, eFuse, rollback options, otadata. */
static bool setup(const char *dir, const char *in, const char *bin)
{
    int slots = atoi(kv_get(in, "ota_slots"));
    bool factory = !strcmp(kv_get(in, "factory"), "yes"), test = !strcmp(kv_get(in, "test"), "yes");
    if (ota_test_device(&emu, &t, slots, factory, test) != 0) return false;
    bool anti = !strcmp(kv_get(in, "anti_rollback"), "on");
    fk_ota_config_reset();
    fk_ota_set_rollback(!strcmp(kv_get(in, "rollback"), "on"), anti);
    const char *bad = kv_get(in, "bad_images");
    char sv[256];
    snprintf(sv, sizeof sv, "%s", kv_get(in, "secure_versions"));
    napps = 0;
    for (int i = 0; i < t.count; i++) {
        const esp_partition_t *p = &t.part[i];
        if (p->type != ESP_PARTITION_TYPE_APP) continue;
        apps[napps++] = p;
        size_t len = rb_image(img, p->address, p->label, 3000, secver_of(sv, p->label));
        if (listed(bad, p->label)) img[len / 2] ^= 0x5A; /* checksum and SHA-256 no longer match */
        fk_emu_load(&emu, p->address, img, (uint32_t)len);
    }
    fk_efuse_secure_version_load(fk_efuse_secure_version_bits_for((uint32_t)atoi(kv_get(in, "efuse_secure_version"))),
                                 FK_EFUSE_SECURE_VERSION_BITS);
    size_t len;
    uint8_t *od = slurp2(dir, bin, &len);
    if (!od || len != FK_OTADATA_SIZE) {
        free(od);
        return false;
    }
    fk_emu_load(&emu, OTA_TEST_OTADATA, od, (uint32_t)len);
    free(od);
    return true;
}

static void same(const char *dir, const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) fprintf(stderr, "%s: %s=%s, expected %s\n", dir, what, got, want);
    CHECK(strcmp(got, want) == 0);
}

static void check_after(const char *dir, const char *in, const char *exp)
{
    size_t len;
    uint8_t *after = slurp2(dir, "expected_after.bin", &len);
    CHECK(after && len == FK_OTADATA_SIZE);
    bool eq = after && memcmp(emu.mem + OTA_TEST_OTADATA, after, FK_OTADATA_SIZE) == 0;
    if (!eq) fprintf(stderr, "%s: otadata differs from expected_after.bin\n", dir);
    CHECK(eq);
    free(after);
    if (!strcmp(kv_get(in, "anti_rollback"), "on")) {
        char v[16];
        snprintf(v, sizeof v, "%u", esp_efuse_read_secure_version());
        same(dir, "efuse_secure_version_after", v, kv_get(exp, "efuse_secure_version_after"));
    }
}

static void run_select(const char *dir, const char *in, const char *exp)
{
    CHECK(setup(dir, in, "otadata.bin"));
    fk_boot_result_t r;
    esp_err_t err = fk_boot_run(&emu.flash, &t, NULL, NULL, &r);
    CHECK(err == ESP_OK || err == ESP_ERR_NOT_FOUND);
    same(dir, "boot", r.booted ? r.booted->label : "none", kv_get(exp, "boot"));
    check_after(dir, in, exp);
}

static const esp_partition_t *by_name(const char *name)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_ANY, name);
}

static void run_api(const char *dir, const char *in, const char *exp)
{
    CHECK(setup(dir, in, "before.bin"));
    fk_app_start(by_name(kv_get(in, "running")));
    CHECK(fk_app_running_addr() != 0);
    bool erased_before[FK_OTA_MAX_SLOTS + 2];
    for (int i = 0; i < napps; i++) erased_before[i] = emu.mem[apps[i]->address] == 0xFF;
    const char *call = kv_get(in, "call");
    const esp_partition_t *arg = by_name(kv_get(in, "arg"));
    char result[48] = "", state[24] = "", erased[32] = "";
    esp_err_t err = ESP_OK;
    if (!strcmp(call, "set_boot_partition")) {
        err = esp_ota_set_boot_partition(arg);
    } else if (!strcmp(call, "mark_valid")) {
        err = esp_ota_mark_app_valid_cancel_rollback();
    } else if (!strcmp(call, "mark_invalid")) {
        err = esp_ota_mark_app_invalid_rollback_and_reboot();
        same(dir, "restart", err == ESP_OK ? "yes" : "no", kv_get(exp, "restart"));
    } else if (!strcmp(call, "get_state")) {
        esp_ota_img_states_t st;
        err = esp_ota_get_state_partition(arg, &st);
        if (err == ESP_OK) snprintf(state, sizeof state, "%s", fk_ota_state_name(st) ? fk_ota_state_name(st) : "?");
    } else if (!strcmp(call, "check_rollback")) {
        snprintf(result, sizeof result, "%s", esp_ota_check_rollback_is_possible() ? "true" : "false");
    } else if (!strcmp(call, "last_invalid")) {
        const esp_partition_t *p = esp_ota_get_last_invalid_partition();
        snprintf(result, sizeof result, "%s", p ? p->label : "none");
    } else if (!strcmp(call, "erase_last_boot_app")) {
        err = esp_ota_erase_last_boot_app_partition();
    } else if (!strcmp(call, "begin")) {
        esp_ota_handle_t h;
        err = esp_ota_begin(arg, OTA_SIZE_UNKNOWN, &h);
        if (err == ESP_OK) {
            esp_ota_abort(h);
            snprintf(erased, sizeof erased, "%s", arg->label); /* ESP-IDF erases it here; flashkit lazily */
        }
    } else {
        fprintf(stderr, "%s: unknown call %s\n", dir, call);
        CHECK(0);
    }
    if (!result[0]) snprintf(result, sizeof result, "%s", esp_err_to_name(err));
    same(dir, "result", result, kv_get(exp, "result"));
    same(dir, "state", state, kv_get(exp, "state"));
    for (int i = 0; i < napps; i++)
        if (!erased_before[i] && emu.mem[apps[i]->address] == 0xFF) snprintf(erased, sizeof erased, "%s", apps[i]->label);
    same(dir, "erased_partition", erased, kv_get(exp, "erased_partition"));
    check_after(dir, in, exp);
}

static int run_case(const fk_vec_case_t *vc)
{
    char *in = fk_vec_file(vc, "input.txt", NULL), *exp = fk_vec_file(vc, "expected.txt", NULL);
    bool sel = in && exp && !strcmp(kv_get(in, "kind"), "select");
    bool api = in && exp && !strcmp(kv_get(in, "kind"), "api");
    if (sel) run_select(vc->dir, in, exp);
    if (api) run_api(vc->dir, in, exp);
    free(in);
    free(exp);
    if (sel || api) {
        fk_partition_set_table(NULL);
        fk_emu_close(&emu);
    }
    return sel || api;
}

static const char *const sets[] = {"otadata-rollback", NULL};

int main(int argc, char **argv)
{
    int n = fk_vec_main(argc, argv, sets, run_case);
    CHECK(n > 0);
    if (!fk_vec_one_case(argc)) CHECK(n >= 50);
    fk_ota_config_reset();
    return fk_test_done("test_rollback_vectors");
}
