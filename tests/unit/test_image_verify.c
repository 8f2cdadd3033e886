/* fk_image_verify and friends beyond the vectors' verdicts: reads through a
 * flash (bounded chunks), partition bounds, corrupted and truncated images,
 * the offset-0 bootloader exception, ESP32 rules, the link-address rule and
 * the descriptor lookup. */
#include "esp_image_format.h"
#include "fk_test.h"
#include "fk_le.h"
#include "flash_emu.h"
#include "util.h"

static uint8_t *load(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/vectors/image/%s", fk_shared(), rel);
    uint8_t *b = NULL;
    if (fk_read_file(path, &b, len)) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    return b;
}

/* A flash that forwards to the emulator and remembers the largest read. */
typedef struct {
    fk_flash_t flash;
    fk_emu_t *emu;
    size_t max_read;
} spy_t;

static esp_err_t spy_read(fk_flash_t *f, uint32_t a, void *d, size_t n)
{
    spy_t *s = (spy_t *)f;
    if (n > s->max_read) s->max_read = n;
    return fk_flash_read(&s->emu->flash, a, d, n);
}

static esp_err_t vm(const uint8_t *b, size_t n, unsigned checks, fk_image_info_t *info)
{
    return fk_image_verify_mem(b, n, 0x10000, 0xF0000, checks, info);
}

