/* The resumable OTA under power cuts, shared by test_ota_resume (sampled
 * points) and full_ota_resume (every point, more torn seeds). The "server"
 * is in-process: the image bytes and a validator string, as an HTTP server
 * with Range and ETag would give them; the app's side is what device ota
 * does (find a stored session, resume it or begin anew, write, end, select,
 * forget the session).
 *
 * Two sweeps on the shared driver (fk_powercut.h): a download from byte 0,
 * and a download resumed from a state that an earlier cut left. After every
 * cut: the bootloader starts the old app, or the new one exactly when
 * otadata names it, byte for byte; then the same update is run again and
 * must finish with the slot exactly the image, having resumed no further
 * than the bytes that were written before the cut. */
#ifndef TEST_OTA_RESUME_SWEEP_H
#define TEST_OTA_RESUME_SWEEP_H

#include "boot_select.h"
#include "esp_ota_ops.h"
#include "fk_ota_resume.h"
#include "fk_powercut.h"
#include "fk_test.h"
#include "nvs_flash.h"
#include "test_ota_util.h"

#define RS_SOURCE 0x5eed0001u
#define RS_CHUNK 1000 /* not a divisor of 4 KiB: writes straddle sector ends */

typedef struct {
    uint32_t resumed_at; /* where the update went on from (0: from the start) */
    uint32_t fetched;    /* bytes the "server" sent */
    uint32_t acked;      /* bytes whose write returned ESP_OK */
} rs_run_t;

/* One update as an app does it; img/validator are what the server holds now. */
static esp_err_t rs_update(const uint8_t *img, size_t len, const char *validator, rs_run_t *run)
{
    memset(run, 0, sizeof *run);
    const esp_partition_t *p = esp_ota_get_next_update_partition(NULL);
    esp_err_t err = nvs_flash_init();
    if (err != ESP_OK) return err;
    fk_ota_session_t s;
    err = fk_ota_session_find(&s, p, RS_SOURCE);
    /* If-Range: a stored session of another file version is not resumed. */
    if (err == ESP_OK && strcmp(s.src.validator, validator) == 0) {
        err = fk_ota_session_resume(&s);
        if (err != ESP_OK) return err;
        run->resumed_at = s.written;
    } else if (err != ESP_OK && err != ESP_ERR_NOT_FOUND && err != ESP_ERR_INVALID_CRC) {
        return err; /* the flash failed */
    } else {
        fk_ota_source_t src = {.source_id = RS_SOURCE, .image_size = (uint32_t)len};
        snprintf(src.validator, sizeof src.validator, "%s", validator);
        if ((err = fk_ota_session_begin(&s, p, &src)) != ESP_OK) return err;
    }
    run->acked = s.written;
    for (size_t at = s.written; at < len; at += RS_CHUNK) {
        size_t n = len - at < RS_CHUNK ? len - at : RS_CHUNK;
        run->fetched += (uint32_t)n;
        err = fk_ota_session_write(&s, img + at, n);
        run->acked = s.written; /* a write split at a sector end may be half done */
        if (err != ESP_OK) {
            fk_ota_session_abort(&s);
            return err;
        }
    }
    if ((err = fk_ota_session_end(&s)) != ESP_OK) return err;
    if ((err = esp_ota_set_boot_partition(p)) != ESP_OK) return err;
    return fk_ota_session_clear();
}

typedef struct {
    int points, runs, old_boots, new_boots, resumed, restarted;
    uint32_t most_refetched; /* most bytes fetched again beyond what the cut lost */
} rs_stats_t;

typedef struct {
    fk_emu_t *emu;
    fk_ptable_t *t;
    const uint8_t *setup;
    const uint8_t *old_img, *new_img;
    size_t old_len, new_len;
    rs_run_t run;
    rs_stats_t *st;
} rs_ctx_t;

static void rs_power_on(rs_ctx_t *c)
{
    nvs_flash_deinit(); /* RAM state of the engine is gone with the power */
    fk_partition_set_table(c->t);
}

static int rs_setup(void *ctx)
{
    rs_ctx_t *c = ctx;
    fk_boot_result_t r;
    memcpy(c->emu->mem, c->setup, OTA_TEST_FLASH);
    rs_power_on(c);
    esp_err_t err = fk_boot_run(&c->emu->flash, c->t, NULL, NULL, &r);
    fk_emu_reset_stats(c->emu);
    return err == ESP_OK && r.booted_index == 0 ? 0 : -1;
}

static esp_err_t rs_op(void *ctx)
{
    rs_ctx_t *c = ctx;
    return rs_update(c->new_img, c->new_len, "\"v2\"", &c->run);
}

