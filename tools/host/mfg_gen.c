#include "mfg_gen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mfg_job.h"
#include "nvs_csv.h"
#include "nvs_encrypt.h"
#include "nvs_gen.h"
#include "util.h"

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
        *why = fk_mfg_msg("%d fields but the header has %zu", j->dev_nf[d], j->ncols);
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
        const char *v = fk_mfg_field(j, d, cr->col);
        size_t vn = strlen(v);
        if (!strcasecmp(cr->type, "file") && vn && v[0] != '/') {
            char *abs = fk_mfg_msg("%s/%s", j->values_dir, v);
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
    *why = fk_mfg_strdup("out of memory");
    return -1;
}

/* One write per file, into a temporary name renamed into place. Names are
 * resolved from an open directory: no path walk per file. */
static int write_file(int dirfd, const char *dir, const char *name, const void *data, size_t len, mode_t mode,
                      char **why)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd >= 0 && fchmod(fd, mode) != 0) { /* one left by a killed run keeps its own mode */
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        *why = fk_mfg_msg("%s/%s: cannot create: %s", dir, tmp, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            *why = fk_mfg_msg("%s/%s: write failed: %s", dir, name, strerror(w < 0 ? errno : ENOSPC));
            close(fd);
            unlinkat(dirfd, tmp, 0);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    if (close(fd) != 0 || renameat(dirfd, tmp, dirfd, name) != 0) {
        *why = fk_mfg_msg("%s/%s: write failed: %s", dir, name, strerror(errno));
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return 0;
}

/* ESP-IDF mfg_gen.py's name for a device's key file (spec nvs-encryption.md §4). */
static void key_name(const job_t *j, size_t d, char *out, size_t len)
{
    snprintf(out, len, "keys-%s-%s.bin", j->o->prefix, j->ids[d]);
}

/* --inputkey: the run's key; --keygen: a fresh one from the OS, its key
 * file image (the nvs_keys partition) left in keyimg for the writer. */
static int encrypt_device(job_t *j, uint8_t *img, uint8_t keyimg[FK_NVS_KEYS_PART_SIZE], char **why)
{
    nvs_sec_cfg_t cfg = j->key;
    char err[256];
    if (j->keys_dir) {
        if (fk_nvs_keys_new(&cfg, err, sizeof err)) {
            *why = fk_mfg_strdup(err);
            return -1;
        }
        fk_nvs_keyfile_image(&cfg, keyimg);
    }
    esp_err_t e = fk_nvs_crypt_image(&cfg, true, img, j->o->size);
    explicit_bzero(&cfg, sizeof cfg);
    if (e != ESP_OK) {
        *why = fk_mfg_msg("encryption failed: %s", esp_err_to_name(e));
        return -1;
    }
    return 0;
}

/* A device's files, key first (no image without its key), CSV, then image. */
static int write_device(job_t *j, size_t d, const char *csv_name, const sbuf_t *csv, const uint8_t *img,
                        const uint8_t *keyimg, char **why)
{
    char name[PATH_MAX];
    if (j->keys_dir) {
        key_name(j, d, name, sizeof name);
        if (write_file(j->keys_fd, j->keys_dir, name, keyimg, FK_NVS_KEYS_PART_SIZE, 0600, why)) return -1;
    }
    if (write_file(j->csv_fd, j->csv_dir, csv_name, csv->buf, csv->len, 0644, why)) return -1;
    snprintf(name, sizeof name, "%s-%s.bin", j->o->prefix, j->ids[d]);
    return write_file(j->bin_fd, j->bin_dir, name, img, j->o->size, 0644, why);
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
    uint8_t keyimg[FK_NVS_KEYS_PART_SIZE];
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
                    why = fk_mfg_strdup(fk_printable(safe, sizeof safe, g, strlen(g), 260));
                }
            }
            if (!why && j->encrypt) encrypt_device(j, img, keyimg, &why);
            if (!why) {
                /* Generating runs in parallel; creating files does not: on a
                 * journaling disk two threads creating files take 2-6x the time
                 * one does (bench_mfg_files), on tmpfs they gain nothing. */
                pthread_mutex_lock(&j->write_lock);
                write_device(j, d, name, &csv, img, keyimg, &why);
                pthread_mutex_unlock(&j->write_lock);
            }
            free(img);
            if (why) {
                j->errors[d] = fk_mfg_msg("%s:%d: device %zu (id %s): %s", j->o->values_path, j->dev_line[d], d + 1,
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
                if (j->keys_dir) {
                    key_name(j, d, name, sizeof name);
                    unlinkat(j->keys_fd, name, 0);
                }
            }
            atomic_fetch_add(&j->failed, 1);
        }
        atomic_fetch_add(&j->done, 1);
    }
    explicit_bzero(keyimg, sizeof keyimg);
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
    if (j->keys_fd >= 0) close(j->keys_fd);
    free(j->keys_dir);
    explicit_bzero(&j->key, sizeof j->key);
    free((char *)j->values_dir);
}

