/* `flashkit nvs gen|dump`: the thin CLI over nvs_gen / nvs_dump. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "nvs_dump.h"
#include "nvs_encrypt.h"
#include "nvs_gen.h"
#include "opts.h"
#include "util.h"

static const char gen_usage[] =
    "usage: flashkit nvs gen INPUT.csv OUTPUT.bin --size SIZE [--version v1|v2] [--outdir DIR]\n"
    "       flashkit nvs gen --input INPUT.csv --output OUTPUT.bin --size SIZE [--version v1|v2]\n"
    "       flashkit nvs generate INPUT.csv OUTPUT.bin SIZE [--version 1|2] [--outdir DIR]\n"
    "       encrypted: add --inputkey KEYS.bin, or --keygen [--keyfile NAME] (written to DIR/keys/)\n"
    "\n"
    "Builds an NVS partition image from a CSV (key,type,encoding,value), byte-identical to\n"
    "ESP8266_RTOS_SDK's nvs_partition_gen.py. SIZE: decimal, 0x.., 0o.., 0b.. or with a k/M suffix;\n"
    "a multiple of 4096, at least 0x3000. --version: v1 for ESP8266 RTOS SDK 3.x release firmware\n"
    "(single-page blobs), v2 (default) for SDK master / ESP-IDF (multi-page blobs).\n"
    "`file` rows are read relative to the CSV's folder. INPUT '-' = stdin, OUTPUT '-' = stdout.\n"
    "With a key the image is the one `flashkit nvs encrypt` writes (docs/nvs-encryption-cli.md).\n"
    "See docs/nvs-csv.md.\n";

static const char nvs_usage[] =
    "usage: flashkit nvs <command> [options]\n"
    "\n"
    "commands:\n"
    "  gen           CSV -> NVS partition image (also: generate)\n"
    "  encrypt       CSV -> encrypted NVS partition image (the SDK tool's syntax)\n"
    "  decrypt       encrypted image + key file -> plain image\n"
    "  generate-key  a new key file (the nvs_keys partition image) from the OS random source\n"
    "  dump          show an NVS image: pages, entries, summary (--json, --csv, --keyfile)\n"
    "\n"
    "flashkit nvs <command> --help for details.\n";

static const char encrypt_usage[] =
    "usage: flashkit nvs encrypt INPUT.csv OUTPUT.bin SIZE [--version 1|2]\n"
    "                            (--inputkey KEYS.bin | --keygen [--keyfile NAME]) [--outdir DIR]\n"
    "\n"
    "The image `nvs gen` makes, every written entry encrypted with XTS-AES-256 as ESP-IDF's\n"
    "encrypted NVS (byte-identical to nvs_partition_gen.py encrypt with the same key). OUTPUT goes\n"
    "to DIR/OUTPUT. --inputkey reads the first 64 bytes of a key file (eky, tky); --keygen draws\n"
    "a key from the OS random source and writes it to DIR/keys/NAME (default keys-MM-DD_HH-MM.bin;\n"
    "4096 bytes, the nvs_keys partition image, mode 0600, never over an existing file).\n"
    "Refused: key files under 64 bytes, keys with equal halves. See docs/nvs-encryption-cli.md.\n";

static const char decrypt_usage[] =
    "usage: flashkit nvs decrypt INPUT.bin KEYS.bin OUTPUT.bin [--outdir DIR]\n"
    "\n"
    "Decrypts an encrypted NVS image (from nvs encrypt, or read back from a device) with the\n"
    "first 64 bytes of KEYS.bin; the plain image goes to DIR/OUTPUT.bin.\n";

static const char genkey_usage[] =
    "usage: flashkit nvs generate-key [--keyfile NAME] [--outdir DIR]\n"
    "\n"
    "Writes a new key file DIR/keys/NAME (default keys-MM-DD_HH-MM.bin): eky and tky from the OS\n"
    "random source (getrandom), their CRC-32 at offset 64, 0xFF to 4096 bytes: the nvs_keys\n"
    "partition image, to flash as it is. Mode 0600; an existing file is never replaced.\n";

/* DIR/keys/NAME as the SDK names key files; NAME defaults to the minute's. */
static char *keys_path(const char *cmd, const char *outdir, const char *keyfile)
{
    char def[64], err[512], *dir = NULL, *path = NULL;
    if (!keyfile) {
        fk_nvs_default_keyfile(def, sizeof def);
        keyfile = def;
    }
    bool has_dir = outdir && *outdir;
    size_t n = (has_dir ? strlen(outdir) + 1 : 0) + 5;
    dir = malloc(n);
    if (dir) snprintf(dir, n, "%s%skeys", has_dir ? outdir : "", has_dir ? "/" : "");
    if (!dir) return NULL;
    if (fk_nvs_bin_path(dir, keyfile, true, &path, err, sizeof err)) fk_err("%s: %s", cmd, err);
    free(dir);
    return path;
}

