/* flashkit new: a project folder whose sdkconfig, partition table and app
 * locations agree, so that `flashkit build` works at once. */
#include "project.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"

typedef struct {
    const char *size_str; /* "1MB" */
    fk_table_kind_t table;
    uint32_t table_offset;
    bool app2; /* CONFIG_APP2_SUPPORT visible and on */
    bool app2_visible;
    uint32_t app1_off, app1_size, app2_off, app2_size;
    const char *csv; /* custom table text, NULL for built-in */
} scaffold_t;

/* The notes' 1 MB layout: App1 0x5000/0x7B000, App2 0x85000/0x7B000. The
 * table goes below App1, at 0x4000, leaving 16 KiB for the bootloader. */
static const char custom_1mb[] =
    "# Partition table of this project (gen_esp32part.py CSV; see flashkit partition --help).\n"
    "# The layout of the ESP8266 RTOS SDK 3.x notes for 1 MB flash: two 0x7B000-byte app\n"
    "# slots, each linked for its own offset (App1 = ota_0, App2 = ota_1).\n"
    "# sdkconfig must say the same: CONFIG_PARTITION_TABLE_OFFSET=0x4000,\n"
    "# CONFIG_APP2_SUPPORT=y, CONFIG_APP1_OFFSET=0x5000, CONFIG_APP1_SIZE=0x7B000,\n"
    "# CONFIG_APP2_OFFSET=0x85000, CONFIG_APP2_SIZE=0x7B000. `flashkit build` checks it.\n"
    "# The table sits at 0x4000-0x4fff; the bootloader below it.\n"
    "# Name,   Type, SubType, Offset,  Size,    Flags\n"
    "ota_0,    app,  ota_0,   0x5000,  0x7B000,\n"
    "otadata,  data, ota,     0x80000, 0x2000,\n"
    "nvs,      data, nvs,     0x82000, 0x3000,\n"
    "ota_1,    app,  ota_1,   0x85000, 0x7B000,\n";

static const char custom_2mb[] =
    "# Partition table of this project (gen_esp32part.py CSV; see flashkit partition --help).\n"
    "# Two OTA slots 1 MiB apart, so one app binary runs from either (an ESP8266 app is\n"
    "# linked for its offset within a 1 MiB window).\n"
    "# sdkconfig must say the same for the boot slot: CONFIG_APP1_OFFSET=0x10000,\n"
    "# CONFIG_APP1_SIZE=0xF0000. `flashkit build` checks it.\n"
    "# Name,   Type, SubType, Offset,   Size,    Flags\n"
    "nvs,      data, nvs,     0x9000,   0x4000,\n"
    "otadata,  data, ota,     0xd000,   0x2000,\n"
    "phy_init, data, phy,     0xf000,   0x1000,\n"
    "ota_0,    app,  ota_0,   0x10000,  0xF0000,\n"
    "ota_1,    app,  ota_1,   0x110000, 0xF0000,\n";

static const char custom_4mb[] =
    "# Partition table of this project (gen_esp32part.py CSV; see flashkit partition --help).\n"
    "# Two OTA slots 1 MiB apart, so one app binary runs from either (an ESP8266 app is\n"
    "# linked for its offset within a 1 MiB window), and 2 MiB of storage.\n"
    "# sdkconfig must say the same for the boot slot: CONFIG_APP1_OFFSET=0x10000,\n"
    "# CONFIG_APP1_SIZE=0xF0000. `flashkit build` checks it.\n"
    "# Name,   Type, SubType, Offset,   Size,    Flags\n"
    "nvs,      data, nvs,     0x9000,   0x4000,\n"
    "otadata,  data, ota,     0xd000,   0x2000,\n"
    "phy_init, data, phy,     0xf000,   0x1000,\n"
    "ota_0,    app,  ota_0,   0x10000,  0xF0000,\n"
    "ota_1,    app,  ota_1,   0x110000, 0xF0000,\n"
    "storage,  data, spiffs,  0x200000, 0x200000,\n";

/* The credentials template of the notes (namespace aliyun-key). No comment
 * lines: the SDK 3.4 generator would take one for the header. */
