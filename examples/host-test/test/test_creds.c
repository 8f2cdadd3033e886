/* app_creds on the emulated flash: the factory's NVS image, updates, and a
 * power cut at every flash write and erase of an update. */
#include <stdlib.h>
#include <string.h>

#include <flashkit/host.h>
#include <nvs.h>
#include <nvs_flash.h>

#include "app_creds.h"
#include "check.h"

static const app_creds_t factory = {"plug-0001", "dsj3RuY74pgCBJ3zczKz1LaLK7RGApqh", "a10BnLLzGv4",
                                    "pVfLpS1u3A9JM0go"};
static const app_creds_t renewed = {"plug-0001-b", "Q2xvdWRTZWNyZXQtcm90YXRlZC0wMDAx", "b22CnMMaHw5",
                                    "rotatedProductSecret"};

static int same(const app_creds_t *a, const app_creds_t *b)
{
    return !strcmp(a->device_name, b->device_name) && !strcmp(a->device_secret, b->device_secret) &&
           !strcmp(a->product_key, b->product_key) && !strcmp(a->product_secret, b->product_secret);
}

/* A chip as it leaves the factory: the table, the credentials' NVS image. */
static flashkit_dev_t *factory_device(int with_creds)
{
    char err[320];
    flashkit_dev_t *d = flashkit_dev_create(HOST_TEST_DIR "/partitions.csv", NULL, err, sizeof err);
    if (d && with_creds && flashkit_dev_flash_nvs_csv(d, "nvs", HOST_TEST_DIR "/creds.csv", err, sizeof err) != ESP_OK) {
        flashkit_dev_close(d);
        d = NULL;
    }
    if (!d) {
        fprintf(stderr, "device: %s\n", err);
        exit(1);
    }
    return d;
}

static void factory_set_reads(void)
{
    flashkit_dev_t *d = factory_device(1);
    app_creds_t c;
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    CHECK_ERR(app_creds_load(&c), ESP_OK);
    CHECK(same(&c, &factory));
    flashkit_dev_close(d);
}

static void missing_and_bad(void)
{
    flashkit_dev_t *d = factory_device(0);
    app_creds_t c;
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    CHECK_ERR(app_creds_load(&c), ESP_ERR_NVS_NOT_FOUND); /* no namespace at all */
    nvs_handle_t h;
    CHECK_ERR(nvs_open(APP_CREDS_NAMESPACE, NVS_READWRITE, &h), ESP_OK);
    CHECK_ERR(nvs_set_str(h, "DeviceName", "plug-0002"), ESP_OK);
    CHECK_ERR(nvs_set_str(h, "DeviceSecret", "s"), ESP_OK);
    CHECK_ERR(nvs_set_str(h, "ProductKey", "k"), ESP_OK);
    CHECK_ERR(nvs_commit(h), ESP_OK);
    CHECK_ERR(app_creds_load(&c), ESP_ERR_NVS_NOT_FOUND); /* ProductSecret missing */
    CHECK(c.device_name[0] == 0);                         /* nothing half-filled */
    CHECK_ERR(nvs_set_str(h, "ProductSecret", "this product secret is far longer than sixty-four characters, so no"),
              ESP_OK);
    CHECK_ERR(app_creds_load(&c), ESP_ERR_INVALID_SIZE);
    nvs_close(h);

    app_creds_t empty = renewed;
    empty.product_key[0] = 0;
    CHECK_ERR(app_creds_store(&empty), ESP_ERR_INVALID_SIZE);
    flashkit_dev_close(d);
}

static void update_survives_reboot(void)
{
    flashkit_dev_t *d = factory_device(1);
    app_creds_t c;
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    CHECK_ERR(app_creds_store(&renewed), ESP_OK);
    /* no app flashed: nothing boots, but the reset still clears RAM state */
    CHECK_ERR(flashkit_dev_reboot(d, NULL), ESP_ERR_NOT_FOUND);
    CHECK_ERR(app_creds_load(&c), ESP_ERR_NVS_NOT_INITIALIZED);
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    CHECK_ERR(app_creds_load(&c), ESP_OK);
    CHECK(same(&c, &renewed));
    flashkit_dev_close(d);
}

/* Cut power at the n-th flash operation of an update, for every n: after the
 * reset the module must give the old set, the new set, or say the update was
 * interrupted - and a retried update must then succeed. */
static void power_cut_sweep(void)
{
    flashkit_dev_t *d = factory_device(1);
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    flashkit_dev_reset_counters(d);
    CHECK_ERR(app_creds_store(&renewed), ESP_OK);
    flashkit_counters_t k;
    flashkit_dev_counters(d, &k);
    flashkit_dev_close(d);
    uint64_t ops = k.ops;
    printf("app_creds_store: %llu flash writes, %llu erases, %llu bytes, %.2f ms on an ESP8266\n",
           (unsigned long long)k.writes, (unsigned long long)k.erases, (unsigned long long)k.bytes_written,
           k.device_ns / 1e6);
    CHECK(ops > 4);

    int old_set = 0, new_set = 0, interrupted = 0, cuts = 0;
    for (int torn = 0; torn <= 1; torn++) {
        for (uint64_t n = 1; n <= ops; n++) {
            d = factory_device(1);
            CHECK_ERR(nvs_flash_init(), ESP_OK);
            flashkit_dev_cut_power(d, n, torn, (uint32_t)n);
            esp_err_t e = app_creds_store(&renewed);
            CHECK(e != ESP_OK);
            CHECK(flashkit_dev_power_lost(d));
            cuts++;
            flashkit_dev_reboot(d, NULL);
            CHECK_ERR(nvs_flash_init(), ESP_OK);
            app_creds_t c;
            e = app_creds_load(&c);
            if (e == ESP_OK && same(&c, &factory)) old_set++;
            else if (e == ESP_OK && same(&c, &renewed)) new_set++;
            else if (e == ESP_ERR_INVALID_STATE) interrupted++;
            else {
                CHECK(!"after a cut: a mixed or unreadable set");
                fprintf(stderr, "  cut at op %llu (%s): %s\n", (unsigned long long)n, torn ? "torn" : "atomic",
                        esp_err_to_name(e));
            }
            CHECK_ERR(app_creds_store(&renewed), ESP_OK); /* the retry */
            CHECK_ERR(app_creds_load(&c), ESP_OK);
            CHECK(same(&c, &renewed));
            flashkit_dev_close(d);
        }
    }
    printf("power cuts: %d (old set %d, new set %d, interrupted %d)\n", cuts, old_set, new_set, interrupted);
    CHECK(old_set > 0);
    CHECK(interrupted > 0);
}

int main(void)
{
    factory_set_reads();
    missing_and_bad();
    update_survives_reboot();
    power_cut_sweep();
    return check_done("test_creds");
}
