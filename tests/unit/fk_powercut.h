/* The one power-cut driver of the tests: cut power at every flash write and
 * erase of an operation, atomic and torn, and check the device after
 * power-on. The NVS, OTA, rollback, signed-image and encrypted-NVS sweeps
 * all run on it, so "every cut point" means the same thing everywhere and
 * the counts they print are comparable.
 *
 * One run of a cut point:
 *   setup(ctx)                  the starting state (restore a snapshot,
 *                               remount, boot: its own flash operations are
 *                               not counted, the cut is armed after it)
 *   fk_emu_set_cut(k, mode, seed)
 *   op(ctx)                     the operation under test; stops at its first
 *                               error (the cut makes every flash call fail)
 *   fk_emu_power_on()
 *   check(ctx, point)           what must hold after the reboot (CHECKs in
 *                               the test's own file; recovery, retries)
 *
 * Cut points are numbered 1..n, n being the flash operations (writes +
 * erases) the operation makes when not cut: fk_powercut_count() measures it
 * with one uncut run. A stride keeps every stride-th point; the position is
 * carried in the stats (cursor) so a workload of many small operations is
 * thinned evenly across them, not at the start of each one.
 *
 * The driver does not CHECK by itself (fk_test.h's counters are per file):
 * runs whose operation ended before reaching the cut are counted in
 * `unreached` and reported on stderr; a test asserts it is 0. */
#ifndef FK_POWERCUT_H
#define FK_POWERCUT_H

#include <stdbool.h>
#include <stdint.h>
#include "esp_err.h"
#include "flash_emu.h"

/* Which cut modes to run at each point. */
enum {
    FK_PC_ATOMIC = 1, /* the cut operation leaves no trace */
    FK_PC_TORN = 2,   /* the cut operation is partly done, torn_seeds times */
    FK_PC_BOTH = 3,
};

/* One run, as the checker sees it. */
typedef struct {
    uint64_t k;         /* the cut flash operation, 1-based */
    uint64_t n;         /* flash operations of the uncut operation */
    long index;         /* position in the whole sweep (0-based, before the stride) */
    fk_cut_mode_t mode;
    int seed_no;        /* 1..torn_seeds for torn runs, 1 for atomic */
    uint32_t seed;      /* what fk_emu_set_cut got: replays a torn run exactly */
    esp_err_t err;      /* what op returned */
    char where[96];     /* "<name> cut k/n atomic|torn seed S" for messages */
} fk_pc_point_t;

typedef struct {
    const char *name;   /* for messages */
    fk_emu_t *emu;      /* the device whose operations are cut */
    void *ctx;          /* handed to the callbacks */
    /* Puts the device in the state before the operation; 0 or -1 (the run
     * is then counted in `failed` and skipped). May be NULL. */
    int (*setup)(void *ctx);
    esp_err_t (*op)(void *ctx);
    /* After power-on; NULL when the caller only wants the counts. */
    void (*check)(void *ctx, const fk_pc_point_t *pt);
    unsigned modes;     /* FK_PC_ATOMIC | FK_PC_TORN; 0 means both */
    int torn_seeds;     /* torn runs per point; 0 means 1 */
    int stride;         /* every stride-th cut point; 0 or 1 means all */
    uint32_t seed;      /* base of the torn seeds */
    /* Seed of one torn run; NULL: seed ^ golden-ratio hash of (index, seed_no).
     * Lets a converted sweep keep the seeds it always had. */
    uint32_t (*seed_fn)(void *ctx, const fk_pc_point_t *pt);
} fk_pc_sweep_t;

typedef struct {
    long points;    /* cut points the operations have (before the stride) */
    long run;       /* cut points run */
    long skipped;   /* cut points left out by the stride */
    long runs;      /* power cuts made: points run x (atomic + torn seeds) */
    long atomic_runs, torn_runs;
    long unreached; /* runs where op returned before the cut: a test error */
    long failed;    /* runs whose setup failed: a test error */
    long cursor;    /* stride position, carried across calls */
} fk_pc_stats_t;

/* The flash operations op makes from the setup state, uncut (setup, op run
 * once). Returns -1 if setup fails. *err gets op's result when err != NULL. */
long fk_powercut_count(const fk_pc_sweep_t *sw, esp_err_t *err);

/* Cuts points 1..n (n from fk_powercut_count, or known) and accumulates
 * into st (not cleared: one stats for a whole workload). */
void fk_powercut_points(const fk_pc_sweep_t *sw, long n, fk_pc_stats_t *st);

/* Count then cut: the usual case. Returns n, or -1 if setup fails. */
long fk_powercut_sweep(const fk_pc_sweep_t *sw, fk_pc_stats_t *st);

/* Stride under sanitizers (they make each run ~10x slower): `sanitized`
 * where ASan is on, 1 otherwise; the environment variable env (e.g.
 * "FK_NVS_PC_STRIDE") overrides both when set to a positive number. */
int fk_powercut_stride(const char *env, int sanitized);

/* "name: P cut points (R run, stride S), A atomic + T torn runs" on stdout. */
void fk_powercut_print(const char *name, const fk_pc_stats_t *st, int stride);

#endif
