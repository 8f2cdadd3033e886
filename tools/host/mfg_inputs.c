#include "mfg_job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fk_nvs_format.h"
#include "nvs_csv.h"
#include "nvs_gen_values.h"
#include "util.h"

/* Config and values files of `mfg gen`, read into the job; file ids. */

/* The fields are malloc'd and freed by their first byte: trim, then move. */
static void trim_in_place(char *s)
{
    char *t = fk_trim(s);
    if (t != s) memmove(s, t, strlen(t) + 1);
}

char *fk_mfg_strdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fk_err("out of memory");
        exit(1);
    }
    return d;
}

char *fk_mfg_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    return s ? s : fk_mfg_strdup("out of memory");
}

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

int fk_mfg_load_config(job_t *j, char *err, size_t errlen)
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
        c->key = fk_mfg_strdup(fk_csv_field(&r, 0));
        c->type = fk_mfg_strdup(r.nf > 1 ? fk_csv_field(&r, 1) : "");
        c->encoding = fk_mfg_strdup(r.nf > 2 ? fk_csv_field(&r, 2) : "");
        j->nconf++;
        trim_in_place(c->key);
        trim_in_place(c->type);
        trim_in_place(c->encoding);
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
        uint8_t int_type;
        if (fk_nvs_encoding_kind(c->encoding, &int_type) == FK_ENC_UNKNOWN) {
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

int fk_mfg_load_values(job_t *j, char *err, size_t errlen)
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
        hdr[i] = fk_mfg_strdup(fk_csv_field(&r, i));
        trim_in_place(hdr[i]);
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

const char *fk_mfg_field(const job_t *j, size_t dev, int col)
{
    size_t off = j->fields[dev * j->ncols + (size_t)col];
    return off == SIZE_MAX ? NULL : j->store + off;
}

bool fk_mfg_id_ok(const char *id)
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
int fk_mfg_assign_ids(job_t *j)
{
    j->ids = calloc(j->ndev, sizeof *j->ids);
    j->errors = calloc(j->ndev, sizeof *j->errors);
    size_t *order = malloc(j->ndev * sizeof *order);
    if (!j->ids || !j->errors || !order) return -1;
    for (size_t d = 0; d < j->ndev; d++) {
        order[d] = d;
        if (j->id_col < 0) {
            j->ids[d] = fk_mfg_msg("%zu", d + 1);
            continue;
        }
        const char *v = fk_mfg_field(j, d, j->id_col);
        char *id = fk_mfg_strdup(v ? v : "");
        trim_in_place(id);
        j->ids[d] = id;
    }
    qsort_r(order, j->ndev, sizeof *order, cmp_ids, j->ids);
    for (size_t k = 1; k < j->ndev; k++) {
        size_t a = order[k - 1], b = order[k];
        if (!strcmp(j->ids[a], j->ids[b]) && !j->errors[b])
            j->errors[b] = fk_mfg_msg("%s:%d: device %zu: file id '%s' (column %s) is already used by line %d",
                               j->o->values_path, j->dev_line[b], b + 1, j->ids[b], j->o->fileid, j->dev_line[a]);
    }
    for (size_t d = 0; d < j->ndev; d++)
        if (!j->errors[d] && !fk_mfg_id_ok(j->ids[d]))
            j->errors[d] = fk_mfg_msg("%s:%d: device %zu: file id '%s' (column %s) cannot be used in a file name",
                               j->o->values_path, j->dev_line[d], d + 1, j->ids[d], j->o->fileid);
    free(order);
    return 0;
}

