/* The runtime's own tests (CMakeLists.txt). "hash" checks rt_hash.c against
 * the FIPS 180-4 and RFC 1321 examples (the core's tests compute and check
 * MD5 rows with the same code, so only known answers catch a wrong one).
 * Runs that must fail:
 * "unaligned" loads a word from an odd address (cause 9 on the chip),
 * "overflow" recurses past the 8 KiB stack, "null" reads through a NULL
 * structure pointer, "exit" returns 7. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "fk_hash.h"

static uint32_t words[4] = {1, 2, 3, 4};

static uint32_t deep(volatile uint8_t *prev, int n)
{
    volatile uint8_t frame[512];
    for (size_t i = 0; i < sizeof frame; i++) frame[i] = (uint8_t)(prev ? prev[i] + 1 : n);
    return n ? deep(frame, n - 1) + frame[0] : frame[0];
}

static int hex_is(const uint8_t *d, size_t n, const char *hex)
{
    char buf[65];
    for (size_t i = 0; i < n; i++) snprintf(buf + 2 * i, 3, "%02x", d[i]);
    return strcmp(buf, hex) == 0;
}

static int hashes(void)
{
    static const char million_a_sha[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    uint8_t d[32], block[1000];
    fk_sha256_t s;
    int bad = 0;
    fk_sha256_start(&s);
    fk_sha256_update(&s, "abc", 3);
    fk_sha256_finish(&s, d);
    bad += !hex_is(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    memset(block, 'a', sizeof block);
    fk_sha256_start(&s);
    for (int i = 0; i < 1000; i++) fk_sha256_update(&s, block, sizeof block);
    fk_sha256_finish(&s, d);
    bad += !hex_is(d, 32, million_a_sha);
    fk_md5("abc", 3, d);
    bad += !hex_is(d, 16, "900150983cd24fb0d6963f7d28e17f72");
    fk_md5("", 0, d);
    bad += !hex_is(d, 16, "d41d8cd98f00b204e9800998ecf8427e");
    printf("rt_hash: %d of 4 known answers wrong\n", bad);
    return bad != 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "hash")) return hashes();
    if (!strcmp(what, "unaligned")) {
        uintptr_t a = (uintptr_t)words + (uintptr_t)(argc - 1);
        uint32_t v;
        __asm__ volatile("l32i %0, %1, 0" : "=r"(v) : "r"(a));
        printf("loaded %08x: no exception\n", (unsigned)v);
        return 0;
    }
    if (!strcmp(what, "overflow")) {
        printf("%u\n", (unsigned)deep(NULL, 20));
        return 0;
    }
    if (!strcmp(what, "null")) {
        volatile uint32_t *volatile p = NULL;
        printf("read %u: no exception\n", (unsigned)p[4]);
        return 0;
    }
    if (!strcmp(what, "exit")) return 7;
    return 1;
}
