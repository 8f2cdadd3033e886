/* Power-cut sweep driver: a seeded workload where, for every operation, power
 * is cut at each of its flash writes and erases in turn (from the same
 * starting state), the partition is remounted and checked against the model
 * (the key in flight may hold its old or new value, nothing else may change),
 * the operation is retried, and the run continues. */
#ifndef TEST_NVS_POWERCUT_H
#define TEST_NVS_POWERCUT_H

#include "test_nvs_check.h"
#include "test_nvs_model.h"

typedef struct {
    long ops;          /* workload operations run */
    long points;       /* cut points exercised */
    long skipped;      /* cut points left out by the stride */
    long recovery_cuts; /* extra cuts during the recovering mount */
    long gc_ops;       /* operations that erased a sector */
    long refused;      /* sets refused for space (the partition was full) */
} pc_stats_t;

static inline void pc_remount(mctx_t *c, const model_t *m, const uint8_t *image)
{
    m_unmount(c);
    if (image) memcpy(c->emu.mem, image, c->size);
    esp_err_t err = m_mount(c);
    if (err) fprintf(stderr, "remount: %s\n", esp_err_to_name(err));
    CHECK_EQ(err, ESP_OK);
    CHECK_EQ(m_open_all(c, m), ESP_OK);
}

/* Mounts after a cut; with cut_recovery, first cuts the recovering mount at
 * each of its first 16 flash operations in turn, then at every 16th (a
 * recovery that redoes a garbage collection runs a hundred or more). */
static inline esp_err_t pc_recover(mctx_t *c, bool cut_recovery, uint32_t seed, fk_cut_mode_t mode,
                                   pc_stats_t *st, const model_t *m, const model_t *before,
                                   const char *ctx)
{
    if (cut_recovery) {
        uint8_t *img = malloc(c->size);
        memcpy(img, c->emu.mem, c->size);
        for (uint64_t r = 1; r < 400; r += r < 16 ? 1 : 16) {
            memcpy(c->emu.mem, img, c->size);
            fk_emu_set_cut(&c->emu, r, mode, seed + (uint32_t)r);
            esp_err_t err = m_mount(c);
            bool cut = c->emu.powered_off;
            fk_emu_power_on(&c->emu);
            if (!cut) {
                if (err == ESP_OK) m_unmount(c);
                break;
            }
            if (err == ESP_OK) m_unmount(c);
            st->recovery_cuts++;
            /* The twice-cut state must itself mount, with the same keys. */
            err = m_mount(c);
            if (err) fprintf(stderr, "%s: mount after a cut during recovery (op %llu): %s\n", ctx,
                             (unsigned long long)r, esp_err_to_name(err));
            CHECK_EQ(err, ESP_OK);
            if (err == ESP_OK) {
                CHECK_EQ(m_open_all(c, m), ESP_OK);
                CHECK_EQ(m_check_all(c, m, before, ctx), 0);
                m_unmount(c);
            }
        }
        memcpy(c->emu.mem, img, c->size);
        free(img);
    }
    return m_mount(c);
}

static inline void pc_run(uint32_t size, uint8_t version, uint32_t seed, int nops, int stride,
                          fk_cut_mode_t mode, bool cut_recovery, int heavy, pc_stats_t *st)
{
    mctx_t c;
    CHECK_EQ(m_ctx_init(&c, size, version, seed), 0);
    c.heavy = heavy;
    model_t m, before;
    memset(&m, 0, sizeof m);
    memset(&before, 0, sizeof before);
    uint8_t *snap = malloc(size), *next = malloc(size);
    long cutno = 0;
    char ctx[96];
    CHECK_EQ(m_mount(&c), ESP_OK);
    for (int step = 0; step < nops; step++) {
        mop_t op;
        m_gen(&c, step, &op);
        st->ops++;
        if (op.kind == OP_GET) {
            CHECK(m_matches(&c, op.ns, op.key, &m.v[op.ns][op.key], NULL));
            m_op_free(&op);
            continue;
        }
        /* Every run of this operation starts from a fresh mount of `snap`. */
        memcpy(snap, c.emu.mem, size);
        pc_remount(&c, &m, NULL);
        model_copy(&before, &m);
        uint64_t ops0 = c.emu.st.ops, er0 = c.emu.st.erases;
        esp_err_t err = m_exec(&c, &op);
        uint64_t n = c.emu.st.ops - ops0;
        if (c.emu.st.erases != er0) st->gc_ops++;
        if (!(err == ESP_OK || (op.kind == OP_SET && err == ESP_ERR_NVS_NOT_ENOUGH_SPACE)))
            fprintf(stderr, "step %d: %s\n", step, esp_err_to_name(err));
        CHECK(err == ESP_OK || (op.kind == OP_SET && err == ESP_ERR_NVS_NOT_ENOUGH_SPACE));
        if (err == ESP_OK) model_apply(&m, &op);
        else st->refused++;
        memcpy(next, c.emu.mem, size);

        for (uint64_t j = 1; j <= n; j++) {
            if (cutno++ % stride) {
                st->skipped++;
                continue;
            }
            snprintf(ctx, sizeof ctx, "0x%x v%u %s step %d op %d cut %llu/%llu", size, version,
                     mode == FK_CUT_TORN ? "torn" : "atomic", step, op.kind,
                     (unsigned long long)j, (unsigned long long)n);
            pc_remount(&c, &before, snap);
            fk_emu_set_cut(&c.emu, j, mode, seed ^ (uint32_t)(cutno * 2654435761u));
            err = m_exec(&c, &op);
            bool was_cut = c.emu.powered_off;
            fk_emu_power_on(&c.emu);
            m_unmount(&c);
            if (!was_cut) {
                fprintf(stderr, "%s: the operation did not reach the cut (%s)\n", ctx, esp_err_to_name(err));
                CHECK(0);
                continue;
            }
            st->points++;
            err = pc_recover(&c, cut_recovery, seed ^ (uint32_t)cutno, mode, st, &m, &before, ctx);
            if (err) fprintf(stderr, "%s: mount after the cut: %s\n", ctx, esp_err_to_name(err));
            CHECK_EQ(err, ESP_OK);
            if (err) continue;
            CHECK_EQ(m_open_all(&c, &m), ESP_OK);
            CHECK_EQ(nvs_image_check(c.emu.mem, size, version == 1 ? 0xFF : 0xFE, true, ctx), 0);
            int bad = m_check_all(&c, &m, &before, ctx);
            CHECK_EQ(bad, 0);
            /* Firmware retries after a reboot: the retry must give the new value. */
            err = m_exec(&c, &op);
            if (err == ESP_OK) {
                CHECK_EQ(m_check_all(&c, &m, NULL, ctx), 0);
            } else {
                CHECK(op.kind == OP_SET && err == ESP_ERR_NVS_NOT_ENOUGH_SPACE);
            }
            CHECK_EQ(c.emu.st.nor_violations, 0);
        }
        pc_remount(&c, &m, next);
        m_op_free(&op);
    }
    CHECK_EQ(m_check_all(&c, &m, NULL, "end of the power-cut run"), 0);
    model_free(&m);
    model_free(&before);
    free(snap);
    free(next);
    m_ctx_free(&c);
}

#endif
