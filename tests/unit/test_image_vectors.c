/* Every image vector's verdicts (expected.txt, verdict_sdk_*) reproduced by
 * fk_image_verify on a 0xF0000-byte slot whose unwritten bytes read 0xFF,
 * and the app descriptor of the sdk3 apps found where the spec says. */
/* vectors: image (cases with expected.txt containing ^verdict_sdk_) */
#include "esp_image_format.h"
#include "fk_test.h"
#include "fk_vectors.h"

static const struct {
    const char *key;
    unsigned checks;
} configs[] = {
    {"verdict_sdk_default_sum_only", FK_IMAGE_CHECK_SUM},
    {"verdict_sdk_sum_and_hash", FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH},
    {"verdict_sdk_hash_only", FK_IMAGE_CHECK_HASH},
};

static int verdicts;

static int check_dir(const char *dir)
{
    int verdicts0 = verdicts;
    char path[1600];
    snprintf(path, sizeof path, "%s/expected.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    uint8_t *img = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/image.bin", dir);
    CHECK(fk_vec_read_file(path, &img, &len) == 0);
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
    return verdicts - verdicts0;
}

/* The descriptor of an SDK 3.x app heads the second flash segment (ota.md §8). */
static int check_desc(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/image.bin", dir);
    uint8_t *img = NULL;
    size_t len = 0;
    CHECK(fk_vec_read_file(path, &img, &len) == 0);
    esp_app_desc_t desc;
    uint32_t at = 0;
    CHECK_EQ(fk_app_desc_find_mem(img, len, &desc, &at), ESP_OK);
    CHECK_EQ(at, 0x10018);
    CHECK_EQ(desc.magic_word, ESP_APP_DESC_MAGIC_WORD);
    CHECK(strcmp(desc.version, "1.0.0") == 0);
    CHECK(strcmp(desc.project_name, "vectors_app") == 0);
    CHECK(strcmp(desc.idf_ver, "v3.4-synthetic") == 0);
    free(img);
    return 1;
}

static int run_case(const fk_vec_case_t *vc)
{
    int n = check_dir(vc->dir);
    if (strcmp(vc->name, "sdk3_app_2MB_dio_40m") == 0) n += check_desc(vc->dir);
    return n;
}

static const char *const sets[] = {"image", NULL};

int main(int argc, char **argv)
{
    int cases = fk_vec_main(argc, argv, sets, run_case);
    CHECK(cases > 0);
    printf("%d vector folders, %d verdicts compared\n", cases, verdicts);
    if (!fk_vec_one_case(argc)) CHECK(verdicts >= 24);
    return fk_test_done("test_image_vectors");
}
