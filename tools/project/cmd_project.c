/* flashkit new / build / menuconfig / defconfig: the project front end. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "opts.h"
#include "project.h"
#include "project_menu.h"
#include "util.h"

static const char build_usage[] =
    "usage: flashkit build [--project DIR] [--app IMAGE.bin] [--app2 IMAGE.bin]\n"
    "                      [--bootloader FILE] [--merge] [--json]\n"
    "\n"
    "Reads DIR/sdkconfig (default DIR: .), checks the whole flash layout, then writes\n"
    "DIR/build/: partition-table.bin (as the SDK: no MD5 row, checked against the flash\n"
    "size and table offset), nvs.bin (from DIR/nvs.csv or CONFIG_FLASHKIT_NVS_CSV, sized\n"
    "to the nvs partition, NVS v1 unless CONFIG_FLASHKIT_NVS_VERSION=2),\n"
    "ota_data_initial.bin (when the table has otadata), app.bin / app2.bin (copies of\n"
    "the app images), flash_args (esptool write_flash arguments) and flasher_args.json.\n"
    "\n"
    "Checked first, every disagreement reported on its own line, nothing written if any:\n"
    "  the table against the flash size; the table offset against the first partition;\n"
    "  CONFIG_APP1_OFFSET/SIZE (and with CONFIG_APP2_SUPPORT on 1MB flash,\n"
    "  CONFIG_APP2_OFFSET/SIZE) against the table's app slots; the NVS CSV against the\n"
    "  nvs partition; the app image against its slot's size and link address.\n"
    "\n"
    "  --app FILE      app image for the boot slot (factory, else ota_0; with APP2\n"
    "                  support: ota_0). Default: DIR/build/app.bin if it exists.\n"
    "  --app2 FILE     app image linked for ota_1 (1MB flash). Default: DIR/build/app2.bin.\n"
    "  --bootloader F  also flash F at 0x0 (flashkit does not build a bootloader)\n"
    "  --merge         also write DIR/build/flash_image.bin: the whole flash (0xFF fill)\n"
    "                  for `flashkit device boot`; needs an app\n"
    "  --json          print the result as JSON\n";

int cmd_build(int argc, char **argv)
{
    fk_build_opts_t o = {.dir = "."};
    const fk_opt_t table[] = {
        {"--project", NULL, FK_OPT_VALUE, &o.dir},
        {"--app", NULL, FK_OPT_VALUE, &o.app},
        {"--app2", NULL, FK_OPT_VALUE, &o.app2},
        {"--bootloader", NULL, FK_OPT_VALUE, &o.bootloader},
        {"--merge", NULL, FK_OPT_FLAG, &o.merge},
        {"--json", NULL, FK_OPT_FLAG, &o.json},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "build", .usage = build_usage, .opts = table};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    return fk_project_build(&o);
}

static const char new_usage[] =
    "usage: flashkit new NAME [--flash-size 1MB|2MB|4MB] [--table singleapp|two_ota|custom]\n"
    "\n"
    "Creates the folder NAME with an ESP8266 RTOS SDK 3.x style configuration:\n"
    "sdkconfig.defaults and sdkconfig (flash size, partition table choice, table offset,\n"
    "app locations that agree with the table), partitions.csv (with --table custom),\n"
    "nvs.csv (the aliyun-key credentials template) and a README with the next steps.\n"
    "`cd NAME && flashkit build` works at once. Defaults: 2MB, singleapp.\n"
    "With 1MB and two_ota/custom the APP2 options are on (App1 = ota_0, App2 = ota_1).\n";

int cmd_new(int argc, char **argv)
{
    fk_new_opts_t o = {.flash_size = 2u << 20, .table = FK_TABLE_SINGLE_APP};
    const char *size_s = NULL, *table_s = NULL, *pos[2] = {NULL, NULL};
    const fk_opt_t table[] = {
        {"--flash-size", NULL, FK_OPT_VALUE, &size_s},
        {"--table", NULL, FK_OPT_VALUE, &table_s},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "new", .usage = new_usage, .opts = table, .pos = pos, .max_pos = 2};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    if (op.npos > 1) {
        fk_err("new: one project name only ('%s' and '%s')", pos[0], pos[1]);
        return 2;
    }
    if (size_s) {
        const char *v = size_s;
        if (!strcmp(v, "1MB") || !strcmp(v, "1M")) o.flash_size = 1u << 20;
        else if (!strcmp(v, "2MB") || !strcmp(v, "2M")) o.flash_size = 2u << 20;
        else if (!strcmp(v, "4MB") || !strcmp(v, "4M")) o.flash_size = 4u << 20;
        else {
            fk_err("new: --flash-size %s: use 1MB, 2MB or 4MB", v);
            return 2;
        }
    }
    if (table_s) {
        const char *v = table_s;
        if (!strcmp(v, "singleapp")) o.table = FK_TABLE_SINGLE_APP;
        else if (!strcmp(v, "two_ota")) o.table = FK_TABLE_TWO_OTA;
        else if (!strcmp(v, "custom")) o.table = FK_TABLE_CUSTOM;
        else {
            fk_err("new: --table %s: use singleapp, two_ota or custom", v);
            return 2;
        }
    }
    if (pos[0]) {
        /* "demo/" from shell completion names the same folder. */
        char *name = (char *)pos[0];
        size_t n = strlen(name);
        while (n > 1 && name[n - 1] == '/') name[--n] = 0;
        o.name = name;
    }
    if (!o.name) {
        fk_err("new: give the project name (see flashkit new --help)");
        return 2;
    }
    char err[512];
    if (fk_project_new(&o, err, sizeof err) != 0) {
        fk_err("new: %s", err);
        return 1;
    }
    printf("created %s/ (flash %uMB, %s table)\nnext: cd %s && flashkit build\n", o.name, o.flash_size >> 20,
           o.table == FK_TABLE_SINGLE_APP ? "singleapp" : o.table == FK_TABLE_TWO_OTA ? "two_ota" : "custom",
           o.name);
    return 0;
}

static const char menuconfig_usage[] =
    "usage: flashkit menuconfig [--project DIR]\n"
    "\n"
    "Opens the terminal menu (Debian's kconfig-mconf) on flashkit's Kconfig: Serial\n"
    "flasher config (flash mode, frequency, size) and Partition Table (single factory\n"
    "app / two OTA / custom CSV, CSV file name, table offset, APP1/APP2 locations), and\n"
    "an NVS image menu. Saves DIR/sdkconfig; options of a real SDK sdkconfig that\n"
    "flashkit does not know are kept as they were.\n";

static const char defconfig_usage[] =
    "usage: flashkit defconfig [--project DIR]\n"
    "\n"
    "Non-interactive (for CI): DIR/sdkconfig.defaults is applied on top of\n"
    "DIR/sdkconfig (or of the Kconfig defaults when there is none) and every option\n"
    "not given takes its default, as the SDK's `make defconfig` does. Writes\n"
    "DIR/sdkconfig.\n";

static int menu_cmd(int argc, char **argv, const char *usage, bool interactive)
{
    const char *dir = ".";
    const fk_opt_t table[] = {{"--project", NULL, FK_OPT_VALUE, &dir}, FK_OPT_END};
    fk_opts_t op = {.cmd = argv[0], .usage = usage, .opts = table};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    return interactive ? fk_menuconfig(dir) : fk_defconfig(dir);
}

int cmd_menuconfig(int argc, char **argv)
{
    return menu_cmd(argc, argv, menuconfig_usage, true);
}

int cmd_defconfig(int argc, char **argv)
{
    return menu_cmd(argc, argv, defconfig_usage, false);
}
