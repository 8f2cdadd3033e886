#include "fk_sbv2.h"

#include <string.h>

#include "fk_crc32.h"
#include "fk_hash.h"
#include "fk_le.h"
#include "fk_sig.h"

/* Indexed by fk_sbv2_scheme_t. P-192 keeps the P-256 field widths (24-byte
 * values followed by 16 zero bytes), so its key and signature fields are as
 * wide as P-256's. */
static const fk_sbv2_layout_t layouts[] = {
    [FK_SBV2_RSA3072] = {FK_SBV2_VERSION_RSA, 0, 4, 32, 36, 776, 812, 384},
    [FK_SBV2_ECDSA192] = {FK_SBV2_VERSION_ECDSA, 0, 4, 32, 36, 65, 101, 64},
    [FK_SBV2_ECDSA256] = {FK_SBV2_VERSION_ECDSA, 0, 4, 32, 36, 65, 101, 64},
    [FK_SBV2_ECDSA384] = {FK_SBV2_VERSION_ECDSA, 1, 4, 48, 52, 97, 149, 96},
};

static const char *const scheme_names[] = {
    [FK_SBV2_NONE] = "none",
    [FK_SBV2_RSA3072] = "rsa3072",
    [FK_SBV2_ECDSA192] = "ecdsa192",
    [FK_SBV2_ECDSA256] = "ecdsa256",
    [FK_SBV2_ECDSA384] = "ecdsa384",
};

const fk_sbv2_layout_t *fk_sbv2_layout(fk_sbv2_scheme_t scheme)
{
    if (scheme < FK_SBV2_RSA3072 || scheme > FK_SBV2_ECDSA384) return NULL;
    return &layouts[scheme];
}

const char *fk_sbv2_scheme_name(fk_sbv2_scheme_t scheme)
{
    if ((unsigned)scheme > (unsigned)FK_SBV2_ECDSA384) return "unknown"; /* also a negative value */
    return scheme_names[scheme];
}

fk_sbv2_scheme_t fk_sbv2_scheme_from_name(const char *name)
{
    for (int s = FK_SBV2_RSA3072; s <= FK_SBV2_ECDSA384; s++)
        if (!strcmp(name, scheme_names[s])) return (fk_sbv2_scheme_t)s;
    return FK_SBV2_NONE;
}

const char *fk_sbv2_why_str(fk_sbv2_why_t why)
{
    switch (why) {
    case FK_SBV2_OK: return "signature verified";
    case FK_SBV2_ABSENT: return "absent (magic byte is not 0xE7)";
    case FK_SBV2_BAD_VERSION: return "bad version byte (not 2 = RSA or 3 = ECDSA)";
    case FK_SBV2_BAD_CRC: return "CRC-32 of the block does not match";
    case FK_SBV2_BAD_SCHEME: return "unknown ECDSA curve or hash selector";
    case FK_SBV2_SCHEME_DISABLED: return "scheme not enabled on this device";
    case FK_SBV2_UNTRUSTED_KEY: return "public key is not a trusted key";
    case FK_SBV2_REVOKED_KEY: return "public key is revoked";
    case FK_SBV2_DIGEST_MISMATCH: return "image digest does not match the signed data";
    case FK_SBV2_BAD_SIGNATURE: return "signature does not verify";
    case FK_SBV2_NOT_EXAMINED: return "not examined";
    }
    return "unknown";
}

uint32_t fk_sbv2_block_crc(const uint8_t *blk)
{
    return fk_crc32_le(0, blk, FK_SBV2_CRC_OFF);
}

/* The CRC is checked before the scheme fields are trusted, as the device
 * does: a block whose version or curve byte flipped is "invalid", not
 * "some other scheme". */
