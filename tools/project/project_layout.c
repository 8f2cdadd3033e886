/* The whole-layout check `flashkit build` runs before writing anything:
 * sdkconfig vs the partition table vs the flash size vs the NVS CSV. */
#include "project.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nvs_gen.h"
#include "util.h"

#define MB1 0x100000u

void fk_layout_row_name(const fk_project_t *p, const fk_layout_t *lay, int i, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%d %s", p->table_name, lay->rows.line[i], lay->rows.e[i].label);
}

/* "sdkconfig:14: CONFIG_X=0x85000" or "flash size 2MB (SDK default)". */
static void opt_name(const fk_project_t *p, const char *opt, const fk_opt_u32_t *o, char *buf, size_t len)
{
    if (o->line)
        snprintf(buf, len, "%s:%d: %s=0x%X", p->sdk_name, o->line, opt, o->v);
    else
        snprintf(buf, len, "%s: %s=0x%X (Kconfig default; the file does not set it)", p->sdk_name, opt, o->v);
}

static void flash_size_name(const fk_project_t *p, char *buf, size_t len)
{
    if (p->flash_size_line)
        snprintf(buf, len, "%s:%d: flash size %s (0x%X bytes)", p->sdk_name, p->flash_size_line,
                 p->flash_size_str, p->flash_size);
    else
        snprintf(buf, len, "%s: flash size %s (0x%X bytes, the SDK default; the file sets none)", p->sdk_name,
                 p->flash_size_str, p->flash_size);
}

