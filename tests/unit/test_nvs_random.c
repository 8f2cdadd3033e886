/* Model-based randomized test: thousands of seeded random operations (set of
 * every type, get, erase, erase-all, commit over several namespaces; strings
 * and blobs up to a page, multi-page blobs in v2) against an in-memory model,
 * on three partition sizes, v1 and v2, with remounts along the way. */
#include "test_nvs_check.h"
#include "test_nvs_model.h"

static long total_ops, total_sets, total_full, total_same;

static void check_iterators(const model_t *m)
{
    for (int n = 0; n < M_NS; n++) {
        char name[16];
        m_ns_name(n, name);
        int want = 0, got = 0;
        for (int k = 0; k < M_KEYS; k++) want += m->v[n][k].present;
        nvs_iterator_t it = nvs_entry_find(M_PART, name, NVS_TYPE_ANY);
        while (it) {
            nvs_entry_info_t info;
            nvs_entry_info(it, &info);
            int k = atoi(info.key + 4);
            bool ok = !strcmp(info.namespace_name, name) && k >= 0 && k < M_KEYS &&
                      m->v[n][k].present && m->v[n][k].type == info.type;
            if (!ok) fprintf(stderr, "iterator: %s/%s type 0x%x unexpected\n", info.namespace_name, info.key, info.type);
            CHECK(ok);
            got++;
            it = nvs_entry_next(it);
        }
        CHECK_EQ(got, want);
    }
}

static void run(uint32_t size, uint8_t version, uint32_t seed, int nops, int heavy)
{
    mctx_t c;
    CHECK_EQ(m_ctx_init(&c, size, version, seed), 0);
    c.heavy = heavy;
    CHECK_EQ(m_mount(&c), ESP_OK);
    model_t m;
    memset(&m, 0, sizeof m);
    long sets = 0, full = 0, same = 0;
    char ctx[64];
    for (int step = 0; step < nops; step++) {
        mop_t op;
        m_gen(&c, step, &op);
        snprintf(ctx, sizeof ctx, "size 0x%x v%u step %d", size, version, step);
        if (op.kind == OP_GET) {
            bool ok = m_matches(&c, op.ns, op.key, &m.v[op.ns][op.key], NULL);
            if (!ok) fprintf(stderr, "%s: get space%d/key_%02d wrong\n", ctx, op.ns, op.key);
            CHECK(ok);
            if (m.v[op.ns][op.key].present && m.v[op.ns][op.key].type != NVS_TYPE_U16) {
                char key[16];
                uint16_t x;
                m_key_name(op.key, key);
                CHECK_EQ(nvs_get_u16(c.h[op.ns], key, &x), ESP_ERR_NVS_NOT_FOUND);
            }
            m_op_free(&op);
            continue;
        }
        const mval_t *cur = &m.v[op.ns][op.key];
        bool is_same = op.kind == OP_SET && cur->present && cur->type == op.type &&
                       cur->len == op.len && !memcmp(cur->data, op.data, op.len);
        uint64_t w0 = c.emu.st.writes + c.emu.st.erases;
        esp_err_t err = m_exec(&c, &op);
        if (op.kind == OP_SET) {
            sets++;
            if (err == ESP_ERR_NVS_NOT_ENOUGH_SPACE) full++;
            else {
                if (err) fprintf(stderr, "%s: set: %s\n", ctx, esp_err_to_name(err));
                CHECK_EQ(err, ESP_OK);
            }
            if (is_same) {
                same++;
                CHECK_EQ(c.emu.st.writes + c.emu.st.erases, w0); /* no flash write */
            }
        } else {
            if (err) fprintf(stderr, "%s: op %d: %s\n", ctx, op.kind, esp_err_to_name(err));
            CHECK_EQ(err, ESP_OK);
        }
        if (err == ESP_OK) model_apply(&m, &op);
        m_op_free(&op);
        if (step % 97 == 96) {
            CHECK_EQ(m_check_all(&c, &m, NULL, ctx), 0);
            m_unmount(&c);
            CHECK_EQ(m_mount(&c), ESP_OK);
            CHECK_EQ(m_open_all(&c, &m), ESP_OK);
            CHECK_EQ(c.emu.st.nor_violations, 0);
        }
        if (step % 500 == 499) {
            check_iterators(&m);
            CHECK_EQ(nvs_image_check(c.emu.mem, size, version == 1 ? 0xFF : 0xFE, false, ctx), 0);
        }
    }
    CHECK_EQ(m_check_all(&c, &m, NULL, "final"), 0);
    CHECK_EQ(nvs_image_check(c.emu.mem, size, version == 1 ? 0xFF : 0xFE, false, "final image"), 0);
    nvs_fk_diag_t d;
    CHECK_EQ(nvs_fk_get_diag(M_PART, &d, NULL, 0), ESP_OK);
    CHECK_EQ(d.format_version, version);
    CHECK_EQ(c.emu.st.nor_violations, 0);
    printf("%s0x%05x v%u: %d ops, %ld sets (%ld NOT_ENOUGH_SPACE, %ld same-value), "
           "%llu erases, %zu live entries\n",
           heavy ? "full partition, " : "", size, version, nops, sets, full, same, (unsigned long long)c.emu.st.erases, d.written_entries);
    /* The workload is sized to fit: a full partition must stay the exception. */
    if (heavy) CHECK(full * 20 >= sets); /* the space-refusal path really ran */
    else CHECK(full * 10 <= sets);
    total_ops += nops;
    total_sets += sets;
    total_full += full;
    total_same += same;
    model_free(&m);
    m_ctx_free(&c);
}

int main(void)
{
    static const uint32_t sizes[] = {0x3000, 0x6000, 0x10000};
    for (int v = 1; v <= 2; v++)
        for (int i = 0; i < 3; i++) {
            run(sizes[i], (uint8_t)v, 0x1234u + (uint32_t)(i * 77 + v), 2500, 0);
            /* v1 values stop at 1984 bytes: only the small partition fills. */
            if (v == 2 || sizes[i] == 0x3000)
                run(sizes[i], (uint8_t)v, 0x4321u + (uint32_t)(i * 77 + v), 2000, 1);
        }
    printf("NVS random: %ld operations in total, %ld sets, %ld refused for space, %ld same-value\n",
           total_ops, total_sets, total_full, total_same);
    return fk_test_done("test_nvs_random");
}
