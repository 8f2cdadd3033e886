/* gen_esp32part.py (SDK tool version 1.2) behaviour: spec partition-table.md §5-8. */
#include "part_gen.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_hash.h"
#include "pyint.h"
#include "util.h"

#define APP_ALIGN 0x1000u
#define DATA_ALIGN 4u

/* fk_part_parse_int() takes keyword tables: the core's names in that form. */
static const fk_keyword_t *type_kw(size_t *n)
{
    static fk_keyword_t t[2];
    for (uint8_t i = 0; i < 2; i++) t[i] = (fk_keyword_t){fk_part_type_keyword(i), i};
    *n = 2;
    return t;
}

static const fk_keyword_t *subtype_kw(int type, size_t *n)
{
    static fk_keyword_t t[2][24];
    *n = 0;
    if (type != FK_PART_TYPE_APP && type != FK_PART_TYPE_DATA) return NULL;
    const fk_part_name_t *names = fk_part_subtype_names((uint8_t)type, n);
    for (size_t i = 0; i < *n && i < 24; i++) t[type][i] = (fk_keyword_t){names[i].name, names[i].value};
    return t[type];
}

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void fk_part_opts_default(fk_part_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->table_offset = FK_PART_DEFAULT_OFFSET;
    o->md5 = true;
    o->verify = true;
    o->name = "input";
}

/* os.path.expandvars(): $NAME and ${NAME} replaced when set, else kept. */
static char *expand_vars(const char *line, size_t n)
{
    size_t cap = n * 2 + 64, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    for (size_t i = 0; i < n;) {
        const char *val = NULL;
        size_t consumed = 0;
        if (line[i] == '$' && i + 1 < n) {
            char name[256];
            size_t nl = 0;
            if (line[i + 1] == '{') {
                size_t j = i + 2;
                while (j < n && line[j] != '}') j++;
                if (j < n && j - (i + 2) < sizeof name) {
                    nl = j - (i + 2);
                    memcpy(name, line + i + 2, nl);
                    consumed = j + 1 - i;
                }
            } else {
                size_t j = i + 1;
                while (j < n && (isalnum((unsigned char)line[j]) || line[j] == '_')) j++;
                if (j > i + 1 && j - (i + 1) < sizeof name) {
                    nl = j - (i + 1);
                    memcpy(name, line + i + 1, nl);
                    consumed = j - i;
                }
            }
            if (consumed) {
                name[nl] = 0;
                val = getenv(name);
            }
        }
        size_t add = val ? strlen(val) : 1;
        if (len + add + 1 > cap) {
            cap = (len + add + 1) * 2;
            char *nb = realloc(out, cap);
            if (!nb) {
                free(out);
                return NULL;
            }
            out = nb;
        }
        if (val) {
            memcpy(out + len, val, add);
            len += add;
            i += consumed;
        } else {
            out[len++] = line[i++];
        }
    }
    out[len] = 0;
    return out;
}

typedef struct {
    bool has_offset;
    int64_t size; /* may be negative until placement */
} row_extra_t;

