#include "fk_rollback.h"

#include <string.h>
#include "fk_le.h"

#define STATE_AT (FK_OTADATA_STATE_OFFSET - 4u) /* within label[] */

esp_ota_img_states_t fk_ota_select_state(const fk_ota_select_t *s)
{
    return fk_le32(s->label + STATE_AT);
}

void fk_ota_select_set_state(fk_ota_select_t *s, esp_ota_img_states_t state)
{
    fk_put_le32(s->label + STATE_AT, state);
}

static const char *const names[] = {"NEW", "PENDING_VERIFY", "VALID", "INVALID", "ABORTED"};

const char *fk_ota_state_name(esp_ota_img_states_t st)
{
    if (st == ESP_OTA_IMG_UNDEFINED) return "UNDEFINED";
    return st < sizeof names / sizeof names[0] ? names[st] : NULL;
}

bool fk_ota_state_parse(const char *name, esp_ota_img_states_t *st)
{
    if (!strcmp(name, "UNDEFINED")) {
        *st = ESP_OTA_IMG_UNDEFINED;
        return true;
    }
    for (uint32_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(name, names[i])) {
            *st = i;
            return true;
        }
    }
    return false;
}

bool fk_rb_entry_invalid(const fk_ota_select_t *s)
{
    esp_ota_img_states_t st = fk_ota_select_state(s);
    return s->seq == FK_OTA_SEQ_ERASED || st == ESP_OTA_IMG_INVALID || st == ESP_OTA_IMG_ABORTED;
}

bool fk_rb_entry_valid(const fk_ota_select_t *s)
{
    return !fk_rb_entry_invalid(s) && s->crc == fk_otadata_crc(s->seq);
}

int fk_rb_slot(uint32_t seq, uint32_t n_slots)
{
    return n_slots ? (int)((seq - 1u) % n_slots) : FK_OTADATA_NO_INDEX;
}

int fk_rb_active(const fk_ota_select_t s[2])
{
    bool a = fk_rb_entry_valid(&s[0]), b = fk_rb_entry_valid(&s[1]);
    if (a && b) return s[0].seq >= s[1].seq ? 0 : 1;
    return a ? 0 : b ? 1 : -1;
}

static bool bad_or_erased(const fk_ota_select_t *s)
{
    return s->seq == FK_OTA_SEQ_ERASED || s->crc != fk_otadata_crc(s->seq);
}

bool fk_rb_initial(const fk_ota_select_t s[2])
{
    return bad_or_erased(&s[0]) && bad_or_erased(&s[1]);
}

esp_err_t fk_rb_set_state(fk_flash_t *flash, uint32_t otadata_addr, fk_ota_select_t s[2], int i,
                          esp_ota_img_states_t state)
{
    fk_ota_select_set_state(&s[i], state);
    return fk_otadata_write_entry(flash, otadata_addr, i, &s[i]);
}

esp_err_t fk_rb_abort_pending(fk_flash_t *flash, uint32_t otadata_addr, fk_ota_select_t s[2], unsigned *aborted)
{
    *aborted = 0;
    for (int i = 0; i < 2; i++) {
        if (fk_ota_select_state(&s[i]) != ESP_OTA_IMG_PENDING_VERIFY) continue;
        esp_err_t err = fk_rb_set_state(flash, otadata_addr, s, i, ESP_OTA_IMG_ABORTED);
        if (err != ESP_OK) return err;
        *aborted |= 1u << i;
    }
    return ESP_OK;
}

esp_err_t fk_rb_write_initial(fk_flash_t *flash, uint32_t otadata_addr, uint32_t slot)
{
    fk_ota_select_t e;
    memset(&e, 0xFF, sizeof e);
    e.seq = slot + 1;
    e.crc = fk_otadata_crc(e.seq);
    fk_ota_select_set_state(&e, ESP_OTA_IMG_VALID);
    return fk_otadata_write_entry(flash, otadata_addr, 0, &e);
}

int fk_rb_entry_of_slot(const fk_ota_select_t s[2], uint32_t n_slots, uint32_t slot)
{
    if (!n_slots) return -1;
    for (int i = 0; i < 2; i++)
        if ((uint32_t)fk_rb_slot(s[i].seq, n_slots) == slot && s[i].crc == fk_otadata_crc(s[i].seq)) return i;
    return -1;
}

static bool given_up(const fk_ota_select_t *s)
{
    esp_ota_img_states_t st = fk_ota_select_state(s);
    return s->seq != FK_OTA_SEQ_ERASED && s->crc == fk_otadata_crc(s->seq) &&
           (st == ESP_OTA_IMG_INVALID || st == ESP_OTA_IMG_ABORTED);
}

int fk_rb_last_invalid(const fk_ota_select_t s[2])
{
    bool a = given_up(&s[0]), b = given_up(&s[1]);
    if (a && b) return s[0].seq <= s[1].seq ? 0 : 1;
    return a ? 0 : b ? 1 : -1;
}
