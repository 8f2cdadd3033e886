/* flashkit image info | verify | make: app images (app-image.md). The
 * options and files are handled here; the format work is in tools/host
 * (image_info, image_report, elf2image) over core/fk_image_fmt. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "elf2image.h"
#include "esp_image_format.h"
#include "image_info.h"
#include "image_report.h"
#include "opts.h"
#include "part_gen.h"
#include "util.h"

static const char info_help[] =
    "usage: flashkit image info IMAGE [--offset N] [--chip esp8266|esp32] [--json] [--esptool]\n"
    "\n"
    "Shows what esptool.py v2.4.0 `image_info` reports (segments, entry, checksum,\n"
    "ESP32 validation hash, v2 0xEA images), then what it does not: flash parameters,\n"
    "the appended SHA-256 of SDK 3.x apps, the app descriptor (esp_app_desc_t), the\n"
    "slot the app was linked for and the SDK bootloader's verdict.\n"
    "\n"
    "  --chip C     read the file as an esp8266 or esp32 image (default: guess from the bytes)\n"
    "  --esptool    print exactly esptool.py's stdout (banner included) and exit with its\n"
    "               code: 0, 1 (esptool crashes on this file) or 2 (fatal error); the\n"
    "               chip defaults to esp8266 as in esptool\n"
    "  --offset N   the image starts at byte N of the file (e.g. a flash dump)\n"
    "  --json       machine-readable report\n";

static const char verify_help[] =
    "usage: flashkit image verify IMAGE [--offset N] [--partition-size N] [--slot-offset N]\n"
    "                             [--table CSV|BIN|NAME --slot LABEL [--table-offset N]]\n"
    "                             [--check sum|hash|both|none] [--chip esp8266|esp32] [--json]\n"
    "\n"
    "Applies the ESP8266 SDK 3.x esp_image_load(VERIFY) rules to IMAGE written at\n"
    "--slot-offset (default 0x10000; 0 means the bootloader, whose hash is not checked)\n"
    "in a slot of --partition-size bytes (default: up to the end of a 16 MiB flash),\n"
    "the rest of the flash reading erased (0xFF).\n"
    "  --check sum   CONFIG_APP_UPDATE_CHECK_APP_SUM only (the SDK default)\n"
    "  --check hash  CONFIG_APP_UPDATE_CHECK_APP_HASH only; both: the two; none: neither\n"
    "  --chip esp32  ESP-IDF rules for 24-byte-header images (checksum, and the hash when appended)\n"
    "With --slot-offset, esp_ota_end's link-address rule is applied too when the slot\n"
    "ends at or below 1 MiB: the image must be linked for that slot (app1/app2 builds);\n"
    "above 1 MiB a slot whose low 20 bits differ from the link address gets a warning.\n"
    "--offset N reads the image from byte N of the file (a flash dump: the bytes after\n"
    "the image are then what follows it on that flash).\n"
    "--table (a CSV, a binary table or a built-in name: singleapp, two_ota, two_ota_1mb)\n"
    "with --slot (a partition label, e.g. ota_1) sets the slot offset and size for you.\n"
    "Prints \"valid (image_len=N)\" and exits 0, or \"invalid (reason)\" and exits 1.\n";

static const char make_help[] =
    "usage: flashkit image make --chip esp8266 [--flash_mode M] [--flash_freq F] [--flash_size S]\n"
    "                           [--version=3] APP.elf -o IMAGE.bin\n"
    "\n"
    "Converts an ESP8266 ELF into an SDK 3.x app image, byte for byte what the SDK's\n"
    "`esptool.py --chip esp8266 elf2image --version=3` writes. esptool's spellings are\n"
    "accepted (--flash_mode/-fm/--flash-mode, --flash_freq/-ff, --flash_size/-fs, a\n"
    "literal `elf2image` word), so its argument list can be pasted.\n"
    "  M: qio (default) qout dio dout     F: 40m (default) 26m 20m 80m\n"
    "  S: 1MB (default) 2MB 4MB 8MB 16MB (old spellings 8m 16m 32m 64m 128m)\n"
    "The output is written atomically; `-o -` writes to stdout.\n"
    "Beyond the SDK's esptool (so the output is no longer its byte for byte):\n"
    "  --elf-sha256             write the ELF file's SHA-256 into the app descriptor's\n"
    "                           app_elf_sha256 field (what ESP-IDF builds do)\n"
    "  --elf-sha256-offset N    the same at image offset N (ESP-IDF's option)\n"
    "  --secure-version N       the app descriptor's secure_version (anti-rollback), as\n"
    "                           CONFIG_BOOTLOADER_APP_SECURE_VERSION compiles it in\n";

static bool is_help(const char *a) { return !strcmp(a, "-h") || !strcmp(a, "--help"); }

/* Reads IMAGE, or the part of a flash dump that starts at `offset`. */
static int read_image(const char *path, uint32_t offset, uint8_t **buf, size_t *len)
{
    if (fk_read_file(path, buf, len)) return -1;
    if (offset == 0) return 0;
    if (offset >= *len) {
        fk_err("%s: --offset 0x%x is beyond the end of the file (%zu bytes)", path, offset, *len);
        free(*buf);
        return -1;
    }
    *len -= offset;
    memmove(*buf, *buf + offset, *len);
    return 0;
}

