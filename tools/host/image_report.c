/* The reports of `flashkit image info` (text and JSON, beyond esptool's own
 * lines) and `image verify` (the SDK bootloader's verdict for a slot). */
#include "image_report.h"

#include <string.h>

#include "esp_image_format.h"
#include "util.h"

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

void fk_image_report_text(FILE *f, const char *path, uint32_t offset, const uint8_t *buf, size_t len, const fk_image_view_t *v)
{
    fk_image_view_print_esptool(f, v);
    bool sdk3 = is_sdk3_app(v);
    bool esp32_table = v->chip == FK_CHIP_ESP32 || sdk3;
    if (offset)
        fprintf(f, "\nFile: %s (%zu bytes from offset 0x%x)\n", path, len, offset);
    else
        fprintf(f, "\nFile: %s (%zu bytes)\n", path, len);
    fprintf(f, "Chip: %s%s\n", v->chip == FK_CHIP_ESP32 ? "esp32" : "esp8266", v->chip_detected ? " (guessed from the bytes)" : "");
    if (v->chip == FK_CHIP_ESP32)
        fprintf(f, "Format: ESP32 image (24-byte header, hash_appended=%u, wp_pin 0x%02x)\n", v->append_digest, v->wp_pin);
    else if (v->version == 2)
        fprintf(f, "Format: ESP8266 v2 (0xEA) OTA image of the NonOS SDK; the SDK 3.x bootloader does not boot it\n");
    else if (sdk3)
        fprintf(f, "Format: ESP8266 SDK 3.x app (elf2image --version=3: 8-byte header, SHA-256 appended)\n");
    else
        fprintf(f, "Format: ESP8266 v1 image (8-byte header%s)\n", v->sha_present ? ", 32 bytes after the checksum" : "");
    fprintf(f, "Flash: mode %s, frequency %s, size %s (code %u, %s table)\n", fk_image_mode_name(v->flash_mode),
           fk_image_freq_name(v->flash_size_freq & 0xF), fk_image_size_name(v->flash_size_freq >> 4, esp32_table),
           v->flash_size_freq >> 4, esp32_table ? "ESP32" : "ESP8266 ROM");
    if (v->chip == FK_CHIP_ESP8266 && v->version == 1) {
        fprintf(f, "Image length: %u bytes (checksum at 0x%x)", v->end, v->checksum_offs);
        if (v->sha_present) fprintf(f, " + 32-byte SHA-256 = %u", v->end + 32);
        fprintf(f, "\n");
        if (v->sha_present) {
            fprintf(f, "Appended SHA-256: ");
            hexs(f, v->sha_stored, 32);
            if (v->sha_valid)
                fprintf(f, " (valid)\n");
            else {
                fprintf(f, " (invalid - calculated ");
                hexs(f, v->sha_calc, 32);
                fprintf(f, ")\n");
            }
        } else {
            fprintf(f, "Appended SHA-256: none\n");
        }
        size_t used = v->end + (v->sha_present ? 32u : 0u);
        if (len > used) fprintf(f, "Trailing bytes: %zu after the image\n", len - used);
    }
    if (v->version == 2 && v->v2_crc_present) {
        if (v->v2_crc_valid)
            fprintf(f, "V2 CRC-32: %08x (valid)\n", v->v2_crc_stored);
        else
            fprintf(f, "V2 CRC-32: %08x (invalid - calculated %08x)\n", v->v2_crc_stored, v->v2_crc_calc);
    }
    desc_view_t dv;
    find_desc(buf, len, &dv);
    if (dv.found) {
        fprintf(f, "App descriptor at file offset 0x%x:\n", dv.offs);
        fprintf(f, "  Version:        %s\n", dv.version);
        fprintf(f, "  Project name:   %s\n", dv.project);
        fprintf(f, "  Compile time:   %s %s\n", dv.date, dv.time);
        fprintf(f, "  SDK version:    %s\n", dv.idf);
        fprintf(f, "  Secure version: %u\n", dv.d.secure_version);
        fprintf(f, "  ELF SHA-256:    ");
        if (all_zero(dv.d.app_elf_sha256, 32))
            fprintf(f, "(not filled in by the build)\n");
        else {
            hexs(f, dv.d.app_elf_sha256, 32);
            fprintf(f, "\n");
        }
    } else {
        fprintf(f, "App descriptor: none (no segment starts with 0xABCD5432)\n");
    }
    if (v->chip == FK_CHIP_ESP8266 && v->version == 1) {
        fk_image_info_t info;
        fk_image_verify_mem(buf, len, 0x10000, ESP_IMAGE_MAX_PART_SIZE - 0x10000, FK_IMAGE_CHECK_SUM, &info);
        uint32_t linked;
        if (info.nsegs && fk_image_linked_offset(&info, &linked))
            fprintf(f, "Linked for: flash offset 0x%x (mod 1 MiB; flash code at 0x%08x)\n", linked, linked + FK_IMAGE_IROM_LINK);
        char s1[160], s2[160];
        fprintf(f, "SDK bootloader: %s with the default checks (checksum); %s with CHECK_APP_HASH too\n",
               verdict(buf, len, FK_IMAGE_CHECK_SUM, s1, sizeof s1),
               verdict(buf, len, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, s2, sizeof s2));
    }
}

