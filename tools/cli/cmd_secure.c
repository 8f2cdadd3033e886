/* flashkit secure ...: espsecure.py's Secure Boot v2 commands (same names,
 * with '_' or '-', same options), verifying by the device's rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "esp_image_format.h"
#include "fk_sbv2.h"
#include "fk_sbv2_gate.h"
#include "opts.h"
#include "sbv2_keys.h"
#include "sbv2_sign.h"
#include "util.h"

static const char main_help[] =
    "usage: flashkit secure <command> [options]   (flashkit secure <command> --help)\n"
    "\n"
    "Secure Boot v2 signed app images, as espsecure.py (esptool v4.8.1) makes them:\n"
    "  sign_data --version 2 --keyfile KEY.pem [KEY2.pem KEY3.pem] [--append_signatures] [-o OUT] IMAGE\n"
    "  verify_signature --version 2 --keyfile KEY.pem [--revoke N] [--scheme S] [--json] FILE\n"
    "  digest_sbv2_public_key --keyfile KEY.pem -o DIGEST.bin\n"
    "  generate_signing_key --version 2 --scheme rsa3072|ecdsa256|ecdsa192|ecdsa384 KEY.pem\n"
    "  extract_public_key --version 2 --keyfile KEY.pem PUB.pem\n"
    "  signature_info_v2 FILE\n"
    "Command names also work with '-' for '_' (sign-data, verify-signature, ...).\n";

static const char sign_help[] =
    "usage: flashkit secure sign_data --version 2 --keyfile KEY.pem [KEY2.pem [KEY3.pem]]\n"
    "                                 [--append_signatures] [--output OUT] IMAGE\n"
    "\n"
    "Pads IMAGE with 0xFF to a 4096-byte boundary and appends the signature sector:\n"
    "one 1216-byte block per key (RSA-3072-PSS or ECDSA P-192/P-256/P-384), in\n"
    "--keyfile order, at most 3. --keyfile takes every argument after it up to the\n"
    "next option (as espsecure). --append_signatures (-a): IMAGE already ends in a\n"
    "signature sector; its valid blocks are kept and the new ones follow (ignored\n"
    "for input that is not a multiple of 4096, as espsecure). Without --output\n"
    "IMAGE is replaced. Output is written atomically; nothing on error.\n";

static const char verify_help[] =
    "usage: flashkit secure verify_signature --version 2 --keyfile KEY.pem [--keyfile K2 ...]\n"
    "                                        [--digest D.bin ...] [--revoke N] [--scheme S] [--app] [--json] FILE\n"
    "\n"
    "Verifies a signed file as a device with Secure Boot v2 does: FILE's length must\n"
    "be a non-zero multiple of 4096; some block 0..2 of its last 4096 bytes must be\n"
    "valid (magic 0xE7, version 2/3, CRC), carry a trusted key (SHA-256 key digest\n"
    "equal to a --keyfile's or a --digest file's; private or public PEM), the digest\n"
    "of everything before the sector, and a signature that verifies. Every scheme is\n"
    "accepted unless --scheme limits it (as a device configured for one scheme).\n"
    "Trusted slots are numbered in order: the --keyfile keys, then the --digest files\n"
    "(at most 3); --revoke N marks slot N revoked (KEY_REVOKEn). Exit 0 when verified,\n"
    "1 when not (each block's reason is printed), 2 on usage or file errors.\n"
    "--app: FILE is a signed app image and is checked as the bootloader and OTA do:\n"
    "a valid image (checksum, SHA-256) with the sector right after it (image and\n"
    "its SHA-256 rounded up to 4096), whatever follows the sector.\n";

static const char digest_help[] =
    "usage: flashkit secure digest_sbv2_public_key --keyfile KEY.pem --output DIGEST.bin\n"
    "\n"
    "Writes the 32-byte SHA-256 of the key as a signature block holds it (the value\n"
    "burnt into eFuse KEY_DIGESTn). KEY may be the private or the public PEM.\n"
    "Alias: digest_rsa_public_key.\n";

static const char gen_help[] =
    "usage: flashkit secure generate_signing_key --version 2 [--scheme SCHEME] KEY.pem\n"
    "\n"
    "A new signing key from the OS random source: --scheme rsa3072 (default; PKCS#1\n"
    "PEM, e = 65537), ecdsa256, ecdsa192, ecdsa384 (SEC1 PEM, named curve). The file\n"
    "is created with mode 0600; an existing file is never overwritten. Keep it secret.\n";

static const char extract_help[] =
    "usage: flashkit secure extract_public_key --version 2 --keyfile KEY.pem PUB.pem\n"
    "\n"
    "Writes the public key of KEY as SubjectPublicKeyInfo PEM.\n";

static const char info_help[] =
    "usage: flashkit secure signature_info_v2 FILE\n"
    "\n"
    "Lists the signature blocks of FILE's last sector up to the first invalid one,\n"
    "with each key's digest, as espsecure's signature_info_v2. A block whose\n"
    "image digest does not match is an error (exit 2).\n";

/* espsecure's --keyfile takes nargs='+': "--keyfile A B C" is rewritten as
 * "--keyfile A --keyfile B --keyfile C" for the table-driven parser. */