static const char nvs_csv[] =
    "key,type,encoding,value\n"
    "aliyun-key,namespace,,\n"
    "DeviceName,data,string,config\n"
    "DeviceSecret,data,string,dsj3RuY74pgCBJ3zczKz1LaLK7RGApqh\n"
    "ProductKey,data,string,a10BnLLzGv4\n"
    "ProductSecret,data,string,pVfLpS1u3A9JM0go\n";

static void plan(const fk_new_opts_t *o, scaffold_t *s)
{
    bool mb1 = o->flash_size == 0x100000;
    memset(s, 0, sizeof *s);
    s->size_str = mb1 ? "1MB" : o->flash_size == 0x200000 ? "2MB" : "4MB";
    s->table = o->table;
    s->table_offset = 0x8000;
    s->app2_visible = mb1 && o->table != FK_TABLE_SINGLE_APP;
    s->app1_off = 0x10000;
    s->app1_size = 0xF0000;
    if (o->table == FK_TABLE_TWO_OTA && mb1) {
        s->app2 = true;
        s->app1_size = 0x70000;
        s->app2_off = 0x80000;
        s->app2_size = 0x70000;
    }
    if (o->table == FK_TABLE_CUSTOM) {
        s->csv = mb1 ? custom_1mb : o->flash_size == 0x200000 ? custom_2mb : custom_4mb;
        if (mb1) {
            s->app2 = true;
            s->table_offset = 0x4000;
            s->app1_off = 0x5000;
            s->app1_size = 0x7B000;
            s->app2_off = 0x85000;
            s->app2_size = 0x7B000;
        }
    }
}

static const char *table_opt(fk_table_kind_t t)
{
    return t == FK_TABLE_SINGLE_APP ? "CONFIG_PARTITION_TABLE_SINGLE_APP"
           : t == FK_TABLE_TWO_OTA  ? "CONFIG_PARTITION_TABLE_TWO_OTA"
                                    : "CONFIG_PARTITION_TABLE_CUSTOM";
}

static void write_defaults(FILE *f, const fk_new_opts_t *o, const scaffold_t *s)
{
    fprintf(f, "# Configuration defaults of %s (ESP8266 RTOS SDK 3.x option names).\n"
               "# `flashkit defconfig` applies them to sdkconfig; `flashkit menuconfig` edits sdkconfig.\n\n",
            o->name);
    fprintf(f, "# Serial flasher config\nCONFIG_ESPTOOLPY_FLASHSIZE_%s=y\n\n", s->size_str);
    fprintf(f, "# Partition Table\n%s=y\n", table_opt(s->table));
    if (s->table == FK_TABLE_CUSTOM) fprintf(f, "CONFIG_PARTITION_TABLE_CUSTOM_FILENAME=\"partitions.csv\"\n");
    fprintf(f, "CONFIG_PARTITION_TABLE_OFFSET=0x%X\n", s->table_offset);
    fprintf(f, "# App locations: must be the same as the partition table.\n");
    if (s->app2_visible) fprintf(f, s->app2 ? "CONFIG_APP2_SUPPORT=y\n" : "# CONFIG_APP2_SUPPORT is not set\n");
    fprintf(f, "CONFIG_APP1_OFFSET=0x%X\nCONFIG_APP1_SIZE=0x%X\n", s->app1_off, s->app1_size);
    if (s->app2) fprintf(f, "CONFIG_APP2_OFFSET=0x%X\nCONFIG_APP2_SIZE=0x%X\n", s->app2_off, s->app2_size);
    fprintf(f, "\n# NVS image built from nvs.csv (format v1 for SDK 3.x firmware)\n"
               "CONFIG_FLASHKIT_NVS_CSV=\"nvs.csv\"\nCONFIG_FLASHKIT_NVS_VERSION=1\n"
               "# Until the project has its own firmware: flashkit's demo app, built for the boot slot\n"
               "CONFIG_FLASHKIT_DEMO_APP=y\nCONFIG_FLASHKIT_DEMO_APP_VERSION=\"1.0.0\"\n");
}

static void choice(FILE *f, const char *prefix, const char *const *vals, int n, const char *chosen)
{
    for (int i = 0; i < n; i++) {
        if (!strcmp(vals[i], chosen))
            fprintf(f, "CONFIG_%s_%s=y\n", prefix, vals[i]);
        else
            fprintf(f, "# CONFIG_%s_%s is not set\n", prefix, vals[i]);
    }
}

