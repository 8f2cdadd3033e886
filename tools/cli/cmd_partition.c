/* flashkit partition gen|show|check: a drop-in for gen_esp32part.py plus the
 * views and checks SDK users need. Exit status 2 on errors, as the reference.
 * Options are handled here; the table work is in tools/host (part_gen,
 * part_show) over core/fk_ptable_fmt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
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

/* The options gen, show and check share. */
typedef struct {
    const char *offset, *flash_size;
    bool no_md5, secure, no_verify;
} common_t;

#define COMMON_OPTS(c)                                                 \
    {"--offset", "-o", FK_OPT_VALUE, &(c).offset},                     \
    {"--flash-size", NULL, FK_OPT_VALUE, &(c).flash_size},             \
    {"--disable-md5sum", NULL, FK_OPT_FLAG, &(c).no_md5},              \
    {"--secure", NULL, FK_OPT_FLAG, &(c).secure},                      \
    {"--no-verify", NULL, FK_OPT_FLAG, &(c).no_verify}

/* Applies the shared options to o; false (message printed) on a bad value. */
static bool apply_common(const common_t *c, fk_part_opts_t *o)
{
    fk_part_opts_default(o);
    if (c->offset && (!fk_parse_size(c->offset, &o->table_offset) || o->table_offset % FK_PART_TABLE_SECTOR)) {
        fk_err("--offset %s: not a 4 KiB-aligned flash offset", c->offset);
        return false;
    }
    if (c->flash_size && fk_part_flash_size(c->flash_size, &o->flash_size) != 0) {
        fk_err("--flash-size %s: expected one of 1MB, 2MB, 4MB, 8MB, 16MB", c->flash_size);
        return false;
    }
    o->md5 = !c->no_md5;
    o->secure = c->secure;
    o->verify = !c->no_verify;
    return true;
}

static int gen(int argc, char **argv)
{
    common_t c = {0};
    bool quiet = false, verify = false;
    const char *pos[2] = {NULL, "-"};
    const fk_opt_t table[] = {
        COMMON_OPTS(c),
        {"--quiet", "-q", FK_OPT_FLAG, &quiet},
        {"--verify", "-v", FK_OPT_FLAG, &verify}, /* the default; accepted for compatibility */
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "partition gen", .usage = gen_help, .opts = table, .pos = pos, .max_pos = 2};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    fk_part_opts_t o;
    if (!apply_common(&c, &o)) return 2;
    if (op.npos < 1) {
        fputs(gen_help, stderr);
        return 2;
    }
    o.name = pos[0];

    fk_part_list_t *l = malloc(sizeof *l);
    if (!l) return 2;
    char err[1024];
    bool binary_in = false;
    rc = fk_part_load_input(pos[0], &o, l, &binary_in, quiet, err, sizeof err);
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
    common_t c = {0};
    const char *pos[1], *svg = NULL;
    bool json = false;
    const fk_opt_t table[] = {
        COMMON_OPTS(c),
        {"--json", NULL, FK_OPT_FLAG, &json},
        {"--svg", NULL, FK_OPT_VALUE, &svg},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "partition show", .usage = show_help, .opts = table, .pos = pos, .max_pos = 1};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    fk_part_opts_t o;
    if (!apply_common(&c, &o)) return 2;
    if (op.npos < 1) {
        fputs(show_help, stderr);
        return 2;
    }
    const char *file = pos[0];
    o.name = file;
    fk_part_list_t *l = malloc(sizeof *l);
    if (!l) return 2;
    char err[1024];
    bool binary_in;
    /* The map needs a flash size; verification against it happens only if given. */
    rc = fk_part_load_input(file, &o, l, &binary_in, true, err, sizeof err);
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
    common_t c = {0};
    const char *pos[1], *app1_s = NULL, *app2_s = NULL, *sdkconfig = NULL;
    const fk_opt_t table[] = {
        COMMON_OPTS(c),
        {"--app1", NULL, FK_OPT_VALUE, &app1_s},
        {"--app2", NULL, FK_OPT_VALUE, &app2_s},
        {"--sdkconfig", NULL, FK_OPT_VALUE, &sdkconfig},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "partition check", .usage = check_help, .opts = table, .pos = pos, .max_pos = 1};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    fk_part_opts_t o;
    if (!apply_common(&c, &o)) return 2;
    fk_app_loc_t app1 = {0}, app2 = {0};
    if (app1_s && !parse_app(app1_s, "--app1", &app1)) {
        fk_err("--app1 %s: expected OFFSET:SIZE, e.g. 0x5000:0x7B000", app1_s);
        return 2;
    }
    if (app2_s && !parse_app(app2_s, "--app2", &app2)) {
        fk_err("--app2 %s: expected OFFSET:SIZE, e.g. 0x85000:0x7B000", app2_s);
        return 2;
    }
    if (op.npos < 1) {
        fputs(check_help, stderr);
        return 2;
    }
    const char *file = pos[0];
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