void fk_image_report_json(FILE *f, const char *path, const uint8_t *buf, size_t len, const fk_image_view_t *v)
{
    fprintf(f, "{\"file\":");
    fk_json_str(f, path);
    fprintf(f, ",\"size\":%zu,\"chip\":\"%s\",\"chip_guessed\":%s", len, v->chip == FK_CHIP_ESP32 ? "esp32" : "esp8266",
           v->chip_detected ? "true" : "false");
    if (v->status != FK_INFO_OK) {
        fprintf(f, ",\"ok\":false,\"error\":");
        fk_json_str(f, v->problem);
        fprintf(f, ",\"esptool_error\":");
        fk_json_str(f, v->error);
        fprintf(f, ",\"esptool_exit_code\":%d}\n", v->status);
        return;
    }
    bool sdk3 = is_sdk3_app(v);
    bool esp32_table = v->chip == FK_CHIP_ESP32 || sdk3;
    fprintf(f, ",\"ok\":true,\"image_version\":%d,\"sdk3_app\":%s,\"entry\":%u", v->version, sdk3 ? "true" : "false", v->entry);
    fprintf(f, ",\"flash_mode\":\"%s\",\"flash_freq\":\"%s\",\"flash_size\":\"%s\"", fk_image_mode_name(v->flash_mode),
           fk_image_freq_name(v->flash_size_freq & 0xF), fk_image_size_name(v->flash_size_freq >> 4, esp32_table));
    fprintf(f, ",\"segments\":[");
    for (int i = 0; i < v->nsegs; i++)
        fprintf(f, "%s{\"load\":%u,\"len\":%u,\"file_offs\":%u,\"in_checksum\":%s}", i ? "," : "", v->seg[i].addr, v->seg[i].len,
               v->seg[i].file_offs, v->seg[i].in_checksum ? "true" : "false");
    fprintf(f, "],\"checksum\":{\"stored\":%u,\"calculated\":%u,\"offset\":%u,\"valid\":%s}", v->checksum, v->checksum_calc,
           v->checksum_offs, v->checksum == v->checksum_calc ? "true" : "false");
    if (v->chip == FK_CHIP_ESP32) {
        fprintf(f, ",\"hash_appended\":%u", v->append_digest);
        if (v->append_digest) {
            fprintf(f, ",\"validation_hash\":{\"calculated\":");
            json_hex(f, v->digest_calc, 32);
            fprintf(f, ",\"stored\":");
            json_hex(f, v->digest_stored, v->digest_stored_len);
            fprintf(f, ",\"valid\":%s}",
                   v->digest_stored_len == 32 && !memcmp(v->digest_calc, v->digest_stored, 32) ? "true" : "false");
        }
    } else if (v->version == 1) {
        fprintf(f, ",\"image_len\":%u,\"sha256\":", v->end);
        if (v->sha_present) {
            fprintf(f, "{\"stored\":");
            json_hex(f, v->sha_stored, 32);
            fprintf(f, ",\"calculated\":");
            json_hex(f, v->sha_calc, 32);
            fprintf(f, ",\"valid\":%s}", v->sha_valid ? "true" : "false");
        } else {
            fprintf(f, "null");
        }
        char s1[160], s2[160], s3[160];
        fprintf(f, ",\"sdk_verdicts\":{\"sum\":");
        fk_json_str(f, verdict(buf, len, FK_IMAGE_CHECK_SUM, s1, sizeof s1));
        fprintf(f, ",\"sum_and_hash\":");
        fk_json_str(f, verdict(buf, len, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, s2, sizeof s2));
        fprintf(f, ",\"hash\":");
        fk_json_str(f, verdict(buf, len, FK_IMAGE_CHECK_HASH, s3, sizeof s3));
        fprintf(f, "}");
        fk_image_info_t info;
        uint32_t linked;
        fk_image_verify_mem(buf, len, 0x10000, ESP_IMAGE_MAX_PART_SIZE - 0x10000, FK_IMAGE_CHECK_SUM, &info);
        if (info.nsegs && fk_image_linked_offset(&info, &linked)) fprintf(f, ",\"linked_offset\":%u", linked);
    } else if (v->v2_crc_present) {
        fprintf(f, ",\"v2_crc\":{\"stored\":%u,\"calculated\":%u,\"valid\":%s}", v->v2_crc_stored, v->v2_crc_calc,
               v->v2_crc_valid ? "true" : "false");
    }
    desc_view_t dv;
    find_desc(buf, len, &dv);
    fprintf(f, ",\"app_desc\":");
    if (!dv.found) {
        fprintf(f, "null}\n");
        return;
    }
    fprintf(f, "{\"offset\":%u,\"secure_version\":%u,\"version\":", dv.offs, dv.d.secure_version);
    fk_json_str(f, dv.version);
    fprintf(f, ",\"project_name\":");
    fk_json_str(f, dv.project);
    fprintf(f, ",\"time\":");
    fk_json_str(f, dv.time);
    fprintf(f, ",\"date\":");
    fk_json_str(f, dv.date);
    fprintf(f, ",\"idf_ver\":");
    fk_json_str(f, dv.idf);
    fprintf(f, ",\"app_elf_sha256\":");
    json_hex(f, dv.d.app_elf_sha256, 32);
    fprintf(f, "}}\n");
}


