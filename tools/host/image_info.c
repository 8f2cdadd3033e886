#include "image_info.h"

#include <stdarg.h>
#include <string.h>

#include "fk_image_fmt.h"
#include "image_codes.h"
#include "fk_le.h"

/* A cursor that behaves like a Python file object: reads past the end
 * return fewer bytes, seeks past the end are allowed. */
typedef struct {
    const uint8_t *buf;
    size_t len, pos;
} cur_t;

static size_t avail(const cur_t *c, size_t n)
{
    if (c->pos >= c->len) return 0;
    return c->len - c->pos < n ? c->len - c->pos : n;
}

static void warn(fk_image_view_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(fk_image_view_t *v, const char *fmt, ...)
{
    size_t used = strlen(v->warnings);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->warnings + used, sizeof v->warnings - used, fmt, ap);
    va_end(ap);
    used = strlen(v->warnings);
    if (used + 1 < sizeof v->warnings) strcat(v->warnings, "\n");
}

/* Returns false (and sets status) when esptool would stop here. */
static bool fail(fk_image_view_t *v, int status, const char *esptool_msg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail(fk_image_view_t *v, int status, const char *esptool_msg, const char *fmt, ...)
{
    v->status = status;
    snprintf(v->error, sizeof v->error, "%s", esptool_msg);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->problem, sizeof v->problem, fmt, ap);
    va_end(ap);
    return false;
}

static bool common_header(fk_image_view_t *v, cur_t *c, uint8_t expected, int *segments)
{
    size_t at = c->pos;
    if (avail(c, FK_IMAGE_HDR_LEN) < FK_IMAGE_HDR_LEN)
        return fail(v, FK_INFO_CRASH, "struct.error: unpack requires a buffer of 8 bytes",
                    "offset 0x%zx: image header cut short (%zu of 8 bytes)", at, avail(c, FK_IMAGE_HDR_LEN));
    fk_image_hdr_t h;
    fk_image_hdr_decode(c->buf + c->pos, &h);
    c->pos += FK_IMAGE_HDR_LEN;
    v->magic = h.magic;
    v->flash_mode = h.spi_mode;
    v->flash_size_freq = h.spi_size_freq;
    v->entry = h.entry_addr;
    *segments = h.segment_count;
    if (h.magic != expected || h.segment_count > ESP_IMAGE_MAX_SEGMENTS) {
        char msg[100];
        snprintf(msg, sizeof msg, "Invalid firmware image magic=%d segments=%d", h.magic, h.segment_count);
        if (h.magic != expected)
            return fail(v, FK_INFO_FATAL, msg, "offset 0x%zx: magic byte 0x%02x, expected 0x%02x", at, h.magic, expected);
        return fail(v, FK_INFO_FATAL, msg, "offset 0x%zx: segment count %d exceeds 16", at + 1, h.segment_count);
    }
    return true;
}

static bool load_segment(fk_image_view_t *v, cur_t *c, bool irom)
{
    size_t at = c->pos;
    if (v->nsegs >= FK_INFO_MAX_SEGS) return fail(v, FK_INFO_CRASH, "too many segments", "too many segments");
    fk_image_segment_t seg;
    size_t have;
    fk_image_seg_status_t st = fk_image_seg_at(c->buf, c->len, &c->pos, &seg, &have);
    if (st == FK_IMAGE_SEG_HDR_SHORT)
        return fail(v, FK_INFO_CRASH, "struct.error: unpack requires a buffer of 8 bytes",
                    "offset 0x%zx: segment %d header cut short (%zu of 8 bytes)", at, v->nsegs + 1, have);
    uint32_t addr = seg.load_addr, size = seg.data_len;
    /* esptool warns after reading the header, before it reads the data */
    if (v->chip == FK_CHIP_ESP8266 && !irom && (addr > FK_IMAGE_IROM_BASE || addr < 0x3ffe0000u || size > 65536u))
        warn(v, "WARNING: Suspicious segment 0x%x, length %u", addr, size);
    if (st == FK_IMAGE_SEG_DATA_SHORT) {
        char msg[160];
        snprintf(msg, sizeof msg, "End of file reading segment 0x%x, length %u (actual length %zu)", addr, size, have);
        return fail(v, FK_INFO_FATAL, msg, "offset 0x%zx: segment %d (load 0x%08x) needs %u bytes, the file has %zu",
                    at + FK_IMAGE_SEG_HDR_LEN, v->nsegs + 1, addr, size, have);
    }
    fk_info_seg_t *s = &v->seg[v->nsegs++];
    s->addr = addr;
    s->stored_len = size;
    s->len = (size + 3u) & ~3u;
    s->file_offs = seg.file_offs;
    s->in_checksum = !irom;
    return true;
}

