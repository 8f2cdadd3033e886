/* The ESP8266 SDK bootloader's choice of app (spec ota.md §5-6): classify the
 * table's rows, read otadata, pick a start index, then try images in the
 * fallback order until one verifies. Every step records why. */
#ifndef FK_BOOT_SELECT_H
#define FK_BOOT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "esp_partition.h"
#include "fk_app_start.h"
#include "fk_ota_config.h"
#include "otadata.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Indices as the bootloader numbers them: 0..15 = OTA slots. */
#define FK_BOOT_FACTORY_INDEX (-1)
#define FK_BOOT_TEST_INDEX (-2)
#define FK_BOOT_INVALID_INDEX (-99)

typedef struct {
    const esp_partition_t *factory, *test, *otadata;
    const esp_partition_t *ota[FK_OTA_MAX_SLOTS];
    int app_count; /* every app row with subtype 0x1X, contiguous or not */
} fk_boot_layout_t;

/* Bootloader classification: when two rows have the same role the later wins. */
void fk_boot_layout(const fk_ptable_t *t, fk_boot_layout_t *l);
const esp_partition_t *fk_boot_index_partition(const fk_boot_layout_t *l, int index);
/* "factory", "test", "ota_3", "invalid" - into buf (>= 12 bytes). */
const char *fk_boot_index_name(int index, char *buf, size_t len);

typedef struct {
    int index;                /* FK_BOOT_*_INDEX or a slot */
    fk_otadata_choice_t otadata;
    bool otadata_read;        /* false: no otadata partition, too small, or unreadable */
    char why[FK_DIAG ? 96 : 1]; /* "" without FK_DIAG (esp_err.h) */
} fk_boot_selection_t;

/* get_selected_boot_partition: the start index from otadata. Flash read
 * errors give FK_BOOT_INVALID_INDEX with the reason in why. */
void fk_boot_select(fk_flash_t *flash, const fk_boot_layout_t *l, fk_boot_selection_t *sel);

/* The order load_boot_image tries images from `start` (absent ones left out,
 * each at most once). Returns the count (<= FK_BOOT_MAX_TRIES). */
#define FK_BOOT_MAX_TRIES ((int)FK_OTA_MAX_SLOTS + 2)
int fk_boot_try_order(const fk_boot_layout_t *l, int start, int order[FK_BOOT_MAX_TRIES]);

/* Checks an image before booting it: ESP_OK or an error with the reason. */
typedef fk_image_check_fn fk_boot_check_fn;

typedef struct {
    fk_boot_layout_t layout;
    fk_boot_selection_t sel;
    int ntries;
    struct {
        int index;
        const esp_partition_t *part;
        esp_err_t result;
        char reason[FK_DIAG ? 64 : 1];
    } tries[FK_BOOT_MAX_TRIES];
    const esp_partition_t *booted; /* NULL: "No bootable app partitions" */
    int booted_index;
    int erased;  /* partitions erased by a factory reset */
    bool copied; /* copy mode moved ota_1 into ota_0 */
    char note[FK_DIAG ? 96 : 1]; /* what the options did */
    /* With rollback (fk_ota_config()->rollback; rollback.md §4): */
    bool rollback;
    unsigned aborted;     /* bit i: entry i was PENDING_VERIFY and is now ABORTED */
    int active_entry;     /* the entry that decided, -1 none */
    bool pending;         /* the active entry went NEW -> PENDING_VERIFY */
    bool initial;         /* nothing usable in otadata and no factory: the first boot */
    bool initial_written; /* ... and sector 0 now names the booted slot, VALID */
    uint32_t efuse_before, efuse_after; /* anti-rollback counter around the boot */
    int order[FK_BOOT_MAX_TRIES]; /* the fallback order tried (ntries of them used) */
} fk_boot_result_t;

/* Bootloader build options and the GPIOs held at reset (spec ota.md §5, §7). */
#define FK_BOOT_MAX_RESET 8
typedef struct {
    bool factory_reset;   /* CONFIG_BOOTLOADER_FACTORY_RESET and its GPIO held */
    const esp_partition_t *reset_parts[FK_BOOT_MAX_RESET]; /* data partitions it erases */
    int nreset;
    bool reset_otadata;   /* CONFIG_BOOTLOADER_OTA_DATA_ERASE */
    bool app_test;        /* CONFIG_BOOTLOADER_APP_TEST and its GPIO held */
    bool app_test_in_ota1; /* CONFIG_BOOTLOADER_APP_TEST_IN_OTA_1 */
    bool copy_app;        /* CONFIG_ESP8266_BOOT_COPY_APP: slot 1 is copied to slot 0 */
} fk_boot_opts_t;

/* The whole bootloader on an already loaded table (MCUboot's boot_go):
 * the choice, the writes the bootloader itself makes (factory reset, copy
 * mode, rollback states, the eFuse counter), and which image verified. It
 * starts nothing: the caller starts r->booted (boot_start.h). check = NULL
 * verifies as fk_ota_check_image (the configured image checks); with
 * anti-rollback an image below the eFuse counter is skipped. Returns ESP_OK,
 * ESP_ERR_NOT_FOUND when nothing is bootable, or a flash error while the
 * bootloader writes (the boot stopped). In copy mode flashkit verifies ota_1
 * before copying it over ota_0 (the SDK copies unchecked); an invalid ota_1
 * falls back as usual. opts NULL = none. */
esp_err_t fk_boot_go(fk_flash_t *flash, const fk_ptable_t *t, const fk_boot_opts_t *opts, fk_boot_check_fn check,
                     void *ctx, fk_boot_result_t *r);

/* The bootloader's main: fk_boot_go, then the booted app starts
 * (fk_app_start; nothing runs when nothing booted). */
esp_err_t fk_boot_run_opts(fk_flash_t *flash, const fk_ptable_t *t, const fk_boot_opts_t *opts,
                           fk_boot_check_fn check, void *ctx, fk_boot_result_t *r);
esp_err_t fk_boot_run(fk_flash_t *flash, const fk_ptable_t *t, fk_boot_check_fn check, void *ctx,
                      fk_boot_result_t *r);

#ifdef __cplusplus
}
#endif

#endif
