#include "nvs_gen_values.h"

#include <stdio.h>
#include <strings.h>

#include "fk_nvs_format.h"
#include "util.h"

/* ---- value decoding (spec nvs.md §10.4) ---------------------------------- */

/* Python int(text) for base 10: sign, digits, single '_' between digits.
 * Returns 0, -1 = not a number, -2 = magnitude above 2^64-1. */
int fk_nvs_parse_dec(const char *s, size_t n, bool *neg, uint64_t *mag)
{
    fk_trim_span(&s, &n);
    *neg = false;
    if (n && (*s == '+' || *s == '-')) {
        *neg = *s == '-';
        s++, n--;
    }
    if (!n) return -1;
    uint64_t v = 0;
    bool big = false, prev_digit = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') {
            if (!prev_digit || i + 1 == n) return -1;
            prev_digit = false;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) big = true;
        else v = v * 10 + d;
        prev_digit = true;
    }
    *mag = v;
    return big ? -2 : 0;
}

int fk_nvs_encoding_kind(const char *e, uint8_t *type)
{
    if ((*type = fk_nvs_int_type_by_name(e)) != 0) return FK_ENC_INT;
    if (!strcasecmp(e, "string")) return FK_ENC_STRING;
    if (!strcasecmp(e, "hex2bin")) return FK_ENC_HEX;
    if (!strcasecmp(e, "base64")) return FK_ENC_BASE64;
    if (!strcasecmp(e, "binary")) return FK_ENC_BINARY;
    return FK_ENC_UNKNOWN;
}

int fk_nvs_int_check(uint8_t type, bool neg, uint64_t mag, uint64_t *bits, char *why, size_t wlen)
{
    unsigned bytes = fk_nvs_type_int_size(type);
    bool is_signed = type & 0x10;
    uint64_t umax = bytes == 8 ? UINT64_MAX : (1ull << (8 * bytes)) - 1;
    if (is_signed) {
        uint64_t pmax = umax >> 1;
        if ((!neg && mag > pmax) || (neg && mag > pmax + 1)) {
            snprintf(why, wlen, "out of range for i%u (-%llu..%llu)", 8 * bytes, (unsigned long long)pmax + 1,
                     (unsigned long long)pmax);
            return -1;
        }
    } else if ((neg && mag != 0) || mag > umax) {
        snprintf(why, wlen, "out of range for u%u (0..%llu)", 8 * bytes, (unsigned long long)umax);
        return -1;
    }
    *bits = neg ? (uint64_t)0 - mag : mag;
    return 0;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* hex2bin: stripped, even length, hex digits of either case. Writes n/2 bytes to out. */
int fk_nvs_decode_hex(const char *s, size_t n, uint8_t *out, size_t *outlen, char *why, size_t wlen)
{
    fk_trim_span(&s, &n);
    if (n % 2) {
        snprintf(why, wlen, "hex2bin value has an odd number of digits (%zu); it must be whole bytes", n);
        return -1;
    }
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = hi < 0 ? i : i + 1;
            unsigned char c = (unsigned char)s[at];
            if (c >= 0x20 && c < 0x7F)
                snprintf(why, wlen, "hex2bin value: '%c' at character %zu is not a hex digit", c, at + 1);
            else
                snprintf(why, wlen, "hex2bin value: byte 0x%02X at character %zu is not a hex digit", c, at + 1);
            return -1;
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *outlen = n / 2;
    return 0;
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* base64 as Python's binascii.a2b_base64 (non-strict): characters outside the
 * alphabet are skipped, a complete pad sequence ends the input, and a partial
 * final quantum is an error. */
int fk_nvs_decode_base64(const char *s, size_t n, uint8_t *out, size_t *outlen, char *why, size_t wlen)
{
    unsigned quad = 0, pads = 0, left = 0;
    size_t o = 0, chars = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=') {
            if (quad >= 2 && quad + ++pads >= 4) goto done;
            continue;
        }
        int v = b64val(c);
        if (v < 0) continue;
        pads = 0;
        chars++;
        switch (quad) {
        case 0: left = (unsigned)v; quad = 1; break;
        case 1: out[o++] = (uint8_t)(left << 2 | (unsigned)v >> 4); left = (unsigned)v & 0xF; quad = 2; break;
        case 2: out[o++] = (uint8_t)(left << 4 | (unsigned)v >> 2); left = (unsigned)v & 0x3; quad = 3; break;
        default: out[o++] = (uint8_t)(left << 6 | (unsigned)v); quad = 0; break;
        }
    }
    if (quad == 1) {
        snprintf(why, wlen, "invalid base64: %zu data characters is one more than a multiple of 4", chars);
        return -1;
    }
    if (quad != 0) {
        snprintf(why, wlen, "invalid base64: incorrect padding (the last group needs '=' to make 4 characters)");
        return -1;
    }
done:
    *outlen = o;
    return 0;
}

