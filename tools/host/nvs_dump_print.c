#include <inttypes.h>
#include <string.h>

#include "nvs_dump_out.h"
#include "util.h"

/* Keys of damaged entries can hold any byte: escape what a terminal or JSON cannot take. */
static void text_key(FILE *f, const char *k)
{
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
        if (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\') fputc(*p, f);
        else fprintf(f, "\\x%02x", *p);
    }
}

/* ---- text ---------------------------------------------------------------- */

static void print_bytes_text(FILE *f, const uint8_t *p, size_t n, bool as_string)
{
    size_t show = n > 64 ? 64 : n;
    if (as_string) {
        fputc('"', f);
        for (size_t i = 0; i < show; i++) {
            unsigned char c = p[i];
            if (c == 0 && i + 1 == n) break;
            if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
            else if (c >= 0x20 && c < 0x7F) fputc(c, f);
            else if (c == '\n') fputs("\\n", f);
            else fprintf(f, "\\x%02x", c);
        }
        fputc('"', f);
    } else {
        for (size_t i = 0; i < show; i++) fprintf(f, "%02x", p[i]);
    }
    if (show < n) fprintf(f, "... (%zu bytes)", n);
}

static void print_value_text(FILE *f, const ditem_t *it)
{
    const fk_nvs_entry_t *e = &it->e;
    if (e->ns == 0 && e->type == NVS_ITEM_U8) {
        fprintf(f, "namespace -> index %u", e->data[0]);
        return;
    }
    if (fk_nvs_type_int_size(e->type)) {
        if (e->type & 0x10) fprintf(f, "%" PRId64, fk_nvs_dump_int_signed(e));
        else fprintf(f, "%" PRIu64, fk_nvs_dump_int_bits(e));
    } else if (fk_nvs_type_is_varlen(e->type)) {
        fprintf(f, "size %zu, data CRC %s: ", it->plen, it->data_ok ? "ok" : "BAD");
        print_bytes_text(f, it->payload, it->plen, e->type == NVS_ITEM_SZ);
    } else if (e->type == NVS_ITEM_BLOB_IDX) {
        fprintf(f, "blob of %" PRIu32 " bytes in %u chunks from chunk %u", fk_nvs_blob_idx_size(e), fk_nvs_blob_idx_count(e),
                fk_nvs_blob_idx_start(e));
    }
}

/* Entries whose fields can be shown as an item's. */
static bool decoded(const ditem_t *it)
{
    if (!it->crc_ok) return false;
    if (it->verdict != FK_NVS_ENT_ITEM && it->verdict != FK_NVS_ENT_ERASED && it->verdict != FK_NVS_ENT_ILLEGAL)
        return false;
    return !fk_nvs_type_is_varlen(it->e.type) || it->payload;
}

static const char *verdict_name(fk_nvs_verdict_t v)
{
    switch (v) {
    case FK_NVS_ENT_ITEM: return "item";
    case FK_NVS_ENT_ERASED: return "erased";
    case FK_NVS_ENT_ILLEGAL: return "illegal";
    case FK_NVS_ENT_HALF_WRITTEN: return "half_written";
    case FK_NVS_ENT_BAD_CRC: return "bad_crc";
    case FK_NVS_ENT_BAD_SPAN: return "bad_span";
    case FK_NVS_ENT_INCOMPLETE: return "incomplete";
    case FK_NVS_ENT_BAD_KEY: return "bad_key";
    }
    return "?";
}

static const char *estate_name(unsigned st)
{
    return st == NVS_ENTRY_WRITTEN ? "written" : st == NVS_ENTRY_ERASED ? "erased" : st == NVS_ENTRY_EMPTY ? "empty" : "illegal";
}

