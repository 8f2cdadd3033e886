/* flashkit device ota: the SDK OTA example's flow on the simulated device,
 * with the real esp_ota_* API and a real HTTP(S) download - which retries a
 * dropped link and resumes an update a power cut interrupted
 * (core/fk_ota_resume.h), from the last sector on the flash. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "device_args.h"
#include "esp_ota_ops.h"
#include "fk_crc32.h"
#include "fk_ota_resume.h"
#include "http_client.h"
#include "nvs_flash.h"
#include "util.h"

static const char help[] =
    "usage: flashkit device ota DEV.img URL [options]\n"
    "\n"
    "Boots the device, then does what the SDK's OTA example does: takes the next\n"
    "update partition, esp_ota_begin(), streams the HTTP(S) body through\n"
    "esp_ota_write(), esp_ota_end() (full image check, and the link address on\n"
    "1 MB layouts), esp_ota_set_boot_partition(), restarts and shows the new app.\n"
    "Any failure (HTTP status, redirect loop, missing or wrong Content-Length, a\n"
    "body larger than the slot, a truncated or dropped transfer, not an image)\n"
    "stops before the boot partition changes: the running app stays. An update\n"
    "the bootloader does not start after the restart is a failure (exit 1).\n"
    "With --rollback the new app boots PENDING_VERIFY and then confirms itself\n"
    "(esp_ota_mark_app_valid_cancel_rollback) unless --no-confirm is given: then\n"
    "the next 'device boot' rolls back to the previous app.\n"
    "\n"
    "A dropped connection is retried (with Range: only the missing bytes), and an\n"
    "update that a power cut or a failed run left behind is resumed by running the\n"
    "same command again: the device keeps in NVS how many sectors of the slot are\n"
    "written (with their CRC and the server's ETag / Last-Modified). A server that\n"
    "ignores Range, or whose file changed, gets the whole file again from byte 0.\n"
    "\n"
    "options:\n"
    "  --combined            URL is a 1 MB build's .ota.bin (app1 then app2): write\n"
    "                        only the half for the target slot, as native_ota does\n"
    "  --cacert FILE         HTTPS: trust this CA / server certificate (PEM)\n"
    "  --insecure            HTTPS: do not verify the server\n"
    "  --timeout S           give up when the transfer stalls S seconds (default 30)\n"
    "  --retries N           requests after a failure, in a row without progress\n"
    "                        (default 3; a request that got further resets the count)\n"
    "  --retry-delay MS      first pause before a retry, doubled each time (default 250)\n"
    "  --no-resume           neither resume a stored update nor store one\n"
    "  --no-confirm          with --rollback: the new app does not confirm itself\n" FK_DEVICE_COMMON_HELP
    FK_DEVICE_ROLLBACK_HELP;

typedef struct {
    fk_device_t *d;
    fk_ota_session_t s;
    bool resume;         /* store and resume sessions */
    bool combined;
    uint32_t n_slots, slot, source_id;
    uint64_t next;       /* file offset of the next byte expected */
    uint64_t lo, hi;     /* the slot's bytes in the file (hi 0: to the end) */
    fk_progress_t bar;
    bool bar_started;
    uint64_t bar_total;
    bool restarted;      /* the server sent the whole file after a resume or drop */
    esp_err_t err;
} ota_ctx_t;

static void kib(char *buf, size_t n, uint64_t v)
{
    snprintf(buf, n, "%" PRIu64 " KiB", (v + 512) / 1024);
}

/* The first bytes of a response from file offset 0: a session starts. */
static int start_session(ota_ctx_t *c, fk_http_result_t *res)
{
    fk_ota_source_t src = {.source_id = c->source_id, .image_size = OTA_SIZE_UNKNOWN};
    int64_t total = res->total;
    if (c->combined) {
        if (total <= 0) {
            snprintf(res->error, sizeof res->error, "--combined needs a Content-Length to split the image");
            return 1;
        }
        uint64_t half = (uint64_t)total / c->n_slots;
        c->lo = half * c->slot;
        c->hi = c->lo + half;
        src.image_size = (uint32_t)half;
    } else {
        c->lo = 0;
        c->hi = 0;
        if (total > 0 && total <= UINT32_MAX) src.image_size = (uint32_t)total;
    }
    src.src_offset = (uint32_t)c->lo;
    src.src_total = total > 0 && total <= UINT32_MAX ? (uint32_t)total : 0;
    /* Resuming needs a server that takes Range and a validator to send back
     * in If-Range; without both a record would only cost NVS writes. */
    const char *v = res->etag[0] ? res->etag : res->last_modified;
    if (c->resume && res->accept_ranges && v[0]) snprintf(src.validator, sizeof src.validator, "%s", v);
    c->err = fk_ota_session_begin(&c->s, c->s.part, &src);
    if (c->err != ESP_OK) {
        snprintf(res->error, sizeof res->error, "esp_ota_begin failed: %s %s", esp_err_to_name(c->err),
                 fk_ota_last_error());
        return 1;
    }
    uint64_t bar_total = src.image_size != OTA_SIZE_UNKNOWN ? src.image_size : 0;
    if (!c->bar_started || bar_total != c->bar_total) {
        if (c->bar_started) fk_progress_end(&c->bar);
        fk_progress_start(&c->bar, "ota", bar_total);
        c->bar_started = true;
        c->bar_total = bar_total;
    }
    return 0;
}

