/* Minimal test harness: CHECK macros and the "N passed, N failed" line. */
#ifndef FK_TEST_H
#define FK_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fk_t_pass, fk_t_fail;

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (cond)                                                               \
            fk_t_pass++;                                                        \
        else {                                                                  \
            fk_t_fail++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                       \
    } while (0)

#define CHECK_EQ(a, b)                                                          \
    do {                                                                        \
        long long fk_a = (long long)(a), fk_b = (long long)(b);                 \
        if (fk_a == fk_b)                                                       \
            fk_t_pass++;                                                        \
        else {                                                                  \
            fk_t_fail++;                                                        \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (0x%llx vs 0x%llx)\n", \
                    __FILE__, __LINE__, #a, #b, fk_a, fk_b);                    \
        }                                                                       \
    } while (0)

/* Path below the shared/ folder (specs, vectors); FK_SHARED is set by ctest. */
static inline const char *fk_shared(void)
{
    const char *s = getenv("FK_SHARED");
    return s ? s : "../shared";
}

static inline int fk_test_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, fk_t_pass, fk_t_fail);
    return fk_t_fail ? 1 : 0;
}

#endif
