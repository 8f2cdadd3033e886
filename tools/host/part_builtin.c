/* The SDK's built-in tables (components/partition_table/partitions_*.csv),
 * with the rows the spec lists. Chosen by CONFIG_PARTITION_TABLE_SINGLE_APP / TWO_OTA. */
#include <string.h>
#include "part_gen.h"

static const char singleapp[] =
    "# Name,   Type, SubType, Offset,  Size, Flags\n"
    "# built into flashkit; rows start on line 3 as in the SDK's file\n"
    "nvs,      data, nvs,     0x9000,  0x6000,\n"
    "phy_init, data, phy,     0xf000,  0x1000,\n"
    "factory,  app,  factory, 0x10000, 0xF0000,\n";

static const char two_ota[] =
    "# Name,   Type, SubType, Offset,   Size, Flags\n"
    "# built into flashkit; rows start on line 3 as in the SDK's file\n"
    "nvs,      data, nvs,     0x9000,   0x4000\n"
    "otadata,  data, ota,     0xd000,   0x2000\n"
    "phy_init, data, phy,     0xf000,   0x1000\n"
    "ota_0,    0,    ota_0,   0x10000,  0xF0000\n"
    "ota_1,    0,    ota_1,   0x110000, 0xF0000\n";

static const char two_ota_1mb[] =
    "# Name,   Type, SubType, Offset,   Size, Flags\n"
    "# built into flashkit; rows start on line 3 as in the SDK's file\n"
    "nvs,      data, nvs,     0x9000,   0x4000\n"
    "otadata,  data, ota,     0xd000,   0x2000\n"
    "phy_init, data, phy,     0xf000,   0x1000\n"
    "ota_0,    0,    ota_0,   0x10000,  0x70000\n"
    "ota_1,    0,    ota_1,   0x80000,  0x70000\n";

static const struct {
    const char *name, *file, *csv;
} builtins[] = {
    {"singleapp", "partitions_singleapp.csv", singleapp},
    {"two_ota", "partitions_two_ota.csv", two_ota},
    {"two_ota_1mb", "partitions_two_ota.1MB.csv", two_ota_1mb},
};

const char *fk_part_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (!strcmp(name, builtins[i].name) || !strcmp(name, builtins[i].file)) return builtins[i].csv;
    return NULL;
}
