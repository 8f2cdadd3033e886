/* esp_ota_end's verification from the streamed read-back (fk_image_verify_ex.h):
 * it reads only the headers, the checksum byte and the stored SHA-256, gives
 * the verdict and the reason a full verification of the slot gives, falls
 * back to reading the slot when the stream did not run, and what was
 * written to the slot behind the OTA's back is caught by
 * esp_ota_set_boot_partition, which reads the slot in full. */
#include "boot_select.h"
#include "esp_image_format.h"
#include "esp_ota_ops.h"
#include "fk_test.h"
#include "test_ota_util.h"

#define SUM_HASH (FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH)

static uint8_t img[0x2000], mut[0x2000];
static size_t len;

static const esp_partition_t *slot(int i)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(i), NULL);
}

/* begin / write in `chunk` pieces / end. `write_checks` are the image checks
 * while the bytes arrive; the default ones are back for esp_ota_end. */
static esp_err_t ota(const esp_partition_t *p, const uint8_t *b, size_t n, size_t chunk, unsigned write_checks)
{
    esp_ota_handle_t h;
    fk_ota_set_image_checks(write_checks);
    esp_err_t err = esp_ota_begin(p, OTA_SIZE_UNKNOWN, &h);
    for (size_t at = 0; err == ESP_OK && at < n; at += chunk)
        err = esp_ota_write(h, b + at, n - at < chunk ? n - at : chunk);
    fk_ota_set_image_checks(SUM_HASH);
    if (err != ESP_OK) {
        esp_ota_abort(h);
        return err;
    }
    return esp_ota_end(h);
}

/* The SHA-256 appended again over a changed prefix, so only the checksum or
 * the structure can be wrong. */
static void rehash(uint8_t *b, size_t n)
{
    size_t L = n - 32;
    fk_sha256_t h;
    fk_sha256_start(&h);
    fk_sha256_update(&h, b, L);
    fk_sha256_finish(&h, b + L);
}

static void test_end_reads_headers_only(fk_emu_t *emu)
{
    const size_t chunks[] = {1, 7, 1000, 4096};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        fk_ota_set_image_checks(SUM_HASH);
        esp_ota_handle_t h;
        fk_emu_reset_stats(emu);
        CHECK_EQ(esp_ota_begin(slot(1), OTA_SIZE_UNKNOWN, &h), ESP_OK);
        for (size_t at = 0; at < len; at += chunks[c])
            CHECK_EQ(esp_ota_write(h, img + at, len - at < chunks[c] ? len - at : chunks[c]), ESP_OK);
        /* The read-back: whole pieces of FK_OTA_READBACK up to the hashed
         * prefix's end, whatever the writes were. */
        uint64_t L = len - 32, pieces = (L + FK_OTA_READBACK - 1) / FK_OTA_READBACK;
        CHECK(emu->st.reads == pieces || emu->st.reads == pieces - 1);
        fk_emu_reset_stats(emu);
        CHECK_EQ(esp_ota_end(h), ESP_OK);
        /* The last piece if the writes left one, then the image header, 3
         * segment headers, the checksum byte, the stored hash. */
        CHECK(emu->st.reads == 6 || emu->st.reads == 7);
        CHECK_EQ(emu->st.bytes_read, (emu->st.reads == 7 ? len - (pieces - 1) * FK_OTA_READBACK : 0) + 8 + 3 * 8 + 1 + 32);
        /* The record a full verification leaves. */
        static fk_image_info_t full;
        const fk_image_info_t *got = fk_ota_image_info();
        CHECK_EQ(fk_image_verify(&emu->flash, slot(1)->address, slot(1)->size, SUM_HASH, &full), ESP_OK);
        CHECK_EQ(got->nsegs, full.nsegs);
        CHECK_EQ(got->data_end, full.data_end);
        CHECK_EQ(got->checksum_offs, full.checksum_offs);
        CHECK_EQ(got->image_len, full.image_len);
        CHECK_EQ(got->checksum_calc, full.checksum_calc);
        CHECK(got->checksum_valid && got->hash_checked && got->hash_valid);
        CHECK(memcmp(got->hash_calc, full.hash_calc, 32) == 0);
        CHECK_EQ(got->entry_addr, full.entry_addr);
        CHECK(memcmp(got->seg, full.seg, sizeof full.seg) == 0);
    }
}

