/* Power cut at every flash write/erase from esp_ota_begin to the end of
 * esp_ota_set_boot_partition, atomic and torn (64 seeds per point). */
#include "test_ota_sweep.h"

int main(void)
{
    ota_sweep_stats_t st;
    ota_sweep(1, 64, &st);
    printf("ota power cut (every point): %d cut points in 2 updates, %d runs (atomic + 64 torn seeds), "
           "%d booted old, %d booted new\n",
           st.points, st.runs, st.old_boots, st.new_boots);
    CHECK(st.old_boots > 0);
    return fk_test_done("full_ota_powercut");
}
