#include "mfg_gen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nvs_csv.h"
#include "fk_nvs_format.h"
#include "nvs_gen.h"
#include "util.h"

/* One config row: a namespace, or a key whose value comes from column `col`. */
typedef struct {
    char *key, *type, *encoding;
    const char *ns; /* namespace of a key row (points at that row's key) */
    bool is_ns;
    int col;
    int line;
} conf_row_t;

typedef struct {
    const fk_mfg_opts_t *o;
    conf_row_t *conf;
    size_t nconf;
    size_t ncols;
    char *store;      /* values text, NUL-separated fields */
    size_t *fields;   /* ndev × ncols offsets into store; SIZE_MAX = missing */
    int *dev_line;    /* values-file line of each device */
    int *dev_nf;      /* fields the row had */
    size_t ndev;
    int id_col;
    char **ids;       /* file id per device */
    char **errors;    /* message per failed device */
    const char *values_dir; /* absolute folder of the values file, for relative `file` paths */
    char *bin_dir, *csv_dir;
    int bin_fd, csv_fd;
    atomic_size_t next, done, failed;
} job_t;

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fk_err("out of memory");
        exit(1);
    }
    return d;
}

static char *msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    return s ? s : xstrdup("out of memory");
}

static void trim(char *s)
{
    size_t n = strlen(s), a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t')) a++;
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    memmove(s, s + a, n - a);
    s[n - a] = 0;
}


static const char *const known_encodings[] = {"u8",  "i8",     "u16",     "i16",    "u32",    "i32",
                                              "u64", "i64",    "string",  "hex2bin", "base64", "binary"};

/* Input text echoed in a message: escaped and cut (a binary file given as
 * a CSV must not spill its bytes onto the terminal). */
#define SHOW(buf, text) fk_printable(buf, sizeof buf, text, strlen(text), 40)

/* The input's bytes: given in memory, else read from the file. */
static int input_text(const char *mem, size_t n, const char *path, uint8_t **text, size_t *len)
{
    if (!mem) return fk_read_file(path, text, len);
    *text = malloc(n + 1);
    if (!*text) return -1;
    memcpy(*text, mem, n);
    (*text)[n] = 0;
    *len = n;
    return 0;
}

