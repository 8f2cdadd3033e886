/* flashkit/host.h over the port's NOR emulator and the host table and NVS
 * generators: the device a firmware developer's unit tests run on. */
#include "flashkit/host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot_select.h"
#include "esp_image_format.h"
#include "esp_ota_ops.h"
#include "flash_emu.h"
#include "fk_ota_config.h"
#include "http_client.h"
#include "nvs_flash.h"
#include "nvs_gen.h"
#include "part_gen.h"

struct flashkit_dev {
    fk_emu_t emu;
    fk_ptable_t table;
    uint32_t table_offset;
    int nvs_version;
};

static flashkit_dev_t *current;

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* A whole file into memory; the library reports through err, never stderr. */
static int read_all(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    *data = NULL;
    *len = 0;
    if (!f) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *b = realloc(*data, cap);
            if (!b) {
                seterr(err, errlen, "%s: out of memory", path);
                break;
            }
            *data = b;
        }
        size_t n = fread(*data + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0) {
            if (ferror(f)) {
                seterr(err, errlen, "%s: read error", path);
                break;
            }
            fclose(f);
            return 0;
        }
    }
    fclose(f);
    free(*data);
    *data = NULL;
    return -1;
}

/* A missing or unreadable file is reported here, with its name, before a
 * CLI helper that would print to stderr gets it. */
static int readable(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return 0;
    }
    fclose(f);
    return 1;
}

static void unmount_nvs(flashkit_dev_t *dev)
{
    for (int i = 0; i < dev->table.count; i++) {
        const esp_partition_t *p = &dev->table.part[i];
        if (p->type == ESP_PARTITION_TYPE_DATA && p->subtype == ESP_PARTITION_SUBTYPE_DATA_NVS)
            nvs_flash_deinit_partition(p->label); /* not mounted: nothing to do */
    }
}

/* The table as the app sees it at start-up, read with the bootloader's rules. */
static int load_table(flashkit_dev_t *dev, const char *what, char *err, size_t errlen)
{
    esp_err_t e = fk_ptable_load(&dev->table, &dev->emu.flash, dev->table_offset, 0);
    if (e != ESP_OK || dev->table.count == 0) {
        seterr(err, errlen, "%s: no valid partition table at 0x%x (%s)", what, (unsigned)dev->table_offset,
               e != ESP_OK ? esp_err_to_name(e) : "no rows");
        return -1;
    }
    flashkit_dev_select(dev);
    return 0;
}

flashkit_dev_t *flashkit_dev_create(const char *table, const flashkit_dev_opts_t *opts, char *err, size_t errlen)
{
    flashkit_dev_opts_t o = {0};
    if (opts) o = *opts;
    if (!o.flash_size) o.flash_size = 4u << 20;
    if (!o.table_offset) o.table_offset = FK_PART_DEFAULT_OFFSET;
    if (!o.nvs_version) o.nvs_version = 1;
    if (!table) {
        seterr(err, errlen, "no partition table given");
        return NULL;
    }
    if (o.flash_size % FK_SECTOR_SIZE || o.table_offset % FK_SECTOR_SIZE ||
        o.table_offset >= o.flash_size || (o.nvs_version != 1 && o.nvs_version != 2)) {
        seterr(err, errlen, "%s: flash size 0x%x / table offset 0x%x / NVS version %d not usable", table,
               (unsigned)o.flash_size, (unsigned)o.table_offset, o.nvs_version);
        return NULL;
    }
    static fk_part_list_t list; /* 96 rows with their lines: too big for a small stack */
    fk_part_opts_t po;
    fk_part_opts_default(&po);
    po.flash_size = o.flash_size;
    po.table_offset = o.table_offset;
    uint8_t bin[FK_PART_TABLE_SIZE];
    char why[256] = "";
    if (!fk_part_builtin(table) && !readable(table, err, errlen)) return NULL;
    if (fk_part_load_any(table, &po, &list, why, sizeof why) != 0 || fk_part_to_bin(&list, &po, bin, why, sizeof why) != 0) {
        seterr(err, errlen, "%s: %s", table, why); /* the generator's messages name the line, not the file */
        return NULL;
    }

    flashkit_dev_t *dev = calloc(1, sizeof *dev);
    if (!dev) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    dev->table_offset = o.table_offset;
    dev->nvs_version = o.nvs_version;
    int rc = o.image_path ? fk_emu_open_file(&dev->emu, o.image_path, o.flash_size, true)
                          : fk_emu_init_mem(&dev->emu, o.flash_size);
    if (rc != 0) {
        seterr(err, errlen, "%s: %s", o.image_path ? o.image_path : "memory flash", strerror(errno));
        free(dev);
        return NULL;
    }
    fk_emu_load(&dev->emu, o.table_offset, bin, sizeof bin);
    if (load_table(dev, table, err, errlen) != 0) {
        fk_emu_close(&dev->emu);
        if (o.image_path) unlink(o.image_path); /* no half-made image left behind */
        free(dev);
        return NULL;
    }
    return dev;
}

