/* The simulated device: a flash image file opened as a NOR flash, its
 * partition table found and loaded, power cuts armed per command. */
#ifndef FK_DEVICE_H
#define FK_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "boot_select.h"
#include "esp_app_format.h"
#include "esp_partition.h"
#include "flash_emu.h"

/* Exit status of a command stopped by --power-cut. */
#define FK_DEVICE_EXIT_POWER_CUT 3

typedef struct {
    const char *path;
    fk_emu_t emu;
    fk_ptable_t table;
    uint32_t table_offset;
    bool open;
    /* options every device command takes */
    uint64_t cut_n;
    fk_cut_mode_t cut_mode;
    uint32_t seed;
    uint32_t table_offset_opt; /* 0 = find it */
    unsigned checks;           /* FK_IMAGE_CHECK_* */
    bool json;
    bool count_ops;            /* --count-ops: flash operations and modelled time at close */
    fk_boot_opts_t bopts;      /* bootloader options and GPIOs held */
    char reset_labels[128];    /* --factory-reset LABEL,... (resolved at open) */
    bool reset_keep_otadata;
    /* App rollback / anti-rollback (device_rollback.c) */
    bool rollback, anti_rollback;
    const char *sdkconfig;     /* --sdkconfig FILE: the options from there */
    unsigned efuse_bits;       /* usable width of the emulated counter */
    char efuse_path[1024];     /* DEV.img.efuse: the counter's side file */
} fk_device_t;

void fk_device_init(fk_device_t *d);
#define FK_DEVICE_COMMON_HELP                                                                          \
    "  --table-offset N      partition table offset (default: found, 0x8000 first)\n"                    \
    "  --checks sum|hash|both  image checks of the bootloader and esp_ota_end (default both)\n"          \
    "  --power-cut N[:torn]  cut power at the N-th flash write/erase of this command\n"                  \
    "                        (torn: that operation half done); exit status 3\n"                        \
    "  --seed S              randomness of a torn cut (default 1)\n"                                  \
    "  --count-ops           print the flash reads, writes and erases of this command and the time\n"  \
    "                        they take on an ESP8266 (modelled)\n"                                     \
    "bootloader options (ESP8266 SDK Kconfig) and GPIOs held at power-on:\n"                          \
    "  --factory-reset L1,L2 factory-reset GPIO held: erase these data partitions and otadata\n"      \
    "  --keep-otadata        ... but not otadata (no CONFIG_BOOTLOADER_OTA_DATA_ERASE)\n"            \
    "  --app-test            test-app GPIO held: boot the test partition\n"                          \
    "  --app-test-in-ota1    ... the test app is in ota_1\n"                                         \
    "  --copy-app            CONFIG_ESP8266_BOOT_COPY_APP: slot 1 is copied to slot 0 at boot\n"

/* Help for --rollback, --anti-rollback, --sdkconfig FILE (parsed by
 * device_args.c). */
#define FK_DEVICE_ROLLBACK_HELP                                                                        \
    "app rollback (ESP-IDF; off = the ESP8266 SDK's behaviour):\n"                                      \
    "  --rollback            CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE: a new app boots PENDING_VERIFY\n"   \
    "                        and is rolled back at the next boot unless it confirms itself\n"          \
    "  --anti-rollback       CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK: apps below the eFuse counter\n"       \
    "                        (kept in DEV.img.efuse) are refused\n"                                    \
    "  --sdkconfig FILE      take both (and the counter width) from an sdkconfig\n"
/* After fk_device_open: applies the rollback options, loads the eFuse
 * counter from DEV.img.efuse and stores it there whenever a bit burns. */
int fk_device_rollback_apply(fk_device_t *d);
/* After a boot: what rollback did, in the bootloader's log words. */
void fk_device_rollback_report(FILE *f, const fk_device_t *d, const fk_boot_result_t *r);

/* Opens the image, finds and loads the table (bootloader rules), makes it
 * the app's table, and arms the cut. Prints the error and returns -1. */
int fk_device_open(fk_device_t *d, const char *path);
/* With --count-ops, prints the counts first (fk_device_print_ops). */
void fk_device_close(fk_device_t *d);
/* --count-ops: the flash operations of emu since the command began and their
 * modelled time on an ESP8266 (stdout; stderr under --json). For a command
 * with a flash of its own (device create), before it closes it. */
void fk_device_print_ops(const fk_device_t *d, const fk_emu_t *emu);
/* After a failed step: true (and a message) if it failed because power was cut. */
bool fk_device_power_lost(fk_device_t *d);

/* The bootloader. verbose: 0 silent, 1 the choice, 2 also the partition
 * table (as the SDK bootloader logs it). Returns 0 if an app runs. */
int fk_device_boot(fk_device_t *d, fk_boot_result_t *r, int verbose);
/* The SDK example's start-up lines: configured vs running partition. */
void fk_device_print_running(FILE *f);
void fk_device_print_app(FILE *f, const esp_app_desc_t *desc);
/* "I (ms) tag: " prefix, ms since the command started. */
void fk_device_log(FILE *f, char level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int device_create(int argc, char **argv);
int device_boot(int argc, char **argv);
int device_ota(int argc, char **argv);
int device_nvs(int argc, char **argv);
int device_otadata(int argc, char **argv);
int device_confirm(int argc, char **argv);

#endif
