/* flashkit device create: a whole flash image, as `make flash` leaves a chip. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "device_opts.h"
#include "device_sbv2.h"
#include "esp_image_format.h"
#include "fk_nvs_crypt.h"
#include "fk_random.h"
#include "nvs_gen.h"
#include "part_gen.h"
#include "part_show.h"
#include "util.h"

static const char help[] =
    "usage: flashkit device create DEV.img --table TABLE --app IMAGE.bin [options]\n"
    "\n"
    "Assembles a device's flash like the SDK's `make flash` on an erased chip:\n"
    "partition table at the table offset, NVS partition generated from a CSV,\n"
    "otadata erased, the app in the first app slot (factory, else ota_0).\n"
    "The bootloader region is left erased unless --bootloader is given (the\n"
    "simulator's bootloader is flashkit's own).\n"
    "\n"
    "  --table T             two_ota | two_ota_1mb | singleapp | FILE.csv | FILE.bin\n"
    "  --app IMAGE.bin       app image for the first app slot (checked: valid, fits,\n"
    "                        linked for that slot on layouts up to 1 MB)\n"
    "  --flash-size SIZE     1MB, 2MB, 4MB (default), 8MB, 16MB\n"
    "  --table-offset N      default 0x8000\n"
    "  --nvs CREDS.csv       NVS key/value CSV (nvs_partition_gen.py format)\n"
    "  --nvs-version 1|2     NVS format: 1 (default, ESP8266 SDK 3.x) or 2\n"
    "  --nvs-keys KEYS.bin   encrypt the NVS partition (NVS encryption) with these\n"
    "                        keys (a key file: eky, tky, ...; 64 bytes at least);\n"
    "                        they go into the table's data/nvs_keys partition\n"
    "  --nvs-keygen          the same with fresh keys from the OS random source,\n"
    "                        kept only in the device's nvs_keys partition\n"
    "                        (a table without nvs_keys gets one: the last 4 KiB of\n"
    "                        the nvs partition, flagged encrypted)\n"
    "  --bootloader BL.bin   raw bytes to place at 0x0\n"
    "  --force               accept an app linked for another slot\n"
    FK_DEVICE_SBV2_HELP
    "  --power-cut N[:torn]  power fails at the N-th sector erase or write while\n"
    "                        flashing (exit status 3: a half-flashed device)\n"
    "  --seed S              randomness of a torn cut\n";

typedef struct {
    fk_device_t dev; /* only its --power-cut / --seed are used */
    const char *out, *table, *app, *nvs, *bootloader, *nvs_keys;
    uint32_t flash_size, table_offset;
    int nvs_version;
    bool force, nvs_keygen;
    fk_optlist_t sb_keys; /* --secure-boot-key (device_sbv2.c) */
} create_args_t;

static int parse(int argc, char **argv, create_args_t *a)
{
    memset(a, 0, sizeof *a);
    fk_device_init(&a->dev);
    a->flash_size = 4u << 20;
    a->table_offset = FK_PART_DEFAULT_OFFSET;
    a->nvs_version = 1;
    const char *flash_s = NULL, *toff_s = NULL, *nvsver_s = NULL;
    const char *pos[1] = {NULL};
    fk_device_optvals_t dv = {0};
    /* create's own --table-offset comes first and so shadows the common one. */
    const fk_opt_t table[] = {
        {"--table", NULL, FK_OPT_VALUE, &a->table},
        {"--app", NULL, FK_OPT_VALUE, &a->app},
        {"--nvs", NULL, FK_OPT_VALUE, &a->nvs},
        {"--bootloader", NULL, FK_OPT_VALUE, &a->bootloader},
        {"--flash-size", NULL, FK_OPT_VALUE, &flash_s},
        {"--table-offset", NULL, FK_OPT_VALUE, &toff_s},
        {"--nvs-version", NULL, FK_OPT_VALUE, &nvsver_s},
        {"--nvs-keys", NULL, FK_OPT_VALUE, &a->nvs_keys},
        {"--nvs-keygen", NULL, FK_OPT_FLAG, &a->nvs_keygen},
        {"--force", NULL, FK_OPT_FLAG, &a->force},
        {"--secure-boot-key", NULL, FK_OPT_LIST, &a->sb_keys},
        FK_DEVICE_COMMON_OPTS(&dv),
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "device create", .usage = help, .opts = table, .pos = pos, .max_pos = 1};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc ? -1 : 1;
    a->out = pos[0];
    if (fk_device_common_apply(&a->dev, &dv)) return -1;
    if (flash_s && fk_part_flash_size(flash_s, &a->flash_size) != 0) {
        fk_err("--flash-size %s: expected one of 1MB, 2MB, 4MB, 8MB, 16MB", flash_s);
        return -1;
    }
    if (toff_s && (!fk_parse_size(toff_s, &a->table_offset) || a->table_offset % 0x1000 || !a->table_offset)) {
        fk_err("--table-offset %s: expected a 4 KiB-aligned flash offset", toff_s);
        return -1;
    }
    if (nvsver_s) {
        if (strcmp(nvsver_s, "1") && strcmp(nvsver_s, "2") && strcmp(nvsver_s, "v1") && strcmp(nvsver_s, "v2")) {
            fk_err("--nvs-version %s: expected 1 or 2", nvsver_s);
            return -1;
        }
        a->nvs_version = nvsver_s[strlen(nvsver_s) - 1] - '0';
    }
    if (a->nvs_keys && a->nvs_keygen) {
        fk_err("device create: --nvs-keys and --nvs-keygen both given: choose one");
        return -1;
    }
    if (!a->out || !a->table) {
        fk_err("device create: DEV.img and --table are required (see --help)");
        return -1;
    }
    return 0;
}

