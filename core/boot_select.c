#include "boot_select.h"

#include <string.h>
#include "fk_ota_config.h"
#include "fk_rollback.h"
#include "fk_secure_version.h"

void fk_boot_layout(const fk_ptable_t *t, fk_boot_layout_t *l)
{
    memset(l, 0, sizeof *l);
    for (int i = 0; i < t->count; i++) {
        const esp_partition_t *p = &t->part[i];
        if (p->type == ESP_PARTITION_TYPE_APP) {
            if (p->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY)
                l->factory = p;
            else if (p->subtype == ESP_PARTITION_SUBTYPE_APP_TEST)
                l->test = p;
            else if ((p->subtype & 0xF0) == ESP_PARTITION_SUBTYPE_APP_OTA_MIN) {
                l->ota[p->subtype & 0x0F] = p;
                l->app_count++;
            }
        } else if (p->type == ESP_PARTITION_TYPE_DATA && p->subtype == ESP_PARTITION_SUBTYPE_DATA_OTA) {
            l->otadata = p;
        }
    }
}

const esp_partition_t *fk_boot_index_partition(const fk_boot_layout_t *l, int index)
{
    if (index == FK_BOOT_FACTORY_INDEX) return l->factory;
    if (index == FK_BOOT_TEST_INDEX) return l->test;
    if (index >= 0 && index < (int)FK_OTA_MAX_SLOTS) return l->ota[index];
    return NULL;
}

/* No stdio in the core: small appenders. */
static size_t put_raw(char *buf, size_t len, size_t at, const char *s)
{
    while (*s && at + 1 < len) buf[at++] = *s++;
    if (len) buf[at < len ? at : len - 1] = 0;
    return at;
}

static size_t num_raw(char *buf, size_t len, size_t at, uint32_t v, bool hex)
{
    char d[12];
    int k = 0;
    do {
        uint32_t r = hex ? v & 0xF : v % 10;
        d[k++] = (char)(r < 10 ? '0' + r : 'a' + r - 10);
        v = hex ? v >> 4 : v / 10;
    } while (v);
    if (hex) {
        at = put_raw(buf, len, at, "0x");
        while (k < 4) d[k++] = '0'; /* at least 4 hex digits reads like an offset */
    }
    char s[13];
    int n = 0;
    while (k) s[n++] = d[--k];
    s[n] = 0;
    return put_raw(buf, len, at, s);
}

/* The result's explanations (why, note, reasons): empty without FK_DIAG,
 * and their texts then leave the build. */
static size_t put_str(char *buf, size_t len, size_t at, const char *s)
{
    if (FK_DIAG) return put_raw(buf, len, at, s);
    if (len) buf[0] = 0;
    return 0;
}

static size_t put_num(char *buf, size_t len, size_t at, uint32_t v, bool hex)
{
    return FK_DIAG ? num_raw(buf, len, at, v, hex) : 0;
}

const char *fk_boot_index_name(int index, char *buf, size_t len)
{
    if (index == FK_BOOT_FACTORY_INDEX)
        put_raw(buf, len, 0, "factory");
    else if (index == FK_BOOT_TEST_INDEX)
        put_raw(buf, len, 0, "test");
    else if (index >= 0 && index < (int)FK_OTA_MAX_SLOTS)
        num_raw(buf, len, put_raw(buf, len, 0, "ota_"), (uint32_t)index, false);
    else
        put_raw(buf, len, 0, "invalid");
    return buf;
}

