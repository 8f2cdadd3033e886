/* Reading the flash-layout settings of a project's sdkconfig, with the
 * SDK's Kconfig defaults for options the file leaves out. */
#include "project.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fk_msgs_add(fk_msgs_t *m, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 16;
        char **nv = realloc(m->v, (size_t)cap * sizeof *nv);
        if (!nv) return;
        m->v = nv;
        m->cap = cap;
    }
    char *s = strdup(buf);
    if (s) m->v[m->n++] = s;
}

void fk_msgs_print(const fk_msgs_t *m, const char *prefix)
{
    for (int i = 0; i < m->n; i++) fprintf(stderr, "%s%s\n", prefix, m->v[i]);
}

void fk_msgs_free(fk_msgs_t *m)
{
    for (int i = 0; i < m->n; i++) free(m->v[i]);
    free(m->v);
    memset(m, 0, sizeof *m);
}

char *fk_path_join(const char *dir, const char *name)
{
    if (name[0] == '/' || !strcmp(dir, ".")) return strdup(name);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    char *s = malloc(n + strlen(name) + 2);
    if (s) sprintf(s, "%.*s/%s", (int)n, dir, name);
    return s;
}

static const struct {
    const char *opt, *str;
    uint32_t size;
} flash_sizes[] = {
    {"CONFIG_ESPTOOLPY_FLASHSIZE_1MB", "1MB", 1u << 20},
    {"CONFIG_ESPTOOLPY_FLASHSIZE_2MB", "2MB", 2u << 20},
    {"CONFIG_ESPTOOLPY_FLASHSIZE_4MB", "4MB", 4u << 20},
    {"CONFIG_ESPTOOLPY_FLASHSIZE_8MB", "8MB", 8u << 20},
    {"CONFIG_ESPTOOLPY_FLASHSIZE_16MB", "16MB", 16u << 20},
};
#define NSIZES (sizeof flash_sizes / sizeof flash_sizes[0])

/* A Kconfig "choice" as it lands in sdkconfig: one boolean per alternative
 * and usually a string mirroring it. Returns the index chosen, -1 if none;
 * two alternatives set is a disagreement. */
static int read_choice(const fk_project_t *p, const char *const *opts, int n, fk_msgs_t *m, int *line)
{
    int chosen = -1;
    for (int i = 0; i < n; i++) {
        if (!fk_sdkconfig_bool(p->cfg, opts[i])) continue;
        if (chosen >= 0) {
            fk_msgs_add(m, "%s:%d: %s=y but %s=y at line %d: only one may be chosen", p->sdk_name,
                        fk_sdkconfig_line(p->cfg, opts[i]), opts[i], opts[chosen], *line);
            continue;
        }
        chosen = i;
        *line = fk_sdkconfig_line(p->cfg, opts[i]);
    }
    return chosen;
}

static void read_flash_size(fk_project_t *p, fk_msgs_t *m)
{
    const char *opts[NSIZES];
    for (size_t i = 0; i < NSIZES; i++) opts[i] = flash_sizes[i].opt;
    int line = 0;
    int b = read_choice(p, opts, (int)NSIZES, m, &line);
    const char *s = fk_sdkconfig_get(p->cfg, "CONFIG_ESPTOOLPY_FLASHSIZE");
    int sline = fk_sdkconfig_line(p->cfg, "CONFIG_ESPTOOLPY_FLASHSIZE");
    int si = -1;
    if (s) {
        for (size_t i = 0; i < NSIZES; i++)
            if (!strcmp(s, flash_sizes[i].str)) si = (int)i;
        if (si < 0)
            fk_msgs_add(m, "%s:%d: CONFIG_ESPTOOLPY_FLASHSIZE=\"%s\" is not a flash size (1MB, 2MB, 4MB, 8MB, 16MB)",
                        p->sdk_name, sline, s);
    }
    if (b >= 0 && si >= 0 && b != si)
        fk_msgs_add(m, "%s:%d: CONFIG_ESPTOOLPY_FLASHSIZE=\"%s\" but %s=y at line %d", p->sdk_name, sline, s,
                    flash_sizes[b].opt, line);
    int use = b >= 0 ? b : si >= 0 ? si : 1; /* the SDK's default is 2MB */
    p->flash_size = flash_sizes[use].size;
    p->flash_size_line = b >= 0 ? line : si >= 0 ? sline : 0;
    snprintf(p->flash_size_str, sizeof p->flash_size_str, "%s", flash_sizes[use].str);
}

/* Flash mode and frequency only go into flash_args; check their spelling.
 * The boolean names are the base plus the value in capitals (_QIO, _80M). */
