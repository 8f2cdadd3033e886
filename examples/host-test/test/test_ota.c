/* app_ota against a real HTTP server (python3 -m http.server on 127.0.0.1)
 * and the emulated flash: a good update, the ways a download goes wrong, and
 * a power cut at every flash write and erase of an update. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <esp_http_client.h>
#include <esp_ota_ops.h>
#include <flashkit/host.h>

#include "app_ota.h"
#include "check.h"
#include "http_server.h"

static char dir[64];
static http_server_t server;
static char url_v2[128], url_half[128], url_garbage[128], url_missing[128];

/* Runs a shell command built like printf; paths are quoted by the caller. */
static void sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd || system(cmd) != 0) {
        fprintf(stderr, "failed: %s\n", cmd);
        exit(1);
    }
}

/* The files the server offers: v2 for ota_1, the first half of it (an upload
 * that stopped), a page that is no image; v1 is what the factory flashed. */
static void make_files(void)
{
    snprintf(dir, sizeof dir, "/tmp/host-test-ota-XXXXXX");
    if (!mkdtemp(dir)) exit(1);
    const char *mk = HOST_TEST_DIR "/test/mkimage.py";
    sh("python3 '%s' %s/v1.bin 0x10000 1.0", mk, dir);
    sh("python3 '%s' %s/v2.bin 0x110000 2.0 24000", mk, dir);
    sh("head -c 12000 %s/v2.bin > %s/v2-half.bin", dir, dir);
    sh("printf '<html>index</html>' > %s/garbage.bin", dir);
}

static void remove_files(void)
{
    sh("rm -rf '%s'", dir);
}

static const char *running_version(void)
{
    static esp_app_desc_t d;
    const esp_partition_t *p = esp_ota_get_running_partition();
    if (!p || esp_ota_get_partition_description(p, &d) != ESP_OK) return "?";
    return d.version;
}

/* Factory state: v1 in ota_0, booted. */
static flashkit_dev_t *v1_device(void)
{
    char err[320], path[128];
    flashkit_dev_t *d = flashkit_dev_create(HOST_TEST_DIR "/partitions.csv", NULL, err, sizeof err);
    snprintf(path, sizeof path, "%s/v1.bin", dir);
    if (d && flashkit_dev_flash_file(d, "ota_0", path, err, sizeof err) != ESP_OK) {
        flashkit_dev_close(d);
        d = NULL;
    }
    flashkit_boot_info_t b;
    if (!d || flashkit_dev_reboot(d, &b) != ESP_OK || strcmp(b.booted->label, "ota_0") != 0) {
        fprintf(stderr, "device: %s\n", d ? "v1 does not boot" : err);
        exit(1);
    }
    return d;
}

static void good_update(void)
{
    flashkit_dev_t *d = v1_device();
    CHECK(!strcmp(running_version(), "1.0"));
    app_ota_report_t rep;
    CHECK_ERR(app_ota_run(url_v2, &rep), ESP_OK);
    CHECK(rep.http_status == 200);
    CHECK(rep.running && !strcmp(rep.running->label, "ota_0"));
    CHECK(rep.target && !strcmp(rep.target->label, "ota_1"));
    CHECK(rep.written > 24000);
    flashkit_boot_info_t b;
    CHECK_ERR(flashkit_dev_reboot(d, &b), ESP_OK); /* esp_restart() */
    CHECK(b.booted && !strcmp(b.booted->label, "ota_1"));
    CHECK(!strcmp(running_version(), "2.0"));
    flashkit_dev_close(d);
}

