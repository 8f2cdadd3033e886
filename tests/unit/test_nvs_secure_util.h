/* Helpers of the encrypted-NVS tests: keys from a key file, a partition on a
 * memory flash mounted through the encryption layer or plain, values read
 * by type into bytes, and the vectors' "NS KEY TYPE VALUE" lines. */
#ifndef TEST_NVS_SECURE_UTIL_H
#define TEST_NVS_SECURE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flash_emu.h"
#include "fk_nvs_crypt.h"
#include "fk_nvs_format.h"
#include "fk_test.h"
#include "nvs.h"
#include "nvs_fk.h"
#include "nvs_flash.h"

typedef struct {
    fk_emu_t emu;
    uint32_t size;
    fk_nvs_crypt_flash_t layer;
    uint8_t *ws;
    const char *label;
} sec_dev_t;

static inline int sec_dev_init(sec_dev_t *d, const char *label, uint32_t size, const uint8_t *image)
{
    memset(d, 0, sizeof *d);
    d->size = size;
    d->label = label;
    if (fk_emu_init_mem(&d->emu, size) != 0) return -1;
    if (image) memcpy(d->emu.mem, image, size);
    d->ws = malloc(NVS_WORKSPACE_SIZE(size / 4096));
    return d->ws ? 0 : -1;
}

/* cfg NULL: plain. version 0: the default for an empty partition. */
static inline esp_err_t sec_dev_mount(sec_dev_t *d, const nvs_sec_cfg_t *cfg, uint8_t version, bool read_only)
{
    fk_flash_t *f = &d->emu.flash;
    if (cfg) f = fk_nvs_crypt_flash_init(&d->layer, &d->emu.flash, 0, d->size, cfg);
    if (!f) return ESP_ERR_INVALID_ARG;
    nvs_fk_config_t c = {d->ws, NVS_WORKSPACE_SIZE(d->size / 4096), version, read_only};
    return nvs_flash_init_region(d->label, f, 0, d->size, &c);
}

static inline void sec_dev_free(sec_dev_t *d)
{
    nvs_flash_deinit_partition(d->label);
    fk_emu_close(&d->emu);
    free(d->ws);
}

/* The first 64 bytes of a key file. */
static inline int sec_load_keys(const char *path, nvs_sec_cfg_t *cfg)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(cfg, 1, sizeof *cfg, f);
    fclose(f);
    return n == sizeof *cfg ? 0 : -1;
}

static inline int sec_type(const char *s)
{
    static const struct { const char *n; int t; } t[] = {
        {"u8", NVS_TYPE_U8}, {"i8", NVS_TYPE_I8}, {"u16", NVS_TYPE_U16}, {"i16", NVS_TYPE_I16},
        {"u32", NVS_TYPE_U32}, {"i32", NVS_TYPE_I32}, {"u64", NVS_TYPE_U64}, {"i64", NVS_TYPE_I64},
        {"str", NVS_TYPE_STR}, {"blob", NVS_TYPE_BLOB},
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(s, t[i].n)) return t[i].t;
    return -1;
}

/* A value as bytes: integers 8 bytes little-endian, strings with their NUL,
 * blobs as they are. *len in: room; out: bytes. */
static inline esp_err_t sec_get(nvs_handle_t h, const char *key, int type, uint8_t *buf, size_t *len)
{
    uint64_t v = 0;
    esp_err_t err;
    switch (type) {
    case NVS_TYPE_U8: { uint8_t x; err = nvs_get_u8(h, key, &x); v = x; break; }
    case NVS_TYPE_I8: { int8_t x; err = nvs_get_i8(h, key, &x); v = (uint64_t)(int64_t)x; break; }
    case NVS_TYPE_U16: { uint16_t x; err = nvs_get_u16(h, key, &x); v = x; break; }
    case NVS_TYPE_I16: { int16_t x; err = nvs_get_i16(h, key, &x); v = (uint64_t)(int64_t)x; break; }
    case NVS_TYPE_U32: { uint32_t x; err = nvs_get_u32(h, key, &x); v = x; break; }
    case NVS_TYPE_I32: { int32_t x; err = nvs_get_i32(h, key, &x); v = (uint64_t)(int64_t)x; break; }
    case NVS_TYPE_U64: err = nvs_get_u64(h, key, &v); break;
    case NVS_TYPE_I64: { int64_t x; err = nvs_get_i64(h, key, &x); v = (uint64_t)x; break; }
    case NVS_TYPE_STR: return nvs_get_str(h, key, (char *)buf, len);
    default: return nvs_get_blob(h, key, buf, len);
    }
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(v >> (8 * i));
    *len = 8;
    return err;
}

/* One "NS KEY TYPE VALUE" line (model.txt, ops.txt after "set") as the
 * bytes sec_get gives. Returns the type, or -1. */
static inline int sec_parse_value(const char *type_s, const char *val, uint8_t *buf, size_t *len)
{
    int t = sec_type(type_s);
    if (t < 0) return -1;
    if (t == NVS_TYPE_STR) {
        if (!strcmp(val, "-")) val = "";
        *len = strlen(val) + 1;
        memcpy(buf, val, *len);
    } else if (t == NVS_TYPE_BLOB) {
        size_t n = strlen(val) / 2;
        for (size_t i = 0; i < n; i++) {
            unsigned x;
            if (sscanf(val + 2 * i, "%2x", &x) != 1) return -1;
            buf[i] = (uint8_t)x;
        }
        *len = n;
    } else {
        uint64_t v = t & 0x10 ? (uint64_t)strtoll(val, NULL, 10) : strtoull(val, NULL, 10);
        for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(v >> (8 * i));
        *len = 8;
    }
    return t;
}

static inline esp_err_t sec_set(nvs_handle_t h, const char *key, int t, const uint8_t *buf, size_t len)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && t != NVS_TYPE_STR && t != NVS_TYPE_BLOB; i++) v |= (uint64_t)buf[i] << (8 * i);
    switch (t) {
    case NVS_TYPE_U8: return nvs_set_u8(h, key, (uint8_t)v);
    case NVS_TYPE_I8: return nvs_set_i8(h, key, (int8_t)v);
    case NVS_TYPE_U16: return nvs_set_u16(h, key, (uint16_t)v);
    case NVS_TYPE_I16: return nvs_set_i16(h, key, (int16_t)v);
    case NVS_TYPE_U32: return nvs_set_u32(h, key, (uint32_t)v);
    case NVS_TYPE_I32: return nvs_set_i32(h, key, (int32_t)v);
    case NVS_TYPE_U64: return nvs_set_u64(h, key, v);
    case NVS_TYPE_I64: return nvs_set_i64(h, key, (int64_t)v);
    case NVS_TYPE_STR: return nvs_set_str(h, key, (const char *)buf);
    default: return nvs_set_blob(h, key, buf, len);
    }
}

#endif
