/* elf2image (SDK 3.x, --version=3) on ELF files assembled here section by
 * section, so each layout rule is exercised on its own: section choice,
 * order, padding, the .flash.rodata hole, the 64 KiB window error, header
 * codes, checksum and SHA-256; plus the vectors' ELFs byte for byte. */
#include "elf2image.h"
#include "esp_image_format.h"
#include "fk_hash.h"
#include "fk_test.h"
#include "fk_le.h"
#include "util.h"

typedef struct {
    const char *name;
    uint32_t type, addr, size;
    uint8_t fill; /* data bytes are fill, fill+1, ... */
} sec_t;


/* Builds a little-endian Xtensa ELF with a null section, the given ones and .shstrtab. */
static size_t make_elf(uint8_t *out, const sec_t *secs, int n, uint32_t entry)
{
    memset(out, 0, 0x34);
    memcpy(out, "\x7f" "ELF\x01\x01\x01", 7);
    fk_put_le16(out + 16, 2);
    fk_put_le16(out + 18, 0x5E);
    fk_put_le32(out + 20, 1);
    fk_put_le32(out + 24, entry);
    fk_put_le16(out + 40, 0x34);
    fk_put_le16(out + 46, 0x28);
    size_t pos = 0x34;
    uint32_t offs[32];
    for (int i = 0; i < n; i++) {
        offs[i] = (uint32_t)pos;
        if (secs[i].type == 1)
            for (uint32_t k = 0; k < secs[i].size; k++) out[pos++] = (uint8_t)(secs[i].fill + k);
    }
    uint32_t strtab = (uint32_t)pos, names[32];
    out[pos++] = 0;
    for (int i = 0; i < n; i++) {
        names[i] = (uint32_t)(pos - strtab);
        memcpy(out + pos, secs[i].name, strlen(secs[i].name) + 1);
        pos += strlen(secs[i].name) + 1;
    }
    uint32_t shstr_name = (uint32_t)(pos - strtab);
    memcpy(out + pos, ".shstrtab", 10);
    pos += 10;
    uint32_t strsize = (uint32_t)(pos - strtab);
    pos = (pos + 3) & ~(size_t)3;
    fk_put_le32(out + 32, (uint32_t)pos);
    fk_put_le16(out + 48, (uint32_t)n + 2);
    fk_put_le16(out + 50, (uint32_t)n + 1);
    memset(out + pos, 0, 0x28);
    pos += 0x28;
    for (int i = 0; i < n; i++, pos += 0x28) {
        memset(out + pos, 0, 0x28);
        fk_put_le32(out + pos, names[i]);
        fk_put_le32(out + pos + 4, secs[i].type);
        fk_put_le32(out + pos + 12, secs[i].addr);
        fk_put_le32(out + pos + 16, offs[i]);
        fk_put_le32(out + pos + 20, secs[i].size);
    }
    memset(out + pos, 0, 0x28);
    fk_put_le32(out + pos, shstr_name);
    fk_put_le32(out + pos + 4, 3);
    fk_put_le32(out + pos + 16, strtab);
    fk_put_le32(out + pos + 20, strsize);
    return pos + 0x28;
}

static uint8_t elf[1 << 16];

static int convert(const sec_t *s, int n, const char *mode, const char *freq, const char *size, uint8_t **img,
                   size_t *ilen, char *err)
{
    size_t len = make_elf(elf, s, n, 0x40210010);
    fk_elf2image_opts_t o = {.flash_mode = mode, .flash_freq = freq, .flash_size = size};
    return fk_elf2image(elf, len, &o, img, ilen, err, 400);
}

