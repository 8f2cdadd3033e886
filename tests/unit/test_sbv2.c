/* core/fk_sbv2 on every espsecure-made vector in shared/vectors/signed, the
 * image placed in an emulated flash at an offset as on a device:
 * - the verdict of fk_sbv2_verify for every key of expected_verify.txt
 *   (the "flashkit" column), with a reason for every refusal;
 * - each block decoded as expected_blocks.txt says (validity, scheme, key
 *   digest) and the reason a block gives with its own key trusted derived from
 *   its digest_ok / sig_ok columns;
 * - re-encoding a valid block gives espsecure's bytes;
 * - revocation, the scheme choice, "block 0 only", trust from a running app.
 * One ctest per case (fk_vectors.h). */
/* vectors: signed (cases with signed.bin) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk_crc32.h"
#include "fk_sbv2.h"
#include "fk_test.h"
#include "fk_vectors.h"
#include "flash_emu.h"

#define BASE 0x10000u

static const fk_vec_case_t *vcase;

static int load(const char *c, const char *file, uint8_t **d, size_t *n)
{
    (void)c;
    *d = (uint8_t *)fk_vec_file(vcase, file, n);
    return *d ? 0 : -1;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool parse_hex32(const char *s, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) {
        int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
        if (h < 0 || l < 0) return false;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return true;
}

/* The digest of a key path from expected_verify.txt: NAME.digest.bin
 * beside NAME.pub.pem / NAME.pem, as digest_sbv2_public_key wrote it. */
static bool key_digest(const char *c, const char *key, uint8_t out[32])
{
    (void)c;
    char p[1024];
    size_t kl = strlen(key);
    const char *pub = strstr(key, ".pub.pem");
    int stem = pub ? (int)(pub - key) : kl > 4 ? (int)kl - 4 : (int)kl;
    snprintf(p, sizeof p, "%s/%.*s.digest.bin", vcase->dir, stem, key);
    uint8_t *d;
    size_t n;
    if (fk_vec_read_file(p, &d, &n)) {
        fprintf(stderr, "%s: no digest file for %s\n", p, key);
        return false;
    }
    bool ok = n == 32;
    if (ok) memcpy(out, d, 32);
    free(d);
    return ok;
}

typedef struct {
    fk_emu_t emu;
    uint32_t len;
    bool ok;
} dev_t_;

static void dev_open(dev_t_ *d, const uint8_t *data, size_t len)
{
    uint32_t size = (uint32_t)((BASE + len + 0xFFFFF) & ~0xFFFFFu);
    d->ok = fk_emu_init_mem(&d->emu, size) == 0 && fk_emu_load(&d->emu, BASE, data, (uint32_t)len) == 0;
    d->len = (uint32_t)len;
}

static esp_err_t dev_verify(dev_t_ *d, const fk_sbv2_trust_t *t, fk_sbv2_result_t *r)
{
    if (d->len < FK_SBV2_SECTOR_SIZE || d->len % FK_SBV2_SECTOR_SIZE) {
        /* As the file has no sector at its end, the core is asked for one
         * where the device would look: after the padded image. */
        esp_err_t e = fk_sbv2_verify(&d->emu.flash, BASE, d->len, t, r);
        return e == ESP_OK ? ESP_FAIL : ESP_ERR_INVALID_SIZE;
    }
    return fk_sbv2_verify(&d->emu.flash, BASE, d->len - FK_SBV2_SECTOR_SIZE, t, r);
}

static bool any_reason(const fk_sbv2_result_t *r)
{
    for (int i = 0; i < FK_SBV2_BLOCKS; i++)
        if (r->why[i] != FK_SBV2_OK && r->why[i] != FK_SBV2_NOT_EXAMINED) return true;
    return false;
}

static int n_accept, n_reject, n_blocks, n_encode;

