/* Placeholder until these commands land; they refuse rather than pretend. */
#include <stdio.h>
#include "commands.h"

static int todo(char **argv)
{
    fprintf(stderr, "flashkit: '%s' is not implemented yet\n", argv[0]);
    return 2;
}
int cmd_new(int argc, char **argv) { (void)argc; return todo(argv); }
int cmd_build(int argc, char **argv) { (void)argc; return todo(argv); }
int cmd_menuconfig(int argc, char **argv) { (void)argc; return todo(argv); }
int cmd_defconfig(int argc, char **argv) { (void)argc; return todo(argv); }
