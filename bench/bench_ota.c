/* OTA throughput: a 1 MB image from a local python3 -m http.server through
 * esp_ota_begin/write/end (download -> write -> verify, checksum + SHA-256)
 * into the flash emulator, against the raw emulator write + SHA-256 of the
 * same bytes measured in the same run. Then the time the same OTA's flash
 * operations take on an ESP8266 (the emulator's model), with and without a
 * known image size, against the floor the image itself needs (its sector
 * erases and its writes at the chunk size used), and the bootloader's image
 * check. `--device-only` skips the HTTP part; `--json` prints the device
 * figures as one JSON object per line (and implies --device-only). Prints
 * figures only. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "boot_select.h"
#include "esp_image_format.h"
#include "fk_app_start.h"
#include "flash_timing.h"
#include "esp_ota_ops.h"
#include "fk_hash.h"
#include "flash_emu.h"
#include "http_client.h"

extern char **environ;

static bool json;

#define IMG_SIZE (1024u * 1024u)
#define SLOT 0x110000u
#define RUNS 15

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A valid app image of exactly IMG_SIZE bytes linked for 0x10000. */
static void make_image(uint8_t *b)
{
    uint32_t total = IMG_SIZE;
    uint32_t L = total - 32;
    uint32_t data_len = (L - 1 - 8 - 8) & ~3u; /* one segment; padding then checksum */
    memset(b, 0, total);
    b[0] = 0xE9;
    b[1] = 1;
    b[2] = 2;
    b[3] = 0x20;
    put32(b + 4, 0x40210014);
    put32(b + 8, 0x40210010);
    put32(b + 12, data_len);
    uint8_t chk = 0xEF;
    uint32_t x = 1;
    for (uint32_t i = 0; i < data_len; i++) {
        x = x * 1664525u + 1013904223u;
        b[16 + i] = (uint8_t)(x >> 24);
        chk ^= b[16 + i];
    }
    b[L - 1] = chk;
    fk_sha256_t h;
    fk_sha256_start(&h);
    fk_sha256_update(&h, b, L);
    fk_sha256_finish(&h, b + L);
}

static void row(uint8_t *t, int i, int type, int sub, uint32_t off, uint32_t size, const char *label)
{
    fk_part_entry_t e = {.type = (uint8_t)type, .subtype = (uint8_t)sub, .offset = off, .size = size};
    snprintf(e.label, sizeof e.label, "%s", label);
    fk_part_entry_encode(&e, t + 32 * i);
}

static int on_body(void *ctx, const uint8_t *d, size_t n, fk_http_result_t *res)
{
    (void)res;
    return esp_ota_write(*(esp_ota_handle_t *)ctx, d, n) != ESP_OK;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(s, (struct sockaddr *)&a, &l) != 0) return -1;
    int port = ntohs(a.sin_port);
    close(s);
    return port;
}

/* Starts a server on a free port serving dir; returns its pid or -1. */
static pid_t start_server(const char *kind, const char *dir, int port)
{
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    pid_t pid;
    int rc;
    if (!strcmp(kind, "python3")) {
        char *argv[] = {"python3", "-m", "http.server", portstr, "--bind", "127.0.0.1", "--directory", (char *)dir, NULL};
        rc = posix_spawnp(&pid, "python3", &fa, NULL, argv, environ);
    } else {
        char conf[400], prefix[200], err[400];
        snprintf(prefix, sizeof prefix, "%s/ng", dir);
        mkdir(prefix, 0755);
        snprintf(conf, sizeof conf, "%s/nginx.conf", prefix);
        snprintf(err, sizeof err, "%s/error.log", prefix);
        FILE *f = fopen(conf, "w");
        if (!f) return -1;
        fprintf(f,
                "worker_processes 1; daemon off; pid %s/nginx.pid; error_log %s;\n"
                "events { worker_connections 16; }\n"
                "http { access_log off; sendfile on; client_body_temp_path %s; proxy_temp_path %s;\n"
                "  fastcgi_temp_path %s; uwsgi_temp_path %s; scgi_temp_path %s;\n"
                "  server { listen 127.0.0.1:%d; root %s; } }\n",
                prefix, err, prefix, prefix, prefix, prefix, prefix, port, dir);
        fclose(f);
        char *argv[] = {"nginx", "-p", prefix, "-e", err, "-c", conf, NULL};
        rc = posix_spawnp(&pid, "nginx", &fa, NULL, argv, environ);
    }
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? pid : -1;
}

