/* Mass manufacturing (Espressif's mfg_gen.py flow): a config CSV of
 * namespaces and keys (type, encoding) plus a values CSV with one row per
 * device give one NVS image and one generator CSV per device. */
#ifndef FK_MFG_GEN_H
#define FK_MFG_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *conf_path;
    const char *values_path;
    const char *prefix;
    const char *outdir; /* DIR: images go to DIR/bin, CSVs to DIR/csv */
    const char *fileid; /* values column naming each device's files; NULL = row number */
    uint32_t size;
    int version;        /* 1 or 2 */
    int jobs;           /* worker threads; 0 = 1 (measured: docs/nvs-encryption-cli.md) */
    bool json;          /* summary as JSON on stdout */
    bool quiet;
    /* Encryption (docs/nvs-encryption-cli.md): every image encrypted with the
     * key file inputkey, or with keygen a fresh key per device written to
     * DIR/keys/keys-PREFIX-ID.bin. */
    const char *inputkey;
    bool keygen;
    /* In-memory inputs (fk_mfg_check): used instead of reading the paths,
     * which then only name the inputs in messages. */
    const char *conf_text, *values_text;
    size_t conf_len, values_len;
} fk_mfg_opts_t;

/* Runs the whole job. Returns the process exit status: 0 when every device
 * was written, 1 when any failed (each reported with its values-file line),
 * 2 for a problem that stops the run before any device (config, header). */
int fk_mfg_run(const fk_mfg_opts_t *o);

/* Everything fk_mfg_run checks and builds, in memory, writing nothing: the
 * config and values (o->conf_text / values_text when set), each device's CSV
 * and image. `file` values are read relative to o->outdir. Same status;
 * the first error goes to err. For fuzzing and dry runs. */
int fk_mfg_check(const fk_mfg_opts_t *o, char *err, size_t errlen);

#endif
