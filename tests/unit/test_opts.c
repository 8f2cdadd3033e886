/* The option parser every subcommand uses: shapes accepted, errors refused. */
#include "fk_test.h"
#include "opts.h"

static bool flag;
static const char *size, *out;
static fk_optlist_t keys;
static int verbose;
static const char *pos[3];

static const fk_opt_t table[] = {
    {"--flag", NULL, FK_OPT_FLAG, &flag},
    {"--size", "-s", FK_OPT_VALUE, &size},
    {"--output", "-o", FK_OPT_VALUE, &out},
    {"--key", NULL, FK_OPT_LIST, &keys},
    {"--verbose", "-v", FK_OPT_COUNT, &verbose},
    FK_OPT_END,
};

static bool run(int argc, char **argv, int *rc, fk_opts_t *o)
{
    flag = false;
    size = out = NULL;
    keys.n = 0;
    verbose = 0;
    *o = (fk_opts_t){.cmd = "test", .usage = NULL, .opts = table, .pos = pos, .max_pos = 3};
    return fk_opts_parse(o, argc, argv, rc);
}

int main(void)
{
    fk_opts_t o;
    int rc;
    {
        char *a[] = {"x", "in.csv", "--size", "0x3000", "-o=ignored", "--flag", "-", NULL};
        /* "-o=..." is not a long option: '=' splits only "--name=value" */
        CHECK(run(7, a, &rc, &o));
        CHECK_EQ(rc, 2);
    }
    {
        char *a[] = {"x", "in.csv", "--size=0x3000", "-o", "out.bin", "--flag", "-", "-v", "-v", NULL};
        CHECK(!run(9, a, &rc, &o));
        CHECK(flag);
        CHECK(!strcmp(size, "0x3000"));
        CHECK(!strcmp(out, "out.bin"));
        CHECK_EQ(o.npos, 2);
        CHECK(!strcmp(pos[1], "-"));
        CHECK_EQ(verbose, 2);
    }
    {   /* negative numbers and "--" make values, not options */
        char *a[] = {"x", "-5", "--", "--flag", "-0x10", NULL};
        CHECK(!run(5, a, &rc, &o));
        CHECK_EQ(o.npos, 3);
        CHECK(!strcmp(pos[0], "-5"));
        CHECK(!strcmp(pos[1], "--flag"));
        CHECK(!flag);
    }
    {
        char *a[] = {"x", "--key", "a", "--key=b", NULL};
        CHECK(!run(4, a, &rc, &o));
        CHECK_EQ(keys.n, 2);
        CHECK(!strcmp(keys.v[1], "b"));
    }
    {   /* errors: missing value, unknown option, value on a flag, too many positionals */
        char *a1[] = {"x", "--size", NULL};
        CHECK(run(2, a1, &rc, &o) && rc == 2);
        char *a2[] = {"x", "--nope", NULL};
        CHECK(run(2, a2, &rc, &o) && rc == 2);
        char *a3[] = {"x", "--flag=1", NULL};
        CHECK(run(2, a3, &rc, &o) && rc == 2);
        char *a4[] = {"x", "a", "b", "c", "d", NULL};
        CHECK(run(5, a4, &rc, &o) && rc == 2);
        char *a5[] = {"x", "--help", NULL};
        CHECK(run(2, a5, &rc, &o) && rc == 0);
    }
    return fk_test_done("test_opts");
}
