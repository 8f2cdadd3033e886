/* The power-cut sweep shared by test_ota_powercut and full_ota_powercut
 * (every point; more torn seeds), on the shared driver (fk_powercut.h): cut power at
 * the k-th flash write/erase between esp_ota_begin and the end of
 * esp_ota_set_boot_partition, power on, boot. The bootloader must start the
 * old app or the new one - intact, byte for byte - and the new one exactly
 * when otadata validly selects it; a later update must then succeed. */
#ifndef TEST_OTA_SWEEP_H
#define TEST_OTA_SWEEP_H

#include "boot_select.h"
#include "esp_ota_ops.h"
#include "fk_powercut.h"
#include "fk_test.h"
#include "test_ota_util.h"

typedef struct {
    int points, runs, old_boots, new_boots;
} ota_sweep_stats_t;

/* The app's side of an update; returns the first error. */
static esp_err_t sweep_update(const uint8_t *img, size_t len, size_t chunk)
{
    const esp_partition_t *p = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    esp_err_t err = esp_ota_begin(p, OTA_SIZE_UNKNOWN, &h);
    for (size_t at = 0; err == ESP_OK && at < len; at += chunk)
        err = esp_ota_write(h, img + at, len - at < chunk ? len - at : chunk);
    if (err != ESP_OK) {
        esp_ota_abort(h);
        return err;
    }
    err = esp_ota_end(h);
    if (err == ESP_OK) err = esp_ota_set_boot_partition(p);
    return err;
}

static bool sweep_same(fk_emu_t *emu, const esp_partition_t *p, const uint8_t *img, size_t len)
{
    return p && memcmp(emu->mem + p->address, img, len) == 0;
}

/* One scenario: `old_img` runs from `old_slot`; the update writes new_img
 * into the other slot. `setup` is the flash before the update. */
typedef struct {
    fk_emu_t *emu;
    fk_ptable_t *t;
    const uint8_t *setup, *old_img, *new_img;
    size_t old_len, new_len;
    int old_slot;
    ota_sweep_stats_t *st;
} sweep_ctx_t;

static int sweep_setup(void *ctx)
{
    sweep_ctx_t *s = ctx;
    fk_boot_result_t r;
    memcpy(s->emu->mem, s->setup, OTA_TEST_FLASH);
    fk_partition_set_table(s->t);
    esp_err_t err = fk_boot_run(&s->emu->flash, s->t, NULL, NULL, &r);
    CHECK_EQ(err, ESP_OK);
    CHECK_EQ(r.booted_index, s->old_slot);
    fk_emu_reset_stats(s->emu);
    return err == ESP_OK ? 0 : -1;
}

static esp_err_t sweep_op(void *ctx)
{
    sweep_ctx_t *s = ctx;
    return sweep_update(s->new_img, s->new_len, 256);
}

/* The seeds this sweep always had. */
static uint32_t sweep_seed(void *ctx, const fk_pc_point_t *pt)
{
    (void)ctx;
    return (uint32_t)(pt->k * 7919 + (uint64_t)pt->seed_no);
}

static void sweep_check(void *ctx, const fk_pc_point_t *pt)
{
    sweep_ctx_t *s = ctx;
    fk_emu_t *emu = s->emu;
    fk_boot_result_t r;
    CHECK(pt->err != ESP_OK); /* every point lies inside the update */
    /* Next boot. */
    fk_partition_set_table(s->t);
    esp_err_t b = fk_boot_run(&emu->flash, s->t, NULL, NULL, &r);
    CHECK_EQ(b, ESP_OK);
    if (b != ESP_OK) {
        fprintf(stderr, "%s: nothing bootable\n", pt->where);
        return;
    }
    const esp_partition_t *sel = esp_ota_get_boot_partition();
    bool is_new = r.booted_index != s->old_slot;
    if (is_new) {
        s->st->new_boots++;
        CHECK(sweep_same(emu, r.booted, s->new_img, s->new_len));
    } else {
        s->st->old_boots++;
        CHECK(sweep_same(emu, r.booted, s->old_img, s->old_len));
    }
    /* The app chosen is the one otadata validly names: no fallback. */
    CHECK(sel == r.booted);
    if (sel != r.booted)
        fprintf(stderr, "%s: booted %s but otadata names %s\n", pt->where, r.booted->label, sel ? sel->label : "NULL");
    /* Recovery: the device updates again (an old boot retries the same
     * image; a new one goes back the other way). */
    CHECK_EQ(sweep_update(is_new ? s->old_img : s->new_img, is_new ? s->old_len : s->new_len, 4096), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu->flash, s->t, NULL, NULL, &r), ESP_OK);
    CHECK(r.booted_index == (is_new ? s->old_slot : 1 - s->old_slot));
    CHECK_EQ(emu->st.nor_violations, 0);
}