/* Without the stream (the hash check was off while the bytes arrived) the
 * slot is read in full, and a wrong hash is still found. */
static void test_no_stream_reads_the_slot(fk_emu_t *emu)
{
    fk_emu_reset_stats(emu);
    CHECK_EQ(ota(slot(1), img, len, 1000, FK_IMAGE_CHECK_SUM), ESP_OK);
    CHECK(emu->st.bytes_read >= len);
    memcpy(mut, img, len);
    mut[len - 5] ^= 0x10;
    CHECK_EQ(ota(slot(1), mut, len, 1000, FK_IMAGE_CHECK_SUM), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(fk_ota_last_error(), "SHA-256") != NULL);
    CHECK_EQ(ota(slot(1), mut, len, 1000, SUM_HASH), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(fk_ota_last_error(), "SHA-256") != NULL);
}

/* A segment header changed on flash after the stream read it, so that the
 * prefix still ends where the stream saw it end: the headers are not the
 * ones the sums stand for, and esp_ota_end reads the slot in full (the
 * changed header is then in the hash, which no longer matches). */
static void test_header_changed_after_readback(fk_emu_t *emu)
{
    size_t seg2 = 8 + 8 + 700 + 8 + 256; /* code, the descriptor, then the RAM segment's header */
    CHECK_EQ(img[seg2 + 1], 0x80);        /* load address 0x3FFE8000 */
    esp_ota_handle_t h;
    CHECK_EQ(esp_ota_begin(slot(1), OTA_SIZE_UNKNOWN, &h), ESP_OK);
    CHECK_EQ(esp_ota_write(h, img, len), ESP_OK);
    uint8_t zero = 0;
    CHECK_EQ(esp_partition_write(slot(1), seg2 + 1, &zero, 1), ESP_OK);
    fk_emu_reset_stats(emu);
    CHECK_EQ(esp_ota_end(h), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(strstr(fk_ota_last_error(), "SHA-256") != NULL);
    CHECK(emu->st.bytes_read >= len - 32);
}

/* Every byte of the image changed three ways (and, for bytes before the
 * hash, with the hash made to match again), written in odd pieces: the
 * streamed verdict and reason are the ones of a verification that reads
 * the slot. Truncations too. */
static void test_same_verdict_as_full(void)
{
    char why[200];
    int differ = 0, failed = 0, runs = 0;
    static const uint8_t flips[] = {0x01, 0x80, 0xFF};
    for (size_t at = 0; at < len; at++) {
        for (int rh = 0; rh < 2; rh++) {
            if (rh && at >= len - 32) continue;
            for (size_t f = 0; f < sizeof flips; f++) {
                memcpy(mut, img, len);
                mut[at] ^= flips[f];
                if (rh) rehash(mut, len);
                esp_err_t full = ota(slot(1), mut, len, 5, FK_IMAGE_CHECK_SUM);
                snprintf(why, sizeof why, "%s", fk_ota_last_error());
                esp_err_t streamed = ota(slot(1), mut, len, 5 + at % 61, SUM_HASH);
                runs++;
                failed += streamed != ESP_OK;
                if (streamed != full || strcmp(why, fk_ota_last_error()) != 0) {
                    if (differ++ < 5)
                        fprintf(stderr, "byte %zu ^ 0x%02x%s: full %s \"%s\", streamed %s \"%s\"\n", at, flips[f],
                                rh ? " (rehashed)" : "", esp_err_to_name(full), why, esp_err_to_name(streamed),
                                fk_ota_last_error());
                }
            }
        }
    }
    for (size_t cut = 1; cut < len; cut += 3) {
        esp_err_t full = ota(slot(1), img, cut, 64, FK_IMAGE_CHECK_SUM);
        snprintf(why, sizeof why, "%s", fk_ota_last_error());
        esp_err_t streamed = ota(slot(1), img, cut, 64, SUM_HASH);
        runs++;
        failed += streamed != ESP_OK;
        if (streamed != full || strcmp(why, fk_ota_last_error()) != 0) differ++;
    }
    CHECK_EQ(differ, 0);
    /* Nearly every change is refused (the few accepted ones are padding
     * bytes rehashed: the padding's value is not checked). */
    CHECK(failed > runs * 9 / 10);
    printf("%d changed or cut images: %d refused, streamed and full verdicts differ in %d\n", runs, failed, differ);
}

/* A byte changed in the slot after esp_ota_end, or between the last write
 * and esp_ota_end, through the partition API: esp_ota_set_boot_partition
 * reads the slot again and refuses it; the boot partition stays. */
static void test_write_behind_the_ota(fk_emu_t *emu, fk_ptable_t *t)
{
    CHECK_EQ(ota(slot(1), img, len, 1000, SUM_HASH), ESP_OK);
    CHECK_EQ(esp_ota_set_boot_partition(slot(1)), ESP_OK);
    CHECK(esp_ota_get_boot_partition() == slot(1));
    static uint8_t img0[0x2000];
    size_t n0 = ota_test_image(img0, 0x10000, "3.0.0", 3000);
    const size_t where[] = {20, 3000, 5000}; /* code, rodata past it, hash */
    for (int after_end = 0; after_end < 2; after_end++) {
        for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
            size_t at = where[w] < n0 ? where[w] : n0 - 3;
            while (!img0[at]) at++;
            uint8_t b = (uint8_t)(img0[at] & (img0[at] - 1)); /* one bit cleared: NOR can do it in place */
            esp_ota_handle_t h;
            CHECK_EQ(esp_ota_begin(slot(0), OTA_SIZE_UNKNOWN, &h), ESP_OK);
            CHECK_EQ(esp_ota_write(h, img0, n0), ESP_OK);
            if (!after_end) CHECK_EQ(esp_partition_write(slot(0), at, &b, 1), ESP_OK);
            esp_err_t end = esp_ota_end(h);
            if (after_end) {
                CHECK_EQ(end, ESP_OK);
                CHECK_EQ(esp_partition_write(slot(0), at, &b, 1), ESP_OK);
            }
            if (end == ESP_OK) CHECK_EQ(esp_ota_set_boot_partition(slot(0)), ESP_ERR_OTA_VALIDATE_FAILED);
            CHECK(esp_ota_get_boot_partition() == slot(1));
        }
    }
    /* An erase of the image's last sector after esp_ota_end. */
    CHECK_EQ(ota(slot(0), img0, n0, 4096, SUM_HASH), ESP_OK);
    CHECK_EQ(esp_partition_erase_range(slot(0), 0, FK_SECTOR_SIZE), ESP_OK);
    CHECK_EQ(esp_ota_set_boot_partition(slot(0)), ESP_ERR_OTA_VALIDATE_FAILED);
    CHECK(esp_ota_get_boot_partition() == slot(1));
    /* Unchanged, the same image is selected, and the bootloader boots it. */
    CHECK_EQ(ota(slot(0), img0, n0, 4096, SUM_HASH), ESP_OK);
    CHECK_EQ(esp_ota_set_boot_partition(slot(0)), ESP_OK);
    fk_boot_result_t r;
    CHECK_EQ(fk_boot_run(&emu->flash, t, NULL, NULL, &r), ESP_OK);
    CHECK(r.booted == slot(0));
}