static int parse_chip(const char *s, int *chip)
{
    if (!s) return -1;
    if (!strcmp(s, "esp8266")) *chip = FK_CHIP_ESP8266;
    else if (!strcmp(s, "esp32")) *chip = FK_CHIP_ESP32;
    else if (!strcmp(s, "auto")) *chip = FK_CHIP_AUTO;
    else {
        fk_err("--chip %s: use esp8266 or esp32", s);
        return -1;
    }
    return 0;
}

/* A byte offset or size option: NULL (not given) leaves *out alone. */
static bool size_opt(const char *name, const char *val, uint32_t *out, const char *expected)
{
    if (!val) return true;
    if (fk_parse_size(val, out)) return true;
    fk_err("%s %s: expected %s", name, val, expected);
    return false;
}

static int cmd_info(int argc, char **argv)
{
    const char *pos[1], *chip_s = NULL, *offset_s = NULL;
    bool json = false, esptool = false;
    const fk_opt_t table[] = {
        {"--chip", NULL, FK_OPT_VALUE, &chip_s},
        {"--offset", NULL, FK_OPT_VALUE, &offset_s},
        {"--json", NULL, FK_OPT_FLAG, &json},
        {"--esptool", NULL, FK_OPT_FLAG, &esptool},
        FK_OPT_END,
    };
    fk_opts_t o = {.cmd = "image info", .usage = info_help, .opts = table, .pos = pos, .max_pos = 1};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    int chip = FK_CHIP_AUTO;
    uint32_t offset = 0;
    if ((chip_s && parse_chip(chip_s, &chip)) || !size_opt("--offset", offset_s, &offset, "a byte offset")) return 2;
    if (o.npos < 1) {
        fputs(info_help, stderr);
        return 2;
    }
    const char *path = pos[0];
    uint8_t *buf;
    size_t len;
    if (read_image(path, offset, &buf, &len)) return 2;
    if (esptool && !chip_s) chip = FK_CHIP_ESP8266; /* esptool's --chip auto reads images as ESP8266 */
    static fk_image_view_t v;
    fk_image_view_parse(buf, len, chip, &v);
    rc = v.status;
    if (esptool) {
        printf("esptool.py v2.4.0\n");
        fk_image_view_print_esptool(stdout, &v);
        if (v.status == FK_INFO_CRASH) fk_err("%s: %s (esptool.py dies here with %s)", path, v.problem, v.error);
    } else if (json) {
        fk_image_report_json(stdout, path, buf, len, &v);
    } else if (v.status != FK_INFO_OK) {
        fputs(v.warnings, stdout);
        fk_err("%s: %s", path, v.problem);
    } else {
        fk_image_report_text(stdout, path, offset, buf, len, &v);
    }
    free(buf);
    return rc;
}

static int parse_checks(const char *s, unsigned *checks)
{
    if (!s) return -1;
    if (!strcmp(s, "sum")) *checks = FK_IMAGE_CHECK_SUM;
    else if (!strcmp(s, "hash")) *checks = FK_IMAGE_CHECK_HASH;
    else if (!strcmp(s, "both")) *checks = FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH;
    else if (!strcmp(s, "none")) *checks = 0;
    else {
        fk_err("--check %s: use sum, hash, both or none", s);
        return -1;
    }
    return 0;
}