/* Written in the exact form kconfig-conf gives for sdkconfig.defaults, so
 * that a later `flashkit defconfig` changes nothing. */
static void write_sdkconfig(FILE *f, const scaffold_t *s)
{
    static const char *const modes[] = {"QIO", "QOUT", "DIO", "DOUT"};
    static const char *const freqs[] = {"80M", "40M", "26M", "20M"};
    static const char *const sizes[] = {"1MB", "2MB", "4MB", "8MB", "16MB"};
    fprintf(f, "#\n# Automatically generated file; DO NOT EDIT.\n# flashkit: ESP8266 RTOS SDK 3.x flash layout\n#\n\n");
    fprintf(f, "#\n# Serial flasher config\n#\n");
    choice(f, "ESPTOOLPY_FLASHMODE", modes, 4, "DIO");
    fprintf(f, "CONFIG_ESPTOOLPY_FLASHMODE=\"dio\"\n");
    choice(f, "ESPTOOLPY_FLASHFREQ", freqs, 4, "40M");
    fprintf(f, "CONFIG_ESPTOOLPY_FLASHFREQ=\"40m\"\n");
    choice(f, "ESPTOOLPY_FLASHSIZE", sizes, 5, s->size_str);
    fprintf(f, "CONFIG_ESPTOOLPY_FLASHSIZE=\"%s\"\n\n", s->size_str);
    fprintf(f, "#\n# Partition Table\n#\n");
    static const char *const tables[] = {"SINGLE_APP", "TWO_OTA", "CUSTOM"};
    choice(f, "PARTITION_TABLE", tables, 3, tables[s->table]);
    fprintf(f, "CONFIG_PARTITION_TABLE_CUSTOM_FILENAME=\"partitions.csv\"\n");
    fprintf(f, "CONFIG_PARTITION_TABLE_FILENAME=\"%s\"\n",
            s->table == FK_TABLE_SINGLE_APP ? "partitions_singleapp.csv"
            : s->table == FK_TABLE_CUSTOM   ? "partitions.csv"
            : !strcmp(s->size_str, "1MB")   ? "partitions_two_ota.1MB.csv"
                                            : "partitions_two_ota.csv");
    fprintf(f, "CONFIG_PARTITION_TABLE_OFFSET=0x%X\n", s->table_offset);
    if (s->app2_visible) fprintf(f, s->app2 ? "CONFIG_APP2_SUPPORT=y\n" : "# CONFIG_APP2_SUPPORT is not set\n");
    fprintf(f, "CONFIG_APP1_OFFSET=0x%X\nCONFIG_APP1_SIZE=0x%X\n", s->app1_off, s->app1_size);
    if (s->app2) fprintf(f, "CONFIG_APP2_OFFSET=0x%X\nCONFIG_APP2_SIZE=0x%X\n", s->app2_off, s->app2_size);
    fprintf(f, "\n#\n# flashkit\n#\nCONFIG_FLASHKIT_NVS_CSV=\"nvs.csv\"\nCONFIG_FLASHKIT_NVS_VERSION=1\n"
               "# CONFIG_NVS_ENCRYPTION is not set\n"
               "CONFIG_FLASHKIT_DEMO_APP=y\nCONFIG_FLASHKIT_DEMO_APP_VERSION=\"1.0.0\"\n");
}

