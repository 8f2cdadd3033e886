/* The esptool-compatible reader (`image info`) on hand-made images: the
 * cases esptool reports or dies on that the vectors do not cover. */
#include "fk_test.h"
#include "fk_le.h"
#include "image_info.h"

static fk_image_view_t v;

static const char *esptool_text(void)
{
    static char out[8192];
    FILE *f = fmemopen(out, sizeof out, "w");
    fk_image_view_print_esptool(f, &v);
    fclose(f);
    return out;
}

int main(void)
{
    uint8_t b[256] = {0};

    fk_image_view_parse(b, 0, FK_CHIP_ESP8266, &v);
    CHECK_EQ(v.status, FK_INFO_CRASH);
    CHECK(strstr(v.problem, "empty") != NULL);

    /* 17 segments */
    memset(b, 0, sizeof b);
    b[0] = 0xE9, b[1] = 17;
    fk_image_view_parse(b, 64, FK_CHIP_ESP8266, &v);
    CHECK_EQ(v.status, FK_INFO_FATAL);
    CHECK(strcmp(v.error, "Invalid firmware image magic=233 segments=17") == 0);
    CHECK(strstr(esptool_text(), "\nA fatal error occurred: Invalid firmware image magic=233 segments=17\n") != NULL);

    /* a 6-byte segment is shown padded to 8; the checksum covers the 6 bytes */
    memset(b, 0, sizeof b);
    b[0] = 0xE9, b[1] = 1;
    fk_put_le32(b + 4, 0);
    fk_put_le32(b + 8, 0x40100000);
    fk_put_le32(b + 12, 6);
    memcpy(b + 16, "\x01\x02\x03\x04\x05\x06", 6);
    b[31] = 0xEF ^ 1 ^ 2 ^ 3 ^ 4 ^ 5 ^ 6;
    fk_image_view_parse(b, 32, FK_CHIP_ESP8266, &v);
    CHECK_EQ(v.status, FK_INFO_OK);
    const char *t = esptool_text();
    CHECK(strstr(t, "Entry point not set\n1 segments\nSegment 1: len 0x00008 load 0x40100000 file_offs 0x00000008\n") != NULL);
    CHECK(strstr(t, "Checksum: e8 (valid)") != NULL);
    CHECK(!v.sha_present);

    /* header cut short: esptool dies in struct.unpack */
    fk_image_view_parse(b, 5, FK_CHIP_ESP8266, &v);
    CHECK_EQ(v.status, FK_INFO_CRASH);
    CHECK(strstr(v.problem, "offset 0x0") != NULL);
    fk_image_view_parse(b, 12, FK_CHIP_ESP8266, &v);
    CHECK_EQ(v.status, FK_INFO_CRASH);
    CHECK(strstr(v.problem, "offset 0x8: segment 1 header cut short") != NULL);

    /* v2: the second header disagrees with the first; odd segment count */
    memset(b, 0, sizeof b);
    b[0] = 0xEA, b[1] = 3, b[2] = 0, b[3] = 0x20;
    fk_put_le32(b + 4, 0x40100004);
    fk_put_le32(b + 8, 0), fk_put_le32(b + 12, 16); /* IROM, 16 bytes */
    b[32] = 0xE9, b[33] = 0, b[34] = 2, b[35] = 0x21;
    fk_put_le32(b + 36, 0x40100008);
    b[47] = 0xEF;
    fk_image_view_parse(b, 52, FK_CHIP_ESP8266, &v);
    CHECK_EQ(v.status, FK_INFO_OK);
    CHECK_EQ(v.version, 2);
    t = esptool_text();
    CHECK(strstr(t, "Warning: V2 header has unexpected \"segment\" count 3 (usually 4)\n") != NULL);
    CHECK(strstr(t, "WARNING: Flash mode value in first header (0x00) disagrees with second (0x02). Using second value.\n") != NULL);
    CHECK(strstr(t, "WARNING: Flash size/freq value in first header (0x20) disagrees with second (0x21). Using second value.\n") != NULL);
    CHECK(strstr(t, "WARNING: Entrypoint address in first header (0x40100004) disagrees with second header (0x40100008). Using second value.\n") != NULL);
    CHECK(strstr(t, "Entry point: 40100008\n1 segments\nSegment 1: len 0x00010 load 0x00000000 file_offs 0x00000008\nChecksum: ef (valid)\n") != NULL);
    CHECK(v.v2_crc_present && !v.v2_crc_valid);
    b[32] = 0xE8;
    fk_image_view_parse(b, 52, FK_CHIP_ESP8266, &v);
    CHECK_EQ(v.status, FK_INFO_FATAL);
    CHECK(strcmp(v.error, "Invalid firmware image magic=232 segments=0") == 0);

    /* ESP32: reserved bytes set, then an impossible hash_appended byte */
    memset(b, 0, sizeof b);
    b[0] = 0xE9, b[1] = 0, b[8] = 0xEE, b[12] = 1;
    b[31] = 0xEF;
    fk_image_view_parse(b, 32, FK_CHIP_ESP32, &v);
    CHECK_EQ(v.status, FK_INFO_OK);
    CHECK(strstr(esptool_text(), "Warning: some reserved header fields have non-zero values.") != NULL);
    b[23] = 1; /* digest missing from the file: reported invalid */
    fk_image_view_parse(b, 32, FK_CHIP_ESP32, &v);
    CHECK(strstr(esptool_text(), "Validation Hash: ") && strstr(esptool_text(), " (invalid)\n"));
    b[23] = 7;
    fk_image_view_parse(b, 32, FK_CHIP_ESP32, &v);
    CHECK_EQ(v.status, FK_INFO_CRASH);
    CHECK(strstr(v.error, "Invalid value for append_digest field") != NULL);
    CHECK(strstr(v.problem, "offset 0x17") != NULL);

    /* chip guessing: this file only makes sense as an ESP32 image */
    b[23] = 0;
    b[12] = 0;
    fk_image_view_parse(b, 32, FK_CHIP_AUTO, &v);
    CHECK_EQ(v.chip, FK_CHIP_ESP32);
    CHECK(v.chip_detected);

    CHECK(strcmp(fk_image_size_name(1, true), "2MB") == 0);
    CHECK(strcmp(fk_image_size_name(1, false), "256KB") == 0);
    CHECK(strcmp(fk_image_freq_name(0xF), "80MHz") == 0);
    CHECK(strcmp(fk_image_mode_name(3), "DOUT") == 0);
    return fk_test_done("test_image_info");
}
