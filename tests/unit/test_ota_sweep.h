/* The power-cut sweep shared by test_ota_powercut (a stride of the cut
 * points) and full_ota_powercut (every point, more torn seeds): cut power at
 * the k-th flash write/erase between esp_ota_begin and the end of
 * esp_ota_set_boot_partition, power on, boot. The bootloader must start the
 * old app or the new one - intact, byte for byte - and the new one exactly
 * when otadata validly selects it; a later update must then succeed. */
#ifndef TEST_OTA_SWEEP_H
#define TEST_OTA_SWEEP_H

#include "boot_select.h"
#include "esp_ota_ops.h"
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
static void sweep_scenario(const uint8_t *setup, const uint8_t *old_img, size_t old_len, int old_slot,
                           const uint8_t *new_img, size_t new_len, int stride, int seeds, ota_sweep_stats_t *st)
{
    fk_emu_t emu;
    fk_ptable_t t;
    if (ota_test_device(&emu, &t, 2, false, false) != 0) {
        CHECK(0);
        return;
    }
    fk_boot_result_t r;
    memcpy(emu.mem, setup, OTA_TEST_FLASH);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, old_slot);
    fk_emu_reset_stats(&emu);
    CHECK_EQ(sweep_update(new_img, new_len, 256), ESP_OK);
    int total = (int)emu.st.ops;
    CHECK(total > 4);
    st->points += total;
    for (int k = 1; k <= total; k += (k == total - 1 ? 1 : stride)) {
        for (int mode = 0; mode < 2; mode++) {
            for (int seed = 1; seed <= (mode ? seeds : 1); seed++) {
                memcpy(emu.mem, setup, OTA_TEST_FLASH);
                fk_emu_power_on(&emu);
                CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
                fk_emu_reset_stats(&emu);
                fk_emu_set_cut(&emu, (uint64_t)k, mode ? FK_CUT_TORN : FK_CUT_ATOMIC, (uint32_t)(k * 7919 + seed));
                esp_err_t err = sweep_update(new_img, new_len, 256);
                CHECK(err != ESP_OK); /* every point lies inside the update */
                CHECK(emu.powered_off);
                fk_emu_power_on(&emu);
                st->runs++;
                /* Next boot. */
                fk_partition_set_table(&t);
                esp_err_t b = fk_boot_run(&emu.flash, &t, NULL, NULL, &r);
                CHECK_EQ(b, ESP_OK);
                if (b != ESP_OK) {
                    fprintf(stderr, "cut %d mode %d seed %d: nothing bootable\n", k, mode, seed);
                    continue;
                }
                const esp_partition_t *sel = esp_ota_get_boot_partition();
                bool is_new = r.booted_index != old_slot;
                if (is_new) {
                    st->new_boots++;
                    CHECK(sweep_same(&emu, r.booted, new_img, new_len));
                } else {
                    st->old_boots++;
                    CHECK(sweep_same(&emu, r.booted, old_img, old_len));
                }
                /* The app chosen is the one otadata validly names: no fallback. */
                CHECK(sel == r.booted);
                if (sel != r.booted)
                    fprintf(stderr, "cut %d mode %d seed %d: booted %s but otadata names %s\n", k, mode, seed,
                            r.booted->label, sel ? sel->label : "NULL");
                /* Recovery: the device updates again (an old boot retries the
                 * same image; a new one goes back the other way). */
                CHECK_EQ(sweep_update(is_new ? old_img : new_img, is_new ? old_len : new_len, 4096), ESP_OK);
                CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
                CHECK(r.booted_index == (is_new ? old_slot : 1 - old_slot));
                CHECK_EQ(emu.st.nor_violations, 0);
            }
        }
    }
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
