/* The app image's bytes (spec app-image.md §2, §4, §5): image header, the
 * ESP32 extended header, segment headers, the checksum and where it sits,
 * the appended SHA-256, the v2 (0xEA) trailing CRC. The one decoder and
 * encoder: the device's verification (app_image.c), `image info` and
 * `image make` all go through it. */
#ifndef FK_IMAGE_FMT_H
#define FK_IMAGE_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_IMAGE_HEADER_MAGIC 0xE9u
#define ESP_IMAGE_V2_MAGIC 0xEAu           /* NonOS SDK / rboot OTA images, not bootable by SDK 3.x */
#define ESP_IMAGE_MAX_SEGMENTS 16u
#define ESP_CHECKSUM_MAGIC 0xEFu           /* the checksum's starting value */
#define ESP_IMAGE_HASH_LEN 32u
#define ESP_IMAGE_HEADER_LEN_ESP8266 8u
#define ESP_IMAGE_HEADER_LEN_ESP32 24u     /* 8 + the 16-byte extended header */
#define FK_IMAGE_HDR_LEN 8u
#define FK_IMAGE_EXT_HDR_LEN 16u
#define FK_IMAGE_SEG_HDR_LEN 8u
#define FK_IMAGE_IROM_BASE 0x40200000u     /* ESP8266 flash-mapped code starts here */
#define FK_IMAGE_IROM_LINK 0x40200010u     /* + APP_OFFSET & 0xFFFFF: where a slot's code is linked */

/* The 8-byte header every form starts with. */
typedef struct {
    uint8_t magic;
    uint8_t segment_count;
    uint8_t spi_mode;      /* 0 QIO, 1 QOUT, 2 DIO, 3 DOUT */
    uint8_t spi_size_freq; /* high nibble: size code, low nibble: frequency code */
    uint32_t entry_addr;
} fk_image_hdr_t;

void fk_image_hdr_decode(const uint8_t b[FK_IMAGE_HDR_LEN], fk_image_hdr_t *h);
void fk_image_hdr_encode(const fk_image_hdr_t *h, uint8_t b[FK_IMAGE_HDR_LEN]);

/* The ESP32's 16 bytes after the header. */
typedef struct {
    uint8_t wp_pin;
    uint8_t hash_appended;  /* byte 15: 0 or 1 on a valid image */
    bool reserved_nonzero;  /* bytes 4..14 are not all zero (a newer esptool?) */
} fk_image_ext_t;

void fk_image_ext_decode(const uint8_t b[FK_IMAGE_EXT_HDR_LEN], fk_image_ext_t *x);

typedef struct {
    uint32_t load_addr;
    uint32_t data_len;
    uint32_t file_offs; /* of the 8-byte segment header, from the image start */
} fk_image_segment_t;

void fk_image_seg_decode(const uint8_t b[FK_IMAGE_SEG_HDR_LEN], uint32_t *load_addr, uint32_t *data_len);
void fk_image_seg_encode(uint8_t b[FK_IMAGE_SEG_HDR_LEN], uint32_t load_addr, uint32_t data_len);

/* One segment of an image held in memory, with bounds. */
typedef enum {
    FK_IMAGE_SEG_OK,         /* *s filled, *pos moved past the data */
    FK_IMAGE_SEG_HDR_SHORT,  /* the buffer ends inside the 8-byte header */
    FK_IMAGE_SEG_DATA_SHORT, /* the header is there, the data runs past the buffer */
} fk_image_seg_status_t;

/* Reads the segment whose header is at *pos. Unless OK, *pos is unchanged and
 * *have (if not NULL) tells how many bytes of the header or the data the
 * buffer holds; *s is filled as far as it could be read. */
fk_image_seg_status_t fk_image_seg_at(const uint8_t *buf, size_t len, size_t *pos, fk_image_segment_t *s,
                                      size_t *have);

/* The checksum: ESP_CHECKSUM_MAGIC XORed with every byte of every segment's
 * data. Chainable: acc = fk_image_checksum(acc, next, n). */
uint8_t fk_image_checksum(uint8_t acc, const uint8_t *data, size_t n);

/* The checksum is the last byte of a 16-byte block after the last
 * segment's data (which ends at data_end): its offset, L - 1. */
static inline uint32_t fk_image_checksum_offs(uint32_t data_end)
{
    return data_end + 15u - data_end % 16u;
}

/* SHA-256 of img[0, n): the digest SDK 3.x apps and ESP32 images append. */
void fk_image_digest(const uint8_t *img, size_t n, uint8_t out[ESP_IMAGE_HASH_LEN]);

/* Ends an image whose last segment's data ends at data_end: zero padding,
 * the checksum byte, then (when sha) the SHA-256 of everything before it.
 * img must hold fk_image_finished_len(data_end, sha) bytes; returns that. */
size_t fk_image_finish(uint8_t *img, uint32_t data_end, uint8_t checksum, bool sha);
static inline size_t fk_image_finished_len(uint32_t data_end, bool sha)
{
    return (size_t)fk_image_checksum_offs(data_end) + 1u + (sha ? ESP_IMAGE_HASH_LEN : 0u);
}

/* The trailing word of a v2 (0xEA) image: zlib's CRC-32 of everything before
 * it, stored so that it is never 0. */
uint32_t fk_image_v2_crc(const uint8_t *img, size_t n);

#ifdef __cplusplus
}
#endif

#endif
