#include "otadata.h"

#include <string.h>
#include "fk_crc32.h"
#include "fk_le.h"


uint32_t fk_otadata_crc(uint32_t seq)
{
    uint8_t b[4];
    fk_put_le32(b, seq);
    return fk_crc32_le(0xFFFFFFFFu, b, sizeof b);
}

void fk_ota_select_decode(const uint8_t raw[FK_OTADATA_ENTRY_SIZE], fk_ota_select_t *s)
{
    s->seq = fk_le32(raw);
    memcpy(s->label, raw + 4, FK_OTADATA_LABEL_SIZE);
    s->crc = fk_le32(raw + 28);
}

void fk_ota_select_encode(const fk_ota_select_t *s, uint8_t raw[FK_OTADATA_ENTRY_SIZE])
{
    fk_put_le32(raw, s->seq);
    memcpy(raw + 4, s->label, FK_OTADATA_LABEL_SIZE);
    fk_put_le32(raw + 28, s->crc);
}

bool fk_ota_select_erased(const fk_ota_select_t *s)
{
    return s->seq == FK_OTA_SEQ_ERASED;
}

bool fk_ota_select_valid(const fk_ota_select_t *s)
{
    return s->seq != FK_OTA_SEQ_ERASED && s->crc == fk_otadata_crc(s->seq);
}

/* Tiny string builder: the core has no stdio. Without FK_DIAG the text
 * (and with it every literal) is left out. */
static void why_set(char *dst, size_t cap, const char *text, const uint32_t *num)
{
    if (!FK_DIAG) {
        dst[0] = 0;
        return;
    }
    size_t n = strlen(text);
    if (n >= cap) n = cap - 1;
    memcpy(dst, text, n);
    if (num) {
        char digits[11];
        int k = 0;
        uint32_t v = *num;
        do {
            digits[k++] = (char)('0' + v % 10);
            v /= 10;
        } while (v && k < 10);
        while (k > 0 && n + 1 < cap) dst[n++] = digits[--k];
    }
    dst[n] = 0;
}

void fk_otadata_choose(const fk_ota_select_t s[2], uint32_t n_slots, fk_otadata_choice_t *out)
{
    memset(out, 0, sizeof *out);
    out->entry = -1;
    out->a_valid = fk_ota_select_valid(&s[0]);
    out->b_valid = fk_ota_select_valid(&s[1]);
    if (fk_ota_select_erased(&s[0]) && fk_ota_select_erased(&s[1])) {
        out->state = FK_OTADATA_EMPTY;
        why_set(out->why, sizeof out->why, "both entries erased (seq 0xFFFFFFFF)", NULL);
        return;
    }
    if (out->a_valid && out->b_valid) {
        out->entry = s[0].seq >= s[1].seq ? 0 : 1;
        out->seq = s[out->entry].seq;
        why_set(out->why, sizeof out->why, "both valid, max seq ", &out->seq);
    } else if (out->a_valid || out->b_valid) {
        out->entry = out->a_valid ? 0 : 1;
        out->seq = s[out->entry].seq;
        why_set(out->why, sizeof out->why, out->a_valid ? "only A valid, seq " : "only B valid, seq ",
                &out->seq);
    } else {
        out->state = FK_OTADATA_INVALID;
        why_set(out->why, sizeof out->why, "no valid entry", NULL);
        return;
    }
    out->state = FK_OTADATA_SLOT;
    if (n_slots) out->slot = (out->seq - 1u) % n_slots;
}

esp_err_t fk_otadata_read(fk_flash_t *flash, uint32_t part_addr, fk_ota_select_t s[2])
{
    for (int i = 0; i < 2; i++) {
        uint8_t raw[FK_OTADATA_ENTRY_SIZE];
        esp_err_t err = fk_flash_read(flash, part_addr + (uint32_t)i * FK_SECTOR_SIZE, raw, sizeof raw);
        if (err != ESP_OK) return err;
        fk_ota_select_decode(raw, &s[i]);
    }
    return ESP_OK;
}

int fk_otadata_boot_index(uint32_t seq, uint32_t n_slots)
{
    if (n_slots == 0 || n_slots > FK_OTA_MAX_SLOTS) return FK_OTADATA_NO_INDEX;
    return (int)(seq - 1u) % (int)n_slots;
}

