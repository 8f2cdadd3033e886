#include "otadata_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_select.h"
#include "esp_ota_ops.h"
#include "flash_emu.h"
#include "opts.h"
#include "util.h"

static const char boot_help[] =
    "usage: flashkit otadata boot OTADATA.bin --slots N [--factory] [--test] [--rollback]\n"
    "           [--anti-rollback --efuse-secure-version V --secure-versions ota_0:V0,ota_1:V1]\n"
    "           [--bad-images ota_1,...] -o OUT.bin\n"
    "\n"
    "Powers on a device whose otadata is OTADATA.bin: the bootloader picks an app\n"
    "(ESP8266 SDK rules; with --rollback ESP-IDF's otadata states: NEW becomes\n"
    "PENDING_VERIFY, an unconfirmed PENDING_VERIFY app is ABORTED and the previous\n"
    "one boots). Prints boot=ota_K|factory|test|none (and, with --anti-rollback,\n"
    "efuse_secure_version_after=V); OUT.bin gets the otadata the bootloader leaves.\n"
    "The input is not changed. The apps are described, not read:\n"
    "  --slots N                  OTA app partitions ota_0..ota_{N-1} (1..16)\n"
    "  --factory, --test          the table also has a factory / test app\n"
    "  --bad-images LIST          these apps do not verify (all others do)\n"
    "  --rollback                 CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE\n"
    "  --anti-rollback            CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK (implies --rollback)\n"
    "  --efuse-secure-version V   the eFuse counter before power-on (0..16)\n"
    "  --secure-versions LIST     NAME:V per app descriptor (default 0)\n"
    "  -o, --output OUT.bin       where the resulting otadata goes ('-' = stdout)\n";

static const char api_help[] =
    "usage: flashkit otadata api OTADATA.bin --slots N [--factory] [--test] --running NAME\n"
    "           [--rollback] [anti-rollback options] [--bad-images LIST] -o OUT.bin CALL [ARG]\n"
    "\n"
    "One call of the app's OTA API on a device whose otadata is OTADATA.bin, with\n"
    "the app NAME running. CALL:\n"
    "  set_boot_partition P   esp_ota_set_boot_partition (P = ota_K | factory | test)\n"
    "  mark_valid             esp_ota_mark_app_valid_cancel_rollback\n"
    "  mark_invalid           esp_ota_mark_app_invalid_rollback_and_reboot\n"
    "  get_state P            esp_ota_get_state_partition\n"
    "  check_rollback         esp_ota_check_rollback_is_possible\n"
    "  last_invalid           esp_ota_get_last_invalid_partition\n"
    "  erase_last_boot_app    esp_ota_erase_last_boot_app_partition\n"
    "  begin P                esp_ota_begin(P, OTA_SIZE_UNKNOWN)\n"
    "Prints result=ESP_... (check_rollback: true|false; last_invalid: ota_K|none),\n"
    "and where they apply state=NAME, restart=yes|no, erased_partition=NAME (an app\n"
    "partition the call erases or, for begin, hands over to be overwritten: ESP-IDF\n"
    "erases it there, flashkit sector by sector as the image arrives),\n"
    "efuse_secure_version_after=V. OUT.bin gets the otadata after the call.\n"
    "Options as for 'flashkit otadata boot', plus --running NAME.\n";

#define APP_SIZE 0x1000u
#define MAX_APPS (FK_OTA_MAX_SLOTS + 2)

typedef struct {
    const char *file, *out, *running;
    const char *slots_s, *efuse_s, *secvers_s, *bad_s;
    bool factory, test, rollback, anti, api;
    uint32_t slots, efuse;
    const char *call, *arg;
    /* the model */
    fk_emu_t emu;
    fk_ptable_t table;
    uint32_t len;
    struct {
        char name[16];
        bool bad;
        uint32_t secure_version;
    } app[MAX_APPS];
    int napps;
} model_t;

static int app_index(const model_t *m, const char *name)
{
    for (int i = 0; i < m->napps; i++)
        if (!strcmp(m->app[i].name, name)) return i;
    return -1;
}

static int app_of(const model_t *m, const esp_partition_t *p)
{
    return p ? app_index(m, p->label) : -1;
}

