/* flashkit build: checks everything, then writes the artifacts into
 * DIR/build/ the way the SDK's `make` lays them out for esptool. */
#include "project.h"
#include "fk_nvs_crypt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"

typedef struct {
    const char *file; /* name inside build/ */
    const char *role; /* key in flasher_args.json, NULL for none */
    uint32_t offset;
    const uint8_t *data;
    size_t len;
} artifact_t;

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Reads an app given on the command line, or a previously built one. */
static int load_app(const char *given, const char *dir, const char *dflt, fk_app_file_t *a, char **owned,
                    fk_msgs_t *m)
{
    memset(a, 0, sizeof *a);
    *owned = NULL;
    if (!given) {
        if (!dir) return 0;
        char *bd = fk_path_join(dir, "build");
        char *path = bd ? fk_path_join(bd, dflt) : NULL;
        free(bd);
        if (!path || !exists(path)) {
            free(path);
            return 0;
        }
        given = *owned = path;
    }
    a->path = given;
    FILE *f = fopen(given, "rb");
    if (!f) {
        fk_msgs_add(m, "%s: %s", given, strerror(errno));
        return -1;
    }
    fclose(f);
    if (fk_read_file(given, &a->data, &a->len) != 0) {
        fk_msgs_add(m, "%s: cannot be read", given);
        return -1;
    }
    return 0;
}

static const char *demo_path(const char *dir, const char *file, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", dir, file);
    return buf;
}

/* ota_1 needs its own binary when its offset differs from ota_0's within
 * the 1 MiB window (always the case with APP2 support on 1 MB flash). */
static bool lay_needs_app2(const fk_layout_t *lay)
{
    return (lay->rows.e[lay->app2].offset & 0xFFFFF) != (lay->rows.e[lay->app1].offset & 0xFFFFF);
}

/* Builds the demo app(s) into a temporary folder. A failure is an error
 * only when an app is required (--merge); otherwise a warning. */
static int demo_build(const fk_project_t *p, const fk_layout_t *lay, const fk_build_opts_t *o, char *dir,
                      size_t dirlen, fk_msgs_t *m)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || strlen(tmp) > 60) tmp = "/tmp";
    snprintf(dir, dirlen, "%s/flashkit-demo-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        fk_msgs_add(m, "cannot create a temporary folder in %s: %s", tmp, strerror(errno));
        dir[0] = 0;
        return -1;
    }
    char err[1200], path[128];
    int slots[2] = {o->app ? -1 : lay->app1, !o->app2 && lay->app2 >= 0 && lay_needs_app2(lay) ? lay->app2 : -1};
    const char *names[2] = {"app.bin", "app2.bin"};
    for (int k = 0; k < 2; k++) {
        if (slots[k] < 0) continue;
        const fk_part_entry_t *e = &lay->rows.e[slots[k]];
        if (fk_project_demo_app(p, e->offset, e->size, demo_path(dir, names[k], path, sizeof path), err,
                                sizeof err) != 0) {
            if (o->merge)
                fk_msgs_add(m, "%s:%d: CONFIG_FLASHKIT_DEMO_APP=y but %s", p->sdk_name,
                            fk_sdkconfig_line(p->cfg, "CONFIG_FLASHKIT_DEMO_APP"), err);
            else
                fk_warn("%s; building without an app (give --app FILE)", err);
            return -1;
        }
    }
    return 0;
}

static char *flash_args_text(const fk_project_t *p, const artifact_t *a, int n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fprintf(f, "--flash_mode %s --flash_freq %s --flash_size %s\n", p->flash_mode, p->flash_freq,
            p->flash_size_str);
    for (int i = 0; i < n; i++) fprintf(f, "0x%x %s\n", a[i].offset, a[i].file);
    fclose(f);
    return buf;
}

static void json_entry(FILE *f, const char *key, uint32_t off, const char *file, bool last)
{
    fprintf(f, "    ");
    fk_json_str(f, key);
    fprintf(f, " : { \"offset\" : \"0x%x\", \"file\" : ", off);
    fk_json_str(f, file);
    fprintf(f, " }%s\n", last ? "" : ",");
}

