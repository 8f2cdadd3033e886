/* Runs that must fail, for the runtime's own tests (CMakeLists.txt):
 * "unaligned" loads a word from an odd address (cause 9 on the chip),
 * "overflow" recurses past the 8 KiB stack, "null" reads through a NULL
 * structure pointer, "exit" returns 7. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t words[4] = {1, 2, 3, 4};

static uint32_t deep(volatile uint8_t *prev, int n)
{
    volatile uint8_t frame[512];
    for (size_t i = 0; i < sizeof frame; i++) frame[i] = (uint8_t)(prev ? prev[i] + 1 : n);
    return n ? deep(frame, n - 1) + frame[0] : frame[0];
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
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
