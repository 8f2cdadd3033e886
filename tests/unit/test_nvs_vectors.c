/* Every image made by Espressif's generators (vectors/nvs, vectors/nvs-real)
 * mounts, and every key of its input.csv reads back with the right type and
 * value through the public API - read/write mount, read-only mount, and
 * again after a write (which must keep a v1 partition v1). */
/* vectors: nvs,nvs-real (cases with expected*.bin) */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "flash_emu.h"
#include "fk_test.h"
#include "fk_vectors.h"
#include "util.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"
#include "fk_nvs_format.h"

#define MAX_ROWS 2048

typedef struct {
    char ns[64];
    int ns_seq;        /* which namespace row it follows (0 = none) */
    char key[64];
    uint8_t type;      /* NVS_TYPE_* expected */
    bool is_int;
    int64_t ival;
    uint8_t *bytes;    /* string (NUL included when the generator adds it) or blob */
    size_t len;
    bool non_ascii;    /* text counted in characters by the primary generator */
} row_t;

static row_t rows[MAX_ROWS];
static int nrows;
static char ns_rows[1024][64]; /* every namespace row's name, in order */
static int n_ns_rows;
static char cur_case[4200];

static uint8_t *read_file(const char *path, size_t *len)
{
    uint8_t *b;
    return fk_read_file(path, &b, len) == 0 ? b : NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static uint8_t *hex_decode(const char *s, size_t n, size_t *out)
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    uint8_t *b = malloc(n / 2 + 1);
    for (size_t i = 0; i + 1 < n; i += 2) b[i / 2] = (uint8_t)(hexval(s[i]) << 4 | hexval(s[i + 1]));
    *out = n / 2;
    return b;
}

static uint8_t *b64_decode(const char *s, size_t n, size_t *out)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t *b = malloc(n + 1);
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = s[i] ? strchr(al, s[i]) : NULL;
        if (!p) continue; /* padding and non-alphabet characters are skipped */
        acc = acc << 6 | (uint32_t)(p - al);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            b[o++] = (uint8_t)(acc >> bits);
        }
    }
    *out = o;
    return b;
}

static int64_t parse_int(const char *s)
{
    char buf[128];
    size_t o = 0;
    for (; *s && o + 1 < sizeof buf; s++)
        if (*s != '_' && !isspace((unsigned char)*s)) buf[o++] = *s;
    buf[o] = 0;
    if (buf[0] == '-') return strtoll(buf, NULL, 10);
    return (int64_t)strtoull(buf[0] == '+' ? buf + 1 : buf, NULL, 10);
}

static uint8_t enc_type(const char *enc)
{
    uint8_t t = fk_nvs_int_type_by_name(enc);
    if (t) return t;
    if (!strcasecmp(enc, "string")) return NVS_TYPE_STR;
    if (!strcasecmp(enc, "hex2bin") || !strcasecmp(enc, "base64") || !strcasecmp(enc, "binary")) return NVS_TYPE_BLOB;
    return 0;
}

/* The primary generator's dialect (spec nvs.md 10.2): '#' lines before the
 * header, columns by name, split on every comma, stop at the first empty line. */
