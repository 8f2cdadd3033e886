/* Verification of an app image whose bytes a caller has already read in order
 * and summed: the OTA API reads every write back from flash as it arrives
 * (esp_ota_ops.c), so by esp_ota_end it holds the checksum and the SHA-256
 * of exactly what reached the flash. Verifying from those sums walks the
 * image's headers on flash with the very rules of fk_image_verify (it is the
 * same code in app_image.c) and reads the stored checksum byte and the
 * stored SHA-256, but not the data again: 1 MB costs a few dozen bytes of
 * reads instead of a 131 ms pass on an ESP8266. */
#ifndef FK_IMAGE_SUMS_H
#define FK_IMAGE_SUMS_H

#include <stdint.h>
#include "esp_image_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a reader of the image's bytes [0, L) computed on the way. */
typedef struct {
    uint32_t L;        /* end of the hashed prefix: checksum offset + 1 */
    uint8_t checksum;  /* ESP_CHECKSUM_MAGIC XOR every byte of segment data */
    uint8_t digest[ESP_IMAGE_HASH_LEN]; /* SHA-256 of [0, L) */
} fk_image_sums_t;

/* fk_image_verify, with the segment data's checksum and the hash taken from
 * sums instead of read (sums NULL: read, as fk_image_verify, which is this
 * with NULL). ESP_ERR_INVALID_STATE (info as far as the walk got)
 * when the sums do not belong to this image: the headers on flash end the
 * prefix elsewhere than sums->L, or the image is ESP32-form (the summing
 * reader knows the ESP8266 header only). The caller then verifies in full. */
esp_err_t fk_image_verify_sums(fk_flash_t *flash, uint32_t offset, uint32_t part_size, unsigned checks,
                               const fk_image_sums_t *sums, fk_image_info_t *info);

#ifdef __cplusplus
}
#endif

#endif