static char **expand_keyfiles(int argc, char **argv, int *out_argc)
{
    char **v = calloc((size_t)argc * 2 + 1, sizeof *v);
    if (!v) return NULL;
    int n = 0;
    bool in_list = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool is_opt = a[0] == '-' && a[1];
        if (i > 0 && in_list && !is_opt) {
            v[n++] = "--keyfile";
            v[n++] = argv[i];
            continue;
        }
        in_list = false;
        v[n++] = argv[i];
        if (!strcmp(a, "--")) {
            for (i++; i < argc; i++) v[n++] = argv[i];
            break;
        }
        if ((!strcmp(a, "--keyfile") || !strcmp(a, "-k")) && i + 1 < argc) {
            v[n++] = argv[++i];
            in_list = true;
        }
    }
    *out_argc = n;
    return v;
}

static bool version_ok(const char *cmd, const char *version, bool required)
{
    if (!version) {
        if (!required) {
            fk_err("%s: give --version 2 (espsecure's default here is 1, Secure Boot v1, which flashkit does not do)",
                   cmd);
            return false;
        }
        fk_err("%s: --version is required (2 = Secure Boot v2)", cmd);
        return false;
    }
    if (strcmp(version, "2")) {
        fk_err("%s: --version %s: only 2 (Secure Boot v2) is supported", cmd, version);
        return false;
    }
    return true;
}

static int do_sign(int argc, char **argv)
{
    const char *version = NULL, *output = NULL, *pos[1];
    fk_optlist_t keyfiles = {0};
    bool append = false;
    const fk_opt_t opts[] = {
        {"--version", "-v", FK_OPT_VALUE, &version},
        {"--keyfile", "-k", FK_OPT_LIST, &keyfiles},
        {"--append_signatures", "-a", FK_OPT_FLAG, &append},
        {"--append-signatures", NULL, FK_OPT_FLAG, &append},
        {"--output", "-o", FK_OPT_VALUE, &output},
        FK_OPT_END,
    };
    fk_opts_t o = {"secure sign_data", sign_help, opts, pos, 1, 0};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    if (!version_ok(o.cmd, version, true)) return 2;
    if (!keyfiles.n) {
        fk_err("%s: --keyfile is required", o.cmd);
        return 2;
    }
    if (o.npos != 1) {
        fk_err("%s: missing IMAGE (--keyfile takes every argument after it; end the key list with an option or --)",
               o.cmd);
        return 2;
    }
    if (keyfiles.n > FK_SBV2_BLOCKS) {
        fk_err("%s: %d keys given; a signature sector holds at most %d blocks; nothing written", o.cmd, keyfiles.n,
               FK_SBV2_BLOCKS);
        return 2;
    }
    const char *in_path = pos[0];
    if (!output) output = in_path;
    fk_sbv2_key_t keys[FK_SBV2_BLOCKS];
    const fk_sbv2_key_t *kp[FK_SBV2_BLOCKS];
    int nk = 0;
    rc = 1;
    uint8_t *in = NULL, *out = NULL;
    size_t len, out_len;
    for (; nk < keyfiles.n; nk++) {
        if (fk_sbv2_key_load(&keys[nk], keyfiles.v[nk])) goto done;
        if (!keys[nk].has_private) {
            fk_err("%s: a public key cannot sign; give the private key", keyfiles.v[nk]);
            nk++;
            goto done;
        }
        kp[nk] = &keys[nk];
    }
    if (fk_read_file(in_path, &in, &len)) goto done;
    const char *name = strrchr(in_path, '/') ? strrchr(in_path, '/') + 1 : in_path;
    /* The progress lines go to stderr when the signed file goes to stdout. */
    FILE *log = strcmp(output, "-") ? stdout : stderr;
    if (fk_sbv2_sign_data(in, len, name, kp, nk, append, log, &out, &out_len)) goto done;
    if (fk_write_file_atomic(output, out, out_len)) goto done;
    rc = 0;
done:
    while (nk-- > 0) fk_sbv2_key_free(&keys[nk]);
    free(in);
    free(out);
    return rc;
}