static bool load_csv(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/input.csv", dir);
    for (int i = 0; i < nrows; i++) free(rows[i].bytes);
    nrows = 0;
    n_ns_rows = 0;
    size_t len;
    char *text = (char *)read_file(path, &len);
    if (!text) return false;
    int col[4] = {-1, -1, -1, -1}; /* key type encoding value */
    bool header = false;
    char ns[64] = "";
    int ns_seq = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\r' || isspace((unsigned char)line[n - 1]))) line[--n] = 0;
        while (isspace((unsigned char)*line)) line++;
        if (!*line) {
            if (header) break;
            continue;
        }
        if (!header && line[0] == '#') continue;
        char *f[16];
        int nf = 0;
        for (char *c = line; nf < 16;) {
            f[nf++] = c;
            c = strchr(c, ',');
            if (!c) break;
            *c++ = 0;
        }
        if (!header) {
            static const char *names[4] = {"key", "type", "encoding", "value"};
            for (int i = 0; i < nf; i++)
                for (int k = 0; k < 4; k++)
                    if (!strcmp(f[i], names[k])) col[k] = i;
            header = true;
            continue;
        }
        const char *key = col[0] < nf ? f[col[0]] : "";
        const char *type = col[1] >= 0 && col[1] < nf ? f[col[1]] : "";
        const char *enc = col[2] >= 0 && col[2] < nf ? f[col[2]] : "";
        const char *val = col[3] >= 0 && col[3] < nf ? f[col[3]] : "";
        if (!strcmp(type, "namespace")) {
            snprintf(ns, sizeof ns, "%s", key);
            ns_seq++;
            if (n_ns_rows < 1024) snprintf(ns_rows[n_ns_rows++], 64, "%s", key);
            continue;
        }
        if (nrows == MAX_ROWS) break;
        row_t *r = &rows[nrows++];
        memset(r, 0, sizeof *r);
        snprintf(r->ns, sizeof r->ns, "%s", ns);
        r->ns_seq = ns_seq;
        snprintf(r->key, sizeof r->key, "%s", key);
        r->type = enc_type(enc);
        const uint8_t *src = (const uint8_t *)val;
        size_t slen = strlen(val);
        uint8_t *fbuf = NULL;
        if (!strcmp(type, "file")) {
            snprintf(path, sizeof path, "%s/%s", dir, val);
            fbuf = read_file(path, &slen);
            if (!fbuf) {
                fprintf(stderr, "%s: cannot read %s\n", dir, path);
                fbuf = calloc(1, 1), slen = 0;
            }
            src = fbuf;
        }
        if (r->type && r->type != NVS_TYPE_STR && r->type != NVS_TYPE_BLOB) {
            r->is_int = true;
            r->ival = parse_int((const char *)src);
        } else if (!strcmp(enc, "string")) {
            r->bytes = malloc(slen + 1);
            memcpy(r->bytes, src, slen);
            r->bytes[slen] = 0;
            r->len = slen + 1;
        } else if (!strcmp(enc, "hex2bin")) {
            r->bytes = hex_decode((const char *)src, slen, &r->len);
        } else if (!strcmp(enc, "base64")) {
            r->bytes = b64_decode((const char *)src, slen, &r->len);
        } else { /* binary, or an upper-case name: the literal bytes */
            r->bytes = malloc(slen + 1);
            memcpy(r->bytes, src, slen);
            r->len = slen;
        }
        /* The primary generator sizes strings (and binary data rows) in
         * characters but writes the UTF-8 bytes: spec nvs.md 10.4. */
        bool text_row = !strcmp(enc, "string") || (!strcmp(enc, "binary") && strcmp(type, "file"));
        for (size_t i = 0; text_row && i < slen; i++)
            if (src[i] & 0x80) r->non_ascii = true;
        free(fbuf);
    }
    free(text);
    return header;
}

/* A row can be checked through the API if its namespace name is used by one
 * namespace row only (a repeated name gets a second entry with the same key
 * in namespace 0: which one the runtime keeps depends on the page layout,
 * spec 9.2-9.3) and its key is not written twice. */
static bool checkable(int i)
{
    const row_t *r = &rows[i];
    if (!r->ns_seq || !r->type || strlen(r->key) > 15 || strlen(r->ns) > 15 || !r->key[0]) return false;
    int same_name = 0;
    for (int j = 0; j < n_ns_rows; j++) same_name += !strcmp(ns_rows[j], r->ns);
    if (same_name > 1) return false;
    for (int j = 0; j < nrows; j++) {
        if (j == i) continue;
        if (rows[j].ns_seq == r->ns_seq && !strcmp(rows[j].key, r->key)) return false;
    }
    return true;
}

/* 0: the right value; 1: the primary's broken non-ASCII item (NOT_FOUND);
 * 2: either. */
static int mangled_mode;