/* The apps are assumed valid except the listed ones; an erased one no longer is. */
static esp_err_t model_check(void *ctx, const esp_partition_t *p, char *why, size_t len)
{
    model_t *m = ctx;
    int i = app_of(m, p);
    if (i < 0) {
        snprintf(why, len, "not an app of the model");
        return ESP_ERR_IMAGE_INVALID;
    }
    if (m->app[i].bad) {
        snprintf(why, len, "listed in --bad-images");
        return ESP_ERR_IMAGE_INVALID;
    }
    if (m->emu.mem[p->address] == 0xFF) {
        snprintf(why, len, "erased");
        return ESP_ERR_IMAGE_INVALID;
    }
    return ESP_OK;
}

static esp_err_t model_secver(void *ctx, const esp_partition_t *p, uint32_t *v)
{
    model_t *m = ctx;
    int i = app_of(m, p);
    if (i < 0 || m->emu.mem[p->address] == 0xFF) return ESP_ERR_NOT_FOUND;
    *v = m->app[i].secure_version;
    return ESP_OK;
}

static bool parse_u32(const char *opt, const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
    if (!fk_parse_size(v, out) || *out < lo || *out > hi) {
        fk_err("%s %s: expected a number from %u to %u", opt, v, lo, hi);
        return false;
    }
    return true;
}

static void add_app(model_t *m, int subtype, const char *name)
{
    uint32_t addr = m->len + (uint32_t)m->napps * APP_SIZE;
    esp_partition_t *p = &m->table.part[m->table.count++];
    memset(p, 0, sizeof *p);
    p->type = ESP_PARTITION_TYPE_APP;
    p->subtype = (esp_partition_subtype_t)subtype;
    p->address = addr;
    p->size = APP_SIZE;
    p->flash = &m->emu.flash;
    snprintf(p->label, sizeof p->label, "%s", name);
    snprintf(m->app[m->napps].name, sizeof m->app[0].name, "%s", name);
    /* Something that is not erased: an image is there. */
    memset(m->emu.mem + addr, 0, APP_SIZE);
    m->napps++;
}

/* Applies NAME:V,NAME:V or NAME,NAME (flag) lists to the apps. */
static bool apply_list(model_t *m, const char *opt, const char *list, bool with_value)
{
    if (!list || (!with_value && !strcmp(list, "none"))) return true;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(t, ':');
        if (with_value != (colon != NULL)) {
            fk_err("%s %s: expected %s", opt, list, with_value ? "NAME:V,NAME:V" : "NAME,NAME");
            return false;
        }
        if (colon) *colon = 0;
        int i = app_index(m, t);
        if (i < 0) {
            fk_err("%s: '%s' is not an app of the described table", opt, t);
            return false;
        }
        if (!with_value) {
            m->app[i].bad = true;
        } else if (!parse_u32(opt, colon + 1, 0, 32, &m->app[i].secure_version)) {
            return false;
        }
    }
    return true;
}

static int load(model_t *m)
{
    uint8_t *data;
    size_t len;
    if (fk_read_file(m->file, &data, &len) != 0) return 1;
    if (len < FK_OTADATA_SIZE || len % FK_SECTOR_SIZE || len > 0x100000) {
        fk_err("%s: %zu bytes; an otadata partition is a multiple of 4 KiB and at least 0x2000 bytes", m->file, len);
        free(data);
        return 1;
    }
    m->len = (uint32_t)len;
    if (fk_emu_init_mem(&m->emu, m->len + MAX_APPS * APP_SIZE) != 0) {
        fk_err("out of memory");
        free(data);
        return 1;
    }
    fk_emu_load(&m->emu, 0, data, m->len);
    free(data);
    memset(&m->table, 0, sizeof m->table);
    m->table.flash = &m->emu.flash;
    esp_partition_t *od = &m->table.part[m->table.count++];
    memset(od, 0, sizeof *od);
    od->type = ESP_PARTITION_TYPE_DATA;
    od->subtype = ESP_PARTITION_SUBTYPE_DATA_OTA;
    od->size = m->len;
    od->flash = &m->emu.flash;
    snprintf(od->label, sizeof od->label, "otadata");
    if (m->factory) add_app(m, ESP_PARTITION_SUBTYPE_APP_FACTORY, "factory");
    for (uint32_t i = 0; i < m->slots; i++) {
        char name[16];
        snprintf(name, sizeof name, "ota_%u", i);
        add_app(m, ESP_PARTITION_SUBTYPE_APP_OTA_MIN + (int)i, name);
    }
    if (m->test) add_app(m, ESP_PARTITION_SUBTYPE_APP_TEST, "test");
    if (!apply_list(m, "--bad-images", m->bad_s, false) || !apply_list(m, "--secure-versions", m->secvers_s, true)) {
        fk_emu_close(&m->emu);
        return 2;
    }
    fk_partition_set_table(&m->table);
    fk_ota_config_t cfg = *fk_ota_config();
    cfg.rollback = m->rollback || m->anti;
    cfg.anti_rollback = m->anti;
    cfg.check = model_check;
    cfg.secure_version = model_secver;
    cfg.ctx = m;
    fk_ota_configure(&cfg);
    fk_efuse_secure_version_load(fk_efuse_secure_version_bits_for(m->efuse), FK_EFUSE_SECURE_VERSION_BITS);
    return 0;
}