/* The shape of ESP-IDF's build/flasher_args.json, so tools that read it
 * (idf.py flash, esptool wrappers) find what they expect. */
static char *flasher_args_json(const fk_project_t *p, const artifact_t *a, int n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fprintf(f, "{\n    \"write_flash_args\" : [ \"--flash_mode\", \"%s\",\n", p->flash_mode);
    fprintf(f, "                           \"--flash_size\", \"%s\",\n", p->flash_size_str);
    fprintf(f, "                           \"--flash_freq\", \"%s\" ],\n", p->flash_freq);
    fprintf(f, "    \"flash_settings\" : {\n        \"flash_mode\" : \"%s\",\n        \"flash_size\" : \"%s\",\n"
               "        \"flash_freq\" : \"%s\"\n    },\n",
            p->flash_mode, p->flash_size_str, p->flash_freq);
    fprintf(f, "    \"flash_files\" : {\n");
    for (int i = 0; i < n; i++) {
        fprintf(f, "        \"0x%x\" : ", a[i].offset);
        fk_json_str(f, a[i].file);
        fprintf(f, "%s\n", i + 1 < n ? "," : "");
    }
    fprintf(f, "    },\n");
    for (int i = 0; i < n; i++)
        if (a[i].role) json_entry(f, a[i].role, a[i].offset, a[i].file, false);
    fprintf(f, "    \"extra_esptool_args\" : {\n        \"after\" : \"hard_reset\",\n"
               "        \"before\" : \"default_reset\",\n        \"stub\" : true,\n        \"chip\" : \"esp8266\"\n"
               "    }\n}\n");
    fclose(f);
    return buf;
}

static int write_in(const char *bdir, const char *file, const void *data, size_t len)
{
    char *path = fk_path_join(bdir, file);
    int rc = path ? fk_write_file_atomic(path, data, len) : -1;
    /* The NVS keys are nobody else's to read. */
    if (rc == 0 && !strcmp(file, "nvs_keys.bin") && chmod(path, 0600) != 0) {
        fk_err("%s: %s", path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}

static void remove_stale(const char *bdir, const char *file)
{
    char *path = fk_path_join(bdir, file);
    if (path) unlink(path);
    free(path);
}

static bool has_file(const artifact_t *a, int n, const char *file)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(a[i].file, file)) return true;
    return false;
}

static void print_summary(FILE *f, const fk_project_t *p, const fk_layout_t *lay, const artifact_t *a, int n,
                          const char *bdir, bool merged)
{
    fprintf(f, "flash %s (%s, %s), partition table at 0x%x from %s\n", p->flash_size_str, p->flash_mode,
            p->flash_freq, p->table_offset.v, p->table_name);
    for (int i = 0; i < n; i++)
        fprintf(f, "  0x%06x  %8zu  %s/%s\n", a[i].offset, a[i].len, bdir, a[i].file);
    if (lay->app1 >= 0)
        fprintf(f, "app1: %s at 0x%x, 0x%x bytes%s\n", lay->rows.e[lay->app1].label, lay->rows.e[lay->app1].offset,
                lay->rows.e[lay->app1].size, has_file(a, n, "app.bin") ? "" : " (no image: give --app)");
    if (lay->app2 >= 0)
        fprintf(f, "app2: %s at 0x%x, 0x%x bytes%s\n", lay->rows.e[lay->app2].label, lay->rows.e[lay->app2].offset,
                lay->rows.e[lay->app2].size,
                has_file(a, n, "app2.bin") ? ""
                : (lay->rows.e[lay->app2].offset & 0xFFFFF) == (lay->rows.e[lay->app1].offset & 0xFFFFF)
                    ? " (empty; the app1 binary also runs here)"
                    : " (no image: needs its own build, give --app2)");
    fprintf(f, "wrote %s/flash_args, %s/flasher_args.json%s%s%s\n", bdir, bdir, merged ? ", " : "",
            merged ? bdir : "", merged ? "/flash_image.bin" : "");
}

