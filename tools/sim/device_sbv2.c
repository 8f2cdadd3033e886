#include "device_sbv2.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fk_ota_config.h"
#include "fk_sbv2_gate.h"
#include "sbv2_keys.h"
#include "sbv2_sign.h"
#include "util.h"

static fk_sbv2_gate_t gate;

static void side_path(const char *dev, char *out, size_t n)
{
    snprintf(out, n, "%s.sbv2", dev);
}

static int store(const char *path, const fk_sbv2_trust_t *t)
{
    char text[1024];
    size_t at = (size_t)snprintf(text, sizeof text,
                                 "# flashkit emulated eFuse: Secure Boot v2 key digests and revocation bits\n");
    for (int i = 0; i < FK_SBV2_BLOCKS; i++) {
        if (!(t->present & (1u << i))) continue;
        at += (size_t)snprintf(text + at, sizeof text - at, "key_digest%d=", i);
        for (int j = 0; j < 32; j++) at += (size_t)snprintf(text + at, sizeof text - at, "%02x", t->digest[i][j]);
        at += (size_t)snprintf(text + at, sizeof text - at, "\nkey_revoke%d=%d\n", i, (t->revoked >> i) & 1);
    }
    return fk_write_file_atomic(path, text, at);
}

static int hexnib(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* 1 loaded, 0 no side file, -1 error (printed). */
static int load(const char *path, fk_sbv2_trust_t *t)
{
    memset(t, 0, sizeof *t);
    if (access(path, F_OK) != 0) return errno == ENOENT ? 0 : (fk_err("%s: %s", path, strerror(errno)), -1);
    uint8_t *data;
    size_t len;
    if (fk_read_file(path, &data, &len)) return -1;
    int line = 0, rc = 1;
    for (char *save, *l = strtok_r((char *)data, "\n", &save); l && rc > 0; l = strtok_r(NULL, "\n", &save)) {
        line++;
        if (l[0] == '#' || !l[0]) continue;
        int slot = -1, n = -1;
        if (sscanf(l, "key_digest%1d=%n", &slot, &n) == 1 && n > 0 && slot >= 0 && slot < FK_SBV2_BLOCKS &&
            strlen(l + n) == 64) {
            uint8_t d[32];
            bool ok = true;
            for (int j = 0; j < 32 && ok; j++) {
                int h = hexnib(l[n + 2 * j]), lo = hexnib(l[n + 2 * j + 1]);
                ok = h >= 0 && lo >= 0;
                d[j] = (uint8_t)(h << 4 | lo);
            }
            if (ok) {
                uint8_t rev = t->revoked;
                fk_sbv2_trust_set(t, (unsigned)slot, d);
                t->revoked = rev;
                continue;
            }
        } else if (sscanf(l, "key_revoke%1d=%n", &slot, &n) == 1 && n > 0 && slot >= 0 && slot < FK_SBV2_BLOCKS &&
                   (!strcmp(l + n, "0") || !strcmp(l + n, "1"))) {
            if (l[n] == '1') t->revoked |= (uint8_t)(1u << slot);
            continue;
        }
        fk_err("%s:%d: expected key_digestN=<64 hex digits> or key_revokeN=0|1 (N = 0..2)", path, line);
        rc = -1;
    }
    free(data);
    return rc;
}

int fk_device_sbv2_prepare(const fk_optlist_t *keys, const uint8_t *app, size_t app_len, fk_sbv2_trust_t *t)
{
    memset(t, 0, sizeof *t);
    if (!keys || !keys->n) return 0;
    if (keys->n > FK_SBV2_BLOCKS) {
        fk_err("--secure-boot-key given %d times; the eFuse holds %d key digests", keys->n, FK_SBV2_BLOCKS);
        return -1;
    }
    for (int i = 0; i < keys->n; i++) {
        fk_sbv2_key_t k;
        if (fk_sbv2_key_load(&k, keys->v[i])) return -1;
        uint8_t d[32];
        fk_sbv2_key_digest(&k, d);
        printf("efuse     KEY_DIGEST%d  %s (%s)\n", i, keys->v[i], fk_sbv2_scheme_name(k.scheme));
        fk_sbv2_key_free(&k);
        fk_sbv2_trust_set(t, (unsigned)i, d);
    }
    if (app && fk_sbv2_verify_buf(app, app_len - app_len % FK_SBV2_SECTOR_SIZE, t, NULL) != ESP_OK)
        fk_warn("the app is not signed by any --secure-boot-key: this device will not boot it");
    return 0;
}

int fk_device_sbv2_store(const char *dev_path, const fk_sbv2_trust_t *t)
{
    char path[1100];
    side_path(dev_path, path, sizeof path);
    if (!t->present) {
        if (unlink(path) != 0 && errno != ENOENT) {
            fk_err("%s: stale eFuse file cannot be removed: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    return store(path, t);
}

static void persist_revoke(void *ctx, unsigned slot)
{
    const char *path = ctx;
    fk_warn("aggressive revocation: KEY_REVOKE%u burnt (a signature by that key failed)", slot);
    store(path, &gate.trust);
}

int fk_device_sbv2_apply(fk_device_t *d)
{
    static char path[1100];
    side_path(d->path, path, sizeof path);
    fk_sbv2_trust_t t;
    int r = load(path, &t);
    if (r < 0) return -1;
    if (r == 0) {
        if (fk_ota_config()->check == fk_sbv2_gate_check) fk_sbv2_gate_install(NULL);
        return 0;
    }
    memset(&gate, 0, sizeof gate);
    fk_sbv2_config_set(&gate.cfg, "CONFIG_SECURE_BOOT_V2_ENABLED", "y");
    gate.trust = t;
    gate.on_revoke = persist_revoke;
    gate.revoke_ctx = path;
    fk_sbv2_gate_install(&gate);
    return 0;
}

static const char revoke_help[] =
    "usage: flashkit device revoke-key DEV.img N\n"
    "\n"
    "Burns KEY_REVOKE<N> in the emulated eFuse (DEV.img.sbv2), as\n"
    "esp_ota_revoke_secure_boot_public_key() does: apps signed only by key N no\n"
    "longer boot or update. Irreversible, like the eFuse.\n";

int device_revoke_key(int argc, char **argv)
{
    const char *pos[2];
    const fk_opt_t opts[] = {FK_OPT_END};
    fk_opts_t o = {"device revoke-key", revoke_help, opts, pos, 2, 0};
    int rc;
    if (fk_opts_parse(&o, argc, argv, &rc)) return rc;
    if (o.npos != 2 || strlen(pos[1]) != 1 || pos[1][0] < '0' || pos[1][0] > '2') {
        fk_err("device revoke-key: expected DEV.img and a key slot 0, 1 or 2");
        return 2;
    }
    unsigned slot = (unsigned)(pos[1][0] - '0');
    char path[1100];
    side_path(pos[0], path, sizeof path);
    fk_sbv2_trust_t t;
    int r = load(path, &t);
    if (r < 0) return 1;
    if (r == 0 || !(t.present & (1u << slot))) {
        fk_err("%s: KEY_DIGEST%u is not burnt (device create --secure-boot-key)", pos[0], slot);
        return 1;
    }
    if (t.revoked & (1u << slot)) {
        printf("KEY_REVOKE%u was already burnt\n", slot);
        return 0;
    }
    t.revoked |= (uint8_t)(1u << slot);
    if (store(path, &t)) return 1;
    printf("KEY_REVOKE%u burnt: key %u no longer verifies apps\n", slot, slot);
    if ((t.present & ~t.revoked & 7) == 0) fk_warn("every key is revoked: this device cannot boot any app");
    return 0;
}
