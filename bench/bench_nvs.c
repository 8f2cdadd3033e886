/* NVS engine on the emulator, 16-page partition (0x10000): set/get u32,
 * set_str, and mounting a partition with ~1,500 live entries. Prints ops/s,
 * flash bytes written and erases per operation, mount time and workspace. */
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

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int mount(void)
{
    nvs_fk_config_t cfg = {ws, sizeof ws, 2, false};
    esp_err_t err = nvs_flash_init_region("bench", &emu.flash, 0, SIZE, &cfg);
    if (err) fprintf(stderr, "mount: %s\n", esp_err_to_name(err));
    return err ? -1 : 0;
}

static void report(const char *what, long n, double secs, const fk_emu_stats_t *s0)
{
    double bytes = (double)(emu.st.bytes_written - s0->bytes_written);
    double writes = (double)(emu.st.writes - s0->writes);
    double erases = (double)(emu.st.erases - s0->erases);
    printf("%-34s %8ld ops  %10.0f ops/s  %6.1f bytes written/op  %5.2f writes/op  %.5f erases/op\n",
           what, n, n / secs, bytes / n, writes / n, erases / n);
}

int main(void)
{
    if (fk_emu_init_mem(&emu, SIZE) || mount()) return 1;
    nvs_handle_t h;
    if (nvs_open_from_partition("bench", "bench", NVS_READWRITE, &h)) return 1;
    char key[16];

    /* 1. u32 updates over 100 keys, each committed. */
    fk_emu_stats_t s0 = emu.st;
    double gc_free_bytes = 0;
    long gc_free_ops = 0, gc_ops = 0;
    double t0 = now();
    for (long i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "k%ld", i % 100);
        uint64_t b = emu.st.bytes_written, e = emu.st.erases;
        if (nvs_set_u32(h, key, (uint32_t)i) || nvs_commit(h)) return 1;
        if (emu.st.erases == e) {
            gc_free_bytes += (double)(emu.st.bytes_written - b);
            gc_free_ops++;
        } else {
            gc_ops++;
        }
    }
    double t1 = now();
    report("nvs_set_u32 + nvs_commit", 100000, t1 - t0, &s0);
    printf("%-34s %.1f bytes written/op (32-byte entry + 4-byte bitmap word + 4 to erase the old)\n",
           "  of which without a GC", gc_free_bytes / (double)gc_free_ops);
    printf("%-34s %llu, all from the %ld sets that ran a garbage collection\n", "  sector erases",
           (unsigned long long)(emu.st.erases - s0.erases), gc_ops);

    /* 2. u32 reads. */
    s0 = emu.st;
    uint32_t sum = 0, v;
    t0 = now();
    for (long i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "k%ld", i % 100);
        if (nvs_get_u32(h, key, &v)) return 1;
        sum += v;
    }
    t1 = now();
    report("nvs_get_u32", 100000, t1 - t0, &s0);

    /* 3. 32-byte strings (31 characters and the NUL). */
    char str[32];
    s0 = emu.st;
    t0 = now();
    for (long i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "s%ld", i % 100);
        snprintf(str, sizeof str, "%031ld", i);
        if (nvs_set_str(h, key, str)) return 1;
    }
    t1 = now();
    report("nvs_set_str (32 bytes)", 10000, t1 - t0, &s0);
    nvs_close(h);
    nvs_flash_deinit_partition("bench");

    /* 4. Mount with ~1,500 live entries: 1,480 u32 keys in 4 namespaces. */
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
    const int mounts = 200;
    s0 = emu.st;
    t0 = now();
    for (int i = 0; i < mounts; i++) {
        if (mount()) return 1;
        nvs_flash_deinit_partition("bench");
    }
    t1 = now();
    printf("%-34s %zu live entries: %.1f us per mount, %.0f bytes read per mount, %llu writes\n",
           "mount (16 pages)", st.used_entries, (t1 - t0) / mounts * 1e6,
           (double)(emu.st.bytes_read - s0.bytes_read) / mounts,
           (unsigned long long)(emu.st.writes - s0.writes));
    printf("%-34s %zu bytes for 16 pages (NVS_WORKSPACE_SIZE(16); %u per page), static default pool %u bytes\n",
           "workspace", sizeof ws, NVS_WORKSPACE_PER_PAGE,
           FK_NVS_DEFAULT_MAX_PAGES * NVS_WORKSPACE_PER_PAGE);
    fk_emu_close(&emu);
    return sum == 0xFFFFFFFFu; /* keeps the reads from being optimised away */
}
