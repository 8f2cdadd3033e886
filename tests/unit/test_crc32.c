/* The host's byte-table CRC and the device's nibble-table CRC are the same
 * function: the nibble variant is compiled here under another name. */
#include "fk_test.h"
#include "fk_crc32.h"

#undef FK_CRC32_TABLE256
#define fk_crc32_le fk_crc32_le_nibble
#include "../../core/fk_crc32.c"
#undef fk_crc32_le

uint32_t fk_crc32_le_nibble(uint32_t crc, const void *buf, size_t len);

int main(void)
{
    CHECK_EQ(fk_crc32_le(0xFFFFFFFF, "123456789", 9), 0xD202D277);
    CHECK_EQ(fk_crc32_le_nibble(0xFFFFFFFF, "123456789", 9), 0xD202D277);
    uint8_t buf[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    int same = 1;
    for (size_t n = 0; n <= sizeof buf; n += 37) {
        uint32_t seed = (uint32_t)n * 2654435761u;
        if (fk_crc32_le(seed, buf, n) != fk_crc32_le_nibble(seed, buf, n)) same = 0;
    }
    CHECK(same);
    return fk_test_done("crc32");
}