static void bad_downloads(void)
{
    flashkit_dev_t *d = v1_device();
    app_ota_report_t rep;
    CHECK_ERR(app_ota_run(url_garbage, &rep), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK_ERR(app_ota_run(url_half, &rep), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK_ERR(app_ota_run(url_missing, &rep), ESP_ERR_INVALID_RESPONSE);
    CHECK(rep.http_status == 404);
    CHECK(rep.target == NULL); /* nothing was erased for a 404 */
    char refused[96];
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d/v2.bin", http_free_port());
    CHECK_ERR(app_ota_run(refused, &rep), ESP_ERR_HTTP_CONNECT);
    flashkit_boot_info_t b;
    CHECK_ERR(flashkit_dev_reboot(d, &b), ESP_OK);
    CHECK(b.booted && !strcmp(b.booted->label, "ota_0")); /* still v1 */
    CHECK(!strcmp(running_version(), "1.0"));
    flashkit_dev_close(d);
}

/* The client the module uses, on its own: status, length, the body in the
 * caller's chunk sizes. */
static void http_client_basics(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/v2.bin", dir);
    FILE *f = fopen(path, "rb");
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (f) fclose(f);
    esp_http_client_config_t cfg = {.url = url_v2};
    esp_http_client_handle_t c = esp_http_client_init(&cfg);
    CHECK(c != NULL);
    if (!c) return;
    CHECK_ERR(esp_http_client_open(c, 0), ESP_OK);
    CHECK(esp_http_client_fetch_headers(c) == size);
    CHECK(esp_http_client_get_status_code(c) == 200);
    char buf[700];
    long total = 0;
    int n;
    while ((n = esp_http_client_read(c, buf, (int)sizeof buf)) > 0) total += n;
    CHECK(n == 0 && total == size);
    CHECK_ERR(esp_http_client_close(c), ESP_OK);
    CHECK_ERR(esp_http_client_cleanup(c), ESP_OK);
    esp_http_client_config_t none = {.url = NULL};
    CHECK(esp_http_client_init(&none) == NULL);
}

/* With CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE the new app must confirm
 * itself; one that does not is rolled back at the next reset. */
static void rollback(const flashkit_sdkconfig_t *base)
{
    flashkit_sdkconfig_t cfg = *base;
    cfg.rollback = true;
    flashkit_sdkconfig_apply(&cfg);
    flashkit_dev_t *d = v1_device();
    flashkit_boot_info_t b;
    esp_ota_img_states_t st;
    CHECK_ERR(app_ota_run(url_v2, NULL), ESP_OK);
    CHECK_ERR(flashkit_dev_reboot(d, &b), ESP_OK);
    CHECK(!strcmp(running_version(), "2.0") && !b.rolled_back);
    CHECK_ERR(esp_ota_get_state_partition(esp_ota_get_running_partition(), &st), ESP_OK);
    CHECK(st == ESP_OTA_IMG_PENDING_VERIFY);
    /* v2 crashes before it confirms: the watchdog resets */
    CHECK_ERR(flashkit_dev_reboot(d, &b), ESP_OK);
    CHECK(b.rolled_back && !strcmp(running_version(), "1.0"));

    CHECK_ERR(app_ota_run(url_v2, NULL), ESP_OK);
    CHECK_ERR(flashkit_dev_reboot(d, &b), ESP_OK);
    CHECK_ERR(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK); /* v2 is healthy */
    CHECK_ERR(flashkit_dev_reboot(d, &b), ESP_OK);
    CHECK(!b.rolled_back && !strcmp(running_version(), "2.0"));
    CHECK_ERR(esp_ota_get_state_partition(esp_ota_get_running_partition(), &st), ESP_OK);
    CHECK(st == ESP_OTA_IMG_VALID);
    flashkit_dev_close(d);
    flashkit_sdkconfig_apply(base);
}

static void power_cut_sweep(void)
{
    flashkit_dev_t *d = v1_device();
    flashkit_dev_reset_counters(d);
    CHECK_ERR(app_ota_run(url_v2, NULL), ESP_OK);
    flashkit_counters_t k;
    flashkit_dev_counters(d, &k);
    flashkit_dev_close(d);
    uint64_t ops = k.ops;
    printf("app_ota_run: %llu flash writes, %llu erases, %llu bytes, %.1f ms of flash time on an ESP8266\n",
           (unsigned long long)k.writes, (unsigned long long)k.erases, (unsigned long long)k.bytes_written,
           k.device_ns / 1e6);
    CHECK(ops > 10);

    int cuts = 0, stayed = 0, updated = 0;
    for (int torn = 0; torn <= 1; torn++) {
        for (uint64_t n = 1; n <= ops; n++) {
            d = v1_device();
            flashkit_dev_cut_power(d, n, torn, (uint32_t)(n * 7 + 1));
            CHECK(app_ota_run(url_v2, NULL) != ESP_OK);
            CHECK(flashkit_dev_power_lost(d));
            cuts++;
            flashkit_boot_info_t b;
            CHECK_ERR(flashkit_dev_reboot(d, &b), ESP_OK);
            /* Only the last operation (otadata's entry) may have finished
             * the selection of v2; everything before must boot v1. */
            if (b.booted && !strcmp(b.booted->label, "ota_0") && !strcmp(running_version(), "1.0")) stayed++;
            else if (n == ops && b.booted && !strcmp(running_version(), "2.0")) updated++;
            else {
                CHECK(!"after a cut: neither v1 nor a completed update boots");
                fprintf(stderr, "  cut at op %llu (%s): booted %s, version %s\n", (unsigned long long)n,
                        torn ? "torn" : "atomic", b.booted ? b.booted->label : "nothing", running_version());
            }
            /* the next attempt, with power, succeeds */
            CHECK_ERR(app_ota_run(url_v2, NULL), ESP_OK);
            CHECK_ERR(flashkit_dev_reboot(d, &b), ESP_OK);
            CHECK(!strcmp(running_version(), "2.0"));
            flashkit_dev_close(d);
        }
    }
    printf("power cuts: %d (v1 kept %d, update complete %d)\n", cuts, stayed, updated);
    CHECK(stayed >= cuts - 2);
}

int main(void)
{
    char err[320];
    flashkit_sdkconfig_t cfg;
    flashkit_sdkconfig_default(&cfg);
    if (flashkit_sdkconfig_load(HOST_TEST_DIR "/sdkconfig", &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    flashkit_sdkconfig_apply(&cfg);
    make_files();
    if (http_server_start(&server, dir) != 0) {
        remove_files();
        return 1;
    }
    snprintf(url_v2, sizeof url_v2, "http://127.0.0.1:%d/v2.bin", server.port);
    snprintf(url_half, sizeof url_half, "http://127.0.0.1:%d/v2-half.bin", server.port);
    snprintf(url_garbage, sizeof url_garbage, "http://127.0.0.1:%d/garbage.bin", server.port);
    snprintf(url_missing, sizeof url_missing, "http://127.0.0.1:%d/missing.bin", server.port);

    http_client_basics();
    good_update();
    bad_downloads();
    rollback(&cfg);
    power_cut_sweep();

    http_server_stop(&server);
    remove_files();
    return check_done("test_ota");
}