static void rs_check(void *ctx, const fk_pc_point_t *pt)
{
    rs_ctx_t *c = ctx;
    fk_boot_result_t r;
    uint32_t acked = c->run.acked;
    rs_power_on(c);
    CHECK(pt->err != ESP_OK);
    esp_err_t b = fk_boot_run(&c->emu->flash, c->t, NULL, NULL, &r);
    CHECK_EQ(b, ESP_OK);
    if (b != ESP_OK) {
        fprintf(stderr, "%s: nothing boots\n", pt->where);
        return;
    }
    bool is_new = r.booted_index == 1;
    const uint8_t *img = is_new ? c->new_img : c->old_img;
    size_t len = is_new ? c->new_len : c->old_len;
    CHECK(memcmp(c->emu->mem + r.booted->address, img, len) == 0);
    CHECK(esp_ota_get_boot_partition() == r.booted);
    if (is_new) {
        /* Cut while forgetting the session: the new app runs; its next
         * update (back to ota_0) must not take the stale record. */
        c->st->new_boots++;
        rs_run_t again;
        CHECK_EQ(rs_update(c->old_img, c->old_len, "\"v1\"", &again), ESP_OK);
        CHECK_EQ(again.resumed_at, 0);
        return;
    }
    c->st->old_boots++;
    /* The user runs the same command again. */
    rs_run_t again;
    esp_err_t err = rs_update(c->new_img, c->new_len, "\"v2\"", &again);
    CHECK_EQ(err, ESP_OK);
    if (err != ESP_OK) fprintf(stderr, "%s: the second run fails: %s\n", pt->where, esp_err_to_name(err));
    /* Never trusts a byte that was not written before the cut. */
    CHECK(again.resumed_at <= acked);
    if (again.resumed_at > acked)
        fprintf(stderr, "%s: resumed at %u but only %u bytes were written\n", pt->where, again.resumed_at, acked);
    CHECK_EQ(again.resumed_at + again.fetched, (uint32_t)c->new_len);
    if (again.resumed_at) {
        c->st->resumed++;
        uint32_t lost = acked - again.resumed_at;
        if (lost > c->st->most_refetched) c->st->most_refetched = lost;
    } else {
        c->st->restarted++;
    }
    CHECK_EQ(fk_boot_run(&c->emu->flash, c->t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 1);
    CHECK(memcmp(c->emu->mem + r.booted->address, c->new_img, c->new_len) == 0);
    CHECK_EQ(c->emu->st.nor_violations, 0);
}

static void rs_sweep_from(fk_emu_t *emu, fk_ptable_t *t, const uint8_t *setup, rs_ctx_t *c, const char *name,
                          int stride, int seeds)
{
    c->emu = emu;
    c->t = t;
    c->setup = setup;
    fk_pc_sweep_t sw = {
        .name = name, .emu = emu, .ctx = c, .setup = rs_setup, .op = rs_op, .check = rs_check,
        .modes = FK_PC_BOTH, .torn_seeds = seeds, .stride = stride, .seed = 0x0e5u,
    };
    esp_err_t err;
    long n = fk_powercut_count(&sw, &err);
    CHECK_EQ(err, ESP_OK);
    CHECK(n > 20);
    fk_pc_stats_t pcs;
    memset(&pcs, 0, sizeof pcs);
    fk_powercut_points(&sw, n, &pcs);
    CHECK_EQ(pcs.unreached, 0);
    CHECK_EQ(pcs.failed, 0);
    c->st->points += (int)pcs.points;
    c->st->runs += (int)pcs.runs;
    fk_powercut_print(name, &pcs, stride);
}

/* Both sweeps: from byte 0, and resumed from the state a cut in the middle
 * of a first download left (its record vouching for about half the image). */
static void rs_sweeps(int stride, int seeds, rs_stats_t *st)
{
    memset(st, 0, sizeof *st);
    static uint8_t v1[0x10000], v2[0x10000];
    size_t l1 = ota_test_image(v1, 0x10000, "1.0", 9000);
    size_t l2 = ota_test_image(v2, 0x20000, "2.0", 40000);
    static uint8_t setup[OTA_TEST_FLASH], half[OTA_TEST_FLASH];
    fk_emu_t emu;
    fk_ptable_t t;
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_emu_load(&emu, 0x10000, v1, (uint32_t)l1);
    memcpy(setup, emu.mem, OTA_TEST_FLASH);
    rs_ctx_t c = {.old_img = v1, .new_img = v2, .old_len = l1, .new_len = l2, .st = st};
    rs_sweep_from(&emu, &t, setup, &c, "resume: download from 0", stride, seeds);

    /* The interrupted state: a first download cut at half its operations. */
    c.setup = setup;
    rs_setup(&c);
    fk_pc_sweep_t sw = {.name = "count", .emu = &emu, .ctx = &c, .setup = rs_setup, .op = rs_op};
    long n = fk_powercut_count(&sw, NULL);
    rs_setup(&c);
    fk_emu_set_cut(&emu, (uint64_t)n / 2, FK_CUT_ATOMIC, 1);
    CHECK(rs_op(&c) != ESP_OK);
    fk_emu_power_on(&emu);
    rs_power_on(&c);
    memcpy(half, emu.mem, OTA_TEST_FLASH);
    /* It does resume there. */
    c.setup = half;
    rs_setup(&c);
    rs_run_t probe;
    CHECK_EQ(rs_update(v2, l2, "\"v2\"", &probe), ESP_OK);
    CHECK(probe.resumed_at > 0);
    rs_sweep_from(&emu, &t, half, &c, "resume: a resumed download", stride, seeds);
    fk_emu_close(&emu);
}

#endif
