#include "image_codes.h"

#include <string.h>

static const fk_image_code_t modes[] = {
    {0, "qio", NULL, "QIO"}, {1, "qout", NULL, "QOUT"}, {2, "dio", NULL, "DIO"}, {3, "dout", NULL, "DOUT"},
    {4, NULL, NULL, "FAST_READ"}, {5, NULL, NULL, "SLOW_READ"},
};
static const fk_image_code_t freqs[] = {
    {0x0, "40m", NULL, "40MHz"}, {0x1, "26m", NULL, "26MHz"}, {0x2, "20m", NULL, "20MHz"}, {0xF, "80m", NULL, "80MHz"},
};
static const fk_image_code_t sizes_esp32[] = {
    {0, "1MB", "8m", "1MB"},   {1, "2MB", "16m", "2MB"},    {2, "4MB", "32m", "4MB"},
    {3, "8MB", "64m", "8MB"}, {4, "16MB", "128m", "16MB"},
};
/* Sizes only the ROM table has cannot be made: esptool's v3 writer would crash on them. */
static const fk_image_code_t sizes_rom[] = {
    {0, NULL, NULL, "512KB"}, {1, NULL, NULL, "256KB"},  {2, NULL, NULL, "1MB"},    {3, NULL, NULL, "2MB"},
    {4, NULL, NULL, "4MB"},   {5, NULL, NULL, "2MB-c1"}, {6, NULL, NULL, "4MB-c1"}, {8, NULL, NULL, "8MB"},
    {9, NULL, NULL, "16MB"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const fk_image_code_t *fk_image_codes(fk_image_codes_kind_t kind, size_t *n)
{
    switch (kind) {
    case FK_CODES_MODE: *n = N(modes); return modes;
    case FK_CODES_FREQ: *n = N(freqs); return freqs;
    case FK_CODES_SIZE_ESP32: *n = N(sizes_esp32); return sizes_esp32;
    case FK_CODES_SIZE_ROM: *n = N(sizes_rom); return sizes_rom;
    }
    *n = 0;
    return NULL;
}

int fk_image_code_of(fk_image_codes_kind_t kind, const char *opt)
{
    size_t n;
    const fk_image_code_t *t = fk_image_codes(kind, &n);
    for (size_t i = 0; i < n; i++)
        if ((t[i].opt && !strcmp(opt, t[i].opt)) || (t[i].alt && !strcmp(opt, t[i].alt))) return t[i].code;
    return -1;
}

const char *fk_image_code_name(fk_image_codes_kind_t kind, uint8_t code)
{
    size_t n;
    const fk_image_code_t *t = fk_image_codes(kind, &n);
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code) return t[i].shown;
    return "unknown";
}
