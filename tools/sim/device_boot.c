/* flashkit device boot: the bootloader's choice, then what the app sees. */
#include <string.h>

#include "device_args.h"
#include "esp_ota_ops.h"
#include "util.h"

static const char help[] =
    "usage: flashkit device boot DEV.img [options]\n"
    "\n"
    "Powers the device on: the ESP8266 SDK bootloader reads the partition table\n"
    "and otadata, picks an app (factory / ota_N / test, falling back when an image\n"
    "does not verify) and starts it; the app then reports, in the SDK OTA example's\n"
    "words, the configured and running partitions and its app descriptor.\n"
    "With --rollback a new app boots PENDING_VERIFY; if it is still unconfirmed at\n"
    "the next power-on it is marked ABORTED and the previous app boots instead.\n"
    "Exit status 1 when nothing is bootable.\n"
    "\n"
    "options:\n"
    "  --json                machine-readable result\n"
    "  --confirm             the app confirms itself once it runs\n"
    "                        (esp_ota_mark_app_valid_cancel_rollback)\n" FK_DEVICE_COMMON_HELP FK_DEVICE_ROLLBACK_HELP;

static void json_part(const esp_partition_t *p)
{
    if (!p) {
        printf("null");
        return;
    }
    printf("{\"label\":");
    fk_json_str(stdout, p->label);
    printf(",\"type\":%d,\"subtype\":%d,\"offset\":%u,\"size\":%u}", p->type, p->subtype, p->address, p->size);
}

static void json_desc_str(const char *name, const char *s, size_t n, bool comma)
{
    printf("%s\"%s\":", comma ? "," : "", name);
    fk_json_strn(stdout, s, strnlen(s, n));
}

static void print_json(fk_device_t *d, const fk_boot_result_t *r)
{
    char nb[16];
    printf("{\"device\":");
    fk_json_str(stdout, d->path);
    printf(",\"flash_size\":%u,\"table_offset\":%u,\"otadata\":", d->emu.size, d->table_offset);
    if (r->sel.otadata_read) {
        printf("{\"state\":\"%s\",\"seq\":%u,\"a_valid\":%s,\"b_valid\":%s}",
               r->sel.otadata.state == FK_OTADATA_EMPTY ? "erased"
               : r->sel.otadata.state == FK_OTADATA_SLOT ? "valid"
                                                         : "invalid",
               r->sel.otadata.seq, r->sel.otadata.a_valid ? "true" : "false",
               r->sel.otadata.b_valid ? "true" : "false");
    } else {
        printf("null");
    }
    printf(",\"selected\":\"%s\",\"why\":", fk_boot_index_name(r->sel.index, nb, sizeof nb));
    fk_json_str(stdout, r->sel.why);
    printf(",\"note\":");
    fk_json_str(stdout, r->note);
    printf(",\"erased_partitions\":%d,\"copied\":%s", r->erased, r->copied ? "true" : "false");
    printf(",\"rollback\":%s", r->rollback ? "true" : "false");
    if (r->rollback) {
        esp_ota_img_states_t st;
        const char *sn = r->booted && esp_ota_get_state_partition(r->booted, &st) == ESP_OK ? fk_ota_state_name(st) : NULL;
        printf(",\"aborted_entries\":[");
        for (int i = 0, n = 0; i < 2; i++)
            if (r->aborted & (1u << i)) printf("%s\"%c\"", n++ ? "," : "", 'A' + i);
        printf("],\"pending\":%s,\"running_state\":", r->pending ? "true" : "false");
        fk_json_str(stdout, sn);
        printf(",\"efuse_secure_version\":%u", r->efuse_after);
    }
    printf(",\"tries\":[");
    for (int i = 0; i < r->ntries; i++) {
        printf("%s{\"index\":\"%s\",\"offset\":%u,\"ok\":%s,\"reason\":", i ? "," : "",
               fk_boot_index_name(r->tries[i].index, nb, sizeof nb), r->tries[i].part->address,
               r->tries[i].result == ESP_OK ? "true" : "false");
        fk_json_str(stdout, r->tries[i].reason);
        printf("}");
    }
    printf("],\"booted\":");
    json_part(r->booted);
    printf(",\"running\":");
    json_part(esp_ota_get_running_partition());
    printf(",\"configured\":");
    json_part(esp_ota_get_boot_partition());
    printf(",\"app\":");
    esp_app_desc_t desc;
    if (r->booted && esp_ota_get_partition_description(r->booted, &desc) == ESP_OK) {
        printf("{");
        json_desc_str("project_name", desc.project_name, 32, false);
        json_desc_str("version", desc.version, 32, true);
        json_desc_str("time", desc.time, 16, true);
        json_desc_str("date", desc.date, 16, true);
        json_desc_str("idf_ver", desc.idf_ver, 32, true);
        printf(",\"app_elf_sha256\":\"");
        for (int i = 0; i < 32; i++) printf("%02x", desc.app_elf_sha256[i]);
        printf("\"}");
    } else {
        printf("null");
    }
    printf("}\n");
}

int device_boot(int argc, char **argv)
{
    fk_device_t d;
    const char *path = NULL;
    bool confirm = false;
    const fk_opt_t own[] = {{"--confirm", NULL, FK_OPT_FLAG, &confirm}, FK_OPT_END};
    fk_device_args_t a = {.cmd = "device boot", .usage = help, .opts = own, .pos = &path, .max_pos = 1};
    int rc = fk_device_args_open(&d, &a, argc, argv);
    if (rc >= 0) return rc;
    static fk_boot_result_t r;
    rc = fk_device_boot(&d, &r, d.json ? 0 : 2);
    if (!fk_device_power_lost(&d) && !d.json) fk_device_rollback_report(stdout, &d, &r);
    if (rc == 0 && confirm && !fk_device_power_lost(&d)) {
        esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
        if (!d.json && !fk_device_power_lost(&d))
            fk_device_log(stdout, err == ESP_OK ? 'I' : 'W', "app", "esp_ota_mark_app_valid_cancel_rollback(): %s",
                          esp_err_to_name(err));
    }
    if (fk_device_power_lost(&d)) {
        fk_device_close(&d);
        return FK_DEVICE_EXIT_POWER_CUT;
    }
    if (d.json) {
        print_json(&d, &r);
    } else if (rc == 0) {
        fk_device_print_running(stdout);
        esp_app_desc_t desc;
        if (esp_ota_get_partition_description(r.booted, &desc) == ESP_OK)
            fk_device_print_app(stdout, &desc);
        else
            fk_device_log(stdout, 'W', "app", "the running image has no app descriptor");
    }
    if (rc != 0) fk_err("%s: no bootable app: the device does not start", path);
    fk_device_close(&d);
    return rc == 0 ? 0 : 1;
}