static int nvs_gen_encrypted(const char *input, const char *output, uint32_t size, int version, const char *outdir,
                             const char *inputkey, bool keygen, const char *keyfile)
{
    if (keygen && inputkey) {
        fk_err("nvs gen: --keygen and --inputkey both are not allowed (one key: read it, or make it)");
        return 2;
    }
    if (!keygen && !inputkey) {
        fk_err("nvs gen: --keyfile names the key --keygen writes; give --keygen, or --inputkey KEYS.bin");
        return 2;
    }
    fk_nvs_encrypt_job_t job = {.cmd = "nvs gen", .input = input, .inputkey = inputkey, .keygen = keygen,
                                .size = size, .version = version};
    char *out = NULL, *kp = NULL;
    if (outdir && strcmp(output, "-") && output[0] != '/') {
        size_t n = strlen(outdir) + strlen(output) + 2;
        out = malloc(n);
        if (out) snprintf(out, n, "%s/%s", outdir, output);
    }
    job.output = out ? out : output;
    int rc = 1;
    if (keygen && !(job.keys_path = kp = keys_path("nvs gen", outdir, keyfile))) goto out;
    rc = fk_nvs_encrypt_run(&job);
    if (!rc && keygen) fprintf(stderr, "nvs gen: key written to %s\n", kp);
out:
    free(out);
    free(kp);
    return rc;
}

static int nvs_encrypt(int argc, char **argv)
{
    const char *ver_s = NULL, *outdir = NULL, *inputkey = NULL, *keyfile = NULL;
    bool keygen = false;
    const char *pos[3];
    const fk_opt_t table[] = {
        {"--version", NULL, FK_OPT_VALUE, &ver_s},
        {"--inputkey", NULL, FK_OPT_VALUE, &inputkey},
        {"--keygen", NULL, FK_OPT_FLAG, &keygen},
        {"--keyfile", NULL, FK_OPT_VALUE, &keyfile},
        {"--outdir", NULL, FK_OPT_VALUE, &outdir},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "nvs encrypt", .usage = encrypt_usage, .opts = table, .pos = pos, .max_pos = 3};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    if (op.npos != 3) {
        fk_err("nvs encrypt: needs INPUT.csv OUTPUT.bin SIZE");
        fputs(encrypt_usage, stderr);
        return 2;
    }
    uint32_t size;
    char err[1024];
    if (fk_nvs_parse_size(pos[2], &size)) {
        fk_err("nvs encrypt: size '%s' %s", pos[2], fk_size_problem(pos[2]));
        return 2;
    }
    if (fk_nvs_check_size(size, err, sizeof err)) {
        fk_err("nvs encrypt: %s", err);
        return 1;
    }
    int version = 2;
    if (ver_s && fk_nvs_parse_version(ver_s, &version)) {
        fk_err("nvs encrypt: --version '%s': expected 1 or 2", ver_s);
        return 2;
    }
    /* The SDK tool's checks, its words, its order. */
    if (!keygen && !inputkey) {
        fk_err("Error. --keygen or --inputkey argument needed.");
        return 2;
    }
    if (keygen && inputkey) {
        fk_err("Error. --keygen and --inputkey both are not allowed.");
        return 2;
    }
    if (keyfile && !keygen) fk_warn("--inputkey argument is given. --keyfile argument will be ignored...");
    if (inputkey && !fk_nvs_has_bin_ext(inputkey)) {
        fk_err("Error: `%s`. Only `.bin` extension allowed.", inputkey);
        return 2;
    }
    fk_nvs_encrypt_job_t job = {.cmd = "nvs encrypt", .input = pos[0], .inputkey = inputkey, .keygen = keygen,
                                .size = size, .version = version, .sdk_messages = true,
                                .gen_flags = FK_NVS_GEN_SDK_NAMESPACES};
    char *out = NULL, *kp = NULL;
    if (fk_nvs_bin_path(outdir, pos[1], false, &out, err, sizeof err)) {
        fk_err("%s", err);
        return 2;
    }
    job.output = out;
    if (outdir && pos[1][0] == '/')
        fk_warn("`%s`: absolute path given so outdir is ignored for this file.", pos[1]);
    rc = 2;
    if (keygen && !(job.keys_path = kp = keys_path("nvs encrypt", outdir, keyfile))) goto out;
    rc = fk_nvs_encrypt_run(&job);
out:
    free(out);
    free(kp);
    return rc;
}