static int load_config(job_t *j, char *err, size_t errlen)
{
    char e1[168], e2[168];
    const char *path = j->o->conf_path;
    uint8_t *text;
    size_t len;
    if (input_text(j->o->conf_text, j->o->conf_len, path, &text, &len)) return -1;
    fk_csv_reader_t r;
    fk_csv_reader_init(&r, path, (const char *)text, len);
    size_t cap = 16;
    j->conf = malloc(cap * sizeof *j->conf);
    int rc;
    bool have_ns = false;
    const char *cur_ns = "";
    while ((rc = fk_csv_next(&r, err, errlen)) == 1) {
        if (j->nconf == cap) {
            cap *= 2;
            conf_row_t *nc = realloc(j->conf, cap * sizeof *nc);
            if (!nc) break;
            j->conf = nc;
        }
        conf_row_t *c = &j->conf[j->nconf];
        memset(c, 0, sizeof *c);
        c->line = r.rec_line;
        c->col = -1;
        c->key = xstrdup(fk_csv_field(&r, 0));
        c->type = xstrdup(r.nf > 1 ? fk_csv_field(&r, 1) : "");
        c->encoding = xstrdup(r.nf > 2 ? fk_csv_field(&r, 2) : "");
        j->nconf++;
        trim(c->key);
        trim(c->type);
        trim(c->encoding);
        if (!c->key[0]) {
            snprintf(err, errlen, "%s:%d: field 1 (key): empty", path, c->line);
            goto fail;
        }
        if (strlen(c->key) > NVS_KEY_MAX) {
            snprintf(err, errlen, "%s:%d: key '%s' is %zu bytes; at most 15 are allowed", path, c->line,
                     SHOW(e1, c->key), strlen(c->key));
            goto fail;
        }
        if (!strcasecmp(c->type, "namespace")) {
            c->is_ns = true;
            have_ns = true;
            cur_ns = c->key;
            continue;
        }
        if (strcasecmp(c->type, "data") && strcasecmp(c->type, "file")) {
            snprintf(err, errlen, "%s:%d: field 2 (type): unknown type '%s' (expected namespace, data or file)",
                     path, c->line, SHOW(e1, c->type));
            goto fail;
        }
        if (!have_ns) {
            snprintf(err, errlen, "%s:%d: key '%s' comes before any namespace row", path, c->line, SHOW(e1, c->key));
            goto fail;
        }
        bool known = false;
        for (size_t k = 0; k < sizeof known_encodings / sizeof known_encodings[0]; k++)
            known |= !strcasecmp(c->encoding, known_encodings[k]);
        if (!known) {
            snprintf(err, errlen,
                     "%s:%d: field 3 (encoding): %s encoding '%s' (expected u8, i8, u16, i16, u32, i32, u64, i64, "
                     "string, hex2bin, base64 or binary)",
                     path, c->line, c->encoding[0] ? "unsupported" : "missing", SHOW(e1, c->encoding));
            goto fail;
        }
        /* Each device would fail the same way, so a key twice in one namespace stops the run here. */
        for (size_t p = j->nconf - 1; p-- > 0;) {
            if (!j->conf[p].is_ns && !strcmp(j->conf[p].key, c->key) && !strcmp(j->conf[p].ns, cur_ns)) {
                snprintf(err, errlen, "%s:%d: key '%s' appears twice in namespace '%s' (first on line %d)", path,
                         c->line, SHOW(e1, c->key), SHOW(e2, cur_ns), j->conf[p].line);
                goto fail;
            }
        }
        c->ns = cur_ns;
        for (size_t f = 3; f < r.nf; f++) {
            if (r.len[f]) {
                snprintf(err, errlen,
                         "%s:%d: the config holds no values (field %zu is '%s'); values go in the values file",
                         path, c->line, f + 1, SHOW(e1, fk_csv_field(&r, f)));
                goto fail;
            }
        }
    }
    if (rc < 0) goto fail;
    if (!j->nconf) {
        snprintf(err, errlen, "%s: no rows (expected namespace and key,type,encoding rows)", path);
        goto fail;
    }
    fk_csv_reader_free(&r);
    free(text);
    return 0;
fail:
    fk_csv_reader_free(&r);
    free(text);
    return -1;
}

