/* flashkit's host API: the emulated device that firmware code under test runs
 * on. A device is a NOR flash (in memory or a flash image file) holding a
 * partition table; opening it makes that table the one behind
 * esp_partition_find() & co., so nvs_flash_init(), esp_ota_begin() ... in the
 * code under test work on it unchanged. Power can be cut at any flash write or
 * erase, and flashkit_dev_reboot() runs the bootloader's choice again.
 *
 * One device is current at a time (the ESP-IDF API has no device argument);
 * opening a device makes it current. Not thread-safe, like the API it hosts. */
#ifndef FLASHKIT_HOST_H
#define FLASHKIT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "esp_partition.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct flashkit_dev flashkit_dev_t;

typedef struct {
    uint32_t flash_size;   /* bytes, a multiple of 4 KiB; 0 = 4 MB */
    uint32_t table_offset; /* 0 = 0x8000, the SDK's default */
    const char *image_path; /* NULL: memory only; else this file is created (or replaced) */
    int nvs_version;        /* format of NVS images made by flashkit_dev_flash_nvs_csv: 1 (default) or 2 */
} flashkit_dev_opts_t;

/* A fresh, erased chip with the partition table `table` written at the table
 * offset: a CSV file (gen_esp32part.py's format), a binary table file, or a
 * built-in SDK name ("singleapp", "two_ota", "two_ota_1mb"). opts may be NULL.
 * Returns NULL with a message in err (naming the file and line) on failure. */
flashkit_dev_t *flashkit_dev_create(const char *table, const flashkit_dev_opts_t *opts, char *err, size_t errlen);

/* An existing flash image file (e.g. from `flashkit device create`); writes go
 * to the file. table_offset 0 = 0x8000. */
flashkit_dev_t *flashkit_dev_open_image(const char *path, uint32_t table_offset, char *err, size_t errlen);

/* Unmounts what the device's partitions had mounted, closes (and for a file,
 * flushes) the flash. No partition pointer of the device may be used after. */
void flashkit_dev_close(flashkit_dev_t *dev);

/* The device that esp_partition_*, nvs_* and esp_ota_* use now (NULL: none). */
flashkit_dev_t *flashkit_dev_current(void);
/* Makes dev current (its table behind esp_partition_find()). */
void flashkit_dev_select(flashkit_dev_t *dev);

/* As a programmer writes: erases the bytes' sectors and copies, unlimited by
 * power cuts and not counted. */
esp_err_t flashkit_dev_flash(flashkit_dev_t *dev, uint32_t addr, const void *data, size_t len);
/* A file's bytes at the start of the partition `label` (or an app subtype name
 * such as "ota_0" / "factory"); refused if it does not fit. */
esp_err_t flashkit_dev_flash_file(flashkit_dev_t *dev, const char *label, const char *path, char *err, size_t errlen);
/* An NVS image generated from a nvs_partition_gen.py CSV (as
 * `flashkit nvs gen` makes it) into the NVS partition `label`. */
esp_err_t flashkit_dev_flash_nvs_csv(flashkit_dev_t *dev, const char *label, const char *csv_path, char *err,
                                     size_t errlen);
/* Reads raw flash (for assertions); works even while the power is off. */
esp_err_t flashkit_dev_peek(flashkit_dev_t *dev, uint32_t addr, void *out, size_t len);

/* ---- power ---- */

/* The n-th flash write or erase from now (1-based) fails, and so does every
 * flash operation after it until flashkit_dev_reboot() or
 * flashkit_dev_power_on(). torn: that operation is left partly done (a
 * prefix of a write with some bits of the next byte, a part of an erase),
 * chosen by seed so a failure replays. n = 0 disarms. */
void flashkit_dev_cut_power(flashkit_dev_t *dev, uint64_t n, bool torn, uint32_t seed);
/* True once an armed cut has happened and power is still off. */
bool flashkit_dev_power_lost(const flashkit_dev_t *dev);
/* Power back, nothing else: the RAM state of the code under test is kept. */
void flashkit_dev_power_on(flashkit_dev_t *dev);

typedef struct {
    const esp_partition_t *booted; /* NULL: no bootable app ("No bootable app partitions") */
    bool rolled_back;              /* with rollback: a PENDING_VERIFY app was aborted */
    char note[96];                 /* what the bootloader options did, if anything */
} flashkit_boot_info_t;

/* A reset: power on, every NVS partition of the table unmounted (RAM state
 * is gone on a real chip), the bootloader's choice and its own writes
 * (otadata, rollback states), then the chosen app "runs": esp_ota_get_running_
 * partition() returns it. ESP_ERR_NOT_FOUND when nothing is bootable. OTA
 * handles the code under test left open stay its business, as they would
 * after esp_restart() in a loop that never ended them. info may be NULL. */
esp_err_t flashkit_dev_reboot(flashkit_dev_t *dev, flashkit_boot_info_t *info);

/* ---- counters ---- */

typedef struct {
    uint64_t reads, bytes_read;
    uint64_t writes, bytes_written;
    uint64_t erases;
    uint64_t ops;            /* writes + erases: the numbering of flashkit_dev_cut_power */
    uint64_t nor_violations; /* writes that tried to turn a 0 bit into 1 (refused) */
    uint64_t device_ns;      /* what the same operations take on an ESP8266's flash */
} flashkit_counters_t;

void flashkit_dev_counters(const flashkit_dev_t *dev, flashkit_counters_t *out);
void flashkit_dev_reset_counters(flashkit_dev_t *dev);
/* Erase count of the 4 KiB sector holding addr (wear), since creation or open. */
uint32_t flashkit_dev_sector_erases(const flashkit_dev_t *dev, uint32_t addr);

/* ---- build options (sdkconfig) ---- */

/* The Kconfig options the OTA API and bootloader share, set at run time on the
 * host (a device compiles them in): CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE,
 * CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK, CONFIG_ESP8266_BOOT_COPY_APP,
 * CONFIG_APP_UPDATE_CHECK_APP_SUM / _HASH. */
typedef struct {
    bool rollback;
    bool anti_rollback;
    bool copy_app;
    bool check_sum;  /* default true */
    bool check_hash; /* default true */
} flashkit_sdkconfig_t;

void flashkit_sdkconfig_default(flashkit_sdkconfig_t *c);
/* Reads those options from an sdkconfig file (other lines are ignored).
 * Returns -1 with "FILE:LINE: ..." in err on an unreadable file or bad line. */
int flashkit_sdkconfig_load(const char *path, flashkit_sdkconfig_t *c, char *err, size_t errlen);
void flashkit_sdkconfig_apply(const flashkit_sdkconfig_t *c);

/* ---- HTTP (the transport of OTA tests) ---- */

/* GET url into memory (malloc'd, *len bytes; free() it). Refuses bodies over
 * max_size (0 = 64 MiB). Returns 0, or -1 with the reason in err. */
int flashkit_http_get(const char *url, uint64_t max_size, uint8_t **body, size_t *len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
