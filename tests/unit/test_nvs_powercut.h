/* The NVS power-cut sweep on the shared driver (fk_powercut.h): a seeded
 * workload where, for every operation, power is cut at each of its flash
 * writes and erases in turn (from the same starting state), the partition is
 * remounted and checked against the model
 * (the key in flight may hold its old or new value, nothing else may change),
 * the operation is retried, and the run continues. */
#ifndef TEST_NVS_POWERCUT_H
#define TEST_NVS_POWERCUT_H

#include "fk_powercut.h"
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

/* One workload operation as the power-cut driver sees it: every run starts
 * from a fresh mount of `snap` (the flash before the operation). */
typedef struct {
    mctx_t *c;
    model_t *m, *before; /* after / before the operation */
    mop_t *op;
    const uint8_t *snap;
    uint32_t seed;
    bool cut_recovery;
    pc_stats_t *st;
} pc_step_t;

static int pc_step_setup(void *ctx)
{
    pc_step_t *s = ctx;
    pc_remount(s->c, s->before, s->snap);
    return 0;
}

static esp_err_t pc_step_op(void *ctx)
{
    pc_step_t *s = ctx;
    return m_exec(s->c, s->op);
}

/* The seeds this sweep always had: a failing torn point replays the same. */
static uint32_t pc_step_seed(void *ctx, const fk_pc_point_t *pt)
{
    pc_step_t *s = ctx;
    return s->seed ^ (uint32_t)((pt->index + 1) * 2654435761u);
}

static void pc_step_check(void *ctx, const fk_pc_point_t *pt)
{
    pc_step_t *s = ctx;
    mctx_t *c = s->c;
    char where[160];
    snprintf(where, sizeof where, "0x%x v%u %s op %d", c->size, c->version, pt->where, s->op->kind);
    m_unmount(c);
    s->st->points++;
    esp_err_t err = pc_recover(c, s->cut_recovery, s->seed ^ (uint32_t)(pt->index + 1), pt->mode, s->st, s->m,
                               s->before, where);
    if (err) fprintf(stderr, "%s: mount after the cut: %s\n", where, esp_err_to_name(err));
    CHECK_EQ(err, ESP_OK);
    if (err) return;
    CHECK_EQ(m_open_all(c, s->m), ESP_OK);
    CHECK_EQ(nvs_image_check(c->emu.mem, c->size, c->version == 1 ? 0xFF : 0xFE, true, where), 0);
    int bad = m_check_all(c, s->m, s->before, where);
    CHECK_EQ(bad, 0);
    /* Firmware retries after a reboot: the retry must give the new value. */
    err = m_exec(c, s->op);
    if (err == ESP_OK) {
        CHECK_EQ(m_check_all(c, s->m, NULL, where), 0);
    } else {
        CHECK(s->op->kind == OP_SET && err == ESP_ERR_NVS_NOT_ENOUGH_SPACE);
    }
    CHECK_EQ(c->emu.st.nor_violations, 0);
}

/* The seeded workload; every write/erase of every operation that changes
 * flash is a cut point (fk_powercut.h), thinned by stride across the run. */
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
    fk_pc_stats_t pcs;
    memset(&pcs, 0, sizeof pcs);
    char name[48];
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
        memcpy(snap, c.emu.mem, size);
        pc_step_t s = {&c, &m, &before, &op, snap, seed, cut_recovery, st};
        snprintf(name, sizeof name, "step %d", step);
        fk_pc_sweep_t sw = {
            .name = name, .emu = &c.emu, .ctx = &s, .setup = pc_step_setup, .op = pc_step_op,
            .check = pc_step_check, .modes = mode == FK_CUT_TORN ? FK_PC_TORN : FK_PC_ATOMIC,
            .torn_seeds = 1, .stride = stride, .seed_fn = pc_step_seed,
        };
        /* The uncut run: counts the cut points and gives the state after. */
        model_copy(&before, &m);
        uint64_t er0 = c.emu.st.erases;
        esp_err_t err;
        long n = fk_powercut_count(&sw, &err);
        CHECK(n >= 0);
        if (c.emu.st.erases != er0) st->gc_ops++;
        if (!(err == ESP_OK || (op.kind == OP_SET && err == ESP_ERR_NVS_NOT_ENOUGH_SPACE)))
            fprintf(stderr, "step %d: %s\n", step, esp_err_to_name(err));
        CHECK(err == ESP_OK || (op.kind == OP_SET && err == ESP_ERR_NVS_NOT_ENOUGH_SPACE));
        if (err == ESP_OK) model_apply(&m, &op);
        else st->refused++;
        memcpy(next, c.emu.mem, size);

        fk_powercut_points(&sw, n, &pcs);
        pc_remount(&c, &m, next);
        m_op_free(&op);
    }
    CHECK_EQ(pcs.unreached, 0);
    CHECK_EQ(pcs.failed, 0);
    CHECK_EQ(pcs.run, st->points + pcs.unreached);
    st->skipped += pcs.skipped;
    CHECK_EQ(m_check_all(&c, &m, NULL, "end of the power-cut run"), 0);
    model_free(&m);
    model_free(&before);
    free(snap);
    free(next);
    m_ctx_free(&c);
}

#endif
