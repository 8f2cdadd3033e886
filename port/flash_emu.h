/* Host NOR-flash emulator: the "device" of every test and of `flashkit device`.
 *
 * Rules enforced: a write may only clear bits (writing a 1 over a 0 is
 * reported as ESP_ERR_FLASH_OP_FAIL and counted in nor_violations, unless
 * allow_and is set, in which case the result is old & new as on real chips);
 * erase sets a 4 KiB sector to 0xFF; anything out of range is an error.
 *
 * Power cuts: with cut_at = N (1-based) the N-th write-or-erase operation
 * fails; in FK_CUT_TORN mode it is left partly done first (a random prefix of
 * a write plus some of the bits of the next byte cleared, or a random prefix
 * of a sector erased). From then on every operation, reads included, fails
 * until fk_emu_power_on() - like a device that lost power. */
#ifndef FK_FLASH_EMU_H
#define FK_FLASH_EMU_H

#include <stdbool.h>
#include <stdint.h>
#include "fk_flash.h"

typedef enum {
    FK_CUT_ATOMIC = 0, /* the cut operation leaves no trace */
    FK_CUT_TORN = 1,   /* the cut operation is partly done */
} fk_cut_mode_t;

typedef struct {
    uint64_t reads, bytes_read;
    uint64_t writes, bytes_written;
    uint64_t erases;
    uint64_t nor_violations;
    uint64_t ops; /* writes + erases, the numbering used by cut_at */
    /* Modelled time the same operations take on an ESP8266 (flash_timing.h),
     * in nanoseconds: what a device would feel, unlike host time. */
    uint64_t read_ns, write_ns, erase_ns;
} fk_emu_stats_t;

typedef struct fk_emu {
    fk_flash_t flash; /* first, so (fk_flash_t *)emu works */
    uint8_t *mem;
    uint32_t size;
    int fd;           /* file-backed: mmap'd file, -1 for memory */
    bool allow_and;   /* accept 0->1 writes as AND instead of failing */
    fk_emu_stats_t st;
    uint32_t *sector_erases; /* per sector */
    uint32_t *sector_writes; /* per sector */
    uint64_t cut_at;  /* 0 = never */
    fk_cut_mode_t cut_mode;
    bool powered_off;
    uint32_t rng;     /* torn-mode randomness, deterministic from the seed */
} fk_emu_t;

/* size must be a multiple of 4 KiB. Returns 0, or -1 with errno set. */
int fk_emu_init_mem(fk_emu_t *emu, uint32_t size);
/* Opens (create=false) or creates (create=true, erased to 0xFF, size given)
 * a flash image file. With create=false, size 0 means "the file's size". */
int fk_emu_open_file(fk_emu_t *emu, const char *path, uint32_t size, bool create);
void fk_emu_close(fk_emu_t *emu);

/* Arm a power cut at the n-th write-or-erase from now (1-based; 0 disarms).
 * seed drives the torn-mode choices, so a failing cut point replays exactly. */
void fk_emu_set_cut(fk_emu_t *emu, uint64_t n, fk_cut_mode_t mode, uint32_t seed);
/* Restore power: disarms the cut and lets operations run again. */
void fk_emu_power_on(fk_emu_t *emu);
void fk_emu_reset_stats(fk_emu_t *emu);
/* read_ns + write_ns + erase_ns */
uint64_t fk_emu_device_ns(const fk_emu_t *emu);

/* Load bytes as if flashed by a programmer: erase the covered sectors' bytes
 * and copy (no counting, no NOR check). Used to assemble device images. */
int fk_emu_load(fk_emu_t *emu, uint32_t addr, const void *data, uint32_t len);

#endif
