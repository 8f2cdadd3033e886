/* NVS engine on the emulator, 16-page partition (0x10000), 100 keys: every
 * workload of issue 18 with host ops/s beside the time the same flash
 * operations take on an ESP8266 (the emulator's model, port/flash_timing.h),
 * write calls and bytes per operation. `--json` prints one JSON object per
 * workload instead of the table; `--v1` runs on a v1 partition (the ESP8266
 * RTOS SDK 3.x release format; v2 otherwise, as the SDK engine compared in
 * the issue). Figures only, never assertions. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "flash_emu.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_fk.h"

#define SIZE 0x10000u
#define PAGES (SIZE / 4096u)

static uint8_t ws[NVS_WORKSPACE_SIZE(PAGES)];
static fk_emu_t emu;
static int json;
static uint8_t version = 2;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int mount(void)
{
    nvs_fk_config_t cfg = {ws, sizeof ws, version, false};
    esp_err_t err = nvs_flash_init_region("bench", &emu.flash, 0, SIZE, &cfg);
    if (err) fprintf(stderr, "mount: %s\n", esp_err_to_name(err));
    return err ? -1 : 0;
}

/* What a workload's measured operations cost, summed over the calls timed
 * (set-up calls between them are left out). */
typedef struct {
    long n;
    double secs;
    fk_emu_stats_t d;
    long gc_ops;    /* operations that erased a sector */
    double gc_ns;   /* their modelled time */
} acc_t;

static fk_emu_stats_t mark;
static double mark_t;

static void start(void)
{
    mark = emu.st;
    mark_t = now();
}

static void stop(acc_t *a)
{
    a->secs += now() - mark_t;
    a->n++;
    fk_emu_stats_t *d = &a->d;
#define ADD(f) d->f += emu.st.f - mark.f
    ADD(reads);
    ADD(bytes_read);
    ADD(writes);
    ADD(bytes_written);
    ADD(erases);
    ADD(read_ns);
    ADD(write_ns);
    ADD(erase_ns);
#undef ADD
    if (emu.st.erases != mark.erases) {
        a->gc_ops++;
        a->gc_ns += (double)(emu.st.read_ns - mark.read_ns + emu.st.write_ns - mark.write_ns +
                             emu.st.erase_ns - mark.erase_ns);
    }
}

static void report(const char *name, const char *what, const acc_t *a)
{
    double n = (double)a->n;
    double dev_us = (double)(a->d.read_ns + a->d.write_ns + a->d.erase_ns) / 1e3 / n;
    if (json) {
        printf("{\"workload\":\"%s\",\"ops\":%ld,\"host_ops_per_s\":%.0f,\"device_us_per_op\":%.2f,"
               "\"device_read_us\":%.2f,\"device_write_us\":%.2f,\"device_erase_us\":%.2f,"
               "\"writes_per_op\":%.3f,\"bytes_written_per_op\":%.2f,\"reads_per_op\":%.3f,"
               "\"bytes_read_per_op\":%.1f,\"erases_per_op\":%.5f,\"ops_with_gc\":%ld}\n",
               name, a->n, n / a->secs, dev_us, (double)a->d.read_ns / 1e3 / n,
               (double)a->d.write_ns / 1e3 / n, (double)a->d.erase_ns / 1e3 / n, (double)a->d.writes / n,
               (double)a->d.bytes_written / n, (double)a->d.reads / n, (double)a->d.bytes_read / n,
               (double)a->d.erases / n, a->gc_ops);
        return;
    }
    printf("%-28s %7ld ops %9.0f ops/s | ESP8266 %8.1f us/op (read %6.1f write %6.1f erase %7.1f) |"
           " %5.2f writes %7.1f B written %5.2f reads %7.1f B read /op\n",
           what, a->n, n / a->secs, dev_us, (double)a->d.read_ns / 1e3 / n, (double)a->d.write_ns / 1e3 / n,
           (double)a->d.erase_ns / 1e3 / n, (double)a->d.writes / n, (double)a->d.bytes_written / n,
           (double)a->d.reads / n, (double)a->d.bytes_read / n);
}

static void report_gc(const char *name, const char *what, const acc_t *a)
{
    if (!a->gc_ops) return;
    double us = a->gc_ns / 1e3 / (double)a->gc_ops;
    if (json) printf("{\"workload\":\"%s\",\"ops\":%ld,\"device_us_per_op\":%.2f}\n", name, a->gc_ops, us);
    else printf("%-28s %7ld ops              | ESP8266 %8.1f us/op (the sets that ran a GC, whole set)\n", what,
                a->gc_ops, us);
}

static int fresh(nvs_handle_t *h)
{
    nvs_flash_erase_region(&emu.flash, 0, SIZE);
    if (mount()) return -1;
    return nvs_open_from_partition("bench", "bench", NVS_READWRITE, h) ? -1 : 0;
}

static void done(nvs_handle_t h)
{
    nvs_close(h);
    nvs_flash_deinit_partition("bench");
}

