#include "fk_image_fmt.h"

#include <string.h>
#include "fk_crc32.h"
#include "fk_hash.h"
#include "fk_le.h"

void fk_image_hdr_decode(const uint8_t b[FK_IMAGE_HDR_LEN], fk_image_hdr_t *h)
{
    h->magic = b[0];
    h->segment_count = b[1];
    h->spi_mode = b[2];
    h->spi_size_freq = b[3];
    h->entry_addr = fk_le32(b + 4);
}

void fk_image_hdr_encode(const fk_image_hdr_t *h, uint8_t b[FK_IMAGE_HDR_LEN])
{
    b[0] = h->magic;
    b[1] = h->segment_count;
    b[2] = h->spi_mode;
    b[3] = h->spi_size_freq;
    fk_put_le32(b + 4, h->entry_addr);
}

void fk_image_ext_decode(const uint8_t b[FK_IMAGE_EXT_HDR_LEN], fk_image_ext_t *x)
{
    x->wp_pin = b[0];
    x->hash_appended = b[15];
    x->reserved_nonzero = false;
    for (unsigned i = 4; i < 15; i++)
        if (b[i]) x->reserved_nonzero = true;
}

void fk_image_seg_decode(const uint8_t b[FK_IMAGE_SEG_HDR_LEN], uint32_t *load_addr, uint32_t *data_len)
{
    *load_addr = fk_le32(b);
    *data_len = fk_le32(b + 4);
}

void fk_image_seg_encode(uint8_t b[FK_IMAGE_SEG_HDR_LEN], uint32_t load_addr, uint32_t data_len)
{
    fk_put_le32(b, load_addr);
    fk_put_le32(b + 4, data_len);
}

fk_image_seg_status_t fk_image_seg_at(const uint8_t *buf, size_t len, size_t *pos, fk_image_segment_t *s,
                                      size_t *have)
{
    size_t at = *pos;
    size_t left = at < len ? len - at : 0;
    s->file_offs = (uint32_t)at;
    if (left < FK_IMAGE_SEG_HDR_LEN) {
        if (have) *have = left;
        return FK_IMAGE_SEG_HDR_SHORT;
    }
    fk_image_seg_decode(buf + at, &s->load_addr, &s->data_len);
    left -= FK_IMAGE_SEG_HDR_LEN;
    if (s->data_len > left) {
        if (have) *have = left;
        return FK_IMAGE_SEG_DATA_SHORT;
    }
    *pos = at + FK_IMAGE_SEG_HDR_LEN + s->data_len;
    return FK_IMAGE_SEG_OK;
}

/* Folded from 32-bit words as the SDK's loader does: the same result as
 * byte by byte, several times faster. */
uint8_t fk_image_checksum(uint8_t acc, const uint8_t *b, size_t n)
{
    uint32_t w = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t v;
        memcpy(&v, b + i, 4);
        w ^= v;
    }
    acc ^= (uint8_t)(w ^ (w >> 8) ^ (w >> 16) ^ (w >> 24));
    for (; i < n; i++) acc ^= b[i];
    return acc;
}

void fk_image_digest(const uint8_t *img, size_t n, uint8_t out[ESP_IMAGE_HASH_LEN])
{
    fk_sha256_t c;
    fk_sha256_start(&c);
    fk_sha256_update(&c, img, n);
    fk_sha256_finish(&c, out);
}

size_t fk_image_finish(uint8_t *img, uint32_t data_end, uint8_t checksum, bool sha)
{
    uint32_t at = fk_image_checksum_offs(data_end);
    memset(img + data_end, 0, at - data_end);
    img[at] = checksum;
    if (sha) fk_image_digest(img, (size_t)at + 1u, img + at + 1);
    return fk_image_finished_len(data_end, sha);
}

uint32_t fk_image_v2_crc(const uint8_t *img, size_t n)
{
    uint32_t crc = fk_crc32_le(0, img, n); /* seed 0 here is zlib's crc32() */
    return (crc & 0x80000000u) ? crc ^ 0xFFFFFFFFu : crc + 1u;
}
