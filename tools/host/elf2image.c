#include "elf2image.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_app_format.h"
#include "fk_image_fmt.h"
#include "fk_le.h"
#include "image_codes.h"

#define SHT_PROGBITS 1u
#define EM_XTENSA 0x5Eu
#define SHDR_LEN 0x28u
#define IROM_WINDOW 0x10000u

typedef struct {
    const char *name;
    uint32_t addr;
    const uint8_t *data;
    uint32_t size;   /* bytes in the ELF */
    uint32_t padded; /* size rounded up to 4: esptool pads every segment with zeros */
} section_t;

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int fk_elf2image_mode_code(const char *n)
{
    return fk_image_code_of(FK_CODES_MODE, n);
}

int fk_elf2image_freq_code(const char *n)
{
    return fk_image_code_of(FK_CODES_FREQ, n);
}

int fk_elf2image_size_code(const char *n)
{
    /* v3 apps use the ESP32 loader's table (app-image.md §2) */
    int c = fk_image_code_of(FK_CODES_SIZE_ESP32, n);
    return c < 0 ? -1 : c << 4;
}

/* Parses the section headers; fills secs with the PROGBITS sections that have an address. */
static int read_sections(const uint8_t *elf, size_t len, section_t **out, int *count, uint32_t *entry, char *err,
                         size_t errlen)
{
    if (len < 0x34) return fail(err, errlen, "offset 0x0: %zu bytes is too short for an ELF header", len);
    if (memcmp(elf, "\x7f" "ELF", 4)) return fail(err, errlen, "offset 0x0: not an ELF file (bad magic)");
    if (elf[4] != 1) return fail(err, errlen, "offset 0x4: ELF class %u, expected 1 (32-bit)", elf[4]);
    if (elf[5] != 1) return fail(err, errlen, "offset 0x5: ELF data encoding %u, expected 1 (little-endian)", elf[5]);
    uint16_t machine = fk_le16(elf + 18);
    if (machine != EM_XTENSA)
        return fail(err, errlen, "offset 0x12: e_machine=0x%04x, not an Xtensa ELF file (0x5e)", machine);
    *entry = fk_le32(elf + 24);
    uint32_t shoff = fk_le32(elf + 32);
    uint16_t shentsize = fk_le16(elf + 46), shnum = fk_le16(elf + 48), shstrndx = fk_le16(elf + 50);
    if (shentsize != SHDR_LEN)
        return fail(err, errlen, "offset 0x2e: section header entry size 0x%x, expected 0x28", shentsize);
    if (shnum == 0) return fail(err, errlen, "offset 0x30: the ELF file has no section headers");
    if ((uint64_t)shoff + (uint64_t)shnum * SHDR_LEN > len)
        return fail(err, errlen, "offset 0x%x: %u section headers run past the end of the file (%zu bytes); truncated ELF?",
                    shoff, shnum, len);
    if (shstrndx >= shnum)
        return fail(err, errlen, "offset 0x32: section name table index %u, but there are %u sections", shstrndx, shnum);
    const uint8_t *sh = elf + shoff;
    const uint8_t *strh = sh + (size_t)shstrndx * SHDR_LEN;
    uint32_t str_off = fk_le32(strh + 16), str_size = fk_le32(strh + 20);
    /* esptool only warns when the name table is not typed STRTAB, and goes on */
    if ((uint64_t)str_off + str_size > len)
        return fail(err, errlen, "offset 0x%x: section name table runs past the end of the file", str_off);
    section_t *secs = calloc(shnum, sizeof *secs);
    if (!secs) return fail(err, errlen, "out of memory");
    int n = 0;
    for (unsigned i = 0; i < shnum; i++) {
        const uint8_t *h = sh + (size_t)i * SHDR_LEN;
        uint32_t name = fk_le32(h), type = fk_le32(h + 4), addr = fk_le32(h + 12), off = fk_le32(h + 16), size = fk_le32(h + 20);
        if (type != SHT_PROGBITS || addr == 0) continue;
        if (name >= str_size || !memchr(elf + str_off + name, 0, str_size - name)) {
            free(secs);
            return fail(err, errlen, "section %u: name offset 0x%x is outside the section name table", i, name);
        }
        const char *nm = (const char *)elf + str_off + name;
        if ((uint64_t)off + size > len) {
            free(secs);
            return fail(err, errlen, "section %u (%s): data at 0x%x, %u bytes, runs past the end of the file (%zu bytes)",
                        i, nm, off, size, len);
        }
        if (size > 0x1000000u) {
            free(secs);
            return fail(err, errlen, "section %u (%s): %u bytes is larger than any flash", i, nm, size);
        }
        secs[n++] = (section_t){nm, addr, elf + off, size, (size + 3u) & ~3u};
    }
    *out = secs;
    *count = n;
    return 0;
}