/* The app partition called `label` (or with that subtype name) in a table. */
static int slot_from_table(const char *table, uint32_t table_offset, const char *label, uint32_t *off, uint32_t *size)
{
    fk_part_opts_t o;
    fk_part_opts_default(&o);
    o.table_offset = table_offset;
    fk_part_list_t *l = malloc(sizeof *l);
    char err[300];
    if (!l || fk_part_load_any(table, &o, l, err, sizeof err)) {
        fk_err("%s: %s", table, l ? err : "out of memory");
        free(l);
        return -1;
    }
    const fk_part_entry_t *hit = fk_part_list_find_label(l, label);
    int rc = -1;
    if (!hit)
        fk_err("%s: no partition labelled '%s'", table, label);
    else if (hit->type != FK_PART_TYPE_APP)
        fk_err("%s: partition '%s' is not an app partition", table, label);
    else {
        *off = hit->offset;
        *size = hit->size;
        rc = 0;
    }
    free(l);
    return rc;
}

static int cmd_verify(int argc, char **argv)
{
    const char *pos[1], *size_s = NULL, *slot_s = NULL, *check_s = NULL, *chip_s = NULL, *offset_s = NULL,
                        *table_off_s = NULL, *table = NULL, *slot_label = NULL;
    bool json = false;
    const fk_opt_t opts[] = {
        {"--partition-size", NULL, FK_OPT_VALUE, &size_s},
        {"--slot-offset", NULL, FK_OPT_VALUE, &slot_s},
        {"--check", NULL, FK_OPT_VALUE, &check_s},
        {"--chip", NULL, FK_OPT_VALUE, &chip_s},
        {"--offset", NULL, FK_OPT_VALUE, &offset_s},
        {"--table-offset", NULL, FK_OPT_VALUE, &table_off_s},
        {"--table", NULL, FK_OPT_VALUE, &table},
        {"--slot", NULL, FK_OPT_VALUE, &slot_label},
        {"--json", NULL, FK_OPT_FLAG, &json},
        FK_OPT_END,
    };
    fk_opts_t o = {.cmd = "image verify", .usage = verify_help, .opts = opts, .pos = pos, .max_pos = 1};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    fk_image_verify_req_t r = {.slot = 0x10000, .checks = FK_IMAGE_CHECK_SUM, .chip = FK_CHIP_ESP8266, .json = json};
    uint32_t table_offset = FK_PART_DEFAULT_OFFSET, offset = 0;
    if (size_s && (!fk_parse_size(size_s, &r.part_size) || r.part_size == 0 || r.part_size > ESP_IMAGE_MAX_PART_SIZE)) {
        fk_err("--partition-size %s: expected a size from 1 to 16MB", size_s);
        return 2;
    }
    if (slot_s && (!fk_parse_size(slot_s, &r.slot) || r.slot >= ESP_IMAGE_MAX_PART_SIZE)) {
        fk_err("--slot-offset %s: expected a flash offset below 16MB", slot_s);
        return 2;
    }
    if ((check_s && parse_checks(check_s, &r.checks)) || (chip_s && parse_chip(chip_s, &r.chip))) return 2;
    if (!size_opt("--offset", offset_s, &offset, "a byte offset") ||
        !size_opt("--table-offset", table_off_s, &table_offset, "a flash offset"))
        return 2;
    if (o.npos < 1) {
        fputs(verify_help, stderr);
        return 2;
    }
    const char *path = pos[0];
    bool size_given = size_s != NULL;
    r.slot_given = slot_s != NULL;
    if (!table != !slot_label) {
        fk_err("image verify: --table and --slot go together");
        return 2;
    }
    if (table) {
        if (r.slot_given || size_given) {
            fk_err("image verify: --slot takes the offset and size from the table; drop --slot-offset/--partition-size");
            return 2;
        }
        if (slot_from_table(table, table_offset, slot_label, &r.slot, &r.part_size)) return 2;
        r.slot_given = size_given = true;
    }
    if (!size_given) r.part_size = ESP_IMAGE_MAX_PART_SIZE - r.slot;
    uint8_t *buf;
    size_t len;
    if (read_image(path, offset, &buf, &len)) return 2;
    if (r.chip == FK_CHIP_ESP32) r.checks |= FK_IMAGE_CHIP_ESP32;
    rc = fk_image_verify_report(stdout, path, buf, len, &r);
    free(buf);
    return rc;
}

