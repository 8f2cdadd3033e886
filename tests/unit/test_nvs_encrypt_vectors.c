/* The nvs-encrypted vectors through the CLI, one ctest per case
 * (vec_nvs-encrypted/<case>): `nvs encrypt` byte-exact to expected.bin,
 * `nvs gen --inputkey` the same bytes (unless a namespace name is reused:
 * docs/nvs-encryption-cli.md), `nvs decrypt` byte-exact to decrypted.bin or,
 * for partitions written by the SDK's runtime, to expected_plain.bin;
 * `nvs dump --keyfile` equal to the dump of the plain image and `nvs dump`
 * without the key calling it encrypted; every bad case refused with a clear
 * message and nothing written; keygen_example and generate_key_example
 * reproduced with fresh keys (layout, CRC, decrypts to the plain image).
 * The runtime's side of the same vectors is test_nvs_secure_vectors. */
/* vectors: nvs-encrypted (cases with args.txt) */
/* vectors: nvs-encrypted (cases with expected_plain.bin) */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fk_crc32.h"
#include "fk_le.h"
#include "fk_test.h"
#include "fk_vectors.h"

static const char *fk;
static char tmp[256];

/* Runs a shell command line; its exit status (-1 when it did not exit). */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool same_files(const char *a, const char *b)
{
    uint8_t *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    bool same = !fk_vec_read_file(a, &x, &nx) && !fk_vec_read_file(b, &y, &ny) && nx == ny && !memcmp(x, y, nx);
    free(x);
    free(y);
    return same;
}

/* A dump's JSON without the image's own name. */
static char *dump_json(const char *path)
{
    char *buf;
    size_t n;
    if (fk_vec_read_file(path, (uint8_t **)&buf, &n)) return NULL;
    char *f = strstr(buf, "\"file\":\"");
    if (f) {
        char *end = strchr(f + 8, '"');
        if (end) memmove(f, end + 1, strlen(end + 1) + 1);
    }
    return buf;
}

/* A key file as the SDK lays it: eky, tky (different), CRC-32, 0xFF. */
static bool key_layout_ok(const char *path)
{
    uint8_t *k;
    size_t n;
    if (fk_vec_read_file(path, &k, &n)) return false;
    bool ok = n == 4096 && fk_le32(k + 64) == fk_crc32_le(0xFFFFFFFFu, k, 64) && memcmp(k, k + 32, 32);
    for (size_t i = 68; ok && i < n; i++) ok = k[i] == 0xFF;
    free(k);
    return ok;
}

static bool reuses_namespace(const fk_vec_case_t *vc)
{
    char *csv = fk_vec_file(vc, "input.csv", NULL);
    bool reused = false;
    char names[64][64];
    int nn = 0;
    for (char *line = csv ? strtok(csv, "\n") : NULL; line && !reused; line = strtok(NULL, "\n")) {
        char *c1 = strchr(line, ',');
        if (!c1 || strncmp(c1 + 1, "namespace", 9)) continue;
        *c1 = 0;
        for (int i = 0; i < nn; i++) reused |= !strcmp(names[i], line);
        if (nn < 64) snprintf(names[nn++], sizeof names[0], "%s", line);
    }
    free(csv);
    return reused;
}