static void write_readme(FILE *f, const fk_new_opts_t *o, const scaffold_t *s)
{
    fprintf(f, "# %s\n\n", o->name);
    fprintf(f, "An ESP8266 RTOS SDK 3.x style project made by `flashkit new`: %s flash, %s partition table.\n\n",
            s->size_str,
            s->table == FK_TABLE_SINGLE_APP ? "single factory app"
            : s->table == FK_TABLE_TWO_OTA  ? "two-OTA (built-in)"
                                            : "custom (`partitions.csv`)");
    fprintf(f, "| file | what |\n|---|---|\n"
               "| `sdkconfig` | the configuration (SDK option names); edit with `flashkit menuconfig` |\n"
               "| `sdkconfig.defaults` | the starting values; `flashkit defconfig` applies them to `sdkconfig` |\n");
    if (s->csv) fprintf(f, "| `partitions.csv` | the partition table (`CONFIG_PARTITION_TABLE_CUSTOM_FILENAME`) |\n");
    fprintf(f, "| `nvs.csv` | NVS contents (the `aliyun-key` credentials): put your DeviceName, DeviceSecret, ProductKey, ProductSecret here |\n"
               "| `build/` | what `flashkit build` writes |\n\n");
    fprintf(f, "## Next steps\n\n```sh\n"
               "flashkit build                      # build/partition-table.bin, nvs.bin, flash_args, flasher_args.json\n"
               "flashkit menuconfig                 # change flash size, partition table, table offset, app locations\n"
               "flashkit defconfig                  # apply sdkconfig.defaults without a terminal (CI)\n"
               "flashkit build --app APP.bin --merge   # also build/flash_image.bin: the whole flash\n"
               "flashkit device boot build/flash_image.bin   # boot it in the simulator\n"
               "esptool.py --chip esp8266 write_flash $(cat build/flash_args)   # run inside build/ on real hardware\n"
               "```\n\n");
    fprintf(f, "## The rule to keep\n\nThe app locations in sdkconfig (`CONFIG_APP1_OFFSET`, `CONFIG_APP1_SIZE`");
    if (s->app2) fprintf(f, ", `CONFIG_APP2_OFFSET`, `CONFIG_APP2_SIZE`");
    fprintf(f, ") must be the same as the partition table: an ESP8266 app is linked for the offset of its slot. "
               "`flashkit build` refuses to write anything when they differ and names both sides.\n");
    if (s->app2)
        fprintf(f, "\nOn 1 MB flash App1 is `ota_0` and App2 is `ota_1`; each needs its own binary "
                   "(`--app` for App1, `--app2` for App2).\n");
}

typedef struct {
    const char *name;
    void (*write)(FILE *, const fk_new_opts_t *, const scaffold_t *);
    const char *text;
} gen_file_t;

static void w_defaults(FILE *f, const fk_new_opts_t *o, const scaffold_t *s) { write_defaults(f, o, s); }
static void w_sdkconfig(FILE *f, const fk_new_opts_t *o, const scaffold_t *s) { (void)o; write_sdkconfig(f, s); }
static void w_readme(FILE *f, const fk_new_opts_t *o, const scaffold_t *s) { write_readme(f, o, s); }

static int write_one(const char *dir, const gen_file_t *g, const fk_new_opts_t *o, const scaffold_t *s,
                     char *err, size_t errlen)
{
    char *path = fk_path_join(dir, g->name);
    FILE *f = path ? fopen(path, "wx") : NULL;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path ? path : g->name, strerror(errno));
        free(path);
        return -1;
    }
    if (g->text)
        fputs(g->text, f);
    else
        g->write(f, o, s);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "%s: write failed", path);
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

static void remove_tree(const char *dir, const gen_file_t *files, int n)
{
    for (int i = 0; i < n; i++) {
        char *p = fk_path_join(dir, files[i].name);
        if (p) unlink(p);
        free(p);
    }
    rmdir(dir);
}

int fk_project_new(const fk_new_opts_t *o, char *err, size_t errlen)
{
    scaffold_t s;
    plan(o, &s);
    struct stat st;
    if (!*o->name || stat(o->name, &st) == 0) {
        snprintf(err, errlen, "%s: already exists; choose a new folder name", o->name);
        return -1;
    }
    /* Built in a sibling temp folder and renamed, so a failure leaves no
     * half-made project behind. */
    size_t n = strlen(o->name) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s.new-XXXXXX", o->name);
    if (!mkdtemp(tmp)) {
        snprintf(err, errlen, "%s: cannot create: %s", o->name, strerror(errno));
        free(tmp);
        return -1;
    }
    chmod(tmp, 0755);
    gen_file_t files[] = {
        {"sdkconfig.defaults", w_defaults, NULL},
        {"sdkconfig", w_sdkconfig, NULL},
        {"nvs.csv", NULL, nvs_csv},
        {"README.md", w_readme, NULL},
        {"partitions.csv", NULL, s.csv},
    };
    int nf = s.csv ? 5 : 4;
    for (int i = 0; i < nf; i++) {
        if (write_one(tmp, &files[i], o, &s, err, errlen) != 0) {
            remove_tree(tmp, files, nf);
            free(tmp);
            return -1;
        }
    }
    if (rename(tmp, o->name) != 0) {
        snprintf(err, errlen, "%s: %s", o->name, strerror(errno));
        remove_tree(tmp, files, nf);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}
