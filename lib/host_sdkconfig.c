/* The few sdkconfig options the host emulation honours, read from the file a
 * firmware project already has, so host tests run with the device's choices. */
#include "flashkit/host.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool *option(flashkit_sdkconfig_t *c, const char *name, size_t n)
{
    static const struct {
        const char *name;
        size_t off;
    } known[] = {
        {"CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE", offsetof(flashkit_sdkconfig_t, rollback)},
        {"CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK", offsetof(flashkit_sdkconfig_t, anti_rollback)},
        {"CONFIG_ESP8266_BOOT_COPY_APP", offsetof(flashkit_sdkconfig_t, copy_app)},
        {"CONFIG_APP_UPDATE_CHECK_APP_SUM", offsetof(flashkit_sdkconfig_t, check_sum)},
        {"CONFIG_APP_UPDATE_CHECK_APP_HASH", offsetof(flashkit_sdkconfig_t, check_hash)},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == n && !strncmp(known[i].name, name, n)) return (bool *)((char *)c + known[i].off);
    return NULL;
}

int flashkit_sdkconfig_load(const char *path, flashkit_sdkconfig_t *c, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* Kconfig's rule: an option absent from the file has its default, which
     * for the bools here is "n" except the two image checks. */
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strcspn(line, "\r\n");
        if (line[n] == 0 && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno, sizeof line - 2);
            rc = -1;
            break;
        }
        line[n] = 0;
        const char *s = line + strspn(line, " \t");
        if (*s == 0) continue;
        if (*s == '#') {
            /* "# CONFIG_X is not set" switches a default-on option off */
            const char *name = s + 1 + strspn(s + 1, " ");
            const char *tail = strstr(name, " is not set");
            bool *b = tail && !strncmp(name, "CONFIG_", 7) ? option(c, name, (size_t)(tail - name)) : NULL;
            if (b) *b = false;
            continue;
        }
        const char *eq = strchr(s, '=');
        if (strncmp(s, "CONFIG_", 7) != 0 || !eq) {
            snprintf(err, errlen, "%s:%d: expected CONFIG_NAME=value or a # comment, got '%.60s'", path, lineno, s);
            rc = -1;
            break;
        }
        bool *b = option(c, s, (size_t)(eq - s));
        if (!b) continue;
        if (!strcmp(eq + 1, "y")) *b = true;
        else if (!strcmp(eq + 1, "n")) *b = false;
        else {
            snprintf(err, errlen, "%s:%d: %.*s takes y or n, not '%.40s'", path, lineno, (int)(eq - s), s, eq + 1);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}