static int parse(model_t *m, int argc, char **argv, bool api)
{
    memset(m, 0, sizeof *m);
    m->api = api;
    const fk_opt_t opts[] = {
        {"--slots", NULL, FK_OPT_VALUE, &m->slots_s},
        {"--factory", NULL, FK_OPT_FLAG, &m->factory},
        {"--test", NULL, FK_OPT_FLAG, &m->test},
        {"--rollback", NULL, FK_OPT_FLAG, &m->rollback},
        {"--anti-rollback", NULL, FK_OPT_FLAG, &m->anti},
        {"--efuse-secure-version", NULL, FK_OPT_VALUE, &m->efuse_s},
        {"--secure-versions", NULL, FK_OPT_VALUE, &m->secvers_s},
        {"--bad-images", NULL, FK_OPT_VALUE, &m->bad_s},
        {"--output", "-o", FK_OPT_VALUE, &m->out},
        {api ? "--running" : NULL, NULL, FK_OPT_VALUE, &m->running},
        FK_OPT_END,
    };
    const char *pos[3] = {0};
    fk_opts_t o = {.cmd = api ? "otadata api" : "otadata boot", .usage = api ? api_help : boot_help,
                   .opts = opts, .pos = pos, .max_pos = api ? 3 : 1};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc ? rc : -1; /* -1: --help, exit 0 */
    m->file = pos[0];
    m->call = pos[1];
    m->arg = pos[2];
    if (!m->file || !m->out || !m->slots_s || (api && (!m->running || !m->call))) {
        fk_err("%s: OTADATA.bin, --slots N%s and -o OUT.bin are required (see --help)", o.cmd,
               api ? ", --running NAME, CALL" : "");
        return 2;
    }
    if (!parse_u32("--slots", m->slots_s, 1, FK_OTA_MAX_SLOTS, &m->slots)) return 2;
    if (m->efuse_s && !parse_u32("--efuse-secure-version", m->efuse_s, 0, FK_EFUSE_SECURE_VERSION_BITS, &m->efuse))
        return 2;
    if ((m->efuse_s || m->secvers_s) && !m->anti) {
        fk_err("%s: --efuse-secure-version and --secure-versions need --anti-rollback", o.cmd);
        return 2;
    }
    return load(m);
}

static int finish(model_t *m, int rc)
{
    if (rc == 0 && strcmp(m->out, "-") == 0) {
        if (fwrite(m->emu.mem, 1, m->len, stdout) != m->len) rc = 1;
    } else if (rc == 0 && fk_write_file_atomic(m->out, m->emu.mem, m->len) != 0) {
        rc = 1;
    }
    fk_partition_set_table(NULL);
    fk_ota_config_reset();
    fk_emu_close(&m->emu);
    return rc;
}

/* stdout carries the key=value lines unless the otadata goes there. */
static FILE *report(const model_t *m)
{
    return strcmp(m->out, "-") == 0 ? stderr : stdout;
}

int otadata_boot(int argc, char **argv)
{
    static model_t m;
    int rc = parse(&m, argc, argv, false);
    if (rc) return rc < 0 ? 0 : rc;
    static fk_boot_result_t r;
    esp_err_t err = fk_boot_go(&m.emu.flash, &m.table, NULL, NULL, NULL, &r);
    if (err != ESP_OK && err != ESP_ERR_NOT_FOUND) {
        fk_err("%s: the bootloader stopped: %s", m.file, esp_err_to_name(err));
        return finish(&m, 1);
    }
    FILE *f = report(&m);
    fprintf(f, "boot=%s\n", r.booted ? r.booted->label : "none");
    if (m.anti) fprintf(f, "efuse_secure_version_after=%u\n", esp_efuse_read_secure_version());
    return finish(&m, 0);
}