static char *load_table_text(const fk_project_t *p, fk_msgs_t *m)
{
    if (!p->table_path) {
        const char *name = p->table == FK_TABLE_SINGLE_APP ? "singleapp"
                           : p->flash_size == MB1          ? "two_ota_1mb"
                                                           : "two_ota";
        const char *t = fk_part_builtin(name);
        return t ? strdup(t) : NULL;
    }
    FILE *f = fopen(p->table_path, "rb");
    if (!f) {
        fk_msgs_add(m, "%s:%d: CONFIG_PARTITION_TABLE_CUSTOM_FILENAME names %s: %s", p->sdk_name,
                    p->table_name_line, p->table_path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    if (buf) buf[n] = 0;
    return buf;
}

/* The parser says "Error at line N: why"; file:line is the form used here. */
static void add_table_error(const fk_project_t *p, const char *err, fk_msgs_t *m)
{
    int line, k = 0;
    if (sscanf(err, "Error at line %d: %n", &line, &k) == 1 && k > 0)
        fk_msgs_add(m, "%s:%d: %s", p->table_name, line, err + k);
    else
        fk_msgs_add(m, "%s: %s", p->table_name, err);
}

static void check_table_offset(const fk_project_t *p, fk_layout_t *lay, fk_msgs_t *m)
{
    char opt[256];
    uint32_t off = p->table_offset.v;
    opt_name(p, "CONFIG_PARTITION_TABLE_OFFSET", &p->table_offset, opt, sizeof opt);
    if (off % 0x1000)
        fk_msgs_add(m, "%s is not a multiple of 0x1000: the table fills one flash sector", opt);
    if (off < 0x1000)
        fk_msgs_add(m, "%s leaves no room for the bootloader at 0x0", opt);
    if ((uint64_t)off + 0x1000 > p->flash_size) {
        char fs[256];
        flash_size_name(p, fs, sizeof fs);
        fk_msgs_add(m, "%s but %s ends before the table sector's end 0x%llX", opt, fs,
                    (unsigned long long)off + 0x1000);
    }
    for (int i = 0; i < lay->rows.count; i++) {
        const fk_part_entry_t *e = &lay->rows.e[i];
        if (e->offset >= off + 0x1000) continue;
        char row[256];
        fk_layout_row_name(p, lay, i, row, sizeof row);
        fk_msgs_add(m, "%s puts the table at 0x%X-0x%X but %s starts at 0x%X (partitions must start at or after 0x%X)",
                    opt, off, off + 0xFFF, row, e->offset, off + 0x1000);
    }
}

static void check_flash_size(const fk_project_t *p, const fk_layout_t *lay, fk_msgs_t *m)
{
    for (int i = 0; i < lay->rows.count; i++) {
        const fk_part_entry_t *e = &lay->rows.e[i];
        uint64_t end = (uint64_t)e->offset + e->size;
        if (end <= p->flash_size) continue;
        char fs[256], row[256];
        flash_size_name(p, fs, sizeof fs);
        fk_layout_row_name(p, lay, i, row, sizeof row);
        fk_msgs_add(m, "%s but %s ends at 0x%llX", fs, row, (unsigned long long)end);
    }
}

static int find_row(const fk_layout_t *lay, int type, int subtype)
{
    const fk_part_entry_t *e = fk_part_list_find(&lay->rows, type, subtype);
    return e ? (int)(e - lay->rows.e) : -1;
}

/* One configured app location against the table row it must equal. */
static void compare_app(const fk_project_t *p, const fk_layout_t *lay, int row, const char *offopt,
                        const fk_opt_u32_t *off, const char *sizeopt, const fk_opt_u32_t *size, fk_msgs_t *m)
{
    const fk_part_entry_t *e = &lay->rows.e[row];
    char rn[256], on[256];
    fk_layout_row_name(p, lay, row, rn, sizeof rn);
    if (off && off->set && off->v != e->offset) {
        opt_name(p, offopt, off, on, sizeof on);
        fk_msgs_add(m, "%s but %s starts at 0x%X", on, rn, e->offset);
    }
    if (size && size->set && size->v != e->size) {
        opt_name(p, sizeopt, size, on, sizeof on);
        fk_msgs_add(m, "%s but %s is 0x%X bytes", on, rn, e->size);
    }
}

static void check_apps(const fk_project_t *p, fk_layout_t *lay, fk_msgs_t *m)
{
    int factory = find_row(lay, 0, 0x00);
    int first_ota = -1;
    for (int s = 0x10; s < 0x20 && first_ota < 0; s++) first_ota = find_row(lay, 0, s);
    /* The SDK's "default boot partition": factory, else the first OTA slot. */
    lay->app1 = factory >= 0 ? factory : first_ota;
    lay->app2 = -1;
    if (lay->app1 < 0) {
        fk_msgs_add(m, "%s has no app partition (factory or ota_N): there is nothing to boot", p->table_name);
        return;
    }
    if (p->app2_support) {
        if (p->flash_size != MB1) {
            char fs[256];
            flash_size_name(p, fs, sizeof fs);
            fk_msgs_add(m, "%s:%d: CONFIG_APP2_SUPPORT=y but %s; APP2 options exist only for 1MB flash",
                        p->sdk_name, p->app2_support_line, fs);
        }
        /* With APP2 support App1/App2 are the two OTA slots, linked apart. */
        int o0 = find_row(lay, 0, 0x10), o1 = find_row(lay, 0, 0x11);
        if (o0 < 0)
            fk_msgs_add(m, "%s:%d: CONFIG_APP2_SUPPORT=y but %s has no ota_0 app partition for App1", p->sdk_name,
                        p->app2_support_line, p->table_name);
        if (o1 < 0)
            fk_msgs_add(m, "%s:%d: CONFIG_APP2_SUPPORT=y but %s has no ota_1 app partition for App2", p->sdk_name,
                        p->app2_support_line, p->table_name);
        if (o0 >= 0) {
            lay->app1 = o0;
            compare_app(p, lay, o0, "CONFIG_APP1_OFFSET", &p->app1_offset, "CONFIG_APP1_SIZE", &p->app1_size, m);
        }
        if (o1 >= 0) {
            lay->app2 = o1;
            compare_app(p, lay, o1, "CONFIG_APP2_OFFSET", &p->app2_offset, "CONFIG_APP2_SIZE", &p->app2_size, m);
        }
    } else {
        compare_app(p, lay, lay->app1, "CONFIG_APP1_OFFSET", &p->app1_offset, "CONFIG_APP1_SIZE", &p->app1_size, m);
        /* A second OTA slot whose low 20 address bits differ needs its own build. */
        int o1 = find_row(lay, 0, 0x11);
        if (o1 >= 0 && o1 != lay->app1) lay->app2 = o1;
    }
    if (p->table == FK_TABLE_CUSTOM)
        compare_app(p, lay, lay->app1, "CONFIG_PARTITION_TABLE_CUSTOM_APP_BIN_OFFSET", &p->custom_app_bin_offset,
                    NULL, NULL, m);
    if (p->phy_data_offset.set) {
        if (lay->phy < 0)
            fk_msgs_add(m, "%s:%d: CONFIG_PHY_DATA_OFFSET=0x%X but %s has no data/phy partition", p->sdk_name,
                        p->phy_data_offset.line, p->phy_data_offset.v, p->table_name);
        else
            compare_app(p, lay, lay->phy, "CONFIG_PHY_DATA_OFFSET", &p->phy_data_offset, NULL, NULL, m);
    }
}

static void check_otadata(const fk_project_t *p, const fk_layout_t *lay, fk_msgs_t *m)
{
    if (lay->otadata < 0) return;
    const fk_part_entry_t *e = &lay->rows.e[lay->otadata];
    if (e->size >= 0x2000) return;
    char rn[256];
    fk_layout_row_name(p, lay, lay->otadata, rn, sizeof rn);
    fk_msgs_add(m, "%s is 0x%X bytes but the bootloader needs an otadata partition of at least 0x2000 (two sectors)",
                rn, e->size);
}

static void check_nvs(const fk_project_t *p, fk_layout_t *lay, fk_msgs_t *m)
{
    if (!p->nvs_csv) return;
    if (lay->nvs < 0) {
        fk_msgs_add(m, "%s is there to be flashed but %s has no data/nvs partition", p->nvs_name, p->table_name);
        return;
    }
    const fk_part_entry_t *e = &lay->rows.e[lay->nvs];
    char rn[256], err[512];
    fk_layout_row_name(p, lay, lay->nvs, rn, sizeof rn);
    if (fk_nvs_check_size(e->size, err, sizeof err) != 0) {
        fk_msgs_add(m, "%s is 0x%X bytes, too small for an NVS image from %s: %s", rn, e->size, p->nvs_name, err);
        return;
    }
    uint8_t *text;
    size_t len;
    if (fk_read_file(p->nvs_csv, &text, &len) != 0) {
        fk_msgs_add(m, "%s: cannot be read", p->nvs_name);
        return;
    }
    /* `file` rows are read from the CSV's folder, as `flashkit nvs gen` does. */
    char *base = strdup(p->nvs_csv);
    char *slash = base ? strrchr(base, '/') : NULL;
    if (slash) *slash = 0;
    int rc = fk_nvs_gen_text((const char *)text, len, p->nvs_name, slash ? base : ".", e->size, p->nvs_version,
                             &lay->nvs_image, err, sizeof err);
    free(base);
    free(text);
    if (rc != 0) {
        lay->nvs_image = NULL;
        fk_msgs_add(m, "%s (for %s, 0x%X bytes)", err, rn, e->size);
    }
}

int fk_layout_check(const fk_project_t *p, fk_layout_t *lay, fk_msgs_t *m)
{
    int before = m->n;
    memset(lay, 0, sizeof *lay);
    lay->app1 = lay->app2 = lay->nvs = lay->otadata = lay->phy = lay->nvs_keys = -1;
    fk_part_opts_default(&lay->opts);
    lay->opts.table_offset = p->table_offset.v;
    lay->opts.flash_size = 0; /* checked below, naming the rows */
    lay->opts.md5 = false;    /* the SDK build passes --disable-md5sum */
    lay->opts.name = p->table_name;

    char *text = load_table_text(p, m);
    if (!text) return m->n - before;
    char err[1024], err2[1024];
    int rc = fk_part_parse_csv(text, &lay->opts, &lay->rows, err, sizeof err);
    if (rc != 0) {
        /* Tell a table-offset clash (named on both sides) from a CSV error:
         * parse again as if the table sat at 0 and look at the rows. */
        fk_part_opts_t o2 = lay->opts;
        o2.table_offset = 0;
        o2.verify = false;
        if (fk_part_parse_csv(text, &o2, &lay->rows, err2, sizeof err2) != 0) {
            add_table_error(p, err, m);
            lay->rows.count = 0;
            free(text);
            return m->n - before;
        }
        int n0 = m->n;
        check_table_offset(p, lay, m);
        if (m->n == n0) add_table_error(p, err, m);
        else if (fk_part_verify(&lay->rows, &o2, err2, sizeof err2) != 0) add_table_error(p, err2, m);
    } else {
        check_table_offset(p, lay, m);
    }
    free(text);

    lay->nvs = find_row(lay, 1, 0x02);
    lay->nvs_keys = find_row(lay, 1, 0x04);
    lay->otadata = find_row(lay, 1, 0x00);
    lay->phy = find_row(lay, 1, 0x01);
    check_flash_size(p, lay, m);
    check_apps(p, lay, m);
    check_otadata(p, lay, m);
    check_nvs(p, lay, m);
    fk_layout_nvs_encrypt(p, lay, m);
    if (m->n == before && fk_part_to_bin(&lay->rows, &lay->opts, lay->table_bin, err, sizeof err) != 0)
        add_table_error(p, err, m);
    return m->n - before;
}

void fk_layout_free(fk_layout_t *lay)
{
    free(lay->nvs_image);
    lay->nvs_image = NULL;
    free(lay->nvs_keys_image);
    lay->nvs_keys_image = NULL;
}