static int nvs_decrypt(int argc, char **argv)
{
    const char *outdir = NULL;
    const char *pos[3];
    const fk_opt_t table[] = {
        {"--outdir", NULL, FK_OPT_VALUE, &outdir},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "nvs decrypt", .usage = decrypt_usage, .opts = table, .pos = pos, .max_pos = 3};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    if (op.npos != 3) {
        fk_err("nvs decrypt: needs INPUT.bin KEYS.bin OUTPUT.bin");
        fputs(decrypt_usage, stderr);
        return 2;
    }
    for (int i = 0; i < 3; i++)
        if (!fk_nvs_has_bin_ext(pos[i])) {
            fk_err("Error: `%s`. Only `.bin` extension allowed.", pos[i]);
            return 2;
        }
    char err[1024], *out;
    if (fk_nvs_bin_path(outdir, pos[2], false, &out, err, sizeof err)) {
        fk_err("%s", err);
        return 2;
    }
    if (outdir && pos[2][0] == '/')
        fk_warn("`%s`: absolute path given so outdir is ignored for this file.", pos[2]);
    rc = fk_nvs_decrypt_run(pos[0], pos[1], out, true);
    free(out);
    return rc;
}

static int nvs_generate_key(int argc, char **argv)
{
    const char *outdir = NULL, *keyfile = NULL;
    const fk_opt_t table[] = {
        {"--keyfile", NULL, FK_OPT_VALUE, &keyfile},
        {"--outdir", NULL, FK_OPT_VALUE, &outdir},
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "nvs generate-key", .usage = genkey_usage, .opts = table, .pos = NULL, .max_pos = 0};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    char *path = keys_path("nvs generate-key", outdir, keyfile);
    if (!path) return 2;
    nvs_sec_cfg_t cfg;
    char err[1024];
    rc = 1;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path)) : NULL;
    if (dir && fk_mkdir_p(dir)) {
        fk_err("%s: cannot create folder: %s", dir, strerror(errno));
    } else if (fk_nvs_keys_new(&cfg, err, sizeof err) || fk_nvs_keyfile_write(path, &cfg, err, sizeof err)) {
        fk_err("nvs generate-key: %s", err);
    } else {
        printf("\nCreated encryption keys: ===>  %s\n", path);
        rc = 0;
    }
    explicit_bzero(&cfg, sizeof cfg);
    free(dir);
    free(path);
    return rc;
}

/* SIZE: Python int(x, 0) (what the reference accepts), plus the k/M suffixes flashkit takes elsewhere. */
static int nvs_gen(int argc, char **argv)
{
    const char *input = NULL, *output = NULL, *size_s = NULL, *ver_s = NULL, *outdir = NULL;
    const char *inputkey = NULL, *keyfile = NULL;
    bool keygen = false;
    const char *pos[3];
    const fk_opt_t table[] = {
        {"--inputkey", NULL, FK_OPT_VALUE, &inputkey},
        {"--keygen", NULL, FK_OPT_FLAG, &keygen},
        {"--keyfile", NULL, FK_OPT_VALUE, &keyfile},
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
    if (inputkey || keygen || keyfile) return nvs_gen_encrypted(input, output, size, version, outdir, inputkey,
                                                                keygen, keyfile);
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
    if (!strcmp(sub, "encrypt")) return nvs_encrypt(argc - 1, argv + 1);
    if (!strcmp(sub, "decrypt")) return nvs_decrypt(argc - 1, argv + 1);
    if (!strcmp(sub, "generate-key")) return nvs_generate_key(argc - 1, argv + 1);
    fk_err("nvs: unknown command '%s'", sub);
    fputs(nvs_usage, stderr);
    return 2;
}
