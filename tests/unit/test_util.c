/* CLI helpers every command relies on: JSON strings that stay valid JSON
 * whatever the bytes, sizes, atomic output, mkdir -p. */
#include "fk_test.h"
#include "util.h"

#include <sys/stat.h>
#include <unistd.h>

static char *json_of(const char *s, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fk_json_strn(f, s, n);
    fclose(f);
    return buf;
}

static void test_json(void)
{
    char *j = json_of("a\"b\\c\n\x01", 7);
    CHECK(!strcmp(j, "\"a\\\"b\\\\c\\n\\u0001\""));
    free(j);
    j = json_of("caf\xc3\xa9", 5); /* valid UTF-8 passes through */
    CHECK(!strcmp(j, "\"caf\xc3\xa9\""));
    free(j);
    j = json_of("\xff\xc3", 2); /* invalid and truncated sequences are escaped */
    CHECK(!strcmp(j, "\"\\u00ff\\u00c3\""));
    free(j);
    j = json_of("\xed\xa0\x80", 3); /* a UTF-16 surrogate is not UTF-8 */
    CHECK(!strcmp(j, "\"\\u00ed\\u00a0\\u0080\""));
    free(j);
    j = json_of("k\0v", 3); /* embedded NUL */
    CHECK(!strcmp(j, "\"k\\u0000v\""));
    free(j);
}

static void test_sizes(void)
{
    uint32_t v;
    CHECK(fk_parse_size("0x4000", &v) && v == 0x4000);
    CHECK(fk_parse_size("16k", &v) && v == 16384);
    CHECK(fk_parse_size("4MB", &v) && v == 4u << 20);
    CHECK(fk_parse_size("4096", &v) && v == 4096);
    CHECK(!fk_parse_size("", &v));
    CHECK(!fk_parse_size("0x", &v));
    CHECK(!fk_parse_size("12q", &v));
    CHECK(!fk_parse_size("-1", &v));
    CHECK(!fk_parse_size("0x100000000", &v));
    CHECK(!fk_parse_size("8192M", &v));
}

static void test_files(void)
{
    char dir[] = "/tmp/fk_util_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char deep[256], file[300];
    snprintf(deep, sizeof deep, "%s/a/b/c", dir);
    CHECK_EQ(fk_mkdir_p(deep), 0);
    CHECK_EQ(fk_mkdir_p(deep), 0); /* exists: fine */
    struct stat sb;
    CHECK(stat(deep, &sb) == 0 && S_ISDIR(sb.st_mode));

    snprintf(file, sizeof file, "%s/out.bin", deep);
    CHECK_EQ(fk_write_file_atomic(file, "abc", 3), 0);
    uint8_t *data;
    size_t len;
    CHECK_EQ(fk_read_file(file, &data, &len), 0);
    CHECK(len == 3 && !memcmp(data, "abc", 3));
    free(data);

    /* An aborted output leaves the old file and no temporary behind. */
    fk_out_t out;
    CHECK_EQ(fk_out_open(&out, file), 0);
    fputs("partial", out.f);
    fk_out_abort(&out);
    CHECK_EQ(fk_read_file(file, &data, &len), 0);
    CHECK(len == 3);
    free(data);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1 && rm -rf '%s'", deep, dir);
    CHECK_EQ(system(cmd), 0);
}

int main(void)
{
    test_json();
    test_sizes();
    test_files();
    return fk_test_done("util");
}
