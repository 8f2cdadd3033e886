/* Top-level subcommands of the flashkit CLI. Each gets argv starting at its
 * own name (argv[0] = "partition", ...) and returns the process exit code. */
#ifndef FK_COMMANDS_H
#define FK_COMMANDS_H

int cmd_partition(int argc, char **argv);
int cmd_nvs(int argc, char **argv);
int cmd_mfg(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_otadata(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_menuconfig(int argc, char **argv);
int cmd_defconfig(int argc, char **argv);
int cmd_secure(int argc, char **argv);

#endif