void fk_boot_select(fk_flash_t *flash, const fk_boot_layout_t *l, fk_boot_selection_t *sel)
{
    memset(sel, 0, sizeof *sel);
    size_t at;
    if (!l->otadata) {
        sel->index = FK_BOOT_FACTORY_INDEX;
        put_str(sel->why, sizeof sel->why, 0, "no otadata partition: factory");
        return;
    }
    if (l->otadata->size < (uint32_t)FK_OTADATA_SIZE) {
        sel->index = FK_BOOT_INVALID_INDEX;
        at = put_str(sel->why, sizeof sel->why, 0, "otadata partition too small (");
        at = put_num(sel->why, sizeof sel->why, at, l->otadata->size, true);
        put_str(sel->why, sizeof sel->why, at, " bytes, minimum 0x2000)");
        return;
    }
    fk_ota_select_t s[2];
    if (fk_otadata_read(flash, l->otadata->address, s) != ESP_OK) {
        sel->index = FK_BOOT_INVALID_INDEX;
        put_str(sel->why, sizeof sel->why, 0, "otadata unreadable");
        return;
    }
    sel->otadata_read = true;
    fk_otadata_choose(s, (uint32_t)l->app_count, &sel->otadata);
    at = put_str(sel->why, sizeof sel->why, 0, sel->otadata.why);
    /* A table without OTA slots cannot use otadata (the SDK avoids a division by zero the same way). */
    if (sel->otadata.state == FK_OTADATA_EMPTY || l->app_count == 0) {
        if (l->app_count == 0 && sel->otadata.state != FK_OTADATA_EMPTY)
            at = put_str(sel->why, sizeof sel->why, at, "; no OTA app partitions");
        if (l->factory) {
            sel->index = FK_BOOT_FACTORY_INDEX;
            put_str(sel->why, sizeof sel->why, at, ": factory");
        } else {
            sel->index = 0;
            put_str(sel->why, sizeof sel->why, at, ": no factory app, trying ota_0");
        }
        return;
    }
    if (sel->otadata.state == FK_OTADATA_INVALID) {
        sel->index = FK_BOOT_FACTORY_INDEX;
        put_str(sel->why, sizeof sel->why, at,
                l->factory ? ": otadata invalid, factory" : ": otadata invalid, factory index (no factory app)");
        return;
    }
    /* The bootloader computes in a signed int: seq 0 becomes the factory
     * index, huge values a negative index that matches no slot. */
    int idx = fk_otadata_boot_index(sel->otadata.seq, (uint32_t)l->app_count);
    sel->index = idx;
    if (FK_DIAG) {
        char name[12];
        at = put_str(sel->why, sizeof sel->why, at, ": ");
        put_str(sel->why, sizeof sel->why, at, fk_boot_index_name(idx, name, sizeof name));
    }
}

static int add_try(const fk_boot_layout_t *l, int idx, int order[], int n)
{
    if (!fk_boot_index_partition(l, idx)) return n;
    for (int i = 0; i < n; i++)
        if (order[i] == idx) return n;
    if (n < FK_BOOT_MAX_TRIES) order[n++] = idx;
    return n;
}

int fk_boot_try_order(const fk_boot_layout_t *l, int start, int order[FK_BOOT_MAX_TRIES])
{
    int n = 0;
    if (start == FK_BOOT_TEST_INDEX) return add_try(l, start, order, 0);
    if (start == FK_BOOT_INVALID_INDEX) return 0;
    for (int i = start; i >= FK_BOOT_FACTORY_INDEX; i--) n = add_try(l, i, order, n);
    for (int i = start + 1; i < l->app_count; i++) n = add_try(l, i, order, n);
    return add_try(l, FK_BOOT_TEST_INDEX, order, n);
}

static esp_err_t default_check(void *ctx, const esp_partition_t *p, char *why, size_t len)
{
    (void)ctx;
    return fk_ota_check_image(p, why, len);
}

/* Copy mode: ota_1 sector by sector into ota_0, then otadata erased, so
 * the next selection (both entries erased, no factory) is ota_0 again. A
 * power cut anywhere repeats the copy at the next boot. Out of line (as
 * rb_select): its 256-byte buffer must not sit in fk_boot_go's frame while
 * the image checks, a signature check among them, run below it. */
static __attribute__((noinline)) esp_err_t copy_slot1(fk_flash_t *flash, const fk_boot_layout_t *l)
{
    const esp_partition_t *src = l->ota[1], *dst = l->ota[0];
    uint32_t len = (src->size < dst->size ? src->size : dst->size) & ~(FK_SECTOR_SIZE - 1u);
    uint8_t buf[256];
    for (uint32_t at = 0; at < len; at += FK_SECTOR_SIZE) {
        esp_err_t err = fk_flash_erase_range(flash, dst->address + at, FK_SECTOR_SIZE);
        for (uint32_t k = 0; err == ESP_OK && k < FK_SECTOR_SIZE; k += sizeof buf) {
            err = fk_flash_read(flash, src->address + at + k, buf, sizeof buf);
            if (err == ESP_OK) err = fk_flash_write(flash, dst->address + at + k, buf, sizeof buf);
        }
        if (err != ESP_OK) return err;
    }
    return fk_flash_erase_range(flash, l->otadata->address, l->otadata->size);
}

/* The selection with ESP-IDF's otadata states (rollback.md §4.1, §4.4). It
 * writes otadata: PENDING_VERIFY entries become ABORTED, the active NEW one
 * PENDING_VERIFY; with anti-rollback a VALID active app raises the counter. */
