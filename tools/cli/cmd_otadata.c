/* flashkit otadata show|set|init: what ESP-IDF's otatool.py does for the
 * otadata partition, through the same core code the device runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_select.h"
#include "commands.h"
#include "esp_ota_ops.h"
#include "flash_emu.h"
#include "otadata.h"
#include "otadata_model.h"
#include "util.h"

static const char main_help[] =
    "usage: flashkit otadata <show|set|init|boot|api> ...   (flashkit otadata <cmd> --help)\n"
    "\n"
    "  show OTADATA.bin --slots N [--factory] [--test] [--json]\n"
    "        both select entries, their validity, and what the bootloader and\n"
    "        esp_ota_get_boot_partition() would choose, with the reason\n"
    "  set OTADATA.bin --slots N --target ota_K|factory\n"
    "        rewrite it exactly as esp_ota_set_boot_partition() would\n"
    "  init OUT.bin [--size N]\n"
    "        the erased initial otadata (0x2000 bytes of 0xFF)\n"
    "  boot OTADATA.bin --slots N [--rollback ...] -o OUT.bin\n"
    "        what the bootloader boots and the otadata it leaves (rollback states)\n"
    "  api OTADATA.bin --slots N --running NAME [--rollback ...] -o OUT.bin CALL [ARG]\n"
    "        one OTA / rollback API call: its result and the otadata after it\n";

static const char show_help[] =
    "usage: flashkit otadata show OTADATA.bin --slots N [--factory] [--test] [--json]\n"
    "\n"
    "Decodes both select entries (A at 0x0, B at 0x1000: seq, crc, valid or not)\n"
    "and shows the app the ESP8266 bootloader would start, why, the order in\n"
    "which it falls back when an image does not verify, and what the app's\n"
    "esp_ota_get_boot_partition() returns. The table is described by options:\n"
    "  --slots N     number of OTA app slots ota_0..ota_{N-1} (1..16)\n"
    "  --factory     the table has a factory app\n"
    "  --test        the table has a test app\n"
    "  --json        machine-readable output\n";

static const char set_help[] =
    "usage: flashkit otadata set OTADATA.bin --slots N --target ota_K|factory\n"
    "\n"
    "Selects the app to boot as esp_ota_set_boot_partition() does: ota_K rewrites\n"
    "one sector (the next sequence number, label bytes kept, CRC); factory erases\n"
    "the whole partition. The file is replaced atomically. The image in the slot\n"
    "is not checked here (the file holds no image); use 'flashkit device' for that.\n";

static const char init_help[] =
    "usage: flashkit otadata init OUT.bin [--size N]\n"
    "\n"
    "Writes an erased otadata partition (N bytes of 0xFF, default 0x2000): the\n"
    "state after 'make erase_flash' or a fresh 'make flash'.\n";

typedef struct {
    const char *file;
    uint32_t slots;
    bool factory, test, json;
    const char *target;
    uint32_t size;
} ota_args_t;

static int parse_args(int argc, char **argv, ota_args_t *a, const char *help)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *v;
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(help, stdout);
            return 1;
        } else if (fk_opt_value(argc, argv, &i, "--slots", &v)) {
            if (!v) return -1;
            if (!fk_parse_size(v, &a->slots) || a->slots < 1 || a->slots > FK_OTA_MAX_SLOTS) {
                fk_err("--slots %s: expected a number of OTA slots from 1 to 16", v);
                return -1;
            }
        } else if (fk_opt_value(argc, argv, &i, "--target", &v)) {
            if (!v) return -1;
            a->target = v;
        } else if (fk_opt_value(argc, argv, &i, "--size", &v)) {
            if (!v) return -1;
            if (!fk_parse_size(v, &a->size) || a->size < FK_OTADATA_SIZE || a->size % FK_SECTOR_SIZE) {
                fk_err("--size %s: an otadata partition is a multiple of 4 KiB and at least 0x2000", v);
                return -1;
            }
        } else if (!strcmp(s, "--factory")) {
            a->factory = true;
        } else if (!strcmp(s, "--test")) {
            a->test = true;
        } else if (!strcmp(s, "--json")) {
            a->json = true;
        } else if (s[0] == '-' && s[1]) {
            fk_err("otadata %s: unknown option %s (see --help)", argv[0], s);
            return -1;
        } else if (!a->file) {
            a->file = s;
        } else {
            fk_err("otadata %s: unexpected argument %s (see --help)", argv[0], s);
            return -1;
        }
    }
    if (!a->file) {
        fk_err("otadata %s: missing the otadata file (see --help)", argv[0]);
        return -1;
    }
    return 0;
}

/* The otadata file as a flash, plus a table with the described apps: the
 * real API then answers as it would on a device. Apps sit past the otadata
 * (nothing reads them here). */
typedef struct {
    fk_emu_t emu;
    fk_ptable_t table;
    uint32_t len;
} ota_dev_t;