static void test_layout(void)
{
    const sec_t s[] = {
        {".dram0.data", 1, 0x3FFE8100, 4, 0x10},
        {".comment", 1, 0, 9, 0x20},             /* no address: not loaded */
        {".flash.rodata", 1, 0x40220010, 20, 0x30},
        {".dram0.bss", 8, 0x3FFE9000, 64, 0},      /* NOBITS */
        {".iram0.text", 1, 0x40100000, 6, 0x40},   /* padded to 8 */
        {".empty", 1, 0x3FFE9100, 0, 0},           /* dropped */
        {".flash.text", 1, 0x40210010, 16, 0x50},
        {".dram0.rodata", 1, 0x3FFE8000, 8, 0x60}, /* lower address: first RAM segment */
    };
    uint8_t *img = NULL;
    size_t ilen = 0;
    char err[400] = "";
    CHECK_EQ(convert(s, 8, "dout", "26m", "1MB", &img, &ilen, err), 0);
    if (!img) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ(img[0], 0xE9);
    CHECK_EQ(img[1], 5);
    CHECK_EQ(img[2], 3);
    CHECK_EQ(img[3], 0x01);
    CHECK_EQ(fk_le32(img + 4), 0x40210010);
    /* flash segments by address, then RAM segments by address */
    const uint32_t addr[5] = {0x40210010, 0x40220010, 0x3FFE8000, 0x3FFE8100, 0x40100000};
    const uint32_t dlen[5] = {16, 12, 8, 4, 8};
    const uint8_t first[5] = {0x50, 0x38, 0x60, 0x10, 0x40};
    size_t pos = 8;
    uint8_t sum = 0xEF;
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(fk_le32(img + pos), addr[i]);
        CHECK_EQ(fk_le32(img + pos + 4), dlen[i]);
        CHECK_EQ(img[pos + 8], first[i]); /* .flash.rodata starts after its 8-byte hole */
        for (uint32_t k = 0; k < dlen[i]; k++) sum ^= img[pos + 8 + k];
        pos += 8 + dlen[i];
    }
    /* .iram0.text's 2 padding bytes are zeros */
    CHECK_EQ(img[pos - 1], 0);
    CHECK_EQ(img[pos - 2], 0);
    size_t L = (pos + 1 + 15) & ~(size_t)15;
    CHECK_EQ(ilen, L + 32);
    CHECK_EQ(img[L - 1], sum);
    for (size_t k = pos; k < L - 1; k++) CHECK_EQ(img[k], 0);
    uint8_t h[32];
    fk_sha256_t c;
    fk_sha256_start(&c);
    fk_sha256_update(&c, img, L);
    fk_sha256_finish(&c, h);
    CHECK(memcmp(h, img + L, 32) == 0);
    fk_image_info_t info;
    CHECK_EQ(fk_image_verify_mem(img, ilen, 0x10000, 0xF0000, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, &info), ESP_OK);
    free(img);

    /* header codes: the ESP32 size table (spec examples) */
    CHECK_EQ(convert(s, 8, "qio", "80m", "4MB", &img, &ilen, err), 0);
    CHECK_EQ(img[2], 0);
    CHECK_EQ(img[3], 0x2F);
    free(img);
    CHECK_EQ(convert(s, 8, "dio", "40m", "2MB", &img, &ilen, err), 0);
    CHECK_EQ(img[3], 0x10);
    free(img);
    CHECK_EQ(convert(s, 8, "dio", "20m", "128m", &img, &ilen, err), 0); /* old spelling of 16MB */
    CHECK_EQ(img[3], 0x42);
    free(img);
    CHECK_EQ(convert(s, 8, NULL, NULL, NULL, &img, &ilen, err), 0); /* esptool's defaults: qio 40m 1MB */
    CHECK_EQ(img[2], 0);
    CHECK_EQ(img[3], 0);
    free(img);
    img = NULL;
    CHECK_EQ(convert(s, 8, "dio", "40m", "512KB", &img, &ilen, err), -1);
    CHECK(strstr(err, "512KB") != NULL);
    CHECK_EQ(convert(s, 8, "fast", "40m", "1MB", &img, &ilen, err), -1);
    CHECK(strstr(err, "fast") != NULL);
    CHECK_EQ(convert(s, 8, "dio", "30m", "1MB", &img, &ilen, err), -1);
    /* no descriptor to put the ELF hash in */
    size_t len = make_elf(elf, s, 8, 0x40210010);
    fk_elf2image_opts_t o = {.elf_sha256_desc = 1};
    CHECK_EQ(fk_elf2image(elf, len, &o, &img, &ilen, err, 400), -1);
    CHECK(strstr(err, "no segment starts with an app descriptor") != NULL);
    CHECK(img == NULL);
}

