/* Partition-table CSV as gen_esp32part.py reads it (spec partition-table.md
 * §5-6): lines, fields, keywords, numbers, variables, auto placement. */
#include "part_gen.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pyint.h"
#include "util.h"

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
        fk_part_seterr(err, errlen, "Field 'type' can't be left empty.");
        return false;
    }
    if (!fk_part_parse_int(fields[1], tk, ntk, &v, err, errlen)) return false;
    if (v < 0 || v > 254) {
        fk_part_seterr(err, errlen, "Invalid field value %s (type must be 0..254)", fields[1]);
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
        fk_part_seterr(err, errlen, "Invalid field value %s (subtype must be 0..255)", fields[2]);
        return false;
    }
    e->subtype = (uint8_t)v;

    x->has_offset = *fields[3] != 0;
    if (x->has_offset) {
        if (!fk_part_parse_int(fields[3], NULL, 0, &v, err, errlen)) return false;
        if (v < 0 || v > 0xFFFFFFFFll) {
            fk_part_seterr(err, errlen, "Invalid field value %s (offset out of range)", fields[3]);
            return false;
        }
        e->offset = (uint32_t)v;
    }
    if (!*fields[4]) {
        fk_part_seterr(err, errlen, "Size field can't be empty");
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
            fk_part_seterr(err, errlen, "CSV flag column contains unknown flag '%s'", f);
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
            fk_part_seterr(err, errlen, "out of memory");
            return -1;
        }
        if (line[0] == '$' && (isalpha((unsigned char)line[1]) || line[1] == '_')) {
            size_t k = 1;
            while (isalnum((unsigned char)line[k]) || line[k] == '_') k++;
            fk_part_seterr(err, errlen, "unknown variable '%.*s'", (int)(k - 1), line + 1);
            free(line);
            return -1;
        }
        char *s = fk_trim(line);
        if (!*s || *s == '#') {
            free(line);
            continue;
        }
        if (out->count >= FK_PART_GEN_MAX) {
            fk_part_seterr(err, errlen, "Error at line %d: too many partitions (the table holds at most %d rows)",
                   line_no, FK_PART_GEN_MAX - 1);
            free(line);
            return -1;
        }
        char msg[512];
        bool ok = parse_row(s, &out->e[out->count], &extra[out->count], msg, sizeof msg);
        free(line);
        if (!ok) {
            fk_part_seterr(err, errlen, "Error at line %d: %s", line_no, msg);
            return -1;
        }
        out->line[out->count++] = line_no;
    }

    /* Auto placement and negative sizes, in file order. */
    uint32_t last_end = o->table_offset + FK_PART_TABLE_SECTOR;
    for (int i = 0; i < out->count; i++) {
        fk_part_entry_t *e = &out->e[i];
        if (extra[i].has_offset && e->offset < last_end) {
            if (i == 0)
                fk_part_seterr(err, errlen, "CSV Error: First partition offset 0x%x overlaps end of partition table 0x%x",
                       e->offset, last_end);
            else
                fk_part_seterr(err, errlen,
                       "CSV Error: Partitions overlap. Partition at line %d sets offset 0x%x. Previous partition ends 0x%x",
                       out->line[i], e->offset, last_end);
            return -1;
        }
        if (!extra[i].has_offset) {
            uint32_t pad = e->type == 0 ? FK_PART_APP_ALIGN : FK_PART_DATA_ALIGN;
            if (last_end % pad) last_end += pad - last_end % pad;
            e->offset = last_end;
        }
        int64_t size = extra[i].size;
        if (size < 0) size = -size - (int64_t)e->offset;
        if (size < 0 || size > 0xFFFFFFFFll || (uint64_t)e->offset + (uint64_t)size > 0xFFFFFFFFull) {
            fk_part_seterr(err, errlen, "Error at line %d: size out of range", out->line[i]);
            return -1;
        }
        e->size = (uint32_t)size;
        last_end = e->offset + e->size;
    }
    return o->verify ? fk_part_verify(out, o, err, errlen) : 0;
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
            fk_part_seterr(err, errlen, "Error at line %d: control byte 0x%02x at column %zu (file offset 0x%zx): a partition CSV is text",
                   line, c, i - line_start + 1, i);
            return -1;
        }
    }
    return 0;
}

int fk_part_parse_csv_text(const char *text, size_t len, const fk_part_opts_t *o, fk_part_list_t *out, char *err,
                           size_t errlen)
{
    if (csv_control_byte(text, len, err, errlen)) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    /* The parser reads to a NUL; text need not hold one at len. */
    char *copy = malloc(len + 1);
    if (!copy) {
        memset(out, 0, sizeof *out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    int rc = fk_part_parse_csv(copy, o, out, err, errlen);
    free(copy);
    return rc;
}
