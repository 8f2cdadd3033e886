/* The ESP-IDF Secure Boot v2 signature sector (spec secure-boot-v2.md): one
 * 4 KiB sector after the image, padded to a 4 KiB boundary, holding up to
 * three 1216-byte signature blocks (RSA-3072-PSS or ECDSA P-192/P-256/P-384).
 * This module is the only place that knows the block layout: decode, encode,
 * CRC, key digest, and the device's verification rule against up to three
 * trusted key digests with revocation. Signatures are checked through the
 * port (fk_sig.h), hashes through fk_hash.h. No heap; about 2 KiB of stack. */
#ifndef FK_SBV2_H
#define FK_SBV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "fk_flash.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_SBV2_SECTOR_SIZE 4096u
#define FK_SBV2_BLOCK_SIZE 1216u
#define FK_SBV2_BLOCKS 3
#define FK_SBV2_CRC_OFF 1196u /* the CRC covers bytes 0..1195 */
#define FK_SBV2_MAGIC 0xE7
#define FK_SBV2_VERSION_RSA 0x02
#define FK_SBV2_VERSION_ECDSA 0x03
#define FK_SBV2_KEY_MAX 776u /* RSA: n, e, rinv, m' */
#define FK_SBV2_SIG_MAX 384u
#define FK_SBV2_DIGEST_MAX 48u
#define FK_SBV2_KEY_DIGEST_LEN 32u

typedef enum {
    FK_SBV2_NONE = 0,
    FK_SBV2_RSA3072 = 1,
    FK_SBV2_ECDSA192 = 2,
    FK_SBV2_ECDSA256 = 3,
    FK_SBV2_ECDSA384 = 4,
} fk_sbv2_scheme_t;

#define FK_SBV2_SCHEME_BIT(s) (1u << (unsigned)(s))
#define FK_SBV2_SCHEMES_ALL                                                                        \
    (FK_SBV2_SCHEME_BIT(FK_SBV2_RSA3072) | FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA192) |                  \
     FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA256) | FK_SBV2_SCHEME_BIT(FK_SBV2_ECDSA384))

/* Where a scheme's fields sit in a block. */
typedef struct {
    uint8_t version;     /* byte 1 */
    uint8_t hash_sel;    /* byte 2: 0 = SHA-256, 1 = SHA-384 */
    uint16_t digest_off; /* image digest: 32 or 48 bytes */
    uint16_t digest_len;
    uint16_t key_off; /* the key field: what the key digest covers */
    uint16_t key_len;
    uint16_t sig_off;
    uint16_t sig_len;
} fk_sbv2_layout_t;

/* NULL for FK_SBV2_NONE or an unknown value. */
const fk_sbv2_layout_t *fk_sbv2_layout(fk_sbv2_scheme_t scheme);
/* "rsa3072", "ecdsa192", "ecdsa256", "ecdsa384" (espsecure's --scheme). */
const char *fk_sbv2_scheme_name(fk_sbv2_scheme_t scheme);
fk_sbv2_scheme_t fk_sbv2_scheme_from_name(const char *name);

/* Why a block did not accept the image (first failing check, in the order
 * the device makes them). */
typedef enum {
    FK_SBV2_OK = 0,
    FK_SBV2_ABSENT,          /* magic is not 0xE7 (an unused slot is all 0xFF) */
    FK_SBV2_BAD_VERSION,     /* not 2 (RSA) or 3 (ECDSA) */
    FK_SBV2_BAD_CRC,         /* CRC-32 of bytes 0..1195 does not match */
    FK_SBV2_BAD_SCHEME,      /* ECDSA hash selector / curve id unknown or inconsistent */
    FK_SBV2_SCHEME_DISABLED, /* the device is configured for another scheme */
    FK_SBV2_UNTRUSTED_KEY,   /* key digest is none of the trusted digests */
    FK_SBV2_REVOKED_KEY,     /* key digest is a trusted one whose slot is revoked */
    FK_SBV2_DIGEST_MISMATCH, /* digest field != digest of the signed data */
    FK_SBV2_BAD_SIGNATURE,   /* signature does not verify with the embedded key */
    FK_SBV2_NOT_EXAMINED,    /* an earlier block accepted, or only block 0 is read */
} fk_sbv2_why_t;

const char *fk_sbv2_why_str(fk_sbv2_why_t why);

/* ---- one block ---- */

/* zlib's CRC-32 of bytes 0..1195 (= the ROM's crc32_le(0, ...)). */
uint32_t fk_sbv2_block_crc(const uint8_t *blk);

/* The device's validity check of a block: magic, version, CRC, and a
 * scheme this layout knows. FK_SBV2_OK and *scheme set, or the reason. */
fk_sbv2_why_t fk_sbv2_block_decode(const uint8_t *blk, fk_sbv2_scheme_t *scheme);

/* SHA-256 of a key field (what digest_sbv2_public_key gives and eFuse holds). */
void fk_sbv2_key_field_digest(const uint8_t *key_field, size_t len, uint8_t out[32]);
/* SHA-256 of the key field of a decoded block. */
void fk_sbv2_block_key_digest(const uint8_t *blk, fk_sbv2_scheme_t scheme, uint8_t out[32]);

/* Builds a whole block: header, digest, key field (key_len bytes as the
 * layout says, already in block order), signature (LE), zeros, CRC, the 16
 * zero bytes. ESP_ERR_INVALID_ARG for an unknown scheme. */