/* Blob updates of `size` bytes over `keys` keys, then reads of them. */
static int blobs(size_t size, int keys, long ops)
{
    static uint8_t buf[4000], back[4000];
    nvs_handle_t h;
    char key[16], name[32], what[40];
    if (fresh(&h)) return -1;
    acc_t w = {0}, r = {0};
    for (long i = 0; i < ops; i++) {
        snprintf(key, sizeof key, "b%ld", i % keys);
        memset(buf, (int)(i & 0xFF), size);
        memcpy(buf, &i, sizeof i);
        start();
        if (nvs_set_blob(h, key, buf, size)) return -1;
        stop(&w);
    }
    for (long i = 0; i < ops; i++) {
        snprintf(key, sizeof key, "b%ld", i % keys);
        size_t len = sizeof back;
        start();
        if (nvs_get_blob(h, key, back, &len) || len != size) return -1;
        stop(&r);
    }
    snprintf(name, sizeof name, "set_blob_%zu", size);
    snprintf(what, sizeof what, "nvs_set_blob (%zu B, %d keys)", size, keys);
    report(name, what, &w);
    snprintf(name, sizeof name, "get_blob_%zu", size);
    snprintf(what, sizeof what, "nvs_get_blob (%zu B)", size);
    report(name, what, &r);
    done(h);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--v1")) version = 1;
        else {
            fprintf(stderr, "usage: bench_nvs [--json] [--v1]\n");
            return 2;
        }
    }
    if (fk_emu_init_mem(&emu, SIZE) || mount()) return 1;
    nvs_handle_t h;
    if (nvs_open_from_partition("bench", "bench", NVS_READWRITE, &h)) return 1;
    char key[16];

    /* 1. u32 updates over 100 keys, each committed. */
    acc_t a = {0};
    for (long i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "k%ld", i % 100);
        start();
        if (nvs_set_u32(h, key, (uint32_t)i) || nvs_commit(h)) return 1;
        stop(&a);
    }
    report("set_u32_commit", "nvs_set_u32 + nvs_commit", &a);
    report_gc("gc_in_set_u32", "  GC (in set_u32)", &a);

    /* 2. u32 reads. */
    acc_t g = {0};
    uint32_t sum = 0, v;
    for (long i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "k%ld", i % 100);
        start();
        if (nvs_get_u32(h, key, &v)) return 1;
        stop(&g);
        sum += v;
    }
    report("get_u32", "nvs_get_u32", &g);

    /* 3. 32-byte strings (31 characters and the NUL), 100 keys, beside the
     * 100 u32 keys above; then reads of them. */
    char str[32], back[32];
    acc_t s = {0}, sr = {0};
    for (long i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "s%ld", i % 100);
        snprintf(str, sizeof str, "%031ld", i);
        start();
        if (nvs_set_str(h, key, str)) return 1;
        stop(&s);
    }
    for (long i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "s%ld", i % 100);
        size_t len = sizeof back;
        start();
        if (nvs_get_str(h, key, back, &len)) return 1;
        stop(&sr);
    }
    report("set_str_31", "nvs_set_str (31 chars)", &s);
    report_gc("gc_in_set_str", "  GC (in set_str)", &s);
    report("get_str_31", "nvs_get_str (31 chars)", &sr);

    /* 4. erase_key: 100 keys set (not counted) and erased. */
    acc_t ek = {0};
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 100; i++) {
            snprintf(key, sizeof key, "e%d", i);
            if (nvs_set_u32(h, key, (uint32_t)round)) return 1;
        }
        for (int i = 0; i < 100; i++) {
            snprintf(key, sizeof key, "e%d", i);
            start();
            if (nvs_erase_key(h, key)) return 1;
            stop(&ek);
        }
    }
    report("erase_key", "nvs_erase_key (u32)", &ek);
    done(h);

    /* 5. Blobs (v2: index + chunks), as many keys as fit the partition. */
    /* v1 blobs are one item of at most 1,984 bytes: no 4,000-byte run. */
    if (blobs(100, 100, 10000) || blobs(1000, 10, 2000) || (version == 2 && blobs(4000, 2, 1000))) {
        fprintf(stderr, "bench_nvs: blob workload failed\n");
        return 1;
    }

    /* 6. Mount with ~1,500 live entries: 1,480 u32 keys in 4 namespaces. */
    nvs_flash_erase_region(&emu.flash, 0, SIZE);
    if (mount()) return 1;
    for (int n = 0; n < 4; n++) {
        char ns[16];
        snprintf(ns, sizeof ns, "ns%d", n);
        if (nvs_open_from_partition("bench", ns, NVS_READWRITE, &h)) return 1;
        for (int i = 0; i < 370; i++) {
            snprintf(key, sizeof key, "key%d", i);
            if (nvs_set_u32(h, key, (uint32_t)i)) return 1;
        }
        nvs_close(h);
    }
    nvs_stats_t st;
    nvs_get_stats("bench", &st);
    nvs_flash_deinit_partition("bench");
    acc_t m = {0};
    for (int i = 0; i < 200; i++) {
        start();
        if (mount()) return 1;
        stop(&m);
        nvs_flash_deinit_partition("bench");
    }
    char what[64];
    snprintf(what, sizeof what, "mount (%zu live entries)", st.used_entries);
    report("mount_1500", what, &m);
    if (!json)
        printf("%-28s %zu bytes for 16 pages (NVS_WORKSPACE_SIZE(16); %u per page), static default pool %u bytes\n",
               "workspace", sizeof ws, NVS_WORKSPACE_PER_PAGE, FK_NVS_DEFAULT_MAX_PAGES * NVS_WORKSPACE_PER_PAGE);
    fk_emu_close(&emu);
    return sum == 0xFFFFFFFFu; /* keeps the reads from being optimised away */
}
