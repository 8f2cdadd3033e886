/* What `flashkit image info` and `image verify` print about an image file:
 * the format work behind the thin command in tools/cli/cmd_image.c. */
#ifndef FK_IMAGE_REPORT_H
#define FK_IMAGE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "image_info.h"

/* esptool's lines, then the flash parameters, appended SHA-256, app
 * descriptor, link slot and the SDK bootloader's verdicts. `offset` is where
 * the image starts in the file (0 for an image file). */
void fk_image_report_text(FILE *f, const char *path, uint32_t offset, const uint8_t *buf, size_t len,
                          const fk_image_view_t *v);
void fk_image_report_json(FILE *f, const char *path, const uint8_t *buf, size_t len, const fk_image_view_t *v);

typedef struct {
    uint32_t slot;      /* flash offset the image is written at */
    uint32_t part_size; /* bytes of the slot */
    bool slot_given;    /* a target slot was named: esp_ota_end's link rule applies */
    unsigned checks;    /* FK_IMAGE_CHECK_* */
    int chip;           /* FK_CHIP_ESP8266 or FK_CHIP_ESP32 */
    bool json;
} fk_image_verify_req_t;

/* Prints "PATH: valid (image_len=N)" or "PATH: invalid (reason)" (or the
 * JSON form); returns 0 valid, 1 invalid. */
int fk_image_verify_report(FILE *f, const char *path, const uint8_t *buf, size_t len, const fk_image_verify_req_t *r);

#endif
