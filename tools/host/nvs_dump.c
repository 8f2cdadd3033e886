#include "nvs_dump.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvs_dump_out.h"
#include "nvs_encrypt.h"
#include "util.h"

static const char dump_usage[] =
    "usage: flashkit nvs dump IMAGE.bin [--json | --csv] [--offset N --size N] [--keyfile KEYS.bin]\n"
    "\n"
    "Reads an NVS partition image (from nvs gen, or read back from a device with esptool) the\n"
    "way the runtime does and shows every page (state, sequence number, version, header CRC),\n"
    "every entry (state, namespace, key, type, value, span, CRC checks) and a summary.\n"
    "Damaged entries and pages are reported, not fatal.\n"
    "  --json        the same as JSON\n"
    "  --csv         a CSV that `flashkit nvs gen` turns back into an equivalent image\n"
    "  --offset/--size  dump a partition inside a whole-flash image\n"
    "  --keyfile     an encrypted NVS (nvs encrypt, nvs_flash_secure_init): decrypted in memory with\n"
    "                the first 64 bytes of KEYS.bin. Without it an encrypted image is refused, not\n"
    "                shown as noise.\n"
    "IMAGE '-' = stdin. Exit status: 0, or 3 when problems were found, 1 on errors. An image\n"
    "that looks encrypted (valid pages, entries that all fail their CRC) without --keyfile, or\n"
    "with the wrong one, is a problem (3) and its entries are not shown (--csv: no rows); --json\n"
    "still gives the engine's verdicts, with \"looks_encrypted\":true in the summary.\n";

/* The tweak is the offset in the partition, so the slice is decrypted on its own. */
static int decrypt(const char *path, const char *keyfile, uint8_t *img, uint32_t size)
{
    char err[1024];
    nvs_sec_cfg_t cfg;
    if (fk_nvs_keyfile_read(keyfile, false, &cfg, err, sizeof err)) {
        fk_err("nvs dump: %s", err);
        return -1;
    }
    esp_err_t e = fk_nvs_crypt_image(&cfg, false, img, size);
    explicit_bzero(&cfg, sizeof cfg);
    if (e != ESP_OK) fk_err("nvs dump: %s: %s", path, esp_err_to_name(e));
    return e == ESP_OK ? 0 : -1;
}

/* Says why the entries look like ciphertext; true when they do. */
static bool looks_encrypted(const dump_t *d, const char *path, const char *keyfile)
{
    unsigned bad, written;
    if (!fk_nvs_dump_looks_encrypted(d, &bad, &written)) return false;
    if (keyfile)
        fk_err("%s: %u of %u written entries fail their CRC after decryption with %s: a wrong key, or not an "
               "encrypted NVS",
               path, bad, written, keyfile);
    else
        fk_err("%s: looks encrypted: give --keyfile KEYS.bin (%u of %u written entries fail their CRC while the "
               "page headers are valid)",
               path, bad, written);
    return true;
}

int fk_nvs_dump_main(int argc, char **argv)
{
    const char *path = NULL, *off_s = NULL, *size_s = NULL, *keyfile = NULL;
    bool json = false, csv = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(dump_usage, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--csv")) {
            csv = true;
        } else if (fk_opt_value(argc, argv, &i, "--offset", &v)) {
            if (!v) return 2;
            off_s = v;
        } else if (fk_opt_value(argc, argv, &i, "--size", &v)) {
            if (!v) return 2;
            size_s = v;
        } else if (fk_opt_value(argc, argv, &i, "--keyfile", &v)) {
            if (!v) return 2;
            keyfile = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fk_err("nvs dump: unknown option '%s'", argv[i]);
            fputs(dump_usage, stderr);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fk_err("nvs dump: unexpected argument '%s'", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fputs(dump_usage, stderr);
        return 2;
    }
    if (json && csv) {
        fk_err("nvs dump: choose one of --json and --csv");
        return 2;
    }
    uint8_t *data;
    size_t len;
    if (fk_read_file(path, &data, &len)) return 1;
    uint32_t off = 0, size = (uint32_t)len;
    if ((off_s && !fk_parse_size(off_s, &off)) || (size_s && !fk_parse_size(size_s, &size))) {
        fk_err("nvs dump: bad --offset/--size value");
        free(data);
        return 2;
    }
    if (!size_s) size = off < len ? (uint32_t)(len - off) : 0;
    if ((size_t)off + size > len) {
        fk_err("%s: offset 0x%X + size 0x%X is beyond the end of the file (0x%zX bytes)", path, off, size, len);
        free(data);
        return 1;
    }
    if (size < NVS_PAGE_SIZE) {
        fk_err("%s: %u bytes is less than one 4096-byte NVS page", path, size);
        free(data);
        return 1;
    }
    if (size % NVS_PAGE_SIZE)
        fk_warn("%s: size 0x%X is not a multiple of 4096; the last %u bytes are ignored", path, size,
                size % NVS_PAGE_SIZE);
    dump_t *d = calloc(1, sizeof *d);
    if (!d) {
        free(data);
        return 1;
    }
    int rc = 0;
    size -= size % NVS_PAGE_SIZE;
    if (keyfile && decrypt(path, keyfile, data + off, size)) {
        rc = 1;
    } else if (fk_nvs_dump_load(d, path, data + off, size)) {
        fk_err("out of memory");
        rc = 1;
    } else if (looks_encrypted(d, path, keyfile) && !json) {
        /* Noise shown as keys and values would mislead. Status 3 as for any
         * image with problems; the CSV stays one `nvs gen` reads. */
        if (csv) printf("key,type,encoding,value\n# %s looks encrypted: no rows without its key\n", path);
        rc = 3;
    } else if (json) {
        /* The engine's verdict on these bytes is still a fact (every entry
         * fails, a read/write mount would erase them): kept for machines,
         * with "looks_encrypted" in the summary. */
        fk_nvs_dump_json(stdout, d);
    } else if (csv) {
        int skipped = fk_nvs_dump_csv(stdout, d);
        if (skipped < 0) rc = 1;
        else if (skipped) fk_warn("%s: %d item(s) could not be written as CSV rows (see the # lines)", path, skipped);
    } else {
        fk_nvs_dump_text(stdout, d);
    }
    if (!rc && d->problems) rc = 3;
    if (fflush(stdout)) rc = 1;
    fk_nvs_dump_free(d);
    free(d);
    free(data);
    return rc;
}
