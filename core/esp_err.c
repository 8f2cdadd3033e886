#include "esp_err.h"

#if FK_ERR_NAMES
/* Numbers are written out here so this table does not depend on which
 * module headers a build includes. */
static const struct {
    esp_err_t code;
    const char *name;
} names[] = {
    {0, "ESP_OK"},
    {-1, "ESP_FAIL"},
    {0x101, "ESP_ERR_NO_MEM"},
    {0x102, "ESP_ERR_INVALID_ARG"},
    {0x103, "ESP_ERR_INVALID_STATE"},
    {0x104, "ESP_ERR_INVALID_SIZE"},
    {0x105, "ESP_ERR_NOT_FOUND"},
    {0x106, "ESP_ERR_NOT_SUPPORTED"},
    {0x107, "ESP_ERR_TIMEOUT"},
    {0x108, "ESP_ERR_INVALID_RESPONSE"},
    {0x109, "ESP_ERR_INVALID_CRC"},
    {0x10A, "ESP_ERR_INVALID_VERSION"},
    {0x10B, "ESP_ERR_INVALID_MAC"},
    {0x1100, "ESP_ERR_NVS_BASE"},
    {0x1101, "ESP_ERR_NVS_NOT_INITIALIZED"},
    {0x1102, "ESP_ERR_NVS_NOT_FOUND"},
    {0x1103, "ESP_ERR_NVS_TYPE_MISMATCH"},
    {0x1104, "ESP_ERR_NVS_READ_ONLY"},
    {0x1105, "ESP_ERR_NVS_NOT_ENOUGH_SPACE"},
    {0x1106, "ESP_ERR_NVS_INVALID_NAME"},
    {0x1107, "ESP_ERR_NVS_INVALID_HANDLE"},
    {0x1108, "ESP_ERR_NVS_REMOVE_FAILED"},
    {0x1109, "ESP_ERR_NVS_KEY_TOO_LONG"},
    {0x110a, "ESP_ERR_NVS_PAGE_FULL"},
    {0x110b, "ESP_ERR_NVS_INVALID_STATE"},
    {0x110c, "ESP_ERR_NVS_INVALID_LENGTH"},
    {0x110d, "ESP_ERR_NVS_NO_FREE_PAGES"},
    {0x110e, "ESP_ERR_NVS_VALUE_TOO_LONG"},
    {0x110f, "ESP_ERR_NVS_PART_NOT_FOUND"},
    {0x1110, "ESP_ERR_NVS_NEW_VERSION_FOUND"},
    {0x1111, "ESP_ERR_NVS_XTS_ENCR_FAILED"},
    {0x1112, "ESP_ERR_NVS_XTS_DECR_FAILED"},
    {0x1113, "ESP_ERR_NVS_XTS_CFG_FAILED"},
    {0x1114, "ESP_ERR_NVS_XTS_CFG_NOT_FOUND"},
    {0x1115, "ESP_ERR_NVS_ENCR_NOT_SUPPORTED"},
    {0x1116, "ESP_ERR_NVS_KEYS_NOT_INITIALIZED"},
    {0x1117, "ESP_ERR_NVS_CORRUPT_KEY_PART"},
    {0x1118, "ESP_ERR_NVS_CONTENT_DIFFERS"},
    {0x1119, "ESP_ERR_NVS_WRONG_ENCRYPTION"},
    {0x1500, "ESP_ERR_OTA_BASE"},
    {0x1501, "ESP_ERR_OTA_PARTITION_CONFLICT"},
    {0x1502, "ESP_ERR_OTA_SELECT_INFO_INVALID"},
    {0x1503, "ESP_ERR_OTA_VALIDATE_FAILED"},
    {0x1504, "ESP_ERR_OTA_SMALL_SEC_VER"},
    {0x1505, "ESP_ERR_OTA_ROLLBACK_FAILED"},
    {0x1506, "ESP_ERR_OTA_ROLLBACK_INVALID_STATE"},
    {0x2000, "ESP_ERR_IMAGE_BASE"},
    {0x2001, "ESP_ERR_IMAGE_FLASH_FAIL"},
    {0x2002, "ESP_ERR_IMAGE_INVALID"},
    {0x6001, "ESP_ERR_FLASH_OP_FAIL"},
    {0x6002, "ESP_ERR_FLASH_OP_TIMEOUT"},
};

#endif

const char *esp_err_to_name(esp_err_t code)
{
#if !FK_ERR_NAMES
    (void)code;
#else
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code) return names[i].name;
#endif
    return "UNKNOWN ERROR";
}
