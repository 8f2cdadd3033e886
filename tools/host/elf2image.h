/* ELF -> ESP8266 SDK 3.x app image ("v3"), byte for byte what the SDK's
 * esptool.py v2.4.0 `elf2image --version=3` writes (app-image.md §1-2). */
#ifndef FK_ELF2IMAGE_H
#define FK_ELF2IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *flash_mode; /* qio qout dio dout (default qio) */
    const char *flash_freq; /* 40m 26m 20m 80m (default 40m) */
    const char *flash_size; /* 1MB 2MB 4MB 8MB 16MB, or the old 8m/16m/32m/64m/128m (default 1MB) */
    /* Not done by the SDK's esptool (so off for byte-exact output): write the
     * SHA-256 of the ELF file into the image, like ESP-IDF's
     * --elf-sha256-offset. elf_sha256_desc puts it into the app descriptor's
     * app_elf_sha256 field; elf_sha256_offset (when > 0) at that image offset. */
    int elf_sha256_desc;
    uint32_t elf_sha256_offset;
} fk_elf2image_opts_t;

/* Converts the ELF file held in elf[0..len). On success returns 0 with a malloc'd
 * image in *out; on failure returns -1 with err naming the offset/section and what
 * is wrong. */
int fk_elf2image(const uint8_t *elf, size_t len, const fk_elf2image_opts_t *opt, uint8_t **out, size_t *outlen,
                 char *err, size_t errlen);

/* The header byte values for the option names; -1 when the name is not accepted. */
int fk_elf2image_mode_code(const char *name);
int fk_elf2image_freq_code(const char *name);
int fk_elf2image_size_code(const char *name); /* already shifted into the high nibble */

#endif
