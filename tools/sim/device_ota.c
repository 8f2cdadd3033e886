/* flashkit device ota: the SDK OTA example's flow on the simulated device,
 * with the real esp_ota_* API and a real HTTP(S) download. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "esp_ota_ops.h"
#include "http_client.h"
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
    "options:\n"
    "  --combined            URL is a 1 MB build's .ota.bin (app1 then app2): write\n"
    "                        only the half for the target slot, as native_ota does\n"
    "  --cacert FILE         HTTPS: trust this CA / server certificate (PEM)\n"
    "  --insecure            HTTPS: do not verify the server\n"
    "  --timeout S           give up when the transfer stalls S seconds (default 30)\n"
    "  --count-ops           print the number of flash writes and erases the command did\n"
    "  --no-confirm          with --rollback: the new app does not confirm itself\n" FK_DEVICE_COMMON_HELP
    FK_DEVICE_ROLLBACK_HELP;

typedef struct {
    fk_device_t *d;
    esp_ota_handle_t h;
    fk_progress_t bar;
    bool bar_started;
    bool combined;
    uint32_t n_slots, slot;
    uint64_t pos; /* bytes of the whole body seen (combined mode) */
    uint64_t lo, hi;
    uint64_t written;
    esp_err_t err;
} ota_ctx_t;

static int on_body(void *p, const uint8_t *data, size_t len, fk_http_result_t *res)
{
    ota_ctx_t *c = p;
    if (!c->bar_started) {
        uint64_t total = res->content_length > 0 ? (uint64_t)res->content_length : 0;
        if (c->combined) {
            if (res->content_length <= 0) {
                snprintf(res->error, sizeof res->error, "--combined needs a Content-Length to split the image");
                return 1;
            }
            uint64_t half = (uint64_t)res->content_length / c->n_slots;
            c->lo = half * c->slot;
            c->hi = c->lo + half;
            total = half;
        }
        fk_progress_start(&c->bar, "ota", total);
        c->bar_started = true;
    }
    if (c->combined) {
        uint64_t a = c->pos, b = c->pos + len;
        c->pos = b;
        if (b <= c->lo || a >= c->hi) return 0;
        size_t skip = a < c->lo ? (size_t)(c->lo - a) : 0;
        size_t end = b > c->hi ? len - (size_t)(b - c->hi) : len;
        data += skip;
        len = end - skip;
    }
    c->err = esp_ota_write(c->h, data, len);
    if (c->err != ESP_OK) {
        snprintf(res->error, sizeof res->error, "esp_ota_write failed after %" PRIu64 " bytes: %s (%s)", c->written,
                 esp_err_to_name(c->err), fk_ota_last_error());
        return 1;
    }
    c->written += len;
    fk_progress_update(&c->bar, c->written);
    return 0;
}

static void count_ops(fk_device_t *d, bool on)
{
    if (!on) return;
    printf("flash operations: %" PRIu64 " (%" PRIu64 " erases, %" PRIu64 " writes)\n", d->emu.st.ops,
           d->emu.st.erases, d->emu.st.writes);
}

