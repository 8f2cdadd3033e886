#include <stdio.h>
#include <string.h>

#include "commands.h"

#define FLASHKIT_VERSION "0.1.0"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"partition", cmd_partition, "partition tables: gen, show, check"},
    {"nvs", cmd_nvs, "NVS partition images: gen, dump"},
    {"mfg", cmd_mfg, "mass manufacturing: one NVS image per device (gen)"},
    {"image", cmd_image, "app images: info, verify, make"},
    {"otadata", cmd_otadata, "OTA selection data: show, set, init"},
    {"device", cmd_device, "simulated device (a flash image file): create, boot, ota, nvs"},
    {"new", cmd_new, "scaffold an ESP8266 RTOS SDK 3.x style project"},
    {"build", cmd_build, "sdkconfig in, flash artifacts out (checks the layout first)"},
    {"menuconfig", cmd_menuconfig, "terminal menu for the flash layout options"},
    {"defconfig", cmd_defconfig, "apply sdkconfig.defaults non-interactively"},
    {"secure", cmd_secure, "Secure Boot v2 signed images: sign_data, verify_signature, keys"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: flashkit <command> [options]   (flashkit <command> --help)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("flashkit %s\n", FLASHKIT_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "flashkit: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
