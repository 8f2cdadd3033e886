/* libflashkit's own host API as a test suite uses it: devices from a CSV,
 * a built-in table and an image file, bad input reported with its file and
 * line, counters, two boards in one process, the sdkconfig reader. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <esp_partition.h>
#include <flashkit/host.h>
#include <nvs.h>
#include <nvs_flash.h>

#include "check.h"

static char dir[64];

static const char *path(const char *name)
{
    static char ring[4][128];
    static int next;
    char *p = ring[next++ % 4];
    snprintf(p, sizeof ring[0], "%s/%s", dir, name);
    return p;
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(path(name), "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) exit(1);
}

static void bad_input(void)
{
    char err[320] = "";
    put("bad.csv", "nvs, data, nvs, 0x9000, 0x4000,\nota_0, app, ota_0, 0x10000, lots,\n");
    CHECK(flashkit_dev_create(path("bad.csv"), NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "bad.csv") && strstr(err, "line 2"));
    CHECK(flashkit_dev_create(path("absent.csv"), NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "absent.csv") != NULL);
    flashkit_dev_opts_t o = {.flash_size = 12345};
    CHECK(flashkit_dev_create("two_ota", &o, err, sizeof err) == NULL);
    /* an image file that is not one: wrong size, nothing created on failure */
    put("short.img", "not a flash image");
    CHECK(flashkit_dev_open_image(path("short.img"), 0, err, sizeof err) == NULL);
    CHECK(strstr(err, "short.img") != NULL);
    flashkit_dev_opts_t big = {.flash_size = 1u << 20, .image_path = path("nofit.img")};
    put("big.csv", "nvs, data, nvs, 0x9000, 0x4000,\nfactory, app, factory, 0x10000, 2M,\n");
    CHECK(flashkit_dev_create(path("big.csv"), &big, err, sizeof err) == NULL);
    CHECK(access(path("nofit.img"), F_OK) != 0);

    put("bad.sdkconfig", "CONFIG_APP_UPDATE_CHECK_APP_SUM=y\nCONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=maybe\n");
    flashkit_sdkconfig_t c;
    flashkit_sdkconfig_default(&c);
    CHECK(flashkit_sdkconfig_load(path("bad.sdkconfig"), &c, err, sizeof err) == -1);
    CHECK(strstr(err, "bad.sdkconfig:2:") != NULL);
    put("good.sdkconfig", "# CONFIG_APP_UPDATE_CHECK_APP_HASH is not set\nCONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y\n"
                          "CONFIG_ESPTOOLPY_FLASHSIZE_2MB=y\n\n");
    CHECK(flashkit_sdkconfig_load(path("good.sdkconfig"), &c, err, sizeof err) == 0);
    CHECK(c.rollback && !c.check_hash && c.check_sum && !c.copy_app);
}

