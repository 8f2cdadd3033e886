#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const char *what, const char *fmt, va_list ap)
{
    fprintf(stderr, "flashkit: %s: ", what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void fk_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("error", fmt, ap);
    va_end(ap);
}

void fk_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("warning", fmt, ap);
    va_end(ap);
}

int fk_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fk_err("%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        /* No input of flashkit is this large (a 16 MB flash, 100,000 devices'
         * CSV); /dev/zero or a runaway pipe named as input must not eat the
         * memory. */
        if (cap >= FK_READ_FILE_MAX) {
            if (f != stdin) fclose(f);
            free(buf);
            fk_err("%s: more than %u MiB: not an input flashkit reads (a device or an endless stream?)", path,
                   (unsigned)(FK_READ_FILE_MAX >> 20));
            return -1;
        }
        cap *= 2;
        uint8_t *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    int bad = !buf || ferror(f);
    if (f != stdin) fclose(f);
    if (bad) {
        fk_err("%s: read failed", path);
        free(buf);
        return -1;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

int fk_out_open(fk_out_t *out, const char *path)
{
    memset(out, 0, sizeof *out);
    if (strcmp(path, "-") == 0) {
        out->f = stdout;
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            fk_err("%s: is a directory", path);
            return -1;
        }
        /* A device or FIFO: the bytes go to it; renaming would replace it. */
        out->f = fopen(path, "wb");
        if (!out->f) {
            fk_err("%s: cannot open for writing: %s", path, strerror(errno));
            return -1;
        }
        out->path = strdup(path);
        out->direct = true;
        if (!out->path) {
            fk_err("out of memory");
            fk_out_abort(out);
            return -1;
        }
        return 0;
    }
    /* Through a symlink the file it names is replaced, not the link. */
    char *real = NULL;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) real = realpath(path, NULL);
    out->path = real ? real : strdup(path);
    size_t n = strlen(out->path ? out->path : path) + 32;
    out->tmp = malloc(n);
    if (!out->path || !out->tmp) {
        fk_err("out of memory");
        fk_out_abort(out);
        return -1;
    }
    snprintf(out->tmp, n, "%s.tmp.XXXXXX", out->path);
    int fd = mkstemp(out->tmp);
    if (fd < 0) {
        fk_err("%s: cannot create: %s", path, strerror(errno));
        free(out->tmp);
        out->tmp = NULL;
        fk_out_abort(out);
        return -1;
    }
    fchmod(fd, 0644);
    out->f = fdopen(fd, "wb");
    if (!out->f) {
        close(fd);
        fk_out_abort(out);
        return -1;
    }
    return 0;
}

int fk_out_commit(fk_out_t *out)
{
    int rc = 0, e = 0;
    if (out->f == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            e = errno;
            fk_err("standard output: write failed: %s", strerror(e ? e : EIO));
            rc = -1;
        }
        out->f = NULL;
    } else {
        if (fflush(out->f) != 0 || ferror(out->f)) rc = -1, e = errno;
        if (fclose(out->f) != 0 && !rc) rc = -1, e = errno;
        out->f = NULL;
        if (rc == 0 && out->tmp && rename(out->tmp, out->path) != 0) rc = -1, e = errno;
        if (rc != 0) {
            fk_err("%s: write failed: %s", out->path, strerror(e ? e : EIO));
            if (out->tmp) unlink(out->tmp);
        }
    }
    free(out->tmp);
    free(out->path);
    out->tmp = out->path = NULL;
    out->direct = false;
    return rc;
}

void fk_out_abort(fk_out_t *out)
{
    if (out->f && out->f != stdout) fclose(out->f);
    if (out->tmp) unlink(out->tmp);
    free(out->tmp);
    free(out->path);
    memset(out, 0, sizeof *out);
}

int fk_write_file_atomic(const char *path, const void *data, size_t len)
{
    fk_out_t out;
    if (fk_out_open(&out, path) != 0) return -1;
    if (len && fwrite(data, 1, len, out.f) != len) {
        fk_err("%s: write failed: %s", strcmp(path, "-") ? path : "standard output", strerror(errno));
        fk_out_abort(&out);
        return -1;
    }
    return fk_out_commit(&out);
}

bool fk_parse_size(const char *s, uint32_t *out)
{
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    unsigned long long v;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (!s[2]) return false;
        v = strtoull(s + 2, &end, 16);
    } else {
        if (*s < '0' || *s > '9') return false;
        v = strtoull(s, &end, 10);
    }
    if (errno) return false;
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K') {
        mul = 1024;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mul = 1048576;
        end++;
    }
    if (mul > 1 && (*end == 'b' || *end == 'B')) end++;
    if (*end) return false;
    v *= mul;
    if (v > 0xFFFFFFFFull) return false;
    *out = (uint32_t)v;
    return true;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if ((p[k] & 0xC0) != 0x80) return 0;
    return len;
}

/* Valid UTF-8 passes through; any other byte >= 0x80 becomes \u00XX, so the
 * output is always valid JSON whatever the input bytes. */