static int on_body(void *p, const uint8_t *data, size_t len, fk_http_result_t *res)
{
    ota_ctx_t *c = p;
    uint64_t at = res->offset + res->received; /* file offset of data[0] */
    if (at != c->next) {
        if (at != 0) {
            snprintf(res->error, sizeof res->error,
                     "the server sent file bytes from %" PRIu64 " where %" PRIu64 " were expected", at, c->next);
            return 1;
        }
        /* The whole file again (Range ignored, or the file changed): a
         * clean start, never a mix of old and new bytes. */
        fk_ota_session_abort(&c->s);
        c->restarted = true;
        c->next = 0;
        fk_device_log(stdout, 'W', "ota", "the server sent the whole file%s: starting again from 0",
                      res->partial ? "" : " (it ignored Range or the file changed)");
    }
    if (!c->s.handle && (c->err = start_session(c, res) ? ESP_FAIL : ESP_OK) != ESP_OK) return 1;
    uint64_t a = at, b = at + len;
    c->next = b;
    if (c->hi && (b <= c->lo || a >= c->hi)) return 0;
    size_t skip = a < c->lo ? (size_t)(c->lo - a) : 0;
    size_t end = c->hi && b > c->hi ? len - (size_t)(b - c->hi) : len;
    data += skip;
    len = end - skip;
    c->err = fk_ota_session_write(&c->s, data, len);
    if (c->err != ESP_OK) {
        snprintf(res->error, sizeof res->error, "esp_ota_write failed after %" PRIu32 " bytes: %s (%s)", c->s.written,
                 esp_err_to_name(c->err), fk_ota_last_error());
        return 1;
    }
    if (c->bar_started) fk_progress_update(&c->bar, c->s.written);
    return 0;
}

static void on_retry(void *p, const fk_http_result_t *failed, int attempt, long pause_ms)
{
    ota_ctx_t *c = p;
    if (c->bar_started) fk_progress_end(&c->bar);
    c->bar_started = false;
    char have[32];
    kib(have, sizeof have, c->s.written);
    fk_device_log(stdout, 'W', "ota", "request %d failed: %s; retrying in %ld ms from %s", attempt, failed->error,
                  pause_ms, have);
}

/* A stored session for this slot and URL: resume it when its bytes check. */
static void try_resume(ota_ctx_t *c, const esp_partition_t *update, fk_http_opts_t *ho)
{
    esp_err_t err = fk_ota_session_find(&c->s, update, c->source_id);
    if (err == ESP_ERR_INVALID_CRC)
        fk_device_log(stdout, 'W', "ota", "the stored update's sectors do not match their CRC: starting from 0");
    if (err == ESP_OK && (err = fk_ota_session_resume(&c->s)) != ESP_OK)
        fk_device_log(stdout, 'W', "ota", "cannot resume (%s): starting from 0", esp_err_to_name(err));
    if (err != ESP_OK) {
        memset(&c->s, 0, sizeof c->s);
        c->s.part = update;
        return;
    }
    c->lo = c->s.src.src_offset;
    c->hi = c->combined ? c->lo + c->s.src.image_size : 0;
    c->next = c->lo + c->s.written;
    ho->range_from = c->next;
    ho->if_range = c->s.src.validator;
    char at[32], of[32];
    kib(at, sizeof at, c->s.written);
    if (c->s.src.image_size != OTA_SIZE_UNKNOWN) {
        kib(of, sizeof of, c->s.src.image_size);
        fk_device_log(stdout, 'I', "ota", "resuming at %s of %s (%" PRIu32 " of %" PRIu32 " bytes): an interrupted update of this URL",
                      at, of, c->s.written, c->s.src.image_size);
    } else {
        fk_device_log(stdout, 'I', "ota", "resuming at %s (%" PRIu32 " bytes): an interrupted update of this URL", at,
                      c->s.written);
    }
    c->bar_total = c->s.src.image_size != OTA_SIZE_UNKNOWN ? c->s.src.image_size : 0;
    fk_progress_start(&c->bar, "ota", c->bar_total);
    fk_progress_update(&c->bar, c->s.written);
    c->bar_started = true;
}

