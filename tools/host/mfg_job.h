/* The state of one `mfg gen` run, shared by its input readers (mfg_inputs.c)
 * and its device writers (mfg_gen.c). Internal to those two files. */
#ifndef FK_MFG_JOB_H
#define FK_MFG_JOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "fk_nvs_crypt.h"
#include "mfg_gen.h"

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
    bool encrypt;     /* --inputkey or --keygen */
    nvs_sec_cfg_t key; /* --inputkey's, for every device */
    char *keys_dir;   /* --keygen: DIR/keys, one key file per device */
    int keys_fd;
    atomic_size_t next, done, failed;
    pthread_mutex_t write_lock; /* one thread creates files at a time */
} job_t;

/* Allocation that cannot fail quietly: out of memory ends the process. */
char *fk_mfg_strdup(const char *s);
char *fk_mfg_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 0, or -1 with "file:line: reason" in err. */
int fk_mfg_load_config(job_t *j, char *err, size_t errlen);
int fk_mfg_load_values(job_t *j, char *err, size_t errlen);
/* A device's field of column col; NULL when its row is short. */
const char *fk_mfg_field(const job_t *j, size_t dev, int col);
/* A usable file name part: not empty, ".", "..", no '/', no control byte. */
bool fk_mfg_id_ok(const char *id);
/* Every device's file id; a duplicate or unusable one fails its device. */
int fk_mfg_assign_ids(job_t *j);

#endif
