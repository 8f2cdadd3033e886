#include "opts.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

bool fk_opts_is_number(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    if (*s == '.') s++;
    return *s >= '0' && *s <= '9';
}

static const fk_opt_t *find(const fk_opt_t *opts, const char *arg, size_t len)
{
    for (const fk_opt_t *p = opts; p && p->name; p++) {
        if (strlen(p->name) == len && !strncmp(p->name, arg, len)) return p;
        if (p->alias && strlen(p->alias) == len && !strncmp(p->alias, arg, len)) return p;
    }
    return NULL;
}

static bool fail(fk_opts_t *o, int *rc, bool show_usage)
{
    if (show_usage && o->usage) fputs(o->usage, stderr);
    *rc = 2;
    return true;
}

static bool take(fk_opts_t *o, const fk_opt_t *p, const char *arg, const char *val, int *rc)
{
    switch (p->kind) {
    case FK_OPT_FLAG:
        if (val) {
            fk_err("%s: option '%s' takes no value", o->cmd, p->name);
            return fail(o, rc, false);
        }
        *(bool *)p->dst = true;
        return false;
    case FK_OPT_COUNT:
        if (val) {
            fk_err("%s: option '%s' takes no value", o->cmd, p->name);
            return fail(o, rc, false);
        }
        (*(int *)p->dst)++;
        return false;
    case FK_OPT_VALUE:
        *(const char **)p->dst = val;
        return false;
    case FK_OPT_LIST: {
        fk_optlist_t *l = p->dst;
        if (l->n == FK_OPTLIST_MAX) {
            fk_err("%s: option '%s' given more than %d times", o->cmd, arg, FK_OPTLIST_MAX);
            return fail(o, rc, false);
        }
        l->v[l->n++] = val;
        return false;
    }
    }
    return false;
}

bool fk_opts_parse(fk_opts_t *o, int argc, char **argv, int *rc)
{
    bool only_pos = false;
    o->npos = 0;
    *rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool is_opt = !only_pos && a[0] == '-' && a[1] && !fk_opts_is_number(a);
        if (!only_pos && !strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (is_opt && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            if (o->usage) fputs(o->usage, stdout);
            return true;
        }
        if (!is_opt) {
            if (o->npos >= o->max_pos) {
                fk_err("%s: unexpected argument '%s'", o->cmd, a);
                return fail(o, rc, false);
            }
            o->pos[o->npos++] = a;
            continue;
        }
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const fk_opt_t *p = find(o->opts, a, len);
        if (!p) {
            fk_err("%s: unknown option '%.*s'", o->cmd, (int)len, a);
            return fail(o, rc, true);
        }
        const char *val = eq ? eq + 1 : NULL;
        if ((p->kind == FK_OPT_VALUE || p->kind == FK_OPT_LIST) && !val) {
            if (i + 1 >= argc) {
                fk_err("%s: option '%s' needs a value", o->cmd, p->name);
                return fail(o, rc, false);
            }
            val = argv[++i];
        }
        if (take(o, p, p->name, val, rc)) return true;
    }
    return false;
}