static void sweep_scenario(const uint8_t *setup, const uint8_t *old_img, size_t old_len, int old_slot,
                           const uint8_t *new_img, size_t new_len, int stride, int seeds, ota_sweep_stats_t *st)
{
    fk_emu_t emu;
    fk_ptable_t t;
    if (ota_test_device(&emu, &t, 2, false, false) != 0) {
        CHECK(0);
        return;
    }
    sweep_ctx_t s = {&emu, &t, setup, old_img, new_img, old_len, new_len, old_slot, st};
    fk_pc_sweep_t sw = {
        .name = old_slot ? "ota_1 -> ota_0" : "ota_0 -> ota_1", .emu = &emu, .ctx = &s, .setup = sweep_setup,
        .op = sweep_op, .check = sweep_check, .modes = FK_PC_BOTH, .torn_seeds = seeds, .stride = stride,
        .seed_fn = sweep_seed,
    };
    esp_err_t err;
    long total = fk_powercut_count(&sw, &err);
    CHECK_EQ(err, ESP_OK);
    CHECK(total > 4);
    fk_pc_stats_t pcs;
    memset(&pcs, 0, sizeof pcs);
    fk_powercut_points(&sw, total, &pcs);
    CHECK_EQ(pcs.unreached, 0);
    CHECK_EQ(pcs.failed, 0);
    st->points += (int)pcs.points;
    st->runs += (int)pcs.runs;
    fk_emu_close(&emu);
}

/* Two scenarios: first update from erased otadata (ota_0 -> ota_1), then an
 * update on a device that already has both entries valid (ota_1 -> ota_0),
 * so both otadata sectors are rewritten under cuts. */
static void ota_sweep(int stride, int seeds, ota_sweep_stats_t *st)
{
    memset(st, 0, sizeof *st);
    static uint8_t a[0x4000], b[0x4000], c[0x4000];
    /* Same link offsets as the slots (64 KiB slots at 0x10000 and 0x20000). */
    size_t la = ota_test_image(a, 0x10000, "1.0", 9000);
    size_t lb = ota_test_image(b, 0x20000, "2.0", 7000);
    size_t lc = ota_test_image(c, 0x10000, "3.0", 11000);
    static uint8_t setup[OTA_TEST_FLASH];
    fk_emu_t emu;
    fk_ptable_t t;
    fk_boot_result_t r;
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_emu_load(&emu, 0x10000, a, (uint32_t)la);
    memcpy(setup, emu.mem, OTA_TEST_FLASH);
    sweep_scenario(setup, a, la, 0, b, lb, stride, seeds, st);

    /* Scenario 2: ota_0 -> ota_1 -> ota_0 done, then ota_1 running v2 updates ota_0 to v3. */
    memcpy(emu.mem, setup, OTA_TEST_FLASH);
    fk_partition_set_table(&t);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(sweep_update(b, lb, 4096), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(sweep_update(a, la, 4096), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(sweep_update(b, lb, 4096), ESP_OK);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    static uint8_t setup2[OTA_TEST_FLASH];
    memcpy(setup2, emu.mem, OTA_TEST_FLASH);
    fk_emu_close(&emu);
    sweep_scenario(setup2, b, lb, 1, c, lc, stride, seeds, st);
}

#endif
