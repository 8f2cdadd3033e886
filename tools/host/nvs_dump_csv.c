#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nvs_csv.h"
#include "nvs_dump_out.h"

static void csv_blob(FILE *f, const char *key, const uint8_t *p, size_t n)
{
    fk_csv_put_field(f, key, strlen(key));
    if (n <= 64) {
        fputs(",data,hex2bin,", f);
        for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
    } else {
        static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        fputs(",data,base64,", f);
        for (size_t i = 0; i < n; i += 3) {
            uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
            fputc(a[v >> 18 & 63], f);
            fputc(a[v >> 12 & 63], f);
            fputc(i + 1 < n ? a[v >> 6 & 63] : '=', f);
            fputc(i + 2 < n ? a[v & 63] : '=', f);
        }
    }
    fputc('\n', f);
}

int fk_nvs_dump_csv(FILE *f, const dump_t *d)
{
    fprintf(f, "# from %s by flashkit nvs dump --csv; rebuild with: flashkit nvs gen THIS.csv OUT.bin --size 0x%zX "
               "--version v%d\n", d->name, d->size, d->version);
    fprintf(f, "key,type,encoding,value\n");
    bool emitted[256] = {false};
    int cur = -1;
    unsigned skipped = 0;
    for (uint32_t o = 0; o < d->norder; o++) {
        const dpage_t *pg = &d->pages[d->order[o]];
        for (size_t k = 0; k < pg->n; k++) {
            const ditem_t *it = &d->items[pg->first + k];
            if (!fk_nvs_dump_live(it)) continue;
            const fk_nvs_entry_t *e = &it->e;
            char key[16];
            fk_nvs_dump_key(e, key);
            if (e->ns == 0) {
                if (e->type == NVS_ITEM_U8 && !emitted[e->data[0]] && d->ns_known[e->data[0]] &&
                    !strcmp(d->ns_names[e->data[0]], key)) {
                    fk_csv_put_field(f, key, strlen(key));
                    fputs(",namespace,,\n", f);
                    emitted[e->data[0]] = true;
                    cur = e->data[0];
                }
                continue;
            }
            if (e->type == NVS_ITEM_BLOB_IDX) continue; /* written with its first chunk */
            if (e->type == NVS_ITEM_BLOB_DATA) {
                const ditem_t *idx = fk_nvs_dump_find(d, e->ns, NVS_ITEM_BLOB_IDX, NVS_CHUNK_ANY, e->key);
                if (!idx || fk_nvs_blob_idx_start(&idx->e) != e->chunk) {
                    if (!idx) {
                        fprintf(f, "# skipped: chunk %u of blob '%s' has no blob index\n", e->chunk, key);
                        skipped++;
                    }
                    continue;
                }
            }
            if (it->dup) {
                fprintf(f, "# skipped: a later copy of '%s' (the runtime reads the first)\n", key);
                skipped++;
                continue;
            }
            if (!d->ns_known[e->ns]) {
                fprintf(f, "# skipped: '%s' belongs to namespace index %u, which has no namespace entry\n", key, e->ns);
                skipped++;
                continue;
            }
            if (cur != e->ns) {
                const char *nn = d->ns_names[e->ns];
                fk_csv_put_field(f, nn, strlen(nn));
                fputs(",namespace,,\n", f);
                emitted[e->ns] = true;
                cur = e->ns;
            }
            if (fk_nvs_type_int_size(e->type)) {
                fk_csv_put_field(f, key, strlen(key));
                if (e->type & 0x10) fprintf(f, ",data,%s,%" PRId64 "\n", fk_nvs_dump_type_name(e->type), fk_nvs_dump_int_signed(e));
                else fprintf(f, ",data,%s,%" PRIu64 "\n", fk_nvs_dump_type_name(e->type), fk_nvs_dump_int_bits(e));
            } else if (e->type == NVS_ITEM_SZ) {
                bool ok = it->data_ok && it->plen > 0 && it->payload[it->plen - 1] == 0 &&
                          !memchr(it->payload, 0, it->plen - 1) && !memchr(it->payload, '\r', it->plen - 1);
                if (!ok) {
                    fprintf(f, "# skipped: string '%s' cannot be written as a CSV value (%s)\n", key,
                            !it->data_ok ? "data CRC wrong" : "no NUL terminator, or a NUL or CR inside");
                    skipped++;
                    continue;
                }
                fk_csv_put_field(f, key, strlen(key));
                fputs(",data,string,", f);
                fk_csv_put_field(f, (const char *)it->payload, it->plen - 1);
                fputc('\n', f);
            } else if (e->type == NVS_ITEM_BLOB) {
                if (!it->data_ok) {
                    fprintf(f, "# skipped: blob '%s' has a wrong data CRC\n", key);
                    skipped++;
                    continue;
                }
                csv_blob(f, key, it->payload, it->plen);
            } else if (e->type == NVS_ITEM_BLOB_DATA) {
                const ditem_t *idx = fk_nvs_dump_find(d, e->ns, NVS_ITEM_BLOB_IDX, NVS_CHUNK_ANY, e->key);
                uint8_t *buf;
                size_t total;
                const char *why = fk_nvs_dump_blob(d, idx, &buf, &total);
                if (why) {
                    if (!strcmp(why, "out of memory")) return -1;
                    if (!strcmp(why, "more bytes than the partition"))
                        fprintf(f, "# skipped: blob '%s' claims %" PRIu32 " bytes, more than the partition\n", key,
                                fk_nvs_blob_idx_size(&idx->e));
                    else fprintf(f, "# skipped: blob '%s' is incomplete or has a wrong data CRC\n", key);
                    skipped++;
                    continue;
                }
                csv_blob(f, key, buf, total);
                free(buf);
            } else {
                fprintf(f, "# skipped: '%s' has unknown type 0x%02x\n", key, e->type);
                skipped++;
            }
        }
    }
    return (int)skipped;
}