static int good_case(const fk_vec_case_t *vc, const char *args)
{
    int n = 0;
    char out[512], plain[512], want[1024], key[1024], exp[1024];
    snprintf(key, sizeof key, "%s/keys.bin", vc->dir);
    snprintf(exp, sizeof exp, "%s/expected.bin", vc->dir);
    if (args) {
        snprintf(out, sizeof out, "%s/enc.bin", tmp);
        CHECK_EQ(sh("cd '%s' && '%s' nvs encrypt input.csv '%s' %s --inputkey keys.bin >/dev/null", vc->dir, fk, out,
                    args),
                 0);
        CHECK(same_files(out, exp));
        n++;
        if (!reuses_namespace(vc)) {
            unsigned size = 0, ver = 2;
            sscanf(args, "%x --version %u", &size, &ver);
            CHECK_EQ(sh("cd '%s' && '%s' nvs gen input.csv '%s' --size 0x%x --version %u --inputkey keys.bin", vc->dir,
                        fk, out, size, ver),
                     0);
            CHECK(same_files(out, exp));
            n++;
        }
    }
    snprintf(want, sizeof want, "%s/%s", vc->dir, fk_vec_has(vc, "decrypted.bin") ? "decrypted.bin" : "expected_plain.bin");
    snprintf(out, sizeof out, "%s/dec.bin", tmp);
    CHECK_EQ(sh("'%s' nvs decrypt '%s' '%s' '%s' >/dev/null", fk, exp, key, out), 0);
    CHECK(same_files(out, want));
    /* The dump with the key says what the plain image's dump says. */
    snprintf(out, sizeof out, "%s/keyed.json", tmp);
    snprintf(plain, sizeof plain, "%s/plain.json", tmp);
    int prc = sh("'%s' nvs dump --json '%s' >'%s' 2>/dev/null", fk, want, plain);
    int krc = sh("'%s' nvs dump --json --keyfile '%s' '%s' >'%s' 2>/dev/null", fk, key, exp, out);
    CHECK_EQ(prc, krc);
    char *a = dump_json(plain), *b = dump_json(out);
    CHECK(a && b && !strcmp(a, b));
    /* Without it: said to look encrypted, nothing shown as values. */
    if (a && strstr(a, "\"written\":") && !strstr(a, "\"written_entries\":0,")) {
        CHECK_EQ(sh("'%s' nvs dump '%s' >'%s' 2>'%s/err'", fk, exp, out, tmp), 3);
        char *err = fk_vec_file(&(fk_vec_case_t){.dir = tmp}, "err", NULL);
        CHECK(err && strstr(err, "looks encrypted: give --keyfile"));
        free(err);
        struct stat st;
        CHECK(stat(out, &st) == 0 && st.st_size == 0);
        /* --json keeps the engine's verdicts for machines, flagged. */
        CHECK_EQ(sh("'%s' nvs dump --json '%s' 2>/dev/null | grep -q '\"looks_encrypted\":true'", fk, exp), 0);
    }
    free(a);
    free(b);
    return n + 2;
}

/* What each bad case must say; a case added to the set must at least fail cleanly. */
static const char *bad_reason(const char *name)
{
    static const struct {
        const char *name, *msg;
    } why[] = {
        {"bad_csv_u8_out_of_range", "is out of range for u8"},
        {"bad_key_file_empty", "keys.bin: the key file is empty"},
        {"bad_key_file_missing", "keys.bin: cannot read the key file: No such file or directory"},
        {"bad_key_file_short", "keys.bin: the key file has 32 bytes; it needs at least 64"},
        {"bad_key_halves_equal_ff", "In XTS mode duplicated keys are not allowed"},
        {"bad_key_halves_equal_zero", "In XTS mode duplicated keys are not allowed"},
        {"bad_key_not_bin_extension", "Error: `keys.txt`. Only `.bin` extension allowed."},
        {"bad_keygen_and_inputkey", "Error. --keygen and --inputkey both are not allowed."},
        {"bad_no_key_option", "Error. --keygen or --inputkey argument needed."},
        {"bad_size_not_multiple", "partition size 0x4100 is not a multiple of 4096"},
    };
    for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
        if (!strcmp(why[i].name, name)) return why[i].msg;
    return "flashkit: error:";
}

