/* fk_image_verify with a say in how the image's data is read: the rules are
 * the same code (app_image.c); only the reads of the segment data differ.
 *
 * Sums: a caller that has already read the bytes in order holds their
 * checksum and SHA-256. The OTA API reads every write back from flash as it
 * arrives (esp_ota_ops.c), so by esp_ota_end it holds the sums of exactly
 * what reached the flash; verifying from them walks the headers on flash
 * and reads the stored checksum byte and SHA-256, but not the data again:
 * 1 MB costs 65 bytes of reads instead of a 131 ms pass on an ESP8266.
 *
 * A read buffer: the data is read in pieces of its size instead of 256
 * bytes on the verifier's stack. An ESP8266 read costs mostly per call
 * (1 MiB in 256-byte reads 131.1 ms, in 4 KiB reads 117.5 ms), and a
 * bootloader has RAM to spare that an app's task stack has not. */
#ifndef FK_IMAGE_VERIFY_EX_H
#define FK_IMAGE_VERIFY_EX_H

#include <stdint.h>
#include "esp_image_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a reader of the image's bytes [0, L) computed on the way. */
typedef struct {
    uint32_t L;        /* end of the hashed prefix: checksum offset + 1 */
    uint32_t hdr_crc;  /* fk_crc32_le from 0xFFFFFFFF over the image header and
                        * the segment headers, in order, as the reader saw them */
    uint8_t checksum;  /* ESP_CHECKSUM_MAGIC XOR every byte of segment data */
    uint8_t digest[ESP_IMAGE_HASH_LEN]; /* SHA-256 of [0, L) */
} fk_image_sums_t;

typedef struct {
    /* The data's checksum and hash, not read; NULL: read the data. */
    const fk_image_sums_t *sums;
    /* Where the data is read into; NULL (or under 256 bytes): 256 bytes on
     * the verifier's stack. Not touched by another call while in use. */
    uint8_t *buf;
    size_t buf_len;
} fk_image_read_t;

/* fk_image_verify (which is this with how NULL). With sums:
 * ESP_ERR_INVALID_STATE (info as far as the walk got) when they do not
 * belong to this image: the headers on flash are not the ones the reader
 * saw (hdr_crc) or end the prefix elsewhere (L), or the image is ESP32-form
 * (the summing reader knows the ESP8266 header only). The caller then
 * verifies in full. Every byte read here is thus checked against what the
 * reader saw: the headers by hdr_crc, the stored checksum byte by the
 * checksum, the stored SHA-256 by the digest. */
esp_err_t fk_image_verify_ex(fk_flash_t *flash, uint32_t offset, uint32_t part_size, unsigned checks,
                             const fk_image_read_t *how, fk_image_info_t *info);

#ifdef __cplusplus
}
#endif

#endif