static void add_part(fk_ptable_t *t, fk_flash_t *flash, int type, int subtype, uint32_t addr, uint32_t size,
                     const char *label)
{
    esp_partition_t *p = &t->part[t->count++];
    memset(p, 0, sizeof *p);
    p->type = (esp_partition_type_t)type;
    p->subtype = (esp_partition_subtype_t)subtype;
    p->address = addr;
    p->size = size;
    p->flash = flash;
    snprintf(p->label, sizeof p->label, "%s", label);
}

static int load_dev(const ota_args_t *a, ota_dev_t *d)
{
    uint8_t *data;
    size_t len;
    if (fk_read_file(a->file, &data, &len) != 0) return -1;
    if (len < FK_OTADATA_SIZE || len % FK_SECTOR_SIZE || len > 0x100000) {
        fk_err("%s: %zu bytes; an otadata partition is a multiple of 4 KiB, at least 0x2000 bytes "
               "(the bootloader refuses a smaller one)", a->file, len);
        free(data);
        return -1;
    }
    if (fk_emu_init_mem(&d->emu, (uint32_t)len) != 0) {
        fk_err("out of memory");
        free(data);
        return -1;
    }
    fk_emu_load(&d->emu, 0, data, (uint32_t)len);
    free(data);
    d->len = (uint32_t)len;
    fk_ptable_t *t = &d->table;
    memset(t, 0, sizeof *t);
    t->flash = &d->emu.flash;
    fk_flash_t *f = &d->emu.flash;
    uint32_t at = 0x100000;
    add_part(t, f, 1, 0, 0, (uint32_t)len, "otadata");
    if (a->factory) add_part(t, f, 0, 0, at += 0x100000, 0x100000, "factory");
    for (uint32_t i = 0; i < a->slots; i++) {
        char name[16];
        snprintf(name, sizeof name, "ota_%u", i);
        add_part(t, f, 0, 0x10 + (int)i, at += 0x100000, 0x100000, name);
    }
    if (a->test) add_part(t, f, 0, 0x20, at += 0x100000, 0x100000, "test");
    fk_partition_set_table(t);
    return 0;
}

static const char *index_label(const fk_boot_layout_t *l, int idx, char *buf, size_t len)
{
    if (idx == FK_BOOT_FACTORY_INDEX && !l->factory) return "factory_index(no factory)";
    return fk_boot_index_name(idx, buf, len);
}

static int show(int argc, char **argv)
{
    ota_args_t a;
    int r = parse_args(argc, argv, &a, show_help);
    if (r) return r > 0 ? 0 : 2;
    if (!a.slots) {
        fk_err("otadata show: --slots N is required (the number of OTA app partitions)");
        return 2;
    }
    ota_dev_t d;
    if (load_dev(&a, &d) != 0) return 1;
    fk_flash_t *f = &d.emu.flash;
    fk_ota_select_t s[2];
    fk_otadata_read(f, 0, s);
    fk_boot_layout_t l;
    fk_boot_layout(&d.table, &l);
    fk_boot_selection_t sel;
    fk_boot_select(f, &l, &sel);
    int order[FK_BOOT_MAX_TRIES];
    int n = fk_boot_try_order(&l, sel.index, order);
    const esp_partition_t *app = esp_ota_get_boot_partition();
    char nb[32];

    if (a.json) {
        printf("{\"file\":");
        fk_json_str(stdout, a.file);
        printf(",\"size\":%u,\"slots\":%u,\"factory\":%s,\"test\":%s,\"entries\":[", d.len, a.slots,
               a.factory ? "true" : "false", a.test ? "true" : "false");
        for (int i = 0; i < 2; i++) {
            bool valid = fk_ota_select_valid(&s[i]);
            printf("%s{\"name\":\"%c\",\"offset\":%u,\"seq\":%u,\"crc\":%u,\"crc_expected\":%u,"
                   "\"erased\":%s,\"valid\":%s,\"slot\":",
                   i ? "," : "", 'A' + i, i * FK_SECTOR_SIZE, s[i].seq, s[i].crc, fk_otadata_crc(s[i].seq),
                   fk_ota_select_erased(&s[i]) ? "true" : "false", valid ? "true" : "false");
            if (valid)
                printf("\"ota_%u\"}", (s[i].seq - 1u) % a.slots);
            else
                printf("null}");
        }
        printf("],\"bootloader_select\":\"%s\",\"reason\":", index_label(&l, sel.index, nb, sizeof nb));
        fk_json_str(stdout, sel.otadata_read ? sel.otadata.why : sel.why);
        printf(",\"why\":");
        fk_json_str(stdout, sel.why);
        printf(",\"try_order\":[");
        for (int i = 0; i < n; i++) printf("%s\"%s\"", i ? "," : "", fk_boot_index_name(order[i], nb, sizeof nb));
        printf("],\"app_boot_partition\":");
        if (app)
            fk_json_str(stdout, app->label);
        else
            printf("null");
        printf("}\n");
    } else {
        printf("%s: %u bytes, %u OTA slot%s%s%s\n", a.file, d.len, a.slots, a.slots == 1 ? "" : "s",
               a.factory ? ", factory app" : "", a.test ? ", test app" : "");
        for (int i = 0; i < 2; i++) {
            printf("  entry %c (offset 0x%04x): ", 'A' + i, i * FK_SECTOR_SIZE);
            if (fk_ota_select_erased(&s[i]))
                printf("erased\n");
            else if (fk_ota_select_valid(&s[i]))
                printf("seq %u, crc 0x%08x ok -> ota_%u\n", s[i].seq, s[i].crc, (s[i].seq - 1u) % a.slots);
            else
                printf("seq %u, crc 0x%08x INVALID (expected 0x%08x)\n", s[i].seq, s[i].crc,
                       fk_otadata_crc(s[i].seq));
        }
        printf("bootloader selects: %s (%s)\n", index_label(&l, sel.index, nb, sizeof nb), sel.why);
        printf("fallback order:     ");
        for (int i = 0; i < n; i++) printf("%s%s", i ? ", " : "", fk_boot_index_name(order[i], nb, sizeof nb));
        printf("%s\n", n ? "" : "(none)");
        printf("esp_ota_get_boot_partition(): %s\n", app ? app->label : "NULL");
    }
    fk_emu_close(&d.emu);
    return 0;
}

