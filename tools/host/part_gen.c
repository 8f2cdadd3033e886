/* gen_esp32part.py (SDK tool version 1.2) behaviour: spec partition-table.md §6-8 (placement
 * checks, binary in and out, decoding to CSV); the CSV reading is in part_csv.c. */
#include "part_gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_hash.h"
#include "util.h"

void fk_part_seterr(char *err, size_t errlen, const char *fmt, ...)
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
        fk_part_seterr(err, errlen, "no partition table entries: file is erased flash (all 0xFF, %zu bytes from offset 0x0)",
               len);
    else
        fk_part_seterr(err, errlen,
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
            fk_part_seterr(err, errlen, "Partition table length must be a multiple of 32 bytes");
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
                fk_part_seterr(err, errlen,
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
            fk_part_seterr(err, errlen, "Partition table has more than %d entries", FK_PART_GEN_MAX);
            return -1;
        }
        fk_part_entry_t *e = &out->e[out->count];
        if (!fk_part_entry_decode(row, e)) {
            char r[64];
            py_bytes_repr(row, 2, r, sizeof r);
            fk_md5_finish(&md5, digest);
            fk_part_seterr(err, errlen, "Invalid magic bytes (%s) for partition definition (at offset 0x%zx)", r, off);
            return -1;
        }
        if (e->flags & ~FK_PART_FLAG_ENCRYPTED)
            fk_warn("WARNING: Partition definition had unknown flag(s) 0x%08x. Newer binary format?",
                    e->flags & ~FK_PART_FLAG_ENCRYPTED);
        out->line[out->count++] = 0;
    }
    fk_md5_finish(&md5, digest);
    fk_part_seterr(err, errlen, "Partition table is missing an end-of-table marker");
    return -1;
}

/* Is a label spelled like a type or subtype keyword (exact case, as the
 * reference compares)? */
static bool type_named(const char *label, int *value)
{
    for (uint8_t t = FK_PART_TYPE_APP; t <= FK_PART_TYPE_DATA; t++)
        if (!strcmp(fk_part_type_keyword(t), label)) {
            *value = t;
            return true;
        }
    return false;
}

static bool subtype_named(uint8_t type, const char *label, int *value)
{
    size_t n;
    const fk_part_name_t *names = fk_part_subtype_names(type, &n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i].name, label)) {
            *value = names[i].value;
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
        uint32_t align = e->type == 0 ? FK_PART_APP_ALIGN : FK_PART_DATA_ALIGN;
        if (e->offset % align) {
            fk_part_seterr(err, errlen, "Partition %s invalid: Offset 0x%x is not aligned to 0x%x", e->label, e->offset, align);
            return -1;
        }
        if (o->secure && e->size % align) {
            fk_part_seterr(err, errlen, "Partition %s invalid: Size 0x%x is not aligned to 0x%x", e->label, e->size, align);
            return -1;
        }
        int v;
        if (type_named(e->label, &v) && v != e->type)
            fk_warn("Partition has name '%s' which is a partition type, but does not match this partition's type (0x%x). Mistake in partition table?",
                    e->label, e->type);
        bool any = subtype_named(FK_PART_TYPE_APP, e->label, &v) || subtype_named(FK_PART_TYPE_DATA, e->label, &v);
        if (any && !(subtype_named(e->type, e->label, &v) && v == e->subtype))
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
        fk_part_seterr(err, errlen, "Partition names must be unique");
        return -1;
    }

    for (int i = 0; i < l->count; i++) sorted[i] = &l->e[i];
    qsort(sorted, (size_t)l->count, sizeof sorted[0], cmp_offset);
    uint32_t first_ok = o->table_offset + FK_PART_TABLE_SECTOR;
    for (int i = 0; i < l->count; i++) {
        const fk_part_entry_t *e = sorted[i];
        if (e->offset < first_ok) {
            fk_part_seterr(err, errlen, "Partition offset 0x%x is below 0x%x", e->offset, first_ok);
            return -1;
        }
        if (i > 0) {
            const fk_part_entry_t *last = sorted[i - 1];
            if ((uint64_t)e->offset < (uint64_t)last->offset + last->size) {
                fk_part_seterr(err, errlen, "Partition at 0x%x overlaps 0x%x-0x%x", e->offset, last->offset,
                       last->offset + last->size - 1);
                return -1;
            }
        }
    }

    if (o->flash_size && l->count) {
        const fk_part_entry_t *hi = sorted[l->count - 1];
        uint64_t end = (uint64_t)hi->offset + hi->size;
        if (end > o->flash_size) {
            fk_part_seterr(err, errlen,
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
        fk_part_seterr(err, errlen, "Binary partition table length (%zu) longer than max", len);
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
        fk_part_seterr(err, errlen, "cannot read the file");
        return -1;
    }
    /* The reference looks only for AA 50; a table that starts with its MD5
     * row or with erased flash is binary too (and then an error that says so). */
    *binary_in = len >= 2 && (fk_part_row_magic_is(data, FK_PART_MAGIC) || fk_part_row_magic_is(data, FK_PART_MD5_MAGIC) ||
                              fk_part_row_magic_is(data, FK_PART_END_MAGIC));
    if (!quiet) fputs(*binary_in ? "Parsing binary partition input...\n" : "Parsing CSV input...\n", stderr);
    int rc = *binary_in ? fk_part_parse_bin(data, len, o, out, err, errlen)
                        : fk_part_parse_csv_text((const char *)data, len, o, out, err, errlen);
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
