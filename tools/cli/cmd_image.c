/* flashkit image info | verify | make: app images (app-image.md). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "elf2image.h"
#include "esp_image_format.h"
#include "image_info.h"
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
    "  --elf-sha256-offset N    the same at image offset N (ESP-IDF's option)\n";

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

static void hexs(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
}

static void json_hex(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    hexs(f, p, n);
    fputc('"', f);
}

/* A fixed-size descriptor string may lack its NUL. */
static void desc_str(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

typedef struct {
    bool found;
    uint32_t offs;
    esp_app_desc_t d;
    char version[33], project[33], time[17], date[17], idf[33];
} desc_view_t;

static void find_desc(const uint8_t *buf, size_t len, desc_view_t *dv)
{
    memset(dv, 0, sizeof *dv);
    dv->found = fk_app_desc_find_mem(buf, len, &dv->d, &dv->offs) == ESP_OK;
    if (!dv->found) return;
    desc_str(dv->version, dv->d.version, 32);
    desc_str(dv->project, dv->d.project_name, 32);
    desc_str(dv->time, dv->d.time, 16);
    desc_str(dv->date, dv->d.date, 16);
    desc_str(dv->idf, dv->d.idf_ver, 32);
}

static const char *verdict(const uint8_t *buf, size_t len, unsigned checks, char *out, size_t n)
{
    fk_image_info_t info;
    if (fk_image_verify_mem(buf, len, 0x10000, ESP_IMAGE_MAX_PART_SIZE - 0x10000, checks, &info) == ESP_OK)
        snprintf(out, n, "valid (image_len=%u)", (unsigned)info.image_len);
    else
        snprintf(out, n, "invalid (%s)", info.reason);
    return out;
}

/* An SDK 3.x app carries flash-mapped code in the image itself (a ROM image
 * cannot) and ends with its SHA-256; either sign is enough, so a corrupted
 * hash is still reported as an app's bad hash. */
static bool is_sdk3_app(const fk_image_view_t *v)
{
    if (v->chip != FK_CHIP_ESP8266 || v->version != 1) return false;
    bool flash_code = v->nsegs > 0 && v->seg[0].addr >= FK_IMAGE_IROM_BASE;
    return flash_code || (v->sha_present && v->sha_valid);
}

static void print_info_text(const char *path, uint32_t offset, const uint8_t *buf, size_t len, const fk_image_view_t *v)
{
    fk_image_view_print_esptool(stdout, v);
    bool sdk3 = is_sdk3_app(v);
    bool esp32_table = v->chip == FK_CHIP_ESP32 || sdk3;
    if (offset)
        printf("\nFile: %s (%zu bytes from offset 0x%x)\n", path, len, offset);
    else
        printf("\nFile: %s (%zu bytes)\n", path, len);
    printf("Chip: %s%s\n", v->chip == FK_CHIP_ESP32 ? "esp32" : "esp8266", v->chip_detected ? " (guessed from the bytes)" : "");
    if (v->chip == FK_CHIP_ESP32)
        printf("Format: ESP32 image (24-byte header, hash_appended=%u, wp_pin 0x%02x)\n", v->append_digest, v->wp_pin);
    else if (v->version == 2)
        printf("Format: ESP8266 v2 (0xEA) OTA image of the NonOS SDK; the SDK 3.x bootloader does not boot it\n");
    else if (sdk3)
        printf("Format: ESP8266 SDK 3.x app (elf2image --version=3: 8-byte header, SHA-256 appended)\n");
    else
        printf("Format: ESP8266 v1 image (8-byte header%s)\n", v->sha_present ? ", 32 bytes after the checksum" : "");
    printf("Flash: mode %s, frequency %s, size %s (code %u, %s table)\n", fk_image_mode_name(v->flash_mode),
           fk_image_freq_name(v->flash_size_freq & 0xF), fk_image_size_name(v->flash_size_freq >> 4, esp32_table),
           v->flash_size_freq >> 4, esp32_table ? "ESP32" : "ESP8266 ROM");
    if (v->chip == FK_CHIP_ESP8266 && v->version == 1) {
        printf("Image length: %u bytes (checksum at 0x%x)", v->end, v->checksum_offs);
        if (v->sha_present) printf(" + 32-byte SHA-256 = %u", v->end + 32);
        printf("\n");
        if (v->sha_present) {
            printf("Appended SHA-256: ");
            hexs(stdout, v->sha_stored, 32);
            if (v->sha_valid)
                printf(" (valid)\n");
            else {
                printf(" (invalid - calculated ");
                hexs(stdout, v->sha_calc, 32);
                printf(")\n");
            }
        } else {
            printf("Appended SHA-256: none\n");
        }
        size_t used = v->end + (v->sha_present ? 32u : 0u);
        if (len > used) printf("Trailing bytes: %zu after the image\n", len - used);
    }
    if (v->version == 2 && v->v2_crc_present) {
        if (v->v2_crc_valid)
            printf("V2 CRC-32: %08x (valid)\n", v->v2_crc_stored);
        else
            printf("V2 CRC-32: %08x (invalid - calculated %08x)\n", v->v2_crc_stored, v->v2_crc_calc);
    }
    desc_view_t dv;
    find_desc(buf, len, &dv);
    if (dv.found) {
        printf("App descriptor at file offset 0x%x:\n", dv.offs);
        printf("  Version:        %s\n", dv.version);
        printf("  Project name:   %s\n", dv.project);
        printf("  Compile time:   %s %s\n", dv.date, dv.time);
        printf("  SDK version:    %s\n", dv.idf);
        printf("  Secure version: %u\n", dv.d.secure_version);
        printf("  ELF SHA-256:    ");
        if (all_zero(dv.d.app_elf_sha256, 32))
            printf("(not filled in by the build)\n");
        else {
            hexs(stdout, dv.d.app_elf_sha256, 32);
            printf("\n");
        }
    } else {
        printf("App descriptor: none (no segment starts with 0xABCD5432)\n");
    }
    if (v->chip == FK_CHIP_ESP8266 && v->version == 1) {
        fk_image_info_t info;
        fk_image_verify_mem(buf, len, 0x10000, ESP_IMAGE_MAX_PART_SIZE - 0x10000, FK_IMAGE_CHECK_SUM, &info);
        uint32_t linked;
        if (info.nsegs && fk_image_linked_offset(&info, &linked))
            printf("Linked for: flash offset 0x%x (mod 1 MiB; flash code at 0x%08x)\n", linked, linked + FK_IMAGE_IROM_LINK);
        char s1[160], s2[160];
        printf("SDK bootloader: %s with the default checks (checksum); %s with CHECK_APP_HASH too\n",
               verdict(buf, len, FK_IMAGE_CHECK_SUM, s1, sizeof s1),
               verdict(buf, len, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, s2, sizeof s2));
    }
}

static void print_info_json(const char *path, const uint8_t *buf, size_t len, const fk_image_view_t *v)
{
    printf("{\"file\":");
    fk_json_str(stdout, path);
    printf(",\"size\":%zu,\"chip\":\"%s\",\"chip_guessed\":%s", len, v->chip == FK_CHIP_ESP32 ? "esp32" : "esp8266",
           v->chip_detected ? "true" : "false");
    if (v->status != FK_INFO_OK) {
        printf(",\"ok\":false,\"error\":");
        fk_json_str(stdout, v->problem);
        printf(",\"esptool_error\":");
        fk_json_str(stdout, v->error);
        printf(",\"esptool_exit_code\":%d}\n", v->status);
        return;
    }
    bool sdk3 = is_sdk3_app(v);
    bool esp32_table = v->chip == FK_CHIP_ESP32 || sdk3;
    printf(",\"ok\":true,\"image_version\":%d,\"sdk3_app\":%s,\"entry\":%u", v->version, sdk3 ? "true" : "false", v->entry);
    printf(",\"flash_mode\":\"%s\",\"flash_freq\":\"%s\",\"flash_size\":\"%s\"", fk_image_mode_name(v->flash_mode),
           fk_image_freq_name(v->flash_size_freq & 0xF), fk_image_size_name(v->flash_size_freq >> 4, esp32_table));
    printf(",\"segments\":[");
    for (int i = 0; i < v->nsegs; i++)
        printf("%s{\"load\":%u,\"len\":%u,\"file_offs\":%u,\"in_checksum\":%s}", i ? "," : "", v->seg[i].addr, v->seg[i].len,
               v->seg[i].file_offs, v->seg[i].in_checksum ? "true" : "false");
    printf("],\"checksum\":{\"stored\":%u,\"calculated\":%u,\"offset\":%u,\"valid\":%s}", v->checksum, v->checksum_calc,
           v->checksum_offs, v->checksum == v->checksum_calc ? "true" : "false");
    if (v->chip == FK_CHIP_ESP32) {
        printf(",\"hash_appended\":%u", v->append_digest);
        if (v->append_digest) {
            printf(",\"validation_hash\":{\"calculated\":");
            json_hex(stdout, v->digest_calc, 32);
            printf(",\"stored\":");
            json_hex(stdout, v->digest_stored, v->digest_stored_len);
            printf(",\"valid\":%s}",
                   v->digest_stored_len == 32 && !memcmp(v->digest_calc, v->digest_stored, 32) ? "true" : "false");
        }
    } else if (v->version == 1) {
        printf(",\"image_len\":%u,\"sha256\":", v->end);
        if (v->sha_present) {
            printf("{\"stored\":");
            json_hex(stdout, v->sha_stored, 32);
            printf(",\"calculated\":");
            json_hex(stdout, v->sha_calc, 32);
            printf(",\"valid\":%s}", v->sha_valid ? "true" : "false");
        } else {
            printf("null");
        }
        char s1[160], s2[160], s3[160];
        printf(",\"sdk_verdicts\":{\"sum\":");
        fk_json_str(stdout, verdict(buf, len, FK_IMAGE_CHECK_SUM, s1, sizeof s1));
        printf(",\"sum_and_hash\":");
        fk_json_str(stdout, verdict(buf, len, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, s2, sizeof s2));
        printf(",\"hash\":");
        fk_json_str(stdout, verdict(buf, len, FK_IMAGE_CHECK_HASH, s3, sizeof s3));
        printf("}");
        fk_image_info_t info;
        uint32_t linked;
        fk_image_verify_mem(buf, len, 0x10000, ESP_IMAGE_MAX_PART_SIZE - 0x10000, FK_IMAGE_CHECK_SUM, &info);
        if (info.nsegs && fk_image_linked_offset(&info, &linked)) printf(",\"linked_offset\":%u", linked);
    } else if (v->v2_crc_present) {
        printf(",\"v2_crc\":{\"stored\":%u,\"calculated\":%u,\"valid\":%s}", v->v2_crc_stored, v->v2_crc_calc,
               v->v2_crc_valid ? "true" : "false");
    }
    desc_view_t dv;
    find_desc(buf, len, &dv);
    printf(",\"app_desc\":");
    if (!dv.found) {
        printf("null}\n");
        return;
    }
    printf("{\"offset\":%u,\"secure_version\":%u,\"version\":", dv.offs, dv.d.secure_version);
    fk_json_str(stdout, dv.version);
    printf(",\"project_name\":");
    fk_json_str(stdout, dv.project);
    printf(",\"time\":");
    fk_json_str(stdout, dv.time);
    printf(",\"date\":");
    fk_json_str(stdout, dv.date);
    printf(",\"idf_ver\":");
    fk_json_str(stdout, dv.idf);
    printf(",\"app_elf_sha256\":");
    json_hex(stdout, dv.d.app_elf_sha256, 32);
    printf("}}\n");
}

static int cmd_info(int argc, char **argv)
{
    const char *path = NULL, *val;
    int chip = FK_CHIP_AUTO;
    uint32_t offset = 0;
    bool json = false, esptool = false, chip_given = false;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(info_help, stdout);
            return 0;
        } else if (fk_opt_value(argc, argv, &i, "--chip", &val)) {
            if (parse_chip(val, &chip)) return 2;
            chip_given = true;
        } else if (fk_opt_value(argc, argv, &i, "--offset", &val)) {
            if (!val || !fk_parse_size(val, &offset)) {
                fk_err("--offset %s: expected a byte offset", val ? val : "");
                return 2;
            }
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--esptool")) {
            esptool = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fk_err("image info: unknown option '%s' (see --help)", argv[i]);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fk_err("image info: one IMAGE only ('%s')", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fputs(info_help, stderr);
        return 2;
    }
    uint8_t *buf;
    size_t len;
    if (read_image(path, offset, &buf, &len)) return 2;
    if (esptool && !chip_given) chip = FK_CHIP_ESP8266; /* esptool's --chip auto reads images as ESP8266 */
    static fk_image_view_t v;
    fk_image_view_parse(buf, len, chip, &v);
    int rc = v.status;
    if (esptool) {
        printf("esptool.py v2.4.0\n");
        fk_image_view_print_esptool(stdout, &v);
        if (v.status == FK_INFO_CRASH) fk_err("%s: %s (esptool.py dies here with %s)", path, v.problem, v.error);
    } else if (json) {
        print_info_json(path, buf, len, &v);
    } else if (v.status != FK_INFO_OK) {
        fputs(v.warnings, stdout);
        fk_err("%s: %s", path, v.problem);
    } else {
        print_info_text(path, offset, buf, len, &v);
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
    const fk_part_entry_t *hit = NULL;
    for (int i = 0; i < l->count && !hit; i++)
        if (!strcmp(l->e[i].label, label)) hit = &l->e[i];
    for (int i = 0; i < l->count && !hit; i++) {
        char sub[16] = "";
        if (l->e[i].type != 0) continue;
        if (l->e[i].subtype == 0x00) snprintf(sub, sizeof sub, "factory");
        else if (l->e[i].subtype == 0x20) snprintf(sub, sizeof sub, "test");
        else if (l->e[i].subtype >= 0x10 && l->e[i].subtype < 0x20) snprintf(sub, sizeof sub, "ota_%d", l->e[i].subtype - 0x10);
        if (!strcmp(sub, label)) hit = &l->e[i];
    }
    int rc = -1;
    if (!hit)
        fk_err("%s: no partition labelled '%s'", table, label);
    else if (hit->type != 0)
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
    const char *path = NULL, *val, *table = NULL, *slot_label = NULL;
    uint32_t table_offset = FK_PART_DEFAULT_OFFSET, offset = 0;
    uint32_t part_size = 0, slot = 0x10000;
    bool size_given = false, slot_given = false, json = false;
    unsigned checks = FK_IMAGE_CHECK_SUM;
    int chip = FK_CHIP_ESP8266;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(verify_help, stdout);
            return 0;
        } else if (fk_opt_value(argc, argv, &i, "--partition-size", &val)) {
            if (!val || !fk_parse_size(val, &part_size) || part_size == 0 || part_size > ESP_IMAGE_MAX_PART_SIZE) {
                fk_err("--partition-size %s: expected a size from 1 to 16MB", val ? val : "");
                return 2;
            }
            size_given = true;
        } else if (fk_opt_value(argc, argv, &i, "--slot-offset", &val)) {
            if (!val || !fk_parse_size(val, &slot) || slot >= ESP_IMAGE_MAX_PART_SIZE) {
                fk_err("--slot-offset %s: expected a flash offset below 16MB", val ? val : "");
                return 2;
            }
            slot_given = true;
        } else if (fk_opt_value(argc, argv, &i, "--check", &val)) {
            if (parse_checks(val, &checks)) return 2;
        } else if (fk_opt_value(argc, argv, &i, "--chip", &val)) {
            if (parse_chip(val, &chip)) return 2;
        } else if (fk_opt_value(argc, argv, &i, "--offset", &val)) {
            if (!val || !fk_parse_size(val, &offset)) {
                fk_err("--offset %s: expected a byte offset", val ? val : "");
                return 2;
            }
        } else if (fk_opt_value(argc, argv, &i, "--table-offset", &val)) {
            if (!val || !fk_parse_size(val, &table_offset)) {
                fk_err("--table-offset %s: expected a flash offset", val ? val : "");
                return 2;
            }
        } else if (fk_opt_value(argc, argv, &i, "--table", &val)) {
            if (!(table = val)) return 2;
        } else if (fk_opt_value(argc, argv, &i, "--slot", &val)) {
            if (!(slot_label = val)) return 2;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fk_err("image verify: unknown option '%s' (see --help)", argv[i]);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fk_err("image verify: one IMAGE only ('%s')", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fputs(verify_help, stderr);
        return 2;
    }
    if (!table != !slot_label) {
        fk_err("image verify: --table and --slot go together");
        return 2;
    }
    if (table) {
        if (slot_given || size_given) {
            fk_err("image verify: --slot takes the offset and size from the table; drop --slot-offset/--partition-size");
            return 2;
        }
        if (slot_from_table(table, table_offset, slot_label, &slot, &part_size)) return 2;
        slot_given = size_given = true;
    }
    if (!size_given) part_size = ESP_IMAGE_MAX_PART_SIZE - slot;
    uint8_t *buf;
    size_t len;
    if (read_image(path, offset, &buf, &len)) return 2;
    if (chip == FK_CHIP_ESP32) checks |= FK_IMAGE_CHIP_ESP32;
    fk_image_info_t info;
    esp_err_t err = fk_image_verify_mem(buf, len, slot, part_size, checks, &info);
    char why[256] = "";
    /* esp_ota_end's rule is about a target slot, so only when one is named. */
    bool link_applied = slot_given && chip != FK_CHIP_ESP32 && (uint64_t)slot + part_size <= 0x100000u;
    esp_err_t link = ESP_OK;
    if (err == ESP_OK && link_applied) link = fk_image_check_slot(&info, slot, part_size, why, sizeof why);
    uint32_t linked = 0;
    bool has_linked = chip != FK_CHIP_ESP32 && info.nsegs && fk_image_linked_offset(&info, &linked);
    /* Beyond 1 MiB the SDK does not check, but the cache maps 1 MiB windows:
     * code only runs from a slot with the low 20 bits it was linked for. */
    bool window_mismatch = err == ESP_OK && slot_given && !link_applied && has_linked && (linked & 0xFFFFFu) != (slot & 0xFFFFFu);
    bool ok = err == ESP_OK && link == ESP_OK;
    if (json) {
        printf("{\"file\":");
        fk_json_str(stdout, path);
        printf(",\"valid\":%s,\"image_len\":%u,\"slot_offset\":%u,\"partition_size\":%u,\"checksum\":%s,\"hash\":%s",
               ok ? "true" : "false", info.image_len, slot, part_size,
               (checks & FK_IMAGE_CHECK_SUM) || chip == FK_CHIP_ESP32 ? "true" : "false",
               info.hash_appended ? "true" : "false");
        printf(",\"reason\":");
        fk_json_str(stdout, err != ESP_OK ? info.reason : why);
        printf(",\"link_check\":%s", link_applied ? "true" : "false");
        if (has_linked) printf(",\"linked_offset\":%u", linked);
        printf(",\"window_warning\":%s}\n", window_mismatch ? "true" : "false");
    } else if (err != ESP_OK) {
        printf("%s: invalid (%s)\n", path, info.reason);
    } else if (link != ESP_OK) {
        printf("%s: invalid (%s)\n", path, why);
    } else {
        printf("%s: valid (image_len=%u)\n", path, info.image_len);
        if (window_mismatch)
            fk_warn("%s is linked for flash offset 0x%x but the slot is at 0x%x: the ESP8266 cache maps 1 MiB "
                    "windows, so it will not run there (the SDK does not check this above 1 MiB)",
                    path, linked, slot);
    }
    free(buf);
    return ok ? 0 : 1;
}

static int cmd_make(int argc, char **argv)
{
    const char *elf = NULL, *out = NULL, *val;
    fk_elf2image_opts_t opt = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            fputs(make_help, stdout);
            return 0;
        } else if (fk_opt_value(argc, argv, &i, "--chip", &val) || fk_opt_value(argc, argv, &i, "-c", &val)) {
            if (!val) return 2;
            if (strcmp(val, "esp8266")) {
                fk_err("image make: --chip %s: only esp8266 SDK 3.x app images are made", val);
                return 2;
            }
        } else if (fk_opt_value(argc, argv, &i, "--flash_mode", &val) || fk_opt_value(argc, argv, &i, "--flash-mode", &val) ||
                   fk_opt_value(argc, argv, &i, "-fm", &val)) {
            if (!val) return 2;
            opt.flash_mode = val;
        } else if (fk_opt_value(argc, argv, &i, "--flash_freq", &val) || fk_opt_value(argc, argv, &i, "--flash-freq", &val) ||
                   fk_opt_value(argc, argv, &i, "-ff", &val)) {
            if (!val) return 2;
            opt.flash_freq = val;
        } else if (fk_opt_value(argc, argv, &i, "--flash_size", &val) || fk_opt_value(argc, argv, &i, "--flash-size", &val) ||
                   fk_opt_value(argc, argv, &i, "-fs", &val)) {
            if (!val) return 2;
            opt.flash_size = val;
        } else if (fk_opt_value(argc, argv, &i, "--version", &val)) {
            if (!val) return 2;
            if (strcmp(val, "3")) {
                fk_err("image make: --version %s: only 3 (the SDK 3.x app format) is made", val);
                return 2;
            }
        } else if (!strcmp(a, "--elf-sha256")) {
            opt.elf_sha256_desc = 1;
        } else if (fk_opt_value(argc, argv, &i, "--elf-sha256-offset", &val)) {
            if (!val || !fk_parse_size(val, &opt.elf_sha256_offset) || opt.elf_sha256_offset < 8) {
                fk_err("--elf-sha256-offset %s: expected an image offset", val ? val : "");
                return 2;
            }
        } else if (fk_opt_value(argc, argv, &i, "--output", &val) || fk_opt_value(argc, argv, &i, "-o", &val)) {
            if (!val) return 2;
            out = val;
        } else if (!strcmp(a, "elf2image") && !elf) {
            continue; /* esptool's subcommand word, so its argument lists can be pasted */
        } else if (a[0] == '-' && a[1]) {
            fk_err("image make: unknown option '%s' (see --help)", a);
            return 2;
        } else if (!elf) {
            elf = a;
        } else {
            fk_err("image make: one ELF input only ('%s')", a);
            return 2;
        }
    }
    if (!elf || !out) {
        fk_err("image make: %s", !elf ? "no input ELF given" : "no output given (-o IMAGE.bin)");
        fputs(make_help, stderr);
        return 2;
    }
    uint8_t *data, *img = NULL;
    size_t len, ilen = 0;
    if (fk_read_file(elf, &data, &len)) return 2;
    char err[400];
    int rc = fk_elf2image(data, len, &opt, &img, &ilen, err, sizeof err);
    free(data);
    if (rc) {
        fk_err("%s: %s", elf, err);
        return 1;
    }
    rc = fk_write_file_atomic(out, img, ilen);
    if (!rc && strcmp(out, "-"))
        printf("%s -> %s: %zu bytes, %u segments, entry 0x%08x\n", elf, out, ilen, img[1],
               (unsigned)(img[4] | img[5] << 8 | img[6] << 16 | (uint32_t)img[7] << 24));
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
