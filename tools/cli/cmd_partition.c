/* flashkit partition gen|show|check: a drop-in for gen_esp32part.py plus the
 * views and checks SDK users need. Exit status 2 on errors, as the reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "part_gen.h"
#include "part_show.h"
#include "util.h"

static const char gen_help[] =
    "usage: flashkit partition gen [options] INPUT [OUTPUT]\n"
    "\n"
    "Converts a partition-table CSV to the binary table, or a binary table back\n"
    "to CSV (detected from the first bytes), exactly as gen_esp32part.py does.\n"
    "INPUT may be a file, '-' (stdin) or a built-in table: singleapp, two_ota,\n"
    "two_ota_1mb. OUTPUT defaults to '-' (stdout); files are replaced atomically.\n"
    "\n"
    "options:\n"
    "  -o, --offset N        partition table offset (default 0x8000)\n"
    "  --flash-size SIZE     1MB, 2MB, 4MB, 8MB, 16MB: fail if the table does not fit\n"
    "  --disable-md5sum      no MD5 row (the SDK build always passes this)\n"
    "  --secure              sizes must be aligned too\n"
    "  --no-verify           skip the table checks\n"
    "  -q, --quiet           no status messages\n"
    "  -v, --verify          accepted for compatibility (verification is the default)\n";

/* Options shared by gen/show/check. Returns 1 if argv[*i] was one of them,
 * 0 if not, -1 on a bad value. */
static int common_opt(int argc, char **argv, int *i, fk_part_opts_t *o)
{
    const char *v;
    const char *a = argv[*i];
    if (fk_opt_value(argc, argv, i, "--offset", &v) || fk_opt_value(argc, argv, i, "-o", &v)) {
        if (!v) return -1;
        if (!fk_parse_size(v, &o->table_offset) || o->table_offset % 0x1000) {
            fk_err("--offset %s: not a 4 KiB-aligned flash offset", v);
            return -1;
        }
        return 1;
    }
    if (fk_opt_value(argc, argv, i, "--flash-size", &v)) {
        if (!v) return -1;
        if (fk_part_flash_size(v, &o->flash_size) != 0) {
            fk_err("--flash-size %s: expected one of 1MB, 2MB, 4MB, 8MB, 16MB", v);
            return -1;
        }
        return 1;
    }
    if (!strcmp(a, "--disable-md5sum")) o->md5 = false;
    else if (!strcmp(a, "--secure")) o->secure = true;
    else if (!strcmp(a, "--no-verify")) o->verify = false;
    else return 0;
    return 1;
}

static int gen(int argc, char **argv)
{
    fk_part_opts_t o;
    fk_part_opts_default(&o);
    const char *pos[2] = {NULL, "-"};
    int npos = 0;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = common_opt(argc, argv, &i, &o);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(gen_help, stdout);
            return 0;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = true;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verify")) {
            /* the default */
        } else if (a[0] == '-' && a[1]) {
            fk_err("partition gen: unknown option %s (see --help)", a);
            return 2;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            fk_err("partition gen: too many arguments (see --help)");
            return 2;
        }
    }
    if (npos < 1) {
        fputs(gen_help, stderr);
        return 2;
    }
    o.name = pos[0];

    fk_part_list_t *l = malloc(sizeof *l);
    if (!l) return 2;
    char err[1024];
    bool binary_in = false;
    int rc = fk_part_load_input(pos[0], &o, l, &binary_in, quiet, err, sizeof err);
    if (rc != 0) {
        fk_err("%s: %s", pos[0], err);
        free(l);
        return 2;
    }
    if (binary_in) {
        char *csv = fk_part_to_csv(l);
        rc = csv ? fk_write_file_atomic(pos[1], csv, strlen(csv)) : -1;
        free(csv);
    } else {
        uint8_t bin[FK_PART_TABLE_SIZE];
        if (fk_part_to_bin(l, &o, bin, err, sizeof err) != 0) {
            fk_err("%s: %s", pos[0], err);
            free(l);
            return 2;
        }
        rc = fk_write_file_atomic(pos[1], bin, sizeof bin);
    }
    free(l);
    return rc == 0 ? 0 : 2;
}

static const char show_help[] =
    "usage: flashkit partition show [options] FILE\n"
    "\n"
    "Prints a partition table (CSV, binary, or a built-in name) as a readable table\n"
    "and a flash map with the bootloader, the table and the free gaps.\n"
    "\n"
    "options:\n"
    "  -o, --offset N        partition table offset (default 0x8000)\n"
    "  --flash-size SIZE     flash size for the map (default: the smallest that fits)\n"
    "  --disable-md5sum      binary input has no MD5 row\n"
    "  --json                machine-readable output\n"
    "  --svg OUT.svg         also draw the flash layout to scale\n";

