#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/file.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "device_sbv2.h"
#include "device_opts.h"
#include "esp_image_format.h"
#include "esp_ota_ops.h"
#include "util.h"

static struct timespec t0;

void fk_device_init(fk_device_t *d)
{
    memset(d, 0, sizeof *d);
    d->seed = 1;
    d->checks = FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH;
    clock_gettime(CLOCK_MONOTONIC, &t0);
}

void fk_device_log(FILE *f, char level, const char *tag, const char *fmt, ...)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
    fprintf(f, "%c (%ld) %s: ", level, ms, tag);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}

int fk_device_common_apply(fk_device_t *d, const fk_device_optvals_t *o)
{
    if (o->power_cut) {
        const char *v = o->power_cut;
        char num[32];
        const char *colon = strchr(v, ':');
        size_t n = colon ? (size_t)(colon - v) : strlen(v);
        uint32_t k = 0;
        if (n == 0 || n >= sizeof num) goto bad_cut;
        memcpy(num, v, n);
        num[n] = 0;
        if (!fk_parse_size(num, &k) || k == 0) goto bad_cut;
        d->cut_n = k;
        d->cut_mode = FK_CUT_ATOMIC;
        if (colon) {
            if (!strcmp(colon + 1, "torn"))
                d->cut_mode = FK_CUT_TORN;
            else if (strcmp(colon + 1, "atomic"))
                goto bad_cut;
        }
        goto cut_ok;
    bad_cut:
        fk_err("--power-cut %s: expected N or N:torn with N >= 1 (the N-th flash write or erase)", v);
        return -1;
    }
cut_ok:
    if (o->seed && !fk_parse_size(o->seed, &d->seed)) {
        fk_err("--seed %s: expected a number", o->seed);
        return -1;
    }
    if (o->table_offset) {
        if (!fk_parse_size(o->table_offset, &d->table_offset_opt) || d->table_offset_opt % 0x1000 ||
            !d->table_offset_opt) {
            fk_err("--table-offset %s: expected a 4 KiB-aligned flash offset", o->table_offset);
            return -1;
        }
    }
    if (o->checks) {
        if (!strcmp(o->checks, "sum")) d->checks = FK_IMAGE_CHECK_SUM;
        else if (!strcmp(o->checks, "hash")) d->checks = FK_IMAGE_CHECK_HASH;
        else if (!strcmp(o->checks, "both")) d->checks = FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH;
        else {
            fk_err("--checks %s: expected sum, hash or both", o->checks);
            return -1;
        }
    }
    if (o->factory_reset) {
        if (strlen(o->factory_reset) >= sizeof d->reset_labels) {
            fk_err("--factory-reset: list too long");
            return -1;
        }
        strcpy(d->reset_labels, o->factory_reset);
        d->bopts.factory_reset = true;
        d->bopts.reset_otadata = true;
    }
    if (o->json) d->json = true;
    if (o->keep_otadata) d->reset_keep_otadata = true;
    if (o->app_test) d->bopts.app_test = true;
    if (o->app_test_in_ota1) d->bopts.app_test = d->bopts.app_test_in_ota1 = true;
    if (o->copy_app) d->bopts.copy_app = true;
    if (o->count_ops) d->count_ops = true;
    return 0;
}

static bool table_at(fk_device_t *d, uint32_t off)
{
    uint8_t m[2];
    if (off + FK_PART_TABLE_SIZE > d->emu.size) return false;
    memcpy(m, d->emu.mem + off, 2);
    if (m[0] != 0xAA || m[1] != 0x50) return false;
    return fk_ptable_load(&d->table, &d->emu.flash, off, 0) == ESP_OK && d->table.count > 0;
}

/* What is wrong with the table the bootloader would read at off, in words
 * naming the row and its flash offset. */
