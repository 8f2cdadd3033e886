/* Resumable OTA (core/fk_ota_resume.c): the record's rules one by one, then
 * the power-cut sweeps of test_ota_resume_sweep.h at sampled points (every
 * point, 16 torn seeds: tests/full/full_ota_resume.c). */
#include "test_ota_resume_sweep.h"

static uint8_t v1[0x10000], v2[0x10000], v3[0x10000];
static size_t l1, l2, l3;

/* A device running v1 from ota_0 whose download of v2 was cut after `cut_k`
 * flash operations. */
static void interrupted(fk_emu_t *emu, fk_ptable_t *t, uint64_t cut_k)
{
    fk_boot_result_t r;
    CHECK_EQ(ota_test_device(emu, t, 2, false, false), 0);
    fk_emu_load(emu, 0x10000, v1, (uint32_t)l1);
    nvs_flash_deinit();
    CHECK_EQ(fk_boot_run(&emu->flash, t, NULL, NULL, &r), ESP_OK);
    rs_run_t run;
    fk_emu_set_cut(emu, cut_k, FK_CUT_ATOMIC, 1);
    CHECK(rs_update(v2, l2, "\"v2\"", &run) != ESP_OK);
    fk_emu_power_on(emu);
    nvs_flash_deinit();
    fk_partition_set_table(t);
    CHECK_EQ(fk_boot_run(&emu->flash, t, NULL, NULL, &r), ESP_OK);
}

static void test_rules(void)
{
    fk_emu_t emu;
    fk_ptable_t t;
    rs_run_t run;
    /* Looking costs no write; the offset is a whole number of sectors. */
    interrupted(&emu, &t, 60);
    CHECK_EQ(nvs_flash_init(), ESP_OK);
    const esp_partition_t *p = esp_ota_get_next_update_partition(NULL);
    fk_ota_session_t s;
    uint64_t ops = emu.st.ops;
    CHECK_EQ(fk_ota_session_find(&s, p, RS_SOURCE), ESP_OK);
    CHECK_EQ(emu.st.ops, ops);
    CHECK(s.written > 0 && s.written % 4096 == 0 && s.written < l2);
    CHECK(strcmp(s.src.validator, "\"v2\"") == 0);
    CHECK_EQ(s.src.image_size, (uint32_t)l2);
    /* Another source, or another slot: no session. */
    CHECK_EQ(fk_ota_session_find(&s, p, RS_SOURCE + 1), ESP_ERR_NOT_FOUND);
    CHECK_EQ(fk_ota_session_find(&s, esp_ota_get_running_partition(), RS_SOURCE), ESP_ERR_NOT_FOUND);
    /* A changed file (another validator): from 0, exactly the new image. */
    CHECK_EQ(rs_update(v3, l3, "\"v3\"", &run), ESP_OK);
    CHECK_EQ(run.resumed_at, 0);
    CHECK(memcmp(emu.mem + 0x20000, v3, l3) == 0);
    /* After the update the record is gone. */
    CHECK_EQ(fk_ota_session_find(&s, p, RS_SOURCE), ESP_ERR_NOT_FOUND);
    fk_emu_close(&emu);

    /* A byte of the slot changed behind the record's back: not trusted. */
    interrupted(&emu, &t, 60);
    CHECK_EQ(nvs_flash_init(), ESP_OK);
    p = esp_ota_get_next_update_partition(NULL);
    CHECK_EQ(fk_ota_session_find(&s, p, RS_SOURCE), ESP_OK);
    emu.mem[p->address + s.written - 100] ^= 0x01;
    CHECK_EQ(fk_ota_session_find(&s, p, RS_SOURCE), ESP_ERR_INVALID_CRC);
    nvs_flash_deinit();
    CHECK_EQ(rs_update(v2, l2, "\"v2\"", &run), ESP_OK);
    CHECK_EQ(run.resumed_at, 0);
    CHECK(memcmp(emu.mem + 0x20000, v2, l2) == 0);
    fk_emu_close(&emu);

    /* A resume verifies the whole image at the end: a record that vouched
     * for wrong bytes (forged CRC here) still ends in a refused image. */
    interrupted(&emu, &t, 60);
    CHECK_EQ(nvs_flash_init(), ESP_OK);
    p = esp_ota_get_next_update_partition(NULL);
    CHECK_EQ(fk_ota_session_find(&s, p, RS_SOURCE), ESP_OK);
    uint32_t at = s.written;
    CHECK_EQ(fk_ota_session_resume(&s), ESP_OK);
    static uint8_t wrong[0x10000];
    memcpy(wrong, v2, l2);
    wrong[at + 10] ^= 0xFF; /* the "server" now sends other bytes for the rest */
    CHECK_EQ(fk_ota_session_write(&s, wrong + at, l2 - at), ESP_OK);
    CHECK_EQ(fk_ota_session_end(&s), ESP_ERR_OTA_VALIDATE_FAILED);
    fk_emu_close(&emu);

    /* No NVS mounted: no record, the update itself still works. */
    CHECK_EQ(ota_test_device(&emu, &t, 2, false, false), 0);
    fk_emu_load(&emu, 0x10000, v1, (uint32_t)l1);
    nvs_flash_deinit();
    fk_boot_result_t r;
    CHECK_EQ(fk_boot_run(&emu.flash, &t, NULL, NULL, &r), ESP_OK);
    p = esp_ota_get_next_update_partition(NULL);
    CHECK_EQ(fk_ota_session_find(&s, p, RS_SOURCE), ESP_ERR_NOT_FOUND);
    fk_ota_source_t src = {.source_id = RS_SOURCE, .image_size = (uint32_t)l2, .validator = "\"v2\""};
    CHECK_EQ(fk_ota_session_begin(&s, p, &src), ESP_OK);
    CHECK(s.store_err != ESP_OK);
    CHECK_EQ(fk_ota_session_write(&s, v2, l2), ESP_OK);
    CHECK_EQ(fk_ota_session_end(&s), ESP_OK);
    fk_emu_close(&emu);
}

int main(void)
{
    l1 = ota_test_image(v1, 0x10000, "1.0", 9000);
    l2 = ota_test_image(v2, 0x20000, "2.0", 40000);
    l3 = ota_test_image(v3, 0x20000, "3.0", 38000);
    test_rules();
    rs_stats_t st;
    int stride = fk_powercut_stride("FK_OTA_RESUME_STRIDE", 4);
    rs_sweeps(stride, 1, &st);
    printf("ota resume power cut: %d cut points in 2 downloads, %d runs; after the cut %d booted old, %d new; "
           "the next run resumed %d times, restarted %d; at most %u written bytes fetched again\n",
           st.points, st.runs, st.old_boots, st.new_boots, st.resumed, st.restarted, st.most_refetched);
    CHECK(st.resumed > 0);
    CHECK(st.most_refetched <= 4096u * FK_OTA_RESUME_SECTORS);
    return fk_test_done("test_ota_resume");
}