int device_ota(int argc, char **argv)
{
    fk_device_t d;
    const char *pos[2] = {0};
    const char *cacert = NULL, *timeout = NULL, *retries_s = NULL, *delay_s = NULL;
    bool insecure = false, combined = false, no_confirm = false, no_resume = false;
    const fk_opt_t own[] = {
        {"--combined", NULL, FK_OPT_FLAG, &combined},
        {"--cacert", NULL, FK_OPT_VALUE, &cacert},
        {"--insecure", NULL, FK_OPT_FLAG, &insecure},
        {"--timeout", NULL, FK_OPT_VALUE, &timeout},
        {"--retries", NULL, FK_OPT_VALUE, &retries_s},
        {"--retry-delay", NULL, FK_OPT_VALUE, &delay_s},
        {"--no-resume", NULL, FK_OPT_FLAG, &no_resume},
        {"--no-confirm", NULL, FK_OPT_FLAG, &no_confirm},
        FK_OPT_END,
    };
    fk_device_args_t a = {.cmd = "device ota", .usage = help, .opts = own, .pos = pos, .max_pos = 2};
    int rc;
    if (fk_device_args_parse(&d, &a, argc, argv, &rc)) return rc;
    fk_http_opts_t ho;
    fk_http_opts_default(&ho);
    ho.ca_file = cacert;
    ho.insecure = insecure;
    ho.retries = 3;
    ho.backoff_ms = 250;
    uint32_t t;
    if (timeout && (!fk_parse_size(timeout, &t) || !t)) {
        fk_err("--timeout %s: expected seconds", timeout);
        return 2;
    }
    if (timeout) ho.stall_timeout_s = (long)t;
    if (retries_s && (!fk_parse_size(retries_s, &t) || t > 1000)) {
        fk_err("--retries %s: expected a number of retries, 0 to 1000", retries_s);
        return 2;
    }
    if (retries_s) ho.retries = (int)t;
    if (delay_s && (!fk_parse_size(delay_s, &t) || t > 60000)) {
        fk_err("--retry-delay %s: expected milliseconds, 0 to 60000", delay_s);
        return 2;
    }
    if (delay_s) ho.backoff_ms = t ? (long)t : 1;
    const char *path = pos[0], *url = pos[1];
    if (!path || !url) {
        fk_err("device ota: DEV.img and URL are required (see --help)");
        return 2;
    }
    if (fk_device_start(&d, path) != 0) return 1;
    rc = 1;
    static fk_boot_result_t boot;
    if (fk_device_boot(&d, &boot, 1) != 0) {
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("%s: the device does not boot, so no app runs the OTA", path);
        goto out;
    }
    fk_device_rollback_report(stdout, &d, &boot);
    /* An app that updates itself has confirmed itself first (ESP-IDF's OTA
     * example does so at start-up); esp_ota_begin refuses otherwise. */
    if (d.rollback && !no_confirm) {
        esp_ota_img_states_t st;
        if (esp_ota_get_state_partition(boot.booted, &st) == ESP_OK && st == ESP_OTA_IMG_PENDING_VERIFY) {
            esp_err_t e = esp_ota_mark_app_valid_cancel_rollback();
            if (fk_device_power_lost(&d)) goto cut;
            fk_device_log(stdout, 'I', "app", "esp_ota_mark_app_valid_cancel_rollback(): %s", esp_err_to_name(e));
        }
    }
    /* The GPIOs were held at power-on only; the restart sees them released. */
    d.bopts.factory_reset = d.bopts.app_test = false;
    fk_device_print_running(stdout);
    const esp_partition_t *update = esp_ota_get_next_update_partition(NULL);
    if (!update) {
        fk_err("%s: the partition table has no OTA app partition to update", path);
        goto out;
    }
    fk_device_log(stdout, 'I', "ota", "Writing to partition subtype %d at offset 0x%x", update->subtype,
                  update->address);
    static ota_ctx_t c;
    memset(&c, 0, sizeof c);
    c.d = &d;
    c.combined = combined;
    c.n_slots = get_ota_partition_count();
    c.slot = (uint32_t)update->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_0;
    c.s.part = update;
    /* The session belongs to this URL and way of reading it. */
    c.source_id = fk_crc32_le(0xFFFFFFFFu, url, strlen(url)) ^ (combined ? 0x5A5A0000u | c.n_slots : 0);
    fk_device_log(stdout, 'I', "ota", "Total OTA number %u update to %u part", c.n_slots, c.slot);
    /* The app's NVS, where the resume record lives (the SDK's apps mount it
     * at start-up for the Wi-Fi driver anyway). */
    c.resume = !no_resume;
    if (c.resume) {
        esp_err_t e = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, "nvs")
                          ? nvs_flash_init()
                          : ESP_ERR_NOT_FOUND;
        if (fk_device_power_lost(&d)) goto cut;
        if (e != ESP_OK) {
            c.resume = false;
            fk_device_log(stdout, 'W', "ota", "no NVS partition 'nvs' to keep a resume record (%s): a power cut "
                          "restarts the download", esp_err_to_name(e));
        }
    }
    if (c.resume) try_resume(&c, update, &ho);
    if (fk_device_power_lost(&d)) goto cut;
    esp_err_t err = ESP_OK;
    fk_device_log(stdout, 'I', "ota", "%s; downloading %s",
                  c.s.handle ? "esp_ota_begin succeeded (resumed)" : "starting the update", url);
    ho.max_size = combined ? 0 : update->size;
    ho.on_retry = on_retry;
    fk_http_result_t res;
    int hr = fk_http_get_retry(url, &ho, on_body, &c, &res);
    if (c.bar_started) fk_progress_end(&c.bar);
    fk_device_log(stdout, 'I', "ota", "transferred %" PRIu64 " bytes over HTTP in %d request%s", res.transferred,
                  res.attempts, res.attempts == 1 ? "" : "s");
    if (hr != 0) {
        fk_ota_session_abort(&c.s);
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("%s: download failed%s: %s", url, res.attempts > 1 ? " (after retries)" : "", res.error);
        if (c.s.saved && c.s.src.validator[0]) {
            char at[32];
            kib(at, sizeof at, c.s.saved);
            fk_err("%s: %s of the update are kept: the same command resumes there", path, at);
        }
        fk_err("%s: boot partition unchanged; the running app stays", path);
        goto out;
    }
    fk_device_log(stdout, 'I', "ota", "Total Write binary data length : %" PRIu32, c.s.written);
    if (c.s.written == 0) {
        fk_ota_session_abort(&c.s);
        fk_err("%s: the server sent an empty body; boot partition unchanged", url);
        goto out;
    }
    err = fk_ota_session_end(&c.s);
    if (err != ESP_OK) {
        if (fk_device_power_lost(&d)) goto cut;
        /* Bytes that do not make an image are not worth resuming. */
        if (c.resume) fk_ota_session_clear();
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("%s: esp_ota_end failed: %s: %s", url, esp_err_to_name(err), fk_ota_last_error());
        fk_err("%s: boot partition unchanged; the running app stays", path);
        goto out;
    }
    err = esp_ota_set_boot_partition(update);
    if (err != ESP_OK) {
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("esp_ota_set_boot_partition failed: %s %s", esp_err_to_name(err), fk_ota_last_error());
        goto out;
    }
    /* Only now: a cut before this line resumes (or finds the new app running
     * and a record for a slot that is no longer the next one). */
    if (c.resume && fk_ota_session_clear() != ESP_OK && fk_device_power_lost(&d)) goto cut;
    fk_device_log(stdout, 'I', "ota", "Prepare to restart system!");
    /* "esp_restart()": the bootloader runs again on the same flash. */
    if (fk_device_boot(&d, &boot, 1) != 0) {
        if (fk_device_power_lost(&d)) goto cut;
        goto out;
    }
    fk_device_rollback_report(stdout, &d, &boot);
    fk_device_print_running(stdout);
    esp_app_desc_t desc;
    if (esp_ota_get_partition_description(boot.booted, &desc) == ESP_OK) fk_device_print_app(stdout, &desc);
    /* In copy mode the new ota_1 image runs from ota_0 once copied. */
    if (boot.booted != update && !boot.copied) {
        /* Issue 12: otadata was written but the bootloader chose otherwise. */
        fk_err("%s: the update to %s did not take effect: after the restart the bootloader started %s (%s)", path,
               update->label, boot.booted ? boot.booted->label : "nothing", boot.sel.why);
        goto out;
    }
    if (d.rollback && !no_confirm) {
        err = esp_ota_mark_app_valid_cancel_rollback();
        if (fk_device_power_lost(&d)) goto cut;
        fk_device_log(stdout, err == ESP_OK ? 'I' : 'E', "app", "esp_ota_mark_app_valid_cancel_rollback(): %s",
                      esp_err_to_name(err));
        if (err != ESP_OK) goto out;
    } else if (d.rollback) {
        fk_device_log(stdout, 'W', "app", "not confirmed (--no-confirm): the next boot rolls back to %s",
                      esp_ota_check_rollback_is_possible() ? "the previous app" : "ota_0 (no previous app)");
    }
    rc = 0;
    goto out;
cut:
    rc = FK_DEVICE_EXIT_POWER_CUT;
out:
    if (d.open) nvs_flash_deinit();
    fk_device_close(&d);
    return rc;
}
