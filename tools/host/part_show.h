/* Views of a partition table (text table, flash map, JSON, SVG) and the
 * menuconfig app-location check. */
#ifndef FK_PART_SHOW_H
#define FK_PART_SHOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "part_gen.h"

typedef enum { FK_MAP_BOOTLOADER, FK_MAP_TABLE, FK_MAP_PARTITION, FK_MAP_FREE } fk_map_kind_t;

typedef struct {
    uint32_t start, end; /* end exclusive */
    fk_map_kind_t kind;
    int index;           /* partition index for FK_MAP_PARTITION */
} fk_map_region_t;

typedef struct {
    uint32_t flash_size;   /* given, or the smallest standard size that fits */
    bool flash_size_given;
    uint32_t table_offset;
    int count;
    fk_map_region_t r[2 * FK_PART_GEN_MAX + 4];
} fk_part_map_t;

/* "1MB".."16MB" (also "4M", "4mb"). */
int fk_part_flash_size(const char *s, uint32_t *out);
void fk_part_map_build(const fk_part_list_t *l, uint32_t table_offset, uint32_t flash_size,
                       fk_part_map_t *m);
const char *fk_part_type_name(int type, char buf[8]);
const char *fk_part_subtype_name(int type, int subtype, char buf[8]);
void fk_part_print_table(FILE *f, const char *name, const fk_part_list_t *l, const fk_part_map_t *m);
void fk_part_print_json(FILE *f, const fk_part_list_t *l, const fk_part_map_t *m);
int fk_part_write_svg(const char *path, const char *title, const fk_part_list_t *l, const fk_part_map_t *m);

/* An app location as configured in menuconfig (CONFIG_APP1_OFFSET, ...). */
typedef struct {
    bool set;
    uint32_t offset, size;
    char off_from[128], size_from[128]; /* "--app1", or "sdkconfig:14 CONFIG_APP1_OFFSET" */
} fk_app_loc_t;

/* Reads CONFIG_APP1_*, CONFIG_APP2_* and the flash size from an sdkconfig. */
int fk_app_locs_from_sdkconfig(const char *path, fk_app_loc_t *app1, fk_app_loc_t *app2,
                               uint32_t *flash_size, char *err, size_t errlen);
/* Prints one line per disagreement to f; returns how many there were. */
int fk_part_check_apps(FILE *f, const char *table_name, const fk_part_list_t *l,
                       const fk_app_loc_t *app1, const fk_app_loc_t *app2, uint32_t flash_size);

#endif