static int show(int argc, char **argv)
{
    fk_part_opts_t o;
    fk_part_opts_default(&o);
    const char *file = NULL, *svg = NULL, *v;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        int c = common_opt(argc, argv, &i, &o);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(show_help, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (fk_opt_value(argc, argv, &i, "--svg", &v)) {
            if (!v) return 2;
            svg = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fk_err("partition show: unknown option %s (see --help)", argv[i]);
            return 2;
        } else if (!file) {
            file = argv[i];
        } else {
            fk_err("partition show: too many arguments (see --help)");
            return 2;
        }
    }
    if (!file) {
        fputs(show_help, stderr);
        return 2;
    }
    o.name = file;
    fk_part_list_t *l = malloc(sizeof *l);
    if (!l) return 2;
    char err[1024];
    bool binary_in;
    /* The map needs a flash size; verification against it happens only if given. */
    int rc = fk_part_load_input(file, &o, l, &binary_in, true, err, sizeof err);
    if (rc != 0) {
        fk_err("%s: %s", file, err);
        free(l);
        return 2;
    }
    fk_part_map_t map;
    fk_part_map_build(l, o.table_offset, o.flash_size, &map);
    if (json)
        fk_part_print_json(stdout, l, &map);
    else
        fk_part_print_table(stdout, file, l, &map);
    if (svg && fk_part_write_svg(svg, file, l, &map) != 0) rc = 2;
    free(l);
    return rc;
}

static const char check_help[] =
    "usage: flashkit partition check FILE [--app1 OFFSET:SIZE] [--app2 OFFSET:SIZE]\n"
    "                                [--sdkconfig PATH] [--flash-size SIZE] [-o OFFSET]\n"
    "\n"
    "Checks the app locations configured in menuconfig against the table: on 1 MB\n"
    "flash App1 must be ota_0 and App2 ota_1 exactly; on 2 MB and up APP1 must be\n"
    "the boot partition (factory, else ota_0). With --sdkconfig the values are read\n"
    "from CONFIG_APP1_OFFSET/SIZE, CONFIG_APP2_OFFSET/SIZE and the flash size.\n"
    "Exit status: 0 agree, 1 disagree (each difference on one line), 2 bad input.\n";

static bool parse_app(const char *v, const char *opt, fk_app_loc_t *a)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    char *colon = strchr(buf, ':');
    if (!colon) return false;
    *colon = 0;
    a->set = fk_parse_size(buf, &a->offset) && fk_parse_size(colon + 1, &a->size);
    snprintf(a->off_from, sizeof a->off_from, "%s", opt);
    snprintf(a->size_from, sizeof a->size_from, "%s", opt);
    return a->set;
}

static int check(int argc, char **argv)
{
    fk_part_opts_t o;
    fk_part_opts_default(&o);
    const char *file = NULL, *sdkconfig = NULL, *v;
    fk_app_loc_t app1 = {0}, app2 = {0};
    for (int i = 1; i < argc; i++) {
        int c = common_opt(argc, argv, &i, &o);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(check_help, stdout);
            return 0;
        } else if (fk_opt_value(argc, argv, &i, "--app1", &v)) {
            if (!v || !parse_app(v, "--app1", &app1)) {
                fk_err("--app1 %s: expected OFFSET:SIZE, e.g. 0x5000:0x7B000", v ? v : "");
                return 2;
            }
        } else if (fk_opt_value(argc, argv, &i, "--app2", &v)) {
            if (!v || !parse_app(v, "--app2", &app2)) {
                fk_err("--app2 %s: expected OFFSET:SIZE, e.g. 0x85000:0x7B000", v ? v : "");
                return 2;
            }
        } else if (fk_opt_value(argc, argv, &i, "--sdkconfig", &v)) {
            if (!v) return 2;
            sdkconfig = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fk_err("partition check: unknown option %s (see --help)", argv[i]);
            return 2;
        } else if (!file) {
            file = argv[i];
        } else {
            fk_err("partition check: too many arguments (see --help)");
            return 2;
        }
    }
    if (!file) {
        fputs(check_help, stderr);
        return 2;
    }
    char err[1024];
    if (sdkconfig && fk_app_locs_from_sdkconfig(sdkconfig, &app1, &app2, &o.flash_size, err, sizeof err) != 0) {
        fk_err("%s", err);
        return 2;
    }
    if (!app1.set && !app2.set) {
        fk_err("partition check: give --app1/--app2 or --sdkconfig (see --help)");
        return 2;
    }
    o.name = file;
    fk_part_list_t *l = malloc(sizeof *l);
    if (!l) return 2;
    bool binary_in;
    if (fk_part_load_input(file, &o, l, &binary_in, true, err, sizeof err) != 0) {
        fk_err("%s: %s", file, err);
        free(l);
        return 2;
    }
    int bad = fk_part_check_apps(stdout, file, l, &app1, &app2, o.flash_size);
    free(l);
    if (bad == 0) printf("%s: app locations agree with the partition table\n", file);
    return bad ? 1 : 0;
}

static const char help[] =
    "usage: flashkit partition <gen|show|check> ... (--help on each)\n"
    "  gen     CSV -> binary table, or binary -> CSV (gen_esp32part.py compatible)\n"
    "  show    readable table, flash map, --json, --svg\n"
    "  check   menuconfig app1/app2 locations vs the table\n";

int cmd_partition(int argc, char **argv)
{
    if (argc < 2) {
        fputs(help, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(help, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "gen")) return gen(argc - 1, argv + 1);
    if (!strcmp(argv[1], "show")) return show(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check")) return check(argc - 1, argv + 1);
    fk_err("partition: unknown subcommand '%s'", argv[1]);
    fputs(help, stderr);
    return 2;
}
