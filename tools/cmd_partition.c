#include <stdio.h>
#include "commands.h"

int cmd_partition(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "flashkit: '%s' is not implemented yet\n", argv[0]);
    return 2;
}
