/* In-memory model of an NVS partition and a seeded random workload, shared by
 * the randomized, power-cut and wear tests of the NVS engine. */
#ifndef TEST_NVS_MODEL_H
#define TEST_NVS_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flash_emu.h"
#include "fk_test.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"

#define M_NS 4
#define M_KEYS 24
#define M_PART "mdl"

typedef struct {
    bool present;
    uint8_t type; /* NVS_TYPE_* */
    uint8_t *data;
    size_t len;
} mval_t;

typedef struct {
    bool ns_exists[M_NS];
    mval_t v[M_NS][M_KEYS];
} model_t;

enum { OP_OPEN, OP_SET, OP_ERASE, OP_ERASE_ALL, OP_COMMIT, OP_GET };

typedef struct {
    int kind;
    int ns, key;
    uint8_t type;
    size_t len;
    uint8_t *data; /* value for OP_SET (ints little-endian, strings with NUL) */
} mop_t;

typedef struct {
    fk_emu_t emu;
    uint32_t size;
    uint8_t version;
    nvs_handle_t h[M_NS];
    bool h_open[M_NS];
    uint32_t rng;
    uint8_t *ws;
    int heavy; /* larger values: the partition runs full */
} mctx_t;

static inline uint32_t m_rand(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static inline void m_ns_name(int ns, char out[16]) { snprintf(out, 16, "space%d", ns); }
static inline void m_key_name(int k, char out[16]) { snprintf(out, 16, "key_%02d", k); }

static inline void mval_set(mval_t *v, uint8_t type, const uint8_t *d, size_t len)
{
    free(v->data);
    v->data = malloc(len ? len : 1);
    if (len) memcpy(v->data, d, len);
    v->len = len;
    v->type = type;
    v->present = true;
}

static inline void mval_clear(mval_t *v)
{
    free(v->data);
    v->data = NULL;
    v->len = 0;
    v->present = false;
}

static inline void model_copy(model_t *dst, const model_t *src)
{
    for (int n = 0; n < M_NS; n++) {
        dst->ns_exists[n] = src->ns_exists[n];
        for (int k = 0; k < M_KEYS; k++) {
            if (src->v[n][k].present)
                mval_set(&dst->v[n][k], src->v[n][k].type, src->v[n][k].data, src->v[n][k].len);
            else
                mval_clear(&dst->v[n][k]);
        }
    }
}

static inline void model_free(model_t *m)
{
    for (int n = 0; n < M_NS; n++)
        for (int k = 0; k < M_KEYS; k++) mval_clear(&m->v[n][k]);
}

static inline void model_apply(model_t *m, const mop_t *op)
{
    switch (op->kind) {
    case OP_OPEN: m->ns_exists[op->ns] = true; break;
    case OP_SET: mval_set(&m->v[op->ns][op->key], op->type, op->data, op->len); break;
    case OP_ERASE: mval_clear(&m->v[op->ns][op->key]); break;
    case OP_ERASE_ALL:
        for (int k = 0; k < M_KEYS; k++) mval_clear(&m->v[op->ns][k]);
        break;
    default: break;
    }
}

static inline size_t m_int_size(uint8_t t) { return t & 0x0F; }

/* Largest string / blob the workload asks for, scaled to the partition so
 * that it is not always full. */
static inline size_t m_max_var(const mctx_t *c, bool blob)
{
    size_t pages = c->size / 4096;
    size_t lim = c->version == 1 ? 1984 : (blob ? (pages - 1) * 4000 : 4000);
    size_t scale = pages * 300;
    if (blob && c->version == 2 && pages >= 6) scale = pages * 1000;
    if (c->heavy) scale *= 6;
    return lim < scale ? lim : scale;
}

/* Draws an operation. Early ops open every namespace (creating it). */
static inline void m_gen(mctx_t *c, int step, mop_t *op)
{
    memset(op, 0, sizeof *op);
    op->ns = (int)(m_rand(&c->rng) % M_NS);
    op->key = (int)(m_rand(&c->rng) % M_KEYS);
    if (step < M_NS) {
        op->kind = OP_OPEN;
        op->ns = step;
        return;
    }
    uint32_t r = m_rand(&c->rng) % 100;
    if (r < 60) op->kind = OP_SET;
    else if (r < 75) op->kind = OP_GET;
    else if (r < 90) op->kind = OP_ERASE;
    else if (r < 92) op->kind = OP_ERASE_ALL;
    else op->kind = OP_COMMIT;
    if (op->kind != OP_SET) return;
    static const uint8_t ints[] = {NVS_TYPE_U8, NVS_TYPE_I8, NVS_TYPE_U16, NVS_TYPE_I16,
                                   NVS_TYPE_U32, NVS_TYPE_I32, NVS_TYPE_U64, NVS_TYPE_I64};
    uint32_t t = m_rand(&c->rng) % 16;
    /* Keys keep a type most of the time, as firmware does; sometimes not. */
    if (m_rand(&c->rng) % 8) t = (uint32_t)(op->key * 7 + op->ns) % 16;
    if (t < 10) {
        op->type = ints[t % 8];
        op->len = m_int_size(op->type);
        op->data = malloc(8);
        uint64_t v = (uint64_t)m_rand(&c->rng) << 32 | m_rand(&c->rng);
        if (m_rand(&c->rng) % 4 == 0) v %= 4; /* small values repeat: same-value writes */
        for (int i = 0; i < 8; i++) op->data[i] = (uint8_t)(v >> (8 * i));
        return;
    }
    bool blob = t >= 13;
    size_t max = m_max_var(c, blob);
    size_t len;
    uint32_t sz = m_rand(&c->rng) % 100;
    if ((int)sz < 70 - 40 * c->heavy) len = m_rand(&c->rng) % 40;
    else if ((int)sz < 95 - 40 * c->heavy) len = m_rand(&c->rng) % 300;
    else len = m_rand(&c->rng) % (max + 1);
    if (len > max) len = max;
    op->type = blob ? NVS_TYPE_BLOB : NVS_TYPE_STR;
    if (!blob && len == 0) len = 1;
    op->len = len;
    op->data = malloc(len + 1);
    uint8_t seed = (uint8_t)m_rand(&c->rng);
    for (size_t i = 0; i < len; i++)
        op->data[i] = blob ? (uint8_t)(seed + i * 13) : (uint8_t)('a' + (seed + i) % 26);
    if (!blob) op->data[len - 1] = 0;
}

static inline void m_op_free(mop_t *op)
{
    free(op->data);
    op->data = NULL;
}

static inline esp_err_t m_open_all(mctx_t *c, const model_t *m)
{
    for (int n = 0; n < M_NS; n++) {
        c->h_open[n] = false;
        if (!m->ns_exists[n]) continue;
        char name[16];
        m_ns_name(n, name);
        esp_err_t err = nvs_open_from_partition(M_PART, name, NVS_READWRITE, &c->h[n]);
        if (err != ESP_OK) return err;
        c->h_open[n] = true;
    }
    return ESP_OK;
}

static inline esp_err_t m_mount(mctx_t *c)
{
    nvs_fk_config_t cfg = {c->ws, NVS_WORKSPACE_SIZE(c->size / 4096), c->version, false};
    return nvs_flash_init_region(M_PART, &c->emu.flash, 0, c->size, &cfg);
}

static inline void m_unmount(mctx_t *c)
{
    nvs_flash_deinit_partition(M_PART);
    for (int n = 0; n < M_NS; n++) c->h_open[n] = false;
}

/* Runs an operation through the API. */
static inline esp_err_t m_exec(mctx_t *c, const mop_t *op)
{
    char key[16];
    m_key_name(op->key, key);
    nvs_handle_t h = c->h[op->ns];
    switch (op->kind) {
    case OP_OPEN: {
        char name[16];
        m_ns_name(op->ns, name);
        esp_err_t err = nvs_open_from_partition(M_PART, name, NVS_READWRITE, &c->h[op->ns]);
        if (err == ESP_OK) c->h_open[op->ns] = true;
        return err;
    }
    case OP_SET: {
        uint64_t v = 0;
        for (int i = 0; i < 8 && op->type != NVS_TYPE_STR && op->type != NVS_TYPE_BLOB; i++)
            v |= (uint64_t)op->data[i] << (8 * i);
        switch (op->type) {
        case NVS_TYPE_U8: return nvs_set_u8(h, key, (uint8_t)v);
        case NVS_TYPE_I8: return nvs_set_i8(h, key, (int8_t)v);
        case NVS_TYPE_U16: return nvs_set_u16(h, key, (uint16_t)v);
        case NVS_TYPE_I16: return nvs_set_i16(h, key, (int16_t)v);
        case NVS_TYPE_U32: return nvs_set_u32(h, key, (uint32_t)v);
        case NVS_TYPE_I32: return nvs_set_i32(h, key, (int32_t)v);
        case NVS_TYPE_U64: return nvs_set_u64(h, key, v);
        case NVS_TYPE_I64: return nvs_set_i64(h, key, (int64_t)v);
        case NVS_TYPE_STR: return nvs_set_str(h, key, (const char *)op->data);
        default: return nvs_set_blob(h, key, op->data, op->len);
        }
    }
    case OP_ERASE: {
        esp_err_t err = nvs_erase_key(h, key);
        return err == ESP_ERR_NVS_NOT_FOUND ? ESP_OK : err;
    }
    case OP_ERASE_ALL: return nvs_erase_all(h);
    case OP_COMMIT: return nvs_commit(h);
    default: return ESP_OK;
    }
}

/* Reads one key through the API and compares it with the model: returns
 * true if it matches `v`. */
static inline bool m_matches(mctx_t *c, int ns, int k, const mval_t *v, bool *absent_ok)
{
    char key[16];
    m_key_name(k, key);
    nvs_handle_t h = c->h[ns];
    if (!c->h_open[ns]) return !v->present;
    uint8_t buf[8] = {0};
    esp_err_t err;
    if (!v->present) {
        /* Absent: no type may find it. */
        size_t len = 0;
        if (nvs_get_u8(h, key, buf) != ESP_ERR_NVS_NOT_FOUND) return false;
        if (nvs_get_u32(h, key, (uint32_t *)buf) != ESP_ERR_NVS_NOT_FOUND) return false;
        if (nvs_get_str(h, key, NULL, &len) != ESP_ERR_NVS_NOT_FOUND) return false;
        if (nvs_get_blob(h, key, NULL, &len) != ESP_ERR_NVS_NOT_FOUND) return false;
        return true;
    }
    (void)absent_ok;
    switch (v->type) {
    case NVS_TYPE_U8: err = nvs_get_u8(h, key, buf); break;
    case NVS_TYPE_I8: err = nvs_get_i8(h, key, (int8_t *)buf); break;
    case NVS_TYPE_U16: err = nvs_get_u16(h, key, (uint16_t *)buf); break;
    case NVS_TYPE_I16: err = nvs_get_i16(h, key, (int16_t *)buf); break;
    case NVS_TYPE_U32: err = nvs_get_u32(h, key, (uint32_t *)buf); break;
    case NVS_TYPE_I32: err = nvs_get_i32(h, key, (int32_t *)buf); break;
    case NVS_TYPE_U64: err = nvs_get_u64(h, key, (uint64_t *)buf); break;
    case NVS_TYPE_I64: err = nvs_get_i64(h, key, (int64_t *)buf); break;
    default: {
        size_t need = 0;
        bool str = v->type == NVS_TYPE_STR;
        err = str ? nvs_get_str(h, key, NULL, &need) : nvs_get_blob(h, key, NULL, &need);
        if (err || need != v->len) return false;
        uint8_t *b = malloc(need + 1);
        size_t got = need;
        err = str ? nvs_get_str(h, key, (char *)b, &got) : nvs_get_blob(h, key, b, &got);
        bool ok = !err && got == v->len && !memcmp(b, v->data, v->len);
        free(b);
        return ok;
    }
    }
    return err == ESP_OK && !memcmp(buf, v->data, v->len);
}

/* Every key against the model; `alt` (may be NULL) holds the state before the
 * operation in flight, whose keys may match either. Returns mismatches. */
static inline int m_check_all(mctx_t *c, const model_t *m, const model_t *alt, const char *ctx)
{
    int bad = 0;
    for (int n = 0; n < M_NS; n++) {
        for (int k = 0; k < M_KEYS; k++) {
            if (m_matches(c, n, k, &m->v[n][k], NULL)) continue;
            if (alt && m_matches(c, n, k, &alt->v[n][k], NULL)) continue;
            if (bad++ < 5) fprintf(stderr, "%s: space%d/key_%02d does not match the model\n", ctx, n, k);
        }
    }
    return bad;
}

/* Makes `m` what the flash now holds, where it may be `m` or `alt`. */
static inline void m_resolve(mctx_t *c, model_t *m, const model_t *alt)
{
    for (int n = 0; n < M_NS; n++)
        for (int k = 0; k < M_KEYS; k++)
            if (!m_matches(c, n, k, &m->v[n][k], NULL)) {
                const mval_t *a = &alt->v[n][k];
                if (a->present) mval_set(&m->v[n][k], a->type, a->data, a->len);
                else mval_clear(&m->v[n][k]);
            }
}

static inline int m_ctx_init(mctx_t *c, uint32_t size, uint8_t version, uint32_t seed)
{
    memset(c, 0, sizeof *c);
    c->size = size;
    c->version = version;
    c->rng = seed ? seed : 1;
    c->ws = malloc(NVS_WORKSPACE_SIZE(size / 4096));
    return fk_emu_init_mem(&c->emu, size);
}

static inline void m_ctx_free(mctx_t *c)
{
    m_unmount(c);
    fk_emu_close(&c->emu);
    free(c->ws);
}

#endif
