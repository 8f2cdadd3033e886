/* Setting secure_version in a built image, as a build with anti-rollback
 * compiles it in. A file of its own: host tools use it, a device does not,
 * so the device's link leaves it (and its image-info buffer) out. */
#include <string.h>
#include "esp_image_format.h"
#include "fk_le.h"

/* Too large for a stack; one image at a time. */
static fk_image_info_t patch_info;

esp_err_t fk_app_desc_set_secure_version(uint8_t *img, size_t len, uint32_t secure_version)
{
    uint32_t at;
    esp_err_t err = fk_app_desc_find_mem(img, len, NULL, &at);
    if (err != ESP_OK) return err;
    err = fk_image_verify_mem(img, len, 0, (uint32_t)len, FK_IMAGE_CHECK_SUM, &patch_info);
    if (err != ESP_OK) return err;
    uint32_t L = patch_info.checksum_offs + 1u;
    uint8_t digest[ESP_IMAGE_HASH_LEN];
    bool sha = (size_t)L + ESP_IMAGE_HASH_LEN <= len;
    if (sha) {
        fk_image_digest(img, L, digest);
        sha = memcmp(digest, img + L, sizeof digest) == 0;
    }
    /* The checksum is the XOR of the segment data: only the changed bytes move it. */
    uint8_t nb[4];
    fk_put_le32(nb, secure_version);
    for (int i = 0; i < 4; i++) {
        img[L - 1] ^= (uint8_t)(img[at + 4 + i] ^ nb[i]);
        img[at + 4 + i] = nb[i];
    }
    if (sha) fk_image_digest(img, L, img + L);
    return ESP_OK;
}
