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
#include "opts.h"
#include "util.h"

static const char main_help[] =
    "usage: flashkit otadata <show|set|init|boot|api> ...   (flashkit otadata <cmd> --help)\n"
    "\n"
    "  show OTADATA.bin --slots N [--factory] [--test] [--json]\n"
    "        both select entries, their validity, and what the bootloader and\n"
    "        esp_ota_get_boot_partition() would choose, with the reason\n"
    "  set OTADATA.bin --slots N --target ota_K|factory [--rollback] [--state S [--entry A|B]]\n"
    "        rewrite it exactly as esp_ota_set_boot_partition() would; --state for recovery\n"
    "  init OUT.bin [--size N]\n"
    "        the erased initial otadata (0x2000 bytes of 0xFF)\n"
    "  boot OTADATA.bin --slots N [--rollback ...] -o OUT.bin\n"
    "        what the bootloader boots and the otadata it leaves (rollback states)\n"
    "  api OTADATA.bin --slots N --running NAME [--rollback ...] -o OUT.bin CALL [ARG]\n"
    "        one OTA / rollback API call: its result and the otadata after it\n";

static const char show_help[] =
    "usage: flashkit otadata show OTADATA.bin --slots N [--factory] [--test] [--rollback] [--json]\n"
    "\n"
    "Decodes both select entries (A at 0x0, B at 0x1000: seq, crc, valid or not)\n"
    "and shows the app the ESP8266 bootloader would start, why, the order in\n"
    "which it falls back when an image does not verify, and what the app's\n"
    "esp_ota_get_boot_partition() returns. The table is described by options:\n"
    "  --slots N     number of OTA app slots ota_0..ota_{N-1} (1..16)\n"
    "  --factory     the table has a factory app\n"
    "  --test        the table has a test app\n"
    "  --rollback    also what a bootloader built with app rollback starts\n"
    "                (ESP-IDF's entry states at offset 24: INVALID / ABORTED never count)\n"
    "  --json        machine-readable output\n";

static const char set_help[] =
    "usage: flashkit otadata set OTADATA.bin --slots N --target ota_K|factory [--rollback]\n"
    "       flashkit otadata set OTADATA.bin --slots N --state STATE [--entry A|B]\n"
    "\n"
    "Selects the app to boot as esp_ota_set_boot_partition() does: ota_K rewrites\n"
    "one sector (the next sequence number, label bytes kept, CRC); factory erases\n"
    "the whole partition. The file is replaced atomically. The image in the slot\n"
    "is not checked here (the file holds no image); use 'flashkit device' for that.\n"
    "It prints what the bootloader then starts; a write the bootloader would read\n"
    "otherwise is refused. --rollback: the rewrite of a rollback build (the base is\n"
    "the active entry, the new entry is NEW). --state NEW|PENDING_VERIFY|VALID|\n"
    "INVALID|ABORTED|UNDEFINED sets one entry's state word (offset 24), seq and CRC\n"
    "kept, for recovery: --entry names it, else the entry just written, else the\n"
    "newest entry with a valid CRC.\n";

static const char init_help[] =
    "usage: flashkit otadata init OUT.bin [--size N]\n"
    "\n"
    "Writes an erased otadata partition (N bytes of 0xFF, default 0x2000): the\n"
    "state after 'make erase_flash' or a fresh 'make flash'.\n";

typedef struct {
    const char *file;
    uint32_t slots;
    bool factory, test, json, rollback;
    const char *target, *state, *entry;
    uint32_t size;
} ota_args_t;

