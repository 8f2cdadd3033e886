/* Host-side reading of an app image file the way esptool.py v2.4.0's
 * `image_info` reads it (app-image.md §6), so `flashkit image info` can
 * reproduce its report line for line, plus what esptool does not show
 * (appended SHA-256 of ESP8266 v3 apps, app descriptor, v2 CRC). */
#ifndef FK_IMAGE_INFO_H
#define FK_IMAGE_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { FK_CHIP_AUTO = 0, FK_CHIP_ESP8266 = 1, FK_CHIP_ESP32 = 2 };

/* esptool's outcome: parsed, crashed (Python exception, exit 1) or a fatal error (exit 2). */
enum { FK_INFO_OK = 0, FK_INFO_CRASH = 1, FK_INFO_FATAL = 2 };

#define FK_INFO_MAX_SEGS 17 /* v2: the IROM segment + up to 16 */

typedef struct {
    uint32_t addr;       /* load address as shown (0 for the v2 IROM segment) */
    uint32_t len;        /* data length as esptool shows it: padded to 4 */
    uint32_t stored_len; /* length field of the segment header */
    uint32_t file_offs;  /* of the segment header */
    bool in_checksum;
} fk_info_seg_t;

typedef struct {
    int chip;            /* FK_CHIP_ESP8266 or FK_CHIP_ESP32 (resolved) */
    bool chip_detected;  /* chosen by looking at the file (no --chip) */
    int version;         /* 1 or 2 (0xEA) */
    uint8_t magic, flash_mode, flash_size_freq;
    uint32_t entry;
    uint8_t wp_pin, append_digest; /* ESP32 extended header */
    int nsegs;
    fk_info_seg_t seg[FK_INFO_MAX_SEGS];
    uint8_t checksum, checksum_calc;
    uint32_t checksum_offs;
    uint32_t end;        /* file position after the checksum byte (L) */
    /* ESP32 with append_digest: stored digest may be short */
    uint8_t digest_calc[32], digest_stored[32];
    size_t digest_stored_len;
    /* ESP8266 v1/v3: SHA-256 of [0, L) appended after the checksum (esptool ignores it) */
    bool sha_present;    /* the file has 32 bytes after L */
    bool sha_valid;
    uint8_t sha_calc[32], sha_stored[32];
    /* v2: trailing CRC-32 word */
    bool v2_crc_present, v2_crc_valid;
    uint32_t v2_crc_stored, v2_crc_calc;
    size_t file_len;
    /* outcome */
    int status;          /* FK_INFO_* */
    char error[200];     /* esptool's message (fatal) or the exception it dies with (crash) */
    char problem[200];   /* flashkit's explanation: offset and what is wrong */
    char warnings[2048]; /* lines esptool prints while loading, each ending in \n */
} fk_image_view_t;

/* Parses buf as esptool would for `chip` (FK_CHIP_AUTO: guess from the bytes). */
void fk_image_view_parse(const uint8_t *buf, size_t len, int chip, fk_image_view_t *v);

/* Prints what esptool.py v2.4.0 `image_info` prints on stdout after its banner line. */
void fk_image_view_print_esptool(FILE *f, const fk_image_view_t *v);

/* Human names of the header fields. ESP8266 SDK 3.x apps code the size with the ESP32 table. */
const char *fk_image_mode_name(uint8_t mode);
const char *fk_image_freq_name(uint8_t freq);
const char *fk_image_size_name(uint8_t code, bool esp32_table);

#endif
