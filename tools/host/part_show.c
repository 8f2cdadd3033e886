#include "part_show.h"

#include <stdlib.h>
#include <string.h>
#include "util.h"

int fk_part_flash_size(const char *s, uint32_t *out)
{
    static const char *names[] = {"1", "2", "4", "8", "16"};
    for (unsigned i = 0; i < 5; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(s, names[i], n) != 0) continue;
        const char *u = s + n;
        if (!strcmp(u, "MB") || !strcmp(u, "mb") || !strcmp(u, "M") || !strcmp(u, "m")) {
            *out = (uint32_t)atoi(names[i]) << 20;
            return 0;
        }
    }
    return -1;
}

const char *fk_part_type_name(int type, char buf[8])
{
    const char *k = fk_part_type_keyword((uint8_t)type);
    if (k) return k;
    snprintf(buf, 8, "0x%02x", type & 0xFF);
    return buf;
}

const char *fk_part_subtype_name(int type, int subtype, char buf[8])
{
    const char *k = fk_part_subtype_keyword((uint8_t)type, (uint8_t)subtype);
    if (k) return k;
    snprintf(buf, 8, "0x%02x", subtype & 0xFF);
    return buf;
}

static int cmp_region(const void *a, const void *b)
{
    const fk_map_region_t *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

void fk_part_map_build(const fk_part_list_t *l, uint32_t table_offset, uint32_t flash_size, fk_part_map_t *m)
{
    memset(m, 0, sizeof *m);
    m->table_offset = table_offset;
    uint64_t end = (uint64_t)table_offset + FK_PART_TABLE_SECTOR;
    for (int i = 0; i < l->count; i++)
        if ((uint64_t)l->e[i].offset + l->e[i].size > end) end = (uint64_t)l->e[i].offset + l->e[i].size;
    m->flash_size_given = flash_size != 0;
    if (!flash_size) {
        flash_size = 1u << 20;
        while (flash_size < end && flash_size < (16u << 20)) flash_size <<= 1;
    }
    m->flash_size = flash_size;

    fk_map_region_t used[FK_PART_GEN_MAX + 2];
    int n = 0;
    if (table_offset) used[n++] = (fk_map_region_t){0, table_offset, FK_MAP_BOOTLOADER, -1};
    used[n++] = (fk_map_region_t){table_offset, table_offset + FK_PART_TABLE_SECTOR, FK_MAP_TABLE, -1};
    for (int i = 0; i < l->count; i++)
        used[n++] = (fk_map_region_t){l->e[i].offset, l->e[i].offset + l->e[i].size, FK_MAP_PARTITION, i};
    qsort(used, (size_t)n, sizeof used[0], cmp_region);

    uint32_t cursor = 0;
    for (int i = 0; i < n; i++) {
        if (used[i].start > cursor) m->r[m->count++] = (fk_map_region_t){cursor, used[i].start, FK_MAP_FREE, -1};
        m->r[m->count++] = used[i];
        if (used[i].end > cursor) cursor = used[i].end;
    }
    if (cursor < flash_size) m->r[m->count++] = (fk_map_region_t){cursor, flash_size, FK_MAP_FREE, -1};
}

static void human(char *buf, size_t n, uint32_t v)
{
    if (v && v % 0x100000 == 0)
        snprintf(buf, n, "%uM", v >> 20);
    else if (v % 0x400 == 0)
        snprintf(buf, n, "%uK", v >> 10);
    else
        snprintf(buf, n, "%uB", v);
}

static const char *region_name(const fk_part_list_t *l, const fk_map_region_t *r)
{
    switch (r->kind) {
    case FK_MAP_BOOTLOADER: return "(bootloader)";
    case FK_MAP_TABLE: return "(partition table)";
    case FK_MAP_FREE: return "(free)";
    default: return l->e[r->index].label;
    }
}

void fk_part_print_table(FILE *f, const char *name, const fk_part_list_t *l, const fk_part_map_t *m)
{
    char sz[16], tb[8], sb[8];
    fprintf(f, "Partition table %s: %d partition%s, table at 0x%x, %uMB flash%s\n\n", name, l->count,
            l->count == 1 ? "" : "s", m->table_offset, m->flash_size >> 20,
            m->flash_size_given ? "" : " (smallest that fits)");
    fprintf(f, "  %-16s %-5s %-8s %-10s %-10s %-7s %s\n", "Name", "Type", "SubType", "Offset", "Size", "", "Flags");
    for (int i = 0; i < l->count; i++) {
        const fk_part_entry_t *e = &l->e[i];
        human(sz, sizeof sz, e->size);
        fprintf(f, "  %-16s %-5s %-8s 0x%08x 0x%08x %-7s %s\n", e->label, fk_part_type_name(e->type, tb),
                fk_part_subtype_name(e->type, e->subtype, sb), e->offset, e->size, sz,
                (e->flags & FK_PART_FLAG_ENCRYPTED) ? "encrypted" : "");
    }
    fprintf(f, "\nFlash map:\n");
    uint32_t free_total = 0;
    for (int i = 0; i < m->count; i++) {
        const fk_map_region_t *r = &m->r[i];
        human(sz, sizeof sz, r->end - r->start);
        fprintf(f, "  0x%08x - 0x%08x  %7s  %s", r->start, r->end - 1, sz, region_name(l, r));
        if (r->kind == FK_MAP_PARTITION) {
            const fk_part_entry_t *e = &l->e[r->index];
            fprintf(f, "  %s/%s", fk_part_type_name(e->type, tb), fk_part_subtype_name(e->type, e->subtype, sb));
        }
        if (r->kind == FK_MAP_FREE) free_total += r->end - r->start;
        if (r->end > m->flash_size) fprintf(f, "  ** beyond the %uMB flash **", m->flash_size >> 20);
        fputc('\n', f);
    }
    human(sz, sizeof sz, free_total);
    fprintf(f, "\nFree: %s of %uMB\n", sz, m->flash_size >> 20);
}

void fk_part_print_json(FILE *f, const fk_part_list_t *l, const fk_part_map_t *m)
{
    char tb[8], sb[8];
    fprintf(f, "{\"table_offset\": %u, \"flash_size\": %u, \"partitions\": [", m->table_offset, m->flash_size);
    for (int i = 0; i < l->count; i++) {
        const fk_part_entry_t *e = &l->e[i];
        fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
        fk_json_str(f, e->label);
        fprintf(f, ", \"type\": %u, \"subtype\": %u, \"type_name\": \"%s\", \"subtype_name\": \"%s\", "
                   "\"offset\": %u, \"size\": %u, \"encrypted\": %s}",
                e->type, e->subtype, fk_part_type_name(e->type, tb), fk_part_subtype_name(e->type, e->subtype, sb),
                e->offset, e->size, (e->flags & FK_PART_FLAG_ENCRYPTED) ? "true" : "false");
    }
    fprintf(f, "\n], \"map\": [");
    static const char *kinds[] = {"bootloader", "partition_table", "partition", "free"};
    for (int i = 0; i < m->count; i++) {
        const fk_map_region_t *r = &m->r[i];
        fprintf(f, "%s\n  {\"start\": %u, \"end\": %u, \"size\": %u, \"kind\": \"%s\"", i ? "," : "", r->start, r->end,
                r->end - r->start, kinds[r->kind]);
        if (r->kind == FK_MAP_PARTITION) {
            fprintf(f, ", \"name\": ");
            fk_json_str(f, l->e[r->index].label);
        }
        fputc('}', f);
    }
    fprintf(f, "\n]}\n");
}

static void svg_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

static const char *region_colour(const fk_part_list_t *l, const fk_map_region_t *r)
{
    if (r->kind == FK_MAP_BOOTLOADER) return "#9e9e9e";
    if (r->kind == FK_MAP_TABLE) return "#616161";
    if (r->kind == FK_MAP_FREE) return "#ffffff";
    const fk_part_entry_t *e = &l->e[r->index];
    if (e->type == 0) return e->subtype >= 0x10 && e->subtype < 0x20 ? "#42a5f5" : "#1e88e5";
    if (e->type == 1) {
        if (e->subtype == 0x02) return "#66bb6a";
        if (e->subtype == 0x00) return "#ffa726";
        if (e->subtype == 0x01) return "#ab47bc";
        return "#26a69a";
    }
    return "#ef5350";
}

int fk_part_write_svg(const char *path, const char *title, const fk_part_list_t *l, const fk_part_map_t *m)
{
    fk_out_t out;
    if (fk_out_open(&out, path) != 0) return -1;
    FILE *f = out.f;
    const int W = 1000, X0 = 20, BAR_Y = 50, BAR_H = 60, ROW = 18;
    const int bar_w = W - 2 * X0;
    int rows = m->count;
    int H = BAR_Y + BAR_H + 50 + rows * ROW + 20;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"monospace\" font-size=\"12\">\n", W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"25\" font-size=\"16\">", X0);
    const char *base = strrchr(title, '/');
    svg_text(f, base ? base + 1 : title);
    fprintf(f, ": %uMB flash, table at 0x%x (drawn to scale)</text>\n", m->flash_size >> 20, m->table_offset);
    double scale = (double)bar_w / m->flash_size;
    for (int i = 0; i < m->count; i++) {
        const fk_map_region_t *r = &m->r[i];
        double x = X0 + r->start * scale, w = (r->end - r->start) * scale;
        if (w < 0.5) w = 0.5;
        fprintf(f, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\"><title>",
                x, BAR_Y, w, BAR_H, region_colour(l, r));
        svg_text(f, region_name(l, r));
        fprintf(f, " 0x%x-0x%x</title></rect>\n", r->start, r->end - 1);
        if (w > 40) {
            fprintf(f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">", x + w / 2, BAR_Y + BAR_H / 2 + 4);
            svg_text(f, region_name(l, r));
            fprintf(f, "</text>\n");
        }
    }
    /* Offsets along the bar: eight ticks whatever the flash size. */
    uint32_t step = m->flash_size / 8;
    for (uint32_t a = 0; a <= m->flash_size; a += step) {
        double x = X0 + a * scale;
        const char *anchor = a == 0 ? "start" : a == m->flash_size ? "end" : "middle";
        fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#333\"/>", x, BAR_Y + BAR_H, x, BAR_Y + BAR_H + 6);
        fprintf(f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"%s\" font-size=\"10\">0x%x</text>\n", x, BAR_Y + BAR_H + 18,
                anchor, a);
    }
    int y = BAR_Y + BAR_H + 45;
    for (int i = 0; i < m->count; i++, y += ROW) {
        const fk_map_region_t *r = &m->r[i];
        char sz[16];
        human(sz, sizeof sz, r->end - r->start);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\"/>",
                X0, y - 10, region_colour(l, r));
        fprintf(f, "<text x=\"%d\" y=\"%d\" xml:space=\"preserve\">0x%08x - 0x%08x %7s  ", X0 + 20, y, r->start,
                r->end - 1, sz);
        svg_text(f, region_name(l, r));
        if (r->kind == FK_MAP_PARTITION) {
            char tb[8], sb[8];
            const fk_part_entry_t *e = &l->e[r->index];
            fprintf(f, "  %s/%s", fk_part_type_name(e->type, tb), fk_part_subtype_name(e->type, e->subtype, sb));
        }
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</svg>\n");
    return fk_out_commit(&out);
}

