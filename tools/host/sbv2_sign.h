/* espsecure's Secure Boot v2 file operations on the host: sign_data (with
 * --append_signatures), the device's verification of a signed file, and
 * signature_info_v2. The block format itself is core/fk_sbv2. */
#ifndef FK_SBV2_SIGN_H
#define FK_SBV2_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fk_sbv2.h"
#include "sbv2_keys.h"

/* Signs in[0..len) as `espsecure sign_data --version 2` does (spec §1, §3)
 * and returns the whole signed file in *out (malloc'd). Progress lines as
 * espsecure prints them go to log (NULL: none); in_name names the input in
 * them. Returns 0, or -1 with the error printed and nothing in *out. */
int fk_sbv2_sign_data(const uint8_t *in, size_t len, const char *in_name, const fk_sbv2_key_t *const *keys,
                      int nkeys, bool append, FILE *log, uint8_t **out, size_t *out_len);

/* The device rule on a whole signed file in memory: len must be a non-zero
 * multiple of 4096 (else ESP_ERR_INVALID_SIZE). */
esp_err_t fk_sbv2_verify_buf(const uint8_t *data, size_t len, const fk_sbv2_trust_t *trust, fk_sbv2_result_t *res);

/* signature_info_v2: per block until the first invalid one. Returns 0, or
 * 2 after printing the fatal error (a digest mismatch, as espsecure). */
int fk_sbv2_info(const uint8_t *data, size_t len, const char *name, FILE *out);

#endif
