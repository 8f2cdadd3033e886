/* Power cut during an OTA at every cut point, atomic and one torn seed
 * (make test-powerloss adds 64 torn seeds: tests/full/full_ota_powercut.c). */
#include "test_ota_sweep.h"

int main(void)
{
    ota_sweep_stats_t st;
    ota_sweep(1, 1, &st);
    printf("ota power cut (every point): %d cut points in 2 updates, %d runs, %d booted old, %d booted new\n",
           st.points, st.runs, st.old_boots, st.new_boots);
    CHECK(st.old_boots > 0);
    return fk_test_done("test_ota_powercut");
}
