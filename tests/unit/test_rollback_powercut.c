/* Power cut at every flash operation of an app's whole life with rollback
 * and anti-rollback on (rollback.md §4-§7): first boot (otadata recorded,
 * counter raised), OTA to v2 + set_boot (NEW), boot (PENDING_VERIFY),
 * confirm (VALID, counter raised), OTA to v3, boot (PENDING_VERIFY), a reset
 * without confirming (ABORTED, back on v2). Each cut atomic and torn
 * (several seeds). After every cut the device must boot an intact known
 * image that is neither INVALID nor ABORTED, whose secure_version is not
 * below the eFuse counter; the counter never goes down; the device then
 * updates again and boots the new image. Cuts by the shared driver
 * (fk_powercut.h). */
#include "fk_powercut.h"
#include "fk_test.h"
#include "test_rollback_util.h"

#define SEEDS 8

static uint8_t img[2][4][0x4000]; /* [slot][secure_version] */
static size_t len[2][4];
static uint8_t setup[OTA_TEST_FLASH];
static fk_emu_t emu;
static fk_ptable_t t;
static fk_boot_result_t r;
static int reverts;

static esp_err_t boot(void)
{
    fk_partition_set_table(&t);
    return fk_boot_run(&emu.flash, &t, NULL, NULL, &r);
}

/* The life; stops at the first error (the cut). */
static esp_err_t life(void)
{
    esp_err_t err;
    if ((err = boot()) != ESP_OK) return err;
    if ((err = rb_update(rb_slot(1), img[1][2], len[1][2])) != ESP_OK) return err;
    if ((err = boot()) != ESP_OK) return err;
    if ((err = esp_ota_mark_app_valid_cancel_rollback()) != ESP_OK) return err;
    if ((err = rb_update(rb_slot(0), img[0][3], len[0][3])) != ESP_OK) return err;
    if ((err = boot()) != ESP_OK) return err;
    return boot(); /* not confirmed: the revert */
}

static bool intact(const esp_partition_t *p, int slot)
{
    for (int v = 1; v < 4; v++)
        if (len[slot][v] && memcmp(emu.mem + p->address, img[slot][v], len[slot][v]) == 0) return true;
    return false;
}

/* Invariants of a boot after a cut. */
static void check_boot(const fk_pc_point_t *pt, const char *which, uint32_t counter_before)
{
    esp_err_t err = boot();
    CHECK_EQ(err, ESP_OK);
    if (err != ESP_OK || !r.booted) {
        fprintf(stderr, "%s, %s: nothing boots\n", pt->where, which);
        return;
    }
    CHECK(r.booted_index == 0 || r.booted_index == 1);
    CHECK(intact(r.booted, r.booted_index));
    esp_ota_img_states_t st;
    if (esp_ota_get_state_partition(r.booted, &st) == ESP_OK) {
        CHECK(st != ESP_OTA_IMG_INVALID && st != ESP_OTA_IMG_ABORTED);
        if (st == ESP_OTA_IMG_INVALID || st == ESP_OTA_IMG_ABORTED)
            fprintf(stderr, "%s, %s: booted %s in state %u\n", pt->where, which, r.booted->label, st);
    }
    uint32_t v = 0;
    CHECK_EQ(fk_ota_image_secure_version(r.booted, &v), ESP_OK);
    CHECK(v >= esp_efuse_read_secure_version());
    CHECK(esp_efuse_read_secure_version() >= counter_before);
}

static int setup_life(void *ctx)
{
    (void)ctx;
    memcpy(emu.mem, setup, OTA_TEST_FLASH);
    fk_efuse_secure_version_load(0, FK_EFUSE_SECURE_VERSION_BITS);
    fk_app_start(NULL);
    fk_partition_set_table(&t);
    return 0;
}

static esp_err_t op_life(void *ctx)
{
    (void)ctx;
    return life();
}

static void check_life(void *ctx, const fk_pc_point_t *pt)
{
    (void)ctx;
    uint32_t c0 = esp_efuse_read_secure_version();
    check_boot(pt, "first boot", c0);
    uint32_t c1 = esp_efuse_read_secure_version();
    check_boot(pt, "second boot", c1);
    if (r.aborted) reverts++;
    /* Recovery: the running app confirms itself and updates the other slot. */
    if (!r.booted) return;
    int next = 1 - r.booted_index;
    esp_ota_mark_app_valid_cancel_rollback();
    CHECK_EQ(rb_update(rb_slot(next), img[next][3], len[next][3]), ESP_OK);
    CHECK_EQ(boot(), ESP_OK);
    CHECK_EQ(r.booted_index, next);
    CHECK(esp_efuse_read_secure_version() >= c1);
    CHECK_EQ(emu.st.nor_violations, 0);
}

int main(void)
{
    for (int s = 0; s < 2; s++)
        for (uint32_t v = 1; v < 4; v++) {
            char ver[8];
            snprintf(ver, sizeof ver, "%d.%u", s, v);
            len[s][v] = rb_image(img[s][v], OTA_TEST_SLOT * (uint32_t)(s + 1), ver, 6000 + 700 * v, v);
        }
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_emu_load(&emu, 0x10000, img[0][1], (uint32_t)len[0][1]);
    memcpy(setup, emu.mem, OTA_TEST_FLASH);
    fk_ota_set_rollback(true, true);
    /* The uncut life ends reverted to v2 with the counter at 2. */
    setup_life(NULL);
    CHECK_EQ(life(), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    CHECK_EQ(esp_efuse_read_secure_version(), 2u);
    fk_pc_sweep_t sw = {.name = "rollback life", .emu = &emu, .setup = setup_life, .op = op_life,
                        .check = check_life, .modes = FK_PC_BOTH, .torn_seeds = SEEDS, .stride = 1, .seed = 7919};
    fk_pc_stats_t st = {0};
    long n = fk_powercut_sweep(&sw, &st);
    CHECK(n > 20);
    CHECK_EQ(st.unreached, 0);
    CHECK_EQ(st.failed, 0);
    fk_powercut_print("rollback life", &st, 1);
    printf("rollback life: %d boots after a cut rolled an unconfirmed app back\n", reverts);
    fk_emu_close(&emu);
    fk_ota_config_reset();
    return fk_test_done("test_rollback_powercut");
}
