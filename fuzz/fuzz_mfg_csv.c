/* mfg gen's two CSVs (config: namespaces and keys; values: one row per
 * device): the input is split at its first 0xFE byte, every device's CSV and
 * image are built in memory. */
// FUZZ_SEEDS: nvs/*/input.csv
#include "fuzz.h"
#include "mfg_gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '/', size)) return 0; /* `file` values stay in an empty folder */
    const uint8_t *sep = memchr(data, 0xFE, size);
    size_t clen = sep ? (size_t)(sep - data) : size;
    fk_mfg_opts_t o = {
        .conf_path = "conf.csv", .values_path = "values.csv", .prefix = "dev", .outdir = fz_empty_dir(),
        .size = 0x4000, .version = size && (data[size - 1] & 1) ? 1 : 2, .quiet = true,
        .conf_text = (const char *)data, .conf_len = clen,
        .values_text = sep ? (const char *)sep + 1 : "", .values_len = sep ? size - clen - 1 : 0,
    };
    char err[1024];
    int rc = fk_mfg_check(&o, err, sizeof err);
    FZ_ASSERT(rc >= 0 && rc <= 2, "status %d", rc);
    if (rc) {
        FZ_ASSERT(err[0], "failed without a message");
        for (const char *p = err; *p; p++)
            FZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7F, "raw control byte 0x%02x echoed in: %s",
                      (unsigned char)*p, err);
    }
    return 0;
}
