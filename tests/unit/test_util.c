/* CLI helpers every command relies on: JSON strings that stay valid JSON
 * whatever the bytes, sizes, atomic output, mkdir -p, the whitespace rules
 * of the reference's Python, the one list of CSV value encodings. */
#include "fk_nvs_format.h"
#include "fk_test.h"
#include "nvs_gen_values.h"
#include "pyint.h"
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
    size_t len = 0;
    FILE *f = open_memstream(&j, &len);
    fk_json_str(f, NULL); /* nothing there: null, not a string */
    fputc(' ', f);
    fk_json_str(f, "x");
    fclose(f);
    CHECK(!strcmp(j, "null \"x\""));
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

/* issue 12, defect 1: an output that is a device or a FIFO is written, not
 * replaced by a regular file; its write errors fail the command. */
static void test_output_nodes(void)
{
    /* Devices through links in a scratch folder: a regression replaces the
     * link, never the system's /dev/null or /dev/full. */
    char dir[] = "/tmp/fk-util-nodes-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char null_l[128], full_l[128], fifo[128], cmd[400];
    snprintf(null_l, sizeof null_l, "%s/null", dir);
    snprintf(full_l, sizeof full_l, "%s/full", dir);
    CHECK_EQ(symlink("/dev/null", null_l), 0);
    CHECK_EQ(symlink("/dev/full", full_l), 0);
    struct stat st;
    CHECK_EQ(fk_write_file_atomic(null_l, "abc", 3), 0);
    CHECK(lstat(null_l, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK_EQ(fk_write_file_atomic(full_l, "abc", 3), -1);
    CHECK(lstat(full_l, &st) == 0 && S_ISLNK(st.st_mode));
    fk_out_t out;
    CHECK_EQ(fk_out_open(&out, full_l), 0);
    CHECK(out.direct && !out.tmp);
    fputs("x", out.f);
    CHECK_EQ(fk_out_commit(&out), -1);

    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    /* A reader in the background; the write goes into the pipe. */
    snprintf(cmd, sizeof cmd, "cat '%s' > '%s/got' &", fifo, dir);
    CHECK_EQ(system(cmd), 0);
    CHECK_EQ(fk_write_file_atomic(fifo, "through the pipe", 16), 0);
    CHECK(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
    snprintf(cmd, sizeof cmd, "for i in $(seq 50); do [ -s '%s/got' ] && break; sleep 0.1; done; "
             "grep -qx 'through the pipe' '%s/got'", dir, dir);
    CHECK_EQ(system(cmd), 0);

    /* A symlink to a regular file stays a link; the file gets the bytes. */
    char target[128], link[128];
    snprintf(target, sizeof target, "%s/target", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    CHECK_EQ(fk_write_file_atomic(target, "old", 3), 0);
    CHECK_EQ(symlink(target, link), 0);
    CHECK_EQ(fk_write_file_atomic(link, "new!", 4), 0);
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    uint8_t *data;
    size_t len;
    CHECK_EQ(fk_read_file(target, &data, &len), 0);
    CHECK(len == 4 && !memcmp(data, "new!", 4));
    free(data);
    /* A folder is refused, not replaced. */
    CHECK_EQ(fk_write_file_atomic(dir, "x", 1), -1);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
}

/* Messages about bad input say what is wrong and never echo raw bytes. */
static void test_messages(void)
{
    CHECK(strstr(fk_size_problem("0x100000000"), "too large"));
    CHECK(strstr(fk_size_problem("5000000000"), "too large"));
    CHECK(strstr(fk_size_problem("4096M"), "too large"));
    CHECK(strstr(fk_size_problem("-5"), "negative"));
    CHECK(strstr(fk_size_problem("12q"), "not a number"));
    CHECK(strstr(fk_size_problem(""), "not a number"));
    CHECK(strstr(fk_size_problem("0x"), "not a number"));
    char b[64];
    CHECK(!strcmp(fk_printable(b, sizeof b, "ab\x01\xff\\", 5, 40), "ab\\x01\\xff\\x5c"));
    CHECK(!strcmp(fk_printable(b, sizeof b, "caf\xc3\xa9", 5, 40), "caf\xc3\xa9"));
    CHECK(!strcmp(fk_printable(b, sizeof b, "abcdef", 6, 3), "abc..."));
    char big[200];
    memset(big, 0xfe, sizeof big);
    fk_printable(b, sizeof b, big, sizeof big, 100); /* cut by room, still terminated */
    CHECK(strlen(b) < sizeof b && strstr(b, "..."));
}

/* Python strips with two sets (str.strip(), int()); a CSV record is stripped
 * without its line end. Every byte checked against each rule. */
static void test_whitespace(void)
{
    for (int c = 0; c < 256; c++) {
        bool intsp = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
        bool sp = intsp || (c >= 0x1c && c <= 0x1f);
        CHECK_EQ(fk_is_asciispace((unsigned char)c), intsp);
        CHECK_EQ(fk_is_pyspace((unsigned char)c), sp);
        CHECK_EQ(fk_is_pyblank((unsigned char)c), sp && c != '\n' && c != '\r');
    }
    const char *s = "\x1c \t\nab c\r\v\x1f";
    size_t n = strlen(s);
    fk_trim_span(&s, &n);
    CHECK(n == 4 && !memcmp(s, "ab c", 4));
    s = " \t\x1c" "a\v ";
    n = strlen(s);
    fk_trim_span_by(&s, &n, fk_is_pyblank);
    CHECK(n == 1 && *s == 'a');
    s = "\n a \r"; /* line ends are not blanks: kept */
    n = strlen(s);
    fk_trim_span_by(&s, &n, fk_is_pyblank);
    CHECK_EQ(n, 5);
    char t[] = "\f\x1d x y \x1e";
    CHECK(!strcmp(fk_trim(t), "x y"));
    /* int(" 0x10\t", 0) == 16, int("\x1c5", 0) is an error, as in Python. */
    int64_t v = 0;
    CHECK(fk_pyint(" 0x10\t", 6, &v) && v == 16);
    CHECK(!fk_pyint("\x1c" "5", 2, &v));
    CHECK(!fk_pyint("5\x1f", 2, &v));
    CHECK(fk_pyint("\v-7\f", 4, &v) && v == -7);
}

/* The one list of encodings a CSV row may name (nvs gen and mfg gen ask
 * it): integers by the core's type names, then four more, any case. */
static void test_encodings(void)
{
    uint8_t item = 0xAA;
    CHECK_EQ(fk_nvs_encoding_kind("U32", &item), FK_ENC_INT);
    CHECK_EQ(item, NVS_ITEM_U32);
    for (unsigned i = 0; i < fk_nvs_type_name_count; i++) {
        uint8_t t = fk_nvs_type_names[i].type;
        int kind = fk_nvs_encoding_kind(fk_nvs_type_names[i].name, &item);
        CHECK_EQ(kind == FK_ENC_INT, fk_nvs_type_int_size(t) != 0);
        if (kind == FK_ENC_INT) CHECK_EQ(item, t);
    }
    CHECK_EQ(fk_nvs_encoding_kind("blob", &item), FK_ENC_UNKNOWN); /* a type, not an encoding */
    CHECK_EQ(fk_nvs_encoding_kind("Hex2Bin", &item), FK_ENC_HEX);
    CHECK_EQ(fk_nvs_encoding_kind("string", &item), FK_ENC_STRING);
    CHECK_EQ(fk_nvs_encoding_kind("base64", &item), FK_ENC_BASE64);
    CHECK_EQ(fk_nvs_encoding_kind("BINARY", &item), FK_ENC_BINARY);
    CHECK_EQ(fk_nvs_encoding_kind("u128", &item), FK_ENC_UNKNOWN);
    CHECK_EQ(fk_nvs_encoding_kind("", &item), FK_ENC_UNKNOWN);
}

int main(void)
{
    test_json();
    test_sizes();
    test_files();
    test_output_nodes();
    test_messages();
    test_whitespace();
    test_encodings();
    return fk_test_done("util");
}
