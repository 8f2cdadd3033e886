/* Secure Boot v2 signature sector: the input is a signed file (image,
 * padding, sector). Every block of the last sector is decoded; a valid one
 * re-encodes to the same bytes; then the whole device rule runs with the
 * file's own keys trusted (so garbage keys and signatures reach the crypto
 * port) and its verdict must agree with the per-block reasons. */
// FUZZ_SEEDS: signed/*/signed.bin
#include "flash_emu.h"
#include "fk_le.h"
#include "fk_sbv2.h"
#include "fuzz.h"

#define MAX_FILE (256u * 1024u)

static fk_emu_t emu;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!emu.mem && fk_emu_init_mem(&emu, MAX_FILE) != 0) abort();
    /* At least one sector of signed data before the signature sector: a
     * zero-length image is refused by size (ESP_ERR_INVALID_SIZE) before any
     * block is read, which is not what this harness is about. */
    if (size < 2 * FK_SBV2_SECTOR_SIZE || size > MAX_FILE) return 0;
    /* The sector is the last 4096 bytes of the input rounded down. */
    size_t len = size / FK_SBV2_SECTOR_SIZE * FK_SBV2_SECTOR_SIZE;
    const uint8_t *sector = data + len - FK_SBV2_SECTOR_SIZE;
    unsigned kept = fk_sbv2_sector_kept(sector);
    FZ_ASSERT(kept <= FK_SBV2_BLOCKS, "kept %u", kept);
    for (int i = 0; i < FK_SBV2_BLOCKS; i++) {
        const uint8_t *b = sector + i * FK_SBV2_BLOCK_SIZE;
        fk_sbv2_scheme_t s;
        fk_sbv2_why_t why = fk_sbv2_block_decode(b, &s);
        if (why != FK_SBV2_OK) {
            FZ_ASSERT(s == FK_SBV2_NONE, "invalid block %d with a scheme", i);
            continue;
        }
        FZ_ASSERT(fk_le32(b + FK_SBV2_CRC_OFF) == fk_sbv2_block_crc(b), "valid block %d, bad CRC", i);
        const fk_sbv2_layout_t *l = fk_sbv2_layout(s);
        FZ_ASSERT(l && l->sig_off + l->sig_len <= FK_SBV2_CRC_OFF, "layout of scheme %d", s);
        uint8_t blk[FK_SBV2_BLOCK_SIZE];
        FZ_ASSERT(fk_sbv2_block_encode(blk, s, b + l->key_off, b + l->digest_off, b + l->sig_off) == ESP_OK, "encode");
        /* Encoding writes only the fields: the same bytes wherever the input
         * had zeros outside them. */
        fk_sbv2_scheme_t s2;
        FZ_ASSERT(fk_sbv2_block_decode(blk, &s2) == FK_SBV2_OK && s2 == s, "re-encoded block %d invalid", i);
        uint8_t d1[32], d2[32];
        fk_sbv2_block_key_digest(b, s, d1);
        fk_sbv2_block_key_digest(blk, s, d2);
        FZ_ASSERT(!memcmp(d1, d2, 32), "key digest changed by re-encoding block %d", i);
    }

    memset(emu.mem, 0xFF, MAX_FILE);
    memcpy(emu.mem, data, len);
    fk_sbv2_trust_t t;
    if (fk_sbv2_trust_from_image(&emu.flash, 0, (uint32_t)len - FK_SBV2_SECTOR_SIZE, &t) != ESP_OK) {
        memset(&t, 0, sizeof t);
        t.present = 1;
    }
    t.revoked = (uint8_t)(data[0] & 7 & t.present);
    t.blocks = data[size - 1] & 1 ? 1 : 0;
    fk_sbv2_result_t r;
    esp_err_t e = fk_sbv2_verify(&emu.flash, 0, (uint32_t)len - FK_SBV2_SECTOR_SIZE, &t, &r);
    FZ_ASSERT(e == ESP_OK || e == ESP_ERR_IMAGE_INVALID, "verify returned 0x%x", e);
    if (e == ESP_OK) {
        FZ_ASSERT(r.block >= 0 && r.block < FK_SBV2_BLOCKS && r.why[r.block] == FK_SBV2_OK, "accepting block");
        FZ_ASSERT(r.key_slot >= 0 && !(t.revoked & (1u << r.key_slot)), "accepted by a revoked slot %d", r.key_slot);
        FZ_ASSERT(t.blocks != 1 || r.block == 0, "block %d read in block-0-only mode", r.block);
    } else {
        for (int i = 0; i < FK_SBV2_BLOCKS; i++) FZ_ASSERT(r.why[i] != FK_SBV2_OK, "block %d OK but refused", i);
    }
    return 0;
}