fk_sbv2_why_t fk_sbv2_block_decode(const uint8_t *blk, fk_sbv2_scheme_t *scheme)
{
    *scheme = FK_SBV2_NONE;
    if (blk[0] != FK_SBV2_MAGIC) return FK_SBV2_ABSENT;
    if (blk[1] != FK_SBV2_VERSION_RSA && blk[1] != FK_SBV2_VERSION_ECDSA) return FK_SBV2_BAD_VERSION;
    if (fk_le32(blk + FK_SBV2_CRC_OFF) != fk_sbv2_block_crc(blk)) return FK_SBV2_BAD_CRC;
    fk_sbv2_scheme_t s = FK_SBV2_NONE;
    if (blk[1] == FK_SBV2_VERSION_RSA)
        s = FK_SBV2_RSA3072;
    else if (blk[2] == 0 && blk[36] == FK_SIG_P192)
        s = FK_SBV2_ECDSA192;
    else if (blk[2] == 0 && blk[36] == FK_SIG_P256)
        s = FK_SBV2_ECDSA256;
    else if (blk[2] == 1 && blk[52] == FK_SIG_P384)
        s = FK_SBV2_ECDSA384;
    if (s == FK_SBV2_NONE) return FK_SBV2_BAD_SCHEME;
    *scheme = s;
    return FK_SBV2_OK;
}

void fk_sbv2_key_field_digest(const uint8_t *key_field, size_t len, uint8_t out[32])
{
    fk_sha256_t h;
    fk_sha256_start(&h);
    fk_sha256_update(&h, key_field, len);
    fk_sha256_finish(&h, out);
}

void fk_sbv2_block_key_digest(const uint8_t *blk, fk_sbv2_scheme_t scheme, uint8_t out[32])
{
    const fk_sbv2_layout_t *l = fk_sbv2_layout(scheme);
    if (!l) {
        memset(out, 0, 32);
        return;
    }
    fk_sbv2_key_field_digest(blk + l->key_off, l->key_len, out);
}

esp_err_t fk_sbv2_block_encode(uint8_t blk[FK_SBV2_BLOCK_SIZE], fk_sbv2_scheme_t scheme, const uint8_t *key_field,
                               const uint8_t *digest, const uint8_t *sig_le)
{
    const fk_sbv2_layout_t *l = fk_sbv2_layout(scheme);
    if (!l) return ESP_ERR_INVALID_ARG;
    memset(blk, 0, FK_SBV2_BLOCK_SIZE);
    blk[0] = FK_SBV2_MAGIC;
    blk[1] = l->version;
    blk[2] = l->hash_sel;
    memcpy(blk + l->digest_off, digest, l->digest_len);
    memcpy(blk + l->key_off, key_field, l->key_len);
    memcpy(blk + l->sig_off, sig_le, l->sig_len);
    fk_put_le32(blk + FK_SBV2_CRC_OFF, fk_sbv2_block_crc(blk));
    return ESP_OK;
}

unsigned fk_sbv2_sector_kept(const uint8_t sector[FK_SBV2_SECTOR_SIZE])
{
    unsigned n = 0;
    for (; n < FK_SBV2_BLOCKS; n++) {
        const uint8_t *b = sector + n * FK_SBV2_BLOCK_SIZE;
        if (b[0] != FK_SBV2_MAGIC || (b[1] != FK_SBV2_VERSION_RSA && b[1] != FK_SBV2_VERSION_ECDSA) ||
            fk_le32(b + FK_SBV2_CRC_OFF) != fk_sbv2_block_crc(b))
            break;
    }
    return n;
}

void fk_sbv2_trust_set(fk_sbv2_trust_t *t, unsigned slot, const uint8_t digest[32])
{
    if (slot >= FK_SBV2_BLOCKS) return;
    memcpy(t->digest[slot], digest, FK_SBV2_KEY_DIGEST_LEN);
    t->present |= (uint8_t)(1u << slot);
    t->revoked &= (uint8_t)~(1u << slot);
}

/* Slot of a trusted digest equal to d, preferring a non-revoked one (the
 * same digest may sit in two slots, one revoked); -1 if none. */