esp_err_t fk_sbv2_block_encode(uint8_t blk[FK_SBV2_BLOCK_SIZE], fk_sbv2_scheme_t scheme, const uint8_t *key_field,
                               const uint8_t *digest, const uint8_t *sig_le);

/* espsecure's rule for --append_signatures: how many leading blocks have
 * magic 0xE7, version 2 or 3 and a good CRC (0..3; not checked further). */
unsigned fk_sbv2_sector_kept(const uint8_t sector[FK_SBV2_SECTOR_SIZE]);

/* Offset of the signature sector for an image of image_len bytes (for a v3
 * app: including its appended SHA-256): the next 4 KiB boundary. */
static inline uint32_t fk_sbv2_sector_offset(uint32_t image_len)
{
    return (image_len + FK_SBV2_SECTOR_SIZE - 1) & ~(FK_SBV2_SECTOR_SIZE - 1);
}

/* ---- the image ---- */

/* The trusted key digests (eFuse KEY_DIGEST0..2 and KEY_REVOKE0..2 on a
 * chip; flashkit's configuration on the ESP8266) and what the device reads. */
typedef struct {
    uint8_t digest[FK_SBV2_BLOCKS][FK_SBV2_KEY_DIGEST_LEN];
    uint8_t present; /* bit n: slot n holds a digest */
    uint8_t revoked; /* bit n: slot n is revoked (counts as absent) */
    uint8_t schemes; /* FK_SBV2_SCHEME_BIT mask of usable blocks; 0 = every scheme */
    uint8_t blocks;  /* blocks examined: 0 or 3 = all, 1 = block 0 only */
} fk_sbv2_trust_t;

/* Puts a digest into slot n (0..2), not revoked. */
void fk_sbv2_trust_set(fk_sbv2_trust_t *t, unsigned slot, const uint8_t digest[32]);

typedef struct {
    int block;    /* the block that accepted, -1 none */
    int key_slot; /* its trusted slot, -1 none */
    fk_sbv2_scheme_t scheme;
    fk_sbv2_why_t why[FK_SBV2_BLOCKS];
    fk_sbv2_scheme_t block_scheme[FK_SBV2_BLOCKS]; /* of valid blocks, else NONE */
    int block_slot[FK_SBV2_BLOCKS];                /* trusted slot the block's key matches, -1 */
    /* Trusted, non-revoked slots whose key's signature failed: what
     * aggressive revocation (CONFIG_SECURE_BOOT_ENABLE_AGGRESSIVE_KEY_REVOKE)
     * revokes. */
    uint8_t sig_failed_slots;
    uint32_t sector_addr; /* flash address of the signature sector */
} fk_sbv2_result_t;

/* Verifies the image at start whose signed data is data_len bytes (a
 * non-zero multiple of 4096: the signature sector follows it) the device's
 * way: some block 0..2 must be valid, of an allowed scheme, carry a
 * trusted non-revoked key, the digest of [start, start + data_len), and a
 * signature that verifies. ESP_OK (res->block accepted); ESP_ERR_IMAGE_INVALID
 * with res->why[] per block; ESP_ERR_INVALID_SIZE for a bad data_len; or the
 * flash's error. res may be NULL. */
esp_err_t fk_sbv2_verify(fk_flash_t *flash, uint32_t start, uint32_t data_len, const fk_sbv2_trust_t *trust,
                         fk_sbv2_result_t *res);

/* The same for an app image of image_len bytes: the sector at
 * fk_sbv2_sector_offset(image_len). */
esp_err_t fk_sbv2_verify_image(fk_flash_t *flash, uint32_t start, uint32_t image_len, const fk_sbv2_trust_t *trust,
                               fk_sbv2_result_t *res);

/* "Signed apps without hardware secure boot": the trusted digests are the
 * keys of the running app's valid blocks (spec §5). Fills t from the image at
 * start (signed data data_len bytes); an update is then checked with
 * t->blocks = 1. ESP_ERR_NOT_FOUND when the running app has no valid block. */
esp_err_t fk_sbv2_trust_from_image(fk_flash_t *flash, uint32_t start, uint32_t data_len, fk_sbv2_trust_t *t);

/* ---- build options ---- */

/* ESP-IDF's Kconfig options for signed apps, as flashkit uses them. */
typedef struct {
    bool secure_boot_v2;   /* CONFIG_SECURE_BOOT_V2_ENABLED: boot and OTA check against the trusted digests */
    bool signed_no_sb;     /* CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT: OTA checks against the running app's keys */
    bool on_boot;          /* CONFIG_SECURE_SIGNED_ON_BOOT (always with secure boot) */
    bool on_update;        /* CONFIG_SECURE_SIGNED_ON_UPDATE (always with secure boot) */
    bool aggressive_revoke; /* CONFIG_SECURE_BOOT_ENABLE_AGGRESSIVE_KEY_REVOKE */
    uint8_t schemes;       /* CONFIG_SECURE_SIGNED_APPS_{RSA,ECDSA_V2}_SCHEME and
                              CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_{192,256,384}_BITS; 0 = any */
} fk_sbv2_config_t;

/* Applies one sdkconfig line's name and value ("y", "n", or empty for "is
 * not set"). Returns false for a name this module does not own. */
bool fk_sbv2_config_set(fk_sbv2_config_t *c, const char *name, const char *value);

#ifdef __cplusplus
}
#endif

#endif
