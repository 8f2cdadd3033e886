/* The CSV dialect of NVS generator inputs (spec nvs.md §10.2), and the small
 * record reader it shares with the mass-manufacturing config/values files.
 *
 * Dialect: records end at \n, \r\n or \r; surrounding whitespace of a record
 * is dropped; blank lines and lines starting with '#' are skipped anywhere;
 * fields are split on ','; a field that starts with '"' is quoted ("" is a
 * quote, commas and newlines are literal inside). Control bytes other than
 * tab, CR and LF (NUL above all) are refused anywhere in the file, with their
 * line and column: they are never meant, and NUL would cut a C string. */
#ifndef FK_NVS_CSV_H
#define FK_NVS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *name; /* file name for messages */
    const char *p, *end;
    int line;     /* physical line of p */
    int rec_line; /* line where the last record started */
    char *buf;    /* decoded fields of the last record, NUL-separated */
    size_t buf_cap;
    size_t *off, *len; /* per field: offset into buf, length */
    size_t nf, f_cap;
    bool checked; /* the whole text was scanned for control bytes */
} fk_csv_reader_t;

void fk_csv_reader_init(fk_csv_reader_t *r, const char *name, const char *text, size_t len);
/* 1 = a record is in r (fields via fk_csv_field), 0 = end of input,
 * -1 = syntax error, "name:line: reason" in err. */
int fk_csv_next(fk_csv_reader_t *r, char *err, size_t errlen);
static inline const char *fk_csv_field(const fk_csv_reader_t *r, size_t i)
{
    return r->buf + r->off[i];
}
void fk_csv_reader_free(fk_csv_reader_t *r);

/* One generator row; absent fields are NULL (a short row). */
typedef struct {
    const char *key, *type, *encoding, *value;
    size_t value_len;
    int line;
} fk_csv_row_t;

typedef struct {
    fk_csv_row_t *rows;
    size_t n;
    char *store; /* all field text */
} fk_csv_rows_t;

/* Parses a generator CSV: header (key,type,encoding,value in any order) then
 * rows. Returns 0, or -1 with "name:line: reason" in err. A row whose key,
 * type or encoding has whitespace around it is refused, as Espressif's
 * generator refuses it (it compares them untrimmed). */
int fk_nvs_csv_parse(const char *text, size_t len, const char *name, fk_csv_rows_t *out, char *err,
                     size_t errlen);
void fk_csv_rows_free(fk_csv_rows_t *rows);

/* True when a field must be quoted to survive the dialect above. */
bool fk_csv_needs_quotes(const char *s, size_t n);
/* Appends a field (quoted when needed) to a growing buffer; returns -1 on OOM. */
int fk_csv_append_field(char **buf, size_t *len, size_t *cap, const char *s, size_t n);
void fk_csv_put_field(FILE *f, const char *s, size_t n);

#endif