static int trusted_slot(const fk_sbv2_trust_t *t, const uint8_t d[32], bool *revoked)
{
    int found = -1;
    *revoked = false;
    for (int i = 0; i < FK_SBV2_BLOCKS; i++) {
        if (!(t->present & (1u << i)) || memcmp(t->digest[i], d, 32)) continue;
        if (!(t->revoked & (1u << i))) {
            *revoked = false;
            return i;
        }
        found = i;
        *revoked = true;
    }
    return found;
}

/* The block being examined. Static, not on the stack: 1,216 bytes would
 * take more than the ESP8266's budget of 1 KiB for the core's frames, and
 * verification runs once per boot or update, never re-entered. A firmware
 * that does not verify signatures does not link it (section GC). */
static uint8_t block_buf[FK_SBV2_BLOCK_SIZE];

static int read_block(fk_flash_t *flash, uint32_t sector, int i, esp_err_t *err)
{
    *err = fk_flash_read(flash, sector + (uint32_t)i * FK_SBV2_BLOCK_SIZE, block_buf, FK_SBV2_BLOCK_SIZE);
    return *err == ESP_OK ? 0 : -1;
}

/* The passes of fk_sbv2_verify are kept out of line so that the hash
 * contexts and the key-digest context are never on the stack together (the
 * ESP8266's stacks are small). */
#define FK_SBV2_OUT_OF_LINE __attribute__((noinline))

/* One pass over the signed data for whichever digests the candidate blocks
 * need (SHA-384 only when a trusted P-384 block is present). */
static FK_SBV2_OUT_OF_LINE esp_err_t hash_data(fk_flash_t *flash, uint32_t start, uint32_t len, bool want256, bool want384,
                           uint8_t d256[32], uint8_t d384[48])
{
    fk_sha256_t h256;
    fk_sha384_t h384;
    /* Between the two block passes the block buffer is free: the data is
     * read through it. */
    uint8_t *buf = block_buf;
    if (want256) fk_sha256_start(&h256);
    if (want384) fk_sha384_start(&h384);
    esp_err_t err = ESP_OK;
    for (uint32_t off = 0; off < len; off += FK_SBV2_BLOCK_SIZE) {
        uint32_t n = len - off < FK_SBV2_BLOCK_SIZE ? len - off : FK_SBV2_BLOCK_SIZE;
        err = fk_flash_read(flash, start + off, buf, n);
        if (err != ESP_OK) break;
        if (want256) fk_sha256_update(&h256, buf, n);
        if (want384) fk_sha384_update(&h384, buf, n);
    }
    /* Finished even on error so a port's context is always released. */
    if (want256) fk_sha256_finish(&h256, d256);
    if (want384) fk_sha384_finish(&h384, d384);
    return err;
}

static int check_signature(fk_sbv2_scheme_t s)
{
    const fk_sbv2_layout_t *l = fk_sbv2_layout(s);
    const uint8_t *digest = block_buf + l->digest_off;
    if (s == FK_SBV2_RSA3072)
        return fk_sig_rsa3072_pss_verify(block_buf + 36, fk_le32(block_buf + 420), digest, block_buf + l->sig_off);
    fk_sig_curve_t curve = (fk_sig_curve_t)block_buf[l->key_off];
    /* P-192: X then Y back to back, the 16 spare bytes after them. */
    size_t w = fk_sig_curve_bytes(curve);
    const uint8_t *key = block_buf + l->key_off + 1;
    const uint8_t *sig = block_buf + l->sig_off;
    return fk_sig_ecdsa_verify(curve, key, key + w, digest, l->digest_len, sig, sig + w);
}

static void result_init(fk_sbv2_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->block = -1;
    r->key_slot = -1;
    for (int i = 0; i < FK_SBV2_BLOCKS; i++) {
        r->why[i] = FK_SBV2_NOT_EXAMINED;
        r->block_slot[i] = -1;
    }
}

