/* Power cut at every flash write and erase of a fixed-seed workload (a stride
 * of them under sanitizers, or as FK_NVS_PC_STRIDE says), atomic then torn,
 * v1 and v2. The complete sweep, with cuts during recovery too, is
 * tests/full/full_nvs_powercut.c (make test-powerloss).
 *
 * Six runs, each a ctest of its own so they run in parallel
 * (test_nvs_powercut/atomic-v1 ... /torn-large); the binary without an
 * argument runs all six. */
#include "test_nvs_powercut.h"

static const char *const parts[] = {"atomic-v1", "atomic-v2", "atomic-large", "torn-v1", "torn-v2", "torn-large"};

int main(int argc, char **argv)
{
    int stride = fk_powercut_stride("FK_NVS_PC_STRIDE", 5);
    long total = 0;
    int ran = 0;
    for (int p = 0; p < 6; p++) {
        if (argc > 1 && strcmp(argv[1], parts[p]) != 0) continue;
        ran++;
        int mode = p / 3, run = p % 3;
        /* v1, v2, and v2 with large values on a partition kept nearly full. */
        uint8_t v = run == 0 ? 1 : 2;
        int heavy = run == 2;
        pc_stats_t st;
        memset(&st, 0, sizeof st);
        pc_run(0x4000, v, 0xC0FFEEu + (uint32_t)run, heavy ? 600 : 2000, stride, (fk_cut_mode_t)mode, false, heavy,
               &st);
        printf("power cut %s, v%u%s, 4 pages: %ld ops (%ld with a sector erase, %ld refused for "
               "space), %ld cut points run (stride %d, %ld skipped)\n",
               mode ? "torn" : "atomic", v, heavy ? " large values" : "", st.ops, st.gc_ops, st.refused, st.points,
               stride, st.skipped);
        total += st.points;
    }
    if (!ran) {
        fprintf(stderr, "test_nvs_powercut: unknown part '%s' (atomic|torn)-(v1|v2|large)\n", argv[1]);
        CHECK(0);
    }
    printf("NVS power cut: %ld cut points run in total\n", total);
    return fk_test_done("test_nvs_powercut");
}
