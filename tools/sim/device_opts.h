/* The options every device command takes, as rows of an opts.h table: a
 * command puts FK_DEVICE_COMMON_OPTS(&vals) into its own table, parses, then
 * fk_device_common_apply() checks the values and sets up the device. */
#ifndef FK_DEVICE_OPTS_H
#define FK_DEVICE_OPTS_H

#include "device.h"
#include "opts.h"

typedef struct {
    const char *power_cut, *seed, *table_offset, *checks, *factory_reset;
    bool json, keep_otadata, app_test, app_test_in_ota1, copy_app, count_ops;
} fk_device_optvals_t;

#define FK_DEVICE_COMMON_OPTS(v)                                       \
    {"--power-cut", NULL, FK_OPT_VALUE, &(v)->power_cut},              \
    {"--seed", NULL, FK_OPT_VALUE, &(v)->seed},                        \
    {"--table-offset", NULL, FK_OPT_VALUE, &(v)->table_offset},        \
    {"--checks", NULL, FK_OPT_VALUE, &(v)->checks},                    \
    {"--factory-reset", NULL, FK_OPT_VALUE, &(v)->factory_reset},      \
    {"--json", NULL, FK_OPT_FLAG, &(v)->json},                         \
    {"--keep-otadata", NULL, FK_OPT_FLAG, &(v)->keep_otadata},         \
    {"--app-test", NULL, FK_OPT_FLAG, &(v)->app_test},                 \
    {"--app-test-in-ota1", NULL, FK_OPT_FLAG, &(v)->app_test_in_ota1}, \
    {"--copy-app", NULL, FK_OPT_FLAG, &(v)->copy_app},                 \
    {"--count-ops", NULL, FK_OPT_FLAG, &(v)->count_ops}

/* Checks and applies the values given. Prints the error (naming the
 * option) and returns -1 on a bad one. */
int fk_device_common_apply(fk_device_t *d, const fk_device_optvals_t *v);

#endif