/* First pass: the checks that need no image digest, so the data is hashed
 * only when some block could accept it. */
static FK_SBV2_OUT_OF_LINE esp_err_t screen_blocks(fk_flash_t *flash, const fk_sbv2_trust_t *trust, unsigned nblocks,
                                                   fk_sbv2_result_t *r, bool *want256, bool *want384)
{
    unsigned schemes = trust->schemes ? trust->schemes : FK_SBV2_SCHEMES_ALL;
    esp_err_t err;
    for (unsigned i = 0; i < nblocks; i++) {
        if (read_block(flash, r->sector_addr, (int)i, &err)) return err;
        fk_sbv2_scheme_t s;
        fk_sbv2_why_t why = fk_sbv2_block_decode(block_buf, &s);
        r->block_scheme[i] = s;
        if (why == FK_SBV2_OK && !(schemes & FK_SBV2_SCHEME_BIT(s))) why = FK_SBV2_SCHEME_DISABLED;
        if (why == FK_SBV2_OK) {
            uint8_t kd[32];
            bool revoked;
            fk_sbv2_block_key_digest(block_buf, s, kd);
            int slot = trusted_slot(trust, kd, &revoked);
            r->block_slot[i] = slot;
            if (slot < 0)
                why = FK_SBV2_UNTRUSTED_KEY;
            else if (revoked)
                why = FK_SBV2_REVOKED_KEY;
        }
        r->why[i] = why;
        if (why == FK_SBV2_OK) {
            if (s == FK_SBV2_ECDSA384)
                *want384 = true;
            else
                *want256 = true;
        }
    }
    return ESP_OK;
}

/* Second pass: digest field and signature of the candidates, in order; the
 * first that verifies wins. */
static FK_SBV2_OUT_OF_LINE esp_err_t check_blocks(fk_flash_t *flash, unsigned nblocks, const uint8_t d256[32],
                                                  const uint8_t d384[48], fk_sbv2_result_t *r)
{
    esp_err_t err;
    for (unsigned i = 0; i < nblocks; i++) {
        if (r->why[i] != FK_SBV2_OK) continue;
        if (r->block >= 0) {
            r->why[i] = FK_SBV2_NOT_EXAMINED;
            continue;
        }
        if (read_block(flash, r->sector_addr, (int)i, &err)) return err;
        fk_sbv2_scheme_t s = r->block_scheme[i];
        const fk_sbv2_layout_t *l = fk_sbv2_layout(s);
        const uint8_t *want = s == FK_SBV2_ECDSA384 ? d384 : d256;
        if (memcmp(block_buf + l->digest_off, want, l->digest_len)) {
            r->why[i] = FK_SBV2_DIGEST_MISMATCH;
        } else if (check_signature(s)) {
            r->why[i] = FK_SBV2_BAD_SIGNATURE;
            r->sig_failed_slots |= (uint8_t)(1u << r->block_slot[i]);
        } else {
            r->block = (int)i;
            r->key_slot = r->block_slot[i];
            r->scheme = s;
        }
    }
    return ESP_OK;
}

esp_err_t fk_sbv2_verify(fk_flash_t *flash, uint32_t start, uint32_t data_len, const fk_sbv2_trust_t *trust,
                         fk_sbv2_result_t *res)
{
    fk_sbv2_result_t local;
    fk_sbv2_result_t *r = res ? res : &local;
    result_init(r);
    if (data_len == 0 || data_len % FK_SBV2_SECTOR_SIZE || start > UINT32_MAX - data_len - FK_SBV2_SECTOR_SIZE)
        return ESP_ERR_INVALID_SIZE;
    r->sector_addr = start + data_len;
    unsigned nblocks = trust->blocks == 1 ? 1 : FK_SBV2_BLOCKS;
    bool want256 = false, want384 = false;
    esp_err_t err = screen_blocks(flash, trust, nblocks, r, &want256, &want384);
    if (err != ESP_OK) return err;
    if (!want256 && !want384) return ESP_ERR_IMAGE_INVALID;
    uint8_t d256[32], d384[48];
    err = hash_data(flash, start, data_len, want256, want384, d256, d384);
    if (err == ESP_OK) err = check_blocks(flash, nblocks, d256, d384, r);
    if (err != ESP_OK) return err;
    return r->block >= 0 ? ESP_OK : ESP_ERR_IMAGE_INVALID;
}