static int set(int argc, char **argv)
{
    ota_args_t a;
    int r = parse_args(argc, argv, &a, set_help);
    if (r) return r > 0 ? 0 : 2;
    if (!a.slots || !a.target) {
        fk_err("otadata set: --slots N and --target ota_K|factory are required");
        return 2;
    }
    bool factory = !strcmp(a.target, "factory");
    char *end = NULL;
    unsigned long k = 0;
    if (!factory) {
        if (strncmp(a.target, "ota_", 4) != 0 || !a.target[4] || (k = strtoul(a.target + 4, &end, 10), *end)) {
            fk_err("--target %s: expected ota_K (K a slot number) or factory", a.target);
            return 2;
        }
        if (k >= a.slots) {
            fk_err("--target %s: the table has only %u OTA slots (ota_0..ota_%u)", a.target, a.slots, a.slots - 1);
            return 2;
        }
    }
    a.factory = a.factory || factory;
    ota_dev_t d;
    if (load_dev(&a, &d) != 0) return 1;
    fk_flash_t *f = &d.emu.flash;
    esp_err_t err;
    fk_ota_select_t s[2];
    fk_otadata_read(f, 0, s);
    fk_otadata_plan_t plan = {0};
    if (factory) {
        err = fk_otadata_set_factory(f, 0, d.len);
    } else {
        err = fk_otadata_plan(s, a.slots, (uint32_t)k, &plan);
        if (err == ESP_OK) err = fk_otadata_apply(f, 0, &plan);
    }
    if (err != ESP_OK) {
        fk_err("%s: cannot select %s: %s", a.file, a.target,
               err == ESP_ERR_OTA_SELECT_INFO_INVALID ? "the sequence numbers are exhausted (seq near 0xFFFFFFFF)"
                                                      : esp_err_to_name(err));
        fk_emu_close(&d.emu);
        return 1;
    }
    if (fk_write_file_atomic(a.file, d.emu.mem, d.len) != 0) {
        fk_emu_close(&d.emu);
        return 1;
    }
    if (factory)
        printf("%s: erased (%u bytes): the bootloader starts the factory app\n", a.file, d.len);
    else
        printf("%s: entry %c = seq %u, crc 0x%08x: the bootloader starts %s\n", a.file, 'A' + plan.sector,
               plan.entry.seq, plan.entry.crc, a.target);
    fk_emu_close(&d.emu);
    return 0;
}

static int init(int argc, char **argv)
{
    ota_args_t a;
    int r = parse_args(argc, argv, &a, init_help);
    if (r) return r > 0 ? 0 : 2;
    uint32_t size = a.size ? a.size : FK_OTADATA_SIZE;
    uint8_t *buf = malloc(size);
    if (!buf) {
        fk_err("out of memory");
        return 1;
    }
    memset(buf, 0xFF, size);
    int rc = fk_write_file_atomic(a.file, buf, size) == 0 ? 0 : 1;
    free(buf);
    return rc;
}

int cmd_otadata(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_help, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        fputs(main_help, stdout);
        return 0;
    }
    if (!strcmp(sub, "show")) return show(argc - 1, argv + 1);
    if (!strcmp(sub, "set")) return set(argc - 1, argv + 1);
    if (!strcmp(sub, "init")) return init(argc - 1, argv + 1);
    if (!strcmp(sub, "boot")) return otadata_boot(argc - 1, argv + 1);
    if (!strcmp(sub, "api")) return otadata_api(argc - 1, argv + 1);
    fk_err("otadata: unknown subcommand '%s' (show, set, init, boot, api)", sub);
    return 2;
}