/* One CSV row -> entry. Returns false with err set (without the line prefix). */
static bool parse_row(char *line, fk_part_entry_t *e, row_extra_t *x, char *err, size_t errlen)
{
    char *fields[6] = {0};
    int nf = 0;
    char *p = line;
    /* The reference appends ",,,," and splits: missing fields are empty. */
    while (nf < 6) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        fields[nf++] = fk_trim(p);
        if (!comma) break;
        p = comma + 1;
    }
    for (int i = nf; i < 6; i++) fields[i] = "";

    memset(e, 0, sizeof *e);
    /* The name is taken verbatim and silently cut to 16 bytes. */
    strncpy(e->label, fields[0], 16);
    e->label[16] = 0;

    int64_t v;
    size_t ntk;
    const fk_keyword_t *tk = type_kw(&ntk);
    if (!*fields[1]) {
        seterr(err, errlen, "Field 'type' can't be left empty.");
        return false;
    }
    if (!fk_part_parse_int(fields[1], tk, ntk, &v, err, errlen)) return false;
    if (v < 0 || v > 254) {
        seterr(err, errlen, "Invalid field value %s (type must be 0..254)", fields[1]);
        return false;
    }
    e->type = (uint8_t)v;

    size_t nkw;
    const fk_keyword_t *kw = subtype_kw(e->type, &nkw);
    if (!*fields[2]) {
        v = 0;
    } else if (!fk_part_parse_int(fields[2], kw, nkw, &v, err, errlen)) {
        return false;
    }
    if (v < 0 || v > 255) {
        seterr(err, errlen, "Invalid field value %s (subtype must be 0..255)", fields[2]);
        return false;
    }
    e->subtype = (uint8_t)v;

    x->has_offset = *fields[3] != 0;
    if (x->has_offset) {
        if (!fk_part_parse_int(fields[3], NULL, 0, &v, err, errlen)) return false;
        if (v < 0 || v > 0xFFFFFFFFll) {
            seterr(err, errlen, "Invalid field value %s (offset out of range)", fields[3]);
            return false;
        }
        e->offset = (uint32_t)v;
    }
    if (!*fields[4]) {
        seterr(err, errlen, "Size field can't be empty");
        return false;
    }
    if (!fk_part_parse_int(fields[4], NULL, 0, &x->size, err, errlen)) return false;

    char *f = fields[5];
    while (f) {
        char *colon = strchr(f, ':');
        if (colon) *colon = 0;
        if (!strcmp(f, "encrypted"))
            e->flags |= FK_PART_FLAG_ENCRYPTED;
        else if (*f) {
            seterr(err, errlen, "CSV flag column contains unknown flag '%s'", f);
            return false;
        }
        f = colon ? colon + 1 : NULL;
    }
    return true;
}

int fk_part_parse_csv(const char *text, const fk_part_opts_t *o, fk_part_list_t *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof *out);
    row_extra_t extra[FK_PART_GEN_MAX];
    int line_no = 0;
    const char *p = text;
    while (*p) {
        /* splitlines(): \n, \r\n and \r all end a line. */
        size_t n = strcspn(p, "\r\n");
        line_no++;
        char *line = expand_vars(p, n);
        p += n;
        if (*p == '\r' && p[1] == '\n')
            p += 2;
        else if (*p)
            p++;
        if (!line) {
            seterr(err, errlen, "out of memory");
            return -1;
        }
        if (line[0] == '$' && (isalpha((unsigned char)line[1]) || line[1] == '_')) {
            size_t k = 1;
            while (isalnum((unsigned char)line[k]) || line[k] == '_') k++;
            seterr(err, errlen, "unknown variable '%.*s'", (int)(k - 1), line + 1);
            free(line);
            return -1;
        }
        char *s = fk_trim(line);
        if (!*s || *s == '#') {
            free(line);
            continue;
        }
        if (out->count >= FK_PART_GEN_MAX) {
            seterr(err, errlen, "Error at line %d: too many partitions (the table holds at most %d rows)",
                   line_no, FK_PART_GEN_MAX - 1);
            free(line);
            return -1;
        }
        char msg[512];
        bool ok = parse_row(s, &out->e[out->count], &extra[out->count], msg, sizeof msg);
        free(line);
        if (!ok) {
            seterr(err, errlen, "Error at line %d: %s", line_no, msg);
            return -1;
        }
        out->line[out->count++] = line_no;
    }

    /* Auto placement and negative sizes, in file order. */
    uint32_t last_end = o->table_offset + 0x1000;
    for (int i = 0; i < out->count; i++) {
        fk_part_entry_t *e = &out->e[i];
        if (extra[i].has_offset && e->offset < last_end) {
            if (i == 0)
                seterr(err, errlen, "CSV Error: First partition offset 0x%x overlaps end of partition table 0x%x",
                       e->offset, last_end);
            else
                seterr(err, errlen,
                       "CSV Error: Partitions overlap. Partition at line %d sets offset 0x%x. Previous partition ends 0x%x",
                       out->line[i], e->offset, last_end);
            return -1;
        }
        if (!extra[i].has_offset) {
            uint32_t pad = e->type == 0 ? APP_ALIGN : DATA_ALIGN;
            if (last_end % pad) last_end += pad - last_end % pad;
            e->offset = last_end;
        }
        int64_t size = extra[i].size;
        if (size < 0) size = -size - (int64_t)e->offset;
        if (size < 0 || size > 0xFFFFFFFFll || (uint64_t)e->offset + (uint64_t)size > 0xFFFFFFFFull) {
            seterr(err, errlen, "Error at line %d: size out of range", out->line[i]);
            return -1;
        }
        e->size = (uint32_t)size;
        last_end = e->offset + e->size;
    }
    return o->verify ? fk_part_verify(out, o, err, errlen) : 0;
}

