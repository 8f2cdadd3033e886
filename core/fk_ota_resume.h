/* Resumable OTA (flashkit extension beside esp_ota_begin): a session that
 * survives a dropped link, a reset or a power cut, and goes on from the last
 * sector known to be written instead of byte 0.
 *
 * What was written is kept in NVS (namespace "fk_ota_resume" of the "nvs"
 * partition, so nvs_flash_init() must have run), through the engine, which
 * is power-safe by itself: a blob "rs_hdr" (slot, image size, where the slot
 * starts in the source, the source's id and validator, a session tag) written
 * once when a session begins, and a u64 "rs_pos" (tag, sectors written, CRC-32
 * of those bytes) rewritten after every complete sector. A resumed session
 * re-reads the slot up to that point and trusts it only if the CRC matches.
 * docs/ota.md ("Resuming") says why every power cut is safe.
 *
 * A firmware that does not resume calls none of this, so --gc-sections
 * leaves it out; the plain esp_ota_* flow is unchanged. */
#ifndef FK_OTA_RESUME_H
#define FK_OTA_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Validator (HTTP ETag or Last-Modified) bytes kept, NUL included. */
#define FK_OTA_VALIDATOR_MAX 96
/* The record is rewritten every FK_OTA_RESUME_SECTORS complete sectors. */
#ifndef FK_OTA_RESUME_SECTORS
#define FK_OTA_RESUME_SECTORS 1
#endif
#define FK_OTA_RESUME_NS "fk_ota_resume"

/* Where the bytes come from, as the caller knows it. */
typedef struct {
    uint32_t source_id;   /* the caller's identity of the source (e.g. CRC-32 of the URL) */
    uint32_t image_size;  /* OTA_SIZE_UNKNOWN when not known */
    uint32_t src_offset;  /* where slot byte 0 is in the source (a combined 1 MB .ota.bin) */
    uint32_t src_total;   /* the source's size, 0 when not known */
    char validator[FK_OTA_VALIDATOR_MAX]; /* "" = none: nothing can be resumed */
} fk_ota_source_t;

typedef struct {
    esp_ota_handle_t handle;    /* 0 until begun or resumed */
    const esp_partition_t *part;
    fk_ota_source_t src;
    uint32_t written;           /* slot bytes written */
    uint32_t crc;               /* fk_crc32_le chain over them */
    uint32_t saved;             /* bytes the stored record vouches for */
    uint16_t tag;               /* this session's tag in the record */
    esp_err_t store_err;        /* first failure to store the record (then no further checkpoints) */
} fk_ota_session_t;

/* Looks for a stored session for partition from source_id and checks it
 * against the slot (CRC of the bytes it vouches for). ESP_OK: s->written is
 * the offset to go on from (a multiple of 4 KiB, > 0) and s->src the stored
 * source (validator for If-Range); nothing begun yet. ESP_ERR_NOT_FOUND: no
 * usable record (none, another slot or source, no validator, NVS not
 * mounted); ESP_ERR_INVALID_CRC: the slot does not hold what the record
 * says. Writes nothing. */
esp_err_t fk_ota_session_find(fk_ota_session_t *s, const esp_partition_t *partition, uint32_t source_id);
/* After a successful find: an OTA handle positioned at s->written (the
 * streamed hash re-read from the slot), as esp_ota_begin would give. */
esp_err_t fk_ota_session_resume(fk_ota_session_t *s);
/* A new session from byte 0: stores the record (its failure only disables
 * resuming: s->store_err), then esp_ota_begin(partition, src->image_size). */
esp_err_t fk_ota_session_begin(fk_ota_session_t *s, const esp_partition_t *partition, const fk_ota_source_t *src);
/* esp_ota_write, then the record once a sector is complete. */
esp_err_t fk_ota_session_write(fk_ota_session_t *s, const void *data, size_t size);
/* esp_ota_end. The record stays until fk_ota_session_clear: a power cut
 * before esp_ota_set_boot_partition only costs the last partial sector. */
esp_err_t fk_ota_session_end(fk_ota_session_t *s);
/* esp_ota_abort; the record stays, to resume later. */
esp_err_t fk_ota_session_abort(fk_ota_session_t *s);
/* Forgets the stored session (after esp_ota_set_boot_partition). */
esp_err_t fk_ota_session_clear(void);

#ifdef __cplusplus
}
#endif

#endif
