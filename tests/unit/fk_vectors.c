#include "fk_vectors.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fk_vec_set_dir(const char *set, char *out, size_t size)
{
    const char *root = getenv("FK_SHARED");
    snprintf(out, size, "%s/vectors/%s", root ? root : "../shared", set);
}

int fk_vec_read_file(const char *path, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap + 1);
    for (;;) {
        if (!b) break;
        n += fread(b + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *nb = realloc(b, cap * 2 + 1);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    int bad = ferror(f) || !b;
    fclose(f);
    if (bad) {
        free(b);
        errno = EIO;
        return -1;
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}

/* Path buffers are static: on the ESP8266 target (tests/target) the tests
 * run with an 8 KiB stack, and the walker is never re-entered. */
static char path[2048];

char *fk_vec_file(const fk_vec_case_t *vc, const char *file, size_t *len)
{
    uint8_t *b;
    size_t l;
    if (snprintf(path, sizeof path, "%s/%s", vc->dir, file) >= (int)sizeof path) return NULL;
    if (fk_vec_read_file(path, &b, &l) != 0) return NULL;
    if (len) *len = l;
    return (char *)b;
}

bool fk_vec_has(const fk_vec_case_t *vc, const char *file)
{
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", vc->dir, file);
    return stat(path, &st) == 0;
}

const char *fk_vec_kv(const char *text, const char *key, char *out, size_t size)
{
    out[0] = 0;
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            const char *v = p + kl + 1;
            size_t n = strcspn(v, "\r\n");
            if (n >= size) n = size - 1;
            memcpy(out, v, n);
            out[n] = 0;
            break;
        }
    }
    return out;
}

bool fk_vec_one_case(int argc)
{
    return argc > 1;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Every case of one set, in name order. */
static char root[1024], case_dir[2048];

static int run_set(const char *set, fk_vec_fn fn, int *checked)
{
    fk_vec_set_dir(set, root, sizeof root);
    DIR *d = opendir(root);
    if (!d) {
        fprintf(stderr, "vector set %s: cannot open %s: %s\n", set, root, strerror(errno));
        return -1;
    }
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof *names);
    struct dirent *de;
    while (names && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(case_dir, sizeof case_dir, "%s/%s", root, de->d_name);
        if (!is_dir(case_dir)) continue;
        if (n == cap) {
            char **nn = realloc(names, (cap *= 2) * sizeof *names);
            if (!nn) break;
            names = nn;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (!names) return -1;
    qsort(names, n, sizeof *names, cmp_name);
    int all = 0, some = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(case_dir, sizeof case_dir, "%s/%s", root, names[i]);
        fk_vec_case_t vc = {set, names[i], case_dir};
        all++;
        if (fn(&vc) > 0) some++;
        free(names[i]);
    }
    free(names);
    printf("vector set %s: %d cases, %d checked here\n", set, all, some);
    *checked += some;
    return 0;
}

int fk_vec_main(int argc, char **argv, const char *const *sets, fk_vec_fn fn)
{
    int checked = 0;
    if (argc < 2) {
        for (int i = 0; sets[i]; i++)
            if (run_set(sets[i], fn, &checked) != 0) return -1;
        return checked;
    }
    const char *arg = argv[1];
    const char *slash = strrchr(arg, '/');
    if (!slash) {
        fprintf(stderr, "vector case '%s': give it as <set>/<case>\n", arg);
        return -1;
    }
    size_t sl = (size_t)(slash - arg);
    const char *set = NULL;
    for (int i = 0; sets[i]; i++)
        if (strlen(sets[i]) == sl && strncmp(sets[i], arg, sl) == 0) set = sets[i];
    if (!set) {
        fprintf(stderr, "vector case '%s': this test reads the sets", arg);
        for (int i = 0; sets[i]; i++) fprintf(stderr, " %s", sets[i]);
        fprintf(stderr, "\n");
        return -1;
    }
    fk_vec_set_dir(set, root, sizeof root);
    snprintf(case_dir, sizeof case_dir, "%s/%s", root, slash + 1);
    if (!slash[1] || !is_dir(case_dir)) {
        fprintf(stderr, "vector case '%s': no folder %s\n", arg, case_dir);
        return -1;
    }
    fk_vec_case_t vc = {set, slash + 1, case_dir};
    int r = fn(&vc);
    if (r <= 0) fprintf(stderr, "vector case %s: nothing of this test applies to it\n", arg);
    printf("vector case %s/%s: %d checked\n", set, slash + 1, r);
    return r > 0 ? 1 : 0;
}
