/* The few assertion macros the tests need; each test's main ends with
 * `return check_done("name");`, which prints the counts. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

static int check_pass, check_fail;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) check_pass++;                                                       \
        else {                                                                        \
            check_fail++;                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_ERR(expr, want)                                                          \
    do {                                                                               \
        esp_err_t got_ = (expr);                                                       \
        if (got_ == (want)) check_pass++;                                              \
        else {                                                                         \
            check_fail++;                                                              \
            fprintf(stderr, "%s:%d: %s = %s (0x%x), expected %s\n", __FILE__, __LINE__, \
                    #expr, esp_err_to_name(got_), (unsigned)got_, #want);              \
        }                                                                              \
    } while (0)

static inline int check_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_pass, check_fail);
    return check_fail ? 1 : 0;
}

#endif
