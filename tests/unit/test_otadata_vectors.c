/* Every case of ../shared/vectors/otadata: kind=select through the bootloader
 * selection, its fallback order and esp_ota_get_boot_partition(); kind=
 * set_boot_partition through the otadata write rule, byte for byte. */
/* vectors: otadata (cases with input.txt) */
#include "boot_select.h"
#include "esp_ota_ops.h"
#include "fk_test.h"
#include "flash_emu.h"
#include "otadata.h"
#include "test_ota_util.h"

static void run_select(const char *dir, const char *in, const char *exp)
{
    int slots = atoi(kv_get(in, "ota_slots"));
    bool factory = strcmp(kv_get(in, "factory"), "yes") == 0;
    bool test = strcmp(kv_get(in, "test"), "yes") == 0;
    fk_emu_t emu;
    fk_ptable_t t;
    CHECK_EQ(ota_test_device(&emu, &t, slots, factory, test), 0);
    size_t len;
    uint8_t *od = slurp2(dir, "otadata.bin", &len);
    CHECK_EQ(len, FK_OTADATA_SIZE);
    fk_emu_load(&emu, OTA_TEST_OTADATA, od, (uint32_t)len);
    free(od);

    fk_boot_layout_t l;
    fk_boot_layout(&t, &l);
    fk_boot_selection_t sel;
    fk_boot_select(&emu.flash, &l, &sel);
    char name[48];
    if (sel.index == FK_BOOT_FACTORY_INDEX && !l.factory)
        snprintf(name, sizeof name, "factory_index(no factory)");
    else
        fk_boot_index_name(sel.index, name, sizeof name);
    const char *want = kv_get(exp, "bootloader_select");
    if (strcmp(name, want) != 0) fprintf(stderr, "%s: select %s, want %s\n", dir, name, want);
    CHECK(strcmp(name, want) == 0);

    int order[FK_BOOT_MAX_TRIES];
    int n = fk_boot_try_order(&l, sel.index, order);
    char list[256] = "";
    for (int i = 0; i < n; i++) {
        char one[12];
        if (i) strcat(list, ",");
        strcat(list, fk_boot_index_name(order[i], one, sizeof one));
    }
    want = kv_get(exp, "bootloader_try_order");
    if (strcmp(list, want) != 0) fprintf(stderr, "%s: order %s, want %s\n", dir, list, want);
    CHECK(strcmp(list, want) == 0);

    const char *reason = kv_get(exp, "reason");
    if (strcmp(sel.otadata.why, reason) != 0)
        fprintf(stderr, "%s: reason '%s', want '%s'\n", dir, sel.otadata.why, reason);
    CHECK(strcmp(sel.otadata.why, reason) == 0);

    const esp_partition_t *bp = esp_ota_get_boot_partition();
    want = kv_get(exp, "app_get_boot_partition");
    CHECK(bp != NULL);
    if (bp) {
        if (strcmp(bp->label, want) != 0) fprintf(stderr, "%s: app %s, want %s\n", dir, bp->label, want);
        CHECK(strcmp(bp->label, want) == 0);
    }
    fk_emu_close(&emu);
}

static void run_set(const char *dir, const char *in, const char *exp)
{
    int slots = atoi(kv_get(in, "ota_slots"));
    bool factory = strcmp(kv_get(in, "factory"), "yes") == 0;
    const char *target = kv_get(in, "target");
    fk_emu_t emu;
    fk_ptable_t t;
    CHECK_EQ(ota_test_device(&emu, &t, slots, factory, false), 0);
    size_t len, elen;
    uint8_t *before = slurp2(dir, "before.bin", &len);
    uint8_t *after = slurp2(dir, "expected_after.bin", &elen);
    fk_emu_load(&emu, OTA_TEST_OTADATA, before, (uint32_t)len);

    /* The rule itself (the image check of esp_ota_set_boot_partition is
     * covered by test_ota_api; the vectors assume a valid target image). */
    esp_err_t err;
    if (strcmp(target, "factory") == 0) {
        err = fk_otadata_set_factory(&emu.flash, OTA_TEST_OTADATA, FK_OTADATA_SIZE);
    } else {
        CHECK_EQ(strncmp(target, "ota_", 4), 0);
        err = fk_otadata_set_slot(&emu.flash, OTA_TEST_OTADATA, FK_OTADATA_SIZE, (uint32_t)slots,
                                  (uint32_t)atoi(target + 4));
    }
    CHECK_EQ(err, ESP_OK);
    CHECK_EQ(elen, FK_OTADATA_SIZE);
    bool same = memcmp(emu.mem + OTA_TEST_OTADATA, after, elen) == 0;
    if (!same) fprintf(stderr, "%s: otadata differs from expected_after.bin\n", dir);
    CHECK(same);

    /* And the bootloader's choice afterwards. */
    fk_boot_layout_t l;
    fk_boot_layout(&t, &l);
    fk_boot_selection_t sel;
    fk_boot_select(&emu.flash, &l, &sel);
    char name[12];
    CHECK(strcmp(fk_boot_index_name(sel.index, name, sizeof name), kv_get(exp, "bootloader_select_after")) == 0);
    const char *ws = kv_get(exp, "written_sector");
    if (*ws) {
        fk_ota_select_t s[2];
        fk_otadata_read(&emu.flash, OTA_TEST_OTADATA, s);
        int sec = atoi(ws);
        CHECK_EQ(s[sec].seq, strtoul(kv_get(exp, "new_seq"), NULL, 0));
        CHECK_EQ(s[sec].crc, strtoul(kv_get(exp, "new_crc"), NULL, 0));
    }
    free(before);
    free(after);
    fk_emu_close(&emu);
}

static int nsel, nset;

static int run_case(const fk_vec_case_t *vc)
{
    char *in = fk_vec_file(vc, "input.txt", NULL);
    char *exp = fk_vec_file(vc, "expected.txt", NULL);
    int checked = 0;
    if (in && exp) {
        const char *kind = kv_get(in, "kind");
        if (strcmp(kind, "select") == 0) {
            run_select(vc->dir, in, exp);
            nsel++;
            checked = 1;
        } else if (strcmp(kind, "set_boot_partition") == 0) {
            run_set(vc->dir, in, exp);
            nset++;
            checked = 1;
        } else {
            fprintf(stderr, "%s: unknown kind '%s'\n", vc->dir, kind);
            CHECK(0);
        }
    }
    free(in);
    free(exp);
    return checked;
}

static const char *const sets[] = {"otadata", NULL};

int main(int argc, char **argv)
{
    int cases = fk_vec_main(argc, argv, sets, run_case);
    CHECK(cases > 0);
    printf("otadata vectors: %d select, %d set_boot_partition\n", nsel, nset);
    if (!fk_vec_one_case(argc)) CHECK(nsel > 0 && nset > 0);
    return fk_test_done("test_otadata_vectors");
}
