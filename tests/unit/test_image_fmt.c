/* core/fk_image_fmt: the one decoder/encoder of the image bytes, checked on
 * its own: header round trips, the bounded segment walk, the word-folded
 * checksum against a byte-by-byte one, the checksum's place, finishing an
 * image, and the v2 CRC. */
#include "fk_test.h"
#include "fk_image_fmt.h"
#include "fk_le.h"

static uint8_t xor_bytes(uint8_t acc, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) acc ^= b[i];
    return acc;
}

static void test_headers(void)
{
    fk_image_hdr_t h = {ESP_IMAGE_HEADER_MAGIC, 4, 2, 0x1F, 0x40210034u}, back;
    uint8_t b[FK_IMAGE_HDR_LEN];
    fk_image_hdr_encode(&h, b);
    CHECK_EQ(b[0], 0xE9);
    CHECK_EQ(b[3], 0x1F);
    CHECK_EQ(fk_le32(b + 4), 0x40210034u);
    fk_image_hdr_decode(b, &back);
    CHECK(back.magic == h.magic && back.segment_count == 4 && back.spi_mode == 2 && back.spi_size_freq == 0x1F);
    CHECK_EQ(back.entry_addr, 0x40210034u);

    uint8_t x[FK_IMAGE_EXT_HDR_LEN] = {0xEE};
    x[15] = 1;
    fk_image_ext_t e;
    fk_image_ext_decode(x, &e);
    CHECK(e.wp_pin == 0xEE && e.hash_appended == 1 && !e.reserved_nonzero);
    x[9] = 3;
    fk_image_ext_decode(x, &e);
    CHECK(e.reserved_nonzero);

    uint8_t s[FK_IMAGE_SEG_HDR_LEN];
    uint32_t load, len;
    fk_image_seg_encode(s, 0x3FFE8000u, 0x1234);
    fk_image_seg_decode(s, &load, &len);
    CHECK(load == 0x3FFE8000u && len == 0x1234);
}

static void test_seg_walk(void)
{
    uint8_t img[64] = {0};
    fk_image_seg_encode(img + 8, 0x40100000u, 16);
    fk_image_seg_encode(img + 32, 0x3FFE8000u, 100); /* runs past the buffer */
    size_t pos = 8, have = 99;
    fk_image_segment_t s;
    CHECK_EQ(fk_image_seg_at(img, sizeof img, &pos, &s, &have), FK_IMAGE_SEG_OK);
    CHECK(s.file_offs == 8 && s.data_len == 16 && pos == 32);
    CHECK_EQ(fk_image_seg_at(img, sizeof img, &pos, &s, &have), FK_IMAGE_SEG_DATA_SHORT);
    CHECK(pos == 32 && have == 24 && s.data_len == 100);
    pos = 60;
    CHECK_EQ(fk_image_seg_at(img, sizeof img, &pos, &s, &have), FK_IMAGE_SEG_HDR_SHORT);
    CHECK(pos == 60 && have == 4);
    pos = 200; /* past the end, as a Python file seek may leave it */
    CHECK_EQ(fk_image_seg_at(img, sizeof img, &pos, &s, &have), FK_IMAGE_SEG_HDR_SHORT);
    CHECK_EQ(have, 0);
    /* a length near 4 GiB does not wrap the bound */
    fk_image_seg_encode(img + 8, 0, 0xFFFFFFF8u);
    pos = 8;
    CHECK_EQ(fk_image_seg_at(img, sizeof img, &pos, &s, NULL), FK_IMAGE_SEG_DATA_SHORT);
}

static void test_checksum(void)
{
    static uint8_t buf[300];
    uint32_t r = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        r = r * 1103515245u + 12345u;
        buf[i] = (uint8_t)(r >> 16);
    }
    /* lengths and misalignments, chained in two pieces */
    for (size_t off = 0; off < 4; off++)
        for (size_t n = 0; n + off <= sizeof buf; n += 7) {
            size_t half = n / 3;
            uint8_t folded = fk_image_checksum(fk_image_checksum(ESP_CHECKSUM_MAGIC, buf + off, half), buf + off + half, n - half);
            CHECK_EQ(folded, xor_bytes(ESP_CHECKSUM_MAGIC, buf + off, n));
        }
    /* the checksum is the last byte of a 16-byte block, never the first of the next */
    CHECK_EQ(fk_image_checksum_offs(0), 15);
    CHECK_EQ(fk_image_checksum_offs(15), 15);
    CHECK_EQ(fk_image_checksum_offs(16), 31);
    CHECK_EQ(fk_image_checksum_offs(0x10017), 0x1001F);
    for (uint32_t d = 0; d < 100; d++) CHECK_EQ(fk_image_checksum_offs(d), ((d + 1 + 15) & ~15u) - 1);
}

static void test_finish(void)
{
    uint8_t img[128];
    memset(img, 0xAA, sizeof img);
    size_t n = fk_image_finish(img, 20, 0x5C, true);
    CHECK_EQ(n, 32 + 32);
    CHECK_EQ(fk_image_finished_len(20, true), n);
    CHECK_EQ(fk_image_finished_len(20, false), 32);
    for (int i = 20; i < 31; i++) CHECK_EQ(img[i], 0);
    CHECK_EQ(img[31], 0x5C);
    uint8_t d[32];
    fk_image_digest(img, 32, d);
    CHECK(!memcmp(d, img + 32, 32));
    CHECK_EQ(img[64], 0xAA); /* nothing written past the end */
}

static void test_v2_crc(void)
{
    /* zlib's crc32("123456789") is 0xCBF43926 (top bit set: stored inverted) */
    CHECK_EQ(fk_image_v2_crc((const uint8_t *)"123456789", 9), 0xCBF43926u ^ 0xFFFFFFFFu);
    /* crc32("a") = 0xE8B7BE43 (top bit set too); crc32("abc") = 0x352441C2: stored + 1 */
    CHECK_EQ(fk_image_v2_crc((const uint8_t *)"abc", 3), 0x352441C2u + 1);
}

int main(void)
{
    test_headers();
    test_seg_walk();
    test_checksum();
    test_finish();
    test_v2_crc();
    return fk_test_done("image_fmt");
}
