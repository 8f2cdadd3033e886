/* Resumable OTA: power cut at every flash write/erase of a download from 0
 * and of a resumed download, atomic and 16 torn seeds per point. */
#include "test_ota_resume_sweep.h"

int main(void)
{
    rs_stats_t st;
    rs_sweeps(1, 16, &st);
    printf("ota resume power cut (every point): %d cut points in 2 downloads, %d runs (atomic + 16 torn seeds); "
           "%d booted old, %d new; resumed %d, restarted %d; at most %u written bytes fetched again\n",
           st.points, st.runs, st.old_boots, st.new_boots, st.resumed, st.restarted, st.most_refetched);
    CHECK(st.resumed > 0);
    CHECK(st.most_refetched <= 4096u * FK_OTA_RESUME_SECTORS);
    return fk_test_done("full_ota_resume");
}