static void test_on_flash(const uint8_t *img, size_t len)
{
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 0x400000), 0);
    CHECK_EQ(fk_emu_load(&emu, 0x110000, img, (uint32_t)len), 0);
    spy_t spy = {.flash = {.size = emu.flash.size, .read = spy_read}, .emu = &emu};
    fk_image_info_t info;
    CHECK_EQ(fk_image_verify(&spy.flash, 0x110000, 0xF0000, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, &info), ESP_OK);
    CHECK_EQ(info.image_len, 65920);
    CHECK(info.hash_checked && info.hash_valid && info.checksum_valid);
    CHECK(spy.max_read <= 256);
    CHECK_EQ(info.nsegs, 4);
    CHECK_EQ(info.seg[1].load_addr, 0x40220010);
    CHECK_EQ(info.seg[1].file_offs, 0x10010);
    CHECK_EQ(info.spi_mode, 2);
    CHECK_EQ(info.spi_size, 1);
    /* the image does not fit a smaller partition */
    CHECK_EQ(fk_image_verify(&spy.flash, 0x110000, 0x10000, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strcmp(info.reason, "image length 65888 exceeds partition size 65536") == 0);
    CHECK_EQ(fk_image_verify(&spy.flash, 0x110000, 0x2000000, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_INVALID_ARG);
    CHECK_EQ(fk_image_verify(NULL, 0, 0x1000, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_INVALID_ARG);
    /* an image that runs past the end of the chip fails, it does not crash */
    CHECK_EQ(fk_image_verify(&spy.flash, 0x3F0000, 0xF0000, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_IMAGE_INVALID);
    CHECK_EQ(fk_emu_load(&emu, 0x3FF000, img, 0x1000), 0);
    CHECK_EQ(fk_image_verify(&spy.flash, 0x3FF000, 0x1000, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strstr(info.reason, "runs past the end of flash") != NULL);
    esp_app_desc_t d;
    CHECK_EQ(fk_app_desc_find(&spy.flash, 0x110000, 0xF0000, &d), ESP_OK);
    CHECK(strcmp(d.version, "1.0.0") == 0);
    CHECK_EQ(fk_app_desc_find(&spy.flash, 0x200000, 0xF0000, &d), ESP_ERR_NOT_FOUND); /* erased */
    fk_emu_close(&emu);
}

static void test_corruptions(const uint8_t *img, size_t len)
{
    uint8_t *b = malloc(len + 64);
    fk_image_info_t info;

    memcpy(b, img, len);
    CHECK_EQ(vm(b, len, 0, &info), ESP_OK); /* neither check: unpadded length */
    CHECK_EQ(info.image_len, 65880);

    b[1] = 17;
    CHECK_EQ(vm(b, len, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strcmp(info.reason, "segment count 17 exceeds 16") == 0);

    memcpy(b, img, len);
    fk_put_le32(b + 0x10130 + 4, 5); /* segment 3's length */
    CHECK_EQ(vm(b, len, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strcmp(info.reason, "unaligned segment length 0x5") == 0);

    memcpy(b, img, len);
    fk_put_le32(b + 0x10130 + 4, 0x7FFFFFFC);
    CHECK_EQ(vm(b, len, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strstr(info.reason, "runs past the end of flash") != NULL);

    memcpy(b, img, len);
    b[0x100] ^= 0x40; /* code byte: checksum and hash both notice */
    CHECK_EQ(vm(b, len, FK_IMAGE_CHECK_SUM, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strncmp(info.reason, "checksum mismatch", 17) == 0);
    CHECK_EQ(vm(b, len, FK_IMAGE_CHECK_HASH, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strcmp(info.reason, "appended SHA-256 mismatch") == 0);
    b[0x100] ^= 0x40;
    b[0x1015A] ^= 1; /* padding before the checksum: hashed, not summed */
    CHECK_EQ(vm(b, len, FK_IMAGE_CHECK_SUM, &info), ESP_OK);
    CHECK_EQ(vm(b, len, FK_IMAGE_CHECK_HASH, &info), ESP_ERR_IMAGE_INVALID);

    /* bytes after the image are not part of it */
    memcpy(b, img, len);
    memset(b + len, 0x5A, 64);
    CHECK_EQ(vm(b, len + 64, FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, &info), ESP_OK);

    /* every truncation before the end fails with the hash check, whatever the cut */
    int hash_fail = 0, sum_fail = 0, cuts = 0;
    for (size_t cut = 0; cut < len; cut += (cut < 64 || len - cut < 64) ? 1 : 509) {
        cuts++;
        hash_fail += vm(img, cut, FK_IMAGE_CHECK_HASH, &info) == ESP_ERR_IMAGE_INVALID;
        if (cut < 65888) sum_fail += vm(img, cut, FK_IMAGE_CHECK_SUM, &info) == ESP_ERR_IMAGE_INVALID;
    }
    CHECK_EQ(hash_fail, cuts);
    int sum_cuts = 0;
    for (size_t cut = 0; cut < 65888; cut += (cut < 64 || 65888 - cut < 64) ? 1 : 509) sum_cuts++;
    CHECK_EQ(sum_fail, sum_cuts);
    /* the SHA-256 alone may be missing under the SDK default */
    CHECK_EQ(vm(img, 65888, FK_IMAGE_CHECK_SUM, &info), ESP_OK);

    /* at flash offset 0 (the bootloader) the SDK does not compare the hash */
    memcpy(b, img, len);
    b[len - 1] ^= 1;
    CHECK_EQ(fk_image_verify_mem(b, len, 0, 0xF0000, FK_IMAGE_CHECK_HASH, &info), ESP_OK);
    CHECK(!info.hash_checked);
    CHECK_EQ(fk_image_verify_mem(b, len, 0x1000, 0xF0000, FK_IMAGE_CHECK_HASH, &info), ESP_ERR_IMAGE_INVALID);
    free(b);
}

static void test_esp32(void)
{
    size_t len;
    uint8_t *img = load("real_helloworld_esp32/image.bin", &len);
    fk_image_info_t info;
    CHECK_EQ(vm(img, len, FK_IMAGE_CHIP_ESP32, &info), ESP_OK);
    CHECK_EQ(info.image_len, 192);
    CHECK(info.hash_checked && info.hash_valid);
    CHECK_EQ(info.header_len, 24);
    CHECK_EQ(info.seg[0].file_offs, 0x18);
    img[len - 1] ^= 1;
    CHECK_EQ(vm(img, len, FK_IMAGE_CHIP_ESP32, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strcmp(info.reason, "appended SHA-256 mismatch") == 0);
    img[23] = 2;
    CHECK_EQ(vm(img, len, FK_IMAGE_CHIP_ESP32, &info), ESP_ERR_IMAGE_INVALID);
    CHECK(strcmp(info.reason, "invalid hash_appended byte 0x02") == 0);
    img[23] = 0; /* no hash: only the checksum counts */
    CHECK_EQ(vm(img, len, FK_IMAGE_CHIP_ESP32, &info), ESP_OK);
    CHECK_EQ(info.image_len, 160);
    free(img);

    /* the descriptor of an ESP32 image is at 0x20 */
    uint8_t b[24 + 8 + 256 + 16];
    memset(b, 0, sizeof b);
    b[0] = 0xE9, b[1] = 1;
    fk_put_le32(b + 24, 0x3F400020);
    fk_put_le32(b + 28, 256);
    fk_put_le32(b + 32, ESP_APP_DESC_MAGIC_WORD);
    memcpy(b + 32 + 16, "esp32-app", 10);
    esp_app_desc_t d;
    uint32_t at = 0;
    CHECK_EQ(fk_app_desc_find_mem(b, sizeof b, &d, &at), ESP_OK);
    CHECK_EQ(at, 0x20);
    CHECK(strcmp(d.version, "esp32-app") == 0);
}

static void test_slot_rule(const uint8_t *img, size_t len)
{
    fk_image_info_t info;
    char why[256];
    CHECK_EQ(vm(img, len, FK_IMAGE_CHECK_SUM, &info), ESP_OK);
    uint32_t linked = 0;
    CHECK(fk_image_linked_offset(&info, &linked));
    CHECK_EQ(linked, 0x10000);
    CHECK_EQ(fk_image_check_slot(&info, 0x10000, 0xF0000, why, sizeof why), ESP_OK);
    /* the SDK only asks that the entry point lies inside the slot */
    CHECK_EQ(fk_image_check_slot(&info, 0x5000, 0x77000, why, sizeof why), ESP_OK);
    CHECK_EQ(fk_image_check_slot(&info, 0x85000, 0x77000, why, sizeof why), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(why, "linked for the slot at 0x10000") && strstr(why, "target slot is at 0x85000"));
    CHECK_EQ(fk_image_check_slot(&info, 0x11000, 0x77000, why, sizeof why), ESP_ERR_OTA_VALIDATE_FAILED); /* entry below the slot */
    CHECK_EQ(fk_image_check_slot(&info, 0x110000, 0xF0000, why, sizeof why), ESP_OK); /* not checked above 1 MiB */

    /* app1 of a 1 MB two-OTA layout written to ota_1 (0x85000) */
    fk_image_info_t a = {0};
    a.entry_addr = 0x40205034;
    a.nsegs = 1;
    a.seg[0].load_addr = 0x40205010;
    CHECK_EQ(fk_image_check_slot(&a, 0x85000, 0x77000, why, sizeof why), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(why, "0x5000") && strstr(why, "0x85000"));
    CHECK_EQ(fk_image_check_slot(&a, 0x5000, 0x77000, why, sizeof why), ESP_OK);
    a.entry_addr = 0x40285034, a.seg[0].load_addr = 0x40285010;
    CHECK_EQ(fk_image_check_slot(&a, 0x85000, 0x77000, why, sizeof why), ESP_OK);
    CHECK_EQ(fk_image_check_slot(&a, 0x5000, 0x77000, why, sizeof why), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(why, "linked for the slot at 0x85000") != NULL);
    /* an entry point in IRAM is linked for no slot */
    a.entry_addr = 0x40100004, a.nsegs = 0;
    CHECK_EQ(fk_image_check_slot(&a, 0x5000, 0x77000, why, sizeof why), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(why, "not in flash-mapped code") != NULL);
    CHECK(!fk_image_linked_offset(&a, &linked));
    /* a short buffer is truncated, NUL-terminated; NULL is allowed */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    CHECK_EQ(fk_image_check_slot(&a, 0x5000, 0x77000, tiny, sizeof tiny), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK_EQ(tiny[7], '\0');
    CHECK_EQ(fk_image_check_slot(&a, 0x5000, 0x77000, NULL, 0), ESP_ERR_OTA_VALIDATE_FAILED);
}

static void test_memflash(void)
{
    const uint8_t data[4] = {1, 2, 3, 4};
    fk_image_memflash_t mf;
    fk_image_memflash_init(&mf, data, sizeof data, 0x1002, 0x2000);
    uint8_t out[8];
    CHECK_EQ(fk_flash_read(&mf.flash, 0x1000, out, 8), ESP_OK);
    const uint8_t want[8] = {0xFF, 0xFF, 1, 2, 3, 4, 0xFF, 0xFF};
    CHECK(memcmp(out, want, 8) == 0);
    CHECK(fk_flash_read(&mf.flash, 0x1FFC, out, 8) != ESP_OK); /* past the end */
    CHECK(fk_flash_write(&mf.flash, 0, data, 4) != ESP_OK);
    CHECK(fk_flash_erase_range(&mf.flash, 0, 0x1000) != ESP_OK);
}

int main(void)
{
    size_t len;
    uint8_t *img = load("sdk3_app_2MB_dio_40m/image.bin", &len);
    test_on_flash(img, len);
    test_corruptions(img, len);
    test_slot_rule(img, len);
    test_esp32();
    test_memflash();
    free(img);
    return fk_test_done("test_image_verify");
}