static void md5_hex(const uint8_t d[16], char out[33])
{
    for (int i = 0; i < 16; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* Python's repr() of a bytes object, as the reference prints it. */
static void py_bytes_repr(const uint8_t *b, size_t n, char *out, size_t outlen)
{
    bool has_sq = memchr(b, '\'', n) != NULL, has_dq = memchr(b, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    size_t w = 0;
#define PUT(...) w += (size_t)snprintf(out + w, w < outlen ? outlen - w : 0, __VA_ARGS__)
    PUT("b%c", q);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        if (c == (uint8_t)q || c == '\\') PUT("\\%c", c);
        else if (c == '\t') PUT("\\t");
        else if (c == '\n') PUT("\\n");
        else if (c == '\r') PUT("\\r");
        else if (c >= 0x20 && c < 0x7f) PUT("%c", c);
        else PUT("\\x%02x", c);
    }
    PUT("%c", q);
#undef PUT
}

/* Nothing but erased flash where the table should start: say so, rather
 * than "missing end marker" or a CSV error. */
static int erased_table(const uint8_t *bin, size_t len, char *err, size_t errlen)
{
    size_t n = 0;
    while (n < len && bin[n] == 0xFF) n++;
    if (n == len)
        seterr(err, errlen, "no partition table entries: file is erased flash (all 0xFF, %zu bytes from offset 0x0)",
               len);
    else
        seterr(err, errlen,
               "no partition table entries: the first row (offset 0x0) is erased flash (0xFF), which ends the table "
               "before any entry; the first other byte is at offset 0x%zx",
               n);
    return -1;
}

int fk_part_parse_bin(const uint8_t *bin, size_t len, const fk_part_opts_t *o, fk_part_list_t *out,
                      char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len >= FK_PART_ROW_SIZE && fk_part_row_is_erased(bin)) return erased_table(bin, len, err, errlen);
    fk_md5_t md5;
    fk_md5_start(&md5);
    uint8_t digest[16];
    for (size_t off = 0; off < len; off += FK_PART_ROW_SIZE) {
        const uint8_t *row = bin + off;
        if (len - off < FK_PART_ROW_SIZE) {
            fk_md5_finish(&md5, digest);
            seterr(err, errlen, "Partition table length must be a multiple of 32 bytes");
            return -1;
        }
        if (fk_part_row_is_erased(row)) {
            fk_md5_finish(&md5, digest);
            return o->verify ? fk_part_verify(out, o, err, errlen) : 0;
        }
        if (o->md5 && fk_part_row_magic_is(row, FK_PART_MD5_MAGIC)) {
            fk_md5_t copy = md5; /* the digest so far; the stream goes on */
            fk_md5_finish(&copy, digest);
            if (memcmp(digest, fk_part_md5_row_digest(row), 16) != 0) {
                char hex[33], parsed[33], repr[200];
                md5_hex(digest, hex);
                md5_hex(fk_part_md5_row_digest(row), parsed);
                fk_md5_finish(&md5, digest);
                /* The reference's own line (Python's b'' repr of the hex
                 * text) goes second, for scripts that look for it. */
                py_bytes_repr((const uint8_t *)parsed, 32, repr, sizeof repr);
                seterr(err, errlen,
                       "MD5 row at offset 0x%zx does not match the entries before it: computed %s, stored %s\n"
                       "  gen_esp32part.py reports: MD5 checksums don't match! (computed: 0x%s, parsed: 0x%s)",
                       off, hex, parsed, hex, repr);
                return -1;
            }
            continue;
        }
        fk_md5_update(&md5, row, FK_PART_ROW_SIZE);
        if (out->count >= FK_PART_GEN_MAX) {
            fk_md5_finish(&md5, digest);
            seterr(err, errlen, "Partition table has more than %d entries", FK_PART_GEN_MAX);
            return -1;
        }
        fk_part_entry_t *e = &out->e[out->count];
        if (!fk_part_entry_decode(row, e)) {
            char r[64];
            py_bytes_repr(row, 2, r, sizeof r);
            fk_md5_finish(&md5, digest);
            seterr(err, errlen, "Invalid magic bytes (%s) for partition definition (at offset 0x%zx)", r, off);
            return -1;
        }
        if (e->flags & ~FK_PART_FLAG_ENCRYPTED)
            fk_warn("WARNING: Partition definition had unknown flag(s) 0x%08x. Newer binary format?",
                    e->flags & ~FK_PART_FLAG_ENCRYPTED);
        out->line[out->count++] = 0;
    }
    fk_md5_finish(&md5, digest);
    seterr(err, errlen, "Partition table is missing an end-of-table marker");
    return -1;
}

static bool is_keyword(const fk_keyword_t *kw, size_t n, const char *name, int *value)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kw[i].name, name)) {
            *value = kw[i].value;
            return true;
        }
    return false;
}