static int read_digest(const char *path, uint8_t d[32])
{
    uint8_t *data;
    size_t len;
    if (fk_read_file(path, &data, &len)) return -1;
    int rc = 0;
    if (len != 32) {
        fk_err("%s: %zu bytes; a key digest file holds 32 (digest_sbv2_public_key's output)", path, len);
        rc = -1;
    } else {
        memcpy(d, data, 32);
    }
    free(data);
    return rc;
}

/* --app: where the device looks for the sector. *len becomes the end of
 * the sector; 0, or -1 with the error printed. */
static int app_signed_len(const char *path, const uint8_t *data, size_t *len)
{
    static fk_image_info_t info;
    /* Any app slot offset: the image checks do not depend on it. */
    if (fk_image_verify_mem(data, *len, 0x10000, (uint32_t)(*len < 0x1000000 ? *len : 0x1000000),
                            FK_IMAGE_CHECK_SUM | FK_IMAGE_CHECK_HASH, &info) != ESP_OK) {
        fk_err("%s: not a valid app image: %s", path, info.reason);
        return -1;
    }
    size_t data_len = fk_sbv2_image_data_len(&info);
    if (*len < data_len + FK_SBV2_SECTOR_SIZE) {
        fk_err("%s: no signature sector after the image (%zu bytes; the device reads it at offset %zu)", path, *len,
               data_len);
        return -1;
    }
    *len = data_len + FK_SBV2_SECTOR_SIZE;
    return 0;
}

static void print_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
}

