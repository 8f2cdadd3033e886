#include "pyint.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

static int digit_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

bool fk_pyint(const char *s, size_t n, int64_t *out)
{
    fk_trim_span_by(&s, &n, fk_is_asciispace);
    bool neg = false;
    if (n && (*s == '+' || *s == '-')) {
        neg = *s == '-';
        s++, n--;
    }
    if (!n) return false;
    int base = 10;
    bool prefixed = false;
    if (n >= 2 && s[0] == '0') {
        char p = (char)tolower((unsigned char)s[1]);
        if (p == 'x') base = 16;
        if (p == 'o') base = 8;
        if (p == 'b') base = 2;
        if (base != 10) {
            s += 2, n -= 2;
            prefixed = true;
        }
    }
    /* After a prefix one '_' may precede the first digit ("0x_10"). */
    if (prefixed && n && *s == '_') s++, n--;
    if (!n) return false;
    uint64_t v = 0;
    bool prev_digit = false, nonzero = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') {
            if (!prev_digit || i + 1 == n) return false;
            prev_digit = false;
            continue;
        }
        int d = digit_value(s[i]);
        if (d >= base) return false;
        if (v > (UINT64_MAX >> 5)) return false; /* far beyond any flash size */
        v = v * (uint64_t)base + (uint64_t)d;
        if (d) nonzero = true;
        prev_digit = true;
    }
    /* "010" is an error in Python 3; "00" and "0_0" are zero. */
    if (!prefixed && s[0] == '0' && nonzero) return false;
    if (v > (uint64_t)INT64_MAX) return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

bool fk_part_parse_int(const char *s, const fk_keyword_t *kw, size_t nkw, int64_t *out,
                       char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (n) {
        char last = (char)tolower((unsigned char)s[n - 1]);
        int64_t mul = last == 'k' ? 1024 : last == 'm' ? 1048576 : 0;
        if (mul) {
            char head[256];
            if (n - 1 >= sizeof head) n = sizeof head;
            memcpy(head, s, n - 1);
            head[n - 1] = 0;
            int64_t v;
            if (!fk_part_parse_int(head, kw, nkw, &v, err, errlen)) return false;
            if (v > INT64_MAX / mul || v < INT64_MIN / mul) {
                snprintf(err, errlen, "Invalid field value %s", s);
                return false;
            }
            *out = v * mul;
            return true;
        }
    }
    if (fk_pyint(s, n, out)) return true;
    if (nkw == 0) {
        snprintf(err, errlen, "Invalid field value %s", s);
        return false;
    }
    for (size_t i = 0; i < nkw; i++) {
        if (!strcasecmp(s, kw[i].name)) {
            *out = kw[i].value;
            return true;
        }
    }
    int w = snprintf(err, errlen, "Value '%s' is not valid. Known keywords: ", s);
    for (size_t i = 0; i < nkw && w >= 0 && (size_t)w < errlen; i++)
        w += snprintf(err + w, errlen - (size_t)w, "%s%s", i ? ", " : "", kw[i].name);
    return false;
}