/* 0: go on; 1: --help printed; -1: error printed. */
static int parse_args(int argc, char **argv, ota_args_t *a, const char *help)
{
    memset(a, 0, sizeof *a);
    const char *slots = NULL, *size = NULL;
    const fk_opt_t opts[] = {
        {"--slots", NULL, FK_OPT_VALUE, &slots},
        {"--target", NULL, FK_OPT_VALUE, &a->target},
        {"--state", NULL, FK_OPT_VALUE, &a->state},
        {"--entry", NULL, FK_OPT_VALUE, &a->entry},
        {"--size", NULL, FK_OPT_VALUE, &size},
        {"--factory", NULL, FK_OPT_FLAG, &a->factory},
        {"--test", NULL, FK_OPT_FLAG, &a->test},
        {"--json", NULL, FK_OPT_FLAG, &a->json},
        {"--rollback", NULL, FK_OPT_FLAG, &a->rollback},
        FK_OPT_END,
    };
    char cmd[32];
    snprintf(cmd, sizeof cmd, "otadata %s", argv[0]);
    fk_opts_t o = {.cmd = cmd, .usage = help, .opts = opts, .pos = &a->file, .max_pos = 1};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc == 0 ? 1 : -1;
    if (slots && (!fk_parse_size(slots, &a->slots) || a->slots < 1 || a->slots > FK_OTA_MAX_SLOTS)) {
        fk_err("--slots %s: expected a number of OTA slots from 1 to 16", slots);
        return -1;
    }
    if (size && (!fk_parse_size(size, &a->size) || a->size < FK_OTADATA_SIZE || a->size % FK_SECTOR_SIZE)) {
        fk_err("--size %s: an otadata partition is a multiple of 4 KiB and at least 0x2000", size);
        return -1;
    }
    if (a->entry && strcmp(a->entry, "A") && strcmp(a->entry, "B")) {
        fk_err("--entry %s: expected A (offset 0x0) or B (offset 0x1000)", a->entry);
        return -1;
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

static const char *state_text(esp_ota_img_states_t st)
{
    static char buf[4][16];
    static int k;
    const char *n = fk_ota_state_name(st);
    if (n) return n;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof buf[0], "0x%08x", st);
    return b;
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
                printf("\"%s\"", index_label(&l, fk_otadata_boot_index(s[i].seq, a.slots), nb, sizeof nb));
            else
                printf("null");
            const char *sn = fk_ota_state_name(fk_ota_select_state(&s[i]));
            printf(",\"state\":");
            if (sn)
                printf("\"%s\"}", sn);
            else
                printf("%u}", fk_ota_select_state(&s[i]));
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
        if (a.rollback) {
            int act = fk_rb_active(s);
            if (act < 0)
                printf(",\"rollback_active_entry\":null,\"rollback_select\":\"%s\"", a.factory ? "factory" : "ota_0");
            else
                printf(",\"rollback_active_entry\":\"%c\",\"rollback_select\":\"%s\"", 'A' + act,
                       index_label(&l, fk_rb_slot(s[act].seq, a.slots), nb, sizeof nb));
        }
        printf("}\n");
    } else {
        printf("%s: %u bytes, %u OTA slot%s%s%s\n", a.file, d.len, a.slots, a.slots == 1 ? "" : "s",
               a.factory ? ", factory app" : "", a.test ? ", test app" : "");
        for (int i = 0; i < 2; i++) {
            printf("  entry %c (offset 0x%04x): ", 'A' + i, i * FK_SECTOR_SIZE);
            if (fk_ota_select_erased(&s[i]))
                printf("erased\n");
            else if (fk_ota_select_valid(&s[i]))
                printf("seq %u, crc 0x%08x ok -> %s, state %s\n", s[i].seq, s[i].crc,
                       index_label(&l, fk_otadata_boot_index(s[i].seq, a.slots), nb, sizeof nb),
                       state_text(fk_ota_select_state(&s[i])));
            else
                printf("seq %u, crc 0x%08x INVALID (expected 0x%08x), state %s\n", s[i].seq, s[i].crc,
                       fk_otadata_crc(s[i].seq), state_text(fk_ota_select_state(&s[i])));
        }
        printf("bootloader selects: %s (%s)\n", index_label(&l, sel.index, nb, sizeof nb), sel.why);
        if (a.rollback) {
            int act = fk_rb_active(s);
            if (act < 0)
                printf("with rollback:      %s (no usable entry: INVALID, ABORTED and erased ones never count)\n",
                       a.factory ? "factory" : "ota_0");
            else
                printf("with rollback:      %s (entry %c, seq %u, %s%s)\n",
                       index_label(&l, fk_rb_slot(s[act].seq, a.slots), nb, sizeof nb), 'A' + act,
                       s[act].seq, state_text(fk_ota_select_state(&s[act])),
                       fk_ota_select_state(&s[act]) == ESP_OTA_IMG_PENDING_VERIFY
                           ? ": never confirmed, the next boot aborts it"
                           : "");
        }
        printf("fallback order:     ");
        for (int i = 0; i < n; i++) printf("%s%s", i ? ", " : "", fk_boot_index_name(order[i], nb, sizeof nb));
        printf("%s\n", n ? "" : "(none)");
        printf("esp_ota_get_boot_partition(): %s\n", app ? app->label : "NULL");
    }
    fk_emu_close(&d.emu);
    return 0;
}

/* --target T as a bootloader index; -2 (and a message) when it is not one. */
static int target_index(const ota_args_t *a)
{
    if (!strcmp(a->target, "factory")) return FK_BOOT_FACTORY_INDEX;
    char *end = NULL;
    unsigned long k = 0;
    if (strncmp(a->target, "ota_", 4) != 0 || !a->target[4] || (k = strtoul(a->target + 4, &end, 10), *end)) {
        fk_err("--target %s: expected ota_K (K a slot number) or factory", a->target);
        return -2;
    }
    if (k >= a->slots) {
        fk_err("--target %s: the table has only %u OTA slots (ota_0..ota_%u)", a->target, a->slots, a->slots - 1);
        return -2;
    }
    return (int)k;
}