static void table_problem(fk_device_t *d, uint32_t off, char *why, size_t n)
{
    if (off + FK_PART_TABLE_SIZE > d->emu.size) {
        snprintf(why, n, "0x%x is beyond the end of the %u KB flash", off, d->emu.size / 1024);
        return;
    }
    const uint8_t *t = d->emu.mem + off;
    bool erased = true;
    for (uint32_t i = 0; i < FK_PART_TABLE_SIZE && erased; i++) erased = t[i] == 0xFF;
    if (erased) {
        snprintf(why, n, "0x%x: erased flash (all 0xFF), no table was written there", off);
        return;
    }
    for (uint32_t r = 0; r < FK_PART_MAX_ROWS; r++) {
        const uint8_t *row = t + r * FK_PART_ROW_SIZE;
        uint32_t at = off + r * FK_PART_ROW_SIZE;
        fk_part_entry_t e;
        if (fk_part_row_is_end(row)) {
            if (r == 0) snprintf(why, n, "0x%x: the table is empty (row 0 is the end row)", at);
            else snprintf(why, n, "0x%x: the table's rows are valid but rejected by the loader", off);
            return;
        }
        if (fk_part_row_magic_is(row, FK_PART_MD5_MAGIC)) continue;
        if (!fk_part_entry_decode(row, &e)) {
            snprintf(why, n,
                     "0x%x (row %u): magic %02x %02x is none of AA 50 (partition), EB EB (MD5) or FF FF (end)",
                     at, r, row[0], row[1]);
            return;
        }
        if ((uint64_t)e.offset + e.size > d->emu.size) {
            snprintf(why, n, "0x%x (row %u): partition '%s' at 0x%x, 0x%x bytes, runs past the end of the %u KB flash",
                     at, r, e.label, e.offset, e.size, d->emu.size / 1024);
            return;
        }
    }
    snprintf(why, n, "0x%x: no end row (FF FF) within %u rows", off, (unsigned)FK_PART_MAX_ROWS);
}

int fk_device_open(fk_device_t *d, const char *path)
{
    d->path = path;
    if (fk_emu_open_file(&d->emu, path, 0, false) != 0) {
        if (errno == EINVAL)
            fk_err("%s: not a device image (the size must be a non-zero multiple of 4 KiB; "
                   "make one with 'flashkit device create')", path);
        else
            fk_err("%s: %s", path, strerror(errno));
        return -1;
    }
    d->open = true;
    /* One command at a time per device, as one chip runs one program. */
    if (flock(d->emu.fd, LOCK_EX | LOCK_NB) != 0) {
        fk_err("%s: in use by another flashkit command", path);
        fk_device_close(d);
        return -1;
    }
    bool found = false;
    if (d->table_offset_opt) {
        found = table_at(d, d->table_offset_opt);
        d->table_offset = d->table_offset_opt;
        if (!found) {
            char why[256];
            table_problem(d, d->table_offset_opt, why, sizeof why);
            fk_err("%s: no valid partition table at 0x%x: %s", path, d->table_offset_opt, why);
            fk_device_close(d);
            return -1;
        }
    } else {
        /* The bootloader has the offset built in; the image does not say, so
         * look where SDK builds put it first, then at every sector below 1 MB. */
        if (table_at(d, FK_PART_DEFAULT_OFFSET)) {
            found = true;
            d->table_offset = FK_PART_DEFAULT_OFFSET;
        }
        uint32_t bad = d->emu.size >= FK_PART_DEFAULT_OFFSET + FK_PART_TABLE_SIZE &&
                               d->emu.mem[FK_PART_DEFAULT_OFFSET] != 0xFF ? FK_PART_DEFAULT_OFFSET : 0;
        for (uint32_t off = 0x1000; !found && off < d->emu.size && off < 0x100000; off += 0x1000) {
            if (off != FK_PART_DEFAULT_OFFSET && table_at(d, off)) {
                found = true;
                d->table_offset = off;
            } else if (!bad && off + 2 <= d->emu.size && d->emu.mem[off] == 0xAA && d->emu.mem[off + 1] == 0x50) {
                bad = off; /* looks like a table but does not load: say why */
            }
        }
        if (!found) {
            char why[256];
            table_problem(d, bad ? bad : FK_PART_DEFAULT_OFFSET, why, sizeof why);
            fk_err("%s: no valid partition table (looked at 0x8000 and every 4 KiB up to 1 MB): %s; "
                   "give --table-offset if it is elsewhere", path, why);
            fk_device_close(d);
            return -1;
        }
    }
    if (d->reset_keep_otadata) d->bopts.reset_otadata = false;
    /* --factory-reset labels name data partitions of this table. */
    d->bopts.nreset = 0;
    for (char *save = NULL, *lab = d->bopts.factory_reset ? strtok_r(d->reset_labels, ",", &save) : NULL; lab;
         lab = strtok_r(NULL, ",", &save)) {
        const esp_partition_t *p = NULL;
        for (int k = 0; k < d->table.count && !p; k++)
            if (d->table.part[k].type == ESP_PARTITION_TYPE_DATA && !strcmp(d->table.part[k].label, lab))
                p = &d->table.part[k];
        if (!p || d->bopts.nreset >= FK_BOOT_MAX_RESET) {
            if (p)
                fk_err("--factory-reset: at most %d partitions", FK_BOOT_MAX_RESET);
            else
                fk_err("--factory-reset: '%s' is not a data partition of the table in %s", lab, path);
            fk_device_close(d);
            return -1;
        }
        d->bopts.reset_parts[d->bopts.nreset++] = p;
    }
    fk_partition_set_table(&d->table);
    fk_ota_set_image_checks(d->checks);
    fk_ota_set_copy_app(d->bopts.copy_app);
    /* Secure Boot v2 when DEV.img.sbv2 holds key digests (device_sbv2.c). */
    if (fk_device_sbv2_apply(d) != 0) {
        fk_device_close(d);
        return -1;
    }
    fk_emu_reset_stats(&d->emu);
    if (d->cut_n) fk_emu_set_cut(&d->emu, d->cut_n, d->cut_mode, d->seed);
    return 0;
}