flashkit_dev_t *flashkit_dev_open_image(const char *path, uint32_t table_offset, char *err, size_t errlen)
{
    flashkit_dev_t *dev = calloc(1, sizeof *dev);
    if (!dev) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    dev->table_offset = table_offset ? table_offset : FK_PART_DEFAULT_OFFSET;
    dev->nvs_version = 1;
    if (fk_emu_open_file(&dev->emu, path, 0, false) != 0) {
        seterr(err, errlen, "%s: %s", path,
               errno == EINVAL ? "not a flash image (size not a non-zero multiple of 4 KiB)" : strerror(errno));
        free(dev);
        return NULL;
    }
    if (load_table(dev, path, err, errlen) != 0) {
        fk_emu_close(&dev->emu);
        free(dev);
        return NULL;
    }
    return dev;
}

void flashkit_dev_close(flashkit_dev_t *dev)
{
    if (!dev) return;
    if (current == dev) flashkit_dev_select(NULL);
    fk_emu_close(&dev->emu);
    free(dev);
}

flashkit_dev_t *flashkit_dev_current(void)
{
    return current;
}

void flashkit_dev_select(flashkit_dev_t *dev)
{
    /* The RAM state (NVS mounts, the running app) belongs to the board that
     * was current: another board starts without it. */
    if (current && current != dev) {
        fk_emu_power_on(&current->emu); /* unmounting touches RAM only, but never a dead flash */
        unmount_nvs(current);
        fk_app_start(NULL);
    }
    current = dev;
    fk_partition_set_table(dev ? &dev->table : NULL);
}

esp_err_t flashkit_dev_flash(flashkit_dev_t *dev, uint32_t addr, const void *data, size_t len)
{
    if (!dev || (!data && len)) return ESP_ERR_INVALID_ARG;
    if (addr > dev->emu.size || len > dev->emu.size - addr) return ESP_ERR_INVALID_SIZE;
    return fk_emu_load(&dev->emu, addr, data, (uint32_t)len) == 0 ? ESP_OK : ESP_FAIL;
}

static const esp_partition_t *find_label(flashkit_dev_t *dev, const char *label)
{
    for (int i = 0; i < dev->table.count; i++)
        if (!strcmp(dev->table.part[i].label, label)) return &dev->table.part[i];
    for (int i = 0; i < dev->table.count; i++) {
        const esp_partition_t *p = &dev->table.part[i];
        const char *kw = p->type == ESP_PARTITION_TYPE_APP ? fk_part_subtype_keyword(p->type, p->subtype) : NULL;
        if (kw && !strcmp(kw, label)) return p;
    }
    return NULL;
}

esp_err_t flashkit_dev_flash_file(flashkit_dev_t *dev, const char *label, const char *path, char *err, size_t errlen)
{
    const esp_partition_t *p = dev && label ? find_label(dev, label) : NULL;
    if (!p) {
        seterr(err, errlen, "no partition '%s' in the device's table", label ? label : "(null)");
        return ESP_ERR_NOT_FOUND;
    }
    uint8_t *data;
    size_t len;
    if (read_all(path, &data, &len, err, errlen) != 0) return ESP_FAIL;
    esp_err_t e = ESP_OK;
    if (len > p->size) {
        seterr(err, errlen, "%s: %zu bytes do not fit partition '%s' (0x%x bytes)", path, len, p->label,
               (unsigned)p->size);
        e = ESP_ERR_INVALID_SIZE;
    } else {
        e = flashkit_dev_flash(dev, p->address, data, len);
        if (e != ESP_OK) seterr(err, errlen, "%s: flashing failed (%s)", path, esp_err_to_name(e));
    }
    free(data);
    return e;
}

esp_err_t flashkit_dev_flash_nvs_csv(flashkit_dev_t *dev, const char *label, const char *csv_path, char *err,
                                     size_t errlen)
{
    const esp_partition_t *p = dev && label ? find_label(dev, label) : NULL;
    if (!p || p->type != ESP_PARTITION_TYPE_DATA || p->subtype != ESP_PARTITION_SUBTYPE_DATA_NVS) {
        seterr(err, errlen, "no NVS partition '%s' in the device's table", label ? label : "(null)");
        return ESP_ERR_NOT_FOUND;
    }
    uint8_t *image;
    if (!readable(csv_path, err, errlen)) return ESP_FAIL;
    if (fk_nvs_gen_file(csv_path, p->size, dev->nvs_version, &image, err, errlen) != 0) return ESP_FAIL;
    esp_err_t e = flashkit_dev_flash(dev, p->address, image, p->size);
    free(image);
    return e;
}