static int cmp_offset(const void *a, const void *b)
{
    const fk_part_entry_t *x = *(const fk_part_entry_t *const *)a, *y = *(const fk_part_entry_t *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int cmp_name(const void *a, const void *b)
{
    const fk_part_entry_t *x = *(const fk_part_entry_t *const *)a, *y = *(const fk_part_entry_t *const *)b;
    return strcmp(x->label, y->label);
}

static void print_csv_row(FILE *f, const fk_part_entry_t *e);

int fk_part_verify(const fk_part_list_t *l, const fk_part_opts_t *o, char *err, size_t errlen)
{
    for (int i = 0; i < l->count; i++) {
        const fk_part_entry_t *e = &l->e[i];
        uint32_t align = e->type == 0 ? APP_ALIGN : DATA_ALIGN;
        if (e->offset % align) {
            seterr(err, errlen, "Partition %s invalid: Offset 0x%x is not aligned to 0x%x", e->label, e->offset, align);
            return -1;
        }
        if (o->secure && e->size % align) {
            seterr(err, errlen, "Partition %s invalid: Size 0x%x is not aligned to 0x%x", e->label, e->size, align);
            return -1;
        }
        int v;
        size_t ntk, napp, ndata;
        const fk_keyword_t *tk = type_kw(&ntk), *app = subtype_kw(FK_PART_TYPE_APP, &napp),
                           *data = subtype_kw(FK_PART_TYPE_DATA, &ndata);
        if (is_keyword(tk, ntk, e->label, &v) && v != e->type)
            fk_warn("Partition has name '%s' which is a partition type, but does not match this partition's type (0x%x). Mistake in partition table?",
                    e->label, e->type);
        size_t nkw;
        const fk_keyword_t *own = subtype_kw(e->type, &nkw);
        bool any = is_keyword(app, napp, e->label, &v) || is_keyword(data, ndata, e->label, &v);
        if (any && !(own && is_keyword(own, nkw, e->label, &v) && v == e->subtype))
            fk_warn("Partition has name '%s' which is a partition subtype, but this partition has non-matching type 0x%x and subtype 0x%x. Mistake in partition table?",
                    e->label, e->type, e->subtype);
    }

    const fk_part_entry_t *sorted[FK_PART_GEN_MAX];
    for (int i = 0; i < l->count; i++) sorted[i] = &l->e[i];

    bool dup = false;
    qsort(sorted, (size_t)l->count, sizeof sorted[0], cmp_name);
    for (int i = 1; i < l->count; i++)
        if (!strcmp(sorted[i]->label, sorted[i - 1]->label)) dup = true;
    if (dup) {
        /* The reference lists the offenders on stdout, sorted by name. */
        printf("A list of partitions that have the same name:\n");
        for (int i = 0; i < l->count; i++) {
            bool same = (i > 0 && !strcmp(sorted[i]->label, sorted[i - 1]->label)) ||
                        (i + 1 < l->count && !strcmp(sorted[i]->label, sorted[i + 1]->label));
            if (same) print_csv_row(stdout, sorted[i]);
        }
        fflush(stdout);
        seterr(err, errlen, "Partition names must be unique");
        return -1;
    }

    for (int i = 0; i < l->count; i++) sorted[i] = &l->e[i];
    qsort(sorted, (size_t)l->count, sizeof sorted[0], cmp_offset);
    uint32_t first_ok = o->table_offset + 0x1000;
    for (int i = 0; i < l->count; i++) {
        const fk_part_entry_t *e = sorted[i];
        if (e->offset < first_ok) {
            seterr(err, errlen, "Partition offset 0x%x is below 0x%x", e->offset, first_ok);
            return -1;
        }
        if (i > 0) {
            const fk_part_entry_t *last = sorted[i - 1];
            if ((uint64_t)e->offset < (uint64_t)last->offset + last->size) {
                seterr(err, errlen, "Partition at 0x%x overlaps 0x%x-0x%x", e->offset, last->offset,
                       last->offset + last->size - 1);
                return -1;
            }
        }
    }

    if (o->flash_size && l->count) {
        const fk_part_entry_t *hi = sorted[l->count - 1];
        uint64_t end = (uint64_t)hi->offset + hi->size;
        if (end > o->flash_size) {
            seterr(err, errlen,
                   "Partitions defined in '%s' occupy %.1fMB of flash (%llu bytes) which does not fit in configured flash size %uMB. Change the flash size in menuconfig under the 'Serial Flasher Config' menu.",
                   o->name, (double)end / 1024.0 / 1024.0, (unsigned long long)end, o->flash_size >> 20);
            return -1;
        }
    }
    return 0;
}

int fk_part_to_bin(const fk_part_list_t *l, const fk_part_opts_t *o, uint8_t out[FK_PART_TABLE_SIZE],
                   char *err, size_t errlen)
{
    size_t len = (size_t)(l->count + (o->md5 ? 1 : 0)) * FK_PART_ROW_SIZE;
    if (len >= FK_PART_TABLE_SIZE) {
        seterr(err, errlen, "Binary partition table length (%zu) longer than max", len);
        return -1;
    }
    memset(out, 0xFF, FK_PART_TABLE_SIZE);
    for (int i = 0; i < l->count; i++) fk_part_entry_encode(&l->e[i], out + FK_PART_ROW_SIZE * i);
    if (o->md5) {
        uint8_t digest[16];
        fk_md5(out, (size_t)l->count * FK_PART_ROW_SIZE, digest);
        fk_part_md5_row_encode(out + FK_PART_ROW_SIZE * l->count, digest);
    }
    return 0;
}

static void print_size(FILE *f, uint32_t v)
{
    if (v % 0x100000 == 0)
        fprintf(f, "%uM", v / 0x100000);
    else if (v % 0x400 == 0)
        fprintf(f, "%uK", v / 0x400);
    else
        fprintf(f, "0x%x", v);
}

static void print_csv_row(FILE *f, const fk_part_entry_t *e)
{
    fputs(e->label, f);
    const char *t = fk_part_type_keyword(e->type);
    if (t)
        fprintf(f, ",%s", t);
    else
        fprintf(f, ",%d", e->type);
    const char *st = fk_part_subtype_keyword(e->type, e->subtype);
    if (st)
        fprintf(f, ",%s", st);
    else
        fprintf(f, ",%d", e->subtype);
    fprintf(f, ",0x%x,", e->offset);
    print_size(f, e->size);
    fprintf(f, ",%s\n", (e->flags & FK_PART_FLAG_ENCRYPTED) ? "encrypted" : "");
}

char *fk_part_to_csv(const fk_part_list_t *l)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) return NULL;
    fputs("# Espressif ESP32 Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n", f);
    for (int i = 0; i < l->count; i++) print_csv_row(f, &l->e[i]);
    fclose(f);
    return buf;
}

