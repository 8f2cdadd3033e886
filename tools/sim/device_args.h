/* The front of a device command that takes the rollback options (boot,
 * confirm, otadata, ota): one opts.h table made of the command's own rows,
 * the options every device command has (device_opts.h) and --rollback /
 * --anti-rollback / --sdkconfig; then DEV.img opened with those applied. */
#ifndef FK_DEVICE_ARGS_H
#define FK_DEVICE_ARGS_H

#include "device.h"
#include "opts.h"

typedef struct {
    const char *cmd;      /* for messages: "device boot" */
    const char *usage;    /* printed by --help */
    const fk_opt_t *opts; /* the command's own rows, ending with FK_OPT_END; NULL for none */
    const char **pos;     /* positional arguments land here */
    int max_pos;
    int npos;             /* out */
} fk_device_args_t;

/* Initialises d, parses argv[1..] and applies every common and rollback
 * option to d. Returns true when the command should stop now with exit code
 * *rc: 0 after --help, 2 after a bad option (the message names it). */
bool fk_device_args_parse(fk_device_t *d, fk_device_args_t *a, int argc, char **argv, int *rc);

/* Opens DEV.img and loads the rollback state (sdkconfig, eFuse counter).
 * Returns 0, or 1 with the message printed and the device closed. */
int fk_device_start(fk_device_t *d, const char *path);

/* Both, for a command whose first positional argument is DEV.img: -1 when
 * the device is open and the command goes on, else the exit code (0 after
 * --help, 2 for bad options or no DEV.img, 1 when it does not open). */
int fk_device_args_open(fk_device_t *d, fk_device_args_t *a, int argc, char **argv);

#endif
