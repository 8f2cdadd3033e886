/* Every image vector's verdicts (expected.txt, verdict_sdk_*) reproduced by
 * fk_image_verify on a 0xF0000-byte slot whose unwritten bytes read 0xFF,
 * and the app descriptor of the sdk3 apps found where the spec says. */
#include <dirent.h>
#include "esp_image_format.h"
#include "fk_test.h"
#include "util.h"

static const struct {
    const char *key;
    unsigned checks;
} configs[] = {
    {"verdict_sdk_default_sum_only", FK_IMAGE_CHECK_SUM},
    {"verdict_sdk_sum_and_hash", FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH},
    {"verdict_sdk_hash_only", FK_IMAGE_CHECK_HASH},
};

static int verdicts;

static void check_dir(const char *dir)
{
    char path[1600];
    snprintf(path, sizeof path, "%s/expected.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) return;
    uint8_t *img = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/image.bin", dir);
    CHECK(fk_read_file(path, &img, &len) == 0);
    char line[512];
    while (img && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
            size_t kl = strlen(configs[c].key);
            if (strncmp(line, configs[c].key, kl) || line[kl] != '=') continue;
            const char *want = line + kl + 1;
            fk_image_info_t info;
            esp_err_t err = fk_image_verify_mem(img, len, 0x10000, 0xF0000, configs[c].checks, &info);
            char got[256];
            if (err == ESP_OK)
                snprintf(got, sizeof got, "valid (image_len=%u)", (unsigned)info.image_len);
            else
                snprintf(got, sizeof got, "invalid (%s)", info.reason);
            if (strcmp(got, want)) fprintf(stderr, "%s %s: got '%s', want '%s'\n", dir, configs[c].key, got, want);
            CHECK(strcmp(got, want) == 0);
            CHECK(err == ESP_OK || err == ESP_ERR_IMAGE_INVALID);
            verdicts++;
        }
    }
    fclose(f);
    free(img);
}

int main(void)
{
    char root[1024];
    snprintf(root, sizeof root, "%s/vectors/image", fk_shared());
    DIR *d = opendir(root);
    CHECK(d != NULL);
    struct dirent *e;
    int dirs = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
        char dir[1400];
        snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
        check_dir(dir);
        dirs++;
    }
    if (d) closedir(d);
    printf("%d vector folders, %d verdicts compared\n", dirs, verdicts);
    CHECK(verdicts >= 24);

    /* The descriptor of an SDK 3.x app heads the second flash segment (ota.md §8). */
    char path[1200];
    snprintf(path, sizeof path, "%s/sdk3_app_2MB_dio_40m/image.bin", root);
    uint8_t *img = NULL;
    size_t len = 0;
    CHECK(fk_read_file(path, &img, &len) == 0);
    esp_app_desc_t desc;
    uint32_t at = 0;
    CHECK_EQ(fk_app_desc_find_mem(img, len, &desc, &at), ESP_OK);
    CHECK_EQ(at, 0x10018);
    CHECK_EQ(desc.magic_word, ESP_APP_DESC_MAGIC_WORD);
    CHECK(strcmp(desc.version, "1.0.0") == 0);
    CHECK(strcmp(desc.project_name, "vectors_app") == 0);
    CHECK(strcmp(desc.idf_ver, "v3.4-synthetic") == 0);
    free(img);
    return fk_test_done("test_image_vectors");
}
