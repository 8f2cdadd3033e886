/* Value decoding of the NVS generator (spec nvs.md §10.4): the one table of
 * encodings (u8..i64, string, hex2bin, base64, binary) that `nvs gen` and
 * `mfg gen` both check against, and the integer, hex and base64 readers. */
#ifndef FK_NVS_GEN_VALUES_H
#define FK_NVS_GEN_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FK_ENC_INT, FK_ENC_STRING, FK_ENC_HEX, FK_ENC_BASE64, FK_ENC_BINARY, FK_ENC_UNKNOWN };

/* Kind of an encoding name (case-insensitive); for FK_ENC_INT *type is the
 * NVS_ITEM_* code. */
int fk_nvs_encoding_kind(const char *e, uint8_t *type);

/* Python int(text) for base 10: sign, digits, single '_' between digits.
 * Returns 0, -1 = not a number, -2 = magnitude above 2^64-1. */
int fk_nvs_parse_dec(const char *s, size_t n, bool *neg, uint64_t *mag);
/* Range of an integer type; *bits the two's complement. 0, or -1 with why. */
int fk_nvs_int_check(uint8_t type, bool neg, uint64_t mag, uint64_t *bits, char *why, size_t wlen);
/* hex2bin: stripped, even length, hex digits of either case. */
int fk_nvs_decode_hex(const char *s, size_t n, uint8_t *out, size_t *outlen, char *why, size_t wlen);
/* base64 as Python's binascii.a2b_base64 (non-strict). */
int fk_nvs_decode_base64(const char *s, size_t n, uint8_t *out, size_t *outlen, char *why, size_t wlen);

#endif
