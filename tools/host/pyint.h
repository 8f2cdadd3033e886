/* Python's int(text, 0), which both reference tools use for numbers, and the
 * partition tool's parse_int(): k/K, m/M suffixes and keyword tables. */
#ifndef FK_PYINT_H
#define FK_PYINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;
    int value;
} fk_keyword_t;

/* Python int(s, 0): sign, 0x/0o/0b prefixes, '_' between digits, no
 * leading zero on a non-zero decimal. */
bool fk_pyint(const char *s, size_t n, int64_t *out);

/* parse_int() of the reference: suffixes first (recursively), then int(),
 * then the keywords (case-insensitive). On failure writes the reference's
 * message ("Invalid field value X" or "Value 'X' is not valid. Known
 * keywords: ...") into err and returns false. */
bool fk_part_parse_int(const char *s, const fk_keyword_t *kw, size_t nkw, int64_t *out,
                       char *err, size_t errlen);

#endif
