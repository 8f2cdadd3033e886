/* The generator's own cost, without process start-up or file writes: the
 * 5-line aliyun example generated in memory (median of many runs), and
 * 100,000 per-device images generated back to back on one thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvs_gen.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    static const char example[] = "key,type,encoding,value\n"
                                  "aliyun-key,namespace,,\n"
                                  "DeviceName,data,string,config\n"
                                  "DeviceSecret,data,string,dsj3RuY74pgCBJ3zczKz1LaLK7RGApqh\n"
                                  "ProductKey,data,string,a10BnLLzGv4\n"
                                  "ProductSecret,data,string,pVfLpS1u3A9JM0go\n";
    char err[512];
    enum { RUNS = 5000 };
    static double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        uint8_t *img;
        double t0 = now_us();
        if (fk_nvs_gen_text(example, sizeof example - 1, "example.csv", NULL, 0x4000, 1, &img, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        t[i] = now_us() - t0;
        free(img);
    }
    qsort(t, RUNS, sizeof t[0], cmp_d);
    printf("nvs gen in memory, 5-line example, 0x4000 v1: median %.1f us, best %.1f us over %d runs\n", t[RUNS / 2],
           t[0], RUNS);

    int devices = 100000;
    char csv[512];
    double t0 = now_us();
    for (int d = 0; d < devices; d++) {
        int n = snprintf(csv, sizeof csv,
                         "key,type,encoding,value\naliyun-key,namespace,,\nDeviceName,data,string,dev%06d\n"
                         "DeviceSecret,data,string,%08x%08x%08x%08x\nProductKey,data,string,a10BnLLzGv4\n"
                         "ProductSecret,data,string,pVfLpS1u3A9JM0go\n",
                         d, d * 2654435761u, d ^ 0x5bd1e995u, d * 40503u, ~d);
        uint8_t *img;
        if (fk_nvs_gen_text(csv, (size_t)n, "device.csv", NULL, 0x4000, 1, &img, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        free(img);
    }
    double us = now_us() - t0;
    printf("nvs gen in memory, %d device images (0x4000, v1) on one thread: %.2f s, %.2f us/device\n", devices,
           us / 1e6, us / devices);
    return 0;
}
