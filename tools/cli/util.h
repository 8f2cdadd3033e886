/* Shared helpers of the CLI: files ("-" = stdin/stdout), atomic output,
 * numbers, JSON strings, progress bars, errors. */
#ifndef FK_UTIL_H
#define FK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints "flashkit: <msg>\n" to stderr. */
void fk_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fk_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file ("-" = stdin) into a malloc'd buffer (NUL-terminated
 * for convenience; *len excludes the NUL). Prints the error and returns -1,
 * also for more than FK_READ_FILE_MAX bytes (e.g. /dev/zero). */
#define FK_READ_FILE_MAX ((size_t)64 << 20)
int fk_read_file(const char *path, uint8_t **data, size_t *len);

/* Writes data to path via a temporary file in the same folder and rename(),
 * so a failure never leaves a partial output. "-" writes to stdout.
 * Prints the error and returns -1. */
int fk_write_file_atomic(const char *path, const void *data, size_t len);

/* Streaming variant: fk_out_open() gives a FILE* on a temp file (or stdout),
 * fk_out_commit() renames it into place, fk_out_abort() deletes it.
 * A path that exists and is not a regular file (a device such as /dev/full
 * or /dev/stdout, a FIFO, a socket) is written directly: renaming over it
 * would replace the node with a file. Write errors (ENOSPC...) still make
 * commit fail. A symlink to a regular file keeps the link: the file it
 * points to is replaced. */
typedef struct {
    FILE *f;
    char *path;
    char *tmp;   /* NULL for stdout and direct writes */
    bool direct; /* writing the node itself, no rename */
} fk_out_t;
int fk_out_open(fk_out_t *out, const char *path);
int fk_out_commit(fk_out_t *out);
void fk_out_abort(fk_out_t *out);

/* C-style unsigned number: decimal, 0x hex, 0o/0 octal not accepted;
 * optional k/K (x1024) and m/M (x1048576) suffix; "4MB"/"4KB" also
 * accepted. Returns false on junk or overflow. */
bool fk_parse_size(const char *s, uint32_t *out);

/* Writes s as a JSON string literal (with quotes); bytes that are not valid
 * UTF-8 are escaped as \u00XX so the output is always valid JSON. A NULL s
 * (no such thing: no partition runs) is written as null. */
void fk_json_str(FILE *f, const char *s);
void fk_json_strn(FILE *f, const char *s, size_t n);

/* Progress bar on stderr, drawn only when stderr is a terminal. */
typedef struct {
    bool on;
    uint64_t total, done;
    int last_pct;
    const char *label;
} fk_progress_t;
void fk_progress_start(fk_progress_t *p, const char *label, uint64_t total);
void fk_progress_update(fk_progress_t *p, uint64_t done);
void fk_progress_end(fk_progress_t *p);

/* Matches an option that takes a value: "--opt VALUE" or "--opt=VALUE".
 * On a match advances *i past the value, sets *val and returns true. Prints
 * an error and sets *val = NULL if the value is missing. */
bool fk_opt_value(int argc, char **argv, int *i, const char *name, const char **val);

/* mkdir -p: creates dir and its missing parents. 0, or -1 with errno. */
int fk_mkdir_p(const char *dir);

/* Whitespace, as the reference tools' Python sees it (ASCII part). Three
 * sets, because Python has two and a CSV record needs a third:
 * fk_is_pyspace: what str.strip() removes, which the reference tools strip
 *   fields and lines with: space, \t \n \v \f \r and \x1c..\x1f;
 * fk_is_pyblank: the same inside one CSV record, where \n and \r are not
 *   blanks but the record's end;
 * fk_is_asciispace: space and \t \n \v \f \r only: what int(s, 0) ignores
 *   around a number ("\x1c5" is not a number to Python), bytes.strip()
 *   removes, and C's isspace() is in the C locale. */
bool fk_is_pyspace(unsigned char c);
bool fk_is_pyblank(unsigned char c);
bool fk_is_asciispace(unsigned char c);
/* Trims the is_space set off both ends of the span s[0..*n). */
void fk_trim_span_by(const char **s, size_t *n, bool (*is_space)(unsigned char));
/* fk_trim_span_by(s, n, fk_is_pyspace): the rule for fields and lines. */
void fk_trim_span(const char **s, size_t *n);
/* The same in place on a NUL-terminated string: cuts the end, returns the
 * first character kept. */
char *fk_trim(char *s);

/* Why fk_parse_size() (or a Python-style int) refused s, for a message:
 * "is too large (at most 0xffffffff)", "is negative" or "is not a number
 * (e.g. 0x4000 or 16384)". */
const char *fk_size_problem(const char *s);

/* Input bytes made safe to echo in a message: printable ASCII and valid
 * UTF-8 kept, other bytes as \xNN, at most max input bytes then "...".
 * Returns dst (keep dstlen >= 4 * max + 4 to show all max bytes). */
const char *fk_printable(char *dst, size_t dstlen, const char *s, size_t n, size_t max);

#endif
