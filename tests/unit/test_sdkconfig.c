/* sdkconfig reader: the format menuconfig writes, and its error lines. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fk_test.h"
#include "sdkconfig.h"

/* Shaped like an ESP8266 RTOS SDK v3.1 project's sdkconfig. */
static const char real[] =
    "#\n"
    "# Automatically generated file; DO NOT EDIT.\n"
    "# Espressif IoT Development Framework Configuration\n"
    "#\n"
    "CONFIG_TOOLPREFIX=\"xtensa-lx106-elf-\"\n"
    "CONFIG_PYTHON=\"python\"\n"
    "\n"
    "#\n"
    "# Serial flasher config\n"
    "#\n"
    "CONFIG_ESPTOOLPY_PORT=\"/dev/ttyUSB0\"\n"
    "CONFIG_ESPTOOLPY_BAUD_115200B=y\n"
    "# CONFIG_ESPTOOLPY_BAUD_230400B is not set\n"
    "CONFIG_ESPTOOLPY_BAUD=115200\n"
    "CONFIG_ESPTOOLPY_FLASHMODE_QIO=y\n"
    "CONFIG_ESPTOOLPY_FLASHMODE=\"qio\"\n"
    "# CONFIG_ESPTOOLPY_FLASHSIZE_2MB is not set\n"
    "CONFIG_ESPTOOLPY_FLASHSIZE_1MB=y\n"
    "CONFIG_ESPTOOLPY_FLASHSIZE=\"1MB\"\n"
    "\n"
    "#\n"
    "# Partition Table\n"
    "#\n"
    "# CONFIG_PARTITION_TABLE_SINGLE_APP is not set\n"
    "CONFIG_PARTITION_TABLE_CUSTOM=y\n"
    "CONFIG_PARTITION_TABLE_CUSTOM_FILENAME=\"partitions_two_ota.1MB.csv\"\n"
    "CONFIG_PARTITION_TABLE_OFFSET=0x8000\r\n"
    "CONFIG_APP2_SUPPORT=y\n"
    "CONFIG_APP1_OFFSET=0x5000\n"
    "CONFIG_APP1_SIZE=0x7B000\n"
    "CONFIG_APP2_OFFSET=0x85000\n"
    "CONFIG_APP2_SIZE=0x7b000\n"
    "CONFIG_MSG=\"say \\\"hi\\\" \\\\ bye\"   # trailing comment\n"
    "CONFIG_EMPTY=\"\"\n"
    "CONFIG_BAD_NUMBER=0x12G\n"
    "CONFIG_OFF=n\n";

static void test_real(void)
{
    char err[256] = "";
    fk_sdkconfig_t *c = fk_sdkconfig_parse(real, "sdkconfig", err, sizeof err);
    CHECK(c != NULL);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(!strcmp(fk_sdkconfig_get(c, "CONFIG_ESPTOOLPY_FLASHSIZE"), "1MB"));
    CHECK(!strcmp(fk_sdkconfig_get(c, "ESPTOOLPY_FLASHSIZE"), "1MB")); /* bare name */
    CHECK(!strcmp(fk_sdkconfig_get(c, "CONFIG_ESPTOOLPY_FLASHSIZE_1MB"), "y"));
    CHECK(fk_sdkconfig_get(c, "CONFIG_ESPTOOLPY_FLASHSIZE_2MB") == NULL);
    CHECK_EQ(fk_sdkconfig_line(c, "CONFIG_ESPTOOLPY_FLASHSIZE_2MB"), 17);
    CHECK(fk_sdkconfig_get(c, "CONFIG_NOT_THERE") == NULL);
    CHECK_EQ(fk_sdkconfig_line(c, "CONFIG_NOT_THERE"), 0);
    CHECK(fk_sdkconfig_bool(c, "PARTITION_TABLE_CUSTOM"));
    CHECK(!fk_sdkconfig_bool(c, "PARTITION_TABLE_SINGLE_APP"));
    CHECK(!strcmp(fk_sdkconfig_get(c, "PARTITION_TABLE_CUSTOM_FILENAME"), "partitions_two_ota.1MB.csv"));
    uint32_t v = 0;
    CHECK_EQ(fk_sdkconfig_u32(c, "PARTITION_TABLE_OFFSET", &v), 1); /* CRLF line */
    CHECK_EQ(v, 0x8000);
    CHECK_EQ(fk_sdkconfig_u32(c, "CONFIG_APP1_SIZE", &v), 1);
    CHECK_EQ(v, 0x7B000);
    CHECK_EQ(fk_sdkconfig_u32(c, "CONFIG_APP2_SIZE", &v), 1);
    CHECK_EQ(v, 0x7B000);
    CHECK_EQ(fk_sdkconfig_line(c, "CONFIG_APP2_OFFSET"), 31);
    CHECK_EQ(fk_sdkconfig_u32(c, "CONFIG_ESPTOOLPY_BAUD", &v), 1);
    CHECK_EQ(v, 115200);
    CHECK_EQ(fk_sdkconfig_u32(c, "CONFIG_BAD_NUMBER", &v), -1);
    CHECK_EQ(fk_sdkconfig_u32(c, "CONFIG_MSG", &v), -1);
    CHECK_EQ(fk_sdkconfig_u32(c, "CONFIG_ABSENT", &v), 0);
    CHECK(!strcmp(fk_sdkconfig_get(c, "CONFIG_MSG"), "say \"hi\" \\ bye"));
    CHECK(!strcmp(fk_sdkconfig_get(c, "CONFIG_EMPTY"), ""));
    CHECK(fk_sdkconfig_get(c, "CONFIG_OFF") == NULL);
    CHECK_EQ(fk_sdkconfig_line(c, "CONFIG_OFF"), 36);
    /* Iteration sees each name once, in file order. */
    const char *name, *val;
    int line, count = 0;
    for (size_t i = 0; fk_sdkconfig_at(c, i, &name, &val, &line); i++) count++;
    CHECK_EQ(count, 24);
    CHECK(fk_sdkconfig_at(c, 0, &name, &val, &line) && !strcmp(name, "CONFIG_TOOLPREFIX") && line == 5);
    fk_sdkconfig_free(c);
}