/* A control byte would cut the text short (NUL) or be taken into a field
 * unseen; only tab, CR and LF belong in a CSV. */
static int csv_control_byte(const char *text, size_t len, char *err, size_t errlen)
{
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' || (c == '\r' && !(i + 1 < len && text[i + 1] == '\n'))) {
            line++;
            line_start = i + 1;
        } else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F) {
            seterr(err, errlen, "Error at line %d: control byte 0x%02x at column %zu (file offset 0x%zx): a partition CSV is text",
                   line, c, i - line_start + 1, i);
            return -1;
        }
    }
    return 0;
}

int fk_part_load_input(const char *path_or_name, const fk_part_opts_t *o, fk_part_list_t *out,
                       bool *binary_in, bool quiet, char *err, size_t errlen)
{
    const char *builtin = fk_part_builtin(path_or_name);
    FILE *probe = builtin ? fopen(path_or_name, "rb") : NULL;
    if (probe) { /* a real file of that name wins over the built-in */
        fclose(probe);
        builtin = NULL;
    }
    *binary_in = false;
    if (builtin) {
        if (!quiet) fputs("Parsing CSV input...\n", stderr);
        return fk_part_parse_csv(builtin, o, out, err, errlen);
    }
    uint8_t *data;
    size_t len;
    if (fk_read_file(path_or_name, &data, &len) != 0) {
        seterr(err, errlen, "cannot read the file");
        return -1;
    }
    /* The reference looks only for AA 50; a table that starts with its MD5
     * row or with erased flash is binary too (and then an error that says so). */
    *binary_in = len >= 2 && (fk_part_row_magic_is(data, FK_PART_MAGIC) || fk_part_row_magic_is(data, FK_PART_MD5_MAGIC) ||
                              fk_part_row_magic_is(data, FK_PART_END_MAGIC));
    if (!*binary_in && csv_control_byte((const char *)data, len, err, errlen)) {
        free(data);
        return -1;
    }
    if (!quiet) fputs(*binary_in ? "Parsing binary partition input...\n" : "Parsing CSV input...\n", stderr);
    int rc = *binary_in ? fk_part_parse_bin(data, len, o, out, err, errlen)
                        : fk_part_parse_csv((const char *)data, o, out, err, errlen);
    free(data);
    return rc;
}

int fk_part_load_any(const char *path_or_name, const fk_part_opts_t *o, fk_part_list_t *out, char *err,
                     size_t errlen)
{
    bool binary_in;
    return fk_part_load_input(path_or_name, o, out, &binary_in, true, err, errlen);
}

const fk_part_entry_t *fk_part_list_find(const fk_part_list_t *l, int type, int subtype)
{
    for (int i = 0; i < l->count; i++)
        if (l->e[i].type == type && (subtype < 0 || l->e[i].subtype == subtype)) return &l->e[i];
    return NULL;
}

const fk_part_entry_t *fk_part_list_find_label(const fk_part_list_t *l, const char *label)
{
    for (int i = 0; i < l->count; i++)
        if (!strcmp(l->e[i].label, label)) return &l->e[i];
    for (int i = 0; i < l->count; i++) {
        const char *sub = l->e[i].type == FK_PART_TYPE_APP ? fk_part_subtype_keyword(l->e[i].type, l->e[i].subtype) : NULL;
        if (sub && !strcmp(sub, label)) return &l->e[i];
    }
    return NULL;
}
