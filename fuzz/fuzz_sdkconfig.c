/* sdkconfig files (CONFIG_NAME=value, "# CONFIG_X is not set"): parse, walk,
 * read every option as bool and number. */
// FUZZ_SEEDS_SRC: examples/*/sdkconfig examples/*/sdkconfig.defaults
// FUZZ_SEED_TEXT: CONFIG_PARTITION_TABLE_TWO_OTA=y\n# CONFIG_X is not set\nCONFIG_A="q\\"x"\nCONFIG_N=0x8000\n
#include "fuzz.h"
#include "sdkconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_text(data, size);
    char err[512];
    fk_sdkconfig_t *c = fk_sdkconfig_parse(text, "fuzz/sdkconfig", err, sizeof err);
    free(text);
    if (!c) {
        FZ_ASSERT(err[0], "refused without a message");
        return 0;
    }
    const char *name, *value;
    int line;
    for (size_t i = 0; fk_sdkconfig_at(c, i, &name, &value, &line); i++) {
        FZ_ASSERT(name && line > 0, "entry %zu", i);
        uint32_t u;
        fk_sdkconfig_bool(c, name);
        fk_sdkconfig_u32(c, name, &u);
        FZ_ASSERT(fk_sdkconfig_get(c, name) == value, "get(%s) differs from the walk", name);
    }
    fk_sdkconfig_free(c);
    return 0;
}
