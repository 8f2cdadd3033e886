/* `flashkit mfg gen`: the CLI over mfg_gen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mfg_gen.h"
#include "nvs_gen.h"
#include "opts.h"
#include "util.h"

static const char gen_usage[] =
    "usage: flashkit mfg gen --conf CONFIG.csv --values VALUES.csv --prefix NAME --size SIZE\n"
    "                        [--version v1|v2] [--outdir DIR] [--fileid KEY] [--jobs N] [--json]\n"
    "                        [--inputkey KEYS.bin | --keygen]\n"
    "       flashkit mfg generate CONFIG.csv VALUES.csv NAME SIZE [same options]\n"
    "\n"
    "One NVS image per device, as Espressif's mfg_gen.py: CONFIG.csv lists namespaces and keys\n"
    "(key,namespace,  /  key,data|file,ENCODING) without values; VALUES.csv has a header of key\n"
    "names and one row per device. Writes DIR/bin/NAME-ID.bin and DIR/csv/NAME-ID.csv (the CSV\n"
    "`flashkit nvs gen` turns into exactly that image). ID is the row number (from 1) or the\n"
    "value of the --fileid column. DIR defaults to the current directory, --version to v2,\n"
    "--jobs to 1 (measured: a second thread was slower to a disk; docs/nvs-encryption-cli.md).\n"
    "A bad row is reported with its line and gets no files; the exit status is 1 if any device\n"
    "failed. See docs/nvs-csv.md.\n"
    "Encrypted NVS: --inputkey KEYS.bin encrypts every image with that key file's first 64 bytes;\n"
    "--keygen draws a fresh key per device from the OS random source and writes it beside the\n"
    "images as DIR/keys/keys-NAME-ID.bin (the nvs_keys partition image, 4096 bytes, mode 0600).\n"
    "Each image equals `flashkit nvs encrypt` of DIR/csv/NAME-ID.csv with its key.\n"
    "See docs/nvs-encryption-cli.md.\n";

static const char mfg_usage[] =
    "usage: flashkit mfg gen [options]   (flashkit mfg gen --help)\n"
    "\n"
    "commands:\n"
    "  gen           config CSV + values CSV -> one NVS image per device (also: generate)\n"
    "  generate-key  a key file for --inputkey, as mfg_gen.py's (= flashkit nvs generate-key)\n";

static int mfg_gen(int argc, char **argv)
{
    fk_mfg_opts_t o = {.outdir = ".", .version = 2};
    const char *size_s = NULL, *ver_s = NULL, *jobs_s = NULL, *keyfile = NULL;
    const char *pos[4];
    const fk_opt_t table[] = {
        {"--conf", NULL, FK_OPT_VALUE, &o.conf_path},
        {"--values", NULL, FK_OPT_VALUE, &o.values_path},
        {"--prefix", NULL, FK_OPT_VALUE, &o.prefix},
        {"--size", NULL, FK_OPT_VALUE, &size_s},
        {"--version", NULL, FK_OPT_VALUE, &ver_s},
        {"--outdir", NULL, FK_OPT_VALUE, &o.outdir},
        {"--fileid", NULL, FK_OPT_VALUE, &o.fileid},
        {"--jobs", NULL, FK_OPT_VALUE, &jobs_s},
        {"--json", NULL, FK_OPT_FLAG, &o.json},
        {"--quiet", "-q", FK_OPT_FLAG, &o.quiet},
        {"--inputkey", NULL, FK_OPT_VALUE, &o.inputkey},
        {"--keygen", NULL, FK_OPT_FLAG, &o.keygen},
        {"--keyfile", NULL, FK_OPT_VALUE, &keyfile},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "mfg gen", .usage = gen_usage, .opts = table, .pos = pos, .max_pos = 4};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    int npos = op.npos;
    int k = 0;
    if (!o.conf_path && k < npos) o.conf_path = pos[k++];
    if (!o.values_path && k < npos) o.values_path = pos[k++];
    if (!o.prefix && k < npos) o.prefix = pos[k++];
    if (!size_s && k < npos) size_s = pos[k++];
    if (k < npos) {
        fk_err("mfg gen: unexpected argument '%s'", pos[k]);
        return 2;
    }
    if (!o.conf_path || !o.values_path || !o.prefix || !size_s) {
        fk_err("mfg gen: needs --conf, --values, --prefix and --size");
        fputs(gen_usage, stderr);
        return 2;
    }
    if (fk_nvs_parse_size(size_s, &o.size)) {
        fk_err("mfg gen: size '%s' %s", size_s, fk_size_problem(size_s));
        return 2;
    }
    if (ver_s && fk_nvs_parse_version(ver_s, &o.version)) {
        fk_err("mfg gen: --version '%s': expected v1, v2, 1 or 2", ver_s);
        return 2;
    }
    if (o.keygen && o.inputkey) {
        fk_err("Error. --keygen and --inputkey both are not allowed.");
        return 2;
    }
    if (keyfile)
        fk_warn("mfg gen: --keyfile is ignored: with --keygen each device's key file is named "
                "keys-PREFIX-ID.bin, as ESP-IDF's mfg_gen.py names it");
    if (jobs_s) {
        char *end;
        long n = strtol(jobs_s, &end, 10);
        if (*end || n < 1 || n > 256) {
            fk_err("mfg gen: --jobs '%s': expected 1..256", jobs_s);
            return 2;
        }
        o.jobs = (int)n;
    }
    return fk_mfg_run(&o);
}

int cmd_mfg(int argc, char **argv)
{
    if (argc < 2) {
        fputs(mfg_usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(mfg_usage, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "gen") || !strcmp(argv[1], "generate")) return mfg_gen(argc - 1, argv + 1);
    /* mfg_gen.py's generate-key is its generator's: one implementation. */
    if (!strcmp(argv[1], "generate-key")) return cmd_nvs(argc, argv);
    fk_err("mfg: unknown command '%s'", argv[1]);
    fputs(mfg_usage, stderr);
    return 2;
}
