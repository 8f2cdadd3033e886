/* flashkit device create|boot|ota|nvs: a flash image file is the device. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "device.h"
#include "device_sbv2.h"
#include "util.h"

static const char help[] =
    "usage: flashkit device <command> DEV.img ...   (flashkit device <command> --help)\n"
    "\n"
    "A flash image file is the device; the simulator runs the SDK's bootloader\n"
    "selection and OTA flow on it with flashkit's core.\n"
    "\n"
    "  create DEV.img --table T --app IMAGE.bin [--nvs CREDS.csv] [--flash-size 4MB]\n"
    "  boot DEV.img                 power on: bootloader choice, running app\n"
    "  ota DEV.img URL              download an image over HTTP(S) into the next\n"
    "                               slot, select it, restart\n"
    "  nvs DEV.img get|set|list NAMESPACE [KEY] [VALUE]\n"
    "  confirm DEV.img [--invalid]  the running app confirms itself (rollback), or\n"
    "                               declares itself broken and the device rolls back\n"
    "  otadata DEV.img [show] | set ota_K|factory | erase\n"
    "                               otatool.py's read/switch/erase on the device\n"
    "  revoke-key DEV.img N         burn KEY_REVOKE<N> (Secure Boot v2, device create\n"
    "                               --secure-boot-key): key N no longer verifies apps\n"
    "\n"
    "Every command takes --power-cut N[:torn]: the power fails at its N-th flash\n"
    "write or erase and the command stops there (exit status 3).\n";

int cmd_device(int argc, char **argv)
{
    if (argc < 2) {
        fputs(help, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        fputs(help, stdout);
        return 0;
    }
    if (!strcmp(sub, "create")) return device_create(argc - 1, argv + 1);
    if (!strcmp(sub, "boot")) return device_boot(argc - 1, argv + 1);
    if (!strcmp(sub, "ota")) return device_ota(argc - 1, argv + 1);
    if (!strcmp(sub, "nvs")) return device_nvs(argc - 1, argv + 1);
    if (!strcmp(sub, "otadata")) return device_otadata(argc - 1, argv + 1);
    if (!strcmp(sub, "confirm")) return device_confirm(argc - 1, argv + 1);
    if (!strcmp(sub, "revoke-key")) return device_revoke_key(argc - 1, argv + 1);
    fk_err("device: unknown command '%s' (create, boot, ota, nvs, otadata, confirm, revoke-key)", sub);
    return 2;
}