static int load_values(job_t *j, char *err, size_t errlen)
{
    char e1[168];
    const char *path = j->o->values_path;
    uint8_t *text;
    size_t len;
    if (input_text(j->o->values_text, j->o->values_len, path, &text, &len)) return -1;
    fk_csv_reader_t r;
    fk_csv_reader_init(&r, path, (const char *)text, len);
    int rc = fk_csv_next(&r, err, errlen);
    if (rc <= 0) {
        if (rc == 0) snprintf(err, errlen, "%s: no header line (expected the key names)", path);
        goto fail;
    }
    j->ncols = r.nf;
    char **hdr = calloc(r.nf, sizeof *hdr);
    for (size_t i = 0; i < r.nf; i++) {
        hdr[i] = xstrdup(fk_csv_field(&r, i));
        trim(hdr[i]);
    }
    int hdr_line = r.rec_line;
    /* The k-th config row of a key takes the k-th column of that name. */
    for (size_t c = 0; c < j->nconf; c++) {
        conf_row_t *cr = &j->conf[c];
        if (cr->is_ns) continue;
        int after = -1;
        for (size_t p = 0; p < c; p++)
            if (!j->conf[p].is_ns && !strcmp(j->conf[p].key, cr->key) && j->conf[p].col > after) after = j->conf[p].col;
        for (size_t i = (size_t)(after + 1); i < j->ncols; i++)
            if (!strcmp(hdr[i], cr->key)) {
                cr->col = (int)i;
                break;
            }
        if (cr->col < 0) {
            snprintf(err, errlen, "%s:%d: key '%s' of %s line %d has no column in the header", path, hdr_line,
                     SHOW(e1, cr->key), j->o->conf_path, cr->line);
            goto fail_hdr;
        }
    }
    j->id_col = -1;
    if (j->o->fileid) {
        for (size_t i = 0; i < j->ncols; i++)
            if (!strcmp(hdr[i], j->o->fileid)) {
                j->id_col = (int)i;
                break;
            }
        if (j->id_col < 0) {
            snprintf(err, errlen, "%s:%d: --fileid '%s' is not a column of the header", path, hdr_line,
                     SHOW(e1, j->o->fileid));
            goto fail_hdr;
        }
    }
    for (size_t i = 0; i < j->ncols; i++) free(hdr[i]);
    free(hdr);
    hdr = NULL;

    size_t store_cap = len + 64, store_len = 0, dcap = 256;
    j->store = malloc(store_cap);
    j->fields = malloc(dcap * j->ncols * sizeof *j->fields);
    j->dev_line = malloc(dcap * sizeof *j->dev_line);
    j->dev_nf = malloc(dcap * sizeof *j->dev_nf);
    while ((rc = fk_csv_next(&r, err, errlen)) == 1) {
        if (j->ndev == dcap) {
            dcap *= 2;
            size_t *nf = realloc(j->fields, dcap * j->ncols * sizeof *nf);
            int *nl = realloc(j->dev_line, dcap * sizeof *nl);
            int *nn = realloc(j->dev_nf, dcap * sizeof *nn);
            if (nf) j->fields = nf;
            if (nl) j->dev_line = nl;
            if (nn) j->dev_nf = nn;
            if (!nf || !nl || !nn) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
        }
        size_t d = j->ndev++;
        j->dev_line[d] = r.rec_line;
        j->dev_nf[d] = (int)r.nf;
        for (size_t i = 0; i < j->ncols; i++) {
            size_t *slot = &j->fields[d * j->ncols + i];
            if (i >= r.nf) {
                *slot = SIZE_MAX;
                continue;
            }
            size_t fl = r.len[i];
            if (store_len + fl + 1 > store_cap) {
                while (store_len + fl + 1 > store_cap) store_cap *= 2;
                char *ns = realloc(j->store, store_cap);
                if (!ns) {
                    snprintf(err, errlen, "%s: out of memory", path);
                    goto fail;
                }
                j->store = ns;
            }
            memcpy(j->store + store_len, fk_csv_field(&r, i), fl + 1);
            *slot = store_len;
            store_len += fl + 1;
        }
    }
    if (rc < 0) goto fail;
    if (!j->ndev) {
        snprintf(err, errlen, "%s: no device rows after the header", path);
        goto fail;
    }
    fk_csv_reader_free(&r);
    free(text);
    return 0;
fail_hdr:
    for (size_t i = 0; i < j->ncols; i++) free(hdr[i]);
    free(hdr);
fail:
    fk_csv_reader_free(&r);
    free(text);
    return -1;
}

static const char *field(const job_t *j, size_t dev, int col)
{
    size_t off = j->fields[dev * j->ncols + (size_t)col];
    return off == SIZE_MAX ? NULL : j->store + off;
}

static bool id_ok(const char *id)
{
    if (!id[0] || !strcmp(id, ".") || !strcmp(id, "..")) return false;
    for (const char *p = id; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20) return false;
    return true;
}

static int cmp_ids(const void *a, const void *b, void *arg)
{
    char **ids = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(ids[x], ids[y]);
    return c ? c : (x < y ? -1 : x > y);
}

/* File ids come from a column or the 1-based row number; each must be a
 * usable, unique file name, or its device fails. */
