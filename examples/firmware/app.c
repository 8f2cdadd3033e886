/* The demo firmware: the smallest ESP8266 SDK 3.x style app that carries an
 * app descriptor, so OTA from v1 to v2 can be seen in `flashkit device boot`.
 * Built by scripts/build-firmware.sh; never linked against the SDK. */
#include <stdint.h>
#include "esp_app_format.h"

#ifndef APP_VERSION
#define APP_VERSION "0.0.0"
#endif
#ifndef APP_PROJECT
#define APP_PROJECT "flashkit_demo"
#endif
#ifndef APP_IDF_VER
#define APP_IDF_VER "v3.4-flashkit"
#endif

/* First item of .flash.rodata, right after the 8-byte hole (app.ld.in). */
const esp_app_desc_t esp_app_desc __attribute__((section(".rodata_desc"), used)) = {
    .magic_word = ESP_APP_DESC_MAGIC_WORD,
    .version = APP_VERSION,
    .project_name = APP_PROJECT,
    .time = __TIME__,
    .date = __DATE__,
    .idf_ver = APP_IDF_VER,
};

static const char banner[] __attribute__((section(".rodata.banner"))) = "flashkit demo " APP_VERSION;

/* In DRAM, so the image also has a RAM-loaded data segment like a real app. */
volatile uint32_t demo_state = 0x600DF00Du;

/* In IRAM: code the bootloader copies to RAM, as interrupt handlers are. */
__attribute__((section(".iram1.text"))) uint32_t demo_mix(uint32_t x)
{
    return (x << 5) ^ (x >> 3) ^ demo_state;
}

/* The SDK's entry point lives in flash; its address tells which slot the
 * image was linked for (esp_ota_end checks it on 1 MB layouts). */
__attribute__((section(".text.entry"), noreturn)) void call_start_cpu(void)
{
    uint32_t i = 0;
    for (;;) {
        demo_state = demo_mix(demo_state + (uint8_t)banner[i]);
        i = banner[i + 1] ? i + 1 : 0;
    }
}
