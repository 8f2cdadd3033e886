/* Every single flash write of the engine must be safe to tear: a torn write
 * clears any subset of the bits it meant to clear. Replays a workload with a
 * cut after each write in turn and checks each write against the rules:
 * a page state word loses one bit (or is zeroed before an erase), and a
 * bitmap entry loses one bit (11 -> 00 could tear into 10, WRITTEN). An
 * item's header and data entries may be marked WRITTEN together: load
 * sorts out every mix a torn write leaves (test_nvs_recovery's
 * test_torn_mark, test_nvs_writes' phantom). Runs from an empty partition
 * and from an SDK 3.4 image (all pages ACTIVE), v1 and v2. */
#include "fk_nvs_format.h"
#include "test_nvs_model.h"

static int popcount32(uint32_t x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

static bool page_blank(const uint8_t *p)
{
    for (int i = 0; i < 4096; i++)
        if (p[i] != 0xFF) return false;
    return true;
}

/* Checks the one write that turned image a into image b. */
static int check_write(const uint8_t *a, const uint8_t *b, uint32_t size, const char *ctx)
{
    int bad = 0;
    for (uint32_t pg = 0; pg < size; pg += 4096) {
        const uint8_t *pa = a + pg, *pb = b + pg;
        if (!memcmp(pa, pb, 4096) || page_blank(pb)) continue; /* untouched, or erased */
        uint32_t sa = fk_le32(pa), sb = fk_le32(pb);
        if (sa != sb && !(sa == 0xFFFFFFFFu) && sb != 0 && popcount32(sa ^ sb) != 1) {
            fprintf(stderr, "%s: page %u state %08x -> %08x in one write\n", ctx, pg / 4096, sa, sb);
            bad++;
        }
        for (unsigned i = 0; i < 126; i++) {
            unsigned x = fk_nvs_bitmap_get(pa + 32, i), y = fk_nvs_bitmap_get(pb + 32, i);
            if (x == 3 && y == 0) {
                fprintf(stderr, "%s: page %u entry %u EMPTY -> ERASED in one write\n", ctx, pg / 4096, i);
                bad++;
            }
        }
    }
    return bad;
}

static long writes_checked, recovery_writes;

static void run(uint8_t version, const char *image, int nops, uint32_t seed)
{
    mctx_t c;
    uint32_t size = image ? 0x4000 : 0x3000;
    CHECK_EQ(m_ctx_init(&c, size, version, seed), 0);
    model_t m;
    memset(&m, 0, sizeof m);
    if (image) {
        char path[512];
        snprintf(path, sizeof path, "%s/vectors/nvs/%s", fk_shared(), image);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        if (f) {
            size_t n = fread(c.emu.mem, 1, size, f);
            CHECK_EQ(n, size);
            fclose(f);
        }
    }
    uint8_t *snap = malloc(size), *prev = malloc(size);
    char ctx[128];
    for (int step = 0; step < nops; step++) {
        mop_t op;
        m_gen(&c, step, &op);
        if (op.kind == OP_GET || op.kind == OP_COMMIT) {
            m_op_free(&op);
            continue;
        }
        memcpy(snap, c.emu.mem, size);
        memcpy(prev, snap, size);
        for (uint64_t k = 1; k < 2000; k++) {
            memcpy(c.emu.mem, snap, size);
            CHECK_EQ(m_mount(&c), ESP_OK);
            CHECK_EQ(m_open_all(&c, &m), ESP_OK);
            fk_emu_set_cut(&c.emu, k + 1, FK_CUT_ATOMIC, 1); /* k writes done, then power off */
            m_exec(&c, &op);
            bool cut = c.emu.powered_off;
            fk_emu_power_on(&c.emu);
            m_unmount(&c);
            snprintf(ctx, sizeof ctx, "v%u %s step %d write %llu", version, image ? image : "empty",
                     step, (unsigned long long)k);
            CHECK_EQ(check_write(prev, c.emu.mem, size, ctx), 0);
            writes_checked++;
            memcpy(prev, c.emu.mem, size);
            if (!cut) break;
            /* The recovering mount after this cut: each of its writes too. */
            uint8_t *rprev = malloc(size), *cutimg = malloc(size);
            memcpy(cutimg, c.emu.mem, size);
            memcpy(rprev, cutimg, size);
            for (uint64_t j = 1; j < 2000; j++) {
                memcpy(c.emu.mem, cutimg, size);
                fk_emu_set_cut(&c.emu, j + 1, FK_CUT_ATOMIC, 1);
                esp_err_t err = m_mount(&c);
                bool rcut = c.emu.powered_off;
                fk_emu_power_on(&c.emu);
                if (err == ESP_OK) m_unmount(&c);
                char rctx[160];
                snprintf(rctx, sizeof rctx, "%s, recovery write %llu", ctx, (unsigned long long)j);
                CHECK_EQ(check_write(rprev, c.emu.mem, size, rctx), 0);
                writes_checked++;
                recovery_writes += rcut;
                memcpy(rprev, c.emu.mem, size);
                if (!rcut) break;
            }
            memcpy(c.emu.mem, cutimg, size);
            free(rprev);
            free(cutimg);
        }
        /* The operation done in full, for the next step. */
        memcpy(c.emu.mem, snap, size);
        CHECK_EQ(m_mount(&c), ESP_OK);
        CHECK_EQ(m_open_all(&c, &m), ESP_OK);
        if (m_exec(&c, &op) == ESP_OK) model_apply(&m, &op);
        m_unmount(&c);
        m_op_free(&op);
    }
    model_free(&m);
    free(snap);
    free(prev);
    m_ctx_free(&c);
}

int main(void)
{
    run(1, NULL, 400, 11);
    run(2, NULL, 400, 12);
    run(1, "example_aliyun_v1/expected_sdk_v3.4.bin", 400, 13);
    printf("NVS write order: %ld single writes checked, %ld of them by recovering mounts\n",
           writes_checked, recovery_writes);
    return fk_test_done("test_nvs_bitorder");
}