static void read_flash_param(fk_project_t *p, fk_msgs_t *m, const char *base, const char *const *vals,
                             int nvals, const char *dflt, char *out, size_t outlen)
{
    const char *opts[8];
    char names[8][96];
    for (int i = 0; i < nvals; i++) {
        snprintf(names[i], sizeof names[i], "%s_", base);
        size_t k = strlen(names[i]);
        for (const char *v = vals[i]; *v && k + 1 < sizeof names[i]; v++)
            names[i][k++] = (char)(*v >= 'a' && *v <= 'z' ? *v - 32 : *v);
        names[i][k] = 0;
        opts[i] = names[i];
    }
    int line = 0;
    int b = read_choice(p, opts, nvals, m, &line);
    const char *s = fk_sdkconfig_get(p->cfg, base);
    int si = -1;
    if (s) {
        for (int i = 0; i < nvals; i++)
            if (!strcmp(s, vals[i])) si = i;
        if (si < 0)
            fk_msgs_add(m, "%s:%d: %s=\"%s\" is not one of the values esptool takes", p->sdk_name,
                        fk_sdkconfig_line(p->cfg, base), base, s);
    }
    if (b >= 0 && si >= 0 && b != si)
        fk_msgs_add(m, "%s:%d: %s=\"%s\" but %s=y at line %d", p->sdk_name, fk_sdkconfig_line(p->cfg, base),
                    base, s, opts[b], line);
    snprintf(out, outlen, "%s", b >= 0 ? vals[b] : si >= 0 ? vals[si] : dflt);
}

static void read_u32(fk_project_t *p, fk_msgs_t *m, const char *name, uint32_t dflt, bool has_dflt,
                     fk_opt_u32_t *o)
{
    memset(o, 0, sizeof *o);
    o->line = fk_sdkconfig_line(p->cfg, name);
    int r = fk_sdkconfig_u32(p->cfg, name, &o->v);
    if (r == 1) {
        o->set = true;
        return;
    }
    if (r < 0)
        fk_msgs_add(m, "%s:%d: %s=%s is not a number", p->sdk_name, o->line, name,
                    fk_sdkconfig_get(p->cfg, name));
    o->line = 0;
    o->set = has_dflt;
    o->v = dflt;
}

static void read_table(fk_project_t *p, fk_msgs_t *m)
{
    static const char *const opts[] = {"CONFIG_PARTITION_TABLE_SINGLE_APP", "CONFIG_PARTITION_TABLE_TWO_OTA",
                                       "CONFIG_PARTITION_TABLE_CUSTOM"};
    int line = 0;
    int c = read_choice(p, opts, 3, m, &line);
    p->table = c < 0 ? FK_TABLE_SINGLE_APP : (fk_table_kind_t)c;
    p->table_line = line;

    /* The SDK's make files read CONFIG_PARTITION_TABLE_FILENAME, which Kconfig
     * derives from the choice; a stale value means the file was edited by hand. */
    const char *derived;
    if (p->table == FK_TABLE_CUSTOM) {
        derived = fk_sdkconfig_get(p->cfg, "CONFIG_PARTITION_TABLE_CUSTOM_FILENAME");
        p->table_name_line = fk_sdkconfig_line(p->cfg, "CONFIG_PARTITION_TABLE_CUSTOM_FILENAME");
        if (!derived) derived = "partitions.csv";
        if (!*derived) {
            fk_msgs_add(m, "%s:%d: CONFIG_PARTITION_TABLE_CUSTOM_FILENAME is empty", p->sdk_name,
                        p->table_name_line);
            derived = "partitions.csv";
        }
    } else if (p->table == FK_TABLE_TWO_OTA) {
        derived = p->flash_size == (1u << 20) ? "partitions_two_ota.1MB.csv" : "partitions_two_ota.csv";
    } else {
        derived = "partitions_singleapp.csv";
    }
    const char *given = fk_sdkconfig_get(p->cfg, "CONFIG_PARTITION_TABLE_FILENAME");
    if (given && strcmp(given, derived) != 0)
        fk_msgs_add(m, "%s:%d: CONFIG_PARTITION_TABLE_FILENAME=\"%s\" but %s%s (line %d) selects \"%s\"",
                    p->sdk_name, fk_sdkconfig_line(p->cfg, "CONFIG_PARTITION_TABLE_FILENAME"), given,
                    opts[p->table],
                    p->table == FK_TABLE_TWO_OTA && p->flash_size == (1u << 20) ? " on 1MB flash" : "",
                    line, derived);

    if (p->table == FK_TABLE_CUSTOM) {
        p->table_path = fk_path_join(p->dir, derived);
        p->table_name = strdup(p->table_path ? p->table_path : derived);
    } else {
        size_t n = strlen(derived) + 16;
        p->table_name = malloc(n);
        if (p->table_name) snprintf(p->table_name, n, "built-in %s", derived);
    }
}