static int run(const char *kind, const char *dir, const uint8_t *img, const esp_partition_t *p, fk_emu_t *emu)
{
    int port = free_port();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/app.bin", port);
    pid_t pid = start_server(kind, dir, port);
    if (pid < 0) {
        printf("%s: cannot start the server (skipped)\n", kind);
        return 1;
    }
    int rc = 1;
    fk_http_result_t res;
    bool up = false;
    for (int i = 0; i < 100 && !up; i++) { /* wait until it answers */
        up = fk_http_get(url, NULL, NULL, NULL, &res) == 0;
        if (!up) usleep(50000);
    }
    double best_ota = 1e9, best_raw = 1e9, best_dl = 0, best_end = 0, cpu_ota = 1e9, cpu_raw = 1e9;
    for (int r = 0; up && r < RUNS; r++) {
        /* OTA: download -> esp_ota_write -> esp_ota_end (full verification). */
        double c0 = cpu(), t0 = now();
        esp_ota_handle_t h;
        esp_err_t err = esp_ota_begin(p, OTA_SIZE_UNKNOWN, &h);
        if (err == ESP_OK && fk_http_get(url, NULL, on_body, &h, &res) != 0) err = ESP_FAIL;
        double tm = now();
        if (err == ESP_OK) err = esp_ota_end(h);
        double t1 = now(), c1 = cpu();
        if (c1 - c0 < cpu_ota) cpu_ota = c1 - c0;
        if (err != ESP_OK) {
            fprintf(stderr, "bench_ota: OTA failed: %s %s %s\n", esp_err_to_name(err), res.error, fk_ota_last_error());
            goto out;
        }
        if (t1 - t0 < best_ota) {
            best_ota = t1 - t0;
            best_dl = tm - t0;
            best_end = t1 - tm;
        }
        /* Raw: erase + write the same bytes in 16 KiB chunks, SHA-256 of them. */
        c0 = cpu();
        t0 = now();
        fk_flash_erase_range(&emu->flash, SLOT, IMG_SIZE);
        for (uint32_t at = 0; at < IMG_SIZE; at += 16384) fk_flash_write(&emu->flash, SLOT + at, img + at, 16384);
        fk_sha256_t sh;
        uint8_t dg[32];
        fk_sha256_start(&sh);
        fk_sha256_update(&sh, img, IMG_SIZE);
        fk_sha256_finish(&sh, dg);
        t1 = now();
        c1 = cpu();
        if (c1 - c0 < cpu_raw) cpu_raw = c1 - c0;
        if (t1 - t0 < best_raw) best_raw = t1 - t0;
    }
    if (!up) {
        printf("%s: the server did not answer (skipped)\n", kind);
        goto out;
    }
    double mb = IMG_SIZE / 1048576.0;
    printf("1 MB image from %s (download -> esp_ota_write -> esp_ota_end, checksum + SHA-256), best of %d:\n",
           !strcmp(kind, "nginx") ? "nginx" : "python3 -m http.server", RUNS);
    printf("  OTA:                            %8.1f MB/s (%.2f ms: download + write %.2f, esp_ota_end %.2f)\n",
           mb / best_ota, best_ota * 1e3, best_dl * 1e3, best_end * 1e3);
    printf("  raw emulator write + SHA-256:   %8.1f MB/s (%.2f ms)\n", mb / best_raw, best_raw * 1e3);
    printf("  ratio OTA / raw:                %8.0f %% (target >= 80 %%)\n", 100.0 * best_raw / best_ota);
    printf("  CPU time of this process:       OTA %.2f ms, raw %.2f ms (ratio %.0f %%; the server runs apart)\n",
           cpu_ota * 1e3, cpu_raw * 1e3, 100.0 * cpu_raw / cpu_ota);
    rc = 0;
out:
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return rc;
}

static double dev_ms(const fk_emu_stats_t *a, const fk_emu_stats_t *b)
{
    return (double)((b->read_ns - a->read_ns) + (b->write_ns - a->write_ns) + (b->erase_ns - a->erase_ns)) / 1e6;
}