static int check_one(FILE *f, const char *table, const char *what, const fk_app_loc_t *a,
                     const fk_part_list_t *l, int subtype)
{
    int bad = 0;
    const fk_part_entry_t *e = fk_part_list_find(l, 0, subtype);
    char sb[8];
    const char *slot = fk_part_subtype_name(0, subtype, sb);
    if (!e) {
        fprintf(f, "%s at 0x%x (%s) but %s has no %s partition\n", what, a->offset, a->off_from, table, slot);
        return 1;
    }
    int line = l->line[e - l->e];
    char where[64] = "";
    if (line) snprintf(where, sizeof where, ":%d", line);
    if (a->offset != e->offset) {
        fprintf(f, "%s offset 0x%x (%s) != %s%s %s offset 0x%x\n", what, a->offset, a->off_from, table, where,
                slot, e->offset);
        bad++;
    }
    if (a->size != e->size) {
        fprintf(f, "%s size 0x%x (%s) != %s%s %s size 0x%x\n", what, a->size, a->size_from, table, where, slot,
                e->size);
        bad++;
    }
    return bad;
}

int fk_part_check_apps(FILE *f, const char *table_name, const fk_part_list_t *l, const fk_app_loc_t *app1,
                       const fk_app_loc_t *app2, uint32_t flash_size)
{
    int bad = 0;
    bool has_factory = fk_part_list_find(l, 0, 0x00) != NULL;
    /* On 1 MB the two app slots are separate link targets (app1/app2);
     * from 2 MB the configured APP1 is the default boot partition. */
    bool one_mb = flash_size == (1u << 20) || (app2->set && flash_size == 0);
    if (app1->set) bad += check_one(f, table_name, "App1", app1, l, one_mb || !has_factory ? 0x10 : 0x00);
    if (app2->set) bad += check_one(f, table_name, "App2", app2, l, 0x11);
    return bad;
}
