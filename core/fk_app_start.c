#include "fk_app_start.h"

static uint32_t running_addr;

void fk_app_start(const esp_partition_t *p)
{
    running_addr = p ? p->address : 0;
}

void fk_app_start_at(uint32_t flash_addr)
{
    running_addr = flash_addr;
}

uint32_t fk_app_running_addr(void)
{
    return running_addr;
}