static void verdicts(const char *c, dev_t_ *d)
{
    uint8_t *txt;
    size_t n;
    if (load(c, "expected_verify.txt", &txt, &n)) return;
    for (char *save, *line = strtok_r((char *)txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        char key[256], want[16];
        int esp;
        if (sscanf(line, "%255[^\t]\t%d\t%15[^\t]", key, &esp, want) != 3) continue;
        uint8_t kd[32];
        CHECK(key_digest(c, key, kd));
        fk_sbv2_trust_t t = {0};
        fk_sbv2_trust_set(&t, 0, kd);
        fk_sbv2_result_t r;
        esp_err_t e = dev_verify(d, &t, &r);
        if (!strcmp(want, "accept")) {
            n_accept++;
            if (e != ESP_OK) fprintf(stderr, "%s: %s should verify (0x%x)\n", c, key, e);
            CHECK_EQ(e, ESP_OK);
            CHECK(r.block >= 0 && r.key_slot == 0);
            /* The same key revoked: refused, and said so. */
            t.revoked = 1;
            CHECK_EQ(dev_verify(d, &t, &r), ESP_ERR_IMAGE_INVALID);
            CHECK(r.why[0] == FK_SBV2_REVOKED_KEY || r.why[1] == FK_SBV2_REVOKED_KEY ||
                  r.why[2] == FK_SBV2_REVOKED_KEY);
            /* In slot 2 beside two revoked strangers: accepted from slot 2. */
            fk_sbv2_trust_t t3 = {0};
            uint8_t other[32];
            memset(other, 0x5A, sizeof other);
            fk_sbv2_trust_set(&t3, 0, other);
            other[0] ^= 1;
            fk_sbv2_trust_set(&t3, 1, other);
            fk_sbv2_trust_set(&t3, 2, kd);
            t3.revoked = 3;
            CHECK_EQ(dev_verify(d, &t3, &r), ESP_OK);
            CHECK_EQ(r.key_slot, 2);
        } else {
            n_reject++;
            if (e == ESP_OK) fprintf(stderr, "%s: %s should be refused\n", c, key);
            CHECK(e == ESP_ERR_IMAGE_INVALID || e == ESP_ERR_INVALID_SIZE);
            CHECK(e == ESP_ERR_INVALID_SIZE || any_reason(&r));
        }
    }
    free(txt);
}

static const char *field(const char *line, const char *name)
{
    const char *p = strstr(line, name);
    return p ? p + strlen(name) : NULL;
}

static void blocks(const char *c, const uint8_t *data, size_t len, dev_t_ *d)
{
    uint8_t *txt;
    size_t n;
    if (load(c, "expected_blocks.txt", &txt, &n)) return;
    const uint8_t *sector = data + len - FK_SBV2_SECTOR_SIZE;
    for (char *save, *line = strtok_r((char *)txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        int i = atoi(field(line, "block="));
        const uint8_t *b = sector + i * FK_SBV2_BLOCK_SIZE;
        fk_sbv2_scheme_t s;
        fk_sbv2_why_t why = fk_sbv2_block_decode(b, &s);
        n_blocks++;
        if (atoi(field(line, "valid=")) == 0) {
            CHECK(why != FK_SBV2_OK);
            const char *m = field(line, "magic=");
            if (m && strncmp(m, "0xe7", 4)) CHECK_EQ(why, FK_SBV2_ABSENT);
            const char *crc = field(line, "crc_ok=");
            if (m && !strncmp(m, "0xe7", 4) && crc && *crc == '0')
                CHECK(why == FK_SBV2_BAD_CRC || why == FK_SBV2_BAD_VERSION);
            continue;
        }
        CHECK_EQ(why, FK_SBV2_OK);
        const char *sch = field(line, "scheme=");
        CHECK(sch && !strncmp(sch, fk_sbv2_scheme_name(s), strlen(fk_sbv2_scheme_name(s))));
        uint8_t want[32], got[32];
        CHECK(parse_hex32(field(line, "key_digest="), want));
        fk_sbv2_block_key_digest(b, s, got);
        CHECK(!memcmp(want, got, 32));

        /* Its own key trusted, the block answers for itself. */
        fk_sbv2_trust_t t = {0};
        fk_sbv2_trust_set(&t, 0, want);
        fk_sbv2_result_t r;
        dev_verify(d, &t, &r);
        bool digest_ok = *field(line, "digest_ok=") == '1';
        bool sig_ok = *field(line, "sig_ok_with_embedded_key=") == '1';
        if (!digest_ok)
            CHECK_EQ(r.why[i], FK_SBV2_DIGEST_MISMATCH);
        else if (!sig_ok)
            CHECK_EQ(r.why[i], FK_SBV2_BAD_SIGNATURE);
        else
            CHECK(r.why[i] == FK_SBV2_OK || (r.why[i] == FK_SBV2_NOT_EXAMINED && r.block < i));
        if (!sig_ok && digest_ok) CHECK(r.sig_failed_slots & 1);

        /* Encoding the block's fields again gives espsecure's bytes (the 16
         * bytes after the CRC are zero in a block made by a signer). */
        if (digest_ok && sig_ok && !memcmp(b + 1200, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16)) {
            const fk_sbv2_layout_t *l = fk_sbv2_layout(s);
            uint8_t blk[FK_SBV2_BLOCK_SIZE];
            CHECK_EQ(fk_sbv2_block_encode(blk, s, b + l->key_off, b + l->digest_off, b + l->sig_off), ESP_OK);
            CHECK(!memcmp(blk, b, FK_SBV2_BLOCK_SIZE));
            n_encode++;
        }
    }
    free(txt);
}

static void device_modes(const char *c, const uint8_t *data, size_t len, dev_t_ *d)
{
    if (len < FK_SBV2_SECTOR_SIZE || len % FK_SBV2_SECTOR_SIZE) return;
    fk_sbv2_trust_t run;
    esp_err_t e = fk_sbv2_trust_from_image(&d->emu.flash, BASE, d->len - FK_SBV2_SECTOR_SIZE, &run);
    if (fk_sbv2_sector_kept(data + len - FK_SBV2_SECTOR_SIZE) == 0) {
        CHECK(e != ESP_OK || run.present);
        return;
    }
    CHECK_EQ(e, ESP_OK);
    /* Every key of a good image trusted: block 0 accepts unless it is bad. */
    fk_sbv2_result_t r;
    if (dev_verify(d, &run, &r) != ESP_OK) return;
    int first = r.block;
    /* Only the accepting block's scheme enabled: still accepted there. */
    fk_sbv2_trust_t t = run;
    t.schemes = (uint8_t)FK_SBV2_SCHEME_BIT(r.scheme);
    CHECK_EQ(dev_verify(d, &t, &r), ESP_OK);
    /* Every other scheme only: that block is skipped as disabled. */
    t.schemes = (uint8_t)(FK_SBV2_SCHEMES_ALL & ~FK_SBV2_SCHEME_BIT(r.scheme));
    dev_verify(d, &t, &r);
    CHECK_EQ(r.why[first], FK_SBV2_SCHEME_DISABLED);
    /* No secure boot, signed on update: block 0 only. */
    t = run;
    t.blocks = 1;
    e = dev_verify(d, &t, &r);
    CHECK_EQ(r.why[1], FK_SBV2_NOT_EXAMINED);
    CHECK_EQ(r.why[2], FK_SBV2_NOT_EXAMINED);
    CHECK(e != ESP_OK || r.block == 0);
    (void)c;
}

static int run_case(const fk_vec_case_t *vc)
{
    vcase = vc;
    const char *c = vc->name;
    uint8_t *data;
    size_t len;
    if (load(c, "signed.bin", &data, &len)) return 0;
    int before = fk_t_pass + fk_t_fail;
    dev_t_ d;
    dev_open(&d, data, len);
    CHECK(d.ok);
    verdicts(c, &d);
    if (len >= FK_SBV2_SECTOR_SIZE && len % FK_SBV2_SECTOR_SIZE == 0) {
        blocks(c, data, len, &d);
        device_modes(c, data, len, &d);
        /* The image API: the sector right after the padded image. */
        fk_sbv2_trust_t run;
        if (fk_sbv2_trust_from_image(&d.emu.flash, BASE, d.len - FK_SBV2_SECTOR_SIZE, &run) == ESP_OK) {
            fk_sbv2_result_t a, b;
            esp_err_t ea = fk_sbv2_verify(&d.emu.flash, BASE, d.len - FK_SBV2_SECTOR_SIZE, &run, &a);
            esp_err_t eb = fk_sbv2_verify_image(&d.emu.flash, BASE, d.len - FK_SBV2_SECTOR_SIZE - 100, &run, &b);
            CHECK_EQ(ea, eb);
            CHECK_EQ(a.block, b.block);
        }
    }
    fk_emu_close(&d.emu);
    free(data);
    return fk_t_pass + fk_t_fail - before;
}

static const char *const sets[] = {"signed", NULL};

int main(int argc, char **argv)
{
    /* zlib's check value: the block CRC is zlib's crc32. */
    CHECK_EQ(fk_crc32_le(0, "123456789", 9), 0xCBF43926u);
    int n = fk_vec_main(argc, argv, sets, run_case);
    CHECK(n > 0);
    printf("cases %d: %d accepts verified (each also revoked and in slot 2), %d refusals with a reason, "
           "%d blocks decoded, %d re-encoded byte for byte\n",
           n, n_accept, n_reject, n_blocks, n_encode);
    if (!fk_vec_one_case(argc)) {
        CHECK(n >= 39); /* every case with a signed.bin */
        CHECK(n_accept >= 35);
    }

    /* Kconfig names. */
    fk_sbv2_config_t cfg = {0};
    CHECK(fk_sbv2_config_set(&cfg, "CONFIG_SECURE_BOOT_V2_ENABLED", "y"));
    CHECK(cfg.secure_boot_v2 && cfg.on_boot && cfg.on_update);
    CHECK(fk_sbv2_config_set(&cfg, "CONFIG_SECURE_SIGNED_APPS_ECDSA_V2_SCHEME", "y"));
    CHECK_EQ(cfg.schemes, FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA192) | FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA256) |
                              FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA384));
    CHECK(fk_sbv2_config_set(&cfg, "CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_256_BITS", "y"));
    CHECK_EQ(cfg.schemes, FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA256));
    CHECK(fk_sbv2_config_set(&cfg, "CONFIG_SECURE_SIGNED_APPS_RSA_SCHEME", "y"));
    CHECK_EQ(cfg.schemes, FK_SBV2_SCHEME_BIT(FK_SBV2_RSA3072));
    CHECK(fk_sbv2_config_set(&cfg, "CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT", "y") && cfg.signed_no_sb);
    CHECK(!fk_sbv2_config_set(&cfg, "CONFIG_PARTITION_TABLE_TWO_OTA", "y"));

    /* Bad sizes never touch flash. */
    fk_sbv2_trust_t t = {0};
    CHECK_EQ(fk_sbv2_verify(NULL, 0, 0, &t, NULL), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(fk_sbv2_verify(NULL, 0, 100, &t, NULL), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(fk_sbv2_verify(NULL, 0xFFFFF000u, 4096, &t, NULL), ESP_ERR_INVALID_SIZE);
    CHECK_EQ(fk_sbv2_sector_offset(65920 + 32), 69632u);
    CHECK_EQ(fk_sbv2_sector_offset(4096), 4096u);
    return fk_test_done("test_sbv2");
}