static int check_rows(const char *part, const char *what)
{
    int checked = 0;
    for (int i = 0; i < nrows; i++) {
        if (!checkable(i)) continue;
        const row_t *r = &rows[i];
        nvs_handle_t h;
        esp_err_t err = nvs_open_from_partition(part, r->ns, NVS_READONLY, &h);
        if (err != ESP_OK) {
            fprintf(stderr, "%s (%s): open %s: %s\n", cur_case, what, r->ns, esp_err_to_name(err));
            CHECK(0);
            continue;
        }
        bool ok = false;
        union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32;
                uint64_t u64; int64_t i64; } v;
        memset(&v, 0, sizeof v);
        switch (r->type) {
        case NVS_TYPE_U8: err = nvs_get_u8(h, r->key, &v.u8); ok = !err && v.u8 == (uint8_t)r->ival; break;
        case NVS_TYPE_I8: err = nvs_get_i8(h, r->key, &v.i8); ok = !err && v.i8 == (int8_t)r->ival; break;
        case NVS_TYPE_U16: err = nvs_get_u16(h, r->key, &v.u16); ok = !err && v.u16 == (uint16_t)r->ival; break;
        case NVS_TYPE_I16: err = nvs_get_i16(h, r->key, &v.i16); ok = !err && v.i16 == (int16_t)r->ival; break;
        case NVS_TYPE_U32: err = nvs_get_u32(h, r->key, &v.u32); ok = !err && v.u32 == (uint32_t)r->ival; break;
        case NVS_TYPE_I32: err = nvs_get_i32(h, r->key, &v.i32); ok = !err && v.i32 == (int32_t)r->ival; break;
        case NVS_TYPE_U64: err = nvs_get_u64(h, r->key, &v.u64); ok = !err && v.u64 == (uint64_t)r->ival; break;
        case NVS_TYPE_I64: err = nvs_get_i64(h, r->key, &v.i64); ok = !err && v.i64 == r->ival; break;
        default: {
            size_t need = 0;
            bool str = r->type == NVS_TYPE_STR;
            err = str ? nvs_get_str(h, r->key, NULL, &need) : nvs_get_blob(h, r->key, NULL, &need);
            if (r->non_ascii && mangled_mode) {
                /* Its data CRC cannot match: the runtime reports NOT_FOUND. */
                uint8_t *buf = malloc(need + 1);
                size_t got = need;
                if (!err)
                    err = str ? nvs_get_str(h, r->key, (char *)buf, &got) : nvs_get_blob(h, r->key, buf, &got);
                bool right = !err && got == r->len && !memcmp(buf, r->bytes, r->len);
                ok = err == ESP_ERR_NVS_NOT_FOUND || (mangled_mode == 2 && right);
                free(buf);
                break;
            }
            if (err || need != r->len) {
                if (!err) fprintf(stderr, "  length %zu, expected %zu\n", need, r->len);
                break;
            }
            uint8_t *buf = malloc(need + 1);
            size_t got = need;
            err = str ? nvs_get_str(h, r->key, (char *)buf, &got) : nvs_get_blob(h, r->key, buf, &got);
            ok = !err && got == r->len && !memcmp(buf, r->bytes, r->len);
            if (!err && need > 0) { /* one byte short must be refused */
                size_t small = need - 1;
                esp_err_t e2 = str ? nvs_get_str(h, r->key, (char *)buf, &small)
                                   : nvs_get_blob(h, r->key, buf, &small);
                ok = ok && e2 == ESP_ERR_NVS_INVALID_LENGTH;
            }
            free(buf);
        }
        }
        if (!ok)
            fprintf(stderr, "%s (%s): %s/%s type 0x%02x: %s\n", cur_case, what, r->ns, r->key,
                    r->type, err ? esp_err_to_name(err) : "wrong value");
        CHECK(ok);
        checked += ok;
        nvs_close(h);
    }
    return checked;
}

static uint32_t parse_size_arg(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/args.txt", dir);
    size_t len;
    char *t = (char *)read_file(path, &len);
    uint32_t size = 0;
    if (t) {
        char *s = strstr(t, "--size");
        if (s) size = (uint32_t)strtoul(s + 6, NULL, 0);
        free(t);
    }
    return size;
}

