/* An app image against the slot it will be flashed to. */
#include "project.h"

#include <stdio.h>
#include <string.h>

int fk_layout_check_app(const fk_project_t *p, const fk_layout_t *lay, int slot, const fk_app_file_t *app,
                        fk_msgs_t *m)
{
    int before = m->n;
    const fk_part_entry_t *e = &lay->rows.e[slot];
    char rn[256];
    fk_layout_row_name(p, lay, slot, rn, sizeof rn);
    if (app->len > e->size)
        fk_msgs_add(m, "%s: 0x%zX bytes but %s is 0x%X bytes", app->path, app->len, rn, e->size);
    if (app->len == 0) fk_msgs_add(m, "%s: empty file, not an app image (for %s)", app->path, rn);
    return m->n - before;
}
