/* flashkit device nvs: the NVS engine on the device's nvs partition, as the
 * app would use it (nvs_flash_init_partition, nvs_open, nvs_get_* / set_*).
 * A table with a data/nvs_keys partition means NVS encryption: the keys are
 * read from it and the partition mounted with nvs_flash_secure_init_partition,
 * as firmware built with CONFIG_NVS_ENCRYPTION does. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "device_opts.h"
#include "nvs_fk.h"
#include "fk_nvs_crypt.h"
#include "fk_nvs_format.h"
#include "nvs_flash.h"
#include "util.h"

static const char help[] =
    "usage: flashkit device nvs DEV.img list NAMESPACE\n"
    "       flashkit device nvs DEV.img get NAMESPACE KEY\n"
    "       flashkit device nvs DEV.img set NAMESPACE KEY VALUE [--type T]\n"
    "\n"
    "Reads or writes the device's NVS partition (the first data/nvs partition)\n"
    "with the NVS engine, as firmware does. 'get' prints the value alone.\n"
    "If the partition table has a data/nvs_keys partition, the NVS partition is\n"
    "encrypted (CONFIG_NVS_ENCRYPTION): its keys are read from there; an erased\n"
    "nvs_keys gets fresh keys on 'set', as nvs_flash_init() does on first boot.\n"
    "\n"
    "options:\n"
    "  --type T              for set: string (default), u8, i8, u16, i16, u32, i32,\n"
    "                        u64, i64, blob (VALUE in hex)\n"
    "  --partition LABEL     another data/nvs partition\n" FK_DEVICE_COMMON_HELP;

/* Names from the one NVS type table (fk_nvs_format.h); the API's blob type is
 * the v2 chunk code, 0x42, shown as "blob". */
static nvs_type_t api_type(uint8_t item)
{
    return item == NVS_ITEM_BLOB ? NVS_TYPE_BLOB : (nvs_type_t)item;
}

static const char *type_name(nvs_type_t t)
{
    const char *n = fk_nvs_type_name(t == NVS_TYPE_BLOB ? NVS_ITEM_BLOB : (uint8_t)t);
    return n && t != NVS_ITEM_BLOB && t != NVS_ITEM_BLOB_IDX ? n : "?";
}

/* Prints one value; returns the error. */
static esp_err_t print_value(nvs_handle_t h, const char *key, nvs_type_t t, FILE *f)
{
    esp_err_t err;
    int64_t s = 0;
    uint64_t u = 0;
    switch (t) {
    case NVS_TYPE_U8: { uint8_t v; err = nvs_get_u8(h, key, &v); u = v; break; }
    case NVS_TYPE_U16: { uint16_t v; err = nvs_get_u16(h, key, &v); u = v; break; }
    case NVS_TYPE_U32: { uint32_t v; err = nvs_get_u32(h, key, &v); u = v; break; }
    case NVS_TYPE_U64: err = nvs_get_u64(h, key, &u); break;
    case NVS_TYPE_I8: { int8_t v; err = nvs_get_i8(h, key, &v); s = v; break; }
    case NVS_TYPE_I16: { int16_t v; err = nvs_get_i16(h, key, &v); s = v; break; }
    case NVS_TYPE_I32: { int32_t v; err = nvs_get_i32(h, key, &v); s = v; break; }
    case NVS_TYPE_I64: err = nvs_get_i64(h, key, &s); break;
    case NVS_TYPE_STR:
    case NVS_TYPE_BLOB: {
        size_t len = 0;
        err = t == NVS_TYPE_STR ? nvs_get_str(h, key, NULL, &len) : nvs_get_blob(h, key, NULL, &len);
        if (err != ESP_OK) return err;
        uint8_t *buf = malloc(len + 1);
        if (!buf) return ESP_ERR_NO_MEM;
        err = t == NVS_TYPE_STR ? nvs_get_str(h, key, (char *)buf, &len) : nvs_get_blob(h, key, buf, &len);
        if (err == ESP_OK) {
            if (t == NVS_TYPE_STR)
                fprintf(f, "%s\n", (char *)buf);
            else {
                for (size_t i = 0; i < len; i++) fprintf(f, "%02x", buf[i]);
                fputc('\n', f);
            }
        }
        free(buf);
        return err;
    }
    default:
        return ESP_ERR_NOT_SUPPORTED;
    }
    if (err != ESP_OK) return err;
    if (t & 0x10)
        fprintf(f, "%" PRId64 "\n", s);
    else
        fprintf(f, "%" PRIu64 "\n", u);
    return ESP_OK;
}