static int do_verify(int argc, char **argv)
{
    const char *version = NULL, *revoke = NULL, *scheme = NULL, *pos[1];
    fk_optlist_t keyfiles = {0}, digests = {0};
    bool json = false, app = false;
    const fk_opt_t opts[] = {
        {"--version", "-v", FK_OPT_VALUE, &version},
        {"--keyfile", "-k", FK_OPT_LIST, &keyfiles},
        {"--digest", NULL, FK_OPT_LIST, &digests},
        {"--app", NULL, FK_OPT_FLAG, &app},
        {"--revoke", NULL, FK_OPT_VALUE, &revoke},
        {"--scheme", NULL, FK_OPT_VALUE, &scheme},
        {"--json", NULL, FK_OPT_FLAG, &json},
        FK_OPT_END,
    };
    fk_opts_t o = {"secure verify_signature", verify_help, opts, pos, 1, 0};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    if (!version_ok(o.cmd, version, true)) return 2;
    if (o.npos != 1) {
        fk_err("%s: missing FILE", o.cmd);
        return 2;
    }
    int nslots = keyfiles.n + digests.n;
    if (!nslots || nslots > FK_SBV2_BLOCKS) {
        fk_err("%s: give 1 to %d trusted keys (--keyfile / --digest), not %d", o.cmd, FK_SBV2_BLOCKS, nslots);
        return 2;
    }
    fk_sbv2_trust_t trust = {0};
    for (int i = 0; i < keyfiles.n; i++) {
        fk_sbv2_key_t k;
        if (fk_sbv2_key_load(&k, keyfiles.v[i])) return 2;
        uint8_t d[32];
        fk_sbv2_key_digest(&k, d);
        fk_sbv2_key_free(&k);
        fk_sbv2_trust_set(&trust, (unsigned)i, d);
    }
    for (int i = 0; i < digests.n; i++) {
        uint8_t d[32];
        if (read_digest(digests.v[i], d)) return 2;
        fk_sbv2_trust_set(&trust, (unsigned)(keyfiles.n + i), d);
    }
    if (revoke) {
        char *end;
        long n = strtol(revoke, &end, 10);
        if (*end || end == revoke || n < 0 || n >= nslots) {
            fk_err("%s: --revoke %s: not a trusted slot (0..%d)", o.cmd, revoke, nslots - 1);
            return 2;
        }
        trust.revoked |= (uint8_t)(1u << n);
    }
    if (scheme) {
        fk_sbv2_scheme_t s = fk_sbv2_scheme_from_name(scheme);
        if (!s) {
            fk_err("%s: --scheme %s: expected rsa3072, ecdsa192, ecdsa256 or ecdsa384", o.cmd, scheme);
            return 2;
        }
        trust.schemes = (uint8_t)FK_SBV2_SCHEME_BIT(s);
    }
    uint8_t *data;
    size_t len;
    if (fk_read_file(pos[0], &data, &len)) return 2;
    if (app && app_signed_len(pos[0], data, &len)) {
        free(data);
        return 1;
    }
    fk_sbv2_result_t res;
    esp_err_t err = fk_sbv2_verify_buf(data, len, &trust, &res);
    free(data);
    if (err == ESP_ERR_INVALID_SIZE) {
        fk_err("%s: %zu bytes is not a non-zero multiple of 4096, so there is no signature sector "
               "(a signed file ends in one)", pos[0], len);
        if (json) printf("{\"file\": \"%s\", \"verified\": false, \"error\": \"length\"}\n", pos[0]);
        return 1;
    }
    if (json) {
        printf("{\"file\": ");
        fk_json_str(stdout, pos[0]);
        printf(", \"verified\": %s, \"block\": %d, \"key_slot\": %d, \"blocks\": [", err == ESP_OK ? "true" : "false",
               res.block, res.key_slot);
        for (int i = 0; i < FK_SBV2_BLOCKS; i++) {
            printf("%s{\"index\": %d, \"scheme\": \"%s\", \"key_slot\": %d, \"result\": ", i ? ", " : "", i,
                   fk_sbv2_scheme_name(res.block_scheme[i]), res.block_slot[i]);
            fk_json_str(stdout, fk_sbv2_why_str(res.why[i]));
            printf("}");
        }
        printf("]}\n");
    } else {
        for (int i = 0; i < FK_SBV2_BLOCKS; i++) {
            printf("Signature block %d", i);
            if (res.block_scheme[i]) printf(" (%s)", fk_sbv2_scheme_name(res.block_scheme[i]));
            if (res.block_slot[i] >= 0) printf(" key slot %d", res.block_slot[i]);
            printf(": %s\n", fk_sbv2_why_str(res.why[i]));
        }
    }
    if (err == ESP_OK) {
        if (!json)
            printf("Signature block %d verification successful using the supplied key (%s).\n", res.block,
                   fk_sbv2_scheme_name(res.scheme));
        return 0;
    }
    if (err != ESP_ERR_IMAGE_INVALID) {
        fk_err("%s: %s", pos[0], esp_err_to_name(err));
        return 2;
    }
    fk_err("%s: no signature block verifies with the trusted key(s) (sector at offset %u)", pos[0],
           (unsigned)res.sector_addr);
    return 1;
}

static int load_one_key(const char *cmd, const fk_optlist_t *keyfiles, fk_sbv2_key_t *k)
{
    if (keyfiles->n != 1) {
        fk_err("%s: give exactly one --keyfile", cmd);
        return 2;
    }
    return fk_sbv2_key_load(k, keyfiles->v[0]) ? 1 : 0;
}

static int do_digest(int argc, char **argv)
{
    const char *output = NULL;
    fk_optlist_t keyfiles = {0};
    const fk_opt_t opts[] = {
        {"--keyfile", "-k", FK_OPT_LIST, &keyfiles},
        {"--output", "-o", FK_OPT_VALUE, &output},
        FK_OPT_END,
    };
    fk_opts_t o = {"secure digest_sbv2_public_key", digest_help, opts, NULL, 0, 0};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    if (!output) {
        fk_err("%s: --output is required", o.cmd);
        return 2;
    }
    fk_sbv2_key_t k;
    if ((rc = load_one_key(o.cmd, &keyfiles, &k))) return rc;
    uint8_t d[32];
    fk_sbv2_key_digest(&k, d);
    fk_sbv2_scheme_t s = k.scheme;
    fk_sbv2_key_free(&k);
    if (fk_write_file_atomic(output, d, sizeof d)) return 1;
    if (strcmp(output, "-")) {
        printf("Public key digest of %s (%s) written to %s: ", keyfiles.v[0], fk_sbv2_scheme_name(s), output);
        print_hex(stdout, d, 32);
        printf("\n");
    }
    return 0;
}