static __attribute__((noinline)) esp_err_t rb_select(fk_flash_t *flash, fk_boot_result_t *r)
{
    const fk_boot_layout_t *l = &r->layout;
    fk_boot_selection_t *sel = &r->sel;
    uint32_t addr = l->otadata->address, n = (uint32_t)l->app_count;
    fk_ota_select_t s[2];
    esp_err_t err = fk_otadata_read(flash, addr, s);
    if (err != ESP_OK) return err;
    err = fk_rb_abort_pending(flash, addr, s, &r->aborted);
    if (err != ESP_OK) return err;
    r->active_entry = -1;
    r->initial = false;
    size_t at = put_str(sel->why, sizeof sel->why, 0, r->aborted ? "rollback: unconfirmed app aborted; " : "rollback: ");
    if (fk_ota_anti_rollback_on()) {
        if (fk_rb_initial(s)) {
            r->initial = true;
            sel->index = FK_BOOT_FACTORY_INDEX;
            put_str(sel->why, sizeof sel->why, at, "otadata initial: factory index");
            return ESP_OK;
        }
        bool ok[2];
        for (int i = 0; i < 2; i++) {
            const esp_partition_t *p =
                n ? fk_boot_index_partition(l, fk_rb_slot(s[i].seq, n)) : NULL;
            ok[i] = fk_rb_entry_valid(&s[i]) && p && fk_secure_version_ok(p);
        }
        r->active_entry = ok[0] && ok[1] ? (s[0].seq >= s[1].seq ? 0 : 1) : ok[0] ? 0 : ok[1] ? 1 : -1;
        if (r->active_entry < 0) {
            sel->index = FK_BOOT_FACTORY_INDEX;
            put_str(sel->why, sizeof sel->why, at, "no entry with a valid app of a high enough secure_version: factory index");
            return ESP_OK;
        }
    } else if ((fk_rb_entry_invalid(&s[0]) && fk_rb_entry_invalid(&s[1])) || n == 0) {
        r->initial = !l->factory && fk_rb_initial(s);
        sel->index = l->factory ? FK_BOOT_FACTORY_INDEX : 0;
        put_str(sel->why, sizeof sel->why, at,
                l->factory ? "no usable entry: factory" : "no usable entry, no factory app: ota_0");
        return ESP_OK;
    } else {
        r->active_entry = fk_rb_active(s);
        if (r->active_entry < 0) {
            sel->index = FK_BOOT_FACTORY_INDEX;
            put_str(sel->why, sizeof sel->why, at, "no valid entry: factory index");
            return ESP_OK;
        }
    }
    fk_ota_select_t *e = &s[r->active_entry];
    sel->index = fk_rb_slot(e->seq, n);
    const char *st = FK_DIAG ? fk_ota_state_name(fk_ota_select_state(e)) : NULL;
    at = put_str(sel->why, sizeof sel->why, at, r->active_entry ? "entry B seq " : "entry A seq ");
    at = put_num(sel->why, sizeof sel->why, at, e->seq, false);
    at = put_str(sel->why, sizeof sel->why, at, " ");
    at = put_str(sel->why, sizeof sel->why, at, st ? st : "(other state)");
    if (fk_ota_select_state(e) == ESP_OTA_IMG_NEW) {
        err = fk_rb_set_state(flash, addr, s, r->active_entry, ESP_OTA_IMG_PENDING_VERIFY);
        if (err != ESP_OK) return err;
        r->pending = true;
        at = put_str(sel->why, sizeof sel->why, at, " -> PENDING_VERIFY");
    } else if (fk_ota_anti_rollback_on() && fk_ota_select_state(e) == ESP_OTA_IMG_VALID) {
        const esp_partition_t *p = fk_boot_index_partition(l, sel->index);
        if (p) fk_secure_version_raise_to(p);
    }
    if (FK_DIAG) {
        char nb[12];
        at = put_str(sel->why, sizeof sel->why, at, ": ");
        put_str(sel->why, sizeof sel->why, at, fk_boot_index_name(sel->index, nb, sizeof nb));
    }
    return ESP_OK;
}

static esp_err_t choose(fk_flash_t *flash, fk_boot_result_t *r)
{
    fk_boot_select(flash, &r->layout, &r->sel);
    r->rollback = fk_ota_rollback_on();
    if (!r->rollback || !r->sel.otadata_read) return ESP_OK;
    return rb_select(flash, r);
}

