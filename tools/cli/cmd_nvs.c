/* `flashkit nvs gen|dump`: the thin CLI over nvs_gen / nvs_dump. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "nvs_dump.h"
#include "nvs_gen.h"
#include "opts.h"
#include "util.h"

static const char gen_usage[] =
    "usage: flashkit nvs gen INPUT.csv OUTPUT.bin --size SIZE [--version v1|v2] [--outdir DIR]\n"
    "       flashkit nvs gen --input INPUT.csv --output OUTPUT.bin --size SIZE [--version v1|v2]\n"
    "       flashkit nvs generate INPUT.csv OUTPUT.bin SIZE [--version 1|2] [--outdir DIR]\n"
    "\n"
    "Builds an NVS partition image from a CSV (key,type,encoding,value), byte-identical to\n"
    "ESP8266_RTOS_SDK's nvs_partition_gen.py. SIZE: decimal, 0x.., 0o.., 0b.. or with a k/M suffix;\n"
    "a multiple of 4096, at least 0x3000. --version: v1 for ESP8266 RTOS SDK 3.x release firmware\n"
    "(single-page blobs), v2 (default) for SDK master / ESP-IDF (multi-page blobs).\n"
    "`file` rows are read relative to the CSV's folder. INPUT '-' = stdin, OUTPUT '-' = stdout.\n"
    "See docs/nvs-csv.md.\n";

static const char nvs_usage[] =
    "usage: flashkit nvs <command> [options]\n"
    "\n"
    "commands:\n"
    "  gen      CSV -> NVS partition image (also: generate)\n"
    "  dump     show an NVS image: pages, entries, summary (--json, --csv)\n"
    "\n"
    "flashkit nvs <command> --help for details.\n";

/* SIZE: Python int(x, 0) (what the reference accepts), plus the k/M suffixes flashkit takes elsewhere. */
static int nvs_gen(int argc, char **argv)
{
    const char *input = NULL, *output = NULL, *size_s = NULL, *ver_s = NULL, *outdir = NULL;
    const char *pos[3];
    const fk_opt_t table[] = {
        {"--input", NULL, FK_OPT_VALUE, &input},
        {"--output", NULL, FK_OPT_VALUE, &output},
        {"--size", NULL, FK_OPT_VALUE, &size_s},
        {"--version", NULL, FK_OPT_VALUE, &ver_s},
        {"--outdir", NULL, FK_OPT_VALUE, &outdir},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "nvs gen", .usage = gen_usage, .opts = table, .pos = pos, .max_pos = 3};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    int npos = op.npos;
    /* --input names the SDK 3.4 generator's spelling, which wrote v1. */
    bool sdk34_form = input != NULL;
    int k = 0;
    if (!input && k < npos) input = pos[k++];
    if (!output && k < npos) output = pos[k++];
    if (!size_s && k < npos) size_s = pos[k++];
    if (k < npos) {
        fk_err("nvs gen: unexpected argument '%s'", pos[k]);
        return 2;
    }
    if (!input || !output || !size_s) {
        fk_err("nvs gen: needs an input CSV, an output file and a size");
        fputs(gen_usage, stderr);
        return 2;
    }
    uint32_t size;
    if (fk_nvs_parse_size(size_s, &size)) {
        fk_err("nvs gen: size '%s' %s", size_s, fk_size_problem(size_s));
        return 2;
    }
    int version = 2;
    if (ver_s && fk_nvs_parse_version(ver_s, &version)) {
        fk_err("nvs gen: --version '%s': expected v1, v2, 1 or 2", ver_s);
        return 2;
    }
    if (!ver_s && sdk34_form)
        fk_warn("no --version given: writing v2. The SDK 3.x generator this --input/--output spelling comes "
                "from wrote v1; pass --version v1 for ESP8266 RTOS SDK 3.x release firmware");
    char err[1024];
    if (fk_nvs_check_size(size, err, sizeof err)) {
        fk_err("%s", err);
        return 1;
    }
    uint8_t *img;
    if (fk_nvs_gen_file(input, size, version, &img, err, sizeof err)) {
        fk_err("%s", err);
        return 1;
    }
    char *path = NULL;
    if (outdir && strcmp(output, "-") && output[0] != '/') {
        if (fk_mkdir_p(outdir)) {
            fk_err("%s: cannot create folder: %s", outdir, strerror(errno));
            free(img);
            return 1;
        }
        size_t n = strlen(outdir) + strlen(output) + 2;
        path = malloc(n);
        if (path) snprintf(path, n, "%s/%s", outdir, output);
    }
    rc = fk_write_file_atomic(path ? path : output, img, size);
    free(path);
    free(img);
    return rc ? 1 : 0;
}

int cmd_nvs(int argc, char **argv)
{
    if (argc < 2) {
        fputs(nvs_usage, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(nvs_usage, stdout);
        return 0;
    }
    if (!strcmp(sub, "gen") || !strcmp(sub, "generate")) return nvs_gen(argc - 1, argv + 1);
    if (!strcmp(sub, "dump")) return fk_nvs_dump_main(argc - 1, argv + 1);
    fk_err("nvs: unknown command '%s'", sub);
    fputs(nvs_usage, stderr);
    return 2;
}