static const esp_partition_t *arg_part(model_t *m)
{
    if (!m->arg) {
        fk_err("otadata api %s: needs a partition name (ota_K, factory, test)", m->call);
        return NULL;
    }
    const esp_partition_t *p = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_ANY, m->arg);
    if (!p) fk_err("otadata api %s: '%s' is not an app of the described table", m->call, m->arg);
    return p;
}

int otadata_api(int argc, char **argv)
{
    static model_t m;
    int rc = parse(&m, argc, argv, true);
    if (rc) return rc < 0 ? 0 : rc;
    const esp_partition_t *run = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_ANY, m.running);
    if (!run) {
        fk_err("--running %s: not an app of the described table", m.running);
        return finish(&m, 2);
    }
    fk_app_start(run);
    bool was_erased[MAX_APPS];
    for (int i = 0; i < m.napps; i++) was_erased[i] = m.emu.mem[m.table.part[i + 1].address] == 0xFF;
    FILE *f = report(&m);
    const char *c = m.call;
    bool takes_arg = !strcmp(c, "set_boot_partition") || !strcmp(c, "get_state") || !strcmp(c, "begin");
    if (!takes_arg && m.arg) {
        fk_err("otadata api %s: takes no argument (got '%s')", c, m.arg);
        return finish(&m, 2);
    }
    const esp_partition_t *p = NULL;
    if (takes_arg && !(p = arg_part(&m))) return finish(&m, 2);
    esp_err_t err = ESP_OK;
    if (!strcmp(c, "set_boot_partition")) {
        err = esp_ota_set_boot_partition(p);
    } else if (!strcmp(c, "mark_valid")) {
        err = esp_ota_mark_app_valid_cancel_rollback();
    } else if (!strcmp(c, "mark_invalid")) {
        err = esp_ota_mark_app_invalid_rollback_and_reboot();
    } else if (!strcmp(c, "get_state")) {
        esp_ota_img_states_t st;
        err = esp_ota_get_state_partition(p, &st);
        fprintf(f, "result=%s\n", esp_err_to_name(err));
        if (err == ESP_OK) {
            const char *n = fk_ota_state_name(st);
            if (n)
                fprintf(f, "state=%s\n", n);
            else
                fprintf(f, "state=0x%08x\n", st);
        }
    } else if (!strcmp(c, "check_rollback")) {
        fprintf(f, "result=%s\n", esp_ota_check_rollback_is_possible() ? "true" : "false");
    } else if (!strcmp(c, "last_invalid")) {
        const esp_partition_t *li = esp_ota_get_last_invalid_partition();
        fprintf(f, "result=%s\n", li ? li->label : "none");
    } else if (!strcmp(c, "erase_last_boot_app")) {
        err = esp_ota_erase_last_boot_app_partition();
    } else if (!strcmp(c, "begin")) {
        esp_ota_handle_t h;
        err = esp_ota_begin(p, OTA_SIZE_UNKNOWN, &h);
        if (err == ESP_OK) esp_ota_abort(h);
    } else {
        fk_err("otadata api: unknown call '%s' (set_boot_partition, mark_valid, mark_invalid, get_state, "
               "check_rollback, last_invalid, erase_last_boot_app, begin)", c);
        return finish(&m, 2);
    }
    bool printed = !strcmp(c, "get_state") || !strcmp(c, "check_rollback") || !strcmp(c, "last_invalid");
    if (!printed) fprintf(f, "result=%s\n", esp_err_to_name(err));
    if (!strcmp(c, "mark_invalid")) fprintf(f, "restart=%s\n", err == ESP_OK ? "yes" : "no");
    for (int i = 0; i < m.napps; i++)
        if (!was_erased[i] && m.emu.mem[m.table.part[i + 1].address] == 0xFF)
            fprintf(f, "erased_partition=%s\n", m.app[i].name);
    if (!strcmp(c, "begin") && err == ESP_OK) fprintf(f, "erased_partition=%s\n", p->label);
    if (m.anti) fprintf(f, "efuse_secure_version_after=%u\n", esp_efuse_read_secure_version());
    return finish(&m, 0);
}
