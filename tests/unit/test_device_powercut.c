/* The simulated device's power cuts, in one process: what
 * tests/cli/device_powercut.sh did one `flashkit` process per cut, now on the
 * shared driver (fk_powercut.h). A device image made by `device create`
 * (two_ota_1mb, 1 MB, NVS credentials, v1 in ota_0) is opened with the
 * simulator's own code (fk_device_open: file-backed flash, table found as
 * the bootloader finds it) and
 *   - the OTA of `device ota` (boot, esp_ota_begin, the body streamed from a
 *     real HTTP server on 127.0.0.1 through esp_ota_write, esp_ota_end,
 *     esp_ota_set_boot_partition, restart) is cut at every flash write and
 *     erase, atomic and torn: the next boot (fk_device_boot) must start the
 *     old app or the new one, byte for byte intact and the one otadata
 *     names - never a fallback, never nothing - and an old boot must then
 *     update cleanly;
 *   - `device nvs set` (mount, open, set, commit) likewise: after the cut the
 *     partition mounts and holds the old value or the new one, and a retry
 *     stores the new one.
 * The shell test keeps the CLI's side: --count-ops, --power-cut's exit
 * status and message, and a few cuts through the command itself. */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "device.h"
#include "esp_ota_ops.h"
#include "fk_powercut.h"
#include "fk_test.h"
#include "http_client.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "test_ota_util.h"
#include "util.h"

extern char **environ;

#define TORN_SEEDS 4

static char tmp[64], url[256];
static uint8_t *dev0;
static uint32_t dev0_len;
static fk_device_t d;
static uint8_t v1[0x19000], v2[0x19000];
static size_t v1_len, v2_len;

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = fwrite(data, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
}