esp_err_t fk_boot_go(fk_flash_t *flash, const fk_ptable_t *t, const fk_boot_opts_t *opts, fk_boot_check_fn check,
                     void *ctx, fk_boot_result_t *r)
{
    static const fk_boot_opts_t none;
    if (!opts) opts = &none;
    memset(r, 0, sizeof *r);
    r->booted_index = FK_BOOT_INVALID_INDEX;
    r->active_entry = -1;
    if (FK_OTA_ROLLBACK) r->efuse_before = esp_efuse_read_secure_version();
    if (!check) {
        check = default_check;
        ctx = NULL;
    }
    fk_boot_layout(t, &r->layout);
    esp_err_t err = choose(flash, r);
    if (err != ESP_OK) return err;
    if (opts->factory_reset) {
        for (int i = 0; i < opts->nreset && i < FK_BOOT_MAX_RESET; i++) {
            const esp_partition_t *p = opts->reset_parts[i];
            if (!p || p->type != ESP_PARTITION_TYPE_DATA) continue;
            err = fk_flash_erase_range(flash, p->address, p->size);
            if (err != ESP_OK) return err;
            r->erased++;
        }
        if (opts->reset_otadata && r->layout.otadata) {
            err = fk_flash_erase_range(flash, r->layout.otadata->address, r->layout.otadata->size);
            if (err != ESP_OK) return err;
            r->erased++;
        }
        put_str(r->note, sizeof r->note, 0, "factory reset: data erased, selection made again");
        if ((err = choose(flash, r)) != ESP_OK) return err;
    }
    if (opts->app_test) {
        r->initial = false; /* a test boot records nothing in otadata */
        if (opts->app_test_in_ota1) {
            r->sel.index = 1;
            put_str(r->sel.why, sizeof r->sel.why, 0, "test-app GPIO held: the test app in ota_1");
        } else if (r->layout.test) {
            r->sel.index = FK_BOOT_TEST_INDEX;
            put_str(r->sel.why, sizeof r->sel.why, 0, "test-app GPIO held: test");
        } else {
            r->sel.index = FK_BOOT_INVALID_INDEX;
            put_str(r->sel.why, sizeof r->sel.why, 0, "test-app GPIO held but the table has no test partition");
        }
    }
    if (opts->copy_app && r->sel.index == 1 && r->layout.ota[0] && r->layout.ota[1] && r->layout.otadata) {
        /* r->note holds the check's reason until it gets the copy's note. */
        if (check(ctx, r->layout.ota[1], r->note, sizeof r->note) == ESP_OK) {
            err = copy_slot1(flash, &r->layout);
            if (err != ESP_OK) return err;
            r->copied = true;
            r->sel.index = 0;
            put_str(r->note, sizeof r->note, 0, "copy mode: ota_1 copied to ota_0, otadata erased");
        } else {
            put_str(r->note, sizeof r->note, 0, "copy mode: ota_1 does not verify, not copied");
        }
    }
    bool anti = fk_ota_anti_rollback_on();
    /* The order lives in the result, not on the stack: the image checks below
     * run deep, and the ESP8266's stack is small. */
    int *order = r->order;
    int n = fk_boot_try_order(&r->layout, r->sel.index, order);
    for (int i = 0; i < n; i++) {
        const esp_partition_t *p = fk_boot_index_partition(&r->layout, order[i]);
        r->tries[i].index = order[i];
        r->tries[i].part = p;
        r->ntries = i + 1;
        if (anti && !fk_secure_version_ok(p)) {
            r->tries[i].result = ESP_ERR_OTA_SMALL_SEC_VER;
            put_str(r->tries[i].reason, sizeof r->tries[i].reason, 0,
                    "secure_version below the eFuse counter (or no app descriptor)");
            continue;
        }
        r->tries[i].result = check(ctx, p, r->tries[i].reason, sizeof r->tries[i].reason);
        if (r->tries[i].result != ESP_OK) continue;
        r->booted = p;
        r->booted_index = order[i];
        /* §4.3: a first boot with nothing usable in otadata records the slot. */
        if (r->initial && order[i] >= 0 && r->layout.otadata) {
            err = fk_rb_write_initial(flash, r->layout.otadata->address, (uint32_t)order[i]);
            if (err != ESP_OK) return err;
            r->initial_written = true;
            if (anti) fk_secure_version_raise_to(p);
        }
        if (FK_OTA_ROLLBACK) r->efuse_after = esp_efuse_read_secure_version();
        return ESP_OK;
    }
    if (FK_OTA_ROLLBACK) r->efuse_after = esp_efuse_read_secure_version();
    return ESP_ERR_NOT_FOUND;
}

esp_err_t fk_boot_run_opts(fk_flash_t *flash, const fk_ptable_t *t, const fk_boot_opts_t *opts,
                           fk_boot_check_fn check, void *ctx, fk_boot_result_t *r)
{
    fk_app_start(NULL);
    esp_err_t err = fk_boot_go(flash, t, opts, check, ctx, r);
    if (err == ESP_OK) fk_app_start(r->booted);
    return err;
}

esp_err_t fk_boot_run(fk_flash_t *flash, const fk_ptable_t *t, fk_boot_check_fn check, void *ctx,
                      fk_boot_result_t *r)
{
    return fk_boot_run_opts(flash, t, NULL, check, ctx, r);
}