static void test_override(void)
{
    char err[256];
    fk_sdkconfig_t *c = fk_sdkconfig_parse("CONFIG_A=1\nCONFIG_B=y\nCONFIG_A=2\n# CONFIG_B is not set\n",
                                           "x", err, sizeof err);
    CHECK(c != NULL);
    if (!c) return;
    CHECK(!strcmp(fk_sdkconfig_get(c, "A"), "2"));
    CHECK_EQ(fk_sdkconfig_line(c, "A"), 3);
    CHECK(fk_sdkconfig_get(c, "B") == NULL);
    CHECK_EQ(fk_sdkconfig_line(c, "B"), 4);
    fk_sdkconfig_free(c);
}

static void expect_error(const char *text, const char *msg)
{
    char err[256] = "";
    fk_sdkconfig_t *c = fk_sdkconfig_parse(text, "proj/sdkconfig", err, sizeof err);
    CHECK(c == NULL);
    if (strcmp(err, msg) != 0) {
        fprintf(stderr, "  got '%s'\n  want '%s'\n", err, msg);
        CHECK(0);
    }
    fk_sdkconfig_free(c);
}

static void test_errors(void)
{
    expect_error("CONFIG_A=1\nCONFIG_S=\"open\n",
                 "proj/sdkconfig:2: string value has no closing quote");
    expect_error("# c\nFOO=1\n",
                 "proj/sdkconfig:2: expected CONFIG_NAME=value, a # comment or a blank line");
    expect_error("CONFIG_A 1\n", "proj/sdkconfig:1: expected '=' after the option name");
    expect_error("\n\nCONFIG_=1\n", "proj/sdkconfig:3: option name missing after CONFIG_");
    expect_error("CONFIG_S=\"a\" b\n", "proj/sdkconfig:1: unexpected text after the closing quote");
}

static void test_file(void)
{
    char path[] = "/tmp/fk_sdkconfig_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    const char *t = "CONFIG_PARTITION_TABLE_TWO_OTA=y\nCONFIG_PARTITION_TABLE_OFFSET=0x9000\n";
    CHECK_EQ(write(fd, t, strlen(t)), (long long)strlen(t));
    close(fd);
    char err[256];
    fk_sdkconfig_t *c = fk_sdkconfig_load(path, err, sizeof err);
    CHECK(c != NULL);
    if (c) {
        CHECK(fk_sdkconfig_bool(c, "CONFIG_PARTITION_TABLE_TWO_OTA"));
        CHECK(!strcmp(fk_sdkconfig_name(c), path));
        fk_sdkconfig_free(c);
    }
    unlink(path);
    c = fk_sdkconfig_load("/nonexistent/sdkconfig", err, sizeof err);
    CHECK(c == NULL);
    CHECK(!strcmp(err, "/nonexistent/sdkconfig: No such file or directory"));
}

int main(void)
{
    test_real();
    test_override();
    test_errors();
    test_file();
    return fk_test_done("test_sdkconfig");
}