/* python3's http.server on a free port of 127.0.0.1, serving dir. */
static pid_t start_server(const char *dir, int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &al)) return -1;
    *port = ntohs(a.sin_port);
    close(s);
    char ps[16];
    snprintf(ps, sizeof ps, "%d", *port);
    char *argv[] = {"python3", "-m", "http.server", ps, "--bind", "127.0.0.1", "--directory", (char *)dir, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int err = posix_spawnp(&pid, "python3", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) return -1;
    for (int i = 0; i < 200; i++) { /* up to 10 s for the interpreter to start */
        int c = socket(AF_INET, SOCK_STREAM, 0);
        int ok = connect(c, (struct sockaddr *)&a, sizeof a) == 0;
        close(c);
        if (ok) return pid;
        usleep(50000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return -1;
}

/* Silences the simulator's and the CLI's messages around a call. */
static int quiet_fds[2] = {-1, -1};
static void quiet(bool on)
{
    fflush(stdout);
    fflush(stderr);
    if (on) {
        int null = open("/dev/null", O_WRONLY);
        quiet_fds[0] = dup(1);
        quiet_fds[1] = dup(2);
        dup2(null, 1);
        dup2(null, 2);
        close(null);
    } else {
        dup2(quiet_fds[0], 1);
        dup2(quiet_fds[1], 2);
        close(quiet_fds[0]);
        close(quiet_fds[1]);
    }
}

/* `device create` in this process, as the shell test ran it. */
static int create_device(const char *path)
{
    char csv[300], app[300];
    snprintf(csv, sizeof csv, "%s/creds.csv", tmp);
    snprintf(app, sizeof app, "%s/v1.bin", tmp);
    const char *text = "key,type,encoding,value\naliyun-key,namespace,,\nProductKey,data,string,a10BnLLzGv4\n";
    if (write_file(csv, text, strlen(text)) || write_file(app, v1, v1_len)) return -1;
    char *argv[] = {"create", (char *)path, "--flash-size", "1MB", "--table", "two_ota_1mb", "--nvs", csv,
                    "--app", app, NULL};
    quiet(true);
    int rc = device_create(10, argv);
    quiet(false);
    return rc;
}

/* ---- OTA, as device ota does it ---- */

typedef struct {
    esp_ota_handle_t h;
    esp_err_t err;
} body_t;

static int on_body(void *ctx, const uint8_t *data, size_t len, fk_http_result_t *res)
{
    body_t *b = ctx;
    b->err = esp_ota_write(b->h, data, len);
    if (b->err != ESP_OK) snprintf(res->error, sizeof res->error, "esp_ota_write: %s", esp_err_to_name(b->err));
    return b->err != ESP_OK;
}

static int dev_setup(void *ctx)
{
    (void)ctx;
    memcpy(d.emu.mem, dev0, dev0_len);
    fk_partition_set_table(&d.table);
    return 0;
}

static esp_err_t ota_op(void *ctx)
{
    (void)ctx;
    static fk_boot_result_t r;
    if (fk_device_boot(&d, &r, 0) != 0) return ESP_FAIL;
    const esp_partition_t *update = esp_ota_get_next_update_partition(NULL);
    if (!update) return ESP_ERR_NOT_FOUND;
    body_t b = {0};
    esp_err_t err = esp_ota_begin(update, OTA_SIZE_UNKNOWN, &b.h);
    if (err != ESP_OK) return err;
    fk_http_opts_t ho;
    fk_http_opts_default(&ho);
    ho.max_size = update->size;
    fk_http_result_t res;
    if (fk_http_get(url, &ho, on_body, &b, &res) != 0) {
        esp_ota_abort(b.h);
        return b.err != ESP_OK ? b.err : ESP_FAIL;
    }
    if ((err = esp_ota_end(b.h)) != ESP_OK) return err;
    if ((err = esp_ota_set_boot_partition(update)) != ESP_OK) return err;
    /* esp_restart(): the bootloader runs again on the same flash. */
    if (fk_device_boot(&d, &r, 0) != 0) return ESP_FAIL;
    return r.booted == update ? ESP_OK : ESP_FAIL;
}

static int old_boots, new_boots;

static bool holds(const esp_partition_t *p, const uint8_t *img, size_t len)
{
    return p && p->address + len <= d.emu.size && memcmp(d.emu.mem + p->address, img, len) == 0;
}

static void ota_check(void *ctx, const fk_pc_point_t *pt)
{
    (void)ctx;
    fk_boot_result_t r;
    fk_partition_set_table(&d.table);
    int b = fk_device_boot(&d, &r, 0);
    CHECK_EQ(b, 0);
    if (b != 0 || !r.booted) {
        fprintf(stderr, "%s: nothing boots\n", pt->where);
        return;
    }
    bool is_new = strcmp(r.booted->label, "ota_1") == 0;
    if (is_new) {
        new_boots++;
        CHECK(holds(r.booted, v2, v2_len));
    } else {
        old_boots++;
        CHECK(strcmp(r.booted->label, "ota_0") == 0);
        CHECK(holds(r.booted, v1, v1_len));
    }
    esp_app_desc_t desc;
    CHECK_EQ(esp_ota_get_partition_description(r.booted, &desc), ESP_OK);
    CHECK(strcmp(desc.version, is_new ? "2.0.0" : "1.0.0") == 0);
    /* No fallback: the app that runs is the one otadata names. */
    const esp_partition_t *conf = esp_ota_get_boot_partition();
    CHECK(conf == r.booted);
    if (conf != r.booted)
        fprintf(stderr, "%s: booted %s but otadata names %s\n", pt->where, r.booted->label,
                conf ? conf->label : "nothing");
    if (!is_new) {
        /* The old app runs and updates again: this time it works. */
        quiet(true);
        esp_err_t err = ota_op(NULL);
        quiet(false);
        CHECK_EQ(err, ESP_OK);
        if (err != ESP_OK) fprintf(stderr, "%s: the OTA after the cut: %s\n", pt->where, esp_err_to_name(err));
    }
    CHECK_EQ(d.emu.st.nor_violations, 0);
}

/* ---- NVS, as device nvs set does it ---- */

static const char *nvs_label(void)
{
    const esp_partition_t *p = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, NULL);
    return p ? p->label : "nvs";
}

static esp_err_t nvs_op(void *ctx)
{
    (void)ctx;
    const char *label = nvs_label();
    esp_err_t err = nvs_flash_init_partition(label);
    if (err != ESP_OK) return err;
    nvs_handle_t h;
    err = nvs_open_from_partition(label, "aliyun-key", NVS_READWRITE, &h);
    if (err == ESP_OK) {
        err = nvs_set_str(h, "ProductKey", "NEWKEY");
        if (err == ESP_OK) err = nvs_commit(h);
        nvs_close(h);
    }
    nvs_flash_deinit_partition(label);
    return err;
}

static int nvs_old, nvs_new;

static void nvs_check(void *ctx, const fk_pc_point_t *pt)
{
    (void)ctx;
    const char *label = nvs_label();
    esp_err_t err = nvs_flash_init_partition(label);
    CHECK_EQ(err, ESP_OK);
    if (err != ESP_OK) {
        fprintf(stderr, "%s: NVS does not mount: %s\n", pt->where, esp_err_to_name(err));
        nvs_flash_deinit_partition(label);
        return;
    }
    nvs_handle_t h;
    char v[32] = "";
    size_t vl = sizeof v;
    CHECK_EQ(nvs_open_from_partition(label, "aliyun-key", NVS_READONLY, &h), ESP_OK);
    CHECK_EQ(nvs_get_str(h, "ProductKey", v, &vl), ESP_OK);
    nvs_close(h);
    nvs_flash_deinit_partition(label);
    if (!strcmp(v, "a10BnLLzGv4"))
        nvs_old++;
    else if (!strcmp(v, "NEWKEY"))
        nvs_new++;
    else {
        fprintf(stderr, "%s: ProductKey is '%s'\n", pt->where, v);
        CHECK(0);
    }
    /* The retry after the reboot stores the new value. */
    CHECK_EQ(nvs_op(NULL), ESP_OK);
    CHECK_EQ(nvs_flash_init_partition(label), ESP_OK);
    vl = sizeof v;
    CHECK_EQ(nvs_open_from_partition(label, "aliyun-key", NVS_READONLY, &h), ESP_OK);
    CHECK_EQ(nvs_get_str(h, "ProductKey", v, &vl), ESP_OK);
    CHECK(strcmp(v, "NEWKEY") == 0);
    nvs_close(h);
    nvs_flash_deinit_partition(label);
    CHECK_EQ(d.emu.st.nor_violations, 0);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/fk_devpc.XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    char www[300], path[320], dev0_path[320], v2_path[320];
    snprintf(www, sizeof www, "%s/www", tmp);
    snprintf(path, sizeof path, "%s/dev.img", tmp);
    snprintf(dev0_path, sizeof dev0_path, "%s/dev0.img", tmp);
    snprintf(v2_path, sizeof v2_path, "%s/v2.bin", www);
    CHECK_EQ(mkdir(www, 0700), 0);
    /* Apps linked for the two_ota_1mb slots (0x10000, 0x80000), about
     * 80 and 100 KiB: an update erases and writes some 25 sectors. */
    v1_len = ota_test_image(v1, 0x10000, "1.0.0", 0x14000);
    v2_len = ota_test_image(v2, 0x80000, "2.0.0", 0x18000);
    CHECK_EQ(write_file(v2_path, v2, v2_len), 0);
    CHECK_EQ(create_device(dev0_path), 0);
    size_t l = 0;
    CHECK_EQ(fk_vec_read_file(dev0_path, &dev0, &l), 0);
    dev0_len = (uint32_t)l;
    CHECK_EQ(write_file(path, dev0, dev0_len), 0);
    int port = 0;
    pid_t server = start_server(www, &port);
    CHECK(server > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v2.bin", port);

    fk_device_init(&d);
    CHECK_EQ(fk_device_open(&d, path), 0);
    CHECK(d.open && d.emu.size == dev0_len);
    const esp_partition_t *o0 = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_0, NULL);
    const esp_partition_t *o1 = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_1, NULL);
    CHECK(o0 && o0->address == 0x10000 && o1 && o1->address == 0x80000);

    if (server > 0 && d.open && d.emu.size == dev0_len) {
        fk_pc_sweep_t ota = {.name = "device ota", .emu = &d.emu, .setup = dev_setup, .op = ota_op,
                             .check = ota_check, .modes = FK_PC_BOTH, .torn_seeds = TORN_SEEDS, .seed = 0x0DA7A};
        esp_err_t err;
        quiet(true);
        long n = fk_powercut_count(&ota, &err);
        quiet(false);
        CHECK_EQ(err, ESP_OK); /* uncut, the update works */
        CHECK(n > 10);
        fk_pc_stats_t st;
        memset(&st, 0, sizeof st);
        fk_powercut_points(&ota, n, &st);
        CHECK_EQ(st.unreached, 0);
        CHECK_EQ(st.failed, 0);
        fk_powercut_print("device ota", &st, 1);
        printf("device ota: %d boots of the old app, %d of the new\n", old_boots, new_boots);
        CHECK(old_boots > 0);
        CHECK_EQ(old_boots + new_boots, st.runs);

        fk_pc_sweep_t nvs = {.name = "device nvs set", .emu = &d.emu, .setup = dev_setup, .op = nvs_op,
                             .check = nvs_check, .modes = FK_PC_BOTH, .torn_seeds = TORN_SEEDS, .seed = 0x5E7};
        memset(&st, 0, sizeof st);
        n = fk_powercut_count(&nvs, &err);
        CHECK_EQ(err, ESP_OK);
        CHECK(n > 0);
        fk_powercut_points(&nvs, n, &st);
        CHECK_EQ(st.unreached, 0);
        CHECK_EQ(st.failed, 0);
        fk_powercut_print("device nvs set", &st, 1);
        printf("device nvs set: %d kept the old value, %d hold the new one\n", nvs_old, nvs_new);
        CHECK_EQ(nvs_old + nvs_new, st.runs);
    }
    fk_device_close(&d);
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
    free(dev0);
    unlink(path);
    unlink(dev0_path);
    unlink(v2_path);
    char f[300];
    snprintf(f, sizeof f, "%s/creds.csv", tmp);
    unlink(f);
    snprintf(f, sizeof f, "%s/v1.bin", tmp);
    unlink(f);
    rmdir(www);
    rmdir(tmp);
    return fk_test_done("test_device_powercut");
}
