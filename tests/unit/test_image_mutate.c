/* Random byte mutations and truncations of every image vector (and the ELF)
 * through every reader: nothing may read out of bounds (the sanitizer build
 * runs this too), verdicts must be consistent with the reported lengths, and
 * a valid verdict must come with an image that fits its partition. */
#include <dirent.h>
#include <unistd.h>
#include "elf2image.h"
#include "esp_image_format.h"
#include "fk_test.h"
#include "image_info.h"
#include "util.h"

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    return rng;
}

static fk_image_view_t view;

static void mutate_file(const char *path, int rounds)
{
    uint8_t *img = NULL;
    size_t len = 0;
    if (access(path, R_OK)) return; /* only the sdk3 folders ship an ELF */
    if (fk_read_file(path, &img, &len) || len == 0) {
        free(img);
        return;
    }
    uint8_t *b = malloc(len);
    for (int it = 0; it < rounds; it++) {
        memcpy(b, img, len);
        size_t n = len;
        int k = 1 + (int)(rnd() % 4);
        for (int j = 0; j < k; j++) {
            /* headers are where the interesting failures are */
            size_t p = rnd() % 2 ? rnd() % (len < 48 ? len : 48) : rnd() % len;
            b[p] = (uint8_t)rnd();
        }
        if (rnd() % 4 == 0) n = rnd() % (len + 1);
        fk_image_view_parse(b, n, FK_CHIP_AUTO, &view);
        CHECK(view.status >= FK_INFO_OK && view.status <= FK_INFO_FATAL);
        if (view.status == FK_INFO_OK) CHECK(view.end <= n);
        fk_image_view_parse(b, n, FK_CHIP_ESP32, &view);
        fk_image_info_t info;
        esp_err_t err = fk_image_verify_mem(b, n, 0x10000, 0xF0000, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, &info);
        CHECK(err == ESP_OK || (err == ESP_ERR_IMAGE_INVALID && info.reason[0]));
        if (err == ESP_OK) CHECK(info.image_len <= 0xF0000 && info.hash_valid && info.checksum_valid);
        fk_image_verify_mem(b, n, 0x10000, 0xF0000, FK_IMAGE_CHIP_ESP32, &info);
        esp_app_desc_t d;
        uint32_t at = 0;
        if (fk_app_desc_find_mem(b, n, &d, &at) == ESP_OK) CHECK(at + 256 <= n);
        uint8_t *o = NULL;
        size_t ol = 0;
        char e[400];
        if (fk_elf2image(b, n, NULL, &o, &ol, e, sizeof e) == 0) {
            CHECK(fk_image_verify_mem(o, ol, 0x10000, 0xF0000, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, &info) == ESP_OK ||
                  o[1] == 0);
            free(o);
        }
    }
    free(b);
    free(img);
}

int main(void)
{
    char root[1024], path[1400];
    snprintf(root, sizeof root, "%s/vectors/image", fk_shared());
    DIR *d = opendir(root);
    CHECK(d != NULL);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
        snprintf(path, sizeof path, "%s/%s/image.bin", root, e->d_name);
        mutate_file(path, 60);
        snprintf(path, sizeof path, "%s/%s/app.elf", root, e->d_name);
        mutate_file(path, 60);
    }
    if (d) closedir(d);
    return fk_test_done("test_image_mutate");
}