static int place(uint8_t *flash, uint32_t flash_size, uint32_t addr, const uint8_t *data, size_t len,
                 uint32_t limit, const char *what, const char *file)
{
    if (len > limit || addr > flash_size || len > flash_size - addr) {
        fk_err("%s: %zu bytes do not fit the %s at 0x%x (%u bytes)", file, len, what, addr, limit);
        return -1;
    }
    memcpy(flash + addr, data, len);
    return 0;
}

/* Programs the assembled flash into a new device file as esptool would
 * (erase, then write, sector by sector, skipping erased ones), so a power
 * cut leaves a half-flashed device. The file appears under its name only
 * when done (or cut). Returns 0, FK_DEVICE_EXIT_POWER_CUT or -1. */
static int program(create_args_t *a, const uint8_t *flash)
{
    size_t n = strlen(a->out) + 16;
    char *tmp = malloc(n);
    if (!tmp) return -1;
    snprintf(tmp, n, "%s.tmpXXXXXX", a->out);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fk_err("%s: cannot create: %s", a->out, strerror(errno));
        free(tmp);
        return -1;
    }
    close(fd);
    fk_emu_t emu;
    if (fk_emu_open_file(&emu, tmp, a->flash_size, true) != 0) {
        fk_err("%s: %s", tmp, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (a->dev.cut_n) fk_emu_set_cut(&emu, a->dev.cut_n, a->dev.cut_mode, a->dev.seed);
    int rc = 0;
    for (uint32_t at = 0; at < a->flash_size && rc == 0; at += FK_SECTOR_SIZE) {
        const uint8_t *sec = flash + at;
        uint32_t k = 0;
        while (k < FK_SECTOR_SIZE && sec[k] == 0xFF) k++;
        if (k == FK_SECTOR_SIZE) continue;
        if (fk_flash_erase_range(&emu.flash, at, FK_SECTOR_SIZE) != ESP_OK ||
            fk_flash_write(&emu.flash, at, sec, FK_SECTOR_SIZE) != ESP_OK)
            rc = emu.powered_off ? FK_DEVICE_EXIT_POWER_CUT : -1;
    }
    if (rc == FK_DEVICE_EXIT_POWER_CUT) {
        a->dev.path = a->out;
        a->dev.emu.powered_off = true;
        fk_device_power_lost(&a->dev);
    }
    if (a->dev.count_ops) fk_device_print_ops(&a->dev, &emu);
    fk_emu_close(&emu);
    if (rc >= 0 && rename(tmp, a->out) != 0) {
        fk_err("%s: %s", a->out, strerror(errno));
        rc = -1;
    }
    if (rc < 0) unlink(tmp);
    free(tmp);
    return rc;
}

static const fk_part_entry_t *first_app(const fk_part_list_t *l)
{
    const fk_part_entry_t *e = fk_part_list_find(l, 0, 0x00);
    for (int s = 0x10; !e && s < 0x20; s++) e = fk_part_list_find(l, 0, s);
    return e;
}

/* The keys of an encrypted NVS: from a key file (the first 64 bytes, as
 * `nvs encrypt --inputkey` reads them) or fresh from the OS. */
static int nvs_keys_get(const create_args_t *a, nvs_sec_cfg_t *cfg)
{
    if (a->nvs_keygen) {
        do {
            if (fk_random_fill(cfg, sizeof *cfg) != 0) {
                fk_err("--nvs-keygen: the OS random source failed");
                return -1;
            }
        } while (fk_nvs_keys_halves_equal(cfg));
        return 0;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    if (fk_read_file(a->nvs_keys, &buf, &len) != 0) return -1;
    int rc = -1;
    if (len < sizeof *cfg) {
        fk_err("%s: %zu bytes; a key file holds eky and tky, 64 bytes at least", a->nvs_keys, len);
    } else {
        memcpy(cfg, buf, sizeof *cfg);
        if (fk_nvs_keys_halves_equal(cfg))
            fk_err("%s: the two 32-byte key halves (bytes 0-31 and 32-63) are equal, which XTS forbids",
                   a->nvs_keys);
        else
            rc = 0;
    }
    fk_nvs_crypt_wipe(buf, len);
    free(buf);
    return rc;
}

/* The table's data/nvs_keys partition; a table without one gets it from the
 * last sector of the nvs partition, so that no other partition moves (apps
 * stay where they were linked). Returns the row, or NULL (error printed). */
static const fk_part_entry_t *nvs_keys_part(create_args_t *a, fk_part_list_t *l, bool *carved)
{
    *carved = false;
    const fk_part_entry_t *k = fk_part_list_find(l, FK_PART_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS_KEYS);
    if (k) {
        if (k->size < FK_NVS_KEYS_PART_SIZE) {
            fk_err("%s: the nvs_keys partition '%s' is %u bytes; it needs %u", a->table, k->label, k->size,
                   FK_NVS_KEYS_PART_SIZE);
            return NULL;
        }
        return k;
    }
    const fk_part_entry_t *nvs = fk_part_list_find(l, FK_PART_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS);
    if (!nvs || nvs->size < 3 * FK_SECTOR_SIZE || l->count >= FK_PART_GEN_MAX ||
        fk_part_list_find_label(l, "nvs_keys")) {
        fk_err("%s: the table has no data/nvs_keys partition and no nvs partition of 3 sectors or more to take "
               "one from; add a row 'nvs_keys, data, nvs_keys, , 0x1000, encrypted'",
               a->table);
        return NULL;
    }
    int i = (int)(nvs - l->e);
    memmove(&l->e[i + 2], &l->e[i + 1], (size_t)(l->count - i - 1) * sizeof l->e[0]);
    memmove(&l->line[i + 2], &l->line[i + 1], (size_t)(l->count - i - 1) * sizeof l->line[0]);
    l->count++;
    l->e[i].size -= FK_NVS_KEYS_PART_SIZE;
    fk_part_entry_t *e = &l->e[i + 1];
    memset(e, 0, sizeof *e);
    e->type = FK_PART_TYPE_DATA;
    e->subtype = ESP_PARTITION_SUBTYPE_DATA_NVS_KEYS;
    e->offset = l->e[i].offset + l->e[i].size;
    e->size = FK_NVS_KEYS_PART_SIZE;
    strcpy(e->label, "nvs_keys");
    e->flags = FK_PART_FLAG_ENCRYPTED; /* as ESP-IDF tables mark it (flash encryption; none here) */
    l->line[i + 1] = 0;
    *carved = true;
    return e;
}

int device_create(int argc, char **argv)
{
    create_args_t a;
    int r = parse(argc, argv, &a);
    if (r) return r > 0 ? 0 : 2;
    static fk_part_list_t list;
    fk_part_opts_t o;
    fk_part_opts_default(&o);
    o.table_offset = a.table_offset;
    o.flash_size = a.flash_size;
    o.md5 = false; /* the SDK build passes --disable-md5sum */
    o.name = a.table;
    char err[512];
    if (fk_part_load_any(a.table, &o, &list, err, sizeof err) != 0) {
        fk_err("%s: %s", a.table, err);
        return 1;
    }
    bool encrypt = a.nvs_keys || a.nvs_keygen, carved = false;
    nvs_sec_cfg_t keys;
    const fk_part_entry_t *kp = NULL;
    if (encrypt && (nvs_keys_get(&a, &keys) != 0 || !(kp = nvs_keys_part(&a, &list, &carved)))) {
        fk_nvs_crypt_wipe(&keys, sizeof keys);
        return 1;
    }
    uint8_t table[FK_PART_TABLE_SIZE];
    if (fk_part_to_bin(&list, &o, table, err, sizeof err) != 0) {
        fk_err("%s: %s", a.table, err);
        return 1;
    }
    uint8_t *flash = malloc(a.flash_size);
    if (!flash) {
        fk_err("out of memory for a %u-byte flash", a.flash_size);
        return 1;
    }
    memset(flash, 0xFF, a.flash_size);
    int rc = 1;
    uint8_t *buf = NULL;
    size_t len;
    if (place(flash, a.flash_size, a.table_offset, table, sizeof table, FK_PART_TABLE_SIZE, "partition table",
              a.table))
        goto out;
    if (a.bootloader) {
        if (fk_read_file(a.bootloader, &buf, &len) != 0) goto out;
        if (place(flash, a.flash_size, 0, buf, len, a.table_offset, "bootloader region", a.bootloader)) goto out;
        free(buf);
        buf = NULL;
    }
    if (a.nvs) {
        const fk_part_entry_t *nvs = fk_part_list_find(&list, 1, 0x02);
        if (!nvs) {
            fk_err("%s: --nvs given but the table %s has no data/nvs partition", a.nvs, a.table);
            goto out;
        }
        uint8_t *img = NULL;
        if (fk_nvs_gen_file(a.nvs, nvs->size, a.nvs_version, &img, err, sizeof err) != 0) {
            fk_err("%s", err);
            goto out;
        }
        if (encrypt && fk_nvs_crypt_image(&keys, true, img, nvs->size) != ESP_OK) {
            fk_err("%s: encrypting the NVS image failed", a.nvs);
            free(img);
            goto out;
        }
        memcpy(flash + nvs->offset, img, nvs->size);
        free(img);
        printf("nvs       0x%06x  %s (NVS v%d, %u bytes%s)\n", nvs->offset, a.nvs, a.nvs_version, nvs->size,
               encrypt ? ", encrypted" : "");
    }
    if (encrypt) {
        /* The nvs_keys partition: the key block, the rest of the sector erased. */
        uint8_t blk[FK_NVS_KEYS_BLOCK];
        fk_nvs_keys_encode(&keys, blk);
        memcpy(flash + kp->offset, blk, sizeof blk);
        fk_nvs_crypt_wipe(blk, sizeof blk);
        printf("%-9s 0x%06x  %s%s\n", kp->label, kp->offset, a.nvs_keygen ? "new keys (OS random source)" : a.nvs_keys,
               carved ? " (last sector of nvs, added to the table)" : "");
    }
    if (a.app) {
        const fk_part_entry_t *app = first_app(&list);
        if (!app) {
            fk_err("%s: the table has no app partition for --app", a.table);
            goto out;
        }
        if (fk_read_file(a.app, &buf, &len) != 0) goto out;
        fk_image_info_t info;
        if (fk_image_verify_mem(buf, len, app->offset, app->size, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH,
                                &info) != ESP_OK) {
            fk_err("%s: not a valid app image for the %s slot at 0x%x: %s", a.app, app->label, app->offset,
                   info.reason);
            goto out;
        }
        char why[256];
        if (fk_image_check_slot(&info, app->offset, app->size, why, sizeof why) != ESP_OK) {
            if (!a.force) {
                fk_err("%s: %s (--force to place it anyway)", a.app, why);
                goto out;
            }
            fk_warn("%s: %s", a.app, why);
        }
        if (place(flash, a.flash_size, app->offset, buf, len, app->size, app->label, a.app)) goto out;
        printf("%-9s 0x%06x  %s (%zu bytes)\n", app->label, app->offset, a.app, len);
    } else {
        fk_warn("no --app: the device has no app and will not boot");
    }
    fk_sbv2_trust_t sb;
    if (fk_device_sbv2_prepare(&a.sb_keys, a.app ? buf : NULL, a.app ? len : 0, &sb)) goto out;
    int pr = program(&a, flash);
    if (pr != 0) {
        rc = pr > 0 ? pr : 1;
        goto out;
    }
    if (fk_device_sbv2_store(a.out, &sb)) goto out;
    printf("table     0x%06x  %s, %d partitions\n", a.table_offset, a.table, list.count);
    const fk_part_entry_t *od = fk_part_list_find(&list, 1, 0x00);
    if (od) printf("otadata   0x%06x  erased (first boot: %s)\n", od->offset,
                   fk_part_list_find(&list, 0, 0) ? "factory" : "ota_0");
    printf("%s: %u KB device created\n", a.out, a.flash_size / 1024);
    rc = 0;
out:
    if (encrypt) {
        fk_nvs_crypt_wipe(&keys, sizeof keys);
        fk_nvs_crypt_wipe(flash, a.flash_size);
    }
    free(buf);
    free(flash);
    return rc;
}
