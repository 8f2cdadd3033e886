/* Folder listing from the index run-qemu.sh writes: one "<folder>\t<name>"
 * line per entry, and "<folder>\t." for every folder (so an empty folder is
 * still there). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fk_rt_dir {
    const char *next; /* where to look for the folder's next line */
    char path[512];
    size_t plen;
    struct dirent ent;
};

static char *index_text;

static const char *load_index(void)
{
    if (index_text) return index_text;
    const char *file = getenv("FK_RT_DIRINDEX");
    FILE *f = file ? fopen(file, "rb") : NULL;
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            char *b = realloc(buf, cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
            }
            buf = b;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    index_text = buf;
    return index_text;
}

/* The index line after `from` that belongs to d, or NULL. */
static const char *find_line(const DIR *d, const char *from)
{
    for (const char *p = from; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (!strncmp(p, d->path, d->plen) && p[d->plen] == '\t') return p;
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

DIR *opendir(const char *path)
{
    const char *idx = load_index();
    DIR *d = calloc(1, sizeof *d);
    if (!idx || !d || strlen(path) >= sizeof d->path) {
        free(d);
        errno = idx ? ENAMETOOLONG : ENOSYS;
        return NULL;
    }
    strcpy(d->path, path);
    d->plen = strlen(d->path);
    while (d->plen > 1 && d->path[d->plen - 1] == '/') d->path[--d->plen] = '\0';
    d->next = find_line(d, idx);
    if (!d->next) {
        free(d);
        errno = ENOENT;
        return NULL;
    }
    return d;
}

struct dirent *readdir(DIR *d)
{
    for (;;) {
        const char *line = find_line(d, d->next);
        if (!line) return NULL;
        const char *name = line + d->plen + 1;
        const char *eol = strchr(name, '\n');
        size_t n = eol ? (size_t)(eol - name) : strlen(name);
        d->next = eol ? eol + 1 : name + n;
        if (n == 1 && name[0] == '.') continue;
        if (n >= sizeof d->ent.d_name) n = sizeof d->ent.d_name - 1;
        memcpy(d->ent.d_name, name, n);
        d->ent.d_name[n] = '\0';
        d->ent.d_type = DT_UNKNOWN;
        return &d->ent;
    }
}

int closedir(DIR *d)
{
    free(d);
    return 0;
}
