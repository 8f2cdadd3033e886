/* Power cut at every flash write and erase of a fixed-seed workload (a stride
 * of them under sanitizers, or as FK_NVS_PC_STRIDE says), atomic then torn,
 * v1 and v2. The complete sweep, with cuts during recovery too, is
 * tests/full/full_nvs_powercut.c (make test-powerloss). */
#include "test_nvs_powercut.h"

#if defined(__SANITIZE_ADDRESS__)
#define PC_DEFAULT_STRIDE 5
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PC_DEFAULT_STRIDE 5
#endif
#endif
#ifndef PC_DEFAULT_STRIDE
#define PC_DEFAULT_STRIDE 1
#endif

int main(void)
{
    const char *s = getenv("FK_NVS_PC_STRIDE");
    int stride = s && atoi(s) > 0 ? atoi(s) : PC_DEFAULT_STRIDE;
    long total = 0;
    for (int mode = 0; mode < 2; mode++) {
        for (int run = 0; run < 3; run++) {
            /* v1, v2, and v2 with large values on a partition kept nearly full. */
            uint8_t v = run == 0 ? 1 : 2;
            int heavy = run == 2;
            pc_stats_t st;
            memset(&st, 0, sizeof st);
            pc_run(0x4000, v, 0xC0FFEEu + (uint32_t)run, heavy ? 600 : 2000, stride,
                   (fk_cut_mode_t)mode, false, heavy, &st);
            printf("power cut %s, v%u%s, 4 pages: %ld ops (%ld with a sector erase, %ld refused for "
                   "space), %ld cut points run (stride %d, %ld skipped)\n",
                   mode ? "torn" : "atomic", v, heavy ? " large values" : "", st.ops, st.gc_ops,
                   st.refused, st.points, stride, st.skipped);
            total += st.points;
        }
    }
    printf("NVS power cut: %ld cut points run in total\n", total);
    return fk_test_done("test_nvs_powercut");
}