static void read_nvs(fk_project_t *p, fk_msgs_t *m)
{
    /* flashkit's own options: the SDK has no notion of an NVS CSV in the
     * project; nvs.csv beside sdkconfig is picked up when present. */
    const char *csv = fk_sdkconfig_get(p->cfg, "CONFIG_FLASHKIT_NVS_CSV");
    p->nvs_csv_line = fk_sdkconfig_line(p->cfg, "CONFIG_FLASHKIT_NVS_CSV");
    bool explicit_csv = csv != NULL;
    if (!csv) csv = p->nvs_csv_line ? "" : "nvs.csv";
    if (*csv) {
        char *path = fk_path_join(p->dir, csv);
        struct stat st;
        if (path && stat(path, &st) == 0) {
            p->nvs_csv = path;
            p->nvs_name = strdup(path);
        } else {
            /* The Kconfig default names nvs.csv; only another name that
             * points nowhere is a mistake. */
            if (explicit_csv && strcmp(csv, "nvs.csv") != 0)
                fk_msgs_add(m, "%s:%d: CONFIG_FLASHKIT_NVS_CSV=\"%s\" but %s: %s", p->sdk_name, p->nvs_csv_line,
                            csv, path ? path : csv, strerror(errno));
            free(path);
        }
    }
    fk_opt_u32_t v;
    read_u32(p, m, "CONFIG_FLASHKIT_NVS_VERSION", 1, true, &v);
    if (v.v != 1 && v.v != 2) {
        fk_msgs_add(m, "%s:%d: CONFIG_FLASHKIT_NVS_VERSION=%u: the NVS format version is 1 (SDK 3.x) or 2",
                    p->sdk_name, v.line, v.v);
        v.v = 1;
    }
    p->nvs_version = (int)v.v;
    p->nvs_encrypt = fk_sdkconfig_bool(p->cfg, "CONFIG_NVS_ENCRYPTION");
    p->nvs_encrypt_line = fk_sdkconfig_line(p->cfg, "CONFIG_NVS_ENCRYPTION");
    const char *keys = fk_sdkconfig_get(p->cfg, "CONFIG_FLASHKIT_NVS_KEYS");
    p->nvs_keys_line = fk_sdkconfig_line(p->cfg, "CONFIG_FLASHKIT_NVS_KEYS");
    if (keys && *keys) p->nvs_keys = fk_path_join(p->dir, keys);
}

int fk_project_load(fk_project_t *p, const char *dir, fk_msgs_t *m)
{
    memset(p, 0, sizeof *p);
    p->dir = strdup(dir);
    p->sdk_name = fk_path_join(dir, "sdkconfig");
    if (!p->dir || !p->sdk_name) {
        fk_msgs_add(m, "out of memory");
        return -1;
    }
    char err[512];
    p->cfg = fk_sdkconfig_load(p->sdk_name, err, sizeof err);
    if (!p->cfg) {
        char *defaults = fk_path_join(dir, "sdkconfig.defaults");
        struct stat st;
        bool hint = defaults && errno == ENOENT && stat(defaults, &st) == 0;
        fk_msgs_add(m, "%s%s", err, hint ? " (make it from sdkconfig.defaults with `flashkit defconfig`)" : "");
        free(defaults);
        return -1;
    }
    read_flash_size(p, m);
    static const char *const modes[] = {"qio", "qout", "dio", "dout"};
    static const char *const freqs[] = {"80m", "40m", "26m", "20m"};
    read_flash_param(p, m, "CONFIG_ESPTOOLPY_FLASHMODE", modes, 4, "dio", p->flash_mode, sizeof p->flash_mode);
    read_flash_param(p, m, "CONFIG_ESPTOOLPY_FLASHFREQ", freqs, 4, "40m", p->flash_freq, sizeof p->flash_freq);
    read_table(p, m);
    read_u32(p, m, "CONFIG_PARTITION_TABLE_OFFSET", 0x8000, true, &p->table_offset);

    p->app2_support = fk_sdkconfig_bool(p->cfg, "CONFIG_APP2_SUPPORT");
    p->app2_support_line = fk_sdkconfig_line(p->cfg, "CONFIG_APP2_SUPPORT");
    /* Absent app options (SDK >= v3.2 files) mean "derived from the table":
     * nothing to compare, so no defaults here. */
    read_u32(p, m, "CONFIG_APP1_OFFSET", 0, false, &p->app1_offset);
    read_u32(p, m, "CONFIG_APP1_SIZE", 0, false, &p->app1_size);
    read_u32(p, m, "CONFIG_APP2_OFFSET", 0, false, &p->app2_offset);
    read_u32(p, m, "CONFIG_APP2_SIZE", 0, false, &p->app2_size);
    read_u32(p, m, "CONFIG_PARTITION_TABLE_CUSTOM_APP_BIN_OFFSET", 0, false, &p->custom_app_bin_offset);
    read_u32(p, m, "CONFIG_PHY_DATA_OFFSET", 0, false, &p->phy_data_offset);
    read_nvs(p, m);
    p->demo_app = fk_sdkconfig_bool(p->cfg, "CONFIG_FLASHKIT_DEMO_APP");
    return 0;
}

void fk_project_free(fk_project_t *p)
{
    fk_sdkconfig_free(p->cfg);
    free(p->dir);
    free(p->sdk_name);
    free(p->table_path);
    free(p->table_name);
    free(p->nvs_csv);
    free(p->nvs_name);
    free(p->nvs_keys);
    memset(p, 0, sizeof *p);
}