esp_err_t flashkit_dev_peek(flashkit_dev_t *dev, uint32_t addr, void *out, size_t len)
{
    if (!dev || (!out && len)) return ESP_ERR_INVALID_ARG;
    if (addr > dev->emu.size || len > dev->emu.size - addr) return ESP_ERR_INVALID_SIZE;
    memcpy(out, dev->emu.mem + addr, len);
    return ESP_OK;
}

void flashkit_dev_cut_power(flashkit_dev_t *dev, uint64_t n, bool torn, uint32_t seed)
{
    fk_emu_set_cut(&dev->emu, n, torn ? FK_CUT_TORN : FK_CUT_ATOMIC, seed);
}

bool flashkit_dev_power_lost(const flashkit_dev_t *dev)
{
    return dev->emu.powered_off;
}

void flashkit_dev_power_on(flashkit_dev_t *dev)
{
    fk_emu_power_on(&dev->emu);
}

esp_err_t flashkit_dev_reboot(flashkit_dev_t *dev, flashkit_boot_info_t *info)
{
    if (info) memset(info, 0, sizeof *info);
    fk_emu_power_on(&dev->emu);
    flashkit_dev_select(dev);
    unmount_nvs(dev);
    fk_app_start(NULL);
    /* The bootloader reads the table again: it is the flash that survives. */
    fk_ptable_t t;
    esp_err_t e = fk_ptable_load(&t, &dev->emu.flash, dev->table_offset, 0);
    if (e != ESP_OK) return e;
    dev->table = t;
    fk_boot_opts_t bo = {.copy_app = fk_ota_config()->copy_app};
    static fk_boot_result_t r; /* a few KiB of tries and notes */
    e = fk_boot_run_opts(&dev->emu.flash, &dev->table, &bo, NULL, NULL, &r);
    if (info) {
        info->booted = e == ESP_OK ? r.booted : NULL;
        info->rolled_back = r.aborted != 0;
        snprintf(info->note, sizeof info->note, "%s", r.note);
    }
    return e;
}

void flashkit_dev_counters(const flashkit_dev_t *dev, flashkit_counters_t *out)
{
    const fk_emu_stats_t *s = &dev->emu.st;
    *out = (flashkit_counters_t){
        .reads = s->reads,
        .bytes_read = s->bytes_read,
        .writes = s->writes,
        .bytes_written = s->bytes_written,
        .erases = s->erases,
        .ops = s->ops,
        .nor_violations = s->nor_violations,
        .device_ns = fk_emu_device_ns(&dev->emu),
    };
}

void flashkit_dev_reset_counters(flashkit_dev_t *dev)
{
    fk_emu_reset_stats(&dev->emu);
}

uint32_t flashkit_dev_sector_erases(const flashkit_dev_t *dev, uint32_t addr)
{
    if (addr >= dev->emu.size) return 0;
    return dev->emu.sector_erases[addr / FK_SECTOR_SIZE];
}

typedef struct {
    uint8_t *buf;
    size_t len, cap;
} grow_t;

static int grow_put(void *ctx, const uint8_t *data, size_t len, fk_http_result_t *res)
{
    grow_t *g = ctx;
    if (g->len + len > g->cap) {
        size_t cap = g->cap ? g->cap : 65536;
        while (cap < g->len + len) cap *= 2;
        uint8_t *b = realloc(g->buf, cap);
        if (!b) {
            snprintf(res->error, sizeof res->error, "out of memory at %zu bytes", g->len);
            return 1;
        }
        g->buf = b;
        g->cap = cap;
    }
    memcpy(g->buf + g->len, data, len);
    g->len += len;
    return 0;
}

int flashkit_http_get(const char *url, uint64_t max_size, uint8_t **body, size_t *len, char *err, size_t errlen)
{
    fk_http_opts_t o;
    fk_http_opts_default(&o);
    o.max_size = max_size ? max_size : 64u << 20;
    fk_http_result_t res;
    grow_t g = {0};
    *body = NULL;
    *len = 0;
    if (fk_http_get(url, &o, grow_put, &g, &res) != 0) {
        seterr(err, errlen, "%s", res.error);
        free(g.buf);
        return -1;
    }
    *body = g.buf ? g.buf : malloc(1);
    *len = g.len;
    return 0;
}

void flashkit_sdkconfig_default(flashkit_sdkconfig_t *c)
{
    *c = (flashkit_sdkconfig_t){.check_sum = true, .check_hash = true};
}

void flashkit_sdkconfig_apply(const flashkit_sdkconfig_t *c)
{
    fk_ota_set_image_checks((c->check_sum ? FK_IMAGE_CHECK_SUM : 0u) | (c->check_hash ? FK_IMAGE_CHECK_HASH : 0u));
    fk_ota_set_copy_app(c->copy_app);
    fk_ota_set_rollback(c->rollback, c->anti_rollback);
}