static int assign_ids(job_t *j)
{
    j->ids = calloc(j->ndev, sizeof *j->ids);
    j->errors = calloc(j->ndev, sizeof *j->errors);
    size_t *order = malloc(j->ndev * sizeof *order);
    if (!j->ids || !j->errors || !order) return -1;
    for (size_t d = 0; d < j->ndev; d++) {
        order[d] = d;
        if (j->id_col < 0) {
            j->ids[d] = msg("%zu", d + 1);
            continue;
        }
        const char *v = field(j, d, j->id_col);
        char *id = xstrdup(v ? v : "");
        trim(id);
        j->ids[d] = id;
    }
    qsort_r(order, j->ndev, sizeof *order, cmp_ids, j->ids);
    for (size_t k = 1; k < j->ndev; k++) {
        size_t a = order[k - 1], b = order[k];
        if (!strcmp(j->ids[a], j->ids[b]) && !j->errors[b])
            j->errors[b] = msg("%s:%d: device %zu: file id '%s' (column %s) is already used by line %d",
                               j->o->values_path, j->dev_line[b], b + 1, j->ids[b], j->o->fileid, j->dev_line[a]);
    }
    for (size_t d = 0; d < j->ndev; d++)
        if (!j->errors[d] && !id_ok(j->ids[d]))
            j->errors[d] = msg("%s:%d: device %zu: file id '%s' (column %s) cannot be used in a file name",
                               j->o->values_path, j->dev_line[d], d + 1, j->ids[d], j->o->fileid);
    free(order);
    return 0;
}

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf_t;

static int sb_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 1024;
        while (c < b->len + n + 1) c *= 2;
        char *nb = realloc(b->buf, c);
        if (!nb) return -1;
        b->buf = nb;
        b->cap = c;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    return 0;
}

/* The per-device generator CSV. Relative `file` paths become absolute so the
 * CSV regenerates the same image from wherever it is. */
static int device_csv(const job_t *j, size_t d, sbuf_t *b, char **why)
{
    b->len = 0;
    if (j->dev_nf[d] != (int)j->ncols) {
        *why = msg("%d fields but the header has %zu", j->dev_nf[d], j->ncols);
        return -1;
    }
    if (sb_add(b, "key,type,encoding,value\n", 24)) goto oom;
    for (size_t c = 0; c < j->nconf; c++) {
        const conf_row_t *cr = &j->conf[c];
        if (fk_csv_append_field(&b->buf, &b->len, &b->cap, cr->key, strlen(cr->key))) goto oom;
        if (cr->is_ns) {
            if (sb_add(b, ",namespace,,\n", 13)) goto oom;
            continue;
        }
        if (sb_add(b, ",", 1) || sb_add(b, cr->type, strlen(cr->type)) || sb_add(b, ",", 1) ||
            sb_add(b, cr->encoding, strlen(cr->encoding)) || sb_add(b, ",", 1))
            goto oom;
        const char *v = field(j, d, cr->col);
        size_t vn = strlen(v);
        if (!strcasecmp(cr->type, "file") && vn && v[0] != '/') {
            char *abs = msg("%s/%s", j->values_dir, v);
            int rc = fk_csv_append_field(&b->buf, &b->len, &b->cap, abs, strlen(abs));
            free(abs);
            if (rc) goto oom;
        } else if (fk_csv_append_field(&b->buf, &b->len, &b->cap, v, vn)) {
            goto oom;
        }
        if (sb_add(b, "\n", 1)) goto oom;
    }
    b->buf[b->len] = 0;
    return 0;
oom:
    *why = xstrdup("out of memory");
    return -1;
}

/* One write per file, into a temporary name renamed into place. Names are
 * resolved from an open directory: no path walk per file. */
static int write_file(int dirfd, const char *dir, const char *name, const void *data, size_t len, char **why)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *why = msg("%s/%s: cannot create: %s", dir, tmp, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            *why = msg("%s/%s: write failed: %s", dir, name, strerror(w < 0 ? errno : ENOSPC));
            close(fd);
            unlinkat(dirfd, tmp, 0);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0 || renameat(dirfd, tmp, dirfd, name) != 0) {
        *why = msg("%s/%s: write failed: %s", dir, name, strerror(errno));
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return 0;
}

/* A gen message starts "NAME:LINE: "; drop it, the device's own prefix replaces it. */
static const char *gen_reason(const char *err, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(err, name, n) || err[n] != ':') return err;
    const char *p = err + n + 1;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == ':') p++;
    while (*p == ' ') p++;
    return p;
}

