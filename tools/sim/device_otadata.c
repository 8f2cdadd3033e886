/* flashkit device otadata: otatool.py's read_otadata / switch_ota_partition /
 * erase_otadata on the simulated device, through the app's API. */
#include <stdlib.h>
#include <string.h>

#include "device_args.h"
#include "esp_ota_ops.h"
#include "otadata.h"
#include "util.h"

static const char help[] =
    "usage: flashkit device otadata DEV.img [show]\n"
    "       flashkit device otadata DEV.img set ota_K|factory|test|LABEL\n"
    "       flashkit device otadata DEV.img erase\n"
    "\n"
    "show: both select entries and what the bootloader would start (as\n"
    "'flashkit otadata show', with the device's own table). set: select the app\n"
    "to boot with esp_ota_set_boot_partition() - the image in it is verified\n"
    "first, an invalid one is refused. erase: erase otadata (first-boot state).\n"
    "\n"
    "options:\n"
    "  --json                machine-readable 'show'\n" FK_DEVICE_COMMON_HELP FK_DEVICE_ROLLBACK_HELP;

static const esp_partition_t *find_app(const char *name)
{
    if (!strcmp(name, "factory"))
        return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL);
    if (!strcmp(name, "test"))
        return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_TEST, NULL);
    if (!strncmp(name, "ota_", 4) && name[4]) {
        char *end;
        unsigned long k = strtoul(name + 4, &end, 10);
        if (!*end && k < 16)
            return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(k), NULL);
    }
    return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_ANY, name);
}

static const char *state_name(esp_ota_img_states_t st)
{
    static char buf[16];
    const char *n = fk_ota_state_name(st);
    if (n) return n;
    snprintf(buf, sizeof buf, "0x%08x", st);
    return buf;
}

static void show(fk_device_t *d, const esp_partition_t *od)
{
    fk_ota_select_t s[2];
    fk_otadata_read(&d->emu.flash, od->address, s);
    fk_boot_layout_t l;
    fk_boot_layout(&d->table, &l);
    fk_boot_selection_t sel;
    fk_boot_select(&d->emu.flash, &l, &sel);
    const esp_partition_t *app = esp_ota_get_boot_partition();
    char nb[16];
    if (d->json) {
        printf("{\"offset\":%u,\"size\":%u,\"slots\":%d,\"entries\":[", od->address, od->size, l.app_count);
        for (int i = 0; i < 2; i++)
            printf("%s{\"seq\":%u,\"crc\":%u,\"erased\":%s,\"valid\":%s,\"state\":%u}", i ? "," : "", s[i].seq,
                   s[i].crc, fk_ota_select_erased(&s[i]) ? "true" : "false",
                   fk_ota_select_valid(&s[i]) ? "true" : "false", fk_ota_select_state(&s[i]));
        printf("],\"bootloader_select\":\"%s\",\"why\":", fk_boot_index_name(sel.index, nb, sizeof nb));
        fk_json_str(stdout, sel.why);
        printf(",\"app_boot_partition\":");
        fk_json_str(stdout, app ? app->label : NULL);
        printf("}\n");
        return;
    }
    printf("otadata at 0x%x (%u bytes), %d OTA slots\n", od->address, od->size, l.app_count);
    for (int i = 0; i < 2; i++) {
        printf("  entry %c: ", 'A' + i);
        if (fk_ota_select_erased(&s[i]))
            printf("erased\n");
        else
            printf("seq %u, crc 0x%08x %s, state %s\n", s[i].seq, s[i].crc,
                   fk_ota_select_valid(&s[i]) ? "ok" : "INVALID", state_name(fk_ota_select_state(&s[i])));
    }
    if (!d->rollback) {
        printf("bootloader selects: %s (%s)\n", fk_boot_index_name(sel.index, nb, sizeof nb), sel.why);
    } else {
        /* The entry the rollback bootloader and API go by; INVALID / ABORTED never count. */
        int a = fk_rb_active(s);
        if (a < 0 || l.app_count == 0)
            printf("bootloader selects (rollback): %s (no usable entry)\n", l.factory ? "factory" : "ota_0");
        else
            printf("bootloader selects (rollback): %s (entry %c, seq %u, %s%s)\n",
                   fk_boot_index_name(fk_rb_slot(s[a].seq, (uint32_t)l.app_count), nb, sizeof nb),
                   'A' + a, s[a].seq, state_name(fk_ota_select_state(&s[a])),
                   fk_ota_select_state(&s[a]) == ESP_OTA_IMG_PENDING_VERIFY ? ": unconfirmed, it will be ABORTED" : "");
    }
    printf("esp_ota_get_boot_partition(): %s\n", app ? app->label : "NULL");
}

int device_otadata(int argc, char **argv)
{
    fk_device_t d;
    const char *pos[3] = {0};
    fk_device_args_t a = {.cmd = "device otadata", .usage = help, .pos = pos, .max_pos = 3};
    int rc;
    if (fk_device_args_parse(&d, &a, argc, argv, &rc)) return rc;
    int npos = a.npos;
    const char *path = pos[0], *op = pos[1] ? pos[1] : "show";
    bool ok_args = path && ((!strcmp(op, "show") && npos <= 2) || (!strcmp(op, "erase") && npos == 2) ||
                            (!strcmp(op, "set") && npos == 3));
    if (!ok_args) {
        fk_err("device otadata: expected DEV.img [show] | set ota_K|factory | erase (see --help)");
        return 2;
    }
    if (fk_device_start(&d, path) != 0) return 1;
    rc = 1;
    const esp_partition_t *od =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_OTA, NULL);
    if (!od) {
        fk_err("%s: the partition table has no otadata partition", path);
        goto out;
    }
    if (!strcmp(op, "show")) {
        show(&d, od);
        rc = 0;
    } else if (!strcmp(op, "erase")) {
        esp_err_t err = esp_partition_erase_range(od, 0, od->size);
        if (err != ESP_OK) {
            rc = fk_device_power_lost(&d) ? FK_DEVICE_EXIT_POWER_CUT : 1;
            if (rc == 1) fk_err("%s: erasing otadata failed: %s", path, esp_err_to_name(err));
            goto out;
        }
        printf("otadata at 0x%x erased\n", od->address);
        rc = 0;
    } else {
        const esp_partition_t *p = find_app(pos[2]);
        if (!p) {
            fk_err("%s: no app partition '%s' in the partition table", path, pos[2]);
            goto out;
        }
        esp_err_t err = esp_ota_set_boot_partition(p);
        if (err != ESP_OK) {
            rc = fk_device_power_lost(&d) ? FK_DEVICE_EXIT_POWER_CUT : 1;
            if (rc == 1)
                fk_err("%s: cannot select %s at 0x%x: %s %s", path, p->label, p->address, esp_err_to_name(err),
                       fk_ota_last_error());
            goto out;
        }
        printf("boot partition: %s at 0x%x\n", p->label, p->address);
        rc = 0;
    }
out:
    fk_device_close(&d);
    return rc;
}