static int images, keys_read;

static void page_versions(fk_emu_t *emu, uint32_t size, int *v1, int *v2)
{
    *v1 = *v2 = 0;
    for (uint32_t a = 0; a < size; a += 4096) {
        uint32_t st;
        memcpy(&st, emu->mem + a, 4);
        if (st == 0xFFFFFFFFu) continue;
        if (emu->mem[a + 8] == 0xFF) (*v1)++;
        else if (emu->mem[a + 8] == 0xFE) (*v2)++;
    }
}

static void run_image(const char *dir, const char *file)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(cur_case, sizeof cur_case, "%s", path);
    size_t len;
    uint8_t *img = read_file(path, &len);
    if (!img || len == 0 || len % 4096) {
        fprintf(stderr, "%s: unreadable image\n", path);
        CHECK(0);
        free(img);
        return;
    }
    uint32_t size = parse_size_arg(dir);
    if (size < len) size = (uint32_t)len;
    bool has_csv = load_csv(dir);
    images++;
    mangled_mode = !strcmp(file, "expected.bin") ? 1 : !strcmp(file, "expected_sdk_v3.4.bin") ? 2 : 0;

    /* Read-only over exactly the image, as a factory partition. */
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, (uint32_t)len), 0);
    fk_emu_load(&emu, 0, img, (uint32_t)len);
    nvs_fk_config_t ro = {NULL, 0, 0, true};
    esp_err_t err = nvs_flash_init_region("vec", &emu.flash, 0, (uint32_t)len, &ro);
    if (err) fprintf(stderr, "%s: read-only mount: %s\n", path, esp_err_to_name(err));
    CHECK_EQ(err, ESP_OK);
    if (!err) {
        if (has_csv) check_rows("vec", "read-only");
        CHECK_EQ(emu.st.writes + emu.st.erases, 0);
        nvs_flash_deinit_partition("vec");
    }
    fk_emu_close(&emu);

    /* Read/write over the partition size (at least one free page). */
    uint32_t rw_size = size;
    if (rw_size == len) {
        bool has_free = false;
        for (uint32_t a = 0; a < len && !has_free; a += 4096) {
            has_free = true;
            for (uint32_t i = 0; i < 4096; i++)
                if (img[a + i] != 0xFF) { has_free = false; break; }
        }
        if (!has_free) rw_size += 2 * 4096;
    }
    CHECK_EQ(fk_emu_init_mem(&emu, rw_size), 0);
    fk_emu_load(&emu, 0, img, (uint32_t)len);
    int v1_before, v2_before;
    page_versions(&emu, rw_size, &v1_before, &v2_before);
    err = nvs_flash_init_region("vec", &emu.flash, 0, rw_size, NULL);
    if (err) fprintf(stderr, "%s: mount: %s\n", path, esp_err_to_name(err));
    CHECK_EQ(err, ESP_OK);
    if (err) {
        fk_emu_close(&emu);
        free(img);
        return;
    }
    CHECK_EQ(emu.st.erases, 0); /* a clean image needs no repair */
    if (has_csv) keys_read += check_rows("vec", "mounted");
    /* Writing must keep the image's format and every existing key. */
    nvs_handle_t h;
    CHECK_EQ(nvs_open_from_partition("vec", "flashkit_test", NVS_READWRITE, &h), ESP_OK);
    uint8_t blob[300];
    for (size_t i = 0; i < sizeof blob; i++) blob[i] = (uint8_t)(i * 7);
    CHECK_EQ(nvs_set_u32(h, "added", 0xC0FFEE), ESP_OK);
    CHECK_EQ(nvs_set_blob(h, "blob", blob, sizeof blob), ESP_OK);
    nvs_close(h);
    nvs_flash_deinit_partition("vec");
    int v1_after, v2_after;
    page_versions(&emu, rw_size, &v1_after, &v2_after);
    if (v1_before) CHECK_EQ(v2_after, 0);                /* v1 stays v1 */
    if (v2_before && !v1_before) CHECK_EQ(v1_after, 0);  /* v2 stays v2 */
    CHECK_EQ(nvs_flash_init_region("vec", &emu.flash, 0, rw_size, NULL), ESP_OK);
    if (has_csv) check_rows("vec", "after a write");
    CHECK_EQ(nvs_open_from_partition("vec", "flashkit_test", NVS_READONLY, &h), ESP_OK);
    uint32_t u = 0;
    CHECK_EQ(nvs_get_u32(h, "added", &u), ESP_OK);
    CHECK_EQ(u, 0xC0FFEE);
    uint8_t back[300];
    size_t bl = sizeof back;
    CHECK_EQ(nvs_get_blob(h, "blob", back, &bl), ESP_OK);
    CHECK(bl == sizeof blob && !memcmp(back, blob, bl));
    nvs_close(h);
    nvs_flash_deinit_partition("vec");
    fk_emu_close(&emu);
    free(img);
}

