/* Secure Boot v2 on the simulated device: the eFuse key digests
 * (KEY_DIGEST0..2) and revocation bits (KEY_REVOKE0..2) live in the side file
 * DEV.img.sbv2; when it exists the bootloader and the OTA API check app
 * signatures through core/fk_sbv2_gate. */
#ifndef FK_DEVICE_SBV2_H
#define FK_DEVICE_SBV2_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "opts.h"

#define FK_DEVICE_SBV2_HELP                                                                            \
    "  --secure-boot-key K   Secure Boot v2: burn K's key digest into the emulated eFuse\n"           \
    "                        (DEV.img.sbv2; up to 3, private or public PEM); from then on\n"         \
    "                        the bootloader and OTA accept only apps signed by one of them\n"

#include "fk_sbv2.h"

/* device create, before flashing: the digests of the keys given (checked,
 * so a bad key file stops the create before anything is written) and a
 * warning when the app is not signed by any of them. 0, or -1 (printed). */
int fk_device_sbv2_prepare(const fk_optlist_t *keys, const uint8_t *app, size_t app_len, fk_sbv2_trust_t *t);
/* ... after flashing: writes DEV.img.sbv2 (removes a stale one when no key
 * was given: a new chip has blank eFuses). 0, or -1 (printed). */
int fk_device_sbv2_store(const char *dev_path, const fk_sbv2_trust_t *t);

/* After fk_device_open: with DEV.img.sbv2 present, signature checks on for
 * boot and OTA. 0, or -1 with the error printed (a damaged side file). */
int fk_device_sbv2_apply(fk_device_t *d);

/* flashkit device revoke-key DEV.img N */
int device_revoke_key(int argc, char **argv);

#endif
