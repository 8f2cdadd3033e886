#include "nvs_csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool csv_eol(unsigned char c)
{
    return c == '\n' || c == '\r';
}

void fk_csv_reader_init(fk_csv_reader_t *r, const char *name, const char *text, size_t len)
{
    memset(r, 0, sizeof *r);
    r->name = name;
    r->p = text;
    r->end = text + len;
    r->line = 1;
    /* A UTF-8 byte order mark (spreadsheet exports) is not part of the header. */
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        r->p += 3;
}

void fk_csv_reader_free(fk_csv_reader_t *r)
{
    free(r->buf);
    free(r->off);
    free(r->len);
    memset(r, 0, sizeof *r);
}

static const char *skip_eol(fk_csv_reader_t *r, const char *q)
{
    if (q < r->end && *q == '\r') {
        q++;
        if (q < r->end && *q == '\n') q++;
    } else if (q < r->end && *q == '\n') {
        q++;
    }
    return q;
}

static int buf_room(fk_csv_reader_t *r, size_t used, size_t more)
{
    if (used + more <= r->buf_cap) return 0;
    size_t cap = r->buf_cap ? r->buf_cap : 256;
    while (cap < used + more) cap *= 2;
    char *nb = realloc(r->buf, cap);
    if (!nb) return -1;
    r->buf = nb;
    r->buf_cap = cap;
    return 0;
}

static int add_field(fk_csv_reader_t *r, size_t off, size_t len)
{
    if (r->nf == r->f_cap) {
        size_t cap = r->f_cap ? r->f_cap * 2 : 8;
        size_t *no = realloc(r->off, cap * sizeof *no);
        if (!no) return -1;
        r->off = no;
        size_t *nl = realloc(r->len, cap * sizeof *nl);
        if (!nl) return -1;
        r->len = nl;
        r->f_cap = cap;
    }
    r->off[r->nf] = off;
    r->len[r->nf] = len;
    r->nf++;
    return 0;
}

static const char *ctl_name(unsigned char c)
{
    static const char *const names[32] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL",
                                          "BS",  "TAB", "LF",  "VT",  "FF",  "CR",  "SO",  "SI",
                                          "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
                                          "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
    return c < 32 ? names[c] : "DEL";
}

/* The first control byte other than tab/CR/LF, by the reader's own line
 * counting (\n, \r\n and \r each end a line). */
static int check_bytes(const fk_csv_reader_t *r, char *err, size_t errlen)
{
    int line = r->line;
    const char *ls = r->p;
    for (const char *q = r->p; q < r->end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == '\n' || c == '\r') {
            if (c == '\r' && q + 1 < r->end && q[1] == '\n') q++;
            line++;
            ls = q + 1;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            snprintf(err, errlen, "%s:%d: column %zu: control byte 0x%02x (%s) is not allowed in a CSV "
                     "(only tab, CR and LF are)", r->name, line, (size_t)(q - ls) + 1, c, ctl_name(c));
            return -1;
        }
    }
    return 0;
}

