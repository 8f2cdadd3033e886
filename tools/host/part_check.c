/* App locations from an sdkconfig, for `partition check --sdkconfig`. The SDK
 * v3.0/3.1 options (CONFIG_APP1_OFFSET ...) had to equal the CSV; later SDKs
 * derive them from the table, which is what an absent option means here. */
#include <stdio.h>
#include <string.h>

#include "part_show.h"
#include "sdkconfig.h"

static int read_u32(const fk_sdkconfig_t *c, const char *name, uint32_t *v, char *from, size_t fromlen,
                    char *err, size_t errlen)
{
    int r = fk_sdkconfig_u32(c, name, v);
    if (r < 0) {
        snprintf(err, errlen, "%s:%d: %s=%s is not a number", fk_sdkconfig_name(c), fk_sdkconfig_line(c, name),
                 name, fk_sdkconfig_get(c, name));
        return -1;
    }
    if (r > 0) snprintf(from, fromlen, "%s:%d %s", fk_sdkconfig_name(c), fk_sdkconfig_line(c, name), name);
    return r;
}

static int read_loc(const fk_sdkconfig_t *c, const char *off_name, const char *size_name, fk_app_loc_t *a,
                    char *err, size_t errlen)
{
    int r1 = read_u32(c, off_name, &a->offset, a->off_from, sizeof a->off_from, err, errlen);
    int r2 = read_u32(c, size_name, &a->size, a->size_from, sizeof a->size_from, err, errlen);
    if (r1 < 0 || r2 < 0) return -1;
    if (r1 != r2) {
        snprintf(err, errlen, "%s: %s and %s must both be set", fk_sdkconfig_name(c), off_name, size_name);
        return -1;
    }
    a->set = r1 > 0;
    return 0;
}

int fk_app_locs_from_sdkconfig(const char *path, fk_app_loc_t *app1, fk_app_loc_t *app2, uint32_t *flash_size,
                               char *err, size_t errlen)
{
    fk_sdkconfig_t *c = fk_sdkconfig_load(path, err, errlen);
    if (!c) return -1;
    int rc = 0;
    static const char *sizes[] = {"1MB", "2MB", "4MB", "8MB", "16MB"};
    for (unsigned i = 0; i < 5; i++) {
        char name[64];
        snprintf(name, sizeof name, "CONFIG_ESPTOOLPY_FLASHSIZE_%s", sizes[i]);
        if (fk_sdkconfig_bool(c, name)) *flash_size = (1u << i) << 20;
    }
    if (!app1->set && read_loc(c, "CONFIG_APP1_OFFSET", "CONFIG_APP1_SIZE", app1, err, errlen) != 0) rc = -1;
    if (rc == 0 && !app2->set && fk_sdkconfig_bool(c, "CONFIG_APP2_SUPPORT") &&
        read_loc(c, "CONFIG_APP2_OFFSET", "CONFIG_APP2_SIZE", app2, err, errlen) != 0)
        rc = -1;
    fk_sdkconfig_free(c);
    return rc;
}