static void test_errors(void)
{
    uint8_t *img = NULL;
    size_t ilen;
    char err[400];
    const sec_t same[] = {
        {".flash.text", 1, 0x40210010, 16, 1},
        {".flash.rodata", 1, 0x40218000, 16, 2},
    };
    CHECK_EQ(convert(same, 2, "dio", "40m", "1MB", &img, &ilen, err), -1);
    CHECK(strstr(err, "Segment loaded at 0x40218000") && strstr(err, "lands in same 64KB flash mapping as segment loaded at 0x40210010"));

    sec_t many[17];
    for (int i = 0; i < 17; i++) many[i] = (sec_t){".data", 1, 0x3FFE8000u + 0x100u * (uint32_t)i, 4, 0};
    CHECK_EQ(convert(many, 17, "dio", "40m", "1MB", &img, &ilen, err), -1);
    CHECK(strstr(err, "17 segments") != NULL);
    CHECK_EQ(convert(many, 16, "dio", "40m", "1MB", &img, &ilen, err), 0);
    free(img);
    img = NULL;

    const sec_t one[] = {{".flash.text", 1, 0x40210010, 16, 1}};
    size_t len = make_elf(elf, one, 1, 0x40210010);
    fk_elf2image_opts_t o = {0};
    elf[18] = 0x03; /* EM_386 */
    CHECK_EQ(fk_elf2image(elf, len, &o, &img, &ilen, err, sizeof err), -1);
    CHECK(strstr(err, "e_machine=0x0003") != NULL);
    elf[18] = 0x5E;
    elf[0] = 'X';
    CHECK_EQ(fk_elf2image(elf, len, &o, &img, &ilen, err, sizeof err), -1);
    CHECK(strstr(err, "not an ELF") != NULL);
    elf[0] = 0x7F;
    CHECK_EQ(fk_elf2image(elf, 20, &o, &img, &ilen, err, sizeof err), -1);
    CHECK(strstr(err, "too short") != NULL);
    CHECK_EQ(fk_elf2image(elf, len - 1, &o, &img, &ilen, err, sizeof err), -1);
    CHECK(strstr(err, "truncated") != NULL);
    /* section data outside the file */
    uint32_t shoff = fk_le32(elf + 32);
    fk_put_le32(elf + shoff + 0x28 + 20, 0x100000);
    CHECK_EQ(fk_elf2image(elf, len, &o, &img, &ilen, err, sizeof err), -1);
    CHECK(strstr(err, ".flash.text") && strstr(err, "past the end"));
    CHECK(img == NULL);
}

static void test_vectors(void)
{
    static const struct {
        const char *dir, *mode, *freq, *size;
    } v[] = {{"sdk3_app_2MB_dio_40m", "dio", "40m", "2MB"}, {"sdk3_app_1MB_dout_26m", "dout", "26m", "1MB"}};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        uint8_t *e = NULL, *want = NULL, *img = NULL;
        size_t elen = 0, wlen = 0, ilen = 0;
        snprintf(path, sizeof path, "%s/vectors/image/%s/app.elf", fk_shared(), v[i].dir);
        CHECK_EQ(fk_read_file(path, &e, &elen), 0);
        snprintf(path, sizeof path, "%s/vectors/image/%s/image.bin", fk_shared(), v[i].dir);
        CHECK_EQ(fk_read_file(path, &want, &wlen), 0);
        fk_elf2image_opts_t o = {.flash_mode = v[i].mode, .flash_freq = v[i].freq, .flash_size = v[i].size};
        char err[400];
        CHECK_EQ(fk_elf2image(e, elen, &o, &img, &ilen, err, sizeof err), 0);
        CHECK_EQ(ilen, wlen);
        CHECK(img && want && ilen == wlen && memcmp(img, want, wlen) == 0);
        free(img);
        img = NULL;
        /* --elf-sha256: the descriptor (file offset 0x10018) gets SHA-256(ELF), the image stays valid */
        o.elf_sha256_desc = 1;
        CHECK_EQ(fk_elf2image(e, elen, &o, &img, &ilen, err, sizeof err), 0);
        uint8_t h[32];
        fk_sha256_t c;
        fk_sha256_start(&c);
        fk_sha256_update(&c, e, elen);
        fk_sha256_finish(&c, h);
        CHECK(img && memcmp(img + 0x10018 + 144, h, 32) == 0);
        CHECK(img && memcmp(img, want, 0x10018 + 144) == 0);
        fk_image_info_t info;
        CHECK_EQ(fk_image_verify_mem(img, ilen, 0x10000, 0xF0000, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, &info), ESP_OK);
        free(img);
        img = NULL;
        o.elf_sha256_desc = 0;
        o.elf_sha256_offset = 0x10010 - 4; /* over a segment header: refused */
        CHECK_EQ(fk_elf2image(e, elen, &o, &img, &ilen, err, sizeof err), -1);
        CHECK(strstr(err, "not inside one segment") != NULL);
        o.elf_sha256_offset = 0x100;
        CHECK_EQ(fk_elf2image(e, elen, &o, &img, &ilen, err, sizeof err), 0);
        CHECK(img && memcmp(img + 0x100, h, 32) == 0);
        free(e), free(want), free(img);
    }
}

int main(void)
{
    test_layout();
    test_errors();
    test_vectors();
    return fk_test_done("test_image_elf");
}
