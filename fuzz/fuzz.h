/* Shared by the harnesses: inputs as text, flash images, a quiet scratch
 * folder. Each harness is one fuzz_NAME.c with LLVMFuzzerTestOneInput and a
 * line comment naming its seeds, read by fuzz/run.sh (nothing else needs
 * to know the harness):
 *   FUZZ_SEEDS:     globs relative to ../shared/vectors (the golden vectors)
 *   FUZZ_SEEDS_SRC: globs relative to the repository (e.g. examples)
 *   FUZZ_SEED_TEXT: one seed written with printf's escapes (\n, \x01)
 * The seeds are copied into build-fuzz/corpus/NAME at run time. */
#ifndef FK_FUZZ_H
#define FK_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (malloc'd; free it). */
static inline char *fz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t) abort();
    memcpy(t, data, size);
    t[size] = 0;
    return t;
}

/* An empty folder for inputs that name files: relative paths resolve
 * there and find nothing. Inputs with '/' are skipped by the harnesses that
 * read files, so they cannot reach /dev/zero and the like. */
static inline const char *fz_empty_dir(void)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fk-fuzz-XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    return dir;
}

/* The same bytes as `size` bytes of flash, erased (0xFF) past the input. */
static inline uint8_t *fz_flash_bytes(const uint8_t *data, size_t size, size_t flash)
{
    uint8_t *m = malloc(flash);
    if (!m) abort();
    memset(m, 0xFF, flash);
    memcpy(m, data, size < flash ? size : flash);
    return m;
}

/* Stops the run with a message: a property the code promises was broken. */
#define FZ_ASSERT(cond, ...)                                       \
    do {                                                           \
        if (!(cond)) {                                             \
            fprintf(stderr, "fuzz property failed: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__);                          \
            fputc('\n', stderr);                                   \
            abort();                                               \
        }                                                          \
    } while (0)

#endif
