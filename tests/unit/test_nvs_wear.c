/* Wear: 100,000 updates of a small set of values; garbage collection must
 * spread the sector erases over every page of the partition. */
#include <stdio.h>
#include <string.h>
#include "flash_emu.h"
#include "fk_test.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"

static void wear(uint32_t size, uint8_t version, int updates)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, size), 0);
    nvs_fk_config_t cfg = {NULL, 0, version, false};
    CHECK_EQ(nvs_flash_init_region("wear", &emu.flash, 0, size, &cfg), ESP_OK);
    nvs_handle_t h;
    CHECK_EQ(nvs_open_from_partition("wear", "cfg", NVS_READWRITE, &h), ESP_OK);
    /* Long-lived settings written once, then counters and a status string. */
    char key[16], val[40];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "static%d", i);
        CHECK_EQ(nvs_set_u32(h, key, (uint32_t)i * 3u), ESP_OK);
    }
    for (int i = 0; i < updates; i++) {
        snprintf(key, sizeof key, "ctr%d", i % 8);
        esp_err_t err = nvs_set_u32(h, key, (uint32_t)i);
        if (i % 5 == 0) {
            snprintf(val, sizeof val, "status %d", i);
            if (err == ESP_OK) err = nvs_set_str(h, "status", val);
        }
        if (err != ESP_OK) {
            fprintf(stderr, "update %d: %s\n", i, esp_err_to_name(err));
            CHECK_EQ(err, ESP_OK);
            break;
        }
    }
    nvs_close(h);
    nvs_flash_deinit_partition("wear");
    CHECK_EQ(nvs_flash_init_region("wear", &emu.flash, 0, size, &cfg), ESP_OK);
    CHECK_EQ(nvs_open_from_partition("wear", "cfg", NVS_READONLY, &h), ESP_OK);
    for (int i = 0; i < 40; i++) {
        uint32_t v = 0;
        snprintf(key, sizeof key, "static%d", i);
        CHECK_EQ(nvs_get_u32(h, key, &v), ESP_OK);
        CHECK_EQ(v, (uint32_t)i * 3u);
    }
    uint32_t v = 0;
    snprintf(key, sizeof key, "ctr%d", (updates - 1) % 8);
    CHECK_EQ(nvs_get_u32(h, key, &v), ESP_OK);
    CHECK_EQ(v, (uint32_t)(updates - 1));
    nvs_flash_deinit_partition("wear");

    uint32_t pages = size / 4096, mx = 0, mn = UINT32_MAX;
    printf("wear v%u, %u pages, %d updates: erases per page:", version, pages, updates);
    for (uint32_t p = 0; p < pages; p++) {
        uint32_t e = emu.sector_erases[p];
        printf(" %u", e);
        if (e > mx) mx = e;
        if (e < mn) mn = e;
    }
    printf("  (max %u, min %u, total %llu)\n", mx, mn, (unsigned long long)emu.st.erases);
    CHECK(mn > 0);
    CHECK(mx <= mn + mn / 4 + 2); /* within 25% of each other */
    CHECK_EQ(emu.st.nor_violations, 0);
    fk_emu_close(&emu);
}

int main(void)
{
    wear(0x6000, 1, 100000);
    wear(0x10000, 2, 100000);
    return fk_test_done("test_nvs_wear");
}