static nvs_type_t find_type(const char *part, const char *ns, const char *key)
{
    nvs_type_t t = NVS_TYPE_ANY;
    for (nvs_iterator_t it = nvs_entry_find(part, ns, NVS_TYPE_ANY); it; it = nvs_entry_next(it)) {
        nvs_entry_info_t info;
        nvs_entry_info(it, &info);
        if (!strcmp(info.key, key)) {
            t = info.type;
            nvs_release_iterator(it);
            break;
        }
    }
    return t;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A value for `set`, parsed and checked before anything is written. */
typedef struct {
    nvs_type_t t;
    int64_t s;
    uint64_t u;
    uint8_t *blob;
    size_t len; /* blob bytes, or string bytes without the NUL */
    const char *str;
} value_t;

/* Returns 0, or -1 with the reason in why. */
static int parse_value(value_t *pv, nvs_type_t t, const char *v, char *why, size_t wl)
{
    memset(pv, 0, sizeof *pv);
    pv->t = t;
    if (t == NVS_TYPE_STR) {
        pv->str = v;
        pv->len = strlen(v);
        return 0;
    }
    if (t == NVS_TYPE_BLOB) {
        size_t n = strlen(v);
        if (n % 2) {
            snprintf(why, wl, "blob value must be hex digits in pairs (%zu digits given)", n);
            return -1;
        }
        pv->blob = malloc(n / 2 + 1);
        if (!pv->blob) {
            snprintf(why, wl, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < n / 2; i++) {
            int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                snprintf(why, wl, "blob value must be hex digits (character %zu is not)", 2 * i + (hi < 0 ? 1 : 2));
                free(pv->blob);
                pv->blob = NULL;
                return -1;
            }
            pv->blob[i] = (uint8_t)(hi << 4 | lo);
        }
        pv->len = n / 2;
        return 0;
    }
    char *end;
    errno = 0;
    bool is_signed = t & 0x10;
    if (is_signed) pv->s = strtoll(v, &end, 0);
    else pv->u = strtoull(v, &end, 0);
    int bits = 8 * (t & 0x0F);
    int64_t lo = bits == 64 ? INT64_MIN : -(INT64_C(1) << (bits - 1));
    int64_t hi = bits == 64 ? INT64_MAX : (INT64_C(1) << (bits - 1)) - 1;
    uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    if (!*v || *end) {
        snprintf(why, wl, "'%s' is not a %s value (a number: decimal or 0x hex)", v, type_name(t));
        return -1;
    }
    bool range_ok = is_signed ? !errno && pv->s >= lo && pv->s <= hi : !errno && pv->u <= umax && v[0] != '-';
    if (!range_ok) {
        if (is_signed)
            snprintf(why, wl, "'%s' is not a %s value: out of range (%" PRId64 "..%" PRId64 ")", v, type_name(t), lo, hi);
        else
            snprintf(why, wl, "'%s' is not a %s value: out of range (0..%" PRIu64 ")", v, type_name(t), umax);
        return -1;
    }
    return 0;
}

/* The length limits of the mounted partition's format, checked before the
 * namespace is opened for writing (opening creates it). */
static int check_length(const value_t *pv, const char *part, char *why, size_t wl)
{
    if (pv->t != NVS_TYPE_STR && pv->t != NVS_TYPE_BLOB) return 0;
    nvs_fk_diag_t dg;
    if (nvs_fk_get_diag(part, &dg, NULL, 0) != ESP_OK) return 0; /* the engine will say */
    size_t max = pv->t == NVS_TYPE_STR ? (dg.format_version == 1 ? NVS_V1_MAX_VARLEN : NVS_V2_MAX_VARLEN) - 1
                 : dg.format_version == 1 ? NVS_V1_MAX_VARLEN
                                          : dg.max_blob_bytes;
    if (pv->len <= max) return 0;
    if (pv->t == NVS_TYPE_STR)
        snprintf(why, wl,
                 "value too long: the string is %zu bytes; a v%u NVS partition holds at most %zu (%zu with the NUL)",
                 pv->len, (unsigned)dg.format_version, max, max + 1);
    else
        snprintf(why, wl, "value too long: the blob is %zu bytes; this v%u NVS partition holds at most %zu", pv->len,
                 (unsigned)dg.format_version, max);
    return -1;
}

static esp_err_t store_value(nvs_handle_t h, const char *key, const value_t *pv)
{
    switch (pv->t) {
    case NVS_TYPE_STR: return nvs_set_str(h, key, pv->str);
    case NVS_TYPE_BLOB: return nvs_set_blob(h, key, pv->blob, pv->len);
    case NVS_TYPE_U8: return nvs_set_u8(h, key, (uint8_t)pv->u);
    case NVS_TYPE_U16: return nvs_set_u16(h, key, (uint16_t)pv->u);
    case NVS_TYPE_U32: return nvs_set_u32(h, key, (uint32_t)pv->u);
    case NVS_TYPE_U64: return nvs_set_u64(h, key, pv->u);
    case NVS_TYPE_I8: return nvs_set_i8(h, key, (int8_t)pv->s);
    case NVS_TYPE_I16: return nvs_set_i16(h, key, (int16_t)pv->s);
    case NVS_TYPE_I32: return nvs_set_i32(h, key, (int32_t)pv->s);
    default: return nvs_set_i64(h, key, pv->s);
    }
}

/* Returned by mount() when it has printed the error itself. */
#define FK_MOUNT_REPORTED ((esp_err_t)-2)

/* Plain, or with the keys of the table's nvs_keys partition. */
static esp_err_t mount(fk_device_t *d, const esp_partition_t *p, bool may_generate)
{
    const esp_partition_t *kp =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS_KEYS, NULL);
    if (!kp) return nvs_flash_init_partition(p->label);
    nvs_sec_cfg_t cfg;
    esp_err_t err = nvs_flash_read_security_cfg(kp, &cfg);
    if (err == ESP_ERR_NVS_KEYS_NOT_INITIALIZED && may_generate) {
        err = nvs_flash_generate_keys(kp, &cfg);
        if (err == ESP_OK)
            fprintf(stderr, "%s: nvs_keys partition '%s' was erased: new keys generated there (as "
                            "nvs_flash_init() does with CONFIG_NVS_ENCRYPTION)\n",
                    d->path, kp->label);
    }
    if (err == ESP_OK) {
        err = nvs_flash_secure_init_partition(p->label, &cfg);
        if (err == ESP_ERR_NVS_XTS_DECR_FAILED) {
            fk_err("%s: the keys in nvs_keys partition '%s' at 0x%x do not decrypt NVS partition '%s' (a wrong key; "
                   "nothing was changed)",
                   d->path, kp->label, kp->address, p->label);
            err = FK_MOUNT_REPORTED;
        }
    } else if (!d->emu.powered_off) { /* a cut is reported by the caller */
        fk_err("%s: nvs_keys partition '%s' at 0x%x: %s", d->path, kp->label, kp->address,
               err == ESP_ERR_NVS_KEYS_NOT_INITIALIZED ? "erased, no keys yet (a 'set' generates them)"
               : err == ESP_ERR_NVS_CORRUPT_KEY_PART   ? "corrupt (the CRC of the keys does not match)"
                                                       : esp_err_to_name(err));
        err = FK_MOUNT_REPORTED;
    }
    fk_nvs_crypt_wipe(&cfg, sizeof cfg);
    return err;
}

