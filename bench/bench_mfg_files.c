/* The file-creation floor of `mfg gen` (issue 18 item 5): what creating its
 * files costs with nothing generated - per device a CSV of ~200 bytes in
 * csv/ and a 16 KiB image in bin/, each written to a temporary name and
 * renamed into place, as mfg gen writes them. Timed with 1 thread, and with
 * 2 threads sharing the folders (as mfg gen --jobs 2 does) or one folder
 * each. Usage: bench_mfg_files [DIR [DEVICES]] (default: a folder under
 * /tmp, 1000 devices). Prints figures; asserts nothing. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char root[1024];
static unsigned devices = 1000;
static uint8_t image[16384], csv[200];

typedef struct {
    int dir[2];
    unsigned first, step;
    int only; /* -1: both files of a device; 0 or 1: only that folder's */
} part_t;

static void put(int dirfd, const char *name, const void *data, size_t len)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) || renameat(dirfd, tmp, dirfd, name)) {
        perror(name);
        exit(1);
    }
}

static void *run(void *arg)
{
    part_t *p = arg;
    char name[64];
    for (unsigned d = p->first; d < devices; d += p->step) {
        if (p->only != 1) {
            snprintf(name, sizeof name, "dev-%u.csv", d + 1);
            put(p->dir[0], name, csv, sizeof csv);
        }
        if (p->only != 0) {
            snprintf(name, sizeof name, "dev-%u.bin", d + 1);
            put(p->dir[1], name, image, sizeof image);
        }
    }
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* mode 0: 1 thread; 1: 2 threads, devices interleaved; 2: 2 threads, one folder each. */
static double trial(int mode)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/csv' '%s/bin'", root, root);
    if (system(cmd)) exit(1);
    int dirs[2];
    const char *sub[2] = {"csv", "bin"};
    for (int i = 0; i < 2; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", root, sub[i]);
        if (mkdir(path, 0755) || (dirs[i] = open(path, O_RDONLY | O_DIRECTORY)) < 0) {
            perror(path);
            exit(1);
        }
    }
    double t0 = now_ms();
    if (mode == 0) {
        part_t p = {{dirs[0], dirs[1]}, 0, 1, -1};
        run(&p);
    } else {
        part_t p[2] = {{{dirs[0], dirs[1]}, 0, mode == 1 ? 2 : 1, mode == 1 ? -1 : 0},
                       {{dirs[0], dirs[1]}, mode == 1 ? 1 : 0, mode == 1 ? 2 : 1, mode == 1 ? -1 : 1}};
        pthread_t th[2];
        for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, run, &p[i]);
        for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    }
    double ms = now_ms() - t0;
    close(dirs[0]);
    close(dirs[1]);
    return ms;
}

int main(int argc, char **argv)
{
    bool own = argc < 2;
    if (own) {
        snprintf(root, sizeof root, "/tmp/fk_mfgfiles.XXXXXX");
        if (!mkdtemp(root)) return 1;
    } else {
        snprintf(root, sizeof root, "%s", argv[1]);
        mkdir(root, 0755);
    }
    if (argc > 2) devices = (unsigned)strtoul(argv[2], NULL, 10);
    memset(image, 0xA5, sizeof image);
    memset(csv, 'x', sizeof csv);
    const char *label[3] = {"1 thread", "2 threads, shared folders", "2 threads, one folder each"};
    printf("mfg gen file-creation floor: %u devices (%u files, temp + rename) in %s\n", devices, 2 * devices, root);
    for (int mode = 0; mode < 3; mode++) {
        double best = 1e18, sum = 0;
        for (int r = 0; r < 5; r++) {
            double ms = trial(mode);
            sum += ms;
            if (ms < best) best = ms;
        }
        printf("  %-28s best %7.1f ms, mean %7.1f ms (5 runs)\n", label[mode], best, sum / 5);
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/csv' '%s/bin'", root, root);
    if (system(cmd)) return 1;
    if (own) rmdir(root);
    return 0;
}
