#include "flash_timing.h"

/* Microseconds for 2^(i+2) bytes, i = 0..10 (4 B .. 4 KiB). */
static const uint16_t read_us[11] = {7, 5, 6, 7, 11, 18, 32, 60, 118, 231, 459};
static const uint16_t write_us[11] = {19, 23, 35, 57, 106, 205, 417, 814, 1622, 3200, 6367};

static uint64_t interp_ns(uint64_t bytes, const uint16_t *lut)
{
    uint64_t whole = 0;
    while (bytes > 4096) {
        whole += (uint64_t)lut[10] * 1000u;
        bytes -= 4096;
    }
    if (bytes <= 4) return whole + (uint64_t)lut[0] * 1000u;
    int i = 0; /* 2^(i+2) <= bytes < 2^(i+3) */
    while (i < 10 && (4ull << (i + 1)) <= bytes) i++;
    uint64_t x1 = 4ull << i;
    if (i == 10) return whole + (uint64_t)lut[10] * 1000u;
    uint64_t x2 = x1 * 2;
    int64_t y1 = (int64_t)lut[i] * 1000, y2 = (int64_t)lut[i + 1] * 1000;
    /* Reads of 8 B are cheaper than of 4 B in the table: slopes can be negative. */
    return whole + (uint64_t)(y1 + (y2 - y1) * (int64_t)(bytes - x1) / (int64_t)(x2 - x1));
}

uint64_t fk_esp8266_read_ns(uint64_t bytes)
{
    return interp_ns(bytes, read_us);
}

uint64_t fk_esp8266_write_ns(uint64_t bytes)
{
    return interp_ns(bytes, write_us);
}