/* One case folder: every generator's image in it. */
static int run_folder_case(const char *dir)
{
    static const char *files[] = {"expected.bin", "expected_idfgen.bin", "expected_sdk_v3.4.bin"};
    int n = 0;
    for (int k = 0; k < 3; k++) {
        char p[2200];
        snprintf(p, sizeof p, "%s/%s", dir, files[k]);
        FILE *f = fopen(p, "rb");
        if (!f) continue;
        fclose(f);
        run_image(dir, files[k]);
        n++;
    }
    return n;
}

/* The SDK's own pre-v2 image has no CSV: its keys are the SDK sample's. */
static void old_blob_format(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/vectors/nvs-real/old_blob_format/expected.bin", fk_shared());
    size_t len;
    uint8_t *img = read_file(path, &len);
    CHECK(img != NULL);
    if (!img) return;
    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 0x3000), 0);
    fk_emu_load(&emu, 0, img, (uint32_t)len);
    CHECK_EQ(nvs_flash_init_region("old", &emu.flash, 0, 0x3000, NULL), ESP_OK);
    nvs_handle_t h;
    CHECK_EQ(nvs_open_from_partition("old", "dummyNamespace", NVS_READONLY, &h), ESP_OK);
    uint8_t u8 = 0;
    int32_t i32 = 0;
    CHECK_EQ(nvs_get_u8(h, "dummyU8Key", &u8), ESP_OK);
    CHECK_EQ(u8, 127);
    CHECK_EQ(nvs_get_i32(h, "dummyI32Key", &i32), ESP_OK);
    CHECK_EQ(i32, INT32_MIN);
    uint8_t b[16];
    size_t bl = sizeof b;
    CHECK_EQ(nvs_get_blob(h, "dummyHex2BinKey", b, &bl), ESP_OK);
    CHECK(bl == 6 && !memcmp(b, "\x01\x02\x03\xab\xcd\xef", 6));
    char s[64];
    size_t sl = sizeof s;
    CHECK_EQ(nvs_get_str(h, "stringFileKey", s, &sl), ESP_OK);
    CHECK(sl == 27 && !strcmp(s, "abcdefghijklmnopqrstuvwxyz"));
    nvs_close(h);
    nvs_flash_deinit_partition("old");
    fk_emu_close(&emu);
    free(img);
}

static int run_case(const fk_vec_case_t *vc)
{
    int n = run_folder_case(vc->dir);
    if (strcmp(vc->set, "nvs-real") == 0 && strcmp(vc->name, "old_blob_format") == 0) {
        old_blob_format();
        n++;
    }
    return n;
}

static const char *const sets[] = {"nvs", "nvs-real", NULL};

int main(int argc, char **argv)
{
    int cases = fk_vec_main(argc, argv, sets, run_case);
    CHECK(cases > 0);
    printf("NVS vectors: %d images mounted, %d key reads checked\n", images, keys_read);
    if (!fk_vec_one_case(argc)) CHECK(images >= 40);
    for (int i = 0; i < nrows; i++) free(rows[i].bytes);
    return fk_test_done("test_nvs_vectors");
}
