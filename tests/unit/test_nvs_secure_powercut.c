/* Power cut at the flash writes and erases of a fixed-seed workload on an
 * encrypted NVS partition (test_nvs_secure_powercut.h), v1 and v2, atomic
 * and torn: after every cut the partition remounts with the key and no
 * committed value is lost. Every cut point (a stride of 5 under sanitizers;
 * FK_NVS_SEC_PC_STRIDE overrides); tests/full/full_nvs_secure_powercut.c runs
 * longer workloads with cuts during recovery too (make test-powerloss). */
#include "test_nvs_secure_powercut.h"

int main(void)
{
    int stride = fk_powercut_stride("FK_NVS_SEC_PC_STRIDE", 5);
    long total = 0;
    sec_pc_key(0x5EC2E7u);
    for (int mode = 0; mode < 2; mode++) {
        for (int run = 0; run < 3; run++) {
            /* v1, v2, and v2 with large values on a partition kept nearly full. */
            uint8_t v = run == 0 ? 1 : 2;
            int heavy = run == 2;
            pc_stats_t st;
            memset(&st, 0, sizeof st);
            pc_run(0x4000, v, 0xE4C0DEu + (uint32_t)run, heavy ? 150 : 500, stride, (fk_cut_mode_t)mode, false,
                   heavy, &st);
            printf("encrypted power cut %s, v%u%s, 4 pages: %ld ops (%ld with a sector erase, %ld refused for "
                   "space), %ld cut points run (stride %d, %ld skipped)\n",
                   mode ? "torn" : "atomic", v, heavy ? " large values" : "", st.ops, st.gc_ops, st.refused,
                   st.points, stride, st.skipped);
            total += st.points;
        }
    }
    printf("encrypted NVS power cut: %ld cut points run in total\n", total);
    return fk_test_done("test_nvs_secure_powercut");
}
