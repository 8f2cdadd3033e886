#include "nvs_gen.h"
#include "pyint.h"
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

#include "fk_crc32.h"
#include "fk_nvs_read.h"
#include "fk_nvs_format.h"

/* ---- value decoding (spec §10.4) ---------------------------------------- */

/* The whitespace Python's strip() removes, ASCII part. */
static bool py_ws(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static void strip(const char **s, size_t *n)
{
    while (*n && py_ws((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && py_ws((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* Python int(text) for base 10: sign, digits, single '_' between digits.
 * Returns 0, -1 = not a number, -2 = magnitude above 2^64-1. */
static int parse_pyint(const char *s, size_t n, bool *neg, uint64_t *mag)
{
    strip(&s, &n);
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

enum { ENC_INT, ENC_STRING, ENC_HEX, ENC_BASE64, ENC_BINARY, ENC_UNKNOWN };

static int encoding_kind(const char *e, uint8_t *type)
{
    if ((*type = fk_nvs_int_type_by_name(e)) != 0) return ENC_INT;
    if (!strcasecmp(e, "string")) return ENC_STRING;
    if (!strcasecmp(e, "hex2bin")) return ENC_HEX;
    if (!strcasecmp(e, "base64")) return ENC_BASE64;
    if (!strcasecmp(e, "binary")) return ENC_BINARY;
    return ENC_UNKNOWN;
}

static int int_check(uint8_t type, bool neg, uint64_t mag, uint64_t *bits, char *why, size_t wlen)
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
static int decode_hex(const char *s, size_t n, uint8_t *out, size_t *outlen, char *why, size_t wlen)
{
    strip(&s, &n);
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
static int decode_base64(const char *s, size_t n, uint8_t *out, size_t *outlen, char *why, size_t wlen)
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

/* ---- rows → items -------------------------------------------------------- */

static int read_whole(const char *path, uint8_t **data, size_t *len)
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
        strip(&type, &tlen);

        if (tlen == 9 && !strncasecmp(type, "namespace", 9)) {
            /* A repeated name switches back to the namespace it already has. */
            unsigned i;
            for (i = 0; i < ns_count; i++)
                if (!strcmp(ns_names[i], row->key)) break;
            if (i < ns_count) {
                cur_ns = (int)i + 1;
                continue;
            }
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
        strip(&enc, &elen);
        if (!elen) ROW_ERR("key '%s': field 'encoding' is empty", row->key);
        char encbuf[16];
        if (elen >= sizeof encbuf) elen = sizeof encbuf - 1;
        memcpy(encbuf, enc, elen);
        encbuf[elen] = 0;
        int ek = encoding_kind(encbuf, &item->type);
        if (ek == ENC_UNKNOWN)
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
            if (read_whole(path, &fbuf, &flen) != 0) {
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
        case ENC_INT: {
            bool neg;
            uint64_t mag;
            int pr = parse_pyint(val, vlen, &neg, &mag);
            if (pr == -1) {
                size_t sl = vlen;
                const char *sv = val;
                strip(&sv, &sl);
                ROW_ERR("key '%s': %s value '%.*s' is not a decimal integer", row->key, encbuf,
                        (int)(sl > 40 ? 40 : sl), sv);
            }
            if (pr == -2) snprintf(why, sizeof why, "out of range for %s", encbuf);
            if (pr == -2 || int_check(item->type, neg, mag, &item->ival, why, sizeof why)) {
                size_t sl = vlen;
                const char *sv = val;
                strip(&sv, &sl);
                ROW_ERR("key '%s': value '%.*s' is %s", row->key, (int)(sl > 40 ? 40 : sl), sv, why);
            }
            item->kind = FK_NVS_INT;
            break;
        }
        case ENC_STRING:
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
        case ENC_HEX:
        case ENC_BASE64:
        case ENC_BINARY:
            item->kind = FK_NVS_BLOB;
            if (ek == ENC_BINARY) {
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
                int dr = ek == ENC_HEX ? decode_hex(val, vlen, dst, &dlen, why, sizeof why)
                                       : decode_base64(val, vlen, dst, &dlen, why, sizeof why);
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

/* ---- layout (spec §10.6, §10.7) ------------------------------------------ */

typedef struct {
    uint8_t *img;
    uint32_t avail; /* pages data may use: all but the reserved last one */
    uint32_t page;  /* current page */
    unsigned used;  /* entries used on it */
    int first_over; /* line of the first item placed beyond avail */
    int line;
} layout_t;

static void new_page(layout_t *l)
{
    l->page++;
    l->used = 0;
}

/* Writes one item (header entry + payload entries) at the current position. */
static void put_item(layout_t *l, fk_nvs_entry_t *e, const uint8_t *payload, size_t len)
{
    unsigned n = 1 + (unsigned)((len + NVS_ENTRY_SIZE - 1) / NVS_ENTRY_SIZE);
    if (l->page >= l->avail) {
        if (!l->first_over) l->first_over = l->line;
        l->used += n;
        return;
    }
    fk_nvs_entry_seal(e);
    uint8_t *pg = l->img + (size_t)l->page * NVS_PAGE_SIZE;
    uint8_t *dst = pg + NVS_FIRST_ENTRY_OFFSET + (size_t)l->used * NVS_ENTRY_SIZE;
    memcpy(dst, e, NVS_ENTRY_SIZE);
    if (len) memcpy(dst + NVS_ENTRY_SIZE, payload, len);
    for (unsigned i = 0; i < n; i++) fk_nvs_bitmap_set(pg + NVS_BITMAP_OFFSET, l->used + i, NVS_ENTRY_WRITTEN);
    l->used += n;
}

int fk_nvs_check_size(uint32_t size, char *err, size_t errlen)
{
    if (size % NVS_PAGE_SIZE) {
        snprintf(err, errlen, "partition size 0x%X is not a multiple of 4096 (0x1000)", size);
        return -1;
    }
    if (size < 3 * NVS_PAGE_SIZE) {
        snprintf(err, errlen,
                 "partition size 0x%X is too small: NVS needs at least 0x3000 (3 pages: 2 for data, 1 kept free)",
                 size);
        return -1;
    }
    return 0;
}

int fk_nvs_layout(const fk_nvs_item_t *items, size_t n, const char *name, uint32_t size, int version,
                  uint8_t *image, char *err, size_t errlen)
{
    if (fk_nvs_check_size(size, err, errlen)) return -1;
    uint8_t ver = version == 1 ? NVS_VERSION_V1 : NVS_VERSION_V2;
    layout_t l = {.img = image, .avail = size / NVS_PAGE_SIZE - 1};
    memset(image, 0xFF, size);

    for (size_t i = 0; i < n; i++) {
        const fk_nvs_item_t *it = &items[i];
        fk_nvs_entry_t e;
        l.line = it->line;
        switch (it->kind) {
        case FK_NVS_NAMESPACE:
        case FK_NVS_INT: {
            if (l.used >= NVS_ENTRY_COUNT) new_page(&l);
            if (it->kind == FK_NVS_NAMESPACE) {
                fk_nvs_entry_init(&e, 0, NVS_ITEM_U8, 1, NVS_CHUNK_ANY, it->key);
                e.data[0] = it->ns;
            } else {
                fk_nvs_entry_init(&e, it->ns, it->type, 1, NVS_CHUNK_ANY, it->key);
                for (unsigned b = 0; b < fk_nvs_type_int_size(it->type); b++) e.data[b] = (uint8_t)(it->ival >> 8 * b);
            }
            put_item(&l, &e, NULL, 0);
            break;
        }
        case FK_NVS_STRING:
        case FK_NVS_BLOB:
            if (it->kind == FK_NVS_STRING || version == 1) {
                /* The reference never lets a single-page item take a page's last entry. */
                unsigned span = fk_nvs_varlen_span((uint32_t)it->len);
                if (l.used >= NVS_ENTRY_COUNT || l.used + span >= NVS_ENTRY_COUNT) new_page(&l);
                fk_nvs_entry_init(&e, it->ns, it->kind == FK_NVS_STRING ? NVS_ITEM_SZ : NVS_ITEM_BLOB, (uint8_t)span,
                               NVS_CHUNK_ANY, it->key);
                fk_nvs_entry_set_varlen(&e, (uint16_t)it->len, fk_crc32_le(0xFFFFFFFFu, it->data, it->len));
                put_item(&l, &e, it->data, it->len);
            } else {
                if (l.used >= NVS_ENTRY_COUNT) new_page(&l);
                size_t off = 0, rem = it->len;
                unsigned chunks = 0;
                for (;;) {
                    size_t tail = (size_t)(NVS_ENTRY_COUNT - l.used - 1) * NVS_ENTRY_SIZE;
                    size_t chunk = rem < tail ? rem : tail;
                    if (chunks == NVS_BLOB_MAX_CHUNKS) {
                        snprintf(err, errlen,
                                 "%s:%d: key '%s': blob of %zu bytes needs more than %u chunks (one per page); "
                                 "the runtime cannot read it",
                                 name, it->line, it->key, it->len, NVS_BLOB_MAX_CHUNKS);
                        return -1;
                    }
                    fk_nvs_entry_init(&e, it->ns, NVS_ITEM_BLOB_DATA, (uint8_t)fk_nvs_varlen_span((uint32_t)chunk),
                                   (uint8_t)chunks, it->key);
                    fk_nvs_entry_set_varlen(&e, (uint16_t)chunk, fk_crc32_le(0xFFFFFFFFu, it->data + off, chunk));
                    put_item(&l, &e, it->data + off, chunk);
                    chunks++;
                    off += chunk;
                    rem -= chunk;
                    if (rem || tail - chunk < NVS_ENTRY_SIZE) new_page(&l);
                    if (!rem) break;
                }
                fk_nvs_entry_init(&e, it->ns, NVS_ITEM_BLOB_IDX, 1, NVS_CHUNK_ANY, it->key);
                fk_put_le32(e.data, (uint32_t)it->len);
                e.data[4] = (uint8_t)chunks;
                e.data[5] = 0;
                put_item(&l, &e, NULL, 0);
            }
            break;
        }
    }
    if (l.page >= l.avail) {
        uint32_t need = l.page + 1;
        snprintf(err, errlen,
                 "%s:%d: the data does not fit: it needs %u pages (%u bytes) but a 0x%X partition has %u usable "
                 "pages (%u bytes; its last page stays free). This row is the first that does not fit; a size of "
                 "at least 0x%X is needed",
                 name, l.first_over, need, need * NVS_PAGE_SIZE, size, l.avail, l.avail * NVS_PAGE_SIZE,
                 (need + 1) * NVS_PAGE_SIZE);
        return -1;
    }
    /* As the primary reference: every initialised page ends up FULL, the pages
     * after the data get header-only pages, and the last page stays erased. */
    for (uint32_t p = 0; p < l.avail; p++)
        fk_nvs_header_build(image + (size_t)p * NVS_PAGE_SIZE, NVS_PAGE_FULL, p, ver);
    return 0;
}

/* ---- runtime hash collisions (issue 12) ------------------------------------ */

/* Espressif's runtime erases, when it mounts its active page, the older of
 * two items there with equal 24-bit hashes. A generated page is FULL, so the
 * pair survives until that runtime garbage-collects the page into its active
 * one. The image must stay Espressif's byte for byte: say it, change nothing. */
static void warn_collisions(const uint8_t *image, uint32_t size, const char *name)
{
    for (uint32_t p = 0; p < size / NVS_PAGE_SIZE; p++) {
        const uint8_t *pg = image + (size_t)p * NVS_PAGE_SIZE;
        fk_nvs_entry_t e[NVS_ENTRY_COUNT];
        unsigned n = 0;
        for (unsigned i = 0; i < NVS_ENTRY_COUNT && fk_nvs_bitmap_get(pg + NVS_BITMAP_OFFSET, i) == NVS_ENTRY_WRITTEN;) {
            memcpy(&e[n], pg + NVS_FIRST_ENTRY_OFFSET + i * NVS_ENTRY_SIZE, NVS_ENTRY_SIZE);
            i += fk_nvs_item_span(&e[n++]);
        }
        for (unsigned a = 0; a < n; a++)
            for (unsigned b = 0; b < a; b++)
                if (fk_nvs_hash_collide(&e[a], &e[b], pg[8] == NVS_VERSION_V1))
                    fk_warn("%s: page %u holds '%.15s' (namespace index %u) and '%.15s' (namespace index %u), whose "
                            "24-bit hashes collide: once Espressif's runtime garbage-collects this page, its next "
                            "mount erases the first one (flashkit's runtime keeps both); rename one key to be safe",
                            name, p, e[b].key, e[b].ns, e[a].key, e[a].ns);
    }
}

/* ---- whole CSV ----------------------------------------------------------- */

int fk_nvs_gen_text(const char *text, size_t len, const char *name, const char *base_dir, uint32_t size,
                    int version, uint8_t **image, char *err, size_t errlen)
{
    *image = NULL;
    if (version != 1 && version != 2) {
        snprintf(err, errlen, "NVS format version must be 1 or 2 (got %d)", version);
        return -1;
    }
    if (fk_nvs_check_size(size, err, errlen)) return -1;
    fk_csv_rows_t rows;
    if (fk_nvs_csv_parse(text, len, name, &rows, err, errlen)) return -1;
    fk_nvs_items_t items;
    int rc = fk_nvs_rows_to_items(&rows, name, base_dir, version, &items, err, errlen);
    if (rc == 0) {
        uint8_t *img = malloc(size);
        if (!img) {
            snprintf(err, errlen, "%s: out of memory", name);
            rc = -1;
        } else if (fk_nvs_layout(items.items, items.n, name, size, version, img, err, errlen)) {
            free(img);
            rc = -1;
        } else {
            warn_collisions(img, size, name);
            *image = img;
        }
        fk_nvs_items_free(&items);
    }
    fk_csv_rows_free(&rows);
    return rc;
}

int fk_nvs_gen_file(const char *csv_path, uint32_t size, int version, uint8_t **image, char *err, size_t errlen)
{
    *image = NULL;
    uint8_t *text;
    size_t len;
    if (strcmp(csv_path, "-") == 0) {
        /* stdin: relative file paths are taken from the current directory. */
        size_t cap = 65536;
        len = 0;
        text = malloc(cap + 1);
        while (text) {
            size_t got = fread(text + len, 1, cap - len, stdin);
            len += got;
            if (len < cap) break;
            uint8_t *nt = realloc(text, cap * 2 + 1);
            if (!nt) free(text);
            text = nt;
            cap *= 2;
        }
        if (!text || ferror(stdin)) {
            free(text);
            snprintf(err, errlen, "<stdin>: read failed");
            return -1;
        }
        text[len] = 0;
        int rc = fk_nvs_gen_text((const char *)text, len, "<stdin>", NULL, size, version, image, err, errlen);
        free(text);
        return rc;
    }
    if (read_whole(csv_path, &text, &len) != 0) {
        snprintf(err, errlen, "%s: %s", csv_path, strerror(errno));
        return -1;
    }
    /* `file` rows are relative to the CSV's own folder. */
    char *dir = strdup(csv_path);
    if (!dir) {
        free(text);
        snprintf(err, errlen, "%s: out of memory", csv_path);
        return -1;
    }
    char *slash = strrchr(dir, '/');
    const char *base = NULL;
    if (slash) {
        if (slash == dir) slash[1] = 0;
        else *slash = 0;
        base = dir;
    }
    int rc = fk_nvs_gen_text((const char *)text, len, csv_path, base, size, version, image, err, errlen);
    free(dir);
    free(text);
    return rc;
}

int fk_nvs_parse_size(const char *s, uint32_t *out)
{
    int64_t v;
    if (fk_pyint(s, strlen(s), &v)) {
        if (v < 0 || v > 0xFFFFFFFFll) return -1;
        *out = (uint32_t)v;
        return 0;
    }
    return fk_parse_size(s, out) ? 0 : -1;
}

int fk_nvs_parse_version(const char *s, int *v)
{
    if (s[0] == 'v' || s[0] == 'V') s++;
    if (!strcmp(s, "1")) *v = 1;
    else if (!strcmp(s, "2")) *v = 2;
    else return -1;
    return 0;
}
