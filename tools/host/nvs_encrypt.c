#include "nvs_encrypt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fk_crc32.h"
#include "fk_le.h"
#include "fk_nvs_format.h"
#include "nvs_gen.h"
#include "util.h"

int fk_os_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t got = getrandom(p, len, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += got;
        len -= (size_t)got;
    }
    return 0;
}

int fk_nvs_keys_new(nvs_sec_cfg_t *cfg, char *err, size_t errlen)
{
    do {
        if (fk_os_random(cfg, sizeof *cfg)) {
            snprintf(err, errlen, "cannot read the OS random source (getrandom): %s", strerror(errno));
            return -1;
        }
    } while (fk_nvs_keys_halves_equal(cfg));
    return 0;
}

int fk_nvs_keyfile_read(const char *path, bool for_encrypt, nvs_sec_cfg_t *cfg, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        fd = -1;
        errno = EISDIR;
    }
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot read the key file: %s", path, strerror(errno));
        return -1;
    }
    uint8_t head[FK_NVS_KEYS_CRC_OFFSET + 4];
    size_t n = 0;
    while (n < sizeof head) {
        ssize_t got = read(fd, head + n, sizeof head - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(err, errlen, "%s: cannot read the key file: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    int rc = -1;
    if (n == 0) {
        /* The SDK tool takes an empty file for "no key" and silently encrypts
         * with a fresh random one that nobody asked for. */
        snprintf(err, errlen,
                 "%s: the key file is empty; it must start with the 64 key bytes (eky 32, tky 32). "
                 "Use --keygen to make a new key",
                 path);
    } else if (n < 2 * NVS_KEY_SIZE) {
        snprintf(err, errlen, "%s: the key file has %zu bytes; it needs at least 64 (eky 32, tky 32 at offset 0)",
                 path, n);
    } else {
        memcpy(cfg, head, sizeof *cfg);
        if (fk_nvs_keys_halves_equal(cfg) && for_encrypt) {
            snprintf(err, errlen,
                     "%s: the key's two halves (bytes 0-31 and 32-63) are equal; XTS-AES does not allow that "
                     "(IEEE 1619: \"In XTS mode duplicated keys are not allowed\")",
                     path);
        } else {
            if (fk_nvs_keys_halves_equal(cfg))
                fk_warn("%s: the key's two halves are equal (IEEE 1619 forbids such keys); decrypting anyway", path);
            if (n == sizeof head) {
                uint32_t want = fk_crc32_le(0xFFFFFFFFu, head, 2 * NVS_KEY_SIZE);
                uint32_t have = fk_le32(head + FK_NVS_KEYS_CRC_OFFSET);
                if (want != have)
                    fk_warn("%s: offset 64 holds 0x%08X, not the key's CRC-32 0x%08X: the keys are used, but a "
                            "device (nvs_flash_read_security_cfg) would call this key partition corrupt",
                            path, have, want);
            }
            rc = 0;
        }
    }
    explicit_bzero(head, sizeof head);
    if (rc) explicit_bzero(cfg, sizeof *cfg);
    return rc;
}

void fk_nvs_keyfile_image(const nvs_sec_cfg_t *cfg, uint8_t buf[FK_NVS_KEYS_PART_SIZE])
{
    memset(buf, 0xFF, FK_NVS_KEYS_PART_SIZE);
    fk_nvs_keys_encode(cfg, buf);
}

int fk_nvs_keyfile_write(const char *path, const nvs_sec_cfg_t *cfg, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        snprintf(err, errlen,
                 "%s: a key file of that name exists; it is not replaced (images encrypted with it would become "
                 "unreadable): remove it or choose another --keyfile",
                 path);
        return -1;
    }
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp); /* 0600: a key is nobody else's to read */
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    static uint8_t buf[FK_NVS_KEYS_PART_SIZE];
    fk_nvs_keyfile_image(cfg, buf);
    size_t done = 0;
    int rc = 0;
    while (done < sizeof buf) {
        ssize_t w = write(fd, buf + done, sizeof buf - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            rc = w < 0 ? errno : ENOSPC;
            break;
        }
        done += (size_t)w;
    }
    explicit_bzero(buf, sizeof buf);
    if (close(fd) != 0 && !rc) rc = errno;
    /* link() fails rather than replace a file that appeared meanwhile. */
    if (!rc && link(tmp, path) != 0) rc = errno;
    unlink(tmp);
    free(tmp);
    if (rc) {
        snprintf(err, errlen, "%s: cannot write the key file: %s", path, strerror(rc));
        return -1;
    }
    return 0;
}

bool fk_nvs_has_bin_ext(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    while (*base == '.') base++; /* ".bin" alone is a name without extension, as os.path.splitext says */
    const char *dot = strrchr(base, '.');
    return dot && strstr(dot, ".bin");
}

