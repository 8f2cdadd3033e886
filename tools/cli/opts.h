/* One table-driven option parser for every subcommand, so they all accept
 * the same shapes: "--opt VALUE", "--opt=VALUE", short aliases, "--" to end
 * options, "-" (stdin/stdout) and negative numbers as positional arguments,
 * and -h/--help. */
#ifndef FK_OPTS_H
#define FK_OPTS_H

#include <stdbool.h>

typedef enum {
    FK_OPT_FLAG,  /* dst: bool *, set to true */
    FK_OPT_VALUE, /* dst: const char **, the last occurrence wins */
    FK_OPT_LIST,  /* dst: fk_optlist_t *, every occurrence kept in order */
    FK_OPT_COUNT, /* dst: int *, incremented (e.g. -v -v) */
} fk_opt_kind_t;

#define FK_OPTLIST_MAX 16
typedef struct {
    const char *v[FK_OPTLIST_MAX];
    int n;
} fk_optlist_t;

typedef struct {
    const char *name;  /* "--size" */
    const char *alias; /* "-s", or NULL */
    fk_opt_kind_t kind;
    void *dst;
} fk_opt_t;

#define FK_OPT_END {NULL, NULL, FK_OPT_FLAG, NULL}

typedef struct {
    const char *cmd;        /* for messages: "nvs gen" */
    const char *usage;      /* --help prints it to stdout; errors to stderr */
    const fk_opt_t *opts;   /* ends with FK_OPT_END */
    const char **pos;       /* positional arguments land here */
    int max_pos;
    int npos;               /* out: how many positionals */
} fk_opts_t;

/* Parses argv[1..argc-1] (argv[0] is the subcommand's own name). Returns
 * true when the command should stop now, with *rc the exit code: 0 after
 * --help, 2 after an error (already printed, naming the option). */
bool fk_opts_parse(fk_opts_t *o, int argc, char **argv, int *rc);

/* An argument that starts with '-' but is a number ("-5", "-0x10", "-1.5")
 * is a value, not an option. */
bool fk_opts_is_number(const char *s);

#endif