/* Stable, like Python's sorted(): equal addresses keep the ELF order. */
static void sort_by_addr(section_t **v, int n)
{
    for (int i = 1; i < n; i++) {
        section_t *x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j]->addr > x->addr) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

/* The offset of the app descriptor's app_elf_sha256 field: the first segment
 * whose data starts with the descriptor magic (as fk_app_desc_find does). */
static bool desc_sha_offset(const uint8_t *img, size_t end, uint32_t *at)
{
    size_t pos = FK_IMAGE_HDR_LEN;
    fk_image_segment_t s;
    for (unsigned i = 0; i < img[1] && fk_image_seg_at(img, end, &pos, &s, NULL) == FK_IMAGE_SEG_OK; i++) {
        const uint8_t *data = img + s.file_offs + FK_IMAGE_SEG_HDR_LEN;
        if (s.data_len >= ESP_APP_DESC_SIZE && fk_le32(data) == ESP_APP_DESC_MAGIC_WORD) {
            *at = s.file_offs + FK_IMAGE_SEG_HDR_LEN + (uint32_t)offsetof(esp_app_desc_t, app_elf_sha256);
            return true;
        }
    }
    return false;
}

/* Writes SHA-256(ELF) into segment data already written (the checksum is
 * computed afterwards). */
static int patch_elf_sha256(const uint8_t *elf, size_t len, const fk_elf2image_opts_t *opt, uint8_t *img, size_t end,
                            char *err, size_t errlen)
{
    uint32_t at = opt->elf_sha256_offset;
    if (opt->elf_sha256_desc && !desc_sha_offset(img, end, &at))
        return fail(err, errlen, "--elf-sha256: no segment starts with an app descriptor (0xABCD5432)");
    /* the field must lie inside one segment's data, not over a header */
    size_t pos = FK_IMAGE_HDR_LEN;
    bool inside = false;
    fk_image_segment_t s;
    for (unsigned i = 0; i < img[1] && fk_image_seg_at(img, end, &pos, &s, NULL) == FK_IMAGE_SEG_OK; i++) {
        size_t d = s.file_offs + FK_IMAGE_SEG_HDR_LEN;
        if (at >= d && (uint64_t)at + 32 <= d + s.data_len) inside = true;
    }
    if (!inside) return fail(err, errlen, "--elf-sha256-offset 0x%x: 32 bytes there are not inside one segment's data", at);
    fk_image_digest(elf, len, img + at);
    return 0;
}

/* The checksum over every segment's data of a finished segment list. */
static uint8_t segments_checksum(const uint8_t *img, size_t end)
{
    uint8_t csum = ESP_CHECKSUM_MAGIC;
    size_t pos = FK_IMAGE_HDR_LEN;
    fk_image_segment_t s;
    for (unsigned i = 0; i < img[1] && fk_image_seg_at(img, end, &pos, &s, NULL) == FK_IMAGE_SEG_OK; i++)
        csum = fk_image_checksum(csum, img + s.file_offs + FK_IMAGE_SEG_HDR_LEN, s.data_len);
    return csum;
}