int fk_csv_next(fk_csv_reader_t *r, char *err, size_t errlen)
{
    const char *q;
    if (!r->checked) {
        if (check_bytes(r, err, errlen)) return -1;
        r->checked = true;
    }
    for (;;) {
        q = r->p;
        while (q < r->end && fk_is_pyblank((unsigned char)*q)) q++;
        if (q >= r->end) {
            r->p = r->end;
            return 0;
        }
        if (csv_eol((unsigned char)*q)) { /* blank line */
            r->p = skip_eol(r, q);
            r->line++;
            continue;
        }
        if (*q == '#') { /* comment line */
            while (q < r->end && !csv_eol((unsigned char)*q)) q++;
            r->p = skip_eol(r, q);
            r->line++;
            continue;
        }
        break;
    }
    r->rec_line = r->line;
    r->nf = 0;
    size_t used = 0;
    for (;;) {
        size_t start = used;
        if (q < r->end && *q == '"') {
            int qline = r->line;
            q++;
            for (;;) {
                if (q >= r->end) {
                    snprintf(err, errlen, "%s:%d: field %zu: quoted field has no closing quote", r->name, qline,
                             r->nf + 1);
                    return -1;
                }
                if (buf_room(r, used, 2)) goto oom;
                if (*q == '"') {
                    if (q + 1 < r->end && q[1] == '"') {
                        r->buf[used++] = '"';
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                if (csv_eol((unsigned char)*q)) {
                    /* Newlines inside quotes are kept as \n whatever the file uses. */
                    r->buf[used++] = '\n';
                    q = skip_eol(r, q);
                    r->line++;
                    continue;
                }
                r->buf[used++] = *q++;
            }
            const char *after = q;
            while (after < r->end && fk_is_pyblank((unsigned char)*after)) after++;
            if (after < r->end && *after != ',' && !csv_eol((unsigned char)*after)) {
                snprintf(err, errlen, "%s:%d: field %zu: unexpected text after the closing quote", r->name,
                         r->line, r->nf + 1);
                return -1;
            }
            q = after;
        } else {
            const char *s = q;
            while (q < r->end && *q != ',' && !csv_eol((unsigned char)*q)) q++;
            const char *e = q;
            /* The last field of a record loses trailing whitespace (the reference strips lines). */
            if (q >= r->end || *q != ',')
                while (e > s && fk_is_pyblank((unsigned char)e[-1])) e--;
            if (buf_room(r, used, (size_t)(e - s) + 1)) goto oom;
            memcpy(r->buf + used, s, (size_t)(e - s));
            used += (size_t)(e - s);
        }
        if (buf_room(r, used, 1)) goto oom;
        r->buf[used++] = 0;
        if (add_field(r, start, used - start - 1)) goto oom;
        if (q < r->end && *q == ',') {
            q++;
            continue;
        }
        break;
    }
    if (q < r->end) {
        q = skip_eol(r, q);
        r->line++;
    }
    r->p = q;
    return 1;
oom:
    snprintf(err, errlen, "%s: out of memory", r->name);
    return -1;
}

enum { COL_KEY, COL_TYPE, COL_ENC, COL_VALUE, COL_N };
static const char *const col_names[COL_N] = {"key", "type", "encoding", "value"};

int fk_nvs_csv_parse(const char *text, size_t len, const char *name, fk_csv_rows_t *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    fk_csv_reader_t r;
    fk_csv_reader_init(&r, name, text, len);
    int rc = fk_csv_next(&r, err, errlen);
    if (rc <= 0) {
        if (rc == 0)
            snprintf(err, errlen, "%s: no header line (expected \"key,type,encoding,value\")", name);
        fk_csv_reader_free(&r);
        return -1;
    }
    int col[COL_N] = {-1, -1, -1, -1};
    size_t ncols = r.nf;
    for (size_t i = 0; i < r.nf; i++) {
        const char *h = fk_csv_field(&r, i);
        size_t hn = r.len[i];
        fk_trim_span_by(&h, &hn, fk_is_pyblank);
        for (int c = 0; c < COL_N; c++) {
            if (hn != strlen(col_names[c]) || memcmp(h, col_names[c], hn) != 0) continue;
            if (col[c] >= 0) {
                snprintf(err, errlen, "%s:%d: header names column '%s' twice (fields %d and %zu)", name,
                         r.rec_line, col_names[c], col[c] + 1, i + 1);
                fk_csv_reader_free(&r);
                return -1;
            }
            col[c] = (int)i;
        }
    }
    for (int c = 0; c < COL_N; c++) {
        if (col[c] < 0) {
            snprintf(err, errlen, "%s:%d: header has no '%s' column (expected \"key,type,encoding,value\")", name,
                     r.rec_line, col_names[c]);
            fk_csv_reader_free(&r);
            return -1;
        }
    }

    /* Field text only shrinks when unquoted, and each field adds one NUL. */
    size_t store_cap = len + 16, store_used = 0;
    size_t rows_cap = 16;
    size_t (*offs)[COL_N] = malloc(rows_cap * sizeof *offs);
    out->rows = malloc(rows_cap * sizeof *out->rows);
    out->store = malloc(store_cap);
    if (!offs || !out->rows || !out->store) goto oom;

    while ((rc = fk_csv_next(&r, err, errlen)) == 1) {
        for (size_t i = ncols; i < r.nf; i++) {
            if (r.len[i] != 0) {
                snprintf(err, errlen,
                         "%s:%d: %zu fields but the header has %zu (quote a value that contains a comma)", name,
                         r.rec_line, r.nf, ncols);
                goto fail;
            }
        }
        if (out->n == rows_cap) {
            rows_cap *= 2;
            void *nr = realloc(out->rows, rows_cap * sizeof *out->rows);
            if (!nr) goto oom;
            out->rows = nr;
            void *no = realloc(offs, rows_cap * sizeof *offs);
            if (!no) goto oom;
            offs = no;
        }
        for (int c = 0; c < COL_VALUE; c++) {
            if ((size_t)col[c] >= r.nf) continue;
            const char *f = fk_csv_field(&r, col[c]);
            size_t fl = r.len[col[c]];
            if (fl && (fk_is_pyblank((unsigned char)f[0]) || fk_is_pyblank((unsigned char)f[fl - 1]))) {
                snprintf(err, errlen,
                         "%s:%d: field %d (%s): '%.*s' has spaces around it; Espressif's generator refuses "
                         "this row, write it without them",
                         name, r.rec_line, col[c] + 1, col_names[c], fl > 40 ? 40 : (int)fl, f);
                goto fail;
            }
        }
        fk_csv_row_t *row = &out->rows[out->n];
        memset(row, 0, sizeof *row);
        row->line = r.rec_line;
        for (int c = 0; c < COL_N; c++) {
            offs[out->n][c] = SIZE_MAX;
            if ((size_t)col[c] >= r.nf) continue;
            size_t fl = r.len[col[c]];
            if (store_used + fl + 1 > store_cap) {
                while (store_used + fl + 1 > store_cap) store_cap *= 2;
                char *ns = realloc(out->store, store_cap);
                if (!ns) goto oom;
                out->store = ns;
            }
            memcpy(out->store + store_used, fk_csv_field(&r, col[c]), fl + 1);
            offs[out->n][c] = store_used;
            if (c == COL_VALUE) row->value_len = fl;
            store_used += fl + 1;
        }
        out->n++;
    }
    if (rc < 0) goto fail;
    for (size_t i = 0; i < out->n; i++) {
        const char **dst[COL_N] = {&out->rows[i].key, &out->rows[i].type, &out->rows[i].encoding,
                                   &out->rows[i].value};
        for (int c = 0; c < COL_N; c++) *dst[c] = offs[i][c] == SIZE_MAX ? NULL : out->store + offs[i][c];
    }
    free(offs);
    fk_csv_reader_free(&r);
    return 0;
oom:
    snprintf(err, errlen, "%s: out of memory", name);
fail:
    free(offs);
    fk_csv_reader_free(&r);
    fk_csv_rows_free(out);
    return -1;
}

void fk_csv_rows_free(fk_csv_rows_t *rows)
{
    free(rows->rows);
    free(rows->store);
    memset(rows, 0, sizeof *rows);
}

bool fk_csv_needs_quotes(const char *s, size_t n)
{
    if (n == 0) return false;
    if (fk_is_pyblank((unsigned char)s[0]) || fk_is_pyblank((unsigned char)s[n - 1]) || s[0] == '"' || s[0] == '#')
        return true;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || csv_eol((unsigned char)s[i])) return true;
    return false;
}

int fk_csv_append_field(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    size_t need = *len + 2 * n + 3;
    if (need > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < need) c *= 2;
        char *nb = realloc(*buf, c);
        if (!nb) return -1;
        *buf = nb;
        *cap = c;
    }
    char *d = *buf + *len;
    if (!fk_csv_needs_quotes(s, n)) {
        memcpy(d, s, n);
        *len += n;
        return 0;
    }
    *d++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *d++ = '"';
        *d++ = s[i];
    }
    *d++ = '"';
    *len = (size_t)(d - *buf);
    return 0;
}

void fk_csv_put_field(FILE *f, const char *s, size_t n)
{
    if (!fk_csv_needs_quotes(s, n)) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