int device_nvs(int argc, char **argv)
{
    fk_device_t d;
    fk_device_init(&d);
    const char *pos[5] = {0};
    const char *part_label = NULL, *type_s = NULL;
    fk_device_optvals_t dv = {0};
    const fk_opt_t table[] = {
        {"--partition", NULL, FK_OPT_VALUE, &part_label},
        {"--type", NULL, FK_OPT_VALUE, &type_s},
        FK_DEVICE_COMMON_OPTS(&dv),
        FK_OPT_END,
    };
    fk_opts_t op = {.cmd = "device nvs", .usage = help, .opts = table, .pos = pos, .max_pos = 5};
    int rc;
    if (fk_opts_parse(&op, argc, argv, &rc)) return rc;
    if (fk_device_common_apply(&d, &dv)) return 2;
    int npos = op.npos;
    nvs_type_t set_type = NVS_TYPE_STR;
    if (type_s) {
        set_type = NVS_TYPE_ANY;
        for (unsigned k = 0; k < fk_nvs_type_name_count; k++)
            if (strcmp(type_s, "?") && !strcmp(type_s, type_name(api_type(fk_nvs_type_names[k].type))))
                set_type = api_type(fk_nvs_type_names[k].type);
        if (!strcmp(type_s, "str")) set_type = NVS_TYPE_STR;
        if (set_type == NVS_TYPE_ANY) {
            fk_err("--type %s: expected string, blob, u8, i8, u16, i16, u32, i32, u64 or i64", type_s);
            return 2;
        }
    }
    const char *path = pos[0], *op_s = pos[1], *ns = pos[2], *key = pos[3], *val = pos[4];
    int need = !op_s ? 99 : !strcmp(op_s, "list") ? 3 : !strcmp(op_s, "get") ? 4 : !strcmp(op_s, "set") ? 5 : 99;
    if (!path || need == 99 || npos != need) {
        fk_err("device nvs: expected DEV.img list NAMESPACE | get NAMESPACE KEY | set NAMESPACE KEY VALUE "
               "(a value starting with '-' that is not a number goes after --)");
        return 2;
    }
    if (strlen(ns) > 15 || (key && strlen(key) > 15)) {
        fk_err("device nvs: namespace and key names are at most 15 characters");
        return 2;
    }
    if (!ns[0] || (key && !key[0])) {
        fk_err("device nvs: namespace and key names cannot be empty");
        return 2;
    }
    bool is_set = !strcmp(op_s, "set");
    value_t pv = {0};
    char why[192] = "";
    /* Parse before opening anything: a bad value writes nothing. */
    if (is_set && parse_value(&pv, set_type, val, why, sizeof why)) {
        fk_err("%s: set %s/%s: %s", path, ns, key, why);
        return 2;
    }
    rc = 1;
    if (fk_device_open(&d, path) != 0) goto out;
    const esp_partition_t *p = part_label
                                   ? esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS,
                                                              part_label)
                                   : esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS,
                                                              NULL);
    if (!p) {
        fk_err("%s: no data/nvs partition%s%s in the partition table", path, part_label ? " labelled " : "",
               part_label ? part_label : "");
        goto out;
    }
    esp_err_t err = mount(&d, p, is_set);
    if (err == FK_MOUNT_REPORTED) goto out;
    if (err != ESP_OK) {
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("%s: NVS partition '%s' at 0x%x cannot be mounted: %s", path, p->label, p->address,
               esp_err_to_name(err));
        goto out;
    }
    if (is_set && check_length(&pv, p->label, why, sizeof why)) {
        fk_err("%s: set %s/%s: %s", path, ns, key, why);
        goto deinit;
    }
    nvs_handle_t h;
    err = nvs_open_from_partition(p->label, ns, is_set ? NVS_READWRITE : NVS_READONLY, &h);
    if (err != ESP_OK) {
        if (fk_device_power_lost(&d)) goto cut;
        fk_err("%s: namespace '%s': %s", path, ns,
               err == ESP_ERR_NVS_NOT_FOUND ? "not found in the NVS partition" : esp_err_to_name(err));
        goto deinit;
    }
    if (!strcmp(op_s, "list")) {
        int n = 0;
        for (nvs_iterator_t it = nvs_entry_find(p->label, ns, NVS_TYPE_ANY); it; it = nvs_entry_next(it)) {
            nvs_entry_info_t info;
            nvs_entry_info(it, &info);
            printf("%-15s %-6s ", info.key, type_name(info.type));
            if (print_value(h, info.key, info.type, stdout) != ESP_OK) printf("(unreadable)\n");
            n++;
        }
        if (!n) printf("(namespace '%s' is empty)\n", ns);
        rc = 0;
    } else if (!strcmp(op_s, "get")) {
        nvs_type_t t = find_type(p->label, ns, key);
        if (t == NVS_TYPE_ANY) {
            fk_err("%s: key '%s' not found in namespace '%s'", path, key, ns);
        } else if ((err = print_value(h, key, t, stdout)) != ESP_OK) {
            fk_err("%s: %s/%s: %s", path, ns, key, esp_err_to_name(err));
        } else {
            rc = 0;
        }
    } else {
        err = store_value(h, key, &pv);
        if (err == ESP_OK) err = nvs_commit(h);
        if (err != ESP_OK) {
            nvs_close(h);
            if (fk_device_power_lost(&d)) goto cut;
            if (err == ESP_ERR_NVS_NOT_ENOUGH_SPACE)
                fk_err("%s: set %s/%s: %s: the NVS partition '%s' (%u KB) is full", path, ns, key,
                       esp_err_to_name(err), p->label, p->size / 1024);
            else
                fk_err("%s: set %s/%s: %s", path, ns, key, esp_err_to_name(err));
            goto deinit;
        }
        printf("%s/%s = %s (%s)\n", ns, key, val, type_name(set_type));
        rc = 0;
    }
    nvs_close(h);
deinit:
    nvs_flash_deinit_partition(p->label);
    goto out;
cut:
    rc = FK_DEVICE_EXIT_POWER_CUT;
out:
    free(pv.blob);
    fk_device_close(&d);
    return rc;
}