int device_ota(int argc, char **argv)
{
    fk_device_t d;
    fk_device_init(&d);
    const char *path = NULL, *url = NULL;
    fk_http_opts_t ho;
    fk_http_opts_default(&ho);
    bool show_ops = false, combined = false, confirm = true;
    for (int i = 1; i < argc; i++) {
        const char *v, *s = argv[i];
        int c = fk_device_rollback_opt(&d, argc, argv, &i);
        if (c == 0) c = fk_device_common_opt(&d, argc, argv, &i);
        if (c < 0) return 2;
        if (c > 0) continue;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(help, stdout);
            return 0;
        } else if (fk_opt_value(argc, argv, &i, "--cacert", &v)) {
            if (!(ho.ca_file = v)) return 2;
        } else if (fk_opt_value(argc, argv, &i, "--timeout", &v)) {
            uint32_t t;
            if (!v) return 2;
            if (!fk_parse_size(v, &t) || !t) {
                fk_err("--timeout %s: expected seconds", v);
                return 2;
            }
            ho.stall_timeout_s = (long)t;
        } else if (!strcmp(s, "--insecure")) {
            ho.insecure = true;
        } else if (!strcmp(s, "--count-ops")) {
            show_ops = true;
        } else if (!strcmp(s, "--combined")) {
            combined = true;
        } else if (!strcmp(s, "--no-confirm")) {
            confirm = false;
        } else if (s[0] == '-' && s[1]) {
            fk_err("device ota: unknown option %s (see --help)", s);
            return 2;
        } else if (!path) {
            path = s;
        } else if (!url) {
            url = s;
        } else {
            fk_err("device ota: unexpected argument %s", s);
            return 2;
        }
    }
    if (!path || !url) {
        fk_err("device ota: DEV.img and URL are required (see --help)");
        return 2;
    }
    if (fk_device_open(&d, path) != 0) return 1;
    int rc = 1;
    if (fk_device_rollback_apply(&d) != 0) goto out;
    static fk_boot_result_t boot;
    if (fk_device_boot(&d, &boot, 1) != 0) {
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("%s: the device does not boot, so no app runs the OTA", path);
        goto out;
    }
    fk_device_rollback_report(stdout, &d, &boot);
    /* An app that updates itself has confirmed itself first (ESP-IDF's OTA
     * example does so at start-up); esp_ota_begin refuses otherwise. */
    if (d.rollback && confirm) {
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
    ota_ctx_t c = {.d = &d, .combined = combined, .n_slots = get_ota_partition_count(),
                   .slot = (uint32_t)update->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_0};
    fk_device_log(stdout, 'I', "ota", "Total OTA number %u update to %u part", c.n_slots, c.slot);
    esp_err_t err = esp_ota_begin(update, OTA_SIZE_UNKNOWN, &c.h);
    if (err != ESP_OK) {
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("esp_ota_begin failed: %s %s", esp_err_to_name(err), fk_ota_last_error());
        goto out;
    }
    fk_device_log(stdout, 'I', "ota", "esp_ota_begin succeeded; downloading %s", url);
    ho.max_size = combined ? 0 : update->size;
    fk_http_result_t res;
    int hr = fk_http_get(url, &ho, on_body, &c, &res);
    if (c.bar_started) fk_progress_end(&c.bar);
    if (hr != 0) {
        esp_ota_abort(c.h);
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("%s: download failed: %s", url, res.error);
        fk_err("%s: boot partition unchanged; the running app stays", path);
        goto out;
    }
    fk_device_log(stdout, 'I', "ota", "Total Write binary data length : %" PRIu64, c.written);
    if (c.written == 0) {
        esp_ota_abort(c.h);
        fk_err("%s: the server sent an empty body; boot partition unchanged", url);
        goto out;
    }
    err = esp_ota_end(c.h);
    if (err != ESP_OK) {
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
        count_ops(&d, show_ops);
        goto out;
    }
    if (d.rollback && confirm) {
        err = esp_ota_mark_app_valid_cancel_rollback();
        if (fk_device_power_lost(&d)) goto cut;
        fk_device_log(stdout, err == ESP_OK ? 'I' : 'E', "app", "esp_ota_mark_app_valid_cancel_rollback(): %s",
                      esp_err_to_name(err));
        if (err != ESP_OK) goto out;
    } else if (d.rollback) {
        fk_device_log(stdout, 'W', "app", "not confirmed (--no-confirm): the next boot rolls back to %s",
                      esp_ota_check_rollback_is_possible() ? "the previous app" : "ota_0 (no previous app)");
    }
    count_ops(&d, show_ops);
    rc = 0;
    goto out;
cut:
    count_ops(&d, show_ops);
    rc = FK_DEVICE_EXIT_POWER_CUT;
out:
    fk_device_close(&d);
    return rc;
}