static void print_json(FILE *f, const fk_project_t *p, const fk_layout_t *lay, const artifact_t *a, int n,
                       const char *bdir, bool merged)
{
    fprintf(f, "{\"project\":");
    fk_json_str(f, p->dir);
    fprintf(f, ",\"flash_size\":\"%s\",\"flash_mode\":\"%s\",\"flash_freq\":\"%s\",\"table_offset\":%u,\"table\":",
            p->flash_size_str, p->flash_mode, p->flash_freq, p->table_offset.v);
    fk_json_str(f, p->table_name);
    int slots[2] = {lay->app1, lay->app2};
    for (int k = 0; k < 2; k++) {
        fprintf(f, ",\"app%d\":", k + 1);
        if (slots[k] < 0) {
            fprintf(f, "null");
            continue;
        }
        const fk_part_entry_t *e = &lay->rows.e[slots[k]];
        fprintf(f, "{\"label\":");
        fk_json_str(f, e->label);
        fprintf(f, ",\"offset\":%u,\"size\":%u}", e->offset, e->size);
    }
    fprintf(f, ",\"build_dir\":");
    fk_json_str(f, bdir);
    fprintf(f, ",\"files\":[");
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s{\"offset\":%u,\"size\":%zu,\"file\":", i ? "," : "", a[i].offset, a[i].len);
        fk_json_str(f, a[i].file);
        fprintf(f, "}");
    }
    fprintf(f, "],\"merged\":%s}\n", merged ? "\"flash_image.bin\"" : "null");
}

