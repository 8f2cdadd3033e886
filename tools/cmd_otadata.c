/* Placeholder until this command lands; it refuses rather than pretends. */
#include <stdio.h>
#include "commands.h"

int cmd_otadata(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "flashkit: '%s' is not implemented yet\n", argv[0]);
    return 2;
}
