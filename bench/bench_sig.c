/* Secure Boot v2 verification of a 1 MB signed image, per scheme: the whole
 * device rule (fk_sbv2_verify on an emulated flash: read, hash, key digest,
 * signature), and its two parts, the image hash and the signature check.
 * Keys: the test keys of shared/vectors/signed/keys. Prints figures only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fk_hash.h"
#include "fk_sbv2.h"
#include "flash_emu.h"
#include "sbv2_keys.h"
#include "sbv2_sign.h"

#define IMAGE_LEN (1024u * 1024u)
#define BASE 0x10000u

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    if (rounds < 1) rounds = 1;
    const char *shared = getenv("FK_SHARED") ? getenv("FK_SHARED") : "../shared";
    static const char *const keys[] = {"rsa3072_a", "ecdsa192_a", "ecdsa256_a", "ecdsa384_a"};

    uint8_t *img = malloc(IMAGE_LEN);
    if (!img) return 1;
    uint32_t x = 0x12345678;
    for (uint32_t i = 0; i < IMAGE_LEN; i++) {
        x = x * 1103515245u + 12345u;
        img[i] = (uint8_t)(x >> 16);
    }

    /* Hash alone, for the split. */
    double t0 = now();
    for (int r = 0; r < rounds; r++) {
        fk_sha256_t h;
        uint8_t d[32];
        fk_sha256_start(&h);
        fk_sha256_update(&h, img, IMAGE_LEN);
        fk_sha256_finish(&h, d);
    }
    double sha256_ms = (now() - t0) * 1e3 / rounds;
    t0 = now();
    for (int r = 0; r < rounds; r++) {
        fk_sha384_t h;
        uint8_t d[48];
        fk_sha384_start(&h);
        fk_sha384_update(&h, img, IMAGE_LEN);
        fk_sha384_finish(&h, d);
    }
    double sha384_ms = (now() - t0) * 1e3 / rounds;
    printf("bench_sig: 1 MiB image, %d rounds, host mbedTLS; SHA-256 %.2f ms, SHA-384 %.2f ms\n", rounds, sha256_ms,
           sha384_ms);
    printf("%-10s %12s %12s %14s %10s\n", "scheme", "verify ms", "sig-only ms", "sign ms", "MB/s");

    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/vectors/signed/keys/%s.pem", shared, keys[k]);
        fk_sbv2_key_t key;
        if (fk_sbv2_key_load(&key, path)) return 1;
        const fk_sbv2_key_t *kp[1] = {&key};
        uint8_t *signed_img;
        size_t len;
        t0 = now();
        if (fk_sbv2_sign_data(img, IMAGE_LEN, "bench", kp, 1, false, NULL, &signed_img, &len)) return 1;
        double sign_ms = (now() - t0) * 1e3;

        fk_emu_t emu;
        if (fk_emu_init_mem(&emu, 0x200000) || fk_emu_load(&emu, BASE, signed_img, (uint32_t)len)) return 1;
        fk_sbv2_trust_t t = {0};
        uint8_t kd[32];
        fk_sbv2_key_digest(&key, kd);
        fk_sbv2_trust_set(&t, 0, kd);
        fk_sbv2_result_t res;
        int bad = 0;
        t0 = now();
        for (int r = 0; r < rounds; r++)
            bad += fk_sbv2_verify(&emu.flash, BASE, (uint32_t)len - FK_SBV2_SECTOR_SIZE, &t, &res) != ESP_OK;
        double verify_ms = (now() - t0) * 1e3 / rounds;
        double hash_ms = key.scheme == FK_SBV2_ECDSA384 ? sha384_ms : sha256_ms;
        printf("%-10s %12.2f %12.2f %14.2f %10.1f%s\n", fk_sbv2_scheme_name(key.scheme), verify_ms,
               verify_ms - hash_ms, sign_ms, IMAGE_LEN / 1e6 / (verify_ms / 1e3), bad ? "  (VERIFY FAILED)" : "");
        fk_emu_close(&emu);
        free(signed_img);
        fk_sbv2_key_free(&key);
    }
    free(img);
    return 0;
}
