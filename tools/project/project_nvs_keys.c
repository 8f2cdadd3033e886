/* CONFIG_NVS_ENCRYPTION in a project (issue 19): nvs.bin is encrypted as
 * `nvs encrypt` does it and nvs_keys.bin, the nvs_keys partition's image,
 * goes beside it. The keys must outlive one build (a flashed device holds
 * them), so a build without CONFIG_FLASHKIT_NVS_KEYS reuses the
 * build/nvs_keys.bin an earlier build made and only draws new keys from the
 * OS when there is none. */
#include "project.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fk_nvs_crypt.h"
#include "fk_random.h"
#include "util.h"

static int read_keys(const char *path, nvs_sec_cfg_t *cfg, fk_msgs_t *m, const char *what)
{
    uint8_t *buf;
    size_t len;
    if (fk_read_file(path, &buf, &len) != 0) {
        fk_msgs_add(m, "%s: %s: %s", what, path, strerror(errno));
        return -1;
    }
    int rc = 0;
    if (len < sizeof *cfg) {
        fk_msgs_add(m, "%s: %s: %zu bytes, a key file holds at least 64 (eky, tky)", what, path, len);
        rc = -1;
    } else {
        memcpy(cfg, buf, sizeof *cfg);
        if (fk_nvs_keys_halves_equal(cfg)) {
            fk_msgs_add(m, "%s: %s: the two 32-byte keys are equal (XTS refuses them)", what, path);
            rc = -1;
        }
    }
    memset(buf, 0, len);
    free(buf);
    return rc;
}

static int new_keys(nvs_sec_cfg_t *cfg, fk_msgs_t *m)
{
    do {
        if (fk_random_fill(cfg, sizeof *cfg) != 0) {
            fk_msgs_add(m, "CONFIG_NVS_ENCRYPTION: the OS gave no random bytes for the NVS keys");
            return -1;
        }
    } while (fk_nvs_keys_halves_equal(cfg));
    return 0;
}

void fk_layout_nvs_encrypt(const fk_project_t *p, fk_layout_t *lay, fk_msgs_t *m)
{
    if (!lay->nvs_image) return;
    char rn[256];
    fk_layout_row_name(p, lay, lay->nvs, rn, sizeof rn);
    /* ESP-IDF refuses an NVS partition under flash encryption, plain or not. */
    if (lay->rows.e[lay->nvs].flags & FK_PART_FLAG_ENCRYPTED)
        fk_msgs_add(m, "%s is flagged encrypted: nvs_flash_init refuses it (ESP_ERR_NVS_WRONG_ENCRYPTION); "
                       "NVS encryption needs the flag on nvs_keys only", rn);
    if (!p->nvs_encrypt) return;
    char what[300];
    snprintf(what, sizeof what, "%s:%d: CONFIG_NVS_ENCRYPTION=y", p->sdk_name, p->nvs_encrypt_line);
    if (lay->nvs_keys < 0) {
        fk_msgs_add(m, "%s but %s has no data/nvs_keys partition for the keys (add a row such as "
                       "\"nvs_keys, data, nvs_keys, , 0x1000, encrypted\")", what, p->table_name);
        return;
    }
    if (lay->rows.e[lay->nvs_keys].size < FK_NVS_KEYS_PART_SIZE) {
        char kn[256];
        fk_layout_row_name(p, lay, lay->nvs_keys, kn, sizeof kn);
        fk_msgs_add(m, "%s is 0x%X bytes; the keys take one 4 KiB sector", kn, lay->rows.e[lay->nvs_keys].size);
        return;
    }
    nvs_sec_cfg_t cfg;
    int rc;
    char *kept = fk_path_join(p->dir, "build/nvs_keys.bin");
    struct stat st;
    if (p->nvs_keys) {
        snprintf(what, sizeof what, "%s:%d: CONFIG_FLASHKIT_NVS_KEYS", p->sdk_name, p->nvs_keys_line);
        rc = read_keys(p->nvs_keys, &cfg, m, what);
    } else if (kept && stat(kept, &st) == 0) {
        rc = read_keys(kept, &cfg, m, "the keys of an earlier build");
    } else {
        rc = new_keys(&cfg, m);
        lay->nvs_keys_new = rc == 0;
    }
    free(kept);
    if (rc == 0) lay->nvs_keys_image = malloc(FK_NVS_KEYS_PART_SIZE);
    if (rc == 0 && !lay->nvs_keys_image) {
        fk_msgs_add(m, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        memset(lay->nvs_keys_image, 0xFF, FK_NVS_KEYS_PART_SIZE);
        fk_nvs_keys_encode(&cfg, lay->nvs_keys_image);
        if (fk_nvs_crypt_image(&cfg, true, lay->nvs_image, lay->rows.e[lay->nvs].size) != ESP_OK)
            fk_msgs_add(m, "%s: encrypting %s failed", what, rn);
    }
    memset(&cfg, 0, sizeof cfg);
}