int fk_project_build(const fk_build_opts_t *o)
{
    fk_msgs_t m = {0};
    fk_project_t p;
    fk_layout_t lay;
    memset(&lay, 0, sizeof lay);
    fk_app_file_t app = {0}, app2 = {0}, boot = {0};
    char *own1 = NULL, *own2 = NULL, *ownb = NULL;
    char *bdir = NULL, *fargs = NULL, *fjson = NULL;
    char demo_dir[96] = "", demo1[128], demo2[128];
    uint8_t *otadata = NULL, *image = NULL;
    int rc = 1;

    if (fk_project_load(&p, o->dir, &m) != 0) goto report;
    fk_layout_check(&p, &lay, &m);

    const char *app1_src = o->app, *app2_src = o->app2;
    bool fallback1 = true, fallback2 = true;
    if (p.demo_app && !m.n && lay.app1 >= 0 && (!o->app || (lay.app2 >= 0 && !o->app2))) {
        /* A fresh demo build every time: it follows the current layout. */
        fallback1 = fallback2 = false;
        if (demo_build(&p, &lay, o, demo_dir, sizeof demo_dir, &m) == 0) {
            if (!app1_src) app1_src = demo_path(demo_dir, "app.bin", demo1, sizeof demo1);
            if (!app2_src && lay.app2 >= 0 && lay_needs_app2(&lay))
                app2_src = demo_path(demo_dir, "app2.bin", demo2, sizeof demo2);
        }
    }
    if (load_app(app1_src, fallback1 ? o->dir : NULL, "app.bin", &app, &own1, &m) == 0 && app.data &&
        lay.app1 >= 0)
        fk_layout_check_app(&p, &lay, lay.app1, &app, &m);
    if (o->app2 && lay.app2 < 0 && lay.rows.count)
        fk_msgs_add(&m, "--app2 %s given but %s has no ota_1 slot for it", o->app2, p.table_name);
    if (load_app(app2_src, fallback2 ? o->dir : NULL, "app2.bin", &app2, &own2, &m) == 0 && app2.data &&
        lay.app2 >= 0)
        fk_layout_check_app(&p, &lay, lay.app2, &app2, &m);
    if (o->bootloader && load_app(o->bootloader, o->dir, NULL, &boot, &ownb, &m) == 0 &&
        boot.len > p.table_offset.v)
        fk_msgs_add(&m, "%s: 0x%zX bytes but the partition table starts at 0x%X (%s)", o->bootloader, boot.len,
                    p.table_offset.v, p.sdk_name);
    if (o->merge && !app.data && !m.n)
        fk_msgs_add(&m, "--merge needs an app image for the boot slot: give --app FILE (or put one at %s/build/app.bin)",
                    strcmp(o->dir, ".") ? o->dir : ".");

report:
    if (m.n) {
        fk_msgs_print(&m, "flashkit: error: ");
        fk_err("build: %d problem%s in %s; nothing written", m.n, m.n == 1 ? "" : "s", o->dir);
        goto out;
    }

    artifact_t a[8];
    int n = 0;
    if (boot.data) a[n++] = (artifact_t){"bootloader.bin", "bootloader", 0, boot.data, boot.len};
    a[n++] = (artifact_t){"partition-table.bin", "partition-table", p.table_offset.v, lay.table_bin,
                          sizeof lay.table_bin};
    if (lay.nvs_image)
        a[n++] = (artifact_t){"nvs.bin", "nvs", lay.rows.e[lay.nvs].offset, lay.nvs_image, lay.rows.e[lay.nvs].size};
    if (lay.nvs_keys_image)
        a[n++] = (artifact_t){"nvs_keys.bin", "nvs_keys", lay.rows.e[lay.nvs_keys].offset, lay.nvs_keys_image,
                              FK_NVS_KEYS_PART_SIZE};
    if (lay.otadata >= 0) {
        size_t sz = lay.rows.e[lay.otadata].size;
        otadata = malloc(sz);
        if (!otadata) goto oom;
        memset(otadata, 0xFF, sz); /* both select entries erased: boot the default app */
        a[n++] = (artifact_t){"ota_data_initial.bin", "otadata", lay.rows.e[lay.otadata].offset, otadata, sz};
    }
    if (app.data) a[n++] = (artifact_t){"app.bin", "app", lay.rows.e[lay.app1].offset, app.data, app.len};
    if (app2.data && lay.app2 >= 0)
        a[n++] = (artifact_t){"app2.bin", "app2", lay.rows.e[lay.app2].offset, app2.data, app2.len};

    for (int i = 1; i < n; i++) /* esptool order: by flash offset */
        for (int j = i; j > 0 && a[j].offset < a[j - 1].offset; j--) {
            artifact_t t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
    fargs = flash_args_text(&p, a, n);
    fjson = flasher_args_json(&p, a, n);
    if (!fargs || !fjson) goto oom;
    if (o->merge) {
        image = malloc(p.flash_size);
        if (!image) goto oom;
        memset(image, 0xFF, p.flash_size);
        for (int i = 0; i < n; i++) memcpy(image + a[i].offset, a[i].data, a[i].len);
    }

    bdir = fk_path_join(o->dir, "build");
    if (!bdir) goto oom;
    if (mkdir(bdir, 0755) != 0 && errno != EEXIST) {
        fk_err("%s: %s", bdir, strerror(errno));
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (write_in(bdir, a[i].file, a[i].data, a[i].len) != 0) goto out;
    /* Outputs of an earlier build that this layout no longer has would
     * mislead whoever flashes the folder by hand. */
    if (!lay.nvs_image) remove_stale(bdir, "nvs.bin");
    /* nvs_keys.bin stays even when encryption is switched off: a flashed
     * device may still hold data under those keys. */
    if (lay.otadata < 0) remove_stale(bdir, "ota_data_initial.bin");
    if (!o->merge) remove_stale(bdir, "flash_image.bin");
    if (write_in(bdir, "flash_args", fargs, strlen(fargs)) != 0 ||
        write_in(bdir, "flasher_args.json", fjson, strlen(fjson)) != 0)
        goto out;
    if (image && write_in(bdir, "flash_image.bin", image, p.flash_size) != 0) goto out;
    if (o->json)
        print_json(stdout, &p, &lay, a, n, bdir, o->merge);
    else
        print_summary(stdout, &p, &lay, a, n, bdir, o->merge);
    rc = 0;
    goto out;
oom:
    fk_err("out of memory");
out:
    if (demo_dir[0]) {
        unlink(demo_path(demo_dir, "app.bin", demo1, sizeof demo1));
        unlink(demo_path(demo_dir, "app2.bin", demo2, sizeof demo2));
        rmdir(demo_dir);
    }
    fk_msgs_free(&m);
    fk_layout_free(&lay);
    fk_project_free(&p);
    free(app.data);
    free(app2.data);
    free(boot.data);
    free(own1);
    free(own2);
    free(ownb);
    free(bdir);
    free(fargs);
    free(fjson);
    free(otadata);
    free(image);
    return rc;
}