static void builtin_table_and_counters(void)
{
    char err[320];
    flashkit_dev_t *d = flashkit_dev_create("two_ota", NULL, err, sizeof err);
    CHECK(d != NULL);
    if (!d) return;
    CHECK(flashkit_dev_current() == d);
    const esp_partition_t *nvs = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, NULL);
    CHECK(nvs && nvs->address == 0x9000);
    CHECK(esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_1, NULL) != NULL);
    flashkit_dev_reset_counters(d);
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    nvs_handle_t h;
    CHECK_ERR(nvs_open("settings", NVS_READWRITE, &h), ESP_OK);
    CHECK_ERR(nvs_set_u32(h, "boots", 1), ESP_OK);
    CHECK_ERR(nvs_commit(h), ESP_OK);
    nvs_close(h);
    flashkit_counters_t k;
    flashkit_dev_counters(d, &k);
    CHECK(k.writes > 0 && k.ops == k.writes + k.erases && k.nor_violations == 0 && k.device_ns > 0);
    /* wear: nvs_flash_erase() erases each of the partition's sectors once */
    uint32_t before = flashkit_dev_sector_erases(d, 0xA000);
    CHECK_ERR(nvs_flash_deinit(), ESP_OK);
    CHECK_ERR(nvs_flash_erase(), ESP_OK);
    CHECK(flashkit_dev_sector_erases(d, 0xA000) == before + 1);
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    CHECK_ERR(nvs_open("settings", NVS_READWRITE, &h), ESP_OK);
    CHECK_ERR(nvs_set_u32(h, "boots", 1), ESP_OK);
    CHECK_ERR(nvs_commit(h), ESP_OK);
    nvs_close(h);

    /* a cut: every access fails until reboot; peek still reads */
    flashkit_dev_cut_power(d, 1, false, 0);
    CHECK_ERR(nvs_open("settings", NVS_READWRITE, &h), ESP_OK);
    CHECK(nvs_set_u32(h, "boots", 2) != ESP_OK);
    nvs_close(h);
    CHECK(flashkit_dev_power_lost(d));
    uint8_t magic[2];
    CHECK_ERR(flashkit_dev_peek(d, 0x8000, magic, 2), ESP_OK);
    CHECK(magic[0] == 0xAA && magic[1] == 0x50);
    CHECK_ERR(flashkit_dev_reboot(d, NULL), ESP_ERR_NOT_FOUND); /* no app flashed */
    CHECK(!flashkit_dev_power_lost(d));
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    uint32_t boots = 0;
    CHECK_ERR(nvs_open("settings", NVS_READONLY, &h), ESP_OK);
    CHECK_ERR(nvs_get_u32(h, "boots", &boots), ESP_OK);
    CHECK(boots == 1);
    nvs_close(h);
    flashkit_dev_close(d);
    CHECK(flashkit_dev_current() == NULL);
    CHECK(esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, NULL) == NULL);
}

/* A device kept in a file outlives the process's view of it; two boards in
 * one process each keep their own flash. */
static void image_file_and_two_boards(void)
{
    char err[320];
    flashkit_dev_opts_t o = {.flash_size = 2u << 20, .image_path = path("dev.img")};
    flashkit_dev_t *a = flashkit_dev_create(HOST_TEST_DIR "/partitions.csv", &o, err, sizeof err);
    CHECK(a != NULL);
    if (!a) return;
    CHECK_ERR(flashkit_dev_flash_nvs_csv(a, "nvs", HOST_TEST_DIR "/creds.csv", err, sizeof err), ESP_OK);
    CHECK_ERR(flashkit_dev_flash_nvs_csv(a, "ota_0", HOST_TEST_DIR "/creds.csv", err, sizeof err), ESP_ERR_NOT_FOUND);
    CHECK_ERR(flashkit_dev_flash_file(a, "ota_9", HOST_TEST_DIR "/creds.csv", err, sizeof err), ESP_ERR_NOT_FOUND);
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    nvs_handle_t h;
    CHECK_ERR(nvs_open("aliyun-key", NVS_READWRITE, &h), ESP_OK);
    CHECK_ERR(nvs_set_str(h, "DeviceName", "written-on-a"), ESP_OK);
    CHECK_ERR(nvs_commit(h), ESP_OK);
    nvs_close(h);

    flashkit_dev_t *b = flashkit_dev_create("two_ota", NULL, err, sizeof err); /* now current */
    CHECK(b && flashkit_dev_current() == b);
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    CHECK_ERR(nvs_open("aliyun-key", NVS_READONLY, &h), ESP_ERR_NVS_NOT_FOUND); /* b's NVS is empty */
    flashkit_dev_close(b);
    flashkit_dev_close(a);

    flashkit_dev_t *again = flashkit_dev_open_image(path("dev.img"), 0, err, sizeof err);
    CHECK(again != NULL);
    if (!again) return;
    CHECK_ERR(nvs_flash_init(), ESP_OK);
    char name[40];
    size_t len = sizeof name;
    CHECK_ERR(nvs_open("aliyun-key", NVS_READONLY, &h), ESP_OK);
    CHECK_ERR(nvs_get_str(h, "DeviceName", name, &len), ESP_OK);
    CHECK(!strcmp(name, "written-on-a"));
    len = sizeof name;
    CHECK_ERR(nvs_get_str(h, "ProductKey", name, &len), ESP_OK);
    CHECK(!strcmp(name, "a10BnLLzGv4"));
    nvs_close(h);
    flashkit_dev_close(again);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/host-test-api-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    bad_input();
    builtin_table_and_counters();
    image_file_and_two_boards();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    return check_done("test_host_api");
}
