#include "fk_powercut.h"

#include <stdio.h>
#include <stdlib.h>

long fk_powercut_count(const fk_pc_sweep_t *sw, esp_err_t *err)
{
    fk_emu_power_on(sw->emu);
    if (sw->setup && sw->setup(sw->ctx) != 0) return -1;
    uint64_t ops0 = sw->emu->st.ops;
    esp_err_t e = sw->op(sw->ctx);
    if (err) *err = e;
    return (long)(sw->emu->st.ops - ops0);
}

static uint32_t default_seed(const fk_pc_sweep_t *sw, const fk_pc_point_t *pt)
{
    return sw->seed ^ (uint32_t)((uint32_t)(pt->index + 1) * 2654435761u) ^ (uint32_t)(pt->seed_no * 40503u);
}

static void one_run(const fk_pc_sweep_t *sw, fk_pc_point_t *pt, fk_pc_stats_t *st)
{
    fk_emu_t *emu = sw->emu;
    pt->seed = pt->mode == FK_CUT_TORN || sw->seed_fn
                   ? (sw->seed_fn ? sw->seed_fn(sw->ctx, pt) : default_seed(sw, pt))
                   : 0;
    snprintf(pt->where, sizeof pt->where, "%s cut %llu/%llu %s seed %d", sw->name ? sw->name : "sweep",
             (unsigned long long)pt->k, (unsigned long long)pt->n, pt->mode == FK_CUT_TORN ? "torn" : "atomic",
             pt->seed_no);
    fk_emu_power_on(emu);
    if (sw->setup && sw->setup(sw->ctx) != 0) {
        fprintf(stderr, "%s: setup failed\n", pt->where);
        st->failed++;
        return;
    }
    fk_emu_set_cut(emu, pt->k, pt->mode, pt->seed);
    pt->err = sw->op(sw->ctx);
    bool cut = emu->powered_off;
    fk_emu_power_on(emu);
    st->runs++;
    if (pt->mode == FK_CUT_TORN)
        st->torn_runs++;
    else
        st->atomic_runs++;
    if (!cut) {
        fprintf(stderr, "%s: the operation ended before the cut (%s)\n", pt->where, esp_err_to_name(pt->err));
        st->unreached++;
        return;
    }
    if (sw->check) sw->check(sw->ctx, pt);
}

void fk_powercut_points(const fk_pc_sweep_t *sw, long n, fk_pc_stats_t *st)
{
    unsigned modes = sw->modes ? sw->modes : FK_PC_BOTH;
    int seeds = sw->torn_seeds > 0 ? sw->torn_seeds : 1;
    int stride = sw->stride > 1 ? sw->stride : 1;
    for (long k = 1; k <= n; k++) {
        st->points++;
        long index = st->cursor++;
        if (index % stride) {
            st->skipped++;
            continue;
        }
        st->run++;
        fk_pc_point_t pt = {.k = (uint64_t)k, .n = (uint64_t)n, .index = index};
        if (modes & FK_PC_ATOMIC) {
            pt.mode = FK_CUT_ATOMIC;
            pt.seed_no = 1;
            one_run(sw, &pt, st);
        }
        if (modes & FK_PC_TORN) {
            for (int s = 1; s <= seeds; s++) {
                pt.mode = FK_CUT_TORN;
                pt.seed_no = s;
                one_run(sw, &pt, st);
            }
        }
    }
}

long fk_powercut_sweep(const fk_pc_sweep_t *sw, fk_pc_stats_t *st)
{
    long n = fk_powercut_count(sw, NULL);
    if (n < 0) {
        fprintf(stderr, "%s: setup failed\n", sw->name ? sw->name : "sweep");
        st->failed++;
        return -1;
    }
    fk_powercut_points(sw, n, st);
    return n;
}

int fk_powercut_stride(const char *env, int sanitized)
{
    const char *s = env ? getenv(env) : NULL;
    if (s && atoi(s) > 0) return atoi(s);
#if defined(__SANITIZE_ADDRESS__)
    return sanitized > 0 ? sanitized : 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return sanitized > 0 ? sanitized : 1;
#endif
#endif
    (void)sanitized;
    return 1;
}

void fk_powercut_print(const char *name, const fk_pc_stats_t *st, int stride)
{
    printf("%s: %ld cut points, %ld run (stride %d, %ld skipped): %ld atomic + %ld torn power cuts\n", name,
           st->points, st->run, stride > 1 ? stride : 1, st->skipped, st->atomic_runs, st->torn_runs);
}
