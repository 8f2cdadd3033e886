#include "sdkconfig.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;  /* with the CONFIG_ prefix */
    char *value; /* NULL = not set */
    int line;
} sc_item_t;

struct fk_sdkconfig {
    char *file;
    sc_item_t *items;
    size_t n, cap;
};

static const char PREFIX[] = "CONFIG_";
#define PREFIX_LEN (sizeof PREFIX - 1)

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static sc_item_t *find(const fk_sdkconfig_t *c, const char *name)
{
    bool bare = strncmp(name, PREFIX, PREFIX_LEN) != 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *n = c->items[i].name;
        if (bare ? !strcmp(n + PREFIX_LEN, name) : !strcmp(n, name)) return &c->items[i];
    }
    return NULL;
}

/* Takes ownership of value. */
static int put(fk_sdkconfig_t *c, const char *name, size_t namelen, char *value, int line)
{
    char *nm = strndup(name, namelen);
    if (!nm) {
        free(value);
        return -1;
    }
    sc_item_t *it = find(c, nm);
    if (it) {
        free(nm);
        free(it->value);
        it->value = value;
        it->line = line;
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        sc_item_t *ni = realloc(c->items, cap * sizeof *ni);
        if (!ni) {
            free(nm);
            free(value);
            return -1;
        }
        c->items = ni;
        c->cap = cap;
    }
    c->items[c->n++] = (sc_item_t){nm, value, line};
    return 0;
}

static size_t name_len(const char *p)
{
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_') n++;
    return n;
}

/* "# CONFIG_X is not set" -> length of CONFIG_X, else 0. */
static size_t not_set_line(const char *s)
{
    if (s[0] != '#' || s[1] != ' ' || strncmp(s + 2, PREFIX, PREFIX_LEN) != 0) return 0;
    size_t n = name_len(s + 2);
    if (n <= PREFIX_LEN) return 0;
    const char *t = s + 2 + n;
    if (strncmp(t, " is not set", 11) != 0) return 0;
    for (t += 11; *t; t++)
        if (!fk_is_asciispace((unsigned char)*t)) return 0;
    return n;
}

/* Quoted value starting after the opening quote; NULL with *why on error. */
static char *unquote(const char *p, const char **why)
{
    char *out = malloc(strlen(p) + 1), *o = out;
    if (!out) {
        *why = "out of memory";
        return NULL;
    }
    for (;; p++) {
        if (!*p) {
            *why = "string value has no closing quote";
            free(out);
            return NULL;
        }
        if (*p == '"') break;
        if (*p == '\\') {
            if (!p[1]) continue;
            p++;
        }
        *o++ = *p;
    }
    *o = 0;
    for (p++; *p && fk_is_asciispace((unsigned char)*p); p++) {}
    if (*p && *p != '#') {
        *why = "unexpected text after the closing quote";
        free(out);
        return NULL;
    }
    return out;
}

static int parse_line(fk_sdkconfig_t *c, char *s, int line, const char **why)
{
    const char *start = s;
    size_t len = strlen(s);
    fk_trim_span_by(&start, &len, fk_is_asciispace);
    s = (char *)start;
    s[len] = 0;
    if (!*s) return 0;
    if (*s == '#') {
        size_t n = not_set_line(s);
        return n ? put(c, s + 2, n, NULL, line) : 0;
    }
    if (strncmp(s, PREFIX, PREFIX_LEN) != 0) {
        *why = "expected CONFIG_NAME=value, a # comment or a blank line";
        return -1;
    }
    size_t n = name_len(s);
    if (n == PREFIX_LEN) {
        *why = "option name missing after CONFIG_";
        return -1;
    }
    if (s[n] != '=') {
        *why = "expected '=' after the option name";
        return -1;
    }
    const char *v = s + n + 1;
    char *value;
    if (*v == '"') {
        value = unquote(v + 1, why);
        if (!value) return -1;
    } else if (!strcmp(v, "n")) {
        value = NULL; /* Kconfig reads an unquoted n as "not set" */
    } else {
        value = strdup(v);
        if (!value) {
            *why = "out of memory";
            return -1;
        }
    }
    if (put(c, s, n, value, line) != 0) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

fk_sdkconfig_t *fk_sdkconfig_parse(const char *text, const char *name, char *err, size_t errlen)
{
    fk_sdkconfig_t *c = calloc(1, sizeof *c);
    char *buf = strdup(text);
    if (c) c->file = strdup(name);
    if (!c || !buf || !c->file) {
        seterr(err, errlen, "%s: out of memory", name);
        free(buf);
        fk_sdkconfig_free(c);
        return NULL;
    }
    int line = 0;
    for (char *s = buf; s;) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = 0;
        line++;
        const char *why = NULL;
        if (parse_line(c, s, line, &why) != 0) {
            seterr(err, errlen, "%s:%d: %s", name, line, why);
            free(buf);
            fk_sdkconfig_free(c);
            return NULL;
        }
        s = nl ? nl + 1 : NULL;
    }
    free(buf);
    return c;
}

fk_sdkconfig_t *fk_sdkconfig_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 16384, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        seterr(err, errlen, "%s: read failed", path);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    if (memchr(buf, 0, n)) {
        seterr(err, errlen, "%s: contains a NUL byte; not a text sdkconfig", path);
        free(buf);
        return NULL;
    }
    fk_sdkconfig_t *c = fk_sdkconfig_parse(buf, path, err, errlen);
    free(buf);
    return c;
}

const char *fk_sdkconfig_get(const fk_sdkconfig_t *c, const char *name)
{
    const sc_item_t *it = c ? find(c, name) : NULL;
    return it ? it->value : NULL;
}

int fk_sdkconfig_line(const fk_sdkconfig_t *c, const char *name)
{
    const sc_item_t *it = c ? find(c, name) : NULL;
    return it ? it->line : 0;
}

bool fk_sdkconfig_bool(const fk_sdkconfig_t *c, const char *name)
{
    const char *v = fk_sdkconfig_get(c, name);
    return v && !strcmp(v, "y");
}

int fk_sdkconfig_u32(const fk_sdkconfig_t *c, const char *name, uint32_t *out)
{
    const char *v = fk_sdkconfig_get(c, name);
    if (!v) return 0;
    char *end;
    errno = 0;
    unsigned long long x;
    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
        x = v[2] ? strtoull(v + 2, &end, 16) : (end = (char *)v, 0);
    else if (isdigit((unsigned char)v[0]))
        x = strtoull(v, &end, 10);
    else
        return -1;
    if (errno || *end || end == v || x > 0xFFFFFFFFull) return -1;
    *out = (uint32_t)x;
    return 1;
}

const char *fk_sdkconfig_name(const fk_sdkconfig_t *c)
{
    return c->file;
}

bool fk_sdkconfig_at(const fk_sdkconfig_t *c, size_t i, const char **name, const char **value,
                     int *line)
{
    if (!c || i >= c->n) return false;
    if (name) *name = c->items[i].name;
    if (value) *value = c->items[i].value;
    if (line) *line = c->items[i].line;
    return true;
}

void fk_sdkconfig_free(fk_sdkconfig_t *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].name);
        free(c->items[i].value);
    }
    free(c->items);
    free(c->file);
    free(c);
}