static int bad_case(const fk_vec_case_t *vc, const char *args)
{
    char dir[512], listing[600];
    snprintf(dir, sizeof dir, "%s/case", tmp);
    snprintf(listing, sizeof listing, "%s/before", tmp);
    CHECK_EQ(sh("rm -rf '%s' && cp -r '%s' '%s' && chmod -R u+w '%s' && cd '%s' && find . | sort >'%s'", dir, vc->dir,
                dir, dir, dir, listing),
             0);
    int rc = sh("cd '%s' && '%s' nvs encrypt input.csv OUT.bin %s >/dev/null 2>'%s/err'", dir, fk, args, tmp);
    CHECK(rc > 0);
    char *err = fk_vec_file(&(fk_vec_case_t){.dir = tmp}, "err", NULL);
    const char *want = bad_reason(vc->name);
    if (!err || !strstr(err, want)) fprintf(stderr, "%s: message lacks '%s': %s\n", vc->name, want, err ? err : "");
    CHECK(err && strstr(err, want));
    free(err);
    /* Nothing written: not OUT.bin, not a key, not a temporary file. */
    CHECK_EQ(sh("cd '%s' && find . | sort | cmp -s - '%s'", dir, listing), 0);
    return 1;
}

static int keygen_case(const fk_vec_case_t *vc, const char *args)
{
    char dir[512], key[1024], plain[1024];
    snprintf(dir, sizeof dir, "%s/case", tmp);
    CHECK_EQ(sh("rm -rf '%s' && cp -r '%s' '%s' && chmod -R u+w '%s'", dir, vc->dir, dir, dir), 0);
    if (fk_vec_has(vc, "input.csv")) {
        /* keygen_example: the SDK's arguments; the key where the SDK puts it; the image decrypts to the plain one. */
        CHECK_EQ(sh("cd '%s' && '%s' nvs encrypt input.csv enc.bin %s >out.txt", dir, fk, args), 0);
        const char *kf = strstr(args, "--keyfile ");
        char name[128] = "";
        if (kf) sscanf(kf + 10, "%127s", name);
        snprintf(key, sizeof key, "%s/keys/%s", dir, name);
        CHECK(key_layout_ok(key));
        CHECK_EQ(sh("cd '%s' && '%s' nvs decrypt enc.bin 'keys/%s' dec.bin >/dev/null", dir, fk, name), 0);
        snprintf(plain, sizeof plain, "%s/../example_aliyun_v1/decrypted.bin", vc->dir);
        snprintf(key, sizeof key, "%s/dec.bin", dir);
        CHECK(same_files(key, plain));
        return 3;
    }
    /* generate_key_example: its sample has the layout; ours too, and differs. */
    snprintf(key, sizeof key, "%s/sample_keys.bin", vc->dir);
    CHECK(key_layout_ok(key));
    CHECK_EQ(sh("cd '%s' && rm -f sample_keys.bin && '%s' nvs generate-key %s >out.txt", dir, fk, args), 0);
    snprintf(plain, sizeof plain, "%s/keys/sample_keys.bin", dir);
    CHECK(key_layout_ok(plain));
    CHECK(!same_files(key, plain));
    return 3;
}

static int run_case(const fk_vec_case_t *vc)
{
    char *args = fk_vec_file(vc, "args.txt", NULL);
    if (args) args[strcspn(args, "\r\n")] = 0;
    int n = 0;
    if (!strncmp(vc->name, "bad_", 4)) n = bad_case(vc, args ? args : "");
    else if (fk_vec_has(vc, "expected.bin")) n = good_case(vc, fk_vec_has(vc, "input.csv") ? args : NULL);
    else if (args) n = keygen_case(vc, args);
    free(args);
    return n;
}

int main(int argc, char **argv)
{
    fk = getenv("FLASHKIT");
    if (!fk) fk = "./flashkit";
    snprintf(tmp, sizeof tmp, "/tmp/fk_encvec.XXXXXX");
    if (!mkdtemp(tmp)) return 1;
    static const char *const sets[] = {"nvs-encrypted", NULL};
    int n = fk_vec_main(argc, argv, sets, run_case);
    CHECK(n > 0);
    if (!fk_vec_one_case(argc)) CHECK(n >= 26 + 3 + 10 + 2);
    sh("rm -rf '%s'", tmp);
    return fk_test_done("test_nvs_encrypt_vectors");
}
