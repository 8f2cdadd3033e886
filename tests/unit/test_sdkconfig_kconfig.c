/* flashkit's Kconfig as data: which options it has, its choice blocks, and
 * how kconfig's output is merged with a real sdkconfig's other options. */
#include <stdlib.h>
#include <string.h>
#include "fk_test.h"
#include "project.h"
#include "project_menu.h"
#include "sdkconfig.h"

static void test_has(void)
{
    /* The SDK option names the notes and the spec list. */
    static const char *const names[] = {
        "CONFIG_PARTITION_TABLE_SINGLE_APP", "CONFIG_PARTITION_TABLE_TWO_OTA", "CONFIG_PARTITION_TABLE_CUSTOM",
        "CONFIG_PARTITION_TABLE_CUSTOM_FILENAME", "CONFIG_PARTITION_TABLE_FILENAME", "CONFIG_PARTITION_TABLE_OFFSET",
        "CONFIG_APP2_SUPPORT", "CONFIG_APP1_OFFSET", "CONFIG_APP1_SIZE", "CONFIG_APP2_OFFSET", "CONFIG_APP2_SIZE",
        "CONFIG_ESPTOOLPY_FLASHSIZE_1MB", "CONFIG_ESPTOOLPY_FLASHSIZE_16MB", "CONFIG_ESPTOOLPY_FLASHSIZE",
        "ESPTOOLPY_FLASHMODE", "CONFIG_ESPTOOLPY_FLASHFREQ_26M", "CONFIG_FLASHKIT_NVS_CSV",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bool has = fk_kconfig_has(names[i]);
        if (!has) fprintf(stderr, "  missing %s\n", names[i]);
        CHECK(has);
    }
    CHECK(!fk_kconfig_has("CONFIG_FREERTOS_HZ"));
    CHECK(!fk_kconfig_has("CONFIG_APP1")); /* a prefix of a name is not a name */
    CHECK(!fk_kconfig_has("CONFIG_PARTITION_TABLE_TYPE")); /* a choice's own name is not an option */
}

static void test_choices(void)
{
    int size = fk_kconfig_choice_of("CONFIG_ESPTOOLPY_FLASHSIZE_1MB");
    CHECK(size > 0);
    CHECK_EQ(fk_kconfig_choice_of("ESPTOOLPY_FLASHSIZE_4MB"), size);
    int table = fk_kconfig_choice_of("CONFIG_PARTITION_TABLE_CUSTOM");
    CHECK(table > 0 && table != size);
    CHECK_EQ(fk_kconfig_choice_of("CONFIG_PARTITION_TABLE_TWO_OTA"), table);
    CHECK_EQ(fk_kconfig_choice_of("CONFIG_ESPTOOLPY_FLASHSIZE"), 0); /* the derived string */
    CHECK_EQ(fk_kconfig_choice_of("CONFIG_APP1_OFFSET"), 0);
    CHECK_EQ(fk_kconfig_choice_of("CONFIG_NOT_THERE"), 0);
}

static void test_merge(void)
{
    const char *kout = "#\n# generated\n#\nCONFIG_PARTITION_TABLE_TWO_OTA=y\nCONFIG_APP1_OFFSET=0x10000\n";
    const char *orig =
        "CONFIG_TOOLPREFIX=\"xtensa-lx106-elf-\"\r\n"
        "CONFIG_PARTITION_TABLE_SINGLE_APP=y\n"
        "CONFIG_FREERTOS_HZ=100\n"
        "# CONFIG_LWIP_IPV6 is not set\n"
        "# a comment that goes\n"
        "CONFIG_FREERTOS_HZ=1000\n"
        "CONFIG_APP2_OFFSET=0x85000\n";
    char *m = fk_kconfig_merge_unknown(kout, orig);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(!strncmp(m, kout, strlen(kout)));
    /* Unknown options kept (the last value of each, once), known ones only from kconfig. */
    CHECK(strstr(m, "CONFIG_TOOLPREFIX=\"xtensa-lx106-elf-\"\n") != NULL);
    CHECK(strstr(m, "CONFIG_FREERTOS_HZ=1000\n") != NULL);
    CHECK(strstr(m, "CONFIG_FREERTOS_HZ=100\n") == NULL);
    CHECK(strstr(m, "# CONFIG_LWIP_IPV6 is not set\n") != NULL);
    CHECK(strstr(m, "SINGLE_APP") == NULL);
    CHECK(strstr(m, "CONFIG_APP2_OFFSET") == NULL); /* known to Kconfig, dropped by it: stays dropped */
    CHECK(strstr(m, "a comment that goes") == NULL);
    CHECK(strchr(m, '\r') == NULL);
    /* The result reads back with the SDK semantics. */
    char err[256];
    fk_sdkconfig_t *c = fk_sdkconfig_parse(m, "merged", err, sizeof err);
    CHECK(c != NULL);
    if (c) {
        CHECK(fk_sdkconfig_bool(c, "PARTITION_TABLE_TWO_OTA"));
        CHECK(!strcmp(fk_sdkconfig_get(c, "FREERTOS_HZ"), "1000"));
        fk_sdkconfig_free(c);
    }
    free(m);

    /* Nothing unknown: the kconfig output as it is. */
    m = fk_kconfig_merge_unknown(kout, "CONFIG_APP1_OFFSET=0x5000\n");
    CHECK(m && !strcmp(m, kout));
    free(m);
    m = fk_kconfig_merge_unknown(kout, NULL);
    CHECK(m && !strcmp(m, kout));
    free(m);
}

/* The shipped Kconfig text: every APP option has the prompts of the notes. */
static void test_prompts(void)
{
    static const char *const prompts[] = {
        "\"Custom partition table CSV\"", "\"Custom partition CSV file\"",
        "\"Partition table offset address at flash\"", "\"Support to setup partition parameter of APP2\"",
        "\"App1 offset address\"", "\"App1 size by bytes\"", "\"App2 offset address\"", "\"App2 size by bytes\"",
        "\"APP1 partition offset\"", "\"APP1 partition size(by bytes)\"", "\"Single factory app, no OTA\"",
        "\"Factory app, two OTA definitions\"",
    };
    for (size_t i = 0; i < sizeof prompts / sizeof prompts[0]; i++) CHECK(strstr(fk_project_kconfig, prompts[i]));
}

int main(void)
{
    test_has();
    test_choices();
    test_merge();
    test_prompts();
    return fk_test_done("test_sdkconfig_kconfig");
}