static int do_generate(int argc, char **argv)
{
    const char *version = NULL, *scheme = NULL, *pos[1];
    const fk_opt_t opts[] = {
        {"--version", "-v", FK_OPT_VALUE, &version},
        {"--scheme", "-s", FK_OPT_VALUE, &scheme},
        FK_OPT_END,
    };
    fk_opts_t o = {"secure generate_signing_key", gen_help, opts, pos, 1, 0};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    if (!version_ok(o.cmd, version, false)) return 2;
    if (o.npos != 1) {
        fk_err("%s: missing KEY.pem", o.cmd);
        return 2;
    }
    fk_sbv2_scheme_t s = scheme ? fk_sbv2_scheme_from_name(scheme) : FK_SBV2_RSA3072;
    if (!s) {
        fk_err("%s: --scheme %s: expected rsa3072, ecdsa192, ecdsa256 or ecdsa384", o.cmd, scheme);
        return 2;
    }
    if (fk_sbv2_key_generate(s, pos[0])) return 1;
    printf("%s private key in %s written to %s.\n", fk_sbv2_scheme_name(s),
           s == FK_SBV2_RSA3072 ? "PKCS#1 PEM" : "SEC1 PEM", pos[0]);
    return 0;
}

static int do_extract(int argc, char **argv)
{
    const char *version = NULL, *pos[1];
    fk_optlist_t keyfiles = {0};
    const fk_opt_t opts[] = {
        {"--version", "-v", FK_OPT_VALUE, &version},
        {"--keyfile", "-k", FK_OPT_LIST, &keyfiles},
        FK_OPT_END,
    };
    fk_opts_t o = {"secure extract_public_key", extract_help, opts, pos, 1, 0};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    if (!version_ok(o.cmd, version, false)) return 2;
    if (o.npos != 1) {
        fk_err("%s: missing PUB.pem", o.cmd);
        return 2;
    }
    fk_sbv2_key_t k;
    if ((rc = load_one_key(o.cmd, &keyfiles, &k))) return rc;
    char pem[4096];
    int n = fk_sbv2_key_public_pem(&k, pem, sizeof pem);
    fk_sbv2_key_free(&k);
    if (n < 0) {
        fk_err("%s: cannot encode the public key", keyfiles.v[0]);
        return 1;
    }
    return fk_write_file_atomic(pos[0], pem, (size_t)n) ? 1 : 0;
}

static int do_info(int argc, char **argv)
{
    const char *pos[1];
    const fk_opt_t opts[] = {FK_OPT_END};
    fk_opts_t o = {"secure signature_info_v2", info_help, opts, pos, 1, 0};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    if (o.npos != 1) {
        fk_err("%s: missing FILE", o.cmd);
        return 2;
    }
    uint8_t *data;
    size_t len;
    if (fk_read_file(pos[0], &data, &len)) return 2;
    rc = fk_sbv2_info(data, len, pos[0], stdout);
    free(data);
    return rc;
}

/* "sign-data" and "sign_data" are the same command. */
static bool is_cmd(const char *arg, const char *name)
{
    for (; *arg && *name; arg++, name++)
        if (*arg != *name && !(*arg == '-' && *name == '_')) return false;
    return !*arg && !*name;
}

int cmd_secure(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *c = argv[1];
    int n = argc - 1;
    char **v = argv + 1;
    if (is_cmd(c, "sign_data")) {
        int xn;
        char **xv = expand_keyfiles(n, v, &xn);
        if (!xv) return 2;
        int rc = do_sign(xn, xv);
        free(xv);
        return rc;
    }
    if (is_cmd(c, "verify_signature")) return do_verify(n, v);
    if (is_cmd(c, "digest_sbv2_public_key") || is_cmd(c, "digest_rsa_public_key")) return do_digest(n, v);
    if (is_cmd(c, "generate_signing_key")) return do_generate(n, v);
    if (is_cmd(c, "extract_public_key")) return do_extract(n, v);
    if (is_cmd(c, "signature_info_v2")) return do_info(n, v);
    fk_err("secure: unknown command '%s'", c);
    fputs(main_help, stderr);
    return 2;
}
