/* Driving kconfig-mconf / kconfig-conf. They work on a scratch copy in a
 * temporary folder so that a cancelled or failed run changes nothing, and
 * options of a real SDK sdkconfig that flashkit's Kconfig lacks survive. */
#include "project_menu.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "project.h"
#include "util.h"

typedef struct {
    char dir[64];
    char kconfig[96];
    char config[96];
} scratch_t;

static int scratch_open(scratch_t *s)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || strlen(tmp) > 40) tmp = "/tmp";
    snprintf(s->dir, sizeof s->dir, "%s/flashkit-kconfig-XXXXXX", tmp);
    if (!mkdtemp(s->dir)) {
        fk_err("cannot create a temporary folder in %s: %s", tmp, strerror(errno));
        return -1;
    }
    snprintf(s->kconfig, sizeof s->kconfig, "%s/Kconfig", s->dir);
    snprintf(s->config, sizeof s->config, "%s/sdkconfig", s->dir);
    return fk_write_file_atomic(s->kconfig, fk_project_kconfig, strlen(fk_project_kconfig));
}

/* kconfig leaves sdkconfig.old and .tmpconfig* beside the config. */
static void scratch_close(scratch_t *s)
{
    static const char *const names[] = {"Kconfig", "sdkconfig", "sdkconfig.old", ".tmpconfig",
                                        ".tmpconfig.h", ".config.cmd"};
    char path[160];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", s->dir, names[i]);
        unlink(path);
    }
    rmdir(s->dir);
}

/* Returns the tool's exit status, or -1 if it could not be run. */
static int run_kconfig(const scratch_t *s, const char *tool, const char *opt, bool quiet_stdout)
{
    pid_t pid = fork();
    if (pid < 0) {
        fk_err("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* Relative, so that mconf's title shows "sdkconfig", not a temp path. */
        if (chdir(s->dir) != 0) _exit(127);
        setenv("KCONFIG_CONFIG", "sdkconfig", 1);
        unsetenv("CONFIG_"); /* would change the option prefix */
        unsetenv("KCONFIG_ALLCONFIG");
        if (quiet_stdout) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) dup2(fd, STDOUT_FILENO);
        }
        if (opt)
            execlp(tool, tool, opt, s->kconfig, (char *)NULL);
        else
            execlp(tool, tool, s->kconfig, (char *)NULL);
        fprintf(stderr, "flashkit: error: cannot run %s: %s (install Debian's kconfig-frontends: scripts/deps.sh)\n",
                tool, strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    if (WIFEXITED(st)) return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
    return -1;
}

static char *read_text(const char *path, bool *missing)
{
    uint8_t *d;
    size_t n;
    *missing = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) {
            *missing = true;
            return NULL;
        }
        fk_err("%s: %s", path, strerror(errno));
        return NULL;
    }
    fclose(f);
    if (fk_read_file(path, &d, &n) != 0) return NULL;
    return (char *)d;
}

/* "CONFIG_X=..." or "# CONFIG_X is not set" -> CONFIG_X in name[128]. */
static const char *line_symbol(const char *s, size_t n, char *name)
{
    if (n >= 2 && s[0] == '#' && s[1] == ' ') {
        s += 2;
        n -= 2;
        const char *end = memmem(s, n, " is not set", 11);
        if (!end) return NULL;
        n = (size_t)(end - s);
    } else {
        const char *eq = memchr(s, '=', n);
        if (!eq) return NULL;
        n = (size_t)(eq - s);
    }
    if (n < 8 || n >= 128 || strncmp(s, "CONFIG_", 7) != 0) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') return NULL;
    memcpy(name, s, n);
    name[n] = 0;
    return name;
}

static bool text_has_symbol(const char *text, const char *sym)
{
    for (const char *s = text; *s;) {
        size_t n = strcspn(s, "\n");
        size_t m = n && s[n - 1] == '\r' ? n - 1 : n;
        char buf[128];
        const char *t = line_symbol(s, m, buf);
        if (t && !strcmp(t, sym)) return true;
        s += n;
        if (*s) s++;
    }
    return false;
}

char *fk_kconfig_merge_unknown(const char *kconfig_out, const char *orig)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fputs(kconfig_out, f);
    bool header = false;
    for (const char *s = orig ? orig : ""; *s;) {
        size_t n = strcspn(s, "\n");
        size_t m = n && s[n - 1] == '\r' ? n - 1 : n;
        char name[128];
        const char *sym = line_symbol(s, m, name);
        /* The last line for a symbol wins in Kconfig; keep only that one. */
        if (sym && !fk_kconfig_has(sym)) {
            const char *rest = s + n;
            if (!text_has_symbol(*rest ? rest + 1 : rest, name)) {
                if (!header) {
                    fputs("\n#\n# Options flashkit's Kconfig does not cover (kept as they were)\n#\n", f);
                    header = true;
                }
                fprintf(f, "%.*s\n", (int)m, s);
            }
        }
        s += n;
        if (*s) s++;
    }
    fclose(f);
    return buf;
}

/* Writes the scratch config back to DIR/sdkconfig, keeping unknown options. */
static int save_result(const scratch_t *s, const char *target, const char *orig)
{
    bool missing;
    char *out = read_text(s->config, &missing);
    if (!out) {
        if (missing) fk_err("kconfig wrote no configuration");
        return -1;
    }
    char *merged = fk_kconfig_merge_unknown(out, orig);
    free(out);
    if (!merged) {
        fk_err("out of memory");
        return -1;
    }
    int rc = fk_write_file_atomic(target, merged, strlen(merged));
    free(merged);
    return rc;
}