/* A flash over the emulator whose reads in [fail_from, fail_to) fail, the
 * next `fails` times (-1: always). */
typedef struct {
    fk_flash_t f;
    fk_emu_t *emu;
    uint32_t fail_from, fail_to;
    int fails;
} flaky_t;

static esp_err_t flaky_read(fk_flash_t *f, uint32_t addr, void *dst, size_t len)
{
    flaky_t *k = (flaky_t *)f;
    if (k->fails && addr < k->fail_to && addr + len > k->fail_from) {
        if (k->fails > 0) k->fails--;
        return ESP_ERR_FLASH_OP_FAIL;
    }
    return fk_flash_read(&k->emu->flash, addr, dst, len);
}

static esp_err_t flaky_write(fk_flash_t *f, uint32_t addr, const void *src, size_t len)
{
    return fk_flash_write(&((flaky_t *)f)->emu->flash, addr, src, len);
}

static esp_err_t flaky_erase(fk_flash_t *f, uint32_t addr)
{
    return fk_flash_erase_range(&((flaky_t *)f)->emu->flash, addr, FK_SECTOR_SIZE);
}

/* The last piece of the read-back, read by esp_ota_end, fails: the stream is
 * given up and the slot verified in full, which fails the same way (the
 * reason names the address) or, if the failure was passing, accepts. */