int fk_nvs_bin_path(const char *dir, const char *name, bool add_ext, char **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    while (*base == '.') base++;
    bool has_ext = strrchr(base, '.') != NULL;
    if (!*base) {
        snprintf(err, errlen, "Error: `%s`. It names no file.", name);
        return -1;
    }
    if ((has_ext || !add_ext) && !fk_nvs_has_bin_ext(name)) {
        snprintf(err, errlen, "Error: `%s`. Only `.bin` extension allowed.", name);
        return -1;
    }
    const char *ext = has_ext ? "" : ".bin";
    bool join = dir && *dir && name[0] != '/';
    size_t n = (join ? strlen(dir) + 1 : 0) + strlen(name) + strlen(ext) + 1;
    char *p = malloc(n);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (join)
        snprintf(p, n, "%s%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name, ext);
    else
        snprintf(p, n, "%s%s", name, ext);
    *out = p;
    return 0;
}

void fk_nvs_default_keyfile(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(buf, len, "keys-%m-%d_%H-%M.bin", &tm);
}

/* The folder of path, created when missing (the SDK tool makes the output
 * and keys folders as it goes). */
static int make_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return 0;
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir) return -1;
    int rc = fk_mkdir_p(dir);
    if (rc) fk_err("%s: cannot create folder: %s", dir, strerror(errno));
    free(dir);
    return rc;
}

int fk_nvs_encrypt_run(const fk_nvs_encrypt_job_t *job)
{
    char err[1024];
    nvs_sec_cfg_t cfg;
    if (job->inputkey && fk_nvs_keyfile_read(job->inputkey, true, &cfg, err, sizeof err)) {
        fk_err("%s: %s", job->cmd, err);
        return 1;
    }
    uint8_t *img = NULL;
    if (fk_nvs_gen_file_ex(job->input, job->size, job->version, job->gen_flags, &img, err, sizeof err)) {
        fk_err("%s", err);
        explicit_bzero(&cfg, sizeof cfg);
        return 1;
    }
    int rc = 1;
    bool key_written = false;
    if (!job->inputkey && fk_nvs_keys_new(&cfg, err, sizeof err)) {
        fk_err("%s: %s", job->cmd, err);
        goto out;
    }
    esp_err_t e = fk_nvs_crypt_image(&cfg, true, img, job->size);
    if (e != ESP_OK) {
        fk_err("%s: encryption failed: %s", job->cmd, esp_err_to_name(e));
        goto out;
    }
    if (make_parent(job->output)) goto out;
    if (job->keygen) {
        if (make_parent(job->keys_path)) goto out;
        if (fk_nvs_keyfile_write(job->keys_path, &cfg, err, sizeof err)) {
            fk_err("%s: %s", job->cmd, err);
            goto out;
        }
        key_written = true;
    }
    if (fk_write_file_atomic(job->output, img, job->size)) goto out;
    rc = 0;
    if (job->sdk_messages) {
        if (job->keygen) printf("\nCreated encryption keys: ===>  %s\n", job->keys_path);
        printf("\nCreating NVS binary with version: %s\n",
               job->version == 1 ? "V1 - Multipage Blob Support Disabled" : "V2 - Multipage Blob Support Enabled");
        printf("\nCreated NVS binary: ===> %s\n", job->output);
    }
out:
    /* An image without its key, or a key without its image, helps nobody. */
    if (rc && key_written) unlink(job->keys_path);
    explicit_bzero(&cfg, sizeof cfg);
    free(img);
    return rc;
}

int fk_nvs_decrypt_run(const char *input, const char *keyfile, const char *output, bool sdk_messages)
{
    char err[1024];
    nvs_sec_cfg_t cfg;
    if (fk_nvs_keyfile_read(keyfile, false, &cfg, err, sizeof err)) {
        fk_err("nvs decrypt: %s", err);
        return 1;
    }
    uint8_t *img;
    size_t len;
    if (fk_read_file(input, &img, &len)) {
        explicit_bzero(&cfg, sizeof cfg);
        return 1;
    }
    int rc = 1;
    if (len == 0 || len % NVS_PAGE_SIZE) {
        fk_err("%s: %zu bytes is not a whole number of 4096-byte NVS pages (offset 0x%zX is inside a page)",
               input, len, len - len % NVS_PAGE_SIZE);
        goto out;
    }
    esp_err_t e = fk_nvs_crypt_image(&cfg, false, img, len);
    if (e != ESP_OK) {
        fk_err("nvs decrypt: %s: %s", input, esp_err_to_name(e));
        goto out;
    }
    if (make_parent(output) || fk_write_file_atomic(output, img, len)) goto out;
    rc = 0;
    if (sdk_messages) printf("\nCreated NVS decrypted binary: ===> %s\n", output);
out:
    explicit_bzero(&cfg, sizeof cfg);
    free(img);
    return rc;
}