static int set(int argc, char **argv)
{
    ota_args_t a;
    int r = parse_args(argc, argv, &a, set_help);
    if (r) return r > 0 ? 0 : 2;
    if (!a.slots || (!a.target && !a.state)) {
        fk_err("otadata set: --slots N and --target ota_K|factory and/or --state STATE are required");
        return 2;
    }
    int idx = a.target ? target_index(&a) : 0;
    if (idx == -2) return 2;
    esp_ota_img_states_t state = 0;
    if (a.state && !fk_ota_state_parse(a.state, &state)) {
        fk_err("--state %s: expected NEW, PENDING_VERIFY, VALID, INVALID, ABORTED or UNDEFINED", a.state);
        return 2;
    }
    bool factory = a.target && idx == FK_BOOT_FACTORY_INDEX;
    if (factory && a.state) {
        fk_err("otadata set: --target factory erases otadata; there is no entry left for --state");
        return 2;
    }
    a.factory = a.factory || factory;
    ota_dev_t d;
    if (load_dev(&a, &d) != 0) return 1;
    fk_flash_t *f = &d.emu.flash;
    esp_err_t err = ESP_OK;
    fk_ota_select_t s[2];
    fk_otadata_read(f, 0, s);
    fk_otadata_plan_t plan = {0};
    int entry = a.entry ? a.entry[0] - 'A' : -1;
    if (factory) {
        err = fk_otadata_set_factory(f, 0, d.len);
    } else if (a.target) {
        /* esp_ota_set_boot_partition's rewrite: with rollback the base is the
         * active entry and the new entry is NEW (rollback.md §5). */
        err = fk_otadata_plan_from(s, a.rollback ? fk_rb_active(s) : fk_otadata_deciding(s), a.slots, (uint32_t)idx,
                                   a.rollback, &plan);
        if (err == ESP_OK && a.rollback) fk_ota_select_set_state(&plan.entry, ESP_OTA_IMG_NEW);
        if (err == ESP_OK) err = fk_otadata_apply(f, 0, &plan);
        if (entry < 0) entry = plan.sector;
    }
    if (err == ESP_OK && a.state) {
        /* Recovery: one entry's state, seq and CRC kept, in its own sector. */
        fk_otadata_read(f, 0, s);
        if (entry < 0) entry = fk_otadata_deciding(s);
        if (entry < 0) {
            fk_err("%s: no entry with a valid CRC to give a state; name one with --entry A|B", a.file);
            fk_emu_close(&d.emu);
            return 1;
        }
        err = fk_rb_set_state(f, 0, s, entry, state);
    }
    if (err != ESP_OK) {
        fk_err("%s: cannot select %s: %s", a.file, a.target ? a.target : "a state", esp_err_to_name(err));
        fk_emu_close(&d.emu);
        return 1;
    }
    /* Say what the bootloader will do, from what was written: the two never
     * disagree silently (issue 12). */
    fk_boot_layout_t l;
    fk_boot_layout(&d.table, &l);
    fk_boot_selection_t sel;
    fk_boot_select(f, &l, &sel);
    char nb[32];
    if (a.target && !a.rollback && sel.index != idx) {
        fk_err("%s: after this write the bootloader would start %s, not %s (%s); nothing written", a.file,
               index_label(&l, sel.index, nb, sizeof nb), a.target, sel.why);
        fk_emu_close(&d.emu);
        return 1;
    }
    if (fk_write_file_atomic(a.file, d.emu.mem, d.len) != 0) {
        fk_emu_close(&d.emu);
        return 1;
    }
    if (factory) {
        printf("%s: erased (%u bytes): the bootloader starts the factory app\n", a.file, d.len);
    } else {
        fk_otadata_read(f, 0, s);
        if (a.target)
            printf("%s: entry %c = seq %u, crc 0x%08x%s%s%s: ", a.file, 'A' + plan.sector, plan.entry.seq,
                   plan.entry.crc, plan.erase_other ? " (numbering restarted, the other entry erased)" : "",
                   a.rollback || a.state ? ", state " : "",
                   a.rollback || a.state ? state_text(fk_ota_select_state(&s[plan.sector])) : "");
        else
            printf("%s: entry %c state %s: ", a.file, 'A' + entry, state_text(state));
        if (a.rollback) {
            int act = fk_rb_active(s);
            printf("with rollback the bootloader starts %s\n",
                   act < 0 ? (a.factory ? "factory" : "ota_0")
                           : index_label(&l, fk_rb_slot(s[act].seq, a.slots), nb, sizeof nb));
        } else {
            printf("the bootloader starts %s\n", index_label(&l, sel.index, nb, sizeof nb));
        }
    }
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