int fk_mfg_run(const fk_mfg_opts_t *o)
{
    job_t j;
    memset(&j, 0, sizeof j);
    j.o = o;
    j.bin_fd = j.csv_fd = j.keys_fd = -1;
    pthread_mutex_init(&j.write_lock, NULL);
    char err[1024] = "";
    int status = 2;
    if (fk_nvs_check_size(o->size, err, sizeof err)) {
        fk_err("%s", err);
        return 2;
    }
    if (!fk_mfg_id_ok(o->prefix) || strchr(o->prefix, '/')) {
        fk_err("--prefix '%s' cannot be used in a file name", o->prefix);
        return 2;
    }
    if (fk_mfg_load_config(&j, err, sizeof err) || fk_mfg_load_values(&j, err, sizeof err)) {
        if (err[0]) fk_err("%s", err);
        goto out;
    }
    {
        char *vdir = fk_mfg_strdup(o->values_path);
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
    /* Before any folder is made: a bad key stops the run with nothing written. */
    if (o->inputkey) {
        if (fk_nvs_keyfile_read(o->inputkey, true, &j.key, err, sizeof err)) {
            fk_err("mfg gen: %s", err);
            goto out;
        }
        j.encrypt = true;
    }
    j.bin_dir = fk_mfg_msg("%s/bin", o->outdir);
    j.csv_dir = fk_mfg_msg("%s/csv", o->outdir);
    if (fk_mkdir_p(j.bin_dir) || fk_mkdir_p(j.csv_dir) ||
        (j.bin_fd = open(j.bin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (j.csv_fd = open(j.csv_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        fk_err("%s: cannot create output folders: %s", o->outdir, strerror(errno));
        goto out;
    }
    if (fk_mfg_assign_ids(&j)) {
        fk_err("out of memory");
        goto out;
    }
    if (o->keygen) {
        j.keys_dir = fk_mfg_msg("%s/keys", o->outdir);
        if (fk_mkdir_p(j.keys_dir) || (j.keys_fd = open(j.keys_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            fk_err("%s: cannot create the keys folder: %s", j.keys_dir, strerror(errno));
            goto out;
        }
        j.encrypt = true;
    }

    /* One worker by default: measured (docs/nvs-encryption-cli.md), a second
     * one was slower to a disk even with file creation serialised, and no
     * faster on tmpfs. */
    size_t nthreads = o->jobs > 0 ? (size_t)o->jobs : 1;
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
        if (j.keys_dir) {
            printf(",\"keys_dir\":");
            fk_json_str(stdout, j.keys_dir);
        }
        printf(",\"encrypted\":%s", j.encrypt ? "true" : "false");
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
        fprintf(stderr, "mfg gen: %zu device%s: %zu written to %s (%simages) and %s (CSVs)%s%s, %zu failed\n", j.ndev,
                j.ndev == 1 ? "" : "s", j.ndev - failed, j.bin_dir, j.encrypt ? "encrypted " : "", j.csv_dir,
                j.keys_dir ? ", keys in " : "", j.keys_dir ? j.keys_dir : "", failed);
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
    j.bin_fd = j.csv_fd = j.keys_fd = -1;
    err[0] = 0;
    int status = 2;
    if (fk_nvs_check_size(o->size, err, errlen)) return 2;
    if (fk_mfg_load_config(&j, err, errlen) || fk_mfg_load_values(&j, err, errlen)) goto out;
    j.values_dir = realpath(o->outdir ? o->outdir : ".", NULL);
    if (!j.values_dir || fk_mfg_assign_ids(&j)) {
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

