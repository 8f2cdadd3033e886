#include "nvs_gen.h"
#include "nvs_gen_values.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fk_nvs_format.h"

/* ---- rows → items -------------------------------------------------------- */

int fk_nvs_read_whole(const char *path, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    int bad = fstat(fd, &st) != 0;
    if (!bad && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        bad = 1;
    }
    if (bad) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (n == cap) {
            /* An endless input (/dev/zero named in a file row) would otherwise
             * grow until the kernel kills the process; no NVS value is near. */
            if (cap >= ((size_t)64 << 20)) {
                free(buf);
                close(fd);
                errno = EFBIG;
                return -1;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                errno = ENOMEM;
                return -1;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    *data = buf;
    *len = n;
    return 0;
}

static int arena_reserve(fk_nvs_items_t *it, size_t n)
{
    if (it->arena_len + n <= it->arena_cap) return 0;
    size_t cap = it->arena_cap ? it->arena_cap : 1024;
    while (cap < it->arena_len + n) cap *= 2;
    uint8_t *na = realloc(it->arena, cap);
    if (!na) return -1;
    it->arena = na;
    it->arena_cap = cap;
    return 0;
}

typedef struct {
    uint8_t ns;
    char key[16];
    int line;
} seen_key_t;

static uint32_t key_hash(uint8_t ns, const char *key)
{
    uint32_t h = 2166136261u ^ ns;
    for (const char *p = key; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
    return h;
}

void fk_nvs_items_free(fk_nvs_items_t *it)
{
    free(it->items);
    free(it->arena);
    memset(it, 0, sizeof *it);
}

#define ROW_ERR(...)                                                                                     \
    do {                                                                                                 \
        int k_ = snprintf(err, errlen, "%s:%d: ", name, row->line);                                      \
        if (k_ >= 0 && (size_t)k_ < errlen) snprintf(err + k_, errlen - (size_t)k_, __VA_ARGS__);        \
        goto fail;                                                                                       \
    } while (0)

int fk_nvs_rows_to_items(const fk_csv_rows_t *rows, const char *name, const char *base_dir, int version,
                         fk_nvs_items_t *out, char *err, size_t errlen)
{
    return fk_nvs_rows_to_items_ex(rows, name, base_dir, version, 0, out, err, errlen);
}

int fk_nvs_rows_to_items_ex(const fk_csv_rows_t *rows, const char *name, const char *base_dir, int version,
                            unsigned flags, fk_nvs_items_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t *aoff = NULL;
    seen_key_t *seen = NULL;
    uint8_t *fbuf = NULL;
    char *path = NULL;
    char ns_names[255][16];
    unsigned ns_count = 0;
    int cur_ns = -1;
    size_t hcap = 16;
    while (hcap < rows->n * 2) hcap *= 2;

    out->items = malloc((rows->n ? rows->n : 1) * sizeof *out->items);
    aoff = malloc((rows->n ? rows->n : 1) * sizeof *aoff);
    seen = calloc(hcap, sizeof *seen);
    if (!out->items || !aoff || !seen) {
        snprintf(err, errlen, "%s: out of memory", name);
        goto fail;
    }

    for (size_t r = 0; r < rows->n; r++) {
        const fk_csv_row_t *row = &rows->rows[r];
        fk_nvs_item_t *item = &out->items[out->n];
        memset(item, 0, sizeof *item);
        item->line = row->line;
        aoff[out->n] = SIZE_MAX;

        if (!row->key || !row->key[0]) ROW_ERR("field 'key': empty key");
        size_t klen = strlen(row->key);
        if (klen > NVS_KEY_MAX)
            ROW_ERR("field 'key': '%s' is %zu bytes long; keys and namespace names hold at most 15", row->key,
                    klen);
        memcpy(item->key, row->key, klen + 1);
        if (!row->type) ROW_ERR("field 'type': missing (expected namespace, data or file)");
        const char *type = row->type;
        size_t tlen = strlen(type);
        fk_trim_span(&type, &tlen);

        if (tlen == 9 && !strncasecmp(type, "namespace", 9)) {
            /* A repeated name switches back to the namespace it already has. */
            unsigned i;
            for (i = 0; i < ns_count; i++)
                if (!strcmp(ns_names[i], row->key)) break;
            if (i < ns_count && !(flags & FK_NVS_GEN_SDK_NAMESPACES)) {
                cur_ns = (int)i + 1;
                continue;
            }
            if (i < ns_count)
                fk_warn("%s:%d: namespace '%s' again: written as the SDK tool writes it, a second namespace entry "
                        "(index %u) that a device never opens, so the rows after it up to the next namespace row "
                        "cannot be read; `flashkit nvs gen` switches back to the first '%s' instead",
                        name, row->line, row->key, ns_count + 1, row->key);
            if (ns_count == 254)
                ROW_ERR("namespace '%s': too many namespaces (NVS allows 254)", row->key);
            memcpy(ns_names[ns_count], row->key, klen + 1);
            cur_ns = (int)++ns_count;
            item->kind = FK_NVS_NAMESPACE;
            item->ns = (uint8_t)cur_ns;
            out->n++;
            continue;
        }
        bool is_file = tlen == 4 && !strncasecmp(type, "file", 4);
        if (!is_file && !(tlen == 4 && !strncasecmp(type, "data", 4)))
            ROW_ERR("field 'type': unknown type '%.*s' (expected namespace, data or file)", (int)tlen, type);
        if (cur_ns < 0) ROW_ERR("key '%s' comes before any namespace row", row->key);
        item->ns = (uint8_t)cur_ns;

        const char *enc = row->encoding ? row->encoding : "";
        size_t elen = strlen(enc);
        fk_trim_span(&enc, &elen);
        if (!elen) ROW_ERR("key '%s': field 'encoding' is empty", row->key);
        char encbuf[16];
        if (elen >= sizeof encbuf) elen = sizeof encbuf - 1;
        memcpy(encbuf, enc, elen);
        encbuf[elen] = 0;
        int ek = fk_nvs_encoding_kind(encbuf, &item->type);
        if (ek == FK_ENC_UNKNOWN)
            ROW_ERR("key '%s': field 'encoding': unsupported encoding '%s' (expected u8, i8, u16, i16, u32, "
                    "i32, u64, i64, string, hex2bin, base64 or binary)",
                    row->key, encbuf);
        if (!row->value) ROW_ERR("key '%s': the row has no 'value' field", row->key);

        const char *val = row->value;
        size_t vlen = row->value_len;
        if (is_file) {
            if (!vlen) ROW_ERR("key '%s': field 'value': empty file name", row->key);
            free(path);
            size_t bl = base_dir ? strlen(base_dir) : 0;
            path = malloc(bl + vlen + 2);
            if (!path) ROW_ERR("out of memory");
            if (val[0] == '/' || !bl)
                memcpy(path, val, vlen + 1);
            else
                snprintf(path, bl + vlen + 2, "%s/%s", base_dir, val);
            free(fbuf);
            fbuf = NULL;
            size_t flen;
            if (fk_nvs_read_whole(path, &fbuf, &flen) != 0) {
                if (strcmp(path, val))
                    ROW_ERR("key '%s': file '%s' (%s): %s", row->key, val, path, strerror(errno));
                ROW_ERR("key '%s': file '%s': %s", row->key, val, strerror(errno));
            }
            val = (const char *)fbuf;
            vlen = flen;
        }

        char why[160];
        size_t dlen = 0;
        switch (ek) {
        case FK_ENC_INT: {
            bool neg;
            uint64_t mag;
            int pr = fk_nvs_parse_dec(val, vlen, &neg, &mag);
            if (pr == -1) {
                size_t sl = vlen;
                const char *sv = val;
                fk_trim_span(&sv, &sl);
                ROW_ERR("key '%s': %s value '%.*s' is not a decimal integer", row->key, encbuf,
                        (int)(sl > 40 ? 40 : sl), sv);
            }
            if (pr == -2) snprintf(why, sizeof why, "out of range for %s", encbuf);
            if (pr == -2 || fk_nvs_int_check(item->type, neg, mag, &item->ival, why, sizeof why)) {
                size_t sl = vlen;
                const char *sv = val;
                fk_trim_span(&sv, &sl);
                ROW_ERR("key '%s': value '%.*s' is %s", row->key, (int)(sl > 40 ? 40 : sl), sv, why);
            }
            item->kind = FK_NVS_INT;
            break;
        }
        case FK_ENC_STRING:
            if (vlen + 1 > NVS_V1_MAX_VARLEN)
                ROW_ERR("key '%s': string is %zu bytes with its NUL; at most %u are allowed", row->key, vlen + 1,
                        NVS_V1_MAX_VARLEN);
            item->kind = FK_NVS_STRING;
            item->type = NVS_ITEM_SZ;
            if (is_file) {
                if (arena_reserve(out, vlen + 1)) ROW_ERR("out of memory");
                aoff[out->n] = out->arena_len;
                memcpy(out->arena + out->arena_len, val, vlen);
                out->arena[out->arena_len + vlen] = 0;
                out->arena_len += vlen + 1;
            } else {
                item->data = (const uint8_t *)val; /* the row text is NUL-terminated */
            }
            item->len = vlen + 1;
            break;
        case FK_ENC_HEX:
        case FK_ENC_BASE64:
        case FK_ENC_BINARY:
            item->kind = FK_NVS_BLOB;
            if (ek == FK_ENC_BINARY) {
                dlen = vlen;
                if (is_file) {
                    if (arena_reserve(out, vlen)) ROW_ERR("out of memory");
                    aoff[out->n] = out->arena_len;
                    memcpy(out->arena + out->arena_len, val, vlen);
                    out->arena_len += vlen;
                } else {
                    item->data = (const uint8_t *)val;
                }
            } else {
                if (arena_reserve(out, vlen + 4)) ROW_ERR("out of memory");
                uint8_t *dst = out->arena + out->arena_len;
                int dr = ek == FK_ENC_HEX ? fk_nvs_decode_hex(val, vlen, dst, &dlen, why, sizeof why)
                                       : fk_nvs_decode_base64(val, vlen, dst, &dlen, why, sizeof why);
                if (dr) ROW_ERR("key '%s': %s", row->key, why);
                aoff[out->n] = out->arena_len;
                out->arena_len += dlen;
            }
            item->len = dlen;
            if (version == 1 && dlen > NVS_V1_MAX_VARLEN)
                ROW_ERR("key '%s': blob is %zu bytes; a v1 image holds blobs of at most %u bytes (v2 splits "
                        "larger ones across pages)",
                        row->key, dlen, NVS_V1_MAX_VARLEN);
            break;
        }

        /* The runtime reads only the first of two items with the same namespace and key. */
        uint32_t h = key_hash(item->ns, item->key) & (uint32_t)(hcap - 1);
        while (seen[h].line) {
            if (seen[h].ns == item->ns && !strcmp(seen[h].key, item->key))
                ROW_ERR("key '%s' appears twice in namespace '%s' (first on line %d); the device would only "
                        "ever read the first",
                        item->key, ns_names[item->ns - 1], seen[h].line);
            h = (h + 1) & (uint32_t)(hcap - 1);
        }
        seen[h].ns = item->ns;
        memcpy(seen[h].key, item->key, sizeof item->key);
        seen[h].line = row->line;
        out->n++;
    }
    for (size_t i = 0; i < out->n; i++)
        if (aoff[i] != SIZE_MAX) out->items[i].data = out->arena + aoff[i];
    free(aoff);
    free(seen);
    free(fbuf);
    free(path);
    return 0;
fail:
    free(aoff);
    free(seen);
    free(fbuf);
    free(path);
    fk_nvs_items_free(out);
    return -1;
}

