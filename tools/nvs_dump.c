#include "nvs_dump.h"
#include <stdio.h>
int fk_nvs_dump_main(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "flashkit: '%s' is not implemented yet\n", argv[0]);
    return 2;
}