/* The figures issue 18 asks for: what the command cost the flash, counted
 * and priced with the ESP8266 timing model (port/flash_timing.h). */
void fk_device_print_ops(const fk_device_t *d, const fk_emu_t *emu)
{
    FILE *f = d->json ? stderr : stdout;
    const fk_emu_stats_t *st = &emu->st;
    fprintf(f, "flash operations: %" PRIu64 " (%" PRIu64 " erases, %" PRIu64 " writes of %" PRIu64 " bytes; %" PRIu64
               " reads of %" PRIu64 " bytes)\n",
            st->ops, st->erases, st->writes, st->bytes_written, st->reads, st->bytes_read);
    fprintf(f, "flash time on an ESP8266: %.2f s\n", (double)fk_emu_device_ns(emu) / 1e9);
}

void fk_device_close(fk_device_t *d)
{
    if (!d->open) return;
    if (d->count_ops) fk_device_print_ops(d, &d->emu);
    fk_partition_set_table(NULL);
    fk_emu_close(&d->emu);
    d->open = false;
}

bool fk_device_power_lost(fk_device_t *d)
{
    if (!d->emu.powered_off) return false;
    fprintf(stderr,
            "flashkit: power cut at flash operation %llu (%s) of this command: the device stopped here.\n"
            "flashkit: run 'flashkit device boot %s' to see what it does next.\n",
            (unsigned long long)d->cut_n, d->cut_mode == FK_CUT_TORN ? "torn" : "atomic", d->path);
    return true;
}

static const char *usage_name(const esp_partition_t *p)
{
    if (p->type == ESP_PARTITION_TYPE_APP) {
        if (p->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY) return "factory app";
        if (p->subtype == ESP_PARTITION_SUBTYPE_APP_TEST) return "test app";
        if ((p->subtype & 0xF0) == 0x10) return "OTA app";
    } else if (p->type == ESP_PARTITION_TYPE_DATA) {
        if (p->subtype == ESP_PARTITION_SUBTYPE_DATA_OTA) return "OTA data";
        if (p->subtype == ESP_PARTITION_SUBTYPE_DATA_PHY) return "RF data";
        if (p->subtype == ESP_PARTITION_SUBTYPE_DATA_NVS) return "WiFi data";
    }
    return "unknown";
}

static fk_image_info_t boot_image;

