#include "nvs_dump.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvs_dump_out.h"
#include "util.h"

static const char dump_usage[] =
    "usage: flashkit nvs dump IMAGE.bin [--json | --csv] [--offset N --size N]\n"
    "\n"
    "Reads an NVS partition image (from nvs gen, or read back from a device with esptool) the\n"
    "way the runtime does and shows every page (state, sequence number, version, header CRC),\n"
    "every entry (state, namespace, key, type, value, span, CRC checks) and a summary.\n"
    "Damaged entries and pages are reported, not fatal.\n"
    "  --json        the same as JSON\n"
    "  --csv         a CSV that `flashkit nvs gen` turns back into an equivalent image\n"
    "  --offset/--size  dump a partition inside a whole-flash image\n"
    "IMAGE '-' = stdin. Exit status: 0, or 3 when problems were found, 1 on errors.\n";

int fk_nvs_dump_main(int argc, char **argv)
{
    const char *path = NULL, *off_s = NULL, *size_s = NULL;
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
    if (fk_nvs_dump_load(d, path, data + off, size - size % NVS_PAGE_SIZE)) {
        fk_err("out of memory");
        rc = 1;
    } else if (json) {
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