int fk_elf2image(const uint8_t *elf, size_t len, const fk_elf2image_opts_t *opt, uint8_t **out, size_t *outlen,
                 char *err, size_t errlen)
{
    const char *mode_s = opt && opt->flash_mode ? opt->flash_mode : "qio";
    const char *freq_s = opt && opt->flash_freq ? opt->flash_freq : "40m";
    const char *size_s = opt && opt->flash_size ? opt->flash_size : "1MB";
    int mode = fk_elf2image_mode_code(mode_s), freq = fk_elf2image_freq_code(freq_s), size = fk_elf2image_size_code(size_s);
    if (mode < 0) return fail(err, errlen, "flash mode '%s': use qio, qout, dio or dout", mode_s);
    if (freq < 0) return fail(err, errlen, "flash frequency '%s': use 40m, 26m, 20m or 80m", freq_s);
    if (size < 0)
        return fail(err, errlen,
                    "flash size '%s' has no code in the size table of SDK 3.x app images (1MB, 2MB, 4MB, 8MB, 16MB)",
                    size_s);

    section_t *secs = NULL;
    int n = 0;
    uint32_t entry = 0;
    if (read_sections(elf, len, &secs, &n, &entry, err, errlen)) return -1;

    section_t **flash = calloc((size_t)n + 1, sizeof *flash), **ram = calloc((size_t)n + 1, sizeof *ram);
    int nf = 0, nr = 0;
    size_t total = FK_IMAGE_HDR_LEN + 16 + ESP_IMAGE_HASH_LEN; /* + padding and checksum */
    for (int i = 0; flash && ram && i < n; i++) {
        if (secs[i].padded == 0) continue; /* empty sections are dropped */
        if (secs[i].addr >= FK_IMAGE_IROM_BASE)
            flash[nf++] = &secs[i];
        else
            ram[nr++] = &secs[i];
        total += 8 + secs[i].padded;
    }
    uint8_t *img = NULL;
    int rc = -1;
    if (!flash || !ram) {
        fail(err, errlen, "out of memory");
        goto done;
    }
    sort_by_addr(flash, nf);
    sort_by_addr(ram, nr);
    for (int i = 1; i < nf; i++)
        if (flash[i]->addr / IROM_WINDOW == flash[i - 1]->addr / IROM_WINDOW) {
            fail(err, errlen,
                 "Segment loaded at 0x%08x (%s) lands in same 64KB flash mapping as segment loaded at 0x%08x (%s). "
                 "Can't generate binary: change the linker script so that flash sections are in different 64 KiB "
                 "windows or merged",
                 flash[i]->addr, flash[i]->name, flash[i - 1]->addr, flash[i - 1]->name);
            goto done;
        }
    if (nf + nr > (int)ESP_IMAGE_MAX_SEGMENTS) {
        fail(err, errlen, "%d segments: the bootloader accepts at most 16; merge sections in the linker script", nf + nr);
        goto done;
    }
    img = calloc(1, total);
    if (!img) {
        fail(err, errlen, "out of memory");
        goto done;
    }
    fk_image_hdr_t hdr = {ESP_IMAGE_HEADER_MAGIC, (uint8_t)(nf + nr), (uint8_t)mode, (uint8_t)(size | freq), entry};
    fk_image_hdr_encode(&hdr, img);
    size_t pos = FK_IMAGE_HDR_LEN;
    for (int i = 0; i < nf + nr; i++) {
        const section_t *s = i < nf ? flash[i] : ram[i - nf];
        uint32_t skip = 0;
        /* The linker leaves an 8-byte hole at the start of .flash.rodata for
         * this segment header, so the data after it lands where the cache maps it. */
        if (i < nf && !strcmp(s->name, ".flash.rodata")) skip = s->padded < 8 ? s->padded : 8;
        uint32_t dlen = s->padded - skip;
        fk_image_seg_encode(img + pos, s->addr, dlen);
        pos += FK_IMAGE_SEG_HDR_LEN;
        /* the padding to 4 is already zero (calloc) */
        if (s->size > skip) memcpy(img + pos, s->data + skip, s->size - skip);
        pos += dlen;
    }
    if (opt && (opt->elf_sha256_desc || opt->elf_sha256_offset)) {
        if (patch_elf_sha256(elf, len, opt, img, pos, err, errlen)) goto done;
    }
    *outlen = fk_image_finish(img, (uint32_t)pos, segments_checksum(img, pos), true);
    *out = img;
    img = NULL;
    rc = 0;
done:
    free(img);
    free(flash);
    free(ram);
    free(secs);
    return rc;
}
