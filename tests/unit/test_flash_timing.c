/* The ESP8266 flash-time model: the table's points, interpolation between
 * them, sizes outside the table, and the emulator's running totals. */
#include "fk_test.h"
#include "flash_emu.h"
#include "flash_timing.h"

int main(void)
{
    CHECK_EQ(fk_esp8266_write_ns(4), 19000);
    CHECK_EQ(fk_esp8266_write_ns(32), 57000);
    CHECK_EQ(fk_esp8266_write_ns(4096), 6367000);
    CHECK_EQ(fk_esp8266_write_ns(48), 81500); /* halfway from 57 to 106 us */
    CHECK_EQ(fk_esp8266_write_ns(1), 19000);
    CHECK_EQ(fk_esp8266_write_ns(8192), 2 * 6367000);
    CHECK_EQ(fk_esp8266_write_ns(4100), 6367000 + 19000);
    CHECK_EQ(fk_esp8266_read_ns(4), 7000);
    CHECK_EQ(fk_esp8266_read_ns(6), 6000); /* the table dips between 4 and 8 bytes */
    CHECK_EQ(fk_esp8266_read_ns(8), 5000);
    CHECK_EQ(fk_esp8266_read_ns(4096), 459000);
    for (uint64_t b = 4; b < 4096; b++) /* writes cost more as they grow */
        CHECK(fk_esp8266_write_ns(b) <= fk_esp8266_write_ns(b + 1));

    fk_emu_t emu;
    CHECK_EQ(fk_emu_init_mem(&emu, 0x4000), 0);
    uint8_t buf[32] = {0};
    CHECK_EQ(emu.flash.write(&emu.flash, 0, buf, 32), ESP_OK);
    CHECK_EQ(emu.flash.write(&emu.flash, 64, buf, 4), ESP_OK);
    CHECK_EQ(emu.flash.read(&emu.flash, 0, buf, 32), ESP_OK);
    CHECK_EQ(emu.flash.erase_sector(&emu.flash, 0x1000), ESP_OK);
    CHECK_EQ(emu.st.write_ns, 57000 + 19000);
    CHECK_EQ(emu.st.read_ns, 7000); /* 32 bytes read: 7 us */
    CHECK_EQ(emu.st.erase_ns, 37142000);
    CHECK_EQ(fk_emu_device_ns(&emu), 57000 + 19000 + 7000 + 37142000);
    /* An operation cut by power loss did not complete: no time is added. */
    fk_emu_set_cut(&emu, 1, FK_CUT_ATOMIC, 1);
    CHECK(emu.flash.erase_sector(&emu.flash, 0x2000) != ESP_OK);
    CHECK_EQ(emu.st.erase_ns, 37142000);
    fk_emu_reset_stats(&emu);
    CHECK_EQ(fk_emu_device_ns(&emu), 0);
    fk_emu_close(&emu);
    return fk_test_done("test_flash_timing");
}