static int check_parses(const char *path)
{
    char err[512];
    fk_sdkconfig_t *c = fk_sdkconfig_load(path, err, sizeof err);
    if (!c) {
        fk_err("%s", err);
        return -1;
    }
    fk_sdkconfig_free(c);
    return 0;
}

int fk_menuconfig(const char *dir)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fk_err("menuconfig needs a terminal; in scripts use `flashkit defconfig` or edit sdkconfig");
        return 2;
    }
    char *target = fk_path_join(dir, "sdkconfig");
    char *defaults = fk_path_join(dir, "sdkconfig.defaults");
    char *orig = NULL, *start = NULL;
    scratch_t s;
    int rc = 1;
    bool missing, scratch = false;
    if (!target || !defaults) goto out;
    /* As the SDK: with no sdkconfig yet, start from sdkconfig.defaults. */
    orig = read_text(target, &missing);
    if (!orig && !missing) goto out;
    const char *from = target;
    if (!orig) {
        orig = read_text(defaults, &missing);
        if (!orig && !missing) goto out;
        from = defaults;
    }
    if (orig && check_parses(from) != 0) goto out;
    if (scratch_open(&s) != 0) goto out;
    scratch = true;
    if (fk_write_file_atomic(s.config, orig ? orig : "", orig ? strlen(orig) : 0) != 0) goto out;
    int st = run_kconfig(&s, "kconfig-mconf", NULL, false);
    if (st != 0) {
        if (st > 0) fk_err("kconfig-mconf exited with status %d; %s unchanged", st, target);
        goto out;
    }
    bool m2;
    start = read_text(s.config, &m2);
    if (start && orig && !strcmp(start, orig) && from == target) {
        printf("%s unchanged\n", target);
        rc = 0;
        goto out;
    }
    if (save_result(&s, target, orig) != 0) goto out;
    printf("wrote %s\n", target);
    rc = 0;
out:
    if (scratch) scratch_close(&s);
    free(target);
    free(defaults);
    free(orig);
    free(start);
    return rc;
}

/* True if add picks an alternative of choice block c (a line CONFIG_X=y). */
static bool text_picks_choice(const char *text, int c)
{
    for (const char *s = text; *s;) {
        size_t n = strcspn(s, "\n");
        size_t m = n && s[n - 1] == '\r' ? n - 1 : n;
        char buf[128];
        const char *t = line_symbol(s, m, buf);
        if (t && fk_kconfig_choice_of(t) == c && m >= 2 && !strncmp(s + m - 2, "=y", 2)) return true;
        s += n;
        if (*s) s++;
    }
    return false;
}

/* Drops from base every line that sets a symbol which add sets again, and
 * the other alternatives of a choice that add picks (so that kconfig does
 * not warn about a changed choice). */
static char *overlay(const char *base, const char *add)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    for (const char *s = base ? base : ""; *s;) {
        size_t n = strcspn(s, "\n");
        size_t m = n && s[n - 1] == '\r' ? n - 1 : n;
        char name[128];
        const char *sym = line_symbol(s, m, name);
        int c = sym ? fk_kconfig_choice_of(sym) : 0;
        bool drop = sym && add && (text_has_symbol(add, sym) || (c && text_picks_choice(add, c)));
        if (!drop) fprintf(f, "%.*s\n", (int)m, s);
        s += n;
        if (*s) s++;
    }
    if (add) fprintf(f, "%s\n", add);
    fclose(f);
    return buf;
}

int fk_defconfig(const char *dir)
{
    char *target = fk_path_join(dir, "sdkconfig");
    char *defaults = fk_path_join(dir, "sdkconfig.defaults");
    char *cur = NULL, *def = NULL, *input = NULL;
    scratch_t s;
    int rc = 1;
    bool missing_cur = true, missing_def = true, scratch = false;
    if (!target || !defaults) goto out;
    cur = read_text(target, &missing_cur);
    if (!cur && !missing_cur) goto out;
    def = read_text(defaults, &missing_def);
    if (!def && !missing_def) goto out;
    if ((cur && check_parses(target) != 0) || (def && check_parses(defaults) != 0)) goto out;
    /* The SDK's `make defconfig` appends the defaults to sdkconfig, so a
     * default overrides the current value and everything else is kept. */
    input = overlay(cur, def);
    if (!input) goto out;
    if (scratch_open(&s) != 0) goto out;
    scratch = true;
    if (fk_write_file_atomic(s.config, input, strlen(input)) != 0) goto out;
    int st = run_kconfig(&s, "kconfig-conf", "--olddefconfig", true);
    if (st != 0) {
        if (st > 0) fk_err("kconfig-conf exited with status %d; %s unchanged", st, target);
        goto out;
    }
    if (save_result(&s, target, input) != 0) goto out;
    printf("wrote %s (%s%s)\n", target, def ? "applied " : "no sdkconfig.defaults: Kconfig defaults",
           def ? defaults : "");
    rc = 0;
out:
    if (scratch) scratch_close(&s);
    free(target);
    free(defaults);
    free(cur);
    free(def);
    free(input);
    return rc;
}