/* begin / write in `chunk`-byte pieces / end / set_boot, priced by the model. */
static int device_time(const uint8_t *img, const esp_partition_t *p, fk_emu_t *emu, size_t size_arg, uint32_t chunk)
{
    fk_emu_stats_t s0 = emu->st;
    esp_ota_handle_t h;
    esp_err_t err = esp_ota_begin(p, size_arg, &h);
    fk_emu_stats_t s1 = emu->st;
    for (uint32_t at = 0; err == ESP_OK && at < IMG_SIZE; at += chunk)
        err = esp_ota_write(h, img + at, IMG_SIZE - at < chunk ? IMG_SIZE - at : chunk);
    fk_emu_stats_t s2 = emu->st;
    if (err == ESP_OK) err = esp_ota_end(h);
    fk_emu_stats_t s3 = emu->st;
    if (err == ESP_OK) err = esp_ota_set_boot_partition(p);
    fk_emu_stats_t s4 = emu->st;
    if (err != ESP_OK) {
        fprintf(stderr, "bench_ota: device OTA failed: %s %s\n", esp_err_to_name(err), fk_ota_last_error());
        return 1;
    }
    uint32_t sectors = IMG_SIZE / FK_SECTOR_SIZE;
    double floor_ms = (double)(sectors * FK_ESP8266_ERASE_NS + (IMG_SIZE / chunk) * fk_esp8266_write_ns(chunk) +
                               (IMG_SIZE % chunk ? fk_esp8266_write_ns(IMG_SIZE % chunk) : 0)) / 1e6;
    double total = dev_ms(&s0, &s4);
    if (json) {
        printf("{\"workload\":\"ota\",\"image_bytes\":%u,\"write_bytes\":%u,\"size_known\":%s,"
               "\"verify_buffer\":%zu,\"device_ms\":%.2f,\"begin_ms\":%.2f,\"write_ms\":%.2f,\"end_ms\":%.3f,"
               "\"set_boot_ms\":%.2f,\"floor_ms\":%.2f,\"above_floor_pct\":%.3f,\"erases\":%llu,"
               "\"writes\":%llu,\"reads\":%llu,\"bytes_read\":%llu}\n",
               IMG_SIZE, chunk, size_arg == OTA_SIZE_UNKNOWN ? "false" : "true", fk_ota_config()->read_buf_len, total,
               dev_ms(&s0, &s1), dev_ms(&s1, &s2), dev_ms(&s2, &s3), dev_ms(&s3, &s4), floor_ms,
               100.0 * (total / floor_ms - 1), (unsigned long long)(s4.erases - s0.erases),
               (unsigned long long)(s4.writes - s0.writes), (unsigned long long)(s4.reads - s0.reads),
               (unsigned long long)(s4.bytes_read - s0.bytes_read));
        return 0;
    }
    printf("  %-12s %5u B writes%s: %8.1f ms on an ESP8266 (begin %.1f, write %.1f, end %.2f, set_boot %.1f);"
           " floor %.1f ms (%u erases + writes), %.2f%% above;"
           " %llu erases, %llu writes, %llu reads (%.0f KiB read)\n",
           size_arg == OTA_SIZE_UNKNOWN ? "size unknown" : "size known", chunk,
           fk_ota_config()->read_buf ? ", 4 KiB verify buffer" : "", total, dev_ms(&s0, &s1),
           dev_ms(&s1, &s2), dev_ms(&s2, &s3), dev_ms(&s3, &s4), floor_ms, sectors, 100.0 * (total / floor_ms - 1),
           (unsigned long long)(s4.erases - s0.erases), (unsigned long long)(s4.writes - s0.writes),
           (unsigned long long)(s4.reads - s0.reads), (double)(s4.bytes_read - s0.bytes_read) / 1024);
    return 0;
}