static void test_readback_fails_at_end(fk_emu_t *emu, fk_ptable_t *t)
{
    static flaky_t k;
    static fk_ptable_t kt;
    k = (flaky_t){.f = {.size = emu->flash.size, .read = flaky_read, .write = flaky_write, .erase_sector = flaky_erase},
                  .emu = emu};
    CHECK_EQ(fk_ptable_load(&kt, &k.f, OTA_TEST_TABLE, 0), ESP_OK);
    fk_partition_set_table(&kt);
    const esp_partition_t *p = slot(1);
    static uint8_t im[0x1000];
    size_t n = ota_test_image(im, 0x20000, "2.0.1", 600);
    /* The hashed prefix ends inside the last piece the writes leave partial. */
    uint32_t L = (uint32_t)n - 32, last = L / FK_OTA_READBACK * FK_OTA_READBACK;
    CHECK(L % FK_OTA_READBACK && n < last + FK_OTA_READBACK);
    for (int fails = -1; fails <= 1; fails += 2) {
        esp_ota_handle_t h;
        CHECK_EQ(esp_ota_begin(p, OTA_SIZE_UNKNOWN, &h), ESP_OK);
        CHECK_EQ(esp_ota_write(h, im, n), ESP_OK);
        k.fail_from = p->address + last;
        k.fail_to = p->address + last + 4;
        k.fails = fails;
        esp_err_t err = esp_ota_end(h);
        k.fails = 0;
        if (fails < 0) {
            CHECK_EQ(err, ESP_ERR_OTA_VALIDATE_FAILED);
            CHECK(strstr(fk_ota_last_error(), "flash read failed") != NULL);
        } else {
            CHECK_EQ(err, ESP_OK);
        }
    }
    fk_partition_set_table(t);
}

/* A verification read buffer (fk_ota_set_read_buffer): set_boot and the
 * bootloader read the slot in its pieces, with the same verdicts; a buffer
 * under 256 bytes is not used. */
static void test_read_buffer(fk_emu_t *emu, fk_ptable_t *t)
{
    static uint8_t big[0x3000], vbuf[1024], tiny[100];
    size_t n = ota_test_image(big, 0x20000, "4.0.0", 0x2800);
    size_t L = n - 32;
    CHECK_EQ(ota(slot(1), big, n, 1000, SUM_HASH), ESP_OK);
    const size_t lens[] = {0, sizeof tiny, sizeof vbuf};
    uint8_t *bufs[] = {NULL, tiny, vbuf};
    for (int i = 0; i < 3; i++) {
        fk_ota_set_read_buffer(bufs[i], lens[i]);
        size_t piece = lens[i] >= 256 ? lens[i] : 256;
        fk_emu_reset_stats(emu);
        CHECK_EQ(esp_ota_set_boot_partition(slot(1)), ESP_OK);
        /* Reads of the data: the pieces of each of the 3 segments and the padding. */
        uint64_t data_reads = emu->st.reads;
        CHECK(data_reads >= (L + piece - 1) / piece && data_reads <= (L + piece - 1) / piece + 12);
        if (i == 2) CHECK(data_reads < L / 256);
        fk_boot_result_t r;
        CHECK_EQ(fk_boot_go(&emu->flash, t, NULL, NULL, NULL, &r), ESP_OK);
        CHECK(r.booted == slot(1));
    }
    /* A bit cleared in the data through the partition API: refused, in pieces too. */
    uint8_t b = (uint8_t)(big[0x1801] & (big[0x1801] - 1));
    if (big[0x1801]) {
        CHECK_EQ(esp_partition_write(slot(1), 0x1801, &b, 1), ESP_OK);
        CHECK_EQ(esp_ota_set_boot_partition(slot(1)), ESP_ERR_OTA_VALIDATE_FAILED);
        CHECK(strstr(fk_ota_last_error(), "checksum mismatch") != NULL);
    }
    fk_ota_set_read_buffer(NULL, 0);
    CHECK(fk_ota_config()->read_buf == NULL);
}

int main(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_app_start_at(0);
    len = ota_test_image(img, 0x20000, "2.0.0", 700);
    test_end_reads_headers_only(&emu);
    test_no_stream_reads_the_slot(&emu);
    test_header_changed_after_readback(&emu);
    test_readback_fails_at_end(&emu, &t);
    test_same_verdict_as_full();
    test_write_behind_the_ota(&emu, &t);
    test_read_buffer(&emu, &t);
    CHECK_EQ(emu.st.nor_violations, 0);
    fk_emu_close(&emu);
    return fk_test_done("test_ota_verify_stream");
}
