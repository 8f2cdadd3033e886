#include "device_args.h"

#include <string.h>

#include "device_opts.h"
#include "util.h"

/* Room for a command's own rows beside the shared ones; device ota, the
 * largest, has seven. */
#define OWN_ROWS_MAX 16

bool fk_device_args_parse(fk_device_t *d, fk_device_args_t *a, int argc, char **argv, int *rc)
{
    fk_device_init(d);
    fk_device_optvals_t common = {0};
    bool anti = false;
    const fk_opt_t shared[] = {
        FK_DEVICE_COMMON_OPTS(&common),
        {"--rollback", NULL, FK_OPT_FLAG, &d->rollback},
        {"--anti-rollback", NULL, FK_OPT_FLAG, &anti},
        {"--sdkconfig", NULL, FK_OPT_VALUE, &d->sdkconfig},
    };
    fk_opt_t table[OWN_ROWS_MAX + sizeof shared / sizeof shared[0] + 1];
    size_t n = 0;
    for (const fk_opt_t *p = a->opts; p && p->name; p++) {
        if (n == OWN_ROWS_MAX) {
            fk_err("%s: more than %d options of its own (raise OWN_ROWS_MAX in device_args.c)", a->cmd,
                   OWN_ROWS_MAX);
            *rc = 2;
            return true;
        }
        table[n++] = *p;
    }
    memcpy(table + n, shared, sizeof shared);
    n += sizeof shared / sizeof shared[0];
    table[n] = (fk_opt_t)FK_OPT_END;
    fk_opts_t o = {.cmd = a->cmd, .usage = a->usage, .opts = table, .pos = a->pos, .max_pos = a->max_pos};
    if (fk_opts_parse(&o, argc, argv, rc)) return true;
    a->npos = o.npos;
    if (fk_device_common_apply(d, &common)) {
        *rc = 2;
        return true;
    }
    if (anti) d->rollback = d->anti_rollback = true;
    return false;
}

int fk_device_start(fk_device_t *d, const char *path)
{
    if (fk_device_open(d, path) != 0) return 1;
    if (fk_device_rollback_apply(d) != 0) {
        fk_device_close(d);
        return 1;
    }
    return 0;
}

int fk_device_args_open(fk_device_t *d, fk_device_args_t *a, int argc, char **argv)
{
    int rc;
    if (fk_device_args_parse(d, a, argc, argv, &rc)) return rc;
    if (a->npos < 1) {
        fk_err("%s: missing DEV.img (see --help)", a->cmd);
        return 2;
    }
    return fk_device_start(d, a->pos[0]) ? 1 : -1;
}
