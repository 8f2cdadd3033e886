/* examples/ota_client.c, written for the SDK, run against the emulator: a
 * good image, a body that is not an image, and a transport error. */
#include "boot_select.h"
#include "fk_test.h"
#include "test_ota_util.h"

#include "../../examples/ota_client.c"

typedef struct {
    const uint8_t *data;
    size_t len, at;
    size_t fail_at; /* 0 = never */
} source_t;

static int mem_read(void *ctx, char *buf, int len)
{
    source_t *s = ctx;
    if (s->fail_at && s->at >= s->fail_at) return -1;
    size_t n = s->len - s->at < (size_t)len ? s->len - s->at : (size_t)len;
    memcpy(buf, s->data + s->at, n);
    s->at += n;
    return (int)n;
}

int main(void)
{
    static uint8_t v1[0x4000], v2[0x4000];
    size_t l1 = ota_test_image(v1, 0x10000, "1.0", 5000), l2 = ota_test_image(v2, 0x20000, "2.0", 6000);
    fk_emu_t emu;
    fk_ptable_t t;
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_emu_load(&emu, 0x10000, v1, (uint32_t)l1);
    fk_boot_result_t r;
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);

    ota_client_report_t rep;
    source_t bad = {.data = (const uint8_t *)"<html>404</html>", .len = 16};
    CHECK_EQ(ota_client_run(mem_read, &bad, &rep), ESP_ERR_OTA_VALIDATE_FAILED);
    source_t drop = {.data = v2, .len = l2, .fail_at = 3000};
    CHECK_EQ(ota_client_run(mem_read, &drop, &rep), ESP_FAIL);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    CHECK_EQ(r.booted_index, 0); /* nothing changed */

    source_t good = {.data = v2, .len = l2};
    CHECK_EQ(ota_client_run(mem_read, &good, &rep), ESP_OK);
    CHECK(!rep.mismatch);
    CHECK_EQ(rep.written, l2);
    CHECK(rep.running->address == 0x10000 && rep.updated->address == 0x20000);
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK); /* esp_restart() */
    CHECK_EQ(r.booted_index, 1);
    esp_app_desc_t d;
    CHECK_EQ(esp_ota_get_partition_description(esp_ota_get_running_partition(), &d), ESP_OK);
    CHECK(strcmp(d.version, "2.0") == 0);
    fk_emu_close(&emu);
    return fk_test_done("test_ota_example");
}
