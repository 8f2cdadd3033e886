/* The encrypted NVS power-cut sweep at full strength (make test-powerloss):
 * every flash write and erase of longer fixed-seed workloads on 4- and
 * 6-page encrypted partitions, v1 and v2, atomic and torn; after each cut
 * the recovering mount is itself cut at its own flash operations before the
 * final remount and check (test_nvs_secure_powercut.h). */
#include "test_nvs_secure_powercut.h"

int main(void)
{
    static const uint32_t sizes[] = {0x4000, 0x6000};
    long total = 0, recovery = 0;
    sec_pc_key(0xF0115EC5u);
    for (int mode = 0; mode < 2; mode++) {
        for (uint8_t v = 1; v <= 2; v++) {
            for (int s = 0; s < 3; s++) {
                int heavy = s == 2;
                uint32_t size = heavy ? 0x4000 : sizes[s];
                pc_stats_t st;
                memset(&st, 0, sizeof st);
                pc_run(size, v, 0x5EC0DEu + v * 31u + (uint32_t)s, 3000, 1, (fk_cut_mode_t)mode, true, heavy, &st);
                printf("encrypted power cut %s, v%u%s, %u pages: %ld ops (%ld with a sector erase, %ld refused "
                       "for space), %ld cut points, %ld more cuts inside recovery\n",
                       mode ? "torn" : "atomic", v, heavy ? " large values" : "", size / 4096, st.ops, st.gc_ops,
                       st.refused, st.points, st.recovery_cuts);
                fflush(stdout);
                total += st.points;
                recovery += st.recovery_cuts;
            }
        }
    }
    printf("encrypted NVS power cut (full): %ld cut points, %ld cuts during recovery\n", total, recovery);
    return fk_test_done("full_nvs_secure_powercut");
}
