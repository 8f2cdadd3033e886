/* A firmware that uses none of the core: linked against the whole core
 * archive, it must come out as small as without it. */
#include <stdint.h>

volatile uint32_t fw_ticks;

void app_main(void)
{
    for (uint32_t i = 0; i < 1000; i++) fw_ticks += i;
}