static bool read_checksum(fk_image_view_t *v, cur_t *c)
{
    c->pos = fk_image_checksum_offs((uint32_t)c->pos);
    v->checksum_offs = (uint32_t)c->pos;
    if (avail(c, 1) < 1)
        return fail(v, FK_INFO_CRASH, "TypeError: ord() expected a character, but string of length 0 found",
                    "offset 0x%zx: the file ends before the checksum byte", c->pos);
    v->checksum = c->buf[c->pos++];
    v->end = (uint32_t)c->pos;
    uint8_t sum = ESP_CHECKSUM_MAGIC;
    for (int i = 0; i < v->nsegs; i++) {
        if (!v->seg[i].in_checksum) continue;
        sum = fk_image_checksum(sum, c->buf + v->seg[i].file_offs + FK_IMAGE_SEG_HDR_LEN, v->seg[i].stored_len);
    }
    v->checksum_calc = sum;
    return true;
}

static void parse_esp8266(const uint8_t *buf, size_t len, fk_image_view_t *v)
{
    cur_t c = {buf, len, 0};
    if (len == 0) {
        fail(v, FK_INFO_CRASH, "TypeError: ord() expected a character, but string of length 0 found", "the file is empty");
        return;
    }
    int segs;
    if (buf[0] == ESP_IMAGE_HEADER_MAGIC) {
        v->version = 1;
        if (!common_header(v, &c, ESP_IMAGE_HEADER_MAGIC, &segs)) return;
        for (int i = 0; i < segs; i++)
            if (!load_segment(v, &c, false)) return;
        if (!read_checksum(v, &c)) return;
        if (len - c.pos >= 32) {
            v->sha_present = true;
            memcpy(v->sha_stored, buf + c.pos, 32);
            fk_image_digest(buf, c.pos, v->sha_calc);
            v->sha_valid = memcmp(v->sha_calc, v->sha_stored, 32) == 0;
        }
    } else if (buf[0] == ESP_IMAGE_V2_MAGIC) {
        v->version = 2;
        if (!common_header(v, &c, ESP_IMAGE_V2_MAGIC, &segs)) return;
        if (segs != 4) warn(v, "Warning: V2 header has unexpected \"segment\" count %d (usually 4)", segs);
        if (!load_segment(v, &c, true)) return;
        v->seg[0].addr = 0;
        uint8_t mode = v->flash_mode, sf = v->flash_size_freq;
        uint32_t entry = v->entry;
        if (!common_header(v, &c, ESP_IMAGE_HEADER_MAGIC, &segs)) return;
        if (mode != v->flash_mode)
            warn(v, "WARNING: Flash mode value in first header (0x%02x) disagrees with second (0x%02x). Using second value.",
                 mode, v->flash_mode);
        if (sf != v->flash_size_freq)
            warn(v, "WARNING: Flash size/freq value in first header (0x%02x) disagrees with second (0x%02x). Using second value.",
                 sf, v->flash_size_freq);
        if (entry != v->entry)
            warn(v, "WARNING: Entrypoint address in first header (0x%08x) disagrees with second header (0x%08x). Using second value.",
                 entry, v->entry);
        for (int i = 0; i < segs; i++)
            if (!load_segment(v, &c, false)) return;
        if (!read_checksum(v, &c)) return;
        if (len - c.pos >= 4) {
            v->v2_crc_present = true;
            v->v2_crc_calc = fk_image_v2_crc(buf, c.pos);
            v->v2_crc_stored = fk_le32(buf + c.pos);
            v->v2_crc_valid = v->v2_crc_calc == v->v2_crc_stored;
        }
    } else {
        char msg[64];
        snprintf(msg, sizeof msg, "Invalid image magic number: %d", buf[0]);
        fail(v, FK_INFO_FATAL, msg, "offset 0x0: magic byte 0x%02x is neither 0xe9 (image) nor 0xea (v2 OTA image)", buf[0]);
    }
}

