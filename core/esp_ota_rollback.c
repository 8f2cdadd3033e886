/* The rollback part of the ESP-IDF OTA API (spec rollback.md 6): marking the
 * running app valid or invalid, rolling back, the state of a slot, and
 * erasing the last boot app. Selecting a slot and writing images is
 * esp_ota_ops.c. */
#include "esp_ota_ops.h"
#include "fk_ota_slots.h"
#include "otadata.h"

/* A yes/no answer: the reason is not kept. */
static bool image_ok(const esp_partition_t *p)
{
    char why[1];
    return p && fk_ota_check_image(p, why, sizeof why) == ESP_OK;
}

/* Reads otadata; NULL when the table has none or it cannot be read. */
static const esp_partition_t *read_otadata(fk_ota_select_t s[2])
{
    const esp_partition_t *od = fk_ota_otadata_partition();
    if (!od || od->size < FK_OTADATA_SIZE || fk_otadata_read(od->flash, od->address, s) != ESP_OK) return NULL;
    return od;
}

static esp_err_t mark_active(bool valid)
{
    fk_ota_select_t s[2];
    const esp_partition_t *od = read_otadata(s);
    if (!od) return ESP_ERR_NOT_FOUND;
    int a = fk_rb_active(s);
    if (a < 0 || fk_ota_slot_count() == 0) return ESP_FAIL; /* the factory app runs */
    if (valid) {
        if (fk_ota_select_state(&s[a]) == ESP_OTA_IMG_VALID) return ESP_OK;
        esp_err_t err = fk_rb_set_state(od->flash, od->address, s, a, ESP_OTA_IMG_VALID);
        if (err != ESP_OK || !fk_ota_anti_rollback_on()) return err;
        const esp_partition_t *run = fk_ota_running_partition();
        return run ? fk_secure_version_raise_to(run) : ESP_ERR_NOT_FOUND;
    }
    if (!esp_ota_check_rollback_is_possible()) return ESP_ERR_OTA_ROLLBACK_FAILED;
    return fk_rb_set_state(od->flash, od->address, s, a, ESP_OTA_IMG_INVALID);
}

esp_err_t esp_ota_mark_app_valid_cancel_rollback(void)
{
    return mark_active(true);
}

esp_err_t esp_ota_mark_app_invalid_rollback(void)
{
    return mark_active(false);
}

esp_err_t esp_ota_mark_app_invalid_rollback_and_reboot(void)
{
    return mark_active(false);
}

bool esp_ota_check_rollback_is_possible(void)
{
    fk_ota_select_t s[2];
    if (!read_otadata(s)) return false;
    uint32_t n = fk_ota_slot_count();
    int a = fk_rb_active(s);
    if (n == 0 || a < 0) return false;
    const fk_ota_select_t *last = &s[1 - a];
    bool anti = fk_ota_anti_rollback_on();
    if (!fk_rb_entry_valid(last)) {
        if (anti) return false;
        return image_ok(esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL));
    }
    const esp_partition_t *p = fk_ota_slot((uint32_t)fk_rb_slot(last->seq, n));
    return image_ok(p) && (!anti || fk_secure_version_ok(p));
}

esp_err_t esp_ota_get_state_partition(const esp_partition_t *partition, esp_ota_img_states_t *ota_state)
{
    if (!partition || !ota_state) return ESP_ERR_INVALID_ARG;
    if (!fk_ota_is_app(partition)) return ESP_ERR_NOT_SUPPORTED;
    fk_ota_select_t s[2];
    uint32_t n = fk_ota_slot_count();
    if (!read_otadata(s) || n == 0) return ESP_ERR_NOT_FOUND;
    int i = fk_rb_entry_of_slot(s, n, (uint32_t)partition->subtype & 0x0F);
    if (i < 0) return ESP_ERR_NOT_FOUND;
    *ota_state = fk_ota_select_state(&s[i]);
    return ESP_OK;
}

const esp_partition_t *esp_ota_get_last_invalid_partition(void)
{
    fk_ota_select_t s[2];
    uint32_t n = fk_ota_slot_count();
    if (!read_otadata(s) || n == 0) return NULL;
    int i = fk_rb_last_invalid(s);
    if (i < 0) return NULL;
    const esp_partition_t *p = fk_ota_slot((uint32_t)fk_rb_slot(s[i].seq, n));
    return image_ok(p) ? p : NULL;
}

esp_err_t esp_ota_erase_last_boot_app_partition(void)
{
    fk_ota_select_t s[2];
    const esp_partition_t *od = read_otadata(s);
    uint32_t n = fk_ota_slot_count();
    int a = od ? fk_rb_active(s) : -1;
    if (a < 0 || n == 0) return ESP_FAIL;
    const fk_ota_select_t *last = &s[1 - a];
    if (last->seq == FK_OTA_SEQ_ERASED || last->crc != fk_otadata_crc(last->seq)) return ESP_FAIL;
    const esp_partition_t *p = fk_ota_slot((uint32_t)fk_rb_slot(last->seq, n));
    const esp_partition_t *run = fk_ota_running_partition();
    if (!p || !run || fk_ota_same_partition(p, run)) return ESP_FAIL;
    esp_err_t err = esp_partition_erase_range(p, 0, p->size);
    if (err != ESP_OK) return err;
    return esp_partition_erase_range(od, (uint32_t)(1 - a) * FK_SECTOR_SIZE, FK_SECTOR_SIZE);
}

esp_err_t esp_ota_invalidate_inactive_ota_data_slot(void)
{
    fk_ota_select_t s[2];
    const esp_partition_t *od = read_otadata(s);
    if (!od) return ESP_ERR_NOT_FOUND;
    int a = fk_rb_active(s);
    if (a < 0 || fk_ota_slot_count() == 0) return ESP_ERR_INVALID_STATE;
    const fk_ota_select_t *other = &s[1 - a];
    if (other->seq == FK_OTA_SEQ_ERASED && other->crc == 0xFFFFFFFFu) return ESP_OK; /* already erased */
    return esp_partition_erase_range(od, (uint32_t)(1 - a) * FK_SECTOR_SIZE, FK_SECTOR_SIZE);
}