int fk_device_boot(fk_device_t *d, fk_boot_result_t *r, int verbose)
{
    /* The simulated bootloader reads images in 4 KiB pieces, as a real one
     * can (its RAM is free until the app starts: one pass of a 1 MiB image
     * in 117.5 ms modelled instead of 131.1 in 256-byte reads); the app
     * after it gets the default back. */
    static uint8_t boot_buf[4096];
    uint8_t *app_buf = fk_ota_config()->read_buf;
    size_t app_len = fk_ota_config()->read_buf_len;
    fk_ota_set_read_buffer(boot_buf, sizeof boot_buf);
    esp_err_t err = fk_boot_run_opts(&d->emu.flash, &d->table, &d->bopts, NULL, NULL, r);
    fk_ota_set_read_buffer(app_buf, app_len);
    if (d->emu.powered_off) return -1; /* the bootloader itself was writing */
    if (!verbose) return err == ESP_OK ? 0 : -1;
    FILE *f = stdout;
    fk_device_log(f, 'I', "boot", "flashkit ESP8266 bootloader (simulated): %s, %u KB flash, partition table at 0x%x",
                  d->path, d->emu.size / 1024, d->table_offset);
    if (verbose > 1) {
        fk_device_log(f, 'I', "boot", "## Label            Usage          Type ST Offset   Length");
        for (int i = 0; i < d->table.count; i++) {
            const esp_partition_t *p = &d->table.part[i];
            fk_device_log(f, 'I', "boot", "%2d %-16s %-14s %02x   %02x %08x %08x", i, p->label, usage_name(p),
                          p->type, p->subtype, p->address, p->size);
        }
    }
    if (r->note[0]) fk_device_log(f, 'I', "boot", "%s", r->note);
    fk_device_log(f, 'I', "boot", "start: %s", r->sel.why);
    for (int i = 0; i < r->ntries; i++) {
        char name[16];
        fk_boot_index_name(r->tries[i].index, name, sizeof name);
        if (r->tries[i].result != ESP_OK)
            fk_device_log(f, 'E', "boot", "%s at 0x%08x not bootable: %s", name, r->tries[i].part->address,
                          r->tries[i].reason);
    }
    if (err != ESP_OK) {
        fk_device_log(f, 'E', "boot", "No bootable app partitions in the partition table");
        return -1;
    }
    fk_device_log(f, 'I', "boot", "Loaded app from partition at offset 0x%x", r->booted->address);
    /* The real chip would jump and crash; say so instead. */
    uint32_t linked;
    if (fk_image_verify(&d->emu.flash, r->booted->address, r->booted->size, d->checks, &boot_image) == ESP_OK &&
        fk_image_linked_offset(&boot_image, &linked) && ((linked ^ r->booted->address) & 0xFFFFF))
        fk_device_log(f, 'W', "boot",
                      "this image is linked to run from 0x%x but sits at 0x%x: on an ESP8266 it would crash",
                      linked, r->booted->address);
    return 0;
}

void fk_device_print_running(FILE *f)
{
    const esp_partition_t *configured = esp_ota_get_boot_partition();
    const esp_partition_t *running = esp_ota_get_running_partition();
    if (!running) return;
    if (configured && configured != running) {
        fk_device_log(f, 'W', "ota", "Configured OTA boot partition at offset 0x%08x, but running from offset 0x%08x",
                      configured->address, running->address);
        fk_device_log(f, 'W', "ota",
                      "(This can happen if either the OTA boot data or preferred boot image become corrupted somehow.)");
    }
    fk_device_log(f, 'I', "ota", "Running partition type %d subtype %d (offset 0x%08x)", running->type,
                  running->subtype, running->address);
}

static void field(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = 0;
}

void fk_device_print_app(FILE *f, const esp_app_desc_t *desc)
{
    char ver[33], name[33], tm[17], date[17], idf[33];
    field(ver, desc->version, 32);
    field(name, desc->project_name, 32);
    field(tm, desc->time, 16);
    field(date, desc->date, 16);
    field(idf, desc->idf_ver, 32);
    fk_device_log(f, 'I', "app", "Project name:     %s", name);
    fk_device_log(f, 'I', "app", "App version:      %s", ver);
    fk_device_log(f, 'I', "app", "Compile time:     %s %s", date, tm);
    char sha[17];
    for (int i = 0; i < 8; i++) snprintf(sha + 2 * i, 3, "%02x", desc->app_elf_sha256[i]);
    fk_device_log(f, 'I', "app", "ELF file SHA256:  %s...", sha);
    fk_device_log(f, 'I', "app", "SDK version:      %s", idf);
}
