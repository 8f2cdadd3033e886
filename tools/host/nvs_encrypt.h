/* Encrypted NVS on the host (spec nvs-encryption.md §3): key files, the
 * OS random source, and the `nvs encrypt | decrypt | generate-key` jobs that
 * the CLI, `nvs gen --inputkey/--keygen` and `mfg gen` share. The cipher and
 * the nvs_keys layout are core's (fk_nvs_crypt.h); this is only files. */
#ifndef FK_NVS_ENCRYPT_H
#define FK_NVS_ENCRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fk_nvs_crypt.h"

/* Fills buf from the kernel's CSPRNG (getrandom(2), blocking until it is
 * seeded). 0, or -1 with errno. */
int fk_os_random(void *buf, size_t len);

/* Fresh keys from fk_os_random; halves that come out equal (2^-256) are
 * drawn again. 0, or -1 with a message in err. */
int fk_nvs_keys_new(nvs_sec_cfg_t *cfg, char *err, size_t errlen);

/* Reads the first 64 bytes of a key file. Refuses a file shorter than 64
 * bytes (an empty one too, which the SDK tool silently replaces with a
 * random key) and, when for_encrypt, equal halves (IEEE 1619). A CRC at 64
 * that does not match is only warned about (the SDK tool never reads it).
 * 0, or -1 with "path: reason" in err. */
int fk_nvs_keyfile_read(const char *path, bool for_encrypt, nvs_sec_cfg_t *cfg, char *err, size_t errlen);

/* The 4096-byte key file (the nvs_keys partition image) into buf. */
void fk_nvs_keyfile_image(const nvs_sec_cfg_t *cfg, uint8_t buf[FK_NVS_KEYS_PART_SIZE]);

/* Writes a key file: mode 0600, via a temporary file, and never over an
 * existing file (an overwritten key makes every image encrypted with it
 * unreadable). 0, or -1 with a message in err. */
int fk_nvs_keyfile_write(const char *path, const nvs_sec_cfg_t *cfg, char *err, size_t errlen);

/* The SDK's file naming: NAME without an extension gets ".bin"; another
 * extension is refused ("Error: `NAME`. Only `.bin` extension allowed.").
 * 0 and a malloc'd "DIR/NAME" (just NAME when DIR is NULL or NAME is
 * absolute) in *out, or -1 with the message in err. */
int fk_nvs_bin_path(const char *dir, const char *name, bool add_ext, char **out, char *err, size_t errlen);
/* True when name's extension contains ".bin", as the SDK tool checks. */
bool fk_nvs_has_bin_ext(const char *name);
/* Default key file name of the SDK tool: keys-<MM-DD_HH-MM>.bin, local time. */
void fk_nvs_default_keyfile(char *buf, size_t len);

/* What `nvs encrypt` and `nvs gen --inputkey/--keygen` do. */
typedef struct {
    const char *cmd;       /* "nvs encrypt", for messages */
    const char *input;     /* CSV */
    const char *output;    /* image path, already joined with outdir */
    const char *inputkey;  /* key file to read, or NULL */
    bool keygen;           /* else draw a fresh key... */
    const char *keys_path; /* ...and write it here */
    uint32_t size;
    int version;
    bool sdk_messages;     /* print the SDK tool's "Created ... ===>" lines */
    unsigned gen_flags;    /* FK_NVS_GEN_* */
} fk_nvs_encrypt_job_t;
/* Builds the image in memory and encrypts it, then writes the key file (with
 * --keygen) and the image; on any error neither is left. Exit status. */
int fk_nvs_encrypt_run(const fk_nvs_encrypt_job_t *job);

/* `nvs decrypt`: whole image in, whole image out (atomically). Exit status. */
int fk_nvs_decrypt_run(const char *input, const char *keyfile, const char *output, bool sdk_messages);

#endif
