/* An app image against the slot it will be flashed to, and the demo app
 * that `flashkit new` projects build when they have none of their own. */
#include "project.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "esp_image_format.h"
#include "util.h"

int fk_layout_check_app(const fk_project_t *p, const fk_layout_t *lay, int slot, const fk_app_file_t *app,
                        fk_msgs_t *m)
{
    int before = m->n;
    const fk_part_entry_t *e = &lay->rows.e[slot];
    char rn[256];
    fk_layout_row_name(p, lay, slot, rn, sizeof rn);
    if (app->len > e->size) {
        fk_msgs_add(m, "%s: 0x%zX bytes but %s is 0x%X bytes", app->path, app->len, rn, e->size);
        return m->n - before;
    }
    fk_image_info_t info;
    /* The checks the SDK's bootloader makes with its default options. */
    if (fk_image_verify_mem(app->data, app->len, e->offset, e->size, FK_IMAGE_CHECK_SUM, &info) != ESP_OK) {
        fk_msgs_add(m, "%s: not a bootable ESP8266 app image for %s: %s", app->path, rn,
                    info.reason[0] ? info.reason : "verification failed");
        return m->n - before;
    }
    /* The cache maps flash in 1 MiB windows: only the low 20 bits of the
     * slot offset must match what the image was linked for. */
    uint32_t linked;
    if (fk_image_linked_offset(&info, &linked) && (linked & 0xFFFFF) != (e->offset & 0xFFFFF))
        fk_msgs_add(m, "%s: linked to run from flash offset 0x%X (code at 0x%08X) but %s starts at 0x%X",
                    app->path, linked, FK_IMAGE_IROM_LINK + linked, rn, e->offset);
    return m->n - before;
}

/* ESP-IDF compiles CONFIG_BOOTLOADER_APP_SECURE_VERSION into the app
 * descriptor when anti-rollback is on (it depends on app rollback), else 0. */
static int set_secure_version(const fk_project_t *p, const char *out, char *err, size_t errlen)
{
    if (!fk_sdkconfig_bool(p->cfg, "BOOTLOADER_APP_ROLLBACK_ENABLE") ||
        !fk_sdkconfig_bool(p->cfg, "BOOTLOADER_APP_ANTI_ROLLBACK"))
        return 0;
    uint32_t v = 0;
    if (fk_sdkconfig_u32(p->cfg, "BOOTLOADER_APP_SECURE_VERSION", &v) < 0 || v > 32) {
        snprintf(err, errlen, "%s:%d: CONFIG_BOOTLOADER_APP_SECURE_VERSION: expected a number from 0 to 32",
                 p->sdk_name, fk_sdkconfig_line(p->cfg, "BOOTLOADER_APP_SECURE_VERSION"));
        return -1;
    }
    uint8_t *img;
    size_t len;
    if (fk_read_file(out, &img, &len) != 0) {
        snprintf(err, errlen, "%s: cannot read the built app back", out);
        return -1;
    }
    esp_err_t e = fk_app_desc_set_secure_version(img, len, v);
    int rc = e == ESP_OK ? fk_write_file_atomic(out, img, len) : -1;
    if (e != ESP_OK)
        snprintf(err, errlen, "%s: cannot set secure_version %u: %s", out, v, esp_err_to_name(e));
    else if (rc != 0)
        snprintf(err, errlen, "%s: cannot write the app with its secure_version", out);
    free(img);
    return rc;
}

int fk_project_demo_app(const fk_project_t *p, uint32_t offset, uint32_t size, const char *out, char *err,
                        size_t errlen)
{
    char script[1024], self[1024], off[16], sz[16];
    snprintf(script, sizeof script, "%s/scripts/build-firmware.sh", FK_SOURCE_DIR);
    if (access(script, R_OK) != 0) {
        snprintf(err, errlen, "the demo app needs %s (flashkit's source tree): %s", script, strerror(errno));
        return -1;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(err, errlen, "cannot find the flashkit executable: %s", strerror(errno));
        return -1;
    }
    self[n] = 0;
    snprintf(off, sizeof off, "0x%X", offset);
    snprintf(sz, sizeof sz, "0x%X", size);
    const char *version = fk_sdkconfig_get(p->cfg, "CONFIG_FLASHKIT_DEMO_APP_VERSION");
    if (!version || !*version) version = "1.0.0";
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setenv("APP_SIZE", sz, 1);
        setenv("FLASH_MODE", p->flash_mode, 1);
        setenv("FLASH_FREQ", p->flash_freq, 1);
        setenv("FLASH_SIZE", p->flash_size_str, 1);
        /* Same bytes from the same sources: the image's date stays put. */
        if (!getenv("SOURCE_DATE_EPOCH")) setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
        int null = open("/dev/null", O_WRONLY); /* its success line is noise here */
        if (null >= 0) dup2(null, STDOUT_FILENO);
        execl("/bin/bash", "bash", script, version, off, out, self, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) break;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(err, errlen, "building the demo app for 0x%X with %s failed (see above)", offset, script);
        return -1;
    }
    return set_secure_version(p, out, err, errlen);
}
