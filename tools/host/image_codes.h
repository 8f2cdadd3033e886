/* The flash parameters in an image header (byte 2: SPI mode; byte 3: size
 * code in the high nibble, frequency code in the low one), each code with
 * the name esptool's options use and the name its reports show. One table
 * for `image make` (name -> code) and `image info` (code -> name). */
#ifndef FK_IMAGE_CODES_H
#define FK_IMAGE_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t code;
    const char *opt;   /* as given to elf2image ("dio", "40m", "2MB"), NULL if it cannot be */
    const char *alt;   /* an older spelling esptool still converts ("16m"), or NULL */
    const char *shown; /* as reports show it ("DIO", "40MHz", "2MB") */
} fk_image_code_t;

typedef enum {
    FK_CODES_MODE,
    FK_CODES_FREQ,
    FK_CODES_SIZE_ESP32, /* ESP32 images and ESP8266 SDK 3.x apps (app-image.md §2) */
    FK_CODES_SIZE_ROM,   /* the ESP8266 ROM's table: v1 images, the bootloader */
} fk_image_codes_kind_t;

const fk_image_code_t *fk_image_codes(fk_image_codes_kind_t kind, size_t *n);
/* The code for an option name (or its older spelling); -1 if none. */
int fk_image_code_of(fk_image_codes_kind_t kind, const char *opt);
/* The shown name of a code, or "unknown". */
const char *fk_image_code_name(fk_image_codes_kind_t kind, uint8_t code);

#endif