int fk_otadata_deciding(const fk_ota_select_t s[2])
{
    bool a = fk_ota_select_valid(&s[0]), b = fk_ota_select_valid(&s[1]);
    if (a && b) return s[0].seq >= s[1].seq ? 0 : 1;
    return a ? 0 : b ? 1 : -1;
}

esp_err_t fk_otadata_plan_from(const fk_ota_select_t s[2], int active, uint32_t n_slots, uint32_t id, bool idf_index,
                               fk_otadata_plan_t *plan)
{
    if (n_slots == 0 || n_slots > FK_OTA_MAX_SLOTS || id >= n_slots) return ESP_ERR_INVALID_ARG;
    uint64_t seq;
    plan->erase_other = false;
    if (active == 0 || active == 1) {
        uint32_t base = s[active].seq;
        plan->sector = 1 - active;
        uint32_t t = (id + 1) % n_slots;
        seq = t;
        if (seq < base) seq += ((uint64_t)base - t + n_slots - 1) / n_slots * n_slots;
        /* seq 0 reads as "factory" to the bootloader: a valid but zero base
         * (never written by an SDK) moves to the same slot one lap later. */
        if (seq == 0) seq = n_slots;
    } else {
        plan->sector = 0;
        seq = id + 1;
    }
    /* The bootloader takes seq - 1 as a signed int: from 0x80000001 on it
     * reads another slot than the app computes, or the factory index, and
     * 0xFFFFFFFF reads as erased. Continuing there would report a switch
     * that never happens (issue 12), so the numbering starts again: the new
     * entry gets id + 1 and the deciding one is erased after it is written.
     * Until that erase the old entry still decides, so a power cut leaves
     * the previous choice. */
    if (seq >= FK_OTA_SEQ_ERASED || (!idf_index && fk_otadata_boot_index((uint32_t)seq, n_slots) != (int)id)) {
        seq = id + 1;
        plan->erase_other = active == 0 || active == 1;
    }
    plan->entry = s[plan->sector];
    plan->entry.seq = (uint32_t)seq;
    plan->entry.crc = fk_otadata_crc((uint32_t)seq);
    return ESP_OK;
}

esp_err_t fk_otadata_plan(const fk_ota_select_t s[2], uint32_t n_slots, uint32_t id, fk_otadata_plan_t *plan)
{
    return fk_otadata_plan_from(s, fk_otadata_deciding(s), n_slots, id, false, plan);
}

esp_err_t fk_otadata_write_entry(fk_flash_t *flash, uint32_t part_addr, int sector, const fk_ota_select_t *e)
{
    uint32_t addr = part_addr + (uint32_t)sector * FK_SECTOR_SIZE;
    uint8_t raw[FK_OTADATA_ENTRY_SIZE];
    fk_ota_select_encode(e, raw);
    esp_err_t err = fk_flash_erase_range(flash, addr, FK_SECTOR_SIZE);
    if (err != ESP_OK) return err;
    return fk_flash_write(flash, addr, raw, sizeof raw);
}

esp_err_t fk_otadata_apply(fk_flash_t *flash, uint32_t part_addr, const fk_otadata_plan_t *plan)
{
    esp_err_t err = fk_otadata_write_entry(flash, part_addr, plan->sector, &plan->entry);
    if (err != ESP_OK || !plan->erase_other) return err;
    return fk_flash_erase_range(flash, part_addr + (uint32_t)(1 - plan->sector) * FK_SECTOR_SIZE, FK_SECTOR_SIZE);
}

esp_err_t fk_otadata_set_slot(fk_flash_t *flash, uint32_t part_addr, uint32_t part_size,
                              uint32_t n_slots, uint32_t id)
{
    if (part_size < FK_OTADATA_SIZE) return ESP_ERR_INVALID_SIZE;
    fk_ota_select_t s[2];
    esp_err_t err = fk_otadata_read(flash, part_addr, s);
    if (err != ESP_OK) return err;
    fk_otadata_plan_t plan;
    err = fk_otadata_plan(s, n_slots, id, &plan);
    if (err != ESP_OK) return err;
    return fk_otadata_apply(flash, part_addr, &plan);
}

esp_err_t fk_otadata_set_factory(fk_flash_t *flash, uint32_t part_addr, uint32_t part_size)
{
    return fk_flash_erase_range(flash, part_addr, part_size);
}