void fk_json_strn(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t len = utf8_len((const unsigned char *)s + i, n - i);
            if (len) {
                fwrite(s + i, 1, len, f);
                i += len - 1;
            } else {
                fprintf(f, "\\u%04x", c);
            }
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20) fprintf(f, "\\u%04x", c);
            else fputc(c, f);
        }
    }
    fputc('"', f);
}

void fk_json_str(FILE *f, const char *s)
{
    if (s)
        fk_json_strn(f, s, strlen(s));
    else
        fputs("null", f);
}

void fk_progress_start(fk_progress_t *p, const char *label, uint64_t total)
{
    p->on = isatty(STDERR_FILENO) && total > 0;
    p->total = total;
    p->done = 0;
    p->last_pct = -1;
    p->label = label;
    fk_progress_update(p, 0);
}

void fk_progress_update(fk_progress_t *p, uint64_t done)
{
    p->done = done;
    if (!p->on) return;
    int pct = (int)(done * 100 / p->total);
    if (pct == p->last_pct) return;
    p->last_pct = pct;
    char bar[41];
    int fill = pct * 40 / 100;
    for (int i = 0; i < 40; i++) bar[i] = i < fill ? '#' : '.';
    bar[40] = 0;
    fprintf(stderr, "\r%s [%s] %3d%% (%llu/%llu)", p->label, bar, pct,
            (unsigned long long)done, (unsigned long long)p->total);
    fflush(stderr);
}

void fk_progress_end(fk_progress_t *p)
{
    if (!p->on) return;
    fk_progress_update(p, p->total);
    fputc('\n', stderr);
    p->on = false;
}

bool fk_opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return false;
    if (a[n] == '=') {
        *val = a + n + 1;
        return true;
    }
    if (a[n] != 0) return false;
    if (*i + 1 >= argc) {
        fk_err("option %s needs a value", name);
        *val = NULL;
        return true;
    }
    *val = argv[++*i];
    return true;
}

int fk_mkdir_p(const char *dir)
{
    char *d = strdup(dir);
    if (!d) return -1;
    for (char *p = d + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(d, 0777) != 0 && errno != EEXIST) {
            free(d);
            return -1;
        }
        *p = '/';
    }
    int rc = mkdir(d, 0777) != 0 && errno != EEXIST ? -1 : 0;
    free(d);
    return rc;
}

bool fk_is_asciispace(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

bool fk_is_pyspace(unsigned char c)
{
    return fk_is_asciispace(c) || (c >= 0x1c && c <= 0x1f);
}

bool fk_is_pyblank(unsigned char c)
{
    return c != '\n' && c != '\r' && fk_is_pyspace(c);
}

void fk_trim_span_by(const char **s, size_t *n, bool (*is_space)(unsigned char))
{
    while (*n && is_space((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && is_space((unsigned char)(*s)[*n - 1])) (*n)--;
}

void fk_trim_span(const char **s, size_t *n)
{
    fk_trim_span_by(s, n, fk_is_pyspace);
}

char *fk_trim(char *s)
{
    size_t n = strlen(s);
    const char *start = s;
    fk_trim_span(&start, &n);
    char *b = s + (start - s);
    b[n] = '\0';
    return b;
}

const char *fk_size_problem(const char *s)
{
    if (!s) return "is missing";
    const char *p = s;
    while (fk_is_pyspace((unsigned char)*p)) p++;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) base = 16, p += 2;
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) base = 8, p += 2;
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) base = 2, p += 2;
    size_t digits = 0;
    for (; *p; p++) {
        int c = (unsigned char)*p, d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
        if (c == '_') continue;
        if (d >= base) break;
        digits++;
    }
    if (digits && (*p == 'k' || *p == 'K' || *p == 'm' || *p == 'M')) {
        p++;
        if (*p == 'b' || *p == 'B') p++;
    }
    while (fk_is_pyspace((unsigned char)*p)) p++;
    if (!digits || *p) return "is not a number (e.g. 0x4000 or 16384)";
    if (neg) return "is negative";
    return "is too large (at most 0xffffffff, 4 GiB - 1)";
}

const char *fk_printable(char *dst, size_t dstlen, const char *s, size_t n, size_t max)
{
    size_t w = 0, i = 0;
    if (!dstlen) return dst;
    bool cut = n > max;
    if (cut) n = max;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        size_t k, used = 1;
        if (c >= 0x80 && (k = utf8_len((const unsigned char *)s + i, n - i)) > 0) {
            memcpy(tmp, s + i, k); /* valid UTF-8 (a name in any script) stays readable */
            used = k;
        } else if (c >= 0x20 && c < 0x7F && c != '\\') {
            tmp[0] = (char)c;
            k = 1;
        } else {
            k = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", c);
        }
        if (w + k + 4 > dstlen) {
            cut = true;
            break;
        }
        memcpy(dst + w, tmp, k);
        w += k;
        i += used;
    }
    if (cut && w + 4 <= dstlen) memcpy(dst + w, "...", 3), w += 3;
    dst[w] = 0;
    return dst;
}