esp_err_t fk_sbv2_verify_image(fk_flash_t *flash, uint32_t start, uint32_t image_len, const fk_sbv2_trust_t *trust,
                               fk_sbv2_result_t *res)
{
    if (image_len == 0 || image_len > UINT32_MAX - 2 * FK_SBV2_SECTOR_SIZE) {
        if (res) result_init(res);
        return ESP_ERR_INVALID_SIZE;
    }
    return fk_sbv2_verify(flash, start, fk_sbv2_sector_offset(image_len), trust, res);
}

esp_err_t fk_sbv2_trust_from_image(fk_flash_t *flash, uint32_t start, uint32_t data_len, fk_sbv2_trust_t *t)
{
    memset(t, 0, sizeof *t);
    if (data_len == 0 || data_len % FK_SBV2_SECTOR_SIZE || start > UINT32_MAX - data_len - FK_SBV2_SECTOR_SIZE)
        return ESP_ERR_INVALID_SIZE;
    esp_err_t err;
    unsigned n = 0;
    for (int i = 0; i < FK_SBV2_BLOCKS; i++) {
        if (read_block(flash, start + data_len, i, &err)) return err;
        fk_sbv2_scheme_t s;
        if (fk_sbv2_block_decode(block_buf, &s) != FK_SBV2_OK) continue;
        uint8_t kd[32];
        fk_sbv2_block_key_digest(block_buf, s, kd);
        fk_sbv2_trust_set(t, n++, kd);
    }
    return n ? ESP_OK : ESP_ERR_NOT_FOUND;
}

static bool is_yes(const char *v)
{
    return v && !strcmp(v, "y");
}

bool fk_sbv2_config_set(fk_sbv2_config_t *c, const char *name, const char *value)
{
    static const uint8_t ecdsa = FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA192) | FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA256) |
                                 FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA384);
    static const struct {
        const char *name;
        uint8_t bits;
    } curves[] = {
        {"CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_192_BITS", FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA192)},
        {"CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_256_BITS", FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA256)},
        {"CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_384_BITS", FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA384)},
    };
    bool y = is_yes(value);
    if (!strcmp(name, "CONFIG_SECURE_BOOT_V2_ENABLED")) {
        c->secure_boot_v2 = y;
        if (y) c->on_boot = c->on_update = true;
    } else if (!strcmp(name, "CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT")) {
        c->signed_no_sb = y;
    } else if (!strcmp(name, "CONFIG_SECURE_SIGNED_ON_BOOT")) {
        c->on_boot = y || c->secure_boot_v2;
    } else if (!strcmp(name, "CONFIG_SECURE_SIGNED_ON_UPDATE")) {
        c->on_update = y || c->secure_boot_v2;
    } else if (!strcmp(name, "CONFIG_SECURE_BOOT_ENABLE_AGGRESSIVE_KEY_REVOKE")) {
        c->aggressive_revoke = y;
    } else if (!strcmp(name, "CONFIG_SECURE_SIGNED_APPS_RSA_SCHEME")) {
        if (y) c->schemes = FK_SBV2_SCHEME_BIT(FK_SBV2_RSA3072);
    } else if (!strcmp(name, "CONFIG_SECURE_SIGNED_APPS_ECDSA_V2_SCHEME")) {
        if (y && !(c->schemes & ecdsa)) c->schemes = ecdsa;
    } else {
        for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
            if (!strcmp(name, curves[i].name)) {
                if (y) c->schemes = curves[i].bits;
                return true;
            }
        return false;
    }
    return true;
}
