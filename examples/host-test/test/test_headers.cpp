// Every public header from C++: the extern "C" guards and C++-clean
// declarations firmware written in C++ depends on.
#include <esp_err.h>
#include <esp_http_client.h>
#include <esp_ota_ops.h>
#include <esp_partition.h>
#include <flashkit/host.h>
#include <nvs.h>
#include <nvs_flash.h>

#include <cstdio>
#include <cstring>

int main()
{
    char err[256];
    flashkit_dev_t *d = flashkit_dev_create("two_ota", nullptr, err, sizeof err);
    if (!d) {
        std::fprintf(stderr, "%s\n", err);
        return 1;
    }
    int failed = 0;
    if (nvs_flash_init() != ESP_OK) failed++;
    nvs_handle_t h;
    if (nvs_open("cxx", NVS_READWRITE, &h) != ESP_OK) failed++;
    if (nvs_set_str(h, "lang", "C++") != ESP_OK) failed++;
    char v[8];
    size_t len = sizeof v;
    if (nvs_get_str(h, "lang", v, &len) != ESP_OK || std::strcmp(v, "C++") != 0) failed++;
    nvs_close(h);
    if (esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_1, nullptr) == nullptr) failed++;
    flashkit_dev_close(d);
    std::printf("test_headers_cxx: %d passed, %d failed\n", 6 - failed, failed);
    return failed ? 1 : 0;
}