static void *worker(void *arg)
{
    job_t *j = arg;
    sbuf_t csv = {0};
    char err[1024], name[PATH_MAX];
    for (;;) {
        size_t d = atomic_fetch_add(&j->next, 1);
        if (d >= j->ndev) break;
        char *why = NULL;
        /* Id errors are set before the run; such a device shares or lacks a file name, so it
         * must not touch any file. */
        bool id_error = j->errors[d] != NULL;
        if (!id_error) {
            snprintf(name, sizeof name, "%s-%s.csv", j->o->prefix, j->ids[d]);
            uint8_t *img = NULL;
            if (device_csv(j, d, &csv, &why) == 0) {
                if (fk_nvs_gen_text(csv.buf, csv.len, name, NULL, j->o->size, j->o->version, &img, err,
                                    sizeof err)) {
                    const char *g = gen_reason(err, name);
                    char safe[1100];
                    why = xstrdup(fk_printable(safe, sizeof safe, g, strlen(g), 260));
                }
            }
            if (!why && write_file(j->csv_fd, j->csv_dir, name, csv.buf, csv.len, &why) == 0) {
                char bin[PATH_MAX];
                snprintf(bin, sizeof bin, "%s-%s.bin", j->o->prefix, j->ids[d]);
                if (write_file(j->bin_fd, j->bin_dir, bin, img, j->o->size, &why)) unlinkat(j->csv_fd, name, 0);
            }
            free(img);
            if (why) {
                j->errors[d] = msg("%s:%d: device %zu (id %s): %s", j->o->values_path, j->dev_line[d], d + 1,
                                   j->ids[d], why);
                free(why);
            }
        }
        if (j->errors[d]) {
            /* No output for a failed device: not even one left from an earlier run. */
            if (!id_error) {
                snprintf(name, sizeof name, "%s-%s.bin", j->o->prefix, j->ids[d]);
                unlinkat(j->bin_fd, name, 0);
                snprintf(name, sizeof name, "%s-%s.csv", j->o->prefix, j->ids[d]);
                unlinkat(j->csv_fd, name, 0);
            }
            atomic_fetch_add(&j->failed, 1);
        }
        atomic_fetch_add(&j->done, 1);
    }
    free(csv.buf);
    return NULL;
}

static void free_job(job_t *j)
{
    for (size_t c = 0; c < j->nconf; c++) {
        free(j->conf[c].key);
        free(j->conf[c].type);
        free(j->conf[c].encoding);
    }
    free(j->conf);
    free(j->store);
    free(j->fields);
    free(j->dev_line);
    free(j->dev_nf);
    for (size_t d = 0; j->ids && d < j->ndev; d++) free(j->ids[d]);
    for (size_t d = 0; j->errors && d < j->ndev; d++) free(j->errors[d]);
    free(j->ids);
    free(j->errors);
    free(j->bin_dir);
    free(j->csv_dir);
    if (j->bin_fd >= 0) close(j->bin_fd);
    if (j->csv_fd >= 0) close(j->csv_fd);
    free((char *)j->values_dir);
}