static void parse_esp32(const uint8_t *buf, size_t len, fk_image_view_t *v)
{
    cur_t c = {buf, len, 0};
    int segs;
    v->version = 1;
    if (!common_header(v, &c, ESP_IMAGE_HEADER_MAGIC, &segs)) return;
    if (avail(&c, FK_IMAGE_EXT_HDR_LEN) < FK_IMAGE_EXT_HDR_LEN) {
        fail(v, FK_INFO_CRASH, "struct.error: unpack requires a buffer of 16 bytes",
             "offset 0x8: extended header cut short (%zu of 16 bytes)", avail(&c, FK_IMAGE_EXT_HDR_LEN));
        return;
    }
    fk_image_ext_t x;
    fk_image_ext_decode(buf + c.pos, &x);
    c.pos += FK_IMAGE_EXT_HDR_LEN;
    v->wp_pin = x.wp_pin;
    if (x.hash_appended > 1) {
        char msg[120];
        snprintf(msg, sizeof msg,
                 "RuntimeError: ('Invalid value for append_digest field (0x%%02x). Should be 0 or 1.', %d)",
                 x.hash_appended);
        fail(v, FK_INFO_CRASH, msg, "offset 0x17: hash_appended byte is 0x%02x, must be 0 or 1 (not an ESP32 image?)",
             x.hash_appended);
        return;
    }
    v->append_digest = x.hash_appended;
    if (x.reserved_nonzero)
        warn(v, "Warning: some reserved header fields have non-zero values. This image may be from a newer esptool.py?");
    for (int i = 0; i < segs; i++)
        if (!load_segment(v, &c, false)) return;
    if (!read_checksum(v, &c)) return;
    if (v->append_digest) {
        v->digest_stored_len = avail(&c, 32);
        memcpy(v->digest_stored, buf + c.pos, v->digest_stored_len);
        fk_image_digest(buf, c.pos, v->digest_calc);
    }
}

/* True when the parse consumed the file exactly (allowing the trailer its form has). */
static bool fits(const fk_image_view_t *v)
{
    if (v->status != FK_INFO_OK) return false;
    if (v->chip == FK_CHIP_ESP32) return v->file_len == v->end + (v->append_digest ? 32u : 0u);
    if (v->version == 2) return v->v2_crc_present;
    return v->file_len == v->end || v->file_len == v->end + 32u;
}

/* How well a reading explains the file: parsed, checksum right, nothing left over. */
static int plausibility(const fk_image_view_t *v)
{
    if (v->status != FK_INFO_OK) return 0;
    return 1 + 2 * (v->checksum == v->checksum_calc) + 4 * fits(v);
}

void fk_image_view_parse(const uint8_t *buf, size_t len, int chip, fk_image_view_t *v)
{
    memset(v, 0, sizeof *v);
    v->file_len = len;
    if (chip == FK_CHIP_AUTO) {
        /* Both forms start with 0xE9; keep the reading that explains the whole file. */
        v->chip = FK_CHIP_ESP8266;
        parse_esp8266(buf, len, v);
        if (!fits(v) && len >= 24 && buf[0] == ESP_IMAGE_HEADER_MAGIC) {
            fk_image_view_t alt;
            memset(&alt, 0, sizeof alt);
            alt.file_len = len;
            alt.chip = FK_CHIP_ESP32;
            parse_esp32(buf, len, &alt);
            if (plausibility(&alt) > plausibility(v)) *v = alt;
        }
        v->chip_detected = true;
        return;
    }
    v->chip = chip;
    if (chip == FK_CHIP_ESP32)
        parse_esp32(buf, len, v);
    else
        parse_esp8266(buf, len, v);
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
}

void fk_image_view_print_esptool(FILE *f, const fk_image_view_t *v)
{
    fputs(v->warnings, f);
    if (v->status == FK_INFO_FATAL) {
        fprintf(f, "\nA fatal error occurred: %s\n", v->error);
        return;
    }
    if (v->status == FK_INFO_CRASH) return;
    fprintf(f, "Image version: %d\n", v->version);
    if (v->entry)
        fprintf(f, "Entry point: %08x\n", v->entry);
    else
        fprintf(f, "Entry point not set\n");
    fprintf(f, "%d segments\n", v->nsegs);
    for (int i = 0; i < v->nsegs; i++)
        fprintf(f, "Segment %d: len 0x%05x load 0x%08x file_offs 0x%08x\n", i + 1, v->seg[i].len, v->seg[i].addr,
                v->seg[i].file_offs);
    if (v->checksum == v->checksum_calc)
        fprintf(f, "Checksum: %02x (valid)\n", v->checksum);
    else
        fprintf(f, "Checksum: %02x (invalid - calculated %02x)\n", v->checksum, v->checksum_calc);
    if (v->chip == FK_CHIP_ESP32 && v->append_digest) {
        bool ok = v->digest_stored_len == 32 && !memcmp(v->digest_stored, v->digest_calc, 32);
        fprintf(f, "Validation Hash: ");
        hex(f, v->digest_calc, 32);
        fprintf(f, " (%s)\n", ok ? "valid" : "invalid");
    }
}

const char *fk_image_mode_name(uint8_t mode)
{
    return fk_image_code_name(FK_CODES_MODE, mode);
}

const char *fk_image_freq_name(uint8_t freq)
{
    return fk_image_code_name(FK_CODES_FREQ, freq);
}

const char *fk_image_size_name(uint8_t code, bool esp32_table)
{
    return fk_image_code_name(esp32_table ? FK_CODES_SIZE_ESP32 : FK_CODES_SIZE_ROM, code);
}