void fk_nvs_dump_text(FILE *f, const dump_t *d)
{
    fprintf(f, "%s: %zu bytes, %" PRIu32 " pages, format v%d\n", d->name, d->size, d->npages, d->version);
    for (uint32_t i = 0; i < d->npages; i++) {
        const dpage_t *pg = &d->pages[i];
        if (pg->blank) {
            fprintf(f, "page %" PRIu32 ": EMPTY (erased)\n", i);
            continue;
        }
        fprintf(f, "page %" PRIu32 ": %s, seq %" PRIu32 ", version %s, header CRC %s; entries: %u written, %u erased, %u empty\n",
                i, pg->state_name, pg->seq,
                pg->version == NVS_VERSION_V1 ? "v1" : pg->version == NVS_VERSION_V2 ? "v2" : "unknown",
                pg->hdr_crc_ok ? "ok" : "BAD", pg->written, pg->erased, pg->empty);
        for (size_t k = 0; k < pg->n; k++) {
            const ditem_t *it = &d->items[pg->first + k];
            char key[16];
            fk_nvs_dump_key(&it->e, key);
            fprintf(f, "  [%3u] %-7s ", it->idx, estate_name(it->estate));
            if (it->verdict == FK_NVS_ENT_HALF_WRITTEN) {
                if (it->span == 1) fprintf(f, "half-written entry (bitmap empty, bytes not erased)\n");
                else fprintf(f, "half-written entries %u..%u (bitmap empty, bytes not erased)\n", it->idx,
                             it->idx + it->span - 1);
                continue;
            }
            if (!it->crc_ok) {
                fprintf(f, "ns %u key \"", it->e.ns);
                text_key(f, key);
                fprintf(f, "\" type 0x%02x span %u: entry CRC BAD\n", it->e.type, it->e.span);
                continue;
            }
            if (!decoded(it)) {
                fprintf(f, "ns %u key \"", it->e.ns);
                text_key(f, key);
                if (it->verdict == FK_NVS_ENT_INCOMPLETE)
                    fprintf(f, "\" type 0x%02x span %u: data entries not all written (an interrupted write)\n",
                            it->e.type, it->e.span);
                else if (it->verdict == FK_NVS_ENT_BAD_KEY)
                    fprintf(f, "\" type 0x%02x: key field has no terminating NUL\n", it->e.type);
                else fprintf(f, "\" type 0x%02x: span %u does not fit\n", it->e.type, it->e.span);
                continue;
            }
            const char *tn = fk_nvs_dump_type_name(it->e.type);
            if (it->e.ns == 0 && it->e.type == NVS_ITEM_U8) {
                fputc('"', f);
                text_key(f, key);
                fputs("\" ", f);
            } else {
                if (d->ns_known[it->e.ns]) text_key(f, d->ns_names[it->e.ns]);
                else fprintf(f, "ns#%u", it->e.ns);
                fputc(':', f);
                text_key(f, key);
                fputc(' ', f);
            }
            if (tn) fprintf(f, "%s", tn);
            else fprintf(f, "type 0x%02x", it->e.type);
            if (it->e.type == NVS_ITEM_BLOB_DATA) fprintf(f, "[%u]", it->e.chunk);
            fprintf(f, " span %u: ", it->e.span);
            if (tn) print_value_text(f, it);
            else fprintf(f, "unknown type, kept as it is");
            if (it->verdict == FK_NVS_ENT_ILLEGAL) fprintf(f, " (bitmap state 01: the runtime erases it)");
            if (it->dropped) fprintf(f, " (the runtime erases it at mount: %s)", it->dropped);
            if (it->dup) fprintf(f, " (shadowed by an earlier copy)");
            fputc('\n', f);
        }
    }
    summary_t s;
    fk_nvs_dump_summarize(d, &s);
    fprintf(f, "summary: %u namespace%s; %u used pages, %u free; entries %u written, %u erased, %u empty\n",
            s.namespaces, s.namespaces == 1 ? "" : "s", s.used_pages, s.free_pages, s.written, s.erased, s.empty);
    if (s.writable)
        fprintf(f, "         largest value still writable: string %zu bytes (NUL included), blob %zu bytes\n",
                s.largest_string, s.largest_blob);
    else
        fprintf(f, "         nothing is writable: the runtime would not mount this image (%s)\n", s.mount_error);
    fprintf(f, "%u problem%s found\n", d->problems, d->problems == 1 ? "" : "s");
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_hex(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

void fk_nvs_dump_json(FILE *f, const dump_t *d)
{
    fprintf(f, "{\"file\":");
    fk_json_strn(f, d->name, strlen(d->name));
    fprintf(f, ",\"size\":%zu,\"version\":%d,\"pages\":[", d->size, d->version);
    for (uint32_t i = 0; i < d->npages; i++) {
        const dpage_t *pg = &d->pages[i];
        fprintf(f, "%s\n{\"index\":%" PRIu32 ",\"state\":", i ? "," : "", i);
        fk_json_str(f, pg->blank ? "EMPTY" : pg->state_name);
        if (pg->blank) {
            fprintf(f, ",\"entries\":[]}");
            continue;
        }
        fprintf(f, ",\"state_word\":%" PRIu32 ",\"seq\":%" PRIu32 ",\"version\":%d,\"header_crc_ok\":%s,"
                   "\"loaded\":%s,\"written\":%u,\"erased\":%u,\"empty\":%u,\"entries\":[",
                pg->state, pg->seq, pg->version == NVS_VERSION_V1 ? 1 : pg->version == NVS_VERSION_V2 ? 2 : 0,
                pg->hdr_crc_ok ? "true" : "false", pg->loaded ? "true" : "false", pg->written, pg->erased, pg->empty);
        for (size_t k = 0; k < pg->n; k++) {
            const ditem_t *it = &d->items[pg->first + k];
            char key[16];
            fk_nvs_dump_key(&it->e, key);
            fprintf(f, "%s\n {\"index\":%u,\"state\":\"%s\",\"ns\":%u,", k ? "," : "", it->idx,
                    it->estate == NVS_ENTRY_EMPTY ? "half-written" : estate_name(it->estate), it->e.ns);
            if (it->e.ns && d->ns_known[it->e.ns]) {
                fprintf(f, "\"namespace\":");
                fk_json_strn(f, d->ns_names[it->e.ns], strlen(d->ns_names[it->e.ns]));
                fputc(',', f);
            }
            const char *tn = fk_nvs_dump_type_name(it->e.type);
            bool is_ns = it->e.ns == 0 && it->e.type == NVS_ITEM_U8;
            fprintf(f, "\"key\":");
            fk_json_strn(f, key, strlen(key));
            fprintf(f, ",\"type\":\"%s\",\"type_code\":%u,\"span\":%u,\"chunk\":%u,\"crc_ok\":%s",
                    is_ns ? "namespace" : tn ? tn : "unknown", it->e.type, it->e.span, it->e.chunk,
                    it->crc_ok ? "true" : "false");
            fprintf(f, ",\"verdict\":\"%s\"", verdict_name(it->verdict));
            if (it->verdict == FK_NVS_ENT_HALF_WRITTEN && it->span > 1) fprintf(f, ",\"entries\":%u", it->span);
            if (it->dropped) {
                fprintf(f, ",\"dropped_at_mount\":");
                fk_json_str(f, it->dropped);
            }
            if (decoded(it) && it->verdict != FK_NVS_ENT_HALF_WRITTEN) {
                if (is_ns) fprintf(f, ",\"value\":%u", it->e.data[0]);
                else if (fk_nvs_type_int_size(it->e.type)) {
                    if (it->e.type & 0x10) fprintf(f, ",\"value\":%" PRId64, fk_nvs_dump_int_signed(&it->e));
                    else fprintf(f, ",\"value\":%" PRIu64, fk_nvs_dump_int_bits(&it->e));
                } else if (fk_nvs_type_is_varlen(it->e.type)) {
                    fprintf(f, ",\"size\":%zu,\"data_crc_ok\":%s", it->plen, it->data_ok ? "true" : "false");
                    if (it->e.type == NVS_ITEM_SZ && it->plen && it->payload[it->plen - 1] == 0) {
                        fprintf(f, ",\"value\":");
                        fk_json_strn(f, (const char *)it->payload, it->plen - 1);
                    }
                    fprintf(f, ",\"hex\":");
                    json_hex(f, it->payload, it->plen);
                } else if (it->e.type == NVS_ITEM_BLOB_IDX) {
                    fprintf(f, ",\"size\":%" PRIu32 ",\"chunk_count\":%u,\"chunk_start\":%u", fk_nvs_blob_idx_size(&it->e),
                            fk_nvs_blob_idx_count(&it->e), fk_nvs_blob_idx_start(&it->e));
                }
                if (it->dup) fprintf(f, ",\"shadowed\":true");
            }
            fputc('}', f);
        }
        fprintf(f, "]}");
    }
    summary_t s;
    fk_nvs_dump_summarize(d, &s);
    fprintf(f, "],\n\"summary\":{\"namespaces\":%u,\"used_pages\":%u,\"free_pages\":%u,\"written_entries\":%u,"
               "\"erased_entries\":%u,\"empty_entries\":%u,\"writable\":%s,",
            s.namespaces, s.used_pages, s.free_pages, s.written, s.erased, s.empty, s.writable ? "true" : "false");
    if (s.writable)
        fprintf(f, "\"largest_string_bytes\":%zu,\"largest_blob_bytes\":%zu,", s.largest_string, s.largest_blob);
    else
        fprintf(f, "\"mount_error\":\"%s\",", s.mount_error);
    fprintf(f, "\"problems\":%u,\"repairs_at_mount\":%u,\"looks_encrypted\":%s}}\n", d->problems, d->repairs,
            fk_nvs_dump_looks_encrypted(d, NULL, NULL) ? "true" : "false");
}

