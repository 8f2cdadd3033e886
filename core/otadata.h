/* The otadata partition (spec ota.md §1-3): two 32-byte select entries, one
 * per 4 KiB sector, which tell the bootloader which OTA slot to run. */
#ifndef FK_OTADATA_H
#define FK_OTADATA_H

#include <stdbool.h>
#include <stdint.h>
#include "esp_err.h"
#include "fk_flash.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_OTADATA_SIZE 0x2000u      /* two sectors; smaller is refused by the bootloader */
#define FK_OTADATA_ENTRY_SIZE 32u
#define FK_OTADATA_LABEL_SIZE 24u
#define FK_OTA_SEQ_ERASED 0xFFFFFFFFu
#define FK_OTA_MAX_SLOTS 16u

typedef struct {
    uint32_t seq;
    uint8_t label[FK_OTADATA_LABEL_SIZE]; /* kept byte for byte when rewritten */
    uint32_t crc;
} fk_ota_select_t;

/* CRC stored with a sequence number: CRC-32 of its 4 little-endian bytes. */
uint32_t fk_otadata_crc(uint32_t seq);

void fk_ota_select_decode(const uint8_t raw[FK_OTADATA_ENTRY_SIZE], fk_ota_select_t *s);
void fk_ota_select_encode(const fk_ota_select_t *s, uint8_t raw[FK_OTADATA_ENTRY_SIZE]);
bool fk_ota_select_erased(const fk_ota_select_t *s);
bool fk_ota_select_valid(const fk_ota_select_t *s);

/* What the two entries say (§2). */
typedef enum {
    FK_OTADATA_EMPTY,   /* both seq erased: no OTA selection yet */
    FK_OTADATA_SLOT,    /* a valid entry selects `slot` */
    FK_OTADATA_INVALID, /* neither entry valid (and not both erased) */
} fk_otadata_state_t;

typedef struct {
    fk_otadata_state_t state;
    uint32_t seq;  /* deciding sequence number (FK_OTADATA_SLOT) */
    int entry;     /* 0 = A, 1 = B: the entry that decided; -1 otherwise */
    bool a_valid, b_valid;
    uint32_t slot; /* (seq - 1) mod N computed unsigned, as the app does */
    char why[FK_DIAG ? 48 : 1]; /* e.g. "both valid, max seq 3"; "" without FK_DIAG */
} fk_otadata_choice_t;

/* n_slots = 0 is treated like "no OTA slots": the state is computed but slot stays 0. */
void fk_otadata_choose(const fk_ota_select_t s[2], uint32_t n_slots, fk_otadata_choice_t *out);

/* Reads entries A (partition offset 0) and B (offset 0x1000). */
esp_err_t fk_otadata_read(fk_flash_t *flash, uint32_t part_addr, fk_ota_select_t s[2]);

/* The ESP8266 bootloader's start index for a deciding seq: (seq - 1) taken
 * as a signed int, modulo n_slots (ota.md §2). Negative = no OTA slot (-1 is
 * its factory index); FK_OTADATA_NO_INDEX when n_slots is 0. */
#define FK_OTADATA_NO_INDEX (-100)
int fk_otadata_boot_index(uint32_t seq, uint32_t n_slots);

/* The entry that decides by the ESP8266 rule (valid = seq not erased and CRC
 * matches; the larger seq, A when equal), or -1. */
int fk_otadata_deciding(const fk_ota_select_t s[2]);

/* The esp_ota_set_boot_partition write rule for OTA slot `id` of n_slots (§3):
 * which sector to rewrite and with what. Returns ESP_ERR_INVALID_ARG if id >= n_slots. */
typedef struct {
    int sector;              /* 0 or 1 */
    fk_ota_select_t entry;   /* new seq, the label bytes read from that sector, crc */
    bool erase_other;        /* numbering restarted: erase the other sector afterwards */
} fk_otadata_plan_t;
esp_err_t fk_otadata_plan(const fk_ota_select_t s[2], uint32_t n_slots, uint32_t id,
                          fk_otadata_plan_t *plan);
/* The same rule from a given deciding entry (-1 = none): with rollback the
 * deciding entry excludes INVALID / ABORTED ones (rollback.md §5), and the
 * bootloader reads a seq in u32 arithmetic (idf_index), so only a seq that
 * would read as erased restarts the numbering. */
esp_err_t fk_otadata_plan_from(const fk_ota_select_t s[2], int active, uint32_t n_slots, uint32_t id, bool idf_index,
                               fk_otadata_plan_t *plan);

/* Erase the plan's sector, then write its 32 bytes (then, when renumbering,
 * erase the other sector). A power cut at any point leaves either the
 * previous choice or the new one deciding. */
esp_err_t fk_otadata_apply(fk_flash_t *flash, uint32_t part_addr, const fk_otadata_plan_t *plan);
/* One entry rewritten in its own sector (erase, then its 32 bytes). */
esp_err_t fk_otadata_write_entry(fk_flash_t *flash, uint32_t part_addr, int sector, const fk_ota_select_t *e);

/* read + plan + apply. part_size must be at least FK_OTADATA_SIZE. */
esp_err_t fk_otadata_set_slot(fk_flash_t *flash, uint32_t part_addr, uint32_t part_size,
                              uint32_t n_slots, uint32_t id);
/* Selecting factory erases the whole partition. */
esp_err_t fk_otadata_set_factory(fk_flash_t *flash, uint32_t part_addr, uint32_t part_size);

#ifdef __cplusplus
}
#endif

#endif