static int device_times(const uint8_t *img, const esp_partition_t *p, fk_emu_t *emu, const fk_ptable_t *table)
{
    if (!json) printf("1 MB OTA (begin / write / end / set_boot), flash time on an ESP8266 (modelled):\n");
    int rc = 0;
    /* 536: one TCP segment at lwIP's default MSS, as an HTTP client may hand them over. */
    static const uint32_t chunks[] = {536, 1024, 4096};
    for (unsigned i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        rc |= device_time(img, p, emu, OTA_SIZE_UNKNOWN, chunks[i]);
        rc |= device_time(img, p, emu, IMG_SIZE, chunks[i]);
    }
    /* With a verification read buffer (fk_ota_config_t.read_buf): set_boot
     * reads the slot in 4 KiB pieces. */
    static uint8_t vbuf[4096];
    fk_ota_set_read_buffer(vbuf, sizeof vbuf);
    rc |= device_time(img, p, emu, OTA_SIZE_UNKNOWN, 1024);
    /* The bootloader (fk_boot_go: otadata, then the check of the image just
     * selected, checksum + SHA-256), with the verifier's 256 bytes on its
     * stack and with a read buffer of 1 and 4 KiB. */
    static const size_t bufs[] = {0, 1024, 4096};
    esp_err_t err = ESP_OK;
    for (unsigned i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        fk_ota_set_read_buffer(bufs[i] ? vbuf : NULL, bufs[i]);
        static fk_boot_result_t r;
        fk_emu_stats_t s0 = emu->st;
        err = fk_boot_go(&emu->flash, table, NULL, NULL, NULL, &r);
        fk_emu_stats_t s1 = emu->st;
        if (err == ESP_OK && r.booted != p) err = ESP_FAIL;
        double floor_ms = (double)(256 * fk_esp8266_read_ns(4096)) / 1e6;
        if (json) {
            printf("{\"workload\":\"boot_check\",\"image_bytes\":%u,\"read_buffer\":%zu,\"ok\":%s,"
                   "\"device_ms\":%.2f,\"floor_ms\":%.2f,\"reads\":%llu,\"bytes_read\":%llu}\n",
                   IMG_SIZE, bufs[i], err == ESP_OK ? "true" : "false", dev_ms(&s0, &s1), floor_ms,
                   (unsigned long long)(s1.reads - s0.reads), (unsigned long long)(s1.bytes_read - s0.bytes_read));
            rc |= err != ESP_OK;
            continue;
        }
        char what[40];
        snprintf(what, sizeof what, bufs[i] ? "a %zu-byte read buffer" : "256 bytes on the stack", bufs[i]);
        printf("  bootloader, image in 1 MiB (checksum + SHA-256), %-22s: %s, %.1f ms on an ESP8266, %llu reads"
               " of %.0f KiB (floor: one pass in 4 KiB reads, %.1f ms)\n",
               what, err == ESP_OK ? "booted" : esp_err_to_name(err), dev_ms(&s0, &s1),
               (unsigned long long)(s1.reads - s0.reads), (double)(s1.bytes_read - s0.bytes_read) / 1024,
               floor_ms);
        rc |= err != ESP_OK;
    }
    fk_ota_set_read_buffer(NULL, 0);
    return rc;
}

int main(int argc, char **argv)
{
    bool device_only = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device-only")) {
            device_only = true;
        } else if (!strcmp(argv[i], "--json")) {
            json = device_only = true;
        } else {
            fprintf(stderr, "usage: bench_ota [--device-only] [--json]\n");
            return !strcmp(argv[i], "--help") ? 0 : 2;
        }
    }
    static uint8_t img[IMG_SIZE];
    make_image(img);
    char dir[] = "/tmp/fk_bench_otaXXXXXX";
    if (!mkdtemp(dir)) return 1;
    chmod(dir, 0755); /* nginx workers may run as another user */
    char path[256];
    snprintf(path, sizeof path, "%s/app.bin", dir);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(img, 1, IMG_SIZE, f) != IMG_SIZE) return 1;
    fclose(f);
    chmod(path, 0644);

    fk_emu_t emu;
    fk_emu_init_mem(&emu, 4u << 20);
    uint8_t t[FK_PART_TABLE_SIZE];
    memset(t, 0xFF, sizeof t);
    row(t, 0, 1, 0, 0xd000, 0x2000, "otadata");
    row(t, 1, 0, 0x10, 0x10000, 0x100000, "ota_0");
    row(t, 2, 0, 0x11, SLOT, 0x100000, "ota_1");
    fk_emu_load(&emu, 0x8000, t, sizeof t);
    fk_ptable_t table;
    fk_ptable_load(&table, &emu.flash, 0x8000, 0);
    fk_partition_set_table(&table);
    fk_app_start_at(0x10000);
    const esp_partition_t *p = esp_ota_get_next_update_partition(NULL);

    int rc = device_times(img, p, &emu, &table);
    if (!device_only) {
        rc |= run("python3", dir, img, p, &emu);
        rc |= run("nginx", dir, img, p, &emu);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) rc = 1;
    fk_emu_close(&emu);
    return rc;
}