int fk_mfg_run(const fk_mfg_opts_t *o)
{
    job_t j;
    memset(&j, 0, sizeof j);
    j.o = o;
    j.bin_fd = j.csv_fd = -1;
    char err[1024] = "";
    int status = 2;
    if (fk_nvs_check_size(o->size, err, sizeof err)) {
        fk_err("%s", err);
        return 2;
    }
    if (!id_ok(o->prefix) || strchr(o->prefix, '/')) {
        fk_err("--prefix '%s' cannot be used in a file name", o->prefix);
        return 2;
    }
    if (load_config(&j, err, sizeof err) || load_values(&j, err, sizeof err)) {
        if (err[0]) fk_err("%s", err);
        goto out;
    }
    {
        char *vdir = xstrdup(o->values_path);
        char *slash = strrchr(vdir, '/');
        if (slash) *slash = 0;
        char *abs = realpath(slash ? (vdir[0] ? vdir : "/") : ".", NULL);
        free(vdir);
        if (!abs) {
            fk_err("%s: cannot resolve its folder: %s", o->values_path, strerror(errno));
            goto out;
        }
        j.values_dir = abs;
    }
    j.bin_dir = msg("%s/bin", o->outdir);
    j.csv_dir = msg("%s/csv", o->outdir);
    if (fk_mkdir_p(j.bin_dir) || fk_mkdir_p(j.csv_dir) ||
        (j.bin_fd = open(j.bin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (j.csv_fd = open(j.csv_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        fk_err("%s: cannot create output folders: %s", o->outdir, strerror(errno));
        goto out;
    }
    if (assign_ids(&j)) {
        fk_err("out of memory");
        goto out;
    }

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = o->jobs > 0 ? (size_t)o->jobs : cpus > 0 ? (size_t)cpus : 1;
    if (nthreads > j.ndev) nthreads = j.ndev;
    if (nthreads > 256) nthreads = 256;
    pthread_t th[256];
    fk_progress_t prog;
    if (!o->quiet) fk_progress_start(&prog, "mfg gen", j.ndev);
    size_t started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&th[started], NULL, worker, &j)) break;
    if (!started) worker(&j);
    if (!o->quiet && prog.on) {
        while (atomic_load(&j.done) < j.ndev) {
            fk_progress_update(&prog, atomic_load(&j.done));
            nanosleep(&(struct timespec){0, 50000000}, NULL);
        }
    }
    for (size_t t = 0; t < started; t++) pthread_join(th[t], NULL);
    if (!o->quiet) fk_progress_end(&prog);

    size_t failed = atomic_load(&j.failed);
    for (size_t d = 0; d < j.ndev; d++)
        if (j.errors[d]) fk_err("%s", j.errors[d]);
    if (o->json) {
        printf("{\"devices\":%zu,\"written\":%zu,\"failed\":%zu,\"bin_dir\":", j.ndev, j.ndev - failed, failed);
        fk_json_str(stdout, j.bin_dir);
        printf(",\"csv_dir\":");
        fk_json_str(stdout, j.csv_dir);
        printf(",\"errors\":[");
        size_t k = 0;
        for (size_t d = 0; d < j.ndev; d++) {
            if (!j.errors[d]) continue;
            printf("%s{\"device\":%zu,\"line\":%d,\"id\":", k++ ? "," : "", d + 1, j.dev_line[d]);
            fk_json_str(stdout, j.ids[d]);
            printf(",\"error\":");
            fk_json_str(stdout, j.errors[d]);
            printf("}");
        }
        printf("]}\n");
    } else if (!o->quiet) {
        fprintf(stderr, "mfg gen: %zu device%s: %zu written to %s (images) and %s (CSVs), %zu failed\n", j.ndev,
                j.ndev == 1 ? "" : "s", j.ndev - failed, j.bin_dir, j.csv_dir, failed);
    }
    status = failed ? 1 : 0;
out:
    free_job(&j);
    return status;
}

int fk_mfg_check(const fk_mfg_opts_t *o, char *err, size_t errlen)
{
    job_t j;
    memset(&j, 0, sizeof j);
    j.o = o;
    j.bin_fd = j.csv_fd = -1;
    err[0] = 0;
    int status = 2;
    if (fk_nvs_check_size(o->size, err, errlen)) return 2;
    if (load_config(&j, err, errlen) || load_values(&j, err, errlen)) goto out;
    j.values_dir = realpath(o->outdir ? o->outdir : ".", NULL);
    if (!j.values_dir || assign_ids(&j)) {
        snprintf(err, errlen, "%s: cannot resolve", o->outdir ? o->outdir : ".");
        goto out;
    }
    status = 0;
    sbuf_t csv = {0};
    for (size_t d = 0; d < j.ndev; d++) {
        char *why = j.errors[d] ? strdup(j.errors[d]) : NULL, name[64];
        csv.len = 0;
        if (!why && device_csv(&j, d, &csv, &why) == 0) {
            uint8_t *img = NULL;
            snprintf(name, sizeof name, "device-%zu.csv", d + 1);
            char gerr[1024];
            if (fk_nvs_gen_text(csv.buf, csv.len, name, NULL, o->size, o->version, &img, gerr, sizeof gerr))
                why = strdup(gerr);
            free(img);
        }
        if (why) {
            if (!status) snprintf(err, errlen, "device %zu: %s", d + 1, why);
            status = 1;
            free(why);
        }
    }
    free(csv.buf);
out:
    free_job(&j);
    return status;
}