static int cmd_make(int argc, char **argv)
{
    const char *pos[2], *chip_s = NULL, *version_s = NULL, *sha_off_s = NULL, *out = NULL, *secver_s = NULL;
    bool elf_sha256 = false;
    fk_elf2image_opts_t opt = {0};
    /* esptool's spellings too, so its argument lists can be pasted */
    const fk_opt_t table[] = {
        {"--chip", "-c", FK_OPT_VALUE, &chip_s},
        {"--flash_mode", "-fm", FK_OPT_VALUE, &opt.flash_mode},
        {"--flash-mode", NULL, FK_OPT_VALUE, &opt.flash_mode},
        {"--flash_freq", "-ff", FK_OPT_VALUE, &opt.flash_freq},
        {"--flash-freq", NULL, FK_OPT_VALUE, &opt.flash_freq},
        {"--flash_size", "-fs", FK_OPT_VALUE, &opt.flash_size},
        {"--flash-size", NULL, FK_OPT_VALUE, &opt.flash_size},
        {"--version", NULL, FK_OPT_VALUE, &version_s},
        {"--elf-sha256", NULL, FK_OPT_FLAG, &elf_sha256},
        {"--elf-sha256-offset", NULL, FK_OPT_VALUE, &sha_off_s},
        {"--secure-version", NULL, FK_OPT_VALUE, &secver_s},
        {"--output", "-o", FK_OPT_VALUE, &out},
        FK_OPT_END,
    };
    fk_opts_t o = {.cmd = "image make", .usage = make_help, .opts = table, .pos = pos, .max_pos = 2};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    if (chip_s && strcmp(chip_s, "esp8266")) {
        fk_err("image make: --chip %s: only esp8266 SDK 3.x app images are made", chip_s);
        return 2;
    }
    if (version_s && strcmp(version_s, "3")) {
        fk_err("image make: --version %s: only 3 (the SDK 3.x app format) is made", version_s);
        return 2;
    }
    opt.elf_sha256_desc = elf_sha256;
    if (sha_off_s && (!fk_parse_size(sha_off_s, &opt.elf_sha256_offset) || opt.elf_sha256_offset < 8)) {
        fk_err("--elf-sha256-offset %s: expected an image offset", sha_off_s);
        return 2;
    }
    uint32_t secver = 0;
    if (secver_s && (!fk_parse_size(secver_s, &secver) || secver > 32)) {
        fk_err("--secure-version %s: expected a number from 0 to 32 (the eFuse counter's width)", secver_s);
        return 2;
    }
    /* esptool's subcommand word may lead the positionals */
    int first = o.npos > 0 && !strcmp(pos[0], "elf2image") ? 1 : 0;
    if (o.npos - first > 1) {
        fk_err("image make: one ELF input only ('%s')", pos[o.npos - 1]);
        return 2;
    }
    const char *elf = o.npos > first ? pos[first] : NULL;
    if (!elf || !out) {
        fk_err("image make: %s", !elf ? "no input ELF given" : "no output given (-o IMAGE.bin)");
        fputs(make_help, stderr);
        return 2;
    }
    uint8_t *data, *img = NULL;
    size_t len, ilen = 0;
    if (fk_read_file(elf, &data, &len)) return 2;
    char err[400];
    rc = fk_elf2image(data, len, &opt, &img, &ilen, err, sizeof err);
    free(data);
    if (rc) {
        fk_err("%s: %s", elf, err);
        return 1;
    }
    if (secver_s) {
        esp_err_t e = fk_app_desc_set_secure_version(img, ilen, secver);
        if (e != ESP_OK) {
            fk_err("%s: --secure-version: %s", elf,
                   e == ESP_ERR_NOT_FOUND ? "the image has no app descriptor" : esp_err_to_name(e));
            free(img);
            return 1;
        }
    }
    rc = fk_write_file_atomic(out, img, ilen);
    if (!rc && strcmp(out, "-")) {
        fk_image_hdr_t h;
        fk_image_hdr_decode(img, &h);
        printf("%s -> %s: %zu bytes, %u segments, entry 0x%08x\n", elf, out, ilen, h.segment_count, (unsigned)h.entry_addr);
    }
    free(img);
    return rc ? 1 : 0;
}

int cmd_image(int argc, char **argv)
{
    static const char usage[] = "usage: flashkit image info|verify|make ...   (flashkit image SUBCOMMAND --help)\n"
                                "  info    what esptool's image_info shows, plus the app descriptor and SHA-256\n"
                                "  verify  the SDK bootloader's verdict for a slot (exit 0 valid, 1 invalid)\n"
                                "  make    ELF -> SDK 3.x app image (elf2image --version=3, byte for byte)\n";
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (is_help(argv[1])) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "info")) return cmd_info(argc - 1, argv + 1);
    if (!strcmp(argv[1], "verify")) return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(argv[1], "make")) return cmd_make(argc - 1, argv + 1);
    fk_err("image: unknown subcommand '%s'", argv[1]);
    fputs(usage, stderr);
    return 2;
}