int fk_image_verify_report(FILE *f, const char *path, const uint8_t *buf, size_t len, const fk_image_verify_req_t *r)
{
    uint32_t slot = r->slot, part_size = r->part_size;
    bool slot_given = r->slot_given, json = r->json;
    unsigned checks = r->checks;
    int chip = r->chip;
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
        fprintf(f, "{\"file\":");
        fk_json_str(f, path);
        fprintf(f, ",\"valid\":%s,\"image_len\":%u,\"slot_offset\":%u,\"partition_size\":%u,\"checksum\":%s,\"hash\":%s",
               ok ? "true" : "false", info.image_len, slot, part_size,
               (checks & FK_IMAGE_CHECK_SUM) || chip == FK_CHIP_ESP32 ? "true" : "false",
               info.hash_appended ? "true" : "false");
        fprintf(f, ",\"reason\":");
        fk_json_str(f, err != ESP_OK ? info.reason : why);
        fprintf(f, ",\"link_check\":%s", link_applied ? "true" : "false");
        if (has_linked) fprintf(f, ",\"linked_offset\":%u", linked);
        fprintf(f, ",\"window_warning\":%s}\n", window_mismatch ? "true" : "false");
    } else if (err != ESP_OK) {
        fprintf(f, "%s: invalid (%s)\n", path, info.reason);
    } else if (link != ESP_OK) {
        fprintf(f, "%s: invalid (%s)\n", path, why);
    } else {
        fprintf(f, "%s: valid (image_len=%u)\n", path, info.image_len);
        if (window_mismatch)
            fk_warn("%s is linked for flash offset 0x%x but the slot is at 0x%x: the ESP8266 cache maps 1 MiB "
                    "windows, so it will not run there (the SDK does not check this above 1 MiB)",
                    path, linked, slot);
    }
    return ok ? 0 : 1;
}
