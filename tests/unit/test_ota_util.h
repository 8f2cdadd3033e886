/* Helpers shared by the OTA tests: a small device with a generated table,
 * file reading, key=value lookup. Header-only so each test stays one file. */
#ifndef TEST_OTA_UTIL_H
#define TEST_OTA_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esp_partition.h"
#include "fk_vectors.h"
#include "flash_emu.h"

#define OTA_TEST_TABLE 0x8000u
#define OTA_TEST_OTADATA 0xd000u
#define OTA_TEST_FLASH (2u * 1024 * 1024)
#define OTA_TEST_SLOT 0x10000u /* 64 KiB slots: small images keep sweeps fast */

static inline uint8_t *slurp2(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    uint8_t *b;
    *len = 0;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return NULL;
    return fk_vec_read_file(path, &b, len) == 0 ? b : NULL;
}

/* Value of "key=value" lines in text; "" when absent. Ring of buffers so a
 * few results can be used together. */
static inline const char *kv_get(const char *text, const char *key)
{
    static char ring[8][256];
    static int next;
    char *out = ring[next++ % 8];
    out[0] = 0;
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            const char *v = p + kl + 1;
            size_t n = strcspn(v, "\r\n");
            if (n > 255) n = 255;
            memcpy(out, v, n);
            out[n] = 0;
            break;
        }
    }
    return out;
}

static inline void ota_test_row(uint8_t *table, int *row, int type, int subtype, uint32_t off, uint32_t size,
                                const char *label)
{
    fk_part_entry_t e = {.type = (uint8_t)type, .subtype = (uint8_t)subtype, .offset = off, .size = size};
    snprintf(e.label, sizeof e.label, "%s", label);
    fk_part_entry_encode(&e, table + 32 * (*row)++);
}

/* A 2 MB memory device: nvs, otadata at 0xd000, [factory], ota_0..ota_{n-1},
 * [test], 64 KiB apps from 0x10000. Loads the table for the bootloader (t)
 * and as the app's table. */
static inline int ota_test_device(fk_emu_t *emu, fk_ptable_t *t, int slots, bool factory, bool test)
{
    if (fk_emu_init_mem(emu, OTA_TEST_FLASH) != 0) return -1;
    /* Static: 3 KiB is too much for the ESP8266 target's 8 KiB test stack. */
    static uint8_t table[FK_PART_TABLE_SIZE];
    memset(table, 0xFF, sizeof table);
    int row = 0;
    uint32_t at = 0x10000;
    ota_test_row(table, &row, 1, 2, 0x9000, 0x4000, "nvs");
    ota_test_row(table, &row, 1, 0, OTA_TEST_OTADATA, 0x2000, "otadata");
    if (factory) {
        ota_test_row(table, &row, 0, 0, at, OTA_TEST_SLOT, "factory");
        at += OTA_TEST_SLOT;
    }
    for (int i = 0; i < slots; i++) {
        char name[16];
        snprintf(name, sizeof name, "ota_%d", i & 15);
        ota_test_row(table, &row, 0, 0x10 + i, at, OTA_TEST_SLOT, name);
        at += OTA_TEST_SLOT;
    }
    if (test) ota_test_row(table, &row, 0, 0x20, at, OTA_TEST_SLOT, "test");
    fk_emu_load(emu, OTA_TEST_TABLE, table, sizeof table);
    if (fk_ptable_load(t, &emu->flash, OTA_TEST_TABLE, 0) != ESP_OK) return -1;
    fk_partition_set_table(t);
    return 0;
}

#include "fk_hash.h"

static inline void ota_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A valid ESP8266 SDK 3.x app image linked for app_offset: a code segment,
 * a rodata segment starting with the app descriptor (version), a RAM
 * segment; checksum and SHA-256 appended as esptool does. code_len sets
 * the size. Returns the length (buf must hold code_len + 1 KiB). */
static inline size_t ota_test_image(uint8_t *buf, uint32_t app_offset, const char *version, size_t code_len)
{
    uint32_t base = 0x40200010u + (app_offset & 0xFFFFFu);
    code_len = (code_len + 3) & ~(size_t)3;
    size_t at = 8;
    uint8_t chk = 0xEF;
    /* segment 0: code, a pattern that depends on the version */
    ota_put32(buf + at, base);
    ota_put32(buf + at + 4, (uint32_t)code_len);
    at += 8;
    uint32_t x = 0x12345678u ^ (uint32_t)version[0] ^ ((uint32_t)strlen(version) << 8);
    for (size_t i = 0; i < code_len; i++) {
        x = x * 1103515245u + 12345u;
        buf[at + i] = (uint8_t)(x >> 16);
        chk ^= buf[at + i];
    }
    at += code_len;
    /* segment 1: rodata = descriptor (its 8-byte hole is where this header sits) */
    uint8_t desc[256];
    memset(desc, 0, sizeof desc);
    ota_put32(desc, 0xABCD5432u);
    snprintf((char *)desc + 16, 32, "%s", version);
    snprintf((char *)desc + 48, 32, "%s", "ota_test");
    snprintf((char *)desc + 80, 16, "%s", "12:00:00");
    snprintf((char *)desc + 96, 16, "%s", "Nov 23 2026");
    snprintf((char *)desc + 112, 32, "%s", "v3.4-flashkit");
    ota_put32(buf + at, base + (uint32_t)code_len + 8);
    ota_put32(buf + at + 4, sizeof desc);
    at += 8;
    memcpy(buf + at, desc, sizeof desc);
    for (size_t i = 0; i < sizeof desc; i++) chk ^= desc[i];
    at += sizeof desc;
    /* segment 2: RAM */
    ota_put32(buf + at, 0x3FFE8000u);
    ota_put32(buf + at + 4, 16);
    at += 8;
    for (int i = 0; i < 16; i++) {
        buf[at + i] = (uint8_t)(i * 7);
        chk ^= buf[at + i];
    }
    at += 16;
    buf[0] = 0xE9;
    buf[1] = 3;
    buf[2] = 2;    /* DIO */
    buf[3] = 0x20; /* 4 MB (ESP32 coding, as the SDK's esptool writes), 40 MHz */
    ota_put32(buf + 4, base + 4);
    size_t L = (at + 1 + 15) & ~(size_t)15;
    memset(buf + at, 0, L - at);
    buf[L - 1] = chk;
    fk_sha256_t h;
    fk_sha256_start(&h);
    fk_sha256_update(&h, buf, L);
    fk_sha256_finish(&h, buf + L);
    return L + 32;
}

#endif
